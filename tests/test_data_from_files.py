"""tf.data pipelines that read their data from files: TFRecord files of
`tf.train.Example`s parsed with FixedLenFeature, VarLenFeature and
FixedLenSequenceFeature, `tf.io.decode_raw`, PNG/JPEG encoding with
`tf.io.write_file`, CSV files through `CsvDataset` and
`make_csv_dataset`, `Dataset.cache(filename)`, `Dataset.save`/`load` and
`snapshot`. Expected values come from TensorFlow 2.21 / tf_keras 2.21
running the same code."""
import collections
import hashlib
import os

import numpy as np
import pytest

import keras_compat.tensorflow_compat as tf
from keras_compat import models, layers


def _values(t):
    v = t.numpy() if hasattr(t, 'numpy') else t
    return v.tolist() if hasattr(v, 'tolist') else v


def _write_records(path, shard, options=None):
    with tf.io.TFRecordWriter(path, options) as writer:
        for i in range(4):
            feature = {
                'id': tf.train.Feature(
                    int64_list=tf.train.Int64List(value=[shard * 10 + i])),
                'tags': tf.train.Feature(bytes_list=tf.train.BytesList(
                    value=[b't%d' % k for k in range(i)])),
                'raw': tf.train.Feature(bytes_list=tf.train.BytesList(
                    value=[bytes([0, 1, 2, 3, shard, i, 0, 1])])),
                'seq': tf.train.Feature(float_list=tf.train.FloatList(
                    value=[float(k) for k in range(2 * i)]))}
            example = tf.train.Example(
                features=tf.train.Features(feature=feature))
            writer.write(example.SerializeToString())


_DESCRIPTION = {
    'id': tf.io.FixedLenFeature([], tf.int64),
    'tags': tf.io.VarLenFeature(tf.string),
    'raw': tf.io.FixedLenFeature([], tf.string),
    'seq': tf.io.FixedLenSequenceFeature([2], tf.float32, allow_missing=True),
    'missing': tf.io.FixedLenFeature([1], tf.int64, default_value=[7])}


@pytest.fixture
def records(tmp_path):
    paths = [str(tmp_path / ('part-%d.tfrecord' % i)) for i in range(3)]
    for shard, path in enumerate(paths):
        _write_records(path, shard, tf.io.TFRecordOptions(
            compression_type='GZIP') if shard == 1 else None)
    return paths


def test_single_examples_with_sequence_and_raw_features(records):
    def parse(record):
        e = tf.io.parse_single_example(record, _DESCRIPTION)
        return (e['id'], tf.sparse.to_dense(e['tags'], default_value=b''),
                tf.io.decode_raw(e['raw'], tf.uint8), e['seq'],
                e['missing'])
    got = [[_values(c) for c in e] for e in
           tf.data.TFRecordDataset([records[1]], compression_type='GZIP')
           .map(parse)]
    # TensorFlow 2.21
    assert got == [
        [10, [], [0, 1, 2, 3, 1, 0, 0, 1], [], [7]],
        [11, [b't0'], [0, 1, 2, 3, 1, 1, 0, 1], [[0.0, 1.0]], [7]],
        [12, [b't0', b't1'], [0, 1, 2, 3, 1, 2, 0, 1],
         [[0.0, 1.0], [2.0, 3.0]], [7]],
        [13, [b't0', b't1', b't2'], [0, 1, 2, 3, 1, 3, 0, 1],
         [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], [7]]]
    interleaved = tf.data.TFRecordDataset(
        [records[0], records[2]], num_parallel_reads=2).map(
        lambda r: tf.io.parse_single_example(r, _DESCRIPTION)['id'])
    assert [_values(i) for i in interleaved] == \
        [0, 20, 1, 21, 2, 22, 3, 23]


