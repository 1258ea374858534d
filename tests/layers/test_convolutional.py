"""Convolution and related layers (cropping, padding, upsampling): output
shapes by Keras's rules, values against numpy implementations of the Keras
definitions, channels-last without layout copies, bad-input errors."""
import numpy as np
import pytest
import torch
from torch.profiler import profile, ProfilerActivity

from keras2_reference import np_conv2d, tf_same_padding
from keras_compat import layers, optimizers
from keras_compat.models import Sequential


rng = np.random.RandomState(0)


def run_layer(layer, x, weights=None):
    model = Sequential([layers.InputLayer(input_shape=x.shape[1:]), layer])
    if weights is not None:
        layer.set_weights(weights)
    return model, model.predict(x)


@pytest.mark.parametrize('padding', ['valid', 'same'])
@pytest.mark.parametrize('kernel,strides,dilation', [
    (3, 1, 1), (4, 1, 1), (3, 2, 1), (4, 2, 1), (2, 3, 1), (3, 1, 2)])
def test_conv2d_matches_direct_convolution(padding, kernel, strides,
                                           dilation):
    x = rng.rand(2, 9, 8, 3).astype(np.float32)
    k = rng.randn(kernel, kernel, 3, 4).astype(np.float32)
    b = rng.randn(4).astype(np.float32)
    layer = layers.Conv2D(4, kernel, strides=strides, padding=padding,
                          dilation_rate=dilation)
    model, y = run_layer(layer, x, [k, b])
    expected = np_conv2d(x, k, b, (strides, strides), padding,
                         (dilation, dilation))
    assert model.output_shape[1:] == expected.shape[1:]
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize('padding', ['valid', 'same', 'causal'])
def test_conv1d_matches_direct_convolution(padding):
    x = rng.rand(2, 10, 3).astype(np.float32)
    k = rng.randn(3, 3, 5).astype(np.float32)
    b = rng.randn(5).astype(np.float32)
    model, y = run_layer(layers.Conv1D(5, 3, padding=padding,
                                       dilation_rate=2), x, [k, b])
    xp = x
    if padding == 'causal':
        xp = np.pad(x, ((0, 0), (4, 0), (0, 0)))
    expected = np_conv2d(xp[:, None], k[None], b, (1, 1),
                         'same' if padding == 'same' else 'valid',
                         (1, 2))[:, 0]
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-4)


def test_output_shape_rules():
    cases = [
        (layers.Conv2D(6, (3, 5), strides=(2, 1), padding='valid'),
         (None, 17, 20, 3), (None, 8, 16, 6)),
        (layers.Conv2D(6, 4, strides=3, padding='same'),
         (None, 17, 20, 3), (None, 6, 7, 6)),
        (layers.Conv2D(6, 3, dilation_rate=3), (None, 17, 20, 3),
         (None, 11, 14, 6)),
        (layers.Conv1D(6, 5, strides=2), (None, 20, 3), (None, 8, 6)),
        (layers.Conv3D(2, 3, padding='same', strides=2),
         (None, 5, 6, 7, 1), (None, 3, 3, 4, 2)),
        (layers.Conv2DTranspose(4, 3, strides=2), (None, 5, 6, 3),
         (None, 11, 13, 4)),
        (layers.Conv2DTranspose(4, 3, strides=2, padding='same'),
         (None, 5, 6, 3), (None, 10, 12, 4)),
        (layers.SeparableConv2D(4, 3, depth_multiplier=2),
         (None, 7, 8, 3), (None, 5, 6, 4)),
        (layers.DepthwiseConv2D(3, depth_multiplier=2), (None, 7, 8, 3),
         (None, 5, 6, 6)),
        (layers.MaxPooling2D(), (None, 7, 8, 3), (None, 3, 4, 3)),
        (layers.AveragePooling2D(3, padding='same'), (None, 7, 8, 3),
         (None, 3, 3, 3)),
        (layers.GlobalAveragePooling2D(), (None, 7, 8, 3), (None, 3)),
        (layers.GlobalMaxPooling1D(), (None, 7, 3), (None, 3)),
        (layers.UpSampling2D((2, 3)), (None, 4, 5, 3), (None, 8, 15, 3)),
        (layers.ZeroPadding2D(((1, 2), (0, 3))), (None, 4, 5, 3),
         (None, 7, 8, 3)),
        (layers.Cropping2D(((1, 0), (2, 1))), (None, 4, 5, 3),
         (None, 3, 2, 3)),
        (layers.Conv2D(6, 3, data_format='channels_first'),
         (None, 3, 10, 12), (None, 6, 8, 10)),
    ]
    for layer, in_shape, out_shape in cases:
        model = Sequential([layers.InputLayer(
            batch_input_shape=in_shape), layer])
        assert model.output_shape == out_shape, layer
        x = rng.rand(*((2,) + in_shape[1:])).astype(np.float32)
        assert model.predict(x).shape == (2,) + out_shape[1:], layer


