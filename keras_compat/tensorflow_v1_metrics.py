"""TensorFlow 1's streaming metrics (`tf.metrics.accuracy`, `mean`, `auc`,
`precision`, `recall`, `mean_squared_error`, ...; also
`tf.compat.v1.metrics`): each returns `(value, update_op)`, backed by
local variables (in the LOCAL_VARIABLES and METRIC_VARIABLES
collections) that every run of `update_op` accumulates into and that
`tf.local_variables_initializer()` resets. The formulas are TensorFlow
1's `metrics_impl`.

`tf.metrics` serves tf.keras.metrics as well: a call with TensorFlow 1's
keywords (`labels=`, `predictions=`, `weights=`, ...), or a positional
call while a graph is built (a Keras 2 program, or eager execution
disabled), is the streaming metric; other calls are tf.keras.metrics'
functions of the same name."""
import types

import numpy as np
import torch

from . import tensorflow_variables as _variables
from .tensorflow_variables import GraphKeys

_TF1_KEYWORDS = frozenset(('labels', 'predictions', 'weights', 'values',
                           'metrics_collections', 'updates_collections',
                           'name', 'num_classes', 'num_thresholds', 'curve',
                           'summation_method', 'thresholds'))


def _tf():
    from . import tensorflow_compat
    return tensorflow_compat


# ------------------------------------------------------ local variables
def metric_variable(shape, dtype, name):
    """A zero-filled local variable of a streaming metric, in the
    LOCAL_VARIABLES and METRIC_VARIABLES collections; the local
    variables' initializer sets it back to zeros."""
    from . import initializers
    variable = _variables.get_variable(
        name, shape=list(shape), dtype=dtype,
        initializer=initializers.zeros(), trainable=False,
        collections=[GraphKeys.LOCAL_VARIABLES,
                     GraphKeys.METRIC_VARIABLES])
    with torch._C.DisableTorchFunctionSubclass():
        initial = torch.zeros(tuple(shape), dtype=variable.dtype)
    variable.__dict__['_keras_initial_value'] = initial
    return variable


def resetting_op(var_list, name='init'):
    """The operation that sets the metrics' variables among `var_list`
    back to their initial values when run (None when there are none:
    other variables keep their values, as they hold them from
    creation)."""
    from .tensorflow_graph_run import AssignOp, GroupOp
    assigns = []
    for variable in var_list:
        initial = getattr(variable, '_keras_initial_value', None)
        if initial is not None:
            assigns.append(AssignOp(variable, initial.clone()))
    return GroupOp(assigns, name) if assigns else None


def _collected(value, update, metrics_collections, updates_collections):
    if metrics_collections:
        _variables.add_to_collections(metrics_collections, value)
    if updates_collections:
        _variables.add_to_collections(updates_collections, update)
    return value, update


# ------------------------------------------------------------- helpers
def _float(x):
    tf = _tf()
    return tf.cast(tf.convert_to_tensor(x), tf.float32)


def _squeezed(predictions, labels):
    """TF1's `remove_squeezable_dimensions`: the trailing dimension of
    size 1 of the one with one more dimension dropped."""
    tf = _tf()
    predictions = tf.convert_to_tensor(predictions)
    labels = tf.convert_to_tensor(labels)
    p_rank, l_rank = len(predictions.shape), len(labels.shape)
    if p_rank == l_rank + 1 and predictions.shape[-1] == 1:
        predictions = tf.squeeze(predictions, [-1])
    elif l_rank == p_rank + 1 and labels.shape[-1] == 1:
        labels = tf.squeeze(labels, [-1])
    return predictions, labels


def _weighted(values, weights):
    """Values (float32) times the weights broadcast to them, and the sum
    of those weights (or the number of values)."""
    tf = _tf()
    values = _float(values)
    if weights is None:
        return values, tf.cast(tf.size(values), tf.float32)
    weights = _float(weights) * tf.ones_like(values)
    return values * weights, tf.reduce_sum(weights)


def _safe_div(numerator, denominator):
    tf = _tf()
    return tf.where(denominator > 0, numerator /
                    tf.where(denominator > 0, denominator,
                             tf.ones_like(denominator)),
                    tf.zeros_like(numerator))


