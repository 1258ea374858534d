"""Turning what users pass to fit/evaluate/predict into batches of device
tensors: arrays (sliced from tensors already on the device), Python
generators, `keras.utils.Sequence`, and torch `Dataset`/`DataLoader`."""
import inspect
import queue
import threading

import numpy as np
import torch

from .. import backend as K
from .. import distributed
from ..utils.data_utils import Sequence


# ------------------------------------------------------------ conversions
def _is_dataframe(x):
    return type(x).__name__ in ('DataFrame', 'Series')


def to_array_like(x):
    """numpy/torch data as-is; pandas to numpy; lists of numbers to numpy."""
    if x is None:
        return None
    if isinstance(x, torch.Tensor):
        return x
    if _is_dataframe(x):
        return x.values
    if hasattr(x, 'toarray') and hasattr(x, 'tocsr'):
        # A scipy.sparse matrix: fed densely.
        return x.toarray()
    if hasattr(x, '__array__') and not isinstance(x, np.ndarray):
        return np.asarray(x)
    return x


def to_tensor(x, device=None, floatx_cast=True, pin=False):
    """A torch tensor for one array: floats and booleans become floatx
    (as Keras feeds them to float placeholders), integers keep their type
    (indices for Embedding, labels for sparse losses)."""
    if isinstance(x, torch.Tensor):
        t = x
    else:
        x = np.asarray(x)
        if x.dtype == object:
            raise ValueError('Data of dtype object cannot be fed to a model; '
                             'convert it to a numeric array first.')
        t = torch.from_numpy(np.ascontiguousarray(x))
    if floatx_cast and (t.is_floating_point() or t.dtype == torch.bool) \
            and t.dtype != K.torch_dtype(K.floatx()):
        t = t.to(K.torch_dtype(K.floatx()))
    if device is not None and t.device != device:
        if pin and device.type == 'cuda':
            return t.pin_memory()
        t = t.to(device)
    return t


def expand_1d(t):
    if t is not None and t.dim() == 1:
        return t.unsqueeze(1)
    return t


def fits_on_device(tensors, device):
    """Whether the data can live on `device` for the whole fit (always on
    CPU; on CUDA when it takes under half the free memory)."""
    if device.type != 'cuda':
        return True
    total = sum(t.numel() * t.element_size() for t in tensors
                if t is not None)
    try:
        free, _ = torch.cuda.mem_get_info(device)
    except Exception:
        return True
    return total < 0.5 * free


def place(tensors, device):
    """Moves the data to `device` once when it fits, else pins it on the
    host for non-blocking per-batch copies. Returns (tensors, on_device)."""
    if device.type == 'cpu':
        return [None if t is None else t.to(device) for t in tensors], True
    if fits_on_device(tensors, device):
        return [None if t is None else t.to(device, non_blocking=True)
                for t in tensors], True
    return [None if t is None else t.pin_memory() for t in tensors], False


