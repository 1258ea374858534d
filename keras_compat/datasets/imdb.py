"""IMDB movie reviews (25,000 train / 25,000 test) as word-index
sequences with binary sentiment labels."""
import numpy as np

from ._cache import cached_file
from ._sequences import encode, split, word_index


def load_data(path='imdb.npz', num_words=None, skip_top=0, maxlen=None,
              seed=113, start_char=1, oov_char=2, index_from=3, **kwargs):
    """((x_train, y_train), (x_test, y_test)) with Keras's conventions:
    0 padding, 1 start, 2 out-of-vocabulary, words from `index_from`."""
    if 'nb_words' in kwargs:
        num_words = kwargs.pop('nb_words')
    if kwargs:
        raise TypeError('Unrecognized keyword arguments: ' + str(kwargs))
    path = cached_file(path,
                       origin='https://s3.amazonaws.com/text-datasets/'
                              'imdb.npz',
                       file_hash='599dadb1135973df5b59232a0e9a887c')
    with np.load(path, allow_pickle=True) as f:
        x_train, labels_train = f['x_train'], f['y_train']
        x_test, labels_test = f['x_test'], f['y_test']
    rng = np.random.RandomState(seed)
    indices = np.arange(len(x_train))
    rng.shuffle(indices)
    x_train, labels_train = x_train[indices], labels_train[indices]
    indices = np.arange(len(x_test))
    rng.shuffle(indices)
    x_test, labels_test = x_test[indices], labels_test[indices]
    xs = list(x_train) + list(x_test)
    labels = np.concatenate([labels_train, labels_test])
    n_train = len(x_train)
    if maxlen:
        train_kept = sum(1 for x in xs[:n_train] if len(x) + (
            1 if start_char is not None else 0) < maxlen)
    xs, labels = encode(xs, labels, num_words, skip_top, maxlen, start_char,
                        oov_char, index_from)
    idx = train_kept if maxlen else n_train
    return split(xs, labels, idx)


def get_word_index(path='imdb_word_index.json'):
    """The word -> index dictionary of the IMDB dataset."""
    return word_index(path, 'imdb_word_index.json',
                      'bfafd718b763782e994055a2d397834f')
