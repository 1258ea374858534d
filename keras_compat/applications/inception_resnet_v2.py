"""InceptionResNetV2 (Szegedy et al., 2016) as `keras.applications.
inception_resnet_v2` builds it, layer for layer in the same order, with the
'block35_%d', 'block17_%d' and 'block8_%d' residual blocks (a Lambda adds
the scaled residual). Inputs 299 x 299 by default, scaled to [-1, 1]."""
from .. import backend as K
from ..layers import (Activation, AveragePooling2D, BatchNormalization,
                      Concatenate, Conv2D, Lambda, MaxPooling2D)
from ..engine.training import Model
from . import _common
from ._unsupported import preprocessor
from .imagenet_utils import decode_predictions  # noqa: F401

preprocess_input = preprocessor('tf')
_FILES = ('inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5',
          'inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5')


def _axis():
    return 1 if K.image_data_format() == 'channels_first' else 3


def conv2d_bn(x, filters, kernel_size, strides=1, padding='same',
              activation='relu', use_bias=False, name=None):
    """Conv2D; without bias a BatchNormalization (no scale) follows; then
    the activation."""
    x = Conv2D(filters, kernel_size, strides=strides, padding=padding,
               use_bias=use_bias, name=name)(x)
    if not use_bias:
        x = BatchNormalization(axis=_axis(), scale=False,
                               name=None if name is None else name + '_bn')(x)
    if activation is not None:
        x = Activation(activation,
                       name=None if name is None else name + '_ac')(x)
    return x


def _chain(x, specs):
    for filters, kernel in specs:
        x = conv2d_bn(x, filters, kernel)
    return x


_BRANCHES = {
    'block35': [[(32, 1)], [(32, 1), (32, 3)], [(32, 1), (48, 3), (64, 3)]],
    'block17': [[(192, 1)], [(128, 1), (160, [1, 7]), (192, [7, 1])]],
    'block8': [[(192, 1)], [(192, 1), (224, [1, 3]), (256, [3, 1])]],
}


def _add_scaled(inputs, scale):
    return inputs[0] + inputs[1] * scale


def inception_resnet_block(x, scale, block_type, block_idx,
                           activation='relu'):
    """Inception-ResNet-A/B/C ('block35', 'block17', 'block8'): the
    concatenated branches, a linear 1x1 convolution back to the input
    width, added to the input times `scale`."""
    if block_type not in _BRANCHES:
        raise ValueError('Unknown Inception-ResNet block type. Expects '
                         '"block35", "block17" or "block8", but got: ' +
                         str(block_type))
    name = block_type + '_' + str(block_idx)
    branches = [_chain(x, specs) for specs in _BRANCHES[block_type]]
    mixed = Concatenate(axis=_axis(), name=name + '_mixed')(branches)
    up = conv2d_bn(mixed, K.int_shape(x)[_axis()], 1, activation=None,
                   use_bias=True, name=name + '_conv')
    x = Lambda(_add_scaled, output_shape=K.int_shape(x)[1:],
               arguments={'scale': scale}, name=name)([x, up])
    if activation is not None:
        x = Activation(activation, name=name + '_ac')(x)
    return x


def InceptionResNetV2(include_top=True, weights='imagenet',
                      input_tensor=None, input_shape=None, pooling=None,
                      classes=1000, classifier_activation='softmax',
                      **kwargs):
    """InceptionResNetV2: a convolutional stem, 10 Inception-ResNet-A, 20
    -B and 10 -C blocks with reductions between them, a 1x1 convolution to
    1536 channels, then global average pooling and a softmax over
    `classes` (include_top)."""
    _common.check_weights(weights, include_top, classes)
    image, inputs = _common.model_input(input_tensor, input_shape, 299, 75,
                                        include_top, weights)
    x = conv2d_bn(image, 32, 3, strides=2, padding='valid')
    x = conv2d_bn(x, 32, 3, padding='valid')
    x = conv2d_bn(x, 64, 3)
    x = MaxPooling2D(3, strides=2)(x)
    x = conv2d_bn(x, 80, 1, padding='valid')
    x = conv2d_bn(x, 192, 3, padding='valid')
    x = MaxPooling2D(3, strides=2)(x)
    branches = [conv2d_bn(x, 96, 1), _chain(x, [(48, 1), (64, 5)]),
                _chain(x, [(64, 1), (96, 3), (96, 3)])]
    pool = AveragePooling2D(3, strides=1, padding='same')(x)
    branches.append(conv2d_bn(pool, 64, 1))
    x = Concatenate(axis=_axis(), name='mixed_5b')(branches)
    for block_idx in range(1, 11):
        x = inception_resnet_block(x, 0.17, 'block35', block_idx)
    branches = [conv2d_bn(x, 384, 3, strides=2, padding='valid')]
    branch = _chain(x, [(256, 1), (256, 3)])
    branches.append(conv2d_bn(branch, 384, 3, strides=2, padding='valid'))
    branches.append(MaxPooling2D(3, strides=2, padding='valid')(x))
    x = Concatenate(axis=_axis(), name='mixed_6a')(branches)
    for block_idx in range(1, 21):
        x = inception_resnet_block(x, 0.1, 'block17', block_idx)
    branches = []
    for specs, last in (([(256, 1)], 384), ([(256, 1)], 288),
                        ([(256, 1), (288, 3)], 320)):
        branch = _chain(x, specs)
        branches.append(conv2d_bn(branch, last, 3, strides=2,
                                  padding='valid'))
    branches.append(MaxPooling2D(3, strides=2, padding='valid')(x))
    x = Concatenate(axis=_axis(), name='mixed_7a')(branches)
    for block_idx in range(1, 10):
        x = inception_resnet_block(x, 0.2, 'block8', block_idx)
    x = inception_resnet_block(x, 1., 'block8', 10, activation=None)
    x = conv2d_bn(x, 1536, 1, name='conv_7b')
    x = _common.classifier(x, include_top, pooling, classes, 'predictions',
                           activation=classifier_activation, weights=weights)
    model = Model(inputs, x, name='inception_resnet_v2')
    return _common.load_weights(model, weights, include_top, _FILES, 'v0.7')
