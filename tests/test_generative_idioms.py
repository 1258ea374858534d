"""Generative models as the Keras 2 books and examples wrote them: Foster's
"Generative Deep Learning" (WGAN-GP with a `_Merge` subclass and a gradient
penalty closing over a graph tensor, a VAE whose loss reads the encoder's
`mu` and `log_var`), Atienza's "Advanced Deep Learning with Keras" (ACGAN,
InfoGAN's mutual-information loss, LSGAN), and the Keras 2 examples
mnist_acgan.py and variational_autoencoder_deconv.py.

Each model is tiny, starts from the same weights in both runtimes and takes
two or three steps on fixed data. The reference numbers were printed by
tf_keras 2.21 (TensorFlow 2.21) running the same programs with
`tf.compat.v1.disable_eager_execution()` (Keras 2's graph training), or
eagerly where noted."""
from functools import partial

import numpy as np
import pytest

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import layers as L
from keras_compat.layers.merge import _Merge
from keras_compat.models import Model, Sequential
from keras_compat.optimizers import Adam, RMSprop


def _ordered_weights(layer):
    if isinstance(layer, Model):
        return [w for sub in layer.layers for w in _ordered_weights(sub)]
    return layer.weights


def _seed_weights(model, seed):
    """Uniform(-0.5, 0.5) weights in `get_weights` order (moving variances
    made positive), as the reference runs set them."""
    rng = np.random.RandomState(seed)
    values = []
    for weight in _ordered_weights(model):
        value = rng.uniform(-0.5, 0.5, tuple(weight.shape))
        if 'moving_variance' in weight.name:
            value = np.abs(value)
        values.append(value.astype('float32'))
    model.set_weights(values)


def _flat(values):
    if not isinstance(values, (list, tuple)):
        return [values]
    out = []
    for v in values:
        out.extend(_flat(v) if isinstance(v, (list, tuple)) else [v])
    return out


def _assert_close(ours, reference, rtol=1e-4, atol=1e-5):
    np.testing.assert_allclose(np.asarray(_flat(ours), 'float64'),
                               np.asarray(_flat(reference), 'float64'),
                               rtol=rtol, atol=atol)


def _set_trainable(model, value):
    model.trainable = value
    for layer in model.layers:
        layer.trainable = value


# --------------------------------------------------------------- WGAN-GP
class RandomWeightedAverage(_Merge):
    def __init__(self, batch_size):
        super().__init__()
        self.batch_size = batch_size

    def _merge_function(self, inputs):
        alpha = K.random_uniform((self.batch_size, 1, 1, 1))
        return (alpha * inputs[0]) + ((1 - alpha) * inputs[1])


class FixedWeightedAverage(_Merge):
    def _merge_function(self, inputs):
        alpha = K.constant(np.array([0.1, 0.4, 0.6, 0.9],
                                    'float32').reshape(4, 1, 1, 1))
        return (alpha * inputs[0]) + ((1 - alpha) * inputs[1])


def gradient_penalty_loss(y_true, y_pred, interpolated_samples):
    gradients = K.gradients(y_pred, interpolated_samples)[0]
    gradients_sqr = K.square(gradients)
    gradients_sqr_sum = K.sum(gradients_sqr,
                              axis=np.arange(1, len(gradients_sqr.shape)))
    gradient_l2_norm = K.sqrt(gradients_sqr_sum)
    gradient_penalty = K.square(1 - gradient_l2_norm)
    return K.mean(gradient_penalty)


def wasserstein(y_true, y_pred):
    return -K.mean(y_true * y_pred)


def test_random_weighted_average_draws_one_weight_per_sample():
    a, b = L.Input(shape=(3, 3, 1)), L.Input(shape=(3, 3, 1))
    model = Model([a, b], RandomWeightedAverage(4)([a, b]))
    mixed = model.predict([np.zeros((4, 3, 3, 1)), np.ones((4, 3, 3, 1))])
    assert mixed.shape == (4, 3, 3, 1)
    np.testing.assert_allclose(mixed, np.broadcast_to(mixed[:, :1, :1, :1],
                                                      mixed.shape))
    assert ((mixed > 0) & (mixed < 1)).all()
    assert len(np.unique(mixed[:, 0, 0, 0])) == 4


