"""Advanced activation layers: values by the Keras formulas, and each
through the Keras 2 `layer_test` (config and weight round trips)."""
import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat import layers
from keras_compat.utils.test_utils import layer_test


def test_advanced_activation_values():
    x = np.array([[-2., -0.5, 0., 0.5, 2.]], dtype=np.float32)
    t = torch.tensor(x)
    np.testing.assert_allclose(layers.LeakyReLU(0.3)(t).numpy(),
                               np.where(x > 0, x, 0.3 * x))
    np.testing.assert_allclose(layers.ELU(1.0)(t).numpy(),
                               np.where(x > 0, x, np.exp(x) - 1), rtol=1e-6)
    np.testing.assert_allclose(layers.ThresholdedReLU(0.4)(t).numpy(),
                               np.where(x > 0.4, x, 0))
    np.testing.assert_allclose(layers.ReLU(max_value=1.)(t).numpy(),
                               np.clip(x, 0, 1))
    soft = layers.Softmax()(t).numpy()
    np.testing.assert_allclose(soft, np.exp(x) / np.exp(x).sum(),
                               rtol=1e-6)
    prelu = layers.PReLU(alpha_initializer=keras.initializers.Constant(0.25))
    np.testing.assert_allclose(prelu(t).detach().numpy(),
                               np.where(x > 0, x, 0.25 * x))


@pytest.mark.parametrize('cls,kwargs,formula', [
    ('LeakyReLU', {'alpha': 0.2}, lambda x: np.where(x > 0, x, 0.2 * x)),
    ('ELU', {'alpha': 0.5}, lambda x: np.where(x > 0, x,
                                                0.5 * (np.exp(x) - 1))),
    ('ThresholdedReLU', {'theta': 0.5}, lambda x: np.where(x > 0.5, x, 0)),
    # Keras 2's K.relu: x above the threshold, clipped to [0, max_value],
    # minus negative_slope * relu(threshold - x).
    ('ReLU', {'max_value': 1., 'negative_slope': 0.1, 'threshold': -0.5},
     lambda x: np.clip(np.where(x > -0.5, x, 0.), 0., 1.) -
     0.1 * np.maximum(-0.5 - x, 0.)),
    ('Softmax', {'axis': 1}, lambda x: np.exp(x) / np.exp(x).sum(
        1, keepdims=True)),
    ('PReLU', {'alpha_initializer': 'zeros', 'shared_axes': [1]},
     lambda x: np.maximum(x, 0)),
])
def test_advanced_activations_through_layer_test(cls, kwargs, formula):
    x = np.random.RandomState(0).randn(3, 4, 5).astype('float32')
    layer_test(getattr(layers, cls), kwargs=kwargs, input_data=x,
               expected_output=formula(x))
