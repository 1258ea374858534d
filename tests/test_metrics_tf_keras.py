"""tf.keras 2.x metrics: F1Score, FBetaScore, R2Score, the IoU family,
MeanRelativeError, Precision / Recall with `top_k` / `class_id`, and the
sensitivity / specificity metrics' tf.keras rule. Expected values were
computed with tf_keras 2.21 (TF_USE_LEGACY_KERAS=1, float32) on the inputs
below and pasted here."""
import warnings

import numpy as np
import pytest

import keras_compat as keras
from keras_compat import losses, metrics
from keras_compat.backend import common


@pytest.fixture
def tf_keras():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


def close(value, expected, atol=1e-6):
    np.testing.assert_allclose(np.asarray(value, dtype=np.float64),
                               expected, rtol=1e-5, atol=atol)


# ------------------------------------------------------ F1 / F-beta score
YT = np.array([[1, 1, 1], [1, 0, 0], [1, 1, 0], [0, 0, 1], [0, 1, 0],
               [0, 0, 0]], 'float32')
YP = np.array([[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0],
               [0.1, 0.3, 0.9], [0.5, 0.5, 0.2], [0., 0., 0.]], 'float32')
SW = np.array([1., 0.5, 2., 1., 0., 3.], 'float32')

# tf_keras 2.21: F1Score(average, threshold) over YT, YP in one update;
# FBetaScore(average, beta=2.0, threshold) over YT[:3], YP[:3], then
# YT[3:], YP[3:] with sample_weight SW[3:].
F_SCORES = [
    (None, None, [0.0, 0.6666667, 0.8], [0.0, 0.5, 0.9090909]),
    (None, 0.5, [0.5, 0.6666667, 0.8], [0.3846154, 0.9090909, 0.9090909]),
    ('micro', None, 0.5333334, 0.4545454),
    ('micro', 0.5, 0.6666667, 0.7142856),
    ('macro', None, 0.4888889, 0.4696970),
    ('macro', 0.5, 0.6555556, 0.7342658),
    ('weighted', None, 0.45, 0.4025974),
    ('weighted', 0.5, 0.6375, 0.6843158),
]


@pytest.mark.parametrize('average,threshold,f1,fbeta', F_SCORES)
def test_f_scores_match_tf_keras(average, threshold, f1, fbeta):
    metric = metrics.F1Score(average=average, threshold=threshold)
    metric.update_state(YT, YP)
    close(metric.result(), f1)
    metric = metrics.FBetaScore(average=average, beta=2.0,
                                threshold=threshold)
    metric.update_state(YT[:3], YP[:3])
    metric.update_state(YT[3:], YP[3:], sample_weight=SW[3:])
    close(metric.result(), fbeta)
    metric.reset_states()
    close(metric.result(), 0.)


def test_f_score_config_and_arguments():
    assert metrics.F1Score().get_config() == {
        'name': 'f1_score', 'dtype': 'float32', 'average': None,
        'threshold': None}
    config = metrics.FBetaScore(average='macro', beta=0.5).get_config()
    assert config == {'name': 'fbeta_score', 'dtype': 'float32',
                      'average': 'macro', 'beta': 0.5, 'threshold': None}
    assert metrics.FBetaScore.from_config(config).beta == 0.5
    for kwargs in ({'average': 'samples'}, {'beta': 2}, {'beta': -1.},
                   {'threshold': 1.5}, {'threshold': 1}):
        with pytest.raises(ValueError):
            metrics.FBetaScore(**kwargs)
    with pytest.raises(ValueError, match='2D'):
        metrics.F1Score().update_state(YT[0], YP[0])


# ------------------------------------------------------------------- R2
RT = np.array([[0.3745, 0.9507], [0.732, 0.5987], [0.156, 0.156],
               [0.0581, 0.8662], [0.6011, 0.7081], [0.0206, 0.9699],
               [0.8324, 0.2123], [0.1818, 0.1834]], 'float32')
