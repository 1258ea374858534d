"""Idioms of quantization / binarized-network libraries written on
tf.keras (QKeras, Larq): quantizers as `tf.Module` subclasses, straight-
through estimators built from `K.cast_to_floatx`, `tf.stop_gradient` and
`tf.custom_gradient`, weight-clipping constraints, quantizer objects kept
in layer configs. Expected values are tf_keras 2.21's (TensorFlow 2.21),
obtained by running the same code there."""
import numpy as np
import pytest

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common


def _np(tensor):
    return np.asarray(K.eval(tensor))


@pytest.fixture
def tf_keras():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


class _BaseQuantizer(tf.Module):
    # (QKeras: its __init__ does not call tf.Module's.)
    def __init__(self):
        self.built = False


class _QBits(_BaseQuantizer):
    def __init__(self):
        super(_QBits, self).__init__()
        self.scale = tf.Variable(2.0, trainable=False)
        self.alpha = tf.Variable([1.0, 3.0])
        self.inner = [tf.Module(name='inner_mod')]


def test_module_subclass_finds_variables_and_submodules():
    # TensorFlow 2.21: variables [[1., 3.], 2.] (attribute-name order),
    # trainable [[1., 3.]], one submodule named 'inner_mod'.
    q = _QBits()
    assert [_np(v).tolist() for v in q.variables] == [[1.0, 3.0],
                                                              2.0]
    assert [_np(v).tolist() for v in q.trainable_variables] == [
        [1.0, 3.0]]
    assert [m.name for m in q.submodules] == ['inner_mod']
    assert isinstance(q, tf.Module)
    assert isinstance(keras.layers.Dense(2), tf.Module)


def test_module_name_defaults_to_snake_case_and_is_validated():
    class MyQuantizer(tf.Module):
        pass
    assert MyQuantizer().name == 'my_quantizer'
    with pytest.raises(ValueError, match='not a valid module name'):
        tf.Module(name='bad name')
    with pytest.raises(AttributeError):
        _BaseQuantizer().name


def _quantized_bits_4(x):
    # QKeras quantized_bits(4, 0, alpha=1) in its own style.
    x = K.cast_to_floatx(x)
    m = K.cast_to_floatx(pow(2, 3))
    xq = K.clip(tf.round(x * m), -m + 1, m - 1) / m
    return x + tf.stop_gradient(-x + xq)


def test_cast_to_floatx_of_a_variable_keeps_the_gradient():
    # tf_keras 2.21: values [0.25, -0.75, 0.125, 0.5], gradient [1, 2, 3, 4]
    # (straight through).
    v = tf.Variable(np.array([[0.3, -0.7], [0.1, 0.45]], 'float32'))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(_quantized_bits_4(v) *
                          tf.constant([[1., 2.], [3., 4.]]))
    np.testing.assert_allclose(_np(_quantized_bits_4(v)).ravel(),
                               [0.25, -0.75, 0.125, 0.5])
    np.testing.assert_allclose(_np(tape.gradient(y, v)).ravel(),
                               [1., 2., 3., 4.])
    assert isinstance(K.cast_to_floatx(2), np.ndarray)


def test_tf_op_lambda_importable_from_layers_core():
    from keras_compat.layers.core import TFOpLambda, SlicingOpLambda
    assert TFOpLambda is keras.layers.TFOpLambda
    assert SlicingOpLambda is keras.layers.SlicingOpLambda


# ---------------------------------------------------------------- Larq
def _sign(x):
    return tf.sign(tf.sign(x) + 0.1)


def _clipped_gradient(x, dy, clip_value):
    mask = tf.math.less_equal(tf.math.abs(x), clip_value)
    return tf.where(mask, dy, tf.zeros_like(dy))


def _ste_sign(x, clip_value=1.0):
    @tf.custom_gradient
    def _call(x):
        def grad(dy):
            return _clipped_gradient(x, dy, clip_value)
        return _sign(x), grad
    return _call(x)


