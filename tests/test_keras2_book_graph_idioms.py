"""Idioms of Keras 2 graph-programming book code (style transfer, deep
dream, sequence-to-sequence): losses built from layer outputs with
`K.*` ops, `K.gradients` of them, `K.function`, and cross-entropy of a
softmax over a time axis. Reference numbers come from Keras 2.3.1."""
import numpy as np
import pytest

import keras_compat.backend as K
from keras_compat.backend import common
from keras_compat.initializers import Constant
from keras_compat.layers import Conv2D, Dense
from keras_compat.models import Sequential
from keras_compat.optimizers import SGD


@pytest.fixture
def keras_flavour():
    previous = common.api_flavour()
    common.set_api_flavour('keras')
    yield
    common.set_api_flavour(previous)


def _gram(a):
    features = K.batch_flatten(K.permute_dimensions(a, (2, 0, 1)))
    return K.dot(features, K.transpose(features))


def test_style_transfer_loss_and_normalised_gradients(keras_flavour):
    x0 = (np.arange(48.).reshape(1, 4, 4, 3) % 7) / 7 - 0.4
    base = K.variable(x0[:, ::-1].copy())
    comb = K.placeholder((1, 4, 4, 3))
    t = K.concatenate([base, comb], axis=0)
    k = np.linspace(-0.5, 0.5, 54).reshape(3, 3, 3, 2)
    f = Conv2D(2, 3, padding='same', activation='relu',
               kernel_initializer=Constant(k))(t)
    loss = K.variable(0.) + 0.5 * K.sum(K.square(f[1] - f[0])) + \
        K.sum(K.square(_gram(f[0]) - _gram(f[1]))) / 36.
    a = K.square(comb[:, :3, :3, :] - comb[:, 1:, :3, :])
    b = K.square(comb[:, :3, :3, :] - comb[:, :3, 1:, :])
    loss = loss + K.sum(K.pow(a + b, 1.25))
    grads = K.gradients(loss, comb)[0]
    grads /= K.sqrt(K.mean(K.square(grads))) + K.epsilon()
    fn = K.function([comb], [loss, grads])
    # Keras 2.3.1: loss, first and last gradient entries, sum |gradient|.
    expected = [(10.72384262084961, -1.2431341409683228,
                 0.12479618191719055, 38.1248779296875),
                (3.161733627319336, -1.4804928302764893,
                 0.21243874728679657, 39.431983947753906)]
    x = x0.copy()
    for want in expected:
        lv, gv = fn([x])
        x -= 0.1 * gv
        got = (float(lv), gv.ravel()[0], gv.ravel()[-1], np.abs(gv).sum())
        np.testing.assert_allclose(got, want, rtol=1e-5)


def _time_softmax_model():
    m = Sequential([Dense(3, activation='softmax', input_shape=(2, 4),
                          kernel_initializer='ones',
                          bias_initializer='zeros')])
    m.compile(SGD(1.0), 'categorical_crossentropy')
    return m


def test_time_softmax_crossentropy_gradient_with_blank_targets(
        keras_flavour):
    # Keras 2.3.1 writes a rank-3 softmax as exp / sum: the cross-entropy
    # takes its exact gradient, zero for all-zero target rows (padding).
    m = _time_softmax_model()
    x = np.arange(16.).reshape(2, 2, 4) / 16
    x[:, :, 0] *= -1
    y = np.eye(3)[[[0, 1], [2, 1]]]
    y[:, 1] = 0
    w0 = m.get_weights()[0]
    loss = m.train_on_batch(x, y)
    np.testing.assert_allclose(loss, 0.5493061542510986, rtol=1e-6)
    np.testing.assert_allclose(
        (m.get_weights()[0] - w0).ravel()[:6],
        [0.041667, 0.041667, -0.083333, -0.036458, -0.052083, 0.088542],
        atol=2e-6)


def test_time_softmax_crossentropy_clips_probabilities(keras_flavour):
    m = Sequential([Dense(3, activation='softmax', input_shape=(1, 2))])
    m.set_weights([np.array([[40., 0, -40], [0, 0, 0]]), np.zeros(3)])
    m.compile(SGD(1.0), 'categorical_crossentropy')
    loss = m.test_on_batch(np.ones((1, 1, 2)), np.array([[[0., 0, 1]]]))
    # Keras 2.3.1: -log(epsilon), the probability clipped at 1e-7.
    np.testing.assert_allclose(loss, 16.11809539794922, rtol=1e-6)
