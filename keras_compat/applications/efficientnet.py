"""EfficientNetB0..B7 (Tan & Le, 2019) as tf.keras 2.3+'s
`keras.applications.efficientnet` builds them: the same layers, layer
names and layer order, so the tf.keras ImageNet weight files
('efficientnetb0.h5', 'efficientnetb0_notop.h5', ...) and weights or
models saved by tf.keras load.

The models take pixels in [0, 255]: the input is rescaled and normalized
inside the model (a `Rescaling(1/255)` and a `Normalization` layer whose
ImageNet mean and variance come with the weight file; with
weights='imagenet' a `tf.math.multiply` TFOpLambda layer then divides by
sqrt(stddev) once more, as tf.keras does), so `preprocess_input` is a
pass-through."""
import copy
import math

import numpy as np

from .. import activations
from .. import backend as K
from ..engine.training import Model
from ..layers import (Activation, BatchNormalization, Conv2D, Dense,
                      DepthwiseConv2D, Dropout, GlobalAveragePooling2D,
                      GlobalMaxPooling2D, Normalization, Rescaling, Reshape,
                      TFOpLambda, ZeroPadding2D, add, multiply)
from ..utils.data_utils import get_file
from . import _common
from .imagenet_utils import decode_predictions as _decode_predictions
from .mobilenet_v2 import correct_pad

BASE_WEIGHTS_PATH = 'https://storage.googleapis.com/keras-applications/'

# (md5 of '<model>.h5', md5 of '<model>_notop.h5'), as tf.keras checks them.
WEIGHTS_HASHES = {
    'b0': ('902e53a9f72be733fc0bcb005b3ebbac',
           '50bc09e76180e00e4465e1a485ddc09d'),
    'b1': ('1d254153d4ab51201f1646940f018540',
           '74c4e6b3e1f6a1eea24c589628592432'),
    'b2': ('b15cce36ff4dcbd00b6dd88e7857a6ad',
           '111f8e2ac8aa800a7a99e3239f7bfb39'),
    'b3': ('ffd1fdc53d0ce67064dc6a9c7960ede0',
           'af6d107764bb5b1abb91932881670226'),
    'b4': ('18c95ad55216b8f92d7e70b3a046e2fc',
           'ebc24e6d6c33eaebbd558eafbeedf1ba'),
    'b5': ('ace28f2a6363774853a83a0b21b9421a',
           '38879255a25d3c92d5e44e04ae6cec6f'),
    'b6': ('165f6e37dce68623721b423839de8be5',
           '9ecce42647a20130c1f39a5d4cb75743'),
    'b7': ('8c03f828fec3ef71311cd463b6759d99',
           'cbcfe4450ddf6f3ad90b1b398090fe4a'),
}


def _stage(kernel_size, repeats, filters_in, filters_out, expand_ratio,
           strides):
    return {'kernel_size': kernel_size, 'repeats': repeats,
            'filters_in': filters_in, 'filters_out': filters_out,
            'expand_ratio': expand_ratio, 'id_skip': True,
            'strides': strides, 'se_ratio': 0.25}


# The seven stages of EfficientNetB0 (kernel size, repeats, filters in and
# out, expansion, stride); the other models scale their width (filters)
# and depth (repeats).
DEFAULT_BLOCKS_ARGS = [
    _stage(3, 1, 32, 16, 1, 1),
    _stage(3, 2, 16, 24, 6, 2),
    _stage(5, 2, 24, 40, 6, 2),
    _stage(3, 3, 40, 80, 6, 2),
    _stage(5, 3, 80, 112, 6, 1),
    _stage(5, 4, 112, 192, 6, 2),
    _stage(3, 1, 192, 320, 6, 1),
]

CONV_KERNEL_INITIALIZER = {
    'class_name': 'VarianceScaling',
    'config': {'scale': 2.0, 'mode': 'fan_out',
               'distribution': 'truncated_normal'},
}

DENSE_KERNEL_INITIALIZER = {
    'class_name': 'VarianceScaling',
    'config': {'scale': 1. / 3., 'mode': 'fan_out',
               'distribution': 'uniform'},
}

IMAGENET_STDDEV_RGB = [0.229, 0.224, 0.225]


def _bn_axis():
    return 3 if K.image_data_format() == 'channels_last' else 1


def _validate_activation(classifier_activation, weights):
    """tf.keras's rule: with pretrained weights (a file included) the top
    takes only `None` or 'softmax'."""
    if weights is None:
        return
    activation = activations.get(classifier_activation)
    if activation not in {activations.get('softmax'),
                          activations.get(None)}:
        raise ValueError(
            'Only `None` and `softmax` activations are allowed for the '
            '`classifier_activation` argument when using pretrained '
            'weights, with `include_top=True`; Received: '
            'classifier_activation={}'.format(classifier_activation))


