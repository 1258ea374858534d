"""Training interrupted and resumed, as Keras 2 / tf.keras 2 programs do
it: a model saved after some epochs, loaded again and trained on with
`initial_epoch` for every built-in optimizer (and tf.keras's learning-rate
schedules), files written by Keras 2.3 on TensorFlow, the callbacks' state
across the restart, a process killed while its checkpoint is written, a
loss that checks its inputs failing mid-epoch, and weight files that do
not fit the model loaded in order. Reference numbers and messages come
from Keras 2.3.1 and tf_keras 2.21 (on TensorFlow)."""
import os
import re
import subprocess
import sys
import textwrap
import warnings

import h5py
import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat import callbacks, layers, optimizers
from keras_compat import tensorflow_compat as tf
from keras_compat.models import Sequential, load_model

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
X = np.random.RandomState(0).rand(24, 3).astype('float32')
Y = (X @ np.array([[1.], [-2.], [0.5]]) + 0.3).astype('float32')
schedules = optimizers.schedules


@pytest.fixture
def tf_keras():
    K.common.set_api_flavour('tf.keras')
    yield
    K.common.set_api_flavour('keras')


def two_dense(optimizer):
    """Dense(2, tanh) -> Dense(1) with fixed weights, compiled with mse."""
    model = Sequential([layers.Dense(2, input_shape=(3,), activation='tanh'),
                        layers.Dense(1)])
    model.set_weights([
        np.full(w.shape, 0.1 * (i + 1), 'float32') *
        (np.arange(w.size).reshape(w.shape) % 3 - 0.5)
        for i, w in enumerate(model.get_weights())])
    model.compile(optimizer, 'mse')
    return model


def fit(model, epochs, initial_epoch=0, **kwargs):
    return model.fit(X, Y, batch_size=8, epochs=epochs, shuffle=False,
                     initial_epoch=initial_epoch, verbose=0, **kwargs)


def resumed_losses(optimizer, path):
    """The losses of epochs 3 and 4, trained on from the model saved
    after epoch 2."""
    fit(two_dense(optimizer), 2).model.save(path)
    resumed = load_model(path)
    assert int(K.get_value(resumed.optimizer.iterations)) == 6
    return fit(resumed, 4, 2).history['loss']


# ------------------------------------------------------------ optimizers
# Keras 2.3.1: four epochs of batch 8, run at once; the run resumed from
# the model saved after epoch 2 gives the same last two.
KERAS2_OPTIMIZERS = {
    'sgd': (lambda: optimizers.SGD(lr=0.05, momentum=0.9, decay=0.01,
                                   nesterov=True),
            [0.5684921, 0.5169473, 0.5023960, 0.4576218]),
    'adam': (lambda: optimizers.Adam(lr=0.01, decay=0.02, amsgrad=True),
             [0.5710565, 0.5457128, 0.5232518, 0.5037494]),
    'rmsprop': (lambda: optimizers.RMSprop(lr=0.01, decay=0.01),
                [0.5448172, 0.5047535, 0.4787176, 0.4570662]),
    'adagrad': (lambda: optimizers.Adagrad(lr=0.1, decay=0.01),
                [0.4874745, 0.4110374, 0.3154607, 0.2371142]),
    'adadelta': (lambda: optimizers.Adadelta(lr=1.0, decay=0.01),
                 [0.5816265, 0.5777442, 0.5740961, 0.5705595]),
    'nadam': (lambda: optimizers.Nadam(lr=0.01),
              [0.5702418, 0.5503571, 0.5313115, 0.5118313]),
    'adamax': (lambda: optimizers.Adamax(lr=0.02, decay=0.01),
               [0.5600021, 0.5264128, 0.4994136, 0.4770210]),
}


