"""Recurrent layers: SimpleRNN, GRU, LSTM, the generic RNN over a cell and
the cells themselves (SimpleRNNCell, GRUCell, LSTMCell, StackedRNNCells).

Cells keep their weights in torch layout (`weight_ih (gates*units, in)`,
`weight_hh`, `bias_ih`) and show them in Keras layout (`kernel (in,
gates*units)`, `recurrent_kernel`, `bias`; LSTM gates i, f, c, o; GRU
gates z, r, h). Whenever the configuration is one torch implements
(tanh/relu activation, sigmoid recurrent activation, no recurrent
dropout; GRU with reset_after=True) the layer runs torch's fused kernel
(`torch._VF.lstm/gru/rnn_*`, cuDNN on CUDA); otherwise a step loop with
the input projections computed for all timesteps at once.

Masked timesteps are skipped as Keras skips them (outputs and states
carried over). On the fused path the valid steps of each sequence are
moved to the front, run through the fused kernel, and the outputs moved
back.

Dropout masks are drawn as Keras draws them: per sequence (the same at
every timestep), one per gate with `implementation=1` (per-gate input
masks through a block-diagonal input kernel), one for all gates with 2;
tf.keras's LSTM and GRU layers on their fused kernel mask the inputs with
one mask of the whole sequence's shape."""
import warnings

import numpy as np
import torch
import torch.nn.functional as F

# GRU biases are slices of one Keras weight and cannot join cuDNN's flat
# buffer; cuDNN then compacts them per call, which is cheap. Its warning
# about that says nothing a Keras user can act on.
warnings.filterwarnings('ignore', message='RNN module weights are not part '
                                          'of single contiguous chunk')

from .. import backend as K
from ..backend import common
from .. import activations, initializers, regularizers, constraints
from ..backend.gru_loop import gru_loop
from ..backend.lstm_loop import lstm_loop
from ..backend.rnn import eager_under_compile, fused_rnn, step_loop
from ..backend.tensor_shape import TensorShape
from ..engine.base_layer import Layer, InputSpec, guarded_call
from ..engine.keras_tensor import KerasTensor
from ..legacy import interfaces
from ..utils import argument_validation
from ..utils.generic_utils import has_arg, to_list


# ------------------------------------------------------------------ helpers
# Activations applied element by element: on a concatenation of gates they
# give the gates' values side by side.
_ELEMENTWISE = frozenset([
    activations.hard_sigmoid, activations.sigmoid, activations.tanh,
    activations.relu, activations.linear, activations.elu,
    activations.selu, activations.softplus, activations.softsign,
    activations.exponential])

def split_rnn_inputs(inputs, num_constants):
    """[inputs, states..., constants...] as (inputs, states or None,
    constants or None); the last `num_constants` entries are constants."""
    extra = list(inputs[1:])
    split = len(extra) - (num_constants or 0)
    return inputs[0], extra[:split] or None, extra[split:] or None


def call_with_extra_inputs(layer, inputs, kwargs):
    """Calls `layer` on [sequence, states..., constants...]. Its input spec
    describes the sequence only, so it is set aside for the call (a spec
    built meanwhile, `_built_spec`, replaces it)."""
    original_spec = layer.input_spec
    layer.input_spec = None
    try:
        return Layer.__call__(layer, inputs, **kwargs)
    finally:
        built_spec = layer.__dict__.pop('_built_spec', None)
        layer.input_spec = original_spec if built_spec is None else \
            [built_spec]


def _t(weight):
    return weight.t()


def _dropout_mask(like, rate):
    keep = 1. - rate
    return (torch.rand_like(like) < keep).to(like.dtype) / keep


def _draw_masks(like, rate, count):
    """None without dropout; one mask of `like`'s shape for `count` 1; a
    list of `count` independent masks otherwise (one per gate)."""
    if not 0. < rate < 1.:
        return None
    if count == 1:
        return _dropout_mask(like, rate)
    return [_dropout_mask(like, rate) for _ in range(count)]


def _apply_input_masks(x, masks, weight_ih):
    """(inputs, input kernel) with the input dropout `masks` applied to
    `x` (`(batch, features)` or `(batch, time, features)`). One mask
    multiplies `x` for all gates (Keras's implementation=2); a list has one
    mask per gate block of `weight_ih`'s rows (implementation=1): each
    gate's masked copy of `x` is laid side by side against a
    block-diagonal kernel, so that one product gives every gate the
    projection of its own masked input."""
    if masks is None:
        return x, weight_ih
    time_axis = x.dim() == 3
    if not isinstance(masks, list):
        return x * (masks.unsqueeze(1) if time_axis else masks), weight_ih
    if time_axis:
        masks = [m.unsqueeze(1) for m in masks]
    blocks = weight_ih.chunk(len(masks), dim=0)
    return torch.cat([x * m for m in masks], dim=-1), \
        torch.block_diag(*blocks)


def _gate_linear(h, masks, weight, bias=None):
    """Recurrent projections with one dropout mask per gate: gate g's
    rows of `weight` (and `bias`) applied to `h * masks[g]`, gates side by
    side."""
    weights = weight.chunk(len(masks), dim=0)
    biases = bias.chunk(len(masks)) if bias is not None else \
        [None] * len(masks)
    return torch.cat([F.linear(h * m, w, b) for m, w, b in
                      zip(masks, weights, biases)], dim=-1)


def _generate_dropout_mask(ones, rate, training=None, count=1):
    """Keras 2.1-2.3's helper that custom cells import (IndRNN and other
    cells written like the built-in ones): `count` dropout masks of the
    shape of `ones` in the training phase, `ones` itself otherwise."""
    def dropped_inputs():
        return K.dropout(ones, rate)
    if count > 1:
        return [K.in_train_phase(dropped_inputs, ones, training=training)
                for _ in range(count)]
    return K.in_train_phase(dropped_inputs, ones, training=training)


def _generate_dropout_ones(inputs, dims):
    """Keras 2.1.3-2.1.5's companion of `_generate_dropout_mask`: ones of
    shape `(batch, dims)`, the batch size taken from `inputs`."""
    return K.ones((K.shape(inputs)[0], dims))


def _state_sizes(cell):
    """The cell's state sizes, one per state: an int, or a TensorShape for
    a state of several dimensions (tf.keras)."""
    size = cell.state_size
    if isinstance(size, TensorShape):
        return [size]
    return list(size) if hasattr(size, '__len__') else [size]


def _size_dims(size):
    """The dimensions after the batch axis of a state or output of `size`
    (an int or a TensorShape)."""
    if isinstance(size, TensorShape):
        return tuple(size.as_list())
    return (size,)


def _output_size(cell):
    if getattr(cell, 'output_size', None) is not None:
        return cell.output_size
    return _state_sizes(cell)[0]


