"""Layers where Keras 3 departs from Keras 2, against the Keras 2 formula
written out in numpy."""
import numpy as np
import torch

from keras_compat import layers as L
from keras_compat.models import Sequential

from parity_helpers import assert_close
from keras2_reference import hard_sigmoid, np_rnn, pool_reference

R = np.random.RandomState(11)


def test_thresholded_relu():
    # Keras 2: x if x > theta else 0 (the layer is gone from Keras 3).
    x = R.uniform(-2, 2, size=(4, 5)).astype('float32')
    out = L.ThresholdedReLU(theta=0.5)(torch.tensor(x))
    assert_close(out, np.where(x > 0.5, x, 0.))


def test_average_pooling_same_excludes_padding_asymmetric():
    # Keras 2 (TensorFlow's avg_pool): 'same' pads more at the end and
    # averages over the valid cells only. Keras 3's torch backend pads
    # symmetrically here, so it is not the reference.
    x = R.rand(2, 7, 6, 3).astype('float32')
    model = Sequential([L.AveragePooling2D(pool_size=(2, 3), strides=2,
                                           padding='same',
                                           input_shape=(7, 6, 3))])
    expected = pool_reference(x, 'avg', (2, 3), (2, 2), 'same')
    assert_close(model.predict(x), expected)


def test_lstm_hard_sigmoid_uses_keras2_slope():
    # Keras 2's hard_sigmoid is clip(0.2 x + 0.5, 0, 1); Keras 3's has
    # slope 1/6.
    x = R.rand(3, 6, 2).astype('float32')
    layer = L.LSTM(4, recurrent_activation='hard_sigmoid',
                   return_sequences=True)
    model = Sequential([L.InputLayer(input_shape=(6, 2)), layer])
    expected, _ = np_rnn('lstm', x.astype('float64'), layer.get_weights(),
                         rec_act=hard_sigmoid)
    assert_close(model.predict(x), expected)


def test_stateful_gru_carries_state_across_batches():
    # Keras 2: a stateful layer starts each batch from the last states of
    # the previous one, until reset_states().
    x = R.rand(2, 8, 3).astype('float32')
    layer = L.GRU(3, stateful=True, return_sequences=True,
                  recurrent_activation='sigmoid')
    model = Sequential([L.InputLayer(batch_input_shape=(2, 4, 3)), layer])
    expected, _ = np_rnn('gru', x.astype('float64'), layer.get_weights())
    first = model.predict(x[:, :4], batch_size=2)
    second = model.predict(x[:, 4:], batch_size=2)
    assert_close(np.concatenate([first, second], axis=1), expected)
    model.reset_states()
    assert_close(model.predict(x[:, :4], batch_size=2), expected[:, :4])


def test_input_layer_is_identity():
    x = R.rand(3, 4).astype('float32')
    model = Sequential([L.InputLayer(input_shape=(4,))])
    assert_close(model.predict(x), x)


def _np_local_conv1d(x, kernel, bias, k, s):
    # Keras 2: output step i = flatten(x[:, i*s:i*s+k, :]) . kernel[i].
    steps = kernel.shape[0]
    out = np.stack([x[:, i * s:i * s + k, :].reshape(len(x), -1)
                    .dot(kernel[i]) for i in range(steps)], axis=1)
    return out + bias


