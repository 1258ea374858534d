"""TensorFlow 1's variable registry and collections in programs that mix
Keras 2 layers with `tf.*`: `tf.trainable_variables()` sliced by count or
filtered by scope (actor-critic code), `tf.get_collection(tf.GraphKeys.
...)`, `tf.add_to_collection`, `tf.variable_scope` / `tf.get_variable`
sharing, update ops run through `tf.control_dependencies` around
`minimize`, and `tf.train.Saver` checkpoints read and written in
TensorFlow's own format.

Expected names and numbers come from running the same code under real
Keras 2.3.1 on TensorFlow 2.21 in TF1 graph mode (`tf.compat.v1`,
Session), or under tf_keras 2.21 with eager execution disabled where the
test says so."""
import gc
import os

import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat import regularizers
from keras_compat import tensorflow_bundle
from keras_compat import tensorflow_bundle_writer
from keras_compat import tensorflow_compat as tf
from keras_compat.layers import BatchNormalization, Dense, Input

DATA = os.path.join(os.path.dirname(__file__), 'data', 'tf1_saver')


def _names(variables):
    return [v.name for v in variables]


def _actor_critic(layers):
    """An actor and a critic network built under variable scopes, as
    DDPG code builds them."""
    with tf.variable_scope('actor'):
        s = tf.placeholder(tf.float32, [None, 3])
        h = layers.Dense(4, activation='relu')(s)
        layers.Dense(2, activation='tanh')(h)
    n_actor = len(tf.trainable_variables())
    with tf.variable_scope('critic'):
        c = layers.Dense(4)(layers.Input((3,)))
        c = layers.BatchNormalization()(c)
        layers.Dense(1, kernel_regularizer=regularizers.l2(0.01))(c)
    return n_actor


class _KerasLayers(object):
    Dense, Input, BatchNormalization = Dense, Input, BatchNormalization


def test_keras_weights_in_variable_collections_by_scope():
    n_actor = _actor_critic(_KerasLayers)
    critic = ['critic/dense_3/kernel:0', 'critic/dense_3/bias:0',
              'critic/batch_normalization_1/gamma:0',
              'critic/batch_normalization_1/beta:0',
              'critic/batch_normalization_1/moving_mean:0',
              'critic/batch_normalization_1/moving_variance:0',
              'critic/dense_4/kernel:0', 'critic/dense_4/bias:0']
    actor = ['actor/dense_1/kernel:0', 'actor/dense_1/bias:0',
             'actor/dense_2/kernel:0', 'actor/dense_2/bias:0']
    # Keras 2.3.1: every weight (moving statistics too) is trainable.
    assert n_actor == 4
    assert _names(tf.trainable_variables()) == actor + critic
    assert _names(tf.global_variables()) == actor + critic
    assert _names(tf.trainable_variables()[n_actor:]) == critic
    assert _names(tf.trainable_variables(scope='actor')) == actor
    assert _names(tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES,
                                    scope='critic')) == critic
    assert _names(tf.get_default_graph().get_collection(
        'trainable_variables', scope='actor')) == actor
    assert tf.get_collection(tf.GraphKeys.UPDATE_OPS) == []
    assert tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES) == []
    assert float(K.get_value(tf.losses.get_regularization_loss())) == 0.
    assert tf.local_variables() == []
    weights = tf.trainable_variables(scope='actor')
    K.set_value(weights[1], np.ones(4, 'float32'))
    assert weights[1] is tf.trainable_variables()[1]


def test_tf_keras_non_trainable_weights_only_global():
    """tf_keras 2.21 with eager execution disabled."""
    tf.disable_eager_execution()
    keras = tf.keras
    _actor_critic(keras.layers)
    trainable = ['actor/dense/kernel:0', 'actor/dense/bias:0',
                 'actor/dense_1/kernel:0', 'actor/dense_1/bias:0',
                 'critic/dense_2/kernel:0', 'critic/dense_2/bias:0',
                 'critic/batch_normalization/gamma:0',
                 'critic/batch_normalization/beta:0',
                 'critic/dense_3/kernel:0', 'critic/dense_3/bias:0']
    assert _names(tf.trainable_variables()) == trainable
    assert _names(tf.global_variables()) == trainable[:8] + [
        'critic/batch_normalization/moving_mean:0',
        'critic/batch_normalization/moving_variance:0'] + trainable[8:]


