"""Keras 2's `keras.engine.training_utils`: the data and loss helpers that
`fit`, `evaluate` and `predict` are made of, for code that calls them
directly (custom training loops, Keras's own tests).

They take numpy arrays (or lists/dicts of them) as Keras 2.3's do, and
raise the same errors.
"""
import collections.abc
import inspect
import warnings
from collections import OrderedDict

import numpy as np
import torch

from .. import backend as K
from .. import losses
from .. import metrics as metrics_module
from ..utils import argument_validation, generic_utils
from ..utils.data_utils import Sequence
from .standardization import (  # noqa: F401 (Keras 2 names)
    check_array_shape, integer_targets_for_categorical_error,
    raise_on_inconsistent_lengths, standardize_sample_or_class_weights,
    standardize_weight)
from ..utils import losses_utils


def _to_numpy(value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return value


def _dataframe_values(value):
    return value.values if type(value).__name__ == 'DataFrame' else value


def standardize_single_array(x):
    """A 1D array becomes a column (n, 1); symbolic tensors need a static
    batch size."""
    if x is None:
        return None
    if K.is_tensor(x) and not isinstance(x, torch.Tensor):
        shape = K.int_shape(x)
        if shape is None or shape[0] is None:
            raise ValueError('When feeding symbolic tensors to a model, we '
                             'expect the tensors to have a static batch '
                             'size. Got tensor with shape: %s' % str(shape))
        return x
    if x.ndim == 1:
        return np.expand_dims(x, 1)
    return x


def standardize_input_data(data, names, shapes=None, check_batch_axis=True,
                           exception_prefix=''):
    """User data (one array, a list, or a dict by name) as a list of
    arrays in the order of `names`, checked against `shapes`."""
    if not names:
        if data is not None and hasattr(data, '__len__') and len(data):
            raise ValueError('Error when checking model ' +
                             exception_prefix + ': expected no data, but '
                             'got:', data)
        return []
    if data is None:
        return [None] * len(names)
    if isinstance(data, dict):
        missing = [name for name in names if name not in data]
        if missing:
            raise ValueError('No data provided for "' + missing[0] +
                             '". Need data for each key in: ' + str(names))
        data = [_dataframe_values(data[name]) for name in names]
    elif isinstance(data, list):
        if isinstance(data[0], list):
            data = [np.asarray(d) for d in data]
        elif len(names) == 1 and isinstance(data[0], (float, int)):
            data = [np.asarray(data)]
        else:
            data = [_dataframe_values(d) for d in data]
    else:
        data = [_dataframe_values(data)]
    data = [standardize_single_array(_to_numpy(x)) for x in data]

    if len(data) != len(names):
        if data and hasattr(data[0], 'shape'):
            raise ValueError(
                'Error when checking model ' + exception_prefix + ': the '
                'list of Numpy arrays that you are passing to your model is '
                'not the size the model expected. Expected to see ' +
                str(len(names)) + ' array(s), but instead got the following '
                'list of ' + str(len(data)) + ' arrays: ' +
                str(data)[:200] + '...')
        if len(names) > 1:
            raise ValueError(
                'Error when checking model ' + exception_prefix + ': you '
                'are passing a list as input to your model, but the model '
                'expects a list of ' + str(len(names)) + ' Numpy arrays '
                'instead. The list you passed was: ' + str(data)[:200])
        if len(data) == 1 and not hasattr(data[0], 'shape'):
            raise TypeError('Error when checking model ' + exception_prefix +
                            ': data should be a Numpy array, or list/dict '
                            'of Numpy arrays. Found: ' + str(data)[:200] +
                            '...')
        data = [np.asarray(data)]

    for name, array, shape in zip(names, data, shapes or []):
        if shape is None or array is None or not hasattr(array, 'ndim'):
            continue
        check_array_shape(name, array.shape, tuple(shape),
                          check_batch_axis, exception_prefix)
    return data


def standardize_class_weights(class_weight, output_names):
    return standardize_sample_or_class_weights(class_weight, output_names,
                                               'class_weight')


def standardize_sample_weights(sample_weight, output_names):
    return standardize_sample_or_class_weights(sample_weight, output_names,
                                               'sample_weight')


def check_array_length_consistency(inputs, targets, weights=None):
    """Checks that inputs, targets and sample weights have one batch size.

    As in Keras, a missing list or a None array counts as 0 samples."""
    def lengths(arrays):
        if arrays is None:
            return {0}
        return {0 if a is None else int(a.shape[0]) for a in arrays}
    raise_on_inconsistent_lengths(inputs, targets, weights, lengths)


_SHAPE_MATCHING_LOSSES = ('mean_squared_error', 'binary_crossentropy',
                          'categorical_crossentropy')
_SHAPE_MATCHING_LOSS_CLASSES = (losses.MeanSquaredError,
                                losses.BinaryCrossentropy,
                                losses.CategoricalCrossentropy)


def _needs_matching_shape(loss):
    if isinstance(loss, _SHAPE_MATCHING_LOSS_CLASSES):
        return True
    fn = losses._underlying(loss)
    return any(fn is getattr(losses, name) for name in
               _SHAPE_MATCHING_LOSSES)


def check_loss_and_target_compatibility(targets, loss_fns, output_shapes):
    """Raises when a target cannot be right for its loss: integer classes
    given to categorical crossentropy, or a target shaped unlike the output
    for a loss that compares them elementwise."""
    for y, loss, shape in zip(targets, loss_fns, output_shapes):
        if y is None or loss is None:
            continue
        if losses.is_categorical_crossentropy(loss) and y.shape[-1] == 1:
            raise integer_targets_for_categorical_error(y.shape)
        if not _needs_matching_shape(loss):
            continue
        for target_dim, out_dim in zip(y.shape[1:], shape[1:]):
            if out_dim is not None and target_dim != out_dim:
                raise ValueError(
                    'A target array with shape ' + str(y.shape) + ' was '
                    'passed for an output of shape ' + str(shape) + ' while '
                    'using as loss `' + losses.loss_name(loss) + '`. This '
                    'loss expects targets to have the same shape as the '
                    'output.')


def check_generator_arguments(y=None, sample_weight=None,
                              validation_split=None):
    """Raises for the arguments that a generator or Sequence replaces."""
    if y is not None:
        raise ValueError('`y` argument is not supported when data is a '
                         'generator or Sequence instance. Instead pass '
                         'targets as the second element of the generator.')
    if sample_weight is not None:
        raise ValueError('`sample_weight` argument is not supported when '
                         'data is a generator or Sequence instance. Instead '
                         'pass sample weights as the third element of the '
                         'generator.')
    if validation_split:
        raise ValueError('If your data is in the form of a Python generator, '
                         'you cannot use `validation_split`.')


def batch_shuffle(index_array, batch_size):
    """Shuffles whole batches of `index_array` (the 'batch' shuffle of
    fit, for HDF5 data), the trailing partial batch staying last."""
    batch_count = len(index_array) // batch_size
    last_batch = index_array[batch_count * batch_size:]
    blocks = index_array[:batch_count * batch_size].reshape(
        (batch_count, batch_size))
    np.random.shuffle(blocks)
    return np.append(blocks.flatten(), last_batch)


def make_batches(size, batch_size):
    """[(start, stop), ...] covering range(size) in batches."""
    return [(start, min(size, start + batch_size))
            for start in range(0, size, batch_size)]


def weighted_masked_objective(fn):
    """Wraps `fn(y_true, y_pred)` as `fn(y_true, y_pred, weights, mask)`,
    the Keras 2 objective with masking and sample weighting: masked scores
    are renormalised by the mean of the mask, weighted scores by the
    fraction of non-zero weights."""
    if fn is None:
        return None

    def weighted(y_true, y_pred, weights, mask=None):
        score_array = fn(y_true, y_pred)
        if mask is not None:
            mask = K.cast(mask, K.floatx())
            score_array = score_array * mask
            score_array = score_array / (K.mean(mask) + K.epsilon())
        if weights is not None:
            ndim, weight_ndim = K.ndim(score_array), K.ndim(weights)
            if ndim > weight_ndim:
                score_array = K.mean(score_array,
                                     axis=list(range(weight_ndim, ndim)))
            score_array = score_array * weights
            score_array = score_array / K.mean(
                K.cast(K.not_equal(weights, 0), K.floatx()))
        return K.mean(score_array)
    return weighted


def standardize_weights(y, sample_weight=None, class_weight=None,
                        sample_weight_mode=None):
    """One numpy weight per sample (or per timestep with
    `sample_weight_mode='temporal'`), the product of `sample_weight` and the
    `class_weight` of each target's class; ones when neither is given."""
    if sample_weight_mode not in (None, 'temporal'):
        raise ValueError('"sample_weight_mode should be None or "temporal". '
                         'Found: ' + str(sample_weight_mode))
    y = np.asarray(_to_numpy(y))
    if sample_weight is not None:
        sample_weight = np.asarray(_to_numpy(sample_weight))
        if sample_weight.ndim > y.ndim:
            raise ValueError('Found a sample_weight with shape' +
                             str(sample_weight.shape) + '.Expected '
                             'sample_weight with rank less than or equal '
                             'to ' + str(y.ndim))
    weight = standardize_weight(torch.as_tensor(y), sample_weight,
                                 class_weight, sample_weight_mode)
    if weight is not None:
        return weight.numpy()
    shape = (y.shape[0],) if sample_weight_mode is None else y.shape[:2]
    return np.ones(shape, dtype=K.floatx())


def check_num_samples(ins, batch_size=None, steps=None, steps_name='steps'):
    """The number of samples in `ins`, or None when `steps` counts batches
    instead."""
    if steps is not None and batch_size is not None:
        raise ValueError('If ' + steps_name + ' is set, the `batch_size` '
                         'must be None.')
    if not ins or any(K.is_tensor(x) and not isinstance(x, torch.Tensor)
                      for x in ins):
        if steps is None:
            raise ValueError('If your data is in the form of symbolic '
                             'tensors, you should specify the `' +
                             steps_name + '` argument (instead of the '
                             '`batch_size` argument, because symbolic '
                             'tensors are expected to produce batches of '
                             'input data).')
        return None
    if hasattr(ins[0], 'shape'):
        return int(ins[0].shape[0])
    return None


def iter_sequence_infinite(seq):
    """Yields the batches of a Sequence forever."""
    while True:
        for item in seq:
            yield item


def is_sequence(seq):
    """Whether `seq` follows the `keras.utils.Sequence` API."""
    return isinstance(seq, Sequence) or bool(
        getattr(seq, 'use_sequence_api', False))


def is_generator_or_sequence(x):
    return inspect.isgenerator(x) or is_sequence(x)


def should_run_validation(validation_freq, epoch):
    """Whether validation runs after the 0-indexed `epoch`: every
    `validation_freq` epochs, or on the 1-indexed epochs it lists."""
    one_indexed_epoch = epoch + 1
    if isinstance(validation_freq, int):
        if validation_freq < 1:
            raise ValueError('`validation_freq` can not be less than 1.')
        return one_indexed_epoch % validation_freq == 0
    if not isinstance(validation_freq, collections.abc.Container):
        raise ValueError('`validation_freq` must be an Integer or '
                         '`collections.Container` (e.g. list, tuple, etc.)')
    return one_indexed_epoch in validation_freq


def _check_validation_freq(value, name):
    if isinstance(value, (str, bytes)) or (
            not isinstance(value, int) and
            isinstance(value, collections.abc.Container) and
            not all(isinstance(v, (int, np.integer)) and
                    not isinstance(v, bool) for v in value)):
        raise ValueError('`validation_freq` must be an Integer or '
                         '`collections.Container` of integers (epochs). '
                         'Received: validation_freq=%r' % (value,))
    should_run_validation(value, 0)


def _check_validation_split(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float,
                                                         np.number)) or \
            not 0. <= float(value) < 1.:
        raise ValueError('`validation_split` must be a float in [0, 1): the '
                         'fraction of the data held out for validation. '
                         'Received: validation_split=%r' % (value,))


