"""tf.keras 2.x's preprocessing layers (tf_keras layers/preprocessing):
Normalization, Discretization and CategoryEncoding here, the image layers
in preprocessing_image.py (imported here, so that this module holds them
all), and PreprocessingLayer, the base of the layers with an `adapt`.

`adapt(data, batch_size=None, steps=None)` reads `data` as tf.keras's
adapt does: a numpy array (or list, or torch tensor) in batches of
`batch_size` rows (32 by default, or len / `steps` when only `steps` is
given), at most `steps` of them; a dataset (keras_compat's tf.data
stand-in), a `keras.utils.Sequence` or a generator element by element,
each one a batch (at most `steps`; `batch_size` does not apply to them,
as in tf.keras). The state is updated batch by batch with tf.keras's
formulas, so an adapted layer has tf.keras's weights."""
import math

import numpy as np
import torch

from .. import backend as K
from ..backend import ops
from ..engine.base_layer import Layer, _WeightRecord
from .preprocessing_image import (
    BaseRandomLayer, CenterCrop, RandomBrightness, RandomContrast,
    RandomCrop, RandomFlip, RandomHeight, RandomRotation, RandomTranslation,
    RandomWidth, RandomZoom, Resizing)
from .core import Rescaling

__all__ = [
    'PreprocessingLayer', 'Normalization', 'Discretization',
    'CategoryEncoding', 'Rescaling', 'Resizing', 'CenterCrop',
    'BaseRandomLayer', 'RandomCrop', 'RandomFlip', 'RandomTranslation',
    'RandomRotation', 'RandomZoom', 'RandomContrast', 'RandomBrightness',
    'RandomHeight', 'RandomWidth']

INT = 'int'
ONE_HOT = 'one_hot'
MULTI_HOT = 'multi_hot'
COUNT = 'count'


# -------------------------------------------------------------- adapt data
def _is_array(data):
    return isinstance(data, (np.ndarray, torch.Tensor, list, tuple,
                             int, float))


def _as_tensor(data):
    if isinstance(data, torch.Tensor):
        return data
    return torch.as_tensor(np.asarray(data))


def adapt_batches(data, batch_size=None, steps=None, is_array=None,
                  convert=None):
    """(batch, batched) pairs for `adapt`: `batched` tells whether the
    first axis of `batch` is a batch axis of unknown size (arrays, batched
    datasets, Sequences and generators) or part of one element (an
    unbatched dataset's elements, as tf.keras builds the layer on them).
    An array (`is_array`) is read in batches of `batch_size` rows (32 by
    default, or len / `steps`), at most `steps`; each batch or element is
    made a tensor by `convert` (numeric by default; strings for the
    lookup layers)."""
    is_array = is_array or _is_array
    convert = convert or _as_tensor
    if is_array(data):
        array = convert(data)
        if array.ndim == 0:
            raise ValueError('adapt() needs data with a batch axis; got a '
                             'scalar.')
        count = array.shape[0]
        if not batch_size:
            batch_size = int(math.ceil(count / float(steps))) if steps \
                else 32
        total = int(math.ceil(count / float(batch_size)))
        if steps:
            total = min(total, int(steps))
        for i in range(total):
            yield array[i * batch_size:(i + 1) * batch_size], True
        return
    batched = _is_batched(data)
    for i, element in enumerate(data):
        if steps is not None and i >= steps:
            break
        yield convert(element), batched


def _is_batched(data):
    """Whether the elements of `data` are batches: those of keras_compat's
    tf.data stand-in are after its `batch`, those of Sequences and
    generators always."""
    plan = getattr(data, '_steps', None)
    if plan is None:
        return True
    return any(step[0] == 'batch' for step in plan)


