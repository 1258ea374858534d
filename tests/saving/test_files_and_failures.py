"""Loads are all-or-nothing, writes are atomic (umask or the old file's
mode, through symlinks, nothing left behind, a full disk an OSError), and
an exception or Ctrl-C in fit/evaluate/predict closes what callbacks and
data readers hold open."""
import errno
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time

import h5py
import numpy as np
import pytest

from keras_compat import callbacks as cbks
from keras_compat import layers
from keras_compat.engine import base_layer
from keras_compat.models import Sequential, load_model
from keras_compat.utils import Sequence, io_utils
from thread_checks import reader_threads

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
X = np.random.RandomState(0).rand(16, 3).astype('float32')
Y = np.random.RandomState(1).rand(16, 2).astype('float32')


def mlp(hidden=5, names=('a', 'b', 'c')):
    m = Sequential([layers.Dense(4, input_shape=(3,), name=names[0]),
                    layers.Dense(hidden, name=names[1]),
                    layers.Dense(2, name=names[2])])
    m.compile('adam', 'mse')
    return m


def weight_bytes(m):
    return [w.tobytes() for w in m.get_weights()]


def temp_files(directory):
    return [n for n in os.listdir(directory) if io_utils.TEMP_MARK in n]


def run_script(code, *args, timeout=120):
    env = dict(os.environ, PYTHONPATH=ROOT, KERAS_COMPAT_DEVICE='cpu')
    return subprocess.run([sys.executable, '-c', textwrap.dedent(code)] +
                          [str(a) for a in args], capture_output=True,
                          text=True, timeout=timeout, env=env)


# ------------------------------------------------------------------ loads
def test_failed_topological_load_changes_no_layer(tmp_path):
    path = str(tmp_path / 'w.h5')
    mlp(hidden=5).save_weights(path)
    target = mlp(hidden=6)          # layer 1 matches, layer 2 does not
    before = weight_bytes(target)
    with pytest.raises(ValueError, match='shape'):
        target.load_weights(path)
    assert weight_bytes(target) == before


def test_failed_load_by_name_changes_no_layer(tmp_path):
    path = str(tmp_path / 'w.h5')
    source = mlp(hidden=5)
    source.save_weights(path)
    target = mlp(hidden=6)
    before = weight_bytes(target)
    with pytest.raises(ValueError, match='shape'):
        target.load_weights(path, by_name=True)
    assert weight_bytes(target) == before
    # skip_mismatch loads the layers that fit and warns about the others.
    with pytest.warns(UserWarning, match='Skipping loading'):
        target.load_weights(path, by_name=True, skip_mismatch=True)
    assert weight_bytes(target.layers[0]) == weight_bytes(source.layers[0])
    assert weight_bytes(target.layers[1]) == before[2:4]


@pytest.mark.parametrize('how', ['topological', 'by_name', 'skip_mismatch'])
def test_load_failing_midway_restores_what_it_wrote(tmp_path, monkeypatch,
                                                    how):
    path = str(tmp_path / 'w.h5')
    mlp().save_weights(path)
    target = mlp()
    before = weight_bytes(target)
    assign = base_layer._WeightRecord.assign
    calls = []

    def failing(self, layer, value):
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt('interrupted mid-load')
        return assign(self, layer, value)
    monkeypatch.setattr(base_layer._WeightRecord, 'assign', failing)
    with pytest.raises(KeyboardInterrupt):
        target.load_weights(path, by_name=how != 'topological',
                            skip_mismatch=how == 'skip_mismatch')
    assert len(calls) == 4
    assert weight_bytes(target) == before


def test_load_model_checks_every_shape(tmp_path):
    path = str(tmp_path / 'm.h5')
    mlp().save(path)
    with h5py.File(path, 'r+') as f:
        group = f['model_weights/c/c']
        name = [k for k in group if k.startswith('kernel')][0]
        del group[name]
        group.create_dataset(name, data=np.zeros((5, 3), 'float32'))
    with pytest.raises(ValueError, match='shape'):
        load_model(path)


