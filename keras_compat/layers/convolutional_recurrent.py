"""Convolutional recurrent layers: `ConvLSTM2D`, its cell and the
`ConvRNN2D` base, as in Keras 2.3.

The cell keeps its kernels in torch layout (`(4 * filters, in, rows,
cols)`) and shows them in Keras layout (`(rows, cols, in, 4 * filters)`,
gates i, f, c, o). The layer computes the input convolutions of all
timesteps in one call and runs one recurrent convolution per step;
per-gate dropout masks become a grouped convolution."""
import warnings

import torch

from .. import backend as K
from .. import activations, regularizers
from ..backend import nn
from ..backend.rnn import step_loop
from ..engine.base_layer import Layer, InputSpec
from ..legacy import interfaces
from ..utils import argument_validation, conv_utils
from ..utils.generic_utils import to_list
from .recurrent import (RNN, _CellMixin, _dropout_mask, cell_layer_config,
                        cell_property)


def _kernel_to_torch(kernel):
    return nn.kernel_to_torch(kernel, 2)


def _kernel_to_keras(weight):
    return nn.kernel_to_keras(weight, 2)


def _to_channels_first(x, data_format):
    """(..., rows, cols, channels) -> (..., channels, rows, cols)."""
    return nn.channels_first(x, 2, data_format, leading=x.dim() - 3)


def _from_channels_first(x, data_format):
    return nn.channels_last(x, 2, data_format, leading=x.dim() - 3)


