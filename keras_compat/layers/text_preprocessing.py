"""tf.keras 2.x's `TextVectorization` (tf_keras layers/preprocessing/
text_vectorization.py) and the string ops it runs, with the lookup layers
(lookup.py) re-exported.

Strings cannot be torch tensors: text is a numpy array of UTF-8 bytes (as
the TensorFlow stand-in's string constants are) until the vocabulary
lookup turns it into int64 indices. A batch split into tokens, ragged in
TensorFlow, is a list of token lists here."""
import re

import numpy as np
import torch

from .. import backend as K
from ..engine.base_layer import Layer
from ..utils import farmhash
from .lookup import (COUNT, INT, MULTI_HOT, TF_IDF, Hashing, IntegerLookup,
                     StringLookup, adapt_on_strings, call_on_strings,
                     is_string_data, string_array)
from .preprocessing import (ONE_HOT, PreprocessingLayer, _as_tensor,
                            _categorical_output_shape, _check_output_mode,
                            _output_dtype, _refuse_sparse,
                            encode_categorical)

__all__ = ['TextVectorization', 'StringLookup', 'IntegerLookup', 'Hashing',
           'HashedCrossing']

LOWER_AND_STRIP_PUNCTUATION = 'lower_and_strip_punctuation'
STRIP_PUNCTUATION = 'strip_punctuation'
LOWER = 'lower'
WHITESPACE = 'whitespace'
CHARACTER = 'character'

DEFAULT_STRIP_REGEX = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'
# (The class holds ASCII only, so on UTF-8 bytes it matches what RE2 does.)
_STRIP = re.compile(DEFAULT_STRIP_REGEX.encode('ascii'))


# ------------------------------------------------------------- crossing
class HashedCrossing(Layer):
    """tf.keras's `HashedCrossing(num_bins, output_mode='int',
    sparse=False)`: two or more integer features of equal shape ([],
    [batch] or [batch, 1]) crossed by `tf.sparse.cross_hashed` (the
    FingerprintCat64 chain of the values, seeded with 0xDECAFCAFFE; a
    string enters by its Fingerprint64) modulo `num_bins`; int64 bins in
    'int' mode, float rows of num_bins in 'one_hot'. `sparse=True` is not
    supported."""

    def __init__(self, num_bins, output_mode=INT, sparse=False, **kwargs):
        kwargs = _output_dtype(kwargs, output_mode)
        super(HashedCrossing, self).__init__(**kwargs)
        _check_output_mode(output_mode, (INT, ONE_HOT), 'HashedCrossing')
        _refuse_sparse(sparse, output_mode, 'HashedCrossing', (ONE_HOT,))
        self.num_bins = num_bins
        self.output_mode = output_mode
        self.sparse = sparse

    def __call__(self, inputs, *args, **kwargs):
        _check_at_least_two_inputs(inputs)
        if any(is_string_data(x) for x in inputs):
            return call_on_strings_and_numbers(self, list(inputs), args,
                                               kwargs)
        return super(HashedCrossing, self).__call__(
            list(inputs), *args, **kwargs)

    def call(self, inputs):
        tensors = [string_array(x) if is_string_data(x) else _as_tensor(x)
                   for x in inputs]
        _check_crossing_inputs(tensors)
        shape = tuple(tensors[0].shape)
        columns = [x.reshape(-1) if isinstance(x, np.ndarray) else
                   x.detach().cpu().numpy().reshape(-1) for x in tensors]
        bins = farmhash.cross_hashed(columns, self.num_bins)
        bins = torch.as_tensor(bins.reshape(shape), device=K.get_device())
        return encode_categorical(bins, self.output_mode, self.num_bins,
                                  self.dtype)

    def compute_output_shape(self, input_shape):
        _check_at_least_two_inputs(input_shape)
        return _categorical_output_shape(input_shape[0], self.output_mode,
                                         self.num_bins)

    def get_config(self):
        config = super(HashedCrossing, self).get_config()
        config.update({'num_bins': self.num_bins,
                       'output_mode': self.output_mode,
                       'sparse': self.sparse})
        return config


def call_on_strings_and_numbers(layer, inputs, args, kwargs):
    """A layer's call on a list of features some of which are strings:
    the strings as numpy arrays of bytes, the others as tensors."""
    values = [string_array(x) if is_string_data(x) else _as_tensor(x)
              for x in inputs]
    if not layer.built:
        layer._maybe_build([(None,) + tuple(v.shape[1:]) for v in values])
    return layer.call(values, *args, **kwargs)