# --------------------------------------------------------------- adapters
class ArrayBatches(object):
    """Batches sliced from in-memory tensors, shuffled each epoch with
    numpy's RNG (so `np.random.seed` reproduces Keras's batch order)."""

    def __init__(self, inputs, targets, weights, batch_size, shuffle=False,
                 steps=None, device=None, shard=None):
        device = device or K.get_device()
        # Under torchrun: 'batch' gives each process its part of every
        # global batch (training), 'whole' a contiguous part of the data
        # (evaluation and prediction).
        self.shard = shard if distributed.is_active() else None
        self.loss_scale = 1.
        self.local_empty = False
        self.num_inputs = len(inputs)
        self.num_targets = len(targets)
        flat = list(inputs) + list(targets) + list(weights)
        placed, self.on_device = place(flat, device)
        self.device = device
        n_in, n_t = len(inputs), len(targets)
        self.inputs = placed[:n_in]
        self.targets = placed[n_in:n_in + n_t]
        self.weights = placed[n_in + n_t:]
        self.num_samples = int(self.inputs[0].shape[0]) if self.inputs \
            else 0
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.steps = steps
        if self.shard == 'whole' and steps is None:
            self._restrict_to_share()
        if steps is None:
            self.num_batches = (self.num_samples + batch_size - 1) // \
                batch_size
        else:
            self.num_batches = steps

    def _restrict_to_share(self):
        start, stop = distributed.batch_share(self.num_samples)
        for group in (self.inputs, self.targets, self.weights):
            group[:] = [None if t is None else t[start:stop] for t in group]
        self.num_samples = stop - start

    def __len__(self):
        return self.num_batches

    def _order(self):
        if not self.shuffle:
            return None
        index_array = np.arange(self.num_samples)
        if self.shuffle == 'batch':
            batch_count = len(index_array) // self.batch_size
            last = index_array[batch_count * self.batch_size:]
            head = index_array[:batch_count * self.batch_size].reshape(
                (batch_count, self.batch_size))
            np.random.shuffle(head)
            index_array = np.append(head.flatten(), last)
        else:
            np.random.shuffle(index_array)
        order = torch.from_numpy(index_array).to(self.device)
        if self.shard == 'batch':
            order = distributed.broadcast(order)
        return order

    def _take(self, tensors, index, start, stop):
        out = []
        for t in tensors:
            if t is None:
                out.append(None)
                continue
            part = t[start:stop] if index is None else \
                t.index_select(0, index if t.device == index.device
                               else index.to(t.device))
            if not self.on_device:
                part = part.to(self.device, non_blocking=True)
            out.append(part)
        return out

    def __iter__(self):
        order = self._order()
        size = self.batch_size
        n = self.num_samples
        for b in range(self.num_batches):
            start = (b * size) % max(n, 1) if self.steps is not None else \
                b * size
            stop = min(start + size, n)
            if self.shard == 'batch':
                start, stop = self._local_part(start, stop)
            index = None if order is None else order[start:stop]
            yield (self._take(self.inputs, index, start, stop),
                   self._take(self.targets, index, start, stop),
                   self._take(self.weights, index, start, stop))


    def _local_part(self, start, stop):
        """This process's rows of the global batch [start, stop), and the
        factor that makes DDP's gradient average the global batch mean.
        A process left without rows reruns the first one with weight 0."""
        n = stop - start
        first, last = distributed.batch_share(n)
        self.local_empty = last == first
        if self.local_empty:
            self.loss_scale = 0.
            return start, start + 1
        self.loss_scale = (last - first) * distributed.world_size() / \
            float(n)
        return start + first, start + last


def unpack_batch(batch):
    """(x, y, sample_weight) from a generator's tuple or a bare x."""
    if isinstance(batch, (tuple, list)) and not isinstance(batch, dict):
        if len(batch) == 2:
            return batch[0], batch[1], None
        if len(batch) == 3:
            return batch[0], batch[1], batch[2]
        if len(batch) == 1:
            return batch[0], None, None
        raise ValueError('Output of generator should be a tuple `(x, y, '
                         'sample_weight)` or `(x, y)`. Found: ' +
                         str(batch)[:200])
    return batch, None, None


def is_generator_like(x):
    return (inspect.isgenerator(x) or isinstance(x, Sequence) or
            isinstance(x, (torch.utils.data.DataLoader,
                           torch.utils.data.Dataset)) or
            (hasattr(x, '__next__') and not isinstance(
                x, (np.ndarray, torch.Tensor, list, tuple, dict))))


