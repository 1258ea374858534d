"""ResNetRS50..420 (Bello et al., 2021) as tf.keras 2.9+'s
`keras.applications.resnet_rs` builds them: the same layers (ResNet-D
stem, bottleneck blocks with squeeze-and-excitation), layer names and
order, so tf.keras's ImageNet weight files ('resnet-rs-50-i160.h5',
'resnet-rs-50-i160_notop.h5', ...) and weights saved by tf.keras load.

With `include_preprocessing` the model takes pixels in [0, 255] (rescaled
to [0, 1] and, with 3 channels, normalized with the ImageNet mean and
variance); `preprocess_input` is a pass-through."""
import os
import sys

from .. import backend as K
from ..engine.training import Model
from ..layers import (Activation, Add, AveragePooling2D, BatchNormalization,
                      Conv2D, Dense, Dropout, GlobalAveragePooling2D,
                      GlobalMaxPooling2D, Normalization, Rescaling,
                      ZeroPadding2D)
from . import _blocks, _common
from ._blocks import (CONV_KERNEL_INITIALIZER, channel_axis,  # noqa: F401
                      decode_predictions, preprocess_input)

BASE_WEIGHTS_URL = 'https://storage.googleapis.com/tensorflow/' \
                   'keras-applications/resnet_rs/'

# md5 of each ImageNet file, as tf.keras checks them.
WEIGHT_HASHES = {
    'resnet-rs-101-i160.h5': '544b3434d00efc199d66e9058c7f3379',
    'resnet-rs-101-i160_notop.h5': '82d5b90c5ce9d710da639d6216d0f979',
    'resnet-rs-101-i192.h5': 'eb285be29ab42cf4835ff20a5e3b5d23',
    'resnet-rs-101-i192_notop.h5': 'f9a0f6b85faa9c3db2b6e233c4eebb5b',
    'resnet-rs-152-i192.h5': '8d72a301ed8a6f11a47c4ced4396e338',
    'resnet-rs-152-i192_notop.h5': '5fbf7ac2155cb4d5a6180ee9e3aa8704',
    'resnet-rs-152-i224.h5': '31a46a92ab21b84193d0d71dd8c3d03b',
    'resnet-rs-152-i224_notop.h5': 'dc8b2cba2005552eafa3167f00dc2133',
    'resnet-rs-152-i256.h5': 'ba6271b99bdeb4e7a9b15c05964ef4ad',
    'resnet-rs-152-i256_notop.h5': 'fa79794252dbe47c89130f65349d654a',
    'resnet-rs-200-i256.h5': 'a76930b741884e09ce90fa7450747d5f',
    'resnet-rs-200-i256_notop.h5': 'bbdb3994718dfc0d1cd45d7eff3f3d9c',
    'resnet-rs-270-i256.h5': '20d575825ba26176b03cb51012a367a8',
    'resnet-rs-270-i256_notop.h5': '2c42ecb22e35f3e23d2f70babce0a2aa',
    'resnet-rs-350-i256.h5': 'f4a039dc3c421321b7fc240494574a68',
    'resnet-rs-350-i256_notop.h5': '6e44b55025bbdff8f51692a023143d66',
    'resnet-rs-350-i320.h5': '7ccb858cc738305e8ceb3c0140bee393',
    'resnet-rs-350-i320_notop.h5': 'ab0c1f9079d2f85a9facbd2c88aa6079',
    'resnet-rs-420-i320.h5': 'ae0eb9bed39e64fc8d7e0db4018dc7e8',
    'resnet-rs-420-i320_notop.h5': 'fe6217c32be8305b1889657172b98884',
    'resnet-rs-50-i160.h5': '69d9d925319f00a8bdd4af23c04e4102',
    'resnet-rs-50-i160_notop.h5': '90daa68cd26c95aa6c5d25451e095529',
}

