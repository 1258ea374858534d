"""Horovod's Keras and TensorFlow APIs (`import horovod.keras as hvd`,
`import horovod.tensorflow.keras as hvd`, `import horovod.tensorflow as
hvd`) for programs run by keras_compat, on torch.distributed: see
`horovod.common` for how the processes find each other."""
__version__ = '0.28.1'


def run(*args, **kwargs):
    """Horovod's programmatic launcher, which is not available."""
    raise NotImplementedError(
        'horovod.run(fn, np=...) is not supported: start one process per '
        'worker with a launcher (torchrun --nproc_per_node=N, mpirun -np N, '
        'or horovodrun) running `python -m keras_compat run script.py`.')
