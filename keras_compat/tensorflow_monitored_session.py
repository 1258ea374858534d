"""TensorFlow 1's monitored training loop: `tf.train.MonitoredTrainingSession`,
`MonitoredSession`, `SingularMonitoredSession`, `ChiefSessionCreator`,
`WorkerSessionCreator`, `Scaffold`, `SessionRunHook` with
`SessionRunArgs` / `SessionRunContext` / `SessionRunValues`, and the
built-in hooks (`StopAtStepHook`, `LoggingTensorHook`, `NanTensorHook`,
`CheckpointSaverHook`, `SummarySaverHook`, `StepCounterHook`,
`FinalOpsHook`, `FeedFnHook`), with TensorFlow's order of calls: hooks'
`begin`, session made (restored from the latest checkpoint of
`checkpoint_dir`), `after_create_session`, then for each run
`before_run` (extra fetches and feeds), the run, `after_run`; `end` on
closing. An OutOfRangeError (or StopIteration) leaving the `with` block
ends it quietly."""
import collections
import os
import time

import numpy as np

from . import tensorflow_v1_summaries as _summaries
from . import tensorflow_event_protos as _protos


def _tf():
    from . import tensorflow_compat
    return tensorflow_compat


def _info(message, *args):
    _tf().logging.info(message, *args)


class SessionRunArgs(collections.namedtuple(
        'SessionRunArgs', ['fetches', 'feed_dict', 'options'])):
    """What a hook's `before_run` adds to a run: fetches (any nesting),
    a feed_dict and run options."""

    def __new__(cls, fetches, feed_dict=None, options=None):
        return super(SessionRunArgs, cls).__new__(cls, fetches, feed_dict,
                                                  options)


class SessionRunValues(collections.namedtuple(
        'SessionRunValues', ['results', 'options', 'run_metadata'])):
    """What `after_run` gets: `results`, the values of the hook's
    fetches."""


class SessionRunContext(object):
    """The run in progress: `original_args` (the caller's fetches and
    feeds), `session`, and `request_stop()`."""

    def __init__(self, original_args, session):
        self._original_args = original_args
        self._session = session
        self._stop_requested = False

    original_args = property(lambda self: self._original_args)
    session = property(lambda self: self._session)
    stop_requested = property(lambda self: self._stop_requested)

    def request_stop(self):
        """Makes the monitored session's `should_stop()` true after this
        run."""
        self._stop_requested = True


class SessionRunHook(object):
    """A hook of a monitored session; each method does nothing unless
    overridden."""

    def begin(self):
        pass

    def after_create_session(self, session, coord):
        pass

    def before_run(self, run_context):
        return None

    def after_run(self, run_context, run_values):
        pass

    def end(self, session):
        pass


# ---------------------------------------------------------------- timers
class SecondOrStepTimer(object):
    """Triggers every `every_secs` seconds or every `every_steps` steps
    (exactly one of them)."""

    def __init__(self, every_secs=None, every_steps=None):
        self.reset()
        self._every_secs = every_secs
        self._every_steps = every_steps
        if every_secs is None and every_steps is None:
            raise ValueError('Either every_secs or every_steps should be '
                             'provided.')
        if every_secs is not None and every_steps is not None:
            raise ValueError('Can not provide both every_secs and '
                             'every_steps.')

    def reset(self):
        self._last_triggered_step = None
        self._last_triggered_time = None

    def should_trigger_for_step(self, step):
        """Whether the timer fires at `step`."""
        if self._last_triggered_step is None:
            return True
        if self._last_triggered_step == step:
            return False
        if self._every_secs is not None and \
                time.time() >= self._last_triggered_time + self._every_secs:
            return True
        return self._every_steps is not None and \
            step >= self._last_triggered_step + self._every_steps

    def update_last_triggered_step(self, step):
        """Records a firing at `step`; returns (seconds, steps) since the
        last one, (None, None) the first time."""
        now = time.time()
        if self._last_triggered_time is None:
            elapsed = (None, None)
        else:
            elapsed = (now - self._last_triggered_time,
                       step - self._last_triggered_step)
        self._last_triggered_time = now
        self._last_triggered_step = step
        return elapsed

    def last_triggered_step(self):
        return self._last_triggered_step


class NeverTriggerTimer(SecondOrStepTimer):
    """A timer that never fires."""

    def __init__(self):
        self.reset()

    def should_trigger_for_step(self, step):
        return False


