"""Losses and metrics against their Keras 2 formulas written in numpy."""
import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat import layers, losses, metrics, models
from keras_compat import backend as K

EPS = 1e-7
rng = np.random.RandomState(0)
Y_TRUE = rng.rand(6, 4).astype(np.float32)
Y_PRED = rng.rand(6, 4).astype(np.float32) + 0.05
ONE_HOT = np.eye(4, dtype=np.float32)[rng.randint(4, size=6)]
PROBS = (Y_PRED / Y_PRED.sum(-1, keepdims=True)).astype(np.float32)
BINARY = rng.randint(2, size=(6, 4)).astype(np.float32)


def _np(fn, a, b, **kw):
    return fn(torch.tensor(a), torch.tensor(b), **kw).numpy()


def softplus(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


REFERENCES = {
    'mean_squared_error': lambda t, p: np.mean((p - t) ** 2, -1),
    'mean_absolute_error': lambda t, p: np.mean(np.abs(p - t), -1),
    'mean_absolute_percentage_error': lambda t, p: 100. * np.mean(
        np.abs((t - p) / np.clip(np.abs(t), EPS, None)), -1),
    'mean_squared_logarithmic_error': lambda t, p: np.mean(
        (np.log(np.clip(p, EPS, None) + 1) -
         np.log(np.clip(t, EPS, None) + 1)) ** 2, -1),
    'squared_hinge': lambda t, p: np.mean(
        np.maximum(1. - t * p, 0.) ** 2, -1),
    'hinge': lambda t, p: np.mean(np.maximum(1. - t * p, 0.), -1),
    'categorical_hinge': lambda t, p: np.maximum(
        0., np.max((1 - t) * p, -1) - np.sum(t * p, -1) + 1.),
    'logcosh': lambda t, p: np.mean(np.log(np.cosh(p - t)), -1),
    'kullback_leibler_divergence': lambda t, p: np.sum(
        np.clip(t, EPS, 1) * np.log(np.clip(t, EPS, 1) /
                                    np.clip(p, EPS, 1)), -1),
    'poisson': lambda t, p: np.mean(p - t * np.log(p + EPS), -1),
    'cosine_proximity': lambda t, p: -np.sum(
        t / np.sqrt(np.maximum(np.sum(t ** 2, -1, keepdims=True), 1e-12)) *
        p / np.sqrt(np.maximum(np.sum(p ** 2, -1, keepdims=True), 1e-12)),
        -1),
}


@pytest.mark.parametrize('name', sorted(REFERENCES))
def test_regression_losses(name):
    fn = losses.get(name)
    np.testing.assert_allclose(_np(fn, Y_TRUE, Y_PRED),
                               REFERENCES[name](Y_TRUE, Y_PRED),
                               rtol=1e-5, atol=1e-6)


def test_hinge_converts_binary_labels():
    expected = np.mean(np.maximum(1. - (2 * BINARY - 1) * (Y_PRED - 0.5),
                                  0.), -1)
    np.testing.assert_allclose(_np(losses.hinge, BINARY, Y_PRED - 0.5),
                               expected, rtol=1e-5)


def test_categorical_crossentropy_on_probabilities():
    p = PROBS.copy()
    p[0] = [1., 0., 0., 0.]
    t = ONE_HOT
    clipped = np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS)
    expected = -np.sum(t * np.log(clipped), -1)
    np.testing.assert_allclose(_np(losses.categorical_crossentropy, t, p),
                               expected, rtol=1e-5)


def test_binary_crossentropy_edges():
    p = np.array([[0., 1., 0.5, 1e-9]], dtype=np.float32)
    t = np.array([[0., 1., 1., 1.]], dtype=np.float32)
    clipped = np.clip(p, EPS, 1 - EPS)
    expected = np.mean(-(t * np.log(clipped) +
                         (1 - t) * np.log(1 - clipped)), -1)
    np.testing.assert_allclose(_np(losses.binary_crossentropy, t, p),
                               expected, rtol=1e-4)


def test_sparse_categorical_crossentropy():
    labels = np.array([[0], [3], [1], [2], [2], [0]])
    expected = -np.log(np.clip(PROBS[np.arange(6), labels[:, 0]], EPS,
                               1 - EPS))
    got = losses.sparse_categorical_crossentropy(torch.tensor(labels),
                                                 torch.tensor(PROBS))
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5)


def test_crossentropy_uses_logits_of_softmax():
    from keras_compat import activations
    logits = torch.tensor([[50., 0., -50.]])
    probs = activations.softmax(logits)
    target = torch.tensor([[0., 0., 1.]])
    value = losses.categorical_crossentropy(target, probs)
    assert float(value) == pytest.approx(100.0, rel=1e-5)


def test_all_zero_labels():
    zeros = np.zeros_like(PROBS)
    np.testing.assert_allclose(
        _np(losses.categorical_crossentropy, zeros, PROBS), 0.0, atol=1e-7)