def listify(value):
    """tf_keras's preprocessing_utils.listify_tensors: tensors and arrays
    as (nested) lists, anything else as given."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        value = value.tolist()
    return value


class PreprocessingLayer(Layer):
    """tf.keras's `keras.layers.experimental.preprocessing.
    PreprocessingLayer`: the base of the layers whose state is computed
    before training by `adapt` (`update_state` on each batch, then
    `finalize_state`); `reset_state` clears it. `compile(run_eagerly,
    steps_per_execution)` is accepted as in tf.keras: the batches run
    eagerly one by one here, which gives the state that running
    `steps_per_execution` batches per tf.function call gives."""

    def __init__(self, **kwargs):
        super(PreprocessingLayer, self).__init__(**kwargs)
        self._is_compiled = False
        self._is_adapted = False
        self._steps_per_execution = 1
        self._run_eagerly = True

    @property
    def is_adapted(self):
        """Whether the layer has been fit to data already."""
        return self._is_adapted

    def update_state(self, data):
        """Accumulates statistics from one batch."""
        raise NotImplementedError

    def reset_state(self):
        """Resets the statistics of the layer."""
        raise NotImplementedError

    def finalize_state(self):
        """Turns the statistics into the state `call` uses (after `adapt`
        and after weights are restored)."""

    def compile(self, run_eagerly=None, steps_per_execution=None):
        self._steps_per_execution = int(steps_per_execution or 1)
        self._run_eagerly = True if run_eagerly is None else run_eagerly
        self._is_compiled = True

    def adapt(self, data, batch_size=None, steps=None):
        """Fits the layer's state to `data` (see the module docstring for
        the forms of `data`)."""
        if not self._is_compiled:
            self.compile()
        if self.built:
            self.reset_state()
            self._is_adapted = False
        for batch, batched in adapt_batches(data, batch_size, steps):
            self._adapt_maybe_build(batch, batched)
            self.update_state(batch)
        self.finalize_state()
        self._is_adapted = True

    def _adapt_maybe_build(self, batch, batched):
        """Builds the layer on the first batch, its batch size unknown, and
        gives it a batch input shape of unknown sizes unless it has one
        (tf.keras does both)."""
        if self.built:
            return
        shape = tuple(batch.shape)
        if batched:
            shape = (None,) + shape[1:]
        if getattr(self, 'batch_input_shape', None) is None:
            self.batch_input_shape = (None,) * len(shape)
        self._maybe_build(shape)
        # Built by `adapt()`, not by a call: tf.keras names its weights
        # without the layer's scope ('mean:0').
        self.__dict__.pop('_built_by_call', None)


# ---------------------------------------------------------- Normalization
class Normalization(PreprocessingLayer):
    """tf.keras's `Normalization(axis=-1, mean=None, variance=None,
    invert=False)`: `(x - mean) / max(sqrt(variance), K.epsilon())` with a
    mean and variance per index of the kept `axis` (None: one for all),
    given or learnt by `adapt`; with `invert`, `mean + x * max(sqrt(var),
    eps)`. Adapted, the layer has the non-trainable weights `mean`,
    `variance` (shape of the kept axes) and `count` (int64), updated batch
    by batch as tf.keras does; `layer.mean` and `layer.variance` are the
    values broadcast to the input's rank."""

    def __init__(self, axis=-1, mean=None, variance=None, invert=False,
                 **kwargs):
        super(Normalization, self).__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        else:
            axis = tuple(axis)
        self.axis = axis
        if (mean is not None) != (variance is not None):
            raise ValueError(
                'When setting values directly, both `mean` and `variance` '
                'must be set. Got mean: {} and variance: {}'.format(
                    mean, variance))
        self.input_mean = mean
        self.input_variance = variance
        self.invert = invert

    def build(self, input_shape):
        if isinstance(input_shape, list) and input_shape and \
                isinstance(input_shape[0], (tuple, list)):
            raise ValueError(
                'Normalization only accepts a single input. If you are '
                'passing a python list or tuple as a single input, please '
                'convert to a numpy array or `tf.Tensor`.')
        input_shape = list(input_shape)
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(
                'All `axis` values must be in the range [-ndim, ndim). '
                'Found ndim: `{}`, axis: {}'.format(ndim, self.axis))
        self._keep_axis = sorted(d if d >= 0 else d + ndim
                                 for d in self.axis)
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError(
                    'All `axis` values to be kept must have known shape. '
                    'Got axis: {}, input shape: {}, with unknown axis at '
                    'index: {}'.format(self.axis, input_shape, d))
        self._reduce_axis = [d for d in range(ndim)
                             if d not in self._keep_axis]
        self._broadcast_shape = [input_shape[d] if d in self._keep_axis
                                 else 1 for d in range(ndim)]
        shape = tuple(input_shape[d] for d in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self._add_torch_weight(
                'mean', shape, 'zeros', trainable=False, attr='adapt_mean')
            self.adapt_variance = self._add_torch_weight(
                'variance', shape, 'ones', trainable=False,
                attr='adapt_variance')
            self.count = self.add_weight(name='count', shape=(),
                                         dtype='int64', initializer='zeros',
                                         trainable=False)
        else:
            self._fixed_statistic('_fixed_mean', self.input_mean, shape)
            self._fixed_statistic('_fixed_variance', self.input_variance,
                                  shape)
        self.built = True

    def _fixed_statistic(self, attr, value, shape):
        value = np.asarray(listify(value)) * np.ones(shape)
        value = torch.as_tensor(value.reshape(self._broadcast_shape),
                                dtype=self._dtype(), device=K.get_device())
        self.register_buffer(attr, value, persistent=False)

    def _dtype(self):
        return ops.torch_dtype(self.dtype)

    @property
    def mean(self):
        """The mean broadcast to the input's rank."""
        if self.input_mean is not None:
            return self._fixed_mean
        return self.adapt_mean.detach().reshape(self._broadcast_shape)

    @property
    def variance(self):
        """The variance broadcast to the input's rank."""
        if self.input_mean is not None:
            return self._fixed_variance
        return self.adapt_variance.detach().reshape(self._broadcast_shape)

    def call(self, inputs):
        x = _as_tensor(inputs).to(self._dtype())
        mean, variance = self.mean, self.variance
        scale = torch.sqrt(variance).clamp_min(K.epsilon())
        if self.invert:
            return mean + x * scale
        return (x - mean) / scale

    def update_state(self, data):
        if self.input_mean is not None:
            raise ValueError(
                'Cannot `adapt` a Normalization layer that is initialized '
                'with static `mean` and `variance`, you passed mean {} and '
                'variance {}.'.format(self.input_mean, self.input_variance))
        if not self.built:
            raise RuntimeError('`build` must be called before '
                               '`update_state`.')
        data = _as_tensor(data).to(device=self.adapt_mean.device,
                                   dtype=self._dtype())
        batch_mean, batch_variance, batch_count = self._moments(data)
        total_count = batch_count + int(self.count)
        dtype = self._dtype()
        batch_weight = torch.tensor(
            np.float32(batch_count) / np.float32(total_count), dtype=dtype,
            device=data.device)
        existing_weight = 1.0 - batch_weight
        old_mean, old_variance = self.adapt_mean.detach(), \
            self.adapt_variance.detach()
        total_mean = old_mean * existing_weight + batch_mean * batch_weight
        total_variance = (
            old_variance + (old_mean - total_mean) ** 2) * existing_weight + \
            (batch_variance + (batch_mean - total_mean) ** 2) * batch_weight
        with torch.no_grad():
            self.adapt_mean.copy_(total_mean)
            self.adapt_variance.copy_(total_variance)
            self.count.fill_(total_count)

    def _moments(self, data):
        """tf.nn.moments over the reduced axes, and the number of values
        each statistic saw."""
        if not self._reduce_axis:
            return data, torch.zeros_like(data), 1
        axes = tuple(self._reduce_axis)
        mean = data.mean(dim=axes, keepdim=True)
        variance = ((data - mean) ** 2).mean(dim=axes)
        count = int(np.prod([data.shape[d] for d in axes]))
        return mean.reshape(variance.shape), variance, count

    def reset_state(self):
        if self.input_mean is not None or not self.built:
            return
        with torch.no_grad():
            self.adapt_mean.zero_()
            self.adapt_variance.fill_(1.)
            self.count.zero_()
        self._is_adapted = False

    def compute_output_shape(self, input_shape):
        # (The kept axes have the sizes the layer was built for, as in the
        # shapes tf.keras infers: an adapted layer built for (None, 3)
        # gives (None, 3) on an input of shape (None, None).)
        shape = list(input_shape)
        if self.built and len(shape) == len(self._broadcast_shape):
            for d in self._keep_axis:
                if shape[d] is None:
                    shape[d] = self._broadcast_shape[d]
        return tuple(shape)

    def get_config(self):
        config = {'axis': self.axis, 'invert': self.invert,
                  'mean': listify(self.input_mean),
                  'variance': listify(self.input_variance)}
        base_config = super(Normalization, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


# ---------------------------------------------------- categorical outputs
def encode_categorical(inputs, output_mode, depth, dtype,
                       count_weights=None):
    """tf_keras's encode_categorical_inputs (dense): 'int' casts; 'one_hot'
    one row per value; 'multi_hot' and 'count' one row per input row (a
    rank-1 input is one row) marking or counting its values (weighted by
    `count_weights` in 'count'), values outside [0, depth) dropped."""
    dtype = ops.torch_dtype(dtype)
    if output_mode == INT:
        return inputs.to(dtype)
    x = inputs
    original_shape = tuple(x.shape)
    if x.dim() == 0:
        x = x[None]
    if output_mode == ONE_HOT and x.shape[-1] != 1:
        x = x[..., None]
    if x.dim() > 2:
        raise ValueError(
            "When output_mode is not `'int'`, maximum supported output rank "
            'is 2. Received output_mode {} and input shape {}, which would '
            'result in output rank {}.'.format(output_mode, original_shape,
                                               x.dim()))
    rows = x.reshape(-1, x.shape[-1]).long()
    inside = (rows >= 0) & (rows < depth)
    index = rows.clamp(0, depth - 1)
    if output_mode == COUNT and count_weights is not None:
        weights = count_weights.to(device=rows.device, dtype=dtype).reshape(
            rows.shape)
    else:
        weights = torch.ones(rows.shape, dtype=dtype, device=rows.device)
    weights = torch.where(inside, weights, torch.zeros_like(weights))
    out = torch.zeros(rows.shape[0], depth, dtype=dtype, device=rows.device)
    out.scatter_add_(1, index, weights)
    if output_mode in (ONE_HOT, MULTI_HOT):
        counts = torch.zeros_like(out).scatter_add_(1, index,
                                                    inside.to(dtype))
        out = (counts > 0).to(dtype)
    return out[0] if x.dim() == 1 else out


def _categorical_output_shape(shape, output_mode, depth):
    """tf_keras's compute_shape_for_encode_categorical."""
    shape = list(shape)
    if output_mode == INT:
        return tuple(shape)
    if not shape:
        return (depth,)
    if output_mode == ONE_HOT and shape[-1] != 1:
        return tuple(shape + [depth])
    return tuple(shape[:-1] + [depth])


def _sparse_unsupported(layer_name):
    return NotImplementedError(
        '%s(sparse=True) is not supported by keras_compat (it has no '
        'sparse tensors); use sparse=False, which gives the same values as '
        'a dense tensor.' % layer_name)


def _refuse_sparse(sparse, output_mode, layer_name, modes):
    """tf.keras's error for `sparse=True` with integer outputs; sparse
    outputs themselves are not supported here."""
    if sparse and output_mode == INT:
        raise ValueError(
            '`sparse` may only be true if `output_mode` is {}. Received: '
            'sparse={} and output_mode={}'.format(
                ', '.join("`'%s'`" % m for m in modes), sparse, output_mode))
    if sparse:
        raise _sparse_unsupported(layer_name)


def _output_dtype(kwargs, output_mode):
    """The layer dtype tf.keras gives a layer with an `output_mode`: int64
    for indices (a floating dtype given is replaced), else floatx."""
    dtype = kwargs.get('dtype')
    if dtype is None:
        kwargs['dtype'] = 'int64' if output_mode == INT else K.floatx()
    elif output_mode == INT and ops.torch_dtype(dtype).is_floating_point:
        kwargs['dtype'] = 'int64'
    return kwargs


def _check_output_mode(output_mode, allowed, layer_name):
    if output_mode not in allowed:
        raise ValueError(
            'Unknown value for `output_mode`. Allowed values are: {}. '
            'Received: {} (layer {})'.format(list(allowed), output_mode,
                                             layer_name))


# ---------------------------------------------------------- Discretization
class Discretization(PreprocessingLayer):
    """tf.keras's `Discretization(bin_boundaries=None, num_bins=None,
    epsilon=0.01, output_mode='int', sparse=False)`: the index of each
    value's bin (value v is in bin i when boundaries[i-1] <= v <
    boundaries[i], boundaries as float32), as int64 in 'int' mode, or
    encoded as 'one_hot' / 'multi_hot' / 'count' rows of
    len(boundaries) + 1 floats. With `num_bins`, `adapt` computes the
    boundaries with tf.keras's approximate quantiles (its `summary` weight,
    of shape (2, n), merged and compressed batch by batch with error
    `epsilon`). `sparse=True` is not supported."""

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01,
                 output_mode=INT, sparse=False, **kwargs):
        if 'bins' in kwargs:
            bins = kwargs.pop('bins')
            if isinstance(bins, int) and num_bins is None:
                num_bins = bins
            elif bin_boundaries is None:
                bin_boundaries = bins
        super(Discretization, self).__init__(
            **_output_dtype(kwargs, output_mode))
        _check_output_mode(output_mode, (INT, ONE_HOT, MULTI_HOT, COUNT),
                           'Discretization')
        _refuse_sparse(sparse, output_mode, 'Discretization',
                       (ONE_HOT, MULTI_HOT, COUNT))
        if num_bins is not None and num_bins < 0:
            raise ValueError('`num_bins` must be greater than or equal to '
                             '0. You passed `num_bins={}`'.format(num_bins))
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(
                'Both `num_bins` and `bin_boundaries` should not be set. '
                'You passed `num_bins={}` and `bin_boundaries={}`'.format(
                    num_bins, bin_boundaries))
        bin_boundaries = listify(bin_boundaries)
        self.input_bin_boundaries = bin_boundaries
        self.bin_boundaries = bin_boundaries \
            if bin_boundaries is not None else []
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = sparse

    def build(self, input_shape):
        if self.input_bin_boundaries is None:
            self.summary = self.add_weight(
                name='summary', shape=(2, 0), dtype='float32',
                initializer='zeros', trainable=False)
            record = self._keras_weights[-1]
            self._keras_weights[-1] = _SummaryRecord(
                record.name, record.attr, (2, 0), trainable=False)
        self.built = True

    def update_state(self, data):
        if self.input_bin_boundaries is not None:
            raise ValueError(
                'Cannot adapt a Discretization layer that has been '
                'initialized with `bin_boundaries`, use `num_bins` instead. '
                'You passed `bin_boundaries={}`.'.format(
                    self.input_bin_boundaries))
        if not self.built:
            raise RuntimeError('`build` must be called before '
                               '`update_state`.')
        values = _as_tensor(data).detach().cpu().numpy().astype(np.float32)
        summary = _summarize(values, self.epsilon)
        previous = self.summary.detach().cpu().numpy()
        self._set_summary(_merge_summaries(summary, previous, self.epsilon))

    def _set_summary(self, value):
        """Stores the summary, whose width changes as data comes in."""
        param = self.summary
        with torch.no_grad():
            param.data = torch.as_tensor(value, dtype=torch.float32,
                                         device=param.device)
        for record in self._keras_weights:
            if record.name == 'summary':
                record.keras_shape = _SummaryShape(value.shape)

    def finalize_state(self):
        if self.input_bin_boundaries is not None or not self.built:
            return
        summary = self.summary.detach().cpu().numpy()
        self.bin_boundaries = _compress_summary(
            summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def reset_state(self):
        if self.input_bin_boundaries is not None or not self.built:
            return
        self._set_summary(np.zeros((2, 0), np.float32))
        self._is_adapted = False

    def call(self, inputs):
        x = _as_tensor(inputs)
        boundary_type = torch.float64 if x.dtype == torch.float64 \
            else torch.float32
        boundaries = torch.tensor(
            np.asarray(self.bin_boundaries, np.float32),
            device=x.device).to(boundary_type)
        indices = torch.bucketize(x.to(boundary_type), boundaries,
                                  right=True)
        return encode_categorical(indices, self.output_mode,
                                  len(self.bin_boundaries) + 1, self.dtype)

    def compute_output_shape(self, input_shape):
        return _categorical_output_shape(input_shape, self.output_mode,
                                         len(self.bin_boundaries) + 1)

    def get_config(self):
        config = {'bin_boundaries': self.input_bin_boundaries,
                  'num_bins': self.num_bins, 'epsilon': self.epsilon,
                  'output_mode': self.output_mode, 'sparse': self.sparse}
        base_config = super(Discretization, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


class _SummaryShape(tuple):
    """The (2, width) shape of a Discretization summary, which takes
    values of any width, as tf.keras's summary variable of shape
    (2, None) does."""

    def __eq__(self, other):
        other = tuple(other)
        return len(other) == 2 and other[0] == 2

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = tuple.__hash__


class _SummaryRecord(_WeightRecord):
    """The summary weight: `set_weights` and weight loading replace it
    whatever its width and finalize the layer (its bin boundaries come from
    the summary), as tf.keras's weight loading does."""

    def __init__(self, *args, **kwargs):
        super(_SummaryRecord, self).__init__(*args, **kwargs)
        self.keras_shape = _SummaryShape(self.keras_shape)

    def assign(self, layer, value):
        layer._set_summary(np.asarray(value, np.float32))
        layer.finalize_state()


def _summarize(values, epsilon):
    """tf_keras discretization.summarize: every (n * epsilon)-th sorted
    value, weighted by that step, as a (2, k) float32 array."""
    values = np.sort(values.reshape(-1))
    elements = np.float32(values.size)
    increment = int(np.float32(elements / np.float32(1.0 / epsilon)))
    step = max(increment, 1)
    boundaries = values[increment::step]
    weights = np.ones_like(boundaries) * np.float32(step)
    return np.stack([boundaries, weights]).astype(np.float32)


def _compress_summary(summary, epsilon):
    """tf_keras discretization._compress_summary_numpy."""
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_weight_percents = cum_weights / cum_weights[-1]
    new_bins = np.interp(percents, cum_weight_percents, summary[0])
    cum_weights = np.interp(percents, cum_weight_percents, cum_weights)
    new_weights = cum_weights - np.concatenate(
        (np.array([0]), cum_weights[:-1]))
    return np.stack((new_bins, new_weights)).astype(np.float32)


def _merge_summaries(summary, previous, epsilon):
    """tf_keras discretization.merge_summaries: both summaries, sorted by
    value (ties in order), compressed."""
    merged = np.concatenate((summary, previous), axis=1)
    merged = merged[:, np.argsort(merged[0], kind='stable')]
    return _compress_summary(merged, epsilon)


# -------------------------------------------------------- CategoryEncoding
class CategoryEncoding(Layer):
    """tf.keras's `CategoryEncoding(num_tokens, output_mode='multi_hot',
    sparse=False)`: integer inputs in [0, num_tokens) encoded as
    'one_hot' (one row per value), 'multi_hot' (one row per input row
    marking its values; 'binary' is its old name) or 'count' (counting
    them, weighted by the call's `count_weights`), in the layer's float
    dtype. A rank-1 input is one row in 'multi_hot' and 'count'. Values
    outside the range raise InvalidArgumentError. `sparse=True` is not
    supported."""

    def __init__(self, num_tokens=None, output_mode=MULTI_HOT, sparse=False,
                 **kwargs):
        if 'max_tokens' in kwargs:
            num_tokens = kwargs.pop('max_tokens')
        super(CategoryEncoding, self).__init__(**kwargs)
        if output_mode == 'binary':
            output_mode = MULTI_HOT
        _check_output_mode(output_mode, (COUNT, ONE_HOT, MULTI_HOT),
                           'CategoryEncoding')
        if num_tokens is None:
            raise ValueError(
                'num_tokens must be set to use this layer. If the number of '
                'tokens is not known beforehand, use the IntegerLookup layer '
                'instead.')
        if num_tokens < 1:
            raise ValueError('`num_tokens` must be >= 1. Received: '
                             'num_tokens={}.'.format(num_tokens))
        if sparse:
            raise _sparse_unsupported('CategoryEncoding')
        self.num_tokens = num_tokens
        self.output_mode = output_mode
        self.sparse = sparse

    def call(self, inputs, count_weights=None):
        x = _as_tensor(inputs)
        if count_weights is not None:
            if self.output_mode != COUNT:
                raise ValueError(
                    "`count_weights` is not used when `output_mode` is not "
                    "`'count'`. Received `count_weights={}`.".format(
                        count_weights))
            count_weights = _as_tensor(count_weights)
        self._check_range(x)
        return encode_categorical(x, self.output_mode, self.num_tokens,
                                  self.dtype, count_weights)

    def _check_range(self, x):
        if x.numel() and (bool(x.min() < 0) or
                          bool(x.max() >= self.num_tokens)):
            from ..tensorflow_compat import errors
            raise errors.InvalidArgumentError(
                'Input values must be in the range 0 <= values < num_tokens '
                'with num_tokens={}'.format(self.num_tokens))

    def compute_output_shape(self, input_shape):
        return _categorical_output_shape(input_shape, self.output_mode,
                                         self.num_tokens)

    def get_config(self):
        config = {'num_tokens': self.num_tokens,
                  'output_mode': self.output_mode, 'sparse': self.sparse}
        base_config = super(CategoryEncoding, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))
