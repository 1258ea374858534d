"""Keras's LSTM recurrence as one autograd node, for the LSTMs torch's
fused kernel cannot run: Keras 2.2's `recurrent_activation='hard_sigmoid'`,
or recurrent dropout.

Stepping such an LSTM in Python while recording every step for autograd
costs more than the step itself at Keras sizes. `lstm_loop` runs the steps
without autograd, keeps what the backward pass needs in preallocated
buffers, and computes the gradients through time by hand in one backward
node (first order only: a gradient of these gradients raises). Inside,
values are feature-major (`(units, batch)`) and the gates are ordered o, i,
f, g, so that each elementwise operation of a step reads contiguous
memory and the recurrent activation runs on three gates at once."""
import torch

from .loop_common import (feature_major_masks, gate_derivatives,
                          gradient_rows, input_gradients, input_projections,
                          reorder_gates, run_loop)

_KERAS_TO_LOOP = [3, 0, 1, 2]    # Keras's i, f, c, o -> o, i, f, g
_LOOP_TO_KERAS = [1, 2, 3, 0]


class _LSTMLoop(torch.autograd.Function):
    """Keras's LSTM layer computation (gates i, f, c, o; tanh activation;
    `hard_sigmoid` or `sigmoid` recurrent activation) on `x` `(batch,
    time, features)` with `weight_ih` `(4 * units, features)`, `bias`
    `(4 * units,)` or None and `weight_hh` `(4 * units, units)`, from `h0`,
    `c0` `(batch, units)`. `rec_mask`: recurrent dropout mask `(batch,
    units)`, one per gate `(4, batch, units)` (Keras's implementation=1),
    or None; `keep`: bool `(time, batch)`, False where a step is
    masked (the states carry over), or None. Returns the hidden state of
    every step `(time, units, batch)` and the last cell state `(units,
    batch)`."""

    @staticmethod
    def forward(ctx, x, weight_ih, bias, weight_hh, h0, c0, rec_mask, keep,
                hard):
        units = h0.shape[1]
        w_ih = reorder_gates(weight_ih, units, _KERAS_TO_LOOP)
        weight = reorder_gates(weight_hh, units, _KERAS_TO_LOOP)
        z = input_projections(x, w_ih, None if bias is None else
                              reorder_gates(bias, units, _KERAS_TO_LOOP))
        if rec_mask is not None and rec_mask.dim() == 3:
            rec_mask = rec_mask[_KERAS_TO_LOOP]
        rec, kept = feature_major_masks(rec_mask, keep)
        acts, h, c, tanh_c = _run_steps(z, weight, h0, c0, rec, kept, hard)
        ctx.hard, ctx.has_bias = hard, bias is not None
        ctx.save_for_backward(x, w_ih, weight, z, acts, h, c, tanh_c,
                              rec, kept)
        return h[1:], c[-1]

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_hs, grad_c_last):
        x, w_ih, weight, z, acts, h, c, tanh_c, rec, kept = \
            ctx.saved_tensors
        units = tanh_c.shape[1]
        dh0, dc0, d_z = _recurrent_backward(
            ctx.hard, weight, z, acts, h, c, tanh_c, rec, kept, grad_hs,
            grad_c_last)
        # The weight gradients as single products over time x batch.
        d_z_rows = gradient_rows(d_z)
        grad_hh = _recurrent_weight_gradient(d_z_rows, h[:-1], rec)
        grad_x, grad_ih, grad_bias = input_gradients(
            d_z_rows, x, w_ih, ctx.needs_input_grad[0], ctx.has_bias)
        keras = [None if g is None else reorder_gates(g, units,
                                                      _LOOP_TO_KERAS)
                 for g in (grad_ih, grad_bias, grad_hh)]
        return (grad_x, keras[0], keras[1], keras[2], dh0.t(), dc0.t(),
                None, None, None)


def _recurrent_weight_gradient(d_z_rows, h_prev, rec):
    """d weight_hh from the pre-activation gradients as `gradient_rows`
    and the previous hidden states `(time, units, batch)`, under the
    recurrent mask `rec` (one for all gates, one per gate, or None)."""
    units = h_prev.shape[1]
    if rec is None or rec.dim() == 2:
        h_in = h_prev * rec if rec is not None else h_prev
        return torch.mm(d_z_rows, h_in.transpose(1, 2).reshape(-1, units))
    # Per gate: gate g's rows against the states under mask g.
    h_in = (h_prev.unsqueeze(1) * rec).permute(1, 0, 3, 2).reshape(
        4, -1, units)
    return torch.bmm(d_z_rows.view(4, units, -1), h_in).view(4 * units,
                                                              units)


