"""Keras 2 loss functions, computed as Keras computes them.

Each function maps `(y_true, y_pred)` to one value per sample (the mean
over the last axis where Keras takes it). Cross-entropies clip
probabilities to [eps, 1 - eps]; when `y_pred` came straight out of a
softmax or sigmoid they use its logits instead, as tf.keras does. The
`Loss` classes add a reduction (sum over batch size by default)."""
import math
import warnings

import torch
import torch.nn.functional as F

from . import backend as K
from .backend import common
from .backend.ops import symbolic_aware_names
from .utils.generic_utils import (deserialize_keras_object,
                                  serialize_keras_object)


def _prepare(y_true, y_pred):
    y_pred = K.as_tensor(y_pred)
    if not y_pred.is_floating_point():
        y_pred = y_pred.to(K.torch_dtype(K.floatx()))
    y_true = K.as_tensor(y_true)
    if y_true.dtype != y_pred.dtype:
        y_true = y_true.to(y_pred.dtype)
    return y_true, y_pred


def mean_squared_error(y_true, y_pred):
    y_true, y_pred = _prepare(y_true, y_pred)
    diff = y_pred - y_true
    return torch.mean(diff * diff, dim=-1)


def mean_absolute_error(y_true, y_pred):
    y_true, y_pred = _prepare(y_true, y_pred)
    return torch.mean(torch.abs(y_pred - y_true), dim=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    y_true, y_pred = _prepare(y_true, y_pred)
    diff = torch.abs((y_true - y_pred) /
                     torch.clamp(torch.abs(y_true), min=K.epsilon()))
    return 100. * torch.mean(diff, dim=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    y_true, y_pred = _prepare(y_true, y_pred)
    first_log = torch.log(torch.clamp(y_pred, min=K.epsilon()) + 1.)
    second_log = torch.log(torch.clamp(y_true, min=K.epsilon()) + 1.)
    diff = first_log - second_log
    return torch.mean(diff * diff, dim=-1)


def _maybe_convert_labels(y_true):
    """Maps 0/1 labels to -1/1 when every label is 0 or 1 (no host sync)."""
    is_binary = ((y_true == 0) | (y_true == 1)).all()
    return torch.where(is_binary, 2. * y_true - 1., y_true)


def squared_hinge(y_true, y_pred):
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true = _maybe_convert_labels(y_true)
    margin = torch.clamp(1. - y_true * y_pred, min=0.)
    return torch.mean(margin * margin, dim=-1)


def hinge(y_true, y_pred):
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true = _maybe_convert_labels(y_true)
    return torch.mean(torch.clamp(1. - y_true * y_pred, min=0.), dim=-1)


def categorical_hinge(y_true, y_pred):
    y_true, y_pred = _prepare(y_true, y_pred)
    pos = torch.sum(y_true * y_pred, dim=-1)
    neg = torch.amax((1. - y_true) * y_pred, dim=-1)
    return torch.clamp(neg - pos + 1., min=0.)


def logcosh(y_true, y_pred):
    """mean(log(cosh(y_pred - y_true))), computed stably."""
    y_true, y_pred = _prepare(y_true, y_pred)
    x = y_pred - y_true
    return torch.mean(x + F.softplus(-2. * x) - math.log(2.), dim=-1)


def huber_loss(y_true, y_pred, delta=1.0):
    """tf.keras: the mean over the last axis; standalone Keras 2.3 keeps
    one value per element (its `Huber(reduction='sum')` sums them all)."""
    y_true, y_pred = _prepare(y_true, y_pred)
    abs_error = torch.abs(y_pred - y_true)
    quadratic = torch.clamp(abs_error, max=delta)
    linear = abs_error - quadratic
    values = 0.5 * quadratic * quadratic + delta * linear
    if not common.is_tf_keras():
        return values
    return torch.mean(values, dim=-1)


def categorical_crossentropy(y_true, y_pred, from_logits=False,
                             label_smoothing=0, axis=-1):
    """tf.keras: the classes lie along `axis`; smoothing spreads
    `label_smoothing` evenly over them."""
    y_true, y_pred = _prepare(y_true, y_pred)
    if label_smoothing:
        num_classes = y_true.shape[axis]
        y_true = y_true * (1.0 - label_smoothing) + \
            label_smoothing / num_classes
    return K.categorical_crossentropy(y_true, y_pred,
                                      from_logits=from_logits, axis=axis)


def _check_ignore_class(ignore_class):
    if ignore_class is not None:
        raise NotImplementedError(
            'sparse_categorical_crossentropy(ignore_class=%r) is not '
            'supported; give the entries of that label a zero '
            '`sample_weight` instead.' % (ignore_class,))


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False,
                                    axis=-1, ignore_class=None):
    """Categorical cross-entropy on integer targets. tf.keras 2.10+'s
    `ignore_class` (a label whose entries count nowhere) is taken only as
    None."""
    _check_ignore_class(ignore_class)
    return K.sparse_categorical_crossentropy(y_true, y_pred,
                                             from_logits=from_logits,
                                             axis=axis)


def binary_crossentropy(y_true, y_pred, from_logits=False,
                        label_smoothing=0, axis=-1):
    """tf.keras: element-wise binary cross-entropy averaged over `axis`."""
    y_true, y_pred = _prepare(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return torch.mean(K.binary_crossentropy(y_true, y_pred,
                                            from_logits=from_logits),
                      dim=axis)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False,
                              alpha=0.25, gamma=2.0, from_logits=False,
                              label_smoothing=0., axis=-1):
    """tf.keras 2.9+: the binary cross-entropy of each entry times
    `(1 - p_t) ** gamma`, `p_t` the probability given to the true label
    (times `alpha` for positives and `1 - alpha` for negatives with
    `apply_class_balancing`), averaged over `axis`."""
    y_true, y_pred = _prepare(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    probabilities = torch.sigmoid(y_pred) if from_logits else y_pred
    p_t = y_true * probabilities + (1 - y_true) * (1 - probabilities)
    focal = torch.pow(1.0 - p_t, gamma) * K.binary_crossentropy(
        y_true, y_pred, from_logits=from_logits)
    if apply_class_balancing:
        focal = (y_true * alpha + (1 - y_true) * (1 - alpha)) * focal
    return torch.mean(focal, dim=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0,
                                   from_logits=False, label_smoothing=0.,
                                   axis=-1):
    """tf.keras 2.12+: the sum over `axis` of
    `-alpha * (1 - p) ** gamma * y_true * log(p)`, `p` the predictions
    (softmax of logits) renormalised to sum to one along `axis` and clipped
    to [eps, 1 - eps]. `alpha` is a number or one weight per class;
    smoothing spreads `label_smoothing` over the last axis."""
    y_true, y_pred = _prepare(y_true, y_pred)
    if y_pred.shape[-1] == 1:
        warnings.warn('In loss categorical_focal_crossentropy, expected '
                      'y_pred.shape to be (batch_size, num_classes) with '
                      'num_classes > 1. Received: y_pred.shape=%s. Consider '
                      "using 'binary_crossentropy' if you only have 2 "
                      'classes.' % (tuple(y_pred.shape),), SyntaxWarning,
                      stacklevel=2)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + \
            label_smoothing / y_true.shape[-1]
    if from_logits:
        y_pred = torch.softmax(y_pred, dim=axis)
    y_pred = y_pred / torch.sum(y_pred, dim=axis, keepdim=True)
    y_pred = torch.clamp(y_pred, K.epsilon(), 1. - K.epsilon())
    alpha = torch.as_tensor(alpha, dtype=y_pred.dtype, device=y_pred.device)
    focal = alpha * torch.pow(1. - y_pred, gamma) * -y_true * \
        torch.log(y_pred)
    return torch.sum(focal, dim=axis)


def kullback_leibler_divergence(y_true, y_pred):
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true = torch.clamp(y_true, K.epsilon(), 1)
    y_pred = torch.clamp(y_pred, K.epsilon(), 1)
    return torch.sum(y_true * torch.log(y_true / y_pred), dim=-1)


def poisson(y_true, y_pred):
    y_true, y_pred = _prepare(y_true, y_pred)
    return torch.mean(y_pred - y_true * torch.log(y_pred + K.epsilon()),
                      dim=-1)


def cosine_proximity(y_true, y_pred, axis=-1):
    """Negative cosine similarity along `axis`."""
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true = K.l2_normalize(y_true, axis=axis)
    y_pred = K.l2_normalize(y_pred, axis=axis)
    return -torch.sum(y_true * y_pred, dim=axis)


# On symbolic (functional-API) tensors a loss function records a graph
# node, so `vae.add_loss(K.mean(binary_crossentropy(inputs, outputs)))`
# works as in Keras 2.
symbolic_aware_names(globals(), (
    'mean_squared_error', 'mean_absolute_error',
    'mean_absolute_percentage_error', 'mean_squared_logarithmic_error',
    'squared_hinge', 'hinge', 'categorical_hinge', 'logcosh', 'huber_loss',
    'categorical_crossentropy', 'sparse_categorical_crossentropy',
    'binary_crossentropy', 'binary_focal_crossentropy',
    'categorical_focal_crossentropy', 'kullback_leibler_divergence',
    'poisson', 'cosine_proximity'))

# Keras aliases.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kl_divergence = kullback_leibler_divergence
cosine = cosine_similarity = cosine_proximity
log_cosh = logcosh
huber = huber_loss

# The `__name__` tf.keras 2.x gives the functions keras_compat shares with
# Keras 2 under their Keras 2 names (tf.keras logs `metrics=[kld]` as
# 'kl_divergence').
_TF_KERAS_NAMES = {kullback_leibler_divergence: 'kl_divergence',
                   logcosh: 'log_cosh', huber_loss: 'huber',
                   cosine_proximity: 'cosine_similarity'}


def _tf_keras_name(fn):
    """A loss or metric function's name as tf.keras 2.x reports it."""
    return _TF_KERAS_NAMES.get(fn, getattr(fn, '__name__', None))


# ------------------------------------------------------------------ classes
class Reduction(object):
    """How a `Loss` reduces per-sample values: 'none', 'sum' or
    'sum_over_batch_size' (the default)."""
    NONE = 'none'
    SUM = 'sum'
    SUM_OVER_BATCH_SIZE = 'sum_over_batch_size'
    AUTO = 'auto'

    @classmethod
    def all(cls):
        return (cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE, cls.AUTO)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError('Invalid Reduction Key %s.' % key)


def compute_weighted_loss(losses, sample_weight=None,
                          reduction=Reduction.SUM_OVER_BATCH_SIZE):
    """Weights per-sample losses and reduces them as Keras does."""
    losses = K.as_tensor(losses)
    if sample_weight is not None:
        sample_weight = K.as_tensor(sample_weight).to(losses.dtype)
        while sample_weight.dim() > losses.dim() and \
                sample_weight.shape[-1] == 1:
            sample_weight = sample_weight.squeeze(-1)
        while sample_weight.dim() < losses.dim():
            sample_weight = sample_weight.unsqueeze(-1)
        losses = losses * sample_weight
    if reduction == Reduction.NONE:
        return losses
    total = torch.sum(losses)
    if reduction == Reduction.SUM:
        return total
    return total / max(1, losses.numel())


def _default_reduction():
    """Keras 2.3's loss objects sum over the batch size by default;
    tf.keras's say 'auto' (which reduces the same way on one device)."""
    if common.is_tf_keras():
        return Reduction.AUTO
    return Reduction.SUM_OVER_BATCH_SIZE


class Loss(object):
    """Base class of loss objects: `call(y_true, y_pred)` gives per-sample
    values, `__call__` weights and reduces them."""

    def __init__(self, reduction=None, name=None):
        if reduction is None:
            reduction = _default_reduction()
        Reduction.validate(reduction)
        self.reduction = reduction
        self.name = name

    def __call__(self, y_true, y_pred, sample_weight=None):
        values = self.call(y_true, y_pred)
        reduction = self.reduction
        if reduction == Reduction.AUTO:
            reduction = Reduction.SUM_OVER_BATCH_SIZE
        return compute_weighted_loss(values, sample_weight, reduction)

    def call(self, y_true, y_pred):
        raise NotImplementedError('Must be implemented in subclasses.')

    def get_config(self):
        return {'reduction': self.reduction, 'name': self.name}

    @classmethod
    def from_config(cls, config):
        """tf.keras 2.13+ configs name the wrapped function (`fn`): a
        `LossFunctionWrapper` takes it, the loss classes drop it (their
        function is fixed), as tf.keras does."""
        config = dict(config)
        fn = config.pop('fn', None)
        if cls is LossFunctionWrapper and fn is not None:
            config['fn'] = get(fn) if isinstance(fn, (str, dict)) else fn
        return cls(**config)


class LossFunctionWrapper(Loss):
    """A `Loss` around a function `fn(y_true, y_pred, **kwargs)`."""

    def __init__(self, fn, reduction=None, name=None, **kwargs):
        super(LossFunctionWrapper, self).__init__(reduction=reduction,
                                                  name=name)
        _check_ignore_class(kwargs.get('ignore_class'))
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        """The reduction and name, then the function's options; a
        tf.keras 2.13+ program's config also names the function (`fn`)."""
        config = super(LossFunctionWrapper, self).get_config()
        config.update(self._fn_kwargs)
        if common.is_tf_keras():
            config['fn'] = _tf_keras_name(self.fn)
        return config


def _positional(cls_name, names, args, kwargs):
    """`kwargs` with the positional `args` given the parameter `names` in
    order (tf.keras's order: a loss's options, then reduction and name)."""
    if len(args) > len(names):
        raise TypeError('%s() takes at most %d positional arguments (%d '
                        'given)' % (cls_name, len(names), len(args)))
    for key, value in zip(names, args):
        if key in kwargs:
            raise TypeError("%s() got multiple values for argument '%s'"
                            % (cls_name, key))
        kwargs[key] = value
    return kwargs


def _wrapper(fn, default_name, doc, tf_name=None, keras2_options=None,
             **defaults):
    """The methods of a loss class over `fn`; its default name is
    `tf_name` (where given) in a tf.keras program, else `default_name`.
    `keras2_options` (where given) are the options standalone Keras 2.3
    takes positionally before `reduction` (it has no `axis` there)."""
    def __init__(self, *args, **kwargs):
        options = list(defaults)
        if keras2_options is not None and not common.is_tf_keras():
            options = list(keras2_options)
        kwargs = _positional(type(self).__name__,
                             options + ['reduction', 'name'], args, kwargs)
        reduction = kwargs.pop('reduction', None)
        name = kwargs.pop('name', tf_name if tf_name and
                          common.is_tf_keras() else default_name)
        options = dict(defaults)
        unknown = set(kwargs) - set(options)
        if unknown:
            raise TypeError('Unexpected keyword arguments: %s'
                            % sorted(unknown))
        options.update(kwargs)
        LossFunctionWrapper.__init__(self, fn, reduction=reduction,
                                     name=name, **options)
    return {'__init__': __init__, '__doc__': doc}


MeanSquaredError = type('MeanSquaredError', (LossFunctionWrapper,), _wrapper(
    mean_squared_error, 'mean_squared_error', 'Mean of squared errors.'))
MeanAbsoluteError = type('MeanAbsoluteError', (LossFunctionWrapper,),
                         _wrapper(mean_absolute_error, 'mean_absolute_error',
                                  'Mean of absolute errors.'))
MeanAbsolutePercentageError = type(
    'MeanAbsolutePercentageError', (LossFunctionWrapper,),
    _wrapper(mean_absolute_percentage_error,
             'mean_absolute_percentage_error',
             'Mean absolute percentage error.'))
MeanSquaredLogarithmicError = type(
    'MeanSquaredLogarithmicError', (LossFunctionWrapper,),
    _wrapper(mean_squared_logarithmic_error,
             'mean_squared_logarithmic_error',
             'Mean squared logarithmic error.'))
BinaryCrossentropy = type('BinaryCrossentropy', (LossFunctionWrapper,),
                          _wrapper(binary_crossentropy, 'binary_crossentropy',
                                   'Binary cross-entropy.',
                                   keras2_options=('from_logits',
                                                   'label_smoothing'),
                                   from_logits=False, label_smoothing=0,
                                   axis=-1))
BinaryFocalCrossentropy = type(
    'BinaryFocalCrossentropy', (LossFunctionWrapper,),
    _wrapper(binary_focal_crossentropy, 'binary_focal_crossentropy',
             'Binary focal cross-entropy (tf.keras 2.9+).',
             apply_class_balancing=False, alpha=0.25, gamma=2.0,
             from_logits=False, label_smoothing=0., axis=-1))
CategoricalFocalCrossentropy = type(
    'CategoricalFocalCrossentropy', (LossFunctionWrapper,),
    _wrapper(categorical_focal_crossentropy,
             'categorical_focal_crossentropy',
             'Categorical focal cross-entropy (tf.keras 2.12+).',
             alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.,
             axis=-1))
CategoricalCrossentropy = type(
    'CategoricalCrossentropy', (LossFunctionWrapper,),
    _wrapper(categorical_crossentropy, 'categorical_crossentropy',
             'Categorical cross-entropy on one-hot targets.',
             keras2_options=('from_logits', 'label_smoothing'),
             from_logits=False, label_smoothing=0, axis=-1))
SparseCategoricalCrossentropy = type(
    'SparseCategoricalCrossentropy', (LossFunctionWrapper,),
    _wrapper(sparse_categorical_crossentropy,
             'sparse_categorical_crossentropy',
             'Categorical cross-entropy on integer targets.',
             keras2_options=('from_logits',),
             from_logits=False, ignore_class=None))
Hinge = type('Hinge', (LossFunctionWrapper,),
             _wrapper(hinge, 'hinge', 'Hinge loss.'))
SquaredHinge = type('SquaredHinge', (LossFunctionWrapper,),
                    _wrapper(squared_hinge, 'squared_hinge',
                             'Squared hinge loss.'))
CategoricalHinge = type('CategoricalHinge', (LossFunctionWrapper,),
                        _wrapper(categorical_hinge, 'categorical_hinge',
                                 'Categorical hinge loss.'))
Poisson = type('Poisson', (LossFunctionWrapper,),
               _wrapper(poisson, 'poisson', 'Poisson loss.'))
LogCosh = type('LogCosh', (LossFunctionWrapper,),
               _wrapper(logcosh, 'logcosh', "Log-cosh loss (named "
                        "'log_cosh' in tf.keras).", tf_name='log_cosh'))
KLDivergence = type('KLDivergence', (LossFunctionWrapper,),
                    _wrapper(kullback_leibler_divergence,
                             'kullback_leibler_divergence',
                             "Kullback-Leibler divergence (named "
                             "'kl_divergence' in tf.keras).",
                             tf_name='kl_divergence'))
Huber = type('Huber', (LossFunctionWrapper,),
             _wrapper(huber_loss, 'huber_loss', 'Huber loss.', delta=1.0))
CosineSimilarity = type('CosineSimilarity', (LossFunctionWrapper,),
                        _wrapper(cosine_proximity, 'cosine_similarity',
                                 'Negative cosine similarity.', axis=-1))
for _cls in (MeanSquaredError, MeanAbsoluteError,
             MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
             BinaryCrossentropy, BinaryFocalCrossentropy,
             CategoricalFocalCrossentropy, CategoricalCrossentropy,
             SparseCategoricalCrossentropy, Hinge, SquaredHinge,
             CategoricalHinge, Poisson, LogCosh, KLDivergence, Huber,
             CosineSimilarity):
    _cls.__module__ = __name__

_FUNCTIONS = {
    'mean_squared_error': mean_squared_error,
    'mean_absolute_error': mean_absolute_error,
    'mean_absolute_percentage_error': mean_absolute_percentage_error,
    'mean_squared_logarithmic_error': mean_squared_logarithmic_error,
    'squared_hinge': squared_hinge, 'hinge': hinge,
    'categorical_hinge': categorical_hinge, 'logcosh': logcosh,
    'log_cosh': logcosh, 'huber_loss': huber_loss, 'huber': huber_loss,
    'categorical_crossentropy': categorical_crossentropy,
    'sparse_categorical_crossentropy': sparse_categorical_crossentropy,
    'binary_crossentropy': binary_crossentropy,
    'binary_focal_crossentropy': binary_focal_crossentropy,
    'categorical_focal_crossentropy': categorical_focal_crossentropy,
    'kullback_leibler_divergence': kullback_leibler_divergence,
    'poisson': poisson, 'cosine_proximity': cosine_proximity,
    'cosine_similarity': cosine_proximity,
    'mse': mse, 'MSE': mse, 'mae': mae, 'MAE': mae, 'mape': mape,
    'MAPE': mape, 'msle': msle, 'MSLE': msle, 'kld': kld, 'KLD': kld,
    'kl_divergence': kld, 'cosine': cosine_proximity,
}
_CLASSES = {cls.__name__: cls for cls in (
    Loss, LossFunctionWrapper, MeanSquaredError, MeanAbsoluteError,
    MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
    BinaryCrossentropy, BinaryFocalCrossentropy,
    CategoricalFocalCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy, Hinge, SquaredHinge, CategoricalHinge,
    Poisson, LogCosh, KLDivergence, Huber, CosineSimilarity)}


def serialize(loss):
    return serialize_keras_object(loss)


def deserialize(name, custom_objects=None):
    objects = dict(_FUNCTIONS)
    objects.update(_CLASSES)
    return deserialize_keras_object(name, module_objects=objects,
                                    custom_objects=custom_objects,
                                    printable_module_name='loss function',
                                    valid_names=sorted(_FUNCTIONS))


def get(identifier):
    """A loss from a name ('mse', 'categorical_crossentropy'), a config
    dict, a `Loss` instance or a callable `(y_true, y_pred)`."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        return deserialize(identifier)
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError('Could not interpret loss function identifier: ' +
                     str(identifier))


def loss_name(loss):
    """The Keras name of a loss function or object."""
    if isinstance(loss, Loss):
        return loss.name or type(loss).__name__
    return getattr(loss, '__name__', type(loss).__name__)


def _underlying(loss):
    if isinstance(loss, LossFunctionWrapper):
        return loss.fn
    return loss


def is_categorical_crossentropy(loss):
    return _underlying(loss) is categorical_crossentropy or \
        getattr(loss, '__name__', None) == 'categorical_crossentropy'


def is_sparse_categorical_crossentropy(loss):
    return _underlying(loss) is sparse_categorical_crossentropy
