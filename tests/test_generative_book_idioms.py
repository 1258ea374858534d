"""The training code of Foster's "Generative Deep Learning" (1st edition,
standalone Keras 2): a WGAN-GP generator frozen layer by layer
(`set_trainable`) while the critic model calls it, CycleGAN's residual
generator (a `tf.pad` REFLECT layer, keras-contrib's InstanceNormalization
without weights) and PatchGAN discriminator compiled with
`metrics=['accuracy']` on an mse loss, and the autoencoders' callbacks (a
Callback that skips `super().__init__()`, a step-decay
LearningRateScheduler, a formatted ModelCheckpoint) around `fit`.

Each model is tiny and starts from seeded weights. The reference numbers
were printed by Keras 2.3.1 (TensorFlow graph mode) running the same
programs."""
import os
import pickle

import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat import tensorflow_compat as tf
from keras_compat.callbacks import (Callback, LearningRateScheduler,
                                    ModelCheckpoint)
from keras_compat.layers import (Activation, BatchNormalization, Conv2D,
                                 Conv2DTranspose, Dense, Input, InputSpec,
                                 Layer, LeakyReLU, add)
from keras_compat.models import Model
from keras_compat.optimizers import Adam


@pytest.fixture(autouse=True)
def _standalone_keras():
    flavour = K.common.api_flavour()
    K.common.set_api_flavour('keras')
    yield
    K.common.set_api_flavour(flavour)


def _seed_weights(model, seed):
    """|Uniform(-0.5, 0.5)| values in `get_weights` order."""
    rng = np.random.RandomState(seed)
    model.set_weights([np.abs(rng.uniform(-0.5, 0.5, w.shape)).astype(
        'float32') for w in model.get_weights()])


def _set_trainable(m, val):
    m.trainable = val
    for layer in m.layers:
        layer.trainable = val


def _wasserstein(y_true, y_pred):
    return -K.mean(y_true * y_pred)


def _close(ours, reference, rtol=1e-4):
    np.testing.assert_allclose(np.asarray(ours, 'float64').ravel(),
                               np.asarray(reference, 'float64').ravel(),
                               rtol=rtol, atol=1e-6)


# ------------------------------------------------------------- WGAN-GP
def test_generator_frozen_when_the_critic_model_calls_it_keeps_statistics():
    """Keras 2 copied the updates of a model's layers into the model that
    called it at the call, leaving out those of frozen layers: the
    generator's BatchNormalization, frozen by `set_trainable` while the
    critic model was built and trainable again when it trains, keeps its
    moving statistics in the critic's steps and updates them in the
    generator's."""
    gi = Input((2,))
    x = LeakyReLU(0.2)(BatchNormalization(momentum=0.5)(Dense(3)(gi)))
    gen = Model(gi, Dense(2)(x))
    ci = Input((2,))
    critic = Model(ci, Dense(1)(ci))
    _seed_weights(gen, 1)
    _seed_weights(critic, 2)
    _set_trainable(gen, False)
    real, z = Input((2,)), Input((2,))
    critic_model = Model([real, z], [critic(real), critic(gen(z))])
    critic_model.compile(loss=[_wasserstein, _wasserstein],
                         optimizer=Adam(lr=0.01, beta_1=0.5))
    _set_trainable(critic, False)
    _set_trainable(gen, True)
    zi = Input((2,))
    model = Model(zi, critic(gen(zi)))
    model.compile(optimizer=Adam(lr=0.01, beta_1=0.5), loss=_wasserstein)
    _set_trainable(critic, True)
    rng = np.random.RandomState(0)
    xr = rng.normal(size=(4, 2)).astype('float32')
    xz = rng.normal(size=(4, 2)).astype('float32')
    ones = np.ones((4, 1), 'float32')

    def stats():
        return np.concatenate([w.ravel()
                               for w in gen.layers[2].get_weights()[2:]])

    initial = stats()
    _close(critic_model.train_on_batch([xr, xz], [ones, -ones]),
           [0.12983691692352295, -0.3178856074810028, 0.44772252440452576])
    np.testing.assert_array_equal(stats(), initial)
    _close(model.train_on_batch(xz, ones), [-0.44907066226005554])
    moved = [0.3123536705970764, 0.2553257942199707, 0.27703431248664856,
             0.18549640476703644, 0.16830715537071228, 0.17593960464000702]
    _close(stats(), moved)
    _close(critic_model.train_on_batch([xr, xz], [ones, -ones]),
           [0.13809388875961304, -0.32800567150115967, 0.4660995602607727])
    _close(stats(), moved)


# ------------------------------------------------------------- CycleGAN
class ReflectionPadding2D(Layer):
    def __init__(self, padding=(1, 1), **kwargs):
        self.padding = tuple(padding)
        self.input_spec = [InputSpec(ndim=4)]
        super(ReflectionPadding2D, self).__init__(**kwargs)

    def compute_output_shape(self, s):
        return (s[0], s[1] + 2 * self.padding[0],
                s[2] + 2 * self.padding[1], s[3])

    def call(self, x, mask=None):
        w_pad, h_pad = self.padding
        return tf.pad(x, [[0, 0], [h_pad, h_pad], [w_pad, w_pad], [0, 0]],
                      'REFLECT')


class InstanceNormalization(Layer):
    """keras-contrib's layer, reduced to center=False, scale=False."""

    def __init__(self, axis=None, epsilon=1e-3, **kwargs):
        super(InstanceNormalization, self).__init__(**kwargs)
        self.axis, self.epsilon = axis, epsilon

    def build(self, input_shape):
        self.input_spec = InputSpec(ndim=len(input_shape))
        self.built = True

    def call(self, inputs, training=None):
        reduction_axes = list(range(0, len(K.int_shape(inputs))))
        if self.axis is not None:
            del reduction_axes[self.axis]
        del reduction_axes[0]
        mean = K.mean(inputs, reduction_axes, keepdims=True)
        stddev = K.std(inputs, reduction_axes, keepdims=True) + self.epsilon
        return (inputs - mean) / stddev


