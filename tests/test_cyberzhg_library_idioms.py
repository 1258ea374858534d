"""Idioms of CyberZHG's Keras 2 libraries (keras-ordered-neurons,
keras-octave-conv, keras-bert) in their standalone-Keras form: an RNN
cell whose gate kernels are slices of one weight taken in `build`, a layer
that builds sub-layers under `K.name_scope` and lists their weights through
`trainable_weights` properties, and a warmup Adam written as a Keras 2.3
`Optimizer.get_updates` that picks the weights to decay by name. Expected
values are Keras 2.3.1's (TensorFlow backend, graph mode), obtained by
running the same code there."""
import numpy as np
import pytest

import keras_compat as keras
from keras_compat import backend as K


def _cos_weights(model, scale=0.5):
    model.set_weights([
        (np.cos(np.arange(w.size) + 1.0).reshape(w.shape) * scale)
        .astype('float32') for w in model.get_weights()])


class SlicedCell(keras.layers.Layer):
    """Ordered-neurons cell: the gate kernels are slices of one kernel
    taken once in `build`, so later weight updates must reach them."""

    def __init__(self, units, **kwargs):
        super(SlicedCell, self).__init__(**kwargs)
        self.units = units
        self.state_size = (units, units)

    def build(self, input_shape):
        n = self.units
        self.kernel = self.add_weight(shape=(input_shape[-1], n * 3 + 2),
                                      name='kernel', initializer='zeros')
        self.recurrent_kernel = self.add_weight(
            shape=(n, n * 3 + 2), name='recurrent_kernel',
            initializer='zeros')
        self.bias = self.add_weight(shape=(n * 3 + 2,), name='bias',
                                    initializer='zeros')
        self.kernel_f = self.kernel[:, :n]
        self.kernel_c = self.kernel[:, n:n * 2]
        self.kernel_o = self.kernel[:, n * 2:n * 3]
        self.kernel_m = self.kernel[:, n * 3:]
        self.recurrent_f = self.recurrent_kernel[:, :n]
        self.recurrent_c = self.recurrent_kernel[:, n:n * 2]
        self.recurrent_o = self.recurrent_kernel[:, n * 2:n * 3]
        self.recurrent_m = self.recurrent_kernel[:, n * 3:]
        self.bias_f, self.bias_c = self.bias[:n], self.bias[n:n * 2]
        self.bias_o, self.bias_m = self.bias[n * 2:n * 3], self.bias[n * 3:]
        super(SlicedCell, self).build(input_shape)

    def _gate(self, inputs, h, kernel, recurrent, bias):
        return K.bias_add(K.dot(inputs, kernel), bias) + K.dot(h, recurrent)

    def call(self, inputs, states, training=None):
        h, c = states
        f = K.hard_sigmoid(self._gate(inputs, h, self.kernel_f,
                                      self.recurrent_f, self.bias_f))
        master = K.cumsum(K.softmax(self._gate(
            inputs, h, self.kernel_m, self.recurrent_m, self.bias_m)), -1)
        master = K.repeat_elements(master, self.units // 2, -1)
        candidate = K.tanh(self._gate(inputs, h, self.kernel_c,
                                      self.recurrent_c, self.bias_c))
        c_new = f * master * c + (1 - f * master) * candidate
        o = K.hard_sigmoid(self._gate(inputs, h, self.kernel_o,
                                      self.recurrent_o, self.bias_o))
        h_new = o * K.tanh(c_new)
        return h_new, [h_new, c_new]


def test_cell_with_kernel_slices_from_build_trains_like_keras_231():
    # Keras 2.3.1: predictions before and after fit, fit losses.
    inputs = keras.layers.Input((None,))
    embedded = keras.layers.Embedding(8, 3, mask_zero=True)(inputs)
    hidden = keras.layers.RNN(SlicedCell(4), return_sequences=True)(embedded)
    hidden = keras.layers.RNN(SlicedCell(4))(hidden)
    model = keras.models.Model(
        inputs, keras.layers.Dense(2, activation='softmax')(hidden))
    _cos_weights(model)
    model.compile(keras.optimizers.Adam(0.05),
                  'sparse_categorical_crossentropy')
    x = np.array([[1, 2, 3, 0], [4, 5, 0, 0], [7, 6, 5, 4]])
    np.testing.assert_allclose(model.predict(x)[:, 0],
                               [0.5966033, 0.6004828, 0.5961453], atol=1e-5)
    history = model.fit(x, np.array([0, 1, 1]), epochs=3, batch_size=3,
                        shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history['loss'],
                               [0.7802339, 0.7196599, 0.6669435], atol=1e-5)
    np.testing.assert_allclose(model.predict(x)[:, 0],
                               [0.4017309, 0.4071596, 0.3627734], atol=1e-5)


class Dual(keras.layers.Layer):
    """Octave-convolution layout: two sub-layers made in `__init__`, built
    under their own name scopes, their weights listed by properties."""

    def __init__(self, units, **kwargs):
        super(Dual, self).__init__(**kwargs)
        self.units = units
        self.high = keras.layers.Dense(units, name=self.name + '-H')
        self.low = keras.layers.Dense(units, activation='tanh',
                                      name=self.name + '-L')

    def build(self, input_shape):
        with K.name_scope(self.high.name):
            self.high.build(input_shape)
        with K.name_scope(self.low.name):
            self.low.build(input_shape)
        super(Dual, self).build(input_shape)

    @property
    def trainable_weights(self):
        return self.high.trainable_weights + self.low.trainable_weights

    @property
    def non_trainable_weights(self):
        return self.high.non_trainable_weights + \
            self.low.non_trainable_weights

    def compute_output_shape(self, input_shape):
        return [input_shape[:-1] + (self.units,)] * 2

    def call(self, inputs):
        return [self.high(inputs), self.low(inputs)]

    def get_config(self):
        config = super(Dual, self).get_config()
        config['units'] = self.units
        return config


def test_layer_listing_sub_layer_weights_trains_and_reloads(tmp_path):
    # Keras 2.3.1: four weights of shapes (3, 2), (2,), (3, 2), (2,);
    # train_on_batch losses and predictions below.
    inputs = keras.layers.Input((3,))
    high, low = Dual(2, name='dual')(inputs)
    model = keras.models.Model(inputs, keras.layers.Dense(1)(
        keras.layers.Concatenate()([high, low])))
    assert len(model.trainable_weights) == 6
    assert [K.int_shape(w) for w in model.get_layer('dual').weights] == \
        [(3, 2), (2,), (3, 2), (2,)]
    _cos_weights(model)
    model.compile(keras.optimizers.SGD(0.1, momentum=0.5), 'mse')
    x = np.linspace(-1, 1, 12).reshape(4, 3).astype('float32')
    y = np.array([[1.], [0.], [-1.], [0.5]])
    losses = [float(model.train_on_batch(x, y)) for _ in range(3)]
    np.testing.assert_allclose(losses, [0.5815380, 0.5545724, 0.5265531],
                               atol=1e-5)
    np.testing.assert_allclose(
        model.predict(x)[:, 0],
        [0.2472462, 0.1689942, 0.0916220, 0.0153798], atol=1e-5)
    path = str(tmp_path / 'dual.h5')
    model.save(path)
    reloaded = keras.models.load_model(path, custom_objects={'Dual': Dual})
    np.testing.assert_allclose(reloaded.predict(x), model.predict(x),
                               atol=1e-6)


class AdamWarmup(keras.optimizers.Optimizer):
    """Adam with linear warmup and decay; weight decay for the weights
    whose names contain one of `weight_decay_pattern` (keras-bert)."""

    def __init__(self, decay_steps, warmup_steps, learning_rate=0.001,
                 weight_decay=0., weight_decay_pattern=None, **kwargs):
        super(AdamWarmup, self).__init__(**kwargs)
        with K.name_scope(self.__class__.__name__):
            self.decay_steps = K.variable(decay_steps, name='decay_steps')
            self.warmup_steps = K.variable(warmup_steps, name='warmup_steps')
            self.iterations = K.variable(0, dtype='int64', name='iterations')
            self.learning_rate = K.variable(learning_rate,
                                            name='learning_rate')
            self.weight_decay = K.variable(weight_decay, name='weight_decay')
        self.weight_decay_pattern = weight_decay_pattern

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = [K.update_add(self.iterations, 1)]
        t = K.cast(self.iterations, K.floatx()) + 1
        lr = K.switch(t <= self.warmup_steps,
                      self.learning_rate * (t / self.warmup_steps),
                      self.learning_rate * (1.0 - K.minimum(
                          t, self.decay_steps) / self.decay_steps))
        lr_t = lr * (K.sqrt(1. - K.pow(0.999, t)) / (1. - K.pow(0.9, t)))
        ms = [K.zeros(K.int_shape(p), dtype=K.dtype(p), name='m_%d' % i)
              for i, p in enumerate(params)]
        vs = [K.zeros(K.int_shape(p), dtype=K.dtype(p), name='v_%d' % i)
              for i, p in enumerate(params)]
        self.weights = [self.iterations] + ms + vs
        for p, g, m, v in zip(params, grads, ms, vs):
            m_t = 0.9 * m + 0.1 * g
            v_t = 0.999 * v + 0.001 * K.square(g)
            p_t = m_t / (K.sqrt(v_t) + K.epsilon())
            if any(pattern in p.name
                   for pattern in self.weight_decay_pattern or []):
                p_t += self.weight_decay * p
            self.updates += [K.update(m, m_t), K.update(v, v_t),
                             K.update(p, p - lr_t * p_t)]
        return self.updates

    def get_config(self):
        config = {'decay_steps': float(K.get_value(self.decay_steps)),
                  'warmup_steps': float(K.get_value(self.warmup_steps)),
                  'learning_rate': float(K.get_value(self.learning_rate)),
                  'weight_decay': float(K.get_value(self.weight_decay)),
                  'weight_decay_pattern': self.weight_decay_pattern}
        base_config = super(AdamWarmup, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


def test_warmup_adam_decays_kernels_and_resumes_after_reload(tmp_path):
    # Keras 2.3.1: losses of six train_on_batch steps, the second
    # Dense's weights after four, iterations 4.
    model = keras.models.Sequential([
        keras.layers.Dense(3, activation='tanh', input_shape=(2,)),
        keras.layers.Dense(1)])
    _cos_weights(model)
    model.compile(AdamWarmup(6, 2, learning_rate=0.1, weight_decay=0.5,
                             weight_decay_pattern=['kernel']), 'mse')
    x = np.linspace(-1, 1, 8).reshape(4, 2).astype('float32')
    y = np.array([[1.], [0.], [-1.], [0.5]])
    losses = [float(model.train_on_batch(x, y)) for _ in range(4)]
    np.testing.assert_allclose(
        losses, [0.7056980, 0.5976582, 0.5097698, 0.4995698], atol=1e-5)
    kernel, bias = model.get_weights()[2:]
    np.testing.assert_allclose(kernel.ravel(),
                               [0.1256175, -0.0412145, -0.2929636],
                               atol=1e-5)
    np.testing.assert_allclose(bias, [0.0576308], atol=1e-5)
    assert int(K.batch_get_value([model.optimizer.iterations])[0]) == 4
    path = str(tmp_path / 'warmup.h5')
    model.save(path)
    reloaded = keras.models.load_model(
        path, custom_objects={'AdamWarmup': AdamWarmup})
    assert type(reloaded.optimizer).__name__ == 'AdamWarmup'
    for resumed in (reloaded, model):
        np.testing.assert_allclose(
            [float(resumed.train_on_batch(x, y)) for _ in range(2)],
            [0.4962518, 0.4945710], atol=1e-5)
