"""The state tf.keras programs read from an optimizer: `variables` (a
list, callable, in tf.keras 2.11+; a method of the legacy optimizers),
`weights`, `get_weights()`, `iterations`, `get_slot` and
`get_slot_names()`: the number, order, names, shapes and values of the
variables after one training step. Expected values are tf_keras 2.21's
(TF_USE_LEGACY_KERAS=1) for the same Dense model and data."""
import numpy as np
import pytest

import keras_compat as keras
from keras_compat import optimizers
from keras_compat.backend import common

X = (np.arange(12, dtype='float32').reshape(4, 3) / 10.)
Y = np.array([[1., 0.], [0., 1.], [1., 1.], [0., 0.]], dtype='float32')


@pytest.fixture
def tf_keras():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


def _model():
    return keras.models.Sequential([keras.layers.Dense(
        2, input_shape=(3,), name='dense',
        kernel_initializer=keras.initializers.Constant(0.1),
        bias_initializer='zeros')])


def _one_fit_step(optimizer, build=False):
    model = _model()
    model.compile(optimizer, 'mse')
    if build:
        optimizer.build(model.trainable_weights)
    model.fit(X, Y, batch_size=4, epochs=1, verbose=0)
    return model


def _variables(optimizer):
    variables = optimizer.variables
    return variables() if callable(variables) else variables


