"""tf.Variable's `assign`, `assign_add` and `assign_sub` in TensorFlow 1
graph programs: ops that take effect only when a session run,
K.function, `add_update` or `get_updates` runs them (DDPG/DQN soft
target updates, step counters, Keras 2 optimizers and layers), and
immediate writes in programs running eagerly. Reference values come from
Keras 2.3.1 on TensorFlow in graph mode and from tf_keras 2.21 (eager,
and after `tf.compat.v1.disable_eager_execution()`)."""
import numpy as np
import pytest

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common
from keras_compat.layers import Dense, Input, Layer
from keras_compat.models import Model


def _close(actual, expected):
    np.testing.assert_allclose(np.asarray(actual, 'float64'), expected,
                               atol=1e-5)


def test_soft_target_update_runs_each_time_the_session_runs_it(graph_mode):
    main = K.variable([1., 2.])
    target = K.variable([0., 0.])
    tau = 0.1
    update_ops = [t.assign(tau * m + (1 - tau) * t)
                  for t, m in zip([target], [main])]
    sess = K.get_session()
    # Keras 2.3.1 / TF1: nothing changes until the op runs; a run of an
    # assign op gives the new value.
    _close(K.get_value(target), [0., 0.])
    _close(sess.run(update_ops)[0], [0.1, 0.2])
    for _ in range(4):
        sess.run(update_ops)
    _close(K.get_value(target), [0.40951, 0.81902])
    group = tf.group(*update_ops)
    assert sess.run(group) is None
    _close(K.get_value(target), [0.468559, 0.937118])


def test_counters_and_constant_assignments_wait_for_their_run(graph_mode):
    sess = K.get_session()
    counter = K.variable(0.)
    step = counter.assign_add(1.)
    assert float(K.get_value(counter)) == 0.
    for _ in range(3):
        sess.run(step)
    assert float(K.get_value(counter)) == 3.
    assert float(sess.run(counter.assign_sub(0.5))) == 2.5
    v = K.variable(5.)
    reset = v.assign(7.)
    assert float(K.get_value(v)) == 5.
    sess.run(reset)
    assert float(K.get_value(v)) == 7.
    # A run of the op's `.op` gives None; K.eval / K.get_value of the
    # assignment runs it once and gives the new value.
    q = K.variable(1.)
    assert sess.run(q.assign(q * 3).op) is None
    assert float(K.get_value(q)) == 3.
    e = K.variable(1.)
    bump = e.assign(e + 1)
    assert float(K.eval(bump)) == 2.
    assert float(K.get_value(bump)) == 3.
    assert sess.run(tf.no_op()) is None


def test_assign_of_a_placeholder_expression_in_k_function_updates():
    # Keras 2.3.1 / TF1: the function's outputs are read before its
    # updates run.
    w = K.variable(1.)
    x = K.placeholder(shape=())
    f = K.function([x], [w * 1.], updates=[w.assign(w + x)])
    _close(f([2.])[0], 1.)
    _close(K.get_value(w), 3.)
    _close(f([3.])[0], 3.)
    _close(K.get_value(w), 6.)
    p = K.variable(0.)
    op = p.assign(x * 2)
    _close(K.get_value(p), 0.)
    K.get_session().run(op, {x: 4.})
    _close(K.get_value(p), 8.)


def test_tf_keras_running_eagerly_writes_at_once():
    common.set_api_flavour('tf.keras')
    main = tf.Variable([1., 2.])
    target = tf.Variable([0., 0.])
    target.assign(0.1 * main + 0.9 * target)
    counter = tf.Variable(0.)
    counter.assign_add(1.)
    # tf_keras 2.21, eager.
    _close(target.numpy(), [0.1, 0.2])
    assert float(counter.numpy()) == 1.
    model = keras.Sequential([Dense(1, input_shape=(2,))])
    model.compile(keras.optimizers.SGD(0.5), 'mse')
    rates = []

    class Schedule(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.model.optimizer.lr.assign(0.1 * (epoch + 1))

        def on_epoch_end(self, epoch, logs=None):
            rates.append(float(K.get_value(self.model.optimizer.lr)))

    model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=0,
              callbacks=[Schedule()])
    assert rates == pytest.approx([0.1, 0.2])


