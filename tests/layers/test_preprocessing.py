"""tf.keras 2.x's preprocessing layers (keras_compat/layers/preprocessing.py
and preprocessing_image.py) against tf_keras's numbers and configs
(tests/preprocessing_layers_cases.py wrote them into
tests/data/preprocessing_layers_reference.npz), and the behaviour of
Normalization, Discretization and CategoryEncoding in models."""
import json

import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat import layers, tensorflow_compat as tf
from keras_compat.layers import preprocessing as P
from keras_compat.layers import preprocessing_image as PI

import preprocessing_layers_cases as cases

REFERENCE = np.load(cases.REFERENCE)


@pytest.fixture(scope='module')
def computed():
    """keras_compat's values for every case of the reference file."""
    torch.manual_seed(0)
    mine = cases.compute_layers(P, lambda t: t.detach().cpu().numpy(),
                                tf.data)
    data = cases.inputs()
    for key, op, x, kwargs in cases.KERNEL_CASES:
        images = torch.as_tensor(data[x])
        if op == 'transform':
            out = PI.transform(images, torch.tensor([kwargs['transforms']]),
                               kwargs['fill_mode'], kwargs['fill_value'],
                               kwargs['interpolation'])
        else:
            out = PI.adjust_contrast(images, kwargs['factor'])
        mine['kernel/' + key] = out.numpy()
    return mine


def test_reference_file_covers_every_case(computed):
    assert sorted(computed) == sorted(REFERENCE.files)


@pytest.mark.parametrize('key', [k for k in REFERENCE.files
                                 if k != 'configs'])
def test_values_match_tf_keras(computed, key):
    expected, actual = REFERENCE[key], computed[key]
    assert actual.shape == expected.shape
    if key.startswith('out/'):
        assert actual.dtype == expected.dtype
    # float32 rounding only: within a few ulps of TensorFlow's values.
    np.testing.assert_allclose(actual, expected, rtol=5e-6, atol=5e-6)


def test_configs_match_tf_keras(computed):
    expected = json.loads(str(REFERENCE['configs']))
    actual = json.loads(str(computed['configs']))
    assert sorted(actual) == sorted(expected)
    for key in expected:
        assert actual[key] == expected[key], key


# ------------------------------------------------------------ Normalization
def test_normalization_docstring_examples():
    layer = P.Normalization(axis=None)
    layer.adapt(np.array([1., 2., 3., 4., 5.], 'float32'))
    np.testing.assert_allclose(
        layer(np.array([1., 2., 3.], 'float32')).numpy(),
        [-1.4142135, -0.70710677, 0.], rtol=1e-6)
    adapt_data = np.array([[0., 7., 4.], [2., 9., 6.], [0., 7., 4.],
                           [2., 9., 6.]], 'float32')
    layer = P.Normalization(axis=-1)
    layer.adapt(adapt_data)
    np.testing.assert_allclose(
        layer(np.array([[0., 7., 4.]], 'float32')).numpy(), [[-1., -1., -1.]])
    layer = P.Normalization(axis=-1, invert=True)
    layer.adapt(adapt_data)
    np.testing.assert_allclose(
        layer(np.array([[1., 2., 3.]], 'float32')).numpy(), [[2., 10., 8.]])
    layer = P.Normalization(mean=3., variance=2.)
    np.testing.assert_allclose(
        layer(np.array([[1.], [2.], [3.]], 'float32')).numpy(),
        [[-1.4142135], [-0.70710677], [0.]], rtol=1e-6)


def test_normalization_weights_and_epsilon():
    layer = P.Normalization(name='norm')
    layer.adapt(np.array([[0., 7., 4.], [2., 9., 6.]], 'float32'))
    assert [w._keras_name for w in layer.weights] == \
        ['norm/mean:0', 'norm/variance:0', 'norm/count:0']
    assert layer.trainable_weights == []
    mean, variance, count = layer.get_weights()
    assert count.dtype == np.int64 and int(count) == 2
    np.testing.assert_allclose(mean, [1., 8., 5.])
    # A zero variance divides by K.epsilon(), as in tf.keras.
    layer.set_weights([np.zeros(3), np.zeros(3), np.array(3)])
    np.testing.assert_allclose(layer(np.ones((1, 3), 'float32')).numpy(),
                               np.full((1, 3), 1e7), rtol=1e-5)
    layer.set_weights([np.zeros(3), np.full(3, 4.), np.array(3)])
    np.testing.assert_allclose(layer(np.ones((1, 3), 'float32')).numpy(),
                               np.full((1, 3), 0.5))


def test_normalization_adapt_again_restarts():
    layer = P.Normalization()
    layer.adapt(np.array([[0.], [2.]]))
    assert layer.is_adapted
    layer.adapt(np.array([[10.], [12.], [14.]]))
    mean, variance, count = layer.get_weights()
    np.testing.assert_allclose(mean, [12.])
    assert int(count) == 3


