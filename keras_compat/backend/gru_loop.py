"""Keras 2's GRU recurrence (`reset_after=False`, the reset gate applied
before the recurrent product) as one autograd node: torch's fused GRU
kernel applies it after, so every Keras 2 GRU runs a step loop.

Stepping such a GRU in Python while recording every step for autograd
costs more than the step itself at Keras sizes. `gru_loop` runs the steps
without autograd, keeps what the backward pass needs in preallocated
buffers, and computes the gradients through time by hand in one backward
node (first order only: a gradient of these gradients raises). Inside,
values are feature-major (`(units, batch)`) and the gates are ordered r,
z, h, so that the recurrent activation runs on both gates at once and the
backward pass scales the z and h gradients in one operation."""
import torch

from .loop_common import (feature_major_masks, gate_derivatives,
                          gradient_rows, input_gradients, input_projections,
                          reorder_gates, run_loop)

_KERAS_TO_LOOP = [1, 0, 2]    # Keras's z, r, h -> r, z, h (and back)


def _swap_rz(tensor, units):
    """`tensor` with its r and z gate blocks swapped (Keras order <->
    loop order)."""
    return reorder_gates(tensor, units, _KERAS_TO_LOOP)


class _GRULoop(torch.autograd.Function):
    """Keras 2's GRU layer computation with `reset_after=False` (gates z,
    r, h; tanh activation; `hard_sigmoid` or `sigmoid` recurrent
    activation) on `x` `(batch, time, features)` with `weight_ih` `(3 *
    units, features)`, `bias` `(3 * units,)` or None and `weight_hh` `(3
    * units, units)`, from `h0` `(batch, units)`. `rec_mask`: recurrent
    dropout mask `(batch, units)` or None; `keep`: bool `(time, batch)`,
    False where a step is masked (the state carries over), or None.
    Returns the hidden state of every step `(time, units, batch)`."""

    @staticmethod
    def forward(ctx, x, weight_ih, bias, weight_hh, h0, rec_mask, keep,
                hard):
        units = h0.shape[1]
        w_ih = _swap_rz(weight_ih, units)
        weight = _swap_rz(weight_hh, units)
        z = input_projections(x, w_ih, None if bias is None else
                              _swap_rz(bias, units))
        rec, kept = feature_major_masks(rec_mask, keep)
        acts, h, q = _run_steps(z, weight, h0, rec, kept, hard)
        ctx.hard, ctx.has_bias = hard, bias is not None
        ctx.save_for_backward(x, w_ih, weight, z, acts, h, q, rec, kept)
        return h[1:]

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_hs):
        x, w_ih, weight, z, acts, h, q, rec, kept = ctx.saved_tensors
        units = q.shape[1]
        h_in = h[:-1] * rec if rec is not None else h[:-1]
        dh0, d_z = _recurrent_backward(ctx.hard, weight, z, acts, h_in,
                                       rec, kept, grad_hs)
        # The weight gradients as single products over time x batch: the
        # r and z rows against the hidden state, the h rows against r *
        # the hidden state.
        d_z_rows = gradient_rows(d_z)
        grad_hh = torch.cat([
            torch.mm(d_z_rows[:2 * units],
                     h_in.transpose(1, 2).reshape(-1, units)),
            torch.mm(d_z_rows[2 * units:],
                     q.transpose(1, 2).reshape(-1, units))])
        grad_x, grad_ih, grad_bias = input_gradients(
            d_z_rows, x, w_ih, ctx.needs_input_grad[0], ctx.has_bias)
        if grad_bias is not None:
            grad_bias = _swap_rz(grad_bias, units)
        return (grad_x, _swap_rz(grad_ih, units), grad_bias,
                _swap_rz(grad_hh, units), dh0.t(), None, None, None)


def _run_steps(z, weight, h0, rec, kept, hard):
    """The forward recurrence over `z` (`(time, 3 * units, batch)`, the
    input projections, loop gate order), updated in place to the
    pre-activations (for hard_sigmoid gates, 0.2 z + 0.5). Returns the
    activations (r, z, tanh candidate), the hidden states of every step
    (the initial one first) and r * the hidden state of every step."""
    steps, batch, units = z.shape[0], h0.shape[0], h0.shape[1]
    acts = torch.empty_like(z)
    gates = acts.view(steps, 3, units, batch)
    h = z.new_empty((steps + 1, units, batch))
    q = z.new_empty((steps, units, batch))
    h[0] = h0.t()
    w_rz, w_h = weight[:2 * units], weight[2 * units:]
    scale, shift = z.new_tensor(0.2), z.new_tensor(0.5)
    for t in range(steps):
        h_in = h[t] * rec if rec is not None else h[t]
        z_t, a_t = z[t], acts[t]
        pre = z_t[:2 * units].addmm_(w_rz, h_in)
        if hard:
            torch.clamp(pre.mul_(scale).add_(shift), 0., 1.,
                        out=a_t[:2 * units])
        else:
            torch.sigmoid(pre, out=a_t[:2 * units])
        r, z_gate, g = gates[t]
        torch.mul(r, h_in, out=q[t])
        torch.tanh(z_t[2 * units:].addmm_(w_h, q[t]), out=g)
        # z h_in + (1 - z) g
        h_t = torch.lerp(g, h_in, z_gate, out=h[t + 1])
        if kept is not None:
            torch.where(kept[t], h_t, h[t], out=h_t)
    return acts, h, q


