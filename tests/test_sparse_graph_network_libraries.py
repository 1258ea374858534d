"""The tf.SparseTensor surface graph neural network libraries written for
tf.keras (StellarGraph, spektral, GCN/GAT layers of blog code) build
adjacency matrices with: `tf.sparse.add`, `retain`, `reshape`,
`expand_dims`, `concat`, `slice`, `split`, `map_values`, `maximum`,
`minimum`, `fill_empty_rows`, the sparse reductions and segment sums,
products with dense tensors, `tf.cast`, `K.concatenate`, Dense layers and
`Input(sparse=True)` fed with SparseTensors and scipy matrices. Expected
values are TensorFlow 2.21's / tf_keras 2.21's, obtained by running the
same code there."""
import numpy as np
import pytest

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common
from keras_compat.layers import Dense, Input, Layer


@pytest.fixture
def tf_keras():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


def _sp():
    return tf.SparseTensor([[0, 1], [1, 0], [1, 2], [2, 2]],
                           [1., 2., 3., 4.], [3, 3])


def _sp2():
    return tf.sparse.SparseTensor([[0, 1], [2, 0]], [10., 20.], [3, 3])


def _parts(sp):
    return (np.asarray(sp.indices).tolist(), np.asarray(sp.values).tolist(),
            np.asarray(sp.dense_shape).tolist())


DENSE = np.arange(9, dtype='float32').reshape(3, 3)


def test_sparse_add_of_sparse_and_dense_operands():
    # TensorFlow 2.21: the union of the entries, row-major; a threshold
    # drops small sums; a dense operand gives a dense sum.
    assert _parts(tf.sparse.add(_sp(), _sp2())) == (
        [[0, 1], [1, 0], [1, 2], [2, 0], [2, 2]],
        [11., 2., 3., 20., 4.], [3, 3])
    assert _parts(tf.sparse.add(_sp(), tf.SparseTensor(
        [[0, 1]], [-0.5], [3, 3]), threshold=0.6)) == (
        [[1, 0], [1, 2], [2, 2]], [2., 3., 4.], [3, 3])
    expected = [[0., 2., 2.], [5., 4., 8.], [6., 7., 12.]]
    np.testing.assert_array_equal(tf.sparse.add(_sp(), DENSE), expected)
    np.testing.assert_array_equal(tf.sparse.add(DENSE, _sp()), expected)


def test_sparse_maximum_minimum_retain_and_map_values():
    # TensorFlow 2.21 (a missing entry counts as 0 for maximum/minimum).
    assert _parts(tf.sparse.maximum(_sp(), _sp2()))[1] == \
        [10., 2., 3., 20., 4.]
    assert _parts(tf.sparse.minimum(_sp(), _sp2())) == (
        [[0, 1], [1, 0], [1, 2], [2, 0], [2, 2]], [1., 0., 0., 0., 0.],
        [3, 3])
    assert _parts(tf.sparse.retain(_sp(), [True, False, True, False])) == (
        [[0, 1], [1, 2]], [1., 3.], [3, 3])
    assert _parts(tf.sparse.map_values(tf.multiply, _sp(), 2.))[1] == \
        [2., 4., 6., 8.]


def test_sparse_reshape_expand_dims_concat_slice_split():
    # TensorFlow 2.21.
    assert _parts(tf.sparse.reshape(_sp(), [9])) == (
        [[1], [3], [5], [8]], [1., 2., 3., 4.], [9])
    assert _parts(tf.sparse.reshape(_sp(), [-1, 1, 3]))[0] == \
        [[0, 0, 1], [1, 0, 0], [1, 0, 2], [2, 0, 2]]
    assert _parts(tf.sparse.expand_dims(_sp(), 0)) == (
        [[0, 0, 1], [0, 1, 0], [0, 1, 2], [0, 2, 2]], [1., 2., 3., 4.],
        [1, 3, 3])
    assert _parts(tf.sparse.concat(1, [_sp(), _sp2()])) == (
        [[0, 1], [0, 4], [1, 0], [1, 2], [2, 2], [2, 3]],
        [1., 10., 2., 3., 4., 20.], [3, 6])
    assert _parts(K.concatenate([_sp(), _sp2()], axis=0)) == (
        [[0, 1], [1, 0], [1, 2], [2, 2], [3, 1], [5, 0]],
        [1., 2., 3., 4., 10., 20.], [6, 3])
    assert _parts(tf.sparse.slice(_sp(), [1, 0], [2, 2])) == (
        [[0, 0]], [2.], [2, 2])
    assert _parts(tf.sparse.split(sp_input=_sp(), num_split=3,
                                  axis=0)[1]) == (
        [[0, 0], [0, 2]], [2., 3.], [1, 3])


