"""`gru_loop`, the Keras 2 GRU (`reset_after=False`) step loop with a
hand-written backward pass: values and gradients against autograd through
a direct transcription of Keras 2's GRU step (hard_sigmoid or sigmoid
gates, masks, recurrent dropout, no bias, initial state), and the GRU
layer using it."""
import pytest
import torch

from keras_compat import layers
from keras_compat.backend.gru_loop import gru_loop
from recurrent_loop_checks import (
    assert_second_order_gradient_raises, assert_sgd_step_follows_formula,
    keras2_hard_sigmoid)


def keras2_gru(x, kernel, bias, recurrent, h, hard, rec_mask, mask):
    """Keras 2's GRUCell.call (implementation 2, reset_after=False) over
    time, as K.rnn runs it: the recurrent dropout mask multiplies the
    previous state before everything; at masked steps the state carries
    over and the output repeats the previous one (zeros before the first
    valid step). Keras layout weights (`kernel` `(features, 3 * units)`,
    gates z, r, h)."""
    gate = keras2_hard_sigmoid if hard else torch.sigmoid
    units = h.shape[1]
    outputs, prev = [], torch.zeros_like(h)
    for t in range(x.shape[1]):
        h_tm1 = h * rec_mask if rec_mask is not None else h
        matrix_x = x[:, t] @ kernel
        if bias is not None:
            matrix_x = matrix_x + bias
        matrix_inner = h_tm1 @ recurrent[:, :2 * units]
        x_z, x_r, x_h = matrix_x.split(units, dim=1)
        recurrent_z = matrix_inner[:, :units]
        recurrent_r = matrix_inner[:, units:2 * units]
        z = gate(x_z + recurrent_z)
        r = gate(x_r + recurrent_r)
        recurrent_h = (r * h_tm1) @ recurrent[:, 2 * units:]
        hh = torch.tanh(x_h + recurrent_h)
        new_h = z * h_tm1 + (1 - z) * hh
        if mask is not None:
            keep = mask[:, t:t + 1]
            new_h = torch.where(keep, new_h, h)
            out = torch.where(keep, new_h, prev)
        else:
            out = new_h
        outputs.append(out)
        h, prev = new_h, out
    return torch.stack(outputs, 1), h


CASES = [dict(hard=True), dict(hard=False), dict(hard=True, masked=True),
         dict(hard=True, dropout=True), dict(hard=False, dropout=True,
                                              masked=True),
         dict(hard=True, bias=False), dict(hard=True, masked=True,
                                           dropout=True, bias=False)]


@pytest.mark.parametrize('case', CASES, ids=lambda c: '-'.join(
    '%s=%s' % kv for kv in sorted(c.items())))
def test_values_and_gradients_match_keras_formula(case):
    gen = torch.Generator().manual_seed(1)
    batch, steps, features, units = 3, 6, 4, 5

    def randn(*shape):
        return (torch.randn(*shape, generator=gen, dtype=torch.float64)
                * 2.).requires_grad_()
    x, kernel = randn(batch, steps, features), randn(features, 3 * units)
    recurrent = randn(units, 3 * units)
    bias = randn(3 * units) if case.get('bias', True) else None
    h0 = randn(batch, units)
    rec_mask = None
    if case.get('dropout'):
        rec_mask = (torch.rand(batch, units, generator=gen) > 0.4).double() \
            / 0.6
    mask = None
    if case.get('masked'):
        mask = torch.rand(batch, steps, generator=gen) > 0.4
        mask[0] = False            # a sequence with no valid step
        mask[1, :3] = False        # leading padding
    weights = [w for w in (x, kernel, recurrent, bias, h0) if w is not None]
    seq, last, (h,) = gru_loop(x, kernel.t(), bias, recurrent.t(), h0,
                               case['hard'], rec_mask, mask)
    ref_seq, ref_h = keras2_gru(x, kernel, bias, recurrent, h0,
                                case['hard'], rec_mask, mask)
    for got, want in [(seq, ref_seq), (last, ref_seq[:, -1]), (h, ref_h)]:
        torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)
    probes = [torch.randn(t.shape, generator=gen, dtype=torch.float64)
              for t in (ref_seq, ref_h)]

    def loss(outputs):
        return sum((o * p).sum() for o, p in zip(outputs, probes))
    got = torch.autograd.grad(loss([seq, h]), weights)
    want = torch.autograd.grad(loss([ref_seq, ref_h]), weights)
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize('bias,recurrent,h0,gate', [
    ([-2.5, 2.5, 0.5], [1., 1., 1.], 0., 0),     # z at 0 (r at 1)
    ([0., 2.5, 0.], [0., 0., 1.], 1., 1),        # r at 1, through r * h
], ids=['update_gate', 'reset_gate'])
def test_hard_sigmoid_gradient_passes_at_the_clip_edges(bias, recurrent, h0,
                                                        gate):
    """Keras 2 clips with tf.clip_by_value, whose gradient passes where the
    value equals a bound; a gate at exactly 0.2 z + 0.5 = 0 or 1 keeps
    it."""
    x = torch.zeros(1, 1, 1)
    bias = torch.tensor(bias, requires_grad=True)
    kernel = torch.zeros(3, 1)
    recurrent = torch.tensor(recurrent).view(3, 1)
    h0 = torch.full((1, 1), h0)
    _, _, (h,) = gru_loop(x, kernel, bias, recurrent, h0, True)
    grad, = torch.autograd.grad(h.sum(), bias)
    ref_bias = bias.detach().clone().requires_grad_()
    _, ref_h = keras2_gru(x, kernel.t(), ref_bias, recurrent.t(), h0, True,
                          None, None)
    want, = torch.autograd.grad(ref_h.sum(), ref_bias)
    torch.testing.assert_close(grad, want)
    assert grad[gate] != 0


def test_second_order_gradient_raises():
    assert_second_order_gradient_raises(lambda x: gru_loop(
        x, torch.randn(6, 2), None, torch.randn(6, 2), torch.zeros(2, 2),
        True)[0])


def test_hard_sigmoid_gru_layer_trains_like_the_formula():
    """One SGD step of a GRU(hard_sigmoid) model with a masked embedding
    moves the weights as the gradient of the Keras formula says."""
    def final_state(xs, kernel, recurrent, bias, mask):
        _, h = keras2_gru(xs, kernel, bias, recurrent,
                          torch.zeros(6, 4, dtype=torch.float64), True,
                          None, mask)
        return h
    assert_sgd_step_follows_formula(
        layers.GRU(4, recurrent_activation='hard_sigmoid'), final_state)
