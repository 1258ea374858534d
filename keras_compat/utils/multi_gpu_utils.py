"""`multi_gpu_model`: data parallelism here is torch.distributed."""
import warnings

import torch


def _available_devices():
    return ['/cpu:0'] + ['/gpu:%d' % i
                         for i in range(torch.cuda.device_count())]


def multi_gpu_model(model, gpus=None, cpu_merge=True, cpu_relocation=False):
    """Keras 2's multi-GPU replication, with its argument checks: `gpus`
    (a count >= 2 or a list of >= 2 ids, default all visible GPUs) must
    name GPUs this machine has, else ValueError as in Keras.

    Data parallelism on torch comes from launching the unmodified script
    under torchrun (one process per GPU), not from rewriting the model:
    the model is returned as it is, so the script runs unchanged (its
    compile/fit/save calls on either name act on the same weights). Outside
    torchrun a warning says it trains on one GPU."""
    from .. import distributed
    available = _available_devices()
    if not gpus:
        # Keras 2: all the GPUs the machine has (then checked below).
        gpus = len(available) - 1
    if isinstance(gpus, (list, tuple)):
        if len(gpus) <= 1:
            raise ValueError('For multi-gpu usage to be effective, call '
                             '`multi_gpu_model` with `len(gpus) >= 2`. '
                             'Received: `gpus=%s`' % (gpus,))
        target_ids = list(gpus)
    else:
        if gpus <= 1:
            raise ValueError('For multi-gpu usage to be effective, call '
                             '`multi_gpu_model` with `gpus >= 2`. '
                             'Received: `gpus=%d`' % gpus)
        target_ids = list(range(gpus))
    targets = ['/cpu:0'] + ['/gpu:%d' % i for i in target_ids]
    if any(device not in available for device in targets):
        raise ValueError('To call `multi_gpu_model` with `gpus=%s`, we '
                         'expect the following devices to be available: '
                         '%s. However this machine only has: %s. Try '
                         'reducing `gpus`.' % (gpus, targets, available))
    if not distributed.is_active():
        warnings.warn(
            'multi_gpu_model: keras_compat trains this model on one GPU. '
            'For data-parallel training on %d GPUs launch the unmodified '
            'script with torchrun:\n    torchrun --nproc_per_node=%d -m '
            'keras_compat run script.py' % (len(target_ids),
                                            len(target_ids)), stacklevel=2)
    return model
