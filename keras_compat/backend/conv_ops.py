"""`keras.backend` convolution and pooling functions on torch tensors.

Kernels are in Keras layout: `(*kernel_size, in_channels, out_channels)`
for convolutions, `(*kernel_size, out_channels, in_channels)` for the
transposed ones, `(*kernel_size, in_channels, multiplier)` for depthwise
kernels. 'same' padding is TensorFlow's (the extra pixel of an odd total
goes after), 'causal' pads the start of a 1D sequence only."""
import torch

from . import common
from . import nn
from .ops import _float, _t
from .ctc import ctc_decode  # noqa: F401


def _tuple(value, rank, name):
    if isinstance(value, int):
        return (value,) * rank
    value = tuple(int(v) for v in value)
    if len(value) != rank:
        raise ValueError('The `%s` argument must be a tuple of %d integers. '
                         'Received: %s' % (name, rank, value))
    return value


def _data_format(data_format):
    data_format = common.normalize_data_format(data_format)
    if data_format not in ('channels_first', 'channels_last'):
        raise ValueError('Unknown data_format: ' + str(data_format))
    return data_format


def _padding(padding, rank):
    padding = str(padding).lower()
    allowed = ('valid', 'same', 'causal') if rank == 1 else ('valid', 'same')
    if padding not in allowed:
        raise ValueError('Unknown padding: ' + str(padding))
    return padding


def _pad_input(x, padding, kernel_size, strides, dilation):
    """Channels-first `x` padded for 'same'/'causal' as TensorFlow pads."""
    pairs = nn.padding_pairs(padding, x.shape[2:], kernel_size, strides,
                             dilation)
    return nn.pad(x, pairs) if any(nn.pad_spec(pairs)) else x


def _conv(x, kernel, strides, padding, data_format, dilation_rate, rank,
          groups=1):
    x, kernel = _float(x), _t(kernel)
    data_format = _data_format(data_format)
    padding = _padding(padding, rank)
    strides = _tuple(strides, rank, 'strides')
    dilation = _tuple(dilation_rate, rank, 'dilation_rate')
    if x.dim() != rank + 2:
        raise ValueError('Input to a %dD convolution must have %d '
                         'dimensions; got shape %s.'
                         % (rank, rank + 2, tuple(x.shape)))
    weight = nn.kernel_to_torch(kernel, rank).to(x.dtype)
    x = nn.channels_first(x, rank, data_format)
    x = _pad_input(x, padding, kernel.shape[:rank], strides, dilation)
    y = nn.conv(x, weight, None, strides, 0, dilation, groups)
    return nn.channels_last(y, rank, data_format)


def conv1d(x, kernel, strides=1, padding='valid', data_format=None,
           dilation_rate=1):
    """1D convolution; kernel `(width, in, out)`; padding 'valid', 'same'
    or 'causal'."""
    return _conv(x, kernel, strides, padding, data_format, dilation_rate, 1)


def conv2d(x, kernel, strides=(1, 1), padding='valid', data_format=None,
           dilation_rate=(1, 1)):
    """2D convolution; kernel `(rows, cols, in, out)`."""
    return _conv(x, kernel, strides, padding, data_format, dilation_rate, 2)


def conv3d(x, kernel, strides=(1, 1, 1), padding='valid', data_format=None,
           dilation_rate=(1, 1, 1)):
    """3D convolution; kernel `(d1, d2, d3, in, out)`."""
    return _conv(x, kernel, strides, padding, data_format, dilation_rate, 3)


def _depthwise(x, depthwise_kernel, strides, padding, data_format,
               dilation_rate, rank):
    x, depthwise_kernel = _float(x), _t(depthwise_kernel)
    data_format = _data_format(data_format)
    padding = _padding(padding, rank)
    strides = _tuple(strides, rank, 'strides')
    dilation = _tuple(dilation_rate, rank, 'dilation_rate')
    weight = nn.depthwise_kernel_to_torch(depthwise_kernel.to(x.dtype), rank)
    channels = depthwise_kernel.shape[rank]
    x = nn.channels_first(x, rank, data_format)
    x = _pad_input(x, padding, depthwise_kernel.shape[:rank], strides,
                   dilation)
    return nn.conv(x, weight, None, strides, 0, dilation, channels)


def depthwise_conv2d(x, depthwise_kernel, strides=(1, 1), padding='valid',
                     data_format=None, dilation_rate=(1, 1)):
    """Depthwise 2D convolution; kernel `(rows, cols, in, multiplier)`."""
    data_format = _data_format(data_format)
    y = _depthwise(x, depthwise_kernel, strides, padding, data_format,
                   dilation_rate, 2)
    return nn.channels_last(y, 2, data_format)