# tf_keras 2.21: optimizer.variables after model.fit(X, Y, batch_size=4)
# (one step): name, shape and the first values of each, in order.
CASES = [
    ('new', 'Adam', {}, [
        ('iteration:0', (), [1.0]),
        ('Adam/m/dense/kernel:0', (3, 2), [-0.0042, -0.0117, -0.00755]),
        ('Adam/v/dense/kernel:0', (3, 2), [2e-06, 1.4e-05, 6e-06]),
        ('Adam/m/dense/bias:0', (2,), [-0.0335, -0.0335]),
        ('Adam/v/dense/bias:0', (2,), [0.000112, 0.000112]),
    ]),
    ('new', 'Adam', {'amsgrad': True}, [
        ('iteration:0', (), [1.0]),
        ('Adam/m/dense/kernel:0', (3, 2), [-0.0042, -0.0117, -0.00755]),
        ('Adam/v/dense/kernel:0', (3, 2), [2e-06, 1.4e-05, 6e-06]),
        ('Adam/m/dense/bias:0', (2,), [-0.0335, -0.0335]),
        ('Adam/v/dense/bias:0', (2,), [0.000112, 0.000112]),
        ('Adam/vhat/dense/kernel:0', (3, 2), [2e-06, 1.4e-05, 6e-06]),
        ('Adam/vhat/dense/bias:0', (2,), [0.000112, 0.000112]),
    ]),
    ('new', 'SGD', {}, [
        ('iteration:0', (), [1.0]),
        ('SGD/m/dense/kernel:0', (3, 2), [0.00042, 0.00117, 0.000755]),
        ('SGD/m/dense/bias:0', (2,), [0.00335, 0.00335]),
    ]),
    ('new', 'SGD', {'momentum': 0.9}, [
        ('iteration:0', (), [1.0]),
        ('SGD/m/dense/kernel:0', (3, 2), [0.00042, 0.00117, 0.000755]),
        ('SGD/m/dense/bias:0', (2,), [0.00335, 0.00335]),
    ]),
    ('new', 'RMSprop', {}, [
        ('iteration:0', (), [1.0]),
        ('RMSprop/velocity/dense/kernel:0', (3, 2),
         [0.000176, 0.001369, 0.00057]),
        ('RMSprop/velocity/dense/bias:0', (2,), [0.011223, 0.011222]),
    ]),
    ('new', 'RMSprop', {'momentum': 0.9, 'centered': True}, [
        ('iteration:0', (), [1.0]),
        ('RMSprop/velocity/dense/kernel:0', (3, 2),
         [0.000176, 0.001369, 0.00057]),
        ('RMSprop/velocity/dense/bias:0', (2,), [0.011223, 0.011222]),
        ('RMSprop/momentum/dense/kernel:0', (3, 2),
         [-0.003332, -0.003333, -0.003333]),
        ('RMSprop/momentum/dense/bias:0', (2,), [-0.003333, -0.003333]),
        ('RMSprop/average_gradient/dense/kernel:0', (3, 2),
         [-0.0042, -0.0117, -0.00755]),
        ('RMSprop/average_gradient/dense/bias:0', (2,), [-0.0335, -0.0335]),
    ]),
    ('new', 'Adagrad', {}, [
        ('iteration:0', (), [1.0]),
        ('Adagrad/accumulator/dense/kernel:0', (3, 2),
         [0.101764, 0.113689, 0.1057]),
        ('Adagrad/accumulator/dense/bias:0', (2,), [0.212225, 0.212225]),
    ]),
    ('new', 'Adadelta', {}, [
        ('iteration:0', (), [1.0]),
        ('Adadelta/accumulated_grad/dense/kernel:0', (3, 2),
         [8.8e-05, 0.000684, 0.000285]),
        ('Adadelta/accumulated_delta_var/dense/kernel:0', (3, 2),
         [0.0, 0.0, 0.0]),
        ('Adadelta/accumulated_grad/dense/bias:0', (2,), [0.005611, 0.005611]),
        ('Adadelta/accumulated_delta_var/dense/bias:0', (2,), [0.0, 0.0]),
    ]),
    ('new', 'Adamax', {}, [
        ('iteration:0', (), [1.0]),
        ('Adamax/m/dense/kernel:0', (3, 2), [-0.0042, -0.0117, -0.00755]),
        ('Adamax/u/dense/kernel:0', (3, 2), [0.042, 0.117, 0.0755]),
        ('Adamax/m/dense/bias:0', (2,), [-0.0335, -0.0335]),
        ('Adamax/u/dense/bias:0', (2,), [0.335, 0.335]),
    ]),
    ('new', 'Nadam', {}, [
        ('iteration:0', (), [1.0]),
        ('Nadam/m/dense/kernel:0', (3, 2), [-0.0042, -0.0117, -0.00755]),
        ('Nadam/v/dense/kernel:0', (3, 2), [2e-06, 1.4e-05, 6e-06]),
        ('Nadam/m/dense/bias:0', (2,), [-0.0335, -0.0335]),
        ('Nadam/v/dense/bias:0', (2,), [0.000112, 0.000112]),
    ]),
    ('new', 'Ftrl', {}, [
        ('iteration:0', (), [1.0]),
        ('Ftrl/accumulator/dense/kernel:0', (3, 2),
         [0.101764, 0.113689, 0.1057]),
        ('Ftrl/linear/dense/kernel:0', (3, 2),
         [-0.319695, -2.212023, -0.964301]),
        ('Ftrl/accumulator/dense/bias:0', (2,), [0.212225, 0.212225]),
        ('Ftrl/linear/dense/bias:0', (2,), [-0.335, -0.335]),
    ]),
    ('new', 'AdamW', {}, [
        ('iteration:0', (), [1.0]),
        ('AdamW/m/dense/kernel:0', (3, 2), [-0.0042, -0.0117, -0.00755]),
        ('AdamW/v/dense/kernel:0', (3, 2), [2e-06, 1.4e-05, 6e-06]),
        ('AdamW/m/dense/bias:0', (2,), [-0.0335, -0.0335]),
        ('AdamW/v/dense/bias:0', (2,), [0.000112, 0.000112]),
    ]),
    ('new', 'Lion', {}, [
        ('iteration:0', (), [1.0]),
        ('Lion/m/dense/kernel:0', (3, 2), [-0.00042, -0.00117, -0.000755]),
        ('Lion/m/dense/bias:0', (2,), [-0.00335, -0.00335]),
    ]),
    ('new', 'Adafactor', {}, [
        ('iteration:0', (), [1.0]),
        ('Adafactor/r/dense/kernel:0', (3,), [0.007727, 0.014175, 0.022869]),
        ('Adafactor/c/dense/kernel:0', (2,), [0.006448, 0.023398]),
        ('Adafactor/v/dense/kernel:0', (3, 2), [0.003339, 0.012114, 0.006125]),
        ('Adafactor/v/dense/bias:0', (2,), [0.112225, 0.112225]),
    ]),
    ('new', 'Adam', {'use_ema': True}, [
        ('iteration:0', (), [1.0]),
        ('Adam/average/dense/kernel:0', (3, 2), [0.10001, 0.10001, 0.10001]),
        ('Adam/average/dense/bias:0', (2,), [1e-05, 1e-05]),
        ('Adam/m/dense/kernel:0', (3, 2), [-0.0042, -0.0117, -0.00755]),
        ('Adam/v/dense/kernel:0', (3, 2), [2e-06, 1.4e-05, 6e-06]),
        ('Adam/m/dense/bias:0', (2,), [-0.0335, -0.0335]),
        ('Adam/v/dense/bias:0', (2,), [0.000112, 0.000112]),
    ]),
    ('new', 'SGD', {'use_ema': True, 'momentum': 0.5}, [
        ('iteration:0', (), [1.0]),
        ('SGD/average/dense/kernel:0', (3, 2), [0.100004, 0.100012, 0.100008]),
        ('SGD/average/dense/bias:0', (2,), [3.3e-05, 3.3e-05]),
        ('SGD/m/dense/kernel:0', (3, 2), [0.00042, 0.00117, 0.000755]),
        ('SGD/m/dense/bias:0', (2,), [0.00335, 0.00335]),
    ]),
    ('legacy', 'Adam', {}, [
        ('Adam/iter:0', (), [1.0]),
        ('Adam/dense/kernel/m:0', (3, 2), [-0.0042, -0.0117, -0.00755]),
        ('Adam/dense/bias/m:0', (2,), [-0.0335, -0.0335]),
        ('Adam/dense/kernel/v:0', (3, 2), [2e-06, 1.4e-05, 6e-06]),
        ('Adam/dense/bias/v:0', (2,), [0.000112, 0.000112]),
    ]),
    ('legacy', 'Adam', {'amsgrad': True}, [
        ('Adam/iter:0', (), [1.0]),
        ('Adam/dense/kernel/m:0', (3, 2), [-0.0042, -0.0117, -0.00755]),
        ('Adam/dense/bias/m:0', (2,), [-0.0335, -0.0335]),
        ('Adam/dense/kernel/v:0', (3, 2), [2e-06, 1.4e-05, 6e-06]),
        ('Adam/dense/bias/v:0', (2,), [0.000112, 0.000112]),
        ('Adam/dense/kernel/vhat:0', (3, 2), [2e-06, 1.4e-05, 6e-06]),
        ('Adam/dense/bias/vhat:0', (2,), [0.000112, 0.000112]),
    ]),
    ('legacy', 'SGD', {}, [
        ('SGD/iter:0', (), [1.0]),
    ]),
    ('legacy', 'SGD', {'momentum': 0.9}, [
        ('SGD/iter:0', (), [1.0]),
        ('SGD/dense/kernel/momentum:0', (3, 2), [0.00042, 0.00117, 0.000755]),
        ('SGD/dense/bias/momentum:0', (2,), [0.00335, 0.00335]),
    ]),
    ('legacy', 'RMSprop', {}, [
        ('RMSprop/iter:0', (), [1.0]),
        ('RMSprop/dense/kernel/rms:0', (3, 2), [0.000176, 0.001369, 0.00057]),
        ('RMSprop/dense/bias/rms:0', (2,), [0.011223, 0.011223]),
    ]),
    ('legacy', 'RMSprop', {'momentum': 0.9, 'centered': True}, [
        ('RMSprop/iter:0', (), [1.0]),
        ('RMSprop/dense/kernel/rms:0', (3, 2), [0.000176, 0.001369, 0.00057]),
        ('RMSprop/dense/bias/rms:0', (2,), [0.011223, 0.011223]),
        ('RMSprop/dense/kernel/momentum:0', (3, 2),
         [-0.003332, -0.003333, -0.003333]),
        ('RMSprop/dense/bias/momentum:0', (2,), [-0.003333, -0.003333]),
        ('RMSprop/dense/kernel/mg:0', (3, 2), [-0.0042, -0.0117, -0.00755]),
        ('RMSprop/dense/bias/mg:0', (2,), [-0.0335, -0.0335]),
    ]),
    ('legacy', 'Adagrad', {}, [
        ('Adagrad/iter:0', (), [1.0]),
        ('Adagrad/dense/kernel/accumulator:0', (3, 2),
         [0.101764, 0.113689, 0.1057]),
        ('Adagrad/dense/bias/accumulator:0', (2,), [0.212225, 0.212225]),
    ]),
    ('legacy', 'Adadelta', {}, [
        ('Adadelta/iter:0', (), [1.0]),
        ('Adadelta/dense/kernel/accum_grad:0', (3, 2),
         [8.8e-05, 0.000684, 0.000285]),
        ('Adadelta/dense/bias/accum_grad:0', (2,), [0.005611, 0.005611]),
        ('Adadelta/dense/kernel/accum_var:0', (3, 2), [0.0, 0.0, 0.0]),
        ('Adadelta/dense/bias/accum_var:0', (2,), [0.0, 0.0]),
    ]),
    ('legacy', 'Adamax', {}, [
        ('Adamax/iter:0', (), [1.0]),
        ('Adamax/dense/kernel/m:0', (3, 2), [-0.0042, -0.0117, -0.00755]),
        ('Adamax/dense/bias/m:0', (2,), [-0.0335, -0.0335]),
        ('Adamax/dense/kernel/v:0', (3, 2), [0.042, 0.117, 0.0755]),
        ('Adamax/dense/bias/v:0', (2,), [0.335, 0.335]),
    ]),
    ('legacy', 'Nadam', {}, [
        ('Nadam/iter:0', (), [1.0]),
        ('Nadam/momentum_cache:0', (), [0.450073]),
        ('Nadam/dense/kernel/m:0', (3, 2), [-0.0042, -0.0117, -0.00755]),
        ('Nadam/dense/bias/m:0', (2,), [-0.0335, -0.0335]),
        ('Nadam/dense/kernel/v:0', (3, 2), [2e-06, 1.4e-05, 6e-06]),
        ('Nadam/dense/bias/v:0', (2,), [0.000112, 0.000112]),
    ]),
    ('legacy', 'Ftrl', {}, [
        ('Ftrl/iter:0', (), [1.0]),
        ('Ftrl/dense/kernel/accumulator:0', (3, 2),
         [0.101764, 0.113689, 0.1057]),
        ('Ftrl/dense/kernel/linear:0', (3, 2),
         [-0.319695, -2.212023, -0.964301]),
        ('Ftrl/dense/bias/accumulator:0', (2,), [0.212225, 0.212225]),
        ('Ftrl/dense/bias/linear:0', (2,), [-0.335, -0.335]),
    ]),
]