def test_loss_aliases_and_unknown_name():
    assert losses.get('mse') is losses.mean_squared_error
    assert losses.get('MAE') is losses.mean_absolute_error
    assert losses.get('kld') is losses.kullback_leibler_divergence
    with pytest.raises(ValueError, match='Valid names'):
        losses.get('mean_sqaured_error')


def test_loss_class_reduction_and_weights():
    mse = losses.MeanSquaredError()
    sw = np.array([1., 0., 2., 1., 1., 0.5], dtype=np.float32)
    per_sample = np.mean((Y_PRED - Y_TRUE) ** 2, -1)
    got = mse(torch.tensor(Y_TRUE), torch.tensor(Y_PRED),
              sample_weight=torch.tensor(sw))
    assert float(got) == pytest.approx(np.sum(per_sample * sw) / 6, rel=1e-5)
    total = losses.MeanSquaredError(reduction='sum')
    assert float(total(torch.tensor(Y_TRUE), torch.tensor(Y_PRED))) == \
        pytest.approx(per_sample.sum(), rel=1e-5)


def test_accuracy_metrics():
    got = metrics.categorical_accuracy(torch.tensor(ONE_HOT),
                                       torch.tensor(PROBS)).numpy()
    np.testing.assert_array_equal(
        got, (ONE_HOT.argmax(-1) == PROBS.argmax(-1)).astype(np.float32))
    got = metrics.binary_accuracy(torch.tensor(BINARY),
                                  torch.tensor(Y_PRED)).numpy()
    np.testing.assert_allclose(
        got, np.mean(BINARY == (Y_PRED > 0.5), -1), rtol=1e-6)
    labels = PROBS.argmax(-1)[:, None].copy()
    labels[0] = (labels[0] + 1) % 4
    got = metrics.sparse_categorical_accuracy(torch.tensor(labels),
                                              torch.tensor(PROBS)).numpy()
    np.testing.assert_array_equal(got, labels[:, 0] == PROBS.argmax(-1))


def test_top_k_accuracy():
    k = 2
    top = np.argsort(-PROBS, -1)[:, :k]
    truth = ONE_HOT.argmax(-1)
    expected = np.array([t in row for t, row in zip(truth, top)],
                        dtype=np.float32)
    got = metrics.top_k_categorical_accuracy(torch.tensor(ONE_HOT),
                                             torch.tensor(PROBS), k=k)
    np.testing.assert_array_equal(got.numpy(), expected)
    got = metrics.sparse_top_k_categorical_accuracy(
        torch.tensor(truth[:, None]), torch.tensor(PROBS), k=k)
    np.testing.assert_array_equal(got.numpy(), expected)


def test_stateful_mean_and_precision_recall():
    m = metrics.Mean()
    m.update_state(torch.tensor([1., 2., 3.]))
    m.update_state(torch.tensor([4.]), sample_weight=torch.tensor([2.]))
    assert float(m.result()) == pytest.approx((1 + 2 + 3 + 8) / 5.)
    y_true = torch.tensor([1., 0., 1., 1., 0.])
    y_pred = torch.tensor([0.9, 0.6, 0.4, 0.8, 0.1])
    p, r = metrics.Precision(), metrics.Recall()
    p.update_state(y_true, y_pred)
    r.update_state(y_true, y_pred)
    assert float(p.result()) == pytest.approx(2 / 3.)
    assert float(r.result()) == pytest.approx(2 / 3.)


def test_auc_of_perfect_and_random_ranking():
    auc = metrics.AUC()
    auc.update_state(torch.tensor([0., 0., 1., 1.]),
                     torch.tensor([0.1, 0.2, 0.8, 0.9]))
    assert float(auc.result()) == pytest.approx(1.0, abs=1e-3)


def test_keras22_stateful_metric_layer_reports_its_running_value():
    class TruePositives(layers.Layer):
        def __init__(self, name='true_positives', **kwargs):
            super(TruePositives, self).__init__(name=name, **kwargs)
            self.stateful = True
            self.count = K.variable(0.)

        def reset_states(self):
            K.set_value(self.count, 0.)

        def __call__(self, y_true, y_pred):
            hits = K.sum(K.cast(K.equal(K.round(y_pred), y_true), 'float32')
                         * y_true)
            K.update_add(self.count, hits)
            return self.count * 1

    model = models.Sequential([layers.Dense(1, activation='sigmoid',
                                            input_dim=2)])
    model.compile('sgd', 'binary_crossentropy', metrics=[TruePositives()])
    x = np.random.RandomState(0).rand(40, 2).astype('float32')
    y = (x.sum(axis=1, keepdims=True) > 1).astype('float32')
    result = model.evaluate(x, y, batch_size=10, verbose=0)
    predictions = model.predict(x)
    assert result[1] == np.sum((np.round(predictions) == y) & (y == 1))


