"""The keras.io vision examples written for tf.keras 2.x (MNIST convnet,
image classification from scratch, Vision Transformer, Siamese contrastive
network, VAE, DCGAN, WGAN-GP), shrunk to tiny shapes with synthetic data and
fixed weights. Where an example draws noise with `tf.random.normal`, the
noise is replaced by a fixed tensor so that the losses are deterministic.

Reference numbers were computed with TensorFlow 2.21 + tf_keras
(TF_USE_LEGACY_KERAS=1, TF_ENABLE_ONEDNN_OPTS=0) running the same
`_run_*` functions with the real `tensorflow` module."""
import numpy as np
import pytest


@pytest.fixture
def tf():
    from keras_compat import tensorflow_compat
    from keras_compat.backend import common
    common.set_api_flavour('tf.keras')
    return tensorflow_compat


def _fill_weights(model, seed, scale=0.2):
    """Sets every weight from a RandomState; variances stay positive."""
    rs = np.random.RandomState(seed)
    values = []
    for variable, value in zip(model.weights, model.get_weights()):
        new = (rs.standard_normal(value.shape) * scale).astype('float32')
        if 'variance' in variable.name:
            new = np.abs(new) + 0.5
        values.append(new)
    model.set_weights(values)


def _fixed_noise(tf, batch_size, dim, factor=1.0):
    """A deterministic stand-in for tf.random.normal((batch_size, dim))."""
    grid = tf.reshape(tf.range(0, 64 * 8, dtype=tf.float32), (64, 8))
    return tf.sin(grid[:batch_size, :dim] * 0.37) * factor


def _close(actual, expected, atol=1e-4):
    np.testing.assert_allclose(np.asarray(actual, dtype='float64'),
                               np.asarray(expected, dtype='float64'),
                               rtol=1e-4, atol=atol)


# ------------------------------------------------------------ MNIST convnet
def _run_mnist_convnet(tf):
    keras, layers = tf.keras, tf.keras.layers
    rs = np.random.RandomState(1)
    x = np.expand_dims(rs.rand(16, 12, 12).astype('float32'), -1)
    y = keras.utils.to_categorical(rs.randint(0, 3, 16), 3)
    model = keras.Sequential([
        keras.Input(shape=(12, 12, 1)),
        layers.Conv2D(4, kernel_size=(3, 3), activation='relu'),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(8, kernel_size=(3, 3), activation='relu'),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.0),
        layers.Dense(3, activation='softmax'),
    ])
    _fill_weights(model, seed=0)
    first = model.predict(x[:1], verbose=0)[0]
    model.compile(loss='categorical_crossentropy', optimizer='adam',
                  metrics=['accuracy'])
    history = model.fit(x, y, batch_size=4, epochs=2, validation_split=0.25,
                        shuffle=False, verbose=0)
    return dict(first=first, loss=history.history['loss'],
                val_loss=history.history['val_loss'])


MNIST_CONVNET = dict(
    first=[0.34886, 0.27925, 0.37189],
    loss=[1.11219, 1.09862], val_loss=[1.01491, 1.0051])


def test_mnist_convnet_matches_tf_keras(tf):
    result = _run_mnist_convnet(tf)
    for key, expected in MNIST_CONVNET.items():
        _close(result[key], expected)


