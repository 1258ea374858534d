"""Callbacks' documented behaviour: EarlyStopping, ModelCheckpoint,
ReduceLROnPlateau, LearningRateScheduler, CSVLogger, TerminateOnNaN,
LambdaCallback, TensorBoard and the Keras 2.2 metric names they monitor."""
import copy
import csv
import os

import h5py
import numpy as np
import pytest

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import callbacks as cbks
from keras_compat import layers
from keras_compat.models import Sequential, load_model

import small_classifier
from small_classifier import small_model


rng = np.random.RandomState(0)


def data(n=64):
    return small_classifier.data(n, rng)


class ScriptedLoss(cbks.Callback):
    """Overwrites val_loss with a scripted sequence, to test monitors."""

    def __init__(self, values):
        super(ScriptedLoss, self).__init__()
        self.values = values

    def on_epoch_end(self, epoch, logs=None):
        logs['val_loss'] = self.values[epoch]


def test_early_stopping_stops_at_right_epoch_and_restores():
    x, y = data()
    model = small_model()
    snapshots = []

    class Snapshot(cbks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            snapshots.append(self.model.get_weights())
    values = [1.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    stopper = cbks.EarlyStopping(monitor='val_loss', patience=2,
                                 restore_best_weights=True)
    history = model.fit(x, y, epochs=7, verbose=0, validation_data=(x, y),
                        callbacks=[ScriptedLoss(values), Snapshot(),
                                   stopper])
    assert len(history.epoch) == 4
    assert stopper.stopped_epoch == 3
    for a, b in zip(model.get_weights(), snapshots[1]):
        np.testing.assert_array_equal(a, b)


def test_early_stopping_min_delta_and_baseline():
    x, y = data()
    model = small_model()
    stopper = cbks.EarlyStopping(monitor='val_loss', min_delta=0.1,
                                 patience=1)
    model.fit(x, y, epochs=6, verbose=0, validation_data=(x, y),
              callbacks=[ScriptedLoss([1.0, 0.95, 0.9, 0.5, 0.4, 0.3]),
                         stopper])
    assert stopper.stopped_epoch == 1
    # tf.keras's baseline: an improvement that does not beat the baseline
    # does not restart the patience count, but training goes on while the
    # value improves; it stops after `patience` epochs without any.
    stopper = cbks.EarlyStopping(monitor='val_loss', baseline=0.5,
                                 patience=2, restore_best_weights=True)
    h = model.fit(x, y, epochs=6, verbose=0, validation_data=(x, y),
                  callbacks=[ScriptedLoss([0.9, 0.8, 0.7, 0.6, 0.4, 0.3]),
                             stopper])
    assert len(h.epoch) == 6 and stopper.best_epoch == 5
    stopper = cbks.EarlyStopping(monitor='val_loss', baseline=0.5,
                                 patience=2)
    h = model.fit(x, y, epochs=6, verbose=0, validation_data=(x, y),
                  callbacks=[ScriptedLoss([0.9, 0.95, 0.97, 0.6, 0.4, 0.3]),
                             stopper])
    # (The first epoch, an improvement short of the baseline, counts.)
    assert len(h.epoch) == 2


def test_model_checkpoint_writes_only_improvements(tmp_path):
    x, y = data()
    model = small_model()
    path = str(tmp_path / 'weights.{epoch:02d}-{val_loss:.2f}.hdf5')
    checkpoint = cbks.ModelCheckpoint(path, monitor='val_loss',
                                      save_best_only=True)
    model.fit(x, y, epochs=5, verbose=0, validation_data=(x, y),
              callbacks=[ScriptedLoss([0.9, 0.8, 0.85, 0.7, 0.75]),
                         checkpoint])
    assert sorted(os.listdir(tmp_path)) == ['weights.01-0.90.hdf5',
                                            'weights.02-0.80.hdf5',
                                            'weights.04-0.70.hdf5']
    restored = load_model(str(tmp_path / 'weights.04-0.70.hdf5'))
    assert restored.count_params() == model.count_params()


def test_model_checkpoint_weights_only_and_period(tmp_path):
    x, y = data()
    model = small_model()
    path = str(tmp_path / 'w{epoch}.h5')
    model.fit(x, y, epochs=4, verbose=0,
              callbacks=[cbks.ModelCheckpoint(path, save_weights_only=True,
                                              period=2)])
    assert sorted(os.listdir(tmp_path)) == ['w2.h5', 'w4.h5']
    with h5py.File(str(tmp_path / 'w4.h5'), 'r') as f:
        assert 'model_config' not in f.attrs
        names = [n.decode() if isinstance(n, bytes) else n
                 for n in f.attrs['layer_names']]
        assert names == [l.name for l in model.layers]


def test_reduce_lr_on_plateau_changes_lr():
    x, y = data()
    model = small_model(lr=0.1)
    reducer = cbks.ReduceLROnPlateau(monitor='val_loss', factor=0.5,
                                     patience=1, min_lr=0.02)
    history = model.fit(x, y, epochs=5, verbose=0, validation_data=(x, y),
                        callbacks=[ScriptedLoss([1.0, 1.0, 1.0, 1.0, 1.0]),
                                   reducer])
    np.testing.assert_allclose(history.history['lr'],
                               [0.1, 0.1, 0.05, 0.025, 0.02], rtol=1e-6)
    assert float(K.get_value(model.optimizer.lr)) == pytest.approx(0.02)


def test_learning_rate_scheduler():
    x, y = data()
    model = small_model()
    seen = []
    model.fit(x, y, epochs=3, verbose=0,
              callbacks=[cbks.LearningRateScheduler(lambda e: 0.1 / (e + 1)),
                         cbks.LambdaCallback(on_epoch_begin=lambda e, l:
                                             seen.append(float(K.get_value(
                                                 model.optimizer.lr))))])
    np.testing.assert_allclose(seen, [0.1, 0.05, 0.1 / 3], rtol=1e-6)


def test_csv_logger_and_append(tmp_path):
    x, y = data()
    model = small_model()
    path = str(tmp_path / 'log.csv')
    model.fit(x, y, epochs=2, verbose=0, callbacks=[cbks.CSVLogger(path)])
    model.fit(x, y, epochs=1, verbose=0,
              callbacks=[cbks.CSVLogger(path, append=True)])
    with open(path) as f:
        rows = list(csv.reader(f))
    assert rows[0] == ['epoch', 'accuracy', 'loss']
    assert [r[0] for r in rows[1:]] == ['0', '1', '0']


def test_terminate_on_nan_and_lambda_callback():
    x, y = data()
    model = Sequential([layers.Dense(3, input_dim=4)])
    model.compile(keras.optimizers.SGD(lr=1e30), 'mse')
    batches = []
    history = model.fit(x * 1e20, y, epochs=3, batch_size=8, verbose=0,
                        callbacks=[cbks.TerminateOnNaN(),
                                   cbks.LambdaCallback(
                                       on_batch_end=lambda b, l:
                                       batches.append(b))])
    assert len(history.epoch) == 1 and len(batches) < 8


def test_tensorboard_needs_package_or_writes_events(tmp_path):
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match='tensorboard'):
            cbks.TensorBoard(log_dir=str(tmp_path))
        return
    x, y = data()
    model = small_model()
    model.fit(x, y, epochs=2, verbose=0,
              callbacks=[cbks.TensorBoard(log_dir=str(tmp_path),
                                          histogram_freq=1)])
    assert any(f.startswith('events.out.tfevents')
               for f in os.listdir(tmp_path))


def test_tensorboard_image_and_gradient_flags_need_histograms(tmp_path):
    # The common snippet TensorBoard(histogram_freq=0, write_images=True):
    # in Keras 2 the flags only act with histograms.
    try:
        cbks.TensorBoard(log_dir=str(tmp_path), histogram_freq=0,
                         write_graph=True, write_images=True,
                         write_grads=True)
    except ImportError as error:
        assert 'tensorboard' in str(error)


def test_callbacks_monitor_keras22_metric_names(tmp_path):
    import warnings
    model = Sequential([layers.Dense(2, activation='softmax',
                                     input_shape=(3,))])
    model.compile('sgd', 'categorical_crossentropy', metrics=['accuracy'])
    x = np.random.RandomState(0).rand(20, 3).astype('float32')
    y = keras.utils.to_categorical(np.arange(20) % 2, 2)
    path = str(tmp_path / 'best.h5')
    with warnings.catch_warnings():
        warnings.simplefilter('error', RuntimeWarning)
        model.fit(x, y, epochs=2, verbose=0, validation_data=(x, y),
                  callbacks=[cbks.ModelCheckpoint(path, monitor='val_acc',
                                                  save_best_only=True),
                             cbks.EarlyStopping(monitor='val_acc',
                                                patience=5)])
    assert os.path.isfile(path)


def test_callbacks_read_the_keras_2_2_metric_names_from_the_logs(tmp_path):
    # Keras 2.2 logged metrics=['accuracy', 'mse'] as 'acc' and
    # 'mean_squared_error'; tf.keras as 'accuracy' and 'mse'. Scripts of
    # either era read their own names; the logs list the names logged.
    x, y = data()
    model = Sequential([layers.Dense(1, input_dim=x.shape[1],
                                     activation='sigmoid')])
    model.compile('adam', 'binary_crossentropy',
                  metrics=['accuracy', 'mse'])
    seen = []

    class Reader(cbks.Callback):
        def on_batch_end(self, batch, logs=None):
            if batch == 0:
                seen.append(('batch', logs.get('acc'), logs['accuracy'],
                             logs.get('mean_squared_error')))

        def on_epoch_end(self, epoch, logs=None):
            seen.append(('epoch', logs['val_acc'], logs['val_accuracy'],
                         'val_acc' in logs, sorted(logs)))
            # Copies are plain dicts of what was logged.
            copied = copy.deepcopy(logs)
            assert type(copied) is dict and copied == dict(logs)
    checkpoint = cbks.ModelCheckpoint(
        str(tmp_path / 'w-{epoch:02d}-{val_acc:.3f}.h5'),
        monitor='val_acc', save_weights_only=True)
    y1 = (y.argmax(axis=1) == 0).astype('float32')
    history = model.fit(x, y1, validation_split=0.25, epochs=1, verbose=0,
                        callbacks=[Reader(), checkpoint])
    batch, epoch = seen
    assert batch[1] == batch[2] and batch[3] is not None
    assert epoch[1] == epoch[2] == history.history['val_accuracy'][0]
    assert epoch[3]
    assert epoch[4] == ['accuracy', 'loss', 'mse', 'val_accuracy',
                        'val_loss', 'val_mse']
    assert os.listdir(str(tmp_path)) == [
        'w-01-%.3f.h5' % history.history['val_accuracy'][0]]


@pytest.mark.parametrize('hook', ['on_batch_begin', 'on_batch_end'])
@pytest.mark.parametrize('call', ['predict', 'evaluate'])
def test_predict_or_evaluate_in_a_batch_hook_keeps_training_mode(hook,
                                                                 call):
    from keras_compat.layers import BatchNormalization
    x = np.random.RandomState(0).rand(64, 4).astype('float32')
    y = (x.sum(1) > 2).astype('float32')

    def trained(with_hook):
        model = Sequential([
            layers.Dense(4, input_dim=4, kernel_initializer='ones'),
            BatchNormalization(),
            layers.Dense(1, activation='sigmoid', kernel_initializer='ones')])
        model.compile(keras.optimizers.SGD(lr=0.3), 'binary_crossentropy')

        def run_it(batch, logs):
            if call == 'predict':
                model.predict(x[:2])
            else:
                model.evaluate(x[:2], y[:2], verbose=0)
        callbacks = [cbks.LambdaCallback(**{hook: run_it})] \
            if with_hook else []
        model.fit(x, y, batch_size=16, epochs=1, verbose=0, shuffle=False,
                  callbacks=callbacks)
        return model.get_weights()

    for a, b in zip(trained(False), trained(True)):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def _identity_model():
    """A model whose outputs are its inputs 0, 1, 2, 3 (targets 0), which
    does not learn: mse and mae per sample are 0, 1, 4, 9 and 0, 1, 2, 3."""
    x = np.arange(4, dtype='float32').reshape(4, 1)
    y = np.zeros((4, 1), 'float32')
    model = Sequential([layers.Dense(1, input_dim=1, use_bias=False,
                                     kernel_initializer='ones')])
    model.compile(keras.optimizers.SGD(lr=0.), 'mse', metrics=['mae'])
    return model, x, y


def test_evaluate_in_a_batch_hook_shares_the_metric_states():
    # Keras 2.3.1: evaluate and test_on_batch update the fit's metric
    # objects (test_on_batch resets them after its batch); the epoch loss
    # is the mean of the batches' own losses. Numbers from Keras 2.3.1.
    model, x, y = _identity_model()
    seen = []

    def probe(batch, logs):
        seen.append((batch, logs['loss'], logs['mae']))
        if batch == 1:
            model.evaluate(x[:1] + 100, y[:1], verbose=0)
            model.test_on_batch(x[:1] + 100, y[:1])
    history = model.fit(x, y, batch_size=1, shuffle=False, verbose=0,
                        callbacks=[cbks.LambdaCallback(
                            on_batch_end=probe)])
    assert seen == [(0, 0., 0.), (1, 1., .5), (2, 4., 2.), (3, 9., 2.5)]
    assert history.history['loss'] == [pytest.approx(3.5)]
    assert history.history['mae'] == [pytest.approx(2.5)]


def _on_batch_sequence(model, x, y):
    """The values of train/test_on_batch calls around evaluate and fit,
    and of a fit whose first batch hook evaluates."""
    got = [model.test_on_batch(x[1:2], y[1:2], reset_metrics=False),
           model.test_on_batch(x[2:3], y[2:3], reset_metrics=False),
           model.train_on_batch(x[3:4], y[3:4]),
           model.train_on_batch(x[1:2], y[1:2]),
           model.evaluate(x, y, verbose=0),
           model.test_on_batch(x[1:2], y[1:2]),
           model.test_on_batch(x[1:2], y[1:2])]
    model.fit(x, y, batch_size=2, verbose=0, shuffle=False)
    got.append(model.train_on_batch(x[:1], y[:1]))

    def probe(batch, logs):
        got.append([logs['loss'], logs['mae']])
        if batch == 0:
            got.append(model.evaluate(x[3:], y[3:], verbose=0))
    history = model.fit(x, y, batch_size=1, shuffle=False, verbose=0,
                        callbacks=[cbks.LambdaCallback(on_batch_end=probe)])
    got.append([history.history['loss'][0], history.history['mae'][0]])
    return np.array(got, dtype='float64')


def test_on_batch_metric_states_as_keras_2_3_keeps_them():
    # Keras 2.3.1: train/test_on_batch return the batch's own loss and the
    # running metrics, then reset them (reset_metrics=True), so a call
    # after evaluate or fit adds onto their metric states.
    got = _on_batch_sequence(*_identity_model())
    expected = [[1, 1], [4, 1.5], [9, 2], [1, 1], [3.5, 1.5], [1, 1.4],
                [1, 1], [0, 1.2], [0, 0], [9, 3], [1, 2], [4, 2], [9, 2.25],
                [3.5, 2.25]]
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_on_batch_metric_states_as_tf_keras_keeps_them():
    # tf_keras 2.21: the *_on_batch calls reset before their batch; a
    # fit's epoch shares its loss mean and metrics with an evaluate in a
    # batch hook.
    K.common.set_api_flavour('tf.keras')
    try:
        got = _on_batch_sequence(*_identity_model())
    finally:
        K.common.set_api_flavour('keras')
    expected = [[1, 1], [2.5, 1.5], [9, 3], [1, 1], [3.5, 1.5], [1, 1],
                [1, 1], [0, 0], [0, 0], [9, 3], [5, 2], [4.6666665, 2],
                [5.75, 2.25], [5.75, 2.25]]
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_batch_logs_hold_the_loss_of_that_batch():
    # LR finders read logs['loss'] per batch: Keras 2 gave the batch's own
    # loss (metrics are running means, as in Keras 2.3).
    model, x, y = _identity_model()
    seen = []
    model.fit(x, y, batch_size=1, shuffle=False, verbose=0,
              callbacks=[cbks.LambdaCallback(on_batch_end=lambda b, logs:
                                             seen.append((logs['loss'],
                                                          logs['mae'])))])
    assert seen == [(0., 0.), (1., 0.5), (4., 1.), (9., 1.5)]


def test_tensorboard_writes_gradient_histograms_and_weight_images(tmp_path):
    pytest.importorskip('tensorboard')
    from tensorboard.backend.event_processing.event_accumulator import \
        EventAccumulator
    x, y = data()
    model = small_model()
    model.fit(x, y, epochs=1, verbose=0, validation_data=(x[:8], y[:8]),
              callbacks=[cbks.TensorBoard(log_dir=str(tmp_path),
                                          histogram_freq=1, write_grads=True,
                                          write_images=True)])
    events = EventAccumulator(str(tmp_path))
    events.Reload()
    histograms = events.Tags()['histograms']
    kernel = model.layers[0].weights[0].name.replace(':', '_')
    assert kernel in histograms and kernel + '_grad' in histograms
    assert kernel in events.Tags()['images']
    with pytest.raises(ValueError, match='validation_data'):
        model.fit(x, y, epochs=1, verbose=0,
                  callbacks=[cbks.TensorBoard(log_dir=str(tmp_path / 'b'),
                                              histogram_freq=1,
                                              write_grads=True)])


def test_base_logger_averages_a_hand_driven_epoch():
    # GAN scripts drive a CallbackList by hand with their own batch logs.
    model = Sequential([layers.Dense(1, input_shape=(2,))])
    model.compile('sgd', 'mse')
    history = cbks.History()
    callback_list = cbks.CallbackList([cbks.BaseLogger(
        stateful_metrics=['lr']), history])
    callback_list.set_model(model)
    callback_list.set_params({'epochs': 1, 'steps': 2, 'verbose': 0,
                              'metrics': ['loss', 'acc', 'lr']})
    callback_list.on_train_begin()
    callback_list.on_epoch_begin(0)
    for i, (loss, acc, size) in enumerate([(1., 0.5, 4), (4., 1., 2)]):
        callback_list.on_batch_end(i, {'batch': i, 'size': size,
                                       'loss': loss, 'acc': acc, 'lr': i})
    logs = {}
    callback_list.on_epoch_end(0, logs)
    assert logs == {'loss': pytest.approx(2.), 'acc': pytest.approx(2. / 3),
                    'lr': 1}
    assert history.history['loss'] == [pytest.approx(2.)]
    # In fit, the epoch logs already hold the averages.
    x, y = data()
    fitted = small_model().fit(x, y, epochs=1, verbose=0,
                               callbacks=[cbks.BaseLogger()])
    assert np.isfinite(fitted.history['loss'][0])


def test_keras2_callback_protocol_details():
    """What callbacks written for Keras 2 read: `validation_data` (with
    the learning phase of a model using one, [] without validation),
    `params` of an array fit (steps None), batch logs kept for later,
    immutable K.get_value scalars, and a pickled history."""
    import pickle
    x, y = data()
    model = Sequential([layers.Dense(4, input_shape=(x.shape[1],)),
                        layers.Dropout(0.5), layers.Dense(y.shape[1])])
    model.compile('sgd', 'mse')

    class Keeper(cbks.Callback):
        def on_train_begin(self, logs=None):
            self.kept, self.lrs = [], []
            self.steps = self.params['steps']
            self.samples = self.params['samples']

        def on_batch_end(self, batch, logs=None):
            self.kept.append(logs)
            lr = K.get_value(self.model.optimizer.lr)
            self.lrs.append(lr)
            lr *= 2        # a numpy scalar: the kept value stays

    keeper = Keeper()
    history = model.fit(x, y, batch_size=4, epochs=1, verbose=0,
                        validation_data=(x, y), callbacks=[keeper])
    assert len(keeper.validation_data) == 4
    assert keeper.validation_data[3] == 0.
    assert keeper.steps is None and keeper.samples == len(x)
    losses = [logs['loss'] for logs in keeper.kept]
    assert len(set(losses)) == len(losses) > 1
    assert keeper.lrs[0] == pytest.approx(0.01)
    assert pickle.loads(pickle.dumps(history.history)).__class__ is dict
    no_validation = Keeper()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[no_validation])
    assert no_validation.validation_data == []


