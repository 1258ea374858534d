"""Mixed-precision policies and jit_compile=True (torch.compile)."""
import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat import layers, mixed_precision

from keras2_reference import regression_data, sgd_linear


@pytest.fixture
def restore_policy():
    yield
    mixed_precision.set_global_policy('float32')


def _data(n=64):
    return regression_data(n=n)


def _sgd_history(*args):
    return sgd_linear(*args)[0]


def _linear_model(**compile_kwargs):
    model = keras.Sequential([layers.Dense(1, input_shape=(5,))])
    model.compile(keras.optimizers.SGD(lr=0.05), 'mse', **compile_kwargs)
    return model


def test_policy_properties_follow_tf_keras():
    policy = mixed_precision.Policy('mixed_float16')
    assert policy.compute_dtype == 'float16'
    assert policy.variable_dtype == 'float32'
    assert mixed_precision.Policy('float32').compute_dtype == 'float32'
    assert policy.get_config() == {'name': 'mixed_float16'}
    with pytest.raises(ValueError, match='mixed precision Policy'):
        mixed_precision.Policy('mixed_int8')


def test_unsupported_global_policies_say_so(restore_policy):
    with pytest.raises(NotImplementedError, match='float64'):
        mixed_precision.set_global_policy('float64')
    mixed_precision.experimental.set_policy('mixed_bfloat16')
    assert mixed_precision.global_policy().name == 'mixed_bfloat16'
    with pytest.raises(TypeError, match='unexpected keyword'):
        mixed_precision.LossScaleOptimizer(keras.optimizers.SGD(),
                                           scale=128)


def test_mixed_bfloat16_computes_in_bfloat16_and_keeps_float32_weights(
        restore_policy):
    mixed_precision.set_global_policy('mixed_bfloat16')
    seen = []
    torch.manual_seed(0)
    model = keras.Sequential([
        layers.Dense(8, input_shape=(5,)),
        layers.Lambda(lambda t: seen.append(t.dtype) or t),
        layers.Dense(1)])
    model.compile(keras.optimizers.SGD(lr=0.01), 'mse')
    x, y = _data()
    kernel0 = [w.copy() for w in model.get_weights()]
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0,
                        shuffle=False)
    assert torch.bfloat16 in seen
    assert all(w.dtype == np.float32 for w in model.get_weights())
    assert model.predict(x[:3]).dtype == np.float32
    # Same run in float32: bfloat16 has 8 mantissa bits, so the losses
    # agree to about 1%.
    mixed_precision.set_global_policy('float32')
    reference = keras.models.clone_model(model)
    reference.set_weights(kernel0)
    reference.compile(keras.optimizers.SGD(lr=0.01), 'mse')
    expected = reference.fit(x, y, epochs=2, batch_size=16, verbose=0,
                             shuffle=False).history['loss']
    np.testing.assert_allclose(history.history['loss'], expected, rtol=3e-2)


def test_mixed_float16_trains_with_loss_scaling(restore_policy):
    mixed_precision.set_global_policy('mixed_float16')
    model = keras.Sequential([layers.Dense(1, input_shape=(5,),
                                           kernel_initializer='zeros')])
    model.compile(keras.optimizers.SGD(lr=0.05), 'mse')
    x, y = _data()
    y = y / 100.    # small gradients: no overflow at a scale of 2**15
    kernel, bias = [w.copy() for w in model.get_weights()]
    history = model.fit(x, y, epochs=3, batch_size=16, verbose=0,
                        shuffle=False)
    assert type(model.optimizer).__name__ == 'LossScaleOptimizerV3'
    assert float(model.optimizer.loss_scale) == 2. ** 15
    expected = _sgd_history(x, y, kernel, bias, 0.05, 16, 3)
    np.testing.assert_allclose(history.history['loss'], expected, rtol=2e-2)


def test_mixed_float16_skips_overflowing_steps_and_halves_the_scale(
        restore_policy):
    mixed_precision.set_global_policy('mixed_float16')
    model = _linear_model()
    x, y = _data()
    y = y * 100.    # float16 gradients overflow at a scale of 2**15
    before = [w.copy() for w in model.get_weights()]
    model.train_on_batch(x[:16], y[:16])
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)
    assert float(model.optimizer.loss_scale) == 2. ** 14


