"""Keras 2's data-standardisation rules, in one place: how the `x`, `y`,
`sample_weight` and `class_weight` a user passes become one tensor per
model input and output, and the errors Keras raises on the way.

`fit`, `evaluate`, `predict` and the batch methods call
`standardize_user_data`/`standardize_inputs`; the numpy helpers of
`keras.engine.training_utils` are built on the same checks
(`check_array_shape`, `standardize_sample_or_class_weights`,
`standardize_weight`, `raise_on_inconsistent_lengths`)."""
import warnings

import numpy as np
import torch

from .. import backend as K
from ..backend import common
from . import data_adapter


# ------------------------------------------------------------ shared rules
def check_array_shape(name, data_shape, shape, check_batch_axis,
                      exception_prefix):
    """Keras 2's check of one array against its input or output shape: the
    same rank, and the same size in every dimension the model fixes."""
    data_shape, shape = tuple(data_shape), tuple(shape)
    if len(data_shape) != len(shape):
        raise ValueError('Error when checking ' + exception_prefix +
                         ': expected ' + name + ' to have ' +
                         str(len(shape)) + ' dimensions, but got array '
                         'with shape ' + str(data_shape))
    if not check_batch_axis:
        data_shape, shape = data_shape[1:], shape[1:]
    for dim, ref_dim in zip(data_shape, shape):
        if ref_dim and ref_dim != dim:
            raise ValueError('Error when checking ' + exception_prefix +
                             ': expected ' + name + ' to have shape ' +
                             str(shape) + ' but got array with shape ' +
                             str(data_shape))


def standardize_sample_or_class_weights(x_weight, output_names,
                                        weight_type):
    """`sample_weight` or `class_weight` as one entry per model output."""
    if x_weight is None or (hasattr(x_weight, '__len__') and
                            len(x_weight) == 0):
        return [None] * len(output_names)
    if len(output_names) == 1:
        if isinstance(x_weight, list) and len(x_weight) == 1:
            return x_weight
        if isinstance(x_weight, dict) and output_names[0] in x_weight:
            return [x_weight[output_names[0]]]
        return [x_weight]
    if isinstance(x_weight, list):
        if len(x_weight) != len(output_names):
            raise ValueError('Provided `' + weight_type + '` was a list of ' +
                             str(len(x_weight)) + ' elements, but the model '
                             'has ' + str(len(output_names)) + ' outputs. '
                             'You should provide one `' + weight_type +
                             '`array per model output.')
        return x_weight
    if isinstance(x_weight, dict):
        return [x_weight.get(name) for name in output_names]
    raise TypeError('The model has multiple outputs, so `' + weight_type +
                    '` should be either a list or a dict. Provided `' +
                    weight_type + '` type not understood: ' + str(x_weight))


def raise_on_inconsistent_lengths(inputs, targets, weights, lengths):
    """Raises Keras's error for the first disagreement between the sets of
    sample counts `lengths(inputs)`, `lengths(targets)` and
    `lengths(weights)`."""
    set_x, set_y, set_w = lengths(inputs), lengths(targets), lengths(weights)
    if common.is_tf_keras() and len(set_x | set_y | set_w) > 1:
        raise _ambiguous_cardinality(inputs, targets, weights)

    def shapes(arrays):
        return [tuple(a.shape) for a in arrays if a is not None]
    if len(set_x) > 1:
        raise ValueError('All input arrays (x) should have the same number '
                         'of samples. Got array shapes: ' + str(shapes(inputs)))
    if len(set_y) > 1:
        raise ValueError('All target arrays (y) should have the same number '
                         'of samples. Got array shapes: ' +
                         str(shapes(targets)))
    if set_x and set_y and set_x != set_y:
        raise ValueError('Input arrays should have the same number of '
                         'samples as target arrays. Found ' +
                         str(min(set_x)) + ' input samples and ' +
                         str(min(set_y)) + ' target samples.')
    if len(set_w) > 1:
        raise ValueError('All sample_weight arrays should have the same '
                         'number of samples. Got array shapes: ' +
                         str(shapes(weights)))
    if set_y and set_w and set_y != set_w:
        raise ValueError('Sample_weight arrays should have the same number '
                         'of samples as target arrays. Got ' +
                         str(min(set_y)) + ' input samples and ' +
                         str(min(set_w)) + ' target samples.')


