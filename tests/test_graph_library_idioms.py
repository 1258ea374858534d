"""Idioms of graph neural network libraries written for tf.keras 2.x
(StellarGraph's GCN, GAT, RGCN, GraphSAGE, Watch-your-step and Deep Graph
Infomax): layers that turn index/value inputs into a tf.SparseTensor and
multiply with it, sparse attention with tf.sparse.softmax, output-node
gathers with `batch_dims=1`, weights of one name kept in a list,
rank-1 Inputs of node ids, logits losses given to `compile`, Sequences
that sample at random per read. Expected values are tf_keras 2.21's,
obtained by running the same code there."""
import random

import numpy as np
import pytest

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common
from keras_compat.layers import Dense, Embedding, Input, Layer, LeakyReLU


@pytest.fixture
def tf_keras():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


N, F = 4, 3
ROWS = np.array([0, 0, 1, 1, 2, 3, 3])
COLS = np.array([0, 1, 0, 1, 2, 2, 3])
A_IDX = np.stack([ROWS, COLS], 1)[None].astype('int64')
A_VAL = (np.arange(1, 8, dtype='float32') / 10.)[None]
FEATS = np.arange(N * F, dtype='float32').reshape(1, N, F) / 10. - 0.5
OUT_IDX = np.array([[3, 1]], dtype='int32')
Y = np.array([[[1., 0.], [0., 1.]]], dtype='float32')
KERNEL = np.arange(F * 2, dtype='float32').reshape(F, 2) / 5. - 0.5


class SqueezedSparseConversion(Layer):
    """(1, E, 2) indices and (1, E) values -> an (N, N) SparseTensor."""

    def __init__(self, shape, **kwargs):
        super(SqueezedSparseConversion, self).__init__(**kwargs)
        self.matrix_shape = shape

    def compute_output_shape(self, input_shapes):
        return tuple(self.matrix_shape)

    def call(self, inputs):
        indices = K.squeeze(inputs[0], 0)
        values = K.squeeze(inputs[1], 0)
        return tf.SparseTensor(indices=indices, values=values,
                               dense_shape=self.matrix_shape)


class GraphConvolution(Layer):
    """A x W + b with a sparse adjacency A."""

    def __init__(self, units, **kwargs):
        super(GraphConvolution, self).__init__(**kwargs)
        self.units = units

    def build(self, input_shapes):
        self.kernel = self.add_weight(
            name='kernel', shape=(int(input_shapes[0][-1]), self.units))
        self.bias = self.add_weight(name='bias', shape=(self.units,),
                                    initializer='zeros')

    def call(self, inputs):
        features, adjacency = inputs
        h = tf.sparse.sparse_dense_matmul(adjacency, K.squeeze(features, 0))
        return K.expand_dims(K.dot(h, self.kernel) + self.bias, 0)


class SparseAttention(Layer):
    """GAT's sparse attention: scores on the edges, softmax per row."""

    def build(self, input_shapes):
        self.attn = self.add_weight(name='attn',
                                    shape=(2, int(input_shapes[0][-1]), 1))

    def call(self, inputs):
        x, adjacency = inputs
        x = K.squeeze(x, 0)
        own = tf.gather(K.reshape(K.dot(x, self.attn[0]), [-1]),
                        adjacency.indices[:, 0], axis=0)
        other = tf.gather(K.reshape(K.dot(x, self.attn[1]), [-1]),
                          adjacency.indices[:, 1], axis=0)
        scores = LeakyReLU(alpha=0.2)(own + other)
        attention = tf.sparse.softmax(tf.sparse.SparseTensor(
            adjacency.indices, values=scores, dense_shape=[N, N]))
        return K.expand_dims(tf.sparse.sparse_dense_matmul(attention, x), 0)


class GatherIndices(Layer):
    """The rows of the output nodes (StellarGraph's full-batch models)."""

    def call(self, inputs):
        data, indices = inputs
        return tf.gather(data, indices, batch_dims=1)


def _full_batch_model(attention):
    x_in = Input(batch_shape=(1, N, F))
    out_in = Input(batch_shape=(1, None), dtype='int32')
    indices_in = Input(batch_shape=(1, None, 2), dtype='int64')
    values_in = Input(batch_shape=(1, None))
    adjacency = SqueezedSparseConversion(shape=(N, N))(
        [indices_in, values_in])
    h = SparseAttention()([x_in, adjacency]) if attention else x_in
    h = GraphConvolution(2)([h, adjacency])
    out = GatherIndices()([keras.layers.Activation('softmax')(h), out_in])
    return keras.models.Model([x_in, out_in, indices_in, values_in], out)


