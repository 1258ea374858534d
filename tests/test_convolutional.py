"""Convolution, pooling, normalization and related layers: output shapes
by Keras's rules, values against numpy implementations of the Keras
definitions, channels-last without layout copies, bad-input errors."""
import numpy as np
import pytest
import torch
from torch.profiler import profile, ProfilerActivity

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import layers
from keras_compat.models import Sequential

rng = np.random.RandomState(0)


def tf_same_pads(size, k, s, d=1):
    dk = (k - 1) * d + 1
    out = -(-size // s)
    total = max((out - 1) * s + dk - size, 0)
    return total // 2, total - total // 2


def np_conv2d(x, kernel, bias, strides, padding, dilation=(1, 1)):
    """Direct convolution on (N, H, W, C) with a (kh, kw, in, out) kernel,
    TensorFlow padding."""
    n, h, w, c = x.shape
    kh, kw, _, out = kernel.shape
    if padding == 'same':
        (pt, pb), (pl, pr) = tf_same_pads(h, kh, strides[0], dilation[0]), \
            tf_same_pads(w, kw, strides[1], dilation[1])
        x = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    h, w = x.shape[1:3]
    dkh, dkw = (kh - 1) * dilation[0] + 1, (kw - 1) * dilation[1] + 1
    oh = (h - dkh) // strides[0] + 1
    ow = (w - dkw) // strides[1] + 1
    y = np.zeros((n, oh, ow, out))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * strides[0]:i * strides[0] + dkh:dilation[0],
                      j * strides[1]:j * strides[1] + dkw:dilation[1], :]
            y[:, i, j, :] = np.tensordot(patch, kernel, axes=([1, 2, 3],
                                                              [0, 1, 2]))
    return y + bias


def np_pool2d(x, pool, strides, padding, mode):
    n, h, w, c = x.shape
    if padding == 'same':
        (pt, pb), (pl, pr) = tf_same_pads(h, pool[0], strides[0]), \
            tf_same_pads(w, pool[1], strides[1])
    else:
        pt = pb = pl = pr = 0
    fill = -np.inf if mode == 'max' else np.nan
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)),
                constant_values=fill)
    oh = (xp.shape[1] - pool[0]) // strides[0] + 1
    ow = (xp.shape[2] - pool[1]) // strides[1] + 1
    y = np.zeros((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, i * strides[0]:i * strides[0] + pool[0],
                       j * strides[1]:j * strides[1] + pool[1], :]
            y[:, i, j] = patch.max(axis=(1, 2)) if mode == 'max' else \
                np.nanmean(patch, axis=(1, 2))
    return y


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


@pytest.mark.parametrize('mode', ['max', 'avg'])
@pytest.mark.parametrize('padding', ['valid', 'same'])
@pytest.mark.parametrize('pool,strides', [(2, 2), (3, 2), (2, 1), (3, 3)])
def test_pooling2d(mode, padding, pool, strides):
    x = rng.rand(2, 7, 8, 3).astype(np.float32)
    cls = layers.MaxPooling2D if mode == 'max' else layers.AveragePooling2D
    model, y = run_layer(cls(pool, strides, padding=padding), x)
    expected = np_pool2d(x, (pool, pool), (strides, strides), padding, mode)
    assert model.output_shape[1:] == expected.shape[1:]
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('mode', ['max', 'avg'])
@pytest.mark.parametrize('padding', ['valid', 'same'])
def test_pooling1d(mode, padding):
    x = rng.rand(2, 7, 3).astype(np.float32)
    cls = layers.MaxPooling1D if mode == 'max' else layers.AveragePooling1D
    _, y = run_layer(cls(3, 2, padding=padding), x)
    expected = np_pool2d(x[:, None], (1, 3), (1, 2), padding, mode)[:, 0]
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)


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


def test_batchnorm_training_and_inference():
    x = rng.randn(32, 4, 5, 3).astype(np.float32) * 2 + 1
    layer = layers.BatchNormalization(input_shape=(4, 5, 3))
    model = Sequential([layer])
    names = [w.name for w in layer.weights]
    assert names == ['batch_normalization_1/gamma:0',
                     'batch_normalization_1/beta:0',
                     'batch_normalization_1/moving_mean:0',
                     'batch_normalization_1/moving_variance:0']
    assert len(layer.trainable_weights) == 2
    out = layer(torch.tensor(x), training=True).detach().numpy()
    mean = x.mean(axis=(0, 1, 2))
    var = x.var(axis=(0, 1, 2))
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3),
                               rtol=1e-4, atol=1e-4)
    n = 32 * 4 * 5
    moving_mean, moving_var = layer.get_weights()[2:]
    np.testing.assert_allclose(moving_mean, 0.01 * mean, rtol=1e-4,
                               atol=1e-6)
    np.testing.assert_allclose(moving_var, 0.99 + 0.01 * var * n / (n - 1),
                               rtol=1e-4)
    inference = model.predict(x)
    np.testing.assert_allclose(
        inference, (x - moving_mean) / np.sqrt(moving_var + 1e-3),
        rtol=1e-4, atol=1e-4)


