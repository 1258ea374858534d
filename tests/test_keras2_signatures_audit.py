"""Standalone Keras 2.3's call signatures: arguments given positionally and
by Keras 2's keyword names give Keras 2.3's results. Expected values come
from real Keras 2.3.1 (TensorFlow backend) running the same calls, or from
Keras 2.3's formulas where stated."""
import hashlib

import numpy as np
import pytest

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import callbacks, layers, losses, metrics
from keras_compat.backend import common
from keras_compat.models import Model
from keras_compat.utils import data_utils

XV = np.arange(24, dtype='float32').reshape(2, 3, 4) / 10.0 - 1.0
Y_TRUE = np.array([[0, 1, 0], [1, 0, 0]], 'float32')
Y_PRED = np.array([[0.2, 0.7, 0.1], [0.5, 0.3, 0.2]], 'float32')


@pytest.fixture
def tf_keras():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


def summary(value):
    value = np.asarray(K.eval(value) if not isinstance(value, np.ndarray)
                       else value)
    return list(value.shape), round(float(value.sum()), 4), \
        round(float(np.abs(value).sum()), 4)


def det(shape):
    n = int(np.prod(shape))
    return (0.1 + 0.5 * np.abs(np.sin(np.arange(n) + 1.0))).reshape(
        shape).astype('float32')


def layer_output(layer, shape):
    """The layer's output on a seeded batch, its weights set to `det`."""
    inp = layers.Input(shape)
    model = Model(inp, layer(inp))
    layer.set_weights([det(w.shape) for w in layer.get_weights()])
    x = np.random.RandomState(0).uniform(-1, 1, (2,) + shape)
    return summary(model.predict(x.astype('float32')))


# ------------------------------------------------------------------ losses
def test_loss_classes_take_keras2_positional_order():
    # Keras 2.3.1: (from_logits, label_smoothing, reduction, name) and
    # SparseCategoricalCrossentropy(from_logits, reduction, name).
    cce = losses.CategoricalCrossentropy(False, 0.2, 'sum', 'cc')
    assert cce.name == 'cc'
    assert round(float(cce(Y_TRUE, Y_PRED)), 5) == 1.35821
    bce = losses.BinaryCrossentropy(False, 0.1)
    assert round(float(bce(Y_TRUE, Y_PRED)), 5) == 0.38189
    scce = losses.SparseCategoricalCrossentropy(False, 'sum')
    assert round(float(scce(np.array([1., 0.]), Y_PRED)), 5) == 1.04982


def test_loss_classes_keep_tf_keras_order_there(tf_keras):
    # tf.keras puts `axis` before `reduction`; same value as above.
    cce = losses.CategoricalCrossentropy(False, 0.2, -1, 'sum')
    assert round(float(cce(Y_TRUE, Y_PRED)), 5) == 1.35821


def test_huber_keeps_one_value_per_element():
    # Keras 2.3.1: huber_loss has no mean over the last axis, so
    # Huber(0.1, 'sum') sums six values; 'none' returns them.
    assert round(float(losses.Huber(0.1, 'sum')(Y_TRUE, Y_PRED)), 5) == 0.13
    values = losses.Huber(0.1, 'none')(Y_TRUE, Y_PRED)
    assert summary(values) == ([2, 3], 0.13, 0.13)
    assert summary(losses.huber_loss(Y_TRUE, Y_PRED, 0.1))[0] == [2, 3]
    # the default reduction averages over the elements: (0.045+0.085)/6
    assert round(float(losses.Huber(0.1)(Y_TRUE, Y_PRED)), 5) == 0.02167


def test_huber_function_is_per_sample_in_tf_keras(tf_keras):
    assert summary(losses.huber_loss(Y_TRUE, Y_PRED, 0.1))[0] == [2]


