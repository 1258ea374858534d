"""The epoch and batch loops of `fit`, `evaluate` and `predict`, and the
callback plumbing around them (as Keras 2.3's `training_arrays` and
`training_generator`).

A loop takes batch iterators from `data_adapter` (each batch a
`data_adapter.Batch`: input, target and weight tensors on the device and
this process's share of the global batch), runs `training_step`'s step
functions on them and reports to the callbacks. The distributed
`Strategy` decides which callbacks run on this process, and sums the
metric states and gathers the predictions of all processes."""
import contextlib
import itertools
import sys
import warnings

import numpy as np
import torch

from .. import backend as K
from .. import callbacks as cbks
from .. import distributed
from ..backend import common, host_memory
from ..utils.generic_utils import unpack_singleton
from . import (batch_slicing, data_adapter, standardization, training_step,
               training_utils)


# ------------------------------------------------------------------ fit
def _fit_params(train_batches, batch_size, epochs, verbose, do_validation,
                names):
    """Keras 2's `callback.params`: for arrays, the samples and batch size
    and `steps` only when `steps_per_epoch` was given (None otherwise);
    for a generator or Sequence, `steps` without samples or batch size
    (LR schedules and progress bars tell the two apart by these keys).
    tf.keras's: only `verbose`, `epochs` and `steps`, always given."""
    if common.is_tf_keras():
        return {'verbose': verbose, 'epochs': epochs,
                'steps': data_adapter.known_steps(train_batches)}
    samples = getattr(train_batches, 'num_samples', None)
    if samples is not None:
        params = {'batch_size': batch_size, 'epochs': epochs,
                  'steps': getattr(train_batches, 'steps', None),
                  'samples': samples}
    else:
        params = {'epochs': epochs, 'steps': len(train_batches)}
    # (Keras 2.3's key order, which printed params show. Its fit_generator
    # lists the validation metrics with or without validation data.)
    params.update({'verbose': verbose, 'do_validation': do_validation,
                   'metrics': names + ['val_' + n for n in names]
                   if do_validation or samples is None else list(names)})
    return params


def _count_overrun_step(optimizer):
    """tf.keras 2.11+'s optimizers count one more iteration in the first
    epoch of a fit over data of unknown size: the step that finds the data
    at its end (its legacy optimizers do not)."""
    if getattr(optimizer, 'is_legacy_optimizer', None) is False:
        K.set_value(optimizer.iterations,
                    K.get_value(optimizer.iterations) + 1)


