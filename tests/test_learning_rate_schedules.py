"""keras.optimizers.schedules: each schedule's rates against the values
tf_keras 2.21 computes for the same arguments and steps, and optimizers
driven by a schedule (the rate used at each step, configs)."""
import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat.optimizers import schedules

STEPS = [0, 1, 2, 3, 5, 9, 10, 11, 17, 37, 100]
# (class, arguments, tf_keras 2.21's rate at each of STEPS)
CASES = [
    ('ExponentialDecay', dict(initial_learning_rate=0.1, decay_steps=7,
                              decay_rate=0.6),
     [0.100000001, 0.092962399, 0.086420082, 0.080338173, 0.069428317,
      0.051852047, 0.04820291, 0.044810582, 0.028921744, 0.006720027,
      6.7722e-05]),
    ('ExponentialDecay', dict(initial_learning_rate=0.1, decay_steps=7,
                              decay_rate=0.6, staircase=True),
     [0.1, 0.1, 0.1, 0.1, 0.1, 0.060000002, 0.060000002, 0.060000002,
      0.036000002, 0.007776002, 7.8364e-05]),
    ('PiecewiseConstantDecay', dict(boundaries=[3, 10],
                                    values=[1.0, 0.5, 0.1]),
     [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.1, 0.1, 0.1, 0.1]),
    ('PolynomialDecay', dict(initial_learning_rate=0.1, decay_steps=20,
                             end_learning_rate=0.01, power=2.0),
     [0.100000001, 0.091224998, 0.082899995, 0.075025, 0.060625002,
      0.037225001, 0.032499999, 0.028224999, 0.012025, 0.01, 0.01]),
    ('PolynomialDecay', dict(initial_learning_rate=0.1, decay_steps=20,
                             end_learning_rate=0.01, power=0.5, cycle=True),
     [0.100000001, 0.097721152, 0.095381498, 0.0929759, 0.087942287,
      0.076745793, 0.073639609, 0.070373833, 0.044856846, 0.034647513,
      0.01]),
    ('InverseTimeDecay', dict(initial_learning_rate=0.1, decay_steps=5,
                              decay_rate=0.5),
     [0.100000001, 0.090909094, 0.083333328, 0.07692308, 0.06666667,
      0.052631579, 0.050000001, 0.047619052, 0.037037037, 0.021276597,
      0.009090909]),
    ('InverseTimeDecay', dict(initial_learning_rate=0.1, decay_steps=5,
                              decay_rate=0.5, staircase=True),
     [0.1, 0.1, 0.1, 0.1, 0.06666667, 0.06666667, 0.05, 0.05, 0.04,
      0.022222223, 0.009090909]),
    ('CosineDecay', dict(initial_learning_rate=0.1, decay_steps=30,
                         alpha=0.1),
     [0.100000001, 0.099753484, 0.099016644, 0.097797543, 0.093971148,
      0.081450336, 0.077500001, 0.073303156, 0.04564397, 0.010000001,
      0.010000001]),
    ('CosineDecay', dict(initial_learning_rate=0.0, decay_steps=30,
                         alpha=0.1, warmup_target=0.2, warmup_steps=8),
     [0.0, 0.025, 0.050000001, 0.075000003, 0.125, 0.199506968,
      0.198033288, 0.195595086, 0.162900671, 0.020493029, 0.020000001]),
    ('CosineDecayRestarts', dict(initial_learning_rate=0.1,
                                 first_decay_steps=6, t_mul=2.0, m_mul=0.8,
                                 alpha=0.05),
     [0.100000001, 0.093636207, 0.076250002, 0.052499998, 0.011363794,
      0.069870062, 0.062000003, 0.052835118, 0.006294819, 0.011282059,
      0.042879477]),
    ('CosineDecayRestarts', dict(initial_learning_rate=0.1,
                                 first_decay_steps=6, t_mul=1.0, m_mul=0.5),
     [0.100000001, 0.093301274, 0.075000003, 0.049999997, 0.006698731,
      0.024999999, 0.012500003, 0.003349362, 0.001674684, 0.001457833,
      3.81e-07]),
]
IDS = ['%s-%d' % (c[0], i) for i, c in enumerate(CASES)]
# tf_keras's get_config keys of each class.
CONFIG_KEYS = {
    'ExponentialDecay': ['decay_rate', 'decay_steps',
                         'initial_learning_rate', 'name', 'staircase'],
    'PiecewiseConstantDecay': ['boundaries', 'name', 'values'],
    'PolynomialDecay': ['cycle', 'decay_steps', 'end_learning_rate',
                        'initial_learning_rate', 'name', 'power'],
    'InverseTimeDecay': ['decay_rate', 'decay_steps',
                         'initial_learning_rate', 'name', 'staircase'],
    'CosineDecay': ['alpha', 'decay_steps', 'initial_learning_rate', 'name',
                    'warmup_steps', 'warmup_target'],
    'CosineDecayRestarts': ['alpha', 'first_decay_steps',
                            'initial_learning_rate', 'm_mul', 'name',
                            't_mul']}


@pytest.mark.parametrize('name,kwargs,expected', CASES, ids=IDS)
def test_rates_match_tf_keras(name, kwargs, expected):
    schedule = getattr(schedules, name)(**kwargs)
    rates = [float(schedule(step)) for step in STEPS]
    np.testing.assert_allclose(rates, expected, rtol=2e-6, atol=1e-9)
    # On a tensor of steps (plotting a schedule), the same rates.
    on_tensor = schedule(torch.tensor(STEPS, dtype=torch.float32))
    np.testing.assert_allclose(np.asarray(on_tensor), expected, rtol=2e-6,
                               atol=1e-8)


