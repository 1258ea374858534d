"""Optimizers written by others for tf.keras 2.x: subclasses of the
built-in SGD and Adam that extend tf.keras 2.0-2.10's OptimizerV2 hooks
with `super()` (tfa's `DecoupledWeightDecayExtension` AdamW, per-layer
learning rate multipliers, warm-up in `_decayed_lr`), OptimizerV2
subclasses that append their own variables to `self._weights`
(keras-adamw's NadamW), a library class named like a built-in one
(`AdamW`) loaded with custom_objects, and the module path
`tensorflow.python.keras.optimizer_v2.learning_rate_schedule`.

The expected numbers were computed with TensorFlow 2.21 + tf_keras 2.21
(TF_USE_LEGACY_KERAS=1), the same classes subclassing
`tf.keras.optimizers.legacy.Adam` / `SGD` / `Optimizer`, the same models,
fixed weights and data (float32, rounded to 6 decimals)."""
import importlib
import os

import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import optimizers
from keras_compat import tensorflow_compat as tf
from keras_compat.optimizers import OptimizerV2


def _keras():
    """keras_compat as a tf.keras program sees it (tf.keras defaults)."""
    return tf.keras


class DecoupledWeightDecayExtension(object):
    """tfa's mixin: decays the weights by wd_t * var before the update of
    the optimizer it is mixed into."""

    def __init__(self, weight_decay, exclude_from_weight_decay=None,
                 **kwargs):
        wd = kwargs.pop('weight_decay', weight_decay)
        super().__init__(**kwargs)
        self._set_hyper('weight_decay', wd)
        self.exclude_from_weight_decay = exclude_from_weight_decay

    def get_config(self):
        config = super().get_config()
        config.update({
            'weight_decay': self._serialize_hyperparameter('weight_decay'),
            'exclude_from_weight_decay': self.exclude_from_weight_decay})
        return config

    def _prepare_local(self, var_device, var_dtype, apply_state):
        super()._prepare_local(var_device, var_dtype, apply_state)
        apply_state[(var_device, var_dtype)]['wd_t'] = tf.identity(
            self._get_hyper('weight_decay', var_dtype))

    def _decay_weights_op(self, var, apply_state=None):
        if any(r in var.name for r in self.exclude_from_weight_decay or ()):
            return tf.no_op()
        var_device, var_dtype = var.device, var.dtype.base_dtype
        coefficients = (apply_state or {}).get((var_device, var_dtype)) or \
            self._fallback_apply_state(var_device, var_dtype)
        return var.assign_sub(coefficients['wd_t'] * var, self._use_locking)

    def _resource_apply_dense(self, grad, var, apply_state=None):
        with tf.control_dependencies([self._decay_weights_op(var,
                                                             apply_state)]):
            return super()._resource_apply_dense(grad, var,
                                                 apply_state=apply_state)


def _adamw_class(base):
    class AdamW(DecoupledWeightDecayExtension, base):
        def __init__(self, weight_decay, learning_rate=0.001, beta_1=0.9,
                     beta_2=0.999, epsilon=1e-07, amsgrad=False,
                     name='AdamW', **kwargs):
            super().__init__(weight_decay, learning_rate=learning_rate,
                             beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                             amsgrad=amsgrad, name=name, **kwargs)
    return AdamW


AdamW = _adamw_class(optimizers.legacy.Adam)
# tf.keras 2.0-2.10 programs subclass `tf.keras.optimizers.Adam`.
AdamWOnAdam = _adamw_class(optimizers.Adam)


class MultiplierSGD(optimizers.legacy.SGD):
    """Per-layer learning rate multipliers on the gradients."""

    def __init__(self, multipliers=None, **kwargs):
        super().__init__(**kwargs)
        self.multipliers = multipliers or {}

    def _resource_apply_dense(self, grad, var, apply_state=None):
        found = [v for k, v in self.multipliers.items() if k in var.name]
        if found:
            grad = grad * found[0]
        return super()._resource_apply_dense(grad, var, apply_state)

    def get_config(self):
        config = super().get_config()
        config['multipliers'] = self.multipliers
        return config


