"""`keras.utils.test_utils`: the helpers Keras 2 layer tests are written
with (`get_test_data`, `layer_test`, `keras_test`)."""
import functools

import numpy as np
from numpy.testing import assert_allclose

from .. import backend as K
from .generic_utils import has_arg


def get_test_data(num_train=1000, num_test=500, input_shape=(10,),
                  output_shape=(2,), classification=True, num_classes=2):
    """((x_train, y_train), (x_test, y_test)) drawn around per-sample
    centres: integer labels in [0, num_classes) with inputs ~ N(label,
    0.7) for classification, else inputs and `output_shape` targets ~
    N(u, 0.7) with u ~ U(0, 1)."""
    samples = num_train + num_test
    x = np.zeros((samples,) + tuple(input_shape), dtype=np.float32)
    if classification:
        y = np.random.randint(0, num_classes, size=(samples,))
        for i in range(samples):
            x[i] = np.random.normal(loc=y[i], scale=0.7, size=input_shape)
    else:
        centres = np.random.random((samples,))
        y = np.zeros((samples,) + tuple(output_shape), dtype=np.float32)
        for i in range(samples):
            x[i] = np.random.normal(loc=centres[i], scale=0.7,
                                    size=input_shape)
            y[i] = np.random.normal(loc=centres[i], scale=0.7,
                                    size=output_shape)
    return (x[:num_train], y[:num_train]), (x[num_train:], y[num_train:])


def _random_input(input_shape, input_dtype):
    shape = [np.random.randint(1, 4) if d is None else d
             for d in input_shape]
    return (10 * np.random.random(shape)).astype(input_dtype)


def layer_test(layer_cls, kwargs={}, input_shape=None, input_dtype=None,
               input_data=None, expected_output=None,
               expected_output_dtype=None, fixed_batch_size=False):
    """Checks a single-input, single-output layer the way Keras 2's own
    tests do: weights round trip, output shape and dtype against
    `compute_output_shape`, a functional model's predictions (against
    `expected_output` when given), config round trips of the model and the
    layer, and a training step when `call` takes `training`. Returns the
    predicted output."""
    from ..engine.input_layer import Input
    from ..engine.training import Model
    if input_data is None:
        assert input_shape
        input_dtype = input_dtype or K.floatx()
        input_data = _random_input(input_shape, input_dtype)
    else:
        input_shape = input_shape or input_data.shape
        input_dtype = input_dtype or input_data.dtype
    expected_output_dtype = expected_output_dtype or input_dtype

    layer = layer_cls(**kwargs)
    layer.set_weights(layer.get_weights())
    expected_shape = layer.compute_output_shape(input_shape)

    if fixed_batch_size:
        x = Input(batch_shape=input_shape, dtype=input_dtype)
    else:
        x = Input(shape=input_shape[1:], dtype=input_dtype)
    y = layer(x)
    assert K.dtype(y) == expected_output_dtype, (K.dtype(y),
                                                  expected_output_dtype)
    model = Model(x, y)
    actual = model.predict(input_data)
    for expected_dim, actual_dim in zip(expected_shape, actual.shape):
        if expected_dim is not None:
            assert expected_dim == actual_dim, (expected_shape,
                                                actual.shape)
    if expected_output is not None:
        assert_allclose(actual, expected_output, rtol=1e-3)

    recovered = model.__class__.from_config(model.get_config())
    if model.weights:
        recovered.set_weights(model.get_weights())
        assert_allclose(recovered.predict(input_data), actual, rtol=1e-3)

    if has_arg(layer.call, 'training'):
        model.compile('rmsprop', 'mse')
        model.train_on_batch(input_data, actual)

    config = layer.get_config()
    config['batch_input_shape'] = input_shape
    layer.__class__.from_config(config)
    return actual


def keras_test(func):
    """Keras 2.2's test decorator: runs the test, then clears the
    session."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        finally:
            K.clear_session()
    return wrapper