def test_frozen_batchnorm_runs_in_inference_mode():
    layer = layers.BatchNormalization(input_shape=(3,))
    model = Sequential([layer])
    layer.trainable = False
    model.compile('sgd', 'mse')
    before = layer.get_weights()
    model.fit(rng.rand(16, 3), rng.rand(16, 3), verbose=0)
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_noise_layers_are_identity_at_inference():
    x = rng.rand(4, 6).astype(np.float32)
    for layer in (layers.GaussianNoise(0.5), layers.GaussianDropout(0.3),
                  layers.AlphaDropout(0.2), layers.SpatialDropout1D(0.5)):
        inp = x[:, :, None] if isinstance(layer, layers.SpatialDropout1D) \
            else x
        out = layer(torch.tensor(inp)).numpy()
        np.testing.assert_array_equal(out, inp)
        trained = layer(torch.tensor(inp), training=True).numpy()
        assert not np.allclose(trained, inp)


def test_spatial_dropout_drops_whole_channels():
    layer = layers.SpatialDropout2D(0.5)
    out = layer(torch.ones(8, 5, 5, 16), training=True).numpy()
    per_channel = out.reshape(8, 25, 16)
    assert np.all((per_channel == 0).all(axis=1) |
                  (per_channel == 2).all(axis=1))


def test_advanced_activation_values():
    x = np.array([[-2., -0.5, 0., 0.5, 2.]], dtype=np.float32)
    t = torch.tensor(x)
    np.testing.assert_allclose(layers.LeakyReLU(0.3)(t).numpy(),
                               np.where(x > 0, x, 0.3 * x))
    np.testing.assert_allclose(layers.ELU(1.0)(t).numpy(),
                               np.where(x > 0, x, np.exp(x) - 1), rtol=1e-6)
    np.testing.assert_allclose(layers.ThresholdedReLU(0.4)(t).numpy(),
                               np.where(x > 0.4, x, 0))
    np.testing.assert_allclose(layers.ReLU(max_value=1.)(t).numpy(),
                               np.clip(x, 0, 1))
    soft = layers.Softmax()(t).numpy()
    np.testing.assert_allclose(soft, np.exp(x) / np.exp(x).sum(),
                               rtol=1e-6)
    prelu = layers.PReLU(alpha_initializer=keras.initializers.Constant(0.25))
    np.testing.assert_allclose(prelu(t).detach().numpy(),
                               np.where(x > 0, x, 0.25 * x))


def test_keras1_convolution_spellings():
    with pytest.warns(UserWarning):
        layer = layers.Convolution2D(8, 3, 3, border_mode='same',
                                     subsample=(2, 2), input_shape=(8, 8, 3))
    assert layer.kernel_size == (3, 3) and layer.padding == 'same'
    assert layer.strides == (2, 2)
    with pytest.warns(UserWarning):
        pool = layers.MaxPooling1D(pool_length=3, stride=1)
    assert pool.pool_size == (3,) and pool.strides == (1,)


# ---------------------------------------------------------------- errors
def test_conv2d_wrong_rank():
    model = Sequential([layers.Conv2D(4, 3, input_shape=(8, 8, 3))])
    with pytest.raises(ValueError, match='conv2d_1.*expected ndim=4'):
        model.layers[0](torch.zeros(2, 8, 8))
    with pytest.raises(ValueError, match='expected ndim=4, found ndim=3'):
        Sequential([layers.Conv2D(4, 3, input_shape=(8, 8))])


def test_pooling_window_larger_than_input():
    with pytest.raises(ValueError) as info:
        Sequential([layers.MaxPooling2D((4, 4), input_shape=(3, 8, 2))])
    message = str(info.value)
    assert 'max_pooling2d_1' in message and '(4, 4)' in message and \
        '(None, 3, 8, 2)' in message


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
