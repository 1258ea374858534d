"""TensorFlow 1 programs that mix Keras 2 layers with raw sessions: Keras
layers applied to `tf.placeholder`s, losses minimised by `tf.train`
optimizers (`minimize(loss)` without a variable list, `apply_gradients`
of `tf.gradients` seeded with a placeholder), `sess.run` of training
operations next to the tensors they change, learning-phase feeds,
BatchNormalization updates fetched through `tf.group(*layer.updates)`,
`K.get_session().run` with `feed_dict={model.input: x}`, and the
freeze-graph calls that have no PyTorch counterpart.

Expected numbers come from running the same code under real Keras 2.3.1
on TensorFlow 2.21 in TF1 graph mode (`tf.compat.v1`, Session)."""
import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat import tensorflow_compat as tf
from keras_compat.layers import (Add, BatchNormalization, Concatenate, Dense,
                                 Dropout, Input)
from keras_compat.losses import categorical_crossentropy
from keras_compat.metrics import categorical_accuracy
from keras_compat.models import Model, Sequential
from keras_compat.optimizers import Adam


def _fix(rng, low, high, *layers):
    for layer in layers:
        layer.set_weights([rng.uniform(low, high, w.shape).astype('float32')
                           for w in layer.get_weights()])


def test_placeholder_mlp_minimized_by_gradient_descent():
    """`tf.train.GradientDescentOptimizer(0.5).minimize(loss)` on Keras
    layers applied to placeholders, run with `train_step.run(feed_dict)`
    inside `sess.as_default()`."""
    sess = tf.Session()
    K.set_session(sess)
    img = tf.placeholder(tf.float32, shape=(None, 20))
    labels = tf.placeholder(tf.float32, shape=(None, 5))
    d1, d2 = Dense(16, activation='relu'), Dense(16, activation='relu')
    d3 = Dense(5, activation='softmax')
    preds = d3(d2(d1(img)))
    loss = tf.reduce_mean(categorical_crossentropy(labels, preds))
    train_step = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    sess.run(tf.global_variables_initializer())
    rng = np.random.RandomState(1)
    _fix(rng, -0.4, 0.4, d1, d2, d3)
    x = rng.rand(64, 20).astype('float32')
    y = np.eye(5, dtype='float32')[rng.randint(0, 5, 64)]
    losses = []
    with sess.as_default():
        for i in range(4):
            train_step.run(feed_dict={img: x[i * 16:(i + 1) * 16],
                                      labels: y[i * 16:(i + 1) * 16]})
            losses.append(sess.run(loss, feed_dict={img: x, labels: y}))
    # Keras 2.3.1 / TensorFlow 1 graph mode.
    np.testing.assert_allclose(
        losses, [1.5687785, 1.5431294, 1.5355952, 1.5478419], atol=1e-5)
    acc = sess.run(categorical_accuracy(labels, preds),
                   feed_dict={img: x, labels: y})
    assert acc.mean() == pytest.approx(0.3125)
    np.testing.assert_allclose(
        d3.get_weights()[0].ravel()[:4],
        [-0.156663, 0.267634, -0.050655, 0.338446], atol=1e-5)


def test_tensor_eval_in_default_session():
    sess = tf.Session()
    x = tf.placeholder(tf.float32, shape=(None, 2))
    dense = Dense(1, kernel_initializer='ones')
    y = dense(x) * 2.
    with sess.as_default():
        value = y.eval(feed_dict={x: np.array([[1., 2.]], 'float32')})
    np.testing.assert_allclose(value, [[6.]])


