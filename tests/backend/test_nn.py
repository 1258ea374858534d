"""backend/nn.py: TensorFlow's padding arithmetic, kernel layouts and
pooling, checked against numpy implementations of the documented
TensorFlow/Keras rules."""
import itertools

import numpy as np
import pytest
import torch

from keras2_reference import pool_reference, tf_same_padding
from keras_compat.backend import nn


@pytest.mark.parametrize('size,kernel,stride,dilation', list(
    itertools.product([1, 4, 5, 8], [1, 2, 3, 4], [1, 2, 3], [1, 2])))
def test_same_padding_follows_tensorflow(size, kernel, stride, dilation):
    before, after = nn.same_padding(size, kernel, stride, dilation)
    assert (before, after) == tf_same_padding(size, kernel, stride, dilation)
    effective = (kernel - 1) * dilation + 1
    outputs = (size + before + after - effective) // stride + 1
    assert outputs == int(np.ceil(size / float(stride)))


def test_axis_padding_for_each_keras_mode():
    assert nn.axis_padding('valid', 7, 3, 1) == (0, 0)
    assert nn.axis_padding('causal', 7, 3, 1, dilation=2) == (4, 0)
    assert nn.axis_padding('full', 7, 3, 1, dilation=2) == (4, 4)
    assert nn.axis_padding('same', 7, 4, 2) == tf_same_padding(7, 4, 2, 1)
    assert nn.padding_pairs('same', (5, 6), (3, 2), (1, 2)) == \
        [tf_same_padding(5, 3, 1, 1), tf_same_padding(6, 2, 2, 1)]


def test_padding_plan_hands_symmetric_pads_to_torch_only():
    assert nn.padding_plan([(1, 1), (2, 2)]) == ((1, 2), None)
    assert nn.padding_plan([(0, 1)]) == ((0,), [(0, 1)])
    # torch's pooling pads at most half the window.
    assert nn.padding_plan([(2, 2)], limits=[1]) == ((0,), [(2, 2)])


def test_pad_pads_spatial_axes_of_either_layout():
    x = torch.arange(6.).view(1, 2, 3, 1)          # channels_last
    padded = nn.pad(x, [(1, 0), (0, 2)], channels_last=True, value=-1.)
    expected = np.pad(x.numpy(), [(0, 0), (1, 0), (0, 2), (0, 0)],
                      constant_values=-1.)
    np.testing.assert_array_equal(padded.numpy(), expected)
    first = nn.pad(x.permute(0, 3, 1, 2), [(1, 0), (0, 2)])
    np.testing.assert_array_equal(first.numpy(),
                                  np.transpose(np.pad(
                                      x.numpy(), [(0, 0), (1, 0), (0, 2),
                                                  (0, 0)]), (0, 3, 1, 2)))


@pytest.mark.parametrize('rank', [1, 2, 3])
def test_kernel_layout_round_trip_and_convolution(rank):
    rng = np.random.RandomState(rank)
    kernel = rng.rand(*((2,) * rank + (3, 4))).astype('float32')
    weight = nn.kernel_to_torch(torch.from_numpy(kernel), rank)
    assert tuple(weight.shape) == (4, 3) + (2,) * rank
    np.testing.assert_array_equal(nn.kernel_to_keras(weight, rank).numpy(),
                                  kernel)
    # A 'valid' convolution of a channels-first input at one position is
    # the sum over the window of input * Keras kernel.
    x = rng.rand(*((1, 3) + (2,) * rank)).astype('float32')
    y = nn.conv(torch.from_numpy(x), weight)
    window = np.moveaxis(x[0], 0, -1)               # (*spatial, in)
    expected = np.tensordot(window, kernel, axes=rank + 1)
    np.testing.assert_allclose(y.numpy().reshape(4), expected, rtol=1e-5)


def test_channels_first_and_last_are_inverse_views():
    x = torch.rand(2, 5, 4, 3)
    first = nn.channels_first(x, 2)
    assert tuple(first.shape) == (2, 3, 5, 4)
    assert first.data_ptr() == x.data_ptr()
    np.testing.assert_array_equal(nn.channels_last(first, 2).numpy(),
                                  x.numpy())
    assert nn.channels_first(x, 2, 'channels_first') is x


@pytest.mark.parametrize('mode', ['max', 'avg'])
@pytest.mark.parametrize('padding', ['valid', 'same'])
@pytest.mark.parametrize('pool_size,strides,spatial', [
    ((2,), (2,), (7,)), ((3,), (1,), (5,)),
    ((2, 2), (2, 2), (5, 4)), ((3, 2), (2, 1), (5, 5)),
    ((2, 2, 2), (1, 2, 2), (3, 4, 5))])
