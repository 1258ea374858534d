"""Weights saved by Keras 1, by the Theano backend or by the CuDNN layers
load into Keras 2 layers (`preprocess_weights_for_loading`)."""
import h5py
import numpy as np
import pytest

from keras_compat import layers as L
from keras_compat.engine import saving
from keras_compat.models import Sequential

R = np.random.RandomState(3)


def _per_gate(weights, n_gates, keras1_order):
    """Keras 1 layout: kernel, recurrent kernel and bias for each gate."""
    split = [np.split(w, n_gates, axis=-1) for w in weights]
    return [split[part][gate] for gate in keras1_order for part in range(3)]


@pytest.mark.parametrize('make,n_gates,order', [
    (lambda: L.LSTM(2, input_shape=(3, 5)), 4, (0, 2, 1, 3)),
    (lambda: L.GRU(2, input_shape=(3, 5)), 3, (0, 1, 2)),
    (lambda: L.ConvLSTM2D(2, (3, 3), input_shape=(2, 5, 5, 3)), 4,
     (0, 2, 1, 3)),
])
def test_keras1_per_gate_weights_are_concatenated(make, n_gates, order):
    layer = make()
    Sequential([layer])
    weights = [R.rand(*w.shape).astype('float32')
               for w in layer.get_weights()]
    old = _per_gate(weights, n_gates, order)
    converted = saving.preprocess_weights_for_loading(
        layer, old, original_keras_version='1')
    for got, expected in zip(converted, weights):
        np.testing.assert_array_equal(got, expected)


def test_keras1_channels_first_conv_kernels_are_transposed():
    layer = L.Conv2D(4, (3, 2), data_format='channels_first',
                     input_shape=(2, 6, 6))
    model = Sequential([layer])
    kernel = R.rand(3, 2, 2, 4).astype('float32')
    old = [np.transpose(kernel, (3, 2, 0, 1)), np.zeros(4, 'float32')]
    converted = saving.preprocess_weights_for_loading(
        model, old, original_keras_version='1')
    np.testing.assert_array_equal(converted[0], kernel)


def _to_cudnn_lstm(kernel, recurrent, bias):
    """Keras's CuDNNLSTM layout: per-gate input kernels in Fortran order,
    per-gate transposed recurrent kernels, input and recurrent biases."""
    def per_gate(weights, fn):
        return np.hstack([fn(k) for k in np.hsplit(weights, 4)])
    return [per_gate(kernel, lambda k: k.T.reshape(k.shape, order='C')),
            per_gate(recurrent, lambda k: k.T),
            np.concatenate([0.25 * bias, 0.75 * bias])]


def test_cudnn_lstm_weights_load_into_lstm(tmp_path):
    layer = L.LSTM(3, input_shape=(4, 2))
    model = Sequential([layer])
    kernel = R.rand(2, 12).astype('float32')
    recurrent = R.rand(3, 12).astype('float32')
    bias = R.rand(12).astype('float32')
    path = str(tmp_path / 'cudnn.h5')
    with h5py.File(path, 'w') as f:
        f.attrs['layer_names'] = [b'cu_dnnlstm_1']
        f.attrs['backend'] = b'tensorflow'
        f.attrs['keras_version'] = b'2.2.4'
        group = f.create_group('cu_dnnlstm_1')
        names = [b'cu_dnnlstm_1/kernel:0', b'cu_dnnlstm_1/recurrent_kernel:0',
                 b'cu_dnnlstm_1/bias:0']
        group.attrs['weight_names'] = names
        for name, value in zip(names, _to_cudnn_lstm(kernel, recurrent,
                                                     bias)):
            group.create_dataset(name.decode(), data=value)
    model.load_weights(path)
    got = layer.get_weights()
    np.testing.assert_allclose(got[0], kernel)
    np.testing.assert_allclose(got[1], recurrent)
    np.testing.assert_allclose(got[2], bias, rtol=1e-6)


def test_gru_reset_before_cannot_take_cudnn_weights():
    layer = L.GRU(2, input_shape=(3, 4), reset_after=False)
    Sequential([layer])
    cudnn = [np.zeros((4, 6)), np.zeros((2, 6)), np.zeros(12)]
    with pytest.raises(ValueError, match='not compatible'):
        saving.preprocess_weights_for_loading(layer, cudnn)


def test_theano_kernels_are_flipped():
    layer = L.Conv2D(1, (2, 3), input_shape=(5, 5, 1))
    Sequential([layer])
    kernel = R.rand(2, 3, 1, 1).astype('float32')
    converted = saving.preprocess_weights_for_loading(
        layer, [kernel, np.zeros(1)], original_backend='theano')
    np.testing.assert_array_equal(converted[0], kernel[::-1, ::-1])
    same = saving.preprocess_weights_for_loading(
        layer, [kernel, np.zeros(1)], original_backend='tensorflow')
    np.testing.assert_array_equal(same[0], kernel)
