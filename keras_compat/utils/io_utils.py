"""`keras.utils.io_utils`: `HDF5Matrix`, a read-only dataset view."""
import numpy as np


class HDF5Matrix(object):
    """An HDF5 dataset used like a Numpy array (sliced lazily), optionally
    restricted to rows [start, end) and transformed by `normalizer`."""

    refs = {}

    def __init__(self, datapath, dataset, start=0, end=None,
                 normalizer=None):
        import h5py
        if datapath not in self.refs:
            self.refs[datapath] = h5py.File(datapath, 'r')
        f = self.refs[datapath]
        self.data = f[dataset]
        self.start = start
        self.end = self.data.shape[0] if end is None else end
        self.normalizer = normalizer
        if normalizer is not None:
            first = normalizer(self.data[0:1])
            self._base_shape = first.shape[1:]
            self._base_dtype = first.dtype
        else:
            self._base_shape = self.data.shape[1:]
            self._base_dtype = self.data.dtype

    def __len__(self):
        return self.end - self.start

    def __getitem__(self, key):
        if isinstance(key, slice):
            start, stop = key.start or 0, key.stop
            if stop is None:
                stop = len(self)
            if start + self.start <= self.end and \
                    stop + self.start <= self.end:
                idx = slice(start + self.start, stop + self.start)
            else:
                raise IndexError
        elif isinstance(key, (int, np.integer)):
            if key + self.start < self.end:
                idx = key + self.start
            else:
                raise IndexError
        elif isinstance(key, np.ndarray):
            if np.max(key) + self.start < self.end:
                idx = (self.start + key).tolist()
            else:
                raise IndexError
        else:
            if max(key) + self.start < self.end:
                idx = [x + self.start for x in key]
            else:
                raise IndexError
        if self.normalizer is not None:
            return self.normalizer(self.data[idx])
        return self.data[idx]

    def __array__(self, dtype=None, copy=None):
        arr = self[0:len(self)]
        return np.asarray(arr, dtype=dtype)

    @property
    def shape(self):
        return (self.end - self.start,) + tuple(self._base_shape)

    @property
    def dtype(self):
        return self._base_dtype

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return int(np.prod(self.shape))


def ask_to_proceed_with_overwrite(filepath):
    """Asks on stdin whether to overwrite `filepath`."""
    overwrite = input('[WARNING] %s already exists - overwrite? '
                      '[y/n]' % filepath)
    while overwrite not in ('y', 'n'):
        overwrite = input('Enter "y" (overwrite) or "n" (cancel).')
    if overwrite == 'n':
        return False
    print('[TIP] Next time specify overwrite=True!')
    return True


def save_to_binary_h5py(save_function, stream):
    """Calls `save_function` on an in-memory `h5py.File`, then writes the
    file's bytes to the binary `stream`; returns what it returned."""
    import h5py
    with h5py.File('in-memory-h5py', 'w', driver='core',
                   backing_store=False) as h5file:
        value = save_function(h5file)
        h5file.flush()
        data = h5file.id.get_file_image()
    stream.write(data)
    return value


def load_from_binary_h5py(load_function, stream):
    """Calls `load_function` on an `h5py.File` read from the bytes of
    `stream` and returns its result."""
    import io
    import h5py
    with h5py.File(io.BytesIO(stream.read()), 'r') as h5file:
        return load_function(h5file)
