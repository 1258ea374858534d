"""tf.keras's Ftrl, optimizer `name` / `variables()` / tf.keras 2.11+
configs, and tf.keras 2.11+'s moving average of the weights (`use_ema`).

Expected numbers were computed with TensorFlow 2.21 + tf_keras 2.21 (CPU)
running the same steps (`tf_keras.optimizers.legacy.X` for the legacy
flavour, `tf_keras.optimizers.X` for 2.11+) and pasted in."""
import json

import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat import optimizers
from keras_compat.backend import common

X = np.array([[1., 2.], [3., -1.], [0.5, 0.5]], 'float32')
Y = np.array([[1., -1.], [0., 2.], [2., 0.5]], 'float32')


@pytest.fixture
def tf_keras():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


def _model(optimizer):
    model = keras.Sequential([keras.layers.Dense(
        2, input_shape=(2,), kernel_initializer='ones',
        bias_initializer=keras.initializers.Constant(0.5))])
    model.compile(optimizer, 'mse')
    return model


def _flat(arrays):
    return np.concatenate([np.ravel(a) for a in arrays])


def _three_steps(optimizer):
    model = _model(optimizer)
    for _ in range(3):
        model.train_on_batch(X, Y)
    return model


# tf_keras 2.21: kernel then bias after three train_on_batch steps of mse;
# the legacy and the 2.11+ Ftrl gave the same numbers in every case.
FTRL_CASES = {
    'default': ({}, [0.90095317, 0.85350066, 0.61046427, 0.89293212,
                     0.39482021, 0.41976008]),
    'lr': ({'learning_rate': 0.1},
           [0.69800013, 0.67676133, 0.55094939, 0.67739451, 0.21942785,
            0.22334543]),
    'all_options': ({'learning_rate': 0.1,
                     'l1_regularization_strength': 0.01,
                     'l2_regularization_strength': 0.02,
                     'l2_shrinkage_regularization_strength': 0.05,
                     'beta': 0.1},
                    [0.67196196, 0.64418465, 0.49089032, 0.64800394,
                     0.20657325, 0.21088493]),
    'l1_zeroes_weights': ({'learning_rate': 0.5,
                           'l1_regularization_strength': 1.5},
                          [0.19073164, 0.43798634, 0.24767116, 0., 0., 0.]),
    'power': ({'learning_rate': 0.1, 'learning_rate_power': -0.7,
               'initial_accumulator_value': 0.3,
               'l2_regularization_strength': 0.01},
              [0.79581159, 0.72981197, 0.49327299, 0.77964985, 0.24472107,
               0.27975333]),
    'fixed_rate': ({'learning_rate': 0.1, 'learning_rate_power': 0.,
                    'initial_accumulator_value': 0., 'beta': 0.5},
                   [-0.04265638, 0.13104597, 0.08451236, -0.30861524,
                    0.07418519, -0.02491358]),
}


@pytest.mark.parametrize('namespace', ['main', 'legacy', 'experimental'])
@pytest.mark.parametrize('case', sorted(FTRL_CASES))
def test_ftrl_trains_as_tf_keras(namespace, case):
    kwargs, expected = FTRL_CASES[case]
    module = {'main': optimizers, 'legacy': optimizers.legacy,
              'experimental': optimizers.experimental}[namespace]
    model = _three_steps(module.Ftrl(**kwargs))
    np.testing.assert_allclose(_flat(model.get_weights()), expected,
                               rtol=1e-5, atol=1e-6)


