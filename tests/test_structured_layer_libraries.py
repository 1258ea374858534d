"""Idioms of structured-prediction and graph layer libraries written for
tf.keras 2.x: tensorflow_addons' linear-chain CRF (forward algorithm with
tf.scan, flattened gathers built with `offsets += ...`, Viterbi decoding
with an AbstractRNNCell under a mask and tf.reverse_sequence), a CRF layer
returning [tags, potentials, lengths, transitions] while its
`compute_output_shape` gives one shape, a subclassed model that refuses
all-padding input, and spektral's single-mode convolutions on a
tf.SparseTensor adjacency (tf.repeat, tf.ensure_shape). Expected values
are tf_keras 2.21's, obtained by running the same code there."""
import os
import subprocess
import sys

import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common


@pytest.fixture
def tf_keras():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


X = np.array([
    [[1.76, 0.40, 0.98, 2.24], [1.87, -0.98, 0.95, -0.15],
     [-0.10, 0.41, 0.14, 1.45], [0.76, 0.12, 0.44, 0.33],
     [1.49, -0.21, 0.31, -0.85]],
    [[-2.55, 0.65, 0.86, -0.74], [2.27, -1.45, 0.05, -0.19],
     [1.53, 1.47, 0.15, 0.38], [-0.89, -1.98, -0.35, 0.16],
     [1.23, 1.20, -0.39, -0.30]],
    [[-1.05, -1.42, -1.71, 1.95], [-0.51, -0.44, -1.25, 0.78],
     [-1.61, -0.21, -0.90, 0.39], [-0.51, -1.18, -0.03, 0.43],
     [0.07, 0.30, -0.63, -0.36]]], dtype='float32')
TAGS = np.array([[3, 3, 2, 1, 2], [2, 3, 2, 3, 3], [2, 2, 3, 0, 1]],
                dtype='int32')
LENS = np.array([5, 3, 1], dtype='int32')
TRANS = np.array([[0.85, 0.02, 0.43, 1.00], [-0.49, 0.71, 1.11, -2.15],
                  [-0.42, -1.07, 0.22, -1.12], [-1.05, 1.01, 1.54, -0.40]],
                 dtype='float32')


def crf_log_norm(inputs, lengths, trans):
    first = tf.squeeze(tf.slice(inputs, [0, 0, 0], [-1, 1, -1]), [1])
    rest = tf.transpose(tf.slice(inputs, [0, 1, 0], [-1, -1, -1]),
                        [1, 0, 2])
    trans = tf.expand_dims(trans, 0)

    def step(state, x):
        return x + tf.reduce_logsumexp(tf.expand_dims(state, 2) + trans, [1])
    alphas = tf.transpose(tf.scan(step, rest, first), [1, 0, 2])
    alphas = tf.concat([tf.expand_dims(first, 1), alphas], 1)
    last = tf.maximum(tf.constant(0, dtype=lengths.dtype), lengths - 1)
    idx = tf.stack([tf.range(tf.shape(last)[0]), last], axis=1)
    return tf.reduce_logsumexp(tf.gather_nd(alphas, idx), [1])


def crf_unary(tags, lengths, inputs):
    b, t, n = tf.shape(inputs)[0], tf.shape(inputs)[1], tf.shape(inputs)[2]
    offsets = tf.expand_dims(tf.range(b) * t * n, 1)
    offsets += tf.expand_dims(tf.range(t) * n, 0)
    flat = tf.reshape(offsets + tags, [-1])
    scores = tf.reshape(tf.gather(tf.reshape(inputs, [-1]), flat), [b, t])
    masks = tf.sequence_mask(lengths, maxlen=tf.shape(tags)[1],
                             dtype=scores.dtype)
    return tf.reduce_sum(scores * masks, 1)


def _decode_cell_class():
    class DecodeCell(tf.keras.layers.AbstractRNNCell):
        def __init__(self, trans, **kwargs):
            super().__init__(**kwargs)
            self._trans = tf.expand_dims(trans, 0)
            self._n = trans.shape[0]

        @property
        def state_size(self):
            return self._n

        @property
        def output_size(self):
            return self._n

        def call(self, inputs, state):
            scores = tf.expand_dims(state[0], 2) + self._trans
            return (tf.cast(tf.argmax(scores, 1), tf.int32),
                    inputs + tf.reduce_max(scores, [1]))
    return DecodeCell


