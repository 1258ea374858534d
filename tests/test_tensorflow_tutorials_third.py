"""tensorflow.org's structured-data tutorials on keras_compat's
TensorFlow stand-in: time-series windows (timeseries_dataset_from_array,
split_window, a Baseline model, the autoregressive FeedBack model with
an LSTMCell), and the imbalanced-data tutorial's oversampling with
tf.data.Dataset.choose_from_datasets / sample_from_datasets. Reference
values were computed with TensorFlow 2.21 + tf_keras
(TF_USE_LEGACY_KERAS=1) running the same code."""
import numpy as np
import pytest

from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common
from keras_compat.engine import sequential


@pytest.fixture
def tf_keras():
    common.set_api_flavour('tf.keras')
    yield tf.keras
    common.set_api_flavour('keras')


def _series():
    rng = np.random.RandomState(0)
    t = np.arange(300, dtype='float32')
    columns = [np.sin(t / 10.) + 0.1 * rng.randn(300),
               np.cos(t / 7.) + 0.1 * rng.randn(300), rng.rand(300)]
    return np.stack(columns, 1).astype('float32')


class _Window(object):
    """The tutorial's WindowGenerator, on arrays."""

    def __init__(self, input_width, label_width, shift, label_index=None):
        self.input_width, self.label_width = input_width, label_width
        self.total = input_width + shift
        self.label_index = label_index

    def split_window(self, features):
        inputs = features[:, slice(0, self.input_width), :]
        labels = features[:, slice(self.total - self.label_width, None), :]
        if self.label_index is not None:
            labels = tf.stack([labels[:, :, self.label_index]], axis=-1)
        inputs.set_shape([None, self.input_width, None])
        labels.set_shape([None, self.label_width, None])
        return inputs, labels

    def make_dataset(self, data):
        ds = tf.keras.utils.timeseries_dataset_from_array(
            data=data, targets=None, sequence_length=self.total,
            sequence_stride=1, shuffle=False, batch_size=32)
        return ds.map(self.split_window)


def _compile_and_fit(keras, model, window, data):
    model.compile(loss=keras.losses.MeanSquaredError(),
                  optimizer=keras.optimizers.Adam(),
                  metrics=[keras.metrics.MeanAbsoluteError()])
    stop = keras.callbacks.EarlyStopping(monitor='val_loss', patience=2)
    return model.fit(window.make_dataset(data[:200]), epochs=4,
                     validation_data=window.make_dataset(data[200:250]),
                     callbacks=[stop], verbose=0)


def test_window_split_and_baseline_evaluate(tf_keras):
    keras = tf_keras
    window = _Window(6, 1, 1, label_index=0)
    ds = window.make_dataset(_series()[:200])
    specs = ds.element_spec
    assert [tuple(s.shape) for s in specs] == [(None, 6, 3), (None, 1, 1)]
    inputs, labels = next(iter(ds))
    assert tuple(inputs.shape) == (32, 6, 3)
    assert tuple(labels.shape) == (32, 1, 1)

    class Baseline(keras.Model):
        def __init__(self, label_index=None):
            super().__init__()
            self.label_index = label_index

        def call(self, inputs):
            return inputs[:, :, self.label_index][:, :, tf.newaxis]

    baseline = Baseline(label_index=0)
    baseline.compile(loss=keras.losses.MeanSquaredError(),
                     metrics=[keras.metrics.MeanAbsoluteError()])
    single = _Window(1, 1, 1, label_index=0)
    result = baseline.evaluate(single.make_dataset(_series()[200:250]),
                               verbose=0)
    # (tf_keras 2.21.)
    np.testing.assert_allclose(result, [0.020091038, 0.110258415],
                               rtol=1e-5)


def test_feedback_model_lstm_cell_loop_trains_as_tf_keras(tf_keras):
    keras = tf_keras
    const = keras.initializers.Constant

    class FeedBack(keras.Model):
        def __init__(self, units, out_steps):
            super().__init__()
            self.out_steps = out_steps
            self.lstm_cell = keras.layers.LSTMCell(
                units, kernel_initializer=const(0.05),
                recurrent_initializer=const(0.02))
            self.lstm_rnn = keras.layers.RNN(self.lstm_cell,
                                             return_state=True)
            self.dense = keras.layers.Dense(3, kernel_initializer=const(0.1))

        def warmup(self, inputs):
            x, *state = self.lstm_rnn(inputs)
            return self.dense(x), state

        def call(self, inputs, training=None):
            prediction, state = self.warmup(inputs)
            predictions = [prediction]
            for _ in range(1, self.out_steps):
                x, state = self.lstm_cell(prediction, states=state,
                                          training=training)
                prediction = self.dense(x)
                predictions.append(prediction)
            return tf.transpose(tf.stack(predictions), [1, 0, 2])

    data = _series()
    window = _Window(12, 5, 5)
    model = FeedBack(units=8, out_steps=5)
    history = _compile_and_fit(keras, model, window, data)
    # (tf_keras 2.21.)
    np.testing.assert_allclose(
        history.history['loss'],
        [0.43349638, 0.42622503, 0.41839990, 0.40985035], rtol=2e-5)
    np.testing.assert_allclose(
        history.history['val_mean_absolute_error'],
        [0.60171717, 0.59648233, 0.59089171, 0.58474433], rtol=2e-5)
    predictions = model.predict(window.make_dataset(data[250:]), verbose=0)
    np.testing.assert_allclose(
        np.asarray(predictions)[0, :, 0],
        [0.17475103, 0.15579113, 0.14238198, 0.13033241, 0.11943606],
        atol=2e-6)


