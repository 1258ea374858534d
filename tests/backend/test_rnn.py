"""backend/rnn.py: the step loop (masking, direction) and the fused
kernels, against numpy recurrences written from the Keras formulas."""
import numpy as np
import torch

# `keras_compat.backend.rnn` is K.rnn; the module's functions are imported
# by name.
from keras_compat.backend.rnn import fused_rnn, step_loop


def _tanh_cell(w, u, b):
    def step(x_t, states):
        h = torch.tanh(x_t @ w + states[0] @ u + b)
        return h, [h]
    return step


def _np_tanh_rnn(x, w, u, b, mask=None, backwards=False):
    h = np.zeros((x.shape[0], u.shape[0]), 'float32')
    out_prev = np.zeros_like(h)
    outputs = []
    order = range(x.shape[1])[::-1] if backwards else range(x.shape[1])
    for t in order:
        new = np.tanh(x[:, t] @ w + h @ u + b)
        if mask is not None:
            keep = mask[:, t][:, None]
            new_out = np.where(keep, new, out_prev)
            h = np.where(keep, new, h)
        else:
            new_out = h = new
        outputs.append(new_out)
        out_prev = new_out
    return np.stack(outputs, 1), h


def _weights(seed, features=3, units=4):
    rng = np.random.RandomState(seed)
    return [rng.randn(*shape).astype('float32') * 0.5 for shape in
            [(features, units), (units, units), (units,)]]


def test_step_loop_runs_the_step_over_time():
    w, u, b = _weights(0)
    x = np.random.RandomState(1).randn(2, 5, 3).astype('float32')
    step = _tanh_cell(*(torch.from_numpy(a) for a in (w, u, b)))
    outputs, last, states = step_loop(step, torch.from_numpy(x),
                                      [torch.zeros(2, 4)])
    expected, h = _np_tanh_rnn(x, w, u, b)
    np.testing.assert_allclose(outputs.numpy(), expected, rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(last.numpy(), expected[:, -1], rtol=1e-5)
    np.testing.assert_allclose(states[0].numpy(), h, rtol=1e-5)


def test_step_loop_keeps_the_previous_step_where_masked_and_goes_back():
    w, u, b = _weights(2)
    x = np.random.RandomState(3).randn(2, 5, 3).astype('float32')
    mask = np.array([[1, 1, 0, 1, 0], [0, 1, 1, 1, 1]], bool)
    step = _tanh_cell(*(torch.from_numpy(a) for a in (w, u, b)))
    for backwards in (False, True):
        outputs, _, states = step_loop(
            step, torch.from_numpy(x), [torch.zeros(2, 4)],
            mask=torch.from_numpy(mask), go_backwards=backwards)
        expected, h = _np_tanh_rnn(x, w, u, b, mask, backwards)
        np.testing.assert_allclose(outputs.numpy(), expected, rtol=1e-5,
                                   atol=1e-6)
        np.testing.assert_allclose(states[0].numpy(), h, rtol=1e-5,
                                   atol=1e-6)
    # Before the first valid step the output is zeros.
    outputs, _, _ = step_loop(step, torch.from_numpy(x), [torch.zeros(2, 4)],
                              mask=torch.from_numpy(mask))
    np.testing.assert_array_equal(outputs.numpy()[1, 0], np.zeros(4))


def _sigmoid(z):
    return 1. / (1. + np.exp(-z))


def test_fused_lstm_is_the_keras_lstm_formula():
    rng = np.random.RandomState(4)
    features, units = 3, 2
    # Keras layout: kernel (features, 4 * units), gates i, f, c, o.
    kernel = rng.randn(features, 4 * units).astype('float32') * 0.5
    recurrent = rng.randn(units, 4 * units).astype('float32') * 0.5
    bias = rng.randn(4 * units).astype('float32') * 0.1
    x = rng.randn(2, 4, features).astype('float32')
    h0 = rng.randn(2, units).astype('float32')
    c0 = rng.randn(2, units).astype('float32')
    weights = [torch.from_numpy(kernel.T.copy()),
               torch.from_numpy(recurrent.T.copy()),
               torch.from_numpy(bias), torch.zeros(4 * units)]
    outputs, (h, c) = fused_rnn(
        'LSTM', torch.from_numpy(x),
        [torch.from_numpy(h0), torch.from_numpy(c0)], weights, True, False)
    h_np, c_np, expected = h0, c0, []
    for t in range(x.shape[1]):
        z = x[:, t] @ kernel + h_np @ recurrent + bias
        i, f, g, o = np.split(z, 4, axis=1)
        c_np = _sigmoid(f) * c_np + _sigmoid(i) * np.tanh(g)
        h_np = _sigmoid(o) * np.tanh(c_np)
        expected.append(h_np)
    np.testing.assert_allclose(outputs.numpy(), np.stack(expected, 1),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h.numpy(), h_np, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c.numpy(), c_np, rtol=1e-5, atol=1e-6)


def test_fused_simple_rnn_matches_the_step_loop():
    w, u, b = _weights(5)
    x = np.random.RandomState(6).randn(3, 4, 3).astype('float32')
    weights = [torch.from_numpy(w.T.copy()), torch.from_numpy(u.T.copy()),
               torch.from_numpy(b), torch.zeros(4)]
    outputs, (h,) = fused_rnn('RNN_TANH', torch.from_numpy(x),
                              [torch.zeros(3, 4)], weights, True, False)
    expected, h_np = _np_tanh_rnn(x, w, u, b)
    np.testing.assert_allclose(outputs.numpy(), expected, rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(h.numpy(), h_np, rtol=1e-5, atol=1e-6)