def test_keras_2_program_running_eagerly_writes_constants_at_once():
    # Keras 2 on TensorFlow 2 (eager execution on): written now.
    v = K.variable(5.)
    assert v.assign(7.) is v
    assert float(K.get_value(v)) == 7.
    w = K.variable([1., 2.])
    w.assign(w * 2)
    _close(K.get_value(w), [2., 4.])


class _MomentumAssign(keras.optimizers.Optimizer):
    """A Keras 2 optimizer whose get_updates returns `p.assign(...)`."""

    def __init__(self, lr=0.1, momentum=0.5, **kwargs):
        super(_MomentumAssign, self).__init__(**kwargs)
        self.learning_rate = K.variable(lr, name='learning_rate')
        self.iterations = K.variable(0, dtype='int64', name='iterations')
        self.momentum = momentum

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = [self.iterations.assign_add(1)]
        moments = [K.zeros(K.int_shape(p)) for p in params]
        for p, g, m in zip(params, grads, moments):
            v = self.momentum * m - self.learning_rate * g
            self.updates.append(m.assign(v))
            self.updates.append(p.assign(p + v))
        return self.updates


class _RunningMean(Layer):
    """A Keras 2 layer keeping statistics with `add_update(var.assign)`."""

    def build(self, input_shape):
        self.mean = self.add_weight(name='mean', shape=(input_shape[-1],),
                                    initializer='zeros', trainable=False)
        self.count = self.add_weight(name='count', shape=(),
                                     initializer='zeros', trainable=False)
        super(_RunningMean, self).build(input_shape)

    def call(self, x):
        batch_mean = K.mean(x, axis=0)
        self.add_update([
            self.mean.assign(0.9 * self.mean + 0.1 * batch_mean),
            self.count.assign_add(1.)], x)
        return x - self.mean


def test_get_updates_and_add_update_with_assign_methods_during_fit():
    rng = np.random.RandomState(0)
    x = rng.rand(16, 3).astype('float32')
    y = rng.rand(16, 2).astype('float32')
    inputs = Input((3,))
    running = _RunningMean()
    dense = Dense(2, kernel_initializer='ones', bias_initializer='zeros')
    model = Model(inputs, dense(running(inputs)))
    model.compile(_MomentumAssign(0.05), 'mse')
    history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False,
                        verbose=0)
    # Keras 2.3.1 / TF1 graph mode.
    _close(history.history['loss'], [1.547428, 0.595661])
    _close(K.get_value(running.mean), [0.187575, 0.176283, 0.196202])
    assert float(K.get_value(running.count)) == 4.
    _close(model.get_weights()[2], [[0.87128, 0.823757],
                                    [0.856129, 0.813106],
                                    [0.852675, 0.803178]])
    assert int(K.get_value(model.optimizer.iterations)) == 4
    _close(model.predict(x[:2]), [[0.894472, 0.74475],
                                  [0.678233, 0.539105]])
    # Keras 2's predict function runs no update of this layer.
    assert float(K.get_value(running.count)) == 4.


def test_runner_finds_tensorflow_1_graph_programs(tmp_path):
    from keras_compat import __main__ as runner
    script = tmp_path / 'ddpg.py'
    script.write_text('import tensorflow as tf\nsess = tf.Session()\n')
    runner._serve_the_programs_keras(str(script))
    assert not common.executing_eagerly()
    common.set_executing_eagerly(True)
    script.write_text('import tensorflow as tf\nv = tf.Variable(1.)\n')
    runner._serve_the_programs_keras(str(script))
    assert common.executing_eagerly()


def test_soft_update_of_model_weights_runs_with_the_session(graph_mode):
    main = keras.Sequential([Dense(2, input_shape=(2,),
                                   kernel_initializer='ones')])
    target = keras.Sequential([Dense(2, input_shape=(2,),
                                     kernel_initializer='zeros')])
    update_ops = [t.assign(0.1 * m + 0.9 * t)
                  for t, m in zip(target.weights, main.weights)]
    _close(target.get_weights()[0], np.zeros((2, 2)))
    for _ in range(5):
        K.get_session().run(update_ops)
    # Keras 2.3.1 / TF1: 1 - 0.9 ** 5.
    _close(target.get_weights()[0], np.full((2, 2), 0.40951))
    step = target.weights[1].assign_add([1., 2.])
    _close(target.get_weights()[1], [0., 0.])
    K.get_session().run(step)
    _close(target.get_weights()[1], [1., 2.])
