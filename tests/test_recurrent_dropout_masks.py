"""Dropout masks of the recurrent layers, drawn and applied as Keras draws
and applies them. Keras 2.2/2.3 (layers/recurrent.py) and tf_keras 2.21
draw one input mask and one recurrent mask per gate (LSTM 4, GRU 3), the
same at every timestep; with `implementation=1` every gate takes its own,
with 2 mask [0] serves all gates (Keras 2 then also feeds the masked state
to GRU's final interpolation). tf.keras switches a cell with recurrent
dropout to implementation 1, and its LSTM/GRU layers on the fused kernel
draw one mask of the whole input sequence's shape (a new mask at every
timestep).

The structural checks replace the mask generator by recorded 0/2 masks and
compare with the Keras cell formulas written out in numpy; the
statistical checks compare the mean and std of 4000 Monte-Carlo dropout
outputs with those measured in tf_keras 2.21 (eager calls) and Keras
2.3.1."""
import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat.backend import common
from keras_compat.layers import recurrent

T, F, U = 5, 3, 4


@pytest.fixture
def tf_keras():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


@pytest.fixture
def drawn(monkeypatch):
    """Records the masks the layers draw: 0/2 values, so that the masks of
    different gates differ."""
    rng = np.random.RandomState(3)
    masks = []

    def fake_mask(like, rate):
        mask = (rng.rand(*like.shape) < 0.5).astype('float32') * 2.
        masks.append(mask)
        return torch.as_tensor(mask, dtype=like.dtype)
    monkeypatch.setattr(recurrent, '_dropout_mask', fake_mask)
    return masks


def sigmoid(v):
    return 1. / (1. + np.exp(-v))


def hard_sigmoid(v):
    return np.clip(0.2 * v + 0.5, 0., 1.)


def keras_lstm(x, weights, dp, rec, act=sigmoid):
    """Keras's LSTMCell.call over time: dp[g] and rec[g] mask the input
    and the previous state of gate g (i, f, c, o)."""
    kernel, recurrent_kernel, bias = weights
    h = c = np.zeros((x.shape[0], U))
    k, r, b = np.split(kernel, 4, 1), np.split(recurrent_kernel, 4, 1), \
        np.split(bias, 4)
    for t in range(x.shape[1]):
        z = [(x[:, t] * dp[g]) @ k[g] + b[g] + (h * rec[g]) @ r[g]
             for g in range(4)]
        c = act(z[1]) * c + act(z[0]) * np.tanh(z[2])
        h = act(z[3]) * np.tanh(c)
    return h


def keras_gru(x, weights, dp, rec, reset_after, mix_masked=False):
    """Keras's GRUCell.call over time (gates z, r, h). `mix_masked`:
    Keras 2's implementation=2 interpolates with the masked state."""
    kernel, recurrent_kernel, bias = weights
    b_in, b_rec = (bias[0], bias[1]) if reset_after else \
        (bias, np.zeros_like(bias))
    k, r = np.split(kernel, 3, 1), np.split(recurrent_kernel, 3, 1)
    bi, br = np.split(b_in, 3), np.split(b_rec, 3)
    h = np.zeros((x.shape[0], U))
    for t in range(x.shape[1]):
        xz, xr, xh = [(x[:, t] * dp[g]) @ k[g] + bi[g] for g in range(3)]
        z = sigmoid(xz + (h * rec[0]) @ r[0] + br[0])
        rr = sigmoid(xr + (h * rec[1]) @ r[1] + br[1])
        if reset_after:
            hh = np.tanh(xh + rr * ((h * rec[2]) @ r[2] + br[2]))
        else:
            hh = np.tanh(xh + (rr * h * rec[2]) @ r[2])
        h = z * (h * rec[0] if mix_masked else h) + (1. - z) * hh
    return h


def run(layer, x):
    """The layer's training-mode output on `x` with seeded weights."""
    layer(torch.as_tensor(x))
    rng = np.random.RandomState(1)
    layer.set_weights([rng.uniform(-1, 1, w.shape).astype('float32')
                       for w in layer.get_weights()])
    return np.asarray(layer(torch.as_tensor(x), training=True).detach()), \
        layer.get_weights()