class GeneratorBatches(object):
    """Batches drawn from a Python generator/iterator, a Keras `Sequence`
    or a torch `DataLoader`/`Dataset`.

    Sequences are read in a background thread pool (`workers`) or, with
    `use_multiprocessing=True`, through a torch DataLoader with worker
    processes; plain generators are read ahead by one thread into a queue
    of `max_queue_size`."""

    def __init__(self, data, steps=None, workers=1, use_multiprocessing=False,
                 max_queue_size=10, shuffle=False, batch_size=None,
                 mode='train'):
        self.data = data
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size
        self.shuffle = shuffle
        self.mode = mode
        self._iterator = None
        if isinstance(data, torch.utils.data.Dataset) and not isinstance(
                data, torch.utils.data.IterableDataset) and \
                not isinstance(data, Sequence):
            data = torch.utils.data.DataLoader(
                data, batch_size=batch_size or 32,
                shuffle=bool(shuffle) and mode == 'train')
            self.data = data
        # A Sequence read without a step count may change its length in
        # on_epoch_end: every epoch is then one full pass over it.
        self.dynamic_length = steps is None and isinstance(data, Sequence)
        if steps is None:
            if isinstance(data, Sequence) or isinstance(
                    data, torch.utils.data.DataLoader):
                steps = len(data)
            else:
                raise ValueError(
                    '`steps_per_epoch=None` is only valid for a generator '
                    'based on the `keras.utils.Sequence` class. Please '
                    'specify `steps_per_epoch` or use the '
                    '`keras.utils.Sequence` class.')
        self.num_batches = int(steps)

    def __len__(self):
        return self.num_batches

    def _sequence_iter(self, seq):
        indices = list(range(len(seq)))
        if self.shuffle and self.mode == 'train':
            np.random.shuffle(indices)
        if self.use_multiprocessing and self.workers > 0:
            loader = torch.utils.data.DataLoader(
                _SequenceAsDataset(seq, indices), batch_size=None,
                num_workers=self.workers,
                prefetch_factor=max(1, self.max_queue_size //
                                    max(1, self.workers)))
            for item in loader:
                yield item
        elif self.workers > 1:
            yield from _threaded_map(seq.__getitem__, indices, self.workers,
                                     self.max_queue_size)
        else:
            for i in indices:
                yield seq[i]

    def _epoch_source(self):
        data = self.data
        if isinstance(data, Sequence):
            while True:
                yield from self._sequence_iter(data)
                data.on_epoch_end()
        elif isinstance(data, torch.utils.data.DataLoader):
            while True:
                yield from data
        else:
            if self.workers > 0 and self.max_queue_size > 0:
                yield from _prefetch(data, self.max_queue_size)
            else:
                yield from data

    def __iter__(self):
        if self.dynamic_length:
            yield from self._one_pass()
            return
        if self._iterator is None:
            self._iterator = iter(self._epoch_source())
        for _ in range(self.num_batches):
            try:
                batch = next(self._iterator)
            except StopIteration:
                raise ValueError(
                    'The generator ran out of data before the requested '
                    'number of steps (%d). Make it loop forever (`while '
                    'True:`) or lower `steps_per_epoch`.' % self.num_batches)
            yield unpack_batch(batch)

    def _one_pass(self):
        for batch in self._sequence_iter(self.data):
            yield unpack_batch(batch)
        self.data.on_epoch_end()
        self.num_batches = len(self.data)

    def close(self):
        self._iterator = None


class _SequenceAsDataset(torch.utils.data.Dataset):
    def __init__(self, seq, indices):
        self.seq = seq
        self.indices = indices

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, i):
        return self.seq[self.indices[i]]


def _threaded_map(fn, items, workers, max_queue_size):
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending = []
        items = iter(items)
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= max(max_queue_size, workers):
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()


_DONE = object()


def _prefetch(generator, max_queue_size):
    """Reads a generator one step ahead in a thread (Keras's enqueuer)."""
    q = queue.Queue(maxsize=max_queue_size)
    stop = threading.Event()

    def worker():
        try:
            for item in generator:
                while not stop.is_set():
                    try:
                        q.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(_DONE)
        except BaseException as error:  # surfaced in the consumer
            q.put(_Raised(error))

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _DONE:
                return
            if isinstance(item, _Raised):
                raise item.error
            yield item
    finally:
        stop.set()


class _Raised(object):
    def __init__(self, error):
        self.error = error
