"""tf.keras's `ConvLSTM1D` and `ConvLSTM3D` (TF 2.6+): ConvLSTM2D's
computation (`convolutional_recurrent.py`) over one or three spatial axes.

`ConvLSTMCell` is `ConvLSTM2DCell` with the spatial rank as a parameter
(tf.keras's `ConvLSTMCell`): kernels kept in torch layout `(4 * filters,
in, *kernel_size)`, shown in Keras layout `(*kernel_size, in, 4 *
filters)`, gates i, f, c, o. `_ConvRNN` is `ConvRNN2D` over inputs
`(samples, time, *spatial, channels)` (or channels first) of any spatial
rank."""
import torch

from .. import backend as K
from .. import activations, regularizers
from ..backend import common, nn
from ..backend.rnn import step_loop
from ..engine.base_layer import InputSpec
from ..utils import argument_validation, conv_utils
from ..utils.generic_utils import to_list
from .convolutional_recurrent import ConvLSTM2DCell, ConvRNN2D
from .recurrent import cell_layer_config, cell_property


def _to_channels_first(x, rank, data_format):
    """(..., *spatial, channels) -> (..., channels, *spatial)."""
    return nn.channels_first(x, rank, data_format,
                             leading=x.dim() - rank - 1)


def _from_channels_first(x, rank, data_format):
    return nn.channels_last(x, rank, data_format,
                            leading=x.dim() - rank - 1)


class ConvLSTMCell(ConvLSTM2DCell):
    """tf.keras's `ConvLSTMCell` over `rank` spatial axes: an LSTM step
    whose input transformation is a convolution (`strides`, `padding`
    'valid' or 'same', `dilation_rate`) and whose recurrent one is a
    convolution with stride 1 and 'same' padding. `unit_forget_bias`
    initialises the forget-gate bias to 1; `dropout` and
    `recurrent_dropout` draw one mask per gate."""

    def __init__(self, rank, filters, kernel_size, strides=1,
                 padding='valid', data_format=None, dilation_rate=1,
                 activation='tanh', recurrent_activation='hard_sigmoid',
                 use_bias=True, kernel_initializer='glorot_uniform',
                 recurrent_initializer='orthogonal',
                 bias_initializer='zeros', unit_forget_bias=True,
                 kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None,
                 dropout=0., recurrent_dropout=0., **kwargs):
        # ConvLSTM2DCell's own __init__ fixes two spatial axes: skipped.
        super(ConvLSTM2DCell, self).__init__(**kwargs)
        self.rank = rank
        self.filters = argument_validation.filters(filters)
        self.kernel_size = conv_utils.normalize_tuple(kernel_size, rank,
                                                      'kernel_size')
        self.strides = conv_utils.normalize_tuple(strides, rank, 'strides')
        self.padding = conv_utils.normalize_padding(padding)
        if self.padding not in ('valid', 'same'):
            raise ValueError('ConvLSTM%dD padding must be "valid" or '
                             '"same"; got %r' % (rank, padding))
        self.data_format = K.normalize_data_format(data_format)
        self.dilation_rate = conv_utils.normalize_tuple(
            dilation_rate, rank, 'dilation_rate')
        self._cell_options(activation, use_bias, kernel_initializer,
                           recurrent_initializer, bias_initializer,
                           kernel_regularizer, recurrent_regularizer,
                           bias_regularizer, kernel_constraint,
                           recurrent_constraint, bias_constraint, dropout,
                           recurrent_dropout)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = unit_forget_bias
        self.state_size = (self.filters, self.filters)

    def _kernel_to_torch(self, kernel):
        return nn.kernel_to_torch(kernel, self.rank)

    def _kernel_to_keras(self, weight):
        return nn.kernel_to_keras(weight, self.rank)

    def build(self, input_shape):
        channel_axis = 1 if self.data_format == 'channels_first' else -1
        input_dim = input_shape[channel_axis]
        if input_dim is None:
            raise ValueError('The channel dimension of the inputs should be '
                             'defined. Found `None`.')
        self.kernel_shape = self.kernel_size + (input_dim, self.filters * 4)
        for name, attr, in_dim, initializer, regularizer, constraint in (
                ('kernel', 'weight_ih', input_dim, self.kernel_initializer,
                 self.kernel_regularizer, self.kernel_constraint),
                ('recurrent_kernel', 'weight_hh', self.filters,
                 self.recurrent_initializer, self.recurrent_regularizer,
                 self.recurrent_constraint)):
            self._add_torch_weight(
                name, self.kernel_size + (in_dim, self.filters * 4),
                initializer, regularizer=regularizer, constraint=constraint,
                attr=attr, to_torch=self._kernel_to_torch,
                to_keras=self._kernel_to_keras)
        if self.use_bias:
            self._add_torch_weight(
                'bias', (self.filters * 4,), self._bias_initializer(),
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint, attr='bias_ih')
        else:
            self.bias_ih = None
        self.built = True

    def _recurrent_projection(self, h, masks):
        groups = 1
        if masks is not None:
            h = torch.cat([h * m for m in masks], dim=1)
            groups = 4
        ones = (1,) * self.rank
        h, padding = self._pad(h, 'same', ones, ones)
        return nn.conv(h, self.weight_hh, None, 1, padding, 1, groups)

    def _pad(self, x, padding, strides, dilation):
        """x padded as TensorFlow pads (asymmetric 'same' explicitly), and
        the symmetric padding left to the convolution."""
        torch_padding, pads = nn.padding_plan(nn.padding_pairs(
            padding, x.shape[2:], self.kernel_size, strides, dilation))
        return (x, torch_padding) if pads is None else \
            (nn.pad(x, pads), torch_padding)

    def call(self, inputs, states, training=None):
        """One step on Keras-layout tensors (for `RNN(cell)`)."""
        if training is None:
            training = self.training
        rank, fmt = self.rank, self.data_format
        x = _to_channels_first(inputs, rank, fmt)
        states = [_to_channels_first(s, rank, fmt)
                  for s in to_list(states, allow_tuple=True)]
        xw = self._input_projection(
            x, self._gate_masks(x, self.dropout, training))
        h, (_, c) = self._step(xw, states, self._gate_masks(
            states[0], self.recurrent_dropout, training))
        h = _from_channels_first(h, rank, fmt)
        c = _from_channels_first(c, rank, fmt)
        return h, [h, c]


