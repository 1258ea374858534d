"""TensorFlow names of graph tensors: a layer's output is the output of
the last op its call made, inside its name scope, and the default graph
finds tensors and ops by those names. Expected names are those Keras 2.3.1
(on TensorFlow 1 graph mode) and tf_keras 2.21 give."""
import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common
from keras_compat.layers import (Activation, Add, Concatenate, Conv2D, Dense,
                                 Flatten, Input, Multiply)
from keras_compat.models import Model, Sequential


@pytest.fixture(autouse=True)
def fresh_graph():
    K.clear_session()
    yield
    common.set_api_flavour('keras')
    K.clear_session()


@pytest.fixture
def tf_keras():
    common.set_api_flavour('tf.keras')
    K.clear_session()


def _names(tensor):
    return tensor.name, tensor.op.name, tensor.op.type


def test_keras2_layer_outputs_are_named_by_their_last_op():
    # Keras 2.3.1: 'input_1:0', 'dense_1/Softmax:0' (op type Softmax), ...
    x = Input((3,))
    assert _names(x) == ('input_1:0', 'input_1', 'Placeholder')
    assert _names(Dense(2, activation='softmax')(x)) == \
        ('dense_1/Softmax:0', 'dense_1/Softmax', 'Softmax')
    assert Dense(2)(x).name == 'dense_2/BiasAdd:0'
    assert Dense(2, use_bias=False)(x).name == 'dense_3/MatMul:0'
    assert _names(Dense(2, activation='hard_sigmoid')(x)) == \
        ('dense_4/clip_by_value:0', 'dense_4/clip_by_value', 'Maximum')
    assert Dense(2, activation='selu')(x).name == 'dense_5/mul_1:0'
    image = Input((8, 8, 3))
    assert Conv2D(2, 3)(image).name == 'conv2d_1/BiasAdd:0'
    assert Conv2D(2, 3, use_bias=False)(image).name == \
        'conv2d_2/convolution:0'
    assert Flatten()(image).name == 'flatten_1/Reshape:0'
    # (Keras 2's softmax over more than two axes ends with a division.)
    assert _names(Activation('softmax')(image)) == \
        ('activation_1/truediv:0', 'activation_1/truediv', 'RealDiv')
    a, b = Input((3,)), Input((3,))
    assert Add()([a, b]).name == 'add_1/add:0'
    assert Multiply()([a, b, a]).name == 'multiply_1/mul_1:0'
    assert _names(Concatenate()([a, b])) == \
        ('concatenate_1/concat:0', 'concatenate_1/concat', 'ConcatV2')


def test_keras2_names_are_unique_in_the_graph():
    # Keras 2.3.1: a shared layer's second call opens 'dense_1_1'; graph
    # functions at the top level are 'Mean', 'Mean_1', 'add', ...
    x = Input((3,))
    dense = Dense(2, activation='relu')
    assert dense(x).name == 'dense_1/Relu:0'
    assert dense(x).name == 'dense_1_1/Relu:0'
    assert [K.mean(x).name, K.mean(x).name] == ['Mean:0', 'Mean_1:0']
    assert [(x + 1).name, (x + 1).name, (x * x).name, (x / 2).name,
            K.concatenate([x, x]).name, x[:, 0].name] == \
        ['add:0', 'add_1:0', 'mul:0', 'truediv:0', 'concat:0',
         'strided_slice:0']
    assert [K.placeholder((2,)).name, K.placeholder((2,)).name] == \
        ['Placeholder:0', 'Placeholder_1:0']