def _integer_check(minimum, allow_none):
    def check(value, name):
        argument_validation.integer_at_least(value, name, minimum,
                                             allow_none=allow_none)
    return check


def _check_step_count(value, name):
    # Keras 2 loops while `steps_done < steps`: a positive fractional
    # count runs its ceiling.
    if value is None or isinstance(value, (int, np.integer)) or \
            isinstance(value, bool) or \
            not isinstance(value, (float, np.floating)) or \
            not np.isfinite(value) or value <= 0:
        argument_validation.integer_at_least(value, name, 1,
                                             allow_none=True)


_ARGUMENT_CHECKS = {
    'batch_size': _integer_check(1, True),
    'epochs': _integer_check(0, False),
    'initial_epoch': _integer_check(0, False),
    'steps_per_epoch': _check_step_count,
    'steps': _check_step_count,
    'validation_steps': _check_step_count,
    'workers': _integer_check(0, False),
    'validation_split': _check_validation_split,
    'validation_freq': _check_validation_freq,
}


def check_arguments(**arguments):
    """Checks the arguments of fit/evaluate/predict and their generator
    forms once per call, before any data is read or weight changed:
    `batch_size` a positive integer and the step counts positive numbers
    (fractional ones run their ceiling) or None,
    `epochs` and `initial_epoch` non-negative integers, `validation_split`
    in [0, 1), `validation_freq` an integer >= 1 or a list of epochs."""
    for name, value in arguments.items():
        _ARGUMENT_CHECKS[name](value, name)


