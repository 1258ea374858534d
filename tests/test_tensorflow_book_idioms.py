"""TensorFlow 2 idioms of the tf.keras books and tutorials (custom training
loops, tf.nn operations, tf.data pipelines) on keras_compat's TensorFlow
stand-in. Reference values were computed with TensorFlow 2.21 + tf_keras
(TF_USE_LEGACY_KERAS=1) running the same code."""
import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common


def _floats(values):
    return [None if v is None else float(v) for v in values]


def test_tape_gives_none_for_unwatched_constants_and_sums_target_lists():
    w1, w2 = tf.Variable(5.), tf.Variable(3.)
    c1, c2 = tf.constant(5.), tf.constant(3.)

    def f(a, b):
        return 3 * a ** 2 + 2 * a * b

    with tf.GradientTape() as tape:
        z = f(c1, c2)
    assert tape.gradient(z, [c1, c2]) == [None, None]
    with tf.GradientTape() as tape:
        z = f(w1, c2)
    assert _floats(tape.gradient(z, [w1, c2])) == [36.0, None]
    with tf.GradientTape() as tape:
        targets = [f(w1, w2 + 2.), f(w1, w2 + 5.), f(w1, w2 + 7.)]
    assert _floats(tape.gradient(targets, [w1, w2])) == [136.0, 30.0]
    with tf.GradientTape() as tape:
        y = w1 * 2
    zero = tf.UnconnectedGradients.ZERO
    assert _floats(tape.gradient(y, {'a': w1, 'b': w2},
                                 unconnected_gradients=zero).values()) \
        == [2.0, 0.0]


def test_tape_hessians_jacobian_and_output_gradients():
    w1, w2 = tf.Variable(5.), tf.Variable(3.)
    with tf.GradientTape(persistent=True) as hessian_tape:
        with tf.GradientTape() as jacobian_tape:
            z = 3 * w1 ** 2 + 2 * w1 * w2
        jacobians = jacobian_tape.gradient(z, [w1, w2])
    hessians = [hessian_tape.gradient(j, [w1, w2]) for j in jacobians]
    # (TensorFlow: [[6.0, 2.0], [2.0, None]].)
    assert [_floats(row) for row in hessians] == [[6.0, 2.0], [2.0, None]]

    x = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        y = tf.stack([x[0] * x[1], x[2] ** 2])
    assert tape.jacobian(y, x).tolist() == [[2.0, 1.0, 0.0], [0.0, 0.0, 6.0]]
    with tf.GradientTape() as tape:
        y = x * 3
    assert tape.gradient(y, x, output_gradients=tf.constant(
        [1.0, 10.0, 0.0])).tolist() == [3.0, 30.0, 0.0]


def test_custom_gradient_is_used_by_the_tape():
    @tf.custom_gradient
    def better_softplus(z):
        exp = tf.exp(z)

        def gradients(grad):
            return grad / (1 + 1 / exp)
        return tf.math.log(exp + 1), gradients

    x = tf.Variable([100.])
    with tf.GradientTape() as tape:
        z = better_softplus(x)
    # TensorFlow: value inf, gradient 1 (the plain formula gives nan).
    assert np.isinf(float(z[0]))
    assert tape.gradient(z, [x])[0].tolist() == [1.0]


def test_sliced_assign_and_scatter_nd_update_write_the_variable():
    v = tf.Variable([[1., 2., 3.], [4., 5., 6.]])
    v.assign(2 * v)
    v[0, 1].assign(42)
    v[:, 2].assign([0., 1.])
    v.scatter_nd_update(indices=[[0, 0], [1, 2]], updates=[100., 200.])
    assert v.numpy().tolist() == [[100., 42., 0.], [8., 10., 200.]]


