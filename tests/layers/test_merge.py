"""Merge layers: masks and input-count checks as in Keras 2."""
import numpy as np
import pytest

from keras_compat import layers
from keras_compat import backend as K


def test_merge_compute_mask_takes_any_nonzero_as_kept():
    i1, i2 = layers.Input((3,)), layers.Input((3,))
    add = layers.Add()
    add([i1, i2])
    m1 = np.array([[1., 0., 1.]], 'float32')
    m2 = np.array([[1., 1., 0.]], 'float32')
    mask = add.compute_mask([i1, i2], [K.variable(m1), K.variable(m2)])
    np.testing.assert_array_equal(K.eval(mask), [[True, False, False]])
    with pytest.raises(ValueError, match='should be a list'):
        add.compute_mask([i1, i2], K.variable(m1))


def test_built_subtract_rejects_three_inputs():
    i1, i2, i3 = (layers.Input((2,)) for _ in range(3))
    subtract = layers.Subtract()
    subtract([i1, i2])
    with pytest.raises(ValueError, match='exactly 2 inputs'):
        subtract([i1, i2, i3])
