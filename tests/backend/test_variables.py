"""K.constant and K.variable from Python values."""
import numpy as np
import pytest

import keras_compat as keras
from keras_compat import backend as K


def test_constant_and_variable_from_nested_lists():
    c = K.constant([[1., 9.], [2., 5.]])
    assert tuple(c.shape) == (2, 2) and K.dtype(c) == 'float32'
    v = K.variable([[1, 2], [3, 4]])
    np.testing.assert_array_equal(K.eval(v), [[1, 2], [3, 4]])
    mse = keras.losses.LossFunctionWrapper(keras.losses.get('mse'),
                                           name='mean_squared_error')
    loss = mse(K.constant([[1., 9.], [2., 5.]]),
               K.constant([[4., 8.], [12., 3.]]),
               sample_weight=K.constant([1.2, 0.5]))
    # mse per sample [5, 52], weighted [6, 26], over 2 samples.
    assert float(loss) == pytest.approx(16.)
