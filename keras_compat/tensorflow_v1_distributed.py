"""TensorFlow 1's between-graph replication ("Distributed TensorFlow"):
`tf.train.Server`, `tf.train.replica_device_setter` and
`tf.train.SyncReplicasOptimizer`, for programs started as one process per
task of a `tf.train.ClusterSpec` (parameter servers and workers, on one
machine or several).

There are no parameter servers here: every worker holds a copy of the
variables, and the workers keep their copies equal.

- A worker task's `Server` joins a Gloo process group of the training tasks
  (the 'chief' task, if any, then the 'worker' tasks in order; the first is
  the chief). The rendezvous is at the first 'ps' task's address, or at
  the chief's address where the cluster has no 'ps' job.
- The first run of a training operation in a worker gives every worker
  the chief's values of the global variables (its initial, restored or
  assigned ones), as the workers of TensorFlow read them from the
  parameter servers.
- `SyncReplicasOptimizer(opt, replicas_to_aggregate)`: each step averages
  `replicas_to_aggregate` gradients, then applies them with `opt` and adds
  1 to the global step. Every worker contributes one gradient per run of
  the training operation, in lockstep (where `replicas_to_aggregate` is a
  multiple k of the number of workers, each contributes its next k runs to
  a step; where it is smaller, the first `replicas_to_aggregate` workers'
  gradients are used and the others' are dropped as stale). In TensorFlow
  the tokens (`num_tokens`, and the tokens each step hands out) let a
  worker that starts early, or runs faster, contribute several gradients
  to a step, even take steps alone until the others come, so its numbers
  depend on timing; here no worker runs ahead, which is what TensorFlow
  gives when every worker is waiting for its token at each step (as with
  `make_session_run_hook(is_chief, num_tokens=0)`); `num_tokens` and the
  chief's queue runner change nothing here.
- A plain optimizer trains asynchronously in TensorFlow: each worker applies
  its own gradients to the shared variables whenever it has them, so the
  result depends on timing. Here every run of the training operation takes
  one gradient from each worker, all computed from the same values, and
  applies them one after the other in task order, adding 1 to the global
  step for each (so the global step counts every worker's update, as in
  TensorFlow). That is the schedule TensorFlow follows when the workers run
  at the same speed; it is deterministic, and it keeps every worker's
  optimizer state (Adam's moments...) equal to the one state TensorFlow
  keeps on the parameter servers.
- So every worker must run the training operation equally often: the
  loops of such programs do (`StopAtStepHook(last_step)` reads the global
  step, which is the same on every worker), or a fixed number of steps.
  Variables that a run assigns outside the optimizer step (batch
  normalization's moving averages) keep each worker's own values.
- A 'ps' task's `server.join()` returns (and the program goes on, usually
  to its end) once every worker has exited; TensorFlow's never returns, so
  launchers kill it. Killing it still works.

`KERAS_COMPAT_DDP_TIMEOUT` (seconds, default 1800) bounds how long a worker
waits for the others."""
import atexit
import time

import numpy as np
import torch

from . import distributed
from . import tensorflow_graph_run as _graph_run
from .tensorflow_distribute import ClusterSpec

_TRAINING_JOBS = ('chief', 'worker')
_DONE_KEY = 'keras_compat/tf1_workers_done'
_STATE = {'server': None, 'store': None, 'rank': 0, 'size': 1,
          'synchronized': False, 'local_targets': set()}


