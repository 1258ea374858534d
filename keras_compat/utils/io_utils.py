"""`keras.utils.io_utils`: `HDF5Matrix`, a read-only dataset view, and
the atomic file replacement that model and weight files are written
with."""
import contextlib
import errno
import os
import secrets
import logging
import stat
import sys
import threading
import time

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


# tf.keras 2.x's switch between progress output on stdout (interactive,
# the default) and through the 'absl' logger at INFO level.
_INTERACTIVE_LOGGING = threading.local()


def enable_interactive_logging():
    """Progress bars and messages go to stdout (the default)."""
    _INTERACTIVE_LOGGING.enable = True


def disable_interactive_logging():
    """Progress bars and messages go to the 'absl' logger (INFO), and
    `verbose='auto'` means one line per epoch."""
    _INTERACTIVE_LOGGING.enable = False


def is_interactive_logging_enabled():
    return getattr(_INTERACTIVE_LOGGING, 'enable', True)


def print_msg(message, line_break=True):
    """Writes `message` to stdout, or logs it when interactive logging
    is off."""
    if is_interactive_logging_enabled():
        sys.stdout.write(message + '\n' if line_break else message)
        sys.stdout.flush()
    else:
        logging.getLogger('absl').info(message)


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


# ------------------------------------------------------- atomic writes
# A file being written is `.<name>.keras_compat-tmp-<pid>-<random>` in the
# directory of the file it will replace.
TEMP_MARK = '.keras_compat-tmp-'


def _process_alive(pid):
    if os.name == 'nt':
        # (os.kill there terminates the process: never probed.)
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:         # another user's process (EPERM): alive
        return True
    return True


def _remove_stale_temp_files(directory, prefix, started):
    """Removes what earlier writes of the same file left when their
    process died (kill -9, a crash): temporary files older than this write
    whose process is gone."""
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        if not name.startswith(prefix):
            continue
        pid = name[len(prefix):].split('-', 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid() or \
                _process_alive(int(pid)):
            continue
        path = os.path.join(directory, name)
        try:
            if os.lstat(path).st_mtime < started:
                os.remove(path)
        except OSError:
            pass


def _fsync(path, directory=False):
    try:
        fd = os.open(path, os.O_RDONLY | (getattr(os, 'O_DIRECTORY', 0)
                                          if directory else 0))
    except OSError:
        if directory:
            return
        raise
    try:
        os.fsync(fd)
    except OSError:
        if not directory:
            raise
    finally:
        os.close(fd)


def _make_directory(directory):
    """os.makedirs, saying which part of the path is a file rather than a
    directory (makedirs reports 'File exists')."""
    try:
        os.makedirs(directory, exist_ok=True)
    except FileExistsError:
        part = directory
        while part and not os.path.exists(part):
            part = os.path.dirname(part)
        raise NotADirectoryError(
            errno.ENOTDIR, 'Not a directory (%s is a file)' % part)


@contextlib.contextmanager
def atomic_replace(filepath):
    """Yields the path of a new temporary file in the directory of
    `filepath` (of the file a symlink there points to: the link is written
    through). When the block completes, the file is synced and renamed over
    that file in one step; on any exception (KeyboardInterrupt included)
    it is removed and the old file is left as it was. An OSError names
    `filepath`.

    The new file gets the mode (and, where allowed, the owner) of the file
    it replaces, else the mode a plain `open(filepath, 'w')` gives under
    the current umask. Where the directory refuses new files but the file
    there may be written, the file itself is yielded and written in place,
    as Keras 2 writes."""
    target = os.path.realpath(os.fspath(filepath))
    directory, name = os.path.split(target)
    prefix = '.' + name + TEMP_MARK
    started = time.time()
    tmp_path = None
    try:
        _make_directory(directory)
        _remove_stale_temp_files(directory, prefix, started)
        try:
            old = os.stat(target)
        except FileNotFoundError:
            old = None
        tmp_path = os.path.join(directory, '%s%d-%s' % (
            prefix, os.getpid(), secrets.token_hex(4)))
        # 0o666 is narrowed by the umask, as open() does; a file replacing
        # another starts private and takes the old file's mode below.
        try:
            os.close(os.open(tmp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                             0o600 if old is not None else 0o666))
        except PermissionError:
            if old is None or not os.access(target, os.W_OK):
                raise
            # A directory this process cannot add files to, holding a
            # file it may write: written in place, as Keras 2 writes.
            tmp_path = None
            yield target
            return
        yield tmp_path
        if old is not None:
            if (old.st_uid, old.st_gid) != (os.getuid(), os.getgid()):
                try:
                    os.chown(tmp_path, old.st_uid, old.st_gid)
                except OSError:
                    pass
            os.chmod(tmp_path, stat.S_IMODE(old.st_mode))
        _fsync(tmp_path)
        os.replace(tmp_path, target)
        tmp_path = None
        _fsync(directory, directory=True)
    except OSError as error:
        # (An h5py error names the temporary file.)
        raise OSError(error.errno or errno.EIO,
                      'Could not write %s (a file already there is left '
                      'unchanged): %s' % (filepath, error.strerror or error)
                      ) from error
    finally:
        if tmp_path is not None:
            try:
                os.remove(tmp_path)
            except OSError:
                pass
