"""Turning what users pass to fit/evaluate/predict into batches of device
tensors: arrays (sliced from tensors already on the device), Python
generators, `keras.utils.Sequence`, and torch `Dataset`/`DataLoader`."""
import collections
import inspect
import math
import mmap
import os
import queue
import random
import sys
import threading
import warnings

import numpy as np
import torch

from .. import backend as K
from .. import distributed
from ..backend import common
from ..utils.data_utils import Sequence
from . import data_sharding
from .data_sharding import Share, local_part  # noqa: F401 (import path)


# ----------------------------------------------------------------- batches

def whole_steps(steps):
    """A step count as the loops run it: Keras 2 runs batches while
    `steps_done < steps`, so a fractional count (`len(x_train) / 32`, as
    in Keras's own ImageDataGenerator example) runs its ceiling."""
    if steps is None or isinstance(steps, (int, np.integer)):
        return steps
    return int(math.ceil(steps))

class Batch(collections.namedtuple('Batch', 'inputs targets weights share')):
    """One batch: input, target and weight tensor lists, and this
    process's share of the global batch under torchrun (None when the
    process sees the whole batch)."""
    __slots__ = ()


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
        # A scipy.sparse matrix: fed densely (a tf.SparseTensor of its
        # non-zero entries to an Input(sparse=True)).
        return x.toarray()
    if K.is_sparse(x):
        return K.to_dense(x)
    if hasattr(x, '__array__') and not isinstance(x, np.ndarray):
        return np.asarray(x)
    return x


def _object_array_as_floats(x):
    """An object array (`df.values` of mixed float/int/bool columns) as
    floatx: standalone Keras 2 fed it to its float placeholders through
    `np.asarray(value, dtype=float32)`, so numbers and booleans pass and
    a string raises numpy's ValueError. tf.keras refuses it."""
    if common.is_tf_keras():
        first = type(x.reshape(-1)[0]).__name__ if x.size else 'object'
        raise ValueError('Failed to convert a NumPy array to a Tensor '
                         '(Unsupported object type %s).' % first)
    return np.asarray(x, dtype=K.floatx())


def to_tensor(x, device=None, floatx_cast=True, pin=False):
    """A torch tensor for one array: floats and booleans become floatx
    (as Keras feeds them to float placeholders), integers keep their type
    (indices for Embedding, labels for sparse losses)."""
    if isinstance(x, torch.Tensor):
        t = x
    else:
        x = np.asarray(x)
        if x.dtype == object:
            x = _object_array_as_floats(x)
        x = np.ascontiguousarray(x)
        if not x.flags.writeable:
            # (read-only views, e.g. np.broadcast_to: torch warns on them)
            x = x.copy()
        t = torch.from_numpy(x)
    if floatx_cast and (t.is_floating_point() or t.dtype == torch.bool) \
            and t.dtype != K.torch_dtype(K.floatx()):
        t = t.to(K.torch_dtype(K.floatx()))
    if device is not None and t.device != device:
        if pin and device.type == 'cuda':
            return t.pin_memory()
        t = t.to(device)
    return t


# ------------------------------------------------ data not held in memory
def is_out_of_memory(x):
    """Whether `x` is data on disk that is read batch by batch: an
    `HDF5Matrix`, an h5py dataset or a `numpy.memmap`."""
    if isinstance(x, np.memmap):
        return x.ndim >= 1
    from ..utils.io_utils import HDF5Matrix
    if isinstance(x, HDF5Matrix):
        return True
    h5py = sys.modules.get('h5py')
    return h5py is not None and isinstance(x, h5py.Dataset) and \
        len(x.shape) >= 1


def needs_batch_shuffle(t):
    """HDF5 data is read in increasing index order: Keras 2 shuffles it
    only with shuffle='batch'."""
    return isinstance(t, LazyRows) and not isinstance(t.data, np.memmap) \
        and not isinstance(t, StringRows)


def first_row(t):
    """The first sample of `t` as a batch of one (zeros when `t` has
    none), to build a model from."""
    if int(t.shape[0]) == 0:
        return torch.zeros((1,) + tuple(t.shape[1:]), dtype=t.dtype)
    if isinstance(t, LazyRows):
        return t.read(0, 1)
    return t[:1]


def _torch_dtype_of(np_dtype):
    np_dtype = np.dtype(np_dtype)
    if np_dtype.kind in 'fb':
        return K.torch_dtype(K.floatx())
    if np_dtype == object:
        raise ValueError('Data of dtype object cannot be fed to a model; '
                         'convert it to a numeric array first.')
    return torch.from_numpy(np.zeros((0,), dtype=np_dtype)).dtype


