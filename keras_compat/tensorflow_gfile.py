"""`tf.io.gfile` (and TF1's `tf.gfile`) on local files: TensorFlow's
file API, which keras-tuner, TensorBoard helpers and many training scripts
use for checkpoints, logs and data. Paths are local paths (TensorFlow's
`gs://`, `hdfs://` and `s3://` file systems need TensorFlow itself).

Errors are raised as TensorFlow raises them: `tf.errors.NotFoundError` for
a missing path (a missing file already when it is opened for reading),
`tf.errors.AlreadyExistsError` when a copy or rename would overwrite
without `overwrite=True`."""
import collections
import glob as _glob
import os
import shutil
import types

_REMOTE_SCHEMES = ('gs://', 's3://', 'hdfs://', 'ram://')


def _local(path):
    path = os.fspath(path)
    if isinstance(path, bytes):
        path = path.decode()
    if path.startswith(_REMOTE_SCHEMES):
        raise NotImplementedError(
            'tf.io.gfile on %r: keras_compat reads and writes local paths '
            'only; copy the files locally (e.g. with gsutil) first.' % path)
    return path


FileStatistics = collections.namedtuple(
    'FileStatistics', ['length', 'mtime_nsec', 'is_directory'])


def make_gfile_module(errors, module_name='tensorflow.io.gfile'):
    """The `tf.io.gfile` module, raising the classes of `errors`
    (the stand-in's `tf.errors`)."""

    def not_found(path):
        return errors.NotFoundError('%s; No such file or directory' % path)

    def require(path):
        if not os.path.exists(path):
            raise not_found(path)

    class GFile(object):
        """`tf.io.gfile.GFile(name, mode='r')`: a file object. In text
        mode reads give str; writes take str or bytes, as TensorFlow's
        GFile accepts both."""

        def __init__(self, name, mode='r'):
            self.name = _local(name)
            self.mode = mode
            self._binary = 'b' in mode
            if 'r' in mode:
                require(self.name)
            raw_mode = mode if self._binary else mode + 'b'
            self._file = open(self.name, raw_mode)

        def _out(self, data):
            return data if self._binary else data.decode('utf-8')

        def read(self, n=-1):
            return self._out(self._file.read(n))

        def readline(self):
            return self._out(self._file.readline())

        def readlines(self):
            return [self._out(line) for line in self._file.readlines()]

        def __iter__(self):
            return self

        def __next__(self):
            line = self.readline()
            if not line:
                raise StopIteration
            return line

        def write(self, data):
            if isinstance(data, str):
                data = data.encode('utf-8')
            self._file.write(data)

        def seek(self, offset=None, whence=0, position=None):
            self._file.seek(position if offset is None else offset, whence)

        def tell(self):
            return self._file.tell()

        def size(self):
            return os.path.getsize(self.name)

        def flush(self):
            self._file.flush()

        def close(self):
            self._file.close()

        def seekable(self):
            return True

        def __enter__(self):
            return self

        def __exit__(self, *exc_info):
            self.close()

    def exists(path):
        return os.path.exists(_local(path))

    def isdir(path):
        return os.path.isdir(_local(path))

    def makedirs(path):
        os.makedirs(_local(path), exist_ok=True)

    def mkdir(path):
        """One directory level (its parent must exist); an existing
        directory is left as it is, as TensorFlow does."""
        path = _local(path)
        if not os.path.isdir(path):
            os.mkdir(path)

    def listdir(path):
        path = _local(path)
        if not os.path.isdir(path):
            raise not_found(path)
        return os.listdir(path)

    def glob(pattern):
        if isinstance(pattern, (list, tuple)):
            return [match for p in pattern for match in glob(p)]
        return sorted(_glob.glob(_local(pattern)))

    def remove(path):
        path = _local(path)
        require(path)
        os.remove(path)

    def rmtree(path):
        path = _local(path)
        require(path)
        shutil.rmtree(path)

    def _check_target(dst, overwrite):
        if os.path.exists(dst) and not overwrite:
            raise errors.AlreadyExistsError('%s; File already exists' % dst)

    def copy(src, dst, overwrite=False):
        src, dst = _local(src), _local(dst)
        require(src)
        _check_target(dst, overwrite)
        shutil.copyfile(src, dst)

    def rename(src, dst, overwrite=False):
        src, dst = _local(src), _local(dst)
        require(src)
        _check_target(dst, overwrite)
        os.replace(src, dst)

    def stat(path):
        path = _local(path)
        require(path)
        info = os.stat(path)
        return FileStatistics(info.st_size, info.st_mtime_ns,
                              os.path.isdir(path))

    def walk(top, topdown=True, onerror=None):
        return os.walk(_local(top), topdown=topdown, onerror=onerror)

    def join(path, *paths):
        return os.path.join(path, *paths)

    module = types.ModuleType(module_name, __doc__)
    for fn in (GFile, exists, isdir, makedirs, mkdir, listdir, glob, remove,
               rmtree, copy, rename, stat, walk, join):
        setattr(module, fn.__name__, fn)
    module.FileStatistics = FileStatistics
    return module


def make_tf1_gfile_module(gfile):
    """TF1's `tf.gfile` (= `tf.compat.v1.gfile`): the same functions under
    their TF1 names (`Exists`, `MakeDirs`, `GFile`, `Open`, ...)."""
    module = types.ModuleType('tensorflow.gfile', 'TF1 file API.')
    names = {'GFile': 'GFile', 'Open': 'GFile', 'FastGFile': 'GFile',
             'Exists': 'exists', 'IsDirectory': 'isdir',
             'MakeDirs': 'makedirs', 'MkDir': 'mkdir',
             'ListDirectory': 'listdir', 'Glob': 'glob', 'Remove': 'remove',
             'DeleteRecursively': 'rmtree', 'Copy': 'copy',
             'Rename': 'rename', 'Stat': 'stat', 'Walk': 'walk'}
    for tf1_name, name in names.items():
        setattr(module, tf1_name, getattr(gfile, name))
    return module