def test_sparse_reductions_and_empty_rows():
    # TensorFlow 2.21: reduce_max takes only the stored entries.
    np.testing.assert_array_equal(tf.sparse.reduce_max(_sp(), axis=1),
                                  [1., 3., 4.])
    assert _parts(tf.sparse.reduce_sum(_sp(), axis=1,
                                       output_is_sparse=True)) == (
        [[0], [1], [2]], [1., 5., 4.], [3])
    np.testing.assert_array_equal(
        tf.sparse.reduce_sum(_sp(), axis=1, keepdims=True),
        [[1.], [5.], [4.]])
    filled, empty = tf.sparse.fill_empty_rows(
        tf.SparseTensor([[0, 0]], [5.], [2, 2]), -1.)
    assert _parts(filled) == ([[0, 0], [1, 0]], [5., -1.], [2, 2])
    assert np.asarray(empty).tolist() == [False, True]


def test_sparse_segment_reductions():
    # TensorFlow 2.21: rows `indices` of the data, summed per segment id.
    np.testing.assert_array_equal(
        tf.sparse.segment_sum(DENSE, [0, 2, 1], [0, 0, 1]),
        [[6., 8., 10.], [3., 4., 5.]])
    np.testing.assert_array_equal(
        tf.sparse.segment_mean(DENSE, [0, 2, 1], [0, 0, 1]),
        [[3., 4., 5.], [3., 4., 5.]])
    np.testing.assert_allclose(
        tf.sparse.segment_sqrt_n(DENSE, [0, 2, 1], [0, 0, 1]),
        [[4.24264, 5.656854, 7.071068], [3., 4., 5.]], rtol=1e-6)
    np.testing.assert_array_equal(
        tf.sparse.segment_sum(DENSE, [0, 2], [0, 2], num_segments=4),
        [[0., 1., 2.], [0., 0., 0.], [6., 7., 8.], [0., 0., 0.]])


def test_sparse_tensor_products_cast_and_methods():
    # TensorFlow 2.21: a SparseTensor times a dense tensor or number keeps
    # its entries; `tf.cast` casts the values.
    assert _parts(_sp() * DENSE)[1] == [1., 6., 15., 32.]
    assert _parts(_sp() * 2.)[1] == [2., 4., 6., 8.]
    assert _parts(_sp() / 2.)[1] == [0.5, 1., 1.5, 2.]
    sp = _sp()
    assert _parts(sp.with_values(sp.values * 3))[1] == [3., 6., 9., 12.]
    assert sp.get_shape().as_list() == [3, 3]
    assert _parts(tf.SparseTensor.from_value(sp)) == _parts(sp)
    cast = tf.cast(sp, tf.float64)
    assert isinstance(cast, tf.SparseTensor) and cast.dtype == tf.float64
    assert K.is_sparse(Input((3,), sparse=True))
    assert not K.is_sparse(Input((3,)))


