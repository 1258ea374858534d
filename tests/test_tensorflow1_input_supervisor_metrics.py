"""TensorFlow 1 programs using `tf.train.limit_epochs`, the conditional
batching functions (`tf.train.maybe_batch`, ...), the epoch counters of
the input producers, `tf.train.Supervisor` and the streaming metrics at
thresholds and of tensors (`tf.compat.v1.metrics`). Expected values come
from TensorFlow 2.21's `tf.compat.v1` running the same programs."""
import glob
import os

import numpy as np
import pytest

from keras_compat import tensorflow_compat as tf


# The queue tests' autouse graph fixture and their run-until-the-end helper.
from test_tensorflow1_queue_pipelines import _drain, graph_mode  # noqa: F401,E402


# --------------------------------------------------------- limit_epochs
def test_limit_epochs_counts_runs_in_a_local_variable():
    x = tf.constant([1., 2., 3.])
    limited = tf.train.limit_epochs(x, num_epochs=2, name='lim')
    words = tf.train.limit_epochs(tf.constant(['a', 'b']), 3)
    ph = tf.placeholder(tf.float32, [None])
    doubled = tf.train.limit_epochs(ph * 2, 2)
    assert tf.train.limit_epochs(x, None) is x
    # TF 2.21: one int64 local variable 'epochs' in the op's scope.
    assert [v.name for v in tf.local_variables()] == [
        'lim/epochs:0', 'limit_epochs/epochs:0', 'limit_epochs_1/epochs:0']
    with pytest.raises(ValueError, match='num_epochs must be > 0 not 0.'):
        tf.train.limit_epochs(x, 0)
    with tf.Session() as sess:
        # TF 2.21: NotFoundError before the local variables' initializer.
        with pytest.raises(tf.errors.NotFoundError, match=(
                r'Container localhost does not exist. \(Could not find '
                r'resource: localhost/lim/epochs\)')):
            sess.run(limited)
        sess.run(tf.local_variables_initializer())
        runs = _drain(sess, limited)
        assert [list(r) for r in runs[:2]] == [[1, 2, 3], [1, 2, 3]]
        assert runs[2] == 'end'
        assert [list(r) for r in _drain(sess, words)[:3]] == \
            [[b'a', b'b']] * 3
        with pytest.raises(tf.errors.OutOfRangeError,
                           match='Reached limit of 3'):
            sess.run(words)
        runs = [sess.run(doubled, {ph: [1., 2.]}) for _ in range(2)]
        assert [list(r) for r in runs] == [[2, 4], [2, 4]]
        with pytest.raises(tf.errors.OutOfRangeError,
                           match='Reached limit of 2'):
            sess.run(doubled, {ph: [1., 2.]})
        sess.run(tf.local_variables_initializer())
        assert list(sess.run(limited)) == [1, 2, 3]


def test_input_producers_name_their_epoch_counters():
    first = tf.train.string_input_producer(['a', 'b'], num_epochs=1,
                                           shuffle=False)
    tf.train.string_input_producer(['c'], num_epochs=2, name='files')
    tf.train.range_input_producer(3, num_epochs=1, shuffle=False)
    x, y = tf.train.slice_input_producer([np.arange(3), np.arange(3) * 2],
                                         num_epochs=1, shuffle=False)
    pairs = tf.train.input_producer(tf.constant([[1, 2], [3, 4]]),
                                    num_epochs=1, shuffle=False)
    # TF 2.21's names.
    assert sorted(v.name for v in tf.local_variables()) == [
        'files/limit_epochs/epochs:0',
        'input_producer/limit_epochs/epochs:0',
        'input_producer_1/limit_epochs/epochs:0',
        'input_producer_2/input_producer/limit_epochs/epochs:0',
        'input_producer_3/limit_epochs/epochs:0']
    name = first.dequeue()
    pair = pairs.dequeue()
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        assert _drain(sess, name) == [b'a', b'b', 'end']
        runs = _drain(sess, [x, y])
        assert [[int(a), int(b)] for a, b in runs[:3]] == [[0, 0], [1, 2],
                                                          [2, 4]]
        assert runs[3] == 'end'
        assert [list(r) for r in _drain(sess, pair)[:2]] == [[1, 2], [3, 4]]
        coord.request_stop()
        coord.join(threads)


