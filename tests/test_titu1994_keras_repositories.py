"""Idioms of Somshubra Majumdar's (titu1994) Keras 2 repositories:
CoordConv channels built from `K.arange`/`K.batch_dot` on int32 tensors,
SwitchNorm's `K.in_train_phase` with `K.moving_average_update`, AdaBound's
`get_updates` optimizer (int64 `iterations`, `tf.clip_by_value`), IndRNN's
cell (a weight clipped in `build`, Keras 2.1's `_generate_dropout_ones`)
and one-cycle callbacks setting `lr`/`momentum` with `K.set_value`.
Reference numbers come from real Keras 2.2.4 on TensorFlow 2.21 (TF1 graph
mode) unless a test says otherwise."""
import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat import initializers
from keras_compat import tensorflow_compat as tf
from keras_compat.callbacks import Callback
from keras_compat.engine import InputSpec, Layer
from keras_compat.layers import (RNN, Conv2D, Dense, GlobalAveragePooling2D,
                                 Input)
from keras_compat.layers.recurrent import (_generate_dropout_mask,
                                           _generate_dropout_ones)
from keras_compat.models import Model, Sequential
from keras_compat.optimizers import SGD, Adam, Optimizer


def _fix(model, seed, scale=0.5):
    r = np.random.RandomState(seed)
    model.set_weights([r.uniform(-scale, scale, w.shape).astype('float32')
                       for w in model.get_weights()])


def _data():
    r = np.random.RandomState(0)
    x = r.rand(6, 4).astype('float32')
    y = r.rand(6, 2).astype('float32')
    return r, x, y


# ------------------------------------------------------------ CoordConv
class CoordinateChannel2D(Layer):
    """keras-coordconv's 2D channels (channels_last)."""

    def __init__(self, use_radius=False, **kwargs):
        super(CoordinateChannel2D, self).__init__(**kwargs)
        self.use_radius = use_radius
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape):
        self.input_spec = InputSpec(min_ndim=4, axes={-1: input_shape[-1]})
        self.built = True

    def call(self, inputs):
        shape = K.shape(inputs)
        batch, dim1, dim2, _ = [shape[i] for i in range(4)]
        xx_ones = K.expand_dims(K.ones(K.stack([batch, dim2]),
                                       dtype='int32'), axis=-1)
        xx_range = K.tile(K.expand_dims(K.arange(0, dim1), axis=0),
                          K.stack([batch, 1]))
        xx = K.batch_dot(xx_ones, K.expand_dims(xx_range, axis=1),
                         axes=[2, 1])
        xx = K.permute_dimensions(K.expand_dims(xx, -1), [0, 2, 1, 3])
        yy_ones = K.expand_dims(K.ones(K.stack([batch, dim1]),
                                       dtype='int32'), axis=1)
        yy_range = K.tile(K.expand_dims(K.arange(0, dim2), axis=0),
                          K.stack([batch, 1]))
        yy = K.batch_dot(K.expand_dims(yy_range, axis=-1), yy_ones,
                         axes=[2, 1])
        yy = K.permute_dimensions(K.expand_dims(yy, -1), [0, 2, 1, 3])
        xx = K.cast(xx, K.floatx()) / K.cast(dim1 - 1, K.floatx()) * 2 - 1.
        yy = K.cast(yy, K.floatx()) / K.cast(dim2 - 1, K.floatx()) * 2 - 1.
        outputs = K.concatenate([inputs, xx, yy], axis=-1)
        if self.use_radius:
            rr = K.sqrt(K.square(xx - 0.5) + K.square(yy - 0.5))
            outputs = K.concatenate([outputs, rr], axis=-1)
        return outputs

    def compute_output_shape(self, input_shape):
        extra = 3 if self.use_radius else 2
        return input_shape[:-1] + (input_shape[-1] + extra,)


