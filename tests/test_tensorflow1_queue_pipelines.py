"""TensorFlow 1 queue input pipelines (before tf.data): readers of
TFRecord, CSV and whole files behind `tf.train.string_input_producer`,
`tf.parse_single_example`/`tf.decode_raw`/`tf.decode_csv`,
`tf.train.batch`/`shuffle_batch`/`slice_input_producer`, queues and their
operations, queue runners and `tf.train.Coordinator`, and Keras models fed
by them (`Input(tensor=...)`, `compile(target_tensors=...)`, as Keras 2's
examples/mnist_tfrecord.py). Expected values come from TensorFlow 2.21's
`tf.compat.v1` running the same pipelines on the same files, and from
real Keras 2.3.1 on TensorFlow for the models."""
import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat import tensorflow_compat as tf
from keras_compat.layers import Dense, Input
from keras_compat.models import Model
from keras_compat.optimizers import SGD


@pytest.fixture(autouse=True)
def graph_mode():
    tf.reset_default_graph()
    tf.disable_v2_behavior()
    yield
    tf.reset_default_graph()


def _drain(sess, fetches, limit=20):
    """The values of runs until OutOfRangeError, then 'end'."""
    out = []
    try:
        for _ in range(limit):
            out.append(sess.run(fetches))
    except tf.errors.OutOfRangeError:
        out.append('end')
    return out


def _started(sess):
    sess.run([tf.global_variables_initializer(),
              tf.local_variables_initializer()])
    coord = tf.train.Coordinator()
    return coord, tf.train.start_queue_runners(sess=sess, coord=coord)


def _stop(coord, threads):
    coord.request_stop()
    coord.join(threads)


@pytest.fixture
def records(tmp_path):
    path = str(tmp_path / 'a.tfrecord')
    with tf.io.TFRecordWriter(path) as writer:
        for i in range(7):
            feature = {
                'x': tf.train.Feature(float_list=tf.train.FloatList(
                    value=np.arange(3, dtype=np.float32) + 10 * i)),
                'raw': tf.train.Feature(bytes_list=tf.train.BytesList(
                    value=[(np.arange(4, dtype=np.uint8) + i).tobytes()])),
                'label': tf.train.Feature(int64_list=tf.train.Int64List(
                    value=[i % 3]))}
            writer.write(tf.train.Example(features=tf.train.Features(
                feature=feature)).SerializeToString())
    return path


def _record_batches(path, smaller):
    queue = tf.train.string_input_producer([path], num_epochs=2,
                                           shuffle=False)
    _, serialized = tf.TFRecordReader().read(queue)
    features = tf.parse_single_example(serialized, features={
        'x': tf.FixedLenFeature([3], tf.float32),
        'raw': tf.FixedLenFeature([], tf.string),
        'label': tf.FixedLenFeature([], tf.int64)})
    raw = tf.cast(tf.decode_raw(features['raw'], tf.uint8), tf.float32)
    raw.set_shape([4])
    return tf.train.batch(
        [features['x'] * 2, raw, tf.cast(features['label'], tf.int32)],
        batch_size=3, num_threads=1, capacity=10,
        allow_smaller_final_batch=smaller)


def test_tfrecord_reader_batches_until_epochs_run_out(records):
    x, raw, label = _record_batches(records, smaller=False)
    # TF 2.21: static shapes (3, 3) (3, 4) (3,), label int32.
    assert x.get_shape().as_list() == [3, 3]
    assert raw.get_shape().as_list() == [3, 4]
    with tf.Session() as sess:
        coord, threads = _started(sess)
        runs = _drain(sess, [x, raw, label])
        _stop(coord, threads)
    # TF 2.21: 14 records (2 epochs) give 4 batches of 3, the last 2
    # records are dropped, then OutOfRangeError.
    assert len(runs) == 5 and runs[-1] == 'end'
    np.testing.assert_array_equal(runs[2][0], [[120, 122, 124], [0, 2, 4],
                                               [20, 22, 24]])
    np.testing.assert_array_equal(runs[2][1], [[6, 7, 8, 9], [0, 1, 2, 3],
                                               [1, 2, 3, 4]])
    assert [list(r[2]) for r in runs[:4]] == [[0, 1, 2], [0, 1, 2],
                                              [0, 0, 1], [2, 0, 1]]
    assert runs[0][2].dtype == np.int32


