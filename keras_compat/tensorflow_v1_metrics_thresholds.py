"""More of TensorFlow 1's streaming metrics (`tf.compat.v1.metrics`):
the counts at thresholds (`true_positives_at_thresholds`, ...,
`precision_at_thresholds`, `recall_at_thresholds`),
`sensitivity_at_specificity`, `specificity_at_sensitivity`,
`mean_per_class_accuracy`, `mean_tensor`, `percentage_below`,
`mean_relative_error`, `mean_cosine_distance`, `true_negatives`. Each
returns `(value, update_op)` over local variables, with TensorFlow 1's
`metrics_impl` formulas."""
from . import tensorflow_variables as _variables
from .tensorflow_v1_metrics import (_collected, _count, _float, _squeezed,
                                    _thresholds, _booleans,
                                    _confusion_at_thresholds, mean,
                                    metric_variable)

_EPSILON = 1e-7
_KINDS = ('tp', 'fn', 'tn', 'fp')


def _tf():
    from . import tensorflow_compat
    return tensorflow_compat


# ----------------------------------------------------------- at thresholds
def _counts_at_thresholds(labels, predictions, thresholds, weights, kinds):
    """{kind: (variable, update)} of the running weighted counts (tp, fn,
    tn, fp) at each threshold (predictions above it are positive)."""
    tf = _tf()
    batch = dict(zip(_KINDS, _confusion_at_thresholds(
        labels, predictions, list(thresholds), weights)))
    names = {'tp': 'true_positives', 'fn': 'false_negatives',
             'tn': 'true_negatives', 'fp': 'false_positives'}
    counts = {}
    for kind in kinds:
        variable = metric_variable([len(thresholds)], 'float32', names[kind])
        counts[kind] = (variable, tf.compat.v1.assign_add(variable,
                                                          batch[kind]))
    return counts


def _count_at_thresholds(kind, default):
    scope = default.replace('_at_thresholds', '')

    def metric(labels, predictions, thresholds, weights=None,
               metrics_collections=None, updates_collections=None,
               name=None):
        with _variables.variable_scope(name, scope):
            variable, update = _counts_at_thresholds(
                labels, predictions, thresholds, weights, (kind,))[kind]
            return _collected(variable, update, metrics_collections,
                              updates_collections)
    metric.__name__ = default
    metric.__doc__ = ('The running weighted count of %s at each threshold '
                      '(`tf.metrics.%s`).' % (scope.replace('_', ' '),
                                              default))
    return metric


true_positives_at_thresholds = _count_at_thresholds(
    'tp', 'true_positives_at_thresholds')
false_positives_at_thresholds = _count_at_thresholds(
    'fp', 'false_positives_at_thresholds')
true_negatives_at_thresholds = _count_at_thresholds(
    'tn', 'true_negatives_at_thresholds')
false_negatives_at_thresholds = _count_at_thresholds(
    'fn', 'false_negatives_at_thresholds')


def _ratio_at_thresholds(labels, predictions, thresholds, weights, other,
                         name, default, collections):
    with _variables.variable_scope(name, default):
        counts = _counts_at_thresholds(labels, predictions, thresholds,
                                       weights, ('tp', other))
        (tp, tp_update), (miss, miss_update) = counts['tp'], counts[other]
        return _collected(tp / (_EPSILON + tp + miss),
                          tp_update / (_EPSILON + tp_update + miss_update),
                          *collections)


def precision_at_thresholds(labels, predictions, thresholds, weights=None,
                            metrics_collections=None,
                            updates_collections=None, name=None):
    """tp / (1e-7 + tp + fp) at each threshold, running."""
    return _ratio_at_thresholds(labels, predictions, thresholds, weights,
                                'fp', name, 'precision_at_thresholds',
                                (metrics_collections, updates_collections))


