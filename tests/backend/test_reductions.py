"""Backend reductions take the axis forms TensorFlow took in Keras 2."""
import numpy as np
import pytest
import torch

from keras_compat import backend as K

VALUES = np.arange(1, 25, dtype='float32').reshape(2, 3, 4) / 10.
NUMPY = {'sum': np.sum, 'mean': np.mean, 'max': np.max, 'min': np.min,
         'prod': np.prod, 'std': np.std, 'var': np.var,
         'any': lambda v, axis: np.any(v > 1., axis=axis),
         'all': lambda v, axis: np.all(v > 1., axis=axis),
         'logsumexp': lambda v, axis: np.log(np.sum(np.exp(v), axis=axis))}


@pytest.mark.parametrize('name', sorted(NUMPY))
@pytest.mark.parametrize('axis', [np.arange(1, 3), [1, 2], (1, 2),
                                  np.array([2, 1])])
def test_a_reduction_over_several_axes_given_as_an_array(name, axis):
    # The WGAN-GP penalty: K.sum(g2, axis=np.arange(1, len(g2.shape))).
    x = K.variable(VALUES)
    if name in ('any', 'all'):
        x = K.greater(x, 1.)
    out = getattr(K, name)(x, axis=axis)
    expected = NUMPY[name](VALUES, axis=(1, 2))
    np.testing.assert_allclose(K.eval(out), expected, rtol=1e-5)


@pytest.mark.parametrize('axis', [np.int64(1), np.array(1),
                                  torch.tensor(1)])
def test_a_reduction_over_one_axis_given_as_a_numpy_or_tensor_int(axis):
    out = K.mean(K.variable(VALUES), axis=axis, keepdims=True)
    np.testing.assert_allclose(K.eval(out),
                               VALUES.mean(axis=1, keepdims=True),
                               rtol=1e-6)


def test_sqrt_and_std_pass_zero_gradients_at_zero_as_tensorflow():
    # An instance normalization of a 1x1 map: std is 0, and the gradient
    # reaching it is 0; TensorFlow's sqrt gradient then gives 0, not nan.
    x = torch.tensor([[[[3., 4.]]]], requires_grad=True)
    normed = (x - K.mean(x, [1, 2], keepdims=True)) / (
        K.std(x, [1, 2], keepdims=True) + 1e-3)
    (grad,) = torch.autograd.grad(torch.sum(normed * torch.tensor([1., 2.])),
                                  [x])
    np.testing.assert_array_equal(grad.numpy().ravel(), [0., 0.])
    y = torch.tensor([0., 0., 4.], requires_grad=True)
    (grad,) = torch.autograd.grad(
        torch.sum(torch.tensor([0., 1., 0.]) * K.sqrt(y)), [y])
    # d sqrt(y) / dy = 0.5 / sqrt(y): infinite at 0 where it is used.
    np.testing.assert_array_equal(grad.numpy(), [0., np.inf, 0.])
