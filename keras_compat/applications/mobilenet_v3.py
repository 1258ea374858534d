"""MobileNetV3Small and MobileNetV3Large (Howard et al., 2019) as tf.keras
2.4+'s `keras.applications.mobilenet_v3` builds them: the same layers
(hard-swish and hard-sigmoid as ReLU(6), 'tf.__operators__.add' and
'tf.math.multiply' layers), layer names and order, so tf.keras's ImageNet
weight files ('weights_mobilenet_v3_large_224_1.0_float.h5', ...) and
weights saved by tf.keras load.

With `include_preprocessing` the model takes pixels in [0, 255] (a
`Rescaling` layer maps them to [-1, 1]); `preprocess_input` is a
pass-through."""
import logging

from .. import backend as K
from ..engine.input_layer import Input
from ..engine.training import Model
from ..layers import (Activation, Add, BatchNormalization, Conv2D,
                      DepthwiseConv2D, Dropout, Flatten,
                      GlobalAveragePooling2D, GlobalMaxPooling2D, Multiply,
                      ReLU, Rescaling, ZeroPadding2D)
from ..utils.layer_utils import get_source_inputs
from . import _blocks, _common
from ._blocks import decode_predictions, preprocess_input  # noqa: F401
from .mobilenet_v2 import _make_divisible, correct_pad

BASE_WEIGHT_PATH = 'https://storage.googleapis.com/tensorflow/' \
                   'keras-applications/mobilenet_v3/'
# (md5 of the file with the top, of the one without), as tf.keras checks
# them.
WEIGHTS_HASHES = {
    'large_224_0.75_float': ('765b44a33ad4005b3ac83185abf1d0eb',
                             '40af19a13ebea4e2ee0c676887f69a2e'),
    'large_224_1.0_float': ('59e551e166be033d707958cf9e29a6a7',
                            '07fb09a5933dd0c8eaafa16978110389'),
    'large_minimalistic_224_1.0_float': ('675e7b876c45c57e9e63e6d90a36599c',
                                         'ec5221f64a2f6d1ef965a614bdae7973'),
    'small_224_0.75_float': ('cb65d4e5be93758266aa0a7f2c6708b7',
                             'ebdb5cc8e0b497cd13a7c275d475c819'),
    'small_224_1.0_float': ('8768d4c2e7dee89b9d02b2d03d65d862',
                            'd3e8ec802a04aa4fc771ee12a9a9b836'),
    'small_minimalistic_224_1.0_float': ('99cd97fb2fcdad2bf028eb838de69e37',
                                         'cde8136e733e811080d9fcd8a252f7e4'),
}

# The inverted residual blocks: (expansion, filters, kernel, stride,
# squeeze-excite, activation) with 'k' for the model's kernel (5, or 3
# when minimalistic), 'a' for its activation (hard-swish, or ReLU when
# minimalistic) and 'r' for ReLU.
_SMALL = [(1, 16, 3, 2, True, 'r'), (72. / 16, 24, 3, 2, False, 'r'),
          (88. / 24, 24, 3, 1, False, 'r'), (4, 40, 'k', 2, True, 'a'),
          (6, 40, 'k', 1, True, 'a'), (6, 40, 'k', 1, True, 'a'),
          (3, 48, 'k', 1, True, 'a'), (3, 48, 'k', 1, True, 'a'),
          (6, 96, 'k', 2, True, 'a'), (6, 96, 'k', 1, True, 'a'),
          (6, 96, 'k', 1, True, 'a')]
_LARGE = [(1, 16, 3, 1, False, 'r'), (4, 24, 3, 2, False, 'r'),
          (3, 24, 3, 1, False, 'r'), (3, 40, 'k', 2, True, 'r'),
          (3, 40, 'k', 1, True, 'r'), (3, 40, 'k', 1, True, 'r'),
          (6, 80, 3, 2, False, 'a'), (2.5, 80, 3, 1, False, 'a'),
          (2.3, 80, 3, 1, False, 'a'), (2.3, 80, 3, 1, False, 'a'),
          (6, 112, 3, 1, True, 'a'), (6, 112, 3, 1, True, 'a'),
          (6, 160, 'k', 2, True, 'a'), (6, 160, 'k', 1, True, 'a'),
          (6, 160, 'k', 1, True, 'a')]