# ---------------------------------------------------------------- hooks
def _global_step(name):
    step = _tf().train.get_global_step()
    if step is None:
        raise RuntimeError('Global step should be created to use %s.' % name)
    return step


def _step(value):
    return int(np.asarray(value))


class StopAtStepHook(SessionRunHook):
    """Requests a stop once the global step reaches `last_step` (or the
    step it had when the session was made plus `num_steps`)."""

    def __init__(self, num_steps=None, last_step=None):
        if num_steps is None and last_step is None:
            raise ValueError('One of num_steps or last_step must be '
                             'specified.')
        if num_steps is not None and last_step is not None:
            raise ValueError('Only one of num_steps or last_step can be '
                             'specified.')
        self._num_steps = num_steps
        self._last_step = last_step

    def begin(self):
        self._global_step_tensor = _global_step('StopAtStepHook')

    def after_create_session(self, session, coord):
        step = _step(session.run(self._global_step_tensor))
        if self._last_step is None:
            self._last_step = step + self._num_steps

    def before_run(self, run_context):
        return SessionRunArgs(self._global_step_tensor)

    def after_run(self, run_context, run_values):
        if _step(run_values.results) + 1 >= self._last_step:
            step = _step(run_context.session.run(self._global_step_tensor))
            if step >= self._last_step:
                run_context.request_stop()


class LoggingTensorHook(SessionRunHook):
    """Logs (tf.logging.info) the values of `tensors` (a list, or a dict
    of tag -> tensor or tensor name) every `every_n_iter` runs or
    `every_n_secs` seconds, and/or `at_end`; `formatter(values)` makes
    the line."""

    def __init__(self, tensors, every_n_iter=None, every_n_secs=None,
                 at_end=False, formatter=None):
        only_at_end = at_end and every_n_iter is None and \
            every_n_secs is None
        if not only_at_end and (every_n_iter is None) == \
                (every_n_secs is None):
            raise ValueError('either at_end and/or exactly one of '
                             'every_n_iter and every_n_secs must be '
                             'provided.')
        if every_n_iter is not None and every_n_iter <= 0:
            raise ValueError('invalid every_n_iter=%s.' % every_n_iter)
        if not isinstance(tensors, dict):
            self._tag_order = list(tensors)
            tensors = {item: item for item in tensors}
        else:
            self._tag_order = sorted(tensors.keys())
        self._tensors = tensors
        self._formatter = formatter
        self._timer = NeverTriggerTimer() if only_at_end else \
            SecondOrStepTimer(every_secs=every_n_secs,
                              every_steps=every_n_iter)
        self._log_at_end = at_end

    def begin(self):
        self._timer.reset()
        self._iter_count = 0

    def before_run(self, run_context):
        self._should_trigger = self._timer.should_trigger_for_step(
            self._iter_count)
        if self._should_trigger:
            return SessionRunArgs(dict(self._tensors))
        return None

    def _log_tensors(self, values):
        original = np.get_printoptions()
        np.set_printoptions(suppress=True)
        try:
            elapsed, _ = self._timer.update_last_triggered_step(
                self._iter_count)
            if self._formatter:
                _info(self._formatter(values))
                return
            stats = ', '.join('%s = %s' % (tag, values[tag])
                              for tag in self._tag_order)
            if elapsed is not None:
                _info('%s (%.3f sec)', stats, elapsed)
            else:
                _info('%s', stats)
        finally:
            np.set_printoptions(**original)

    def after_run(self, run_context, run_values):
        if self._should_trigger:
            self._log_tensors(run_values.results)
        self._iter_count += 1

    def end(self, session):
        if self._log_at_end:
            self._log_tensors(session.run(dict(self._tensors)))


class NanLossDuringTrainingError(RuntimeError):
    def __str__(self):
        return 'NaN loss during training.'


class NanTensorHook(SessionRunHook):
    """Fails (NanLossDuringTrainingError), or with `fail_on_nan_loss=
    False` requests a stop, when `loss_tensor` is NaN."""

    def __init__(self, loss_tensor, fail_on_nan_loss=True):
        self._loss_tensor = loss_tensor
        self._fail_on_nan_loss = fail_on_nan_loss

    def before_run(self, run_context):
        return SessionRunArgs(self._loss_tensor)

    def after_run(self, run_context, run_values):
        if np.isnan(run_values.results):
            if self._fail_on_nan_loss:
                raise NanLossDuringTrainingError
            _tf().logging.warning('Model diverged with loss = NaN.')
            run_context.request_stop()