class _ConvRNN(ConvRNN2D):
    """`ConvRNN2D` over inputs `(samples, time, *spatial, channels)` (or
    `(samples, time, channels, *spatial)`) with `rank` spatial axes: runs a
    convolutional cell over the time axis; states have the spatial shape
    of the cell's input convolution's output."""

    rank = 2
    _input_ndim = 5

    def __init__(self, cell, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False,
                 **kwargs):
        super(_ConvRNN, self).__init__(cell, return_sequences, return_state,
                                       go_backwards, stateful, unroll,
                                       **kwargs)
        self.input_spec = [InputSpec(ndim=self.rank + 3)]

    def _spatial_dims(self, shape):
        """The spatial sizes of an input shape `(samples, time, ...)`."""
        if self.cell.data_format == 'channels_first':
            return tuple(shape[3:])
        return tuple(shape[2:-1])

    def _spatial_output(self, *sizes):
        cell = self.cell
        return tuple(conv_utils.conv_output_length(
            size, cell.kernel_size[i], padding=cell.padding,
            stride=cell.strides[i], dilation=cell.dilation_rate[i])
            for i, size in enumerate(sizes))

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        spatial = self._spatial_output(*self._spatial_dims(input_shape))
        filters = self.cell.filters
        if self.cell.data_format == 'channels_first':
            state = (input_shape[0], filters) + spatial
        else:
            state = (input_shape[0],) + spatial + (filters,)
        output = state[:1] + (input_shape[1],) + state[1:] \
            if self.return_sequences else state
        if self.return_state:
            return [output, state, state]
        return output

    def build(self, input_shape):
        shape = input_shape[0] if isinstance(input_shape, list) \
            else input_shape
        self._state_spatial = self._spatial_output(*self._spatial_dims(shape))
        # (ConvRNN2D.build would take the 2D spatial axes.)
        super(ConvRNN2D, self).build(input_shape)

    def _step_spec_shape(self, input_shape):
        return tuple(input_shape[2:])

    def get_initial_state(self, inputs):
        if not getattr(inputs, '_is_keras_symbolic', False):
            self._state_spatial = self._spatial_output(
                *self._spatial_dims(tuple(inputs.shape)))
        return super(ConvRNN2D, self).get_initial_state(inputs)

    def _run(self, inputs, initial_state, mask, training, constants):
        if constants is not None:
            raise ValueError('RNN cell does not support constants')
        cell, rank, fmt = self.cell, self.rank, self.cell.data_format
        x = _to_channels_first(inputs, rank, fmt)
        batch, steps = x.shape[:2]
        xw = cell._input_projection(
            x.reshape((batch * steps,) + tuple(x.shape[2:])),
            self._time_constant_masks(x[:, 0], cell.dropout, training))
        xw = xw.reshape((batch, steps) + tuple(xw.shape[1:]))
        states = [_to_channels_first(s, rank, fmt) for s in initial_state]
        rec_masks = cell._gate_masks(states[0], cell.recurrent_dropout,
                                     training)
        sequence, last, states = step_loop(
            lambda xw_t, s: cell._step(xw_t, s, rec_masks), xw, states, mask)
        return _from_channels_first(sequence, rank, fmt), \
            _from_channels_first(last, rank, fmt), \
            [_from_channels_first(s, rank, fmt) for s in states]