class LazyRows(object):
    """Rows [start, stop) of an HDF5Matrix, h5py dataset or numpy.memmap,
    read only when a batch needs them, converted as `to_tensor` converts
    arrays. Slicing gives another view; `np.asarray` reads it whole.

    A memmap's rows are read from its file (`os.preadv` into the batch):
    touching the mapping itself would map whole page-cache folios into the
    process, so that shuffled batches soon make the entire file resident.
    Copy-on-write memmaps (mode 'c'), whose pages may hold changes, and
    strided views are read through the mapping."""

    def __init__(self, data, start=0, stop=None, dtype=None, expand=False):
        self.data = data
        self.start = int(start)
        self.stop = int(data.shape[0]) if stop is None else int(stop)
        self.dtype = _torch_dtype_of(data.dtype) if dtype is None else dtype
        self._expand = expand
        self._row_shape = tuple(int(d) for d in data.shape[1:])
        self._row_bytes = int(np.prod(self._row_shape, dtype=np.int64)) * \
            np.dtype(data.dtype).itemsize
        self._file = _memmap_file(data) if isinstance(data, np.memmap) \
            else None

    def _like(self, **changes):
        view = type(self).__new__(type(self))
        view.__dict__.update(self.__dict__)
        view.__dict__.update(changes)
        return view

    # tensor-like facts
    @property
    def shape(self):
        return torch.Size((self.stop - self.start,) + self._row_shape +
                          ((1,) if self._expand else ()))

    def dim(self):
        return len(self.shape)

    def numel(self):
        return int(np.prod(tuple(self.shape), dtype=np.int64))

    def __len__(self):
        return self.stop - self.start

    def is_floating_point(self):
        return self.dtype.is_floating_point

    def to(self, dtype):
        if not isinstance(dtype, torch.dtype):
            raise TypeError('LazyRows.to() takes a dtype; batches are moved '
                            'to the device when read.')
        return self._like(dtype=dtype)

    def long(self):
        return self.to(torch.long)

    def unsqueeze(self, dim):
        if dim != 1 or len(self._row_shape) or self._expand:
            raise ValueError('Only 1D data is expanded to (samples, 1).')
        return self._like(_expand=True)

    def __getitem__(self, key):
        if not isinstance(key, slice) or key.step not in (None, 1):
            raise TypeError('LazyRows are sliced by row ranges only.')
        start, stop, _ = key.indices(len(self))
        return self._like(start=self.start + start,
                          stop=self.start + max(start, stop))

    def __array__(self, dtype=None, copy=None):
        values = self.read(0, len(self)).numpy()
        return values if dtype is None else values.astype(dtype)

    # reading
    def _convert(self, values):
        values = np.ascontiguousarray(values)
        if values.dtype == object:
            raise ValueError('Data of dtype object cannot be fed to a '
                             'model; convert it to a numeric array first.')
        tensor = torch.from_numpy(values)
        if tensor.dtype != self.dtype:
            tensor = tensor.to(self.dtype)
        if self._expand:
            tensor = tensor.reshape(tuple(tensor.shape) + (1,))
        return tensor

    def _rows(self, runs, count):
        """Rows of `self.data` for runs (first, stop) of row numbers."""
        if self._file is not None:
            return self._file.read(runs, count, self._row_shape,
                                   self.data.dtype, self._row_bytes)
        if len(runs) == 1:
            values = self.data[runs[0][0]:runs[0][1]]
            # A memmap slice is a view of the mapping: copied.
            return np.array(values) if isinstance(self.data, np.ndarray) \
                else values
        index = np.concatenate([np.arange(a, b) for a, b in runs])
        if isinstance(self.data, np.ndarray):
            return self.data[index]
        # h5py reads lists of increasing indices.
        return np.asarray(self.data[index.tolist()])

    def read(self, start, stop):
        """Rows [start, stop) of this view as a tensor."""
        begin = self.start + start
        end = max(begin, self.start + min(stop, len(self)))
        return self._convert(self._rows([(begin, end)], end - begin))

    def gather(self, index):
        """The rows at `index` (positions in this view, any order)."""
        if isinstance(index, torch.Tensor):
            index = index.cpu().numpy()
        index = np.asarray(index, dtype=np.int64)
        if not len(index):
            return self.read(0, 0)
        if len(index) == 1 or np.all(np.diff(index) == 1):
            return self.read(int(index[0]), int(index[-1]) + 1)
        unique, inverse = np.unique(index + self.start, return_inverse=True)
        breaks = np.flatnonzero(np.diff(unique) != 1) + 1
        firsts = np.concatenate([[0], breaks])
        lasts = np.concatenate([breaks, [len(unique)]])
        runs = [(int(unique[a]), int(unique[b - 1]) + 1)
                for a, b in zip(firsts, lasts)]
        values = self._rows(runs, len(unique))
        return self._convert(values[inverse.reshape(-1)])


