"""Idioms of the keras.io structured-data examples written for tf.keras
2.x: columns of a pandas DataFrame fed through tf.data, a prediction on a
dict of `tf.convert_to_tensor([value])`, `keras.utils.FeatureSpace`, and
the hashes of `tf.sparse.cross_hashed`. Expected values are tf_keras
2.21's (on TensorFlow), obtained by running the same code there."""
import warnings

import numpy as np
import pytest

import keras_compat as keras
from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common
from keras_compat.utils import farmhash


@pytest.fixture
def tf_keras():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


def test_convert_to_tensor_of_python_strings_is_a_string_tensor(tf_keras):
    # sample = {"thal": "fixed", ...}; {name: tf.convert_to_tensor([value])}
    strings = tf.convert_to_tensor(['fixed'])
    assert strings.tolist() == [b'fixed']
    lookup = keras.layers.StringLookup(vocabulary=['normal', 'fixed'])
    assert np.asarray(lookup(tf.expand_dims(strings, -1))).tolist() == [[2]]


def test_dataset_of_read_only_columns_gives_no_torch_warning(tf_keras):
    # pandas hands its columns out as read-only numpy views.
    column = np.arange(4, dtype='int64')
    column.flags.writeable = False
    dataset = tf.data.Dataset.from_tensor_slices(({'a': column}, column))
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        batches = [np.asarray(x['a']).tolist() for x, _ in dataset.batch(3)]
    assert batches == [[0, 1, 2], [3]]


_COLUMNS = {
    'sex': np.array([1, 0, 1, 1, 0, 2], 'int64'),
    'thal': np.array(['fixed', 'normal', 'normal', 'reversible', 'normal',
                      'fixed']),
    'age': np.array([30., 45., 50., 61., 38., 70.], 'float32'),
    'oldpeak': np.array([0.5, 1.0, 2.5, 3.0, 0.0, 1.5], 'float32'),
}


def _adapted_feature_space():
    feature_space = keras.utils.FeatureSpace(
        features={'sex': 'integer_categorical',
                  'thal': 'string_categorical',
                  'age': keras.utils.FeatureSpace.float_discretized(
                      num_bins=3),
                  'oldpeak': 'float_normalized'},
        output_mode='concat')
    feature_space.adapt(tf.data.Dataset.from_tensor_slices(_COLUMNS)
                        .batch(4))
    return feature_space


def test_feature_space_concatenates_sorted_encoded_features(tf_keras):
    # tf_keras 2.21: age one-hot (3 bins), oldpeak normalized, sex one-hot
    # (OOV + 3 tokens), thal one-hot (OOV + 3 tokens), in that order.
    feature_space = _adapted_feature_space()
    batch = feature_space({k: v[:3] for k, v in _COLUMNS.items()})
    np.testing.assert_allclose(np.asarray(batch), [
        [1, 0, 0, -0.86692, 0, 1, 0, 0, 0, 0, 1, 0],
        [0, 1, 0, -0.39406, 0, 0, 1, 0, 0, 1, 0, 0],
        [0, 0, 1, 1.02454, 0, 1, 0, 0, 0, 1, 0, 0]], atol=1e-5)
    single = feature_space({'sex': 0, 'thal': 'fixed', 'age': 44.0,
                            'oldpeak': 2.0})
    np.testing.assert_allclose(np.asarray(single), [
        0, 1, 0, 0.55168, 0, 0, 1, 0, 0, 0, 1, 0], atol=1e-5)


def test_feature_space_inference_model_on_its_inputs(tf_keras):
    feature_space = _adapted_feature_space()
    inputs = feature_space.get_inputs()
    encoded = feature_space.get_encoded_features()
    assert sorted(inputs) == ['age', 'oldpeak', 'sex', 'thal']
    assert tuple(encoded.shape) == (None, 12)
    x = keras.layers.Dense(2, activation='relu')(encoded)
    prediction = keras.layers.Dense(1, activation='sigmoid')(x)
    model = keras.Model(inputs, prediction)
    rs = np.random.RandomState(3)
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dense):
            layer.set_weights([rs.uniform(-0.5, 0.5, w.shape)
                               .astype('float32')
                               for w in layer.get_weights()])
    out = model.predict({k: v[:, None] for k, v in _COLUMNS.items()},
                        verbose=0)
    np.testing.assert_allclose(out[:, 0], [
        0.41093, 0.46509, 0.45484, 0.47202, 0.43428, 0.39080], atol=1e-5)


