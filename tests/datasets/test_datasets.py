"""keras.datasets loaders read the files Keras caches, in Keras's layout."""
import gzip
import json
import pickle
import tarfile

import numpy as np
import pytest

import keras_compat as keras


rng = np.random.RandomState(0)


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv('KERAS_HOME', str(tmp_path))
    (tmp_path / 'datasets').mkdir()
    return tmp_path / 'datasets'


def test_mnist_from_cache(keras_home):
    np.savez(str(keras_home / 'mnist.npz'),
             x_train=rng.randint(0, 255, (6, 28, 28)).astype(np.uint8),
             y_train=np.arange(6, dtype=np.uint8),
             x_test=rng.randint(0, 255, (2, 28, 28)).astype(np.uint8),
             y_test=np.arange(2, dtype=np.uint8))
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    assert x_train.shape == (6, 28, 28) and x_train.dtype == np.uint8
    assert y_test.tolist() == [0, 1]


def test_fashion_mnist_idx_files(keras_home):
    folder = keras_home / 'fashion-mnist'
    folder.mkdir()
    for prefix, n in (('train', 5), ('t10k', 3)):
        with gzip.open(str(folder / ('%s-labels-idx1-ubyte.gz' % prefix)),
                       'wb') as f:
            f.write(b'\x00' * 8 + bytes(range(n)))
        with gzip.open(str(folder / ('%s-images-idx3-ubyte.gz' % prefix)),
                       'wb') as f:
            f.write(b'\x00' * 16 + bytes(n * 28 * 28))
    (x_train, y_train), (x_test, y_test) = \
        keras.datasets.fashion_mnist.load_data()
    assert x_train.shape == (5, 28, 28) and y_test.tolist() == [0, 1, 2]


def _cifar_batch(path, n, label_key='labels'):
    with open(path, 'wb') as f:
        pickle.dump({b'data': rng.randint(0, 255, (n, 3072)).astype(
            np.uint8), label_key.encode(): list(range(n))}, f)


def test_cifar10_from_extracted_batches(keras_home):
    folder = keras_home / 'cifar-10-batches-py'
    folder.mkdir()
    for i in range(1, 6):
        _cifar_batch(str(folder / ('data_batch_%d' % i)), 2)
    _cifar_batch(str(folder / 'test_batch'), 3)
    (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
    assert x_train.shape == (10, 32, 32, 3) and y_train.shape == (10, 1)
    assert x_test.shape == (3, 32, 32, 3)


def test_cifar100_from_tarball(keras_home, tmp_path):
    src = tmp_path / 'src' / 'cifar-100-python'
    src.mkdir(parents=True)
    for name, n in (('train', 4), ('test', 2)):
        with open(str(src / name), 'wb') as f:
            pickle.dump({b'data': np.zeros((n, 3072), np.uint8),
                         b'fine_labels': list(range(n)),
                         b'coarse_labels': [0] * n}, f)
    with tarfile.open(str(keras_home / 'cifar-100-python.tar.gz'),
                      'w:gz') as tar:
        tar.add(str(src), arcname='cifar-100-python')
    (x, y), (xt, yt) = keras.datasets.cifar100.load_data(label_mode='coarse')
    assert x.shape == (4, 32, 32, 3) and y.ravel().tolist() == [0] * 4


def test_imdb_and_reuters_conventions(keras_home):
    train = [[5, 6, 7], [8, 9, 10, 11, 12], [4]]
    test = [[13, 14], [15]]
    np.savez(str(keras_home / 'imdb.npz'),
             x_train=np.array(train, dtype=object), y_train=np.array([1, 0,
                                                                      1]),
             x_test=np.array(test, dtype=object), y_test=np.array([0, 1]))
    (x_train, y_train), (x_test, y_test) = keras.datasets.imdb.load_data(
        num_words=12, maxlen=5)
    for seq in list(x_train) + list(x_test):
        assert seq[0] == 1
        assert all(w == 2 or 3 <= w < 12 for w in seq[1:])
        assert len(seq) < 5
    assert len(x_train) == 2 and len(x_test) == 2
    with open(str(keras_home / 'imdb_word_index.json'), 'w') as f:
        json.dump({'the': 1, 'movie': 2}, f)
    assert keras.datasets.imdb.get_word_index()['movie'] == 2
    np.savez(str(keras_home / 'reuters.npz'),
             x=np.array([[1, 2]] * 10, dtype=object), y=np.arange(10))
    (x_train, y_train), (x_test, y_test) = keras.datasets.reuters.load_data(
        test_split=0.2)
    assert len(x_train) == 8 and len(x_test) == 2
    # Keras makes the largest index out-of-vocabulary when num_words=None.
    assert list(x_train[0]) == [1, 4, 2]


def test_boston_housing(keras_home):
    np.savez(str(keras_home / 'boston_housing.npz'),
             x=rng.rand(10, 13), y=rng.rand(10))
    (x_train, y_train), (x_test, y_test) = \
        keras.datasets.boston_housing.load_data()
    assert x_train.shape == (8, 13) and x_test.shape == (2, 13)