def _np_local_conv2d(x, kernel, bias, kernel_size, strides, channels_last):
    # Keras 2: pixel (i, j) = flatten(patch) . kernel[i * cols + j]; the
    # patch is flattened (row, col, channel) or (channel, row, col); the
    # channels_first bias (rows, cols, filters) is reshaped, not transposed,
    # to (filters, rows, cols).
    (kh, kw), (sh, sw) = kernel_size, strides
    rows, cols = bias.shape[:2]
    out = np.zeros((len(x), rows, cols, kernel.shape[-1]))
    for i in range(rows):
        for j in range(cols):
            if channels_last:
                patch = x[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :]
            else:
                patch = x[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
            out[:, i, j] = patch.reshape(len(x), -1).dot(
                kernel[i * cols + j])
    if channels_last:
        return out + bias
    return out.transpose(0, 3, 1, 2) + bias.reshape(
        (1, bias.shape[2], rows, cols))


def test_locally_connected_1d():
    # Gone from Keras 3: against the Keras 2 loop over output steps.
    x = R.rand(3, 9, 4).astype('float32')
    layer = L.LocallyConnected1D(5, 3, strides=2, activation='tanh',
                                 bias_initializer='random_uniform')
    model = Sequential([L.InputLayer(input_shape=(9, 4)), layer])
    kernel, bias = layer.get_weights()
    assert kernel.shape == (4, 12, 5) and bias.shape == (4, 5)
    expected = np.tanh(_np_local_conv1d(x, kernel, bias, 3, 2))
    assert_close(model.predict(x), expected)
    assert model.output_shape == (None, 4, 5)


def test_locally_connected_2d_both_data_formats():
    for data_format, shape in (('channels_last', (7, 6, 3)),
                               ('channels_first', (3, 7, 6))):
        x = R.rand(2, *shape).astype('float32')
        layer = L.LocallyConnected2D(4, (3, 2), strides=(2, 2),
                                     data_format=data_format,
                                     bias_initializer='random_uniform')
        model = Sequential([L.InputLayer(input_shape=shape), layer])
        kernel, bias = layer.get_weights()
        assert kernel.shape == (9, 18, 4) and bias.shape == (3, 3, 4)
        expected = _np_local_conv2d(x, kernel, bias, (3, 2), (2, 2),
                                    data_format == 'channels_last')
        assert_close(model.predict(x), expected)
        # Gradients flow to every per-position kernel.
        model.compile('sgd', 'mse')
        before = layer.get_weights()[0]
        model.train_on_batch(x, np.ones((2,) + model.output_shape[1:]))
        assert np.all(np.abs(layer.get_weights()[0] - before).sum(
            axis=(1, 2)) > 0)


def test_maxout_dense_is_the_max_of_linear_pieces():
    # Keras 1 layer kept by Keras 2 (gone from Keras 3).
    x = R.rand(4, 3).astype('float32')
    layer = L.MaxoutDense(2, nb_feature=3, input_dim=3)
    model = Sequential([layer])
    layer.set_weights([R.rand(3, 3, 2).astype('float32'),
                       R.rand(3, 2).astype('float32')])
    W, b = layer.get_weights()
    expected = (np.einsum('ni,fio->nfo', x, W) + b).max(axis=1)
    assert_close(model.predict(x), expected)


def test_highway_mixes_transform_and_carry():
    x = R.rand(4, 3).astype('float32')
    layer = L.Highway(activation='tanh', input_dim=3)
    model = Sequential([layer])
    W, W_carry, b, b_carry = [R.rand(*w.shape).astype('float32')
                              for w in layer.get_weights()]
    layer.set_weights([W, W_carry, b, b_carry])
    t = 1. / (1. + np.exp(-(x.dot(W_carry) + b_carry)))
    expected = np.tanh(x.dot(W) + b) * t + (1. - t) * x
    assert_close(model.predict(x), expected)


def test_conv_lstm2d_default_hard_sigmoid_and_keras1_arguments():
    # Keras 2's default recurrent activation is the 0.2 x + 0.5 hard
    # sigmoid (Keras 3 changed both its slope and the default): one step
    # of the cell written out with scipy-free numpy correlations.
    x = R.rand(2, 1, 4, 4, 1).astype('float32')
    layer = L.ConvLSTM2D(2, 3, 3, border_mode='same')
    model = Sequential([L.InputLayer(input_shape=(1, 4, 4, 1)), layer])
    kernel, recurrent, bias = layer.get_weights()
    assert kernel.shape == (3, 3, 1, 8)
    np.testing.assert_array_equal(bias, [0, 0, 1, 1, 0, 0, 0, 0])
    padded = np.pad(x[:, 0], ((0, 0), (1, 1), (1, 1), (0, 0)))
    z = np.zeros((2, 4, 4, 8), dtype='float64')
    for r in range(4):
        for c in range(4):
            patch = padded[:, r:r + 3, c:c + 3, :]
            z[:, r, c] = np.einsum('nijk,ijko->no', patch, kernel)
    z += bias
    i, f, g, o = np.split(z, 4, axis=-1)
    cell = hard_sigmoid(i) * np.tanh(g)
    expected = hard_sigmoid(o) * np.tanh(cell)
    assert_close(model.predict(x), expected)
