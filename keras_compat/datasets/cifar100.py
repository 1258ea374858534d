"""CIFAR-100: 32x32 colour images of 100 fine (20 coarse) classes."""
import os

import numpy as np

from .. import backend as K
from ._cache import cached_file
from .cifar import load_batch


def load_data(label_mode='fine'):
    """((x_train, y_train), (x_test, y_test)); `label_mode` 'fine' or
    'coarse'."""
    if label_mode not in ['fine', 'coarse']:
        raise ValueError('`label_mode` must be one of `"fine"`, '
                         '`"coarse"`.')
    dirname = 'cifar-100-python'
    path = cached_file(dirname,
                       origin='https://www.cs.toronto.edu/~kriz/'
                              'cifar-100-python.tar.gz', untar=True)
    x_train, y_train = load_batch(os.path.join(path, 'train'),
                                  label_key=label_mode + '_labels')
    x_test, y_test = load_batch(os.path.join(path, 'test'),
                                label_key=label_mode + '_labels')
    y_train = np.reshape(y_train, (len(y_train), 1))
    y_test = np.reshape(y_test, (len(y_test), 1))
    if K.image_data_format() == 'channels_last':
        x_train = x_train.transpose(0, 2, 3, 1)
        x_test = x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
