"""Session runs of TensorFlow 1 graph programs that keras_compat keeps
cheap: repeated runs of the same fetches and feeds reuse what the first
built, and must still read variables assigned between runs, feeds of new
values and shapes, ops added to the graph afterwards and the learning
phase fed; a model called on a placeholder computes the logits its
softmax op reads once per run (TensorFlow 1 shared those ops); and
`tf.gradients` behind `tf.stop_gradient` (FGSM adversarial training)
trains as in TensorFlow, while a loss differentiated through
`tf.gradients` (a gradient penalty) still trains through it.

Expected numbers come from the formula, or from running the same code
on TensorFlow 2.21 with tf_keras 2.21 in TF1 graph mode
(`tf.compat.v1`, Session)."""
import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat import tensorflow_compat as tf
from keras_compat.layers import Activation, Dense, Dropout
from keras_compat.models import Sequential


@pytest.fixture(autouse=True)
def graph_mode():
    # As `python -m keras_compat run` runs a script making sessions.
    K.common.set_executing_eagerly(False)
    sess = tf.Session()
    K.set_session(sess)
    yield sess


def _fixed(model):
    rng = np.random.RandomState(3)
    model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype('float32')
                       for w in model.get_weights()])


def _data():
    rng = np.random.RandomState(0)
    x = rng.rand(6, 5).astype('float32')
    y = np.eye(3)[rng.randint(0, 3, 6)].astype('float32')
    return x, y


def _model_loss(y, probs):
    # cleverhans' `model_loss`: the logits are the softmax op's input.
    op = probs.op
    logits = op.inputs[0] if 'softmax' in str(op).lower() else probs
    return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(
        labels=y, logits=logits))


def test_run_again_reads_a_variable_assigned_in_between(graph_mode):
    sess = graph_mode
    v = tf.Variable(2.)
    x = tf.placeholder(tf.float32, (None,))
    y = v * x
    sess.run(tf.global_variables_initializer())
    feed = {x: np.array([1., 2.], 'float32')}
    np.testing.assert_allclose(sess.run(y, feed_dict=feed), [2., 4.])
    sess.run(tf.assign(v, 3.))
    np.testing.assert_allclose(sess.run(y, feed_dict=feed), [3., 6.])
    sess.run(v.assign_add(1.))
    np.testing.assert_allclose(sess.run(y, feed_dict=feed), [4., 8.])


def test_new_feed_values_and_shapes_are_computed(graph_mode):
    sess = graph_mode
    x = tf.placeholder(tf.float32, (None, 5))
    layer = Dense(3)
    out = layer(x)
    sess.run(tf.global_variables_initializer())
    w, b = layer.get_weights()
    rng = np.random.RandomState(1)
    for batch in (2, 2, 5, 1):
        xb = rng.rand(batch, 5).astype('float32')
        got = sess.run(out, feed_dict={x: xb})
        assert got.shape == (batch, 3)
        np.testing.assert_allclose(got, xb.dot(w) + b, rtol=1e-5,
                                   atol=1e-6)


def test_ops_added_after_a_run_are_run(graph_mode):
    sess = graph_mode
    x = tf.placeholder(tf.float32, (None,))
    y = x * 2.
    feed = {x: np.array([1., 3.], 'float32')}
    np.testing.assert_allclose(sess.run(y, feed_dict=feed), [2., 6.])
    z = y + 1.
    np.testing.assert_allclose(sess.run(z, feed_dict=feed), [3., 7.])
    got = sess.run([y, z, tf.reduce_sum(z)], feed_dict=feed)
    np.testing.assert_allclose(got[0], [2., 6.])
    np.testing.assert_allclose(got[1], [3., 7.])
    assert got[2] == pytest.approx(10.)


def test_learning_phase_fed_switches_dropout_each_run(graph_mode):
    sess = graph_mode
    x = tf.placeholder(tf.float32, (None, 50))
    layer = Dropout(0.5)
    out = layer(x)
    ones = np.ones((4, 50), 'float32')
    was = layer.training
    for phase in (0, 1, 0, 1, 1, 0):
        got = sess.run(out, feed_dict={x: ones, K.learning_phase(): phase})
        if phase:
            # Kept units scaled by 1 / (1 - rate), the others zeroed.
            assert set(np.unique(got)) <= {0., 2.}
            assert 0 < (got == 0).sum() < got.size
        else:
            np.testing.assert_array_equal(got, ones)
        assert layer.training == was
    np.testing.assert_array_equal(sess.run(out, feed_dict={x: ones}), ones)


