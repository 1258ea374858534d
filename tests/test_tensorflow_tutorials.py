"""The TensorFlow 2 tutorials' idioms (tensorflow.org/tutorials: DCGAN,
pix2pix, text generation, Transformer, style transfer) on keras_compat's
TensorFlow stand-in: tf.train.Checkpoint / CheckpointManager, two
gradient tapes over one computation, tf.summary, tf.image's random
crops and total variation, tf.strings.unicode_split and ragged rows.
Reference values were computed with TensorFlow 2.21 + tf_keras
(TF_USE_LEGACY_KERAS=1) running the same code."""
import os

import numpy as np
import pytest

from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common
from keras_compat.layers import lookup as lookup_layers


@pytest.fixture
def tf_keras():
    common.set_api_flavour('tf.keras')
    yield tf.keras
    common.set_api_flavour('keras')


def _numpy(tensor):
    return tensor.detach().cpu().numpy()


def _subclassed_net(keras):
    class Net(keras.Model):
        def __init__(self):
            super(Net, self).__init__()
            self.l1 = keras.layers.Dense(3)

        def call(self, x):
            return self.l1(x)
    return Net()


def _toy_batches():
    inputs = np.arange(10, dtype='float32')[:, None]
    labels = inputs * 5. + np.arange(5, dtype='float32')[None, :]
    return [(inputs[i:i + 2], labels[i:i + 2]) for i in range(0, 10, 2)]


def _train_step(net, batch, optimizer):
    x, y = batch
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.abs(net(x) - y[:, :3]))
    variables = net.trainable_variables
    optimizer.apply_gradients(zip(tape.gradient(loss, variables),
                                  variables))
    return loss


def _trained_manager(keras, directory):
    net = _subclassed_net(keras)
    net(np.zeros((1, 1), 'float32'))
    net.set_weights([np.array([[0.5, -0.2, 0.3]], 'float32'),
                     np.zeros(3, 'float32')])
    optimizer = keras.optimizers.Adam(0.1)
    ckpt = tf.train.Checkpoint(step=tf.Variable(1), optimizer=optimizer,
                               net=net)
    manager = tf.train.CheckpointManager(ckpt, directory, max_to_keep=3)
    for batch in _toy_batches():
        _train_step(net, batch, optimizer)
        ckpt.step.assign_add(1)
        manager.save()
    return manager


def test_checkpoint_manager_keeps_the_newest_and_restores_deferred(
        tf_keras, tmp_path):
    directory = str(tmp_path / 'tf_ckpts')
    manager = _trained_manager(tf_keras, directory)
    paths = [os.path.join(directory, 'ckpt-%d' % n) for n in (3, 4, 5)]
    assert manager.checkpoints == paths
    assert manager.latest_checkpoint == paths[-1]
    assert sorted(os.listdir(directory)) == ['checkpoint'] + sorted(
        'ckpt-%d.%s' % (n, suffix) for n in (3, 4, 5)
        for suffix in ('data-00000-of-00001', 'index'))
    with open(os.path.join(directory, 'checkpoint')) as handle:
        state = [line for line in handle.read().splitlines()
                 if 'timestamp' not in line]
    assert state == ['model_checkpoint_path: "ckpt-5"'] + [
        'all_model_checkpoint_paths: "ckpt-%d"' % n for n in (3, 4, 5)]
    # A fresh program: the model is not built and the optimizer has no
    # slots when restoring; their values arrive when they are created.
    net = _subclassed_net(tf_keras)
    optimizer = tf_keras.optimizers.Adam(0.1)
    ckpt = tf.train.Checkpoint(step=tf.Variable(1), optimizer=optimizer,
                               net=net)
    again = tf.train.CheckpointManager(ckpt, directory, max_to_keep=3)
    assert again.checkpoints == paths
    status = ckpt.restore(again.latest_checkpoint)
    assert (int(ckpt.step), int(optimizer.iterations),
            int(ckpt.save_counter)) == (6, 5, 5)
    np.testing.assert_allclose(_numpy(net(np.array([[1.0]], 'float32'))),
                               [[1.4512, 0.7575, 1.2575]], atol=1e-4)
    loss = _train_step(net, _toy_batches()[0], optimizer)
    np.testing.assert_allclose(float(loss.detach()), 2.8379, atol=1e-4)
    np.testing.assert_allclose(net.get_weights()[0],
                               [[1.0394, 0.3394, 0.8394]], atol=1e-4)
    status.assert_consumed()
    assert again.save() == os.path.join(directory, 'ckpt-6')
    assert again.checkpoints == paths[1:] + [
        os.path.join(directory, 'ckpt-6')]
    assert manager.save(checkpoint_number=100) == os.path.join(
        directory, 'ckpt-100')


