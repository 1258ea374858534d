"""Data-parallel training under torchrun's environment, two Gloo processes
on the loopback interface: the same weights, logs and results as one
process with the same global batch; only rank 0 writes files and prints;
a crashing rank makes the other fail fast."""
import json
import os
import socket
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

TRAIN_SCRIPT = '''
import json, os, sys
import numpy as np
import keras_compat as keras
from keras_compat import layers

out = sys.argv[1]
tag = os.environ.get('RANK', 'single')
rng = np.random.RandomState(0)
x = rng.rand(100, 6).astype('float32')
y = keras.utils.to_categorical(rng.randint(0, 3, 100), 3)
model = keras.Sequential([
    layers.Dense(8, activation='relu', input_shape=(6,)),
    layers.Dense(3, activation='softmax')])
model.set_weights([rng.uniform(-0.5, 0.5, (6, 8)).astype('float32'),
                   np.zeros(8, 'float32'),
                   rng.uniform(-0.5, 0.5, (8, 3)).astype('float32'),
                   np.zeros(3, 'float32')])
model.compile(keras.optimizers.SGD(lr=0.1, momentum=0.9),
              'categorical_crossentropy', metrics=['accuracy'])
np.random.seed(1)
callbacks = [
    keras.callbacks.ModelCheckpoint(os.path.join(out, 'ckpt_%s.h5' % tag)),
    keras.callbacks.CSVLogger(os.path.join(out, 'log_%s.csv' % tag))]
# 80 training samples in global batches of 15: shares of 8 and 7, then 5+5.
history = model.fit(x, y, batch_size=15, epochs=3, validation_split=0.2,
                    callbacks=callbacks, verbose=1)
evaluation = model.evaluate(x, y, batch_size=7, verbose=0)
prediction = model.predict(x, batch_size=9)
np.savez(os.path.join(out, 'result_%s.npz' % tag), *model.get_weights(),
         prediction=prediction, evaluation=np.array(evaluation))
with open(os.path.join(out, 'history_%s.json' % tag), 'w') as f:
    json.dump(history.history, f)
'''

CRASH_SCRIPT = '''
import os, sys
import numpy as np
import keras_compat as keras
from keras_compat import layers

class CrashOnRankOne(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if os.environ['RANK'] == '1':
            raise RuntimeError('rank 1 crashed on purpose')

model = keras.Sequential([layers.Dense(1, input_shape=(3,))])
model.compile('sgd', 'mse')
model.fit(np.random.rand(64, 3), np.random.rand(64, 1), batch_size=8,
          epochs=50, verbose=0, callbacks=[CrashOnRankOne()])
'''

STATEFUL_SCRIPT = '''
import numpy as np
import keras_compat as keras
from keras_compat import layers
model = keras.Sequential([layers.LSTM(2, stateful=True,
                                      batch_input_shape=(4, 3, 1))])
model.compile('sgd', 'mse')
model.fit(np.random.rand(8, 3, 1), np.random.rand(8, 2), batch_size=4)
'''


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _env(**extra):
    env = dict(os.environ)
    for key in ('WORLD_SIZE', 'RANK', 'LOCAL_RANK', 'MASTER_ADDR',
                'MASTER_PORT'):
        env.pop(key, None)
    env.update(PYTHONPATH=ROOT, KERAS_COMPAT_DEVICE='cpu',
               OMP_NUM_THREADS='1')
    env.update(extra)
    return env


def _launch(script, tmp_path, world=2, timeout=120):
    """Runs `script` as `world` processes with torchrun's variables;
    returns [(returncode, output)] by rank."""
    path = tmp_path / 'script.py'
    path.write_text(textwrap.dedent(script))
    port = str(_free_port())
    procs = [subprocess.Popen(
        [sys.executable, str(path), str(tmp_path)], cwd=str(tmp_path),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=_env(WORLD_SIZE=str(world), RANK=str(rank),
                 LOCAL_RANK=str(rank), MASTER_ADDR='127.0.0.1',
                 MASTER_PORT=port, KERAS_COMPAT_DDP_TIMEOUT='30'))
        for rank in range(world)]
    results = []
    try:
        for proc in procs:
            output, _ = proc.communicate(timeout=timeout)
            results.append((proc.returncode, output))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    return results


