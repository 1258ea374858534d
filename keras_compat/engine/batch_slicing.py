"""Running a large predict batch in slices of rows.

In inference, the built-in layers compute each sample on its own, so a
batch's outputs are those of its slices put back together. A CPU batch
whose activations exceed the blocks that the process keeps for reuse
(`backend.host_memory`: 32 MB) maps and faults fresh memory for each of
them, and walks through memory far larger than the caches: a VGG-like
convnet on 100x100 images predicted 265 samples/s at batch 256 and 376 in
slices of 16 rows, a ResNet50 at 224x224 12 samples/s against 20.

`rows_per_slice(model)` is the slice size for a model made only of
built-in layers that keep samples apart (no Lambda, no user layer, no
stateful RNN, no layer called with `training=`), sized so that the largest
layer output of one slice fits 32 MB, in multiples of 8 rows: oneDNN's
kernels block the batch by 4 or 8, so each sample is computed by the same
instructions as in the whole batch and the outputs are the same numbers.
None where the model does not qualify or a layer's output size is not
fixed."""
import numpy as np

from .. import backend as K
from ..backend import host_memory

ROW_MULTIPLE = 8
SLICE_BYTES = host_memory.REUSED_BLOCK_BYTES

_PER_SAMPLE_LAYERS = (
    # core, noise, normalization (inference)
    'Dense', 'Activation', 'Dropout', 'SpatialDropout1D',
    'SpatialDropout2D', 'SpatialDropout3D', 'Flatten', 'Reshape', 'Permute',
    'RepeatVector', 'Masking', 'ActivityRegularization', 'Rescaling',
    'AlphaDropout', 'GaussianDropout', 'GaussianNoise',
    'BatchNormalization', 'LayerNormalization', 'InputLayer', 'Embedding',
    # activations
    'ELU', 'LeakyReLU', 'PReLU', 'ReLU', 'Softmax', 'ThresholdedReLU',
    # convolutions and resampling
    'Conv1D', 'Conv2D', 'Conv3D', 'Conv2DTranspose', 'Conv3DTranspose',
    'SeparableConv1D', 'SeparableConv2D', 'DepthwiseConv2D',
    'LocallyConnected1D', 'LocallyConnected2D',
    'Cropping1D', 'Cropping2D', 'Cropping3D', 'UpSampling1D',
    'UpSampling2D', 'UpSampling3D', 'ZeroPadding1D', 'ZeroPadding2D',
    'ZeroPadding3D',
    # pooling
    'AveragePooling1D', 'AveragePooling2D', 'AveragePooling3D',
    'MaxPooling1D', 'MaxPooling2D', 'MaxPooling3D',
    'GlobalAveragePooling1D', 'GlobalAveragePooling2D',
    'GlobalAveragePooling3D', 'GlobalMaxPooling1D', 'GlobalMaxPooling2D',
    'GlobalMaxPooling3D',
    # merges and attention
    'Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum',
    'Concatenate', 'Dot', 'Attention', 'AdditiveAttention',
    # recurrent (checked for statefulness below)
    'SimpleRNN', 'LSTM', 'GRU', 'ConvLSTM2D')
_WRAPPERS = ('TimeDistributed', 'Bidirectional')


def rows_per_slice(model):
    """Rows of one predict slice for `model`, or None to run each batch
    whole."""
    layers = []
    if not _keeps_samples_apart(model, layers):
        return None
    itemsize = np.dtype(K.floatx()).itemsize
    largest = 0
    for layer in layers:
        for node in layer._inbound_nodes:
            for shape in node.output_shapes:
                size = _sample_size(shape)
                if size is None:
                    return None
                largest = max(largest, size * itemsize)
    if not largest:
        return None
    rows = SLICE_BYTES // largest // ROW_MULTIPLE * ROW_MULTIPLE
    return max(rows, ROW_MULTIPLE)


def _keeps_samples_apart(layer, found):
    """Whether `layer` (a model, a wrapper or a layer) computes each sample
    on its own in inference; collects the layers into `found`."""
    Model, Sequential = _model_classes()
    kind = type(layer)
    if isinstance(layer, Model):
        plain = (kind.call is Sequential.call if isinstance(layer, Sequential)
                 else kind.call is Model.call and layer._is_graph_network)
        return plain and all(_keeps_samples_apart(inner, found)
                             for inner in layer.layers) and \
            _called_plainly(layer)
    if not _builtin(kind) or not _called_plainly(layer):
        return False
    if kind.__name__ in _WRAPPERS:
        found.append(layer)
        return _keeps_samples_apart(layer.layer, [])
    if kind.__name__ not in _PER_SAMPLE_LAYERS or \
            getattr(layer, 'stateful', False) or _acts_on_the_batch(layer):
        return False
    found.append(layer)
    return True


def _acts_on_the_batch(layer):
    """A layer told to work along axis 0 (`Concatenate(axis=0)`,
    `Softmax(axis=0)`, `LayerNormalization(axis=0)`), or a time-major
    recurrent layer (its axis 0 is time): slicing rows would cut across
    samples."""
    if getattr(layer, 'time_major', False):
        return True
    for name in ('axis', 'axes'):
        value = getattr(layer, name, None)
        values = value if isinstance(value, (list, tuple)) else [value]
        if any(isinstance(v, int) and not isinstance(v, bool) and v == 0
               for v in values):
            return True
    return False


def _model_classes():
    if not _MODEL_CLASSES:
        from .sequential import Sequential
        from .training import Model
        _MODEL_CLASSES.extend([Model, Sequential])
    return _MODEL_CLASSES


_MODEL_CLASSES = []


def _builtin(kind):
    return kind.__module__.startswith(('keras_compat.layers.',
                                       'keras_compat.engine.'))


def _called_plainly(layer):
    """No call of the layer passed `training=` (a BatchNormalization using
    batch statistics in predict would mix the samples)."""
    return all(node.arguments.get('training') in (None, False, 0)
               for node in layer._inbound_nodes)


def _sample_size(shape):
    """Elements of one sample of an output of `shape` (batch first); None
    where a dimension is unknown."""
    if shape is None or not isinstance(shape, (tuple, list)):
        return None
    size = 1
    for d in shape[1:]:
        if d is None:
            return None
        size *= int(d)
    return size


def row_slices(rows, batch_rows):
    """(start, stop) of each slice of a batch of `batch_rows` rows."""
    return [(start, min(start + rows, batch_rows))
            for start in range(0, batch_rows, rows)]
