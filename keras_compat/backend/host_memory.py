"""Reuse of freed host memory by the training and inference loops.

glibc's malloc serves every block above its mmap threshold (at most 32
MB) with a fresh `mmap` and returns it to the system on `free`; it also
trims freed memory at the top of its heap. A CPU training step allocates
and frees the same activation-sized blocks each step, so each step pays
a page fault per 4 KB of every large activation and gradient: a ReLU
over a 38 MB activation took 11 ms, of which 9 were page faults. Like
the caching allocators of TensorFlow and of torch on CUDA,
`reuse_freed_memory` keeps freed blocks in the process (no mmap for
large blocks, no trimming below 1 GB), so that later steps reuse them.
The resident memory then stays at its peak instead of shrinking between
steps.

It applies to glibc on Linux only, once per process, and not when the
environment already tunes malloc (a `MALLOC_*` variable) or sets
`KERAS_COMPAT_HOST_MEMORY=system`."""
import ctypes
import os
import platform
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
_TRIM_THRESHOLD = 1 << 30

_applied = []


def _wanted():
    if os.environ.get('KERAS_COMPAT_HOST_MEMORY', '').lower() == 'system':
        return False
    if any(name.startswith('MALLOC_') for name in os.environ):
        return False
    return sys.platform.startswith('linux') and \
        platform.libc_ver()[0] == 'glibc'


def reuse_freed_memory():
    """Makes glibc keep freed large blocks for reuse (once per process);
    True where it is in effect."""
    if not _applied:
        _applied.append(_wanted() and _set_malloc_options())
    return _applied[0]


def _set_malloc_options():
    try:
        libc = ctypes.CDLL('libc.so.6')
    except OSError:
        return False
    return bool(libc.mallopt(_M_MMAP_MAX, 0)) and \
        bool(libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD))