def test_ftrl_slots_are_tf_keras_values():
    kwargs = FTRL_CASES['all_options'][0]
    optimizer = optimizers.Ftrl(**kwargs)
    _three_steps(optimizer)
    # tf_keras 2.21 (both flavours) lists them per weight: accumulator and
    # linear of the kernel, then of the bias. Here they come by slot kind,
    # as for the other optimizers.
    acc_k = [19.98194885, 6.31177092, 0.79093897, 21.59019089]
    lin_k = [-30.74632835, -16.86395645, -4.88624668, -30.79358673]
    acc_b = [3.09336662, 6.94416237]
    lin_b = [-3.85803986, -5.78651333]
    weights = optimizer.get_weights()
    assert int(weights[0]) == 3
    np.testing.assert_allclose(_flat(weights[1:]),
                               acc_k + acc_b + lin_k + lin_b, rtol=1e-5)
    assert [w.shape for w in weights[1:]] == [(2, 2), (2,)] * 2
    # set_weights restores them into a fresh optimizer.
    other = optimizers.Ftrl(**kwargs)
    _model(other).train_on_batch(X, Y)
    other.set_weights(weights)
    np.testing.assert_allclose(_flat(other.get_weights()), _flat(weights))


def test_ftrl_legacy_decay_and_weight_decay():
    # tf_keras 2.21: legacy Ftrl(0.1, decay=0.5); Ftrl(0.1, weight_decay=.2).
    model = _three_steps(optimizers.legacy.Ftrl(0.1, decay=0.5))
    np.testing.assert_allclose(
        _flat(model.get_weights()),
        [0.40238288, 0.37400112, 0.30238515, 0.40666708, 0.13000274,
         0.13519228], rtol=1e-5)
    model = _three_steps(optimizers.experimental.Ftrl(0.1, weight_decay=0.2))
    np.testing.assert_allclose(
        _flat(model.get_weights()),
        [0.67751426, 0.66141635, 0.54258811, 0.6544711, 0.21430148,
         0.21558076], rtol=1e-5)


def test_ftrl_names_and_configs_round_trip():
    model = _model('ftrl')
    assert isinstance(model.optimizer, optimizers.Ftrl)
    assert isinstance(optimizers.get('Ftrl'), optimizers.Ftrl)
    assert keras.optimizers.ftrl is optimizers.Ftrl
    original = optimizers.Ftrl(0.2, learning_rate_power=-0.6, beta=0.3,
                               l1_regularization_strength=0.01,
                               clipnorm=1.)
    config = json.loads(json.dumps(optimizers.serialize(original)))
    restored = optimizers.deserialize(config)
    assert isinstance(restored, optimizers.Ftrl)
    assert restored.get_config() == original.get_config()
    assert restored.is_legacy_optimizer is None
    again = optimizers.Ftrl.from_config(original.get_config())
    assert again.get_config() == original.get_config()
    for namespace, legacy in ((optimizers.legacy, True),
                              (optimizers.experimental, False)):
        optimizer = namespace.Ftrl()
        assert isinstance(optimizer, optimizers.Ftrl)
        assert optimizer.is_legacy_optimizer is legacy
        back = optimizers.deserialize(optimizers.serialize(optimizer))
        assert back.is_legacy_optimizer is legacy
        assert back.get_config() == optimizer.get_config()


def test_ftrl_positional_arguments_of_both_tf_keras_orders():
    # Legacy: (lr, power, initial, l1, l2, name, shrinkage, beta);
    # 2.11+: (lr, power, initial, l1, l2, shrinkage, beta, ...).
    legacy = optimizers.legacy.Ftrl(0.1, -0.6, 0.2, 0.01, 0.02, 'f', 0.03,
                                    0.4)
    new = optimizers.experimental.Ftrl(0.1, -0.6, 0.2, 0.01, 0.02, 0.03,
                                       0.4)
    for optimizer in (legacy, new):
        config = optimizer.get_config()
        assert config['learning_rate_power'] == pytest.approx(-0.6)
        assert config['initial_accumulator_value'] == pytest.approx(0.2)
        assert config['l2_shrinkage_regularization_strength'] == \
            pytest.approx(0.03)
        assert config['beta'] == pytest.approx(0.4)
    assert legacy.name == 'f' and new.name == 'Ftrl'


@pytest.mark.parametrize('kwargs', [
    {'learning_rate_power': 0.5}, {'initial_accumulator_value': -1.},
    {'l1_regularization_strength': -1.}, {'l2_regularization_strength': -1.},
    {'l2_shrinkage_regularization_strength': -1.}])
