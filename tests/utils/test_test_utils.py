"""keras.utils.test_utils: layer_test and get_test_data."""
import numpy as np
import pytest

from keras_compat import layers


def test_test_utils_layer_test_and_get_test_data():
    from keras_compat.utils import test_utils
    (x_train, y_train), (x_test, y_test) = test_utils.get_test_data(
        num_train=20, num_test=5, input_shape=(4,), num_classes=3)
    assert x_train.shape == (20, 4) and y_test.shape == (5,)
    assert set(np.unique(y_train)) <= {0, 1, 2}
    out = test_utils.layer_test(layers.Dense, kwargs={'units': 3},
                                input_shape=(2, 4))
    assert out.shape == (2, 3)
    with pytest.raises(AssertionError):
        test_utils.layer_test(layers.Dense, kwargs={'units': 3},
                              input_shape=(2, 4),
                              expected_output=np.full((2, 3), 1e3))