def _ambiguous_cardinality(inputs, targets, weights):
    """tf.keras's error for arrays of different sample counts."""
    message = 'Data cardinality is ambiguous:\n'
    for label, arrays in (('x', inputs), ('y', targets),
                          ('sample_weight', weights)):
        sizes = [str(int(a.shape[0])) for a in arrays if a is not None]
        if sizes:
            message += '  %s sizes: %s\n' % (label, ', '.join(sizes))
    return ValueError(message + 'Make sure all arrays contain the same '
                      'number of samples.')


def integer_targets_for_categorical_error(shape):
    """Keras's error for class indices given to categorical
    crossentropy."""
    return ValueError(
        'You are passing a target array of shape ' + str(shape) + ' while '
        'using as loss `categorical_crossentropy`. '
        '`categorical_crossentropy` expects targets to be binary matrices '
        '(1s and 0s) of shape (samples, classes). If your targets are '
        'integer classes, you can convert them to the expected format '
        'via:\n```\nfrom keras.utils import to_categorical\ny_binary = '
        'to_categorical(y_int)\n```\n\nAlternatively, you can use the loss '
        'function `sparse_categorical_crossentropy` instead, which does '
        'expect integer targets.')


def standardize_weight(target, sample_weight, class_weight, mode):
    """One weight tensor per sample (or timestep) from sample_weight and
    class_weight, as Keras combines them."""
    if sample_weight is not None:
        sample_weight = data_adapter.to_tensor(
            data_adapter.to_array_like(sample_weight)).to(
            K.torch_dtype(K.floatx()))
    if mode is None and sample_weight is not None and common.is_tf_keras():
        mode, sample_weight = _tf_keras_weight_mode(target, sample_weight)
    _check_weight_rank(target, sample_weight, mode)
    class_sample_weight = _class_sample_weight(target, class_weight)
    if sample_weight is not None and class_sample_weight is not None:
        return sample_weight * class_sample_weight
    if sample_weight is not None:
        return sample_weight
    return class_sample_weight


def _tf_keras_weight_mode(target, sample_weight):
    """tf.keras needs no `sample_weight_mode`: 2-D weights for a target
    with timesteps weigh each timestep, and (samples, 1) weights weigh
    the samples."""
    if sample_weight.dim() == 2 and target.dim() >= 3:
        return 'temporal', sample_weight
    if sample_weight.dim() == 2 and sample_weight.shape[1] == 1:
        return None, sample_weight[:, 0]
    return None, sample_weight


def _check_weight_rank(target, sample_weight, mode):
    if mode is not None:
        if target.dim() < 3:
            raise ValueError('Found a sample_weight array for an input with '
                             'shape ' + str(tuple(target.shape)) + '. '
                             'Timestep-wise sample weighting (use of '
                             'sample_weight_mode="temporal") is restricted '
                             'to outputs that are at least 3D, i.e. that '
                             'have a time dimension.')
        if sample_weight is not None and sample_weight.dim() != 2:
            raise ValueError('Found a sample_weight array with shape ' +
                             str(tuple(sample_weight.shape)) + '. In order '
                             'to use timestep-wise sample weighting, you '
                             'should pass a 2D sample_weight array.')
    elif sample_weight is not None and sample_weight.dim() != 1:
        raise ValueError('Found a sample_weight array with shape ' +
                         str(tuple(sample_weight.shape)) + '. In order to '
                         'use timestep-wise sample weights, you should '
                         'specify sample_weight_mode="temporal" in compile('
                         '). If you just mean to use sample-wise weights, '
                         'make sure your sample_weight array is 1D.')
    if sample_weight is not None and tuple(
            target.shape[:sample_weight.dim()]) != \
            tuple(sample_weight.shape):
        raise ValueError('Found a sample_weight array with shape ' +
                         str(tuple(sample_weight.shape)) + ' for an input '
                         'with shape ' + str(tuple(target.shape)) + '. '
                         'sample_weight cannot be broadcast.')


def _class_sample_weight(target, class_weight):
    """Each sample's class weight: the class is the argmax of a one-hot
    target, else the target itself."""
    if not isinstance(class_weight, dict) or not class_weight:
        return None
    if target.dim() > 2:
        raise ValueError('`class_weight` not supported for 3+ '
                         'dimensional targets.')
    if target.dim() == 2 and target.shape[1] > 1:
        classes = torch.argmax(target, dim=1)
    else:
        classes = target.reshape(-1)
    classes = classes.long().cpu().numpy()
    missing = set(classes.tolist()) - set(int(k) for k in class_weight)
    if missing:
        raise ValueError('`class_weight` must contain all classes in the '
                         'data. The classes %s exist in the data but not '
                         'in `class_weight`.' % missing)
    lookup = {int(k): float(v) for k, v in class_weight.items()}
    return torch.tensor([lookup[int(c)] for c in classes],
                        dtype=K.torch_dtype(K.floatx()))