def test_jit_compile_matches_the_keras_formula():
    torch.manual_seed(0)
    model = _linear_model(jit_compile=True)
    x, y = _data()
    kernel, bias = [w.copy() for w in model.get_weights()]
    history = model.fit(x, y, epochs=3, batch_size=16, verbose=0,
                        shuffle=False)
    assert model._jit, 'the model fell back to eager execution'
    expected = _sgd_history(x, y, kernel, bias, 0.05, 16, 3)
    np.testing.assert_allclose(history.history['loss'], expected, rtol=1e-5)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0),
                               np.mean((model.predict(x) - y) ** 2),
                               rtol=1e-5)


def test_jit_compile_takes_a_torch_compile_mode():
    torch.manual_seed(0)
    model = _linear_model(jit_compile='reduce-overhead')
    assert model._jit_mode == 'reduce-overhead'
    x, y = _data()
    kernel, bias = [w.copy() for w in model.get_weights()]
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0,
                        shuffle=False)
    assert model._jit, 'the model fell back to eager execution'
    expected = _sgd_history(x, y, kernel, bias, 0.05, 16, 2)
    np.testing.assert_allclose(history.history['loss'], expected, rtol=1e-5)
    first, second = model.predict(x[:16]), model.predict(x[16:32])
    np.testing.assert_allclose(first, x[:16] @ model.get_weights()[0] +
                               model.get_weights()[1], rtol=1e-5)
    assert not np.allclose(first, second)


@pytest.mark.parametrize('value', ['fast', 'xla'])
def test_jit_compile_refuses_unknown_modes(value):
    model = keras.Sequential([layers.Dense(1, input_shape=(2,))])
    with pytest.raises(ValueError, match='reduce-overhead'):
        model.compile('sgd', 'mse', jit_compile=value)
    assert model.optimizer is None


def test_jit_compile_auto_does_not_compile():
    model = keras.Sequential([layers.Dense(1, input_shape=(2,))])
    model.compile('sgd', 'mse', jit_compile='auto')
    assert not model._jit


def test_jit_compile_keeps_activity_losses_per_step():
    from keras_compat import regularizers
    torch.manual_seed(0)
    model = keras.Sequential([layers.Dense(
        1, input_shape=(5,), kernel_initializer='zeros',
        activity_regularizer=regularizers.l1(0.5))])
    model.compile(keras.optimizers.SGD(lr=0.0), 'mse', jit_compile=True)
    x, y = _data(n=32)
    model.layers[0].bias.data.fill_(2.)
    # Zero learning rate: every batch sees output 2, so the loss is the
    # squared error plus 0.5 * |2| for each of the 8 samples (Keras 2 sums
    # the activity penalty over the batch), never accumulated over steps.
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0,
                        shuffle=False)
    expected = np.mean((2. - y) ** 2) + 0.5 * 2. * 8
    np.testing.assert_allclose(history.history['loss'], [expected] * 2,
                               rtol=1e-5)


def test_jit_compile_runs_recurrent_layers():
    torch.manual_seed(0)
    model = keras.Sequential([layers.LSTM(4, input_shape=(3, 2)),
                              layers.Dense(1)])
    model.compile(keras.optimizers.SGD(lr=0.), 'mse', jit_compile=True)
    x = np.random.RandomState(1).rand(8, 3, 2).astype('float32')
    with torch.no_grad():
        eager = model(torch.from_numpy(x)).numpy()
    history = model.fit(x, np.zeros((8, 1), 'float32'), epochs=1,
                        batch_size=8, verbose=0)
    assert model._jit
    np.testing.assert_allclose(history.history['loss'][0],
                               np.mean(eager ** 2), rtol=1e-5)


def test_run_eagerly_and_jit_compile_conflict():
    model = keras.Sequential([layers.Dense(1, input_shape=(2,))])
    with pytest.raises(ValueError, match='run_eagerly'):
        model.compile('sgd', 'mse', run_eagerly=True, jit_compile=True)
