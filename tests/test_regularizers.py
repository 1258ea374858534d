"""Regularizers, constraints and layer losses in training."""
import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat import layers, regularizers, constraints
from keras_compat.models import Sequential

rng = np.random.RandomState(0)


def test_model_losses_equal_numpy_formula():
    model = Sequential([
        layers.Dense(4, input_dim=3, kernel_regularizer=regularizers.l2(0.01),
                     bias_regularizer=regularizers.l1(0.02)),
        layers.Dense(2, kernel_regularizer='l1_l2')])
    k1, b1, k2, _ = model.get_weights()
    expected = [0.01 * np.sum(k1 ** 2), 0.02 * np.sum(np.abs(b1)),
                0.01 * np.sum(np.abs(k2)) + 0.01 * np.sum(k2 ** 2)]
    got = [float(l.detach()) for l in model.losses]
    np.testing.assert_allclose(sorted(got), sorted(expected), rtol=1e-5)


def test_sgd_trajectory_with_l2_matches_numpy():
    x = rng.rand(8, 3).astype(np.float32)
    y = rng.rand(8, 2).astype(np.float32)
    model = Sequential([layers.Dense(2, input_dim=3,
                                     kernel_regularizer=regularizers.l2(0.01))])
    model.compile(keras.optimizers.SGD(lr=0.1), 'mse')
    w, b = [v.astype(np.float64) for v in model.get_weights()]
    for _ in range(10):
        pred = x @ w + b
        grad_out = 2 * (pred - y) / pred.size
        grad_w = x.T @ grad_out + 2 * 0.01 * w
        grad_b = grad_out.sum(0)
        w, b = w - 0.1 * grad_w, b - 0.1 * grad_b
    for _ in range(10):
        model.train_on_batch(x, y)
    np.testing.assert_allclose(model.get_weights()[0], w, atol=1e-6)
    np.testing.assert_allclose(model.get_weights()[1], b, atol=1e-6)


def test_evaluate_loss_includes_penalty():
    x = rng.rand(10, 3).astype(np.float32)
    y = rng.rand(10, 1).astype(np.float32)
    model = Sequential([layers.Dense(1, input_dim=3,
                                     kernel_regularizer=regularizers.l2(0.5))])
    model.compile('sgd', 'mse')
    w, b = model.get_weights()
    mse = np.mean((x @ w + b - y) ** 2)
    penalty = 0.5 * np.sum(w ** 2)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(mse + penalty,
                                                            rel=1e-5)
    history = model.fit(x, y, batch_size=10, epochs=1, verbose=0)
    assert history.history['loss'][0] == pytest.approx(mse + penalty,
                                                       rel=1e-5)


def test_activity_regularizer_on_outputs():
    x = rng.rand(6, 3).astype(np.float32)
    layer = layers.Dense(2, input_dim=3,
                         activity_regularizer=regularizers.l1(0.1))
    model = Sequential([layer])
    model.compile('sgd', 'mse')
    w, b = model.get_weights()
    out = x @ w + b
    # Keras 2 adds the activity penalty of the whole batch as it is
    # (tf.keras divides it by the batch size).
    penalty = 0.1 * np.sum(np.abs(out))
    mse = np.mean(out ** 2)
    assert model.evaluate(x, np.zeros((6, 2)), batch_size=6, verbose=0) == \
        pytest.approx(mse + penalty, rel=1e-5)
    layer(torch.tensor(x))
    assert float(layer.losses[0]) == pytest.approx(penalty, rel=1e-5)


def test_recurrent_and_embedding_regularizers_are_applied():
    model = Sequential([
        layers.Embedding(10, 4, input_length=3,
                         embeddings_regularizer='l2'),
        layers.LSTM(3, kernel_regularizer=regularizers.l2(1e-2),
                    recurrent_regularizer=regularizers.l2(1e-2)),
        layers.BatchNormalization(gamma_regularizer='l1')])
    emb, lstm, bn = model.layers
    e = emb.get_weights()[0]
    k, u, _ = lstm.get_weights()
    gamma = bn.get_weights()[0]
    expected = 0.01 * np.sum(e ** 2) + 0.01 * np.sum(k ** 2) + \
        0.01 * np.sum(u ** 2) + 0.01 * np.sum(np.abs(gamma))
    assert sum(float(l) for l in model.losses) == pytest.approx(expected,
                                                               rel=1e-5)


def test_conv_depthwise_pointwise_regularizers():
    layer = layers.SeparableConv2D(4, 3, input_shape=(6, 6, 2),
                                   depthwise_regularizer='l2',
                                   pointwise_regularizer='l1')
    Sequential([layer])
    d, p, _ = layer.get_weights()
    expected = 0.01 * np.sum(d ** 2) + 0.01 * np.sum(np.abs(p))
    assert sum(float(l) for l in layer.losses) == pytest.approx(expected,
                                                               rel=1e-5)


