"""Faults in data readers and in saving, as Keras 2 / tf.keras 2 programs
meet them: a Sequence or generator raising in every reader mode, worker
processes killed by a signal, batches whose shape or dtype changes
mid-epoch, Ctrl-C and a full disk while an HDF5 file is written, NaN
losses with the monitoring callbacks, HDF5 files without Keras's version
attributes. Reference messages and numbers come from tf_keras 2.21 and
Keras 2.3.1 (on TensorFlow)."""
import errno
import multiprocessing
import os
import signal

import h5py
import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat import callbacks, layers, optimizers
from keras_compat.models import Sequential, load_model
from keras_compat.utils import GeneratorEnqueuer, OrderedEnqueuer, Sequence
from thread_checks import reader_threads

X = np.random.RandomState(0).rand(32, 3).astype('float32')
Y = np.random.RandomState(1).rand(32, 1).astype('float32')
MAIN_PID = os.getpid()


@pytest.fixture
def tf_keras():
    K.common.set_api_flavour('tf.keras')
    yield
    K.common.set_api_flavour('keras')


def dense_on_three():
    model = Sequential([layers.Dense(1, input_shape=(3,), name='d',
                                     kernel_initializer='ones')])
    model.compile(optimizers.SGD(0.1), 'mse')
    return model


def no_readers_left():
    return reader_threads() == [] and multiprocessing.active_children() == []


class Events(callbacks.Callback):
    def __init__(self):
        super(Events, self).__init__()
        self.seen = []

    def on_batch_end(self, batch, logs=None):
        self.seen.append(batch)

    def on_epoch_end(self, epoch, logs=None):
        self.seen.append('epoch %d' % epoch)

    def on_train_end(self, logs=None):
        self.seen.append('train end')


# ------------------------------------------------- readers that raise
class FailsAtFive(Sequence):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 5:
            raise KeyError('bad item %d' % i)
        return X[i * 4:(i + 1) * 4], Y[i * 4:(i + 1) * 4]


def fails_at_five():
    for i in range(8):
        if i == 5:
            raise KeyError('bad item %d' % i)
        yield X[i * 4:(i + 1) * 4], Y[i * 4:(i + 1) * 4]


MODES = [(0, False), (1, False), (4, False), (2, True)]


@pytest.mark.parametrize('workers,use_multiprocessing', MODES)
@pytest.mark.parametrize('source', [FailsAtFive, fails_at_five])
def test_a_reader_error_at_batch_five_in_every_mode(
        source, workers, use_multiprocessing):
    # tf_keras 2.21 (which wraps it in its UnknownError) and Keras 2.3.1
    # (which re-raises it): the KeyError of batch 5 after batches 0-4,
    # no on_epoch_end, no on_train_end; no reader is left running.
    model = dense_on_three()
    events = Events()
    with pytest.raises(KeyError, match='bad item 5'):
        model.fit(source(), steps_per_epoch=8, epochs=1, verbose=0,
                  workers=workers, use_multiprocessing=use_multiprocessing,
                  shuffle=False, callbacks=[events])
    assert events.seen == [0, 1, 2, 3, 4]
    assert int(K.get_value(model.optimizer.iterations)) == 5
    assert no_readers_left()
    model.fit(X, Y, epochs=1, verbose=0)
    assert int(K.get_value(model.optimizer.iterations)) == 6


@pytest.mark.parametrize('method', ['evaluate_generator', 'predict_generator'])
@pytest.mark.parametrize('workers,use_multiprocessing', [(0, False),
                                                         (2, True)])
def test_evaluation_and_prediction_readers_raise_too(
        method, workers, use_multiprocessing):
    with pytest.raises(KeyError, match='bad item 5'):
        getattr(dense_on_three(), method)(
            FailsAtFive(), steps=8, workers=workers,
            use_multiprocessing=use_multiprocessing)
    assert no_readers_left()


# ----------------------------------------- worker processes killed
class KilledAtThree(Sequence):
    """Batch 3 read in a worker process kills that process (as the
    kernel's out-of-memory killer would)."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 3 and os.getpid() != MAIN_PID:
            os.kill(os.getpid(), signal.SIGKILL)
        return np.full((2,), i)


def killed_at_third_draw():
    """Each worker process's copy kills its process at its third draw."""
    draws = 0
    while True:
        draws += 1
        if draws == 3 and os.getpid() != MAIN_PID:
            os.kill(os.getpid(), signal.SIGKILL)
        yield np.full((2,), draws)


@pytest.mark.parametrize('enqueuer,source', [
    (OrderedEnqueuer, KilledAtThree), (GeneratorEnqueuer,
                                       killed_at_third_draw)])
