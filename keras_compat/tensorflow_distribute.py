"""`tf.distribute` for the TensorFlow stand-in: the strategies tf.keras
scripts open before building their models.

keras_compat trains on one device per process and spreads a run over
several with torchrun (see `keras_compat.distributed`). So a strategy's
replicas are the torchrun processes: `MirroredStrategy` and
`MultiWorkerMirroredStrategy` count one replica per process (1 in a
plain run, as tf.keras counts on a machine with one device), `fit` splits
each global batch across them, and `scope()` changes nothing else.
`strategy.run(fn, args)` calls `fn` in this process; `reduce` and
`experimental_local_results` see this process's single replica, as
TensorFlow's do with one replica. Without a TPU, `TPUClusterResolver()`
raises TensorFlow's ValueError, so scripts take their usual fallback to
`tf.distribute.get_strategy()`."""
import contextlib
import os

import torch

from . import distributed


class ReduceOp(object):
    """How `Strategy.reduce` and `ReplicaContext.all_reduce` combine."""
    SUM = 'SUM'
    MEAN = 'MEAN'


def _reduce_op_name(reduce_op):
    name = getattr(reduce_op, 'value', reduce_op)
    name = str(name).upper()
    if name not in (ReduceOp.SUM, ReduceOp.MEAN):
        raise ValueError('reduce_op must be tf.distribute.ReduceOp.SUM or '
                         'MEAN; got %r.' % (reduce_op,))
    return name


class InputContext(object):
    """What `distribute_datasets_from_function` passes its function:
    this process's input pipeline and the per-replica batch size."""

    def __init__(self, num_input_pipelines=1, input_pipeline_id=0,
                 num_replicas_in_sync=1):
        self.num_input_pipelines = num_input_pipelines
        self.input_pipeline_id = input_pipeline_id
        self.num_replicas_in_sync = num_replicas_in_sync

    def get_per_replica_batch_size(self, global_batch_size):
        if global_batch_size % self.num_replicas_in_sync:
            raise ValueError(
                'The `global_batch_size` %r is not divisible by '
                '`num_replicas_in_sync` %r ' % (global_batch_size,
                                                self.num_replicas_in_sync))
        return global_batch_size // self.num_replicas_in_sync


class ReplicaContext(object):
    """The context of the one replica this process runs."""

    def __init__(self, strategy):
        self.strategy = strategy
        self.num_replicas_in_sync = strategy.num_replicas_in_sync
        self.replica_id_in_sync_group = 0

    def all_reduce(self, reduce_op, value):
        _reduce_op_name(reduce_op)
        return value

    def merge_call(self, merge_fn, args=(), kwargs=None):
        return merge_fn(self.strategy, *args, **(kwargs or {}))


class _Extended(object):
    """`strategy.extended`: the strategy's device settings."""

    def __init__(self, strategy):
        self._strategy = strategy

    @property
    def worker_devices(self):
        return (_device_name(),)

    parameter_devices = worker_devices

    def variable_created_in_scope(self, variable):
        return True

    # Multi-worker state that checkpoint writers consult (keras-tuner,
    # tf.keras's ModelCheckpoint/BackupAndRestore): with several torchrun
    # processes only the chief writes to the real path.
    def _in_multi_worker_mode(self):
        return self._strategy._counts_processes and \
            distributed.world_size() > 1

    @property
    def should_checkpoint(self):
        return distributed.is_chief()

    @property
    def should_save_summary(self):
        return distributed.is_chief()

    @property
    def _task_type(self):
        return 'worker' if self._in_multi_worker_mode() else None

    @property
    def _task_id(self):
        return distributed.rank()


def _device_name():
    from .backend import device as device_module
    device = torch.device(device_module.get_device())
    index = device.index or 0
    return '/job:localhost/replica:0/task:0/device:%s:%d' % (
        'GPU' if device.type == 'cuda' else 'CPU', index)


_SCOPES = []


