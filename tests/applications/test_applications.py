"""keras.applications: the Keras 2 architectures (parameter counts as
Keras documents them), the `weights` argument, and the ImageNet
preprocessing formulas."""
import json
import os

import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat.applications import (VGG16, VGG19, ResNet50,
                                       imagenet_utils)
from keras_compat.applications import densenet, inception_v3, resnet50
from keras_compat.applications import vgg16


@pytest.mark.parametrize('build,params,output_shape', [
    # Keras 2's published counts for the convolutional bases.
    (lambda: VGG16(weights=None, include_top=False,
                   input_shape=(32, 32, 3)), 14714688, (None, 1, 1, 512)),
    (lambda: VGG19(weights=None, include_top=False,
                   input_shape=(32, 32, 3)), 20024384, (None, 1, 1, 512)),
    (lambda: ResNet50(weights=None, include_top=False, pooling='avg',
                      input_shape=(64, 64, 3)), 23587712, (None, 2048)),
])
def test_architectures_match_keras_parameter_counts(build, params,
                                                    output_shape):
    model = build()
    assert model.count_params() == params
    assert model.output_shape == output_shape


def test_resnet50_top_and_layer_names():
    model = ResNet50(weights=None, classes=10, input_shape=(64, 64, 3))
    assert model.name == 'resnet50'
    assert len(model.layers) == 177
    assert model.count_params() == 23587712 + 2048 * 10 + 10
    names = [layer.name for layer in model.layers]
    assert names[0].startswith('input_')
    assert names[1:4] == ['conv1_pad', 'conv1', 'bn_conv1']
    assert names[-2:] == ['avg_pool', 'fc1000']
    out = model.predict(np.random.rand(2, 64, 64, 3).astype('float32'))
    np.testing.assert_allclose(out.sum(-1), 1., rtol=1e-5)


def test_variable_input_size_without_top():
    model = VGG16(weights=None, include_top=False)
    assert model.output_shape == (None, None, None, 512)
    out = model.predict(np.zeros((1, 64, 96, 3), 'float32'))
    assert out.shape == (1, 2, 3, 512)


def test_input_tensor_argument():
    inputs = keras.layers.Input((32, 32, 3))
    model = VGG16(weights=None, include_top=False, input_tensor=inputs,
                  pooling='max')
    assert model.inputs[0] is inputs
    assert model.output_shape == (None, 512)


def test_weights_argument_errors():
    with pytest.raises(ValueError, match='`weights` argument should be'):
        VGG16(weights='no_such_file.h5')
    with pytest.raises(ValueError, match='`classes` should be 1000'):
        VGG16(weights='imagenet', classes=10)
    with pytest.raises(ValueError, match='at least 32x32'):
        VGG16(weights=None, include_top=False, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match='should be \\(224, 224, 3\\)'):
        ResNet50(weights='imagenet', input_shape=(64, 64, 3))


def test_weights_from_a_file_and_from_the_imagenet_cache(tmp_path,
                                                         monkeypatch):
    source = VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    path = str(tmp_path / 'vgg.h5')
    source.save_weights(path)
    x = np.random.rand(2, 32, 32, 3).astype('float32')
    expected = source.predict(x)
    loaded = VGG16(weights=path, include_top=False, input_shape=(32, 32, 3))
    np.testing.assert_allclose(loaded.predict(x), expected, rtol=1e-5)
    # weights='imagenet' reads ~/.keras/models/<Keras file name> when it
    # is there (downloaded once otherwise).
    monkeypatch.setenv('KERAS_HOME', str(tmp_path / 'home'))
    os.makedirs(str(tmp_path / 'home' / 'models'))
    source.save_weights(str(tmp_path / 'home' / 'models' /
                            vgg16._FILES[1]))
    cached = VGG16(weights='imagenet', include_top=False,
                   input_shape=(32, 32, 3))
    np.testing.assert_allclose(cached.predict(x), expected, rtol=1e-5)


