"""MobileNet (Howard et al., 2017) as `keras.applications.mobilenet`
builds it: depthwise-separable blocks named 'conv_dw_%d' / 'conv_pw_%d'
with ReLU6, width multiplier `alpha`, so the Keras ImageNet weight files
('mobilenet_1_0_224_tf.h5', ...) load. Inputs in [-1, 1] ('tf' mode)."""
from .. import backend as K
from ..layers import (Activation, BatchNormalization, Conv2D,
                      DepthwiseConv2D, Dropout, GlobalAveragePooling2D,
                      GlobalMaxPooling2D, ReLU, Reshape, ZeroPadding2D)
from ..engine.training import Model
from . import _common
from ._unsupported import preprocessor
from .imagenet_utils import decode_predictions  # noqa: F401

preprocess_input = preprocessor('tf')

_SIZES = (128, 160, 192, 224)
# (pointwise filters, stride) of the 13 depthwise-separable blocks.
_BLOCKS = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
           (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2),
           (1024, 1))


def _channel_axis():
    return 1 if K.image_data_format() == 'channels_first' else -1


def _conv_block(inputs, filters, alpha, kernel=(3, 3), strides=(1, 1)):
    if K.common.is_tf_keras():
        # tf.keras 2.x pads the first convolution itself ('same'), without
        # Keras 2's 'conv1_pad' layer (odd input sizes then differ too).
        x = Conv2D(int(filters * alpha), kernel, padding='same',
                   use_bias=False, strides=strides, name='conv1')(inputs)
    else:
        x = ZeroPadding2D(padding=((0, 1), (0, 1)), name='conv1_pad')(inputs)
        x = Conv2D(int(filters * alpha), kernel, padding='valid',
                   use_bias=False, strides=strides, name='conv1')(x)
    x = BatchNormalization(axis=_channel_axis(), name='conv1_bn')(x)
    return ReLU(6., name='conv1_relu')(x)


def _depthwise_conv_block(inputs, pointwise_conv_filters, alpha,
                          depth_multiplier=1, strides=(1, 1), block_id=1):
    """3x3 depthwise convolution, BN, ReLU6, then a 1x1 convolution to
    `pointwise_conv_filters * alpha` channels, BN, ReLU6."""
    x = inputs
    if strides != (1, 1):
        x = ZeroPadding2D(((0, 1), (0, 1)), name='conv_pad_%d' % block_id)(x)
    x = DepthwiseConv2D((3, 3),
                        padding='same' if strides == (1, 1) else 'valid',
                        depth_multiplier=depth_multiplier, strides=strides,
                        use_bias=False, name='conv_dw_%d' % block_id)(x)
    x = BatchNormalization(axis=_channel_axis(),
                           name='conv_dw_%d_bn' % block_id)(x)
    x = ReLU(6., name='conv_dw_%d_relu' % block_id)(x)
    x = Conv2D(int(pointwise_conv_filters * alpha), (1, 1), padding='same',
               use_bias=False, strides=(1, 1),
               name='conv_pw_%d' % block_id)(x)
    x = BatchNormalization(axis=_channel_axis(),
                           name='conv_pw_%d_bn' % block_id)(x)
    return ReLU(6., name='conv_pw_%d_relu' % block_id)(x)


def MobileNet(input_shape=None, alpha=1.0, depth_multiplier=1, dropout=1e-3,
              include_top=True, weights='imagenet', input_tensor=None,
              pooling=None, classes=1000, classifier_activation='softmax',
              **kwargs):
    """MobileNet v1. `alpha` scales every layer's filters,
    `depth_multiplier` the depthwise convolutions; the top is global
    average pooling, dropout and a 1x1 convolution to `classes`."""
    _common.check_weights(weights, include_top, classes)
    image, inputs = _common.model_input(
        input_tensor, input_shape,
        _common.default_square_size(input_shape, _SIZES), 32, include_top,
        weights)
    rows, cols = _common.rows_cols(K.int_shape(image)[1:])
    if weights == 'imagenet':
        if depth_multiplier != 1:
            raise ValueError('If imagenet weights are being loaded, depth '
                             'multiplier must be 1')
        if alpha not in (0.25, 0.50, 0.75, 1.0):
            raise ValueError('If imagenet weights are being loaded, alpha '
                             'can be one of`0.25`, `0.50`, `0.75` or `1.0` '
                             'only.')
        rows = _common.weights_size(rows, cols, _SIZES)
    x = _conv_block(image, 32, alpha, strides=(2, 2))
    for block_id, (filters, stride) in enumerate(_BLOCKS, 1):
        x = _depthwise_conv_block(x, filters, alpha, depth_multiplier,
                                  strides=(stride, stride),
                                  block_id=block_id)
    if include_top:
        width = int(1024 * alpha)
        x = GlobalAveragePooling2D()(x)
        x = Reshape((width, 1, 1) if K.image_data_format() ==
                    'channels_first' else (1, 1, width),
                    name='reshape_1')(x)
        x = Dropout(dropout, name='dropout')(x)
        x = Conv2D(classes, (1, 1), padding='same', name='conv_preds')(x)
        x = Reshape((classes,), name='reshape_2')(x)
        _common.validate_top_activation(classifier_activation, weights)
        x = Activation(classifier_activation, name='predictions' if
                       K.common.is_tf_keras() else 'act_softmax')(x)
    elif pooling == 'avg':
        x = GlobalAveragePooling2D()(x)
    elif pooling == 'max':
        x = GlobalMaxPooling2D()(x)
    model = Model(inputs, x, name='mobilenet_%0.2f_%s' % (alpha, rows))
    alpha_text = {1.0: '1_0', 0.75: '7_5', 0.5: '5_0', 0.25: '2_5'}.get(
        alpha, '')
    files = ('mobilenet_%s_%s_tf.h5' % (alpha_text, rows),
             'mobilenet_%s_%s_tf_no_top.h5' % (alpha_text, rows))
    return _common.load_weights(model, weights, include_top, files, 'v0.6')
