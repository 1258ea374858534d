"""Initializers: sample moments and bounds follow the Keras 2 definitions
(keras/initializers.py), with fans computed as Keras computes them for
dense and convolution kernels."""
import numpy as np
import pytest

from keras_compat import initializers

SHAPE = (200, 300)                  # fan_in 200, fan_out 300
CONV = (3, 3, 40, 60)               # fan_in 3*3*40, fan_out 3*3*60


def sample(identifier, shape=SHAPE, **kwargs):
    init = initializers.get(identifier) if not kwargs else \
        getattr(initializers, identifier)(**kwargs)
    return init(shape).detach().cpu().numpy().astype('float64')


def check_uniform(values, limit):
    assert values.min() >= -limit and values.max() <= limit
    assert values.max() > 0.95 * limit and values.min() < -0.95 * limit
    np.testing.assert_allclose(values.std(), limit / np.sqrt(3), rtol=0.03)
    assert abs(values.mean()) < 0.02 * limit


def check_truncated(values, stddev):
    # Keras 2's 'normal' variance scaling draws from a normal truncated at
    # two standard deviations, its stddev divided by 0.8796 so that the
    # samples have the target deviation.
    target = stddev
    pre_truncation = stddev / .87962566103423978
    assert np.abs(values).max() <= 2 * pre_truncation + 1e-6
    np.testing.assert_allclose(values.std(), target, rtol=0.03)


@pytest.mark.parametrize('name,fan', [
    ('glorot_uniform', (200 + 300) / 2.), ('he_uniform', 200.),
    ('lecun_uniform', 200.)])
def test_uniform_scaling_limits(name, fan):
    scale = 2. if name.startswith('he') else 1.
    check_uniform(sample(name), np.sqrt(3. * scale / fan))


@pytest.mark.parametrize('name,fan', [
    ('glorot_normal', (200 + 300) / 2.), ('he_normal', 200.),
    ('lecun_normal', 200.)])
def test_normal_scaling_deviations(name, fan):
    scale = 2. if name.startswith('he') else 1.
    check_truncated(sample(name), np.sqrt(scale / fan))


@pytest.mark.parametrize('name,function', [
    ('GlorotUniform', 'glorot_uniform'), ('GlorotNormal', 'glorot_normal'),
    ('HeNormal', 'he_normal'), ('HeUniform', 'he_uniform'),
    ('LecunNormal', 'lecun_normal'), ('LecunUniform', 'lecun_uniform')])
def test_tf_keras_initializer_classes_are_the_keras2_functions(name,
                                                               function):
    cls = getattr(initializers, name)(seed=3)
    reference = getattr(initializers, function)(seed=3)
    assert (cls.scale, cls.mode, cls.distribution) == (
        reference.scale, reference.mode, reference.distribution)
    np.testing.assert_array_equal(cls(SHAPE).numpy(),
                                  reference(SHAPE).numpy())


def test_conv_kernel_fans_are_receptive_field_times_channels():
    fan_in, fan_out = 3 * 3 * 40, 3 * 3 * 60
    check_uniform(sample('glorot_uniform', CONV),
                  np.sqrt(6. / (fan_in + fan_out)))
    check_truncated(sample('he_normal', CONV), np.sqrt(2. / fan_in))


def test_variance_scaling_modes_and_distributions():
    check_uniform(sample('VarianceScaling', scale=3., mode='fan_out',
                         distribution='uniform'), np.sqrt(3. * 3. / 300))
    check_truncated(sample('VarianceScaling', scale=0.5, mode='fan_avg',
                           distribution='normal'), np.sqrt(0.5 / 250.))


def test_random_distributions():
    values = sample('RandomNormal', mean=1., stddev=0.5)
    np.testing.assert_allclose([values.mean(), values.std()], [1., 0.5],
                               atol=0.01)
    values = sample('RandomUniform', minval=-0.2, maxval=0.6)
    assert values.min() >= -0.2 and values.max() <= 0.6
    np.testing.assert_allclose(values.mean(), 0.2, atol=0.01)
    # Keras 2 defaults: normal(0, 0.05), uniform(-0.05, 0.05).
    values = sample('random_normal')
    np.testing.assert_allclose(values.std(), 0.05, rtol=0.03)
    values = sample('random_uniform')
    assert np.abs(values).max() <= 0.05
    # truncated_normal: values beyond two standard deviations redrawn.
    values = sample('TruncatedNormal', mean=0., stddev=0.1)
    assert np.abs(values).max() <= 0.2
    np.testing.assert_allclose(values.std(), 0.1 * .87962566103423978,
                               rtol=0.03)


def test_constants_identity_and_orthogonal():
    assert (sample('zeros') == 0).all() and (sample('ones') == 1).all()
    assert (sample('Constant', value=3.5) == 3.5).all()
    np.testing.assert_array_equal(sample('Identity', shape=(3, 5), gain=2.),
                                  2. * np.eye(3, 5))
    q = sample('Orthogonal', shape=(40, 40), gain=1.5)
    np.testing.assert_allclose(q.T @ q, 1.5 ** 2 * np.eye(40), atol=1e-4)
    wide = sample('orthogonal', shape=(10, 30))
    np.testing.assert_allclose(wide @ wide.T, np.eye(10), atol=1e-5)


def test_identity_rejects_non_matrices():
    with pytest.raises(ValueError):
        sample('identity', shape=(2, 2, 2))
