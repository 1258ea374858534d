"""Idioms of CTR-model libraries written for tf.keras 2.x (DeepCTR and
alike): flattening 2-D embedding concatenations, custom layers holding
their dense and normalization layers in lists. Expected values are
tf_keras 2.21's, obtained by running the same code there."""
import numpy as np
import pytest

import keras_compat as keras
from keras_compat.backend import common


@pytest.fixture
def tf_keras():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


def test_tf_keras_flatten_takes_two_dimensional_inputs(tf_keras):
    # tf_keras 2.21: Flatten()(Input((3,))).shape == (None, 3).
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Flatten()(inputs))
    assert tuple(model.output_shape) == (None, 3)
    x = np.arange(6, dtype='float32').reshape(2, 3)
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)


def test_tf_keras_flatten_of_a_vector_adds_an_axis(tf_keras):
    # tf_keras 2.21: Flatten()(np.arange(3.)).shape == (3, 1) and
    # compute_output_shape((None,)) == (None, 1).
    layer = keras.layers.Flatten()
    out = layer(np.arange(3, dtype='float32'))
    assert tuple(out.shape) == (3, 1)
    assert tuple(layer.compute_output_shape((None,))) == (None, 1)


def test_tf_keras_flatten_of_unknown_dimensions_is_unknown(tf_keras):
    # tf_keras 2.21: Flatten()(Input((None, 3))).shape == (None, None),
    # and predicting (2, 4, 3) gives (2, 12).
    inputs = keras.Input((None, 3))
    model = keras.Model(inputs, keras.layers.Flatten()(inputs))
    assert tuple(model.output_shape) == (None, None)
    assert model.predict(np.ones((2, 4, 3)), verbose=0).shape == (2, 12)


def test_tf_keras_flatten_rejects_a_scalar(tf_keras):
    # tf_keras 2.21: ValueError '... expected min_ndim=1, found ndim=0'.
    with pytest.raises(ValueError, match='min_ndim=1, found ndim=0'):
        keras.layers.Flatten()(keras.backend.constant(1.))


def test_keras2_flatten_still_wants_rank_three():
    # Keras 2.3.1's Flatten has InputSpec(min_ndim=3).
    with pytest.raises(ValueError, match='min_ndim=3, found ndim=2'):
        keras.layers.Flatten()(keras.Input((3,)))


class Outer(keras.layers.Layer):
    """Holds its normalization and activation layers in lists, built in
    `build` and first called in `call` (DeepCTR's DNN and Dice)."""

    def build(self, input_shape):
        self.kernel = self.add_weight(
            name='kernel', shape=(int(input_shape[-1]), 3),
            initializer='ones')
        self.norms = [keras.layers.BatchNormalization() for _ in range(2)]
        self.inner = [Inner() for _ in range(2)]
        super(Outer, self).build(input_shape)

    def call(self, inputs, training=None):
        h = keras.backend.dot(inputs, self.kernel)
        for norm, inner in zip(self.norms, self.inner):
            h = inner(norm(h, training=training), training=training)
        return h


class Inner(keras.layers.Layer):
    """A Dice-like activation: its own weight and a normalization layer
    made in `build`."""

    def build(self, input_shape):
        self.norm = keras.layers.BatchNormalization(center=False,
                                                    scale=False)
        self.alpha = self.add_weight(name='alpha',
                                     shape=(int(input_shape[-1]),),
                                     initializer='zeros')
        super(Inner, self).build(input_shape)

    def call(self, inputs, training=None):
        return self.alpha * self.norm(inputs, training=training) + inputs


def test_weights_of_layers_listed_in_a_custom_layer(tf_keras):
    # tf_keras 2.21 lists the custom layer's trainable weights (its own,
    # then the listed layers'), then the non-trainable ones: 7 and 8.
    inputs = keras.Input((4,))
    model = keras.Model(inputs, Outer(name='outer')(inputs))
    names = [w.name for w in model.weights]
    assert names == [
        'outer/kernel:0',
        'outer/batch_normalization/gamma:0',
        'outer/batch_normalization/beta:0',
        'outer/batch_normalization_1/gamma:0',
        'outer/batch_normalization_1/beta:0',
        'outer/inner/alpha:0', 'outer/inner_1/alpha:0',
        'outer/batch_normalization/moving_mean:0',
        'outer/batch_normalization/moving_variance:0',
        'outer/batch_normalization_1/moving_mean:0',
        'outer/batch_normalization_1/moving_variance:0',
        'outer/inner/batch_normalization_2/moving_mean:0',
        'outer/inner/batch_normalization_2/moving_variance:0',
        'outer/inner_1/batch_normalization_3/moving_mean:0',
        'outer/inner_1/batch_normalization_3/moving_variance:0']
    assert (len(model.trainable_weights),
            len(model.non_trainable_weights)) == (7, 8)


