"""TensorFlow 1's `tf.train.Supervisor`: a training session that
restores the latest checkpoint of `logdir` or initialises the variables,
starts the queue runners, writes summaries and checkpoints every
`save_summaries_secs` / `save_model_secs`, and stops cleanly on
OutOfRangeError (`managed_session()`); also `tf.train.LooperThread`.

TensorFlow runs the Supervisor's services (the summary, step counter and
checkpoint timers) in background threads that call `run_loop()` at
their start and then every interval. Here each service runs at the start
too (in that order: summaries, steps per second, checkpoint), then in the
thread running the session, after the first run of the session once its
interval has passed: graph runs do not overlap. As in TensorFlow there is
no checkpoint at the stop; the event file has the START, CHECKPOINT and
STOP session logs, the summaries and the `global_step/sec` values at the
same steps (no graph events: on PyTorch there is no GraphDef)."""
import contextlib
import os
import threading
import time

from . import tensorflow_event_protos as _protos
from . import tensorflow_v1_summaries as _summaries
from . import tensorflow_variables as _variables
from .tensorflow_variables import GraphKeys


def _tf():
    from . import tensorflow_compat
    return tensorflow_compat


def _info(message, *args):
    from .tensorflow_monitored_session import _info as info
    info(message, *args)


class LooperThread(threading.Thread):
    """`tf.train.LooperThread(coord, timer_interval_secs, target)`: calls
    `target(*args, **kwargs)` (or `run_loop()`) every
    `timer_interval_secs` (back to back where None) until the coordinator
    is asked to stop; registered with the coordinator."""

    def __init__(self, coord, timer_interval_secs, target=None, args=None,
                 kwargs=None):
        if not isinstance(coord, _tf().train.Coordinator):
            raise ValueError("'coord' argument must be a Coordinator: %s"
                             % coord)
        threading.Thread.__init__(self)
        self.daemon = True
        self._coord = coord
        self._timer_interval_secs = timer_interval_secs
        self._target = target
        if self._target:
            self._args = args or ()
            self._kwargs = kwargs or {}
        elif args or kwargs:
            raise ValueError("'args' and 'kwargs' argument require that "
                             "you also pass 'target'")
        self._coord.register_thread(self)

    @staticmethod
    def loop(coord, timer_interval_secs, target, args=None, kwargs=None):
        """Starts a LooperThread calling `target`; returns it."""
        looper = LooperThread(coord, timer_interval_secs, target=target,
                              args=args, kwargs=kwargs)
        looper.start()
        return looper

    def run(self):
        with self._coord.stop_on_exception():
            self.start_loop()
            if self._timer_interval_secs is None:
                while not self._coord.should_stop():
                    self.run_loop()
            else:
                next_time = time.time()
                while not self._coord.wait_for_stop(
                        max(0.0, next_time - time.time())):
                    next_time += self._timer_interval_secs
                    self.run_loop()
            self.stop_loop()

    def start_loop(self):
        """Called once when the thread starts."""

    def stop_loop(self):
        """Called once when the thread stops."""

    def run_loop(self):
        """Called at each interval: runs the target."""
        if self._target:
            self._target(*self._args, **self._kwargs)


# ----------------------------------------------------------- services
class _Service(object):
    """A timed service of the Supervisor: `run_loop` now, then every
    `interval` seconds (checked after the session's runs)."""

    def __init__(self, sv, sess, interval):
        self._sv = sv
        self._sess = sess
        self._interval = interval
        self._next = time.time()

    def start(self):
        self.start_loop()
        self._next += self._interval
        self.run_loop()

    def due(self, now):
        if now < self._next:
            return False
        while self._next <= now:
            self._next += self._interval
        return True

    def start_loop(self):
        return None


class _SummaryService(_Service):
    """Runs the summary op and writes its summary at the global step."""

    def run_loop(self):
        sv = self._sv
        if sv.global_step is not None:
            summary, step = self._sess.run([sv.summary_op, sv.global_step])
        else:
            summary, step = self._sess.run(sv.summary_op), None
        if sv.summary_writer:
            _info('Recording summary at step %s.', step)
            sv.summary_writer.add_summary(summary, step)


