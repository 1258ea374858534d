"""VGG16 (Simonyan & Zisserman, 2014) with Keras 2's layer names, so the
Keras ImageNet weight files load."""
from ..layers import (Conv2D, Dense, Flatten, GlobalAveragePooling2D,
                      GlobalMaxPooling2D, MaxPooling2D)
from ..engine.training import Model
from . import _common
from .imagenet_utils import decode_predictions  # noqa: F401
from .imagenet_utils import preprocess_input as _preprocess_input

_FILES = ('vgg16_weights_tf_dim_ordering_tf_kernels.h5',
          'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5')


def preprocess_input(x, data_format=None, **kwargs):
    """'caffe' preprocessing: BGR order, ImageNet mean subtracted."""
    return _preprocess_input(x, data_format=data_format, mode='caffe')


def vgg_features(x, convs_per_block):
    """The five convolution blocks (64, 128, 256, 512, 512 filters)."""
    for block, (filters, count) in enumerate(zip(
            (64, 128, 256, 512, 512), convs_per_block), start=1):
        for i in range(1, count + 1):
            x = Conv2D(filters, (3, 3), activation='relu', padding='same',
                       name='block%d_conv%d' % (block, i))(x)
        x = MaxPooling2D((2, 2), strides=(2, 2),
                         name='block%d_pool' % block)(x)
    return x


def vgg_head(x, include_top, pooling, classes, activation='softmax',
             weights=None):
    if include_top:
        x = Flatten(name='flatten')(x)
        x = Dense(4096, activation='relu', name='fc1')(x)
        x = Dense(4096, activation='relu', name='fc2')(x)
        return _common.top_dense(x, classes, activation, weights,
                                 'predictions')
    if pooling == 'avg':
        return GlobalAveragePooling2D()(x)
    if pooling == 'max':
        return GlobalMaxPooling2D()(x)
    return x


def build_vgg(name, convs_per_block, files, include_top, weights,
              input_tensor, input_shape, pooling, classes,
              activation='softmax'):
    _common.check_weights(weights, include_top, classes)
    image, inputs = _common.model_input(input_tensor, input_shape, 224, 32,
                                        include_top, weights)
    x = vgg_head(vgg_features(image, convs_per_block), include_top,
                 pooling, classes, activation, weights)
    model = Model(inputs, x, name=name)
    return _common.load_weights(model, weights, include_top, files, 'v0.1')


def VGG16(include_top=True, weights='imagenet', input_tensor=None,
          input_shape=None, pooling=None, classes=1000,
          classifier_activation='softmax', **kwargs):
    """VGG16: 13 3x3 convolutions in five blocks, then (include_top) two
    4096-unit layers and a softmax over `classes`. `weights`: 'imagenet'
    (downloaded), None or a file path; `pooling` ('avg'/'max') applies
    without the top."""
    return build_vgg('vgg16', (2, 2, 3, 3, 3), _FILES, include_top,
                     weights, input_tensor, input_shape, pooling, classes,
                     classifier_activation)
