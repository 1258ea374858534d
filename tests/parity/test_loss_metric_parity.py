"""Every loss and metric against Keras 3, on random inputs and on edge
values: probabilities of exactly 0 and 1, all-zero labels."""
import numpy as np
import pytest
import torch

from keras_compat import losses, metrics

from parity_helpers import assert_close, to_numpy

R = np.random.RandomState(3)
N, C = 6, 4


def probabilities():
    p = R.rand(N, C).astype('float32') + 0.05
    p /= p.sum(-1, keepdims=True)
    p[0] = [0., 1., 0., 0.]          # saturated predictions
    p[1] = [1., 0., 0., 0.]
    return p


def one_hot():
    y = np.eye(C, dtype='float32')[R.randint(0, C, N)]
    y[2] = 0.                        # an all-zero label row
    return y


def binary_pair():
    y_true = R.randint(0, 2, size=(N, C)).astype('float32')
    y_true[3] = 0.
    y_pred = R.rand(N, C).astype('float32')
    y_pred[0, :2] = [0., 1.]
    y_pred[1, :2] = [1., 0.]
    return y_true, y_pred


def regression_pair():
    y_true = R.uniform(-2, 2, size=(N, C)).astype('float32')
    y_true[4] = 0.
    return y_true, R.uniform(-2, 2, size=(N, C)).astype('float32')


def positive_pair():
    y_true = R.rand(N, C).astype('float32')
    y_true[4] = 0.
    return y_true, R.rand(N, C).astype('float32') + 0.01


def hinge_pair():
    return (R.choice([-1., 1.], size=(N, C)).astype('float32'),
            R.uniform(-2, 2, size=(N, C)).astype('float32'))


def zero_one_hinge_pair():
    return (R.randint(0, 2, size=(N, C)).astype('float32'),
            R.uniform(-2, 2, size=(N, C)).astype('float32'))


# (Keras 2 name, Keras 3 name, data)
LOSSES = [
    ('mean_squared_error', 'mean_squared_error', regression_pair),
    ('mean_absolute_error', 'mean_absolute_error', regression_pair),
    ('mean_absolute_percentage_error', 'mean_absolute_percentage_error',
     regression_pair),
    ('mean_squared_logarithmic_error', 'mean_squared_logarithmic_error',
     positive_pair),
    ('squared_hinge', 'squared_hinge', hinge_pair),
    ('hinge', 'hinge', hinge_pair),
    ('hinge_zero_one_labels', 'hinge', zero_one_hinge_pair),
    ('categorical_hinge', 'categorical_hinge', lambda: (one_hot(),
                                                        probabilities())),
    ('logcosh', 'log_cosh', regression_pair),
    ('categorical_crossentropy', 'categorical_crossentropy',
     lambda: (one_hot(), probabilities())),
    ('binary_crossentropy', 'binary_crossentropy', binary_pair),
    ('binary_focal_crossentropy', 'binary_focal_crossentropy', binary_pair),
    ('kullback_leibler_divergence', 'kl_divergence',
     lambda: (probabilities(), probabilities())),
    ('poisson', 'poisson', positive_pair),
    ('cosine_proximity', 'cosine_similarity', regression_pair),
]


@pytest.mark.parametrize('ours,theirs,data', LOSSES,
                         ids=[c[0] for c in LOSSES])
def test_loss_function_matches_keras(k3, ours, theirs, data):
    y_true, y_pred = data()
    name = ours.replace('_zero_one_labels', '')
    got = getattr(losses, name)(torch.tensor(y_true), torch.tensor(y_pred))
    expected = getattr(k3.losses, theirs)(torch.tensor(y_true),
                                          torch.tensor(y_pred))
    assert np.all(np.isfinite(to_numpy(got)))
    assert_close(got, expected, atol=1e-5, what=ours)


def test_sparse_categorical_crossentropy_matches_keras(k3):
    labels = R.randint(0, C, size=(N,)).astype('float32')
    p = probabilities()
    got = losses.sparse_categorical_crossentropy(torch.tensor(labels),
                                                 torch.tensor(p))
    expected = k3.losses.sparse_categorical_crossentropy(
        torch.tensor(labels), torch.tensor(p))
    assert_close(got, expected)


@pytest.mark.parametrize('from_logits', [False, True])
def test_crossentropy_classes_with_logits_and_smoothing(k3, from_logits):
    y_true, p = one_hot(), probabilities()
    y_pred = R.uniform(-3, 3, size=p.shape).astype('float32') \
        if from_logits else p
    weights = R.rand(N).astype('float32')
    ours = losses.CategoricalCrossentropy(from_logits=from_logits,
                                          label_smoothing=0.1)
    theirs = k3.losses.CategoricalCrossentropy(from_logits=from_logits,
                                               label_smoothing=0.1)
    args = (torch.tensor(y_true), torch.tensor(y_pred))
    assert_close(ours(*args, sample_weight=torch.tensor(weights)),
                 theirs(*args, sample_weight=torch.tensor(weights)))
    b_true, b_pred = binary_pair()
    if from_logits:
        b_pred = R.uniform(-3, 3, size=b_pred.shape).astype('float32')
    ours = losses.BinaryCrossentropy(from_logits=from_logits,
                                     label_smoothing=0.2)
    theirs = k3.losses.BinaryCrossentropy(from_logits=from_logits,
                                          label_smoothing=0.2)
    args = (torch.tensor(b_true), torch.tensor(b_pred))
    assert_close(ours(*args), theirs(*args))


