"""The tf.keras 2.10 code of Foster's "Generative Deep Learning" (2nd
edition): a VAE whose `train_step` feeds `metrics.Mean` trackers listed by
an overridden `metrics` property, a conditional WGAN-GP with a
`compile(c_optimizer=..., g_optimizer=...)` override and a gradient
penalty taken by a tape nested in the training tape, the DDIM diffusion
model (offset cosine schedule, a `sinusoidal_embedding` Lambda,
`Normalization.adapt`, an EMA copy made by `clone_model` and updated with
`assign` in `train_step`, AdamW, a weights-only ModelCheckpoint read back),
PixelCNN's MaskedConv2D (its kernel multiplied by a mask in `call`), the
energy-based model's Langevin sampling (a tape on the inputs,
`tf.clip_by_value`, a replay buffer) and the GPT block (a causal mask from
`tf.range`/`tf.tile`, `return_attention_scores=True`, a `None` loss for
the attention output), shrunk to tiny shapes with seeded data and fixed
weights; the random draws inside `train_step` come from a RandomState.

Reference numbers were computed with TensorFlow 2.21 + tf_keras
(TF_USE_LEGACY_KERAS=1) running the same `_run_*` functions with the real
`tensorflow` module."""
import math

import numpy as np
import pytest


def _aliased(name):
    return name.split('.')[0] in ('keras', 'tensorflow', 'keras_preprocessing')


@pytest.fixture
def tf():
    """The TensorFlow stand-in as a program run by keras_compat sees it;
    the import aliases are taken back afterwards."""
    import sys
    import torch
    import keras_compat
    from keras_compat import tensorflow_compat
    from keras_compat.backend import common
    modules = {k: v for k, v in sys.modules.items() if _aliased(k)}
    finders = list(sys.meta_path)
    numpy = torch.Tensor.numpy
    keras_compat.install_as_keras()
    common.set_api_flavour('tf.keras')
    try:
        yield tensorflow_compat
    finally:
        for name in [k for k in sys.modules if _aliased(k)]:
            del sys.modules[name]
        sys.modules.update(modules)
        sys.meta_path[:] = finders
        torch.Tensor.numpy = numpy
        common.set_api_flavour('keras')


def _fill_weights(model, seed, scale=0.3):
    rs = np.random.RandomState(seed)
    values = []
    for variable, value in zip(model.weights, model.get_weights()):
        new = (rs.uniform(-1, 1, value.shape) * scale).astype('float32')
        if 'variance' in variable.name:
            new = np.abs(new) + 0.5
        values.append(new)
    model.set_weights(values)


def _close(actual, expected, rtol=1e-4, atol=1e-4):
    np.testing.assert_allclose(np.asarray(actual, dtype='float64'),
                               np.asarray(expected, dtype='float64'),
                               rtol=rtol, atol=atol)


def _rounded(logs):
    return {k: [round(float(v), 5) for v in vs] for k, vs in logs.items()}