def test_allow_smaller_final_batch(records):
    x, raw, label = _record_batches(records, smaller=True)
    # TF 2.21: static shapes (?, 3), (?,).
    assert x.get_shape().as_list() == [None, 3]
    with tf.Session() as sess:
        coord, threads = _started(sess)
        runs = _drain(sess, [x, raw, label])
        _stop(coord, threads)
    assert len(runs) == 6 and runs[-1] == 'end'
    np.testing.assert_array_equal(runs[4][0], [[100, 102, 104],
                                               [120, 122, 124]])
    np.testing.assert_array_equal(runs[4][2], [2, 0])


def test_record_keys_and_read_up_to(records, tmp_path):
    csv = tmp_path / 'a.csv'
    csv.write_text('f1,f2,label\n0,1,0\n0.5,2,1\n1,3,0\n1.5,4,1\n2,5,0\n')
    queue = tf.train.string_input_producer([records], num_epochs=1,
                                           shuffle=False)
    key, _ = tf.TFRecordReader().read(queue)
    lines = tf.train.string_input_producer([str(csv)], num_epochs=1,
                                           shuffle=False)
    keys, values = tf.TextLineReader(skip_header_lines=1).read_up_to(
        lines, 2)
    with tf.Session() as sess:
        coord, threads = _started(sess)
        # TF 2.21: 'file:byte offset' (each record here is 74 bytes).
        assert sess.run(key) == records.encode() + b':0'
        assert sess.run(key) == records.encode() + b':74'
        runs = _drain(sess, [keys, values])
        _stop(coord, threads)
    # TF 2.21: text line keys count lines from 1, the header included.
    assert list(runs[0][0]) == [b'%s:2' % str(csv).encode(),
                                b'%s:3' % str(csv).encode()]
    assert [list(r[1]) for r in runs[:3]] == [
        [b'0,1,0', b'0.5,2,1'], [b'1,3,0', b'1.5,4,1'], [b'2,5,0']]
    assert runs[3] == 'end'


def test_text_line_reader_with_decode_csv(tmp_path):
    path = tmp_path / 'a.csv'
    path.write_text('f1,f2,label\n0,1,0\n0.5,2,1\n1,3,0\n1.5,4,1\n2,5,0\n')
    queue = tf.train.string_input_producer([str(path)], num_epochs=1,
                                           shuffle=False)
    _, value = tf.TextLineReader(skip_header_lines=1).read(queue)
    col1, col2, col3 = tf.decode_csv(value, record_defaults=[[1.0], [1.0],
                                                             [0]])
    features = tf.stack([col1, col2])
    assert features.get_shape().as_list() == [2]
    with tf.Session() as sess:
        coord, threads = _started(sess)
        runs = _drain(sess, [features, col3])
        _stop(coord, threads)
    # TF 2.21: one line per run, then OutOfRangeError.
    assert len(runs) == 6 and runs[-1] == 'end'
    np.testing.assert_array_equal([r[0] for r in runs[:5]],
                                  [[0, 1], [0.5, 2], [1, 3], [1.5, 4],
                                   [2, 5]])
    assert [int(r[1]) for r in runs[:5]] == [0, 1, 0, 1, 0]


