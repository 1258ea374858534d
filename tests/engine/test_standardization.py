"""Keras 2 data standardisation of fit/evaluate/predict inputs."""
import numpy as np

from keras_compat import layers, models


def test_integer_arrays_feed_float_inputs():
    # Keras 2 feeds integer arrays to its float32 placeholders.
    rng = np.random.RandomState(0)
    x = rng.randint(0, 3, size=(8, 4))
    model = models.Sequential([layers.Dense(2, input_shape=(4,))])
    model.compile('sgd', 'mse')
    model.fit(x, rng.rand(8, 2), verbose=0)
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(model.predict(x), x.dot(kernel) + bias,
                               rtol=1e-5)
    inputs = layers.Input((3, 4))
    masked = layers.Masking()(inputs)
    out = layers.TimeDistributed(layers.Dense(5))(masked)
    model = models.Model(inputs, out)
    model.compile('sgd', 'mse')
    model.fit(rng.randint(0, 3, size=(8, 3, 4)), rng.rand(8, 3, 5),
              verbose=0)
    # Token ids still reach an Embedding exactly.
    model = models.Sequential([layers.Embedding(10, 2, input_length=3)])
    ids = np.array([[1, 9, 0]])
    np.testing.assert_array_equal(model.predict(ids)[0],
                                  model.get_weights()[0][[1, 9, 0]])