def test_local_response_normalization_and_depthwise_conv2d():
    x = tf.constant(np.arange(14, dtype='float32').reshape(1, 1, 2, 7) / 4)
    lrn = tf.nn.local_response_normalization(x, depth_radius=2, bias=1,
                                             alpha=0.02, beta=0.75)
    np.testing.assert_allclose(
        lrn.numpy().ravel()[[1, 6, 7, 13]],
        [0.246768, 1.4001, 1.487016, 2.348089], rtol=1e-5)
    np.testing.assert_allclose(
        tf.nn.lrn(x).numpy().ravel()[[1, 6, 7, 13]],
        [0.096674, 0.580042, 0.29192, 0.493118], rtol=1e-5)
    image = tf.constant(np.arange(32, dtype='float32').reshape(1, 4, 4, 2)
                        / 10)
    kernel = tf.constant(np.arange(18, dtype='float32').reshape(3, 3, 2, 1)
                         / 10 - 0.8)
    out = tf.nn.depthwise_conv2d(image, kernel, strides=[1, 1, 1, 1],
                                 padding='SAME')
    np.testing.assert_allclose(out.numpy().ravel()[[0, 1, 9, 31]],
                               [1.32, 1.72, 3.18, -2.6], rtol=1e-5)


def _listed(dataset):
    return [np.asarray(e).tolist() if not isinstance(e, tuple) else
            tuple(np.asarray(c).tolist() for c in e) for e in dataset]


def test_window_flat_map_gives_the_char_rnn_windows():
    windows = tf.data.Dataset.range(10).window(5, shift=1,
                                               drop_remainder=True)
    batches = windows.flat_map(lambda window: window.batch(5))
    assert _listed(batches)[:2] == [[0, 1, 2, 3, 4], [1, 2, 3, 4, 5]]
    assert len(_listed(batches)) == 6
    strided = tf.data.Dataset.range(12).window(4, shift=3, stride=2)
    assert _listed(strided.flat_map(lambda w: w.batch(4))) == \
        [[0, 2, 4, 6], [3, 5, 7, 9], [6, 8, 10], [9, 11]]
    pairs = tf.data.Dataset.from_tensor_slices(
        (np.arange(6), np.arange(6) * 10)).window(3)
    zipped = pairs.flat_map(lambda a, b: tf.data.Dataset.zip(
        (a.batch(3), b.batch(3))))
    assert _listed(zipped) == [([0, 1, 2], [0, 10, 20]),
                               ([3, 4, 5], [30, 40, 50])]


def test_padded_batch_and_element_spec():
    ragged = tf.data.Dataset.range(1, 6).map(lambda x: tf.fill([x], x))
    assert _listed(ragged.padded_batch(2)) == \
        [[[1, 0], [2, 2]], [[3, 3, 3, 0], [4, 4, 4, 4]], [[5, 5, 5, 5, 5]]]
    assert _listed(ragged.padded_batch(
        2, padded_shapes=[6], padding_values=-1))[2] == \
        [[5, 5, 5, 5, 5, -1]]
    assert repr(tf.data.Dataset.range(3).element_spec) == \
        'TensorSpec(shape=(), dtype=tf.int64, name=None)'
    pairs = tf.data.Dataset.from_tensor_slices(
        (np.zeros((4, 3), 'float32'), np.zeros(4, 'int64'))).batch(2)
    assert pairs.element_spec == (tf.TensorSpec((None, 3), tf.float32),
                                  tf.TensorSpec((None,), tf.int64))
    assert ragged.element_spec == tf.TensorSpec((None,), tf.int64)


def test_interleave_order_and_endless_batches():
    interleaved = tf.data.Dataset.range(7).interleave(
        lambda x: tf.data.Dataset.range(x % 3 + 1).map(
            lambda y: x * 10 + y), cycle_length=2, block_length=2)
    assert _listed(interleaved) == [0, 10, 11, 20, 21, 22, 30, 40, 41, 50,
                                    51, 52, 60]
    endless = tf.data.Dataset.range(10).repeat().batch(7).take(3)
    assert _listed(endless) == [[0, 1, 2, 3, 4, 5, 6], [7, 8, 9, 0, 1, 2, 3],
                                [4, 5, 6, 7, 8, 9, 0]]


