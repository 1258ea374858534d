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


def validate_file(fpath, file_hash, algorithm='auto', chunk_size=65535):
    """Whether the file's sha256 (64 hex digits) or md5 matches, read in
    chunks of `chunk_size` bytes."""
    if algorithm == 'sha256' or (algorithm == 'auto' and
                                 len(file_hash) == 64):
        hasher = 'sha256'
    else:
        hasher = 'md5'
    if hasher == 'md5':
        h = hashlib.md5()
        with open(fpath, 'rb') as f:
            for chunk in iter(lambda: f.read(chunk_size), b''):
                h.update(chunk)
        return h.hexdigest() == str(file_hash)
    return _hash_file(fpath, 'sha256', chunk_size) == str(file_hash)


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


# ------------------------------------------------------------- enqueuers
# Sources being read by running enqueuers, by id: worker processes forked
# from this one find theirs here.
_SHARED_SOURCES = {}
_SOURCE_IDS = iter(range(1 << 62))


def _get_index(uid, index):
    return _SHARED_SOURCES[uid][index]


def _next_sample(uid):
    return next(_SHARED_SOURCES[uid])


class SequenceEnqueuer(object):
    """Reads batches ahead in worker threads (or processes, with
    `use_multiprocessing=True`) into a queue of `max_queue_size`:
    `start(workers, max_queue_size)`, then `get()` yields batches;
    `stop()` ends the workers. Keras 2's base of `OrderedEnqueuer` and
    `GeneratorEnqueuer`."""

    def __init__(self, sequence, use_multiprocessing=False):
        self.sequence = sequence
        self.use_multiprocessing = use_multiprocessing
        self.uid = next(_SOURCE_IDS)
        self.workers = 0
        self.executor = None
        # The worker processes of the executor, watched for one that dies.
        self.processes = []
        self.queue = None
        self.run_thread = None
        self.stop_signal = None

    def is_running(self):
        return self.stop_signal is not None and \
            not self.stop_signal.is_set()

    def start(self, workers=1, max_queue_size=10):
        """Starts `workers` workers filling a queue of `max_queue_size`."""
        import queue
        import threading
        self.workers = workers
        _SHARED_SOURCES[self.uid] = self.sequence
        self.executor = self._new_executor()
        self.queue = queue.Queue(max_queue_size)
        self.stop_signal = threading.Event()
        self.run_thread = threading.Thread(target=self._run, daemon=True)
        self.run_thread.start()

    def _new_executor(self):
        executor = self._make_executor(self.workers)
        self.processes = list(getattr(executor, '_pool', ())) \
            if self.use_multiprocessing else []
        return executor

    def _make_executor(self, workers):
        if self.use_multiprocessing:
            import multiprocessing
            return multiprocessing.get_context('fork').Pool(workers)
        from multiprocessing.pool import ThreadPool
        return ThreadPool(workers)

    def stop(self, timeout=None):
        """Stops the workers and waits up to `timeout` seconds for them;
        stopping a stopped enqueuer does nothing (Keras 2's fit_generator
        calls stop() in a `finally` after `get()` has stopped it)."""
        if self.stop_signal is None or self.queue is None:
            return
        self.stop_signal.set()
        with self.queue.mutex:
            self.queue.queue.clear()
            self.queue.unfinished_tasks = 0
            self.queue.not_full.notify_all()
        self.run_thread.join(timeout)
        self.executor.terminate()
        _SHARED_SOURCES.pop(self.uid, None)
        self.run_thread = None
        self.queue = None

    def _put(self, task):
        """Queues a pending result unless stopped; False when stopped."""
        import queue
        while not self.stop_signal.is_set():
            try:
                self.queue.put(task, block=True, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self):
        raise NotImplementedError

    def get(self):
        """Yields the batches as the workers produce them."""
        import queue
        while self.is_running():
            try:
                task = self.queue.get(block=True, timeout=0.1)
            except queue.Empty:
                continue
            try:
                value = self._result(task)
            except StopIteration:
                self.queue.task_done()
                return
            except Exception:
                self.stop()
                raise
            self.queue.task_done()
            yield value


    def _result(self, task):
        """The value of `task`, waited for while the worker processes live:
        a process killed by a signal (the kernel's out-of-memory killer,
        `kill -9`) takes the batch it was reading with it, which the pool
        never reports, so waiting on would never end."""
        import multiprocessing
        while True:
            try:
                return task.get(timeout=0.1)
            except multiprocessing.TimeoutError:
                dead = [p for p in self.processes
                        if p.exitcode is not None and p.exitcode != 0]
                if dead and not task.ready():
                    self.stop()
                    raise RuntimeError(worker_exit_message(
                        [(p.pid, p.exitcode) for p in dead],
                        'Sequence' if isinstance(self.sequence, Sequence)
                        else 'generator'))


