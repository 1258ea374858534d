"""`keras.preprocessing.text`: tokenizing and vectorizing text."""
import hashlib
import json
from collections import OrderedDict, defaultdict

import numpy as np

_DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


def text_to_word_sequence(text, filters=_DEFAULT_FILTERS, lower=True,
                          split=' '):
    """Lower-cases, replaces `filters` characters by `split` and splits."""
    if lower:
        text = text.lower()
    translate_map = str.maketrans({c: split for c in filters})
    text = text.translate(translate_map)
    return [i for i in text.split(split) if i]


def _plain_indices(seq):
    """The indices of `seq` (a list, numpy array or tensor) as Python
    numbers, so that they key the index dictionaries."""
    if hasattr(seq, 'tolist'):
        return seq.tolist()
    return [n.item() if hasattr(n, 'item') else n for n in seq]


def hashing_trick(text, n, hash_function=None, filters=_DEFAULT_FILTERS,
                  lower=True, split=' '):
    """Word indices in [1, n) from a hash of each word (`hash_function`
    None, 'md5' or a callable)."""
    if hash_function is None:
        hash_function = hash
    elif hash_function == 'md5':
        def hash_function(w):
            return int(hashlib.md5(w.encode()).hexdigest(), 16)
    seq = text_to_word_sequence(text, filters=filters, lower=lower,
                                split=split)
    return [(hash_function(w) % (n - 1) + 1) for w in seq]


def one_hot(text, n, filters=_DEFAULT_FILTERS, lower=True, split=' '):
    """Word indices in [1, n) via Python's hash (not unique)."""
    return hashing_trick(text, n, hash_function=hash, filters=filters,
                         lower=lower, split=split)