@pytest.mark.parametrize('attention, losses, predictions', [
    (False, [0.79317677, 0.69813961],
     [[0.5988916, 0.40110832], [0.5064251, 0.493575]]),
    (True, [0.77825218, 0.69813883],
     [[0.5766723, 0.42332762], [0.4971632, 0.5028369]]),
])
def test_sparse_adjacency_models_train_as_in_tf_keras(
        tf_keras, attention, losses, predictions):
    # tf_keras 2.21, the same model, weights and data.
    model = _full_batch_model(attention)
    attn = [np.array([[[0.3], [-0.2], [0.5]], [[0.1], [0.4], [-0.3]]],
                     'float32')] if attention else []
    model.set_weights(attn + [KERNEL, np.zeros(2, 'float32')])
    model.compile(keras.optimizers.Adam(0.1), 'categorical_crossentropy')
    data = [FEATS, OUT_IDX, A_IDX, A_VAL]
    history = model.fit(data, Y, epochs=2, batch_size=1, verbose=0,
                        shuffle=False)
    np.testing.assert_allclose(history.history['loss'], losses, rtol=1e-5)
    np.testing.assert_allclose(model.predict(data, verbose=0)[0],
                               predictions, rtol=1e-5)


def test_gather_with_batch_dims():
    # tf_keras 2.21 / TensorFlow 2.21.
    p = np.arange(24, dtype='float32').reshape(2, 3, 4)
    np.testing.assert_array_equal(
        tf.gather(p, [[3, 0], [1, 1]], axis=2, batch_dims=1),
        [[[3, 0], [7, 4], [11, 8]], [[13, 13], [17, 17], [21, 21]]])
    np.testing.assert_array_equal(
        tf.gather(p, [[2, 0], [1, 1]], batch_dims=1),
        [[[8, 9, 10, 11], [0, 1, 2, 3]],
         [[16, 17, 18, 19], [16, 17, 18, 19]]])
    np.testing.assert_array_equal(
        tf.gather_nd(p, [[[2, 3], [0, 1]], [[1, 0], [0, 0]]], batch_dims=1),
        [[11, 1], [16, 12]])


def test_sparse_softmax_eye_and_slices():
    # TensorFlow 2.21.
    sp = tf.sparse.SparseTensor(np.stack([ROWS, COLS], 1), A_VAL[0] * 10,
                                [N, N])
    np.testing.assert_allclose(
        tf.sparse.softmax(sp).values,
        [0.26894143, 0.7310586, 0.26894143, 0.7310586, 1.0, 0.26894143,
         0.7310586], rtol=1e-6)
    np.testing.assert_array_equal(tf.sparse.to_dense(tf.sparse.eye(2, 3)),
                                  [[1, 0, 0], [0, 1, 0]])
    rows = [(np.asarray(e.indices).ravel().tolist(),
             np.asarray(e.values).tolist())
            for e in tf.data.Dataset.from_tensor_slices(sp)]
    assert rows == [([0, 1], [1., 2.]), ([0, 1], [3., 4.]), ([2], [5.]),
                    ([2, 3], [6., 7.])]


def test_nextafter_and_matvec():
    # TensorFlow 2.21: nextafter(1, 0) is float32 0.99999994.
    value = tf.math.nextafter(1, 0)
    assert value.dtype == tf.float32
    assert float(value) == float(np.nextafter(np.float32(1), np.float32(0)))
    np.testing.assert_allclose(tf.linalg.matvec(FEATS, KERNEL[:, 0]),
                               [[0.2, 0.11, 0.02, -0.07]], atol=1e-6)


class Relational(Layer):
    """RGCN's weights: a list of weights of one name."""

    def build(self, input_shape):
        self.relational_kernels = [
            self.add_weight(name='relational_kernels',
                            shape=(int(input_shape[-1]), 2))
            for _ in range(2)]
        self.self_kernel = self.add_weight(name='self_kernel',
                                           shape=(int(input_shape[-1]), 2))

    def call(self, x):
        return K.dot(x, self.self_kernel) + \
            K.dot(x, self.relational_kernels[0]) - \
            K.dot(x, self.relational_kernels[1])