def _check_at_least_two_inputs(inputs):
    if not isinstance(inputs, (list, tuple)):
        raise ValueError(
            '`HashedCrossing` should be called on a list or tuple of '
            'inputs. Received: inputs={}'.format(inputs))
    if len(inputs) < 2:
        raise ValueError(
            '`HashedCrossing` should be called on at least two inputs. '
            'Received: inputs={}'.format(inputs))


def _check_crossing_inputs(tensors):
    """tf_keras's shape and dtype checks of the crossed features."""
    shape = tuple(tensors[0].shape)
    if len(shape) > 2 or (len(shape) == 2 and shape[-1] != 1):
        raise ValueError(
            'All `HashedCrossing` inputs should have shape `[]`, '
            '`[batch_size]` or `[batch_size, 1]`. Received: '
            'inputs={}'.format(tensors))
    if any(tuple(x.shape) != shape for x in tensors[1:]):
        raise ValueError('All `HashedCrossing` inputs should have equal '
                         'shape. Received: inputs={}'.format(tensors))
    if any(isinstance(x, torch.Tensor) and (
            x.is_floating_point() or x.dtype == torch.bool)
           for x in tensors):
        raise ValueError(
            'All `HashedCrossing` inputs should have an integer or string '
            'dtype. Received: inputs={}'.format(tensors))


# ------------------------------------------------------------- string ops
# TensorFlow's tf.strings operations that text pipelines use, on numpy
# arrays of bytes (str and lists accepted, as TensorFlow converts them);
# the TensorFlow stand-in exposes them as `tf.strings.*`.
def _map_strings(fn, strings):
    """`fn` on each bytes string of `strings`, an array of the same
    shape (a bytes scalar for a scalar)."""
    strings = string_array(strings)
    flat = [fn(s) for s in strings.reshape(-1).tolist()]
    if strings.ndim == 0:
        return flat[0]
    out = np.empty(len(flat), object)
    out[:] = flat
    return out.reshape(strings.shape)


def _as_text(value):
    return value.encode('utf-8') if isinstance(value, str) else value


def lower(input, encoding='', name=None):
    """`tf.strings.lower`: ASCII letters only, unless an `encoding`
    ('utf-8') is given, then all of Unicode."""
    if encoding:
        return _map_strings(
            lambda s: s.decode(encoding).lower().encode(encoding), input)
    return _map_strings(bytes.lower, input)


def upper(input, encoding='', name=None):
    """`tf.strings.upper`, as `lower`."""
    if encoding:
        return _map_strings(
            lambda s: s.decode(encoding).upper().encode(encoding), input)
    return _map_strings(bytes.upper, input)


def _re2(pattern):
    """A Python regex for an RE2 pattern on UTF-8 text (ASCII classes:
    RE2's \\w, \\s, \\d are ASCII-only)."""
    if isinstance(pattern, bytes):
        pattern = pattern.decode('utf-8')
    return re.compile(pattern, re.ASCII)


def regex_replace(input, pattern, rewrite, replace_global=True, name=None):
    """`tf.strings.regex_replace`: RE2 `pattern` (Python's re here, which
    reads the usual patterns alike) replaced by `rewrite` (\\1 ... refer
    to groups), everywhere or, with replace_global=False, once."""
    regex = _re2(pattern)
    rewrite = rewrite.decode('utf-8') if isinstance(rewrite, bytes) \
        else rewrite
    count = 0 if replace_global else 1

    def replace(s):
        text = s.decode('utf-8', 'surrogateescape')
        return regex.sub(rewrite, text, count=count).encode(
            'utf-8', 'surrogateescape')
    return _map_strings(replace, input)


def strip(input, name=None):
    """`tf.strings.strip`: leading and trailing ASCII whitespace removed."""
    return _map_strings(bytes.strip, input)


def length(input, unit='BYTE', name=None):
    """`tf.strings.length` as an int32 tensor: bytes, or code points with
    unit='UTF8_CHAR'."""
    count = len if unit == 'BYTE' else \
        (lambda s: len(s.decode('utf-8', 'replace')))
    strings = string_array(input)
    sizes = np.array([count(s) for s in strings.reshape(-1).tolist()],
                     np.int32).reshape(strings.shape)
    return torch.as_tensor(sizes, device=K.get_device())