def test_whole_file_and_fixed_length_readers(tmp_path):
    names = []
    for i in range(2):
        names.append(str(tmp_path / ('w%d.bin' % i)))
        with open(names[-1], 'wb') as f:
            f.write(bytes([i, i + 1, i + 2]))
    queue = tf.train.string_input_producer(names, shuffle=False,
                                           num_epochs=1)
    key, value = tf.WholeFileReader().read(queue)
    decoded = tf.decode_raw(value, tf.uint8)
    fixed = str(tmp_path / 'fixed.bin')
    with open(fixed, 'wb') as f:
        f.write(bytes(range(11)))
    fixed_queue = tf.train.string_input_producer([fixed], num_epochs=1,
                                                 shuffle=False)
    fixed_key, record = tf.FixedLengthRecordReader(
        record_bytes=3, header_bytes=1, footer_bytes=1).read(fixed_queue)
    with tf.Session() as sess:
        coord, threads = _started(sess)
        runs = _drain(sess, [key, decoded])
        fixed_runs = _drain(sess, [fixed_key, tf.decode_raw(record,
                                                            tf.uint8)])
        _stop(coord, threads)
    # TF 2.21: the key is the file name; records 'file:index'.
    assert [r[0] for r in runs[:2]] == [n.encode() for n in names]
    assert [list(r[1]) for r in runs[:2]] == [[0, 1, 2], [1, 2, 3]]
    assert runs[2] == 'end'
    assert [r[0] for r in fixed_runs[:3]] == [
        b'%s:%d' % (fixed.encode(), i) for i in range(3)]
    assert [list(r[1]) for r in fixed_runs[:3]] == [[1, 2, 3], [4, 5, 6],
                                                    [7, 8, 9]]


def test_slice_input_producer_batches():
    xs = np.arange(10, dtype=np.float32).reshape(5, 2)
    ys = np.arange(5, dtype=np.int32)
    x_item, y_item = tf.train.slice_input_producer([xs, ys], shuffle=False,
                                                   num_epochs=2)
    x_batch, y_batch = tf.train.batch([x_item, y_item], batch_size=4,
                                      allow_smaller_final_batch=True)
    # TF 2.21: (2,), (?, 2), (?,).
    assert x_item.get_shape().as_list() == [2]
    assert x_batch.get_shape().as_list() == [None, 2]
    with tf.Session() as sess:
        coord, threads = _started(sess)
        runs = _drain(sess, [x_batch, y_batch])
        _stop(coord, threads)
    assert [list(r[1]) for r in runs[:3]] == [[0, 1, 2, 3], [4, 0, 1, 2],
                                              [3, 4]]
    np.testing.assert_array_equal(runs[2][0], [[6, 7], [8, 9]])
    assert runs[3] == 'end'


def test_batch_of_arrays_with_enqueue_many_repeats_them():
    xs = np.arange(12, dtype=np.float32).reshape(6, 2)
    # TF 2.21: a list of one tensor gives one tensor back.
    x_batch = tf.train.batch([xs], batch_size=4, enqueue_many=True)
    y_batch = tf.train.batch([np.arange(6)], batch_size=4,
                             enqueue_many=True)
    assert x_batch.get_shape().as_list() == [4, 2]
    with tf.Session() as sess:
        coord, threads = _started(sess)
        runs = [sess.run([x_batch, y_batch]) for _ in range(3)]
        _stop(coord, threads)
    assert [list(r[1]) for r in runs] == [[0, 1, 2, 3], [4, 5, 0, 1],
                                          [2, 3, 4, 5]]
    np.testing.assert_array_equal(runs[1][0], [[8, 9], [10, 11], [0, 1],
                                               [2, 3]])


def test_batch_needs_fully_defined_shapes():
    with pytest.raises(ValueError, match='All shapes must be fully defined'):
        tf.train.batch([tf.placeholder(tf.float32, [None])], 2)


