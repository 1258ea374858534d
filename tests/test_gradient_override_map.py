"""`Graph.gradient_override_map` with `tf.RegisterGradient`: guided
backpropagation, straight-through estimators, gradient reversal, the op a
gradient function receives. Expected numbers come from the same programs
run with real Keras 2.2.4 (guided backpropagation) and tf_keras 2.21 in
TensorFlow 1 graph mode (the rest)."""
import numpy as np
import pytest

from keras_compat import activations
from keras_compat import backend as K
from keras_compat import tensorflow_compat as tf
from keras_compat.layers import (Activation, Conv2D, Dense, Flatten, Input,
                                 Layer, LeakyReLU)
from keras_compat.models import Model, Sequential
from keras_compat.optimizers import SGD

ops = tf.python.framework.ops
v1 = tf.compat.v1


def _conv_model():
    rs = np.random.RandomState(0)
    shapes = [(3, 3, 2, 3), (3,), (3, 3, 3, 4), (4,), (16, 2), (2,)]
    weights = [rs.uniform(-0.5, 0.5, s).astype('float32') for s in shapes]
    inp = Input((6, 6, 2))
    x = Conv2D(3, (3, 3), activation='relu', name='c1')(inp)
    x = Conv2D(4, (3, 3), activation='relu', name='c2')(x)
    out = Dense(2, activation='softmax', name='d')(Flatten()(x))
    model = Model(inp, out)
    model.set_weights(weights)
    return model


def _images():
    rs = np.random.RandomState(0)
    for s in [(3, 3, 2, 3), (3,), (3, 3, 3, 4), (4,), (16, 2), (2,)]:
        rs.uniform(-0.5, 0.5, s)
    return rs.uniform(-1, 1, (2, 6, 6, 2)).astype('float32')


def _register_guided():
    if 'GuidedBackProp' not in ops._gradient_registry._registry:
        @ops.RegisterGradient('GuidedBackProp')
        def _guided(op, grad):
            dtype = op.inputs[0].dtype
            return grad * tf.cast(grad > 0., dtype) * \
                tf.cast(op.inputs[0] > 0., dtype)


def _saliency_function(model, layer_name='c2'):
    layer_output = dict((l.name, l) for l in model.layers[1:])[
        layer_name].output
    saliency = K.gradients(K.sum(K.max(layer_output, axis=3)),
                           model.input)[0]
    return K.function([model.input, K.learning_phase()], [saliency])


# Real Keras 2.2.4 (TensorFlow 1): saliency[0, :, :, 0] and [1, :, :, 1]
# of the guided model, [0, :, :, 0] of the plain one.
GUIDED_0 = [
    [0., 0., 0.0254113, 0.1309971, -0.0763201, 0.0323226],
    [0., 0.0929604, 0.372641, 0.4522587, -0.3021145, 0.0208271],
    [0.0003126, 0.1594431, 0.5876707, -0.1168364, 0.215872, -0.2830409],
    [0.017525, 0.211117, 0.5893925, -0.0263298, -0.0344379, -0.2109452],
    [0.0740427, 0.3751791, -0.1845798, 0.4395938, -0.3219246, -0.0485842],
    [0.0679826, 0.422878, 0.2073528, 0.3916663, 0.0621932, -0.0233423]]
GUIDED_1 = [
    [0.0493042, 0.0386059, 0.1010921, -0.0041744, 0., 0.],
    [0.1074521, 0.0580129, 0.1156404, 0.0407307, -0.0340183, -0.1204987],
    [0.02424, -0.0861838, -0.0060959, 0.1921278, 0.3740932, 0.2314176],
    [0.0353016, 0.0084198, 0.1256024, 0.3157423, -0.1220503, 0.0568608],
    [-0.0091492, -0.0658113, -0.1865485, -0.3582733, -0.704317, -0.2529781],
    [0., 0., -0.0578364, -0.1192268, 0.2010489, 0.]]
PLAIN_0 = [
    [0., 0., -0.0718121, -0.0460073, -0.2686062, 0.0323226],
    [-0.1871109, -0.2761153, -0.1282549, 0.3493795, -0.426092, 0.0207426],
    [-0.3293106, -0.176104, 0.5724576, 0.1961253, 0.2774201, -0.2830954],
    [-0.1311519, 0.4514841, 0.7405339, 0.1260079, -0.0343506, -0.2109182],
    [-0.0184246, 0.2667987, -0.0169082, 0.6183023, -0.3219246, -0.0485842],
    [0.0444512, 0.3256832, 0.1478829, 0.4833918, 0.0621932, -0.0233423]]


