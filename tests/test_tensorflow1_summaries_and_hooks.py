"""TensorFlow 1 graph-mode summaries and monitored training loops:
`tf.summary.scalar/histogram/image/text` string tensors collected in
SUMMARIES, `merge`/`merge_all`, `FileWriter` event files (TFRecord
framing, Event/Summary messages) read back by `summary_iterator`, and
`tf.train.MonitoredTrainingSession` / `SingularMonitoredSession` /
`MonitoredSession` with the built-in hooks.

Expected values come from TensorFlow 2.21's tf.compat.v1 in graph mode
(`tf.disable_v2_behavior()`) running the same programs."""
import glob
import os
import struct
import zlib

import numpy as np
import pytest

from keras_compat import tensorflow_compat as tf
from keras_compat import tensorflow_event_protos as protos
from keras_compat import tensorflow_records


@pytest.fixture(autouse=True)
def _graph(graph_mode):
    yield
    tf.summary.FileWriterCache.clear()


def _events(logdir):
    found = []
    for path in sorted(glob.glob(os.path.join(str(logdir), 'events*'))):
        found.extend(tf.train.summary_iterator(path))
    return found


def test_summary_tensors_names_tags_and_collection():
    x = tf.placeholder(tf.float32, [None, 3], name='x')
    w = tf.Variable(np.ones((3, 1), 'float32'), name='w')
    loss = tf.reduce_mean(tf.matmul(x, w))
    with tf.name_scope('train'):
        s1 = tf.summary.scalar('loss', loss)
        s2 = tf.summary.scalar('loss', loss)
    h = tf.summary.histogram('w', w, family='weights')
    # TensorFlow 2.21 compat.v1: op names and dtype.
    assert (s1.name, s2.name, h.name) == ('train/loss:0', 'train/loss_1:0',
                                          'weights/w:0')
    assert s1.dtype == tf.string
    assert len(tf.get_collection(tf.GraphKeys.SUMMARIES)) == 3
    assert tf.summary.merge_all(key='nothing') is None
    merged = tf.summary.merge_all()
    assert merged.name == 'Merge/MergeSummary:0'
    sess = tf.Session()
    value = sess.run(merged, feed_dict={
        x: np.arange(6, dtype='float32').reshape(2, 3)})
    assert isinstance(value, bytes) and len(value) == 160
    summary = tf.Summary.FromString(value)
    assert [(v.tag, v.WhichOneof('value')) for v in summary.value] == [
        ('train/loss', 'simple_value'), ('train/loss_1', 'simple_value'),
        ('weights/weights/w', 'histo')]
    assert summary.value[0].simple_value == 7.5
    histo = summary.value[2].histo
    assert list(histo.bucket_limit) == [
        0.917246389039776, 1.0089710279437536, 1.7976931348623157e+308]
    assert list(histo.bucket) == [0.0, 3.0, 0.0]


def test_summary_bytes_as_tensorflow_writes_them():
    x = tf.placeholder(tf.float32, [None])
    h = tf.summary.histogram('h', x)
    s = tf.summary.scalar('s', tf.reduce_sum(x))
    t = tf.summary.text('t', tf.constant('hi'))
    sess = tf.Session()
    hb, sb, tb = sess.run([h, s, t], feed_dict={
        x: [-1.5, 0.0, 0.25, 3.0, 3.0]})
    # Serialized by TensorFlow 2.21's ScalarSummary / TensorSummaryV2.
    assert sb.hex() == '0a080a01731500009840'
    assert tb.hex() == '0a170a0174420808071200420268694a080a060a0474657874'
    histo = tf.Summary.FromString(hb).value[0].histo
    assert (histo.min, histo.max, histo.num, histo.sum,
            histo.sum_squares) == (-1.5, 3.0, 5.0, 4.75, 20.3125)
    assert list(histo.bucket_limit) == [
        -1.624957930213695, -1.47723448201245, 0.0, 1e-12,
        0.24153964213356663, 0.2656936063469233, 2.8787120958073054,
        3.1665833053880363, 1.7976931348623157e+308]
    assert list(histo.bucket) == [0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 2.0,
                                  0.0]
    assert tf.Summary.FromString(hb).SerializeToString() == hb


