"""TensorFlow-format checkpoints written by tf_keras 2.21 (TensorFlow
2.21): `model.save_weights(prefix)`, `tf.train.Checkpoint` with a
`CheckpointManager`, `ModelCheckpoint(save_weights_only=True)`, restored
into the same architectures by object path; and checkpoints written here,
as tf_keras reads them. The checkpoints and the expected numbers and
messages (reference.json) come from tf_keras 2.21
(tests/data/tf_checkpoints/make_checkpoints.py)."""
import json
import os
import shutil

import numpy as np
import pytest

from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common

DATA = os.path.join(os.path.dirname(__file__), 'data', 'tf_checkpoints')
with open(os.path.join(DATA, 'reference.json')) as _handle:
    REF = json.load(_handle)
X = np.linspace(-1, 1, 12).reshape(4, 3).astype('float32')
Y = np.array([[0.5, -0.5], [1., 0.], [0., 1.], [-1., 0.25]], 'float32')
XS = np.linspace(-1, 1, 24).reshape(2, 4, 3).astype('float32')


@pytest.fixture
def keras():
    common.set_api_flavour('tf.keras')
    yield tf.keras
    common.set_api_flavour('keras')


def _prefix(*parts):
    return os.path.join(DATA, *parts)


def _seq(keras):
    layers = keras.layers
    return keras.Sequential([
        layers.Dense(4, activation='tanh', input_shape=(3,)),
        layers.Dense(2)])


def _close(actual, expected, atol=1e-5):
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected),
                               rtol=1e-5, atol=atol)


def _net(keras):
    layers = keras.layers

    class Block(layers.Layer):
        def __init__(self, **kwargs):
            super(Block, self).__init__(**kwargs)
            self.proj = layers.Dense(3)
            self.scale = self.add_weight('scale', shape=(3,),
                                         initializer='ones')

        def call(self, t):
            return self.proj(t) * self.scale

    class Net(keras.Model):
        # (Created in another order than called: matched by path.)
        def __init__(self, **kwargs):
            super(Net, self).__init__(**kwargs)
            self.head = layers.Dense(2)
            self.branches = {'b': layers.Dense(3), 'a': layers.Dense(3)}
            self.blocks = [Block(), Block()]
            self.stem = layers.Dense(3)

        def call(self, t):
            t = self.stem(t)
            for block in self.blocks:
                t = block(t)
            t = self.branches['a'](t) + self.branches['b'](t)
            return self.head(t)
    return Net()


# ------------------------------------------------------ save_weights(prefix)
def test_sequential_weights_and_adam_state_continue_training(keras):
    model = _seq(keras)
    model.compile(keras.optimizers.Adam(0.01), 'mse')
    model.load_weights(_prefix('seq', 'weights')).assert_consumed()
    _close(model.predict(X, verbose=0), REF['seq']['pred'])
    losses = [float(model.train_on_batch(X, Y)) for _ in range(3)]
    _close(losses, REF['seq']['next'])


def test_list_variables_names_tf_keras_keys(keras):
    keys = [key for key, _ in tf.train.list_variables(_prefix('seq',
                                                              'weights'))]
    assert keys == REF['seq']['keys']
    reader = tf.train.load_checkpoint(_prefix('seq', 'weights'))
    kernel = reader.get_tensor(
        'layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE')
    assert kernel.shape == (3, 4)
    _close(tf.train.load_variable(
        _prefix('seq'), 'layer_with_weights-0/kernel'), kernel)


def test_shape_mismatch_is_tf_keras_error(keras):
    layers = keras.layers
    model = keras.Sequential([
        layers.Dense(5, activation='tanh', input_shape=(3,)),
        layers.Dense(2)])
    with pytest.raises(ValueError) as info:
        model.load_weights(_prefix('seq', 'weights'))
    expected = REF['seq']['shape_error'][1]
    assert str(info.value).split(' and name ')[0] == \
        expected.split(' and name ')[0]


def test_uncompiled_model_leaves_optimizer_values_unconsumed(keras):
    status = _seq(keras).load_weights(_prefix('seq', 'weights'))
    status.assert_existing_objects_matched()
    with pytest.raises(AssertionError) as info:
        status.assert_consumed()
    assert str(info.value) == REF['seq']['consumed_error']
    status.expect_partial()