def _step_factors(hard, z, acts, h_in, rec, kept):
    """The factors of the backward step that do not depend on the
    incoming gradients, for all steps at once. With `h` a step's state,
    `q` = r * h_in and `a_r`, `a_z`, `a_h` the pre-activations: (dq /
    da_r, dh / da_z, dh / da_h) as `(time, 3, units, batch)`, dh / dh_prev
    through z * h_in, dq / dh_prev, and dh / dh_prev across masked steps
    (None without a mask). The step mask is folded into the factors of
    `h`."""
    steps, units, batch = h_in.shape
    d_gates = gate_derivatives(hard, acts[:, :2 * units], z[:, :2 * units])
    d_r, d_z = d_gates.view(steps, 2, units, batch).unbind(1)
    r, z_gate, g = acts.view(steps, 3, units, batch).unbind(1)
    keep = kept.to(z.dtype) if kept is not None else None
    factors = h_in.new_empty((steps, 3, units, batch))
    torch.mul(h_in, d_r, out=factors[:, 0])
    torch.mul(h_in - g, d_z, out=factors[:, 1])
    torch.mul(1. - z_gate, 1. - g * g, out=factors[:, 2])
    via_z, via_q = z_gate, r
    if keep is not None:
        factors[:, 1:] *= keep.unsqueeze(1)
        via_z = via_z * keep
    if rec is not None:
        via_z, via_q = via_z * rec, via_q * rec
    skip = 1. - keep if keep is not None else None
    return factors, via_z, via_q, skip


def _recurrent_backward(hard, weight, z, acts, h_in, rec, kept, grad_hs):
    """Gradients through time of `_GRULoop`: (d h0, d z) in the loop's
    layout."""
    steps, units, batch = h_in.shape
    factors, via_z, via_q, skip = _step_factors(hard, z, acts, h_in, rec,
                                                kept)
    # dh[t + 1]: the gradient of the state after step t, complete once
    # step t + 1 has added its part; dh[0] ends as that of h0.
    dh = h_in.new_empty((steps + 1, units, batch))
    dh[0].zero_()
    dh[1:] = grad_hs
    d_z = torch.empty_like(z)
    d_z_rz = d_z[:, :2 * units]
    d_z_zh = d_z[:, units:].view(steps, 2, units, batch)
    d_z_r, d_z_h = d_z[:, :units], d_z[:, 2 * units:]
    w_rz_t = weight[:2 * units].t()
    w_h_t = weight[2 * units:].t()
    for t in range(steps - 1, -1, -1):
        dh_t, dh_prev = dh[t + 1], dh[t]
        torch.mul(factors[t, 1:], dh_t, out=d_z_zh[t])
        dq = torch.mm(w_h_t, d_z_h[t])
        torch.mul(dq, factors[t, 0], out=d_z_r[t])
        dh_prev.addcmul_(dh_t, via_z[t]).addcmul_(dq, via_q[t])
        if rec is None:
            dh_prev.addmm_(w_rz_t, d_z_rz[t])
        else:
            dh_prev.addcmul_(torch.mm(w_rz_t, d_z_rz[t]), rec)
        if skip is not None:
            dh_prev.addcmul_(dh_t, skip[t])
    return dh[0], d_z


def gru_loop(x, weight_ih, bias, weight_hh, h0, hard_gates, rec_mask=None,
             mask=None):
    """Runs Keras 2's GRU (`reset_after=False`) over `x` (`(batch, time,
    features)`) with the kernels in torch layout (`weight_ih` `(3 * units,
    features)`, `weight_hh` `(3 * units, units)`, `bias` `(3 * units,)` or
    None; gate order z, r, h) from the state `h0`; `hard_gates`:
    `hard_sigmoid` gates (else `sigmoid`); `rec_mask`: recurrent dropout
    mask, applied to the previous state before everything (the final
    interpolation included); `mask` (bool `(batch, time)`): at False
    steps the state carries over and the output repeats the previous one
    (zeros before the first valid step). Returns (outputs `(batch, time,
    units)`, last output, [h]), as `step_loop` does."""
    return run_loop(_GRULoop, x, (weight_ih, bias, weight_hh), (h0,),
                    hard_gates, rec_mask, mask)
