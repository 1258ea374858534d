"""keras.activations on symbolic and real tensors, with Keras 2's errors
and warnings."""
import numpy as np
import torch
import pytest

from keras_compat import activations, layers
from keras_compat import backend as K


def test_activations_on_placeholders_through_k_function():
    x = K.placeholder(ndim=2)
    values = np.array([[-1., 0.1, 0.5, 2.]], dtype='float32')
    f = K.function([x], [activations.softplus(x), activations.relu(x),
                         activations.hard_sigmoid(x),
                         activations.softmax(x)])
    softplus, relu, hard_sigmoid, softmax = f([values])
    np.testing.assert_allclose(softplus, np.log1p(np.exp(values)),
                               rtol=1e-6)
    np.testing.assert_allclose(relu, np.maximum(values, 0))
    np.testing.assert_allclose(hard_sigmoid,
                               np.clip(0.2 * values + 0.5, 0, 1), rtol=1e-6)
    e = np.exp(values - values.max())
    np.testing.assert_allclose(softmax, e / e.sum(), rtol=1e-6)


def test_softmax_of_a_1d_placeholder_raises():
    with pytest.raises(ValueError, match='1D'):
        activations.softmax(K.placeholder(ndim=1))


def test_activation_get_warns_for_a_layer_instance():
    layer = layers.Dense(3)
    with pytest.warns(UserWarning, match='layer instance'):
        assert activations.get(layer) is layer


def test_relu_threshold_with_max_value_clips_as_tensorflow():
    x = np.array([-3., -1., 0.5, 2., 7.], 'float32')
    got = K.eval(K.relu(K.constant(x), alpha=0.1, max_value=5.,
                        threshold=-2.))
    thresholded = np.clip(x * (x > -2.), 0., 5.)
    expected = thresholded - 0.1 * np.maximum(-2. - x, 0.)
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_layers_apply_relu_to_their_own_output_in_place():
    """A layer's ReLU overwrites its fresh pre-activation (no second
    activation-sized tensor), with the gradient of relu(x W + b)."""
    rng = np.random.RandomState(0)
    x = rng.randn(6, 4).astype('float32')
    kernel = rng.randn(4, 3).astype('float32')
    layer = layers.Dense(3, activation="relu")
    layer.build((None, 4))
    layer.set_weights([kernel, np.zeros(3, 'float32')])
    pre = torch.from_numpy(x @ kernel)
    assert activations._apply_to_own_output(activations.relu, pre) \
        .data_ptr() == pre.data_ptr()
    inputs = torch.from_numpy(x).requires_grad_()
    out = layer(inputs)
    out.sum().backward()
    active = (x @ kernel > 0).astype('float32')
    np.testing.assert_allclose(out.detach().numpy(),
                               np.maximum(x @ kernel, 0), rtol=1e-6)
    np.testing.assert_allclose(inputs.grad.numpy(), active @ kernel.T,
                               rtol=1e-5, atol=1e-6)


def test_custom_objects_come_before_built_in_activation_names(tmp_path):
    from keras_compat import backend as K
    from keras_compat.layers import Activation, Dense
    from keras_compat.models import Sequential, load_model
    from keras_compat.utils.generic_utils import get_custom_objects

    def swish(x):
        return x * K.sigmoid(2. * x)

    def gelu(x):
        # keras-bert's tanh approximation.
        return 0.5 * x * (1. + K.tanh(np.sqrt(2. / np.pi) *
                                      (x + 0.044715 * x ** 3)))

    objects = get_custom_objects()
    saved = dict(objects)
    objects['swish'] = Activation(swish)
    try:
        model = Sequential([Dense(1, activation='swish', use_bias=False,
                                  kernel_initializer='ones',
                                  input_shape=(1,))])
        got = model.predict(np.ones((1, 1)))
        np.testing.assert_allclose(got, [[1. / (1. + np.exp(-2.))]],
                                   rtol=1e-6)
    finally:
        objects.clear()
        objects.update(saved)
    model = Sequential([Dense(1, activation=gelu, use_bias=False,
                              kernel_initializer='ones', input_shape=(1,))])
    x = np.array([[-1.5]], 'float32')
    expected = 0.5 * -1.5 * (1. + np.tanh(np.sqrt(2. / np.pi) *
                                          (-1.5 + 0.044715 * -1.5 ** 3)))
    np.testing.assert_allclose(model.predict(x), [[expected]], rtol=1e-5)
    path = str(tmp_path / 'gelu.h5')
    model.save(path)
    loaded = load_model(path, custom_objects={'gelu': gelu})
    np.testing.assert_allclose(loaded.predict(x), [[expected]], rtol=1e-5)


def test_elementwise_activations_take_numpy_and_python_values():
    # tf_keras 2.21: sigmoid(np.float32(0.3)) -> 0.5744; relu of a float64
    # array stays float64; tanh of a Python list -> float32.
    import torch
    from keras_compat import activations
    assert float(activations.sigmoid(np.float32(0.3))) == \
        pytest.approx(0.5744, abs=1e-4)
    assert activations.relu(np.array([[1., 2.]])).dtype == torch.float64
    out = activations.tanh([[0.5, -1.0]])
    assert out.dtype == torch.float32
    np.testing.assert_allclose(out.numpy(), [[0.4621, -0.7616]], atol=1e-4)
    assert float(activations.gelu(0.3)) == pytest.approx(0.1854, abs=1e-4)