class _CellMixin(object):
    """Shared configuration and weights of the built-in cells. A cell
    takes its weight names from the RNN layer that runs it
    ('lstm_1/kernel:0'), as Keras names them."""

    def _rnn_init(self, units, activation, use_bias, kernel_initializer,
                  recurrent_initializer, bias_initializer,
                  kernel_regularizer, recurrent_regularizer,
                  bias_regularizer, kernel_constraint, recurrent_constraint,
                  bias_constraint, dropout, recurrent_dropout):
        self.units = argument_validation.units(units)
        self._cell_options(activation, use_bias, kernel_initializer,
                           recurrent_initializer, bias_initializer,
                           kernel_regularizer, recurrent_regularizer,
                           bias_regularizer, kernel_constraint,
                           recurrent_constraint, bias_constraint, dropout,
                           recurrent_dropout)

    def _cell_options(self, activation, use_bias, kernel_initializer,
                      recurrent_initializer, bias_initializer,
                      kernel_regularizer, recurrent_regularizer,
                      bias_regularizer, kernel_constraint,
                      recurrent_constraint, bias_constraint, dropout,
                      recurrent_dropout):
        """The options every Keras recurrent cell stores."""
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1., max(0., dropout))
        self.recurrent_dropout = min(1., max(0., recurrent_dropout))

    def _base_cell_config(self):
        config = {'units': self.units}
        config.update(self._cell_options_config())
        return config

    def _cell_options_config(self):
        return {
            'activation': activations.serialize(self.activation),
            'use_bias': self.use_bias,
            'kernel_initializer': initializers.serialize(
                self.kernel_initializer),
            'recurrent_initializer': initializers.serialize(
                self.recurrent_initializer),
            'bias_initializer': initializers.serialize(self.bias_initializer),
            'kernel_regularizer': regularizers.serialize(
                self.kernel_regularizer),
            'recurrent_regularizer': regularizers.serialize(
                self.recurrent_regularizer),
            'bias_regularizer': regularizers.serialize(self.bias_regularizer),
            'kernel_constraint': constraints.serialize(
                self.kernel_constraint),
            'recurrent_constraint': constraints.serialize(
                self.recurrent_constraint),
            'bias_constraint': constraints.serialize(self.bias_constraint),
            'dropout': self.dropout,
            'recurrent_dropout': self.recurrent_dropout,
        }

    def _add_gate_weights(self, input_dim, gates, bias_initializer=None,
                          bias_shape=None):
        units = self.units
        self._add_torch_weight(
            'kernel', (input_dim, gates * units), self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint, attr='weight_ih',
            to_torch=_t, to_keras=_t)
        recurrent_initializer = self.recurrent_initializer
        if isinstance(recurrent_initializer, initializers.Identity):
            # Keras 2.3: an identity recurrent kernel for every gate.
            gain = recurrent_initializer.gain

            def recurrent_initializer(shape, dtype=None):
                return gain * torch.eye(shape[0]).repeat(
                    1, shape[1] // shape[0])
        self._add_torch_weight(
            'recurrent_kernel', (units, gates * units),
            recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint, attr='weight_hh',
            to_torch=_t, to_keras=_t)
        if self.use_bias:
            self._add_torch_weight(
                'bias', bias_shape or (gates * units,),
                bias_initializer or self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint, attr='bias_ih')
        else:
            self.bias_ih = None

    @property
    def kernel(self):
        return self._keras_weights[0].attribute_tensor(self)

    @property
    def recurrent_kernel(self):
        return self._keras_weights[1].attribute_tensor(self)

    @property
    def bias(self):
        if not self.use_bias:
            return None
        return self._keras_weights[2].attribute_tensor(self)

    # Step-loop support shared by the built-in cells.
    _gates = 1

    def _dropout_masks(self, inputs, h0, training):
        """(input masks, recurrent masks) of one sequence, the same at
        every timestep: each None, one mask shared by the gates, or, with
        Keras's `implementation=1`, a list of one mask per gate (Keras
        gate order)."""
        if not training:
            return None, None
        count = self._gates if getattr(self, 'implementation', 2) == 1 \
            else 1
        step = inputs[:, 0] if inputs.dim() == 3 else inputs
        return (_draw_masks(step, self.dropout, count),
                _draw_masks(h0, self.recurrent_dropout, count))

    def _torch_gate_order(self, masks):
        """Per-gate masks in the gate order of the torch-layout weights."""
        return masks

    def _masked_projection(self, x, masks):
        """Input projections of `x` (with its time axis or without) with
        the input dropout `masks` applied as Keras applies them (one mask
        per gate: each gate's rows on its own masked input, without the
        block-diagonal kernel the fused kernels need)."""
        masks = self._torch_gate_order(masks)
        if isinstance(masks, list):
            if x.dim() == 3:
                masks = [m.unsqueeze(1) for m in masks]
            return _gate_linear(x, masks, self.weight_ih, self._bias_in())
        x, weight_ih = _apply_input_masks(x, masks, self.weight_ih)
        return F.linear(x, weight_ih, self._bias_in())

    def _bias_in(self):
        return self.bias_ih if self.use_bias else None


class SimpleRNNCell(_CellMixin, Layer):
    """Cell of `SimpleRNN`: h = activation(x W + h_prev U + b)."""

    def __init__(self, units, activation='tanh', use_bias=True,
                 kernel_initializer='glorot_uniform',
                 recurrent_initializer='orthogonal',
                 bias_initializer='zeros', kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0., recurrent_dropout=0.,
                 **kwargs):
        super(SimpleRNNCell, self).__init__(**kwargs)
        self._rnn_init(units, activation, use_bias, kernel_initializer,
                       recurrent_initializer, bias_initializer,
                       kernel_regularizer, recurrent_regularizer,
                       bias_regularizer, kernel_constraint,
                       recurrent_constraint, bias_constraint, dropout,
                       recurrent_dropout)
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        self._add_gate_weights(input_shape[-1], 1)
        self.built = True

    def _step(self, xw_t, states, rec_mask):
        h_prev = states[0]
        h_in = h_prev * rec_mask if rec_mask is not None else h_prev
        h = self.activation(xw_t + F.linear(h_in, self.weight_hh))
        return h, [h]

    def call(self, inputs, states, training=None):
        if training is None:
            training = self.training
        states = to_list(states, allow_tuple=True)
        dp, rec = self._dropout_masks(inputs, states[0], training)
        return self._step(self._masked_projection(inputs, dp), states, rec)

    def get_config(self):
        config = self._base_cell_config()
        base_config = super(SimpleRNNCell, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


def _cell_implementation(implementation, recurrent_dropout):
    """tf.keras's LSTM and GRU cells switch to implementation 1 (one
    dropout mask per gate) whenever recurrent dropout is set, and say so in
    their config; Keras 2's keep the given implementation."""
    if common.is_tf_keras() and recurrent_dropout != 0 and \
            implementation != 1:
        return 1
    return implementation


class LSTMCell(_CellMixin, Layer):
    """Cell of `LSTM` (gates i, f, c, o; `unit_forget_bias` initialises
    the forget-gate bias to 1). With `implementation=1` every gate gets its
    own input and recurrent dropout masks, with 2 one mask serves all."""

    _gates = 4

    def __init__(self, units, activation='tanh',
                 recurrent_activation='sigmoid', use_bias=True,
                 kernel_initializer='glorot_uniform',
                 recurrent_initializer='orthogonal',
                 bias_initializer='zeros', unit_forget_bias=True,
                 kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None,
                 dropout=0., recurrent_dropout=0., implementation=2,
                 **kwargs):
        super(LSTMCell, self).__init__(**kwargs)
        self._rnn_init(units, activation, use_bias, kernel_initializer,
                       recurrent_initializer, bias_initializer,
                       kernel_regularizer, recurrent_regularizer,
                       bias_regularizer, kernel_constraint,
                       recurrent_constraint, bias_constraint, dropout,
                       recurrent_dropout)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = unit_forget_bias
        self.implementation = _cell_implementation(implementation,
                                                   self.recurrent_dropout)
        self.state_size = (self.units, self.units)
        self.output_size = self.units

    def build(self, input_shape):
        bias_init = self.bias_initializer
        if self.use_bias and self.unit_forget_bias:
            units, base = self.units, self.bias_initializer

            def bias_init(shape, dtype=None):
                return torch.cat([
                    K.as_tensor(base((units,), dtype=dtype)),
                    K.constant(1, shape=(units,), dtype=dtype),
                    K.as_tensor(base((units * 2,), dtype=dtype))])
        self._add_gate_weights(input_shape[-1], 4, bias_initializer=bias_init)
        if self.use_bias:
            self.register_buffer('bias_hh', torch.zeros_like(self.bias_ih),
                                 persistent=False)
        self.built = True

    def _step(self, xw_t, states, rec_mask):
        h_prev, c_prev = states[0], states[1]
        if isinstance(rec_mask, list):
            z = xw_t + _gate_linear(h_prev, rec_mask, self.weight_hh)
        else:
            h_in = h_prev * rec_mask if rec_mask is not None else h_prev
            z = xw_t + F.linear(h_in, self.weight_hh)
        act, rec_act = self.activation, self.recurrent_activation
        z0, z1, z2, z3 = z.chunk(4, dim=-1)
        if rec_act in _ELEMENTWISE:
            # One call for the i, f and o gates (and the unused c slice):
            # the step loop's cost is the number of operations per step.
            i, f, _, o = rec_act(z).chunk(4, dim=-1)
        else:
            i, f, o = rec_act(z0), rec_act(z1), rec_act(z3)
        c = f * c_prev + i * act(z2)
        h = o * act(c)
        return h, [h, c]

    def call(self, inputs, states, training=None):
        if training is None:
            training = self.training
        states = to_list(states, allow_tuple=True)
        dp, rec = self._dropout_masks(inputs, states[0], training)
        return self._step(self._masked_projection(inputs, dp), states, rec)

    def get_config(self):
        config = self._base_cell_config()
        config['recurrent_activation'] = activations.serialize(
            self.recurrent_activation)
        config['unit_forget_bias'] = self.unit_forget_bias
        config['implementation'] = self.implementation
        base_config = super(LSTMCell, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


def _swap_zr(weight, units):
    """Reorders gate blocks [a, b, c] -> [b, a, c] along axis 0 (Keras
    z, r, h <-> torch r, z, n)."""
    return torch.cat([weight[units:2 * units], weight[:units],
                      weight[2 * units:]], dim=0)


def _default_reset_after(reset_after):
    return common.is_tf_keras() if reset_after is None else reset_after


def _config_without_reset_after(config):
    """A config written before Keras 2.1 has no `reset_after`: its GRU
    applied the reset gate before the recurrent product."""
    config = dict(config)
    config.setdefault('reset_after', False)
    return config


class GRUCell(_CellMixin, Layer):
    """Cell of `GRU` (gates z, r, h). With `reset_after=False` (Keras 2.3's
    default) the reset gate is applied before the recurrent product; with
    True (tf.keras 2.x's default, and CuDNN's rule) after it, with
    separate input and recurrent biases (bias shape (2, 3 * units)). Left
    None, it is the default of the Keras the program imports (see
    `common.api_flavour`). Dropout masks as `LSTMCell`'s."""

    _gates = 3

    def __init__(self, units, activation='tanh',
                 recurrent_activation='sigmoid', use_bias=True,
                 kernel_initializer='glorot_uniform',
                 recurrent_initializer='orthogonal',
                 bias_initializer='zeros', kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0., recurrent_dropout=0.,
                 implementation=2, reset_after=None, **kwargs):
        super(GRUCell, self).__init__(**kwargs)
        self._rnn_init(units, activation, use_bias, kernel_initializer,
                       recurrent_initializer, bias_initializer,
                       kernel_regularizer, recurrent_regularizer,
                       bias_regularizer, kernel_constraint,
                       recurrent_constraint, bias_constraint, dropout,
                       recurrent_dropout)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.implementation = _cell_implementation(implementation,
                                                   self.recurrent_dropout)
        self.reset_after = _default_reset_after(reset_after)
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        input_dim, units = input_shape[-1], self.units
        if not self.reset_after:
            self._add_gate_weights(input_dim, 3)
            self.built = True
            return
        # reset_after: torch gate order (r, z, n) inside, Keras order
        # (z, r, h) outside.
        def to_torch(kernel):
            return _swap_zr(kernel.t(), units)

        def to_keras(weight):
            return _swap_zr(weight, units).t()
        self._add_torch_weight(
            'kernel', (input_dim, 3 * units), self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint, attr='weight_ih',
            to_torch=to_torch, to_keras=to_keras, from_keras=to_torch)
        self._add_torch_weight(
            'recurrent_kernel', (units, 3 * units),
            self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint, attr='weight_hh',
            to_torch=to_torch, to_keras=to_keras, from_keras=to_torch)
        if self.use_bias:
            def bias_to_torch(bias):
                return torch.cat([_swap_zr(bias[0], units),
                                  _swap_zr(bias[1], units)])

            def bias_to_keras(bias):
                return torch.stack([_swap_zr(bias[:3 * units], units),
                                    _swap_zr(bias[3 * units:], units)])
            self._add_torch_weight(
                'bias', (2, 3 * units), self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint, attr='bias_both',
                to_torch=bias_to_torch, to_keras=bias_to_keras,
                from_keras=bias_to_torch)
        self.built = True

    def _bias_in(self):
        if not self.use_bias:
            return None
        if not self.reset_after:
            return self.bias_ih
        return self.bias_both[:3 * self.units]

    def _bias_rec(self):
        if not self.use_bias or not self.reset_after:
            return None
        return self.bias_both[3 * self.units:]

    def _torch_gate_order(self, masks):
        if isinstance(masks, list) and self.reset_after:
            return [masks[1], masks[0], masks[2]]
        return masks

    def _step(self, xw_t, states, rec_mask):
        if isinstance(rec_mask, list):
            return self._gate_masked_step(xw_t, states[0], rec_mask)
        units = self.units
        h_prev = states[0]
        if rec_mask is not None:
            # Keras's implementation=2 masks the previous state before
            # everything, the final interpolation included.
            h_prev = h_prev * rec_mask
        act, rec_act = self.activation, self.recurrent_activation
        if self.reset_after:
            # torch order inside: r, z, n
            inner = F.linear(h_prev, self.weight_hh, self._bias_rec())
            x_r, x_z, x_h = xw_t.chunk(3, dim=-1)
            h_r, h_z, h_h = inner.chunk(3, dim=-1)
            r = rec_act(x_r + h_r)
            z = rec_act(x_z + h_z)
            hh = act(x_h + r * h_h)
        else:
            w_hh = self.weight_hh
            x_z, x_r, x_h = xw_t.chunk(3, dim=-1)
            inner = F.linear(h_prev, w_hh[:2 * units])
            z = rec_act(x_z + inner[:, :units])
            r = rec_act(x_r + inner[:, units:])
            hh = act(x_h + F.linear(r * h_prev, w_hh[2 * units:]))
        h = z * h_prev + (1. - z) * hh
        return h, [h]

    def _gate_masked_step(self, xw_t, h_prev, masks):
        """A step of Keras's implementation=1 with recurrent dropout: each
        gate's recurrent product takes the previous state under its own
        mask (`masks` in Keras order z, r, h); the interpolation takes it
        unmasked."""
        units = self.units
        act, rec_act = self.activation, self.recurrent_activation
        if self.reset_after:
            inner = _gate_linear(h_prev, self._torch_gate_order(masks),
                                 self.weight_hh, self._bias_rec())
            x_r, x_z, x_h = xw_t.chunk(3, dim=-1)
            h_r, h_z, h_h = inner.chunk(3, dim=-1)
            r = rec_act(x_r + h_r)
            z = rec_act(x_z + h_z)
            hh = act(x_h + r * h_h)
        else:
            w_hh = self.weight_hh
            x_z, x_r, x_h = xw_t.chunk(3, dim=-1)
            inner = _gate_linear(h_prev, masks[:2], w_hh[:2 * units])
            z = rec_act(x_z + inner[:, :units])
            r = rec_act(x_r + inner[:, units:])
            hh = act(x_h + F.linear(r * (h_prev * masks[2]),
                                    w_hh[2 * units:]))
        h = z * h_prev + (1. - z) * hh
        return h, [h]

    def call(self, inputs, states, training=None):
        if training is None:
            training = self.training
        states = to_list(states, allow_tuple=True)
        dp, rec = self._dropout_masks(inputs, states[0], training)
        return self._step(self._masked_projection(inputs, dp), states, rec)

    def get_config(self):
        config = self._base_cell_config()
        config['recurrent_activation'] = activations.serialize(
            self.recurrent_activation)
        config['implementation'] = self.implementation
        config['reset_after'] = self.reset_after
        base_config = super(GRUCell, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))

    @classmethod
    def from_config(cls, config):
        return cls(**_config_without_reset_after(config))


class StackedRNNCells(Layer):
    """Several cells run as one (the output of each feeds the next)."""

    def __init__(self, cells, **kwargs):
        for cell in cells:
            if not hasattr(cell, 'call'):
                raise ValueError('All cells must have a `call` method. '
                                 'received cells:', cells)
            if not hasattr(cell, 'state_size'):
                raise ValueError('All cells must have a `state_size` '
                                 'attribute. received cells:', cells)
        self.reverse_state_order = kwargs.pop('reverse_state_order', False)
        super(StackedRNNCells, self).__init__(**kwargs)
        self.cells = torch.nn.ModuleList(cells) if all(
            isinstance(c, torch.nn.Module) for c in cells) else cells

    def _sublayers(self):
        return [c for c in self.cells if isinstance(c, Layer)]

    @property
    def state_size(self):
        sizes = []
        cells = list(self.cells)
        for cell in cells[::-1] if self.reverse_state_order else cells:
            sizes += _state_sizes(cell)
        return tuple(sizes)

    @property
    def output_size(self):
        return _output_size(list(self.cells)[-1])

    def build(self, input_shape):
        constants_shape = None
        if isinstance(input_shape, list):
            constants_shape = input_shape[1:]
            input_shape = input_shape[0]
        for cell in self.cells:
            if isinstance(cell, Layer):
                if common.is_tf_keras():
                    cell.__dict__['_scope_parent'] = self
                else:
                    cell.__dict__['_scope_replace'] = self._scope_replace
                if not cell.built:
                    takes_constants = constants_shape and \
                        has_arg(cell.call, 'constants')
                    cell.build([input_shape] + list(constants_shape)
                               if takes_constants else input_shape)
                    cell.built = True
            input_shape = (input_shape[0], _output_size(cell))
        self.built = True

    def call(self, inputs, states, constants=None, training=None, **kwargs):
        states = list(states)
        nested = []
        cells = list(self.cells)
        for cell in cells[::-1] if self.reverse_state_order else cells:
            n = len(_state_sizes(cell))
            nested.append(states[:n])
            states = states[n:]
        if self.reverse_state_order:
            nested = nested[::-1]
        new_states = []
        for cell, cell_states in zip(cells, nested):
            kwargs_cell = {}
            if has_arg(cell.call, 'training'):
                kwargs_cell['training'] = training
            if constants is not None and has_arg(cell.call, 'constants'):
                kwargs_cell['constants'] = constants
            inputs, cell_states = guarded_call(cell)(inputs, cell_states,
                                                    **kwargs_cell)
            new_states.append(list(to_list(cell_states, allow_tuple=True)))
        if self.reverse_state_order:
            new_states = new_states[::-1]
        return inputs, [s for group in new_states for s in group]

    def get_config(self):
        cells = [{'class_name': c.__class__.__name__,
                  'config': c.get_config()} for c in self.cells]
        config = {'cells': cells}
        base_config = super(StackedRNNCells, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from . import deserialize as deserialize_layer
        config = dict(config)
        cells = [deserialize_layer(c, custom_objects=custom_objects)
                 for c in config.pop('cells')]
        return cls(cells, **config)


# --------------------------------------------------------------------- RNN
def _cell_initial_state(cell):
    """The `get_initial_state` of a cell class written outside
    keras_compat (tf.keras's cell API), or None."""
    method = getattr(type(cell), 'get_initial_state', None)
    if method is None or method.__module__.startswith('keras_compat.'):
        return None
    return cell.get_initial_state


class RNN(Layer):
    """Runs a cell over the time axis of (batch, timesteps, features)
    inputs, as Keras's `RNN(cell)`.

    `return_sequences`, `return_state`, `go_backwards`, `stateful`
    (states carried from batch to batch, detached, until
    `reset_states()`), `unroll` (accepted; results are the same). Called as
    `rnn(x, initial_state=[...])` to start from given states."""

    def __init__(self, cell, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False,
                 **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not hasattr(cell, 'call'):
            raise ValueError('`cell` should have a `call` method. The RNN '
                             'was passed:', cell)
        if not hasattr(cell, 'state_size'):
            raise ValueError(
                'The RNN cell should have a `state_size` attribute (tuple of '
                'integers, one integer per RNN state). Received: cell=%s'
                % (cell,) if K.common.is_tf_keras() else
                'The RNN cell should have an attribute `state_size` (tuple '
                'of integers, one integer per RNN state).')
        if isinstance(getattr(cell, 'output_size', None), (list, tuple)):
            raise NotImplementedError(
                'RNN: cells with nested outputs (an `output_size` list, '
                'as for nested inputs) are not supported; return one '
                'output tensor per step, e.g. the concatenation of the '
                'flattened parts, and split it after the RNN.')
        kwargs = interfaces.input_dim_to_shape(kwargs)
        if kwargs.pop('time_major', False):
            raise NotImplementedError('RNN(time_major=True) is not '
                                      'supported: inputs are (batch, time, '
                                      'features).')
        # tf.keras: zeros (not the previous output) at masked steps of the
        # returned sequence.
        zero_output_for_mask = bool(kwargs.pop('zero_output_for_mask', False))
        super(RNN, self).__init__(**kwargs)
        self.zero_output_for_mask = zero_output_for_mask
        self.cell = cell
        if isinstance(cell, Layer):
            # A plain reference: not a submodule (that would be a cycle).
            # Keras 2 names the cell's weights in the layer's scope
            # ('lstm_1/kernel:0'), tf.keras in the cell's own scope
            # inside it ('lstm/lstm_cell/kernel:0').
            cell.__dict__[_cell_scope_attribute(self)] = self
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.supports_masking = True
        self.input_spec = [InputSpec(ndim=3)]
        self._num_constants = 0
        self._state_names = []
        self._batch_size = None

    # -------------------------------------------------------------- shapes
    _input_ndim = 3

    @property
    def _n_states(self):
        return len(_state_sizes(self.cell))

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        units = _size_dims(_output_size(self.cell))
        if self.return_sequences:
            output_shape = (input_shape[0], input_shape[1]) + units
        else:
            output_shape = (input_shape[0],) + units
        if self.return_state:
            return [output_shape] + [(input_shape[0],) + _size_dims(s)
                                     for s in _state_sizes(self.cell)]
        return output_shape

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, list):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * self._n_states
        return output_mask

    def build(self, input_shape):
        constants_shape = None
        if isinstance(input_shape, list):
            if self._num_constants:
                constants_shape = input_shape[-self._num_constants:]
            input_shape = input_shape[0]
        batch_size = input_shape[0] if self.stateful else None
        if self.stateful and batch_size is None:
            batch_size = self.__dict__.pop('_called_batch_size', None)
        if self.stateful and batch_size is None:
            raise ValueError(
                'If a RNN is stateful, it needs to know its batch size. '
                'Specify the batch size of your input tensors: \n- If using '
                'a Sequential model, specify the batch size by passing a '
                '`batch_input_shape` argument to your first layer.\n- If '
                'using the functional API, specify the batch size by '
                'passing a `batch_shape` argument to your Input layer.')
        self._batch_size = batch_size
        spec = InputSpec(shape=(batch_size, None) + self._step_spec_shape(
            input_shape))
        if self.input_spec is None:
            self.__dict__['_built_spec'] = spec
        else:
            self.input_spec[0] = spec
        step_shape = (input_shape[0],) + tuple(input_shape[2:])
        if isinstance(self.cell, Layer) and not self.cell.built:
            # A cell taking constants builds on [step shape, constant
            # shapes...], as in Keras.
            self.cell.build(step_shape if constants_shape is None else
                            [step_shape] + list(constants_shape))
            self.cell.built = True
            if constants_shape is None:
                self._build_cell_sublayers(step_shape)
        if self.stateful:
            self.reset_states()
        self.built = True

    def _build_cell_sublayers(self, step_shape):
        """Runs a cell written outside keras_compat once on zeros while
        layers it calls are unbuilt, creating their weights as tf.keras
        does when it traces the cell's `call` on graph tensors."""
        cell = self.cell
        if type(cell).__module__.startswith('keras_compat.') or \
                all(layer.built for layer in cell._sublayers()) or \
                any(d is None for d in step_shape[1:]):
            return
        device = K.get_device()
        dtype = getattr(torch, K.floatx())
        x = torch.zeros((1,) + tuple(step_shape[1:]), dtype=dtype,
                        device=device)
        states = [torch.zeros(self._state_shape(1, size), dtype=dtype,
                              device=device)
                  for size in _state_sizes(cell)]
        built_before = [layer for layer in cell._sublayers() if layer.built]
        saved = cell._state_snapshot()
        try:
            with torch.no_grad():
                self._cell_step(False, None)(x, states)
        except Exception:  # the first real call reports its error
            pass
        finally:
            cell._restore_state(saved)
            cell._call_losses = []
        if cell._scopes_sublayers():
            cell._scope_sublayers(built_before)

    def _build_for(self, inputs):
        """Builds on the first call on data; a stateful RNN called on data
        (tf.keras's eager `lstm(batch)`) takes its batch size from it."""
        if self.stateful and not self.built:
            first = inputs[0] if isinstance(inputs, (list, tuple)) \
                else inputs
            batch = tuple(getattr(first, 'shape', ()))[:1]
            if batch and isinstance(batch[0], int):
                self.__dict__['_called_batch_size'] = batch[0]
        try:
            super(RNN, self)._build_for(inputs)
        finally:
            self.__dict__.pop('_called_batch_size', None)

    def _step_spec_shape(self, input_shape):
        """The dimensions of one timestep the input spec fixes."""
        return (input_shape[-1],)

    def _sublayers(self):
        return [self.cell] if isinstance(self.cell, Layer) else []

    # ---------------------------------------------------------------- state
    @property
    def states(self):
        """The carried states of a stateful RNN as the variables Keras
        keeps them in ('lstm_1/Variable:0', TensorFlow shapes; each shares
        the memory of the state the layer runs on, so `K.get_value` and
        `K.set_value` read and write it); None each before it is built."""
        if not self._state_names:
            return [None] * self._n_states
        return self._sync_state_variables(create=True)

    def _state_values(self):
        """The carried states as the plain tensors the layer runs on."""
        buffers = self._buffers
        return [buffers[name] for name in self._state_names]

    def _sync_state_variables(self, create=False):
        """Points the state variables `states` gave (made when `create`)
        at the current states' memory, and returns them."""
        made = self.__dict__.get('_keras_state_variables')
        if made is None:
            if not create:
                return None
            made = self.__dict__['_keras_state_variables'] = {}
        from ..backend.variable_graph import VariableTensor
        result = []
        with torch._C.DisableTorchFunctionSubclass():
            for index, value in enumerate(self._state_values()):
                variable = made.get(index)
                if variable is None:
                    variable = torch.Tensor._make_subclass(
                        VariableTensor, value, False)
                    made[index] = variable
                elif variable.data_ptr() != value.data_ptr() or \
                        variable.shape != value.shape:
                    variable.data = value
                if create:
                    variable._keras_name = self._state_variable_name(index)
                result.append(variable)
        return result

    def _state_variable_name(self, index):
        """Keras 2 names the states' variables in the layer's weight scope
        ('lstm_1/Variable', 'lstm_1/Variable_1',
        'bidirectional_1/forward_lstm_1/Variable'); tf.keras gives all of
        them 'lstm/Variable'."""
        suffix = '_%d' % index if index and not common.is_tf_keras() \
            else ''
        return '%s/Variable%s' % (self._weight_scope(), suffix)

    def get_initial_state(self, inputs):
        """Zero states for `inputs`; on functional-model tensors, symbolic
        zero states of the same graph."""
        if getattr(inputs, '_is_keras_symbolic', False):
            from ..engine.symbolic import apply_op
            return [apply_op(lambda x, i=i: self.get_initial_state(x)[i],
                             (inputs,), name='initial_state')
                    for i in range(self._n_states)]
        batch = inputs.shape[0]
        own = _cell_initial_state(self.cell)
        if own is not None:
            # tf.keras asks a cell that defines get_initial_state.
            states = own(inputs=None, batch_size=batch, dtype=inputs.dtype)
            states = list(states) if isinstance(states, (list, tuple)) \
                else [states]
            return [torch.as_tensor(s, device=inputs.device) for s in states]
        return [torch.zeros(self._state_shape(batch, size),
                            dtype=inputs.dtype, device=inputs.device)
                for size in _state_sizes(self.cell)]

    def _state_shape(self, batch_size, size):
        """The shape of one state, in Keras layout."""
        return (batch_size,) + _size_dims(size)

    def reset_states(self, states=None):
        """Zeros the carried states, or sets them from Numpy arrays."""
        if not self.stateful:
            raise AttributeError('Layer must be stateful.')
        batch_size = self._batch_size
        if not batch_size:
            raise ValueError('If a RNN is stateful, it needs to know its '
                             'batch size. Specify the batch size of your '
                             'input tensors: \n- If using a Sequential '
                             'model, specify the batch size by passing a '
                             '`batch_input_shape` argument to your first '
                             'layer.\n- If using the functional API, specify '
                             'the batch size by passing a `batch_shape` '
                             'argument to your Input layer.')
        sizes = _state_sizes(self.cell)
        device = self._state_device()
        if states is not None:
            states = list(states) if isinstance(states, (list, tuple)) \
                else [states]
            if len(states) != len(sizes):
                raise ValueError('Layer ' + self.name + ' expects ' +
                                 str(len(sizes)) + ' states, but it '
                                 'received ' + str(len(states)) +
                                 ' state values. Input received: ' +
                                 str(states))
        for index, size in enumerate(sizes):
            name = 'state_%d' % index
            shape = self._state_shape(batch_size, size)
            if states is None:
                value = torch.zeros(shape, device=device)
            else:
                value = np.asarray(states[index])
                if value.shape != shape:
                    raise ValueError('State ' + str(index) + ' is '
                                     'incompatible with layer ' + self.name +
                                     ': expected shape=' + str(shape) +
                                     ', found shape=' + str(value.shape))
                value = torch.as_tensor(value, dtype=torch.float32,
                                        device=device)
            if name in self._buffers:
                self._buffers[name] = value
            else:
                self.register_buffer(name, value, persistent=False)
        self._state_names = ['state_%d' % i for i in range(len(sizes))]
        self._sync_state_variables()

    def _state_device(self):
        for p in self.parameters():
            return p.device
        return K.get_device()

    # ------------------------------------------------------------- calling
    def __call__(self, inputs, initial_state=None, constants=None, **kwargs):
        if isinstance(inputs, (list, tuple)) and initial_state is None and \
                constants is None and len(inputs) > 1:
            inputs, initial_state, constants = split_rnn_inputs(
                inputs, self._num_constants)
        if initial_state is None and constants is None:
            return super(RNN, self).__call__(inputs, **kwargs)
        initial_state = to_list(initial_state, allow_tuple=True) \
            if initial_state is not None else []
        constants = to_list(constants, allow_tuple=True) \
            if constants is not None else []
        additional = initial_state + constants
        symbolic = [getattr(x, '_is_keras_symbolic', False)
                    for x in additional]
        symbolic_inputs = getattr(inputs, '_is_keras_symbolic', False)
        if any(symbolic) and not (all(symbolic) and symbolic_inputs):
            raise ValueError('The initial state or constants of an RNN '
                             'layer cannot be specified with a mix of Keras '
                             'tensors and non-Keras tensors.')
        self._num_constants = len(constants)
        if symbolic_inputs and not any(symbolic):
            # Fixed tensors (K.variable, ...) as the initial state of a
            # graph: arguments of every call of the layer, as in Keras 2.
            if initial_state:
                kwargs['initial_state'] = initial_state
            if constants:
                kwargs['constants'] = constants
            return super(RNN, self).__call__(inputs, **kwargs)
        return call_with_extra_inputs(self, [inputs] + additional, kwargs)

    def call(self, inputs, mask=None, training=None, initial_state=None,
             constants=None):
        if isinstance(inputs, (list, tuple)):
            if len(inputs) > 1:
                inputs, initial_state, constants = split_rnn_inputs(
                    inputs, self._num_constants)
            else:
                inputs = inputs[0]
            if isinstance(mask, (list, tuple)):
                mask = mask[0]
        if training is None:
            training = self.training
        if inputs.dim() != self._input_ndim:
            raise ValueError('Input 0 is incompatible with layer %s: '
                             'expected ndim=%d, found ndim=%d (input shape: '
                             '%s)' % (self.name, self._input_ndim,
                                      inputs.dim(), tuple(inputs.shape)))
        if self.stateful:
            self._check_stateful_batch(inputs)
            if initial_state is None:
                initial_state = self._state_values()
        if initial_state is None:
            initial_state = self.get_initial_state(inputs)
        initial_state = [s if s.dtype == inputs.dtype else s.to(inputs.dtype)
                         for s in to_list(initial_state, allow_tuple=True)]
        if mask is not None:
            mask = mask.to(torch.bool)
        if self.go_backwards:
            inputs = torch.flip(inputs, dims=[1])
            if mask is not None:
                mask = torch.flip(mask, dims=[1])
        reset_cell_dropout_masks(self.cell)
        result = self._run(inputs, initial_state, mask, training, constants)
        outputs, last_output, states = result
        if mask is not None and self.__dict__.get('zero_output_for_mask') \
                and self.return_sequences:
            outputs = outputs * mask.view(
                tuple(mask.shape) + (1,) * (outputs.dim() - 2)).to(
                    outputs.dtype)
        if self.stateful:
            buffers = self._buffers
            for name, state in zip(self._state_names, states):
                buffers[name] = state.detach()
            if '_keras_state_variables' in self.__dict__:
                self._sync_state_variables()
        output = outputs if self.return_sequences else last_output
        if self.return_state:
            return [output] + list(states)
        return output

    def _check_stateful_batch(self, inputs):
        if self._batch_size is not None and \
                inputs.shape[0] != self._batch_size:
            raise ValueError(
                'Layer %s is stateful with batch size %d, but received a '
                'batch of %d samples. Stateful layers need every batch to '
                'have exactly the batch size given in batch_input_shape: '
                'pass a number of samples divisible by it (and '
                'shuffle=False), or call reset_states() after rebuilding '
                'the model for another batch size.'
                % (self.name, self._batch_size, inputs.shape[0]))

    def _run(self, inputs, initial_state, mask, training, constants):
        """(all outputs, last output, final states)."""
        if constants is None:
            fused = self._fused(inputs, initial_state, mask, training)
            if fused is not None:
                return fused
            fast = getattr(self.cell, '_step', None)
            if fast is not None and isinstance(
                    self.cell, (SimpleRNNCell, LSTMCell, GRUCell)):
                return self._cell_loop(inputs, initial_state, mask, training)
        return step_loop(self._cell_step(training, constants), inputs,
                         initial_state, mask)

    def _fused(self, inputs, initial_state, mask, training):
        return None

    def _cell_loop(self, inputs, initial_state, mask, training):
        """Step loop for the built-in cells: input projections for all
        timesteps in one product, then one recurrent product per step."""
        cell = self.cell
        dp, rec = cell._dropout_masks(inputs, initial_state[0], training)
        loop = _hand_written_loop(cell)
        # gru_loop takes one recurrent mask for all gates (lstm_loop also
        # one per gate).
        if loop is not None and inputs.shape[1] > 0 and (
                loop is lstm_loop or not isinstance(rec, list)):
            x, weight_ih = _apply_input_masks(
                inputs, cell._torch_gate_order(dp), cell.weight_ih)
            return _run_hand_written_loop(loop, x, weight_ih, initial_state,
                                          cell, rec, mask)
        xw = cell._masked_projection(inputs, dp)
        return step_loop(lambda xw_t, states: cell._step(xw_t, states, rec),
                         xw, initial_state, mask)

    def _cell_step(self, training, constants):
        """The cell's call as a step function `(input_t, states) ->
        (output_t, new_states)`."""
        cell = self.cell
        kwargs = {}
        if has_arg(cell.call, 'training'):
            kwargs['training'] = training
        if constants is not None:
            kwargs['constants'] = constants
        call = guarded_call(cell)

        def step(x_t, states):
            out, new_states = call(x_t, states, **kwargs)
            return out, list(to_list(new_states, allow_tuple=True))
        return step

    def get_config(self):
        config = {'return_sequences': self.return_sequences,
                  'return_state': self.return_state,
                  'go_backwards': self.go_backwards,
                  'stateful': self.stateful, 'unroll': self.unroll}
        if self._num_constants:
            config['num_constants'] = self._num_constants
        if self.__dict__.get('zero_output_for_mask'):
            config['zero_output_for_mask'] = True
        config['cell'] = {'class_name': self.cell.__class__.__name__,
                          'config': self.cell.get_config()}
        base_config = super(RNN, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from . import deserialize as deserialize_layer
        config = dict(config)
        cell = deserialize_layer(config.pop('cell'),
                                 custom_objects=custom_objects)
        num_constants = config.pop('num_constants', 0)
        layer = cls(cell, **config)
        layer._num_constants = num_constants
        return layer

    def extra_repr(self):
        return 'name=%r, units=%s, return_sequences=%s' % (
            self.name, _output_size(self.cell), self.return_sequences)


# ------------------------------------------------------- fused execution
def _compact(inputs, mask):
    """Moves each sequence's unmasked steps to the front (in order).
    Returns (compacted inputs, lengths, gather order)."""
    order = torch.argsort((~mask).to(torch.int8), dim=1, stable=True)
    index = order.unsqueeze(-1).expand(-1, -1, inputs.shape[-1])
    return inputs.gather(1, index), mask.sum(dim=1), order


def _expand_outputs(outputs_c, mask, lengths):
    """Outputs of the compacted run placed back at original timesteps;
    masked steps repeat the previous output (zeros before the first)."""
    position = torch.cumsum(mask.to(torch.int64), dim=1) - 1
    valid = position >= 0
    index = position.clamp(min=0).unsqueeze(-1).expand(
        -1, -1, outputs_c.shape[-1])
    outputs = outputs_c.gather(1, index)
    return outputs * valid.unsqueeze(-1).to(outputs.dtype)


def _last_of(outputs_c, lengths):
    index = (lengths - 1).clamp(min=0).view(-1, 1, 1).expand(
        -1, 1, outputs_c.shape[-1])
    last = outputs_c.gather(1, index).squeeze(1)
    return last * (lengths > 0).unsqueeze(-1).to(last.dtype)


def _hand_written_loop(cell):
    """`lstm_loop` or `gru_loop` where one runs `cell` (an LSTMCell, or a
    GRUCell with `reset_after=False`, with tanh activation and
    hard_sigmoid or sigmoid gates), else None."""
    if isinstance(cell, LSTMCell):
        loop = lstm_loop
    elif isinstance(cell, GRUCell) and not cell.reset_after:
        loop = gru_loop
    else:
        return None
    if cell.activation is not activations.tanh or \
            cell.recurrent_activation not in (activations.hard_sigmoid,
                                              activations.sigmoid):
        return None
    return loop


@eager_under_compile
def _run_hand_written_loop(loop, x, weight_ih, initial_state, cell,
                           rec_mask, mask):
    hard = cell.recurrent_activation is activations.hard_sigmoid
    bias = cell.bias_ih if cell.use_bias else None
    return loop(x, weight_ih, bias, cell.weight_hh, *initial_state,
                hard_gates=hard, rec_mask=rec_mask, mask=mask)


class _FusedRNN(RNN):
    """RNN layers that can run on torch's fused kernels."""

    # cuDNN's RNN mode of the fused kernel; whether the weights can join one
    # cuDNN buffer.
    _fused_mode = None
    _flatten_weights = True
    # (Keras 1's `input_dim` of a recurrent layer is a legacy spelling.)
    _keras1_input_dim = True

    def _fusable(self, training):
        cell = self.cell
        if training and 0. < cell.recurrent_dropout < 1.:
            return False
        return self._fusable_activations()

    def _flat_weights(self):
        cell = self.cell
        if cell.use_bias:
            return [cell.weight_ih, cell.weight_hh, cell.bias_ih,
                    cell.bias_hh]
        return [cell.weight_ih, cell.weight_hh]

    def _kernel(self, x, hx, weight_ih=None):
        mode = self._fused_mode
        weights = self._flat_weights()
        if weight_ih is not None:
            # The block-diagonal kernel of per-gate input dropout masks, new
            # at every call, stays out of the cuDNN buffer.
            weights = [weight_ih] + weights[1:]
        elif self._flatten_weights:
            weights = self._cudnn_weights(weights, mode)
        return fused_rnn(mode, x, hx, weights, self.cell.use_bias,
                         self.training)

    @eager_under_compile
    def _run_kernel(self, x, hx, weight_ih=None):
        # The fused kernel is one call already; torch.compile runs it
        # eagerly and compiles the layers around it.
        return self._kernel(x, hx, weight_ih)

    def _cudnn_weights(self, weights, mode):
        """On CUDA, moves the weights into one cuDNN buffer (the
        parameters keep their identity and become views of it), once per
        placement, so cuDNN does not compact them on every call."""
        first = weights[0]
        if first.device.type != 'cuda' or \
                not torch.backends.cudnn.is_available():
            return weights
        key = tuple(w.data_ptr() for w in weights)
        if self.__dict__.get('_cudnn_key') == key:
            return weights
        try:
            with torch.no_grad():
                torch._cudnn_rnn_flatten_weight(
                    weights, len(weights), first.shape[1],
                    torch.backends.cudnn.rnn.get_cudnn_mode(mode),
                    self.cell.units, 0, 1, True, False)
        except (RuntimeError, TypeError, AttributeError):
            pass
        self.__dict__['_cudnn_key'] = tuple(w.data_ptr() for w in weights)
        return weights

    def _fused(self, inputs, initial_state, mask, training):
        if not self._fusable(training):
            return None
        x, weight_ih = self._dropped_inputs(inputs, initial_state, training)
        if mask is None:
            outputs, states = self._run_kernel(x, initial_state, weight_ih)
            return outputs, outputs[:, -1], states
        compacted, lengths, _ = _compact(x, mask)
        needs_exact_states = self._n_states > 1 and (
            self.return_state or self.stateful)
        if needs_exact_states:
            packed = torch.nn.utils.rnn.pack_padded_sequence(
                compacted, lengths.clamp(min=1).cpu(), batch_first=True,
                enforce_sorted=False)
            out_packed, states = self._run_kernel(packed, initial_state,
                                                  weight_ih)
            outputs_c, _ = torch.nn.utils.rnn.pad_packed_sequence(
                out_packed, batch_first=True,
                total_length=inputs.shape[1])
        else:
            outputs_c, states = self._run_kernel(compacted, initial_state,
                                                 weight_ih)
        last = _last_of(outputs_c, lengths)
        empty = (lengths == 0).unsqueeze(-1)
        if self._n_states == 1:
            states = [torch.where(empty, initial_state[0], last)]
        else:
            states = [torch.where(empty, s0, s)
                      for s0, s in zip(initial_state, states)]
        outputs = _expand_outputs(outputs_c, mask, lengths) \
            if self.return_sequences else None
        return outputs, last, states

    def _dropped_inputs(self, inputs, initial_state, training):
        """(inputs, block-diagonal input kernel or None) with the input
        dropout applied. tf.keras's LSTM and GRU layers on their fused
        kernel draw one mask of the shape of the whole input sequence (a
        new one at every timestep) and apply it for all gates; otherwise
        the cell's masks apply, the same at every timestep (one per gate
        with Keras's implementation=1, through the block-diagonal
        kernel)."""
        cell = self.cell
        if not training or not 0. < cell.dropout < 1.:
            return inputs, None
        if self.__dict__.get('_timestep_dropout'):
            return inputs * _dropout_mask(inputs, cell.dropout), None
        dp, _ = cell._dropout_masks(inputs, initial_state[0], training)
        x, weight_ih = _apply_input_masks(inputs, cell._torch_gate_order(dp),
                                          cell.weight_ih)
        return x, (weight_ih if isinstance(dp, list) else None)


def _tf_keras_kernel(layer):
    """Whether tf.keras runs this LSTM or GRU layer on its fused kernel
    (the program imports tf.keras; tanh activation, sigmoid gates, no
    recurrent dropout, biases, not unrolled; a GRU with reset_after)."""
    cell = layer.cell
    return (common.is_tf_keras() and cell.activation is activations.tanh
            and cell.recurrent_activation is activations.sigmoid
            and cell.recurrent_dropout == 0 and not layer.unroll
            and cell.use_bias and getattr(cell, 'reset_after', True))


class SimpleRNN(_FusedRNN):
    """Fully-connected RNN: h = activation(x W + h_prev U + b); fused
    (torch RNN kernel) for tanh and relu."""

    def __init__(self, units=None, activation='tanh', use_bias=True,
                 kernel_initializer='glorot_uniform',
                 recurrent_initializer='orthogonal',
                 bias_initializer='zeros', kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None,
                 dropout=0., recurrent_dropout=0., return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False,
                 unroll=False, **kwargs):
        if 'implementation' in kwargs:
            kwargs.pop('implementation')
            warnings.warn('The `implementation` argument in `SimpleRNN` has '
                          'been deprecated. Please remove it from your layer '
                          'call.')
        args = _legacy(self, kwargs, locals())
        cell = SimpleRNNCell(
            args['units'], activation=args['activation'],
            use_bias=args['use_bias'],
            kernel_initializer=args['kernel_initializer'],
            recurrent_initializer=args['recurrent_initializer'],
            bias_initializer=bias_initializer,
            kernel_regularizer=args['kernel_regularizer'],
            recurrent_regularizer=args['recurrent_regularizer'],
            bias_regularizer=args['bias_regularizer'],
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=args['dropout'],
            recurrent_dropout=args['recurrent_dropout'],
            dtype=kwargs.get('dtype'), **_cell_name('simple_rnn_cell'))
        super(SimpleRNN, self).__init__(
            cell, return_sequences=return_sequences,
            return_state=return_state, go_backwards=go_backwards,
            stateful=stateful, unroll=unroll, **kwargs)
        self.activity_regularizer = regularizers.get(activity_regularizer)

    def _fusable_activations(self):
        return self.cell.activation in (activations.tanh, activations.relu)

    def _flat_weights(self):
        cell = self.cell
        if cell.use_bias:
            if not hasattr(cell, 'bias_hh'):
                cell.register_buffer('bias_hh',
                                     torch.zeros_like(cell.bias_ih),
                                     persistent=False)
            return [cell.weight_ih, cell.weight_hh, cell.bias_ih,
                    cell.bias_hh]
        return [cell.weight_ih, cell.weight_hh]

    @property
    def _fused_mode(self):
        tanh = self.cell.activation is activations.tanh
        return 'RNN_TANH' if tanh else 'RNN_RELU'

    def get_config(self):
        return cell_layer_config(self, super(SimpleRNN, self).get_config())

    @classmethod
    def from_config(cls, config):
        if 'implementation' in config and cls is SimpleRNN:
            config = dict(config)
            config.pop('implementation')
        return cls(**config)


class GRU(_FusedRNN):
    """Gated Recurrent Unit. `reset_after=True` (tf.keras 2.x's default,
    and CuDNNGRU's rule) with tanh and sigmoid runs torch's fused GRU
    kernel; otherwise a step loop, which for `reset_after=False` (Keras
    2.3's default) with tanh and `hard_sigmoid` or `sigmoid` gates is one
    autograd node with a hand-written backward pass (`gru_loop`). Left
    None, `reset_after` is the default of the Keras the program imports
    (see `common.api_flavour`)."""

    _fused_mode = 'GRU'
    # The GRU biases are slices of one Keras weight.
    _flatten_weights = False

    def __init__(self, units=None, activation='tanh',
                 recurrent_activation='sigmoid', use_bias=True,
                 kernel_initializer='glorot_uniform',
                 recurrent_initializer='orthogonal',
                 bias_initializer='zeros', kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None,
                 dropout=0., recurrent_dropout=0., implementation=2,
                 return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False,
                 reset_after=None, **kwargs):
        args = _legacy(self, kwargs, locals())
        if args['implementation'] == 0:
            warnings.warn('`implementation=0` has been deprecated, and now '
                          'defaults to `implementation=1`.Please update your '
                          'layer call.')
        cell = GRUCell(
            args['units'], activation=args['activation'],
            recurrent_activation=args['recurrent_activation'],
            use_bias=args['use_bias'],
            kernel_initializer=args['kernel_initializer'],
            recurrent_initializer=args['recurrent_initializer'],
            bias_initializer=bias_initializer,
            kernel_regularizer=args['kernel_regularizer'],
            recurrent_regularizer=args['recurrent_regularizer'],
            bias_regularizer=args['bias_regularizer'],
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=args['dropout'],
            recurrent_dropout=args['recurrent_dropout'],
            implementation=args['implementation'], reset_after=reset_after,
            dtype=kwargs.get('dtype'), **_cell_name('gru_cell'))
        super(GRU, self).__init__(
            cell, return_sequences=return_sequences,
            return_state=return_state, go_backwards=go_backwards,
            stateful=stateful, unroll=unroll, **kwargs)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.__dict__['_timestep_dropout'] = _tf_keras_kernel(self)

    def _fusable_activations(self):
        cell = self.cell
        return (cell.reset_after and cell.activation is activations.tanh and
                cell.recurrent_activation is activations.sigmoid)

    def _flat_weights(self):
        cell = self.cell
        if cell.use_bias:
            return [cell.weight_ih, cell.weight_hh, cell._bias_in(),
                    cell._bias_rec()]
        return [cell.weight_ih, cell.weight_hh]


    def get_config(self):
        return cell_layer_config(self, super(GRU, self).get_config())

    @classmethod
    def from_config(cls, config):
        config = _config_without_reset_after(config)
        if config.get('implementation') == 0:
            config['implementation'] = 1
        return cls(**config)


class LSTM(_FusedRNN):
    """Long Short-Term Memory layer. Runs torch's fused LSTM kernel (cuDNN
    on CUDA) for tanh activation, sigmoid recurrent activation and no
    recurrent dropout (Keras 2.3 defaults); otherwise a step loop, which
    for `hard_sigmoid` or `sigmoid` gates with tanh (Keras 2.2's default
    `recurrent_activation='hard_sigmoid'`, or recurrent dropout) is one
    autograd node with a hand-written backward pass (`lstm_loop`)."""

    _fused_mode = 'LSTM'

    def __init__(self, units=None, activation='tanh',
                 recurrent_activation='sigmoid', use_bias=True,
                 kernel_initializer='glorot_uniform',
                 recurrent_initializer='orthogonal',
                 bias_initializer='zeros', unit_forget_bias=True,
                 kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0., recurrent_dropout=0.,
                 implementation=2, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False,
                 unroll=False, **kwargs):
        forget_bias_init = kwargs.pop('forget_bias_init', None)
        if forget_bias_init is not None:
            if forget_bias_init == 'one':
                unit_forget_bias = True
            else:
                warnings.warn('The `forget_bias_init` argument has been '
                              'ignored. Use `unit_forget_bias=True` instead '
                              'to initialize with ones.')
        args = _legacy(self, kwargs, locals(),
                       converted=forget_bias_init == 'one')
        if args['implementation'] == 0:
            warnings.warn('`implementation=0` has been deprecated, and now '
                          'defaults to `implementation=1`.Please update your '
                          'layer call.')
        cell = LSTMCell(
            args['units'], activation=args['activation'],
            recurrent_activation=args['recurrent_activation'],
            use_bias=args['use_bias'],
            kernel_initializer=args['kernel_initializer'],
            recurrent_initializer=args['recurrent_initializer'],
            unit_forget_bias=unit_forget_bias,
            bias_initializer=bias_initializer,
            kernel_regularizer=args['kernel_regularizer'],
            recurrent_regularizer=args['recurrent_regularizer'],
            bias_regularizer=args['bias_regularizer'],
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=args['dropout'],
            recurrent_dropout=args['recurrent_dropout'],
            implementation=args['implementation'], dtype=kwargs.get('dtype'),
            **_cell_name('lstm_cell'))
        super(LSTM, self).__init__(
            cell, return_sequences=return_sequences,
            return_state=return_state, go_backwards=go_backwards,
            stateful=stateful, unroll=unroll, **kwargs)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.__dict__['_timestep_dropout'] = _tf_keras_kernel(self)

    def _fusable_activations(self):
        cell = self.cell
        return (cell.activation is activations.tanh and
                cell.recurrent_activation is activations.sigmoid)


    def get_config(self):
        return cell_layer_config(self, super(LSTM, self).get_config())

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get('implementation') == 0:
            config['implementation'] = 1
        return cls(**config)


# ------------------------------------------------------------ cuDNN layers
def _cudnn_to_torch(kernel, gates):
    """torch's (gates * units, dim) weight of a CuDNN layer's Keras
    (dim, gates * units) kernel. The CuDNN layers hand each gate's block to
    cuDNN flattened in C order, which reads it as a (units, dim) matrix:
    a reshape, not a transpose (Keras's conversion to LSTM/GRU weights
    undoes the same)."""
    dim = kernel.shape[0]
    return torch.cat([block.reshape(-1, dim)
                      for block in kernel.chunk(gates, dim=1)], dim=0)


def _cudnn_to_keras(weight, gates):
    """The CuDNN layer's Keras kernel of torch's weight (the inverse of
    `_cudnn_to_torch`)."""
    dim = weight.shape[1]
    return torch.cat([block.reshape(dim, -1)
                      for block in weight.chunk(gates, dim=0)], dim=1)


def _add_cudnn_kernels(cell, input_dim, gates, reorder=None):
    """The kernel and recurrent kernel of a CuDNN layer's cell, stored as
    torch weights; `reorder` maps torch's gate order to Keras's and back
    (GRU's r, z <-> z, r)."""
    reorder = reorder or (lambda weight: weight)
    for name, dim, attr, which in (
            ('kernel', input_dim, 'weight_ih', 'kernel'),
            ('recurrent_kernel', cell.units, 'weight_hh', 'recurrent')):
        def to_torch(kernel):
            return reorder(_cudnn_to_torch(kernel, gates))

        def to_keras(weight):
            return _cudnn_to_keras(reorder(weight), gates)
        cell._add_torch_weight(
            name, (dim, gates * cell.units),
            getattr(cell, which + '_initializer'),
            regularizer=getattr(cell, which + '_regularizer'),
            constraint=getattr(cell, which + '_constraint'), attr=attr,
            to_torch=to_torch, to_keras=to_keras, from_keras=to_torch)


class _CuDNNLSTMCell(LSTMCell):
    """The computation of `CuDNNLSTM`: an LSTM step with sigmoid gates whose
    bias is the sum of cuDNN's input and recurrent biases (Keras shape
    (8 * units,): the 4 input-gate biases, then the 4 recurrent ones)."""

    def build(self, input_shape):
        units = self.units
        _add_cudnn_kernels(self, input_shape[-1], 4)
        self._add_torch_weight(
            'bias', (8 * units,), self._bias_initializer_with_forget(),
            regularizer=self.bias_regularizer,
            constraint=self.bias_constraint, attr='bias_cudnn')
        self.register_buffer('bias_hh', torch.zeros_like(
            self.bias_cudnn[:4 * units]), persistent=False)
        self.built = True

    def _bias_initializer_with_forget(self):
        """Keras's CuDNNLSTM initial bias with `unit_forget_bias`: ones for
        the recurrent forget gate, the bias initializer elsewhere."""
        if not self.unit_forget_bias:
            return self.bias_initializer
        units, base = self.units, self.bias_initializer

        def bias_init(shape, dtype=None):
            return torch.cat([
                K.as_tensor(base((units * 5,), dtype=dtype)),
                K.constant(1, shape=(units,), dtype=dtype),
                K.as_tensor(base((units * 2,), dtype=dtype))])
        return bias_init

    @property
    def bias_ih(self):
        bias = self.bias_cudnn
        return bias[:4 * self.units] + bias[4 * self.units:]


class _CuDNNGRUCell(GRUCell):
    """The computation of `CuDNNGRU`: a GRU step with the reset gate
    applied after the recurrent product (`reset_after=True`) and sigmoid
    gates; bias Keras shape (6 * units,): input biases, then recurrent
    ones."""

    def build(self, input_shape):
        units = self.units

        def reorder(weight):
            return _swap_zr(weight, units)
        _add_cudnn_kernels(self, input_shape[-1], 3, reorder)

        def bias_to_torch(bias):
            return torch.cat([_swap_zr(bias[:3 * units], units),
                              _swap_zr(bias[3 * units:], units)])
        self._add_torch_weight(
            'bias', (6 * units,), self.bias_initializer,
            regularizer=self.bias_regularizer,
            constraint=self.bias_constraint, attr='bias_both',
            to_torch=bias_to_torch, to_keras=bias_to_torch,
            from_keras=bias_to_torch)
        self.built = True


_CUDNN_MASKING_ERROR = 'Masking is not supported for CuDNN RNNs.'


class _CuDNNRNN(object):
    """What CuDNNLSTM and CuDNNGRU share: Keras 2's cuDNN-only layers. Here
    they run on any device (torch's fused kernel, cuDNN on CUDA) with the
    weights and results of Keras's layers; as in Keras, a masked input
    raises ValueError, and they have no `unroll`, dropout or activation
    arguments."""

    _scopes_its_cell = False
    _flatten_weights = False

    def _cudnn_init(self, cell, return_sequences, return_state, stateful,
                    activity_regularizer, kwargs):
        if 'unroll' in kwargs:
            raise TypeError('Keyword argument not understood:', 'unroll')
        RNN.__init__(self, cell, return_sequences=return_sequences,
                     return_state=return_state,
                     go_backwards=kwargs.pop('go_backwards', False),
                     stateful=stateful, **kwargs)
        self.activity_regularizer = regularizers.get(activity_regularizer)

    def __call__(self, inputs, *args, **kwargs):
        first = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
        if getattr(first, '_keras_mask', None) is not None:
            raise ValueError(_CUDNN_MASKING_ERROR)
        return RNN.__call__(self, inputs, *args, **kwargs)

    def call(self, inputs, mask=None, training=None, initial_state=None,
             constants=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if mask is not None:
            raise ValueError(_CUDNN_MASKING_ERROR)
        return RNN.call(self, inputs, training=training,
                        initial_state=initial_state, constants=constants)

    def _cudnn_config(self, cell_config):
        config = {'return_sequences': self.return_sequences,
                  'return_state': self.return_state,
                  'go_backwards': self.go_backwards,
                  'stateful': self.stateful}
        if common.is_tf_keras():
            config['time_major'] = False
        cell = self.cell
        config['units'] = cell.units
        for which in ('kernel', 'recurrent', 'bias'):
            config[which + '_initializer'] = initializers.serialize(
                getattr(cell, which + '_initializer'))
        config.update(cell_config)
        for which in ('kernel', 'recurrent', 'bias'):
            config[which + '_regularizer'] = regularizers.serialize(
                getattr(cell, which + '_regularizer'))
        config['activity_regularizer'] = regularizers.serialize(
            self.activity_regularizer)
        for which in ('kernel', 'recurrent', 'bias'):
            config[which + '_constraint'] = constraints.serialize(
                getattr(cell, which + '_constraint'))
        base_config = Layer.get_config(self)
        return dict(list(base_config.items()) + list(config.items()))

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop('time_major', None)
        return cls(**config)


class CuDNNLSTM(_CuDNNRNN, LSTM):
    """Keras 2's `CuDNNLSTM`: an LSTM with tanh activation and sigmoid
    gates, its weights in cuDNN's layout (`kernel` (input_dim, 4 * units)
    and `recurrent_kernel` (units, 4 * units), each gate's block read by
    cuDNN as a C-order (units, dim) matrix; `bias` (8 * units,), input then
    recurrent biases, added). `unit_forget_bias` puts the ones in the
    recurrent forget-gate bias."""

    def __init__(self, units, kernel_initializer='glorot_uniform',
                 recurrent_initializer='orthogonal',
                 bias_initializer='zeros', unit_forget_bias=True,
                 kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, return_sequences=False,
                 return_state=False, stateful=False, **kwargs):
        cell = _CuDNNLSTMCell(
            units, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dtype=kwargs.get('dtype'),
            name='cu_dnnlstm_cell')
        self._cudnn_init(cell, return_sequences, return_state, stateful,
                         activity_regularizer, kwargs)

    def get_config(self):
        return self._cudnn_config(
            {'unit_forget_bias': self.cell.unit_forget_bias})


class CuDNNGRU(_CuDNNRNN, GRU):
    """Keras 2's `CuDNNGRU`: a GRU with tanh activation, sigmoid gates and
    the reset gate applied after the recurrent product, its weights in
    cuDNN's layout (`kernel` (input_dim, 3 * units) and `recurrent_kernel`
    (units, 3 * units), each gate's block read by cuDNN as a C-order
    (units, dim) matrix; `bias` (6 * units,), input then recurrent
    biases)."""

    def __init__(self, units, kernel_initializer='glorot_uniform',
                 recurrent_initializer='orthogonal',
                 bias_initializer='zeros', kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None,
                 return_sequences=False, return_state=False,
                 stateful=False, **kwargs):
        cell = _CuDNNGRUCell(
            units, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, reset_after=True,
            dtype=kwargs.get('dtype'), name='cu_dnngru_cell')
        self._cudnn_init(cell, return_sequences, return_state, stateful,
                         activity_regularizer, kwargs)

    def get_config(self):
        return self._cudnn_config({})


def _cell_scope_attribute(layer):
    """How a recurrent layer scopes its cell's weights: inside its own
    scope under the cell's name in a tf.keras program (not for the
    convolutional ones, which tf.keras names as Keras 2 does)."""
    scoped = common.is_tf_keras() and getattr(layer, '_scopes_its_cell',
                                               True)
    return '_scope_parent' if scoped else '_scope_replace'


def _cell_name(name):
    """The cell a recurrent layer makes for itself: tf.keras names it
    `name` without counting it (a user's first LSTMCell is still
    'lstm_cell'); Keras 2 counts it as any layer."""
    return {'name': name} if common.is_tf_keras() else {}


def _legacy(layer, kwargs, given, converted=False):
    """Keras 1 recurrent arguments (output_dim, init, inner_init,
    inner_activation, W_regularizer, dropout_W, consume_less, ...);
    `converted`: one was already rewritten (`forget_bias_init='one'`)."""
    names = ['units', 'activation', 'recurrent_activation', 'use_bias',
             'kernel_initializer', 'recurrent_initializer',
             'kernel_regularizer', 'recurrent_regularizer',
             'bias_regularizer', 'dropout', 'recurrent_dropout',
             'implementation']
    current = {n: given.get(n) for n in names}
    args = interfaces.legacy_args(type(layer).__name__, kwargs,
                                  interfaces.RECURRENT, current,
                                  recurrent=True, converted=converted)
    if args['units'] is None:
        raise TypeError("%s() missing required argument: 'units'"
                        % type(layer).__name__)
    if args['implementation'] is None:
        args['implementation'] = 2
    return args


def cell_layer_config(layer, base_config):
    """The config of a layer built around its own cell (LSTM, ConvLSTM2D,
    ...): the RNN options and the cell's arguments in one flat dict."""
    config = layer.cell.get_config()
    for key in ('name', 'trainable', 'dtype'):
        config.pop(key, None)
    config['activity_regularizer'] = regularizers.serialize(
        layer.activity_regularizer)
    base_config = dict(base_config)
    del base_config['cell']
    return dict(list(base_config.items()) + list(config.items()))


def cell_property(name):
    """A layer attribute read from its cell."""
    def getter(self):
        return getattr(self.cell, name)
    return property(getter)


for _cls in (SimpleRNN, GRU, LSTM):
    for _name in ('units', 'activation', 'use_bias', 'kernel_initializer',
                  'recurrent_initializer', 'bias_initializer',
                  'kernel_regularizer', 'recurrent_regularizer',
                  'bias_regularizer', 'kernel_constraint',
                  'recurrent_constraint', 'bias_constraint', 'dropout',
                  'recurrent_dropout', 'kernel', 'recurrent_kernel',
                  'bias'):
        setattr(_cls, _name, cell_property(_name))
for _cls in (GRU, LSTM):
    for _name in ('recurrent_activation', 'implementation'):
        setattr(_cls, _name, cell_property(_name))
GRU.reset_after = cell_property('reset_after')
LSTM.unit_forget_bias = cell_property('unit_forget_bias')


# Keras 2's module path of the Keras 1 recurrent base class.
from ..legacy.recurrent import (  # noqa: E402,F401
    Recurrent, _time_distributed_dense)
# Helpers of this module that custom cells and RNN wrappers import.
from .rnn_internals import (  # noqa: E402,F401
    _standardize_args, DropoutRNNCellMixin, reset_cell_dropout_masks,
    _generate_zero_filled_state, _generate_zero_filled_state_for_cell,
    _caching_device, _config_for_enable_caching_device)