def test_fifo_queue_operations():
    queue = tf.FIFOQueue(5, [tf.float32, tf.int32], shapes=[[2], []])
    x = tf.placeholder(tf.float32, [None, 2])
    y = tf.placeholder(tf.int32, [None])
    enqueue_many = queue.enqueue_many([x, y])
    enqueue = queue.enqueue([tf.constant([9., 9.]), tf.constant(9)])
    two = queue.dequeue_many(2)
    one = queue.dequeue()
    up_to = queue.dequeue_up_to(3)
    size = queue.size()
    # TF 2.21: (2, 2), (2,), (?, 2).
    assert two[0].get_shape().as_list() == [2, 2]
    assert one[0].get_shape().as_list() == [2]
    assert up_to[0].get_shape().as_list() == [None, 2]
    with tf.Session() as sess:
        assert sess.run(enqueue_many, {x: [[1, 2], [3, 4], [5, 6]],
                                       y: [1, 2, 3]}) is None
        sess.run(enqueue)
        assert sess.run(size) == 4
        values = sess.run(two)
        np.testing.assert_array_equal(values[0], [[1, 2], [3, 4]])
        np.testing.assert_array_equal(values[1], [1, 2])
        values = sess.run(one)
        np.testing.assert_array_equal(values[0], [5, 6])
        assert values[1] == 3
        sess.run(queue.close())
        values = sess.run(up_to)
        np.testing.assert_array_equal(values[0], [[9, 9]])
        assert sess.run(size) == 0
        with pytest.raises(tf.errors.OutOfRangeError,
                           match='is closed and has insufficient elements '
                                 r'\(requested 1, current size 0\)'):
            sess.run(one)
        with pytest.raises(tf.errors.CancelledError, match='is closed'):
            sess.run(enqueue)


def test_padding_fifo_queue_pads_each_batch():
    queue = tf.PaddingFIFOQueue(10, [tf.int32], shapes=[[None]])
    p = tf.placeholder(tf.int32, [None])
    enqueue = queue.enqueue([p])
    batch = queue.dequeue_many(3)
    assert batch.get_shape().as_list() == [3, None]
    with tf.Session() as sess:
        for value in ([1], [1, 2, 3], [4, 5]):
            sess.run(enqueue, {p: value})
        # TF 2.21: padded with zeros to the longest.
        np.testing.assert_array_equal(sess.run(batch), [[1, 0, 0],
                                                        [1, 2, 3],
                                                        [4, 5, 0]])


def test_queue_runner_collection_and_shuffle_batch():
    queue = tf.FIFOQueue(10, [tf.float32], shapes=[[]])
    runner = tf.train.QueueRunner(queue, [queue.enqueue([tf.constant(1.)])])
    tf.train.add_queue_runner(runner)
    assert len(tf.get_collection(tf.GraphKeys.QUEUE_RUNNERS)) == 1
    many = queue.dequeue_many(3)
    values = np.arange(20, dtype=np.float32)
    shuffled = tf.train.shuffle_batch([values], batch_size=5, capacity=12,
                                      min_after_dequeue=4, seed=1,
                                      enqueue_many=True)
    with tf.Session() as sess:
        coord, threads = _started(sess)
        np.testing.assert_array_equal(sess.run(many), [1, 1, 1])
        batches = [sess.run(shuffled) for _ in range(4)]
        _stop(coord, threads)
    # (TensorFlow's shuffle order is its own: check the draws are
    # elements of the data, taken at most twice while two passes over it
    # are in the queue, and not in order.)
    drawn = np.concatenate(batches)
    assert drawn.shape == (20,) and set(drawn) <= set(values)
    assert max(np.bincount(drawn.astype(int))) <= 2
    assert not np.array_equal(drawn, values)


def test_coordinator_protocol():
    coord = tf.train.Coordinator()
    # TF 2.21: the block's exception is reported, not raised; join
    # raises it.
    with coord.stop_on_exception():
        raise ValueError('boom')
    assert coord.should_stop()
    with pytest.raises(ValueError, match='boom'):
        coord.join([])
    clean = tf.train.Coordinator()
    with clean.stop_on_exception():
        raise tf.errors.OutOfRangeError(None, None, 'done')
    assert clean.should_stop()
    clean.join([])
    assert clean.joined


def test_coordinator_stop_ends_the_queue_runner_threads():
    x_batch = tf.train.batch([np.arange(6)], batch_size=2,
                             enqueue_many=True)
    with tf.Session() as sess:
        coord, threads = _started(sess)
        sess.run(x_batch)
        assert threads and all(t.is_alive() for t in threads)
        _stop(coord, threads)
        assert not any(t.is_alive() for t in threads)
        # The queue is closed: what it holds is taken, then
        # OutOfRangeError.
        assert _drain(sess, x_batch)[-1] == 'end'


