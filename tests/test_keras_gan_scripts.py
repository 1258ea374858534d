"""Idioms of the Keras-GAN scripts (SGAN, ACGAN, InfoGAN, CoGAN) in the
tf.keras flavour. Reference numbers: tf_keras 2.21 in graph mode (Keras 2's
semantics of `train_on_batch` with `class_weight`) unless said otherwise."""
import warnings

import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat import layers as L
from keras_compat.models import Model, Sequential
from keras_compat.optimizers import Adam


@pytest.fixture(autouse=True)
def tf_keras_flavour():
    K.common.set_api_flavour('tf.keras')
    yield
    K.common.set_api_flavour('keras')


def _x():
    return np.linspace(-1, 1, 12).reshape(4, 3).astype('float32')


def test_list_of_class_weights_for_one_output_is_ignored():
    # SGAN: `combined.train_on_batch(noise, validity, class_weight=[cw1,
    # cw2])` on a one-output model; Keras 2 wraps the list as the output's
    # entry, which is no dict, and weights nothing.
    m = Sequential([L.Dense(1, activation='sigmoid', input_shape=(3,),
                            kernel_initializer='ones')])
    m.compile(loss='binary_crossentropy', optimizer=Adam(0.1))
    cw = [{0: 1, 1: 1}, {0: 2.5, 1: 0.25}]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        losses = [m.train_on_batch(_x(), np.ones((4, 1)), class_weight=cw)
                  for _ in range(2)]
    np.testing.assert_allclose(losses, [1.0421370, 0.9348582], rtol=1e-5)
    assert any('ignored' in str(w.message) for w in caught)


def test_one_class_weight_dict_per_output_with_float_sparse_labels():
    # ACGAN: [binary, sparse categorical] outputs, labels given as floats.
    i = L.Input((3,))
    m = Model(i, [L.Dense(1, activation='sigmoid',
                          kernel_initializer='ones')(i),
                  L.Dense(3, activation='softmax',
                          kernel_initializer='ones')(i)])
    m.compile(loss=['binary_crossentropy',
                    'sparse_categorical_crossentropy'], optimizer=Adam(0.1))
    labels = np.array([[0.], [2.], [1.], [2.]])
    out = m.train_on_batch(_x(), [np.ones((4, 1)), labels], class_weight=[
        {0: 1, 1: 1}, {0: 2., 1: 2., 2: .5}])
    np.testing.assert_allclose(out, [2.4154024, 1.0421370, 1.3732653],
                               rtol=1e-5)


def test_custom_loss_indexing_the_batch_axis():
    # InfoGAN's gaussian_loss reads y_pred[0] and y_pred[1] (two samples).
    def gaussian_loss(y_true, y_pred):
        mean, log_std = y_pred[0], y_pred[1]
        eps = (y_true[0] - mean) / (K.exp(log_std) + K.epsilon())
        return K.mean(log_std + 0.5 * K.square(eps))
    i = L.Input((3,))
    m = Model(i, L.concatenate([L.Dense(1, kernel_initializer='ones')(i),
                                L.Dense(1, kernel_initializer='zeros')(i)]))
    m.compile(loss=gaussian_loss, optimizer=Adam(0.1))
    y = np.array([[0.5, -0.5], [0.2, 0.1], [0., 0.], [1., 1.]])
    losses = [m.train_on_batch(_x(), y) for _ in range(2)]
    np.testing.assert_allclose(losses, [10.862874, 5.676045], rtol=1e-5)


def test_shared_batch_norm_called_by_two_generators_updates_twice():
    # CoGAN: one Sequential with BatchNormalization inside two generators,
    # both in the combined model. tf_keras 2.21 (eager, tf.keras 2) applies
    # the two moving-average updates one after the other: 1 - 0.8**2 of
    # the batch mean.
    noise = L.Input((3,))
    shared = Sequential([L.Dense(3, input_shape=(3,),
                                 kernel_initializer='identity'),
                         L.BatchNormalization(momentum=0.8)])
    lat = shared(noise)
    gens = [Model(noise, L.Dense(2, kernel_initializer='ones')(
        L.BatchNormalization(momentum=0.8)(lat))) for _ in range(2)]
    z = L.Input((3,))
    combined = Model(z, [g(z) for g in gens])
    combined.compile(loss=['mse', 'mse'], optimizer=Adam(0.1))
    x = np.arange(12, dtype='float32').reshape(4, 3)
    out = combined.train_on_batch(x, [np.ones((4, 2))] * 2)
    np.testing.assert_allclose(out, [19.982014, 9.991007, 9.991007],
                               rtol=1e-5)
    mean, var = shared.layers[1].get_weights()[2:]
    np.testing.assert_allclose(mean, [1.62, 1.98, 2.34], rtol=1e-5)
    np.testing.assert_allclose(var, [4.69] * 3, rtol=1e-5)
