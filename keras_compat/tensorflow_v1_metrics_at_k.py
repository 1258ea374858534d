"""TensorFlow 1's streaming metrics at k (`tf.compat.v1.metrics`):
`precision_at_k`, `recall_at_k`, `precision_at_top_k`, `recall_at_top_k`,
`average_precision_at_k` and the aliases `sparse_precision_at_k`,
`sparse_average_precision_at_k`. Labels are int64 class ids, of shape
[D1, ... DN, num_labels] or [D1, ... DN] (or a SparseTensor); the
predicted classes are the top `k` of the logits (or given, for the
`_top_k` forms), compared as sets along the last axis as TensorFlow's set
operations do. Counts are float64 local variables, with TensorFlow 1's
`metrics_impl` names and formulas."""
import numpy as np
import torch

from . import tensorflow_variables as _variables
from .tensorflow_v1_metrics import _collected, metric_variable


def _tf():
    from . import tensorflow_compat
    return tensorflow_compat


def _scope(name, default):
    """TensorFlow's name scope for a metric: `name` (or `default`) made
    unique ('precision_at_1', then 'precision_at_1_1'); a scope object
    is entered again."""
    if isinstance(name, _variables.VariableScope):
        return _variables.variable_scope(name)
    return _variables.variable_scope(None, name or default)


def _at_k_name(name, k=None, class_id=None):
    name = '%s_at_%d' % (name, k) if k is not None else '%s_at_k' % name
    return name if class_id is None else '%s_class%d' % (name, class_id)


# ------------------------------------------------------------ the inputs
def _rank(x):
    return len(x.shape)


def _shape_text(x):
    dims = [None if d is None else int(d) for d in x.shape]
    return str(tuple(dims))


def _sparse_rows(labels):
    """A SparseTensor's sets as a dense int64 array padded along the last
    axis, and the mask of its entries."""
    shape = [int(d) for d in labels.dense_shape]
    indices = labels.indices.cpu().numpy()
    values = labels.values.cpu().numpy()
    rows = np.ravel_multi_index(tuple(indices[:, :-1].T), shape[:-1]) \
        if len(shape) > 1 else np.zeros(len(indices), np.int64)
    count = int(np.prod(shape[:-1]))
    width = max([int(np.sum(rows == r)) for r in range(count)] + [1])
    dense = np.zeros((count, width), np.int64)
    mask = np.zeros((count, width), bool)
    filled = np.zeros(count, np.int64)
    for row, value in zip(rows.tolist(), values.tolist()):
        dense[row, filled[row]], mask[row, filled[row]] = value, True
        filled[row] += 1
    return (dense.reshape(shape[:-1] + [width]),
            mask.reshape(shape[:-1] + [width]))


def _expanded(labels, predictions_idx):
    """(labels, mask, sparse): dense labels of the rank of
    `predictions_idx` (a last axis of 1 added to [D1, ... DN] labels), and
    the mask of their entries (None: all) for a SparseTensor."""
    tf = _tf()
    if _rank(predictions_idx) < 2:
        raise ValueError('Shape must be at least rank 2 but is rank %d'
                         % _rank(predictions_idx))
    if isinstance(labels, tf.SparseTensor):
        if labels.dtype != tf.int64:
            raise TypeError("Types don't match, <dtype: 'int64'> vs "
                            "<dtype: '%s'>." % labels.dtype.name)
        dense, mask = _sparse_rows(labels)
        if dense.ndim + 1 == _rank(predictions_idx):
            dense, mask = dense[..., None], mask[..., None]
        return tf.constant(dense), tf.constant(mask), True
    labels = tf.convert_to_tensor(labels)
    if labels.dtype != tf.int64:
        raise TypeError("Types don't match, <dtype: 'int64'> vs "
                        "<dtype: '%s'>." % tf.as_dtype(labels.dtype).name)
    if _rank(labels) == _rank(predictions_idx) - 1:
        labels = tf.expand_dims(labels, -1)
    elif _rank(labels) != _rank(predictions_idx):
        raise ValueError(
            'Unexpected labels shape %s for predictions shape %s. '
            'Predictions rank should be the same rank as labels rank or '
            'labels rank plus one .' % (_shape_text(labels),
                                        _shape_text(predictions_idx)))
    _check_leading(labels, predictions_idx)
    return labels, None, False


def _check_leading(labels, predictions_idx):
    for axis, (a, b) in enumerate(zip(list(predictions_idx.shape)[:-1],
                                      list(labels.shape)[:-1])):
        if a is not None and b is not None and int(a) != int(b):
            raise ValueError(
                'Dimension %d in both shapes must be equal, but are %d and '
                '%d.' % (axis, int(a), int(b)))


def _top_k(predictions, k):
    """The indices (int64) of the `k` largest logits of each row."""
    tf = _tf()
    predictions = tf.convert_to_tensor(predictions)
    if k < 0:
        raise ValueError('Dimension size, given by scalar input 1, must be '
                         'non-negative but is %d' % k)
    columns = list(predictions.shape)[-1]
    if columns is not None and int(columns) < k:
        raise ValueError('input must have last dimension >= k = %d but is '
                         '%d' % (k, int(columns)))
    return tf.cast(tf.nn.top_k(predictions, k)[1], tf.int64)