X = (np.arange(48, dtype=np.float32).reshape(12, 4) % 7) / 7.0
Y = (np.arange(12) % 3).astype(np.int32)


def _dense_model(inputs):
    model = Model(inputs, Dense(3, activation='softmax')(inputs))
    rng = np.random.RandomState(0)
    model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype('float32')
                       for w in model.get_weights()])
    return model


def test_keras_model_fed_by_batch_queue_as_mnist_tfrecord_example():
    sess = K.get_session()
    x_batch, y_batch = tf.train.batch([X, Y], batch_size=4, capacity=20,
                                      enqueue_many=True, num_threads=1)
    x_batch = tf.reshape(tf.cast(x_batch, tf.float32), (4, 4))
    y_batch = tf.one_hot(tf.cast(y_batch, tf.int32), 3)
    model = _dense_model(Input(tensor=x_batch))
    model.compile(optimizer=SGD(lr=0.5), loss='categorical_crossentropy',
                  metrics=['accuracy'], target_tensors=[y_batch])
    coord = tf.train.Coordinator()
    threads = tf.train.start_queue_runners(sess, coord)
    history = model.fit(epochs=2, steps_per_epoch=3, verbose=0)
    coord.request_stop()
    coord.join(threads)
    # Keras 2.3.1 on TensorFlow, the same program.
    np.testing.assert_allclose(history.history['loss'],
                               [1.1748194, 1.1280599], rtol=1e-5)
    np.testing.assert_allclose(history.history['accuracy'],
                               [0.3333333, 0.25], rtol=1e-5)
    np.testing.assert_allclose(
        model.get_weights()[0].ravel(),
        [-0.0052682, 0.1140666, 0.2579679, 0.0859795, -0.1118364,
         0.140289, -0.081405, 0.261215, 0.613213, 0.0132928, 0.0824123,
         0.1083563], atol=1e-6)


def test_keras_model_fed_by_tfrecord_reader_in_own_session(tmp_path):
    path = str(tmp_path / 'd.tfrecord')
    with tf.io.TFRecordWriter(path) as writer:
        for i in range(12):
            writer.write(tf.train.Example(features=tf.train.Features(
                feature={'x': tf.train.Feature(bytes_list=tf.train.BytesList(
                    value=[X[i].tobytes()])),
                    'y': tf.train.Feature(int64_list=tf.train.Int64List(
                        value=[int(Y[i])]))})).SerializeToString())
    sess = tf.Session()
    K.set_session(sess)
    queue = tf.train.string_input_producer([path], shuffle=False)
    _, serialized = tf.TFRecordReader().read(queue)
    features = tf.parse_single_example(serialized, {
        'x': tf.FixedLenFeature([], tf.string),
        'y': tf.FixedLenFeature([], tf.int64)})
    x_item = tf.decode_raw(features['x'], tf.float32)
    x_item.set_shape([4])
    y_item = tf.one_hot(tf.cast(features['y'], tf.int32), 3)
    x_batch, y_batch = tf.train.batch([x_item, y_item], batch_size=4)
    model = _dense_model(Input(tensor=x_batch))
    model.compile(optimizer=SGD(lr=0.5), loss='categorical_crossentropy',
                  target_tensors=[y_batch])
    coord = tf.train.Coordinator()
    threads = tf.train.start_queue_runners(sess=sess, coord=coord)
    history = model.fit(epochs=1, steps_per_epoch=4, verbose=0)
    predicted = model.predict(None, steps=1)
    coord.request_stop()
    coord.join(threads)
    # Keras 2.3.1 on TensorFlow, the same program.
    np.testing.assert_allclose(history.history['loss'], [1.1567452],
                               rtol=1e-5)
    np.testing.assert_allclose(predicted, [
        [0.3197116, 0.37206, 0.3082284], [0.3547353, 0.3848386, 0.2604262],
        [0.3017528, 0.3692096, 0.3290375], [0.3563332, 0.3751257,
                                            0.2685412]], atol=1e-6)