class _MemmapFile(object):
    """The file behind a C-contiguous memmap, read with os.preadv."""

    def __init__(self, path, offset):
        self.path = path
        self.offset = offset
        self._fd = None

    def read(self, runs, count, row_shape, dtype, row_bytes):
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDONLY)
        out = np.empty((count,) + row_shape, dtype=dtype)
        buffer = memoryview(out.reshape(-1).view(np.uint8))
        position = 0
        for first, stop in runs:
            size = (stop - first) * row_bytes
            done = 0
            while done < size:
                n = os.preadv(self._fd, [buffer[position + done:
                                                position + size]],
                              self.offset + first * row_bytes + done)
                if n <= 0:
                    raise IOError('Unexpected end of file reading %s.'
                                  % self.path)
                done += n
            position += size
        return out

    def __del__(self):
        fd, self._fd = self._fd, None
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass


def _memmap_file(data):
    """A _MemmapFile for `data`, or None where reading the file would not
    give what the mapping holds (copy-on-write, strided, no file)."""
    path = getattr(data, 'filename', None)
    mapping = getattr(data, '_mmap', None)
    if getattr(data, 'mode', 'c') == 'c' or path is None or \
            mapping is None or not data.flags.c_contiguous or \
            not hasattr(os, 'preadv') or not os.path.isfile(path):
        return None
    try:
        map_address = np.frombuffer(mapping, dtype=np.uint8,
                                    count=1).ctypes.data
    except (ValueError, TypeError):
        return None
    # numpy maps the file from `offset` rounded down to the allocation
    # granularity; a view starts further into the mapping.
    map_start = data.offset - data.offset % mmap.ALLOCATIONGRANULARITY
    return _MemmapFile(path, map_start + data.ctypes.data - map_address)


def is_string_array(x):
    """Whether `x` is a numpy array of strings (str, bytes, or objects
    holding them): text fed to a model's StringLookup / TextVectorization
    layer."""
    if not isinstance(x, np.ndarray):
        return False
    if x.dtype.kind in 'SU':
        return True
    return x.dtype == object and x.size > 0 and \
        isinstance(x.reshape(-1)[0], (str, bytes))


class StringBatch(np.ndarray):
    """A batch of strings: a numpy array of bytes that stays on the host
    when the batch's tensors move to the device (`to` returns it)."""

    def to(self, *args, **kwargs):
        return self


