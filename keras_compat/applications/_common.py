"""What the application models share: the `weights` and `input_tensor`
arguments and the ImageNet weight files."""
import os
import warnings

from .. import backend as K
from ..engine.input_layer import Input
from ..utils.data_utils import get_file
from ..utils.layer_utils import get_source_inputs
from .imagenet_utils import _obtain_input_shape

WEIGHTS_URL = 'https://github.com/fchollet/deep-learning-models/releases/' \
              'download/'


def check_weights(weights, include_top, classes):
    if not (weights in {'imagenet', None} or os.path.exists(weights)):
        raise ValueError('The `weights` argument should be either `None` '
                         '(random initialization), `imagenet` (pre-training '
                         'on ImageNet), or the path to the weights file to '
                         'be loaded.')
    if weights == 'imagenet' and include_top and classes != 1000:
        raise ValueError('If using `weights` as `"imagenet"` with '
                         '`include_top` as true, `classes` should be 1000')


def model_input(input_tensor, input_shape, default_size, min_size,
                include_top, weights):
    """(image input tensor, model inputs) for Input(shape) or a given
    tensor, after Keras 2's input-shape checks."""
    input_shape = _obtain_input_shape(
        input_shape, default_size=default_size, min_size=min_size,
        data_format=K.image_data_format(), require_flatten=include_top,
        weights=weights)
    if input_tensor is None:
        image = Input(shape=input_shape)
        return image, image
    if not K.is_keras_tensor(input_tensor):
        image = Input(tensor=input_tensor, shape=input_shape)
        return image, image
    return input_tensor, get_source_inputs(input_tensor)


def load_weights(model, weights, include_top, file_names, release,
                 base_url=WEIGHTS_URL):
    """ImageNet weights (downloaded once to ~/.keras/models) or a file."""
    if weights == 'imagenet':
        name = file_names[0] if include_top else file_names[1]
        weights = get_file(name, base_url + release + '/' + name,
                           cache_subdir='models')
    if weights is not None:
        model.load_weights(weights)
    return model


def classifier(x, include_top, pooling, classes, dense_name,
               top_pool_name='avg_pool', pool_names=(None, None),
               activation='softmax', weights=None):
    """The end of an application model: global average pooling and a
    Dense over `classes` with `activation` (tf.keras's
    `classifier_activation`, softmax by default) (include_top), else the
    optional 'avg' or 'max' global pooling (`pool_names` name those
    layers)."""
    from ..layers import GlobalAveragePooling2D, GlobalMaxPooling2D
    if include_top:
        x = GlobalAveragePooling2D(name=top_pool_name)(x)
        return top_dense(x, classes, activation, weights, dense_name)
    if pooling == 'avg':
        return GlobalAveragePooling2D(name=pool_names[0])(x)
    if pooling == 'max':
        return GlobalMaxPooling2D(name=pool_names[1])(x)
    return x


def validate_top_activation(activation, weights):
    """With pretrained weights the top's activation may only be softmax or
    None (linear), as in tf.keras."""
    from .efficientnet import _validate_activation
    _validate_activation(activation, weights)


def top_dense(x, classes, activation, weights, name):
    """The top Dense over `classes` with `activation`."""
    from ..layers import Dense
    validate_top_activation(activation, weights)
    return Dense(classes, activation=activation, name=name)(x)


def rows_cols(shape):
    """(rows, cols) of an image shape without the batch axis."""
    if K.image_data_format() == 'channels_first':
        return shape[1], shape[2]
    return shape[0], shape[1]


def default_square_size(input_shape, sizes):
    """The default input size of a model with ImageNet weights for square
    `sizes`: the given size when it is one of them, else 224."""
    if input_shape is None:
        return 224
    rows, cols = rows_cols(input_shape)
    return rows if rows == cols and rows in sizes else 224


def weights_size(rows, cols, sizes):
    """The size whose ImageNet weights load: the input's when they exist
    for it, else 224 (with Keras's warning)."""
    if rows == cols and rows in sizes:
        return rows
    warnings.warn('`input_shape` is undefined or non-square, or `rows` is '
                  'not in %s. Weights for input shape (224, 224) will be '
                  'loaded as the default.' % list(sizes))
    return 224


def named_factory(factory, name, module, doc):
    """`factory` presented as the application function `name` of `module`
    (its name, import path and docstring as `help()` and configs show)."""
    factory.__name__ = factory.__qualname__ = name
    factory.__module__ = module
    factory.__doc__ = doc
    return factory
