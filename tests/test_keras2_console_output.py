"""What fit, evaluate, predict and the *_generator methods print in a
Keras 2 program: standalone Keras 2.3.1's text (a samples-counting bar for
arrays, ` - 0s - loss: ...` for verbose=2, a line per redraw where stdout
is not a terminal). The expected lines were printed by Keras 2.3.1 running
on TensorFlow 2.21 in graph mode (the same model, data and calls); times
are masked. The tf.keras flavour keeps tf_keras 2.21's text."""
import io
import re
import sys

import numpy as np
import pytest

import keras_compat as keras
from keras_compat.backend import common
from keras_compat.layers import Dense
from keras_compat.models import Sequential
from keras_compat.utils import generic_utils


def data():
    rng = np.random.RandomState(0)
    x = rng.rand(10, 3).astype('float32')
    y = (rng.rand(10, 1) > .5).astype('float32')
    return x, y


def model(loss='binary_crossentropy', metrics=('accuracy',),
          activation='sigmoid', bias='zeros'):
    net = Sequential([Dense(1, activation=activation, input_shape=(3,),
                            kernel_initializer='ones',
                            bias_initializer=bias)])
    net.compile('sgd', loss, metrics=list(metrics))
    return net


class Batches(keras.utils.Sequence):
    """Batches of 4, 4 and 2 samples."""

    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return 3

    def __getitem__(self, i):
        return self.x[i * 4:i * 4 + 4], self.y[i * 4:i * 4 + 4]


def halves(x, y):
    while True:
        for i in (0, 5):
            yield x[i:i + 5], y[i:i + 5]


def printed(capsys):
    """The captured lines, times masked (` - 0s`, `12ms/step`, `ETA: 0s`)."""
    out = capsys.readouterr().out
    out = re.sub(r'\d+(s|ms|us)/(step|epoch)', r'T/\2', out)
    out = re.sub(r' - \d+s\b', ' - Ts', out)
    out = re.sub(r'ETA: [\d:]+s?', 'ETA: T', out)
    return out.split('\n')


BAR_5_OF_10 = ' 5/10 [==============>...............]'
BAR_4_OF_10 = ' 4/10 [===========>..................]'
FULL = '[==============================]'


def test_fit_on_arrays_counts_samples(capsys):
    x, y = data()
    model().fit(x, y, epochs=2, batch_size=5, verbose=1, shuffle=False)
    # Not a terminal: Keras 2 writes '\n' before each drawing (the first
    # batch's is always drawn; the last batch's is left to the epoch end).
    assert printed(capsys) == [
        'Epoch 1/2', '',
        BAR_5_OF_10 + ' - ETA: T - loss: 1.3006 - accuracy: 0.4000',
        '10/10 ' + FULL + ' - Ts T/step - loss: 0.7515 - accuracy: 0.7000',
        'Epoch 2/2', '',
        BAR_5_OF_10 + ' - ETA: T - loss: 1.2972 - accuracy: 0.4000',
        '10/10 ' + FULL + ' - Ts T/step - loss: 0.7503 - accuracy: 0.7000',
        '']


def test_fit_verbose_2_prints_time_and_values_only(capsys):
    x, y = data()
    model().fit(x, y, epochs=2, verbose=2, validation_split=0.2,
                shuffle=False)
    assert printed(capsys) == [
        'Train on 8 samples, validate on 2 samples',
        'Epoch 1/2',
        ' - Ts - loss: 0.8781 - accuracy: 0.6250 - val_loss: 0.2422 - '
        'val_accuracy: 1.0000',
        'Epoch 2/2',
        ' - Ts - loss: 0.8767 - accuracy: 0.6250 - val_loss: 0.2431 - '
        'val_accuracy: 1.0000',
        '']


def test_verbose_2_writes_negative_values_in_e_notation(capsys):
    # Keras 2's verbose=2 tests `avg > 1e-3`, verbose=1 `abs(avg) > 1e-3`.
    def mb(y_true, y_pred):
        return keras.backend.mean(y_pred)

    x, y = data()
    net = model('mse', ['mae', mb], activation='linear',
                bias=keras.initializers.Constant(-5.))
    net.fit(x, y, epochs=2, verbose=2, batch_size=10)
    net.fit(x, y, epochs=1, verbose=1, batch_size=10)
    assert printed(capsys) == [
        'Epoch 1/2', ' - Ts - loss: 16.2248 - mae: 3.9566 - mb: -3.2566e+00',
        'Epoch 2/2', ' - Ts - loss: 15.0416 - mae: 3.8005 - mb: -3.1005e+00',
        'Epoch 1/1', '',
        '10/10 ' + FULL + ' - Ts T/step - loss: 13.9538 - mae: 3.6508 - '
        'mb: -2.9508',
        '']