# ------------------------------------------------------------------ VAE
def _run_vae(tf):
    keras = tf.keras
    layers, models, metrics, losses = (keras.layers, keras.models,
                                       keras.metrics, keras.losses)
    K = keras.backend

    class Sampling(layers.Layer):
        def call(self, inputs):
            z_mean, z_log_var = inputs
            batch = tf.shape(z_mean)[0]
            dim = tf.shape(z_mean)[1]
            epsilon = K.random_normal(shape=(batch, dim), stddev=0.0)
            return z_mean + tf.exp(0.5 * z_log_var) * epsilon

    encoder_input = layers.Input(shape=(8, 8, 1))
    x = layers.Conv2D(4, 3, strides=2, activation="relu",
                      padding="same")(encoder_input)
    x = layers.BatchNormalization()(x)
    x = layers.LeakyReLU()(x)
    shape_before_flattening = K.int_shape(x)[1:]
    x = layers.Flatten()(x)
    z_mean = layers.Dense(2, name="z_mean")(x)
    z_log_var = layers.Dense(2, name="z_log_var")(x)
    z = Sampling()([z_mean, z_log_var])
    encoder = models.Model(encoder_input, [z_mean, z_log_var, z])
    decoder_input = layers.Input(shape=(2,))
    x = layers.Dense(np.prod(shape_before_flattening))(decoder_input)
    x = layers.Reshape(shape_before_flattening)(x)
    x = layers.Conv2DTranspose(4, 3, strides=2, activation="relu",
                               padding="same")(x)
    out = layers.Conv2D(1, 3, activation="sigmoid", padding="same")(x)
    decoder = models.Model(decoder_input, out)
    _fill_weights(encoder, 1)
    _fill_weights(decoder, 2)

    def vae_losses(data, z_mean, z_log_var, reconstruction):
        reconstruction_loss = tf.reduce_mean(500 * losses.binary_crossentropy(
            data, reconstruction, axis=(1, 2, 3)))
        kl_loss = tf.reduce_mean(tf.reduce_sum(-0.5 * (
            1 + z_log_var - tf.square(z_mean) - tf.exp(z_log_var)), axis=1))
        return reconstruction_loss + kl_loss, reconstruction_loss, kl_loss

    class VAE(models.Model):
        def __init__(self, encoder, decoder, **kwargs):
            super(VAE, self).__init__(**kwargs)
            self.encoder = encoder
            self.decoder = decoder
            self.total_loss_tracker = metrics.Mean(name="total_loss")
            self.reconstruction_loss_tracker = metrics.Mean(
                name="reconstruction_loss")
            self.kl_loss_tracker = metrics.Mean(name="kl_loss")

        @property
        def metrics(self):
            return [self.total_loss_tracker,
                    self.reconstruction_loss_tracker, self.kl_loss_tracker]

        def call(self, inputs):
            z_mean, z_log_var, z = self.encoder(inputs)
            return z_mean, z_log_var, self.decoder(z)

        def train_step(self, data):
            with tf.GradientTape() as tape:
                z_mean, z_log_var, reconstruction = self(data)
                total, rec, kl = vae_losses(data, z_mean, z_log_var,
                                            reconstruction)
            grads = tape.gradient(total, self.trainable_weights)
            self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
            self.total_loss_tracker.update_state(total)
            self.reconstruction_loss_tracker.update_state(rec)
            self.kl_loss_tracker.update_state(kl)
            return {m.name: m.result() for m in self.metrics}

        def test_step(self, data):
            if isinstance(data, tuple):
                data = data[0]
            total, rec, kl = vae_losses(data, *self(data))
            return {"loss": total, "reconstruction_loss": rec,
                    "kl_loss": kl}

    generated = []

    class ImageGenerator(keras.callbacks.Callback):
        def __init__(self, num_img, latent_dim):
            self.num_img = num_img
            self.latent_dim = latent_dim

        def on_epoch_end(self, epoch, logs=None):
            vectors = np.random.RandomState(epoch).normal(
                size=(self.num_img, self.latent_dim))
            images = self.model.decoder.predict(vectors, verbose=0)
            generated.append(float(images.sum()))

    rs = np.random.RandomState(0)
    x_train = rs.uniform(size=(8, 8, 8, 1)).astype('float32')
    x_test = rs.uniform(size=(4, 8, 8, 1)).astype('float32')
    vae = VAE(encoder, decoder)
    vae.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01))
    names_before = list(vae.metrics_names)
    history = vae.fit(x_train, epochs=2, batch_size=4, shuffle=False,
                      validation_data=(x_test, x_test), verbose=0,
                      callbacks=[ImageGenerator(2, 2)])
    return {'history': _rounded(history.history), 'generated': generated,
            'evaluate': vae.evaluate(x_test, verbose=0),
            'names_before': names_before,
            'names': list(vae.metrics_names)}


def test_vae_custom_train_step_trackers(tf):
    result = _run_vae(tf)
    # tf_keras 2.21
    expected = {
        'total_loss': [349.75867, 348.21777],
        'reconstruction_loss': [349.63632, 348.10446],
        'kl_loss': [0.12237, 0.11329],
        'val_loss': [348.51596, 347.74945],
        'val_reconstruction_loss': [348.41278, 347.5961],
        'val_kl_loss': [0.10317, 0.15337]}
    assert sorted(result['history']) == sorted(expected)
    for key, values in expected.items():
        _close(result['history'][key], values)
    _close(result['generated'], [58.705093, 59.489063])
    # The dict of test_step comes back in metrics_names order, then sorted.
    _close(result['evaluate'], [347.59610, 0.153366, 347.74945])
    names = ['total_loss', 'reconstruction_loss', 'kl_loss']
    assert result['names_before'] == names
    assert result['names'] == names


