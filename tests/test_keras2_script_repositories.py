"""Idioms of Keras 2.0-2.2 era repositories (the Keras 2.2.4 examples,
Advanced Deep Learning with Keras, titu1994's model zoos): capsule routing
with rank-4 `K.batch_dot`, CTC in a `Lambda` trained with an identity loss,
a conditional VAE trained through `add_loss` only, and snapshot ensembles
built from `LearningRateScheduler` + checkpoint callbacks."""
import numpy as np
import pytest

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import callbacks
from keras_compat.layers import (Conv2D, Conv2DTranspose, Dense, Flatten,
                                 GRU, Input, Lambda, Layer, Reshape)
from keras_compat.losses import binary_crossentropy
from keras_compat.models import Model
from keras_compat.optimizers import SGD


@pytest.fixture
def tf_keras_flavour():
    K.common.set_api_flavour('tf.keras')
    try:
        yield
    finally:
        K.common.set_api_flavour('keras')


def _fix(model, seed, scale):
    r = np.random.RandomState(seed)
    model.set_weights([r.uniform(-scale, scale, w.shape).astype('float32')
                       for w in model.get_weights()])


# ----------------------------------------------------- capsule routing
def _squash(x, axis=-1):
    s_squared_norm = K.sum(K.square(x), axis, keepdims=True) + K.epsilon()
    return K.sqrt(s_squared_norm) / (0.5 + s_squared_norm) * x


class Capsule(Layer):
    """The routing layer of Keras 2.2.4's examples/cifar10_cnn_capsule.py."""

    def __init__(self, num_capsule, dim_capsule, routings=3, **kwargs):
        super(Capsule, self).__init__(**kwargs)
        self.num_capsule = num_capsule
        self.dim_capsule = dim_capsule
        self.routings = routings

    def build(self, input_shape):
        self.kernel = self.add_weight(
            name='capsule_kernel', initializer='glorot_uniform',
            shape=(1, input_shape[-1], self.num_capsule * self.dim_capsule))

    def call(self, inputs):
        hat_inputs = K.conv1d(inputs, self.kernel)
        batch_size = K.shape(inputs)[0]
        input_num_capsule = K.shape(inputs)[1]
        hat_inputs = K.reshape(hat_inputs, (batch_size, input_num_capsule,
                                            self.num_capsule,
                                            self.dim_capsule))
        hat_inputs = K.permute_dimensions(hat_inputs, (0, 2, 1, 3))
        b = K.zeros_like(hat_inputs[:, :, :, 0])
        for i in range(self.routings):
            c = K.softmax(K.permute_dimensions(b, (0, 2, 1)))
            c = K.permute_dimensions(c, (0, 2, 1))
            o = _squash(K.batch_dot(c, hat_inputs, [2, 2]))
            if i < self.routings - 1:
                b = K.batch_dot(o, hat_inputs, [2, 3])
        return o

    def compute_output_shape(self, input_shape):
        return (None, self.num_capsule, self.dim_capsule)


def test_keras2_batch_dot_batches_over_every_leading_axis():
    # Keras 2.2.4 tensorflow_backend.batch_dot: pad the lower-rank input
    # with trailing 1s, tf.matmul with adjoints chosen by `axes`, squeeze.
    r = np.random.RandomState(0)
    c = r.rand(2, 3, 5).astype('float32')
    u_hat = r.rand(2, 3, 5, 4).astype('float32')
    o = K.eval(K.batch_dot(K.constant(c), K.constant(u_hat), [2, 2]))
    np.testing.assert_allclose(o, np.einsum('bij,bijd->bid', c, u_hat),
                               rtol=1e-5)
    b = K.eval(K.batch_dot(K.constant(o), K.constant(u_hat), [2, 3]))
    np.testing.assert_allclose(b, np.einsum('bid,bijd->bij', o, u_hat),
                               rtol=1e-5)
    x = r.rand(2, 3, 4, 5).astype('float32')
    y = r.rand(2, 3, 4, 6).astype('float32')
    out = K.eval(K.batch_dot(K.constant(x), K.constant(y), [2, 2]))
    np.testing.assert_allclose(out, np.matmul(x.transpose(0, 1, 3, 2), y),
                               rtol=1e-5)