def test_embedding_lookup_sparse():
    # TensorFlow 2.21.
    ids = tf.SparseTensor([[0, 0], [0, 1], [1, 0]],
                          np.array([0, 2, 1], 'int64'), [2, 2])
    np.testing.assert_array_equal(
        tf.nn.embedding_lookup_sparse(DENSE, ids, None, combiner='sum'),
        [[6., 8., 10.], [3., 4., 5.]])
    weights = tf.SparseTensor([[0, 0], [0, 1], [1, 0]], [1., 3., 2.],
                              [2, 2])
    np.testing.assert_array_equal(
        tf.nn.embedding_lookup_sparse(DENSE, ids, weights, combiner='mean'),
        [[4.5, 5.5, 6.5], [3., 4., 5.]])


N, F = 6, 4
K1 = np.arange(F * 2, dtype='float32').reshape(F, 2) / 7. - 0.5
ROWS = np.array([0, 1, 1, 2, 3, 4, 5, 5])
COLS = np.array([1, 0, 2, 1, 4, 3, 0, 4])
AV = np.arange(1, 9, dtype='float32') / 4.


def _data():
    rs = np.random.RandomState(0)
    x = rs.uniform(-1, 1, (N, F)).astype('float32')
    mask = rs.uniform(size=(N, F)) < 0.5
    y = rs.uniform(size=(N, 2)).astype('float32')
    return x, x * mask, y


def test_dense_layer_on_a_sparse_tensor(tf_keras):
    # tf_keras 2.21.
    _, xs, _ = _data()
    layer = Dense(2, kernel_initializer=keras.initializers.Constant(K1))
    np.testing.assert_allclose(
        K.eval(layer(tf.sparse.from_dense(xs))),
        [[-0.034133, 0.009175], [-0.071442, -0.04759],
         [-0.421988, -0.206163], [0., 0.], [0.601525, 0.665196],
         [0.194875, 0.26402]], atol=1e-5)


class EdgeOps(Layer):
    """A symmetrised, thresholded adjacency built from index/value inputs
    (StellarGraph's full-batch inputs), then mean-like propagation."""

    def call(self, inputs):
        idx, val, x = inputs
        a = tf.sparse.reorder(tf.SparseTensor(
            K.cast(K.squeeze(idx, 0), 'int64'), K.squeeze(val, 0), [N, N]))
        sym = tf.sparse.add(a, tf.sparse.transpose(a))
        kept = tf.sparse.retain(sym, sym.values > 0.6)
        flat = tf.sparse.reshape(kept, [N, N])
        deg = tf.sparse.reduce_sum(flat, axis=-1, keepdims=True)
        h = tf.sparse.sparse_dense_matmul(flat, K.squeeze(x, 0)) / (deg + 1.)
        return K.expand_dims(h, 0)


def test_adjacency_built_from_index_inputs_trains_as_in_tf_keras(tf_keras):
    # tf_keras 2.21, the same model, weights and data.
    x, _, y = _data()
    idx_in = Input(batch_shape=(1, None, 2), dtype='int64')
    val_in = Input(batch_shape=(1, None))
    x_in = Input(batch_shape=(1, N, F))
    h = EdgeOps()([idx_in, val_in, x_in])
    out = Dense(2, kernel_initializer=keras.initializers.Constant(K1))(h)
    model = keras.models.Model([idx_in, val_in, x_in], out)
    model.compile(keras.optimizers.Adam(0.1), 'mse')
    data = [np.stack([ROWS, COLS], 1)[None].astype('int64'), AV[None],
            x[None]]
    history = model.fit(data, y[None], epochs=3, verbose=0, batch_size=1)
    np.testing.assert_allclose(history.history['loss'],
                               [0.311271, 0.193989, 0.121277], atol=2e-6)
    np.testing.assert_allclose(
        model.predict(data, verbose=0)[0],
        [[0.506891, 0.331342], [0.141633, 0.182226], [0.637705, 0.359821],
         [0.696645, 0.398308], [0.231676, 0.256978], [0.529361, 0.340514]],
        atol=2e-6)


def _sparse_input_model():
    inputs = Input(shape=(F,), sparse=True)
    out = Dense(2, kernel_initializer=keras.initializers.Constant(K1),
                bias_initializer='ones')(inputs)
    model = keras.models.Model(inputs, out)
    model.compile(keras.optimizers.SGD(0.1), 'mse')
    return model


