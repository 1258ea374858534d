"""Horovod programs (`import horovod.keras as hvd`, `import
horovod.tensorflow.keras as hvd`) under `python -m keras_compat run`, one
process per rank as horovodrun / mpirun / torchrun start them: every
process trains on its own batches and DistributedOptimizer averages the
gradients, so two processes with batch b step as one process with batch
2b (mean losses). Expected numbers come from those formulas (numpy) and
from Horovod 0.28's learning rate formulas."""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from test_distributed import _env, _free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

KERAS_SCRIPT = '''
import json, os, sys
import numpy as np
import keras
from keras.models import Sequential
from keras.layers import Dense
from keras import backend as K
import tensorflow as tf
import horovod.keras as hvd

hvd.init()
config = tf.ConfigProto()
config.gpu_options.allow_growth = True
config.gpu_options.visible_device_list = str(hvd.local_rank())
K.set_session(tf.Session(config=config))

data = np.random.RandomState(0)
x_all = data.rand(48, 3).astype('float32')
y_all = data.rand(48, 2).astype('float32')
n = len(x_all) // hvd.size()
x = x_all[hvd.rank() * n:(hvd.rank() + 1) * n]
y = y_all[hvd.rank() * n:(hvd.rank() + 1) * n]
model = Sequential([Dense(2, input_shape=(3,))])
# Each process starts from weights of its own; rank 0's are broadcast.
own = np.random.RandomState(10 + hvd.rank())
model.set_weights([own.uniform(-1, 1, w.shape).astype('float32')
                   for w in model.get_weights()])
initial = [w.tolist() for w in model.get_weights()]
opt = hvd.DistributedOptimizer(keras.optimizers.SGD(lr=0.1, momentum=0.9))
model.compile(loss='mse', optimizer=opt)
callbacks = [hvd.callbacks.BroadcastGlobalVariablesCallback(0),
             hvd.callbacks.MetricAverageCallback()]
history = model.fit(x, y, batch_size=6, epochs=2, shuffle=False,
                    callbacks=callbacks,
                    verbose=1 if hvd.rank() == 0 else 0)
weights = [w.tolist() for w in model.get_weights()]


class Rates(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.seen = []

    def on_batch_begin(self, batch, logs=None):
        self.seen.append([float(K.get_value(self.model.optimizer.lr)),
                          float(K.get_value(self.model.optimizer.momentum))])


rates = Rates()
model.fit(x, y, batch_size=6, epochs=4, shuffle=False, verbose=0,
          callbacks=[hvd.callbacks.LearningRateWarmupCallback(
                         initial_lr=0.2, warmup_epochs=2, verbose=1),
                     hvd.callbacks.LearningRateScheduleCallback(
                         initial_lr=0.2, multiplier=0.5, start_epoch=2),
                     rates])
result = {
    'topology': [hvd.rank(), hvd.size(), hvd.local_rank(), hvd.local_size(),
                 hvd.cross_rank(), hvd.cross_size()],
    'initial': initial, 'weights': weights,
    'loss': [float(v) for v in history.history['loss']],
    'rates': rates.seen,
    'sum': hvd.allreduce([hvd.rank() + 1.0, 2.0], average=False).tolist(),
    'mean': float(hvd.allreduce(np.float32(hvd.rank()))),
    'gather': hvd.allgather(np.full((hvd.rank() + 1, 2),
                                    hvd.rank())).tolist(),
    'bcast': int(hvd.broadcast(hvd.rank() + 7, hvd.size() - 1)),
    'object': hvd.broadcast_object({'from': hvd.rank()}, root_rank=0),
    'objects': hvd.allgather_object('r%d' % hvd.rank()),
    'optimizer': type(model.optimizer).__name__,
}
with open(os.path.join(sys.argv[1], 'keras_%d.json' % hvd.rank()), 'w') as f:
    json.dump(result, f)
'''

