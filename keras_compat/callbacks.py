"""Keras 2 callbacks: the `Callback` protocol, `History`, the progress bar
logger and the standard training callbacks (EarlyStopping,
ModelCheckpoint, ReduceLROnPlateau, LearningRateScheduler, CSVLogger,
LambdaCallback, TerminateOnNaN, RemoteMonitor, TensorBoard,
BackupAndRestore)."""
import collections
import csv
import io
import json
import os
import time
import warnings

import numpy as np
import torch

from . import backend as K

# Keras 2.3 made `keras.callbacks` a package (`keras.callbacks.callbacks`,
# `.tensorboard_v1`, `.tensorboard_v2`): those paths import this module.
__path__ = []
from .utils.generic_utils import Progbar

_BATCH_METHODS = {
    'train': ('on_train_batch_begin', 'on_train_batch_end'),
    'test': ('on_test_batch_begin', 'on_test_batch_end'),
    'predict': ('on_predict_batch_begin', 'on_predict_batch_end'),
}



def _formatting_logs(logs):
    if isinstance(logs, Logs):
        return logs.with_aliases()
    return logs


def _logged_value(callback, logs, name):
    """`logs[name]`, also under the other Keras spelling of a metric name
    ('val_acc' for 'val_accuracy', 'mse' for 'mean_squared_error', ...),
    so Keras 2.2 scripts monitoring 'val_acc' work."""
    value = logs.get(name)
    if value is None:
        model = getattr(callback, 'model', None)
        tracker = getattr(model, '_metrics_tracker', None)
        aliases = tracker.history_aliases if tracker is not None else {}
        if name in aliases:
            value = logs.get(aliases[name])
    return value

# The Keras 2.2 and tf.keras spellings of accuracy answer for each other.
_ACCURACY_ALIASES = {'acc': 'accuracy', 'accuracy': 'acc',
                     'val_acc': 'val_accuracy', 'val_accuracy': 'val_acc'}


def _model_aliases(model):
    tracker = getattr(model, '_metrics_tracker', None)
    aliases = dict(_ACCURACY_ALIASES)
    if tracker is not None:
        aliases.update(tracker.history_aliases)
    return aliases


class _AliasedDict(dict):
    """A dict whose reads also answer to the other Keras spelling of a key
    ('val_acc' for 'val_accuracy', ...) given by `_aliases()`; iterating
    lists only the keys stored."""

    def _aliases(self):
        return _ACCURACY_ALIASES

    def _other(self, key):
        other = self._aliases().get(key)
        if other is not None and dict.__contains__(self, other):
            return other
        return None

    def __missing__(self, key):
        other = self._other(key)
        if other is None:
            raise KeyError(key)
        return dict.__getitem__(self, other)

    def get(self, key, default=None):
        if dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        other = self._other(key)
        return dict.__getitem__(self, other) if other else default

    def __contains__(self, key):
        return dict.__contains__(self, key) or self._other(key) is not None


class Logs(_AliasedDict):
    """Epoch logs. Reading also answers to the other Keras spelling of a
    logged metric ('val_acc' for 'val_accuracy', 'mean_squared_error' for
    'mse'), so Keras 2.2 and tf.keras callbacks both find their keys;
    iterating lists only the names logged (CSVLogger's columns)."""

    def __init__(self, base=(), model=None):
        dict.__init__(self, base)
        self.__dict__['_model'] = model

    def _aliases(self):
        return _model_aliases(self.__dict__.get('_model'))

    def __reduce__(self):
        # Copied or pickled, logs are the plain dict of what was logged
        # (without the model they read aliases from).
        return (dict, (dict(self.items()),))

    def with_aliases(self):
        """A plain dict of the logs plus each alias of a logged name (for
        formatting a file name such as '{val_acc:.2f}')."""
        out = {alias: dict.__getitem__(self, name)
               for alias, name in self._aliases().items()
               if dict.__contains__(self, name)}
        out.update(self)
        return out


def epoch_logs(model):
    """Empty `Logs` answering to the aliases of `model`'s metric names."""
    return Logs(model=model)


class BatchLogs(Logs):
    """Batch logs whose metric values are read from the device only when a
    callback looks at them (so the loop never waits otherwise). A training
    batch's 'loss' is that batch's loss, as in Keras 2 (LR finders read
    it); `running` gives the epoch's running values the progress bar
    shows."""

    def __init__(self, base, lazy=None, model=None, running=None):
        Logs.__init__(self, base, model)
        self._lazy = lazy
        self._running = running

    def running_values(self):
        """The epoch's running values (the logs themselves when the
        batch has no others)."""
        running = self.__dict__.get('_running')
        if running is None:
            return self
        values = dict(running())
        values.update((k, v) for k, v in dict.items(self)
                      if k in ('batch', 'size'))
        return values

    def _load(self):
        lazy = self.__dict__.get('_lazy')
        if lazy is not None:
            self._lazy = None
            dict.update(self, lazy())

    def __getitem__(self, key):
        self._load()
        return Logs.__getitem__(self, key)

    def get(self, key, default=None):
        self._load()
        return Logs.get(self, key, default)

    def __contains__(self, key):
        self._load()
        return Logs.__contains__(self, key)

    def __iter__(self):
        self._load()
        return dict.__iter__(self)

    def __len__(self):
        self._load()
        return dict.__len__(self)

    def keys(self):
        self._load()
        return dict.keys(self)

    def items(self):
        self._load()
        return dict.items(self)

    def values(self):
        self._load()
        return dict.values(self)

    def copy(self):
        self._load()
        return dict(dict.items(self))

    def __repr__(self):
        self._load()
        return dict.__repr__(self)