def test_checkpoint_keys_are_tensorflows_object_paths(tf_keras, tmp_path):
    manager = _trained_manager(tf_keras, str(tmp_path))
    assert tf.train.list_variables(str(tmp_path)) == [
        ('_CHECKPOINTABLE_OBJECT_GRAPH', []),
        ('net/l1/bias/.ATTRIBUTES/VARIABLE_VALUE', [3]),
        ('net/l1/kernel/.ATTRIBUTES/VARIABLE_VALUE', [1, 3]),
        ('optimizer/_iterations/.ATTRIBUTES/VARIABLE_VALUE', []),
        ('optimizer/_learning_rate/.ATTRIBUTES/VARIABLE_VALUE', []),
        ('optimizer/_variables/1/.ATTRIBUTES/VARIABLE_VALUE', [1, 3]),
        ('optimizer/_variables/2/.ATTRIBUTES/VARIABLE_VALUE', [1, 3]),
        ('optimizer/_variables/3/.ATTRIBUTES/VARIABLE_VALUE', [3]),
        ('optimizer/_variables/4/.ATTRIBUTES/VARIABLE_VALUE', [3]),
        ('save_counter/.ATTRIBUTES/VARIABLE_VALUE', []),
        ('step/.ATTRIBUTES/VARIABLE_VALUE', [])]
    assert int(tf.train.load_variable(manager.latest_checkpoint, 'step')) \
        == 6
    model = tf_keras.Sequential([
        tf_keras.layers.Dense(2, use_bias=False, input_shape=(3,)),
        tf_keras.layers.BatchNormalization(), tf_keras.layers.LeakyReLU(),
        tf_keras.layers.Dense(1)])
    path = tf.train.Checkpoint(generator=model).write(
        str(tmp_path / 'sequential'))
    assert [key for key, _ in tf.train.list_variables(path)] == [
        '_CHECKPOINTABLE_OBJECT_GRAPH',
        'generator/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE',
        'generator/layer_with_weights-1/beta/.ATTRIBUTES/VARIABLE_VALUE',
        'generator/layer_with_weights-1/gamma/.ATTRIBUTES/VARIABLE_VALUE',
        'generator/layer_with_weights-1/moving_mean/.ATTRIBUTES/'
        'VARIABLE_VALUE',
        'generator/layer_with_weights-1/moving_variance/.ATTRIBUTES/'
        'VARIABLE_VALUE',
        'generator/layer_with_weights-2/bias/.ATTRIBUTES/VARIABLE_VALUE',
        'generator/layer_with_weights-2/kernel/.ATTRIBUTES/VARIABLE_VALUE']


def test_checkpoint_save_numbers_prefixes_and_restores(tf_keras, tmp_path):
    model = tf_keras.Sequential([tf_keras.layers.Dense(2, input_shape=(3,))])
    optimizer = tf_keras.optimizers.Adam(1e-4)
    checkpoint = tf.train.Checkpoint(generator_optimizer=optimizer,
                                     generator=model)
    prefix = os.path.join(str(tmp_path), 'ckpt')
    first = model.get_weights()
    assert checkpoint.save(file_prefix=prefix) == prefix + '-1'
    model.set_weights([w + 1 for w in first])
    assert checkpoint.save(file_prefix=prefix) == prefix + '-2'
    assert int(checkpoint.save_counter) == 2
    with open(os.path.join(str(tmp_path), 'checkpoint')) as handle:
        assert handle.read() == ('model_checkpoint_path: "ckpt-2"\n'
                                 'all_model_checkpoint_paths: "ckpt-2"\n')
    assert tf.train.latest_checkpoint(str(tmp_path)) == prefix + '-2'
    status = checkpoint.restore(prefix + '-1')
    np.testing.assert_array_equal(model.get_weights()[0], first[0])
    assert status.expect_partial() is status
    status.assert_existing_objects_matched()
    assert type(checkpoint.restore(None)).__name__ == \
        'InitializationOnlyStatus'
    with pytest.raises(AssertionError, match='No checkpoint specified'):
        checkpoint.restore(None).assert_consumed()
    partial = tf.train.Checkpoint(generator=model).restore(prefix + '-1')
    with pytest.raises(AssertionError, match='Unresolved object in '
                       r'checkpoint \(root\)\.generator_optimizer\.'):
        partial.assert_consumed()
    partial.expect_partial()
    with pytest.raises(tf.errors.NotFoundError, match='Failed to find any '
                       'matching files for'):
        checkpoint.restore(prefix + '-7')
    with pytest.raises(ValueError, match='expecting x to be a trackable'):
        tf.train.Checkpoint(x=3)


