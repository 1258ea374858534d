"""The tf.keras 2.x layers of keras_compat/layers/extra.py and
convolutional_recurrent_nd.py against Keras 3's: the same weights (matched
by name: Keras 3 orders a wrapper's weights differently), forward values,
gradients of a scalar loss with respect to the inputs and the trainable
weights, and the weights after the call (SpectralNormalization updates
its kernel and vector_u in training calls). ConvLSTM cases use the
sigmoid recurrent activation: Keras 3's 'hard_sigmoid' is another
function than tf.keras's (the tf.keras default is checked against tf.keras
itself in tests/layers/test_extra_layers.py). AbstractRNNCell has no Keras
3 counterpart; it is checked there too."""
import numpy as np
import pytest
import torch

from keras_compat import layers as L
from keras_compat.layers import convolutional_recurrent_nd as nd
from keras_compat.layers import extra

from parity_helpers import assert_close, to_numpy

R = np.random.RandomState(11)

# The layer names these cases cover, for test_api_coverage.py once the
# layers are exported from keras_compat.layers (AbstractRNNCell is
# abstract; tests/layers/test_extra_layers.py runs it against tf.keras).
COVERED_LAYERS = {'Identity', 'UnitNormalization', 'GroupNormalization',
                  'Conv1DTranspose', 'Convolution1DTranspose',
                  'Convolution3DTranspose', 'DepthwiseConv1D', 'ConvLSTM1D',
                  'ConvLSTM3D', 'ConvLSTMCell', 'SpectralNormalization'}

OURS = dict(vars(extra), ConvLSTM1D=nd.ConvLSTM1D, ConvLSTM3D=nd.ConvLSTM3D)


def rand(*shape):
    return R.uniform(-1, 1, size=shape).astype('float32')


def _spectral(inner, **kwargs):
    def make(lib, is_ours):
        wrapper = OURS['SpectralNormalization'] if is_ours else \
            lib.layers.SpectralNormalization
        return wrapper(inner(lib), **kwargs)
    return make


def _plain(name, k3_name=None, **kwargs):
    def make(lib, is_ours):
        cls = OURS[name] if is_ours else getattr(lib.layers,
                                                 k3_name or name)
        return cls(**kwargs)
    return make


SEQ_MASK = np.array([[1, 1, 1, 0], [1, 1, 1, 1], [0, 1, 1, 1]], dtype=bool)

# (id, maker(lib, is_ours), input, call kwargs)
CASES = [
    ('identity', _plain('Identity'), rand(2, 3), {}),
    ('unit_normalization', _plain('UnitNormalization'), rand(3, 4), {}),
    ('unit_normalization_axes', _plain('UnitNormalization', axis=[1, 2]),
     rand(2, 3, 4), {}),
    ('group_normalization', _plain('GroupNormalization', groups=2),
     rand(2, 5, 4), {}),
    ('group_normalization_channels_first',
     _plain('GroupNormalization', groups=3, axis=1, epsilon=0.1),
     rand(2, 6, 3, 2), {}),
    ('conv1d_transpose_same',
     _plain('Conv1DTranspose', filters=3, kernel_size=3, strides=2,
            padding='same'), rand(2, 5, 4), {}),
    ('conv1d_transpose_output_padding',
     _plain('Conv1DTranspose', filters=2, kernel_size=3, strides=3,
            output_padding=1), rand(2, 5, 4), {}),
    ('conv1d_transpose_channels_first',
     _plain('Conv1DTranspose', filters=2, kernel_size=2, strides=2,
            data_format='channels_first'), rand(2, 3, 5), {}),
    ('convolution1d_transpose', _plain(
        'Convolution1DTranspose', 'Conv1DTranspose', filters=2,
        kernel_size=4, strides=2, padding='same'), rand(2, 6, 3), {}),
    ('convolution3d_transpose', _plain(
        'Convolution3DTranspose', 'Conv3DTranspose', filters=2,
        kernel_size=2, strides=2, padding='same'), rand(2, 3, 2, 3, 2), {}),
    ('depthwise_conv1d_same',
     _plain('DepthwiseConv1D', kernel_size=3, strides=2, padding='same',
            depth_multiplier=2), rand(2, 7, 3), {}),
    ('depthwise_conv1d_dilated',
     _plain('DepthwiseConv1D', kernel_size=2, dilation_rate=2,
            activation='relu'), rand(2, 8, 3), {}),
    ('conv_lstm1d_sequences',
     _plain('ConvLSTM1D', filters=3, kernel_size=3, padding='same',
            recurrent_activation='sigmoid', return_sequences=True),
     rand(2, 4, 6, 2), {}),
    ('conv_lstm1d_masked_backwards',
     _plain('ConvLSTM1D', filters=2, kernel_size=2, strides=2,
            padding='same', recurrent_activation='sigmoid',
            go_backwards=True), rand(3, 4, 7, 2),
     {'mask': torch.tensor(SEQ_MASK)}),
    ('conv_lstm1d_states',
     _plain('ConvLSTM1D', filters=2, kernel_size=3, dilation_rate=2,
            recurrent_activation='sigmoid', return_state=True),
     rand(2, 3, 8, 3), {}),
    ('conv_lstm3d',
     _plain('ConvLSTM3D', filters=2, kernel_size=2, padding='same',
            recurrent_activation='sigmoid', return_sequences=True),
     rand(2, 3, 3, 4, 3, 2), {}),
    ('spectral_dense_training',
     _spectral(lambda lib: lib.layers.Dense(3)), rand(4, 5),
     {'training': True}),
    ('spectral_dense_inference',
     _spectral(lambda lib: lib.layers.Dense(3)), rand(4, 5),
     {'training': False}),
    ('spectral_conv2d_training',
     _spectral(lambda lib: lib.layers.Conv2D(2, 3), power_iterations=2),
     rand(2, 5, 5, 3), {'training': True}),
]
# (SpectralNormalization(Embedding(...)) is checked against tf.keras only:
# Keras 3 casts the wrapper's output to the input's dtype, integers.)

