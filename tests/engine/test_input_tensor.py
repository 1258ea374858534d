"""`Input(tensor=x)` on a tensor computed from other graph tensors (Keras 2
/ TensorFlow 1 programs: a placeholder scaled before the model, variables
and a placeholder concatenated for style transfer): the model takes the
tensor as its input, and a `K.function` fed the placeholder computes the
tensor from it. Expected numbers come from Keras 2.3.1 on TensorFlow
running the same code."""
import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat.layers import Dense, Input
from keras_compat.models import Model

X = np.array([[0.1, -0.2, 0.3], [0.0, 0.5, -1.0]], 'float32')


def _model_on_scaled_placeholder():
    x_ph = K.placeholder(shape=(None, 3))
    scaled = x_ph * 2.0 + 1.0
    inputs = Input(tensor=scaled)
    hidden = Dense(2, kernel_initializer='ones',
                   bias_initializer='zeros')(inputs)
    outputs = Dense(1, kernel_initializer='ones', bias_initializer='zeros',
                    activation='sigmoid')(hidden)
    return x_ph, scaled, Model(inputs, outputs)


def test_model_input_is_the_given_tensor():
    _, scaled, model = _model_on_scaled_placeholder()
    assert model.input is scaled
    assert [type(l).__name__ for l in model.layers] == \
        ['InputLayer', 'Dense', 'Dense']


def test_function_fed_the_source_placeholder():
    x_ph, _, model = _model_on_scaled_placeholder()
    out = K.function([x_ph], [model.output])([X])[0]
    # Keras 2.3.1: [0.99888748, 0.98201376]
    np.testing.assert_allclose(out.ravel(), [0.99888748, 0.98201376],
                               rtol=1e-6)


def test_function_fed_the_model_input():
    _, _, model = _model_on_scaled_placeholder()
    out = K.function([model.input], [model.output])([X * 2 + 1])[0]
    np.testing.assert_allclose(out.ravel(), [0.99888748, 0.98201376],
                               rtol=1e-6)


def test_gradients_reach_the_source_placeholder():
    x_ph, _, model = _model_on_scaled_placeholder()
    grad = K.gradients(K.mean(model.output), x_ph)[0]
    value = K.function([x_ph], [grad])([X])[0]
    # Keras 2.3.1: 0.00222257 and 0.03532535 in each column.
    np.testing.assert_allclose(value, [[0.00222257] * 3, [0.03532535] * 3],
                               rtol=1e-4)


def test_config_holds_a_plain_input_layer():
    _, _, model = _model_on_scaled_placeholder()
    config = model.get_config()
    # Keras 2.3.1 names the first Input 'input_1' (the placeholder takes no
    # layer number) and writes no inbound node for it.
    assert config['layers'][0] == {
        'name': 'input_1', 'class_name': 'InputLayer',
        'config': {'batch_input_shape': (None, 3), 'dtype': 'float32',
                   'sparse': False, 'name': 'input_1'},
        'inbound_nodes': []}
    clone = Model.from_config(config)
    np.testing.assert_allclose(clone.predict(X * 2 + 1).ravel(),
                               [0.99888748, 0.98201376], rtol=1e-6)


def test_placeholders_are_named_as_tensorflow_names_them():
    first = K.placeholder(shape=(None, 3))
    named = K.placeholder(shape=(None, 3), name='x')
    second = K.placeholder(ndim=2)
    # Keras 2.3.1: Placeholder:0, x:0, Placeholder_1:0 (op names).
    assert [first.name, named.name, second.name] == \
        ['Placeholder:0', 'x:0', 'Placeholder_1:0']
    assert [first.op.name, named.op.name, second.op.type] == \
        ['Placeholder', 'x', 'Placeholder']


def test_unfed_source_is_an_error():
    x_ph, _, model = _model_on_scaled_placeholder()
    other = K.placeholder(shape=(None, 3))
    # TensorFlow names the placeholder the input tensor was computed from.
    from keras_compat.tensorflow_compat import errors
    with pytest.raises(errors.InvalidArgumentError,
                       match="placeholder tensor '%s'"
                       % x_ph.name.split(':')[0]):
        K.function([other], [model.output])([X])