def test_huber_trains_with_sample_weights_like_the_mean():
    inp = layers.Input((3,))
    model = Model(inp, layers.Dense(3, kernel_initializer='ones')(inp))
    model.compile('sgd', losses.Huber(0.1))
    weights = np.array([1., 3.], 'float32')
    value = model.evaluate(Y_TRUE, Y_PRED, sample_weight=weights, verbose=0)
    out = Y_TRUE.dot(np.ones((3, 3), 'float32'))
    err = np.abs(out - Y_PRED)
    quad = np.minimum(err, 0.1)
    elem = 0.5 * quad ** 2 + 0.1 * (err - quad)
    assert abs(value - (elem * weights[:, None]).mean()) < 1e-6


# ----------------------------------------------------------------- metrics
def test_metric_add_weight_keras2_positional_initializer():
    # Keras 2.3.1 Metric.add_weight(name, shape, initializer, dtype).
    class Total(metrics.Metric):
        def __init__(self, name='total', **kwargs):
            super(Total, self).__init__(name=name, **kwargs)
            self.total = self.add_weight('t', (), 'ones')
            self.pair = self.add_weight('u', (2,), 'zeros', 'float32')

        def update_state(self, y_true, y_pred, sample_weight=None):
            # Keras 2.3.1 runs the returned ops before result(): 1 + 2.
            return [K.update_add(self.total, K.sum(K.constant(y_pred)))]

        def result(self):
            return self.total * 1.0

    metric = Total()
    assert [K.eval(w).tolist() for w in metric.weights] == [1.0, [0.0, 0.0]]
    assert round(float(metric(Y_TRUE, Y_PRED)), 5) == 3.0


def test_metric_add_weight_tf_keras_keywords():
    metric = metrics.Mean()
    weight = metric.add_weight('w', (2,), aggregation='sum',
                               initializer='ones')
    assert K.eval(weight).tolist() == [1.0, 1.0]


# ------------------------------------------------------------------ layers
def test_separable_convs_take_every_argument_positionally():
    # Keras 2.3.1 SeparableConv1D: filters, kernel_size, strides, padding,
    # data_format, dilation_rate, depth_multiplier, activation, use_bias.
    conv1 = layers.SeparableConv1D(2, 3, 1, 'same', None, 1, 2, 'relu', False)
    assert layer_output(conv1, (6, 3)) == ([2, 6, 2], 9.8449, 9.8449)
    assert conv1.get_config()['depth_multiplier'] == 2
    # the keyword form of Keras 2.3.1 gives the same numbers
    conv2 = layers.SeparableConv2D(2, 3, (1, 1), 'same', None, (1, 1), 2,
                                   'relu', True)
    assert layer_output(conv2, (5, 5, 3)) == ([2, 5, 5, 2], 86.8582, 86.8582)


def test_conv3d_transpose_keras2_positional_activation():
    # Keras 2.3.1 has no dilation_rate: the seventh argument is activation.
    layer = layers.Conv3DTranspose(2, 2, 1, 'same', None, None, 'relu', False)
    assert layer_output(layer, (3, 3, 3, 2)) == \
        ([2, 3, 3, 3, 2], 41.1491, 41.1491)
    assert not layer.use_bias
    layer = layers.Conv3DTranspose(2, 2, 1, 'same', None, None, None, False,
                                   'ones')
    assert layer.get_config()['kernel_initializer']['class_name'] == 'Ones'
    assert layer_output(layer, (3, 3, 3, 2)) == \
        ([2, 3, 3, 3, 2], -11.0526, 93.3507)


def test_conv3d_transpose_tf_keras_dilation_position():
    layer = layers.Conv3DTranspose(2, 2, 1, 'same', None, None, 1, 'relu')
    assert layer.dilation_rate == (1, 1, 1)
    assert layer.get_config()['activation'] == 'relu'
    with pytest.raises(TypeError):
        layers.Conv3DTranspose(2, 2, 1, 'same', None, None, 'relu',
                               activation='tanh')


