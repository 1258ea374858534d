"""Expressions of variables written outside any model run are graph nodes,
as in Keras 2: each read (a training step, a K.function call, an added
loss, K.get_value) computes them from the variables' values then.
References are numpy formulas."""
import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat import optimizers
from keras_compat.layers import Dense, Input, Lambda, Layer
from keras_compat.models import Model, Sequential


def test_function_update_of_an_expression_runs_at_each_call_only():
    a = K.variable(np.ones(2))
    b = K.variable(np.zeros(2))
    update = K.update(b, 0.5 * a + 0.5 * b)
    np.testing.assert_array_equal(K.get_value(b), [0., 0.])
    run = K.function([], [], updates=[update])
    run([])
    np.testing.assert_allclose(K.get_value(b), [0.5, 0.5])
    run([])
    np.testing.assert_allclose(K.get_value(b), [0.75, 0.75])


def test_function_outputs_are_read_before_its_pair_updates():
    c = K.variable(0.)
    run = K.function([], [c * 2.], updates=[(c, c + 1.)])
    assert [float(run([])[0]) for _ in range(3)] == [0., 2., 4.]
    assert K.get_value(c) == 3.


def test_expression_reads_the_variables_current_values():
    v = K.variable(2.)
    tripled = v * 3.
    K.set_value(v, 5.)
    assert K.eval(tripled) == 15.
    assert K.get_value(tripled + 1.) == 16.
    step = K.variable(0, dtype='int64')
    rate = 0.1 * K.cast(K.less(step, 2), 'float32')
    assert K.eval(rate) == pytest.approx(0.1)
    K.set_value(step, 5)
    assert K.eval(rate) == 0.
    assert K.eval(K.switch(K.less(step, 2), v, 0. * v)) == 0.


def test_gradients_of_an_expression_follow_the_variables():
    v = K.variable(np.array([1., 2.]))
    grad = K.gradients(K.sum(K.square(v)), [v])[0]
    np.testing.assert_allclose(K.eval(grad), [2., 4.])
    K.set_value(v, [3., 4.])
    np.testing.assert_allclose(K.eval(grad), [6., 8.])
    descend = K.function([], [], updates=[K.update(v, v - 0.25 * grad)])
    descend([])
    np.testing.assert_allclose(K.get_value(v), [1.5, 2.])


def test_added_weight_penalty_is_recomputed_at_each_step():
    x = np.random.RandomState(0).rand(8, 4).astype('float32')
    y = np.random.RandomState(1).rand(8, 3).astype('float32')
    model = Sequential([Dense(3, input_shape=(4,), use_bias=False)])
    kernel = model.layers[0].kernel
    model.add_loss(0.1 * K.sum(K.square(kernel)))
    model.compile(optimizers.SGD(lr=0.05), 'mse')
    w = K.get_value(kernel).astype('float64')
    for _ in range(3):
        err = x.dot(w) - y
        expected = np.mean(err ** 2) + 0.1 * np.sum(w ** 2)
        assert model.train_on_batch(x, y) == pytest.approx(expected, 1e-5)
        w = w - 0.05 * (2. * x.T.dot(err) / err.size + 0.2 * w)
    np.testing.assert_allclose(K.get_value(kernel), w, rtol=1e-5)


def test_penalty_added_in_build_follows_the_weights():
    class Penalised(Layer):
        def build(self, input_shape):
            self.kernel = self.add_weight('kernel', (input_shape[-1], 2),
                                          initializer='ones')
            self.add_loss(0.5 * K.sum(K.square(self.kernel)))
            super(Penalised, self).build(input_shape)

        def call(self, x):
            return K.dot(x, self.kernel)

        def compute_output_shape(self, input_shape):
            return input_shape[:-1] + (2,)

    inputs = Input((3,))
    layer = Penalised()
    model = Model(inputs, layer(inputs))
    model.compile(optimizers.SGD(lr=0.1), 'mse')
    assert float(model.losses[0]) == pytest.approx(3.)
    x = np.random.RandomState(2).rand(4, 3)
    y = np.random.RandomState(3).rand(4, 2)
    model.train_on_batch(x, y)
    kernel = K.get_value(layer.kernel)
    assert float(model.losses[0]) == pytest.approx(
        0.5 * np.sum(kernel ** 2), 1e-6)
    assert model.test_on_batch(x, y) == pytest.approx(
        np.mean((x.dot(kernel) - y) ** 2) + 0.5 * np.sum(kernel ** 2), 1e-5)


def test_loss_scaled_by_a_variable_written_first():
    inputs = Input((4,))
    outputs = Dense(3)(inputs)
    model = Model(inputs, outputs)
    beta = K.variable(0.5)
    model.add_loss(beta * 10. * K.mean(outputs))
    model.compile('sgd', 'mse')
    x = np.random.RandomState(4).rand(8, 4).astype('float32')
    y = np.random.RandomState(5).rand(8, 3)
    model.train_on_batch(x, y)
    model.train_on_batch(x, y)
    pred = model.predict(x)
    mse = np.mean((pred - y) ** 2)
    assert model.test_on_batch(x, y) == pytest.approx(
        mse + 5. * np.mean(pred), 1e-5)
    K.set_value(beta, 0.)
    assert model.test_on_batch(x, y) == pytest.approx(mse, 1e-5)


