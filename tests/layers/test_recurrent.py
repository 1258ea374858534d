"""Recurrent layers, embeddings and wrappers: values against a numpy step
implementation of the Keras formulas (fused and step-loop paths, with and
without masks), stateful carry, and bad-input errors."""
import numpy as np
import pytest
import torch

from keras2_reference import hard_sigmoid, masked_input, np_rnn, sigmoid
import keras_compat as keras
from keras_compat import layers, models
from keras_compat.models import Sequential, Model
from keras_compat import backend as K

rng = np.random.RandomState(0)


CASES = [
    ('lstm', lambda **kw: layers.LSTM(5, **kw), {}),
    ('lstm', lambda **kw: layers.LSTM(5, recurrent_activation='hard_sigmoid',
                                      **kw), {'rec_act': hard_sigmoid}),
    ('lstm', lambda **kw: layers.LSTM(5, activation='relu', **kw),
     {'act': lambda v: np.maximum(v, 0)}),
    ('gru', lambda **kw: layers.GRU(5, **kw), {}),
    ('gru', lambda **kw: layers.GRU(5, reset_after=True, **kw),
     {'reset_after': True}),
    ('simple', lambda **kw: layers.SimpleRNN(5, **kw), {}),
    ('simple', lambda **kw: layers.SimpleRNN(5, activation='sigmoid', **kw),
     {'act': sigmoid}),
]
IDS = ['lstm_fused', 'lstm_hard_sigmoid_loop', 'lstm_relu_loop',
       'gru_reset_before_loop', 'gru_reset_after_fused', 'simple_fused',
       'simple_sigmoid_loop']


@pytest.mark.parametrize('kind,make,options', CASES, ids=IDS)
@pytest.mark.parametrize('masked', [False, True])
def test_forward_matches_keras_formula(kind, make, options, masked):
    x, mask = masked_input()
    if not masked:
        x = rng.rand(4, 7, 3).astype(np.float32)
        mask = None
    inputs = layers.Input((7, 3))
    layer = make(return_sequences=True, return_state=True)
    head = layers.Masking(0.)(inputs) if masked else inputs
    outs = layer(head)
    model = Model(inputs, outs)
    weights = layer.get_weights()
    got = model.predict(x)
    expected_seq, (h, c) = np_rnn(kind, x.astype(np.float64), weights,
                                  mask=mask, **options)
    np.testing.assert_allclose(got[0], expected_seq, atol=2e-5)
    np.testing.assert_allclose(got[1], h, atol=2e-5)
    if kind == 'lstm':
        np.testing.assert_allclose(got[2], c, atol=2e-5)
    last_only = Model(inputs, make()(head))
    last_only.layers[-1].set_weights(weights)
    np.testing.assert_allclose(last_only.predict(x), expected_seq[:, -1],
                               atol=2e-5)


def test_go_backwards_reverses_time():
    x = rng.rand(2, 5, 3).astype(np.float32)
    layer = layers.LSTM(4, go_backwards=True, return_sequences=True)
    model = Sequential([layers.InputLayer(input_shape=(5, 3)), layer])
    expected, _ = np_rnn('lstm', x[:, ::-1].astype(np.float64),
                         layer.get_weights())
    np.testing.assert_allclose(model.predict(x), expected, atol=2e-5)