def _optimizer(flavour, name, kwargs):
    module = optimizers.experimental if flavour == 'new' else \
        optimizers.legacy
    cls = getattr(module, name, None) or getattr(optimizers, name)
    return cls(**kwargs)


def _ids():
    return ['%s-%s-%s' % (f, n, '-'.join(sorted(k))) for f, n, k, _ in CASES]


@pytest.mark.parametrize('case', CASES, ids=_ids())
def test_variables_order_shapes_values_as_tf_keras(tf_keras, case):
    flavour, name, kwargs, expected = case
    optimizer = _optimizer(flavour, name, kwargs)
    _one_fit_step(optimizer)
    variables = _variables(optimizer)
    assert [tuple(v.shape) for v in variables] == \
        [shape for _, shape, _ in expected]
    for variable, (label, _, values) in zip(variables, expected):
        got = np.asarray(keras.backend.get_value(variable)).ravel()[:3]
        np.testing.assert_allclose(got, values, rtol=1e-3, atol=2e-6,
                                   err_msg=label)


@pytest.mark.parametrize('case', CASES, ids=_ids())
def test_variable_names_as_tf_keras(tf_keras, case):
    flavour, name, kwargs, expected = case
    optimizer = _optimizer(flavour, name, kwargs)
    # (build() gives the optimizer the weights' names before fit does.)
    _one_fit_step(optimizer, build=True)
    assert [v.name for v in _variables(optimizer)] == \
        [label for label, _, _ in expected]
    assert optimizer.iterations.name == expected[0][0]


