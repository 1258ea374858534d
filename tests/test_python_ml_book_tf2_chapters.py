"""Idioms of the TensorFlow 2 chapters (13-17) of "Python Machine
Learning, 3rd edition" on keras_compat: tf.data order experiments and
splits, tf.Variable / tf.function / TF1 sessions, feature columns in
place of Estimators, tf.image augmentation, py_function text encoding
with padded_batch, and WGAN-GP's nested gradient tapes. Reference values
come from TensorFlow 2.21 + tf_keras 2.21 (TF_USE_LEGACY_KERAS=1) running
the same code."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import keras_compat as keras
from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common


@pytest.fixture(autouse=True)
def _tf_keras_flavour():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


def _fixed(model, step, scale):
    model.set_weights([
        np.sin(np.arange(np.prod(w.shape)) * step + 0.3).reshape(
            w.shape).astype('float32') * scale for w in model.get_weights()])


def test_slices_of_python_lists_and_strings_have_tensorflow_dtypes():
    ds = tf.data.Dataset.from_tensor_slices([1.2, 3.4, 7.5])
    # tf_keras 2.21: float32 for Python floats, int32 for Python ints.
    assert [str(e.dtype) for e in ds] == ['torch.float32'] * 3
    assert next(iter(tf.data.Dataset.from_tensor_slices([4, 5]))).dtype \
        == tf.int32
    files = tf.data.Dataset.from_tensor_slices((['a_dog.jpg', 'b_cat.jpg'],
                                                [1, 0]))
    # tf_keras 2.21: b'a_dog.jpg' 1 / b'b_cat.jpg' 0
    assert [(f.numpy(), int(y)) for f, y in files] == [
        (b'a_dog.jpg', 1), (b'b_cat.jpg', 0)]
    texts = np.array([['a good movie'], ['bad']], dtype=object)
    first = next(iter(tf.data.Dataset.from_tensor_slices((texts, [1, 0]))))
    assert first[0].numpy()[0] == b'a good movie'


def test_shuffle_split_stays_disjoint_only_without_reshuffling():
    def split(reshuffle):
        ds = tf.data.Dataset.range(15).shuffle(
            15, reshuffle_each_iteration=reshuffle)
        train = ds.take(10).shuffle(10).repeat(10)
        test = ds.skip(10).shuffle(5).repeat(10)
        return ({int(x.numpy()) for x in train},
                {int(x.numpy()) for x in test})
    train, test = split(False)
    # tf_keras 2.21: 10 and 5 elements, no overlap ("the correct way").
    assert (len(train), len(test), train & test) == (10, 5, set())
    train, test = split(True)
    # ("The wrong way": each repetition reshuffles the whole range.)
    assert len(train) > 10 and len(test) > 5


def test_shuffle_batch_repeat_reshuffles_each_repetition():
    t_x = tf.constant(np.arange(12, dtype=np.float32).reshape(4, 3))
    ds_joint = tf.data.Dataset.from_tensor_slices((t_x, tf.range(4)))
    epochs = [tuple(int(v) for b in list(ds_joint.shuffle(4).batch(2)
                                         .repeat(20))[i:i + 2]
                    for v in b[1].numpy()) for i in range(0, 40, 2)]
    assert all(sorted(e) == [0, 1, 2, 3] for e in epochs)
    assert len(set(epochs)) > 1
    ordered = [b[1].numpy().tolist() for b in ds_joint.batch(3).repeat(2)]
    assert ordered == [[0, 1, 2], [3], [0, 1, 2], [3]]
    seeded = ds_joint.shuffle(4, seed=3)
    first, second = ([int(y) for _, y in seeded] for _ in range(2))
    assert sorted(first) == sorted(second) == [0, 1, 2, 3]


def test_variables_functions_and_a_tf1_session():
    b = tf.Variable(initial_value=[1, 2, 3], name='var_b')
    # tf_keras 2.21: int32 / float32 / bool
    assert (b.dtype, tf.Variable(3.14).dtype,
            tf.Variable([True, False]).dtype) == (
        tf.int32, tf.float32, tf.bool)
    w = tf.Variable([1, 2, 3], trainable=False)
    w.assign([3, 1, 4], read_value=True)
    w.assign_add([2, -1, 2], read_value=False)
    assert w.numpy().tolist() == [5, 0, 6]

    @tf.function(input_signature=(tf.TensorSpec(shape=[None], dtype=tf.int32),
                                  tf.TensorSpec(shape=[None], dtype=tf.int32)))
    def compute_z(a, b):
        return tf.add(tf.multiply(2, tf.subtract(a, b)), 3)
    assert compute_z([1, 2], [2, 4]).numpy().tolist() == [1, -1]
    with pytest.raises(TypeError):
        compute_z([[1], [2]], [[2], [4]])

    g = tf.Graph()
    with g.as_default():
        z = 2 * (tf.constant(1) - tf.constant(2)) + tf.constant(3)
        a = tf.compat.v1.placeholder(shape=(), dtype=tf.int32)
        # (Without a shape, as TensorFlow 1: fed a value of any shape.)
        unshaped = tf.compat.v1.placeholder(shape=None, dtype=tf.int32)
    with tf.compat.v1.Session(graph=g) as sess:
        assert int(z.eval()) == 1
        assert int(sess.run(2 * a, feed_dict={a: 4})) == 8
        assert sess.run(unshaped + 1, feed_dict={
            unshaped: [[1, 2]]}).tolist() == [[2, 3]]


def test_estimators_refuse_and_name_the_keras_way():
    with pytest.raises(NotImplementedError, match='model.fit'):
        tf.estimator.DNNClassifier(feature_columns=[], hidden_units=[32])
    with pytest.raises(NotImplementedError, match='model.fit'):
        keras.estimator.model_to_estimator(keras_model=None)
    assert tf.estimator.ModeKeys.PREDICT == 'infer'
    assert not isinstance(object(), tf.estimator.Estimator)


def test_feature_columns_through_dense_features_in_a_sequential():
    rng = np.random.RandomState(1)
    feats = {'Weight': rng.uniform(-1, 1, 8).astype('float32'),
             'ModelYear': rng.randint(70, 83, 8),
             'Origin': rng.randint(1, 4, 8)}
    columns = [
        tf.feature_column.numeric_column('Weight'),
        tf.feature_column.bucketized_column(
            tf.feature_column.numeric_column('ModelYear'), [73, 76, 79]),
        tf.feature_column.indicator_column(
            tf.feature_column.categorical_column_with_vocabulary_list(
                'Origin', [1, 2, 3]))]
    model = keras.Sequential([keras.layers.DenseFeatures(columns),
                              keras.layers.Dense(4, activation='relu'),
                              keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adagrad(0.05), loss='mse')
    ds = tf.data.Dataset.from_tensor_slices(
        (feats, np.linspace(10, 30, 8).astype('float32'))).batch(4)
    model.fit(ds, epochs=1, verbose=0)
    _fixed(model, 0.37, 0.2)
    model.compile(optimizer=keras.optimizers.Adagrad(0.05), loss='mse')
    history = model.fit(ds, epochs=2, verbose=0)
    # tf_keras 2.21
    np.testing.assert_allclose(history.history['loss'],
                               [427.10101, 409.12256], rtol=1e-5)


def test_image_augmentation_operations():
    img = (np.arange(60) * 37 % 256).astype(np.uint8).reshape(4, 5, 3)
    f = img.astype(np.float32) / 255.
    # tf_keras 2.21 / TensorFlow 2.21
    assert tf.image.adjust_brightness(img, 0.3).numpy()[0, :, 0].tolist() \
        == [76, 187, 255, 153, 255]
    assert tf.image.adjust_contrast(img, 2.).numpy()[..., 1].tolist() == [
        [0, 177, 0, 109, 255], [41, 255, 0, 195, 0],
        [127, 255, 59, 255, 0], [213, 0, 145, 255, 77]]
    np.testing.assert_allclose(
        tf.image.adjust_contrast(f, 0.5).numpy()[0, :, 2],
        [0.37510, 0.59275, 0.30843, 0.52608, 0.24176], atol=1e-5)
    np.testing.assert_allclose(
        tf.image.adjust_brightness(f, -0.2).numpy()[0, :, 0],
        [-0.2, 0.23529, 0.67059, 0.10196, 0.53725], atol=1e-5)
    assert tuple(tf.image.central_crop(np.zeros((218, 178, 3)), 0.7).shape) \
        == (154, 126, 3)
    assert tuple(tf.image.central_crop(np.zeros((2, 9, 7, 1)), 0.5).shape) \
        == (2, 5, 5, 1)
    assert tf.image.rot90(img, k=1).numpy()[0, :, 0].tolist() == [
        188, 231, 18, 61]
    assert tf.image.adjust_gamma(img, 0.5).numpy()[0, :, 0].tolist() == [
        0, 168, 238, 140, 219]
    shifted = tf.image.random_brightness(f, 0.1).numpy() - f
    assert np.ptp(shifted) < 1e-6 and abs(shifted.mean()) <= 0.1


def test_py_function_encoding_then_padded_batch():
    texts = np.array([['a good movie'], ['bad bad film'],
                      ['good plot and good actors'], ['not good'],
                      ['a film'], ['bad']], dtype=object)
    ds_raw = tf.data.Dataset.from_tensor_slices((texts, [1, 0, 1, 0, 1, 0]))
    vocab = {}
    for ex in ds_raw:
        for tok in ex[0].numpy()[0].decode().split():
            vocab.setdefault(tok, len(vocab) + 1)

    def encode(text_tensor, label):
        text = text_tensor.numpy()[0]
        return [vocab[t] for t in text.decode().split()], label

    def encode_map_fn(text, label):
        return tf.py_function(encode, inp=[text, label],
                              Tout=(tf.int64, tf.int64))
    batches = tf.data.Dataset.from_tensor_slices(
        (texts, [1, 0, 1, 0, 1, 0])).map(encode_map_fn).padded_batch(
        4, padded_shapes=([-1], []))
    # tf_keras 2.21
    assert [b[0].numpy().tolist() for b in batches] == [
        [[1, 2, 3, 0, 0], [4, 4, 5, 0, 0], [2, 6, 7, 2, 8], [9, 2, 0, 0, 0]],
        [[1, 5], [4, 0]]]


def _dcgan_pair(z_size):
    gen = keras.Sequential([
        keras.layers.Input(shape=(z_size,)),
        keras.layers.Dense(7 * 7 * 4, use_bias=False),
        keras.layers.BatchNormalization(), keras.layers.LeakyReLU(),
        keras.layers.Reshape((7, 7, 4)),
        keras.layers.Conv2DTranspose(2, (5, 5), strides=(2, 2),
                                     padding='same', use_bias=False),
        keras.layers.BatchNormalization(), keras.layers.LeakyReLU(),
        keras.layers.Conv2DTranspose(1, (5, 5), strides=(2, 2),
                                     padding='same', use_bias=False,
                                     activation='tanh')])
    disc = keras.Sequential([
        keras.layers.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(4, (5, 5), strides=(2, 2), padding='same'),
        keras.layers.BatchNormalization(), keras.layers.LeakyReLU(),
        keras.layers.Conv2D(1, (14, 14), padding='valid'),
        keras.layers.Reshape((1,))])
    _fixed(gen, 0.11, 0.1)
    _fixed(disc, 0.07, 0.1)
    return gen, disc


def test_wgan_gp_step_with_nested_gradient_tapes():
    rng = np.random.RandomState(0)
    real = (rng.randint(0, 256, (4, 28, 28, 1)).astype(np.float32)
            / 255.) * 2 - 1
    input_z = rng.uniform(-1, 1, (4, 3)).astype(np.float32)
    alpha = tf.constant(rng.uniform(0, 1, (4, 1, 1, 1)).astype(np.float32))
    gen, disc = _dcgan_pair(3)
    g_optimizer = keras.optimizers.Adam(0.0002)
    d_optimizer = keras.optimizers.Adam(0.0002)
    losses = []
    for _ in range(2):
        with tf.GradientTape() as d_tape, tf.GradientTape() as g_tape:
            g_output = gen(input_z, training=True)
            d_critics_real = disc(real, training=True)
            d_critics_fake = disc(g_output, training=True)
            g_loss = -tf.math.reduce_mean(d_critics_fake)
            d_loss = -tf.math.reduce_mean(d_critics_real) + \
                tf.math.reduce_mean(d_critics_fake)
            with tf.GradientTape() as gp_tape:
                interpolated = alpha * real + (1 - alpha) * g_output
                gp_tape.watch(interpolated)
                d_critics_intp = disc(interpolated)
            grads_intp = gp_tape.gradient(d_critics_intp,
                                          [interpolated])[0]
            grads_intp_l2 = tf.sqrt(tf.reduce_sum(tf.square(grads_intp),
                                                  axis=[1, 2, 3]))
            grad_penalty = tf.reduce_mean(tf.square(grads_intp_l2 - 1.0))
            d_loss = d_loss + 10.0 * grad_penalty
        d_grads = d_tape.gradient(d_loss, disc.trainable_variables)
        g_grads = g_tape.gradient(g_loss, gen.trainable_variables)
        d_optimizer.apply_gradients(zip(d_grads, disc.trainable_variables))
        g_optimizer.apply_gradients(zip(g_grads, gen.trainable_variables))
        losses.append([float(keras.backend.get_value(v))
                       for v in (g_loss, d_loss, grad_penalty)])
    # tf_keras 2.21
    np.testing.assert_allclose(losses, [
        [-0.1769481, 3.2217135, 0.3082488],
        [-0.1809268, 3.1579373, 0.3014870]], rtol=1e-5, atol=1e-6)


def test_script_scalars_are_hashable_numpy_scalars(tmp_path):
    script = tmp_path / 'count_labels.py'
    script.write_text(textwrap.dedent('''
        from collections import Counter
        import tensorflow as tf
        ds = tf.data.Dataset.from_tensor_slices(([0.1, 0.2, 0.3], [2, 1, 2]))
        counter = Counter()
        for example in ds:
            counter.update([example[1].numpy()])
        print(sorted(counter.items()), type(tf.constant(1.5).numpy()).__name__)
        print(sorted(set(x.numpy() for x in tf.data.Dataset.range(3))))
        '''))
    env = dict(os.environ, KERAS_COMPAT_DEVICE='cpu')
    result = subprocess.run(
        [sys.executable, '-m', 'keras_compat', 'run', str(script)],
        capture_output=True, text=True, timeout=300, env=env,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert result.returncode == 0, result.stderr
    # tf_keras 2.21: numpy scalars (np.int32 labels, np.float32 values).
    lines = result.stdout.strip().splitlines()
    assert lines[0] == '[(np.int32(1), 1), (np.int32(2), 2)] float32'
    assert lines[1] == '[np.int64(0), np.int64(1), np.int64(2)]'