class ConvLSTM2DCell(_CellMixin, Layer):
    """Cell of `ConvLSTM2D`: an LSTM step whose input and recurrent
    transformations are 2D convolutions (the recurrent one with stride 1
    and 'same' padding). `unit_forget_bias` initialises the forget-gate
    bias to 1; `dropout`/`recurrent_dropout` draw one mask per gate."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding='valid',
                 data_format=None, dilation_rate=(1, 1), activation='tanh',
                 recurrent_activation='hard_sigmoid', use_bias=True,
                 kernel_initializer='glorot_uniform',
                 recurrent_initializer='orthogonal',
                 bias_initializer='zeros', unit_forget_bias=True,
                 kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None,
                 dropout=0., recurrent_dropout=0., **kwargs):
        super(ConvLSTM2DCell, self).__init__(**kwargs)
        self.filters = argument_validation.filters(filters)
        self.kernel_size = conv_utils.normalize_tuple(kernel_size, 2,
                                                      'kernel_size')
        self.strides = conv_utils.normalize_tuple(strides, 2, 'strides')
        self.padding = conv_utils.normalize_padding(padding)
        if self.padding not in ('valid', 'same'):
            raise ValueError('ConvLSTM2D padding must be "valid" or "same"; '
                             'got %r' % (padding,))
        self.data_format = K.normalize_data_format(data_format)
        self.dilation_rate = conv_utils.normalize_tuple(dilation_rate, 2,
                                                        'dilation_rate')
        self._cell_options(activation, use_bias, kernel_initializer,
                           recurrent_initializer, bias_initializer,
                           kernel_regularizer, recurrent_regularizer,
                           bias_regularizer, kernel_constraint,
                           recurrent_constraint, bias_constraint, dropout,
                           recurrent_dropout)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = unit_forget_bias
        self.state_size = (self.filters, self.filters)

    def build(self, input_shape):
        channel_axis = 1 if self.data_format == 'channels_first' else -1
        input_dim = input_shape[channel_axis]
        if input_dim is None:
            raise ValueError('The channel dimension of the inputs should be '
                             'defined. Found `None`.')
        self.kernel_shape = self.kernel_size + (input_dim, self.filters * 4)
        self._add_torch_weight(
            'kernel', self.kernel_shape, self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint, attr='weight_ih',
            to_torch=_kernel_to_torch, to_keras=_kernel_to_keras)
        self._add_torch_weight(
            'recurrent_kernel',
            self.kernel_size + (self.filters, self.filters * 4),
            self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint, attr='weight_hh',
            to_torch=_kernel_to_torch, to_keras=_kernel_to_keras)
        if self.use_bias:
            self._add_torch_weight(
                'bias', (self.filters * 4,), self._bias_initializer(),
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint, attr='bias_ih')
        else:
            self.bias_ih = None
        self.built = True

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        filters, base = self.filters, self.bias_initializer

        def initializer(shape, dtype=None):
            return torch.cat([K.as_tensor(base((filters,), dtype=dtype)),
                              K.constant(1, shape=(filters,), dtype=dtype),
                              K.as_tensor(base((filters * 2,), dtype=dtype))])
        return initializer

    # -------------------------------------------------------- computation
    def _gate_masks(self, like, rate, training):
        """One dropout mask per gate, or None."""
        if not training or not 0. < rate < 1.:
            return None
        return [_dropout_mask(like, rate) for _ in range(4)]

    def _input_projection(self, x, masks):
        """Input convolutions of channels-first `x` (n, in, rows, cols) for
        the four gates, bias included: (n, 4 * filters, rows', cols')."""
        groups = 1
        if masks is not None:
            x = torch.cat([x * m for m in masks], dim=1)
            groups = 4
        # With masks, group g convolves the input masked for gate g with
        # that gate's kernels: the weight is already (4 * filters, in, ..).
        x, padding = self._pad(x, self.padding, self.strides,
                               self.dilation_rate)
        return nn.conv(x, self.weight_ih, self.bias_ih, self.strides,
                       padding, self.dilation_rate, groups)

    def _recurrent_projection(self, h, masks):
        groups = 1
        if masks is not None:
            h = torch.cat([h * m for m in masks], dim=1)
            groups = 4
        h, padding = self._pad(h, 'same', (1, 1), (1, 1))
        return nn.conv(h, self.weight_hh, None, 1, padding, 1, groups)

    def _pad(self, x, padding, strides, dilation):
        """x padded as TensorFlow pads (asymmetric 'same' explicitly), and
        the symmetric padding left to the convolution."""
        torch_padding, pads = nn.padding_plan(nn.padding_pairs(
            padding, x.shape[2:4], self.kernel_size, strides, dilation))
        return (x, torch_padding) if pads is None else \
            (nn.pad(x, pads), torch_padding)

    def _step(self, xw, states, rec_masks):
        """One step on channels-first tensors: (h, [h, c])."""
        h_prev, c_prev = states
        z = xw + self._recurrent_projection(h_prev, rec_masks)
        z_i, z_f, z_c, z_o = z.chunk(4, dim=1)
        rec_act, act = self.recurrent_activation, self.activation
        c = rec_act(z_f) * c_prev + rec_act(z_i) * act(z_c)
        h = rec_act(z_o) * act(c)
        return h, [h, c]

    def call(self, inputs, states, training=None):
        """One step on Keras-layout tensors (for `RNN(cell)`)."""
        if training is None:
            training = self.training
        fmt = self.data_format
        x = _to_channels_first(inputs, fmt)
        states = [_to_channels_first(s, fmt)
                  for s in to_list(states, allow_tuple=True)]
        xw = self._input_projection(
            x, self._gate_masks(x, self.dropout, training))
        h, (_, c) = self._step(xw, states, self._gate_masks(
            states[0], self.recurrent_dropout, training))
        h, c = _from_channels_first(h, fmt), _from_channels_first(c, fmt)
        return h, [h, c]

    def get_config(self):
        config = {'filters': self.filters, 'kernel_size': self.kernel_size,
                  'strides': self.strides, 'padding': self.padding,
                  'data_format': self.data_format,
                  'dilation_rate': self.dilation_rate,
                  'recurrent_activation': activations.serialize(
                      self.recurrent_activation),
                  'unit_forget_bias': self.unit_forget_bias}
        config.update(self._cell_options_config())
        base_config = super(ConvLSTM2DCell, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


class ConvRNN2D(RNN):
    """Runs a convolutional cell over the time axis of 5D inputs
    `(samples, time, rows, cols, channels)` (or channels first), as Keras
    2.3's `ConvRNN2D`. States are 4D; cells cannot be stacked or
    unrolled."""

    # (tf.keras names the cell's weights in the layer's scope.)
    _scopes_its_cell = False

    _input_ndim = 5

    def __init__(self, cell, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False,
                 **kwargs):
        if unroll:
            raise TypeError('Unrolling isn\'t possible with convolutional '
                            'RNNs.')
        if isinstance(cell, (list, tuple)):
            raise TypeError('It is not possible at the moment to stack '
                            'convolutional cells.')
        super(ConvRNN2D, self).__init__(cell, return_sequences, return_state,
                                        go_backwards, stateful, unroll,
                                        **kwargs)
        self.input_spec = [InputSpec(ndim=5)]

    def _spatial_output(self, rows, cols):
        cell = self.cell
        return tuple(conv_utils.conv_output_length(
            size, cell.kernel_size[i], padding=cell.padding,
            stride=cell.strides[i], dilation=cell.dilation_rate[i])
            for i, size in enumerate((rows, cols)))

    def _state_shape(self, batch_size, size):
        shape = self.__dict__.get('_state_spatial')
        if self.cell.data_format == 'channels_first':
            return (batch_size, size) + shape
        return (batch_size,) + shape + (size,)

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        first = self.cell.data_format == 'channels_first'
        rows, cols = input_shape[3:5] if first else input_shape[2:4]
        rows, cols = self._spatial_output(rows, cols)
        filters = self.cell.filters
        state = (input_shape[0], filters, rows, cols) if first else \
            (input_shape[0], rows, cols, filters)
        output = state[:1] + (input_shape[1],) + state[1:] \
            if self.return_sequences else state
        if self.return_state:
            return [output, state, state]
        return output

    def build(self, input_shape):
        shape = input_shape[0] if isinstance(input_shape, list) \
            else input_shape
        first = self.cell.data_format == 'channels_first'
        self._state_spatial = self._spatial_output(
            *(shape[3:5] if first else shape[2:4]))
        super(ConvRNN2D, self).build(input_shape)

    def _step_spec_shape(self, input_shape):
        return tuple(input_shape[2:5])

    def get_initial_state(self, inputs):
        if not getattr(inputs, '_is_keras_symbolic', False):
            self._state_spatial = self._spatial_output(*(
                inputs.shape[3:5] if self.cell.data_format ==
                'channels_first' else inputs.shape[2:4]))
        return super(ConvRNN2D, self).get_initial_state(inputs)

    def _run(self, inputs, initial_state, mask, training, constants):
        if constants is not None:
            raise ValueError('RNN cell does not support constants')
        cell, fmt = self.cell, self.cell.data_format
        x = _to_channels_first(inputs, fmt)
        batch, steps = x.shape[:2]
        xw = cell._input_projection(
            x.reshape((batch * steps,) + tuple(x.shape[2:])),
            self._time_constant_masks(x[:, 0], cell.dropout, training))
        xw = xw.reshape((batch, steps) + tuple(xw.shape[1:]))
        states = [_to_channels_first(s, fmt) for s in initial_state]
        rec_masks = cell._gate_masks(states[0], cell.recurrent_dropout,
                                     training)
        sequence, last, states = step_loop(
            lambda xw_t, s: cell._step(xw_t, s, rec_masks), xw, states, mask)
        return _from_channels_first(sequence, fmt), \
            _from_channels_first(last, fmt), \
            [_from_channels_first(s, fmt) for s in states]

    def _time_constant_masks(self, step_input, rate, training):
        """Per-gate input dropout masks, the same at every timestep, as
        (batch * time)-row masks for the all-timesteps convolution."""
        masks = self.cell._gate_masks(step_input, rate, training)
        if masks is None:
            return None
        steps = self.__dict__.get('_steps_for_masks')
        return [m.unsqueeze(1).expand((-1, steps) + tuple(m.shape[1:]))
                .reshape((-1,) + tuple(m.shape[1:])) for m in masks]

    def call(self, inputs, mask=None, training=None, initial_state=None,
             constants=None):
        first = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
        self._steps_for_masks = first.shape[1]
        return super(ConvRNN2D, self).call(inputs, mask=mask,
                                           training=training,
                                           initial_state=initial_state,
                                           constants=constants)


def _forget_bias_init(kwargs):
    """Keras 1's `forget_bias_init='one'` is `unit_forget_bias=True` (the
    default); other values were dropped by Keras 2 with a warning."""
    value = kwargs.pop('forget_bias_init', None)
    if value is not None and value != 'one':
        warnings.warn('The `forget_bias_init` argument has been ignored. Use '
                      '`unit_forget_bias=True` instead to initialize with '
                      'ones.', stacklevel=3)


class ConvLSTM2D(ConvRNN2D):
    """Convolutional LSTM (Keras 2.3's `ConvLSTM2D`): an LSTM whose input
    and recurrent transformations are convolutions. Inputs `(samples,
    time, rows, cols, channels)` (channels_last) or `(samples, time,
    channels, rows, cols)`; output the last hidden state `(samples,
    rows', cols', filters)`, or all of them with `return_sequences`."""

    @interfaces.conv_legacy_support(
        2, conversions=interfaces.CONV_LSTM_2D)
    def __init__(self, filters, kernel_size, strides=(1, 1), padding='valid',
                 data_format=None, dilation_rate=(1, 1), activation='tanh',
                 recurrent_activation='hard_sigmoid', use_bias=True,
                 kernel_initializer='glorot_uniform',
                 recurrent_initializer='orthogonal',
                 bias_initializer='zeros', unit_forget_bias=True,
                 kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, return_sequences=False,
                 go_backwards=False, stateful=False, dropout=0.,
                 recurrent_dropout=0., **kwargs):
        _forget_bias_init(kwargs)
        cell = ConvLSTM2DCell(
            filters=filters, kernel_size=kernel_size, strides=strides,
            padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation,
            recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout)
        super(ConvLSTM2D, self).__init__(cell,
                                         return_sequences=return_sequences,
                                         go_backwards=go_backwards,
                                         stateful=stateful, **kwargs)
        self.activity_regularizer = regularizers.get(activity_regularizer)

    filters = cell_property('filters')
    kernel_size = cell_property('kernel_size')
    strides = cell_property('strides')
    padding = cell_property('padding')
    data_format = cell_property('data_format')
    dilation_rate = cell_property('dilation_rate')
    activation = cell_property('activation')
    recurrent_activation = cell_property('recurrent_activation')
    use_bias = cell_property('use_bias')
    kernel_initializer = cell_property('kernel_initializer')
    recurrent_initializer = cell_property('recurrent_initializer')
    bias_initializer = cell_property('bias_initializer')
    unit_forget_bias = cell_property('unit_forget_bias')
    kernel_regularizer = cell_property('kernel_regularizer')
    recurrent_regularizer = cell_property('recurrent_regularizer')
    bias_regularizer = cell_property('bias_regularizer')
    kernel_constraint = cell_property('kernel_constraint')
    recurrent_constraint = cell_property('recurrent_constraint')
    bias_constraint = cell_property('bias_constraint')
    dropout = cell_property('dropout')
    recurrent_dropout = cell_property('recurrent_dropout')

    def get_config(self):
        return cell_layer_config(self, super(ConvLSTM2D, self).get_config())

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)

    def extra_repr(self):
        return 'name=%r, filters=%d, kernel_size=%s, return_sequences=%s' % (
            self.name, self.filters, self.kernel_size, self.return_sequences)


# Keras 2.0's paths of the recurrent base classes.
from ..legacy.recurrent import Recurrent  # noqa: E402,F401
from ..legacy.layers import ConvRecurrent2D  # noqa: E402,F401