class CheckpointSaverListener(object):
    """Called around each checkpoint a CheckpointSaverHook writes;
    `after_save` returning True stops the training."""

    def begin(self):
        pass

    def before_save(self, session, global_step_value):
        pass

    def after_save(self, session, global_step_value):
        pass

    def end(self, session, global_step_value):
        pass


class CheckpointSaverHook(SessionRunHook):
    """Saves `checkpoint_dir/model.ckpt-<step>` when the session is made,
    every `save_steps` steps or `save_secs` seconds, and at the end,
    with a CHECKPOINT session log in the directory's event file."""

    def __init__(self, checkpoint_dir, save_secs=None, save_steps=None,
                 saver=None, checkpoint_basename='model.ckpt',
                 scaffold=None, listeners=None, save_graph_def=True):
        if saver is not None and scaffold is not None:
            raise ValueError('You cannot provide both saver and scaffold.')
        self._saver = saver
        self._checkpoint_dir = checkpoint_dir
        self._save_path = os.path.join(checkpoint_dir, checkpoint_basename)
        self._scaffold = scaffold
        self._timer = SecondOrStepTimer(every_secs=save_secs,
                                        every_steps=save_steps)
        self._listeners = listeners or []
        self._steps_per_run = 1

    def begin(self):
        self._summary_writer = _summaries.FileWriterCache.get(
            self._checkpoint_dir)
        self._global_step_tensor = _global_step('CheckpointSaverHook')
        for listener in self._listeners:
            listener.begin()

    def after_create_session(self, session, coord):
        step = _step(session.run(self._global_step_tensor))
        self._save(session, step)
        self._timer.update_last_triggered_step(step)

    def before_run(self, run_context):
        return SessionRunArgs(self._global_step_tensor)

    def after_run(self, run_context, run_values):
        stale = _step(run_values.results)
        if self._timer.should_trigger_for_step(stale + self._steps_per_run):
            step = _step(run_context.session.run(self._global_step_tensor))
            if self._timer.should_trigger_for_step(step):
                self._timer.update_last_triggered_step(step)
                if self._save(run_context.session, step):
                    run_context.request_stop()

    def end(self, session):
        last_step = _step(session.run(self._global_step_tensor))
        if last_step != self._timer.last_triggered_step():
            self._save(session, last_step)
        for listener in self._listeners:
            listener.end(session, last_step)

    def _save(self, session, step):
        for listener in self._listeners:
            listener.before_save(session, step)
        _info('Saving checkpoints for %d into %s.', step, self._save_path)
        self._get_saver().save(session, self._save_path, global_step=step)
        self._summary_writer.add_session_log(_protos.SessionLog(
            status=_protos.SessionLog.CHECKPOINT,
            checkpoint_path=self._save_path), step)
        self._summary_writer.flush()
        stop = False
        for listener in self._listeners:
            if listener.after_save(session, step):
                stop = True
        return stop

    def _get_saver(self):
        if self._saver is not None:
            return self._saver
        if self._scaffold is not None:
            return self._scaffold.saver
        savers = _tf().get_collection(_tf().GraphKeys.SAVERS)
        if not savers:
            raise RuntimeError(
                'No items in collection savers. Please add a saver to the '
                'collection or provide a saver or scaffold.')
        if len(savers) > 1:
            raise RuntimeError('More than one item in collection savers. '
                               'Please indicate which one to use by '
                               'passing it to the constructor.')
        self._saver = savers[0]
        return self._saver


