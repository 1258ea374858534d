"""A tape answers with the values its operations read, as TensorFlow's
tapes keep them: a GAN loop that applies the discriminator's gradients
before asking the generator's tape for its own (WGAN-GP as Raschka's
Python Machine Learning writes it) gets the gradients of the weights as
they were read. Reference numbers: tf_keras 2.21 running the same loop."""
import numpy as np
import pytest

import keras_compat as keras
from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common


@pytest.fixture(autouse=True)
def _tf_keras_flavour():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


def _models():
    constant = keras.initializers.Constant
    gen = keras.Sequential([
        keras.layers.Dense(4, input_shape=(2,), activation='tanh',
                           kernel_initializer=constant(0.3)),
        keras.layers.Dense(3, kernel_initializer=constant(-0.2))])
    disc = keras.Sequential([
        keras.layers.Dense(5, input_shape=(3,), activation='relu',
                           kernel_initializer=constant(0.1),
                           bias_initializer='ones'),
        keras.layers.Dense(1, kernel_initializer=constant(0.4))])
    return gen, disc


def test_discriminator_update_before_the_generator_tape_answers():
    gen, disc = _models()
    g_opt = keras.optimizers.Adam(1e-2)
    d_opt = keras.optimizers.Adam(1e-2)
    z = tf.constant(np.linspace(-1, 1, 8).reshape(4, 2), tf.float32)
    real = tf.constant(np.linspace(0, 2, 12).reshape(4, 3), tf.float32)
    alpha = tf.constant(np.full((4, 1), 0.3), tf.float32)
    seen = []
    for _ in range(3):
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = gen(z)
            d_fake = disc(fake)
            g_loss = -tf.reduce_mean(d_fake)
            d_loss = tf.reduce_mean(d_fake) - tf.reduce_mean(disc(real))
            interp = alpha * real + (1 - alpha) * fake
            with tf.GradientTape() as gp_tape:
                gp_tape.watch(interp)
                d_int = disc(interp)
            grads_int = gp_tape.gradient(d_int, [interp])[0]
            gp = tf.reduce_mean(tf.square(tf.norm(grads_int, axis=1) - 1.))
            d_loss = d_loss + 10.0 * gp
        d_grads = d_tape.gradient(d_loss, disc.trainable_variables)
        d_opt.apply_gradients(zip(d_grads, disc.trainable_variables))
        # The generator's tape read the discriminator before this update.
        g_grads = g_tape.gradient(g_loss, gen.trainable_variables)
        g_opt.apply_gradients(zip(g_grads, gen.trainable_variables))
        seen.append((float(d_loss), float(g_loss),
                     float(tf.reduce_sum(g_grads[0]))))
    np.testing.assert_allclose(
        seen, [(3.671797513961792, -2.000000238418579, 0.0),
               (3.0503053665161133, -2.062842607498169,
                0.005035318434238434),
               (2.449298858642578, -2.129258155822754,
                0.011673517525196075)], rtol=2e-4, atol=1e-6)


def test_updates_with_no_tape_waiting_copy_nothing():
    from keras_compat.backend import tape_values
    gen, _ = _models()
    opt = keras.optimizers.SGD(0.1)
    z = tf.constant(np.ones((2, 2)), tf.float32)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(gen(z))
    grads = tape.gradient(loss, gen.trainable_variables)
    opt.apply_gradients(zip(grads, gen.trainable_variables))
    assert tape_values._OLD_VALUES == {}
    # One SGD step of d(sum)/d(bias of the last layer) = 2 per unit.
    np.testing.assert_allclose(gen.layers[1].bias.numpy(), [-0.2] * 3,
                               rtol=1e-6)
