"""TensorFlow 1's streaming metrics at k (`tf.compat.v1.metrics.
precision_at_k`, `recall_at_k`, `precision_at_top_k`, `recall_at_top_k`,
`average_precision_at_k`, `sparse_precision_at_k`,
`sparse_average_precision_at_k`). Reference values come from TensorFlow
2.21 with `tf.compat.v1.disable_eager_execution()`."""
import numpy as np
import pytest

from keras_compat import tensorflow_compat as tf

v1 = tf.compat.v1
P1 = np.array([[0.1, 0.5, 0.3, 0.05], [0.7, 0.1, 0.15, 0.05],
               [0.2, 0.2, 0.5, 0.1], [0.05, 0.05, 0.1, 0.8]], 'float32')
P2 = np.array([[0.4, 0.3, 0.2, 0.1], [0.1, 0.2, 0.3, 0.4],
               [0.25, 0.35, 0.3, 0.1]], 'float32')
W1, W2 = [1., 2., 0.5, 1.], [0.5, 1., 3.]
# Class ids out of [0, 4): 5, -1, 7, 9.
SINGLE = [(np.array([1, 2, 5, -1], 'int64'), P1, W1),
          (np.array([0, 3, 2], 'int64'), P2, W2)]
MULTI = [(np.array([[1, 2], [0, 0], [7, 2], [-1, 3]], 'int64'), P1, W1),
         (np.array([[0, 1], [3, 3], [1, 9]], 'int64'), P2, W2)]


def _run(make, feeds, weighted=True):
    """The metric's value before any update, after each update (over the
    placeholders' batches) and at the end, and its local variables."""
    labels = v1.placeholder(tf.int64, [None] + list(feeds[0][0].shape[1:]))
    logits = v1.placeholder(tf.float32, [None, 4])
    weights = v1.placeholder(tf.float32, [None])
    before = len(v1.local_variables())
    value, update = make(labels, logits, weights if weighted else None)
    created = v1.local_variables()[before:]
    with v1.Session() as sess:
        sess.run(v1.local_variables_initializer())
        results = [sess.run(value)]
        for batch_labels, batch_logits, batch_weights in feeds:
            results.append(sess.run(update, {labels: batch_labels,
                                             logits: batch_logits,
                                             weights: batch_weights}))
        results.append(sess.run(value))
        counts = sess.run(created)
    return (np.asarray(results, 'float64'), np.asarray(counts, 'float64'),
            [v.name for v in created])


def _same(actual, expected):
    np.testing.assert_array_equal(actual, np.asarray(expected, 'float64'))


# (metric, k, class_id, feeds, weighted): [before, update 1, update 2,
# value], the variables' values, their names -- TF 2.21.
CASES = [
    (v1.metrics.precision_at_k, 2, None, SINGLE, True,
     [np.nan, 1 / 3., 0.4166666666666667, 0.4166666666666667], [7.5, 10.5],
     ['precision_at_2/true_positive_at_2:0',
      'precision_at_2/false_positive_at_2:0']),
    (v1.metrics.recall_at_k, 2, None, SINGLE, True,
     [np.nan, 2 / 3., 0.8333333333333334, 0.8333333333333334], [7.5, 1.5],
     ['recall_at_2/true_positive_at_2:0',
      'recall_at_2/false_negative_at_2:0']),
    (v1.metrics.precision_at_k, 2, None, MULTI, True,
     [np.nan, 0.6111111111111112, 0.5833333333333334, 0.5833333333333334],
     [10.5, 7.5], None),
    (v1.metrics.recall_at_k, 2, None, MULTI, True,
     [np.nan, 0.7857142857142857, 0.7, 0.7], [10.5, 4.5], None),
    (v1.metrics.precision_at_k, 2, 2, MULTI, True,
     [np.nan, 1 / 3., 0.17647058823529413, 0.17647058823529413], [1.5, 7.],
     ['precision_at_2_class2/true_positive_at_2_class2:0',
      'precision_at_2_class2/false_positive_at_2_class2:0']),
    (v1.metrics.recall_at_k, 2, 2, MULTI, True,
     [np.nan, 1., 1., 1.], [1.5, 0.], None),
    (v1.metrics.recall_at_k, 3, 0, MULTI, False,
     [np.nan, 1., 1., 1.], [2., 0.],
     ['recall_at_3_class0/true_positive_at_3_class0:0',
      'recall_at_3_class0/false_negative_at_3_class0:0']),
    (v1.metrics.recall_at_k, 1, None, MULTI, False,
     [np.nan, 0.5714285714285714, 0.5833333333333334, 0.5833333333333334],
     [7., 5.], None),
]


