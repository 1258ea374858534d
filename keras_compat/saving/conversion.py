"""Weight conversions applied when loading Keras files, as Keras 2.3's
`preprocess_weights_for_loading` does them:

- Keras 1 files: per-gate LSTM/GRU/ConvLSTM2D weights concatenated (Keras
  1 LSTM gates were i, c, f, o), Theano-ordered convolution kernels;
- files written by the Theano backend: convolution kernels flipped;
- CuDNNLSTM/CuDNNGRU weights to LSTM and GRU(reset_after=True), and back.
"""
import numpy as np

from ..utils import conv_utils

_CONV_LAYERS = ('Conv1D', 'Conv2D', 'Conv3D', 'Conv2DTranspose',
                'ConvLSTM2D')


def preprocess_weights_for_loading(layer, weights,
                                   original_keras_version=None,
                                   original_backend=None, reshape=False):
    """The saved `weights` (numpy arrays) of `layer` in the layout the
    layer has now."""
    name = type(layer).__name__
    weights = list(weights)
    if name == 'Bidirectional':
        half = len(weights) // 2
        weights = preprocess_weights_for_loading(
            layer.forward_layer, weights[:half], original_keras_version,
            original_backend) + preprocess_weights_for_loading(
            layer.backward_layer, weights[half:], original_keras_version,
            original_backend)
    elif name == 'TimeDistributed':
        weights = preprocess_weights_for_loading(
            layer.layer, weights, original_keras_version, original_backend)
    elif name in ('Model', 'Sequential') or \
            getattr(layer, '_is_graph_network', False):
        weights = _convert_nested_model(layer, weights,
                                        original_keras_version,
                                        original_backend)
    if name in _LOCALLY_CONNECTED:
        weights = _locally_connected_weights(layer, weights)
    if original_keras_version == '1':
        weights = _from_keras1(layer, weights)
    if name in _CONV_LAYERS:
        weights = _conv_kernels(layer, weights, original_backend, reshape)
    return _convert_rnn_weights(layer, weights)


_LOCALLY_CONNECTED = ('LocallyConnected1D', 'LocallyConnected2D')


def _locally_connected_weights(layer, weights):
    """tf.keras's LocallyConnected1D/2D `implementation=2` (a dense
    kernel `(inputs..., outputs...)` masked to the receptive fields) and
    `implementation=3` (the connected entries only, in sorted
    (output index, input index) order) compute what `implementation=1`
    computes; their kernels are rewritten in implementation 1's layout
    `(output positions, kernel positions * channels, filters)`. The bias
    has one layout for all three."""
    expected = tuple(layer.kernel.shape)
    kernel = np.asarray(weights[0])
    if kernel.shape == expected:
        return weights
    rank = layer.rank
    if kernel.ndim not in (1, 2 * rank + 2):
        return weights      # left to the shape check, which names it
    out_index, in_index, target = _local_connections(layer)
    if kernel.ndim == 1:
        order = np.lexsort((in_index, out_index))
        rank_of = np.empty_like(order)
        rank_of[order] = np.arange(order.size)
        values = kernel[rank_of]
    else:
        values = kernel.reshape(-1)[in_index * _output_size(layer) +
                                    out_index]
    converted = np.zeros(expected, dtype=kernel.dtype)
    converted[target] = values
    return [converted] + list(weights[1:])


def _output_size(layer):
    """The number of output values: output positions times filters."""
    return int(layer.kernel.shape[0]) * layer.filters


def _local_geometry(layer):
    """(input spatial shape, input channels) of a built locally
    connected layer."""
    shape = tuple(layer.input_shape)
    if layer.data_format == 'channels_first':
        return shape[2:], shape[1]
    return shape[1:-1], shape[-1]


def _local_connections(layer):
    """For every entry of an implementation-1 kernel: its flat output
    index and flat input index in the tensors as laid out by the layer's
    data_format (the indices tf.keras's implementations 2 and 3 use), and
    its index into the implementation-1 kernel."""
    spatial, channels = _local_geometry(layer)
    kernel_size, strides = layer.kernel_size, layer.strides
    outputs = tuple((size - k) // s + 1
                    for size, k, s in zip(spatial, kernel_size, strides))
    filters = layer.filters
    grid = np.meshgrid(np.arange(int(np.prod(outputs))),
                       np.arange(int(np.prod(kernel_size))),
                       np.arange(channels), np.arange(filters),
                       indexing='ij')
    position, offset, channel, filt = [g.reshape(-1) for g in grid]
    where = np.unravel_index(position, outputs)
    shift = np.unravel_index(offset, kernel_size)
    source = np.ravel_multi_index(
        [w * s + d for w, s, d in zip(where, strides, shift)], spatial)
    n_in, n_out = int(np.prod(spatial)), int(np.prod(outputs))
    n_kernel = int(np.prod(kernel_size))
    if layer.data_format == 'channels_first':
        in_index = channel * n_in + source
        out_index = filt * n_out + position
        feature = channel * n_kernel + offset
    else:
        in_index = source * channels + channel
        out_index = position * filters + filt
        feature = offset * channels + channel
    return out_index, in_index, (position, feature, filt)


def _convert_nested_model(model, weights, original_keras_version,
                          original_backend):
    """A model's weights are its layers' trainable weights, then their
    non-trainable ones; each layer's share is converted on its own."""
    converted = []
    for which in ('trainable', 'non_trainable'):
        for sublayer in model.layers:
            count = len(sublayer._weight_pairs(which))
            if count:
                converted += preprocess_weights_for_loading(
                    sublayer, weights[:count], original_keras_version,
                    original_backend)
                weights = weights[count:]
    return converted


