"""Idioms of recurrent libraries written against Keras 2.0-2.1 internals
(recurrentshop's RecurrentModel, seq2seq's decoders, attention decoders
subclassing `keras.layers.recurrent.Recurrent`): cells written as
functional models and unrolled with `K.rnn` by a `__call__` of the
layer's own that records its node with `_add_inbound_node`, inputs made
by hand with `Node(...)`, `_collect_previous_mask`, the star import of
`keras.layers`, and `K._GRAPH_LEARNING_PHASES`. Expected values come
from Keras 2.1.6 (on TensorFlow in TF1 mode) and tf_keras 2.21."""
import numpy as np

import keras_compat as keras
from keras_compat import activations, optimizers
from keras_compat import backend as K
from keras_compat.backend import tensorflow_backend
from keras_compat import tensorflow_compat as tf
from keras_compat.engine.topology import (Node, _collect_previous_mask,
                                          _collect_input_shape)
from keras_compat.layers import (Input, Dense, Activation, Embedding, Layer,
                                 InputSpec, TimeDistributed, Dropout, add)
from keras_compat.layers.recurrent import Recurrent
from keras_compat.models import Model


def _set_fixed(model):
    """Fixed weights by position, the variables that Keras 2.3 counts as
    weights (a placeholder's `K.zeros((2,))`) left as they are."""
    shapes = [w.shape for w in model.get_weights() if w.shape != (2,)]
    fixed = iter([(np.cos(np.arange(int(np.prod(s))) * 0.7 + i) * 0.4)
                  .reshape(s).astype('float32')
                  for i, s in enumerate(shapes)])
    model.set_weights([w if w.shape == (2,) else next(fixed)
                       for w in model.get_weights()])


class _Placeholder(Layer):
    """An output without inputs: a variable with a node made by hand."""

    def __init__(self, **kwargs):
        super(_Placeholder, self).__init__(**kwargs)
        self.tensor = K.zeros(shape=(2,))
        self.tensor._keras_shape = (2,)
        self.tensor._uses_learning_phase = False
        self.tensor._keras_history = (self, 0, 0)
        Node(self, inbound_layers=[], node_indices=[], tensor_indices=[],
             input_tensors=[], output_tensors=[self.tensor],
             input_masks=[None], output_masks=[None], input_shapes=[],
             output_shapes=[(2,)])
        self.build((2,))

    def call(self, inputs=None):
        return self.tensor


class _CellRNN(Recurrent):
    """A functional cell model unrolled with K.rnn; as a decoder it runs
    `output_length` steps over a dummy sequence, its input carried as a
    state."""

    def __init__(self, input, output, initial_states, final_states,
                 decode=False, output_length=None, **kwargs):
        self.model = Model([input] + initial_states, [output] + final_states)
        self.states = [None] * len(initial_states)
        self.decode, self.output_length = decode, output_length
        if decode:
            kwargs['return_sequences'] = True
        super(_CellRNN, self).__init__(**kwargs)
        shape = list(K.int_shape(input))
        if not decode:
            shape.insert(1, None)
        self.input_spec = InputSpec(shape=tuple(shape))

    def build(self, input_shape):
        self.built = True

    @property
    def trainable_weights(self):
        return self.model.trainable_weights

    def get_weights(self):
        return self.model.get_weights()

    def set_weights(self, weights):
        self.model.set_weights(weights)

    def __call__(self, inputs, initial_state=None, **kwargs):
        if not isinstance(inputs, list):
            inputs = [inputs] + (initial_state or [
                _Placeholder()._inbound_nodes[0].output_tensors[0]
                for _ in self.states])
        previous_mask = _collect_previous_mask(inputs[:1])
        input_shape = _collect_input_shape(inputs)
        output = self.call(inputs)
        self._add_inbound_node(
            input_tensors=inputs, output_tensors=output,
            input_masks=previous_mask, output_masks=None,
            input_shapes=input_shape,
            output_shapes=self.compute_output_shape(input_shape[0]),
            arguments=kwargs)
        return output

    def get_initial_state(self, inputs):
        z = K.zeros_like(inputs)[[slice(None)] + [0] * (K.ndim(inputs) - 1)]
        return [K.tile(K.reshape(z, (-1, 1)), (1, K.int_shape(s)[1]))
                for s in self.model.inputs[1:]]

    def call(self, inputs, mask=None, training=None):
        x, states = inputs[0], list(inputs[1:])
        if isinstance(getattr(states[0], '_keras_history', [None])[0],
                      _Placeholder):
            states = self.get_initial_state(x)
        steps = x
        if self.decode:
            states.insert(0, x)
            steps = K.zeros((1, self.output_length, 1))
        last, outputs, states = K.rnn(self.step, steps, states,
                                      input_length=self.output_length)
        return outputs if self.return_sequences else last

    def step(self, x, states):
        model_input = list(states) if self.decode else [x] + list(states)
        out = self.model.call(model_input)
        if self.decode:
            out.insert(1, model_input[0])
        return out[0], out[1:]

    def compute_output_shape(self, input_shape):
        units = K.int_shape(self.model.outputs[0])[-1]
        if self.decode:
            return (input_shape[0], self.output_length, units)
        if self.return_sequences:
            return (input_shape[0], input_shape[1], units)
        return (input_shape[0], units)

    def compute_mask(self, inputs, mask=None):
        return None