def _png_pixels(data):
    """The pixels of a PNG made of unfiltered rows."""
    position, idat, header = 8, b'', None
    while position < len(data):
        length, kind = struct.unpack('>I4s', data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b'IHDR':
            header = struct.unpack('>IIBBBBB', body)
        elif kind == b'IDAT':
            idat += body
        position += 12 + length
    width, height = header[0], header[1]
    raw = zlib.decompress(idat)
    row = len(raw) // height
    assert all(raw[i * row] == 0 for i in range(height))
    return [b for i in range(height) for b in raw[i * row + 1:(i + 1) * row]]


def test_image_summary_scales_float_images_as_tensorflow():
    img = tf.placeholder(tf.float32, [1, 2, 2, 1])
    im = tf.summary.image('im', img, max_outputs=1)
    value = tf.Session().run(im, feed_dict={img: np.array(
        [[[[-1.0], [0.5]], [[2.0], [np.nan]]]], 'float32')})
    image = tf.Summary.FromString(value).value[0]
    assert image.tag == 'im/image'
    assert (image.image.height, image.image.width,
            image.image.colorspace) == (2, 2, 1)
    # TensorFlow 2.21: decode_png of its summary.
    assert _png_pixels(image.image.encoded_image_string) == [64, 159, 255,
                                                             255]


def test_merge_refuses_duplicate_tags_when_run():
    a = tf.summary.scalar('a', tf.constant(1.0))
    merged = tf.summary.merge([a, a])
    with pytest.raises(tf.errors.InvalidArgumentError, match='Duplicate tag'):
        tf.Session().run(merged)


def test_file_writer_event_file(tmp_path):
    value = tf.Session().run(tf.summary.scalar('loss', tf.constant(0.5)))
    with tf.summary.FileWriter(str(tmp_path), tf.get_default_graph()) as w:
        assert w.get_logdir() == str(tmp_path)
        w.add_summary(value, 3)
        w.add_summary(tf.Summary(value=[tf.Summary.Value(
            tag='acc', simple_value=0.25)]), 4)
        w.add_session_log(tf.SessionLog(status=tf.SessionLog.START), 5)
    names = os.listdir(str(tmp_path))
    assert len(names) == 1 and names[0].startswith('events.out.tfevents.')
    path = os.path.join(str(tmp_path), names[0])
    records = tensorflow_records.read_records(path)
    with open(path, 'rb') as handle:
        content = handle.read()
    # TFRecord framing: length, masked CRC32-C of it, data, masked CRC.
    length, = struct.unpack_from('<Q', content)
    assert struct.unpack_from('<I', content, 8)[0] == \
        tensorflow_records._masked_crc(content[:8])
    assert struct.unpack_from('<I', content, 12 + length)[0] == \
        tensorflow_records._masked_crc(content[12:12 + length])
    # The first record as TensorFlow's EventsWriter writes it.
    assert records[0][9:] == (b'\x1a\rbrain.Event:2R$\n"tensorflow.core.'
                              b'util.events_writer')
    events = _events(tmp_path)
    assert [e.WhichOneof('what') for e in events] == [
        'file_version', 'summary', 'summary', 'session_log']
    assert [e.step for e in events] == [0, 3, 4, 5]
    assert events[1].summary.value[0].tag == 'loss'
    assert events[1].summary.value[0].simple_value == 0.5
    assert events[3].session_log.status == tf.SessionLog.START
    w.reopen()
    w.add_summary(value, 6)
    w.close()
    assert len(os.listdir(str(tmp_path))) in (1, 2)
    assert [e.step for e in _events(tmp_path)][-1] == 6


def _regression(x_value, y_value):
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.placeholder(tf.float32, [None, 1])
    w = tf.Variable(np.full((3, 1), 0.1, 'float32'), name='w')
    step = tf.train.get_or_create_global_step()
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
    tf.summary.scalar('loss', loss)
    train = tf.train.GradientDescentOptimizer(0.1).minimize(
        loss, global_step=step)
    return {x: x_value, y: y_value}, w, step, loss, train


class _Recorder(tf.train.SessionRunHook):
    def __init__(self, loss):
        self.loss, self.log = loss, []

    def begin(self):
        self.log.append('begin')

    def after_create_session(self, session, coord):
        self.log.append('create')

    def before_run(self, run_context):
        return tf.train.SessionRunArgs(self.loss)

    def after_run(self, run_context, run_values):
        self.log.append(round(float(run_values.results), 5))

    def end(self, session):
        self.log.append('end')


def test_monitored_training_session_hooks_checkpoints_and_summaries(
        tmp_path):
    rng = np.random.RandomState(0)
    data = (rng.randn(8, 3).astype('float32'),
            rng.randn(8, 1).astype('float32'))
    feed, w, step, loss, train = _regression(*data)
    recorder = _Recorder(loss)
    steps = []
    ck = str(tmp_path / 'ck')
    with tf.train.MonitoredTrainingSession(
            checkpoint_dir=ck, save_checkpoint_steps=2,
            save_summaries_steps=2, log_step_count_steps=100,
            hooks=[tf.train.StopAtStepHook(num_steps=5),
                   recorder]) as sess:
        while not sess.should_stop():
            steps.append(int(sess.run([train, step], feed_dict=feed)[1]))
    # TensorFlow 2.21 compat.v1.
    assert steps == [1, 2, 3, 4, 5]
    assert recorder.log == ['begin', 'create', 1.38423, 1.35215, 1.33202,
                            1.31854, 1.30895, 'end']
    assert sorted(n for n in os.listdir(ck) if n.endswith('.index')) == [
        'model.ckpt-0.index', 'model.ckpt-2.index', 'model.ckpt-4.index',
        'model.ckpt-5.index']
    assert tf.train.latest_checkpoint(ck).endswith('model.ckpt-5')
    events = [(e.step, e.WhichOneof('what')) for e in _events(ck)]
    summaries = [(e.step, e.summary.value[0].tag,
                  round(e.summary.value[0].simple_value, 5))
                 for e in _events(ck) if e.HasField('summary')]
    assert summaries == [(1, 'loss', 1.38423), (3, 'loss', 1.33202),
                         (5, 'loss', 1.30895)]
    logs = [(e.step, e.session_log.status) for e in _events(ck)
            if e.HasField('session_log')]
    # (TensorFlow leaves the last CHECKPOINT log, step 5, unflushed.)
    assert logs[:4] == [(0, 3), (1, 1), (2, 3), (4, 3)]
    assert events[0] == (0, 'file_version')
    trained = w.eval()
    # Entering again restores the last checkpoint.
    w.assign(np.zeros((3, 1), 'float32')).eval()
    step.assign(0).eval()
    with tf.train.MonitoredTrainingSession(
            checkpoint_dir=ck, save_summaries_steps=None,
            save_checkpoint_secs=None,
            hooks=[tf.train.StopAtStepHook(last_step=7)]) as sess:
        assert sess.run(step) == 5
        np.testing.assert_allclose(
            sess.run(w).ravel(), [0.2103703, 0.01962669, 0.24950245],
            rtol=1e-6)
        np.testing.assert_allclose(sess.run(w), trained)
        runs = 0
        while not sess.should_stop():
            sess.run(train, feed_dict=feed)
            runs += 1
    assert runs == 2 and step.eval() == 7


def test_singular_session_feed_fn_final_ops_and_out_of_range_end():
    x = tf.placeholder(tf.float32, [])
    v = tf.Variable(1.0, name='v')
    step = tf.train.get_or_create_global_step()
    update = tf.group(v.assign(v * x), tf.assign_add(step, 1))
    final = tf.train.FinalOpsHook([v, step])
    feeds = iter([2.0, 3.0, 0.5, 4.0, 5.0])

    def feed():
        try:
            return {x: next(feeds)}
        except StopIteration:
            raise tf.errors.OutOfRangeError(None, None, 'done')

    logged = []
    log = tf.train.LoggingTensorHook(
        {'g': 'global_step:0'}, every_n_iter=2,
        formatter=lambda d: logged.append(int(d['g'])) or '')
    with tf.train.SingularMonitoredSession(
            hooks=[final, log, tf.train.FeedFnHook(feed)]) as sess:
        while not sess.should_stop():
            sess.run(update)
    # TensorFlow 2.21: the OutOfRangeError ends the block, hooks' end runs.
    assert [float(final.final_ops_values[0]),
            int(final.final_ops_values[1])] == [60.0, 5]
    assert sess.should_stop()
    assert len(logged) == 3


def test_nan_hook_and_step_fn():
    loss = tf.placeholder(tf.float32, [])
    step = tf.train.get_or_create_global_step()
    inc = tf.assign_add(step, 1)
    with pytest.warns(UserWarning, match='NaN'):
        with tf.train.MonitoredSession(hooks=[tf.train.NanTensorHook(
                loss, fail_on_nan_loss=False)]) as sess:
            runs = 0
            while not sess.should_stop():
                sess.run(inc, feed_dict={loss: [1.0, np.nan][runs]})
                runs += 1
    assert runs == 2
    with pytest.raises(tf.train.NanLossDuringTrainingError,
                       match='NaN loss during training.'):
        with tf.train.MonitoredSession(
                hooks=[tf.train.NanTensorHook(loss)]) as sess:
            sess.run(inc, feed_dict={loss: np.nan})
    start = int(step.eval())
    last = None
    with tf.train.MonitoredSession() as sess:
        while not sess.should_stop():
            def step_fn(step_context):
                value = step_context.run_with_hooks(inc)
                if value >= start + 3:
                    step_context.request_stop()
                return value
            last = sess.run_step_fn(step_fn)
    assert last == start + 2
    with pytest.raises(ValueError, match='step_context'):
        tf.train.MonitoredSession().run_step_fn(lambda ctx: None)


def test_hook_argument_errors():
    with pytest.raises(ValueError, match='One of num_steps or last_step'):
        tf.train.StopAtStepHook()
    with pytest.raises(ValueError, match='Exactly one of scaffold or '
                                         'summary_op'):
        tf.train.SummarySaverHook(save_steps=1)
    with pytest.raises(RuntimeError, match='Global step should be created'):
        tf.train.StopAtStepHook(num_steps=1).begin()


def test_event_messages_round_trip():
    event = protos.Event(wall_time=1.5, step=7, summary=protos.Summary(
        value=[protos.Summary.Value(tag='a', simple_value=0.0)]))
    again = protos.Event.FromString(event.SerializeToString())
    assert again.step == 7 and again.WhichOneof('what') == 'summary'
    assert again.summary.value[0].HasField('simple_value')
    assert again == event


def test_scaffold_copies_fields_and_feeds_the_local_init_op():
    # TensorFlow 2.21: [3.0, 1.0] and init_fn called once.
    p = tf.placeholder(tf.float32, [], name='p')
    v = tf.Variable(0., collections=[tf.GraphKeys.LOCAL_VARIABLES], name='v')
    w = tf.Variable(1., name='w')
    calls = []
    base = tf.train.Scaffold(
        init_fn=lambda scaffold, sess: calls.append('init_fn'),
        local_init_op=v.assign(p), local_init_feed_dict={p: 3.})
    scaffold = tf.train.Scaffold(copy_from_scaffold=base)
    assert scaffold.local_init_feed_dict is base.local_init_feed_dict
    creator = tf.train.ChiefSessionCreator(scaffold=scaffold)
    with tf.train.MonitoredSession(creator) as sess:
        assert [float(x) for x in sess.run([v, w])] == [3.0, 1.0]
    assert calls == ['init_fn']
    with pytest.raises(TypeError, match='copy_from_scaffold is not a '
                       'Scaffold instance.'):
        tf.train.Scaffold(copy_from_scaffold=object())
