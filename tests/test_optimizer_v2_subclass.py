"""Optimizers written for tf.keras 2.0-2.10's OptimizerV2
(`tf.keras.optimizers.Optimizer` there, `tf.keras.optimizers.legacy.
Optimizer` in 2.11+): `super().__init__(name, **kwargs)`, `_set_hyper`,
`_create_slots` / `add_slot`, `_prepare_local` / `apply_state`,
`_resource_apply_dense`, `_decayed_lr`, `_serialize_hyperparameter`.

They train in fit, train_on_batch, a GradientTape loop with
`apply_gradients`, `minimize` and K.function, save and load with their
state. The expected numbers were computed with TensorFlow 2.21 + tf_keras
2.21 (TF_USE_LEGACY_KERAS=1), the same optimizer classes subclassing
`tf.keras.optimizers.legacy.Optimizer`, the same models, fixed weights and
data (float32; rounded to 7 decimals)."""
import json
import os

import h5py
import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat import optimizers
from keras_compat import tensorflow_compat as tf
from keras_compat.optimizers import OptimizerV2

state_ops = tf.python.ops.state_ops

from runner_process import run_source
RADAM_PATHS = [os.environ.get('KERAS_RADAM_PATH', ''),
               '/tmp/libs/keras-rectified-adam']


def _keras():
    """keras_compat as a tf.keras program sees it (tf.keras defaults)."""
    return tf.keras