def test_preprocess_input_caffe_mode():
    # VGG16/VGG19/ResNet50: RGB -> BGR, minus the ImageNet BGR mean.
    x = np.random.RandomState(0).randint(0, 256, (2, 4, 5, 3))
    expected = x[..., ::-1].astype('float32') - np.array(
        [103.939, 116.779, 123.68], 'float32')
    np.testing.assert_allclose(vgg16.preprocess_input(x), expected,
                               rtol=1e-6)
    np.testing.assert_allclose(resnet50.preprocess_input(x), expected,
                               rtol=1e-6)
    tensor = vgg16.preprocess_input(torch.tensor(x))
    np.testing.assert_allclose(tensor.numpy(), expected, rtol=1e-6)
    first = vgg16.preprocess_input(x.transpose(0, 3, 1, 2),
                                   data_format='channels_first')
    np.testing.assert_allclose(first, expected.transpose(0, 3, 1, 2),
                               rtol=1e-6)
    single = vgg16.preprocess_input(x[0].transpose(2, 0, 1),
                                    data_format='channels_first')
    np.testing.assert_allclose(single, expected[0].transpose(2, 0, 1),
                               rtol=1e-6)


def test_preprocess_input_tf_and_torch_modes():
    x = np.random.RandomState(1).randint(0, 256, (2, 3, 3, 3)).astype(
        'float32')
    np.testing.assert_allclose(inception_v3.preprocess_input(x.copy()),
                               x / 127.5 - 1., rtol=1e-6)
    mean = np.array([0.485, 0.456, 0.406], 'float32')
    std = np.array([0.229, 0.224, 0.225], 'float32')
    np.testing.assert_allclose(densenet.preprocess_input(x.copy()),
                               (x / 255. - mean) / std, rtol=1e-5)
    # As in Keras, a float array is processed in place; integers are not.
    floats, ints = x.copy(), x.astype('int32')
    assert imagenet_utils.preprocess_input(floats, mode='tf') is floats
    caffe = imagenet_utils.preprocess_input(ints)
    assert ints.max() > 1 and caffe.dtype == np.float32
    with pytest.raises(ValueError, match='Unknown mode'):
        imagenet_utils.preprocess_input(x, mode='bgr')


def test_decode_predictions(tmp_path, monkeypatch):
    monkeypatch.setenv('KERAS_HOME', str(tmp_path))
    monkeypatch.setattr(imagenet_utils, '_CLASS_INDEX', None)
    os.makedirs(str(tmp_path / 'models'))
    index = {str(i): ['n%08d' % i, 'class_%d' % i] for i in range(1000)}
    with open(str(tmp_path / 'models' / 'imagenet_class_index.json'),
              'w') as f:
        json.dump(index, f)
    preds = np.zeros((2, 1000), 'float32')
    preds[0, [7, 3, 500]] = [0.5, 0.3, 0.2]
    preds[1, 999] = 1.
    decoded = vgg16.decode_predictions(preds, top=2)
    assert [d[:2] for d in decoded[0]] == [('n00000007', 'class_7'),
                                           ('n00000003', 'class_3')]
    assert decoded[0][0][2] == pytest.approx(0.5)
    assert decoded[1][0][:2] == ('n00000999', 'class_999')
    with pytest.raises(ValueError, match='expects a batch of predictions'):
        vgg16.decode_predictions(np.zeros((2, 10)))


def test_inception_v3_matches_keras():
    model = inception_v3.InceptionV3(weights=None)
    # Keras's InceptionV3: 23,851,784 parameters, 313 layers.
    assert model.count_params() == 23851784
    assert len(model.layers) == 313
    names = [layer.name for layer in model.layers]
    assert 'mixed9_1' in names and names[-1] == 'predictions'
    small = inception_v3.InceptionV3(weights=None, include_top=False,
                                     input_shape=(75, 75, 3), pooling='avg')
    x = inception_v3.preprocess_input(np.random.RandomState(0).uniform(
        0, 255, (1, 75, 75, 3)))
    assert small.predict(x).shape == (1, 2048)


def test_xception_matches_keras():
    from keras_compat.applications import Xception
    model = Xception(weights=None)
    # Keras's Xception: 22,910,480 parameters, 134 layers.
    assert model.count_params() == 22910480
    assert len(model.layers) == 134
    assert model.layers[-3].name == 'block14_sepconv2_act'


def test_inception_resnet_v2_matches_keras():
    from keras_compat.applications import InceptionResNetV2
    model = InceptionResNetV2(weights=None)
    # Keras's InceptionResNetV2: 55,873,736 parameters, 782 layers.
    assert model.count_params() == 55873736
    assert len(model.layers) == 782
    names = [layer.name for layer in model.layers]
    assert 'block17_20_mixed' in names and 'conv_7b_ac' in names


