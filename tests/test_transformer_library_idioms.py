"""Idioms of the Keras transformer libraries (keras-bert, keras-gpt-2,
keras-self-attention and their siblings): an Embedding whose `call` also
returns its weights, attention layers built from `K.batch_dot` with masks
and `add_loss`, and the released weights read from TensorFlow checkpoints
with `tf.train.load_variable`. Expected values are tf_keras 2.21's (and
TensorFlow 2.21's for the checkpoint files), obtained by running the same
code there."""
import base64

import numpy as np
import pytest

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common


@pytest.fixture
def tf_keras():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


class TokenEmbedding(keras.layers.Embedding):
    """Returns its embeddings next to the looked-up vectors (keras-bert)."""

    def compute_mask(self, inputs, mask=None):
        return [super(TokenEmbedding, self).compute_mask(inputs, mask), None]

    def call(self, inputs):
        return [super(TokenEmbedding, self).call(inputs), self.embeddings + 0]


class EmbeddingSimilarity(keras.layers.Layer):
    """Scores features against the token embeddings; its bias is sized
    from the static first dimension of the embeddings' shape."""

    def __init__(self, **kwargs):
        super(EmbeddingSimilarity, self).__init__(**kwargs)
        self.supports_masking = True

    def build(self, input_shape):
        self.bias = self.add_weight(shape=(int(input_shape[1][0]),),
                                    initializer='zeros', name='bias')
        super(EmbeddingSimilarity, self).build(input_shape)

    def compute_mask(self, inputs, mask=None):
        return mask[0]

    def call(self, inputs, mask=None, **kwargs):
        inputs, embeddings = inputs
        return keras.activations.softmax(
            K.bias_add(K.dot(inputs, K.transpose(embeddings)), self.bias))


def test_weights_returned_by_call_keep_their_static_shape(tf_keras):
    # tf_keras 2.21: int_shape of the two outputs (None, None, 4), (7, 4);
    # softmax row and loss below.
    inputs = keras.layers.Input((None,))
    embedded, weights = TokenEmbedding(7, 4, mask_zero=True)(inputs)
    assert K.int_shape(embedded) == (None, None, 4)
    assert K.int_shape(weights) == (7, 4)
    model = keras.models.Model(
        inputs, EmbeddingSimilarity()([embedded, weights]))
    assert model.output_shape == (None, None, 7)
    model.set_weights([np.linspace(-1, 1, 28).reshape(7, 4),
                       np.linspace(-0.3, 0.3, 7)])
    x = np.array([[1, 2, 3, 0], [4, 5, 6, 6]])
    model.compile('sgd', 'sparse_categorical_crossentropy')
    np.testing.assert_allclose(
        model.predict(x, verbose=0)[0, 0],
        [0.459242, 0.25145, 0.137677, 0.075383, 0.041275, 0.022599,
         0.012374], atol=1e-6)
    assert model.evaluate(x, x[..., None], verbose=0) == \
        pytest.approx(1.312433, abs=1e-5)


class MulAttention(keras.layers.Layer):
    """Multiplicative self-attention with a mask and an attention
    regulariser added by `add_loss` (keras-self-attention)."""

    def __init__(self, regularizer_weight, **kwargs):
        super(MulAttention, self).__init__(**kwargs)
        self.supports_masking = True
        self.regularizer_weight = regularizer_weight

    def build(self, input_shape):
        self.Wa = self.add_weight(
            shape=(int(input_shape[2]),) * 2, name='Wa',
            initializer='glorot_normal',
            regularizer=keras.regularizers.l2(1e-2))
        self.ba = self.add_weight(shape=(1,), name='ba', initializer='zeros',
                                  regularizer=keras.regularizers.l1(1e-2))

    def call(self, inputs, mask=None, **kwargs):
        e = K.batch_dot(K.dot(inputs, self.Wa),
                        K.permute_dimensions(inputs, (0, 2, 1)))
        e += self.ba[0]
        if mask is not None:
            mask = K.expand_dims(K.cast(mask, K.floatx()), axis=-1)
            e -= 10000.0 * ((1.0 - mask) *
                            (1.0 - K.permute_dimensions(mask, (0, 2, 1))))
        e = K.exp(e - K.max(e, axis=-1, keepdims=True))
        a = e / K.sum(e, axis=-1, keepdims=True)
        n = K.shape(a)[-1]
        eye = K.cast(K.equal(K.expand_dims(K.arange(0, n), 0),
                             K.expand_dims(K.arange(0, n), -1)), K.floatx())
        gram = K.batch_dot(a, K.permute_dimensions(a, (0, 2, 1)))
        self.add_loss(self.regularizer_weight * K.sum(K.square(gram - eye)) /
                      K.cast(K.shape(a)[0], K.floatx()))
        return K.batch_dot(a, inputs)

    def compute_mask(self, inputs, mask=None):
        return mask