def _in_relu(y):
    return Activation('relu')(InstanceNormalization(axis=-1)(y))


def test_cyclegan_residual_generator_and_patch_discriminator_steps():
    """Accuracy on the discriminator's unbounded patch outputs rounds them
    as Keras 2 did: 2.09 is not a match for the label 1."""
    img = Input((8, 8, 2))
    y = _in_relu(Conv2D(3, (3, 3))(ReflectionPadding2D((1, 1))(img)))
    r = _in_relu(Conv2D(3, (3, 3))(ReflectionPadding2D((1, 1))(y)))
    y = add([y, r])
    y = _in_relu(Conv2DTranspose(2, (3, 3), strides=2, padding='same')(y))
    g_AB = Model(img, Conv2D(2, (3, 3), strides=2, padding='same',
                             activation='tanh')(y))
    di = Input((8, 8, 2))
    d = LeakyReLU(0.2)(InstanceNormalization(axis=-1)(
        Conv2D(2, 4, strides=2, padding='same')(di)))
    d_A = Model(di, Conv2D(1, 4, strides=2, padding='same')(d))
    _seed_weights(g_AB, 3)
    _seed_weights(d_A, 4)
    d_A.compile(loss='mse', optimizer=Adam(0.0002, 0.5),
                metrics=['accuracy'])
    d_A.trainable = False
    ia = Input((8, 8, 2))
    fake = g_AB(ia)
    combined = Model(ia, [d_A(fake), g_AB(fake)])
    combined.compile(loss=['mse', 'mae'], loss_weights=[1, 10],
                     optimizer=Adam(0.0002, 0.5))
    d_A.trainable = True
    rng = np.random.RandomState(0)
    rng.normal(size=(8, 2))
    imgs = rng.uniform(-1, 1, (1, 8, 8, 2)).astype('float32')
    valid, fk = np.ones((1, 2, 2, 1)), np.zeros((1, 2, 2, 1))
    fakes = [g_AB.predict(imgs)]    # a list sampled from the image buffer
    _close(d_A.predict(imgs), [1.125345230102539, 0.02323240041732788,
                               2.0851526260375977, 0.9679496884346008])
    _close(d_A.train_on_batch(imgs, valid), [0.5370924472808838, 0.5])
    _close(d_A.train_on_batch(fakes, fk), [3.4237632751464844, 0.0])
    _close(combined.train_on_batch(imgs, [valid, imgs]),
           [7.765273571014404, 1.0981101989746094, 0.6667163372039795])
    _close(combined.train_on_batch(imgs, [valid, imgs]),
           [7.761837005615234, 1.096756100654602, 0.6665080785751343])


# ------------------------------------------------------ autoencoder fit
class CustomCallback(Callback):
    def __init__(self, holder):      # no super().__init__(), as the book
        self.holder = holder
        self.seen = []

    def on_batch_end(self, batch, logs={}):
        self.seen.append(
            self.holder.decoder.predict(np.ones((1, 2)))[0].sum())


def step_decay_schedule(initial_lr, decay_factor=0.5, step_size=1):
    def schedule(epoch):
        return initial_lr * (decay_factor ** np.floor(epoch / step_size))
    return LearningRateScheduler(schedule)


class _Holder(object):
    pass


def _r_loss(y_true, y_pred):
    return K.mean(K.square(y_true - y_pred), axis=-1)


def test_autoencoder_fit_with_the_book_callbacks_and_pickled_holder(
        tmp_path):
    holder = _Holder()
    ei, di = Input((4,)), Input((2,))
    holder.decoder = Model(di, Dense(4, activation='sigmoid')(di))
    holder.model = Model(ei, holder.decoder(Dense(2)(ei)))
    _seed_weights(holder.model, 5)
    holder.model.compile(optimizer=Adam(lr=0.01), loss=_r_loss)
    rng = np.random.RandomState(0)
    rng.normal(size=(8, 2))
    rng.uniform(-1, 1, (1, 8, 8, 2))
    xs = rng.uniform(0, 1, (6, 4)).astype('float32')
    callback = CustomCallback(holder)
    checkpoint = ModelCheckpoint(
        str(tmp_path / 'weights-{epoch:03d}-{loss:.2f}.h5'),
        save_weights_only=True)
    np.random.seed(7)
    history = holder.model.fit(
        xs, xs, batch_size=2, shuffle=True, epochs=2, verbose=0,
        callbacks=[checkpoint, callback, step_decay_schedule(0.01, 0.5)])
    _close(history.history['loss'],
           [0.09741487354040146, 0.09471499919891357])
    _close([K.get_value(holder.model.optimizer.lr)], [0.005])
    _close(callback.seen,
           [2.5958034992218018, 2.5905237197875977, 2.5803966522216797,
            2.574772357940674, 2.5703060626983643, 2.5655760765075684])
    assert sorted(os.listdir(tmp_path)) == ['weights-001-0.10.h5',
                                            'weights-002-0.09.h5']
    path = tmp_path / 'obj.pkl'
    with open(path, 'wb') as f:
        pickle.dump(holder, f)
    with open(path, 'rb') as f:
        restored = pickle.load(f)
    np.testing.assert_allclose(restored.model.predict(xs),
                               holder.model.predict(xs), rtol=1e-6)
