"""User-written `train_step`, `test_step` and `predict_step`: tf.keras
2.2+'s way of customising what `fit`, `evaluate` and `predict` do with
each batch (GANs, VAEs, distillation and contrastive models written for
tf.keras 2.x).

When a model's class overrides one of them, the corresponding loop here
hands each batch to it as tf.keras does: `data` is the batch packed as
`pack_x_y_sample_weight` packs it (`x` alone, `(x,)` for a list of
inputs without targets, `(x, y)` or `(x, y, sample_weight)`), or a
dataset's or generator's element as it was yielded, with floating arrays
as `floatx` tensors. The step returns a dict of values; the last batch's
dict is the epoch's logs (prefixed `val_` for validation), as in
tf.keras. The metrics listed by `model.metrics` are reset at the start
of each epoch and of each evaluation. Nothing is called to build the
model first: the step decides what runs. Callbacks get tf.keras's logs:
a batch's the step's dict (no 'batch' or 'size'), `on_train_end` the
last epoch's."""
import math

import numpy as np
import torch

from .. import backend as K
from ..utils.data_utils import Sequence
from . import training_utils


def overrides(model, name):
    """Whether `model`'s class replaces Model's method `name`."""
    from .training import Model
    return getattr(type(model), name, None) is not getattr(Model, name)


def uses_custom_evaluation(model):
    return overrides(model, 'test_step') or overrides(model, 'train_step') \
        or overrides(model, 'metrics')


# ------------------------------------------------------------ packing
def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """tf.keras's packing of one batch: `x` alone (`(x,)` when `x` is a
    list or tuple), `(x, y)` or `(x, y, sample_weight)`."""
    if y is None:
        return (x,) if isinstance(x, (list, tuple)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data):
    """`(x, y, sample_weight)` of a batch packed by
    `pack_x_y_sample_weight` (missing parts None)."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return (data, None, None)
    if len(data) == 1:
        return (data[0], None, None)
    if len(data) == 2:
        return (data[0], data[1], None)
    if len(data) == 3:
        return data
    raise ValueError('Data is expected to be in format `x`, `(x,)`, '
                     '`(x, y)`, or `(x, y, sample_weight)`, found: %s'
                     % (data,))


def _map(fn, data):
    if isinstance(data, (list, tuple)):
        return type(data)(_map(fn, item) for item in data)
    if isinstance(data, dict):
        return {key: _map(fn, value) for key, value in data.items()}
    return None if data is None else fn(data)


def _leaves(data):
    if isinstance(data, (list, tuple)):
        return [leaf for item in data for leaf in _leaves(item)]
    if isinstance(data, dict):
        return [leaf for value in data.values() for leaf in _leaves(value)]
    return [] if data is None else [data]


def _tensor(value, device):
    """A batch value as tf.keras's data adapters give it to a step:
    floating arrays as `floatx`, other numbers as they are; strings stay
    Numpy arrays."""
    if isinstance(value, torch.Tensor):
        return value.to(device)
    array = np.asarray(value)
    if array.dtype.kind == 'f':
        array = array.astype(K.floatx(), copy=False)
    elif array.dtype.kind not in 'biu':
        return array
    return torch.as_tensor(array).to(device)


def python_logs(logs):
    """The step's returned values as Python floats (Numpy arrays for
    values that are not scalars), as tf.keras hands logs to callbacks."""
    if logs is None:
        return {}
    if not isinstance(logs, dict):
        raise TypeError('A train_step/test_step returns a dict of metric '
                        'values, got %s.' % type(logs).__name__)
    converted = {}
    for name, value in logs.items():
        if hasattr(value, 'result') and callable(value.result):
            value = value.result()
        if isinstance(value, torch.Tensor):
            value = value.detach().cpu()
            value = value.item() if value.numel() == 1 and value.dim() == 0 \
                else value.numpy()
        elif isinstance(value, np.ndarray) and value.ndim == 0:
            value = value.item()
        converted[name] = value
    return converted


def flatten_metrics_in_order(logs, names):
    """tf.keras's evaluate result: the values of `names` first, the other
    logs after them by name; a scalar for a single value."""
    results = [logs[name] for name in names if name in logs]
    results += [logs[key] for key in sorted(logs) if key not in names]
    return results[0] if len(results) == 1 else results


# --------------------------------------------------------------- batches
class ArrayBatches(object):
    """Batches of arrays (nested lists/tuples/dicts of them), packed."""

    def __init__(self, model, x, y=None, sample_weight=None, batch_size=32,
                 shuffle=False, steps=None):
        self.device = model._device()
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.rows = _rows(x)
        self.batch_size = batch_size or 32
        self.shuffle = shuffle
        self.steps = steps or int(math.ceil(self.rows /
                                            float(self.batch_size)))

    def __len__(self):
        return self.steps

    def epoch(self):
        order = np.random.permutation(self.rows) if self.shuffle \
            else np.arange(self.rows)
        for step in range(self.steps):
            start = (step * self.batch_size) % max(self.rows, 1)
            index = order[start:start + self.batch_size]
            take = (lambda a, index=index: _tensor(_rows_of(a, index),
                                                   self.device))
            yield pack_x_y_sample_weight(
                _map(take, self.x), _map(take, self.y),
                _map(take, self.sample_weight))


class ElementBatches(object):
    """The elements of a `Sequence` (a tf.data dataset included) or a
    generator, as they were yielded."""

    def __init__(self, model, source, steps=None):
        self.device = model._device()
        self.source = source
        if steps is None:
            if not hasattr(source, '__len__'):
                raise ValueError('`steps` (or `steps_per_epoch`) is needed '
                                 'for data from a generator.')
            steps = len(source)
        self.steps = int(steps)
        self._iterator = None

    def __len__(self):
        return self.steps

    def epoch(self):
        if isinstance(self.source, Sequence) or (
                hasattr(self.source, '__getitem__') and
                hasattr(self.source, '__len__')):
            for step in range(self.steps):
                yield self._converted(self.source[step % len(self.source)])
            if hasattr(self.source, 'on_epoch_end'):
                self.source.on_epoch_end()
            return
        if self._iterator is None:
            self._iterator = iter(self.source)
        for _ in range(self.steps):
            try:
                element = next(self._iterator)
            except StopIteration:
                self._iterator = None
                return
            yield self._converted(element)

    def _converted(self, element):
        return _map(lambda a: _tensor(a, self.device), element)


def _rows(x):
    leaves = _leaves(x)
    if not leaves:
        raise ValueError('fit/evaluate/predict need input data `x`.')
    return int(np.shape(leaves[0])[0])


def _rows_of(array, index):
    if isinstance(array, torch.Tensor):
        return array[torch.as_tensor(index, device=array.device)]
    return np.asarray(array)[index]


def batches_for(model, x, y=None, sample_weight=None, batch_size=None,
                shuffle=False, steps=None):
    from . import data_adapter
    if data_adapter.is_generator_like(x):
        return ElementBatches(model, x, steps)
    return ArrayBatches(model, x, y, sample_weight, batch_size, shuffle,
                        steps)


def _split_arrays(x, y, sample_weight, validation_split):
    """tf.keras's `validation_split`: the last fraction of the rows."""
    rows = _rows(x)
    cut = int(rows * (1. - validation_split))
    head = (lambda a: _rows_of(a, np.arange(cut)))
    tail = (lambda a: _rows_of(a, np.arange(cut, rows)))
    return [_map(head, d) for d in (x, y, sample_weight)], \
        [_map(tail, d) for d in (x, y, sample_weight)]