# ------------------------------------------- image classification from scratch
def _residual_separable_model(keras, layers):
    inputs = keras.Input(shape=(8, 8, 3))
    x = layers.Rescaling(1.0 / 255)(inputs)
    x = layers.Conv2D(4, 3, strides=2, padding='same')(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation('relu')(x)
    previous_block_activation = x
    for size in [8]:
        x = layers.Activation('relu')(x)
        x = layers.SeparableConv2D(size, 3, padding='same')(x)
        x = layers.BatchNormalization()(x)
        x = layers.MaxPooling2D(3, strides=2, padding='same')(x)
        residual = layers.Conv2D(size, 1, strides=2, padding='same')(
            previous_block_activation)
        x = layers.add([x, residual])
        previous_block_activation = x
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(1, activation='sigmoid')(x)
    return keras.Model(inputs, outputs)


def _run_image_classification(tf):
    keras, layers = tf.keras, tf.keras.layers
    rs = np.random.RandomState(2)
    x = (rs.rand(16, 8, 8, 3) * 255).astype('float32')
    y = rs.randint(0, 2, 16).astype('float32')
    model = _residual_separable_model(keras, layers)
    _fill_weights(model, seed=2, scale=0.3)
    first = model.predict(x[:2], verbose=0)[:, 0]
    model.compile(optimizer=keras.optimizers.Adam(1e-2),
                  loss='binary_crossentropy', metrics=['accuracy'])
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(4).prefetch(
        tf.data.AUTOTUNE)
    history = model.fit(dataset, epochs=2, verbose=0)
    # (Predictions after training are not compared: the biases ahead of
    # BatchNormalization get gradients that are zero up to rounding, which
    # Adam scales up to full steps of either sign.)
    return dict(first=first, loss=history.history['loss'])


IMAGE_CLASSIFICATION = dict(
    first=[0.30177, 0.30369], loss=[0.72089, 0.67657])


def test_image_classification_residual_blocks_match_tf_keras(tf):
    result = _run_image_classification(tf)
    for key, expected in IMAGE_CLASSIFICATION.items():
        _close(result[key], expected)


# ---------------------------------------------------------- Vision Transformer
def _vit_layers(tf):
    layers = tf.keras.layers

    class Patches(layers.Layer):
        def __init__(self, patch_size):
            super().__init__()
            self.patch_size = patch_size

        def call(self, images):
            batch_size = tf.shape(images)[0]
            patches = tf.image.extract_patches(
                images=images,
                sizes=[1, self.patch_size, self.patch_size, 1],
                strides=[1, self.patch_size, self.patch_size, 1],
                rates=[1, 1, 1, 1], padding='VALID')
            patch_dims = patches.shape[-1]
            return tf.reshape(patches, [batch_size, -1, patch_dims])

    class PatchEncoder(layers.Layer):
        def __init__(self, num_patches, projection_dim):
            super().__init__()
            self.num_patches = num_patches
            self.projection = layers.Dense(units=projection_dim)
            self.position_embedding = layers.Embedding(
                input_dim=num_patches, output_dim=projection_dim)

        def call(self, patch):
            positions = tf.range(start=0, limit=self.num_patches, delta=1)
            return self.projection(patch) + self.position_embedding(positions)

    return Patches, PatchEncoder


def _run_vision_transformer(tf):
    keras, layers = tf.keras, tf.keras.layers
    Patches, PatchEncoder = _vit_layers(tf)
    rs = np.random.RandomState(3)
    x = rs.rand(8, 8, 8, 3).astype('float32')
    y = rs.randint(0, 3, (8, 1))
    inputs = layers.Input(shape=(8, 8, 3))
    encoded = PatchEncoder(4, 6)(Patches(4)(inputs))
    x1 = layers.LayerNormalization(epsilon=1e-6)(encoded)
    attention = layers.MultiHeadAttention(num_heads=2, key_dim=6,
                                          dropout=0.0)(x1, x1)
    x2 = layers.Add()([attention, encoded])
    x3 = layers.LayerNormalization(epsilon=1e-6)(x2)
    x3 = layers.Dense(6, activation=tf.nn.gelu)(x3)
    encoded = layers.Add()([x3, x2])
    features = layers.Flatten()(
        layers.LayerNormalization(epsilon=1e-6)(encoded))
    model = keras.Model(inputs, layers.Dense(3)(features))
    _fill_weights(model, seed=0)
    first = model.predict(x[:1], verbose=0)[0]
    model.compile(
        optimizer=keras.optimizers.AdamW(learning_rate=1e-2,
                                         weight_decay=1e-4),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name='accuracy')])
    history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False,
                        verbose=0)
    patches = Patches(4)(x[:1])
    return dict(first=first, loss=history.history['loss'],
                patches_shape=list(patches.shape),
                patch=np.asarray(patches)[0, 1, :3])


VISION_TRANSFORMER = dict(
    first=[0.16223, 0.13273, 0.5559], loss=[1.18302, 0.9773],
    patches_shape=[1, 4, 48], patch=[0.64914, 0.27849, 0.67625])


def test_vision_transformer_patches_and_training_match_tf_keras(tf):
    result = _run_vision_transformer(tf)
    for key, expected in VISION_TRANSFORMER.items():
        _close(result[key], expected)


