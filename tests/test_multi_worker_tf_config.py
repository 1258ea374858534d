"""tf.keras multi-worker programs as TensorFlow's tutorials write them
("Multi-worker training with Keras", "Custom training loop with Keras and
MultiWorkerMirroredStrategy"): each worker started by hand with its own
TF_CONFIG, MultiWorkerMirroredStrategy, the model built in its scope, a
tf.data pipeline of global batches, BackupAndRestore and the chief-only
writing idiom. Two processes on localhost give the losses, weights and
files of tf_keras 2.21 running the same two workers; a worker killed
mid-training and both restarted resume at the right epoch."""
import json
import os
import socket
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from keras_compat import distributed
from keras_compat import tensorflow_compat as tf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

COMMON = '''
import json, os, sys
import numpy as np
import tensorflow as tf

out = sys.argv[1]
tf_config = json.loads(os.environ['TF_CONFIG'])
num_workers = len(tf_config['cluster']['worker'])
rng = np.random.RandomState(0)
x = rng.rand(40, 5).astype('float32')
y = rng.randint(0, 3, 40).astype('int64')


def initial_weights(model):
    return [np.random.RandomState(1).uniform(-0.5, 0.5, w.shape)
            .astype('float32') for w in model.get_weights()]


def _get_temp_dir(dirpath, task_id):
    temp_dir = os.path.join(dirpath, 'workertemp_' + str(task_id))
    tf.io.gfile.makedirs(temp_dir)
    return temp_dir


def report(name, **values):
    with open(os.path.join(out, name), 'w') as f:
        json.dump(values, f)
'''

FIT_SCRIPT = COMMON + '''
strategy = tf.distribute.experimental.MultiWorkerMirroredStrategy(
    communication_options=tf.distribute.experimental.CommunicationOptions(
        implementation=tf.distribute.experimental
        .CommunicationImplementation.RING))
task_type, task_id = (strategy.cluster_resolver.task_type,
                      strategy.cluster_resolver.task_id)
global_batch_size = 4 * num_workers
dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(global_batch_size)
options = tf.data.Options()
options.experimental_distribute.auto_shard_policy = \\
    tf.data.experimental.AutoShardPolicy.DATA
dataset = dataset.with_options(options)
with strategy.scope():
    model = tf.keras.Sequential([
        tf.keras.layers.InputLayer(input_shape=(5,)),
        tf.keras.layers.Dense(6, activation='relu'),
        tf.keras.layers.Dense(3)])
    model.set_weights(initial_weights(model))
    model.compile(
        loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        optimizer=tf.keras.optimizers.SGD(learning_rate=0.1, momentum=0.5),
        metrics=['accuracy'])


def _is_chief(task_type, task_id):
    return (task_type == 'worker' and task_id == 0) or task_type is None


def write_filepath(filepath, task_type, task_id):
    dirpath = os.path.dirname(filepath)
    base = os.path.basename(filepath)
    if not _is_chief(task_type, task_id):
        dirpath = _get_temp_dir(dirpath, task_id)
    return os.path.join(dirpath, base)


class Preempted(tf.keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 1 and task_id == 1 and os.environ['ATTEMPT'] == '0':
            os._exit(3)


class Record(tf.keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        report('attempt%s_epoch%d_task%d.json'
               % (os.environ['ATTEMPT'], epoch, task_id),
               loss=float(logs['loss']), accuracy=float(logs['accuracy']))


callbacks = [tf.keras.callbacks.BackupAndRestore(os.path.join(out, 'backup')),
             tf.keras.callbacks.ModelCheckpoint(write_filepath(
                 os.path.join(out, 'ckpt', 'weights.h5'), task_type, task_id),
                 save_weights_only=True),
             Preempted(), Record()]
history = model.fit(dataset, epochs=3, verbose=0, callbacks=callbacks)
write_model_path = write_filepath(os.path.join(out, 'model.h5'), task_type,
                                  task_id)
model.save(write_model_path)
if not _is_chief(task_type, task_id):
    tf.io.gfile.rmtree(os.path.dirname(write_model_path))
report('result_%d.json' % task_id, task=[task_type, task_id],
       replicas=strategy.num_replicas_in_sync, epochs=history.epoch,
       weights=[w.tolist() for w in model.get_weights()])
'''

