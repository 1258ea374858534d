"""TensorFlow 1's streaming metrics (`tf.metrics.*`, `tf.compat.v1.metrics.*`):
`(value, update_op)` pairs backed by local variables that each run of the
update accumulates into and that `tf.local_variables_initializer()` and
`tf.variables_initializer(local_vars)` reset. Reference values come from
TensorFlow 2.21 with `tf.compat.v1.disable_eager_execution()`."""
import numpy as np
import pytest

from keras_compat import metrics as keras_metrics
from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common

v1 = tf.compat.v1
FEEDS = [dict(l=[1, 0, 1, 0], p=[0.9, 0.3, 0.2, 0.0], w=[1, 2, 0.5, 1],
              il=[0, 1, 2, 2], ip=[0, 1, 1, 2]),
         dict(l=[0, 1, 1], p=[0.6, 0.7, 0.0], w=[0.5, 1, 1],
              il=[1, 1, 0], ip=[1, 0, 0])]


def _close(actual, expected):
    np.testing.assert_allclose(np.asarray(actual, 'float64'), expected,
                               atol=1e-5)


def test_accuracy_mean_and_mse_accumulate_and_reset(graph_mode):
    labels = v1.placeholder(tf.float32, [None])
    preds = v1.placeholder(tf.float32, [None])
    acc, acc_up = tf.metrics.accuracy(labels, preds)
    mean, mean_up = v1.metrics.mean(preds)
    mse, mse_up = v1.metrics.mean_squared_error(labels, preds)
    names = [v.name for v in v1.local_variables()]
    assert any(n.startswith('accuracy') and n.endswith('/total:0')
               for n in names)
    with v1.Session() as sess:
        sess.run(v1.local_variables_initializer())
        # TF 2.21 (graph mode): 0.0; [0.6667, 1.0, 0.3333]; 0.6;
        # [0.6, 1.0, 0.3333]; zeros after re-initialisation.
        _close(sess.run(acc), 0.)
        _close(sess.run([acc_up, mean_up, mse_up],
                        {labels: [1, 0, 1], preds: [1, 1, 1]}),
               [2 / 3., 1., 1 / 3.])
        _close(sess.run(acc_up, {labels: [1, 0], preds: [0, 0]}), 0.6)
        _close(sess.run([acc, mean, mse]), [0.6, 1., 1 / 3.])
        sess.run(v1.local_variables_initializer())
        _close(sess.run([acc, mean, mse]), [0., 0., 0.])


def test_auc_precision_recall_counts_errors_and_mean_iou(graph_mode):
    l = v1.placeholder(tf.float32, [None])
    p = v1.placeholder(tf.float32, [None])
    w = v1.placeholder(tf.float32, [None])
    il = v1.placeholder(tf.int32, [None])
    ip = v1.placeholder(tf.int32, [None])
    pairs = [v1.metrics.auc(l, p),
             v1.metrics.auc(l, p, curve='PR', summation_method='minoring',
                            num_thresholds=10),
             v1.metrics.precision(labels=l, predictions=p),
             v1.metrics.recall(l, p, weights=w),
             v1.metrics.true_positives(l, p),
             v1.metrics.false_positives(l, p),
             v1.metrics.mean_absolute_error(l, p, w),
             v1.metrics.root_mean_squared_error(l, p),
             v1.metrics.accuracy(l, p, weights=w, name='acc_w')]
    miou, miou_up = v1.metrics.mean_iou(il, ip, 3)
    values = [v for v, _ in pairs] + [miou]
    updates = [u for _, u in pairs]
    running = v1.get_collection(v1.GraphKeys.LOCAL_VARIABLES, scope='acc_w')
    assert [v.name for v in running] == ['acc_w/total:0', 'acc_w/count:0']
    reset = v1.variables_initializer(var_list=running)
    # TF 2.21 (graph mode), after each of the two batches:
    expected = [
        ([0.75, 0.75, 0.66667, 1.0, 2.0, 1.0, 0.24444, 0.43012, 0.22222],
         [[1, 0, 0], [0, 1, 0], [0, 1, 1]]),
        ([0.625, 0.76786, 0.6, 0.71429, 3.0, 2.0, 0.38571, 0.55934,
          0.14286], [[2, 0, 0], [1, 2, 0], [0, 1, 1]])]
    with v1.Session() as sess:
        sess.run(v1.local_variables_initializer())
        for feed, (scalars, matrix) in zip(FEEDS, expected):
            fd = {l: feed['l'], p: feed['p'], w: feed['w'],
                  il: feed['il'], ip: feed['ip']}
            _close(sess.run(updates, fd), scalars)
            _close(sess.run(miou_up, fd), matrix)
        final = expected[1][0] + [0.55556]
        _close(sess.run(values), final)
        sess.run(reset)  # only the 'acc_w' variables
        _close(sess.run(values), final[:8] + [0.0, 0.55556])
        sess.run(v1.local_variables_initializer())
        _close(sess.run(values), [0.0] * 10)
        second = FEEDS[1]
        _close(sess.run(updates, {l: second['l'], p: second['p'],
                                  w: second['w']}),
               [0.5, 0.75, 0.5, 0.5, 1.0, 1.0, 0.64, 0.69522, 0.0])


def test_eager_calls_keep_keras_metrics_and_refuse_streaming_forms():
    common.set_executing_eagerly(True)
    previous = common._API_FLAVOUR
    common.set_api_flavour('tf.keras')
    try:
        # TF 2.21: RuntimeError with this message in eager mode.
        with pytest.raises(RuntimeError, match='tf.metrics.accuracy is not '
                           'supported when eager execution is enabled'):
            v1.metrics.accuracy(labels=[1., 2.], predictions=[1., 3.])
        # Keras 2's per-sample accuracy for positional eager calls.
        _close(tf.metrics.accuracy(np.array([1., 2.]), np.array([1., 3.])),
               [1., 0.])
        assert tf.metrics.Mean is keras_metrics.Mean
        assert keras_metrics.accuracy is not tf.metrics.accuracy
    finally:
        common.set_api_flavour(previous)
