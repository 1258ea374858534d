"""What the hand-written recurrent loops (`lstm_loop`, `gru_loop`) share:
the gate-block reordering, the input projections in the loops'
feature-major `(time, gates * units, batch)` layout, the gate
derivatives, the input-side gradients, and the call that casts, runs the
autograd Function and returns Keras-layout outputs."""
import torch


def reorder_gates(tensor, units, order):
    """`tensor` (`(gates * units, ...)`: a weight, bias or gradient) with
    its gate blocks taken in `order`."""
    blocks = tensor.reshape((len(order), units) + tuple(tensor.shape[1:]))
    return blocks[order].reshape(tensor.shape)


def input_projections(x, weight_ih, bias):
    """The input projections of every step in one batched product, written
    straight into the `(time, gates * units, batch)` layout of the loops
    (a new tensor, which the loops update in place)."""
    steps = x.shape[1]
    weight = weight_ih.expand((steps,) + tuple(weight_ih.shape))
    x_t = x.permute(1, 2, 0)
    if bias is None:
        return torch.bmm(weight, x_t)
    return torch.baddbmm(bias.view(1, -1, 1), weight, x_t)


def feature_major_masks(rec_mask, keep):
    """The recurrent dropout mask as `(units, batch)` (per-gate masks
    `(gates, batch, units)` as `(gates, units, batch)`) and the step mask
    as `(time, 1, batch)` (each None when absent)."""
    rec = rec_mask.transpose(-1, -2).contiguous() if rec_mask is not None \
        else None
    kept = keep.unsqueeze(1) if keep is not None else None
    return rec, kept


def gate_derivatives(hard, gates, pre):
    """d gate / d pre-activation of sigmoid-like gates: hard_sigmoid passes
    the gradient (x 0.2) where clip(0.2 z + 0.5, 0, 1) is not clipped,
    i.e. where the gate equals its stored `pre` = 0.2 z + 0.5 (the
    bounds included, as tf.clip_by_value's gradient); sigmoid's is
    gate (1 - gate)."""
    d_gates = torch.empty_like(gates)
    if hard:
        torch.eq(gates, pre, out=d_gates).mul_(0.2)
    else:
        torch.mul(gates, 1. - gates, out=d_gates)
    return d_gates


def gradient_rows(d_z):
    """`(time, gates * units, batch)` gradients as `(gates * units, time *
    batch)`, for the weight gradients as single products."""
    return d_z.permute(1, 0, 2).reshape(d_z.shape[1], -1)


def input_gradients(d_z_rows, x, w_ih, needs_x, has_bias):
    """(d x or None, d weight_ih, d bias or None), in the loop's gate
    order, from the pre-activation gradients as `gradient_rows`."""
    batch, steps = x.shape[0], x.shape[1]
    grad_ih = torch.mm(d_z_rows, x.transpose(0, 1).reshape(steps * batch,
                                                           -1))
    grad_x = None
    if needs_x:
        grad_x = torch.mm(d_z_rows.t(), w_ih).view(steps, batch,
                                                    -1).transpose(0, 1)
    grad_bias = d_z_rows.sum(1) if has_bias else None
    return grad_x, grad_ih, grad_bias


def run_loop(function, x, weights, states, hard_gates, rec_mask, mask):
    """Runs the autograd `function` (arguments: x, weight_ih, bias,
    weight_hh, the states, rec_mask, keep, hard; it returns every step's
    hidden state `(time, units, batch)` and any further final state
    `(units, batch)`) in `x`'s dtype with autocast off. Returns (outputs
    `(batch, time, units)`, last output, final states), as `step_loop`
    does: where `mask` is False the output repeats the previous one,
    zeros before the first valid step."""
    dtype = x.dtype
    keep = mask.t().contiguous() if mask is not None else None

    def cast(t):
        return None if t is None else t.to(dtype)
    with torch.autocast(x.device.type, enabled=False):
        result = function.apply(x, *[cast(w) for w in weights],
                                *[cast(s) for s in states], cast(rec_mask),
                                keep, hard_gates)
    hs, others = (result[0], result[1:]) if isinstance(result, tuple) \
        else (result, ())
    outputs = hs.permute(2, 0, 1).contiguous()
    if mask is not None:
        seen = torch.cummax(mask.to(torch.int8), dim=1)[0]
        outputs = outputs * seen.unsqueeze(-1).to(dtype)
    final = [hs[-1]] + list(others)
    return outputs, outputs[:, -1], [s.t().contiguous() for s in final]