# ------------------------------------------------------------- metrics
def mean(values, weights=None, metrics_collections=None,
         updates_collections=None, name=None):
    """The running (weighted) mean of `values`."""
    tf = _tf()
    with _variables.variable_scope(name, 'mean'):
        values, count_now = _weighted(values, weights)
        total = metric_variable([], 'float32', 'total')
        count = metric_variable([], 'float32', 'count')
        update_total = tf.compat.v1.assign_add(total, tf.reduce_sum(values))
        update_count = tf.compat.v1.assign_add(count, count_now)
        return _collected(_safe_div(total, count),
                          _safe_div(update_total, update_count),
                          metrics_collections, updates_collections)


def accuracy(labels, predictions, weights=None, metrics_collections=None,
             updates_collections=None, name=None):
    """The running fraction of `predictions` equal to `labels`
    (predictions cast to the labels' dtype)."""
    tf = _tf()
    predictions, labels = _squeezed(predictions, labels)
    if predictions.dtype != labels.dtype:
        predictions = tf.cast(predictions, labels.dtype)
    correct = tf.cast(tf.equal(predictions, labels), tf.float32)
    return mean(correct, weights, metrics_collections, updates_collections,
                name or 'accuracy')


def mean_squared_error(labels, predictions, weights=None,
                       metrics_collections=None, updates_collections=None,
                       name=None):
    """The running mean of the squared differences."""
    tf = _tf()
    predictions, labels = _squeezed(predictions, labels)
    errors = tf.square(_float(labels) - _float(predictions))
    return mean(errors, weights, metrics_collections, updates_collections,
                name or 'mean_squared_error')


def mean_absolute_error(labels, predictions, weights=None,
                        metrics_collections=None, updates_collections=None,
                        name=None):
    """The running mean of the absolute differences."""
    tf = _tf()
    predictions, labels = _squeezed(predictions, labels)
    errors = tf.abs(_float(predictions) - _float(labels))
    return mean(errors, weights, metrics_collections, updates_collections,
                name or 'mean_absolute_error')


def root_mean_squared_error(labels, predictions, weights=None,
                            metrics_collections=None,
                            updates_collections=None, name=None):
    """The square root of the running mean squared error."""
    tf = _tf()
    value, update = mean_squared_error(labels, predictions, weights,
                                       name=name or 'root_mean_squared_error')
    return _collected(tf.sqrt(value), tf.sqrt(update),
                      metrics_collections, updates_collections)


def _count(condition, weights, name):
    """A running (weighted) count of the true entries of `condition`."""
    tf = _tf()
    with _variables.variable_scope(name, 'count'):
        values = _float(condition)
        if weights is not None:
            values = values * _float(weights)
        count = metric_variable([], 'float32', 'count')
        update = tf.compat.v1.assign_add(count, tf.reduce_sum(values))
        return tf.identity(count), update


def _booleans(labels, predictions):
    tf = _tf()
    predictions, labels = _squeezed(tf.cast(predictions, tf.bool),
                                    tf.cast(labels, tf.bool))
    return labels, predictions


def true_positives(labels, predictions, weights=None,
                   metrics_collections=None, updates_collections=None,
                   name=None):
    """The running count of entries true in both (cast to bool)."""
    tf = _tf()
    labels, predictions = _booleans(labels, predictions)
    value, update = _count(tf.logical_and(labels, predictions), weights,
                           name or 'true_positives')
    return _collected(value, update, metrics_collections,
                      updates_collections)


def false_positives(labels, predictions, weights=None,
                    metrics_collections=None, updates_collections=None,
                    name=None):
    """The running count of true predictions of false labels."""
    tf = _tf()
    labels, predictions = _booleans(labels, predictions)
    value, update = _count(
        tf.logical_and(tf.logical_not(labels), predictions), weights,
        name or 'false_positives')
    return _collected(value, update, metrics_collections,
                      updates_collections)


def false_negatives(labels, predictions, weights=None,
                    metrics_collections=None, updates_collections=None,
                    name=None):
    """The running count of false predictions of true labels."""
    tf = _tf()
    labels, predictions = _booleans(labels, predictions)
    value, update = _count(
        tf.logical_and(labels, tf.logical_not(predictions)), weights,
        name or 'false_negatives')
    return _collected(value, update, metrics_collections,
                      updates_collections)