def crf_decode(pots, trans, lengths):
    init = tf.squeeze(tf.slice(pots, [0, 0, 0], [-1, 1, -1]), axis=[1])
    rest = tf.slice(pots, [0, 1, 0], [-1, -1, -1])
    less1 = tf.maximum(tf.constant(0, dtype=tf.int32), lengths - 1)
    mask = tf.sequence_mask(less1, tf.shape(rest)[1])
    rnn = tf.keras.layers.RNN(_decode_cell_class()(trans),
                              return_sequences=True, return_state=True,
                              zero_output_for_mask=True)
    bp, last = rnn(rest, init, mask=mask)
    bp = tf.reverse_sequence(bp, less1, seq_axis=1)
    first = tf.expand_dims(tf.cast(tf.argmax(last, axis=1), tf.int32), -1)

    def back(state, x):
        state = tf.squeeze(state, axis=[1])
        idx = tf.stack([tf.range(tf.shape(x)[0]), state], axis=1)
        return tf.expand_dims(tf.gather_nd(x, idx), axis=-1)
    tags = tf.transpose(tf.scan(back, tf.transpose(bp, [1, 0, 2]), first),
                        [1, 0, 2])
    tags = tf.concat([first, tf.squeeze(tags, axis=[2])], axis=1)
    return tf.reverse_sequence(tags, lengths, seq_axis=1), \
        tf.reduce_max(last, axis=1)


def test_crf_forward_algorithm_scores_and_gradient(tf_keras):
    @tf.function
    def scores(x):
        return crf_log_norm(x, tf.constant(LENS), tf.constant(TRANS)), \
            crf_unary(tf.constant(TAGS), tf.constant(LENS), x)
    log_norm, unary = scores(tf.constant(X))
    # tf_keras 2.21 / TensorFlow 2.21.
    np.testing.assert_allclose(
        log_norm.numpy(), [12.408469200134277, 6.617103576660156,
                           2.0542781352996826], rtol=1e-5)
    np.testing.assert_allclose(
        unary.numpy(), [2.6599998474121094, 0.8200000524520874,
                        -1.7100000381469727], rtol=1e-5)
    v = tf.Variable(X)
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(scores(v)[0])
    grad = tape.gradient(total, v)
    np.testing.assert_allclose(grad.numpy()[0], [
        [0.582597, 0.050351, 0.078523, 0.288529],
        [0.733475, 0.024303, 0.181230, 0.060992],
        [0.204889, 0.104333, 0.093740, 0.597039],
        [0.269298, 0.244631, 0.341718, 0.144352],
        [0.490486, 0.112246, 0.360778, 0.036491]], atol=1e-5)


def test_crf_viterbi_decode_with_masked_rnn_cell(tf_keras):
    tags, best = crf_decode(tf.constant(X), tf.constant(TRANS),
                            tf.constant(LENS))
    # tf_keras 2.21 / TensorFlow 2.21.
    assert tags.numpy().tolist() == [[0, 0, 3, 2, 0], [2, 0, 0, 0, 0],
                                     [3, 0, 0, 0, 0]]
    np.testing.assert_allclose(best.numpy(), [9.98, 5.09, 1.95], rtol=1e-5)


def test_eager_augmented_assignment_rebinds_in_keras_programs():
    # TensorFlow tensors are immutable: `offsets += row` at the top level
    # of a program makes a broadcast (3, 5) tensor and leaves the alias
    # alone; parameters keep torch's in-place update.
    code = (
        'import keras_compat\n'
        'keras_compat.install_as_keras()\n'
        'import tensorflow as tf, torch\n'
        'offsets = tf.expand_dims(tf.range(3) * 20, 1)\n'
        'alias = offsets\n'
        'offsets += tf.expand_dims(tf.range(5) * 4, 0)\n'
        'print(offsets.numpy().tolist(), alias.numpy().ravel().tolist())\n'
        'p = torch.nn.Parameter(torch.zeros(2))\n'
        'with torch.no_grad():\n'
        '    p += 1\n'
        'print(p.tolist())\n')
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[-2] == str([[0, 4, 8, 12, 16], [20, 24, 28, 32, 36],
                             [40, 44, 48, 52, 56]]) + ' [0, 20, 40]'
    assert lines[-1] == '[1.0, 1.0]'