def fit_loop(model, train_batches, val_batches, epochs, verbose, callbacks,
             initial_epoch, validation_freq, batch_size=None):
    """Trains for `epochs` epochs; returns the model's `History`."""
    host_memory.reuse_freed_memory()
    model._check_trainable_weights_consistency()
    do_validation = val_batches is not None
    names = model.metrics_names
    params = _fit_params(train_batches, batch_size, epochs, verbose,
                         do_validation, names)
    samples = getattr(train_batches, 'num_samples', None)
    strategy = distributed.get_strategy()
    agree = strategy.stops_need_agreement(callbacks)
    callback_list = make_callbacks(model, callbacks, verbose, params)
    validation_arrays = getattr(val_batches, 'callback_data', None)
    if validation_arrays is not None and model.uses_learning_phase:
        # (Keras 2 fed its learning phase with them: 0.)
        validation_arrays = list(validation_arrays) + [0.]
    # Keras 2 hands callbacks the validation arrays (x..., y..., sample
    # weights..., and the learning phase for a model using one) as
    # `self.validation_data`; an empty list without validation arrays.
    # tf.keras leaves it None.
    if not common.is_tf_keras():
        for callback in callback_list:
            callback.validation_data = validation_arrays \
                if validation_arrays is not None else []
    training_utils.should_run_validation(validation_freq, 0)
    data_adapter.plan_epochs(train_batches, epochs - initial_epoch)
    unknown_size = common.is_tf_keras() and \
        data_adapter.reads_unknown_size(train_batches)
    model.stop_training = False
    completed = False
    epoch_logs = None
    val_samples = getattr(val_batches, 'num_samples', None)
    if verbose and val_samples is not None and samples is not None and \
            not common.is_tf_keras() and distributed.is_chief():
        # (Keras 2's fit on arrays with validation arrays.)
        print('Train on %d samples, validate on %d samples'
              % (samples, val_samples))
    try:
        callback_list.on_train_begin()
        # BackupAndRestore resumes where its backup was made.
        start = model._resume_epoch
        first_step = model._resume_step or 0
        model._resume_epoch = model._resume_step = None
        if first_step and hasattr(train_batches, 'continue_as_stream'):
            train_batches.continue_as_stream()
        for epoch in range(initial_epoch if start is None else start,
                           epochs):
            epoch_logs = cbks.epoch_logs(model)
            callback_list.on_epoch_begin(epoch, epoch_logs)
            steps = _train_epoch(model, train_batches, callback_list, agree,
                                 first_step, params.get('steps'))
            if epoch == initial_epoch and unknown_size:
                _count_overrun_step(model.optimizer)
            first_step = 0
            ran_out = data_adapter.ran_out(train_batches)
            if ran_out and not steps:
                # (tf.keras: the data ran out before this epoch began.)
                break
            epoch_logs.update(global_results(model))
            if do_validation and training_utils.should_run_validation(
                    validation_freq, epoch):
                # The validation run reports to the callbacks as a test
                # run, as in Keras 2.3.
                callback_list.on_test_begin()
                val_logs = evaluate_loop(model, val_batches, callback_list)
                callback_list.on_test_end(
                    val_logs if common.is_tf_keras() else None)
                for name, value in val_logs.items():
                    epoch_logs['val_' + name] = value
            _note_aliases(model)
            callback_list.on_epoch_end(epoch, epoch_logs)
            if distributed.is_active():
                # One flag per epoch: a stop decided from one process's
                # state ends the run everywhere.
                model.stop_training = strategy.agree_to_stop(
                    model.stop_training)
            if model.stop_training:
                break
            data_adapter.finish_epoch(train_batches)
            if ran_out:
                break
            if getattr(train_batches, 'dynamic_length', False):
                params['steps'] = len(train_batches)
                callback_list.set_params(params)
        completed = True
    finally:
        model._set_mode(False)
        if not completed:
            # An exception or Ctrl-C: the callbacks' files are closed, the
            # exception goes on as it was.
            callback_list._close_resources()
    if epoch_logs is not None and \
            getattr(model.optimizer, 'use_ema', False):
        # tf.keras 2.11+: the weights become their moving averages.
        model.optimizer.finalize_variable_values(model.trainable_weights)
    # (tf.keras hands on_train_end the last epoch's logs; Keras 2 none.)
    callback_list.on_train_end(epoch_logs if common.is_tf_keras() else None)
    return model.history


def loop_params(verbose, steps):
    """`callback.params` in evaluate and predict (tf.keras adds
    `epochs`: 1)."""
    params = {'verbose': verbose, 'steps': steps}
    if common.is_tf_keras():
        params['epochs'] = 1
    return params


def batch_log_keys(step, size=None):
    """What a batch's logs hold besides the metric values: Keras 2's
    'batch' and 'size'; nothing in tf.keras."""
    if common.is_tf_keras():
        return {}
    return {'batch': step} if size is None else {'batch': step, 'size': size}


def logged_size(batches, batch):
    """A Keras 2 batch log's 'size': the batch's samples, or 1 at each
    step over arrays given with `steps` (each step there feeds them
    all)."""
    if isinstance(batches, data_adapter.ArrayBatches) and \
            batches.steps is not None:
        return 1
    return int(batch.inputs[0].shape[0]) if batch.inputs else 1


