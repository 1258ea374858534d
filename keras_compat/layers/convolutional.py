"""Convolution layers (Conv1D/2D/3D, separable, depthwise, transposed) and
the spatial helpers UpSampling, ZeroPadding and Cropping.

Channels-last inputs `(N, H, W, C)` are handed to torch as the permuted
view `(N, C, H, W)`, which is a channels_last-strided tensor: torch's
kernels take it as is and return channels_last output, whose permutation
back to `(N, H, W, C)` is contiguous. No activation is copied to change
layout. Conv1D runs as a height-1 Conv2D for the same reason. Kernels are
stored in torch layout and exposed in Keras layout `(kh, kw, in, out)`."""
import torch
import torch.nn.functional as F

from .. import backend as K
from ..backend import gradient_overrides, nn
from .. import activations, initializers, regularizers, constraints
from ..engine.base_layer import Layer, InputSpec
from .core import kernel_bias_config, set_kernel_bias_options
from ..legacy import interfaces
from ..utils import argument_validation, conv_utils

def _assigned_weight(layer, name):
    """The weight a subclass's own `build()` assigned to the attribute
    `name` a built-in layer shows by a property (`self.kernel =
    self.add_weight(...)`), or None."""
    shown = layer.__dict__.get('_keras_shown_weights')
    return shown.get(name) if shown else None