def spread_weights(value, names, what):
    """`sample_weight`/`class_weight` as one entry per output; a single
    output's sample-weight dict without its name means no weights."""
    if what == 'sample_weight' and isinstance(value, dict) and \
            len(names) == 1 and names[0] not in value:
        return [None]
    if isinstance(value, list) and len(names) == 1 and len(value) == 1:
        return [value[0]]
    return standardize_sample_or_class_weights(value, names, what)


def check_non_empty(tensors, name):
    for tensor in tensors:
        if tensor is not None and tensor.dim() and int(tensor.shape[0]) == 0:
            raise ValueError('Expected input data to be non-empty: `%s` has '
                             '0 samples (shape %s).'
                             % (name, tuple(tensor.shape)))


def check_lengths(inputs, targets, weights):
    def lengths(tensors):
        return {int(t.shape[0]) for t in tensors if t is not None}
    raise_on_inconsistent_lengths(inputs, targets, weights, lengths)


# ----------------------------------------------------------------- inputs
def _input_names(model):
    return list(getattr(model, 'input_names', None) or ['input_1'])


def _input_list(model, x, names):
    """x as a list in model input order (a dict is read by input name;
    a subclassed model's dict is given back to its `call` as a dict, see
    `training_step.forward`)."""
    if names is None:
        _note_call_keys(model, x)
    if isinstance(x, dict):
        if names is None:
            return list(x.values())
        keys = model.__dict__.get('_input_keys')
        if keys is not None and all(k in x for k in keys):
            # Keyed as the model's dict of inputs (tf.keras).
            return [x[k] for k in keys]
        missing = [n for n in names if n not in x]
        if missing:
            raise ValueError('No data provided for "' + missing[0] +
                             '". Need data for each key in: ' + str(names))
        x = [x[n] for n in names]
    elif isinstance(x, (list, tuple)) and x and not isinstance(
            x[0], (int, float, np.number, str, bytes)) and (
            len(x) > 1 or names is None or len(names) != 1 or
            hasattr(x[0], 'shape')):
        x = list(x)
    else:
        x = [x]
    if names is not None and len(x) != len(names):
        if len(names) == 1 and all(isinstance(v, (int, float)) for v in x):
            return [np.asarray(x)]
        raise ValueError(
            'Error when checking model input: the list of Numpy '
            'arrays that you are passing to your model is not the '
            'size the model expected. Expected to see ' +
            str(len(names)) + ' array(s), but instead got the '
            'following list of ' + str(len(x)) + ' arrays: ' +
            str(x)[:200] + '...')
    return x


def _note_call_keys(model, x):
    """The keys of the dict of inputs a subclassed model is trained,
    evaluated or predicted with, in order (None for other inputs)."""
    model.__dict__['_call_input_keys'] = list(x) \
        if isinstance(x, dict) else None


def call_inputs(model, inputs):
    """What a model's `call` gets for its standardized input list: the
    dict it was given for a subclassed model fed a dict, else one input
    or the list."""
    keys = model.__dict__.get('_call_input_keys')
    if keys is not None and len(keys) == len(inputs):
        return dict(zip(keys, inputs))
    return inputs[0] if len(inputs) == 1 else inputs


def _first_leaf_is_text(value):
    """Whether the first innermost item of (nested) lists is a string."""
    while isinstance(value, (list, tuple)) and value:
        value = value[0]
    return isinstance(value, (str, bytes))


