"""keras.applications.efficientnet against tf.keras 2.21: layers, layer
names and order, output shapes and parameter counts as tf_keras builds
them, and the outputs of weights and a whole model saved by tf_keras
(tests/efficientnet_reference_cases.py wrote the reference files)."""
import gzip
import json
import os
import shutil

import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat import backend as K
from keras_compat.applications import efficientnet
from keras_compat.applications import imagenet_utils
from keras_compat.applications.efficientnet import (EfficientNetB0,
                                                    EfficientNetB1)

DATA = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), 'data')

with open(os.path.join(DATA, 'efficientnet_reference.json')) as _f:
    REFERENCE = json.load(_f)


@pytest.fixture(scope='module')
def expected():
    with np.load(os.path.join(DATA, 'efficientnet_reference.npz')) as d:
        return {k: d[k] for k in d.files}


@pytest.fixture(scope='module')
def tf_keras_files(tmp_path_factory):
    """The tf_keras files, unzipped: (save_weights file, model.save
    file)."""
    folder = tmp_path_factory.mktemp('efficientnet')
    paths = []
    for name in ('efficientnet_b0_weights.h5', 'efficientnet_b0_model.h5'):
        path = str(folder / name)
        with gzip.open(os.path.join(DATA, name + '.gz'), 'rb') as f, \
                open(path, 'wb') as out:
            shutil.copyfileobj(f, out)
        paths.append(path)
    return paths


def describe(model):
    """As the reference script: [name, class, output shape, params] of
    every layer."""
    layers = []
    for layer in model.layers:
        shape = layer.output_shape
        if isinstance(shape, list):
            shape = shape[0]
        layers.append([layer.name, layer.__class__.__name__,
                       [-1 if d is None else int(d) for d in shape],
                       int(layer.count_params())])
    return {'name': model.name, 'count_params': int(model.count_params()),
            'layers': layers}


def assert_same_layers(model, key):
    got, want = describe(model), REFERENCE[key]
    assert [l[0] for l in got['layers']] == [l[0] for l in want['layers']]
    assert got == want


@pytest.mark.parametrize('key,build', [
    ('b0_top', lambda: EfficientNetB0(weights=None)),
    ('b0_notop_64', lambda: EfficientNetB0(
        weights=None, include_top=False, input_shape=(64, 64, 3))),
    ('b1_top', lambda: EfficientNetB1(weights=None)),
    ('b1_notop_64', lambda: EfficientNetB1(
        weights=None, include_top=False, input_shape=(64, 64, 3))),
])
def test_layers_match_tf_keras(key, build):
    # Names, classes, order, output shapes and parameters of every layer
    # (tf_keras B0: 240 layers, 5,330,571 parameters with the top).
    assert_same_layers(build(), key)


def test_parameter_counts_match_tf_keras():
    # B2..B7 (verified against the same record when this was written) are
    # left out to keep the test fast.
    counts = REFERENCE['count_params_notop_32_and_top']
    for name in ('EfficientNetB0', 'EfficientNetB1'):
        K.clear_session()
        notop = getattr(efficientnet, name)(
            weights=None, include_top=False, input_shape=(32, 32, 3))
        assert notop.output_shape == (None, 1, 1, 1280)
        assert notop.count_params() == counts[name][0]
    assert counts['EfficientNetB0'] == [4049571, 5330571]
    assert counts['EfficientNetB7'] == [64097687, 66658687]


def test_tf_keras_save_weights_load_by_name_and_in_order(
        tf_keras_files, expected):
    weights_path = tf_keras_files[0]
    x = expected['x']
    model = EfficientNetB0(weights=None, include_top=False,
                           input_shape=(64, 64, 3))
    model.load_weights(weights_path, by_name=True)
    norm = model.get_layer('normalization')
    np.testing.assert_allclose(K.get_value(norm.weights[0]),
                               [0.485, 0.456, 0.406], rtol=1e-6)
    np.testing.assert_allclose(model.predict(x), expected['weights_none'],
                               atol=1e-4, rtol=1e-4)
    # The weights argument loads the file in layer order.
    K.clear_session()
    model = EfficientNetB0(weights=weights_path, include_top=False,
                           input_shape=(64, 64, 3))
    np.testing.assert_allclose(model.predict(x), expected['weights_none'],
                               atol=1e-4, rtol=1e-4)