# ----------------------------------------------------------- Siamese network
def _run_siamese_contrastive(tf):
    keras, layers = tf.keras, tf.keras.layers

    def euclidean_distance(vects):
        x, y = vects
        sum_square = tf.math.reduce_sum(tf.math.square(x - y), axis=1,
                                        keepdims=True)
        return tf.math.sqrt(tf.math.maximum(sum_square,
                                            tf.keras.backend.epsilon()))

    def contrastive_loss(y_true, y_pred, margin=1):
        square_pred = tf.math.square(y_pred)
        margin_square = tf.math.square(tf.math.maximum(margin - y_pred, 0))
        return tf.math.reduce_mean((1 - y_true) * square_pred +
                                   y_true * margin_square)

    image = layers.Input((6, 6, 1))
    x = layers.BatchNormalization()(image)
    x = layers.Conv2D(2, (3, 3), activation='tanh')(x)
    x = layers.AveragePooling2D(pool_size=(2, 2))(x)
    x = layers.Flatten()(x)
    x = layers.Dense(4, activation='tanh')(x)
    embedding = keras.Model(image, x)
    input_1, input_2 = layers.Input((6, 6, 1)), layers.Input((6, 6, 1))
    merged = layers.Lambda(euclidean_distance)(
        [embedding(input_1), embedding(input_2)])
    output = layers.Dense(1, activation='sigmoid')(
        layers.BatchNormalization()(merged))
    siamese = keras.Model([input_1, input_2], output)
    _fill_weights(siamese, seed=4)
    rs = np.random.RandomState(4)
    xa, xb = rs.rand(2, 12, 6, 6, 1).astype('float32')
    labels = rs.randint(0, 2, 12).astype('float32')
    first = siamese.predict([xa[:2], xb[:2]], verbose=0)[:, 0]
    siamese.compile(loss=contrastive_loss, optimizer='RMSprop',
                    metrics=['accuracy'])
    history = siamese.fit([xa, xb], labels, batch_size=4, epochs=2,
                          shuffle=False, verbose=0,
                          validation_data=([xa[:4], xb[:4]], labels[:4]))
    return dict(first=first, loss=history.history['loss'],
                val_loss=history.history['val_loss'])


SIAMESE = dict(first=[0.45298, 0.45298], loss=[0.26, 0.2597],
               val_loss=[0.27503, 0.27452])


def test_siamese_contrastive_matches_tf_keras(tf):
    result = _run_siamese_contrastive(tf)
    for key, expected in SIAMESE.items():
        _close(result[key], expected)


# ----------------------------------------------------- Variational AutoEncoder
def _vae_classes(tf, epsilon_value):
    keras, layers = tf.keras, tf.keras.layers

    class Sampling(layers.Layer):
        def call(self, inputs):
            z_mean, z_log_var = inputs
            batch = tf.shape(z_mean)[0]
            dim = tf.shape(z_mean)[1]
            epsilon = tf.keras.backend.random_normal(shape=(batch, dim))
            if epsilon_value is not None:
                epsilon = epsilon * 0.0 + epsilon_value
            return z_mean + tf.exp(0.5 * z_log_var) * epsilon

    class VAE(keras.Model):
        def __init__(self, encoder, decoder, **kwargs):
            super().__init__(**kwargs)
            self.encoder = encoder
            self.decoder = decoder
            self.total_loss_tracker = keras.metrics.Mean(name='total_loss')
            self.kl_loss_tracker = keras.metrics.Mean(name='kl_loss')

        @property
        def metrics(self):
            return [self.total_loss_tracker, self.kl_loss_tracker]

        def train_step(self, data):
            with tf.GradientTape() as tape:
                z_mean, z_log_var, z = self.encoder(data)
                reconstruction = self.decoder(z)
                reconstruction_loss = tf.reduce_mean(tf.reduce_sum(
                    keras.losses.binary_crossentropy(data, reconstruction),
                    axis=(1, 2)))
                kl_loss = -0.5 * (1 + z_log_var - tf.square(z_mean) -
                                  tf.exp(z_log_var))
                kl_loss = tf.reduce_mean(tf.reduce_sum(kl_loss, axis=1))
                total_loss = reconstruction_loss + kl_loss
            grads = tape.gradient(total_loss, self.trainable_weights)
            self.optimizer.apply_gradients(zip(grads,
                                               self.trainable_weights))
            self.total_loss_tracker.update_state(total_loss)
            self.kl_loss_tracker.update_state(kl_loss)
            return {'loss': self.total_loss_tracker.result(),
                    'kl_loss': self.kl_loss_tracker.result()}

    return Sampling, VAE


