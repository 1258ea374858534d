"""Which threads the data readers of keras_compat left running.

Only threads a Keras data reader could have started count: the main
thread, the calling thread and the worker threads of
``concurrent.futures`` executors (which keras_compat never creates, but
torch and other libraries keep alive for the whole process) do not.
"""
import threading


def reader_threads():
    """Live threads other than the caller's, the main one and executors'."""
    return [t for t in threading.enumerate()
            if t is not threading.current_thread()
            and t is not threading.main_thread()
            and t.is_alive()
            and not t.name.startswith('ThreadPoolExecutor-')]
