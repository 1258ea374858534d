"""`tf.control_dependencies` and assign ops read as tensors in TensorFlow
1 graph programs: a run of a tensor or operation made inside a block runs
the block's operations first, once per run, and an assign op used in
arithmetic reads as the variable's new value, its assignment made once
per run. Reference values come from tf_keras 2.21 / TensorFlow 2.21 after
`tf.compat.v1.disable_eager_execution()`."""
import numpy as np

from keras_compat import backend as K
from keras_compat import tensorflow_compat as tf

tf1 = tf.compat.v1


def _close(actual, expected):
    np.testing.assert_allclose(np.asarray(actual, 'float64'), expected,
                               atol=1e-5)


def test_tensors_made_in_a_block_run_its_assignments_first(graph_mode):
    sess = K.get_session()
    v = tf1.Variable(1.0)
    w = tf1.Variable(10.0)
    with tf1.control_dependencies([tf1.assign_add(v, 1.0)]):
        y = tf.identity(w)
        z = w + 0
        t = tf.add(v, 0.0)
        noop = tf.no_op()
    # tf_keras 2.21, graph mode.
    _close(sess.run(y), 10.)
    _close(sess.run(v), 2.)
    _close(sess.run(z), 10.)
    _close(sess.run(v), 3.)
    _close(sess.run(t), 4.)
    sess.run(noop)
    _close(sess.run(v), 5.)
    _close(sess.run([y, z]), [10., 10.])
    _close(sess.run(v), 6.)
    K.function([], [y])([])
    _close(sess.run(v), 7.)
    K.function([], [w], updates=[noop])([])
    _close(sess.run(v), 8.)


def test_nested_blocks(graph_mode):
    sess = K.get_session()
    a = tf1.Variable(0.0)
    b = tf1.Variable(0.0)
    with tf1.control_dependencies([tf1.assign_add(a, 1.0)]):
        with tf1.control_dependencies([tf1.assign_add(b, 2.0)]):
            s = a + b
    # tf_keras 2.21, graph mode.
    _close(sess.run(s), 3.)
    _close(sess.run([a, b]), [1., 2.])


def test_assign_ops_read_as_the_new_value_once_per_run(graph_mode):
    # The moment update of a raw-TensorFlow Adam-like optimizer.
    sess = K.get_session()
    m = tf1.Variable([1.0, 2.0])
    x = tf1.placeholder(tf.float32, (2,))
    m_t = tf1.assign(m, 0.9 * m + 0.1 * x)
    u = m_t * 2
    r = tf.sqrt(m_t)
    # tf_keras 2.21, graph mode.
    _close(sess.run(u, {x: [1., 1.]}), [2.0, 3.8])
    _close(sess.run(m), [1.0, 1.9])
    out_u, out_r = sess.run([u, r], {x: [3., 3.]})
    _close(out_u, [2.4, 4.02])
    _close(out_r, [1.09545, 1.41774])
    _close(sess.run(m), [1.2, 2.01])
    var = tf1.Variable([5.0, 6.0])
    update = tf1.assign_sub(var, 0.1 * m_t / (tf.sqrt(m_t) + 1.0))
    sess.run(tf.group(*[update, m_t]), {x: [2., 2.]})
    _close(sess.run(var), [4.93994, 5.91689])
    _close(sess.run(m), [1.28, 2.009])
