"""Batch logs and `callback.params` of fits over arrays given with
`steps`, the batch size such fits, evaluations and predictions use, and
the output shapes of layers combining inputs of different leading
dimensions (single-mode graph convolutions). Expected values come from
real Keras 2.3.1 and from tf_keras 2.21, as noted at each test."""
import numpy as np
import pytest

import keras_compat as keras
from keras_compat import backend as K
from keras_compat.backend import common

X = (np.arange(30).reshape(10, 3) / 30.).astype('float32')
Y = (np.arange(20).reshape(10, 2) / 20.).astype('float32')


@pytest.fixture
def tf_keras():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


def _model():
    model = keras.models.Sequential([keras.layers.Dense(2, input_shape=(3,))])
    model.set_weights([np.array([[.1, -.2], [.3, .4], [-.5, .6]], 'float32'),
                       np.array([.1, -.1], 'float32')])
    model.compile(keras.optimizers.SGD(0.1), 'mse', metrics=['mae'])
    return model


class _Recorder(keras.callbacks.Callback):
    def __init__(self):
        super(_Recorder, self).__init__()
        self.params_seen, self.logs = None, []

    def on_train_begin(self, logs=None):
        self.params_seen = dict(self.params)

    def on_batch_begin(self, batch, logs=None):
        self.logs.append(('train', dict(logs or {})))

    def on_test_batch_begin(self, batch, logs=None):
        self.logs.append(('test', dict(logs or {})))

    def on_predict_batch_end(self, batch, logs=None):
        self.logs.append(('predict', sorted(logs)))


# ----------------------------------------------------------- Keras 2
def test_keras_2_steps_per_epoch_on_arrays_logs_size_one():
    # Keras 2.3.1: each step feeds all the arrays; logs {'batch', 'size': 1}.
    recorder = _Recorder()
    _model().fit(X, Y, steps_per_epoch=2, epochs=1, verbose=0,
                 validation_data=(X, Y), validation_steps=1,
                 callbacks=[recorder])
    assert recorder.logs == [('train', {'batch': 0, 'size': 1}),
                             ('train', {'batch': 1, 'size': 1}),
                             ('test', {'batch': 0, 'size': 1})]
    assert recorder.params_seen == {
        'batch_size': None, 'epochs': 1, 'steps': 2, 'samples': 10,
        'verbose': 0, 'do_validation': True,
        'metrics': ['loss', 'mae', 'val_loss', 'val_mae']}


def test_keras_2_fit_generator_params_list_validation_metrics():
    # Keras 2.3.1's fit_generator without validation data.
    def batches():
        while True:
            yield X[:4], Y[:4]
    recorder = _Recorder()
    _model().fit_generator(batches(), steps_per_epoch=2, epochs=1,
                           verbose=0, callbacks=[recorder])
    assert recorder.params_seen == {
        'epochs': 1, 'steps': 2, 'verbose': 0, 'do_validation': False,
        'metrics': ['loss', 'mae', 'val_loss', 'val_mae']}
    assert [log for _, log in recorder.logs] == [{'batch': 0, 'size': 4},
                                                 {'batch': 1, 'size': 4}]


def test_keras_2_predict_logs_and_steps_on_arrays():
    # Keras 2.3.1: predict's batch logs hold 'size'; with `steps` each step
    # predicts all the arrays (20 rows for 10 samples and 2 steps).
    recorder = _Recorder()
    _model().predict(X, batch_size=4, callbacks=[recorder])
    assert recorder.logs == [('predict', ['batch', 'outputs', 'size'])] * 3
    out = _model().predict(X, steps=2, verbose=0)
    assert out.shape == (20, 2)
    np.testing.assert_allclose(out.sum(), 6.9000006, rtol=1e-5)


def test_keras_2_fit_steps_per_epoch_numbers():
    # Keras 2.3.1 (each step trains on all 10 samples).
    history = _model().fit(X, Y, steps_per_epoch=2, epochs=2, verbose=0,
                           shuffle=False)
    np.testing.assert_allclose(history.history['loss'],
                               [0.13364306, 0.069631904], rtol=1e-5)
    np.testing.assert_allclose(history.history['mae'],
                               [0.28377846, 0.20071915], rtol=1e-5)


# ---------------------------------------------------------- tf.keras
def test_tf_keras_steps_without_batch_size_split_the_arrays(tf_keras):
    # tf_keras 2.21: the batch size is ceil(samples / steps).
    history = _model().fit(X, Y, steps_per_epoch=2, epochs=2, verbose=0,
                           shuffle=False)
    np.testing.assert_allclose(history.history['loss'],
                               [0.14481289684772491, 0.07363445311784744],
                               rtol=1e-5)
    for steps in (2, 3):
        np.testing.assert_allclose(
            _model().evaluate(X, Y, steps=steps, verbose=0),
            [0.15648610889911652, 0.3101666569709778], rtol=1e-5)
        out = _model().predict(X, steps=steps, verbose=0)
        assert out.shape == (10, 2)
        np.testing.assert_allclose(out.sum(), 3.4500003, rtol=1e-5)


def test_tf_keras_steps_per_epoch_logs_and_params(tf_keras):
    recorder = _Recorder()
    _model().fit(X, Y, steps_per_epoch=2, epochs=1, verbose=0,
                 callbacks=[recorder])
    assert recorder.params_seen == {'epochs': 1, 'steps': 2, 'verbose': 0}
    assert recorder.logs == [('train', {}), ('train', {})]


# --------------------------------------------- single-mode graph layers
class _GraphConv(keras.layers.Layer):
    """A single-mode graph convolution: adjacency (n, n) times node
    features (n, f) times a kernel, without `compute_output_shape`."""

    def __init__(self, units, **kwargs):
        super(_GraphConv, self).__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(
            name='kernel', shape=(input_shape[0][-1], self.units),
            initializer='ones')
        super(_GraphConv, self).build(input_shape)

    def call(self, inputs):
        features, adjacency = inputs
        return K.dot(adjacency, K.dot(features, self.kernel))


@pytest.mark.parametrize('sparse', [False, True])
def test_tf_keras_graph_layer_output_shape(tf_keras, sparse):
    # tf_keras 2.21: (None, 4) for the layer, (None, 2) for the model.
    features = keras.Input(shape=(3,))
    adjacency = keras.Input(shape=(5,), sparse=sparse)
    layer = _GraphConv(4)
    out = layer([features, adjacency])
    model = keras.Model([features, adjacency],
                        keras.layers.Dense(2, kernel_initializer='ones')(out))
    assert tuple(out.shape) == (None, 4)
    assert layer.output_shape == (None, 4)
    assert model.output_shape == (None, 2)
    lines = []
    model.summary(print_fn=lines.append)
    text = '\n'.join(lines)
    assert ' (None, 4) ' in text and ' (None, 2) ' in text
    if not sparse:
        x = np.arange(15, dtype='float32').reshape(5, 3) / 10.
        a = (np.eye(5) + np.eye(5, k=1)).astype('float32')
        out = model.predict([x, a], batch_size=5, verbose=0)
        assert out.shape == (5, 2)
        np.testing.assert_allclose(out.sum(), 165.6, rtol=1e-5)
