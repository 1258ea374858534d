"""Horovod's process model on torch.distributed: which process this is,
and the collectives (allreduce, allgather, broadcast) on torch tensors.

Every process trains on its own batches; only what the program asks for
(averaged gradients, broadcast weights, averaged metrics) travels between
processes. The launcher's variables say which process this is:
horovodrun's HOROVOD_RANK / HOROVOD_SIZE / HOROVOD_LOCAL_RANK /
HOROVOD_LOCAL_SIZE, Open MPI's OMPI_COMM_WORLD_RANK / _SIZE / _LOCAL_RANK /
_LOCAL_SIZE, MPICH's PMI_RANK / PMI_SIZE / MPI_LOCALRANKID /
MPI_LOCALNRANKS, or torchrun's RANK / WORLD_SIZE / LOCAL_RANK /
LOCAL_WORLD_SIZE (the first family whose rank and size are both set).
The processes meet at MASTER_ADDR:MASTER_PORT (rank 0's host; the port
defaults to 29500, the address to 127.0.0.1 when the launcher says that
all processes run on one host). Without a launcher there is one process
and every collective returns its input."""
import atexit
import collections
import os
import socket

import torch

from .. import distributed

# Horovod's reduction operations (its ReduceOp values).
Average, Sum, Adasum, Min, Max, Product = 0, 1, 2, 3, 4, 5
_OP_NAMES = {Average: 'Average', Sum: 'Sum', Adasum: 'Adasum', Min: 'Min',
             Max: 'Max', Product: 'Product'}

