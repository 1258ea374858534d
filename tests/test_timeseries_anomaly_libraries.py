"""Idioms of Keras 2 / tf.keras time-series classifiers (dl-4-tsc: FCN with
ReduceLROnPlateau and a best-model checkpoint reloaded for prediction; the
attention encoder with Lambda slices, Softmax, Multiply, PReLU and instance
normalisation) and anomaly detectors (pyod: an autoencoder with activity
regularisers, SO_GAAL's frozen discriminator inside a combined model).
Expected values come from tf_keras 2.21 (tf.keras code) and Keras 2.3.1
(standalone `keras` code) running the same code with the same weights."""
import os

import numpy as np

from keras_compat import tensorflow_compat
from keras_compat.layers import Dense, Dropout, Input
from keras_compat.models import Model, Sequential
from keras_compat.optimizers import SGD
from keras_compat.regularizers import l2


def fixed_weights(model, seed=1):
    r = np.random.RandomState(seed)
    out = []
    for w in model.get_weights():
        if w.ndim > 1:
            out.append(r.randn(*w.shape) / np.sqrt(np.prod(w.shape[:-1])))
        else:
            out.append(1 + 0.1 * r.rand(*w.shape))
    model.set_weights([w.astype('float32') for w in out])


def series():
    r = np.random.RandomState(0)
    x = r.randn(8, 12, 2).astype('float32')
    y = np.eye(3, dtype='float32')[np.arange(8) % 3]
    return x, y


def test_fcn_with_plateau_and_best_checkpoint_reloaded(tmp_path):
    keras = tensorflow_compat.keras
    x, y = series()
    inp = keras.layers.Input((12, 2))
    h = keras.layers.Conv1D(filters=4, kernel_size=3, padding='same')(inp)
    h = keras.layers.BatchNormalization()(h)
    h = keras.layers.Activation(activation='relu')(h)
    h = keras.layers.GlobalAveragePooling1D()(h)
    out = keras.layers.Dense(3, activation='softmax')(h)
    model = keras.models.Model(inputs=inp, outputs=out)
    model.compile(loss='categorical_crossentropy',
                  optimizer=keras.optimizers.Adam(), metrics=['accuracy'])
    fixed_weights(model)
    path = os.path.join(str(tmp_path), 'best_model.hdf5')
    cbs = [keras.callbacks.ReduceLROnPlateau(monitor='loss', factor=0.5,
                                             patience=1, min_lr=0.0001),
           keras.callbacks.ModelCheckpoint(filepath=path, monitor='loss',
                                           save_best_only=True)]
    hist = model.fit(x, y, batch_size=4, epochs=3, verbose=0, shuffle=False,
                     validation_data=(x[:3], y[:3]), callbacks=cbs)
    pred = keras.models.load_model(path).predict(x[:3], verbose=0)
    # tf_keras 2.21, same code and weights.
    np.testing.assert_allclose(hist.history['loss'],
                               [1.362387, 1.354477, 1.346901], atol=2e-5)
    np.testing.assert_allclose(hist.history['val_loss'],
                               [1.350187, 1.340032, 1.330074], atol=5e-5)
    np.testing.assert_allclose(hist.history['lr'], [0.001] * 3, rtol=1e-6)
    assert hist.history['accuracy'] == [0.375] * 3
    np.testing.assert_allclose(pred, [[0.610139, 0.099428, 0.290433],
                                      [0.511561, 0.062892, 0.425548],
                                      [0.468334, 0.049667, 0.482000]],
                               atol=5e-5)