def _train_epoch(model, batches, callback_list, agree_to_stop=False,
                 first_step=0, steps=None):
    """One pass over `batches`; returns the number of steps run. With
    `agree_to_stop` (several processes, callbacks acting per batch) the
    processes stop at the same step. An epoch resumed at `first_step` (of
    `steps`) numbers its batches from there and runs the rest of its steps
    on the first batches, as tf.keras resumes one."""
    model._metrics_tracker.reset()
    model._set_mode(training_phase())
    want_begin = callback_list.wants_batch('train', 'begin')
    want_end = callback_list.wants_batch('train', 'end')
    lazy = model._metrics_tracker.batch_results_dict
    running = model._metrics_tracker.results_dict
    if first_step:
        batches = itertools.islice(
            batches, None if steps is None else max(steps - first_step, 0))
    step = first_step - 1
    with common.loop_phase(1):
        for step, batch in enumerate(batches, first_step):
            size = logged_size(batches, batch)
            if want_begin:
                callback_list.batch_hook('train', 'begin', step,
                                         batch_log_keys(step, size))
                # The hook may have run predict or evaluate.
                model._set_mode(training_phase())
            training_step.train_step(model, batch)
            if want_end:
                # (Keras 2 logs the batch's own loss, tf.keras the epoch's
                # running mean.)
                logs = cbks.BatchLogs(batch_log_keys(step, size), running,
                                      model) if common.is_tf_keras() else \
                    cbks.BatchLogs({'batch': step, 'size': size}, lazy,
                                   model, running)
                callback_list.batch_hook('train', 'end', step, logs)
                if sys.getrefcount(logs) > 2:
                    # A callback kept the logs to read later: they hold
                    # this batch's values, read now.
                    logs._load()
                model._set_mode(training_phase())
            if agree_to_stop:
                model.stop_training = distributed.get_strategy(
                ).agree_to_stop(model.stop_training)
            if model.stop_training:
                break
    return step + 1 - first_step


def _note_aliases(model):
    """History answers to the other Keras spelling of each metric name."""
    aliases = model._metrics_tracker.history_aliases
    if model.history is not None and aliases:
        model.history.history._ALIASES = dict(
            model.history.history._ALIASES, **aliases)


def make_callbacks(model, callbacks, verbose, params, history=True):
    """The CallbackList of a fit: a progress bar, the user's callbacks and
    a new `History` (those that run on this process)."""
    callbacks, verbose, params = distributed.get_strategy().callbacks(
        callbacks, verbose, params)
    progbar = [cbks.ProgbarLogger(count_mode='steps')] if verbose else []
    if common.is_tf_keras():
        # tf.keras: the user's callbacks, then History, then the progress
        # bar (which shows what they added to the logs, such as 'lr'),
        # unless the user gave a ProgbarLogger.
        if any(isinstance(c, cbks.ProgbarLogger) for c in callbacks):
            progbar = []
        callback_objects = list(callbacks)
    else:
        callback_objects = progbar + list(callbacks)
        progbar = []
    if history:
        model.history = _given_history(callbacks) or cbks.History()
        if model.history not in callback_objects:
            callback_objects.append(model.history)
    callback_objects += progbar
    callback_list = cbks.CallbackList(callback_objects)
    callback_list.set_model(model)
    callback_list.set_params(params)
    return callback_list


def _given_history(callbacks):
    """tf.keras records into (and fit returns) a History the user passed,
    the last if several; Keras 2 always adds a new one."""
    if not common.is_tf_keras():
        return None
    given = [c for c in callbacks if isinstance(c, cbks.History)]
    return given[-1] if given else None


def training_phase():
    forced = common.forced_learning_phase()
    return True if forced is None else bool(forced)


def inference_phase():
    """evaluate/predict run in inference mode unless the learning phase was
    set to 1 (`K.set_learning_phase(1)`: dropout stays on and
    BatchNormalization uses batch statistics, as in Keras 2)."""
    return common.forced_learning_phase() == 1


# ------------------------------------------------------------- evaluate
class _kept_epoch_metrics(object):
    """Inside a training epoch (evaluate or test_on_batch called from a
    batch hook), the evaluation shares the epoch's metric objects, as in
    Keras 2.3 and tf.keras: it resets them and the rest of the epoch
    accumulates on top of its values. Keras 2.3 logs each batch's own loss
    and averages those over the epoch, so there the loss means are put
    back after the evaluation; tf.keras's loss is a shared mean too."""

    def __init__(self, model):
        self.model = model
        self.kept = self.saved = None

    def __enter__(self):
        if common._ACTIVE_LOOP != 1 or common.is_tf_keras():
            return self
        self.kept = list(self.model._metrics_tracker.loss_trackers or [])
        self.saved = [[t.clone() for t in m._state_tensors()]
                      for m in self.kept]
        return self

    def __exit__(self, *exc):
        if self.saved is not None:
            for metric, tensors in zip(self.kept, self.saved):
                metric._load_state_tensors(tensors)
        return False


def evaluate_loop(model, batches, callback_list=None, progress=None):
    """The logs of one pass over `batches` without updates (`progress`,
    if given, is called with each batch's size)."""
    with _kept_epoch_metrics(model):
        return _evaluate_loop(model, batches, callback_list, progress)