def test_merge_base_class_from_the_keras_2_9_module_path():
    """Keras 2.9+ and tf_keras keep `_Merge` in layers.merging.base_merge;
    WGAN-GP code written for them imports it from there."""
    import subprocess
    import sys
    code = ('import keras_compat\n'
            'keras_compat.install_as_keras()\n'
            'from keras.layers.merging.base_merge import _Merge\n'
            'from keras.layers.merge import _Merge as Keras2Merge\n'
            'print(_Merge is Keras2Merge)\n')
    result = subprocess.run([sys.executable, '-c', code],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ['True']


def test_foster_wgan_gp_critic_and_generator_steps():
    ci = L.Input(shape=(3, 3, 1))
    c = L.Dense(5, activation='tanh')(L.Flatten()(ci))
    critic = Model(ci, L.Dense(1)(c))
    gi = L.Input(shape=(2,))
    generator = Model(gi, L.Reshape((3, 3, 1))(
        L.Dense(9, activation='tanh')(gi)))
    _seed_weights(critic, 1)
    _seed_weights(generator, 2)

    _set_trainable(generator, False)
    real_img, z_disc = L.Input(shape=(3, 3, 1)), L.Input(shape=(2,))
    fake_img = generator(z_disc)
    interpolated_img = FixedWeightedAverage()([real_img, fake_img])
    partial_gp_loss = partial(gradient_penalty_loss,
                              interpolated_samples=interpolated_img)
    partial_gp_loss.__name__ = 'gradient_penalty'
    critic_model = Model([real_img, z_disc],
                         [critic(real_img), critic(fake_img),
                          critic(interpolated_img)])
    critic_model.compile(loss=[wasserstein, wasserstein, partial_gp_loss],
                         optimizer=Adam(lr=0.01, beta_1=0.5),
                         loss_weights=[1, 1, 10])
    _set_trainable(critic, False)
    _set_trainable(generator, True)
    model_input = L.Input(shape=(2,))
    model = Model(model_input, critic(generator(model_input)))
    model.compile(optimizer=Adam(lr=0.01, beta_1=0.5), loss=wasserstein)
    _set_trainable(critic, True)
    assert len(critic_model._collected_trainable_weights) == 4
    assert len(model._collected_trainable_weights) == 2

    rng = np.random.RandomState(0)
    x = rng.rand(4, 3, 3, 1).astype('float32')
    valid = np.ones((4, 1), 'float32')
    logs = []
    with pytest.warns(UserWarning, match='Discrepancy'):
        for _ in range(3):
            noise = rng.normal(0, 1, (4, 2)).astype('float32')
            logs.append([critic_model.train_on_batch(
                [x, noise], [valid, -valid, np.zeros((4, 1), 'float32')]),
                model.train_on_batch(noise, valid)])
    _assert_close(logs, [
        [[3.241027593612671, 0.09907553344964981, -0.19809062778949738,
          0.3340042531490326], 0.2039528340101242],
        [[2.802999496459961, 0.07467986643314362, -0.1638389229774475,
          0.2892158627510071], 0.16530892252922058],
        [[2.4914798736572266, 0.05212750285863876, -0.07432536780834198,
          0.2513677775859833], 0.06846524775028229]])


# ------------------------------------------------------------------- VAEs
def test_foster_vae_loss_reads_the_encoder_tensors():
    r_loss_factor = 100.
    encoder_input = L.Input(shape=(4, 4, 1))
    x = L.Conv2D(2, 3, strides=2, padding='same', use_bias=False)(
        encoder_input)
    x = L.LeakyReLU()(L.BatchNormalization()(x))
    shape_before_flattening = K.int_shape(x)[1:]
    x = L.Flatten()(x)
    mu = L.Dense(2)(x)
    log_var = L.Dense(2)(x)

    def sampling(args):
        mu, log_var = args
        # (stddev 0 makes the step deterministic: the reference draws
        # other numbers.)
        epsilon = K.random_normal(shape=K.shape(mu), mean=0., stddev=0.)
        return mu + K.exp(log_var / 2) * epsilon

    encoder_output = L.Lambda(sampling)([mu, log_var])
    decoder_input = L.Input(shape=(2,))
    y = L.Dense(int(np.prod(shape_before_flattening)))(decoder_input)
    y = L.Reshape(shape_before_flattening)(y)
    y = L.Conv2DTranspose(1, 3, strides=2, padding='same')(y)
    decoder = Model(decoder_input, L.Activation('sigmoid')(y))
    model = Model(encoder_input, decoder(encoder_output))
    _seed_weights(model, 3)

    def vae_r_loss(y_true, y_pred):
        return r_loss_factor * K.mean(K.square(y_true - y_pred),
                                      axis=[1, 2, 3])

    def vae_kl_loss(y_true, y_pred):
        return -0.5 * K.sum(1 + log_var - K.square(mu) - K.exp(log_var),
                            axis=1)

    def vae_loss(y_true, y_pred):
        return vae_r_loss(y_true, y_pred) + vae_kl_loss(y_true, y_pred)

    model.compile(optimizer=Adam(lr=0.01), loss=vae_loss,
                  metrics=[vae_r_loss, vae_kl_loss])
    assert model.metrics_names == ['loss', 'vae_r_loss', 'vae_kl_loss']
    data = np.random.RandomState(0).rand(6, 4, 4, 1).astype('float32')
    logs = [model.train_on_batch(data, data) for _ in range(3)]
    _assert_close(logs, [
        [9.473036766052246, 9.44575309753418, 0.027283916249871254],
        [9.320013999938965, 9.299172401428223, 0.020840996876358986],
        [9.181118965148926, 9.162796974182129, 0.018322443589568138]])
    _assert_close(model.evaluate(data, data, batch_size=3, verbose=0),
                  [9.248404502868652, 9.204489707946777,
                   0.043914761394262314])
    history = model.fit(data, data, batch_size=3, epochs=2, verbose=0,
                        shuffle=False).history
    _assert_close([history['loss'], history['vae_r_loss'],
                   history['vae_kl_loss']],
                  [[8.991219758987427, 8.797149419784546],
                   [8.969010353088379, 8.75854206085205],
                   [0.022209450602531433, 0.038607340306043625]])


def test_keras_example_vae_deconv_add_loss_without_targets():
    image_size, latent_dim = 4, 2

    def sampling(args):
        z_mean, z_log_var = args
        batch = K.shape(z_mean)[0]
        dim = K.int_shape(z_mean)[1]
        epsilon = K.random_normal(shape=(batch, dim), stddev=0.)
        return z_mean + K.exp(0.5 * z_log_var) * epsilon

    inputs = L.Input(shape=(image_size, image_size, 1))
    x = L.Conv2D(filters=2, kernel_size=3, activation='relu', strides=2,
                 padding='same')(inputs)
    shape = K.int_shape(x)
    x = L.Dense(4, activation='relu')(L.Flatten()(x))
    z_mean = L.Dense(latent_dim, name='z_mean')(x)
    z_log_var = L.Dense(latent_dim, name='z_log_var')(x)
    z = L.Lambda(sampling, output_shape=(latent_dim,))([z_mean, z_log_var])
    encoder = Model(inputs, [z_mean, z_log_var, z], name='encoder')
    latent_inputs = L.Input(shape=(latent_dim,))
    x = L.Dense(shape[1] * shape[2] * shape[3],
                activation='relu')(latent_inputs)
    x = L.Reshape((shape[1], shape[2], shape[3]))(x)
    x = L.Conv2DTranspose(filters=2, kernel_size=3, activation='relu',
                          strides=2, padding='same')(x)
    outputs = L.Conv2DTranspose(filters=1, kernel_size=3,
                                activation='sigmoid', padding='same')(x)
    decoder = Model(latent_inputs, outputs, name='decoder')
    outputs = decoder(encoder(inputs)[2])
    vae = Model(inputs, outputs, name='vae')

    # Flattened over the batch: one scalar cross-entropy for all pixels.
    reconstruction_loss = keras.losses.binary_crossentropy(
        K.flatten(inputs), K.flatten(outputs))
    reconstruction_loss *= image_size * image_size
    assert K.int_shape(reconstruction_loss) == ()
    kl_loss = 1 + z_log_var - K.square(z_mean) - K.exp(z_log_var)
    kl_loss = K.sum(kl_loss, axis=-1)
    kl_loss *= -0.5
    vae.add_loss(K.mean(reconstruction_loss + kl_loss))
    vae.compile(optimizer='rmsprop')
    _seed_weights(encoder, 5)
    _seed_weights(decoder, 6)
    rng = np.random.RandomState(0)
    x_train = rng.rand(6, image_size, image_size, 1).astype('float32')
    x_test = rng.rand(3, image_size, image_size, 1).astype('float32')
    logs = [vae.train_on_batch(x_train[:3], None) for _ in range(2)]
    _assert_close(logs, [11.851547241210938, 11.786872863769531])
    history = vae.fit(x_train, epochs=2, batch_size=3, shuffle=False,
                      verbose=0, validation_data=(x_test, None)).history
    _assert_close([history['loss'], history['val_loss']],
                  [[11.303630828857422, 11.283586502075195],
                   [11.722015380859375, 11.696608543395996]])
    _assert_close(vae.evaluate(x_test, None, verbose=0), 11.696608543395996)


# -------------------------------------------------------------- ACGANs
def test_keras_example_mnist_acgan_steps():
    latent_size, num_classes = 4, 3
    cnn = Sequential()
    cnn.add(L.Dense(2 * 2 * 3, input_dim=latent_size, activation='relu'))
    cnn.add(L.Reshape((2, 2, 3)))
    cnn.add(L.Conv2DTranspose(2, 3, strides=2, padding='same',
                              activation='relu'))
    cnn.add(L.BatchNormalization())
    cnn.add(L.Conv2D(1, 2, padding='same', activation='tanh'))
    latent = L.Input(shape=(latent_size,))
    image_class = L.Input(shape=(1,), dtype='int32')
    cls = L.Flatten()(L.Embedding(num_classes, latent_size)(image_class))
    generator = Model([latent, image_class],
                      cnn(L.multiply([latent, cls])))

    features = Sequential([
        L.Conv2D(2, 3, padding='same', strides=2, input_shape=(4, 4, 1)),
        L.LeakyReLU(0.2), L.Dropout(0.), L.Flatten()])
    image = L.Input(shape=(4, 4, 1))
    f = features(image)
    discriminator = Model(image, [
        L.Dense(1, activation='sigmoid', name='generation')(f),
        L.Dense(num_classes, activation='softmax', name='auxiliary')(f)])
    losses = ['binary_crossentropy', 'sparse_categorical_crossentropy']
    discriminator.compile(optimizer=Adam(lr=0.01, beta_1=0.5), loss=losses)
    latent = L.Input(shape=(latent_size,))
    image_class = L.Input(shape=(1,), dtype='int32')
    fake = generator([latent, image_class])
    discriminator.trainable = False
    fake, aux = discriminator(fake)
    combined = Model([latent, image_class], [fake, aux])
    combined.compile(optimizer=Adam(lr=0.01, beta_1=0.5), loss=losses)
    _seed_weights(discriminator, 1)
    _seed_weights(generator, 2)

    rng = np.random.RandomState(0)
    image_batch = rng.uniform(-1, 1, (3, 4, 4, 1)).astype('float32')
    logs = []
    for _ in range(3):
        noise = rng.uniform(-1, 1, (3, latent_size)).astype('float32')
        sampled_labels = rng.randint(0, num_classes, 3)
        generated_images = generator.predict(
            [noise, sampled_labels.reshape((-1, 1))], verbose=0)
        x = np.concatenate((image_batch, generated_images))
        y = np.array([0.95] * 3 + [0] * 3)
        aux_y = np.concatenate((np.array([0, 1, 2]), sampled_labels))
        disc_sample_weight = [np.ones(6), np.concatenate((np.ones(3) * 2,
                                                          np.zeros(3)))]
        # Keras 2 warns: the discriminator, compiled trainable, is frozen.
        with pytest.warns(UserWarning, match='Discrepancy'):
            d = discriminator.train_on_batch(
                x, [y, aux_y], sample_weight=disc_sample_weight)
        noise = rng.uniform(-1, 1, (6, latent_size)).astype('float32')
        sampled_labels = rng.randint(0, num_classes, 6)
        trick = np.ones(6) * 0.95
        g = combined.train_on_batch([noise, sampled_labels.reshape((-1, 1))],
                                    [trick, sampled_labels])
        logs.append([d, g])
    _assert_close(logs, [
        [[1.8853784799575806, 0.7087881565093994, 1.1765903234481812],
         [2.096269130706787, 0.9227040410041809, 1.1735650300979614]],
        [[1.8705871105194092, 0.7065103650093079, 1.1640766859054565],
         [2.0006680488586426, 0.9097972512245178, 1.0908708572387695]],
        [[1.8575828075408936, 0.704046905040741, 1.1535358428955078],
         [1.9477167129516602, 0.8956810832023621, 1.0520356893539429]]])
    _assert_close(discriminator.evaluate(x, [y, aux_y], verbose=False),
                  [1.7457975149154663, 0.6996676325798035,
                   1.046129822731018])
    _assert_close(combined.evaluate([noise, sampled_labels],
                                    [trick, sampled_labels], verbose=False),
                  [1.932539939880371, 0.8857739567756653,
                   1.046765923500061])


def mi_loss(c, q_of_c_given_x):
    return K.mean(-K.sum(K.log(q_of_c_given_x + K.epsilon()) * c, axis=1))


def _infogan_generator(inputs, labels, codes):
    x = L.concatenate([inputs, labels] + codes, axis=1)
    x = L.Reshape((2, 2, 3))(L.Dense(2 * 2 * 3)(x))
    x = L.Activation('relu')(L.BatchNormalization()(x))
    x = L.Conv2DTranspose(filters=1, kernel_size=3, strides=2,
                          padding='same')(x)
    return Model([inputs, labels] + codes, L.Activation('sigmoid')(x),
                 name='generator')


def _infogan_discriminator(inputs, num_labels):
    x = L.LeakyReLU(alpha=0.2)(inputs)
    x = L.Conv2D(filters=2, kernel_size=3, strides=2, padding='same')(x)
    x = L.Flatten()(x)
    outputs = L.Activation('sigmoid')(L.Dense(1)(x))
    layer = L.Dense(5)(x)
    labels = L.Activation('softmax', name='label')(L.Dense(num_labels)(layer))
    code1 = L.Activation('sigmoid', name='code1')(L.Dense(1)(layer))
    code2 = L.Activation('sigmoid', name='code2')(L.Dense(1)(layer))
    return Model(inputs, [outputs, labels, code1, code2],
                 name='discriminator')


def test_atienza_infogan_mutual_information_loss():
    """The generator is called on its own inputs inside the adversarial
    model; the reference ran eagerly (tf_keras's graph mode runs the
    generator's BatchNormalization updates twice there, Keras 2 and eager
    tf.keras once)."""
    num_labels, latent = 3, 4
    disc = _infogan_discriminator(L.Input(shape=(4, 4, 1)), num_labels)
    loss = ['binary_crossentropy', 'categorical_crossentropy', mi_loss,
            mi_loss]
    loss_weights = [1.0, 1.0, 0.5, 0.5]
    disc.compile(loss=loss, loss_weights=loss_weights,
                 optimizer=RMSprop(lr=0.01, decay=0.1), metrics=['accuracy'])
    gen_inputs = [L.Input(shape=(latent,)), L.Input(shape=(num_labels,)),
                  L.Input(shape=(1,)), L.Input(shape=(1,))]
    gen = _infogan_generator(gen_inputs[0], gen_inputs[1], gen_inputs[2:])
    disc.trainable = False
    adversarial = Model(gen_inputs, disc(gen(gen_inputs)), name='infogan')
    adversarial.compile(loss=loss, loss_weights=loss_weights,
                        optimizer=RMSprop(lr=0.005, decay=0.1),
                        metrics=['accuracy'])
    _seed_weights(disc, 1)
    _seed_weights(gen, 2)

    rng = np.random.RandomState(0)
    real = rng.rand(3, 4, 4, 1).astype('float32')
    real_labels = np.eye(num_labels)[[0, 1, 2]]
    logs = []
    for _ in range(3):
        noise = rng.uniform(-1.0, 1.0, size=[3, latent]).astype('float32')
        fake_labels = np.eye(num_labels)[rng.choice(num_labels, 3)]
        fake_code1, fake_code2, real_code1, real_code2 = [
            rng.normal(scale=0.5, size=[3, 1]) for _ in range(4)]
        gin = [noise, fake_labels, fake_code1, fake_code2]
        x = np.concatenate((real, gen.predict(gin)))
        y = np.ones([6, 1])
        y[3:, :] = 0.0
        with pytest.warns(UserWarning, match='Discrepancy'):
            d = disc.train_on_batch(x, [
                y, np.concatenate((real_labels, fake_labels)),
                np.concatenate((real_code1, fake_code1)),
                np.concatenate((real_code2, fake_code2))])
        a = adversarial.train_on_batch(
            gin, [np.ones([3, 1]), fake_labels, fake_code1, fake_code2])
        logs.append([d, a])
    _assert_close(logs, [
        [[2.441995620727539, 0.7291898727416992, 1.67832612991333,
          -0.026962049305438995, 0.09592151641845703, 0.5,
          0.1666666716337204, 0.0, 0.0],
         [2.194335460662842, 0.5918747186660767, 1.4739431142807007,
          0.06702351570129395, 0.19001196324825287, 1.0, 0.0, 0.0, 0.0]],
        [[1.8504533767700195, 0.7216854095458984, 1.0597165822982788,
          0.164132222533226, -0.026029372587800026, 0.3333333432674408,
          0.5, 0.0, 0.0],
         [1.4083919525146484, 0.5843384861946106, 0.8830413818359375,
          0.04531755670905113, -0.16329340636730194, 1.0,
          0.6666666865348816, 0.0, 0.0]],
        [[1.7479463815689087, 0.716973602771759, 1.0803805589675903,
          0.31831642985343933, -0.4171319901943207, 0.5, 0.5, 0.0, 0.0],
         [1.53610360622406, 0.5824633240699768, 0.9291022419929504,
          0.4078202247619629, -0.3587445318698883, 1.0,
          0.6666666865348816, 0.0, 0.0]]])


# ------------------------- a frozen discriminator with BatchNormalization
def _gan_with_batchnorm_discriminator(freeze_layers=False, unfreeze=False):
    """The DCGAN recipe: compile the discriminator, freeze it (the model,
    or each layer as Foster's `set_trainable` does), compile the combined
    model; `unfreeze` sets the flags back afterwards, as Foster does."""
    d = Sequential([L.Dense(3, input_shape=(2,)),
                    L.BatchNormalization(momentum=0.5),
                    L.Dense(1, activation='sigmoid')])
    d.compile(keras.optimizers.SGD(lr=0.5), 'binary_crossentropy')
    if freeze_layers:
        _set_trainable(d, False)
    d.trainable = False
    z = L.Input((2,))
    g = L.Dense(2)
    combined = Model(z, d(g(z)))
    combined.compile(keras.optimizers.SGD(lr=0.5), 'binary_crossentropy')
    if unfreeze:
        _set_trainable(d, True)
    _seed_weights(d, 1)
    g.set_weights([np.array([[1., 0.5], [-0.5, 1.]], 'float32'),
                   np.zeros(2, 'float32')])
    x = np.random.RandomState(0).normal(size=(4, 2)).astype('float32')
    return d, g, combined, x, np.array([[1], [0], [1], [0]], 'float32')


def _batch_statistics_loss(weights, x, y):
    """The discriminator's binary cross-entropy, normalising with the
    batch statistics (epsilon 1e-3)."""
    k1, b1, gamma, beta, _, _, k2, b2 = weights
    h = x @ k1 + b1
    h = gamma * (h - h.mean(0)) / np.sqrt(h.var(0) + 1e-3) + beta
    p = np.clip(1. / (1. + np.exp(-(h @ k2 + b2))), 1e-7, 1 - 1e-7)
    return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))


