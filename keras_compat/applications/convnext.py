"""ConvNeXt Tiny, Small, Base, Large and XLarge (Liu et al., 2022) as
tf.keras 2.10+'s `keras.applications.convnext` builds them: the same
layers (Sequential stem and downsampling blocks, LayerScale, the
'tf.__operators__.add' residuals), layer names and order, so tf.keras's
ImageNet weight files ('convnext_tiny.h5', 'convnext_tiny_notop.h5', ...)
and weights saved by tf.keras load.

With `include_preprocessing` the model takes pixels in [0, 255] and
normalizes them with the ImageNet mean and variance; `preprocess_input` is
a pass-through."""
import numpy as np
import torch

from .. import backend as K
from .. import initializers
from ..engine.base_layer import Layer
from ..engine.sequential import Sequential
from ..engine.training import Model
from ..layers import (Activation, Conv2D, Dense, GlobalAveragePooling2D,
                      GlobalMaxPooling2D, LayerNormalization, Normalization)
from . import _blocks
from ._blocks import (channel_axis, decode_predictions,  # noqa: F401
                      preprocess_input)
from . import _common

BASE_WEIGHTS_PATH = 'https://storage.googleapis.com/tensorflow/' \
                    'keras-applications/convnext/'

# (sha256 of '<model>.h5', of '<model>_notop.h5'), as tf.keras checks them.
WEIGHTS_HASHES = {
    'convnext_tiny': (
        '8ae6e78ce2933352b1ef4008e6dd2f17bc40771563877d156bc6426c7cf503ff',
        'd547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1'),
    'convnext_small': (
        'ce1277d8f1ee5a0ef0e171469089c18f5233860ceaf9b168049cb9263fd7483c',
        '6fc8009faa2f00c1c1dfce59feea9b0745eb260a7dd11bee65c8e20843da6eab'),
    'convnext_base': (
        '52cbb006d3dadd03f6e095a8ca1aca47aecdd75acb4bc74bce1f5c695d0086e6',
        '40a20c5548a5e9202f69735ecc06c990e6b7c9d2de39f0361e27baeb24cb7c45'),
    'convnext_large': (
        '070c5ed9ed289581e477741d3b34beffa920db8cf590899d6d2c67fba2a198a6',
        '96f02b6f0753d4f543261bc9d09bed650f24dd6bc02ddde3066135b63d23a1cd'),
    'convnext_xlarge': (
        'c1f5ccab661354fc3a79a10fa99af82f0fbf10ec65cb894a3ae0815f17a889ee',
        'de3f8a54174130e0cecdc71583354753d557fcf1f4487331558e2a16ba0cfe05'),
}

MODEL_CONFIGS = {
    'tiny': {'depths': [3, 3, 9, 3],
             'projection_dims': [96, 192, 384, 768], 'default_size': 224},
    'small': {'depths': [3, 3, 27, 3],
              'projection_dims': [96, 192, 384, 768], 'default_size': 224},
    'base': {'depths': [3, 3, 27, 3],
             'projection_dims': [128, 256, 512, 1024], 'default_size': 224},
    'large': {'depths': [3, 3, 27, 3],
              'projection_dims': [192, 384, 768, 1536], 'default_size': 224},
    'xlarge': {'depths': [3, 3, 27, 3],
               'projection_dims': [256, 512, 1024, 2048],
               'default_size': 224},
}


class StochasticDepth(Layer):
    """Drops the whole residual branch of a sample with probability
    `drop_path_rate` in training (scaling kept samples by
    1 / (1 - drop_path_rate)); the identity in inference."""

    def __init__(self, drop_path_rate, **kwargs):
        super(StochasticDepth, self).__init__(**kwargs)
        self.drop_path_rate = drop_path_rate

    def call(self, x, training=None):
        if training:
            keep_prob = 1 - self.drop_path_rate
            shape = (x.shape[0],) + (1,) * (x.dim() - 1)
            random_tensor = torch.floor(
                keep_prob + K.random_uniform(shape, dtype=x.dtype))
            return (x / keep_prob) * random_tensor
        return x

    def get_config(self):
        config = super(StochasticDepth, self).get_config()
        config.update({'drop_path_rate': self.drop_path_rate})
        return config