def test_model_with_an_extra_layer_restores_the_others(keras):
    layers = keras.layers
    model = keras.Sequential([
        layers.Dense(4, activation='tanh', input_shape=(3,)),
        layers.Dense(2), layers.Dense(1)])
    status = model.load_weights(_prefix('seq', 'weights'))
    with pytest.raises(AssertionError) as info:
        status.assert_existing_objects_matched()
    expected = REF['seq']['existing_error']
    assert str(info.value).split(': [')[0] == expected.split(': [')[0]
    assert "<tf.Variable 'dense_" in str(info.value)
    assert "/kernel:0' shape=(2, 1) dtype=float32, numpy=\narray([[" in \
        str(info.value)
    reference = _seq(keras)
    reference.load_weights(_prefix('seq', 'weights')).expect_partial()
    _close(model.layers[0].get_weights()[0],
           reference.layers[0].get_weights()[0])


def test_functional_model_with_a_shared_layer(keras):
    layers = keras.layers
    a, b = keras.Input((3,)), keras.Input((3,))
    shared = layers.Dense(3, activation='relu', name='shared')
    h = layers.Concatenate()([shared(a), shared(b)])
    out = layers.Dense(2, name='out')(layers.Dense(4, name='mid')(h))
    model = keras.Model([a, b], out)
    model.load_weights(_prefix('functional', 'weights')).assert_consumed()
    _close(model.predict([X, X[::-1]], verbose=0), REF['functional']['pred'])


def test_subclassed_model_matched_by_attribute_path(keras):
    model = _net(keras)
    model(X)
    model.load_weights(_prefix('subclassed', 'weights')).assert_consumed()
    _close(model.predict(X, verbose=0), REF['subclassed']['pred'])


def test_subclassed_model_not_built_restores_when_built(keras):
    model = _net(keras)
    status = model.load_weights(_prefix('subclassed', 'weights'))
    _close(model.predict(X, verbose=0), REF['subclassed']['deferred_pred'])
    status.assert_consumed()


def test_batch_normalization_moving_statistics(keras):
    layers = keras.layers
    model = keras.Sequential([
        layers.Dense(4, input_shape=(3,)),
        layers.BatchNormalization(momentum=0.5), layers.Dense(2)])
    model.compile('sgd', 'mse')
    model.load_weights(_prefix('batchnorm', 'weights')).assert_consumed()
    _close(model.layers[1].moving_mean.numpy(),
           REF['batchnorm']['moving_mean'])
    _close(model.layers[1].moving_variance.numpy(),
           REF['batchnorm']['moving_variance'])
    _close(model.predict(X, verbose=0), REF['batchnorm']['pred'])


def test_lstm_and_bidirectional_gru(keras):
    layers = keras.layers
    model = keras.Sequential([
        layers.LSTM(3, return_sequences=True, input_shape=(4, 3)),
        layers.Bidirectional(layers.GRU(2)), layers.Dense(1)])
    model.load_weights(_prefix('rnn', 'weights')).assert_consumed()
    _close(model.predict(XS, verbose=0), REF['rnn']['pred'])


# ----------------------------------------- tf.train.Checkpoint and manager
def _manager_objects(keras):
    model = _seq(keras)
    optimizer = keras.optimizers.Adam(0.05)
    step = tf.Variable(1)
    return model, optimizer, step, tf.train.Checkpoint(
        model=model, optimizer=optimizer, step=step)


def test_manager_restores_latest_and_training_continues(keras, tmp_path):
    directory = str(tmp_path / 'manager')
    shutil.copytree(_prefix('manager'), directory)
    model, optimizer, step, ckpt = _manager_objects(keras)
    manager = tf.train.CheckpointManager(ckpt, directory, max_to_keep=3)
    ref = REF['manager']
    assert [os.path.relpath(p, directory) for p in manager.checkpoints] == \
        ref['checkpoints']
    assert os.path.relpath(manager.latest_checkpoint, directory) == \
        ref['latest']
    status = ckpt.restore(manager.latest_checkpoint)
    status.assert_existing_objects_matched()
    with pytest.raises(AssertionError) as info:
        # (Adam's slots are restored when it makes them, at its first step.)
        status.assert_consumed()
    assert str(info.value).startswith(
        'Unresolved object in checkpoint (root).optimizer._variables.1: '
        'attributes {\n  name: "VARIABLE_VALUE"\n  full_name: '
        '"Adam/m/dense')
    assert int(step.numpy()) == ref['step']
    assert int(optimizer.iterations.numpy()) == ref['iterations']
    _close(model.predict(X, verbose=0), ref['pred'])

    def train_step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(X) - Y))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return float(loss)
    _close([train_step() for _ in range(3)], ref['next'])
    status.assert_consumed()