def test_ftrl_refuses_tf_keras_invalid_arguments(kwargs):
    with pytest.raises(ValueError, match=list(kwargs)[0]):
        optimizers.Ftrl(**kwargs)


def test_ftrl_in_a_tf_keras_program(tf_keras):
    assert keras.optimizers.Ftrl().is_legacy_optimizer is False
    assert keras.optimizers.get('ftrl').is_legacy_optimizer is False
    model = _three_steps('ftrl')
    np.testing.assert_allclose(_flat(model.get_weights()),
                               FTRL_CASES['default'][1], rtol=1e-5)


# ------------------------------------------------ name, variables, configs
def test_name_defaults_to_the_class_name():
    assert optimizers.Adam().name == 'Adam'
    assert optimizers.legacy.RMSprop().name == 'RMSprop'
    assert optimizers.experimental.AdamW(weight_decay=0.1).name == 'AdamW'
    assert optimizers.SGD(name='my_sgd').name == 'my_sgd'


def test_variables_is_a_method_and_a_list():
    optimizer = optimizers.Adam()
    assert [int(v) for v in optimizer.variables()] == [0]
    _three_steps(optimizer)
    variables = optimizer.variables()
    assert len(variables) == len(optimizer.variables) == 1 + 3 * 2
    np.testing.assert_allclose(_flat([keras.backend.get_value(v)
                                      for v in variables]),
                               _flat(optimizer.get_weights()))


def test_keras_2_configs_are_unchanged():
    assert optimizers.Adam().get_config() == pytest.approx({
        'learning_rate': 0.001, 'beta_1': 0.9, 'beta_2': 0.999,
        'decay': 0.0, 'epsilon': 1e-07, 'amsgrad': False})
    assert optimizers.SGD(0.1, clipnorm=1., name='s').get_config() == \
        pytest.approx({'learning_rate': 0.1, 'momentum': 0.0, 'decay': 0.0,
                       'nesterov': False, 'clipnorm': 1.0})


# tf_keras 2.21's Ftrl(learning_rate=0.1).get_config() on a machine without
# a GPU (jit_compile is the effective value: False there, True on a GPU).
TF_FTRL_CONFIG = {
    'name': 'Ftrl', 'weight_decay': None, 'clipnorm': None,
    'global_clipnorm': None, 'clipvalue': None, 'use_ema': False,
    'ema_momentum': 0.99, 'ema_overwrite_frequency': None,
    'jit_compile': False, 'is_legacy_optimizer': False,
    'learning_rate': 0.1, 'learning_rate_power': -0.5,
    'initial_accumulator_value': 0.1, 'l1_regularization_strength': 0.0,
    'l2_regularization_strength': 0.0,
    'l2_shrinkage_regularization_strength': 0.0, 'beta': 0.0}
# The keys of tf_keras 2.21's 2.11+ configs after the base ones.
TF_KEYS = {
    'SGD': ['learning_rate', 'momentum', 'nesterov'],
    'RMSprop': ['learning_rate', 'rho', 'momentum', 'epsilon', 'centered'],
    'Adagrad': ['learning_rate', 'initial_accumulator_value', 'epsilon'],
    'Adadelta': ['learning_rate', 'rho', 'epsilon'],
    'Adam': ['learning_rate', 'beta_1', 'beta_2', 'epsilon', 'amsgrad'],
    'Adamax': ['learning_rate', 'beta_1', 'beta_2', 'epsilon'],
    'Nadam': ['learning_rate', 'beta_1', 'beta_2', 'epsilon'],
    'AdamW': ['learning_rate', 'beta_1', 'beta_2', 'epsilon', 'amsgrad'],
}


