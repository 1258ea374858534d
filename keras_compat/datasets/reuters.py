"""Reuters newswire topics: 11,228 word-index sequences in 46 topics."""
import numpy as np

from ._cache import cached_file
from ._sequences import encode, split, word_index


def load_data(path='reuters.npz', num_words=None, skip_top=0, maxlen=None,
              test_split=0.2, seed=113, start_char=1, oov_char=2,
              index_from=3, **kwargs):
    """((x_train, y_train), (x_test, y_test)), the last `test_split` of the
    shuffled data being the test set."""
    if 'nb_words' in kwargs:
        num_words = kwargs.pop('nb_words')
    if kwargs:
        raise TypeError('Unrecognized keyword arguments: ' + str(kwargs))
    path = cached_file(path,
                       origin='https://s3.amazonaws.com/text-datasets/'
                              'reuters.npz',
                       file_hash='87aedbeb0cb229e378797a632c1997b6')
    with np.load(path, allow_pickle=True) as f:
        xs, labels = f['x'], f['y']
    rng = np.random.RandomState(seed)
    indices = np.arange(len(xs))
    rng.shuffle(indices)
    xs, labels = xs[indices], labels[indices]
    xs, labels = encode(list(xs), labels, num_words, skip_top, maxlen,
                        start_char, oov_char, index_from)
    idx = int(len(xs) * (1 - test_split))
    return split(xs, labels, idx)


def get_word_index(path='reuters_word_index.json'):
    """The word -> index dictionary of the Reuters dataset."""
    return word_index(path, 'reuters_word_index.json',
                      '4d44cc38712099c9e383dc6e5f11a921')


def get_label_names():
    """tf.keras 2.x: the names of the 46 topics, in label order."""
    return ('cocoa', 'grain', 'veg-oil', 'earn', 'acq', 'wheat', 'copper',
            'housing', 'money-supply', 'coffee', 'sugar', 'trade',
            'reserves', 'ship', 'cotton', 'carcass', 'crude', 'nat-gas',
            'cpi', 'money-fx', 'interest', 'gnp', 'meal-feed', 'alum',
            'oilseed', 'gold', 'tin', 'strategic-metal', 'livestock',
            'retail', 'ipi', 'iron-steel', 'rubber', 'heat', 'jobs', 'lei',
            'bop', 'zinc', 'orange', 'pet-chem', 'dlr', 'gas', 'silver',
            'wpi', 'hog', 'lead')
