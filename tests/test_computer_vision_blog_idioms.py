"""Idioms of the PyImageSearch / "Deep Learning for Computer Vision with
Python" Keras code: `build(width, height, depth, classes)` networks with
channels-first branches, LabelBinarizer targets, a BaseLogger subclass that
keeps a JSON history, step and polynomial learning-rate schedules,
ModelCheckpoint file templates, save / load_model / K.set_value(lr)
retraining, fit_generator on ImageDataGenerator and HDF5 generators,
fine-tuning heads on ResNet50 / VGG16 and multi_gpu_model.

Reference numbers came from tf_keras 2.21 (TF_USE_LEGACY_KERAS=1) running the
same code, with `lr=` / `decay=` optimizers from `optimizers.legacy` (the
tf.keras 2.0-2.10 optimizers these programs were written for); the error
messages from the Keras 2.2.4 source."""
import json
import os

import numpy as np
import pytest

import keras_compat as keras
from keras_compat import backend as K
from keras_compat.backend import common
from keras_compat.layers import Activation, Dense, Flatten
from keras_compat.models import Sequential, load_model
from keras_compat.optimizers import SGD, Adam, RMSprop


@pytest.fixture
def tf_keras_flavour():
    common.set_api_flavour('tf.keras')
    try:
        yield
    finally:
        common.set_api_flavour('keras')


def _fill(model, seed, scale=0.1):
    """Sets every weight from a RandomState, layer by layer."""
    rs = np.random.RandomState(seed)
    for layer in model.layers:
        values = layer.get_weights()
        if values:
            layer.set_weights([
                (rs.standard_normal(v.shape) * scale).astype('float32')
                for v in values])