class SummarySaverHook(SessionRunHook):
    """Writes the summaries (`summary_op`, or the scaffold's: every
    summary merged) every `save_steps` steps or `save_secs` seconds, at
    the global step after the run, to `output_dir` or `summary_writer`;
    a START session log first."""

    def __init__(self, save_steps=None, save_secs=None, output_dir=None,
                 summary_writer=None, scaffold=None, summary_op=None):
        if (scaffold is None) == (summary_op is None):
            raise ValueError('Exactly one of scaffold or summary_op must be '
                             'provided.')
        self._summary_op = summary_op
        self._summary_writer = summary_writer
        self._output_dir = output_dir
        self._scaffold = scaffold
        self._timer = SecondOrStepTimer(every_secs=save_secs,
                                        every_steps=save_steps)

    def begin(self):
        if self._summary_writer is None and self._output_dir:
            self._summary_writer = _summaries.FileWriterCache.get(
                self._output_dir)
        self._next_step = None
        self._global_step_tensor = _global_step('SummarySaverHook')

    def _summary_ops(self):
        op = self._summary_op if self._summary_op is not None else \
            self._scaffold.summary_op
        if op is None:
            return None
        return op if isinstance(op, list) else [op]

    def before_run(self, run_context):
        self._request_summary = self._next_step is None or \
            self._timer.should_trigger_for_step(self._next_step)
        requests = {'global_step': self._global_step_tensor}
        if self._request_summary and self._summary_ops() is not None:
            requests['summary'] = self._summary_ops()
        return SessionRunArgs(requests)

    def after_run(self, run_context, run_values):
        if not self._summary_writer:
            return
        step = _step(run_values.results['global_step']) + 1
        if self._next_step is None or self._request_summary:
            step = _step(run_context.session.run(self._global_step_tensor))
        if self._next_step is None:
            self._summary_writer.add_session_log(
                _protos.SessionLog(status=_protos.SessionLog.START), step)
        if self._request_summary:
            self._timer.update_last_triggered_step(step)
            for summary in run_values.results.get('summary', ()):
                self._summary_writer.add_summary(summary, step)
        self._next_step = step + 1

    def end(self, session=None):
        if self._summary_writer:
            self._summary_writer.flush()


class StepCounterHook(SessionRunHook):
    """Writes the steps per second (`global_step/sec`) every
    `every_n_steps` steps or `every_n_secs` seconds."""

    def __init__(self, every_n_steps=100, every_n_secs=None, output_dir=None,
                 summary_writer=None):
        if (every_n_steps is None) == (every_n_secs is None):
            raise ValueError('exactly one of every_n_steps and every_n_secs '
                             'should be provided.')
        self._timer = SecondOrStepTimer(every_steps=every_n_steps,
                                        every_secs=every_n_secs)
        self._summary_writer = summary_writer
        self._output_dir = output_dir
        self._steps_per_run = 1

    def begin(self):
        if self._summary_writer is None and self._output_dir:
            self._summary_writer = _summaries.FileWriterCache.get(
                self._output_dir)
        self._global_step_tensor = _global_step('StepCounterHook')
        self._summary_tag = self._global_step_tensor.name.split(':')[0] + \
            '/sec'

    def before_run(self, run_context):
        return SessionRunArgs(self._global_step_tensor)

    def after_run(self, run_context, run_values):
        stale = _step(run_values.results)
        if not self._timer.should_trigger_for_step(stale +
                                                   self._steps_per_run):
            return
        step = _step(run_context.session.run(self._global_step_tensor))
        if self._timer.should_trigger_for_step(step):
            elapsed_time, elapsed_steps = \
                self._timer.update_last_triggered_step(step)
            if elapsed_time is not None:
                rate = elapsed_steps / elapsed_time
                if self._summary_writer is not None:
                    self._summary_writer.add_summary(_protos.Summary(value=[
                        _protos.Summary.Value(tag=self._summary_tag,
                                              simple_value=rate)]), step)
                _info('%s: %g', self._summary_tag, rate)


class FinalOpsHook(SessionRunHook):
    """Runs `final_ops` when the session ends; `final_ops_values` holds
    their values."""

    def __init__(self, final_ops, final_ops_feed_dict=None):
        self._final_ops = final_ops
        self._final_ops_feed_dict = final_ops_feed_dict
        self._final_ops_values = None

    @property
    def final_ops_values(self):
        return self._final_ops_values

    def end(self, session):
        if self._final_ops is not None:
            self._final_ops_values = session.run(
                self._final_ops, feed_dict=self._final_ops_feed_dict)


class FeedFnHook(SessionRunHook):
    """Adds `feed_fn()` (a feed_dict) to each run."""

    def __init__(self, feed_fn):
        self.feed_fn = feed_fn

    def before_run(self, run_context):
        return SessionRunArgs(fetches=None, feed_dict=self.feed_fn())


