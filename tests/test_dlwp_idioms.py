"""Idioms of the "Deep Learning with Python" (1st edition) notebooks:
image augmentation, directory iterators, learning-rate callbacks and
plot_model, checked against Keras 2 and tf_keras 2.21 numbers."""
import numpy as np
import pytest

import keras_compat as keras
from keras_compat.backend import common
from keras_compat import backend as K
from keras_compat.preprocessing import image
from keras_compat.utils import vis_utils


@pytest.fixture
def tf_keras_flavour():
    K.common.set_api_flavour('tf.keras')
    try:
        yield
    finally:
        K.common.set_api_flavour('keras')


def _random_image():
    return np.random.RandomState(0).rand(9, 11, 3).astype('float32') * 255


COMBINED = dict(theta=30, tx=1.3, ty=-2.1, shear=12, zx=0.9, zy=1.15)

# keras_preprocessing 1.1.0 (scipy.ndimage.affine_transform, centre at
# h / 2 + 0.5): sum, pixel [0, 0], pixel [8, 3].
KERAS2_COMBINED = {
    'nearest': (40904.74, [158.687, 193.115, 65.032],
                [242.021, 148.444, 191.866]),
    'constant': (23814.19, [7., 7., 7.], [7., 7., 7.]),
    'reflect': (37421.92, [191.983, 125.164, 105.557],
                [219.409, 124.551, 65.871]),
    'wrap': (37684.68, [82.15, 206.322, 118.068],
             [161.419, 162.17, 100.591]),
}

# tf_keras 2.21 (centre at h / 2 - 0.5, row and column roles exchanged).
TF_KERAS_COMBINED = {
    'nearest': (37851.1, [203.28, 127.507, 203.801],
                [131.98, 126.275, 215.612]),
    'constant': (22433.87, [7., 7., 7.], [131.98, 126.275, 215.612]),
    'reflect': (37359.78, [53.119, 79.976, 171.152],
                [131.98, 126.275, 215.612]),
    'wrap': (37070.09, [182.652, 155.505, 207.877],
             [131.98, 126.275, 215.612]),
}


def _check_transform(z, expected):
    total, first, other = expected
    assert z.dtype == np.float32
    np.testing.assert_allclose(z.sum(), total, atol=0.02)
    np.testing.assert_allclose(z[0, 0], first, atol=2e-3)
    np.testing.assert_allclose(z[8, 3], other, atol=2e-3)


@pytest.mark.parametrize('mode', sorted(KERAS2_COMBINED))
def test_affine_transform_keras2(mode):
    z = image.apply_affine_transform(_random_image(), fill_mode=mode,
                                     cval=7., **COMBINED)
    _check_transform(z, KERAS2_COMBINED[mode])


@pytest.mark.parametrize('mode', sorted(TF_KERAS_COMBINED))
def test_affine_transform_tf_keras(mode, tf_keras_flavour):
    z = image.apply_affine_transform(_random_image(), fill_mode=mode,
                                     cval=7., row_axis=0, col_axis=1,
                                     channel_axis=2, **COMBINED)
    _check_transform(z, TF_KERAS_COMBINED[mode])
    # tf.keras's default axes are channels-first.
    first = image.apply_affine_transform(
        _random_image().transpose(2, 0, 1), fill_mode=mode, cval=7.,
        **COMBINED)
    np.testing.assert_allclose(first.transpose(1, 2, 0), z, atol=1e-3)


def test_keras2_rotation_centre_is_half_a_pixel_past_the_middle():
    # keras_preprocessing 1.1.0: a quarter turn of a 9x11 ramp.
    x = np.arange(99, dtype='float32').reshape(9, 11, 1)
    z = image.apply_affine_transform(x, theta=90)[..., 0]
    assert z[0].tolist() == [89, 89, 89, 89, 78, 67, 56, 45, 34, 23, 12]
    zoomed = image.apply_affine_transform(x, zx=1.3, zy=0.7)[..., 0]
    np.testing.assert_allclose(zoomed[2, :3], [13.9, 14.6, 15.3],
                               atol=1e-4)


def test_nearest_interpolation_order():
    x = np.arange(99, dtype='float32').reshape(9, 11, 1)
    z = image.apply_affine_transform(x, tx=0.6, order=0)[..., 0]
    assert z[:, 0].tolist() == [11, 22, 33, 44, 55, 66, 77, 88, 88]
    with pytest.raises(NotImplementedError, match='order=3'):
        image.apply_affine_transform(x, tx=0.6, order=3)


def test_augmented_flow_with_seed_tf_keras(tf_keras_flavour):
    # tf_keras 2.21 batch sums of the DLWP augmentation settings.
    x = _random_image()
    generator = image.ImageDataGenerator(
        rotation_range=40, width_shift_range=0.2, height_shift_range=0.2,
        shear_range=0.2, zoom_range=0.2, horizontal_flip=True)
    iterator = generator.flow(np.stack([x, x[::-1]]), np.array([0, 1]),
                              batch_size=1, seed=3)
    sums, labels = [], []
    for _ in range(3):
        batch_x, batch_y = next(iterator)
        sums.append(batch_x.sum())
        labels.append(int(batch_y[0]))
    np.testing.assert_allclose(sums, [38408.08, 37949.305, 39437.414],
                               atol=0.05)
    assert labels == [1, 0, 0]


def _image_tree(root):
    from PIL import Image
    for cls in ('cats', 'dogs'):
        folder = root / cls
        folder.mkdir(parents=True)
        for i in range(2):
            pixels = np.full((6, 7, 3), 40 * i + 3, dtype='uint8')
            Image.fromarray(pixels).save(str(folder / ('%d.png' % i)))
    return str(root)