def test_max_norm_bounds_columns_after_training():
    model = Sequential([
        layers.Dense(8, input_dim=5, kernel_constraint=constraints.max_norm(
            0.5), kernel_initializer=keras.initializers.RandomNormal(
                stddev=3.)),
        layers.Dense(1)])
    model.compile(keras.optimizers.SGD(lr=0.05), 'mse')
    model.fit(rng.rand(64, 5), rng.rand(64, 1) * 5, epochs=3, verbose=0)
    kernel = model.layers[0].get_weights()[0]
    norms = np.sqrt(np.sum(kernel ** 2, axis=0))
    assert np.all(np.isfinite(norms)) and np.all(norms <= 0.5 + 1e-5)
    assert norms.max() > 0.49


def test_conv_max_norm_uses_keras_axes():
    layer = layers.Conv2D(3, 3, input_shape=(5, 5, 2),
                          kernel_constraint=constraints.max_norm(
                              0.1, axis=[0, 1, 2]),
                          kernel_initializer='ones')
    model = Sequential([layer])
    model.compile('sgd', 'mse')
    model.train_on_batch(rng.rand(2, 5, 5, 2), rng.rand(2, 3, 3, 3))
    kernel = layer.get_weights()[0]
    norms = np.sqrt(np.sum(kernel ** 2, axis=(0, 1, 2)))
    np.testing.assert_allclose(norms, 0.1, rtol=1e-4)


def test_other_constraints():
    w = torch.tensor([[3., -4.], [0., -1.]])
    np.testing.assert_allclose(constraints.non_neg()(w).numpy(),
                               [[3., 0.], [0., 0.]])
    unit = constraints.unit_norm(axis=0)(w).numpy()
    np.testing.assert_allclose(np.sqrt((unit ** 2).sum(0)), 1., rtol=1e-5)
    v = torch.tensor([[1., 3.], [0., -4.]])
    mm = constraints.min_max_norm(min_value=2., max_value=3., rate=1.)(v)
    norms = np.sqrt((mm.numpy() ** 2).sum(0))
    np.testing.assert_allclose(norms, [2., 3.], rtol=1e-5)


def test_regularizer_and_constraint_by_name_and_config():
    layer = layers.Dense(2, kernel_regularizer='l2', kernel_constraint=
                         'non_neg')
    assert isinstance(layer.kernel_regularizer, regularizers.L1L2)
    assert layer.kernel_regularizer.l2 == pytest.approx(0.01)
    config = layer.get_config()
    # The float32 value as a Python float, as Keras 2 and tf.keras write it.
    assert config['kernel_regularizer'] == {
        'class_name': 'L1L2',
        'config': {'l1': 0., 'l2': float(np.float32(0.01))}}
    # Libraries read the value's dtype (keras-adamw).
    assert layer.kernel_regularizer.l2.dtype == np.float32
    clone = layers.Dense.from_config(config)
    assert clone.kernel_regularizer.l2 == pytest.approx(0.01)
    assert isinstance(clone.kernel_constraint, constraints.NonNeg)


def test_custom_callables():
    def my_reg(weight):
        return 0.1 * torch.sum(weight)

    def clip_to_half(weight):
        return torch.clamp(weight, -0.5, 0.5)
    layer = layers.Dense(3, input_dim=2, kernel_regularizer=my_reg,
                         kernel_constraint=clip_to_half,
                         kernel_initializer='ones')
    model = Sequential([layer])
    assert float(model.losses[0]) == pytest.approx(0.6)
    model.compile('sgd', 'mse')
    model.train_on_batch(rng.rand(4, 2), rng.rand(4, 3))
    assert layer.get_weights()[0].max() <= 0.5


def test_bad_regularizer_and_constraint_names():
    with pytest.raises(ValueError, match='Unknown regularizer.*Valid names'):
        layers.Dense(2, kernel_regularizer='l3')
    with pytest.raises(ValueError, match='Unknown constraint.*Valid names'):
        layers.Dense(2, kernel_constraint='maxnorm3')


def test_non_scalar_regularizer_is_rejected():
    layer = layers.Dense(2, input_dim=3, kernel_regularizer=lambda w: w * 2)
    Sequential([layer])
    with pytest.raises(ValueError, match='must return a scalar'):
        layer.losses


def test_add_loss_in_custom_layer():
    class Penalised(layers.Layer):
        def call(self, x):
            self.add_loss(0.5 * torch.mean(x ** 2))
            return x
    model = Sequential([layers.Dense(2, input_dim=2,
                                     kernel_initializer='identity',
                                     use_bias=False), Penalised()])
    model.compile('sgd', 'mse')
    x = np.array([[1., 2.], [3., 4.]], dtype=np.float32)
    loss = model.evaluate(x, np.zeros((2, 2)), verbose=0)
    assert loss == pytest.approx(np.mean(x ** 2) * 1.5, rel=1e-5)
