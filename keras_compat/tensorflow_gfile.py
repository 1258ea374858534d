"""`tf.io.gfile` (and TF1's `tf.gfile`) on local files and on
TensorFlow's in-process RAM file system (`ram://...`): TensorFlow's file
API, which keras-tuner, scikeras, TensorBoard helpers and many training
scripts use for checkpoints, logs and data. TensorFlow's `gs://`,
`hdfs://` and `s3://` file systems need TensorFlow itself.

`ram://` paths live, as in TensorFlow, only as long as the process: they
are files under a private temporary directory, removed at exit, and every
function here (and `model.save`, `load_model`, `save_weights`,
`load_weights`) takes them. Directories of `ram://` paths are implicit, as
in TensorFlow: writing a file creates its parents.

Errors are raised as TensorFlow raises them: `tf.errors.NotFoundError` for
a missing path (a missing file already when it is opened for reading),
`tf.errors.AlreadyExistsError` when a copy or rename would overwrite
without `overwrite=True`."""
import atexit
import collections
import glob as _glob
import os
import shutil
import tempfile
import types

RAM_SCHEME = 'ram://'
_REMOTE_SCHEMES = ('gs://', 's3://', 'hdfs://')
_ram_root = []


def _ram_directory():
    """The process's private directory holding the `ram://` files, made
    on first use and removed when the process that made it exits."""
    if not _ram_root:
        root = tempfile.mkdtemp(prefix='keras_compat_ram_')
        owner = os.getpid()
        _ram_root.append(root)
        atexit.register(_remove_ram_directory, root, owner)
    return _ram_root[0]


def _remove_ram_directory(root, owner):
    if os.getpid() == owner:
        shutil.rmtree(root, ignore_errors=True)


def is_ram_path(path):
    """Whether `path` names a file of TensorFlow's RAM file system."""
    return isinstance(path, (str, bytes, os.PathLike)) and \
        _text(path).startswith(RAM_SCHEME)


def _text(path):
    path = os.fspath(path)
    return path.decode() if isinstance(path, bytes) else path


def local_path(path, create_parent=False):
    """The local path serving `path`: itself, or for `ram://name` the file
    under the private RAM directory (its parent directories made first
    with `create_parent`, as TensorFlow's RAM file system has implicit
    directories). Other file systems (`gs://`, ...) raise
    NotImplementedError."""
    path = _text(path)
    if path.startswith(_REMOTE_SCHEMES):
        raise NotImplementedError(
            'tf.io.gfile on %r: keras_compat reads and writes local paths '
            'and ram:// only; copy the files locally (e.g. with gsutil) '
            'first.' % path)
    if not is_ram_path(path):
        return path
    local = os.path.join(_ram_directory(), path[len(RAM_SCHEME):].lstrip('/'))
    if create_parent:
        os.makedirs(os.path.dirname(local.rstrip(os.sep)) or '.',
                    exist_ok=True)
    return local


def ram_url(local):
    """The `ram://` name of a local path under the RAM directory (the
    inverse of `local_path`)."""
    root = _ram_directory()
    if local == root:
        return RAM_SCHEME
    return RAM_SCHEME + os.path.relpath(local, root) + (
        '/' if local.endswith(os.sep) else '')


def _local(path):
    return local_path(path)


def _names_like(path, local_results):
    """Results of a local walk or glob under the names `path` used."""
    if not is_ram_path(path):
        return local_results
    return [ram_url(result) for result in local_results]


FileStatistics = collections.namedtuple(
    'FileStatistics', ['length', 'mtime_nsec', 'is_directory'])


def make_gfile_module(errors, module_name='tensorflow.io.gfile'):
    """The `tf.io.gfile` module, raising the classes of `errors`
    (the stand-in's `tf.errors`)."""

    def not_found(path):
        return errors.NotFoundError('%s; No such file or directory' % path)

    def require(path, name=None):
        if not os.path.exists(path):
            raise not_found(path if name is None else name)

    class GFile(object):
        """`tf.io.gfile.GFile(name, mode='r')`: a file object. In text
        mode reads give str; writes take str or bytes, as TensorFlow's
        GFile accepts both."""

        def __init__(self, name, mode='r'):
            self.name = name
            self.mode = mode
            self._binary = 'b' in mode
            self._path = local_path(name, create_parent='r' not in mode)
            if 'r' in mode:
                require(self._path, name)
            raw_mode = mode if self._binary else mode + 'b'
            self._file = open(self._path, raw_mode)

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
            return os.path.getsize(self._path)

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

    def existing(path):
        """The local path of `path`, which must exist."""
        local = _local(path)
        require(local, path)
        return local

    def exists(path):
        return os.path.exists(_local(path))

    def isdir(path):
        return os.path.isdir(_local(path))

    def makedirs(path):
        os.makedirs(_local(path), exist_ok=True)

    def mkdir(path):
        """One directory level (its parent must exist, except on the RAM
        file system, whose directories are implicit); an existing
        directory is left as it is, as TensorFlow does."""
        local = local_path(path, create_parent=is_ram_path(path))
        if not os.path.isdir(local):
            os.mkdir(local)

    def listdir(path):
        local = _local(path)
        if not os.path.isdir(local):
            raise not_found(path)
        return os.listdir(local)

    def glob(pattern):
        if isinstance(pattern, (list, tuple)):
            return [match for p in pattern for match in glob(p)]
        return sorted(_names_like(pattern, _glob.glob(_local(pattern))))

    def remove(path):
        os.remove(existing(path))

    def rmtree(path):
        shutil.rmtree(existing(path))

    def _check_target(dst, local_dst, overwrite):
        if os.path.exists(local_dst) and not overwrite:
            raise errors.AlreadyExistsError('%s; File already exists' % dst)

    def copy(src, dst, overwrite=False):
        local_src = existing(src)
        local_dst = local_path(dst, create_parent=is_ram_path(dst))
        _check_target(dst, local_dst, overwrite)
        shutil.copyfile(local_src, local_dst)

    def rename(src, dst, overwrite=False):
        local_src = existing(src)
        local_dst = local_path(dst, create_parent=is_ram_path(dst))
        _check_target(dst, local_dst, overwrite)
        os.replace(local_src, local_dst)

    def stat(path):
        local = existing(path)
        info = os.stat(local)
        return FileStatistics(info.st_size, info.st_mtime_ns,
                              os.path.isdir(local))

    def walk(top, topdown=True, onerror=None):
        """`os.walk`, with the directories named as `top` names them (a
        `ram://` top gives `ram://` directories)."""
        for root, dirs, files in os.walk(_local(top), topdown=topdown,
                                         onerror=onerror):
            yield _names_like(top, [root])[0], dirs, files

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