def test_tf_keras_2_11_configs_have_tf_keras_keys():
    config = optimizers.experimental.Ftrl(0.1).get_config()
    assert list(config) == list(TF_FTRL_CONFIG)
    expected = dict(TF_FTRL_CONFIG, jit_compile=torch.cuda.is_available())
    assert config == pytest.approx(expected)
    base = list(TF_FTRL_CONFIG)[:10]
    for name, keys in TF_KEYS.items():
        kwargs = {'weight_decay': 0.1} if name == 'AdamW' else {}
        config = getattr(optimizers.experimental, name)(**kwargs)\
            .get_config()
        assert list(config)[:10] == base
        assert sorted(config)[:] == sorted(base + keys), name
    assert optimizers.experimental.Adagrad(initial_accumulator_value=0.)\
        .get_config()['initial_accumulator_value'] == 0.


def test_tf_keras_2_11_config_round_trips_with_its_name():
    optimizer = optimizers.experimental.Nadam(0.01, name='nadam_1',
                                              global_clipnorm=2.)
    back = optimizers.deserialize(json.loads(json.dumps(
        optimizers.serialize(optimizer))))
    assert back.name == 'nadam_1' and back.is_legacy_optimizer is False
    assert back.get_config() == optimizer.get_config()


def test_legacy_namespace_takes_positional_arguments():
    config = optimizers.legacy.Adam(0.1, 0.8).get_config()
    assert config['learning_rate'] == pytest.approx(0.1)
    assert config['beta_1'] == pytest.approx(0.8)
    assert config['name'] == 'Adam'
    config = optimizers.legacy.Adagrad(0.1, 0.2).get_config()
    assert config['initial_accumulator_value'] == pytest.approx(0.2)
    config = optimizers.experimental.AdamW(0.01, 0.2).get_config()
    assert config['weight_decay'] == pytest.approx(0.2)


# ------------------------------------------------------------- use_ema
EMA_CASES = {
    # tf_keras 2.21: weights after three train_on_batch steps, variables()
    # (iteration, averages, then the slots), weights after
    # finalize_variable_values, and after fit(batch_size=1, epochs=2,
    # shuffle=False), which finalizes.
    'SGD': (dict(learning_rate=0.1, use_ema=True, ema_momentum=0.5,
                 ema_overwrite_frequency=2),
            [0.47176737, 0.66058445, 0.85198957, 0.41942012, 0.26706249,
             0.15608333],
            [3., 0.56567538, 0.71900749, 0.88224483, 0.5364809, 0.30665624,
             0.21991667, -0.18781598, -0.11684606, -0.06051043, -0.23412155,
             -0.07918750, -0.12766667],
            [0.56567538, 0.71900749, 0.88224483, 0.5364809, 0.30665624,
             0.21991667],
            [0.28169477, 0.64602244, 0.7369135, 0.03591609, 0.21934649,
             0.0662049]),
    'Ftrl': (dict(learning_rate=0.1, use_ema=True, ema_momentum=0.7),
             FTRL_CASES['lr'][1],
             # (tf_keras's order: accumulator and linear, weight by
             # weight.)
             [3., 0.82686549, 0.80657494, 0.69731247, 0.81653619, 0.33470619,
              0.3421799, 20.92422104, 6.85757208, 0.69719159, 22.10747337,
              -31.9286232, -17.7223262, -4.60031748, -31.8501320,
              3.34265208, 7.37665367, -4.01178217, -6.06606102],
             [0.82686549, 0.80657494, 0.69731247, 0.81653619, 0.33470619,
              0.3421799],
             [0.68708956, 0.80642551, 0.86881346, 0.83304846, 0.28830561,
              0.32591334]),
}


