"""Data-parallel training under `torchrun`.

When a script runs with the variables torchrun sets (WORLD_SIZE > 1, RANK,
LOCAL_RANK), importing keras_compat joins the process group once (NCCL with
one GPU per local rank when CUDA is used, Gloo on CPU) and gives every
process rank 0's random state, so unseeded scripts build the same data and
weights everywhere. `fit` then wraps the model in DistributedDataParallel
and splits every global batch of `batch_size` samples across the
processes (Sequences and DataLoaders by batch index: see
`engine/data_sharding.py`); logged losses and metrics are all-reduced, so
every rank sees the same numbers; `evaluate` and `predict` split the data
and return the full result on every rank. Only rank 0 prints progress
bars and writes checkpoints, CSV logs and TensorBoard events.

Workers started by hand with TensorFlow's TF_CONFIG join the same way
when the script makes a `tf.distribute.MultiWorkerMirroredStrategy`
(`join_cluster`): the chief, then the workers, are ranks 0, 1, ...; the
first task's address hosts the rendezvous. Only rank 0 writes then too.

`KERAS_COMPAT_DDP_TIMEOUT` (seconds, default 1800) bounds how long a
process waits for the others: when one crashes, the rest fail with an
error instead of hanging."""
import atexit
import datetime
import gc
import os
import random
import sys
import weakref

import numpy as np
import torch

_STATE = {'initialized': False}
_WRAPPED = weakref.WeakSet()      # models wrapped in DDP, freed at exit


def _launched_by_torchrun():
    return 'RANK' in os.environ and 'WORLD_SIZE' in os.environ


def world_size():
    """Number of processes of the run (1 without torchrun or a joined
    TF_CONFIG cluster)."""
    cluster = _STATE.get('cluster')
    if cluster is not None and not _launched_by_torchrun():
        return cluster.world_size
    try:
        return int(os.environ.get('WORLD_SIZE', '1'))
    except ValueError:
        return 1


def is_active():
    """True when running as one of several torchrun processes, or as a
    task of a TF_CONFIG cluster that `join_cluster` joined (and not after
    `train_independently`)."""
    if _STATE.get('independent'):
        return False
    if _STATE.get('cluster') is not None and not _launched_by_torchrun():
        return True
    return world_size() > 1 and 'RANK' in os.environ


def rank():
    cluster = _STATE.get('cluster')
    if cluster is not None and not _launched_by_torchrun():
        return cluster.rank
    return int(os.environ.get('RANK', '0')) if is_active() else 0


def local_rank():
    cluster = _STATE.get('cluster')
    if cluster is not None and not _launched_by_torchrun():
        return cluster.local_rank
    return int(os.environ.get('LOCAL_RANK', '0')) if is_active() else 0


def is_chief():
    """True on the process that prints and writes files (rank 0)."""
    return rank() == 0


def _uses_cuda():
    requested = os.environ.get('KERAS_COMPAT_DEVICE', '').strip()
    if requested:
        return requested.startswith('cuda')
    return torch.cuda.is_available()


def _timeout():
    seconds = float(os.environ.get('KERAS_COMPAT_DDP_TIMEOUT', '1800'))
    return datetime.timedelta(seconds=seconds)


def initialize():
    """Joins the process group (once) and shares rank 0's random state."""
    if not is_active() or _STATE['initialized']:
        return
    import torch.distributed as dist
    if not dist.is_initialized():
        backend = 'gloo'
        if _uses_cuda():
            torch.cuda.set_device(local_rank())
            backend = 'nccl'
        store = _attempt_store()
        cluster = _STATE.get('cluster')
        if cluster is not None and not _launched_by_torchrun():
            dist.init_process_group(backend=backend, timeout=_timeout(),
                                    init_method=cluster.init_method,
                                    rank=rank(), world_size=world_size())
        elif store is None:
            dist.init_process_group(backend=backend, timeout=_timeout())
        else:
            dist.init_process_group(backend=backend, timeout=_timeout(),
                                    store=store, rank=rank(),
                                    world_size=world_size())
        atexit.register(_shutdown)
    _STATE['initialized'] = True
    _share_random_state()