def _depth(v, divisor=8, min_value=None):
    return _make_divisible(v, divisor, min_value)


def relu(x):
    return ReLU()(x)


def hard_sigmoid(x):
    """ReLU6(x + 3) / 6, as tf.keras writes it."""
    return _blocks.math_multiply(ReLU(6.)(_blocks.add(x, 3.)), 1. / 6.)


def hard_swish(x):
    return Multiply()([x, hard_sigmoid(x)])


def _channel_axis():
    return 1 if K.image_data_format() == 'channels_first' else -1


def _bn(x, name):
    return BatchNormalization(axis=_channel_axis(), epsilon=1e-3,
                              momentum=0.999, name=name)(x)


def _se_block(inputs, filters, se_ratio, prefix):
    x = GlobalAveragePooling2D(keepdims=True,
                               name=prefix + 'squeeze_excite/AvgPool')(inputs)
    x = Conv2D(_depth(filters * se_ratio), kernel_size=1, padding='same',
               name=prefix + 'squeeze_excite/Conv')(x)
    x = ReLU(name=prefix + 'squeeze_excite/Relu')(x)
    x = Conv2D(filters, kernel_size=1, padding='same',
               name=prefix + 'squeeze_excite/Conv_1')(x)
    x = hard_sigmoid(x)
    return Multiply(name=prefix + 'squeeze_excite/Mul')([inputs, x])


def _inverted_res_block(x, expansion, filters, kernel_size, stride,
                        se_ratio, activation, block_id):
    """1x1 expansion (not in block 0), depthwise convolution,
    squeeze-and-excitation (se_ratio), 1x1 linear projection; the input is
    added back when the shapes match."""
    shortcut = x
    prefix = 'expanded_conv/'
    infilters = K.int_shape(x)[_channel_axis()]
    if block_id:
        prefix = 'expanded_conv_%d/' % block_id
        x = Conv2D(_depth(infilters * expansion), kernel_size=1,
                   padding='same', use_bias=False, name=prefix + 'expand')(x)
        x = activation(_bn(x, prefix + 'expand/BatchNorm'))
    if stride == 2:
        x = ZeroPadding2D(padding=correct_pad(x, kernel_size),
                          name=prefix + 'depthwise/pad')(x)
    x = DepthwiseConv2D(kernel_size, strides=stride,
                        padding='same' if stride == 1 else 'valid',
                        use_bias=False, name=prefix + 'depthwise')(x)
    x = activation(_bn(x, prefix + 'depthwise/BatchNorm'))
    if se_ratio:
        x = _se_block(x, _depth(infilters * expansion), se_ratio, prefix)
    x = Conv2D(filters, kernel_size=1, padding='same', use_bias=False,
               name=prefix + 'project')(x)
    x = _bn(x, prefix + 'project/BatchNorm')
    if stride == 1 and infilters == filters:
        x = Add(name=prefix + 'Add')([shortcut, x])
    return x


def _stack(x, blocks, alpha, kernel, activation, se_ratio):
    for block_id, (expansion, filters, size, stride, se, act) in \
            enumerate(blocks):
        x = _inverted_res_block(
            x, expansion, _depth(filters * alpha),
            kernel if size == 'k' else size, stride,
            se_ratio if se else None,
            activation if act == 'a' else relu, block_id)
    return x