# ------------------------------------------------------------- sessions
class Scaffold(object):
    """What a monitored session is made with: `init_fn(scaffold,
    session)` run when no checkpoint is restored, `saver` (the SAVERS
    collection's or a new one of every global variable) and
    `summary_op` (every summary merged), filled in by `finalize()`;
    `copy_from_scaffold` supplies the fields not given. Variables here
    hold their values from creation on, so `ready_op` and
    `ready_for_local_init_op` (kept for reading) always find them
    ready."""

    _FIELDS = ('init_op', 'init_feed_dict', 'init_fn', 'ready_op',
               'ready_for_local_init_op', 'local_init_op', 'summary_op',
               'saver', 'local_init_feed_dict')

    def __init__(self, init_op=None, init_feed_dict=None, init_fn=None,
                 ready_op=None, ready_for_local_init_op=None,
                 local_init_op=None, summary_op=None, saver=None,
                 copy_from_scaffold=None, local_init_feed_dict=None):
        given = dict(locals())
        if copy_from_scaffold is not None:
            if not isinstance(copy_from_scaffold, Scaffold):
                raise TypeError('copy_from_scaffold is not a Scaffold '
                                'instance.')
            for name in self._FIELDS:
                if given[name] is None:
                    given[name] = getattr(copy_from_scaffold, name)
        for name in self._FIELDS:
            setattr(self, '_' + name, given[name])
        self._finalized = False

    init_fn = property(lambda self: self._init_fn)
    init_op = property(lambda self: self._init_op)
    init_feed_dict = property(lambda self: self._init_feed_dict)
    ready_op = property(lambda self: self._ready_op)
    ready_for_local_init_op = property(
        lambda self: self._ready_for_local_init_op)
    local_init_op = property(lambda self: self._local_init_op)
    local_init_feed_dict = property(lambda self: self._local_init_feed_dict)
    summary_op = property(lambda self: self._summary_op)
    saver = property(lambda self: self._saver)

    def finalize(self):
        """Fills in the summary op and the saver; returns the scaffold."""
        if self._finalized:
            return self
        tf = _tf()
        if self._summary_op is None:
            self._summary_op = _summaries.merge_all()
        if self._local_init_op is None:
            self._local_init_op = Scaffold.default_local_init_op()
        if self._saver is None:
            savers = tf.get_collection(tf.GraphKeys.SAVERS)
            if savers:
                self._saver = savers[0]
            else:
                self._saver = tf.train.Saver(allow_empty=True)
                tf.add_to_collection(tf.GraphKeys.SAVERS, self._saver)
        self._finalized = True
        return self

    @staticmethod
    def default_local_init_op():
        return _tf().local_variables_initializer()


class ChiefSessionCreator(object):
    """Makes the session: restores the latest checkpoint of
    `checkpoint_dir` (or `checkpoint_filename_with_path`) when there is
    one, else runs the scaffold's init op and `init_fn`."""

    def __init__(self, scaffold=None, master='', config=None,
                 checkpoint_dir=None, checkpoint_filename_with_path=None):
        self._scaffold = scaffold or Scaffold()
        self._config = config
        self._checkpoint_dir = checkpoint_dir
        self._checkpoint_path = checkpoint_filename_with_path

    def _restore_path(self):
        if self._checkpoint_path:
            return self._checkpoint_path
        if self._checkpoint_dir:
            return _tf().train.latest_checkpoint(self._checkpoint_dir)
        return None

    def create_session(self):
        """The new session, its variables restored or initialised."""
        tf = _tf()
        self._scaffold.finalize()
        session = tf.Session(config=self._config)
        path = self._restore_path()
        if path:
            self._scaffold.saver.restore(session, path)
        else:
            if self._scaffold.init_op is not None:
                session.run(self._scaffold.init_op,
                            feed_dict=self._scaffold.init_feed_dict)
            if self._scaffold.init_fn is not None:
                self._scaffold.init_fn(self._scaffold, session)
        if self._scaffold.local_init_op is not None:
            session.run(self._scaffold.local_init_op,
                        feed_dict=self._scaffold.local_init_feed_dict)
        return session


class WorkerSessionCreator(ChiefSessionCreator):
    """Makes the session of a worker (no restore: the chief's job)."""

    def __init__(self, scaffold=None, master='', config=None,
                 max_wait_secs=30 * 60):
        ChiefSessionCreator.__init__(self, scaffold, master, config)