def _class_weights_as_sample_weights(y, class_weight):
    """Per-sample weights from `class_weight` and the targets (class
    indices, or one-hot rows), as tf.keras derives them."""
    labels = np.asarray(y.cpu() if isinstance(y, torch.Tensor) else y)
    if labels.ndim > 1 and labels.shape[-1] > 1:
        labels = labels.argmax(axis=-1)
    labels = labels.reshape(len(labels)).astype('int64')
    return np.asarray([class_weight.get(int(c), 1.) for c in labels],
                      dtype=K.floatx())


# ------------------------------------------- compiled loss and metrics
def _as_list(value, names):
    if value is None:
        return [None] * len(names)
    if isinstance(value, dict):
        return [value.get(name) for name in names]
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


class CompiledLoss(object):
    """tf.keras's `model.compiled_loss`: `compiled_loss(y_true, y_pred,
    sample_weight=None, regularization_losses=None)` is the compiled
    losses' weighted total (plus the given penalties); each call adds it
    to the `loss` mean that `model.metrics` lists first."""

    def __init__(self, model):
        self.model = model

    def _targets(self, y_true, y_pred, sample_weight):
        names = self.model._compiled_loss.output_names
        outputs = _as_list(y_pred, names)
        device = outputs[0].device if isinstance(outputs[0], torch.Tensor) \
            else self.model._device()
        convert = (lambda t: None if t is None else _tensor(t, device))
        targets = [convert(t) for t in _as_list(y_true, names)]
        weights = [convert(w) for w in _as_list(sample_weight, names)]
        targets += [None] * (len(outputs) - len(targets))
        weights += [None] * (len(outputs) - len(weights))
        return targets, outputs, weights

    def __call__(self, y_true, y_pred, sample_weight=None,
                 regularization_losses=None):
        model = self.model
        targets, outputs, weights = self._targets(y_true, y_pred,
                                                  sample_weight)
        tracker = model._metrics_tracker
        tracker.build(targets, outputs)
        total, per_output = model._compiled_loss(targets, outputs, weights)
        for penalty in regularization_losses or []:
            total = total + penalty
        rows = _batch_rows(outputs)
        tracker.loss_computed = True
        with torch.no_grad():
            for mean, value in zip(tracker.loss_trackers,
                                   [total] + list(per_output)):
                mean._add_sum(value.detach() * rows, rows)
        return total

    @property
    def metrics(self):
        return list(self.model._metrics_tracker.loss_trackers or [])

    def reset_state(self):
        for metric in self.metrics:
            metric.reset_states()

    reset_states = reset_state