def _run_steps(z, weight, h0, c0, rec, kept, hard):
    """The forward recurrence over `z` (`(time, 4 * units, batch)`, the
    input projections, loop gate order), updated in place to the
    pre-activations (for hard_sigmoid gates, 0.2 z + 0.5). Returns the
    gate activations, the hidden and cell states of every step (the
    initial ones first) and tanh of the cell states."""
    steps, batch, units = z.shape[0], h0.shape[0], h0.shape[1]
    acts = torch.empty_like(z)
    gates = acts.view(steps, 4, units, batch)
    h = z.new_empty((steps + 1, units, batch))
    c = torch.empty_like(h)
    tanh_c = z.new_empty((steps, units, batch))
    h[0], c[0] = h0.t(), c0.t()
    scale, shift = z.new_tensor(0.2), z.new_tensor(0.5)
    per_gate = rec is not None and rec.dim() == 3
    weight_gates = weight.view(4, units, units)
    for t in range(steps):
        z_t, a_t = z[t], acts[t]
        if per_gate:
            z_t.view(4, units, batch).baddbmm_(weight_gates, h[t] * rec)
        else:
            z_t.addmm_(weight, h[t] * rec if rec is not None else h[t])
        if hard:
            pre = z_t[:3 * units].mul_(scale).add_(shift)
            torch.clamp(pre, 0., 1., out=a_t[:3 * units])
        else:
            torch.sigmoid(z_t[:3 * units], out=a_t[:3 * units])
        o, i, f, g = gates[t]
        torch.tanh(z_t[3 * units:], out=g)
        c_t = torch.mul(f, c[t], out=c[t + 1]).addcmul_(i, g)
        torch.tanh(c_t, out=tanh_c[t])
        h_t = torch.mul(o, tanh_c[t], out=h[t + 1])
        if kept is not None:
            torch.where(kept[t], c_t, c[t], out=c_t)
            torch.where(kept[t], h_t, h[t], out=h_t)
    return acts, h, c, tanh_c


def _step_factors(hard, z, acts, c, tanh_c):
    """The factors of the backward step that do not depend on the
    incoming gradients, for all steps at once: (dz_o / dh, dc / dh,
    (dz_i, dz_f, dz_g) / dc as `(time, 3, units, batch)`)."""
    steps, units, batch = tanh_c.shape
    d_gates = gate_derivatives(hard, acts[:, :3 * units], z[:, :3 * units])
    d_o, d_i, d_f = d_gates.view(steps, 3, units, batch).unbind(1)
    o, i, f, g = acts.view(steps, 4, units, batch).unbind(1)
    o_tanh_c = o * tanh_c
    dc_factor = torch.addcmul(o, o_tanh_c, tanh_c, value=-1.)
    ifg = tanh_c.new_empty((steps, 3, units, batch))
    torch.mul(g, d_i, out=ifg[:, 0])
    torch.mul(c[:-1], d_f, out=ifg[:, 1])
    torch.addcmul(i, i * g, g, value=-1., out=ifg[:, 2])
    return tanh_c * d_o, dc_factor, ifg


def _recurrent_backward(hard, weight, z, acts, h, c, tanh_c, rec, kept,
                        grad_hs, grad_c_last):
    """Gradients through time of `_LSTMLoop`: (d h0, d c0, d z) in the
    loop's layout."""
    steps, units, batch = tanh_c.shape
    dz_o_factor, dc_factor, ifg_factor = _step_factors(hard, z, acts, c,
                                                       tanh_c)
    f = acts[:, 2 * units:3 * units]
    keep = kept.to(z.dtype) if kept is not None else None
    grad_hs = grad_hs.contiguous() if grad_hs is not None else \
        torch.zeros_like(tanh_c)
    d_z = torch.empty_like(z)
    d_z_o = d_z[:, :units]
    d_z_ifg = d_z[:, units:].view(steps, 3, units, batch)
    weight_t = weight.t()
    per_gate = rec is not None and rec.dim() == 3
    weight_gates_t = weight.view(4, units, units).transpose(1, 2)
    dh_next = torch.zeros_like(h[0])
    dc_next = grad_c_last.contiguous() if grad_c_last is not None \
        else torch.zeros_like(h[0])
    for t in range(steps - 1, -1, -1):
        dh, dc = grad_hs[t] + dh_next, dc_next
        if keep is not None:
            dh_skip, dc_skip = dh * (1. - keep[t]), dc * (1. - keep[t])
            dh, dc = dh * keep[t], dc * keep[t]
        torch.mul(dh, dz_o_factor[t], out=d_z_o[t])
        dc = dc.addcmul(dh, dc_factor[t])
        torch.mul(ifg_factor[t], dc, out=d_z_ifg[t])
        dc_next = dc * f[t]
        if per_gate:
            dh_next = (torch.bmm(weight_gates_t, d_z[t].view(4, units, batch))
                       * rec).sum(0)
        else:
            dh_next = torch.mm(weight_t, d_z[t])
            if rec is not None:
                dh_next = dh_next * rec
        if keep is not None:
            dh_next, dc_next = dh_next + dh_skip, dc_next + dc_skip
    return dh_next, dc_next, d_z


def lstm_loop(x, weight_ih, bias, weight_hh, h0, c0, hard_gates,
              rec_mask=None, mask=None):
    """Runs Keras's LSTM over `x` (`(batch, time, features)`) with the
    kernels in torch layout (`weight_ih` `(4 * units, features)`,
    `weight_hh` `(4 * units, units)`, `bias` `(4 * units,)` or None; gate
    order i, f, c, o) from the states `h0`, `c0`; `hard_gates`:
    `hard_sigmoid` gates (else `sigmoid`); `rec_mask`: recurrent dropout
    mask, or a list of one mask per gate (Keras's implementation=1);
    `mask` (bool `(batch, time)`): at False steps the states carry over
    and the output repeats the previous one (zeros before the first valid
    step). Returns (outputs `(batch, time, units)`, last output, [h, c]),
    as `step_loop` does."""
    if isinstance(rec_mask, (list, tuple)):
        rec_mask = torch.stack(rec_mask)
    return run_loop(_LSTMLoop, x, (weight_ih, bias, weight_hh), (h0, c0),
                    hard_gates, rec_mask, mask)