@pytest.mark.parametrize('name', sorted(KERAS2_OPTIMIZERS))
def test_keras2_optimizers_resume_as_one_run(tmp_path, name):
    make, expected = KERAS2_OPTIMIZERS[name]
    np.testing.assert_allclose(fit(two_dense(make()), 4).history['loss'],
                               expected, rtol=2e-6)
    np.testing.assert_allclose(
        resumed_losses(make(), str(tmp_path / 'm.h5')), expected[2:],
        rtol=2e-6)


def keras23_names(path):
    """Renames the saved optimizer slots as Keras 2.3 on TensorFlow names
    them: `training/SGD/moment_0_1:0`, `training/Adam/m_0_1:0` (its
    zeros tensor took the plain name, the variable got the graph's
    suffix)."""
    with h5py.File(path, 'r+') as f:
        group = f['optimizer_weights']
        names = [n.decode('utf8') if isinstance(n, bytes) else n
                 for n in group.attrs['weight_names']]
        values = [np.asarray(group[n]) for n in names]
        del f['optimizer_weights']
        group = f.create_group('optimizer_weights')
        renamed = [re.sub(r'/momentum_(\d+):0$', r'/moment_\1:0', n)
                   for n in names]
        renamed = [re.sub(r'/extra_0:0$', '/m_schedule:0', n)
                   for n in renamed]
        renamed = [re.sub(r'_(\d+):0$', r'_\1_1:0', n)
                   if n.startswith('training/') else n for n in renamed]
        for name, value in zip(renamed, values):
            group.create_dataset(name, data=value)
        group.attrs['weight_names'] = [n.encode('utf8') for n in renamed]
        return renamed


@pytest.mark.parametrize('name', ['sgd', 'adam', 'adadelta', 'nadam'])
def test_a_keras23_file_resumes_with_its_optimizer_state(tmp_path, name):
    make, expected = KERAS2_OPTIMIZERS[name]
    path = str(tmp_path / 'm.h5')
    fit(two_dense(make()), 2).model.save(path)
    assert any(n.endswith('_0_1:0') for n in keras23_names(path))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter('always')
        resumed = load_model(path)
    assert not [str(w.message) for w in record
                if 'optimizer' in str(w.message)]
    np.testing.assert_allclose(fit(resumed, 4, 2).history['loss'],
                               expected[2:], rtol=2e-6)


# tf_keras 2.21 (its 2.11+ optimizers): four epochs at once; resumed from
# an .h5 or .keras file saved after epoch 2, the same last two (the step
# count a schedule reads is saved with the optimizer).
TF_KERAS_OPTIMIZERS = {
    'sgd': (lambda: optimizers.SGD(schedules.ExponentialDecay(0.05, 4, 0.5),
                                   momentum=0.9, nesterov=True),
            [0.5693807, 0.5190298, 0.5096936, 0.5083749]),
    'adam': (lambda: optimizers.Adam(schedules.PiecewiseConstantDecay(
        [5, 9], [0.02, 0.01, 0.005]), amsgrad=True),
        [0.5584988, 0.5093130, 0.4781336, 0.4631350]),
    'rmsprop': (lambda: optimizers.RMSprop(schedules.InverseTimeDecay(
        0.01, 3, 0.5), momentum=0.5, centered=True),
        [0.5394105, 0.4671333, 0.4325268, 0.4020574]),
    'adagrad': (lambda: optimizers.Adagrad(schedules.PolynomialDecay(
        0.1, 10, 0.01)), [0.5555785, 0.5118062, 0.4878874, 0.4743918]),
    'adadelta': (lambda: optimizers.Adadelta(1.0),
                 [0.5816209, 0.5776634, 0.5738342, 0.5700155]),
    'adamax': (lambda: optimizers.Adamax(schedules.CosineDecay(0.02, 12)),
               [0.5600297, 0.5287035, 0.5112240, 0.5049996]),
}