class CompiledMetrics(object):
    """tf.keras's `model.compiled_metrics`: `update_state(y_true, y_pred,
    sample_weight=None)` updates the metrics given to compile."""

    def __init__(self, model):
        self.model = model

    def update_state(self, y_true, y_pred, sample_weight=None):
        model = self.model
        targets, outputs, weights = CompiledLoss(model)._targets(
            y_true, y_pred, sample_weight)
        model._metrics_tracker.build(targets, outputs)
        with torch.no_grad():
            model._compiled_metrics.update(targets, outputs, weights)

    @property
    def metrics(self):
        return [m for _, _, m in self.model._compiled_metrics.objects]

    def reset_state(self):
        self.model._compiled_metrics.reset()

    reset_states = reset_state


# ------------------------------------------------------------------ loops
def fit(model, x, y, batch_size, epochs, verbose, callbacks,
        validation_split, validation_data, shuffle, class_weight,
        sample_weight, initial_epoch, steps_per_epoch, validation_steps,
        validation_freq):
    """`fit` through the model's own `train_step`."""
    from . import training_loops as loops
    from . import data_adapter
    if class_weight and not data_adapter.is_generator_like(x):
        if y is None or isinstance(y, (list, tuple, dict)):
            raise ValueError('`class_weight` needs a single target array.')
        sample_weight = _class_weights_as_sample_weights(y, class_weight)
    elif class_weight:
        raise NotImplementedError(
            '`class_weight` with a dataset or generator and a custom '
            'train_step: yield (x, y, sample_weight) batches instead.')
    if validation_split and data_adapter.is_generator_like(x):
        raise ValueError('`validation_split` is only supported for Tensors '
                         'or NumPy arrays, found: %r' % (x,))
    if validation_split and validation_data is None:
        (x, y, sample_weight), validation_data = _split_arrays(
            x, y, sample_weight, validation_split)
    train = batches_for(model, x, y, sample_weight, batch_size, shuffle,
                        steps_per_epoch)
    val = None if validation_data is None else \
        _validation_batches(model, validation_data, batch_size,
                            validation_steps)
    params = {'verbose': verbose, 'epochs': epochs, 'steps': len(train)}
    callback_list = loops.make_callbacks(model, callbacks, verbose, params)
    model.stop_training = False
    training_utils.should_run_validation(validation_freq, 0)
    callback_list.on_train_begin()
    epoch_logs = None
    try:
        for epoch in range(initial_epoch, epochs):
            model.reset_metrics()
            callback_list.on_epoch_begin(epoch, {})
            epoch_logs = dict(_train_epoch(model, train, callback_list))
            if val is not None and training_utils.should_run_validation(
                    validation_freq, epoch):
                callback_list.on_test_begin()
                val_logs = _evaluate_batches(model, val, callback_list)
                callback_list.on_test_end(val_logs)
                epoch_logs.update(('val_' + name, value)
                                  for name, value in val_logs.items())
            callback_list.on_epoch_end(epoch, epoch_logs)
            if model.stop_training:
                break
    except BaseException:
        callback_list._close_resources()
        raise
    callback_list.on_train_end(epoch_logs)
    return model.history


def _validation_batches(model, validation_data, batch_size, steps):
    from . import data_adapter
    if data_adapter.is_generator_like(validation_data):
        return ElementBatches(model, validation_data, steps)
    x, y, sample_weight = unpack_x_y_sample_weight(tuple(validation_data))
    return ArrayBatches(model, x, y, sample_weight, batch_size, False, steps)


