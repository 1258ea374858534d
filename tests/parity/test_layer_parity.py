"""Every public layer against Keras 3 (or, where Keras 3 departs from
Keras 2, the Keras 2 formula in numpy): same weights copied Keras layout to
Keras layout, forward values and gradients of a scalar loss with respect to
inputs and weights."""
import numpy as np
import pytest
import torch

import keras_compat
from keras_compat import layers as L
from keras_compat.engine.base_layer import Layer

from parity_helpers import assert_close, to_numpy

R = np.random.RandomState(7)


def rand(*shape):
    return R.uniform(-1, 1, size=shape).astype('float32')


class Case(object):
    """One layer configuration: `name` in both libraries, the Keras 2
    config, Keras 3's spelling of it when it differs, and the inputs."""

    def __init__(self, id, name, config, inputs, k3_config=None,
                 k3_name=None, make=None, k3_make=None, training=False,
                 mask=None, grad=True, atol=1e-5):
        self.id, self.name, self.config = id, name, config
        self.inputs = inputs
        self.k3_config = config if k3_config is None else k3_config
        self.k3_name = k3_name or name
        self.make, self.k3_make = make, k3_make
        self.training, self.mask, self.grad, self.atol = \
            training, mask, grad, atol

    def ours(self):
        if self.make is not None:
            return self.make(keras_compat)
        return getattr(L, self.name)(**self.config)

    def theirs(self, k3):
        if self.k3_make is not None:
            return self.k3_make(k3)
        return getattr(k3.layers, self.k3_name)(**self.k3_config)


def _lstm(lib, **kw):
    return lib.layers.LSTM(4, recurrent_activation='sigmoid', **kw)


def _gru(lib, **kw):
    return lib.layers.GRU(4, recurrent_activation='sigmoid', **kw)


SEQ = rand(3, 5, 2)
SEQ_MASK = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [0, 1, 1, 1, 0]],
                    dtype=bool)
IMG = rand(2, 7, 6, 3)
VOL = rand(2, 5, 4, 6, 2)

