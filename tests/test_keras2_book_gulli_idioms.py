"""Idioms of Keras 2.0-era book code ("Deep Learning with Keras" style):
numpy-seeded scripts, Keras 1 positional Conv2D arguments, Keras 1
fit_generator keywords, Keras 2.3 history keys."""
import warnings

import numpy as np

from keras_compat.backend import common
import keras_compat as keras
from keras_compat.layers import Activation, Conv2D, Dense, Dropout, Flatten
from keras_compat.models import Sequential
from keras_compat.optimizers import RMSprop
from keras_compat.preprocessing.image import ImageDataGenerator


def _keras_flavour():
    previous = common.api_flavour()
    common.set_api_flavour('keras')
    return previous


def test_unseeded_initializers_draw_seeds_from_numpy():
    previous = _keras_flavour()
    try:
        np.random.seed(1671)
        m = Sequential()
        m.add(Dense(4, input_shape=(3,)))
        m.add(Dropout(0.0))
        m.add(Dense(2))
        m.add(Activation('softmax'))
        state = np.random.get_state()
        # Keras 2.3.1: each unseeded random op draws np.random.randint(10e6).
        assert state[2] == 3 and state[1][0] == 2756468074
        m.compile(loss='categorical_crossentropy', optimizer=RMSprop(),
                  metrics=['accuracy'])
        m.set_weights([np.ones_like(w) * 0.1 for w in m.get_weights()])
        x = np.arange(30.).reshape(10, 3) / 30
        y = np.eye(2)[np.arange(10) % 2]
        h = m.fit(x, y, batch_size=4, epochs=1, verbose=0,
                  validation_split=0.2)
        # Keras 2.3.1 gives these keys, and this numpy draw after the fit.
        assert sorted(h.history) == ['accuracy', 'loss', 'val_accuracy',
                                     'val_loss']
        assert m.metrics_names == ['loss', 'accuracy']
        np.testing.assert_allclose(np.random.rand(), 0.6798996484815657)
    finally:
        common.set_api_flavour(previous)


def test_numpy_seed_reproduces_weights():
    previous = _keras_flavour()
    try:
        weights = []
        for _ in range(2):
            np.random.seed(7)
            m = Sequential([Dense(3, input_shape=(2,)), Dense(1)])
            weights.append(m.get_weights())
        for a, b in zip(*weights):
            np.testing.assert_array_equal(a, b)
    finally:
        common.set_api_flavour(previous)


def test_keras1_positional_conv2d_and_fit_generator_keywords():
    previous = _keras_flavour()
    try:
        m = Sequential()
        m.add(Conv2D(4, kernel_size=3, padding='same',
                     input_shape=(6, 6, 3)))
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            m.add(Conv2D(6, 3, 3))
        m.add(Flatten())
        m.add(Dense(2, activation='softmax'))
        # Keras 2.3.1: Conv2D(6, 3, 3) is kernel_size (3, 3), strides 1.
        assert m.layers[1].kernel_size == (3, 3)
        assert m.layers[1].strides == (1, 1)
        assert m.layers[1].output_shape == (None, 4, 4, 6)
        m.compile(loss='categorical_crossentropy', optimizer='rmsprop',
                  metrics=['accuracy'])
        x = np.random.RandomState(0).rand(20, 6, 6, 3).astype('float32')
        y = np.eye(2)[np.arange(20) % 2]
        gen = ImageDataGenerator(horizontal_flip=True)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            h = m.fit_generator(gen.flow(x, y, batch_size=8),
                                samples_per_epoch=20, nb_epoch=2, verbose=0)
        # samples_per_epoch // batch_size steps, as Keras 2.3.1 converts.
        assert h.params['steps'] == 2 and h.params['epochs'] == 2
        assert sorted(h.history) == ['accuracy', 'loss']
    finally:
        common.set_api_flavour(previous)
