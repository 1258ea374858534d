"""IntegerLookup and Hashing (keras_compat/layers/lookup.py) and the
FarmHash / SipHash helpers (keras_compat/utils/farmhash.py) against
values computed with TensorFlow 2.21 + tf_keras (pasted below)."""
import numpy as np
import pytest

import keras_compat as keras
from keras_compat import layers, tensorflow_compat as tf
from keras_compat.layers.lookup import Hashing, IntegerLookup
from keras_compat.utils import farmhash

DATA = np.array([[3], [3], [1], [7], [7], [5], [2], [2], [9], [0], [-1]])
VOCAB = [12, 36, 1138, 42]
X = np.array([[12, 1138, 42, 42], [42, 7, 36, 7]])


def values(layer, x):
    return layer(x).numpy().tolist()


# ------------------------------------------------------------ IntegerLookup
def test_adapt_orders_by_count_then_larger_value():
    layer = IntegerLookup()
    layer.adapt(DATA)
    # tf_keras: get_vocabulary(), layer([[3, 4, -1, 0], [7, 7, 9, 100]])
    assert layer.get_vocabulary() == [-1, 7, 3, 2, 9, 5, 1, 0]
    out = layer(np.array([[3, 4, -1, 0], [7, 7, 9, 100]]))
    assert out.dtype == keras.backend.torch_dtype('int64')
    assert out.numpy().tolist() == [[2, 0, 0, 7], [1, 1, 4, 0]]
    assert layer.get_weights()[0].tolist() == [7, 3, 2, 9, 5, 1, 0]
    assert layer.vocabulary_size() == 8


def test_adapt_mask_several_oov_and_max_tokens():
    layer = IntegerLookup(mask_token=0, num_oov_indices=2, max_tokens=6)
    layer.adapt(DATA)
    assert layer.get_vocabulary() == [0, -1, -1, 7, 3, 2]
    assert layer.get_vocabulary(include_special_tokens=False) == [7, 3, 2]
    # OOV values go to index 1 + value mod 2.
    assert values(layer, np.array([[3, 4, -1, 0], [7, -5, 9, 100]])) == \
        [[4, 1, 2, 0], [3, 2, 2, 1]]


def test_adapt_from_datasets_and_rank_1_data():
    layer = IntegerLookup()
    layer.adapt(tf.data.Dataset.from_tensor_slices(DATA).batch(4))
    assert layer.get_vocabulary() == [-1, 7, 3, 2, 9, 5, 1, 0]
    data = np.array([5, 5, 3, 8, 8, 8, 3])
    for source in (data, tf.data.Dataset.from_tensor_slices(data)):
        layer = IntegerLookup()
        layer.adapt(source)
        assert layer.get_vocabulary() == [-1, 8, 5, 3]


def test_encoded_outputs_with_a_vocabulary():
    # tf_keras's values.
    assert values(IntegerLookup(vocabulary=VOCAB, output_mode='multi_hot'),
                  X) == [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]]
    assert values(IntegerLookup(vocabulary=VOCAB, output_mode='count'),
                  X) == [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]]
    assert values(IntegerLookup(vocabulary=VOCAB, output_mode='count',
                                max_tokens=8, pad_to_max_tokens=True), X) == \
        [[0, 1, 0, 1, 2, 0, 0, 0], [2, 0, 1, 0, 1, 0, 0, 0]]
    assert values(IntegerLookup(vocabulary=VOCAB, output_mode='one_hot'),
                  np.array([12, 36, 5, 42])) == \
        np.eye(5)[[1, 2, 0, 4]].tolist()
    # The mask token is dropped from encoded rows, index 0 in 'int'.
    assert values(IntegerLookup(vocabulary=VOCAB, output_mode='one_hot',
                                mask_token=0), np.array([[12], [0], [5]])) \
        == [[0, 1, 0, 0, 0], [0, 0, 0, 0, 0], [1, 0, 0, 0, 0]]
    assert values(IntegerLookup(vocabulary=VOCAB, mask_token=0),
                  np.array([[12, 0, 5]])) == [[2, 0, 1]]
    layer = IntegerLookup(vocabulary=VOCAB, output_mode='multi_hot')
    assert layer(X).dtype == keras.backend.torch_dtype('float32')
    assert layer.compute_output_shape((None, 4)) == (None, 5)
    assert int(IntegerLookup(vocabulary=[4, 5])(np.array(5))) == 2