def test_masked_attention_with_regularisers_trains_like_tf_keras(tf_keras):
    # tf_keras 2.21: evaluate 0.9887454509735107, fit losses
    # [0.9887454509735107, 0.977006196975708].
    inputs = keras.layers.Input((None,))
    embedded = keras.layers.Embedding(6, 3, mask_zero=True)(inputs)
    attended = MulAttention(0.1)(embedded)
    model = keras.models.Model(
        inputs, keras.layers.Dense(2, activation='softmax')(attended))
    model.set_weights([np.linspace(-1, 1, 18).reshape(6, 3),
                       np.linspace(-0.5, 0.4, 9).reshape(3, 3),
                       np.array([0.1]),
                       np.linspace(0.2, -0.3, 6).reshape(3, 2),
                       np.array([0.05, -0.05])])
    model.compile(keras.optimizers.SGD(0.5), 'sparse_categorical_crossentropy')
    x = np.array([[1, 2, 3, 0], [4, 5, 0, 0], [5, 4, 3, 2]])
    y = x[..., None] % 2
    assert model.evaluate(x, y, verbose=0) == pytest.approx(0.9887455,
                                                            abs=1e-5)
    history = model.fit(x, y, epochs=2, batch_size=3, shuffle=False,
                        verbose=0)
    np.testing.assert_allclose(history.history['loss'],
                               [0.9887455, 0.9770062], atol=1e-5)


# Written by TensorFlow 2.21's tf.compat.v1.train.Saver: variables
# 'bert/embeddings/word_embeddings' = arange(6).reshape(3, 2) / 4,
# 'model/h0/attn/c_attn/w' = arange(12).reshape(1, 2, 6) - 5,
# 'global_step' = int64 7, 'half' = float16 [1.5, -2.25].
_SAVER_INDEX = (
    'AAAGCAEaAggBAB8TYmVydC9lbWJlZGRpbmdzL3dvcmRfZW1iZWRkaW5ncwgBEggSAggDEgII'
    'AigYNU3JwDcACw1nbG9iYWxfc3RlcAgJEgAgGCgINbvXnxEABBFoYWxmCBMSBBICCAIgICgE'
    'NTf77lUAFhltb2RlbC9oMC9hdHRuL2NfYXR0bi93CAESDBICCAESAggCEgIIBiAkKDA1L+l7'
    'SgAAAAABAAAAADXM4UoAAAAAAQAAAADA8qGwAAEDbgCrAQAAAAABAAAAALeFycKwAQi9AQ8A'
    'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAV/uAiyR1R9s=')
_SAVER_DATA = (
    'AAAAAAAAgD4AAAA/AABAPwAAgD8AAKA/BwAAAAAAAAAAPoDAAACgwAAAgMAAAEDAAAAAwAAA'
    'gL8AAAAAAACAPwAAAEAAAEBAAACAQAAAoEAAAMBA')
# Written by TensorFlow 2.21's tf.train.Checkpoint(layer=tf.Module(),
# kernel=tf.Variable([[1., 2.], [3., 4.]])).write(prefix).
_OBJECT_INDEX = (
    'AAAGCAEaAggBABwNX0NIRUNLUE9JTlRBQkxFX09CSkVDVF9HUkFQSAgHEgAgEChrNZjtmswA'
    'IRNrZXJuZWwvLkFUVFJJQlVURVMvVkFSSUFCTEVfVkFMVUUIARIIEgIIAhICCAIoEDVMKJh0'
    'AAAAAAEAAAAA6g46ywAAAAABAAAAAMDyobAAAQJsAHQAAAAAAQAAAABSiNqseQiGAQ4AAAAA'
    'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAFf7gIskdUfb')
_OBJECT_DATA = (
    'AACAPwAAAEAAAEBAAACAQGYazDbIChsKCggBEgZrZXJuZWwKCQgCEgVsYXllcioCCAEKQxI9'
    'Cg5WQVJJQUJMRV9WQUxVRRIIVmFyaWFibGUaIWtlcm5lbC8uQVRUUklCVVRFUy9WQVJJQUJM'
    'RV9WQUxVRSoCCAEKAioA')