# ----------------------------------------------------------------- writes
SAVERS = {
    'save': lambda m, p: m.save(p),
    'save_weights': lambda m, p: m.save_weights(p),
    'ModelCheckpoint': lambda m, p: m.fit(
        X, Y, verbose=0, callbacks=[cbks.ModelCheckpoint(p)]),
}


@pytest.fixture
def umask():
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


@pytest.mark.parametrize('how', sorted(SAVERS))
def test_new_files_follow_the_umask_and_keep_an_old_mode(tmp_path, umask,
                                                         how):
    save = SAVERS[how]
    m = mlp()
    path = str(tmp_path / 'm.h5')
    save(m, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    os.chmod(path, 0o640)
    save(m, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    umask(0o077)
    other = str(tmp_path / 'private.h5')
    save(m, other)
    assert stat.S_IMODE(os.stat(other).st_mode) == 0o600
    assert temp_files(str(tmp_path)) == []


@pytest.mark.parametrize('how', sorted(SAVERS))
def test_a_symlink_is_written_through(tmp_path, how):
    save = SAVERS[how]
    m = mlp()
    real = tmp_path / 'real'
    real.mkdir()
    save(m, str(real / 'target.h5'))
    os.chmod(str(real / 'target.h5'), 0o604)
    link = tmp_path / 'link.h5'
    link.symlink_to('real/target.h5')
    m.fit(X, Y, verbose=0)
    save(m, str(link))
    saved = weight_bytes(m)
    assert link.is_symlink()
    assert stat.S_IMODE(os.stat(str(link)).st_mode) == 0o604
    assert sorted(os.listdir(str(real))) == ['target.h5']
    dangling = tmp_path / 'dangling.h5'
    dangling.symlink_to('real/new.h5')
    save(m, str(dangling))
    assert dangling.is_symlink() and (real / 'new.h5').is_file()
    fresh = mlp()
    fresh.load_weights(str(link))
    assert weight_bytes(fresh) == saved


@pytest.mark.parametrize('interrupt', [OSError(errno.ENOSPC,
                                               'No space left on device'),
                                       KeyboardInterrupt()])
@pytest.mark.parametrize('how', sorted(SAVERS))
def test_a_failed_write_leaves_the_old_file_and_no_temp_file(
        tmp_path, monkeypatch, how, interrupt):
    save = SAVERS[how]
    m = mlp()
    path = str(tmp_path / 'm.h5')
    save(m, path)
    before = open(path, 'rb').read()
    from keras_compat.saving import hdf5
    real = hdf5.save_weights_to_hdf5_group

    def half_written(group, model_layers):
        real(group, model_layers[:1])
        group.file.flush()
        raise interrupt
    monkeypatch.setattr(hdf5, 'save_weights_to_hdf5_group', half_written)
    with pytest.raises(type(interrupt)) as info:
        save(m, path)
    if isinstance(interrupt, OSError):
        assert info.value.errno == errno.ENOSPC
        assert path in str(info.value)
    assert open(path, 'rb').read() == before
    assert os.listdir(str(tmp_path)) == ['m.h5']


def test_a_save_killed_midway_is_tidied_by_the_next_save(tmp_path):
    path = str(tmp_path / 'm.h5')
    mlp().save(path)
    before = open(path, 'rb').read()
    child = subprocess.Popen([sys.executable, '-c', textwrap.dedent('''
        import sys, time
        from keras_compat import layers
        from keras_compat.models import Sequential
        from keras_compat.saving import hdf5
        real = hdf5.save_weights_to_hdf5_group
        def slow(group, model_layers):
            real(group, model_layers)
            group.file.flush()
            print('WRITING', flush=True)
            time.sleep(60)
        hdf5.save_weights_to_hdf5_group = slow
        m = Sequential([layers.Dense(4, input_shape=(3,))])
        m.save(sys.argv[1])
        '''), path], stdout=subprocess.PIPE, text=True,
        env=dict(os.environ, PYTHONPATH=ROOT, KERAS_COMPAT_DEVICE='cpu'))
    try:
        assert child.stdout.readline().strip() == 'WRITING'
        left = temp_files(str(tmp_path))
        assert len(left) == 1 and left[0].startswith('.m.h5' +
                                                     io_utils.TEMP_MARK)
        assert ('-%d-' % child.pid) in left[0]
        # While its writer lives, another save leaves it alone.
        other = mlp()
        other.save(path)
        assert len(temp_files(str(tmp_path))) == 1
    finally:
        child.kill()
        child.wait()
        child.stdout.close()
    assert temp_files(str(tmp_path)) == left
    assert open(path, 'rb').read() != before    # the other save landed
    time.sleep(0.01)
    mlp().save(path)
    assert temp_files(str(tmp_path)) == []
    load_model(path)


DISK_FULL_SCRIPT = '''
import os, sys
import numpy as np
from keras_compat import layers
from keras_compat.callbacks import ModelCheckpoint
from keras_compat.models import Sequential
directory, simulate = sys.argv[1], sys.argv[2] == '1'
if simulate:
    import h5py
    real = h5py.Dataset.__setitem__
    def full(self, key, value):
        if self.size > 1000:
            raise OSError(28, 'No space left on device')
        return real(self, key, value)
    h5py.Dataset.__setitem__ = full
m = Sequential([layers.Dense(600, input_shape=(600,)), layers.Dense(2)])
m.compile('adam', 'mse')
for how in sys.argv[3:]:
    path = os.path.join(directory, how + '.h5')
    try:
        if how == 'save':
            m.save(path)
        elif how == 'save_weights':
            m.save_weights(path)
        else:
            m.fit(np.zeros((4, 600)), np.zeros((4, 2)), verbose=0,
                  callbacks=[ModelCheckpoint(path)])
        print(how, 'SAVED')
    except OSError as error:
        print(how, 'OSError', error.errno, path in str(error))
print('LEFT', sorted(os.listdir(directory)))
'''


def _check_disk_full(directory, simulate):
    small = Sequential([layers.Dense(2, input_shape=(3,))])
    before = {}
    for how in sorted(SAVERS):
        path = os.path.join(directory, how + '.h5')
        small.save(path)
        before[path] = open(path, 'rb').read()
    done = run_script(DISK_FULL_SCRIPT, directory, int(simulate),
                      *sorted(SAVERS))
    # No crash at exit (an h5py file left open would be flushed again).
    assert done.returncode == 0, done.stdout + done.stderr
    for how in sorted(SAVERS):
        assert '%s OSError 28 True' % how in done.stdout, done.stdout
    assert 'LEFT %s' % sorted(h + '.h5' for h in SAVERS) in done.stdout
    for path, data in before.items():
        assert open(path, 'rb').read() == data


def test_disk_full_simulated_raises_and_the_process_exits_cleanly(
        tmp_path):
    _check_disk_full(str(tmp_path), simulate=True)


def test_disk_full_on_a_small_tmpfs(tmp_path):
    mount = tmp_path / 'small'
    mount.mkdir()
    made = subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=1m', 'tmpfs',
                           str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip('cannot mount a tmpfs here')
    try:
        _check_disk_full(str(mount), simulate=False)
    finally:
        subprocess.run(['umount', str(mount)], check=True)


# ------------------------------------------------------------- interrupts
class _Holder(cbks.Callback):
    """A callback holding a resource, released by the private hook."""

    def __init__(self):
        super(_Holder, self).__init__()
        self.released = 0

    def _close_resources(self):
        self.released += 1


class _Boom(cbks.Callback):
    def __init__(self, when, error):
        super(_Boom, self).__init__()
        self.error = error
        setattr(self, when, self.raise_)

    def raise_(self, *args, **kwargs):
        raise self.error


@pytest.mark.parametrize('when', ['on_epoch_end', 'on_batch_end',
                                  'on_train_begin'])
def test_an_exception_in_fit_closes_the_csv_file(tmp_path, when):
    m = mlp()
    logger = cbks.CSVLogger(str(tmp_path / 'log.csv'))
    holder = _Holder()
    error = RuntimeError('stop')
    end_seen = []

    class End(cbks.Callback):
        def on_train_end(self, logs=None):
            end_seen.append(True)
    with pytest.raises(RuntimeError) as info:
        m.fit(X, Y, epochs=3, verbose=0,
              callbacks=[logger, holder, _Boom(when, error), End()])
    assert info.value is error
    assert logger.csv_file.closed
    assert holder.released == 1
    assert end_seen == []           # as in tf.keras: no on_train_end
    m.fit(X, Y, epochs=1, verbose=0)
    assert m.predict(X).shape == (16, 2)


def test_an_exception_in_evaluate_or_predict_releases_resources():
    m = mlp()
    for call, when in ((lambda cb: m.evaluate(X, Y, verbose=0,
                                              callbacks=cb),
                        'on_test_batch_end'),
                       (lambda cb: m.predict(X, callbacks=cb),
                        'on_predict_batch_end')):
        holder = _Holder()
        with pytest.raises(ValueError):
            call([holder, _Boom(when, ValueError('x'))])
        assert holder.released == 1


def test_an_exception_stops_the_generator_readers():
    m = mlp()

    def endless():
        while True:
            yield X[:4], Y[:4]

    class Slow(Sequence):
        def __len__(self):
            return 50

        def __getitem__(self, i):
            time.sleep(0.01)
            return X[:4], Y[:4]
    baseline = len(reader_threads())
    calls = [
        lambda cb: m.fit(endless(), steps_per_epoch=5, epochs=2, verbose=0,
                         callbacks=cb('on_batch_end')),
        lambda cb: m.fit(Slow(), workers=3, epochs=2, verbose=0,
                         callbacks=cb('on_batch_end')),
        lambda cb: m.evaluate_generator(Slow(), workers=3,
                                        callbacks=cb('on_test_batch_end')),
        lambda cb: m.predict_generator(endless(), steps=5,
                                       callbacks=cb('on_predict_batch_end')),
    ]
    for call in calls:
        with pytest.raises(KeyboardInterrupt):
            call(lambda when: [_Boom(when, KeyboardInterrupt())])
        deadline = time.time() + 5
        while len(reader_threads()) > baseline and time.time() < deadline:
            time.sleep(0.02)
        assert len(reader_threads()) == baseline


def test_the_tensorboard_writer_is_closed_on_an_exception():
    closed = []

    class Writer(object):
        def __init__(self, log_dir):
            pass

        def add_scalar(self, *args):
            pass

        def flush(self):
            pass

        def close(self):
            closed.append(True)
    board = cbks.TensorBoard.__new__(cbks.TensorBoard)
    cbks.Callback.__init__(board)
    board.__dict__.update(_writer_cls=Writer, log_dir='unused',
                          histogram_freq=0, update_freq='epoch',
                          write_graph=False, _writer=None,
                          _samples_seen=0, _batches=0)
    with pytest.raises(RuntimeError):
        mlp().fit(X, Y, epochs=2, verbose=0, callbacks=[
            board, _Boom('on_epoch_end', RuntimeError('stop'))])
    assert closed == [True] and board._writer is None


def test_a_generator_stays_usable_after_a_call(tmp_path):
    m = mlp()

    def batches():
        for _ in range(6):
            yield X[:4], Y[:4]
    gen = batches()
    m.fit_generator(gen, steps_per_epoch=2, workers=0, verbose=0)
    m.fit_generator(gen, steps_per_epoch=2, workers=0, verbose=0)


SIGINT_SCRIPT = '''
import os, signal, sys, threading, time
# Ctrl-C raises KeyboardInterrupt even where the test run was started with
# SIGINT ignored (a background job of a non-interactive shell), which the
# child would inherit.
signal.signal(signal.SIGINT, signal.default_int_handler)
import numpy as np
from keras_compat import layers
from keras_compat.callbacks import CSVLogger, Callback
from keras_compat.models import Sequential
from keras_compat.utils import Sequence

x = np.random.rand(8, 4).astype('float32')
y = np.random.rand(8, 1).astype('float32')

class Slow(Sequence):
    def __len__(self):
        return 4
    def __getitem__(self, i):
        time.sleep(0.05)
        return x, y

class Ready(Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 1:
            print('READY', flush=True)
    def on_batch_end(self, batch, logs=None):
        time.sleep(0.02)

model = Sequential([layers.Dense(3, input_shape=(4,)), layers.Dense(1)])
model.compile('sgd', 'mse')
logger = CSVLogger(sys.argv[1])
try:
    if sys.argv[2] == 'processes':
        model.fit(Slow(), epochs=100000, callbacks=[logger, Ready()],
                  workers=2, use_multiprocessing=True, verbose=0)
    else:
        model.fit(x, y, batch_size=2, epochs=100000,
                  callbacks=[logger, Ready()], verbose=0)
except KeyboardInterrupt:
    with open('/proc/self/task/%d/children' % os.getpid()) as f:
        print('CHILDREN', f.read().split(), flush=True)
    print('CSV_CLOSED', logger.csv_file.closed, flush=True)
    model.fit(x, y, epochs=1, verbose=0)
    print('USABLE', model.predict(x).shape, flush=True)
    raise
'''


@pytest.mark.skipif(not os.path.exists('/proc/self/task'),
                    reason='reads child processes from /proc')
@pytest.mark.parametrize('data', ['arrays', 'processes'])
def test_ctrl_c_mid_fit(tmp_path, data):
    log = str(tmp_path / 'log.csv')
    child = subprocess.Popen(
        [sys.executable, '-c', SIGINT_SCRIPT, log, data],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, PYTHONPATH=ROOT, KERAS_COMPAT_DEVICE='cpu'))
    try:
        for line in child.stdout:
            if line.strip() == 'READY':
                break
        time.sleep(0.1)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode != 0
    assert 'Traceback' in err and 'KeyboardInterrupt' in err
    assert 'CHILDREN []' in out, out + err
    assert 'CSV_CLOSED True' in out
    assert 'USABLE (8, 1)' in out
    with open(log) as f:
        rows = f.read().splitlines()
    assert rows[0] == 'epoch,loss'
    epochs = [int(r.split(',')[0]) for r in rows[1:]]
    assert epochs[:2] == [0, 1] and epochs == list(range(len(epochs)))
    assert all(len(r.split(',')) == 2 for r in rows[1:])


BUSY_READER_SCRIPT = '''
import os, signal, sys, threading, time
signal.signal(signal.SIGINT, signal.default_int_handler)
import numpy as np
from keras_compat import layers
from keras_compat.models import Sequential
from keras_compat.utils import Sequence

class SlowAfterThree(Sequence):
    def __len__(self):
        return 100
    def __getitem__(self, i):
        if i >= 3:
            time.sleep(60)          # a read that hangs (network storage)
        return np.random.rand(4, 4), np.random.rand(4, 1)

model = Sequential([layers.Dense(1, input_shape=(4,))])
model.compile('sgd', 'mse')
threading.Thread(target=lambda: (time.sleep(2),
                                 os.kill(os.getpid(), signal.SIGINT)),
                 daemon=True).start()
start = time.time()
try:
    model.fit(SlowAfterThree(), epochs=1, verbose=0, workers=2,
              use_multiprocessing=sys.argv[1] == 'processes')
except KeyboardInterrupt:
    print('INTERRUPTED %.1f' % (time.time() - start), flush=True)
'''


@pytest.mark.parametrize('readers', ['threads', 'processes'])
def test_ctrl_c_does_not_wait_for_reads_in_progress(readers):
    # Keras 2's enqueuer left running reads behind; the interrupt reached
    # the script at once, and the process exits without waiting for them.
    started = time.time()
    done = subprocess.run(
        [sys.executable, '-c', BUSY_READER_SCRIPT, readers],
        capture_output=True, text=True, timeout=120,
        env=dict(os.environ, PYTHONPATH=ROOT, KERAS_COMPAT_DEVICE='cpu'))
    assert 'INTERRUPTED' in done.stdout, done.stdout + done.stderr
    interrupted_at = float(done.stdout.split('INTERRUPTED')[1].split()[0])
    assert interrupted_at < 10
    assert time.time() - started < 45


class RecordError(Exception):
    def __init__(self, code, detail):
        super(RecordError, self).__init__(code, detail)
        self.code = code


class _FailsAtTwo(Sequence):
    def __init__(self, kind):
        self.kind = kind

    def __len__(self):
        return 6

    def __getitem__(self, i):
        if i == 2:
            if self.kind == 'file':
                open('/nonexistent/img_2.png')
            raise RecordError(42, 'bad record')
        return np.random.rand(4, 4), np.random.rand(4, 1)


def test_an_error_in_a_worker_process_reaches_the_caller_as_itself():
    model = Sequential([layers.Dense(1, input_shape=(4,))])
    model.compile('sgd', 'mse')
    with pytest.raises(RecordError) as error:
        model.fit(_FailsAtTwo('record'), epochs=1, verbose=0, workers=2,
                  use_multiprocessing=True)
    assert error.value.code == 42 and error.value.args == (42, 'bad record')
    with pytest.raises(FileNotFoundError) as error:
        model.evaluate(_FailsAtTwo('file'), verbose=0, workers=2,
                       use_multiprocessing=True)
    assert error.value.filename == '/nonexistent/img_2.png'
    # The worker's traceback comes along as the cause.
    assert 'img_2.png' in str(error.value.__cause__)


def test_saving_under_a_file_says_that_it_is_not_a_directory(tmp_path):
    blocker = tmp_path / 'afile'
    blocker.write_text('not a directory')
    model = Sequential([layers.Dense(1, input_shape=(2,))])
    with pytest.raises(NotADirectoryError, match='afile is a file'):
        model.save(str(blocker / 'model.h5'))
    assert blocker.read_text() == 'not a directory'
    # A missing directory is made, as tf.keras does.
    model.save(str(tmp_path / 'new' / 'deeper' / 'model.h5'))
    assert (tmp_path / 'new' / 'deeper' / 'model.h5').is_file()


def test_directory_without_room_for_new_files_is_written_in_place(
        tmp_path, monkeypatch):
    """A directory refusing new files (read-only for this user) holding a
    writable model file: the save overwrites that file, as Keras 2 does;
    a new file there is still an error naming it."""
    path = str(tmp_path / 'model.h5')
    m = mlp()
    m.save(path)
    real_open = os.open

    def refuse_new_files(name, flags, *args):
        if io_utils.TEMP_MARK in os.path.basename(name):
            raise PermissionError(errno.EACCES, 'Permission denied', name)
        return real_open(name, flags, *args)

    monkeypatch.setattr(os, 'open', refuse_new_files)
    m.fit(X, Y, epochs=2, verbose=0)
    m.save(path)
    np.testing.assert_array_equal(load_model(path).predict(X), m.predict(X))
    assert os.listdir(str(tmp_path)) == ['model.h5']
    with pytest.raises(OSError, match='other.h5'):
        m.save(str(tmp_path / 'other.h5'))
