"""Keras 2 formulas written out in numpy, shared by tests."""
import itertools

import numpy as np


def regression_data(n=64, features=5, seed=0, scale=1.):
    """Inputs in [0, 1) and targets linear in them (times `scale`)."""
    rng = np.random.RandomState(seed)
    x = rng.rand(n, features).astype('float32')
    y = (x @ np.arange(1., features + 1.)[:, None] * scale).astype('float32')
    return x, y


def sgd_linear(x, y, kernel, bias, lr, batch_size, epochs):
    """Keras 2 SGD on a linear Dense layer with mean squared error, in
    float64, batches in order: (per-epoch mean of the batch losses, final
    kernel, final bias)."""
    kernel, bias = kernel.astype('float64'), bias.astype('float64')
    history = []
    for _ in range(epochs):
        losses, sizes = [], []
        for start in range(0, len(x), batch_size):
            xb = x[start:start + batch_size].astype('float64')
            yb = y[start:start + batch_size].astype('float64')
            error = xb @ kernel + bias - yb
            losses.append(np.mean(error ** 2))
            sizes.append(len(xb))
            grad_out = 2 * error / error.size
            kernel = kernel - lr * xb.T @ grad_out
            bias = bias - lr * grad_out.sum(0)
        history.append(np.average(losses, weights=sizes))
    return history, kernel, bias


def tf_same_padding(size, kernel, stride, dilation=1):
    """TensorFlow's 'SAME' rule as documented: ceil(size / stride)
    outputs, the total pad split with the extra pixel at the end."""
    out = int(np.ceil(size / float(stride)))
    effective = (kernel - 1) * dilation + 1
    total = max((out - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def pool_reference(x, mode, pool_size, strides, padding):
    """Keras pooling of a channels_last array: 'same' windows are padded
    as TensorFlow pads them, and averages count real pixels only."""
    spatial = x.shape[1:-1]
    pairs = [(0, 0) if padding == 'valid' else tf_same_padding(s, k, st, 1)
             for s, k, st in zip(spatial, pool_size, strides)]
    fill = -np.inf if mode == 'max' else np.nan
    padded = np.pad(x, [(0, 0)] + pairs + [(0, 0)], constant_values=fill)
    counts = [(padded.shape[i + 1] - k) // s + 1
              for i, (k, s) in enumerate(zip(pool_size, strides))]
    out = np.zeros((x.shape[0],) + tuple(counts) + (x.shape[-1],),
                   'float32')
    for index in itertools.product(*[range(c) for c in counts]):
        window = padded[(slice(None),) + tuple(
            slice(i * s, i * s + k)
            for i, k, s in zip(index, pool_size, strides))]
        flat = window.reshape(x.shape[0], -1, x.shape[-1])
        value = np.max(flat, 1) if mode == 'max' else np.nanmean(flat, 1)
        out[(slice(None),) + index] = value
    return out


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


def masked_input(seed=0):
    """(4, 7, 3) inputs and a mask with masked steps at the start, the
    end, the middle and everywhere; masked inputs are zeros."""
    x = np.random.RandomState(seed).rand(4, 7, 3).astype(np.float32)
    mask = np.ones((4, 7), dtype=bool)
    mask[0, :3] = False
    mask[1, 5:] = False
    mask[2, 2] = mask[2, 4] = False
    mask[3, :] = False
    x[~mask] = 0.
    return x, mask


def np_conv2d(x, kernel, bias, strides, padding, dilation=(1, 1)):
    """Direct convolution on (N, H, W, C) with a (kh, kw, in, out) kernel,
    TensorFlow padding."""
    n, h, w, c = x.shape
    kh, kw, _, out = kernel.shape
    if padding == 'same':
        (pt, pb), (pl, pr) = tf_same_padding(h, kh, strides[0], dilation[0]), \
            tf_same_padding(w, kw, strides[1], dilation[1])
        x = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    h, w = x.shape[1:3]
    dkh, dkw = (kh - 1) * dilation[0] + 1, (kw - 1) * dilation[1] + 1
    oh = (h - dkh) // strides[0] + 1
    ow = (w - dkw) // strides[1] + 1
    y = np.zeros((n, oh, ow, out))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * strides[0]:i * strides[0] + dkh:dilation[0],
                      j * strides[1]:j * strides[1] + dkw:dilation[1], :]
            y[:, i, j, :] = np.tensordot(patch, kernel, axes=([1, 2, 3],
                                                              [0, 1, 2]))
    return y + bias
