"""Keras metrics: functions `(y_true, y_pred) -> per-sample values` and
stateful `Metric` objects that accumulate over an epoch.

Metric state lives in device tensors and is only read when a result is
shown, so the training loop never waits on the device for a metric."""
import copy
import functools
import warnings

import numpy as np
import torch

from . import backend as K
from .backend import common, immutable
from .backend.ops import symbolic_aware_names
from . import losses as losses_module
from .losses import (mean_squared_error, mean_absolute_error,
                     mean_absolute_percentage_error,
                     mean_squared_logarithmic_error, hinge, squared_hinge,
                     categorical_hinge, logcosh, categorical_crossentropy,
                     sparse_categorical_crossentropy, binary_crossentropy,
                     kullback_leibler_divergence, poisson,
                     binary_focal_crossentropy,
                     categorical_focal_crossentropy,
                     mse, MSE, mae, MAE, mape, MAPE, msle, MSLE, kld, KLD,
                     kl_divergence, log_cosh)
from .utils.generic_utils import (deserialize_keras_object,
                                  serialize_keras_object)


def _floatx():
    return K.torch_dtype(K.floatx())


def _as_tensors(y_true, y_pred):
    return K.as_tensor(y_true), K.as_tensor(y_pred)


# ---------------------------------------------------------------- functions
def binary_predicted(y_pred, threshold=0.5):
    """The class `binary_accuracy` reads from `y_pred`. tf.keras:
    `y_pred > threshold`. Standalone Keras 2 (2.0-2.3): `K.round(y_pred)`
    at the default threshold, so an unbounded output (a least-squares
    GAN's critic, a regression head) that falls below -0.5 counts as -1
    and one at 1.5 or more as 2, neither of them equal to a 0/1 label."""
    if threshold == 0.5 and common.api_flavour() == 'keras':
        return torch.round(y_pred)
    return (y_pred > threshold).to(y_pred.dtype)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Mean over the last axis of `binary_predicted(y_pred) == y_true`."""
    y_true, y_pred = _as_tensors(y_true, y_pred)
    predicted = binary_predicted(y_pred, threshold)
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
_DISTRIBUTE = []   # the tensorflow_distribute module, once imported


def _in_multi_process_replica():
    """`tensorflow_distribute.replica_sums_gradients()`, answered by one
    list check when no `strategy.run` is active (every training step)."""
    if not _DISTRIBUTE:
        from . import tensorflow_distribute
        _DISTRIBUTE.append(tensorflow_distribute)
    distribute = _DISTRIBUTE[0]
    return bool(distribute._REPLICAS) and \
        distribute.replica_sums_gradients()


def _noting_replica_updates(update_state):
    """`update_state` that notes when it runs inside `strategy.run` of a
    strategy over several processes: the metric's state then belongs to
    all the replicas, and `result` reads their sum (see below)."""
    @functools.wraps(update_state)
    def wrapper(self, *args, **kwargs):
        if _in_multi_process_replica():
            self.__dict__['_synced_on_read'] = True
        return update_state(self, *args, **kwargs)
    wrapper._synced = True
    return wrapper


def _synced_on_read(result):
    """`result` of a metric updated in the replicas of a strategy over
    several processes: outside them, the result of the state summed over
    the processes (TensorFlow's on-read synchronised metric variables);
    the process's own state is left as it was."""
    @functools.wraps(result)
    def wrapper(self):
        if not self.__dict__.get('_synced_on_read') or \
                self.__dict__.get('_reading_sum') or \
                _in_multi_process_replica():
            return result(self)
        from . import distributed
        local = self._state_tensors()
        self.__dict__['_reading_sum'] = True
        try:
            self._load_state_tensors(distributed.all_reduce_sum(local))
            value = result(self)
            return value.detach().clone() if isinstance(
                value, torch.Tensor) else value
        finally:
            self._load_state_tensors(local)
            self.__dict__['_reading_sum'] = False
    wrapper._synced = True
    return wrapper


def _run_returned_updates(updates):
    """Runs the graph update ops (`K.update_add(...)` of graph values) that
    a Keras 2 `update_state` returns: Keras 2.3 computes the result under
    control dependencies on them."""
    from .engine.symbolic import VariableUpdate
    if isinstance(updates, VariableUpdate):
        updates = [updates]
    if isinstance(updates, (list, tuple)):
        ops = [op for op in updates if isinstance(op, VariableUpdate)]
        if ops:
            K.batch_get_value(ops)


def _is_aggregation(value):
    """Whether `value` names a `tf.VariableAggregation` (an enum member or
    its lower-case name)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return True
    return isinstance(value, str) and value.lower() in (
        'none', 'sum', 'mean', 'only_first_replica')


class Metric(object):
    """Base class of stateful metrics: `update_state` accumulates,
    `result` reads, `reset_states` clears."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name, wrap in (('update_state', _noting_replica_updates),
                           ('result', _synced_on_read)):
            method = cls.__dict__.get(name)
            if method is not None and not getattr(method, '_synced', False):
                setattr(cls, name, wrap(method))

    def __init__(self, name=None, dtype=None, **kwargs):
        if not name and _named_uniquely(type(self)):
            # tf.keras names such metrics as it names layers: 'auc',
            # 'auc_1', ... for the instances made without a name.
            name = common.unique_layer_name(_to_snake(type(self).__name__))
        self.name = name or _to_snake(type(self).__name__)
        self.dtype = dtype or K.floatx()
        self.stateful = True

    @property
    def _dtype(self):
        """tf.keras's `Metric._dtype`: the metric's DType (subclasses cast
        their inputs to it)."""
        from . import tensorflow_compat
        return tensorflow_compat.as_dtype(self.dtype)

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
            updates = self.update_state(*args, **kwargs)
            _run_returned_updates(updates)
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
        not trained, zeroed by `reset_state`, listed by `variables`. Keras
        2.3's `add_weight(name, shape, initializer, dtype)` is told apart by
        its third argument, which is no aggregation."""
        from . import initializers
        if aggregation is not None and not _is_aggregation(aggregation):
            initializer, aggregation = aggregation, 'sum'
            if synchronization != 'on_read':
                dtype, synchronization = synchronization, 'on_read'
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


# tf.keras's metric classes whose `name` defaults to None (the others
# have fixed default names).
_TF_KERAS_UNNAMED = frozenset([
    'AUC', 'BinaryIoU', 'FalseNegatives', 'FalsePositives', 'IoU',
    'MeanIoU', 'MeanRelativeError', 'Metric',
    'OneHotIoU', 'OneHotMeanIoU', 'Precision', 'PrecisionAtRecall',
    'Recall', 'RecallAtPrecision', 'SensitivityAtSpecificity',
    'SpecificityAtSensitivity', 'TrueNegatives', 'TruePositives'])


def _named_uniquely(cls):
    """Whether a tf.keras program names an instance of `cls` made without
    a name uniquely: tf.keras's metrics without a default name and the
    program's own Metric subclasses."""
    if not common.is_tf_keras():
        return False
    if cls.__module__ != __name__:
        return not cls.__module__.startswith('keras_compat.')
    return cls.__name__ in _TF_KERAS_UNNAMED


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

    @property
    def variables(self):
        """tf.keras's state variables of a sum (`total`) or mean (`total`,
        `count`): read-only copies of the running state."""
        total = torch.zeros((), dtype=_floatx()) if self.total is None \
            else self.total.detach().reshape(()).to(_floatx())
        if self.reduction == 'sum':
            return [K.variable(total, name='total')]
        count = self.count
        if self._weighted_count is not None:
            count = self._weighted_count.detach() + count
        count = torch.as_tensor(count, dtype=_floatx()).reshape(())
        return [K.variable(total, name='total'),
                K.variable(count, name='count')]

    weights = non_trainable_weights = variables

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