@pytest.mark.skipif(
    not hasattr(sequential.Sequential, '_widen_inferred_input'),
    reason='needs Sequential._widen_inferred_input')
def test_sequential_built_from_data_widens_its_input_shape(tf_keras):
    # A Sequential without an input shape, fit on (1, 3) windows, then
    # evaluated on (24, 3) ones (tf_keras 2.21: input_shape (None, None,
    # 3), and these numbers).
    keras = tf_keras
    data = _series()
    linear = keras.Sequential([keras.layers.Dense(
        1, kernel_initializer=keras.initializers.Constant(0.1))])
    history = _compile_and_fit(keras, linear, _Window(1, 1, 1, 0), data)
    np.testing.assert_allclose(
        history.history['loss'],
        [0.43584928, 0.42843091, 0.42137048, 0.41441745], rtol=2e-5)
    wide = _Window(24, 24, 1, label_index=0)
    result = linear.evaluate(wide.make_dataset(data[200:250]), verbose=0)
    np.testing.assert_allclose(result, [0.43410188, 0.60024756], rtol=2e-5)
    assert linear.input_shape == (None, None, 3)


def test_choose_from_datasets_as_tensorflow():
    a = tf.data.Dataset.from_tensor_slices(np.array([1, 2, 3])).repeat()
    b = tf.data.Dataset.from_tensor_slices(np.array([10, 20])).repeat()
    mixed = tf.data.Dataset.choose_from_datasets(
        [a, b], tf.data.Dataset.range(2).repeat())
    # (TensorFlow 2.21.)
    assert [int(v) for v in mixed.take(9)] == [1, 10, 2, 20, 3, 10, 1, 20, 2]
    finite = tf.data.Dataset.choose_from_datasets(
        [tf.data.Dataset.range(2), tf.data.Dataset.range(5, 9)],
        tf.data.Dataset.from_tensor_slices(
            np.array([0, 1, 1, 0, 0, 1], 'int64')))
    assert [int(v) for v in finite] == [0, 5, 6, 1]


def test_sample_from_datasets_draws_by_weight():
    finite = tf.data.Dataset.sample_from_datasets(
        [tf.data.Dataset.range(3), tf.data.Dataset.range(10, 14)], seed=1)
    assert sorted(int(v) for v in finite) == [0, 1, 2, 10, 11, 12, 13]
    a = tf.data.Dataset.from_tensor_slices(np.array([1, 2, 3])).repeat()
    b = tf.data.Dataset.from_tensor_slices(np.array([10, 20])).repeat()
    mixed = tf.data.experimental.sample_from_datasets(
        [a, b], weights=[0.9, 0.1], seed=3)
    values = np.array([int(v) for v in mixed.take(2000)])
    assert abs((values >= 10).mean() - 0.1) < 0.02


def test_oversampled_stream_fits_as_tf_keras(tf_keras):
    # The imbalanced-data tutorial's resampled fit, with an alternating
    # choice of the positive and negative streams (tf_keras 2.21).
    keras = tf_keras
    rng = np.random.RandomState(0)
    labels = (rng.rand(60) < 0.2).astype('int64')
    features = (rng.randn(60, 4) + labels[:, None]).astype('float32')
    pos = tf.data.Dataset.from_tensor_slices(
        (features[labels == 1], labels[labels == 1])).repeat()
    neg = tf.data.Dataset.from_tensor_slices(
        (features[labels == 0], labels[labels == 0])).repeat()
    stream = tf.data.Dataset.choose_from_datasets(
        [pos, neg], tf.data.Dataset.range(2).repeat()).batch(16).prefetch(2)
    model = keras.Sequential([keras.layers.Dense(
        1, activation='sigmoid', input_shape=(4,),
        kernel_initializer=keras.initializers.Constant(0.1),
        bias_initializer=keras.initializers.Constant(np.log(12. / 48.)))])
    model.compile(keras.optimizers.Adam(0.01), 'binary_crossentropy',
                  metrics=[keras.metrics.AUC(name='prc', curve='PR'),
                           keras.metrics.TruePositives(name='tp')])
    history = model.fit(stream, epochs=3, steps_per_epoch=3, verbose=0)
    np.testing.assert_allclose(history.history['loss'],
                               [0.74112815, 0.69572431, 0.65633386],
                               rtol=1e-5)
    np.testing.assert_allclose(history.history['prc'],
                               [0.93585384, 0.98354650, 0.92283118],
                               rtol=1e-5)
    assert history.history['tp'] == [0., 0., 2.]
