"""TextVectorization and StringLookup (keras_compat/layers/
text_preprocessing.py, lookup.py) on string data, against values computed
with TensorFlow 2.21 + tf_keras 2.21 (pasted below; the calls that gave
them are in the comments)."""
import os

import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat import layers, tensorflow_compat as tf
from keras_compat.layers.lookup import StringLookup
from keras_compat.layers.text_preprocessing import (TextVectorization,
                                                    lower, regex_replace)

DOCS = ['b a c', 'c b d e', 'a a', 'z y']


def ints(x):
    return np.asarray(x).tolist()


# ---------------------------------------------------------- StringLookup
def test_string_lookup_several_oov_hash_like_tf():
    layer = StringLookup(num_oov_indices=3)
    layer.adapt([['a', 'b', 'b'], ['c', 'c', 'c']])
    # tf_keras: get_vocabulary(); layer([['a','x','y','zz','hello','']])
    assert layer.get_vocabulary() == ['[UNK]'] * 3 + ['c', 'b', 'a']
    out = layer([['a', 'x', 'y', 'zz', 'hello', '']])
    assert out.dtype == torch.int64
    assert ints(out) == [[5, 2, 2, 1, 1, 2]]


def test_string_lookup_mask_invert_and_encodings():
    layer = StringLookup(vocabulary=['a', 'b'], mask_token='[M]')
    assert layer.get_vocabulary() == ['[M]', '[UNK]', 'a', 'b']
    assert ints(layer(np.array(['a', '[M]', 'q']))) == [2, 0, 1]
    inverse = StringLookup(vocabulary=['a', 'b'], invert=True)
    assert inverse([0, 1, 2, 5]).tolist() == [b'[UNK]', b'a', b'b',
                                              b'[UNK]']
    one_hot = StringLookup(vocabulary=['a', 'b'], output_mode='one_hot')
    assert ints(one_hot(['a', 'c'])) == [[0., 1., 0.], [1., 0., 0.]]
    multi = StringLookup(vocabulary=['a', 'b'], output_mode='multi_hot')
    assert ints(multi([['a', 'c', 'a'], ['b', 'b', 'b']])) == \
        [[1., 1., 0.], [0., 0., 1.]]
    # Bytes and the stand-in's string constants alike.
    assert ints(layer(tf.constant(['b']))) == [3]
    assert ints(layer(np.array([b'a']))) == [2]
    assert ints(layer('b')) == 3


def test_string_lookup_tf_idf_weights_and_config():
    layer = StringLookup(output_mode='tf_idf')
    layer.adapt([['a', 'b', 'b'], ['b', 'c', 'c']])
    # tf_keras get_weights(): [idf_weights, <vocabulary>, num_documents]
    # (the vocabulary, bytes, is not a weight here).
    idf, documents = layer.get_weights()
    np.testing.assert_allclose(
        idf, [0.63237333, 0.51082563, 0.6931472, 0.6931472], rtol=1e-6)
    assert int(documents) == 0
    config = StringLookup(vocabulary=['a', 'b']).get_config()
    assert config['vocabulary'] == ['a', 'b']
    assert config['vocabulary_size'] == 3 and config['dtype'] == 'int64'
    assert config['encoding'] == 'utf-8' and 'vocabulary_dtype' not in config
    clone = StringLookup.from_config(config)
    assert ints(clone(['b', 'x'])) == [2, 0]


def test_string_lookup_vocabulary_file(tmp_path):
    path = os.path.join(str(tmp_path), 'vocab.txt')
    with open(path, 'w') as f:
        f.write('earth\nwind\nfire\n')
    layer = StringLookup(vocabulary=path)
    assert layer.get_vocabulary() == ['[UNK]', 'earth', 'wind', 'fire']
    assert ints(layer(['fire', 'water'])) == [3, 0]


def test_string_lookup_errors():
    with pytest.raises(ValueError, match='repeated'):
        StringLookup(vocabulary=['a', 'a'])
    with pytest.raises(ValueError, match='Cannot adapt'):
        StringLookup(vocabulary=['a']).adapt(['a'])
    with pytest.raises(tf.errors.InvalidArgumentError, match='OOV values'):
        StringLookup(vocabulary=['a'], num_oov_indices=0)(['a', 'b'])
    with pytest.raises(NotImplementedError, match='sparse=False'):
        StringLookup(output_mode='count', sparse=True)


