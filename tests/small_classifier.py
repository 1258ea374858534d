"""A small compiled classifier and data for it, shared by the callback and
saving tests."""
import numpy as np

import keras_compat as keras
from keras_compat import layers
from keras_compat.models import Sequential


def small_model(lr=0.01):
    """Dense 4-8-3 softmax classifier, SGD with momentum, accuracy."""
    model = Sequential([layers.Dense(8, activation='relu', input_dim=4),
                        layers.Dense(3, activation='softmax')])
    model.compile(keras.optimizers.SGD(lr=lr, momentum=0.9),
                  'categorical_crossentropy', metrics=['accuracy'])
    return model


def data(n=64, rng=None):
    """n rows of 4 uniform features and one-hot labels of 3 classes."""
    rng = rng or np.random
    x = rng.rand(n, 4).astype(np.float32)
    y = keras.utils.to_categorical(rng.randint(3, size=n), 3)
    return x, y