def test_vocabulary_with_special_tokens_file_and_no_oov(tmp_path):
    layer = IntegerLookup(vocabulary=[0, -1, 12, 36], mask_token=0)
    assert layer.get_vocabulary() == [0, -1, 12, 36]
    path = str(tmp_path / 'vocab.txt')
    with open(path, 'w') as f:
        f.write('10\n20\n30\n')
    layer = IntegerLookup(vocabulary=path)
    assert values(layer, np.array([[20, 30, 40, 10]])) == [[2, 3, 0, 1]]
    assert layer.get_vocabulary() == [-1, 10, 20, 30]
    assert layer.get_config()['vocabulary'] == path
    layer = IntegerLookup(vocabulary=[1, 2], num_oov_indices=0)
    assert values(layer, np.array([[1, 2]])) == [[0, 1]]
    with pytest.raises(tf.errors.InvalidArgumentError, match='OOV values'):
        layer(np.array([[1, 3]]))


def test_invert():
    layer = IntegerLookup(vocabulary=VOCAB, invert=True)
    assert values(layer, np.array([[1, 3, 4, 0, 9]])) == \
        [[12, 1138, 42, -1, -1]]
    layer = IntegerLookup(vocabulary=VOCAB, invert=True, mask_token=0)
    assert values(layer, np.array([[1, 3, 4, 0, 9, 2]])) == \
        [[-1, 36, 1138, 0, -1, 12]]


