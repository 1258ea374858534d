"""Faults as users meet them: damaged model files, exceptions in callbacks
and data readers, NaN losses and runs resumed from a saved model, a
History passed to several fits, and the TensorBoard files of a resumed
run. Reference numbers and messages come from tf_keras 2.21 (on
TensorFlow), layouts from the Keras 2.2.4 source."""
import errno
import math
import sys
import traceback
import types
import zipfile

import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat import callbacks, layers, optimizers
from keras_compat.models import Sequential, load_model
from keras_compat.utils import Sequence
from thread_checks import reader_threads

RNG = np.random.RandomState(0)
X5 = RNG.rand(64, 5).astype('float32')
Y5 = (X5 @ RNG.rand(5, 2)).astype('float32')
X3 = np.random.RandomState(0).rand(32, 3).astype('float32')
Y3 = np.random.RandomState(1).rand(32, 1).astype('float32')


@pytest.fixture
def tf_keras():
    K.common.set_api_flavour('tf.keras')
    yield
    K.common.set_api_flavour('keras')


def dense_on_three(lr=0.1):
    model = Sequential([layers.Dense(1, input_shape=(3,),
                                     kernel_initializer='ones')])
    model.compile(optimizers.SGD(lr), 'mse')
    return model


def two_dense(optimizer):
    model = Sequential([layers.Dense(3, input_shape=(5,),
                                     activation='tanh'),
                        layers.Dense(2)])
    model.set_weights([np.full(w.shape, 0.1 * (i + 1), 'float32')
                       for i, w in enumerate(model.get_weights())])
    model.compile(optimizer, 'mse', metrics=['mae'])
    return model


# ----------------------------------------------------------- damaged files
def saved_model_bytes(tmp_path):
    path = str(tmp_path / 'full.h5')
    dense_on_three().save(path)
    with open(path, 'rb') as f:
        return f.read()


@pytest.mark.parametrize('fraction', [0.1, 0.5, 0.99])
def test_a_truncated_h5_file_is_an_oserror_naming_the_truncation(
        tmp_path, fraction):
    # tf_keras 2.21: OSError "Unable to synchronously open file
    # (truncated file: eof = ..., stored_eof = ...)" for load_model and
    # load_weights alike.
    data = saved_model_bytes(tmp_path)
    path = str(tmp_path / 'cut.h5')
    with open(path, 'wb') as f:
        f.write(data[:int(len(data) * fraction)])
    with pytest.raises(OSError, match='truncated file'):
        load_model(path)
    with pytest.raises(OSError, match='truncated file'):
        dense_on_three().load_weights(path)


def test_an_empty_file_has_no_hdf5_signature(tmp_path):
    path = tmp_path / 'empty.h5'
    path.write_bytes(b'')
    with pytest.raises(OSError, match='file signature not found'):
        load_model(str(path))


def test_a_damaged_keras_archive_is_a_bad_zip_file(tmp_path, tf_keras):
    # tf_keras 2.21 lets zipfile.BadZipFile ("Bad CRC-32 for file
    # 'config.json'") through; it is also an OSError here, as a damaged
    # HDF5 file is.
    path = str(tmp_path / 'm.keras')
    dense_on_three().save(path)
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo('config.json')
    data = bytearray(open(path, 'rb').read())
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + 2] ^= 0xff
    open(path, 'wb').write(bytes(data))
    for load in (load_model, dense_on_three().load_weights):
        with pytest.raises(zipfile.BadZipFile, match='Bad CRC-32') as info:
            load(path)
        assert isinstance(info.value, OSError)


@pytest.mark.parametrize('name', ['w.h5', 'plain'])
def test_a_directory_that_is_no_saved_model(tmp_path, tf_keras, name):
    # tf_keras 2.21: load_weights opens the name with h5py
    # (IsADirectoryError); load_model looks for a SavedModel in it.
    directory = tmp_path / name
    directory.mkdir()
    with pytest.raises(IsADirectoryError):
        dense_on_three().load_weights(str(directory))
    with pytest.raises(OSError, match='^SavedModel file does not exist at'):
        load_model(str(directory))


def test_a_full_disk_while_writing_a_keras_archive_keeps_the_old_one(
        tmp_path, monkeypatch):
    # (tf_keras 2.21 writes the archive in place: the old one is lost.)
    path = str(tmp_path / 'm.keras')
    model = dense_on_three()
    model.save(path)
    before = open(path, 'rb').read()
    real = zipfile.ZipFile.writestr

    def disk_full(archive, name, data, *args, **kwargs):
        if name == 'model.weights.h5':
            raise OSError(errno.ENOSPC, 'No space left on device')
        return real(archive, name, data, *args, **kwargs)
    monkeypatch.setattr(zipfile.ZipFile, 'writestr', disk_full)
    for save in (model.save, lambda p: model.fit(
            X3, Y3, verbose=0, callbacks=[callbacks.ModelCheckpoint(p)])):
        with pytest.raises(OSError) as info:
            save(path)
        assert info.value.errno == errno.ENOSPC and path in str(info.value)
        assert open(path, 'rb').read() == before
        assert [p.name for p in tmp_path.iterdir()] == ['m.keras']