def test_adam_step_with_batchnorm_updates_and_learning_phase():
    """`tf.train.AdamOptimizer(...).minimize(loss)` run together with
    `tf.group(*bn.updates)` and `K.learning_phase(): 1`; the loss fetched
    with the step is the value before it; layers built inside
    `tf.variable_scope`, `tf.name_scope` and `tf.device`."""
    sess = tf.Session(config=tf.ConfigProto(allow_soft_placement=True))
    K.set_session(sess)
    rng = np.random.RandomState(1)
    img = tf.placeholder(tf.float32, shape=(None, 12))
    labels = tf.placeholder(tf.float32, shape=(None, 3))
    with tf.variable_scope('block1'):
        d1 = Dense(16, activation='tanh')
        x = d1(img)
    with tf.name_scope('block2'):
        bn = BatchNormalization()
        x = bn(x)
    with tf.device('/cpu:0'):
        x = Dropout(0.0)(x)
    d3 = Dense(3, activation='softmax')
    preds = d3(x)
    loss = tf.reduce_mean(categorical_crossentropy(labels, preds))
    train_step = tf.train.AdamOptimizer(0.01).minimize(loss)
    sess.run(tf.global_variables_initializer())
    _fix(rng, -0.4, 0.4, d1, d3)
    xs = rng.rand(32, 12).astype('float32')
    ys = np.eye(3, dtype='float32')[rng.randint(0, 3, 32)]
    assert len(bn.updates) == 2
    update_op = tf.group(*bn.updates)
    losses = []
    for i in range(3):
        sess.run([train_step, update_op],
                 feed_dict={img: xs[i * 8:(i + 1) * 8],
                            labels: ys[i * 8:(i + 1) * 8],
                            K.learning_phase(): 1})
        losses.append(sess.run(loss, feed_dict={img: xs, labels: ys,
                                                K.learning_phase(): 0}))
    _, fetched = sess.run([train_step, loss], feed_dict={
        img: xs, labels: ys, K.learning_phase(): 1})
    after = sess.run(loss, feed_dict={img: xs, labels: ys,
                                      K.learning_phase(): 0})
    # Keras 2.3.1 / TensorFlow 1 graph mode.
    np.testing.assert_allclose(losses, [1.157662, 1.167158, 1.1764722],
                               atol=1e-5)
    assert fetched == pytest.approx(1.0993335, abs=1e-5)
    assert after == pytest.approx(1.1807212, abs=1e-5)
    np.testing.assert_allclose(
        bn.get_weights()[2][:4], [0.002335, -0.001967, -0.015426, 0.016611],
        atol=1e-5)
    np.testing.assert_allclose(
        bn.get_weights()[3][:4], [0.97373, 0.97143, 0.971225, 0.970999],
        atol=1e-5)


def test_keras_model_called_on_tensors_averaged_across_devices():
    sess = tf.Session()
    rng = np.random.RandomState(4)
    model = Sequential([Dense(8, activation='relu', input_dim=12),
                        Dense(3, activation='softmax')])
    _fix(rng, -0.4, 0.4, *model.layers)
    x = tf.placeholder(tf.float32, shape=(None, 12))
    with tf.device('/gpu:0'):
        out0 = model(x)
    with tf.device('/cpu:0'):
        out1 = model(x * 2.)
        preds = 0.5 * (out0 + out1)
    xs = rng.rand(2, 12).astype('float32')
    value, = sess.run([preds], feed_dict={x: xs})
    first = model.predict(xs)
    np.testing.assert_allclose(value, 0.5 * (first + model.predict(xs * 2)),
                               atol=1e-6)


def _actor(state_size, action_size):
    s = Input(shape=[state_size])
    h1 = Dense(10, activation='relu')(Dense(12, activation='relu')(s))
    steering = Dense(1, activation='tanh')(h1)
    acceleration = Dense(1, activation='sigmoid')(h1)
    brake = Dense(1, activation='sigmoid')(h1)
    v = Concatenate()([steering, acceleration, brake])
    model = Model(inputs=s, outputs=v)
    return model, model.trainable_weights, s


def _critic(state_size, action_dim):
    s = Input(shape=[state_size])
    a = Input(shape=[action_dim], name='action2')
    w1 = Dense(12, activation='relu')(s)
    a1 = Dense(10, activation='linear')(a)
    h1 = Dense(10, activation='linear')(w1)
    h3 = Dense(10, activation='relu')(Add()([h1, a1]))
    v = Dense(action_dim, activation='linear')(h3)
    model = Model(inputs=[s, a], outputs=v)
    model.compile(loss='mse', optimizer=Adam(lr=0.01))
    return model, a, s


def _soft_update(model, target, tau):
    weights = model.get_weights()
    target.set_weights([tau * w + (1 - tau) * t
                        for w, t in zip(weights, target.get_weights())])