def test_pool_matches_the_keras_rule(mode, padding, pool_size, strides,
                                     spatial):
    x = np.random.RandomState(0).randn(2, *(spatial + (3,))).astype(
        'float32')
    plan = nn.pool_plan(mode, spatial, pool_size, strides, padding, 'cpu')
    got = nn.pool(torch.from_numpy(x), mode, pool_size, strides, plan)
    expected = pool_reference(x, mode, pool_size, strides, padding)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5, atol=1e-6)
    # channels_first input: the same values on the moved axis.
    first = nn.pool(torch.from_numpy(np.moveaxis(x, -1, 1).copy()), mode,
                    pool_size, strides, plan, 'channels_first')
    np.testing.assert_allclose(np.moveaxis(first.numpy(), 1, -1), expected,
                               rtol=1e-5, atol=1e-6)


def test_shape_is_an_int32_tensor_with_tensor_arithmetic():
    # keras-yolo3: input_shape = K.shape(out)[1:3] * 32; VAE sampling:
    # K.random_normal(shape=(K.shape(z_mean)[0], dim)).
    from keras_compat import backend as K
    x = K.constant(np.ones((4, 3, 2)))
    shape = K.shape(x)
    assert shape.dtype == torch.int32
    np.testing.assert_array_equal(K.eval(shape[1:3] * 32), [96, 64])
    np.testing.assert_array_equal(K.eval(shape - 1), [3, 2, 1])
    assert K.int_shape(K.random_normal((shape[0], 5))) == (4, 5)
    assert K.int_shape(K.reshape(x, (shape[0], -1))) == (4, 6)
    assert K.int_shape(K.zeros((shape[0], 3))) == (4, 3)
    assert K.int_shape(K.tile(x, [shape[0], 1, 1])) == (16, 3, 2)
    assert list(range(K.shape(x)[1])) == [0, 1, 2]


# ------------------------------------------------------- fused conv + ReLU
needs_onednn = pytest.mark.skipif(
    not torch.backends.mkldnn.is_available(),
    reason='oneDNN convolutions are not available')


@needs_onednn
@pytest.mark.parametrize('rank,groups,stride,dilation,padding', [
    (1, 1, 1, 1, 0), (2, 1, 1, 1, 0), (2, 2, 2, 1, 1), (2, 1, 1, 2, 2),
    (3, 1, 2, 1, 1)])
def test_conv_relu_is_the_convolution_then_the_relu(rank, groups, stride,
                                                    dilation, padding):
    rng = np.random.RandomState(rank)
    x = torch.from_numpy(rng.randn(2, 4, *([9] * rank)).astype('float32'))
    weight = torch.from_numpy(
        rng.randn(6, 4 // groups, *([3] * rank)).astype('float32'))
    bias = torch.from_numpy(rng.randn(6).astype('float32'))
    conv = {1: torch.nn.functional.conv1d, 2: torch.nn.functional.conv2d,
            3: torch.nn.functional.conv3d}[rank]
    expected = conv(x, weight, bias, stride, padding, dilation,
                    groups).clamp_min(0)
    with torch.no_grad():
        assert nn.fuses_relu(x, weight)
        fused = nn.conv_relu(x, weight, bias, stride, padding, dilation,
                             groups)
    np.testing.assert_allclose(fused.numpy(), expected.numpy(), rtol=1e-5,
                               atol=1e-5)


def test_conv_relu_fused_only_for_float32_inference():
    x32, w32 = torch.zeros(1, 2, 4, 4), torch.zeros(2, 2, 3, 3)
    assert not nn.fuses_relu(x32, w32)          # autograd records
    with torch.no_grad():
        assert not nn.fuses_relu(x32.double(), w32.double())
        with torch.autocast('cpu', dtype=torch.bfloat16):
            assert not nn.fuses_relu(x32, w32)


@needs_onednn
@pytest.mark.parametrize('padding,strides', [('valid', 1), ('same', 1),
                                             ('same', 2)])
def test_conv2d_layer_predicts_through_the_fused_kernel(monkeypatch, padding,
                                                        strides):
    import keras_compat as keras
    calls = []
    fused = nn.conv_relu

    def counting(*args, **kwargs):
        calls.append(1)
        return fused(*args, **kwargs)
    monkeypatch.setattr(nn, 'conv_relu', counting)
    model = keras.Sequential([keras.layers.Conv2D(
        5, (3, 3), strides=strides, padding=padding, activation='relu',
        input_shape=(8, 7, 3))])
    x = np.random.RandomState(5).randn(4, 8, 7, 3).astype('float32')
    predicted = model.predict(x)
    assert calls
    kernel, bias = model.get_weights()
    pads = ((0, 0), (0, 0)) if padding == 'valid' else \
        (nn.same_padding(8, 3, strides, 1), nn.same_padding(7, 3, strides, 1))
    padded = np.pad(x, ((0, 0),) + pads + ((0, 0),))
    conv = torch.nn.functional.conv2d(
        torch.from_numpy(padded).permute(0, 3, 1, 2),
        torch.from_numpy(kernel).permute(3, 2, 0, 1),
        torch.from_numpy(bias), strides).clamp_min(0).permute(0, 2, 3, 1)
    np.testing.assert_allclose(predicted, conv.numpy(), rtol=1e-5,
                               atol=1e-5)
