"""`--quick` support for the examples: small synthetic datasets written in
the standard Keras file formats into a temporary Keras cache, so an
example runs end to end in seconds without downloads."""
import atexit
import os
import pickle
import shutil
import sys
import tempfile

import numpy as np


def is_quick():
    return '--quick' in sys.argv


def _cache():
    home = tempfile.mkdtemp(prefix='keras_quick_')
    atexit.register(shutil.rmtree, home, True)
    os.environ['KERAS_HOME'] = home
    folder = os.path.join(home, 'datasets')
    os.makedirs(folder)
    return folder


def mnist(n_train=512, n_test=128):
    rng = np.random.RandomState(0)
    folder = _cache()
    labels = rng.randint(10, size=n_train + n_test).astype(np.uint8)
    images = rng.randint(0, 60, (n_train + n_test, 28, 28)).astype(np.uint8)
    for i, label in enumerate(labels):
        images[i, 2 * label:2 * label + 6, 4:24] = 255
    np.savez(os.path.join(folder, 'mnist.npz'), x_train=images[:n_train],
             y_train=labels[:n_train], x_test=images[n_train:],
             y_test=labels[n_train:])


def cifar10(n_per_batch=64, n_test=64):
    rng = np.random.RandomState(0)
    folder = os.path.join(_cache(), 'cifar-10-batches-py')
    os.makedirs(folder)
    names = ['data_batch_%d' % i for i in range(1, 6)] + ['test_batch']
    for name in names:
        n = n_test if name == 'test_batch' else n_per_batch
        labels = rng.randint(10, size=n)
        data = rng.randint(0, 80, (n, 3, 32, 32)).astype(np.uint8)
        for i, label in enumerate(labels):
            data[i, label % 3, 3 * label:3 * label + 3, :] = 255
        with open(os.path.join(folder, name), 'wb') as f:
            pickle.dump({b'data': data.reshape(n, 3072),
                         b'labels': labels.tolist()}, f)


def _word_sequences(rng, n, vocab, classes):
    labels = rng.randint(classes, size=n)
    seqs = []
    for label in labels:
        length = rng.randint(10, 60)
        words = rng.randint(1, vocab, size=length)
        words[::5] = 1 + label
        seqs.append(words.tolist())
    return np.array(seqs, dtype=object), labels


def imdb(n=400):
    rng = np.random.RandomState(0)
    folder = _cache()
    x, y = _word_sequences(rng, 2 * n, 2000, 2)
    np.savez(os.path.join(folder, 'imdb.npz'), x_train=x[:n], y_train=y[:n],
             x_test=x[n:], y_test=y[n:])


def reuters(n=600, classes=46):
    rng = np.random.RandomState(0)
    folder = _cache()
    x, y = _word_sequences(rng, n, 1000, classes)
    np.savez(os.path.join(folder, 'reuters.npz'), x=x, y=y)


def nietzsche(chars=3000):
    rng = np.random.RandomState(0)
    folder = _cache()
    words = ['the', 'will', 'to', 'power', 'truth', 'is', 'a', 'woman',
             'supposing', 'that', 'what', 'then']
    text = ' '.join(rng.choice(words, size=chars // 4))
    with open(os.path.join(folder, 'nietzsche.txt'), 'w') as f:
        f.write(text)
