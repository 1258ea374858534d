"""Keras 2 formulas written out in numpy, shared by tests."""
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