def _simple_cell(input_dim, units):
    x_t = Input((input_dim,))
    h_tm1 = Input((units,))
    h = Activation('tanh')(add([Dense(units)(x_t),
                                Dense(units, use_bias=False)(h_tm1)]))
    return dict(input=x_t, output=h, initial_states=[h_tm1],
                final_states=[h])


_X = (np.sin(np.arange(30.)).reshape(2, 5, 3) * 0.8).astype('float32')


def test_star_import_of_layers_gives_the_modules_keras2_leaked():
    names = {}
    exec('from keras_compat.layers import *', names)
    assert names['K'] is K
    assert names['activations'] is activations
    assert names['np'] is np
    for name in ('initializers', 'regularizers', 'constraints',
                 'InputSpec', 'Recurrent', 'Layer'):
        assert name in names


def test_node_made_by_hand_with_keras2_arguments():
    layer = _Placeholder()
    node = layer._inbound_nodes[0]
    assert node.output_tensors == [layer.tensor]
    assert node.output_masks == [None] and node.input_tensors == []
    assert node.output_shapes == [(2,)]


def test_cell_model_unrolled_by_its_own_call_predicts_and_trains():
    a = Input((5, 3))
    rnn = _CellRNN(return_sequences=True, **_simple_cell(3, 4))
    out = rnn(a)
    assert out._keras_history[0] is rnn and K.int_shape(out) == (None, 5, 4)
    model = Model(a, out)
    _set_fixed(model)
    # Keras 2.1.6
    np.testing.assert_allclose(model.predict(_X)[:, -1], [
        [0.1893093, -0.0775258, -0.3008457, -0.3775571],
        [0.2874015, -0.1618688, -0.4971678, -0.5857648]], atol=2e-6)
    model.compile(optimizers.SGD(lr=0.5), 'mse')
    y = np.cos(np.arange(40.)).reshape(2, 5, 4).astype('float32') * 0.5
    losses = [float(model.train_on_batch(_X, y)) for _ in range(3)]
    np.testing.assert_allclose(
        losses, [0.24841052, 0.16542578, 0.14234321], rtol=2e-6)
    np.testing.assert_allclose(model.predict(_X)[:, -1], [
        [-0.0090767, 0.2027023, -0.1990723, 0.0400912],
        [0.0563767, 0.1049455, -0.1274343, -0.0913252]], atol=2e-6)


def test_decoder_over_a_dummy_sequence_with_its_input_as_a_state():
    a = Input((5, 3))
    encoder = _CellRNN(**_simple_cell(3, 4))
    decoder = _CellRNN(decode=True, output_length=3, **_simple_cell(4, 4))
    model = Model(a, decoder(encoder(a)))
    _set_fixed(model)
    # Keras 2.1.6
    np.testing.assert_allclose(model.predict(_X)[:, -1], [
        [-0.3114411, -0.1638882, 0.0690519, 0.2647184],
        [-0.3559534, -0.2297515, 0.0144089, 0.250522]], atol=2e-6)
    model.compile(optimizers.SGD(lr=0.5), 'mse')
    y = np.cos(np.arange(24.)).reshape(2, 3, 4).astype('float32') * 0.5
    first = float(model.train_on_batch(_X, y))
    second = float(model.train_on_batch(_X, y))
    # The loss of Keras 2.1.6's forward pass, and after one step along
    # its central finite-difference gradient (h=1e-3).
    np.testing.assert_allclose(first, 0.21062482, rtol=1e-6)
    np.testing.assert_allclose(second, 0.16700942, atol=2e-6)


