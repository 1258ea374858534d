"""Keras 2.0's `keras.layers.recurrent.Recurrent` base class (a layer that
writes its timestep as `step(inputs, states)`), against numpy loops of the
same formulas: sequences, last outputs, returned states, masks, stateful
carry and reset, an attention decoder written in that style, and save /
load."""
import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat import activations
from keras_compat.engine.base_layer import InputSpec
from keras_compat.layers import Dense, Embedding, Input, LSTM
from keras_compat.layers.recurrent import Recurrent, _time_distributed_dense
from keras_compat.models import Model, Sequential, load_model

rng = np.random.RandomState(3)


class ElmanRNN(Recurrent):
    """h_t = tanh(x_t W + h_{t-1} U), written as Keras 2.0 layers were."""

    def __init__(self, units, **kwargs):
        self.units = units
        super(ElmanRNN, self).__init__(**kwargs)

    def build(self, input_shape):
        self.input_spec = [InputSpec(shape=input_shape)]
        self.states = [None]
        if self.stateful:
            self.reset_states()
        self.kernel = self.add_weight(shape=(input_shape[2], self.units),
                                      name='kernel',
                                      initializer='glorot_uniform')
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units), name='recurrent_kernel',
            initializer='orthogonal')
        self.built = True

    def step(self, inputs, states):
        h = K.tanh(K.dot(inputs, self.kernel) +
                   K.dot(states[0], self.recurrent_kernel))
        return h, [h]

    def get_config(self):
        config = super(ElmanRNN, self).get_config()
        config['units'] = self.units
        return config


def np_elman(x, W, U, h=None, mask=None, backwards=False):
    h = np.zeros((x.shape[0], U.shape[0])) if h is None else h
    outputs = [None] * x.shape[1]
    steps = range(x.shape[1])[::-1] if backwards else range(x.shape[1])
    for t in steps:
        new = np.tanh(x[:, t] @ W + h @ U)
        if mask is not None:
            keep = mask[:, t:t + 1]
            new = np.where(keep, new, h)
        h = new
        outputs[t] = h
    if backwards:
        outputs = outputs[::-1]
    return np.stack(outputs, 1), h


def test_step_subclass_matches_the_numpy_loop():
    x = rng.rand(4, 5, 3).astype('float32')
    model = Sequential([ElmanRNN(6, input_shape=(5, 3),
                                 return_sequences=True)])
    assert model.output_shape == (None, 5, 6)
    W, U = model.get_weights()
    expected, _ = np_elman(x, W, U)
    np.testing.assert_allclose(model.predict(x), expected, atol=1e-5)


def test_last_output_states_and_go_backwards():
    x = rng.rand(4, 5, 3).astype('float32')
    inputs = Input((5, 3))
    outputs = ElmanRNN(6, return_state=True, go_backwards=True)(inputs)
    assert len(outputs) == 2
    model = Model(inputs, outputs)
    assert model.output_shape == [(None, 6), (None, 6)]
    W, U = model.get_weights()
    _, last = np_elman(x, W, U, backwards=True)
    output, state = model.predict(x)
    np.testing.assert_allclose(output, last, atol=1e-5)
    np.testing.assert_allclose(state, last, atol=1e-5)


def test_masked_timesteps_carry_the_state():
    tokens = np.array([[1, 2, 0, 0], [3, 1, 2, 0]])
    model = Sequential([Embedding(4, 3, input_length=4, mask_zero=True),
                        ElmanRNN(5, return_sequences=True)])
    E, W, U = model.get_weights()
    expected, _ = np_elman(E[tokens], W, U, mask=tokens != 0)
    np.testing.assert_allclose(model.predict(tokens), expected, atol=1e-5)


def test_stateful_carry_and_reset():
    x = rng.rand(2, 3, 4).astype('float32')
    model = Sequential([ElmanRNN(5, batch_input_shape=(2, 3, 4),
                                 stateful=True)])
    W, U = model.get_weights()
    assert len(model.get_weights()) == 2
    first = model.predict(x, batch_size=2)
    second = model.predict(x, batch_size=2)
    _, h1 = np_elman(x, W, U)
    _, h2 = np_elman(x, W, U, h=h1)
    np.testing.assert_allclose(first, h1, atol=1e-5)
    np.testing.assert_allclose(second, h2, atol=1e-5)
    model.reset_states()
    np.testing.assert_allclose(model.predict(x, batch_size=2), h1, atol=1e-5)
    layer = model.layers[0]
    layer.reset_states([np.ones((2, 5))])
    _, from_ones = np_elman(x, W, U, h=np.ones((2, 5)))
    np.testing.assert_allclose(model.predict(x, batch_size=2), from_ones,
                               atol=1e-5)
    with pytest.raises(ValueError, match='expects 1 states'):
        layer.reset_states([np.ones((2, 5))] * 2)


def test_stateful_without_batch_size_says_how_to_give_it():
    with pytest.raises(ValueError, match='batch_input_shape'):
        Sequential([ElmanRNN(5, input_shape=(3, 4), stateful=True)])


