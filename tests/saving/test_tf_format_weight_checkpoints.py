"""Checkpoints written by tf_keras 2.21 in TensorFlow's format
(`model.save_weights('dir/w')`, `ModelCheckpoint(...,
save_weights_only=True)`, `tf.train.Checkpoint(...).save`): loaded into
the same models built here, with the optimizer state that training goes
on from, and the load status checks. The files and every expected number
(`expected.json`) come from tf_keras 2.21 on TensorFlow 2.21 running the
same code."""
import json
import os
import tarfile

import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat import tensorflow_compat as tf

DATA = os.path.join(os.path.dirname(__file__), '..', 'data',
                    'tf_format_checkpoints')
X = np.linspace(-1, 1, 8 * 4).reshape(8, 4).astype('float32')
Y = np.arange(8).reshape(8, 1).astype('float32') / 8
XI = (np.arange(8 * 5).reshape(8, 5) % 7).astype('int32')


@pytest.fixture
def files(tmp_path):
    K.common.set_api_flavour('tf.keras')
    with tarfile.open(os.path.join(DATA,
                                   'tf_keras_checkpoints.tar.gz')) as tar:
        tar.extractall(str(tmp_path))
    with open(os.path.join(DATA, 'expected.json')) as handle:
        expected = json.load(handle)
    return str(tmp_path), expected


def _keras():
    return tf.keras, tf.keras.layers


def seq(activation='tanh', units=3, input_shape=(4,)):
    keras, L = _keras()
    first = L.Dense(units, activation=activation, input_shape=input_shape) \
        if input_shape else L.Dense(units, activation=activation)
    return keras.Sequential([first, L.BatchNormalization(), L.Dense(1)])


def func():
    keras, L = _keras()
    i = L.Input((5,), dtype='int32')
    h = L.Embedding(7, 3)(i)
    h = L.Conv1D(4, 2, activation='tanh')(h)
    h = L.LSTM(3)(h)
    return keras.Model(i, L.Dense(1)(h))


def sub():
    keras, L = _keras()

    class Sub(keras.Model):
        def __init__(self):
            super().__init__()
            self.d1 = L.Dense(3, activation='tanh')
            self.blocks = [L.Dense(3, activation='relu'), L.Dense(2)]
            self.head = keras.Sequential([L.Dense(1)])

        def call(self, x):
            h = self.d1(x)
            for block in self.blocks:
                h = block(h)
            return self.head(h)
    return Sub()


def nested():
    keras, L = _keras()
    inner = keras.Sequential([L.Dense(3, activation='relu',
                                      input_shape=(4,)), L.Dense(2)],
                             name='inner')
    i = L.Input((4,))
    return keras.Model(i, L.Dense(1)(inner(i)))


CASES = {
    'seq': (seq, lambda o: o.Adam(0.01), X),
    'func': (func, lambda o: o.legacy.Adam(0.01), XI),
    'sub': (sub, lambda o: o.RMSprop(0.01), X),
    'nested': (nested, lambda o: o.legacy.SGD(0.05, momentum=0.9), X),
}


@pytest.mark.parametrize('name', sorted(CASES))
def test_weights_and_optimizer_state_continue_training(files, name):
    root, expected = files
    make, optimizer, x = CASES[name]
    model = make()
    model.compile(optimizer=optimizer(tf.keras.optimizers), loss='mse')
    if name == 'sub':
        model(x[:1])
    status = model.load_weights(os.path.join(root, name, 'w'))
    status.assert_existing_objects_matched()
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               expected[name]['pred_loaded'], atol=2e-6)
    model.fit(x, Y, epochs=1, batch_size=4, verbose=0, shuffle=False)
    # (Restored slots and step count: tf_keras's numbers, not a restart.)
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               expected[name]['pred_loaded_fit'], atol=2e-6)
    status.assert_consumed()


def test_uncompiled_model_leaves_the_optimizer_values_unused(files):
    root, expected = files
    model = seq()
    path = os.path.join(root, 'seq', 'w')
    model.load_weights(path).expect_partial()
    np.testing.assert_allclose(model.predict(X, verbose=0),
                               expected['seq']['pred_loaded'], atol=2e-6)
    status = seq().load_weights(path)
    status.assert_existing_objects_matched()
    status.assert_nontrivial_match()
    with pytest.raises(AssertionError,
                       match=r'Unresolved object in checkpoint '
                             r'\(root\)\.optimizer\._iterations'):
        status.assert_consumed()


