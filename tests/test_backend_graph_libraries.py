"""Libraries that program Keras 2 as a graph of layers and backend ops:
iNNvestigate 1.0.9 copies a layer without its activation and makes the
copy share the original's weights (found by identity among
`layer.weights`, stored into `_trainable_weights` and set as attributes),
then propagates relevance (LRP) with K.gradients inside layers. Expected
values are tf_keras 2.21's on TensorFlow 2.21 for the same weights (run
after tf.compat.v1.disable_eager_execution()) and, for the LRP rules, the
published formulas computed with NumPy on those weights."""
import numpy as np

import keras_compat as keras
from keras_compat import backend as K

X = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], 'float32')
# tf_keras 2.21: gradient of K.max(model.output, -1) with respect to X.
GRADIENT = [[1.865107, 0.992128, 0.467621], [1.865107, 0.992128, 0.467621]]
# LRP alpha=1 beta=0 with biases (z = W+ x+ + b+ + W- x- + b-), NumPy.
LRP_ALPHA_1_BETA_0 = [[0.50406, 0.275075, 0.953517],
                      [2.528163, 0.312338, 0.034141]]


def relu_net():
    inputs = keras.layers.Input((3,))
    hidden = keras.layers.Dense(4, activation='relu')(inputs)
    model = keras.models.Model(inputs, keras.layers.Dense(2)(hidden))
    model.set_weights([np.random.RandomState(0).normal(size=w.shape).astype(
        'float32') * 0.5 for w in model.get_weights()])
    return model


def symbolic_weight_names(layer):
    # iNNvestigate's get_symbolic_weight_names: by identity.
    names = []
    for weight in layer.weights:
        for attr in ['kernel', 'bias'] + dir(layer):
            if hasattr(layer, attr) and id(weight) == id(getattr(layer, attr)):
                names.append(attr)
                break
    assert len(names) == len(layer.weights)
    return names


def copy_with_weights(layer, weights, name):
    # iNNvestigate's copy_layer_wo_activation + update_symbolic_weights.
    config = layer.get_config()
    config['name'] = name
    config['activation'] = None
    new = layer.__class__.from_config(config)
    new.build(layer.get_input_shape_at(0))
    ids = [id(w) for w in new._trainable_weights]
    for attr, weight in zip(symbolic_weight_names(layer), weights):
        new._trainable_weights[ids.index(id(getattr(new, attr)))] = weight
        setattr(new, attr, weight)
    return new


class GradientWRT(keras.layers.Layer):
    """iNNvestigate's layer: gradient of Ys with respect to Xs, with the
    incoming relevance as the output gradient."""

    def call(self, x):
        xs, ys, rs = x[:1], x[1:2], x[2:]
        return K.gradients(K.sum(ys[0] * K.stop_gradient(rs[0])), xs)

    def compute_output_shape(self, input_shapes):
        return input_shapes[0]


def test_weight_attribute_is_the_listed_weight():
    dense = relu_net().layers[1]
    assert dense.kernel is dense.weights[0]
    assert dense.bias is dense._trainable_weights[1]
    assert symbolic_weight_names(dense) == ['kernel', 'bias']


def test_copied_layer_shares_and_lists_the_weights():
    dense = relu_net().layers[1]
    copy = copy_with_weights(dense, dense.weights, 'copy')
    assert copy.weights[0] is dense.weights[0]
    assert symbolic_weight_names(copy) == ['kernel', 'bias']
    # A copy of the (applied) copy finds the shared weights again.
    copy(dense.input)
    again = copy_with_weights(copy, copy.weights, 'again')
    np.testing.assert_allclose(
        keras.models.Model(dense.input, again(dense.input)).predict(X),
        np.dot(X, K.get_value(dense.kernel)) + K.get_value(dense.bias),
        atol=1e-6)


def alpha_beta(layer, x, relevance):
    pos = [w * K.cast(w > 0, 'float32') for w in layer.weights]
    neg = [w * K.cast(w < 0, 'float32') for w in layer.weights]
    layer_pos = copy_with_weights(layer, pos, layer.name + '_pos')
    layer_neg = copy_with_weights(layer, neg, layer.name + '_neg')
    x_pos = keras.layers.Lambda(lambda t: t * K.cast(t > 0, 'float32'))(x)
    x_neg = keras.layers.Lambda(lambda t: t * K.cast(t < 0, 'float32'))(x)
    z_pos, z_neg = layer_pos(x_pos), layer_neg(x_neg)
    z = keras.layers.Add()([z_pos, z_neg])
    ratio = keras.layers.Lambda(lambda t: t[0] / (t[1] + K.cast(
        K.equal(t[1], 0.), 'float32') * K.epsilon()))([relevance, z])
    g_pos = GradientWRT()([x_pos, z_pos, ratio])
    g_neg = GradientWRT()([x_neg, z_neg, ratio])
    return keras.layers.Add()([keras.layers.Multiply()([x_pos, g_pos]),
                               keras.layers.Multiply()([x_neg, g_neg])])


def test_lrp_alpha_1_beta_0_through_shared_weight_copies():
    model = relu_net()
    hidden_layer, out_layer = model.layers[1], model.layers[2]
    out = model.output
    start = keras.layers.Lambda(lambda t: t * K.one_hot(
        K.argmax(t, -1), 2))(out)
    relevance = alpha_beta(out_layer, hidden_layer.output, start)
    relevance = alpha_beta(hidden_layer, model.input, relevance)
    analyzer = keras.models.Model(model.input, relevance)
    np.testing.assert_allclose(analyzer.predict(X), LRP_ALPHA_1_BETA_0,
                               atol=1e-5)


def test_gradient_of_the_max_output_by_k_function():
    model = relu_net()
    grads = K.gradients(K.max(model.output, axis=-1), model.input)[0]
    fetch = K.function([model.input, K.learning_phase()], [grads])
    np.testing.assert_allclose(fetch([X, 0])[0], GRADIENT, atol=1e-5)
