"""Optimizer libraries written for Keras 2.2 / 2.3 (`get_updates(loss,
params)`): wrappers that step a wrapped optimizer once per group of
weights and keep the updates they built (keras-lr-multiplier), slots
collected by their graph-unique names, and Keras 2.3's `lr` read off a
subclass that defines only `learning_rate` (keras-gradient-accumulation).
Expected numbers come from Keras 2's update formulas in numpy; names are
those tf_keras 2.21 gives in graph mode (TensorFlow 1 naming)."""
import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat import layers, models, optimizers
from keras_compat.optimizers import Optimizer

RS = np.random.RandomState(0)
X = RS.rand(12, 3).astype('float32')
Y = RS.rand(12, 2).astype('float32')
W0 = RS.randn(3, 2).astype('float32') * 0.5
B0 = RS.randn(2).astype('float32') * 0.1


class GroupMultiplier(Optimizer):
    """keras-lr-multiplier's idiom: the wrapped optimizer's get_updates is
    called once per group of weights sharing a multiplier, with its
    learning rate scaled; the updates built are kept and returned again;
    its weights are collected by name."""

    def __init__(self, optimizer, multipliers, **kwargs):
        super(GroupMultiplier, self).__init__(**kwargs)
        self.optimizer = optimizers.get(optimizer)
        self.multipliers = multipliers
        self.updates, self.weights = [], []

    @property
    def learning_rate(self):
        return self.optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self.optimizer.learning_rate = value

    def get_updates(self, loss, params):
        if len(self.updates) > 0:
            return self.updates
        groups = {}
        for p in params:
            factor = max([(len(k), v) for k, v in self.multipliers.items()
                          if p.name.startswith(k)] or [(0, 1.0)])[1]
            groups.setdefault(factor, []).append(p)
        self.updates, self.weights = [], []
        origin = self.learning_rate
        for i, (factor, group) in enumerate(groups.items()):
            self.learning_rate = origin * factor
            with K.name_scope('Group_{}'.format(i)):
                self.updates += self.optimizer.get_updates(loss, group)
            names = set(w.name for w in self.weights)
            self.weights += [w for w in self.optimizer.weights
                             if w.name not in names]
        self.learning_rate = origin
        return self.updates

    def get_config(self):
        config = {'optimizer': optimizers.serialize(self.optimizer),
                  'multipliers': self.multipliers}
        base = super(GroupMultiplier, self).get_config()
        return dict(list(base.items()) + list(config.items()))

    @classmethod
    def from_config(cls, config):
        optimizer = optimizers.deserialize(config.pop('optimizer'))
        return cls(optimizer, **config)


class MomentumSGD(Optimizer):
    """SGD with momentum as Keras 2.3 subclasses write it: slots named
    'moment_<i>' within each call, `learning_rate` only."""

    def __init__(self, learning_rate=0.01, momentum=0., **kwargs):
        super(MomentumSGD, self).__init__(**kwargs)
        with K.name_scope(self.__class__.__name__):
            self.iterations = K.variable(0, dtype='int64', name='iterations')
            self.learning_rate = K.variable(learning_rate,
                                            name='learning_rate')
            self.momentum = K.variable(momentum, name='momentum')

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = [K.update_add(self.iterations, 1)]
        moments = [K.zeros(K.int_shape(p), name='moment_' + str(i))
                   for i, p in enumerate(params)]
        self.weights = [self.iterations] + moments
        for p, g, m in zip(params, grads, moments):
            v = self.momentum * m - self.lr * g
            self.updates.append(K.update(m, v))
            self.updates.append(K.update(p, p + v))
        return self.updates

    def get_config(self):
        config = {'learning_rate': float(K.get_value(self.learning_rate)),
                  'momentum': float(K.get_value(self.momentum))}
        base = super(MomentumSGD, self).get_config()
        return dict(list(base.items()) + list(config.items()))


def linear_model(optimizer):
    model = models.Sequential([layers.Dense(2, input_shape=(3,),
                                            name='dense')])
    model.compile(optimizer, 'mse')
    model.set_weights([W0, B0])
    return model


def linear_grads(w, b, x, y):
    error = x.dot(w) + b - y
    scale = 2. / error.size
    return scale * x.T.dot(error), scale * error.sum(axis=0)


def numpy_momentum(lr_w, lr_b, momentum, steps):
    """SGD with momentum, each weight with its own learning rate."""
    w, b = W0.astype('float64'), B0.astype('float64')
    vw, vb = np.zeros_like(w), np.zeros_like(b)
    for i in range(steps):
        x, y = X[i * 4 % 12:][:4], Y[i * 4 % 12:][:4]
        gw, gb = linear_grads(w, b, x, y)
        vw, vb = momentum * vw - lr_w * gw, momentum * vb - lr_b * gb
        w, b = w + vw, b + vb
    return w, b


def train(model, steps):
    for i in range(steps):
        model.train_on_batch(X[i * 4 % 12:][:4], Y[i * 4 % 12:][:4])


@pytest.mark.parametrize('inner', ['builtin', 'get_updates'])
def test_wrapper_stepping_groups_keeps_stepping(inner):
    wrapped = optimizers.SGD(0.1, momentum=0.5) if inner == 'builtin' \
        else MomentumSGD(0.1, momentum=0.5)
    opt = GroupMultiplier(wrapped, {'dense/bias': 3.0})
    model = linear_model(opt)
    train(model, 5)
    w, b = numpy_momentum(0.1, 0.3, 0.5, 5)
    np.testing.assert_allclose(model.get_weights()[0], w, atol=1e-6)
    np.testing.assert_allclose(model.get_weights()[1], b, atol=1e-6)
    # Each group's get_updates adds one to the wrapped count.
    assert int(K.get_value(wrapped.iterations)) == 10
    # [iterations, moment of the kernel, moment of the bias]: each call
    # shows the slots of its own weights, under distinct names.
    assert [tuple(v.shape) for v in opt.weights] == [(), (3, 2), (2,)]
    assert len(set(v.name for v in opt.weights)) == 3
    assert float(K.get_value(opt.learning_rate)) == pytest.approx(0.1)


