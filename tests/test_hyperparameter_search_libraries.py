"""What hyperparameter-search libraries (keras-tuner's RandomSearch,
Hyperband and BayesianOptimization, TensorBoard's hparams callback) do
with tf.keras and TensorFlow: a trial loop that writes trial files with
tf.io.gfile, keeps the best epoch's weights in a TensorFlow checkpoint and
reloads them; the Gaussian-process solves of the Bayesian oracle; the
summaries the hparams callback writes through TensorBoard's TF 2 API.

Expected values are TensorFlow 2.21 / tf_keras 2.21's (the same calls
run there)."""
import glob
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import keras_compat as keras
from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common


@pytest.fixture
def tf_keras_flavour():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


def _data():
    rng = np.random.RandomState(0)
    x = rng.rand(32, 4).astype('float32')
    xv = rng.rand(16, 4).astype('float32')
    return (x, (x[:, 0] + x[:, 1] > 1).astype('float32'),
            xv, (xv[:, 0] + xv[:, 1] > 1).astype('float32'))


def _init(scale):
    def fn(shape, dtype=None):
        n = int(np.prod(shape))
        return tf.constant(np.sin(np.arange(n) * 1.7).reshape(shape) * scale,
                           dtype=dtype or 'float32')
    return fn


def _build(units, lr):
    model = keras.Sequential([
        keras.layers.Dense(units, activation='tanh', input_shape=(4,),
                           kernel_initializer=_init(0.5)),
        keras.layers.Dense(1, activation='sigmoid',
                           kernel_initializer=_init(0.3))])
    model.compile(keras.optimizers.SGD(lr), 'binary_crossentropy',
                  metrics=['accuracy'])
    return model


class _SaveBestEpoch(keras.callbacks.Callback):
    """keras-tuner's callback: the best epoch's weights, by the objective,
    in a TensorFlow checkpoint."""

    def __init__(self, objective, filepath):
        super().__init__()
        self.objective, self.filepath = objective, filepath
        self.best = -np.inf
        self.keys = []

    def on_epoch_end(self, epoch, logs=None):
        self.keys.append(sorted(logs))
        if logs[self.objective] > self.best:
            self.best = logs[self.objective]
            self.model.save_weights(self.filepath)


# tf_keras 2.21: each trial's history (EarlyStopping on val_loss,
# patience 1, stops the first two after 2 epochs).
_HISTORIES = [
    {'loss': [0.70253, 0.69823], 'accuracy': [0.5, 0.4375],
     'val_loss': [0.70001, 0.70363], 'val_accuracy': [0.3125, 0.375]},
    {'loss': [0.68563, 0.67707], 'accuracy': [0.46875, 0.46875],
     'val_loss': [0.64431, 0.65003], 'val_accuracy': [0.625, 0.8125]},
    {'loss': [0.68071, 0.68009, 0.67946],
     'accuracy': [0.65625, 0.71875, 0.71875],
     'val_loss': [0.67726, 0.67706, 0.67681],
     'val_accuracy': [0.75, 0.75, 0.75]}]