class StringRows(LazyRows):
    """In-memory string data, batched as LazyRows is: torch has no string
    tensors, so each batch is a numpy array of UTF-8 bytes (TensorFlow's
    string tensor), which the model's first string layer (StringLookup,
    TextVectorization) turns into indices."""

    def __init__(self, data):
        from ..layers.lookup import string_array
        super(StringRows, self).__init__(string_array(data), dtype='string')

    def is_floating_point(self):
        return False

    def __array__(self, dtype=None, copy=None):
        return self.read(0, len(self))

    def _convert(self, values):
        values = np.asarray(values, dtype=object)
        if self._expand:
            values = values.reshape(values.shape + (1,))
        return values.view(StringBatch)


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
    host for non-blocking per-batch copies. Returns (tensors, on_device).
    Data read batch by batch (`LazyRows`) stays where it is."""
    if any(isinstance(t, LazyRows) for t in tensors):
        placed, on_device = place(
            [None if isinstance(t, LazyRows) else t for t in tensors], device)
        return [t if isinstance(t, LazyRows) else p
                for t, p in zip(tensors, placed)], on_device
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
                 steps=None, device=None, shard=None, stream=False):
        device = device or K.get_device()
        # With `stream` (tf.keras's training with steps_per_epoch), the
        # epochs take their steps one after another from consecutive
        # passes over the data, each reshuffled; otherwise each epoch
        # starts a pass (Keras 2).
        self._stream = None
        self.streams = stream
        # Under torchrun: 'batch' gives each process its part of every
        # global batch (training), 'whole' a contiguous part of the data
        # (evaluation and prediction).
        self.shard = shard if distributed.is_active() else None
        self.num_inputs = len(inputs)
        self.num_targets = len(targets)
        flat = list(inputs) + list(targets) + list(weights)
        placed, self.on_device = place(flat, device)
        if any(isinstance(t, LazyRows) for t in placed):
            self._take = self._take_lazy
        self.device = device
        n_in, n_t = len(inputs), len(targets)
        self.inputs = placed[:n_in]
        self.targets = placed[n_in:n_in + n_t]
        self.weights = placed[n_in + n_t:]
        self.num_samples = int(self.inputs[0].shape[0]) if self.inputs \
            else 0
        self.batch_size = batch_size
        self.shuffle = shuffle
        steps = whole_steps(steps)
        self.steps = steps
        self.stand_in = False
        if self.shard == 'whole' and steps is None:
            self._restrict_to_share()
        if steps is None:
            self.num_batches = (self.num_samples + batch_size - 1) // \
                batch_size
        else:
            self.num_batches = steps

    def _restrict_to_share(self):
        start, stop = distributed.batch_share(self.num_samples)
        if start == stop and self.num_samples:
            # Fewer samples than processes: this one reads a stand-in row
            # that only builds its metrics (their states are summed over
            # the processes) and predicts nothing.
            start = distributed.rank() % self.num_samples
            stop = start + 1
            self.stand_in = True
        for group in (self.inputs, self.targets, self.weights):
            group[:] = [None if t is None else t[start:stop] for t in group]
        self.num_samples = stop - start

    def __len__(self):
        return self.num_batches

    def _order(self):
        if not self.shuffle:
            return None
        # One index array for the whole fit, shuffled again (in place) at
        # each epoch, as Keras 2's fit loop does: with np.random seeded,
        # every epoch's order is Keras's.
        index_array = self.__dict__.get('_index_array')
        if index_array is None or len(index_array) != self.num_samples:
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
        self._index_array = index_array
        order = torch.from_numpy(index_array.copy()).to(self.device)
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

    def _take_lazy(self, tensors, index, start, stop):
        """_take for data of which some is read from disk per batch."""
        out = []
        for t in tensors:
            if isinstance(t, LazyRows):
                part = t.read(start, stop) if index is None else \
                    t.gather(index)
                out.append(part.to(self.device, non_blocking=True))
            else:
                out += ArrayBatches._take(self, [t], index, start, stop)
        return out

    def _batch(self, index, start, stop, share):
        return Batch(self._take(self.inputs, index, start, stop),
                     self._take(self.targets, index, start, stop),
                     self._take(self.weights, index, start, stop), share)

    def _passes(self):
        """(start, stop, order) of each batch of endless passes over the
        data, the last batch of each pass partial."""
        size, n = self.batch_size, self.num_samples
        while True:
            order = self._order()
            for start in range(0, max(n, 1), size):
                yield start, min(start + size, n), order

    def continue_as_stream(self):
        """From now on the epochs take their batches one after another
        from consecutive passes over the data, as tf.keras's endless
        stream of array batches does: an epoch resumed partway
        (BackupAndRestore) shifts where the later ones start."""
        if self.shard is None:
            self.streams = True
            self.steps = self.num_batches

    def __iter__(self):
        if self.streams and self.steps is not None and self.shard is None:
            if self._stream is None:
                self._stream = self._passes()
            for _ in range(self.num_batches):
                start, stop, order = next(self._stream)
                index = None if order is None else order[start:stop]
                yield self._batch(index, start, stop, None)
            return
        order = self._order()
        size = self.batch_size
        n = self.num_samples
        for b in range(self.num_batches):
            start = (b * size) % max(n, 1) if self.steps is not None else \
                b * size
            stop = min(start + size, n)
            share = Share(0., True) if self.stand_in else None
            if self.shard == 'batch':
                start, stop, share = local_part(start, stop)
            index = None if order is None else order[start:stop]
            yield self._batch(index, start, stop, share)


def unpack_batch(batch):
    """(x, y, sample_weight) from a generator's tuple or a bare x."""
    if isinstance(batch, (tuple, list)) and not isinstance(batch, dict):
        if len(batch) == 2:
            return batch[0], batch[1], None
        if len(batch) == 3:
            return batch[0], batch[1], batch[2]
        if len(batch) == 1:
            return batch[0], None, None
        raise ValueError(_bad_batch_message(batch))
    return batch, None, None


def _bad_batch_message(batch):
    """tf.keras's or (in a Keras 2 program) Keras 2's error for a batch
    tuple of another length."""
    if common.is_tf_keras():
        return ('Data is expected to be in format `x`, `(x,)`, `(x, y)`, '
                'or `(x, y, sample_weight)`, found: %s' % (batch,))
    return ('Output of generator should be a tuple `(x, y, sample_weight)` '
            'or `(x, y)`. Found: %s' % (batch,))


def is_generator_like(x):
    return (inspect.isgenerator(x) or isinstance(x, Sequence) or
            isinstance(x, (torch.utils.data.DataLoader,
                           torch.utils.data.Dataset)) or
            (hasattr(x, '__next__') and not isinstance(
                x, (np.ndarray, torch.Tensor, list, tuple, dict))))