LOOP_SCRIPT = COMMON + '''
strategy = tf.distribute.MultiWorkerMirroredStrategy()
global_batch_size = 4 * num_workers


def dataset_fn(global_batch_size, input_context):
    batch_size = input_context.get_per_replica_batch_size(global_batch_size)
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    dataset = dataset.shard(input_context.num_input_pipelines,
                            input_context.input_pipeline_id)
    return dataset.batch(batch_size)


with strategy.scope():
    model = tf.keras.Sequential([
        tf.keras.layers.InputLayer(input_shape=(5,)),
        tf.keras.layers.Dense(6, activation='relu', kernel_regularizer=
                              tf.keras.regularizers.L2(1e-2)),
        tf.keras.layers.Dense(3)])
    model.set_weights(initial_weights(model))
    multi_worker_dataset = strategy.distribute_datasets_from_function(
        lambda input_context: dataset_fn(global_batch_size, input_context))
    optimizer = tf.keras.optimizers.RMSprop(learning_rate=0.01)
    train_accuracy = tf.keras.metrics.SparseCategoricalAccuracy(
        name='train_accuracy')


@tf.function
def train_step(iterator):
    def step_fn(inputs):
        x, y = inputs
        with tf.GradientTape() as tape:
            predictions = model(x, training=True)
            per_example_loss = tf.keras.losses.SparseCategoricalCrossentropy(
                from_logits=True,
                reduction=tf.keras.losses.Reduction.NONE)(y, predictions)
            loss = tf.nn.compute_average_loss(per_example_loss)
            if model.losses:
                loss += tf.nn.scale_regularization_loss(tf.add_n(model.losses))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        train_accuracy.update_state(y, predictions)
        return loss
    per_replica_losses = strategy.run(step_fn, args=(next(iterator),))
    return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica_losses,
                           axis=None)


def _is_chief(task_type, task_id, cluster_spec):
    return (task_type is None or task_type == 'chief' or
            (task_type == 'worker' and task_id == 0 and
             'chief' not in cluster_spec.as_dict()))


def write_filepath(filepath, task_type, task_id, cluster_spec):
    dirpath = os.path.dirname(filepath)
    base = os.path.basename(filepath)
    if not _is_chief(task_type, task_id, cluster_spec):
        dirpath = _get_temp_dir(dirpath, task_id)
    return os.path.join(dirpath, base)


epoch = tf.Variable(initial_value=tf.constant(0, dtype=tf.dtypes.int64),
                    name='epoch')
step_in_epoch = tf.Variable(
    initial_value=tf.constant(0, dtype=tf.dtypes.int64), name='step_in_epoch')
task_type, task_id = (strategy.cluster_resolver.task_type,
                      strategy.cluster_resolver.task_id)
cluster_spec = tf.train.ClusterSpec(tf_config['cluster'])
checkpoint = tf.train.Checkpoint(model=model, epoch=epoch,
                                 step_in_epoch=step_in_epoch)
checkpoint_dir = os.path.join(out, 'ckpt')
write_checkpoint_dir = write_filepath(checkpoint_dir, task_type, task_id,
                                      cluster_spec)
checkpoint_manager = tf.train.CheckpointManager(
    checkpoint, directory=write_checkpoint_dir, max_to_keep=1)
log = []
while epoch.numpy() < 2:
    iterator = iter(multi_worker_dataset)
    total_loss = 0.0
    num_batches = 0
    while step_in_epoch.numpy() < 5:
        total_loss += train_step(iterator)
        num_batches += 1
        step_in_epoch.assign_add(1)
    log.append([float(train_accuracy.result()),
                float(total_loss / num_batches)])
    train_accuracy.reset_states()
    checkpoint_manager.save()
    if not _is_chief(task_type, task_id, cluster_spec):
        tf.io.gfile.rmtree(write_checkpoint_dir)
    epoch.assign_add(1)
    step_in_epoch.assign(0)
report('result_%d.json' % task_id, log=log,
       weights=[w.tolist() for w in model.get_weights()])
'''

# tf_keras 2.21, the same scripts as two TF_CONFIG workers on localhost.
# Fit: losses and accuracies of epochs 0, 1, 2 (the same on both workers;
# equal to one process fitting the global batches), and the last bias
# after 3 epochs, also when resumed from the backup of epoch 0.
TF_FIT_LOGS = [(1.1119375228881836, 0.32499998807907104),
               (1.0921897888183594, 0.3499999940395355),
               (1.0865757465362549, 0.30000001192092896)]
TF_FIT_BIAS = [0.058944035321474075, 0.0008539874106645584,
               -0.4223371744155884]
# Custom loop: [accuracy over both workers, mean of the summed losses] per
# epoch, and the last bias after 2 epochs.
TF_LOOP_LOG = [[0.32499998807907104, 1.1385984420776367],
               [0.32499998807907104, 1.113794207572937]]
TF_LOOP_BIAS = [-0.042296238243579865, 0.20874324440956116,
                -0.4683816432952881]


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture(scope='module')
def ports():
    try:
        return [_free_port(), _free_port()]
    except OSError as error:
        pytest.skip('no loopback sockets here: %s' % error)