def test_variable_names_after_fit_name_the_model_weights(tf_keras):
    # tf_keras 2.21, Adam(amsgrad=True) and legacy RMSprop(centered=True).
    optimizer = optimizers.experimental.Adam(amsgrad=True)
    _one_fit_step(optimizer)
    assert [v.name for v in optimizer.variables] == [
        'iteration:0', 'Adam/m/dense/kernel:0', 'Adam/v/dense/kernel:0',
        'Adam/m/dense/bias:0', 'Adam/v/dense/bias:0',
        'Adam/vhat/dense/kernel:0', 'Adam/vhat/dense/bias:0']
    optimizer = optimizers.legacy.RMSprop(centered=True)
    _one_fit_step(optimizer)
    assert [v.name for v in optimizer.variables()] == [
        'RMSprop/iter:0', 'RMSprop/dense/kernel/rms:0',
        'RMSprop/dense/bias/rms:0', 'RMSprop/dense/kernel/mg:0',
        'RMSprop/dense/bias/mg:0']


def test_legacy_weights_get_weights_and_slots(tf_keras):
    # tf_keras 2.21's legacy Adam after one step.
    optimizer = optimizers.legacy.Adam()
    model = _one_fit_step(optimizer)
    assert optimizer.weights == optimizer.variables()
    assert [w.shape for w in optimizer.get_weights()] == \
        [(), (3, 2), (2,), (3, 2), (2,)]
    assert optimizer.get_slot_names() == ['m', 'v']
    kernel = model.layers[0].kernel
    np.testing.assert_allclose(
        keras.backend.get_value(optimizer.get_slot(kernel, 'm'))[0],
        [-0.0042, -0.0117], atol=2e-6)
    with pytest.raises(KeyError):
        optimizer.get_slot(kernel, 'rms')
    # The slot is the optimizer's state: setting it changes the next step.
    keras.backend.set_value(optimizer.get_slot(kernel, 'm'),
                            np.zeros((3, 2)))
    assert not np.any(optimizer.get_weights()[1])