def _moving_average(moving, weights, x, momentum=0.5):
    h = x @ weights[0] + weights[1]
    mean = moving[0] * momentum + h.mean(0) * (1 - momentum)
    var = moving[1] * momentum + h.var(0, ddof=1) * (1 - momentum)
    return mean, var


@pytest.mark.parametrize('freeze_layers', [False, True])
def test_keras_2_frozen_batchnorm_uses_batch_statistics_without_updates(
        freeze_layers):
    """Keras 2 never runs BatchNormalization in inference mode in training
    and drops the updates of a layer or model that is not trainable when
    the training function is built (the first training call)."""
    d, g, combined, x, y = _gan_with_batchnorm_discriminator(freeze_layers)
    start = d.get_weights()
    with pytest.warns(UserWarning, match='Discrepancy'):
        loss = d.train_on_batch(x, y)
    assert loss == pytest.approx(_batch_statistics_loss(start, x, y),
                                 rel=1e-5)
    trained = d.get_weights()
    assert not np.allclose(trained[2], start[2])   # gamma trains
    for ours, initial in zip(trained[4:6], start[4:6]):
        np.testing.assert_array_equal(ours, initial)
    generated = x @ g.get_weights()[0]
    loss = combined.train_on_batch(x, y)
    assert loss == pytest.approx(
        _batch_statistics_loss(trained, generated, y), rel=1e-5)
    for ours, before in zip(d.get_weights(), trained):
        np.testing.assert_array_equal(ours, before)