def test_weights_in_keras_layout_and_gate_order():
    lstm = layers.LSTM(3, input_shape=(4, 2))
    Sequential([lstm])
    kernel, recurrent, bias = lstm.get_weights()
    assert kernel.shape == (2, 12) and recurrent.shape == (3, 12)
    np.testing.assert_array_equal(bias, [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    assert [w.name for w in lstm.weights] == [
        'lstm_1/kernel:0', 'lstm_1/recurrent_kernel:0', 'lstm_1/bias:0']
    q = recurrent[:, :3]
    gru = layers.GRU(3, reset_after=True, input_shape=(4, 2))
    Sequential([gru])
    assert [w.shape for w in gru.get_weights()] == [(2, 9), (3, 9), (2, 9)]
    values = [rng.randn(*w.shape).astype(np.float32)
              for w in gru.get_weights()]
    gru.set_weights(values)
    for a, b in zip(gru.get_weights(), values):
        np.testing.assert_array_equal(a, b)


def test_recurrent_initializer_is_orthogonal():
    layer = layers.SimpleRNN(16, input_shape=(3, 2))
    Sequential([layer])
    u = layer.get_weights()[1]
    np.testing.assert_allclose(u @ u.T, np.eye(16), atol=1e-5)


def test_stateful_carry_equals_whole_sequence():
    x = rng.rand(3, 10, 4).astype(np.float32)
    whole_layer = layers.LSTM(5, return_sequences=True)
    whole = Sequential([layers.InputLayer(input_shape=(10, 4)),
                        whole_layer])
    stateful_layer = layers.LSTM(5, return_sequences=True, stateful=True)
    stateful = Sequential([layers.InputLayer(batch_input_shape=(3, 5, 4)),
                           stateful_layer])
    stateful_layer.set_weights(whole_layer.get_weights())
    expected = whole.predict(x)
    first = stateful.predict(x[:, :5], batch_size=3)
    second = stateful.predict(x[:, 5:], batch_size=3)
    np.testing.assert_allclose(np.concatenate([first, second], axis=1),
                               expected, atol=1e-5)
    stateful.reset_states()
    again = stateful.predict(x[:, :5], batch_size=3)
    np.testing.assert_allclose(again, first, atol=1e-6)


def test_reset_states_with_values_and_errors():
    layer = layers.GRU(2, stateful=True, batch_input_shape=(3, 4, 1))
    model = Sequential([layer])
    layer.reset_states([np.ones((3, 2))])
    np.testing.assert_array_equal(layer.states[0].numpy(), np.ones((3, 2)))
    with pytest.raises(ValueError, match='expected shape=\\(3, 2\\)'):
        layer.reset_states([np.ones((2, 2))])
    with pytest.raises(AttributeError, match='must be stateful'):
        layers.GRU(2).reset_states()


def test_stateful_states_survive_fit_and_are_detached():
    model = Sequential([layers.LSTM(4, stateful=True,
                                    batch_input_shape=(2, 3, 1)),
                        layers.Dense(1)])
    model.compile('sgd', 'mse')
    model.fit(rng.rand(4, 3, 1), rng.rand(4, 1), batch_size=2, epochs=1,
              shuffle=False, verbose=0)
    state = model.layers[0].states[0]
    assert not state.requires_grad and float(state.abs().sum()) > 0


def test_stateful_without_batch_size():
    with pytest.raises(ValueError, match='needs to know its batch size'):
        Sequential([layers.LSTM(4, stateful=True, input_shape=(3, 1))])


def test_stateful_wrong_batch_size():
    model = Sequential([layers.LSTM(4, stateful=True,
                                    batch_input_shape=(4, 3, 1)),
                        layers.Dense(1)])
    model.compile('sgd', 'mse')
    with pytest.raises(ValueError, match='can be divided by the batch size'):
        model.fit(rng.rand(6, 3, 1), rng.rand(6, 1), batch_size=4,
                  verbose=0)
    with pytest.raises(ValueError, match='stateful with batch size 4'):
        model.train_on_batch(rng.rand(3, 3, 1), rng.rand(3, 1))


def test_rnn_given_2d_input():
    with pytest.raises(ValueError, match='lstm_1.*expected ndim=3, found '
                                         'ndim=2'):
        Sequential([layers.LSTM(4, input_shape=(3,))])
    layer = layers.GRU(3)
    with pytest.raises(ValueError, match='expected ndim=3'):
        layer(torch.zeros(2, 5))


def test_embedding_mask_zero_feeds_lstm():
    model = Sequential([layers.Embedding(10, 3, mask_zero=True,
                                         input_length=5),
                        layers.LSTM(4)])
    emb, lstm = model.layers
    x = np.array([[0, 0, 3, 4, 5], [1, 2, 3, 0, 0]])
    vectors = emb.get_weights()[0][x].astype(np.float64)
    expected, _ = np_rnn('lstm', vectors, lstm.get_weights(), mask=x != 0)
    np.testing.assert_allclose(model.predict(x), expected[:, -1], atol=2e-5)
    assert emb.get_weights()[0].max() <= 0.05
    assert model.output_shape == (None, 4)


def test_embedding_builds_without_length_and_rejects_bad_index():
    model = Sequential([layers.Embedding(8, 2)])
    assert model.input_shape == (None, None)
    with pytest.raises(ValueError, match='index 9'):
        model.layers[0](torch.tensor([[1, 9]]))


def test_bidirectional_and_time_distributed():
    x = rng.rand(2, 5, 3).astype(np.float32)
    bi = layers.Bidirectional(layers.LSTM(4, return_sequences=True),
                              input_shape=(5, 3))
    model = Sequential([bi, layers.TimeDistributed(layers.Dense(2))])
    assert model.output_shape == (None, 5, 2)
    weights = bi.get_weights()
    assert len(weights) == 6
    assert bi.weights[0].name == 'bidirectional_1/forward_lstm_1/kernel:0'
    fw, _ = np_rnn('lstm', x.astype(np.float64), weights[:3])
    bw, _ = np_rnn('lstm', x[:, ::-1].astype(np.float64), weights[3:])
    merged = np.concatenate([fw, bw[:, ::-1]], axis=-1)
    kernel, bias = model.layers[1].get_weights()
    np.testing.assert_allclose(model.predict(x), merged @ kernel + bias,
                               atol=2e-5)
    for mode, fn in (('sum', np.add), ('mul', np.multiply),
                     ('ave', lambda a, b: (a + b) / 2)):
        layer = layers.Bidirectional(layers.SimpleRNN(3), merge_mode=mode,
                                     input_shape=(5, 3))
        m = Sequential([layer])
        w = layer.get_weights()
        a, _ = np_rnn('simple', x.astype(np.float64), w[:3])
        b, _ = np_rnn('simple', x[:, ::-1].astype(np.float64), w[3:])
        np.testing.assert_allclose(m.predict(x), fn(a[:, -1], b[:, -1]),
                                   atol=2e-5)


def test_functional_initial_state():
    inputs = layers.Input((4, 3))
    h0 = layers.Input((5,))
    c0 = layers.Input((5,))
    layer = layers.LSTM(5)
    out = layer(inputs, initial_state=[h0, c0])
    model = Model([inputs, h0, c0], out)
    x = rng.rand(2, 4, 3).astype(np.float32)
    h, c = rng.rand(2, 5), rng.rand(2, 5)
    expected, _ = np_rnn('lstm', x.astype(np.float64), layer.get_weights(),
                         h0=h, c0=c)
    np.testing.assert_allclose(model.predict([x, h, c]), expected[:, -1],
                               atol=2e-5)


def test_cells_api_and_custom_cell():
    x = rng.rand(2, 4, 3).astype(np.float32)
    layer = layers.RNN(layers.LSTMCell(5))
    model = Sequential([layers.InputLayer(input_shape=(4, 3)), layer])
    expected, _ = np_rnn('lstm', x.astype(np.float64), layer.get_weights())
    np.testing.assert_allclose(model.predict(x), expected[:, -1], atol=2e-5)

    class MinimalRNNCell(layers.Layer):
        def __init__(self, units, **kwargs):
            self.units = units
            self.state_size = units
            super(MinimalRNNCell, self).__init__(**kwargs)

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1],
                                                 self.units),
                                          initializer='uniform',
                                          name='kernel')
            self.recurrent_kernel = self.add_weight(
                shape=(self.units, self.units), initializer='uniform',
                name='recurrent_kernel')
            self.built = True

        def call(self, inputs, states):
            prev_output = states[0]
            h = keras.backend.dot(inputs, self.kernel)
            output = h + keras.backend.dot(prev_output,
                                           self.recurrent_kernel)
            return output, [output]

    cell = MinimalRNNCell(4)
    model = Sequential([layers.InputLayer(input_shape=(4, 3)),
                        layers.RNN(cell)])
    k, u = cell.get_weights()
    h = np.zeros((2, 4))
    for t in range(4):
        h = x[:, t] @ k + h @ u
    np.testing.assert_allclose(model.predict(x), h, atol=1e-5)
    stacked = layers.RNN([layers.GRUCell(3), layers.SimpleRNNCell(2)])
    model = Sequential([layers.InputLayer(input_shape=(4, 3)), stacked])
    assert model.output_shape == (None, 2)
    assert len(stacked.get_weights()) == 6