def test_expression_constant_of_a_lambda_follows_its_variable():
    scale = K.variable(2.)
    factor = scale * 1.5
    inputs = Input((2,))
    model = Model(inputs, Lambda(lambda t: t * factor)(inputs))
    x = np.ones((1, 2), 'float32')
    np.testing.assert_allclose(model.predict(x), [[3., 3.]])
    K.set_value(scale, 3.)
    np.testing.assert_allclose(model.predict(x), [[4.5, 4.5]])


class AdditionalUpdatesOptimizer(optimizers.Optimizer):
    """keras-rl's wrapper: the wrapped optimizer's updates plus updates
    written beforehand (the soft target-network update)."""

    def __init__(self, optimizer, additional_updates):
        super(AdditionalUpdatesOptimizer, self).__init__()
        self.optimizer = optimizer
        self.additional_updates = additional_updates

    def get_updates(self, params, loss):
        updates = self.optimizer.get_updates(params=params, loss=loss)
        updates += self.additional_updates
        self.updates = updates
        return self.updates


def test_soft_target_updates_run_at_each_training_step():
    source = Sequential([Dense(2, input_shape=(3,))])
    target = Sequential([Dense(2, input_shape=(3,))])
    tau = 0.1
    soft = [(t, tau * s + (1. - tau) * t) for t, s in
            zip(target.trainable_weights, source.trainable_weights)]
    source.compile(AdditionalUpdatesOptimizer(optimizers.SGD(lr=0.1), soft),
                   'mse')
    x = np.random.RandomState(6).rand(4, 3)
    y = np.random.RandomState(7).rand(4, 2)
    expected = target.get_weights()
    for _ in range(3):
        before = source.get_weights()
        source.train_on_batch(x, y)
        # One session run: every update's value is read before any is
        # applied.
        expected = [tau * s + (1. - tau) * t
                    for s, t in zip(before, expected)]
    for got, want in zip(target.get_weights(), expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


def test_soft_target_updates_through_function_reach_reordered_gates():
    from keras_compat.layers import LSTM
    source = Sequential([LSTM(2, input_shape=(3, 2))])
    target = Sequential([LSTM(2, input_shape=(3, 2))])
    tau = 0.5
    updates = [(t, tau * s + (1. - tau) * t) for t, s in
               zip(target.weights, source.weights)]
    run = K.function([], [], updates=updates)
    expected = [tau * s + (1. - tau) * t for s, t in
                zip(source.get_weights(), target.get_weights())]
    run([])
    for got, want in zip(target.get_weights(), expected):
        np.testing.assert_allclose(got, want, rtol=1e-6)


def test_long_chains_of_expressions_are_read():
    weights = [K.variable(float(i)) for i in range(1500)]
    total = 0.
    for w in weights:
        total = total + K.square(w)
    K.set_value(weights[2], 10.)
    expected = sum(float(i) ** 2 for i in range(1500)) - 4. + 100.
    assert K.eval(total) == pytest.approx(expected, rel=1e-6)


def test_augmented_assignment_on_an_expression_makes_a_new_one():
    v = K.variable(1.)
    e = v * 2.
    f = e
    f += 1.
    K.set_value(v, 4.)
    assert K.eval(e) == 8.
    assert K.eval(f) == 9.


def test_added_update_ops_run_after_each_training_step_only():
    model = Sequential([Dense(2, input_shape=(3,))])
    steps = K.variable(0.)
    average = K.variable(np.zeros((3, 2)))
    kernel = model.trainable_weights[0]
    model.add_update(K.update(steps, steps + 1.))
    model.add_update([(average, 0.5 * average + 0.5 * kernel)])
    model.compile(optimizers.SGD(lr=0.1), 'mse')
    x = np.random.RandomState(8).rand(8, 3)
    y = np.random.RandomState(9).rand(8, 2)
    assert K.get_value(steps) == 0.
    expected = np.zeros((3, 2))
    for start in (0, 4):
        before = model.get_weights()[0]
        model.train_on_batch(x[start:start + 4], y[start:start + 4])
        expected = 0.5 * expected + 0.5 * before
    model.evaluate(x, y, verbose=0)
    model.predict(x)
    assert K.get_value(steps) == 2.
    np.testing.assert_allclose(K.get_value(average), expected, rtol=1e-6)


def test_add_update_of_a_graph_tensor_value_is_refused():
    inputs = Input((2,))
    model = Model(inputs, Dense(1)(inputs))
    mean = K.variable(0.)
    with pytest.raises(NotImplementedError, match='add_update'):
        model.add_update(K.update(mean, K.mean(model.output)))


def test_updates_of_variables_run_with_the_function_that_holds_them():
    counter = K.variable(0.)
    increment = K.function([], [counter], updates=[K.update_add(counter, 1.)])
    assert K.get_value(counter) == 0.
    for _ in range(3):
        increment([])
    assert K.get_value(counter) == 3.
    slow = K.variable([0., 0.])
    fast = K.variable([1., 2.])
    copy = K.function([], [], updates=[K.update(slow, fast)])
    K.set_value(fast, [5., 6.])
    copy([])
    np.testing.assert_array_equal(K.get_value(slow), [5., 6.])
    ema = K.variable([0., 0.])
    average = K.function([], [], updates=[
        K.moving_average_update(ema, fast, 0.9),
        K.update_sub(counter, 0.5)])
    average([])
    average([])
    np.testing.assert_allclose(K.get_value(ema), [0.95, 1.14], rtol=1e-6)
    assert K.get_value(counter) == 2.


def test_augmented_assignment_on_a_variable_makes_a_new_tensor():
    # DLwP's `loss = K.variable(0.); loss += ...`: the variable is kept.
    loss = K.variable(0.)
    start = loss
    weight = K.variable(1.)
    loss += K.constant(2.)
    loss += 3. * weight
    assert K.get_value(start) == 0.
    K.set_value(weight, 2.)
    assert K.eval(loss) == 8.


def test_operators_on_a_layer_weight_attribute_follow_the_weight():
    from keras_compat.layers import Conv2D
    dense = Dense(2, input_shape=(3,), kernel_initializer='ones')
    Sequential([dense])
    doubled = 2 * dense.kernel
    squared = K.sum(dense.kernel ** 2)
    conv = Conv2D(2, 3, kernel_initializer='ones')
    Sequential([conv]).build((None, 5, 5, 1))
    conv_total = K.sum(conv.kernel * 2.)
    K.set_value(dense.kernel, np.full((3, 2), 3., 'float32'))
    K.set_value(conv.kernel, np.full((3, 3, 1, 2), 3., 'float32'))
    np.testing.assert_allclose(K.eval(doubled), np.full((3, 2), 6.))
    assert K.eval(squared) == 54.
    assert K.eval(conv_total) == 108.


def test_penalty_from_an_indexed_weight_in_build_trains():
    # ConcreteDropout's `K.sigmoid(self.p_logit[0])` penalty.
    class Penalised(Layer):
        def build(self, input_shape):
            self.w = self.add_weight(name='w', shape=(1,),
                                     initializer='ones')
            self.add_loss(K.square(self.w[0]))
            super(Penalised, self).build(input_shape)

        def call(self, x):
            return x * 0.

    inputs = Input((1,))
    layer = Penalised()
    model = Model(inputs, layer(inputs))
    model.compile(optimizers.SGD(lr=0.1), 'mse')
    zeros = np.zeros((1, 1))
    for w in (1., 2., 3.):
        K.set_value(layer.w, np.array([w], 'float32'))
        assert model.evaluate(zeros, zeros, verbose=0) == pytest.approx(w * w)
    model.train_on_batch(zeros, zeros)
    # d(w^2)/dw = 6: one step of 0.1 takes w from 3 to 2.4.
    np.testing.assert_allclose(K.get_value(layer.w), [2.4], rtol=1e-6)


def test_weight_view_used_in_a_loss_trains():
    model = Sequential([Dense(1, input_shape=(2,), use_bias=False,
                              kernel_initializer='ones')])
    kernel = model.trainable_weights[0]

    def loss(y_true, y_pred):
        return K.mean(K.square(y_pred - y_true)) + K.sum(kernel)

    model.compile(optimizers.SGD(lr=0.5), loss)
    x = np.zeros((2, 2), 'float32')
    model.train_on_batch(x, np.zeros((2, 1)))
    # Only the penalty has a gradient (1 per weight): 1 - 0.5 = 0.5.
    np.testing.assert_allclose(K.get_value(kernel), [[0.5], [0.5]])


def test_model_called_on_a_variable_is_recomputed_at_each_step():
    # DeepDream / adversarial inputs: an image variable optimised through
    # a model with a built-in optimizer's get_updates.
    inputs = Input((4,))
    model = Model(inputs, Dense(3, kernel_initializer='ones',
                                bias_initializer='zeros')(inputs))
    image = K.variable(np.ones((1, 4)))
    loss = K.sum(model(image))
    assert K.eval(loss) == pytest.approx(12.)
    step = K.function([], [loss], updates=optimizers.SGD(lr=0.1).get_updates(
        loss=loss, params=[image]))
    # d(loss)/d(pixel) = 3: each step takes 0.3 off every pixel.
    assert float(step([])[0]) == pytest.approx(12.)
    assert float(step([])[0]) == pytest.approx(8.4, rel=1e-6)
    np.testing.assert_allclose(K.get_value(image), np.full((1, 4), 0.4),
                               rtol=1e-6)