def _vae_models(tf, Sampling):
    keras, layers = tf.keras, tf.keras.layers
    encoder_inputs = keras.Input(shape=(8, 8, 1))
    x = layers.Conv2D(2, 3, activation='relu', strides=2,
                      padding='same')(encoder_inputs)
    x = layers.Flatten()(x)
    z_mean = layers.Dense(2, name='z_mean')(x)
    z_log_var = layers.Dense(2, name='z_log_var')(x)
    z = Sampling()([z_mean, z_log_var])
    encoder = keras.Model(encoder_inputs, [z_mean, z_log_var, z],
                          name='encoder')
    latent_inputs = keras.Input(shape=(2,))
    x = layers.Dense(4 * 4 * 2, activation='relu')(latent_inputs)
    x = layers.Reshape((4, 4, 2))(x)
    decoder_outputs = layers.Conv2DTranspose(
        1, 3, activation='sigmoid', strides=2, padding='same')(x)
    decoder = keras.Model(latent_inputs, decoder_outputs, name='decoder')
    return encoder, decoder


def _run_vae(tf):
    keras = tf.keras
    Sampling, VAE = _vae_classes(tf, epsilon_value=0.5)
    encoder, decoder = _vae_models(tf, Sampling)
    _fill_weights(encoder, seed=6)
    _fill_weights(decoder, seed=7)
    digits = np.random.RandomState(5).rand(12, 8, 8, 1).astype('float32')
    vae = VAE(encoder, decoder)
    vae.compile(optimizer=keras.optimizers.Adam(1e-2))
    history = vae.fit(digits, epochs=2, batch_size=4, shuffle=False,
                      verbose=0)
    z_mean = vae.encoder.predict(digits[:1], verbose=0)[0][0]
    return dict(loss=history.history['loss'],
                kl_loss=history.history['kl_loss'], z_mean=z_mean,
                keys=sorted(history.history),
                metric_names=[m.name for m in vae.metrics])


VAE_RESULT = dict(loss=[44.85251, 44.64999], kl_loss=[0.12072, 0.05045],
                  z_mean=[0.1167, -0.13978])


def test_vae_custom_train_step_matches_tf_keras(tf):
    result = _run_vae(tf)
    assert result['keys'] == ['kl_loss', 'loss']
    assert result['metric_names'] == ['total_loss', 'kl_loss']
    for key, expected in VAE_RESULT.items():
        _close(result[key], expected)


def test_vae_sampling_layer_draws_fresh_normal_noise(tf):
    Sampling, _ = _vae_classes(tf, epsilon_value=None)
    zeros = tf.zeros((64, 2))
    first = np.asarray(Sampling()([zeros, zeros]))
    second = np.asarray(Sampling()([zeros, zeros]))
    assert first.shape == (64, 2)
    assert not np.allclose(first, second)
    assert 0.5 < first.std() < 1.5


# ------------------------------------------------------------------- DCGAN
def _gan_class(tf):
    keras = tf.keras

    class GAN(keras.Model):
        def __init__(self, discriminator, generator, latent_dim):
            super().__init__()
            self.discriminator = discriminator
            self.generator = generator
            self.latent_dim = latent_dim

        def compile(self, d_optimizer, g_optimizer, loss_fn):
            super().compile()
            self.d_optimizer = d_optimizer
            self.g_optimizer = g_optimizer
            self.loss_fn = loss_fn
            self.d_loss_metric = keras.metrics.Mean(name='d_loss')
            self.g_loss_metric = keras.metrics.Mean(name='g_loss')

        @property
        def metrics(self):
            return [self.d_loss_metric, self.g_loss_metric]

        def train_step(self, real_images):
            batch_size = tf.shape(real_images)[0]
            noise = tf.random.normal(shape=(batch_size, self.latent_dim))
            noise = _fixed_noise(tf, batch_size, self.latent_dim) + 0 * noise
            generated_images = self.generator(noise)
            combined_images = tf.concat([generated_images, real_images], 0)
            labels = tf.concat([tf.ones((batch_size, 1)),
                                tf.zeros((batch_size, 1))], axis=0)
            with tf.GradientTape() as tape:
                d_loss = self.loss_fn(labels,
                                      self.discriminator(combined_images))
            grads = tape.gradient(d_loss,
                                  self.discriminator.trainable_weights)
            self.d_optimizer.apply_gradients(
                zip(grads, self.discriminator.trainable_weights))
            noise = _fixed_noise(tf, batch_size, self.latent_dim, 0.5)
            with tf.GradientTape() as tape:
                predictions = self.discriminator(self.generator(noise))
                g_loss = self.loss_fn(tf.zeros((batch_size, 1)), predictions)
            grads = tape.gradient(g_loss, self.generator.trainable_weights)
            self.g_optimizer.apply_gradients(
                zip(grads, self.generator.trainable_weights))
            self.d_loss_metric.update_state(d_loss)
            self.g_loss_metric.update_state(g_loss)
            return {'d_loss': self.d_loss_metric.result(),
                    'g_loss': self.g_loss_metric.result()}

    return GAN