@tf.custom_gradient
def _approx_sign(x):
    def grad(dy):
        abs_x = tf.math.abs(x)
        mask = tf.math.less_equal(abs_x, 1.0)
        return tf.where(mask, (1 - abs_x) * 2 * dy, tf.zeros_like(dy))
    return _sign(x), grad


def _dorefa(x, k_bit=2):
    n = 2 ** k_bit - 1

    @tf.custom_gradient
    def _k_bit_with_identity_grad(x):
        return tf.round(x * n) / n, lambda dy: dy
    return _k_bit_with_identity_grad(tf.clip_by_value(x, 0.0, 1.0))


@pytest.mark.parametrize('quantizer, values, grads', [
    (_ste_sign, [-1, -1, -1, 1, 1, 1, 1], [0, 2, 3, 4, 5, 6, 0]),
    (_approx_sign, [-1, -1, -1, 1, 1, 1, 1], [0, 0, 3, 8, 5, 0, 0]),
    (_dorefa, [0, 0, 0, 0, 0.666667, 1, 1], [0, 0, 0, 4, 5, 6, 0]),
    (lambda v: _ste_sign(v, clip_value=0.5), [-1, -1, -1, 1, 1, 1, 1],
     [0, 0, 3, 4, 5, 0, 0]),
])
def test_custom_gradient_quantizers(quantizer, values, grads):
    # tf_keras 2.21 on linspace(-1.5, 1.5, 7), loss sum(q(v) * [1..7]).
    v = tf.Variable(np.linspace(-1.5, 1.5, 7).astype('float32'))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(quantizer(v) * tf.range(1., 8.))
    np.testing.assert_allclose(_np(quantizer(v)), values, atol=1e-6)
    np.testing.assert_allclose(_np(tape.gradient(y, v)), grads,
                               atol=1e-6)


class _WeightClip(keras.constraints.Constraint):
    def __init__(self, clip_value=1):
        self.clip_value = clip_value

    def __call__(self, x):
        return tf.clip_by_value(x, -self.clip_value, self.clip_value)

    def get_config(self):
        return {'clip_value': self.clip_value}


class _QuantDense(keras.layers.Dense):
    def __init__(self, units, input_quantizer=None, kernel_quantizer=None,
                 **kwargs):
        self.input_quantizer = input_quantizer
        self.kernel_quantizer = kernel_quantizer
        super(_QuantDense, self).__init__(units, **kwargs)

    def call(self, inputs):
        if self.input_quantizer:
            inputs = self.input_quantizer(inputs)
        kernel = self.kernel_quantizer(self.kernel) \
            if self.kernel_quantizer else self.kernel
        out = tf.matmul(inputs, kernel)
        return tf.nn.bias_add(out, self.bias) if self.use_bias else out


def test_binarized_dense_network_trains_as_tf_keras(tf_keras):
    # tf_keras 2.21: first predictions and Adam(0.05) losses over 3 epochs.
    rng = np.random.RandomState(1)
    x = rng.uniform(-1, 1, (16, 5)).astype('float32')
    y = np.eye(3)[rng.randint(0, 3, 16)].astype('float32')
    model = keras.Sequential([
        keras.layers.InputLayer(input_shape=(5,)),
        _QuantDense(8, kernel_quantizer=_ste_sign,
                    kernel_constraint=_WeightClip(0.3), use_bias=False),
        keras.layers.BatchNormalization(momentum=0.9, scale=False),
        _QuantDense(3, input_quantizer=_approx_sign,
                    kernel_quantizer=_ste_sign,
                    kernel_constraint=_WeightClip(0.3)),
        keras.layers.Activation('softmax')])
    weights = [rng.uniform(-0.5, 0.5, w.shape).astype('float32')
               for w in model.get_weights()]
    weights[2] = np.zeros_like(weights[2])
    weights[3] = np.ones_like(weights[3])
    model.set_weights(weights)
    np.testing.assert_allclose(model.predict(x, verbose=0)[:2],
                               [[0.713631, 0.181697, 0.104672],
                                [0.868554, 0.00405, 0.127395]], atol=1e-5)
    model.compile(keras.optimizers.Adam(0.05), 'categorical_crossentropy')
    history = model.fit(x, y, batch_size=8, epochs=3, verbose=0,
                        shuffle=False)
    np.testing.assert_allclose(
        history.history['loss'],
        [2.8783087730407715, 2.250924587249756, 1.9210383892059326],
        rtol=1e-5)
    assert np.abs(model.get_weights()[4]).max() <= 0.3 + 1e-7


