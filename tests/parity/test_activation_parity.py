"""Activation functions against Keras 3 (hard_sigmoid against the Keras 2
formula, whose slope Keras 3 changed)."""
import numpy as np
import pytest
import torch

from keras_compat import activations

from parity_helpers import assert_close

X = np.random.RandomState(2).uniform(-4, 4, size=(3, 5)).astype('float32')

CASES = [
    ('elu', {}), ('exponential', {}), ('linear', {}), ('relu', {}),
    ('selu', {}), ('sigmoid', {}), ('softmax', {}), ('softplus', {}),
    ('softsign', {}), ('tanh', {}),
    # tf.keras's activations, which its files name.
    ('swish', {}), ('gelu', {}), ('gelu', {'approximate': True}),
    ('mish', {}), ('relu6', {}), ('log_softmax', {}),
]


@pytest.mark.parametrize('name,kwargs', CASES,
                         ids=[c[0] + ''.join(c[1]) for c in CASES])
def test_activation_matches_keras(k3, name, kwargs):
    x = torch.tensor(X, requires_grad=True)
    theirs_x = torch.tensor(X, requires_grad=True)
    ours = getattr(activations, name)(x, **kwargs)
    theirs = getattr(k3.activations, name)(theirs_x, **kwargs)
    assert_close(ours, theirs)
    ours.sum().backward()
    theirs.sum().backward()
    assert_close(x.grad, theirs_x.grad)


def test_relu_options_match_keras(k3):
    t = torch.tensor(X)
    assert_close(activations.relu(t, alpha=0.1, max_value=2., threshold=0.5),
                 k3.activations.relu(t, negative_slope=0.1, max_value=2.,
                                     threshold=0.5))
    assert_close(activations.elu(t, alpha=0.3), k3.activations.elu(t, 0.3))
    assert_close(activations.softmax(torch.tensor(X[None]), axis=1),
                 k3.activations.softmax(torch.tensor(X[None]), axis=1))


def test_hard_sigmoid_is_keras2_formula():
    # Keras 2: clip(0.2 * x + 0.5, 0, 1).
    assert_close(activations.hard_sigmoid(torch.tensor(X)),
                 np.clip(0.2 * X + 0.5, 0., 1.))