@pytest.mark.parametrize('name', sorted(TF_KERAS_OPTIMIZERS))
@pytest.mark.parametrize('extension', ['h5', 'keras'])
def test_tf_keras_optimizers_and_schedules_resume_as_one_run(
        tmp_path, tf_keras, name, extension):
    make, expected = TF_KERAS_OPTIMIZERS[name]
    if extension == 'h5':
        np.testing.assert_allclose(
            fit(two_dense(make()), 4).history['loss'], expected, rtol=2e-6)
    np.testing.assert_allclose(
        resumed_losses(make(), str(tmp_path / ('m.' + extension))),
        expected[2:], rtol=2e-6)


# ------------------------------------------------------------- callbacks
X_VAL, Y_VAL = X[:8] + 0.05, Y[:8]


class EpochLR(callbacks.Callback):
    def __init__(self):
        super(EpochLR, self).__init__()
        self.rates = []

    def on_epoch_begin(self, epoch, logs=None):
        self.rates.append(float(K.get_value(self.model.optimizer.lr)))


def monitoring_callbacks(directory):
    return [EpochLR(),
            callbacks.ModelCheckpoint(os.path.join(directory, 'best.h5'),
                                      save_best_only=True, verbose=1),
            callbacks.ModelCheckpoint(os.path.join(directory, 'last.h5')),
            callbacks.ReduceLROnPlateau('loss', factor=0.5, patience=1,
                                        min_delta=0.05, verbose=1),
            callbacks.EarlyStopping('loss', min_delta=0.05, patience=3,
                                    verbose=1),
            callbacks.CSVLogger(os.path.join(directory, 'log.csv'),
                                append=True)]


def test_callbacks_start_again_after_a_restart(tmp_path, tf_keras, capsys):
    directory = str(tmp_path)
    first = monitoring_callbacks(directory)
    history = fit(two_dense(optimizers.SGD(0.05, momentum=0.5)), 4,
                  validation_data=(X_VAL, Y_VAL), callbacks=first)
    # tf_keras 2.21 (and Keras 2.3.1, as "Epoch 00001: ..."): the learning
    # rate cut after epochs 2 and 4; last.h5 was written before the second
    # cut, so the resumed run starts at 0.025.
    np.testing.assert_allclose(history.history['loss'], [
        0.5744348, 0.5331277, 0.5154691, 0.5104552], rtol=1e-6)
    np.testing.assert_allclose(first[0].rates, [0.05, 0.05, 0.025, 0.025])
    out = capsys.readouterr().out
    assert 'Epoch 1: val_loss improved from inf to 0.31698, saving model ' \
        'to %s' % os.path.join(directory, 'best.h5') in out
    assert 'Epoch 4: ReduceLROnPlateau reducing learning rate to ' \
        '0.012500000186264515.' in out
    again = monitoring_callbacks(directory)
    history = fit(load_model(os.path.join(directory, 'last.h5')), 10, 4,
                  validation_data=(X_VAL, Y_VAL), callbacks=again)
    # ModelCheckpoint's best, ReduceLROnPlateau's and EarlyStopping's
    # waits start again: the first resumed epoch "improves from inf",
    # the rate is cut at once, and training stops after epoch 8.
    assert history.epoch == [4, 5, 6, 7]
    np.testing.assert_allclose(history.history['loss'], [
        0.5053764, 0.4996018, 0.4927948, 0.4885922], rtol=1e-6)
    np.testing.assert_allclose(again[0].rates,
                               [0.025, 0.025, 0.0125, 0.00625])
    out = capsys.readouterr().out
    assert 'Epoch 5: val_loss improved from inf to 0.33440, saving model ' \
        'to' in out
    assert 'Epoch 8: early stopping' in out
    assert (again[4].wait, again[4].stopped_epoch) == (3, 7)
    with open(os.path.join(directory, 'log.csv')) as f:
        rows = f.read().splitlines()
    assert rows[0] == 'epoch,loss,lr,val_loss'
    assert [r.split(',')[0] for r in rows[1:]] == [str(e) for e in range(8)]
    np.testing.assert_allclose([float(r.split(',')[2]) for r in rows[1:]], [
        0.05, 0.05, 0.025, 0.025, 0.025, 0.025, 0.0125, 0.00625])


