"""tensorflow.org's Keras tutorials on keras_compat's TensorFlow stand-in:
overfit and underfit (InverseTimeDecay, L2 weights, a named
BinaryCrossentropy metric watched by EarlyStopping, repeated tf.data
pipelines with steps_per_epoch), save and load (epoch-numbered TF
checkpoints, tf.train.latest_checkpoint, .keras / SavedModel / h5 models
and custom objects) and word2vec (skipgrams, sampling tables, candidate
samplers, a subclassed model with tf.einsum). Reference values were
computed with TensorFlow 2.21 + tf_keras (TF_USE_LEGACY_KERAS=1) running
the same code."""
import math
import os

import numpy as np
import pytest

from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common


@pytest.fixture
def tf_keras():
    common.set_api_flavour('tf.keras')
    yield tf.keras
    common.set_api_flavour('keras')


def _seeded(model, seed, scale):
    rng = np.random.RandomState(seed)
    model.set_weights([(rng.randn(*w.shape) * scale).astype('float32')
                       for w in model.get_weights()])


def test_inverse_time_decay_returns_float32_rates(tf_keras):
    schedule = tf_keras.optimizers.schedules.InverseTimeDecay(
        0.001, decay_steps=4000, decay_rate=1, staircase=False)
    rates = [schedule(step) for step in (0, 4, tf.constant(4000), 12000)]
    assert all(rate.dtype == tf.float32 for rate in rates)
    # (tf_keras 2.21.)
    np.testing.assert_allclose([float(r) for r in rates],
                               [0.001, 0.000999001, 0.0005, 0.00025],
                               rtol=1e-6)


def test_regularized_model_on_repeated_dataset(tf_keras):
    keras, layers = tf_keras, tf_keras.layers
    rng = np.random.RandomState(0)
    x = rng.randn(120, 28).astype('float32')
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype('float32')
    packed = tf.data.Dataset.from_tensor_slices((x, y))
    validate = packed.take(40).cache().batch(20)
    train = packed.skip(40).take(80).cache().repeat().batch(20)
    schedule = keras.optimizers.schedules.InverseTimeDecay(
        0.001, decay_steps=4000, decay_rate=1, staircase=False)
    l2 = keras.regularizers.l2
    model = keras.Sequential([
        layers.Dense(32, activation='elu', kernel_regularizer=l2(0.001),
                     input_shape=(28,)),
        layers.Dense(32, activation='elu', kernel_regularizer=l2(0.001)),
        layers.Dense(1)])
    _seeded(model, 42, 0.3)
    model.compile(optimizer=keras.optimizers.Adam(schedule),
                  loss=keras.losses.BinaryCrossentropy(from_logits=True),
                  metrics=[keras.losses.BinaryCrossentropy(
                      from_logits=True, name='binary_crossentropy'),
                      'accuracy'])
    stop = keras.callbacks.EarlyStopping(
        monitor='val_binary_crossentropy', patience=200)
    history = model.fit(train, steps_per_epoch=4, epochs=4,
                        validation_data=validate, callbacks=[stop],
                        verbose=0).history
    # (tf_keras 2.21.)
    expected = {
        'loss': [1.144398, 1.052191, 0.976917, 0.910473],
        'binary_crossentropy': [0.974523, 0.882642, 0.807665, 0.741491],
        'accuracy': [0.4625, 0.525, 0.575, 0.5875],
        'val_loss': [1.507398, 1.430977, 1.360814, 1.2966],
        'val_binary_crossentropy': [1.337732, 1.26162, 1.191737, 1.127774],
        'val_accuracy': [0.4, 0.4, 0.375, 0.4]}
    assert sorted(history) == sorted(expected)
    for key, values in expected.items():
        np.testing.assert_allclose(history[key], values, atol=2e-5)
    np.testing.assert_allclose([float(l.detach()) for l in model.losses],
                               [0.0773209, 0.0915049], rtol=1e-5)


def _mnist_like():
    rng = np.random.RandomState(0)
    return (rng.rand(40, 784).astype('float32'), rng.randint(0, 10, 40),
            rng.rand(20, 784).astype('float32'), rng.randint(0, 10, 20))


def _create_model(keras):
    model = keras.Sequential([
        keras.layers.Dense(16, activation='relu', input_shape=(784,)),
        keras.layers.Dropout(0.0), keras.layers.Dense(10)])
    model.compile(optimizer='adam', loss=keras.losses.
                  SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[keras.metrics.SparseCategoricalAccuracy()])
    _seeded(model, 7, 0.1)
    return model


def test_epoch_numbered_checkpoints_and_latest(tf_keras, tmp_path):
    keras = tf_keras
    x, y, x_test, y_test = _mnist_like()
    path = str(tmp_path / 'training_2' / 'cp-{epoch:04d}.ckpt')
    n_batches = math.ceil(len(x) / 10)
    callback = keras.callbacks.ModelCheckpoint(
        filepath=path, save_weights_only=True, save_freq=5 * n_batches)
    model = _create_model(keras)
    model.save_weights(path.format(epoch=0))
    model.fit(x, y, epochs=12, batch_size=10, shuffle=False,
              callbacks=[callback], validation_data=(x_test, y_test),
              verbose=0)
    directory = os.path.dirname(path)
    assert sorted(os.listdir(directory)) == ['checkpoint'] + sorted(
        'cp-%04d.ckpt.%s' % (n, suffix) for n in (0, 5, 10)
        for suffix in ('data-00000-of-00001', 'index'))
    latest = tf.train.latest_checkpoint(directory)
    assert latest == os.path.join(directory, 'cp-0010.ckpt')
    model = _create_model(keras)
    model.load_weights(latest)
    model.save_weights(str(tmp_path / 'checkpoints' / 'my_checkpoint'))
    restored = _create_model(keras)
    restored.load_weights(str(tmp_path / 'checkpoints' / 'my_checkpoint'))
    loss, acc = restored.evaluate(x_test, y_test, verbose=0)
    # (tf_keras 2.21: loss 2.33752, accuracy 0.)
    assert loss == pytest.approx(2.33752, abs=1e-5) and acc == 0.