def test_architectures_not_built_yet_say_so():
    from keras_compat.applications import NASNetMobile
    with pytest.raises(NotImplementedError, match='InceptionResNetV2 and'):
        NASNetMobile()


def test_mobilenet_matches_keras():
    from keras_compat.applications import MobileNet, mobilenet
    model = MobileNet(weights=None)
    # Keras's MobileNet: 4,253,864 parameters at alpha 1, 224 x 224.
    assert model.count_params() == 4253864
    assert model.name == 'mobilenet_1.00_224'
    names = [layer.name for layer in model.layers]
    assert names[-3:] == ['conv_preds', 'reshape_2', 'act_softmax']
    assert 'conv_dw_13_relu' in names and 'conv_pad_12' in names
    small = MobileNet(weights=None, alpha=0.5, input_shape=(128, 128, 3))
    assert small.name == 'mobilenet_0.50_128'
    headless = MobileNet(weights=None, include_top=False, pooling='avg',
                         input_shape=(64, 64, 3))
    x = mobilenet.preprocess_input(np.random.RandomState(0).uniform(
        0, 255, (2, 64, 64, 3)))
    assert headless.predict(x).shape == (2, 1024)
    with pytest.raises(ValueError, match='alpha'):
        MobileNet(alpha=0.3)


@pytest.mark.parametrize('name,params', [
    ('ResNet101', 44707176), ('ResNet152', 60419944),
    ('ResNet50V2', 25613800), ('ResNet101V2', 44675560),
    ('ResNet152V2', 60380648)])
def test_resnet_family_matches_keras_parameter_counts(name, params):
    from keras_compat import applications
    model = getattr(applications, name)(weights=None)
    # Parameter counts of the Keras 2.3 application models.
    assert model.count_params() == params
    assert model.output_shape == (None, 1000)
    names = [layer.name for layer in model.layers]
    assert 'conv4_block2_2_conv' in names
    assert ('post_bn' in names) == name.endswith('V2')


def test_resnet_v2_headless_features_and_preprocessing():
    from keras_compat.applications import resnet, resnet_v2
    model = resnet_v2.ResNet50V2(weights=None, include_top=False,
                                 input_shape=(64, 64, 3), pooling='avg')
    x = np.random.RandomState(0).uniform(0, 255, (2, 64, 64, 3))
    out = model.predict(resnet_v2.preprocess_input(x.copy()))
    assert out.shape == (2, 2048)
    np.testing.assert_allclose(resnet_v2.preprocess_input(x.copy()),
                               x / 127.5 - 1., rtol=1e-6)
    assert resnet.ResNet50(weights=None).count_params() == 25636712


def test_mobilenet_v2_matches_keras():
    from keras_compat.applications import MobileNetV2, mobilenetv2
    model = MobileNetV2(weights=None)
    # Keras's MobileNetV2: 3,538,984 parameters at alpha 1, 224 x 224.
    assert model.count_params() == 3538984
    assert model.name == 'mobilenetv2_1.00_224'
    names = [layer.name for layer in model.layers]
    assert 'block_16_project_BN' in names and 'block_15_add' in names
    assert names[-1] == 'Logits'
    headless = mobilenetv2.MobileNetV2(weights=None, include_top=False,
                                       pooling='max', input_shape=(96, 96, 3))
    x = np.random.RandomState(0).uniform(-1, 1, (2, 96, 96, 3))
    assert headless.predict(x).shape == (2, 1280)
    with pytest.raises(ValueError, match='alpha'):
        MobileNetV2(alpha=0.6)


@pytest.mark.parametrize('name,params', [
    ('DenseNet121', 8062504), ('DenseNet169', 14307880),
    ('DenseNet201', 20242984)])
def test_densenets_match_keras_parameter_counts(name, params):
    from keras_compat.applications import densenet
    model = getattr(densenet, name)(weights=None)
    assert model.count_params() == params
    assert model.name == name.lower()
    names = [layer.name for layer in model.layers]
    assert 'conv5_block16_concat' in names and 'pool4_pool' in names


def test_densenet_headless_features():
    from keras_compat.applications import DenseNet121, densenet
    model = DenseNet121(weights=None, include_top=False, pooling='avg',
                        input_shape=(64, 64, 3))
    x = densenet.preprocess_input(np.random.RandomState(0).uniform(
        0, 255, (2, 64, 64, 3)))
    assert model.predict(x).shape == (2, 1024)