def test_get_variable_shares_by_scope_name():
    with tf.variable_scope('net', reuse=tf.AUTO_REUSE):
        g = tf.get_variable('g', [2, 3],
                            initializer=tf.constant_initializer(0.5))
        assert tf.get_variable('g', [2, 3]) is g
    assert g.name == 'net/g:0'
    np.testing.assert_allclose(K.get_value(g), np.full((2, 3), 0.5))
    with tf.variable_scope('net', reuse=True):
        assert tf.get_variable('g') is g
        with pytest.raises(ValueError, match='Variable net/h does not '
                                             'exist'):
            tf.get_variable('h', [1])
    with tf.variable_scope('net'):
        with pytest.raises(ValueError, match='Variable net/g already '
                                             'exists, disallowed'):
            tf.get_variable('g', [2, 3])
    with tf.variable_scope('net', reuse=True):
        with pytest.raises(ValueError, match='Trying to share variable '
                                             'net/g'):
            tf.get_variable('g', [3, 3])
    with tf.variable_scope('shared') as scope:
        w = tf.get_variable('w', [1], initializer=tf.zeros_initializer())
        scope.reuse_variables()
        assert tf.get_variable('w', [1]) is w
    with tf.variable_scope(scope, reuse=True):
        assert tf.get_variable('w') is w
    with tf.variable_scope('outer'):
        with tf.variable_scope('inner'):
            k = tf.get_variable('k', [1], trainable=False)
        d = Dense(1)
        d(tf.placeholder(tf.float32, [None, 2]))
    assert k.name == 'outer/inner/k:0'
    assert _names(d.weights) == ['outer/dense_1/kernel:0',
                                 'outer/dense_1/bias:0']
    assert _names(tf.global_variables()) == [
        'net/g:0', 'shared/w:0', 'outer/inner/k:0',
        'outer/dense_1/kernel:0', 'outer/dense_1/bias:0']
    assert _names(tf.trainable_variables()) == [
        'net/g:0', 'shared/w:0', 'outer/dense_1/kernel:0',
        'outer/dense_1/bias:0']


def test_tf_variables_names_scopes_and_trainable_flag():
    step = tf.Variable(1.0, name='step', trainable=False)
    w = tf.Variable(tf.zeros([2]), name='w')
    with tf.name_scope('foo') as scope:
        q = K.variable(1.0, name='q')
    with tf.variable_scope('actor'):
        a = tf.Variable(0., name='a')
    with tf.variable_scope('actor'):
        a1 = tf.Variable(0., name='a')
    assert scope == 'foo/'
    assert (step.name, w.name, q.name) == ('step:0', 'w:0', 'foo/q:0')
    assert (a.name, a1.name) == ('actor/a:0', 'actor_1/a:0')
    assert _names(tf.trainable_variables()) == [
        'w:0', 'foo/q:0', 'actor/a:0', 'actor_1/a:0']
    # `scope` is a regular expression matched from the name's start.
    assert _names(tf.global_variables(scope='actor')) == [
        'actor/a:0', 'actor_1/a:0']


def test_collections_of_losses():
    tf.add_to_collection('losses', tf.constant(2.0))
    tf.add_to_collection(tf.GraphKeys.LOSSES, tf.constant(3.0))
    sess = tf.Session()
    assert sess.run(tf.add_n(tf.get_collection('losses'))) == 5.
    assert sess.run(tf.losses.get_total_loss()) == 5.
    assert tf.get_collection('nothing') == []
    ref = tf.get_collection_ref('extra')
    ref.append(1)
    assert tf.get_collection('extra') == [1]
    assert tf.get_default_graph().get_all_collection_keys() == [
        'losses', 'extra']
    tf.reset_default_graph()
    assert tf.get_collection('losses') == []


def test_tf1_losses_collected_for_total_loss():
    x = tf.placeholder(tf.float32, [None, 2])
    y = tf.placeholder(tf.float32, [None, 1])
    out = Dense(1, kernel_initializer='ones')(x)
    tf.losses.mean_squared_error(y, out)
    tf.add_to_collection('losses', tf.reduce_mean(tf.abs(out)))
    tf.losses.add_loss(tf.reduce_sum(out))
    tf.losses.absolute_difference(y, out, loss_collection=None)
    assert len(tf.losses.get_losses()) == 3
    total = tf.losses.get_total_loss()
    # Keras 2.3.1 / TensorFlow 1 graph mode.
    assert tf.Session().run(total, {x: np.ones((2, 2), 'float32'),
                                    y: np.zeros((2, 1), 'float32')}) == 10.


def test_registry_is_cleared_and_weak():
    K.variable(1.0, name='kept')
    assert _names(tf.global_variables()) == []   # (no one holds it)
    kept = K.variable(1.0, name='kept')
    dense = Dense(2)
    dense.build((None, 3))
    assert _names(tf.global_variables()) == ['kept_1:0', 'dense_1/kernel:0',
                                               'dense_1/bias:0']
    del dense
    gc.collect()
    assert tf.global_variables() == [kept]
    K.clear_session()
    assert tf.global_variables() == []