def test_keras_2_unfrozen_discriminator_updates_its_statistics_everywhere():
    """The discriminator is frozen while the combined model is compiled and
    trainable again before training: when either model builds its
    training function it is trainable, so both steps update its
    statistics (the combined model's compile in between does not stop
    them)."""
    d, g, combined, x, y = _gan_with_batchnorm_discriminator(
        freeze_layers=False, unfreeze=True)
    start = d.get_weights()
    d.train_on_batch(x, y)
    after_d = d.get_weights()
    expected = _moving_average(start[4:6], start, x)
    for ours, ref in zip(after_d[4:6], expected):
        np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-6)
    generated = x @ g.get_weights()[0]
    with pytest.warns(UserWarning, match='Discrepancy'):
        combined.train_on_batch(x, y)
    expected = _moving_average(after_d[4:6], after_d, generated)
    for ours, ref in zip(d.get_weights()[4:6], expected):
        np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(d.get_weights()[0], after_d[0])


@pytest.mark.parametrize('freeze_layers,unfreeze',
                         [(False, False), (True, False), (True, True)])
def test_tf_keras_trains_with_the_flags_of_compile_time(freeze_layers,
                                                        unfreeze):
    """tf.keras sets every layer's `trainable` back to its value at
    compile() for the step: the discriminator trains on its own in
    training mode, and runs in inference mode inside the combined model.
    Reference numbers: tf_keras 2.21 (eager and graph alike)."""
    K.common.set_api_flavour('tf.keras')
    d, g, combined, x, y = _gan_with_batchnorm_discriminator(
        freeze_layers, unfreeze)
    flags = [layer.trainable for layer in d.layers]
    assert d.train_on_batch(x, y) == pytest.approx(0.682587742805481,
                                                   rel=1e-5)
    np.testing.assert_allclose(
        d.get_weights()[4],
        [-0.16667978465557098, -0.03221116214990616, -0.44678831100463867],
        rtol=1e-5)
    np.testing.assert_allclose(
        d.get_weights()[5],
        [0.2029201239347458, 0.2653478980064392, 0.22955438494682312],
        rtol=1e-5)
    assert combined.train_on_batch(x, y) == pytest.approx(
        0.6924043893814087, rel=1e-5)
    np.testing.assert_allclose(
        g.get_weights()[0],
        [[0.9957524538040161, 0.4921674430370331],
         [-0.4942170977592468, 1.0106637477874756]], rtol=1e-5)
    assert [layer.trainable for layer in d.layers] == flags
