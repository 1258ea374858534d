"""Boston housing prices: 13 features, 506 samples."""
import numpy as np

from ._cache import cached_file


def load_data(path='boston_housing.npz', test_split=0.2, seed=113):
    """((x_train, y_train), (x_test, y_test)) after a seeded shuffle."""
    assert 0 <= test_split < 1
    path = cached_file(path,
                       origin='https://s3.amazonaws.com/keras-datasets/'
                              'boston_housing.npz',
                       file_hash='f553886a1f8d56431e820c5b82552d9d')
    with np.load(path, allow_pickle=True) as f:
        x = f['x']
        y = f['y']
    rng = np.random.RandomState(seed)
    indices = np.arange(len(x))
    rng.shuffle(indices)
    x, y = x[indices], y[indices]
    split = int(len(x) * (1 - test_split))
    x_train, y_train = np.array(x[:split]), np.array(y[:split])
    x_test, y_test = np.array(x[split:]), np.array(y[split:])
    return (x_train, y_train), (x_test, y_test)