def check_class_weight_entry(class_weight, output_name=None):
    """One output's `class_weight`: None or a dict from class index (an
    integer >= 0) to a weight (a number)."""
    if class_weight is None:
        return
    where = '' if output_name is None else \
        ' (for output "%s")' % output_name
    if not isinstance(class_weight, dict):
        raise ValueError('`class_weight`%s must be a dict mapping class '
                         'indices (integers) to weights. Received: '
                         'class_weight=%r' % (where, class_weight))
    for key, value in class_weight.items():
        is_index = not isinstance(key, bool) and isinstance(
            key, (int, float, np.number)) and float(key) == int(key) and \
            key >= 0
        if not is_index:
            raise ValueError('`class_weight`%s keys must be class indices '
                             '(integers >= 0). Received key %r in '
                             'class_weight=%r' % (where, key, class_weight))
        if isinstance(value, bool) or not isinstance(
                value, (int, float, np.number)) or not np.isfinite(value):
            raise ValueError('`class_weight`%s values must be finite '
                             'numbers. Received %r for class %r.'
                             % (where, value, key))


def get_input_shape_and_dtype(layer):
    """(batch_input_shape, dtype) of the first layer of the innermost
    model, or (None, None) when it has no declared input shape."""
    while getattr(layer, '_is_graph_network', False) or \
            type(layer).__name__ == 'Sequential':
        if not layer.layers:
            raise ValueError('An empty Model cannot be used as a Layer.')
        layer = layer.layers[0]
    shape = getattr(layer, '_batch_input_shape', None)
    if shape is not None:
        return shape, layer.dtype
    return None, None