# Keras 3's names of weights that tf.keras names otherwise.
K3_NAMES = {'depthwise_kernel': 'kernel'}


class _KerasCompat(object):
    layers = L


def _flat(value):
    if isinstance(value, (list, tuple)):
        return [v for item in value for v in _flat(item)]
    return [value]


def _our_weights(layer, which='all'):
    """{name: (owner, record)} of our layer's weights."""
    return {record.name: (owner, record)
            for owner, record in layer._weight_pairs(which)}


def _their_weights(layer, trainable=False):
    return {w.name: w for w in (layer.trainable_weights if trainable
                                else layer.weights)}


def _copy_weights(ours, theirs):
    """Gives both layers the same random weights, matched by name."""
    values = {}
    for name, variable in _their_weights(theirs).items():
        values[name] = R.uniform(-0.5, 0.5, size=tuple(variable.shape)) \
            .astype('float32')
        variable.assign(values[name])
    pairs = _our_weights(ours)
    assert sorted(_k3_name(n) for n in pairs) == sorted(values)
    ours.set_weights([values[_k3_name(record.name)] for _, record in
                      ours._all_records()])


def _k3_name(name):
    return K3_NAMES.get(name, name)


def _inputs(x):
    t = torch.tensor(x)
    if t.is_floating_point():
        t.requires_grad_(True)
    return t


def _our_grad(owner, record):
    grad = getattr(owner, record.attr).grad
    if grad is None:
        return np.zeros(record.keras_shape, 'float32')
    if record.to_keras is not None:
        return to_numpy(record.to_keras(grad))
    return to_numpy(grad).reshape(record.keras_shape)


@pytest.mark.parametrize('case_id,make,x,call_kwargs', CASES,
                         ids=[c[0] for c in CASES])
def test_extra_layer_matches_keras3(k3, case_id, make, x, call_kwargs):
    ours, theirs = make(_KerasCompat, True), make(k3, False)
    ours(torch.tensor(x), **call_kwargs)
    theirs(torch.tensor(x), **call_kwargs)
    _copy_weights(ours, theirs)
    our_in, their_in = _inputs(x), _inputs(x)
    our_out = _flat(ours(our_in, **call_kwargs))
    their_out = _flat(theirs(their_in, **call_kwargs))
    assert len(our_out) == len(their_out)
    for i, (o, t) in enumerate(zip(our_out, their_out)):
        assert_close(o, t, what='output %d' % i)
    seeds = [R.uniform(-1, 1, size=tuple(o.shape)).astype('float32')
             for o in our_out]
    sum((o * torch.tensor(s)).sum() for o, s in zip(our_out, seeds)) \
        .backward()
    sum((o * torch.tensor(s)).sum() for o, s in zip(their_out, seeds)) \
        .backward()
    if our_in.requires_grad:
        assert_close(our_in.grad, their_in.grad, atol=1e-4,
                     what='input gradient')
    their_trainable = _their_weights(theirs, trainable=True)
    for name, (owner, record) in _our_weights(ours, 'trainable').items():
        grad = their_trainable[_k3_name(name)].value.grad
        assert_close(_our_grad(owner, record),
                     np.zeros(record.keras_shape) if grad is None else grad,
                     atol=1e-4, what='gradient of %s' % name)
    their_all = _their_weights(theirs)
    for name, (owner, record) in _our_weights(ours).items():
        assert_close(record.keras_tensor(owner),
                     their_all[_k3_name(name)].value,
                     what='%s after the call' % name)