def test_batches_of_serialized_examples_keep_their_bytes(records):
    def parse(batch):
        e = tf.io.parse_example(batch, _DESCRIPTION)
        return e['id'], e['tags'], e['seq'], \
            tf.io.decode_raw(e['raw'], tf.int16)
    batches = list(tf.data.TFRecordDataset([records[0], records[2]])
                   .batch(3).map(parse).take(2))
    ids, tags, seq, raw = batches[1]
    # TensorFlow 2.21
    assert _values(ids) == [3, 20, 21]
    assert _values(tags.indices) == [[0, 0], [0, 1], [0, 2], [2, 0]]
    assert list(tags.values) == [b't0', b't1', b't2', b't0']
    assert _values(tags.dense_shape) == [3, 3]
    assert _values(seq) == [[[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]],
                            [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]],
                            [[0.0, 1.0], [0.0, 0.0], [0.0, 0.0]]]
    assert _values(raw) == [[256, 770, 768, 256], [256, 770, 2, 256],
                            [256, 770, 258, 256]]
    assert raw.dtype == tf.int16
    assert _values(batches[0][1].dense_shape) == [3, 2]


def _example(values):
    return tf.train.Example(features=tf.train.Features(feature={
        'a': tf.train.Feature(int64_list=tf.train.Int64List(
            value=values))})).SerializeToString()


def test_fixed_len_sequence_feature_padding_and_errors():
    three, one = _example([1, 2, 3]), _example([4])
    padded = tf.io.FixedLenSequenceFeature([], tf.int64, allow_missing=True,
                                           default_value=-1)
    # TensorFlow 2.21
    assert _values(tf.io.parse_example([three, one], {'a': padded})['a']) \
        == [[1, 2, 3], [4, -1, -1]]
    zeros = tf.io.FixedLenSequenceFeature([], tf.int64, allow_missing=True)
    assert _values(tf.io.parse_example([three, one], {'a': zeros})['a']) \
        == [[1, 2, 3], [4, 0, 0]]
    empty = tf.io.parse_example(
        [one, one], {'b': tf.io.FixedLenSequenceFeature(
            [], tf.float32, allow_missing=True)})['b']
    assert tuple(empty.shape) == (2, 0)
    pairs = tf.io.FixedLenSequenceFeature([2], tf.int64, allow_missing=True)
    assert tuple(tf.io.parse_single_example(three, {'b': pairs})['b']
                 .shape) == (0, 2)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match='number of elements should be divisible by 2, '
                             'found 3 instead'):
        tf.io.parse_single_example(three, {'a': pairs})
    with pytest.raises(ValueError, match='requires allow_missing to be '
                                         'True'):
        tf.io.parse_single_example(three, {'a': tf.io.FixedLenSequenceFeature(
            [], tf.int64)})


def test_parse_errors_are_invalid_argument_errors():
    three = _example([1, 2, 3])
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r'Feature: b \(data type: int64\) is required '
                             'but could not be found'):
        tf.io.parse_single_example(three, {'b': tf.io.FixedLenFeature(
            [], tf.int64)})
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="Key: a.  Data types don't match. Data type: "
                             "int64 but expected type: float"):
        tf.io.parse_single_example(three, {'a': tf.io.FixedLenFeature(
            [3], tf.float32)})


def test_decode_raw_types_byte_order_and_lengths():
    data = bytes(range(8))
    # TensorFlow 2.21
    assert _values(tf.io.decode_raw(data, tf.int16)) == \
        [256, 770, 1284, 1798]
    assert _values(tf.io.decode_raw(data, tf.int16, little_endian=False)) \
        == [1, 515, 1029, 1543]
    assert _values(tf.io.decode_raw([data, data[::-1]], tf.int32)) == \
        [[50462976, 117835012], [67438087, 66051]]
    assert _values(tf.io.decode_raw([data, data[:4]], tf.int16,
                                    fixed_length=6)) == \
        [[256, 770, 1284], [256, 770, 0]]
    assert _values(tf.io.decode_raw(data, tf.bool)) == \
        [False] + [True] * 7
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match='length 7 that is not a multiple of 2'):
        tf.io.decode_raw(data[:7], tf.int16)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match='element 1 has size 8 != 4'):
        tf.io.decode_raw([data, data[:4]], tf.int32)


