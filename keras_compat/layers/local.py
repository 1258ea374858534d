"""Locally-connected layers: convolutions whose kernel is not shared, one
kernel per output position (Keras 2 `keras.layers.local`)."""
from .. import backend as K
from .. import activations
from ..engine.base_layer import Layer, InputSpec
from .core import kernel_bias_config, set_kernel_bias_options
from ..legacy import interfaces
from ..utils import argument_validation, conv_utils


class _LocallyConnected(Layer):
    """Shared configuration of LocallyConnected1D/2D; only 'valid'
    padding, as in Keras 2."""

    rank = 1

    def __init__(self, filters, kernel_size, strides=1, padding='valid',
                 data_format=None, activation=None, use_bias=True,
                 kernel_initializer='glorot_uniform',
                 bias_initializer='zeros', kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None,
                 implementation=1, **kwargs):
        super(_LocallyConnected, self).__init__(**kwargs)
        if implementation != 1:
            raise NotImplementedError(
                '%s(implementation=%r): only implementation=1 (the Keras 2 '
                'computation) is supported.'
                % (type(self).__name__, implementation))
        self.filters = argument_validation.filters(filters)
        self.kernel_size = conv_utils.normalize_tuple(kernel_size, self.rank,
                                                      'kernel_size')
        self.strides = conv_utils.normalize_tuple(strides, self.rank,
                                                  'strides')
        self.padding = conv_utils.normalize_padding(padding)
        if self.padding != 'valid':
            raise ValueError('Invalid border mode for %s (only "valid" is '
                             'supported): %s' % (type(self).__name__,
                                                 padding))
        self.data_format = K.normalize_data_format(data_format)
        set_kernel_bias_options(
            self, activation, use_bias, kernel_initializer, bias_initializer,
            kernel_regularizer, bias_regularizer, activity_regularizer,
            kernel_constraint, bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _output_lengths(self, spatial):
        return tuple(conv_utils.conv_output_length(
            size, k, self.padding, s)
            for size, k, s in zip(spatial, self.kernel_size, self.strides))

    def _add_kernel_and_bias(self, kernel_shape, bias_shape):
        self.kernel_shape = kernel_shape
        self.kernel = self.add_weight(shape=kernel_shape,
                                      initializer=self.kernel_initializer,
                                      name='kernel',
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight(shape=bias_shape,
                                        initializer=self.bias_initializer,
                                        name='bias',
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None

    def get_config(self):
        config = {
            'filters': self.filters,
            'kernel_size': self.kernel_size,
            'strides': self.strides,
            'padding': self.padding,
            'data_format': self.data_format,
            'activation': activations.serialize(self.activation),
            'use_bias': self.use_bias,
        }
        config.update(kernel_bias_config(self))
        base_config = super(_LocallyConnected, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))

    def extra_repr(self):
        return 'name=%r, filters=%s, kernel_size=%s, strides=%s' % (
            self.name, self.filters, self.kernel_size, self.strides)


class LocallyConnected1D(_LocallyConnected):
    """Like Conv1D over (batch, steps, channels) but with a different
    kernel at each output step: kernel `(output_length, kernel_size *
    input_dim, filters)`, bias `(output_length, filters)`."""

    rank = 1

    @interfaces.conv_legacy_support(1)
    def __init__(self, filters, kernel_size, strides=1, padding='valid',
                 data_format=None, activation=None, use_bias=True,
                 kernel_initializer='glorot_uniform',
                 bias_initializer='zeros', kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super(LocallyConnected1D, self).__init__(
            filters, kernel_size, strides=strides, padding=padding,
            data_format=data_format, activation=activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs)

    def _steps_and_channels(self, input_shape):
        if self.data_format == 'channels_first':
            return input_shape[2], input_shape[1], 1
        return input_shape[1], input_shape[2], 2

    def build(self, input_shape):
        steps, input_dim, axis = self._steps_and_channels(input_shape)
        if input_dim is None:
            raise ValueError('Axis %d of input should be fully-defined. '
                             'Found shape: %s' % (axis, tuple(input_shape)))
        length, = self._output_lengths((steps,))
        if length is None:
            raise ValueError('LocallyConnected1D needs a defined number of '
                             'steps; got input shape %s.'
                             % (tuple(input_shape),))
        self._add_kernel_and_bias(
            (length, self.kernel_size[0] * input_dim, self.filters),
            (length, self.filters))
        self.input_spec = InputSpec(ndim=3, axes={axis: input_dim})
        self.built = True

    def compute_output_shape(self, input_shape):
        steps, _, _ = self._steps_and_channels(input_shape)
        length, = self._output_lengths((steps,))
        if self.data_format == 'channels_first':
            return (input_shape[0], self.filters, length)
        return (input_shape[0], length, self.filters)

    def call(self, inputs):
        output = K.local_conv1d(inputs, self.kernel, self.kernel_size,
                                self.strides, self.data_format)
        if self.use_bias:
            # tf.keras's bias_add: the (length, filters) bias reshaped, not
            # transposed, to (filters, length) for channels_first.
            output = K.bias_add(output, self.bias,
                                data_format=self.data_format)
        return self.activation(output)


class LocallyConnected2D(_LocallyConnected):
    """Like Conv2D but with a different kernel at each output pixel:
    kernel `(output_row * output_col, kernel_rows * kernel_cols *
    input_channels, filters)`, bias `(output_row, output_col, filters)`."""

    rank = 2

    @interfaces.conv_legacy_support(2)
    def __init__(self, filters, kernel_size, strides=(1, 1),
                 padding='valid', data_format=None, activation=None,
                 use_bias=True, kernel_initializer='glorot_uniform',
                 bias_initializer='zeros', kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super(LocallyConnected2D, self).__init__(
            filters, kernel_size, strides=strides, padding=padding,
            data_format=data_format, activation=activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs)

    def _spatial_and_channels(self, input_shape):
        if self.data_format == 'channels_last':
            return tuple(input_shape[1:3]), input_shape[3]
        return tuple(input_shape[2:4]), input_shape[1]

    def build(self, input_shape):
        spatial, channels = self._spatial_and_channels(input_shape)
        if None in spatial:
            raise ValueError('The spatial dimensions of the inputs to  a '
                             'LocallyConnected2D layer should be '
                             'fully-defined, but layer received the inputs '
                             'shape ' + str(tuple(input_shape)))
        self.output_row, self.output_col = self._output_lengths(spatial)
        self._add_kernel_and_bias(
            (self.output_row * self.output_col,
             self.kernel_size[0] * self.kernel_size[1] * channels,
             self.filters),
            (self.output_row, self.output_col, self.filters))
        axis = -1 if self.data_format == 'channels_last' else 1
        self.input_spec = InputSpec(ndim=4, axes={axis: channels})
        self.built = True

    def compute_output_shape(self, input_shape):
        spatial, _ = self._spatial_and_channels(input_shape)
        rows, cols = self._output_lengths(spatial)
        if self.data_format == 'channels_first':
            return (input_shape[0], self.filters, rows, cols)
        return (input_shape[0], rows, cols, self.filters)

    def call(self, inputs):
        output = K.local_conv2d(inputs, self.kernel, self.kernel_size,
                                self.strides,
                                (self.output_row, self.output_col),
                                self.data_format)
        if self.use_bias:
            output = K.bias_add(output, self.bias,
                                data_format=self.data_format)
        return self.activation(output)