class TFConfigCluster(object):
    """The processes of a TensorFlow multi-worker cluster, as the
    `TF_CONFIG` environment variable of each describes it
    (`{"cluster": {"worker": ["host:port", ...]}, "task": {"type":
    "worker", "index": i}}`, with an optional "chief" task): the chief,
    then the workers in order, are ranks 0, 1, ...; the first of them
    hosts the rendezvous at its address. Evaluator and parameter server
    tasks take no part in the training processes."""

    TRAINING_JOBS = ('chief', 'worker')

    def __init__(self, cluster, task_type, task_id):
        self.cluster = {job: list(addresses) for job, addresses in
                        cluster.items()}
        self.task_type = task_type
        self.task_id = int(task_id or 0)
        self.tasks = [(job, index, address)
                      for job in self.TRAINING_JOBS
                      for index, address in enumerate(
                          self.cluster.get(job, []))]
        if (task_type, self.task_id) not in [t[:2] for t in self.tasks]:
            raise ValueError(
                'The task %s:%d of TF_CONFIG is not a chief or worker task '
                'of its cluster %r.' % (task_type, self.task_id,
                                         self.cluster))

    @classmethod
    def from_environment(cls):
        """The cluster TF_CONFIG describes, or None when it names no
        training task (unset, empty, or an evaluator's)."""
        import json
        text = os.environ.get('TF_CONFIG', '').strip()
        if not text:
            return None
        config = json.loads(text)
        task = config.get('task') or {}
        if task.get('type') not in cls.TRAINING_JOBS:
            return None
        return cls(config.get('cluster') or {}, task.get('type'),
                   task.get('index', 0))

    @property
    def world_size(self):
        return len(self.tasks)

    @property
    def rank(self):
        return [t[:2] for t in self.tasks].index((self.task_type,
                                                   self.task_id))

    @property
    def local_rank(self):
        """Rank among the tasks on this task's host."""
        host = _split_address(self.tasks[self.rank][2])[0]
        return sum(1 for t in self.tasks[:self.rank]
                   if _split_address(t[2])[0] == host)

    @property
    def init_method(self):
        host, port = _split_address(self.tasks[0][2])
        return 'tcp://%s:%d' % (host, port)


def _split_address(address):
    address = address.split('://')[-1]
    host, _, port = address.rpartition(':')
    return host.strip('[]') or 'localhost', int(port)


def join_cluster(cluster):
    """Makes this process the `cluster.rank`-th of the `TFConfigCluster`
    `cluster` (a MultiWorkerMirroredStrategy made from TF_CONFIG): it
    joins the others' process group, as torchrun's processes do, and
    `fit` and `tf.distribute` then work across them. Nothing happens
    under torchrun, with a single task, or when already joined."""
    if _launched_by_torchrun() or cluster is None or \
            cluster.world_size < 2 or _STATE['initialized']:
        return
    _STATE['cluster'] = cluster
    initialize()


def train_independently():
    """Makes every process train as a program of its own, as under
    Horovod (`hvd.init()`): `fit` neither splits the batches nor wraps the
    model in DistributedDataParallel, every callback runs on every
    process, and `is_active()` is False from now on. The process group,
    if any, stays for the collectives the program asks for."""
    _STATE['independent'] = True


def _attempt_store():
    """Under torchrun's elastic agent, which hosts the rendezvous store and
    keeps it across restarts (`--max-restarts`), a view of that store under
    a prefix of this attempt, so that restarted processes do not read the
    connection addresses the failed attempt left there (which makes Gloo's
    connectFullMesh fail with 'Connection refused'). None otherwise."""
    if os.environ.get('TORCHELASTIC_USE_AGENT_STORE') != 'True':
        return None
    import torch.distributed as dist
    store = dist.TCPStore(os.environ['MASTER_ADDR'],
                          int(os.environ['MASTER_PORT']), world_size(),
                          is_master=False, timeout=_timeout())
    attempt = os.environ.get('TORCHELASTIC_RESTART_COUNT', '0')
    return dist.PrefixStore('keras_compat/attempt_%s' % attempt, store)


def _shutdown():
    """Leaves the process group before the interpreter exits, after the
    others have finished their last collective (waiting at most 10 s, for
    a peer may have crashed); without this, Gloo's threads can abort the
    exiting process."""
    import torch.distributed as dist
    if not dist.is_initialized():
        return
    failed = _STATE.get('failed') or \
        getattr(sys, 'last_value', None) is not None
    try:
        if failed:
            raise RuntimeError('this process failed; the others may be '
                               'inside a collective')
        work = dist.barrier(async_op=True)
        work.wait(timeout=datetime.timedelta(seconds=10))
    except Exception:   # a peer is gone: nothing to wait for
        pass
    # Free the DDP wrappers (and the process group references they hold)
    # now, not during interpreter finalisation.
    for model in list(_WRAPPED):
        model._ddp = (None, None)
    gc.collect()
    dist.destroy_process_group()
    gc.collect()


