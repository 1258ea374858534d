"""keras.utils.image_dataset_from_directory and
timeseries_dataset_from_array: files listed, shuffled and split as tf_keras
2.21 does (the expected order below is what it gives), images decoded and
resized as TensorFlow does, windows and targets by tf.keras's formula."""
import os

import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat.utils import dataset_utils

PIL = pytest.importorskip('PIL.Image')


@pytest.fixture
def image_folder(tmp_path):
    rng = np.random.RandomState(0)
    for label in ('cat', 'dog'):
        os.makedirs(str(tmp_path / label))
        for i in range(5):
            pixels = (rng.rand(20 + i, 30, 3) * 255).astype('uint8')
            PIL.fromarray(pixels).save(str(tmp_path / label / ('%d.png' % i)))
    return str(tmp_path)


def test_files_are_shuffled_and_split_as_tf_keras_does(image_folder):
    train, val = keras.utils.image_dataset_from_directory(
        image_folder, validation_split=0.2, subset='both', seed=1337,
        image_size=(16, 16), batch_size=3)
    assert train.class_names == ['cat', 'dog']
    # tf_keras 2.21's order for these ten files and this seed.
    assert [p.split(os.sep)[-2:] for p in train.file_paths] == [
        ['dog', '1.png'], ['cat', '3.png'], ['cat', '0.png'],
        ['cat', '4.png'], ['dog', '0.png'], ['cat', '2.png'],
        ['cat', '1.png'], ['dog', '4.png']]
    assert len(val.file_paths) == 2
    sizes = [int(x.shape[0]) for x, _ in train]
    assert sizes == [3, 3, 2]
    labels = np.concatenate([y.numpy() for _, y in train])
    assert sorted(labels.tolist()) == [0, 0, 0, 0, 0, 1, 1, 1]


def test_images_are_decoded_and_resized_as_tensorflow(image_folder):
    dataset = keras.utils.image_dataset_from_directory(
        image_folder, image_size=(8, 8), batch_size=4, shuffle=False,
        label_mode='categorical', color_mode='grayscale')
    images, labels = next(iter(dataset))
    assert tuple(images.shape) == (4, 8, 8, 1)
    np.testing.assert_array_equal(labels.numpy(), [[1, 0]] * 4)
    path = os.path.join(image_folder, 'cat', '0.png')
    rgb = np.asarray(PIL.open(path).convert('RGB')).astype('int64')
    # libpng's grey (what tf.io.decode_png(channels=1) returns).
    grey = (9798 * rgb[..., 0] + 19235 * rgb[..., 1] +
            3735 * rgb[..., 2]) >> 15
    # TF2's bilinear resize, half-pixel centres, 20x30 -> 8x8: first row
    # reads source row (0 + 0.5) * 2.5 - 0.5 = 0.75.
    rows = grey[0] * 0.25 + grey[1] * 0.75
    cols = (np.arange(8) + 0.5) * 30 / 8. - 0.5
    left = np.floor(cols).astype(int)
    frac = cols - left
    expected = rows[left] * (1 - frac) + rows[left + 1] * frac
    np.testing.assert_allclose(images.numpy()[0, 0, :, 0], expected,
                               rtol=1e-5)


def test_binary_labels_and_no_labels(image_folder):
    binary = keras.utils.image_dataset_from_directory(
        image_folder, image_size=(4, 4), label_mode='binary', shuffle=False,
        batch_size=10)
    _, labels = next(iter(binary))
    assert labels.shape == (10, 1) and labels.dtype == torch.float32
    unlabeled = keras.utils.image_dataset_from_directory(
        image_folder, labels=None, image_size=(4, 4), shuffle=False)
    assert tuple(next(iter(unlabeled)).shape) == (10, 4, 4, 3)


def test_images_are_read_when_the_batch_is(image_folder, monkeypatch):
    reads = []
    original = dataset_utils._ImageLoader.__call__

    def counting(self, path):
        reads.append(path)
        return original(self, path)
    monkeypatch.setattr(dataset_utils._ImageLoader, '__call__', counting)
    dataset = keras.utils.image_dataset_from_directory(
        image_folder, image_size=(4, 4), batch_size=2, seed=1)
    assert reads == []
    for _ in dataset.take(1):
        pass
    assert len(reads) == 2


def test_split_needs_a_seed_when_shuffling(image_folder):
    with pytest.raises(ValueError, match='seed'):
        keras.utils.image_dataset_from_directory(
            image_folder, validation_split=0.2, subset='training')


def test_a_model_fits_on_a_directory(image_folder):
    train = keras.utils.image_dataset_from_directory(
        image_folder, image_size=(8, 8), batch_size=4, seed=2)
    model = keras.Sequential([keras.layers.Rescaling(1 / 255.,
                                                     input_shape=(8, 8, 3)),
                              keras.layers.Flatten(),
                              keras.layers.Dense(2)])
    model.compile('sgd', keras.losses.SparseCategoricalCrossentropy(
        from_logits=True), metrics=['accuracy'])
    history = model.fit(train.map(lambda x, y: (x, y)), epochs=2, verbose=0)
    assert len(history.history['loss']) == 2


def test_timeseries_windows_and_targets():
    data = np.arange(100).reshape(50, 2).astype('float32')
    targets = np.arange(50)
    dataset = keras.utils.timeseries_dataset_from_array(
        data, targets, sequence_length=5, sequence_stride=2,
        sampling_rate=2, batch_size=4, start_index=3)
    batches = list(dataset)
    # Windows start at 3 + 0, 2, 4, ...: there are
    # (50 - 3) - (5 - 1) * 2 = 39 start offsets, every 2nd one kept.
    assert sum(int(x.shape[0]) for x, _ in batches) == 20
    x, y = batches[0]
    np.testing.assert_array_equal(x.numpy()[1, :, 0], [10, 14, 18, 22, 26])
    np.testing.assert_array_equal(y.numpy(), [3, 5, 7, 9])


def test_timeseries_without_targets_or_batches():
    data = np.arange(10)
    dataset = keras.utils.timeseries_dataset_from_array(
        data, None, sequence_length=3, batch_size=None)
    windows = [w.numpy().tolist() for w in dataset]
    assert windows[0] == [0, 1, 2] and windows[-1] == [7, 8, 9]
    with pytest.raises(ValueError, match='sampling_rate'):
        keras.utils.timeseries_dataset_from_array(data, None, 3,
                                                  sampling_rate=0)
    assert keras.preprocessing.timeseries_dataset_from_array is \
        dataset_utils.timeseries_dataset_from_array


def test_unlabelled_listing_message_is_tf_keras(image_folder, capsys):
    # tf_keras 2.21 prints the class count even with label_mode=None.
    keras.utils.image_dataset_from_directory(image_folder, label_mode=None,
                                             image_size=(4, 4))
    assert 'Found 10 files belonging to 1 classes.' in \
        capsys.readouterr().out
