"""MobileNetV2 (Sandler et al., 2018) as `keras.applications.mobilenet_v2`
builds it: inverted residual blocks 'block_%d_{expand,depthwise,project}'
with ReLU6 and width multiplier `alpha`, so the Keras ImageNet weight
files load. Inputs in [-1, 1] ('tf' mode)."""
from .. import backend as K
from ..layers import (Add, BatchNormalization, Conv2D, DepthwiseConv2D, ReLU,
                      ZeroPadding2D)
from ..engine.training import Model
from . import _common
from ._unsupported import preprocessor
from .imagenet_utils import decode_predictions  # noqa: F401

preprocess_input = preprocessor('tf')

WEIGHTS_URL = 'https://github.com/JonathanCMitchell/mobilenet_v2_keras/' \
              'releases/download/'
_SIZES = (96, 128, 160, 192, 224)
# (filters, stride, expansion) of the 17 inverted residual blocks.
_BLOCKS = ((16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6),
           (32, 1, 6), (64, 2, 6), (64, 1, 6), (64, 1, 6), (64, 1, 6),
           (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6), (160, 1, 6),
           (160, 1, 6), (320, 1, 6))


def _make_divisible(v, divisor, min_value=None):
    """`v` rounded to a multiple of `divisor`, not more than 10% down."""
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def correct_pad(inputs, kernel_size):
    """The zero padding that makes a strided 'valid' convolution match
    TensorFlow's 'same' output."""
    first = K.image_data_format() == 'channels_first'
    size = K.int_shape(inputs)[2:4] if first else K.int_shape(inputs)[1:3]
    adjust = (1, 1) if size[0] is None else \
        (1 - size[0] % 2, 1 - size[1] % 2)
    half = kernel_size // 2
    return ((half - adjust[0], half), (half - adjust[1], half))


def _bn(name):
    axis = 1 if K.image_data_format() == 'channels_first' else -1
    return BatchNormalization(axis=axis, epsilon=1e-3, momentum=0.999,
                              name=name)


def _inverted_res_block(inputs, expansion, stride, alpha, filters,
                        block_id):
    """1x1 expansion (not in block 0), 3x3 depthwise, 1x1 linear
    projection; the input is added back when the shapes match."""
    axis = 1 if K.image_data_format() == 'channels_first' else -1
    in_channels = K.int_shape(inputs)[axis]
    pointwise_filters = _make_divisible(int(filters * alpha), 8)
    x = inputs
    prefix = 'block_{}_'.format(block_id)
    if block_id:
        x = Conv2D(expansion * in_channels, kernel_size=1, padding='same',
                   use_bias=False, name=prefix + 'expand')(x)
        x = ReLU(6., name=prefix + 'expand_relu')(
            _bn(prefix + 'expand_BN')(x))
    else:
        prefix = 'expanded_conv_'
    if stride == 2:
        x = ZeroPadding2D(padding=correct_pad(x, 3), name=prefix + 'pad')(x)
    x = DepthwiseConv2D(kernel_size=3, strides=stride, use_bias=False,
                        padding='same' if stride == 1 else 'valid',
                        name=prefix + 'depthwise')(x)
    x = ReLU(6., name=prefix + 'depthwise_relu')(
        _bn(prefix + 'depthwise_BN')(x))
    x = Conv2D(pointwise_filters, kernel_size=1, padding='same',
               use_bias=False, name=prefix + 'project')(x)
    x = _bn(prefix + 'project_BN')(x)
    if in_channels == pointwise_filters and stride == 1:
        return Add(name=prefix + 'add')([inputs, x])
    return x


def MobileNetV2(input_shape=None, alpha=1.0, include_top=True,
                weights='imagenet', input_tensor=None, pooling=None,
                classes=1000, classifier_activation='softmax', **kwargs):
    """MobileNetV2: a strided 3x3 stem, 17 inverted residual blocks, a
    1x1 convolution to 1280 channels (more for alpha > 1), then global
    average pooling and a softmax over `classes` (include_top)."""
    _common.check_weights(weights, include_top, classes)
    image, inputs = _common.model_input(
        input_tensor, input_shape,
        _common.default_square_size(input_shape, _SIZES), 32, include_top,
        weights)
    rows, cols = _common.rows_cols(K.int_shape(image)[1:])
    if weights == 'imagenet':
        if alpha not in (0.35, 0.50, 0.75, 1.0, 1.3, 1.4):
            raise ValueError('If imagenet weights are being loaded, alpha '
                             'can be one of `0.35`, `0.50`, `0.75`, `1.0`, '
                             '`1.3` or `1.4` only.')
        rows = _common.weights_size(rows, cols, _SIZES)
    x = ZeroPadding2D(padding=correct_pad(image, 3), name='Conv1_pad')(image)
    x = Conv2D(_make_divisible(32 * alpha, 8), kernel_size=3,
               strides=(2, 2), padding='valid', use_bias=False,
               name='Conv1')(x)
    x = ReLU(6., name='Conv1_relu')(_bn('bn_Conv1')(x))
    for block_id, (filters, stride, expansion) in enumerate(_BLOCKS):
        x = _inverted_res_block(x, filters=filters, alpha=alpha,
                                stride=stride, expansion=expansion,
                                block_id=block_id)
    last = _make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = Conv2D(last, kernel_size=1, use_bias=False, name='Conv_1')(x)
    x = ReLU(6., name='out_relu')(_bn('Conv_1_bn')(x))
    # (keras-applications names the top 'Logits', tf.keras 'predictions'.)
    x = _common.classifier(x, include_top, pooling, classes,
                           'predictions' if K.common.is_tf_keras()
                           else 'Logits', top_pool_name=None,
                           activation=classifier_activation, weights=weights)
    model = Model(inputs, x, name='mobilenetv2_%0.2f_%s' % (alpha, rows))
    stem = 'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_%s_%s' % (
        alpha, rows)
    return _common.load_weights(model, weights, include_top,
                                (stem + '.h5', stem + '_no_top.h5'), 'v1.1',
                                base_url=WEIGHTS_URL)