def test_tf_keras_batch_dot_contracts_the_named_axes(tf_keras_flavour):
    r = np.random.RandomState(0)
    c = r.rand(2, 3, 5).astype('float32')
    u_hat = r.rand(2, 3, 5, 4).astype('float32')
    o = K.eval(K.batch_dot(K.constant(c), K.constant(u_hat), [2, 2]))
    # tf_keras 2.21: shape (2, 3, 3, 4), sum 104.10775.
    assert o.shape == (2, 3, 3, 4)
    np.testing.assert_allclose(o.sum(), 104.10775, rtol=1e-5)


def test_capsule_layer_routes_with_keras2_batch_dot():
    inp = Input(shape=(6, 4))
    caps = Capsule(3, 5, routings=3)
    model = Model(inp, caps(inp))
    assert model.output_shape == (None, 3, 5)
    x = np.random.RandomState(1).rand(2, 6, 4).astype('float32')
    w = np.random.RandomState(2).uniform(-0.5, 0.5, (1, 4, 15))
    model.set_weights([w.astype('float32')])
    # Keras 2.2.4 routing in numpy.
    u = (x @ w[0]).reshape(2, 6, 3, 5).transpose(0, 2, 1, 3)
    b = np.zeros(u.shape[:3])
    for i in range(3):
        e = np.exp(b - b.max(1, keepdims=True))
        c = e / e.sum(1, keepdims=True)
        s = np.einsum('bij,bijd->bid', c, u)
        n = (s ** 2).sum(-1, keepdims=True) + 1e-7
        o = np.sqrt(n) / (0.5 + n) * s
        b = np.einsum('bid,bijd->bij', o, u)
    np.testing.assert_allclose(model.predict(x), o, rtol=1e-4, atol=1e-6)


# --------------------------------------------------------- CTC in a Lambda
def _ctc_lambda_func(args):
    y_pred, labels, input_length, label_length = args
    y_pred = y_pred[:, 2:, :]
    return K.ctc_batch_cost(labels, y_pred, input_length, label_length)


def test_image_ocr_ctc_lambda_with_identity_loss():
    inp = Input(name='the_input', shape=(8, 3))
    gru = GRU(4, return_sequences=True, reset_after=False)(inp)
    y_pred = Dense(5, activation='softmax')(gru)
    labels = Input(name='the_labels', shape=[3], dtype='float32')
    input_length = Input(name='input_length', shape=[1], dtype='int64')
    label_length = Input(name='label_length', shape=[1], dtype='int64')
    loss_out = Lambda(_ctc_lambda_func, output_shape=(1,), name='ctc')(
        [y_pred, labels, input_length, label_length])
    model = Model(inputs=[inp, labels, input_length, label_length],
                  outputs=loss_out)
    _fix(model, 0, 0.5)
    model.compile(loss={'ctc': lambda y_true, y_pred: y_pred},
                  optimizer=SGD(lr=0.05, momentum=0.9, nesterov=True))
    r = np.random.RandomState(1)
    data = {'the_input': r.rand(4, 8, 3).astype('float32'),
            'the_labels': np.array([[0, 1, 2], [3, 3, 0], [1, 0, 0],
                                    [2, 1, 3]], 'float32'),
            'input_length': np.full((4, 1), 6),
            'label_length': np.array([[3], [2], [1], [3]])}
    # tf_keras 2.21 (graph mode) for all numbers below.
    np.testing.assert_allclose(model.predict(data).ravel(),
                               [4.85602, 7.29933, 6.91962, 5.4346],
                               rtol=1e-5)
    h = model.fit(data, {'ctc': np.zeros(4)}, batch_size=2, epochs=2,
                  verbose=0, shuffle=False)
    np.testing.assert_allclose(h.history['loss'], [5.96375, 5.02698],
                               rtol=1e-5)
    test_func = K.function([inp], [y_pred])
    np.testing.assert_allclose(
        test_func([data['the_input'][:1]])[0][0, 2],
        [0.10189, 0.16889, 0.13955, 0.15743, 0.43223], atol=2e-5)


