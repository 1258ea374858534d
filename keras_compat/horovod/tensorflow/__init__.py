"""`horovod.tensorflow`: Horovod's collectives on tensors, its
DistributedOptimizer and DistributedGradientTape, on torch.distributed.

Tensors are keras_compat's (torch tensors); variables are assigned in
place. Every process runs the same collectives in the same order, as
Horovod requires."""
import numpy as np
import torch

from ... import backend as K
from .. import common
from ..common import (init, shutdown, is_initialized, size, local_size,  # noqa
                      cross_size, rank, local_rank, cross_rank,
                      is_homogeneous, mpi_threads_supported, mpi_enabled,
                      mpi_built, gloo_enabled, gloo_built, nccl_built,
                      ddl_built, ccl_built, cuda_built, rocm_built, Average,
                      Sum, Adasum, Min, Max, Product, ProcessSet,
                      global_process_set, add_process_set,
                      remove_process_set)
from .compression import Compression  # noqa: F401


def _as_tensor(value):
    """`value` as a torch tensor, with TensorFlow's dtypes for Python
    numbers (float32, int32)."""
    if isinstance(value, torch.Tensor):
        return value.detach()
    if hasattr(value, 'numpy') and not isinstance(value, np.ndarray):
        value = value.numpy()
    array = np.asarray(value)
    if not isinstance(value, (np.ndarray, np.generic)):
        if array.dtype == np.float64:
            array = array.astype(np.float32)
        elif array.dtype == np.int64:
            array = array.astype(np.int32)
    return torch.as_tensor(array)


def reduce_op(op, average):
    """Horovod's reading of `op` and the older `average` argument."""
    if op is not None:
        if average is not None:
            raise ValueError('The op parameter supersedes average. Please '
                             'provide only one of them.')
        return op
    if average is not None:
        return Average if average else Sum
    return Average


def allreduce(tensor, average=None, device_dense='', device_sparse='',
              compression=Compression.none, op=None, prescale_factor=1.0,
              postscale_factor=1.0, name=None,
              process_set=global_process_set, ignore_name_scope=False):
    """The reduction (Average by default; Sum, Min, Max, Product) of
    `tensor` over all processes, as a tensor."""
    common.check_process_set(process_set)
    op = reduce_op(op, average)
    return common.allreduce_tensors(
        [_as_tensor(tensor)], op, prescale_factor, postscale_factor,
        compression)[0]


def grouped_allreduce(tensors, average=None, device_dense='',
                      device_sparse='', compression=Compression.none,
                      op=None, prescale_factor=1.0, postscale_factor=1.0,
                      process_set=global_process_set):
    """`allreduce` of each of `tensors`, in one collective per dtype."""
    common.check_process_set(process_set)
    op = reduce_op(op, average)
    return common.allreduce_tensors(
        [_as_tensor(t) for t in tensors], op, prescale_factor,
        postscale_factor, compression)


def allgather(tensor, name=None, ignore_name_scope=False,
              process_set=global_process_set):
    """Every process's `tensor` concatenated along the first axis, in
    rank order (the first dimensions may differ)."""
    common.check_process_set(process_set)
    return common.allgather_tensor(_as_tensor(tensor))


def broadcast(tensor, root_rank, name=None, ignore_name_scope=False,
              process_set=global_process_set):
    """Rank `root_rank`'s value of `tensor`."""
    common.check_process_set(process_set)
    return common.broadcast_tensors([_as_tensor(tensor)], root_rank)[0]


def broadcast_variables(variables, root_rank, process_set=global_process_set,
                        inplace=False):
    """Assigns every variable in `variables` rank `root_rank`'s value."""
    common.check_process_set(process_set)
    variables = list(variables)
    values = [torch.as_tensor(np.asarray(v)) for v in
              K.batch_get_value(variables)]
    values = common.broadcast_tensors(values, root_rank)
    K.batch_set_value([(v, common.as_numpy(t))
                       for v, t in zip(variables, values)])
    from ... import tensorflow_compat
    return tensorflow_compat.no_op()


