"""Keras metrics: functions `(y_true, y_pred) -> per-sample values` and
stateful `Metric` objects that accumulate over an epoch.

Metric state lives in device tensors and is only read when a result is
shown, so the training loop never waits on the device for a metric."""
import copy

import numpy as np
import torch

from . import backend as K
from .backend import immutable
from .backend.ops import symbolic_aware_names
from . import losses as losses_module
from .losses import (mean_squared_error, mean_absolute_error,
                     mean_absolute_percentage_error,
                     mean_squared_logarithmic_error, hinge, squared_hinge,
                     categorical_hinge, logcosh, categorical_crossentropy,
                     sparse_categorical_crossentropy, binary_crossentropy,
                     kullback_leibler_divergence, poisson,
                     mse, MSE, mae, MAE, mape, MAPE, msle, MSLE, kld, KLD)
from .utils.generic_utils import (deserialize_keras_object,
                                  serialize_keras_object)


def _floatx():
    return K.torch_dtype(K.floatx())


def _as_tensors(y_true, y_pred):
    return K.as_tensor(y_true), K.as_tensor(y_pred)


# ---------------------------------------------------------------- functions
def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Mean over the last axis of (y_pred > threshold) == y_true."""
    y_true, y_pred = _as_tensors(y_true, y_pred)
    predicted = (y_pred > threshold).to(y_pred.dtype)
    return torch.mean((y_true.to(y_pred.dtype) == predicted).to(
        _floatx()), dim=-1)


def categorical_accuracy(y_true, y_pred):
    """1 where argmax(y_true) == argmax(y_pred)."""
    y_true, y_pred = _as_tensors(y_true, y_pred)
    return (torch.argmax(y_true, dim=-1) ==
            torch.argmax(y_pred, dim=-1)).to(_floatx())


def sparse_categorical_accuracy(y_true, y_pred):
    """1 where the integer label equals argmax(y_pred)."""
    y_true, y_pred = _as_tensors(y_true, y_pred)
    if y_true.dim() == y_pred.dim() and y_true.shape[-1] == 1:
        y_true = y_true.squeeze(-1)
    predicted = torch.argmax(y_pred, dim=-1)
    return (y_true.to(predicted.dtype) == predicted).to(_floatx())


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1 where the true class is among the k highest predictions."""
    y_true, y_pred = _as_tensors(y_true, y_pred)
    return K.in_top_k(y_pred, torch.argmax(y_true, dim=-1), k).to(_floatx())


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    y_true, y_pred = _as_tensors(y_true, y_pred)
    return K.in_top_k(y_pred, y_true.reshape(-1).long(), k).to(_floatx())


def accuracy(y_true, y_pred):
    """Exact equality of y_true and y_pred, element-wise."""
    y_true, y_pred = _as_tensors(y_true, y_pred)
    return (y_true.to(y_pred.dtype) == y_pred).to(_floatx())


symbolic_aware_names(globals(), (
    'binary_accuracy', 'categorical_accuracy', 'sparse_categorical_accuracy',
    'top_k_categorical_accuracy', 'sparse_top_k_categorical_accuracy',
    'accuracy'))

acc = categorical_accuracy