class StepContext(object):
    """What `run_step_fn(step_fn)` passes: `session` (raw),
    `run_with_hooks(...)` and `request_stop()`."""

    def __init__(self, session, run_with_hooks_fn):
        self._session = session
        self._run_with_hooks_fn = run_with_hooks_fn

    session = property(lambda self: self._session)

    def run_with_hooks(self, *args, **kwargs):
        return self._run_with_hooks_fn(*args, **kwargs)

    def request_stop(self):
        """Ends the loop: StopIteration, which the `with` block of the
        monitored session takes quietly."""
        raise StopIteration('step_fn has requested the iterations to '
                            'stop.')


class MonitoredSession(object):
    """A session whose runs call the hooks: `run(fetches, feed_dict)`,
    `should_stop()`, `close()`, a context manager that ends quietly on
    OutOfRangeError. Its queue runners are started."""

    def __init__(self, session_creator=None, hooks=None,
                 stop_grace_period_secs=120):
        self._hooks = list(hooks or [])
        for hook in self._hooks:
            hook.begin()
        creator = session_creator or ChiefSessionCreator()
        self._tf_session = creator.create_session()
        tf = _tf()
        self._coord = tf.train.Coordinator()
        self._threads = tf.train.start_queue_runners(self._tf_session,
                                                     self._coord)
        for hook in self._hooks:
            hook.after_create_session(self._tf_session, self._coord)
        self._stop = False
        self._closed = False

    @property
    def graph(self):
        return self._tf_session.graph

    def _tf_sess(self):
        return self._tf_session

    def should_stop(self):
        """Whether a hook requested a stop, the coordinator stopped, or
        the session is closed."""
        return self._closed or self._stop or self._coord.should_stop()

    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """The values of `fetches`, in a run that also fetches and feeds
        what the hooks' `before_run` asked for."""
        if self.should_stop():
            raise RuntimeError('Run called even after should_stop '
                               'requested.')
        context = SessionRunContext(SessionRunArgs(fetches, feed_dict),
                                    self._tf_session)
        requests = [hook.before_run(context) for hook in self._hooks]
        actual, feeds = {'caller': fetches}, {}
        for i, request in enumerate(requests):
            if request is None:
                continue
            if request.fetches is not None:
                actual[i] = request.fetches
            if request.feed_dict:
                _check_disjoint(feeds, request.feed_dict,
                                'Same tensor is fed by two hooks.')
                feeds.update(request.feed_dict)
        if feeds and feed_dict:
            _check_disjoint(feed_dict, feeds, 'Same tensor is fed by a '
                            'SessionRunHook and user.')
        feeds.update(feed_dict or {})
        outputs = self._tf_session.run(actual, feed_dict=feeds or None)
        for i, hook in enumerate(self._hooks):
            hook.after_run(context, SessionRunValues(
                results=outputs.get(i), options=options,
                run_metadata=run_metadata))
        self._stop = self._stop or context.stop_requested
        return outputs['caller']

    def run_step_fn(self, step_fn):
        """`step_fn(step_context)`'s value (`step_fn` a function of
        `step_context`, or a method of it)."""
        import inspect
        names = tuple(inspect.signature(step_fn).parameters)
        if inspect.ismethod(step_fn):
            names = ('self',) + names
        if names not in (('step_context',), ('self', 'step_context')):
            raise ValueError(
                '`step_fn` may either have one `step_context` argument, or '
                '`self` and `step_context` arguments if it\'s an instance '
                'method. Got %s instead.' % (names,))
        return step_fn(StepContext(self._tf_session, self.run))

    def close(self):
        self._close(None)

    def _close(self, exception_type):
        if self._closed:
            raise RuntimeError('Session is already closed.')
        try:
            if exception_type is None:
                for hook in self._hooks:
                    hook.end(self._tf_session)
        finally:
            self._closed = True
            self._coord.request_stop()
            self._tf_session.close()

    def __enter__(self):
        return self

    def __exit__(self, exception_type, exception_value, traceback):
        if exception_type is not None and (
                issubclass(exception_type, StopIteration) or
                issubclass(exception_type, _tf().errors.OutOfRangeError)):
            exception_type = None
        self._close(exception_type)
        return exception_type is None


def _check_disjoint(first, second, message):
    common = [key for key in second if any(key is k for k in first)]
    if common:
        raise RuntimeError('%s Conflict(s): %s' % (message, common))