RP = np.array([[0.4471, 0.3767], [0.2145, 0.43], [-0.1478, 0.2503],
               [-0.2143, 0.4425], [1.0408, 0.6403], [0.0408, 0.5425],
               [0.6691, 0.2456], [-0.1635, 0.2961]], 'float32')
RW = np.array([0.0651, 0.9489, 0.9656, 0.8084, 0.3046, 0.0977, 0.6842,
               0.4402], 'float32')

# tf_keras 2.21: R2Score(class_aggregation, num_regressors) over RT[:5],
# RP[:5] then RT[5:], RP[5:] (with the matching slices of RW where
# weighted). num_regressors=20 >= 16 entries: the plain score, one warning.
R2_SCORES = [
    (None, 0, False, [-0.1149802, 0.1312798]),
    (None, 0, True, [-0.2350831, 0.3944322]),
    (None, 2, False, [-0.2865156, -0.0023695]),
    (None, 2, True, [-0.4250959, 0.301268]),
    (None, 7, False, [-1.0905879, -0.6288504]),
    (None, 7, True, [-1.3157809, -0.1354395]),
    (None, 20, False, [-0.1149802, 0.1312798]),
    ('uniform_average', 0, False, 0.0081498),
    ('uniform_average', 0, True, 0.0796746),
    ('uniform_average', 2, False, -0.1444427),
    ('uniform_average', 2, True, -0.061914),
    ('uniform_average', 7, False, -0.8597193),
    ('uniform_average', 7, True, -0.7256102),
    ('uniform_average', 20, True, 0.0796746),
    ('variance_weighted_average', 0, False, 0.0209044),
    ('variance_weighted_average', 0, True, 0.0580032),
    ('variance_weighted_average', 2, False, -0.1297257),
    ('variance_weighted_average', 2, True, -0.0869193),
    ('variance_weighted_average', 7, False, -0.8358042),
    ('variance_weighted_average', 7, True, -0.766244),
    ('variance_weighted_average', 20, False, 0.0209044),
]


@pytest.mark.parametrize('aggregation,regressors,weighted,expected',
                         R2_SCORES)
def test_r2_score_matches_tf_keras(aggregation, regressors, weighted,
                                   expected):
    metric = metrics.R2Score(class_aggregation=aggregation,
                             num_regressors=regressors)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        metric.update_state(RT[:5], RP[:5],
                            sample_weight=RW[:5] if weighted else None)
        metric.update_state(RT[5:], RP[5:],
                            sample_weight=RW[5:] if weighted else None)
        result = metric.result()
    close(result, expected, atol=2e-6)
    assert len(caught) == (regressors >= 15)


def test_r2_score_config_and_arguments():
    config = metrics.R2Score(num_regressors=3).get_config()
    assert config == {'name': 'r2_score', 'dtype': 'float32',
                      'class_aggregation': 'uniform_average',
                      'num_regressors': 3}
    with pytest.raises(ValueError, match='class_aggregation'):
        metrics.R2Score(class_aggregation='mean')
    with pytest.raises(ValueError, match='num_regressors'):
        metrics.R2Score(num_regressors=-1)


# ------------------------------------------------------------------ IoU
LT = np.array([0, 1, 2, 2, 1, 0, 3, 3, 1, 2])
LP = np.array([0, 2, 2, 1, 1, 0, 3, 0, 1, 2])
LW = np.array([1, 2, 1, 0.5, 1, 1, 3, 1, 0, 1], 'float32')


@pytest.mark.parametrize('ids,plain,ignored_weighted', [
    # tf_keras 2.21: IoU(4, ids) on LT, LP; IoU(4, ids, ignore_class=3)
    # on LT, LP with sample_weight LW.
    ([0], 0.6666667, 1.0),
    ([1, 2], 0.5, 0.3650794),
    ([0, 1, 2, 3], 0.5416667, 0.5767196),
])
def test_iou_matches_tf_keras(ids, plain, ignored_weighted):
    metric = metrics.IoU(4, ids)
    metric.update_state(LT, LP)
    close(metric.result(), plain)
    metric = metrics.IoU(4, ids, ignore_class=3)
    metric.update_state(LT, LP, sample_weight=LW)
    close(metric.result(), ignored_weighted)
    if ids == [0, 1, 2, 3]:
        mean = metrics.MeanIoU(4)
        mean.update_state(LT, LP)
        close(mean.result(), plain)