# ---------------------------------------------------- exceptions mid-fit
class RaiseAt(callbacks.Callback):
    def __init__(self, hook, at):
        super(RaiseAt, self).__init__()
        self.hook, self.at = hook, at
        self.weights_then = None

    def _maybe_raise(self, hook, index):
        if hook == self.hook and index == self.at:
            self.weights_then = self.model.get_weights()
            raise RuntimeError('%s %d' % (hook, index))

    def on_batch_end(self, batch, logs=None):
        self._maybe_raise('batch', batch)

    def on_epoch_end(self, epoch, logs=None):
        self._maybe_raise('epoch', epoch)


@pytest.mark.parametrize('hook', ['batch', 'epoch'])
def test_a_callback_exception_leaves_a_usable_model(hook):
    model = dense_on_three()
    raiser = RaiseAt(hook, 2 if hook == 'batch' else 1)
    with pytest.raises(RuntimeError, match=hook) as info:
        model.fit(X3, Y3, batch_size=8, epochs=3, verbose=0,
                  callbacks=[raiser])
    assert traceback.extract_tb(info.tb)[-1].name == '_maybe_raise'
    assert model.stop_training is False
    for now, then in zip(model.get_weights(), raiser.weights_then):
        np.testing.assert_array_equal(now, then)
    history = model.fit(X3, Y3, batch_size=8, epochs=1, verbose=0)
    assert len(history.history['loss']) == 1


class FailsWhenTold(layers.Layer):
    """Passes its inputs through, and raises once `fail` is set."""

    def __init__(self, **kwargs):
        super(FailsWhenTold, self).__init__(**kwargs)
        self.fail = False

    def call(self, inputs):
        if self.fail:
            raise ValueError('told to fail')
        return inputs


class FailAfterTwoBatches(callbacks.Callback):
    def __init__(self, layer):
        super(FailAfterTwoBatches, self).__init__()
        self.layer = layer
        self.seen = []

    def on_batch_end(self, batch, logs=None):
        self.seen.append(self.model.get_weights())
        self.layer.fail = batch == 1


def test_a_layer_raising_mid_fit_leaves_the_last_completed_step():
    failing = FailsWhenTold()
    model = Sequential([layers.Dense(1, input_shape=(3,)), failing])
    model.compile(optimizers.SGD(0.1), 'mse')
    recorder = FailAfterTwoBatches(failing)
    with pytest.raises(ValueError, match='told to fail'):
        model.fit(X3, Y3, batch_size=8, epochs=1, verbose=0,
                  callbacks=[recorder])
    assert len(recorder.seen) == 2
    for now, then in zip(model.get_weights(), recorder.seen[-1]):
        np.testing.assert_array_equal(now, then)
    assert int(K.get_value(model.optimizer.iterations)) == 2
    failing.fail = False
    model.fit(X3, Y3, batch_size=8, epochs=1, verbose=0)
    assert int(K.get_value(model.optimizer.iterations)) == 6


class FailsAtFive(Sequence):
    def __len__(self):
        return 8

    def __getitem__(self, index):
        if index == 5:
            raise KeyError('bad item %d' % index)
        return (np.full((4, 3), index, 'float32'),
                np.ones((4, 1), 'float32'))


def test_a_reader_thread_error_reaches_the_caller_and_the_threads_end():
    model = dense_on_three(0.01)
    with pytest.raises(KeyError, match='bad item 5') as info:
        model.fit(FailsAtFive(), epochs=1, workers=2, verbose=0,
                  use_multiprocessing=False, shuffle=False)
    frames = [frame.name for frame in traceback.extract_tb(info.tb)]
    assert frames[-1] == '__getitem__'
    assert reader_threads() == []
    model.fit(X3, Y3, epochs=1, verbose=0)


# ------------------------------------------------------------ NaN losses
class BatchLosses(callbacks.Callback):
    def __init__(self):
        super(BatchLosses, self).__init__()
        self.losses = []

    def on_batch_end(self, batch, logs=None):
        self.losses.append(float(logs['loss']))