def test_csv_files_read_with_text_lines_and_decode_csv(tmp_path):
    for i in range(2):
        (tmp_path / ('part_%d.csv' % i)).write_text(
            'a,b,target\n%d.5,2,7\n%d.25,,8\n' % (i, i))
    files = tf.data.Dataset.list_files(str(tmp_path / 'part_*.csv'),
                                       shuffle=False)
    lines = files.interleave(
        lambda path: tf.data.TextLineDataset(path).skip(1), cycle_length=2)
    assert [line.numpy() for line in lines] == \
        [b'0.5,2,7', b'1.5,2,7', b'0.25,,8', b'1.25,,8']

    def parse(line):
        fields = tf.io.decode_csv(line, record_defaults=[
            0., 5., tf.constant([], dtype=tf.float32)])
        return tf.stack(fields[:-1]), tf.stack(fields[-1:])
    x, y = next(iter(lines.skip(2).map(parse).batch(2)))
    assert x.tolist() == [[0.25, 5.0], [1.25, 5.0]]
    assert y.tolist() == [[8.0], [8.0]]


def test_decode_csv_types_defaults_and_errors():
    defaults = [0, np.nan, tf.constant(np.nan, dtype=tf.float64), 'Hello',
                tf.constant([])]
    parsed = tf.io.decode_csv(',,,,5', defaults)
    assert [p.dtype.name for p in parsed] == \
        ['int32', 'float32', 'float64', 'string', 'float32']
    assert parsed[3].numpy() == b'Hello' and float(parsed[4]) == 5.0
    assert np.isnan(float(parsed[1]))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match='Field 4 is required but missing in record 0!'):
        tf.io.decode_csv(',,,,', defaults)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match='Expect 5 fields but have 7 in record 0'):
        tf.io.decode_csv('1,2,3,4,5,6,7', defaults)
    batch = tf.io.decode_csv(tf.constant(['1,a', '2,"b,c"']), [[0], ['']])
    assert batch[0].tolist() == [1, 2]
    assert list(batch[1]) == [b'a', b'b,c']


def test_tensor_and_numpy_array_operators_give_tensors_of_its_dtype():
    t = tf.constant([1., 2.])
    mean = np.array([0.5, 0.5])
    scaled = (t - mean) / np.array([2., 2.], dtype='float32')
    assert isinstance(scaled, torch.Tensor)
    assert scaled.dtype == torch.float32
    assert scaled.tolist() == [0.25, 0.75]
    assert (t < np.array([2, 2])).tolist() == [True, False]


class _DenseTranspose(keras.layers.Layer):
    """Hands-On ML's tied-weights decoder layer."""

    def __init__(self, dense, activation=None, **kwargs):
        self.dense = dense
        self.activation = keras.activations.get(activation)
        super().__init__(**kwargs)

    def build(self, batch_input_shape):
        self.biases = self.add_weight(
            name='bias', shape=[self.dense.input_shape[-1]],
            initializer='zeros')
        super().build(batch_input_shape)

    def call(self, inputs):
        z = tf.matmul(inputs, self.dense.weights[0], transpose_b=True)
        return self.activation(z + self.biases)