def test_recurrent_dropout_trains_and_is_off_at_inference():
    model = Sequential([layers.LSTM(4, dropout=0.3, recurrent_dropout=0.3,
                                    input_shape=(5, 2)), layers.Dense(1)])
    model.compile('rmsprop', 'mse')
    x, y = rng.rand(16, 5, 2), rng.rand(16, 1)
    model.fit(x, y, epochs=1, verbose=0)
    np.testing.assert_array_equal(model.predict(x), model.predict(x))


def test_keras1_recurrent_spellings():
    with pytest.warns(UserWarning):
        layer = layers.LSTM(output_dim=4, input_dim=3, input_length=6,
                            inner_activation='hard_sigmoid',
                            dropout_W=0.1, consume_less='gpu')
    model = Sequential([layer])
    assert model.input_shape == (None, 6, 3)
    assert layer.recurrent_activation is keras.activations.hard_sigmoid
    assert layer.dropout == 0.1 and layer.implementation == 2


def test_simple_rnn_accepts_deprecated_implementation():
    with pytest.warns(UserWarning, match='implementation'):
        layer = layers.SimpleRNN(3, implementation=2)
    assert layer.units == 3


@pytest.mark.parametrize('cls,n_states', [('SimpleRNN', 1), ('GRU', 1),
                                          ('LSTM', 2)])