def test_evaluate_and_predict_bars_count_samples_without_values(capsys):
    x, y = data()
    net = model()
    net.evaluate(x, y, batch_size=4)
    net.evaluate(x, y, verbose=2)
    net.predict(x)
    assert printed(capsys) == [
        '', BAR_4_OF_10 + ' - ETA: T',
        '10/10 ' + FULL + ' - Ts T/step', '']
    net.predict(x, verbose=1, batch_size=4)
    assert printed(capsys) == [
        '', BAR_4_OF_10 + ' - ETA: T',
        '10/10 ' + FULL + ' - Ts T/step', '']


def test_generator_methods_count_steps(capsys):
    x, y = data()
    net = model()
    net.fit_generator(halves(x, y), steps_per_epoch=2, epochs=1, verbose=1,
                      validation_data=(x, y))
    assert printed(capsys) == [
        'Epoch 1/1', '',
        '1/2 [==============>...............] - ETA: T - loss: 1.3006 - '
        'accuracy: 0.4000',
        '2/2 ' + FULL + ' - Ts T/step - loss: 0.7515 - accuracy: 0.7000 - '
        'val_loss: 0.7495 - val_accuracy: 0.7000',
        '']
    net.evaluate_generator(halves(x, y), steps=2)
    net.predict_generator(Batches(x, y))
    assert printed(capsys) == ['']
    net.evaluate_generator(halves(x, y), steps=2, verbose=1)
    net.predict_generator(Batches(x, y), verbose=1)
    assert printed(capsys) == [
        '', '1/2 [==============>...............] - ETA: T',
        '2/2 ' + FULL + ' - Ts T/step',
        '', '1/3 [=========>....................] - ETA: T',
        '3/3 ' + FULL + ' - Ts T/step', '']


def test_step_counting_bar_averages_the_loss_per_step(capsys):
    # Batches of 4, 4 and 2: Keras 2's bar averages the batch losses and
    # the epoch's loss with one weight each, so it shows 0.6874 where the
    # history holds the sample-weighted 0.7508 (Keras 2.3.1's numbers).
    x, y = data()
    history = model().fit_generator(Batches(x, y), epochs=2, verbose=2,
                                    shuffle=False)
    assert printed(capsys) == [
        'Epoch 1/2', ' - Ts - loss: 0.6874 - accuracy: 0.7000',
        'Epoch 2/2', ' - Ts - loss: 0.6865 - accuracy: 0.7000', '']
    np.testing.assert_allclose(history.history['loss'],
                               [0.7508122, 0.74963593], rtol=1e-5)


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progbar_redraws_in_a_terminal(monkeypatch):
    # Keras 2.3.1's `keras.utils.generic_utils.Progbar` with the same
    # clock and calls wrote exactly this.
    clock = iter([100.0, 100.5, 100.52, 100.7, 102.0, 3700., 7000., 7300.,
                  7400.])
    monkeypatch.setattr(generic_utils.time, 'time', lambda: next(clock))
    out = Terminal()
    monkeypatch.setattr(sys, 'stdout', out)
    bar = keras.utils.Progbar(target=4)
    bar.update(1, [('loss', 2.0)])
    bar.update(2, [('loss', 2.0)])      # within `interval`: not drawn
    bar.update(3, [('loss', -0.0001)])
    bar.update(4, [('loss', 1.0)])
    back = '\b' * 61
    assert out.getvalue() == (
        '\r1/4 [======>.......................] - ETA: 1s - loss: 2.0000'
        + back +
        '\r3/4 [=====================>........] - ETA: 0s - loss: 1.3333'
        + back +
        '\r4/4 [==============================] - 2s 500ms/step - '
        'loss: 1.2500\n')
    out = io.StringIO()
    monkeypatch.setattr(sys, 'stdout', out)
    keras.utils.Progbar(target=None).update(3)
    keras.utils.Progbar(target=10, verbose=2).update(10, [('a', -1.0)])
    assert out.getvalue() == (
        # (An unknown target's bar ends no line.)
        '\n      3/Unknown - 3300s 1100s/step'
        ' - 100s - a: -1.0000e+00\n')


@pytest.fixture
def tf_keras():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


def test_tf_keras_keeps_its_step_lines(tf_keras, capsys):
    # tf_keras 2.21 printed these lines for the same calls.
    x, y = data()
    net = Sequential([Dense(1, activation='sigmoid', input_shape=(3,),
                            kernel_initializer='ones')])
    net.compile(keras.optimizers.SGD(0.01), 'binary_crossentropy',
                metrics=['accuracy'])
    net.fit(x, y, epochs=2, verbose=2, batch_size=5, shuffle=False,
            validation_data=(x, y))
    net.evaluate(x, y, verbose=2)
    assert printed(capsys) == [
        'Epoch 1/2',
        '2/2 - Ts - loss: 0.7515 - accuracy: 0.7000 - val_loss: 0.7495 - '
        'val_accuracy: 0.7000 - T/epoch - T/step',
        'Epoch 2/2',
        '2/2 - Ts - loss: 0.7503 - accuracy: 0.7000 - val_loss: 0.7484 - '
        'val_accuracy: 0.7000 - T/epoch - T/step',
        '1/1 - Ts - loss: 0.7484 - accuracy: 0.7000 - T/epoch - T/step',
        '']
