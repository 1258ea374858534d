"""How K.function takes its outputs and values, as activation inspectors
(keract) use it with Keras 2 and tf.keras."""
import collections

import numpy as np
import pytest

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import layers


def _model():
    inputs = layers.Input((4,), name='inp')
    hidden = layers.Dense(3, kernel_initializer='ones', name='d1')(inputs)
    out = layers.Dense(2, kernel_initializer='ones', name='d2')(hidden)
    model = keras.Model(inputs, out)
    model.compile('adam', 'mse')
    return model


X = np.arange(8, dtype='float32').reshape(2, 4) / 10.


def test_outputs_given_as_dict_values():
    model = _model()
    nodes = collections.OrderedDict(
        (layer.name, layer.output) for layer in model.layers[1:])
    results = K.function(model.inputs, nodes.values())([X])
    assert isinstance(results, list)
    np.testing.assert_allclose(results[0], np.tile(X.sum(1, keepdims=True),
                                                   (1, 3)), rtol=1e-6)
    assert results[1].shape == (2, 2)


def test_standardized_data_without_targets_feeds_a_function():
    model = _model()
    data = model._standardize_user_data(X)
    assert data[1:] == ([], [])
    # Keras 2.3 (TensorFlow's function) flattens the nested (x, y,
    # weights) feed: the empty lists feed nothing, so a function of every
    # placeholder runs on the inputs alone.
    everything = model._feed_inputs + model._feed_targets + \
        model._feed_sample_weights
    out = K.function(everything, [model.output])(data)[0]
    np.testing.assert_allclose(out, np.tile(3 * X.sum(1, keepdims=True),
                                            (1, 2)), rtol=1e-6)
    out = K.function(model._feed_inputs, [model.output])(data)[0]
    np.testing.assert_allclose(out, np.tile(3 * X.sum(1, keepdims=True),
                                            (1, 2)), rtol=1e-6)


def test_symbolic_tensors_private_op_is_their_tensorflow_operation():
    # (keract tells placeholders apart by `tensor._op.type`; cleverhans
    # reads the logits as `softmax._op.inputs[0]`.)
    inputs = layers.Input((2,))
    assert inputs._op.type == 'Placeholder'
    assert inputs._op is inputs.op


def test_gradients_of_a_dict_view_of_weights():
    model = _model()
    weights = collections.OrderedDict(
        (w.name, w) for w in model.trainable_weights)
    grads = model.optimizer.get_gradients(model.total_loss, weights.values())
    assert len(grads) == 4