def _generator_source(batches):
    return getattr(batches, 'source', batches)


def known_steps(batches):
    """The number of batches, or None for a generator read until it is
    exhausted that has not run out yet."""
    if getattr(_generator_source(batches), 'num_batches', 0) is None:
        return None
    return len(batches)


def reads_unknown_size(batches):
    """Whether fit reads a tf.data pipeline whose size TensorFlow cannot
    tell (a generator, text files, `filter`...) without a step count: its
    first epoch runs until the data ends."""
    source = _generator_source(batches)
    if getattr(source, 'user_steps', 0) is not None:
        return False
    size_kind = getattr(getattr(source, 'data', None), '_size_kind', None)
    return size_kind is not None and size_kind() == 'unknown'


def plan_epochs(batches, epochs):
    """Tells a generator's batches how many epochs fit will read from
    them (named in the warning when the data runs out)."""
    source = _generator_source(batches)
    if hasattr(source, 'planned_epochs'):
        source.planned_epochs = max(1, int(epochs))


def finish_epoch(batches):
    """Ends a training epoch of `batches` after the callbacks' own
    on_epoch_end: a Sequence's on_epoch_end, in a tf.keras program."""
    finish = getattr(_generator_source(batches), 'finish_epoch', None)
    if finish is not None:
        finish()


def ran_out(batches):
    """Whether a generator ran out of data (tf.keras then stops
    training)."""
    return getattr(_generator_source(batches), 'ran_out', False)