def test_huber_matches_keras(k3):
    y_true, y_pred = regression_pair()
    args = (torch.tensor(y_true), torch.tensor(y_pred))
    assert_close(losses.Huber(delta=0.7)(*args),
                 k3.losses.Huber(delta=0.7)(*args))


METRIC_FUNCTIONS = [
    ('binary_accuracy', binary_pair),
    ('categorical_accuracy', lambda: (one_hot(), probabilities())),
    ('top_k_categorical_accuracy', lambda: (one_hot(), probabilities())),
]


@pytest.mark.parametrize('name,data', METRIC_FUNCTIONS,
                         ids=[m[0] for m in METRIC_FUNCTIONS])
def test_metric_function_matches_keras(k3, name, data):
    y_true, y_pred = data()
    args = (torch.tensor(y_true), torch.tensor(y_pred))
    kwargs = {'k': 2} if 'top_k' in name else {}
    expected = getattr(k3.metrics, name)(*args, **kwargs)
    if name == 'binary_accuracy':
        # Keras 2 averages over the last axis; Keras 3 keeps it.
        expected = expected.mean(dim=-1)
    assert_close(getattr(metrics, name)(*args, **kwargs), expected)


def test_sparse_accuracy_functions_match_keras(k3):
    labels = torch.tensor(R.randint(0, C, size=(N, 1)).astype('float32'))
    p = torch.tensor(probabilities())
    # Keras 2 returns one value per sample, (N,); Keras 3 keeps (N, 1).
    assert_close(metrics.sparse_categorical_accuracy(labels, p),
                 k3.metrics.sparse_categorical_accuracy(labels, p)
                 .reshape(-1))
    assert_close(metrics.sparse_top_k_categorical_accuracy(labels, p, k=2),
                 k3.metrics.sparse_top_k_categorical_accuracy(labels, p,
                                                              k=2)
                 .reshape(-1))


# Stateful metric classes: (name, constructor kwargs, data)
METRIC_CLASSES = [
    ('Accuracy', {}, lambda: (R.randint(0, 3, (N, 1)).astype('float32'),
                              R.randint(0, 3, (N, 1)).astype('float32'))),
    ('BinaryAccuracy', {'threshold': 0.3}, binary_pair),
    ('CategoricalAccuracy', {}, lambda: (one_hot(), probabilities())),
    ('SparseCategoricalAccuracy', {},
     lambda: (R.randint(0, C, (N, 1)).astype('float32'), probabilities())),
    ('TopKCategoricalAccuracy', {'k': 2}, lambda: (one_hot(),
                                                   probabilities())),
    ('SparseTopKCategoricalAccuracy', {'k': 2},
     lambda: (R.randint(0, C, (N,)).astype('float32'), probabilities())),
    ('MeanSquaredError', {}, regression_pair),
    ('MeanAbsoluteError', {}, regression_pair),
    ('MeanAbsolutePercentageError', {}, regression_pair),
    ('MeanSquaredLogarithmicError', {}, positive_pair),
    ('RootMeanSquaredError', {}, regression_pair),
    ('LogCoshError', {}, regression_pair),
    ('CosineSimilarity', {}, regression_pair),
    ('Hinge', {}, hinge_pair),
    ('SquaredHinge', {}, hinge_pair),
    ('CategoricalHinge', {}, lambda: (one_hot(), probabilities())),
    ('Poisson', {}, positive_pair),
    ('KLDivergence', {}, lambda: (probabilities(), probabilities())),
    ('BinaryCrossentropy', {}, binary_pair),
    ('CategoricalCrossentropy', {}, lambda: (one_hot(), probabilities())),
    ('SparseCategoricalCrossentropy', {},
     lambda: (R.randint(0, C, (N,)).astype('float32'), probabilities())),
    ('Precision', {}, binary_pair),
    ('Recall', {'thresholds': 0.3}, binary_pair),
    ('TruePositives', {}, binary_pair),
    ('TrueNegatives', {}, binary_pair),
    ('FalsePositives', {}, binary_pair),
    ('FalseNegatives', {'thresholds': [0.2, 0.7]}, binary_pair),
    ('AUC', {}, binary_pair),
    ('AUC', {'curve': 'PR', 'num_thresholds': 50}, binary_pair),
]