class LayerScale(Layer):
    """Multiplies its input by a learned per-channel scale 'gamma' of
    `projection_dim` values initialized to `init_values`."""

    def __init__(self, init_values, projection_dim, **kwargs):
        super(LayerScale, self).__init__(**kwargs)
        self.init_values = init_values
        self.projection_dim = projection_dim

    def build(self, input_shape):
        self.gamma = self.add_weight(
            name='gamma', shape=(self.projection_dim,),
            initializer=initializers.Constant(self.init_values),
            trainable=True)
        super(LayerScale, self).build(input_shape)

    def call(self, x):
        return x * self.gamma

    def get_config(self):
        config = super(LayerScale, self).get_config()
        config.update({'init_values': self.init_values,
                       'projection_dim': self.projection_dim})
        return config


def convnext_block(inputs, projection_dim, drop_path_rate=0.,
                   layer_scale_init_value=1e-6, name=''):
    """7x7 depthwise convolution (a grouped Conv2D), LayerNormalization,
    pointwise Dense 4x wider, GELU, pointwise Dense back, LayerScale; the
    branch (through StochasticDepth or a linear Activation) is added to
    the input."""
    x = Conv2D(projection_dim, 7, padding='same', groups=projection_dim,
               name=name + '_depthwise_conv')(inputs)
    x = LayerNormalization(epsilon=1e-6, name=name + '_layernorm')(x)
    x = Dense(4 * projection_dim, name=name + '_pointwise_conv_1')(x)
    x = Activation('gelu', name=name + '_gelu')(x)
    x = Dense(projection_dim, name=name + '_pointwise_conv_2')(x)
    if layer_scale_init_value is not None:
        x = LayerScale(layer_scale_init_value, projection_dim,
                       name=name + '_layer_scale')(x)
    if drop_path_rate:
        branch = StochasticDepth(drop_path_rate,
                                 name=name + '_stochastic_depth')
    else:
        branch = Activation('linear', name=name + '_identity')
    return _blocks.add(inputs, branch(x))


def _downsampling(projection_dims, model_name):
    """The Sequential stem (4x4 patches) and the three Sequential
    downsampling blocks (LayerNormalization, 2x2 strided convolution)."""
    stages = [Sequential([
        Conv2D(projection_dims[0], kernel_size=4, strides=4,
               name=model_name + '_stem_conv'),
        LayerNormalization(epsilon=1e-6,
                           name=model_name + '_stem_layernorm'),
    ], name=model_name + '_stem')]
    for i in range(3):
        stages.append(Sequential([
            LayerNormalization(
                epsilon=1e-6,
                name=model_name + '_downsampling_layernorm_' + str(i)),
            Conv2D(projection_dims[i + 1], kernel_size=2, strides=2,
                   name=model_name + '_downsampling_conv_' + str(i)),
        ], name=model_name + '_downsampling_block_' + str(i)))
    return stages