def test_layer_returning_several_tensors_with_one_output_shape(tf_keras):
    class Tagger(tf.keras.layers.Layer):
        def build(self, input_shape):
            self.chain = self.add_weight(name='chain', shape=(3, 3),
                                         initializer='ones')

        def call(self, x):
            return [tf.argmax(x, -1, output_type=tf.int32), x * 2.,
                    tf.reduce_sum(x, [1, 2]), self.chain]

        def compute_output_shape(self, input_shape):
            return input_shape[:2]

    inp = tf.keras.Input(shape=(4, 3))
    outs = Tagger()(inp)
    # tf_keras 2.21 traces `call`: four tensors.
    assert len(outs) == 4
    assert [tuple(o.shape) for o in outs[:3]] == [(None, 4), (None, 4, 3),
                                                  (None,)]
    model = tf.keras.Model(inp, outs)
    x = np.arange(24, dtype='float32').reshape(2, 4, 3) % 5
    tags, doubled, sums, chain = model(x)
    assert np.asarray(tags).tolist() == [[2, 1, 2, 0], [2, 2, 1, 2]]
    assert np.asarray(sums).tolist() == [21.0, 25.0]
    assert tuple(chain.shape) == (3, 3)


def test_subclassed_model_is_built_by_its_first_call(tf_keras):
    class Refuses(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.d = tf.keras.layers.Dense(2, kernel_initializer='ones')

        def call(self, x):
            if not bool(tf.reduce_any(x != 0)):
                raise NotImplementedError('all padding')
            return self.d(x)
    out = Refuses()(np.array([[1., 2.]], 'float32'))
    assert K.eval(out).tolist() == [[3.0, 3.0]]     # tf_keras 2.21


def test_sparse_adjacency_input_in_single_mode(tf_keras):
    class Prop(tf.keras.layers.Layer):
        def build(self, input_shape):
            self.k = self.add_weight(
                name='k', shape=(input_shape[0][-1], 2),
                initializer=tf.keras.initializers.Constant(0.5))

        def call(self, inputs):
            x, a = inputs
            return tf.sparse.sparse_dense_matmul(a, tf.matmul(x, self.k))
    x_in = tf.keras.Input(shape=(3,))
    a_in = tf.keras.Input(shape=(None,), sparse=True)
    h = Prop()([x_in, a_in])
    assert tuple(h.shape) == (None, 2)
    model = tf.keras.Model([x_in, a_in], h)
    x = np.arange(12, dtype='float32').reshape(4, 3) / 10.
    a = tf.SparseTensor([[0, 1], [1, 0], [2, 3], [3, 3]], [1., 2., 3., 4.],
                        [4, 4])
    # tf_keras 2.21.
    np.testing.assert_allclose(K.eval(model([x, a])),
                               [[0.6, 0.6], [0.3, 0.3], [4.5, 4.5],
                                [6.0, 6.0]], rtol=1e-6)


def test_repeat_and_ensure_shape():
    # TensorFlow 2.21's values (spektral's add_self_loops_indices).
    assert tf.repeat([[1, 2], [3, 4]], [1, 2], axis=0).numpy().tolist() \
        == [[1, 2], [3, 4], [3, 4]]
    assert tf.repeat([1, 2], 2).numpy().tolist() == [1, 1, 2, 2]
    assert tf.repeat(tf.constant([[1, 2]]), 2, -1).numpy().tolist() == \
        [[1, 1, 2, 2]]
    row = tf.constant([0, 1, 1])
    assert tf.ensure_shape(row != 0, row.shape).numpy().tolist() == \
        [False, True, True]
    assert tuple(tf.ensure_shape(tf.zeros((2, 3)), [None, 3]).shape) == \
        (2, 3)
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.ensure_shape(tf.zeros((2, 3)), [2, 4])