def test_terminate_on_nan_stops_at_the_batch_of_tf_keras(tf_keras, capsys):
    x = X3.copy()
    x[13] = np.nan
    model = dense_on_three()
    seen = BatchLosses()
    history = model.fit(x, Y3, batch_size=4, epochs=3, shuffle=False,
                        verbose=0, callbacks=[callbacks.TerminateOnNaN(),
                                              seen])
    # tf_keras 2.21: three finite batches, then "Batch 3: Invalid loss,
    # terminating training"; the epoch's loss is NaN.
    np.testing.assert_allclose(seen.losses[:3], [2.5308652, 1.8138328,
                                                 1.2330719], rtol=1e-5)
    assert len(seen.losses) == 4 and math.isnan(seen.losses[3])
    assert 'Batch 3: Invalid loss, terminating training' in \
        capsys.readouterr().out
    assert history.epoch == [0] and math.isnan(history.history['loss'][0])
    assert model.stop_training is True


def test_nan_validation_loss_never_improves(tf_keras, capsys):
    x_val = X3.copy()
    x_val[13] = np.nan
    model = dense_on_three(0.01)
    stopper = callbacks.EarlyStopping(patience=1, verbose=1)
    reducer = callbacks.ReduceLROnPlateau(patience=1, verbose=1, factor=0.5)
    history = model.fit(X3, Y3, batch_size=8, epochs=4, shuffle=False,
                        verbose=0, validation_data=(x_val, Y3),
                        callbacks=[stopper, reducer])
    # tf_keras 2.21's numbers and messages.
    np.testing.assert_allclose(history.history['loss'],
                               [1.2981300, 1.0787995], rtol=1e-5)
    assert all(math.isnan(v) for v in history.history['val_loss'])
    assert (stopper.wait, stopper.best, stopper.stopped_epoch) == \
        (2, np.inf, 1)
    assert float(K.get_value(model.optimizer.lr)) == pytest.approx(0.0025)
    out = capsys.readouterr().out
    assert 'Epoch 1: ReduceLROnPlateau reducing learning rate to ' \
        '0.004999999888241291.' in out
    assert 'Epoch 2: early stopping' in out


# -------------------------------------------------------------- resuming
# tf_keras 2.21, Adam(0.01), batch 8, unshuffled: the losses of four
# epochs, the same whether run at once or resumed from the model saved
# after the second.
ADAM_LOSSES = [0.06832844, 0.05274173, 0.04719529, 0.04228931]