@pytest.mark.parametrize('name', ['my_model.keras', 'my_model.h5'])
def test_whole_model_keeps_the_optimizer(tf_keras, tmp_path, name):
    keras = tf_keras
    x, y, x_test, y_test = _mnist_like()
    model = _create_model(keras)
    model.fit(x, y, epochs=2, verbose=0, shuffle=False, batch_size=10)
    model.save(str(tmp_path / name))
    loaded = keras.models.load_model(str(tmp_path / name))
    loss, acc = loaded.evaluate(x_test, y_test, verbose=0)
    # (tf_keras 2.21: loss 2.29278 accuracy 0.2; the third epoch of the
    # uninterrupted fit: 2.0635.)
    assert loss == pytest.approx(2.29278, abs=1e-5)
    assert acc == pytest.approx(0.2)
    assert int(loaded.optimizer.iterations.numpy()) == 8
    refit = loaded.fit(x, y, epochs=1, verbose=0, shuffle=False,
                       batch_size=10)
    assert refit.history['loss'][0] == pytest.approx(2.0635, abs=1e-5)


def test_custom_layer_needs_custom_objects(tf_keras, tmp_path):
    keras = tf_keras

    class CustomLayer(keras.layers.Layer):
        def __init__(self, units=4, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                     initializer='ones', name='w')

        def call(self, x):
            return tf.matmul(x, self.w) * 0.01

        def get_config(self):
            config = super().get_config()
            config.update({'units': self.units})
            return config

    inputs = keras.Input(shape=(784,))
    path = str(tmp_path / 'custom.keras')
    model = keras.Model(inputs, keras.layers.Dense(10)(
        CustomLayer(8)(inputs)))
    _seeded(model, 3, 0.1)
    model.save(path)
    with pytest.raises((TypeError, ValueError), match='CustomLayer'):
        keras.models.load_model(path)
    loaded = keras.models.load_model(
        path, custom_objects={'CustomLayer': CustomLayer})
    x = _mnist_like()[2][:3]
    np.testing.assert_array_equal(loaded.predict(x, verbose=0),
                                  model.predict(x, verbose=0))
    assert [type(l).__name__ for l in loaded.layers] == [
        'InputLayer', 'CustomLayer', 'Dense']


def test_skipgrams_and_sampling_table(tf_keras):
    sequence = tf_keras.preprocessing.sequence
    pairs, labels = sequence.skipgrams(
        [1, 2, 3, 4, 5, 1, 6, 7], vocabulary_size=8, window_size=2,
        negative_samples=0)
    # (tf_keras 2.21.)
    assert len(pairs) == 26 and set(labels) == {1}
    assert sorted(map(tuple, pairs))[:8] == [
        (1, 2), (1, 3), (1, 4), (1, 5), (1, 6), (1, 7), (2, 1), (2, 3)]
    np.testing.assert_allclose(
        sequence.make_sampling_table(size=10),
        [0.003152, 0.003152, 0.005476, 0.007416, 0.009128, 0.010684,
         0.012124, 0.013472, 0.014745, 0.015956], atol=1e-6)
    pairs, _ = sequence.skipgrams(
        [1, 2, 3, 4], vocabulary_size=6, window_size=1, negative_samples=0,
        sampling_table=np.array([0, 1, 1, 0, 1, 1.]))
    assert sorted(map(tuple, pairs)) == [(1, 2), (2, 1), (2, 3), (4, 3)]


def test_candidate_samplers(tf_keras):
    candidates, true_count, sampled_count = \
        tf.random.log_uniform_candidate_sampler(
            true_classes=tf.constant([[5]], 'int64'), num_true=1,
            num_sampled=4, unique=True, range_max=8, seed=42)
    values = candidates.numpy()
    assert values.dtype == np.int64 and len(set(values.tolist())) == 4
    assert ((values >= 0) & (values < 8)).all()
    assert tuple(true_count.shape) == (1, 1)
    assert tuple(sampled_count.shape) == (4,)
    # Unique draws: every expected count is 1 - (1 - p) ** tries.
    p = np.log((values + 2.) / (values + 1.)) / np.log(9.)
    tries = np.log1p(-sampled_count.numpy()) / np.log1p(-p)
    np.testing.assert_allclose(tries, np.round(tries[0]), rtol=1e-4)
    _, true_count, _ = tf.nn.log_uniform_candidate_sampler(
        tf.constant([[0, 3], [7, 1]], 'int64'), 2, 5, False, 8)
    # (tf_keras 2.21.)
    np.testing.assert_allclose(true_count.numpy(), [[1.577324, 0.507785],
                                                    [0.268027, 0.922676]],
                               rtol=1e-5)
    _, true_count, sampled_count = tf.random.uniform_candidate_sampler(
        tf.constant([[0], [7]], 'int64'), 1, 3, False, 8)
    assert true_count.numpy().tolist() == [[0.375], [0.375]]
    assert sampled_count.numpy().tolist() == [0.375] * 3
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.random.log_uniform_candidate_sampler(
            tf.constant([[1]], 'int64'), 1, 9, True, 8)
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.random.log_uniform_candidate_sampler(
            tf.constant([1, 2], 'int64'), 1, 2, True, 8)