# The input sizes each depth has ImageNet weights for.
DEPTH_TO_WEIGHT_VARIANTS = {50: [160], 101: [160, 192],
                            152: [192, 224, 256], 200: [256], 270: [256],
                            350: [256, 320], 420: [320]}

# The repeats of the four block groups (of 64, 128, 256, 512 filters).
_REPEATS = {50: (3, 4, 6, 3), 101: (3, 4, 23, 3), 152: (3, 8, 36, 3),
            200: (3, 24, 36, 3), 270: (4, 29, 53, 4),
            350: (4, 36, 72, 4), 420: (4, 44, 87, 4)}
BLOCK_ARGS = {depth: [{'input_filters': f, 'num_repeats': r}
                      for f, r in zip((64, 128, 256, 512), repeats)]
              for depth, repeats in _REPEATS.items()}


def conv2d_fixed_padding(x, filters, kernel_size, strides, name):
    """A bias-free convolution; strided ones zero-pad the input by
    kernel_size - 1 first (an unnamed ZeroPadding2D) and pad 'valid'."""
    if strides > 1:
        pad_beg = (kernel_size - 1) // 2
        pad_end = kernel_size - 1 - pad_beg
        x = ZeroPadding2D(padding=((pad_beg, pad_end),
                                   (pad_beg, pad_end)))(x)
    return Conv2D(filters, kernel_size, strides=strides,
                  padding='same' if strides == 1 else 'valid',
                  use_bias=False, kernel_initializer=CONV_KERNEL_INITIALIZER,
                  name=name)(x)


def _bn(x, name, bn_momentum, bn_epsilon):
    return BatchNormalization(axis=channel_axis(), momentum=bn_momentum,
                              epsilon=bn_epsilon, name=name)(x)


def stem(x, bn_momentum=0., bn_epsilon=1e-5, activation='relu',
         name='stem_1'):
    """The ResNet-D stem: four 3x3 convolutions (32, 32, 64, 64 filters;
    the first and last strided) with BatchNormalization and activation."""
    for i, (filters, strides) in enumerate(((32, 2), (32, 1), (64, 1),
                                            (64, 2))):
        x = conv2d_fixed_padding(x, filters, 3, strides,
                                 name + '_stem_conv_%d' % (i + 1))
        x = _bn(x, name + '_stem_batch_norm_%d' % (i + 1), bn_momentum,
                bn_epsilon)
        x = Activation(activation, name=name + '_stem_act_%d' % (i + 1))(x)
    return x


def bottleneck_block(inputs, filters, strides, use_projection,
                     bn_momentum=0., bn_epsilon=1e-5, activation='relu',
                     se_ratio=0.25, survival_probability=0.8, name=''):
    """1x1, 3x3 (strides) and 1x1 (4 x filters) convolutions with
    BatchNormalization, squeeze-and-excitation (0 < se_ratio < 1) and a
    per-sample Dropout, added to the input or its projection (average
    pooling for stride 2, then a 1x1 convolution) before the output
    activation."""
    shortcut = inputs
    if use_projection:
        if strides == 2:
            shortcut = AveragePooling2D(pool_size=(2, 2), strides=(2, 2),
                                        padding='same',
                                        name=name + '_projection_pooling')(
                                            inputs)
        shortcut = conv2d_fixed_padding(shortcut, filters * 4, 1,
                                        1 if strides == 2 else strides,
                                        name + '_projection_conv')
        shortcut = _bn(shortcut, name + '_projection_batch_norm',
                       bn_momentum, bn_epsilon)
    x = conv2d_fixed_padding(inputs, filters, 1, 1, name + '_conv_1')
    x = _bn(x, name + 'batch_norm_1', bn_momentum, bn_epsilon)
    x = Activation(activation, name=name + '_act_1')(x)
    x = conv2d_fixed_padding(x, filters, 3, strides, name + '_conv_2')
    x = _bn(x, name + '_batch_norm_2', bn_momentum, bn_epsilon)
    x = Activation(activation, name=name + '_act_2')(x)
    x = conv2d_fixed_padding(x, filters * 4, 1, 1, name + '_conv_3')
    x = _bn(x, name + '_batch_norm_3', bn_momentum, bn_epsilon)
    if 0 < se_ratio < 1:
        x = _blocks.squeeze_excite(x, max(1, int(filters * 4 * se_ratio)),
                                   filters * 4, name + '_se_', 'relu')
    if survival_probability:
        x = Dropout(survival_probability, noise_shape=(None, 1, 1, 1),
                    name=name + '_drop')(x)
    x = Add()([x, shortcut])
    return Activation(activation, name=name + '_output_act')(x)


