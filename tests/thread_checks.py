"""Which threads the data readers of keras_compat left running.

Only threads a Keras data reader could have started count: the main
thread, the calling thread and the worker threads of
``concurrent.futures`` executors (which keras_compat never creates, but
torch and other libraries keep alive for the whole process) do not.
"""
import threading
import time


def _live_reader_threads():
    return [t for t in threading.enumerate()
            if t is not threading.current_thread()
            and t is not threading.main_thread()
            and t.is_alive()
            and not t.name.startswith('ThreadPoolExecutor-')]


def reader_threads(wait=5.0):
    """Live threads other than the caller's, the main one and executors',
    after waiting up to `wait` seconds for them to end (a stopped pool's
    workers exit shortly after `stop()` returns, later on a busy
    machine)."""
    deadline = time.time() + wait
    threads = _live_reader_threads()
    while threads and time.time() < deadline:
        time.sleep(0.02)
        threads = _live_reader_threads()
    return threads