def test_guided_backpropagation_of_a_model_built_in_the_block():
    model = _conv_model()
    _register_guided()
    g = tf.get_default_graph()
    with g.gradient_override_map({'Relu': 'GuidedBackProp'}):
        for layer in model.layers[1:]:
            if getattr(layer, 'activation', None) == activations.relu:
                layer.activation = tf.nn.relu
        guided_model = _conv_model()
    x = _images()
    s = _saliency_function(guided_model)([x, 0])[0]
    np.testing.assert_allclose(s[0, :, :, 0], GUIDED_0, atol=2e-6)
    np.testing.assert_allclose(s[1, :, :, 1], GUIDED_1, atol=2e-6)
    # The model built before the block keeps TensorFlow's gradient, also
    # when run inside a block.
    plain = _saliency_function(model)
    with g.gradient_override_map({'Relu': 'GuidedBackProp'}):
        inside = plain([x, 0])[0]
    np.testing.assert_allclose(plain([x, 0])[0][0, :, :, 0], PLAIN_0,
                               atol=2e-6)
    np.testing.assert_allclose(inside[0, :, :, 0], PLAIN_0, atol=2e-6)
    np.testing.assert_allclose(guided_model.predict(x),
                               [[0.5065715, 0.4934286],
                                [0.6050909, 0.3949092]], atol=1e-6)


def test_guided_backpropagation_in_a_session_of_a_new_graph():
    gen_nn_ops = tf.python.ops.gen_nn_ops

    @ops.RegisterGradient('GuidedRelu')
    def _guided_relu(op, grad):
        return tf.where(0. < grad, gen_nn_ops._relu_grad(grad, op.outputs[0]),
                        tf.zeros_like(grad))

    with tf.Graph().as_default() as g:
        with tf.Session(graph=g) as sess:
            with g.gradient_override_map({'Relu': 'GuidedRelu'}):
                model = _conv_model()
                out = model.get_layer('c2').output
                saliency = tf.gradients(
                    tf.reduce_sum(tf.reduce_max(out, axis=3)),
                    model.input)[0]
            s = sess.run(saliency, {model.input: _images()})
    np.testing.assert_allclose(s[0, :, :, 0], GUIDED_0, atol=2e-6)


@tf.RegisterGradient('ClippedSTE')
def _clipped_ste(op, grad):
    return grad * tf.cast(tf.abs(op.inputs[0]) <= 1.5, grad.dtype)


class BinaryDense(Dense):
    def call(self, inputs):
        with tf.get_default_graph().gradient_override_map(
                {'Sign': 'Identity'}):
            wb = tf.sign(self.kernel)
        return self.activation(K.bias_add(K.dot(inputs, wb), self.bias))


class Quantize(Layer):
    def call(self, x):
        with tf.get_default_graph().gradient_override_map(
                {'Round': 'ClippedSTE', 'Floor': 'Identity'}):
            return K.round(x * 2.) / 2. + tf.floor(x * 3.) / 3.


def _reverse_gradient(x, hp_lambda):
    _reverse_gradient.num_calls += 1
    grad_name = 'GradientReversal%d' % _reverse_gradient.num_calls

    @tf.RegisterGradient(grad_name)
    def _flip_gradients(op, grad):
        return [tf.negative(grad) * hp_lambda]
    with K.get_session().graph.gradient_override_map(
            {'Identity': grad_name}):
        return tf.identity(x)


_reverse_gradient.num_calls = 0


class GradientReversal(Layer):
    def __init__(self, hp_lambda, **kwargs):
        super(GradientReversal, self).__init__(**kwargs)
        self.hp_lambda = hp_lambda

    def call(self, x, mask=None):
        return _reverse_gradient(x, self.hp_lambda)


def test_straight_through_estimators_and_gradient_reversal_train():
    rs = np.random.RandomState(1)
    x = rs.uniform(-1, 1, (8, 4)).astype('float32')
    y = np.eye(3)[rs.randint(0, 3, 8)].astype('float32')
    inp = Input((4,))
    h = BinaryDense(6, activation='tanh', name='bd')(inp)
    h = Quantize(name='q')(h)
    h = Dense(5, activation='relu', name='d1')(h)
    h = GradientReversal(0.5, name='gr')(h)
    model = Model(inp, Dense(3, activation='softmax', name='d2')(h))
    model.set_weights([rs.uniform(-0.6, 0.6, w.shape).astype('float32')
                       for w in model.get_weights()])
    model.compile(SGD(lr=0.2), 'categorical_crossentropy')
    hist = model.fit(x, y, batch_size=4, epochs=3, shuffle=False,
                     verbose=0)
    # tf_keras 2.21, TensorFlow 1 graph mode (Keras 2.2.4's ref variables
    # let the update race the backward pass).
    np.testing.assert_allclose(hist.history['loss'],
                               [1.0589339, 1.0550565, 1.0371753], atol=1e-6)
    w = model.get_weights()
    np.testing.assert_allclose(w[0][0], [0.4136504, -0.573844, 0.3435429,
                                         0.5933576, 0.2607486, -0.2902507],
                               atol=2e-6)
    np.testing.assert_allclose(w[1], [-0.1216852, 0.2250073, -0.0606453,
                                      -0.5096902, 0.0968825, 0.1849669],
                               atol=2e-6)
    np.testing.assert_allclose(w[3], [0.1309763, -0.5770913, 0.1366846,
                                      -0.1982019, 0.0514576], atol=2e-6)
    np.testing.assert_allclose(w[5], [0.5489749, 0.3295596, -0.5679502],
                               atol=2e-6)


