"""Locating dataset files in the Keras cache."""
import os

from ..backend.common import keras_dir
from ..utils.data_utils import get_file


def cached_file(fname, origin, file_hash=None, cache_subdir='datasets',
                untar=False, extract=False):
    """The path of `fname` in the Keras cache; downloaded (and checked
    against `file_hash`) only when it is not there."""
    base = os.path.expanduser(keras_dir())
    candidate = os.path.join(base, cache_subdir, fname)
    if untar:
        if os.path.exists(candidate):
            return candidate
        if os.path.exists(candidate + '.tar.gz'):
            return get_file(fname, origin=origin, untar=True,
                            cache_subdir=cache_subdir)
    elif os.path.exists(candidate):
        return candidate
    return get_file(fname, origin=origin, file_hash=file_hash,
                    cache_subdir=cache_subdir, untar=untar, extract=extract)
