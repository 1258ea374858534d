"""ResNet50/101/152 as `keras.applications.resnet` builds them (Keras
2.3): bottleneck blocks named 'conv{stage}_block{n}_{i}_{conv,bn}', so the
keras-applications ImageNet weight files load. (`keras.applications.
ResNet50` is the older naming of `resnet50`.)"""
from .. import backend as K
from ..layers import (Activation, Add, BatchNormalization, Conv2D,
                      MaxPooling2D, ZeroPadding2D)
from ..engine.training import Model
from . import _common
from .imagenet_utils import decode_predictions  # noqa: F401
from .vgg16 import preprocess_input  # noqa: F401

RESNET_URL = 'https://github.com/keras-team/keras-applications/releases/' \
             'download/'


def _bn(name):
    axis = 3 if K.image_data_format() == 'channels_last' else 1
    return BatchNormalization(axis=axis, epsilon=1.001e-5, name=name)


def block1(x, filters, kernel_size=3, stride=1, conv_shortcut=True,
           name=None):
    """Bottleneck block (1x1, kxk, 1x1 with 4 * filters) after which the
    shortcut is added, then ReLU."""
    if conv_shortcut:
        shortcut = Conv2D(4 * filters, 1, strides=stride,
                          name=name + '_0_conv')(x)
        shortcut = _bn(name + '_0_bn')(shortcut)
    else:
        shortcut = x
    x = Conv2D(filters, 1, strides=stride, name=name + '_1_conv')(x)
    x = Activation('relu', name=name + '_1_relu')(_bn(name + '_1_bn')(x))
    x = Conv2D(filters, kernel_size, padding='same',
               name=name + '_2_conv')(x)
    x = Activation('relu', name=name + '_2_relu')(_bn(name + '_2_bn')(x))
    x = _bn(name + '_3_bn')(Conv2D(4 * filters, 1, name=name + '_3_conv')(x))
    x = Add(name=name + '_add')([shortcut, x])
    return Activation('relu', name=name + '_out')(x)


def stack1(x, filters, blocks, stride1=2, name=None):
    x = block1(x, filters, stride=stride1, name=name + '_block1')
    for i in range(2, blocks + 1):
        x = block1(x, filters, conv_shortcut=False,
                   name=name + '_block' + str(i))
    return x


def block2(x, filters, kernel_size=3, stride=1, conv_shortcut=False,
           name=None):
    """Pre-activation bottleneck block of ResNetV2."""
    preact = Activation('relu', name=name + '_preact_relu')(
        _bn(name + '_preact_bn')(x))
    if conv_shortcut:
        shortcut = Conv2D(4 * filters, 1, strides=stride,
                          name=name + '_0_conv')(preact)
    else:
        shortcut = MaxPooling2D(1, strides=stride)(x) if stride > 1 else x
    x = Conv2D(filters, 1, strides=1, use_bias=False,
               name=name + '_1_conv')(preact)
    x = Activation('relu', name=name + '_1_relu')(_bn(name + '_1_bn')(x))
    x = ZeroPadding2D(padding=((1, 1), (1, 1)), name=name + '_2_pad')(x)
    x = Conv2D(filters, kernel_size, strides=stride, use_bias=False,
               name=name + '_2_conv')(x)
    x = Activation('relu', name=name + '_2_relu')(_bn(name + '_2_bn')(x))
    x = Conv2D(4 * filters, 1, name=name + '_3_conv')(x)
    return Add(name=name + '_out')([shortcut, x])


def stack2(x, filters, blocks, stride1=2, name=None):
    x = block2(x, filters, conv_shortcut=True, name=name + '_block1')
    for i in range(2, blocks):
        x = block2(x, filters, name=name + '_block' + str(i))
    return block2(x, filters, stride=stride1,
                  name=name + '_block' + str(blocks))


def ResNet(stack_fn, preact, use_bias, model_name='resnet',
           include_top=True, weights='imagenet', input_tensor=None,
           input_shape=None, pooling=None, classes=1000,
           classifier_activation='softmax', **kwargs):
    """The ResNet / ResNetV2 skeleton: a 7x7 stem, `stack_fn`'s residual
    stages, then global pooling and a softmax (include_top)."""
    _common.check_weights(weights, include_top, classes)
    image, inputs = _common.model_input(input_tensor, input_shape, 224, 32,
                                        include_top, weights)
    x = ZeroPadding2D(padding=((3, 3), (3, 3)), name='conv1_pad')(image)
    x = Conv2D(64, 7, strides=2, use_bias=use_bias, name='conv1_conv')(x)
    if not preact:
        x = Activation('relu', name='conv1_relu')(_bn('conv1_bn')(x))
    x = ZeroPadding2D(padding=((1, 1), (1, 1)), name='pool1_pad')(x)
    x = MaxPooling2D(3, strides=2, name='pool1_pool')(x)
    x = stack_fn(x)
    if preact:
        x = Activation('relu', name='post_relu')(_bn('post_bn')(x))
    # (keras-applications names the softmax 'probs', tf.keras
    # 'predictions'.)
    x = _common.classifier(x, include_top, pooling, classes,
                           'predictions' if K.common.is_tf_keras()
                           else 'probs', pool_names=('avg_pool', 'max_pool'),
                           activation=classifier_activation, weights=weights)
    model = Model(inputs, x, name=model_name)
    files = (model_name + '_weights_tf_dim_ordering_tf_kernels.h5',
             model_name + '_weights_tf_dim_ordering_tf_kernels_notop.h5')
    return _common.load_weights(model, weights, include_top, files,
                                'resnet', base_url=RESNET_URL)


def _stacks(stack, blocks):
    """The four stages. ResNet strides in the first block of a stage
    (not in conv2); ResNetV2 in the last block (not in conv5)."""
    v2 = stack is stack2
    strides = (2, 2, 2, 1) if v2 else (1, 2, 2, 2)

    def stack_fn(x):
        for index, (filters, count, stride) in enumerate(
                zip((64, 128, 256, 512), blocks, strides)):
            x = stack(x, filters, count, stride1=stride,
                      name='conv%d' % (index + 2))
        return x
    return stack_fn


def ResNet50(include_top=True, weights='imagenet', input_tensor=None,
             input_shape=None, pooling=None, classes=1000, **kwargs):
    """ResNet50 with keras-applications' 'resnet' layer names."""
    return ResNet(_stacks(stack1, (3, 4, 6, 3)), False, True, 'resnet50',
                  include_top, weights, input_tensor, input_shape, pooling,
                  classes, **kwargs)


def ResNet101(include_top=True, weights='imagenet', input_tensor=None,
              input_shape=None, pooling=None, classes=1000, **kwargs):
    """ResNet101: 3, 4, 23 and 3 bottleneck blocks."""
    return ResNet(_stacks(stack1, (3, 4, 23, 3)), False, True, 'resnet101',
                  include_top, weights, input_tensor, input_shape, pooling,
                  classes, **kwargs)


def ResNet152(include_top=True, weights='imagenet', input_tensor=None,
              input_shape=None, pooling=None, classes=1000, **kwargs):
    """ResNet152: 3, 8, 36 and 3 bottleneck blocks."""
    return ResNet(_stacks(stack1, (3, 8, 36, 3)), False, True, 'resnet152',
                  include_top, weights, input_tensor, input_shape, pooling,
                  classes, **kwargs)