def _separable(x, depthwise_kernel, pointwise_kernel, strides, padding,
               data_format, dilation_rate, rank):
    data_format = _data_format(data_format)
    y = _depthwise(x, depthwise_kernel, strides, padding, data_format,
                   dilation_rate, rank)
    weight = nn.kernel_to_torch(_t(pointwise_kernel), rank)
    y = nn.conv(y, weight.to(y.dtype))
    return nn.channels_last(y, rank, data_format)


def separable_conv1d(x, depthwise_kernel, pointwise_kernel, strides=1,
                     padding='valid', data_format=None, dilation_rate=1):
    """Depthwise 1D convolution followed by a pointwise one; kernels
    `(width, in, multiplier)` and `(1, in * multiplier, out)`."""
    return _separable(x, depthwise_kernel, pointwise_kernel, strides,
                      padding, data_format, dilation_rate, 1)


def separable_conv2d(x, depthwise_kernel, pointwise_kernel, strides=(1, 1),
                     padding='valid', data_format=None,
                     dilation_rate=(1, 1)):
    """Depthwise 2D convolution followed by a pointwise one; kernels
    `(rows, cols, in, multiplier)` and `(1, 1, in * multiplier, out)`."""
    return _separable(x, depthwise_kernel, pointwise_kernel, strides,
                      padding, data_format, dilation_rate, 2)


def _spatial_output_shape(output_shape, rank, data_format):
    output_shape = tuple(int(d) if d is not None else None
                         for d in output_shape)
    if data_format == 'channels_first':
        spatial_out = output_shape[2:]
    else:
        spatial_out = output_shape[1:-1]
    if len(spatial_out) != rank or any(d is None for d in spatial_out):
        raise ValueError('output_shape must give the %d spatial sizes; got '
                         '%s.' % (rank, output_shape))
    return output_shape, spatial_out


def _check_transpose_steps(x, kernel_size, output_shape, spatial_out,
                           strides, dilation, padding):
    """Raises unless a convolution of an `output_shape` input would give
    `x`'s spatial sizes."""
    for axis, (k, s, d, out) in enumerate(zip(kernel_size, strides,
                                              dilation, spatial_out)):
        dilated = (k - 1) * d + 1
        steps = (out + s - 1) // s if padding == 'same' else \
            max(out - dilated + s, 0) // s
        if steps != x.shape[2 + axis]:
            raise ValueError(
                'conv_transpose: output_shape %s does not fit the input of '
                'shape %s: a convolution of the output (kernel %d, stride '
                '%d, padding %r) would have %d steps on spatial axis %d, '
                'not %d.' % (output_shape, tuple(x.shape), k, s,
                             padding, steps, axis, x.shape[2 + axis]))


def _conv_transpose(x, kernel, output_shape, strides, padding, data_format,
                    dilation_rate, rank):
    """TensorFlow's conv_transpose: the gradient of the convolution of an
    `output_shape` input, so the output is cut from (or zero-extended
    beyond) the full transposed convolution where that convolution's
    padding starts."""
    x, kernel = _float(x), _t(kernel)
    data_format = _data_format(data_format)
    padding = _padding(padding, rank)
    strides = _tuple(strides, rank, 'strides')
    dilation = _tuple(dilation_rate, rank, 'dilation_rate')
    output_shape, spatial_out = _spatial_output_shape(output_shape, rank,
                                                      data_format)
    weight = nn.kernel_to_torch(kernel, rank).to(x.dtype)
    x = nn.channels_first(x, rank, data_format)
    y = nn.conv_transpose(x, weight, None, strides, 0, 0, dilation)
    kernel_size = kernel.shape[:rank]
    _check_transpose_steps(x, kernel_size, output_shape, spatial_out,
                           strides, dilation, padding)
    crop = nn.transpose_crop(x.shape[2:], spatial_out, kernel_size, strides,
                             dilation, padding)
    index = [slice(None), slice(None)] + [
        slice(before, before + out)
        for (before, _, _), out in zip(crop, spatial_out)]
    extend = [added for _, _, added in crop]
    if any(extend):
        y = nn.pad(y, [(0, added) for added in extend])
    return nn.channels_last(y[tuple(index)], rank, data_format)


def conv2d_transpose(x, kernel, output_shape, strides=(1, 1),
                     padding='valid', data_format=None,
                     dilation_rate=(1, 1)):
    """Transposed 2D convolution; kernel `(rows, cols, out, in)`;
    `output_shape` is the full output shape (batch first, in
    `data_format` order)."""
    return _conv_transpose(x, kernel, output_shape, strides, padding,
                           data_format, dilation_rate, 2)


def conv3d_transpose(x, kernel, output_shape, strides=(1, 1, 1),
                     padding='valid', data_format=None):
    """Transposed 3D convolution; kernel `(d1, d2, d3, out, in)`."""
    return _conv_transpose(x, kernel, output_shape, strides, padding,
                           data_format, (1, 1, 1), 3)