def _ratio(first, second, labels, predictions, weights, name, default,
           collections):
    with _variables.variable_scope(name, default):
        hit, hit_update = true_positives(labels, predictions, weights)
        miss, miss_update = second(labels, predictions, weights)
        return _collected(_safe_div(hit, hit + miss),
                          _safe_div(hit_update, hit_update + miss_update),
                          *collections)


def precision(labels, predictions, weights=None, metrics_collections=None,
              updates_collections=None, name=None):
    """true positives / (true positives + false positives), running
    (predictions and labels cast to bool)."""
    return _ratio(true_positives, false_positives, labels, predictions,
                  weights, name, 'precision',
                  (metrics_collections, updates_collections))


def recall(labels, predictions, weights=None, metrics_collections=None,
           updates_collections=None, name=None):
    """true positives / (true positives + false negatives), running
    (predictions and labels cast to bool)."""
    return _ratio(true_positives, false_negatives, labels, predictions,
                  weights, name, 'recall',
                  (metrics_collections, updates_collections))


def _thresholds(num_thresholds):
    epsilon = 1e-7
    inner = [(i + 1) * 1.0 / (num_thresholds - 1)
             for i in range(num_thresholds - 2)]
    return [0.0 - epsilon] + inner + [1.0 + epsilon]


def _confusion_at_thresholds(labels, predictions, thresholds, weights):
    """Per threshold: the weighted counts tp, fn, tn, fp of this batch."""
    tf = _tf()
    predictions, labels = _squeezed(_float(predictions),
                                    tf.cast(labels, tf.bool))
    predictions = tf.reshape(predictions, [1, -1])
    labels = _float(tf.reshape(labels, [1, -1]))
    limits = tf.constant(np.asarray(thresholds, 'float32').reshape(-1, 1))
    above = tf.cast(predictions > limits, tf.float32)
    below = 1.0 - above
    negatives = 1.0 - labels
    if weights is None:
        weight = tf.ones_like(predictions)
    else:
        weight = tf.reshape(_float(weights) * tf.ones_like(
            _float(labels)), [1, -1])
    return [tf.reduce_sum(a * b * weight, 1) for a, b in
            ((labels, above), (labels, below), (negatives, below),
             (negatives, above))]


def _area(tp, fn, tn, fp, curve, summation_method, count):
    tf = _tf()
    epsilon = 1e-7
    recall_ = (tp + epsilon) / (tp + fn + epsilon)
    if curve == 'ROC':
        x, y = fp / (fp + tn + epsilon), recall_
    else:
        x, y = recall_, (tp + epsilon) / (tp + fp + epsilon)
    left, right = y[:count - 1], y[1:]
    if summation_method == 'trapezoidal':
        heights = (left + right) / 2.
    elif summation_method == 'minoring':
        heights = tf.minimum(left, right)
    else:
        heights = tf.maximum(left, right)
    return tf.reduce_sum((x[:count - 1] - x[1:]) * heights)


def auc(labels, predictions, weights=None, num_thresholds=200,
        metrics_collections=None, updates_collections=None, curve='ROC',
        name=None, summation_method='trapezoidal', thresholds=None):
    """The running area under the ROC (or PR) curve, from counts at
    `num_thresholds` evenly spaced thresholds (predictions in [0, 1])."""
    tf = _tf()
    if curve not in ('ROC', 'PR'):
        raise ValueError('curve must be either ROC or PR, %s unknown'
                         % curve)
    if summation_method == 'careful_interpolation':
        raise NotImplementedError(
            "tf.metrics.auc(summation_method='careful_interpolation') is "
            "not supported; use 'trapezoidal', 'minoring' or 'majoring'.")
    if summation_method not in ('trapezoidal', 'minoring', 'majoring'):
        raise ValueError('Invalid summation_method: %s' % summation_method)
    if thresholds is not None:
        thresholds = [0.0 - 1e-7] + list(thresholds) + [1.0 + 1e-7]
    else:
        thresholds = _thresholds(num_thresholds)
    count = len(thresholds)
    with _variables.variable_scope(name, 'auc'):
        batch = _confusion_at_thresholds(labels, predictions, thresholds,
                                         weights)
        names = ('true_positives', 'false_negatives', 'true_negatives',
                 'false_positives')
        totals = [metric_variable([count], 'float32', n) for n in names]
        updates = [tf.compat.v1.assign_add(v, b)
                   for v, b in zip(totals, batch)]
        return _collected(
            _area(*totals, curve, summation_method, count),
            _area(*updates, curve, summation_method, count),
            metrics_collections, updates_collections)


