"""DenseNet121/169/201 (Huang et al., 2017) as `keras.applications.
densenet` builds them: dense blocks of 'conv{stage}_block{n}' layers
joined by 'pool{stage}' transitions, so the keras-applications ImageNet
weight files load. Inputs normalised as torchvision does ('torch'
mode)."""
from .. import backend as K
from ..layers import (Activation, AveragePooling2D, BatchNormalization,
                      Concatenate, Conv2D, MaxPooling2D, ZeroPadding2D)
from ..engine.training import Model
from . import _common
from ._unsupported import preprocessor
from .imagenet_utils import decode_predictions  # noqa: F401
from .resnet import RESNET_URL

preprocess_input = preprocessor('torch')

_NAMES = {(6, 12, 24, 16): 'densenet121', (6, 12, 32, 32): 'densenet169',
          (6, 12, 48, 32): 'densenet201'}


def _axis():
    return 3 if K.image_data_format() == 'channels_last' else 1


def _bn_relu(x, name):
    x = BatchNormalization(axis=_axis(), epsilon=1.001e-5,
                           name=name + '_bn')(x)
    return Activation('relu', name=name + '_relu')(x)


def conv_block(x, growth_rate, name):
    """BN-ReLU-1x1 conv (4 * growth_rate), BN-ReLU-3x3 conv
    (growth_rate), concatenated to the block's input."""
    x1 = _bn_relu(x, name + '_0')
    x1 = Conv2D(4 * growth_rate, 1, use_bias=False, name=name + '_1_conv')(x1)
    x1 = _bn_relu(x1, name + '_1')
    x1 = Conv2D(growth_rate, 3, padding='same', use_bias=False,
                name=name + '_2_conv')(x1)
    return Concatenate(axis=_axis(), name=name + '_concat')([x, x1])


def dense_block(x, blocks, name):
    for i in range(blocks):
        x = conv_block(x, 32, name=name + '_block' + str(i + 1))
    return x


def transition_block(x, reduction, name):
    """BN-ReLU, a 1x1 convolution to `reduction` of the channels, then
    2x2 average pooling."""
    x = _bn_relu(x, name)
    x = Conv2D(int(K.int_shape(x)[_axis()] * reduction), 1, use_bias=False,
               name=name + '_conv')(x)
    return AveragePooling2D(2, strides=2, name=name + '_pool')(x)


def DenseNet(blocks, include_top=True, weights='imagenet', input_tensor=None,
             input_shape=None, pooling=None, classes=1000,
             classifier_activation='softmax', **kwargs):
    """A DenseNet with `blocks` conv blocks in each of its four dense
    blocks."""
    _common.check_weights(weights, include_top, classes)
    image, inputs = _common.model_input(input_tensor, input_shape, 224, 32,
                                        include_top, weights)
    x = ZeroPadding2D(padding=((3, 3), (3, 3)))(image)
    x = Conv2D(64, 7, strides=2, use_bias=False, name='conv1/conv')(x)
    x = BatchNormalization(axis=_axis(), epsilon=1.001e-5,
                           name='conv1/bn')(x)
    x = Activation('relu', name='conv1/relu')(x)
    x = ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = MaxPooling2D(3, strides=2, name='pool1')(x)
    for stage, count in enumerate(blocks, 2):
        x = dense_block(x, count, name='conv%d' % stage)
        if stage < 5:
            x = transition_block(x, 0.5, name='pool%d' % stage)
    x = BatchNormalization(axis=_axis(), epsilon=1.001e-5, name='bn')(x)
    x = Activation('relu', name='relu')(x)
    # (keras-applications names the top 'fc1000', tf.keras 'predictions'.)
    x = _common.classifier(x, include_top, pooling, classes,
                           'predictions' if K.common.is_tf_keras()
                           else 'fc1000', pool_names=('avg_pool', 'max_pool'),
                           activation=classifier_activation, weights=weights)
    name = _NAMES.get(tuple(blocks), 'densenet')
    model = Model(inputs, x, name=name)
    if weights == 'imagenet' and name == 'densenet':
        return model
    files = (name + '_weights_tf_dim_ordering_tf_kernels.h5',
             name + '_weights_tf_dim_ordering_tf_kernels_notop.h5')
    return _common.load_weights(model, weights, include_top, files,
                                'densenet', base_url=RESNET_URL)


def DenseNet121(include_top=True, weights='imagenet', input_tensor=None,
                input_shape=None, pooling=None, classes=1000,
                classifier_activation='softmax', **kwargs):
    return DenseNet([6, 12, 24, 16], include_top, weights, input_tensor,
                    input_shape, pooling, classes, classifier_activation)


def DenseNet169(include_top=True, weights='imagenet', input_tensor=None,
                input_shape=None, pooling=None, classes=1000,
                classifier_activation='softmax', **kwargs):
    return DenseNet([6, 12, 32, 32], include_top, weights, input_tensor,
                    input_shape, pooling, classes, classifier_activation)


def DenseNet201(include_top=True, weights='imagenet', input_tensor=None,
                input_shape=None, pooling=None, classes=1000,
                classifier_activation='softmax', **kwargs):
    return DenseNet([6, 12, 48, 32], include_top, weights, input_tensor,
                    input_shape, pooling, classes, classifier_activation)