def test_png_and_jpeg_files_written_and_read_back(tmp_path):
    image = (np.arange(60).reshape(4, 5, 3) * 4 % 256).astype(np.uint8)
    path = str(tmp_path / 'a.png')
    tf.io.write_file(path, tf.io.encode_png(image))
    contents = tf.io.read_file(path)
    assert contents.dtype == tf.string and contents.shape == ()
    back = tf.io.decode_png(contents)
    assert _values(back) == image.tolist()
    deep = tf.io.encode_png(image.astype(np.uint16) * 250)
    assert _values(tf.io.decode_png(deep)[0, :2]) == \
        [[0, 3, 7], [11, 15, 19]]  # TensorFlow 2.21: 16 bits to 8
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match='at least rank 3'):
        tf.io.encode_png(image[0])
    # TensorFlow 2.21's encode_jpeg bytes (libjpeg, quality 95, 300 dpi).
    assert hashlib.md5(tf.io.encode_jpeg(image).numpy()).hexdigest() == \
        '5ee6a14d672379d8b3459ba77f6c02d4'
    grey = np.zeros((2, 3, 1), np.uint8) + 100
    assert hashlib.md5(tf.image.encode_jpeg(grey).numpy()).hexdigest() \
        == '42395795abb7be94de974ac9373329c2'


@pytest.fixture
def csv_files(tmp_path):
    first, second = str(tmp_path / 'a.csv'), str(tmp_path / 'b.csv')
    with open(first, 'w') as f:
        f.write('x,y,name,label\n1.5,2,a,0\n,3,"b,c",1\n4.0,,d,0\n'
                '-1,5,e,1\n')
    with open(second, 'w') as f:
        f.write('x,y,name,label\n7,8,f,1\n9,10,g,0\n')
    return first, second


def _rows(dataset):
    return [tuple(_values(c) for c in e) for e in dataset]


def test_csv_dataset_defaults_selection_and_required_fields(csv_files):
    first, second = csv_files
    rows = tf.data.experimental.CsvDataset(
        [first, second], [[0.0], [0], [''], tf.int32], header=True)
    # TensorFlow 2.21
    assert _rows(rows) == [(1.5, 2, b'a', 0), (0.0, 3, b'b,c', 1),
                           (4.0, 0, b'd', 0), (-1.0, 5, b'e', 1),
                           (7.0, 8, b'f', 1), (9.0, 10, b'g', 0)]
    selected = tf.data.experimental.CsvDataset(
        first, [[0.0], [-1]], header=True, select_cols=[0, 3])
    assert _rows(selected) == [(1.5, 0), (0.0, 1), (4.0, 0), (-1.0, 1)]
    required = tf.data.experimental.CsvDataset(
        first, [tf.float32, tf.int32, tf.string, tf.int32], header=True)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match='Field 0 is required but missing in record!'):
        list(required)
    lines = tf.data.Dataset.from_tensor_slices([first, second]).flat_map(
        lambda f: tf.data.TextLineDataset(f).skip(1)).map(
        lambda line: tf.io.decode_csv(line, [[0.0], [0], [''], [0]]))
    assert _rows(lines) == _rows(rows)


def test_make_csv_dataset_columns_labels_and_inferred_types(csv_files,
                                                           tmp_path):
    first, second = csv_files
    batches = list(tf.data.experimental.make_csv_dataset(
        first, batch_size=2, label_name='label', num_epochs=1,
        shuffle=False, column_defaults=[0.0, 0, '', 0]))
    features, label = batches[1]
    # TensorFlow 2.21
    assert isinstance(features, collections.OrderedDict)
    assert list(features) == ['x', 'y', 'name']
    assert _values(features['x']) == [4.0, -1.0]
    assert _values(features['y']) == [0, 5]
    assert list(features['name']) == [b'd', b'e']
    assert _values(label) == [0, 1]
    picked = tf.data.experimental.make_csv_dataset(
        [first, second], batch_size=3, num_epochs=1, shuffle=False,
        select_columns=['x', 'label'], column_defaults=[0.0, 0])
    assert [{k: _values(v) for k, v in b.items()} for b in picked] == [
        {'x': [1.5, 0.0, 4.0], 'label': [0, 1, 0]},
        {'x': [-1.0, 7.0, 9.0], 'label': [1, 1, 0]}]
    wide = str(tmp_path / 'wide.csv')
    with open(wide, 'w') as f:
        f.write('big,f,s,i\n1,2.5,a,3\n3000000000,1e40,b,\n')
    endless = tf.data.experimental.make_csv_dataset(
        wide, batch_size=4, shuffle=False, label_name='i')
    features, label = next(iter(endless))
    assert [features[k].dtype for k in ('big', 'f')] == \
        [tf.int64, tf.float64]
    assert _values(features['f']) == [2.5, 1e40, 2.5, 1e40]
    assert label.dtype == tf.int32 and _values(label) == [3, 0, 3, 0]


