"""Sequence-model idioms of Keras 2 era blogs and small libraries: Keras
2's cuDNN layers (Kaggle kernels' `Bidirectional(CuDNNGRU(...))`),
`K.rnn` as custom attention layers call it, checked against numbers from
tf_keras 2.21 on TensorFlow."""
import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat import backend as K
from keras_compat.backend.rnn import keras_rnn
from keras_compat.backend.tensor_shape import TensorShape
from keras_compat.layers.recurrent import CuDNNGRU, CuDNNLSTM


@pytest.fixture
def tf_keras_flavour():
    K.common.set_api_flavour('tf.keras')
    try:
        yield
    finally:
        K.common.set_api_flavour('keras')


X = np.array([[[1.7640524, 0.4001572, 0.978738, 2.2408931],
               [1.867558, -0.9772779, 0.9500884, -0.1513572],
               [-0.1032189, 0.4105985, 0.1440436, 1.4542735]],
              [[0.7610377, 0.121675, 0.4438632, 0.3336743],
               [1.4940791, -0.2051583, 0.3130677, -0.8540958],
               [-2.5529897, 0.6536186, 0.8644362, -0.742165]]], 'float32')

# Weights given to tf.compat.v1.keras.layers.CuDNNLSTM(2) /
# CuDNNGRU(2) in tf_keras 2.21; the outputs are tf_keras's LSTM /
# GRU(reset_after=True, recurrent_activation='sigmoid') after
# load_weights of those layers' weights (its cuDNN weight conversion).
LSTM_WEIGHTS = [
    [[-0.04, 0.07, -0.48, 0.12, 0.11, 0.12, 0.44, 0.18],
     [-0.14, -0.06, 0.2, -0.44, 0.17, 0.17, -0.29, -0.37],
     [-0.18, -0.14, 0.07, -0.06, 0.49, -0.4, -0.29, -0.34],
     [0.15, -0.25, -0.03, -0.26, -0.34, -0.39, 0.16, -0.36]],
    [[-0.3, -0.13, 0.32, -0.4, 0.34, -0.4, 0.48, -0.03],
     [0.48, 0.1, 0.24, -0.46, -0.22, -0.38, -0.2, -0.38]],
    [-0.18, -0.09, -0.44, 0.19, 0.07, -0.23, 0.02, -0.41, 0.08, 0.43,
     -0.18, 0.17, -0.37, 0.22, -0.21, -0.32]]
LSTM_OUTPUTS = [[[0.0693489, -0.0211696], [0.0110409, 0.1044007],
                 [-0.0026565, -0.0377572]],
                [[-0.0149138, 0.0046934], [-0.0818431, 0.1412977],
                 [-0.0764104, -0.2091554]]]
GRU_WEIGHTS = [
    [[0.09, -0.48, 0.33, -0.5, 0.18, -0.23],
     [0.24, 0.46, -0.25, 0.08, 0.09, 0.07],
     [-0.28, 0.45, -0.05, 0.35, 0.2, -0.2],
     [0.31, -0.1, 0.38, 0.08, 0.38, 0.19]],
    [[0.23, 0., 0.46, 0.14, -0.08, 0.11],
     [-0.48, -0.2, 0.16, -0.21, 0.12, -0.07]],
    [-0.36, -0.2, 0.07, 0.09, 0.07, 0.15, 0.15, -0.07, 0.4, -0.13, -0.06,
     0.39]]
GRU_OUTPUTS = [[[0.1220948, 0.5607867], [0.2913234, 0.7682403],
                [0.2010375, 0.6178815]],
               [[0.0975377, 0.3581858], [0.2248529, 0.4861789],
                [-0.266085, 0.3245248]]]


def _sequence_model(layer):
    inputs = keras.Input((3, 4))
    return keras.Model(inputs, layer(inputs))


@pytest.mark.parametrize('cls, weights, expected', [
    (CuDNNLSTM, LSTM_WEIGHTS, LSTM_OUTPUTS),
    (CuDNNGRU, GRU_WEIGHTS, GRU_OUTPUTS)])
def test_cudnn_layers_compute_with_cudnn_weight_layout(cls, weights,
                                                       expected):
    model = _sequence_model(cls(2, return_sequences=True))
    weights = [np.array(w, 'float32') for w in weights]
    model.set_weights(weights)
    for given, read in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(given, read)
    np.testing.assert_allclose(model.predict(X, verbose=0), expected,
                               atol=1e-5)


def test_cudnn_lstm_weights_names_and_forget_bias(tf_keras_flavour):
    # tf_keras 2.21: names, shapes and initial bias of CuDNNLSTM(2) on
    # 4 features (the ones sit in the recurrent forget-gate bias).
    model = _sequence_model(CuDNNLSTM(2))
    assert [w.name for w in model.weights] == [
        'cu_dnnlstm/kernel:0', 'cu_dnnlstm/recurrent_kernel:0',
        'cu_dnnlstm/bias:0']
    assert [w.shape for w in model.get_weights()] == [(4, 8), (2, 8), (16,)]
    np.testing.assert_array_equal(model.get_weights()[2],
                                  [0] * 10 + [1, 1] + [0] * 4)
    config = model.layers[1].get_config()
    assert config['time_major'] is False and config['unit_forget_bias']
    assert 'activation' not in config and 'dropout' not in config