def test_normalization_errors():
    with pytest.raises(ValueError, match='both `mean` and `variance`'):
        P.Normalization(mean=1.)
    fixed = P.Normalization(mean=1., variance=1.)
    with pytest.raises(ValueError, match='Cannot `adapt`'):
        fixed.adapt(np.ones((4, 2)))
    with pytest.raises(ValueError, match='range \\[-ndim, ndim\\)'):
        P.Normalization(axis=3).adapt(np.ones((4, 2)))
    # A 1-D array's only axis is the batch axis, of unknown size.
    with pytest.raises(ValueError, match='must have known shape'):
        P.Normalization().adapt(np.arange(5.))


def test_normalization_adapted_in_sequential_fits_and_saves(tmp_path):
    rs = np.random.RandomState(0)
    x = (rs.rand(32, 3) * [1., 10., 100.]).astype('float32')
    y = rs.rand(32, 1).astype('float32')
    norm = P.Normalization()
    norm.adapt(x)
    assert norm.get_config()['batch_input_shape'] == (None, None)
    model = keras.models.Sequential([norm, layers.Dense(1)])
    assert model.input_shape == (None, None)
    assert norm.compute_output_shape((None, None)) == (None, 3)
    model.compile('sgd', 'mse')
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    predicted = model.predict(x)
    assert predicted.shape == (32, 1)
    path = str(tmp_path / 'norm.h5')
    model.save_weights(path)
    fresh = keras.models.Sequential([layers.InputLayer((3,)),
                                     P.Normalization(), layers.Dense(1)])
    fresh.load_weights(path)
    np.testing.assert_allclose(fresh.predict(x), predicted, rtol=1e-6)


def test_normalization_config_round_trip():
    layer = P.Normalization(axis=(1, 2), mean=np.array([1., 2.]),
                            variance=np.array([3., 4.]), invert=True)
    config = layer.get_config()
    assert config['mean'] == [1., 2.] and config['axis'] == (1, 2)
    clone = P.Normalization.from_config(config)
    assert clone.get_config() == config


# ------------------------------------------------------------ Discretization
def test_discretization_int_output_and_bins():
    layer = P.Discretization(bin_boundaries=[0., 1., 2.])
    out = layer(np.array([[-1.5, 1.0, 3.0, 0.5], [0.0, 3.0, 1.0, 0.0]],
                         'float32'))
    assert out.dtype == torch.int64
    np.testing.assert_array_equal(out.numpy(), [[0, 2, 3, 1], [1, 3, 2, 1]])
    assert layer.compute_output_shape((None, 4)) == (None, 4)
    one_hot = P.Discretization(bin_boundaries=[0., 1.],
                               output_mode='one_hot')
    assert one_hot.compute_output_shape((None,)) == (None, 3)
    # Integer inputs compare with the float boundaries.
    np.testing.assert_array_equal(
        P.Discretization(bin_boundaries=[0.5, 2.])(
            np.array([0, 1, 2, 3])).numpy(), [0, 1, 2, 2])


def test_discretization_adapt_summary_and_errors():
    layer = P.Discretization(num_bins=4)
    layer.adapt(np.random.RandomState(0).rand(100))
    assert layer.is_adapted
    np.testing.assert_allclose(
        layer.bin_boundaries,
        [0.1965821236371994, 0.46631067991256714, 0.6818201541900635])
    assert [tuple(w.shape) for w in layer.weights] == [(2, 100)]
    assert layer.get_config()['bin_boundaries'] is None
    fixed = P.Discretization(bin_boundaries=[0.])
    with pytest.raises(ValueError, match='use `num_bins` instead'):
        fixed.adapt(np.ones(4))
    with pytest.raises(ValueError, match='should not be set'):
        P.Discretization(bin_boundaries=[0.], num_bins=2)
    with pytest.raises(ValueError, match='`sparse` may only be true'):
        P.Discretization(bin_boundaries=[0.], sparse=True)
    with pytest.raises(NotImplementedError, match='sparse=False'):
        P.Discretization(bin_boundaries=[0.], output_mode='count',
                         sparse=True)
    with pytest.raises(ValueError, match='output_mode'):
        P.Discretization(bin_boundaries=[0.], output_mode='tf_idf')


def test_discretization_in_a_functional_model():
    inp = layers.Input((4,))
    bins = P.Discretization(bin_boundaries=[-0.5, 0., 0.5],
                            output_mode='count')(inp)
    assert bins.shape == (None, 4)
    model = keras.models.Model(inp, layers.Dense(1)(bins))
    model.compile('sgd', 'mse')
    x = np.random.RandomState(1).randn(16, 4).astype('float32')
    model.fit(x, np.zeros((16, 1)), epochs=1, verbose=0)
    assert model.predict(x).shape == (16, 1)


