"""Keras 2.0's recurrent base class, `keras.layers.recurrent.Recurrent`,
and its helper `_time_distributed_dense`.

Before Keras 2.1 moved recurrent layers onto cells (`keras.layers.RNN`),
a recurrent layer subclassed `Recurrent` and wrote its timestep as
`step(inputs, states)`. Third-party layers of that time (attention
decoders, custom LSTM variants) still do; this base runs them."""
import numpy as np

from .. import backend as K
from ..engine.base_layer import Layer, InputSpec


def _time_distributed_dense(x, w, b=None, dropout=None, input_dim=None,
                            output_dim=None, timesteps=None, training=None):
    """`x (batch, timesteps, input_dim) . w + b` for every timestep at once,
    with one input dropout pattern shared by all timesteps (Keras 2.0's
    helper of the same name)."""
    if not input_dim:
        input_dim = K.shape(x)[2]
    if not timesteps:
        timesteps = K.shape(x)[1]
    if not output_dim:
        output_dim = K.int_shape(w)[1]
    if dropout is not None and 0. < dropout < 1.:
        ones = K.ones_like(K.reshape(x[:, 0, :], (-1, input_dim)))
        dropout_matrix = K.dropout(ones, dropout)
        expanded = K.repeat(dropout_matrix, timesteps)
        x = K.in_train_phase(x * expanded, x, training=training)
    x = K.reshape(x, (-1, input_dim))
    x = K.dot(x, w)
    if b is not None:
        x = K.bias_add(x, b)
    return K.reshape(x, (-1, timesteps, output_dim))


class Recurrent(Layer):
    """Abstract base of Keras 2.0's recurrent layers.

    A subclass defines `units`, `build` (creating its weights and setting
    `self.states` to a list with one entry per state, `None` until a
    stateful layer creates its variables) and `step(inputs, states)`,
    returning `(output, new_states)`. It may override
    `get_initial_state(inputs)` (zeros of shape (batch, units) by
    default), `get_constants(inputs, training)` (extra tensors appended to
    the states of every step) and `preprocess_input(inputs, training)`
    (applied to the whole sequence before the loop). `call` runs the step
    over time with `K.rnn`, honouring `return_sequences`, `return_state`,
    `go_backwards`, `stateful` (the last states carried to the next batch)
    and masks, as Keras 2.0 did."""

    def __init__(self, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False,
                 implementation=0, **kwargs):
        super(Recurrent, self).__init__(**kwargs)
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.implementation = implementation
        self.supports_masking = True
        self.input_spec = [InputSpec(ndim=3)]
        self.state_spec = None
        self.dropout = 0
        self.recurrent_dropout = 0

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        if self.return_sequences:
            output_shape = (input_shape[0], input_shape[1], self.units)
        else:
            output_shape = (input_shape[0], self.units)
        if self.return_state:
            return [output_shape] + [(input_shape[0], self.units)
                                     for _ in self.states]
        return output_shape

    def compute_mask(self, inputs, mask):
        if isinstance(mask, list):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None for _ in self.states]
        return output_mask

    def step(self, inputs, states):
        raise NotImplementedError(
            '%s subclasses Recurrent without defining its timestep: write '
            '`step(self, inputs, states)` returning `(output, new_states)`.'
            % type(self).__name__)

    def get_constants(self, inputs, training=None):
        return []

    def get_initial_state(self, inputs):
        """Zeros of shape (batch, units), one per state."""
        initial_state = K.zeros_like(inputs)
        initial_state = K.sum(initial_state, axis=(1, 2))
        initial_state = K.expand_dims(initial_state)
        initial_state = K.tile(initial_state, [1, self.units])
        return [initial_state for _ in range(len(self.states))]

    def get_initial_states(self, inputs):
        """Keras 1's and early Keras 2.0's name of `get_initial_state`."""
        return self.get_initial_state(inputs)

    def _first_states(self, inputs):
        """The states a sequence starts from: those of `get_initial_states`
        where a subclass overrides that older name (attention decoders
        written for Keras 2.0 start from states of several sizes), else
        those of `get_initial_state`."""
        if type(self).get_initial_states is not Recurrent.get_initial_states:
            return self.get_initial_states(inputs)
        return self.get_initial_state(inputs)

    def preprocess_input(self, inputs, training=None):
        return inputs

    def call(self, inputs, mask=None, training=None, initial_state=None):
        if isinstance(inputs, list):
            initial_state = inputs[1:]
            inputs = inputs[0]
        elif initial_state is not None:
            initial_state = list(initial_state) \
                if isinstance(initial_state, (list, tuple)) \
                else [initial_state]
        elif self.stateful:
            initial_state = self.states
        else:
            initial_state = self._first_states(inputs)
        if isinstance(mask, list):
            mask = mask[0]
        if len(initial_state) != len(self.states):
            raise ValueError('Layer has ' + str(len(self.states)) +
                             ' states but was passed ' +
                             str(len(initial_state)) + ' initial states.')
        timesteps = K.int_shape(inputs)[1]
        if self.unroll and timesteps in [None, 1]:
            raise ValueError('Cannot unroll a RNN if the time dimension is '
                             'undefined or equal to 1.')
        constants = self.get_constants(inputs, training=None)
        preprocessed_input = self.preprocess_input(inputs, training=None)
        last_output, outputs, states = K.rnn(
            self.step, preprocessed_input, initial_state,
            go_backwards=self.go_backwards, mask=mask, constants=constants,
            unroll=self.unroll, input_length=timesteps)
        if self.stateful:
            for variable, value in zip(self.states, states):
                K.update(variable, value)
        output = outputs if self.return_sequences else last_output
        if self.return_state:
            return [output] + list(states)
        return output

    def reset_states(self, states=None):
        """Zeros the carried states (creating their variables on the first
        call), or sets them from Numpy arrays."""
        if not self.stateful:
            raise AttributeError('Layer must be stateful.')
        batch_size = self.input_spec[0].shape[0] \
            if self.input_spec[0].shape else None
        if not batch_size:
            raise ValueError('If a RNN is stateful, it needs to know '
                             'its batch size. Specify the batch size '
                             'of your input tensors: \n'
                             '- If using a Sequential model, '
                             'specify the batch size by passing '
                             'a `batch_input_shape` '
                             'argument to your first layer.\n'
                             '- If using the functional API, specify '
                             'the time dimension by passing a '
                             '`batch_shape` argument to your Input layer.')
        if self.states[0] is None:
            self.states = [K.zeros((batch_size, self.units))
                           for _ in self.states]
            return
        if states is None:
            for state in self.states:
                K.set_value(state, np.zeros((batch_size, self.units)))
            return
        states = list(states) if isinstance(states, (list, tuple)) \
            else [states]
        if len(states) != len(self.states):
            raise ValueError('Layer ' + self.name + ' expects ' +
                             str(len(self.states)) + ' states, '
                             'but it received ' + str(len(states)) +
                             ' state values. Input received: ' + str(states))
        for index, (value, state) in enumerate(zip(states, self.states)):
            if value.shape != (batch_size, self.units):
                raise ValueError('State ' + str(index) +
                                 ' is incompatible with layer ' +
                                 self.name + ': expected shape=' +
                                 str((batch_size, self.units)) +
                                 ', found shape=' + str(value.shape))
            K.set_value(state, value)

    def get_config(self):
        config = {'return_sequences': self.return_sequences,
                  'return_state': self.return_state,
                  'go_backwards': self.go_backwards,
                  'stateful': self.stateful,
                  'unroll': self.unroll,
                  'implementation': self.implementation}
        base_config = super(Recurrent, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))
