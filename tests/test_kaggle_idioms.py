"""Idioms of Kaggle-era notebooks written for standalone Keras 2.2/2.3:
flow_from_dataframe over a folder of images, class weights with numpy
keys, object arrays from `df.values`, and the callbacks kernels combine.
Reference numbers come from tf_keras 2.21 (legacy optimizers, same
weights, shuffle=False) or from the Keras 2 sources, as noted."""
import math
import os

import numpy as np
import pytest

import keras_compat as keras
from keras_compat import backend as K
from keras_compat.preprocessing import image


# ------------------------------------------------------- flow_from_dataframe
def _images(folder, count):
    """`img<i>.png` files filled with the value 20 * i."""
    pytest.importorskip('PIL')
    for i in range(count):
        arr = np.full((6, 6, 3), 20 * i, dtype=np.uint8)
        image.save_img(os.path.join(folder, 'img%d.png' % i), arr,
                       scale=False)


def _frame(pandas, names):
    return pandas.DataFrame({
        'id': names,
        'label': ['dog', 'cat', 'dog', 'bird', 'cat'][:len(names)],
        'pair': ['b', 'a', 'b', 'a', 'b'][:len(names)],
        'y': np.arange(len(names)) * 0.5,
        'k': np.arange(len(names)) % 3})


def _iterator(frame, folder, **kwargs):
    gen = image.ImageDataGenerator(rescale=1. / 255)
    return gen.flow_from_dataframe(frame, folder, x_col='id',
                                   target_size=(4, 4), batch_size=3,
                                   shuffle=False, **kwargs)


def test_flow_from_dataframe_class_modes_follow_dataframe_rows(tmp_path):
    pandas = pytest.importorskip('pandas')
    _images(str(tmp_path), 4)
    frame = _frame(pandas, ['img3.png', 'img1.png', 'img0.png', 'img2.png',
                            'missing.png'])
    with pytest.warns(UserWarning, match='1 invalid image filename'):
        it = _iterator(frame, str(tmp_path), y_col='label',
                       class_mode='categorical')
    # tf_keras 2.21 / keras_preprocessing 1.1.0: the dataframe's row order,
    # sorted class names, int class indices, float32 one-hot targets.
    assert (it.n, it.samples, len(it)) == (4, 4, 2)
    assert it.filenames == ['img3.png', 'img1.png', 'img0.png', 'img2.png']
    assert it.class_indices == {'bird': 0, 'cat': 1, 'dog': 2}
    assert list(it.classes) == [2, 1, 2, 0]
    bx, by = it[0]
    np.testing.assert_allclose(bx[:, 0, 0, 0], np.array([60, 20, 0]) / 255.,
                               rtol=1e-6)
    assert by.dtype == np.float32 and by.tolist() == [
        [0, 0, 1], [0, 1, 0], [0, 0, 1]]
    assert it[1][0].shape == (1, 4, 4, 3)


def test_flow_from_dataframe_target_dtypes(tmp_path):
    pandas = pytest.importorskip('pandas')
    _images(str(tmp_path), 4)
    frame = _frame(pandas, ['img%d.png' % i for i in range(4)])
    folder = str(tmp_path)
    binary = _iterator(frame, folder, y_col='pair', class_mode='binary')[0][1]
    sparse = _iterator(frame, folder, y_col='label', class_mode='sparse')[0][1]
    raw = _iterator(frame, folder, y_col='y', class_mode='raw')[0][1]
    both = _iterator(frame, folder, y_col=['y', 'k'], class_mode='raw')[0][1]
    multi = _iterator(frame, folder, y_col=['y', 'k'],
                      class_mode='multi_output')[0][1]
    # tf_keras 2.21: binary/sparse are float32 class indices, 'raw' and
    # 'multi_output' keep the columns' dtypes.
    assert binary.dtype == np.float32 and binary.tolist() == [1, 0, 1]
    assert sparse.dtype == np.float32 and sparse.tolist() == [2, 1, 2]
    assert raw.dtype == np.float64 and raw.tolist() == [0, 0.5, 1]
    assert both.tolist() == [[0, 0], [0.5, 1], [1, 2]]
    assert [m.dtype for m in multi] == [np.float64, np.int64]
    assert [m.tolist() for m in multi] == [[0, 0.5, 1], [0, 1, 2]]
    images_only = _iterator(frame, folder, y_col=None, class_mode=None)[0]
    assert isinstance(images_only, np.ndarray)
    assert images_only.shape == (3, 4, 4, 3)