BT = np.array([0, 1, 1, 0, 1, 0], 'float32')
BP = np.array([0.1, 0.5, 0.9, 0.6, 0.3, 0.5], 'float32')


@pytest.mark.parametrize('ids,threshold,expected', [
    # tf_keras 2.21: BinaryIoU(ids, threshold) on BT, BP.
    ((0, 1), 0.5, 0.325), ((0, 1), 0.3, 0.4666667), ([0], 0.5, 0.25),
    ([0], 0.3, 0.3333334), ([1], 0.5, 0.4), ([1], 0.3, 0.6)])
def test_binary_iou_matches_tf_keras(ids, threshold, expected):
    metric = metrics.BinaryIoU(ids, threshold=threshold)
    metric.update_state(BT, BP)
    close(metric.result(), expected)


def test_binary_iou_weighted_matches_tf_keras():
    metric = metrics.BinaryIoU()
    metric.update_state(BT, BP, sample_weight=[1, 2, 0.5, 1, 1, 3])
    close(metric.result(), 0.25)   # tf_keras 2.21


OT = np.eye(3, dtype='float32')[[0, 1, 2, 2, 1]]
OP = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.2, 0.2, 0.6],
               [0.5, 0.3, 0.2], [0.1, 0.8, 0.1]], 'float32')


def test_one_hot_iou_matches_tf_keras():
    # tf_keras 2.21 values.
    metric = metrics.OneHotIoU(3, [0, 2])
    metric.update_state(OT, OP)
    close(metric.result(), 0.4166667)
    metric = metrics.OneHotMeanIoU(3)
    metric.update_state(OT, OP)
    close(metric.result(), 0.4444444)
    metric = metrics.OneHotMeanIoU(3)
    metric.update_state(OT, OP, sample_weight=[1, 2, 3, 0.5, 1])
    close(metric.result(), 0.5151515)
    metric = metrics.OneHotIoU(3, [1], sparse_y_pred=True)
    metric.update_state(OT, np.argmax(OP, -1))
    close(metric.result(), 0.5)


def test_iou_names_and_configs_as_tf_keras():
    # tf_keras 2.21's get_config() keys and default names.
    assert metrics.IoU(3, [0]).get_config() == {
        'name': 'io_u', 'dtype': 'float32', 'num_classes': 3,
        'target_class_ids': [0], 'ignore_class': None,
        'sparse_y_true': True, 'sparse_y_pred': True, 'axis': -1}
    assert metrics.BinaryIoU().get_config() == {
        'target_class_ids': [0, 1], 'threshold': 0.5,
        'name': 'binary_io_u', 'dtype': 'float32'}
    assert metrics.OneHotIoU(3, [0]).get_config() == {
        'num_classes': 3, 'target_class_ids': [0], 'name': 'one_hot_io_u',
        'dtype': 'float32', 'ignore_class': None, 'sparse_y_pred': False,
        'axis': -1}
    assert metrics.OneHotMeanIoU(3).get_config() == {
        'num_classes': 3, 'name': 'one_hot_mean_io_u', 'dtype': 'float32',
        'ignore_class': None, 'sparse_y_pred': False, 'axis': -1}
    assert metrics.MeanIoU(3).get_config() == {
        'num_classes': 3, 'name': 'mean_io_u', 'dtype': 'float32',
        'ignore_class': None, 'sparse_y_true': True,
        'sparse_y_pred': True, 'axis': -1}
    with pytest.raises(ValueError, match='out of range'):
        metrics.IoU(2, [0, 2])