# -------------------------------------------------- killed while saving
KILLED_WHILE_SAVING = textwrap.dedent('''
    import os, sys
    import h5py, numpy as np
    from keras_compat import callbacks, layers
    from keras_compat.models import Sequential
    path = sys.argv[1]

    class DieInSecondSave(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                def create_dataset(*args, **kwargs):
                    os._exit(9)
                h5py.Group.create_dataset = create_dataset

    model = Sequential([layers.Dense(1, input_shape=(3,),
                                     kernel_initializer='ones')])
    model.compile('sgd', 'mse')
    x = np.ones((8, 3), 'float32')
    model.fit(x, x[:, :1], batch_size=4, epochs=3, verbose=0,
              callbacks=[DieInSecondSave(), callbacks.ModelCheckpoint(path)])
''')


def test_a_process_killed_while_its_checkpoint_is_written(tmp_path):
    path = str(tmp_path / 'ckpt.h5')
    done = subprocess.run(
        [sys.executable, '-c', KILLED_WHILE_SAVING, path],
        capture_output=True, text=True, timeout=120,
        env=dict(os.environ, PYTHONPATH=ROOT, KERAS_COMPAT_DEVICE='cpu'))
    assert done.returncode == 9, done.stderr
    # The checkpoint of the first epoch is whole (tf_keras 2.21 writes in
    # place and would leave a truncated file); the run goes on from it.
    resumed = load_model(path)
    assert int(K.get_value(resumed.optimizer.iterations)) == 2
    left = [n for n in os.listdir(str(tmp_path)) if n != 'ckpt.h5']
    assert len(left) == 1 and left[0].startswith('.ckpt.h5')
    x = np.ones((8, 3), 'float32')
    resumed.fit(x, x[:, :1], batch_size=4, epochs=3, initial_epoch=1,
                verbose=0, callbacks=[callbacks.ModelCheckpoint(path)])
    assert os.listdir(str(tmp_path)) == ['ckpt.h5']
    assert int(K.get_value(load_model(path).optimizer.iterations)) == 6


# ------------------------------------------------ a loss failing mid-epoch
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


def checked_mse(y_true, y_pred):
    y_true = tf.debugging.check_numerics(y_true, 'labels')
    return tf.reduce_mean(tf.square(y_true - y_pred), axis=-1)


def test_a_loss_checking_its_labels_fails_at_the_bad_batch(tf_keras):
    x = np.random.RandomState(0).rand(32, 3).astype('float32')
    y = np.random.RandomState(1).rand(32, 1).astype('float32')
    y[13] = np.nan
    model = Sequential([layers.Dense(1, input_shape=(3,),
                                     kernel_initializer='ones')])
    model.compile(optimizers.SGD(0.1), checked_mse)
    events = Events()
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match='labels : Tensor had NaN values'):
        model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0,
                  callbacks=[events])
    # tf_keras 2.21: three batches done, no epoch end, no train end; the
    # weights those three steps left; fit works again on good rows.
    assert events.seen == [0, 1, 2]
    np.testing.assert_allclose(model.get_weights()[0].ravel(),
                               [0.7297426, 0.6405049, 0.6502791], rtol=1e-6)
    history = model.fit(x[:12], y[:12], batch_size=4, epochs=1,
                        shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history['loss'], [0.2535151],
                               rtol=1e-6)


