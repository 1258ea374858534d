"""tf.keras 2.x losses: CategoricalFocalCrossentropy, binary cross-entropy
on probabilities in a tf.keras program, and tf.keras's loss names.
Expected values were computed with tf_keras 2.21 (TF_USE_LEGACY_KERAS=1,
float32) on the inputs below and pasted here."""
import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import losses, metrics
from keras_compat.backend import common


@pytest.fixture
def tf_keras():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


def close(value, expected):
    if isinstance(value, torch.Tensor):
        value = value.detach().numpy()
    np.testing.assert_allclose(np.asarray(value, dtype=np.float64),
                               expected, rtol=1e-5, atol=1e-6)


# -------------------------------------------------- categorical focal CE
CT = np.eye(3, dtype='float32')[[0, 2, 1, 1]]
CP = np.array([[0.7, 0.2, 0.1], [0.0, 0.3, 0.7], [0.25, 0.25, 0.5],
               [0.1, 0.8, 0.2]], 'float32')   # the last row sums to 1.1
CL = np.array([[2., -1., 0.], [0.5, 0.5, 3.], [-2., 1., 1.], [0., 4., -4.]],
              'float32')
CFCE = [0.0080252, 0.0080252, 0.1949476, 0.0059217]   # tf_keras 2.21


@pytest.mark.parametrize('kwargs,y_pred,expected', [
    # tf_keras 2.21's categorical_focal_crossentropy(CT, y_pred, **kwargs).
    ({}, CP, CFCE),
    ({'alpha': 1.0, 'gamma': 0.0}, CP,
     [0.356675, 0.356675, 1.3862944, 0.3184537]),
    ({'from_logits': True, 'gamma': 1.5}, CL,
     [0.0026214, 0.0020124, 0.0657648, 1.14e-05]),
    ({'label_smoothing': 0.1, 'alpha': [0.2, 0.3, 0.5]}, CP,
     [0.0473774, 0.1283338, 0.2264281, 0.0388637]),
])
def test_categorical_focal_crossentropy_matches_tf_keras(kwargs, y_pred,
                                                         expected):
    close(losses.categorical_focal_crossentropy(CT, y_pred, **kwargs),
          expected)
    close(metrics.categorical_focal_crossentropy(CT, y_pred, **kwargs),
          expected)


def test_categorical_focal_crossentropy_axis():
    y_true = np.stack([CT.T, CT.T[:, ::-1]])
    y_pred = np.stack([CP.T, CP.T[:, ::-1]])
    close(losses.categorical_focal_crossentropy(y_true, y_pred, axis=1),
          [CFCE, CFCE[::-1]])   # tf_keras 2.21


def test_categorical_focal_crossentropy_class():
    loss = losses.CategoricalFocalCrossentropy(gamma=3.0)
    close(loss(CT, CP, sample_weight=[1, 2, 0, 1]), 0.0022094)  # tf_keras
    assert loss.name == 'categorical_focal_crossentropy'
    # tf_keras 2.21's keys (it adds 'fn' and reduction 'auto').
    config = losses.CategoricalFocalCrossentropy(alpha=0.5).get_config()
    assert {k: v for k, v in config.items() if k != 'reduction'} == {
        'name': 'categorical_focal_crossentropy', 'alpha': 0.5,
        'gamma': 2.0, 'from_logits': False, 'label_smoothing': 0.0,
        'axis': -1}
    clone = losses.deserialize(losses.serialize(loss))
    assert type(clone) is losses.CategoricalFocalCrossentropy
    assert clone.get_config() == loss.get_config()
    # tf.keras's positional order: alpha, gamma, from_logits, ...
    assert losses.CategoricalFocalCrossentropy(0.1, 1.0, True) \
        .get_config()['from_logits'] is True
    assert losses.get('categorical_focal_crossentropy') is \
        losses.categorical_focal_crossentropy
    assert losses.get('CategoricalFocalCrossentropy') is \
        losses.CategoricalFocalCrossentropy


def test_categorical_focal_crossentropy_trains_a_model():
    model = keras.models.Sequential([
        keras.layers.Dense(3, activation='softmax', input_shape=(4,))])
    model.compile('sgd', losses.CategoricalFocalCrossentropy(),
                  metrics=['categorical_focal_crossentropy'])
    x = np.random.rand(8, 4).astype('float32')
    history = model.fit(x, CT[[0, 1, 2, 3, 0, 1, 2, 3]], epochs=1,
                        verbose=0)
    assert np.isfinite(history.history['loss'][0])
    assert 'categorical_focal_crossentropy' in history.history


# --------------------------------------------------- binary cross-entropy
BT = np.array([[0, 1, 1, 0], [1, 0, 1, 0]], 'float32')
BP = np.array([[0.0, 1.0, 0.3, 0.9], [1.0, 0.0, 0.5, 0.2]], 'float32')