# ------------------------------------------------------------------ server
class Server(object):
    """`tf.train.Server(cluster, job_name, task_index)`: this process as
    task `task_index` of job `job_name` of the cluster (a ClusterSpec or
    its dict). A training task ('worker', 'chief') joins the other training
    tasks when started; a 'ps' task waits for them in `join()`."""

    def __init__(self, server_or_cluster_def, job_name=None, task_index=None,
                 protocol=None, config=None, start=True):
        if not isinstance(server_or_cluster_def, (ClusterSpec, dict)):
            raise NotImplementedError(
                'tf.train.Server(%s): give the cluster as a '
                'tf.train.ClusterSpec or a dict of job names to addresses.'
                % type(server_or_cluster_def).__name__)
        self._cluster = ClusterSpec(server_or_cluster_def)
        self._job_name = _job_name(self._cluster, job_name)
        self._task_index = _task_index(self._cluster, self._job_name,
                                       task_index)
        self._address = self._cluster.task_address(self._job_name,
                                                   self._task_index)
        self._started = False
        if start:
            self.start()

    @staticmethod
    def create_local_server(config=None, start=True):
        """A server for this process alone; sessions made with its target
        run locally."""
        import socket
        with socket.socket() as probe:
            probe.bind(('localhost', 0))
            port = probe.getsockname()[1]
        return Server({'localhost': ['localhost:%d' % port]},
                      job_name='localhost', task_index=0, start=start)

    @property
    def target(self):
        """The session target of this task ('grpc://host:port')."""
        return 'grpc://' + self._address

    @property
    def server_def(self):
        raise NotImplementedError(
            'Server.server_def: there is no ServerDef protocol buffer; '
            'read the cluster from the ClusterSpec given to the server.')

    def start(self):
        """Joins the cluster (once)."""
        if self._started:
            return
        self._started = True
        if self._job_name in _TRAINING_JOBS:
            _join_as_worker(self)
        elif self._job_name == 'ps':
            _STATE['store'] = _store(self, is_host=_hosts(self))
        else:
            _STATE['local_targets'].add(self.target)

    def join(self):
        """On a 'ps' task: waits until every training task has exited
        (TensorFlow's waits forever). On a training task: waits for the
        other training tasks."""
        self.start()
        if self._job_name == 'ps':
            _wait_for_workers(len(_training_tasks(self._cluster)))
        elif _STATE['size'] > 1:
            import torch.distributed as dist
            dist.barrier()


def _job_name(cluster, job_name):
    if job_name is None:
        if len(cluster.jobs) != 1:
            raise ValueError('Must specify an explicit `job_name`.')
        return cluster.jobs[0]
    if job_name not in cluster.jobs:
        raise ValueError('No such job in cluster: %r' % (job_name,))
    return job_name


def _task_index(cluster, job_name, task_index):
    indices = cluster.task_indices(job_name)
    if task_index is None:
        if len(indices) != 1:
            raise ValueError('Must specify an explicit `task_index`.')
        return indices[0]
    if task_index not in indices:
        raise ValueError('No task with index %r in job %r'
                         % (task_index, job_name))
    return int(task_index)


def _training_tasks(cluster):
    """(job, index) of the training tasks, the chief first."""
    return [(job, index) for job in _TRAINING_JOBS if job in cluster.jobs
            for index in cluster.task_indices(job)]


def _rendezvous(cluster):
    """(job, index) of the task whose address hosts the rendezvous."""
    if 'ps' in cluster.jobs:
        return 'ps', cluster.task_indices('ps')[0]
    return _training_tasks(cluster)[0]


def _hosts(server):
    return _rendezvous(server._cluster) == (server._job_name,
                                            server._task_index)


def _store(server, is_host):
    import torch.distributed as dist
    from .distributed import _split_address
    address = server._cluster.task_address(*_rendezvous(server._cluster))
    host, port = _split_address(address)
    return dist.TCPStore(host, port, is_master=is_host,
                         timeout=distributed._timeout(),
                         wait_for_workers=False)


def _join_as_worker(server):
    tasks = _training_tasks(server._cluster)
    if _STATE['server'] is not None:
        raise ValueError('This process already runs the task %s:%d of a '
                         'cluster.' % (_STATE['server']._job_name,
                                       _STATE['server']._task_index))
    _STATE.update(server=server, size=len(tasks),
                  rank=tasks.index((server._job_name, server._task_index)))
    _STATE['local_targets'].add(server.target)
    if len(tasks) == 1 and 'ps' not in server._cluster.jobs:
        return
    import torch.distributed as dist
    if not dist.is_available() or not dist.is_gloo_available():
        raise NotImplementedError(
            'tf.train.Server for a worker task needs torch.distributed with '
            'the Gloo backend, which this PyTorch lacks.')
    if dist.is_initialized():
        raise NotImplementedError(
            'tf.train.Server in a process that already belongs to a '
            'torch.distributed group (torchrun): start the tasks by hand, '
            'one process per task of the ClusterSpec.')
    store = _store(server, is_host=_hosts(server))
    _STATE['store'] = store
    atexit.register(_report_exit)          # runs after the group's exit
    if len(tasks) > 1:
        dist.init_process_group(
            backend='gloo', store=dist.PrefixStore('keras_compat/tf1', store),
            rank=_STATE['rank'], world_size=len(tasks),
            timeout=distributed._timeout())
        atexit.register(distributed._shutdown)


def _report_exit():
    try:
        _STATE['store'].add(_DONE_KEY, 1)
    except Exception:    # the 'ps' task hosting the rendezvous is gone
        pass


def _wait_for_workers(count):
    store = _STATE['store']
    while True:
        try:
            if store.add(_DONE_KEY, 0) >= count:
                return
        except Exception:    # the host of the rendezvous has exited
            return
        time.sleep(0.05)