def get_static_batch_size(layer):
    batch_input_shape, _ = get_input_shape_and_dtype(layer)
    return None if batch_input_shape is None else batch_input_shape[0]


def get_loss_function(loss):
    """A compile() loss entry as a `Loss` object: strings and functions
    are wrapped with the SUM_OVER_BATCH_SIZE reduction."""
    if loss is None or isinstance(loss, losses.Loss):
        return loss
    if isinstance(loss, collections.abc.Mapping):
        loss = losses.get(loss)
        if isinstance(loss, losses.Loss):
            return loss
    if callable(loss) and not hasattr(loss, '__name__'):
        return loss
    loss_fn = losses.get(loss)
    return losses.LossFunctionWrapper(
        loss_fn, name=loss_fn.__name__,
        reduction=losses_utils.Reduction.SUM_OVER_BATCH_SIZE)


def prepare_loss_functions(loss, output_names):
    """compile()'s `loss` as one `Loss` (or None) per output."""
    if isinstance(loss, collections.abc.Mapping):
        generic_utils.check_for_unexpected_keys('loss', loss, output_names)
        result = []
        for name in output_names:
            if name not in loss:
                warnings.warn('Output {0} missing from loss dictionary. We '
                              'assume this was done on purpose. The fit and '
                              'evaluate APIs will not be expecting any data '
                              'to be passed to {0}.'.format(name))
            result.append(get_loss_function(loss.get(name)))
        return result
    if isinstance(loss, str):
        return [get_loss_function(loss) for _ in output_names]
    if isinstance(loss, collections.abc.Sequence):
        if len(loss) != len(output_names):
            raise ValueError('When passing a list as loss, it should have one '
                             'entry per model outputs. The model has {} '
                             'outputs, but you passed loss={}'.format(
                                 len(output_names), loss))
        return [get_loss_function(entry) for entry in loss]
    return [get_loss_function(loss) for _ in output_names]