def inputs(batch=6):
    return np.random.RandomState(0).uniform(-1, 1, (batch, T, F)).astype(
        'float32')


@pytest.mark.parametrize('recurrent_activation', ['sigmoid', 'hard_sigmoid'])
def test_lstm_implementation_1_has_a_mask_per_gate(drawn,
                                                   recurrent_activation):
    x = inputs()
    out, weights = run(keras.layers.LSTM(
        U, dropout=0.3, recurrent_dropout=0.3, implementation=1,
        recurrent_activation=recurrent_activation), x)
    assert [m.shape for m in drawn] == [(6, F)] * 4 + [(6, U)] * 4
    act = sigmoid if recurrent_activation == 'sigmoid' else hard_sigmoid
    np.testing.assert_allclose(
        out, keras_lstm(x, weights, drawn[:4], drawn[4:], act), atol=1e-5)


def test_lstm_implementation_1_input_dropout_only(drawn):
    # The fused kernel, each gate's projection of its own masked input.
    x = inputs()
    out, weights = run(keras.layers.LSTM(U, dropout=0.3, implementation=1),
                       x)
    assert len(drawn) == 4
    np.testing.assert_allclose(
        out, keras_lstm(x, weights, drawn, [1.] * 4), atol=1e-5)


def test_lstm_implementation_2_shares_mask_0(drawn):
    x = inputs()
    out, weights = run(keras.layers.LSTM(
        U, dropout=0.3, recurrent_dropout=0.3, implementation=2), x)
    dp, rec = drawn
    np.testing.assert_allclose(
        out, keras_lstm(x, weights, [dp] * 4, [rec] * 4), atol=1e-5)


@pytest.mark.parametrize('reset_after', [False, True])
def test_gru_implementation_1_has_a_mask_per_gate(drawn, reset_after):
    x = inputs()
    out, weights = run(keras.layers.GRU(
        U, dropout=0.3, recurrent_dropout=0.3, implementation=1,
        reset_after=reset_after), x)
    assert [m.shape for m in drawn] == [(6, F)] * 3 + [(6, U)] * 3
    np.testing.assert_allclose(
        out, keras_gru(x, weights, drawn[:3], drawn[3:], reset_after),
        atol=1e-5)


def test_gru_implementation_2_interpolates_the_masked_state(drawn):
    # Keras 2's `h_tm1 *= rec_dp_mask[0]` rebinds the state for the whole
    # step.
    x = inputs()
    out, weights = run(keras.layers.GRU(
        U, dropout=0.3, recurrent_dropout=0.3, implementation=2,
        reset_after=False), x)
    dp, rec = drawn
    np.testing.assert_allclose(
        out, keras_gru(x, weights, [dp] * 3, [rec] * 3, False,
                       mix_masked=True), atol=1e-5)


def test_tf_keras_recurrent_dropout_runs_implementation_1(tf_keras, drawn):
    x = inputs()
    layer = keras.layers.GRU(U, dropout=0.3, recurrent_dropout=0.3,
                             implementation=2)
    assert layer.get_config()['implementation'] == 1
    assert keras.layers.LSTMCell(U, recurrent_dropout=0.1).implementation \
        == 1
    assert keras.layers.LSTM(U, dropout=0.1).implementation == 2
    out, weights = run(layer, x)
    np.testing.assert_allclose(
        out, keras_gru(x, weights, drawn[:3], drawn[3:], True), atol=1e-5)


def test_keras2_keeps_implementation_2_with_recurrent_dropout():
    layer = keras.layers.LSTM(U, recurrent_dropout=0.1)
    assert layer.get_config()['implementation'] == 2


@pytest.mark.parametrize('implementation', [1, 2])
def test_tf_keras_fused_layer_masks_every_timestep(tf_keras, drawn,
                                                   implementation):
    # tf.keras's fused LSTM draws the mask with the inputs' shape and
    # applies mask [0] whatever the implementation.
    x = inputs()
    out, weights = run(keras.layers.LSTM(
        U, dropout=0.3, implementation=implementation), x)
    (mask,) = drawn
    assert mask.shape == (6, T, F)
    ones = [1.] * 4
    np.testing.assert_allclose(
        out, keras_lstm(x * mask, weights, ones, ones), atol=1e-5)