def _actor(scope):
    with tf.variable_scope(scope):
        s = Input((3,))
        h = Dense(8, activation='relu')(s)
        return s, Dense(2, activation='tanh')(h)


def test_actor_params_by_count_trained_and_soft_updated():
    """DDPG's actor: `tf.trainable_variables()` taken after building each
    network, the target's sliced off by count, `tf.gradients` seeded with
    the critic's action gradients applied by Adam, and soft updates
    `tf.assign(target, tau * w + (1 - tau) * target)`."""
    s, a = _actor('actor')
    params = tf.trainable_variables()
    ts, ta = _actor('target_actor')
    target_params = tf.trainable_variables()[len(params):]
    update_target = [tf.assign(t, tf.multiply(w, 0.1) +
                               tf.multiply(t, 0.9))
                     for w, t in zip(params, target_params)]
    action_grad = tf.placeholder(tf.float32, [None, 2])
    grads = tf.gradients(a, params, -action_grad)
    train = tf.train.AdamOptimizer(0.01).apply_gradients(zip(grads, params))
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    rng = np.random.RandomState(0)
    for v in tf.trainable_variables():
        K.set_value(v, rng.uniform(-0.5, 0.5, K.int_shape(v))
                    .astype('float32'))
    xs, g = rng.rand(4, 3).astype('float32'), rng.rand(4, 2).astype(
        'float32')
    for _ in range(3):
        sess.run(train, {s: xs, action_grad: g})
        sess.run(update_target)
    assert _names(target_params) == [
        'target_actor/dense_3/kernel:0', 'target_actor/dense_3/bias:0',
        'target_actor/dense_4/kernel:0', 'target_actor/dense_4/bias:0']
    # Keras 2.3.1 / TensorFlow 1 graph mode.
    np.testing.assert_allclose(
        sess.run(a, {s: xs}).ravel(),
        [-0.04822, -0.163212, -0.086346, -0.1871, 0.039765, -0.128636,
         -0.006534, -0.19075], atol=1e-5)
    np.testing.assert_allclose(
        sess.run(ta, {ts: xs}).ravel(),
        [0.119624, -0.388602, 0.136569, -0.404702, 0.131939, -0.347142,
         0.108357, -0.405863], atol=1e-5)
    np.testing.assert_allclose(
        sess.run(target_params[0]).ravel()[:8],
        [0.064402, 0.007949, 0.38933, -0.272331, -0.238518, -0.212902,
         0.094702, -0.07929], atol=1e-5)


def _batchnorm_net():
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.placeholder(tf.float32, [None, 1])
    with tf.variable_scope('net'):
        d1, bn, d2 = Dense(4, activation='relu'), BatchNormalization(), \
            Dense(1)
        out = d2(bn(d1(x)))
        scale = tf.get_variable('scale', [1],
                                initializer=tf.constant_initializer(0.5))
    loss = tf.reduce_mean(tf.square(out * scale - y))
    return x, y, bn, out, loss


def test_update_ops_run_through_control_dependencies():
    """Keras BatchNormalization's updates put in the UPDATE_OPS
    collection and made dependencies of `minimize`."""
    x, y, bn, _, loss = _batchnorm_net()
    for update in bn.updates:
        tf.add_to_collection(tf.GraphKeys.UPDATE_OPS, update)
    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    rng = np.random.RandomState(0)
    for v in tf.global_variables():
        if 'moving_variance' not in v.name:
            K.set_value(v, rng.uniform(-0.5, 0.5, K.int_shape(v))
                        .astype('float32'))
    xs, ys = rng.rand(8, 3).astype('float32'), rng.rand(8, 1).astype(
        'float32')
    losses = [sess.run([train, loss], {x: xs, y: ys,
                                       K.learning_phase(): 1})[1]
              for _ in range(3)]
    # Keras 2.3.1 / TensorFlow 1 graph mode.
    np.testing.assert_allclose(losses, [0.11598069, 0.115674175,
                                        0.115334526], atol=1e-6)
    values = {v.name: sess.run(v) for v in tf.global_variables()}
    np.testing.assert_allclose(
        values['net/batch_normalization_1/moving_mean:0'],
        [-0.362354, 0.151182, -0.346054, 0.431475], atol=1e-5)
    np.testing.assert_allclose(
        values['net/batch_normalization_1/moving_variance:0'],
        [0.970491, 0.970452, 0.970299, 0.970299], atol=1e-5)
    np.testing.assert_allclose(values['net/dense_2/kernel:0'].ravel(),
                               [0.029044, -0.082547, -0.23593, 0.277685],
                               atol=1e-5)
    np.testing.assert_allclose(values['net/scale:0'], [0.075706],
                               atol=1e-5)


