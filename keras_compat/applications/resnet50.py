"""ResNet50 (He et al., 2015) with Keras 2's layer names, so the Keras
ImageNet weight files load."""
from .. import backend as K
from ..backend import common
from .. import layers
from ..layers import (Activation, BatchNormalization, Conv2D, MaxPooling2D,
                      ZeroPadding2D)
from ..engine.training import Model
from . import _common
from .imagenet_utils import decode_predictions  # noqa: F401
from .vgg16 import preprocess_input  # noqa: F401

_FILES = ('resnet50_weights_tf_dim_ordering_tf_kernels.h5',
          'resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5')


def _bn_axis():
    return 3 if K.image_data_format() == 'channels_last' else 1


def _residual_branch(x, kernel_size, filters, stage, block, strides):
    conv = 'res%d%s_branch' % (stage, block)
    bn = 'bn%d%s_branch' % (stage, block)
    f1, f2, f3 = filters
    x = Conv2D(f1, (1, 1), strides=strides, kernel_initializer='he_normal',
               name=conv + '2a')(x)
    x = BatchNormalization(axis=_bn_axis(), name=bn + '2a')(x)
    x = Activation('relu')(x)
    x = Conv2D(f2, kernel_size, padding='same',
               kernel_initializer='he_normal', name=conv + '2b')(x)
    x = BatchNormalization(axis=_bn_axis(), name=bn + '2b')(x)
    x = Activation('relu')(x)
    x = Conv2D(f3, (1, 1), kernel_initializer='he_normal',
               name=conv + '2c')(x)
    return BatchNormalization(axis=_bn_axis(), name=bn + '2c')(x)


def identity_block(input_tensor, kernel_size, filters, stage, block):
    """A residual block whose shortcut is the identity."""
    x = _residual_branch(input_tensor, kernel_size, filters, stage, block,
                         (1, 1))
    return Activation('relu')(layers.add([x, input_tensor]))


def conv_block(input_tensor, kernel_size, filters, stage, block,
               strides=(2, 2)):
    """A residual block with a strided 1x1 convolution on the shortcut."""
    x = _residual_branch(input_tensor, kernel_size, filters, stage, block,
                         strides)
    shortcut = Conv2D(filters[2], (1, 1), strides=strides,
                      kernel_initializer='he_normal',
                      name='res%d%s_branch1' % (stage, block))(input_tensor)
    shortcut = BatchNormalization(axis=_bn_axis(),
                                  name='bn%d%s_branch1' % (stage, block))(
        shortcut)
    return Activation('relu')(layers.add([x, shortcut]))


_STAGES = ((2, (64, 64, 256), 'abc'), (3, (128, 128, 512), 'abcd'),
           (4, (256, 256, 1024), 'abcdef'), (5, (512, 512, 2048), 'abc'))


def ResNet50(include_top=True, weights='imagenet', input_tensor=None,
             input_shape=None, pooling=None, classes=1000, **kwargs):
    """ResNet50: a 7x7 stem, then 16 bottleneck blocks in four stages,
    then (include_top) global average pooling and a softmax over
    `classes`. `weights`: 'imagenet' (downloaded), None or a file path.
    tf.keras's ResNet50 is `keras.applications.resnet`'s (layer names
    'conv1_conv', 'conv2_block1_1_bn', ..., BatchNormalization epsilon
    1.001e-5 where Keras 2's has 1e-3)."""
    if common.is_tf_keras():
        from . import resnet
        return resnet.ResNet50(include_top, weights, input_tensor,
                               input_shape, pooling, classes, **kwargs)
    _common.check_weights(weights, include_top, classes)
    image, inputs = _common.model_input(input_tensor, input_shape, 224, 32,
                                        include_top, weights)
    x = ZeroPadding2D(padding=(3, 3), name='conv1_pad')(image)
    x = Conv2D(64, (7, 7), strides=(2, 2), padding='valid',
               kernel_initializer='he_normal', name='conv1')(x)
    x = BatchNormalization(axis=_bn_axis(), name='bn_conv1')(x)
    x = Activation('relu')(x)
    x = ZeroPadding2D(padding=(1, 1), name='pool1_pad')(x)
    x = MaxPooling2D((3, 3), strides=(2, 2))(x)
    for stage, filters, blocks in _STAGES:
        strides = (1, 1) if stage == 2 else (2, 2)
        x = conv_block(x, 3, filters, stage, blocks[0], strides=strides)
        for block in blocks[1:]:
            x = identity_block(x, 3, filters, stage, block)
    x = _common.classifier(x, include_top, pooling, classes, 'fc1000')
    model = Model(inputs, x, name='resnet50')
    return _common.load_weights(model, weights, include_top, _FILES, 'v0.2')
