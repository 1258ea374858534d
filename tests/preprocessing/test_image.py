"""keras.preprocessing.image: ImageDataGenerator flows from arrays,
directories and dataframes."""
import numpy as np
import pytest

from keras_compat import layers
from keras_compat.models import Sequential
from keras_compat.preprocessing import image


rng = np.random.RandomState(0)


def test_image_data_generator_flow_and_fit():
    x = rng.rand(10, 8, 8, 3).astype(np.float32)
    y = np.arange(10)
    gen = image.ImageDataGenerator(featurewise_center=True,
                                   featurewise_std_normalization=True,
                                   horizontal_flip=True, rotation_range=10,
                                   width_shift_range=0.1, zoom_range=0.1)
    gen.fit(x)
    np.testing.assert_allclose(gen.mean.ravel(), x.mean(axis=(0, 1, 2)),
                               rtol=1e-5)
    batch_x, batch_y = next(gen.flow(x, y, batch_size=4, shuffle=False))
    assert batch_x.shape == (4, 8, 8, 3) and batch_y.tolist() == [0, 1, 2, 3]
    flipper = image.ImageDataGenerator(horizontal_flip=True)
    params = {'flip_horizontal': True}
    np.testing.assert_array_equal(flipper.apply_transform(x[0], params),
                                  x[0][:, ::-1])
    shifter = image.ImageDataGenerator()
    shifted = shifter.apply_transform(x[0], {'tx': 1, 'ty': 0})
    np.testing.assert_allclose(shifted[:-1], x[0][1:], rtol=1e-5)
    model = Sequential([layers.Flatten(input_shape=(8, 8, 3)),
                        layers.Dense(10, activation='softmax')])
    model.compile('sgd', 'sparse_categorical_crossentropy')
    model.fit_generator(gen.flow(x, y, batch_size=5), steps_per_epoch=2,
                        epochs=1, verbose=0)


def test_flow_from_directory_and_image_files(tmp_path):
    pytest.importorskip('PIL')
    for cls in ('cats', 'dogs'):
        folder = tmp_path / cls
        folder.mkdir()
        for i in range(3):
            arr = rng.randint(0, 255, (12, 10, 3)).astype(np.uint8)
            image.save_img(str(folder / ('%d.png' % i)), arr, scale=False)
    img = image.load_img(str(tmp_path / 'cats' / '0.png'), target_size=(6, 5))
    arr = image.img_to_array(img)
    assert arr.shape == (6, 5, 3)
    gen = image.ImageDataGenerator(rescale=1. / 255)
    it = gen.flow_from_directory(str(tmp_path), target_size=(6, 5),
                                 batch_size=4, class_mode='binary',
                                 shuffle=False)
    assert it.class_indices == {'cats': 0, 'dogs': 1}
    bx, by = next(it)
    assert bx.shape == (4, 6, 5, 3) and bx.max() <= 1.
    assert by.tolist() == [0, 0, 0, 1]


def test_flow_from_dataframe_class_modes_weights_and_subsets(tmp_path):
    pytest.importorskip('PIL')
    pandas = pytest.importorskip('pandas')
    names = []
    for i in range(6):
        arr = np.full((8, 8, 3), 40 * i, dtype=np.uint8)
        name = 'img%d.png' % i
        image.save_img(str(tmp_path / name), arr, scale=False)
        names.append(name)
    frame = pandas.DataFrame({
        'filename': names + ['missing.png'],
        'class': ['cat', 'dog', 'cat', 'dog', 'cat', 'bird', 'cat'],
        'tags': [['a'], ['a', 'b'], ['b'], [], ['a'], ['b'], ['a']],
        'value': np.arange(7, dtype='float32'),
        'weight': np.arange(7, dtype='float32') + 1})
    gen = image.ImageDataGenerator(rescale=1. / 255, validation_split=0.5)
    with pytest.warns(UserWarning, match='1 invalid image filename'):
        it = gen.flow_from_dataframe(frame, str(tmp_path),
                                     target_size=(4, 4), batch_size=6,
                                     shuffle=False, weight_col='weight')
    assert it.class_indices == {'bird': 0, 'cat': 1, 'dog': 2}
    bx, by, bw = next(it)
    assert bx.shape == (6, 4, 4, 3)
    np.testing.assert_allclose(bx[:, 0, 0, 0], np.arange(6) * 40 / 255.,
                               rtol=1e-6)
    assert by.argmax(1).tolist() == [1, 2, 1, 2, 1, 0]
    assert bw.tolist() == [1, 2, 3, 4, 5, 6]
    raw = gen.flow_from_dataframe(frame, str(tmp_path), y_col='value',
                                  class_mode='raw', target_size=(4, 4),
                                  shuffle=False, batch_size=6)
    assert next(raw)[1].tolist() == [0, 1, 2, 3, 4, 5]
    multi = gen.flow_from_dataframe(frame, str(tmp_path), y_col='tags',
                                    target_size=(4, 4), shuffle=False,
                                    batch_size=6)
    labels = next(multi)[1]
    assert multi.class_indices == {'a': 0, 'b': 1}
    # Several labels per image; a row with none has an all-zero target.
    assert labels.tolist() == [[1, 0], [1, 1], [0, 1], [0, 0], [1, 0],
                               [0, 1]]
    half = gen.flow_from_dataframe(frame, str(tmp_path), target_size=(4, 4),
                                   subset='validation', shuffle=False,
                                   class_mode='sparse', batch_size=6)
    assert half.samples == 3 and next(half)[1].tolist() == [1, 2, 1]
    with pytest.raises(ValueError, match='2 classes'):
        gen.flow_from_dataframe(frame, str(tmp_path), class_mode='binary')