def recall_at_thresholds(labels, predictions, thresholds, weights=None,
                         metrics_collections=None, updates_collections=None,
                         name=None):
    """tp / (1e-7 + tp + fn) at each threshold, running."""
    return _ratio_at_thresholds(labels, predictions, thresholds, weights,
                                'fn', name, 'recall_at_thresholds',
                                (metrics_collections, updates_collections))


def _check_rate(value, what):
    if value < 0 or value > 1:
        raise ValueError('`%s` must be in the range [0, 1]. Currently, '
                         '`%s` is %s.' % (what, what, value))


def _sensitivity_at(tp, tn, fp, fn, specificity):
    tf = _tf()
    specificities = tn / (tn + fp + _EPSILON)
    index = tf.argmin(tf.abs(specificities - specificity), 0)
    return tf.gather(tp, index) / (tf.gather(tp, index) +
                                   tf.gather(fn, index) + _EPSILON)


def _specificity_at(tp, tn, fp, fn, sensitivity):
    tf = _tf()
    distance = tf.abs(tp / (tp + fn + _EPSILON) - sensitivity)
    at_minimum = tf.cast(tf.equal(distance, tf.reduce_min(distance)),
                         tf.int64)
    index = tf.argmax(tf.cumsum(at_minimum), 0)
    return tf.gather(tn, index) / (tf.gather(tn, index) +
                                   tf.gather(fp, index) + _EPSILON)


def _at_rate(labels, predictions, rate, weights, num_thresholds, compute,
             name, default, collections):
    with _variables.variable_scope(name, default):
        counts = _counts_at_thresholds(labels, predictions,
                                       _thresholds(num_thresholds), weights,
                                       ('tp', 'tn', 'fp', 'fn'))
        values = [counts[k][0] for k in ('tp', 'tn', 'fp', 'fn')]
        updates = [counts[k][1] for k in ('tp', 'tn', 'fp', 'fn')]
        return _collected(compute(*values, rate), compute(*updates, rate),
                          *collections)


def sensitivity_at_specificity(labels, predictions, specificity,
                               weights=None, num_thresholds=200,
                               metrics_collections=None,
                               updates_collections=None, name=None):
    """The running recall at the threshold whose specificity is closest
    to `specificity` (the first such of `num_thresholds`)."""
    _check_rate(specificity, 'specificity')
    return _at_rate(labels, predictions, specificity, weights,
                    num_thresholds, _sensitivity_at, name,
                    'sensitivity_at_specificity',
                    (metrics_collections, updates_collections))


def specificity_at_sensitivity(labels, predictions, sensitivity,
                               weights=None, num_thresholds=200,
                               metrics_collections=None,
                               updates_collections=None, name=None):
    """The running specificity at the threshold whose sensitivity is
    closest to `sensitivity` (the last such of `num_thresholds`)."""
    _check_rate(sensitivity, 'sensitivity')
    return _at_rate(labels, predictions, sensitivity, weights,
                    num_thresholds, _specificity_at, name,
                    'specificity_at_sensitivity',
                    (metrics_collections, updates_collections))


# ------------------------------------------------------------ the others
def true_negatives(labels, predictions, weights=None,
                   metrics_collections=None, updates_collections=None,
                   name=None):
    """The running count of entries false in both (cast to bool)."""
    tf = _tf()
    labels, predictions = _booleans(labels, predictions)
    value, update = _count(
        tf.logical_and(tf.logical_not(labels), tf.logical_not(predictions)),
        weights, name or 'true_negatives')
    return _collected(value, update, metrics_collections,
                      updates_collections)