def _evaluate_loop(model, batches, callback_list, progress=None):
    host_memory.reuse_freed_memory()
    model._metrics_tracker.reset()
    model._set_mode(inference_phase())
    want_begin = callback_list is not None and \
        callback_list.wants_batch('test', 'begin')
    want_end = callback_list is not None and \
        callback_list.wants_batch('test', 'end')
    with torch.no_grad(), common.loop_phase(0):
        for step, batch in enumerate(batches):
            size = logged_size(batches, batch)
            if want_begin:
                callback_list.batch_hook('test', 'begin', step,
                                         batch_log_keys(step, size))
            training_step.test_step(model, batch)
            if want_end:
                callback_list.batch_hook(
                    'test', 'end', step,
                    cbks.BatchLogs(batch_log_keys(step, size),
                                   model._metrics_tracker.results_dict,
                                   model))
            if progress is not None:
                progress(int(batch.inputs[0].shape[0]))
    return global_results(model)


def global_results(model):
    """The logs: with several processes, the metric states are first
    summed over all of them, so every rank logs the same global values."""
    tracker = model._metrics_tracker
    distributed.get_strategy().reduce_metrics(tracker.all_metrics())
    return tracker.results_dict()


def run_evaluation(model, batches, verbose, callbacks):
    """`evaluate`'s result: the loss, or a list in `metrics_names`
    order."""
    model._prepare_training()
    callback_list = cbks.CallbackList(callbacks or [])
    callback_list.set_model(model)
    callback_list.set_params(
        loop_params(verbose, data_adapter.known_steps(batches)))
    bar = progress = None
    if verbose and distributed.is_chief():
        bar, progress = _inference_bar(batches, verbose)
    try:
        callback_list.on_test_begin()
        logs = evaluate_loop(model, batches, callback_list, progress)
    except BaseException:
        callback_list._close_resources()
        raise
    if bar is not None:
        bar.set_values(data_adapter.known_steps(batches), list(logs.items()))
    callback_list.on_test_end(logs)
    values = [logs[n] for n in model.metrics_names if n in logs]
    return values[0] if len(values) == 1 else values


# -------------------------------------------------------------- predict
def predict_loop(model, batches, verbose=0, callbacks=None):
    """The outputs for every batch, as numpy arrays (the whole data's, in
    order, on every process when the batches split the data)."""
    host_memory.reuse_freed_memory()
    strategy = distributed.get_strategy()
    split = getattr(batches, 'shard', None) is not None
    if split and not distributed.is_chief():
        verbose = 0
    model._set_mode(inference_phase())
    callback_list = cbks.CallbackList(callbacks or [])
    callback_list.set_model(model)
    callback_list.set_params(
        loop_params(verbose, data_adapter.known_steps(batches)))
    bar = progress = None
    if verbose == 1:
        bar, progress = _inference_bar(batches, verbose)
    try:
        callback_list.on_predict_begin()
        results = _predict_batches(model, batches, callback_list, bar,
                                   progress)
    except BaseException:
        callback_list._close_resources()
        raise
    callback_list.on_predict_end()
    arrays = [] if results is None else \
        [_as_returned(_joined_batches(parts).cpu().numpy())
         for parts in results]
    arrays = arrays[0] if len(arrays) == 1 else arrays
    return strategy.gather_predictions(arrays) if split else arrays


def _inference_bar(batches, verbose):
    """The progress bar of evaluate or predict: tf.keras's, which counts
    the steps and shows evaluate's values at the end, or (Keras 2, verbose=1
    only) a per-batch `progress` call drawing Keras 2's bar."""
    steps = data_adapter.known_steps(batches)
    if not common.is_tf_keras():
        return None, (cbks.InferenceProgbar(batches, steps)
                      if verbose == 1 else None)
    from ..utils.generic_utils import Progbar
    return Progbar(target=steps, verbose=verbose), None


def _as_returned(array):
    """tf.keras returns a scalar output as a Python number."""
    if array.ndim == 0 and common.is_tf_keras():
        return array.item()
    return array


def _joined_batches(parts):
    """One output over all batches. A scalar output (a `Lambda` returning
    the batch's loss, as in keras-yolo3's training model) stays a scalar
    for one batch and is one value per batch for several, as tf.keras
    gives it; Keras 2 filled each batch's rows with its value."""
    if parts[0].dim() > 0:
        return torch.cat(parts, dim=0)
    if common.is_tf_keras():
        return parts[0] if len(parts) == 1 else torch.stack(parts)
    return torch.cat([part.expand(int(part._keras_rows))
                      for part in parts])