def ConvNeXt(depths, projection_dims, drop_path_rate=0.,
             layer_scale_init_value=1e-6, default_size=224,
             model_name='convnext', include_preprocessing=True,
             include_top=True, weights=None, input_tensor=None,
             input_shape=None, pooling=None, classes=1000,
             classifier_activation='softmax'):
    """The ConvNeXt family: ImageNet normalization (include_preprocessing,
    3 channels), four stages of `depths` ConvNeXt blocks of
    `projection_dims` channels, each after its downsampling block; then
    global average pooling, LayerNormalization and a Dense over `classes`
    (include_top), else the optional 'avg' or 'max' pooling and a
    LayerNormalization."""
    _blocks.check_weights(weights, include_top, classes)
    x, inputs, input_shape = _blocks.image_input(
        input_tensor, input_shape, default_size, include_top, weights,
        source_only=True)
    if include_preprocessing and input_shape[channel_axis() - 1] == 3:
        x = Normalization(
            mean=[0.485 * 255, 0.456 * 255, 0.406 * 255],
            variance=[(0.229 * 255) ** 2, (0.224 * 255) ** 2,
                      (0.225 * 255) ** 2],
            name=model_name + '_prestem_normalization')(x)
    rates = [float(r) for r in np.linspace(0., drop_path_rate, sum(depths))]
    cur = 0
    for i, stage in enumerate(_downsampling(projection_dims, model_name)):
        x = stage(x)
        for j in range(depths[i]):
            x = convnext_block(x, projection_dims[i], rates[cur + j],
                               layer_scale_init_value,
                               name=model_name + '_stage_%d_block_%d'
                               % (i, j))
        cur += depths[i]
    if include_top:
        _blocks.validate_activation(classifier_activation, weights)
        x = GlobalAveragePooling2D(name=model_name + '_head_gap')(x)
        x = LayerNormalization(epsilon=1e-6,
                               name=model_name + '_head_layernorm')(x)
        x = Dense(classes, activation=classifier_activation,
                  name=model_name + '_head_dense')(x)
    else:
        if pooling == 'avg':
            x = GlobalAveragePooling2D()(x)
        elif pooling == 'max':
            x = GlobalMaxPooling2D()(x)
        x = LayerNormalization(epsilon=1e-6)(x)
    model = Model(inputs=inputs, outputs=x, name=model_name)
    return _blocks.load_model_weights(
        model, weights, include_top,
        WEIGHTS_HASHES.get(model_name), BASE_WEIGHTS_PATH)


_DOC = """Instantiates the {name} architecture (tf.keras 2.10+'s
    `keras.applications.{name}`).

    With `include_preprocessing` the model takes float pixels in [0, 255]
    (`preprocess_input` is a pass-through). Default input size 224x224;
    any size from 32x32 up without the top.

    Args:
      model_name: the model's name (and ImageNet file name).
      include_top: whether to end with the classification head (global
        average pooling, LayerNormalization, Dense).
      include_preprocessing: whether the model starts with its ImageNet
        `Normalization` layer.
      weights: None (random initialization), 'imagenet' (tf.keras's
        ImageNet file '{file}.h5' / '{file}_notop.h5', downloaded once to
        ~/.keras/models) or the path of a weights file to load.
      input_tensor: optional Keras tensor to use as the image input.
      input_shape: optional shape tuple (3 channels), only to be given
        without the top or with the default size.
      pooling: without the top: None (4D output), 'avg' or 'max' (global
        pooling, 2D output).
      classes: number of classes of the top (1000 with 'imagenet').
      classifier_activation: the top's activation (str or callable; None
        gives the logits); with pretrained weights only None or 'softmax'.

    Returns:
      A `keras.Model`.
    """


def _variant(key):
    config = MODEL_CONFIGS[key]

    def factory(model_name='convnext_' + key, include_top=True,
                include_preprocessing=True, weights='imagenet',
                input_tensor=None, input_shape=None, pooling=None,
                classes=1000, classifier_activation='softmax'):
        return ConvNeXt(
            config['depths'], config['projection_dims'], drop_path_rate=0.,
            layer_scale_init_value=1e-6,
            default_size=config['default_size'], model_name=model_name,
            include_top=include_top,
            include_preprocessing=include_preprocessing, weights=weights,
            input_tensor=input_tensor, input_shape=input_shape,
            pooling=pooling, classes=classes,
            classifier_activation=classifier_activation)
    name = 'ConvNeXt' + {'xlarge': 'XLarge'}.get(key, key.capitalize())
    doc = _DOC.format(name=name, file='convnext_' + key)
    return _common.named_factory(factory, name, __name__, doc)


ConvNeXtTiny = _variant('tiny')
ConvNeXtSmall = _variant('small')
ConvNeXtBase = _variant('base')
ConvNeXtLarge = _variant('large')
ConvNeXtXLarge = _variant('xlarge')