@pytest.mark.parametrize('extension', ['h5', 'keras'])
def test_load_model_then_fit_goes_on_as_one_run(tmp_path, tf_keras,
                                                extension):
    log = str(tmp_path / 'log.csv')
    template = str(tmp_path / ('m-{epoch:02d}.' + extension))
    first = two_dense(optimizers.Adam(0.01))
    first.fit(X5, Y5, batch_size=8, epochs=2, shuffle=False, verbose=0,
              callbacks=[callbacks.CSVLogger(log, append=True),
                         callbacks.ModelCheckpoint(template)])
    resumed = load_model(template.format(epoch=2))
    assert int(K.get_value(resumed.optimizer.iterations)) == 16
    history = resumed.fit(X5, Y5, batch_size=8, epochs=4, initial_epoch=2,
                          shuffle=False, verbose=0,
                          callbacks=[callbacks.CSVLogger(log, append=True)])
    assert history.epoch == [2, 3]
    rows = open(log).read().splitlines()
    # (tf.keras's CSVLogger adds the val_ columns a first epoch lacks.)
    assert rows[0] == 'epoch,loss,mae,val_loss,val_mae'
    assert [int(r.split(',')[0]) for r in rows[1:]] == [0, 1, 2, 3]
    np.testing.assert_allclose([float(r.split(',')[1]) for r in rows[1:]],
                               ADAM_LOSSES, rtol=1e-5)
    at_once = two_dense(optimizers.Adam(0.01))
    at_once.fit(X5, Y5, batch_size=8, epochs=4, shuffle=False, verbose=0)
    for a, b in zip(resumed.get_weights(), at_once.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_a_checkpoint_prefix_brings_back_the_optimizer(tmp_path, tf_keras):
    # The TensorFlow tutorial's resume: ModelCheckpoint(save_weights_only)
    # to 'cp-{epoch:04d}.ckpt', then compile and load_weights(latest).
    # tf_keras 2.21 restores the optimizer's step count and moments from
    # the checkpoint, so the run goes on as if never stopped.
    template = str(tmp_path / 'cp-{epoch:04d}.ckpt')
    first = two_dense(optimizers.Adam(0.01))
    first.fit(X5, Y5, batch_size=8, epochs=2, shuffle=False, verbose=0,
              callbacks=[callbacks.ModelCheckpoint(template,
                                                   save_weights_only=True)])
    resumed = two_dense(optimizers.Adam(0.01))
    resumed.load_weights(template.format(epoch=2))
    assert int(K.get_value(resumed.optimizer.iterations)) == 16
    history = resumed.fit(X5, Y5, batch_size=8, epochs=4, initial_epoch=2,
                          shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history['loss'], ADAM_LOSSES[2:],
                               rtol=1e-5)


def test_a_history_given_to_several_fits_keeps_them_all(tf_keras):
    # tf.keras's History adds to its record at each fit; Keras 2's starts
    # again.
    model = dense_on_three()
    history = callbacks.History()
    model.fit(X3, Y3, epochs=2, verbose=0, callbacks=[history])
    model.fit(X3, Y3, epochs=1, verbose=0, callbacks=[history])
    assert history.epoch == [0] and len(history.history['loss']) == 3
    K.common.set_api_flavour('keras')
    model.fit(X3, Y3, epochs=2, verbose=0, callbacks=[history])
    assert history.epoch == [0, 1] and len(history.history['loss']) == 2


# ------------------------------------------------------------ TensorBoard
class RecordingWriter(object):
    """Stands for torch's SummaryWriter: records (run, tag, step, value)."""
    records = []

    def __init__(self, log_dir):
        self.run = log_dir

    def add_scalar(self, tag, value, step):
        self.records.append((self.run, tag, int(step), round(value, 5)))

    def add_histogram(self, tag, value, step):
        self.records.append((self.run, tag, int(step), 'histogram'))

    def flush(self):
        pass

    def close(self):
        pass


@pytest.fixture
def recorded(monkeypatch):
    module = types.ModuleType('torch.utils.tensorboard')
    module.SummaryWriter = RecordingWriter
    monkeypatch.setitem(sys.modules, 'torch.utils.tensorboard', module)
    RecordingWriter.records = []
    return RecordingWriter.records


def test_tf_keras_tensorboard_runs_of_a_resumed_fit(tmp_path, tf_keras,
                                                    recorded):
    log_dir = str(tmp_path / 'logs')
    model = Sequential([layers.Dense(2, input_shape=(5,), name='d')])
    model.set_weights([np.full((5, 2), 0.1, 'float32'),
                       np.zeros(2, 'float32')])
    model.compile(optimizers.SGD(optimizers.schedules.ExponentialDecay(
        0.1, 3, 0.5)), 'mse')
    model.fit(X5, Y5, epochs=2, shuffle=False, verbose=0,
              validation_split=0.25,
              callbacks=[callbacks.TensorBoard(log_dir, histogram_freq=1)])
    model.save(str(tmp_path / 'm.h5'))
    model = load_model(str(tmp_path / 'm.h5'))
    model.fit(X5, Y5, epochs=4, initial_epoch=2, shuffle=False, verbose=0,
              validation_split=0.25,
              callbacks=[callbacks.TensorBoard(log_dir)])
    train, validation = log_dir + '/train', log_dir + '/validation'
    # What tf_keras 2.21 wrote (its 'keras' model-config text left out).
    assert recorded == [
        (validation, 'evaluation_loss_vs_iterations', 2, 0.20965),
        (train, 'epoch_loss', 0, 0.42017),
        (train, 'epoch_learning_rate', 0, 0.063),
        (validation, 'epoch_loss', 0, 0.20965),
        (train, 'd/kernel_0/histogram', 0, 'histogram'),
        (train, 'd/bias_0/histogram', 0, 'histogram'),
        (validation, 'evaluation_loss_vs_iterations', 4, 0.13299),
        (train, 'epoch_loss', 1, 0.18795),
        (train, 'epoch_learning_rate', 1, 0.03969),
        (validation, 'epoch_loss', 1, 0.13299),
        (train, 'd/kernel_0/histogram', 1, 'histogram'),
        (train, 'd/bias_0/histogram', 1, 'histogram'),
        (validation, 'evaluation_loss_vs_iterations', 6, 0.10316),
        (train, 'epoch_loss', 2, 0.1192),
        (train, 'epoch_learning_rate', 2, 0.025),
        (validation, 'epoch_loss', 2, 0.10316),
        (validation, 'evaluation_loss_vs_iterations', 8, 0.08916),
        (train, 'epoch_loss', 3, 0.09155),
        (train, 'epoch_learning_rate', 3, 0.01575),
        (validation, 'epoch_loss', 3, 0.08916)]


def test_keras2_tensorboard_counts_samples_with_update_freq(tmp_path,
                                                            recorded):
    # Keras 2.2.4: an integer update_freq is a number of samples; batch
    # logs go under their own names at the samples seen, and so do the
    # epoch logs.
    model = dense_on_three(0.01)
    model.fit(X3[:24], Y3[:24], batch_size=8, epochs=2, verbose=0,
              validation_data=(X3[24:], Y3[24:]),
              callbacks=[callbacks.TensorBoard(str(tmp_path),
                                               update_freq=10)])
    steps = [(tag, step) for _, tag, step, _ in recorded]
    assert steps == [('loss', 16), ('loss', 24), ('val_loss', 24),
                     ('loss', 32), ('loss', 48), ('loss', 48),
                     ('val_loss', 48)]
    assert {run for run, _, _, _ in recorded} == {str(tmp_path)}