class _Conv(Layer):
    """Shared machinery of Conv1D/2D/3D (`rank` spatial axes)."""

    def __init__(self, rank, filters, kernel_size, strides=1,
                 padding='valid', data_format=None, dilation_rate=1,
                 activation=None, use_bias=True,
                 kernel_initializer='glorot_uniform',
                 bias_initializer='zeros', kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, groups=1,
                 **kwargs):
        super(_Conv, self).__init__(**kwargs)
        self.groups = int(groups or 1)
        self.rank = rank
        self.filters = argument_validation.filters(filters)
        self.kernel_size = conv_utils.normalize_tuple(kernel_size, rank,
                                                      'kernel_size')
        self.strides = conv_utils.normalize_tuple(strides, rank, 'strides')
        self.padding = conv_utils.normalize_padding(padding)
        if self.padding == 'causal' and rank != 1:
            if K.common.is_tf_keras():
                raise ValueError('Causal padding is only supported for '
                                 '`Conv1D`and `SeparableConv1D`.')
            raise ValueError('Invalid padding: causal')
        self.data_format = K.normalize_data_format(data_format)
        self.dilation_rate = conv_utils.normalize_tuple(dilation_rate, rank,
                                                        'dilation_rate')
        if K.common.is_tf_keras() and max(self.strides) > 1 and \
                max(self.dilation_rate) > 1:
            raise ValueError('`strides > 1` not supported in conjunction '
                             'with `dilation_rate > 1`. Received: strides=%s '
                             'and dilation_rate=%s'
                             % (self.strides, self.dilation_rate))
        set_kernel_bias_options(
            self, activation, use_bias, kernel_initializer, bias_initializer,
            kernel_regularizer, bias_regularizer, activity_regularizer,
            kernel_constraint, bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self._pad_cache = {}

    # Conv1D runs as a 2D convolution over a height-1 image.
    @property
    def _torch_rank(self):
        return 2 if self.rank == 1 else self.rank

    def _channel_axis(self):
        return 1 if self.data_format == 'channels_first' else -1

    def _kernel_to_torch(self, kernel):
        """Keras (*k, in, out) -> torch (out, in, *k) [Conv1D: (out, in, 1,
        k)], in channels_last memory for 2D/3D."""
        weight = nn.kernel_to_torch(kernel, self.rank)
        if self.rank == 1:
            weight = weight.unsqueeze(2)
        return nn.channels_last_memory(weight)

    def _kernel_to_keras(self, weight):
        if self.rank == 1:
            weight = weight[:, :, 0, :]
        return nn.kernel_to_keras(weight, self.rank)

    def build(self, input_shape):
        channel_axis = self._channel_axis()
        if input_shape[channel_axis] is None:
            raise ValueError('The channel dimension of the inputs should be '
                             'defined. Found `None`.')
        input_dim = input_shape[channel_axis]
        if input_dim % self.groups or self.filters % self.groups:
            raise ValueError(
                'Layer %s: the number of input channels (%d) and filters '
                '(%d) must both be divisible by groups=%d.'
                % (self.name, input_dim, self.filters, self.groups))
        kernel_shape = self.kernel_size + (input_dim // self.groups,
                                           self.filters)
        self._add_torch_weight(
            'kernel', kernel_shape, self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint, attr='weight',
            to_torch=self._kernel_to_torch, to_keras=self._kernel_to_keras)
        if self.use_bias:
            self._add_torch_weight('bias', (self.filters,),
                                   self.bias_initializer,
                                   regularizer=self.bias_regularizer,
                                   constraint=self.bias_constraint,
                                   attr='bias')
        else:
            self.bias = None
        self.input_spec = InputSpec(ndim=self.rank + 2,
                                    axes={channel_axis: input_dim})
        self.built = True

    @property
    def kernel(self):
        """The kernel in Keras layout (a view of the torch weight)."""
        assigned = _assigned_weight(self, 'kernel')
        if assigned is not None:
            return assigned
        # (Called from here: attribute_tensor looks at its caller's caller.)
        return self._keras_weights[0].attribute_tensor(self)

    def _padding_for(self, spatial):
        """(symmetric padding for torch, explicit (before, after) pads or
        None) for the given spatial input size."""
        key = tuple(spatial)
        cached = self._pad_cache.get(key)
        if cached is None:
            cached = self._pad_cache[key] = nn.padding_plan(nn.padding_pairs(
                self.padding, spatial, self.kernel_size, self.strides,
                self.dilation_rate))
        return cached

    def _torch_inputs(self, inputs):
        """Inputs as the channels-first view torch convolves, padded where
        'same'/'causal' padding is asymmetric."""
        channels_last = self.data_format == 'channels_last'
        spatial = inputs.shape[1:-1] if channels_last else inputs.shape[2:]
        padding, pads = self._padding_for(spatial)
        x = inputs
        if pads is not None:
            x = nn.pad(x, pads, channels_last)
        if self.rank == 1:
            x = x.unsqueeze(1 if channels_last else 2)
            padding = (0,) + tuple(padding)
        return nn.channels_first(x, self._torch_rank, self.data_format), \
            padding

    def _from_torch(self, y):
        if self.data_format == 'channels_last':
            y = nn.channels_last(y, self._torch_rank)
            return y.squeeze(1) if self.rank == 1 else y
        return y.squeeze(2) if self.rank == 1 else y

    def _torch_strides(self):
        """Strides and dilation of the torch call (Conv1D: height 1)."""
        if self.rank != 1:
            return self.strides, self.dilation_rate
        return (1,) + self.strides, (1,) + self.dilation_rate

    def _conv(self, x, padding):
        stride, dilation = self._torch_strides()
        return nn.conv(x, self.weight, self.bias, stride, padding, dilation,
                       self.groups)

    def call(self, inputs):
        x, padding = self._torch_inputs(inputs)
        if self._fuses_relu(x):
            stride, dilation = self._torch_strides()
            return self._from_torch(nn.conv_relu(
                x, self.weight, self.bias, stride, padding, dilation,
                self.groups))
        return self._activated(self._conv(x, padding), self._from_torch)

    def _fuses_relu(self, x):
        """A plain convolution with the ReLU activation, run for inference:
        one oneDNN kernel applies bias and ReLU (`nn.conv_relu`)."""
        return self.activation is activations.relu and \
            type(self)._conv is _Conv._conv and nn.fuses_relu(x, self.weight)

    def _activated(self, y, to_keras_layout):
        """The activation of the torch-layout result `y`, in Keras layout.
        The plain ReLU, elementwise, runs in place on `y` itself before the
        layout change (in place on a view of it would cost a copy in the
        backward pass)."""
        if self.activation is activations.relu and \
                not gradient_overrides.active('Relu'):
            return to_keras_layout(torch.relu_(y))
        outputs = to_keras_layout(y)
        if self.activation is not activations.linear:
            outputs = self.activation(outputs)
        return outputs

    def _spatial_output(self, spatial):
        out = []
        for i, size in enumerate(spatial):
            length = conv_utils.conv_output_length(
                size, self.kernel_size[i], self.padding, self.strides[i],
                dilation=self.dilation_rate[i])
            out.append(length)
        return out

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.data_format == 'channels_last':
            spatial = input_shape[1:-1]
        else:
            spatial = input_shape[2:]
        new_space = self._spatial_output(spatial)
        if any(s is not None and s <= 0 for s in new_space):
            raise ValueError(
                'Layer %s (%s): the kernel %s (dilation %s) does not fit the '
                'input of shape %s with padding "%s": the output shape would '
                'be %s. Use a smaller kernel, a larger input or '
                'padding="same".'
                % (self.name, type(self).__name__, self.kernel_size,
                   self.dilation_rate, input_shape, self.padding,
                   tuple(new_space)))
        if self.data_format == 'channels_last':
            return (input_shape[0],) + tuple(new_space) + (self.filters,)
        return (input_shape[0], self.filters) + tuple(new_space)

    def _explain_failure(self, inputs, error):
        super(_Conv, self)._explain_failure(inputs, error)
        if isinstance(inputs, torch.Tensor):
            self.compute_output_shape((None,) + tuple(inputs.shape[1:]))

    def get_config(self):
        config = {
            'filters': self.filters,
            'kernel_size': self.kernel_size,
            'strides': self.strides,
            'padding': self.padding,
            'data_format': self.data_format,
            'dilation_rate': self.dilation_rate,
            'activation': activations.serialize(self.activation),
            'use_bias': self.use_bias,
        }
        config.update(kernel_bias_config(self))
        if self.groups != 1:
            config['groups'] = self.groups
        base_config = super(_Conv, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))

    def extra_repr(self):
        return 'name=%r, filters=%s, kernel_size=%s, strides=%s, ' \
               'padding=%r' % (self.name, self.filters, self.kernel_size,
                               self.strides, self.padding)


