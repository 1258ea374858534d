"""Numpy helpers of `keras.utils.np_utils`."""
import numpy as np


class ClassIndexError(IndexError, ValueError):
    """A class index outside [-num_classes, num_classes): numpy's
    IndexError in Keras 2, a ValueError as well."""


def to_categorical(y, num_classes=None, dtype='float32'):
    """One-hot encodes integer class labels: shape (..., num_classes).

    As in Keras 2 (which indexes a numpy array with the labels), a
    negative label counts from the last class: -1 is class
    `num_classes - 1`; `num_classes` defaults to `max(y) + 1`."""
    y = np.array(y, dtype='int')
    input_shape = y.shape
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = tuple(input_shape[:-1])
    y = y.ravel()
    if not num_classes:
        num_classes = np.max(y) + 1
    if y.size and (y.max() >= num_classes or y.min() < -num_classes):
        bad = y.max() if y.max() >= num_classes else y.min()
        raise ClassIndexError('`to_categorical` got the class index %d in '
                              '`y`, outside the %d classes of '
                              '`num_classes=%d`.'
                              % (bad, num_classes, num_classes))
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


def to_ordinal(y, num_classes=None, dtype='float32'):
    """tf.keras 2.x: the ordinal-regression encoding of class integers: row
    `c` holds `c` ones then zeros, over `num_classes - 1` columns (a
    trailing axis of size 1 is dropped, as by `to_categorical`)."""
    y = np.array(y, dtype='int')
    input_shape = y.shape
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = tuple(input_shape[:-1])
    y = y.reshape(-1)
    if not num_classes:
        num_classes = np.max(y) + 1
    ordinal = (np.arange(num_classes - 1)[None, :] < y[:, None]).astype(dtype)
    return ordinal.reshape(input_shape + (num_classes - 1,))
