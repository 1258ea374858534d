"""Keras idioms that explainability libraries and notebook recipes rely on:
Grad-CAM and saliency with tf.GradientTape (keras.io, tf-explain), with
K.gradients and K.function (eli5, keras-vis), guided backpropagation with
tf.custom_gradient, iNNvestigate's gradient layers, the image casts of
tf-explain, and the torch-module view of a model that shap's PyTorch
explainers use. Expected values are tf_keras 2.21's on TensorFlow 2.21 for
the same weights (hard-coded from runs of the same code there; the graph
idioms ran after tf.compat.v1.disable_eager_execution()), or Keras 2.2.4's
documented behaviour where stated."""
import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common


@pytest.fixture
def tf_keras():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


def seeded_weights(model, seed=0):
    return [np.random.RandomState(seed).normal(size=w.shape).astype(
        'float32') * 0.5 for w in model.get_weights()]


def conv_classifier():
    inputs = keras.Input((6, 6, 2))
    x = keras.layers.Conv2D(3, 3, activation='relu', name='conv')(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(2, activation='softmax', name='pred')(x)
    model = keras.Model(inputs, outputs)
    model.set_weights(seeded_weights(model))
    return model


def tanh_dense():
    model = keras.Sequential([keras.layers.Dense(2, activation='tanh',
                                                 input_shape=(3,))])
    model.set_weights(seeded_weights(model))
    return model


def values(tensor):
    """A tensor's values (also one recorded by a GradientTape)."""
    return tensor.detach().cpu().numpy()


IMAGE = np.random.RandomState(1).uniform(size=(1, 6, 6, 2)).astype(
    'float32')
ROWS = np.arange(6, dtype='float32').reshape(2, 3) / 6
# tf_keras 2.21: tape.batch_jacobian(tanh_dense()(x), x) for x = ROWS.
TANH_DENSE_BATCH_JACOBIAN = [
    [[0.237083, 0.131539, 0.250994], [0.190371, 1.066084, -0.464931]],
    [[0.027062, 0.015015, 0.02865], [0.136249, 0.763, -0.332753]]]


def test_grad_cam_model_on_a_list_holding_the_model_inputs(tf_keras):
    # keras.io's Grad-CAM and tf-explain write
    # Model([model.inputs], [conv.output, model.output]); tf_keras 2.21
    # takes the nested list as the model's inputs.
    model = conv_classifier()
    grad_model = keras.models.Model(
        [model.inputs], [model.get_layer('conv').output, model.output])
    assert len(grad_model.inputs) == 1
    with tf.GradientTape() as tape:
        conv_out, preds = grad_model(IMAGE)
        class_channel = preds[:, 1]
    grads = tape.gradient(class_channel, conv_out)
    pooled = tf.reduce_mean(grads, axis=(0, 1, 2))
    heatmap = tf.squeeze(conv_out[0] @ pooled[..., tf.newaxis])
    np.testing.assert_allclose(values(preds), [[0.768009, 0.231991]],
                               atol=1e-5)
    np.testing.assert_allclose(values(heatmap), [
        [-0.005629, -0.014756, -0.000412, -0.001039],
        [-0.007508, 0.004956, -0.0041, -0.014394],
        [-0.003418, -0.01681, -0.000603, -0.000721],
        [-0.007828, -0.009838, -0.00903, -0.000655]], atol=1e-5)


def test_nested_list_of_outputs_is_refused_by_name(tf_keras):
    inputs = keras.Input((3,))
    hidden = keras.layers.Dense(2)(inputs)
    with pytest.raises(NotImplementedError, match='Nested lists of outputs'):
        keras.Model(inputs, [[hidden, keras.layers.Dense(1)(hidden)]])


def test_cast_of_out_of_range_floats_to_uint8_saturates():
    # tf-explain's heatmaps: tf.cast(255 * standardized, tf.uint8).
    # TensorFlow 2.21 on this tensor of 576 values (its vectorized CPU
    # kernel) clamps to [0, 255] after truncation toward zero.
    base = [-300., -200.7, -1.5, -0.5, 0.5, 255.7, 256.3, 300., 1000.]
    floats = tf.constant(np.tile(np.array(base, 'float32'), 64))
    uint8 = np.asarray(tf.cast(floats, tf.uint8))
    assert uint8[-9:].tolist() == [0, 0, 0, 0, 0, 255, 255, 255, 255]
    assert (uint8.reshape(64, 9) == uint8[:9]).all()
    int8 = np.asarray(tf.cast(floats, tf.int8))
    assert int8[-9:].tolist() == [-128, -128, -1, 0, 0, 127, 127, 127, 127]


def test_saturate_cast_clamps_to_the_target_range():
    # tf.dtypes.saturate_cast (TensorFlow 2.21).
    floats = tf.constant(np.array([-300., -1.5, 0.5, 127.9, 255.7, 256.3,
                                   1000.], 'float32'))
    out = tf.dtypes.saturate_cast(floats, tf.uint8)
    assert np.asarray(out).tolist() == [0, 0, 0, 127, 255, 255, 255]


def test_summary_image_writes_to_the_default_writer(tmp_path):
    # tf-explain's callbacks: tf.summary.image(name, [heatmap], step=epoch)
    # inside file_writer.as_default(); False without a default writer.
    pytest.importorskip('tensorboard')
    images = np.random.RandomState(0).uniform(size=(2, 5, 4, 3))
    assert tf.summary.image('grid', images, step=0) is False
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default():
        assert tf.summary.image('grid', images.astype('float32'), step=1)
    writer.flush()
    assert any(p.name.startswith('events') for p in tmp_path.iterdir())
    with writer.as_default(), pytest.raises(ValueError, match='channels'):
        tf.summary.image('bad', np.zeros((1, 4, 4, 2), 'float32'), step=0)


def test_batch_jacobian_and_jacobian_of_a_model(tf_keras):
    model = tanh_dense()
    x = tf.constant(ROWS)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = model(x)
    np.testing.assert_allclose(values(tape.batch_jacobian(y, x)),
                               TANH_DENSE_BATCH_JACOBIAN, atol=1e-5)
    assert tuple(tape.jacobian(y, x).shape) == (2, 2, 2, 3)
    with pytest.raises(ValueError, match='first dimension of target'):
        tape.batch_jacobian(y[:1], x)


def test_guided_backprop_with_a_custom_gradient_activation(tf_keras):
    # Guided backpropagation recipe: a tf.custom_gradient ReLU assigned to
    # `layer.activation`, and the softmax swapped for `linear` (keras-vis,
    # tf-keras-vis); both take effect on the next call and in predict.
    @tf.custom_gradient
    def guided_relu(x):
        def grad(dy):
            return tf.cast(dy > 0, 'float32') * tf.cast(x > 0, 'float32') * dy
        return tf.nn.relu(x), grad

    model = conv_classifier()
    model.get_layer('conv').activation = guided_relu
    model.get_layer('pred').activation = keras.activations.linear
    np.testing.assert_allclose(model.predict(IMAGE, verbose=0),
                               [[3.179798, 1.982696]], atol=1e-5)
    x = tf.constant(IMAGE)
    with tf.GradientTape() as tape:
        tape.watch(x)
        score = model(x)[:, 0]
    grads = values(tape.gradient(score, x))
    np.testing.assert_allclose(grads[0, 0], [
        [0.054743, 0.090327], [0.107176, 0.075329], [0.098441, 0.178329],
        [0.142965, 0.101388], [0.043698, 0.088003], [0.03579, 0.026059]],
        atol=1e-5)
    np.testing.assert_allclose(grads.sum(), 2.790586, atol=1e-4)


def test_eli5_grad_cam_backend_with_k_gradients_and_k_function():
    # eli5 0.10's gradcam_backend: the predicted score gathered with a
    # symbolic argmax, l2-normalized gradients, all fetched by K.function.
    model = conv_classifier()
    index = K.argmax(model.output, axis=-1)
    score = K.gather(model.output[0, :], index)
    activations = model.get_layer('conv').output
    grads = K.l2_normalize(K.gradients(score, [activations])[0])
    weights = K.mean(grads, axis=(1, 2))
    evaluate = K.function([model.input],
                          [weights, activations, grads, score, index])
    w, _, g, value, predicted = evaluate([IMAGE])
    np.testing.assert_allclose(w, [[0.100346, -0.09286, 0.209303]],
                               atol=1e-5)
    np.testing.assert_allclose(value, [0.768009], atol=1e-5)
    assert predicted.tolist() == [0] and predicted.dtype == np.int64
    np.testing.assert_allclose((g ** 2).sum(), 1.0, atol=1e-5)


def test_layer_returning_a_list_of_one_gives_the_tensor_in_keras2():
    # Keras 2.1-2.3's Layer.__call__ unpacks a one-element list returned
    # by call (iNNvestigate's OnesLike); tf.keras keeps the list.
    class OnesLike(keras.layers.Layer):
        def call(self, x):
            return [K.ones_like(x)]

    inputs = keras.layers.Input((3,))
    ones = OnesLike()(inputs)
    assert not isinstance(ones, list)
    model = keras.models.Model(inputs, ones)
    assert tuple(model.output_shape) == (None, 3)
    np.testing.assert_array_equal(model.predict(ROWS), np.ones((2, 3)))


def test_layer_returning_a_list_of_one_keeps_the_list_in_tf_keras(tf_keras):
    class OnesLike(keras.layers.Layer):
        def call(self, x):
            return [K.ones_like(x)]

    assert isinstance(OnesLike()(keras.layers.Input((3,))), list)


def test_tf_gradients_stopped_at_its_own_sources():
    # iNNvestigate: tf.gradients(Ys, Xs, grad_ys=..., stop_gradients=Xs).
    inputs = keras.Input((3,))
    y = keras.layers.Dense(2, activation='tanh')(inputs)
    model = keras.Model(inputs, y)
    model.set_weights(seeded_weights(model))
    grads = tf.gradients([y], [inputs], grad_ys=[K.ones_like(y)],
                         stop_gradients=[inputs])
    np.testing.assert_allclose(K.function([inputs], grads)([ROWS])[0], [
        [0.427454, 1.197623, -0.213937], [0.163311, 0.778015, -0.304103]],
        atol=1e-5)


def test_tf_gradients_stop_between_sources_is_refused():
    inputs = keras.Input((3,))
    hidden = keras.layers.Dense(2)(inputs)
    y = keras.layers.Dense(1)(hidden)
    with pytest.raises(NotImplementedError, match='stop_gradients'):
        tf.gradients(y, [inputs, hidden], stop_gradients=[inputs, hidden])


def test_layer_with_output_shape_taking_gradients_in_call():
    # iNNvestigate's GradientWRT: a layer with compute_output_shape whose
    # call differentiates one input with respect to another.
    class GradientWRT(keras.layers.Layer):
        def call(self, x):
            return K.gradients(K.sum(x[1]), [x[0]])

        def compute_output_shape(self, input_shapes):
            return input_shapes[:1]

    inputs = keras.Input((3,))
    hidden = keras.layers.Dense(2, activation='tanh')(inputs)
    outputs = keras.layers.Dense(1)(hidden)
    model = keras.Model(inputs, outputs)
    model.set_weights(seeded_weights(model))
    gradient_model = keras.Model(inputs, GradientWRT()([inputs, outputs]))
    np.testing.assert_allclose(gradient_model.predict(ROWS), [
        [0.247203, 0.329322, 0.128361], [0.05113, 0.165903, -0.041307]],
        atol=1e-5)


def test_model_as_torch_module_gives_input_gradients(tf_keras):
    # shap's GradientExplainer and DeepExplainer detect PyTorch by
    # `model.named_parameters()` and then call `model.eval()(x)` on torch
    # tensors and differentiate with torch.autograd.grad.
    model = tanh_dense()
    assert len(list(model.named_parameters())) == 2
    x = torch.tensor(ROWS, requires_grad=True)
    out = model.eval()(x)
    grad, = torch.autograd.grad(list(out[:, 1]), x)
    np.testing.assert_allclose(
        values(grad), np.asarray(TANH_DENSE_BATCH_JACOBIAN)[:, 1], atol=1e-5)


def test_gradient_override_map_of_an_unsupported_type_is_refused():
    # TF1 guided backpropagation (keras-vis's backprop_modifier='guided')
    # is accepted (tests/test_gradient_override_map.py); a torch operator
    # such as Mul cannot take another gradient.
    graph = tf.compat.v1.get_default_graph()
    with graph.gradient_override_map({'Relu': 'GuidedRelu'}):
        pass
    with pytest.raises(NotImplementedError, match='tf.custom_gradient'):
        with graph.gradient_override_map({'Mul': 'GuidedMul'}):
            pass