def test_softmax_input_shares_the_models_run(graph_mode):
    """The logits read from a model's softmax op are those of the same
    computation as its output (one dropout mask): TensorFlow 1 made the
    ops once."""
    sess = graph_mode
    xb, _ = _data()
    x = tf.placeholder(tf.float32, (None, 5))
    model = Sequential([Dense(4, input_shape=(5,)), Dropout(0.5), Dense(3),
                        Activation('softmax')])
    probs = model(x)
    logits = probs.op.inputs[0]
    _fixed(model)
    calls = []
    model.layers[0].register_forward_hook(lambda *a: calls.append(1))
    p, z = sess.run([probs, logits], feed_dict={x: xb,
                                                K.learning_phase(): 1})
    e = np.exp(z - z.max(1, keepdims=True))
    np.testing.assert_allclose(e / e.sum(1, keepdims=True), p, atol=1e-6)
    assert len(calls) == 1


def test_fgsm_adversarial_training_as_tensorflow(graph_mode):
    """cleverhans' `model_train` with FGSM examples: the gradient with
    respect to the input is held constant by `tf.stop_gradient`."""
    sess = graph_mode
    xb, yb = _data()
    x = tf.placeholder(tf.float32, (None, 5))
    y = tf.placeholder(tf.float32, (None, 3))
    model = Sequential([Dense(4, activation='relu', input_shape=(5,)),
                        Dense(3), Activation('softmax')])
    probs = model(x)
    guess = tf.stop_gradient(tf.cast(tf.equal(
        probs, tf.reduce_max(probs, 1, keepdims=True)), tf.float32))
    grad, = tf.gradients(_model_loss(guess, probs), x)
    adv = tf.stop_gradient(tf.clip_by_value(x + 0.3 * tf.sign(grad), 0., 1.))
    loss = (_model_loss(y, probs) + _model_loss(y, model(adv))) / 2
    train = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    sess.run(tf.global_variables_initializer())
    _fixed(model)
    calls = []
    model.layers[0].register_forward_hook(lambda *a: calls.append(1))
    losses = []
    for _ in range(3):
        sess.run(train, feed_dict={x: xb, y: yb})
        losses.append(sess.run(loss, feed_dict={x: xb, y: yb}))
    # TensorFlow 2.21 / tf_keras 2.21, TF1 graph mode.
    np.testing.assert_allclose(losses, [1.018887, 0.9556966, 0.8934565],
                               rtol=1e-5)
    np.testing.assert_allclose(
        model.get_weights()[0][0],
        [0.05649235, 0.17713448, -0.20909525, 0.01082761], atol=1e-6)
    # Each run computes the model on the clean and the adversarial
    # examples once.
    assert len(calls) == 3 * 2 * 2


def test_gradient_penalty_trains_through_the_gradients(graph_mode):
    """A loss that differentiates `tf.gradients` (WGAN-GP's penalty)
    trains through them."""
    sess = graph_mode
    xb, _ = _data()
    x = tf.placeholder(tf.float32, (None, 5))
    critic = Sequential([Dense(4, activation='tanh', input_shape=(5,)),
                         Dense(1)])
    out = critic(x)
    g, = tf.gradients(out, x)
    penalty = tf.reduce_mean(tf.square(
        tf.sqrt(tf.reduce_sum(tf.square(g), 1)) - 1.))
    loss = tf.reduce_mean(out) + 10. * penalty
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    sess.run(tf.global_variables_initializer())
    _fixed(critic)
    losses = []
    for _ in range(3):
        sess.run(train, feed_dict={x: xb})
        losses.append(sess.run(loss, feed_dict={x: xb}))
    # TensorFlow 2.21 / tf_keras 2.21, TF1 graph mode.
    np.testing.assert_allclose(losses, [2.15514, 8.036896, -0.22131112],
                               rtol=1e-4, atol=2e-6)
    np.testing.assert_allclose(
        critic.get_weights()[0][0],
        [0.10683624, 0.26970187, -0.24687618, -0.03063516], atol=1e-6)
