"""Mask R-CNN's compile, run at each training stage (Keras 2.2): it resets
`model._losses` / `model._per_input_losses`, adds the loss layers' means
with add_loss, compiles with loss=[None]*n and appends to metrics_names /
metrics_tensors. Expected values: the documented Keras 2.2 behaviour
(keras/engine/network.py `losses` reads `_per_input_losses`), computed
with numpy."""
import numpy as np
import pytest

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import layers as KL
from keras_compat import models as KM
from keras_compat import tensorflow_compat as tf

X = np.array([[1., 2.], [3., -1.]], np.float32)
KERNEL = np.array([[0.5], [-0.25]], np.float32)


def loss_model():
    inp = KL.Input(shape=(2,))
    out = KL.Dense(1, use_bias=False, name='dense')(inp)
    square = KL.Lambda(lambda t: K.mean(K.square(t)), name='square_loss')(out)
    shift = KL.Lambda(lambda t: K.mean(K.abs(t - 1.)), name='shift_loss')(out)
    model = KM.Model(inp, [out, square, shift])
    model.get_layer('dense').set_weights([KERNEL])
    return model


def mrcnn_compile(model, names=('square_loss', 'shift_loss')):
    model._losses = []
    model._per_input_losses = {}
    for name in names:
        layer = model.get_layer(name)
        if layer.output in model.losses:
            continue
        model.add_loss(tf.reduce_mean(layer.output, keepdims=True))
    model.compile(optimizer=keras.optimizers.SGD(lr=0.0),
                  loss=[None] * len(model.outputs))
    for name in names:
        if name in model.metrics_names:
            continue
        model.metrics_names.append(name)
        model.metrics_tensors.append(
            tf.reduce_mean(model.get_layer(name).output, keepdims=True))


def expected_parts():
    out = X @ KERNEL
    return [float(np.mean(out ** 2)), float(np.mean(np.abs(out - 1)))]


def test_compiling_again_replaces_the_added_losses():
    model = loss_model()
    for _ in range(3):
        mrcnn_compile(model)
    assert model.metrics_names == ['loss', 'square_loss', 'shift_loss']
    result = model.train_on_batch(X, [])
    np.testing.assert_allclose(result, [sum(expected_parts())] +
                               expected_parts(), rtol=1e-6)


def test_compiling_again_after_training():
    model = loss_model()
    mrcnn_compile(model)
    model.train_on_batch(X, [])
    mrcnn_compile(model)   # a second training stage
    result = model.train_on_batch(X, [])
    np.testing.assert_allclose(result, [sum(expected_parts())] +
                               expected_parts(), rtol=1e-6)


def test_assigning_losses_other_than_none_is_not_supported():
    model = loss_model()
    with pytest.raises(NotImplementedError, match='_losses'):
        model._losses = [K.constant(1.)]
