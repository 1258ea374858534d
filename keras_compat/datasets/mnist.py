"""MNIST handwritten digits: 60,000 training and 10,000 test 28x28 uint8
images with labels 0-9."""
import numpy as np

from ._cache import cached_file


def load_data(path='mnist.npz'):
    """((x_train, y_train), (x_test, y_test)) from `mnist.npz`."""
    path = cached_file(path,
                       origin='https://s3.amazonaws.com/img-datasets/'
                              'mnist.npz',
                       file_hash='8a61469f7ea1b51cbae51d4f78837e45')
    with np.load(path, allow_pickle=True) as f:
        x_train, y_train = f['x_train'], f['y_train']
        x_test, y_test = f['x_test'], f['y_test']
    return (x_train, y_train), (x_test, y_test)