CASES = [
    # core
    Case('dense', 'Dense', dict(units=3, activation='tanh'), rand(4, 5)),
    Case('dense_3d', 'Dense', dict(units=2), rand(2, 3, 4)),
    Case('activation', 'Activation', dict(activation='softplus'),
         rand(3, 4)),
    Case('flatten', 'Flatten', {}, rand(2, 3, 4)),
    Case('reshape', 'Reshape', dict(target_shape=(2, -1)), rand(2, 3, 4)),
    Case('permute', 'Permute', dict(dims=(2, 1)), rand(2, 3, 4)),
    Case('repeat_vector', 'RepeatVector', dict(n=3), rand(2, 4)),
    Case('dropout_inference', 'Dropout', dict(rate=0.5), rand(3, 4)),
    Case('spatial_dropout1d', 'SpatialDropout1D', dict(rate=0.5),
         rand(2, 3, 4)),
    Case('spatial_dropout2d', 'SpatialDropout2D', dict(rate=0.5), IMG),
    Case('spatial_dropout3d', 'SpatialDropout3D', dict(rate=0.5), VOL),
    Case('activity_regularization', 'ActivityRegularization',
         dict(l1=0.1), rand(3, 4)),
    Case('rescaling', 'Rescaling', dict(scale=0.5, offset=-1.),
         rand(3, 4)),
    Case('masking', 'Masking', dict(mask_value=0.), rand(2, 3, 4)),
    Case('lambda', 'Lambda', {}, rand(3, 4),
         make=lambda lib: lib.layers.Lambda(lambda x: x * 2. + 1.),
         k3_make=lambda lib: lib.layers.Lambda(lambda x: x * 2. + 1.)),
    # tf.keras's layers for TensorFlow functions of symbolic tensors.
    Case('tf_op_lambda', 'TFOpLambda', {}, rand(3, 4),
         make=lambda lib: lib.layers.TFOpLambda('math.softplus'),
         k3_make=lambda lib: lib.layers.Lambda(lib.ops.softplus)),
    Case('slicing_op_lambda', 'SlicingOpLambda', {}, rand(3, 4),
         make=lambda lib: lib.layers.SlicingOpLambda('nn.relu6'),
         k3_make=lambda lib: lib.layers.Lambda(lib.ops.relu6)),
    Case('gaussian_noise', 'GaussianNoise', dict(stddev=0.3), rand(3, 4)),
    Case('gaussian_dropout', 'GaussianDropout', dict(rate=0.3), rand(3, 4)),
    Case('alpha_dropout', 'AlphaDropout', dict(rate=0.3), rand(3, 4)),
    # advanced activations
    Case('leaky_relu', 'LeakyReLU', dict(alpha=0.2), rand(3, 4),
         k3_config=dict(negative_slope=0.2)),
    Case('prelu', 'PReLU', dict(alpha_initializer='random_uniform'),
         rand(3, 4)),
    Case('prelu_shared', 'PReLU', dict(shared_axes=[1, 2],
                                       alpha_initializer='random_uniform'),
         IMG),
    Case('elu', 'ELU', dict(alpha=0.7), rand(3, 4)),
    Case('softmax', 'Softmax', dict(axis=1), rand(2, 3, 4)),
    Case('relu', 'ReLU', dict(max_value=0.5, negative_slope=0.1,
                              threshold=0.2), rand(3, 4)),
    # convolutions
    Case('conv1d_causal_dilated', 'Conv1D',
         dict(filters=3, kernel_size=2, padding='causal', dilation_rate=2),
         rand(2, 7, 3)),
    Case('conv1d_same_strided', 'Conv1D',
         dict(filters=2, kernel_size=4, strides=2, padding='same'),
         rand(2, 9, 3)),
    Case('conv2d_same_even', 'Conv2D',
         dict(filters=4, kernel_size=(2, 4), strides=(2, 3), padding='same',
              activation='relu'), IMG),
    Case('conv2d_valid_dilated', 'Conv2D',
         dict(filters=2, kernel_size=3, dilation_rate=2, use_bias=False),
         rand(2, 8, 8, 2)),
    Case('conv2d_channels_first', 'Conv2D',
         dict(filters=2, kernel_size=3, data_format='channels_first'),
         rand(2, 3, 6, 5)),
    Case('conv3d', 'Conv3D', dict(filters=2, kernel_size=(2, 3, 2),
                                  padding='same'), VOL),
    Case('conv2d_transpose', 'Conv2DTranspose',
         dict(filters=2, kernel_size=3, strides=2, padding='same'), IMG),
    Case('conv2d_transpose_valid', 'Conv2DTranspose',
         dict(filters=2, kernel_size=(3, 2), strides=(2, 1)), IMG),
    Case('conv3d_transpose', 'Conv3DTranspose',
         dict(filters=2, kernel_size=2, strides=2), VOL),
    Case('separable_conv1d', 'SeparableConv1D',
         dict(filters=3, kernel_size=3, depth_multiplier=2),
         rand(2, 7, 3)),
    Case('separable_conv2d', 'SeparableConv2D',
         dict(filters=3, kernel_size=3, padding='same', depth_multiplier=2),
         IMG),
    Case('depthwise_conv2d', 'DepthwiseConv2D',
         dict(kernel_size=3, depth_multiplier=2, strides=2), IMG),
    # pooling and resizing
    Case('max_pool1d', 'MaxPooling1D', dict(pool_size=2), rand(2, 7, 3)),
    Case('avg_pool1d', 'AveragePooling1D', dict(pool_size=3, strides=2),
         rand(2, 7, 3)),
    Case('max_pool2d_same', 'MaxPooling2D',
         dict(pool_size=3, strides=2, padding='same'), IMG),
    Case('avg_pool2d', 'AveragePooling2D', dict(pool_size=2), IMG),
    Case('max_pool3d', 'MaxPooling3D', dict(pool_size=2), VOL),
    Case('avg_pool3d', 'AveragePooling3D', dict(pool_size=2), VOL),
    Case('global_avg1d', 'GlobalAveragePooling1D', {}, rand(2, 5, 3)),
    Case('global_max1d', 'GlobalMaxPooling1D', {}, rand(2, 5, 3)),
    Case('global_avg2d', 'GlobalAveragePooling2D', {}, IMG),
    Case('global_max2d', 'GlobalMaxPooling2D', {}, IMG),
    Case('global_avg3d', 'GlobalAveragePooling3D', {}, VOL),
    Case('global_max3d', 'GlobalMaxPooling3D', {}, VOL),
    Case('upsampling1d', 'UpSampling1D', dict(size=3), rand(2, 4, 3)),
    Case('upsampling2d', 'UpSampling2D', dict(size=(2, 3)), IMG),
    Case('upsampling2d_bilinear', 'UpSampling2D',
         dict(size=2, interpolation='bilinear'), IMG),
    Case('upsampling3d', 'UpSampling3D', dict(size=2), VOL),
    Case('zero_padding1d', 'ZeroPadding1D', dict(padding=(1, 2)),
         rand(2, 4, 3)),
    Case('zero_padding2d', 'ZeroPadding2D', dict(padding=((1, 0), (2, 1))),
         IMG),
    Case('zero_padding3d', 'ZeroPadding3D', dict(padding=1), VOL),
    Case('cropping1d', 'Cropping1D', dict(cropping=(1, 2)), rand(2, 6, 3)),
    Case('cropping2d', 'Cropping2D', dict(cropping=((1, 2), (0, 1))), IMG),
    Case('cropping3d', 'Cropping3D', dict(cropping=1), VOL),
    # normalization
    Case('batchnorm_inference', 'BatchNormalization',
         dict(beta_initializer='random_uniform',
              gamma_initializer='random_uniform',
              moving_mean_initializer='random_uniform',
              moving_variance_initializer='ones'), IMG),
    Case('batchnorm_training', 'BatchNormalization',
         dict(momentum=0.9, beta_initializer='random_uniform'), IMG,
         training=True),
    Case('batchnorm_axis1', 'BatchNormalization', dict(axis=1),
         rand(4, 3, 5), training=True),
    # One process: synchronised statistics are the batch's own.
    Case('sync_batchnorm_training', 'SyncBatchNormalization',
         dict(momentum=0.9, beta_initializer='random_uniform'), IMG,
         k3_name='BatchNormalization',
         k3_config=dict(momentum=0.9, beta_initializer='random_uniform'),
         training=True),
    Case('layer_normalization', 'LayerNormalization',
         dict(beta_initializer='random_uniform'), rand(3, 4, 5)),
    # embeddings and recurrent
    Case('embedding', 'Embedding', dict(input_dim=10, output_dim=3),
         R.randint(0, 10, size=(3, 4)), grad=False),
    Case('lstm_sequences_states', 'LSTM', {}, SEQ,
         make=lambda lib: _lstm(lib, return_sequences=True,
                                return_state=True),
         k3_make=lambda lib: _lstm(lib, return_sequences=True,
                                   return_state=True)),
    Case('lstm_masked', 'LSTM', {}, SEQ, mask=SEQ_MASK,
         make=lambda lib: _lstm(lib, return_state=True),
         k3_make=lambda lib: _lstm(lib, return_state=True)),
    Case('lstm_backwards_no_bias', 'LSTM', {}, SEQ,
         make=lambda lib: _lstm(lib, go_backwards=True, use_bias=False,
                                return_sequences=True),
         k3_make=lambda lib: _lstm(lib, go_backwards=True, use_bias=False,
                                   return_sequences=True)),
    Case('gru_reset_after', 'GRU', {}, SEQ, mask=SEQ_MASK,
         make=lambda lib: _gru(lib, reset_after=True, return_sequences=True),
         k3_make=lambda lib: _gru(lib, reset_after=True,
                                  return_sequences=True)),
    Case('gru_reset_before', 'GRU', {}, SEQ,
         make=lambda lib: _gru(lib, reset_after=False, return_state=True),
         k3_make=lambda lib: _gru(lib, reset_after=False,
                                  return_state=True)),
    Case('simple_rnn', 'SimpleRNN', dict(units=4, return_sequences=True),
         SEQ, mask=SEQ_MASK),
    Case('simple_rnn_relu', 'SimpleRNN', dict(units=3, activation='relu'),
         SEQ),
    Case('rnn_lstm_cell', 'RNN', {}, SEQ,
         make=lambda lib: lib.layers.RNN(lib.layers.LSTMCell(3)),
         k3_make=lambda lib: lib.layers.RNN(lib.layers.LSTMCell(3))),
    Case('rnn_gru_cell', 'RNN', {}, SEQ,
         make=lambda lib: lib.layers.RNN(lib.layers.GRUCell(
             3, recurrent_activation='sigmoid', reset_after=True),
             return_sequences=True),
         k3_make=lambda lib: lib.layers.RNN(lib.layers.GRUCell(
             3, recurrent_activation='sigmoid', reset_after=True),
             return_sequences=True)),
    Case('rnn_stacked_cells', 'RNN', {}, SEQ,
         make=lambda lib: lib.layers.RNN(lib.layers.StackedRNNCells(
             [lib.layers.SimpleRNNCell(3), lib.layers.SimpleRNNCell(2)])),
         k3_make=lambda lib: lib.layers.RNN(lib.layers.StackedRNNCells(
             [lib.layers.SimpleRNNCell(3), lib.layers.SimpleRNNCell(2)]))),
    # convolutional recurrent
    Case('conv_lstm2d_same_sequences', 'ConvLSTM2D', {}, rand(2, 3, 5, 4, 2),
         make=lambda lib: lib.layers.ConvLSTM2D(
             3, (3, 3), padding='same', recurrent_activation='sigmoid',
             return_sequences=True),
         k3_make=lambda lib: lib.layers.ConvLSTM2D(
             3, (3, 3), padding='same', recurrent_activation='sigmoid',
             return_sequences=True)),
    Case('conv_lstm2d_strided_masked', 'ConvLSTM2D', {},
         rand(3, 5, 6, 5, 2), mask=SEQ_MASK,
         make=lambda lib: lib.layers.ConvLSTM2D(
             2, (2, 3), strides=(2, 1), padding='same', go_backwards=True,
             recurrent_activation='sigmoid'),
         k3_make=lambda lib: lib.layers.ConvLSTM2D(
             2, (2, 3), strides=(2, 1), padding='same', go_backwards=True,
             recurrent_activation='sigmoid')),
    Case('conv_lstm2d_valid_dilated_states', 'ConvLSTM2D', {},
         rand(2, 3, 7, 6, 2),
         make=lambda lib: lib.layers.ConvLSTM2D(
             2, 3, dilation_rate=2, recurrent_activation='sigmoid',
             return_state=True),
         k3_make=lambda lib: lib.layers.ConvLSTM2D(
             2, 3, dilation_rate=2, recurrent_activation='sigmoid',
             return_state=True)),
    Case('conv_rnn2d_cell_channels_first', 'ConvRNN2D', {},
         rand(2, 3, 2, 5, 4),
         make=lambda lib: lib.layers.ConvRNN2D(lib.layers.ConvLSTM2DCell(
             2, 3, padding='same', data_format='channels_first',
             recurrent_activation='sigmoid'), return_sequences=True),
         k3_make=lambda lib: lib.layers.ConvLSTM2D(
             2, 3, padding='same', data_format='channels_first',
             recurrent_activation='sigmoid', return_sequences=True)),
    # wrappers
    Case('bidirectional_concat', 'Bidirectional', {}, SEQ,
         make=lambda lib: lib.layers.Bidirectional(_lstm(
             lib, return_sequences=True)),
         k3_make=lambda lib: lib.layers.Bidirectional(_lstm(
             lib, return_sequences=True))),
    Case('bidirectional_sum', 'Bidirectional', {}, SEQ,
         make=lambda lib: lib.layers.Bidirectional(
             lib.layers.SimpleRNN(3), merge_mode='sum'),
         k3_make=lambda lib: lib.layers.Bidirectional(
             lib.layers.SimpleRNN(3), merge_mode='sum')),
    Case('time_distributed_dense', 'TimeDistributed', {}, rand(2, 3, 4),
         make=lambda lib: lib.layers.TimeDistributed(lib.layers.Dense(2)),
         k3_make=lambda lib: lib.layers.TimeDistributed(
             lib.layers.Dense(2))),
    Case('time_distributed_conv', 'TimeDistributed', {}, rand(2, 3, 5, 5, 2),
         make=lambda lib: lib.layers.TimeDistributed(
             lib.layers.Conv2D(2, 3)),
         k3_make=lambda lib: lib.layers.TimeDistributed(
             lib.layers.Conv2D(2, 3))),
    # merging
    Case('add', 'Add', {}, [rand(3, 4), rand(3, 4), rand(3, 4)]),
    Case('subtract', 'Subtract', {}, [rand(3, 4), rand(3, 4)]),
    Case('multiply', 'Multiply', {}, [rand(3, 4), rand(3, 4)]),
    Case('average', 'Average', {}, [rand(3, 4), rand(3, 4)]),
    Case('maximum', 'Maximum', {}, [rand(3, 4), rand(3, 4)]),
    Case('minimum', 'Minimum', {}, [rand(3, 4), rand(3, 4)]),
    Case('concatenate', 'Concatenate', dict(axis=1),
         [rand(3, 2, 4), rand(3, 5, 4)]),
    Case('dot', 'Dot', dict(axes=(1, 2)), [rand(3, 4, 2), rand(3, 5, 4)]),
    Case('dot_normalized', 'Dot', dict(axes=1, normalize=True),
         [rand(3, 4), rand(3, 4)]),
]