@pytest.mark.parametrize('name,kwargs,expected', CASES, ids=IDS)
def test_config_round_trip(name, kwargs, expected):
    schedule = getattr(schedules, name)(**kwargs)
    assert sorted(schedule.get_config()) == CONFIG_KEYS[name]
    rebuilt = schedules.deserialize(schedules.serialize(schedule))
    assert type(rebuilt) is type(schedule)
    assert float(rebuilt(9)) == pytest.approx(expected[5], rel=2e-6)


def test_piecewise_needs_one_value_more_than_boundaries():
    with pytest.raises(ValueError, match='1 less than the length'):
        schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.2])


def _linear_model():
    model = keras.Sequential([keras.layers.Dense(
        1, use_bias=False, kernel_initializer='zeros', input_shape=(1,))])
    return model


def test_sgd_steps_with_the_scheduled_rate():
    # d(mse)/dw at w for x = 1, y = 1 is 2 (w - 1): each rate shows in w.
    schedule = schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.2, 0.05])
    optimizer = keras.optimizers.SGD(learning_rate=schedule)
    model = _linear_model()
    model.compile(optimizer, 'mse')
    w = 0.
    for rate in (0.1, 0.1, 0.2, 0.05):
        model.train_on_batch(np.ones((1, 1)), np.ones((1, 1)))
        w -= rate * 2 * (w - 1)
        assert float(model.get_weights()[0][0, 0]) == pytest.approx(w, rel=1e-6)
    # The rate variable shows the next step's rate, as tf.keras 2.11+'s.
    assert float(keras.backend.get_value(optimizer.learning_rate)) == \
        pytest.approx(0.05)
    config = optimizer.get_config()
    assert config['learning_rate']['class_name'] == 'PiecewiseConstantDecay'
    rebuilt = keras.optimizers.SGD.from_config(config)
    assert float(rebuilt.learning_rate) == pytest.approx(0.1)


def test_a_user_schedule_gets_the_step_as_a_tensor():
    steps = []

    class Halving(schedules.LearningRateSchedule):
        def __call__(self, step):
            steps.append(step)
            return 0.5 / (1. + step.float())

        def get_config(self):
            return {}

    optimizer = keras.optimizers.Adam(Halving())
    model = _linear_model()
    model.compile(optimizer, 'mse')
    model.fit(np.ones((4, 1)), np.ones((4, 1)), batch_size=2, epochs=1,
              verbose=0)
    assert all(isinstance(s, torch.Tensor) for s in steps)
    assert [int(s) for s in steps[-2:]] == [0, 1]


def test_setting_a_rate_replaces_the_schedule():
    optimizer = keras.optimizers.SGD(schedules.ExponentialDecay(0.1, 1, 0.5))
    optimizer.learning_rate = 0.3
    model = _linear_model()
    model.compile(optimizer, 'mse')
    model.train_on_batch(np.ones((1, 1)), np.ones((1, 1)))
    model.train_on_batch(np.ones((1, 1)), np.ones((1, 1)))
    w = 0.
    for _ in range(2):
        w -= 0.3 * 2 * (w - 1)
    assert float(model.get_weights()[0][0, 0]) == pytest.approx(w, rel=1e-6)


def test_legacy_and_experimental_namespaces():
    from keras_compat.optimizers.legacy import Adam as LegacyAdam
    assert LegacyAdam().get_config()['is_legacy_optimizer'] is True
    assert keras.optimizers.experimental.AdamW(
        weight_decay=0.1).get_config()['is_legacy_optimizer'] is False
    assert isinstance(LegacyAdam(), keras.optimizers.Adam)


def test_namespaced_optimizers_take_tf_keras_defaults():
    # tf_keras 2.21's legacy Adagrad(0.1) / Nadam(0.1) after three steps
    # of mse on x = 1 towards [0.3, -2] from ones.
    expected = {'Adagrad': [0.79803, 0.77521], 'Nadam': [0.75761, 0.74588]}
    for name, weights in expected.items():
        model = keras.Sequential([keras.layers.Dense(
            2, use_bias=False, kernel_initializer='ones', input_shape=(1,))])
        model.compile(getattr(keras.optimizers.legacy, name)(0.1), 'mse')
        for _ in range(3):
            model.train_on_batch(np.ones((1, 1)), np.array([[0.3, -2.]]))
        np.testing.assert_allclose(model.get_weights()[0][0], weights,
                                   atol=1e-5)
    assert keras.optimizers.legacy.Adadelta().get_config()[
        'learning_rate'] == pytest.approx(0.001)


def test_learning_rate_reads_the_last_steps_rate():
    from keras_compat import backend as K
    from keras_compat import layers, models, optimizers
    schedule = optimizers.schedules.PolynomialDecay(0.1, 10)
    optimizer = optimizers.Adam(schedule)
    # (tf.keras 2.11+: the rate the schedule gave the last update, the
    # first one's before any.)
    assert K.get_value(optimizer.lr) == pytest.approx(0.1)
    model = models.Sequential([layers.Dense(1, input_shape=(1,))])
    model.compile(optimizer, 'mse')
    model.fit(np.ones((4, 1)), np.ones((4, 1)), epochs=3, verbose=0)
    # (0.1 - 0.0001) * (1 - 2 / 10) + 0.0001, the third step's rate.
    assert K.get_value(optimizer.lr) == pytest.approx(0.08002, rel=1e-6)
