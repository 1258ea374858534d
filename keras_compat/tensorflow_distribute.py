"""`tf.distribute` for the TensorFlow stand-in: the strategies tf.keras
scripts open before building their models.

keras_compat trains on one device per process and spreads a run over
several with torchrun (see `keras_compat.distributed`), or over workers
started by hand with their TF_CONFIG, as TensorFlow's multi-worker
tutorials start them: `MultiWorkerMirroredStrategy()` then joins the
processes of the cluster TF_CONFIG describes (its first task hosts the
rendezvous at its address). So a strategy's replicas are the processes:
`MirroredStrategy` and `MultiWorkerMirroredStrategy` count one replica
per process (1 in a plain run, as tf.keras counts on a machine with one
device), `fit` splits each global batch of a tf.data pipeline across them
by its auto-shard policy, and `scope()` changes nothing else.
`strategy.run(fn, args)` calls `fn` as this process's replica: there
`apply_gradients` sums the replicas' gradients, `reduce` and
`ReplicaContext.all_reduce` combine the processes' values, and a metric
updated there reads the state of all of them; `experimental_local_results`
sees this process's single replica. Without a TPU, `TPUClusterResolver()`
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
    """The context of the one replica this process runs: with several
    processes, replica `rank` of `num_replicas_in_sync`."""

    def __init__(self, strategy):
        self.strategy = strategy
        self.num_replicas_in_sync = strategy.num_replicas_in_sync
        self.replica_id_in_sync_group = distributed.rank() \
            if strategy._spans_processes() else 0

    def all_reduce(self, reduce_op, value):
        """`value` summed or averaged over the replicas."""
        op = _reduce_op_name(reduce_op)
        if not self.strategy._spans_processes():
            return value
        return _across_processes(op, value)

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


def _across_processes(op, value):
    """`value` (a tensor, number or nested list/tuple/dict of them)
    summed or averaged element-wise over the processes."""
    def combine(leaf):
        tensor = leaf if isinstance(leaf, torch.Tensor) else \
            torch.as_tensor(leaf)
        if not tensor.is_floating_point() and op == ReduceOp.MEAN:
            tensor = tensor.to(torch.get_default_dtype())
        total = distributed.all_reduce_sum([tensor])[0]
        return total / distributed.world_size() if op == ReduceOp.MEAN \
            else total
    return _map_nested(combine, value)


def _map_nested(fn, value):
    if isinstance(value, (list, tuple)):
        return type(value)(_map_nested(fn, v) for v in value)
    if isinstance(value, dict):
        return {k: _map_nested(fn, v) for k, v in value.items()}
    return None if value is None else fn(value)


class ClusterSpec(object):
    """tf.train.ClusterSpec: the jobs of a cluster and their tasks'
    addresses (a dict of lists, or of {index: address} dicts)."""

    def __init__(self, cluster):
        if isinstance(cluster, ClusterSpec):
            cluster = cluster.as_dict()
        self._jobs = {}
        for job, tasks in (cluster or {}).items():
            if isinstance(tasks, dict):
                tasks = dict((int(i), a) for i, a in tasks.items())
            else:
                tasks = dict(enumerate(tasks))
            self._jobs[job] = tasks

    def as_dict(self):
        """{job: [address, ...]} (a dict by index where indices skip)."""
        out = {}
        for job, tasks in self._jobs.items():
            indices = sorted(tasks)
            out[job] = [tasks[i] for i in indices] \
                if indices == list(range(len(indices))) else dict(tasks)
        return out

    @property
    def jobs(self):
        return list(self._jobs)

    def num_tasks(self, job_name):
        return len(self._job(job_name))

    def task_indices(self, job_name):
        return sorted(self._job(job_name))

    def task_address(self, job_name, task_index):
        tasks = self._job(job_name)
        if task_index not in tasks:
            raise ValueError('No task with index %r in job %r'
                             % (task_index, job_name))
        return tasks[task_index]

    def job_tasks(self, job_name):
        tasks = self._job(job_name)
        return [tasks.get(i) for i in range(max(tasks) + 1)] if tasks \
            else []

    def _job(self, job_name):
        if job_name not in self._jobs:
            raise ValueError('No such job in cluster: %r' % (job_name,))
        return self._jobs[job_name]

    def __bool__(self):
        return bool(self._jobs)

    __nonzero__ = __bool__

    def __eq__(self, other):
        return isinstance(other, ClusterSpec) and \
            self.as_dict() == other.as_dict()

    def __ne__(self, other):
        return not self == other

    def __repr__(self):
        return 'ClusterSpec(%r)' % (self.as_dict(),)


class SimpleClusterResolver(object):
    """A cluster given in full: its `ClusterSpec` and this task."""

    def __init__(self, cluster_spec, master='', task_type=None,
                 task_id=None, environment='', num_accelerators=None,
                 rpc_layer=None):
        self._cluster_spec = ClusterSpec(cluster_spec)
        self._master = master
        self.task_type = task_type
        self.task_id = task_id
        self.environment = environment
        self._num_accelerators = num_accelerators or {}
        self.rpc_layer = rpc_layer

    def cluster_spec(self):
        return self._cluster_spec

    def master(self, task_type=None, task_id=None, rpc_layer=None):
        if task_type is not None and task_id is not None:
            address = self._cluster_spec.task_address(task_type, task_id)
            layer = rpc_layer or self.rpc_layer
            return '%s://%s' % (layer, address) if layer else address
        return self._master

    def num_accelerators(self, task_type=None, task_id=None,
                         config_proto=None):
        import collections
        return collections.defaultdict(int, self._num_accelerators)


class TFConfigClusterResolver(SimpleClusterResolver):
    """The cluster and task of the TF_CONFIG environment variable (read
    when made); without it, the task of a torchrun process ('worker',
    its rank), else none (task_type and task_id None), as TensorFlow
    reports for a single process."""

    def __init__(self, task_type=None, task_id=None, rpc_layer=None,
                 environment=None):
        import json
        config = json.loads(os.environ.get('TF_CONFIG') or '{}')
        task = config.get('task') or {}
        if task_type is None and task:
            task_type = task.get('type')
            task_id = task.get('index') if task_id is None else task_id
        elif task_type is None and distributed.is_active():
            task_type, task_id = 'worker', distributed.rank()
        super(TFConfigClusterResolver, self).__init__(
            config.get('cluster') or {}, task_type=task_type,
            task_id=None if task_id is None else int(task_id),
            environment=environment if environment is not None
            else config.get('environment'),
            rpc_layer=rpc_layer if rpc_layer is not None
            else config.get('rpc_layer'))

    def master(self, task_type=None, task_id=None, rpc_layer=None):
        task_type = self.task_type if task_type is None else task_type
        task_id = self.task_id if task_id is None else task_id
        if task_type is None or not self._cluster_spec or \
                task_type not in self._cluster_spec.jobs:
            return ''
        return SimpleClusterResolver.master(self, task_type, task_id,
                                            rpc_layer)


def _device_name():
    from .backend import device as device_module
    device = torch.device(device_module.get_device())
    index = device.index or 0
    return '/job:localhost/replica:0/task:0/device:%s:%d' % (
        'GPU' if device.type == 'cuda' else 'CPU', index)


_SCOPES = []
_REPLICAS = []     # the replica contexts of the `Strategy.run` calls


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

    def _spans_processes(self):
        return self._counts_processes and distributed.is_active()

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
        """`fn(*args, **kwargs)` on this process's replica (in its replica
        context: `optimizer.apply_gradients` there sums the gradients of
        all replicas, as TensorFlow's does)."""
        _REPLICAS.append(ReplicaContext(self))
        try:
            return fn(*args, **(kwargs or {}))
        finally:
            _REPLICAS.pop()

    experimental_run_v2 = run

    def reduce(self, reduce_op, value, axis=None):
        """`value` summed or averaged over the replicas (the processes)
        and, when given, along `axis` (a mean along `axis` counts the
        elements of all replicas)."""
        op = _reduce_op_name(reduce_op)
        spans = self._spans_processes()
        if axis is None:
            return _across_processes(op, value) if spans else value
        value = value if isinstance(value, torch.Tensor) else \
            torch.as_tensor(value)
        if not value.is_floating_point() and op == ReduceOp.MEAN:
            value = value.to(torch.get_default_dtype())
        total = torch.sum(value, dim=axis)
        if op == ReduceOp.SUM:
            return _across_processes(op, total) if spans else total
        count = torch.tensor(float(value.shape[axis]), dtype=value.dtype)
        if spans:
            total, count = _across_processes(ReduceOp.SUM, [total, count])
        return total / count

    def experimental_local_results(self, value):
        return (value,)

    def experimental_distribute_dataset(self, dataset, options=None):
        """This process's part of the tf.data `dataset` of global batches
        (its rows of each batch, or every batch's pieces with the
        auto-shard policy OFF, as `fit` reads it); the dataset itself in
        one process."""
        if not self._spans_processes() or \
                not hasattr(dataset, '_process_share'):
            return dataset
        return dataset._process_share(in_fit=False)

    def distribute_datasets_from_function(self, dataset_fn, options=None):
        """`dataset_fn(InputContext)`: one input pipeline per process."""
        spans = self._spans_processes()
        return dataset_fn(InputContext(
            num_input_pipelines=distributed.world_size() if spans else 1,
            input_pipeline_id=distributed.rank() if spans else 0,
            num_replicas_in_sync=self.num_replicas_in_sync))

    experimental_distribute_datasets_from_function = \
        distribute_datasets_from_function

    def gather(self, value, axis):
        """The replicas' `value`s concatenated along `axis`, in replica
        order."""
        if not self._spans_processes():
            return value
        tensor = value if isinstance(value, torch.Tensor) else \
            torch.as_tensor(value)
        parts = distributed.gather_objects(tensor.detach().cpu())
        return torch.cat(parts, dim=axis).to(tensor.device)


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
        self.communication_options = communication_options
        if cluster_resolver is None:
            cluster_resolver = TFConfigClusterResolver()
        self.cluster_resolver = cluster_resolver
        distributed.join_cluster(_training_cluster(cluster_resolver))