def test_tf_idf():
    layer = IntegerLookup(output_mode='tf_idf')
    layer.adapt(np.array([[1, 2, 2, 3], [1, 1, 4, 5], [5, 5, 2, 1]]))
    # tf_keras: get_vocabulary(), idf_weights, outputs, get_weights().
    idf = [0.7556983232498169, 0.5596157908439636, 0.6931471824645996,
           0.6931471824645996, 0.9162907600402832, 0.9162907600402832]
    assert layer.get_vocabulary() == [-1, 1, 5, 2, 4, 3]
    np.testing.assert_allclose(layer(np.array([[1, 2, 9, 9], [5, 5, 4, 3]])),
                               [[1.5113966464996338, 0.5596157908439636, 0.0,
                                 0.6931471824645996, 0.0, 0.0],
                                [0.0, 0.0, 1.3862943649291992, 0.0,
                                 0.9162907600402832, 0.9162907600402832]],
                               rtol=1e-6)
    weights = layer.get_weights()
    np.testing.assert_allclose(weights[0], idf, rtol=1e-6)
    assert weights[1].tolist() == [1, 5, 2, 4, 3] and int(weights[2]) == 0
    layer = IntegerLookup(output_mode='tf_idf', max_tokens=8,
                          pad_to_max_tokens=True)
    layer.adapt(np.array([[1, 2, 2, 3], [1, 1, 4, 5], [5, 5, 2, 1]]))
    np.testing.assert_allclose(layer.get_weights()[0], idf + [0, 0],
                               rtol=1e-6)
    layer = IntegerLookup(output_mode='tf_idf', vocabulary=VOCAB,
                          idf_weights=[0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(layer.get_weights()[0],
                               [0.5, 0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(layer(X), [[0, 0.25, 0, 0.6, 0.8],
                                          [1, 0, 0.75, 0, 0.4]], rtol=1e-6)
    layer = IntegerLookup(output_mode='tf_idf', vocabulary=[-1] + VOCAB,
                          idf_weights=[0.1, 0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(layer.get_weights()[0],
                               [0.1, 0.25, 0.75, 0.6, 0.4])


def test_config_matches_tf_keras():
    layer = IntegerLookup(output_mode='one_hot')
    layer.adapt(DATA)
    # tf_keras's get_config() (its name numbered, oov_token np.int64).
    expected = {
        'name': layer.name, 'trainable': True, 'dtype': 'float32',
        'batch_input_shape': (None, None), 'invert': False,
        'max_tokens': None, 'num_oov_indices': 1, 'oov_token': -1,
        'mask_token': None, 'output_mode': 'one_hot', 'sparse': False,
        'pad_to_max_tokens': False, 'vocabulary_dtype': 'int64',
        'idf_weights': None, 'vocabulary': None, 'vocabulary_size': 8}
    assert layer.get_config() == expected
    config = IntegerLookup(vocabulary=np.array([4, 5]),
                           output_mode='count').get_config()
    assert config['vocabulary'] == [4, 5] and config['vocabulary_size'] == 3
    clone = IntegerLookup.from_config(config)
    assert clone.get_vocabulary() == [-1, 4, 5]
    assert values(clone, np.array([[5, 5, 9]])) == [[1, 0, 2]]


def test_errors():
    with pytest.raises(RuntimeError, match='must set the layer'):
        IntegerLookup(output_mode='one_hot')(np.array([1]))
    with pytest.raises(NotImplementedError, match='sparse=False'):
        IntegerLookup(output_mode='count', sparse=True)
    with pytest.raises(ValueError, match='integer dtype'):
        IntegerLookup(vocabulary_dtype='float32')
    with pytest.raises(ValueError, match='repeated'):
        IntegerLookup(vocabulary=[1, 1])
    with pytest.raises(ValueError, match='Cannot adapt'):
        IntegerLookup(vocabulary=[1, 2]).adapt(np.array([1]))
    for make in (lambda: IntegerLookup(vocabulary=['a', 'b']),
                 lambda: IntegerLookup().adapt(np.array(['a'])),
                 lambda: IntegerLookup(vocabulary_dtype='string')):
        with pytest.raises(NotImplementedError, match='integers'):
            make()


def test_structured_data_model_fits_saves_and_reloads(tmp_path):
    rs = np.random.RandomState(0)
    x = {'x': rs.randint(0, 6, (32, 1)), 'y': rs.randint(0, 50, (32, 1))}
    lookup = layers.IntegerLookup(output_mode='one_hot')
    lookup.adapt(x['x'])
    inputs = {k: keras.Input(shape=(1,), name=k, dtype='int64') for k in x}
    hashed = layers.Hashing(num_bins=4, output_mode='one_hot')(inputs['y'])
    features = layers.concatenate([lookup(inputs['x']), hashed])
    assert tuple(features.shape) == (None, lookup.vocabulary_size() + 4)
    model = keras.Model(inputs, layers.Dense(1)(features))
    model.compile('adam', 'mse')
    model.fit(x, rs.rand(32, 1), epochs=2, verbose=0)
    predicted = model.predict(x, verbose=0)
    path = str(tmp_path / 'lookup.h5')
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), predicted,
                               rtol=1e-6)
    assert loaded.get_layer(lookup.name).get_vocabulary() == \
        lookup.get_vocabulary()


def test_adapted_tf_idf_weights_reload(tmp_path):
    layer = IntegerLookup(output_mode='tf_idf')
    layer.adapt(np.array([[1, 2, 2, 3], [1, 1, 4, 5], [5, 5, 2, 1]]))
    inp = keras.Input(shape=(4,), dtype='int64')
    model = keras.Model(inp, layer(inp))
    x = np.array([[1, 2, 9, 9], [5, 5, 4, 3]])
    path = str(tmp_path / 'tfidf.h5')
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0),
                               model.predict(x, verbose=0))
    fresh = IntegerLookup(output_mode='tf_idf', vocabulary_size=6)
    fresh.set_weights(layer.get_weights())
    assert fresh.get_vocabulary() == layer.get_vocabulary()


def test_tf_keras_h5_config_loads():
    # The IntegerLookup config tf_keras writes into an HDF5 model (its
    # vocabulary in the config: tf_keras cannot save an adapted one).
    config = {'name': 'integer_lookup', 'trainable': True,
              'dtype': 'float32', 'invert': False, 'max_tokens': None,
              'num_oov_indices': 1, 'oov_token': -1, 'mask_token': None,
              'output_mode': 'one_hot', 'sparse': False,
              'pad_to_max_tokens': False, 'vocabulary_dtype': 'int64',
              'idf_weights': None, 'vocabulary': [3, 7, 11, 20],
              'vocabulary_size': 5}
    layer = layers.deserialize({'class_name': 'IntegerLookup',
                                'config': config})
    assert layer.get_config() == config
    assert values(layer, np.array([[11], [5]])) == [[0, 0, 0, 1, 0],
                                                    [1, 0, 0, 0, 0]]


# ------------------------------------------------------------------ Hashing
HASH_VALUES = [0, 1, -1, 7, 42, 123, 1000, 99999, -123456, 12345678,
               2 ** 31, -2 ** 31, 2 ** 40 + 3, 10 ** 15 + 7, 2 ** 62,
               -2 ** 63, 2 ** 63 - 1, 123456789012345678, 31337]


def test_fingerprint64_and_siphash_match_tensorflow():
    strings = [str(v).encode() for v in HASH_VALUES]
    # tf.strings.to_hash_bucket_fast(strings, 2**62 + 12345)
    fast = [1363911219970371988, 80785766752234351, 2722188246723676181,
            590358713228055590, 623910487284905736, 1389097997109441184,
            4585577066982032846, 3710824817391914880, 1553175276645217655,
            3430003927990384362, 2774257700695124045, 1908700874464940220,
            1068680959527659556, 395614683503364170, 2831082454892920503,
            1493431938208774112, 3516461496058261821, 704066306491908369,
            1269948986345077393]
    assert [int(h) % (2 ** 62 + 12345)
            for h in farmhash.fingerprint64(strings)] == fast
    # tf.strings.to_hash_bucket_strong(strings, 2**62 + 12345,
    #                                  key=[2**40 + 5, 77])
    strong = [4037595278608890066, 841354178347993485, 144923341492906103,
              499817455598053981, 3673323240198394663, 1336063663828857185,
              3212453229668881664, 1238608533249968498, 319169529627430086,
              561109689690023270, 4610870815947851407, 3964589446984835210,
              1354264616222176558, 3172842967733552179, 2384962535877810515,
              210733537084317266, 288130012267747135, 1217973012022246661,
              2936956543388657180]
    assert [farmhash.siphash([2 ** 40 + 5, 77], s) % (2 ** 62 + 12345)
            for s in strings] == strong
    assert farmhash.fingerprint64([b'']).tolist() == [0x9ae16a3b2f90404f]


def test_hashing_layer_matches_tf_keras():
    x = np.array(HASH_VALUES, np.int64)
    assert values(Hashing(num_bins=2 ** 31 - 1), x) == [
        1633463888, 342560855, 1833158626, 1080489176, 1737694616,
        1786308055, 116085397, 525880966, 158834448, 692280247, 1783865827,
        1508909984, 1216878459, 1897995234, 72338356, 379302079, 1686013924,
        1682977335, 154608325]
    assert values(Hashing(num_bins=2 ** 31 - 1, salt=[133, 137]), x) == [
        1001881600, 455224307, 2092114707, 658132350, 1032247536,
        1237444478, 1064178437, 140039593, 337264380, 2126212914, 640248723,
        348738320, 906638796, 543998610, 1256556611, 2101175457, 1192011029,
        1599131439, 2073642265]
    assert values(Hashing(3), np.array([[1, 2, 3, 4, 5, 6]])) == \
        [[0, 1, 0, 2, 1, 2]]
    assert values(Hashing(3, mask_value=0),
                  np.array([[0, 1, 2, 3, 4, 5]])) == [[0, 2, 2, 2, 2, 2]]
    assert values(Hashing(3, salt=133), np.array([[0, 1, 2, 3, 4, 5]])) == \
        [[1, 2, 0, 1, 2, 1]]
    assert values(Hashing(7), np.array([[1, 2, 300]], np.int32)) == \
        [[5, 5, 3]]
    assert values(Hashing(5, output_mode='multi_hot'),
                  np.array([[1, 2, 3], [4, 5, 6]])) == \
        [[0, 1, 0, 0, 1], [0, 1, 1, 1, 0]]
    assert values(Hashing(5, output_mode='count'),
                  np.array([[1, 2, 3, 3], [4, 5, 6, 9]])) == \
        [[0, 2, 0, 0, 2], [1, 1, 1, 1, 0]]
    assert values(Hashing(5, output_mode='one_hot'),
                  np.array([1, 2, 3, 4])) == np.eye(5)[[4, 4, 1, 3]].tolist()
    assert Hashing(5, salt=3, output_mode='one_hot').get_config()['salt'] \
        == [3, 3]
    with pytest.raises(tf.errors.InvalidArgumentError):
        Hashing(3)(np.array([1.5]))
    with pytest.raises(NotImplementedError, match='sparse=False'):
        Hashing(3, output_mode='count', sparse=True)