def test_kernels_in_keras_layout():
    layer = layers.Conv2D(5, (3, 2), input_shape=(8, 8, 4))
    Sequential([layer])
    kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 2, 4, 5) and bias.shape == (5,)
    assert tuple(layer.kernel.shape) == (3, 2, 4, 5)
    conv1d = layers.Conv1D(5, 3, input_shape=(8, 4))
    Sequential([conv1d])
    assert conv1d.get_weights()[0].shape == (3, 4, 5)
    sep = layers.SeparableConv2D(6, 3, depth_multiplier=2,
                                 input_shape=(8, 8, 4))
    Sequential([sep])
    assert [w.shape for w in sep.get_weights()] == [(3, 3, 4, 2),
                                                    (1, 1, 8, 6), (6,)]
    new = [rng.randn(*w.shape).astype(np.float32) for w in sep.get_weights()]
    sep.set_weights(new)
    for a, b in zip(sep.get_weights(), new):
        np.testing.assert_array_equal(a, b)


def test_conv_fans_follow_keras():
    layer = layers.Conv2D(64, 3, kernel_initializer='he_uniform',
                          input_shape=(10, 10, 32))
    Sequential([layer])
    limit = np.sqrt(6. / (3 * 3 * 32))
    kernel = layer.get_weights()[0]
    assert np.abs(kernel).max() <= limit
    assert np.abs(kernel).max() > 0.95 * limit


def _forward_ops(model, x):
    with torch.no_grad():
        model(x)
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            out = model(x)
    return out, {e.name for e in prof.events()}


def test_channels_last_stack_makes_no_layout_copies():
    model = Sequential([
        layers.Conv2D(8, 3, padding='same', activation='relu',
                      input_shape=(16, 16, 3)),
        layers.MaxPooling2D(),
        layers.Conv2D(8, 3, activation='relu')])
    x = torch.rand(4, 16, 16, 3)
    out, ops = _forward_ops(model, x)
    copies = ops & {'aten::copy_', 'aten::contiguous', 'aten::clone',
                    'aten::_to_copy'}
    assert not copies, sorted(ops)
    assert out.shape == (4, 6, 6, 8) and out.is_contiguous()
    conv = model.layers[0]
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    view = x.permute(0, 3, 1, 2)
    assert view.is_contiguous(memory_format=torch.channels_last)


def test_conv1d_stack_makes_no_layout_copies():
    model = Sequential([
        layers.Conv1D(8, 3, activation='relu', input_shape=(16, 5)),
        layers.MaxPooling1D(2), layers.Conv1D(8, 3)])
    out, ops = _forward_ops(model, torch.rand(4, 16, 5))
    assert not ops & {'aten::copy_', 'aten::contiguous', 'aten::clone'}
    assert out.is_contiguous()