def _run_dcgan(tf):
    keras, layers = tf.keras, tf.keras.layers
    discriminator = keras.Sequential([
        keras.Input(shape=(8, 8, 1)),
        layers.Conv2D(4, kernel_size=4, strides=2, padding='same'),
        layers.LeakyReLU(alpha=0.2),
        layers.Flatten(),
        layers.Dense(1, activation='sigmoid'),
    ], name='discriminator')
    generator = keras.Sequential([
        keras.Input(shape=(4,)),
        layers.Dense(4 * 4 * 4),
        layers.Reshape((4, 4, 4)),
        layers.Conv2DTranspose(4, kernel_size=4, strides=2, padding='same'),
        layers.LeakyReLU(alpha=0.2),
        layers.Conv2D(1, kernel_size=3, padding='same',
                      activation='sigmoid'),
    ], name='generator')
    _fill_weights(discriminator, seed=9)
    _fill_weights(generator, seed=10)
    gan = _gan_class(tf)(discriminator, generator, latent_dim=4)
    gan.compile(d_optimizer=keras.optimizers.Adam(learning_rate=0.001),
                g_optimizer=keras.optimizers.Adam(learning_rate=0.001),
                loss_fn=keras.losses.BinaryCrossentropy())
    real = np.random.RandomState(8).rand(10, 8, 8, 1).astype('float32')
    dataset = tf.data.Dataset.from_tensor_slices(real).batch(4)
    history = gan.fit(dataset, epochs=2, verbose=0)
    image = generator.predict(np.asarray(_fixed_noise(tf, 1, 4)), verbose=0)
    return dict(d_loss=history.history['d_loss'],
                g_loss=history.history['g_loss'], image=image[0, 3, :3, 0])


DCGAN = dict(d_loss=[0.70094, 0.69799], g_loss=[0.72192, 0.70366],
             image=[0.47339, 0.47021, 0.46174])


def test_dcgan_custom_compile_and_train_step_match_tf_keras(tf):
    result = _run_dcgan(tf)
    for key, expected in DCGAN.items():
        _close(result[key], expected)