# ---------------------------------------------------- MeanRelativeError
def test_mean_relative_error_matches_tf_keras():
    metric = metrics.MeanRelativeError(normalizer=[1, 3, 2, 3])
    metric.update_state([1, 3, 2, 3], [2, 4, 6, 8])
    close(metric.result(), 1.25)   # tf_keras 2.21 (its docstring's)
    # A zero normalizer gives 0 (divide_no_nan), weights per row.
    metric = metrics.MeanRelativeError(normalizer=[[1., 0.], [2., 4.]])
    metric.update_state([[1, 3], [2, 3]], [[2, 4], [6, 8]],
                        sample_weight=[1, 3])
    close(metric.result(), 1.34375)   # tf_keras 2.21
    config = metric.get_config()
    assert config == {'name': 'mean_relative_error', 'dtype': 'float32',
                      'normalizer': [[1., 0.], [2., 4.]]}
    assert metrics.MeanRelativeError.from_config(config).name == \
        'mean_relative_error'


# ------------------------------------------ Precision / Recall top_k, class
PT = np.array([[0, 0, 0, 1], [0, 1, 0, 1], [1, 0, 1, 1], [1, 1, 1, 1],
               [0, 0, 0, 0]], 'float32')
PP = np.array([[0.389, 0.271, 0.829, 0.357], [0.281, 0.543, 0.802, 0.802],
               [0.075, 0.987, 0.772, 0.199], [0.006, 0.815, 0.707, 0.729],
               [0.771, 0.074, 0.358, 0.116]], 'float32')
PW = np.array([1, 2, 0.5, 1, 0], 'float32')

# tf_keras 2.21 on PT, PP: (kwargs, Precision, Precision with PW, Recall,
# Recall with PW). Row 1 ties 0.802 at classes 2 and 3: top_k=1 keeps 2.
TOP_K_CLASS = [
    ({'top_k': 2}, 0.4, 0.5, 0.4, 0.4285714),
    ({'class_id': 1}, 0.6666667, 0.8571429, 1.0, 1.0),
    ({'top_k': 2, 'class_id': 3}, 1.0, 1.0, 0.5, 0.6666667),
    ({'top_k': 1, 'thresholds': [0.3, 0.6]}, [0.2, 0.2],
     [0.2222222, 0.2222222], [0.1, 0.1], [0.0952381, 0.0952381]),
    ({'class_id': 2, 'thresholds': 0.7}, 0.5, 0.3333334, 1.0, 1.0),
]


@pytest.mark.parametrize('kwargs,precision,precision_w,recall,recall_w',
                         TOP_K_CLASS)
def test_precision_recall_top_k_class_id_match_tf_keras(
        kwargs, precision, precision_w, recall, recall_w):
    for cls, plain, weighted in ((metrics.Precision, precision, precision_w),
                                 (metrics.Recall, recall, recall_w)):
        metric = cls(**kwargs)
        metric.update_state(PT, PP)
        close(metric.result(), plain)
        metric = cls(**kwargs)
        metric.update_state(PT, PP, sample_weight=PW)
        close(metric.result(), weighted)


def test_precision_recall_configs_name_top_k_and_class_id():
    for cls, name in ((metrics.Precision, 'precision'),
                      (metrics.Recall, 'recall')):
        config = cls(top_k=2, class_id=1).get_config()
        assert config == {'name': name, 'dtype': 'float32',
                          'thresholds': None, 'top_k': 2, 'class_id': 1}
        clone = metrics.deserialize(metrics.serialize(cls(top_k=3)))
        assert (clone.top_k, clone.class_id) == (3, None)


# ---------------------------------------- sensitivity / specificity (tf)
ST = np.array([0, 0, 1, 1, 1, 0, 1, 0, 0, 1, 1, 0], 'float32')
SP = np.array([0.0, 1.0, 1.0, 0.0, 0.5, 0.25, 0.75, 0.3, 0.6, 0.8, 0.1,
               0.5], 'float32')