def test_sparse_labels_dtype(tmp_path):
    directory = _image_tree(tmp_path / 'train')
    flow = image.ImageDataGenerator(rescale=1. / 255).flow_from_directory(
        directory, target_size=(4, 4), batch_size=4, class_mode='sparse',
        shuffle=False)
    _, labels = flow[0]
    # Keras 2: the int32 class indices.
    assert labels.dtype == np.int32 and labels.tolist() == [0, 0, 1, 1]


def test_sparse_labels_dtype_tf_keras(tmp_path, tf_keras_flavour):
    directory = _image_tree(tmp_path / 'train')
    flow = image.ImageDataGenerator(rescale=1. / 255).flow_from_directory(
        directory, target_size=(4, 4), batch_size=4, class_mode='sparse',
        shuffle=False)
    _, labels = flow[0]
    # tf_keras 2.21: float32.
    assert labels.dtype == np.float32 and labels.tolist() == [0, 0, 1, 1]


def _plateau_lines(capsys):
    model = keras.models.Sequential(
        [keras.layers.Dense(1, input_shape=(2,))])
    model.compile(optimizer='rmsprop', loss='mse')
    callback = keras.callbacks.ReduceLROnPlateau(patience=1, factor=0.1,
                                                 verbose=1)
    callback.set_model(model)
    callback.on_train_begin()
    logged = []
    for epoch in range(3):
        logs = {'val_loss': 1.}
        callback.on_epoch_end(epoch, logs)
        logged.append(logs['lr'])
    lines = [line for line in capsys.readouterr().out.splitlines() if line]
    return lines, logged


def test_reduce_lr_on_plateau_keras2(capsys):
    lines, logged = _plateau_lines(capsys)
    # Keras 2.2.4: float(float32 rate) * factor, printed with %s.
    assert lines == [
        'Epoch 00002: ReduceLROnPlateau reducing learning rate to '
        '0.00010000000474974513.',
        'Epoch 00003: ReduceLROnPlateau reducing learning rate to '
        '1.0000000474974514e-05.']
    assert all(isinstance(lr, np.float32) for lr in logged)


def test_reduce_lr_on_plateau_tf_keras(capsys, tf_keras_flavour):
    lines, logged = _plateau_lines(capsys)
    # tf_keras 2.21 multiplies in float32.
    assert lines == [
        'Epoch 2: ReduceLROnPlateau reducing learning rate to '
        '0.00010000000474974513.',
        'Epoch 3: ReduceLROnPlateau reducing learning rate to '
        '1.0000000656873453e-05.']
    assert all(isinstance(lr, np.float32) for lr in logged)
    assert [float(lr) for lr in logged] == [
        0.0010000000474974513, 0.0010000000474974513,
        0.00010000000474974513]


def _tiny_model():
    return keras.models.Sequential([keras.layers.Dense(1, input_shape=(2,))])


@pytest.mark.skipif(vis_utils.pydot is not None, reason='pydot installed')
def test_plot_model_without_pydot():
    with pytest.raises(ImportError, match=r'^Failed to import `pydot`\. '
                       r'Please install `pydot`\. For example with '
                       r'`pip install pydot`\.$'):
        vis_utils.plot_model(_tiny_model(), to_file='unused.png')


@pytest.mark.skipif(vis_utils.pydot is not None, reason='pydot installed')
def test_plot_model_without_pydot_tf_keras(tf_keras_flavour):
    message = ('You must install pydot (`pip install pydot`) and install '
               'graphviz (see instructions at '
               'https://graphviz.gitlab.io/download/) for plot_model to '
               'work.')
    with pytest.raises(ImportError) as error:
        vis_utils.plot_model(_tiny_model(), to_file='unused.png')
    assert str(error.value) == message
    with pytest.raises(ImportError) as error:
        vis_utils.model_to_dot(_tiny_model())
    assert str(error.value) == ('You must install pydot (`pip install '
                                'pydot`) for model_to_dot to work.')


def test_callbacks_validation_data_per_flavour():
    # Keras 2 hands callbacks the validation arrays; tf.keras leaves
    # `self.validation_data` None (the book's ActivationLogger raises).
    seen = []

    class Seen(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(self.validation_data)
    x, y = np.ones((4, 2), 'float32'), np.ones((4, 1), 'float32')
    for flavour in ('keras', 'tf.keras'):
        common.set_api_flavour(flavour)
        try:
            model = keras.models.Sequential([
                keras.layers.Dense(1, input_shape=(2,))])
            model.compile('sgd', 'mse')
            model.fit(x, y, validation_data=(x, y), epochs=1, verbose=0,
                      callbacks=[Seen()])
        finally:
            common.set_api_flavour('keras')
    assert len(seen[0]) >= 2 and seen[1] is None


def test_trainable_change_without_compile_warns_only_in_keras2():
    import warnings
    x, y = np.ones((4, 2), 'float32'), np.ones((4, 1), 'float32')
    for flavour, expected in (('keras', True), ('tf.keras', False)):
        common.set_api_flavour(flavour)
        try:
            model = keras.models.Sequential([
                keras.layers.Dense(1, input_shape=(2,))])
            model.compile('sgd', 'mse')
            model.layers[0].trainable = False
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter('always')
                model.train_on_batch(x, y)
            assert any('Discrepancy' in str(w.message)
                       for w in caught) == expected
        finally:
            common.set_api_flavour('keras')