def test_a_list_of_weights_of_one_name(tf_keras):
    # tf_keras 2.21: three trainable weights, both named
    # 'relational/relational_kernels:0'; the losses below.
    inputs = Input((3,))
    layer = Relational()
    model = keras.models.Model(inputs, layer(inputs))
    assert [w.name for w in layer.weights] == [
        'relational/relational_kernels:0', 'relational/relational_kernels:0',
        'relational/self_kernel:0']
    assert len(layer.trainable_weights) == 3
    model.set_weights([KERNEL, KERNEL * 2, -KERNEL])
    model.compile(keras.optimizers.SGD(0.1), 'mse')
    history = model.fit(FEATS[0], np.ones((N, 2), 'float32'), epochs=2,
                        batch_size=2, verbose=0, shuffle=False)
    np.testing.assert_allclose(history.history['loss'],
                               [1.4855541, 1.42218447], rtol=1e-5)


def test_node_ids_for_a_rank_one_input(tf_keras):
    # tf_keras 2.21 (Watch-your-step's `Input(batch_shape=(None,))`): 1-D
    # ids stay 1-D; output_shape (None, 1) and the losses below.
    rows = Input(batch_shape=(None,), dtype='int64')
    embedded = Embedding(5, 2, embeddings_initializer='ones')(rows)
    model = keras.models.Model(rows, Dense(1, kernel_initializer='ones')(
        embedded))
    assert tuple(model.output_shape) == (None, 1)
    model.compile(keras.optimizers.SGD(0.1), 'mse')
    history = model.fit(np.array([0, 1, 2, 3]), np.array([1., 2., 3., 4.]),
                        epochs=2, batch_size=2, verbose=0, shuffle=False)
    np.testing.assert_allclose(history.history['loss'],
                               [1.99500024, 1.36258399], rtol=1e-5)
    assert model.predict(np.array([4, 0]), verbose=0).shape == (2, 1)


def test_logits_loss_function_given_to_compile(tf_keras):
    # tf_keras 2.21: compile(loss=tf.nn.sigmoid_cross_entropy_with_logits)
    # (Deep Graph Infomax) calls it as loss(y_true, y_pred).
    inputs = Input((3,))
    model = keras.models.Model(inputs, Dense(1, kernel_initializer='ones')(
        inputs))
    model.compile(keras.optimizers.SGD(0.1),
                  loss=tf.nn.sigmoid_cross_entropy_with_logits)
    history = model.fit(FEATS[0], np.array([[1.], [0.], [1.], [0.]]),
                        epochs=2, batch_size=2, verbose=0, shuffle=False)
    np.testing.assert_allclose(history.history['loss'],
                               [1.03780687, 1.02406001], rtol=1e-5)


def test_sequence_first_batch_is_read_once_more(tf_keras):
    # tf_keras 2.21 reads batch 0 once more when it starts reading a
    # Sequence (a sampling Sequence, GraphSAGE's, draws for it).
    log = []

    class Reads(keras.utils.Sequence):
        def __init__(self, tag):
            self.tag = tag

        def __len__(self):
            return 2

        def __getitem__(self, i):
            log.append('%s%d' % (self.tag, i))
            return np.full((2, 3), i, 'float32'), np.ones((2, 1), 'float32')

        def on_epoch_end(self):
            log.append(self.tag + 'end')

    inputs = Input((3,))
    model = keras.models.Model(inputs, Dense(1)(inputs))
    model.compile('sgd', 'mse')
    model.fit(Reads('t'), epochs=2, verbose=0, shuffle=False)
    assert log == ['t0', 't0', 't1', 'tend', 't0', 't1', 'tend']
    del log[:]
    model.predict(Reads('p'), verbose=0)
    assert log == ['p0', 'p0', 'p1', 'pend']
    del log[:]
    model.evaluate(Reads('e'), verbose=0)
    assert log == ['e0', 'e0', 'e1', 'eend']


def test_unseeded_initializers_draw_from_python_random(tf_keras):
    # tf_keras 2.21: each unseeded random initializer draws one seed from
    # Python's `random` at its first call; seeded ones and zeros do not.
    random.seed(0)
    inputs = Input((3,))
    keras.models.Model(inputs, Dense(2)(Dense(2, kernel_initializer='zeros')(
        inputs)))
    init = keras.initializers.RandomNormal()
    init((2, 2))
    init((2, 2))
    keras.initializers.RandomNormal(seed=3)((2, 2))
    assert random.random() == 0.7579544029403025


def test_initializers_get_none(tf_keras):
    # tf_keras 2.21: initializers.get(None) is None.
    assert keras.initializers.get(None) is None


def test_missing_module_function_in_call_raises(tf_keras):
    # tf_keras 2.21 raises the AttributeError from the call on graph
    # tensors.
    class Missing(Layer):
        def call(self, inputs):
            return tf.linalg.no_such_function(inputs[0], inputs[1])

    with pytest.raises(AttributeError, match='no_such_function'):
        Missing()([Input((3,)), Input((3,))])
