"""Idioms of the Keras-GAN image-to-image scripts (pix2pix, CycleGAN,
DiscoGAN, SRGAN) in standalone Keras 2. Reference numbers: real Keras 2.3.1
on TensorFlow (graph mode), weights set by the same seeded helper, unless
said otherwise."""
import numpy as np
import pytest
import torch

from keras_compat import backend as K
from keras_compat import layers as L
from keras_compat import metrics
from keras_compat.models import Model
from keras_compat.optimizers import Adam, SGD


@pytest.fixture(autouse=True)
def keras_flavour():
    K.common.set_api_flavour('keras')
    yield
    K.common.set_api_flavour('keras')


class InstanceNormalization(L.Layer):
    """keras-contrib's InstanceNormalization (axis=None), its call verbatim."""

    def build(self, input_shape):
        self.gamma = self.add_weight(shape=(1,), name='gamma',
                                     initializer='ones')
        self.beta = self.add_weight(shape=(1,), name='beta',
                                    initializer='zeros')
        self.built = True

    def call(self, inputs, training=None):
        axes = list(range(1, len(K.int_shape(inputs))))
        mean = K.mean(inputs, axes, keepdims=True)
        stddev = K.std(inputs, axes, keepdims=True) + 1e-3
        normed = (inputs - mean) / stddev
        shape = [1] * len(K.int_shape(inputs))
        return normed * K.reshape(self.gamma, shape) + \
            K.reshape(self.beta, shape)


def _leaves(model, out):
    for layer in model.layers:
        if hasattr(layer, 'layers'):
            _leaves(layer, out)
        elif layer.weights and layer not in out:
            out.append(layer)
    return out


def _seed(*models):
    """Seeded uniform(-1, 1) / sqrt(fan_in) weights, normalizations kept."""
    rng = np.random.RandomState(3)
    layers = []
    for m in models:
        _leaves(m, layers)
    pairs = []
    for layer in layers:
        if isinstance(layer, (InstanceNormalization, L.BatchNormalization)):
            continue
        for w in layer.weights:
            shape = K.int_shape(w)
            fan = float(np.prod(shape[:-1])) if len(shape) > 1 else 1.
            pairs.append((w, (rng.uniform(-1, 1, shape) /
                              np.sqrt(fan)).astype('float32')))
    K.batch_set_value(pairs)


def _imgs(n, hw, c, s):
    return np.random.RandomState(s).uniform(
        -1, 1, (n, hw, hw, c)).astype('float32')


def test_binary_accuracy_rounds_predictions_in_standalone_keras():
    # Keras 2.0-2.3: K.mean(K.equal(y_true, K.round(y_pred)), axis=-1).
    y_true = K.constant([[0., 0., 1., 1.]])
    y_pred = K.constant([[-0.7, 0.2, 0.6, 1.6]])
    assert K.eval(metrics.binary_accuracy(y_true, y_pred)).tolist() == [0.5]
    K.common.set_api_flavour('tf.keras')      # tf_keras 2.21: y_pred > 0.5
    assert K.eval(metrics.binary_accuracy(y_true, y_pred)).tolist() == [1.0]


def _patch_critic():
    x = L.Input((4, 4, 2))
    d = Model(x, L.Conv2D(1, 2, padding='same')(x))
    _seed(d)
    d.compile(loss='mse', optimizer=Adam(0.0002, 0.5), metrics=['accuracy'])
    xb = _imgs(2, 4, 2, 1) * 3
    return [d.train_on_batch(xb, np.zeros((2, 4, 4, 1))),
            d.train_on_batch(xb, np.ones((2, 4, 4, 1))),
            d.test_on_batch(xb, np.zeros((2, 4, 4, 1)))]


def test_accuracy_of_an_unbounded_patch_critic_keras():
    # pix2pix/CycleGAN discriminators: linear PatchGAN output, loss 'mse',
    # metrics=['accuracy'] (binary: one channel).
    np.testing.assert_allclose(
        _patch_critic(), [[1.6227043, 0.3125], [4.1301799, 0.09375],
                          [1.6181686, 0.3125]], rtol=1e-5)