def block_group(x, filters, strides, num_repeats, name, **kwargs):
    """`num_repeats` bottleneck blocks '<name>_block_<i>_', the first with
    the projection shortcut and the stride."""
    for i in range(num_repeats):
        x = bottleneck_block(x, filters, strides if i == 0 else 1, i == 0,
                             name=name + '_block_%d_' % i, **kwargs)
    return x


def ResNetRS(depth, input_shape=None, bn_momentum=0., bn_epsilon=1e-5,
             activation='relu', se_ratio=0.25, dropout_rate=0.25,
             drop_connect_rate=0.2, include_top=True, block_args=None,
             model_name='resnet-rs', pooling=None, weights='imagenet',
             input_tensor=None, classes=1000,
             classifier_activation='softmax', include_preprocessing=True):
    """The ResNetRS family: preprocessing, the ResNet-D stem, four block
    groups (`block_args`, by default those of `depth`); then global
    average pooling, dropout and a Dense over `classes` (include_top),
    else the optional 'avg' or 'max' pooling. `weights` 'imagenet' loads
    the file of the largest input size of the depth; 'imagenet-i<size>'
    chooses the size."""
    sizes = DEPTH_TO_WEIGHT_VARIANTS[depth]
    if weights == 'imagenet':
        weights = 'imagenet-i%d' % max(sizes)
    allowed = ['imagenet-i%d' % size for size in sizes]
    _check_weights(weights, allowed, depth, include_top, classes)
    image, inputs, input_shape = _blocks.image_input(
        input_tensor, input_shape, 224, include_top, weights)
    x = image
    if include_preprocessing:
        x = Rescaling(scale=1. / 255)(x)
        if input_shape[channel_axis() - 1] == 3:
            x = Normalization(mean=[0.485, 0.456, 0.406],
                              variance=[0.229 ** 2, 0.224 ** 2,
                                        0.225 ** 2],
                              axis=channel_axis())(x)
    x = stem(x, bn_momentum, bn_epsilon, activation,
             name='stem_%d' % K.get_uid('stem_'))
    block_args = block_args or BLOCK_ARGS[depth]
    for i, args in enumerate(block_args):
        x = block_group(
            x, args['input_filters'], 1 if i == 0 else 2,
            args['num_repeats'], 'BlockGroup%d_' % (i + 2),
            bn_momentum=bn_momentum, bn_epsilon=bn_epsilon,
            activation=activation, se_ratio=se_ratio,
            survival_probability=drop_connect_rate * float(i + 2) /
            (len(block_args) + 1))
    if include_top:
        x = GlobalAveragePooling2D(name='avg_pool')(x)
        if dropout_rate > 0:
            x = Dropout(dropout_rate, name='top_dropout')(x)
        _blocks.validate_activation(classifier_activation, weights)
        x = Dense(classes, activation=classifier_activation,
                  name='predictions')(x)
    elif pooling == 'avg':
        x = GlobalAveragePooling2D(name='avg_pool')(x)
    elif pooling == 'max':
        x = GlobalMaxPooling2D(name='max_pool')(x)
    model = Model(inputs, x, name=model_name)
    file_name = None
    if weights in allowed:
        file_name = '%s-%s%s.h5' % (model_name, weights.split('-')[-1],
                                    '' if include_top else '_notop')
    return _blocks.load_weights(model, weights, file_name, BASE_WEIGHTS_URL,
                                WEIGHT_HASHES.get(file_name))