class _StepCounterService(_Service):
    """Writes the global steps per second ('global_step/sec')."""

    def start_loop(self):
        self._tag = '%s/sec' % self._sv.global_step.name.split(':')[0]
        self._last_time = time.time()
        self._last_step = self._step()

    def _step(self):
        return _variables.global_step(self._sess, self._sv.global_step)

    def run_loop(self):
        step = self._step()
        added, self._last_step = step - self._last_step, step
        now = time.time()
        elapsed, self._last_time = now - self._last_time, now
        rate = added / elapsed if elapsed > 0. else float('inf')
        summary = _protos.Summary(value=[_protos.Summary.Value(
            tag=self._tag, simple_value=rate)])
        if self._sv.summary_writer:
            self._sv.summary_writer.add_summary(summary, step)


class _CheckpointService(_Service):
    """Saves `logdir/model.ckpt-<global step>`, with a CHECKPOINT session
    log."""

    def run_loop(self):
        sv = self._sv
        _info('Saving checkpoint to path %s', sv.save_path)
        sv.saver.save(self._sess, sv.save_path, global_step=sv.global_step)
        if sv.summary_writer and sv.global_step is not None:
            step = _variables.global_step(self._sess, sv.global_step)
            sv.summary_writer.add_session_log(_protos.SessionLog(
                status=_protos.SessionLog.CHECKPOINT,
                checkpoint_path=sv.save_path), step)


_SESSION_CLASS = []


def _supervised_session(sv, config):
    """A tf.Session whose runs are followed by the Supervisor's services
    that are due."""
    if not _SESSION_CLASS:
        base = _tf().Session

        class SupervisedSession(base):
            def run(self, fetches, feed_dict=None, options=None,
                    run_metadata=None):
                result = base.run(self, fetches, feed_dict, options,
                                  run_metadata)
                self._supervisor._run_due(self)
                return result
        SupervisedSession.__name__ = 'Session'
        SupervisedSession.__qualname__ = 'Session'
        _SESSION_CLASS.append(SupervisedSession)
    session = _SESSION_CLASS[0](config=config)
    session._supervisor = sv
    return session


def _first_of(key):
    values = _tf().get_collection(key)
    if len(values) > 1:
        _info('Found %d %s operations. Returning the first one.',
              len(values), key)
    return values[0] if values else None


def _default_global_step():
    step = _variables.get_global_step()
    if step is not None:
        return step
    for variable in _tf().global_variables():
        if getattr(variable, 'name', None) == 'global_step:0':
            return variable
    return None


