"""tf.keras 2.13+'s Lion and Adafactor: their updates, variables, configs
and saved state. Expected numbers are tf_keras 2.21's for the same model,
weights and data (files in tests/data/tf_keras_optimizers, written by its
make_files.py)."""
import gzip
import os
import shutil

import numpy as np
import pytest

import keras_compat as keras
from keras_compat import optimizers
from keras_compat.backend import common

DATA = os.path.join(os.path.dirname(__file__), 'data',
                    'tf_keras_optimizers')
X = np.sin(np.arange(24).reshape(6, 4) * 0.5).astype('float32')
Y = np.cos(np.arange(12).reshape(6, 2)).astype('float32')


@pytest.fixture
def tf_keras():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


def _small_model():
    model = keras.models.Sequential([
        keras.layers.Dense(3, activation='tanh', input_shape=(4,)),
        keras.layers.Dense(2)])
    model.set_weights([np.cos(np.arange(np.prod(w.shape)) * 0.3 + i)
                       .reshape(w.shape) for i, w in enumerate(model.weights)])
    return model


def _schedule():
    return keras.optimizers.schedules.ExponentialDecay(0.5, 2, 0.5)


# optimizer, the four losses of train_on_batch, the last layer's weights.
CASES = {
    'lion': (lambda: optimizers.Lion(),
             [3.2412186, 3.2394199, 3.237622, 3.2358239],
             [[[-0.415747, -0.665876], [-0.856489, -0.970558],
               [-0.997895, -0.936057]], [-0.989592, -0.98708]]),
    'lion_decayed': (
        lambda: optimizers.Lion(learning_rate=0.01, beta_1=0.8, beta_2=0.95,
                                weight_decay=0.1),
        [3.2412186, 3.0544407, 2.8741703, 2.7005882],
        [[[-0.374545, -0.623675], [-0.813526, -0.92714],
          [-0.954368, -0.892776]], [-0.946098, -0.943596]]),
    'adafactor': (lambda: optimizers.Adafactor(),
                  [3.2412186, 3.2277086, 3.2142506, 3.2008474],
                  [[[-0.412546, -0.663173], [-0.853573, -0.967633],
                    [-0.995237, -0.932958]], [-0.986048, -0.983535]]),
    'adafactor_fixed_step': (
        lambda: optimizers.Adafactor(learning_rate=0.1, relative_step=False,
                                     clip_threshold=0.5, weight_decay=0.01),
        [3.2412186, 2.6000721, 2.0679286, 1.6308459],
        [[[-0.237745, -0.52505], [-0.696499, -0.814279],
          [-0.863034, -0.767148]], [-0.803132, -0.801099]]),
    'adafactor_schedule': (
        lambda: optimizers.Adafactor(learning_rate=_schedule()),
        [3.2412186, 0.2722135, 0.1168892, 0.0775424],
        [[[0.149306, -0.284686], [-0.428163, -0.591831],
          [-0.748797, -0.51969]], [-0.361928, -0.361889]]),
}


@pytest.mark.parametrize('case', sorted(CASES))
def test_updates_match_tf_keras(tf_keras, case):
    make, expected_losses, expected_weights = CASES[case]
    model = _small_model()
    model.compile(make(), 'mse')
    losses = [float(model.train_on_batch(X, Y)) for _ in range(4)]
    np.testing.assert_allclose(losses, expected_losses, rtol=2e-6)
    kernel, bias = model.get_weights()[2:]
    np.testing.assert_allclose(kernel, expected_weights[0], atol=2e-6)
    np.testing.assert_allclose(bias, expected_weights[1], atol=2e-6)


def test_adafactor_factors_the_moments_of_matrices_only(tf_keras):
    model = _small_model()
    model.compile(optimizers.Adafactor(), 'mse')
    model.train_on_batch(X, Y)
    # tf_keras: iteration, then r, c, v of each kernel and v of each bias.
    assert [np.shape(w) for w in model.optimizer.get_weights()] == [
        (), (4,), (3,), (4, 3), (3,), (3,), (2,), (3, 2), (2,)]


def test_configs_round_trip_as_tf_keras_writes_them(tf_keras):
    config = optimizers.Adafactor(learning_rate=0.1, clip_threshold=0.5) \
        .get_config()
    assert config['name'] == 'Adafactor'
    assert [config[k] for k in ('beta_2_decay', 'epsilon_1', 'epsilon_2',
                                'clip_threshold', 'relative_step')] == \
        [-0.8, 1e-30, 1e-3, 0.5, True]
    rebuilt = optimizers.deserialize(
        {'class_name': 'Lion', 'config': optimizers.Lion(
            0.01, beta_2=0.95).get_config()})
    assert isinstance(rebuilt, optimizers.Lion)
    assert (rebuilt.beta_1, rebuilt.beta_2) == (0.9, 0.95)
    assert rebuilt.get_config()['learning_rate'] == pytest.approx(0.01)
    assert isinstance(optimizers.experimental.Adafactor(),
                      optimizers.Adafactor)


def test_arguments_tf_keras_refuses():
    with pytest.raises(ValueError, match='SignSGD'):
        optimizers.Lion(beta_1=0.)
    with pytest.raises(ValueError, match='decay is deprecated'):
        optimizers.Adafactor(decay=0.1)
    with pytest.raises(ValueError, match='no legacy'):
        optimizers.Lion(is_legacy_optimizer=True)


def _unzipped(tmp_path, name):
    path = str(tmp_path / name)
    with gzip.open(os.path.join(DATA, name + '.gz'), 'rb') as src, \
            open(path, 'wb') as dst:
        shutil.copyfileobj(src, dst)
    return path


# File written by tf_keras after two steps -> its next two losses.
SAVED = {'lion.keras': [2.892482, 2.726686],
         'adafactor.h5': [1.358308, 0.919783],
         'adafactor_ema.keras': [3.214251, 3.240413]}


@pytest.mark.parametrize('name', sorted(SAVED))
def test_state_saved_by_tf_keras_continues_training(tf_keras, tmp_path,
                                                    name):
    model = keras.models.load_model(_unzipped(tmp_path, name))
    losses = [float(model.train_on_batch(X, Y)) for _ in range(2)]
    np.testing.assert_allclose(losses, SAVED[name], rtol=2e-6)


@pytest.mark.parametrize('ext', ['h5', 'keras'])
def test_saved_state_continues_as_if_never_saved(tf_keras, tmp_path, ext):
    for make in (lambda: optimizers.Lion(0.01),
                 lambda: optimizers.Adafactor(use_ema=True,
                                              ema_overwrite_frequency=3)):
        model = _small_model()
        model.compile(make(), 'mse')
        for _ in range(2):
            model.train_on_batch(X, Y)
        path = str(tmp_path / ('model.' + ext))
        model.save(path)
        expected = [float(model.train_on_batch(X, Y)) for _ in range(2)]
        loaded = keras.models.load_model(path)
        losses = [float(loaded.train_on_batch(X, Y)) for _ in range(2)]
        np.testing.assert_allclose(losses, expected, rtol=1e-6)
