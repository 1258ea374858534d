"""tf.keras: a model whose output has shape (batch,) (a Lambda reducing
the last axis) trains on 1D or column targets, the column squeezed as
tf.keras does. Values from tf_keras 2.21."""
import numpy as np

from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common


def test_column_targets_for_an_output_without_that_axis():
    common.set_api_flavour('tf.keras')
    keras = tf.keras
    inp = keras.layers.Input(shape=(2,))
    out = keras.layers.Lambda(lambda t: tf.reduce_sum(t, axis=-1))(inp)
    model = keras.Model(inp, out)
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss='mse',
                  metrics=['mae'])
    x = np.array([[1., 2.], [0., 1.]], np.float32)
    for y in (np.array([0., 2.], np.float32),
              np.array([[0.], [2.]], np.float32)):
        # tf_keras 2.21: [5.0, 2.0] (no broadcasting to (2, 2)).
        np.testing.assert_allclose(model.train_on_batch(x, y), [5.0, 2.0])


def test_keras2_still_rejects_the_column():
    common.set_api_flavour('keras')
    import keras_compat as keras
    inp = keras.layers.Input(shape=(2,))
    out = keras.layers.Lambda(lambda t: tf.reduce_sum(t, axis=-1))(inp)
    model = keras.models.Model(inp, out)
    model.compile(optimizer='sgd', loss='mse')
    import pytest
    with pytest.raises(ValueError, match='expected lambda_?\\d* to have 1 '
                                         'dimensions'):
        model.train_on_batch(np.ones((2, 2), np.float32),
                             np.zeros((2,), np.float32))
