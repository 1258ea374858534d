"""TensorFlow 1's `tf.train.Optimizer` template (`_create_slots`,
`_prepare`, `_apply_dense`, `_finish`) subclassed the way TF1 AdamW /
RAdam implementations do, trained by session runs of `minimize` /
`apply_gradients` and by Keras `compile` + `fit`. Reference values come
from TensorFlow 2.21's `tf.compat.v1.train.Optimizer` in graph mode."""
import numpy as np
import pytest

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import tensorflow_compat as tf
from keras_compat.layers import Dense
from keras_compat.models import Sequential

ops = tf.python.framework.ops
math_ops = tf.python.ops.math_ops
state_ops = tf.python.ops.state_ops

X = np.array([[1., 2.], [3., -1.], [0.5, 0.5]], 'float32')
Y = np.array([[1.], [0.], [2.]], 'float32')
# TF 2.21 graph mode, AdamWOptimizer(0.1), 3 steps.
LOSSES = [1.9541667699813843, 0.8501840233802795, 0.5121091604232788]
W = [-0.24414590001106262, 0.7663618326187134]
B = [1.2994756698608398]
M = [0.008565057069063187, -0.25692218542099]


class AdamWOptimizer(tf.train.Optimizer):
    def __init__(self, learning_rate=0.01, beta1=0.9, beta2=0.999,
                 epsilon=1e-8, weight_decay=0.01, use_locking=False,
                 name='AdamW'):
        super(AdamWOptimizer, self).__init__(use_locking, name)
        self._lr, self._beta1, self._beta2 = learning_rate, beta1, beta2
        self._epsilon, self._wd = epsilon, weight_decay

    def _prepare(self):
        self._lr_t = ops.convert_to_tensor(self._call_if_callable(self._lr),
                                           name='learning_rate')
        self._beta1_t = ops.convert_to_tensor(self._beta1, name='beta1')
        self._beta2_t = ops.convert_to_tensor(self._beta2, name='beta2')
        self._epsilon_t = ops.convert_to_tensor(self._epsilon, name='eps')
        self._wd_t = ops.convert_to_tensor(self._wd, name='wd')

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, 'm', self._name)
            self._get_or_make_slot(
                v, tf.zeros(v.get_shape(), dtype=v.dtype.base_dtype), 'v',
                self._name)

    def _apply_dense(self, grad, var):
        dtype = var.dtype.base_dtype
        lr = math_ops.cast(self._lr_t, dtype)
        b1 = math_ops.cast(self._beta1_t, dtype)
        b2 = math_ops.cast(self._beta2_t, dtype)
        eps = math_ops.cast(self._epsilon_t, dtype)
        wd = math_ops.cast(self._wd_t, dtype)
        m, v = self.get_slot(var, 'm'), self.get_slot(var, 'v')
        m_t = state_ops.assign(m, b1 * m + (1 - b1) * grad,
                               use_locking=self._use_locking)
        v_t = state_ops.assign(v, b2 * v + (1 - b2) * tf.square(grad),
                               use_locking=self._use_locking)
        var_update = state_ops.assign_sub(
            var, lr * (m_t / (tf.sqrt(v_t) + eps) + wd * var),
            use_locking=self._use_locking)
        return tf.group(*[var_update, m_t, v_t])

    def _resource_apply_dense(self, grad, var):
        return self._apply_dense(grad, var)

    def _finish(self, update_ops, name_scope):
        return tf.group(*update_ops, name=name_scope)


def _close(actual, expected):
    np.testing.assert_allclose(np.ravel(actual), expected, atol=1e-5)