def _workers(script, tmp_path, ports, attempt='0', timeout=90):
    """Starts the two workers (`python -m keras_compat run script OUT`)
    with their TF_CONFIG; waits for both, or stops the other one once a
    worker failed, as a cluster manager does. Returns [(code, output)]."""
    path = tmp_path / 'worker.py'
    path.write_text(textwrap.dedent(script))
    cluster = {'worker': ['localhost:%d' % p for p in ports]}
    procs = []
    for index in range(2):
        env = dict(os.environ, PYTHONPATH=ROOT, KERAS_COMPAT_DEVICE='cpu',
                   OMP_NUM_THREADS='1', KERAS_COMPAT_DDP_TIMEOUT='30',
                   ATTEMPT=attempt, TF_CONFIG=json.dumps(
                       {'cluster': cluster,
                        'task': {'type': 'worker', 'index': index}}))
        for key in ('WORLD_SIZE', 'RANK', 'LOCAL_RANK', 'MASTER_ADDR',
                    'MASTER_PORT'):
            env.pop(key, None)
        log = open(str(tmp_path / ('log_%s_%d.txt' % (attempt, index))),
                   'w+')
        procs.append((subprocess.Popen(
            [sys.executable, '-m', 'keras_compat', 'run', str(path),
             str(tmp_path)], cwd=str(tmp_path), env=env, stdout=log,
            stderr=subprocess.STDOUT), log))
    deadline = time.time() + timeout
    try:
        while any(p.poll() is None for p, _ in procs):
            failed = any(p.poll() not in (None, 0) for p, _ in procs)
            if failed or time.time() > deadline:
                time.sleep(1)
                for p, _ in procs:
                    if p.poll() is None:
                        p.kill()
                break
            time.sleep(0.2)
    finally:
        for p, _ in procs:
            if p.poll() is None:
                p.kill()
            p.wait()
    results = []
    for p, log in procs:
        log.seek(0)
        results.append((p.returncode, log.read()))
        log.close()
    return results


def _read(path):
    with open(str(path)) as f:
        return json.load(f)


def _files(root):
    found = set()
    for directory, _, names in os.walk(str(root)):
        for name in names:
            rel = os.path.relpath(os.path.join(directory, name), str(root))
            if not (rel.startswith('log_') or rel == 'worker.py'):
                found.add(rel)
    return found


def test_fit_preempted_worker_restarts_from_backup(tmp_path, ports):
    first = _workers(FIT_SCRIPT, tmp_path, ports, attempt='0')
    assert first[1][0] == 3, first[1][1]
    # Worker 1 died as epoch 1 began: the chief's backup of epoch 0 and
    # its checkpoint are all that was written.
    assert _files(tmp_path) == {
        'backup/backup.h5', 'ckpt/weights.h5', 'attempt0_epoch0_task0.json',
        'attempt0_epoch0_task1.json'}
    for task in range(2):
        logs = _read(tmp_path / ('attempt0_epoch0_task%d.json' % task))
        np.testing.assert_allclose([logs['loss'], logs['accuracy']],
                                   TF_FIT_LOGS[0], atol=1e-5)
    second = _workers(FIT_SCRIPT, tmp_path, ports, attempt='1')
    for code, output in second:
        assert code == 0, output
    for task in range(2):
        result = _read(tmp_path / ('result_%d.json' % task))
        assert result['task'] == ['worker', task]
        assert result['replicas'] == 2
        assert result['epochs'] == [1, 2]      # resumed after epoch 0
        np.testing.assert_allclose(result['weights'][3], TF_FIT_BIAS,
                                   atol=1e-5)
        for epoch in (1, 2):
            logs = _read(tmp_path / ('attempt1_epoch%d_task%d.json'
                                     % (epoch, task)))
            np.testing.assert_allclose([logs['loss'], logs['accuracy']],
                                       TF_FIT_LOGS[epoch], atol=1e-5)
    # Only the chief wrote the checkpoint and the model; the backup is
    # gone after a finished fit; no worker's temporary directory is left.
    assert {f for f in _files(tmp_path) if not f.startswith('attempt')} == \
        {'ckpt/weights.h5', 'model.h5', 'result_0.json', 'result_1.json'}
    assert not os.path.exists(str(tmp_path / 'ckpt' / 'workertemp_1'))
    assert not os.path.exists(str(tmp_path / 'workertemp_1'))


