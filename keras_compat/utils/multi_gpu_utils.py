"""`multi_gpu_model`: data parallelism here is torch.distributed."""


def multi_gpu_model(model, gpus=None, cpu_merge=True, cpu_relocation=False):
    """Not a graph rewrite on torch: run the unmodified script under
    torchrun for data-parallel training on several GPUs."""
    raise ValueError(
        'multi_gpu_model is not needed with keras_compat: keep the single '
        'model and launch the script data-parallel with torchrun, e.g.\n'
        '    torchrun --nproc_per_node=%s -m keras_compat run script.py\n'
        'fit/evaluate/predict then split every batch across the GPUs (one '
        'process per GPU, DistributedDataParallel underneath).'
        % (gpus if isinstance(gpus, int) else 'NUM_GPUS'))
