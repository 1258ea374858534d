"""ImageNet helpers shared by the application models: `preprocess_input`
in its three Keras modes and `decode_predictions`."""
import json
import warnings

import numpy as np
import torch

from .. import backend as K
from ..utils.data_utils import get_file

CLASS_INDEX_PATH = ('https://s3.amazonaws.com/deep-learning-models/'
                    'image-models/imagenet_class_index.json')
_CLASS_INDEX = None

_CAFFE_MEAN = (103.939, 116.779, 123.68)          # B, G, R
_TORCH_MEAN = (0.485, 0.456, 0.406)
_TORCH_STD = (0.229, 0.224, 0.225)


def preprocess_input(x, data_format=None, mode='caffe', **kwargs):
    """Scales a batch of RGB images (0-255) the way a model's ImageNet
    weights expect:
    - 'caffe': RGB -> BGR, minus the ImageNet BGR mean, no scaling;
    - 'tf': scaled to [-1, 1];
    - 'torch': scaled to [0, 1], then normalised by the ImageNet mean and
      standard deviation.
    A float numpy array is changed in place and returned (its 'caffe'
    result is a channel-reversed view of it), as Keras does; other numpy
    input gives a new float array; a tensor gives a new tensor."""
    if mode not in ('caffe', 'tf', 'torch'):
        raise ValueError('Unknown mode ' + str(mode))
    data_format = K.normalize_data_format(data_format)
    if data_format not in ('channels_first', 'channels_last'):
        raise ValueError('Unknown data_format ' + str(data_format))
    if getattr(x, '_is_keras_symbolic', False):
        return _preprocess_symbolic(x, data_format, mode)
    if isinstance(x, torch.Tensor):
        if not x.is_floating_point():
            x = x.to(K.torch_dtype(K.floatx()))
        return _preprocess_tensor(x, data_format, mode)
    x = np.asarray(x)
    if not issubclass(x.dtype.type, np.floating):
        x = x.astype(K.floatx())
    return _preprocess_numpy(x, data_format, mode)


def _channel_axis(x, data_format):
    if data_format == 'channels_last':
        return x.ndim - 1
    return 0 if x.ndim == 3 else 1


def _broadcast(values, x, data_format):
    shape = [1] * x.ndim
    shape[_channel_axis(x, data_format)] = 3
    return np.asarray(values, dtype=x.dtype).reshape(shape)


def _preprocess_numpy(x, data_format, mode):
    """In place, as Keras: the result shares the caller's float array."""
    if mode == 'tf':
        x /= 127.5
        x -= 1.
        return x
    if mode == 'torch':
        x /= 255.
        x -= _broadcast(_TORCH_MEAN, x, data_format)
        x /= _broadcast(_TORCH_STD, x, data_format)
        return x
    x = np.flip(x, _channel_axis(x, data_format))
    x -= _broadcast(_CAFFE_MEAN, x, data_format)
    return x


def _preprocess_tensor(x, data_format, mode):
    if mode == 'tf':
        return x / 127.5 - 1.
    axis = _channel_axis(x, data_format)
    shape = [1] * x.ndim
    shape[axis] = 3

    def constant(values):
        return torch.tensor(values, dtype=x.dtype,
                            device=x.device).reshape(shape)
    if mode == 'torch':
        return (x / 255. - constant(_TORCH_MEAN)) / constant(_TORCH_STD)
    return torch.flip(x, [axis]) - constant(_CAFFE_MEAN)


def _preprocess_symbolic(x, data_format, mode):
    """A model's input preprocessed as tf.keras does it for a symbolic
    tensor: operations recorded as layers of the model ('caffe': the
    channels reversed, then a `tf.nn.bias_add` of minus the mean)."""
    from .. import tensorflow_compat as tf
    if mode == 'tf':
        return x / 127.5 - 1.
    if mode == 'torch':
        x = x / 255.
        mean, std = _TORCH_MEAN, _TORCH_STD
    else:
        if data_format == 'channels_first':
            x = x[::-1, ...] if len(x.shape) == 3 else x[:, ::-1, ...]
        else:
            x = x[..., ::-1]
        mean, std = _CAFFE_MEAN, None
    x = tf.nn.bias_add(x, -np.asarray(mean, dtype=K.floatx()),
                       data_format=_bias_format(data_format))
    if std is not None:
        x = x / np.asarray(std, dtype=K.floatx())
    return x


def _bias_format(data_format):
    return 'NCHW' if data_format == 'channels_first' else 'NHWC'


def decode_predictions(preds, top=5, **kwargs):
    """The `top` ImageNet classes of each prediction, as lists of
    (class_name, class_description, score), best first. The class index
    is downloaded once to `~/.keras/models/imagenet_class_index.json`."""
    global _CLASS_INDEX
    if isinstance(preds, torch.Tensor):
        preds = preds.detach().cpu().numpy()
    preds = np.asarray(preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError('`decode_predictions` expects a batch of '
                         'predictions (i.e. a 2D array of shape (samples, '
                         '1000)). Found array with shape: ' +
                         str(preds.shape))
    if _CLASS_INDEX is None:
        path = get_file('imagenet_class_index.json', CLASS_INDEX_PATH,
                        cache_subdir='models')
        with open(path) as f:
            _CLASS_INDEX = json.load(f)
    results = []
    for pred in preds:
        top_indices = pred.argsort()[-top:][::-1]
        result = [tuple(_CLASS_INDEX[str(i)]) + (pred[i],)
                  for i in top_indices]
        result.sort(key=lambda item: item[2], reverse=True)
        results.append(result)
    return results


def _obtain_input_shape(input_shape, default_size, min_size, data_format,
                        require_flatten, weights=None):
    """The model's input shape from the user's, with Keras 2's checks."""
    channels_first = data_format == 'channels_first'
    if weights != 'imagenet' and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if channels_first else input_shape[-1]
        if channels not in {1, 3}:
            warnings.warn('This model usually expects 1 or 3 input '
                          'channels. However, it was passed an input_shape '
                          'with ' + str(channels) + ' input channels.')
        default_shape = (channels, default_size, default_size) if \
            channels_first else (default_size, default_size, channels)
    else:
        default_shape = (3, default_size, default_size) if channels_first \
            else (default_size, default_size, 3)
    if weights == 'imagenet' and require_flatten:
        if input_shape is not None and tuple(input_shape) != default_shape:
            raise ValueError('When setting`include_top=True` and loading '
                             '`imagenet` weights, `input_shape` should be ' +
                             str(default_shape) + '.')
        return default_shape
    if input_shape:
        input_shape = tuple(input_shape)
        if len(input_shape) != 3:
            raise ValueError('`input_shape` must be a tuple of three '
                             'integers.')
        channels = input_shape[0] if channels_first else input_shape[-1]
        sizes = input_shape[1:] if channels_first else input_shape[:2]
        if channels != 3 and weights == 'imagenet':
            raise ValueError('The input must have 3 channels; got '
                             '`input_shape=' + str(input_shape) + '`')
        if any(s is not None and s < min_size for s in sizes):
            raise ValueError('Input size must be at least ' + str(min_size) +
                             'x' + str(min_size) + '; got `input_shape=' +
                             str(input_shape) + '`')
    else:
        input_shape = default_shape if require_flatten else (
            (3, None, None) if channels_first else (None, None, 3))
    if require_flatten and None in input_shape:
        raise ValueError('If `include_top` is True, you should specify a '
                         'static `input_shape`. Got `input_shape=' +
                         str(input_shape) + '`')
    return input_shape