def test_trial_loop_checkpoints_and_reloads_the_best_trial(
        tmp_path, tf_keras_flavour):
    x, y, xv, yv = _data()
    out = str(tmp_path / 'search')
    assert type(tf.distribute.get_strategy()).__name__ == \
        '_DefaultDistributionStrategy'
    for i, (units, lr) in enumerate([(2, 0.5), (4, 0.2), (3, 0.05)]):
        trial_dir = os.path.join(out, 'trial_%d' % i)
        tf.io.gfile.makedirs(trial_dir)
        keras.backend.clear_session()
        with tf.distribute.get_strategy().scope():
            model = _build(units, lr)
        save = _SaveBestEpoch('val_accuracy',
                              os.path.join(trial_dir, 'checkpoint'))
        history = model.fit(x, y, epochs=3, batch_size=8, shuffle=False,
                            verbose=0, validation_data=(xv, yv),
                            callbacks=[save, keras.callbacks.EarlyStopping(
                                'val_loss', patience=1)])
        assert save.keys[0] == ['accuracy', 'loss', 'val_accuracy',
                                'val_loss']
        assert list(history.history) == list(_HISTORIES[i])
        for key, values in _HISTORIES[i].items():
            np.testing.assert_allclose(history.history[key], values,
                                       atol=1e-4)
        with tf.io.gfile.GFile(os.path.join(trial_dir, 'trial.json'),
                               'w') as f:
            f.write(json.dumps({'hp': {'units': units, 'lr': lr},
                                'score': float(save.best)}))
    assert sorted(tf.io.gfile.listdir(os.path.join(out, 'trial_0'))) == [
        'checkpoint', 'checkpoint.data-00000-of-00001', 'checkpoint.index',
        'trial.json']
    trials = []
    for name in sorted(tf.io.gfile.listdir(out)):
        with tf.io.gfile.GFile(os.path.join(out, name, 'trial.json')) as f:
            trials.append((json.load(f), name))
    best, name = max(trials, key=lambda t: t[0]['score'])
    assert (best, name) == ({'hp': {'units': 4, 'lr': 0.2},
                             'score': 0.8125}, 'trial_1')
    model = _build(**best['hp'])
    model.load_weights(os.path.join(out, name, 'checkpoint'))
    # tf_keras 2.21: the epoch-2 weights of trial 1.
    np.testing.assert_allclose(model.evaluate(xv, yv, verbose=0),
                               [0.65003, 0.8125], atol=1e-4)
    np.testing.assert_allclose(model.predict(xv[:3], verbose=0).ravel(),
                               [0.51997, 0.48090, 0.53103], atol=1e-4)
    assert tf.train.latest_checkpoint(os.path.join(out, name)) == \
        os.path.join(out, name, 'checkpoint')


def test_triangular_solve_and_cholesky_match_tensorflow():
    a = np.array([[2., 0.5, 9.], [1., 3., 7.], [-1., 0.5, 4.]], 'float32')
    b = np.array([[1., 2.], [3., 4.], [5., 6.]], 'float32')
    # TensorFlow 2.21 (the other triangle of `a` is ignored).
    expected = {
        (True, False): [[0.5, 1.0], [0.83333, 1.0], [1.27083, 1.625]],
        (True, True): [[0.72917, 1.20833], [0.79167, 1.08333], [1.25, 1.5]],
        (False, False): [[-4.64583, -5.20833], [-1.91667, -2.16667],
                         [1.25, 1.5]],
        (False, True): [[0.5, 1.0], [0.91667, 1.16667],
                        [-1.47917, -2.79167]]}
    for (lower, adjoint), values in expected.items():
        np.testing.assert_allclose(
            tf.linalg.triangular_solve(a, b, lower=lower,
                                       adjoint=adjoint).numpy(),
            values, atol=1e-4)
    chol = tf.linalg.cholesky(a @ a.T + 3 * np.eye(3, dtype='float32'))
    np.testing.assert_allclose(chol.numpy(), [
        [9.39415, 0., 0.], [7.07888, 3.44812, 0.],
        [3.64589, 0.78049, 2.51959]], atol=1e-4)
    np.testing.assert_allclose(tf.linalg.cholesky_solve(chol, b).numpy(), [
        [-0.27166, -0.295], [0.04264, 0.04354], [0.64637, 0.73397]],
        atol=1e-4)


def test_summary_ops_without_a_default_writer():
    # TensorFlow 2.21: False (nothing written) outside a writer's scope.
    assert not tf.summary.experimental.write_raw_pb(b'', step=0)
    assert not tf.summary.write('t', 1.0, step=0)
    with tf.summary.experimental.summary_scope('hp', 'd') as scope:
        assert scope == ('hp', 'hp/')
    with tf.summary.experimental.summary_scope(None, 'd') as scope:
        assert scope == ('d', 'd/')


def test_assert_scalar():
    assert tf.debugging.assert_scalar(tf.constant(2.0)) is None
    assert tf.debugging.assert_scalar(3) is None
    # TensorFlow 2.21's messages.
    with pytest.raises(ValueError, match=r'^Expected scalar shape, saw '
                                         r'shape: \(2,\)\.$'):
        tf.debugging.assert_scalar(tf.constant([1., 2.]))
    with pytest.raises(ValueError, match=r'^m: \.  Expected scalar'):
        tf.debugging.assert_scalar([1., 2.], message='m: ')