def _write_checkpoint(directory, name, index, data):
    prefix = str(directory / name)
    with open(prefix + '.index', 'wb') as handle:
        handle.write(base64.b64decode(index))
    with open(prefix + '.data-00000-of-00001', 'wb') as handle:
        handle.write(base64.b64decode(data))
    return prefix


def test_load_variable_reads_a_tensorflow_saver_checkpoint(tmp_path):
    # TensorFlow 2.21's tf.train.load_variable / list_variables.
    prefix = _write_checkpoint(tmp_path, 'bert_model.ckpt', _SAVER_INDEX,
                               _SAVER_DATA)
    assert tf.train.list_variables(prefix) == [
        ('bert/embeddings/word_embeddings', [3, 2]), ('global_step', []),
        ('half', [2]), ('model/h0/attn/c_attn/w', [1, 2, 6])]
    words = tf.train.load_variable(prefix, 'bert/embeddings/word_embeddings')
    np.testing.assert_array_equal(words, np.arange(6).reshape(3, 2) / 4)
    assert words.dtype == np.float32
    # GPT-2's loader asks for tensor names ('model/wte:0').
    kernel = tf.train.load_variable(prefix, 'model/h0/attn/c_attn/w:0')
    np.testing.assert_array_equal(kernel, np.arange(12).reshape(1, 2, 6) - 5)
    step = tf.train.load_variable(prefix, 'global_step')
    assert step.dtype == np.int64 and step.shape == () and step == 7
    np.testing.assert_array_equal(tf.train.load_variable(prefix, 'half'),
                                  np.array([1.5, -2.25], np.float16))
    with pytest.raises(tf.errors.NotFoundError):
        tf.train.load_variable(prefix, 'bert/pooler/dense/kernel')


def test_checkpoint_reader_maps_names_to_shapes_and_dtypes(tmp_path):
    # TensorFlow 2.21: get_variable_to_dtype_map gives tf.float32,
    # tf.int64, tf.float16; a directory reads its latest checkpoint.
    prefix = _write_checkpoint(tmp_path, 'model.ckpt', _SAVER_INDEX,
                               _SAVER_DATA)
    with open(str(tmp_path / 'checkpoint'), 'w') as handle:
        handle.write('model_checkpoint_path: "model.ckpt"\n')
    for reader in (tf.train.load_checkpoint(str(tmp_path)),
                   tf.compat.v1.train.NewCheckpointReader(prefix)):
        assert reader.get_variable_to_shape_map()['half'] == [2]
        dtypes = reader.get_variable_to_dtype_map()
        assert dtypes['global_step'] == tf.int64
        assert dtypes['half'] == tf.float16
        assert dtypes['bert/embeddings/word_embeddings'] == tf.float32
        assert reader.has_tensor('global_step')
        assert not reader.has_tensor('missing')
        np.testing.assert_array_equal(reader.get_tensor('half'),
                                      [1.5, -2.25])


def test_object_based_checkpoint_of_tensorflow(tmp_path):
    # TensorFlow 2.21: list_variables shows the object graph (a string
    # scalar) and the variable under its object path.
    prefix = _write_checkpoint(tmp_path, 'ckpt-1', _OBJECT_INDEX,
                               _OBJECT_DATA)
    assert tf.train.list_variables(prefix) == [
        ('_CHECKPOINTABLE_OBJECT_GRAPH', []),
        ('kernel/.ATTRIBUTES/VARIABLE_VALUE', [2, 2])]
    np.testing.assert_array_equal(tf.train.load_variable(prefix, 'kernel'),
                                  [[1., 2.], [3., 4.]])
    graph = tf.train.load_variable(prefix, '_CHECKPOINTABLE_OBJECT_GRAPH')
    assert isinstance(graph.item(), bytes)
    assert graph.item().startswith(b'\n\x1b\n\n\x08\x01\x12\x06kernel')


def test_tf1_random_ops_module():
    # keras-xlnet: `from tensorflow.python.ops.random_ops import
    # random_shuffle`.
    from keras_compat.tensorflow_compat import python
    ops = python.ops.random_ops
    shuffled = ops.random_shuffle(tf.constant([1, 2, 3, 4]))
    assert sorted(np.asarray(shuffled).tolist()) == [1, 2, 3, 4]
    assert tuple(ops.random_uniform((2, 3)).shape) == (2, 3)