def test_ctc_decode_pads_to_the_longest_decoded_sequence():
    p = np.full((2, 5, 4), 0.01, 'float32')
    seq = [[0, 0, 3, 1, 1], [3, 3, 3, 2, 3]]
    for b in range(2):
        for t in range(5):
            p[b, t, seq[b][t]] = 0.97
    decoded, log_prob = K.ctc_decode(p, np.array([5, 4]), greedy=True)
    # Keras 2.2.4: sparse_to_dense over the decoder's dense_shape
    # (batch, longest decoded); log-probabilities from tf_keras 2.21.
    assert K.get_value(decoded[0]).tolist() == [[0, 1], [2, -1]]
    np.testing.assert_allclose(K.get_value(log_prob), [[0.1523], [0.1218]],
                               atol=1e-4)


# ----------------------------------------------------- CVAE via add_loss
def _sampling(args):
    z_mean, z_log_var = args
    batch = K.shape(z_mean)[0]
    dim = K.int_shape(z_mean)[1]
    epsilon = K.random_normal(shape=(batch, dim), mean=0.3, stddev=0.)
    return z_mean + K.exp(0.5 * z_log_var) * epsilon


def test_cvae_shared_encoder_decoder_trained_through_add_loss():
    inputs = Input(shape=(4, 4, 1), name='encoder_input')
    y_labels = Input(shape=(3,), name='class_labels')
    x = Reshape((4, 4, 1))(Dense(16)(y_labels))
    x = keras.layers.concatenate([inputs, x])
    x = Conv2D(filters=4, kernel_size=3, activation='relu', strides=2,
               padding='same')(x)
    shape = K.int_shape(x)
    x = Dense(8, activation='relu')(Flatten()(x))
    z_mean = Dense(2, name='z_mean')(x)
    z_log_var = Dense(2, name='z_log_var')(x)
    z = Lambda(_sampling, output_shape=(2,), name='z')([z_mean, z_log_var])
    encoder = Model([inputs, y_labels], [z_mean, z_log_var, z])
    latent_inputs = Input(shape=(2,), name='z_sampling')
    x = keras.layers.concatenate([latent_inputs, y_labels])
    x = Dense(shape[1] * shape[2] * shape[3], activation='relu')(x)
    x = Reshape((shape[1], shape[2], shape[3]))(x)
    x = Conv2DTranspose(filters=4, kernel_size=3, activation='relu',
                        strides=2, padding='same')(x)
    outputs = Conv2DTranspose(filters=1, kernel_size=3, activation='sigmoid',
                              padding='same')(x)
    decoder = Model([latent_inputs, y_labels], outputs)
    outputs = decoder([encoder([inputs, y_labels])[2], y_labels])
    cvae = Model([inputs, y_labels], outputs)
    _fix(cvae, 2, 0.3)
    reconstruction_loss = binary_crossentropy(K.flatten(inputs),
                                              K.flatten(outputs))
    reconstruction_loss *= 4 * 4
    kl_loss = 1 + z_log_var - K.square(z_mean) - K.exp(z_log_var)
    kl_loss = K.sum(kl_loss, axis=-1)
    kl_loss *= -0.5
    cvae.add_loss(K.mean(reconstruction_loss + kl_loss))
    cvae.compile(optimizer='rmsprop')
    r = np.random.RandomState(1)
    r.rand(4, 8, 3)
    xs = r.rand(6, 4, 4, 1).astype('float32')
    ys = keras.utils.to_categorical(np.arange(6) % 3)
    h = cvae.fit([xs, ys], epochs=2, batch_size=3, verbose=0, shuffle=False,
                 validation_data=([xs[:3], ys[:3]], None))
    # tf_keras 2.21 (graph mode).
    np.testing.assert_allclose(h.history['loss'], [11.32345, 11.29917],
                               rtol=1e-5)
    np.testing.assert_allclose(h.history['val_loss'], [11.20518, 11.19242],
                               rtol=1e-5)
    np.testing.assert_allclose(encoder.predict([xs[:2], ys[:2]])[0],
                               [[0.04648, 0.03885], [0.06002, 0.05983]],
                               atol=2e-5)