def mean_iou(labels, predictions, num_classes, weights=None,
             metrics_collections=None, updates_collections=None, name=None):
    """The running mean intersection-over-union of the classes present;
    `update_op` gives the accumulated confusion matrix (float64)."""
    tf = _tf()
    with _variables.variable_scope(name, 'mean_iou'):
        predictions, labels = _squeezed(predictions, labels)
        labels = tf.cast(tf.reshape(labels, [-1]), tf.int64)
        predictions = tf.cast(tf.reshape(predictions, [-1]), tf.int64)
        codes = tf.one_hot(labels * num_classes + predictions,
                           num_classes * num_classes, dtype=tf.float64)
        if weights is not None:
            codes = codes * tf.reshape(tf.cast(weights, tf.float64), [-1, 1])
        batch = tf.reshape(tf.reduce_sum(codes, 0),
                           [num_classes, num_classes])
        total = metric_variable([num_classes, num_classes], 'float64',
                                'total_confusion_matrix')
        update = tf.compat.v1.assign_add(total, batch)
        return _collected(_mean_iou(total), update, metrics_collections,
                          updates_collections)


def _mean_iou(matrix):
    tf = _tf()
    matrix = tf.cast(matrix, tf.float32)
    diagonal = tf.linalg.diag_part(matrix)
    union = tf.reduce_sum(matrix, 0) + tf.reduce_sum(matrix, 1) - diagonal
    valid = tf.reduce_sum(tf.cast(union > 0, tf.float32))
    iou = diagonal / tf.where(union > 0, union, tf.ones_like(union))
    return _safe_div(tf.reduce_sum(iou), valid)


# ------------------------------------------------------------ dispatch
from . import tensorflow_v1_metrics_thresholds as _thresholds_module  # noqa
from . import tensorflow_v1_metrics_at_k as _at_k_module  # noqa
STREAMING = ('accuracy', 'mean', 'auc', 'precision', 'recall',
             'mean_squared_error', 'mean_absolute_error', 'mean_iou',
             'true_positives', 'false_positives', 'false_negatives',
             'root_mean_squared_error') + _thresholds_module.NAMES + \
    _at_k_module.NAMES


def _streaming_call(args, kwargs):
    """Whether a call is TensorFlow 1's: its keywords, or a graph being
    built."""
    if any(key in _TF1_KEYWORDS for key in kwargs):
        return True
    return _variables._graph_mode()


def _dispatcher(name, keras_metrics):
    streaming = globals().get(name) or getattr(
        _thresholds_module, name, None) or getattr(_at_k_module, name)
    keras_function = getattr(keras_metrics, name, None)

    def metric(*args, **kwargs):
        if keras_function is None or _streaming_call(args, kwargs):
            if not _variables._graph_mode():
                raise RuntimeError('tf.metrics.%s is not supported when '
                                   'eager execution is enabled.' % name)
            return streaming(*args, **kwargs)
        return keras_function(*args, **kwargs)
    metric.__name__ = name
    metric.__doc__ = streaming.__doc__
    return metric


class _Metrics(types.ModuleType):
    """`tf.metrics`: tf.keras.metrics, with TensorFlow 1's streaming
    metrics for their call forms."""

    def __init__(self, keras_metrics):
        types.ModuleType.__init__(self, 'tensorflow.metrics',
                                  keras_metrics.__doc__)
        self._keras_metrics = keras_metrics
        for name in STREAMING:
            setattr(self, name, _dispatcher(name, keras_metrics))

    def __getattr__(self, name):
        if name.startswith('__'):
            raise AttributeError(name)
        return getattr(self._keras_metrics, name)

    def __dir__(self):
        return sorted(set(dir(self._keras_metrics)) | set(STREAMING))


_SERVED = {}


def metrics_module(keras_metrics):
    """The `tf.metrics` module serving `keras_metrics`."""
    served = _SERVED.get(id(keras_metrics))
    if served is None or served._keras_metrics is not keras_metrics:
        served = _SERVED[id(keras_metrics)] = _Metrics(keras_metrics)
    return served
