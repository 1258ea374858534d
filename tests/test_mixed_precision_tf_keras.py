"""tf.keras's mixed precision as programs use it: LossScaleOptimizer in
custom training loops, compile under 'mixed_float16', saved configs.
Reference numbers come from tf_keras 2.21 on CPU (TF_USE_LEGACY_KERAS=1)."""
import os

import numpy as np
import pytest

import keras_compat as keras
from keras_compat import layers, mixed_precision, optimizers
from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common
from keras_compat.engine import training


@pytest.fixture(autouse=True)
def tf_keras_float16_policy():
    common.set_api_flavour('tf.keras')
    mixed_precision.set_global_policy('mixed_float16')
    yield
    mixed_precision.set_global_policy('float32')


# (compile's wrapping and the saved wrapper's round trip live in the
# engine and optimizer deserialization.)
needs_compile_wrapping = pytest.mark.skipif(
    not hasattr(training, '_loss_scaled_under_float16'),
    reason='compile does not wrap the optimizer in a LossScaleOptimizer')


def _data():
    rng = np.random.RandomState(0)
    return rng.rand(16, 4).astype('float32'), rng.randint(0, 3, 16)


def _model():
    inputs = keras.Input((4,))
    h = layers.Dense(8, activation='relu',
                     kernel_initializer=keras.initializers.Constant(0.1),
                     bias_initializer='zeros')(inputs)
    h = layers.Dense(3, kernel_initializer=keras.initializers.Constant(
        -0.05))(h)
    outputs = layers.Activation('softmax', dtype='float32')(h)
    return keras.Model(inputs, outputs)


def test_wrapper_defaults_and_config():
    opt = mixed_precision.LossScaleOptimizer(optimizers.Adam(0.01))
    assert type(opt).__name__ == 'LossScaleOptimizerV3'
    assert isinstance(opt, mixed_precision.LossScaleOptimizer)
    assert type(opt.inner_optimizer).__name__ == 'Adam'
    assert float(opt.loss_scale) == 32768.0
    assert (opt.initial_scale, opt.dynamic_growth_steps, opt.dynamic) == \
        (32768.0, 2000, True)
    config = opt.get_config()
    assert [k for k in config] == ['inner_optimizer', 'dynamic',
                                   'initial_scale', 'dynamic_growth_steps']
    assert config['inner_optimizer']['class_name'] == 'Adam'
    assert float(opt.learning_rate) == pytest.approx(0.01)


def test_fixed_scale_and_legacy_inner_optimizer():
    opt = mixed_precision.LossScaleOptimizer(
        optimizers.legacy.SGD(), dynamic=False, initial_scale=8)
    assert type(opt).__name__ == 'LossScaleOptimizer'
    assert float(opt.loss_scale) == 8.0
    assert opt.get_config()['dynamic_growth_steps'] is None
    with pytest.raises(ValueError, match='"initial_scale" must be '
                                         'specified if "dynamic" is False'):
        mixed_precision.LossScaleOptimizer(optimizers.Adam(), dynamic=False)


def test_scaled_loss_and_unscaled_gradients():
    opt = mixed_precision.LossScaleOptimizer(optimizers.Adam())
    assert float(opt.get_scaled_loss(tf.constant(2.0))) == 65536.0
    grads = opt.get_unscaled_gradients([tf.constant([4.0, 8.0]), None])
    np.testing.assert_allclose(np.asarray(grads[0]), [4 / 32768., 8 / 32768.])
    assert grads[1] is None


def test_non_finite_gradients_skip_the_step_and_halve_the_scale():
    opt = mixed_precision.LossScaleOptimizer(optimizers.Adam(0.01))
    v = tf.Variable([1.0, 2.0])
    opt.apply_gradients([(tf.constant([np.inf, 1.0]), v)])
    # tf_keras: scale 16384, iterations 1, the variable untouched.
    assert float(opt.loss_scale) == 16384.0
    assert int(opt.iterations) == 1
    np.testing.assert_allclose(np.asarray(v), [1.0, 2.0])
    opt.apply_gradients([(tf.constant([1.0, 1.0]), v)])
    assert int(opt.iterations) == 2
    assert int(opt.dynamic_counter) == 1
    np.testing.assert_allclose(np.asarray(v), [0.9925587, 1.9925587],
                               rtol=1e-6)