X = np.array([[-1.5, -0.2, 0.3], [0.7, 2.0, -0.9]], 'float32')


def test_nested_maps_and_the_op_given_to_the_gradient(graph_mode):
    seen = []

    @tf.RegisterGradient('OpInfo')
    def _op_info(op, grad):
        seen.append((op.type, op.get_attr('T') == tf.float32,
                     len(op.inputs)))
        return grad * op.outputs[0] * 10. + op.inputs[0]

    x = v1.placeholder(tf.float32, (None, 3))
    g = v1.get_default_graph()
    with g.gradient_override_map({'Tanh': 'OpInfo', 'Relu': 'NotThere'}):
        with g.gradient_override_map({'Tanh': 'Identity'}):
            a = tf.tanh(x)
        b = tf.tanh(x)
        r = tf.nn.relu(x)
        s = tf.sign(x)
    c = tf.tanh(x)
    sess = v1.Session()
    grads = [sess.run(v1.gradients(tf.reduce_sum(t), x)[0], {x: X})
             for t in (a, b, c, s)]
    # tf_keras 2.21, TensorFlow 1 graph mode.
    np.testing.assert_allclose(grads[0], np.ones((2, 3)))
    np.testing.assert_allclose(grads[1], [[-10.551483, -2.1737533, 3.2131264],
                                          [6.743677, 11.640276, -8.062979]],
                               rtol=1e-6)
    np.testing.assert_allclose(grads[2], [[0.1807065, 0.961043, 0.9151369],
                                          [0.6347396, 0.0706508, 0.4869174]],
                               atol=1e-6)
    np.testing.assert_allclose(grads[3], np.zeros((2, 3)))
    assert seen == [('Tanh', True, 1)]
    with pytest.raises(LookupError) as error:
        sess.run(v1.gradients(tf.reduce_sum(r), x)[0], {x: X})
    assert str(error.value).startswith(
        "No gradient defined for operation'Relu' (op type: Relu). In "
        "general every operation must have an associated "
        "`@tf.RegisterGradient` for correct autodiff")


def test_gradient_function_of_several_inputs_and_errors():
    x = K.variable(np.array([1., -2.], 'float32'))
    with pytest.raises(TypeError, match='op_type_map must be a dictionary '
                       'mapping strings to strings'):
        with tf.get_default_graph().gradient_override_map({'Relu': 1}):
            pass
    with pytest.raises(NotImplementedError, match='Mul'):
        with tf.get_default_graph().gradient_override_map({'Mul': 'X'}):
            pass

    @tf.RegisterGradient('TwoGradients')
    def _two(op, grad):
        return [grad, None]

    with tf.get_default_graph().gradient_override_map(
            {'Square': 'TwoGradients'}):
        y = tf.square(x)
    with pytest.raises(ValueError, match='Num gradients 2 generated for op'):
        K.gradients(K.sum(y), [x])


def test_sequential_built_inside_and_outside_the_block():
    @tf.RegisterGradient('OpInfo2')
    def _op_info(op, grad):
        return grad * op.outputs[0] * 10. + op.inputs[0]

    w = [np.array([[0.5, -1.], [1., 0.3], [-0.4, 0.8]], 'float32'),
         np.array([0.1, -0.2], 'float32')]

    def build():
        m = Sequential([Dense(2, input_shape=(3,)), Activation('relu'),
                        LeakyReLU(0.3)])
        m.layers[0].set_weights(w)
        return m

    outside = build()
    with tf.get_default_graph().gradient_override_map(
            {'Relu': 'OpInfo2', 'LeakyRelu': 'Identity'}):
        inside = build()
    found = []
    for m in (outside, inside):
        grad = K.gradients(K.sum(m.output), m.input)[0]
        found.append(K.function([m.input], [grad])([X])[0])
    # tf_keras 2.21, TensorFlow 1 graph mode.
    np.testing.assert_allclose(found[0], [[-1., 0.3, 0.8], [0.5, 1., -0.4]],
                               atol=1e-6)
    np.testing.assert_allclose(found[1], [[-16.765, 3.9139998, 13.411999],
                                          [16.474998, 30.603996, -13.179998]],
                               rtol=1e-5)
