"""predict runs a batch whose activations exceed the reused host blocks in
slices of rows, for models whose layers keep samples apart, with the
outputs the whole batch has; models that mix samples run each batch
whole."""
import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import layers
from keras_compat.engine import batch_slicing, training_step


@pytest.fixture
def forwarded_rows(monkeypatch):
    """The row counts of the forward passes predict runs."""
    rows = []
    original = training_step.predict_step

    def recording(model, inputs):
        rows.append(int(inputs[0].shape[0]))
        return original(model, inputs)
    monkeypatch.setattr(training_step, 'predict_step', recording)
    return rows


def _numpy_dense_relu(x, kernel, bias):
    return np.maximum(x.dot(kernel) + bias, 0.0)


def _dense_model(width=64):
    model = keras.Sequential([
        layers.Dense(width, activation='relu', input_shape=(16,)),
        layers.Dropout(0.5), layers.Dense(3)])
    return model


def test_rows_from_the_largest_layer_output():
    model = keras.Sequential([
        layers.Conv2D(32, (3, 3), activation='relu',
                      input_shape=(100, 100, 3)),
        layers.MaxPooling2D((2, 2)), layers.Flatten(), layers.Dense(10)])
    # Largest output: 98 * 98 * 32 float32 = 1229312 bytes a sample;
    # 32 MB holds 27 of them, rounded down to a multiple of 8.
    assert batch_slicing.rows_per_slice(model) == 24


def test_rows_never_below_the_row_multiple():
    model = keras.Sequential([layers.Dense(10 ** 7, input_shape=(1,))])
    assert batch_slicing.rows_per_slice(model) == batch_slicing.ROW_MULTIPLE


def test_predict_slices_a_large_batch_with_the_same_outputs(
        monkeypatch, forwarded_rows):
    monkeypatch.setattr(batch_slicing, 'SLICE_BYTES', 8 * 64 * 4)
    model = _dense_model()
    x = np.random.RandomState(0).rand(43, 16).astype('float32')
    predicted = model.predict(x, batch_size=40)
    assert forwarded_rows == [8, 8, 8, 8, 8, 3]
    k1, b1, k2, b2 = model.get_weights()
    expected = _numpy_dense_relu(x, k1, b1).dot(k2) + b2
    np.testing.assert_allclose(predicted, expected, rtol=1e-5, atol=1e-5)


def test_batch_end_callbacks_see_the_whole_batch(monkeypatch):
    monkeypatch.setattr(batch_slicing, 'SLICE_BYTES', 8 * 64 * 4)
    model = _dense_model()
    x = np.random.RandomState(1).rand(40, 16).astype('float32')
    seen = []
    record = keras.callbacks.LambdaCallback(
        on_predict_batch_end=lambda batch, logs: seen.append(
            logs['outputs'].shape))
    model.predict(x, batch_size=32, callbacks=[record])
    assert seen == [(32, 3), (8, 3)]


def test_a_lambda_mixing_samples_runs_each_batch_whole(
        monkeypatch, forwarded_rows):
    monkeypatch.setattr(batch_slicing, 'SLICE_BYTES', 8 * 16 * 4)
    inputs = layers.Input((16,))
    centred = layers.Lambda(lambda t: t - K.mean(t, axis=0))(inputs)
    model = keras.models.Model(inputs, centred)
    x = np.random.RandomState(2).rand(32, 16).astype('float32')
    predicted = model.predict(x, batch_size=32)
    assert forwarded_rows == [32]
    np.testing.assert_allclose(predicted, x - x.mean(axis=0), atol=1e-6)


def test_batch_statistics_in_predict_run_each_batch_whole(
        monkeypatch, forwarded_rows):
    monkeypatch.setattr(batch_slicing, 'SLICE_BYTES', 8 * 16 * 4)
    inputs = layers.Input((16,))
    normalized = layers.BatchNormalization(center=False, scale=False)(
        inputs, training=True)
    model = keras.models.Model(inputs, normalized)
    x = np.random.RandomState(3).rand(32, 16).astype('float32')
    predicted = model.predict(x, batch_size=32)
    assert forwarded_rows == [32]
    expected = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-3)
    np.testing.assert_allclose(predicted, expected, rtol=1e-4, atol=1e-4)