class SingularMonitoredSession(MonitoredSession):
    """A monitored session made by a ChiefSessionCreator; `raw_session()`
    is the plain session."""

    def __init__(self, hooks=None, scaffold=None, master='', config=None,
                 checkpoint_dir=None, stop_grace_period_secs=120,
                 checkpoint_filename_with_path=None):
        MonitoredSession.__init__(
            self, ChiefSessionCreator(
                scaffold=scaffold, master=master, config=config,
                checkpoint_dir=checkpoint_dir,
                checkpoint_filename_with_path=checkpoint_filename_with_path),
            hooks, stop_grace_period_secs)

    def raw_session(self):
        return self._tf_session


_USE_DEFAULT = object()


def _pick(steps, secs, default_steps, default_secs):
    if steps is _USE_DEFAULT and secs is _USE_DEFAULT:
        return default_steps, default_secs
    return (None if steps is _USE_DEFAULT else steps,
            None if secs is _USE_DEFAULT else secs)


def MonitoredTrainingSession(master='', is_chief=True, checkpoint_dir=None,
                             scaffold=None, hooks=None,
                             chief_only_hooks=None,
                             save_checkpoint_secs=_USE_DEFAULT,
                             save_summaries_steps=_USE_DEFAULT,
                             save_summaries_secs=_USE_DEFAULT, config=None,
                             stop_grace_period_secs=120,
                             log_step_count_steps=100, max_wait_secs=7200,
                             save_checkpoint_steps=_USE_DEFAULT,
                             summary_dir=None, save_graph_def=True):
    """tf.train.MonitoredTrainingSession: a MonitoredSession restoring
    from and saving checkpoints to `checkpoint_dir` (every 600 seconds
    by default), writing the summaries every 100 steps and the steps per
    second every `log_step_count_steps` to `summary_dir` (the checkpoint
    directory by default); the built-in hooks run before `hooks`."""
    summary_steps, summary_secs = _pick(save_summaries_steps,
                                        save_summaries_secs, 100, None)
    checkpoint_steps, checkpoint_secs = _pick(
        save_checkpoint_steps, save_checkpoint_secs, None, 600)
    scaffold = scaffold or Scaffold()
    if not is_chief:
        return MonitoredSession(WorkerSessionCreator(scaffold, master,
                                                     config), hooks)
    all_hooks = list(chief_only_hooks or [])
    creator = ChiefSessionCreator(scaffold=scaffold, master=master,
                                  config=config,
                                  checkpoint_dir=checkpoint_dir)
    summary_dir = summary_dir or checkpoint_dir
    if summary_dir:
        if log_step_count_steps and log_step_count_steps > 0:
            all_hooks.append(StepCounterHook(
                output_dir=summary_dir, every_n_steps=log_step_count_steps))
        if (summary_steps and summary_steps > 0) or \
                (summary_secs and summary_secs > 0):
            all_hooks.append(SummarySaverHook(
                scaffold=scaffold, save_steps=summary_steps,
                save_secs=summary_secs, output_dir=summary_dir))
    if checkpoint_dir and ((checkpoint_secs and checkpoint_secs > 0) or
                           (checkpoint_steps and checkpoint_steps > 0)):
        all_hooks.append(CheckpointSaverHook(
            checkpoint_dir, save_steps=checkpoint_steps,
            save_secs=checkpoint_secs, scaffold=scaffold))
    all_hooks.extend(hooks or [])
    return MonitoredSession(creator, all_hooks, stop_grace_period_secs)


def install(train):
    """Puts the monitored sessions and hooks on `tf.train`."""
    for name in ('SessionRunArgs', 'SessionRunValues', 'SessionRunContext',
                 'SessionRunHook', 'SecondOrStepTimer', 'StopAtStepHook',
                 'LoggingTensorHook', 'NanTensorHook', 'NanLossDuringTraining'
                 'Error', 'CheckpointSaverListener', 'CheckpointSaverHook',
                 'SummarySaverHook', 'StepCounterHook', 'FinalOpsHook',
                 'FeedFnHook', 'Scaffold', 'ChiefSessionCreator',
                 'WorkerSessionCreator', 'MonitoredSession',
                 'SingularMonitoredSession', 'MonitoredTrainingSession'):
        setattr(train, name, globals()[name])
    train.SummaryWriterCache = _summaries.FileWriterCache