def test_two_tapes_over_one_graph_train_a_gan_as_tensorflow(tf_keras):
    gen = tf_keras.Sequential([tf_keras.layers.Dense(3, input_shape=(2,))])
    disc = tf_keras.Sequential([tf_keras.layers.Dense(1, input_shape=(3,))])
    gen.set_weights([np.array([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]],
                              'float32'), np.array([0.1, 0., -0.1],
                                                   'float32')])
    disc.set_weights([np.array([[0.7], [-0.3], [0.2]], 'float32'),
                      np.array([0.05], 'float32')])
    cross_entropy = tf_keras.losses.BinaryCrossentropy(from_logits=True)
    noise = tf.constant([[1., 2.], [-1., 0.5]])
    real = tf.constant([[0.5, 0.1, -0.2], [0.3, -0.4, 0.9]])
    g_opt, d_opt = tf_keras.optimizers.Adam(1e-2), \
        tf_keras.optimizers.Adam(1e-2)

    @tf.function
    def train_step():
        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            fake = gen(noise, training=True)
            real_out, fake_out = disc(real, training=True), \
                disc(fake, training=True)
            gen_loss = cross_entropy(tf.ones_like(fake_out), fake_out)
            disc_loss = cross_entropy(tf.ones_like(real_out), real_out) + \
                cross_entropy(tf.zeros_like(fake_out), fake_out)
        gen_grads = gen_tape.gradient(gen_loss, gen.trainable_variables)
        disc_grads = disc_tape.gradient(disc_loss, disc.trainable_variables)
        g_opt.apply_gradients(zip(gen_grads, gen.trainable_variables))
        d_opt.apply_gradients(zip(disc_grads, disc.trainable_variables))
        return float(gen_loss), float(disc_loss)
    losses = [train_step(), train_step()]
    np.testing.assert_allclose(losses, [[0.643330991, 1.252602816],
                                        [0.644505858, 1.254036427]],
                               rtol=1e-6)
    np.testing.assert_allclose(gen.get_weights()[0],
                               [[0.080024935, -0.180009604, 0.280006768],
                                [0.419997215, 0.479992360, -0.579990268]],
                               atol=1e-6)
    np.testing.assert_allclose(disc.get_weights()[0].ravel(),
                               [0.679990530, -0.319989502, 0.219992995],
                               atol=1e-6)


def test_summary_scalars_are_tensorboard_tensors_at_their_step(tmp_path):
    accumulator = pytest.importorskip(
        'tensorboard.backend.event_processing.event_accumulator')
    from tensorboard.util import tensor_util
    writer = tf.summary.create_file_writer(str(tmp_path))
    assert tf.summary.scalar('loss', 1.0, step=0) is False
    with writer.as_default():
        for step in range(3):
            tf.summary.scalar('gen_total_loss', 0.5 * step, step=step)
        with pytest.raises(ValueError, match='No step set'):
            tf.summary.scalar('loss', 1.0)
    with writer.as_default(step=7):
        assert tf.summary.scalar('at_default_step', tf.constant(2.0))
    writer.flush()
    events = accumulator.EventAccumulator(str(tmp_path))
    events.Reload()
    assert sorted(events.Tags()['tensors']) == ['at_default_step',
                                                'gen_total_loss']
    assert [(e.step, float(tensor_util.make_ndarray(e.tensor_proto)))
            for e in events.Tensors('gen_total_loss')] == [
        (0, 0.0), (1, 0.5), (2, 1.0)]
    assert [e.step for e in events.Tensors('at_default_step')] == [7]


