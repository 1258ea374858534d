"""Recurrent layers, embeddings and wrappers: values against a numpy step
implementation of the Keras formulas (fused and step-loop paths, with and
without masks), stateful carry, and bad-input errors."""
import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat import layers
from keras_compat.models import Sequential, Model

rng = np.random.RandomState(0)


def sigmoid(x):
    return 1. / (1. + np.exp(-x))


def hard_sigmoid(x):
    return np.clip(0.2 * x + 0.5, 0., 1.)


def np_rnn(kind, x, weights, mask=None, act=np.tanh, rec_act=sigmoid,
           reset_after=False, h0=None, c0=None):
    """Keras 2 recurrences; masked steps carry output and states over.
    Returns (outputs per step, final states)."""
    kernel, recurrent = weights[0], weights[1]
    bias = weights[2] if len(weights) > 2 else None
    n, steps, _ = x.shape
    units = recurrent.shape[0]
    h = np.zeros((n, units)) if h0 is None else h0
    c = np.zeros((n, units)) if c0 is None else c0
    prev = np.zeros((n, units))
    outputs = []
    for t in range(steps):
        xt = x[:, t]
        if kind == 'simple':
            new_h = act(xt @ kernel + (bias if bias is not None else 0) +
                        h @ recurrent)
            new_c = c
        elif kind == 'lstm':
            z = xt @ kernel + h @ recurrent + (bias if bias is not None
                                                else 0)
            i, f, g, o = np.split(z, 4, axis=-1)
            new_c = rec_act(f) * c + rec_act(i) * act(g)
            new_h = rec_act(o) * act(new_c)
        else:
            u = units
            if reset_after:
                xw = xt @ kernel + bias[0]
                hw = h @ recurrent + bias[1]
                z = rec_act(xw[:, :u] + hw[:, :u])
                r = rec_act(xw[:, u:2 * u] + hw[:, u:2 * u])
                hh = act(xw[:, 2 * u:] + r * hw[:, 2 * u:])
            else:
                xw = xt @ kernel + (bias if bias is not None else 0)
                z = rec_act(xw[:, :u] + h @ recurrent[:, :u])
                r = rec_act(xw[:, u:2 * u] + h @ recurrent[:, u:2 * u])
                hh = act(xw[:, 2 * u:] + (r * h) @ recurrent[:, 2 * u:])
            new_h = z * h + (1 - z) * hh
            new_c = c
        if mask is not None:
            keep = mask[:, t:t + 1]
            out = np.where(keep, new_h, prev)
            h = np.where(keep, new_h, h)
            c = np.where(keep, new_c, c)
        else:
            out = h = new_h
            c = new_c
        prev = out
        outputs.append(out)
    return np.stack(outputs, axis=1), (h, c)


def masked_input():
    x = rng.rand(4, 7, 3).astype(np.float32)
    mask = np.ones((4, 7), dtype=bool)
    mask[0, :3] = False
    mask[1, 5:] = False
    mask[2, 2] = mask[2, 4] = False
    mask[3, :] = False
    x[~mask] = 0.
    return x, mask


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