def test_saver_round_trip_keeps_last_checkpoints(tmp_path):
    x, _, _, out, _ = _batchnorm_net()
    sess = tf.Session()
    saver = tf.train.Saver(max_to_keep=2)
    directory = str(tmp_path / 'ck')
    for step in range(3):
        path = saver.save(sess, os.path.join(directory, 'model.ckpt'),
                          global_step=step)
    assert path == os.path.join(directory, 'model.ckpt-2')
    # TensorFlow's Saver also writes model.ckpt-N.meta.
    assert sorted(os.listdir(directory)) == [
        'checkpoint', 'model.ckpt-1.data-00000-of-00001',
        'model.ckpt-1.index', 'model.ckpt-2.data-00000-of-00001',
        'model.ckpt-2.index']
    with open(os.path.join(directory, 'checkpoint')) as handle:
        assert handle.read().split('\n')[:3] == [
            'model_checkpoint_path: "model.ckpt-2"',
            'all_model_checkpoint_paths: "model.ckpt-1"',
            'all_model_checkpoint_paths: "model.ckpt-2"']
    assert tf.train.latest_checkpoint(directory) == path
    assert saver.last_checkpoints == [
        os.path.join(directory, 'model.ckpt-1'), path]
    assert tensorflow_bundle.is_bundle(path)
    assert sorted(tensorflow_bundle.TensorBundle(path)) == sorted(
        n[:-2] for n in _names(tf.global_variables()))
    xs = np.arange(6, dtype='float32').reshape(2, 3) / 6.
    before = sess.run(out, {x: xs})
    for v in tf.global_variables():
        K.set_value(v, np.zeros(K.int_shape(v), 'float32'))
    saver.restore(sess, tf.train.latest_checkpoint(directory))
    np.testing.assert_allclose(sess.run(out, {x: xs}), before, atol=1e-7)
    with pytest.raises(tf.errors.NotFoundError, match='Key nope not found'):
        tf.train.Saver({'nope': tf.global_variables()[0]}).restore(
            sess, path)
    with pytest.raises(ValueError, match='No variables to save'):
        K.clear_session()
        tf.train.Saver()


def test_saver_restores_checkpoint_written_by_tensorflow():
    """model.ckpt-7 was written by TensorFlow 1's Saver (Keras 2.3.1
    layers and tf.get_variable under `tf.variable_scope('net')`)."""
    x = tf.placeholder(tf.float32, [None, 2])
    with tf.variable_scope('net'):
        out = Dense(1)(Dense(3, activation='tanh')(x))
        scale = tf.get_variable('scale', [],
                                initializer=tf.constant_initializer(1.5))
        step = tf.get_variable('step', [], dtype=tf.int64, trainable=False,
                               initializer=tf.zeros_initializer())
    assert _names(tf.global_variables()) == [
        'net/dense_2/kernel:0', 'net/dense_2/bias:0',
        'net/dense_1/kernel:0', 'net/dense_1/bias:0', 'net/scale:0',
        'net/step:0']
    sess = tf.Session()
    tf.train.Saver().restore(sess, os.path.join(DATA, 'model.ckpt-7'))
    xs = np.array([[0.5, -1.0], [2.0, 0.25]], 'float32')
    np.testing.assert_allclose(sess.run(out * scale, {x: xs}),
                               [[-0.54351175], [-0.01934029]], atol=1e-6)
    assert sess.run(step) == 7


def test_saver_var_list_by_names(tmp_path):
    a = tf.Variable(np.array([1., 2.], 'float32'), name='a')
    b = tf.Variable(np.zeros(2, 'float32'), name='a')
    assert b.name == 'a_1:0'
    path = tf.train.Saver({'weights': a}).save(None, str(tmp_path / 'c'))
    assert sorted(tensorflow_bundle.TensorBundle(path)) == ['weights']
    tf.train.Saver(var_list={'weights': b}).restore(None, path)
    np.testing.assert_allclose(K.get_value(b), [1., 2.])


def test_bundle_crc32c():
    assert tensorflow_bundle_writer.crc32c(b'123456789') == 0xe3069283
    from keras_compat.tensorflow_records import _crc32c
    data = np.random.RandomState(0).bytes(70001)
    assert tensorflow_bundle_writer.crc32c(data) == _crc32c(data)