@pytest.mark.parametrize('case', range(len(CASES)))
def test_precision_and_recall_at_k_accumulate(graph_mode, case):
    metric, k, class_id, feeds, weighted, values, counts, names = \
        CASES[case]
    results, variables, created = _run(
        lambda l, p, w: metric(l, p, k, class_id=class_id, weights=w),
        feeds, weighted)
    assert results.dtype == np.float64
    _same(results, values)
    _same(variables, counts)
    if names:
        assert created == names


def test_average_precision_at_k(graph_mode):
    # TF 2.21: 0 before any update; a row whose labels are all out of
    # [0, num_classes) makes it NaN; variables 'max_1' and 'total'.
    results, variables, names = _run(
        lambda l, p, w: v1.metrics.average_precision_at_k(l, p, 2,
                                                          weights=w), MULTI)
    _same(results, [0., 0.7777777777777778, 0.8333333333333334,
                    0.8333333333333334])
    _same(variables, [9., 7.5])
    assert names == ['average_precision_at_2/max_1:0',
                     'average_precision_at_2/total:0']
    results, variables, _ = _run(
        lambda l, p, w: v1.metrics.sparse_average_precision_at_k(l, p, 3),
        MULTI, weighted=False)
    _same(results, [0., 0.875, 0.8571428571428571, 0.8571428571428571])
    _same(variables, [7., 6.])
    results, variables, _ = _run(
        lambda l, p, w: v1.metrics.average_precision_at_k(l, p, 2,
                                                          weights=w), SINGLE)
    _same(results, [0., np.nan, np.nan, np.nan])
    _same(variables, [9., np.nan])


def _once(pair):
    with v1.Session() as sess:
        sess.run(v1.local_variables_initializer())
        return [sess.run(pair[1]), sess.run(pair[1]), sess.run(pair[0])]


def test_sparse_labels_and_top_k_indices(graph_mode):
    m = v1.metrics
    labels = tf.SparseTensor(
        [[0, 0], [0, 1], [0, 2], [1, 0], [2, 1], [3, 0], [3, 1]],
        np.array([1, 3, 1, 0, 9, -1, 3], 'int64'), [4, 3])
    # TF 2.21 (each update run twice, then the value).
    _same(_once(m.precision_at_k(labels, P1, 2)), [0.375] * 3)
    _same(_once(m.recall_at_k(labels, P1, 3)), [0.5] * 3)
    _same(_once(m.recall_at_k(labels, P1, 1, class_id=3)), [0.5] * 3)
    _same(_once(m.average_precision_at_k(labels, P1, 1,
                                         weights=[1., 2., 3., 4.])),
          [0.7] * 3)
    _same(_once(m.precision_at_k(labels, P1, 3, class_id=1,
                                 weights=np.array([1., 2., 3., 4.]))),
          [1 / 6.] * 3)
    dense = np.array([[1, 2], [0, 0], [7, 2], [-1, 3]], 'int64')
    top = tf.constant(np.array([[1, 1], [0, 2], [7, 2], [3, -1]], 'int64'))
    _same(_once(m.precision_at_top_k(dense, top)), [6 / 7.] * 3)
    _same(_once(m.recall_at_top_k(dense, tf.cast(top, tf.int32), k=2)),
          [6 / 7.] * 3)
    _same(_once(m.precision_at_top_k(dense, top, class_id=7,
                                     weights=[1., 2., 3., 4.])), [1.] * 3)
    _same(_once(m.sparse_precision_at_k(dense, P1, 2, weights=[2.])),
          [0.625] * 3)
    # Nothing counted: NaN (0 / 0), as for a k of 0.
    _same(_once(m.recall_at_k(dense, P1, 2, class_id=9)), [np.nan] * 3)
    _same(_once(m.precision_at_k(dense, P1, 0)), [np.nan] * 3)