def test_trains_saves_and_loads(tmp_path):
    x = rng.rand(8, 5, 3).astype('float32')
    y = rng.rand(8, 2).astype('float32')
    model = Sequential([ElmanRNN(6, input_shape=(5, 3)), Dense(2)])
    model.compile('sgd', 'mse')
    before = model.get_weights()[0].copy()
    losses = model.fit(x, y, epochs=3, verbose=0).history['loss']
    assert losses[-1] < losses[0]
    assert not np.allclose(before, model.get_weights()[0])
    path = str(tmp_path / 'elman.h5')
    model.save(path)
    loaded = load_model(path, custom_objects={'ElmanRNN': ElmanRNN})
    np.testing.assert_allclose(loaded.predict(x), model.predict(x),
                               atol=1e-6)
    assert loaded.layers[0].get_config()['return_sequences'] is False


def test_subclass_without_step_names_the_method():
    class NoStep(Recurrent):
        units = 2

        def build(self, input_shape):
            self.states = [None]
            self.built = True

    with pytest.raises(NotImplementedError, match='step'):
        Sequential([NoStep(input_shape=(3, 2))]).predict(np.ones((1, 3, 2)))


def test_time_distributed_dense_is_a_per_timestep_product():
    x = rng.rand(2, 4, 3).astype('float32')
    w = rng.rand(3, 5).astype('float32')
    b = rng.rand(5).astype('float32')
    out = K.eval(_time_distributed_dense(K.constant(x), K.constant(w),
                                         K.constant(b), input_dim=3,
                                         timesteps=4, output_dim=5))
    np.testing.assert_allclose(out, x @ w + b, rtol=1e-5)
    out = K.eval(_time_distributed_dense(K.constant(x), K.constant(w)))
    np.testing.assert_allclose(out, x @ w, rtol=1e-5)


class AttentionDecoder(Recurrent):
    """A Bahdanau decoder in the style of Keras 2.0 attention layers: it
    renames itself after the base constructor, keeps the input sequence
    from `call` for its step, and makes its own initial states."""

    def __init__(self, units, output_dim, name='AttentionDecoder', **kwargs):
        self.units = units
        self.output_dim = output_dim
        super(AttentionDecoder, self).__init__(**kwargs)
        self.name = name
        self.return_sequences = True

    def build(self, input_shape):
        self.batch_size, self.timesteps, self.input_dim = input_shape
        self.states = [None, None]
        shapes = {'V_a': (self.units,), 'W_a': (self.units, self.units),
                  'U_a': (self.input_dim, self.units), 'b_a': (self.units,),
                  'C_o': (self.input_dim, self.output_dim),
                  'U_o': (self.units, self.output_dim),
                  'W_o': (self.output_dim, self.output_dim),
                  'W_s': (self.input_dim, self.units)}
        for name, shape in shapes.items():
            setattr(self, name, self.add_weight(shape=shape, name=name,
                                                initializer='glorot_uniform'))
        self.input_spec = [InputSpec(shape=input_shape)]
        self.built = True

    def call(self, x):
        self.x_seq = x
        self._uxpb = _time_distributed_dense(
            x, self.U_a, b=self.b_a, input_dim=self.input_dim,
            timesteps=self.timesteps, output_dim=self.units)
        return super(AttentionDecoder, self).call(x)

    def get_initial_state(self, inputs):
        s0 = activations.tanh(K.dot(inputs[:, 0], self.W_s))
        y0 = K.tile(K.expand_dims(K.sum(K.zeros_like(inputs), axis=(1, 2))),
                    [1, self.output_dim])
        return [y0, s0]

    def step(self, x, states):
        ytm, stm = states
        _Wxstm = K.dot(K.repeat(stm, self.timesteps), self.W_a)
        et = K.dot(activations.tanh(_Wxstm + self._uxpb),
                   K.expand_dims(self.V_a))
        at = K.exp(et)
        at /= K.repeat(K.sum(at, axis=1), self.timesteps)
        context = K.squeeze(K.batch_dot(at, self.x_seq, axes=1), axis=1)
        yt = activations.softmax(K.dot(ytm, self.W_o) + K.dot(stm, self.U_o)
                                 + K.dot(context, self.C_o))
        st = activations.tanh(K.dot(context, self.W_s))
        return yt, [yt, st]

    def compute_output_shape(self, input_shape):
        return (None, self.timesteps, self.output_dim)


def test_attention_decoder_in_keras_2_0_style():
    x = rng.rand(3, 7, 4).astype('float32')
    inputs = Input(shape=(7, 4))
    decoder = AttentionDecoder(5, output_dim=3, name='attention_decoder_1')
    model = Model(inputs, decoder(inputs))
    assert model.layers[-1].name == 'attention_decoder_1'
    assert model.output_shape == (None, 7, 3)
    w = {name: K.get_value(getattr(decoder, name))
         for name in ['V_a', 'W_a', 'U_a', 'b_a', 'C_o', 'U_o', 'W_o', 'W_s']}
    uxpb = x @ w['U_a'] + w['b_a']
    s, y, expected = np.tanh(x[:, 0] @ w['W_s']), np.zeros((3, 3)), []
    for _ in range(7):
        at = np.exp(np.tanh(s[:, None] @ w['W_a'] + uxpb) @ w['V_a'][:, None])
        at /= at.sum(1, keepdims=True)
        context = (at * x).sum(1)
        z = y @ w['W_o'] + s @ w['U_o'] + context @ w['C_o']
        y = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
        s = np.tanh(context @ w['W_s'])
        expected.append(y)
    np.testing.assert_allclose(model.predict(x), np.stack(expected, 1),
                               atol=1e-5)
