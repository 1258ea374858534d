"""tf.data cardinality as TensorFlow tells it (unknown after a generator,
text files, `filter`, `flat_map`...; infinite after `repeat()`; known again
after `assert_cardinality`), and what tf.keras's fit does on a pipeline of
unknown size: its 2.11+ optimizers count one more iteration in the first
epoch of each fit. Expected values come from TensorFlow 2.21 / tf_keras
2.21 running the same code."""
import os

import numpy as np
import pytest

import keras_compat as keras
from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common


@pytest.fixture
def tf_keras():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


def _c(dataset):
    return int(dataset.cardinality())


def test_cardinality_follows_tensorflow(tmp_path):
    base = tf.data.Dataset.range(10)
    filtered = base.filter(lambda a: True)
    # TensorFlow 2.21: -2 -1 -2 -2 -2 -2 -2 -2 -2 -2 10
    assert [_c(filtered), _c(filtered.repeat()), _c(filtered.repeat(2)),
            _c(filtered.batch(2)), _c(filtered.take(3)),
            _c(filtered.skip(2)), _c(filtered.map(lambda a: a)),
            _c(filtered.shuffle(3)), _c(filtered.cache()),
            _c(filtered.prefetch(1)),
            _c(filtered.apply(tf.data.experimental.assert_cardinality(10)))
            ] == [-2, -1, -2, -2, -2, -2, -2, -2, -2, -2, 10]
    generated = tf.data.Dataset.from_generator(
        lambda: iter([1, 2]), output_signature=tf.TensorSpec((), tf.int32))
    # TensorFlow 2.21: 3 5 -2 -2 -2 -2
    assert [_c(base.take(3)), _c(base.repeat().take(5)), _c(generated),
            _c(base.batch(3).unbatch()),
            _c(base.flat_map(lambda a: tf.data.Dataset.range(2))),
            _c(base.interleave(lambda a: tf.data.Dataset.range(2)))
            ] == [3, 5, -2, -2, -2, -2]
    path = os.path.join(str(tmp_path), 'a.txt')
    with open(path, 'w') as f:
        f.write('a\nb\n')
    # TensorFlow 2.21: -2 1 -2 4 -2 -2 -2 -2
    assert [_c(tf.data.TextLineDataset(path)),
            _c(tf.data.Dataset.list_files(path)),
            _c(filtered.padded_batch(2)), _c(base.window(3)),
            _c(tf.data.Dataset.zip((base, filtered))),
            _c(base.concatenate(filtered)), _c(filtered.enumerate()),
            _c(base.take_while(lambda a: a < 3))
            ] == [-2, 1, -2, 4, -2, -2, -2, -2]
    assert [int(x) for x in base.take_while(lambda a: a < 3)] == [0, 1, 2]


def test_assert_cardinality_checks_the_count():
    dataset = tf.data.Dataset.range(3).apply(
        tf.data.experimental.assert_cardinality(5))
    with pytest.raises(tf.errors.FailedPreconditionError,
                       match='Input dataset was expected to contain 5 '
                       'elements but contained only 3 elements.'):
        list(dataset)


def _unknown_size_fit(optimizer):
    x = np.arange(12, dtype='float32').reshape(6, 2) / 10
    y = np.ones((6, 1), 'float32')
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).filter(
        lambda a, b: True).batch(3)
    model = keras.Sequential([keras.layers.Dense(
        1, input_shape=(2,), kernel_initializer='ones')])
    model.compile(optimizer, 'mse')
    first = model.fit(dataset, epochs=2, verbose=0).history['loss']
    after_first = int(model.optimizer.iterations.numpy())
    second = model.fit(dataset, epochs=1, verbose=0).history['loss']
    return (after_first, int(model.optimizer.iterations.numpy()),
            first + second, model.evaluate(dataset, verbose=0))


def test_fit_on_unknown_size_counts_the_overrun_step(tf_keras):
    first, second, losses, loss = _unknown_size_fit(
        keras.optimizers.Adam(0.1))
    # tf_keras 2.21: iterations 5 then 8; losses 0.71331, 0.46958, then
    # 0.34278; evaluate 0.3178020.
    assert (first, second) == (5, 8)
    np.testing.assert_allclose(losses, [0.71331, 0.46958, 0.34278],
                               atol=1e-5)
    assert abs(loss - 0.3178020) < 1e-6


def test_legacy_optimizer_counts_only_its_steps(tf_keras):
    first, second, _, _ = _unknown_size_fit(
        keras.optimizers.legacy.Adam(0.1))
    # tf_keras 2.21: 4 after two epochs of two batches.
    assert (first, second) == (4, 6)