def test_scale_doubles_after_growth_steps():
    opt = mixed_precision.LossScaleOptimizer(
        optimizers.SGD(0.1), dynamic_growth_steps=2)
    v = tf.Variable([1.0])
    for _ in range(2):
        opt.apply_gradients([(tf.constant([1.0]), v)])
    assert float(opt.loss_scale) == 65536.0
    assert int(opt.dynamic_counter) == 0


def test_guide_custom_training_loop_losses():
    x, y = _data()
    model = _model()
    opt = mixed_precision.LossScaleOptimizer(optimizers.SGD(0.5))
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    losses = []
    for _ in range(3):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
            scaled = opt.get_scaled_loss(loss)
        grads = opt.get_unscaled_gradients(
            tape.gradient(scaled, model.trainable_variables))
        opt.apply_gradients(zip(grads, model.trainable_variables))
        losses.append(float(loss))
    # tf_keras computes in float16: 1.098612, 1.096381, 1.094842.
    np.testing.assert_allclose(losses, [1.098612, 1.096381, 1.094842],
                               atol=1e-5)
    assert float(opt.loss_scale) == 32768.0
    assert int(opt.iterations) == 3


@needs_compile_wrapping
def test_compile_wraps_the_optimizer_and_fit_matches():
    x, y = _data()
    model = _model()
    model.compile(optimizer=optimizers.SGD(0.5),
                  loss='sparse_categorical_crossentropy')
    assert type(model.optimizer).__name__ == 'LossScaleOptimizerV3'
    history = model.fit(x, y, batch_size=8, epochs=3, verbose=0,
                        shuffle=False)
    # tf_keras (float16 on CPU): 1.101138, 1.097883, 1.095954.
    np.testing.assert_allclose(history.history['loss'],
                               [1.101138, 1.097883, 1.095954], atol=2e-5)
    assert float(model.optimizer.loss_scale) == 32768.0
    assert int(model.optimizer.dynamic_counter) == 6


@needs_compile_wrapping
def test_bfloat16_policy_keeps_the_optimizer():
    mixed_precision.set_global_policy('mixed_bfloat16')
    model = _model()
    model.compile(optimizer=optimizers.SGD(0.5), loss='mse')
    assert type(model.optimizer).__name__ == 'SGD'


@needs_compile_wrapping
def test_saved_wrapper_round_trip(tmp_path):
    model = _model()
    model.compile(optimizer='sgd', loss='sparse_categorical_crossentropy')
    for name in ('m.h5', 'm.keras'):
        path = os.path.join(str(tmp_path), name)
        model.save(path)
        loaded = keras.models.load_model(path)
        assert type(loaded.optimizer).__name__ == 'LossScaleOptimizerV3'
        assert type(loaded.optimizer.inner_optimizer).__name__ == 'SGD'
        assert loaded.optimizer.get_config()['dynamic_growth_steps'] == 2000


@needs_compile_wrapping
def test_tf_2_3_experimental_config_deserializes():
    config = {'class_name': 'LossScaleOptimizer', 'config': {
        'optimizer': {'class_name': 'SGD', 'config': {'learning_rate': 0.1}},
        'loss_scale': {'class_name': 'DynamicLossScale', 'config': {
            'initial_loss_scale': 1024.0, 'increment_period': 100,
            'multiplier': 2.0}}}}
    opt = optimizers.deserialize(config)
    assert (float(opt.loss_scale), opt.dynamic_growth_steps) == (1024.0, 100)
    fixed = optimizers.deserialize({'class_name': 'LossScaleOptimizer',
                                    'config': {'optimizer': config['config'][
                                        'optimizer'], 'loss_scale': 64}})
    assert (fixed.dynamic, float(fixed.loss_scale)) == (False, 64.0)