def _as_tensor(value, lazy, what, floatx_cast=True, keep_1d=False):
    """A user's array as a tensor with 1D data made a column (unless
    `keep_1d`); with `lazy`, data that is not in memory stays where it is
    (read per batch)."""
    expand = (lambda t: t) if keep_1d else data_adapter.expand_1d
    if lazy and data_adapter.is_out_of_memory(value):
        return expand(data_adapter.LazyRows(value))
    value = data_adapter.to_array_like(value)
    if isinstance(value, (list, tuple)) and _first_leaf_is_text(value):
        # (a list of strings, or nested lists: [["some text"]])
        value = np.asarray(value, dtype=object)
    if data_adapter.is_string_array(value) and what == 'input':
        # Strings stay numpy (batched as StringRows with `lazy`) until
        # the model's StringLookup / TextVectorization layer reads them;
        # 1D text is a column only for an Input of shape (1,)
        # (`_strings_for_input`), as tf.keras leaves it.
        rows = data_adapter.StringRows(value)
        return rows if lazy else rows.read(0, len(rows))
    if value is None:
        raise ValueError('Error when checking model %s: got None instead '
                         'of an array.' % what)
    if what == 'target' and not isinstance(value, torch.Tensor):
        value = np.asarray(value)
    return expand(data_adapter.to_tensor(value, floatx_cast=floatx_cast))


def _takes_vectors(model, index):
    """tf.keras hands 1D data to an Input of shape `(batch,)` as it is
    (Keras 2 makes every 1D array a column)."""
    return common.is_tf_keras() and model._is_graph_network and \
        index < len(model.inputs) and \
        len(model.inputs[index]._keras_shape) == 1


def standardize_inputs(model, x, lazy=False):
    """x as a list of tensors in model input order, checked against the
    model's input shapes."""
    graph = model._is_graph_network
    names = _input_names(model) if graph else None
    values = _input_list(model, x, names)
    # Floats for an Input of another float type go to it directly (a
    # float64 Input keeps float64 data's precision).
    own_type = [graph and i < len(model.inputs) and
                _other_float_type(model.inputs[i].dtype)
                for i in range(len(values))]
    tensors = [_as_tensor(value, lazy, 'input', floatx_cast=not own,
                          keep_1d=_takes_vectors(model, i))
               for i, (value, own) in enumerate(zip(values, own_type))]
    if graph and common.is_tf_keras() and \
            hasattr(model, '_widen_inferred_input'):
        model._widen_inferred_input([tuple(t.shape) for t in tensors])
    if graph:
        tensors = [_strings_for_input(t, symbolic._keras_shape)
                   for t, symbolic in zip(tensors, model.inputs)]
        for name, tensor, symbolic in zip(model.input_names, tensors,
                                          model.inputs):
            check_array_shape(name, tensor.shape, symbolic._keras_shape,
                              False, 'input')
    return _cast_to_input_dtypes(model, tensors)


def _strings_for_input(value, input_shape):
    """String data (see `_as_tensor`) of shape (batch,) for an Input of
    shape (batch, 1) as a column; anything else as it is."""
    if isinstance(value, data_adapter.StringRows) and value.dim() == 1 \
            and len(input_shape) == 2:
        return value.unsqueeze(1)
    if isinstance(value, data_adapter.StringBatch) and value.ndim == 1 \
            and len(input_shape) == 2:
        return value[:, None]
    return value


def _other_float_type(dtype):
    if not dtype or dtype == 'string':
        return False
    torch_type = K.torch_dtype(dtype)
    return torch_type.is_floating_point and \
        torch_type != K.torch_dtype(K.floatx())


def _cast_to_input_dtypes(model, tensors):
    """Integer arrays fed to a floating-point Input become that float
    type, and floats become a float Input's type (float64 for
    Input(dtype='float64')), as Keras 2 feeds them to its placeholders
    (floatx for a model without Input tensors)."""
    symbolic = model.inputs if model._is_graph_network else []
    cast = []
    for i, tensor in enumerate(tensors):
        declared = symbolic[i].dtype if i < len(symbolic) else None
        if not isinstance(tensor, torch.Tensor) and \
                getattr(tensor, 'dtype', None) in (object, 'string'):
            # (String data, numpy or StringRows: no cast.)
            cast.append(tensor)
            continue
        dtype = K.torch_dtype(declared or K.floatx())
        if dtype.is_floating_point and tensor.dtype != dtype and (
                declared is not None or not tensor.is_floating_point()):
            tensor = tensor.to(dtype)
        cast.append(tensor)
    return cast