class GeneratorBatches(object):
    """Batches drawn from a Python generator/iterator, a Keras `Sequence`
    or a torch `DataLoader`/`Dataset`; iterating yields
    ((x, y, sample_weight), share) pairs.

    Sequences are read in a background thread pool (`workers`) or, with
    `use_multiprocessing=True`, through a torch DataLoader with worker
    processes; plain generators are read ahead by one thread into a queue
    of `max_queue_size`. Under torchrun a Sequence or map-style DataLoader
    is split by batch index across the processes (`data_sharding`)."""

    def __init__(self, data, steps=None, workers=1, use_multiprocessing=False,
                 max_queue_size=10, shuffle=False, batch_size=None,
                 mode='train', steps_name='steps_per_epoch'):
        self.data = data
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size
        self.shuffle = shuffle
        self.mode = mode
        self._iterator = None
        self._received = False
        self._peeked = False
        # Closed while a KeyboardInterrupt propagates (see `close`).
        self._interrupted = False
        # A training Sequence's on_epoch_end not yet called (tf.keras).
        self._epoch_end_pending = None
        # tf.keras: a plain generator given without a step count is read
        # until it is exhausted, and running out of data ends training
        # with a warning instead of an error.
        self.ran_out = False
        self.until_exhausted = False
        # The epochs a fit reads (`plan_epochs`); evaluate and predict: 1.
        self.planned_epochs = 1
        steps = whole_steps(steps)
        self.user_steps = steps
        given = data
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
                if steps == 0:
                    raise ValueError(
                        'Expected input data to be non-empty: the %s %r '
                        'has length 0.' % (_kind(given), given))
            elif common.is_tf_keras() and not distributed.is_active():
                self.until_exhausted = True
            else:
                raise ValueError(
                    '`%s=None` is only valid for a generator based on the '
                    '`keras.utils.Sequence` class. Please specify `%s` or '
                    'use the `keras.utils.Sequence` class.'
                    % (steps_name, steps_name))
        self.global_steps = None if self.until_exhausted else int(steps)
        self.shard = self._shard_kind(data)
        self.num_batches = None if self.until_exhausted else \
            self._local_steps()

    def _shard_kind(self, data):
        """None (every process reads everything), 'batch' (training split
        by batch index), 'whole' (contiguous blocks for evaluation and
        prediction) or 'stream' (training on each process's own
        generator)."""
        if not distributed.is_active():
            return None
        if self.mode == 'train' and hasattr(data, '_process_share'):
            # A tf.data pipeline of global batches: each process reads its
            # part of every batch (TensorFlow's multi-worker rebatching).
            self.data = data._process_share()
            return None
        if isinstance(data, Sequence) or \
                data_sharding.is_splittable_loader(data):
            return 'batch' if self.mode == 'train' else 'whole'
        if self.mode == 'train':
            data_sharding.warn_unsplit_generator()
            return 'stream'
        return None

    def _local_steps(self):
        if self.shard in ('batch', 'stream'):
            return data_sharding.steps_per_process(self.global_steps)
        if self.shard == 'whole':
            return len(data_sharding.evaluation_slots(self.global_steps))
        return self.global_steps

    def __len__(self):
        if self.num_batches is None:
            raise TypeError('The number of batches of a generator read '
                            'until it is exhausted is not known yet.')
        return self.num_batches

    # ------------------------------------------------------------ reading
    def _sequence_pass(self, seq):
        """One pass over the Sequence: (item, share) of this process's
        batches, in order."""
        indices = list(range(len(seq)))
        if self.shard == 'batch':
            data_sharding.share_numpy_random_state()
        # (A tf.data pipeline orders its own batches: fit's `shuffle`
        # leaves it alone, as in tf.keras.)
        if self.shuffle and self.mode == 'train' and \
                not getattr(seq, '_orders_itself', False):
            # Keras 2 and tf.keras shuffle a Sequence's batch order with
            # Python's `random` (OrderedEnqueuer); across processes numpy's
            # shared state keeps the order the same everywhere.
            if self.shard == 'batch':
                np.random.shuffle(indices)
            else:
                random.shuffle(indices)
        plan = [(i, None) for i in indices]
        if self.shard == 'batch':
            # The order is the same everywhere: numpy's state was shared.
            plan = [(indices[p], share) for p, share in
                    data_sharding.training_slots(len(indices))]
            data_sharding.distinct_numpy_streams()
        return self._read_plan(seq, plan)

    def _read_plan(self, data, plan):
        """(item, share) for each (index, share) of `plan`: Sequence
        indices, or a DataLoader's index lists."""
        if isinstance(data, Sequence):
            items = self._read(data, [i for i, _ in plan])
        else:
            items = _iterate_loader(data_sharding.loader_over(
                data, [unit for unit, _ in plan]))
        for item, (_, share) in zip(items, plan):
            yield item, share

    def _block(self, steps):
        """This process's contiguous block of the first `steps` batches
        (evaluation and prediction under torchrun): (item, share) pairs."""
        slots = data_sharding.evaluation_slots(steps)
        sequence = isinstance(self.data, Sequence)
        units = range(len(self.data)) if sequence else \
            data_sharding.loader_units(self.data)
        yield from self._read_plan(
            self.data, [(units[p % len(units)], share) for p, share in slots])
        if sequence:
            self.data.on_epoch_end()

    def _read(self, seq, indices):
        if self.use_multiprocessing and self.workers > 0:
            loader = torch.utils.data.DataLoader(
                _SequenceAsDataset(seq, indices), batch_size=None,
                num_workers=self.workers,
                prefetch_factor=max(1, self.max_queue_size //
                                    max(1, self.workers)))
            return _iterate_loader(loader)
        if self.workers > 1:
            return _threaded_map(seq.__getitem__, indices, self.workers,
                                 self.max_queue_size)
        return (seq[i] for i in indices)

    def _end_of_pass(self, seq):
        if self.shard == 'batch':
            data_sharding.share_numpy_random_state()
        if common.is_tf_keras() and self.mode == 'train' and \
                self.shard is None:
            # tf.keras calls a training Sequence's on_epoch_end after the
            # callbacks' on_epoch_end, and not after the epoch training
            # stopped at (`finish_epoch`).
            self._epoch_end_pending = seq
            return
        seq.on_epoch_end()

    def finish_epoch(self):
        """Calls the on_epoch_end held back for tf.keras's order."""
        seq, self._epoch_end_pending = self._epoch_end_pending, None
        if seq is not None:
            seq.on_epoch_end()

    def _loader_pass(self, loader):
        """One pass over a DataLoader: (item, share) pairs."""
        if self.shard != 'batch':
            for item in _iterate_loader(loader):
                yield item, None
            return
        units = data_sharding.shared_object(data_sharding.loader_units(loader))
        yield from self._read_plan(
            loader, [(units[p], share) for p, share in
                     data_sharding.training_slots(len(units))])

    def _epoch_source(self):
        data = self.data
        if self.shard == 'whole':
            while True:
                yield from self._block(self.global_steps)
        elif isinstance(data, Sequence):
            while True:
                yield from self._sequence_pass(data)
                if self._restarts_each_epoch():
                    # tf.keras: an epoch is at most one pass; more steps
                    # than batches run out of data.
                    return
                self._end_of_pass(data)
        elif isinstance(data, torch.utils.data.DataLoader):
            while True:
                yield from self._loader_pass(data)
        else:
            if self.workers > 0 and self.max_queue_size > 0:
                items = _prefetch(data, self.max_queue_size,
                                  lambda: not self._interrupted)
            else:
                # (Not a generator expression over `data`: closing this
                # reader at the end of a call must leave the user's
                # generator usable.)
                items = _plain_items(data)
            try:
                for item in items:
                    yield item, None
            finally:
                # At once, not when garbage collected: the reader thread
                # must be done with the user's generator when the call
                # returns.
                items.close()

    def __iter__(self):
        self._peek()
        if self.dynamic_length:
            yield from self._one_pass()
            return
        if self._iterator is None:
            self._iterator = iter(self._epoch_source())
        wanted = self.num_batches
        count = 0
        while wanted is None or count < wanted:
            try:
                item, share = next(self._iterator)
            except StopIteration:
                if not self._received:
                    raise ValueError(
                        'Expected input data to be non-empty: the %s %r '
                        'yielded no batches.' % (_kind(self.data),
                                                 self.data))
                if wanted is None and count:
                    # The first pass: its length is the epoch's.
                    self.num_batches = count
                    return
                if common.is_tf_keras():
                    self._run_out(wanted)
                    self._end_of_epoch()
                    return
                raise ValueError(
                    'The generator ran out of data before the requested '
                    'number of steps (%d). Make it loop forever (`while '
                    'True:`) or lower `steps_per_epoch`.' % self.num_batches)
            self._received = True
            count += 1
            yield unpack_batch(item), share
        self._end_of_epoch()

    def _peek(self):
        """tf.keras reads a Sequence's first batch once more when it starts
        reading the Sequence (to learn the structure of its batches): a
        Sequence that draws random samples per read sees that read. (A
        tf.data pipeline is not read ahead.)"""
        if self._peeked:
            return
        self._peeked = True
        if common.is_tf_keras() and isinstance(self.data, Sequence) and \
                self.shard is None and \
                not getattr(self.data, '_orders_itself', False):
            self.data[0]

    def _end_of_epoch(self):
        """A Sequence read by tf.keras's rules starts over at the next
        epoch, after its on_epoch_end."""
        if self._restarts_each_epoch():
            self._iterator.close()
            self._iterator = None
            self._end_of_pass(self.data)

    def _restarts_each_epoch(self):
        """tf.keras reads a Sequence from its first batch at each epoch
        and calls its on_epoch_end at the end of each, whatever the step
        count; Keras 2 goes on where the last epoch stopped."""
        if not (common.is_tf_keras() and isinstance(self.data, Sequence)
                and self.shard is None):
            return False
        # A tf.data pipeline repeated without end and read with a step
        # count goes on from where the last epoch stopped (tf.keras keeps
        # its iterator).
        goes_on = getattr(self.data, '_goes_on_across_epochs', None)
        return goes_on is None or not goes_on(self.user_steps)

    def _run_out(self, wanted):
        """tf.keras's warning; the batches it names are those of all the
        epochs planned (`plan_epochs`)."""
        self.ran_out = True
        warnings.warn('Your input ran out of data; interrupting training. '
                      'Make sure that your dataset or generator can '
                      'generate at least `steps_per_epoch * epochs` batches '
                      '(in this case, %s batches). You may need to use the '
                      'repeat() function when building your dataset.'
                      % ('more' if wanted is None
                         else wanted * self.planned_epochs))

    def _one_pass(self):
        if self.shard == 'whole':
            for item, share in self._block(len(self.data)):
                yield unpack_batch(item), share
        else:
            for item, share in self._sequence_pass(self.data):
                yield unpack_batch(item), share
            self._end_of_pass(self.data)
        self.global_steps = len(self.data)
        self.num_batches = self._local_steps()

    def close(self):
        """Stops the reader threads and worker processes. The reader of a
        plain generator is waited for, so that the generator can be read
        again, except when closed while a KeyboardInterrupt propagates:
        Ctrl-C ends the call without waiting for a read in progress."""
        self._interrupted = isinstance(sys.exc_info()[1], KeyboardInterrupt)
        iterator, self._iterator = self._iterator, None
        if iterator is not None:
            iterator.close()