# -------------------------------------------------------- CategoryEncoding
def test_category_encoding_modes_and_shapes():
    x = np.array([[0, 1], [0, 0], [1, 2], [3, 1]])
    np.testing.assert_array_equal(
        P.CategoryEncoding(num_tokens=4)(x).numpy(),
        [[1, 1, 0, 0], [1, 0, 0, 0], [0, 1, 1, 0], [0, 1, 0, 1]])
    np.testing.assert_array_equal(
        P.CategoryEncoding(num_tokens=4, output_mode='count')(
            x, count_weights=np.array([[.1, .2], [.1, .1], [.2, .3],
                                       [.4, .2]])).numpy(),
        np.array([[.1, .2, 0, 0], [.2, 0, 0, 0], [0, .2, .3, 0],
                  [0, .2, 0, .4]], 'float32'))
    one_hot = P.CategoryEncoding(num_tokens=4, output_mode='one_hot')
    np.testing.assert_array_equal(one_hot(np.array([3, 2, 0, 1])).numpy(),
                                  np.eye(4)[[3, 2, 0, 1]])
    assert one_hot.compute_output_shape((None,)) == (None, 4)
    assert one_hot.compute_output_shape((None, 1)) == (None, 4)
    assert P.CategoryEncoding(4).compute_output_shape((None, 3)) == \
        (None, 4)
    assert P.CategoryEncoding(4, output_mode='binary').output_mode == \
        'multi_hot'


def test_category_encoding_errors():
    layer = P.CategoryEncoding(num_tokens=3)
    with pytest.raises(tf.errors.InvalidArgumentError, match='num_tokens=3'):
        layer(np.array([[0, 3]]))
    with pytest.raises(ValueError, match='count_weights'):
        layer(np.array([[0, 1]]), count_weights=np.ones((1, 2)))
    with pytest.raises(ValueError, match='maximum supported output rank'):
        layer(np.zeros((2, 2, 2), 'int64'))
    with pytest.raises(ValueError, match='num_tokens must be set'):
        P.CategoryEncoding()
    with pytest.raises(NotImplementedError, match='sparse=False'):
        P.CategoryEncoding(3, sparse=True)


def test_category_encoding_model_fits_on_integer_inputs():
    rs = np.random.RandomState(0)
    inp = layers.Input((3,), dtype='int64')
    encoded = P.CategoryEncoding(6)(inp)
    assert encoded.shape == (None, 6) and encoded.dtype == 'float32'
    model = keras.models.Model(inp, layers.Dense(2)(encoded))
    model.compile('sgd', 'mse')
    model.fit(rs.randint(0, 6, (10, 3)), rs.rand(10, 2), epochs=1,
              verbose=0)
    assert model.predict(rs.randint(0, 6, (4, 3))).shape == (4, 2)
    config = model.layers[1].get_config()
    assert P.CategoryEncoding.from_config(config).get_config() == config


def test_adapted_discretization_saves_and_reloads(tmp_path):
    x = np.random.RandomState(2).randn(64, 3).astype('float32')
    inp = layers.Input((3,))
    disc = P.Discretization(num_bins=4)
    out = layers.Dense(1)(P.CategoryEncoding(4, 'count')(disc(inp)))
    model = keras.models.Model(inp, out)
    disc.adapt(x)
    assert [tuple(w.shape) for w in disc.weights] == [(2, 100)]
    predicted = model.predict(x)
    path = str(tmp_path / 'disc.h5')
    model.save(path)
    with keras.utils.custom_object_scope(
            {'Discretization': P.Discretization,
             'CategoryEncoding': P.CategoryEncoding}):
        loaded = keras.models.load_model(path)
    # Loading the summary (of another width) gives the bin boundaries
    # back, as tf.keras's finalize_state after loading does.
    assert loaded.layers[1].bin_boundaries == disc.bin_boundaries
    np.testing.assert_allclose(loaded.predict(x), predicted, rtol=1e-6)
    with pytest.raises(ValueError, match='not compatible'):
        disc.set_weights([np.zeros((3, 2))])


def test_hashed_crossing_of_strings():
    # (Its integer crossings: tests/test_keras_io_structured_examples.py;
    # TextVectorization and StringLookup: test_text_vectorization.py.)
    from keras_compat import layers as all_layers
    crossing = all_layers.HashedCrossing(num_bins=10)
    # tf_keras 2.21
    assert np.asarray(crossing([np.array([['a']]), np.array([['b']])])
                      ).shape == (1, 1)
    assert np.asarray(crossing((np.array(['a', 'b']), np.array(
        ['x', 'y'])))).tolist() == [2, 5]