def test_attention_encoder_with_instance_normalisation():
    keras = tensorflow_compat.keras
    tf = tensorflow_compat
    x, y = series()

    class InstanceNorm(keras.layers.Layer):
        def build(self, input_shape):
            self.gamma = self.add_weight(
                name='gamma', shape=(input_shape[-1],), initializer='ones')
            self.beta = self.add_weight(
                name='beta', shape=(input_shape[-1],), initializer='zeros')

        def call(self, inputs):
            mean, variance = tf.nn.moments(inputs, [1], keepdims=True)
            return tf.nn.batch_normalization(inputs, mean, variance,
                                             self.beta, self.gamma, 1e-3)

    inp = keras.layers.Input((12, 2))
    h = keras.layers.Conv1D(filters=8, kernel_size=5, padding='same')(inp)
    h = InstanceNorm()(h)
    h = keras.layers.PReLU(shared_axes=[1])(h)
    h = keras.layers.MaxPooling1D(pool_size=2)(h)
    data = keras.layers.Lambda(lambda t: t[:, :, :4])(h)
    att = keras.layers.Softmax()(keras.layers.Lambda(lambda t: t[:, :, 4:])(h))
    h = keras.layers.Multiply()([att, data])
    h = keras.layers.Dense(units=4, activation='sigmoid')(h)
    out = keras.layers.Dense(units=3, activation='softmax')(
        keras.layers.Flatten()(h))
    model = keras.models.Model(inputs=inp, outputs=out)
    model.compile(loss='categorical_crossentropy',
                  optimizer=keras.optimizers.Adam(0.01), metrics=['accuracy'])
    fixed_weights(model)
    hist = model.fit(x, y, batch_size=4, epochs=2, verbose=0, shuffle=False)
    # tf_keras 2.21, same code and weights.
    np.testing.assert_allclose(hist.history['loss'], [1.123598, 1.045051],
                               atol=1e-5)
    np.testing.assert_allclose(model.predict(x[:3], verbose=0),
                               [[0.354784, 0.425892, 0.219324],
                                [0.380762, 0.406420, 0.212818],
                                [0.372190, 0.326229, 0.301582]], atol=1e-5)


def test_keras2_autoencoder_activity_penalty_is_not_divided_by_batch():
    # Keras 2 adds `activity_regularizer(output)` of the whole batch to the
    # loss (tf.keras divides it by the batch size).
    x = np.random.RandomState(3).randn(10, 4).astype('float32')
    model = Sequential()
    model.add(Dense(4, activation='relu', input_shape=(4,),
                    activity_regularizer=l2(0.1)))
    model.add(Dropout(0.0))
    model.add(Dense(2, activation='relu', activity_regularizer=l2(0.1)))
    model.add(Dense(4, activation='sigmoid', activity_regularizer=l2(0.1)))
    model.compile(loss='mean_squared_error', optimizer='adam')
    fixed_weights(model)
    hist = model.fit(x, x, epochs=2, batch_size=32, shuffle=True,
                     validation_split=0.2, verbose=0)
    # Keras 2.3.1, same code and weights.
    np.testing.assert_allclose(hist.history['loss'], [14.558834, 14.503051],
                               atol=1e-5)
    np.testing.assert_allclose(hist.history['val_loss'],
                               [8.526045, 8.497812], atol=1e-5)
    np.testing.assert_allclose(model.predict(x[:2]),
                               [[0.844130, 0.633969, 0.710714, 0.570007],
                                [0.834921, 0.732994, 0.493888, 0.373782]],
                               atol=1e-5)


def test_gaal_frozen_discriminator_in_combined_model():
    n = 3
    dis = Sequential()
    dis.add(Dense(2, input_dim=n, activation='relu'))
    dis.add(Dense(1, activation='sigmoid'))
    data = Input(shape=(n,))
    discriminator = Model(data, dis(data))
    discriminator.compile(optimizer=SGD(lr=0.1, momentum=0.9),
                          loss='binary_crossentropy')
    generator = Sequential()
    generator.add(Dense(n, input_dim=n, activation='relu'))
    generator.add(Dense(n, activation='relu'))
    latent = Input(shape=(n,))
    discriminator.trainable = False
    combine = Model(latent, discriminator(generator(latent)))
    combine.compile(optimizer=SGD(lr=0.2, momentum=0.9),
                    loss='binary_crossentropy')
    fixed_weights(discriminator, 1)
    fixed_weights(generator, 2)
    r = np.random.RandomState(5)
    X = r.rand(6, n).astype('float32')
    losses = []
    for _ in range(3):
        noise = r.uniform(0, 1, (6, n))
        xb = np.concatenate((X, generator.predict(noise)))
        losses.append(float(discriminator.train_on_batch(
            xb, np.array([1] * 6 + [0] * 6))))
        losses.append(float(combine.train_on_batch(noise, np.ones(6))))
    # Keras 2.3.1, same code and weights.
    np.testing.assert_allclose(
        losses, [0.944008, 0.243747, 0.889138, 0.309936, 0.821879, 0.413842],
        atol=2e-6)
    np.testing.assert_allclose(
        discriminator.predict(X).ravel(),
        [0.672085, 0.658283, 0.661814, 0.668825, 0.662972, 0.661713],
        atol=1e-5)