# -------------------------------------------------------- maybe_batch
def test_maybe_batch_keeps_the_chosen_elements():
    i = tf.train.range_input_producer(10, num_epochs=1,
                                      shuffle=False).dequeue()
    kept = tf.train.maybe_batch([i, tf.cast(i, tf.float32) * 2],
                                tf.equal(i % 3, 0), 2,
                                allow_smaller_final_batch=True)
    rows = tf.train.limit_epochs(tf.constant(
        np.arange(12, dtype=np.float32).reshape(6, 2)), 2)
    chosen = tf.train.maybe_batch(
        [rows], tf.constant([True, False, True, True, False, False]), 3,
        enqueue_many=True)
    k = tf.train.range_input_producer(20, num_epochs=1,
                                      shuffle=False).dequeue()
    shuffled = tf.train.maybe_shuffle_batch(
        [k], 4, 10, 2, k >= 8, seed=3, allow_smaller_final_batch=True)
    j = tf.train.range_input_producer(4, num_epochs=1,
                                      shuffle=False).dequeue()
    joined = tf.train.maybe_batch_join([[j]], j < 2, 2,
                                       allow_smaller_final_batch=True)
    assert chosen.get_shape().as_list() == [3, 2]
    with pytest.raises(ValueError, match='`keep_input` cannot be a vector '
                                         'when `enqueue_many=False`.'):
        tf.train.maybe_batch([i], tf.constant([True]), 2)
    with pytest.raises(ValueError,
                       match='`keep_input` must be 0 or 1 dimensions.'):
        tf.train.maybe_batch([i], tf.constant([[True]]), 2,
                             enqueue_many=True)
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord)
        runs = _drain(sess, kept)
        # TF 2.21: [0, 3], [6, 9] with their doubles, then the end.
        assert [list(r[0]) for r in runs[:2]] == [[0, 3], [6, 9]]
        assert [list(r[1]) for r in runs[:2]] == [[0, 6], [12, 18]]
        assert runs[2] == 'end'
        runs = _drain(sess, chosen)
        assert len(runs) == 3 and runs[2] == 'end'
        for batch in runs[:2]:
            np.testing.assert_array_equal(batch, [[0, 1], [4, 5], [6, 7]])
        runs = _drain(sess, shuffled)
        assert sorted(int(v) for b in runs[:-1] for v in b) == \
            list(range(8, 20))
        assert _drain(sess, joined)[0].tolist() == [0, 1]
        coord.request_stop()
        coord.join(threads)


# --------------------------------------------------------- Supervisor
def _model():
    step = tf.train.get_or_create_global_step()
    w = tf.get_variable('w', initializer=tf.constant([1.0, 2.0]))
    x = tf.placeholder_with_default(tf.ones([2]), [2], name='x')
    loss = tf.reduce_sum(tf.square(w * x))
    tf.summary.scalar('loss', loss)
    train = tf.train.GradientDescentOptimizer(0.1).minimize(
        loss, global_step=step)
    return step, w, loss, train


def _events(logdir):
    out = []
    for path in sorted(glob.glob(os.path.join(logdir, 'events.out.*'))):
        for event in tf.train.summary_iterator(path):
            if event.HasField('summary'):
                out.append(('summary', event.step,
                            [v.tag for v in event.summary.value]))
            elif event.HasField('session_log'):
                out.append(('log', event.step, event.session_log.status))
    return out


def test_supervisor_saves_restores_and_stops(tmp_path):
    logdir = str(tmp_path)
    step, w, loss, train = _model()
    sv = tf.train.Supervisor(logdir=logdir, save_model_secs=3600,
                             save_summaries_secs=3600)
    assert sv.global_step.name == 'global_step:0'
    assert sv.save_path == os.path.join(logdir, 'model.ckpt')
    assert sv.saver is not None and sv.summary_op is not None
    losses = []
    with sv.managed_session() as sess:
        for _ in range(5):
            if sv.should_stop():
                break
            losses.append(float(sess.run([train, loss])[1]))
        sv.saver.save(sess, sv.save_path, global_step=step)
        sv.summary_computed(sess, sess.run(sv.summary_op))
        assert not sv.should_stop()
    assert sv.should_stop()
    # TF 2.21's losses, checkpoints (one when the services start, the
    # one saved at step 5) and events (START, summaries at step 0,
    # CHECKPOINT, the summary at step 5, STOP).
    np.testing.assert_allclose(losses, [5.0, 3.2000003, 2.0479999,
                                        1.3107198, 0.83886063], rtol=1e-6)
    assert tf.train.latest_checkpoint(logdir) == os.path.join(
        logdir, 'model.ckpt-5')
    assert os.path.exists(os.path.join(logdir, 'model.ckpt-0.index'))
    assert _events(logdir) == [
        ('log', 0, 1), ('summary', 0, ['loss']),
        ('summary', 0, ['global_step/sec']), ('log', 0, 3),
        ('summary', 5, ['loss']), ('log', 0, 2)]

    tf.reset_default_graph()
    step, w, loss, train = _model()
    sv = tf.train.Supervisor(logdir=logdir, save_model_secs=0,
                             save_summaries_secs=0)
    with sv.managed_session() as sess:
        restored = sess.run([step, w])
        raise tf.errors.OutOfRangeError(None, None, 'done')
    assert sv.should_stop()
    assert int(restored[0]) == 5
    np.testing.assert_allclose(restored[1], [0.32767996, 0.6553599],
                               rtol=1e-6)


def test_supervisor_without_logdir():
    step, w, loss, train = _model()
    sv = tf.train.Supervisor(logdir=None)
    assert sv.summary_writer is None and sv.save_path is None
    with pytest.raises(ValueError, match='boom'):
        with sv.managed_session() as sess:
            assert list(sess.run(w)) == [1, 2]
            raise ValueError('boom')
    sess = sv.prepare_or_wait_for_session(start_standard_services=False)
    assert list(sess.run(w)) == [1, 2]
    sv.request_stop()
    assert sv.should_stop()
    sv.stop()
    with pytest.raises(RuntimeError, match='Writing a summary requires a '
                                           'summary writer.'):
        sv.summary_computed(sess, b'')


