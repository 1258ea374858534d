"""The structured-data tutorial of tensorflow.org (tf.feature_column with
tf.keras.layers.DenseFeatures) on keras_compat's TensorFlow stand-in:
numeric, bucketized, vocabulary, identity, hashed and crossed columns,
indicator and embedding columns, eager and in a functional model fed a
dict. Reference values were computed with TensorFlow 2.21 + tf_keras
(TF_USE_LEGACY_KERAS=1) running the same code."""
import numpy as np
import pytest

from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common


@pytest.fixture
def tf_keras():
    common.set_api_flavour('tf.keras')
    yield tf.keras
    common.set_api_flavour('keras')


def _dense(column, features):
    layer = tf.keras.layers.DenseFeatures(column)
    return layer(features).detach().cpu().numpy()


def _heart_like(n=12):
    rng = np.random.RandomState(1)
    features = {'age': rng.randint(20, 70, n).astype('float32'),
            'cp': rng.randint(0, 4, n).astype('int64'),
            'cp2': rng.randint(0, 4, n).astype('int64'),
            'thal': np.array(['fixed', 'normal', 'reversible', ''])[
                rng.randint(0, 4, n)]}
    return features, rng.randint(0, 2, n).astype('float32')


def _columns(keras):
    fc = tf.feature_column
    return [
        fc.indicator_column(fc.categorical_column_with_identity('cp2', 4)),
        fc.embedding_column(
            fc.categorical_column_with_vocabulary_list(
                'thal', ['fixed', 'normal'], num_oov_buckets=2), 3,
            combiner='sqrtn', initializer=keras.initializers.Constant(0.3)),
        fc.indicator_column(fc.categorical_column_with_hash_bucket(
            'cp', 7, dtype=tf.int64)),
        fc.numeric_column('age', normalizer_fn=lambda x: (x - 40.) / 10.),
        fc.indicator_column(fc.crossed_column(
            ['thal', fc.categorical_column_with_identity('cp', 4)], 50))]


def test_categorical_columns_hash_and_cross_as_tensorflow(tf_keras):
    fc = tf.feature_column
    features = {'cp': np.array([0, 1, 2, 3, 0, 1], 'int64'),
                'thal': np.array(['fixed', 'normal', 'reversible', '',
                                  'normal', 'x'])}
    # (tf_keras 2.21: argmax of each row, then each row's count.)
    expected = [
        (fc.categorical_column_with_hash_bucket('cp', 7, dtype='int64'),
         [2, 5, 5, 2, 2, 5], [1, 1, 1, 1, 1, 1]),
        (fc.categorical_column_with_hash_bucket('thal', 7),
         [4, 4, 0, 0, 4, 1], [1, 1, 1, 0, 1, 1]),
        (fc.categorical_column_with_vocabulary_list(
            'thal', ['fixed', 'normal'], num_oov_buckets=2),
         [0, 1, 2, 0, 1, 2], [1, 1, 1, 0, 1, 1]),
        (fc.crossed_column(
            ['thal', fc.categorical_column_with_identity('cp', 4)], 50),
         [36, 3, 11, 31, 48, 9], [1, 1, 1, 1, 1, 1]),
        (fc.crossed_column(['thal', 'cp'], 50),
         [36, 7, 34, 37, 12, 27], [1, 1, 1, 1, 1, 1])]
    for column, argmax, counts in expected:
        out = _dense(fc.indicator_column(column), features)
        assert out.argmax(1).tolist() == argmax
        assert out.sum(1).tolist() == counts


def test_numeric_bucketized_and_vocabulary_columns(tf_keras):
    fc = tf.feature_column
    features = {'age': np.array([17, 18, 64, 65, 30], 'int64'),
                'thal': np.array(['fixed', 'other', 'reversible',
                                  'normal', 'normal'])}
    age = fc.numeric_column('age')
    assert _dense(age, features)[:, 0].tolist() == [17, 18, 64, 65, 30]
    buckets = _dense(fc.bucketized_column(age, [18, 25, 30, 65]), features)
    assert buckets.argmax(1).tolist() == [0, 1, 3, 4, 3]
    thal = fc.categorical_column_with_vocabulary_list(
        'thal', ['fixed', 'normal', 'reversible'])
    one_hot = _dense(fc.indicator_column(thal), features)
    assert one_hot.tolist() == [[1, 0, 0], [0, 0, 0], [0, 0, 1],
                                [0, 1, 0], [0, 1, 0]]
    embedded = _dense(fc.embedding_column(
        thal, 2, initializer=tf_keras.initializers.Constant(0.5)), features)
    assert embedded[:, 0].tolist() == [0.5, 0., 0.5, 0.5, 0.5]


