"""Reuse of freed host memory by the training and inference loops.

By default glibc's malloc serves blocks above its mmap threshold (128 KB,
raised as blocks are freed) with a fresh `mmap` and returns them to the
system on `free`, and it trims freed memory at the top of its heap. A
CPU training step allocates and frees the same activation-sized blocks
each step, so each step paid a page fault per 4 KB of many of its
activations and gradients: an LSTM step at batch 128 ran 1.5 times
slower than with the blocks reused. `reuse_freed_memory` fixes the mmap
threshold at glibc's largest, 32 MB, and trims only above 1 GB, so that
freed blocks up to 32 MB stay in the process for later steps, as the
caching allocators of TensorFlow and of torch on CUDA keep them. Larger
blocks are still returned at once: keeping them too made the heap grow
by fragmentation (a peak 60 MB higher on that LSTM). Resident memory
stays near its peak between steps instead of shrinking.

`keep_large_blocks` goes further for evaluate and predict: inside it no
block is mapped fresh, whatever its size, so a convolution's activations
of hundreds of MB at a large batch are reused from batch to batch as
well. Without backward passes, inference frees all of a batch's
activations before the next, so the heap does not fragment; on leaving,
the usual threshold is restored and the freed memory is returned to the
system (`malloc_trim`).

It applies to glibc on Linux only, once per process, and not when the
environment already tunes malloc (a `MALLOC_*` variable) or sets
`KERAS_COMPAT_HOST_MEMORY=system`."""
import ctypes
import os
import platform
import sys
import threading
import time

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_MMAP_MAX = -4
_GLIBC_MMAP_MAX = 65536         # glibc's default number of mapped blocks
_MMAP_THRESHOLD = 32 << 20      # glibc's largest on 64-bit systems
_TRIM_THRESHOLD = 1 << 30

_applied = []
_loaded = []                    # the C library, once loaded
# Depth of nested keep_large_blocks (from any thread), then the
# outermost's start time.
_keeping = [0]
_keeping_lock = threading.Lock()
# A trim costs about 20 us; runs shorter than this cannot have faulted in
# much memory, and a loop of small predicts should not pay it each call.
_TRIM_AFTER_S = 0.01


def _wanted():
    if os.environ.get('KERAS_COMPAT_HOST_MEMORY', '').lower() == 'system':
        return False
    if any(name.startswith('MALLOC_') for name in os.environ):
        return False
    return sys.platform.startswith('linux') and \
        platform.libc_ver()[0] == 'glibc'


def reuse_freed_memory():
    """Makes glibc keep freed blocks up to 32 MB for reuse (once per
    process); True where it is in effect."""
    if not _applied:
        _applied.append(_wanted() and _set_malloc_options())
    return _applied[0]


class keep_large_blocks(object):
    """Context: within, freed blocks of any size are kept for reuse
    (evaluate and predict). Leaving the outermost one maps blocks above
    32 MB fresh again and, after a run long enough to have held large
    blocks, returns the freed memory to the system."""

    def __enter__(self):
        self._active = reuse_freed_memory()
        if self._active:
            with _keeping_lock:
                if not _keeping[0]:
                    _libc().mallopt(_M_MMAP_MAX, 0)
                    _keeping.append(time.perf_counter())
                _keeping[0] += 1
        return self

    def __exit__(self, *exc_info):
        if self._active:
            with _keeping_lock:
                _keeping[0] -= 1
                if not _keeping[0]:
                    self._release(time.perf_counter() - _keeping.pop())
        return False

    @staticmethod
    def _release(seconds_kept):
        libc = _libc()
        libc.mallopt(_M_MMAP_MAX, _GLIBC_MMAP_MAX)
        if seconds_kept > _TRIM_AFTER_S:
            libc.malloc_trim(0)


def _libc():
    if not _loaded:
        _loaded.append(ctypes.CDLL('libc.so.6'))
    return _loaded[0]


def _set_malloc_options():
    try:
        libc = _libc()
    except OSError:
        return False
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)) and \
        bool(libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD))
