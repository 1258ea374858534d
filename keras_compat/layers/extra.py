"""Layers tf.keras 2.x added after Keras 2.3: Identity,
UnitNormalization, GroupNormalization, Conv1DTranspose, DepthwiseConv1D,
SpectralNormalization and the AbstractRNNCell base class (ConvLSTM1D and
ConvLSTM3D are in `convolutional_recurrent_nd.py`).

Each mirrors tf.keras 2.13+ (tf_keras 2.21 was the reference): the same
arguments, defaults, config keys, weight names and order, and numbers."""
import torch

from .. import backend as K
from ..backend import nn
from .. import initializers, regularizers, constraints
from ..engine.base_layer import Layer, InputSpec, _copy_to_numpy
from ..utils import argument_validation
from .convolutional import _Conv, _ConvTranspose, _DepthwiseMixin
from .convolutional import Conv3DTranspose
from .normalization import _add_scale_and_offset
from .wrappers import Wrapper

# tf.keras's name of Conv3DTranspose (`keras.layers.Convolution3DTranspose`).
Convolution3DTranspose = Conv3DTranspose

# tf.math.l2_normalize's floor of the squared norm.
_L2_EPSILON = 1e-12


def _l2_normalize(x, axes=None):
    """tf.math.l2_normalize: x * rsqrt(max(sum(x ** 2), 1e-12)) over `axes`
    (all of them where None)."""
    if axes is None:
        square_sum = (x * x).sum()
    else:
        square_sum = (x * x).sum(dim=axes, keepdim=True)
    return x * torch.rsqrt(torch.clamp(square_sum, min=_L2_EPSILON))


def _positive_axes(axis, ndim, layer_name):
    """`axis` (an int or a list of ints) as sorted non-negative axes of an
    input of rank `ndim`; ValueError for an axis out of range, as tf.keras's
    `validate_axis`."""
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError('%s: invalid axis %r for an input of rank %d.'
                             % (layer_name, axis, ndim))
    return sorted(a % ndim for a in axes)


# ----------------------------------------------------------------- Identity
class Identity(Layer):
    """tf.keras's `Identity` (TF 2.9+): a placeholder returning its inputs
    unchanged. Its config is the base layer's. As in tf.keras, it does not
    pass an input mask on."""

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape


# ------------------------------------------------------------ normalization
class UnitNormalization(Layer):
    """tf.keras's `UnitNormalization` (TF 2.9+): scales each sample to an
    L2 norm of 1 over `axis` (an int or a list of ints, -1 by default), as
    `tf.math.l2_normalize` (squared norm floored at 1e-12). Masks pass
    through."""

    def __init__(self, axis=-1, **kwargs):
        super(UnitNormalization, self).__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = list(axis)
        elif isinstance(axis, int):
            self.axis = axis
        else:
            raise TypeError('Invalid value for `axis` argument: expected an '
                            'int or a list/tuple of ints. Received: axis=%r'
                            % (axis,))
        self.supports_masking = True

    def build(self, input_shape):
        self._axes = _positive_axes(self.axis, len(input_shape),
                                    'UnitNormalization')
        self.built = True

    def call(self, inputs):
        return _l2_normalize(inputs, self._axes)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super(UnitNormalization, self).get_config()
        config['axis'] = self.axis
        return config