# (rank, size, local rank, local size) variables of each launcher.
_LAUNCHERS = (
    ('HOROVOD_RANK', 'HOROVOD_SIZE', 'HOROVOD_LOCAL_RANK',
     'HOROVOD_LOCAL_SIZE'),
    ('OMPI_COMM_WORLD_RANK', 'OMPI_COMM_WORLD_SIZE',
     'OMPI_COMM_WORLD_LOCAL_RANK', 'OMPI_COMM_WORLD_LOCAL_SIZE'),
    ('PMI_RANK', 'PMI_SIZE', 'MPI_LOCALRANKID', 'MPI_LOCALNRANKS'),
    ('RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'LOCAL_WORLD_SIZE'),
)

Topology = collections.namedtuple(
    'Topology', 'rank size local_rank local_size cross_rank cross_size '
    'homogeneous')

_STATE = {'topology': None}


def _env_int(name):
    value = os.environ.get(name, '').strip()
    return int(value) if value else None


def launch_variables():
    """(rank, size, local rank or None, local size or None) from the
    launcher's environment; (0, 1, 0, 1) without a launcher."""
    for names in _LAUNCHERS:
        rank, size = _env_int(names[0]), _env_int(names[1])
        if rank is not None and size is not None:
            return rank, size, _env_int(names[2]), _env_int(names[3])
    return 0, 1, 0, 1


def init(comm=None, process_sets=None):
    """Horovod's `hvd.init()`: joins the other processes (once)."""
    if comm is not None:
        raise NotImplementedError(
            'hvd.init(comm=...): an MPI communicator or a list of ranks '
            'is not supported; every process the launcher started takes '
            'part. Call hvd.init() without `comm`.')
    if process_sets not in (None, [], 'dynamic'):
        raise NotImplementedError(
            'hvd.init(process_sets=...): process sets are not supported; '
            'collectives run over all processes (global_process_set).')
    if _STATE['topology'] is not None:
        return
    rank, size, local_rank, local_size = launch_variables()
    if size > 1:
        _join(rank, size, local_size,
              rank if local_rank is None else local_rank)
    _STATE['topology'] = _topology(rank, size, local_rank)
    # Each process trains as a program of its own from now on: no batch
    # splitting or DistributedDataParallel, every callback runs.
    distributed.train_independently()
    _choose_cuda_device(_STATE['topology'].local_rank)


def _join(rank, size, local_size, cuda_rank):
    import torch.distributed as dist
    if dist.is_initialized():
        return
    address = os.environ.get('MASTER_ADDR', '').strip()
    if not address:
        if local_size != size:
            raise RuntimeError(
                'Horovod processes on several hosts (or a launcher that '
                'does not say how many run on this host) need the address '
                'of rank 0\'s host: set MASTER_ADDR (and MASTER_PORT, '
                'default 29500) in every process, e.g. `mpirun -x '
                'MASTER_ADDR=host0 -x MASTER_PORT=29500 ...` or '
                '`horovodrun ... ` with both exported.')
        address = '127.0.0.1'
    port = int(os.environ.get('MASTER_PORT', '29500'))
    backend = 'gloo'
    if distributed._uses_cuda():
        torch.cuda.set_device(_cuda_index(cuda_rank))
        backend = 'nccl'
    dist.init_process_group(backend=backend, rank=rank, world_size=size,
                            init_method='tcp://%s:%d' % (address, port),
                            timeout=distributed._timeout())
    atexit.register(distributed._shutdown)


def _topology(rank, size, local_rank):
    """The local and cross ranks: given by the launcher, or counted from
    the host names of all processes (Horovod's definitions: the local
    rank among the processes of this host, the cross rank among the
    processes of the same local rank)."""
    if size == 1:
        return Topology(0, 1, 0, 1, 0, 1, True)
    hosts = allgather_object((socket.gethostname(), local_rank))
    host = hosts[rank][0]
    if local_rank is None:
        local_rank = [h for h, _ in hosts[:rank]].count(host)
        hosts = allgather_object((host, local_rank))
    local_size = [h for h, _ in hosts].count(host)
    same_local = [r for r, (_, lr) in enumerate(hosts) if lr == local_rank]
    sizes = collections.Counter(h for h, _ in hosts)
    return Topology(rank, size, local_rank, local_size,
                    same_local.index(rank), len(same_local),
                    len(set(sizes.values())) == 1)


def _cuda_index(local_rank):
    return local_rank % max(1, torch.cuda.device_count())


def _choose_cuda_device(local_rank):
    """With CUDA, the process works on the GPU of its local rank (as
    Horovod programs pin it), unless KERAS_COMPAT_DEVICE names one."""
    requested = os.environ.get('KERAS_COMPAT_DEVICE', '').strip()
    if not distributed._uses_cuda() or ':' in requested:
        return
    from ..backend import device
    index = _cuda_index(local_rank)
    torch.cuda.set_device(index)
    device.set_device(torch.device('cuda', index))


def shutdown():
    """Horovod's `hvd.shutdown()`: this process takes no further part;
    `hvd.init()` may join again (with the same process group)."""
    _STATE['topology'] = None


def is_initialized():
    return _STATE['topology'] is not None


def _topology_now():
    topology = _STATE['topology']
    if topology is None:
        raise ValueError('Horovod has not been initialized; use hvd.init().')
    return topology


def size():
    """The number of processes."""
    return _topology_now().size


def rank():
    """This process's rank, 0 to size() - 1."""
    return _topology_now().rank


def local_size():
    """The number of processes on this host."""
    return _topology_now().local_size


def local_rank():
    """This process's rank among those on its host."""
    return _topology_now().local_rank


def cross_size():
    """The number of processes with this process's local rank (the
    number of hosts, when each runs as many processes)."""
    return _topology_now().cross_size


def cross_rank():
    """This process's rank among those with its local rank."""
    return _topology_now().cross_rank


def is_homogeneous():
    """Whether every host runs as many processes."""
    return _topology_now().homogeneous


def mpi_threads_supported():
    return False


def mpi_enabled():
    return False


def mpi_built():
    return False


def gloo_enabled():
    """Whether the processes talk through Gloo (CPU) rather than NCCL."""
    return not distributed._uses_cuda()


def gloo_built():
    return True


def nccl_built():
    import torch.distributed as dist
    return int(torch.cuda.is_available() and dist.is_nccl_available())


def cuda_built():
    return torch.version.cuda is not None


def rocm_built():
    return getattr(torch.version, 'hip', None) is not None


def ddl_built():
    return False


def ccl_built():
    return False


# ------------------------------------------------------------- collectives
def _process_group_active():
    return is_initialized() and size() > 1


def check_op(op, what='op'):
    """`op`, or NotImplementedError for Adasum and ValueError for
    anything that is not a reduction."""
    if op == Adasum:
        raise NotImplementedError(
            '%s=hvd.Adasum is not supported (it needs Horovod\'s MPI or '
            'NCCL Adasum kernels); use hvd.Average, the default.' % what)
    if op not in _OP_NAMES:
        raise ValueError('%s must be one of hvd.Average, hvd.Sum, hvd.Min, '
                         'hvd.Max, hvd.Product; got %r' % (what, op))
    return op


def _torch_op(op):
    from torch.distributed import ReduceOp
    return {Average: ReduceOp.SUM, Sum: ReduceOp.SUM, Min: ReduceOp.MIN,
            Max: ReduceOp.MAX, Product: ReduceOp.PRODUCT}[op]


def allreduce_tensors(tensors, op=Average, prescale_factor=1.0,
                      postscale_factor=1.0, compression=None):
    """The torch tensors `tensors` reduced over all processes with `op`
    (one collective per dtype), each scaled by `prescale_factor` before and
    `postscale_factor` after (and divided by size() for Average), as
    Horovod computes them: compressed (`compression.compress`) before the
    reduction and decompressed after."""
    check_op(op)
    sent, contexts = [], []
    for t in tensors:
        if compression is not None:
            t, context = compression.compress(t)
            contexts.append(context)
        if prescale_factor != 1.0:
            t = t * prescale_factor
        sent.append(t)
    if _process_group_active():
        sent = _flat_collective(sent, lambda flat: _all_reduce(flat, op))
    scale = postscale_factor
    if op == Average:
        scale = scale / float(size() if is_initialized() else 1)
    out = []
    for i, t in enumerate(sent):
        if scale != 1.0:
            t = t * scale if t.is_floating_point() else \
                (t.double() * scale).to(t.dtype)
        if compression is not None:
            t = compression.decompress(t, contexts[i])
        out.append(t)
    return out


def _all_reduce(flat, op):
    import torch.distributed as dist
    dist.all_reduce(flat, op=_torch_op(op))
    return flat


def _flat_collective(tensors, collective):
    """Runs `collective` on the concatenation of the tensors of each dtype
    (on the collective device); returns the tensors it gives back, in
    order, where they were."""
    device = distributed.collective_device()
    by_dtype = collections.OrderedDict()
    for i, t in enumerate(tensors):
        by_dtype.setdefault(t.dtype, []).append(i)
    out = [None] * len(tensors)
    for dtype, indices in by_dtype.items():
        parts = [tensors[i].detach().reshape(-1).to(device) for i in indices]
        flat = collective(torch.cat(parts) if parts else
                          torch.zeros(0, dtype=dtype, device=device))
        offset = 0
        for i in indices:
            n = tensors[i].numel()
            out[i] = flat[offset:offset + n].reshape(tensors[i].shape).to(
                tensors[i].device)
            offset += n
    return out


def broadcast_tensors(tensors, root_rank):
    """Rank `root_rank`'s values of the torch tensors `tensors`."""
    _check_root(root_rank)
    if not _process_group_active():
        return [t.detach().clone() for t in tensors]
    import torch.distributed as dist

    def collective(flat):
        dist.broadcast(flat, src=root_rank)
        return flat
    return _flat_collective(list(tensors), collective)


def allgather_tensor(tensor):
    """The concatenation, along the first axis and in rank order, of every
    process's `tensor` (their first dimensions may differ)."""
    if not _process_group_active():
        return tensor.detach().clone()
    import torch.distributed as dist
    device = distributed.collective_device()
    local = tensor.detach().to(device)
    if local.dim() == 0:
        raise ValueError('hvd.allgather needs tensors of rank 1 or more; '
                         'got a scalar.')
    counts = [torch.zeros(1, dtype=torch.int64, device=device)
              for _ in range(size())]
    dist.all_gather(counts, torch.tensor([local.shape[0]], device=device))
    counts = [int(c.item()) for c in counts]
    longest = max(counts)
    padded = torch.zeros((longest,) + tuple(local.shape[1:]),
                         dtype=local.dtype, device=device)
    padded[:local.shape[0]] = local
    parts = [torch.empty_like(padded) for _ in range(size())]
    dist.all_gather(parts, padded)
    return torch.cat([p[:n] for p, n in zip(parts, counts)]).to(
        tensor.device)


def broadcast_object(obj, root_rank=0):
    """Rank `root_rank`'s `obj` (any picklable object), on every process."""
    _check_root(root_rank)
    if not _process_group_active():
        return obj
    import torch.distributed as dist
    holder = [obj]
    dist.broadcast_object_list(holder, src=root_rank,
                               device=distributed.collective_device())
    return holder[0]


def allgather_object(obj):
    """[obj of rank 0, obj of rank 1, ...] on every process."""
    import torch.distributed as dist
    if not dist.is_initialized() or dist.get_world_size() == 1:
        return [obj]
    out = [None] * dist.get_world_size()
    dist.all_gather_object(out, obj)
    return out


def barrier():
    """Waits for every process to reach this point."""
    if _process_group_active():
        import torch.distributed as dist
        dist.barrier()


def _check_root(root_rank):
    count = size() if is_initialized() else 1
    if not 0 <= int(root_rank) < count:
        raise ValueError('root_rank %r is not a rank of the %d processes'
                         % (root_rank, count))


def as_numpy(tensor):
    return tensor.detach().cpu().numpy()


class ProcessSet(object):
    """Horovod's set of processes a collective runs over; only the set of
    all processes (`global_process_set`) exists here."""

    process_set_id = 0

    def __init__(self, ranks=None):
        if ranks is not None:
            raise NotImplementedError(
                'ProcessSet(ranks): process sets other than all processes '
                'are not supported; use hvd.global_process_set.')
        self.ranks = None

    def size(self):
        return size()

    def rank(self):
        return rank()

    def included(self):
        return True

    def __repr__(self):
        return 'ProcessSet(process_set_id=0, ranks=all)'


global_process_set = ProcessSet()


def add_process_set(process_set):
    raise NotImplementedError(
        'hvd.add_process_set: process sets other than all processes are '
        'not supported; run collectives over hvd.global_process_set.')


remove_process_set = add_process_set


def check_process_set(process_set):
    if process_set is not None and process_set is not global_process_set:
        raise NotImplementedError(
            'process_set=%r: only hvd.global_process_set (all processes) '
            'is supported.' % (process_set,))