# ----------------------------------------------------- TextVectorization
def test_adapt_orders_by_count_then_decreasing_token():
    layer = TextVectorization()
    layer.adapt(DOCS)
    # tf_keras: get_vocabulary(); layer(['a b q', 'c']); layer('a b')
    assert layer.get_vocabulary() == ['', '[UNK]', 'a', 'c', 'b', 'z', 'y',
                                      'e', 'd']
    assert ints(layer(['a b q', 'c'])) == [[2, 4, 1], [3, 0, 0]]
    assert ints(layer(np.array([['a b q'], ['c']]))) == [[2, 4, 1],
                                                        [3, 0, 0]]
    assert ints(layer('a b')) == [2, 4]
    assert layer(['a']).dtype == torch.int64
    assert layer.get_vocabulary(include_special_tokens=False)[:2] == \
        ['a', 'c']


def test_unsplit_strings():
    layer = TextVectorization(split=None)
    layer.adapt(['b a c', 'c b d e', 'b a c'])
    assert layer.get_vocabulary() == ['', '[UNK]', 'b a c', 'c b d e']
    assert ints(layer(['b a c', 'x'])) == [2, 1]
    assert ints(layer([['b a c'], ['x']])) == [[2], [1]]


def test_bigrams_tf_idf():
    layer = TextVectorization(ngrams=2, output_mode='tf_idf')
    layer.adapt(['the cat sat', 'the dog sat', 'a cat'])
    assert layer.get_vocabulary() == [
        '[UNK]', 'the', 'sat', 'cat', 'the dog', 'the cat', 'dog sat', 'dog',
        'cat sat', 'a cat', 'a']
    out = layer(['the cat ran'])
    assert out.dtype == torch.float32
    np.testing.assert_allclose(ints(out), [[
        1.698695421218872, 0.6931471824645996, 0.0, 0.6931471824645996, 0.0,
        0.9162907600402832, 0.0, 0.0, 0.0, 0.0, 0.0]], rtol=1e-6)


def test_max_tokens_sequence_length_and_batched_dataset():
    layer = TextVectorization(output_sequence_length=4, max_tokens=5)
    layer.adapt(tf.data.Dataset.from_tensor_slices(
        ['the cat sat', 'the dog sat on the mat', 'a cat']).batch(2))
    assert layer.get_vocabulary() == ['', '[UNK]', 'the', 'sat', 'cat']
    assert ints(layer(['the cat sat on the mat', 'x'])) == \
        [[2, 4, 3, 1], [1, 0, 0, 0]]
    config = layer.get_config()
    assert config['vocabulary_size'] == 5 and config['dtype'] == 'string'
    assert config['batch_input_shape'] == (None,)


def test_characters_count_and_standardization_rules():
    layer = TextVectorization(split='character', output_mode='count',
                              standardize='lower')
    layer.adapt(['Abé!', 'bb'])
    assert layer.get_vocabulary() == ['[UNK]', 'b', 'é', 'a', '!']
    assert ints(layer(['abz'])) == [[1.0, 1.0, 0.0, 1.0, 0.0]]
    # tf.strings.lower lowercases ASCII only; tf.strings.split splits on
    # ASCII whitespace only; DEFAULT_STRIP_REGEX keeps non-ASCII marks.
    assert lower(['ÉCOLE Ab']).tolist() == ['École ab'.encode()
                                            .replace(b'\xc3\xa9',
                                                     b'\xc3\x89')]
    words = TextVectorization(output_mode=None)
    assert words('a\xa0b c\x1cd\te\u2003f  g\x0bh').tolist() == [
        w.encode() for w in ['a\xa0b', 'c\x1cd', 'e\u2003f', 'g', 'h']]
    assert words(['He\'s "x"! a-b,c.d/e:f; ü¿']).tolist() == [[
        b'hes', b'x', b'abcdef', 'ü¿'.encode()]]


def test_callable_standardize_and_split():
    def standardize(text):
        return regex_replace(lower(text), '<br />', ' ')

    layer = TextVectorization(standardize=standardize,
                              split=lambda t: [s.split(b',') for s in t],
                              vocabulary=['a<b', 'c'])
    assert ints(layer(['A<B,C<br />', 'c'])) == [[2, 1], [3, 0]]