def test_dense_features_sorts_columns_by_name(tf_keras):
    features, _ = _heart_like()
    outputs = {}
    layer = tf_keras.layers.DenseFeatures(_columns(tf_keras))
    out = layer(features, cols_to_output_tensors=outputs)
    assert [c.name for c in outputs] == [
        'age', 'cp2_indicator', 'cp_X_thal_indicator', 'cp_indicator',
        'thal_embedding']
    assert tuple(out.shape) == (12, 65)
    # (tf_keras 2.21: sums over the batch of each output position.)
    sums = out.detach().cpu().numpy().sum(0)
    np.testing.assert_allclose(sums[:5], [-7.1, 3, 3, 3, 3], atol=1e-5)
    assert sums[55:62].tolist() == [0, 0, 5, 0, 0, 7, 0]
    assert np.nonzero(sums[5:55])[0].tolist() == [
        3, 5, 8, 9, 11, 19, 22, 30, 46, 48]
    np.testing.assert_allclose(sums[62:], [3., 3., 3.], atol=1e-5)
    assert [tuple(w.shape) for w in layer.weights] == [(4, 3)]


def test_duplicate_column_names_are_refused(tf_keras):
    fc = tf.feature_column
    with pytest.raises(ValueError, match='Duplicate feature column name'):
        tf_keras.layers.DenseFeatures([
            fc.indicator_column(fc.categorical_column_with_identity('cp', 4)),
            fc.indicator_column(fc.categorical_column_with_hash_bucket(
                'cp', 7, dtype='int64'))])


def test_functional_model_on_a_dict_of_inputs_trains_as_tf_keras(tf_keras):
    keras = tf_keras
    features, y = _heart_like()
    inputs = {'age': keras.Input(shape=(1,), name='age'),
              'cp': keras.Input(shape=(1,), name='cp', dtype='int64'),
              'cp2': keras.Input(shape=(1,), name='cp2', dtype='int64'),
              'thal': keras.Input(shape=(1,), name='thal', dtype='string')}
    x = keras.layers.DenseFeatures(_columns(keras))(inputs)
    out = keras.layers.Dense(
        1, kernel_initializer=keras.initializers.Constant(0.05))(x)
    model = keras.Model(inputs, out)
    model.compile(keras.optimizers.SGD(0.1), 'mse')
    history = model.fit({k: v[:, None] for k, v in features.items()}, y,
                        batch_size=4, epochs=2, verbose=0, shuffle=False)
    # (tf_keras 2.21.)
    np.testing.assert_allclose(history.history['loss'],
                               [0.36308643, 0.27992335], rtol=1e-5)


def test_sequential_starting_with_dense_features_fits_a_dict(tf_keras):
    # The structured-data tutorial's Sequential([feature_layer, ...]) fit
    # on a dict of feature arrays (tf_keras 2.21's numbers).
    keras = tf_keras
    features, y = _heart_like()
    model = keras.Sequential([
        keras.layers.DenseFeatures(_columns(keras)),
        keras.layers.Dense(
            1, kernel_initializer=keras.initializers.Constant(0.05))])
    model.compile(keras.optimizers.SGD(0.1), 'mse')
    history = model.fit(dict(features), y, batch_size=4, epochs=2,
                        verbose=0, shuffle=False)
    np.testing.assert_allclose(history.history['loss'],
                               [0.36308643, 0.27992335], rtol=1e-5)
    np.testing.assert_allclose(model.evaluate(dict(features), y, verbose=0),
                               0.19479708, rtol=1e-5)