@pytest.mark.parametrize('inner', ['builtin', 'get_updates'])
def test_wrapper_stepping_groups_saves_and_continues(tmp_path, inner):
    def make():
        wrapped = optimizers.SGD(0.1, momentum=0.5) if inner == 'builtin' \
            else MomentumSGD(0.1, momentum=0.5)
        return GroupMultiplier(wrapped, {'dense/bias': 3.0})
    path = str(tmp_path / 'model.h5')
    model = linear_model(make())
    train(model, 2)
    model.save(path)
    custom = {'GroupMultiplier': GroupMultiplier, 'MomentumSGD': MomentumSGD}
    loaded = models.load_model(path, custom_objects=custom)
    np.testing.assert_allclose(
        np.concatenate([np.ravel(v) for v in loaded.optimizer.get_weights()]),
        np.concatenate([np.ravel(v) for v in model.optimizer.get_weights()]))
    for i in range(2, 5):
        loaded.train_on_batch(X[i * 4 % 12:][:4], Y[i * 4 % 12:][:4])
    # The same numbers as five steps without the interruption.
    w, b = numpy_momentum(0.1, 0.3, 0.5, 5)
    np.testing.assert_allclose(loaded.get_weights()[0], w, atol=1e-6)
    np.testing.assert_allclose(loaded.get_weights()[1], b, atol=1e-6)


def test_variable_names_are_unique_in_the_graph():
    # tf_keras 2.21 in graph mode (TensorFlow 1 naming, as Keras 2.2/2.3):
    # v:0 v_1:0 / G/m_0_1:0 G/m_0_2:0 G/Variable:0 / Group_1/m_0_1:0
    K.clear_session()
    first, second = K.variable(0., name='v'), K.variable(0., name='v')
    assert (first.name, second.name) == ('v:0', 'v_1:0')
    with K.name_scope('G'):
        names = [K.zeros((2,), name='m_0').name,
                 K.variable(1., name='m_0').name, K.zeros((2,)).name]
    assert names == ['G/m_0_1:0', 'G/m_0_2:0', 'G/Variable:0']
    with K.name_scope('Group_1'):
        assert K.zeros((2,), name='m_0').name == 'Group_1/m_0_1:0'
    K.clear_session()
    assert K.variable(0., name='v').name == 'v:0'


class Accumulating(Optimizer):
    """keras-gradient-accumulation's AdamAccumulated idiom, on SGD:
    gradients averaged over `steps` batches, the step taken on the last,
    the rate read through Keras 2.3's legacy `self.lr`."""

    def __init__(self, steps, learning_rate=0.1, **kwargs):
        super(Accumulating, self).__init__(**kwargs)
        self.iterations = K.variable(0, dtype='int64', name='iterations')
        self.steps = K.variable(steps, dtype='int64', name='steps')
        self.learning_rate = K.variable(learning_rate, name='learning_rate')

    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = [K.update_add(self.iterations, 1)]
        cond = K.equal((self.iterations + 1) % self.steps, 0)
        sub_step = self.iterations % self.steps + 1
        lr_t = K.switch(cond, self.lr, 0.0)
        accs = [K.zeros(K.int_shape(p)) for p in params]
        self.weights = [self.iterations] + accs
        for p, g, acc in zip(params, grads, accs):
            ave = g / K.cast(self.steps, K.floatx())
            acc_t = K.switch(K.equal(sub_step, 1), ave,
                             acc + (ave - acc) / K.cast(sub_step, K.floatx()))
            self.updates.append(K.update(acc, acc_t))
            self.updates.append(K.update(p, p - lr_t * acc_t))
        return self.updates


def test_legacy_lr_reads_learning_rate_of_a_subclass():
    opt = Accumulating(steps=2, learning_rate=0.1)
    assert float(K.get_value(opt.lr)) == pytest.approx(0.1)
    model = linear_model(opt)
    train(model, 4)
    w, b = W0.astype('float64'), B0.astype('float64')
    acc_w, acc_b = np.zeros_like(w), np.zeros_like(b)
    for i in range(4):
        gw, gb = linear_grads(w, b, X[i * 4 % 12:][:4], Y[i * 4 % 12:][:4])
        sub = i % 2 + 1
        acc_w = gw / 2 if sub == 1 else acc_w + (gw / 2 - acc_w) / sub
        acc_b = gb / 2 if sub == 1 else acc_b + (gb / 2 - acc_b) / sub
        if (i + 1) % 2 == 0:
            w, b = w - 0.1 * acc_w, b - 0.1 * acc_b
    np.testing.assert_allclose(model.get_weights()[0], w, atol=1e-6)
    np.testing.assert_allclose(model.get_weights()[1], b, atol=1e-6)

    class Keras22Style(Optimizer):
        def __init__(self):
            super(Keras22Style, self).__init__()
            self.lr = K.variable(0.5, name='lr')
    assert float(K.get_value(Keras22Style().lr)) == pytest.approx(0.5)
    assert not hasattr(Optimizer(), 'lr')
