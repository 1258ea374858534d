"""What tf.keras 2.x's later application families (EfficientNetV2,
ConvNeXt, MobileNetV3, RegNet, ResNetRS) share: their image input, the
TensorFlow operations they record as TFOpLambda layers, the
squeeze-and-excitation block, the ImageNet weight download and the
pass-through `preprocess_input`."""
from .. import backend as K
from ..backend import common
from ..engine.input_layer import Input
from ..layers import Conv2D, GlobalAveragePooling2D, Reshape, multiply
from ..layers.tf_op_layer import TFOpLambda
from ..utils.data_utils import get_file
from ..utils.layer_utils import get_source_inputs
from . import _common
from .efficientnet import _validate_activation
from .imagenet_utils import _obtain_input_shape
from .imagenet_utils import decode_predictions as _decode_predictions

validate_activation = _validate_activation

CONV_KERNEL_INITIALIZER = {
    'class_name': 'VarianceScaling',
    'config': {'scale': 2.0, 'mode': 'fan_out',
               'distribution': 'truncated_normal'},
}


def channel_axis():
    """3 for channels_last images, 1 for channels_first."""
    return 3 if K.image_data_format() == 'channels_last' else 1


def image_input(input_tensor, input_shape, default_size, include_top,
                weights, source_only=False):
    """(image tensor, model inputs, input shape) after tf.keras's input
    shape checks. With `source_only` (ConvNeXt, RegNet) the image tensor
    is the first source input of `input_tensor`, as tf.keras takes it."""
    input_shape = _obtain_input_shape(
        input_shape, default_size=default_size, min_size=32,
        data_format=K.image_data_format(), require_flatten=include_top,
        weights=weights)
    if input_tensor is None:
        image = Input(shape=input_shape)
        return image, image, input_shape
    if not K.is_keras_tensor(input_tensor):
        image = Input(tensor=input_tensor, shape=input_shape)
        return image, image, input_shape
    inputs = get_source_inputs(input_tensor)
    if source_only:
        return inputs[0], inputs[0], input_shape
    return input_tensor, inputs, input_shape


def check_weights(weights, include_top, classes):
    """tf.keras's checks of `weights` (None, 'imagenet' or a file) and of
    `classes` with the ImageNet top."""
    _common.check_weights(weights, include_top, classes)


def tf_op(symbol, x, y):
    """`symbol(x, y)` ('__operators__.add', 'math.multiply') on a
    symbolic tensor and a tensor or number, as the TFOpLambda layer that
    tf.keras records for `x + y`, `x * y` or `tf.math.multiply(x, y)`
    ('tf.math.multiply', 'tf.math.multiply_1', ...)."""
    layer = TFOpLambda(symbol, name=common.unique_layer_name('tf.' + symbol))
    if not isinstance(y, (int, float)):
        return layer([x, y], op_inputs={'__tensor__': 0},
                     op_kwargs={'y': {'__tensor__': 1}})
    return layer(x, y=y)


def add(x, y):
    """`x + y` as tf.keras records it (a 'tf.__operators__.add' layer)."""
    return tf_op('__operators__.add', x, y)


def math_multiply(x, y):
    """`x * y` or `tf.math.multiply(x, y)` as tf.keras records it (a
    'tf.math.multiply' layer)."""
    return tf_op('math.multiply', x, y)


def squeeze_excite(inputs, reduced, filters, prefix, activation):
    """Squeeze-and-excitation as EfficientNet(V2) and ResNetRS build it:
    global average pooling, a (1, 1, C) reshape, 1x1 convolutions to
    `reduced` (with `activation`) and `filters` (sigmoid) channels, and the
    product with the input ('<prefix>se_squeeze', ... '<prefix>se_excite')."""
    se = GlobalAveragePooling2D(name=prefix + 'se_squeeze')(inputs)
    shape = (filters, 1, 1) if channel_axis() == 1 else (1, 1, filters)
    se = Reshape(shape, name=prefix + 'se_reshape')(se)
    se = Conv2D(reduced, 1, padding='same', activation=activation,
                kernel_initializer=CONV_KERNEL_INITIALIZER,
                name=prefix + 'se_reduce')(se)
    se = Conv2D(filters, 1, padding='same', activation='sigmoid',
                kernel_initializer=CONV_KERNEL_INITIALIZER,
                name=prefix + 'se_expand')(se)
    return multiply([inputs, se], name=prefix + 'se_excite')


def load_model_weights(model, weights, include_top, hashes, base_url):
    """`load_weights` with tf.keras's ImageNet file of the model's name
    ('<name>.h5', '<name>_notop.h5'); `hashes` is (top, no top)."""
    file_name = file_hash = None
    if weights == 'imagenet':
        file_name = model.name + ('.h5' if include_top else '_notop.h5')
        file_hash = hashes[0 if include_top else 1]
    return load_weights(model, weights, file_name, base_url, file_hash)


def load_weights(model, weights, file_name, base_url, file_hash):
    """Loads the ImageNet file `file_name` (downloaded once from
    `base_url` to ~/.keras/models, checked against `file_hash`) when
    `weights` names it, else the weights file `weights` (not None)."""
    if weights is None:
        return model
    if file_name is not None:
        weights = get_file(file_name, base_url + file_name,
                           cache_subdir='models', file_hash=file_hash)
    model.load_weights(weights)
    return model


def preprocess_input(x, data_format=None):
    """A pass-through, as in tf.keras: these models rescale (and
    normalize) their [0, 255] input themselves. Returns `x` unchanged."""
    return x


def decode_predictions(preds, top=5):
    """The `top` (ImageNet class id, name, score) tuples of each row of
    a batch of 1000-class predictions."""
    return _decode_predictions(preds, top=top)
