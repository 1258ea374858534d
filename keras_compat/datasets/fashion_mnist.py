"""Fashion-MNIST: 28x28 grayscale images of 10 clothing classes."""
import gzip
import os

import numpy as np

from ._cache import cached_file

_BASE = 'https://storage.googleapis.com/tensorflow/tf-keras-datasets/'
_FILES = ['train-labels-idx1-ubyte.gz', 'train-images-idx3-ubyte.gz',
          't10k-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz']


def load_data():
    """((x_train, y_train), (x_test, y_test)) from the four idx files in
    `datasets/fashion-mnist`."""
    paths = [cached_file(f, origin=_BASE + f,
                         cache_subdir=os.path.join('datasets',
                                                   'fashion-mnist'))
             for f in _FILES]
    with gzip.open(paths[0], 'rb') as lbpath:
        y_train = np.frombuffer(lbpath.read(), np.uint8, offset=8)
    with gzip.open(paths[1], 'rb') as imgpath:
        x_train = np.frombuffer(imgpath.read(), np.uint8,
                                offset=16).reshape(len(y_train), 28, 28)
    with gzip.open(paths[2], 'rb') as lbpath:
        y_test = np.frombuffer(lbpath.read(), np.uint8, offset=8)
    with gzip.open(paths[3], 'rb') as imgpath:
        x_test = np.frombuffer(imgpath.read(), np.uint8,
                               offset=16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)