def test_coordinate_channels_values_and_training():
    ip = Input(shape=(3, 4, 1))
    coords = CoordinateChannel2D(use_radius=True)(ip)
    model = Model(ip, coords)
    assert model.output_shape == (None, 3, 4, 4)
    out = model.predict(np.zeros((2, 3, 4, 1), 'float32'))[1, :, :, 1:]
    # Keras 2.2.4
    expected = np.array([
        -1., -1., 2.1213202, -1., -0.3333333, 1.7159383, -1., 0.33333337,
        1.5092309, -1., 1., 1.5811388, 0., -1., 1.5811388, 0., -0.3333333,
        0.9718253, 0., 0.33333337, 0.52704626, 0., 1., 0.70710677, 1., -1.,
        1.5811388, 1., -0.3333333, 0.9718253, 1., 0.33333337, 0.52704626,
        1., 1., 0.70710677])
    np.testing.assert_allclose(out.ravel(), expected, atol=1e-6)
    x = Conv2D(2, 2, name='c')(coords)
    model = Model(ip, Dense(1)(GlobalAveragePooling2D()(x)))
    _fix(model, 1)
    model.compile(SGD(0.1), 'mse')
    r = np.random.RandomState(0)
    x, y = r.rand(3, 3, 4, 1).astype('float32'), r.rand(3, 1).astype('float32')
    losses = [model.train_on_batch(x, y) for _ in range(3)]
    # Keras 2.2.4 (single-threaded session)
    np.testing.assert_allclose(losses, [0.7423366, 0.15701059, 0.06846803],
                               rtol=1e-5)


# ------------------------------------------------------------ SwitchNorm
class SwitchNorm(Layer):
    """keras-switchnorm's SwitchNormalization on the last axis."""

    def __init__(self, momentum=0.9, epsilon=1e-3, **kwargs):
        super(SwitchNorm, self).__init__(**kwargs)
        self.momentum, self.epsilon = momentum, epsilon

    def build(self, input_shape):
        dim = input_shape[-1]
        self.gamma = self.add_weight(shape=(dim,), name='gamma',
                                     initializer='ones')
        self.beta = self.add_weight(shape=(dim,), name='beta',
                                    initializer='zeros')
        self.moving_mean = self.add_weight(
            shape=(dim,), name='moving_mean', initializer='ones',
            trainable=False)
        self.moving_variance = self.add_weight(
            shape=(dim,), name='moving_variance', initializer='zeros',
            trainable=False)
        self.mean_weights = self.add_weight(shape=(3,), name='mean_weights',
                                            initializer='ones')
        self.variance_weights = self.add_weight(
            shape=(3,), name='variance_weights', initializer='ones')

    def call(self, inputs, training=None):
        ndim = len(K.int_shape(inputs))
        axes = list(range(ndim))[1:-1]
        bshape = [1] * (ndim - 1) + [K.int_shape(inputs)[-1]]
        mean_i = K.mean(inputs, axes, keepdims=True)
        var_i = K.var(inputs, axes, keepdims=True)
        mean_l = K.mean(mean_i, -1, keepdims=True)
        temp = var_i + K.square(mean_i)
        var_l = K.mean(temp, -1, keepdims=True) - K.square(mean_l)

        def normalize(mean_b, var_b):
            mean_b, var_b = K.reshape(mean_b, bshape), K.reshape(var_b, bshape)
            mw = K.softmax(self.mean_weights, axis=0)
            vw = K.softmax(self.variance_weights, axis=0)
            mean = mw[0] * mean_i + mw[1] * mean_l + mw[2] * mean_b
            var = vw[0] * var_i + vw[1] * var_l + vw[2] * var_b
            out = (inputs - mean) / K.sqrt(var + self.epsilon)
            return out * K.reshape(self.gamma, bshape) + \
                K.reshape(self.beta, bshape)

        def training_phase():
            mean_b = K.mean(mean_i, axis=0, keepdims=True)
            var_b = K.mean(temp, axis=0, keepdims=True) - K.square(mean_b)
            size = K.cast(K.prod([K.shape(inputs)[a] for a in axes]),
                          K.dtype(inputs))
            var_flat = K.flatten(var_b) * (size / (size - (1. + self.epsilon)))
            self.add_update([
                K.moving_average_update(self.moving_mean, K.flatten(mean_b),
                                        self.momentum),
                K.moving_average_update(self.moving_variance, var_flat,
                                        self.momentum)], inputs)
            return normalize(mean_b, var_b)

        return K.in_train_phase(
            training_phase,
            lambda: normalize(self.moving_mean, self.moving_variance),
            training=training)

    def compute_output_shape(self, input_shape):
        return input_shape


