"""Idioms of the tf.keras 2 notebooks of "Hands-On Machine Learning, 2nd
edition" (learning-rate finder callback, TFRecord files, tf.train.Example
protos, text-line pipelines, activation configs) on keras_compat.
Reference values come from TensorFlow 2.21 + tf_keras 2.21
(TF_USE_LEGACY_KERAS=1) running the same code."""
import numpy as np
import pytest

import keras_compat as keras
from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common

K = keras.backend


@pytest.fixture(autouse=True)
def _tf_keras_flavour():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


class ExponentialLearningRate(keras.callbacks.Callback):
    # (The notebook's callback does not call Callback.__init__.)
    def __init__(self, factor):
        self.factor = factor
        self.rates = []
        self.losses = []

    def on_batch_end(self, batch, logs):
        self.rates.append(K.get_value(self.model.optimizer.learning_rate))
        self.losses.append(logs['loss'])
        K.set_value(self.model.optimizer.learning_rate,
                    self.model.optimizer.learning_rate * self.factor)


def test_learning_rate_finder_callback_without_base_init():
    rs = np.random.RandomState(0)
    X = rs.randn(16, 3).astype('float32')
    y = (X[:, :1] * 2).astype('float32')
    model = keras.models.Sequential([keras.layers.Dense(1, input_shape=[3])])
    model.set_weights([np.full((3, 1), .1, 'float32'),
                       np.zeros(1, 'float32')])
    model.compile(loss='mse', optimizer=keras.optimizers.SGD(
        learning_rate=1e-3))
    K.set_value(model.optimizer.learning_rate, 0.01)
    callback = ExponentialLearningRate(2.0)
    model.fit(X, y, batch_size=4, epochs=1, verbose=0, shuffle=False,
              callbacks=[callback])
    # tf_keras 2.21
    np.testing.assert_allclose(callback.rates, [.01, .02, .04, .08],
                               rtol=1e-6)
    np.testing.assert_allclose(
        callback.losses, [7.86059, 4.39585, 5.53533, 4.80033], atol=1e-4)


def test_activation_configs_hold_float32_values():
    # tf_keras 2.21 (and Keras 2) cast alpha to floatx.
    assert keras.layers.LeakyReLU(0.2).get_config()['alpha'] == \
        0.20000000298023224
    assert keras.layers.LeakyReLU().get_config()['alpha'] == \
        0.30000001192092896


def test_tfrecord_file_bytes_and_reading(tmp_path):
    path = str(tmp_path / 'a.tfrecord')
    with tf.io.TFRecordWriter(path) as f:
        f.write(b'ab')
        f.write(b'')
    # Bytes of the same file written by TensorFlow 2.21.
    assert open(path, 'rb').read().hex() == (
        '020000000000000078270b3461621cb0f0f4000000000000000029039807d8'
        'ea82a2')
    assert [r.numpy() for r in tf.data.TFRecordDataset([path])] == \
        [b'ab', b'']
    paths = [str(tmp_path / ('f%d.tfrecord' % i)) for i in range(2)]
    options = tf.io.TFRecordOptions(compression_type='GZIP')
    for i, p in enumerate(paths):
        with tf.io.TFRecordWriter(p, options) as f:
            for j in range(2):
                f.write('File {} record {}'.format(i, j).encode('utf-8'))
    dataset = tf.data.TFRecordDataset(paths, compression_type='GZIP',
                                      num_parallel_reads=2)
    assert [r.numpy() for r in dataset] == [
        b'File 0 record 0', b'File 1 record 0', b'File 0 record 1',
        b'File 1 record 1']


def test_example_proto_from_tensorflow_parses():
    # tf.train.Example serialized by TensorFlow 2.21.
    data = bytes.fromhex(
        '0a360a0d0a0178120812060a040000003f0a0e0a046e616d6512060a040a02'
        '416c0a150a026964120f1a0d0a0b7bffffffffffffffffff01')
    example = tf.train.Example.FromString(data)
    feature = example.features.feature
    assert feature['id'].int64_list.value == [123, -1]
    assert feature['name'].bytes_list.value == [b'Al']
    assert feature['x'].float_list.value == [.5]
    again = tf.train.Example.FromString(example.SerializeToString())
    assert again == example
    description = {
        'name': tf.io.FixedLenFeature([], tf.string, default_value=''),
        'id': tf.io.VarLenFeature(tf.int64),
        'x': tf.io.FixedLenFeature([1], tf.float32),
        'missing': tf.io.FixedLenFeature([], tf.int64, default_value=0)}
    parsed = tf.io.parse_single_example(data, description)
    assert parsed['name'].numpy() == b'Al'
    assert parsed['id'].values.numpy().tolist() == [123, -1]
    assert parsed['id'].dense_shape.numpy().tolist() == [2]
    assert parsed['x'].numpy().tolist() == [.5]
    assert int(parsed['missing']) == 0
    batch = tf.io.parse_example(np.array([data, data], dtype=object),
                                description)
    assert batch['name'].tolist() == [b'Al', b'Al']
    assert tf.sparse.to_dense(batch['id']).numpy().tolist() == \
        [[123, -1], [123, -1]]


def test_sequence_example_with_string_feature_lists():
    Feature, BytesList = tf.train.Feature, tf.train.BytesList

    def words(ws):
        return Feature(bytes_list=BytesList(value=[w.encode() for w in ws]))
    sequence_example = tf.train.SequenceExample(
        context=tf.train.Features(feature={'author_id': Feature(
            int64_list=tf.train.Int64List(value=[123]))}),
        feature_lists=tf.train.FeatureLists(feature_list={
            'content': tf.train.FeatureList(
                feature=[words(['When', 'shall']), words(['In', 'a', 'b'])])}))
    context, sequences = tf.io.parse_single_sequence_example(
        sequence_example.SerializeToString(),
        {'author_id': tf.io.FixedLenFeature([], tf.int64, default_value=0),
         'pub_date': tf.io.FixedLenFeature([3], tf.int64,
                                           default_value=[0, 0, 0])},
        {'content': tf.io.VarLenFeature(tf.string)})
    assert int(context['author_id']) == 123
    assert context['pub_date'].numpy().tolist() == [0, 0, 0]
    content = sequences['content']
    assert content.dense_shape.numpy().tolist() == [2, 3]
    assert tf.sparse.to_dense(content, default_value=b'').tolist() == [
        [b'When', b'shall', b''], [b'In', b'a', b'b']]


def test_text_lines_batch_as_byte_strings(tmp_path):
    path = tmp_path / 'a.csv'
    path.write_text('h\n1,2\n3,4\n5,6\n')
    dataset = tf.data.TextLineDataset(str(path)).skip(1).batch(2)
    batches = [b.tolist() for b in dataset]
    assert batches == [[b'1,2', b'3,4'], [b'5,6']]
