"""`horovod.keras`: Horovod for standalone Keras 2 programs. As under
Keras 2's TensorFlow 1 session, `allreduce`, `allgather` and `broadcast`
return numpy values, and DistributedOptimizer clips each process's
gradients (clipnorm, clipvalue) before averaging them."""
from ..common import (init, shutdown, is_initialized, size,  # noqa: F401
                      local_size, cross_size, rank, local_rank, cross_rank,
                      is_homogeneous, mpi_threads_supported, mpi_enabled,
                      mpi_built, gloo_enabled, gloo_built, nccl_built,
                      ddl_built, ccl_built, cuda_built, rocm_built, Average,
                      Sum, Adasum, global_process_set)
from ..tensorflow.compression import Compression
from .. import _keras as _impl
from .. import tensorflow as _hvd_tf
from . import callbacks  # noqa: F401


def DistributedOptimizer(optimizer, name=None, device_dense='',
                         device_sparse='', compression=Compression.none,
                         sparse_as_dense=False,
                         gradient_predivide_factor=1.0, op=Average,
                         num_groups=0, groups=None):
    """A new optimizer with `optimizer`'s class and config that averages
    (op=Average; hvd.Sum adds) each step's gradients over all processes
    before applying them; every process trains on its own batches.
    `compression=hvd.Compression.fp16` reduces them as float16;
    `gradient_predivide_factor` f divides them by f before the sum and
    multiplies by f / size() after. Saved models name the optimizer by
    its own class."""
    return _impl.create_distributed_optimizer(
        optimizer, name=name, compression=compression,
        sparse_as_dense=sparse_as_dense,
        gradient_predivide_factor=gradient_predivide_factor, op=op,
        groups=groups if groups is not None else (num_groups or None),
        clip_first=True)


def broadcast_global_variables(root_rank):
    """Gives every global variable rank `root_rank`'s value."""
    _hvd_tf.broadcast_global_variables(root_rank)


def allreduce(value, name=None, average=True, prescale_factor=1.0,
              postscale_factor=1.0, op=None, compression=Compression.none):
    """The average (or with average=False the sum) of `value` over all
    processes, as a numpy value."""
    return _impl.numpy_value(_impl.value_allreduce(
        value, average, prescale_factor, postscale_factor, op, compression))


def allgather(value, name=None):
    """Every process's `value` concatenated along the first axis."""
    return _impl.numpy_value(_hvd_tf.allgather(value))


def broadcast(value, root_rank, name=None):
    """Rank `root_rank`'s `value`, as a numpy value."""
    return _impl.numpy_value(_hvd_tf.broadcast(value, root_rank))


broadcast_object = _hvd_tf.broadcast_object
allgather_object = _hvd_tf.allgather_object


def load_model(filepath, custom_optimizers=None, custom_objects=None,
               compression=Compression.none, legacy_opts=False):
    """A saved model, its optimizer (with its state) a
    DistributedOptimizer. `legacy_opts` chooses nothing here: the same
    optimizer classes serve tf.keras's optimizers and their `legacy`
    forms."""
    return _impl.load_model(filepath, custom_optimizers, custom_objects,
                            compression, clip_first=True)