def test_imagenet_weights_build(tf_keras_files, expected, monkeypatch):
    # weights='imagenet': tf.keras's file name, URL and md5, and its extra
    # tf.math.multiply layer; the tf_keras file stands for the download.
    fetched = []

    def get_file(fname, origin, **kwargs):
        fetched.append([fname, origin, kwargs])
        return tf_keras_files[0]
    monkeypatch.setattr(efficientnet, 'get_file', get_file)
    model = EfficientNetB0(include_top=False, pooling='avg',
                           input_shape=(64, 64, 3))
    assert fetched == [REFERENCE['b0_imagenet_get_file']]
    assert_same_layers(model, 'b0_imagenet_notop_avg_64')
    np.testing.assert_allclose(model.predict(expected['x']),
                               expected['weights_imagenet'],
                               atol=1e-4, rtol=1e-4)
    # The model serializes and rebuilds with the same layers and outputs.
    clone = keras.Model.from_config(
        model.get_config(),
        custom_objects={'TFOpLambda': keras.layers.TFOpLambda})
    clone.set_weights(model.get_weights())
    assert [l.name for l in clone.layers] == [l.name for l in model.layers]
    np.testing.assert_allclose(clone.predict(expected['x']),
                               expected['weights_imagenet'],
                               atol=1e-4, rtol=1e-4)
    # With the top: the other file (the download stops the build here).
    class Stop(Exception):
        pass

    def no_download(fname, origin, **kwargs):
        fetched.append([fname, origin, kwargs])
        raise Stop
    monkeypatch.setattr(efficientnet, 'get_file', no_download)
    K.clear_session()
    with pytest.raises(Stop):
        EfficientNetB0()
    assert fetched[-1] == [
        'efficientnetb0.h5',
        'https://storage.googleapis.com/keras-applications/'
        'efficientnetb0.h5',
        {'cache_subdir': 'models',
         'file_hash': '902e53a9f72be733fc0bcb005b3ebbac'}]


def test_tf_keras_whole_model_h5_loads(tf_keras_files, expected):
    model = keras.models.load_model(tf_keras_files[1], compile=False)
    assert_same_layers(model, 'b0_imagenet_notop_avg_64')
    np.testing.assert_allclose(model.predict(expected['x']),
                               expected['weights_imagenet'],
                               atol=1e-4, rtol=1e-4)


def test_include_top_classes_and_classifier_activation():
    x = np.random.RandomState(0).uniform(0, 255, (2, 32, 32, 3)).astype(
        'float32')
    model = EfficientNetB0(weights=None, classes=7, input_shape=(32, 32, 3))
    names = [l.name for l in model.layers]
    assert names[-3:] == ['avg_pool', 'top_dropout', 'predictions']
    assert model.output_shape == (None, 7)
    assert model.count_params() == 4049571 + 1280 * 7 + 7
    np.testing.assert_allclose(model.predict(x).sum(-1), 1., rtol=1e-5)
    K.clear_session()
    logits = EfficientNetB0(weights=None, classes=7, input_shape=(32, 32, 3),
                            classifier_activation=None)
    assert logits.get_layer('predictions').get_config()['activation'] == \
        'linear'
    # pooling applies without the top only, as in tf.keras.
    for pooling, name in (('avg', 'avg_pool'), ('max', 'max_pool')):
        K.clear_session()
        model = EfficientNetB0(weights=None, include_top=False,
                               pooling=pooling, input_shape=(32, 32, 3))
        assert model.layers[-1].name == name
        assert model.output_shape == (None, 1280)
        assert model.predict(x).shape == (2, 1280)
    K.clear_session()
    model = EfficientNetB0(weights=None, include_top=False)
    assert model.output_shape == (None, None, None, 1280)
    assert model.predict(np.zeros((1, 64, 96, 3), 'float32')).shape == \
        (1, 2, 3, 1280)


