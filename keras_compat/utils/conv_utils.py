"""Argument normalisation and shape arithmetic of convolutions and pooling,
with Keras's rules (TensorFlow's 'same' padding puts the odd pixel at the
end)."""
from ..backend.common import normalize_data_format  # noqa: F401
from ..backend.nn import same_padding  # noqa: F401


def normalize_tuple(value, n, name):
    """An int or an iterable of n ints -> a tuple of n ints (positive ones
    for kernel sizes, strides, pool sizes, dilation rates and sizes)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return _checked((value,) * n, name, value)
    try:
        value_tuple = tuple(value)
    except TypeError:
        raise ValueError('The `' + name + '` argument must be a tuple of ' +
                         str(n) + ' integers. Received: ' + str(value))
    if len(value_tuple) != n:
        raise ValueError('The `' + name + '` argument must be a tuple of ' +
                         str(n) + ' integers. Received: ' + str(value))
    for single_value in value_tuple:
        try:
            int(single_value)
        except (ValueError, TypeError):
            raise ValueError('The `' + name + '` argument must be a tuple '
                             'of ' + str(n) + ' integers. Received: ' +
                             str(value) + ' including element ' +
                             str(single_value) + ' of type ' +
                             str(type(single_value)))
    return _checked(tuple(int(v) for v in value_tuple), name, value)


def _checked(values, name, original):
    from . import argument_validation
    if name in argument_validation.POSITIVE_TUPLE_ARGUMENTS:
        return argument_validation.positive_tuple(values, name, original)
    return values


def normalize_padding(value):
    padding = value.lower()
    allowed = {'valid', 'same', 'causal', 'full'}
    if padding not in allowed:
        from ..backend import common
        if common.is_tf_keras():
            raise ValueError('The `padding` argument must be a list/tuple '
                             'or one of "valid", "same" (or "causal", only '
                             'for `Conv1D). Received: ' + str(padding))
        raise ValueError('The `padding` argument must be one of "valid", '
                         '"same" (or "causal" for Conv1D). Received: ' +
                         str(padding))
    return padding


def conv_output_length(input_length, filter_size, padding, stride,
                       dilation=1):
    """Output length of a convolution (or pooling) along one axis."""
    if input_length is None:
        return None
    dilated = filter_size + (filter_size - 1) * (dilation - 1)
    if padding in ('same', 'causal'):
        output_length = input_length
    elif padding == 'valid':
        output_length = input_length - dilated + 1
    elif padding == 'full':
        output_length = input_length + dilated - 1
    else:
        # Keras 2 asserts the padding mode here.
        raise AssertionError('Invalid padding: ' + str(padding))
    return (output_length + stride - 1) // stride


def conv_input_length(output_length, filter_size, padding, stride):
    if output_length is None:
        return None
    if padding == 'same':
        pad = filter_size // 2
    elif padding == 'valid':
        pad = 0
    elif padding == 'full':
        pad = filter_size - 1
    else:
        raise AssertionError('Invalid padding: ' + str(padding))
    return (output_length - 1) * stride - 2 * pad + filter_size


def deconv_length(dim_size, stride_size, kernel_size, padding,
                  output_padding=None, dilation=1):
    """Output length of a transposed convolution along one axis."""
    if dim_size is None:
        return None
    kernel_size = kernel_size + (kernel_size - 1) * (dilation - 1)
    if output_padding is None:
        if padding == 'valid':
            return dim_size * stride_size + max(kernel_size - stride_size, 0)
        if padding == 'full':
            return dim_size * stride_size - (stride_size + kernel_size - 2)
        return dim_size * stride_size
    if padding == 'same':
        pad = kernel_size // 2
    elif padding == 'valid':
        pad = 0
    else:
        pad = kernel_size - 1
    return (dim_size - 1) * stride_size + kernel_size - 2 * pad + \
        output_padding


def convert_kernel(kernel):
    """Flips a kernel's spatial axes (Theano <-> TensorFlow convention)."""
    import numpy as np
    kernel = np.asarray(kernel)
    if not 3 <= kernel.ndim <= 5:
        raise ValueError('Invalid kernel shape:', kernel.shape)
    slices = [slice(None, None, -1) for _ in range(kernel.ndim)]
    no_flip = (slice(None, None), slice(None, None))
    slices[-2:] = no_flip
    return np.copy(kernel[tuple(slices)])


def convert_data_format(data_format, ndim):
    """TensorFlow's name ('NHWC', 'NCW', ...) of a Keras data format for
    inputs of rank `ndim` (3 to 5)."""
    names = {'channels_last': {3: 'NWC', 4: 'NHWC', 5: 'NDHWC'},
             'channels_first': {3: 'NCW', 4: 'NCHW', 5: 'NCDHW'}}
    if data_format not in names:
        raise ValueError('Invalid data_format:', data_format)
    if ndim not in names[data_format]:
        raise ValueError('Input rank not supported:', ndim)
    return names[data_format][ndim]


def deconv_output_length(input_length, filter_size, padding,
                         output_padding=None, stride=0, dilation=1):
    """tf.keras's output length of a transposed convolution (inferred when
    `output_padding` is None): `deconv_length` under tf.keras's argument
    names."""
    assert padding in {'same', 'valid', 'full'}
    return deconv_length(input_length, stride, filter_size, padding,
                         output_padding, dilation)