def test_custom_training_loop_over_two_workers(tmp_path, ports):
    for code, output in _workers(LOOP_SCRIPT, tmp_path, ports):
        assert code == 0, output
    for task in range(2):
        result = _read(tmp_path / ('result_%d.json' % task))
        np.testing.assert_allclose(result['log'], TF_LOOP_LOG, atol=1e-5)
        np.testing.assert_allclose(result['weights'][3], TF_LOOP_BIAS,
                                   atol=1e-5)
    # The chief's checkpoint; worker 1 removed its own, leaving the empty
    # temporary directory the tutorial's idiom makes (as in TensorFlow).
    assert _files(tmp_path) == {
        'ckpt/checkpoint', 'ckpt/ckpt-2.index',
        'ckpt/ckpt-2.data-00000-of-00001', 'result_0.json', 'result_1.json'}
    assert os.listdir(str(tmp_path / 'workertemp_1')) == []


# ------------------------------------------------ in one process
def test_cluster_resolver_and_cluster_spec(monkeypatch):
    config = {'cluster': {'chief': ['host0:2222'],
                          'worker': ['host1:2222', 'host2:2222']},
              'task': {'type': 'worker', 'index': 1}}
    monkeypatch.setenv('TF_CONFIG', json.dumps(config))
    resolver = tf.distribute.cluster_resolver.TFConfigClusterResolver()
    assert (resolver.task_type, resolver.task_id) == ('worker', 1)
    spec = resolver.cluster_spec()
    assert spec.as_dict() == config['cluster']
    assert spec == tf.train.ClusterSpec(config['cluster'])
    assert sorted(spec.jobs) == ['chief', 'worker']
    assert spec.num_tasks('worker') == 2
    assert spec.task_address('worker', 1) == 'host2:2222'
    assert resolver.master() == 'host2:2222'
    assert resolver.master(rpc_layer='grpc') == 'grpc://host2:2222'
    cluster = distributed.TFConfigCluster.from_environment()
    assert (cluster.world_size, cluster.rank, cluster.init_method) == \
        (3, 2, 'tcp://host0:2222')
    monkeypatch.delenv('TF_CONFIG')
    # One process, as TensorFlow reports it without TF_CONFIG.
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    resolver = strategy.cluster_resolver
    assert (resolver.task_type, resolver.task_id) == (None, None)
    assert resolver.cluster_spec().as_dict() == {}
    assert strategy.num_replicas_in_sync == 1


def test_auto_shard_policies_split_global_batches(monkeypatch):
    # What each worker of two reads of range(20).batch(7) (tf 2.21,
    # strategy.experimental_distribute_dataset): DATA its rows of every
    # batch; OFF every batch in pieces of ceil(7 / 2), its own first.
    monkeypatch.setenv('WORLD_SIZE', '2')
    expected = {
        ('DATA', 0): [[0, 1, 2, 3], [7, 8, 9, 10], [14, 15, 16]],
        ('DATA', 1): [[4, 5, 6], [11, 12, 13], [17, 18, 19]],
        ('OFF', 0): [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9, 10], [11, 12, 13],
                     [14, 15, 16, 17], [18, 19]],
        ('OFF', 1): [[0, 1, 2], [3, 4, 5, 6], [7, 8, 9], [10, 11, 12, 13],
                     [14, 15, 16], [17, 18, 19]]}
    for (policy, rank), batches in expected.items():
        monkeypatch.setenv('RANK', str(rank))
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = getattr(
            tf.data.experimental.AutoShardPolicy, policy)
        dataset = tf.data.Dataset.range(20).batch(7).with_options(options)
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
        assert strategy.num_replicas_in_sync == 2
        read = [b.tolist() for b in
                strategy.experimental_distribute_dataset(dataset)]
        assert read == batches, (policy, rank)
    # distribute_datasets_from_function: one pipeline per worker.
    seen = []

    def dataset_fn(context):
        seen.append((context.num_input_pipelines, context.input_pipeline_id,
                     context.get_per_replica_batch_size(8)))
        return tf.data.Dataset.range(20).shard(
            context.num_input_pipelines, context.input_pipeline_id).batch(4)
    read = [b.tolist() for b in
            strategy.distribute_datasets_from_function(dataset_fn)]
    assert seen == [(2, 1, 4)]
    assert read == [[1, 3, 5, 7], [9, 11, 13, 15], [17, 19]]


def test_average_loss_helpers_in_one_process():
    per_example = tf.constant([1., 2., 3., 6.])
    assert float(tf.nn.compute_average_loss(per_example)) == 3.
    assert float(tf.nn.compute_average_loss(
        per_example, global_batch_size=8)) == 1.5
    assert float(tf.nn.compute_average_loss(
        per_example, sample_weight=tf.constant([1., 0., 0., 1.]))) == 1.75
    assert float(tf.nn.scale_regularization_loss(tf.constant(0.5))) == 0.5