def test_check_numerics_and_assert_all_finite():
    # tf 2.21's texts (after its op prefix) and results.
    good = np.array([1., 2.], 'float32')
    for check in (lambda v: tf.debugging.check_numerics(v, 'm'),
                  lambda v: tf.debugging.assert_all_finite(v, 'm'),
                  lambda v: tf.compat.v1.verify_tensor_all_finite(v, 'm')):
        np.testing.assert_array_equal(check(tf.constant(good)), good)
        for values, kind in (([1., np.nan], 'NaN'), ([np.inf, 1.], 'Inf'),
                             ([np.nan, -np.inf], 'Inf and NaN')):
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match='^m : Tensor had %s values' % kind):
                check(tf.constant(values))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="^Value for attr 'T' of int32 is not in the "
                             "list of allowed values"):
        tf.debugging.check_numerics(tf.constant([1, 2]), 'ints')
    # The gradient goes through the check.
    w = tf.Variable([1., 2.])
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(tf.debugging.check_numerics(w * 3., 'g'))
    np.testing.assert_array_equal(tape.gradient(total, w), [3., 3.])


# ------------------------------------------ weight files loaded in order
def saved_three(tmp_path):
    path = str(tmp_path / 'w.h5')
    source = Sequential([layers.Dense(4, input_shape=(3,), name='d1'),
                         layers.Dense(2, name='d2'),
                         layers.Dense(1, name='d3')])
    source.save_weights(path)
    return path


def without_first_bias():
    return Sequential([layers.Dense(4, input_shape=(3,), name='d1',
                                    use_bias=False),
                       layers.Dense(2, name='d2'),
                       layers.Dense(1, name='d3')])


def test_weight_count_mismatch_in_order(tmp_path, request):
    path = saved_three(tmp_path)
    # Keras 2.3.1's text.
    with pytest.raises(ValueError) as keras2:
        without_first_bias().load_weights(path)
    assert str(keras2.value) == (
        'Layer #0 (named "d1" in the current model) was found to '
        'correspond to layer d1 in the save file. However the new layer d1 '
        'expects 1 weights, but the saved weights have 2 elements.')
    with pytest.raises(ValueError) as by_name:
        without_first_bias().load_weights(path, by_name=True)
    assert str(by_name.value) == (
        'Layer #0 (named "d1") expects 1 weight(s), but the saved weights '
        'have 2 element(s).')
    with pytest.warns(UserWarning) as record:
        without_first_bias().load_weights(path, by_name=True,
                                          skip_mismatch=True)
    assert [str(w.message) for w in record] == [
        'Skipping loading of weights for layer d1 due to mismatch in '
        'number of weights (1 vs 2).']
    K.common.set_api_flavour('tf.keras')
    request.addfinalizer(lambda: K.common.set_api_flavour('keras'))
    # tf_keras 2.21's texts.
    with pytest.raises(ValueError) as tf2:
        without_first_bias().load_weights(path)
    assert str(tf2.value) == (
        'Weight count mismatch for layer #0 (named d1 in the current model, '
        'd1 in the save file). Layer expects 1 weight(s). Received 2 saved '
        'weight(s)')
    with pytest.raises(ValueError) as tf2_by_name:
        without_first_bias().load_weights(path, by_name=True)
    assert str(tf2_by_name.value) == (
        'Weight count mismatch for layer #0 (named d1). Layer expects 1 '
        'weight(s). Received 2 saved weight(s)')


def test_tf_keras_shape_mismatch_in_order_fails_at_the_assignment(
        tmp_path, tf_keras):
    path = saved_three(tmp_path)
    target = Sequential([layers.Dense(5, input_shape=(3,), name='d1'),
                         layers.Dense(2, name='d2'),
                         layers.Dense(1, name='d3')])
    before = target.get_weights()
    with pytest.raises(ValueError) as info:
        target.load_weights(path)
    # tf_keras 2.21 (TensorFlow's variable assignment), the space included.
    assert str(info.value) == (
        "Cannot assign value to variable ' d1/kernel:0': Shape mismatch."
        "The variable shape (3, 5), and the assigned value shape (3, 4) are "
        "incompatible.")
    for a, b in zip(target.get_weights(), before):
        np.testing.assert_array_equal(a, b)