def _weights(weights):
    tf = _tf()
    return None if weights is None else tf.cast(weights, tf.float64)


# ------------------------------------------------------ the set counts
def _firsts(values, mask):
    """Which entries along the last axis are the first of their value
    (among those of `mask`)."""
    same = (values[..., :, None] == values[..., None, :]) & \
        mask[..., None, :]
    size = values.shape[-1]
    earlier = torch.ones(size, size, dtype=torch.bool,
                         device=values.device).tril(-1)
    return mask & ~(same & earlier).any(-1)


def _broadcast_weights(weights, values):
    """`weights` (float64) broadcast to `values` as TensorFlow's
    `assert_broadcastable` allows: a scalar, or the rank of `values` with
    each dimension 1 or equal."""
    from .tensorflow_compat import errors
    weights = weights.to(torch.float64)
    if weights.dim() and (weights.dim() != values.dim() or any(
            w not in (1, v) for w, v in zip(weights.shape, values.shape))):
        raise errors.InvalidArgumentError(
            'assertion failed: [weights can not be broadcast to values.] '
            '[weights.shape=] %s [values.shape=] %s [is_scalar=] [0]'
            % (list(weights.shape), list(values.shape)))
    return weights * torch.ones_like(values)


def _set_counts(kind, class_id):
    """The torch function of the weighted sum over rows of the size of
    `kind` ('tp': predicted & labels, 'fp': predicted - labels, 'fn':
    labels - predicted) of each row's sets."""
    def counts(labels, predicted, mask=None, weights=None):
        from .tensorflow_compat import errors
        labels, predicted = labels.long(), predicted.long()
        if labels.shape[:-1] != predicted.shape[:-1]:
            raise errors.InvalidArgumentError('Mismatched shapes %s vs %s' % (
                list(predicted.shape[:-1]), list(labels.shape[:-1])))
        mask = torch.ones_like(labels, dtype=torch.bool) if mask is None \
            else mask.bool()
        predicted_mask = torch.ones_like(predicted, dtype=torch.bool)
        if class_id is not None:
            mask, predicted_mask = mask & (labels == class_id), \
                predicted == class_id
        label_firsts = _firsts(labels, mask)
        predicted_firsts = _firsts(predicted, predicted_mask)
        found = ((predicted[..., :, None] == labels[..., None, :]) &
                 mask[..., None, :]).any(-1)
        both = (predicted_firsts & found).sum(-1)
        size = {'tp': both, 'fp': predicted_firsts.sum(-1) - both,
                'fn': label_firsts.sum(-1) - both}[kind].to(torch.float64)
        if weights is not None:
            size = size * _broadcast_weights(weights, size)
        return size.sum()
    counts.__name__ = '%s_at_k' % kind
    return counts


def _running_count(kind, labels, predictions_idx, mask, k, class_id,
                   weights):
    """(variable, update) of the running weighted count `kind` at k."""
    tf = _tf()
    names = {'tp': 'true_positive', 'fp': 'false_positive',
             'fn': 'false_negative'}
    inputs = [labels, predictions_idx]
    if mask is not None or weights is not None:
        inputs.append(mask if mask is not None
                      else tf.ones_like(labels, dtype=tf.bool))
    if weights is not None:
        inputs.append(weights)
    batch = tf._op(_set_counts(kind, class_id), '%s_at_k' % kind)(*inputs)
    variable = metric_variable([], 'float64',
                               _at_k_name(names[kind], k, class_id))
    return variable, tf.compat.v1.assign_add(variable, batch)


def _ratio_at_top_k(labels, predictions_idx, k, class_id, weights, other,
                    name, default, collections):
    tf = _tf()
    with _scope(name, _at_k_name(default, k, class_id)):
        predictions_idx = tf.cast(predictions_idx, tf.int64)
        labels, mask, _ = _expanded(labels, predictions_idx)
        weights = _weights(weights)
        tp, tp_update = _running_count('tp', labels, predictions_idx, mask,
                                       k, class_id, weights)
        miss, miss_update = _running_count(other, labels, predictions_idx,
                                           mask, k, class_id, weights)
        return _collected(tp / (tp + miss),
                          tp_update / (tp_update + miss_update),
                          *collections)


# ----------------------------------------------------------- the metrics
def precision_at_top_k(labels, predictions_idx, k=None, class_id=None,
                       weights=None, metrics_collections=None,
                       updates_collections=None, name=None):
    """The running precision of the predicted classes `predictions_idx`
    ([D1, ... DN, k]): true positives / (true positives + false
    positives), float64 (NaN while nothing is counted); `class_id`
    restricts both to that class."""
    return _ratio_at_top_k(labels, predictions_idx, k, class_id, weights,
                           'fp', name, 'precision',
                           (metrics_collections, updates_collections))


