"""CIFAR-10: 50,000 training and 10,000 test 32x32 colour images of 10
classes."""
import os

import numpy as np

from .. import backend as K
from ._cache import cached_file
from .cifar import load_batch


def load_data():
    """((x_train, y_train), (x_test, y_test)); images channels-last unless
    `K.image_data_format()` is channels_first; labels (N, 1) uint8."""
    dirname = 'cifar-10-batches-py'
    path = cached_file(dirname,
                       origin='https://www.cs.toronto.edu/~kriz/'
                              'cifar-10-python.tar.gz', untar=True)
    num_train_samples = 50000
    x_train = np.empty((num_train_samples, 3, 32, 32), dtype='uint8')
    y_train = np.empty((num_train_samples,), dtype='uint8')
    batches = sorted(f for f in os.listdir(path)
                     if f.startswith('data_batch_'))
    offset = 0
    for name in batches:
        data, labels = load_batch(os.path.join(path, name))
        n = data.shape[0]
        if offset + n > len(x_train):
            x_train = np.concatenate([x_train[:offset], data])
            y_train = np.concatenate([y_train[:offset], labels])
        else:
            x_train[offset:offset + n] = data
            y_train[offset:offset + n] = labels
        offset += n
    x_train, y_train = x_train[:offset], y_train[:offset]
    x_test, y_test = load_batch(os.path.join(path, 'test_batch'))
    y_train = np.reshape(y_train, (len(y_train), 1))
    y_test = np.reshape(np.asarray(y_test, dtype='uint8'),
                        (len(y_test), 1))
    if K.image_data_format() == 'channels_last':
        x_train = x_train.transpose(0, 2, 3, 1)
        x_test = x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
