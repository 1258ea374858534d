"""A tensor assigned to a layer's weight attribute (`layer.kernel = t`)
is what the layer computes with, as in TensorFlow, where the assignment
rebinds the attribute: weight normalization, weight dropping and tied
weights in custom wrappers. The layer's weights stay its variables. In a
tf.keras program, a weight of another layer assigned as an attribute
(`self.v = self.layer.kernel`) is listed among the assigning layer's own
weights. Expected numbers are tf_keras 2.21's for the same weights and
inputs."""
import numpy as np
import pytest

import keras_compat as keras
from keras_compat import backend as K
from keras_compat.backend import common


@pytest.fixture
def tf_keras():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


class WeightScale(keras.layers.Wrapper):
    """Replaces an RNN cell's kernels by tensors computed from them."""

    def build(self, input_shape):
        self.layer.build(input_shape)
        self._rk = self.layer.cell.recurrent_kernel
        self._k = self.layer.cell.kernel
        super(WeightScale, self).build(input_shape)

    def call(self, x, training=None):
        self.layer.cell.recurrent_kernel = K.in_train_phase(
            self._rk * 0.5, self._rk, training)
        self.layer.cell.kernel = self._k * 2.0
        return self.layer.call(x)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)


class WeightNorm(keras.layers.Wrapper):
    """Weight normalization as tensorflow-addons writes it."""

    def build(self, input_shape):
        self.layer.build(input_shape)
        self.g = self.add_weight(name='g',
                                 shape=(self.layer.kernel.shape[-1],),
                                 initializer='ones')
        self.v = self.layer.kernel
        super(WeightNorm, self).build(input_shape)

    def call(self, x):
        axes = list(range(len(self.v.shape) - 1))
        self.layer.kernel = K.l2_normalize(self.v, axis=axes) * self.g
        return self.layer(x)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)


def _values(shape, seed):
    size = int(np.prod(shape))
    return np.cos(np.arange(size) * 0.7 + seed).reshape(shape).astype(
        'float32')


def _model(layer, shape):
    inputs = keras.Input(shape)
    outputs = layer(inputs)
    if len(outputs.shape) > 2:
        outputs = keras.layers.Flatten()(outputs)
    model = keras.Model(inputs, outputs)
    model.set_weights([_values(w.shape, i)
                       for i, w in enumerate(model.weights)])
    return model


def _predict_and_train(model, shape):
    x = _values((2,) + shape, 5)
    predicted = model.predict(x)
    model.compile('sgd', 'mse')
    y = np.ones((2,) + model.output_shape[1:])
    losses = [float(model.train_on_batch(x, y)) for _ in range(2)]
    return predicted, losses


# (layer, input shape, weight names, prediction, two training losses),
# from tf_keras 2.21.
CASES = {
    'lstm': (lambda: WeightScale(keras.layers.LSTM(3)), (4, 2),
             ['weight_scale/lstm_cell/recurrent_kernel:0',
              'weight_scale/lstm_cell/kernel:0',
              'weight_scale/lstm_cell/bias:0'],
             [[-0.10848, -0.09225, 0.01409], [-0.16442, 0.09596, 0.20622]],
             [1.048394, 1.035139]),
    'gru': (lambda: WeightScale(keras.layers.GRU(3)), (4, 2),
            ['weight_scale/gru_cell/recurrent_kernel:0',
             'weight_scale/gru_cell/kernel:0',
             'weight_scale/gru_cell/bias:0'],
            [[-0.26715, -0.31704, -0.03167], [0.04152, 0.28627, 0.39003]],
            [1.225291, 1.181974]),
    'conv2d': (lambda: WeightNorm(keras.layers.Conv2D(2, 2)), (3, 3, 2),
               ['weight_norm/g:0', 'weight_norm/kernel:0',
                'weight_norm/bias:0'],
               [[-1.14821, -0.84219, -1.3273, -1.70568, 0.63857, -0.21613,
                 -0.47995, -0.33584],
                [-1.17464, -0.86994, -1.30709, -1.71198, 0.62968, -0.20112,
                 -0.51627, -0.35634]],
               [3.309473, 3.234622]),
    'dense': (lambda: WeightNorm(keras.layers.Dense(2)), (3,),
              ['weight_norm/g:0', 'weight_norm/kernel:0',
               'weight_norm/bias:0'],
              [[-1.44839, -1.70657], [0.25081, -0.91537]],
              [4.387523, 4.263574]),
}


@pytest.mark.parametrize('case', sorted(CASES))
def test_assigned_tensors_replace_weights_as_in_tf_keras(tf_keras, case):
    make, shape, names, expected, expected_losses = CASES[case]
    model = _model(make(), shape)
    assert [w.name for w in model.weights] == names
    predicted, losses = _predict_and_train(model, shape)
    np.testing.assert_allclose(predicted, expected, atol=2e-5)
    np.testing.assert_allclose(losses, expected_losses, rtol=1e-5)


def test_weights_stay_the_variables_the_layer_trains():
    # Keras 2: the replaced kernel is computed from the variable `v`, which
    # trains and is what get_weights/set_weights read and write.
    layer = WeightNorm(keras.layers.Dense(2))
    model = _model(layer, (3,))
    kernel = layer.layer.get_weights()[0]
    g = K.get_value(layer.g)
    x = _values((2, 3), 5)
    norm = kernel / np.sqrt((kernel ** 2).sum(axis=0, keepdims=True))
    bias = layer.layer.get_weights()[1]
    np.testing.assert_allclose(model.predict(x), x.dot(norm * g) + bias,
                               rtol=1e-5)
    model.compile('sgd', 'mse')
    model.train_on_batch(x, np.ones((2, 2)))
    assert not np.allclose(layer.layer.get_weights()[0], kernel)
    # (Keras 2.3.1 names the wrapped layer built in the wrapper's build()
    # in the wrapper's scope.)
    assert sorted(w.name for w in model.weights) == [
        'weight_norm_1/bias:0', 'weight_norm_1/g:0',
        'weight_norm_1/kernel:0']


def test_a_tensor_of_another_shape_is_refused():
    dense = keras.layers.Dense(2)
    dense.build((None, 3))
    with pytest.raises(ValueError, match='has shape'):
        dense.kernel = K.constant(np.zeros((2, 3)))
