"""Xception (Chollet, 2017) as `keras.applications.xception` builds it,
layer for layer in the same order (the Keras ImageNet file is read in that
order). Inputs 299 x 299 by default, scaled to [-1, 1] ('tf' mode)."""
from .. import backend as K
from ..layers import (Activation, BatchNormalization, Conv2D, MaxPooling2D,
                      SeparableConv2D, add)
from ..engine.training import Model
from . import _common
from ._unsupported import preprocessor
from .imagenet_utils import decode_predictions  # noqa: F401

preprocess_input = preprocessor('tf')
_FILES = ('xception_weights_tf_dim_ordering_tf_kernels.h5',
          'xception_weights_tf_dim_ordering_tf_kernels_notop.h5')


def _bn(name=None):
    axis = 1 if K.image_data_format() == 'channels_first' else -1
    return BatchNormalization(axis=axis, name=name)


def _sepconv_bn(x, filters, name):
    x = SeparableConv2D(filters, (3, 3), padding='same', use_bias=False,
                        name=name)(x)
    return _bn(name + '_bn')(x)


def _entry_block(x, filters, block, relu_first=True):
    """Two separable convolutions and a strided max pooling, added to a
    strided 1x1 convolution of the block's input."""
    residual = Conv2D(filters[-1], (1, 1), strides=(2, 2), padding='same',
                      use_bias=False)(x)
    residual = _bn()(residual)
    prefix = 'block%d_sepconv' % block
    if relu_first:
        x = Activation('relu', name=prefix + '1_act')(x)
    x = _sepconv_bn(x, filters[0], prefix + '1')
    x = Activation('relu', name=prefix + '2_act')(x)
    x = _sepconv_bn(x, filters[1], prefix + '2')
    x = MaxPooling2D((3, 3), strides=(2, 2), padding='same',
                     name='block%d_pool' % block)(x)
    return add([x, residual])


def Xception(include_top=True, weights='imagenet', input_tensor=None,
             input_shape=None, pooling=None, classes=1000,
             classifier_activation='softmax', **kwargs):
    """Xception: entry flow, eight middle-flow blocks of three separable
    convolutions with identity shortcuts, exit flow, then global average
    pooling and a softmax over `classes` (include_top)."""
    _common.check_weights(weights, include_top, classes)
    image, inputs = _common.model_input(input_tensor, input_shape, 299, 71,
                                        include_top, weights)
    x = Conv2D(32, (3, 3), strides=(2, 2), use_bias=False,
               name='block1_conv1')(image)
    x = Activation('relu', name='block1_conv1_act')(_bn('block1_conv1_bn')(x))
    x = Conv2D(64, (3, 3), use_bias=False, name='block1_conv2')(x)
    x = Activation('relu', name='block1_conv2_act')(_bn('block1_conv2_bn')(x))
    x = _entry_block(x, (128, 128), 2, relu_first=False)
    x = _entry_block(x, (256, 256), 3)
    x = _entry_block(x, (728, 728), 4)
    for i in range(8):
        residual = x
        prefix = 'block' + str(i + 5)
        for j in (1, 2, 3):
            x = Activation('relu', name='%s_sepconv%d_act' % (prefix, j))(x)
            x = _sepconv_bn(x, 728, '%s_sepconv%d' % (prefix, j))
        x = add([x, residual])
    x = _entry_block(x, (728, 1024), 13)
    x = _sepconv_bn(x, 1536, 'block14_sepconv1')
    x = Activation('relu', name='block14_sepconv1_act')(x)
    x = _sepconv_bn(x, 2048, 'block14_sepconv2')
    x = Activation('relu', name='block14_sepconv2_act')(x)
    x = _common.classifier(x, include_top, pooling, classes, 'predictions',
                           activation=classifier_activation, weights=weights)
    model = Model(inputs, x, name='xception')
    return _common.load_weights(model, weights, include_top, _FILES, 'v0.4')