# ---------------------------------------------- optimizers as users wrote
class AdamV2(optimizers.legacy.Optimizer):
    """tf.keras's legacy Adam written with slot assignments: coefficients
    prepared once per step in `_prepare_local`, read through
    `apply_state` (or `_fallback_apply_state`)."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, name='AdamV2', **kwargs):
        super(AdamV2, self).__init__(name, **kwargs)
        self._set_hyper('learning_rate', kwargs.get('lr', learning_rate))
        self._set_hyper('decay', self._initial_decay)
        self._set_hyper('beta_1', beta_1)
        self._set_hyper('beta_2', beta_2)
        self.epsilon = epsilon or K.epsilon()

    def _create_slots(self, var_list):
        for var in var_list:
            self.add_slot(var, 'm')
        for var in var_list:
            self.add_slot(var, 'v')

    def _prepare_local(self, var_device, var_dtype, apply_state):
        super(AdamV2, self)._prepare_local(var_device, var_dtype,
                                           apply_state)
        local_step = tf.cast(self.iterations + 1, var_dtype)
        beta_1_t = tf.identity(self._get_hyper('beta_1', var_dtype))
        beta_2_t = tf.identity(self._get_hyper('beta_2', var_dtype))
        beta_1_power = tf.pow(beta_1_t, local_step)
        beta_2_power = tf.pow(beta_2_t, local_step)
        lr = (apply_state[(var_device, var_dtype)]['lr_t'] *
              (tf.sqrt(1 - beta_2_power) / (1 - beta_1_power)))
        apply_state[(var_device, var_dtype)].update(dict(
            lr=lr, epsilon=tf.convert_to_tensor(self.epsilon, var_dtype),
            beta_1_t=beta_1_t, beta_2_t=beta_2_t,
            one_minus_beta_1_t=1 - beta_1_t,
            one_minus_beta_2_t=1 - beta_2_t))

    def _resource_apply_dense(self, grad, var, apply_state=None):
        var_device, var_dtype = var.device, var.dtype.base_dtype
        coefficients = ((apply_state or {}).get((var_device, var_dtype))
                        or self._fallback_apply_state(var_device,
                                                      var_dtype))
        m = self.get_slot(var, 'm')
        v = self.get_slot(var, 'v')
        m_t = m.assign(coefficients['beta_1_t'] * m +
                       coefficients['one_minus_beta_1_t'] * grad,
                       use_locking=self._use_locking)
        v_t = v.assign(coefficients['beta_2_t'] * v +
                       coefficients['one_minus_beta_2_t'] * tf.square(grad))
        return var.assign_sub(coefficients['lr'] * m_t /
                              (tf.sqrt(v_t) + coefficients['epsilon']))

    def _resource_apply_sparse(self, grad, var, indices, apply_state=None):
        raise NotImplementedError

    def get_config(self):
        config = super(AdamV2, self).get_config()
        config.update({
            'learning_rate': self._serialize_hyperparameter('learning_rate'),
            'decay': self._initial_decay,
            'beta_1': self._serialize_hyperparameter('beta_1'),
            'beta_2': self._serialize_hyperparameter('beta_2'),
            'epsilon': self.epsilon})
        return config


class MomentumV2(optimizers.Optimizer):
    """Subclasses `optimizers.Optimizer` (tf.keras 2.0-2.10's
    `tf.keras.optimizers.Optimizer`); slots interleaved per variable, one
    initialised to ones; `_resource_apply_dense` without `apply_state`;
    `state_ops` assignments."""

    def __init__(self, learning_rate=0.1, momentum=0.5, name='MomentumV2',
                 **kwargs):
        super(MomentumV2, self).__init__(name, **kwargs)
        self._set_hyper('learning_rate', kwargs.get('lr', learning_rate))
        self._set_hyper('momentum', momentum)

    def _create_slots(self, var_list):
        for var in var_list:
            self.add_slot(var, 'm')
            self.add_slot(var, 'count', initializer='ones')

    def _resource_apply_dense(self, grad, var):
        var_dtype = var.dtype.base_dtype
        lr = self._decayed_lr(var_dtype)
        mom = self._get_hyper('momentum', var_dtype)
        m = self.get_slot(var, 'm')
        count = self.get_slot(var, 'count')
        step = tf.cast(self.iterations + 1, var_dtype)
        m_t = state_ops.assign(m, mom * m + grad / step)
        state_ops.assign_add(count, tf.ones_like(count))
        return state_ops.assign_sub(var, lr * m_t)

    def get_config(self):
        config = super(MomentumV2, self).get_config()
        config.update(
            learning_rate=self._serialize_hyperparameter('learning_rate'),
            momentum=self._serialize_hyperparameter('momentum'),
            decay=self._initial_decay)
        return config


def make_model(constraint=None):
    keras = _keras()
    model = keras.models.Sequential([
        keras.layers.Dense(3, input_shape=(4,), activation='tanh',
                           kernel_constraint=constraint),
        keras.layers.Dense(1)])
    rs = np.random.RandomState(0)
    model.set_weights([(rs.rand(*w.shape) - 0.5).astype('float32')
                       for w in model.get_weights()])
    return model


def data():
    x = np.random.RandomState(1).rand(8, 4).astype('float32')
    return x, (x.sum(1, keepdims=True) - 1.).astype('float32')


def close(actual, expected, atol=2e-6):
    np.testing.assert_allclose(np.asarray(actual, 'float64'),
                               np.asarray(expected, 'float64'),
                               atol=atol, rtol=1e-5)


def close_list(actual, expected, atol=2e-6):
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        close(a, e, atol)


# tf_keras: AdamV2(0.05, decay=0.01), fit(x, y, batch_size=4, epochs=3,
# shuffle=False).
A_LOSS = [0.7050947, 0.2936521, 0.1918833]
A_WEIGHTS = [
    [[-0.1959121, -0.0284285, 0.3437448], [-0.2096327, -0.3322972, 0.3963244],
     [-0.3184888, 0.1319788, 0.7155629], [-0.3699445, 0.0307393, 0.2782897]],
    [-0.1714784, 0.1803837, -0.1919891],
    [[-0.5214844], [-0.2430028], [0.3354461]], [0.522795]]
A_M_KERNEL = [[0.0588876, 0.0522244, -0.0420677],
              [0.0839653, 0.0746879, -0.0605493],
              [0.0219732, 0.0186017, -0.0159392],
              [0.054153, 0.0467319, -0.0393488]]
A_V_LAST_BIAS = [0.0043233]
A_V_LAST_KERNEL = [[0.0001349], [0.001127], [0.0001776]]
A_NAMES = ['AdamV2/iter:0', 'AdamV2/dense/kernel/m:0',
           'AdamV2/dense/bias/m:0', 'AdamV2/dense_1/kernel/m:0',
           'AdamV2/dense_1/bias/m:0', 'AdamV2/dense/kernel/v:0',
           'AdamV2/dense/bias/v:0', 'AdamV2/dense_1/kernel/v:0',
           'AdamV2/dense_1/bias/v:0']
A_CONFIG = {'name': 'AdamV2', 'learning_rate': 0.05000000074505806,
            'decay': 0.01, 'beta_1': 0.8999999761581421,
            'beta_2': 0.9990000128746033, 'epsilon': 1e-07}
# ... saved to HDF5, loaded with custom_objects, one more epoch.
E_LOSS = [0.2540859]
E_WEIGHTS = [
    [[-0.2370407, -0.0754428, 0.3823861], [-0.2486394, -0.3781628, 0.4327577],
     [-0.3587768, 0.0822315, 0.7534246], [-0.4060848, -0.0151366, 0.3120588]],
    [-0.1864047, 0.1520646, -0.1780651],
    [[-0.5219684], [-0.2036409], [0.3570324]], [0.5451045]]


def fit_adam():
    x, y = data()
    model = make_model()
    opt = AdamV2(0.05, decay=0.01)
    model.compile(opt, loss='mse')
    history = model.fit(x, y, batch_size=4, epochs=3, shuffle=False,
                        verbose=0)
    return model, opt, history


def test_adam_written_as_optimizer_v2_fits_as_in_tf_keras():
    model, opt, history = fit_adam()
    close(history.history['loss'], A_LOSS)
    close_list(model.get_weights(), A_WEIGHTS)
    weights = opt.get_weights()
    # [iterations] + slots in the order add_slot made them.
    assert [w.shape for w in weights] == [
        (), (4, 3), (3,), (3, 1), (1,), (4, 3), (3,), (3, 1), (1,)]
    assert int(weights[0]) == 6
    close(weights[1], A_M_KERNEL)
    close(weights[8], A_V_LAST_BIAS)
    assert [w.name for w in opt.weights] == A_NAMES
    assert opt.get_slot_names() == ['m', 'v']
    close(K.get_value(opt.get_slot(model.layers[1].kernel, 'v')),
          A_V_LAST_KERNEL)
    close(K.get_value(opt.get_slot(model.trainable_weights[2], 'v')),
          A_V_LAST_KERNEL)
    assert opt.get_config() == pytest.approx(A_CONFIG)
    assert float(K.get_value(opt.lr)) == pytest.approx(0.05)
    assert isinstance(opt, OptimizerV2)


def test_config_round_trip_and_name():
    opt = AdamV2(0.05, decay=0.01, clipnorm=1.)
    # Before the first step the hyperparameters are the values given.
    assert opt.get_config() == {'name': 'AdamV2', 'clipnorm': 1.,
                                'learning_rate': 0.05, 'decay': 0.01,
                                'beta_1': 0.9, 'beta_2': 0.999,
                                'epsilon': 1e-07}
    assert AdamV2('x', name='Mine').get_config()['name'] == 'Mine'
    again = AdamV2.from_config(opt.get_config())
    assert again.get_config() == opt.get_config()
    # `lr` is taken for `learning_rate`; a serialized optimizer comes back.
    assert AdamV2.from_config({'lr': 0.3}).get_config()['learning_rate'] \
        == 0.3
    restored = optimizers.deserialize(optimizers.serialize(opt),
                                      custom_objects={'AdamV2': AdamV2})
    assert type(restored) is AdamV2
    assert restored.get_config() == opt.get_config()
    assert opt.weights == [] and opt.get_weights() == []


def test_h5_save_and_load_with_custom_objects(tmp_path):
    keras = _keras()
    model, opt, _ = fit_adam()
    path = str(tmp_path / 'model.h5')
    model.save(path)
    with h5py.File(path, 'r') as f:
        names = [n.decode() if isinstance(n, bytes) else n
                 for n in f['optimizer_weights'].attrs['weight_names']]
        training_config = json.loads(f.attrs['training_config'])
    assert names == A_NAMES
    assert training_config['optimizer_config']['class_name'] == 'AdamV2'
    assert training_config['optimizer_config']['config'] == \
        pytest.approx(A_CONFIG)
    loaded = keras.models.load_model(path,
                                     custom_objects={'AdamV2': AdamV2})
    assert type(loaded.optimizer) is AdamV2
    assert loaded.optimizer.get_config() == pytest.approx(A_CONFIG)
    close_list(loaded.optimizer.get_weights(), opt.get_weights(), 0)
    x, y = data()
    history = loaded.fit(x, y, batch_size=4, epochs=1, shuffle=False,
                         verbose=0)
    close(history.history['loss'], E_LOSS)
    close_list(loaded.get_weights(), E_WEIGHTS)
    # The original, trained on, is where the loaded model is.
    history = model.fit(x, y, batch_size=4, epochs=1, shuffle=False,
                        verbose=0)
    close(history.history['loss'], E_LOSS)


# tf_keras: AdamV2(learning_rate=0.05), 4 steps of a GradientTape loop on
# the whole batch, `opt.apply_gradients(zip(grads, trainable_weights))`.
B_LOSS = [0.9107277, 0.5937959, 0.3909377, 0.2673451]
B_WEIGHTS = [
    [[-0.1402544, 0.0214047, 0.2896482], [-0.1431856, -0.2688484, 0.3321002],
     [-0.2508816, 0.1973385, 0.6499949], [-0.3042085, 0.0986379, 0.2147532]],
    [-0.1164167, 0.2361421, -0.2461865],
    [[-0.434203], [-0.2996522], [0.2795778]], [0.4666467]]


def test_gradient_tape_loop_with_apply_gradients():
    x, y = data()
    model = make_model()
    opt = AdamV2(learning_rate=0.05)
    losses = []
    for _ in range(4):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - y))
        grads = tape.gradient(loss, model.trainable_weights)
        opt.apply_gradients(zip(grads, model.trainable_weights))
        losses.append(float(loss.detach()))
    close(losses, B_LOSS)
    close_list(model.get_weights(), B_WEIGHTS)
    assert int(K.get_value(opt.iterations)) == 4
    with pytest.raises(ValueError, match='No gradients'):
        opt.apply_gradients([(None, model.trainable_weights[0])])


# tf_keras: MomentumV2(0.1, clipnorm=0.5, decay=0.1), a NonNeg constraint
# on the first kernel, 3 train_on_batch steps, K.set_value(opt.lr, 0.05),
# one more step.
C_LOSS = [0.9107277, 0.7797788, 0.6256702, 0.5330362]
C_WEIGHTS = [
    [[0.0004616, 0.1827555, 0.1408797], [0., 0., 0.2026821],
     [0., 0.3809409, 0.477683], [0., 0.2631616, 0.0634238]],
    [-0.0308159, 0.3574138, -0.3515086],
    [[-0.4003616], [-0.3399739], [0.3087879]], [0.4211541]]
C_M_FIRST_BIAS = [0.2369366, 0.1453125, -0.1834946]


def test_train_on_batch_interleaved_slots_clipnorm_decay_constraint():
    keras = _keras()
    x, y = data()
    model = make_model(constraint=keras.constraints.NonNeg())
    opt = MomentumV2(0.1, clipnorm=0.5, decay=0.1)
    assert isinstance(opt, OptimizerV2)
    model.compile(opt, loss='mse')
    losses = [float(model.train_on_batch(x, y)) for _ in range(3)]
    K.set_value(opt.lr, 0.05)
    losses.append(float(model.train_on_batch(x, y)))
    close(losses, C_LOSS)
    close_list(model.get_weights(), C_WEIGHTS)
    weights = opt.get_weights()
    assert [w.shape for w in weights] == [
        (), (4, 3), (4, 3), (3,), (3,), (3, 1), (3, 1), (1,), (1,)]
    close(weights[2], np.full((4, 3), 5.))
    close(weights[3], C_M_FIRST_BIAS)
    assert opt.get_slot_names() == ['m', 'count']
    assert opt.get_config() == pytest.approx(
        {'name': 'MomentumV2', 'clipnorm': 0.5,
         'learning_rate': 0.05000000074505806, 'momentum': 0.5,
         'decay': 0.1})


# tf_keras: Conv2D(2, 3) -> Flatten -> Dense(1), AdamV2 on an
# ExponentialDecay(0.05, decay_steps=2, decay_rate=0.5) schedule,
# fit(batch_size=3, epochs=3, shuffle=False).
F_LOSS = [0.2641482, 0.0413981, 0.0818597]
F_KERNEL = [
    [[[0.0507979, 0.3166962]], [[-0.2090953, 0.1271701]],
     [[0.392947, 0.4836878]]],
    [[[-0.3744147, -0.1775208]], [[-0.4485328, 0.0352525]],
     [[-0.4701238, 0.0718241]]],
    [[[0.1491441, -0.1084589]], [[0.1762549, 0.2047203]],
     [[-0.4760181, 0.1696678]]]]
F_M_KERNEL = [
    [[[0.0, 0.0274661]], [[0.0, -0.0079212]], [[0.0, 0.0686243]]],
    [[[0.0, 0.0083699]], [[0.0, 0.040001]], [[0.0, -0.0172297]]],
    [[[0.0, 0.0221482]], [[0.0, 0.0037381]], [[0.0, 0.0311122]]]]


def test_conv_kernel_in_keras_layout_and_learning_rate_schedule():
    keras = _keras()
    rs = np.random.RandomState(2)
    x = rs.rand(6, 5, 5, 1).astype('float32')
    y = x.reshape(6, -1).mean(1, keepdims=True).astype('float32')
    model = keras.models.Sequential([
        keras.layers.Conv2D(2, 3, input_shape=(5, 5, 1), activation='relu'),
        keras.layers.Flatten(), keras.layers.Dense(1)])
    rs = np.random.RandomState(3)
    model.set_weights([(rs.rand(*w.shape) - 0.5).astype('float32')
                       for w in model.get_weights()])
    schedule = keras.optimizers.schedules.ExponentialDecay(
        0.05, decay_steps=2, decay_rate=0.5)
    opt = AdamV2(learning_rate=schedule)
    model.compile(opt, loss='mse')
    history = model.fit(x, y, batch_size=3, epochs=3, shuffle=False,
                        verbose=0)
    close(history.history['loss'], F_LOSS)
    close(model.get_weights()[0], F_KERNEL)
    # Slots have the Keras shape of their weight.
    assert [w.shape for w in opt.get_weights()] == [
        (), (3, 3, 1, 2), (2,), (18, 1), (1,), (3, 3, 1, 2), (2,), (18, 1),
        (1,)]
    close(opt.get_weights()[1], F_M_KERNEL)
    assert opt.get_config()['learning_rate']['class_name'] == \
        'ExponentialDecay'


def test_minimize_and_hyperparameter_attributes():
    # tf_keras: 3 minimize steps of sum(v^2) + sum(v) on tf.Variable([1,
    # -2, 3]), `opt.lr = 0.2` after the first.
    v = tf.Variable([1.0, -2.0, 3.0])
    opt = MomentumV2(0.1)
    for i in range(3):
        opt.minimize(lambda: tf.reduce_sum(tf.square(v)) +
                     tf.reduce_sum(v), [v])
        if i == 0:
            opt.lr = 0.2
    close(K.get_value(v), [-0.198, -0.802, 0.2046665])
    weights = opt.get_weights()
    assert int(weights[0]) == 3
    close(weights[1], [1.79, -1.7900001, 4.1766667])
    close(weights[2], [4., 4., 4.])
    assert float(K.get_value(opt.lr)) == pytest.approx(0.2)
    assert float(K.get_value(opt.learning_rate)) == pytest.approx(0.2)
    assert float(K.get_value(opt.momentum)) == 0.5
    assert 'momentum' in dir(opt) and 'lr' in dir(opt)
    with pytest.raises(AttributeError):
        opt.not_a_hyperparameter


def test_k_function_get_updates_and_a_wrapping_optimizer():
    keras = _keras()
    x, y = data()
    reference = make_model()
    reference.compile(AdamV2(0.05), loss='mse')
    for _ in range(3):
        reference.train_on_batch(x, y)

    model = make_model()
    opt = AdamV2(0.05)
    target = K.placeholder(shape=(None, 1))
    loss = K.mean(K.square(model.output - target))
    step = K.function([model.input, target], [loss],
                      updates=opt.get_updates(loss, model.trainable_weights))
    for _ in range(3):
        step([x, y])
    close_list(model.get_weights(), reference.get_weights(), 1e-7)

    class Wrapper(keras.optimizers.Optimizer):
        """A Keras 2 get_updates optimizer stepping the one it wraps."""

        def __init__(self, inner, **kwargs):
            super(Wrapper, self).__init__(**kwargs)
            self.inner = inner

        def get_updates(self, loss, params):
            self.updates = self.inner.get_updates(loss, params)
            self.weights = self.inner.weights
            return self.updates

    assert not issubclass(Wrapper, OptimizerV2)
    model = make_model()
    wrapper = Wrapper(AdamV2(0.05))
    model.compile(wrapper, loss='mse')
    for _ in range(3):
        model.train_on_batch(x, y)
    close_list(model.get_weights(), reference.get_weights(), 1e-7)
    assert int(K.get_value(wrapper.inner.iterations)) == 3


class PlainSGD(optimizers.legacy.Optimizer):
    def __init__(self, learning_rate=0.1, name='PlainSGD', **kwargs):
        super(PlainSGD, self).__init__(name, **kwargs)
        self._set_hyper('learning_rate', learning_rate)

    def _resource_apply_dense(self, grad, var, apply_state=None):
        var_device, var_dtype = var.device, var.dtype.base_dtype
        coefficients = ((apply_state or {}).get((var_device, var_dtype))
                        or self._fallback_apply_state(var_device,
                                                      var_dtype))
        return var.assign_sub(coefficients['lr_t'] * grad,
                              use_locking=self._use_locking)


class DoubledGradients(PlainSGD):
    """Overrides apply_gradients, as gradient accumulation optimizers do:
    fit steps through it."""

    calls = 0

    def apply_gradients(self, grads_and_vars, name=None, **kwargs):
        type(self).calls += 1
        return super(DoubledGradients, self).apply_gradients(
            [(2. * g, v) for g, v in grads_and_vars], name, **kwargs)


def test_fit_steps_through_an_overridden_apply_gradients():
    x, y = data()
    doubled = make_model()
    doubled.compile(DoubledGradients(0.05), loss='mse')
    doubled.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    assert DoubledGradients.calls == 4
    plain = make_model()
    plain.compile(PlainSGD(0.1), loss='mse')
    plain.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    close_list(doubled.get_weights(), plain.get_weights(), 1e-6)
    assert int(K.get_value(doubled.optimizer.iterations)) == 4
    assert doubled.optimizer.get_weights() == [4]


def test_learning_rate_callbacks_set_the_hyperparameter():
    keras = _keras()
    x, y = data()
    model = make_model()
    opt = AdamV2(0.05)
    model.compile(opt, loss='mse')
    seen = []
    schedule = keras.callbacks.LearningRateScheduler(
        lambda epoch: 0.01 * (epoch + 1))
    record = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append(
            float(K.get_value(opt.lr))))
    model.fit(x, y, batch_size=4, epochs=3, verbose=0,
              callbacks=[schedule, record])
    assert seen == pytest.approx([0.01, 0.02, 0.03])


def test_subclass_resolution_and_arguments():
    assert optimizers.legacy.Optimizer is OptimizerV2
    # tf.keras 2.0-2.10's `tf.keras.optimizers.Optimizer` is OptimizerV2:
    # a subclass defining its hooks becomes one, with its own bases.

    class Mixin(object):
        pass

    class Base(optimizers.Optimizer):
        pass

    class Plain(Mixin, Base):
        def _resource_apply_dense(self, grad, var):
            return var.assign_sub(grad)

    assert issubclass(Plain, OptimizerV2) and issubclass(Plain, Mixin)
    assert Plain('p').get_config() == {'name': 'p'}
    # Keras 2's get_updates optimizers and the built-in ones are not.
    assert not issubclass(optimizers.Adam, OptimizerV2)
    assert issubclass(Plain, Base)
    with pytest.raises(TypeError, match='Unexpected keyword argument'):
        AdamV2(momentum=0.9)
    with pytest.raises(ValueError):
        AdamV2(clipnorm=-1.)
    with pytest.raises(ValueError, match='clipnorm'):
        AdamV2(clipnorm=1., global_clipnorm=1.)
    with pytest.raises(NotImplementedError, match='dense'):
        OptimizerV2('o')._resource_apply_sparse(None, None, None, None)
    assert OptimizerV2(None)._name == 'optimizer_v2'


def _run_script(tmp_path, source, pythonpath=()):
    return run_source(tmp_path, source, pythonpath=pythonpath)


def test_module_paths_of_optimizer_v2(tmp_path):
    result = _run_script(tmp_path, '''
        import tensorflow as tf
        from tensorflow.python.keras.optimizer_v2 import optimizer_v2 as a
        from tensorflow.python.keras.optimizer_v2.optimizer_v2 import \\
            OptimizerV2
        from tensorflow.keras.optimizers.legacy import Optimizer as legacy
        from tensorflow.python.ops import math_ops
        import keras.optimizers.optimizer_v2.optimizer_v2 as b
        from keras.optimizer_v2.optimizer_v2 import OptimizerV2 as c
        from tf_keras.src.optimizers.legacy.optimizer_v2 import \\
            OptimizerV2 as d
        import tf_keras
        assert OptimizerV2 is a.OptimizerV2 is legacy is b.OptimizerV2 \\
            is c is d is tf_keras.optimizers.legacy.Optimizer
        class R(tf.keras.optimizers.Optimizer):
            def __init__(self, name='R', **kwargs):
                super(R, self).__init__(name, **kwargs)
            def _resource_apply_dense(self, grad, var):
                return var.assign_sub(0.5 * grad, use_locking=True)
        assert issubclass(R, OptimizerV2)
        v = tf.Variable([1., 2.])
        R().minimize(lambda: tf.reduce_sum(math_ops.cast(v, 'float32')),
                     [v])
        print('OK', v.numpy().tolist())
    ''')
    assert result.returncode == 0, result.stderr
    assert 'OK [0.5, 1.5]' in result.stdout


def _radam_path():
    for path in RADAM_PATHS:
        if path and os.path.isfile(os.path.join(path, 'keras_radam',
                                                'optimizer_v2.py')):
            return path
    return None


# tf_keras: keras-radam 0.20's RAdam (`class RAdam(tf.keras.optimizers.
# Optimizer)`, run with `tf.keras.optimizers.Optimizer` set to the legacy
# one), Dense(3, tanh) -> Dense(1), fit(batch_size=4, epochs=3); then saved,
# loaded with custom_objects and fit one more epoch.
RADAM_PLAIN_LOSS = [3.4823012, 2.6780093, 2.6173987]
RADAM_PLAIN_KERNEL = [[0.0109599, 0.1889011, 0.1327212],
                      [-0.0054392, -0.1131577, 0.1853917],
                      [-0.0834942, 0.377823, 0.4806804],
                      [-0.1553015, 0.2645458, 0.0594997]]
RADAM_WARMUP_LOSS = [2.9541144, 0.8644332, 0.798012]
RADAM_WARMUP_KERNEL = [[-0.082647, 0.1284948, 0.2033619],
                       [-0.1252301, -0.194774, 0.2760622],
                       [-0.1297499, 0.3502744, 0.5142783],
                       [-0.2405948, 0.2089332, 0.1247365]]
RADAM_WARMUP_LOADED_LOSS = [0.7944049]


def test_keras_radam_trains_as_under_tf_keras(tmp_path):
    path = _radam_path()
    if path is None:
        pytest.skip('keras-radam 0.20 not found (set KERAS_RADAM_PATH)')
    result = _run_script(tmp_path, '''
        import json, os, tempfile
        import numpy as np
        from tensorflow import keras
        from keras_radam import RAdam

        def model():
            m = keras.models.Sequential([
                keras.layers.Dense(3, input_shape=(4,), activation='tanh'),
                keras.layers.Dense(1)])
            rs = np.random.RandomState(0)
            m.set_weights([(rs.rand(*w.shape) - 0.5).astype('float32')
                           for w in m.get_weights()])
            return m
        x = np.random.RandomState(1).rand(16, 4).astype('float32')
        y = x.sum(1, keepdims=True)
        out = {}
        for key, kw in [('plain', dict(learning_rate=0.01)),
                        ('warmup', dict(learning_rate=0.05, total_steps=12,
                                        warmup_proportion=0.25, min_lr=1e-3,
                                        weight_decay=0.01, amsgrad=True))]:
            m = model()
            opt = RAdam(**kw)
            m.compile(opt, loss='mse')
            h = m.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0)
            out[key] = [h.history['loss'], m.get_weights()[0].tolist(),
                        [list(np.shape(w)) for w in opt.get_weights()]]
            path = os.path.join(tempfile.mkdtemp(), 'r.h5')
            m.save(path)
            m2 = keras.models.load_model(path,
                                         custom_objects={'RAdam': RAdam})
            h = m2.fit(x, y, batch_size=4, epochs=1, shuffle=False,
                       verbose=0)
            out[key].append(h.history['loss'])
        print('RESULT' + json.dumps(out))
    ''', [path])
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.split('RESULT')[1])
    loss, kernel, shapes, _ = out['plain']
    close(loss, RADAM_PLAIN_LOSS)
    close(kernel, RADAM_PLAIN_KERNEL)
    assert shapes == [[], [4, 3], [3], [3, 1], [1], [4, 3], [3], [3, 1],
                      [1]]
    loss, kernel, shapes, loaded_loss = out['warmup']
    close(loss, RADAM_WARMUP_LOSS)
    close(kernel, RADAM_WARMUP_KERNEL)
    assert len(shapes) == 13     # iterations, m, v, vhat
    close(loaded_loss, RADAM_WARMUP_LOADED_LOSS)