def _predict_batches(model, batches, callback_list, bar, progress=None):
    want_begin = callback_list.wants_batch('predict', 'begin')
    want_end = callback_list.wants_batch('predict', 'end')
    rows = LazyRows(model)
    results = None
    with torch.no_grad(), common.loop_phase(0):
        for step, batch in enumerate(batches):
            size = logged_size(batches, batch)
            if want_begin:
                callback_list.batch_hook('predict', 'begin', step,
                                         batch_log_keys(step, size))
            parts = predicted_parts(model, batch.inputs, rows)
            if batch.share is not None and batch.share.empty:
                # A stand-in read by a process left without data.
                continue
            if results is None:
                results = [[] for _ in parts[0]]
            for outputs in parts:
                for store, out in zip(results, outputs):
                    if out.dim() == 0:
                        # (How many rows a scalar output stands for.)
                        out._keras_rows = batch.inputs[0].shape[0] \
                            if batch.inputs else 1
                    store.append(out)
            if want_end:
                outputs = joined_parts(parts)
                logs = batch_log_keys(step, size)
                logs['outputs'] = unpack_singleton(
                    [o.cpu().numpy() for o in outputs])
                callback_list.batch_hook('predict', 'end', step, logs)
            if bar is not None:
                bar.set_values(step + 1, [])
            if progress is not None:
                progress(int(batch.inputs[0].shape[0]) if batch.inputs
                         else 1)
    return results


class LazyRows(object):
    """`batch_slicing.rows_per_slice(model)`, found on the first batch
    large enough to be sliced (a walk over the layers, which a loop of
    single-sample predict calls does not pay)."""

    def __init__(self, model):
        self.model = model
        self.found = False
        self.rows = None

    def __call__(self):
        if not self.found:
            self.rows = batch_slicing.rows_per_slice(self.model)
            self.found = True
        return self.rows


def _on_accelerator(batch):
    """Whether a batch input lives off the host (a string batch, a numpy
    array, is on the host)."""
    return isinstance(batch, torch.Tensor) and batch.device.type != 'cpu'


def predicted_parts(model, inputs, rows):
    """The outputs of one predict batch, as a list of the outputs of its
    row slices (`batch_slicing`; one slice for most batches)."""
    batch_rows = int(inputs[0].shape[0]) if inputs else 0
    if batch_rows <= batch_slicing.ROW_MULTIPLE or \
            _on_accelerator(inputs[0]) or rows() is None or \
            batch_rows <= rows():
        return [training_step.predict_step(model, inputs)]
    return [training_step.predict_step(model, [x[start:stop] for x in inputs])
            for start, stop in batch_slicing.row_slices(rows(), batch_rows)]


def joined_parts(parts):
    """The outputs of a batch from those of its row slices."""
    if len(parts) == 1:
        return parts[0]
    return [torch.cat(pieces, dim=0) for pieces in zip(*parts)]


def empty_predictions(model, inputs):
    """Predictions for 0 samples: empty arrays of the output shapes, found
    by running one row of zeros (the declared output shapes for a
    stateful model, whose states that row would change)."""
    outputs = None
    if not model.stateful:
        device = model._device()
        rows = [torch.zeros((1,) + tuple(t.shape[1:]), dtype=t.dtype,
                            device=device) for t in inputs]
        model._set_mode(False)
        try:
            with torch.no_grad(), common.loop_phase(0):
                outputs = [(tuple(o.shape[1:]), o.dtype)
                           for o in training_step.forward(model, rows)]
        except Exception:
            outputs = None
    if outputs is None:
        shapes = model.compute_output_shape(
            [(None,) + tuple(t.shape[1:]) for t in inputs]
            if len(inputs) > 1 else (None,) + tuple(inputs[0].shape[1:]))
        if not isinstance(shapes, list):
            shapes = [shapes]
        outputs = [(tuple(d or 0 for d in shape[1:]),
                    K.torch_dtype(K.floatx())) for shape in shapes]
    arrays = [torch.zeros((0,) + shape, dtype=dtype).numpy()
              for shape, dtype in outputs]
    return arrays[0] if len(arrays) == 1 else arrays