def _tensors(inputs, requires_grad):
    def one(x):
        t = torch.tensor(x)
        if requires_grad and t.is_floating_point():
            t.requires_grad_(True)
        return t
    if isinstance(inputs, list):
        return [one(x) for x in inputs]
    return one(inputs)


def _flat(value):
    if isinstance(value, (list, tuple)):
        return [v for item in value for v in _flat(item)]
    return [value]


def _call(layer, case, tensors):
    kwargs = {'training': case.training}
    if case.mask is not None:
        kwargs['mask'] = torch.tensor(case.mask)
    return _flat(layer(tensors, **kwargs))


def _our_weight_grads(layer):
    grads = []
    for owner, record in layer._weight_pairs('trainable'):
        grad = getattr(owner, record.attr).grad
        if grad is None:
            grads.append(np.zeros(record.keras_shape, 'float32'))
        elif record.to_keras is not None:
            grads.append(to_numpy(record.to_keras(grad)))
        else:
            grads.append(to_numpy(grad).reshape(record.keras_shape))
    return grads


def _their_weight_grads(layer):
    grads = []
    for w in layer.trainable_weights:
        grad = w.value.grad
        grads.append(np.zeros(w.shape, 'float32') if grad is None
                     else to_numpy(grad))
    return grads


def _loss(outputs, seeds):
    return sum((o * torch.as_tensor(s, device=o.device)).sum()
               for o, s in zip(outputs, seeds))


