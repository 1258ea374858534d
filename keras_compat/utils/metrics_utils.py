"""Keras 2.3's `keras.utils.metrics_utils`: the enums and threshold helpers
of the confusion-matrix metrics (`AUC(curve=..., summation_method=...)`)."""
from enum import Enum

import torch

NEG_INF = -1e10


class Reduction(object):
    """How a `Reduce` metric combines values."""
    SUM = 'sum'
    SUM_OVER_BATCH_SIZE = 'sum_over_batch_size'
    WEIGHTED_MEAN = 'weighted_mean'


class ConfusionMatrix(Enum):
    TRUE_POSITIVES = 'tp'
    FALSE_POSITIVES = 'fp'
    TRUE_NEGATIVES = 'tn'
    FALSE_NEGATIVES = 'fn'


class AUCCurve(str, Enum):
    """The curve of an AUC metric. Members compare equal to their names
    ('ROC', 'PR')."""
    ROC = 'ROC'
    PR = 'PR'

    @staticmethod
    def from_str(key):
        if key in ('pr', 'PR'):
            return AUCCurve.PR
        if key in ('roc', 'ROC'):
            return AUCCurve.ROC
        raise ValueError('Invalid AUC curve value "%s".' % key)


class AUCSummationMethod(str, Enum):
    """The Riemann sum of an AUC metric: 'interpolation' (mid-points; for
    PR, interpolated true/false positives), 'minoring' or 'majoring'."""
    INTERPOLATION = 'interpolation'
    MAJORING = 'majoring'
    MINORING = 'minoring'

    @staticmethod
    def from_str(key):
        if key in ('interpolation', 'Interpolation'):
            return AUCSummationMethod.INTERPOLATION
        if key in ('majoring', 'Majoring'):
            return AUCSummationMethod.MAJORING
        if key in ('minoring', 'Minoring'):
            return AUCSummationMethod.MINORING
        raise ValueError('Invalid AUC summation method value "%s".' % key)


def to_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def assert_thresholds_range(thresholds):
    if thresholds is not None:
        invalid = [t for t in thresholds if t is None or t < 0 or t > 1]
        if invalid:
            raise ValueError('Threshold values must be in [0, 1]. Invalid '
                             'values: {}'.format(invalid))


def parse_init_thresholds(thresholds, default_threshold=0.5):
    thresholds = to_list(default_threshold if thresholds is None
                         else thresholds)
    assert_thresholds_range(thresholds)
    return thresholds


def filter_top_k(x, k):
    """`x` with every entry outside the top `k` of its last axis set to
    NEG_INF."""
    index = torch.topk(x, k, dim=-1).indices
    keep = torch.zeros_like(x, dtype=torch.bool).scatter_(-1, index, True)
    return torch.where(keep, x, torch.full_like(x, NEG_INF))