def join(inputs, separator='', name=None):
    """`tf.strings.join`: the arrays joined element-wise."""
    arrays = np.broadcast_arrays(*[string_array(x) for x in inputs])
    separator = _as_text(separator)
    out = _object_array([separator.join(parts) for parts in zip(
        *[a.reshape(-1).tolist() for a in arrays])])
    return out.reshape(arrays[0].shape) if arrays[0].ndim else out[0]


def split(input, sep=None, maxsplit=-1, name=None):
    """`tf.strings.split`: a string's tokens as a 1-D array of bytes; a
    batch's as a list of such arrays (TensorFlow: a ragged tensor), which
    a TextVectorization `split` callable may return. Without `sep`, runs
    of ASCII whitespace separate tokens."""
    strings = string_array(input)
    sep = _as_text(sep)
    cut = (lambda s: s.split(sep, maxsplit)) if sep else \
        (lambda s: s.split(None, maxsplit))
    if strings.ndim == 0:
        return _object_array(cut(strings[()]))
    if strings.ndim > 1:
        raise NotImplementedError('tf.strings.split of a rank-%d string '
                                  'array is not supported here; split a '
                                  '1-D one.' % strings.ndim)
    return [_object_array(cut(s)) for s in strings.tolist()]


def _strip_punctuation(strings):
    """`regex_replace(strings, DEFAULT_STRIP_REGEX, '')`."""
    return _map_strings(lambda s: _STRIP.sub(b'', s), strings)


def _split_whitespace(string):
    """`tf.strings.split` without `sep`: runs of ASCII whitespace (space,
    \\t, \\n, \\v, \\f, \\r) separate tokens, none empty."""
    return string.split()


def _split_characters(string):
    """`tf.strings.unicode_split(string, 'UTF-8')`: one token a code
    point, invalid bytes as U+FFFD."""
    return [c.encode('utf-8') for c in string.decode('utf-8', 'replace')]


def _ngrams_of(tokens, widths):
    """`tf.strings.ngrams(tokens, widths, separator=' ')` of one sequence:
    all n-grams of the first width, then of the next, ..."""
    out = []
    for n in widths:
        out += [b' '.join(tokens[i:i + n])
                for i in range(len(tokens) - n + 1)]
    return out


def _validate_string_arg(value, allowed, arg_name, allow_none=False,
                         allow_callables=False):
    """tf_keras's layer_utils.validate_string_arg."""
    if allow_none and value is None:
        return
    if allow_callables and callable(value):
        return
    if isinstance(value, str) and value in allowed:
        return
    allowed_args = '`None`, ' if allow_none else ''
    allowed_args += 'a `Callable`, ' if allow_callables else ''
    allowed_args += 'or one of the following values: {}'.format(allowed)
    note = ''
    if allow_callables:
        note = ('If restoring a model and `{}` is a custom callable, please '
                'ensure the callable is registered as a custom object. See '
                'https://www.tensorflow.org/guide/keras/save_and_serialize'
                '#registering_the_custom_object for details. '.format(
                    arg_name))
    raise ValueError('Unkown value for `{}` argument of layer '
                     'TextVectorization. {}Allowed values are: {}. '
                     'Received: {}'.format(arg_name, note, allowed_args,
                                           value))


class _Ragged(list):
    """A batch of token lists (TensorFlow's ragged string tensor), with
    whether it stands for a single string's tokens (a rank-1 result)."""

    single = False