def _plain_items(data):
    for item in data:
        yield item


def _kind(data):
    if isinstance(data, Sequence):
        return 'Sequence'
    if isinstance(data, torch.utils.data.DataLoader):
        return 'DataLoader'
    if isinstance(data, torch.utils.data.Dataset):
        return 'Dataset'
    return 'generator'


def _iterate_loader(loader):
    """The batches of a DataLoader; its worker processes are shut down
    when the reading stops, however it stops: stopped early (an error,
    Ctrl-C) they are terminated at once rather than waited for. An
    error a worker raised in the Sequence reaches the caller as itself
    (type, arguments, errno), as Keras 2's enqueuer re-raised it; a
    worker that died (killed by a signal) is an error naming it."""
    with warnings.catch_warnings():
        # torch's advice on its worker count: `workers` is the user's.
        warnings.filterwarnings('ignore', 'This DataLoader will create')
        iterator = iter(loader)
    _raise_worker_deaths_when_reading(iterator)
    finished = False
    try:
        for item in iterator:
            if isinstance(item, _WorkerError):
                item.reraise()
            yield item
        finished = True
    except RuntimeError as error:
        if not str(error).startswith('DataLoader worker'):
            raise
        from ..utils.data_utils import worker_exit_message
        exits = [(w.pid, w.exitcode) for w in
                 getattr(iterator, '_workers', ()) if not w.is_alive()]
        raise RuntimeError(worker_exit_message(exits, 'Sequence')) \
            from error
    finally:
        if not finished:
            for worker in getattr(iterator, '_workers', ()):
                if worker.is_alive():
                    worker.terminate()
        shutdown = getattr(iterator, '_shutdown_workers', None)
        if shutdown is not None:
            shutdown()