def _share_random_state():
    import torch.distributed as dist
    state = [(np.random.get_state(), random.getstate(),
              int(torch.initial_seed()))]
    dist.broadcast_object_list(state, src=0,
                               device=collective_device())
    np_state, py_state, torch_seed = state[0]
    np.random.set_state(np_state)
    random.setstate(py_state)
    torch.manual_seed(torch_seed)


def mark_failed():
    """Notes that the script raised, so that leaving the process group
    does not wait for the other processes."""
    _STATE['failed'] = True


def collective_device():
    """Where tensors for collectives live: the rank's GPU under NCCL."""
    import torch.distributed as dist
    if dist.is_initialized() and dist.get_backend() == 'nccl':
        return torch.device('cuda', torch.cuda.current_device())
    return torch.device('cpu')


def all_reduce_sum(tensors):
    """Sums a list of tensors over all processes (one collective)."""
    import torch.distributed as dist
    shapes = [t.shape for t in tensors]
    flat = torch.cat([t.detach().reshape(-1).to(collective_device(),
                                                  torch.float64)
                      for t in tensors]) if tensors else None
    if flat is None:
        return []
    dist.all_reduce(flat)
    out, offset = [], 0
    for t, shape in zip(tensors, shapes):
        n = int(np.prod(shape)) if len(shape) else 1
        out.append(flat[offset:offset + n].reshape(shape).to(
            t.device, t.dtype))
        offset += n
    return out


def broadcast(tensor):
    """Rank 0's value of `tensor`, on every process."""
    import torch.distributed as dist
    moved = tensor.to(collective_device())
    dist.broadcast(moved, src=0)
    return moved.to(tensor.device)


def gather_objects(value):
    """[value of rank 0, value of rank 1, ...] on every process."""
    import torch.distributed as dist
    out = [None] * world_size()
    dist.all_gather_object(out, value)
    return out


def batch_share(n):
    """(start, stop) of this process's part of a batch of n samples: the
    first n % world_size ranks take one sample more."""
    size, extra = divmod(n, world_size())
    r = rank()
    start = r * size + min(r, extra)
    return start, start + size + (1 if r < extra else 0)


def wrap(model):
    """The model inside DistributedDataParallel."""
    from torch.nn.parallel import DistributedDataParallel
    _WRAPPED.add(model)
    device = next(model.parameters()).device
    if device.type == 'cuda':
        return DistributedDataParallel(model, device_ids=[device.index],
                                       output_device=device.index)
    return DistributedDataParallel(model)


def sync_batch_norm(model):
    """Makes every BatchNormalization of `model` (nested models included)
    take its training statistics over the global batch of all processes,
    as SyncBatchNormalization does; returns the model. Nothing changes in
    one process, nor in the model's config or weights.
    `KERAS_COMPAT_SYNC_BATCH_NORM=1` does the same for every model."""
    from .layers.normalization import BatchNormalization
    for module in model.modules():
        if isinstance(module, BatchNormalization):
            module._sync_statistics = True
    return model


# ----------------------------------------------------------------- strategy
class Strategy(object):
    """What a training, evaluation or prediction loop does differently
    across processes. In one process (this class): every callback runs,
    metric states are local and predictions are the process's own."""

    #: How the batch iterators split the data: None (not at all),
    #: 'batch' (each global batch across processes, for training) or
    #: 'whole' (the data into contiguous parts, for evaluate/predict).
    splits_data = False

    def callbacks(self, callbacks, verbose, params):
        """(callbacks, verbose, params) this process runs."""
        return list(callbacks or []), verbose, params

    def reduce_metrics(self, metrics):
        """Makes each metric's state that of the whole data."""

    def gather_predictions(self, local):
        """The predictions for the whole data from this process's part."""
        return local

    def wrap(self, model, key):
        """The module the training forward runs through (None: the model
        itself); `key` identifies the weights that train."""
        return None

    def stops_need_agreement(self, callbacks):
        """Whether the processes must agree on `model.stop_training` after
        every batch (see TorchrunStrategy)."""
        return False

    def agree_to_stop(self, stop):
        """True when this process or another one stops."""
        return stop