def test_predict_generator_on_test_frame_keeps_row_order(tmp_path):
    pandas = pytest.importorskip('pandas')
    _images(str(tmp_path), 4)
    frame = _frame(pandas, ['img2.png', 'img0.png', 'img3.png', 'img1.png'])
    test = _iterator(frame, str(tmp_path), y_col=None, class_mode=None)
    next(test)
    test.reset()
    assert test.batch_index == 0
    model = keras.models.Sequential([
        keras.layers.GlobalAveragePooling2D(input_shape=(4, 4, 3))])
    pred = model.predict_generator(test, steps=math.ceil(test.n / 3))
    np.testing.assert_allclose(pred[:, 0], np.array([40, 0, 60, 20]) / 255.,
                               rtol=1e-6)


def test_has_ext_false_completes_names_with_their_extension(tmp_path):
    # Keras 2.2 (keras_preprocessing 1.0.5) matched x_col names without
    # extension to the image files; names already complete stay as given.
    pandas = pytest.importorskip('pandas')
    _images(str(tmp_path), 3)
    frame = pandas.DataFrame({'id': ['img2', 'img0.png', 'img1', 'gone'],
                              'label': ['a', 'b', 'a', 'b']})
    with pytest.warns(UserWarning, match='1 invalid image filename'):
        it = _iterator(frame, str(tmp_path), y_col='label', has_ext=False)
    assert it.filenames == ['img2.png', 'img0.png', 'img1.png']
    assert list(it.classes) == [0, 1, 0]
    assert frame['id'].tolist() == ['img2', 'img0.png', 'img1', 'gone']


def test_has_ext_true_sort_and_drop_duplicates_are_ignored(tmp_path):
    # Keras 2.3 (keras_preprocessing 1.1.0) ignores them with a
    # DeprecationWarning: duplicates stay, rows keep the dataframe's order.
    pandas = pytest.importorskip('pandas')
    _images(str(tmp_path), 2)
    frame = pandas.DataFrame({'id': ['img1.png', 'img0.png', 'img1.png'],
                              'label': ['a', 'b', 'a']})
    with pytest.warns(DeprecationWarning, match='drop_duplicates'):
        it = _iterator(frame, str(tmp_path), y_col='label', has_ext=True,
                       sort=True, drop_duplicates=True)
    assert it.filenames == ['img1.png', 'img0.png', 'img1.png']


# ------------------------------------------------------------------ tabular
def _tabular_model(optimizer):
    model = keras.models.Sequential([
        keras.layers.Dense(4, input_shape=(3,), activation='relu'),
        keras.layers.Dense(3, activation='softmax')])
    model.set_weights([np.random.RandomState(i).uniform(-.5, .5, w.shape)
                       .astype('float32')
                       for i, w in enumerate(model.get_weights())])
    model.compile(optimizer, 'categorical_crossentropy',
                  metrics=['accuracy'])
    return model


def test_balanced_class_weight_with_numpy_keys_and_predict_classes():
    x = np.random.RandomState(0).rand(12, 3).astype('float32')
    y = np.array([0] * 7 + [1] * 3 + [2] * 2)
    # sklearn's compute_class_weight('balanced'), keyed by numpy ints.
    weights = {np.int64(k): len(y) / (3. * c)
               for k, c in enumerate(np.bincount(y))}
    model = _tabular_model(keras.optimizers.Adam(lr=0.01))
    hist = model.fit(x, keras.utils.np_utils.to_categorical(y),
                     batch_size=4, epochs=2, shuffle=False, verbose=0,
                     class_weight=weights)
    # tf_keras 2.21 (legacy Adam).
    np.testing.assert_allclose(hist.history['loss'], [1.122036, 1.109898],
                               atol=2e-6)
    np.testing.assert_allclose(hist.history['accuracy'], [0.25, 0.5])
    np.testing.assert_allclose(model.predict_proba(x[:2]), [
        [0.369351, 0.36456, 0.266089], [0.372832, 0.358562, 0.268607]],
        atol=2e-6)
    assert model.predict_classes(x[:4]).tolist() == [0, 0, 0, 1]


def test_object_array_of_numbers_trains_as_floats():
    # `df.values` of float, int and bool columns is an object array; Keras 2
    # fed it with np.asarray(value, dtype='float32').
    x = np.array([[0.1, 1, True], [0.5, 2, False], [0.9, 3, True],
                  [0.3, 4, False]], dtype=object)
    y = np.array([0, 1, 1, 0], dtype=object)
    model = keras.models.Sequential([
        keras.layers.Dense(1, input_shape=(3,), activation='sigmoid')])
    model.set_weights([np.array([[0.2], [-0.1], [0.3]], 'float32'),
                       np.zeros(1, 'float32')])
    model.compile('sgd', 'binary_crossentropy')
    hist = model.fit(x, y, epochs=2, batch_size=2, shuffle=False, verbose=0)
    # tf_keras 2.21 on the same data cast to float32.
    np.testing.assert_allclose(hist.history['loss'], [0.675007, 0.674653],
                               atol=2e-6)
    np.testing.assert_allclose(model.predict(x)[:, 0], [
        0.555101, 0.476533, 0.547058, 0.417915], atol=2e-6)
    with pytest.raises(ValueError, match='could not convert string'):
        model.predict(np.array([[0.1, 'x', 1]], dtype=object))


