"""Numpy helpers of `keras.utils.np_utils`."""
import numpy as np


def to_categorical(y, num_classes=None, dtype='float32'):
    """One-hot encodes integer class labels: shape (..., num_classes)."""
    y = np.array(y, dtype='int')
    input_shape = y.shape
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = tuple(input_shape[:-1])
    y = y.ravel()
    if y.size and y.min() < 0:
        # numpy would index from the end: the wrong class, silently.
        raise ValueError('`to_categorical` got the negative class index %d '
                         'in `y`; class indices are integers in [0, '
                         'num_classes).' % y.min())
    if not num_classes:
        num_classes = np.max(y) + 1
    elif y.size and y.max() >= num_classes:
        raise ValueError('`to_categorical` got the class index %d in `y`, '
                         'which is not below `num_classes=%d`.'
                         % (y.max(), num_classes))
    n = y.shape[0]
    categorical = np.zeros((n, num_classes), dtype=dtype)
    categorical[np.arange(n), y] = 1
    output_shape = input_shape + (num_classes,)
    return np.reshape(categorical, output_shape)


def normalize(x, axis=-1, order=2):
    """Scales `x` to unit `order`-norm along `axis`."""
    l2 = np.atleast_1d(np.linalg.norm(x, order, axis))
    l2[l2 == 0] = 1
    return x / np.expand_dims(l2, axis)


def to_channels_first(x):
    return np.moveaxis(x, -1, 1)