def test_a_killed_enqueuer_worker_is_an_error_not_a_hang(enqueuer, source):
    # tf_keras 2.21 waits forever for the batch the dead process held.
    reader = enqueuer(source(), use_multiprocessing=True)
    reader.start(workers=2, max_queue_size=4)
    batches = reader.get()
    with pytest.raises(RuntimeError, match=(
            r'^A worker process reading the (Sequence|generator) ended '
            r'while reading a batch \(pid \d+ killed by signal 9 '
            r'\(SIGKILL\)\); the batch is lost\.')):
        for _ in range(10):
            next(batches)
    assert not reader.is_running()
    reader.stop()
    assert no_readers_left()


def test_fit_with_a_killed_worker_process_is_an_error_not_a_hang():
    # tf_keras 2.21 hangs; the model stays usable here.
    class Killed(KilledAtThree):
        def __getitem__(self, i):
            value = super(Killed, self).__getitem__(i)
            return X[:2] + value[:, None], Y[:2]
    model = dense_on_three()
    with pytest.raises(RuntimeError, match='(?i)worker.*pid'):
        model.fit(Killed(), epochs=1, verbose=0, workers=2,
                  use_multiprocessing=True)
    assert no_readers_left()
    model.fit(X, Y, epochs=1, verbose=0)


# ------------------------------------- batches changing mid-epoch
def changes_at_batch_two(change):
    i = 0
    while True:
        x, y = X[:4], Y[:4]
        if i == 2:
            x, y = change(x, y)
        i += 1
        yield x, y


@pytest.mark.parametrize('change,loss', [
    (lambda x, y: (x.astype('float64'), y), 0.9968147277832031),
    (lambda x, y: ((x * 10).astype('int64'), y), 210.87380981445312),
    (lambda x, y: (x[:3], y[:3]), 1.0509941577911377)])
def test_a_batch_of_another_dtype_or_size_is_trained_on(change, loss):
    # tf_keras 2.21's and Keras 2.3.1's epoch losses.
    history = dense_on_three().fit(changes_at_batch_two(change),
                                   steps_per_epoch=4, epochs=1, verbose=0)
    np.testing.assert_allclose(history.history['loss'], [loss], rtol=1e-6)


@pytest.mark.parametrize('change,message', [
    (lambda x, y: (np.ones((4, 5), 'float32'), y),
     'Error when checking input: expected d_input to have shape (3,) but '
     'got array with shape (5,)'),
    (lambda x, y: (x[..., None], y),
     'Error when checking input: expected d_input to have 2 dimensions, '
     'but got array with shape (4, 3, 1)'),
    (lambda x, y: (x, y[:3]),
     'Input arrays should have the same number of samples as target '
     'arrays. Found 4 input samples and 3 target samples.'),
    (lambda x, y: (x,), 'not enough values to unpack (expected 2, got 1)')])
def test_a_batch_of_another_shape_is_keras2s_error(change, message):
    # Keras 2.3.1's fit_generator, word for word, after two steps.
    model = dense_on_three()
    with pytest.raises(ValueError) as info:
        model.fit_generator(changes_at_batch_two(change), steps_per_epoch=4,
                            epochs=1, verbose=0)
    assert str(info.value) == message
    assert int(K.get_value(model.optimizer.iterations)) == 2
    assert no_readers_left()


# ------------------------------------------------- saving interrupted
def fail_on_dataset(monkeypatch, error, after):
    """h5py's create_dataset raises `error` after `after` calls."""
    real = h5py.Group.create_dataset
    calls = []

    def create_dataset(group, *args, **kwargs):
        calls.append(1)
        if len(calls) > after:
            raise error
        return real(group, *args, **kwargs)
    monkeypatch.setattr(h5py.Group, 'create_dataset', create_dataset)


def two_dense():
    model = Sequential([layers.Dense(2, input_shape=(3,),
                                     kernel_initializer='ones'),
                        layers.Dense(1, kernel_initializer='ones')])
    model.compile(optimizers.SGD(0.1), 'mse')
    return model


def test_ctrl_c_while_saving_an_h5_model_keeps_the_old_file(
        tmp_path, monkeypatch):
    # (tf_keras 2.21 writes in place: the interrupted file is left and
    # load_model then fails with "KeyError: 'Unable to synchronously open
    # object (component not found)'".)
    path = str(tmp_path / 'm.h5')
    model = two_dense()
    model.save(path)
    before = open(path, 'rb').read()
    fail_on_dataset(monkeypatch, KeyboardInterrupt(), 2)
    with pytest.raises(KeyboardInterrupt):
        model.save(path)
    monkeypatch.undo()
    assert open(path, 'rb').read() == before
    assert os.listdir(str(tmp_path)) == ['m.h5']
    np.testing.assert_array_equal(load_model(path).predict(X[:2]),
                                  model.predict(X[:2]))