class _AttentionDecoder(Recurrent):
    """Bahdanau-style decoder: `call` keeps the sequence it attends to,
    `get_initial_state` and `step` are overridden."""

    def __init__(self, units, output_dim, **kwargs):
        self.units, self.output_dim = units, output_dim
        super(_AttentionDecoder, self).__init__(**kwargs)
        self.return_sequences = True

    def build(self, input_shape):
        self.batch_size, self.timesteps, self.input_dim = input_shape
        self.states = [None, None]

        def weight(shape, name):
            return self.add_weight(shape=shape, name=name,
                                   initializer='glorot_uniform')
        self.V_a = weight((self.units,), 'V_a')
        self.W_a = weight((self.units, self.units), 'W_a')
        self.U_a = weight((self.input_dim, self.units), 'U_a')
        self.C_s = weight((self.input_dim, self.units), 'C_s')
        self.U_s = weight((self.units, self.units), 'U_s')
        self.W_s = weight((self.output_dim, self.units), 'W_s')
        self.W_o = weight((self.units, self.output_dim), 'W_o')
        self.W_0 = weight((self.input_dim, self.units), 'W_0')
        self.input_spec = [InputSpec(shape=(self.batch_size, self.timesteps,
                                            self.input_dim))]
        self.built = True

    def call(self, x):
        self.x_seq = x
        flat = K.dot(K.reshape(x, (-1, self.input_dim)), self.U_a)
        self._uxpb = K.reshape(flat, (-1, self.timesteps, self.units))
        return super(_AttentionDecoder, self).call(x)

    def get_initial_state(self, inputs):
        s0 = activations.tanh(K.dot(inputs[:, 0], self.W_0))
        y0 = K.sum(K.zeros_like(inputs), axis=(1, 2))
        y0 = K.tile(K.expand_dims(y0), [1, self.output_dim])
        return [y0, s0]

    def step(self, x, states):
        ytm, stm = states
        _stm = K.repeat(stm, self.timesteps)
        et = K.dot(activations.tanh(K.dot(_stm, self.W_a) + self._uxpb),
                   K.expand_dims(self.V_a))
        at = K.exp(et)
        at /= K.repeat(K.sum(at, axis=1), self.timesteps)
        context = K.squeeze(K.batch_dot(at, self.x_seq, axes=1), axis=1)
        st = activations.tanh(K.dot(ytm, self.W_s) + K.dot(stm, self.U_s) +
                              K.dot(context, self.C_s))
        yt = activations.softmax(K.dot(st, self.W_o))
        return yt, [yt, st]

    def compute_output_shape(self, input_shape):
        return (None, self.timesteps, self.output_dim)


def test_attention_decoder_subclassing_recurrent():
    a = Input((4, 3))
    model = Model(a, _AttentionDecoder(5, 3)(Dense(3)(a)))
    _set_fixed(model)
    x = np.sin(np.arange(24.)).reshape(2, 4, 3).astype('float32')
    y = np.eye(3)[[[0, 1, 2, 1], [2, 2, 0, 1]]].astype('float32')
    # Keras 2.1.6
    np.testing.assert_allclose(model.predict(x)[:, -1], [
        [0.3334584, 0.3332424, 0.3332993],
        [0.3334647, 0.3332407, 0.3332947]], atol=1e-6)
    model.compile(optimizers.SGD(lr=0.5), 'categorical_crossentropy')
    losses = [float(model.train_on_batch(x, y)) for _ in range(3)]
    np.testing.assert_allclose(
        losses, [1.0984602, 1.0971242, 1.095771], rtol=1e-6)
    np.testing.assert_allclose(model.predict(x)[:, -1], [
        [0.3253262, 0.3348521, 0.3398217],
        [0.3253236, 0.3348638, 0.3398125]], atol=1e-6)


def test_previous_mask_only_where_a_layer_makes_one():
    # Keras 2.1.6 and tf_keras 2.21: no mask after a TimeDistributed Dense
    # of an unmasked input nor after a backend operation; one after
    # Embedding(mask_zero=True).
    a = Input((5, 3))
    dense = TimeDistributed(Dense(4))
    dense.supports_masking = True
    assert _collect_previous_mask([dense(a)]) is None
    assert getattr(K.exp(a), '_keras_mask', None) is None
    assert _collect_previous_mask([K.exp(a)]) is None
    ids = Input((4,))
    assert _collect_previous_mask(
        [Embedding(5, 3, mask_zero=True)(ids)]) is not None


def test_graph_learning_phases_put_back_the_running_phase():
    x = np.ones((2, 50), 'float32')
    model = keras.models.Sequential([Dropout(0.5, input_shape=(50,))])
    saved = K.learning_phase()
    K.set_learning_phase(1)
    assert K.learning_phase() == 1
    tensorflow_backend._GRAPH_LEARNING_PHASES[tf.get_default_graph()] = saved
    # The loop's phase again: predict runs without dropout.
    np.testing.assert_array_equal(model.predict(x), x)
    tensorflow_backend._GRAPH_LEARNING_PHASES[tf.get_default_graph()] = 1
    assert K.learning_phase() == 1
    del tensorflow_backend._GRAPH_LEARNING_PHASES[tf.get_default_graph()]
    np.testing.assert_array_equal(model.predict(x), x)