def is_worker():
    """Whether this process runs a training task of a cluster."""
    return _STATE['server'] is not None


def check_session_target(target):
    """Refuses a session target that is another process's server."""
    if not target or target in _STATE['local_targets'] or \
            str(target).startswith('local'):
        return
    raise NotImplementedError(
        'tf.Session(%r): a session runs in its own process; it cannot drive '
        "another task's server (in-graph replication, or a client of the "
        'cluster). Start each worker as its own process with '
        'tf.train.Server(cluster, job_name, task_index) and open its '
        'session with server.target (between-graph replication).'
        % (target,))


def check_device(device_name):
    """Refuses a device of another training task than this one."""
    server = _STATE['server']
    if server is None or not isinstance(device_name, str):
        return
    import re
    for job, index in re.findall(r'/job:(\w+)(?:/replica:\d+)?/task:(\d+)',
                                 device_name):
        if job in _TRAINING_JOBS and \
                (job, int(index)) != (server._job_name, server._task_index):
            raise NotImplementedError(
                'tf.device(%r) in the process of task %s:%d: placing '
                "operations on another worker's devices (in-graph "
                'replication) is not supported. Build the graph in every '
                'worker process under tf.device(tf.train.'
                'replica_device_setter(worker_device=\'/job:worker/task:%%d\' '
                '%% task_index, cluster=cluster)) instead.'
                % (device_name, server._job_name, server._task_index))


# ------------------------------------------------------------- placement
def replica_device_setter(ps_tasks=0, ps_device='/job:ps',
                          worker_device='/job:worker', merge_devices=True,
                          cluster=None, ps_ops=None, ps_strategy=None):
    """tf.train.replica_device_setter: the device function placing
    variables on the 'ps' tasks in turn and other operations on
    `worker_device`, for `tf.device`. Placement has no effect on the
    numbers here (see the module docstring); None without 'ps' tasks."""
    if cluster is not None:
        spec = ClusterSpec(cluster)
        ps_tasks = spec.num_tasks('ps') if 'ps' in spec.jobs else 0
    if ps_tasks == 0:
        return None
    ps_ops = list(ps_ops or ('Variable', 'VariableV2', 'AutoReloadVariable',
                             'MutableHashTable', 'MutableHashTableV2',
                             'MutableHashTableOfTensors',
                             'MutableHashTableOfTensorsV2',
                             'MutableDenseHashTable',
                             'MutableDenseHashTableV2', 'VarHandleOp'))
    chooser = ps_strategy or _RoundRobin(ps_tasks)

    def device_function(op):
        if getattr(op, 'type', None) in ps_ops:
            return '%s/task:%d' % (ps_device, chooser(op))
        return worker_device
    device_function._keras_replica_device_setter = True
    return device_function


class _RoundRobin(object):
    def __init__(self, num_tasks):
        self._num_tasks = num_tasks
        self._next = 0

    def __call__(self, unused_op):
        task = self._next
        self._next = (self._next + 1) % self._num_tasks
        return task


# ------------------------------------------------------------ training
class CrossWorkerStep(_graph_run.GradientsUpdate):
    """One run of a training operation across the workers: the run
    computes this worker's gradients, `combine` turns them (with the other
    workers') into the gradient lists to apply in order, and each applied
    list adds 1 to `global_step`."""

    def __init__(self, optimizer, grads_and_vars, global_step, combine):
        _graph_run.GradientsUpdate.__init__(self, optimizer, grads_and_vars)
        self.global_step = global_step
        self.combine = combine
        self._steps = []
        # (A run fetching the step next to the operation reads it after.)
        self._keras_global_step = global_step

    def prepare(self, computed):
        _graph_run.GradientsUpdate.prepare(self, computed)
        values, self._values = self._values, None
        grads = [None if v is None else torch.as_tensor(v) for v in values]
        self._steps = self.combine(grads)

    def apply(self):
        steps, self._steps = self._steps, []
        for grads in steps:
            self._values = grads
            _graph_run.GradientsUpdate.apply(self)
            if self.global_step is not None:
                from . import backend as K
                K.set_value(self.global_step,
                            K.get_value(self.global_step) + 1)


def _flat(grads):
    present = [g for g in grads if g is not None]
    if not present:
        return torch.zeros(0, dtype=torch.float64)
    return torch.cat([g.reshape(-1).to(torch.float64) for g in present])


def _unflat(flat, like):
    out, offset = [], 0
    for g in like:
        if g is None:
            out.append(None)
            continue
        out.append(flat[offset:offset + g.numel()].reshape(g.shape).to(
            g.dtype))
        offset += g.numel()
    return out