def recall_at_top_k(labels, predictions_idx, k=None, class_id=None,
                    weights=None, metrics_collections=None,
                    updates_collections=None, name=None):
    """The running recall of the predicted classes `predictions_idx`:
    true positives / (true positives + false negatives), float64 (NaN
    while nothing is counted); labels outside the classes count as false
    negatives."""
    return _ratio_at_top_k(labels, predictions_idx, k, class_id, weights,
                           'fn', name, 'recall',
                           (metrics_collections, updates_collections))


def precision_at_k(labels, predictions, k, class_id=None, weights=None,
                   metrics_collections=None, updates_collections=None,
                   name=None):
    """`precision_at_top_k` of the top `k` classes of the logits
    `predictions` ([D1, ... DN, num_classes])."""
    with _scope(name, _at_k_name('precision', k,
                                                    class_id)) as scope:
        return precision_at_top_k(
            labels, _top_k(predictions, k), k, class_id, weights,
            metrics_collections, updates_collections, scope)


def recall_at_k(labels, predictions, k, class_id=None, weights=None,
                metrics_collections=None, updates_collections=None,
                name=None):
    """`recall_at_top_k` of the top `k` classes of the logits
    `predictions` ([D1, ... DN, num_classes])."""
    with _scope(name, _at_k_name('recall', k,
                                                    class_id)) as scope:
        return recall_at_top_k(
            labels, _top_k(predictions, k), k, class_id, weights,
            metrics_collections, updates_collections, scope)


def sparse_precision_at_k(labels, predictions, k, class_id=None,
                          weights=None, metrics_collections=None,
                          updates_collections=None, name=None):
    """The former name of `precision_at_k`."""
    return precision_at_k(labels, predictions, k, class_id, weights,
                          metrics_collections, updates_collections, name)


# ------------------------------------------------- average precision at k
def _average_precision(k, sparse):
    """The torch function of the average precision at k of each row:
    the sum of the precisions at the ranks of the relevant predictions
    over min(k, number of labels) (NaN for a row without labels)."""
    def average_precision(labels, predicted, mask, num_classes):
        labels, mask = labels.long(), mask.bool()
        labels = torch.where(labels >= num_classes,
                             torch.full_like(labels, -1), labels)
        relevant = ((predicted.long()[..., :, None] == labels[..., None, :])
                    & mask[..., None, :]).any(-1).to(torch.float64)
        ranks = torch.arange(1, relevant.shape[-1] + 1, dtype=torch.float64,
                             device=relevant.device)
        precisions = torch.cumsum(relevant, -1) / ranks * relevant
        counted = _firsts(labels, mask) if sparse else mask & (labels >= 0)
        number = torch.clamp(counted.sum(-1), max=k).to(torch.float64)
        return precisions.sum(-1) / number
    return average_precision


def _weighted_total():
    """The torch function of (sum of the weighted values, sum of the
    weights broadcast to them)."""
    def total(values, weights=None):
        if weights is None:
            return torch.stack([values.sum(), torch.tensor(
                float(values.numel()), dtype=torch.float64,
                device=values.device)])
        weights = _broadcast_weights(weights, values)
        return torch.stack([(values * weights).sum(), weights.sum()])
    return total


def average_precision_at_k(labels, predictions, k, weights=None,
                           metrics_collections=None,
                           updates_collections=None, name=None):
    """The running mean (weighted per row) of the average precision at
    `k` of the top `k` classes of the logits `predictions`; labels
    outside [0, num_classes) are not relevant, and a row without relevant
    labels makes it NaN. 0 while nothing is counted."""
    tf = _tf()
    if k < 1:
        raise ValueError('Invalid k=%s. `k` should be >= 1.' % k)
    with _scope(name, _at_k_name('average_precision',
                                                    k)):
        predictions = tf.convert_to_tensor(predictions)
        predictions_idx = _top_k(predictions, k)
        labels, mask, sparse = _expanded(labels, predictions_idx)
        if mask is None:
            mask = tf.ones_like(labels, dtype=tf.bool)
        num_classes = tf.cast(tf.shape(predictions)[-1], tf.int64)
        rows = tf._op(_average_precision(k, sparse), 'average_precision')(
            labels, predictions_idx, mask, num_classes)
        weights = _weights(weights)
        inputs = [rows] if weights is None else [rows, weights]
        batch = tf._op(_weighted_total(), 'weighted_total')(*inputs)
        largest = metric_variable([], 'float64', 'max_1')
        max_update = tf.compat.v1.assign_add(largest, batch[1])
        total = metric_variable([], 'float64', 'total')
        total_update = tf.compat.v1.assign_add(total, batch[0])
        divide = tf.math.divide_no_nan
        return _collected(divide(total, largest),
                          divide(total_update, max_update),
                          metrics_collections, updates_collections)


def sparse_average_precision_at_k(labels, predictions, k, weights=None,
                                  metrics_collections=None,
                                  updates_collections=None, name=None):
    """The former name of `average_precision_at_k`."""
    return average_precision_at_k(labels, predictions, k, weights,
                                  metrics_collections, updates_collections,
                                  name)


NAMES = ('precision_at_k', 'recall_at_k', 'precision_at_top_k',
         'recall_at_top_k', 'average_precision_at_k', 'sparse_precision_at_k',
         'sparse_average_precision_at_k')
