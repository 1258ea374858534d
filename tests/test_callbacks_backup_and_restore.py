"""BackupAndRestore: a fit interrupted after some epochs (an exception, a
SIGKILL) resumes from the next epoch and ends with the weights of an
uninterrupted fit; with save_freq=N it resumes after the last batch backed
up, as tf.keras does; the backup is removed after success."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import keras_compat as keras
from keras_compat import layers

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _data():
    rng = np.random.RandomState(0)
    x = rng.rand(64, 5).astype('float32')
    y = (x @ rng.rand(5, 2)).astype('float32')
    return x, y


def _model():
    rng = np.random.RandomState(1)
    model = keras.Sequential([layers.Dense(6, activation='tanh',
                                           input_shape=(5,)),
                              layers.Dense(2)])
    model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype('float32')
                       for w in model.get_weights()])
    model.compile(keras.optimizers.SGD(lr=0.05, momentum=0.9), 'mse')
    return model


class _Crash(keras.callbacks.Callback):
    def __init__(self, after):
        super(_Crash, self).__init__()
        self.after = after

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 == self.after:
            raise RuntimeError('simulated crash')


def test_an_interrupted_fit_resumes_at_the_next_epoch(tmp_path):
    x, y = _data()
    reference = _model()
    reference.fit(x, y, batch_size=16, epochs=4, shuffle=False, verbose=0)

    backup_dir = str(tmp_path / 'backup')
    model = _model()
    backup = keras.callbacks.BackupAndRestore(backup_dir)
    with pytest.raises(RuntimeError, match='simulated crash'):
        model.fit(x, y, batch_size=16, epochs=4, shuffle=False, verbose=0,
                  callbacks=[backup, _Crash(after=2)])
    assert os.path.isfile(os.path.join(backup_dir, 'backup.h5'))

    resumed = _model()      # a fresh process would start from scratch
    seen = []
    history = resumed.fit(
        x, y, batch_size=16, epochs=4, shuffle=False, verbose=0,
        callbacks=[backup, keras.callbacks.LambdaCallback(
            on_epoch_begin=lambda epoch, logs: seen.append(epoch))])
    assert seen == [2, 3]
    assert history.epoch == [2, 3]
    assert len(history.history['loss']) == 2
    for got, want in zip(resumed.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(resumed.optimizer.get_weights()[0],
                               reference.optimizer.get_weights()[0])
    assert not os.path.exists(backup_dir)


def test_a_completed_fit_leaves_no_backup_unless_asked(tmp_path):
    x, y = _data()
    model = _model()
    model.fit(x, y, epochs=2, verbose=0, callbacks=[
        keras.callbacks.BackupAndRestore(str(tmp_path / 'a'))])
    assert not (tmp_path / 'a').exists()
    model.fit(x, y, epochs=2, verbose=0, callbacks=[
        keras.callbacks.BackupAndRestore(str(tmp_path / 'b'),
                                         delete_checkpoint=False)])
    assert (tmp_path / 'b' / 'backup.h5').exists()


def test_arguments_and_spellings():
    assert keras.callbacks.experimental.BackupAndRestore is \
        keras.callbacks.BackupAndRestore
    with pytest.raises(NotImplementedError, match='save_freq=N'):
        keras.callbacks.BackupAndRestore('/tmp/b',
                                         save_before_preemption=True)
    with pytest.raises(ValueError, match='save_before_preemption'):
        keras.callbacks.BackupAndRestore('/tmp/b', save_freq=False)
    with pytest.raises(ValueError, match='save_freq'):
        keras.callbacks.BackupAndRestore('/tmp/b', save_freq='batch')
    with pytest.raises(ValueError):
        keras.callbacks.BackupAndRestore('')


class _CrashAtBatch(keras.callbacks.Callback):
    def __init__(self, epoch, batch):
        super(_CrashAtBatch, self).__init__()
        self.at = (epoch, batch)

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            raise RuntimeError('simulated crash')


class _SeenBatches(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.seen = []

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        self.seen.append((self.epoch, batch))


def _adam_model():
    model = keras.Sequential([
        layers.Dense(3, activation='tanh', kernel_initializer='ones',
                     input_shape=(4,)),
        layers.Dense(1, kernel_initializer='ones')])
    model.compile(keras.optimizers.Adam(0.1), 'mse')
    return model


# tf_keras 2.21, the same fits: a crash after batch `crash` of epoch 1
# (5 batches an epoch, a backup every `freq` batches), then a new fit:
# the batches it runs, its History, the iterations and the last layer.
SAVE_FREQ_CASES = [
    (2, 2, [(1, 3), (1, 4)], [0.118432, 0.152543],
     [0.050683, 0.510087]),
    (4, 2, [], [0.139044], [0.046624, 0.480061]),
    (1, 3, [(1, 1), (1, 2), (1, 3), (1, 4)], [0.293123, 0.159733],
     [0.018484, 0.528501]),
]


@pytest.mark.parametrize('crash, freq, resumed, losses, last',
                         SAVE_FREQ_CASES)
def test_save_freq_resumes_after_the_last_backed_up_batch(
        tmp_path, crash, freq, resumed, losses, last):
    from keras_compat.backend import common
    common.set_api_flavour('tf.keras')
    try:
        x = np.linspace(-1, 1, 40).reshape(10, 4).astype('float32')
        y = (x.sum(axis=1, keepdims=True) > 0).astype('float32')
        backup = str(tmp_path / 'backup')
        with pytest.raises(RuntimeError):
            _adam_model().fit(x, y, batch_size=2, epochs=3, shuffle=False,
                              verbose=0, callbacks=[
                                  keras.callbacks.BackupAndRestore(
                                      backup, save_freq=freq),
                                  _CrashAtBatch(1, crash)])
        model = _adam_model()
        seen = _SeenBatches()
        history = model.fit(x, y, batch_size=2, epochs=3, shuffle=False,
                            verbose=0, callbacks=[
                                keras.callbacks.BackupAndRestore(
                                    backup, save_freq=freq), seen])
    finally:
        common.set_api_flavour('keras')
    assert seen.seen == resumed + [(2, b) for b in range(5)]
    np.testing.assert_allclose(history.history['loss'], losses, atol=2e-6)
    assert int(model.optimizer.iterations) == 15
    kernel, bias = model.get_weights()[2:]
    np.testing.assert_allclose(kernel.ravel(), [last[0]] * 3, atol=2e-6)
    np.testing.assert_allclose(bias, [last[1]], atol=2e-6)


KILLED_SCRIPT = '''
import json, os, sys, time
import numpy as np
import keras_compat as keras
from keras_compat import layers

out = sys.argv[1]
rng = np.random.RandomState(0)
x = rng.rand(64, 5).astype('float32')
y = (x @ rng.rand(5, 2)).astype('float32')
model = keras.Sequential([layers.Dense(2, input_shape=(5,))])
model.set_weights([np.full((5, 2), 0.1, 'float32'), np.zeros(2, 'float32')])
model.compile(keras.optimizers.SGD(lr=0.05), 'mse')

class Slow(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        with open(os.path.join(out, 'epochs.log'), 'a') as f:
            f.write('%d\\n' % epoch)
    def on_batch_end(self, batch, logs=None):
        if os.environ.get('SLOW'):
            time.sleep(0.05)

history = model.fit(x, y, batch_size=8, epochs=int(os.environ['EPOCHS']),
                    shuffle=False, verbose=0, callbacks=[
    keras.callbacks.BackupAndRestore(os.path.join(out, 'backup')), Slow()])
np.save(os.path.join(out, 'final.npy'), model.get_weights()[0])
with open(os.path.join(out, 'done.json'), 'w') as f:
    json.dump(history.epoch, f)
'''


def test_a_killed_process_resumes_when_restarted(tmp_path):
    script = tmp_path / 'train.py'
    script.write_text(textwrap.dedent(KILLED_SCRIPT))
    env = dict(os.environ, PYTHONPATH=ROOT, KERAS_COMPAT_DEVICE='cpu',
               OMP_NUM_THREADS='1', EPOCHS='6')
    for key in ('WORLD_SIZE', 'RANK', 'LOCAL_RANK'):
        env.pop(key, None)
    log = tmp_path / 'epochs.log'
    proc = subprocess.Popen([sys.executable, str(script), str(tmp_path)],
                            env=dict(env, SLOW='1'),
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        # Killed in the middle of its third epoch.
        while time.time() < deadline:
            if log.exists() and log.read_text().split().count('2'):
                break
            time.sleep(0.02)
        time.sleep(0.1)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not (tmp_path / 'done.json').exists()
    assert (tmp_path / 'backup' / 'backup.h5').exists()
    started = log.read_text().split()
    assert started[:3] == ['0', '1', '2']
    subprocess.run([sys.executable, str(script), str(tmp_path)], env=env,
                   check=True, timeout=120)
    resumed = log.read_text().split()[len(started):]
    import json
    epochs = json.loads((tmp_path / 'done.json').read_text())
    # The restarted run did only the epochs left: the last backup was of
    # epoch 2 (or 3, if the kill came after its end), so it starts there.
    assert epochs == list(range(epochs[0], 6)) and epochs[0] >= 2
    assert [int(e) for e in resumed] == epochs
    assert not (tmp_path / 'backup').exists()
    # The same weights as one uninterrupted run.
    fresh = tmp_path / 'fresh'
    fresh.mkdir()
    subprocess.run([sys.executable, str(script), str(fresh)], env=env,
                   check=True, timeout=120)
    np.testing.assert_allclose(np.load(str(tmp_path / 'final.npy')),
                               np.load(str(fresh / 'final.npy')),
                               rtol=1e-6, atol=1e-6)


def test_the_learning_rate_a_callback_changed_is_restored(tmp_path):
    # ReduceLROnPlateau (or K.set_value) lowers the rate; a run resumed
    # from the backup goes on with the lowered rate, not the compiled one.
    from keras_compat import backend as K
    x = np.random.RandomState(0).rand(32, 4).astype('float32')
    y = np.random.RandomState(1).rand(32, 1).astype('float32')

    def make():
        model = keras.Sequential([keras.layers.Dense(1, input_shape=(4,))])
        model.compile(keras.optimizers.Adam(lr=0.01), 'mse')
        return model
    seen = []

    class Lower(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            seen.append((epoch, float(K.get_value(self.model.optimizer.lr))))

        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0:
                K.set_value(self.model.optimizer.lr, 0.001)
    backup = str(tmp_path / 'backup')
    make().fit(x, y, epochs=2, verbose=0, callbacks=[
        Lower(), keras.callbacks.BackupAndRestore(
            backup, delete_checkpoint=False)])
    make().fit(x, y, epochs=3, verbose=0, callbacks=[
        Lower(), keras.callbacks.BackupAndRestore(backup)])
    assert seen[-1][0] == 2
    assert seen[-1][1] == pytest.approx(0.001)