def _input_shape(input_shape, input_tensor):
    """tf.keras's input shape: `input_shape` (checked against the width
    of `input_tensor`), else that of `input_tensor` (rows and columns
    swapped, as tf.keras writes it), else any size with 3 channels."""
    first = K.image_data_format() == 'channels_first'
    if input_tensor is not None:
        if not K.is_keras_tensor(input_tensor):
            if not K.is_keras_tensor(get_source_inputs(input_tensor)):
                raise ValueError('input_tensor: ', input_tensor,
                                 'is type: ', type(input_tensor),
                                 'which is not a valid type')
        elif input_shape is not None:
            got = K.int_shape(input_tensor)[1 if first else 2]
            if got != input_shape[1]:
                raise ValueError(
                    '%sinput_shape[1] must equal '
                    'backend.int_shape(input_tensor)[%d].  Received '
                    'input_shape=%s, backend.int_shape(input_tensor)=%s'
                    % ('When backend.image_data_format()=channels_first, '
                       if first else '', 1 if first else 2, input_shape,
                       K.int_shape(input_tensor)))
        if input_shape is None and K.is_keras_tensor(input_tensor):
            shape = K.int_shape(input_tensor)
            rows, cols = shape[2:4] if first else shape[1:3]
            input_shape = (3, cols, rows) if first else (cols, rows, 3)
    if input_shape is None:
        input_shape = (3, None, None) if first else (None, None, 3)
    return tuple(input_shape)


def MobileNetV3(blocks, last_point_ch, input_shape=None, alpha=1.0,
                model_type='large', minimalistic=False, include_top=True,
                weights='imagenet', input_tensor=None, classes=1000,
                pooling=None, dropout_rate=0.2,
                classifier_activation='softmax',
                include_preprocessing=True):
    """The MobileNetV3 family: rescaling to [-1, 1]
    (include_preprocessing), a strided 3x3 convolution, the inverted
    residual `blocks`, a 1x1 convolution; then a 1x1 convolution to
    `last_point_ch` channels on the pooled features, dropout, 1x1
    'Logits' over `classes` and the 'Predictions' activation
    (include_top), else the optional 'avg' or 'max' pooling."""
    _blocks.check_weights(weights, include_top, classes)
    input_shape = _input_shape(input_shape, input_tensor)
    first = K.image_data_format() == 'channels_first'
    rows, cols = input_shape[1:3] if first else input_shape[0:2]
    if rows and cols and (rows < 32 or cols < 32):
        raise ValueError('Input size must be at least 32x32; Received '
                         '`input_shape=%s`' % (input_shape,))
    if weights == 'imagenet':
        if (not minimalistic and alpha not in [0.75, 1.0]
                or minimalistic and alpha != 1.0):
            raise ValueError(
                'If imagenet weights are being loaded, alpha can be one of '
                '`0.75`, `1.0` for non minimalistic or `1.0` for '
                'minimalistic only.')
        if rows != cols or rows != 224:
            logging.getLogger('tensorflow').warning(
                '`input_shape` is undefined or non-square, or `rows` is '
                'not 224. Weights for input shape (224, 224) will be '
                'loaded as the default.')
    if input_tensor is None:
        image = Input(shape=input_shape)
    elif not K.is_keras_tensor(input_tensor):
        image = Input(tensor=input_tensor, shape=input_shape)
    else:
        image = input_tensor

    if minimalistic:
        kernel, activation, se_ratio = 3, relu, None
    else:
        kernel, activation, se_ratio = 5, hard_swish, 0.25
    x = image
    if include_preprocessing:
        x = Rescaling(scale=1. / 127.5, offset=-1.)(x)
    x = Conv2D(16, kernel_size=3, strides=(2, 2), padding='same',
               use_bias=False, name='Conv')(x)
    x = activation(_bn(x, 'Conv/BatchNorm'))
    x = _stack(x, blocks, alpha, kernel, activation, se_ratio)
    last_conv_ch = _depth(K.int_shape(x)[_channel_axis()] * 6)
    if alpha > 1.0:
        last_point_ch = _depth(last_point_ch * alpha)
    x = Conv2D(last_conv_ch, kernel_size=1, padding='same', use_bias=False,
               name='Conv_1')(x)
    x = activation(_bn(x, 'Conv_1/BatchNorm'))
    if include_top:
        x = GlobalAveragePooling2D(keepdims=True)(x)
        x = Conv2D(last_point_ch, kernel_size=1, padding='same',
                   use_bias=True, name='Conv_2')(x)
        x = activation(x)
        if dropout_rate > 0:
            x = Dropout(dropout_rate)(x)
        x = Conv2D(classes, kernel_size=1, padding='same', name='Logits')(x)
        x = Flatten()(x)
        _blocks.validate_activation(classifier_activation, weights)
        x = Activation(activation=classifier_activation,
                       name='Predictions')(x)
    elif pooling == 'avg':
        x = GlobalAveragePooling2D(name='avg_pool')(x)
    elif pooling == 'max':
        x = GlobalMaxPooling2D(name='max_pool')(x)
    inputs = image if input_tensor is None else \
        get_source_inputs(input_tensor)
    model = Model(inputs, x, name='MobilenetV3' + model_type)
    file_name = hash_ = None
    if weights == 'imagenet':
        key = '{}{}_224_{}_float'.format(
            model_type, '_minimalistic' if minimalistic else '', str(alpha))
        file_name = 'weights_mobilenet_v3_' + key + (
            '.h5' if include_top else '_no_top_v2.h5')
        hash_ = WEIGHTS_HASHES[key][0 if include_top else 1]
    return _blocks.load_weights(model, weights, file_name, BASE_WEIGHT_PATH,
                                hash_)