def _one_after_another(grads):
    """Every worker's gradients, in task order (asynchronous training)."""
    if _STATE['size'] == 1:
        return [grads]
    import torch.distributed as dist
    flat = _flat(grads)
    parts = [torch.empty_like(flat) for _ in range(_STATE['size'])]
    dist.all_gather(parts, flat)
    return [_unflat(part, grads) for part in parts]


def _sum_over_workers(flat):
    if _STATE['size'] == 1:
        return flat
    import torch.distributed as dist
    dist.all_reduce(flat)
    return flat


class _Aggregation(object):
    """The synchronous combination: the average of `replicas` gradients
    per step (see the module docstring)."""

    def __init__(self, replicas):
        self.replicas = replicas
        self._sum = None
        self._count = 0

    def __call__(self, grads):
        size, rank = _STATE['size'], _STATE['rank']
        per_worker = max(1, self.replicas // size)
        flat = _flat(grads)
        if rank >= self.replicas:
            flat = torch.zeros_like(flat)
        self._sum = flat if self._sum is None else self._sum + flat
        self._count += 1
        if self._count < per_worker:
            return []
        total, self._sum, self._count = self._sum, None, 0
        return [_unflat(_sum_over_workers(total) / self.replicas, grads)]


def synchronize_variables():
    """Gives every worker the chief's values of the global variables."""
    from . import backend as K
    from . import tensorflow_compat
    variables = list(tensorflow_compat.global_variables())
    values = [np.asarray(K.get_value(v)) for v in variables]
    if not values:
        return
    flat = torch.cat([torch.as_tensor(v, dtype=torch.float64).reshape(-1)
                      for v in values])
    flat = distributed.broadcast(flat)
    offset = 0
    for variable, value in zip(variables, values):
        part = flat[offset:offset + value.size].numpy()
        offset += value.size
        K.set_value(variable, part.reshape(value.shape).astype(value.dtype))


def shared_training(fetches):
    """`fetches` of a run, each training operation among them made a
    cross-worker one when this process is a worker of a cluster (the first
    such run gives every worker the chief's variables first)."""
    if _STATE['server'] is None or _STATE['size'] == 1:
        return fetches
    found = []
    _training_ops(fetches, found, set())
    for op in found:
        if not isinstance(op.update, CrossWorkerStep):
            op.update = _asynchronous(op.update)
    if found and not _STATE['synchronized']:
        _STATE['synchronized'] = True
        synchronize_variables()
    return fetches


def _training_ops(fetches, found, seen):
    if id(fetches) in seen:
        return
    seen.add(id(fetches))
    if isinstance(fetches, _graph_run.TrainOp):
        if isinstance(fetches.update, (_graph_run.MinimizeUpdate,
                                       _graph_run.GradientsUpdate)):
            found.append(fetches)
        _training_ops(list(fetches.dependencies), found, seen)
    elif isinstance(fetches, dict):
        _training_ops(list(fetches.values()), found, seen)
    elif isinstance(fetches, (list, tuple)):
        for item in fetches:
            _training_ops(item, found, seen)


def _asynchronous(update):
    """The cross-worker step of a plain optimizer's training update."""
    from . import backend as K
    global_step = getattr(update, '_keras_global_step', None)
    if isinstance(update, _graph_run.MinimizeUpdate):
        pairs = list(zip(K.gradients(update.loss, update.params),
                         update.params))
    else:
        pairs = list(update.pairs)
    return CrossWorkerStep(update.optimizer, pairs, global_step,
                           _one_after_another)


class _NoOp(_graph_run.GroupOp):
    """An operation that does nothing when run."""

    def __init__(self, name):
        _graph_run.GroupOp.__init__(self, [], name=name)


class _ChiefQueueRunner(object):
    """The chief's queue runner of a SyncReplicasOptimizer: the steps are
    taken inside the workers' runs, so it starts no thread."""

    def create_threads(self, sess, coord=None, daemon=False, start=False):
        return []


class SyncReplicasOptimizer(object):
    """`tf.train.SyncReplicasOptimizer(opt, replicas_to_aggregate,
    total_num_replicas)`: `opt` applied to the average of
    `replicas_to_aggregate` workers' gradients, the global step counting
    the steps (see the module docstring)."""

    _keras_tf1_optimizer = True

    def __init__(self, opt, replicas_to_aggregate, total_num_replicas=None,
                 variable_averages=None, variables_to_average=None,
                 use_locking=False, name='sync_replicas'):
        if variable_averages is not None:
            raise NotImplementedError(
                'SyncReplicasOptimizer(variable_averages=...): run the '
                "ExponentialMovingAverage's apply() op after the training "
                'operation (tf.control_dependencies([train_op])).')
        if total_num_replicas is None:
            total_num_replicas = replicas_to_aggregate
        self._opt = opt
        self._replicas_to_aggregate = int(replicas_to_aggregate)
        self._total_num_replicas = int(total_num_replicas)
        self._name = name
        self._gradients_applied = False
        self.chief_init_op = self.local_step_init_op = None
        # (Variables hold their values from creation: nothing to wait for.)
        self.ready_for_local_init_op = None

    def get_name(self):
        return self._name

    def compute_gradients(self, *args, **kwargs):
        return self._opt.compute_gradients(*args, **kwargs)

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        """The training operation: each run contributes this worker's
        gradients to the current step."""
        pairs = list(grads_and_vars)
        if not pairs:
            raise ValueError('Must supply at least one variable')
        if global_step is None:
            raise ValueError('Global step is required to check staleness')
        if not any(getattr(g, '_is_keras_symbolic', False)
                   for g, _ in pairs):
            raise NotImplementedError(
                'SyncReplicasOptimizer.apply_gradients needs the gradients '
                'of a graph (TensorFlow 1 graph mode); in eager code use '
                'tf.distribute.MultiWorkerMirroredStrategy.')
        self._check_replicas()
        build = getattr(self._opt, '_build_replay_variables', None)
        if build is not None:
            build([v for _, v in pairs], None)
        update = CrossWorkerStep(self._opt, pairs, global_step,
                                 _Aggregation(self._replicas_to_aggregate))
        self.local_step_init_op = _NoOp('sync_rep_local_step_init')
        self.chief_init_op = _NoOp('sync_replicas_chief_init')
        self._gradients_applied = True
        return _graph_run.TrainOp(update, name or self._name,
                                  _graph_run.active_dependencies())

    def _check_replicas(self):
        size = _STATE['size']
        replicas = self._replicas_to_aggregate
        if replicas < 1:
            raise ValueError('replicas_to_aggregate must be at least 1.')
        if replicas > size and replicas % size:
            raise NotImplementedError(
                'SyncReplicasOptimizer(replicas_to_aggregate=%d) with %d '
                'workers: each worker would contribute a varying number of '
                'gradients to a step. Make replicas_to_aggregate a multiple '
                'of the number of workers.' % (replicas, size))

    def minimize(self, loss, global_step=None, var_list=None,
                 gate_gradients=1, aggregation_method=None,
                 colocate_gradients_with_ops=False, name=None,
                 grad_loss=None):
        pairs = self.compute_gradients(loss, var_list=var_list,
                                       grad_loss=grad_loss)
        return self.apply_gradients(pairs, global_step=global_step,
                                    name=name)

    def get_chief_queue_runner(self):
        if not self._gradients_applied:
            raise ValueError('Should be called after apply_gradients().')
        return _ChiefQueueRunner()

    def get_init_tokens_op(self, num_tokens=-1):
        tokens_needed = self._replicas_to_aggregate - \
            self._total_num_replicas
        if num_tokens != -1 and num_tokens < tokens_needed:
            raise ValueError(
                'Too few tokens to finish the first step: %d (given) vs %d '
                '(needed)' % (num_tokens, tokens_needed))
        return _NoOp('sync_token_init')

    def make_session_run_hook(self, is_chief, num_tokens=-1):
        """The hook a monitored session takes (checks that the training
        operation was made)."""
        return _SyncReplicasHook(self, is_chief, num_tokens)

    def get_slot(self, *args, **kwargs):
        return self._opt.get_slot(*args, **kwargs)

    def get_slot_names(self, *args, **kwargs):
        return self._opt.get_slot_names(*args, **kwargs)

    def variables(self):
        return self._opt.variables()


def _SyncReplicasHook(optimizer, is_chief, num_tokens):
    from .tensorflow_monitored_session import SessionRunHook

    class SyncReplicasOptimizerHook(SessionRunHook):
        def begin(self):
            if not optimizer._gradients_applied:
                raise ValueError(
                    'SyncReplicasOptimizer.apply_gradient should be called '
                    'before using the hook.')
            if is_chief:
                optimizer.get_init_tokens_op(num_tokens)

    return SyncReplicasOptimizerHook()


def install(train, distribute):
    """Puts the server, the device setter and the optimizer on
    `tf.train` (and the server on `tf.distribute`)."""
    train.Server = Server
    train.replica_device_setter = replica_device_setter
    train.SyncReplicasOptimizer = SyncReplicasOptimizer
    distribute.Server = Server