def test_binary_crossentropy_on_probabilities_follows_tf_keras(tf_keras):
    # tf_keras 2.21's values: clipped to [eps, 1 - eps], then
    # -(t * log(p + eps) + (1 - t) * log(1 - p + eps)).
    close(K.binary_crossentropy(BT, BP),
          [[0., 0., 1.2039725, 2.302584], [0., 0., 0.693147, 0.2231434]])
    close(losses.binary_crossentropy(BT, BP), [0.8766391, 0.2290726])
    close(losses.binary_crossentropy(BT, BP, label_smoothing=0.2),
          [1.5694805, 1.0326844])
    close(losses.BinaryCrossentropy()(BT, BP), 0.5528558)
    metric = metrics.BinaryCrossentropy()
    metric.update_state(BT, BP)
    close(metric.result(), 0.5528558)
    close(losses.binary_focal_crossentropy(BT, BP), [0.6137599, 0.0455531])
    close(losses.binary_focal_crossentropy(
        BT, BP, apply_class_balancing=True, alpha=0.3),
        [0.3706372, 0.0145585])


def test_binary_crossentropy_on_probabilities_keras2():
    # Keras 2: the cross-entropy of the clipped probabilities, without
    # tf.keras's + eps inside the logs.
    eps = 1e-7
    p = np.clip(BP.astype(np.float64), eps, 1 - eps)
    expected = -(BT * np.log(p) + (1 - BT) * np.log(1 - p))
    close(K.binary_crossentropy(BT, BP), expected)
    assert float(K.binary_crossentropy(BT, BP)[0, 0]) > 1e-8


LOGITS = np.array([[-20., 20., 0.3, 3.], [25., -18., 0., -2.]], 'float32')


@pytest.mark.parametrize('flavour', ['keras', 'tf.keras'])
def test_binary_crossentropy_of_a_sigmoid_uses_its_logits(flavour):
    common.set_api_flavour(flavour)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.tensor(LOGITS), torch.tensor(BT), reduction='none').numpy()
    close(K.binary_crossentropy(BT, K.sigmoid(LOGITS)), expected)
    inputs = keras.layers.Input((4,))
    model = keras.models.Model(
        inputs, keras.layers.Activation('sigmoid')(inputs))
    model.compile('sgd', 'binary_crossentropy')
    # tf_keras 2.21's evaluate() of this model.
    close(model.evaluate(LOGITS, BT, verbose=0), 0.5528772)


# ------------------------------------------------------------------ names
def test_loss_names_keras2():
    assert losses.KLDivergence().name == 'kullback_leibler_divergence'
    assert losses.LogCosh().name == 'logcosh'
    assert losses.Huber().name == 'huber_loss'


def test_loss_names_tf_keras(tf_keras):
    # tf_keras 2.21's default names.
    assert losses.KLDivergence().name == 'kl_divergence'
    assert losses.LogCosh().name == 'log_cosh'
    assert losses.Huber().name == 'huber_loss'
    assert losses.CosineSimilarity().name == 'cosine_similarity'
    assert losses.KLDivergence(name='kl').name == 'kl'
    # The metric classes keep their names in tf.keras.
    assert metrics.KLDivergence().name == 'kullback_leibler_divergence'
    assert metrics.LogCoshError().name == 'logcosh'


# ------------------------------------------------------------- configs
def test_loss_configs_tf_keras(tf_keras):
    # tf_keras 2.21's get_config(): reduction 'auto' by default, the base
    # keys first, then the options, then the wrapped function's name.
    config = losses.CategoricalCrossentropy(from_logits=True).get_config()
    assert list(config) == ['reduction', 'name', 'from_logits',
                            'label_smoothing', 'axis', 'fn']
    assert config['reduction'] == 'auto'
    assert config['fn'] == 'categorical_crossentropy'
    assert losses.Huber().get_config() == {
        'reduction': 'auto', 'name': 'huber_loss', 'delta': 1.0,
        'fn': 'huber'}
    assert losses.MeanSquaredError(reduction='sum').get_config()[
        'reduction'] == 'sum'
    restored = losses.get({'class_name': 'Huber',
                           'config': losses.Huber(delta=2.).get_config()})
    assert restored.reduction == 'auto'
    close(restored(np.zeros((2, 1), 'float32'),
                   np.array([[1.], [3.]], 'float32')), (0.5 + 4.) / 2)


def test_loss_configs_keras2():
    # Keras 2.3.1: reduction 'sum_over_batch_size' by default, no `fn`.
    assert losses.MeanSquaredError().get_config() == {
        'reduction': 'sum_over_batch_size', 'name': 'mean_squared_error'}
    assert losses.Loss().reduction == 'sum_over_batch_size'