# ------------------------------------------------------ snapshot ensembles
class SnapshotModelCheckpoint(callbacks.Callback):
    """Saves the weights every `nb_epochs // nb_snapshots` epochs."""

    def __init__(self, nb_epochs, nb_snapshots, fn_prefix='Model'):
        super(SnapshotModelCheckpoint, self).__init__()
        self.check = nb_epochs // nb_snapshots
        self.fn_prefix = fn_prefix

    def on_epoch_end(self, epoch, logs={}):
        if epoch != 0 and (epoch + 1) % self.check == 0:
            filepath = self.fn_prefix + '-%d.h5' % ((epoch + 1) // self.check)
            self.model.save_weights(filepath, overwrite=True)


def test_snapshot_ensemble_cosine_schedule_and_checkpoints(tmp_path):
    T, M, alpha_zero = 4, 2, 0.1

    def cosine_anneal_schedule(t):
        cos_inner = np.pi * (t % (T // M)) / (T // M)
        return float(alpha_zero / 2 * (np.cos(cos_inner) + 1))

    ip = Input(shape=(3,))
    m = Model(ip, Dense(3, activation='softmax')(
        Dense(4, activation='relu')(ip)))
    _fix(m, 3, 0.8)
    m.compile(loss='categorical_crossentropy',
              optimizer=SGD(lr=0.1, momentum=0.9, nesterov=True),
              metrics=['acc'])
    r = np.random.RandomState(1)
    r.rand(4, 8, 3)
    r.rand(6, 4, 4, 1)
    xt = r.rand(8, 3).astype('float32')
    yt = keras.utils.to_categorical(np.arange(8) % 3)
    d = str(tmp_path)
    cbs = [callbacks.ModelCheckpoint(d + '/best.h5', monitor='val_acc',
                                     save_best_only=True,
                                     save_weights_only=True),
           callbacks.LearningRateScheduler(schedule=cosine_anneal_schedule),
           SnapshotModelCheckpoint(T, M, d + '/snap')]
    h = m.fit(xt, yt, batch_size=4, epochs=T, callbacks=cbs,
              validation_data=(xt, yt), shuffle=False, verbose=0)
    # tf_keras 2.21 (graph mode); Keras 2.2.4 also logs 'lr'.
    expected = {'acc': [0.375, 0.5, 0.625, 0.625],
                'loss': [1.2745, 1.19228, 1.12827, 1.06129],
                'lr': [0.1, 0.05, 0.1, 0.05],
                'val_acc': [0.5, 0.625, 0.625, 0.625],
                'val_loss': [1.20451, 1.14121, 1.06888, 1.01947]}
    assert sorted(h.history) == sorted(expected)
    for key, values in expected.items():
        np.testing.assert_allclose(h.history[key], values, rtol=2e-5)
    preds = []
    for fn in ['/snap-1.h5', '/snap-2.h5', '/best.h5']:
        m.load_weights(d + fn)
        preds.append(m.predict(xt[:2]))
    np.testing.assert_allclose(
        preds, [[[0.21985, 0.35785, 0.4223], [0.23375, 0.40334, 0.3629]],
                [[0.32883, 0.31487, 0.35629], [0.30571, 0.39963, 0.29466]],
                [[0.21985, 0.35785, 0.4223], [0.23375, 0.40334, 0.3629]]],
        atol=2e-5)