def test_progbar_logger_subclass_of_keras2_and_variable_attributes(capsys):
    # A ProgbarLogger subclass written for Keras 2 fills log_values in its
    # on_batch_end (Keras 2's on_batch_begin emptied it).
    class Tuning(cbks.ProgbarLogger):
        def on_batch_end(self, batch, logs=None):
            assert self.use_steps
            for k in self.params['metrics']:
                if k in logs:
                    self.log_values.append((k, logs[k]))
            # Emptied before each batch: this batch's loss and accuracy.
            assert [k for k, _ in self.log_values] == ['loss', 'accuracy']

    x, y = data()
    model = small_model()
    model.fit(x, y, batch_size=16, epochs=1, verbose=1,
              callbacks=[Tuning(count_mode='steps')])
    # tf.Variable attributes that SWA callbacks read.
    batchnorm = layers.BatchNormalization()
    Sequential([batchnorm]).build((None, 3))
    assert batchnorm.weights[0].trainable is True
    assert batchnorm.weights[2].trainable is False
    batchnorm.moving_mean.assign(K.constant([1., 2., 3.]))
    np.testing.assert_array_equal(batchnorm.get_weights()[2], [1., 2., 3.])


def test_model_checkpoint_every_n_batches(tmp_path):
    # tf.keras counts batches across epochs: 5 batches an epoch, a save
    # every 3 -> after batch 3 of epoch 1, batches 1 and 4 of epoch 2.
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
    model.compile('sgd', 'mse')
    pattern = str(tmp_path / 'w-{epoch:02d}-{batch:03d}.h5')
    checkpoint = keras.callbacks.ModelCheckpoint(
        pattern, save_freq=3, save_weights_only=True)
    model.fit(np.ones((20, 2)), np.ones((20, 1)), batch_size=4, epochs=2,
              callbacks=[checkpoint], verbose=0)
    assert sorted(os.listdir(str(tmp_path))) == [
        'w-01-003.h5', 'w-02-001.h5', 'w-02-004.h5']
    with pytest.raises(ValueError, match='save_freq'):
        keras.callbacks.ModelCheckpoint(pattern, save_freq='batch')