def test_cache_file_is_written_then_read_even_for_another_pipeline(
        tmp_path):
    prefix = str(tmp_path / 'cache')
    dataset = tf.data.Dataset.range(4).map(lambda x: x * 3).cache(
        prefix).batch(2)
    assert [_values(b) for b in dataset] == [[0, 3], [6, 9]]
    assert sorted(os.listdir(str(tmp_path))) == \
        ['cache.data-00000-of-00001', 'cache.index']
    # TensorFlow 2.21 reads the existing cache file, whatever is upstream.
    other = tf.data.Dataset.range(4).map(lambda x: x * 100).cache(
        prefix).batch(2)
    assert [_values(b) for b in other] == [[0, 3], [6, 9]]
    frozen = tf.data.Dataset.range(6).shuffle(6).cache()
    assert [_values(x) for x in frozen] == [_values(x) for x in frozen]


def test_fit_on_a_file_cached_dataset(tmp_path):
    model = models.Sequential([layers.Dense(1, kernel_initializer='ones',
                                            input_shape=(2,))])
    model.compile('sgd', 'mse')
    x = np.arange(16, dtype='float32').reshape(8, 2) / 10
    y = np.arange(8, dtype='float32')[:, None] / 10
    train = tf.data.Dataset.from_tensor_slices((x, y)).cache(
        str(tmp_path / 'fit')).batch(4)
    history = model.fit(train, epochs=3, verbose=0)
    # tf_keras 2.21
    np.testing.assert_allclose(history.history['loss'],
                               [1.753593, 1.45278, 1.205405], rtol=1e-5)


def test_save_load_and_snapshot(tmp_path):
    source = tf.data.Dataset.from_tensor_slices((
        {'a': np.arange(6, dtype=np.float32).reshape(3, 2)},
        np.array([1, 2, 3])))
    path = str(tmp_path / 'saved')
    source.save(path)
    loaded = tf.data.Dataset.load(path)
    # TensorFlow 2.21
    assert [(_values(f['a']), _values(l)) for f, l in loaded] == \
        [([0.0, 1.0], 1), ([2.0, 3.0], 2), ([4.0, 5.0], 3)]
    assert int(loaded.cardinality()) == 3
    tf.data.experimental.save(source, path + '2')
    assert len(list(tf.data.experimental.load(path + '2'))) == 3
    snap = tf.data.Dataset.range(4).snapshot(str(tmp_path / 'snap'))
    assert [_values(x) for x in snap] == [0, 1, 2, 3]
    assert [_values(x) for x in snap] == [0, 1, 2, 3]


def test_map_results_and_nest_keep_structures():
    pairs = tf.data.Dataset.range(2).map(lambda x: [x, x + 1])
    assert all(isinstance(e, tuple) for e in pairs)
    ordered = collections.OrderedDict([('b', 1), ('a', 2)])
    mapped = tf.nest.map_structure(lambda v: v * 10, ordered)
    # TensorFlow 2.21: the dict's type and key order are kept.
    assert isinstance(mapped, collections.OrderedDict)
    assert list(mapped.items()) == [('b', 10), ('a', 20)]
    assert tf.nest.flatten(ordered) == [2, 1]