def test_switch_normalization_fit_and_moving_statistics():
    r, _, _ = _data()
    ip = Input((3, 3, 2))
    model = Model(ip, SwitchNorm()(ip))
    model.compile(Adam(0.01), 'mse')
    x = r.normal(size=(4, 3, 3, 2)).astype('float32')
    hist = model.fit(x, x * 0.5, epochs=3, batch_size=2, shuffle=False,
                     verbose=0).history['loss']
    # Keras 2.2.4 and 2.3.1
    np.testing.assert_allclose(hist, [0.27698827, 0.2567646, 0.2378975],
                               rtol=1e-5)
    weights = np.concatenate([w.ravel() for w in model.get_weights()])
    # Keras 2.3.1: K.moving_average_update without zero-debiasing (Keras
    # 2.1.3-2.2.5 debiased it: moving_mean -0.2212735, 0.1225233 there)
    np.testing.assert_allclose(weights, [
        0.9403641, 0.9402158, -0.02635869, -0.0067338, 0.9403437, 0.981457,
        1.056747, 0.9412076, 0.9758878, 1.0593476, 0.4277613, 0.5888504,
        0.3691324, 0.50941753], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        model.predict(x[:1]).ravel()[:6],
        [1.462412, 1.1163104, 0.06464042, 0.12974583, -0.993183, -2.0030193],
        rtol=1e-5)


# ------------------------------------------------------------ AdaBound
class AdaBound(Optimizer):
    """keras-adabound's optimizer, written with `get_updates`."""

    def __init__(self, lr=0.001, final_lr=0.1, beta_1=0.9, beta_2=0.999,
                 gamma=1e-3, amsbound=False, **kwargs):
        super(AdaBound, self).__init__(**kwargs)
        with K.name_scope(self.__class__.__name__):
            self.iterations = K.variable(0, dtype='int64', name='iterations')
            self.lr = K.variable(lr, name='lr')
            self.beta_1 = K.variable(beta_1, name='beta_1')
            self.beta_2 = K.variable(beta_2, name='beta_2')
        self.final_lr, self.gamma, self.amsbound = final_lr, gamma, amsbound
        self.epsilon, self.base_lr = K.epsilon(), float(lr)

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = [K.update_add(self.iterations, 1)]
        t = K.cast(self.iterations, K.floatx()) + 1
        step_size = self.lr * (K.sqrt(1. - K.pow(self.beta_2, t)) /
                               (1. - K.pow(self.beta_1, t)))
        final_lr = self.final_lr * self.lr / self.base_lr
        lower = final_lr * (1. - 1. / (self.gamma * t + 1.))
        upper = final_lr * (1. + 1. / (self.gamma * t))
        ms = [K.zeros(K.int_shape(p), dtype=K.dtype(p)) for p in params]
        vs = [K.zeros(K.int_shape(p), dtype=K.dtype(p)) for p in params]
        vhats = [K.zeros(K.int_shape(p), dtype=K.dtype(p)) if self.amsbound
                 else K.zeros(1) for p in params]
        self.weights = [self.iterations] + ms + vs + vhats
        for p, g, m, v, vhat in zip(params, grads, ms, vs, vhats):
            m_t = (self.beta_1 * m) + (1. - self.beta_1) * g
            v_t = (self.beta_2 * v) + (1. - self.beta_2) * K.square(g)
            if self.amsbound:
                vhat_t = K.maximum(vhat, v_t)
                denom = K.sqrt(vhat_t) + self.epsilon
                self.updates.append(K.update(vhat, vhat_t))
            else:
                denom = K.sqrt(v_t) + self.epsilon
            bounded = m_t * tf.clip_by_value(
                step_size * K.ones_like(denom) / denom, lower, upper)
            self.updates.append(K.update(m, m_t))
            self.updates.append(K.update(v, v_t))
            self.updates.append(K.update(p, p - bounded))
        return self.updates