def _raise_worker_deaths_when_reading(iterator):
    """torch raises a worker's death from its SIGCHLD handler, in whatever
    the main thread runs then (a training step half done); unregistered
    there, the death is raised by the read that misses the batch (torch
    checks its workers every 5 seconds while waiting)."""
    if getattr(iterator, '_worker_pids_set', False):
        from torch.utils.data._utils import signal_handling
        signal_handling._remove_worker_pids(id(iterator))
        iterator._worker_pids_set = False


class _WorkerError(object):
    """An exception raised by `Sequence.__getitem__` in a worker process,
    carried back as a batch (torch's DataLoader would re-raise it as a new
    exception with the traceback in its message)."""

    def __init__(self, error, traceback_text):
        self.error = error
        self.traceback_text = traceback_text

    @classmethod
    def of(cls, error):
        """The carrier of `error`, or None when it does not survive a
        round trip through pickle (torch's own wrapping then applies)."""
        import pickle
        import traceback
        text = ''.join(traceback.format_exception(type(error), error,
                                                  error.__traceback__))
        try:
            copy = pickle.loads(pickle.dumps(error))
        except Exception:
            return None
        if type(copy) is not type(error):
            return None
        return cls(error, text)

    def reraise(self):
        error = self.error
        error.__cause__ = _RemoteTraceback(self.traceback_text)
        raise error


class _RemoteTraceback(Exception):
    """The traceback of an error in a worker process (as
    multiprocessing's pool shows it)."""

    def __str__(self):
        return '\n"""\n%s"""' % self.args[0]


class _SequenceAsDataset(torch.utils.data.Dataset):
    def __init__(self, seq, indices):
        self.seq = seq
        self.indices = indices

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, i):
        try:
            return self.seq[self.indices[i]]
        except Exception as error:
            carried = _WorkerError.of(error)
            if carried is None:
                raise
            return carried


def _threaded_map(fn, items, workers, max_queue_size):
    """`fn` over `items` in daemon worker threads, `max_queue_size` ahead,
    in order. Stopped early (an error, Ctrl-C), the reads not started are
    dropped and the ones running are not waited for, as Keras 2's
    enqueuer's thread pool left them."""
    from multiprocessing.pool import ThreadPool
    pool = ThreadPool(workers)
    finished = False
    try:
        pending = []
        for item in items:
            pending.append(pool.apply_async(fn, (item,)))
            if len(pending) >= max(max_queue_size, workers):
                yield pending.pop(0).get()
        for result in pending:
            yield result.get()
        finished = True
    finally:
        if finished:
            pool.close()
            pool.join()
        else:
            pool.terminate()


_DONE = object()


def _prefetch(generator, max_queue_size, wait_for_reader):
    """Reads a generator up to `max_queue_size` batches ahead in a thread
    (Keras 2's GeneratorEnqueuer). Closed, it waits for the thread to end
    when `wait_for_reader()` says so, as the enqueuer's `stop()` joined
    its threads: the generator can then be read again (a second fit on it)
    without 'generator already executing'; the batches read ahead are
    dropped, as in Keras 2."""
    q = queue.Queue(maxsize=max_queue_size)
    stop = threading.Event()

    def put(item):
        """Queues `item` unless the consumer has stopped reading (then
        False): a reader never blocks for good on a full queue."""
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def worker():
        try:
            for item in generator:
                if not put(item):
                    return
            put(_DONE)
        except BaseException as error:  # surfaced in the consumer
            put(_Raised(error))

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
        if wait_for_reader():
            thread.join()


class _Raised(object):
    def __init__(self, error):
        self.error = error


def __getattr__(name):
    # tf.keras's data_adapter helpers for custom train steps.
    if name in ('pack_x_y_sample_weight', 'unpack_x_y_sample_weight',
                'expand_1d'):
        from . import custom_steps
        return getattr(custom_steps, name)
    raise AttributeError("module %r has no attribute %r"
                         % (__name__, name))