# ------------------------------------------------------ conditional WGAN-GP
def _run_conditional_wgan_gp(tf):
    keras = tf.keras
    layers, models, metrics = keras.layers, keras.models, keras.metrics
    rs = np.random.RandomState(7)

    def normal(shape):
        return tf.constant(rs.normal(size=[int(s) for s in shape])
                           .astype('float32'))

    image_input = layers.Input(shape=(4, 4, 1))
    label_input = layers.Input(shape=(4, 4, 2))
    x = layers.Concatenate(axis=-1)([image_input, label_input])
    x = layers.Conv2D(4, kernel_size=3, strides=2, padding="same")(x)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.Conv2D(1, kernel_size=2, padding="valid")(x)
    critic = models.Model([image_input, label_input], layers.Flatten()(x))
    z_input = layers.Input(shape=(3,))
    class_input = layers.Input(shape=(2,))
    x = layers.Concatenate(axis=-1)([z_input, class_input])
    x = layers.Reshape((1, 1, 5))(x)
    x = layers.Conv2DTranspose(4, kernel_size=2, padding="valid",
                               use_bias=False)(x)
    x = layers.BatchNormalization(momentum=0.9)(x)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.Conv2DTranspose(1, kernel_size=3, strides=2, padding="same",
                               activation="tanh")(x)
    generator = models.Model([z_input, class_input], x)
    _fill_weights(critic, 1)
    _fill_weights(generator, 2)

    class ConditionalWGAN(models.Model):
        def __init__(self, critic, generator, latent_dim, critic_steps,
                     gp_weight):
            super(ConditionalWGAN, self).__init__()
            self.critic = critic
            self.generator = generator
            self.latent_dim = latent_dim
            self.critic_steps = critic_steps
            self.gp_weight = gp_weight

        def compile(self, c_optimizer, g_optimizer):
            super(ConditionalWGAN, self).compile(run_eagerly=True)
            self.c_optimizer = c_optimizer
            self.g_optimizer = g_optimizer
            self.c_loss_metric = metrics.Mean(name="c_loss")
            self.c_gp_metric = metrics.Mean(name="c_gp")
            self.g_loss_metric = metrics.Mean(name="g_loss")

        @property
        def metrics(self):
            return [self.c_loss_metric, self.c_gp_metric, self.g_loss_metric]

        def gradient_penalty(self, batch_size, real, fake, labels):
            alpha = normal([batch_size, 1, 1, 1])
            interpolated = real + alpha * (fake - real)
            with tf.GradientTape() as gp_tape:
                gp_tape.watch(interpolated)
                pred = self.critic([interpolated, labels], training=True)
            grads = gp_tape.gradient(pred, [interpolated])[0]
            norm = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]))
            return tf.reduce_mean((norm - 1.0) ** 2)

        def train_step(self, data):
            real_images, one_hot_labels = data
            image_labels = one_hot_labels[:, None, None, :]
            image_labels = tf.repeat(image_labels, repeats=4, axis=1)
            image_labels = tf.repeat(image_labels, repeats=4, axis=2)
            batch_size = tf.shape(real_images)[0]
            for _ in range(self.critic_steps):
                latent = normal((batch_size, self.latent_dim))
                with tf.GradientTape() as tape:
                    fake = self.generator([latent, one_hot_labels],
                                          training=True)
                    fake_pred = self.critic([fake, image_labels],
                                            training=True)
                    real_pred = self.critic([real_images, image_labels],
                                            training=True)
                    c_wass_loss = tf.reduce_mean(fake_pred) - \
                        tf.reduce_mean(real_pred)
                    c_gp = self.gradient_penalty(batch_size, real_images,
                                                 fake, image_labels)
                    c_loss = c_wass_loss + c_gp * self.gp_weight
                grads = tape.gradient(c_loss, self.critic.trainable_variables)
                self.c_optimizer.apply_gradients(
                    zip(grads, self.critic.trainable_variables))
            latent = normal((batch_size, self.latent_dim))
            with tf.GradientTape() as tape:
                fake = self.generator([latent, one_hot_labels], training=True)
                g_loss = -tf.reduce_mean(
                    self.critic([fake, image_labels], training=True))
            grads = tape.gradient(g_loss, self.generator.trainable_variables)
            self.g_optimizer.apply_gradients(
                zip(grads, self.generator.trainable_variables))
            self.c_loss_metric.update_state(c_loss)
            self.c_gp_metric.update_state(c_gp)
            self.g_loss_metric.update_state(g_loss)
            return {m.name: m.result() for m in self.metrics}

    data = np.random.RandomState(0)
    images = data.uniform(-1, 1, (4, 4, 4, 1)).astype('float32')
    labels = np.eye(2, dtype='float32')[data.randint(0, 2, 4)]
    train = tf.data.Dataset.from_tensor_slices((images, labels)).batch(2)
    wgan = ConditionalWGAN(critic, generator, latent_dim=3, critic_steps=2,
                           gp_weight=10.0)
    # A large epsilon: the Wasserstein loss gives bias gradients that
    # cancel to rounding noise, which Adam's default epsilon would amplify.
    wgan.compile(
        c_optimizer=keras.optimizers.Adam(0.01, beta_1=0.5, epsilon=1e-3),
        g_optimizer=keras.optimizers.Adam(0.01, beta_1=0.5, epsilon=1e-3))
    history = wgan.fit(train, epochs=2, verbose=0)
    return {'history': _rounded(history.history),
            'critic': float(np.sum(critic.get_weights()[0])),
            'moving_variance': generator.layers[5].moving_variance.numpy()}


def test_conditional_wgan_gp_nested_tapes(tf):
    result = _run_conditional_wgan_gp(tf)
    # tf_keras 2.21
    expected = {
        'history': {'c_loss': [4.23654, 2.75965], 'c_gp': [0.4361, 0.29652],
                    'g_loss': [0.28818, 0.40094]},
        'critic': -0.246582478,
        'moving_variance': [0.23975007, 0.22032635, 0.23376364, 0.26942825]}
    for key, values in expected['history'].items():
        _close(result['history'][key], values)
    _close(result['critic'], expected['critic'])
    _close(result['moving_variance'], expected['moving_variance'])