class Conv1D(_Conv):
    """1D convolution over (batch, steps, channels); `padding` may be
    'valid', 'same' or 'causal'. Alias: Convolution1D."""

    @interfaces.conv_legacy_support(1)
    def __init__(self, filters, kernel_size, strides=1, padding='valid',
                 data_format='channels_last', dilation_rate=1,
                 activation=None, use_bias=True,
                 kernel_initializer='glorot_uniform',
                 bias_initializer='zeros', kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super(Conv1D, self).__init__(
            rank=1, filters=filters, kernel_size=kernel_size,
            strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs)


class Conv2D(_Conv):
    """2D convolution over images, channels_last `(N, H, W, C)` by default
    (or `K.image_data_format()`). Alias: Convolution2D."""

    @interfaces.conv_legacy_support(2)
    def __init__(self, filters, kernel_size, strides=(1, 1), padding='valid',
                 data_format=None, dilation_rate=(1, 1), activation=None,
                 use_bias=True, kernel_initializer='glorot_uniform',
                 bias_initializer='zeros', kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super(Conv2D, self).__init__(
            rank=2, filters=filters, kernel_size=kernel_size,
            strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs)


class Conv3D(_Conv):
    """3D convolution over volumes `(N, D, H, W, C)`. Alias:
    Convolution3D."""

    @interfaces.conv_legacy_support(3)
    def __init__(self, filters, kernel_size, strides=(1, 1, 1),
                 padding='valid', data_format=None, dilation_rate=(1, 1, 1),
                 activation=None, use_bias=True,
                 kernel_initializer='glorot_uniform',
                 bias_initializer='zeros', kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super(Conv3D, self).__init__(
            rank=3, filters=filters, kernel_size=kernel_size,
            strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs)


class _ConvTranspose(_Conv):
    """Transposed convolution (Conv2DTranspose / Conv3DTranspose). Keras
    kernel layout: (*kernel_size, filters, input_channels)."""

    def __init__(self, rank, filters, kernel_size, strides, padding,
                 output_padding, data_format, dilation_rate, **kwargs):
        super(_ConvTranspose, self).__init__(
            rank, filters, kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, **kwargs)
        if self.padding not in ('valid', 'same'):
            raise ValueError('Transposed convolutions only support "valid" '
                             'and "same" padding; got %r.' % padding)
        self.output_padding = output_padding
        if output_padding is not None:
            self.output_padding = conv_utils.normalize_tuple(
                output_padding, rank, 'output_padding')
            for stride, out_pad in zip(self.strides, self.output_padding):
                if out_pad >= stride:
                    raise ValueError('Stride ' + str(self.strides) + ' must '
                                     'be greater than output padding ' +
                                     str(self.output_padding))

    def _kernel_to_torch(self, kernel):
        # Keras (*k, out, in) -> torch (in, out, *k)
        return nn.channels_last_memory(nn.kernel_to_torch(kernel, self.rank))

    def _kernel_to_keras(self, weight):
        return nn.kernel_to_keras(weight, self.rank)

    def build(self, input_shape):
        channel_axis = self._channel_axis()
        if input_shape[channel_axis] is None:
            raise ValueError('The channel dimension of the inputs should be '
                             'defined. Found `None`.')
        input_dim = input_shape[channel_axis]
        kernel_shape = self.kernel_size + (self.filters, input_dim)
        self._add_torch_weight(
            'kernel', kernel_shape, self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint, attr='weight',
            to_torch=self._kernel_to_torch, to_keras=self._kernel_to_keras)
        if self.use_bias:
            self._add_torch_weight('bias', (self.filters,),
                                   self.bias_initializer,
                                   regularizer=self.bias_regularizer,
                                   constraint=self.bias_constraint,
                                   attr='bias')
        else:
            self.bias = None
        self.input_spec = InputSpec(ndim=self.rank + 2,
                                    axes={channel_axis: input_dim})
        self.built = True

    def _spatial_output(self, spatial):
        out_pad = self.output_padding or (None,) * self.rank
        return [conv_utils.deconv_length(size, self.strides[i],
                                         self.kernel_size[i], self.padding,
                                         out_pad[i], self.dilation_rate[i])
                for i, size in enumerate(spatial)]

    def call(self, inputs):
        channels_last = self.data_format == 'channels_last'
        spatial = inputs.shape[1:-1] if channels_last else inputs.shape[2:]
        targets = self._spatial_output(spatial)
        x = nn.channels_first(inputs, self.rank, self.data_format)
        # torch cuts `before` off both ends; the rest of the cut after comes
        # off the end. Rows beyond the full output are zeros + bias.
        crop = nn.transpose_crop(spatial, targets, self.kernel_size,
                                 self.strides, self.dilation_rate,
                                 self.padding)
        pads = tuple(before for before, _, _ in crop)
        extra = [after - before for before, after, _ in crop]
        output_padding = tuple(added for _, _, added in crop)
        y = nn.conv_transpose(x, self.weight, self.bias, self.strides, pads,
                              output_padding, self.dilation_rate)
        index = [slice(None), slice(None)] + [
            slice(0, y.shape[2 + i] - e) if e > 0 else slice(None)
            for i, e in enumerate(extra)]

        def to_keras_layout(y):
            if any(e > 0 for e in extra):
                y = y[tuple(index)]
            return nn.channels_last(y, self.rank, self.data_format)
        return self._activated(y, to_keras_layout)

    def get_config(self):
        config = super(_ConvTranspose, self).get_config()
        config['output_padding'] = self.output_padding
        return config


class Conv2DTranspose(_ConvTranspose):
    """Transposed 2D convolution ("deconvolution"). Aliases:
    Deconvolution2D, Deconv2D."""

    @interfaces.conv_legacy_support(2, transposed=True)
    def __init__(self, filters, kernel_size, strides=(1, 1), padding='valid',
                 output_padding=None, data_format=None,
                 dilation_rate=(1, 1), activation=None, use_bias=True,
                 kernel_initializer='glorot_uniform',
                 bias_initializer='zeros', kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super(Conv2DTranspose, self).__init__(
            2, filters, kernel_size, strides, padding, output_padding,
            data_format, dilation_rate, activation=activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs)


# Standalone Keras 2's Conv3DTranspose has no `dilation_rate`: its seventh
# positional argument on is `activation`, `use_bias`, ... in this order.
_KERAS2_CONV3D_TRANSPOSE_TAIL = (
    'activation', 'use_bias', 'kernel_initializer', 'bias_initializer',
    'kernel_regularizer', 'bias_regularizer', 'activity_regularizer',
    'kernel_constraint', 'bias_constraint')


def _keras2_conv3d_transpose_args(init):
    """Reads a Keras 2 positional call (an activation, not a dilation
    rate, seventh) in Keras 2's order."""
    import functools

    @functools.wraps(init)
    def wrapper(self, *args, **kwargs):
        if len(args) > 6 and not isinstance(args[6], (int, tuple, list)):
            tail = _KERAS2_CONV3D_TRANSPOSE_TAIL
            if len(args) - 6 > len(tail):
                raise TypeError('Conv3DTranspose takes at most %d positional '
                                'arguments' % (6 + len(tail)))
            for key, value in zip(tail, args[6:]):
                if key in kwargs:
                    raise TypeError("Conv3DTranspose got multiple values for "
                                    "argument '%s'" % key)
                kwargs[key] = value
            args = args[:6]
        return init(self, *args, **kwargs)
    return wrapper


class Conv3DTranspose(_ConvTranspose):
    """Transposed 3D convolution. Alias: Deconvolution3D."""

    @_keras2_conv3d_transpose_args
    def __init__(self, filters, kernel_size, strides=(1, 1, 1),
                 padding='valid', output_padding=None, data_format=None,
                 dilation_rate=(1, 1, 1), activation=None, use_bias=True,
                 kernel_initializer='glorot_uniform',
                 bias_initializer='zeros', kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super(Conv3DTranspose, self).__init__(
            3, filters, kernel_size, strides, padding, output_padding,
            data_format, dilation_rate, activation=activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs)


class _DepthwiseMixin(object):
    """Depthwise kernels: Keras (*k, in, depth_multiplier) <-> torch
    (in * depth_multiplier, 1, *k)."""

    def _depthwise_to_torch(self, kernel):
        weight = nn.depthwise_kernel_to_torch(kernel, self.rank)
        if self.rank == 1:
            weight = weight.unsqueeze(2)
        return nn.channels_last_memory(weight)

    def _depthwise_to_keras_fn(self, in_ch, mult):
        rank = self.rank

        def to_keras(weight):
            w = weight[:, 0]
            if rank == 1:
                w = w[:, 0]
            w = w.permute(*range(1, rank + 1), 0)
            return w.reshape(w.shape[:rank] + (in_ch, mult))
        return to_keras

    def _depthwise_from_keras(self, value):
        return self._depthwise_to_torch(value)

    def _build_depthwise(self, input_shape):
        """The depthwise kernel (`depth_multiplier` filters per input
        channel), the bias and the input spec of a depthwise layer."""
        channel_axis = self._channel_axis()
        if input_shape[channel_axis] is None:
            raise ValueError('The channel dimension of the inputs to `%s` '
                             'should be defined. Found `None`.'
                             % type(self).__name__)
        input_dim = int(input_shape[channel_axis])
        self.filters = input_dim * self.depth_multiplier
        self._add_torch_weight(
            'depthwise_kernel',
            self.kernel_size + (input_dim, self.depth_multiplier),
            self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint, attr='weight',
            to_torch=self._depthwise_to_torch,
            to_keras=self._depthwise_to_keras_fn(input_dim,
                                                 self.depth_multiplier),
            from_keras=self._depthwise_from_keras)
        if self.use_bias:
            self._add_torch_weight('bias', (self.filters,),
                                   self.bias_initializer,
                                   regularizer=self.bias_regularizer,
                                   constraint=self.bias_constraint,
                                   attr='bias')
        else:
            self.bias = None
        self.input_spec = InputSpec(ndim=self.rank + 2,
                                    axes={channel_axis: input_dim})
        self.built = True

    @property
    def depthwise_kernel(self):
        assigned = _assigned_weight(self, 'depthwise_kernel')
        if assigned is not None:
            return assigned
        return self._keras_weights[0].attribute_tensor(self)


class DepthwiseConv2D(_DepthwiseMixin, Conv2D):
    """Depthwise 2D convolution: each input channel convolved with its own
    `depth_multiplier` filters."""

    def __init__(self, kernel_size, strides=(1, 1), padding='valid',
                 depth_multiplier=1, data_format=None, dilation_rate=(1, 1),
                 activation=None, use_bias=True,
                 depthwise_initializer='glorot_uniform',
                 bias_initializer='zeros', depthwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super(DepthwiseConv2D, self).__init__(
            filters=None, kernel_size=kernel_size, strides=strides,
            padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation,
            use_bias=use_bias, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = argument_validation.integer_at_least(
            depth_multiplier, 'depth_multiplier', 1)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.bias_initializer = initializers.get(bias_initializer)

    def build(self, input_shape):
        if len(input_shape) < 4:
            raise ValueError('Inputs to `DepthwiseConv2D` should have rank '
                             '4. Received input shape:', str(input_shape))
        self._build_depthwise(input_shape)

    def _conv(self, x, padding):
        return nn.conv(x, self.weight, self.bias, self.strides, padding,
                       self.dilation_rate, x.shape[1])

    def compute_output_shape(self, input_shape):
        channel_axis = self._channel_axis()
        self.filters = input_shape[channel_axis] * self.depth_multiplier \
            if input_shape[channel_axis] is not None else None
        return super(DepthwiseConv2D, self).compute_output_shape(input_shape)

    def get_config(self):
        config = super(DepthwiseConv2D, self).get_config()
        for key in ('filters', 'kernel_initializer', 'kernel_regularizer',
                    'kernel_constraint'):
            config.pop(key, None)
        config['depth_multiplier'] = self.depth_multiplier
        config['depthwise_initializer'] = initializers.serialize(
            self.depthwise_initializer)
        config['depthwise_regularizer'] = regularizers.serialize(
            self.depthwise_regularizer)
        config['depthwise_constraint'] = constraints.serialize(
            self.depthwise_constraint)
        return config


class _SeparableConv(_DepthwiseMixin, _Conv):
    """Depthwise convolution followed by a pointwise (1x1) convolution."""

    def __init__(self, rank, filters, kernel_size, strides=1,
                 padding='valid', data_format=None, dilation_rate=1,
                 depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer='glorot_uniform',
                 pointwise_initializer='glorot_uniform',
                 bias_initializer='zeros', depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super(_SeparableConv, self).__init__(
            rank=rank, filters=filters, kernel_size=kernel_size,
            strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation,
            use_bias=use_bias, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            bias_constraint=bias_constraint, **kwargs)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depth_multiplier = argument_validation.integer_at_least(
            depth_multiplier, 'depth_multiplier', 1)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def _pointwise_to_torch(self, kernel):
        weight = kernel.reshape(kernel.shape[-2], kernel.shape[-1]).t()
        weight = weight.reshape(weight.shape + (1,) * self._torch_rank)
        return nn.channels_last_memory(weight)

    def _pointwise_to_keras(self, weight):
        w = weight.reshape(weight.shape[0], weight.shape[1]).t()
        return w.reshape((1,) * self.rank + tuple(w.shape))

    def build(self, input_shape):
        channel_axis = self._channel_axis()
        if input_shape[channel_axis] is None:
            raise ValueError('The channel dimension of the inputs should be '
                             'defined. Found `None`.')
        input_dim = int(input_shape[channel_axis])
        depthwise_shape = self.kernel_size + (input_dim,
                                              self.depth_multiplier)
        pointwise_shape = (1,) * self.rank + (
            self.depth_multiplier * input_dim, self.filters)
        self._add_torch_weight(
            'depthwise_kernel', depthwise_shape, self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint, attr='depthwise_weight',
            to_torch=self._depthwise_to_torch,
            to_keras=self._depthwise_to_keras_fn(input_dim,
                                                 self.depth_multiplier),
            from_keras=self._depthwise_from_keras)
        self._add_torch_weight(
            'pointwise_kernel', pointwise_shape, self.pointwise_initializer,
            regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint, attr='pointwise_weight',
            to_torch=self._pointwise_to_torch,
            to_keras=self._pointwise_to_keras,
            from_keras=self._pointwise_to_torch)
        if self.use_bias:
            self._add_torch_weight('bias', (self.filters,),
                                   self.bias_initializer,
                                   regularizer=self.bias_regularizer,
                                   constraint=self.bias_constraint,
                                   attr='bias')
        else:
            self.bias = None
        self.input_spec = InputSpec(ndim=self.rank + 2,
                                    axes={channel_axis: input_dim})
        self.built = True

    def _conv(self, x, padding):
        stride, dilation = self._torch_strides()
        y = nn.conv(x, self.depthwise_weight, None, stride, padding,
                    dilation, x.shape[1])
        return nn.conv(y, self.pointwise_weight, self.bias)

    def get_config(self):
        config = super(_SeparableConv, self).get_config()
        for key in ('kernel_initializer', 'kernel_regularizer',
                    'kernel_constraint'):
            config.pop(key)
        config['depth_multiplier'] = self.depth_multiplier
        for kind in ('depthwise', 'pointwise'):
            config[kind + '_initializer'] = initializers.serialize(
                getattr(self, kind + '_initializer'))
            config[kind + '_regularizer'] = regularizers.serialize(
                getattr(self, kind + '_regularizer'))
            config[kind + '_constraint'] = constraints.serialize(
                getattr(self, kind + '_constraint'))
        return config


class SeparableConv1D(_SeparableConv):
    """Depthwise-separable 1D convolution."""

    def __init__(self, filters, kernel_size, strides=1, padding='valid',
                 data_format='channels_last', dilation_rate=1,
                 depth_multiplier=1, *args, **kwargs):
        # `args`: activation, use_bias, the initializers, regularizers and
        # constraints, positionally in Keras 2's order (`_SeparableConv`'s).
        super(SeparableConv1D, self).__init__(
            1, filters, kernel_size, strides, padding, data_format,
            dilation_rate, depth_multiplier, *args, **kwargs)


class SeparableConv2D(_SeparableConv):
    """Depthwise-separable 2D convolution. Alias: SeparableConvolution2D."""

    @interfaces.conv_legacy_support(2, separable=True)
    def __init__(self, filters, kernel_size, strides=(1, 1), padding='valid',
                 data_format=None, dilation_rate=(1, 1), depth_multiplier=1,
                 *args, **kwargs):
        # `args`: as for SeparableConv1D.
        super(SeparableConv2D, self).__init__(
            2, filters, kernel_size, strides, padding, data_format,
            dilation_rate, depth_multiplier, *args, **kwargs)


# ------------------------------------------------------- spatial helpers
class UpSampling1D(Layer):
    """Repeats each timestep `size` times."""

    def __init__(self, size=2, **kwargs):
        size = interfaces.legacy_args('UpSampling1D', kwargs,
                                      interfaces.UPSAMPLING_1D,
                                      {'size': size})['size']
        super(UpSampling1D, self).__init__(**kwargs)
        self.size = int(size)
        self.input_spec = InputSpec(ndim=3)

    def compute_output_shape(self, input_shape):
        size = self.size * input_shape[1] if input_shape[1] is not None \
            else None
        return (input_shape[0], size, input_shape[2])

    def call(self, inputs):
        return torch.repeat_interleave(inputs, self.size, dim=1)

    def get_config(self):
        config = {'size': self.size}
        base_config = super(UpSampling1D, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


# tf.keras's UpSampling2D methods beyond Keras 2's 'nearest' and
# 'bilinear' (those keras_compat has no kernel for are refused by name).
_TF_RESIZE_METHODS = ('bicubic', 'area', 'gaussian', 'lanczos3',
                      'lanczos5', 'mitchellcubic')


class _UpSampling(Layer):
    _rank = 2

    def __init__(self, size=2, data_format=None, interpolation='nearest',
                 **kwargs):
        args = interfaces.legacy_args(type(self).__name__, kwargs,
                                      interfaces.DATA_FORMAT,
                                      {'data_format': data_format})
        super(_UpSampling, self).__init__(**kwargs)
        self.data_format = K.normalize_data_format(args['data_format'])
        self.size = conv_utils.normalize_tuple(size, self._rank, 'size')
        if self._rank == 2 and interpolation in _TF_RESIZE_METHODS:
            # tf.keras's UpSampling2D resizes with any tf.image method.
            from .preprocessing_image import interpolation_method
            interpolation_method(interpolation)
        elif interpolation not in ('nearest', 'bilinear'):
            if K.common.is_tf_keras() and self._rank == 2:
                raise NotImplementedError(
                    'Value not recognized for `interpolation`: %s. Supported '
                    'values are: %s' % (interpolation, [
                        'bilinear', 'nearest', 'bicubic', 'area', 'lanczos3',
                        'lanczos5', 'gaussian', 'mitchellcubic']))
            raise ValueError('interpolation should be one of "nearest" or '
                             '"bilinear".')
        if interpolation == 'bilinear' and self._rank != 2:
            raise ValueError('bilinear interpolation is only supported by '
                             'UpSampling2D.')
        self.interpolation = interpolation
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def compute_output_shape(self, input_shape):
        if self.data_format == 'channels_first':
            spatial = input_shape[2:]
        else:
            spatial = input_shape[1:-1]
        new = tuple(s * f if s is not None else None
                    for s, f in zip(spatial, self.size))
        if self.data_format == 'channels_first':
            return (input_shape[0], input_shape[1]) + new
        return (input_shape[0],) + new + (input_shape[-1],)

    def call(self, inputs):
        if self.interpolation in _TF_RESIZE_METHODS:
            return self._resized(inputs)
        x = nn.channels_first(inputs, self._rank, self.data_format)
        if self.interpolation == 'nearest':
            y = F.interpolate(x, scale_factor=self.size, mode='nearest')
        else:
            y = F.interpolate(x, scale_factor=self.size, mode='bilinear',
                              align_corners=False)
        return nn.channels_last(y, self._rank, self.data_format)

    def _resized(self, inputs):
        """tf.image.resize to size times the input's height and width
        (tf.keras's `backend.resize_images`)."""
        from .preprocessing_image import resize_images
        x = inputs if self.data_format == 'channels_last' else \
            inputs.permute(0, 2, 3, 1)
        y = resize_images(x, x.shape[1] * self.size[0],
                          x.shape[2] * self.size[1],
                          method=self.interpolation).to(inputs.dtype)
        return y if self.data_format == 'channels_last' else \
            y.permute(0, 3, 1, 2)

    def get_config(self):
        config = {'size': self.size, 'data_format': self.data_format}
        if self._rank == 2:
            config['interpolation'] = self.interpolation
        base_config = super(_UpSampling, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


class UpSampling2D(_UpSampling):
    """Repeats rows and columns (`interpolation='nearest'`) or resizes
    bilinearly; tf.keras's 'bicubic' and 'area' resize as tf.image.resize
    does."""
    _rank = 2


class UpSampling3D(_UpSampling):
    """Repeats the three spatial axes."""
    _rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super(UpSampling3D, self).__init__(size, data_format, **kwargs)


def _normalize_pairs(value, rank, name):
    if isinstance(value, int):
        return ((value, value),) * rank
    if not hasattr(value, '__len__'):
        raise ValueError('`%s` should be either an int, a tuple of %d ints '
                         'or a tuple of %d tuples of 2 ints. Found: %r'
                         % (name, rank, rank, value))
    value = tuple(value)
    if rank == 1 and len(value) == 2 and all(isinstance(v, int)
                                            for v in value):
        return (tuple(value),)
    if len(value) != rank:
        words = {1: 'one', 2: 'two', 3: 'three'}.get(rank, str(rank))
        raise ValueError(('`%s` should have %s elements. Received: %s.'
                          if K.common.is_tf_keras() else
                          '`%s` should have %s elements. Found: %s')
                         % (name, words, value))
    pairs = []
    for v in value:
        if isinstance(v, int):
            pairs.append((v, v))
        else:
            pairs.append(conv_utils.normalize_tuple(v, 2, name))
    return tuple(pairs)


class _ZeroPadding(Layer):
    _rank = 2

    def __init__(self, padding=1, data_format=None, **kwargs):
        args = interfaces.legacy_args(type(self).__name__, kwargs,
                                      interfaces.DATA_FORMAT,
                                      {'data_format': data_format})
        super(_ZeroPadding, self).__init__(**kwargs)
        if isinstance(padding, dict):
            padding = ((padding.get('top_pad', 0),
                        padding.get('bottom_pad', 0)),
                       (padding.get('left_pad', 0),
                        padding.get('right_pad', 0)))
        self.data_format = K.normalize_data_format(args['data_format']) \
            if self._rank > 1 else 'channels_last'
        self.padding = _normalize_pairs(padding, self._rank, 'padding')
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def compute_output_shape(self, input_shape):
        channels_last = self.data_format == 'channels_last'
        spatial = input_shape[1:-1] if channels_last else input_shape[2:]
        new = tuple(None if s is None else s + a + b
                    for s, (a, b) in zip(spatial, self.padding))
        if channels_last:
            return (input_shape[0],) + new + (input_shape[-1],)
        return (input_shape[0], input_shape[1]) + new

    def call(self, inputs):
        return nn.pad(inputs, self.padding,
                      self.data_format == 'channels_last')

    def get_config(self):
        config = {'padding': self.padding[0] if self._rank == 1
                  else self.padding}
        if self._rank > 1:
            config['data_format'] = self.data_format
        base_config = super(_ZeroPadding, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


class ZeroPadding1D(_ZeroPadding):
    """Pads the time axis with zeros: `padding` int or (before, after)."""
    _rank = 1

    def __init__(self, padding=1, **kwargs):
        super(ZeroPadding1D, self).__init__(padding, **kwargs)


class ZeroPadding2D(_ZeroPadding):
    """Pads rows and columns with zeros."""
    _rank = 2


class ZeroPadding3D(_ZeroPadding):
    """Pads the three spatial axes with zeros."""
    _rank = 3


class _Cropping(Layer):
    _rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None,
                 **kwargs):
        args = interfaces.legacy_args(type(self).__name__, kwargs,
                                      interfaces.DATA_FORMAT,
                                      {'data_format': data_format})
        super(_Cropping, self).__init__(**kwargs)
        self.data_format = K.normalize_data_format(args['data_format']) \
            if self._rank > 1 else 'channels_last'
        self.cropping = _normalize_pairs(cropping, self._rank, 'cropping')
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def compute_output_shape(self, input_shape):
        channels_last = self.data_format == 'channels_last'
        spatial = input_shape[1:-1] if channels_last else input_shape[2:]
        new = []
        for s, (a, b) in zip(spatial, self.cropping):
            if s is not None and s - a - b < 0:
                raise ValueError('Argument `cropping` must be greater than '
                                 'the input shape. Received: inputs.shape=%s, '
                                 'and cropping=%s'
                                 % (tuple(input_shape), self.cropping))
            new.append(None if s is None else s - a - b)
        if channels_last:
            return (input_shape[0],) + tuple(new) + (input_shape[-1],)
        return (input_shape[0], input_shape[1]) + tuple(new)

    def call(self, inputs):
        offset = 1 if self.data_format == 'channels_last' else 2
        index = [slice(None)] * inputs.dim()
        for i, (a, b) in enumerate(self.cropping):
            size = inputs.shape[offset + i]
            index[offset + i] = slice(a, size - b)
        return inputs[tuple(index)]

    def get_config(self):
        config = {'cropping': self.cropping[0] if self._rank == 1
                  else self.cropping}
        if self._rank > 1:
            config['data_format'] = self.data_format
        base_config = super(_Cropping, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


class Cropping1D(_Cropping):
    """Crops the time axis: `cropping` int or (start, end)."""
    _rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super(Cropping1D, self).__init__(cropping, **kwargs)


class Cropping2D(_Cropping):
    """Crops rows and columns: ((top, bottom), (left, right))."""
    _rank = 2


class Cropping3D(_Cropping):
    """Crops the three spatial axes."""
    _rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None,
                 **kwargs):
        super(Cropping3D, self).__init__(cropping, data_format, **kwargs)


# Keras 2 aliases.
Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution3D = Conv3D
SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D
Convolution2DTranspose = Conv2DTranspose
Deconvolution2D = Deconv2D = Conv2DTranspose
Deconvolution3D = Deconv3D = Conv3DTranspose

# Keras 2 also exposes the pooling layers from this module.
from .pooling import (AveragePooling1D, AveragePooling2D,  # noqa: E402,F401
                      AveragePooling3D, MaxPooling1D, MaxPooling2D,
                      MaxPooling3D)


def AtrousConv1D(*args, **kwargs):
    """Keras 2's alias of the Keras 1 `AtrousConvolution1D`."""
    from ..legacy.layers import AtrousConvolution1D
    return AtrousConvolution1D(*args, **kwargs)


def AtrousConv2D(*args, **kwargs):
    """Keras 2's alias of the Keras 1 `AtrousConvolution2D`."""
    from ..legacy.layers import AtrousConvolution2D
    return AtrousConvolution2D(*args, **kwargs)


def AtrousConvolution1D(*args, **kwargs):
    """Keras 1's dilated Conv1D (`atrous_rate` is `dilation_rate`)."""
    from ..legacy.layers import AtrousConvolution1D as make
    return make(*args, **kwargs)


def AtrousConvolution2D(*args, **kwargs):
    """Keras 1's dilated Conv2D (`atrous_rate` is `dilation_rate`)."""
    from ..legacy.layers import AtrousConvolution2D as make
    return make(*args, **kwargs)