def test_object_array_is_refused_by_tf_keras_programs():
    K.common.set_api_flavour('tf.keras')
    model = keras.models.Sequential([
        keras.layers.Dense(1, input_shape=(2,))])
    with pytest.raises(ValueError, match='Unsupported object type float'):
        model.predict(np.array([[0.1, True]], dtype=object))


# ---------------------------------------------------------------- callbacks
def _callback_data():
    rng = np.random.RandomState(0)
    x = rng.rand(20, 3).astype('float32')
    y = (x.sum(1) > 1.5).astype('float32')
    x_val = rng.rand(8, 3).astype('float32')
    return x, y, x_val, np.array([0, 1] * 4, 'float32')


def _binary_model(optimizer):
    model = keras.models.Sequential([
        keras.layers.Dense(4, input_shape=(3,), activation='relu'),
        keras.layers.Dense(1, activation='sigmoid')])
    model.set_weights([np.random.RandomState(i).uniform(-.6, .6, w.shape)
                       .astype('float32')
                       for i, w in enumerate(model.get_weights())])
    model.compile(optimizer, 'binary_crossentropy', metrics=['accuracy'])
    return model


class _ValidationDataSeen(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        self.shapes = [np.shape(v) for v in self.validation_data]
        self.lr = float(K.get_value(self.model.optimizer.lr))


def test_plateau_early_stopping_and_checkpoint_as_kernels_combine(tmp_path,
                                                                  capsys):
    pytest.importorskip('h5py')
    x, y, x_val, y_val = _callback_data()
    model = _binary_model(keras.optimizers.Adam(lr=0.05))
    seen = _ValidationDataSeen()
    stop = keras.callbacks.EarlyStopping(monitor='val_loss', patience=3,
                                         restore_best_weights=True)
    best = str(tmp_path / 'best.h5')
    hist = model.fit(x, y, batch_size=5, epochs=12, shuffle=False, verbose=0,
                     validation_data=(x_val, y_val), callbacks=[
                         seen,
                         keras.callbacks.ReduceLROnPlateau(
                             monitor='val_loss', factor=0.5, patience=1,
                             min_lr=0.001, verbose=1),
                         stop,
                         keras.callbacks.ModelCheckpoint(
                             best, monitor='val_loss', save_best_only=True)])
    # tf_keras 2.21 (legacy Adam); Keras 2 prints 'Epoch 00002:'.
    np.testing.assert_allclose(hist.history['loss'],
                               [0.7425, 0.7034, 0.6967, 0.6958], atol=6e-5)
    np.testing.assert_allclose(hist.history['val_loss'],
                               [0.6968, 0.698, 0.6977, 0.6976], atol=6e-5)
    np.testing.assert_allclose(hist.history['lr'],
                               [0.05, 0.05, 0.025, 0.0125], rtol=1e-6)
    assert 'Epoch 00002: ReduceLROnPlateau reducing learning rate to ' \
        '0.02500000037252903.' in capsys.readouterr().out
    assert stop.stopped_epoch == 3
    # Keras 2.2's validation_data: inputs, targets and sample weights.
    assert seen.shapes == [(8, 3), (8, 1), (8,)]
    assert seen.lr == pytest.approx(0.0125)
    restored = model.evaluate(x_val, y_val, verbose=0)[0]
    model.load_weights(best)
    assert model.evaluate(x_val, y_val, verbose=0)[0] == \
        pytest.approx(restored, abs=1e-6) == pytest.approx(0.69679, abs=1e-5)


def test_step_decay_scheduler():
    def step_decay(epoch):
        return 0.1 * math.pow(0.5, math.floor((1 + epoch) / 2.0))
    x, y, _, _ = _callback_data()
    model = _binary_model(keras.optimizers.SGD(lr=0.1, momentum=0.9))
    hist = model.fit(x, y, batch_size=10, epochs=4, verbose=0,
                     shuffle=False, callbacks=[
                         keras.callbacks.LearningRateScheduler(step_decay)])
    # tf_keras 2.21 (legacy SGD).
    np.testing.assert_allclose(hist.history['loss'],
                               [0.72567, 0.71549, 0.70996, 0.70341],
                               atol=6e-6)
    np.testing.assert_allclose(hist.history['lr'], [0.1, 0.05, 0.05, 0.025],
                               rtol=1e-6)
    assert K.get_value(model.optimizer.lr) == pytest.approx(0.025)
