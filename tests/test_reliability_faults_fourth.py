"""Faults met inside training: an exception raised by a callback at each
of its hooks, by a `train_step` override or by a `tf.py_function`;
Ctrl-C at a batch, then the run resumed with `initial_epoch`;
EarlyStopping and ReduceLROnPlateau after an interrupted fit;
ModelCheckpoint writing to a directory or without its monitored value;
NaN gradients under gradient clipping; TerminateOnNaN outside fit.
Reference numbers and messages come from tf_keras 2.21 and Keras 2.3.1
(on TensorFlow)."""
import warnings

import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat import callbacks, layers, optimizers
from keras_compat import tensorflow_compat as tf
from keras_compat.engine.training import Model
from keras_compat.models import Sequential

X = np.random.RandomState(0).rand(32, 3).astype('float32')
Y = np.random.RandomState(1).rand(32, 1).astype('float32')


@pytest.fixture
def tf_keras():
    K.common.set_api_flavour('tf.keras')
    yield
    K.common.set_api_flavour('keras')


def dense_on_three(optimizer=None):
    model = Sequential([layers.Dense(1, input_shape=(3,), name='d',
                                     kernel_initializer='ones')])
    model.compile(optimizer or optimizers.SGD(0.1), 'mse')
    return model


def iterations(model):
    return int(K.get_value(model.optimizer.iterations))


# --------------------------------------------- a callback raising at a hook
class RaiseAtHook(callbacks.Callback):
    """Raises RuntimeError(hook) at `hook` (at its epoch or batch `at`)."""

    def __init__(self, hook, at):
        super(RaiseAtHook, self).__init__()
        self.hook, self.at = hook, at
        for name in ('on_train_begin', 'on_train_end', 'on_test_begin',
                     'on_test_end'):
            setattr(self, name, self._whole_run(name))
        for name in ('on_epoch_begin', 'on_epoch_end', 'on_train_batch_begin',
                     'on_train_batch_end'):
            setattr(self, name, self._indexed(name))

    def _whole_run(self, name):
        def hook(logs=None):
            if name == self.hook:
                raise RuntimeError(name)
        return hook

    def _indexed(self, name):
        def hook(index, logs=None):
            if name == self.hook and index == self.at:
                raise RuntimeError(name)
        return hook


# tf_keras 2.21: optimizer steps taken and History lengths when the hook
# raised (History runs after the user's callbacks).
HOOK_STATES = [
    ('on_train_begin', 0, {}),
    ('on_epoch_begin', 3, {'loss': 1, 'val_loss': 1}),
    ('on_train_batch_begin', 1, {}),
    ('on_train_batch_end', 2, {}),
    ('on_epoch_end', 6, {'loss': 1, 'val_loss': 1}),
    ('on_train_end', 9, {'loss': 3, 'val_loss': 3}),
    ('on_test_begin', 3, {}),
    ('on_test_end', 3, {}),
]


@pytest.mark.parametrize('hook,steps,lengths', HOOK_STATES)
def test_a_callback_raising_at_each_hook(tf_keras, hook, steps, lengths):
    model = dense_on_three()
    with pytest.raises(RuntimeError, match=hook):
        model.fit(X, Y, batch_size=8, epochs=3, verbose=0, shuffle=False,
                  validation_split=0.25, callbacks=[RaiseAtHook(hook, 1)])
    assert iterations(model) == steps
    assert model.stop_training is False
    assert {k: len(v) for k, v in model.history.history.items()} == lengths
    history = model.fit(X, Y, batch_size=8, epochs=1, verbose=0)
    assert history is model.history
    assert iterations(model) == steps + 4
    assert {k: len(v) for k, v in history.history.items()} == {'loss': 1}


class RaiseInInference(callbacks.Callback):
    def on_predict_batch_end(self, batch, logs=None):
        if batch == 1:
            raise RuntimeError('predict batch %d' % batch)

    def on_test_end(self, logs=None):
        raise RuntimeError('test end')


def test_predict_and_evaluate_hooks_raising(tf_keras):
    model = dense_on_three()
    with pytest.raises(RuntimeError, match='predict batch 1'):
        model.predict(X, batch_size=8, verbose=0,
                      callbacks=[RaiseInInference()])
    with pytest.raises(RuntimeError, match='test end'):
        model.evaluate(X, Y, batch_size=8, verbose=0,
                       callbacks=[RaiseInInference()])
    np.testing.assert_allclose(model.predict(X[:2], verbose=0).ravel(),
                               X[:2].sum(axis=1), rtol=1e-6)