@pytest.mark.parametrize('name', sorted(EMA_CASES))
def test_moving_average_as_tf_keras(name):
    kwargs, steps, variables, final, fitted = EMA_CASES[name]
    optimizer = getattr(optimizers.experimental, name)(**kwargs)
    model = _three_steps(optimizer)
    np.testing.assert_allclose(_flat(model.get_weights()), steps,
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        _flat([keras.backend.get_value(v) for v in optimizer.variables()]),
        variables, rtol=1e-5, atol=1e-6)
    optimizer.finalize_variable_values(model.trainable_weights)
    np.testing.assert_allclose(_flat(model.get_weights()), final,
                               rtol=1e-5, atol=1e-6)
    # fit ends with finalize_variable_values, as tf.keras's does.
    optimizer = getattr(optimizers.experimental, name)(**kwargs)
    model = _model(optimizer)
    model.fit(X, Y, batch_size=1, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(_flat(model.get_weights()), fitted,
                               rtol=1e-5, atol=1e-6)


def test_moving_average_config_and_checks():
    optimizer = optimizers.experimental.Adam(use_ema=True, ema_momentum=0.9,
                                             ema_overwrite_frequency=3)
    config = optimizer.get_config()
    assert (config['use_ema'], config['ema_momentum'],
            config['ema_overwrite_frequency']) == (True, 0.9, 3)
    back = optimizers.deserialize(json.loads(json.dumps(
        optimizers.serialize(optimizer))))
    assert back.use_ema and back.get_config() == config
    # Without use_ema, finalize_variable_values changes nothing.
    plain = optimizers.SGD(0.1)
    model = _three_steps(plain)
    before = model.get_weights()
    plain.finalize_variable_values(model.trainable_weights)
    np.testing.assert_array_equal(_flat(model.get_weights()), _flat(before))
    with pytest.raises(ValueError, match='ema_momentum'):
        optimizers.SGD(use_ema=True, ema_momentum=1.5)
    with pytest.raises(ValueError, match='ema_overwrite_frequency'):
        optimizers.SGD(use_ema=True, ema_overwrite_frequency=0.5)


def test_moving_average_with_rmsprop_momentum_slots():
    optimizer = optimizers.experimental.RMSprop(0.01, momentum=0.5,
                                                use_ema=True)
    _three_steps(optimizer)
    assert optimizer._slot_names == ('average', 'accumulator', 'momentum')
    assert len(optimizer.get_weights()) == 1 + 3 * 2


@pytest.mark.parametrize('make', [
    lambda: optimizers.Ftrl(0.1),
    lambda: optimizers.experimental.Adam(use_ema=True),
    lambda: optimizers.experimental.Ftrl(0.1, use_ema=True)])
def test_saved_state_is_restored(make, tmp_path):
    model = _model(make())
    model.fit(X, Y, batch_size=2, epochs=2, verbose=0)
    path = str(tmp_path / 'model.h5')
    model.save(path)
    loaded = keras.models.load_model(path)
    saved, restored = model.optimizer.get_weights(), \
        loaded.optimizer.get_weights()
    assert len(saved) == len(restored)
    for a, b in zip(saved, restored):
        np.testing.assert_array_equal(a, b)


def test_adam_2_11_moments_use_the_python_betas():
    # tf_keras 2.21's first step from w = 0 with gradient -1 and lr 0.05:
    # its bias correction uses the float32 beta_2 (1 - 0.999f =
    # 0.00099998713) and its second moment 1 - 0.999 = 0.001.
    model = keras.Sequential([keras.layers.Dense(
        1, input_shape=(1,), use_bias=False, kernel_initializer='zeros')])
    model.compile(optimizers.experimental.Adam(0.05), 'mse')
    model.train_on_batch(np.ones((1, 1), 'float32'),
                         np.full((1, 1), 0.5, 'float32'))
    assert model.get_weights()[0][0, 0] == pytest.approx(0.0499995053,
                                                         rel=1e-7)
    # Keras 2 (and tf.keras's legacy Adam): float32 betas throughout.
    model.compile(optimizers.Adam(0.05), 'mse')
    model.set_weights([np.zeros((1, 1), 'float32')])
    model.train_on_batch(np.ones((1, 1), 'float32'),
                         np.full((1, 1), 0.5, 'float32'))
    assert model.get_weights()[0][0, 0] == pytest.approx(0.0499998406,
                                                         rel=1e-7)