def prepare_loss_weights(output_names, loss_weights=None):
    """compile()'s `loss_weights` as one float per output (default 1)."""
    if loss_weights is None:
        return [1.] * len(output_names)
    if isinstance(loss_weights, collections.abc.Mapping):
        generic_utils.check_for_unexpected_keys('loss_weights', loss_weights,
                                                output_names)
        return [loss_weights.get(name, 1.) for name in output_names]
    # tf.keras takes any flat sequence (a tuple too); Keras 2 only a list.
    if isinstance(loss_weights, list) or (
            K.common.is_tf_keras() and isinstance(loss_weights, tuple)):
        if len(loss_weights) != len(output_names):
            raise ValueError('When passing a list as loss_weights, it should '
                             'have one entry per model output. The model has '
                             + str(len(output_names)) + ' outputs, but you '
                             'passed loss_weights=' + str(loss_weights))
        return loss_weights
    raise TypeError('Could not interpret loss_weights argument: ' +
                    str(loss_weights) + ' - expected a list of dicts.')


def get_output_sample_weight_and_mode(skip_target_weighing_indices,
                                      sample_weight_mode, output_name,
                                      output_index):
    """The sample-weight placeholder and mode of one output."""
    if output_index in skip_target_weighing_indices:
        return None, None
    temporal = sample_weight_mode == 'temporal'
    weight = K.placeholder(shape=[None, None] if temporal else [None],
                           name=output_name + '_sample_weights')
    return weight, 'temporal' if temporal else None


def prepare_sample_weights(output_names, sample_weight_mode,
                           skip_target_weighing_indices):
    """Sample-weight placeholders and modes, one per output, from
    compile()'s `sample_weight_mode` (None, a string, a list or a dict)."""
    if isinstance(sample_weight_mode, dict):
        unknown = set(sample_weight_mode) - set(output_names)
        if unknown:
            raise ValueError('Unknown entry in sample_weight_mode '
                             'dictionary: "' + str(unknown) + '". Only '
                             'expected the following keys: ' +
                             str(output_names))
        for i, name in enumerate(output_names):
            if i not in skip_target_weighing_indices and \
                    name not in sample_weight_mode:
                raise ValueError('Output missing from sample_weight_modes '
                                 'dictionary')
        modes = [sample_weight_mode.get(name) for name in output_names]
    elif isinstance(sample_weight_mode, list):
        if len(sample_weight_mode) != len(output_names):
            raise ValueError('When passing a list as sample_weight_mode, it '
                             'should have one entry per model output. The '
                             'model has ' + str(len(output_names)) +
                             ' outputs, but you passed ' +
                             str(len(sample_weight_mode)) +
                             'sample_weight_modes')
        modes = sample_weight_mode
    else:
        modes = [sample_weight_mode] * len(output_names)
    pairs = [get_output_sample_weight_and_mode(
        skip_target_weighing_indices, mode, name, i)
        for i, (name, mode) in enumerate(zip(output_names, modes))]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def get_metric_name(metric, weighted=False):
    """The name a compile() metric entry is logged under: a string stays
    as given, an object or function uses its name."""
    if isinstance(metric, str):
        return metric
    metric = metrics_module.get(metric)
    return metric.name if hasattr(metric, 'name') else metric.__name__