def _gates(weights, order):
    """Keras 1 stored kernel, recurrent kernel and bias per gate: the
    concatenation of each, gates taken in `order`."""
    return [np.concatenate([weights[3 * gate + part] for gate in order],
                           axis=-1) for part in range(3)]


def _from_keras1(layer, weights):
    name = type(layer).__name__
    fmt = getattr(layer, 'data_format', None)
    if name == 'Conv1D':
        shape = weights[0].shape
        if shape[:2] != (layer.kernel_size[0], 1) or \
                shape[3] != layer.filters:
            # Keras 1.1: (filters, input_dim, filter_length, 1).
            weights[0] = np.transpose(weights[0], (2, 3, 1, 0))
        weights[0] = weights[0][:, 0, :, :]
    elif name == 'Conv2D' and fmt == 'channels_first':
        weights[0] = np.transpose(weights[0], (2, 3, 1, 0))
    elif name == 'Conv2DTranspose':
        weights[0] = np.transpose(
            weights[0], (0, 1, 3, 2) if fmt == 'channels_last'
            else (2, 3, 0, 1))
    elif name == 'Conv3D' and fmt == 'channels_first':
        weights[0] = np.transpose(weights[0], (2, 3, 4, 1, 0))
    elif name == 'GRU' and len(weights) == 9:
        weights = _gates(weights, (0, 1, 2))
    elif name in ('LSTM', 'ConvLSTM2D') and len(weights) == 12:
        # Keras 1 gate order i, c, f, o; Keras 2 i, f, c, o.
        weights = _gates(weights, (0, 2, 1, 3))
        if name == 'ConvLSTM2D' and fmt == 'channels_first':
            weights[0] = np.transpose(weights[0], (2, 3, 1, 0))
            weights[1] = np.transpose(weights[1], (2, 3, 1, 0))
    return weights


def _need_convert_kernel(original_backend):
    """Theano convolves (flipped kernels); TensorFlow, CNTK and torch
    correlate."""
    correlates = {'tensorflow': True, 'theano': False, 'cntk': True}
    if original_backend not in correlates:
        return False
    return not correlates[original_backend]


def _conv_kernels(layer, weights, original_backend, reshape):
    expected = tuple(layer.weights[0].shape)
    is_conv_lstm = type(layer).__name__ == 'ConvLSTM2D'
    if _need_convert_kernel(original_backend):
        weights[0] = conv_utils.convert_kernel(weights[0])
        if is_conv_lstm:
            weights[1] = conv_utils.convert_kernel(weights[1])
    if reshape and expected != weights[0].shape:
        if weights[0].size != int(np.prod(expected)):
            raise ValueError('Weights must be of equal size to apply a '
                             'reshape operation. Layer ' + layer.name +
                             '\'s weights have shape ' + str(expected) +
                             ' and size ' + str(int(np.prod(expected))) +
                             '. The weights for loading have shape ' +
                             str(weights[0].shape) + ' and size ' +
                             str(weights[0].size) + '. ')
        weights[0] = np.reshape(weights[0], expected)
    elif expected != weights[0].shape and weights[0].ndim == 4:
        # Theano-ordered (filters, input_dim, rows, cols) kernels.
        weights[0] = np.transpose(weights[0], (3, 2, 0, 1))
        if is_conv_lstm:
            weights[1] = np.transpose(weights[1], (3, 2, 0, 1))
    return weights


def _per_gate(kernels, fn, n_gates):
    return np.hstack([fn(k) for k in np.hsplit(kernels, n_gates)])


def _cudnn_input_transform(from_cudnn):
    """cuDNN stores each gate's input kernel in Fortran order."""
    order = 'F' if from_cudnn else 'C'
    return lambda kernel: kernel.T.reshape(kernel.shape, order=order)


def _between_cudnn(weights, n_gates, from_cudnn, biases):
    return [_per_gate(weights[0], _cudnn_input_transform(from_cudnn),
                      n_gates),
            _per_gate(weights[1], lambda k: k.T, n_gates),
            biases]


def _convert_rnn_weights(layer, weights):
    """LSTM <-> CuDNNLSTM and GRU(reset_after=True) <-> CuDNNGRU weights,
    told apart by the bias shape."""
    target = type(layer).__name__
    if len(weights) != 3:
        return weights
    units = weights[1].shape[0]
    bias_shape = weights[2].shape
    if target in ('LSTM', 'CuDNNLSTM'):
        if bias_shape == (8 * units,):
            source = 'CuDNNLSTM'
        elif bias_shape == (4 * units,):
            source = 'LSTM'
        else:
            raise ValueError('Invalid bias shape: ' + str(bias_shape))
        if source == target:
            return weights
        if source == 'CuDNNLSTM':
            biases = np.sum(np.split(weights[2], 2, axis=0), axis=0)
        else:
            biases = np.tile(0.5 * weights[2], 2)
        return _between_cudnn(weights, 4, source == 'CuDNNLSTM', biases)
    if target in ('GRU', 'CuDNNGRU'):
        if bias_shape == (6 * units,):
            source = 'CuDNNGRU'
        elif bias_shape == (2, 3 * units):
            source = 'GRU(reset_after=True)'
        elif bias_shape == (3 * units,):
            source = 'GRU(reset_after=False)'
        else:
            raise ValueError('Invalid bias shape: ' + str(bias_shape))
        if target == 'GRU':
            target = 'GRU(reset_after=%s)' % bool(layer.reset_after)
        if source == target:
            return weights
        if 'GRU(reset_after=False)' in (source, target):
            raise ValueError('%s is not compatible with %s'
                             % (source, target))
        from_cudnn = source == 'CuDNNGRU'
        biases = np.array(weights[2]).reshape((2, -1) if from_cudnn else -1)
        return _between_cudnn(weights, 3, from_cudnn, biases)
    return weights