class TorchrunStrategy(Strategy):
    """Under torchrun: only rank 0 prints and writes files, logged metric
    states are summed over the processes, and each process's predictions
    for its contiguous part of the data are concatenated in rank order."""

    splits_data = True

    def callbacks(self, callbacks, verbose, params):
        if is_chief():
            return Strategy.callbacks(self, callbacks, verbose, params)
        kept = [_TempDirRemover(c) if _is_checkpoint(c) else c
                for c in callbacks or [] if _is_checkpoint(c) or
                not _rank0_only(c)]
        return kept, 0, dict(params, verbose=0)

    def stops_need_agreement(self, callbacks):
        """A callback that acts after each batch (TerminateOnNaN, a user's
        on_batch_end) may set `model.stop_training` on one process only,
        from the values of its share; the processes then agree after every
        batch (one all-reduce of a flag), so all stop at the same step
        instead of the others waiting in the next gradient all-reduce.
        Decided from the callbacks given to fit, the same everywhere."""
        from . import callbacks as cbks
        hooks = ('on_batch_begin', 'on_batch_end', 'on_train_batch_begin',
                 'on_train_batch_end')
        return any(getattr(type(c), hook) is not getattr(cbks.Callback, hook)
                   for c in callbacks or [] if not _rank0_only(c)
                   for hook in hooks if hasattr(c, hook))

    def agree_to_stop(self, stop):
        # A CPU flag over Gloo: under NCCL it would be a GPU tensor, and
        # reading it back after every batch would wait for the GPU.
        import torch.distributed as dist
        flag = torch.tensor([1 if stop else 0], dtype=torch.int32)
        dist.all_reduce(flag, group=_cpu_group())
        return bool(flag.item())

    def reduce_metrics(self, metrics):
        states = [m._state_tensors() for m in metrics]
        summed = all_reduce_sum([t for state in states for t in state])
        offset = 0
        for metric, state in zip(metrics, states):
            metric._load_state_tensors(summed[offset:offset + len(state)])
            offset += len(state)

    def gather_predictions(self, local):
        parts = [p for p in gather_objects(local)
                 if not (isinstance(p, list) and not p)]
        if not parts:
            return []
        if isinstance(parts[0], np.ndarray):
            return np.concatenate(parts, axis=0)
        return [np.concatenate([p[i] for p in parts], axis=0)
                for i in range(len(parts[0]))]

    def wrap(self, model, key):
        if model.stateful:
            raise ValueError(
                'Stateful recurrent layers cannot train under torchrun: '
                'their states carry from one batch to the next, and each '
                'process sees different samples. Run this model in a '
                'single process.')
        initialize()
        return wrap(model) if key else None


def _cpu_group():
    """A process group for CPU tensors: the default one under Gloo, else
    a Gloo group over the same processes, made once (by every process at
    the same point, as new_group requires)."""
    import torch.distributed as dist
    if dist.get_backend() == 'gloo':
        return None
    if _STATE.get('cpu_group') is None:
        _STATE['cpu_group'] = dist.new_group(backend='gloo')
    return _STATE['cpu_group']


def _is_checkpoint(callback):
    from . import callbacks as cbks
    return isinstance(callback, cbks.ModelCheckpoint)


def _TempDirRemover(checkpoint):
    """What a ModelCheckpoint does on a process other than rank 0, as
    tf.keras's does on a non-chief worker: it writes nothing, and removes
    the temporary directory `<checkpoint dir>/workertemp_<rank>` it would
    have written to (the one a multi-worker script made for it)."""
    from . import callbacks as cbks

    class TempDirRemover(cbks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            import shutil
            directory = os.path.dirname(str(checkpoint.filepath))
            base = 'workertemp_%d' % rank()
            if os.path.basename(directory) != base:
                directory = os.path.join(directory, base)
            shutil.rmtree(directory, ignore_errors=True)

    return TempDirRemover()


def _rank0_only(callback):
    """Callbacks that print or write files: they run on rank 0 only."""
    from . import callbacks as cbks
    return isinstance(callback, (cbks.ModelCheckpoint, cbks.CSVLogger,
                                 cbks.TensorBoard, cbks.ProgbarLogger,
                                 cbks.RemoteMonitor))


_ONE_PROCESS = Strategy()
_TORCHRUN = TorchrunStrategy()


def get_strategy():
    """The `Strategy` of this process: `TorchrunStrategy` when it is one
    of several torchrun processes."""
    return _TORCHRUN if is_active() else _ONE_PROCESS