class MeanTensor(Metric):
    """tf.keras's `MeanTensor`: the element-wise (weighted) mean of the
    tensors seen, which must all have the shape of the first one."""

    def __init__(self, name='mean_tensor', dtype=None, shape=None):
        super(MeanTensor, self).__init__(name=name, dtype=dtype)
        self._shape = None if shape is None else tuple(shape)
        self.total = self.count = None
        if self._shape is not None:
            self._zero_state(self._shape)

    def _zero_state(self, shape):
        self._shape = tuple(shape)
        self.total = torch.zeros(self._shape, dtype=_floatx())
        self.count = torch.zeros(self._shape, dtype=_floatx())

    def update_state(self, values, sample_weight=None):
        values = K.as_tensor(values).detach().to(_floatx())
        if self.total is None:
            self._zero_state(values.shape)
        elif tuple(values.shape) != self._shape:
            raise ValueError(
                'MeanTensor input values must always have the same shape. '
                'Expected shape (set during the first call): %s. Got: %s.'
                % (self._shape, tuple(values.shape)))
        weight = torch.ones_like(values) if sample_weight is None else \
            torch.broadcast_to(K.as_tensor(sample_weight).to(values.dtype),
                               values.shape)
        self.total = self.total.to(values.device) + values * weight
        self.count = self.count.to(values.device) + weight

    def result(self):
        if self.total is None:
            raise ValueError('MeanTensor does not have any value yet. Please '
                             'call the MeanTensor instance or use '
                             '`.update_state(value)` before retrieving the '
                             'result.')
        return _div_no_nan(self.total, self.count)

    def reset_states(self):
        if self.total is not None:
            self._zero_state(self._shape)

    reset_state = reset_states

    @property
    def variables(self):
        """tf.keras's `total` and `count` variables (read-only copies),
        made at the first update."""
        if self.total is None:
            return []
        return [K.variable(self.total, name='total'),
                K.variable(self.count, name='count')]

    weights = non_trainable_weights = variables

    def _state_tensors(self):
        return [self.total.clone(), self.count.clone()]

    def _load_state_tensors(self, tensors):
        self.total, self.count = (t.to(_floatx()) for t in tensors)


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


