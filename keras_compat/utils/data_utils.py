"""`keras.utils.data_utils`: `Sequence` and `get_file`."""
import hashlib
import os
import shutil
import tarfile
import zipfile
from urllib.request import urlretrieve

from ..backend.common import keras_dir


class Sequence(object):
    """Base class for datasets fed batch by batch: implement
    `__getitem__(index)` returning a batch and `__len__` (batches per
    epoch); `on_epoch_end` runs after each epoch. Safe to read with several
    workers, unlike plain generators."""

    def __getitem__(self, index):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError

    def on_epoch_end(self):
        """Called at the end of every epoch."""

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


def _hash_file(fpath, algorithm='sha256', chunk_size=65535):
    if algorithm == 'sha256' or (algorithm == 'auto' and True):
        hasher = hashlib.sha256()
    else:
        hasher = hashlib.md5()
    with open(fpath, 'rb') as f:
        for chunk in iter(lambda: f.read(chunk_size), b''):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm='auto'):
    """Whether the file's sha256 (64 hex digits) or md5 matches."""
    if algorithm == 'sha256' or (algorithm == 'auto' and
                                 len(file_hash) == 64):
        hasher = 'sha256'
    else:
        hasher = 'md5'
    if hasher == 'md5':
        h = hashlib.md5()
        with open(fpath, 'rb') as f:
            for chunk in iter(lambda: f.read(65535), b''):
                h.update(chunk)
        return h.hexdigest() == str(file_hash)
    return _hash_file(fpath, 'sha256') == str(file_hash)


def _extract_archive(file_path, path='.', archive_format='auto'):
    if archive_format is None:
        return False
    if archive_format == 'auto':
        archive_format = ['tar', 'zip']
    if isinstance(archive_format, str):
        archive_format = [archive_format]
    for archive_type in archive_format:
        if archive_type == 'tar':
            opener, is_match = tarfile.open, tarfile.is_tarfile
        elif archive_type == 'zip':
            opener, is_match = zipfile.ZipFile, zipfile.is_zipfile
        else:
            continue
        if is_match(file_path):
            with opener(file_path) as archive:
                try:
                    archive.extractall(path)
                except (tarfile.TarError, RuntimeError, KeyboardInterrupt):
                    if os.path.exists(path):
                        if os.path.isfile(path):
                            os.remove(path)
                        else:
                            shutil.rmtree(path)
                    raise
            return True
    return False


def get_file(fname, origin, untar=False, md5_hash=None, file_hash=None,
             cache_subdir='datasets', hash_algorithm='auto', extract=False,
             archive_format='auto', cache_dir=None):
    """Returns the path of `fname` in the Keras cache
    (`$KERAS_HOME` or `~/.keras`, under `cache_subdir`), downloading it
    from `origin` when missing or when its hash does not match; extracts
    archives with `extract=True` (or `untar=True`)."""
    if cache_dir is None:
        cache_dir = keras_dir()
    if md5_hash is not None and file_hash is None:
        file_hash = md5_hash
        hash_algorithm = 'md5'
    datadir_base = os.path.expanduser(cache_dir)
    if not os.access(datadir_base, os.W_OK) and os.path.exists(
            datadir_base):
        datadir_base = os.path.join('/tmp', '.keras')
    datadir = os.path.join(datadir_base, cache_subdir)
    os.makedirs(datadir, exist_ok=True)
    if untar:
        untar_fpath = os.path.join(datadir, fname)
        fpath = untar_fpath + '.tar.gz'
    else:
        fpath = os.path.join(datadir, fname)
    download = False
    if os.path.exists(fpath):
        if file_hash is not None and not validate_file(fpath, file_hash,
                                                       hash_algorithm):
            print('A local file was found, but it seems to be incomplete or '
                  'outdated because the ' + hash_algorithm + ' file hash '
                  'does not match the original value of ' + file_hash +
                  ' so we will re-download the data.')
            download = True
    else:
        download = True
    if download:
        print('Downloading data from', origin)
        error_msg = 'URL fetch failure on {}: {} -- {}'
        try:
            try:
                urlretrieve(origin, fpath)
            except Exception as e:
                raise Exception(error_msg.format(origin, type(e).__name__,
                                                 str(e)))
        except (Exception, KeyboardInterrupt):
            if os.path.exists(fpath):
                os.remove(fpath)
            raise
        if file_hash is not None and not validate_file(fpath, file_hash,
                                                       hash_algorithm):
            raise ValueError('The downloaded file %s does not match the '
                             'expected hash %s.' % (fpath, file_hash))
    if untar:
        if not os.path.exists(untar_fpath):
            _extract_archive(fpath, datadir, archive_format='tar')
        return untar_fpath
    if extract:
        _extract_archive(fpath, datadir, archive_format)
    return fpath