class Strategy(object):
    """A tf.distribute strategy over this run's processes (see the module
    docstring); the default strategy has one replica."""

    _counts_processes = False

    def __init__(self, *args, **kwargs):
        self.extended = _Extended(self)
        self.cluster_resolver = None

    @property
    def num_replicas_in_sync(self):
        return distributed.world_size() if self._counts_processes else 1

    @contextlib.contextmanager
    def scope(self):
        """Variables and models made inside belong to the strategy (on
        this process's device, as everywhere in keras_compat)."""
        _SCOPES.append(self)
        try:
            yield self
        finally:
            _SCOPES.pop()

    def run(self, fn, args=(), kwargs=None, options=None):
        """`fn(*args, **kwargs)` on this process's replica."""
        return fn(*args, **(kwargs or {}))

    experimental_run_v2 = run

    def reduce(self, reduce_op, value, axis=None):
        """This replica's `value`, summed or averaged along `axis` when
        given (TensorFlow reduces across the replicas and that axis)."""
        op = _reduce_op_name(reduce_op)
        if axis is None:
            return value
        value = value if isinstance(value, torch.Tensor) else \
            torch.as_tensor(value)
        if op == ReduceOp.SUM:
            return torch.sum(value, dim=axis)
        return torch.mean(value.to(torch.get_default_dtype())
                          if not value.is_floating_point() else value,
                          dim=axis)

    def experimental_local_results(self, value):
        return (value,)

    def experimental_distribute_dataset(self, dataset, options=None):
        """The dataset itself: `fit` splits its global batches across the
        processes."""
        return dataset

    def distribute_datasets_from_function(self, dataset_fn, options=None):
        return dataset_fn(InputContext(
            num_input_pipelines=1, input_pipeline_id=0,
            num_replicas_in_sync=self.num_replicas_in_sync))

    experimental_distribute_datasets_from_function = \
        distribute_datasets_from_function

    def gather(self, value, axis):
        return value


class _DefaultDistributionStrategy(Strategy):
    """What `tf.distribute.get_strategy()` gives outside any scope."""


class MirroredStrategy(Strategy):
    """Synchronous data parallelism: one replica per torchrun process."""

    _counts_processes = True

    def __init__(self, devices=None, cross_device_ops=None):
        super(MirroredStrategy, self).__init__()
        self.devices = devices
        self.cross_device_ops = cross_device_ops


class MultiWorkerMirroredStrategy(MirroredStrategy):
    """Synchronous data parallelism over several machines: one replica
    per torchrun process (launch it with torchrun's node options)."""

    def __init__(self, cluster_resolver=None, communication_options=None,
                 communication=None):
        super(MultiWorkerMirroredStrategy, self).__init__()
        self.cluster_resolver = cluster_resolver


class OneDeviceStrategy(Strategy):
    """Everything on one device: this process's."""

    def __init__(self, device):
        super(OneDeviceStrategy, self).__init__()
        self.device = device


class TPUStrategy(Strategy):
    """TPUs are not available to PyTorch here."""

    def __init__(self, tpu_cluster_resolver=None, *args, **kwargs):
        raise NotImplementedError(
            'TPUStrategy is not supported: keras_compat runs on PyTorch '
            '(CPU or CUDA). Use tf.distribute.get_strategy() or '
            'MirroredStrategy, and torchrun for several devices.')


class ParameterServerStrategy(Strategy):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError(
            'ParameterServerStrategy is not supported: use '
            'MultiWorkerMirroredStrategy (synchronous, under torchrun).')


class TPUClusterResolver(object):
    """Finds a TPU: there is none, so this raises TensorFlow's error
    (scripts catch it and fall back to the default strategy)."""

    def __init__(self, tpu=None, *args, **kwargs):
        if not tpu and not os.environ.get('TPU_NAME'):
            raise ValueError('Please provide a TPU Name to connect to.')
        raise NotImplementedError(
            'TPU %r: TPUs are not supported, keras_compat runs on PyTorch '
            '(CPU or CUDA).' % (tpu or os.environ.get('TPU_NAME'),))


class _CrossDeviceOps(object):
    """How replicas' values are combined (NCCL or Gloo under torchrun,
    whichever option is given)."""

    def __init__(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs


class NcclAllReduce(_CrossDeviceOps):
    pass


class HierarchicalCopyAllReduce(_CrossDeviceOps):
    pass


class ReductionToOneDevice(_CrossDeviceOps):
    pass


_DEFAULT = _DefaultDistributionStrategy()


def get_strategy():
    """The strategy of the innermost `scope()`, else the default one."""
    return _SCOPES[-1] if _SCOPES else _DEFAULT


def has_strategy():
    return bool(_SCOPES)


def in_cross_replica_context():
    return bool(_SCOPES)


def get_replica_context():
    """The replica context outside a strategy's scope (inside it, the
    cross-replica context has none: None, as in TensorFlow)."""
    return None if _SCOPES else ReplicaContext(_DEFAULT)


def experimental_set_strategy(strategy):
    del _SCOPES[:]
    if strategy is not None:
        _SCOPES.append(strategy)
