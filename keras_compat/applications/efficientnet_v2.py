"""EfficientNetV2 B0-B3, S, M and L (Tan & Le, 2021) as tf.keras 2.8+'s
`keras.applications.efficientnet_v2` builds them: the same layers, layer
names and layer order, so tf.keras's ImageNet weight files
('efficientnetv2-b0.h5', 'efficientnetv2-s_notop.h5', ...) and weights
saved by tf.keras load.

The models take pixels in [0, 255] (`include_preprocessing`): the B
models rescale to [0, 1] and normalize with the ImageNet mean and
variance, S, M and L rescale to [-1, 1]; `preprocess_input` is a
pass-through."""
import copy
import math

from ..engine.training import Model
from ..layers import (Activation, BatchNormalization, Conv2D, Dense,
                      DepthwiseConv2D, Dropout, GlobalAveragePooling2D,
                      GlobalMaxPooling2D, Normalization, Rescaling, add)
from ..initializers import Constant
from . import _blocks, _common
from ._blocks import (CONV_KERNEL_INITIALIZER, channel_axis,  # noqa: F401
                      decode_predictions, preprocess_input)

BASE_WEIGHTS_PATH = 'https://storage.googleapis.com/tensorflow/' \
                    'keras-applications/efficientnet_v2/'

# (md5 of '<model>.h5', md5 of '<model>_notop.h5'), as tf.keras checks them.
WEIGHTS_HASHES = {
    'b0': ('21ecbf6da12460d5c40bb2f29ceb2188',
           '893217f2bb855e2983157299931e43ff'),
    'b1': ('069f0534ff22adf035c89e2d9547a9dc',
           '0e80663031ca32d657f9caa404b6ec37'),
    'b2': ('424e49f28180edbde1e94797771950a7',
           '1dfe2e7a5d45b6632553a8961ea609eb'),
    'b3': ('1f1fc43bd98a6e4fd8fdfd551e02c7a0',
           'f6abf7b5849ac99a89b50dd3fd532856'),
    '-s': ('e1d88a8495beba45748fedd0cecbe016',
           'af0682fb74e8c54910f2d4393339c070'),
    '-m': ('a3bf6aa3276309f4fc6a34aa114c95cd',
           '1b8dc055df72dde80d614482840fe342'),
    '-l': ('27e6d408b53c7ebc868fefa357689935',
           'b0b66b5c863aef5b46e8608fe1711615'),
}


def _stage(conv_type, repeats, filters_in, filters_out, expand_ratio,
           se_ratio, strides):
    """One stage: `conv_type` 1 for fused MBConv blocks, 0 for MBConv."""
    return {'kernel_size': 3, 'num_repeat': repeats,
            'input_filters': filters_in, 'output_filters': filters_out,
            'expand_ratio': expand_ratio, 'se_ratio': se_ratio,
            'strides': strides, 'conv_type': conv_type}


# B0..B3 share their stages (scaled by width and depth); S, M and L have
# their own.
_B_STAGES = [
    _stage(1, 1, 32, 16, 1, 0, 1),
    _stage(1, 2, 16, 32, 4, 0, 2),
    _stage(1, 2, 32, 48, 4, 0, 2),
    _stage(0, 3, 48, 96, 4, 0.25, 2),
    _stage(0, 5, 96, 112, 6, 0.25, 1),
    _stage(0, 8, 112, 192, 6, 0.25, 2),
]