_NEG_INF = -1e10


def _filter_top_k(x, k):
    """tf.keras: the k largest values along the last axis (the lower index
    first among ties) kept, the others set to -1e10."""
    top = torch.sort(x, dim=-1, descending=True, stable=True).indices[..., :k]
    keep = torch.zeros_like(x, dtype=torch.bool).scatter_(-1, top, True)
    return torch.where(keep, x, torch.full_like(x, _NEG_INF))


def _select_class(y_true, y_pred, sample_weight, class_id):
    """tf.keras's `class_id`: only that column of y_true and y_pred (and of
    the sample weights broadcast to them)."""
    y_true = y_true.reshape(y_pred.shape)
    if sample_weight is not None:
        sample_weight = _weights_like(y_pred, sample_weight)[..., class_id]
    return y_true[..., class_id], y_pred[..., class_id], sample_weight


class _ConfusionMatrixMetric(Metric):
    """Counts of a confusion-matrix cell at one or more thresholds."""

    _cells = None   # rows of the accumulator (None: one row, squeezed)
    top_k = None
    class_id = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super(_ConfusionMatrixMetric, self).__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        if thresholds is None:
            thresholds = 0.5 if self.top_k is None else _NEG_INF
        self.thresholds = [thresholds] if np.ndim(thresholds) == 0 \
            else list(thresholds)
        self.reset_states()

    def reset_states(self):
        self.accumulator = None

    @property
    def variables(self):
        """The counts as tf.keras's state variables (`true_positives`,
        ...), one value per threshold; copies, read-only."""
        counts = _accumulator_or_zeros(self).detach().to(_floatx())
        rows = counts if self._cells else [counts]
        return [K.variable(row, name=name)
                for row, name in zip(rows, self._variable_names)]

    weights = non_trainable_weights = variables
    _variable_names = ('accumulator',)

    def _state_tensors(self):
        return [_accumulator_or_zeros(self)]

    def _load_state_tensors(self, tensors):
        self.accumulator = tensors[0].to(_floatx())

    def _counts(self, y_true, y_pred, sample_weight):
        y_true, y_pred = _as_tensors(y_true, y_pred)
        y_pred = y_pred.detach().to(_floatx())
        y_true = y_true.detach()
        if self.top_k is not None:
            y_pred = _filter_top_k(y_pred, self.top_k)
        if self.class_id is not None:
            y_true, y_pred, sample_weight = _select_class(
                y_true, y_pred, sample_weight, self.class_id)
        weight = None
        if sample_weight is not None:
            weight = _weights_like(y_pred, sample_weight).reshape(-1)
        y_pred = y_pred.reshape(-1)
        y_true = y_true.to(torch.bool).reshape(-1)
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
            name=name, dtype=dtype)
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


class _TopKClassMetric(_ConfusionMatrixMetric):
    """Precision and Recall: with `top_k`, only the k highest predictions
    of each row count (the default threshold is then -1e10: each of them
    counts as positive); with `class_id`, only that column (tf.keras and
    Keras 2.3)."""

    _cells = 2

    def __init__(self, thresholds=None, top_k=None, class_id=None,
                 name=None, dtype=None):
        self.top_k = top_k
        self.class_id = class_id
        super(_TopKClassMetric, self).__init__(thresholds=thresholds,
                                               name=name, dtype=dtype)

    def _rate(self, tp, other):
        return torch.where(tp + other > 0,
                           tp / torch.clamp(tp + other, min=1e-12),
                           torch.zeros_like(tp))

    def result(self):
        if self.accumulator is None:
            out = torch.zeros(len(self.thresholds))
        else:
            out = self._rate(self.accumulator[0], self.accumulator[1])
        return out[0] if len(self.thresholds) == 1 else out

    def get_config(self):
        config = super(_TopKClassMetric, self).get_config()
        config.update({'top_k': self.top_k, 'class_id': self.class_id})
        return config


class Precision(_TopKClassMetric):
    """true_positives / (true_positives + false_positives)."""

    _variable_names = ('true_positives', 'false_positives')

    def update_state(self, y_true, y_pred, sample_weight=None):
        labels, above, weight = self._counts(y_true, y_pred, sample_weight)
        tp = (above & labels.unsqueeze(0)).to(_floatx())
        fp = (above & ~labels.unsqueeze(0)).to(_floatx())
        if weight is not None:
            tp, fp = tp * weight, fp * weight
        self._accumulate(torch.stack([tp.sum(dim=1), fp.sum(dim=1)]))