def _training_cluster(resolver):
    """The `distributed.TFConfigCluster` of a resolver naming a chief or
    worker task of a cluster with several of them (None otherwise)."""
    spec = resolver.cluster_spec().as_dict()
    if not spec or resolver.task_type not in \
            distributed.TFConfigCluster.TRAINING_JOBS:
        return None   # one process, or torchrun's
    cluster = distributed.TFConfigCluster(spec, resolver.task_type,
                                          resolver.task_id)
    return cluster if cluster.world_size > 1 else None


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
    """The strategy of the innermost `strategy.run` or `scope()`, else
    the default one."""
    if _REPLICAS:
        return _REPLICAS[-1].strategy
    return _SCOPES[-1] if _SCOPES else _DEFAULT


def compute_average_loss(per_example_loss, sample_weight=None,
                         global_batch_size=None):
    """tf.nn.compute_average_loss: the sum of the (weighted) per-example
    losses over the global batch size, by default this replica's batch
    size times the replicas in sync."""
    loss = per_example_loss if isinstance(per_example_loss, torch.Tensor) \
        else torch.as_tensor(per_example_loss)
    if not loss.is_floating_point():
        loss = loss.to(torch.get_default_dtype())
    if sample_weight is not None:
        weight = torch.as_tensor(sample_weight, device=loss.device)
        loss = loss * weight.to(loss.dtype)
    if global_batch_size is None:
        rows = loss.shape[0] if loss.dim() else 1
        global_batch_size = rows * get_strategy().num_replicas_in_sync
    total = torch.sum(loss)
    size = torch.as_tensor(global_batch_size, dtype=loss.dtype,
                           device=loss.device)
    return torch.where(size == 0, torch.zeros_like(total), total / size)


def scale_regularization_loss(regularization_loss):
    """tf.nn.scale_regularization_loss: the summed loss over the
    replicas in sync (their gradients are summed)."""
    loss = regularization_loss if isinstance(regularization_loss,
                                             torch.Tensor) \
        else torch.as_tensor(regularization_loss)
    return torch.sum(loss) / get_strategy().num_replicas_in_sync


def has_strategy():
    return bool(_SCOPES)


def in_cross_replica_context():
    return bool(_SCOPES) and not _REPLICAS


def get_replica_context():
    """Inside `strategy.run`, its replica's context; outside a strategy's
    scope, the default one's (inside it, the cross-replica context has
    none: None, as in TensorFlow)."""
    if _REPLICAS:
        return _REPLICAS[-1]
    return None if _SCOPES else ReplicaContext(_DEFAULT)


def replica_sums_gradients():
    """True inside `strategy.run` of a strategy spanning several
    processes: apply_gradients there sums the replicas' gradients."""
    return bool(_REPLICAS) and _REPLICAS[-1].strategy._spans_processes()


def experimental_set_strategy(strategy):
    del _SCOPES[:]
    if strategy is not None:
        _SCOPES.append(strategy)