def test_models_that_do_not_qualify():
    class Custom(layers.Layer):
        def call(self, inputs):
            return inputs

    class Subclassed(keras.models.Model):
        def __init__(self):
            super(Subclassed, self).__init__()
            self.dense = layers.Dense(4)

        def call(self, inputs):
            return self.dense(inputs)

    custom = keras.Sequential([layers.Dense(4, input_shape=(3,)), Custom()])
    stateful = keras.Sequential([layers.LSTM(
        4, stateful=True, batch_input_shape=(2, 5, 3))])
    variable = keras.Sequential([layers.Conv1D(4, 3, input_shape=(None, 3))])
    for model in (custom, stateful, variable, Subclassed()):
        assert batch_slicing.rows_per_slice(model) is None


def test_nested_models_and_wrappers_qualify():
    inner = keras.Sequential([layers.Dense(8, input_shape=(5, 4))])
    outer = keras.Sequential([
        layers.TimeDistributed(inner, input_shape=(7, 5, 4)),
        layers.Reshape((7, 40)),
        layers.Bidirectional(layers.LSTM(6, return_sequences=True))])
    # Largest output a sample: 7 * 5 * 8 (and 7 * 40) float32 values.
    expected = batch_slicing.SLICE_BYTES // (7 * 5 * 8 * 4) // 8 * 8
    assert batch_slicing.rows_per_slice(outer) == expected


def test_row_slices_cover_the_batch():
    assert batch_slicing.row_slices(8, 20) == [(0, 8), (8, 16), (16, 20)]
    assert batch_slicing.row_slices(8, 8) == [(0, 8)]


@pytest.mark.skipif(not torch.backends.mkldnn.is_available(),
                    reason='oneDNN convolutions are not available')
def test_large_convolution_batch_sliced_in_multiples_of_eight(
        forwarded_rows):
    model = keras.Sequential([
        layers.Conv2D(8, (3, 3), activation='relu',
                      input_shape=(258, 258, 3)),
        layers.GlobalMaxPooling2D()])
    x = np.random.RandomState(4).rand(20, 258, 258, 3).astype('float32')
    predicted = model.predict(x, batch_size=20)
    # 256 * 256 * 8 float32 a sample: 16 rows fill 32 MB.
    assert forwarded_rows == [16, 4]
    kernel, bias = model.get_weights()
    weight = torch.from_numpy(kernel).permute(3, 2, 0, 1)
    conv = torch.nn.functional.conv2d(
        torch.from_numpy(x).permute(0, 3, 1, 2), weight,
        torch.from_numpy(bias)).relu()
    np.testing.assert_allclose(predicted, conv.amax(dim=(2, 3)).numpy(),
                               rtol=1e-5, atol=1e-5)


def test_predict_on_batch_slices_too(monkeypatch, forwarded_rows):
    monkeypatch.setattr(batch_slicing, 'SLICE_BYTES', 8 * 64 * 4)
    model = _dense_model()
    x = np.random.RandomState(6).rand(20, 16).astype('float32')
    predicted = model.predict_on_batch(x)
    assert forwarded_rows == [8, 8, 4]
    k1, b1, k2, b2 = model.get_weights()
    np.testing.assert_allclose(
        predicted, _numpy_dense_relu(x, k1, b1).dot(k2) + b2, rtol=1e-5,
        atol=1e-5)


def test_small_batches_never_walk_the_layers(monkeypatch):
    walks = []
    monkeypatch.setattr(batch_slicing, 'rows_per_slice',
                        lambda model: walks.append(model))
    model = _dense_model()
    model.predict(np.zeros((8, 16), 'float32'))
    model.predict_on_batch(np.zeros((1, 16), 'float32'))
    assert walks == []
    model.predict(np.zeros((9, 16), 'float32'))
    assert len(walks) == 1


def test_layers_working_along_the_batch_axis_do_not_qualify():
    inputs = layers.Input((4,))
    joined = layers.Concatenate(axis=0)([inputs, inputs])
    model = keras.models.Model(inputs, joined)
    assert batch_slicing.rows_per_slice(model) is None
    along_rows = keras.Sequential([layers.Softmax(axis=0, input_shape=(4,))])
    assert batch_slicing.rows_per_slice(along_rows) is None
    per_sample = keras.Sequential([layers.Softmax(input_shape=(4,))])
    assert batch_slicing.rows_per_slice(per_sample) is not None