def _check_weights(weights, allowed, depth, include_top, classes):
    if not (weights in set(allowed) | {None} or os.path.exists(weights)):
        raise ValueError(
            'The `weights` argument should be either `None` (random '
            "initialization), `'imagenet'` (pre-training on ImageNet, with "
            'highest available input shape), or the path to the weights '
            'file to be loaded. For ResNetRS%d the following weight '
            'variants are available %s (default=highest). Received '
            'weights=%s' % (depth, allowed, weights))
    if weights in allowed and include_top and classes != 1000:
        raise ValueError(
            "If using `weights` as `'imagenet'` or any of %s with "
            '`include_top` as true, `classes` should be 1000. Received '
            'classes=%s' % (allowed, classes))


_DOC = """Instantiates the {name} architecture (tf.keras 2.9+'s
    `keras.applications.{name}`).

    With `include_preprocessing` the model takes float pixels in [0, 255]
    (`preprocess_input` is a pass-through). Default input size 224x224;
    any size from 32x32 up without the top.

    Args:
      include_top: whether to end with global average pooling, dropout
        and the Dense layer 'predictions'.
      weights: None (random initialization), 'imagenet' (tf.keras's
        ImageNet file of the largest input size, {sizes}), one of
        {allowed} or the path of a weights file to load.
      classes: number of classes of the top (1000 with ImageNet weights).
      input_shape: optional shape tuple (3 channels), only to be given
        without the top or with the default size.
      input_tensor: optional Keras tensor to use as the image input.
      pooling: without the top: None (4D output), 'avg' or 'max' (global
        pooling, 2D output).
      classifier_activation: the top's activation (str or callable; None
        gives the logits); with pretrained weights only None or 'softmax'.
      include_preprocessing: whether the model starts with its rescaling
        and normalization layers.

    Returns:
      A `keras.Model` named 'resnet-rs-{depth}'.
    """

# (drop connect rate, dropout rate, recursion limit) of each depth.
_SETTINGS = {50: (0., 0.25, None), 101: (0., 0.25, None),
             152: (0., 0.25, None), 200: (0.1, 0.25, None),
             270: (0.1, 0.25, 1300), 350: (0.1, 0.4, 1500),
             420: (0.1, 0.4, 1800)}


def _variant(depth):
    drop_connect_rate, dropout_rate, recursion = _SETTINGS[depth]

    def factory(include_top=True, weights='imagenet', classes=1000,
                input_shape=None, input_tensor=None, pooling=None,
                classifier_activation='softmax',
                include_preprocessing=True):
        if recursion and sys.getrecursionlimit() < recursion:
            # As tf.keras: deep models need a deeper Python stack.
            sys.setrecursionlimit(recursion)
        return ResNetRS(
            depth, include_top=include_top,
            drop_connect_rate=drop_connect_rate, dropout_rate=dropout_rate,
            weights=weights, classes=classes, input_shape=input_shape,
            input_tensor=input_tensor, pooling=pooling,
            classifier_activation=classifier_activation,
            model_name='resnet-rs-%d' % depth,
            include_preprocessing=include_preprocessing)
    name = 'ResNetRS%d' % depth
    sizes = DEPTH_TO_WEIGHT_VARIANTS[depth]
    doc = _DOC.format(name=name, depth=depth, sizes=max(sizes),
                      allowed=', '.join("'imagenet-i%d'" % s for s in sizes))
    return _common.named_factory(factory, name, __name__, doc)


ResNetRS50 = _variant(50)
ResNetRS101 = _variant(101)
ResNetRS152 = _variant(152)
ResNetRS200 = _variant(200)
ResNetRS270 = _variant(270)
ResNetRS350 = _variant(350)
ResNetRS420 = _variant(420)
