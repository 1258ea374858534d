"""Model-builder idioms of tf.keras 2.x vision libraries (deepface's
OpenFace with `tf.nn.lrn` and `K.sqrt` Lambdas, NIMA's MobileNet base,
keras-unet's metrics and losses), written inline on small tensors.
Expected values were obtained from tf_keras 2.21 on TensorFlow 2.21
running the same code."""
import numpy as np

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common
from keras_compat.layers import Input, Lambda


def _halve(s):
    return s


def _openface_pool(inp):
    # deepface's OpenFace: `Lambda(lambda x: tf.nn.lrn(x, ...))`, then the
    # L2 pooling of `x ** 2`, `x * 9` and `K.sqrt(x)` Lambdas.
    x = Lambda(lambda t: tf.nn.lrn(t, alpha=1e-4, beta=0.75),
               name='lrn_1')(inp)
    x = Lambda(lambda t: t * 9)(x ** 2)
    return Lambda(lambda t: K.sqrt(t), name='sqrt_3b')(x)


def test_tf_keras_lambda_config_names_the_module_of_each_function():
    common.set_api_flavour('tf.keras')
    layer = Lambda(lambda x: tf.nn.lrn(x, alpha=1e-4, beta=0.75),
                   output_shape=lambda s: s, mask=_halve, name='lrn_1')
    config = layer.get_config()
    # tf_keras 2.21's key order and modules.
    assert list(config) == [
        'name', 'trainable', 'dtype', 'function', 'function_type', 'module',
        'output_shape', 'output_shape_type', 'output_shape_module', 'mask',
        'mask_type', 'mask_module', 'arguments']
    assert config['module'] == __name__
    assert config['output_shape_module'] == __name__
    assert config['mask_type'] == 'lambda'
    assert config['mask_module'] == __name__
    plain = Lambda(lambda x: x * 9, name='m9').get_config()
    assert list(plain)[3:] == ['function', 'function_type', 'module',
                               'output_shape', 'output_shape_type',
                               'output_shape_module', 'arguments']
    assert plain['output_shape_module'] is None
    restored = Lambda.from_config(config)
    assert restored.mask('m') == 'm'


def test_keras_2_lambda_config_keeps_its_keys():
    config = Lambda(lambda x: x * 9, name='m9').get_config()
    assert 'module' not in config and 'output_shape_module' not in config


def test_lambda_using_tf_reloads_from_its_own_hdf5_file(tmp_path):
    # The saved lambdas run with the globals of the module they came from,
    # so `tf` resolves when the model is loaded again.
    common.set_api_flavour('tf.keras')
    inp = Input((3, 3, 4))
    model = keras.models.Model(inp, _openface_pool(inp))
    path = str(tmp_path / 'openface_pool.h5')
    model.save(path)
    loaded = keras.models.load_model(path)
    x = (np.arange(72, dtype='float32').reshape(2, 3, 3, 4) / 7.0 - 2.0)
    # tf_keras 2.21: the loaded model's predict()[0, 1].
    expected = [0.85713494, 0.42856765, 0., 0.4285673, 0.85707235,
                1.2856082, 1.714144, 2.1426797, 2.5705237, 2.998944,
                3.4273646, 3.8557856]
    np.testing.assert_allclose(
        loaded.predict(x, verbose=0)[0, 1].ravel(), expected,
        rtol=1e-5, atol=1e-6)


def test_tf_keras_mobilenet_pads_its_first_convolution_itself():
    # NIMA's base: MobileNet(include_top=False, pooling='avg').
    common.set_api_flavour('tf.keras')
    from keras_compat.applications.mobilenet import MobileNet
    base = MobileNet(input_shape=(33, 33, 3), alpha=0.25, include_top=False,
                     weights=None, pooling='avg')
    names = [layer.name for layer in base.layers]
    # tf_keras 2.21.
    assert names[1:6] == ['conv1', 'conv1_bn', 'conv1_relu', 'conv_dw_1',
                          'conv_dw_1_bn']
    assert len(names) == 87
    assert base.count_params() == 218544
    assert base.get_layer('conv1').output_shape == (None, 17, 17, 8)
    assert base.get_layer('conv_pw_13_relu').output_shape == \
        (None, 1, 1, 256)


def test_keras_2_mobilenet_keeps_conv1_pad():
    from keras_compat.applications.mobilenet import MobileNet
    base = MobileNet(input_shape=(32, 32, 3), alpha=0.25, include_top=False,
                     weights=None)
    # Keras 2.2.4 / 2.3.1 keras_applications.
    assert base.layers[1].name == 'conv1_pad'
    assert base.get_layer('conv1').output_shape == (None, 16, 16, 8)