def test_ddpg_actor_trained_on_critic_action_gradients():
    """The DDPG actor: `tf.gradients(model.output, weights,
    -action_gradient)` applied by `tf.train.AdamOptimizer(lr)
    .apply_gradients(zip(grads, weights))`; the critic's
    `tf.gradients(model.output, action)`; soft target updates through
    get_weights / set_weights."""
    sess = tf.Session()
    K.set_session(sess)
    actor, actor_weights, actor_state = _actor(6, 3)
    actor_target = _actor(6, 3)[0]
    action_gradient = tf.placeholder(tf.float32, [None, 3])
    params_grad = tf.gradients(actor.output, actor_weights, -action_gradient)
    optimize = tf.train.AdamOptimizer(0.01).apply_gradients(
        zip(params_grad, actor_weights))
    critic, critic_action, critic_state = _critic(6, 3)
    critic_target = _critic(6, 3)[0]
    action_grads = tf.gradients(critic.output, critic_action)
    sess.run(tf.initialize_all_variables())
    rng = np.random.RandomState(3)
    for model in (actor, actor_target, critic, critic_target):
        _fix(rng, -0.5, 0.5, model)
    data = np.random.RandomState(7)
    losses, first_grads, actions = [], [], []
    for _ in range(4):
        states = data.rand(8, 6).astype('float32')
        taken = data.rand(8, 3).astype('float32')
        rewards = data.rand(8).astype('float32')
        new_states = data.rand(8, 6).astype('float32')
        target_q = critic_target.predict(
            [new_states, actor_target.predict(new_states)])
        y_t = rewards[:, None] + 0.99 * target_q
        losses.append(critic.train_on_batch([states, taken], y_t))
        grads = sess.run(action_grads, feed_dict={
            critic_state: states,
            critic_action: actor.predict(states)})[0]
        sess.run(optimize, feed_dict={actor_state: states,
                                      action_gradient: grads})
        _soft_update(actor, actor_target, 0.1)
        _soft_update(critic, critic_target, 0.1)
        first_grads.append(grads[0])
        actions.append(actor.predict(states)[0])
    # Keras 2.3.1 / TensorFlow 1 graph mode.
    np.testing.assert_allclose(
        losses, [0.323582, 0.12680387, 0.14764497, 0.10946521], atol=1e-5)
    np.testing.assert_allclose(first_grads, [
        [0.069901, -0.786707, 0.505332], [0.162401, -0.661105, 0.632698],
        [0.125178, -0.784711, 0.684617], [0.128264, -0.206534, 0.344638]],
        atol=1e-5)
    np.testing.assert_allclose(actions, [
        [0.036227, 0.358622, 0.454906], [0.085496, 0.378506, 0.489203],
        [0.163009, 0.355023, 0.477627], [0.248336, 0.365699, 0.494872]],
        atol=1e-5)
    np.testing.assert_allclose(
        actor_target.predict(states)[0], [0.103165, 0.450009, 0.477521],
        atol=1e-5)


def test_a3c_loss_on_model_called_on_placeholders_rmsprop():
    """The A3C brain: `model._make_predict_function()`, the policy and
    value losses built from `model(s_t)` on placeholders, minimised by
    `tf.train.RMSPropOptimizer(lr, decay=.99)`, the graph finalized, the
    predictions made inside `default_graph.as_default()`."""
    session = tf.Session()
    K.set_session(session)
    K.manual_variable_initialization(True)
    l_input = Input(batch_shape=(None, 4))
    l_dense = Dense(16, activation='relu')(l_input)
    out_actions = Dense(2, activation='softmax')(l_dense)
    out_value = Dense(1, activation='linear')(l_dense)
    model = Model(inputs=[l_input], outputs=[out_actions, out_value])
    model._make_predict_function()
    s_t = tf.placeholder(tf.float32, shape=(None, 4))
    a_t = tf.placeholder(tf.float32, shape=(None, 2))
    r_t = tf.placeholder(tf.float32, shape=(None, 1))
    p, v = model(s_t)
    log_prob = tf.log(tf.reduce_sum(p * a_t, axis=1, keep_dims=True) + 1e-10)
    advantage = r_t - v
    loss_policy = -log_prob * tf.stop_gradient(advantage)
    loss_value = .5 * tf.square(advantage)
    entropy = .01 * tf.reduce_sum(p * tf.log(p + 1e-10), axis=1,
                                  keep_dims=True)
    loss_total = tf.reduce_mean(loss_policy + loss_value + entropy)
    minimize = tf.train.RMSPropOptimizer(5e-3, decay=.99).minimize(
        loss_total)
    session.run(tf.global_variables_initializer())
    rng = np.random.RandomState(5)
    model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype('float32')
                       for w in model.get_weights()])
    default_graph = tf.get_default_graph()
    default_graph.finalize()
    data = np.random.RandomState(11)
    losses = []
    for _ in range(4):
        queue = [[], [], [], [], []]
        for k in range(8):
            s = data.rand(4).astype('float32')
            with default_graph.as_default():
                prob = model.predict(s[None])[0][0]
            a = np.zeros(2, 'float32')
            a[int(prob[1] > 0.5)] = 1
            s_ = None if k == 3 else data.rand(4).astype('float32')
            queue[0].append(s)
            queue[1].append(a)
            queue[2].append(data.rand())
            queue[3].append(np.zeros(4, 'float32') if s_ is None else s_)
            queue[4].append(0. if s_ is None else 1.)
        s, a, s_ = (np.vstack(queue[i]) for i in (0, 1, 3))
        r = np.asarray(queue[2], 'float32')[:, None] + 0.99 ** 8 * \
            model.predict(s_)[1] * np.asarray(queue[4])[:, None]
        _, value = session.run([minimize, loss_total],
                               feed_dict={s_t: s, a_t: a, r_t: r})
        losses.append(value)
    # Keras 2.3.1 / TensorFlow 1 graph mode.
    np.testing.assert_allclose(
        losses, [0.61155075, 0.5773338, 0.56464016, 0.6595186], atol=1e-5)
    probs = model.predict(data.rand(3, 4).astype('float32'))[0]
    np.testing.assert_allclose(probs.ravel()[:4],
                               [0.593795, 0.406205, 0.577454, 0.422546],
                               atol=1e-5)