def test_keras2_model_outputs_for_freezing():
    model = Sequential([Dense(2, input_shape=(3,)),
                        Dense(1, activation='sigmoid')])
    # Keras 2.3.1: 'dense_1_input:0' and ['dense_2/Sigmoid'].
    assert model.input.name == 'dense_1_input:0'
    assert [out.op.name for out in model.outputs] == ['dense_2/Sigmoid']
    assert model.output.name.split(':')[0] == 'dense_2/Sigmoid'
    # A model called on a new tensor: its layers' ops inside its scope.
    assert model(Input((3,))).name == 'sequential_1/dense_2/Sigmoid:0'
    # TensorFlow 1's printing of graph tensors.
    assert repr(model.output) == \
        "<tf.Tensor 'dense_2/Sigmoid:0' shape=(?, 1) dtype=float32>"
    assert str(model.input) == \
        'Tensor("dense_1_input:0", shape=(?, 3), dtype=float32)'


def test_default_graph_finds_tensors_ops_and_variables_by_name():
    x = Input((3,))
    dense = Dense(2, activation='relu')
    y = dense(x)
    model = Model(x, K.sum(Dense(1)(y), axis=1))
    graph = tf.get_default_graph()
    assert graph.get_tensor_by_name('input_1:0') is x
    assert graph.get_tensor_by_name('dense_1/Relu:0') is y
    op = graph.get_operation_by_name('dense_1/Relu')
    assert (op.name, op.type) == ('dense_1/Relu', 'Relu')
    assert op.outputs[0] is y
    assert model.output.name == 'Sum:0'
    assert graph.get_tensor_by_name(model.output.name) is model.output
    assert graph.get_tensor_by_name('dense_1/kernel:0').name == \
        'dense_1/kernel:0'
    assert graph.get_operation_by_name('dense_1/kernel').name == \
        'dense_1/kernel'
    names = [node.name for node in graph.as_graph_def().node]
    assert 'dense_1/Relu' in names and 'input_1' in names
    # TensorFlow's errors for unknown names.
    with pytest.raises(KeyError, match="The name 'nope:0' refers to a "
                       "Tensor which does not exist. The operation, "
                       "'nope', does not exist in the graph."):
        graph.get_tensor_by_name('nope:0')
    with pytest.raises(KeyError, match="The name 'nope' refers to an "
                       "Operation not in the graph."):
        graph.get_operation_by_name('nope')
    with pytest.raises(ValueError, match='looks like an'):
        graph.get_tensor_by_name('nope')
    with pytest.raises(KeyError, match="exists but only has 1 outputs"):
        graph.get_tensor_by_name('dense_1/Relu:1')


def test_a_session_runs_a_tensor_found_by_name():
    x = Input((3,))
    Dense(2, activation='softmax', kernel_initializer='ones')(x)
    sess = K.get_session()
    graph = sess.graph
    out = graph.get_tensor_by_name('dense_1/Softmax:0')
    result = sess.run(out, {graph.get_tensor_by_name('input_1:0'):
                            np.ones((1, 3), 'float32')})
    np.testing.assert_allclose(result, [[0.5, 0.5]], rtol=1e-6)


def test_variable_ops_are_named():
    assert K.variable(1.).op.name == 'Variable'
    assert K.variable(1., name='myvar').op.name == 'myvar'
    assert tf.Variable(1.).name == 'Variable_1:0'


def test_tf_keras_names(tf_keras):
    # tf_keras 2.21: KerasTensor names of each traced call.
    x = Input((3,))
    assert x.name == 'input_1'
    dense = Dense(2, activation='softmax')
    assert dense(x).name == 'dense/Softmax:0'
    assert dense(x).name == 'dense/Softmax:0'
    assert Dense(2, activation='selu')(x).name == 'dense_1/Selu:0'
    assert K.mean(x).name == 'tf.math.reduce_mean/Mean:0'
    assert (x + x).name == 'tf.__operators__.add/AddV2:0'
    assert (x * 2).name == 'tf.math.multiply/Mul:0'
    model = Model(x, Dense(1, activation='sigmoid', name='out')(x))
    assert model.output.name == 'out/Sigmoid:0'
    assert model(Input((3,))).name == 'model/out/Sigmoid:0'