class WarmupAdam(optimizers.legacy.Adam):
    """A linear warm-up of the learning rate in `_decayed_lr`."""

    def __init__(self, warmup_steps=3, **kwargs):
        super().__init__(**kwargs)
        self.warmup_steps = warmup_steps

    def _decayed_lr(self, var_dtype):
        lr = super()._decayed_lr(var_dtype)
        step = tf.cast(self.iterations + 1, var_dtype)
        return lr * tf.minimum(1.0, step / self.warmup_steps)


def _model():
    keras = _keras()
    inputs = keras.layers.Input((3,))
    hidden = keras.layers.Dense(4, activation='tanh', name='d1')(inputs)
    outputs = keras.layers.Dense(2, name='d2')(hidden)
    model = keras.models.Model(inputs, outputs)
    rs = np.random.RandomState(0)
    model.set_weights([rs.randn(*w.shape).astype('float32') * 0.5
                       for w in model.get_weights()])
    return model


def _data():
    rs = np.random.RandomState(1)
    return (rs.randn(16, 3).astype('float32'),
            rs.randn(16, 2).astype('float32'))


def _fit(optimizer, epochs=2):
    model = _model()
    x, y = _data()
    model.compile(optimizer, 'mse')
    history = model.fit(x, y, batch_size=4, epochs=epochs, verbose=0,
                        shuffle=False)
    return model, history.history['loss']


def _close(actual, expected):
    np.testing.assert_allclose(np.asarray(actual, dtype='float64'),
                               expected, rtol=0, atol=2e-6)


# tf_keras 2.21 with `tf.keras.optimizers.legacy.Adam` / `SGD` as bases.
ADAMW_LOSS = [1.643159, 1.445938]
ADAMW_KERNEL = [0.791803, 0.172455, 0.475098, 1.052909]
ADAMW_LAST_BIAS = [1.061057, -0.651108]
ADAMW_RESUMED = [0.755407, 0.170459, 0.45858]


@pytest.mark.parametrize('cls', [AdamW, AdamWOnAdam])
def test_tfa_adamw_extends_adams_update_with_super(cls):
    opt = cls(weight_decay=0.01, learning_rate=0.01,
              exclude_from_weight_decay=['bias'])
    model, loss = _fit(opt)
    _close(loss, ADAMW_LOSS)
    _close(model.get_weights()[0].ravel()[:4], ADAMW_KERNEL)
    _close(model.get_weights()[-1], ADAMW_LAST_BIAS)
    # [iterations] + m and v of the four weights.
    assert len(opt.get_weights()) == 9
    assert isinstance(opt, OptimizerV2)
    config = opt.get_config()
    assert list(config) == ['name', 'learning_rate', 'decay', 'beta_1',
                            'beta_2', 'epsilon', 'amsgrad', 'weight_decay',
                            'exclude_from_weight_decay']
    assert config['name'] == 'AdamW'
    assert config['weight_decay'] == pytest.approx(0.01)


def test_tfa_adamw_amsgrad_clipnorm_decay():
    opt = AdamW(weight_decay=0.05, learning_rate=0.01, amsgrad=True,
                clipnorm=0.5, decay=0.1)
    model, loss = _fit(opt)
    _close(loss, [1.549675, 1.207094])
    _close(model.get_weights()[0].ravel()[:4],
           [0.569783, 0.132615, 0.33934, 0.761811])
    _close(model.get_weights()[-1], [0.70515, -0.433031])
    assert len(opt.get_weights()) == 13