# ---------------------------------------------------------------- targets
def _target_list(y, names, active):
    """y as one entry per output (None for outputs without a loss)."""
    if isinstance(y, dict):
        for key in y:
            if key not in names:
                raise ValueError('Unknown entry in target dictionary: '
                                 '"%s". Expected keys: %s' % (key, names))
        values = [y.get(n) for n in names]
    elif isinstance(y, (list, tuple)) and len(names) > 1:
        if len(y) == len(active) and len(active) < len(names):
            values = [None] * len(names)
            for i, v in zip(active, y):
                values[i] = v
        elif len(y) != len(names):
            raise ValueError(
                'Error when checking model target: the list of Numpy '
                'arrays that you are passing to your model is not the '
                'size the model expected. Expected to see ' +
                str(len(names)) + ' array(s), but instead got the '
                'following list of ' + str(len(y)) + ' arrays.')
        else:
            values = list(y)
    elif isinstance(y, (list, tuple)) and len(y) == 1 and \
            hasattr(y[0], 'shape'):
        values = [y[0]]
    else:
        values = [y]
    if len(values) == 1 and len(names) > 1 and len(active) == 1:
        # One target for the one output that has a loss.
        values = [values[0] if i in active else None
                  for i in range(len(names))]
    return values


def standardize_targets(model, y, lazy=False):
    compiled = model._compiled_loss
    names, active = compiled.output_names, compiled.active
    if y is None:
        return [None] * len(names)
    y = model._by_output_name(y)
    tensors = []
    for i, value in enumerate(_target_list(y, names, active)):
        if value is None or i not in active:
            tensors.append(None)
            continue
        tensor = _as_tensor(value, lazy, 'target')
        tensors.append(_target_dtype(compiled.losses[i],
                                     _squeezed_column(model, i, tensor)))
    return tensors


def _squeezed_column(model, index, target):
    """tf.keras makes 1D targets a column, then squeezes a column target
    given for an output without that axis (an output of shape (batch,)):
    the target of that output's shape. Keras 2 keeps the column (and its
    shape check rejects it)."""
    if not (common.is_tf_keras() and model._is_graph_network and
            isinstance(target, torch.Tensor)):
        return target
    output = model.outputs[index]
    rank = len(output._keras_shape)
    if target.dim() == rank + 1 and target.shape[-1] == 1:
        return target.squeeze(-1)
    return target


def _target_dtype(loss, tensor):
    """Class indices stay integers for sparse losses; other targets are
    floatx."""
    if loss is not None and loss.is_sparse:
        return tensor.long() if tensor.is_floating_point() else tensor
    if not tensor.is_floating_point():
        return tensor.to(K.torch_dtype(K.floatx()))
    return tensor


def check_targets(model, targets):
    """Keras 2's target checks: integer classes given to categorical
    crossentropy, and the output's shape for the built-in losses that
    compare target and output elementwise (not the sparse ones, nor
    user-defined losses)."""
    if not model._is_graph_network:
        return
    from .. import losses as losses_module
    compiled = model._compiled_loss
    for i, (target, symbolic) in enumerate(zip(targets, model.outputs)):
        if target is None:
            continue
        loss = compiled.losses[i]
        shape = tuple(target.shape)
        expected = symbolic._keras_shape
        # (Keras 2.3 refuses a one-column target whatever the output's
        # width; tf.keras where the output has several classes.)
        integer_classes = losses_module.is_categorical_crossentropy(
            loss.fn) and shape[-1] == 1 and (
                (expected[-1] or 0) > 1 or not common.is_tf_keras())
        if integer_classes and common.is_tf_keras():
            raise integer_targets_for_categorical_error(shape)
        fn = losses_module._underlying(loss.fn)
        if loss.is_sparse:
            _check_sparse_target(compiled.output_names[i], shape, expected)
        elif getattr(losses_module, getattr(fn, '__name__', ''),
                     None) is not None:
            check_array_shape(compiled.output_names[i], shape, expected,
                              False, 'target')
        if integer_classes:
            raise integer_targets_for_categorical_error(shape)


def _check_sparse_target(name, shape, expected):
    """Keras 2 expects class indices of the output's shape with a class
    axis of 1 (channels_first images: the first axis after the batch)."""
    if len(shape) != len(expected):
        return
    expected = tuple(expected)
    if K.image_data_format() == 'channels_first' and len(expected) in (4, 5):
        indices_shape = (expected[0], 1) + expected[2:]
    else:
        indices_shape = expected[:-1] + (1,)
    check_array_shape(name, shape, indices_shape, False, 'target')


# ---------------------------------------------------------------- weights
def standardize_weights(model, targets, sample_weight, class_weight):
    names = model._compiled_loss.output_names
    sws = spread_weights(model._by_output_name(sample_weight), names,
                         'sample_weight')
    cws = spread_weights(model._by_output_name(class_weight), names,
                         'class_weight')
    return [None if target is None else standardize_weight(
        target, sws[i], cws[i], model._sample_weight_modes[i])
        for i, target in enumerate(targets)]


