"""Compact forms of the TensorFlow 1 example programs most often copied
(TensorFlow's getting-started program, the MNIST tutorials, the
TensorFlow-Examples and TensorFlow-Tutorials collections): placeholders
made without a shape, TensorFlow's dtype names, ops named by `name=`,
variable scopes re-entered with `reuse=True` around `tf.layers`,
`tf.contrib.layers.flatten`, indices computed from fed sequence lengths.
Expected numbers are those of TensorFlow 2.21 in TF1 graph mode
(`tensorflow.compat.v1` with `disable_v2_behavior()`)."""
import numpy as np
import pytest

from keras_compat import aliasing
from keras_compat import backend as K
from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common


@pytest.fixture(autouse=True)
def fresh_graph():
    K.clear_session()
    yield
    common.set_api_flavour('keras')
    K.clear_session()


def test_getting_started_fits_a_line_with_variables_only():
    np.random.seed(0)
    x_data = np.random.rand(100).astype(np.float32)
    y_data = x_data * 0.1 + 0.3
    W = tf.Variable(tf.random_uniform([1], -1.0, 1.0, seed=1))
    b = tf.Variable(tf.zeros([1]))
    loss = tf.reduce_mean(tf.square(W * x_data + b - y_data))
    train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    sess.run(W.assign([0.7]))
    for _ in range(21):
        sess.run(train)
    # TensorFlow 2.21: W [0.2393055], b [0.22940359]
    np.testing.assert_allclose(sess.run(W), [0.2393055], rtol=1e-5)
    np.testing.assert_allclose(sess.run(b), [0.22940359], rtol=1e-5)


def test_placeholders_without_shape_take_scalars():
    a = tf.placeholder("float")
    b = tf.placeholder("float")
    y = tf.multiply(a, b)
    with tf.Session() as sess:
        # TensorFlow 2.21: 2.0 and 9.0, float32 scalars
        assert "%f" % sess.run(y, feed_dict={a: 1, b: 2}) == '2.000000'
        out = sess.run(y, feed_dict={a: 3, b: 3})
        assert np.shape(out) == () and out == 9.0
        assert np.asarray(out).dtype == np.float32


def test_placeholder_without_shape_takes_arrays():
    a = tf.placeholder("float")
    b = tf.placeholder("float")
    y = tf.multiply(a, b)
    with tf.Session() as sess:
        # TensorFlow 2.21: [[3., 6.], [4., 8.]]
        out = sess.run(y, feed_dict={a: [1., 2.], b: [[3.], [4.]]})
    np.testing.assert_array_equal(out, [[3., 6.], [4., 8.]])


def test_linear_regression_fed_one_sample_then_all():
    rng = np.random
    rng.seed(0)
    train_X = np.asarray([3.3, 4.4, 5.5, 6.71, 6.93, 4.168, 9.779, 6.182,
                          7.59, 2.167, 7.042, 10.791, 5.313, 7.997, 5.654,
                          9.27, 3.1])
    train_Y = np.asarray([1.7, 2.76, 2.09, 3.19, 1.694, 1.573, 3.366,
                          2.596, 2.53, 1.221, 2.827, 3.465, 1.65, 2.904,
                          2.42, 2.94, 1.3])
    X = tf.placeholder("float")
    Y = tf.placeholder("float")
    W = tf.Variable(rng.randn(), name="weight")
    b = tf.Variable(rng.randn(), name="bias")
    pred = tf.add(tf.multiply(X, W), b)
    cost = tf.reduce_sum(tf.pow(pred - Y, 2)) / (2 * train_X.shape[0])
    optimizer = tf.train.AdamOptimizer(learning_rate=0.01).minimize(cost)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for (x, y) in zip(train_X, train_Y):
            sess.run(optimizer, feed_dict={X: x, Y: y})
        c = sess.run(cost, feed_dict={X: train_X, Y: train_Y})
        # TensorFlow 2.21: 36.192718506 W= 1.6080154 b= 0.23320809
        np.testing.assert_allclose(c, 36.192718506, rtol=1e-5)
        np.testing.assert_allclose(sess.run(W), 1.6080154, rtol=1e-5)
        np.testing.assert_allclose(sess.run(b), 0.23320809, rtol=1e-5)
        assert sess.run(pred, feed_dict={X: train_X}).shape == (17,)


def test_tensorflow_dtype_names():
    x = tf.placeholder("float", [None, 3])
    # TensorFlow: 'float' is float32, 'double' float64, 'half' float16
    assert x.dtype == 'float32'
    assert K.dtype(K.cast(K.constant([1, 2]), 'double')) == 'float64'
    assert K.dtype(K.cast(K.constant([1, 2]), 'half')) == 'float16'


def test_ops_take_the_name_they_are_given():
    x = tf.placeholder(tf.float32, [None, 3], name='x')
    p = tf.nn.softmax(x, name='prediction')
    m = tf.matmul(x, tf.ones([3, 2]), name='mm')
    q = tf.nn.softmax(x, name='prediction')
    # TensorFlow 2.21: prediction:0 mm:0 prediction_1:0
    assert (p.name, m.name, q.name) == ('prediction:0', 'mm:0',
                                        'prediction_1:0')
    graph = tf.get_default_graph()
    assert graph.get_tensor_by_name('prediction:0') is p
    with tf.Session() as sess:
        out = sess.run('prediction:0', {'x:0': [[0., 0., np.log(2.)]]})
    np.testing.assert_allclose(out, [[0.25, 0.25, 0.5]], rtol=1e-6)


