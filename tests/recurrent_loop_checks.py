"""Checks shared by the tests of the hand-written recurrent loops
(`lstm_loop`, `gru_loop`): Keras 2's hard_sigmoid on torch tensors, one
SGD step of a small masked model against the formula's gradient, and the
refusal of second-order gradients."""
import numpy as np
import pytest
import torch

from keras_compat import layers
from keras_compat.models import Sequential


def keras2_hard_sigmoid(x):
    return torch.clamp(x * 0.2 + 0.5, 0., 1.)


def assert_sgd_step_follows_formula(recurrent_layer, final_state):
    """One SGD step (learning rate 0.01, mse) of Embedding(10, 3,
    mask_zero=True) + `recurrent_layer` (4 units) + Dense(1), on inputs
    with leading padding and one all-padding sequence, moves each weight
    by 0.01 x the gradient of the Keras formula. `final_state(xs, kernel,
    recurrent, bias, mask)`: the formula's last hidden state (float64,
    Keras-layout weights)."""
    rng = np.random.RandomState(0)
    model = Sequential([
        layers.Embedding(10, 3, mask_zero=True, input_length=5),
        recurrent_layer, layers.Dense(1)])
    model.compile('sgd', 'mse')
    x = rng.randint(0, 10, (6, 5))
    x[0, :2] = 0
    x[1] = 0
    y = rng.rand(6, 1)
    before = [torch.tensor(w, dtype=torch.float64, requires_grad=True)
              for w in model.get_weights()]
    model.train_on_batch(x, y)
    after = model.get_weights()
    emb, kernel, recurrent, bias, dense_k, dense_b = before
    h = final_state(emb[torch.as_tensor(x)], kernel, recurrent, bias,
                    torch.as_tensor(x != 0))
    loss = ((h @ dense_k + dense_b - torch.as_tensor(y)) ** 2).mean()
    grads = torch.autograd.grad(loss, before)
    for w0, g, w1 in zip(before, grads, after):
        np.testing.assert_allclose(w1, (w0 - 0.01 * g).detach().numpy(),
                                   rtol=1e-5, atol=1e-6)


def assert_second_order_gradient_raises(loop_of):
    """`loop_of(x)`: the loop's output sequence for `x` `(2, 3, 2)`."""
    x = torch.randn(2, 3, 2, requires_grad=True)
    grad, = torch.autograd.grad(loop_of(x).sum(), x, create_graph=True)
    with pytest.raises(RuntimeError):
        grad.sum().backward()