# ------------------------------------------- quantizer objects in configs
class _Quant(object):
    def __init__(self, bits=2):
        self.bits = bits

    def __call__(self, x):
        n = 2. ** self.bits - 1
        return x + tf.stop_gradient(tf.round(x * n) / n - x)

    def get_config(self):
        return {'bits': self.bits}


class _QAct(keras.layers.Layer):
    def __init__(self, activation, **kwargs):
        super(_QAct, self).__init__(**kwargs)
        self.activation = activation

    def call(self, x):
        return self.activation(x)

    def get_config(self):
        config = super(_QAct, self).get_config()
        config['activation'] = self.activation
        return config


def test_passively_serialized_config_item_is_revived(tf_keras):
    # As tf_keras 2.21 writes an object a layer's get_config returns into
    # an HDF5 model config, and revives it when loading the file.
    config = {'class_name': '_QAct', 'config': {
        'name': 'q', 'trainable': True, 'dtype': 'float32',
        'activation': {'class_name': '_Quant', 'config': {'bits': 2},
                       '__passive_serialization__': True}}}
    layer = keras.layers.deserialize(
        config, custom_objects={'_QAct': _QAct, '_Quant': _Quant})
    assert isinstance(layer.activation, _Quant)
    assert layer.activation.bits == 2
    out = layer(np.array([[0.1, 0.4, 0.9]], 'float32'))
    np.testing.assert_allclose(_np(out), [[0., 1 / 3., 1.]],
                               atol=1e-6)


def test_registered_function_name_in_config_is_revived(tf_keras):
    # tf_keras: a config string naming a custom function is that function.
    def scaled(x):
        return x * 3.

    config = {'class_name': '_QAct', 'config': {
        'name': 'q', 'trainable': True, 'dtype': 'float32',
        'activation': 'scaled'}}
    layer = keras.layers.deserialize(
        config, custom_objects={'_QAct': _QAct, 'scaled': scaled})
    assert layer.activation is scaled


class _HalvedKernelConv(keras.layers.Conv2D):
    """A Conv2D subclass creating its own kernel in build (QKeras's
    QConv2D / QDepthwiseConv2D pattern) and computing with it."""

    def build(self, input_shape):
        self.kernel = self.add_weight(
            name='kernel', shape=self.kernel_size + (int(input_shape[-1]),
                                                     self.filters),
            initializer=keras.initializers.Constant(0.5))
        self.bias = None
        self.built = True

    def call(self, inputs):
        return K.conv2d(inputs, self.kernel * 0.5, padding='valid')


def test_subclass_build_assigning_kernel_computes_with_it(tf_keras):
    layer = _HalvedKernelConv(2, (2, 2), use_bias=False)
    x = np.arange(18, dtype='float32').reshape(1, 3, 3, 2)
    out = _np(layer(x))
    # Each output: 0.25 * (sum of the 2x2x2 window), as the formula gives.
    windows = np.array([[x[0, i:i + 2, j:j + 2].sum() for j in range(2)]
                        for i in range(2)])
    np.testing.assert_allclose(out[0, :, :, 0], 0.25 * windows)
    np.testing.assert_allclose(K.get_value(layer.weights[0]),
                               np.full((2, 2, 2, 2), 0.5))
    assert [w.name for w in layer.weights] == [layer.name + '/kernel:0']


def test_graph_tensor_ref_is_hashable_and_derefs(tf_keras):
    inputs = keras.Input((2,))
    outputs = keras.layers.Dense(1)(inputs)
    refs = {inputs.ref(): 'in', outputs.experimental_ref(): 'out'}
    assert refs[outputs.ref()] == 'out'
    assert inputs.ref().deref() is inputs
    assert inputs.ref() != outputs.ref()