def test_random_crop_flip_and_total_variation():
    images = np.arange(48, dtype='float32').reshape(2, 3, 4, 2) ** 1.5 / 10
    # (tf_keras 2.21: tf.image.total_variation of the batch and of one.)
    np.testing.assert_allclose(
        _numpy(tf.image.total_variation(tf.constant(images))),
        [80.34956359863281, 146.11582946777344], rtol=1e-6)
    np.testing.assert_allclose(
        float(tf.image.total_variation(tf.constant(images[0]))),
        80.34956359863281, rtol=1e-6)
    crop = tf.image.random_crop(tf.constant(images), size=[2, 2, 2, 2])
    assert tuple(crop.shape) == (2, 2, 2, 2)
    windows = [images[:, i:i + 2, j:j + 2] for i in range(2)
               for j in range(3)]
    assert any(np.array_equal(_numpy(crop), w) for w in windows)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match='Need value.shape >= size'):
        tf.image.random_crop(tf.constant(images), size=[2, 4, 4, 2])
    flipped = _numpy(tf.image.random_flip_left_right(
        tf.constant(images)))
    for image, out in zip(images, flipped):
        assert np.array_equal(out, image) or \
            np.array_equal(out, image[:, ::-1])


def test_unicode_split_ragged_rows_and_reduce_join():
    chars = tf.strings.unicode_split(['abcdefg', 'xyz'],
                                     input_encoding='UTF-8')
    assert repr(chars) == ("<tf.RaggedTensor [[b'a', b'b', b'c', b'd', "
                           "b'e', b'f', b'g'], [b'x', b'y', b'z']]>")
    assert chars.to_tensor().tolist() == [
        [b'a', b'b', b'c', b'd', b'e', b'f', b'g'],
        [b'x', b'y', b'z', b'', b'', b'', b'']]
    assert tf.strings.reduce_join(chars, axis=-1).numpy().tolist() == [
        b'abcdefg', b'xyz']
    single = tf.strings.unicode_split('hé!', 'UTF-8')
    assert single.tolist() == [b'h', 'é'.encode('utf-8'), b'!']
    assert tf.strings.reduce_join(single, axis=-1).numpy() == 'hé!'.encode()
    assert tf.strings.reduce_join(single, axis=-1).numpy().decode() == 'hé!'
    ids = tf.ragged.constant([[1, 2], [3]])
    assert repr(ids) == '<tf.RaggedTensor [[1, 2], [3]]>'
    assert ids.to_tensor().tolist() == [[1, 2], [3, 0]]


@pytest.mark.skipif(not hasattr(lookup_layers, '_call_on_ragged'),
                    reason='lookup layers map ragged rows')
def test_string_lookup_maps_ragged_characters_both_ways(tf_keras):
    vocab = sorted(set('hello world'))
    ids_from_chars = tf_keras.layers.StringLookup(vocabulary=vocab,
                                                  mask_token=None)
    chars_from_ids = tf_keras.layers.StringLookup(
        vocabulary=ids_from_chars.get_vocabulary(), invert=True,
        mask_token=None)
    ids = ids_from_chars(tf.strings.unicode_split(['hold', 'xw'], 'UTF-8'))
    # (tf_keras 2.21 prints <tf.RaggedTensor [[4, 6, 5, 2], [0, 8]]>.)
    assert repr(ids) == '<tf.RaggedTensor [[4, 6, 5, 2], [0, 8]]>'
    assert ids.to_tensor().tolist() == [[4, 6, 5, 2], [0, 8, 0, 0]]
    text = tf.strings.reduce_join(chars_from_ids(ids), axis=-1).numpy()
    assert text.tolist() == [b'hold', b'[UNK]w']


def test_tensorflow_2_aliases_of_keras_modules():
    assert tf.losses.SparseCategoricalCrossentropy is \
        tf.keras.losses.SparseCategoricalCrossentropy
    assert tf.optimizers.Adam is tf.keras.optimizers.Adam
    with pytest.raises(AttributeError):
        tf.losses.NoSuchLoss


def test_augmented_assignment_in_a_tf_function_makes_new_tensors(tf_keras):
    # The style-transfer tutorial's `loss += w * tf.image.total_variation(
    # image)` (a scalar plus a 1-element tensor), and an alias of an
    # argument: tf_keras 2.21 gives [1, 2], [2, 3], [15, 15].
    @tf.function
    def step(a, images):
        b = a
        b += 1.0
        loss = tf.reduce_sum(a)
        loss += 0.5 * tf.image.total_variation(images)
        return a, b, loss
    a = tf.constant([1., 2.])
    images = tf.constant(np.arange(18, dtype='float32').reshape(2, 3, 3, 1))
    kept, added, loss = step(a, images)
    np.testing.assert_allclose(np.asarray(kept), [1., 2.])
    np.testing.assert_allclose(np.asarray(added), [2., 3.])
    np.testing.assert_allclose(np.asarray(loss), [15., 15.])