TF_KERAS_SCRIPT = '''
import json, os, sys
import numpy as np
import tensorflow as tf
import horovod.tensorflow as hvd_tf
import horovod.tensorflow.keras as hvd

hvd.init()
gpus = tf.config.experimental.list_physical_devices('GPU')
for gpu in gpus:
    tf.config.experimental.set_memory_growth(gpu, True)
if gpus:
    tf.config.experimental.set_visible_devices(gpus[hvd.local_rank()], 'GPU')

data = np.random.RandomState(1)
x_all = data.rand(32, 3).astype('float32')
y_all = data.rand(32, 2).astype('float32')
n = len(x_all) // hvd.size()
x = x_all[hvd.rank() * n:(hvd.rank() + 1) * n]
y = y_all[hvd.rank() * n:(hvd.rank() + 1) * n]
dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)
model = tf.keras.Sequential([tf.keras.layers.Dense(2, input_shape=(3,))])
start = np.random.RandomState(5)
model.set_weights([start.uniform(-1, 1, w.shape).astype('float32')
                   for w in model.get_weights()])
opt = hvd.DistributedOptimizer(tf.keras.optimizers.SGD(0.1),
                               backward_passes_per_step=2,
                               average_aggregated_gradients=True)
model.compile(loss='mse', optimizer=opt)
model.fit(dataset, epochs=2, verbose=0,
          callbacks=[hvd.callbacks.BroadcastGlobalVariablesCallback(0)])
weights = [w.tolist() for w in model.get_weights()]
with tf.GradientTape() as tape:
    loss = tf.reduce_mean(tf.square(model(x[:4]) - y[:4]))
tape = hvd_tf.DistributedGradientTape(tape)
grads = tape.gradient(loss, model.trainable_variables)
result = {
    'topology': [hvd.rank(), hvd.size(), hvd.local_rank(), hvd.local_size()],
    'weights': weights, 'iterations': int(opt.iterations.numpy()),
    'tape': [g.numpy().tolist() for g in grads],
    'sum': hvd.allreduce(tf.constant([float(hvd.rank() + 1)]),
                         op=hvd.Sum).numpy().tolist(),
    'max': int(hvd_tf.allreduce(tf.constant(hvd.rank() * 3),
                                op=hvd_tf.Max).numpy()),
    'fp16': hvd_tf.allreduce(
        tf.constant([1.0 / 3]),
        compression=hvd.Compression.fp16).numpy().tolist(),
    'name': opt.get_config().get('name'),
}
with open(os.path.join(sys.argv[1], 'tf_%d.json' % hvd.rank()), 'w') as f:
    json.dump(result, f)
'''


def _start(script, tmp_path, envs):
    """Starts `script` with `python -m keras_compat run`, one process per
    environment in `envs`."""
    path = tmp_path / 'script.py'
    path.write_text(textwrap.dedent(script))
    return [subprocess.Popen(
        [sys.executable, '-m', 'keras_compat', 'run', str(path),
         str(tmp_path)], cwd=str(tmp_path), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
        env=_env(KERAS_COMPAT_DDP_TIMEOUT='60', **env)) for env in envs]


def _finish(procs, timeout=180):
    """The processes' outputs, once all of them succeeded."""
    outputs = []
    try:
        for proc in procs:
            output, _ = proc.communicate(timeout=timeout)
            assert proc.returncode == 0, output
            outputs.append(output)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    return outputs


def _results(tmp_path, prefix, count):
    out = []
    for rank in range(count):
        with open(str(tmp_path / ('%s_%d.json' % (prefix, rank)))) as f:
            out.append(json.load(f))
    return out


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    """The Keras 2 program as two horovodrun processes and alone, and the
    tf.keras program as two torchrun processes, all run at once."""
    two = tmp_path_factory.mktemp('horovodrun')
    one = tmp_path_factory.mktemp('alone')
    tf_two = tmp_path_factory.mktemp('torchrun')
    port, tf_port = str(_free_port()), str(_free_port())
    groups = [
        _start(KERAS_SCRIPT, two, [
            dict(HOROVOD_RANK=str(r), HOROVOD_SIZE='2',
                 HOROVOD_LOCAL_RANK=str(r), HOROVOD_LOCAL_SIZE='2',
                 MASTER_PORT=port) for r in range(2)]),
        _start(KERAS_SCRIPT, one, [{}]),
        _start(TF_KERAS_SCRIPT, tf_two, [
            dict(RANK=str(r), WORLD_SIZE='2', LOCAL_RANK=str(r),
                 MASTER_ADDR='127.0.0.1', MASTER_PORT=tf_port)
            for r in range(2)])]
    outputs = [_finish(group) for group in groups]
    return {'keras': _results(two, 'keras', 2), 'outputs': outputs[0],
            'alone': _results(one, 'keras', 1)[0],
            'tf': _results(tf_two, 'tf', 2)}


