"""Keras 2 optimizers written as `get_updates(loss, params)` train in fit,
train_on_batch, fit_generator and K.function, with TensorFlow 1 update
semantics. Each result is checked against an independent reference: the
built-in optimizer with the same formula, or a numpy simulation."""
import warnings

import numpy as np
import pytest

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import callbacks, layers, models, optimizers
from keras_compat.legacy import interfaces
from keras_compat.optimizers import Optimizer


# ------------------------------------------------ optimizers as users write
class MySGD(Optimizer):
    """SGD with momentum and time decay, the Keras 2.2 way."""

    def __init__(self, lr=0.01, momentum=0., decay=0., **kwargs):
        super(MySGD, self).__init__(**kwargs)
        with K.name_scope(self.__class__.__name__):
            self.iterations = K.variable(0, dtype='int64', name='iterations')
            self.lr = K.variable(lr, name='lr')
            self.momentum = K.variable(momentum, name='momentum')
            self.decay = K.variable(decay, name='decay')
        self.initial_decay = decay

    @interfaces.legacy_get_updates_support
    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = [K.update_add(self.iterations, 1)]
        lr = self.lr
        if self.initial_decay > 0:
            lr = lr * (1. / (1. + self.decay * K.cast(self.iterations,
                                                      K.dtype(self.decay))))
        shapes = [K.int_shape(p) for p in params]
        moments = [K.zeros(shape) for shape in shapes]
        self.weights = [self.iterations] + moments
        for p, g, m in zip(params, grads, moments):
            v = self.momentum * m - lr * g
            self.updates.append(K.update(m, v))
            new_p = p + v
            if getattr(p, 'constraint', None) is not None:
                new_p = p.constraint(new_p)
            self.updates.append(K.update(p, new_p))
        return self.updates

    def get_config(self):
        config = {'lr': float(K.get_value(self.lr)),
                  'momentum': float(K.get_value(self.momentum)),
                  'decay': float(K.get_value(self.decay))}
        base_config = super(MySGD, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


class MyAdam(Optimizer):
    """Adam with the bias correction in the learning rate (Keras 2.2)."""

    def __init__(self, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=None,
                 **kwargs):
        super(MyAdam, self).__init__(**kwargs)
        self.iterations = K.variable(0, dtype='int64', name='iterations')
        self.lr = K.variable(lr, name='lr')
        self.beta_1 = K.variable(beta_1, name='beta_1')
        self.beta_2 = K.variable(beta_2, name='beta_2')
        self.epsilon = K.epsilon() if epsilon is None else epsilon

    @interfaces.legacy_get_updates_support
    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = [K.update_add(self.iterations, 1)]
        t = K.cast(self.iterations, K.floatx()) + 1
        lr_t = self.lr * (K.sqrt(1. - K.pow(self.beta_2, t)) /
                          (1. - K.pow(self.beta_1, t)))
        ms = [K.zeros(K.int_shape(p), dtype=K.dtype(p)) for p in params]
        vs = [K.zeros(K.int_shape(p), dtype=K.dtype(p)) for p in params]
        self.weights = [self.iterations] + ms + vs
        for p, g, m, v in zip(params, grads, ms, vs):
            m_t = (self.beta_1 * m) + (1. - self.beta_1) * g
            v_t = (self.beta_2 * v) + (1. - self.beta_2) * K.square(g)
            p_t = p - lr_t * m_t / (K.sqrt(v_t) + self.epsilon)
            self.updates.append(K.update(m, m_t))
            self.updates.append(K.update(v, v_t))
            self.updates.append(K.update(p, p_t))
        return self.updates


class AdamControlDeps(Optimizer):
    """Adam as Keras 2.3 writes it: the step count is read after its
    increment, inside K.control_dependencies."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
                 **kwargs):
        super(AdamControlDeps, self).__init__(**kwargs)
        self.iterations = K.variable(0, dtype='int64', name='iterations')
        self.learning_rate = K.variable(learning_rate, name='learning_rate')
        self.beta_1 = K.variable(beta_1, name='beta_1')
        self.beta_2 = K.variable(beta_2, name='beta_2')
        self.epsilon = K.epsilon()

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = []
        with K.control_dependencies([K.update_add(self.iterations, 1)]):
            t = K.cast(self.iterations, K.floatx())
        lr_t = self.learning_rate * (K.sqrt(1. - K.pow(self.beta_2, t)) /
                                     (1. - K.pow(self.beta_1, t)))
        ms = [K.zeros(K.int_shape(p)) for p in params]
        vs = [K.zeros(K.int_shape(p)) for p in params]
        self.weights = [self.iterations] + ms + vs
        for p, g, m, v in zip(params, grads, ms, vs):
            m_t = (self.beta_1 * m) + (1. - self.beta_1) * g
            v_t = (self.beta_2 * v) + (1. - self.beta_2) * K.square(g)
            self.updates.append(K.update(m, m_t))
            self.updates.append(K.update(v, v_t))
            self.updates.append(K.update(
                p, p - lr_t * m_t / (K.sqrt(v_t) + self.epsilon)))
        return self.updates


class Lookahead(Optimizer):
    """The Lookahead wrapper as the keras-lookahead package ships it."""

    def __init__(self, optimizer, sync_period=5, slow_step=0.5, **kwargs):
        super(Lookahead, self).__init__(**kwargs)
        self.optimizer = keras.optimizers.get(optimizer)
        with K.name_scope(self.__class__.__name__):
            self.sync_period = K.variable(sync_period, dtype='int64',
                                          name='sync_period')
            self.slow_step = K.variable(slow_step, name='slow_step')

    @property
    def lr(self):
        return self.optimizer.lr

    @lr.setter
    def lr(self, lr):
        self.optimizer.lr = lr

    @property
    def iterations(self):
        return self.optimizer.iterations

    def get_updates(self, loss, params):
        sync_cond = K.equal((self.iterations + 1) // self.sync_period *
                            self.sync_period, (self.iterations + 1))
        slow_params = [K.variable(K.get_value(p), name='sp_{}'.format(i))
                       for i, p in enumerate(params)]
        self.updates = self.optimizer.get_updates(loss, params)
        slow_updates = []
        for p, sp in zip(params, slow_params):
            sp_t = sp + self.slow_step * (p - sp)
            slow_updates.append(K.update(sp, K.switch(sync_cond, sp_t, sp)))
            slow_updates.append(K.update_add(p, K.switch(
                sync_cond, sp_t - p, K.zeros_like(p))))
        self.updates += slow_updates
        self.weights = self.optimizer.weights + slow_params
        return self.updates

    def get_config(self):
        config = {'optimizer': keras.optimizers.serialize(self.optimizer),
                  'sync_period': int(K.get_value(self.sync_period)),
                  'slow_step': float(K.get_value(self.slow_step))}
        base_config = super(Lookahead, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))

    @classmethod
    def from_config(cls, config):
        optimizer = keras.optimizers.deserialize(config.pop('optimizer'))
        return cls(optimizer, **config)


# ------------------------------------------------------------- references
RS = np.random.RandomState(0)
X = RS.rand(40, 3).astype('float32')
Y = RS.rand(40, 2).astype('float32')
W0 = RS.randn(3, 2).astype('float32') * 0.5
B0 = RS.randn(2).astype('float32') * 0.1


def linear_model(optimizer, **dense_kwargs):
    """Dense(2) on 3 inputs with mse, starting from (W0, B0)."""
    model = models.Sequential([layers.Dense(2, input_shape=(3,),
                                            **dense_kwargs)])
    model.compile(optimizer, 'mse')
    model.set_weights([W0, B0])
    return model


def mlp(optimizer, seed_weights=None):
    model = models.Sequential([
        layers.Dense(5, activation='tanh', input_shape=(3,)),
        layers.Dense(2)])
    model.compile(optimizer, 'mse')
    if seed_weights is not None:
        model.set_weights(seed_weights)
    return model


def linear_grads(w, b, x, y):
    """Gradients of Keras's mse (mean over all elements) of x.w + b."""
    error = x.dot(w) + b - y
    scale = 2. / error.size
    return scale * x.T.dot(error), scale * error.sum(axis=0)


def batches(batch_size=4):
    for i in range(0, len(X), batch_size):
        yield X[i:i + batch_size], Y[i:i + batch_size]


def numpy_momentum(lr, momentum, steps_batches, decay=0.):
    w, b = W0.astype('float64'), B0.astype('float64')
    vw, vb = np.zeros_like(w), np.zeros_like(b)
    for it, (x, y) in enumerate(steps_batches):
        gw, gb = linear_grads(w, b, x, y)
        lr_t = lr / (1. + decay * it)
        vw = momentum * vw - lr_t * gw
        vb = momentum * vb - lr_t * gb
        w, b = w + vw, b + vb
    return w, b


# ----------------------------------------------------------------- tests
def test_get_updates_sgd_matches_builtin_sgd_and_numpy():
    mine, builtin = MySGD(lr=0.1, momentum=0.9), \
        optimizers.SGD(lr=0.1, momentum=0.9)
    a = mlp(mine)
    b = mlp(builtin, a.get_weights())
    for model in (a, b):
        model.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    for u, v in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(u, v, atol=1e-6)
    assert int(K.get_value(mine.iterations)) == 10
    # The momentum slots hold what the built-in SGD's do.
    for u, v in zip(mine.get_weights()[1:], builtin.get_weights()[1:]):
        np.testing.assert_allclose(u, v, atol=1e-6)

    linear = linear_model(MySGD(lr=0.1, momentum=0.9))
    linear.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    w, b = numpy_momentum(0.1, 0.9, batches())
    np.testing.assert_allclose(linear.get_weights()[0], w, atol=1e-6)
    np.testing.assert_allclose(linear.get_weights()[1], b, atol=1e-6)


def test_keras22_adam_matches_builtin_adam():
    a = mlp(MyAdam(lr=0.01))
    b = mlp(optimizers.Adam(lr=0.01), a.get_weights())
    for model in (a, b):
        model.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    for u, v in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(u, v, atol=1e-6)


def test_control_dependencies_read_the_incremented_step():
    a = mlp(AdamControlDeps(learning_rate=0.01))
    b = mlp(optimizers.Adam(lr=0.01), a.get_weights())
    for model in (a, b):
        model.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    for u, v in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(u, v, atol=1e-6)
    assert int(K.get_value(a.optimizer.iterations)) == 10


def test_time_decay_follows_keras2_formula():
    model = linear_model(MySGD(lr=0.2, momentum=0.5, decay=0.3))
    model.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    # lr / (1 + decay * iterations), iterations read before the step.
    w, b = numpy_momentum(0.2, 0.5, batches(), decay=0.3)
    np.testing.assert_allclose(model.get_weights()[0], w, atol=1e-6)
    np.testing.assert_allclose(model.get_weights()[1], b, atol=1e-6)


def numpy_lookahead(lr, sync_period, slow_step, steps_batches):
    """Lookahead over plain SGD with the step semantics of one TF1 session
    run: every read sees the weights from before the step, and the
    wrapper's assign_add adds to the weights the inner step wrote."""
    w, b = W0.astype('float64'), B0.astype('float64')
    sw, sb = w.copy(), b.copy()
    for it, (x, y) in enumerate(steps_batches):
        gw, gb = linear_grads(w, b, x, y)
        fast_w, fast_b = w - lr * gw, b - lr * gb
        if (it + 1) % sync_period == 0:
            tw, tb = sw + slow_step * (w - sw), sb + slow_step * (b - sb)
            fast_w, fast_b = fast_w + (tw - w), fast_b + (tb - b)
            sw, sb = tw, tb
        w, b = fast_w, fast_b
    return w, b, sw, sb


@pytest.mark.parametrize('inner', ['builtin', 'get_updates'])
def test_lookahead_matches_numpy_simulation(inner):
    wrapped = optimizers.SGD(lr=0.1) if inner == 'builtin' else \
        MySGD(lr=0.1)
    opt = Lookahead(wrapped, sync_period=2, slow_step=0.5)
    model = linear_model(opt)
    model.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    w, b, sw, sb = numpy_lookahead(0.1, 2, 0.5, batches())
    np.testing.assert_allclose(model.get_weights()[0], w, atol=1e-6)
    np.testing.assert_allclose(model.get_weights()[1], b, atol=1e-6)
    slow = opt.get_weights()[-2:]
    np.testing.assert_allclose(slow[0], sw, atol=1e-6)
    np.testing.assert_allclose(slow[1], sb, atol=1e-6)
    assert int(K.get_value(opt.iterations)) == 10
    assert float(K.get_value(opt.lr)) == pytest.approx(0.1)


def test_slots_are_created_once():
    opt = MySGD(lr=0.1, momentum=0.9)
    model = linear_model(opt)
    model.train_on_batch(X[:4], Y[:4])
    first = list(opt.weights)
    assert len(first) == 3
    for _ in range(4):
        model.train_on_batch(X[:4], Y[:4])
    assert all(a is b for a, b in zip(first, opt.weights))
    assert len(opt.weights) == 3
    assert int(K.get_value(opt.iterations)) == 5


@pytest.mark.parametrize('make, custom', [
    (lambda: MySGD(lr=0.1, momentum=0.9, decay=0.01), {'MySGD': MySGD}),
    (lambda: Lookahead(optimizers.SGD(lr=0.1, momentum=0.5), sync_period=2),
     {'Lookahead': Lookahead}),
])
def test_save_and_load_continue_training_exactly(tmp_path, make, custom):
    path = str(tmp_path / 'model.h5')
    reference = mlp(make())
    start = reference.get_weights()
    interrupted = mlp(make(), start)
    reference.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    interrupted.fit(X[:12], Y[:12], batch_size=4, epochs=1, shuffle=False,
                    verbose=0)
    interrupted.save(path)
    loaded = models.load_model(path, custom_objects=custom)
    assert type(loaded.optimizer) is type(interrupted.optimizer)
    assert int(K.get_value(loaded.optimizer.iterations)) == 3
    np.testing.assert_allclose(
        np.concatenate([np.ravel(w) for w in loaded.optimizer.get_weights()]),
        np.concatenate([np.ravel(w) for w in
                        interrupted.optimizer.get_weights()]))
    loaded.fit(X[12:], Y[12:], batch_size=4, epochs=1, shuffle=False,
               verbose=0)
    assert int(K.get_value(loaded.optimizer.iterations)) == 10
    for u, v in zip(loaded.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(u, v, atol=1e-6)


def test_loading_a_state_of_another_size_warns_and_starts_fresh(tmp_path):
    path = str(tmp_path / 'model.h5')
    model = linear_model(MySGD(lr=0.1, momentum=0.9))
    model.fit(X, Y, batch_size=8, epochs=1, verbose=0)
    model.save(path)

    class MySGDWithAverage(MySGD):
        def get_updates(self, loss, params):
            updates = super(MySGDWithAverage, self).get_updates(loss, params)
            averages = [K.zeros(K.int_shape(p)) for p in params]
            self.weights = self.weights + averages
            return updates + [K.update(a, 0.9 * a + 0.1 * p)
                              for a, p in zip(averages, params)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        loaded = models.load_model(
            path, custom_objects={'MySGD': MySGDWithAverage})
    assert any('Error in loading the saved optimizer state' in
               str(w.message) for w in caught)
    assert len(loaded.optimizer.weights) == 5
    assert int(K.get_value(loaded.optimizer.iterations)) == 0


def test_lr_callbacks_drive_a_get_updates_optimizer():
    seen = []
    opt = MySGD(lr=0.1)
    model = linear_model(opt)
    record = callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append(model.get_weights()))
    schedule = callbacks.LearningRateScheduler(
        lambda epoch: 0.05 if epoch == 0 else 0.)
    model.fit(X, Y, batch_size=8, epochs=2, shuffle=False, verbose=0,
              callbacks=[schedule, record])
    assert float(K.get_value(opt.lr)) == 0.
    # Epoch 0 trained with lr 0.05; epoch 1, with lr 0, changed nothing.
    w, b = numpy_momentum(0.05, 0., batches(8))
    np.testing.assert_allclose(seen[0][0], w, atol=1e-6)
    for u, v in zip(seen[0], seen[1]):
        np.testing.assert_array_equal(u, v)

    opt = MySGD(lr=0.1)
    model = linear_model(opt)
    plateau = callbacks.ReduceLROnPlateau(monitor='loss', factor=0.5,
                                          patience=0, min_delta=1e9,
                                          min_lr=0.)
    history = model.fit(X, Y, batch_size=8, epochs=3, verbose=0,
                        callbacks=[plateau])
    # The first epoch sets the best loss; each later one halves lr (the
    # history logs lr before the epoch's reduction, as Keras 2 does).
    assert float(K.get_value(opt.lr)) == pytest.approx(0.025)
    np.testing.assert_allclose(history.history['lr'], [0.1, 0.1, 0.05])


def test_train_on_batch_and_fit_generator():
    model = linear_model(MySGD(lr=0.1, momentum=0.9))
    for x, y in batches():
        model.train_on_batch(x, y)
    w, b = numpy_momentum(0.1, 0.9, batches())
    np.testing.assert_allclose(model.get_weights()[0], w, atol=1e-6)

    def generator():
        while True:
            for pair in batches():
                yield pair
    model = linear_model(MySGD(lr=0.1, momentum=0.9))
    model.fit_generator(generator(), steps_per_epoch=10, epochs=2,
                        verbose=0)
    w, b = numpy_momentum(0.1, 0.9, list(batches()) * 2)
    np.testing.assert_allclose(model.get_weights()[0], w, atol=1e-6)
    np.testing.assert_allclose(model.get_weights()[1], b, atol=1e-6)


def test_k_function_training_loop_with_symbolic_loss():
    x, y_true = layers.Input((3,)), layers.Input((2,))
    dense = layers.Dense(2)
    model = models.Model(x, dense(x))
    dense.set_weights([W0, B0])
    loss = K.mean(K.square(model.output - y_true))
    opt = MySGD(lr=0.1, momentum=0.9)
    train = K.function([x, y_true], [loss], updates=opt.get_updates(
        loss=loss, params=model.trainable_weights))
    w, b = W0.astype('float64'), B0.astype('float64')
    vw, vb = np.zeros_like(w), np.zeros_like(b)
    losses = []
    for _ in range(5):
        value, = train([X, Y])
        expected = np.mean((X.dot(w) + b - Y) ** 2)
        assert value == pytest.approx(expected, rel=1e-5)
        gw, gb = linear_grads(w, b, X, Y)
        vw, vb = 0.9 * vw - 0.1 * gw, 0.9 * vb - 0.1 * gb
        w, b = w + vw, b + vb
        losses.append(value)
    assert losses[-1] < losses[0]
    np.testing.assert_allclose(dense.get_weights()[0], w, atol=1e-6)
    np.testing.assert_allclose(dense.get_weights()[1], b, atol=1e-6)
    assert int(K.get_value(opt.iterations)) == 5


def test_constraints_are_applied_once_by_get_updates():
    def halve(w):
        return w * 0.5
    model = linear_model(MySGD(lr=0.1), kernel_constraint=halve)
    assert model.trainable_weights[0].constraint is halve
    model.train_on_batch(X[:4], Y[:4])
    gw, _ = linear_grads(W0.astype('float64'), B0, X[:4], Y[:4])
    np.testing.assert_allclose(model.get_weights()[0],
                               0.5 * (W0 - 0.1 * gw), atol=1e-6)


def test_clipnorm_is_keras2_global_norm():
    model = linear_model(MySGD(lr=0.1, clipnorm=0.05))
    model.train_on_batch(X[:4], Y[:4])
    gw, gb = linear_grads(W0.astype('float64'), B0.astype('float64'),
                          X[:4], Y[:4])
    norm = np.sqrt((gw ** 2).sum() + (gb ** 2).sum())
    assert norm > 0.05
    scale = 0.05 / norm
    np.testing.assert_allclose(model.get_weights()[0], W0 - 0.1 * scale * gw,
                               atol=1e-6)
    np.testing.assert_allclose(model.get_weights()[1], B0 - 0.1 * scale * gb,
                               atol=1e-6)


def test_unconnected_weight_raises_keras2_none_gradient_error():
    x, y_true = layers.Input((3,)), layers.Input((2,))
    model = models.Model(x, layers.Dense(2)(x))
    loss = K.mean(K.square(model.output - y_true))
    stray = K.variable(np.zeros((2,)))
    opt = MySGD(lr=0.1)
    train = K.function([x, y_true], [loss], updates=opt.get_updates(
        loss, model.trainable_weights + [stray]))
    with pytest.raises(ValueError, match='None` for gradient'):
        train([X, Y])


def test_optimizer_without_an_update_says_what_to_override():
    class Nothing(Optimizer):
        pass
    model = linear_model(Nothing())
    with pytest.raises(NotImplementedError, match='get_updates'):
        model.train_on_batch(X[:4], Y[:4])


def test_changing_slot_shapes_between_steps_is_a_clear_error():
    class Growing(MySGD):
        def get_updates(self, loss, params):
            self.calls = getattr(self, 'calls', 0) + 1
            K.zeros((self.calls,))
            return super(Growing, self).get_updates(loss, params)
    model = linear_model(Growing(lr=0.1))
    model.train_on_batch(X[:4], Y[:4])
    with pytest.raises(ValueError, match='same shapes'):
        model.train_on_batch(X[:4], Y[:4])


def test_updates_outside_a_step_are_graph_ops():
    # Keras 2: K.update_add outside a training step builds an op that
    # runs when K.function (or K.batch_get_value) runs it.
    v = K.variable(np.ones(2))
    op = K.update_add(v, 1.)
    np.testing.assert_array_equal(K.get_value(v), [1., 1.])
    np.testing.assert_array_equal(K.batch_get_value([op])[0], [2., 2.])
    np.testing.assert_array_equal(K.get_value(v), [2., 2.])
    z = K.zeros((2,))
    assert z is not K.zeros((2,))


@pytest.fixture
def float16_policy():
    from keras_compat import mixed_precision
    mixed_precision.set_global_policy('mixed_float16')
    yield
    mixed_precision.set_global_policy('float32')


def test_loss_scaling_unscales_before_get_updates(float16_policy):
    a = linear_model(MySGD(lr=0.1, momentum=0.9))
    b = linear_model(optimizers.SGD(lr=0.1, momentum=0.9))
    for model in (a, b):
        model.fit(X, Y / 100., batch_size=4, epochs=1, shuffle=False,
                  verbose=0)
    assert float(a.optimizer.loss_scale) == 2. ** 15
    for u, v in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(u, v, atol=1e-6)


def test_loss_scaling_skips_overflowing_steps(float16_policy):
    opt = MySGD(lr=0.1, momentum=0.9)
    model = linear_model(opt)
    model.train_on_batch(X[:4], Y[:4] * 1e3)
    np.testing.assert_array_equal(model.get_weights()[0], W0)
    # (tf.keras's LossScaleOptimizer counts a skipped step.)
    assert int(K.get_value(opt.iterations)) == 1
    assert float(model.optimizer.loss_scale) == 2. ** 14


def test_augmented_assignment_in_get_updates_does_not_change_queued_values():
    # Keras 2 tensors are immutable: `new_p *= 0.` after K.update(p, new_p)
    # makes a new tensor; the queued update keeps new_p's value.
    class Accumulating(keras.optimizers.Optimizer):
        def __init__(self, **kwargs):
            super(Accumulating, self).__init__(**kwargs)
            self.lr = K.variable(0.1)

        def get_updates(self, loss, params):
            grads = self.get_gradients(loss, params)
            self.updates = []
            for p, g in zip(params, grads):
                new_p = p - self.lr * g
                self.updates.append(K.update(p, new_p))
                new_p *= 0.
            return self.updates

    model = keras.models.Sequential([keras.layers.Dense(
        1, input_shape=(2,), use_bias=False, kernel_initializer='ones')])
    model.compile(Accumulating(), loss='mse')
    x = np.array([[1., 2.]], dtype='float32')
    y = np.array([[0.]], dtype='float32')
    model.train_on_batch(x, y)
    # d/dw (x.w)^2 = 2 (x.w) x = 2 * 3 * [1, 2]
    np.testing.assert_allclose(model.get_weights()[0][:, 0],
                               1. - 0.1 * 6. * np.array([1., 2.]),
                               rtol=1e-6)


def test_optimizer_deserialize_lowercases_the_callers_name():
    config = optimizers.serialize(optimizers.SGD(lr=0.05))
    assert config['class_name'] == 'SGD'
    restored = optimizers.deserialize(config)
    assert config['class_name'] == 'sgd'
    assert isinstance(restored, optimizers.SGD)
    assert restored.get_config()['learning_rate'] == pytest.approx(0.05)


@pytest.mark.parametrize('make', [
    lambda: keras.optimizers.SGD(lr=0.1),
    lambda: MySGD(lr=0.1)])
def test_get_updates_on_a_per_sample_loss_follows_its_sum(make):
    # tf.gradients of a non-scalar loss is the gradient of its sum: two
    # samples, each (w . x_i)^2 with x_i a unit vector, give w = 1 -
    # 0.1 * 2 * 1 on each weight, not half of that step.
    model = keras.models.Sequential([keras.layers.Dense(
        1, input_dim=2, use_bias=False, kernel_initializer='ones')])
    target = K.placeholder(shape=(None, 1))
    loss = K.square(model.output - target)
    updates = make().get_updates(loss=loss,
                                 params=model.trainable_weights)
    step = K.function([model.input, target], [loss], updates=updates)
    step([np.eye(2, dtype='float32'), np.zeros((2, 1), 'float32')])
    np.testing.assert_allclose(model.get_weights()[0].ravel(), [0.8, 0.8],
                               rtol=1e-6)


def test_lookahead_injected_as_the_training_function():
    # keras-lookahead's `inject`: a Keras 2.2 training function built from
    # model.total_loss, optimizer.get_updates and update ops run by
    # K.batch_get_value every k steps, assigned to model.train_function.
    k, alpha, lr = 2, 0.5, 0.1
    rng = np.random.RandomState(0)
    x = rng.rand(20, 3).astype('float32')
    y = x.dot(np.array([[1.], [2.], [3.]])).astype('float32')
    model = models.Sequential([layers.Dense(
        1, input_shape=(3,), use_bias=False, kernel_initializer='zeros')])
    model.compile(optimizers.SGD(lr=lr), 'mse', metrics=['mae'])
    assert model.train_function is None
    fast = model._collected_trainable_weights
    inputs = model._feed_inputs + model._feed_targets + \
        model._feed_sample_weights
    updates = model.updates + model.optimizer.get_updates(
        params=fast, loss=model.total_loss) + model.metrics_updates
    slow = [K.variable(p) for p in fast]
    slow_updates = [K.update(q, q + alpha * (p - q))
                    for p, q in zip(fast, slow)]
    copy_updates = [K.update(p, q) for p, q in zip(fast, slow)]
    step = K.function(inputs, [model.total_loss] + model.metrics_tensors,
                      updates=updates, **model._function_kwargs)
    count = [0]

    def train_function(values):
        count[0] += 1
        result = step(values)
        if count[0] % k == 0:
            K.batch_get_value(slow_updates)
            K.batch_get_value(copy_updates)
        return result

    model.train_function = train_function
    history = model.fit(x, y, batch_size=20, epochs=4, verbose=0,
                        shuffle=False)
    w, w_slow, losses = np.zeros((3, 1)), np.zeros((3, 1)), []
    for epoch in range(4):
        err = x.dot(w) - y
        losses.append(np.mean(err ** 2))
        w = w - lr * 2 * x.T.dot(err) / len(x)
        if (epoch + 1) % k == 0:
            w_slow = w_slow + alpha * (w - w_slow)
            w = w_slow.copy()
    np.testing.assert_allclose(history.history['loss'], losses, rtol=1e-5)
    np.testing.assert_allclose(model.get_weights()[0], w, rtol=1e-5)


# ------------------------------------- wrappers of built-in optimizers
class AccumOptimizer(Optimizer):
    """Gradient accumulation as Keras 2 programs wrote it (after Su
    Jianlin's AccumOptimizer): the wrapped optimizer's `lr` and
    `momentum` become switches on the step count, its get_gradients is
    replaced on the instance, and its own iterations increment is sliced
    off its get_updates."""

    def __init__(self, optimizer, steps_per_update=1, **kwargs):
        super(AccumOptimizer, self).__init__(**kwargs)
        self.optimizer = optimizer
        self.steps_per_update = steps_per_update
        self.iterations = K.variable(0, dtype='int64', name='iterations')
        self.cond = K.equal(self.iterations % self.steps_per_update, 0)
        self.lr = self.optimizer.lr
        self.optimizer.lr = K.switch(self.cond, self.optimizer.lr, 0.)
        value = self.optimizer.momentum
        self.optimizer.momentum = K.switch(self.cond, value, 1 - 1e-7)

        def get_gradients(loss, params):
            return [ag / self.steps_per_update for ag in self.accum_grads]
        self.optimizer.get_gradients = get_gradients

    def get_updates(self, loss, params):
        self.updates = [
            K.update_add(self.iterations, 1),
            K.update_add(self.optimizer.iterations,
                         K.cast(self.cond, 'int64'))]
        self.accum_grads = [K.zeros(K.int_shape(p), dtype=K.dtype(p))
                            for p in params]
        grads = self.get_gradients(loss, params)
        for g, ag in zip(grads, self.accum_grads):
            self.updates.append(
                K.update(ag, K.switch(self.cond, ag * 0, ag + g)))
        self.updates.extend(self.optimizer.get_updates(loss, params)[1:])
        return self.updates


def numpy_accumulated_momentum(lr, momentum, steps, batches_):
    """AccumOptimizer(SGD(lr, momentum), steps) in numpy: every update
    reads the values from before the step."""
    w, b = W0.astype('float64'), B0.astype('float64')
    aw, ab = np.zeros_like(w), np.zeros_like(b)
    vw, vb = np.zeros_like(w), np.zeros_like(b)
    for it, (x, y) in enumerate(batches_):
        cond = it % steps == 0
        gw, gb = linear_grads(w, b, x, y)
        lr_t, mom_t = (lr, momentum) if cond else (0., 1 - 1e-7)
        vw = mom_t * vw - lr_t * aw / steps
        vb = mom_t * vb - lr_t * ab / steps
        aw, ab = (aw * 0, ab * 0) if cond else (aw + gw, ab + gb)
        w, b = w + vw, b + vb
    return w, b


def test_accumulating_wrapper_of_a_builtin_optimizer_matches_numpy():
    inner = optimizers.SGD(lr=0.1, momentum=0.5)
    model = linear_model(AccumOptimizer(inner, steps_per_update=2))
    for x, y in batches():
        model.train_on_batch(x, y)
    w, b = numpy_accumulated_momentum(0.1, 0.5, 2, batches())
    np.testing.assert_allclose(model.get_weights()[0], w, rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(model.get_weights()[1], b, rtol=1e-5,
                               atol=1e-6)
    # The inner count moved only on update steps (its own increment was
    # sliced off its get_updates).
    steps = len(X) // 4
    assert K.get_value(inner.iterations) == (steps + 1) // 2


def test_assigning_a_hyperparameter_rebinds_it():
    optimizer = optimizers.Adam(lr=0.01)
    saved = optimizer.lr
    step = K.variable(1, dtype='int64')
    optimizer.lr = K.switch(K.equal(step % 2, 0), saved, 0.)
    assert K.get_value(saved) == pytest.approx(0.01)
    assert K.get_value(optimizer.lr) == 0.
    K.set_value(step, 2)
    assert K.get_value(optimizer.lr) == pytest.approx(0.01)
    optimizer.lr = saved
    assert optimizer.lr is saved
    optimizer.lr = 0.02  # a number is written into the variable
    assert optimizer.lr is saved
    assert K.get_value(saved) == pytest.approx(0.02)


def test_get_gradients_of_the_instance_or_a_subclass_is_used():
    frozen = optimizers.SGD(lr=0.1)
    frozen.get_gradients = lambda loss, params: [K.zeros_like(p)
                                                 for p in params]
    model = linear_model(frozen)
    model.train_on_batch(X[:4], Y[:4])
    np.testing.assert_array_equal(model.get_weights()[0], W0)

    class HalfSGD(optimizers.SGD):
        def get_gradients(self, loss, params):
            grads = super(HalfSGD, self).get_gradients(loss, params)
            return [g * 0.5 for g in grads]

    model = linear_model(HalfSGD(lr=0.1))
    model.train_on_batch(X[:4], Y[:4])
    gw, gb = linear_grads(W0, B0, X[:4], Y[:4])
    np.testing.assert_allclose(model.get_weights()[0], W0 - 0.05 * gw,
                               rtol=1e-5)


def test_updates_left_out_of_the_returned_list_do_not_run():
    class Dropping(Optimizer):
        def __init__(self, **kwargs):
            super(Dropping, self).__init__(**kwargs)
            self.iterations = K.variable(0, dtype='int64')

        def get_updates(self, loss, params):
            grads = self.get_gradients(loss, params)
            updates = [K.update_add(self.iterations, 1)]
            updates += [K.update(p, p - 0.1 * g)
                        for p, g in zip(params, grads)]
            self.updates = updates[1:]
            return self.updates

    optimizer = Dropping()
    model = linear_model(optimizer)
    model.train_on_batch(X[:4], Y[:4])
    assert K.get_value(optimizer.iterations) == 0
    gw, _ = linear_grads(W0, B0, X[:4], Y[:4])
    np.testing.assert_allclose(model.get_weights()[0], W0 - 0.1 * gw,
                               rtol=1e-5)


class UpdateWatchingLookahead(Optimizer):
    """Lookahead as keras-lookahead's later releases write it: K.update is
    replaced while the wrapped optimizer's get_updates runs, and each
    (weight, new value) pair it reports is rewritten."""

    def __init__(self, optimizer, sync_period=5, slow_step=0.5, **kwargs):
        super(UpdateWatchingLookahead, self).__init__(**kwargs)
        self.optimizer = optimizer
        self.sync_period = sync_period
        self.slow_step = slow_step

    def get_updates(self, loss, params):
        slow_params = {p.name: K.variable(K.get_value(p))
                       for p in params}
        sync_cond = K.equal(
            (self.optimizer.iterations + 1) % self.sync_period, 0)
        original_update = getattr(K, 'update')
        setattr(K, 'update', lambda x, new_x: (x, new_x))
        self.updates = self.optimizer.get_updates(loss, params)
        setattr(K, 'update', original_update)
        slow_updates = []
        for i, update in enumerate(self.updates):
            if isinstance(update, tuple):
                if update[0].name not in slow_params:
                    self.updates[i] = K.update(update[0], update[1])
                else:
                    slow = slow_params[update[0].name]
                    slow_t = slow + self.slow_step * (update[1] - slow)
                    slow_updates.append(K.update(
                        slow, K.switch(sync_cond, slow_t, slow)))
                    self.updates[i] = K.update(update[0], K.switch(
                        sync_cond, slow_t, update[1]))
        self.updates += slow_updates
        return self.updates


def test_wrapper_replacing_k_update_sees_each_builtin_update():
    inner = optimizers.SGD(lr=0.1, momentum=0.5)
    model = linear_model(UpdateWatchingLookahead(inner, sync_period=2))
    for x, y in batches():
        model.train_on_batch(x, y)
    w, b = W0.astype('float64'), B0.astype('float64')
    sw, sb = w.copy(), b.copy()
    vw, vb = np.zeros_like(w), np.zeros_like(b)
    for it, (x, y) in enumerate(batches()):
        gw, gb = linear_grads(w, b, x, y)
        vw, vb = 0.5 * vw - 0.1 * gw, 0.5 * vb - 0.1 * gb
        w, b = w + vw, b + vb
        if (it + 1) % 2 == 0:
            sw, sb = sw + 0.5 * (w - sw), sb + 0.5 * (b - sb)
            w, b = sw, sb
    np.testing.assert_allclose(model.get_weights()[0], w, atol=1e-6)
    np.testing.assert_allclose(model.get_weights()[1], b, atol=1e-6)
    assert K.get_value(inner.iterations) == len(X) // 4


def test_positional_arguments_of_keras_2_2_and_tf_keras():
    # Keras 2.2: Adam(lr, beta_1, beta_2, epsilon, decay, amsgrad);
    # Keras 2.3: Adam(lr, beta_1, beta_2, amsgrad); tf.keras: Adam(lr,
    # beta_1, beta_2, epsilon, amsgrad).
    adam = optimizers.Adam(0.001, .9, .999, 1e-8)
    assert adam.epsilon == 1e-8 and adam.amsgrad is False
    assert optimizers.Adam(0.001, .9, .999, True).amsgrad is True
    assert optimizers.Adam(0.001, .9, .999, 1e-7, True).amsgrad is True
    config = optimizers.Adam(0.001, .9, .999, 1e-8, 1e-4).get_config()
    assert config['decay'] == pytest.approx(1e-4)
    config = optimizers.SGD(0.1, .9, 1e-6, True).get_config()
    assert config['decay'] == pytest.approx(1e-6) and config['nesterov']
    assert optimizers.SGD(0.1, .9, True).get_config()['nesterov'] is True
    config = optimizers.RMSprop(0.01, .9, 1e-8, 1e-3).get_config()
    assert config['epsilon'] == 1e-8 and config['decay'] == \
        pytest.approx(1e-3)
    config = optimizers.RMSprop(0.01, .9, .5).get_config()
    assert config['momentum'] == pytest.approx(.5)
    with pytest.raises(TypeError, match='multiple values'):
        optimizers.SGD(0.1, lr=0.2)


def test_an_expression_in_place_of_iterations_gives_the_step_count():
    # keras-gradient-accumulation sets the wrapped optimizer's
    # `iterations` to an expression of its own count.
    count = K.variable(5, dtype='int64')
    adam = optimizers.Adam(lr=0.1)
    adam.iterations = count * 1
    model = linear_model(adam)
    model.train_on_batch(X[:4], Y[:4])
    gw, _ = linear_grads(W0, B0, X[:4], Y[:4])
    t = 6   # the step after the count's 5
    lr_t = 0.1 * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
    m, v = 0.1 * gw, 0.001 * gw ** 2
    expected = W0 - lr_t * m / (np.sqrt(v) + 1e-7)
    np.testing.assert_allclose(model.get_weights()[0], expected, rtol=1e-4)


def test_tf_optimizer_wraps_a_tf_train_optimizer_as_keras_2():
    from keras_compat import tensorflow_compat as tf
    wrapped = keras.optimizers.TFOptimizer(tf.train.AdamOptimizer(0.01))
    assert isinstance(wrapped, keras.optimizers.Optimizer)
    assert keras.backend.get_value(wrapped.lr) == pytest.approx(0.01)
    with pytest.raises(NotImplementedError, match='tf.train optimizers'):
        keras.optimizers.TFOptimizer(object())