DEFAULT_BLOCKS_ARGS = {
    'efficientnetv2-s': [
        _stage(1, 2, 24, 24, 1, 0, 1),
        _stage(1, 4, 24, 48, 4, 0, 2),
        _stage(1, 4, 48, 64, 4, 0, 2),
        _stage(0, 6, 64, 128, 4, 0.25, 2),
        _stage(0, 9, 128, 160, 6, 0.25, 1),
        _stage(0, 15, 160, 256, 6, 0.25, 2),
    ],
    'efficientnetv2-m': [
        _stage(1, 3, 24, 24, 1, 0, 1),
        _stage(1, 5, 24, 48, 4, 0, 2),
        _stage(1, 5, 48, 80, 4, 0, 2),
        _stage(0, 7, 80, 160, 4, 0.25, 2),
        _stage(0, 14, 160, 176, 6, 0.25, 1),
        _stage(0, 18, 176, 304, 6, 0.25, 2),
        _stage(0, 5, 304, 512, 6, 0.25, 1),
    ],
    'efficientnetv2-l': [
        _stage(1, 4, 32, 32, 1, 0, 1),
        _stage(1, 7, 32, 64, 4, 0, 2),
        _stage(1, 7, 64, 96, 4, 0, 2),
        _stage(0, 10, 96, 192, 4, 0.25, 2),
        _stage(0, 19, 192, 224, 6, 0.25, 1),
        _stage(0, 25, 224, 384, 6, 0.25, 2),
        _stage(0, 7, 384, 640, 6, 0.25, 1),
    ],
    'efficientnetv2-b0': _B_STAGES,
    'efficientnetv2-b1': _B_STAGES,
    'efficientnetv2-b2': _B_STAGES,
    'efficientnetv2-b3': _B_STAGES,
}

DENSE_KERNEL_INITIALIZER = {
    'class_name': 'VarianceScaling',
    'config': {'scale': 1. / 3., 'mode': 'fan_out',
               'distribution': 'uniform'},
}


def round_filters(filters, width_coefficient, min_depth, depth_divisor):
    """The number of filters scaled by the width coefficient, rounded to a
    multiple of `depth_divisor` (at least `min_depth`)."""
    filters *= width_coefficient
    minimum_depth = min_depth or depth_divisor
    return int(max(minimum_depth, int(filters + depth_divisor / 2) //
                   depth_divisor * depth_divisor))


def round_repeats(repeats, depth_coefficient):
    return int(math.ceil(depth_coefficient * repeats))


def _conv(filters, kernel_size, name, strides=1):
    return Conv2D(filters, kernel_size, strides=strides, padding='same',
                  use_bias=False, kernel_initializer=CONV_KERNEL_INITIALIZER,
                  name=name)


def _bn_act(x, name, bn_momentum, activation, act_name=None):
    """BatchNormalization '<name>' then the activation '<act_name>' (none
    when act_name is None)."""
    x = BatchNormalization(axis=channel_axis(), momentum=bn_momentum,
                           name=name)(x)
    if act_name is None:
        return x
    return Activation(activation, name=act_name)(x)


def _residual(x, inputs, strides, input_filters, output_filters,
              survival_probability, name):
    """The input added back at stride 1 and equal widths, after tf.keras's
    per-sample Dropout '<name>drop' (of rate `survival_probability`)."""
    if strides != 1 or input_filters != output_filters:
        return x
    if survival_probability:
        x = Dropout(survival_probability, noise_shape=(None, 1, 1, 1),
                    name=name + 'drop')(x)
    return add([x, inputs], name=name + 'add')


def _squeeze_excite(x, input_filters, filters, se_ratio, activation, name):
    if not 0 < se_ratio <= 1:
        return x
    return _blocks.squeeze_excite(x, max(1, int(input_filters * se_ratio)),
                                  filters, name, activation)


def mb_conv_block(inputs, input_filters, output_filters, expand_ratio=1,
                  kernel_size=3, strides=1, se_ratio=0., bn_momentum=0.9,
                  activation='swish', survival_probability=0.8, name=''):
    """MBConv: 1x1 expansion (expand_ratio != 1), depthwise convolution,
    squeeze-and-excitation, 1x1 projection, residual."""
    filters = input_filters * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = _conv(filters, 1, name + 'expand_conv')(x)
        x = _bn_act(x, name + 'expand_bn', bn_momentum, activation,
                    name + 'expand_activation')
    x = DepthwiseConv2D(kernel_size, strides=strides, padding='same',
                        use_bias=False,
                        depthwise_initializer=CONV_KERNEL_INITIALIZER,
                        name=name + 'dwconv2')(x)
    x = _bn_act(x, name + 'bn', bn_momentum, activation,
                name + 'activation')
    x = _squeeze_excite(x, input_filters, filters, se_ratio, activation,
                        name)
    x = _conv(output_filters, 1, name + 'project_conv')(x)
    x = _bn_act(x, name + 'project_bn', bn_momentum, activation)
    return _residual(x, inputs, strides, input_filters, output_filters,
                     survival_probability, name)


