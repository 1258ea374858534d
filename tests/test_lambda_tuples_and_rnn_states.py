"""Layers whose `call` returns a tuple or a named tuple, and the carried
states of stateful RNNs as variables. Expected values come from tf_keras
2.21 (TensorFlow 2.21) and real Keras 2.3.1 on TensorFlow, as noted."""
import collections

import numpy as np
import pytest

import keras_compat as keras
from keras_compat import backend as K
from keras_compat.backend import common

NT = collections.namedtuple('NT', ['a', 'b'])


@pytest.fixture
def tf_keras():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


def test_lambda_tuple_stays_tuple_in_tf_keras(tf_keras):
    # tf_keras 2.21: the symbolic call gives a tuple, `model.output` a
    # tuple, `model.outputs` a list, predict a tuple of arrays.
    inp = keras.layers.Input((3,))
    out = keras.layers.Lambda(lambda x: (x, 2 * x))(inp)
    assert type(out) is tuple and len(out) == 2
    model = keras.models.Model(inp, out)
    assert type(model.output) is tuple
    assert type(model.outputs) is list
    pred = model.predict(np.ones((2, 3), 'float32'), verbose=0)
    assert type(pred) is tuple
    np.testing.assert_allclose(pred[1], np.full((2, 3), 2.0))


def test_lambda_one_element_tuple(tf_keras):
    # tf_keras 2.21: `lambda x: (x,)` gives a tuple of one; predict too.
    inp = keras.layers.Input((3,))
    out = keras.layers.Lambda(lambda x: (x,))(inp)
    assert type(out) is tuple and len(out) == 1
    pred = keras.models.Model(inp, out).predict(np.ones((1, 3), 'float32'),
                                                verbose=0)
    assert type(pred) is tuple


def test_lambda_namedtuple_in_tf_keras(tf_keras):
    # tf_keras 2.21: the named tuple's type and fields carry through the
    # call, `model.output` and predict; a list of its items stays a list.
    inp = keras.layers.Input((3,))
    out = keras.layers.Lambda(lambda x: NT(x, 3 * x))(inp)
    assert type(out) is NT and out.b._keras_shape == (None, 3)
    model = keras.models.Model(inp, out)
    assert type(model.output) is NT
    pred = model.predict(np.ones((1, 3), 'float32'), verbose=0)
    assert type(pred) is NT
    np.testing.assert_allclose(pred.b, [[3.0, 3.0, 3.0]])
    listed = keras.models.Model(inp, list(out))
    assert type(listed.predict(np.ones((1, 3), 'float32'),
                               verbose=0)) is list


def test_combined_nms_style_lambda(tf_keras):
    # A Lambda wrapping a function that returns a named tuple of four
    # (tf.image.combined_non_max_suppression's idiom). tf_keras 2.21 gives
    # the same type, fields and shapes [(None, 3, 4), (None, 3), (None, 3),
    # (None,)].
    Result = collections.namedtuple('Result', [
        'nmsed_boxes', 'nmsed_scores', 'nmsed_classes', 'valid_detections'])

    def detect(x):
        boxes, scores = x
        top = K.max(scores, axis=-1)
        return Result(boxes[:, :3, 0, :], top[:, :3], top[:, :3] * 0,
                      K.cast(K.sum(K.ones_like(top), axis=-1), 'int32'))
    b = keras.layers.Input((4, 1, 4))
    s = keras.layers.Input((4, 2))
    out = keras.layers.Lambda(detect)([b, s])
    assert type(out) is Result
    assert [t._keras_shape for t in out] == [(None, 3, 4), (None, 3),
                                            (None, 3), (None,)]
    model = keras.models.Model([b, s], out)
    pred = model.predict([np.zeros((1, 4, 1, 4), 'float32'),
                          np.ones((1, 4, 2), 'float32')], verbose=0)
    assert type(pred) is Result
    np.testing.assert_array_equal(pred.valid_detections, [4])


def test_custom_layer_tuple_keras2_is_list():
    # Keras 2 (standalone): the graph tensors of a call returning several
    # come in a list (Keras 2.3.1 cannot take a tuple from `call` at all).
    class Two(keras.layers.Layer):
        def call(self, x):
            return (x, 2 * x)

        def compute_output_shape(self, input_shape):
            return [input_shape, input_shape]
    inp = keras.layers.Input((3,))
    out = Two()(inp)
    assert type(out) is list and len(out) == 2


def _stateful_lstm():
    return keras.models.Sequential([keras.layers.LSTM(
        2, stateful=True, batch_input_shape=(1, 3, 2),
        kernel_initializer='ones', recurrent_initializer='ones',
        bias_initializer='zeros')])


