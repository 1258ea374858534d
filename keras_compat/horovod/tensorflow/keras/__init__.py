"""`horovod.tensorflow.keras`: Horovod for tf.keras programs. As under
TensorFlow 2's eager execution, `allreduce`, `allgather` and `broadcast`
return tensors, and DistributedOptimizer averages the gradients before
its clipnorm / clipvalue apply."""
from ...common import (init, shutdown, is_initialized, size,  # noqa: F401
                       local_size, cross_size, rank, local_rank, cross_rank,
                       is_homogeneous, mpi_threads_supported, mpi_enabled,
                       mpi_built, gloo_enabled, gloo_built, nccl_built,
                       ddl_built, ccl_built, cuda_built, rocm_built, Average,
                       Sum, ProcessSet, global_process_set, add_process_set,
                       remove_process_set)
from ..compression import Compression
from ... import _keras as _impl
from ... import tensorflow as _hvd_tf
from . import callbacks  # noqa: F401


def _tf_keras_program():
    """Importing this module, as `from tensorflow import keras` in
    Horovod's, gives the program tf.keras's defaults."""
    from .... import aliasing
    aliasing._serve_tf_keras_defaults()


_tf_keras_program()


def DistributedOptimizer(optimizer, name=None, device_dense='',
                         device_sparse='', compression=Compression.none,
                         sparse_as_dense=False,
                         gradient_predivide_factor=1.0, op=Average,
                         backward_passes_per_step=1,
                         average_aggregated_gradients=False, num_groups=0,
                         groups=None, process_set=global_process_set,
                         scale_local_gradients=True):
    """A new optimizer with `optimizer`'s class and config that averages
    (op=Average; hvd.Sum adds) each step's gradients over all processes
    before applying them; every process trains on its own batches.
    `backward_passes_per_step` n sums n steps' gradients locally and
    reduces and applies them at the n-th (divided by n with
    `average_aggregated_gradients`); the other steps only count an
    iteration. `compression=hvd.Compression.fp16` reduces as float16;
    `gradient_predivide_factor` f divides the gradients by f before the
    sum and multiplies by f / size() after."""
    return _impl.create_distributed_optimizer(
        optimizer, name=name, compression=compression,
        sparse_as_dense=sparse_as_dense,
        gradient_predivide_factor=gradient_predivide_factor, op=op,
        backward_passes_per_step=backward_passes_per_step,
        average_aggregated_gradients=average_aggregated_gradients,
        groups=groups if groups is not None else (num_groups or None),
        process_set=process_set, scale_local_gradients=scale_local_gradients,
        clip_first=False)


def broadcast_global_variables(root_rank):
    """Gives every global variable rank `root_rank`'s value."""
    return _hvd_tf.broadcast_global_variables(root_rank)


def allreduce(value, name=None, average=None, prescale_factor=1.0,
              postscale_factor=1.0, op=None, compression=Compression.none):
    """The reduction of `value` over all processes (Average unless `op`
    says otherwise), as a tensor."""
    return _impl.value_allreduce(value, average, prescale_factor,
                                 postscale_factor, op, compression)


def allgather(value, name=None):
    """Every process's `value` concatenated along the first axis."""
    return _hvd_tf.allgather(value)


def broadcast(value, root_rank, name=None):
    """Rank `root_rank`'s `value`, as a tensor."""
    return _hvd_tf.broadcast(value, root_rank)


broadcast_object = _hvd_tf.broadcast_object
allgather_object = _hvd_tf.allgather_object


def load_model(filepath, custom_optimizers=None, custom_objects=None,
               compression=Compression.none, legacy_opts=False):
    """A saved model, its optimizer (with its state) a
    DistributedOptimizer. `legacy_opts` chooses nothing here: the same
    optimizer classes serve tf.keras's optimizers and their `legacy`
    forms."""
    return _impl.load_model(filepath, custom_optimizers, custom_objects,
                            compression, clip_first=False)