def test_scope_names(graph_mode):
    m = v1.metrics
    labels = np.array([[1, 2], [0, 0]], 'int64')
    top = tf.constant(np.array([[1, 3], [0, 2]], 'int64'))

    def names(make):
        before = len(v1.local_variables())
        make()
        return [v.name for v in v1.local_variables()[before:]]
    # TF 2.21: a name (or the default) is made unique, as name scopes are.
    assert names(lambda: m.precision_at_k(labels, P1[:2], 2, name='foo')) \
        == ['foo/true_positive_at_2:0', 'foo/false_positive_at_2:0']
    assert names(lambda: m.precision_at_k(labels, P1[:2], 2, name='foo')) \
        == ['foo_1/true_positive_at_2:0', 'foo_1/false_positive_at_2:0']
    assert names(lambda: m.recall_at_top_k(labels, top)) == [
        'recall_at_k/true_positive_at_k:0',
        'recall_at_k/false_negative_at_k:0']
    assert names(lambda: m.recall_at_top_k(labels, top, class_id=7)) == [
        'recall_at_k_class7/true_positive_at_k_class7:0',
        'recall_at_k_class7/false_negative_at_k_class7:0']
    assert names(lambda: m.average_precision_at_k(labels, P1[:2], 2,
                                                  name='bar')) == [
        'bar/max_1:0', 'bar/total:0']


def test_errors(graph_mode):
    m = v1.metrics
    labels = np.array([[1, 2], [0, 0], [7, 2], [-1, 3]], 'int64')
    # TF 2.21's messages (their beginnings).
    with pytest.raises(ValueError, match='must be non-negative but is -1'):
        m.precision_at_k(labels, P1, -1)
    with pytest.raises(ValueError, match='last dimension >= k = 5 but is 4'):
        m.recall_at_k(labels, P1, 5)
    with pytest.raises(ValueError, match=r'Invalid k=0. `k` should be >= 1'):
        m.average_precision_at_k(labels, P1, 0)
    with pytest.raises(ValueError, match=r'Unexpected labels shape '
                       r'\(4, 2, 1\) for predictions shape \(4, 2\)'):
        m.precision_at_k(labels[:, :, None], P1, 2)
    with pytest.raises(TypeError, match="Types don't match, <dtype: "
                       "'int64'> vs <dtype: 'int32'>"):
        m.precision_at_k(labels.astype('int32'), P1, 2)
    with pytest.raises(ValueError, match='Dimension 0 in both shapes must '
                       'be equal, but are 4 and 3'):
        m.precision_at_k(labels[:3], P1, 2)
    with pytest.raises(ValueError, match='at least rank 2 but is rank 1'):
        m.precision_at_k(labels[:, 0], P1[:, 0], 1)
    # (TensorFlow raises it when the update runs; here as soon as the
    # shapes show it.)
    weights = v1.placeholder(tf.float32, [None, 1])
    for make in (m.precision_at_k, m.average_precision_at_k):
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match='weights can not be broadcast'):
            pair = make(labels, P1, 2, weights=weights)
            with v1.Session() as sess:
                sess.run(v1.local_variables_initializer())
                sess.run(pair[1], {weights: np.ones((4, 1))})


def test_eager_execution_is_refused():
    with pytest.raises(RuntimeError, match='not supported when eager'):
        tf.compat.v1.metrics.precision_at_k(
            np.array([1], 'int64'), P1[:1], 1)
