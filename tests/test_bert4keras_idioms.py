"""Idioms of bert4keras-style code: backend functions rebound on
`keras.backend` that call TensorFlow operations, TensorFlow internals
imported from `tensorflow.python.*`, broadcasting helpers and list
indices. Expected values come from tf_keras 2.21 / TensorFlow 2.21."""
import numpy as np
import pytest

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import tensorflow_compat as tf


@pytest.fixture
def rebound_reshape():
    """`K.reshape = reshape`, where `reshape` calls `tf.reshape`."""
    original = K.reshape

    def reshape(tensor, *args):
        if len(args) == 1:
            return tf.reshape(tensor, args[0])
        raise NotImplementedError
    K.reshape = reshape
    yield
    K.reshape = original


def test_tf_operations_do_not_call_rebound_backend_functions(
        rebound_reshape):
    x = K.constant(np.arange(6.).reshape(2, 3))
    y = K.eval(K.reshape(x, (3, 2)))
    np.testing.assert_allclose(y, [[0, 1], [2, 3], [4, 5]])
    np.testing.assert_allclose(K.eval(tf.reshape(x, [-1])), np.arange(6.))


def test_broadcast_dynamic_shape():
    # tf_keras: [2 4 3]
    shape = tf.broadcast_dynamic_shape(tf.constant([2, 1, 3]),
                                       tf.constant([4, 1]))
    np.testing.assert_array_equal(K.eval(shape), [2, 4, 3])
    # tf_keras: (None, 4, 3)
    static = tf.broadcast_static_shape(tf.TensorShape([None, 1, 3]),
                                       tf.TensorShape([4, 1]))
    assert static.as_list() == [None, 4, 3]
    with pytest.raises(ValueError):
        tf.broadcast_static_shape(tf.TensorShape([2]), tf.TensorShape([3]))


def test_where_with_broadcast_shapes():
    x = K.constant(np.arange(6.).reshape(2, 3))
    shape = tf.broadcast_dynamic_shape(K.shape(x),
                                       K.shape(K.constant([[1.], [0.]])))
    y = tf.broadcast_to(K.constant(-1e4), shape)
    cond = tf.broadcast_to(K.constant([[True, False, True]], dtype='bool'),
                           shape)
    out = K.eval(tf.where(cond, x, y))
    np.testing.assert_allclose(out, [[0, -1e4, 2], [3, -1e4, 5]])


def test_list_of_slices_indexes_like_a_tuple():
    # bert4keras' `align`: tensor[[None, slice(None), ...]]
    a = K.constant(np.arange(6.).reshape(2, 3))
    assert tuple(a[[slice(None), None, slice(None)]].shape) == (2, 1, 3)
    assert tuple(a[[None, Ellipsis]].shape) == (1, 2, 3)


def test_tensorflow_internal_modules():
    device_lib = tf.python.client.device_lib
    devices = device_lib.list_local_devices()
    assert devices[0].device_type == 'CPU'
    assert devices[0].name == '/device:CPU:0'
    tf_inspect = tf.python.util.tf_inspect
    # tf_keras: ArgSpec(args=['a', 'b'], varargs=None, keywords='kw',
    # defaults=(1,))
    spec = tf_inspect.getargspec(lambda a, b=1, **kw: 0)
    assert (spec.args, spec.varargs, spec.keywords, spec.defaults) == (
        ['a', 'b'], None, 'kw', (1,))
    assert tf_inspect.getfullargspec(lambda a: 0).args == ['a']
    with tf.python.eager.tape.stop_recording():
        pass


def test_graph_mode_decorator_gives_the_custom_gradient():
    decorator = tf.python.ops.custom_gradient._graph_mode_decorator

    def call_and_grad(x):
        def grad(dy):
            return dy * 3.0
        return x * 2.0, grad
    x = K.variable(np.array([1.0, 2.0]))
    with tf.GradientTape() as tape:
        y = K.sum(decorator(call_and_grad, (x,), {}))
    np.testing.assert_allclose(K.eval(tape.gradient(y, x)), [3.0, 3.0])

def _lm_mask(s):
    idxs = K.arange(0, K.shape(s)[1])
    return idxs[None, :] <= idxs[:, None]


class _Masked(keras.layers.Layer):
    """bert4keras' MultiHeadAttention shape: Dense sub-layers made in
    `build`, a (length, length) boolean bias as a second input."""

    def build(self, input_shape):
        super(_Masked, self).build(input_shape)
        self.dense = keras.layers.Dense(2)
        self.out_dense = keras.layers.Dense(2)

    def call(self, inputs):
        x, bias = inputs
        a = K.batch_dot(self.dense(x), self.dense(x), axes=2)
        a = a + (1.0 - K.cast(bias, 'float32'))[None] * -1e4
        return self.out_dense(K.batch_dot(K.softmax(a), x))

    def compute_output_shape(self, input_shape):
        return input_shape[0][:2] + (2,)


def test_symbolic_outputs_take_the_traced_dtype():
    x = keras.layers.Input((None,))
    # tf_keras: bool, int32
    assert K.dtype(keras.layers.Lambda(_lm_mask)(x)) == 'bool'
    cast = keras.layers.Lambda(lambda s: K.cast(s, 'int32'))(x)
    assert K.dtype(cast) == 'int32'


def test_sublayers_built_where_a_mask_has_unknown_lengths():
    x = keras.layers.Input((None, 2))
    mask = keras.layers.Lambda(lambda t: _lm_mask(t[..., 0]))(x)
    layer = _Masked()
    layer([x, mask])
    # tf_keras builds all four weights when the model is made.
    assert len(layer.weights) == 4


def test_layer_output_of_a_shared_layer_is_its_first_call():
    keras.backend.common.set_api_flavour('tf.keras')
    try:
        dense = keras.layers.Dense(2)
        a, b = keras.layers.Input((3,)), keras.layers.Input((3,))
        first = dense(a)
        dense(b)
        assert dense.output is first and dense.input is a
    finally:
        keras.backend.common.set_api_flavour('keras')