# ----------------------------------------------------------------- classes
class Metric(object):
    """Base class of stateful metrics: `update_state` accumulates,
    `result` reads, `reset_states` clears."""

    def __init__(self, name=None, dtype=None, **kwargs):
        self.name = name or _to_snake(type(self).__name__)
        self.dtype = dtype or K.floatx()
        self.stateful = True

    def __call__(self, *args, **kwargs):
        """Updates the state with the arguments of `update_state` and
        returns the result. On functional-model tensors the update runs on
        every forward pass, and the result tensor carries the metric
        (`_metric_obj`) for `add_metric`."""
        from .engine.symbolic import apply_op, has_symbolic
        if has_symbolic(args, kwargs):
            result = apply_op(self._update_and_result, args, kwargs,
                              name=self.name)
        else:
            result = self._update_and_result(*args, **kwargs)
        try:
            result._metric_obj = self
        except AttributeError:
            pass   # a plain number from a custom result()
        return result

    def _update_and_result(self, *args, **kwargs):
        with torch.no_grad():
            self.update_state(*args, **kwargs)
        return self.result()

    def update_state(self, *args, **kwargs):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    # ------------------------------------------ state variables (tf.keras)
    def add_weight(self, name, shape=(), aggregation='sum',
                   synchronization='on_read', initializer=None,
                   dtype=None):
        """A state variable of the metric (tf.keras's `Metric.add_weight`):
        not trained, zeroed by `reset_state`, listed by `variables`."""
        from . import initializers
        dtype = dtype or self.dtype
        value = initializers.get(initializer or 'zeros')(
            tuple(shape), dtype=dtype)
        variable = K.variable(value, dtype=dtype, name=name)
        variable.requires_grad_(False)
        self.__dict__.setdefault('_state_variables', []).append(variable)
        return variable

    @property
    def variables(self):
        return list(self.__dict__.get('_state_variables', []))

    weights = variables
    non_trainable_weights = variables

    @property
    def trainable_weights(self):
        return []

    def reset_states(self):
        """Zeroes the state variables (a subclass of tf.keras 2.5+ that
        defines `reset_state` instead gets that called)."""
        if type(self).reset_state is not Metric.reset_state:
            return self.reset_state()
        self._zero_variables()

    def reset_state(self):
        if type(self).reset_states is not Metric.reset_states:
            return self.reset_states()
        self._zero_variables()

    def _zero_variables(self):
        variables = self.variables
        if not variables:
            raise NotImplementedError(
                'Metric %s has no state variables (add_weight) to reset: '
                'define reset_state().' % type(self).__name__)
        with torch.no_grad():
            for variable in variables:
                variable.zero_()

    def _state_tensors(self):
        """The additive state, as tensors, for summing over the processes
        of a distributed run: the state variables, where it has them."""
        if self.variables:
            return [v.detach().clone() for v in self.variables]
        raise NotImplementedError(
            'The metric %r cannot be combined across torchrun processes: '
            'define _state_tensors() and _load_state_tensors() returning '
            'and taking its additive state.' % self.name)

    def _load_state_tensors(self, tensors):
        if not self.variables:
            raise NotImplementedError
        with torch.no_grad():
            for variable, value in zip(self.variables, tensors):
                variable.copy_(value)

    def get_config(self):
        return {'name': self.name, 'dtype': self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return '<%s name=%s>' % (type(self).__name__, self.name)


def _to_snake(name):
    from .engine.base_layer import to_snake_case
    return to_snake_case(name)


def _weights_like(values, sample_weight):
    weight = K.as_tensor(sample_weight).to(values.dtype)
    while weight.dim() > values.dim() and weight.shape[-1] == 1:
        weight = weight.squeeze(-1)
    while weight.dim() < values.dim():
        weight = weight.unsqueeze(-1)
    if weight.dim() > values.dim():
        return weight
    return weight.expand_as(values)


class Reduce(Metric):
    """Sum or mean of the values seen, optionally weighted."""

    def __init__(self, reduction='mean', name=None, dtype=None):
        super(Reduce, self).__init__(name=name, dtype=dtype)
        self.reduction = reduction
        self.reset_states()

    def reset_states(self):
        self.total = None
        self.count = 0.
        self._weighted_count = None

    def update_state(self, values, sample_weight=None):
        values = K.as_tensor(values)
        if not values.is_floating_point():
            values = values.to(_floatx())
        values = values.detach()
        if sample_weight is not None:
            weight = _weights_like(values, sample_weight)
            if weight.dim() > values.dim():
                # A value of lower rank than its weights (a metric that
                # reduced over the batch): counted once per weight, as
                # tf.keras broadcasts it.
                values, weight = torch.broadcast_tensors(values, weight)
            batch_total = torch.sum(values * weight)
            batch_count = torch.sum(weight)
            self._weighted_count = batch_count if \
                self._weighted_count is None else \
                self._weighted_count + batch_count
        else:
            batch_total = torch.sum(values)
            self.count += values.numel()
        self.total = batch_total if self.total is None else \
            self.total + batch_total

    def _state_tensors(self):
        zero = torch.zeros((), dtype=torch.float64)
        return [zero if self.total is None else self.total.reshape(()),
                torch.tensor(float(self.count), dtype=torch.float64),
                zero if self._weighted_count is None else
                self._weighted_count.reshape(())]

    def _load_state_tensors(self, tensors):
        self.total = tensors[0].to(_floatx())
        self.count = float(tensors[1])
        self._weighted_count = tensors[2].to(_floatx())

    def _add_sum(self, batch_total, batch_count):
        """Adds a precomputed (sum, count) pair; count is a Python number."""
        self.total = batch_total if self.total is None else \
            self.total + batch_total
        self.count += batch_count

    def result(self):
        if self.total is None:
            return torch.zeros((), dtype=_floatx())
        if self.reduction == 'sum':
            return self.total
        count = self.count
        if self._weighted_count is not None:
            count = self._weighted_count + count
        if isinstance(count, torch.Tensor):
            return self.total / torch.clamp(count, min=1e-12)
        return self.total / max(count, 1e-12)


class Sum(Reduce):
    """Sum of the values seen."""

    def __init__(self, name='sum', dtype=None):
        super(Sum, self).__init__(reduction='sum', name=name, dtype=dtype)


class Mean(Reduce):
    """(Weighted) mean of the values seen."""

    def __init__(self, name='mean', dtype=None):
        super(Mean, self).__init__(reduction='mean', name=name, dtype=dtype)


class MeanMetricWrapper(Mean):
    """Mean over all samples of a function `fn(y_true, y_pred, **kwargs)`."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super(MeanMetricWrapper, self).__init__(name=name or fn.__name__,
                                                dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = immutable.call_user(self._fn, y_true, y_pred,
                                     **self._fn_kwargs)
        super(MeanMetricWrapper, self).update_state(values, sample_weight)

    def get_config(self):
        config = dict(self._fn_kwargs)
        config.update(super(MeanMetricWrapper, self).get_config())
        return config


def _wrapper_class(class_name, fn, default_name, doc, leading=(),
                   **defaults):
    """A metric class over `fn`. Positional arguments are tf.keras's:
    the `leading` options (TopKCategoricalAccuracy's `k`), then name,
    dtype and the other options."""
    order = list(leading) + ['name', 'dtype'] + [
        key for key in defaults if key not in leading]

    def __init__(self, *args, **kwargs):
        from .losses import _positional
        kwargs = _positional(class_name, order, args, kwargs)
        name = kwargs.pop('name', default_name)
        dtype = kwargs.pop('dtype', None)
        options = dict(defaults)
        unknown = set(kwargs) - set(options)
        if unknown:
            raise TypeError('Unexpected keyword arguments: %s'
                            % sorted(unknown))
        options.update(kwargs)
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype,
                                   **options)
    cls = type(class_name, (MeanMetricWrapper,),
               {'__init__': __init__, '__doc__': doc})
    cls.__module__ = __name__
    return cls


Accuracy = _wrapper_class('Accuracy', accuracy, 'accuracy',
                          'How often predictions equal labels.')
BinaryAccuracy = _wrapper_class('BinaryAccuracy', binary_accuracy,
                                'binary_accuracy',
                                'How often thresholded predictions match '
                                'binary labels.', threshold=0.5)
CategoricalAccuracy = _wrapper_class('CategoricalAccuracy',
                                     categorical_accuracy,
                                     'categorical_accuracy',
                                     'How often argmax matches one-hot '
                                     'labels.')
SparseCategoricalAccuracy = _wrapper_class(
    'SparseCategoricalAccuracy', sparse_categorical_accuracy,
    'sparse_categorical_accuracy',
    'How often argmax matches integer labels.')
TopKCategoricalAccuracy = _wrapper_class(
    'TopKCategoricalAccuracy', top_k_categorical_accuracy,
    'top_k_categorical_accuracy', 'Top-k accuracy on one-hot labels.',
    leading=('k',), k=5)
SparseTopKCategoricalAccuracy = _wrapper_class(
    'SparseTopKCategoricalAccuracy', sparse_top_k_categorical_accuracy,
    'sparse_top_k_categorical_accuracy',
    'Top-k accuracy on integer labels.', leading=('k',), k=5)
MeanSquaredError = _wrapper_class('MeanSquaredError', mean_squared_error,
                                  'mean_squared_error', 'Mean squared '
                                  'error.')
MeanAbsoluteError = _wrapper_class('MeanAbsoluteError', mean_absolute_error,
                                   'mean_absolute_error',
                                   'Mean absolute error.')
MeanAbsolutePercentageError = _wrapper_class(
    'MeanAbsolutePercentageError', mean_absolute_percentage_error,
    'mean_absolute_percentage_error', 'Mean absolute percentage error.')
MeanSquaredLogarithmicError = _wrapper_class(
    'MeanSquaredLogarithmicError', mean_squared_logarithmic_error,
    'mean_squared_logarithmic_error', 'Mean squared logarithmic error.')
Hinge = _wrapper_class('Hinge', hinge, 'hinge', 'Hinge loss.')
SquaredHinge = _wrapper_class('SquaredHinge', squared_hinge,
                              'squared_hinge', 'Squared hinge loss.')
CategoricalHinge = _wrapper_class('CategoricalHinge', categorical_hinge,
                                  'categorical_hinge',
                                  'Categorical hinge loss.')
LogCoshError = _wrapper_class('LogCoshError', logcosh, 'logcosh',
                              'Log-cosh error.')
Poisson = _wrapper_class('Poisson', poisson, 'poisson', 'Poisson loss.')
KLDivergence = _wrapper_class('KLDivergence', kullback_leibler_divergence,
                              'kullback_leibler_divergence',
                              'Kullback-Leibler divergence.')
BinaryCrossentropy = _wrapper_class('BinaryCrossentropy',
                                    binary_crossentropy,
                                    'binary_crossentropy',
                                    'Binary cross-entropy.',
                                    from_logits=False, label_smoothing=0)
CategoricalCrossentropy = _wrapper_class(
    'CategoricalCrossentropy', categorical_crossentropy,
    'categorical_crossentropy', 'Categorical cross-entropy.',
    from_logits=False, label_smoothing=0)
SparseCategoricalCrossentropy = _wrapper_class(
    'SparseCategoricalCrossentropy', sparse_categorical_crossentropy,
    'sparse_categorical_crossentropy',
    'Sparse categorical cross-entropy.', from_logits=False, axis=-1)


def cosine_proximity(y_true, y_pred, axis=-1):
    """Cosine similarity along `axis`. As a metric Keras 2.3 reports it
    positive (the loss of the same name is its negative)."""
    return -losses_module.cosine_proximity(y_true, y_pred, axis=axis)


cosine = cosine_similarity = cosine_proximity
symbolic_aware_names(globals(), ('cosine_proximity',))
cosine = cosine_similarity = cosine_proximity


CosineSimilarity = _wrapper_class('CosineSimilarity',
                                  cosine_proximity,
                                  'cosine_similarity',
                                  'Cosine similarity.', axis=-1)


class RootMeanSquaredError(Mean):
    """sqrt of the mean squared error over all samples."""

    def __init__(self, name='root_mean_squared_error', dtype=None):
        super(RootMeanSquaredError, self).__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = losses_module._prepare(y_true, y_pred)
        diff = y_pred - y_true
        super(RootMeanSquaredError, self).update_state(diff * diff,
                                                       sample_weight)

    def result(self):
        return torch.sqrt(super(RootMeanSquaredError, self).result())


def _accumulator_or_zeros(metric):
    if metric.accumulator is not None:
        return metric.accumulator
    shape = (len(metric.thresholds),)
    if metric._cells:
        shape = (metric._cells,) + shape
    return torch.zeros(shape, dtype=torch.float64)


class _ConfusionMatrixMetric(Metric):
    """Counts of a confusion-matrix cell at one or more thresholds."""

    _cells = None   # rows of the accumulator (None: one row, squeezed)

    def __init__(self, thresholds=None, name=None, dtype=None):
        super(_ConfusionMatrixMetric, self).__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        if thresholds is None:
            thresholds = 0.5
        self.thresholds = [thresholds] if np.ndim(thresholds) == 0 \
            else list(thresholds)
        self.reset_states()

    def reset_states(self):
        self.accumulator = None

    def _state_tensors(self):
        return [_accumulator_or_zeros(self)]

    def _load_state_tensors(self, tensors):
        self.accumulator = tensors[0].to(_floatx())

    def _counts(self, y_true, y_pred, sample_weight):
        y_true, y_pred = _as_tensors(y_true, y_pred)
        y_pred = y_pred.detach().to(_floatx())
        weight = None
        if sample_weight is not None:
            weight = _weights_like(y_pred, sample_weight).reshape(-1)
        y_pred = y_pred.reshape(-1)
        y_true = y_true.detach().to(torch.bool).reshape(-1)
        thresholds = torch.as_tensor(self.thresholds, dtype=y_pred.dtype,
                                     device=y_pred.device)
        above = y_pred.unsqueeze(0) > thresholds.unsqueeze(1)
        return y_true, above, weight

    def _accumulate(self, cells):
        self.accumulator = cells if self.accumulator is None else \
            self.accumulator + cells

    def result(self):
        if self.accumulator is None:
            out = torch.zeros(len(self.thresholds))
        else:
            out = self.accumulator
        return out[0] if len(self.thresholds) == 1 else out

    def get_config(self):
        config = {'thresholds': self.init_thresholds}
        config.update(super(_ConfusionMatrixMetric, self).get_config())
        return config


def _cell_metric(class_name, predicted_positive, actual_positive, doc):
    def update_state(self, y_true, y_pred, sample_weight=None):
        labels, above, weight = self._counts(y_true, y_pred, sample_weight)
        pred = above if predicted_positive else ~above
        actual = labels if actual_positive else ~labels
        hits = (pred & actual.unsqueeze(0)).to(_floatx())
        if weight is not None:
            hits = hits * weight.unsqueeze(0)
        self._accumulate(hits.sum(dim=1))

    def __init__(self, thresholds=None, name=None, dtype=None):
        _ConfusionMatrixMetric.__init__(
            self, thresholds=thresholds,
            name=name or _to_snake(class_name), dtype=dtype)
    cls = type(class_name, (_ConfusionMatrixMetric,),
               {'__init__': __init__, 'update_state': update_state,
                '__doc__': doc})
    cls.__module__ = __name__
    return cls


TruePositives = _cell_metric('TruePositives', True, True,
                             'Weighted count of true positives.')
TrueNegatives = _cell_metric('TrueNegatives', False, False,
                             'Weighted count of true negatives.')
FalsePositives = _cell_metric('FalsePositives', True, False,
                              'Weighted count of false positives.')
FalseNegatives = _cell_metric('FalseNegatives', False, True,
                              'Weighted count of false negatives.')


class Precision(_ConfusionMatrixMetric):
    """true_positives / (true_positives + false_positives)."""

    _cells = 2

    def __init__(self, thresholds=None, top_k=None, class_id=None,
                 name=None, dtype=None):
        if top_k is not None or class_id is not None:
            raise NotImplementedError('Precision(top_k=..., class_id=...) '
                                      'is not supported yet.')
        super(Precision, self).__init__(thresholds=thresholds,
                                        name=name or 'precision',
                                        dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        labels, above, weight = self._counts(y_true, y_pred, sample_weight)
        tp = (above & labels.unsqueeze(0)).to(_floatx())
        fp = (above & ~labels.unsqueeze(0)).to(_floatx())
        if weight is not None:
            tp, fp = tp * weight, fp * weight
        self._accumulate(torch.stack([tp.sum(dim=1), fp.sum(dim=1)]))

    def result(self):
        if self.accumulator is None:
            out = torch.zeros(len(self.thresholds))
        else:
            tp, fp = self.accumulator[0], self.accumulator[1]
            out = torch.where(tp + fp > 0, tp / torch.clamp(tp + fp,
                                                            min=1e-12),
                              torch.zeros_like(tp))
        return out[0] if len(self.thresholds) == 1 else out


class Recall(_ConfusionMatrixMetric):
    """true_positives / (true_positives + false_negatives)."""

    _cells = 2

    def __init__(self, thresholds=None, top_k=None, class_id=None,
                 name=None, dtype=None):
        if top_k is not None or class_id is not None:
            raise NotImplementedError('Recall(top_k=..., class_id=...) is '
                                      'not supported yet.')
        super(Recall, self).__init__(thresholds=thresholds,
                                     name=name or 'recall', dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        labels, above, weight = self._counts(y_true, y_pred, sample_weight)
        tp = (above & labels.unsqueeze(0)).to(_floatx())
        fn = (~above & labels.unsqueeze(0)).to(_floatx())
        if weight is not None:
            tp, fn = tp * weight, fn * weight
        self._accumulate(torch.stack([tp.sum(dim=1), fn.sum(dim=1)]))

    def result(self):
        if self.accumulator is None:
            out = torch.zeros(len(self.thresholds))
        else:
            tp, fn = self.accumulator[0], self.accumulator[1]
            out = torch.where(tp + fn > 0, tp / torch.clamp(tp + fn,
                                                            min=1e-12),
                              torch.zeros_like(tp))
        return out[0] if len(self.thresholds) == 1 else out


class AUC(Metric):
    """Area under the ROC or PR curve from confusion counts at
    `num_thresholds` evenly spaced thresholds (Riemann sum with
    interpolation, as tf.keras computes it)."""

    _cells = 4

    def __init__(self, num_thresholds=200, curve='ROC',
                 summation_method='interpolation', name=None, dtype=None,
                 thresholds=None, multi_label=False, label_weights=None,
                 num_labels=None, from_logits=False):
        super(AUC, self).__init__(name=name or 'auc', dtype=dtype)
        if multi_label or label_weights is not None:
            raise NotImplementedError('AUC(multi_label=True) and '
                                      'label_weights are not supported yet.')
        # tf.keras reads num_labels only with multi_label=True.
        self.num_labels = num_labels
        self._from_logits = bool(from_logits)
        from .utils.metrics_utils import AUCCurve, AUCSummationMethod
        self.curve = AUCCurve.from_str(getattr(curve, 'value', curve))
        self.summation_method = AUCSummationMethod.from_str(
            getattr(summation_method, 'value', summation_method))
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            inner = list(thresholds)
        else:
            if num_thresholds <= 1:
                raise ValueError('`num_thresholds` must be > 1.')
            self.num_thresholds = num_thresholds
            inner = [(i + 1) * 1.0 / (num_thresholds - 1)
                     for i in range(num_thresholds - 2)]
        eps = 1e-7
        self.thresholds = [0.0 - eps] + inner + [1.0 + eps]
        self.reset_states()

    def reset_states(self):
        self.accumulator = None

    @property
    def weights(self):
        """The true/true-negative/false-positive/false-negative counts per
        threshold, as Keras's four AUC variables."""
        return list(_accumulator_or_zeros(self))

    def _state_tensors(self):
        return [_accumulator_or_zeros(self)]

    def _load_state_tensors(self, tensors):
        self.accumulator = tensors[0].to(_floatx())

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _as_tensors(y_true, y_pred)
        y_pred = y_pred.detach().to(_floatx())
        if getattr(self, '_from_logits', False):
            y_pred = torch.sigmoid(y_pred)
        weight = torch.ones_like(y_pred) if sample_weight is None else \
            _weights_like(y_pred, sample_weight)
        weight = weight.reshape(-1)
        y_pred = y_pred.reshape(-1)
        labels = y_true.detach().to(torch.bool).reshape(-1)
        thresholds = torch.as_tensor(self.thresholds, dtype=y_pred.dtype,
                                     device=y_pred.device).unsqueeze(1)
        above = y_pred.unsqueeze(0) > thresholds
        lab = labels.unsqueeze(0)
        cells = torch.stack([
            ((above & lab).to(_floatx()) * weight).sum(1),
            ((~above & ~lab).to(_floatx()) * weight).sum(1),
            ((above & ~lab).to(_floatx()) * weight).sum(1),
            ((~above & lab).to(_floatx()) * weight).sum(1)])
        self.accumulator = cells if self.accumulator is None else \
            self.accumulator + cells

    def result(self):
        if self.accumulator is None:
            return torch.zeros(())
        tp, tn, fp, fn = self.accumulator
        if self.curve == 'PR' and self.summation_method == 'interpolation':
            dtp = tp[:-1] - tp[1:]
            p = tp + fp
            dp = p[:-1] - p[1:]
            prec_slope = _div_no_nan(dtp, torch.clamp(dp, min=0))
            intercept = tp[1:] - prec_slope * p[1:]
            safe_p_ratio = torch.where(
                (p[:-1] > 0) & (p[1:] > 0),
                _div_no_nan(p[:-1], torch.clamp(p[1:], min=0)),
                torch.ones_like(p[1:]))
            return torch.sum(_div_no_nan(
                prec_slope * (dtp + intercept * torch.log(safe_p_ratio)),
                torch.clamp(tp[1:] + fn[1:], min=0)))
        recall = _div_no_nan(tp, tp + fn)
        if self.curve == 'ROC':
            x, y = _div_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, _div_no_nan(tp, tp + fp)
        if self.summation_method in ('interpolation', 'trapezoidal'):
            heights = (y[:-1] + y[1:]) / 2.
        elif self.summation_method == 'minoring':
            heights = torch.minimum(y[:-1], y[1:])
        else:
            heights = torch.maximum(y[:-1], y[1:])
        return torch.sum((x[:-1] - x[1:]) * heights)

    def get_config(self):
        config = {'num_thresholds': self.num_thresholds,
                  'curve': self.curve.value,
                  'summation_method': self.summation_method.value,
                  # Without the end points, as the constructor adds them.
                  'thresholds': list(self.thresholds[1:-1]),
                  'multi_label': False, 'num_labels': self.num_labels,
                  'label_weights': None, 'from_logits': self._from_logits}
        config.update(super(AUC, self).get_config())
        return config


class SensitivitySpecificityBase(Metric):
    """Confusion counts at `num_thresholds` thresholds evenly spaced in
    [0, 1]. The result is one rate at the threshold where the other rate
    is closest to `value` (Keras 2.3's SensitivityAtSpecificity and
    SpecificityAtSensitivity)."""

    _cells = 4
    _target_name = None   # the constructor argument holding `value`

    def __init__(self, value, num_thresholds=200, name=None, dtype=None):
        super(SensitivitySpecificityBase, self).__init__(name=name,
                                                         dtype=dtype)
        if self._target_name and not 0 <= value <= 1:
            raise ValueError('`%s` must be in the range [0, 1].'
                             % self._target_name)
        if num_thresholds <= 0:
            raise ValueError('`num_thresholds` must be > 0.')
        self.value = value
        if self._target_name:
            setattr(self, self._target_name, value)
        self.num_thresholds = num_thresholds
        if num_thresholds == 1:
            self.thresholds = [0.5]
        else:
            inner = [i * 1.0 / (num_thresholds - 1)
                     for i in range(1, num_thresholds - 1)]
            self.thresholds = [0.0 - 1e-7] + inner + [1.0 + 1e-7]
        self.reset_states()

    def reset_states(self):
        self.accumulator = None

    def _state_tensors(self):
        return [_accumulator_or_zeros(self)]

    def _load_state_tensors(self, tensors):
        self.accumulator = tensors[0].to(_floatx())

    update_state = AUC.update_state

    def _matched_and_reported(self, sensitivity, specificity):
        raise NotImplementedError

    def result(self):
        tp, tn, fp, fn = _accumulator_or_zeros(self)
        matched, reported = self._matched_and_reported(
            _div_no_nan(tp, tp + fn), _div_no_nan(tn, tn + fp))
        index = int(torch.argmin(torch.abs(matched - self.value)))
        return reported[index].float()

    def get_config(self):
        config = {'num_thresholds': self.num_thresholds}
        if self._target_name:
            config[self._target_name] = self.value
        config.update(super(SensitivitySpecificityBase, self).get_config())
        return config


class SensitivityAtSpecificity(SensitivitySpecificityBase):
    """Sensitivity (recall) at the threshold whose specificity is closest
    to `specificity`."""

    _target_name = 'specificity'

    def __init__(self, specificity, num_thresholds=200, name=None,
                 dtype=None):
        super(SensitivityAtSpecificity, self).__init__(
            specificity, num_thresholds=num_thresholds, name=name,
            dtype=dtype)

    def _matched_and_reported(self, sensitivity, specificity):
        return specificity, sensitivity


class SpecificityAtSensitivity(SensitivitySpecificityBase):
    """Specificity at the threshold whose sensitivity is closest to
    `sensitivity`."""

    _target_name = 'sensitivity'

    def __init__(self, sensitivity, num_thresholds=200, name=None,
                 dtype=None):
        super(SpecificityAtSensitivity, self).__init__(
            sensitivity, num_thresholds=num_thresholds, name=name,
            dtype=dtype)

    def _matched_and_reported(self, sensitivity, specificity):
        return sensitivity, specificity


class _MaxUnderConstraint(SensitivitySpecificityBase):
    """tf.keras's PrecisionAtRecall / RecallAtPrecision: the largest value
    of one rate over the thresholds where the other is at least the
    target (0 where none is)."""

    def __init__(self, value, num_thresholds=200, class_id=None, name=None,
                 dtype=None):
        if class_id is not None:
            raise NotImplementedError(
                '%s(class_id=...) is not supported: slice that class\'s '
                'column of y_true and y_pred before the metric.'
                % type(self).__name__)
        self.class_id = class_id
        super(_MaxUnderConstraint, self).__init__(
            value, num_thresholds=num_thresholds, name=name, dtype=dtype)

    def _constrained_and_reported(self, precision, recall):
        raise NotImplementedError

    def result(self):
        tp, tn, fp, fn = _accumulator_or_zeros(self)
        constrained, reported = self._constrained_and_reported(
            _div_no_nan(tp, tp + fp), _div_no_nan(tp, tp + fn))
        feasible = constrained >= self.value
        if not bool(feasible.any()):
            return torch.zeros((), dtype=reported.dtype).float()
        return reported[feasible].max().float()

    def get_config(self):
        config = super(_MaxUnderConstraint, self).get_config()
        config['class_id'] = self.class_id
        return config


class PrecisionAtRecall(_MaxUnderConstraint):
    """The best precision at a threshold whose recall is at least
    `recall` (tf.keras 2.x)."""

    _target_name = 'recall'

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None,
                 dtype=None):
        super(PrecisionAtRecall, self).__init__(
            recall, num_thresholds=num_thresholds, class_id=class_id,
            name=name, dtype=dtype)

    def _constrained_and_reported(self, precision, recall):
        return recall, precision


class RecallAtPrecision(_MaxUnderConstraint):
    """The best recall at a threshold whose precision is at least
    `precision` (tf.keras 2.x)."""

    _target_name = 'precision'

    def __init__(self, precision, num_thresholds=200, class_id=None,
                 name=None, dtype=None):
        super(RecallAtPrecision, self).__init__(
            precision, num_thresholds=num_thresholds, class_id=class_id,
            name=name, dtype=dtype)

    def _constrained_and_reported(self, precision, recall):
        return precision, recall


class MeanIoU(Metric):
    """Mean intersection-over-union over `num_classes` classes from a
    confusion matrix of integer labels and predicted class ids; classes
    that never occur (empty union) are left out of the mean. tf.keras
    2.10+: entries whose label is `ignore_class` are left out; with
    `sparse_y_true` / `sparse_y_pred` False, the class is the argmax of
    `y_true` / `y_pred` along `axis`."""

    def __init__(self, num_classes, name=None, dtype=None,
                 ignore_class=None, sparse_y_true=True, sparse_y_pred=True,
                 axis=-1):
        super(MeanIoU, self).__init__(name=name or 'mean_io_u', dtype=dtype)
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.reset_states()

    def reset_states(self):
        self.total_cm = torch.zeros((self.num_classes, self.num_classes),
                                    dtype=torch.float64)

    def _state_tensors(self):
        return [self.total_cm]

    def _load_state_tensors(self, tensors):
        self.total_cm = tensors[0].to(torch.float64)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _as_tensors(y_true, y_pred)
        y_true, y_pred = y_true.detach(), y_pred.detach()
        if not self.sparse_y_true:
            y_true = torch.argmax(y_true, dim=self.axis)
        if not self.sparse_y_pred:
            y_pred = torch.argmax(y_pred, dim=self.axis)
        labels = y_true.reshape(-1).long()
        predictions = y_pred.reshape(-1).long()
        weight = torch.ones(labels.shape, dtype=torch.float64) \
            if sample_weight is None else \
            torch.as_tensor(np.asarray(sample_weight) if not isinstance(
                sample_weight, torch.Tensor) else sample_weight.detach(),
                dtype=torch.float64).reshape(-1).expand(labels.shape)
        if self.ignore_class is not None:
            valid = labels != int(self.ignore_class)
            labels = labels[valid]
            predictions = predictions[valid.to(predictions.device)]
            weight = weight[valid.to(weight.device)]
        flat = (labels * self.num_classes + predictions).cpu()
        counts = torch.bincount(flat, weights=weight.cpu(),
                                minlength=self.num_classes ** 2)
        self.total_cm = self.total_cm.to(counts.device) + counts.reshape(
            self.num_classes, self.num_classes)

    def result(self):
        cm = self.total_cm
        true_positives = torch.diagonal(cm)
        denominator = cm.sum(0) + cm.sum(1) - true_positives
        valid = (denominator > 1e-9).sum()
        iou = _div_no_nan(true_positives, denominator)
        return _div_no_nan(iou.sum(), valid.to(iou.dtype)).float()

    def get_config(self):
        config = {'num_classes': self.num_classes,
                  'ignore_class': self.ignore_class,
                  'sparse_y_true': self.sparse_y_true,
                  'sparse_y_pred': self.sparse_y_pred, 'axis': self.axis}
        config.update(super(MeanIoU, self).get_config())
        return config


def _div_no_nan(a, b):
    return torch.where(b != 0, a / torch.where(b != 0, b, torch.ones_like(b)),
                       torch.zeros_like(a))


# ------------------------------------------------------------ (de)serialize
_FUNCTIONS = {
    'binary_accuracy': binary_accuracy,
    'categorical_accuracy': categorical_accuracy,
    'sparse_categorical_accuracy': sparse_categorical_accuracy,
    'top_k_categorical_accuracy': top_k_categorical_accuracy,
    'sparse_top_k_categorical_accuracy': sparse_top_k_categorical_accuracy,
    'accuracy': accuracy,
}
_FUNCTIONS.update(losses_module._FUNCTIONS)
_FUNCTIONS.update({'cosine_proximity': cosine_proximity,
                   'cosine_similarity': cosine_proximity,
                   'cosine': cosine_proximity})
_CLASSES = {cls.__name__: cls for cls in (
    Metric, Reduce, Sum, Mean, MeanMetricWrapper, Accuracy, BinaryAccuracy,
    CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy,
    SparseTopKCategoricalAccuracy, MeanSquaredError, MeanAbsoluteError,
    MeanAbsolutePercentageError, MeanSquaredLogarithmicError, Hinge,
    SquaredHinge, CategoricalHinge, LogCoshError, Poisson, KLDivergence,
    BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy, CosineSimilarity, RootMeanSquaredError,
    TruePositives, TrueNegatives, FalsePositives, FalseNegatives, Precision,
    Recall, AUC, SensitivityAtSpecificity, SpecificityAtSensitivity,
    MeanIoU)}


def clone_metric(metric):
    """A fresh copy of a stateful metric (from its config); other metrics
    as they are."""
    if not isinstance(metric, Metric):
        return metric
    try:
        return metric.__class__.from_config(metric.get_config())
    except TypeError:
        # A config that cannot rebuild the metric (a MeanMetricWrapper
        # around a user function): a copy with its state cleared.
        clone = copy.copy(metric)
        clone.reset_states()
        return clone


def clone_metrics(metrics):
    """clone_metric over a list or the values of a dict."""
    if metrics is None:
        return None
    if isinstance(metrics, dict):
        return {key: clone_metric(value) for key, value in metrics.items()}
    return [clone_metric(metric) for metric in metrics]


def serialize(metric):
    return serialize_keras_object(metric)


def deserialize(config, custom_objects=None):
    objects = dict(_FUNCTIONS)
    objects.update(_CLASSES)
    return deserialize_keras_object(config, module_objects=objects,
                                    custom_objects=custom_objects,
                                    printable_module_name='metric function',
                                    valid_names=sorted(
                                        ['accuracy', 'acc', 'crossentropy',
                                         'ce'] + list(_FUNCTIONS)))


def get(identifier):
    """A metric function or object from a name, config dict or callable."""
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return deserialize(str(identifier))
    if callable(identifier):
        return identifier
    raise ValueError('Could not interpret metric function identifier: ' +
                     str(identifier))