# ----------------------------------------------------------------- backend
BACKEND_CASES = {
    # value: Keras 2.3.1's ([shape], sum, sum of absolute values)
    'sum': (lambda: K.sum(XV, 1, True), ([2, 1, 4], 3.6, 14.4)),
    'mean': (lambda: K.mean(XV, -1, True), ([2, 3, 1], 0.9, 3.6)),
    'max': (lambda: K.max(XV, 1, True), ([2, 1, 4], 4.4, 5.0)),
    'std': (lambda: K.std(XV, 1, True), ([2, 1, 4], 2.6128, 2.6128)),
    'var': (lambda: K.var(XV, 2, True), ([2, 3, 1], 0.075, 0.075)),
    'logsumexp': (lambda: K.logsumexp(XV, 1, True), ([2, 1, 4], 10.41,
                                                     10.41)),
    'cumsum': (lambda: K.cumsum(XV, 1), ([2, 3, 4], 0.8, 28.8)),
    'clip': (lambda: K.clip(XV, -0.5, 0.5), ([2, 3, 4], 1.5, 9.5)),
    'l2_normalize': (lambda: K.l2_normalize(XV, 1), ([2, 3, 4], 0.8379,
                                                     12.0677)),
    'relu': (lambda: K.relu(XV, 0.1, 0.8, 0.2), ([2, 3, 4], 6.72, 8.28)),
    'elu': (lambda: K.elu(XV, 0.5), ([2, 3, 4], 7.1052, 11.0948)),
    'repeat_elements': (lambda: K.repeat_elements(XV, 2, 1),
                        ([2, 6, 4], 7.2, 29.2)),
    'batch_dot': (lambda: K.batch_dot(XV, XV, (2, 2)), ([2, 3, 3], 28.44,
                                                        28.44)),
    'categorical_crossentropy': (
        lambda: K.categorical_crossentropy(K.softmax(XV), XV, True, -1),
        ([2, 3], 8.2804, 8.2804)),
    'categorical_crossentropy_axis': (
        lambda: K.categorical_crossentropy(K.softmax(XV, 1),
                                           K.softmax(XV, 1), False, 1),
        ([2, 4], 8.3787, 8.3787)),
    'binary_crossentropy': (
        lambda: K.binary_crossentropy(K.sigmoid(XV), XV, True),
        ([2, 3, 4], 15.289, 15.289)),
    'sparse_categorical_crossentropy': (
        lambda: K.sparse_categorical_crossentropy(
            np.array([[1, 0, 3], [2, 2, 0]], 'float32'), XV, True, -1),
        ([2, 3], 8.4552, 8.4552)),
    'temporal_padding': (lambda: K.temporal_padding(XV, (1, 2)),
                         ([2, 6, 4], 3.6, 14.6)),
    'spatial_2d_padding': (
        lambda: K.spatial_2d_padding(XV[..., None], ((1, 0), (0, 2)),
                                     'channels_last'),
        ([2, 4, 6, 1], 3.6, 14.6)),
    'pool2d': (lambda: K.pool2d(XV[..., None], (2, 2), (1, 1), 'same',
                                'channels_last', 'avg'),
               ([2, 3, 4, 1], 7.7, 14.7)),
    'conv1d': (lambda: K.conv1d(XV, det((2, 4, 3)), 1, 'causal',
                                'channels_last', 1),
               ([2, 3, 3], 3.4247, 30.73)),
    'conv2d': (lambda: K.conv2d(XV[..., None], det((2, 2, 1, 2)), (1, 1),
                                'same', 'channels_last', (1, 1)),
               ([2, 3, 4, 2], 15.7062, 38.0701)),
    'resize_images': (lambda: K.resize_images(XV[..., None], 2, 3,
                                              'channels_last', 'bilinear'),
                      ([2, 6, 12, 1], 34.8, 88.0)),
    'bias_add': (lambda: K.bias_add(XV, np.arange(4, dtype='float32'),
                                    'channels_last'),
                 ([2, 3, 4], 39.6, 43.2)),
    'constant': (lambda: K.constant(2.0, 'float32', (2, 2), 'c'),
                 ([2, 2], 8.0, 8.0)),
}