def test_states_are_named_variables_keras2():
    # Keras 2.3.1: 'lstm_1/Variable:0', 'lstm_1/Variable_1:0', shape (1, 2).
    model = _stateful_lstm()
    layer = model.layers[0]
    states = layer.states
    assert [s.name for s in states] == ['%s/Variable:0' % layer.name,
                                        '%s/Variable_1:0' % layer.name]
    assert str(states[0].shape) == '(1, 2)'
    assert K.int_shape(states[0]) == (1, 2)
    assert layer.states[0] is states[0]


def test_states_are_named_variables_tf_keras(tf_keras):
    # tf_keras 2.21: every state is '<layer>/Variable:0' ('gru/Variable:0').
    model = keras.models.Sequential([keras.layers.GRU(
        3, stateful=True, batch_input_shape=(2, 2, 1))])
    layer = model.layers[0]
    assert [s.name for s in layer.states] == ['%s/Variable:0' % layer.name]
    assert K.int_shape(layer.states[0]) == (2, 3)
    assert str(layer.states[0].shape) == '(2, 3)'


def test_held_states_follow_predict_and_set_value():
    # tf_keras 2.21 and Keras 2.3.1 give the same numbers: variables held
    # before predict show the new states; K.set_value on them sets the
    # states the next predict starts from.
    model = _stateful_lstm()
    held = model.layers[0].states
    x = np.full((1, 3, 2), 0.1, 'float32')
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               [[0.289079, 0.289079]], atol=1e-6)
    np.testing.assert_allclose(K.get_value(held[1]), [[0.503125, 0.503125]],
                               atol=1e-6)
    K.set_value(held[0], np.full((1, 2), 0.5, 'float32'))
    K.set_value(held[1], np.full((1, 2), -0.5, 'float32'))
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               [[0.437152, 0.437152]], atol=1e-6)
    np.testing.assert_allclose(
        [K.get_value(s) for s in held],
        [[[0.437152, 0.437152]], [[0.779051, 0.779051]]], atol=1e-6)
    model.layers[0].reset_states(states=[np.ones((1, 2)), np.zeros((1, 2))])
    np.testing.assert_array_equal(K.get_value(held[0]), [[1.0, 1.0]])
    model.layers[0].reset_states()
    np.testing.assert_array_equal(K.get_value(held[0]), [[0.0, 0.0]])


def test_set_value_on_states_between_training_batches():
    # tf_keras 2.21: losses [0.832515, 0.939265], final state 0.484539.
    model = keras.models.Sequential([keras.layers.SimpleRNN(
        2, stateful=True, batch_input_shape=(1, 3, 2),
        kernel_initializer='ones', recurrent_initializer='ones')])
    model.compile('sgd', 'mse')
    held = model.layers[0].states

    class Halve(keras.callbacks.Callback):
        def on_batch_end(self, batch, logs=None):
            K.set_value(held[0], K.get_value(held[0]) * 0.5)
    history = model.fit(np.full((2, 3, 2), 0.1, 'float32'), np.zeros((2, 2)),
                        epochs=2, batch_size=1, verbose=0, shuffle=False,
                        callbacks=[Halve()])
    np.testing.assert_allclose(history.history['loss'], [0.832515, 0.939265],
                               atol=1e-5)
    np.testing.assert_allclose(K.get_value(held[0]), [[0.484539, 0.484539]],
                               atol=1e-5)


def test_wrapped_state_names_keras2():
    # Keras 2.3.1: 'bidirectional_1/forward_lstm_1/Variable:0', ...
    model = keras.models.Sequential([keras.layers.Bidirectional(
        keras.layers.LSTM(2, stateful=True), batch_input_shape=(1, 2, 3))])
    wrapper = model.layers[0]
    forward = wrapper.forward_layer
    assert [s.name for s in forward.states] == [
        '%s/%s/Variable:0' % (wrapper.name, forward.name),
        '%s/%s/Variable_1:0' % (wrapper.name, forward.name)]


def test_wrapped_state_names_tf_keras(tf_keras):
    # tf_keras 2.21: ['bidirectional/forward_lstm/Variable:0'] * 2.
    model = keras.models.Sequential([keras.layers.Bidirectional(
        keras.layers.LSTM(2, stateful=True), batch_input_shape=(1, 2, 3))])
    wrapper = model.layers[0]
    forward = wrapper.forward_layer
    assert [s.name for s in forward.states] == [
        '%s/%s/Variable:0' % (wrapper.name, forward.name)] * 2