def test_adabound_get_updates_optimizer():
    _, x, y = _data()
    for amsbound in (False, True):
        model = Sequential([Dense(2, input_shape=(4,))])
        _fix(model, 2)
        model.compile(AdaBound(lr=0.01, final_lr=0.05, gamma=0.1,
                               amsbound=amsbound), 'mse')
        hist = model.fit(x, y, epochs=3, batch_size=3, shuffle=False,
                         verbose=0).history['loss']
        # Keras 2.2.4
        np.testing.assert_allclose(hist, [0.9934616, 0.86992806, 0.75660676],
                                   rtol=1e-5)
        np.testing.assert_allclose(model.get_weights()[0].ravel(), [
            -0.00750209, -0.41455555, 0.10884203, -0.00522129, -0.02104436,
            -0.11167346, -0.23602681, 0.17832305], rtol=1e-5, atol=1e-7)
        assert K.get_value(model.optimizer.iterations) == 6
        assert len(model.optimizer.weights) == 7


# ------------------------------------------------------------ IndRNN
class IndRNNCell(Layer):
    """Keras-IndRNN's cell: the recurrent weight clipped once in `build`
    (an expression of the weight, used by every step)."""

    def __init__(self, units, dropout=0., **kwargs):
        super(IndRNNCell, self).__init__(**kwargs)
        self.units, self.dropout = units, dropout
        self.state_size = (units,)
        self._dropout_mask = None

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                      name='input_kernel',
                                      initializer='glorot_uniform')
        self.recurrent_kernel = self.add_weight(
            shape=(self.units,), name='recurrent_kernel',
            initializer=initializers.uniform(-1., 1.))
        magnitude = K.maximum(K.abs(self.recurrent_kernel), 0.2)
        self.recurrent_kernel = K.clip(
            K.sign(self.recurrent_kernel) * magnitude, 0.2, 1.1)
        self.bias = self.add_weight(shape=(self.units,), name='bias',
                                    initializer='zeros')
        self.built = True

    def call(self, inputs, states, training=None):
        if 0 < self.dropout < 1 and self._dropout_mask is None:
            self._dropout_mask = _generate_dropout_mask(
                _generate_dropout_ones(inputs, K.shape(inputs)[-1]),
                self.dropout, training=training, count=1)
        if 0 < self.dropout < 1:
            inputs = inputs * self._dropout_mask
        h = K.dot(inputs, self.kernel) + states[0] * self.recurrent_kernel
        h = K.relu(K.bias_add(h, self.bias))
        return h, [h]


def test_indrnn_cell_clipped_recurrent_weight_trains():
    r, _, _ = _data()
    r.normal(size=(4, 3, 3, 2))   # the draws of the reference run before
    x = r.rand(4, 5, 3).astype('float32')
    y = r.rand(4, 1).astype('float32')
    model = Sequential([RNN(IndRNNCell(3, dropout=0.3), input_shape=(5, 3)),
                        Dense(1)])
    _fix(model, 3, 1.2)
    # Keras 2.2.4 (with Keras 2.1.5's `_generate_dropout_ones`)
    np.testing.assert_allclose(
        model.predict(x).ravel(),
        [-0.562133, -0.57779413, -0.57779413, -0.6348304], rtol=1e-5)
    model = Sequential([RNN(IndRNNCell(3), input_shape=(5, 3)), Dense(1)])
    _fix(model, 3, 1.2)
    model.compile(SGD(0.2), 'mse')
    losses = [model.train_on_batch(x, y) for _ in range(3)]
    np.testing.assert_allclose(losses, [1.5997636, 0.4919508, 0.16798383],
                               rtol=1e-5)
    np.testing.assert_allclose(model.get_weights()[1],
                               [-0.14205638, -1.1282971, -0.10360026],
                               rtol=1e-5)