def _check_keras2_moving_statistics(layer, x, before):
    """Keras 2 moves the statistics towards the batch mean and the
    *unbiased* batch variance (Keras 3 uses the biased one):
    moving = momentum * moving + (1 - momentum) * batch_statistic. The two
    calls of the test (build, then compare) each made one update."""
    axis = layer.axis if layer.axis >= 0 else x.ndim + layer.axis
    reduce = tuple(a for a in range(x.ndim) if a != axis)
    n = np.prod([x.shape[a] for a in reduce])
    mean = x.astype('float64').mean(axis=reduce)
    variance = x.astype('float64').var(axis=reduce) * n / (n - 1.)
    m = layer.momentum
    moving_mean, moving_variance = before[-2], before[-1]
    expected_mean = m * moving_mean + (1 - m) * mean
    expected_variance = m * moving_variance + (1 - m) * variance
    got = layer.get_weights()
    assert_close(got[-2], expected_mean, what='moving_mean')
    assert_close(got[-1], expected_variance, what='moving_variance')


@pytest.mark.parametrize('case', CASES, ids=[c.id for c in CASES])
def test_layer_matches_keras(k3, case):
    ours, theirs = case.ours(), case.theirs(k3)
    _call(ours, case, _tensors(case.inputs, False))
    _call(theirs, case, _tensors(case.inputs, False))
    weights = ours.get_weights()
    theirs.set_weights(weights)

    our_in = _tensors(case.inputs, case.grad)
    their_in = _tensors(case.inputs, case.grad)
    our_out = _call(ours, case, our_in)
    their_out = _call(theirs, case, their_in)
    assert len(our_out) == len(their_out)
    for i, (o, t) in enumerate(zip(our_out, their_out)):
        assert_close(o, t, atol=case.atol, what='output %d' % i)
    if case.training and case.name == 'BatchNormalization':
        _check_keras2_moving_statistics(ours, case.inputs, weights)
    if not case.grad:
        return
    seeds = [R.uniform(-1, 1, size=tuple(o.shape)).astype('float32')
             for o in our_out]
    _loss(our_out, seeds).backward()
    _loss(their_out, seeds).backward()
    for i, (o, t) in enumerate(zip(_flat(our_in), _flat(their_in))):
        if t.grad is not None or o.grad is not None:
            assert_close(o.grad, t.grad, atol=case.atol * 10,
                         what='input gradient %d' % i)
    for i, (o, t) in enumerate(zip(_our_weight_grads(ours),
                                   _their_weight_grads(theirs))):
        assert_close(o, t, atol=case.atol * 10, what='weight gradient %d' % i)