def test_accuracy_of_an_unbounded_patch_critic_tf_keras():
    K.common.set_api_flavour('tf.keras')      # tf_keras 2.21 numbers
    np.testing.assert_allclose(
        _patch_critic(), [[1.6227043, 0.875], [4.1301799, 0.125],
                          [1.6181686, 0.875]], rtol=1e-5)


def test_model_outputs_reassigned_to_an_inner_layer():
    # SRGAN: `vgg.outputs = [vgg.layers[9].output]`, then `vgg(img)` in a
    # frozen feature model and a combined generator model.
    i = L.Input((None, None, 3))
    h = L.Conv2D(4, 3, padding='same', activation='relu')(i)
    h = L.Conv2D(4, 3, padding='same', activation='relu')(h)
    h = L.MaxPooling2D()(h)
    h = L.Conv2D(6, 3, padding='same', activation='relu')(h)
    feat = Model(i, L.MaxPooling2D()(h))
    feat.outputs = [feat.layers[2].output]
    img = L.Input((8, 8, 3))
    vgg = Model(img, feat(img))
    vgg.trainable = False
    vgg.compile(loss='mse', optimizer=Adam(0.0002, 0.5))
    lr = L.Input((4, 4, 3))
    g = Model(lr, L.Conv2D(3, 3, padding='same', activation='tanh')(
        L.UpSampling2D()(lr)))
    combined = Model(lr, vgg(g(lr)))
    combined.compile(loss='mse', optimizer=Adam(0.0002, 0.5))
    _seed(vgg, g)
    target = vgg.predict(_imgs(2, 8, 3, 2))
    assert target.shape == (2, 8, 8, 4)
    np.testing.assert_allclose(np.abs(target).sum(), 114.37875, rtol=1e-5)
    losses = [combined.train_on_batch(_imgs(2, 4, 3, 3), target)
              for _ in range(2)]
    np.testing.assert_allclose(losses, [0.010601087, 0.010591932],
                               rtol=1e-5)


def _unet(shape):
    d0 = L.Input(shape)
    d1 = InstanceNormalization()(L.LeakyReLU(0.2)(
        L.Conv2D(4, 3, strides=2, padding='same')(d0)))
    d2 = InstanceNormalization()(L.LeakyReLU(0.2)(
        L.Conv2D(8, 3, strides=2, padding='same')(d1)))
    u1 = L.Conv2D(4, 3, padding='same', activation='relu')(
        L.UpSampling2D(2)(d2))
    u1 = L.Concatenate()([InstanceNormalization()(u1), d1])
    return Model(d0, L.Conv2D(2, 3, padding='same', activation='tanh')(
        L.UpSampling2D(2)(u1)))


def _patch_disc(shape):
    img = L.Input(shape)
    d1 = L.LeakyReLU(0.2)(L.Conv2D(4, 3, strides=2, padding='same')(img))
    d2 = InstanceNormalization()(L.LeakyReLU(0.2)(
        L.Conv2D(8, 3, strides=2, padding='same')(d1)))
    return Model(img, L.Conv2D(1, 3, padding='same')(d2))