def test_tf_keras_cell_path_masks_are_constant_over_time(tf_keras, drawn):
    # Without biases tf.keras's LSTM runs its cell: masks per sequence.
    x = inputs()
    out, weights = run(keras.layers.LSTM(
        U, dropout=0.3, use_bias=False, implementation=1), x)
    assert [m.shape for m in drawn] == [(6, F)] * 4
    np.testing.assert_allclose(
        out, keras_lstm(x, weights + [np.zeros(4 * U)], drawn, [1.] * 4),
        atol=1e-5)


def test_lstm_per_gate_recurrent_masks_gradients(drawn):
    # The hand-written loop's backward pass against autograd through the
    # Keras formula.
    x = torch.as_tensor(inputs(), dtype=torch.float64)
    layer = keras.layers.LSTM(U, recurrent_dropout=0.3, implementation=1,
                              dtype='float64')
    layer(x)
    out = layer(x, training=True)
    out.sum().backward()
    grads = [layer.cell.weight_ih.grad, layer.cell.weight_hh.grad]
    masks = [torch.as_tensor(m, dtype=torch.float64) for m in drawn[-4:]]
    w_ih = layer.cell.weight_ih.detach().clone().requires_grad_()
    w_hh = layer.cell.weight_hh.detach().clone().requires_grad_()
    bias = layer.cell.bias_ih.detach()
    h = c = torch.zeros(6, U, dtype=torch.float64)
    for t in range(T):
        z = x[:, t] @ w_ih.t() + bias + torch.cat(
            [(h * m) @ w.t() for m, w in zip(masks, w_hh.chunk(4))], -1)
        i, f, g, o = z.chunk(4, -1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
    expected = torch.autograd.grad(h.sum(), [w_ih, w_hh])
    np.testing.assert_allclose(out.detach().numpy(), h.detach().numpy(),
                               atol=1e-12)
    for got, want in zip(grads, expected):
        np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-12)


def monte_carlo(layer, n=4000):
    """Mean and std over `n` dropout draws of one sample's output (the
    samples of a batch draw independent masks)."""
    torch.manual_seed(0)
    x = np.repeat(inputs(1), n, axis=0)
    out, _ = run(layer, x)
    return out.mean(0), out.std(0)


@pytest.mark.parametrize('implementation, mean, std', [
    # Keras 2.3.1, predict on 4000 copies of one sample.
    (1, [-0.362, -0.431, -0.078, -0.480], [0.149, 0.149, 0.056, 0.088]),
    (2, [-0.338, -0.428, -0.069, -0.497], [0.149, 0.013, 0.033, 0.018]),
])
def test_keras2_lstm_dropout_distribution(implementation, mean, std):
    got_mean, got_std = monte_carlo(keras.layers.LSTM(
        U, dropout=0.3, implementation=implementation))
    np.testing.assert_allclose(got_mean, mean, atol=0.015)
    np.testing.assert_allclose(got_std, std, atol=0.01)


@pytest.mark.parametrize('kwargs, mean, std', [
    # tf_keras 2.21, eager calls on 4000 copies of one sample.
    (dict(dropout=0.3), [-0.359, -0.446, -0.067, -0.490],
     [0.136, 0.090, 0.034, 0.048]),
    (dict(dropout=0.3, recurrent_dropout=0.3),
     [-0.347, -0.428, -0.074, -0.467], [0.174, 0.177, 0.058, 0.117]),
])
def test_tf_keras_lstm_dropout_distribution(tf_keras, kwargs, mean, std):
    got_mean, got_std = monte_carlo(keras.layers.LSTM(U, **kwargs))
    np.testing.assert_allclose(got_mean, mean, atol=0.015)
    np.testing.assert_allclose(got_std, std, atol=0.01)