@pytest.mark.parametrize('name', sorted(BACKEND_CASES))
def test_backend_positional_calls(name):
    fn, expected = BACKEND_CASES[name]
    assert summary(fn()) == expected


def test_backend_keras2_keyword_names():
    x = K.variable(XV)
    assert K.is_sparse(tensor=x) is False
    assert summary(K.to_dense(tensor=x)) == ([2, 3, 4], 3.6, 14.6)
    K.set_floatx(floatx='float64')
    try:
        assert K.floatx() == 'float64'
    finally:
        K.set_floatx('float32')
    K.set_floatx(value='float32')
    assert K.floatx() == 'float32'


# --------------------------------------------------------------- callbacks
def test_progbar_logger_counts_samples_by_default():
    # Keras 2.3.1: ProgbarLogger(count_mode='samples') -> use_steps False.
    logger = callbacks.ProgbarLogger()
    assert (logger.count_mode, logger.use_steps) == ('samples', False)
    assert callbacks.ProgbarLogger('steps').use_steps is True


def test_callbacks_positional_arguments():
    stop = callbacks.EarlyStopping('loss', 0.1, 3, 1, 'min', 0.5, True)
    # Keras 2.3.1 stores min_delta negated in 'min' mode.
    assert (stop.monitor, stop.min_delta, stop.patience, stop.baseline,
            stop.restore_best_weights) == ('loss', -0.1, 3, 0.5, True)
    plateau = callbacks.ReduceLROnPlateau('loss', 0.5, 3, 1, 'min', 0.01, 2,
                                          0.001)
    assert (plateau.factor, plateau.min_delta, plateau.cooldown,
            plateau.min_lr) == (0.5, 0.01, 2, 0.001)
    check = callbacks.ModelCheckpoint('f.h5', 'loss', 1, True, True, 'min', 2)
    assert (check.save_best_only, check.save_weights_only, check.period) == \
        (True, True, 2)


# ------------------------------------------------------------------- utils
def test_validate_file_chunk_size(tmp_path):
    path = tmp_path / 'data.txt'
    path.write_bytes(b'abc')
    digest = hashlib.sha256(b'abc').hexdigest()
    assert data_utils.validate_file(str(path), digest, 'sha256', 2)
    assert data_utils.validate_file(str(path), hashlib.md5(b'abc').hexdigest(),
                                    'md5', 1)
    assert not data_utils.validate_file(str(path), '0' * 64, 'auto', 4)


def test_model_methods_positional():
    # fit(x, y, batch_size, epochs, verbose, callbacks, validation_split,
    # validation_data, shuffle): Keras 2.3.1's history and weight sums.
    model = keras.models.Sequential([
        layers.Dense(3, activation='relu', input_shape=(4,)),
        layers.Dense(2)])
    model.set_weights([det(w.shape) - 0.3 for w in model.get_weights()])
    model.compile(keras.optimizers.SGD(0.1), 'mse', ['mae'])
    x = np.random.RandomState(1).rand(8, 4).astype('float32')
    y = np.random.RandomState(2).rand(8, 2).astype('float32')
    history = model.fit(x, y, 4, 2, 0, None, 0.25, None, False)
    rounded = {k: [round(float(v), 4) for v in vals]
               for k, vals in history.history.items()}
    assert rounded == {'loss': [0.051, 0.0366], 'mae': [0.1789, 0.1542],
                       'val_loss': [0.0405, 0.0543],
                       'val_mae': [0.1655, 0.2034]}
    assert [round(float(w.sum()), 4) for w in model.get_weights()] == \
        [1.6004, 0.3355, 0.776, 0.4933]