def fused_mb_conv_block(inputs, input_filters, output_filters,
                        expand_ratio=1, kernel_size=3, strides=1,
                        se_ratio=0., bn_momentum=0.9, activation='swish',
                        survival_probability=0.8, name=''):
    """Fused MBConv: a full expansion convolution in place of the 1x1
    expansion and the depthwise convolution (expand_ratio != 1; else the
    projection is that convolution), squeeze-and-excitation, 1x1
    projection, residual."""
    filters = input_filters * expand_ratio
    x = inputs
    if expand_ratio != 1:
        x = _conv(filters, kernel_size, name + 'expand_conv', strides)(x)
        x = _bn_act(x, name + 'expand_bn', bn_momentum, activation,
                    name + 'expand_activation')
    x = _squeeze_excite(x, input_filters, filters, se_ratio, activation,
                        name)
    fused = expand_ratio == 1
    x = _conv(output_filters, kernel_size if fused else 1,
              name + 'project_conv', strides if fused else 1)(x)
    x = _bn_act(x, name + 'project_bn', bn_momentum, activation,
                name + 'project_activation' if fused else None)
    return _residual(x, inputs, strides, input_filters, output_filters,
                     survival_probability, name)


def _preprocessing(x, model_name, num_channels):
    """tf.keras's input preprocessing: B models with 3 channels [0, 255]
    -> ImageNet-normalized, the others [0, 255] -> [-1, 1]."""
    if model_name.split('-')[-1].startswith('b') and num_channels == 3:
        x = Rescaling(scale=1. / 255)(x)
        return Normalization(mean=[0.485, 0.456, 0.406],
                             variance=[0.229 ** 2, 0.224 ** 2, 0.225 ** 2],
                             axis=channel_axis())(x)
    return Rescaling(scale=1. / 128., offset=-1)(x)


def _top(x, include_top, pooling, dropout_rate, classes,
         classifier_activation, weights):
    if include_top:
        x = GlobalAveragePooling2D(name='avg_pool')(x)
        if dropout_rate > 0:
            x = Dropout(dropout_rate, name='top_dropout')(x)
        _blocks.validate_activation(classifier_activation, weights)
        return Dense(classes, activation=classifier_activation,
                     kernel_initializer=DENSE_KERNEL_INITIALIZER,
                     bias_initializer=Constant(0),
                     name='predictions')(x)
    if pooling == 'avg':
        return GlobalAveragePooling2D(name='avg_pool')(x)
    if pooling == 'max':
        return GlobalMaxPooling2D(name='max_pool')(x)
    return x


def EfficientNetV2(width_coefficient, depth_coefficient, default_size,
                   dropout_rate=0.2, drop_connect_rate=0.2, depth_divisor=8,
                   min_depth=8, bn_momentum=0.9, activation='swish',
                   blocks_args='default', model_name='efficientnetv2',
                   include_top=True, weights='imagenet', input_tensor=None,
                   input_shape=None, pooling=None, classes=1000,
                   classifier_activation='softmax',
                   include_preprocessing=True):
    """The EfficientNetV2 family: preprocessing, a strided 3x3 stem
    convolution, the fused and plain MBConv stages of `blocks_args`
    (width and depth scaled by the coefficients), a 1x1 convolution to
    round_filters(1280) channels; then global average pooling, dropout and
    a Dense over `classes` (include_top), else the optional 'avg' or 'max'
    pooling."""
    if blocks_args == 'default':
        blocks_args = DEFAULT_BLOCKS_ARGS[model_name]
    _blocks.check_weights(weights, include_top, classes)
    image, inputs, input_shape = _blocks.image_input(
        input_tensor, input_shape, default_size, include_top, weights)

    def filters_of(filters):
        return round_filters(filters, width_coefficient, min_depth,
                             depth_divisor)

    x = image
    if include_preprocessing:
        x = _preprocessing(x, model_name,
                           input_shape[channel_axis() - 1])
    x = _conv(filters_of(blocks_args[0]['input_filters']), 3, 'stem_conv',
              2)(x)
    x = _bn_act(x, 'stem_bn', bn_momentum, activation, 'stem_activation')

    blocks_args = copy.deepcopy(blocks_args)
    b = 0
    blocks = float(sum(args['num_repeat'] for args in blocks_args))
    for i, args in enumerate(blocks_args):
        if args['num_repeat'] <= 0:
            raise ValueError('Each stage of `blocks_args` needs num_repeat '
                             '> 0; got %r.' % (args,))
        args['input_filters'] = filters_of(args['input_filters'])
        args['output_filters'] = filters_of(args['output_filters'])
        block = (mb_conv_block, fused_mb_conv_block)[args.pop('conv_type')]
        for j in range(round_repeats(args.pop('num_repeat'),
                                     depth_coefficient)):
            # The first block of a stage takes the stride and the change
            # of width.
            if j > 0:
                args['strides'] = 1
                args['input_filters'] = args['output_filters']
            x = block(x, activation=activation, bn_momentum=bn_momentum,
                      survival_probability=drop_connect_rate * b / blocks,
                      name='block{}{}_'.format(i + 1, chr(j + 97)), **args)
            b += 1

    x = _conv(filters_of(1280), 1, 'top_conv')(x)
    x = _bn_act(x, 'top_bn', bn_momentum, activation, 'top_activation')
    x = _top(x, include_top, pooling, dropout_rate, classes,
             classifier_activation, weights)
    model = Model(inputs, x, name=model_name)
    return _blocks.load_model_weights(
        model, weights, include_top,
        WEIGHTS_HASHES.get(model_name[-2:]), BASE_WEIGHTS_PATH)