def test_loss_weighted_by_a_numpy_array_trains():
    # The weighted categorical crossentropy of Keras 2 blog posts: a
    # tensor times a numpy array, on either side.
    from keras_compat import backend as K
    from keras_compat.layers import Dense, Lambda
    from keras_compat.models import Sequential
    class_weights = np.array([0.5, 2., 10.])

    def weighted(y_true, y_pred):
        y_pred = K.clip(y_pred, K.epsilon(), 1 - K.epsilon())
        return -K.sum(class_weights * (y_true * K.log(y_pred)), -1) + \
            0. * K.sum(y_pred * np.array([1., 1., 1.]), -1)

    model = Sequential([Dense(3, activation='softmax', input_shape=(2,)),
                        Lambda(lambda t: t * np.array([1., 1., 1.], 'f'))])
    from keras_compat import optimizers
    model.compile(optimizers.SGD(lr=0.1), weighted)
    x = np.random.RandomState(0).rand(4, 2)
    y = np.eye(3)[[0, 1, 2, 1]]
    pred = model.predict(x).astype('float64')
    expected = np.mean(-np.sum(class_weights * y * np.log(pred), -1))
    history = model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    assert history.history['loss'][0] == pytest.approx(expected, 1e-5)
    assert not np.allclose(model.predict(x), pred)


def test_numpy_scalars_and_tensors_still_combine_as_in_torch():
    t = torch.ones(2)
    for result in (np.float32(2.) * t, t * np.float64(2.),
                   np.int64(3) - t, np.float64(.5) < t):
        assert isinstance(result, torch.Tensor)
    assert (np.float64(2.) * t).dtype == torch.float32
    assert (np.float64(2.) * t.half()).dtype == torch.float16


def test_loss_and_metric_classes_take_tf_keras_positional_arguments():
    from keras_compat import losses as L, metrics as M
    assert L.BinaryCrossentropy(True).get_config()['from_logits'] is True
    assert L.Huber(0.5).get_config()['delta'] == 0.5
    assert L.CategoricalCrossentropy(False, 0.1).get_config()[
        'label_smoothing'] == 0.1
    assert M.TopKCategoricalAccuracy(3).get_config()['k'] == 3
    assert M.SparseTopKCategoricalAccuracy(2, 'top2').name == 'top2'
    assert M.BinaryAccuracy('acc', None, 0.7).get_config()['threshold'] == \
        0.7


class _TruePositives(keras.metrics.Metric):
    """The training guide's custom metric: state from add_weight."""

    def __init__(self, name='true_positives', **kwargs):
        super(_TruePositives, self).__init__(name=name, **kwargs)
        self.count = self.add_weight(name='tp', initializer='zeros')

    def update_state(self, y_true, y_pred, sample_weight=None):
        hits = (K.cast(K.argmax(y_pred, axis=1), 'int64') ==
                K.cast(K.flatten(y_true), 'int64'))
        self.count.assign_add(K.sum(K.cast(hits, 'float32')))

    def result(self):
        return self.count


def test_a_metric_with_add_weight_state():
    metric = _TruePositives()
    assert len(metric.variables) == 1 and metric.trainable_weights == []
    metric.update_state(np.array([0, 1]), np.array([[1., 0.], [1., 0.]]))
    assert float(metric.result()) == 1.0
    # Without reset_state of its own, the variables are zeroed.
    metric.reset_state()
    assert float(metric.result()) == 0.0


def test_a_custom_metric_in_fit_resets_each_epoch():
    inputs = keras.layers.Input(shape=(4,))
    model = keras.models.Model(inputs, keras.layers.Dense(
        3, kernel_initializer='ones')(inputs))
    model.compile(keras.optimizers.SGD(0.), keras.losses.
                  SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[_TruePositives()])
    x = np.arange(24).reshape(6, 4).astype('float32')
    y = np.array([0, 1, 0, 2, 0, 0])
    # Equal logits: argmax is class 0, right for the four 0 labels.
    history = model.fit(x, y, batch_size=2, epochs=2, verbose=0)
    assert history.history['true_positives'] == [4.0, 4.0]
    assert model.evaluate(x, y, verbose=0)[1] == 4.0


def test_precision_at_recall_and_recall_at_precision():
    # tf_keras 2.21's results for the same data and arguments.
    y = np.array([0, 0, 1, 1, 1, 0, 1])
    p = np.array([0.1, 0.6, 0.35, 0.8, 0.9, 0.4, 0.2])
    cases = [(metrics.PrecisionAtRecall(0.5), 1.0),
             (metrics.PrecisionAtRecall(0.8, num_thresholds=50), 2. / 3),
             (metrics.RecallAtPrecision(0.7), 0.5),
             (metrics.RecallAtPrecision(0.99), 0.5)]
    for metric, expected in cases:
        metric.update_state(y, p)
        assert float(metric.result()) == pytest.approx(expected, rel=1e-6)
    assert sorted(metrics.PrecisionAtRecall(0.5).get_config()) == [
        'class_id', 'dtype', 'name', 'num_thresholds', 'recall']
