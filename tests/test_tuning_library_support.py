"""What keras-tuner and scikeras need from tf.keras and TensorFlow:
tf.io.gfile, TensorProto messages, the eager context's global seed, a
model's distribute strategy, TensorFlow checkpoint files from
save_weights, no `loss` before compile.

Expected values are TensorFlow 2.21 / tf_keras 2.21's (run on the same
calls)."""
import os

import numpy as np
import pytest

import keras_compat as keras
from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common


@pytest.fixture
def tf_keras_flavour():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


def test_gfile_files_and_directories(tmp_path):
    d = str(tmp_path)
    tf.io.gfile.makedirs(d + '/a/b')
    tf.io.gfile.makedirs(d + '/a/b')
    tf.io.gfile.mkdir(d + '/a')
    with tf.io.gfile.GFile(d + '/a/x.txt', 'w') as f:
        f.write('hi\n')
        f.write(b'there\n')
    with tf.io.gfile.GFile(d + '/a/x.txt') as f:
        assert (f.read(), f.size()) == ('hi\nthere\n', 9)
    with tf.io.gfile.GFile(d + '/a/x.txt', 'rb') as f:
        assert f.readline() == b'hi\n'
    assert sorted(tf.io.gfile.listdir(d + '/a')) == ['b', 'x.txt']
    assert tf.io.gfile.glob(d + '/a/*.txt') == [d + '/a/x.txt']
    tf.io.gfile.copy(d + '/a/x.txt', d + '/a/y.txt')
    tf.io.gfile.rename(d + '/a/y.txt', d + '/a/z.txt')
    stat = tf.io.gfile.stat(d + '/a/z.txt')
    assert (stat.length, stat.is_directory) == (9, False)
    assert list(tf.io.gfile.walk(d)) == [
        (d, ['a'], []), (d + '/a', ['b'], ['x.txt', 'z.txt']),
        (d + '/a/b', [], [])]
    tf.io.gfile.rmtree(d + '/a')
    assert not tf.io.gfile.exists(d + '/a')
    assert tf.compat.v1.gfile.Exists(d) and tf.gfile.IsDirectory(d)


def test_gfile_errors_are_tensorflow_errors(tmp_path):
    d = str(tmp_path)
    tf.io.gfile.GFile(d + '/x', 'w').close()
    for call in (lambda: tf.io.gfile.listdir(d + '/nope'),
                 lambda: tf.io.gfile.remove(d + '/nope'),
                 lambda: tf.io.gfile.rmtree(d + '/nope'),
                 lambda: tf.io.gfile.GFile(d + '/nope').read()):
        with pytest.raises(tf.errors.NotFoundError):
            call()
    with pytest.raises(tf.errors.AlreadyExistsError):
        tf.io.gfile.copy(d + '/x', d + '/x')


def test_make_tensor_proto_round_trip():
    pytest.importorskip('tensorboard')
    proto = tf.make_tensor_proto(0)
    assert type(proto).__name__ == 'TensorProto' and proto.dtype == 3
    assert tf.make_ndarray(tf.make_tensor_proto([[1.5, 2]])).tolist() == \
        [[1.5, 2.0]]


def test_eager_context_global_seed():
    from keras_compat.tensorflow_compat import python
    context = python.eager.context
    tf.random.set_seed(None)
    assert context.global_seed() is None
    tf.random.set_seed(5)
    assert context.global_seed() == 5
    assert python.framework.ops.get_default_graph().seed == 5
    tf.random.set_seed(None)
    assert context.global_seed() is None


def _model():
    model = keras.models.Sequential([keras.layers.Dense(2, input_shape=(3,))])
    return model


def test_no_loss_attribute_before_compile(tf_keras_flavour):
    model = _model()
    assert not hasattr(model, 'loss')
    model.compile('sgd', 'mse')
    assert model.loss == 'mse'


def test_distribute_strategy_of_a_model(tf_keras_flavour):
    assert _model().distribute_strategy is tf.distribute.get_strategy()
    strategy = tf.distribute.MirroredStrategy()
    with strategy.scope():
        model = _model()
    assert model.distribute_strategy is strategy
    assert not strategy.extended._in_multi_worker_mode()
    assert strategy.extended.should_checkpoint


def test_save_weights_checkpoint_files(tmp_path, tf_keras_flavour):
    # tf.keras writes prefix.index, prefix.data-00000-of-00001 and the
    # `checkpoint` state file, even for the prefix name `checkpoint`.
    prefix = str(tmp_path / 'checkpoint')
    model = _model()
    model.save_weights(prefix)
    assert sorted(os.listdir(str(tmp_path))) == [
        'checkpoint', 'checkpoint.data-00000-of-00001', 'checkpoint.index']
    other = _model()
    other.load_weights(prefix)
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert tf.train.latest_checkpoint(str(tmp_path)) == prefix