def EfficientNet(width_coefficient, depth_coefficient, default_size,
                 dropout_rate=0.2, drop_connect_rate=0.2, depth_divisor=8,
                 activation='swish', blocks_args='default',
                 model_name='efficientnet', include_top=True,
                 weights='imagenet', input_tensor=None, input_shape=None,
                 pooling=None, classes=1000,
                 classifier_activation='softmax'):
    """The EfficientNet family: a normalizing stem, a strided 3x3
    convolution, the MBConv blocks of `blocks_args` (width and depth scaled
    by the coefficients, rounded as tf.keras rounds them) and a 1x1
    convolution to round_filters(1280) channels; then global average
    pooling, dropout and a Dense over `classes` (include_top), else the
    optional 'avg' or 'max' pooling."""
    if blocks_args == 'default':
        blocks_args = DEFAULT_BLOCKS_ARGS
    _common.check_weights(weights, include_top, classes)
    img_input, inputs = _common.model_input(
        input_tensor, input_shape, default_size, 32, include_top, weights)
    bn_axis = _bn_axis()

    def round_filters(filters, divisor=depth_divisor):
        """The number of filters scaled by the width coefficient, rounded
        to a multiple of `divisor` (not more than 10% down)."""
        filters *= width_coefficient
        new_filters = max(divisor,
                          int(filters + divisor / 2) // divisor * divisor)
        if new_filters < 0.9 * filters:
            new_filters += divisor
        return int(new_filters)

    def round_repeats(repeats):
        return int(math.ceil(depth_coefficient * repeats))

    # Stem: [0, 255] -> [0, 1] -> (x - mean) / sqrt(variance).
    x = Rescaling(1. / 255., name='rescaling')(img_input)
    x = Normalization(axis=bn_axis, name='normalization')(x)
    if weights == 'imagenet':
        # As tf.keras: a TFOpLambda layer divides by sqrt(stddev) once
        # more, which with the Normalization statistics of its weight files
        # normalizes the input as the original model did
        # (tensorflow/tensorflow#49930).
        shape = (1, 3, 1, 1) if bn_axis == 1 else (1, 1, 1, 3)
        factor = np.reshape([1. / math.sqrt(stddev)
                             for stddev in IMAGENET_STDDEV_RGB],
                            shape).tolist()
        x = TFOpLambda('math.multiply', name='tf.math.multiply')(
            x, op_inputs={'__tensor__': 0}, op_kwargs={'y': factor})
    x = ZeroPadding2D(padding=correct_pad(x, 3), name='stem_conv_pad')(x)
    x = Conv2D(round_filters(32), 3, strides=2, padding='valid',
               use_bias=False, kernel_initializer=CONV_KERNEL_INITIALIZER,
               name='stem_conv')(x)
    x = BatchNormalization(axis=bn_axis, name='stem_bn')(x)
    x = Activation(activation, name='stem_activation')(x)

    blocks_args = copy.deepcopy(blocks_args)
    b = 0
    blocks = float(sum(round_repeats(args['repeats'])
                       for args in blocks_args))
    for i, args in enumerate(blocks_args):
        if args['repeats'] <= 0:
            raise ValueError('Each stage of `blocks_args` needs repeats > '
                             '0; got %r.' % (args,))
        args['filters_in'] = round_filters(args['filters_in'])
        args['filters_out'] = round_filters(args['filters_out'])
        for j in range(round_repeats(args.pop('repeats'))):
            # The first block of a stage takes the stride and the change
            # of width.
            if j > 0:
                args['strides'] = 1
                args['filters_in'] = args['filters_out']
            x = block(x, activation, drop_connect_rate * b / blocks,
                      name='block{}{}_'.format(i + 1, chr(j + 97)), **args)
            b += 1

    x = Conv2D(round_filters(1280), 1, padding='same', use_bias=False,
               kernel_initializer=CONV_KERNEL_INITIALIZER,
               name='top_conv')(x)
    x = BatchNormalization(axis=bn_axis, name='top_bn')(x)
    x = Activation(activation, name='top_activation')(x)
    if include_top:
        x = GlobalAveragePooling2D(name='avg_pool')(x)
        if dropout_rate > 0:
            x = Dropout(dropout_rate, name='top_dropout')(x)
        _validate_activation(classifier_activation, weights)
        x = Dense(classes, activation=classifier_activation,
                  kernel_initializer=DENSE_KERNEL_INITIALIZER,
                  name='predictions')(x)
    elif pooling == 'avg':
        x = GlobalAveragePooling2D(name='avg_pool')(x)
    elif pooling == 'max':
        x = GlobalMaxPooling2D(name='max_pool')(x)

    model = Model(inputs, x, name=model_name)
    if weights == 'imagenet':
        index = 0 if include_top else 1
        file_name = model_name + ('.h5' if include_top else '_notop.h5')
        weights = get_file(file_name, BASE_WEIGHTS_PATH + file_name,
                           cache_subdir='models',
                           file_hash=WEIGHTS_HASHES[model_name[-2:]][index])
    if weights is not None:
        model.load_weights(weights)
    return model


def block(inputs, activation='swish', drop_rate=0., name='', filters_in=32,
          filters_out=16, kernel_size=3, strides=1, expand_ratio=1,
          se_ratio=0., id_skip=True):
    """An MBConv block: 1x1 expansion (expand_ratio != 1), depthwise
    convolution, squeeze-and-excitation (0 < se_ratio <= 1), 1x1
    projection; the input is added back (after a per-sample dropout of
    rate `drop_rate`) when id_skip, stride 1 and equal widths."""
    bn_axis = _bn_axis()
    filters = filters_in * expand_ratio
    if expand_ratio != 1:
        x = Conv2D(filters, 1, padding='same', use_bias=False,
                   kernel_initializer=CONV_KERNEL_INITIALIZER,
                   name=name + 'expand_conv')(inputs)
        x = BatchNormalization(axis=bn_axis, name=name + 'expand_bn')(x)
        x = Activation(activation, name=name + 'expand_activation')(x)
    else:
        x = inputs

    if strides == 2:
        x = ZeroPadding2D(padding=correct_pad(x, kernel_size),
                          name=name + 'dwconv_pad')(x)
        conv_pad = 'valid'
    else:
        conv_pad = 'same'
    x = DepthwiseConv2D(kernel_size, strides=strides, padding=conv_pad,
                        use_bias=False,
                        depthwise_initializer=CONV_KERNEL_INITIALIZER,
                        name=name + 'dwconv')(x)
    x = BatchNormalization(axis=bn_axis, name=name + 'bn')(x)
    x = Activation(activation, name=name + 'activation')(x)

    if 0 < se_ratio <= 1:
        filters_se = max(1, int(filters_in * se_ratio))
        se = GlobalAveragePooling2D(name=name + 'se_squeeze')(x)
        se_shape = (filters, 1, 1) if bn_axis == 1 else (1, 1, filters)
        se = Reshape(se_shape, name=name + 'se_reshape')(se)
        se = Conv2D(filters_se, 1, padding='same', activation=activation,
                    kernel_initializer=CONV_KERNEL_INITIALIZER,
                    name=name + 'se_reduce')(se)
        se = Conv2D(filters, 1, padding='same', activation='sigmoid',
                    kernel_initializer=CONV_KERNEL_INITIALIZER,
                    name=name + 'se_expand')(se)
        x = multiply([x, se], name=name + 'se_excite')

    x = Conv2D(filters_out, 1, padding='same', use_bias=False,
               kernel_initializer=CONV_KERNEL_INITIALIZER,
               name=name + 'project_conv')(x)
    x = BatchNormalization(axis=bn_axis, name=name + 'project_bn')(x)
    if id_skip and strides == 1 and filters_in == filters_out:
        if drop_rate > 0:
            x = Dropout(drop_rate, noise_shape=(None, 1, 1, 1),
                        name=name + 'drop')(x)
        x = add([x, inputs], name=name + 'add')
    return x


_DOC = """Instantiates the {name} architecture (tf.keras 2.3+'s
    `keras.applications.{name}`).

    The model takes float pixels in [0, 255] (its preprocessing is inside
    it; `preprocess_input` is a pass-through). Default input size
    {size}x{size}; any size from 32x32 up without the top.

    Args:
      include_top: whether to end with global average pooling, dropout
        ({dropout}) and the Dense layer 'predictions'.
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
      **kwargs: the other arguments of `EfficientNet` (drop_connect_rate,
        depth_divisor, activation, blocks_args).

    Returns:
      A `keras.Model` named '{file}'.
    """

# (width, depth, default size, dropout) of B0..B7.
_SCALING = [(1.0, 1.0, 224, 0.2), (1.0, 1.1, 240, 0.2),
            (1.1, 1.2, 260, 0.3), (1.2, 1.4, 300, 0.3),
            (1.4, 1.8, 380, 0.4), (1.6, 2.2, 456, 0.4),
            (1.8, 2.6, 528, 0.5), (2.0, 3.1, 600, 0.5)]


def _variant(index):
    width, depth, size, dropout = _SCALING[index]
    model_name = 'efficientnetb%d' % index

    def factory(include_top=True, weights='imagenet', input_tensor=None,
                input_shape=None, pooling=None, classes=1000,
                classifier_activation='softmax', **kwargs):
        return EfficientNet(width, depth, size, dropout,
                            model_name=model_name, include_top=include_top,
                            weights=weights, input_tensor=input_tensor,
                            input_shape=input_shape, pooling=pooling,
                            classes=classes,
                            classifier_activation=classifier_activation,
                            **kwargs)
    name = 'EfficientNetB%d' % index
    doc = _DOC.format(name=name, size=size, dropout=dropout, file=model_name)
    return _common.named_factory(factory, name, __name__, doc)


EfficientNetB0 = _variant(0)
EfficientNetB1 = _variant(1)
EfficientNetB2 = _variant(2)
EfficientNetB3 = _variant(3)
EfficientNetB4 = _variant(4)
EfficientNetB5 = _variant(5)
EfficientNetB6 = _variant(6)
EfficientNetB7 = _variant(7)


def preprocess_input(x, data_format=None):
    """A pass-through, as in tf.keras: EfficientNet models rescale and
    normalize their [0, 255] input themselves. Returns `x` unchanged."""
    return x


def decode_predictions(preds, top=5):
    """The `top` (ImageNet class id, name, score) tuples of each row of
    a batch of 1000-class predictions."""
    return _decode_predictions(preds, top=top)