class GroupNormalization(Layer):
    """tf.keras's `GroupNormalization` (TF 2.11+): the channels of `axis`
    are split into `groups` groups (-1: one per channel), each normalised
    per sample over its channels and all other non-batch axes, then scaled
    by `gamma` and offset by `beta` (per channel). `epsilon` 1e-3. A mask
    given to the call weights the statistics; as in tf.keras it is
    broadcast to the input's shape by trailing axes."""

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True,
                 scale=True, beta_initializer='zeros',
                 gamma_initializer='ones', beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super(GroupNormalization, self).__init__(**kwargs)
        if not isinstance(axis, int):
            raise TypeError('GroupNormalization: `axis` must be an int (the '
                            'channel axis). Received: axis=%r' % (axis,))
        self.supports_masking = True
        self.groups = groups
        self.axis = axis
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def build(self, input_shape):
        ndim = len(input_shape)
        axis = _positive_axes(self.axis, ndim, 'GroupNormalization')[0]
        dim = input_shape[axis]
        if dim is None:
            raise ValueError('Axis %s of input tensor should have a defined '
                             'dimension but the layer received an input with '
                             'shape %s.' % (self.axis, tuple(input_shape)))
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError('Number of groups (%s) cannot be more than the '
                             'number of channels (%s).' % (self.groups, dim))
        if dim % self.groups != 0:
            raise ValueError('Number of groups (%s) must be a multiple of the '
                             'number of channels (%s).' % (self.groups, dim))
        self._axis = axis
        self.input_spec = InputSpec(ndim=ndim, axes={self.axis: dim})
        _add_scale_and_offset(self, (dim,))
        self.built = True

    def _grouped(self, x):
        """`x` with the channel axis split into (groups, channels per
        group)."""
        shape = tuple(x.shape)
        a = self._axis
        return x.reshape(shape[:a] + (self.groups, shape[a] // self.groups) +
                         shape[a + 1:])

    def _moments(self, x, mask):
        """Per sample and group mean and variance of the grouped `x`, as
        `tf.nn.weighted_moments` (weights: the mask, or ones)."""
        axes = [i for i in range(1, x.dim()) if i != self._axis]
        if mask is None:
            mean = x.mean(dim=axes, keepdim=True)
            return mean, ((x - mean) ** 2).mean(dim=axes, keepdim=True)
        weights = mask
        total = (weights + torch.zeros_like(x)).sum(dim=axes, keepdim=True)
        mean = _divide_no_nan((weights * x).sum(dim=axes, keepdim=True),
                              total)
        distance = (weights * (x - mean) ** 2).sum(dim=axes, keepdim=True)
        return mean, _divide_no_nan(distance, total)

    def call(self, inputs, mask=None):
        dtype = inputs.dtype
        compute = torch.float32 if dtype in (torch.float16,
                                             torch.bfloat16) else dtype
        x = self._grouped(inputs.to(compute))
        if mask is not None:
            mask = self._grouped(
                mask.to(compute).broadcast_to(inputs.shape))
        mean, variance = self._moments(x, mask)
        # tf.nn.batch_normalization's arithmetic.
        inv = torch.rsqrt(variance + self.epsilon)
        view = [1] * x.dim()
        view[self._axis] = self.groups
        view[self._axis + 1] = x.shape[self._axis + 1]
        if self.gamma is not None:
            inv = inv * self.gamma.to(compute).reshape(view)
        offset = -mean * inv
        if self.beta is not None:
            offset = self.beta.to(compute).reshape(view) + offset
        out = x * inv + offset
        return out.reshape(inputs.shape).to(dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = {
            'groups': self.groups, 'axis': self.axis,
            'epsilon': self.epsilon, 'center': self.center,
            'scale': self.scale,
            'beta_initializer': initializers.serialize(self.beta_initializer),
            'gamma_initializer': initializers.serialize(
                self.gamma_initializer),
            'beta_regularizer': regularizers.serialize(self.beta_regularizer),
            'gamma_regularizer': regularizers.serialize(
                self.gamma_regularizer),
            'beta_constraint': constraints.serialize(self.beta_constraint),
            'gamma_constraint': constraints.serialize(self.gamma_constraint),
        }
        base_config = super(GroupNormalization, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


def _divide_no_nan(x, y):
    """tf.math.divide_no_nan: 0 where `y` is 0."""
    safe = torch.where(y == 0, torch.ones_like(y), y)
    return torch.where(y == 0, torch.zeros_like(x), x / safe)


# -------------------------------------------------------------- convolution
def _refuse_groups(kwargs, layer_name):
    """tf.keras accepts `groups` in these layers' keyword arguments (and
    writes groups=1 in their configs) but ignores it; only 1 is
    accepted here."""
    groups = kwargs.pop('groups', 1)
    if groups not in (None, 1):
        raise NotImplementedError(
            '%s(groups=%r) is not supported: tf.keras ignores `groups` in '
            'this layer. Use groups=1 (or Conv1D(groups=...) for a grouped '
            'convolution).' % (layer_name, groups))


def _refuse_strided_dilation(layer):
    """tf.keras's convolutions refuse strides > 1 together with a
    dilation rate > 1 when constructed."""
    if max(layer.strides) > 1 and max(layer.dilation_rate) > 1:
        raise ValueError('`strides > 1` not supported in conjunction with '
                         '`dilation_rate > 1`. Received: strides=%s and '
                         'dilation_rate=%s' % (layer.strides,
                                               layer.dilation_rate))


class Conv1DTranspose(_ConvTranspose):
    """tf.keras's `Conv1DTranspose` (TF 2.3+): the transposed 1D
    convolution of `(batch, steps, channels)` inputs (channels first with
    `data_format='channels_first'`; `None` follows
    `image_data_format()`), with `output_padding`, `dilation_rate` and
    'valid' / 'same' padding cut as TensorFlow cuts it. Kernel `(kernel,
    filters, input_channels)`. Alias: Convolution1DTranspose."""

    def __init__(self, filters, kernel_size, strides=1, padding='valid',
                 output_padding=None, data_format=None, dilation_rate=1,
                 activation=None, use_bias=True,
                 kernel_initializer='glorot_uniform',
                 bias_initializer='zeros', kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        _refuse_groups(kwargs, 'Conv1DTranspose')
        if output_padding is not None:
            # tf.keras allows an output padding of 0.
            output_padding = _non_negative(output_padding, 'output_padding')
        super(Conv1DTranspose, self).__init__(
            1, filters, kernel_size, strides, padding, output_padding,
            data_format, dilation_rate, activation=activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs)
        _refuse_strided_dilation(self)

    def get_config(self):
        config = super(Conv1DTranspose, self).get_config()
        config['groups'] = 1
        return config


def _non_negative(value, name):
    """An int or a one-int sequence as a 1-tuple of an int >= 0."""
    values = (value,) if isinstance(value, int) else tuple(value)
    if len(values) != 1 or any(int(v) < 0 for v in values):
        raise ValueError('The `%s` argument must be a non-negative int or a '
                         'tuple of 1 such int. Received: %r' % (name, value))
    return (int(values[0]),)


Convolution1DTranspose = Conv1DTranspose


class DepthwiseConv1D(_DepthwiseMixin, _Conv):
    """tf.keras's `DepthwiseConv1D` (TF 2.13+): each input channel of
    `(batch, steps, channels)` convolved with its own `depth_multiplier`
    filters (output channel `c * depth_multiplier + m`); 'valid' or 'same'
    padding. Kernel `(kernel, channels, depth_multiplier)`, named
    'depthwise_kernel'. `data_format=None` follows `image_data_format()`,
    as in tf.keras."""

    def __init__(self, kernel_size, strides=1, padding='valid',
                 depth_multiplier=1, data_format=None, dilation_rate=1,
                 activation=None, use_bias=True,
                 depthwise_initializer='glorot_uniform',
                 bias_initializer='zeros', depthwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        _refuse_groups(kwargs, 'DepthwiseConv1D')
        super(DepthwiseConv1D, self).__init__(
            rank=1, filters=None, kernel_size=kernel_size, strides=strides,
            padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation,
            use_bias=use_bias, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            bias_constraint=bias_constraint, **kwargs)
        if self.padding == 'causal':
            raise ValueError('DepthwiseConv1D does not support "causal" '
                             'padding (tf.keras fails on it); use '
                             'ZeroPadding1D((left, 0)) and "valid".')
        _refuse_strided_dilation(self)
        self.depth_multiplier = argument_validation.integer_at_least(
            depth_multiplier, 'depth_multiplier', 1)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.bias_initializer = initializers.get(bias_initializer)

    def build(self, input_shape):
        self._build_depthwise(input_shape)

    def _conv(self, x, padding):
        stride, dilation = self._torch_strides()
        return nn.conv(x, self.weight, self.bias, stride, padding, dilation,
                       x.shape[1])

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        channel_axis = self._channel_axis()
        channels = input_shape[channel_axis]
        filters = None if channels is None else \
            channels * self.depth_multiplier
        first = self.data_format == 'channels_first'
        steps = self._spatial_output(input_shape[2:] if first
                                     else input_shape[1:2])[0]
        if first:
            return (input_shape[0], filters, steps)
        return (input_shape[0], steps, filters)

    def get_config(self):
        config = super(DepthwiseConv1D, self).get_config()
        for key in ('filters', 'kernel_initializer', 'kernel_regularizer',
                    'kernel_constraint'):
            config.pop(key, None)
        config['groups'] = 1
        config['depth_multiplier'] = self.depth_multiplier
        config['depthwise_initializer'] = initializers.serialize(
            self.depthwise_initializer)
        config['depthwise_regularizer'] = regularizers.serialize(
            self.depthwise_regularizer)
        config['depthwise_constraint'] = constraints.serialize(
            self.depthwise_constraint)
        return config


# ------------------------------------------------------------------ wrapper
class SpectralNormalization(Wrapper):
    """tf.keras's `SpectralNormalization` wrapper (TF 2.13+): in training
    calls (`training=True`, as `fit` makes them), before running the
    wrapped layer, its kernel (or an Embedding's embeddings) is divided
    in place by its largest singular value, estimated with
    `power_iterations` steps of the power method from the non-trainable
    `vector_u` (updated too); an all-zero kernel is left alone. Gradients
    are the wrapped layer's own, at the normalised kernel. Inference calls
    run the layer as it is. Weights: the layer's (named under the
    wrapper's scope), then vector_u."""

    def __init__(self, layer, power_iterations=1, **kwargs):
        super(SpectralNormalization, self).__init__(layer, **kwargs)
        if power_iterations <= 0:
            raise ValueError('`power_iterations` should be greater than '
                             'zero. Received: `power_iterations=%s`'
                             % (power_iterations,))
        self.power_iterations = power_iterations
        self.supports_masking = True
        layer.__dict__['_scope_replace'] = self

    def build(self, input_shape):
        if not self.layer.built:
            self.layer._maybe_build(input_shape)
        self.input_spec = InputSpec(shape=(None,) + tuple(input_shape[1:]))
        _, record = self._kernel_pair()
        self.kernel_shape = list(record.keras_shape)
        self._add_torch_weight(
            'vector_u', (1, record.keras_shape[-1]),
            initializers.TruncatedNormal(stddev=0.02), trainable=False,
            attr='vector_u', buffer=True)
        self.built = True

    def _all_records(self):
        # tf.keras's get_weights/set_weights order, that of `weights`: the
        # wrapped layer's weights, then vector_u.
        return self._weight_pairs('all')

    def get_weights(self):
        return [_copy_to_numpy(record.keras_tensor(owner))
                for owner, record in self._all_records()]

    def _kernel_pair(self):
        """(layer, weight record) of the wrapped layer's 'kernel', else its
        'embeddings'; ValueError where it has neither, as in tf.keras."""
        pairs = self.layer._weight_pairs('all')
        for name in ('kernel', 'embeddings'):
            for owner, record in pairs:
                if record.name == name:
                    return owner, record
        raise ValueError("%s object has no attribute 'kernel' nor "
                         "'embeddings'" % type(self.layer).__name__)

    @property
    def kernel(self):
        """The wrapped layer's kernel (Keras layout)."""
        owner, record = self._kernel_pair()
        return record.attribute_tensor(owner)

    def call(self, inputs, training=None):
        if training is None:
            training = self.training
        if training:
            self._update_weights()
        return self.layer(inputs)

    def _update_weights(self):
        owner, record = self._kernel_pair()
        with torch.no_grad():
            kernel = record.keras_tensor(owner)
            # (Chosen on the device: no synchronisation per step.)
            nonzero = (kernel != 0).any()
            sigma, vector_u = self._sigma(kernel)
            sigma = torch.where(nonzero, sigma, torch.ones_like(sigma))
            getattr(owner, record.attr).div_(sigma.to(kernel.dtype))
            self.vector_u.copy_(torch.where(nonzero, vector_u.to(
                self.vector_u.dtype), self.vector_u))

    def _sigma(self, kernel):
        """The power method's estimate of the largest singular value of the
        kernel as a (-1, last axis) matrix, and the new `vector_u`."""
        weights = kernel.reshape(-1, kernel.shape[-1])
        vector_u = self.vector_u.to(weights.dtype)
        vector_v = vector_u
        for _ in range(self.power_iterations):
            vector_v = _l2_normalize(vector_u @ weights.t())
            vector_u = _l2_normalize(vector_v @ weights)
        sigma = (vector_v @ weights) @ vector_u.t()
        return sigma.reshape(()), vector_u

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def compute_mask(self, inputs, mask=None):
        """The wrapped layer's output mask (none from a layer that neither
        supports masking nor makes a mask), as tf.keras passes it on."""
        layer = self.layer
        if layer.supports_masking or \
                type(layer).compute_mask is not Layer.compute_mask:
            return layer.compute_mask(inputs, mask)
        return None

    def get_config(self):
        config = super(SpectralNormalization, self).get_config()
        config['power_iterations'] = self.power_iterations
        return config


# --------------------------------------------------------------- RNN cells
class _AbstractAttribute(NotImplementedError, AttributeError):
    """An abstract cell property not overridden: NotImplementedError as in
    tf.keras, and an AttributeError, so that `getattr(cell, name, None)`
    (how the RNN layer asks for an optional `output_size`) gives None."""


class AbstractRNNCell(Layer):
    """tf.keras's `AbstractRNNCell`, the base class of user RNN cells:
    subclasses define the `state_size` property (an int, a shape or a
    list of them), optionally `output_size` (else the RNN layer takes the
    first state size), `build`, and `call(inputs, states)` returning
    `(output, new_states)`. `states` is the list of the previous states;
    `new_states` a tensor or a list. `get_initial_state(inputs=None,
    batch_size=None, dtype=None)` gives zero states shaped `(batch,) +
    size`, in the structure of `state_size`. Run it with `RNN(cell)`."""

    def call(self, inputs, states):
        raise NotImplementedError('%s must implement call(inputs, states).'
                                  % type(self).__name__)

    @property
    def state_size(self):
        """Size(s) of the cell's state(s): an int, a shape, or a list or
        tuple of them."""
        raise _AbstractAttribute('%s must define the `state_size` '
                                 'property.' % type(self).__name__)

    @property
    def output_size(self):
        """Size of the cell's output (an int or a shape)."""
        raise _AbstractAttribute('%s does not define `output_size`.'
                                 % type(self).__name__)

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        """Zero states for a batch: of the size and dtype of `inputs` where
        given, else of `batch_size` and `dtype`."""
        device = K.get_device()
        if inputs is not None:
            batch_size, dtype, device = inputs.shape[0], inputs.dtype, \
                inputs.device
        if batch_size is None or dtype is None:
            raise ValueError('batch_size and dtype cannot be None while '
                             'constructing initial state. Received: '
                             'batch_size=%s, dtype=%s' % (batch_size, dtype))
        return _zero_states(self.state_size, int(batch_size),
                            K.torch_dtype(dtype), device)


def _zero_states(size, batch_size, dtype, device):
    """Zeros `(batch_size,) + size` in the structure of `size`: an int or a
    shape gives one tensor, a list or tuple one per entry."""
    if hasattr(size, 'as_list'):
        dims = [int(d) for d in size.as_list()]
        return torch.zeros([batch_size] + dims, dtype=dtype, device=device)
    if isinstance(size, (list, tuple)):
        return type(size)(_zero_states(s, batch_size, dtype, device)
                          for s in size)
    return torch.zeros((batch_size, int(size)), dtype=dtype, device=device)