class Recall(_TopKClassMetric):
    """true_positives / (true_positives + false_negatives)."""

    _variable_names = ('true_positives', 'false_negatives')

    def update_state(self, y_true, y_pred, sample_weight=None):
        labels, above, weight = self._counts(y_true, y_pred, sample_weight)
        tp = (above & labels.unsqueeze(0)).to(_floatx())
        fn = (~above & labels.unsqueeze(0)).to(_floatx())
        if weight is not None:
            tp, fn = tp * weight, fn * weight
        self._accumulate(torch.stack([tp.sum(dim=1), fn.sum(dim=1)]))


class AUC(Metric):
    """Area under the ROC or PR curve from confusion counts at
    `num_thresholds` evenly spaced thresholds (Riemann sum with
    interpolation, as tf.keras computes it)."""

    _cells = 4

    def __init__(self, num_thresholds=200, curve='ROC',
                 summation_method='interpolation', name=None, dtype=None,
                 thresholds=None, multi_label=False, label_weights=None,
                 num_labels=None, from_logits=False):
        super(AUC, self).__init__(name=name, dtype=dtype)
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
    [0, 1], and one rate read where the other meets `value`.

    Keras 2.3 (SensitivityAtSpecificity, SpecificityAtSensitivity): the end
    thresholds are widened by 1e-7 and the rate is read at the threshold
    whose other rate is closest to `value`. tf.keras 2.x (in a tf.keras
    program, and PrecisionAtRecall / RecallAtPrecision everywhere): the
    largest rate over the thresholds whose other rate is at least `value`,
    0 where none is. In a tf.keras program the end thresholds are exactly
    0 and 1 and predictions, clipped to [0, 1], are counted in tf.keras's
    buckets, so a prediction of 0.0 is above no threshold. `class_id`
    reads one column of y_true and y_pred."""

    _cells = 4
    _target_name = None   # the constructor argument holding `value`
    _keras23 = False      # Keras 2.3's closest-value rule, no class_id

    def __init__(self, value, num_thresholds=200, name=None, dtype=None,
                 class_id=None):
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
        self.class_id = class_id
        self._tf_keras = common.is_tf_keras()
        if num_thresholds == 1:
            self.thresholds = [0.5]
        else:
            inner = [i * 1.0 / (num_thresholds - 1)
                     for i in range(1, num_thresholds - 1)]
            edge = 0. if self._tf_keras else 1e-7
            self.thresholds = [0.0 - edge] + inner + [1.0 + edge]
        self.reset_states()

    def reset_states(self):
        self.accumulator = None

    def _state_tensors(self):
        return [_accumulator_or_zeros(self)]

    def _load_state_tensors(self, tensors):
        self.accumulator = tensors[0].to(_floatx())

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _as_tensors(y_true, y_pred)
        y_true, y_pred = y_true.detach(), y_pred.detach().to(_floatx())
        if self.class_id is not None:
            y_true, y_pred, sample_weight = _select_class(
                y_true, y_pred, sample_weight, self.class_id)
        if not self._tf_keras or self.num_thresholds == 1:
            return AUC.update_state(self, y_true, y_pred, sample_weight)
        weight = torch.ones_like(y_pred) if sample_weight is None else \
            _weights_like(y_pred, sample_weight)
        positive = (y_true != 0).reshape(-1).to(y_pred.dtype)
        weight = weight.reshape(-1)
        # tf.keras's buckets: a prediction p counts as above the thresholds
        # i / (n - 1) with i < ceil(p * (n - 1)).
        n = self.num_thresholds
        bucket = (torch.ceil(torch.clamp(y_pred, 0., 1.) * (n - 1)) -
                  1).long().reshape(-1)
        kept = bucket >= 0

        def above(values):
            counts = torch.zeros(n, dtype=values.dtype, device=values.device)
            counts.index_add_(0, bucket[kept], values[kept])
            return counts.flip(0).cumsum(0).flip(0)

        true_w, false_w = positive * weight, (1. - positive) * weight
        tp, fp = above(true_w), above(false_w)
        cells = torch.stack([tp, false_w.sum() - fp, fp, true_w.sum() - tp])
        self.accumulator = cells if self.accumulator is None else \
            self.accumulator + cells

    def _constrained_and_reported(self, tp, tn, fp, fn):
        """The rate compared with `value` and the rate reported."""
        raise NotImplementedError

    def result(self):
        constrained, reported = self._constrained_and_reported(
            *_accumulator_or_zeros(self))
        if self._keras23 and not self._tf_keras:
            index = int(torch.argmin(torch.abs(constrained - self.value)))
            return reported[index].float()
        feasible = constrained >= self.value
        if not bool(feasible.any()):
            return torch.zeros((), dtype=torch.float32)
        return reported[feasible].max().float()

    def get_config(self):
        config = {'num_thresholds': self.num_thresholds}
        if self._target_name:
            config[self._target_name] = self.value
        if not self._keras23 or self._tf_keras or self.class_id is not None:
            config['class_id'] = self.class_id
        config.update(super(SensitivitySpecificityBase, self).get_config())
        return config


def _sensitivity(tp, tn, fp, fn):
    return _div_no_nan(tp, tp + fn)


def _specificity(tp, tn, fp, fn):
    return _div_no_nan(tn, tn + fp)


def _precision(tp, tn, fp, fn):
    return _div_no_nan(tp, tp + fp)


class SensitivityAtSpecificity(SensitivitySpecificityBase):
    """Sensitivity (recall) where specificity meets `specificity`: Keras
    2.3 at the threshold whose specificity is closest to it, tf.keras 2.x
    the largest over the thresholds reaching it (see the base class).
    `class_id` is tf.keras's third positional argument: pass it by
    keyword."""

    _target_name = 'specificity'
    _keras23 = True

    def __init__(self, specificity, num_thresholds=200, name=None,
                 dtype=None, class_id=None):
        super(SensitivityAtSpecificity, self).__init__(
            specificity, num_thresholds=num_thresholds, name=name,
            dtype=dtype, class_id=class_id)

    def _constrained_and_reported(self, *cells):
        return _specificity(*cells), _sensitivity(*cells)


class SpecificityAtSensitivity(SensitivitySpecificityBase):
    """Specificity where sensitivity meets `sensitivity`: Keras 2.3 at the
    threshold whose sensitivity is closest to it, tf.keras 2.x the largest
    over the thresholds reaching it (see the base class). `class_id` is
    tf.keras's third positional argument: pass it by keyword."""

    _target_name = 'sensitivity'
    _keras23 = True

    def __init__(self, sensitivity, num_thresholds=200, name=None,
                 dtype=None, class_id=None):
        super(SpecificityAtSensitivity, self).__init__(
            sensitivity, num_thresholds=num_thresholds, name=name,
            dtype=dtype, class_id=class_id)

    def _constrained_and_reported(self, *cells):
        return _sensitivity(*cells), _specificity(*cells)


