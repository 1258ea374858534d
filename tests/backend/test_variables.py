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


def test_zeros_ones_and_eye_make_variables_as_keras_2_did():
    for made in (K.zeros((2, 3)), K.ones((2, 3)), K.eye(3), K.eye((2, 3))):
        assert K.is_variable(made)
    np.testing.assert_array_equal(K.eval(K.eye((2, 3))), np.eye(2, 3))
    assert not K.is_variable(K.zeros_like(K.zeros((2,))))

    # A Keras 1 style layer lists them as its trainable weights.
    class Affine(keras.layers.Layer):
        def build(self, input_shape):
            self.W = K.variable(np.ones((input_shape[1], 1)))
            self.b = K.zeros((1,))
            self.trainable_weights = [self.W, self.b]
            super(Affine, self).build(input_shape)

        def call(self, x):
            return K.dot(x, self.W) + self.b

        def compute_output_shape(self, input_shape):
            return (input_shape[0], 1)
    model = keras.models.Sequential([Affine(input_shape=(2,))])
    model.compile('sgd', 'mse')
    model.fit(np.ones((4, 2)), np.zeros((4, 1)), epochs=1, verbose=0)
    # One SGD step on (x.w + b)^2 at 2: w -= 0.01 * 2 * 2 * 1, b likewise.
    w, b = model.get_weights()
    np.testing.assert_allclose(w.ravel(), [0.96, 0.96], rtol=1e-6)
    np.testing.assert_allclose(b, [-0.04], rtol=1e-5)


def test_tf_variable_methods_on_keras_variables():
    from keras_compat import backend as K
    from keras_compat import layers, models, optimizers
    v = K.variable(1.)
    assert v.numpy() == 1.
    v.assign(3.)
    v.assign_add(1.)
    v.assign_sub(0.5)
    assert K.get_value(v) == 3.5
    step = K.variable(0, dtype='int64')
    step.assign_add(2)
    assert step.numpy() == 2
    dense = layers.Dense(2, input_shape=(3,))
    model = models.Sequential([dense])
    assert dense.kernel.numpy().shape == (3, 2)
    dense.kernel.assign(np.ones((3, 2)))
    assert model.get_weights()[0].sum() == 6.
    model.compile(optimizers.SGD(lr=0.1), 'mse')
    model.optimizer.lr.assign(0.25)
    assert K.get_value(model.optimizer.lr) == 0.25