def test_a_full_disk_stops_training_at_the_best_model_checkpoint(
        tmp_path, monkeypatch, capsys, tf_keras):
    path = str(tmp_path / 'best.h5')

    class DiskFillsUp(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            fail_on_dataset(monkeypatch, OSError(
                errno.ENOSPC, 'No space left on device'), 0)
    model = two_dense()
    events = Events()
    with pytest.raises(OSError) as info:
        model.fit(X, Y, epochs=4, verbose=0, callbacks=[
            events, DiskFillsUp(), callbacks.ModelCheckpoint(
                path, 'loss', save_best_only=True, verbose=1)])
    # tf_keras 2.21: the save's OSError (errno 28) ends fit after the
    # first epoch, with no on_train_end. (It leaves a partial best.h5;
    # nothing is left here.)
    assert info.value.errno == errno.ENOSPC
    assert events.seen == [0, 'epoch 0']
    assert int(K.get_value(model.optimizer.iterations)) == 1
    assert 'Epoch 1: loss improved from inf to 7.15539, saving model to ' \
        + path in capsys.readouterr().out
    assert os.listdir(str(tmp_path)) == []
    monkeypatch.undo()
    model.fit(X, Y, epochs=1, verbose=0)


def test_a_full_disk_during_save_weights(tmp_path, monkeypatch):
    # tf_keras 2.21: OSError [Errno 28] No space left on device.
    path = str(tmp_path / 'w.h5')
    fail_on_dataset(monkeypatch, OSError(errno.ENOSPC,
                                         'No space left on device'), 1)
    with pytest.raises(OSError, match='No space left on device') as info:
        two_dense().save_weights(path)
    assert info.value.errno == errno.ENOSPC
    assert os.listdir(str(tmp_path)) == []


# --------------------------------------------------------- NaN losses
def test_nan_training_loss_with_the_monitoring_callbacks(
        tmp_path, capsys, tf_keras):
    x = X.copy()
    x[0] = np.nan
    model = two_dense()
    path = str(tmp_path / 'best.h5')
    model.fit(x, Y, epochs=2, verbose=0, callbacks=[
        callbacks.ModelCheckpoint(path, 'loss', save_best_only=True,
                                  verbose=1),
        callbacks.EarlyStopping('loss', patience=0, verbose=1),
        callbacks.ReduceLROnPlateau('loss', patience=0, verbose=1)])
    # tf_keras 2.21: NaN never improves; nothing saved; the rate cut at
    # both epochs; stopped after the second.
    out = capsys.readouterr().out
    for line in ['Epoch 1: loss did not improve from inf',
                 'Epoch 1: ReduceLROnPlateau reducing learning rate to '
                 '0.010000000707805157.',
                 'Epoch 2: loss did not improve from inf',
                 'Epoch 2: ReduceLROnPlateau reducing learning rate to '
                 '0.0010000000474974513.',
                 'Epoch 2: early stopping']:
        assert line in out
    assert not os.path.exists(path)
    assert float(K.get_value(model.optimizer.lr)) == \
        pytest.approx(0.001, rel=1e-6)


# ----------------------------------------------------- HDF5 attributes
def test_h5_files_without_version_attributes_and_with_bytes(tmp_path):
    # tf_keras 2.21 loads both files (no keras_version/backend; byte
    # strings for the config and the layer names) to the same outputs.
    model = two_dense()
    full, weights = str(tmp_path / 'm.h5'), str(tmp_path / 'w.h5')
    model.save(full)
    model.save_weights(weights)
    with h5py.File(full, 'r+') as f:
        del f.attrs['keras_version'], f.attrs['backend']
        config = f.attrs['model_config']
        f.attrs['model_config'] = np.bytes_(
            config.encode('utf8') if isinstance(config, str) else config)
        group = f['model_weights']
        group.attrs['layer_names'] = [
            n if isinstance(n, bytes) else n.encode('utf8')
            for n in group.attrs['layer_names']]
    with h5py.File(weights, 'r+') as f:
        del f.attrs['keras_version'], f.attrs['backend']
    expected = model.predict(X[:2])
    np.testing.assert_array_equal(load_model(full).predict(X[:2]), expected)
    other = two_dense()
    other.load_weights(weights)
    np.testing.assert_array_equal(other.predict(X[:2]), expected)


def test_weights_of_a_model_with_one_more_layer(tmp_path, request):
    path = str(tmp_path / 'three.h5')
    Sequential([layers.Dense(2, input_shape=(3,)), layers.Dense(2),
                layers.Dense(1)]).save_weights(path)
    # Keras 2.3.1's text (topology.load_weights_from_hdf5_group).
    with pytest.raises(ValueError, match='^You are trying to load a weight '
                       'file containing 3 layers into a model with 2 '
                       'layers.$'):
        two_dense().load_weights(path)
    K.common.set_api_flavour('tf.keras')
    request.addfinalizer(lambda: K.common.set_api_flavour('keras'))
    # tf_keras 2.21's text.
    with pytest.raises(ValueError, match='^Layer count mismatch when '
                       'loading weights from file. Model expected 2 '
                       'layers, found 3 saved layers.$'):
        two_dense().load_weights(path)