def _discriminator(x, reuse=False):
    with tf.variable_scope('Discriminator', reuse=reuse):
        x = tf.layers.dense(x, 3, kernel_initializer=tf.constant_initializer(
            np.linspace(-0.5, 0.5, 12).reshape(4, 3)))
        x = tf.nn.tanh(x)
        x = tf.layers.dense(x, 2, kernel_initializer=tf.constant_initializer(
            np.linspace(0.3, -0.4, 6).reshape(3, 2)))
    return x


def test_gan_discriminator_scope_reentered_with_reuse():
    z = tf.placeholder(tf.float32, [None, 2])
    real = tf.placeholder(tf.float32, [None, 4])
    with tf.variable_scope('Generator'):
        g = tf.nn.sigmoid(tf.layers.dense(
            z, 4, kernel_initializer=tf.constant_initializer(
                np.linspace(-1, 1, 8).reshape(2, 4))))
    d_real = _discriminator(real)
    d_fake = _discriminator(g, reuse=True)
    t = tf.placeholder(tf.int32, [None])
    d_loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
        logits=tf.concat([d_real, d_fake], 0), labels=t))
    g_loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
        logits=_discriminator(g, reuse=True),
        labels=tf.ones([2], tf.int32)))
    gv = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES,
                           scope='Generator')
    dv = tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES,
                           scope='Discriminator')
    assert [v.name for v in gv + dv] == [
        'Generator/dense/kernel:0', 'Generator/dense/bias:0',
        'Discriminator/dense/kernel:0', 'Discriminator/dense/bias:0',
        'Discriminator/dense_1/kernel:0', 'Discriminator/dense_1/bias:0']
    tg = tf.train.AdamOptimizer(0.01).minimize(g_loss, var_list=gv)
    td = tf.train.AdamOptimizer(0.01).minimize(d_loss, var_list=dv)
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    fd = {z: [[0.5, -1.0], [1.0, 0.2]],
          real: [[0.1, 0.9, 0.4, 0.3], [0.7, 0.2, 0.5, 0.8]],
          t: [1, 1, 0, 0]}
    losses = []
    for _ in range(3):
        sess.run(td, fd)
        sess.run(tg, fd)
        losses.append(sess.run([g_loss, d_loss], fd))
    # TensorFlow 2.21
    np.testing.assert_allclose(losses, [[0.6829947, 0.6939918],
                                        [0.6787021, 0.69342494],
                                        [0.6794007, 0.6928083]], rtol=1e-5)


def test_dropout_keep_probability_and_contrib_flatten():
    x = tf.placeholder(tf.float32, [None, 2, 3])
    y = tf.placeholder(tf.float32, [None, 2])
    keep_prob = tf.placeholder(tf.float32)
    h = tf.contrib.layers.flatten(x)
    W = tf.Variable(np.linspace(-1, 1, 12).reshape(6, 2).astype(np.float32))
    out = tf.nn.dropout(tf.matmul(h, W), keep_prob)
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(
        logits=out, labels=y))
    step = tf.train.RMSPropOptimizer(0.01).minimize(loss)
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    fx = np.arange(12, dtype=np.float32).reshape(2, 2, 3) / 10.
    losses = [sess.run([step, loss], {x: fx, y: [[1, 0], [0, 1]],
                                      keep_prob: 1.0})[1] for _ in range(3)]
    # TensorFlow 2.21
    np.testing.assert_allclose(losses, [0.58606327, 0.58568007, 0.5852814],
                               rtol=1e-5)
    assert h.get_shape().as_list() == [None, 6]
    np.testing.assert_allclose(sess.run(W)[0], [-1.0028248, -0.8153571],
                               rtol=1e-5)


def test_contrib_layers_initializers_and_regularizers():
    init = tf.contrib.layers.xavier_initializer(seed=1)
    with tf.variable_scope('fc'):
        w = tf.get_variable('w', [20, 30], initializer=init)
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    value = sess.run(w)
    assert np.abs(value).max() <= np.sqrt(6. / 50)
    reg = tf.contrib.layers.l2_regularizer(0.5)
    # TensorFlow: 0.5 * sum(w ** 2) / 2 = 0.5 * (1 + 4) / 2
    np.testing.assert_allclose(
        sess.run(reg(tf.constant([1., 2.]))), 1.25, rtol=1e-6)


def test_contrib_modules_not_served_fail_on_import_by_name():
    for name in ('tensorflow.contrib.factorization',
                 'tensorflow.contrib.tensor_forest'):
        with pytest.raises(ModuleNotFoundError, match='tf.contrib.rnn'):
            aliasing._stand_in_submodule(name)


def test_last_relevant_output_gathered_by_sequence_length():
    seq_max_len, n_hidden = 4, 2
    outputs = tf.placeholder(tf.float32, [None, seq_max_len, n_hidden])
    seqlen = tf.placeholder(tf.int32, [None])
    batch_size = tf.shape(outputs)[0]
    index = tf.range(0, batch_size) * seq_max_len + (seqlen - 1)
    last = tf.gather(tf.reshape(outputs, [-1, n_hidden]), index)
    assert last.get_shape().as_list() == [None, n_hidden]
    values = np.arange(16, dtype=np.float32).reshape(2, 4, 2)
    with tf.Session() as sess:
        out = sess.run(last, {outputs: values, seqlen: [2, 4]})
    # TensorFlow 2.21: rows 1 and 7 of the flattened outputs
    np.testing.assert_array_equal(out, [[2., 3.], [14., 15.]])