def get_metric_function(metric, output_shape=None, loss_fn=None):
    """The function for a metric entry; 'accuracy'/'acc' and
    'crossentropy'/'ce' resolve to the binary, sparse or categorical
    version from the output shape and the loss, as in Keras 2.3."""
    if metric not in ('accuracy', 'acc', 'crossentropy', 'ce'):
        return metrics_module.get(metric)
    loss = losses._underlying(loss_fn)
    binary = isinstance(loss_fn, losses.BinaryCrossentropy) or \
        loss is losses.binary_crossentropy or output_shape[-1] == 1
    sparse = isinstance(loss_fn, losses.SparseCategoricalCrossentropy) or \
        loss is losses.sparse_categorical_crossentropy
    if metric in ('accuracy', 'acc'):
        if binary:
            return metrics_module.binary_accuracy
        if sparse:
            return metrics_module.sparse_categorical_accuracy
        return metrics_module.categorical_accuracy
    if binary:
        return metrics_module.binary_crossentropy
    if sparse:
        return metrics_module.sparse_categorical_crossentropy
    return metrics_module.categorical_crossentropy


def collect_per_output_metric_info(metrics, output_names, output_shapes,
                                   loss_fns, is_weighted=False):
    """compile()'s `metrics` as one OrderedDict {name: Metric} per
    output. A flat list applies to every output (each gets its own
    copies); a list of lists or a dict gives each output its own."""
    if not metrics:
        return [OrderedDict() for _ in output_names]
    if isinstance(metrics, list):
        if any(isinstance(m, list) for m in metrics):
            if len(metrics) != len(output_names):
                raise ValueError('When passing a list of lists as `metrics`, '
                                 'it should have one entry per model output. '
                                 'The model has ' + str(len(output_names)) +
                                 ' outputs, but you passed metrics=' +
                                 str(metrics))
            nested = [generic_utils.to_list(m) for m in metrics]
        elif len(output_names) > 1:
            nested = [metrics_module.clone_metrics(metrics)
                      for _ in output_names]
        else:
            nested = [metrics]
    elif isinstance(metrics, collections.abc.Mapping):
        generic_utils.check_for_unexpected_keys('metrics', metrics,
                                                output_names)
        nested = [generic_utils.to_list(metrics.get(name, []))
                  for name in output_names]
    else:
        raise TypeError('Type of `metrics` argument not understood. Expected '
                        'a list or dictionary, found: ' + str(metrics))
    result = []
    for output_metrics, shape, loss_fn in zip(nested, output_shapes,
                                               loss_fns):
        named = OrderedDict()
        for metric in output_metrics:
            name = get_metric_name(metric, is_weighted)
            fn = get_metric_function(metric, output_shape=shape,
                                     loss_fn=loss_fn)
            if not isinstance(fn, metrics_module.Metric):
                fn = metrics_module.MeanMetricWrapper(fn, name=name)
            named[name] = fn
        result.append(named)
    return result


def call_metric_function(metric_fn, y_true, y_pred=None, weights=None,
                         mask=None):
    """Updates a stateful metric (the mask acting as a sample weight) and
    returns its result."""
    if mask is not None:
        mask = K.cast(mask, K.dtype(y_pred))
        if weights is None:
            weights = mask
        else:
            mask, _, weights = losses_utils.squeeze_or_expand_dimensions(
                mask, sample_weight=weights)
            weights = weights * mask
    if y_pred is not None:
        metric_fn.update_state(y_true, y_pred, sample_weight=weights)
    else:
        metric_fn.update_state(y_true, sample_weight=weights)
    return metric_fn.result()