@pytest.mark.parametrize('name, kwargs, slot_names', [
    # tf_keras 2.21's legacy get_slot_names() after one step.
    ('SGD', {}, []), ('SGD', {'momentum': 0.9}, ['momentum']),
    ('RMSprop', {}, ['rms']),
    ('RMSprop', {'momentum': 0.9, 'centered': True},
     ['rms', 'momentum', 'mg']),
    ('Adagrad', {}, ['accumulator']),
    ('Adadelta', {}, ['accum_grad', 'accum_var']),
    ('Adam', {'amsgrad': True}, ['m', 'v', 'vhat']),
    ('Adamax', {}, ['m', 'v']), ('Nadam', {}, ['m', 'v']),
    ('Ftrl', {}, ['accumulator', 'linear'])])
def test_legacy_slot_names(tf_keras, name, kwargs, slot_names):
    optimizer = getattr(optimizers.legacy, name)(**kwargs)
    _one_fit_step(optimizer)
    assert optimizer.get_slot_names() == slot_names


def test_set_weights_in_variables_order_round_trips(tf_keras):
    optimizer = optimizers.experimental.Adam()
    _one_fit_step(optimizer)
    values = [np.asarray(keras.backend.get_value(v))
              for v in optimizer.variables]
    fresh = optimizers.experimental.Adam()
    _one_fit_step(fresh)
    fresh.set_weights([v * 2 for v in values])
    for got, want in zip(fresh.variables, values):
        np.testing.assert_allclose(keras.backend.get_value(got), want * 2,
                                   rtol=1e-6)


def test_keras_2_weights_keep_keras_2_order_and_names():
    # Keras 2.3.1: [iterations] + ms + vs + vhats (placeholders of shape
    # (1,) without amsgrad); 'Adam/iterations', 'training/Adam/m_0', ...
    optimizer = optimizers.Adam()
    _one_fit_step(optimizer)
    assert [tuple(w.shape) for w in optimizer.weights] == \
        [(), (3, 2), (2,), (3, 2), (2,), (1,), (1,)]
    assert [w.name for w in optimizer.weights] == [
        'Adam/iterations:0', 'training/Adam/m_0:0', 'training/Adam/m_1:0',
        'training/Adam/v_0:0', 'training/Adam/v_1:0',
        'training/Adam/vhat_0:0', 'training/Adam/vhat_1:0']


def test_tf_keras_optimizer_configs_keep_the_given_values(tf_keras):
    # tf_keras 2.21: get_config() of the default optimizers (the learning
    # rate is a float32 variable there; the other hyperparameters are
    # written as given, and RMSprop overwrites with its EMA every 100
    # steps by default).
    adam = optimizers.Adam().get_config()
    assert (adam['beta_1'], adam['beta_2'], adam['epsilon']) == \
        (0.9, 0.999, 1e-07)
    assert adam['learning_rate'] == pytest.approx(0.001, rel=1e-7)
    rmsprop = optimizers.RMSprop().get_config()
    assert (rmsprop['rho'], rmsprop['ema_overwrite_frequency']) == (0.9, 100)
    assert optimizers.Nadam().get_config()['ema_overwrite_frequency'] is None
    sgd = optimizers.SGD(0.1, momentum=0.8).get_config()
    assert sgd['momentum'] == 0.8
    changed = optimizers.SGD(0.1, momentum=0.8)
    keras.backend.set_value(changed.momentum, 0.5)
    assert changed.get_config()['momentum'] == 0.5
    # A legacy optimizer keeps the ema options out of its config.
    assert 'ema_overwrite_frequency' not in \
        optimizers.RMSprop(lr=0.01).get_config()