def test_generate_dropout_ones_shape():
    ones = K.eval(_generate_dropout_ones(K.constant(np.zeros((2, 3, 4))), 5))
    assert ones.shape == (2, 5) and ones.dtype == np.float32
    assert (ones == 1).all()


# ------------------------------------------------------------ one-cycle
class OneCycle(Callback):
    """keras-one-cycle's schedule: iterations from `params`, `lr` and
    `momentum` set with `K.set_value` after every batch."""

    def on_train_begin(self, logs=None):
        p = self.params
        self.num_iterations = p['epochs'] * p['steps'] if p['steps'] \
            is not None else p['epochs'] * p['samples'] // p['batch_size']
        self.it, self.history = 0, {}
        K.set_value(self.model.optimizer.lr, 0.05)
        K.set_value(self.model.optimizer.momentum, 0.95)

    def on_batch_end(self, batch, logs=None):
        self.it += 1
        frac = self.it / float(self.num_iterations)
        self.history.setdefault('lr', []).append(
            K.get_value(self.model.optimizer.lr))
        self.history.setdefault('size', []).append(logs['size'])
        K.set_value(self.model.optimizer.lr, 0.05 + 0.2 * frac)
        K.set_value(self.model.optimizer.momentum, 0.95 - 0.1 * frac)


def test_one_cycle_callback_sets_lr_and_momentum():
    _, x, y = _data()
    model = Sequential([Dense(2, input_shape=(4,))])
    _fix(model, 4)
    model.compile(SGD(0.1, momentum=0.9, nesterov=True), 'mse')
    cb = OneCycle()
    hist = model.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0,
                     callbacks=[cb]).history['loss']
    # Keras 2.2.4
    assert cb.num_iterations == 3
    assert cb.history['size'] == [4, 2, 4, 2]
    np.testing.assert_allclose(cb.history['lr'],
                               [0.05, 0.11666667, 0.18333334, 0.25],
                               rtol=1e-6)
    np.testing.assert_allclose(hist, [0.5935456, 0.08167925], rtol=1e-5)
    np.testing.assert_allclose(model.get_weights()[0].ravel(), [
        0.20079002, 0.24759547, 0.27060354, 0.5357754, 0.0909369,
        -0.03268763, 0.2737473, -0.17009735], rtol=1e-5, atol=1e-7)


class _LongerBias(Layer):
    """keras-SRU's bias: declared with `units * 3 - 1` elements, its
    initializer concatenating three blocks of `units`."""

    def build(self, input_shape):
        def bias_initializer(shape, *args, **kwargs):
            return K.concatenate([K.zeros((4,)), K.ones((4,)),
                                  K.zeros((4,))])
        self.bias = self.add_weight(shape=(11,), name='bias',
                                    initializer=bias_initializer)
        super(_LongerBias, self).build(input_shape)

    def call(self, inputs):
        return inputs + K.sum(self.bias)


def test_initial_value_of_another_size_sets_the_weight_shape():
    # Keras 2 makes the weight as K.variable(initializer(shape)): 12
    # elements; tf_keras 2.21 refuses the value with this ValueError.
    layer = _LongerBias()
    out = layer(K.constant(np.zeros((1, 2), 'float32')))
    assert K.int_shape(layer.bias) == (12,)
    np.testing.assert_allclose(K.get_value(out), [[4., 4.]])
    K.common.set_api_flavour('tf.keras')
    try:
        with pytest.raises(ValueError, match=r"initial value's shape "
                           r"\(\(12,\)\) is not compatible with the "
                           r"explicitly supplied `shape` argument "
                           r"\(\(11,\)\)"):
            _LongerBias()(K.constant(np.zeros((1, 2), 'float32')))
    finally:
        K.common.set_api_flavour('keras')