_CELL_OPTIONS = ('filters', 'kernel_size', 'strides', 'padding',
                 'data_format', 'dilation_rate', 'activation',
                 'recurrent_activation', 'use_bias', 'kernel_initializer',
                 'recurrent_initializer', 'bias_initializer',
                 'unit_forget_bias', 'kernel_regularizer',
                 'recurrent_regularizer', 'bias_regularizer',
                 'kernel_constraint', 'recurrent_constraint',
                 'bias_constraint', 'dropout', 'recurrent_dropout')


class _ConvLSTM(_ConvRNN):
    """A convolutional LSTM over `rank` spatial axes with its own
    `ConvLSTMCell`; arguments and config as tf.keras's ConvLSTM1D /
    ConvLSTM2D / ConvLSTM3D (a flat config, `time_major` False)."""

    def __init__(self, filters, kernel_size, strides=1, padding='valid',
                 data_format=None, dilation_rate=1, activation='tanh',
                 recurrent_activation='hard_sigmoid', use_bias=True,
                 kernel_initializer='glorot_uniform',
                 recurrent_initializer='orthogonal',
                 bias_initializer='zeros', unit_forget_bias=True,
                 kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False,
                 dropout=0., recurrent_dropout=0., **kwargs):
        if not kwargs.get('name'):
            # tf.keras's name ('conv_lstm1d'; Keras 2's snake case would
            # make 'conv_lst_m1d').
            prefix = 'conv_lstm%dd' % self.rank
            kwargs['name'] = common.unique_layer_name(prefix)
        cell = ConvLSTMCell(
            self.rank, filters=filters, kernel_size=kernel_size,
            strides=strides, padding=padding, data_format=data_format,
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
            recurrent_dropout=recurrent_dropout,
            dtype=kwargs.get('dtype'))
        super(_ConvLSTM, self).__init__(cell,
                                        return_sequences=return_sequences,
                                        return_state=return_state,
                                        go_backwards=go_backwards,
                                        stateful=stateful, **kwargs)
        self.activity_regularizer = regularizers.get(activity_regularizer)

    def get_config(self):
        config = cell_layer_config(self, super(_ConvLSTM, self).get_config())
        config['time_major'] = False
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)

    def extra_repr(self):
        return 'name=%r, filters=%d, kernel_size=%s, return_sequences=%s' % (
            self.name, self.filters, self.kernel_size, self.return_sequences)


for _name in _CELL_OPTIONS:
    setattr(_ConvLSTM, _name, cell_property(_name))


class ConvLSTM1D(_ConvLSTM):
    """tf.keras's `ConvLSTM1D` (TF 2.6+): an LSTM whose input and recurrent
    transformations are 1D convolutions. Inputs `(samples, time, steps,
    channels)` (or `(samples, time, channels, steps)` with
    `data_format='channels_first'`; `None` follows `image_data_format()`);
    output the last hidden state `(samples, steps', filters)`, or all of
    them with `return_sequences`, and the final [h, c] with
    `return_state`. `recurrent_activation` defaults to 'hard_sigmoid'
    (Keras 2's 0.2 * x + 0.5 clipped). Weights kernel `(k, channels, 4 *
    filters)`, recurrent_kernel `(k, filters, 4 * filters)`, bias."""

    rank = 1
    _input_ndim = 4


class ConvLSTM3D(_ConvLSTM):
    """tf.keras's `ConvLSTM3D` (TF 2.6+): ConvLSTM1D over volumes, inputs
    `(samples, time, depth, rows, cols, channels)` (or channels first);
    kernels `(kd, kr, kc, channels, 4 * filters)`."""

    rank = 3
    _input_ndim = 6