def broadcast_global_variables(root_rank):
    """Assigns every global variable (`tf.compat.v1.global_variables()`)
    rank `root_rank`'s value; returns a no-op operation, for scripts that
    run the result in a session."""
    from ... import tensorflow_compat
    return broadcast_variables(tensorflow_compat.compat.v1.global_variables(),
                               root_rank)


def broadcast_object(obj, root_rank=0, session=None, name=None,
                     process_set=global_process_set):
    """Rank `root_rank`'s `obj` (any picklable object)."""
    common.check_process_set(process_set)
    return common.broadcast_object(obj, root_rank)


def allgather_object(obj, session=None, name=None,
                     process_set=global_process_set):
    """[obj of rank 0, obj of rank 1, ...] on every process."""
    common.check_process_set(process_set)
    return common.allgather_object(obj)


def DistributedOptimizer(optimizer, name=None, use_locking=False,
                         device_dense='', device_sparse='',
                         compression=Compression.none, sparse_as_dense=False,
                         backward_passes_per_step=1, op=Average,
                         gradient_predivide_factor=1.0,
                         average_aggregated_gradients=False, num_groups=0,
                         groups=None, process_set=global_process_set,
                         scale_local_gradients=True):
    """An optimizer like `optimizer` (a Keras optimizer, or a
    `tf.compat.v1.train` one, which are Keras optimizers here) that
    averages the gradients over the processes before applying them: see
    `horovod.tensorflow.keras.DistributedOptimizer`."""
    from .. import _keras
    return _keras.create_distributed_optimizer(
        optimizer, name=name, compression=compression,
        sparse_as_dense=sparse_as_dense,
        gradient_predivide_factor=gradient_predivide_factor, op=op,
        backward_passes_per_step=backward_passes_per_step,
        average_aggregated_gradients=average_aggregated_gradients,
        groups=groups if groups is not None else (num_groups or None),
        process_set=process_set, scale_local_gradients=scale_local_gradients,
        clip_first=False)


class _DistributedGradientTape(object):
    """A GradientTape whose `gradient` averages the gradients over the
    processes (None gradients stay None)."""

    def __init__(self, tape, compression, op, gradient_predivide_factor):
        self._tape = tape
        self._compression = compression
        self._op = op
        self._predivide = gradient_predivide_factor

    def gradient(self, target, sources, output_gradients=None,
                 use_generic_names=False):
        grads = self._tape.gradient(target, sources, output_gradients)
        single = not isinstance(grads, (list, tuple))
        flat = [grads] if single else list(grads)
        present = [i for i, g in enumerate(flat) if g is not None]
        if common.size() > 1 and present:
            pre, post = 1.0, 1.0
            if self._op == Average:
                pre, post = 1.0 / self._predivide, self._predivide
            reduced = common.allreduce_tensors(
                [flat[i] for i in present], self._op, pre, post,
                self._compression)
            for i, g in zip(present, reduced):
                flat[i] = g
        if single:
            return flat[0]
        return type(grads)(flat) if isinstance(grads, tuple) else flat

    def __getattr__(self, name):
        return getattr(self._tape, name)

    def __enter__(self):
        self._tape.__enter__()
        return self

    def __exit__(self, *exc):
        return self._tape.__exit__(*exc)


def DistributedGradientTape(gradtape, device_dense='', device_sparse='',
                            compression=Compression.none,
                            sparse_as_dense=False, op=Average,
                            gradient_predivide_factor=1.0, num_groups=0,
                            groups=None, process_set=global_process_set,
                            scale_local_gradients=True):
    """`gradtape` with a `gradient()` that averages (op=Average; Sum adds)
    the gradients over all processes, for custom training loops."""
    common.check_process_set(process_set)
    op = common.check_op(op)
    if op not in (Average, Sum):
        raise ValueError('op currently only supports Average and Sum')
    return _DistributedGradientTape(gradtape, compression, op,
                                    gradient_predivide_factor)
