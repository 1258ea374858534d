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