def test_errors():
    with pytest.raises(NotImplementedError, match='ragged=False'):
        TextVectorization(ragged=True)
    with pytest.raises(NotImplementedError, match='sparse=False'):
        TextVectorization(output_mode='multi_hot', sparse=True)
    with pytest.raises(ValueError, match='must not be set'):
        TextVectorization(output_mode='multi_hot', output_sequence_length=3)
    with pytest.raises(ValueError, match='only have a dtype of string'):
        TextVectorization(dtype='int64')
    with pytest.raises(ValueError, match='last shape dimension must be 1'):
        TextVectorization(vocabulary=['a'])([['a', 'b']])
    with pytest.raises(RuntimeError, match='must set the layer'):
        TextVectorization(output_mode='count')(['a'])


# ------------------------------------------------------ in a model
TEXTS = ['Great movie!', 'awful, boring movie', 'great great fun', 'boring']
LABELS = np.array([1., 0., 1., 0.])


def _text_model():
    vectorize = layers.TextVectorization(max_tokens=8,
                                         output_sequence_length=4)
    vectorize.adapt(TEXTS)
    inputs = keras.Input(shape=(1,), dtype='string')
    x = layers.Embedding(8, 2)(vectorize(inputs))
    x = layers.GlobalAveragePooling1D()(x)
    model = keras.Model(inputs, layers.Dense(1, activation='sigmoid')(x))
    model.layers[2].set_weights(
        [np.arange(16, dtype='float32').reshape(8, 2) / 10 - 0.8])
    model.layers[4].set_weights([np.array([[0.5], [-0.3]], 'float32'),
                                 np.zeros(1, 'float32')])
    model.compile(keras.optimizers.SGD(0.5), 'binary_crossentropy')
    return model


def test_model_fed_strings_predicts_fits_and_evaluates_like_tf_keras():
    model = _text_model()
    assert model.layers[1].output_shape == (None, 4)
    np.testing.assert_allclose(
        model.predict(np.array([['great fun'], ['boring movie']]),
                      verbose=0), [[0.47003594], [0.47003594]], rtol=1e-5)
    dataset = tf.data.Dataset.from_tensor_slices((TEXTS, LABELS)).batch(2)
    history = model.fit(dataset, epochs=2, verbose=0)
    np.testing.assert_allclose(history.history['loss'],
                               [0.7010186314582825, 0.6942062973976135],
                               rtol=1e-5)
    np.testing.assert_allclose(model.evaluate(dataset, verbose=0),
                               0.685224175453186, rtol=1e-5)
    np.testing.assert_allclose(
        model.layers[2].get_weights()[0][4],
        [-0.05593132600188255, 0.14138853549957275], rtol=1e-5)


def test_model_fits_on_string_arrays_and_maps_datasets():
    model = _text_model()
    # The same batches as the dataset above, as a numpy array of strings.
    history = model.fit(np.array(TEXTS), LABELS, batch_size=2, epochs=2,
                        shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history['loss'],
                               [0.7010186314582825, 0.6942062973976135],
                               rtol=1e-5)
    vectorize = model.layers[1]
    mapped = tf.data.Dataset.from_tensor_slices((TEXTS, LABELS)).batch(3) \
        .map(lambda x, y: (vectorize(tf.expand_dims(x, -1)), y))
    first, _ = next(iter(mapped))
    assert ints(first) == [[2, 3, 0, 0], [6, 4, 3, 0], [2, 2, 5, 0]]


def test_hdf5_refuses_adapted_vocabulary_keeps_given_one(tmp_path):
    model = _text_model()
    with pytest.raises(NotImplementedError, match='not supported in h5'):
        model.save(os.path.join(str(tmp_path), 'adapted.h5'))
    inputs = keras.Input(shape=(1,), dtype=tf.string)
    vectorize = layers.TextVectorization(output_sequence_length=3,
                                         vocabulary=['a', 'b', 'c'])
    x = layers.Embedding(10, 2, embeddings_initializer='ones')(
        vectorize(inputs))
    x = layers.GlobalAveragePooling1D()(x)
    given = keras.Model(inputs, layers.Dense(
        1, kernel_initializer='ones')(x))
    path = os.path.join(str(tmp_path), 'given.h5')
    given.save(path)
    loaded = keras.models.load_model(path, compile=False)
    assert loaded.layers[1].get_vocabulary() == ['', '[UNK]', 'a', 'b', 'c']
    # tf_keras: [[2.0]] (two known tokens and padding, ones everywhere).
    assert ints(loaded.predict(np.array([['a b zz']]), verbose=0)) == [[2.0]]