def test_manager_checkpoint_keys(keras):
    latest = tf.train.latest_checkpoint(_prefix('manager'))
    assert os.path.basename(latest) == REF['manager']['latest']
    assert [k for k, _ in tf.train.list_variables(latest)] == \
        REF['manager']['keys']
    _close(tf.train.load_variable(
        latest, 'model/layer_with_weights-0/kernel/.ATTRIBUTES/'
        'VARIABLE_VALUE'), REF['manager']['saved_kernel'])


def test_checkpoint_without_optimizer_is_not_consumed(keras):
    ckpt = tf.train.Checkpoint(model=_seq(keras))
    status = ckpt.restore(tf.train.latest_checkpoint(_prefix('manager')))
    status.assert_existing_objects_matched()
    with pytest.raises(AssertionError) as info:
        status.assert_consumed()
    assert str(info.value) == REF['manager']['consumed_error']
    status.expect_partial()


def test_checkpoint_with_an_unsaved_object(keras):
    ckpt = tf.train.Checkpoint(model=_seq(keras), other=tf.Variable(3.))
    status = ckpt.restore(tf.train.latest_checkpoint(_prefix('manager')))
    with pytest.raises(AssertionError) as info:
        status.assert_existing_objects_matched()
    assert str(info.value) == REF['manager']['existing_error']


def test_checkpoint_variable_of_another_shape(keras):
    ckpt = tf.train.Checkpoint(step=tf.Variable([1, 2]))
    with pytest.raises(ValueError) as info:
        ckpt.restore(tf.train.latest_checkpoint(_prefix('manager')))
    expected = REF['manager']['shape_error'][1]
    assert str(info.value).split(' and name ')[0] == \
        expected.split(' and name ')[0]


# ------------------------------------------------------- ModelCheckpoint
def test_model_checkpoint_weights_only_tf_format(keras):
    directory = _prefix('callback')
    latest = tf.train.latest_checkpoint(directory)
    assert os.path.basename(latest) == REF['callback']['latest']
    model = _seq(keras)
    model.compile(keras.optimizers.Adam(0.01), 'mse')
    model.load_weights(latest).assert_consumed()
    _close(model.predict(X, verbose=0), REF['callback']['pred'])
    _close([float(model.train_on_batch(X, Y)) for _ in range(2)],
           REF['callback']['next'])


# ------------------------------------------- checkpoints written here
def test_object_graph_string_is_written_as_tensorflow_writes_it(tmp_path):
    from keras_compat import tensorflow_bundle, tensorflow_bundle_writer
    saved = tensorflow_bundle.TensorBundle(_prefix('seq', 'weights'))
    key = '_CHECKPOINTABLE_OBJECT_GRAPH'
    entry = saved.entries[key]
    with open(_prefix('seq', 'weights.data-00000-of-00001'), 'rb') as f:
        f.seek(entry.offset)
        expected = f.read(entry.size)
    prefix = str(tmp_path / 'graph')
    tensorflow_bundle_writer.write_bundle(prefix, {key: saved[key]})
    with open(prefix + '.data-00000-of-00001', 'rb') as handle:
        assert handle.read() == expected
    assert tensorflow_bundle.TensorBundle(prefix)[key].item() == \
        saved[key].item()


def test_manager_writes_tensorflow_checkpoints(keras, tmp_path):
    from keras_compat import tensorflow_checkpoint
    directory = str(tmp_path)
    model, optimizer, step, ckpt = _manager_objects(keras)
    manager = tf.train.CheckpointManager(ckpt, directory, max_to_keep=2)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(X) - Y))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    for _ in range(3):
        manager.save()
    assert tensorflow_checkpoint.is_tensorflow_checkpoint(
        manager.latest_checkpoint)
    # (As tf_keras lists them: the object graph, then the values.)
    keys = [key for key, _ in tf.train.list_variables(directory)]
    assert keys == REF['manager']['keys']
    with open(os.path.join(directory, 'checkpoint')) as handle:
        state = handle.read().splitlines()
    stamps = [float(line.split(': ')[1]) for line in state
              if line.startswith('all_model_checkpoint_timestamps')]
    preserved = float(state[-1].split(': ')[1])
    # (TensorFlow relists the checkpoints saved after this time.)
    assert state[-1].startswith('last_preserved_timestamp') and \
        preserved < min(stamps)
    again, optimizer2, step2, ckpt2 = _manager_objects(keras)
    status = ckpt2.restore(manager.latest_checkpoint)
    status.assert_existing_objects_matched()
    assert int(optimizer2.iterations.numpy()) == 1
    _close(again.predict(X, verbose=0), model.predict(X, verbose=0))