def test_cudnn_gru_keras2_names_and_config_round_trip():
    layer = CuDNNGRU(3, return_state=True, go_backwards=True)
    model = _sequence_model(layer)
    assert [w.name for w in model.weights] == [
        'cu_dnngru_1/kernel:0', 'cu_dnngru_1/recurrent_kernel:0',
        'cu_dnngru_1/bias:0']
    assert model.count_params() == 3 * (4 * 3 + 3 * 3) + 6 * 3
    config = layer.get_config()
    assert 'time_major' not in config
    clone = CuDNNGRU.from_config(config)
    assert clone.go_backwards and clone.return_state and clone.units == 3


def test_cudnn_layer_gradients_reach_both_biases():
    layer = CuDNNLSTM(2)
    model = _sequence_model(layer)
    model(torch.as_tensor(X)).sum().backward()
    grad = layer.cell.bias_cudnn.grad
    # cuDNN adds the input and recurrent biases: equal gradients.
    np.testing.assert_allclose(grad[:8].numpy(), grad[8:].numpy())
    assert grad.abs().max() > 0


def test_cudnn_layers_refuse_masks_and_unroll():
    inputs = keras.Input((5,))
    embedded = keras.layers.Embedding(10, 4, mask_zero=True)(inputs)
    with pytest.raises(ValueError, match='Masking is not supported for '
                                         'CuDNN RNNs'):
        CuDNNLSTM(2)(embedded)
    with pytest.raises(TypeError, match='unroll'):
        CuDNNGRU(2, unroll=True)


# ------------------------------------------------------------------ K.rnn
STEP_X = (np.arange(16).reshape(2, 4, 2) / 10.).astype('float32')
STEP_MASK = np.array([[1, 1, 0, 1], [0, 1, 1, 0]], bool)


def _doubling_step(inputs, states):
    out = torch.tanh(inputs + states[0])
    return out * 2., [out]


def _run(**kwargs):
    x = torch.as_tensor(STEP_X)
    if kwargs.pop('time_major', False):
        x = x.transpose(0, 1)
        kwargs['time_major'] = True
    return keras_rnn(_doubling_step, x, [torch.full((2, 2), 0.1)],
                     **kwargs)


# tf_keras 2.21 K.rnn(step, x, [0.1], mask=..., zero_output_for_mask=True)
# (outputs in the order run; a masked last step gives a zero last output).
ZERO_OUTPUTS = {
    False: ([[1.4237832, 1.6421127], [0., 0.]],
            [[[0.199336, 0.3947507], [0.5820175, 0.920101], [0., 0.],
              [1.4237832, 1.6421127]],
             [[0., 0.], [1.600998, 1.6673094], [1.9281256, 1.9446975],
              [0., 0.]]],
            [[0.7118916, 0.8210564], [0.9640628, 0.9723487]]),
    True: ([[1.1653082, 1.3780239], [0., 0.]],
           [[[1.2087357, 1.3280736], [0., 0.], [1.3329432, 1.4921443],
             [1.1653082, 1.3780239]],
            [[0., 0.], [1.7234465, 1.7707033], [1.9056755, 1.9259557],
             [0., 0.]]],
           [[0.5826541, 0.6890119], [0.9528378, 0.9629778]])}


@pytest.mark.parametrize('go_backwards', [False, True])
def test_rnn_zero_output_for_mask(go_backwards):
    last, outputs, states = _run(mask=torch.as_tensor(STEP_MASK),
                                 go_backwards=go_backwards,
                                 zero_output_for_mask=True)
    expected_last, expected_outputs, expected_state = \
        ZERO_OUTPUTS[go_backwards]
    np.testing.assert_allclose(last.numpy(), expected_last, atol=1e-6)
    np.testing.assert_allclose(outputs.numpy(), expected_outputs, atol=1e-6)
    np.testing.assert_allclose(states[0].numpy(), expected_state, atol=1e-6)


def test_rnn_time_major_keeps_previous_output_at_masked_steps():
    # tf_keras 2.21, time-major inputs and mask.
    last, outputs, _ = _run(mask=torch.as_tensor(STEP_MASK.T),
                            time_major=True)
    np.testing.assert_allclose(
        outputs.numpy(),
        [[[0.199336, 0.3947507], [0., 0.]],
         [[0.5820175, 0.920101], [1.600998, 1.6673094]],
         [[0.5820175, 0.920101], [1.9281256, 1.9446975]],
         [[1.4237832, 1.6421127], [1.9281256, 1.9446975]]], atol=1e-6)
    np.testing.assert_allclose(
        last.numpy(), [[1.4237832, 1.6421127], [1.9281256, 1.9446975]],
        atol=1e-6)