def test_tied_weights_autoencoder_trains_as_in_tf_keras():
    # tf.keras lists a kernel reached through two layers once; a deferred
    # Sequential of layers without compute_output_shape takes the shapes
    # its graph inferred. Reference: tf_keras 2.21 on the same weights.
    common.set_api_flavour('tf.keras')
    try:
        X = np.random.RandomState(0).rand(32, 6, 6).astype('float32')
        dense_1 = keras.layers.Dense(10, activation='selu')
        dense_2 = keras.layers.Dense(5, activation='selu')
        encoder = keras.models.Sequential([
            keras.layers.Flatten(input_shape=[6, 6]), dense_1, dense_2])
        decoder = keras.models.Sequential([
            _DenseTranspose(dense_2, activation='selu'),
            _DenseTranspose(dense_1, activation='sigmoid'),
            keras.layers.Reshape([6, 6])])
        model = keras.models.Sequential([encoder, decoder])
        assert [w.shape for w in model.get_weights()] == [
            (36, 10), (10,), (10, 5), (5,), (10,), (36,)]
        model.set_weights([
            np.random.RandomState(i).randn(*w.shape).astype('float32') * .3
            for i, w in enumerate(model.get_weights())])
        assert len(model.trainable_weights) == 6
        model.compile(loss='binary_crossentropy', metrics=['mse'],
                      optimizer=keras.optimizers.SGD(learning_rate=1.5))
        history = model.fit(X, X, epochs=3, batch_size=8, verbose=0,
                            shuffle=False, validation_data=(X[:8], X[:8]))
        np.testing.assert_allclose(history.history['loss'],
                                   [0.70099, 0.68637, 0.67957], atol=2e-5)
        np.testing.assert_allclose(history.history['val_mse'],
                                   [0.07646, 0.0742, 0.07241], atol=2e-5)
        np.testing.assert_allclose(model.get_weights()[0][:2, :3],
                                   [[0.55658, 0.10904, 0.25417],
                                    [0.02989, 0.45254, 0.19184]], atol=2e-5)
    finally:
        common.set_api_flavour('keras')


class _AsListShape(keras.layers.Layer):
    def call(self, inputs):
        return inputs[:, :2]

    def compute_output_shape(self, batch_input_shape):
        return tf.TensorShape(batch_input_shape.as_list()[:-1] + [2])


def test_compute_output_shape_gets_a_tensor_shape():
    # Hands-On ML's layers call `batch_input_shape.as_list()` there.
    inputs = keras.Input((5,))
    assert keras.Model(inputs, _AsListShape()(inputs)).output_shape == \
        (None, 2)


@pytest.mark.parametrize('batch_first,losses', [
    (False, [1.29674, 0.87335, 0.20898, 0.08885]),
    (True, [1.29674, 1.24844, 0.06321, 0.14656])])
def test_endless_dataset_goes_on_across_epochs(batch_first, losses):
    # fit(ds.repeat(), steps_per_epoch=2) keeps reading where the last
    # epoch stopped (tf_keras 2.21's losses).
    common.set_api_flavour('tf.keras')
    try:
        X = np.arange(10, dtype='float32').reshape(10, 1) / 10
        ds = tf.data.Dataset.from_tensor_slices((X, X * 2 + 1))
        ds = ds.batch(3).repeat() if batch_first else ds.repeat().batch(3)
        model = keras.models.Sequential([keras.layers.Dense(
            1, input_shape=[1], kernel_initializer='ones')])
        model.compile(loss='mse', optimizer=keras.optimizers.SGD(0.1))
        history = model.fit(ds, steps_per_epoch=2, epochs=4, verbose=0)
        np.testing.assert_allclose(history.history['loss'], losses,
                                   atol=2e-5)
    finally:
        common.set_api_flavour('keras')


def test_symbolic_dtypes_answer_tensorflow_dtype_attributes():
    # tf.keras code reads `inputs.dtype.name` / `.is_floating` on Keras
    # tensors; Keras 2 code compares them with strings.
    x = keras.Input((3,))
    i = keras.Input((3,), dtype='int32')
    assert x.dtype == 'float32' and x.dtype == tf.float32
    assert x.dtype.name == 'float32' and x.dtype.is_floating
    assert i.dtype.is_integer and not i.dtype.is_floating
    assert i.dtype.as_numpy_dtype is np.int32
    assert keras.backend.dtype(x) == 'float32'