def test_feature_space_dict_output_and_errors(tf_keras):
    FeatureSpace = keras.utils.FeatureSpace
    feature_space = FeatureSpace(
        features={'sex': FeatureSpace.integer_categorical(output_mode='int'),
                  'oldpeak': 'float'}, output_mode='dict')
    feature_space.adapt(tf.data.Dataset.from_tensor_slices(
        {k: _COLUMNS[k] for k in ('sex', 'oldpeak')}).batch(4))
    out = feature_space({k: _COLUMNS[k][:2] for k in ('sex', 'oldpeak')})
    assert sorted(out) == ['oldpeak', 'sex']
    assert np.asarray(out['sex']).tolist() == [[1], [2]]
    assert np.asarray(out['oldpeak']).tolist() == [[0.5], [1.0]]
    with pytest.raises(ValueError, match='cannot be None or empty'):
        FeatureSpace(features={})
    with pytest.raises(ValueError, match='Invalid feature type: floaty'):
        FeatureSpace(features={'a': 'floaty'})
    with pytest.raises(ValueError, match="Received: output_mode=list"):
        FeatureSpace(features={'a': 'float'}, output_mode='list')
    with pytest.raises(ValueError, match=r'call `\.adapt\(dataset\)`'):
        FeatureSpace(features={'a': 'float_normalized'}).get_inputs()


def test_cross_hashed_matches_tensorflow():
    # tf_keras 2.21 HashedCrossing(num_bins) on [batch, 1] columns.
    ints = [1, 0, 3, -7, 123456789]
    strings = [b'fixed', b'normal', b'reversible', b'', b'x']
    assert farmhash.cross_hashed([ints, strings], 8).tolist() == \
        [5, 0, 4, 5, 6]
    assert farmhash.cross_hashed([strings, ints], 1000).tolist() == \
        [619, 812, 568, 342, 261]
    assert farmhash.cross_hashed([ints, ints], 5).tolist() == \
        [1, 4, 0, 0, 2]


def test_hashed_crossing_bins_match_tensorflow():
    # tf_keras 2.21's bins.
    a = np.array([[1], [0], [3], [-7], [123456789]], 'int64')
    b = np.array([[2], [5], [7], [1], [0]], 'int64')
    crossing = keras.layers.HashedCrossing(num_bins=8)
    assert np.asarray(crossing([a, b])).ravel().tolist() == [5, 2, 1, 3, 1]
    assert np.asarray(keras.layers.HashedCrossing(num_bins=100)(
        [a[:, 0], b[:, 0]])).tolist() == [57, 98, 93, 67, 25]
    one_hot = keras.layers.HashedCrossing(num_bins=5, output_mode='one_hot')
    assert np.asarray(one_hot([a, a])).argmax(-1).tolist() == \
        [1, 4, 0, 0, 2]


def test_a_model_on_intermediate_tensors_starts_from_new_inputs():
    # tf.keras (FeatureSpace's encoded features): the layers before the
    # given inputs are not part of the model.
    common.set_api_flavour('tf.keras')
    try:
        x = keras.Input((3,))
        h = keras.layers.Dense(4, name='pre')(x)
        joined = keras.layers.Concatenate()([h, h])
        model = keras.Model(joined, keras.layers.Dense(1, name='head')(
            joined))
        assert [layer.name for layer in model.layers] == [
            model.layers[0].name, 'head']
        assert len(model.weights) == 2
        assert model.predict(np.ones((2, 8)), verbose=0).shape == (2, 1)
    finally:
        common.set_api_flavour('keras')