def test_models_not_built_yet_get_the_values_when_built(files):
    root, expected = files
    model = seq(input_shape=None)
    model.load_weights(os.path.join(root, 'seq', 'w'))
    np.testing.assert_allclose(model.predict(X, verbose=0),
                               expected['unbuilt_seq_pred'], atol=2e-6)
    model = sub()
    model.load_weights(os.path.join(root, 'sub', 'w'))
    np.testing.assert_allclose(model.predict(X, verbose=0),
                               expected['unbuilt_sub_pred'], atol=2e-6)


def test_mismatched_models(files):
    root, _ = files
    keras, L = _keras()
    path = os.path.join(root, 'seq', 'w')
    # tf_keras: an extra layer loads, and is reported unmatched.
    longer = keras.Sequential([L.Dense(3, input_shape=(4,)),
                               L.BatchNormalization(), L.Dense(1),
                               L.Dense(1)])
    with pytest.raises(AssertionError, match='Found 2 Python objects that '
                       'were not bound to checkpointed values'):
        longer.load_weights(path).assert_existing_objects_matched()
    # (tf_keras restores in sorted key order: the bias is met first.)
    with pytest.raises(ValueError, match=r'Received incompatible tensor '
                       r'with shape \(3,\) when attempting to restore '
                       r'variable with shape \(5,\)'):
        seq(units=5).load_weights(path)
    with pytest.raises(NotImplementedError, match='by_name=True'):
        seq().load_weights(path, by_name=True)
    # A tf.train.Checkpoint's files hold the model under `model/`.
    with pytest.raises(AssertionError, match='Nothing except the root'):
        seq().load_weights(tf.train.latest_checkpoint(
            os.path.join(root, 'tc')))


def test_legacy_slots_into_a_new_optimizer_raise(files):
    root, _ = files
    model = func()
    model.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss='mse')
    with pytest.raises(ValueError, match='from a legacy TF-Keras optimizer '
                       'into a v2.11\\+ Optimizer'):
        model.load_weights(os.path.join(root, 'func', 'w'))


def test_legacy_optimizer_hyperparameters_come_from_the_checkpoint(files):
    root, _ = files
    model = nested()
    optimizer = tf.keras.optimizers.legacy.SGD(0.5, momentum=0.1)
    model.compile(optimizer=optimizer, loss='mse')
    model.load_weights(os.path.join(root, 'nested', 'w')).assert_consumed()
    # The saved learning_rate 0.05, momentum 0.9, iter 4 (2 epochs of 2).
    assert K.get_value(optimizer.learning_rate) == pytest.approx(0.05)
    assert K.get_value(optimizer.momentum) == pytest.approx(0.9)
    assert int(K.get_value(optimizer.iterations)) == 4


def test_model_checkpoint_files_and_latest_checkpoint(files):
    root, expected = files
    path = tf.train.latest_checkpoint(os.path.join(root, 'cb'))
    assert os.path.basename(path) == expected['cb']['latest']
    model = seq()
    model.load_weights(path).expect_partial()
    np.testing.assert_allclose(model.predict(X, verbose=0),
                               expected['cb']['pred'], atol=2e-6)


def test_train_checkpoint_restores_model_and_optimizer(files):
    root, expected = files
    model = seq()
    optimizer = tf.keras.optimizers.Adam(0.01)
    model.compile(optimizer=optimizer, loss='mse')
    checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer)
    status = checkpoint.restore(tf.train.latest_checkpoint(
        os.path.join(root, 'tc')))
    status.assert_existing_objects_matched()
    assert int(K.get_value(checkpoint.save_counter)) == 1
    np.testing.assert_allclose(model.predict(X, verbose=0),
                               expected['tc']['pred'], atol=2e-6)
    model.fit(X, Y, epochs=1, batch_size=4, verbose=0, shuffle=False)
    np.testing.assert_allclose(model.predict(X, verbose=0),
                               expected['tc']['pred_after_fit'], atol=2e-6)
    status.assert_consumed()