class Supervisor(object):
    """`tf.train.Supervisor(logdir=..., init_op, summary_op, saver,
    global_step, save_summaries_secs=120, save_model_secs=600)`:
    `managed_session()` (or `prepare_or_wait_for_session()`) gives a
    session restored from the latest checkpoint of `logdir` or
    initialised, with the queue runners and the summary and checkpoint
    services started; `should_stop()`, `request_stop()`, `stop()`,
    `summary_computed()`, `loop()`."""

    USE_DEFAULT = 0

    def __init__(self, graph=None, ready_op=USE_DEFAULT,
                 ready_for_local_init_op=USE_DEFAULT, is_chief=True,
                 init_op=USE_DEFAULT, init_feed_dict=None,
                 local_init_op=USE_DEFAULT, logdir=None,
                 summary_op=USE_DEFAULT, saver=USE_DEFAULT,
                 global_step=USE_DEFAULT, save_summaries_secs=120,
                 save_model_secs=600, recovery_wait_secs=30,
                 stop_grace_secs=120, checkpoint_basename='model.ckpt',
                 session_manager=None, summary_writer=USE_DEFAULT,
                 init_fn=None, local_init_run_options=None):
        tf = _tf()
        if tf.executing_eagerly():
            raise RuntimeError('Supervisors are incompatible with eager '
                               'execution.')
        if session_manager is not None:
            raise NotImplementedError(
                'Supervisor(session_manager=...): the Supervisor restores '
                'or initialises the session itself; pass init_op, init_fn '
                'and saver instead.')
        self._ready_op = None if ready_op is self.USE_DEFAULT else ready_op
        self._ready_for_local_init_op = (
            None if ready_for_local_init_op is self.USE_DEFAULT
            else ready_for_local_init_op)
        self._init_op = self._default(init_op, GraphKeys.INIT_OP,
                                      tf.global_variables_initializer)
        self._init_feed_dict = init_feed_dict
        self._local_init_op = self._default(
            local_init_op, GraphKeys.LOCAL_INIT_OP,
            tf.local_variables_initializer)
        self._saver = self._default(saver, GraphKeys.SAVERS, lambda: (
            tf.train.Saver() if tf.global_variables() else None))
        self._summary_op = self._default(summary_op, GraphKeys.SUMMARY_OP,
                                         _summaries.merge_all)
        self._global_step = self._default(global_step, GraphKeys.GLOBAL_STEP,
                                          _default_global_step)
        self._is_chief = is_chief
        self._coord = tf.train.Coordinator()
        self._stop_grace_secs = stop_grace_secs
        self._init_fn = init_fn
        self._logdir = None
        self._save_summaries_secs = None
        self._save_model_secs = None
        self._save_path = None
        self._summary_writer = None
        self._services = []
        self._servicing = False
        if is_chief:
            self._logdir = logdir
            self._save_summaries_secs = save_summaries_secs
            self._save_model_secs = save_model_secs
            if logdir:
                self._save_path = os.path.join(logdir, checkpoint_basename)
            if summary_writer is self.USE_DEFAULT:
                if logdir:
                    self._summary_writer = _summaries.FileWriter(logdir)
            else:
                self._summary_writer = summary_writer

    @staticmethod
    def _default(value, key, make):
        """`value`, or where it is USE_DEFAULT the first of collection
        `key`, else `make()` (added to the collection)."""
        if value is not Supervisor.USE_DEFAULT:
            return value
        value = _first_of(key)
        if value is None:
            value = make()
            if value is not None:
                _tf().add_to_collection(key, value)
        return value

    is_chief = property(lambda self: self._is_chief)
    coord = property(lambda self: self._coord)
    init_op = property(lambda self: self._init_op)
    init_feed_dict = property(lambda self: self._init_feed_dict)
    ready_op = property(lambda self: self._ready_op)
    ready_for_local_init_op = property(
        lambda self: self._ready_for_local_init_op)
    summary_writer = property(lambda self: self._summary_writer)
    summary_op = property(lambda self: self._summary_op)
    save_summaries_secs = property(lambda self: self._save_summaries_secs)
    global_step = property(lambda self: self._global_step)
    saver = property(lambda self: self._saver)
    save_model_secs = property(lambda self: self._save_model_secs)
    save_path = property(lambda self: self._save_path)

    # ---------------------------------------------------------- session
    def _prepare_session(self, config):
        """The session, restored from the latest checkpoint of `logdir`
        or initialised (init_op, init_fn), then its local init op run."""
        tf = _tf()
        sess = _supervised_session(self, config)
        path = None
        if self._saver is not None and self._logdir:
            path = tf.train.latest_checkpoint(self._logdir)
        if path:
            self._saver.restore(sess, path)
        else:
            if self._init_op is not None:
                sess.run(self._init_op, feed_dict=self._init_feed_dict)
            if self._init_fn is not None:
                self._init_fn(sess)
        if self._local_init_op is not None:
            sess.run(self._local_init_op)
        return sess

    def prepare_or_wait_for_session(self, master='', config=None,
                                    wait_for_checkpoint=False,
                                    max_wait_secs=7200,
                                    start_standard_services=True):
        """The session, restored or initialised; with
        `start_standard_services`, its services and queue runners
        started."""
        self._coord.clear_stop()
        self._services = []
        if self._summary_writer:
            self._summary_writer.reopen()
        sess = self._prepare_session(config)
        if self._is_chief and start_standard_services:
            _info('Starting standard services.')
            self.start_standard_services(sess)
        if start_standard_services:
            _info('Starting queue runners.')
            self.start_queue_runners(sess)
        return sess

    def start_standard_services(self, sess):
        """Writes the START session log and starts the summary, step
        counter and checkpoint services (each runs now, then every
        interval)."""
        if not self._is_chief:
            raise RuntimeError('Only chief supervisor can start standard '
                               'services. Because only chief supervisors '
                               'can write events.')
        if not self._logdir:
            _info("Standard services need a 'logdir' passed to the "
                  "SessionManager")
            return
        if self._global_step is not None and self._summary_writer:
            step = _variables.global_step(sess, self._global_step)
            self._summary_writer.add_session_log(_protos.SessionLog(
                status=_protos.SessionLog.START), step)
        services = []
        if self._save_summaries_secs and self._summary_writer:
            if self._summary_op is not None:
                services.append(_SummaryService(
                    self, sess, self._save_summaries_secs))
            if self._global_step is not None:
                services.append(_StepCounterService(
                    self, sess, self._save_summaries_secs))
        if self._saver and self._save_model_secs:
            services.append(_CheckpointService(self, sess,
                                               self._save_model_secs))
        self._servicing = True
        try:
            for service in services:
                service.start()
        finally:
            self._servicing = False
        self._services.extend(services)
        return []

    def _run_due(self, sess):
        """Runs the services whose interval has passed (after a run of
        the session)."""
        if self._servicing or not self._services or \
                self._coord.should_stop():
            return
        now = time.time()
        self._servicing = True
        try:
            for service in self._services:
                if service._sess is sess and service.due(now):
                    service.run_loop()
        finally:
            self._servicing = False

    def start_queue_runners(self, sess, queue_runners=None):
        """Starts the queue runners (those of the QUEUE_RUNNERS
        collection by default) with the Supervisor's coordinator."""
        tf = _tf()
        if tf.executing_eagerly():
            raise RuntimeError('Queues are not compatible with eager '
                               'execution.')
        if queue_runners is None:
            queue_runners = tf.get_collection(GraphKeys.QUEUE_RUNNERS)
        threads = []
        for qr in queue_runners:
            threads.extend(qr.create_threads(sess, coord=self._coord,
                                             daemon=True, start=True))
        return threads

    def loop(self, timer_interval_secs, target, args=None, kwargs=None):
        """Starts a LooperThread calling `target` every
        `timer_interval_secs` until a stop is requested."""
        return LooperThread.loop(self._coord, timer_interval_secs, target,
                                 args, kwargs)

    def stop(self, threads=None, close_summary_writer=True,
             ignore_live_threads=False):
        """Requests a stop and joins the threads (raising the exception
        reported to the coordinator); writes the STOP session log and
        closes the summary writer."""
        self._coord.request_stop()
        try:
            self._coord.join(threads,
                             stop_grace_period_secs=self._stop_grace_secs,
                             ignore_live_threads=ignore_live_threads)
        finally:
            self._services = []
            if close_summary_writer and self._summary_writer:
                self._summary_writer.add_session_log(_protos.SessionLog(
                    status=_protos.SessionLog.STOP))
                self._summary_writer.close()

    def request_stop(self, ex=None):
        """Asks the coordinator to stop (`ex` is raised by `stop`, unless
        it is an OutOfRangeError)."""
        self._coord.request_stop(ex=ex)

    def should_stop(self):
        return self._coord.should_stop()

    def stop_on_exception(self):
        return self._coord.stop_on_exception()

    def wait_for_stop(self):
        self._coord.wait_for_stop()

    def summary_computed(self, sess, summary, global_step=None):
        """Writes `summary` (a run of a summary op) at `global_step`, the
        global step's value by default."""
        if not self._summary_writer:
            raise RuntimeError('Writing a summary requires a summary '
                               'writer.')
        if global_step is None and self.global_step is not None:
            global_step = _variables.global_step(sess, self.global_step)
        self._summary_writer.add_summary(summary, global_step)

    @contextlib.contextmanager
    def managed_session(self, master='', config=None,
                        start_standard_services=True,
                        close_summary_writer=True):
        """A block with the prepared session: an exception in it stops
        the Supervisor (OutOfRangeError cleanly, others raised again by
        `stop`); the session is closed at its end."""
        sess = None
        try:
            sess = self.prepare_or_wait_for_session(
                master=master, config=config,
                start_standard_services=start_standard_services)
            yield sess
        except Exception as e:
            self.request_stop(e)
        finally:
            try:
                self.stop(close_summary_writer=close_summary_writer)
            finally:
                if sess is not None:
                    sess.close()

    PrepareSession = prepare_or_wait_for_session
    StartQueueRunners = start_queue_runners
    StartStandardServices = start_standard_services
    Stop = stop
    RequestStop = request_stop
    Loop = loop
    ShouldStop = should_stop
    StopOnException = stop_on_exception
    WaitForStop = wait_for_stop
    SummaryComputed = summary_computed


def install(train):
    """`tf.train.Supervisor` and `tf.train.LooperThread`."""
    train.Supervisor = Supervisor
    train.LooperThread = LooperThread