def mean_per_class_accuracy(labels, predictions, num_classes, weights=None,
                            metrics_collections=None,
                            updates_collections=None, name=None):
    """The mean over classes of the running accuracy of each class;
    `update_op` gives the accuracies of the classes."""
    tf = _tf()
    with _variables.variable_scope(name, 'mean_accuracy'):
        labels = tf.cast(tf.reshape(labels, [-1]), tf.int64)
        predictions = tf.reshape(predictions, [-1])
        if predictions.dtype != labels.dtype:
            predictions = tf.cast(predictions, labels.dtype)
        total = metric_variable([num_classes], 'float32', 'total')
        count = metric_variable([num_classes], 'float32', 'count')
        rows = tf.one_hot(labels, num_classes, dtype=tf.float32)
        correct = tf.cast(tf.equal(predictions, labels), tf.float32)
        ones = tf.ones_like(correct)
        if weights is not None:
            weights = tf.reshape(_float(weights), [-1])
            correct, ones = correct * weights, ones * weights
        update_total = tf.compat.v1.assign_add(
            total, tf.reduce_sum(rows * tf.reshape(ones, [-1, 1]), 0))
        update_count = tf.compat.v1.assign_add(
            count, tf.reduce_sum(rows * tf.reshape(correct, [-1, 1]), 0))
        divide = tf.math.divide_no_nan
        return _collected(tf.reduce_mean(divide(count, total)),
                          divide(update_count, update_total),
                          metrics_collections, updates_collections)


def mean_tensor(values, weights=None, metrics_collections=None,
                updates_collections=None, name=None):
    """The running (weighted) mean of each element of `values`."""
    tf = _tf()
    with _variables.variable_scope(name, 'mean'):
        values = _float(values)
        shape = [int(d) for d in values.shape]
        total = metric_variable(shape, 'float32', 'total_tensor')
        count = metric_variable(shape, 'float32', 'count_tensor')
        counted = tf.ones_like(values)
        if weights is not None:
            weights = _float(weights) * counted
            values, counted = values * weights, counted * weights
        update_total = tf.compat.v1.assign_add(total, values)
        update_count = tf.compat.v1.assign_add(count, counted)
        divide = tf.math.divide_no_nan
        return _collected(divide(total, tf.maximum(count, 0.)),
                          divide(update_total, tf.maximum(update_count, 0.)),
                          metrics_collections, updates_collections)


def percentage_below(values, threshold, weights=None,
                     metrics_collections=None, updates_collections=None,
                     name=None):
    """The running (weighted) fraction of `values` below `threshold`."""
    tf = _tf()
    below = tf.cast(_float(values) < threshold, tf.float32)
    return mean(below, weights, metrics_collections, updates_collections,
                name or 'percentage_below_threshold')


def mean_relative_error(labels, predictions, normalizer, weights=None,
                        metrics_collections=None, updates_collections=None,
                        name=None):
    """The running mean of |labels - predictions| / normalizer (0 where
    the normalizer is 0)."""
    tf = _tf()
    predictions, labels = _squeezed(_float(predictions), _float(labels))
    predictions, normalizer = _squeezed(predictions, _float(normalizer))
    errors = tf.where(tf.equal(normalizer, 0.), tf.zeros_like(labels),
                      tf.abs(labels - predictions) / normalizer)
    return mean(errors, weights, metrics_collections, updates_collections,
                name or 'mean_relative_error')


def mean_cosine_distance(labels, predictions, dim, weights=None,
                         metrics_collections=None, updates_collections=None,
                         name=None):
    """1 - the running mean of the dot products along `dim` (the inputs
    unit-normalized)."""
    tf = _tf()
    predictions, labels = _squeezed(_float(predictions), _float(labels))
    products = tf.reduce_sum(predictions * labels, axis=[dim],
                             keepdims=True)
    value, update = mean(products, weights, name=name or
                         'mean_cosine_distance')
    return _collected(1 - value, 1 - update, metrics_collections,
                      updates_collections)


NAMES = ('true_positives_at_thresholds', 'false_positives_at_thresholds',
         'true_negatives_at_thresholds', 'false_negatives_at_thresholds',
         'precision_at_thresholds', 'recall_at_thresholds',
         'sensitivity_at_specificity', 'specificity_at_sensitivity',
         'true_negatives', 'mean_per_class_accuracy', 'mean_tensor',
         'percentage_below', 'mean_relative_error', 'mean_cosine_distance')