def test_rnn_initial_state_from_fixed_tensors_in_a_graph(cls, n_states):
    # Keras 2 accepts variables as the initial state of a functional call:
    # they are used by every call of the model.
    import torch
    rng = np.random.RandomState(0)
    inputs = layers.Input((4, 3))
    init = [K.variable(rng.rand(2, 5)) for _ in range(n_states)]
    layer = getattr(layers, cls)(5)
    model = models.Model(inputs, layer(inputs, initial_state=init))
    model.compile('adam', 'mse')
    x = rng.rand(2, 4, 3).astype('float32')
    model.fit(x, rng.rand(2, 5), verbose=0)
    with torch.no_grad():
        expected = layer(torch.tensor(x), initial_state=init).numpy()
        from_zeros = layer(torch.tensor(x)).numpy()
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-5,
                               atol=1e-6)
    assert np.abs(expected - from_zeros).max() > 1e-3
    with pytest.raises(ValueError, match='mix of Keras tensors'):
        layer(inputs, initial_state=[layers.Input((5,)),
                                     K.variable(np.zeros((2, 5)))])


class _CellWithConstants(layers.Layer):
    def __init__(self, units, **kwargs):
        self.units = units
        self.state_size = units
        super(_CellWithConstants, self).__init__(**kwargs)

    def build(self, input_shape):
        if not isinstance(input_shape, list):
            raise TypeError('expects constants shape')
        step_shape, constant_shape = input_shape
        self.input_kernel = self.add_weight(
            shape=(step_shape[-1], self.units), initializer='ones',
            name='kernel')
        self.constant_kernel = self.add_weight(
            shape=(constant_shape[-1], self.units), initializer='ones',
            name='constant_kernel')
        self.built = True

    def call(self, inputs, states, constants):
        output = K.dot(inputs, self.input_kernel) + states[0] + \
            K.dot(constants[0], self.constant_kernel)
        return output, [output]

    def get_config(self):
        config = super(_CellWithConstants, self).get_config()
        config['units'] = self.units
        return config


@pytest.mark.parametrize('stacked', [False, True])
def test_rnn_cell_with_constants_builds_on_their_shapes(stacked):
    x, c = layers.Input((4, 2)), layers.Input((3,))
    cell = _CellWithConstants(5)
    rnn = layers.RNN([layers.SimpleRNNCell(2), cell] if stacked else cell)
    model = models.Model([x, c], rnn(x, constants=c))
    xs = np.ones((2, 4, 2), 'float32')
    cs = np.ones((2, 3), 'float32')
    if not stacked:
        # h_t = sum(x_t) + h_(t-1) + sum(c) = 2 + 3 + h_(t-1): 20 after 4.
        np.testing.assert_allclose(model.predict([xs, cs]),
                                   np.full((2, 5), 20.))
    config = rnn.get_config()
    with keras.utils.CustomObjectScope({'_CellWithConstants':
                                        _CellWithConstants}):
        again = layers.RNN.from_config(config)
    model2 = models.Model([x, c], again([x, c]))
    model2.set_weights(model.get_weights())
    np.testing.assert_allclose(model2.predict([xs, cs]),
                               model.predict([xs, cs]), rtol=1e-6)


@pytest.mark.parametrize('cls', ['LSTM', 'GRU'])
def test_identity_recurrent_initializer_is_per_gate(cls):
    layer = getattr(layers, cls)(3, recurrent_initializer='identity')
    layer(layers.Input((2, 4)))
    recurrent = layer.get_weights()[1]
    gates = recurrent.shape[1] // 3
    np.testing.assert_array_equal(recurrent,
                                  np.concatenate([np.eye(3)] * gates, 1))


def test_bidirectional_takes_constants_and_both_directions_states():
    x, c = layers.Input((4, 2)), layers.Input((3,))
    # As in Keras, the backward copy is made from the config: a custom
    # cell needs to be known by name.
    scope = keras.utils.CustomObjectScope(
        {'_CellWithConstants': _CellWithConstants})
    with scope:
        bidi = layers.Bidirectional(layers.RNN(_CellWithConstants(5)))
        with_states = layers.Bidirectional(
            layers.RNN(_CellWithConstants(5)))
    model = models.Model([x, c], bidi(x, constants=c))
    xs = np.ones((2, 4, 2), 'float32')
    cs = np.ones((2, 3), 'float32')
    # Each direction: h_t = 2 + 3 + h_(t-1), 20 after 4 steps.
    np.testing.assert_allclose(model.predict([xs, cs]),
                               np.full((2, 10), 20.))
    h = layers.Input((5,))
    states = [h, h]
    out = with_states(x, initial_state=states, constants=c)
    model = models.Model([x, h, c], out)
    np.testing.assert_allclose(
        model.predict([xs, np.ones((2, 5), 'float32'), cs]),
        np.full((2, 10), 21.))
    with pytest.raises(ValueError, match='initial_state'):
        layers.Bidirectional(layers.LSTM(3))(x, initial_state=h)