def worker_exit_message(exits, source):
    """The error for worker processes that ended while reading batches:
    `exits` holds (pid, exitcode) pairs, a negative code the signal."""
    import signal
    ends = []
    for pid, code in exits:
        if code is not None and code < 0:
            try:
                how = 'killed by signal %d (%s)' % (
                    -code, signal.Signals(-code).name)
            except ValueError:
                how = 'killed by signal %d' % -code
        else:
            how = 'exited unexpectedly' if code is None else \
                'exited with code %d' % code
        ends.append('pid %d %s' % (pid, how))
    return ('A worker process reading the %s ended while reading a batch '
            '(%s); the batch is lost. When the system ran out of memory, '
            'lower `workers` or `max_queue_size`, or pass '
            '`use_multiprocessing=False`.' % (source, ', '.join(ends)))


class OrderedEnqueuer(SequenceEnqueuer):
    """Reads a `Sequence` in order (shuffled per epoch with `shuffle`),
    epoch after epoch, calling `on_epoch_end` between them."""

    def __init__(self, sequence, use_multiprocessing=False, shuffle=False):
        import threading
        super(OrderedEnqueuer, self).__init__(sequence, use_multiprocessing)
        self.shuffle = shuffle
        self.end_of_epoch_signal = threading.Event()

    def _run(self):
        import numpy as np
        while not self.stop_signal.is_set():
            order = list(range(len(self.sequence)))
            if self.shuffle:
                np.random.shuffle(order)
            for index in order:
                task = self.executor.apply_async(_get_index,
                                                 (self.uid, index))
                if not self._put(task):
                    return
            self._wait_for_epoch()
            self.sequence.on_epoch_end()
            self.end_of_epoch_signal.set()
            if self.use_multiprocessing and not self.stop_signal.is_set():
                # Worker processes hold a copy of the sequence: new ones
                # see the state on_epoch_end left.
                self.executor.close()
                self.executor.join()
                self.executor = self._new_executor()

    def _wait_for_epoch(self):
        import time
        while not self.stop_signal.is_set() and \
                self.queue.unfinished_tasks > 0:
            time.sleep(0.01)

    def join_end_of_epoch(self):
        """Waits until the epoch's batches were all taken and
        `on_epoch_end` has run."""
        if self.is_running():
            self.end_of_epoch_signal.wait()
        self.end_of_epoch_signal.clear()


class GeneratorEnqueuer(SequenceEnqueuer):
    """Reads a Python generator ahead in worker threads (calls of `next`
    are serialised). With `use_multiprocessing=True` each worker process
    draws from its own copy of the generator, so batches repeat, as in
    Keras."""

    def __init__(self, sequence, use_multiprocessing=False, wait_time=None,
                 random_seed=None):
        super(GeneratorEnqueuer, self).__init__(sequence,
                                                use_multiprocessing)
        self.random_seed = random_seed
        if wait_time is not None:
            import warnings
            warnings.warn('`wait_time` is not used anymore.', stacklevel=2)

    def start(self, workers=1, max_queue_size=10):
        if not self.use_multiprocessing:
            self.sequence = _LockedIterator(self.sequence)
        super(GeneratorEnqueuer, self).start(workers, max_queue_size)

    def _make_executor(self, workers):
        if not self.use_multiprocessing:
            return super(GeneratorEnqueuer, self)._make_executor(workers)
        import multiprocessing
        seed = self.random_seed
        return multiprocessing.get_context('fork').Pool(
            workers, initializer=_seed_worker, initargs=(seed,))

    def _run(self):
        while not self.stop_signal.is_set():
            task = self.executor.apply_async(_next_sample, (self.uid,))
            if not self._put(task):
                return
            # (In slices: a task lost with a killed worker process never
            # ends, and `stop` must still find this thread done.)
            while not task.ready() and not self.stop_signal.is_set():
                task.wait(0.1)
            if task.ready() and not task.successful():
                return


class _LockedIterator(object):
    """`next` on a generator from several threads, one at a time."""

    def __init__(self, iterator):
        import threading
        self.iterator = iterator
        self.lock = threading.Lock()

    def __next__(self):
        with self.lock:
            return next(self.iterator)


def _seed_worker(seed):
    import numpy as np
    import os as _os
    np.random.seed(None if seed is None else seed + _os.getpid() % 1000)