def _events(logdir):
    """(directory, step, tag, plugin, value) of each summary value written
    (as TensorBoard reads them: TF1 scalars become tensors)."""
    from tensorboard.backend.event_processing.event_file_loader import (
        EventFileLoader)
    found = []
    for path in sorted(glob.glob(logdir + '/**/events.out.tfevents*',
                                 recursive=True)):
        where = os.path.relpath(os.path.dirname(path), logdir)
        for event in EventFileLoader(path).Load():
            for value in event.summary.value:
                found.append((where, event.step, value.tag,
                              value.metadata.plugin_data.plugin_name,
                              value))
    return found


_PROGRAM = """
import sys
import numpy as np
import tensorflow as tf
from tensorboard.plugins.hparams import api as hp
from tensorboard.plugins.scalar import summary_v2 as scalar_v2

logdir = sys.argv[1]
writer = tf.summary.create_file_writer(logdir + '/ops')
with writer.as_default():
    assert scalar_v2.scalar('s', 0.25, step=3)
    assert hp.hparams({'lr': 0.1, 'units': 4}, trial_id='t0')
    assert hp.hparams_config(
        hparams=[hp.HParam('lr', hp.RealInterval(0.01, 1.0))],
        metrics=[hp.Metric('val_loss')])
writer.close()
summary = tf.compat.v1.Summary()
summary.value.add(tag='legacy', simple_value=1.5)
file_writer = tf.compat.v1.summary.FileWriter(logdir + '/ops/v1')
file_writer.add_summary(summary, 7)
file_writer.add_summary(tf.compat.v1.Summary(value=[
    tf.compat.v1.Summary.Value(tag='b', simple_value=2.0)
]).SerializeToString(), 8)
file_writer.close()

x = np.random.RandomState(0).rand(16, 4).astype('float32')
model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(4,))])
model.compile('sgd', 'mse', metrics=['mae'])
model.fit(x, x[:, :1], epochs=2, batch_size=8, verbose=0,
          validation_data=(x, x[:, :1]),
          callbacks=[tf.keras.callbacks.TensorBoard(logdir + '/fit'),
                     hp.KerasCallback(logdir + '/fit',
                                      {'units': 2, 'lr': 0.05})])
"""


def test_tensorboard_summary_ops_and_hparams_callback(tmp_path):
    # TensorBoard's summary ops and its hparams Keras callback call
    # `import tensorflow` and TensorBoard's TF 2 API: a program run by
    # keras_compat gets the stand-in for both.
    pytest.importorskip('tensorboard')
    script = tmp_path / 'program.py'
    script.write_text(_PROGRAM)
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        [os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
         env.get('PYTHONPATH', '')])
    logdir = str(tmp_path / 'logs')
    done = subprocess.run(
        [sys.executable, '-m', 'keras_compat', 'run', str(script), logdir],
        capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    from tensorboard.plugins.hparams import plugin_data_pb2
    events = _events(logdir + '/ops')
    # TensorFlow 2.21 writes these values (TensorBoard 2.21 reading).
    assert [e[:4] for e in events] == [
        ('.', 3, 's', 'scalars'),
        ('.', 0, '_hparams_/session_start_info', 'hparams'),
        ('.', 0, '_hparams_/experiment', 'hparams'),
        ('v1', 7, 'legacy', 'scalars'), ('v1', 8, 'b', 'scalars')]
    from tensorboard.util import tensor_util
    assert [float(tensor_util.make_ndarray(e[4].tensor))
            for e in events[3:]] == [1.5, 2.0]
    events = _events(logdir + '/fit')
    hparams = [e for e in events if e[3] == 'hparams']
    assert [e[2] for e in hparams] == ['_hparams_/session_start_info',
                                       '_hparams_/session_end_info']
    data = [plugin_data_pb2.HParamsPluginData.FromString(
        e[4].metadata.plugin_data.content) for e in hparams]
    start = data[0].session_start_info
    assert {k: v.number_value for k, v in start.hparams.items()} == \
        {'units': 2.0, 'lr': 0.05}
    assert data[1].session_end_info.status == 1  # STATUS_SUCCESS
    # tf_keras 2.21's TensorBoard callback writes the epoch scalars.
    assert sorted({(e[0], e[2]) for e in events if e[3] == 'scalars'}) == [
        ('train', 'epoch_loss'), ('train', 'epoch_mae'),
        ('validation', 'epoch_loss'), ('validation', 'epoch_mae'),
        ('validation', 'evaluation_loss_vs_iterations'),
        ('validation', 'evaluation_mae_vs_iterations')]