def _sgd_run(initial, size, batch, epochs, lr, momentum=0.,
             seed=0, samples=48, passes=1):
    """Dense(2) on x (samples, 3) with mse, trained by SGD: process r of
    `size` holds the r-th block of the samples, and each step applies the
    mean of the gradients of the processes' batches (of `passes`
    successive batches, averaged, with backward_passes_per_step).
    Returns (weights, epoch losses)."""
    data = np.random.RandomState(seed)
    x = data.rand(samples, 3).astype('float32').astype('float64')
    y = data.rand(samples, 2).astype('float32').astype('float64')
    kernel, bias = [np.array(w, dtype='float64') for w in initial]
    v_kernel, v_bias = np.zeros_like(kernel), np.zeros_like(bias)
    n = samples // size
    losses = []
    for _ in range(epochs):
        batch_losses = []
        for k in range(0, n // batch, passes):
            rows = [r * n + (k + p) * batch + i for p in range(passes)
                    for r in range(size) for i in range(batch)]
            xb, yb = x[rows], y[rows]
            error = xb.dot(kernel) + bias - yb
            batch_losses.append((error ** 2).mean())
            v_kernel = momentum * v_kernel - lr * 2 * xb.T.dot(error) / \
                error.size
            v_bias = momentum * v_bias - lr * 2 * error.sum(0) / error.size
            kernel, bias = kernel + v_kernel, bias + v_bias
        losses.append(np.mean(batch_losses))
    return [kernel, bias], losses


def test_two_processes_step_as_one_with_the_global_batch(runs):
    runs, outputs = runs['keras'], runs['outputs']
    assert [r['topology'] for r in runs] == [[0, 2, 0, 2, 0, 1],
                                             [1, 2, 1, 2, 0, 1]]
    # The processes started from different weights; rank 0's were
    # broadcast when training began.
    assert runs[0]['initial'] != runs[1]['initial']
    expected, losses = _sgd_run(runs[0]['initial'], size=2, batch=6,
                                epochs=2, lr=0.1, momentum=0.9)
    for run in runs:
        for got, want in zip(run['weights'], expected):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
        # MetricAverageCallback: the mean of the processes' epoch losses.
        np.testing.assert_allclose(run['loss'], losses, rtol=1e-5)
        assert run['optimizer'] == 'SGD'
    # verbose=1 on rank 0 only, as the program asks.
    assert 'Epoch 1/2' in outputs[0] and 'Epoch 1/2' not in outputs[1]


def test_collectives_over_two_processes(runs):
    for run in runs['keras']:
        assert run['sum'] == [3.0, 4.0]
        assert run['mean'] == 0.5
        assert run['gather'] == [[0, 0], [1, 1], [1, 1]]
        assert run['bcast'] == 8
        assert run['object'] == {'from': 0}
        assert run['objects'] == ['r0', 'r1']


def _warmup_and_schedule_rates(size, steps, old_lr, momentum=0.9,
                               initial_lr=0.2, warmup=2, epochs=4):
    """Horovod 0.28's rates at each batch: LearningRateWarmupCallback
    (initial_lr / size * ((epoch + (batch + 1) / steps) * (size - 1) /
    warmup + 1) before epoch `warmup`), then LearningRateScheduleCallback
    (multiplier 0.5 from epoch 2: initial_lr * 0.5 ** (epoch - 2) at each
    epoch's first batch); the momentum is scaled by new_lr / old_lr for
    the batch of each change."""
    seen, lr = [], old_lr
    for epoch in range(epochs):
        for batch in range(steps):
            m = momentum
            if epoch < warmup:
                e = epoch + float(batch) / steps + 1. / steps
                new = initial_lr / size * (e * (size - 1) / warmup + 1)
                m, lr = momentum * new / lr, new
            if epoch >= 2 and batch == 0:
                new = initial_lr * 0.5 ** (epoch - 2)
                m, lr = momentum * new / lr, new
            seen.append([lr, m])
    return seen


def test_learning_rate_warmup_and_schedule(runs):
    runs, outputs, alone = runs['keras'], runs['outputs'], runs['alone']
    # 24 samples per process in batches of 6: Keras 2's samples //
    # batch_size = 4 steps per epoch.
    expected = _warmup_and_schedule_rates(size=2, steps=4, old_lr=0.1)
    for run in runs:
        np.testing.assert_allclose(run['rates'], expected, rtol=1e-6)
    assert 'finished gradual learning rate warmup to 0.2' in outputs[0]
    assert 'warmup' not in outputs[1]
    # One process: the warmup starts (and stays) at initial_lr.
    np.testing.assert_allclose(
        alone['rates'], _warmup_and_schedule_rates(size=1, steps=8,
                                                    old_lr=0.1), rtol=1e-6)


def test_without_a_launcher_the_program_runs_alone(runs):
    alone = runs['alone']
    assert alone['topology'] == [0, 1, 0, 1, 0, 1]
    expected, losses = _sgd_run(alone['initial'], size=1, batch=6, epochs=2,
                                lr=0.1, momentum=0.9)
    for got, want in zip(alone['weights'], expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(alone['loss'], losses, rtol=1e-5)
    assert (alone['sum'], alone['mean'], alone['gather'], alone['bcast'],
            alone['objects']) == ([1.0, 2.0], 0.0, [[0, 0]], 7, ['r0'])


def test_tf_keras_program_under_torchrun_variables(runs):
    """torchrun's RANK / WORLD_SIZE: keras_compat does not split the
    batches (each process reads its own dataset); backward_passes_per_step
    =2 with average_aggregated_gradients steps every second batch on the
    mean of 2 x 2 batch gradients."""
    runs = runs['tf']
    start = np.random.RandomState(5)
    initial = [start.uniform(-1, 1, (3, 2)).astype('float32'),
               start.uniform(-1, 1, (2,)).astype('float32')]
    expected, _ = _sgd_run(initial, size=2, batch=4, epochs=2, lr=0.1,
                           seed=1, samples=32, passes=2)
    data = np.random.RandomState(1)
    x, y = data.rand(32, 3).astype('float32'), data.rand(32, 2)
    y = y.astype('float32')
    kernel, bias = expected
    tape_grads = [np.zeros_like(kernel), np.zeros_like(bias)]
    for r in range(2):
        xb, yb = x[16 * r:16 * r + 4], y[16 * r:16 * r + 4]
        error = xb.dot(kernel) + bias - yb
        tape_grads[0] += xb.T.dot(error) / error.size
        tape_grads[1] += error.sum(0) / error.size
    for run in runs:
        for got, want in zip(run['weights'], expected):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
        assert run['iterations'] == 8
        for got, want in zip(run['tape'], tape_grads):
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)
        assert run['sum'] == [3.0] and run['max'] == 3
        assert run['fp16'] == [float(np.float16(1.0 / 3))]
        assert run['name'] == 'DistributedSGD'
    assert [r['topology'] for r in runs] == [[0, 2, 0, 2], [1, 2, 1, 2]]


# ----------------------------------------------------------- one process
@pytest.fixture
def hvd():
    """`horovod.keras` initialised in this process (one process), and the
    process left as it was afterwards."""
    from keras_compat import distributed
    from keras_compat.horovod import common
    from keras_compat.horovod import keras as hvd_keras
    hvd_keras.init()
    yield hvd_keras
    common.shutdown()
    distributed._STATE.pop('independent', None)


def test_unsupported_arguments_name_the_alternative(hvd):
    import keras_compat as keras
    from keras_compat.horovod import tensorflow as hvd_tf
    from keras_compat.horovod.tensorflow import keras as hvd_tf_keras
    with pytest.raises(NotImplementedError, match='hvd.Average'):
        hvd.DistributedOptimizer(keras.optimizers.SGD(), op=hvd.Adasum)
    with pytest.raises(ValueError, match='Average and Sum'):
        hvd_tf_keras.DistributedOptimizer(keras.optimizers.SGD(),
                                          op=hvd_tf.Max)
    with pytest.raises(NotImplementedError, match='global_process_set'):
        hvd_tf.allreduce(1.0, process_set=object())
    with pytest.raises(NotImplementedError, match='comm'):
        hvd_tf.init(comm=[0, 1])
    with pytest.raises(ValueError, match='supersedes average'):
        hvd.allreduce(1.0, op=hvd.Sum)
    import keras_compat.horovod as horovod
    with pytest.raises(NotImplementedError, match='torchrun'):
        horovod.run(lambda: None, np=2)


def test_distributed_optimizer_saves_as_its_own_class(hvd, tmp_path):
    """The model saved with a DistributedOptimizer loads without Horovod;
    hvd.load_model makes the loaded optimizer distributed, its state
    kept."""
    import keras_compat as keras
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
    opt = hvd.DistributedOptimizer(keras.optimizers.Adam(lr=0.01))
    assert isinstance(opt, keras.optimizers.Adam)
    assert type(opt).__name__ == 'Adam'
    model.compile(opt, 'mse')
    model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=0)
    path = str(tmp_path / 'model.h5')
    model.save(path)
    plain = keras.models.load_model(path)
    assert type(plain.optimizer) is keras.optimizers.Adam
    loaded = hvd.load_model(path)
    assert isinstance(loaded.optimizer, keras.optimizers.Adam)
    assert '_horovod' in loaded.optimizer.__dict__
    assert int(keras.backend.get_value(loaded.optimizer.iterations)) == 2
