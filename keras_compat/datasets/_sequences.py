"""Index conventions shared by the IMDB and Reuters datasets."""
import json

import numpy as np


def as_object_array(seqs):
    out = np.empty(len(seqs), dtype=object)
    for i, s in enumerate(seqs):
        out[i] = s
    return out


def encode(xs, labels, num_words, skip_top, maxlen, start_char, oov_char,
           index_from):
    """Adds the start character and index offset, drops sequences of
    `maxlen` or more steps, and maps rare words to `oov_char`."""
    if start_char is not None:
        xs = [[start_char] + [w + index_from for w in x] for x in xs]
    elif index_from:
        xs = [[w + index_from for w in x] for x in xs]
    else:
        xs = [list(x) for x in xs]
    if maxlen:
        kept = [(x, y) for x, y in zip(xs, labels) if len(x) < maxlen]
        xs = [x for x, _ in kept]
        labels = np.asarray([y for _, y in kept])
        if not xs:
            raise ValueError('After filtering for sequences shorter than '
                             'maxlen=' + str(maxlen) + ', no sequence was '
                             'kept. Increase maxlen.')
    if not num_words:
        num_words = max([max(x) for x in xs])
    if oov_char is not None:
        xs = [[w if (skip_top <= w < num_words) else oov_char for w in x]
              for x in xs]
    else:
        xs = [[w for w in x if skip_top <= w < num_words] for x in xs]
    return xs, labels


def split(xs, labels, idx):
    """((x_train, y_train), (x_test, y_test)) split at index `idx`."""
    return ((as_object_array(xs[:idx]), np.array(labels[:idx])),
            (as_object_array(xs[idx:]), np.array(labels[idx:])))


def word_index(path, remote_name, file_hash):
    """A word -> index dictionary from the Keras text-datasets bucket,
    cached under `path`."""
    from ._cache import cached_file
    path = cached_file(path, origin='https://s3.amazonaws.com/text-datasets/'
                       + remote_name, file_hash=file_hash)
    with open(path) as f:
        return json.load(f)