# ------------------------------------------------------ TextVectorization
class TextVectorization(PreprocessingLayer):
    """tf.keras's `TextVectorization(max_tokens=None,
    standardize='lower_and_strip_punctuation', split='whitespace',
    ngrams=None, output_mode='int', output_sequence_length=None,
    pad_to_max_tokens=False, vocabulary=None, idf_weights=None,
    sparse=False, ragged=False, encoding='utf-8')`.

    Turns a batch of strings (shape (batch,) or (batch, 1); lists, numpy
    arrays of str / bytes, the TensorFlow stand-in's string constants, a
    single string) into token indices: `standardize` ('lower' lowercases
    ASCII letters as tf.strings.lower; 'strip_punctuation' removes
    DEFAULT_STRIP_REGEX's ASCII punctuation; both; None; or a callable
    taking and returning a numpy array of bytes), `split` ('whitespace':
    runs of ASCII whitespace; 'character': code points; None; or a callable
    taking a 1-D array of bytes and returning token lists), `ngrams` (n or
    a tuple of widths, joined with ' '), then a StringLookup with mask
    token '' and OOV token '[UNK]'. 'int' gives int64 rows padded with 0
    to the longest row or to / cut at `output_sequence_length`;
    'multi_hot', 'count' and 'tf_idf' float rows of the vocabulary size
    (idf = log(1 + documents / (1 + documents with the token)), OOV and
    padding getting the mean idf); None the tokens (padded with b'').

    The vocabulary is given (a list or a file path) or learnt by `adapt`
    on strings (a list or array in batches of `batch_size`, or a dataset,
    batched or not): tokens by decreasing count, ties by decreasing byte
    order, `max_tokens` indices at most. As in tf_keras, a layer adapted
    (not given its vocabulary) cannot be written to HDF5; a given
    vocabulary is in the config. `sparse=True` and `ragged=True` are not
    supported (torch has no sparse string or ragged tensors)."""

    def __init__(self, max_tokens=None,
                 standardize=LOWER_AND_STRIP_PUNCTUATION, split=WHITESPACE,
                 ngrams=None, output_mode=INT, output_sequence_length=None,
                 pad_to_max_tokens=False, vocabulary=None, idf_weights=None,
                 sparse=False, ragged=False, encoding='utf-8',
                 vocabulary_size=None, has_input_vocabulary=None, **kwargs):
        # (The last two: keys of tf_keras's configs.)
        dtype = kwargs.get('dtype')
        if dtype is not None and getattr(dtype, 'name', dtype) != 'string':
            raise ValueError('`TextVectorization` may only have a dtype of '
                             'string. Received dtype: {}.'.format(dtype))
        kwargs['dtype'] = 'string'
        _validate_string_arg(standardize, (LOWER_AND_STRIP_PUNCTUATION,
                                           LOWER, STRIP_PUNCTUATION),
                             'standardize', True, True)
        _validate_string_arg(split, (WHITESPACE, CHARACTER), 'split', True,
                             True)
        output_mode = {'binary': MULTI_HOT, 'tf-idf': TF_IDF}.get(
            output_mode, output_mode)
        _validate_string_arg(output_mode, (INT, COUNT, MULTI_HOT, TF_IDF),
                             'output_mode', allow_none=True)
        _check_ngrams_and_length(ngrams, output_mode, output_sequence_length,
                                 ragged)
        if ragged:
            raise NotImplementedError(
                'TextVectorization(ragged=True) is not supported by '
                'keras_compat (it has no ragged tensors); use '
                'ragged=False, which pads the rows with 0, or set '
                'output_sequence_length.')
        self._max_tokens = max_tokens
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) \
            if isinstance(ngrams, int) else ngrams
        self._ragged = ragged
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._encoding = encoding
        self._has_input_vocabulary = vocabulary is not None \
            if has_input_vocabulary is None else has_input_vocabulary
        super(TextVectorization, self).__init__(**kwargs)
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary,
            idf_weights=idf_weights, pad_to_max_tokens=pad_to_max_tokens,
            mask_token='', output_mode=output_mode or INT, sparse=sparse,
            has_input_vocabulary=self._has_input_vocabulary,
            encoding=encoding, vocabulary_size=vocabulary_size)

    # --------------------------------------------------------- vocabulary
    def adapt(self, data, batch_size=None, steps=None):
        """Learns the vocabulary from strings: a list or numpy array (in
        batches of `batch_size`, 32 by default) or a dataset of strings."""
        adapt_on_strings(self, data, batch_size, steps)

    def update_state(self, data):
        tokens = self._preprocess(data)
        if isinstance(tokens, _Ragged):
            self._lookup_layer.update_state_on_documents(
                [_object_array(row) for row in tokens])
        else:
            self._lookup_layer.update_state(tokens)

    def finalize_state(self):
        self._lookup_layer.finalize_state()

    def reset_state(self):
        self._lookup_layer.reset_state()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary, index by index ('' and '[UNK]' first, unless
        `include_special_tokens` is False)."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        """The number of indices, padding and OOV included."""
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Sets the vocabulary (a list or array of tokens, or a file path)
        and, for tf_idf, the idf weights."""
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    # --------------------------------------------------------- preprocess
    def _preprocess(self, inputs):
        """Standardized strings (a numpy array of bytes, the input's
        shape) or, with `split`, their tokens (a _Ragged batch), n-grams
        added."""
        strings = self._standardized(string_array(inputs))
        if self._split is None:
            if self._ngrams is None:
                return strings
            return _dense_ngrams(strings, self._ngrams)
        tokens = self._split_strings(strings)
        if self._ngrams is not None:
            single = tokens.single
            tokens = _Ragged(_ngrams_of(row, self._ngrams) for row in tokens)
            tokens.single = single
        return tokens

    def _standardized(self, strings):
        if self._standardize in (LOWER, LOWER_AND_STRIP_PUNCTUATION):
            strings = lower(strings)
        if self._standardize in (STRIP_PUNCTUATION,
                                 LOWER_AND_STRIP_PUNCTUATION):
            strings = _strip_punctuation(strings)
        if callable(self._standardize):
            strings = self._standardize(strings)
        return string_array(strings)

    def _split_strings(self, strings):
        if strings.ndim > 1:
            if strings.shape[-1] != 1:
                raise ValueError(
                    'When using `TextVectorization` to tokenize strings, the '
                    'input rank must be 1 or the last shape dimension must '
                    'be 1. Received: inputs.shape={} with rank={}'.format(
                        tuple(strings.shape), strings.ndim))
            strings = strings[..., 0]
        if strings.ndim > 1:
            raise NotImplementedError(
                'TextVectorization splits batches of shape (batch,) or '
                '(batch, 1) here; got strings of shape {}.'.format(
                    tuple(strings.shape) + (1,)))
        if self._split == WHITESPACE:
            rows = [_split_whitespace(s) for s in strings.reshape(-1)]
        elif self._split == CHARACTER:
            rows = [_split_characters(s) for s in strings.reshape(-1)]
        else:
            rows = _token_rows(self._split(strings), strings.ndim == 0)
        tokens = _Ragged(rows)
        tokens.single = strings.ndim == 0
        return tokens

    # --------------------------------------------------------------- call
    def __call__(self, inputs, *args, **kwargs):
        if is_string_data(inputs):
            return call_on_strings(self, inputs, args, kwargs)
        return super(TextVectorization, self).__call__(inputs, *args,
                                                       **kwargs)

    def call(self, inputs):
        if isinstance(inputs, torch.Tensor):
            string_array(inputs)  # (raises tf's conversion error)
        tokens = self._preprocess(inputs)
        if self._output_mode is None:
            return _padded_tokens(tokens) if isinstance(tokens, _Ragged) \
                else tokens
        lookup = self._lookup_layer
        lookup._check_known_vocab_size()
        if not isinstance(tokens, _Ragged):
            indices = lookup._lookup_tokens(tokens)
            if self._output_mode == INT:
                indices = _fit_last_axis(indices,
                                         self._output_sequence_length)
            return lookup._encode(indices)
        indices = _ragged_lookup(lookup, tokens)
        if self._output_mode == INT:
            length = self._output_sequence_length
            out = _padded_rows(indices, 0, length)
        else:
            out = _padded_rows(indices, -1, None)
        result = lookup._encode(out)
        return result[0] if tokens.single else result

    def _output_dtype(self, inputs):
        if self._output_mode is None:
            return 'string'
        return 'int64' if self._output_mode == INT else K.floatx()

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self._output_mode == INT:
            return (input_shape[0], self._output_sequence_length)
        if self._output_mode is None:
            return input_shape[:1] + (None,)
        depth = self._lookup_layer._depth()
        return (input_shape[0], depth)

    def get_config(self):
        lookup = self._lookup_layer
        config = {
            'max_tokens': lookup.max_tokens,
            'standardize': self._standardize, 'split': self._split,
            'ngrams': self._ngrams_arg, 'output_mode': self._output_mode,
            'output_sequence_length': self._output_sequence_length,
            'pad_to_max_tokens': lookup.pad_to_max_tokens,
            'sparse': lookup.sparse, 'ragged': self._ragged,
            'vocabulary': _listify(lookup.input_vocabulary),
            'idf_weights': _listify(lookup.input_idf_weights),
            'encoding': self._encoding,
            'vocabulary_size': self.vocabulary_size()}
        base_config = super(TextVectorization, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key, names in (('standardize', (LOWER_AND_STRIP_PUNCTUATION,
                                            LOWER, STRIP_PUNCTUATION)),
                           ('split', (WHITESPACE, CHARACTER))):
            if config.get(key) is not None and config[key] not in names:
                config[key] = _deserialize_callable(config[key])
        return cls(**config)


# ---------------------------------------------------------------- helpers
def _check_ngrams_and_length(ngrams, output_mode, output_sequence_length,
                             ragged):
    """tf_keras's checks of `ngrams`, `output_sequence_length`, `ragged`."""
    if not (ngrams is None or isinstance(ngrams, int) or
            isinstance(ngrams, tuple) and
            all(isinstance(item, int) for item in ngrams)):
        raise ValueError('`ngrams` must be None, an integer, or a tuple of '
                         'integers. Received: ngrams={}'.format(ngrams))
    if output_mode == INT and not (isinstance(output_sequence_length, int)
                                   or output_sequence_length is None):
        raise ValueError(
            "`output_sequence_length` must be either None or an integer "
            "when `output_mode` is 'int'. Received: output_sequence_length="
            "{}".format(output_sequence_length))
    if output_mode != INT and output_sequence_length is not None:
        raise ValueError(
            "`output_sequence_length` must not be set if `output_mode` is "
            "not 'int'. Received output_sequence_length={}.".format(
                output_sequence_length))
    if ragged and output_mode != INT:
        raise ValueError("`ragged` must not be true if `output_mode` is "
                         "`'int'`. Received: ragged={} and output_mode={}"
                         .format(ragged, output_mode))
    if ragged and output_sequence_length is not None:
        raise ValueError(
            '`output_sequence_length` must not be set if ragged is True. '
            'Received: ragged={} and output_sequence_length={}'.format(
                ragged, output_sequence_length))


def _object_array(items):
    out = np.empty(len(items), object)
    out[:] = list(items)
    return out


def _token_rows(result, single):
    """A callable split's result (token lists, a 2-D array, or for a
    single string one token list) as lists of bytes tokens."""
    if single:
        return [string_array(result).reshape(-1).tolist()]
    if isinstance(result, np.ndarray) and result.dtype != object:
        result = string_array(result)
    return [string_array(list(row) if not isinstance(row, np.ndarray)
                         else row).reshape(-1).tolist()
            if len(row) else [] for row in result]


def _dense_ngrams(strings, widths):
    """tf.strings.ngrams on a dense array: the n-grams of its last axis,
    rows of unequal lengths padded with b'' (TensorFlow: ragged)."""
    if strings.ndim == 0:
        raise ValueError('ngrams of a scalar string: split it first.')
    rows = [_ngrams_of(row, widths) for row in
            strings.reshape(-1, strings.shape[-1]).tolist()]
    width = max([len(r) for r in rows] or [0])
    if any(len(r) != width for r in rows):
        raise NotImplementedError(
            'ngrams of unsplit strings giving rows of unequal lengths (a '
            'ragged tensor in TensorFlow) are not supported.')
    return np.array(rows, dtype=object).reshape(
        strings.shape[:-1] + (width,))


def _ragged_lookup(lookup, tokens):
    """The indices of each row of tokens (one lookup for the batch)."""
    lengths = [len(row) for row in tokens]
    flat = _object_array([t for row in tokens for t in row])
    indices = lookup._lookup_tokens(flat) if len(flat) else \
        np.zeros(0, np.int64)
    return np.split(indices, np.cumsum(lengths)[:-1]) if lengths else []


def _padded_rows(rows, value, length):
    """Rows of indices as a (rows, length) int64 array, cut or padded
    with `value` (length None: that of the longest row)."""
    if length is None:
        length = max([len(r) for r in rows] or [0])
    out = np.full((len(rows), length), value, np.int64)
    for i, row in enumerate(rows):
        row = row[:length]
        out[i, :len(row)] = row
    return out


def _fit_last_axis(indices, length):
    """Dense indices cut or padded with 0 to `length` on the last axis."""
    if length is None or indices.ndim == 0:
        return indices
    indices = indices[..., :length]
    missing = length - indices.shape[-1]
    if missing > 0:
        pad = [(0, 0)] * (indices.ndim - 1) + [(0, missing)]
        indices = np.pad(indices, pad)
    return indices


def _padded_tokens(tokens):
    """Token rows as a numpy array of bytes padded with b''."""
    width = max([len(r) for r in tokens] or [0])
    out = np.full((len(tokens), width), b'', object)
    for i, row in enumerate(tokens):
        out[i, :len(row)] = row
    return out[0] if tokens.single else out


def _listify(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    return list(value) if isinstance(value, tuple) else value


def _deserialize_callable(value):
    """A standardize / split callable from a config: a registered
    function or custom object of that name."""
    from ..utils.generic_utils import deserialize_keras_object
    return deserialize_keras_object(value,
                                    printable_module_name='function')
