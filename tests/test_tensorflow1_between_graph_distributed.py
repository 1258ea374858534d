"""TensorFlow 1's between-graph replication (tf.train.Server,
replica_device_setter, SyncReplicasOptimizer, MonitoredTrainingSession and
Supervisor on a worker's server) with real processes on localhost ports."""
import json
import os
import socket
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import keras_compat.tensorflow_compat as tf
from keras_compat import tensorflow_v1_distributed as v1_distributed

torch_distributed = pytest.importorskip('torch.distributed')
pytestmark = pytest.mark.skipif(
    not (torch_distributed.is_available() and
         torch_distributed.is_gloo_available()),
    reason='torch.distributed with Gloo is needed')

HEADER = '''
import json, sys
import numpy as np
import tensorflow as tf
job, task, ports, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ports = ports.split(',')
'''

MODEL = '''
    global_step = tf.train.get_or_create_global_step()
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.placeholder(tf.float32, [None, 1])
    w = tf.get_variable('w', initializer=tf.constant(INIT_W))
    b = tf.get_variable('b', initializer=tf.constant([0.1]))
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))
'''

FEED = '''
def feed(k):
    xb = np.float32(np.arange(6).reshape(2, 3) * (task + 1) * 0.1 + k * 0.05)
    return {x: xb, y: np.float32([[1.0 + task], [k * 0.5]])}
'''

# Parameter server and two workers: synchronous Adam in a
# MonitoredTrainingSession, as TensorFlow 1's distributed how-to.
SYNC_SCRIPT = HEADER + '''
cluster = tf.train.ClusterSpec({'ps': ['localhost:' + ports[0]],
                                'worker': ['localhost:' + p for p in ports[1:]]})
server = tf.train.Server(cluster, job_name=job, task_index=task)
if job == 'ps':
    server.join()
else:
    is_chief = task == 0
    with tf.device(tf.train.replica_device_setter(
            worker_device='/job:worker/task:%d' % task, cluster=cluster)):
        INIT_W = [[0.5], [-0.3], [0.2]]
''' + textwrap.indent(MODEL, '    ') + '''
        opt = tf.train.SyncReplicasOptimizer(tf.train.AdamOptimizer(0.05),
                                             replicas_to_aggregate=2,
                                             total_num_replicas=2)
        train_op = opt.minimize(loss, global_step=global_step)
''' + textwrap.indent(FEED, '    ') + '''
    final = tf.train.FinalOpsHook([w, b, global_step])
    hooks = [opt.make_session_run_hook(is_chief),
             tf.train.StopAtStepHook(last_step=4), final]
    runs = 0
    with tf.train.MonitoredTrainingSession(
            master=server.target, is_chief=is_chief, checkpoint_dir=out,
            hooks=hooks) as sess:
        while not sess.should_stop():
            sess.run(train_op, feed_dict=feed(runs))
            runs += 1
    wv, bv, step = final.final_ops_values
    print(json.dumps({'runs': runs, 'w': np.ravel(wv).tolist(),
                      'b': np.ravel(bv).tolist(), 'step': int(step)}))
'''

# Two workers, no parameter server: asynchronous gradient descent under a
# Supervisor, each worker starting from different initial values.
ASYNC_SCRIPT = HEADER + '''
cluster = tf.train.ClusterSpec({'worker': ['localhost:' + p for p in ports]})
server = tf.train.Server(cluster, job_name=job, task_index=task)
with tf.device(tf.train.replica_device_setter(
        worker_device='/job:worker/task:%d' % task, cluster=cluster)):
    INIT_W = [[0.5], [-0.3], [0.2]] if task == 0 else [[9.0], [9.0], [9.0]]
''' + MODEL + '''
    train_op = tf.train.GradientDescentOptimizer(0.1).minimize(
        loss, global_step=global_step)
''' + FEED + '''
sv = tf.train.Supervisor(is_chief=(task == 0), logdir=out if task == 0 else None,
                         global_step=global_step, save_model_secs=0)
sess = sv.prepare_or_wait_for_session(server.target)
for k in range(2):
    sess.run(train_op, feed_dict=feed(k))
wv, bv, step = sess.run([w, b, global_step])
print(json.dumps({'w': np.ravel(wv).tolist(), 'b': np.ravel(bv).tolist(),
                  'step': int(step)}))
'''