_DOC = """Instantiates the {name} architecture (tf.keras 2.4+'s
    `keras.applications.{name}`).

    With `include_preprocessing` the model takes float pixels in [0, 255]
    (else in [-1, 1]); `preprocess_input` is a pass-through. Any input
    size from 32x32 up.

    Args:
      input_shape: optional shape tuple (3 channels); by default that of
        `input_tensor`, else any size.
      alpha: width multiplier (0.75 or 1.0 with 'imagenet'; 1.0 when
        minimalistic).
      minimalistic: without squeeze-and-excitation, hard-swish and 5x5
        kernels (ReLU and 3x3 kernels everywhere).
      include_top: whether to end with the 1x1 convolutions 'Conv_2' and
        'Logits' and the activation 'Predictions'.
      weights: None (random initialization), 'imagenet' (tf.keras's
        ImageNet file, downloaded once to ~/.keras/models) or the path of
        a weights file to load.
      input_tensor: optional Keras tensor to use as the image input.
      classes: number of classes of the top (1000 with 'imagenet').
      pooling: without the top: None (4D output), 'avg' or 'max' (global
        pooling, 2D output).
      dropout_rate: the dropout rate before 'Logits'.
      classifier_activation: the top's activation (str or callable; None
        gives the logits); with pretrained weights only None or 'softmax'.
      include_preprocessing: whether the model starts with its
        `Rescaling` layer.

    Returns:
      A `keras.Model` named 'MobilenetV3{kind}'.
    """


def _variant(kind, blocks, last_point_ch):
    def factory(input_shape=None, alpha=1.0, minimalistic=False,
                include_top=True, weights='imagenet', input_tensor=None,
                classes=1000, pooling=None, dropout_rate=0.2,
                classifier_activation='softmax',
                include_preprocessing=True):
        return MobileNetV3(blocks, last_point_ch, input_shape, alpha, kind,
                           minimalistic, include_top, weights, input_tensor,
                           classes, pooling, dropout_rate,
                           classifier_activation, include_preprocessing)
    name = 'MobileNetV3' + kind.capitalize()
    doc = _DOC.format(name=name, kind=kind)
    return _common.named_factory(factory, name, __name__, doc)


MobileNetV3Small = _variant('small', _SMALL, 1024)
MobileNetV3Large = _variant('large', _LARGE, 1280)