def test_learning_rate_multipliers_on_sgd():
    opt = MultiplierSGD(multipliers={'d1': 0.1}, learning_rate=0.1,
                        momentum=0.9, nesterov=True)
    model, loss = _fit(opt)
    _close(loss, [1.34693, 0.895935])
    _close(model.get_weights()[0].ravel()[:4],
           [0.862461, 0.199881, 0.520061, 1.133268])
    _close(model.get_weights()[-1], [0.227967, 0.388794])
    assert len(opt.get_weights()) == 5
    config = opt.get_config()
    assert config.pop('multipliers') == {'d1': 0.1}
    assert config == pytest.approx({
        'name': 'SGD', 'learning_rate': 0.1, 'decay': 0.0, 'momentum': 0.9,
        'nesterov': True})
    plain = MultiplierSGD(multipliers={'d2': 2.0}, learning_rate=0.1)
    model, loss = _fit(plain)
    _close(loss, [1.350448, 0.858979])
    _close(model.get_weights()[-1], [0.70315, -0.118623])
    assert len(plain.get_weights()) == 1


def test_warmup_in_decayed_lr():
    model, loss = _fit(WarmupAdam(warmup_steps=3, learning_rate=0.01))
    _close(loss, [1.652454, 1.48053])
    _close(model.get_weights()[0].ravel()[:4],
           [0.866124, 0.194903, 0.507782, 1.147355])


def test_library_adamw_loads_with_custom_objects(tmp_path):
    """A saved `AdamW` is the class custom_objects names, not the
    built-in AdamW; its state carries on."""
    opt = AdamW(weight_decay=0.01, learning_rate=0.01,
                exclude_from_weight_decay=['bias'])
    model, _ = _fit(opt)
    path = str(tmp_path / 'm.h5')
    model.save(path)
    loaded = _keras().models.load_model(path,
                                        custom_objects={'AdamW': AdamW})
    assert type(loaded.optimizer) is AdamW
    assert loaded.optimizer.exclude_from_weight_decay == ['bias']
    x, y = _data()
    loaded.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False)
    _close(loaded.get_weights()[0].ravel()[:3], ADAMW_RESUMED)
    built_in = optimizers.deserialize({'class_name': 'AdamW', 'config': {}})
    assert type(built_in) is optimizers.AdamW


def test_other_builtin_subclass_with_hooks_is_refused():
    with pytest.raises(NotImplementedError, match='RMSprop'):
        class Scaled(optimizers.RMSprop):
            def _resource_apply_dense(self, grad, var, apply_state=None):
                return super()._resource_apply_dense(grad * 2, var,
                                                     apply_state)


class CachedSGD(optimizers.legacy.Optimizer):
    """Keeps a variable of its own in `self._weights`, as keras-adamw's
    NadamW keeps its momentum cache."""

    def __init__(self, learning_rate=0.1, name='CachedSGD', **kwargs):
        super().__init__(name, **kwargs)
        self._set_hyper('learning_rate', learning_rate)
        self._cache = None
        self._seen = 0

    def _create_slots(self, var_list):
        if self._cache is None:
            self._cache = self.add_weight('cache', shape=[],
                                          dtype=var_list[0].dtype,
                                          initializer='ones',
                                          trainable=False)
            self._weights.append(self._cache)
        for var in var_list:
            self.add_slot(var, 'g')

    def _prepare(self, var_list):
        self._cache_read = tf.identity(self._cache)
        return super()._prepare(var_list)

    def _resource_apply_dense(self, grad, var, apply_state=None):
        lr = self._decayed_lr(var.dtype.base_dtype)
        slot = self.get_slot(var, 'g')
        slot.assign(slot + grad)
        var.assign_sub(lr * self._cache_read * grad)
        self._seen += 1
        if self._seen % 2 == 0:
            self._cache.assign(self._cache_read * 0.5)
        return tf.no_op()


def test_variables_appended_to_weights_follow_iterations():
    keras = _keras()
    inputs = keras.layers.Input((3,))
    model = keras.models.Model(inputs, keras.layers.Dense(2)(inputs))
    rs = np.random.RandomState(0)
    model.set_weights([rs.randn(*w.shape).astype('float32') * 0.5
                       for w in model.get_weights()])
    rs = np.random.RandomState(1)
    x, y = rs.randn(8, 3).astype('float32'), rs.randn(8, 2).astype('float32')
    opt = CachedSGD()
    model.compile(opt, 'mse')
    history = model.fit(x, y, batch_size=4, epochs=1, verbose=0,
                        shuffle=False)
    weights = opt.get_weights()
    assert [w.shape for w in weights] == [(), (), (3, 2), (2,)]
    assert int(weights[0]) == 2 and float(weights[1]) == 0.25
    _close(history.history['loss'], [1.991289])
    _close(model.get_weights()[1], [0.437696, -0.197309])