def _free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(('localhost', 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ','.join(str(p) for p in ports)


def _launch(tmp_path, script, tasks):
    """Runs one process per (job, index) task; their outputs and codes."""
    path = tmp_path / 'train.py'
    path.write_text(script)
    ports = _free_ports(len(tasks))
    env = dict(os.environ, KERAS_COMPAT_DDP_TIMEOUT='60',
               KERAS_COMPAT_DEVICE='cpu')
    procs = [subprocess.Popen(
        [sys.executable, '-m', 'keras_compat', 'run', str(path), job,
         str(index), ports, str(tmp_path / 'logs')],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        cwd=str(tmp_path)) for job, index in tasks]
    results = []
    try:
        for proc in procs:
            out, err = proc.communicate(timeout=90)
            results.append((proc.returncode, out.decode(), err.decode()))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    for code, out, err in results:
        assert code == 0, err[-3000:]
    return [json.loads(out.strip().splitlines()[-1]) if out.strip() else None
            for _, out, _ in results]


def test_synchronous_adam_with_parameter_server(tmp_path):
    ps, chief, worker = _launch(tmp_path, SYNC_SCRIPT,
                                [('ps', 0), ('worker', 0), ('worker', 1)])
    assert ps is None            # server.join() returned once they exited
    # From TensorFlow 2.21 (tf.compat.v1, a ps and two worker processes,
    # the same script): the weights after 4 averaged steps.
    for result in (chief, worker):
        assert result['runs'] == 4 and result['step'] == 4
        np.testing.assert_allclose(
            result['w'], [0.5055212, -0.12104088, 0.3912566], atol=1e-5)
        np.testing.assert_allclose(result['b'], [0.30018687], atol=1e-5)
    # Only the chief writes checkpoints.
    assert (tmp_path / 'logs' / 'model.ckpt-4.index').exists()


def _async_reference():
    """Plain gradient descent applied for worker 0's then worker 1's
    gradient, both from the same values, twice (numpy)."""
    w, b = np.float32([[0.5], [-0.3], [0.2]]), np.float32([0.1])
    for k in range(2):
        grads = []
        for task in (0, 1):
            xb = np.float32(np.arange(6).reshape(2, 3) * (task + 1) * 0.1 +
                            k * 0.05)
            error = 2 * (xb @ w + b - np.float32([[1.0 + task], [k * 0.5]]))
            grads.append((xb.T @ error / 2, error.mean(0)))
        for gw, gb in grads:
            w, b = w - 0.1 * gw, b - 0.1 * gb
    return w.ravel(), b


def test_asynchronous_gradient_descent_under_supervisor(tmp_path):
    chief, worker = _launch(tmp_path, ASYNC_SCRIPT,
                            [('worker', 0), ('worker', 1)])
    w, b = _async_reference()
    for result in (chief, worker):
        assert result['step'] == 4      # every worker's update counts
        np.testing.assert_allclose(result['w'], w, atol=1e-6)
        np.testing.assert_allclose(result['b'], b, atol=1e-6)


def test_placement_and_unsupported_combinations(monkeypatch):
    monkeypatch.setattr(v1_distributed, '_STATE', dict(
        v1_distributed._STATE, server=None, local_targets=set()))
    cluster = tf.train.ClusterSpec({'ps': ['localhost:1'],
                                    'worker': ['localhost:2', 'localhost:3']})
    setter = tf.train.replica_device_setter(
        worker_device='/job:worker/task:0', cluster=cluster)

    class Op(object):
        type = 'VariableV2'
    assert setter(Op()) == '/job:ps/task:0'
    Op.type = 'MatMul'
    assert setter(Op()) == '/job:worker/task:0'
    assert tf.train.replica_device_setter(cluster={'worker': ['a:1']}) \
        is None
    with pytest.raises(NotImplementedError, match='between-graph'):
        tf.Session('grpc://localhost:2')
    # A worker of its own one-task cluster: runs locally.
    server = tf.train.Server({'worker': ['localhost:4']},
                             job_name='worker', task_index=0)
    assert server.target == 'grpc://localhost:4'
    tf.Session(server.target).close()
    with tf.device('/job:worker/task:0/cpu:0'), tf.device(setter):
        pass
    with pytest.raises(NotImplementedError, match='in-graph'):
        tf.device('/job:worker/task:1')
    opt = tf.train.SyncReplicasOptimizer(
        tf.train.GradientDescentOptimizer(0.1), replicas_to_aggregate=3)
    monkeypatch.setitem(v1_distributed._STATE, 'size', 2)
    with pytest.raises(NotImplementedError, match='multiple'):
        opt._check_replicas()
    with pytest.raises(ValueError, match='staleness'):
        opt.apply_gradients([(None, None)])