class PrecisionAtRecall(SensitivitySpecificityBase):
    """The best precision at a threshold whose recall is at least
    `recall` (tf.keras 2.x; 0 where none is)."""

    _target_name = 'recall'

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None,
                 dtype=None):
        super(PrecisionAtRecall, self).__init__(
            recall, num_thresholds=num_thresholds, class_id=class_id,
            name=name, dtype=dtype)

    def _constrained_and_reported(self, *cells):
        return _sensitivity(*cells), _precision(*cells)


class RecallAtPrecision(SensitivitySpecificityBase):
    """The best recall at a threshold whose precision is at least
    `precision` (tf.keras 2.x; 0 where none is)."""

    _target_name = 'precision'

    def __init__(self, precision, num_thresholds=200, class_id=None,
                 name=None, dtype=None):
        super(RecallAtPrecision, self).__init__(
            precision, num_thresholds=num_thresholds, class_id=class_id,
            name=name, dtype=dtype)

    def _constrained_and_reported(self, *cells):
        return _precision(*cells), _sensitivity(*cells)


class IoU(Metric):
    """tf.keras 2.10+: intersection-over-union from a confusion matrix of
    integer labels and predicted class ids over `num_classes` classes,
    averaged over `target_class_ids` (classes whose union is empty are left
    out of the mean). Entries labelled `ignore_class` count nowhere; with
    `sparse_y_true` / `sparse_y_pred` False, the class is the argmax of
    `y_true` / `y_pred` along `axis`."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None,
                 ignore_class=None, sparse_y_true=True, sparse_y_pred=True,
                 axis=-1):
        super(IoU, self).__init__(name=name, dtype=dtype)
        if max(target_class_ids) >= num_classes:
            raise ValueError('Target class id %d is out of range, which is '
                             '[0, %d).' % (max(target_class_ids),
                                           num_classes))
        self.num_classes = num_classes
        self.target_class_ids = list(target_class_ids)
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
        ids = torch.as_tensor(self.target_class_ids, dtype=torch.long)
        true_positives, denominator = true_positives[ids], denominator[ids]
        valid = (denominator != 0).sum()
        iou = _div_no_nan(true_positives, denominator)
        return _div_no_nan(iou.sum(), valid.to(iou.dtype)).float()

    def get_config(self):
        config = {'num_classes': self.num_classes,
                  'target_class_ids': self.target_class_ids,
                  'ignore_class': self.ignore_class,
                  'sparse_y_true': self.sparse_y_true,
                  'sparse_y_pred': self.sparse_y_pred, 'axis': self.axis}
        config.update(super(IoU, self).get_config())
        return config


class MeanIoU(IoU):
    """The IoU averaged over all `num_classes` classes (Keras 2.3;
    tf.keras 2.10+ adds `ignore_class`, `sparse_y_true`, `sparse_y_pred`
    and `axis`, as IoU takes them)."""

    def __init__(self, num_classes, name=None, dtype=None,
                 ignore_class=None, sparse_y_true=True, sparse_y_pred=True,
                 axis=-1):
        super(MeanIoU, self).__init__(
            num_classes, list(range(num_classes)), name=name, dtype=dtype,
            ignore_class=ignore_class, sparse_y_true=sparse_y_true,
            sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super(MeanIoU, self).get_config()
        del config['target_class_ids']
        return config


class BinaryIoU(IoU):
    """tf.keras 2.10+: the IoU of the two classes of binary labels, a
    prediction being class 1 where it is >= `threshold`, averaged over
    `target_class_ids`."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None,
                 dtype=None):
        super(BinaryIoU, self).__init__(2, target_class_ids, name=name,
                                        dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = K.as_tensor(y_pred).to(_floatx()) >= self.threshold
        super(BinaryIoU, self).update_state(y_true, y_pred.to(_floatx()),
                                            sample_weight)

    def get_config(self):
        return {'target_class_ids': self.target_class_ids,
                'threshold': self.threshold, 'name': self.name,
                'dtype': self.dtype}


class OneHotIoU(IoU):
    """tf.keras 2.10+: IoU with one-hot labels (their argmax along `axis`)
    and, unless `sparse_y_pred`, class scores as predictions."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None,
                 ignore_class=None, sparse_y_pred=False, axis=-1):
        super(OneHotIoU, self).__init__(
            num_classes, target_class_ids, name=name, dtype=dtype,
            ignore_class=ignore_class, sparse_y_true=False,
            sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super(OneHotIoU, self).get_config()
        del config['sparse_y_true']
        return config


class OneHotMeanIoU(MeanIoU):
    """tf.keras 2.10+: MeanIoU with one-hot labels (their argmax along
    `axis`) and, unless `sparse_y_pred`, class scores as predictions."""

    def __init__(self, num_classes, name=None, dtype=None,
                 ignore_class=None, sparse_y_pred=False, axis=-1):
        super(OneHotMeanIoU, self).__init__(
            num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
            sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super(OneHotMeanIoU, self).get_config()
        del config['sparse_y_true']
        return config


class MeanRelativeError(Mean):
    """tf.keras: the mean of |y_true - y_pred| / normalizer (0 where the
    normalizer is 0), the normalizer broadcast against y_pred."""

    def __init__(self, normalizer, name=None, dtype=None):
        super(MeanRelativeError, self).__init__(
            name=name, dtype=dtype)
        self.normalizer = torch.as_tensor(np.asarray(normalizer),
                                          dtype=_floatx())

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = losses_module._prepare(y_true, y_pred)
        normalizer = self.normalizer.to(y_pred.device, y_pred.dtype)
        super(MeanRelativeError, self).update_state(
            _div_no_nan(torch.abs(y_true - y_pred), normalizer),
            sample_weight)

    def get_config(self):
        config = super(MeanRelativeError, self).get_config()
        config['normalizer'] = self.normalizer.tolist()
        return config


def _two_dimensional(metric, y_true, y_pred):
    y_true, y_pred = _as_tensors(y_true, y_pred)
    if y_true.dim() != 2 or y_pred.dim() != 2:
        raise ValueError('%s expects 2D inputs with shape (batch_size, '
                         'output_dim). Received input shapes: y_pred.shape='
                         '%s and y_true.shape=%s.'
                         % (type(metric).__name__, tuple(y_pred.shape),
                            tuple(y_true.shape)))
    return y_true.detach().to(_floatx()), y_pred.detach().to(_floatx())


class FBetaScore(Metric):
    """tf.keras 2.13+: the F-beta score of multi-class or multi-label 2D
    predictions, `(1 + beta**2) * precision * recall / (beta**2 * precision
    + recall)`. A prediction is positive above `threshold`; with no
    threshold, where it is its row's maximum (and nonzero). `average`: None
    (one score per class), 'micro' (counts over all classes), 'macro'
    (mean of the class scores) or 'weighted' (mean weighted by each
    class's number of true labels)."""

    def __init__(self, average=None, beta=1.0, threshold=None,
                 name='fbeta_score', dtype=None):
        super(FBetaScore, self).__init__(name=name, dtype=dtype)
        if average not in (None, 'micro', 'macro', 'weighted'):
            raise ValueError("Invalid `average` argument value. Expected one "
                             "of: {None, 'micro', 'macro', 'weighted'}. "
                             'Received: average=%r' % (average,))
        if not isinstance(beta, float) or beta <= 0.0:
            raise ValueError('Invalid `beta` argument value. It should be a '
                             'Python float > 0. Received: beta=%r' % (beta,))
        if threshold is not None and (not isinstance(threshold, float) or
                                      not 0.0 < threshold <= 1.0):
            raise ValueError('Invalid `threshold` argument value. It should '
                             'be a Python float with 0 < threshold <= 1. '
                             'Received: threshold=%r' % (threshold,))
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.reset_states()

    def reset_states(self):
        self.counts = None   # true positives, false positives, false
                             # negatives, true labels (per class or total)

    def _state_tensors(self):
        return [] if self.counts is None else [self.counts]   # not built

    def _load_state_tensors(self, tensors):
        self.counts = tensors[0].to(_floatx()) if tensors else None

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _two_dimensional(self, y_true, y_pred)
        if self.threshold is None:
            row_max = torch.amax(y_pred, dim=-1, keepdim=True)
            y_pred = (y_pred >= row_max) & (torch.abs(y_pred) > 1e-9)
        else:
            y_pred = y_pred > self.threshold
        y_pred = y_pred.to(y_true.dtype)
        cells = torch.stack([y_pred * y_true, y_pred * (1 - y_true),
                             (1 - y_pred) * y_true, y_true])
        if sample_weight is not None:
            weight = K.as_tensor(sample_weight).to(y_true.device,
                                                   y_true.dtype)
            cells = cells * weight.reshape(-1, 1)
        cells = cells.sum(dim=(1, 2) if self.average == 'micro' else 1)
        self.counts = cells if self.counts is None else self.counts + cells

    def result(self):
        if self.counts is None:
            return torch.zeros(())
        tp, fp, fn, support = self.counts
        precision = _div_no_nan(tp, tp + fp)
        recall = _div_no_nan(tp, tp + fn)
        beta2 = self.beta ** 2
        score = _div_no_nan(precision * recall,
                            beta2 * precision + recall) * (1 + beta2)
        if self.average == 'weighted':
            return torch.sum(score * _div_no_nan(support, support.sum()))
        if self.average is not None:
            return torch.mean(score)
        return score

    def get_config(self):
        config = super(FBetaScore, self).get_config()
        config.update({'average': self.average, 'beta': self.beta,
                       'threshold': self.threshold})
        return config


class F1Score(FBetaScore):
    """tf.keras 2.13+: FBetaScore with beta = 1, the harmonic mean of
    precision and recall."""

    def __init__(self, average=None, threshold=None, name='f1_score',
                 dtype=None):
        super(F1Score, self).__init__(average=average, beta=1.0,
                                      threshold=threshold, name=name,
                                      dtype=dtype)

    def get_config(self):
        config = super(F1Score, self).get_config()
        del config['beta']
        return config


class R2Score(Metric):
    """tf.keras 2.13+: the coefficient of determination of 2D regression
    outputs, per output column (`class_aggregation=None`), their mean
    ('uniform_average') or their mean weighted by the variance of y_true
    ('variance_weighted_average'). With `num_regressors` p > 0 it is
    adjusted, `1 - (1 - r2) * (n - 1) / (n - p - 1)`, n being the number of
    entries of y_true seen (the plain score, with a warning, where
    p >= n - 1)."""

    def __init__(self, class_aggregation='uniform_average', num_regressors=0,
                 name='r2_score', dtype=None):
        super(R2Score, self).__init__(name=name, dtype=dtype)
        choices = (None, 'uniform_average', 'variance_weighted_average')
        if class_aggregation not in choices:
            raise ValueError('Invalid value for argument `class_aggregation`. '
                             'Expected one of %s. Received: '
                             'class_aggregation=%r'
                             % (choices, class_aggregation))
        if num_regressors < 0:
            raise ValueError('Invalid value for argument `num_regressors`. '
                             'Expected a value >= 0. Received: '
                             'num_regressors=%r' % (num_regressors,))
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.reset_states()

    def reset_states(self):
        # Per column: sum of y_true, of y_true squared, of the squared
        # errors, of the weights (all weighted); and the entries seen.
        self.sums = None
        self.num_samples = 0

    def _state_tensors(self):
        if self.sums is None:   # not built
            return []
        return [self.sums, torch.tensor(float(self.num_samples))]

    def _load_state_tensors(self, tensors):
        self.reset_states()
        if tensors:
            self.sums = tensors[0].to(_floatx())
            self.num_samples = int(tensors[1])

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _two_dimensional(self, y_true, y_pred)
        weight = torch.ones((), dtype=y_true.dtype, device=y_true.device) \
            if sample_weight is None else \
            K.as_tensor(sample_weight).to(y_true.device, y_true.dtype)
        if weight.dim() == 1:
            weight = weight.unsqueeze(1)
        weight = weight.expand_as(y_true)
        sums = torch.stack([torch.sum(y_true * weight, 0),
                            torch.sum(y_true * y_true * weight, 0),
                            torch.sum((y_true - y_pred) ** 2 * weight, 0),
                            torch.sum(weight, 0)])
        self.sums = sums if self.sums is None else self.sums + sums
        self.num_samples += y_true.numel()

    def result(self):
        if self.sums is None:
            return torch.zeros(())
        total, squared, residual, count = self.sums
        variance = squared - total * (total / count)
        raw = 1 - residual / variance
        raw = torch.where(torch.isinf(raw), torch.zeros_like(raw), raw)
        if self.class_aggregation == 'uniform_average':
            score = torch.mean(raw)
        elif self.class_aggregation == 'variance_weighted_average':
            score = torch.sum(variance * raw) / torch.sum(variance)
        else:
            score = raw
        n, p = self.num_samples, self.num_regressors
        if p:
            if p >= n - 1:
                warnings.warn('More independent predictors than datapoints '
                              'in adjusted R2 score. Falling back to '
                              'standard R2 score.' if p > n - 1 else
                              'Division by zero in Adjusted R2 score. '
                              'Falling back to standard R2 score.',
                              stacklevel=2)
            else:
                score = 1.0 - (1.0 - score) * (n - 1.0) / (n - p - 1.0)
        return score

    def get_config(self):
        config = super(R2Score, self).get_config()
        config.update({'class_aggregation': self.class_aggregation,
                       'num_regressors': self.num_regressors})
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
    PrecisionAtRecall, RecallAtPrecision, IoU, MeanIoU, BinaryIoU,
    OneHotIoU, OneHotMeanIoU, MeanRelativeError, FBetaScore, F1Score,
    R2Score, MeanTensor)}


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