class CountingModel(Model):
    """A `train_step` override that raises at its third call."""
    calls = 0

    def train_step(self, data):
        CountingModel.calls += 1
        if CountingModel.calls == 3:
            raise ValueError('step three')
        return super(CountingModel, self).train_step(data)


class Batches(callbacks.Callback):
    def __init__(self):
        super(Batches, self).__init__()
        self.seen = []

    def on_train_batch_end(self, batch, logs=None):
        self.seen.append(batch)


def test_a_train_step_override_raising(tf_keras):
    # tf_keras 2.21 with run_eagerly=True (a traced step runs its Python
    # once).
    inputs = layers.Input((3,))
    model = CountingModel(inputs, layers.Dense(
        1, kernel_initializer='ones')(inputs))
    model.compile(optimizers.SGD(0.1), 'mse', run_eagerly=True)
    CountingModel.calls = 0
    seen = Batches()
    with pytest.raises(ValueError, match='step three'):
        model.fit(X, Y, batch_size=8, epochs=2, verbose=0, shuffle=False,
                  callbacks=[seen])
    assert seen.seen == [0, 1] and iterations(model) == 2
    np.testing.assert_allclose(model.get_weights()[0].ravel(),
                               [0.77840, 0.74375, 0.72433], atol=1e-5)
    CountingModel.calls = 100
    history = model.fit(X, Y, batch_size=8, epochs=1, verbose=0,
                        shuffle=False)
    np.testing.assert_allclose(history.history['loss'], [0.31688],
                               atol=1e-5)


# tf_keras 2.21: the op error each Python exception becomes.
PY_FUNCTION_ERRORS = [
    (ValueError('v'), 'InvalidArgumentError', 'ValueError: v'),
    (TypeError('t'), 'InvalidArgumentError', 'TypeError: t'),
    (StopIteration(), 'OutOfRangeError', 'StopIteration: '),
    (MemoryError('m'), 'ResourceExhaustedError', 'MemoryError: m'),
    (NotImplementedError('n'), 'UnimplementedError',
     'NotImplementedError: n'),
    (RuntimeError('r'), 'UnknownError', 'RuntimeError: r'),
    (KeyError('k'), 'UnknownError', "KeyError: 'k'"),
]


@pytest.mark.parametrize('raised,kind,start', PY_FUNCTION_ERRORS)
def test_py_function_errors_are_op_errors(raised, kind, start):
    def fails(value):
        raise raised
    with pytest.raises(getattr(tf.errors, kind)) as info:
        tf.py_function(fails, [1.], tf.float32)
    assert str(info.value).startswith(start)
    assert 'Traceback (most recent call last)' in str(info.value)
    assert info.value.__cause__ is raised


def test_numpy_function_called_eagerly_raises_the_exception():
    def fails(value):
        raise ValueError('bad element')
    with pytest.raises(ValueError, match='^bad element$'):
        tf.numpy_function(fails, [1.], tf.float32)


# --------------------------------------------------- interrupted, resumed
class CtrlCAtStep(callbacks.Callback):
    def __init__(self, step):
        super(CtrlCAtStep, self).__init__()
        self.step, self.count = step, 0

    def on_train_batch_end(self, batch, logs=None):
        self.count += 1
        if self.count == self.step:
            raise KeyboardInterrupt


def test_ctrl_c_then_initial_epoch_goes_on_as_one_run(tf_keras):
    model = dense_on_three(optimizers.Adam(0.05))
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, Y, batch_size=8, epochs=4, shuffle=False, verbose=0,
                  callbacks=[CtrlCAtStep(8)])
    # tf_keras 2.21: epoch 0 logged, the 8 steps of epochs 0-1 taken.
    assert iterations(model) == 8 and model.history.epoch == [0]
    np.testing.assert_allclose(model.history.history['loss'],
                               [1.1578746], rtol=1e-5)
    history = model.fit(X, Y, batch_size=8, epochs=4, initial_epoch=2,
                        shuffle=False, verbose=0)
    # The losses of epochs 2 and 3 of one uninterrupted run.
    assert history.epoch == [2, 3]
    np.testing.assert_allclose(history.history['loss'],
                               [0.266587, 0.236833], atol=2e-6)