_DOC = """Instantiates the {name} architecture (tf.keras 2.8+'s
    `keras.applications.{name}`).

    With `include_preprocessing` the model takes float pixels in [0, 255]
    (`preprocess_input` is a pass-through). Default input size
    {size}x{size}; any size from 32x32 up without the top.

    Args:
      include_top: whether to end with global average pooling, dropout
        and the Dense layer 'predictions'.
      weights: None (random initialization), 'imagenet' (tf.keras's
        ImageNet file '{file}.h5' / '{file}_notop.h5', downloaded once to
        ~/.keras/models) or the path of a weights file to load.
      input_tensor: optional Keras tensor to use as the image input.
      input_shape: optional shape tuple (3 channels), only to be given
        without the top or with the default size.
      pooling: without the top: None (4D output of the last
        convolution), 'avg' or 'max' (global pooling, 2D output).
      classes: number of classes of the top (1000 with 'imagenet').
      classifier_activation: the top's activation (str or callable; None
        gives the logits); with pretrained weights only None or 'softmax'.
      include_preprocessing: whether the model starts with its input
        rescaling (and normalization) layers.

    Returns:
      A `keras.Model` named '{file}'.
    """

# (width, depth, default size) of each variant.
_SCALING = {'b0': (1.0, 1.0, 224), 'b1': (1.0, 1.1, 240),
            'b2': (1.1, 1.2, 260), 'b3': (1.2, 1.4, 300),
            's': (1.0, 1.0, 384), 'm': (1.0, 1.0, 480),
            'l': (1.0, 1.0, 480)}


def _variant(key):
    width, depth, size = _SCALING[key]
    model_name = 'efficientnetv2-' + key

    def factory(include_top=True, weights='imagenet', input_tensor=None,
                input_shape=None, pooling=None, classes=1000,
                classifier_activation='softmax',
                include_preprocessing=True):
        return EfficientNetV2(
            width, depth, size, model_name=model_name,
            include_top=include_top, weights=weights,
            input_tensor=input_tensor, input_shape=input_shape,
            pooling=pooling, classes=classes,
            classifier_activation=classifier_activation,
            include_preprocessing=include_preprocessing)
    name = 'EfficientNetV2' + key.upper()
    doc = _DOC.format(name=name, size=size, file=model_name)
    return _common.named_factory(factory, name, __name__, doc)


EfficientNetV2B0 = _variant('b0')
EfficientNetV2B1 = _variant('b1')
EfficientNetV2B2 = _variant('b2')
EfficientNetV2B3 = _variant('b3')
EfficientNetV2S = _variant('s')
EfficientNetV2M = _variant('m')
EfficientNetV2L = _variant('l')