def test_learning_rate_schedule_module_path():
    module = importlib.import_module(
        'keras_compat.optimizer_v2.learning_rate_schedule')
    assert module.LearningRateSchedule is \
        optimizers.schedules.LearningRateSchedule
    assert optimizers.optimizer_v2.learning_rate_schedule is module


class _AnnealedSGD(keras.optimizers.Optimizer):
    """keras-adamw's Keras 2 pattern: a counter updated under
    tf.control_dependencies and read inside the block."""

    def __init__(self, lr=0.1, **kwargs):
        super(_AnnealedSGD, self).__init__(**kwargs)
        self.lr = K.variable(lr, name='lr')
        self.t_cur = K.variable(0., name='t_cur')

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = [K.update_add(self.iterations, 1)]
        with tf.control_dependencies([K.update_add(self.t_cur, 1.)]):
            eta = self.t_cur * 1.
        for p, g in zip(params, grads):
            self.updates.append(K.update(p, p - self.lr * eta * g))
        self.weights = [self.iterations, self.t_cur]
        return self.updates


def test_control_dependencies_in_get_updates_apply_the_update_first():
    # TensorFlow reads t_cur after its update inside the block: eta is 1
    # then 2, so w = 1 - .1*1*2 = .8, then .8 - .1*2*1.6 = .48.
    model = keras.models.Sequential([keras.layers.Dense(
        1, use_bias=False, kernel_initializer='ones', input_shape=(1,))])
    model.compile(_AnnealedSGD(), 'mse')
    x, y = np.ones((1, 1), 'float32'), np.zeros((1, 1), 'float32')
    model.train_on_batch(x, y)
    np.testing.assert_allclose(model.get_weights()[0], [[0.8]], rtol=1e-6)
    model.train_on_batch(x, y)
    np.testing.assert_allclose(model.get_weights()[0], [[0.48]], rtol=1e-6)


def test_tensorflow_internal_modules_optimizer_libraries_import():
    # keras-adamw and keras-gradient-accumulation (tf.keras versions).
    keras_export = tf.python.util.tf_export.keras_export
    assert keras_export('keras.optimizers.X')(len) is len
    math_ops = tf.python.ops.math_ops
    a, b = torch.tensor([3., 4.]), torch.tensor([1., 2.])
    assert math_ops.sub(a, b).tolist() == [2., 2.]
    assert math_ops.mul(a, b).tolist() == [3., 8.]
    assert math_ops.div(a, b).tolist() == [3., 2.]
    assert math_ops.neg(a).tolist() == [-3., -4.]
    assert tf.python.math_ops is math_ops


def test_loading_the_optimizer_state_does_not_run_its_updates(tmp_path):
    # Building the optimizer's variables to load its state must not apply
    # the update under control_dependencies: t_cur is restored to 1 and
    # the first step after loading reads 2 (w = .8 - .1*2*1.6 = .48).
    model = keras.models.Sequential([keras.layers.Dense(
        1, use_bias=False, kernel_initializer='ones', input_shape=(1,))])
    model.compile(_AnnealedSGD(), 'mse')
    x, y = np.ones((1, 1), 'float32'), np.zeros((1, 1), 'float32')
    model.train_on_batch(x, y)
    model.save(str(tmp_path / 'annealed.h5'))
    loaded = keras.models.load_model(
        str(tmp_path / 'annealed.h5'),
        custom_objects={'_AnnealedSGD': _AnnealedSGD})
    assert float(K.get_value(loaded.optimizer.t_cur)) == 1.
    loaded.train_on_batch(x, y)
    np.testing.assert_allclose(loaded.get_weights()[0], [[0.48]], rtol=1e-6)
