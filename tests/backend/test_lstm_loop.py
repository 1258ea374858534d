"""`lstm_loop`, the LSTM step loop with a hand-written backward pass:
values and gradients against autograd through a direct transcription of
Keras 2's LSTM step (hard_sigmoid or sigmoid gates, masks, recurrent
dropout, no bias, initial states), and the LSTM layer using it."""
import pytest
import torch

from keras_compat import layers
from keras_compat.backend.lstm_loop import lstm_loop
from recurrent_loop_checks import (
    assert_second_order_gradient_raises, assert_sgd_step_follows_formula,
    keras2_hard_sigmoid)


def keras2_lstm(x, kernel, bias, recurrent, h, c, hard, rec_mask, mask):
    """Keras 2's LSTMCell.call over time, as K.rnn runs it: at masked
    steps the states carry over and the output repeats the previous one
    (zeros before the first valid step). Torch layout weights."""
    gate = keras2_hard_sigmoid if hard else torch.sigmoid
    outputs, prev = [], torch.zeros_like(h)
    for t in range(x.shape[1]):
        h_in = h * rec_mask if rec_mask is not None else h
        z = x[:, t] @ kernel.t() + h_in @ recurrent.t()
        if bias is not None:
            z = z + bias
        i, f, g, o = z.chunk(4, dim=1)
        new_c = gate(f) * c + gate(i) * torch.tanh(g)
        new_h = gate(o) * torch.tanh(new_c)
        if mask is not None:
            keep = mask[:, t:t + 1]
            new_h = torch.where(keep, new_h, h)
            new_c = torch.where(keep, new_c, c)
            out = torch.where(keep, new_h, prev)
        else:
            out = new_h
        outputs.append(out)
        h, c, prev = new_h, new_c, out
    return torch.stack(outputs, 1), [h, c]


CASES = [dict(hard=True), dict(hard=False), dict(hard=True, masked=True),
         dict(hard=True, dropout=True), dict(hard=False, dropout=True,
                                              masked=True),
         dict(hard=True, bias=False)]


@pytest.mark.parametrize('case', CASES, ids=lambda c: '-'.join(
    '%s=%s' % kv for kv in sorted(c.items())))
def test_values_and_gradients_match_keras_formula(case):
    gen = torch.Generator().manual_seed(1)
    batch, steps, features, units = 3, 6, 4, 5

    def randn(*shape):
        return (torch.randn(*shape, generator=gen, dtype=torch.float64)
                * 2.).requires_grad_()
    x, kernel = randn(batch, steps, features), randn(4 * units, features)
    recurrent = randn(4 * units, units)
    bias = randn(4 * units) if case.get('bias', True) else None
    h0, c0 = randn(batch, units), randn(batch, units)
    rec_mask = None
    if case.get('dropout'):
        rec_mask = (torch.rand(batch, units, generator=gen) > 0.4).double() \
            / 0.6
    mask = None
    if case.get('masked'):
        mask = torch.rand(batch, steps, generator=gen) > 0.4
        mask[0] = False            # a sequence with no valid step
        mask[1, :3] = False        # leading padding
    weights = [w for w in (x, kernel, recurrent, bias, h0, c0)
               if w is not None]
    seq, last, (h, c) = lstm_loop(x, kernel, bias, recurrent, h0, c0,
                                  case['hard'], rec_mask, mask)
    ref_seq, (ref_h, ref_c) = keras2_lstm(x, kernel, bias, recurrent, h0, c0,
                                          case['hard'], rec_mask, mask)
    for got, want in [(seq, ref_seq), (last, ref_seq[:, -1]), (h, ref_h),
                      (c, ref_c)]:
        torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)
    probes = [torch.randn(t.shape, generator=gen, dtype=torch.float64)
              for t in (ref_seq, ref_h, ref_c)]

    def loss(outputs):
        return sum((o * p).sum() for o, p in zip(outputs, probes))
    got = torch.autograd.grad(loss([seq, h, c]), weights)
    want = torch.autograd.grad(loss([ref_seq, ref_h, ref_c]), weights)
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w, rtol=1e-10, atol=1e-10)


def test_hard_sigmoid_gradient_passes_at_the_clip_edges():
    """Keras 2 clips with tf.clip_by_value, whose gradient passes where the
    value equals a bound; a gate at exactly 0.2 z + 0.5 = 0 or 1 keeps it."""
    units = 1
    x = torch.zeros(1, 1, 1)
    bias = torch.tensor([-2.5, 2.5, 1., 2.5], requires_grad=True)
    kernel = torch.zeros(4, 1)
    recurrent = torch.zeros(4, 1)
    h0 = torch.zeros(1, units)
    c0 = torch.ones(1, units)
    _, _, (h, c) = lstm_loop(x, kernel, bias, recurrent, h0, c0, True)
    grad, = torch.autograd.grad(c.sum() + h.sum(), bias)
    ref_bias = bias.detach().clone().requires_grad_()
    _, (ref_h, ref_c) = keras2_lstm(x, kernel, ref_bias, recurrent, h0, c0,
                                    True, None, None)
    want, = torch.autograd.grad(ref_c.sum() + ref_h.sum(), ref_bias)
    torch.testing.assert_close(grad, want)
    assert grad[0] != 0 and grad[1] != 0 and grad[3] != 0


def test_second_order_gradient_raises():
    assert_second_order_gradient_raises(lambda x: lstm_loop(
        x, torch.randn(8, 2), None, torch.randn(8, 2), torch.zeros(2, 2),
        torch.zeros(2, 2), True)[0])


def test_hard_sigmoid_lstm_layer_trains_like_the_formula():
    """One SGD step of an LSTM(hard_sigmoid) model with a masked embedding
    moves the weights as the gradient of the Keras formula says."""
    def final_state(xs, kernel, recurrent, bias, mask):
        zeros = torch.zeros(6, 4, dtype=torch.float64)
        _, (h, _) = keras2_lstm(xs, kernel.t(), bias, recurrent.t(), zeros,
                                zeros, True, None, mask)
        return h
    assert_sgd_step_follows_formula(
        layers.LSTM(4, recurrent_activation='hard_sigmoid'), final_state)