# One pooling plan per configuration and input size, kept, as a pooling
# layer keeps its own.
_POOL_PLANS = {}


def _pool_config(pool_size, strides, padding, data_format, pool_mode, rank):
    """The validated pooling arguments, with the errors a pooling layer
    gives for them."""
    from ..utils import conv_utils
    if pool_mode not in ('max', 'avg'):
        raise ValueError('Invalid pooling mode: ' + str(pool_mode))
    pool_size = _tuple(pool_size, rank, 'pool_size')
    strides = _tuple(strides, rank, 'strides')
    padding, data_format = _padding(padding, 2), _data_format(data_format)
    pool_size = conv_utils.normalize_tuple(pool_size, rank, 'pool_size')
    strides = conv_utils.normalize_tuple(strides, rank, 'strides')
    return pool_size, strides, padding, data_format


def _pool(x, pool_size, strides, padding, data_format, pool_mode, rank):
    pool_size, strides, padding, data_format = _pool_config(
        pool_size, strides, padding, data_format, pool_mode, rank)
    x = _float(x)
    spatial = tuple(x.shape[1:-1] if data_format == 'channels_last'
                    else x.shape[2:])
    key = (pool_mode, pool_size, strides, padding, spatial, x.device)
    plan = _POOL_PLANS.get(key)
    if plan is None:
        plan = _POOL_PLANS[key] = nn.pool_plan(
            pool_mode, spatial, pool_size, strides, padding, x.device)
    return nn.pool(x, pool_mode, pool_size, strides, plan, data_format)


def pool2d(x, pool_size, strides=(1, 1), padding='valid', data_format=None,
           pool_mode='max'):
    """2D max ('max') or average ('avg') pooling; 'same' average pooling
    counts only the real pixels, as TensorFlow does."""
    return _pool(x, pool_size, strides, padding, data_format, pool_mode, 2)


def pool3d(x, pool_size, strides=(1, 1, 1), padding='valid',
           data_format=None, pool_mode='max'):
    """3D max ('max') or average ('avg') pooling."""
    return _pool(x, pool_size, strides, padding, data_format, pool_mode, 3)


def local_conv1d(inputs, kernel, kernel_size, strides, data_format=None):
    """1D convolution with a separate kernel per output step: kernel
    `(output_length, kernel_size * input_dim, filters)`, patches flattened
    as (step, channel) for channels_last and (channel, step) for
    channels_first, as tf.keras flattens them. Returns `(batch,
    output_length, filters)`, or `(batch, filters, output_length)` for
    channels_first."""
    data_format = _data_format(data_format)
    x, kernel = _float(inputs), _t(kernel)
    k = _tuple(kernel_size, 1, 'kernel_size')[0]
    s = _tuple(strides, 1, 'strides')[0]
    output_length = kernel.shape[0]
    if data_format == 'channels_first':
        x = x.transpose(1, 2)
    patches = x.unfold(1, k, s)[:, :output_length]     # (B, L, C, k)
    if data_format == 'channels_last':
        patches = patches.transpose(2, 3)
    patches = patches.reshape(x.shape[0], output_length, -1)
    out = torch.einsum('blf,lfo->blo', patches, kernel.to(x.dtype))
    if data_format == 'channels_first':
        out = out.transpose(1, 2)
    return out


def local_conv2d(inputs, kernel, kernel_size, strides, output_shape,
                 data_format=None):
    """2D convolution with a separate kernel per output pixel: kernel
    `(output_row * output_col, feature_dim, filters)`; patches flattened
    as (row, col, channel) for channels_last and (channel, row, col) for
    channels_first, as Keras 2 flattens them."""
    data_format = _data_format(data_format)
    x, kernel = _float(inputs), _t(kernel)
    kh, kw = _tuple(kernel_size, 2, 'kernel_size')
    sh, sw = _tuple(strides, 2, 'strides')
    rows, cols = (int(v) for v in output_shape)
    x = nn.channels_first(x, 2, data_format)
    patches = x.unfold(2, kh, sh).unfold(3, kw, sw)[:, :, :rows, :cols]
    # (B, C, rows, cols, kh, kw)
    if data_format == 'channels_last':
        patches = patches.permute(0, 2, 3, 4, 5, 1)
    else:
        patches = patches.permute(0, 2, 3, 1, 4, 5)
    patches = patches.reshape(x.shape[0], rows * cols, -1)
    out = torch.einsum('bpf,pfo->bpo', patches, kernel.to(x.dtype))
    out = out.reshape(x.shape[0], rows, cols, -1)
    if data_format == 'channels_first':
        out = nn.channels_first(out, 2)
    return out


def ctc_label_dense_to_sparse(labels, label_lengths):
    raise NotImplementedError(
        'ctc_label_dense_to_sparse builds a TensorFlow SparseTensor, which '
        'has no torch counterpart; K.ctc_batch_cost takes dense labels.')