def test_get_session_run_with_model_input_feeds():
    model = Sequential([Dense(5, activation='relu', input_shape=(4,)),
                        Dropout(0.5), Dense(2, activation='softmax')])
    model.compile('sgd', 'categorical_crossentropy')
    rng = np.random.RandomState(2)
    model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype('float32')
                       for w in model.get_weights()])
    x = rng.rand(3, 4).astype('float32')
    sess = K.get_session()
    expected = [[0.426715, 0.573285], [0.401966, 0.598034],
                [0.413168, 0.586832]]   # Keras 2.3.1
    np.testing.assert_allclose(
        sess.run(model.output, feed_dict={model.input: x}), expected,
        atol=1e-5)
    np.testing.assert_allclose(sess.run(model.output, feed_dict={
        model.input: x, K.learning_phase(): 0}), expected, atol=1e-5)
    fetched = sess.run({'out': model.output}, feed_dict={model.input: x})
    assert list(fetched) == ['out']
    grad = sess.run(tf.gradients(tf.reduce_sum(model.output[:, 0]),
                                 model.input), feed_dict={model.input: x})
    np.testing.assert_allclose(
        grad[0][0], [-0.005805, -0.015387, 0.010986, 0.025878], atol=1e-5)
    kernel = model.layers[0].kernel
    assigned = sess.run(tf.assign(kernel, kernel * 0.5))
    np.testing.assert_allclose(assigned.ravel()[:2], [-0.032003, -0.237037],
                               atol=1e-5)
    np.testing.assert_allclose(
        sess.run(model.output, feed_dict={model.input: x})[0],
        [0.413374, 0.586626], atol=1e-5)


def test_minimize_without_var_list_needs_a_graph_loss():
    opt = Adam()
    weight = K.variable(np.ones(2, 'float32'))
    with pytest.raises(TypeError, match='var_list'):
        opt.minimize(lambda: K.sum(weight))


def test_run_feeds_by_name_and_refuses_non_tensors():
    sess = tf.Session()
    x = tf.placeholder(tf.float32, shape=(None, 2))
    # TensorFlow 2.21: a tensor name feeds the tensor: [[2., 2.]]
    np.testing.assert_array_equal(
        sess.run(x * 2., feed_dict={'Placeholder:0': np.ones((1, 2))}),
        [[2., 2.]])
    with pytest.raises(TypeError, match='invalid type'):
        sess.run(np.ones(2))


def test_graph_freezing_is_refused_with_alternatives():
    sess = K.get_session()
    graph_def = sess.graph.as_graph_def()
    with pytest.raises(NotImplementedError, match='model.save'):
        tf.graph_util.convert_variables_to_constants(sess, graph_def,
                                                     ['out'])


def test_loss_of_variables_only_is_minimized_at_each_run():
    """TensorFlow's getting-started program: a loss computed from
    variables and NumPy data only (no placeholder), `minimize(loss)` with
    and without `var_list` and `global_step`; each `sess.run(train)` is
    one step. Numbers from TensorFlow 2.21's tf.compat.v1."""
    x_data = np.linspace(0, 1, 20).astype(np.float32)
    y_data = 3.0 * x_data ** 2 + 0.5
    a = tf.Variable(0.1, name='a')
    b = tf.Variable([0.2], name='b')
    c = tf.Variable(1.0, trainable=False, name='c')
    loss = tf.reduce_mean(tf.square(a * x_data ** 2 + b * c - y_data))
    step = tf.train.get_or_create_global_step()
    train = tf.train.AdamOptimizer(0.1).minimize(loss, global_step=step)
    train_a = tf.train.GradientDescentOptimizer(0.05).minimize(
        loss, var_list=[a])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(30):
            _, last = sess.run([train, loss])
        for _ in range(5):
            sess.run(train_a)
        a_value, b_value, c_value, steps = sess.run([a, b, c, step])
    assert float(last) == pytest.approx(0.15613295, rel=1e-5)
    assert float(a_value) == pytest.approx(1.9487259, rel=1e-5)
    np.testing.assert_allclose(b_value, [1.0233039], rtol=1e-5)
    assert (float(c_value), int(steps)) == (1.0, 30)