def test_rnn_return_all_outputs_false_keeps_the_last_step():
    _, outputs, _ = _run(return_all_outputs=False)
    assert tuple(outputs.shape) == (2, 1, 2)
    np.testing.assert_allclose(
        outputs.numpy(), [[[1.6664723, 1.7891196]], [[1.9655234, 1.9720412]]],
        atol=1e-6)
    _, outputs, _ = _run(return_all_outputs=False, go_backwards=True,
                         mask=torch.as_tensor(STEP_MASK))
    np.testing.assert_allclose(
        outputs.numpy(), [[[1.1653082, 1.3780239]], [[1.9056755, 1.9259557]]],
        atol=1e-6)


def test_rnn_refuses_inputs_without_a_time_axis():
    with pytest.raises(ValueError, match='at least 3D'):
        keras_rnn(_doubling_step, torch.zeros(2, 2), [torch.zeros(2)])


# ------------------------------------------------------------- RNN(cell)
class MatrixStateCell(keras.layers.Layer):
    """tf.keras cell with a (2, 3) state: m_t = m_{t-1} + x_t[:2] (x) 1_3,
    output sum(m_t, axis=1)."""

    def __init__(self, **kwargs):
        self.state_size = TensorShape([2, 3])
        self.output_size = 3
        super(MatrixStateCell, self).__init__(**kwargs)

    def call(self, inputs, states):
        m = states[0] + K.expand_dims(inputs[:, :2], -1) * K.ones((1, 1, 3))
        return K.sum(m, axis=1), [m]


def test_rnn_cell_with_a_matrix_state(tf_keras_flavour):
    x = np.random.RandomState(0).randn(3, 4, 5).astype('float32')
    inputs = keras.Input((4, 5))
    outputs = keras.layers.RNN(MatrixStateCell(), return_sequences=True,
                               return_state=True)(inputs)
    assert [K.int_shape(t) for t in outputs] == [(None, 4, 3), (None, 2, 3)]
    sequence, state = keras.Model(inputs, outputs).predict(x, verbose=0)
    running = np.cumsum(x[:, :, :2], axis=1)
    np.testing.assert_allclose(sequence, np.repeat(
        running.sum(-1, keepdims=True), 3, axis=-1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(state, np.repeat(
        running[:, -1, :, None], 3, axis=-1), rtol=1e-5, atol=1e-6)


def test_stateful_rnn_resets_a_matrix_state_from_values():
    inputs = keras.Input(batch_shape=(2, 1, 5))
    layer = keras.layers.RNN(MatrixStateCell(), stateful=True)
    model = keras.Model(inputs, layer(inputs))
    layer.reset_states([np.ones((2, 2, 3), 'float32')])
    out = model.predict(np.zeros((2, 1, 5), 'float32'), verbose=0)
    np.testing.assert_allclose(out, np.full((2, 3), 2.))
    with pytest.raises(ValueError, match='expected shape'):
        layer.reset_states([np.ones((2, 3), 'float32')])


def test_rnn_refuses_cells_with_nested_outputs():
    class NestedOutputCell(keras.layers.Layer):
        state_size = [2, 3]
        output_size = [2, 3]

        def call(self, inputs, states):
            return list(states), states
    with pytest.raises(NotImplementedError, match='nested outputs'):
        keras.layers.RNN(NestedOutputCell())


def test_stateful_rnn_called_on_data_takes_its_batch_size(tf_keras_flavour):
    """tf.keras's cross-batch statefulness: `lstm(batch)` on data builds a
    stateful layer for that batch size (tf_keras 2.21 numbers)."""
    x = (np.arange(12).reshape(2, 3, 2) / 10.).astype('float32')
    lstm = keras.layers.LSTM(2, stateful=True)
    lstm(x)
    lstm.set_weights([np.full((2, 8), 0.1, 'float32'),
                      np.full((2, 8), -0.2, 'float32'),
                      np.linspace(-0.5, 0.5, 8).astype('float32')])
    lstm.reset_states()
    lstm(x)
    second = lstm(x)
    np.testing.assert_allclose(
        K.eval(second), [[0.0476356, 0.1276872], [0.1001313, 0.1947855]],
        atol=1e-6)
    np.testing.assert_allclose(
        K.get_value(lstm.states[1]),
        [[0.0791686, 0.2033327], [0.1613558, 0.304794]], atol=1e-6)
    with pytest.raises(ValueError, match='batch size 2'):
        lstm(np.zeros((3, 3, 2), 'float32'))


def test_stateful_rnn_on_graph_input_needs_a_batch_size():
    with pytest.raises(ValueError, match='needs to know its batch size'):
        keras.layers.LSTM(2, stateful=True)(keras.Input((3, 4)))