# ------------------------------------------------------------ metrics
def test_streaming_metrics_at_thresholds_and_of_tensors():
    rng = np.random.RandomState(0)
    batches = [dict(p=rng.rand(6).astype('float32'), l=rng.rand(6) > 0.5,
                    w=rng.rand(6).astype('float32')) for _ in range(3)]
    p = tf.placeholder(tf.float32, [6])
    lab = tf.placeholder(tf.bool, [6])
    wt = tf.placeholder(tf.float32, [6])
    th = [0.2, 0.5, 0.8]
    m = tf.compat.v1.metrics
    got = {
        'tp': m.true_positives_at_thresholds(lab, p, th, weights=wt),
        'fp': m.false_positives_at_thresholds(lab, p, th),
        'tn': m.true_negatives_at_thresholds(lab, p, th, weights=wt),
        'fn': m.false_negatives_at_thresholds(lab, p, th),
        'prec': m.precision_at_thresholds(lab, p, th, weights=wt),
        'rec': m.recall_at_thresholds(lab, p, th),
        'sens': m.sensitivity_at_specificity(lab, p, 0.6, weights=wt,
                                             num_thresholds=20),
        'spec': m.specificity_at_sensitivity(lab, p, 0.5,
                                             num_thresholds=20),
        'tneg': m.true_negatives(lab, p > 0.5, weights=wt)}
    cl = tf.placeholder(tf.int32, [6])
    cp = tf.placeholder(tf.int32, [6])
    got['mpca'] = m.mean_per_class_accuracy(cl, cp, 3, weights=wt)
    got['mt'] = m.mean_tensor(tf.reshape(p, [2, 3]),
                              weights=tf.reshape(wt, [2, 3]))
    got['pb'] = m.percentage_below(p, 0.4, weights=wt)
    got['mre'] = m.mean_relative_error(
        p, wt, normalizer=tf.where(lab, wt, tf.zeros_like(wt)))
    v1 = tf.placeholder(tf.float32, [3, 2])
    v2 = tf.placeholder(tf.float32, [3, 2])
    got['mcd'] = m.mean_cosine_distance(
        v1, v2, dim=1, weights=tf.constant([[1.], [0.5], [2.]]))
    updates = []
    with tf.Session() as sess:
        sess.run(tf.local_variables_initializer())
        for b in batches:
            c = rng.randint(0, 3, size=(2, 6))
            v = rng.randn(2, 3, 2).astype('float32')
            v /= np.linalg.norm(v, axis=2, keepdims=True)
            feed = {p: b['p'], lab: b['l'], wt: b['w'], cl: c[0],
                    cp: c[1], v1: v[0], v2: v[1]}
            updates.append(sess.run({k: u for k, (_, u) in got.items()},
                                    feed))
        values = sess.run({k: t for k, (t, _) in got.items()})
    # TF 2.21: the update ops of the first batch, and the values after
    # the third (which its update ops also give, mean_per_class_accuracy's
    # giving the accuracy of each class).
    first = {'fn': [0, 1, 4], 'fp': [2, 2, 0],
             'mcd': 1.4827240705490112, 'mpca': [0.3397344946861267, 0, 0],
             'mre': 4.648470878601074, 'pb': 0.0,
             'prec': [0.7384164929389954, 0.7362877130508423, 0.0],
             'rec': [1.0, 0.75, 0.0], 'sens': 0.9890679717063904,
             'spec': 1.0, 'tn': [0.0, 0.0, 0.6551738381385803],
             'tneg': 0.0,
             'tp': [1.849470853805542, 1.8292524814605713, 0.0]}
    last = {'fn': [0, 2, 8], 'fp': [8, 6, 1], 'mcd': 1.219183087348938,
            'mpca': 0.3463907241821289, 'mre': 3.0072617530822754,
            'mt': [[0.6190513372421265, 0.7559603452682495,
                    0.9361699223518372],
                   [0.7318747639656067, 0.36263522505760193,
                    0.6857330799102783]],
            'pb': 0.12381292134523392,
            'prec': [0.5681158304214478, 0.6560487747192383,
                     0.7466648817062378],
            'rec': [1.0, 0.800000011920929, 0.20000000298023224],
            'sens': 0.9061834216117859, 'spec': 0.625,
            'tn': [0.0, 1.0904185771942139, 2.9914944171905518],
            'tneg': 1.0904185771942139,
            'tp': [4.535154819488525, 4.4961466789245605,
                   1.3444304466247559]}
    for key, expected in first.items():
        np.testing.assert_allclose(updates[0][key], expected, rtol=1e-6,
                                   err_msg=key)
    for key, expected in last.items():
        np.testing.assert_allclose(values[key], expected, rtol=1e-6,
                                   err_msg=key)
    np.testing.assert_allclose(updates[2]['mpca'], [0.46262654662132263, 0,
                                                    0.5765455961227417],
                               rtol=1e-6)