class Callback(object):
    """Base class of callbacks; `self.model` and `self.params` are set by
    the training loop before `on_train_begin`."""

    def __init__(self):
        self.validation_data = None
        self.model = None
        self.params = {}

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self.model = model

    def on_batch_begin(self, batch, logs=None):
        """Called at the start of a training batch (Keras 2 name)."""

    def on_batch_end(self, batch, logs=None):
        """Called at the end of a training batch (Keras 2 name)."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of an epoch."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of an epoch with the epoch's logs."""

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Called at the start of an evaluation batch."""

    def on_test_batch_end(self, batch, logs=None):
        """Called at the end of an evaluation batch."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called at the start of a prediction batch."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called at the end of a prediction batch."""

    def on_train_begin(self, logs=None):
        """Called at the start of training."""

    def on_train_end(self, logs=None):
        """Called at the end of training."""

    def on_test_begin(self, logs=None):
        """Called at the start of evaluation."""

    def on_test_end(self, logs=None):
        """Called at the end of evaluation."""

    def on_predict_begin(self, logs=None):
        """Called at the start of prediction."""

    def on_predict_end(self, logs=None):
        """Called at the end of prediction."""


def _overrides(callback, names, mode):
    """Whether `callback` takes `mode`'s batch events: as tf.keras asks,
    its `_implements_<mode>_batch_hooks()` where it defines one, else
    whether it defines a batch method (on the class or, set in `__init__`,
    `on_train_begin` or `on_epoch_begin`, on the instance)."""
    implements = getattr(callback, '_implements_%s_batch_hooks' % mode, None)
    if callable(implements):
        return bool(implements())
    for name in names:
        if name in callback.__dict__:
            return True
        method = getattr(type(callback), name, None)
        if method is not None and method is not getattr(Callback, name):
            return True
    return False


class CallbackList(object):
    """Dispatches events to a list of callbacks. Batch events only go to
    callbacks that define a batch method. As in tf.keras, `add_history`
    and `add_progbar` append a `History` and a `ProgbarLogger('steps')`
    unless the list holds one, `model` goes to `set_model` (which also
    makes the History `model.history`) and further keywords to
    `set_params`."""

    def __init__(self, callbacks=None, add_history=False, add_progbar=False,
                 model=None, **params):
        self.callbacks = list(callbacks or [])
        self._history = next((c for c in self.callbacks
                              if isinstance(c, History)), None) \
            if add_history else None
        if add_history and self._history is None:
            self._history = History()
            self.callbacks.append(self._history)
        if add_progbar and not any(isinstance(c, ProgbarLogger)
                                   for c in self.callbacks):
            self.callbacks.append(ProgbarLogger(count_mode='steps'))
        self._refresh()
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def _refresh(self):
        self._batch_targets = {}
        for mode, (begin, end) in _BATCH_METHODS.items():
            names_begin = (begin, 'on_batch_begin') if mode == 'train' \
                else (begin,)
            names_end = (end, 'on_batch_end') if mode == 'train' else (end,)
            self._batch_targets[(mode, 'begin')] = [
                (c, begin) for c in self.callbacks
                if _overrides(c, names_begin, mode)]
            self._batch_targets[(mode, 'end')] = [
                (c, end) for c in self.callbacks
                if _overrides(c, names_end, mode)]

    def append(self, callback):
        self.callbacks.append(callback)
        self._refresh()

    def set_params(self, params):
        self.params = params
        for callback in self.callbacks:
            callback.set_params(params)

    def set_model(self, model):
        self.model = model
        if getattr(self, '_history', None) is not None:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    def wants_batch(self, mode, when):
        return bool(self._batch_targets[(mode, when)])

    def batch_hook(self, mode, when, batch, logs):
        # Looked up per call: a callback may replace its batch method
        # as it goes (tqdm's TqdmCallback makes one per epoch).
        for callback, name in self._batch_targets[(mode, when)]:
            getattr(callback, name)(batch, logs)

    def _all(self, name, *args):
        for callback in self.callbacks:
            getattr(callback, name)(*args)

    def on_epoch_begin(self, epoch, logs=None):
        self._all('on_epoch_begin', epoch, logs if logs is not None else {})
        self._refresh()

    def on_epoch_end(self, epoch, logs=None):
        self._all('on_epoch_end', epoch, logs if logs is not None else {})

    def on_batch_begin(self, batch, logs=None):
        self.batch_hook('train', 'begin', batch, logs or {})

    def on_batch_end(self, batch, logs=None):
        self.batch_hook('train', 'end', batch, logs or {})

    def on_train_batch_begin(self, batch, logs=None):
        self.batch_hook('train', 'begin', batch, logs or {})

    def on_train_batch_end(self, batch, logs=None):
        self.batch_hook('train', 'end', batch, logs or {})

    def on_test_batch_begin(self, batch, logs=None):
        self.batch_hook('test', 'begin', batch, logs or {})

    def on_test_batch_end(self, batch, logs=None):
        self.batch_hook('test', 'end', batch, logs or {})

    def on_predict_batch_begin(self, batch, logs=None):
        self.batch_hook('predict', 'begin', batch, logs or {})

    def on_predict_batch_end(self, batch, logs=None):
        self.batch_hook('predict', 'end', batch, logs or {})

    def on_train_begin(self, logs=None):
        self._all('on_train_begin', logs if logs is not None else {})
        self._refresh()

    def on_train_end(self, logs=None):
        self._all('on_train_end', logs if logs is not None else {})

    def on_test_begin(self, logs=None):
        self._all('on_test_begin', logs if logs is not None else {})

    def on_test_end(self, logs=None):
        self._all('on_test_end', logs if logs is not None else {})

    def on_predict_begin(self, logs=None):
        self._all('on_predict_begin', logs if logs is not None else {})

    def on_predict_end(self, logs=None):
        self._all('on_predict_end', logs if logs is not None else {})

    def __iter__(self):
        return iter(self.callbacks)

    def _close_resources(self):
        """Closes what the callbacks hold open (files, writers) after a
        call ended with an exception or Ctrl-C, which gives them no
        `on_train_end` (tf.keras calls none either). A failure here is
        warned about, never raised over the exception being handled."""
        for callback in self.callbacks:
            close = getattr(callback, '_close_resources', None)
            if close is None:
                continue
            try:
                close()
            except Exception as error:  # the original error propagates
                warnings.warn('%s could not release its resources: %s: %s'
                              % (type(callback).__name__,
                                 type(error).__name__, error))


class BaseLogger(Callback):
    """Keras 2's epoch averager: at the end of an epoch, the logs get the
    average over its batches (weighted by their 'size') of each value the
    batch logs held, the last value for `stateful_metrics`. Scripts that
    drive a `CallbackList` by hand (GAN loops) rely on it. In `fit`, whose
    epoch logs already hold these averages, it changes nothing."""

    def __init__(self, stateful_metrics=None):
        super(BaseLogger, self).__init__()
        self.stateful_metrics = set(stateful_metrics or [])
        self.seen = 0
        self.totals = {}

    def on_epoch_begin(self, epoch, logs=None):
        self.seen = 0
        self.totals = {}

    def on_batch_end(self, batch, logs=None):
        if logs is None or isinstance(logs, BatchLogs):
            return
        size = logs.get('size', 0)
        self.seen += size
        for key, value in logs.items():
            if key in ('batch', 'size'):
                continue
            if key in self.stateful_metrics:
                self.totals[key] = value
            else:
                self.totals[key] = self.totals.get(key, 0.) + value * size

    def on_epoch_end(self, epoch, logs=None):
        if logs is None or not self.totals:
            return
        names = self.params.get('metrics') if self.params else None
        for key, total in self.totals.items():
            if names is not None and key not in names:
                continue
            if key in self.stateful_metrics:
                logs[key] = total
            elif self.seen:
                logs[key] = total / self.seen


class TerminateOnNaN(Callback):
    """Stops training when the loss becomes NaN or infinite."""

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        loss = logs.get('loss')
        if loss is not None:
            if np.isnan(loss) or np.isinf(loss):
                print('Batch %d: Invalid loss, terminating training' % batch)
                self.model.stop_training = True


def _empty_log_values(self, batch, logs=None):
    self.log_values = []


class ProgbarLogger(Callback):
    """Prints the Keras progress bar: `Epoch i/n`, then a bar per step
    with ETA and running averages (a line per epoch when stdout is not a
    terminal or verbose=2)."""

    def __init__(self, count_mode=None, stateful_metrics=None):
        super(ProgbarLogger, self).__init__()
        if count_mode is None:
            # Keras 2 counts samples by default (its subclasses read
            # `use_steps`); a tf.keras program's bar counts steps.
            count_mode = 'steps' if K.common.is_tf_keras() else 'samples'
        if count_mode not in ('samples', 'steps'):
            raise ValueError('Unknown `count_mode`: ' + str(count_mode))
        self.count_mode = count_mode
        # Keras 2's attributes, which ProgbarLogger subclasses use.
        self.use_steps = count_mode == 'steps'
        self.log_values = []
        self.stateful_metrics = set(stateful_metrics or [])
        self.progbar = None

    def __init_subclass__(cls, **kwargs):
        # A subclass written for Keras 2 fills `log_values` in its own
        # on_batch_end, which Keras 2's on_batch_begin emptied first. (The
        # base class keeps no batch-begin hook: fit calls none.)
        super(ProgbarLogger, cls).__init_subclass__(**kwargs)
        if cls.on_batch_begin is Callback.on_batch_begin:
            cls.on_batch_begin = _empty_log_values

    def on_train_begin(self, logs=None):
        self.verbose = self.params.get('verbose', 1)
        self.epochs = self.params.get('epochs', 1)

    def on_epoch_begin(self, epoch, logs=None):
        if not self.verbose:
            return
        from .utils import io_utils
        if self.epochs > 1 or not K.common.is_tf_keras():
            # tf.keras leaves out the 'Epoch 1/1' line of a one-epoch fit.
            io_utils.print_msg('Epoch %d/%d' % (epoch + 1, self.epochs))
        if not K.common.is_tf_keras():
            self._keras2_epoch_begin()
            return
        if self.count_mode == 'steps':
            target = self.params.get('steps')
            samples = self.params.get('samples')
            size = self.params.get('batch_size')
            if target is None and samples and size:
                # (Arrays without steps_per_epoch: Keras 2 passes no step
                # count.)
                target = -(-samples // size)
            unit = 'step'
        else:
            target = self.params.get('samples')
            unit = 'sample'
        self.target = target
        self.seen = 0
        self.progbar = Progbar(target=target, verbose=self.verbose,
                               stateful_metrics=self.stateful_metrics,
                               unit_name=unit)
        self._last = 0.

    def _keras2_epoch_begin(self):
        # Keras 2's loops count the samples of arrays given without
        # `steps_per_epoch`, the steps otherwise.
        samples = self.params.get('samples')
        self._count_samples = samples is not None and (
            self.count_mode == 'samples' or self.params.get('steps') is None)
        self.target = samples if self._count_samples else \
            self.params.get('steps')
        self.seen = 0
        self._first_size = None
        self._samples_seen = 0
        self._odd_batches = []
        self.progbar = Progbar(target=self.target, verbose=self.verbose,
                               stateful_metrics=self.stateful_metrics)

    def _keras2_batch_end(self, logs):
        size = dict.get(logs, 'size', 0)
        self.seen += size if self._count_samples else 1
        self._samples_seen += size
        if self._first_size is None:
            self._first_size = size
        elif size != self._first_size and not self._count_samples:
            # (Its own loss enters Keras 2's step-averaged loss.)
            self._odd_batches.append((size, logs.get('loss')))
        bar = self.progbar
        if self.target is not None and self.seen >= self.target:
            return
        if self.verbose == 1 and \
                time.time() - bar._last_update < bar.interval:
            return
        if self.verbose == 1 or self.target is None:
            bar.set_values(self.seen, self._keras2_values(
                logs.running_values() if isinstance(logs, BatchLogs)
                else logs))

    def _keras2_values(self, logs):
        """The values Keras 2's bar shows: those of `params['metrics']`
        (the model's, then the validation ones) found in the logs."""
        names = self.params.get('metrics')
        if names is None:
            return self._values(logs)
        return [(k, logs[k]) for k in names if k in logs]

    def _keras2_loss(self, loss):
        """The loss Keras 2's step-counting bar ends on: the mean of the
        batch losses and the epoch's loss, step-weighted (the epoch's loss
        itself when the batches are of one size)."""
        if not self._odd_batches or not self._first_size:
            return loss
        odd_sum = sum(v for _, v in self._odd_batches if v is not None)
        odd_weighted = sum(n * v for n, v in self._odd_batches
                           if v is not None)
        batch_sum = (loss * self._samples_seen - odd_weighted) / \
            self._first_size + odd_sum
        return (batch_sum + loss) / (self.seen + 1)

    def _keras2_epoch_end(self, logs):
        values = self._keras2_values(logs)
        if not self._count_samples:
            values = [(k, self._keras2_loss(v) if k == 'loss' else v)
                      for k, v in values]
        self.progbar.set_values(self.seen, values)

    def on_batch_end(self, batch, logs=None):
        if not self.verbose or self.progbar is None:
            return
        logs = logs if logs is not None else {}
        if not K.common.is_tf_keras():
            self._keras2_batch_end(logs)
            return
        if self.count_mode == 'steps':
            self.seen = batch + 1
        else:
            self.seen += dict.get(logs, 'size', 0)
        now = time.time()
        if self.verbose == 1 and self.progbar._dynamic_display and \
                now - self._last >= 0.1 and \
                (self.target is None or self.seen < self.target):
            self._last = now
            self.progbar.set_values(self.seen, self._values(logs))

    def _values(self, logs):
        if isinstance(logs, BatchLogs):
            logs = logs.running_values()
        return [(k, v) for k, v in logs.items()
                if k not in ('batch', 'size') and np.ndim(v) == 0]

    def on_epoch_end(self, epoch, logs=None):
        if not self.verbose or self.progbar is None:
            return
        if not K.common.is_tf_keras():
            self._keras2_epoch_end(logs or {})
            return
        target = self.target if self.target is not None else self.seen
        self.progbar.set_values(target, self._values(logs or {}))


class InferenceProgbar(object):
    """Standalone Keras 2's bar in evaluate and predict (drawn with
    verbose=1 only): it counts the samples of arrays given without `steps`
    (the steps otherwise) and shows no metric values. The loop calls it
    with each batch's size."""

    def __init__(self, batches, steps):
        samples = getattr(batches, 'num_samples', None)
        self.count_samples = samples is not None and \
            getattr(batches, 'steps', None) is None
        self.seen = 0
        self.progbar = Progbar(target=samples if self.count_samples
                               else steps)

    def __call__(self, size):
        self.seen += size if self.count_samples else 1
        self.progbar.update(self.seen)


class _HistoryDict(_AliasedDict):
    """History values; 'acc'/'val_acc' and 'accuracy'/'val_accuracy' answer
    for each other, so Keras 2.2 and tf.keras scripts both find them (and
    the other spellings of the model's metric names once fit has noted
    them in `_ALIASES`)."""

    _ALIASES = _ACCURACY_ALIASES

    def _aliases(self):
        return self._ALIASES

    def __reduce__(self):
        # Pickled as a plain dict (`pickle.dump(history.history, f)`
        # loads without keras_compat).
        return (dict, (dict(self),))


class History(Callback):
    """Records the epoch logs: `history.history['loss']` etc. Keras 2
    starts a new record at each fit; tf.keras's History keeps adding to
    its record, so one passed to several fits (`callbacks=[history]`)
    holds the epochs of them all (its `epoch` list is that of the last
    fit)."""

    def __init__(self):
        super(History, self).__init__()
        self.epoch = []
        self.history = _HistoryDict()

    def on_train_begin(self, logs=None):
        self.epoch = []
        if not K.common.is_tf_keras():
            self.history = _HistoryDict()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epoch.append(epoch)
        for k, v in logs.items():
            self.history.setdefault(k, []).append(v)


def _epoch_label(epoch):
    """'Epoch 00003' in Keras 2's messages, 'Epoch 3' in tf.keras's."""
    if K.common.is_tf_keras():
        return 'Epoch %d' % epoch
    return 'Epoch %05d' % epoch


def _mode_op(mode, monitor, cls_name):
    if mode not in ('auto', 'min', 'max'):
        warnings.warn('%s mode %s is unknown, fallback to auto mode.'
                      % (cls_name, mode), RuntimeWarning)
        mode = 'auto'
    if mode == 'min':
        return np.less
    if mode == 'max':
        return np.greater
    name = monitor.lower()
    if 'acc' in name or name.endswith('auc') or name.startswith('fmeasure'):
        return np.greater
    return np.less


class ModelCheckpoint(Callback):
    """Saves the model (or its weights) after every `period` epochs to
    `filepath`, which may hold `{epoch:02d}` and log keys such as
    `{val_loss:.2f}`; with `save_best_only` only improvements of `monitor`
    are written."""

    def __init__(self, filepath, monitor='val_loss', verbose=0,
                 save_best_only=False, save_weights_only=False,
                 mode='auto', period=1, save_freq='epoch',
                 initial_value_threshold=None, options=None, **kwargs):
        super(ModelCheckpoint, self).__init__()
        if 'load_weights_on_restart' in kwargs:
            raise NotImplementedError(
                'ModelCheckpoint(load_weights_on_restart=...) is not '
                'supported: call model.load_weights(filepath) before fit, '
                'or use BackupAndRestore.')
        if kwargs:
            raise TypeError('Unrecognized arguments: %s' % sorted(kwargs))
        if save_freq != 'epoch' and not (
                isinstance(save_freq, int) and save_freq > 0):
            raise ValueError("Unrecognized save_freq: %s. Expected save_freq "
                             "are 'epoch' or integer" % (save_freq,))
        if options is not None:
            raise NotImplementedError(
                'ModelCheckpoint(options=...): TensorFlow save options have '
                'no counterpart here; leave them out.')
        self.save_freq = save_freq
        self._batches_since_save = 0
        self._epoch = 0
        if save_freq != 'epoch':
            # tf.keras: every `save_freq` batches (an instance method, so
            # that only such a checkpoint asks for batch logs).
            self.on_train_batch_end = self._save_after_batches
        self.monitor = monitor
        self.verbose = verbose
        self.filepath = str(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.period = period
        self.epochs_since_last_save = 0
        self.monitor_op = _mode_op(mode, monitor, 'ModelCheckpoint')
        self.best = np.inf if self.monitor_op == np.less else -np.inf
        if initial_value_threshold is not None:
            self.best = initial_value_threshold

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def _save_after_batches(self, batch, logs=None):
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._checkpoint(self._epoch, dict(logs or {}), batch=batch + 1)

    def _save(self, filepath):
        try:
            if self.save_weights_only:
                self.model.save_weights(filepath, overwrite=True)
            else:
                self.model.save(filepath, overwrite=True)
        except IsADirectoryError as error:
            if not K.common.is_tf_keras():
                raise
            raise OSError('Please specify a non-directory filepath for '
                          'ModelCheckpoint. Filepath used is an existing '
                          'directory: %s' % filepath) from error

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq != 'epoch':
            return
        logs = logs or {}
        self.epochs_since_last_save += 1
        if self.epochs_since_last_save < self.period:
            return
        self.epochs_since_last_save = 0
        self._checkpoint(epoch, logs)

    def _checkpoint(self, epoch, logs, batch=None):
        fields = _formatting_logs(logs)
        if batch is not None:
            fields['batch'] = batch
        filepath = self._file_path(epoch, fields)
        if not self.save_best_only:
            if self.verbose > 0:
                print('\n%s: saving model to %s' % (_epoch_label(epoch + 1),
                                                   filepath))
            self._save(filepath)
            return
        current = _logged_value(self, logs, self.monitor)
        if current is None:
            warnings.warn('Can save best model only with %s available, '
                          'skipping.' % self.monitor, RuntimeWarning)
            return
        if self.monitor_op(current, self.best):
            if self.verbose > 0:
                print('\n%s: %s improved from %0.5f to %0.5f, saving '
                      'model to %s' % (_epoch_label(epoch + 1), self.monitor,
                                       self.best, current, filepath))
            self.best = current
            self._save(filepath)
        elif self.verbose > 0:
            print('\n%s: %s did not improve from %0.5f'
                  % (_epoch_label(epoch + 1), self.monitor, self.best))

    def _file_path(self, epoch, fields):
        """`filepath` formatted with the epoch (from 1) and the logs; a
        key missing from the logs is a KeyError (tf.keras's names the
        filepath)."""
        try:
            return self.filepath.format(epoch=epoch + 1, **fields)
        except KeyError as error:
            if not K.common.is_tf_keras():
                raise
            raise KeyError('Failed to format this callback filepath: "%s". '
                           'Reason: %s' % (self.filepath, error)) from error


class EarlyStopping(Callback):
    """Stops training when `monitor` has not improved by more than
    `min_delta` for `patience` epochs (tf.keras's rules, `baseline`
    included). With `restore_best_weights`, the weights of the best epoch
    are restored: in a tf.keras program when training ends (tf.keras
    2.11+), in a Keras 2 program when training stops early, and only
    then."""

    def __init__(self, monitor='val_loss', min_delta=0, patience=0,
                 verbose=0, mode='auto', baseline=None,
                 restore_best_weights=False, start_from_epoch=0):
        super(EarlyStopping, self).__init__()
        self.monitor = monitor
        self.baseline = baseline
        self.patience = patience
        self.verbose = verbose
        self.min_delta = abs(min_delta)
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = restore_best_weights
        self.best_weights = None
        self.start_from_epoch = start_from_epoch
        self.monitor_op = _mode_op(mode, monitor, 'EarlyStopping')
        if self.monitor_op == np.less:
            self.min_delta *= -1

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = np.inf if self.monitor_op == np.less else -np.inf
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        # tf.keras's rules: the best value is tracked apart from the
        # baseline, which only decides whether an improvement restarts
        # the patience count.
        current = self.get_monitor_value(logs or {})
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # The first epoch's weights, if none is ever better.
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or \
                    self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if not K.common.is_tf_keras():
                self._restore_keras2()

    def _restore_keras2(self):
        """Keras 2 restores the best weights when it stops training early,
        and only then (a run that reaches its last epoch keeps that
        epoch's weights)."""
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print('Restoring model weights from the end of the best '
                      'epoch')
            self.model.set_weights(self.best_weights)

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print('%s: early stopping' % _epoch_label(self.stopped_epoch + 1))
        if not K.common.is_tf_keras():
            return
        # tf.keras 2.11+: restored at the end of training, stopped early
        # or not.
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print('Restoring model weights from the end of the best '
                      'epoch: %d.' % (self.best_epoch + 1))
            self.model.set_weights(self.best_weights)

    def _is_improvement(self, monitor_value, reference_value):
        return self.monitor_op(monitor_value - self.min_delta,
                               reference_value)

    def get_monitor_value(self, logs):
        value = _logged_value(self, logs, self.monitor)
        if value is None:
            warnings.warn('Early stopping conditioned on metric `%s` which '
                          'is not available. Available metrics are: %s'
                          % (self.monitor, ','.join(list(logs.keys()))),
                          RuntimeWarning)
        return value


class RemoteMonitor(Callback):
    """Posts the epoch logs as JSON to `root + path` (needs `requests`)."""

    def __init__(self, root='http://localhost:9000',
                 path='/publish/epoch/end/', field='data', headers=None,
                 send_as_json=False):
        super(RemoteMonitor, self).__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json

    def on_epoch_end(self, epoch, logs=None):
        try:
            import requests
        except ImportError:
            raise ImportError('RemoteMonitor requires the `requests` '
                              'library (`pip install requests`).')
        send = {'epoch': epoch}
        for k, v in (logs or {}).items():
            send[k] = v.item() if isinstance(v, (np.ndarray, np.generic)) \
                else v
        try:
            if self.send_as_json:
                requests.post(self.root + self.path, json=send,
                              headers=self.headers)
            else:
                requests.post(self.root + self.path,
                              {self.field: json.dumps(send)},
                              headers=self.headers)
        except requests.exceptions.RequestException:
            warnings.warn('Warning: could not reach RemoteMonitor root '
                          'server at ' + str(self.root))


class LearningRateScheduler(Callback):
    """Sets the learning rate at the start of each epoch to
    `schedule(epoch, lr)` (or `schedule(epoch)`)."""

    def __init__(self, schedule, verbose=0):
        super(LearningRateScheduler, self).__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        if not hasattr(self.model.optimizer, 'lr'):
            raise ValueError('Optimizer must have a "lr" attribute.')
        lr = float(K.get_value(self.model.optimizer.lr))
        try:
            lr = self.schedule(epoch, lr)
        except TypeError:
            lr = self.schedule(epoch)
        if not isinstance(lr, (float, int, np.floating, np.integer)) and \
                np.ndim(lr) != 0:
            raise ValueError('The output of the "schedule" function should '
                             'be float.')
        K.set_value(self.model.optimizer.lr, float(lr))
        if self.verbose > 0:
            print('\n%s: LearningRateScheduler setting learning rate '
                  'to %s.' % (_epoch_label(epoch + 1), lr))

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs['lr'] = K.get_value(self.model.optimizer.lr)


def _reduced_lr(old_lr, factor):
    """`old_lr * factor` as each Keras computes it: in float64 from the
    float32 rate in Keras 2, in float32 in tf.keras."""
    if K.common.is_tf_keras():
        return float(np.float32(np.float32(old_lr) * np.float32(factor)))
    return float(old_lr) * factor


class ReduceLROnPlateau(Callback):
    """Multiplies the learning rate by `factor` when `monitor` has not
    improved for `patience` epochs (with `cooldown` and `min_lr`)."""

    def __init__(self, monitor='val_loss', factor=0.1, patience=10,
                 verbose=0, mode='auto', min_delta=1e-4, cooldown=0,
                 min_lr=0, **kwargs):
        super(ReduceLROnPlateau, self).__init__()
        self.monitor = monitor
        if factor >= 1.0:
            raise ValueError('ReduceLROnPlateau does not support a factor '
                             '>= 1.0.')
        if 'epsilon' in kwargs:
            min_delta = kwargs.pop('epsilon')
            warnings.warn('`epsilon` argument is deprecated and will be '
                          'removed, use `min_delta` instead.')
        if kwargs:
            raise TypeError('Unexpected keyword arguments: %s'
                            % sorted(kwargs))
        self.factor = factor
        self.min_lr = min_lr
        self.min_delta = min_delta
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0
        self.best = 0
        self.mode = mode
        self.monitor_op = None
        self._reset()

    def _reset(self):
        if self.mode not in ('auto', 'min', 'max'):
            warnings.warn('Learning Rate Plateau Reducing mode %s is unknown, '
                          'fallback to auto mode.' % self.mode,
                          RuntimeWarning)
            self.mode = 'auto'
        if self.mode == 'min' or (self.mode == 'auto' and
                                  'acc' not in self.monitor):
            self.monitor_op = lambda a, b: np.less(a, b - self.min_delta)
            self.best = np.inf
        else:
            self.monitor_op = lambda a, b: np.greater(a, b + self.min_delta)
            self.best = -np.inf
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs['lr'] = K.get_value(self.model.optimizer.lr)
        current = _logged_value(self, logs, self.monitor)
        if current is None:
            warnings.warn('%s conditioned on metric `%s` which is not '
                          'available. Available metrics are: %s'
                          % ('Learning rate reduction is'
                             if K.common.is_tf_keras()
                             else 'Reduce LR on plateau', self.monitor,
                             ','.join(list(logs.keys()))), RuntimeWarning)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self.monitor_op(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = K.get_value(self.model.optimizer.lr)
                if old_lr > np.float32(self.min_lr):
                    new_lr = max(_reduced_lr(old_lr, self.factor),
                                 self.min_lr)
                    K.set_value(self.model.optimizer.lr, new_lr)
                    if self.verbose > 0:
                        print('\n%s: ReduceLROnPlateau reducing '
                              'learning rate to %s.'
                              % (_epoch_label(epoch + 1), new_lr))
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

    def in_cooldown(self):
        return self.cooldown_counter > 0


class CSVLogger(Callback):
    """Writes one CSV row of epoch logs per epoch (`append=True` continues
    an existing file)."""

    def __init__(self, filename, separator=',', append=False):
        super(CSVLogger, self).__init__()
        self.sep = separator
        self.filename = str(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename, 'r') as f:
                    self.append_header = not bool(len(f.readline()))
            mode = 'a'
        else:
            mode = 'w'
        self.csv_file = io.open(self.filename, mode, newline='\n')

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}

        def handle_value(k):
            is_zero_dim_ndarray = isinstance(k, np.ndarray) and k.ndim == 0
            if isinstance(k, str):
                return k
            if isinstance(k, collections.abc.Iterable) and \
                    not is_zero_dim_ndarray:
                return '"[%s]"' % (', '.join(map(str, k)))
            return k

        if self.keys is None:
            self.keys = sorted(logs.keys())
            if K.common.is_tf_keras() and \
                    not any(k.startswith('val_') for k in self.keys):
                # tf.keras always writes the validation columns (NA
                # without validation, or on epochs validation skips).
                self.keys += ['val_' + k for k in self.keys]
        if self.model.stop_training:
            logs = dict((k, logs[k] if k in logs else 'NA')
                        for k in self.keys)
        if not self.writer:
            class CustomDialect(csv.excel):
                delimiter = self.sep
            self.writer = csv.DictWriter(self.csv_file,
                                         fieldnames=['epoch'] + self.keys,
                                         dialect=CustomDialect)
            if self.append_header:
                self.writer.writeheader()
        row = collections.OrderedDict({'epoch': epoch})
        row.update((key, handle_value(logs.get(key, 'NA')))
                   for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        self._close_resources()

    def _close_resources(self):
        """Closes the file (the rows of finished epochs are in it)."""
        self.writer = None
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()

    def __del__(self):
        csv_file = getattr(self, 'csv_file', None)
        if csv_file is not None and not csv_file.closed:
            csv_file.close()


class LambdaCallback(Callback):
    """A callback from plain functions: `on_epoch_begin(epoch, logs)`,
    `on_epoch_end(epoch, logs)`, `on_batch_begin(batch, logs)`,
    `on_batch_end(batch, logs)`, `on_train_begin(logs)`,
    `on_train_end(logs)`."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None,
                 on_batch_begin=None, on_batch_end=None,
                 on_train_begin=None, on_train_end=None, **kwargs):
        super(LambdaCallback, self).__init__()
        self.__dict__.update(kwargs)
        for name, fn in (('on_epoch_begin', on_epoch_begin),
                         ('on_epoch_end', on_epoch_end),
                         ('on_batch_begin', on_batch_begin),
                         ('on_batch_end', on_batch_end),
                         ('on_train_begin', on_train_begin),
                         ('on_train_end', on_train_end)):
            if fn is not None:
                setattr(self, name, fn)


class TensorBoard(Callback):
    """Writes TensorBoard event files through `torch.utils.tensorboard`
    (needs the `tensorboard` package), laid out as the Keras in use wrote
    them, so dashboards and resumed runs line up:

    - Keras 2: one run in `log_dir`, each log under its own name
      ('loss', 'val_loss') at the epoch; with `update_freq='batch'` or an
      integer (a number of samples) the batch logs, and then the epoch
      logs too, at the count of samples seen by this callback.
    - tf.keras: runs `train` and `validation` under `log_dir`, epoch logs
      as 'epoch_<name>' at the epoch (the 'val_' prefix dropped in
      `validation`, 'epoch_learning_rate' with a schedule), each
      evaluation as 'evaluation_<name>_vs_iterations' at the optimizer's
      iterations, and with `update_freq` 'batch' or an integer (of
      batches) 'batch_<name>' in `train` at the optimizer's iterations.

    Weight histograms every `histogram_freq` epochs."""

    _val_writer = None
    _tf_layout = False

    def __init__(self, log_dir='./logs', histogram_freq=0, batch_size=32,
                 write_graph=True, write_grads=False, write_images=False,
                 embeddings_freq=0, embeddings_layer_names=None,
                 embeddings_metadata=None, embeddings_data=None,
                 update_freq='epoch', profile_batch=0, **kwargs):
        super(TensorBoard, self).__init__()
        if embeddings_freq:
            raise NotImplementedError('TensorBoard(embeddings_freq=...) is '
                                      'not supported.')
        if write_grads and K.common.is_tf_keras():
            warnings.warn('`write_grads` will be ignored in TensorFlow 2.0 '
                          'for the `TensorBoard` Callback.')
            write_grads = False
        # As in Keras 2, gradient histograms and weight images are part of
        # the histograms: with histogram_freq=0 the flags do nothing.
        self.write_grads = bool(write_grads and histogram_freq)
        self.write_images = bool(write_images and histogram_freq)
        self.batch_size = batch_size
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            raise ImportError(
                'The TensorBoard callback needs the `tensorboard` package: '
                '`pip install tensorboard` (or `pip install '
                'keras-compat[tensorboard]`).')
        self._writer_cls = SummaryWriter
        self.log_dir = str(log_dir)
        self.histogram_freq = histogram_freq
        self.update_freq = update_freq
        self.write_graph = write_graph
        self._writer = None
        self._val_writer = None
        self._samples_seen = 0
        self._samples_seen_at_last_write = 0

    def on_train_begin(self, logs=None):
        self._close_resources()
        self._tf_layout = K.common.is_tf_keras()
        self._writer = self._writer_cls(log_dir=os.path.join(
            self.log_dir, 'train') if self._tf_layout else self.log_dir)

    def _validation_writer(self):
        if self._val_writer is None:
            self._val_writer = self._writer_cls(
                log_dir=os.path.join(self.log_dir, 'validation'))
        return self._val_writer

    def _iterations(self):
        return int(K.get_value(self.model.optimizer.iterations))

    def on_batch_end(self, batch, logs=None):
        if self.update_freq == 'epoch' or self._writer is None:
            return
        logs = logs or {}
        every = 1 if self.update_freq == 'batch' else int(self.update_freq)
        if self._tf_layout:
            step = self._iterations()
            if step % every == 0:
                _add_scalars(self._writer, 'batch_', logs, step)
            return
        self._samples_seen += dict.get(logs, 'size', 1)
        if self._samples_seen - self._samples_seen_at_last_write >= every:
            _add_scalars(self._writer, '', logs, self._samples_seen)
            self._samples_seen_at_last_write = self._samples_seen

    def on_test_end(self, logs=None):
        if not K.common.is_tf_keras() or not logs or \
                self.model is None or \
                getattr(self.model, 'optimizer', None) is None:
            return
        step = self._iterations()
        writer = self._validation_writer()
        for name, value in logs.items():
            if np.ndim(value) == 0:
                writer.add_scalar('evaluation_%s_vs_iterations' % name,
                                  float(value), step)
        writer.flush()

    def on_epoch_end(self, epoch, logs=None):
        if self._writer is None:
            return
        logs = dict(logs or {})
        if self._tf_layout:
            self._write_tf_keras_epoch(epoch, logs)
        else:
            step = epoch if self.update_freq == 'epoch' else \
                self._samples_seen
            _add_scalars(self._writer, '', logs, step)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._write_histograms(epoch)
        self._writer.flush()

    def _write_tf_keras_epoch(self, epoch, logs):
        train = {k: v for k, v in logs.items() if not k.startswith('val_')}
        validation = {k[4:]: v for k, v in logs.items()
                      if k.startswith('val_')}
        schedule = getattr(self.model.optimizer, '__dict__', {}).get(
            '_lr_schedule')
        if schedule is not None:
            from . import learning_rate_schedule as schedules
            train['learning_rate'] = schedules.rate_at(
                schedule, self._iterations())
        _add_scalars(self._writer, 'epoch_', train, epoch)
        if validation:
            writer = self._validation_writer()
            _add_scalars(writer, 'epoch_', validation, epoch)
            writer.flush()

    def _write_histograms(self, epoch):
        """Weight histograms; with write_grads the histograms of the
        loss gradients on the first `batch_size` validation samples, and
        with write_images each weight as an image, as Keras 2 wrote them."""
        weights = [w for layer in self.model.layers for w in layer.weights]
        grads = self._gradients(weights) if self.write_grads else None
        for i, weight in enumerate(weights):
            name = weight.name.replace(':', '_')
            value = weight.detach().cpu().numpy()
            # (tf.keras tags it 'dense/kernel_0/histogram'.)
            self._writer.add_histogram(
                name + '/histogram' if self._tf_layout else name, value,
                epoch)
            if grads is not None and grads[i] is not None:
                self._writer.add_histogram(name + '_grad', grads[i], epoch)
            if self.write_images:
                image = _weight_image(value)
                if image is not None:
                    self._writer.add_image(name, image, epoch,
                                           dataformats='HWC')

    def _gradients(self, weights):
        if not self.validation_data:
            raise ValueError('If printing histograms, validation_data must '
                             'be provided, and cannot be a generator.')
        from . import backend as K
        model = self.model
        trainable = {id(w) for w in model.trainable_weights}
        wanted = [w for w in weights if id(w) in trainable]
        if not wanted:
            return [None] * len(weights)
        fn = K.function(model.inputs + model.targets + model.sample_weights,
                        K.gradients(model.total_loss, wanted))
        data = [np.asarray(d)[:self.batch_size] for d in self.validation_data
                if d is not None]
        count = len(model.inputs) + len(model.targets)
        feeds = data[:count]
        for i in range(len(model.sample_weights)):
            feeds.append(data[count + i] if count + i < len(data) else
                         np.ones(len(feeds[0]), 'float32'))
        found = iter(fn(feeds))
        return [next(found) if id(w) in trainable else None
                for w in weights]

    def on_train_end(self, logs=None):
        self._close_resources()

    def _close_resources(self):
        writers = (self._writer, self._val_writer)
        self._writer = self._val_writer = None
        for writer in writers:
            if writer is not None:
                writer.close()


def _add_scalars(writer, prefix, logs, step):
    """Each scalar log (but Keras 2's 'batch' and 'size') as prefix+name
    at `step`."""
    for name, value in logs.items():
        if name in ('batch', 'size') or np.ndim(value) != 0:
            continue
        writer.add_scalar(prefix + name, float(value), step)


def _weight_image(value):
    """A weight as Keras 2's TensorBoard showed it: a 2-D kernel (a bias
    as one row), grey levels in height x width x 1; None for others."""
    value = np.squeeze(value)
    if value.ndim == 1:
        value = value[np.newaxis, :]
    elif value.ndim == 2 and value.shape[0] > value.shape[1]:
        value = value.T
    if value.ndim != 2:
        return None
    low, high = float(value.min()), float(value.max())
    scaled = (value - low) / (high - low) if high > low else \
        np.zeros_like(value)
    return scaled[:, :, np.newaxis].astype('float32')


class BackupAndRestore(Callback):
    """tf.keras's fault-tolerance callback: the model's weights, the
    optimizer state and the position in training are written in one atomic
    step to `backup_dir`, at the end of every epoch (`save_freq='epoch'`)
    or every `save_freq` batches (counted across epochs); a later `fit`
    with this callback (after a crash, a kill, a torchrun restart)
    restores them and goes on from there, its History holding only the
    epochs it runs. Resumed after batch `b` of an epoch, that epoch goes
    on with batch `b + 1` over the first batches of its data, as tf.keras
    resumes (it counts steps, it does not skip data).
    The backup is deleted when training ends normally (unless
    `delete_checkpoint=False`). Under torchrun rank 0 writes and every
    process reads."""

    FILENAME = 'backup.h5'

    def __init__(self, backup_dir, save_freq='epoch', delete_checkpoint=True,
                 save_before_preemption=False):
        super(BackupAndRestore, self).__init__()
        if not backup_dir:
            raise ValueError('Empty `backup_dir` argument passed')
        if save_before_preemption:
            raise NotImplementedError(
                'BackupAndRestore(save_before_preemption=True) saves when a '
                'TensorFlow cluster announces a preemption, which a torch '
                'run does not receive; use save_freq=N to back up every N '
                'batches.')
        if not save_freq:
            raise ValueError('Either `save_freq` or `save_before_preemption` '
                             'must be set.')
        if save_freq != 'epoch' and (
                not isinstance(save_freq, int) or isinstance(save_freq, bool)
                or save_freq < 0):
            raise ValueError("`save_freq` must be 'epoch' or a positive "
                             'integer, got %r.' % (save_freq,))
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.delete_checkpoint = delete_checkpoint
        self.save_before_preemption = save_before_preemption
        self._batches_count = 0
        self._current_epoch = 0
        if save_freq != 'epoch':
            # (Only then does the callback take batch events.)
            self.on_train_batch_end = self._count_batch

    @property
    def _path(self):
        return os.path.join(self.backup_dir, self.FILENAME)

    def on_train_begin(self, logs=None):
        from .saving import hdf5
        if not os.path.isfile(self._path):
            return
        model = self.model
        optimizer = getattr(model, 'optimizer', None)
        f, opened = hdf5._open_for_reading(self._path)
        try:
            epoch = int(f.attrs['epoch'])
            batch = int(f.attrs.get('batch', -1))
            hdf5.load_weights_from_hdf5_group(f['model_weights'],
                                              model.layers)
            if 'optimizer_weights' in f and self._has_state(optimizer):
                group = f['optimizer_weights']
                values = [np.asarray(group['weight_%d' % i])
                          for i in range(int(group.attrs['count']))]
                if optimizer._custom_updates:
                    model._make_train_function()
                optimizer.set_weights(values)
            if 'optimizer_hyperparameters' in f:
                _restore_hyperparameters(
                    optimizer, f['optimizer_hyperparameters'].attrs)
        finally:
            if opened:
                f.close()
        model._resume_epoch, model._resume_step = self._resume_point(
            epoch, batch)

    def _resume_point(self, epoch, batch):
        """(epoch, step) a fit restored from a backup made after `batch`
        of `epoch` (-1: at the end of the epoch) starts at."""
        if self.save_freq == 'epoch' or batch < 0:
            return epoch + 1, 0
        if batch == (self.params or {}).get('steps', 0) - 1:
            return epoch + 1, 0
        return epoch, batch + 1

    @staticmethod
    def _has_state(optimizer):
        from . import optimizers
        return isinstance(optimizer, optimizers.Optimizer) and \
            optimizer._attached

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def _count_batch(self, batch, logs=None):
        self._batches_count += 1
        if self._batches_count >= self.save_freq:
            self._batches_count = 0
            self._back_up(self._current_epoch, batch)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == 'epoch':
            self._back_up(epoch, -1)

    def _back_up(self, epoch, batch):
        from . import distributed
        from .saving import hdf5
        if not distributed.is_chief():
            return
        model = self.model
        optimizer = getattr(model, 'optimizer', None)
        values = [np.asarray(v) for v in optimizer.get_weights()] \
            if self._has_state(optimizer) else None

        def write(f):
            f.attrs['epoch'] = int(epoch)
            f.attrs['batch'] = int(batch)
            hdf5.save_weights_to_hdf5_group(f.create_group('model_weights'),
                                            model.layers)
            if values is not None:
                group = f.create_group('optimizer_weights')
                group.attrs['count'] = len(values)
                for i, value in enumerate(values):
                    group.create_dataset('weight_%d' % i, data=value)
            hypers = f.create_group('optimizer_hyperparameters')
            for name, tensor in _scalar_hyperparameters(optimizer).items():
                hypers.attrs[name] = float(tensor)
        hdf5._atomic_write(self._path, True, write)

    def on_train_end(self, logs=None):
        from . import distributed
        if not self.delete_checkpoint:
            return
        if distributed.is_chief():
            try:
                os.remove(self._path)
            except FileNotFoundError:
                pass
            try:
                os.rmdir(self.backup_dir)
            except OSError:   # not empty: other files are the user's
                pass
        if distributed.is_active():
            # No process starts another fit before the backup is gone.
            import torch.distributed as dist
            if dist.is_initialized():
                dist.barrier()


def _scalar_hyperparameters(optimizer):
    """The optimizer's hyperparameters held as scalar variables (the
    learning rate that ReduceLROnPlateau or K.set_value changed, momentum,
    decay, ...), by name; a Keras 2 get_updates optimizer's are its scalar
    float variable attributes."""
    if optimizer is None:
        return {}
    found = dict(optimizer.__dict__.get('_hyper') or {})
    for name, value in vars(optimizer).items():
        if name.startswith('_') or name == 'iterations' or name in found:
            continue
        if isinstance(value, torch.Tensor) and value.dim() == 0 and \
                value.is_floating_point():
            found[name] = value
    return {name: tensor for name, tensor in found.items()
            if isinstance(tensor, torch.Tensor) and tensor.dim() == 0}


def _restore_hyperparameters(optimizer, saved):
    current = _scalar_hyperparameters(optimizer)
    with torch.no_grad():
        for name, value in saved.items():
            if name in current:
                current[name].fill_(float(value))


def _experimental_module():
    """`keras.callbacks.experimental` (tf.keras 2.3-2.7's spelling)."""
    import types
    module = types.ModuleType(__name__ + '.experimental', 'tf.keras 2.3-'
                              '2.7\'s `callbacks.experimental` spellings.')
    module.BackupAndRestore = BackupAndRestore
    return module


experimental = _experimental_module()