def test_keras2_restores_best_weights_only_when_stopping_early(capsys):
    # Keras 2.2.4 / 2.3.1 restore in on_epoch_end when stopping, printing
    # this line before 'Epoch 00004: early stopping'; a run that reaches
    # its last epoch keeps that epoch's weights.
    x, y = data()
    model = small_model()
    snapshots = []

    class Snapshot(cbks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            snapshots.append(model.get_weights())
    stopper = cbks.EarlyStopping(patience=5, restore_best_weights=True,
                                 verbose=1)
    model.fit(x, y, epochs=3, verbose=0, validation_data=(x, y),
              callbacks=[ScriptedLoss([0.5, 0.6, 0.7]), Snapshot(), stopper])
    for a, b in zip(model.get_weights(), snapshots[-1]):
        np.testing.assert_array_equal(a, b)
    assert capsys.readouterr().out == ''
    stopper = cbks.EarlyStopping(patience=2, restore_best_weights=True,
                                 verbose=1)
    snapshots.clear()
    model.fit(x, y, epochs=7, verbose=0, validation_data=(x, y),
              callbacks=[ScriptedLoss([1.0, 0.5, 0.6, 0.7, 0.8]), Snapshot(),
                         stopper])
    for a, b in zip(model.get_weights(), snapshots[1]):
        np.testing.assert_array_equal(a, b)
    assert capsys.readouterr().out == (
        'Restoring model weights from the end of the best epoch\n'
        'Epoch 00004: early stopping\n')


def test_tf_keras_restores_at_the_end_and_numbers_epochs_plainly(capsys):
    # tf_keras 2.21's lines; it restores the best weights at the end of
    # training whether it stopped early or not.
    K.common.set_api_flavour('tf.keras')
    try:
        x, y = data()
        model = small_model()
        snapshots = []

        class Snapshot(cbks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                snapshots.append(model.get_weights())
        stopper = cbks.EarlyStopping(patience=5, restore_best_weights=True,
                                     verbose=1)
        model.fit(x, y, epochs=3, verbose=0, validation_data=(x, y),
                  callbacks=[ScriptedLoss([0.5, 0.6, 0.7]), Snapshot(),
                             stopper])
        for a, b in zip(model.get_weights(), snapshots[0]):
            np.testing.assert_array_equal(a, b)
        assert capsys.readouterr().out == (
            'Restoring model weights from the end of the best epoch: 1.\n')
        stopper = cbks.EarlyStopping(patience=1, verbose=1)
        model.fit(x, y, epochs=5, verbose=0, validation_data=(x, y),
                  callbacks=[ScriptedLoss([0.5, 0.6, 0.7]), stopper])
        assert capsys.readouterr().out == 'Epoch 2: early stopping\n'
    finally:
        K.common.set_api_flavour('keras')


def test_checkpoint_filepath_key_missing_from_logs(tmp_path):
    x, y = data()
    path = str(tmp_path / 'w-{epoch:02d}-{val_loss:.2f}.h5')
    with pytest.raises(KeyError, match="^'val_loss'$"):     # Keras 2.2.4
        small_model().fit(x, y, epochs=1, verbose=0,
                          callbacks=[cbks.ModelCheckpoint(path)])
    K.common.set_api_flavour('tf.keras')
    try:
        # tf_keras 2.21's text.
        with pytest.raises(KeyError) as error:
            small_model().fit(x, y, epochs=1, verbose=0,
                              callbacks=[cbks.ModelCheckpoint(path)])
        assert error.value.args[0] == (
            'Failed to format this callback filepath: "%s". Reason: '
            "'val_loss'" % path)
    finally:
        K.common.set_api_flavour('keras')
    assert os.listdir(str(tmp_path)) == []