class CtrlCAtEpochEnd(callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 3:
            raise KeyboardInterrupt


def test_early_stopping_interrupted_keeps_the_last_weights(tf_keras):
    model = dense_on_three(optimizers.SGD(0.5))
    stopper = callbacks.EarlyStopping(monitor='loss', patience=10,
                                      restore_best_weights=True)
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, Y, batch_size=32, epochs=6, shuffle=False, verbose=0,
                  callbacks=[stopper, CtrlCAtEpochEnd()])
    # tf_keras 2.21: the best weights are kept but not put back (that
    # happens at on_train_end).
    assert stopper.best_epoch == 3 and stopper.wait == 0
    assert stopper.stopped_epoch == 0 and stopper.best_weights is not None
    np.testing.assert_allclose(stopper.best, 0.36685052, rtol=1e-5)
    np.testing.assert_allclose(model.get_weights()[0].ravel(),
                               [0.63456, 0.648, 0.61213], atol=1e-5)
    model.fit(X, Y, batch_size=32, epochs=2, shuffle=False, verbose=0,
              callbacks=[stopper])
    assert stopper.best_epoch == 1 and stopper.wait == 0
    np.testing.assert_allclose(stopper.best, 0.225133, atol=2e-6)


class FailsAtEpochTwo(callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 2:
            raise RuntimeError('epoch two')


def test_reduce_lr_on_plateau_after_an_exception(tf_keras):
    model = dense_on_three(optimizers.SGD(0.01))
    reducer = callbacks.ReduceLROnPlateau(monitor='loss', patience=0,
                                          factor=0.5, min_delta=10)
    with pytest.raises(RuntimeError, match='epoch two'):
        model.fit(X, Y, batch_size=32, epochs=5, shuffle=False, verbose=0,
                  callbacks=[reducer, FailsAtEpochTwo()])
    # tf_keras 2.21: halved at epochs 1 and 2; its state starts again
    # with the next fit, the learning rate does not.
    np.testing.assert_allclose(K.get_value(model.optimizer.lr), 0.0025,
                               rtol=1e-6)
    assert reducer.wait == 0 and reducer.cooldown_counter == 0
    np.testing.assert_allclose(reducer.best, 1.40322, atol=1e-5)
    model.fit(X, Y, batch_size=32, epochs=2, shuffle=False, verbose=0,
              callbacks=[reducer])
    np.testing.assert_allclose(K.get_value(model.optimizer.lr), 0.00125,
                               rtol=1e-6)
    np.testing.assert_allclose(reducer.best, 1.21605, atol=1e-5)


# -------------------------------------------------------- ModelCheckpoint
def test_model_checkpoint_onto_a_directory(tmp_path, tf_keras):
    target = tmp_path / 'model.h5'
    target.mkdir()
    model = dense_on_three()
    with pytest.raises(OSError) as info:
        model.fit(X, Y, batch_size=16, epochs=2, verbose=0,
                  callbacks=[callbacks.ModelCheckpoint(str(target))])
    # tf_keras 2.21's message; the first epoch was trained.
    assert str(info.value) == (
        'Please specify a non-directory filepath for ModelCheckpoint. '
        'Filepath used is an existing directory: %s' % target)
    assert iterations(model) == 2 and target.is_dir()


def test_keras2_model_checkpoint_onto_a_directory(tmp_path):
    target = tmp_path / 'model.h5'
    target.mkdir()
    with pytest.raises(IsADirectoryError) as info:
        dense_on_three().fit(X, Y, batch_size=16, epochs=2, verbose=0,
                             callbacks=[callbacks.ModelCheckpoint(
                                 str(target))])
    # Keras 2.3.1: h5py's error, errno 21.
    assert info.value.errno == 21


@pytest.mark.parametrize('flavour', ['keras', 'tf.keras'])
def test_missing_monitored_values_are_warned_every_epoch(tmp_path,
                                                         flavour):
    K.common.set_api_flavour(flavour)
    try:
        model = dense_on_three()
        best = str(tmp_path / 'best.h5')
        watchers = [callbacks.ModelCheckpoint(best, save_best_only=True,
                                              monitor='val_acc'),
                    callbacks.EarlyStopping(monitor='val_acc'),
                    callbacks.ReduceLROnPlateau(monitor='val_acc')]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            model.fit(X, Y, batch_size=16, epochs=2, verbose=0,
                      callbacks=watchers)
    finally:
        K.common.set_api_flavour('keras')
    # Keras 2.3.1's warnings; tf_keras 2.21 logs the same texts, but for
    # ReduceLROnPlateau's.
    reduce_lr = 'Learning rate reduction is' if flavour == 'tf.keras' \
        else 'Reduce LR on plateau'
    expected = [
        'Can save best model only with val_acc available, skipping.',
        'Early stopping conditioned on metric `val_acc` which is not '
        'available. Available metrics are: loss',
        '%s conditioned on metric `val_acc` which is not available. '
        'Available metrics are: loss,lr' % reduce_lr] * 2
    assert [str(w.message) for w in caught] == expected
    assert not (tmp_path / 'best.h5').exists()
    assert iterations(model) == 4


def test_keras2_filepath_with_a_missing_key(tmp_path):
    template = str(tmp_path / 'm_{epoch:02d}_{val_acc:.2f}.h5')
    model = dense_on_three()
    with pytest.raises(KeyError) as info:
        model.fit(X, Y, batch_size=16, epochs=2, verbose=0,
                  callbacks=[callbacks.ModelCheckpoint(template)])
    # Keras 2.3.1: str.format's own KeyError, after the first epoch.
    assert info.value.args == ('val_acc',)
    assert iterations(model) == 2 and list(tmp_path.iterdir()) == []


# ------------------------------------------------------------ NaN values
@pytest.mark.parametrize('clip', [{'clipnorm': 1.}, {'clipvalue': .5},
                                  {'global_clipnorm': 1.}])
def test_clipping_nan_gradients_gives_nan_weights(tf_keras, clip):
    model = Sequential([layers.Dense(2, input_shape=(3,),
                                     kernel_initializer='ones'),
                        layers.Dense(1, kernel_initializer='ones')])
    model.compile(optimizers.SGD(0.1, **clip), 'mse')
    x = X[:8].copy()
    x[0, 0] = np.nan
    model.train_on_batch(x, Y[:8])
    # tf_keras 2.21: clipping does not clean NaN gradients.
    assert all(np.isnan(w).all() for w in model.get_weights())


# tf_keras 2.21: one step on inputs 1000 times too large.
CLIPPED_STEPS = [
    ({'clipnorm': 1.}, [[0.9651] * 2 + [0.957] * 2 + [0.956] * 2,
                        [-0.0707] * 2, [0.9293] * 2, [-0.1]]),
    ({'clipvalue': .5}, [[0.95] * 6, [-0.05] * 2, [0.95] * 2, [-0.05]]),
    ({'global_clipnorm': 1.}, [[0.9825] * 2 + [0.9784] * 2 + [0.9779] * 2,
                               [0.] * 2, [0.9388] * 2, [0.]]),
]


@pytest.mark.parametrize('clip,expected', CLIPPED_STEPS)
def test_clipping_huge_gradients(tf_keras, clip, expected):
    model = Sequential([layers.Dense(2, input_shape=(3,),
                                     kernel_initializer='ones'),
                        layers.Dense(1, kernel_initializer='ones')])
    model.compile(optimizers.SGD(0.1, **clip), 'mse')
    model.train_on_batch(X[:8] * 1e3, Y[:8])
    for weight, values in zip(model.get_weights(), expected):
        np.testing.assert_allclose(weight.ravel(), values, atol=1.5e-4)


class TimesNaN(layers.Layer):
    def call(self, inputs):
        return inputs * float('nan')


def test_terminate_on_nan_acts_in_fit_only(tf_keras):
    model = Sequential([layers.Dense(1, input_shape=(3,)), TimesNaN()])
    model.compile('sgd', 'mse')
    stopper = callbacks.TerminateOnNaN()
    # tf_keras 2.21: evaluate and predict run to the end.
    assert np.isnan(model.evaluate(X, Y, batch_size=8, verbose=0,
                                   callbacks=[stopper]))
    assert model.stop_training is False
    assert np.isnan(model.predict(X[:2], verbose=0,
                                  callbacks=[stopper])).all()


def test_batch_normalization_fed_nan(tf_keras):
    norm = layers.BatchNormalization(momentum=0.5)
    model = Sequential([layers.InputLayer((3,)), norm,
                        layers.Dense(1, kernel_initializer='ones')])
    model.compile(optimizers.SGD(0.1), 'mse')
    x = X.copy()
    x[5, 1] = np.nan
    history = model.fit(x, Y, batch_size=16, epochs=1, shuffle=False,
                        verbose=0)
    gamma, beta, mean, variance = norm.get_weights()
    # tf_keras 2.21: the NaN loss of the first batch spoils every
    # trained weight; the moving statistics only where the NaN was.
    assert np.isnan(history.history['loss']).all()
    assert np.isnan(gamma).all() and np.isnan(beta).all()
    np.testing.assert_allclose(mean[0], 0.3189, atol=1e-4)
    np.testing.assert_allclose(variance[0], 0.2991, atol=1e-4)
    assert np.isnan(mean[1]) and np.isnan(variance[1])
    assert np.isnan(model.predict(X[:3], verbose=0)).all()


# A training Sequence's on_epoch_end in tf.keras's order.
from keras_compat.utils import Sequence  # noqa: E402

EVENTS = []


class Recorded(Sequence):
    """Four (or `n`) batches of X, Y; records its on_epoch_end calls."""

    def __init__(self, tag, n=4):
        self.tag, self.n = tag, n

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        return X[index * 8:(index + 1) * 8], Y[index * 8:(index + 1) * 8]

    def on_epoch_end(self):
        EVENTS.append(self.tag + '.end')


class RecordedHooks(callbacks.Callback):
    def __init__(self, stop_at=None):
        super(RecordedHooks, self).__init__()
        self.stop_at = stop_at

    def on_epoch_end(self, epoch, logs=None):
        EVENTS.append('E%d' % epoch)
        if epoch == self.stop_at:
            self.model.stop_training = True

    def on_test_end(self, logs=None):
        EVENTS.append('test_end')

    def on_train_end(self, logs=None):
        EVENTS.append('train_end')


# tf_keras 2.21: a training Sequence's on_epoch_end comes after the
# callbacks' on_epoch_end, and not after the epoch training stops at; a
# validation Sequence's before on_test_end.
SEQUENCE_ORDERS = [
    (dict(validation_data=Recorded('va', 2), epochs=2), None,
     ['va.end', 'test_end', 'E0', 'tr.end', 'va.end', 'test_end', 'E1',
      'tr.end', 'train_end']),
    (dict(epochs=3), 1, ['E0', 'tr.end', 'E1', 'train_end']),
    (dict(epochs=2, steps_per_epoch=2), None,
     ['E0', 'tr.end', 'E1', 'tr.end', 'train_end']),
]


@pytest.mark.parametrize('kwargs,stop_at,expected', SEQUENCE_ORDERS)
def test_a_sequences_on_epoch_end_follows_the_callbacks(
        tf_keras, kwargs, stop_at, expected):
    model = dense_on_three()
    del EVENTS[:]
    model.fit(Recorded('tr'), verbose=0,
              callbacks=[RecordedHooks(stop_at)], **kwargs)
    assert EVENTS == expected


class ShuffleFails(Recorded):
    def on_epoch_end(self):
        super(ShuffleFails, self).on_epoch_end()
        if len(EVENTS) > 3:
            raise RuntimeError('shuffle failed')


def test_a_sequences_on_epoch_end_raising(tf_keras):
    model = dense_on_three()
    del EVENTS[:]
    with pytest.raises(RuntimeError, match='shuffle failed'):
        model.fit(ShuffleFails('tr'), epochs=3, verbose=0,
                  callbacks=[RecordedHooks()])
    # tf_keras 2.21: epoch 1 is logged before its on_epoch_end raises.
    assert EVENTS == ['E0', 'tr.end', 'E1', 'tr.end']
    assert model.history.epoch == [0, 1] and iterations(model) == 8


# A checkpoint index without its data shard.
def test_a_checkpoint_index_without_its_data_shard(tmp_path, tf_keras):
    prefix = str(tmp_path / 'ckpt')
    dense_on_three().save_weights(prefix)
    (tmp_path / 'ckpt.data-00000-of-00001').unlink()
    with pytest.raises(tf.errors.OpError) as info:
        dense_on_three().load_weights(prefix)
    # tf_keras 2.21's message.
    assert str(info.value) == \
        '%s.data-00000-of-00001; No such file or directory' % prefix
