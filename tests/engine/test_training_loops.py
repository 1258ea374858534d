"""The epoch and batch loops: callback hooks, validation data and splits."""
import numpy as np

import keras_compat as keras
from keras_compat import layers, models


class _Recorder(keras.callbacks.Callback):
    def __init__(self):
        super(_Recorder, self).__init__()
        self.events = []
        self.seen_validation = None

    def on_test_begin(self, logs=None):
        self.events.append('test_begin')

    def on_test_batch_end(self, batch, logs=None):
        self.events.append('test_batch')

    def on_test_end(self, logs=None):
        self.events.append('test_end')

    def on_epoch_end(self, epoch, logs=None):
        self.events.append('epoch_end')
        self.seen_validation = self.validation_data


def _small_model():
    model = models.Sequential([layers.Dense(2, activation='softmax',
                                            input_shape=(3,))])
    model.compile('sgd', 'categorical_crossentropy')
    return model


def test_validation_reports_test_hooks_and_validation_data():
    rng = np.random.RandomState(0)
    x, y = rng.rand(8, 3).astype('float32'), np.eye(2)[rng.randint(2,
                                                                    size=8)]
    xv, yv = rng.rand(4, 3).astype('float32'), np.eye(2)[[0, 1, 0, 1]]
    recorder = _Recorder()
    _small_model().fit(x, y, batch_size=4, epochs=2, verbose=0,
                       validation_data=(xv, yv), callbacks=[recorder])
    assert recorder.events == ['test_begin', 'test_batch', 'test_end',
                               'epoch_end'] * 2
    data = recorder.seen_validation
    assert len(data) == 3
    assert data[0] is xv and data[1] is yv
    np.testing.assert_array_equal(data[2], np.ones(4))


def test_validation_data_targets_have_the_standardized_shape():
    # Keras 2 hands callbacks the standardized arrays: 1-D targets become
    # (n, 1), whether they came as validation_data or validation_split.
    rng = np.random.RandomState(0)
    model = models.Sequential([layers.Dense(1, activation='sigmoid',
                                            input_shape=(3,))])
    model.compile('sgd', 'binary_crossentropy')
    x, y = rng.rand(10, 3).astype('float32'), np.arange(10) % 2
    for kwargs in ({'validation_data': (x[:4], y[:4])},
                   {'validation_split': 0.4}):
        recorder = _Recorder()
        model.fit(x, y, epochs=1, verbose=0, callbacks=[recorder],
                  **kwargs)
        targets = recorder.seen_validation[1]
        assert targets.shape == (4, 1)
        np.testing.assert_array_equal(targets.ravel(), y[:4] if
                                      'validation_data' in kwargs
                                      else y[6:])


def test_validation_split_gives_validation_data_arrays():
    x = np.arange(30, dtype='float32').reshape(10, 3)
    y = np.eye(2)[np.arange(10) % 2]
    recorder = _Recorder()
    _small_model().fit(x, y, epochs=1, verbose=0, validation_split=0.2,
                       callbacks=[recorder])
    data = recorder.seen_validation
    np.testing.assert_array_equal(data[0], x[8:])
    np.testing.assert_array_equal(data[1], y[8:])


def test_callback_list_batch_methods():
    recorder = _Recorder()
    callback_list = keras.callbacks.CallbackList([recorder])
    callback_list.on_test_batch_end(0)
    callback_list.on_train_batch_begin(0)
    callback_list.on_predict_batch_end(0)
    assert recorder.events == ['test_batch']
