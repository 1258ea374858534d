"""Idioms of the Keras 2 add-on layers (learned-leak activations,
cosine-normalised layers, group normalisation) checked against numbers
from Keras 2.3.1 on TensorFlow."""
import numpy as np

import keras_compat as keras
from keras_compat import backend as K
from keras_compat.layers import Input, Layer, Flatten, Dense
from keras_compat.models import Model


def test_relu_with_tensor_leak_and_cap():
    # Keras 2.3.1: K.relu(x, alpha=tensor, max_value=tensor).
    x = K.constant(np.array([[-2., -0.5, 0.3, 1.5, 4.]], 'float32'))
    a = K.constant(np.array([0.2, 0.3, 0.4, 0.5, 0.6], 'float32'))
    m = K.constant(np.array([1., 1., 0.2, 1., 3.], 'float32'))
    out = K.eval(K.relu(x, a, m))
    np.testing.assert_allclose(out, [[-0.4, -0.15, 0.2, 1.0, 3.0]], atol=1e-6)


class _SReLU(Layer):
    """S-shaped ReLU written with learned per-channel thresholds."""

    def build(self, input_shape):
        shape = (1, 1, input_shape[-1])
        self.t_left = self.add_weight(shape=shape, name='t_left', initializer='zeros')
        self.a_left = self.add_weight(shape=shape, name='a_left', initializer='zeros')
        self.t_right = self.add_weight(shape=shape, name='t_right', initializer='ones')
        self.a_right = self.add_weight(shape=shape, name='a_right', initializer='ones')
        super(_SReLU, self).build(input_shape)

    def call(self, x):
        t_right_actual = self.t_left + K.abs(self.t_right)
        y = self.t_left + K.relu(x - self.t_left, self.a_left,
                                 t_right_actual - self.t_left)
        return y + K.relu(x - t_right_actual) * self.a_right


def test_srelu_layer_matches_keras_231():
    # Values from Keras 2.3.1 (TF backend) running the same layer with
    # the same seeded weights.
    r = np.random.RandomState(0)
    x = r.randn(6, 4, 4, 3).astype('float32')
    inp = Input((4, 4, 3))
    out = Dense(2, activation='sigmoid')(Flatten()(_SReLU()(inp)))
    model = Model(inp, out)
    rs = np.random.RandomState(1)
    model.set_weights([rs.uniform(-0.5, 0.5, w.shape).astype('float32')
                       for w in model.get_weights()])
    pred = model.predict(x)[:3].ravel()
    np.testing.assert_allclose(
        pred, [0.391684, 0.663189, 0.426948, 0.715959, 0.490352, 0.759878],
        atol=2e-5)