# ------------------------------------------------------------------- WGAN-GP
def _wgan_class(tf):
    keras = tf.keras

    class WGAN(keras.Model):
        def __init__(self, discriminator, generator, latent_dim,
                     discriminator_extra_steps=2, gp_weight=10.0):
            super().__init__()
            self.discriminator = discriminator
            self.generator = generator
            self.latent_dim = latent_dim
            self.d_steps = discriminator_extra_steps
            self.gp_weight = gp_weight

        def compile(self, d_optimizer, g_optimizer, d_loss_fn, g_loss_fn):
            super().compile()
            self.d_optimizer = d_optimizer
            self.g_optimizer = g_optimizer
            self.d_loss_fn = d_loss_fn
            self.g_loss_fn = g_loss_fn

        def gradient_penalty(self, batch_size, real_images, fake_images):
            alpha = tf.random.normal([batch_size, 1, 1, 1], 0.0, 1.0)
            interpolated = real_images + (0.3 + 0 * alpha) * (
                fake_images - real_images)
            with tf.GradientTape() as gp_tape:
                gp_tape.watch(interpolated)
                pred = self.discriminator(interpolated, training=True)
            grads = gp_tape.gradient(pred, [interpolated])[0]
            norm = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]))
            return tf.reduce_mean((norm - 1.0) ** 2)

        def train_step(self, real_images):
            if isinstance(real_images, tuple):
                real_images = real_images[0]
            batch_size = tf.shape(real_images)[0]
            for i in range(self.d_steps):
                noise = _fixed_noise(tf, batch_size, self.latent_dim,
                                     1.0 + 0.1 * i)
                with tf.GradientTape() as tape:
                    fake_images = self.generator(noise, training=True)
                    fake_logits = self.discriminator(fake_images,
                                                     training=True)
                    real_logits = self.discriminator(real_images,
                                                     training=True)
                    d_cost = self.d_loss_fn(real_img=real_logits,
                                            fake_img=fake_logits)
                    gp = self.gradient_penalty(batch_size, real_images,
                                               fake_images)
                    d_loss = d_cost + gp * self.gp_weight
                d_gradient = tape.gradient(
                    d_loss, self.discriminator.trainable_variables)
                self.d_optimizer.apply_gradients(zip(
                    d_gradient, self.discriminator.trainable_variables))
            noise = _fixed_noise(tf, batch_size, self.latent_dim, 0.7)
            with tf.GradientTape() as tape:
                generated = self.generator(noise, training=True)
                g_loss = self.g_loss_fn(
                    self.discriminator(generated, training=True))
            gen_gradient = tape.gradient(
                g_loss, self.generator.trainable_variables)
            self.g_optimizer.apply_gradients(zip(
                gen_gradient, self.generator.trainable_variables))
            return {'d_loss': d_loss, 'g_loss': g_loss}

    return WGAN


def _wgan_models(tf):
    keras, layers = tf.keras, tf.keras.layers
    image = layers.Input(shape=(6, 6, 1))
    x = layers.ZeroPadding2D((1, 1))(image)
    x = layers.Conv2D(4, (3, 3), strides=(2, 2), padding='same')(x)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.Flatten()(x)
    discriminator = keras.models.Model(image, layers.Dense(1)(x))
    noise = layers.Input(shape=(4,))
    x = layers.Dense(4 * 4 * 2, use_bias=False)(noise)
    x = layers.BatchNormalization()(x)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.Reshape((4, 4, 2))(x)
    x = layers.UpSampling2D((2, 2))(x)
    x = layers.Conv2D(1, (3, 3), padding='same', use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation('tanh')(x)
    generator = keras.models.Model(noise, layers.Cropping2D((1, 1))(x))
    return discriminator, generator


def _run_wgan_gp(tf):
    keras = tf.keras
    discriminator, generator = _wgan_models(tf)
    _fill_weights(discriminator, seed=11)
    _fill_weights(generator, seed=12)
    wgan = _wgan_class(tf)(discriminator, generator, latent_dim=4)
    wgan.compile(
        d_optimizer=keras.optimizers.Adam(learning_rate=0.0002, beta_1=0.5,
                                          beta_2=0.9),
        g_optimizer=keras.optimizers.Adam(learning_rate=0.0002, beta_1=0.5,
                                          beta_2=0.9),
        d_loss_fn=lambda real_img, fake_img: (tf.reduce_mean(fake_img) -
                                              tf.reduce_mean(real_img)),
        g_loss_fn=lambda fake_img: -tf.reduce_mean(fake_img))
    rs = np.random.RandomState(8)
    real = (rs.rand(8, 6, 6, 1).astype('float32') - 0.5) * 2
    history = wgan.fit(real, batch_size=4, epochs=2, shuffle=False,
                       verbose=0)
    image = generator.predict(np.asarray(_fixed_noise(tf, 1, 4)), verbose=0)
    return dict(d_loss=history.history['d_loss'],
                g_loss=history.history['g_loss'], image=image[0, 2, :3, 0])


WGAN_GP = dict(d_loss=[2.00712, 1.96732], g_loss=[-0.0126, -0.01207],
               image=[0.2029, 0.19434, 0.21572])


def test_wgan_gp_gradient_penalty_training_matches_tf_keras(tf):
    result = _run_wgan_gp(tf)
    for key, expected in WGAN_GP.items():
        _close(result[key], expected)