def test_mean_iou_follows_the_keras2_formula_with_float_weights():
    # Keras 3 casts the weights to integers; Keras 2.3 accumulates them as
    # floats.
    y_true = R.randint(0, C, N)
    y_pred = R.randint(0, C, N)
    weights = R.rand(N)
    cm = np.zeros((C, C))
    for t, p, w in zip(y_true, y_pred, weights):
        cm[t, p] += w
    union = cm.sum(0) + cm.sum(1) - np.diag(cm)
    expected = (np.diag(cm)[union > 0] / union[union > 0]).mean()
    ours = metrics.MeanIoU(C)
    ours.update_state(y_true, y_pred, sample_weight=weights)
    assert_close(ours.result(), expected)
    assert ours.get_config()['num_classes'] == C


def _np_sensitivity_specificity(y_true, y_pred, num_thresholds):
    """Keras 2.3's confusion counts at its evenly spaced thresholds."""
    inner = [i / (num_thresholds - 1.) for i in range(1, num_thresholds - 1)]
    thresholds = np.array([-1e-7] + inner + [1 + 1e-7])
    above = y_pred[None, :] > thresholds[:, None]
    positive = y_true.astype(bool)[None, :]
    tp = (above & positive).sum(1)
    fn = (~above & positive).sum(1)
    tn = (~above & ~positive).sum(1)
    fp = (above & ~positive).sum(1)
    return tp, tn, fp, fn


def test_sensitivity_and_specificity_at_a_target_follow_keras2():
    # Keras 3 picks differently (the best value meeting the target); Keras
    # 2.3 takes the threshold whose other rate is closest to the target.
    y_true = R.randint(0, 2, 64).astype('float32')
    y_pred = R.rand(64).astype('float32')
    tp, tn, fp, fn = _np_sensitivity_specificity(y_true, y_pred, 20)
    with np.errstate(invalid='ignore', divide='ignore'):
        specificity = np.nan_to_num(tn / (tn + fp))
        sensitivity = np.nan_to_num(tp / (tp + fn))
    at_spec = sensitivity[np.argmin(np.abs(specificity - 0.6))]
    at_sens = specificity[np.argmin(np.abs(sensitivity - 0.8))]
    ours = metrics.SensitivityAtSpecificity(0.6, num_thresholds=20)
    ours.update_state(y_true, y_pred)
    assert_close(ours.result(), at_spec, what='SensitivityAtSpecificity')
    ours = metrics.SpecificityAtSensitivity(0.8, num_thresholds=20)
    ours.update_state(y_true, y_pred)
    assert_close(ours.result(), at_sens, what='SpecificityAtSensitivity')
    with pytest.raises(ValueError, match='range'):
        metrics.SensitivityAtSpecificity(1.5)


def test_cosine_proximity_metric_is_positive_as_in_keras23():
    y_true, y_pred = regression_pair()
    def l2_normalize(x):
        return x / np.sqrt(np.maximum(np.sum(x ** 2, axis=-1,
                                             keepdims=True), 1e-12))
    expected = np.sum(l2_normalize(y_true) * l2_normalize(y_pred), axis=-1)
    assert_close(metrics.cosine_proximity(y_true, y_pred), expected)
    assert metrics.get('cosine') is metrics.cosine_proximity
    assert_close(losses.cosine_proximity(y_true, y_pred), -expected)


@pytest.mark.parametrize('name,kwargs,data', METRIC_CLASSES,
                         ids=['%s%s' % (m[0], m[1] or '')
                              for m in METRIC_CLASSES])
def test_stateful_metric_matches_keras(k3, name, kwargs, data):
    ours = getattr(metrics, name)(**kwargs)
    theirs = getattr(k3.metrics, name)(**kwargs)
    for _ in range(2):
        y_true, y_pred = data()
        weights = R.rand(len(y_true)).astype('float32')
        for metric in (ours, theirs):
            metric.update_state(torch.tensor(y_true), torch.tensor(y_pred),
                                sample_weight=torch.tensor(weights))
    assert_close(ours.result(), theirs.result(), atol=1e-5, what=name)
    ours.reset_states()
    theirs.reset_state()
    y_true, y_pred = data()
    ours.update_state(torch.tensor(y_true), torch.tensor(y_pred))
    theirs.update_state(torch.tensor(y_true), torch.tensor(y_pred))
    assert_close(ours.result(), theirs.result(), atol=1e-5,
                 what=name + ' after reset')


def test_mean_and_sum_match_keras(k3):
    values = R.rand(5).astype('float32')
    weights = R.rand(5).astype('float32')
    for name in ('Mean', 'Sum'):
        ours, theirs = getattr(metrics, name)(), getattr(k3.metrics, name)()
        ours.update_state(torch.tensor(values),
                          sample_weight=torch.tensor(weights))
        theirs.update_state(torch.tensor(values),
                            sample_weight=torch.tensor(weights))
        assert_close(ours.result(), theirs.result(), what=name)