# TensorFlow internals such libraries import (the TensorFlow stand-in).
def _stand_in():
    from keras_compat import tensorflow_compat
    return tensorflow_compat


def test_init_ops_classes_keep_their_tf_defaults():
    # tf 2.21: init_ops.TruncatedNormal().stddev == 1.0 (TF1 default),
    # init_ops_v2.TruncatedNormal().stddev == 0.05; Zeros(dtype=) works.
    tf = _stand_in()
    assert tf.python.ops.init_ops.TruncatedNormal().stddev == 1.0
    assert tf.python.ops.init_ops_v2.TruncatedNormal().stddev == 0.05
    zeros = tf.python.ops.init_ops.Zeros(dtype=tf.float32)((2,))
    np.testing.assert_array_equal(np.asarray(zeros), [0., 0.])


def test_conv1d_matches_tensorflow():
    # tf 2.21 tf.nn.conv1d values.
    tf = _stand_in()
    x = np.arange(12., dtype='float32').reshape(1, 4, 3)
    f = np.arange(12., dtype='float32').reshape(2, 3, 2) / 10
    np.testing.assert_allclose(
        np.asarray(tf.nn.conv1d(x, filters=f, stride=1, padding='VALID')),
        [[[11.0, 12.5], [20.0, 23.3], [29.0, 34.1]]], rtol=1e-6)
    np.testing.assert_allclose(
        np.asarray(tf.nn.conv1d(x, filters=f, stride=2, padding='SAME')),
        [[[11.0, 12.5], [29.0, 34.1]]], rtol=1e-6)


def test_tensordot_with_an_axis_pair_and_scalar_mul():
    # tf 2.21: tensordot((2,3,4), (4,5), axes=(-1, 0)).shape == (2, 3, 5);
    # scalar_mul(2., [1., 3.]) == [2., 6.].
    tf = _stand_in()
    out = tf.tensordot(np.ones((2, 3, 4), 'float32'),
                       np.ones((4, 5), 'float32'), axes=(-1, 0))
    assert tuple(out.shape) == (2, 3, 5)
    np.testing.assert_array_equal(
        np.asarray(tf.scalar_mul(2., tf.constant([1., 3.]))), [2., 6.])


def test_string_hash_buckets_match_tensorflow():
    # tf 2.21: as_string([[0, 3], [17, 123456]]) hashed into 10 buckets
    # gives [[5, 1], [8, 8]]; 'a', 'bb', 'hello world', '' into 1000
    # buckets give 939, 82, 11, 263. Arrays of bytes are tf.string.
    tf = _stand_in()
    text = tf.as_string(tf.constant([[0, 3], [17, 123456]]))
    assert np.asarray(text).tolist() == [[b'0', b'3'], [b'17', b'123456']]
    assert np.asarray(tf.strings.to_hash_bucket_fast(text, 10)).tolist() \
        == [[5, 1], [8, 8]]
    words = np.array(['a', 'bb', 'hello world', ''])
    assert np.asarray(tf.strings.to_hash_bucket_fast(words, 1000)).tolist() \
        == [939, 82, 11, 263]
    assert text.dtype == tf.string


def test_text_file_table(tmp_path):
    # tf 2.21: the 'value,key' file looked up at 'lake' and 'x' gives [2, 0].
    tf = _stand_in()
    path = tmp_path / 'vocab.csv'
    path.write_text('1,emerson\n2,lake\n3,palmer\n')
    ops = tf.python.ops.lookup_ops
    table = ops.StaticHashTable(ops.TextFileInitializer(
        str(path), tf.string, 1, tf.int64, 0, delimiter=','),
        default_value=0)
    assert np.asarray(table.lookup(np.array([b'lake', b'x']))).tolist() \
        == [2, 0]


def test_add_weight_takes_an_int_shape():
    # FLEN: add_weight(shape=embedding_size); tf.keras reads n as (n,).
    class Scale(keras.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=int(input_shape[-1]),
                                     initializer='ones', name='w')

        def call(self, inputs):
            return inputs * self.w
    layer = Scale()
    layer(np.ones((2, 4), 'float32'))
    assert layer.get_weights()[0].shape == (4,)