def tf_keras_metric_name(spec):
    """The name tf.keras 2.x logs a `compile(metrics=[spec])` entry under
    (`model.metrics_names`, History): a string naming a Metric class gives
    that metric's name ('AUC' -> 'auc'), other strings stay as written; a
    Metric or Loss object gives its `name` (`losses.Huber()` ->
    'huber_loss'); a function its tf.keras name (`kld` -> 'kl_divergence');
    another callable its snake-cased class name."""
    if isinstance(spec, str):
        if spec.lower() in ('accuracy', 'acc', 'crossentropy', 'ce'):
            return spec
        try:
            found = get(spec)
            if isinstance(found, type) and issubclass(found, Metric):
                found = found()
        except (ValueError, TypeError):   # unknown, or needs arguments
            return spec
        return found.name if isinstance(found, Metric) else spec
    if getattr(spec, 'name', None):
        return spec.name
    if spec is cosine_proximity:
        return 'cosine_similarity'
    if hasattr(spec, '__name__'):
        return losses_module._tf_keras_name(spec)
    return _to_snake(type(spec).__name__)


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


class PyMetric(Metric):
    """tf.keras 2.x's metric computed in Python on the host: subclasses
    define `update_state` (given CPU tensors), `reset_state` (also called
    by the constructor to set up the Python state) and `result` (one
    scalar)."""

    def __init__(self, name=None, dtype=None, **kwargs):
        super(PyMetric, self).__init__(name=name, dtype=dtype, **kwargs)
        self.reset_state()

    def __new__(cls, *args, **kwargs):
        obj = super(PyMetric, cls).__new__(cls)
        update_state, result = obj.update_state, obj.result

        def update_state_on_cpu(y_true, y_pred, sample_weight=None):
            host = [None if v is None else torch.as_tensor(v).detach().cpu()
                    for v in (y_true, y_pred, sample_weight)]
            return update_state(*host)

        def result_on_cpu():
            return torch.as_tensor(result(), dtype=K.torch_dtype(obj.dtype))

        obj.update_state, obj.result = update_state_on_cpu, result_on_cpu
        return obj

    def update_state(self, y_true, y_pred, sample_weight=None):
        raise NotImplementedError('Subclasses should implement `update_state`')

    def merge_state(self, metrics):
        raise NotImplementedError('Subclasses should implement `merge_state`')

    def reset_state(self):
        raise NotImplementedError('Subclasses should implement `reset_state`')

    def result(self):
        raise NotImplementedError('Subclasses should implement `result`')


def _experimental_module():
    from .utils.submodules import submodule
    return submodule(__name__, 'experimental',
                     "tf.keras 2.x's `keras.metrics.experimental`.",
                     PyMetric=PyMetric)


experimental = _experimental_module()