class Tokenizer(object):
    """Word (or character) index built from texts: `fit_on_texts`,
    `texts_to_sequences`, `texts_to_matrix` ('binary', 'count', 'tfidf',
    'freq'); indices by decreasing frequency from 1, `num_words` keeps the
    most frequent, `oov_token` replaces the rest."""

    def __init__(self, num_words=None, filters=_DEFAULT_FILTERS, lower=True,
                 split=' ', char_level=False, oov_token=None,
                 document_count=0, **kwargs):
        if 'nb_words' in kwargs:
            num_words = kwargs.pop('nb_words')
        if kwargs:
            raise TypeError('Unrecognized keyword arguments: ' + str(kwargs))
        self.word_counts = OrderedDict()
        self.word_docs = defaultdict(int)
        self.filters = filters
        self.split = split
        self.lower = lower
        self.num_words = num_words
        self.document_count = document_count
        self.char_level = char_level
        self.oov_token = oov_token
        self.index_docs = defaultdict(int)
        self.word_index = {}
        self.index_word = {}

    def _sequence_of(self, text):
        if self.char_level or isinstance(text, list):
            if self.lower:
                if isinstance(text, list):
                    text = [t.lower() for t in text]
                else:
                    text = text.lower()
            return text
        return text_to_word_sequence(text, self.filters, self.lower,
                                     self.split)

    def fit_on_texts(self, texts):
        for text in texts:
            self.document_count += 1
            seq = self._sequence_of(text)
            for w in seq:
                self.word_counts[w] = self.word_counts.get(w, 0) + 1
            for w in set(seq):
                self.word_docs[w] += 1
        wcounts = list(self.word_counts.items())
        wcounts.sort(key=lambda x: x[1], reverse=True)
        sorted_voc = [] if self.oov_token is None else [self.oov_token]
        sorted_voc.extend(wc[0] for wc in wcounts)
        self.word_index = dict(zip(sorted_voc,
                                   list(range(1, len(sorted_voc) + 1))))
        self.index_word = dict((c, w) for w, c in self.word_index.items())
        for w, c in list(self.word_docs.items()):
            self.index_docs[self.word_index[w]] = c

    def fit_on_sequences(self, sequences):
        self.document_count += len(sequences)
        for seq in sequences:
            for i in set(seq):
                self.index_docs[i] += 1

    def texts_to_sequences(self, texts):
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        num_words = self.num_words
        oov_token_index = self.word_index.get(self.oov_token)
        for text in texts:
            seq = self._sequence_of(text)
            vect = []
            for w in seq:
                i = self.word_index.get(w)
                if i is not None:
                    if num_words and i >= num_words:
                        if oov_token_index is not None:
                            vect.append(oov_token_index)
                    else:
                        vect.append(i)
                elif self.oov_token is not None:
                    vect.append(oov_token_index)
            yield vect

    def sequences_to_texts(self, sequences):
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        num_words = self.num_words
        oov_token_index = self.word_index.get(self.oov_token)
        for seq in sequences:
            vect = []
            for num in _plain_indices(seq):
                word = self.index_word.get(num)
                if word is not None:
                    if num_words and num >= num_words:
                        if oov_token_index is not None:
                            vect.append(self.index_word[oov_token_index])
                    else:
                        vect.append(word)
                elif self.oov_token is not None:
                    vect.append(self.index_word[oov_token_index])
            yield ' '.join(vect)

    def texts_to_matrix(self, texts, mode='binary'):
        return self.sequences_to_matrix(self.texts_to_sequences(texts),
                                        mode=mode)

    def sequences_to_matrix(self, sequences, mode='binary'):
        if not self.num_words:
            if self.word_index:
                num_words = len(self.word_index) + 1
            else:
                raise ValueError('Specify a dimension (`num_words` '
                                 'argument), or fit on some text data '
                                 'first.')
        else:
            num_words = self.num_words
        if mode == 'tfidf' and not self.document_count:
            raise ValueError('Fit the Tokenizer on some data before using '
                             'tfidf mode.')
        x = np.zeros((len(sequences), num_words))
        for i, seq in enumerate(sequences):
            if not seq:
                continue
            counts = defaultdict(int)
            for j in seq:
                if j >= num_words:
                    continue
                counts[j] += 1
            for j, c in list(counts.items()):
                if mode == 'count':
                    x[i][j] = c
                elif mode == 'freq':
                    x[i][j] = c / len(seq)
                elif mode == 'binary':
                    x[i][j] = 1
                elif mode == 'tfidf':
                    tf = 1 + np.log(c)
                    idf = np.log(1 + self.document_count /
                                 (1 + self.index_docs.get(j, 0)))
                    x[i][j] = tf * idf
                else:
                    raise ValueError('Unknown vectorization mode:', mode)
        return x

    def get_config(self):
        return {
            'num_words': self.num_words, 'filters': self.filters,
            'lower': self.lower, 'split': self.split,
            'char_level': self.char_level, 'oov_token': self.oov_token,
            'document_count': self.document_count,
            'word_counts': json.dumps(self.word_counts),
            'word_docs': json.dumps(self.word_docs),
            'index_docs': json.dumps(self.index_docs),
            'index_word': json.dumps(self.index_word),
            'word_index': json.dumps(self.word_index),
        }

    def to_json(self, **kwargs):
        """The tokenizer as JSON (`tokenizer_from_json` reads it back)."""
        return json.dumps({'class_name': self.__class__.__name__,
                           'config': self.get_config()}, **kwargs)


def tokenizer_from_json(json_string):
    """A Tokenizer from `Tokenizer.to_json()` output."""
    tokenizer_config = json.loads(json_string)
    config = tokenizer_config.get('config')
    word_counts = json.loads(config.pop('word_counts'))
    word_docs = json.loads(config.pop('word_docs'))
    index_docs = json.loads(config.pop('index_docs'))
    index_docs = {int(k): v for k, v in index_docs.items()}
    index_word = json.loads(config.pop('index_word'))
    index_word = {int(k): v for k, v in index_word.items()}
    word_index = json.loads(config.pop('word_index'))
    tokenizer = Tokenizer(**config)
    tokenizer.word_counts = OrderedDict(word_counts)
    tokenizer.word_docs = defaultdict(int, word_docs)
    tokenizer.index_docs = defaultdict(int, index_docs)
    tokenizer.word_index = word_index
    tokenizer.index_word = index_word
    return tokenizer