# ------------------------------------------------------------- on batch
def single_batch(model, inputs, targets=(), weights=()):
    """A `Batch` of the given tensors moved onto the model's device."""
    device = model._device()

    def moved(tensors):
        return [None if t is None else t.to(device) for t in tensors]
    return data_adapter.Batch(moved(inputs), moved(targets), moved(weights),
                              None)


def run_on_batch(model, batch, train, reset_metrics):
    """train_on_batch/test_on_batch: one step, then the loss (and metric
    values) as floats."""
    with _kept_epoch_metrics(model):
        return _run_on_batch(model, batch, train, reset_metrics)


def _run_on_batch(model, batch, train, reset_metrics):
    host_memory.reuse_freed_memory()
    tracker = model._metrics_tracker
    keras2 = not common.is_tf_keras()
    if keras2:
        # Keras 2.3 returns the batch's own losses with the metrics'
        # running values, and resets those after the batch: a batch after
        # `evaluate` (or a fit's epoch) adds onto its metric states.
        for mean in tracker.loss_trackers or []:
            mean.reset_states()
    elif reset_metrics:
        tracker.reset()
    if train:
        model._set_mode(training_phase())
        with common.loop_phase(1):
            training_step.train_step(model, batch)
    else:
        model._set_mode(inference_phase())
        with torch.no_grad(), common.loop_phase(0):
            training_step.test_step(model, batch)
    values = tracker.result_floats()
    if keras2 and reset_metrics:
        tracker.reset()
    return values[0] if len(values) == 1 else values


# ------------------------------------------------------------ array data
def refuse_arrays_beside_generator(y, sample_weight, validation_split):
    if y is not None:
        raise ValueError('`y` argument is not supported when data is'
                         'a generator or Sequence instance. Instead pass '
                         'targets as the second element of the generator.')
    if sample_weight is not None:
        raise ValueError('`sample_weight` argument is not supported when '
                         'data isa generator or Sequence instance. Instead '
                         'pass sample weights as the third element of the '
                         'generator.')
    if validation_split:
        raise ValueError('If your data is in the form of a Python '
                         'generator, you cannot use `validation_split`.')