SWT = np.array([1, 2, 1, 1, 0.5, 1, 1, 3, 1, 1, 2, 1], 'float32')
TARGETS = (0.0, 0.5, 0.8, 1.0)

# tf_keras 2.21: for each target in TARGETS, the result on ST, SP and then
# on ST, SP with sample_weight SWT.
AT_TARGET = [
    ('SensitivityAtSpecificity', 200,
     [0.8333333, 0.8461539, 0.6666667, 0.5384616, 0.5, 0.0, 0.0, 0.0]),
    ('SensitivityAtSpecificity', 5,
     [0.8333333, 0.8461539, 0.5, 0.4615385, 0.3333333, 0.0, 0.0, 0.0]),
    ('SensitivityAtSpecificity', 2,
     [0.8333333, 0.8461539, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
    ('SensitivityAtSpecificity', 1,
     [0.5, 0.4615385, 0.5, 0.4615385, 0.0, 0.0, 0.0, 0.0]),
    ('SpecificityAtSensitivity', 200,
     [1.0, 1.0, 0.8333333, 0.5555556, 0.1666667, 0.1111111, 0.0, 0.0]),
    ('SpecificityAtSensitivity', 5,
     [1.0, 1.0, 0.6666667, 0.2222222, 0.1666667, 0.1111111, 0.0, 0.0]),
    ('SpecificityAtSensitivity', 2,
     [1.0, 1.0, 0.1666667, 0.1111111, 0.1666667, 0.1111111, 0.0, 0.0]),
    ('SpecificityAtSensitivity', 1,
     [0.6666667, 0.6666667, 0.6666667, 0.0, 0.0, 0.0, 0.0, 0.0]),
    ('PrecisionAtRecall', 200,
     [0.75, 0.6, 0.75, 0.4666667, 0.5, 0.4074074, 0.0, 0.0]),
    ('PrecisionAtRecall', 5,
     [0.6666667, 0.5, 0.6, 0.4074074, 0.5, 0.4074074, 0.0, 0.0]),
    ('PrecisionAtRecall', 2,
     [0.5, 0.4074074, 0.5, 0.4074074, 0.5, 0.4074074, 0.0, 0.0]),
    ('PrecisionAtRecall', 1, [0.6, 0.5, 0.6, 0.0, 0.0, 0.0, 0.0, 0.0]),
    ('RecallAtPrecision', 200,
     [0.8333333, 0.8461539, 0.8333333, 0.4615385, 0.0, 0.0, 0.0, 0.0]),
    ('RecallAtPrecision', 5,
     [0.8333333, 0.8461539, 0.8333333, 0.4615385, 0.0, 0.0, 0.0, 0.0]),
    ('RecallAtPrecision', 2,
     [0.8333333, 0.8461539, 0.8333333, 0.0, 0.0, 0.0, 0.0, 0.0]),
    ('RecallAtPrecision', 1,
     [0.5, 0.4615385, 0.5, 0.4615385, 0.0, 0.0, 0.0, 0.0]),
]


@pytest.mark.parametrize('name,num_thresholds,expected', AT_TARGET)
def test_rate_at_target_follows_tf_keras(tf_keras, name, num_thresholds,
                                         expected):
    cls = getattr(metrics, name)
    results = []
    for target in TARGETS:
        for weight in (None, SWT):
            metric = cls(target, num_thresholds=num_thresholds)
            metric.update_state(ST, SP, sample_weight=weight)
            results.append(float(metric.result()))
    close(results, expected)


@pytest.mark.parametrize('name,expected', [
    # tf_keras 2.21: cls(0.5, num_thresholds=5, class_id=1) on PT, PP.
    ('SensitivityAtSpecificity', 1.0), ('SpecificityAtSensitivity', 0.6666667),
    ('PrecisionAtRecall', 0.6666667), ('RecallAtPrecision', 1.0)])
def test_rate_at_target_class_id_follows_tf_keras(tf_keras, name, expected):
    metric = getattr(metrics, name)(0.5, num_thresholds=5, class_id=1)
    metric.update_state(PT, PP)
    close(metric.result(), expected)


def test_rate_at_target_configs(tf_keras):
    # tf_keras 2.21's keys.
    assert metrics.SensitivityAtSpecificity(0.5).get_config() == {
        'name': 'sensitivity_at_specificity', 'dtype': 'float32',
        'class_id': None, 'num_thresholds': 200, 'specificity': 0.5}
    assert sorted(metrics.SpecificityAtSensitivity(0.5).get_config()) == [
        'class_id', 'dtype', 'name', 'num_thresholds', 'sensitivity']


def test_keras2_keeps_the_closest_rule_and_its_config():
    metric = metrics.SensitivityAtSpecificity(0.4, num_thresholds=5)
    metric.update_state(ST, SP)
    # Keras 2.3: thresholds [-1e-7, .25, .5, .75, 1 + 1e-7] give
    # specificities [0, 1/3, 2/3, 5/6, 1], closest to 0.4 at 1/3, where the
    # sensitivity is 4/6 (tf.keras's rule gives 0.5, the best sensitivity
    # with specificity >= 0.4).
    close(metric.result(), 4. / 6)
    assert 'class_id' not in metric.get_config()


# ------------------------------------------------------ registration
NEW_METRICS = {'F1Score': {}, 'FBetaScore': {'beta': 2.0},
               'R2Score': {}, 'IoU': {'num_classes': 3,
                                      'target_class_ids': [1]},
               'BinaryIoU': {}, 'OneHotIoU': {'num_classes': 3,
                                              'target_class_ids': [0]},
               'OneHotMeanIoU': {'num_classes': 2},
               'MeanRelativeError': {'normalizer': [2.]},
               'PrecisionAtRecall': {'recall': 0.4},
               'RecallAtPrecision': {'precision': 0.4}}


@pytest.mark.parametrize('name', sorted(NEW_METRICS))
def test_new_metrics_serialize_and_deserialize(name):
    metric = getattr(metrics, name)(**NEW_METRICS[name])
    clone = metrics.deserialize(metrics.serialize(metric))
    assert type(clone) is type(metric)
    assert clone.get_config() == metric.get_config()
    assert type(metrics.get({'class_name': name,
                             'config': metric.get_config()})) is type(metric)


def test_metric_class_names_as_strings():
    assert metrics.get('F1Score') is metrics.F1Score
    assert metrics.get('R2Score') is metrics.R2Score
    assert metrics.get('categorical_focal_crossentropy') is \
        losses.categorical_focal_crossentropy


# ------------------------------------------------------------ log names
def test_tf_keras_metric_names():
    # The names tf_keras 2.21 logs in metrics_names / History for
    # compile(metrics=[spec]).
    name = metrics.tf_keras_metric_name
    assert [name(s) for s in ('AUC', 'Precision', 'Recall', 'TruePositives',
                              'MeanSquaredError', 'BinaryAccuracy')] == [
        'auc', 'precision', 'recall', 'true_positives',
        'mean_squared_error', 'binary_accuracy']
    assert [name(s) for s in ('accuracy', 'acc', 'mse', 'logcosh',
                              'log_cosh', 'cosine_similarity')] == [
        'accuracy', 'acc', 'mse', 'logcosh', 'log_cosh', 'cosine_similarity']
    assert [name(s) for s in (losses.kld, losses.logcosh, losses.huber,
                              losses.cosine_similarity, metrics.kld,
                              losses.kullback_leibler_divergence,
                              losses.mean_squared_error)] == [
        'kl_divergence', 'log_cosh', 'huber', 'cosine_similarity',
        'kl_divergence', 'kl_divergence', 'mean_squared_error']
    assert name(metrics.AUC(name='my_auc')) == 'my_auc'
    assert name(losses.Huber()) == 'huber_loss'
    assert name(losses.BinaryCrossentropy()) == 'binary_crossentropy'


def test_tf_keras_loss_object_names(tf_keras):
    # tf_keras 2.21 logs metrics=[KLDivergence(), LogCosh()] under these.
    name = metrics.tf_keras_metric_name
    assert [name(losses.KLDivergence()), name(losses.LogCosh())] == [
        'kl_divergence', 'log_cosh']


def test_lazily_built_states_save_and_restore():
    for metric in (metrics.F1Score(average='macro'), metrics.R2Score()):
        assert metric._state_tensors() == []
        metric.update_state(YT, YP)
        saved = [t.clone() for t in metric._state_tensors()]
        expected = float(metric.result())
        metric.update_state(YT[:2], YP[:2] * 0.5)
        metric._load_state_tensors(saved)
        close(metric.result(), expected)
        metric._load_state_tensors([])
        close(metric.result(), 0.)


def test_new_metrics_in_fit(tf_keras):
    from keras_compat import layers, models
    model = models.Sequential([layers.Dense(3, activation='sigmoid',
                                            input_shape=(3,))])
    model.compile('sgd', 'binary_crossentropy', metrics=[
        metrics.F1Score(average='micro', threshold=0.5), metrics.R2Score(),
        metrics.Precision(top_k=1), metrics.Recall(class_id=2),
        metrics.BinaryIoU(), metrics.SensitivityAtSpecificity(0.5),
        metrics.MeanRelativeError([1., 2., 4.])])
    history = model.fit(YP, YT, epochs=2, batch_size=4, verbose=0)
    assert sorted(history.history) == sorted([
        'loss', 'f1_score', 'r2_score', 'precision', 'recall',
        'binary_io_u', 'sensitivity_at_specificity', 'mean_relative_error'])
    assert all(np.isfinite(v).all() for v in history.history.values())


def test_tf_keras_log_names_in_fit(tf_keras):
    from keras_compat import layers, models
    model = models.Sequential([layers.Dense(1, activation='sigmoid',
                                            input_shape=(3,))])
    model.compile('sgd', 'binary_crossentropy', metrics=[
        'AUC', 'Precision', losses.Huber(), losses.KLDivergence(),
        losses.logcosh, 'mse'])
    history = model.fit(YP, YT[:, :1], epochs=1, verbose=0)
    # tf_keras 2.21's metrics_names and History keys for these metrics.
    assert model.metrics_names == ['loss', 'auc', 'precision', 'huber_loss',
                                   'kl_divergence', 'log_cosh', 'mse']
    assert list(history.history) == model.metrics_names


def test_tf_keras_names_unnamed_metric_instances_uniquely():
    # tf_keras 2.21: AUC() instances are 'auc', 'auc_1', ... (classes with
    # a fixed default name are not counted); the metrics compile() makes
    # from strings count afresh, per output.
    common.set_api_flavour('tf.keras')
    try:
        names = [metrics.AUC().name, metrics.AUC().name, metrics.Mean().name,
                 metrics.AUC(name='x').name, metrics.AUC().name]
        assert names == ['auc', 'auc_1', 'mean', 'x', 'auc_2']
        assert metrics.MeanSquaredError().name == 'mean_squared_error'
        inputs = keras.Input((2,))
        model = keras.Model(inputs, [
            keras.layers.Dense(1, activation='sigmoid', name='a')(inputs),
            keras.layers.Dense(1, activation='sigmoid', name='b')(inputs)])
        model.compile('adam', 'binary_crossentropy',
                      metrics=['AUC', 'accuracy', metrics.Precision()])
        history = model.fit(np.ones((4, 2)), [np.ones((4, 1)),
                                              np.zeros((4, 1))], verbose=0)
        assert sorted(history.history) == [
            'a_accuracy', 'a_auc', 'a_loss', 'a_precision', 'b_accuracy',
            'b_auc_1', 'b_loss', 'b_precision', 'loss']
    finally:
        common.set_api_flavour('keras')
    assert [metrics.AUC().name, metrics.AUC().name] == ['auc', 'auc']


# ------------------------------------------- state variables, MeanTensor
def test_mean_and_sum_list_their_state_variables(tf_keras):
    # tf_keras 2.21: Mean/Sum/MeanSquaredError/Accuracy variables after one
    # update, and model.metrics' variables after fit.
    values, weights = [1., 2., 3.], [1., 0.5, 2.]
    mean, total = metrics.Mean(), metrics.Sum()
    mean.update_state(values, sample_weight=weights)
    total.update_state(values, sample_weight=weights)
    assert [v.name for v in mean.variables] == ['total:0', 'count:0']
    close([keras.backend.get_value(v) for v in mean.weights], [8.0, 3.5])
    assert [v.name for v in total.variables] == ['total:0']
    close(keras.backend.get_value(total.variables[0]), 8.0)
    assert mean.trainable_weights == []
    mse, acc = metrics.MeanSquaredError(), metrics.Accuracy()
    mse.update_state([1., 2., 3.], [1., 2., 2.5])
    acc.update_state([1., 2., 3.], [1., 2., 2.5])
    close([keras.backend.get_value(v) for v in mse.variables],
          [0.0833333, 1.0])
    close([keras.backend.get_value(v) for v in acc.variables], [2.0, 3.0])
    model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
    model.compile('sgd', 'mse', metrics=['mae'])
    model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
    assert [w.name for w in model.weights] == ['dense/kernel:0',
                                               'dense/bias:0']
    assert [[v.name for v in m.variables] for m in model.metrics] == \
        [['total:0', 'count:0'], ['total:0', 'count:0']]


def test_mean_tensor(tf_keras):
    # tf_keras 2.21: tf.keras.metrics.MeanTensor.
    metric = metrics.MeanTensor()
    assert metric.variables == [] and metric.name == 'mean_tensor'
    metric.update_state(np.array([[1., 2.], [3., 4.]]))
    metric.update_state(np.array([[3., 2.], [1., 0.]]),
                        sample_weight=np.array([[1., 0.], [2., 1.]]))
    close(metric.result(), [[2.0, 2.0], [1.6666666, 2.0]])
    close([keras.backend.get_value(v) for v in metric.variables],
          [[[4., 2.], [5., 4.]], [[2., 1.], [3., 2.]]])
    assert metric.get_config() == {'name': 'mean_tensor',
                                   'dtype': 'float32'}
    with pytest.raises(ValueError, match=r'MeanTensor input values must '
                       r'always have the same shape\. Expected shape \(set '
                       r'during the first call\): \(2, 2\)\. Got: \(3,\)'):
        metric.update_state(np.ones(3))
    metric.reset_state()
    close(metric.result(), np.zeros((2, 2)))
    restored = metrics.deserialize({'class_name': 'MeanTensor', 'config': {
        'name': 'm', 'dtype': 'float32'}})
    assert isinstance(restored, metrics.MeanTensor) and restored.name == 'm'


def test_numpy_reductions_of_eager_tensors(tf_keras):
    # TensorFlow 2.21: np.mean(tensor) and friends give numpy's numbers.
    import torch
    from keras_compat import tensorflow_compat as tf
    tensor = tf.constant([[1., 2.], [3., 5.]])
    assert isinstance(np.mean(tensor), np.float32)
    close(np.mean(tensor), 2.75)
    close(np.sum(tensor, axis=0), [4., 7.])
    close(np.max(tensor), 5.)
    close(np.min(tensor, axis=1), [1., 3.])
    close(np.std(tensor), 1.4790199)
    close(np.var(tensor, axis=0), [1., 2.25])
    close(np.prod(tensor), 30.)
    assert np.all(tensor > 0) and not np.any(tensor > 9)
    close(np.mean(tensor, keepdims=True), [[2.75]])
    # The tensor methods keep torch's meaning.
    assert torch.equal(tensor.sum(1), torch.tensor([3., 8.]))
    assert torch.equal(tensor.max(0).indices, torch.tensor([1, 1]))
