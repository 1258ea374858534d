"""Idioms of Keras 2 visualization libraries (keras-vis, keract): saliency,
grad-CAM and activation maximization built on K.gradients / K.function,
a model reloaded from HDF5 after its last activation is made linear, and
K.function fed fewer values than it has inputs.

Reference numbers come from tf_keras 2.21 in graph mode
(tf.compat.v1.disable_eager_execution()) running the same code."""
import os

import numpy as np
import pytest

import keras_compat as keras
from keras_compat import backend as K
from keras_compat.layers import Conv2D, Dense, Flatten, Input, MaxPooling2D
from keras_compat.models import Model, load_model


def _fixed(model):
    model.set_weights([np.sin(np.arange(w.size) + 1.).reshape(w.shape)
                       .astype('float32') * 0.5 for w in model.get_weights()])
    return model


def _x():
    return (np.cos(np.arange(16.)) * 0.5 + 0.5).reshape(1, 4, 4, 1) \
        .astype('float32')


@pytest.fixture
def linear_convnet(tmp_path):
    """A conv net whose softmax is swapped for linear, saved and reloaded
    (keras-vis's `apply_modifications`)."""
    inp = Input((4, 4, 1), name='img')
    h = Conv2D(2, (3, 3), activation='relu', padding='same', name='conv')(inp)
    h = MaxPooling2D((2, 2), name='pool')(h)
    out = Dense(2, activation='softmax', name='preds')(Flatten()(h))
    model = _fixed(Model(inp, out))
    idx = [layer.name for layer in model.layers].index('preds')
    model.layers[idx].activation = keras.activations.linear
    path = os.path.join(str(tmp_path), 'm.h5')
    model.save(path)
    return load_model(path), idx


def test_reloaded_model_keeps_the_linear_activation(linear_convnet):
    model, _ = linear_convnet
    np.testing.assert_allclose(model.predict(_x()),
                               [[0.716734, 0.938378]], atol=1e-5)


def test_saliency_gradients_of_a_class_score(linear_convnet):
    model, idx = linear_convnet
    loss = -1 * -K.mean(model.layers[idx].output[:, 1])
    wrt = K.identity(model.input)
    grads = K.gradients(loss, model.input)[0]
    fn = K.function([model.input, K.learning_phase()], [loss, grads, wrt])
    value, g, w = fn([_x(), 0])
    assert float(value) == pytest.approx(0.938377, abs=1e-5)
    np.testing.assert_allclose(w, _x())
    np.testing.assert_allclose(np.abs(g).max(axis=-1)[0], [
        [0.022691, 0.236872, 0.011471, 0.144416],
        [0.091673, 0.250755, 0.225039, 0.010578],
        [0.423844, 0.136798, 0.372132, 0.095793],
        [0.222069, 0.016926, 0.240737, 0.181767]], atol=1e-5)


def test_grad_cam_over_the_penultimate_conv(linear_convnet):
    model, idx = linear_convnet
    loss = K.mean(model.layers[idx].output[:, 1])
    conv = model.get_layer('conv').output
    grads = K.gradients(loss, conv)[0]
    _, g, c = K.function([model.input, K.learning_phase()],
                         [loss, grads, conv])([_x(), 0])
    weights = np.mean(g / (np.max(g) + K.epsilon()), axis=(0, 1, 2))
    np.testing.assert_allclose(np.maximum((weights * c[0]).sum(-1), 0), [
        [0.0, 0.025683, 0.029346, 0.032772],
        [0.0, 0.020402, 0.023723, 0.053467],
        [0.002197, 0.011438, 0.013031, 0.052891],
        [0.009691, 0.028157, 0.014411, 0.027115]], atol=1e-5)


def test_activation_maximization_with_tv_and_lp_norm(linear_convnet):
    model, idx = linear_convnet
    img = model.input
    tv = K.square(img[:, 1:, :-1, :] - img[:, :-1, :-1, :]) + \
        K.square(img[:, :-1, 1:, :] - img[:, :-1, :-1, :])
    tv = K.sum(K.pow(tv, 1.)) / 16.
    lp = K.pow(K.sum(K.pow(K.abs(img), 6.)), 1. / 6.) / 16.
    total = -K.mean(model.layers[idx].output[:, 0]) + 10. * tv + 10. * lp
    grads = K.gradients(total, img)[0]
    grads = grads / (K.sqrt(K.mean(K.square(grads))) + K.epsilon())
    step = K.function([img, K.learning_phase()], [total, grads])
    seed, cache, totals = _x() * 255., 0., []
    for _ in range(3):
        seed = np.roll(seed, (0, 1, -1, 0), axis=(0, 1, 2, 3))  # jitter
        value, g = step([seed, 0])
        totals.append(float(value))
        cache = 0.95 * cache + 0.05 * g ** 2                  # RMSProp
        seed = seed - g / np.sqrt(cache + K.epsilon())
    np.testing.assert_allclose(totals, [227421.6719, 184974.5, 128550.6562],
                               rtol=1e-5)
    np.testing.assert_allclose(seed[0, ..., 0], [
        [212.4984, 56.6065, 156.4504, 240.0129],
        [127.9209, 109.4647, 20.906, 28.5413],
        [42.7215, 226.5283, 235.9626, 138.9282],
        [9.914, 246.7351, 194.5444, 83.2471]], atol=2e-3)


def _compiled_mlp():
    inp = Input((3,))
    h = Dense(4, activation='relu', name='h')(inp)
    out = Dense(2, activation='softmax', name='o')(h)
    model = Model(inp, out)
    model.set_weights([np.random.RandomState(0).normal(size=w.shape)
                       .astype('float32') * 0.5 for w in model.get_weights()])
    model.compile(loss='categorical_crossentropy', optimizer='sgd')
    return model, h


_X = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], 'float32')
_Y = np.array([[1, 0], [0, 1]], 'float32')


def _feeds(model):
    return model._feed_inputs + model._feed_targets + \
        model._feed_sample_weights


def test_function_over_all_feeds_called_with_the_inputs_only():
    model, h = _compiled_mlp()
    hidden, out = K.function(_feeds(model), [h, model.output])([_X])
    np.testing.assert_allclose(hidden, [
        [0.28604, 1.19936, 0.40305, 3.21062],
        [2.47722, 0.22406, 1.28817, 2.23684]], atol=1e-5)
    np.testing.assert_allclose(out, [[0.92141, 0.07859], [0.995, 0.005]],
                               atol=1e-5)


def test_unfed_sample_weights_default_to_ones():
    model, h = _compiled_mlp()
    nodes = [model.trainable_weights[2], model.trainable_weights[3], h]
    grads = K.gradients(model.total_loss, nodes)
    g_kernel, g_bias, g_h = K.function(_feeds(model), grads)([_X, _Y])
    np.testing.assert_allclose(g_kernel[:, 0],
                               [1.22118, 0.06434, 0.625027, 0.986666],
                               atol=1e-5)
    np.testing.assert_allclose(g_bias, [0.458205, -0.458205], atol=1e-5)
    np.testing.assert_allclose(g_h[1], [0.33927, -0.313962, 0.707656,
                                        0.273986], atol=1e-5)


def test_an_output_needing_an_unfed_placeholder_raises():
    model, _ = _compiled_mlp()
    fn = K.function(_feeds(model), [model.total_loss])
    with pytest.raises(Exception, match='must feed a value for placeholder'):
        fn([_X])