def array_batches(model, inputs, targets, weights, batch_size, steps=None,
                  shuffle=False, shard='whole', stream=False):
    """Batches sliced from tensors (moved onto the model's device).
    Without a batch size, `steps` steps cover the arrays: each step all of
    them in Keras 2, ceil(samples / steps) of them in tf.keras."""
    if not batch_size and steps and inputs and int(inputs[0].shape[0]):
        samples = int(inputs[0].shape[0])
        batch_size = -(-samples // int(steps)) if common.is_tf_keras() \
            else samples
    return data_adapter.ArrayBatches(inputs, targets, weights,
                                     batch_size or 32, shuffle=shuffle,
                                     steps=steps, device=model._device(),
                                     shard=shard, stream=stream)


def fit_array_batches(model, x, y, sample_weight, class_weight, batch_size,
                      shuffle, steps_per_epoch, validation_split,
                      validation_data, validation_steps, max_queue_size,
                      workers, use_multiprocessing,
                      validation_batch_size=None):
    """(training batches, validation batches or None) of a `fit` on
    arrays: `validation_data`, or the last `validation_split` of the
    samples (before shuffling, as Keras 2 splits)."""
    val_batch_size = validation_batch_size or batch_size
    inputs, targets, weights = standardization.standardize_user_data(
        model, x, y, sample_weight, class_weight, batch_size, lazy=True)
    if shuffle and shuffle != 'batch' and any(
            data_adapter.needs_batch_shuffle(t) for t in inputs + targets):
        # Keras 2's rule: HDF5 data is read in increasing index order.
        raise TypeError('TypeError while preparing batch. If using HDF5 '
                        'input data, pass shuffle="batch".')
    val_batches = None
    if validation_data is not None:
        val_batches = validation_batches(
            model, validation_data, val_batch_size, validation_steps,
            max_queue_size, workers, use_multiprocessing)
    elif validation_split and 0. < validation_split < 1.:
        (inputs, targets, weights), val = _split_off(
            (inputs, targets, weights), validation_split)
        val_batches = array_batches(model, *val, batch_size=val_batch_size)
        val_batches.callback_data = callback_validation_data(
            None, None, None, *val)
    if steps_per_epoch is not None and not common.is_tf_keras() and \
            inputs and int(inputs[0].shape[0]):
        # Keras 2's fit loop with steps_per_epoch on arrays trains each
        # step on all of them, in order.
        batch_size, shuffle = int(inputs[0].shape[0]), False
    train_batches = array_batches(model, inputs, targets, weights,
                                  batch_size, steps=steps_per_epoch,
                                  shuffle=shuffle, shard='batch',
                                  stream=common.is_tf_keras())
    return train_batches, val_batches


def _split_off(data, validation_split):
    """(training part, validation part) of (inputs, targets, weights)."""
    inputs = data[0]
    total = int(inputs[0].shape[0])
    split_at = int(total * (1. - validation_split))

    def part(tensors, rows):
        return [None if t is None else t[rows] for t in tensors]
    train = tuple(part(t, slice(None, split_at)) for t in data)
    val = tuple(part(t, slice(split_at, None)) for t in data)
    if split_at == 0 or split_at == total:
        raise ValueError(
            'Expected input data to be non-empty: `validation_split=%r` of '
            '%d samples leaves %d for training and %d for validation.'
            % (validation_split, total, split_at, total - split_at))
    return train, val


def validation_batches(model, validation_data, batch_size, steps,
                       max_queue_size=10, workers=1,
                       use_multiprocessing=False):
    """Batches of `fit`'s `validation_data`: a generator or Sequence, or
    (x_val, y_val[, val_sample_weights])."""
    if data_adapter.is_generator_like(validation_data):
        return StandardizedBatches(model, data_adapter.GeneratorBatches(
            validation_data, steps=steps, workers=workers,
            use_multiprocessing=use_multiprocessing,
            max_queue_size=max_queue_size, mode='test',
            batch_size=batch_size, steps_name='validation_steps'), None)
    if not isinstance(validation_data, (tuple, list)) or \
            len(validation_data) not in (2, 3):
        raise ValueError('When passing validation_data, it must contain 2 '
                         '(x_val, y_val) or 3 (x_val, y_val, '
                         'val_sample_weights) items, however it contains '
                         '%d items' % len(validation_data))
    val_x, val_y = validation_data[0], validation_data[1]
    val_sw = validation_data[2] if len(validation_data) == 3 else None
    inputs, targets, weights = standardization.standardize_user_data(
        model, val_x, val_y, val_sw, batch_size=batch_size, lazy=True,
        data_name='validation_data')
    batches = array_batches(model, inputs, targets, weights, batch_size,
                            steps=steps)
    batches.callback_data = callback_validation_data(
        val_x, val_y, val_sw, inputs, targets, weights)
    return batches


def callback_validation_data(val_x, val_y, val_sw, inputs, targets,
                             weights):
    """Keras 2's `callback.validation_data`: [x..., y..., sample
    weights...], each sample weight defaulting to ones."""
    xs = _to_numpy_list(val_x, inputs)
    ys = _to_numpy_list(val_y, targets)
    sws = []
    for w, y in zip(weights, targets):
        n = int(y.shape[0]) if y is not None else int(inputs[0].shape[0])
        sws.append(np.ones((n,), dtype=K.floatx()) if w is None
                   else w.detach().cpu().numpy())
    return xs + ys + sws


def _to_numpy_list(given, tensors):
    """The user's arrays when they are numpy arrays of the standardized
    shapes (the same objects, as Keras 2 passes them on), else numpy
    copies of the tensors (a 1-D target becomes (n, 1), as in Keras 2)."""
    given = given if isinstance(given, (list, tuple)) else [given]
    if len(given) == len(tensors) and all(
            isinstance(a, np.ndarray) and t is not None and
            a.shape == tuple(t.shape) for a, t in zip(given, tensors)):
        return list(given)
    # Data read batch by batch stays so (np.asarray reads it whole).
    return [None if t is None else t if isinstance(
        t, data_adapter.LazyRows) else t.detach().cpu().numpy()
        for t in tensors]


# -------------------------------------------------------- generator data
def generator_batches(model, generator, steps, workers, use_multiprocessing,
                      max_queue_size, mode, class_weight=None, shuffle=True,
                      batch_size=None):
    """Batches of a generator, `keras.utils.Sequence` or torch
    DataLoader/Dataset, standardised for the model."""
    source = data_adapter.GeneratorBatches(
        generator, steps=steps, workers=workers,
        use_multiprocessing=use_multiprocessing,
        max_queue_size=max_queue_size, mode=mode, shuffle=shuffle,
        batch_size=batch_size)
    return StandardizedBatches(model, source, class_weight,
                               inputs_only=mode == 'predict')


class StandardizedBatches(object):
    """Converts each (x, y, sample_weight) from a generator into a `Batch`
    of the model's input, target and weight tensors on its device."""

    def __init__(self, model, source, class_weight, inputs_only=False):
        self.model = model
        self.source = source
        self.class_weight = class_weight
        self.inputs_only = inputs_only
        self._first = None

    def __len__(self):
        return len(self.source)

    @property
    def dynamic_length(self):
        return getattr(self.source, 'dynamic_length', False)

    @property
    def shard(self):
        """How the source splits the data across processes (see
        `data_adapter.GeneratorBatches`)."""
        return self.source.shard

    def close(self):
        self._first = None
        self.source.close()

    def prime(self):
        """Builds a deferred model from the first batch."""
        if self.model.built:
            return
        iterator = iter(self.source)
        first = next(iterator)
        self._first = (first, iterator)
        (x, _, _), _ = first
        self.model._ensure_built(
            standardization.standardize_inputs(self.model, x))

    def _convert(self, item):
        (x, y, sw), share = item
        if self.inputs_only:
            inputs = standardization.standardize_inputs(self.model, x)
            return _on_device(self.model, inputs, [], [], share)
        inputs, targets, weights = standardization.standardize_user_data(
            self.model, x, y, sw, self.class_weight, data_name=None)
        if inputs and int(inputs[0].shape[0]) == 0 and (
                share is None or not share.empty):
            # A process's stand-in batch is empty on purpose; a batch the
            # user's generator yields is not (Keras 2's evaluate_generator
            # refused it too; its loss would be nan).
            raise ValueError('Received an empty batch. Batches should '
                             'contain at least one item.')
        return _on_device(self.model, inputs, targets, weights, share)

    def __iter__(self):
        if self._first is not None:
            first, iterator = self._first
            self._first = None
            yield self._convert(first)
            for item in iterator:
                yield self._convert(item)
            return
        for item in self.source:
            yield self._convert(item)


def _on_device(model, inputs, targets, weights, share=None):
    device = model._device()

    def moved(tensors):
        return [None if t is None else t.to(device, non_blocking=True)
                for t in tensors]
    return data_adapter.Batch(moved(inputs), moved(targets), moved(weights),
                              share)


@contextlib.contextmanager
def closing(*batch_sources):
    """Stops the reader threads and worker processes of generator and
    Sequence inputs when the call ends, normally or not. A failure to stop
    them is warned about, not raised over the call's own exception."""
    try:
        yield
    finally:
        for source in batch_sources:
            close = getattr(source, 'close', None)
            if close is None:
                continue
            try:
                close()
            except Exception as error:
                warnings.warn('Stopping the data readers failed: %s: %s'
                              % (type(error).__name__, error))


def legacy_generator_args(kwargs, generator, epochs, steps, val_steps,
                          workers, use_multiprocessing, max_queue_size):
    """Keras 1 generator arguments (samples_per_epoch, nb_epoch,
    nb_val_samples, nb_worker, pickle_safe, max_q_size)."""
    kwargs = dict(kwargs)
    if 'samples_per_epoch' in kwargs:
        samples = kwargs.pop('samples_per_epoch')
        size = getattr(generator, 'batch_size', None)
        steps = samples // size if size else samples
        warnings.warn('The semantics of the Keras 2 argument '
                      '`steps_per_epoch` is not the same as the Keras 1 '
                      'argument `samples_per_epoch`.', stacklevel=3)
    if 'val_samples' in kwargs:
        steps = kwargs.pop('val_samples')
    if 'nb_epoch' in kwargs:
        epochs = kwargs.pop('nb_epoch')
    if 'nb_val_samples' in kwargs:
        val_steps = kwargs.pop('nb_val_samples')
    if 'nb_worker' in kwargs:
        workers = kwargs.pop('nb_worker')
    if 'pickle_safe' in kwargs:
        use_multiprocessing = kwargs.pop('pickle_safe')
    if 'max_q_size' in kwargs:
        max_queue_size = kwargs.pop('max_q_size')
    if kwargs:
        raise TypeError('Unrecognized keyword arguments: ' + str(kwargs))
    return epochs, steps, val_steps, workers, use_multiprocessing, \
        max_queue_size