def _train_epoch(model, batches, callback_list):
    return _run_steps(model, batches, callback_list, 'train',
                      model.train_step)


def _evaluate_batches(model, batches, callback_list=None):
    model.reset_metrics()
    with torch.no_grad():
        return _run_steps(model, batches, callback_list, 'test',
                          model.test_step)


def _run_steps(model, batches, callback_list, mode, step_fn):
    """The step on each batch; the last one's logs as Python values. A
    step's values are read from the device only for callbacks that take
    batch logs, and once at the end."""
    wants_begin = callback_list is not None and \
        callback_list.wants_batch(mode, 'begin')
    wants_end = callback_list is not None and \
        callback_list.wants_batch(mode, 'end')
    returned = None
    for step, data in enumerate(batches.epoch()):
        if wants_begin:
            callback_list.batch_hook(mode, 'begin', step, {})
        returned = step_fn(data)
        if wants_end:
            returned = python_logs(returned)
            callback_list.batch_hook(mode, 'end', step, dict(returned))
        if mode == 'train' and model.stop_training:
            break
    return python_logs(returned)


def _batch_rows(data):
    for leaf in _leaves(data):
        shape = getattr(leaf, 'shape', None)
        if shape is not None and len(shape):
            return int(shape[0])
    return 0


def metric_names(model):
    return [getattr(m, 'name', None) for m in model.metrics]


def evaluate(model, x, y, batch_size, verbose, sample_weight, steps,
             callbacks, return_dict):
    """`evaluate` through the model's `test_step`."""
    from .. import callbacks as cbks
    batches = batches_for(model, x, y, sample_weight, batch_size, False,
                          steps)
    callback_list = cbks.CallbackList(callbacks or [])
    callback_list.set_model(model)
    callback_list.set_params({'verbose': verbose, 'epochs': 1,
                              'steps': len(batches)})
    callback_list.on_test_begin()
    logs = _evaluate_batches(model, batches, callback_list)
    callback_list.on_test_end(logs)
    return logs if return_dict else \
        flatten_metrics_in_order(logs, metric_names(model))


def predict(model, x, batch_size, steps, callbacks):
    """`predict` through the model's `predict_step`: each output's batches
    joined, as Numpy arrays (in the structure the step returns)."""
    from .. import callbacks as cbks
    batches = batches_for(model, x, None, None, batch_size, False, steps)
    callback_list = cbks.CallbackList(callbacks or [])
    callback_list.set_model(model)
    callback_list.set_params({'verbose': 0, 'epochs': 1,
                              'steps': len(batches)})
    callback_list.on_predict_begin()
    results = []
    with torch.no_grad():
        for step, data in enumerate(batches.epoch()):
            callback_list.batch_hook('predict', 'begin', step, {})
            results.append(model.predict_step(data))
            callback_list.batch_hook('predict', 'end', step,
                                     {'outputs': results[-1]})
    callback_list.on_predict_end()
    if not results:
        raise ValueError('predict got no batches: the data is empty.')
    return joined_outputs(results)


def joined_outputs(results):
    """The outputs of several predict steps, joined along the batch."""
    first = results[0]
    if isinstance(first, (list, tuple)):
        return type(first)(joined_outputs([r[i] for r in results])
                           for i in range(len(first)))
    if isinstance(first, dict):
        return {key: joined_outputs([r[key] for r in results])
                for key in first}
    parts = [r.detach().cpu().numpy() if isinstance(r, torch.Tensor)
             else np.asarray(r) for r in results]
    return np.concatenate(parts, axis=0)


def single_batch(model, x, y=None, sample_weight=None):
    """One batch of arrays packed for a step, as tensors."""
    device = model._device()
    return _map(lambda a: _tensor(a, device),
                pack_x_y_sample_weight(x, y, sample_weight))


def on_batch(model, step_name, data, reset_metrics, return_dict):
    """train_on_batch / test_on_batch through the model's own step (the
    metrics reset before it, as tf.keras 2.5+ does)."""
    if reset_metrics:
        model.reset_metrics()
    if step_name == 'test_step':
        with torch.no_grad():
            logs = python_logs(model.test_step(data))
    else:
        logs = python_logs(model.train_step(data))
    return logs if return_dict else \
        flatten_metrics_in_order(logs, metric_names(model))


def expand_1d(data):
    """tf.keras's `data_adapter.expand_1d`: 1-D tensors of `data` as
    columns."""
    def expand(t):
        if isinstance(t, torch.Tensor) and t.dim() == 1:
            return t.unsqueeze(-1)
        return t
    return _map(expand, data)