def _single(script, tmp_path):
    path = tmp_path / 'script.py'
    path.write_text(textwrap.dedent(script))
    done = subprocess.run([sys.executable, str(path), str(tmp_path)],
                          cwd=str(tmp_path), capture_output=True, text=True,
                          env=_env(), timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope='module')
def two_process_run(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp('ddp')
    single_output = _single(TRAIN_SCRIPT, tmp_path)
    ranks = _launch(TRAIN_SCRIPT, tmp_path)
    for rank, (code, output) in enumerate(ranks):
        assert code == 0, 'rank %d failed:\n%s' % (rank, output)
    return tmp_path, single_output, ranks


def _load(tmp_path, tag):
    result = np.load(str(tmp_path / ('result_%s.npz' % tag)))
    with open(str(tmp_path / ('history_%s.json' % tag))) as f:
        return result, json.load(f)


def test_ranks_end_with_the_single_process_weights(two_process_run):
    tmp_path, _, _ = two_process_run
    single, _ = _load(tmp_path, 'single')
    rank0, _ = _load(tmp_path, '0')
    rank1, _ = _load(tmp_path, '1')
    for i in range(4):
        key = 'arr_%d' % i
        np.testing.assert_array_equal(rank0[key], rank1[key])
        np.testing.assert_allclose(rank0[key], single[key], atol=1e-5)


def test_logged_metrics_and_results_are_global(two_process_run):
    tmp_path, _, _ = two_process_run
    single, single_history = _load(tmp_path, 'single')
    for tag in ('0', '1'):
        result, history = _load(tmp_path, tag)
        assert sorted(history) == sorted(single_history)
        for name in single_history:
            np.testing.assert_allclose(history[name], single_history[name],
                                       atol=1e-5, err_msg=name)
        np.testing.assert_allclose(result['evaluation'],
                                   single['evaluation'], atol=1e-5)
        # predict gathers every process's part back into the input order.
        assert result['prediction'].shape == (100, 3)
        np.testing.assert_allclose(result['prediction'],
                                   single['prediction'], atol=1e-5)


def test_only_rank_zero_writes_files_and_prints(two_process_run):
    tmp_path, _, ranks = two_process_run
    assert (tmp_path / 'ckpt_0.h5').exists()
    assert (tmp_path / 'log_0.csv').exists()
    assert not (tmp_path / 'ckpt_1.h5').exists()
    assert not (tmp_path / 'log_1.csv').exists()
    assert ranks[0][1].count('Epoch 1/3') == 1
    assert 'Epoch' not in ranks[1][1]


def test_a_crashing_rank_makes_the_other_fail_fast(tmp_path):
    start = time.time()
    ranks = _launch(CRASH_SCRIPT, tmp_path, timeout=90)
    elapsed = time.time() - start
    assert ranks[1][0] != 0 and 'crashed on purpose' in ranks[1][1]
    assert ranks[0][0] != 0, ranks[0][1]
    assert elapsed < 80


def test_stateful_models_are_refused(tmp_path):
    ranks = _launch(STATEFUL_SCRIPT, tmp_path)
    for code, output in ranks:
        assert code != 0
        assert 'Stateful recurrent layers cannot train under torchrun' \
            in output


def test_torchrun_runs_an_unmodified_script_with_one_progress_bar(tmp_path):
    script = tmp_path / 'mlp.py'
    script.write_text(textwrap.dedent('''
        import numpy as np
        from keras.models import Sequential
        from keras.layers import Dense
        model = Sequential()
        model.add(Dense(16, activation='relu', input_dim=20))
        model.add(Dense(1, activation='sigmoid'))
        model.compile(optimizer='rmsprop', loss='binary_crossentropy',
                      metrics=['accuracy'])
        data = np.random.random((200, 20))
        labels = np.random.randint(2, size=(200, 1))
        model.fit(data, labels, epochs=2, batch_size=32)
    '''))
    done = subprocess.run(
        [sys.executable, '-m', 'torch.distributed.run', '--standalone',
         '--nproc_per_node=2', '-m', 'keras_compat', 'run', str(script)],
        cwd=str(tmp_path), capture_output=True, text=True, timeout=180,
        env=_env())
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count('Epoch 1/2') == 1, done.stdout
    assert done.stdout.count('Epoch 2/2') == 1


def test_multi_gpu_model_checks_gpus_as_keras_and_returns_the_model(
        monkeypatch):
    import warnings
    import torch
    import keras_compat as keras
    from keras_compat.utils import multi_gpu_model
    model = keras.models.Sequential([keras.layers.Dense(1, input_dim=2)])
    with pytest.raises(ValueError, match='gpus >= 2'):
        multi_gpu_model(model, gpus=1)
    monkeypatch.setattr(torch.cuda, 'device_count', lambda: 1)
    with pytest.raises(ValueError, match='only has'):
        multi_gpu_model(model, gpus=2)
    monkeypatch.setattr(torch.cuda, 'device_count', lambda: 4)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        assert multi_gpu_model(model, gpus=[0, 1]) is model
    assert any('torchrun' in str(w.message) for w in caught)


SYNC_BN_SCRIPT = '''
import os, sys
import numpy as np
import torch
import keras_compat as keras
from keras_compat import layers, distributed

out = sys.argv[1]
tag = os.environ.get('RANK', 'single')
rng = np.random.RandomState(0)
# Each half of the global batch has other statistics, so that
# per-process statistics would differ from the global ones.
x = np.concatenate([rng.rand(8, 3) * 3. + 1., rng.randn(7, 3) - 2.]
                   ).astype('float32')
start, stop = distributed.batch_share(len(x))
results = {}

# 1. One call in training mode: outputs, gradients, moving statistics.
layer = layers.experimental.SyncBatchNormalization(momentum=0.5)
reference = layers.BatchNormalization(momentum=0.5)
for bn in (layer, reference):
    bn.build((None, 3))
    bn.set_weights([np.array([1.5, 0.5, 2.], 'float32'),
                    np.array([0.1, -0.2, 0.3], 'float32'),
                    np.zeros(3, 'float32'), np.ones(3, 'float32')])
coefficients = rng.randn(15, 3).astype('float32')
share = torch.tensor(x[start:stop], requires_grad=True)
output = layer(share, training=True)
(output * torch.tensor(coefficients[start:stop])).sum().backward()
whole = torch.tensor(x, requires_grad=True)
expected = reference(whole, training=True)
(expected * torch.tensor(coefficients)).sum().backward()
results['output'] = output.detach().numpy()
results['expected_output'] = expected.detach().numpy()[start:stop]
results['grad'] = share.grad.numpy()
results['expected_grad'] = whole.grad.numpy()[start:stop]
for name, got, want in zip(('mean', 'variance'),
                           layer.get_weights()[2:],
                           reference.get_weights()[2:]):
    results['moving_' + name] = got
    results['expected_moving_' + name] = want

# 2. A fit step of a model whose BatchNormalization is converted.
model = keras.Sequential([layers.Dense(4, input_shape=(3,)),
                          layers.BatchNormalization(momentum=0.9),
                          layers.Dense(1)])
model.set_weights([w if w.ndim < 2 or i > 1 else
                   rng.uniform(-1, 1, w.shape).astype('float32')
                   for i, w in enumerate(model.get_weights())])
model.layers[2].set_weights([rng.uniform(-1, 1, (4, 1)).astype('float32'),
                             np.zeros(1, 'float32')])
assert distributed.sync_batch_norm(model) is model
model.compile(keras.optimizers.SGD(lr=0.1), 'mse')
y = rng.rand(15, 1).astype('float32')
model.fit(x, y, batch_size=15, epochs=2, shuffle=False, verbose=0)
for i, w in enumerate(model.get_weights()):
    results['fit_%d' % i] = w
np.savez(os.path.join(out, 'syncbn_%s.npz' % tag), **results)
'''


@pytest.fixture(scope='module')
def sync_bn_run(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp('syncbn')
    _single(SYNC_BN_SCRIPT, tmp_path)
    ranks = _launch(SYNC_BN_SCRIPT, tmp_path)
    for rank, (code, output) in enumerate(ranks):
        assert code == 0, 'rank %d failed:\n%s' % (rank, output)
    return [np.load(str(tmp_path / ('syncbn_%s.npz' % tag)))
            for tag in ('single', '0', '1')]


def test_sync_batch_norm_uses_the_global_batch_statistics(sync_bn_run):
    for result in sync_bn_run:
        for name in ('output', 'grad', 'moving_mean', 'moving_variance'):
            np.testing.assert_allclose(result[name],
                                       result['expected_' + name],
                                       rtol=1e-5, atol=1e-5, err_msg=name)


def test_sync_batch_norm_fit_matches_one_process(sync_bn_run):
    single, rank0, rank1 = sync_bn_run
    names = [n for n in single.files if n.startswith('fit_')]
    assert len(names) == 8    # moving mean and variance included
    for name in names:
        np.testing.assert_array_equal(rank0[name], rank1[name])
        np.testing.assert_allclose(rank0[name], single[name], rtol=1e-5,
                                   atol=1e-5, err_msg=name)


RESTARTED_SCRIPT = '''
import json, os, sys
import numpy as np
import keras_compat as keras
from keras_compat import layers

out = sys.argv[1]
tag = os.environ.get('RANK', 'single')
rng = np.random.RandomState(0)
x = rng.rand(60, 4).astype('float32')
y = (x @ rng.rand(4, 2)).astype('float32')
model = keras.Sequential([layers.Dense(5, activation='tanh',
                                       input_shape=(4,)),
                          layers.Dense(2)])
model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype('float32')
                   for w in model.get_weights()])
model.compile(keras.optimizers.SGD(lr=0.05, momentum=0.9), 'mse')

class CrashOnce(keras.callbacks.Callback):
    """Rank 1 fails at the start of the third epoch while the file
    'crash' exists, after every rank has finished (and rank 0 backed up)
    the second."""
    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 2 and os.environ.get('RANK') and \\
                os.path.exists(os.path.join(out, 'crash')):
            import torch.distributed as dist
            dist.barrier()
            if os.environ['RANK'] == '1':
                raise RuntimeError('rank 1 failed on purpose')

history = model.fit(x, y, batch_size=12, epochs=4, shuffle=False,
                    verbose=0, callbacks=[
    keras.callbacks.BackupAndRestore(os.path.join(out, 'backup')),
    CrashOnce()])
np.savez(os.path.join(out, 'restarted_%s.npz' % tag), *model.get_weights())
with open(os.path.join(out, 'restarted_%s.json' % tag), 'w') as f:
    json.dump(history.epoch, f)
'''


def test_a_restarted_run_resumes_from_the_backup(tmp_path):
    _single(RESTARTED_SCRIPT, tmp_path)
    (tmp_path / 'crash').write_text('')
    ranks = _launch(RESTARTED_SCRIPT, tmp_path, timeout=90)
    assert ranks[1][0] != 0 and 'failed on purpose' in ranks[1][1]
    assert ranks[0][0] != 0
    assert (tmp_path / 'backup' / 'backup.h5').exists()
    (tmp_path / 'crash').unlink()
    # The run started again (as torchrun --max-restarts would).
    ranks = _launch(RESTARTED_SCRIPT, tmp_path)
    for rank, (code, output) in enumerate(ranks):
        assert code == 0, 'rank %d failed:\n%s' % (rank, output)
    single = np.load(str(tmp_path / 'restarted_single.npz'))
    for tag in ('0', '1'):
        with open(str(tmp_path / ('restarted_%s.json' % tag))) as f:
            assert json.load(f) == [2, 3]
        result = np.load(str(tmp_path / ('restarted_%s.npz' % tag)))
        for name in single.files:
            np.testing.assert_allclose(result[name], single[name],
                                       rtol=1e-5, atol=1e-5)
    assert not (tmp_path / 'backup').exists()


STOP_SCRIPT = '''
import json, os, sys
import numpy as np
import keras_compat as keras
from keras_compat import layers

out = sys.argv[1]
class StopOnRankOne(keras.callbacks.Callback):
    """Sets stop_training on rank 1 only, after its third batch (as
    TerminateOnNaN does when only that process's share is NaN)."""
    def on_batch_end(self, batch, logs=None):
        self.seen = batch
        if os.environ['RANK'] == '1' and batch == 2:
            self.model.stop_training = True

rng = np.random.RandomState(0)
model = keras.Sequential([layers.Dense(1, input_shape=(3,))])
model.compile('sgd', 'mse')
stopper = StopOnRankOne()
history = model.fit(rng.rand(64, 3), rng.rand(64, 1), batch_size=8,
                    epochs=5, verbose=0, callbacks=[stopper])
np.savez(os.path.join(out, 'stop_%s.npz' % os.environ['RANK']),
         *model.get_weights())
with open(os.path.join(out, 'stop_%s.json' % os.environ['RANK']), 'w') as f:
    json.dump({'epochs': history.epoch, 'last_batch': stopper.seen}, f)
'''


def test_a_stop_set_on_one_rank_stops_every_rank_at_the_same_step(
        tmp_path):
    ranks = _launch(STOP_SCRIPT, tmp_path, timeout=90)
    for rank, (code, output) in enumerate(ranks):
        assert code == 0, 'rank %d failed:\n%s' % (rank, output)
    runs = []
    for rank in ('0', '1'):
        with open(str(tmp_path / ('stop_%s.json' % rank))) as f:
            runs.append(json.load(f))
    assert runs[0] == runs[1] == {'epochs': [0], 'last_batch': 2}
    weights = [np.load(str(tmp_path / ('stop_%s.npz' % r))) for r in '01']
    for name in weights[0].files:
        np.testing.assert_array_equal(weights[0][name], weights[1][name])


FEW_SAMPLES_SCRIPT = '''
import json, os, sys
import numpy as np
import keras_compat as keras
from keras_compat import layers

out = sys.argv[1]
model = keras.Sequential([layers.Dense(2, input_shape=(3,))])
model.set_weights([np.arange(6, dtype='float32').reshape(3, 2) / 10.,
                   np.array([0.5, -0.5], 'float32')])
model.compile('sgd', 'mse', metrics=['mae'])
x = np.array([[1., 2., 3.]], 'float32')
y = np.array([[1., 1.]], 'float32')
result = {'evaluate': model.evaluate(x, y, verbose=0),
          'predict': model.predict(x).tolist()}
with open(os.path.join(out, 'few_%s.json' % os.environ['RANK']), 'w') as f:
    json.dump(result, f)
'''


def test_evaluate_and_predict_on_fewer_samples_than_processes(tmp_path):
    ranks = _launch(FEW_SAMPLES_SCRIPT, tmp_path, timeout=90)
    for rank, (code, output) in enumerate(ranks):
        assert code == 0, 'rank %d failed:\n%s' % (rank, output)
    prediction = np.array([[1., 2., 3.]]) @ (np.arange(6).reshape(3, 2) /
                                             10.) + np.array([0.5, -0.5])
    error = prediction - 1.
    for rank in '01':
        with open(str(tmp_path / ('few_%s.json' % rank))) as f:
            result = json.load(f)
        np.testing.assert_allclose(result['predict'], prediction, rtol=1e-6)
        np.testing.assert_allclose(
            result['evaluate'], [np.mean(error ** 2), np.mean(abs(error))],
            rtol=1e-6)
