"""BatchNormalization's Keras 2 training/inference statistics, and
SyncBatchNormalization: in one process it is BatchNormalization; its
global-batch arithmetic (checked here over a one-process group) gives
BatchNormalization's outputs, gradients and moving statistics. The
several-process behaviour is in test_distributed.py."""
import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import layers, models
from keras_compat.layers import normalization
from keras_compat.models import Sequential

WEIGHTS = [np.array([1.5, 0.5, 2.], 'float32'),
           np.array([0.1, -0.2, 0.3], 'float32'),
           np.array([0.2, 0.1, -0.1], 'float32'),
           np.array([1.2, 0.8, 1.], 'float32')]

rng = np.random.RandomState(0)


def _pair(shape, **kwargs):
    sync = layers.SyncBatchNormalization(momentum=0.8, **kwargs)
    plain = layers.BatchNormalization(momentum=0.8, **kwargs)
    for layer in (sync, plain):
        layer.build(shape)
        layer.set_weights(WEIGHTS)
    return sync, plain


def _compare(sync, plain, x, training):
    results = []
    for layer in (sync, plain):
        inputs = torch.tensor(x, requires_grad=True)
        out = layer(inputs, training=training)
        (out * torch.linspace(-1, 1, out.numel()).reshape(out.shape)
         ).sum().backward()
        results.append((out.detach().numpy(), inputs.grad.numpy(),
                        layer.gamma.grad.numpy(), layer.beta.grad.numpy(),
                        layer.get_weights()))
        layer.gamma.grad = layer.beta.grad = None
    (out, grad, dgamma, dbeta, weights), expected = results
    np.testing.assert_allclose(out, expected[0], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(grad, expected[1], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(dgamma, expected[2], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(dbeta, expected[3], rtol=1e-5, atol=1e-5)
    for got, want in zip(weights, expected[4]):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


CASES = [((None, 3), {}, (10, 3)),
         ((None, 4, 5, 3), {}, (6, 4, 5, 3)),
         ((None, 3, 4, 5), {'axis': 1}, (6, 3, 4, 5)),
         ((None, 4, 3, 2), {'axis': 2}, (5, 4, 3, 2))]


@pytest.mark.parametrize('shape,kwargs,data', CASES)
@pytest.mark.parametrize('training', [True, False])
def test_one_process_is_batch_normalization(shape, kwargs, data, training):
    x = np.random.RandomState(0).randn(*data).astype('float32') * 2 + 1
    sync, plain = _pair(shape, **kwargs)
    _compare(sync, plain, x, training)


def test_config_and_weights_are_batch_normalization_s():
    sync, plain = _pair((None, 3))
    config, other = sync.get_config(), plain.get_config()
    config.pop('name'), other.pop('name')
    assert config == other
    assert [w.shape for w in sync.weights] == [w.shape for w in plain.weights]
    rebuilt = layers.deserialize({'class_name': 'SyncBatchNormalization',
                                  'config': sync.get_config()})
    assert type(rebuilt) is layers.SyncBatchNormalization
    assert layers.experimental.SyncBatchNormalization is \
        layers.SyncBatchNormalization
    with pytest.raises(ValueError, match='fused'):
        layers.SyncBatchNormalization(fused=True)


def test_a_fit_step_matches_batch_normalization():
    rng = np.random.RandomState(1)
    x = rng.rand(20, 3).astype('float32') * 4
    y = rng.rand(20, 1).astype('float32')
    trained = []
    for cls in (layers.SyncBatchNormalization, layers.BatchNormalization):
        model = keras.Sequential([cls(input_shape=(3,)), layers.Dense(1)])
        model.set_weights(WEIGHTS + [np.full((3, 1), 0.3, 'float32'),
                                     np.zeros(1, 'float32')])
        model.compile(keras.optimizers.SGD(lr=0.1), 'mse')
        model.fit(x, y, batch_size=10, epochs=2, shuffle=False, verbose=0)
        trained.append(model.get_weights())
    for got, want in zip(*trained):
        np.testing.assert_array_equal(got, want)


@pytest.fixture
def one_process_group(tmp_path, monkeypatch):
    import torch.distributed as dist
    if not dist.is_available() or dist.is_initialized():
        pytest.skip('needs torch.distributed and no process group yet')
    dist.init_process_group('gloo', init_method='file://' + str(
        tmp_path / 'store'), rank=0, world_size=1)
    monkeypatch.setattr(normalization, '_synchronizes',
                        lambda layer: bool(layer.__dict__.get(
                            '_sync_statistics')))
    yield
    dist.destroy_process_group()


@pytest.mark.parametrize('shape,kwargs,data', CASES)
def test_the_global_batch_arithmetic_is_batch_normalization_s(
        one_process_group, shape, kwargs, data):
    x = np.random.RandomState(2).randn(*data).astype('float32') * 3 - 1
    sync, plain = _pair(shape, **kwargs)
    _compare(sync, plain, x, True)
    _compare(sync, plain, x, False)


def test_converted_layers_synchronise(one_process_group):
    from keras_compat import distributed
    model = keras.Sequential([layers.Dense(3, input_shape=(2,)),
                              layers.BatchNormalization()])
    assert distributed.sync_batch_norm(model) is model
    called = []
    layer = model.layers[1]
    original = layer._synchronized_batch_norm
    layer._synchronized_batch_norm = lambda x, *args: called.append(1) or \
        original(x, *args)
    model(torch.ones(4, 2), training=True)
    assert called
    assert model.layers[1].get_config()['name'] == layer.name


def test_the_environment_variable_synchronises_every_layer(monkeypatch):
    import torch.distributed as dist
    from keras_compat import distributed
    # The process settings are read once per process: each step below
    # stands for a new process.
    monkeypatch.setattr(normalization, '_SETTINGS', [])
    layer = layers.BatchNormalization()
    assert not normalization._synchronizes(layer)
    monkeypatch.setattr(distributed, 'is_active', lambda: True)
    monkeypatch.setattr(dist, 'is_initialized', lambda: True)
    normalization._SETTINGS.clear()
    assert not normalization._synchronizes(layer)
    assert normalization._synchronizes(layers.SyncBatchNormalization())
    monkeypatch.setenv('KERAS_COMPAT_SYNC_BATCH_NORM', '1')
    normalization._SETTINGS.clear()
    assert normalization._synchronizes(layer)


def test_batch_normalization_trains_on_one_value_per_channel():
    # TensorFlow accepts a training batch of one value per channel: the
    # output is beta and the moving statistics move towards (x, 0).
    bn = layers.BatchNormalization(momentum=0.9,
                                   beta_initializer='ones')
    model = models.Sequential([layers.InputLayer(input_shape=(3,)), bn])
    model.compile('sgd', 'mse')
    x = np.array([[2., -1., 4.]], 'float32')
    model.train_on_batch(x, np.zeros((1, 3), 'float32'))
    gamma, beta, mean, var = bn.get_weights()
    np.testing.assert_allclose(mean, 0.1 * x[0], rtol=1e-6)
    np.testing.assert_allclose(var, [0.9] * 3, rtol=1e-6)
    # d(mse)/d(beta) = 2 * (beta - 0) / 3 at beta = 1; sgd lr 0.01.
    np.testing.assert_allclose(beta, 1. - 0.01 * 2. / 3., rtol=1e-6)
    np.testing.assert_allclose(gamma, 1.)


def test_learning_phase_1_makes_predict_use_batch_statistics():
    rng = np.random.RandomState(0)
    x = rng.normal(3., 2., size=(16, 1)).astype('float32')
    inputs = layers.Input((1,))
    bn = layers.BatchNormalization()
    model = models.Model(inputs, bn(inputs))
    before = [w.copy() for w in bn.get_weights()]
    try:
        K.set_learning_phase(1)
        out = model.predict(x, batch_size=16)
    finally:
        K.clear_session()
    expected = (x - x.mean()) / np.sqrt(x.var() + 1e-3)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)
    # predict leaves the moving statistics alone.
    for b, a in zip(before, bn.get_weights()):
        np.testing.assert_array_equal(b, a)
    # Back to the default phase: inference with the moving statistics.
    np.testing.assert_allclose(model.predict(x),
                               x / np.sqrt(1. + 1e-3), rtol=1e-5)


def test_frozen_model_keeps_batchnorm_statistics_and_has_no_updates():
    x = np.random.RandomState(1).rand(10, 4).astype('float32')
    inputs = layers.Input((4,))
    bn = layers.BatchNormalization()
    model = models.Model(inputs, bn(inputs))
    assert len(model.updates) == 2
    model.trainable = False
    assert model.updates == []
    model.compile('sgd', 'mse')
    before = model.predict(x)
    model.train_on_batch(x, np.zeros_like(x))
    np.testing.assert_allclose(model.predict(x), before, atol=1e-7)
    model.trainable = True
    model.compile('sgd', 'mse')
    model.train_on_batch(x, np.zeros_like(x))
    assert np.abs(model.predict(x) - before).sum() > 1e-5
    other = layers.BatchNormalization()
    other(layers.Input((4,)), training=False)
    assert other.updates == []


def test_batchnorm_training_and_inference():
    x = rng.randn(32, 4, 5, 3).astype(np.float32) * 2 + 1
    layer = layers.BatchNormalization(input_shape=(4, 5, 3))
    model = Sequential([layer])
    names = [w.name for w in layer.weights]
    assert names == ['batch_normalization_1/gamma:0',
                     'batch_normalization_1/beta:0',
                     'batch_normalization_1/moving_mean:0',
                     'batch_normalization_1/moving_variance:0']
    assert len(layer.trainable_weights) == 2
    out = layer(torch.tensor(x), training=True).detach().numpy()
    mean = x.mean(axis=(0, 1, 2))
    var = x.var(axis=(0, 1, 2))
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3),
                               rtol=1e-4, atol=1e-4)
    n = 32 * 4 * 5
    moving_mean, moving_var = layer.get_weights()[2:]
    np.testing.assert_allclose(moving_mean, 0.01 * mean, rtol=1e-4,
                               atol=1e-6)
    np.testing.assert_allclose(moving_var, 0.99 + 0.01 * var * n / (n - 1),
                               rtol=1e-4)
    inference = model.predict(x)
    np.testing.assert_allclose(
        inference, (x - moving_mean) / np.sqrt(moving_var + 1e-3),
        rtol=1e-4, atol=1e-4)


def test_frozen_batchnorm_runs_in_inference_mode():
    layer = layers.BatchNormalization(input_shape=(3,))
    model = Sequential([layer])
    layer.trainable = False
    model.compile('sgd', 'mse')
    before = layer.get_weights()
    model.fit(rng.rand(16, 3), rng.rand(16, 3), verbose=0)
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)