def test_cyclegan_six_outputs_loss_weights_and_frozen_critics():
    shape = (8, 8, 2)
    opt = Adam(0.0002, 0.5)
    d_A, d_B = _patch_disc(shape), _patch_disc(shape)
    d_A.compile(loss='mse', optimizer=opt, metrics=['accuracy'])
    d_B.compile(loss='mse', optimizer=opt, metrics=['accuracy'])
    g_AB, g_BA = _unet(shape), _unet(shape)
    img_A, img_B = L.Input(shape), L.Input(shape)
    fake_B, fake_A = g_AB(img_A), g_BA(img_B)
    d_A.trainable = False
    d_B.trainable = False
    combined = Model([img_A, img_B], [d_A(fake_A), d_B(fake_B),
                                      g_BA(fake_B), g_AB(fake_A),
                                      g_BA(img_A), g_AB(img_B)])
    combined.compile(loss=['mse', 'mse', 'mae', 'mae', 'mae', 'mae'],
                     loss_weights=[1, 1, 10., 10., 1., 1.], optimizer=opt)
    _seed(d_A, d_B, g_AB, g_BA)
    valid, fake = np.ones((1, 2, 2, 1)), np.zeros((1, 2, 2, 1))
    res = []
    for step in range(2):
        a, b = _imgs(1, 8, 2, 10 + step), _imgs(1, 8, 2, 20 + step)
        fb, fa = g_AB.predict(a), g_BA.predict(b)
        res.append(d_A.train_on_batch(a, valid))
        res.append(d_A.train_on_batch(fa, fake))
        res.append(d_B.train_on_batch(fb, fake))
        res.append(combined.train_on_batch([a, b],
                                           [valid, valid, a, b, a, b]))
    expected = [
        [0.29587579, 0.5], [0.39498312, 0.0], [0.18821329, 0.5],
        [14.935898, 0.14207115, 0.68993944, 0.68740106, 0.60173526,
         0.66971099, 0.54281360],
        [0.29595399, 0.5], [0.40253225, 0.0], [0.18686385, 0.5],
        [15.508525, 0.13866486, 0.69141936, 0.71366817, 0.62767994,
         0.69441557, 0.57054400]]
    for got, want in zip(res, expected):
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-6)


def test_pix2pix_two_input_critic_and_l1_weighted_combined_model():
    shape = (8, 8, 2)
    a_in, b_in = L.Input(shape), L.Input(shape)
    h = L.Concatenate(axis=-1)([a_in, b_in])
    h = L.BatchNormalization(momentum=0.8)(L.LeakyReLU(0.2)(
        L.Conv2D(4, 3, strides=2, padding='same')(h)))
    disc = Model([a_in, b_in], L.Conv2D(1, 3, padding='same')(h))
    opt = Adam(0.0002, 0.5)
    disc.compile(loss='mse', optimizer=opt, metrics=['accuracy'])
    g_in = L.Input(shape)
    g = Model(g_in, L.Conv2D(2, 3, padding='same', activation='tanh')(
        L.UpSampling2D(2)(L.BatchNormalization(momentum=0.8)(
            L.Conv2D(4, 3, strides=2, padding='same')(g_in)))))
    img_A, img_B = L.Input(shape), L.Input(shape)
    fake_A = g(img_B)
    disc.trainable = False
    combined = Model([img_A, img_B], [disc([fake_A, img_B]), fake_A])
    combined.compile(loss=['mse', 'mae'], loss_weights=[1, 100],
                     optimizer=opt)
    _seed(disc, g)
    valid, fake = np.ones((2, 4, 4, 1)), np.zeros((2, 4, 4, 1))
    res = []
    for step in range(2):
        a, b = _imgs(2, 8, 2, 30 + step), _imgs(2, 8, 2, 40 + step)
        fa = g.predict(b)
        res.append(disc.train_on_batch([a, b], valid))
        res.append(disc.train_on_batch([fa, b], fake))
        res.append(combined.train_on_batch([a, b], [valid, a]))
    expected = [[0.57006812, 0.46875], [0.48655373, 0.53125],
                [67.895309, 0.37479889, 0.67520505],
                [0.63171852, 0.46875], [0.46165359, 0.5],
                [67.780807, 0.60041058, 0.67180395]]
    for got, want in zip(res, expected):
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-6)


def test_one_filter_convolution_trains_on_the_cpu():
    # The PatchGAN head Conv2D(1, ...) on few input channels: its kernel
    # has canonical channels_last strides, so the CPU weight gradient runs.
    x = L.Input((2, 2, 8))
    conv = L.Conv2D(1, 3, padding='same')
    m = Model(x, conv(x))
    _seed(m)
    m.compile(loss='mse', optimizer=SGD(0.1))
    xb = _imgs(1, 2, 8, 5)
    losses = [m.train_on_batch(xb, np.ones((1, 2, 2, 1))) for _ in range(2)]
    np.testing.assert_allclose(losses, [0.2859104, 0.004303395], rtol=1e-5)
    kernel = [p for p in conv.parameters() if p.dim() == 4][0]
    fresh = torch.empty(kernel.shape, memory_format=torch.channels_last)
    assert kernel.stride() == fresh.stride()
