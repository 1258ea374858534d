"""InceptionV3 (Szegedy et al., 2015) as `keras.applications.
inception_v3` builds it, layer for layer in the same order (the Keras
ImageNet file is read in that order), with the 'mixed0'..'mixed10' blocks.
Inputs 299 x 299 by default, scaled to [-1, 1] ('tf' mode)."""
from .. import backend as K
from ..layers import (Activation, AveragePooling2D, BatchNormalization, Conv2D,
                      MaxPooling2D, concatenate)
from ..engine.training import Model
from . import _common
from ._unsupported import preprocessor
from .imagenet_utils import decode_predictions  # noqa: F401

preprocess_input = preprocessor('tf')
_FILES = ('inception_v3_weights_tf_dim_ordering_tf_kernels.h5',
          'inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5')


def _axis():
    return 1 if K.image_data_format() == 'channels_first' else 3


def conv2d_bn(x, filters, num_row, num_col, padding='same', strides=(1, 1),
              name=None):
    """Conv2D without bias, BatchNormalization without scale, ReLU."""
    x = Conv2D(filters, (num_row, num_col), strides=strides,
               padding=padding, use_bias=False,
               name=None if name is None else name + '_conv')(x)
    x = BatchNormalization(axis=_axis(), scale=False,
                           name=None if name is None else name + '_bn')(x)
    return Activation('relu', name=name)(x)


def _chain(x, specs):
    """conv2d_bn applied in turn for each (filters, rows, cols)."""
    for filters, rows, cols in specs:
        x = conv2d_bn(x, filters, rows, cols)
    return x


def _pool_branch(x, filters):
    x = AveragePooling2D((3, 3), strides=(1, 1), padding='same')(x)
    return conv2d_bn(x, filters, 1, 1)


def _block_35(x, pool_filters, name):
    branches = [conv2d_bn(x, 64, 1, 1),
                _chain(x, [(48, 1, 1), (64, 5, 5)]),
                _chain(x, [(64, 1, 1), (96, 3, 3), (96, 3, 3)]),
                _pool_branch(x, pool_filters)]
    return concatenate(branches, axis=_axis(), name=name)


def _block_17(x, width, name):
    branches = [conv2d_bn(x, 192, 1, 1),
                _chain(x, [(width, 1, 1), (width, 1, 7), (192, 7, 1)]),
                _chain(x, [(width, 1, 1), (width, 7, 1), (width, 1, 7),
                           (width, 7, 1), (192, 1, 7)]),
                _pool_branch(x, 192)]
    return concatenate(branches, axis=_axis(), name=name)


def _block_8(x, index):
    branch1x1 = conv2d_bn(x, 320, 1, 1)
    branch3x3 = conv2d_bn(x, 384, 1, 1)
    branch3x3 = concatenate([conv2d_bn(branch3x3, 384, 1, 3),
                             conv2d_bn(branch3x3, 384, 3, 1)],
                            axis=_axis(), name='mixed9_' + str(index))
    double = _chain(x, [(448, 1, 1), (384, 3, 3)])
    double = concatenate([conv2d_bn(double, 384, 1, 3),
                          conv2d_bn(double, 384, 3, 1)], axis=_axis())
    return concatenate([branch1x1, branch3x3, double, _pool_branch(x, 192)],
                       axis=_axis(), name='mixed' + str(9 + index))


def InceptionV3(include_top=True, weights='imagenet', input_tensor=None,
                input_shape=None, pooling=None, classes=1000,
                classifier_activation='softmax', **kwargs):
    """InceptionV3: a convolutional stem, three 35x35, five 17x17 and two
    8x8 Inception blocks with grid reductions between them, then global
    average pooling and a softmax over `classes` (include_top)."""
    _common.check_weights(weights, include_top, classes)
    image, inputs = _common.model_input(input_tensor, input_shape, 299, 75,
                                        include_top, weights)
    x = conv2d_bn(image, 32, 3, 3, strides=(2, 2), padding='valid')
    x = conv2d_bn(x, 32, 3, 3, padding='valid')
    x = conv2d_bn(x, 64, 3, 3)
    x = MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = conv2d_bn(x, 80, 1, 1, padding='valid')
    x = conv2d_bn(x, 192, 3, 3, padding='valid')
    x = MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = _block_35(x, 32, 'mixed0')
    x = _block_35(x, 64, 'mixed1')
    x = _block_35(x, 64, 'mixed2')
    branch3x3 = conv2d_bn(x, 384, 3, 3, strides=(2, 2), padding='valid')
    double = _chain(x, [(64, 1, 1), (96, 3, 3)])
    double = conv2d_bn(double, 96, 3, 3, strides=(2, 2), padding='valid')
    pool = MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = concatenate([branch3x3, double, pool], axis=_axis(), name='mixed3')
    x = _block_17(x, 128, 'mixed4')
    x = _block_17(x, 160, 'mixed5')
    x = _block_17(x, 160, 'mixed6')
    x = _block_17(x, 192, 'mixed7')
    branch3x3 = conv2d_bn(x, 192, 1, 1)
    branch3x3 = conv2d_bn(branch3x3, 320, 3, 3, strides=(2, 2),
                          padding='valid')
    branch7x7x3 = _chain(x, [(192, 1, 1), (192, 1, 7), (192, 7, 1)])
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 3, 3, strides=(2, 2),
                            padding='valid')
    pool = MaxPooling2D((3, 3), strides=(2, 2))(x)
    x = concatenate([branch3x3, branch7x7x3, pool], axis=_axis(),
                    name='mixed8')
    x = _block_8(x, 0)
    x = _block_8(x, 1)
    x = _common.classifier(x, include_top, pooling, classes, 'predictions',
                           activation=classifier_activation, weights=weights)
    model = Model(inputs, x, name='inception_v3')
    return _common.load_weights(model, weights, include_top, _FILES, 'v0.5')