def _data(n, side, classes, seed):
    """Images whose class brightens one channel."""
    rs = np.random.RandomState(seed)
    y = rs.randint(0, classes, n)
    x = rs.rand(n, side, side, 3).astype('float32') * 0.5
    for i in range(n):
        x[i, :, :, y[i] % 3] += 0.3 * (1 + y[i] // 3)
    return x, y


def _close(actual, expected, atol=2e-5):
    np.testing.assert_allclose(actual, expected, rtol=0, atol=atol)


def test_rmsprop_with_lr_keyword_uses_the_legacy_rules(tf_keras_flavour):
    # `RMSprop(lr=...)` is honoured by tf.keras 2.0-2.10 only (2.11+
    # ignores `lr`): epsilon outside the square root there.
    x = np.array([[1e-3], [2e-3]], 'float32')
    found = []
    for opt in (RMSprop(lr=0.01), RMSprop(learning_rate=0.01)):
        model = Sequential([Dense(1, input_shape=(1,), use_bias=False,
                                  kernel_initializer='ones')])
        model.compile(opt, 'mse')
        model.fit(x, np.zeros((2, 1), 'float32'), batch_size=2, epochs=3,
                  verbose=0, shuffle=False)
        found.append(float(model.get_weights()[0][0, 0]))
        assert opt.is_legacy_optimizer is (len(found) == 1)
    assert SGD(lr=0.1, decay=0.01).is_legacy_optimizer is True
    assert Adam(learning_rate=0.1).is_legacy_optimizer is False
    _close(found, [0.9306085109710693, 0.9995257258415222], atol=1e-6)


def _resnet_head():
    from keras_compat.applications import ResNet50
    return ResNet50(weights=None, include_top=False,
                    input_shape=(32, 32, 3))


def test_resnet50_in_a_tf_keras_program(tf_keras_flavour):
    # tf.keras's ResNet50 is applications.resnet's build.
    model = _resnet_head()
    assert [layer.name for layer in model.layers[1:5]] == [
        'conv1_pad', 'conv1_conv', 'conv1_bn', 'conv1_relu']
    assert model.layers[3].epsilon == 1.001e-5
    assert len(model.layers) == 175 and model.output_shape == (
        None, 1, 1, 2048)
    assert model.count_params() == 23587712
    # (Keras 2's keras.applications.ResNet50 keeps the older build:
    # 'conv1', 'bn_conv1' with epsilon 1e-3; tests/applications.)


class TrainingMonitor(keras.callbacks.BaseLogger):
    def __init__(self, jsonPath=None, startAt=0):
        super(TrainingMonitor, self).__init__()
        self.jsonPath = jsonPath
        self.startAt = startAt

    def on_train_begin(self, logs={}):
        self.H = {}
        if self.jsonPath is not None and os.path.exists(self.jsonPath):
            self.H = json.loads(open(self.jsonPath).read())
            if self.startAt > 0:
                for k in self.H.keys():
                    self.H[k] = self.H[k][:self.startAt]

    def on_epoch_end(self, epoch, logs={}):
        for (k, v) in logs.items():
            l = self.H.get(k, [])
            l.append(v)
            self.H[k] = l
        with open(self.jsonPath, 'w') as f:
            f.write(json.dumps(self.H))


def step_decay(epoch):
    alpha = 0.01 * (0.5 ** np.floor((1 + epoch) / 2))
    return float(alpha)


def _small_classifier(seed=3):
    model = Sequential([Flatten(input_shape=(4, 4, 3)), Dense(3),
                        Activation('softmax')])
    _fill(model, seed)
    model.compile(loss='categorical_crossentropy',
                  optimizer=SGD(lr=0.1, momentum=0.9), metrics=['accuracy'])
    return model


def test_monitor_schedules_and_checkpoints(tmp_path, tf_keras_flavour,
                                           capsys):
    x, y = _data(16, 4, 3, seed=8)
    vx, vy = _data(8, 4, 3, seed=9)
    y, vy = np.eye(3)[y], np.eye(3)[vy]
    json_path = str(tmp_path / 'monitor.json')
    template = str(tmp_path / 'weights-{epoch:03d}-{val_loss:.4f}.hdf5')
    callbacks = [TrainingMonitor(json_path),
                 keras.callbacks.LearningRateScheduler(step_decay),
                 keras.callbacks.ModelCheckpoint(
                     template, monitor='val_loss', mode='min',
                     save_best_only=True, verbose=1)]
    H = _small_classifier().fit(x, y, validation_data=(vx, vy),
                                batch_size=8, epochs=4, callbacks=callbacks,
                                verbose=0, shuffle=False)
    _close(H.history['loss'], [1.03516, 0.99846, 0.95251, 0.90583])
    _close(H.history['val_loss'], [1.00495, 1.00944, 1.01812, 1.03017])
    _close(H.history['lr'], [0.01, 0.005, 0.005, 0.0025])
    saved = json.loads(open(json_path).read())
    assert sorted(saved) == ['accuracy', 'loss', 'val_accuracy', 'val_loss']
    assert sorted(os.listdir(str(tmp_path))) == [
        'monitor.json', 'weights-001-1.0050.hdf5']
    assert 'Epoch 1: val_loss improved from inf to 1.00495, saving model ' \
        'to ' in capsys.readouterr().out

    def decay(epoch):
        return float(0.05 * (1 - epoch / 4.) ** 2)
    callbacks = [TrainingMonitor(json_path, startAt=2),
                 keras.callbacks.LearningRateScheduler(decay, verbose=1)]
    H = _small_classifier().fit(x, y, validation_data=(vx, vy),
                                batch_size=8, epochs=3, callbacks=callbacks,
                                verbose=0, shuffle=False)
    _close(H.history['loss'], [1.01902, 0.86893, 0.74623])
    _close(H.history['val_loss'], [1.02169, 1.09174, 1.19788])
    assert 'Epoch 2: LearningRateScheduler setting learning rate to ' \
        '0.028125.' in capsys.readouterr().out
    _close(json.loads(open(json_path).read())['loss'],
           [1.03516, 0.99846, 1.01902, 0.86893, 0.74623])


def test_save_load_set_lr_and_retrain(tmp_path, tf_keras_flavour):
    x, y = _data(16, 6, 3, seed=10)
    vx, vy = _data(8, 6, 3, seed=11)
    y, vy = np.eye(3)[y], np.eye(3)[vy]
    model = Sequential([keras.layers.Conv2D(3, (3, 3),
                                            input_shape=(6, 6, 3)),
                        Activation('relu'), Flatten(), Dense(3),
                        Activation('softmax')])
    _fill(model, 4)
    model.compile(loss='categorical_crossentropy', metrics=['accuracy'],
                  optimizer=SGD(lr=0.01, decay=0.01 / 4, momentum=0.9,
                                nesterov=True))
    fit = dict(validation_data=(vx, vy), batch_size=8, verbose=0,
               shuffle=False)
    H = model.fit(x, y, epochs=2, **fit)
    _close(H.history['loss'], [1.0822, 1.07652])
    path = str(tmp_path / 'epoch_2.hdf5')
    model.save(path)
    model = load_model(path)
    assert float(K.get_value(model.optimizer.iterations)) == 4.
    assert '{}'.format(K.get_value(model.optimizer.lr)) == \
        '0.009999999776482582'
    K.set_value(model.optimizer.lr, 1e-3)
    H = model.fit(x, y, epochs=2, **fit)
    _close(H.history['loss'], [1.06824, 1.06239])
    _close(H.history['val_loss'], [1.07424, 1.06914])
    _close(model.predict(vx[:1], verbose=0), [[0.29457, 0.41326, 0.29217]])
    model = load_model(path)
    model.compile(loss='categorical_crossentropy', metrics=['accuracy'],
                  optimizer=Adam(lr=0.01, decay=0.01 / 4))
    plateau = keras.callbacks.ReduceLROnPlateau(
        monitor='val_loss', factor=0.5, patience=0, min_lr=1e-5)
    H = model.fit(x, y, epochs=3, callbacks=[plateau], **fit)
    _close(H.history['loss'], [1.06839, 1.02181, 0.97281])
    _close(H.history['val_loss'], [1.03984, 0.99255, 0.94868])


def test_minivggnet_fit_generator_on_augmented_flow(tf_keras_flavour):
    from keras_compat.layers import (BatchNormalization, Conv2D, Dropout,
                                     MaxPooling2D)
    from keras_compat.preprocessing.image import ImageDataGenerator
    x, y = _data(20, 8, 3, seed=5)
    vx, vy = _data(8, 8, 3, seed=6)
    y, vy = np.eye(3)[y], np.eye(3)[vy]
    model = Sequential()
    model.add(Conv2D(4, (3, 3), padding='same', input_shape=(8, 8, 3)))
    model.add(Activation('relu'))
    model.add(BatchNormalization(axis=-1))
    model.add(Conv2D(4, (3, 3), padding='same'))
    model.add(Activation('relu'))
    model.add(BatchNormalization(axis=-1))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Dropout(0.0))
    model.add(Flatten())
    model.add(Dense(8))
    model.add(Activation('relu'))
    model.add(BatchNormalization())
    model.add(Dense(3))
    model.add(Activation('softmax'))
    _fill(model, 2)
    for layer in model.layers:
        if isinstance(layer, BatchNormalization):
            gamma, beta, mean, var = layer.get_weights()
            layer.set_weights([gamma, beta, mean, np.abs(var) + 0.5])
    model.compile(loss='categorical_crossentropy', metrics=['accuracy'],
                  optimizer=SGD(lr=0.01, decay=0.01 / 40, momentum=0.9,
                                nesterov=True))
    aug = ImageDataGenerator(rotation_range=10, width_shift_range=0.1,
                             height_shift_range=0.1, horizontal_flip=True,
                             zoom_range=0.1, fill_mode='nearest')
    H = model.fit_generator(
        ImageDataGenerator().flow(x, y, batch_size=4, shuffle=False),
        validation_data=(vx, vy), steps_per_epoch=len(x) // 4, epochs=3,
        verbose=0, shuffle=False)
    _close(H.history['loss'], [1.10834, 1.1045, 1.09999])
    _close(H.history['val_loss'], [1.10073, 1.10178, 1.10435])
    np.random.seed(1)
    H = model.fit_generator(
        aug.flow(x, y, batch_size=4, seed=3, shuffle=False),
        validation_data=(vx, vy), steps_per_epoch=len(x) // 4, epochs=1,
        verbose=0, shuffle=False)
    _close(H.history['loss'], [1.09706])
    _close(H.history['val_loss'], [1.10789])


