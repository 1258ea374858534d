"""Unmodified scripts under the real torchrun launcher on localhost: two
'nodes' of one process each meeting at a c10d rendezvous endpoint, and a
worker killed mid-epoch that torchrun's --max-restarts brings back, the
run resuming from BackupAndRestore's last backup."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from test_distributed import _env, _free_port, _single

SCRIPT = '''
import json, os, signal, sys
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


class KilledOnce(keras.callbacks.Callback):
    """On torchrun's first attempt, rank 1 is killed (SIGKILL, no
    cleanup) in the middle of the third epoch."""
    def on_batch_end(self, batch, logs=None):
        if self.params.get('kill') and epoch_now[0] == 2 and batch == 1 and \\
                os.environ.get('RANK') == '1' and \\
                os.environ.get('TORCHELASTIC_RESTART_COUNT') == '0':
            os.kill(os.getpid(), signal.SIGKILL)
    def on_epoch_begin(self, epoch, logs=None):
        epoch_now[0] = epoch


epoch_now = [0]
node = os.environ.get('GROUP_RANK', 'single')
directory = os.path.join(out, 'node_%s' % node)
os.makedirs(directory, exist_ok=True)
killer = KilledOnce()
callbacks = [keras.callbacks.ModelCheckpoint(
                 os.path.join(directory, 'ckpt.h5')),
             keras.callbacks.BackupAndRestore(os.path.join(out, 'backup')),
             killer]
model.fit(x, y, batch_size=12, epochs=4, shuffle=False, verbose=0,
          callbacks=callbacks)
history = model.history
np.savez(os.path.join(out, 'weights_%s.npz' % tag), *model.get_weights())
with open(os.path.join(out, 'run_%s.json' % tag), 'w') as f:
    json.dump({'epochs': history.epoch, 'node': node,
               'restarts': os.environ.get('TORCHELASTIC_RESTART_COUNT')},
              f)
'''


def _torchrun(args, script, tmp_path, env):
    """A torchrun launch whose output goes to a log file beside the
    script (read back by `_finish`, also after a time-out)."""
    log = open(str(tmp_path / ('torchrun_%d.log' % _free_port())), 'w+')
    proc = subprocess.Popen(
        [sys.executable, '-m', 'torch.distributed.run'] + args +
        [str(script), str(tmp_path)],
        cwd=str(tmp_path), stdout=log, stderr=subprocess.STDOUT, text=True,
        env=env, start_new_session=True)
    proc.log = log
    return proc


def _finish(procs, timeout=180):
    """[(returncode, output)] of torchrun launches; a launch still running
    after `timeout` seconds is killed with its workers and reported."""
    deadline = time.time() + timeout
    outputs = []
    try:
        for proc in procs:
            try:
                proc.wait(timeout=max(1., deadline - time.time()))
            except subprocess.TimeoutExpired:
                pass
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            proc.log.seek(0)
            outputs.append((proc.returncode, proc.log.read()))
            proc.log.close()
    return outputs


def _script(tmp_path, kill):
    path = tmp_path / 'train.py'
    path.write_text(textwrap.dedent(SCRIPT).replace(
        "self.params.get('kill')", 'True' if kill else 'False'))
    return path


@pytest.fixture(scope='module')
def single_weights(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp('single')
    _script(tmp_path, kill=False)
    _single((tmp_path / 'train.py').read_text(), tmp_path)
    return np.load(str(tmp_path / 'weights_single.npz'))


def _rendezvous(nnodes, nproc, port, extra=()):
    return ['--nnodes=%d' % nnodes, '--nproc_per_node=%d' % nproc,
            '--rdzv_backend=c10d', '--rdzv_endpoint=127.0.0.1:%d' % port,
            '--rdzv_id=keras-compat-test'] + list(extra)


def _torchrun_env():
    env = _env(KERAS_COMPAT_DDP_TIMEOUT='60')
    env.pop('TORCHELASTIC_RESTART_COUNT', None)
    return env


def test_two_nodes_on_localhost_end_with_identical_weights(
        tmp_path, single_weights):
    script = _script(tmp_path, kill=False)
    port = _free_port()
    nodes = [_torchrun(_rendezvous(2, 1, port, ['--node_rank=%d' % n]),
                       script, tmp_path, _torchrun_env())
             for n in range(2)]
    for code, output in _finish(nodes):
        assert code == 0, output
    runs = {}
    for rank in ('0', '1'):
        with open(str(tmp_path / ('run_%s.json' % rank))) as f:
            runs[rank] = json.load(f)
        assert runs[rank]['epochs'] == [0, 1, 2, 3]
        result = np.load(str(tmp_path / ('weights_%s.npz' % rank)))
        for name in single_weights.files:
            np.testing.assert_allclose(result[name], single_weights[name],
                                       rtol=1e-5, atol=1e-6)
    # One process per node: the node of rank 0 alone has the checkpoint.
    assert runs['0']['node'] != runs['1']['node']
    assert (tmp_path / ('node_%s' % runs['0']['node']) / 'ckpt.h5').exists()
    assert not (tmp_path / ('node_%s' % runs['1']['node']) /
                'ckpt.h5').exists()


def test_a_killed_worker_is_restarted_and_the_run_resumes(
        tmp_path, single_weights):
    script = _script(tmp_path, kill=True)
    job = _torchrun(_rendezvous(1, 2, _free_port(), ['--max-restarts=1']),
                    script, tmp_path, _torchrun_env())
    [(code, output)] = _finish([job])
    assert code == 0, output
    for rank in ('0', '1'):
        with open(str(tmp_path / ('run_%s.json' % rank))) as f:
            run = json.load(f)
        # The second attempt resumed after the last completed epoch.
        assert run['restarts'] == '1'
        assert run['epochs'] == [2, 3]
        result = np.load(str(tmp_path / ('weights_%s.npz' % rank)))
        for name in single_weights.files:
            np.testing.assert_allclose(result[name], single_weights[name],
                                       rtol=1e-5, atol=1e-6)
    assert not (tmp_path / 'backup').exists()