def test_session_minimize_and_apply_gradients(graph_mode):
    x = tf.compat.v1.placeholder(tf.float32, (None, 2))
    y = tf.compat.v1.placeholder(tf.float32, (None, 1))
    w = tf.Variable(np.array([[0.3], [-0.2]], 'float32'), name='w')
    b = tf.Variable(np.array([0.1], 'float32'), name='b')
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))
    gs = tf.Variable(0, trainable=False, name='global_step')
    opt = AdamWOptimizer(0.1)
    train = opt.minimize(loss, global_step=gs)
    assert opt.get_slot_names() == ['m', 'v']
    assert opt.get_slot(w, 'm').name == 'w/AdamW:0'
    opt2 = AdamWOptimizer(0.05, name='AdamW2')
    w2 = tf.Variable(np.array([[0.3], [-0.2]], 'float32'), name='w2')
    loss2 = tf.reduce_mean(tf.square(tf.matmul(x, w2) - y))
    train2 = opt2.apply_gradients(opt2.compute_gradients(loss2, [w2]),
                                  global_step=gs)
    sess = K.get_session()
    losses = [sess.run([loss, train], {x: X, y: Y})[0] for _ in range(3)]
    _close(losses, LOSSES)
    _close(sess.run(w), W)
    _close(sess.run(b), B)
    _close(sess.run(opt.get_slot(w, 'm')), M)
    assert int(sess.run(gs)) == 3
    for _ in range(3):
        sess.run(train2, {x: X, y: Y})
    _close(sess.run(w2), [0.14267900586128235, 0.40157651901245117])
    assert int(sess.run(gs)) == 6


def test_keras_compile_with_tf1_optimizer_subclass():
    model = Sequential([Dense(1, input_shape=(2,))])
    model.set_weights([np.array([[0.3], [-0.2]], 'float32'),
                       np.array([0.1], 'float32')])
    model.compile(optimizer=AdamWOptimizer(0.1), loss='mse')
    h = model.fit(X, Y, batch_size=3, epochs=3, shuffle=False, verbose=0)
    # Keras 2.3.1's TFOptimizer takes the same steps as the session.
    _close(h.history['loss'], LOSSES)
    _close(model.get_weights()[0], W)
    _close(model.get_weights()[1], B)


def test_builtin_tf1_optimizers_are_tf_train_optimizers():
    assert isinstance(tf.train.AdamOptimizer(0.01), tf.train.Optimizer)
    assert isinstance(tf.compat.v1.train.GradientDescentOptimizer(0.1),
                      tf.train.Optimizer)
    assert not isinstance(keras.optimizers.Adam(), tf.train.Optimizer)
    assert tf.python.training.optimizer.Optimizer is tf.train.Optimizer
    assert tf.train.Optimizer.GATE_OP == 1
    with pytest.raises(ValueError):
        AdamWOptimizer(name='')


def test_global_step_of_builtin_optimizers(graph_mode):
    # TF 2.21 graph mode: three GradientDescentOptimizer(0.1) runs on
    # mean((x w - 1)^2) with x = 1 take w from 0.5 to 0.744.
    tf1 = tf.compat.v1
    step = tf1.train.get_or_create_global_step()
    assert step.name == 'global_step:0'
    assert tf1.train.get_global_step() is step
    x = tf1.placeholder(tf.float32, [None, 1])
    w = tf1.Variable([[0.5]])
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - 1.0))
    train_op = tf1.train.GradientDescentOptimizer(0.1).minimize(
        loss, global_step=step)
    with tf1.Session() as sess:
        for _ in range(3):
            sess.run(train_op, {x: np.ones((2, 1))})
        assert tf1.train.global_step(sess, step) == 3
        np.testing.assert_allclose(sess.run(w), [[0.744]], rtol=1e-6)
    with pytest.raises(ValueError, match='"global_step" already exists.'):
        tf1.train.create_global_step()


def test_global_step_is_refused_by_tf_keras_optimizers():
    optimizer = keras.optimizers.SGD(0.1)
    var = tf.Variable([1.0])
    with pytest.raises(TypeError, match="unexpected keyword argument "
                       "'global_step'"):
        optimizer.apply_gradients([(tf.constant([1.0]), var)],
                                  global_step=tf.Variable(0))