SPARSE_INPUT_PREDICTIONS = [
    [0.797985, 0.712766], [0.735897, 0.641412], [0.479023, 0.520416],
    [0.82164, 0.704687], [1.273173, 1.220689], [0.978732, 0.917588]]


def test_sparse_input_fed_a_scipy_matrix(tf_keras):
    # tf_keras 2.21: scipy data for an Input(sparse=True).
    scipy_sparse = pytest.importorskip('scipy.sparse')
    _, xs, y = _data()
    csr = scipy_sparse.csr_matrix(xs)
    model = _sparse_input_model()
    history = model.fit(csr, y, batch_size=3, epochs=2, verbose=0,
                        shuffle=False)
    np.testing.assert_allclose(history.history['loss'],
                               [0.601112, 0.407694], atol=1e-6)
    np.testing.assert_allclose(model.predict(csr, verbose=0),
                               SPARSE_INPUT_PREDICTIONS, atol=1e-6)
    assert model.evaluate(csr, y, batch_size=2, verbose=0) == \
        pytest.approx(0.297047, abs=1e-6)


def test_sparse_input_fed_a_sparse_tensor(tf_keras):
    # tf_keras 2.21: a tf.SparseTensor for an Input(sparse=True), to
    # `predict` and to the model's call.
    _, xs, y = _data()
    model = _sparse_input_model()
    model.fit(xs, y, batch_size=3, epochs=2, verbose=0, shuffle=False)
    st = tf.sparse.from_dense(xs)
    np.testing.assert_allclose(model.predict(st, batch_size=6, verbose=0),
                               SPARSE_INPUT_PREDICTIONS, atol=1e-6)
    np.testing.assert_allclose(K.eval(model(st)), SPARSE_INPUT_PREDICTIONS,
                               atol=1e-6)


class NormalizedPropagation(Layer):
    """spektral-style GCN: D^-1/2 (A + I) D^-1/2 X W with a sparse A."""

    def build(self, input_shape):
        self.kernel = self.add_weight(
            name='kernel', shape=(int(input_shape[0][-1]), 2),
            initializer=keras.initializers.Constant(K1))

    def call(self, inputs):
        x, a = inputs
        a = tf.sparse.add(a, tf.sparse.eye(tf.shape(x)[0], dtype=a.dtype))
        d = tf.pow(tf.sparse.reduce_sum(a, axis=1), -0.5)
        values = a.values * tf.gather(d, a.indices[:, 0]) * \
            tf.gather(d, a.indices[:, 1])
        a = tf.SparseTensor(a.indices, values, a.dense_shape)
        a = tf.sparse.map_values(tf.multiply, a, 0.5) * 2.0
        return tf.sparse.sparse_dense_matmul(a, K.dot(x, self.kernel))


def test_single_mode_sparse_adjacency_input_trains_as_in_tf_keras(tf_keras):
    # tf_keras 2.21: the adjacency fed as a tf.SparseTensor (and the same
    # as a scipy matrix) to an Input(sparse=True).
    x, _, y = _data()
    x_in = Input(batch_shape=(N, F))
    a_in = Input(batch_shape=(N, N), sparse=True)
    model = keras.models.Model(
        [x_in, a_in], NormalizedPropagation()([x_in, a_in]))
    model.compile(keras.optimizers.SGD(0.1), 'mse')
    a = tf.SparseTensor(np.stack([ROWS, COLS], 1), AV, [N, N])
    history = model.fit([x, a], y, batch_size=N, epochs=2, verbose=0,
                        shuffle=False)
    np.testing.assert_allclose(history.history['loss'], [0.21665, 0.21072],
                               atol=1e-6)
    np.testing.assert_allclose(
        model.predict([x, a], batch_size=N, verbose=0),
        [[-0.011845, 0.081863], [-0.005869, 0.128339],
         [-0.026541, 0.106805], [0.093157, 0.108071],
         [-0.105933, -0.122178], [0.265454, 0.453512]], atol=1e-6)