def check_class_weight(model, class_weight):
    """`class_weight` checked once per call: one dict per output (from
    class index to weight), keyed by output name for several outputs.
    Returns the class weights to apply: None for an array or list of
    numbers, which Keras 2 ignored (with a warning here)."""
    if class_weight is None:
        return None
    if isinstance(class_weight, (list, tuple, np.ndarray)) and \
            len(class_weight) and all(
                isinstance(w, (int, float, np.number)) and
                not isinstance(w, bool) for w in np.ravel(class_weight)):
        # sklearn's compute_class_weight returns an array; Keras 2 applied
        # only dicts.
        warnings.warn('`class_weight` is a %s of numbers, not a dict: it is '
                      'ignored, as in Keras 2. To weight the classes, pass '
                      'dict(enumerate(class_weight)).'
                      % type(class_weight).__name__, stacklevel=3)
        return None
    from .training_utils import check_class_weight_entry
    names = model._compiled_loss.output_names
    if len(names) > 1 and isinstance(class_weight, dict) and \
            class_weight and not any(k in names for k in class_weight):
        raise ValueError('`class_weight` of a model with several '
                         'outputs must be a dict keyed by output name '
                         '(%s) or a list with one dict per output. '
                         'Received: class_weight=%r'
                         % (names, class_weight))
    entries = spread_weights(class_weight, names, 'class_weight')
    ignored = [isinstance(e, (list, tuple)) and len(e) > 0 and
               all(isinstance(d, dict) for d in e) for e in entries]
    if any(ignored):
        # A one-output model given a list of several dicts: Keras 2 took
        # the whole list as that output's entry, no dict, and applied no
        # class weights.
        warnings.warn('`class_weight` of output(s) %s is a list of dicts, '
                      'not a dict: it is ignored, as in Keras 2. Pass one '
                      'dict per output.' % [n for n, i in zip(names, ignored)
                                       if i], stacklevel=3)
        entries = [None if i else e for e, i in zip(entries, ignored)]
        class_weight = entries if any(e is not None for e in entries) \
            else None
    for name, entry in zip(names, entries):
        check_class_weight_entry(entry, name if len(names) > 1 else None)
    return class_weight


# ------------------------------------------------------------- all of it
def standardize_user_data(model, x, y=None, sample_weight=None,
                          class_weight=None, batch_size=None,
                          check_lengths_match=True, lazy=False,
                          data_name='x'):
    """Input, target and weight tensors; with `lazy`, data that is not in
    memory (HDF5Matrix, h5py datasets, numpy.memmap) stays where it is
    and is read batch by batch. Empty data is refused, naming
    `data_name` (None: a generator's batch, not checked). A deferred
    model is built from the inputs."""
    model._require_compiled()
    inputs = standardize_inputs(model, x, lazy=lazy)
    if data_name is not None:
        check_non_empty(inputs, data_name)
    model._ensure_built(inputs)
    targets = standardize_targets(model, y, lazy=lazy and not class_weight)
    active = model._compiled_loss.active
    if y is None and active:
        _raise_missing_target(model, x, data_name)
        raise ValueError('You passed no target data (`y`) but the '
                         'model has a loss to compute: pass `y` '
                         'to fit/evaluate.')
    if y is not None:
        check_targets(model, targets)
    weights = standardize_weights(model, targets, sample_weight,
                                  class_weight)
    if check_lengths_match:
        check_lengths(inputs, targets, weights)
    if model.stateful and batch_size and inputs and \
            inputs[0].shape[0] % batch_size != 0:
        raise ValueError('In a stateful network, you should only pass '
                         'inputs with a number of samples that can be '
                         'divided by the batch size. Found: ' +
                         str(inputs[0].shape[0]) + ' samples')
    return inputs, targets, weights


def _raise_missing_target(model, x, data_name):
    """tf.keras's error for data without targets; Keras 2's for a
    generator batch that is not an `(x, y)` tuple."""
    if common.is_tf_keras():
        raise ValueError('Target data is missing. Your model was compiled '
                         'with loss=%s, and therefore expects target data '
                         'to be provided in `fit()`.'
                         % (getattr(model, 'loss', None),))
    if data_name is None:
        raise ValueError('Output of generator should be a tuple `(x, y, '
                         'sample_weight)` or `(x, y)`. Found: ' + str(x))