def test_hdf5_generator_training_and_rank5(tmp_path):
    import h5py
    from keras_compat.utils import np_utils
    x, y = _data(12, 4, 3, seed=15)
    path = str(tmp_path / 'train.hdf5')
    with h5py.File(path, 'w') as db:
        db.create_dataset('images', x.shape, dtype='float')[:] = x
        db.create_dataset('labels', (12,), dtype='int')[:] = y
        names = db.create_dataset('label_names', (2,),
                                  dtype=h5py.special_dtype(vlen=str))
        names[:] = ['cats', 'dogs']
    db = h5py.File(path, 'r')

    def generator(passes=np.inf):
        epochs = 0
        while epochs < passes:
            for i in np.arange(0, 12, 4):
                yield (db['images'][i:i + 4],
                       np_utils.to_categorical(db['labels'][i:i + 4], 3))
            epochs += 1
    model = _small_classifier(seed=7)
    model.compile(loss='categorical_crossentropy', optimizer=SGD(lr=0.05),
                  metrics=['accuracy'])
    H = model.fit_generator(generator(), steps_per_epoch=3,
                            validation_data=generator(), validation_steps=3,
                            epochs=2, max_queue_size=4, verbose=0)
    _close(H.history['loss'], [1.1765, 0.99222])
    _close(H.history['val_loss'], [1.02283, 0.89707])
    preds = model.predict_generator(generator(passes=1), steps=3)
    ranks = [np.argsort(p)[::-1] for p in preds]
    rank1 = np.mean([r[0] == gt for r, gt in zip(ranks, y)])
    assert preds.shape == (12, 3) and abs(rank1 - 0.8333333) < 1e-6
    db.close()


def test_multi_gpu_model_on_a_machine_without_gpus():
    from keras_compat.utils import multi_gpu_model
    model = Sequential([Dense(2, input_shape=(3,))])
    with pytest.raises(ValueError, match=r'call `multi_gpu_model` with '
                       r'`gpus >= 2`\. Received: `gpus=1`'):
        multi_gpu_model(model, gpus=1)
    import torch
    if torch.cuda.device_count() < 2:
        with pytest.raises(ValueError, match='However this machine only '
                           "has: \\['/cpu:0'"):
            multi_gpu_model(model, gpus=2)
