"""A training step reads no tensor value back to the host.

On a GPU every such read (`.item()`, `float(t)`, `int(t)`) waits for the
device to finish its queue, so the training loop must not do one per step.
A dispatch mode sees the read as `aten._local_scalar_dense` on any device,
so this checks the CUDA property on the CPU."""
import numpy as np
import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import layers as L




class _HostReads(TorchDispatchMode):
    def __init__(self):
        super(_HostReads, self).__init__()
        self.recording = False
        self.reads = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        name = str(func)
        if self.recording and name.startswith('aten._local_scalar_dense'):
            self.reads.append(name)
        return func(*args, **(kwargs or {}))


class _Toggle(keras.callbacks.Callback):
    """Records only inside the steps after the first (which builds the
    metrics and optimizer slots)."""

    def __init__(self, mode):
        super(_Toggle, self).__init__()
        self.mode = mode

    def on_train_batch_begin(self, batch, logs=None):
        self.mode.recording = batch >= 1

    def on_train_batch_end(self, batch, logs=None):
        self.mode.recording = False


def _mlp(optimizer, loss='categorical_crossentropy'):
    model = keras.models.Sequential([
        L.Dense(16, activation='relu', input_shape=(8,)),
        L.Dropout(0.3),
        L.BatchNormalization(),
        L.Dense(4, activation='softmax')])
    model.compile(optimizer=optimizer, loss=loss,
                  metrics=['accuracy', 'mae'])
    return model


OPTIMIZERS = [
    lambda: keras.optimizers.SGD(lr=0.01, momentum=0.9, nesterov=True,
                                 decay=1e-3),
    lambda: keras.optimizers.RMSprop(),
    lambda: keras.optimizers.Adagrad(),
    lambda: keras.optimizers.Adadelta(),
    lambda: keras.optimizers.Adam(amsgrad=True, decay=1e-4),
    lambda: keras.optimizers.Adamax(),
    lambda: keras.optimizers.Nadam(),
]


@pytest.mark.parametrize('make_optimizer', OPTIMIZERS,
                         ids=['sgd', 'rmsprop', 'adagrad', 'adadelta', 'adam',
                              'adamax', 'nadam'])
def test_fit_steps_read_nothing_back(make_optimizer):
    rng = np.random.RandomState(0)
    x = rng.rand(64, 8).astype('float32')
    y = np.eye(4, dtype='float32')[rng.randint(4, size=64)]
    model = _mlp(make_optimizer())
    mode = _HostReads()
    with mode:
        model.fit(x, y, batch_size=8, epochs=1, verbose=0,
                  callbacks=[_Toggle(mode)])
    assert mode.reads == []


def test_recurrent_fit_steps_read_nothing_back():
    rng = np.random.RandomState(0)
    x = rng.randint(50, size=(32, 6))
    y = rng.randint(2, size=(32, 1)).astype('float32')
    model = keras.models.Sequential([L.Embedding(50, 8), L.LSTM(8),
                                     L.Dense(1, activation='sigmoid')])
    model.compile('rmsprop', 'binary_crossentropy', metrics=['accuracy'])
    mode = _HostReads()
    with mode:
        model.fit(x, y, batch_size=8, epochs=1, verbose=0,
                  callbacks=[_Toggle(mode)])
    assert mode.reads == []


def test_learning_rate_written_between_steps_is_used():
    """The optimizer keeps Python copies of its hyperparameters; writing
    the variable (as LearningRateScheduler does) must reach the next
    update: w <- w - lr * g for plain SGD."""
    model = keras.models.Sequential([L.Dense(1, use_bias=False,
                                             kernel_initializer='ones',
                                             input_shape=(1,))])
    model.compile(keras.optimizers.SGD(lr=0.1), 'mse')
    x = np.ones((1, 1), 'float32')
    y = np.zeros((1, 1), 'float32')
    model.train_on_batch(x, y)       # w = 1 - 0.1 * 2 * 1 = 0.8
    K.set_value(model.optimizer.lr, 0.5)
    model.train_on_batch(x, y)       # w = 0.8 - 0.5 * 2 * 0.8 = 0.0
    np.testing.assert_allclose(model.get_weights()[0], [[0.0]], atol=1e-6)
    model.optimizer.lr = 0.25
    model.set_weights([np.ones((1, 1), 'float32')])
    model.train_on_batch(x, y)       # w = 1 - 0.25 * 2 = 0.5
    np.testing.assert_allclose(model.get_weights()[0], [[0.5]], atol=1e-6)


def test_iterations_written_between_steps_is_used():
    """Time decay reads `iterations`: lr_t = lr / (1 + decay * t)."""
    model = keras.models.Sequential([L.Dense(1, use_bias=False,
                                             kernel_initializer='ones',
                                             input_shape=(1,))])
    optimizer = keras.optimizers.SGD(lr=0.1, decay=1.0)
    model.compile(optimizer, 'mse')
    x = np.ones((1, 1), 'float32')
    y = np.zeros((1, 1), 'float32')
    model.train_on_batch(x, y)
    K.set_value(optimizer.iterations, 9)
    model.set_weights([np.ones((1, 1), 'float32')])
    model.train_on_batch(x, y)       # lr_t = 0.1 / 10: w = 1 - 0.01 * 2
    np.testing.assert_allclose(model.get_weights()[0], [[0.98]],
                               atol=1e-6)
    assert int(K.get_value(optimizer.iterations)) == 10