def test_keras1_convolution_spellings():
    with pytest.warns(UserWarning):
        layer = layers.Convolution2D(8, 3, 3, border_mode='same',
                                     subsample=(2, 2), input_shape=(8, 8, 3))
    assert layer.kernel_size == (3, 3) and layer.padding == 'same'
    assert layer.strides == (2, 2)
    with pytest.warns(UserWarning):
        pool = layers.MaxPooling1D(pool_length=3, stride=1)
    assert pool.pool_size == (3,) and pool.strides == (1,)


def test_conv2d_wrong_rank():
    model = Sequential([layers.Conv2D(4, 3, input_shape=(8, 8, 3))])
    with pytest.raises(ValueError, match='conv2d_1.*expected ndim=4'):
        model.layers[0](torch.zeros(2, 8, 8))
    with pytest.raises(ValueError, match='expected ndim=4, found ndim=3'):
        Sequential([layers.Conv2D(4, 3, input_shape=(8, 8))])


def test_kernel_larger_than_input_under_valid_padding():
    with pytest.raises(ValueError) as info:
        Sequential([layers.Conv2D(4, (5, 5), input_shape=(3, 8, 2))])
    message = str(info.value)
    assert 'conv2d_1' in message and '(5, 5)' in message and \
        '(None, 3, 8, 2)' in message
    layer = layers.Conv2D(4, 3)
    layer(torch.zeros(1, 6, 6, 2))
    with pytest.raises(ValueError, match='conv2d_2'):
        layer(torch.zeros(1, 2, 2, 2))


def test_atrous_aliases_and_clip_norm():
    import torch
    with pytest.warns(UserWarning, match='deprecated'):
        conv = layers.AtrousConv1D(4, 3, atrous_rate=2)
    assert type(conv).__name__ == 'Conv1D' and conv.dilation_rate == (2,)
    g = torch.tensor([3., 4.])
    np.testing.assert_allclose(optimizers.clip_norm(g, 1., g.norm()),
                               [0.6, 0.8], rtol=1e-6)
    assert optimizers.clip_norm(g, 0., g.norm()) is g


# tf_keras 2.21's outputs on the inputs below.
_UPSAMPLED_ROW = {
    'bicubic': [2.64752, 3.01935, 3.8062, 4.71446, 5.62481, 6.05491],
    'area': [2.7, 2.7, 4.15692, 4.15692, 5.80948, 5.80948]}


@pytest.mark.parametrize('method', sorted(_UPSAMPLED_ROW))
def test_upsampling2d_resizes_with_tf_keras_methods(method):
    x = np.arange(18, dtype='float32').reshape(2, 3, 3, 1) ** 1.5 / 10
    y = layers.UpSampling2D(2, interpolation=method)(torch.tensor(x))
    np.testing.assert_allclose(y.numpy()[1, :, 1, 0],
                               _UPSAMPLED_ROW[method], atol=1e-4)
    with pytest.raises(NotImplementedError, match='lanczos3'):
        layers.UpSampling2D(2, interpolation='lanczos3')


def test_locally_connected1d_channels_first():
    # tf_keras 2.21: the (batch, channels, steps) input, kernel (4, 6, 2),
    # a bias of (output steps, filters) read in channels_first order.
    layer = layers.LocallyConnected1D(2, 2, data_format='channels_first')
    layer.build((None, 3, 5))
    weights = [np.random.RandomState(i).randn(*shape).astype('float32')
               for i, shape in enumerate([(4, 6, 2), (4, 2)])]
    layer.set_weights(weights)
    x = np.arange(30, dtype='float32').reshape(2, 3, 5) / 10
    np.testing.assert_allclose(
        layer(torch.tensor(x)).detach().numpy()[1],
        [[11.68317, 0.88299, 3.77009, -11.16122],
         [7.58627, -4.15389, -1.87255, 3.27264]], atol=1e-4)
    assert layer.compute_output_shape((None, 3, 5)) == (None, 2, 4)