def test_input_tensor_and_extra_arguments():
    inputs = keras.layers.Input((32, 32, 3))
    model = EfficientNetB0(weights=None, include_top=False,
                           input_tensor=inputs, pooling='avg')
    assert model.inputs[0] is inputs
    # EfficientNet's other arguments pass through, as in tf.keras.
    K.clear_session()
    plain = EfficientNetB0(weights=None, include_top=False,
                           input_shape=(32, 32, 3), drop_connect_rate=0.,
                           activation='relu')
    names = [l.name for l in plain.layers]
    assert not any(n.endswith('_drop') for n in names)
    assert plain.get_layer('stem_activation').get_config()[
        'activation'] == 'relu'
    with pytest.raises(TypeError, match='no_such_argument'):
        EfficientNetB0(weights=None, no_such_argument=1)


def test_argument_errors():
    with pytest.raises(ValueError, match='`weights` argument should be'):
        EfficientNetB0(weights='no_such_file.h5')
    with pytest.raises(ValueError, match='`classes` should be 1000'):
        EfficientNetB0(weights='imagenet', classes=10)
    with pytest.raises(ValueError, match='at least 32x32'):
        EfficientNetB0(weights=None, include_top=False,
                       input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match='should be \\(224, 224, 3\\)'):
        EfficientNetB0(weights='imagenet', input_shape=(64, 64, 3))


def test_classifier_activation_with_pretrained_weights(tf_keras_files):
    # A weights file (as 'imagenet') allows only softmax or None on top.
    with pytest.raises(ValueError, match='Only `None` and `softmax`'):
        EfficientNetB0(weights=tf_keras_files[0], input_shape=(64, 64, 3),
                       classifier_activation='relu')


def test_one_training_step():
    model = EfficientNetB0(weights=None, classes=3, input_shape=(32, 32, 3))
    # (Adam: one plain SGD step at learning rate 0.01 on 2 images of
    # 32x32 blows the batch-normalization weights up to ~1e4 and the
    # predictions to NaN in tf_keras 2.21 as well.)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001),
                  loss='categorical_crossentropy')
    x = np.random.RandomState(1).uniform(0, 255, (2, 32, 32, 3)).astype(
        'float32')
    y = np.eye(3, dtype='float32')[[0, 2]]
    kernel = K.get_value(model.get_layer('stem_conv').kernel).copy()
    moving = K.get_value(model.get_layer('stem_bn').moving_mean).copy()
    history = model.fit(x, y, batch_size=2, epochs=1, verbose=0)
    assert np.isfinite(history.history['loss'][0])
    assert not np.allclose(
        K.get_value(model.get_layer('stem_conv').kernel), kernel)
    assert not np.allclose(
        K.get_value(model.get_layer('stem_bn').moving_mean), moving)
    assert np.isfinite(model.predict(x)).all()


def test_preprocess_input_and_decode_predictions(tmp_path, monkeypatch):
    x = np.random.RandomState(2).uniform(0, 255, (1, 4, 4, 3))
    assert efficientnet.preprocess_input(x) is x
    t = torch.ones(1, 2, 2, 3)
    assert efficientnet.preprocess_input(t, data_format='channels_last') \
        is t
    monkeypatch.setenv('KERAS_HOME', str(tmp_path))
    monkeypatch.setattr(imagenet_utils, '_CLASS_INDEX', None)
    os.makedirs(str(tmp_path / 'models'))
    index = {str(i): ['n%08d' % i, 'class_%d' % i] for i in range(1000)}
    with open(str(tmp_path / 'models' / 'imagenet_class_index.json'),
              'w') as f:
        json.dump(index, f)
    preds = np.zeros((1, 1000), 'float32')
    preds[0, [5, 9]] = [0.7, 0.3]
    decoded = efficientnet.decode_predictions(preds, top=2)
    assert [d[:2] for d in decoded[0]] == [('n00000005', 'class_5'),
                                           ('n00000009', 'class_9')]


def test_channels_first(tf_keras_files, expected):
    # The same weights give the channels-last outputs, transposed.
    K.set_image_data_format('channels_first')
    try:
        model = EfficientNetB0(weights=None, include_top=False,
                               input_shape=(3, 64, 64))
        assert model.count_params() == 4049571
        assert model.output_shape == (None, 1280, 2, 2)
        model.load_weights(tf_keras_files[0], by_name=True)
        out = model.predict(expected['x'].transpose(0, 3, 1, 2))
    finally:
        K.set_image_data_format('channels_last')
    np.testing.assert_allclose(out.transpose(0, 2, 3, 1),
                               expected['weights_none'], atol=1e-4,
                               rtol=1e-4)
