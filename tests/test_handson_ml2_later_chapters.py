"""Idioms of the tf.keras 2 notebooks of "Hands-On Machine Learning, 2nd
edition", chapters 14-17 (CNN helpers, custom RNN cells, char-RNN and
sentiment pipelines with lookup tables) on keras_compat. Reference values
come from TensorFlow 2.21 + tf_keras 2.21 (TF_USE_LEGACY_KERAS=1) running
the same code."""
import numpy as np
import pytest

import keras_compat as keras
from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common

K = keras.backend


@pytest.fixture(autouse=True)
def _tf_keras_flavour():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


def test_static_vocabulary_table_hashes_unknown_words_to_buckets():
    words = tf.constant([b'<pad>', b'great', b'I', b'it', b'movie'])
    word_ids = tf.range(5, dtype=tf.int64)
    vocab_init = tf.lookup.KeyValueTensorInitializer(words, word_ids)
    table = tf.lookup.StaticVocabularyTable(vocab_init, 1000)
    ids = table.lookup(tf.constant([[b'I', b'loved', b'it'],
                                    [b'great', b'faaaaaantastic', b'<pad>']]))
    # tf_keras 2.21 / TensorFlow 2.21
    assert ids.numpy().tolist() == [[2, 243, 3], [1, 58, 0]]
    assert int(table.size()) == 1005
    ints = tf.lookup.StaticVocabularyTable(tf.lookup.KeyValueTensorInitializer(
        tf.constant([5, 7], dtype=tf.int64),
        tf.constant([0, 1], dtype=tf.int64)), 13)
    out = ints.lookup(tf.constant([5, 7, 3, 100, -2], dtype=tf.int64))
    assert out.numpy().tolist() == [0, 1, 8, 8, 12]
    with pytest.raises(ValueError):
        tf.lookup.StaticVocabularyTable(vocab_init, 0)


def test_hash_buckets_of_long_strings():
    long = [b'x' * 40, b'antidisestablishmentarianism ' * 3, b'y' * 200]
    # TensorFlow 2.21's Fingerprint64 modulo 2**62.
    assert tf.strings.to_hash_bucket_fast(long, 2 ** 62).numpy().tolist() \
        == [3168538174772821140, 2741225913473175806, 577833072005583796]


def test_review_preprocessing_with_substr_and_ragged_split():
    def preprocess(X_batch, y_batch):
        X_batch = tf.strings.substr(X_batch, 0, 300)
        X_batch = tf.strings.regex_replace(X_batch, rb"<br\s*/?>", b" ")
        X_batch = tf.strings.regex_replace(X_batch, b"[^a-zA-Z']", b" ")
        X_batch = tf.strings.split(X_batch)
        return X_batch.to_tensor(default_value=b"<pad>"), y_batch
    reviews = tf.constant([b"This movie was great<br />I loved it",
                           b"Terrible film, boring.<br/>Awful acting"])
    X, _ = preprocess(reviews, [1, 0])
    # tf_keras 2.21
    assert np.asarray(X).tolist() == [
        [b'This', b'movie', b'was', b'great', b'I', b'loved', b'it'],
        [b'Terrible', b'film', b'boring', b'Awful', b'acting', b'<pad>',
         b'<pad>']]
    assert np.asarray(tf.strings.substr(tf.constant([b'hello world', b'hi']),
                                        0, 4)).tolist() == [b'hell', b'hi']
    assert tf.strings.substr(b'hello', -3, 2)[()] == b'll'
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.strings.substr(b'hi', 5, 1)


def test_tokenizer_decodes_argmax_of_model_output():
    tokenizer = keras.preprocessing.text.Tokenizer(char_level=True)
    tokenizer.fit_on_texts('hello world')
    X = np.array(tokenizer.texts_to_sequences(['hel'])) - 1
    Y_pred = np.argmax(tf.one_hot(X, 8), axis=-1)
    assert tokenizer.sequences_to_texts(Y_pred + 1) == ['h e l']


class LNSimpleRNNCell(keras.layers.Layer):
    def __init__(self, units, activation="tanh", **kwargs):
        super().__init__(**kwargs)
        self.state_size = units
        self.output_size = units
        self.simple_rnn_cell = keras.layers.SimpleRNNCell(units,
                                                          activation=None)
        self.layer_norm = keras.layers.LayerNormalization()
        self.activation = keras.activations.get(activation)

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        if inputs is not None:
            batch_size = tf.shape(inputs)[0]
            dtype = inputs.dtype
        return [tf.zeros([batch_size, self.state_size], dtype=dtype)]

    def call(self, inputs, states):
        outputs, new_states = self.simple_rnn_cell(inputs, states)
        norm_outputs = self.activation(self.layer_norm(outputs))
        return norm_outputs, [norm_outputs]


def test_rnn_of_a_cell_calling_layers_has_their_weights_when_built():
    model = keras.models.Sequential([keras.layers.RNN(
        LNSimpleRNNCell(4), return_sequences=True, input_shape=[None, 1])])
    prefix = 'rnn/ln_simple_rnn_cell/'
    # tf_keras 2.21
    assert [w.name for w in model.weights] == [
        prefix + 'simple_rnn_cell/kernel:0',
        prefix + 'simple_rnn_cell/recurrent_kernel:0',
        prefix + 'simple_rnn_cell/bias:0',
        prefix + 'layer_normalization/gamma:0',
        prefix + 'layer_normalization/beta:0']
    model.set_weights([np.random.RandomState(i).randn(*w.shape).astype(
        'float32') * 0.5 for i, w in enumerate(model.get_weights())])
    X = np.random.RandomState(0).randn(2, 3, 1).astype('float32')
    np.testing.assert_allclose(model.predict(X, verbose=0)[0], [
        [0.24038, 0.10824, -0.50165, -0.7863],
        [0.16631, 0.22038, -0.51301, -0.73746],
        [0.21915, 0.16547, -0.50838, -0.76593]], atol=1e-4)


def test_orthogonal_initializer_leaves_numpy_random_state():
    # tf.keras draws its initial weights from TensorFlow's generator.
    np.random.seed(0)
    keras.models.Sequential([keras.layers.SimpleRNN(2, input_shape=[None, 1])])
    assert np.random.rand() == 0.5488135039273248


def test_depthwise_max_pool():
    images = np.arange(2 * 2 * 3 * 6, dtype='float32').reshape(2, 2, 3, 6)
    images = images * np.array([1, -1, 2, 0, 3, -3], 'float32')
    output = tf.nn.max_pool(images, ksize=(1, 1, 1, 3), strides=(1, 1, 1, 3),
                            padding="VALID")
    assert tuple(output.shape) == (2, 2, 3, 2)
    np.testing.assert_allclose(
        output, images.reshape(2, 2, 3, 2, 3).max(-1))
    depth_pool = keras.layers.Lambda(lambda X: tf.nn.max_pool(
        X, ksize=(1, 1, 1, 2), strides=(1, 1, 1, 2), padding="VALID"))
    assert tuple(depth_pool(images).shape) == (2, 2, 3, 3)
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.nn.max_pool(images, ksize=(1, 1, 1, 4), strides=(1, 1, 1, 4),
                       padding="VALID")


def test_tf_keras_resnet_names_its_softmax_predictions():
    model = keras.applications.resnet50.ResNet50(
        weights=None, input_shape=(32, 32, 3), classes=3)
    # tf_keras 2.21
    assert model.layers[-1].name == 'predictions'
    assert len(model.layers) == 177
