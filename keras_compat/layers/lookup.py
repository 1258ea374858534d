"""tf.keras 2.x's lookup layers (tf_keras layers/preprocessing/
index_lookup.py, integer_lookup.py, string_lookup.py, hashing.py):
`IntegerLookup` and `StringLookup`, which share tf_keras's IndexLookup
logic, and `Hashing` for integer inputs.

Strings cannot be torch tensors: string data (lists, numpy arrays of str,
bytes or objects, the TensorFlow stand-in's string constants) stays a numpy
array of bytes until `StringLookup` turns it into int64 indices; an
inverted StringLookup gives such an array of bytes."""
import collections
import os

import numpy as np
import torch

from .. import backend as K
from ..backend import ops
from ..engine.base_layer import Layer, _WeightRecord
from ..utils import farmhash
from .preprocessing import (COUNT, INT, MULTI_HOT, ONE_HOT, PreprocessingLayer,
                            _as_tensor, _categorical_output_shape,
                            _check_output_mode, _output_dtype,
                            adapt_batches,
                            _refuse_sparse, encode_categorical, listify)

__all__ = ['IntegerLookup', 'StringLookup', 'Hashing', 'is_string_data',
           'string_array']

TF_IDF = 'tf_idf'
_INT64_MAX = np.iinfo(np.int64).max
_STRING_ADVICE = (
    'IntegerLookup takes integers; use StringLookup for strings, or map '
    'strings to integers before the model, e.g. with '
    'keras.preprocessing.text.Tokenizer or a Python dict.')
_TEXT_TYPES = (str, bytes, np.str_, np.bytes_)


# ----------------------------------------------------------- string data
def is_string_data(data):
    """Whether `data` is string data: a str / bytes, a numpy array of str,
    bytes or objects, or a (nested) list of strings."""
    if isinstance(data, _TEXT_TYPES):
        return True
    if isinstance(data, np.ndarray):
        return data.dtype.kind in 'SU' or (
            data.dtype.kind == 'O' and data.size > 0 and
            isinstance(data.reshape(-1)[0], _TEXT_TYPES))
    if isinstance(data, (list, tuple)) and data:
        return is_string_data(data[0])
    return False


def _as_bytes(value):
    if isinstance(value, bytes):
        return bytes(value)
    if isinstance(value, str):
        return value.encode('utf-8')
    raise ValueError('Tensor conversion requested dtype string for a value '
                     'of type %s: %r' % (type(value).__name__, value))


def _call_on_ragged(layer, inputs, args, kwargs):
    """A lookup of a tf.RaggedTensor: its flat values looked up, in its
    rows (output_mode 'int'), as tf.keras maps ragged inputs."""
    if layer.output_mode != 'int':
        raise NotImplementedError(
            '%s(output_mode=%r) of a RaggedTensor: call it on '
            '`ragged.to_tensor()`.' % (type(layer).__name__,
                                       layer.output_mode))
    return inputs.with_flat_values(
        layer(inputs.flat_values, *args, **kwargs))


def string_array(data):
    """`data` (string data, see `is_string_data`) as a numpy object array
    of bytes, str encoded as UTF-8 (TensorFlow's string tensor)."""
    if isinstance(data, torch.Tensor):
        raise ValueError('Tensor conversion requested dtype string for '
                         'Tensor with dtype %s' % (
                             str(data.dtype).replace('torch.', '')))
    if isinstance(data, _TEXT_TYPES):
        out = np.empty((), object)
        out[()] = _as_bytes(data)
        return out
    array = np.asarray(data) if not isinstance(data, np.ndarray) else data
    if array.dtype.kind not in 'SUO':
        raise ValueError('Tensor conversion requested dtype string for '
                         'Tensor with dtype %s' % array.dtype.name)
    if array.dtype.kind == 'O' and array.size and all(
            type(v) is bytes for v in array.reshape(-1)):
        return array
    flat = [_as_bytes(v) for v in array.reshape(-1).tolist()]
    out = np.empty(len(flat), object)
    out[:] = flat
    return out.reshape(array.shape)


def string_batches(data, batch_size=None, steps=None):
    """(batch, batched) pairs of string data for `adapt`, read as
    PreprocessingLayer.adapt reads numeric data."""
    return adapt_batches(
        data, batch_size, steps, convert=string_array,
        is_array=lambda d: isinstance(d, (list, tuple, np.ndarray) +
                                      _TEXT_TYPES))


def adapt_on_strings(layer, data, batch_size=None, steps=None):
    """PreprocessingLayer.adapt for a layer fed strings."""
    if not layer._is_compiled:
        layer.compile()
    if layer.built:
        layer.reset_state()
        layer._is_adapted = False
    for batch, batched in string_batches(data, batch_size, steps):
        layer._adapt_maybe_build(batch, batched)
        layer.update_state(batch)
    layer.finalize_state()
    layer._is_adapted = True


def call_on_strings(layer, inputs, args, kwargs):
    """A layer's call on string data (eager, or in a model run): built on
    its first batch as Layer.__call__ builds on tensors, then `call` on the
    numpy array of bytes (torch has no string tensors, so it does not go
    through nn.Module.__call__)."""
    strings = string_array(inputs)
    if not layer.built:
        layer._build_for(strings)
    return layer.call(strings, *args, **kwargs)


def _integers(data, what):
    """`data` as an int64 numpy array; strings raise NotImplementedError."""
    if isinstance(data, torch.Tensor):
        data = data.detach().cpu().numpy()
    data = np.asarray(data)
    if data.dtype.kind in 'USO':
        raise NotImplementedError('%s got strings (%r...). %s' % (
            what, data.reshape(-1)[:3].tolist(), _STRING_ADVICE))
    return data.astype(np.int64)


def _refuse_strings(inputs, what):
    """NotImplementedError for string inputs (before Layer.__call__ turns
    arrays into tensors)."""
    if isinstance(inputs, (list, tuple, np.ndarray, str, bytes)):
        _integers(inputs, what)


def _int_tensor(inputs, what):
    """`inputs` as an int64 torch tensor (floats cast, as tf.cast does)."""
    if isinstance(inputs, torch.Tensor):
        return inputs.long()
    return torch.as_tensor(_integers(inputs, what), device=K.get_device())


class _AnyLength(tuple):
    """The shape of a weight whose length changes with the vocabulary (tf:
    a variable of shape (None,)): any 1-D shape is compatible."""

    def __eq__(self, other):
        return len(tuple(other)) == 1

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = tuple.__hash__


class _VocabRecord(_WeightRecord):
    """A vocabulary-sized weight: assigning it (set_weights, loading)
    replaces it at any length and updates the layer's lookup table, as
    tf_keras's VocabWeightHandler does."""

    def __init__(self, *args, **kwargs):
        super(_VocabRecord, self).__init__(*args, **kwargs)
        self.keras_shape = _AnyLength(self.keras_shape)

    def assign(self, layer, value):
        layer._store(self.attr, np.asarray(value))


def _rows(data):
    """A batch of adapt data as a list of 1-D documents: a scalar or 1-D
    array is one document, a higher-rank one a document per first-axis
    entry; a list of 1-D arrays (ragged) stays as given."""
    if isinstance(data, list):
        return data
    if data.ndim < 2:
        return [data.reshape(-1)]
    return list(data.reshape(len(data), -1))


class _IndexLookup(PreprocessingLayer):
    """tf_keras's IndexLookup, shared by IntegerLookup and StringLookup:
    maps tokens to indices in the vocabulary [mask_token (with output_mode
    'int')] + [oov_token] * num_oov_indices + tokens, and encodes them.

    Subclasses give the key type: `_keys(data)` (a numpy array of keys),
    `_key(token)`, `_lookup_keys(keys)` (indices, -1 where unknown),
    `_oov_hash(keys)`, `_invert_indices(x)`, `_read_vocabulary_file`,
    `_user_tokens(tokens)` and the storage of the tokens (`_set_tokens`)."""

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token,
                 vocabulary=None, idf_weights=None, invert=False,
                 output_mode=INT, sparse=False, pad_to_max_tokens=False,
                 vocabulary_size=None, has_input_vocabulary=None,
                 has_static_table=None, **kwargs):
        # (The last three: keys of tf_keras's configs, which its
        # IndexLookup reads from kwargs.)
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError('If set, `max_tokens` must be greater than 1. '
                             'Received: max_tokens={}'.format(max_tokens))
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError('If pad_to_max_tokens is True, must set '
                             '`max_tokens`. Received: max_tokens=None')
        if num_oov_indices < 0:
            raise ValueError('`num_oov_indices` must be greater than or '
                             'equal to 0. Received: num_oov_indices={}'
                             .format(num_oov_indices))
        output_mode = {'binary': MULTI_HOT, 'tf-idf': TF_IDF}.get(
            output_mode, output_mode)
        _check_output_mode(output_mode,
                           (INT, ONE_HOT, MULTI_HOT, COUNT, TF_IDF),
                           type(self).__name__)
        if invert and output_mode != INT:
            raise ValueError("`output_mode` must be `'int'` when `invert` is "
                             'true. Received: output_mode={}'.format(
                                 output_mode))
        _refuse_sparse(sparse, output_mode, type(self).__name__,
                       (ONE_HOT, MULTI_HOT, COUNT, TF_IDF))
        if idf_weights is not None and output_mode != TF_IDF:
            raise ValueError(
                "`idf_weights` should only be set if `output_mode` is "
                "`'tf_idf'`. Received: idf_weights={} and output_mode="
                '{}'.format(idf_weights, output_mode))
        self._frozen_vocab_size = vocabulary_size
        if has_input_vocabulary is None:
            has_input_vocabulary = vocabulary is not None
        if kwargs.get('dtype') is None:
            kwargs['dtype'] = 'int64' if output_mode == INT else K.floatx()
        super(_IndexLookup, self).__init__(**kwargs)
        if output_mode == INT and \
                ops.torch_dtype(self.dtype).is_floating_point:
            raise ValueError("When `output_mode='int'`, `dtype` should be an "
                             'integer type. Received: dtype={}'.format(
                                 kwargs['dtype']))
        self.invert = invert
        self.max_tokens = max_tokens
        self.num_oov_indices = num_oov_indices
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.output_mode = output_mode
        self.sparse = sparse
        self.pad_to_max_tokens = pad_to_max_tokens
        self.input_vocabulary = vocabulary
        self.input_idf_weights = idf_weights
        self._has_input_vocabulary = has_input_vocabulary
        self._idf = np.zeros(self._token_start_index(), np.float32)
        self._init_tokens()
        if output_mode == TF_IDF:
            self._vocab_weight('idf_weights', self._idf, 'float32')
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        if not has_input_vocabulary:
            self._add_vocabulary_weight()
            self._token_counts = collections.Counter()
            self._document_counts = collections.Counter()
            if output_mode == TF_IDF:
                self.num_documents = self.add_weight(
                    name='num_documents', shape=(), dtype='int64',
                    initializer='zeros', trainable=False)

    # ------------------------------------------------------------ weights
    def _add_vocabulary_weight(self):
        """Makes the learnt tokens a weight of an adaptable layer (where
        the key type allows a torch tensor)."""

    def _vocab_weight(self, name, value, dtype):
        self.add_weight(name=name, shape=(len(value),), dtype=dtype,
                        initializer='zeros', trainable=False)
        record = self._keras_weights[-1]
        self._keras_weights[-1] = _VocabRecord(
            record.name, record.attr, (len(value),), trainable=False)
        self._store(record.attr, value, update=False)

    def _store(self, attr, value, update=True):
        """Writes a vocabulary-sized weight (and, with `update`, the state
        it stands for: the tokens or the idf weights)."""
        record = next(r for r in self._keras_weights if r.attr == attr)
        if update and record.name == 'vocabulary':
            self._set_tokens(value)
            return
        if update:
            self._idf = np.asarray(value, np.float32)
        param = getattr(self, attr)
        with torch.no_grad():
            param.data = torch.as_tensor(np.asarray(value),
                                         dtype=param.dtype,
                                         device=param.device)
        record.keras_shape = _AnyLength(param.shape)

    def _set_idf(self, weights):
        self._idf = np.asarray(weights, np.float32)
        for record in self._keras_weights:
            if record.name == 'idf_weights':
                self._store(record.attr, self._idf, update=False)

    # --------------------------------------------------------- vocabulary
    def _oov_start_index(self):
        return 1 if self.mask_token is not None and \
            self.output_mode == INT else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def _special_tokens(self):
        return [self.mask_token] * self._oov_start_index() + \
            [self.oov_token] * self.num_oov_indices

    def vocabulary_size(self):
        """The number of indices: special tokens and tokens."""
        return len(self._tokens) + self._token_start_index()

    def vocab_size(self):
        return self.vocabulary_size()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary, index by index: the mask token (with output_mode
        'int'), the OOV tokens, then the tokens."""
        tokens = self._user_tokens(self._tokens)
        if not include_special_tokens:
            return tokens
        return self._special_tokens() + tokens

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Sets the vocabulary (and, for tf_idf, the idf weights): a list
        or array of tokens, optionally starting with the special tokens,
        or the path of a file with one token a line."""
        if self.output_mode == TF_IDF:
            if idf_weights is None:
                raise ValueError('`idf_weights` must be set if output_mode '
                                 'is TF_IDF')
        elif idf_weights is not None:
            raise ValueError(
                "`idf_weights` should only be set if output_mode is "
                "`'tf_idf'`. Received: output_mode={} and idf_weights="
                '{}'.format(self.output_mode, idf_weights))
        if isinstance(vocabulary, (str, os.PathLike)):
            if not os.path.exists(vocabulary):
                raise ValueError('Vocabulary file {} does not exist.'.format(
                    vocabulary))
            if self.output_mode == TF_IDF:
                raise ValueError("output_mode `'tf_idf'` does not support "
                                 'loading a vocabulary from file.')
            self._set_tokens(self._read_vocabulary_file(vocabulary))
            self._record_vocabulary_size()
            return
        vocabulary = self._keys(listify(vocabulary), what='vocabulary')
        if vocabulary.size == 0:
            raise ValueError('Cannot set an empty vocabulary, you passed '
                             '{}.'.format(vocabulary))
        token_start = self._token_start_index()
        special = [self._key(t) for t in self._special_tokens()]
        found_special = special == vocabulary[:token_start].tolist()
        tokens = vocabulary[token_start:] if found_special else vocabulary
        self._check_tokens(vocabulary, tokens)
        self._set_tokens(tokens)
        self._record_vocabulary_size()
        if self.output_mode == TF_IDF:
            self._set_given_idf(vocabulary, idf_weights, found_special)

    def _check_tokens(self, vocabulary, tokens):
        """tf_keras's checks of a given vocabulary (without the special
        tokens it starts with): no repeats, no special tokens, at most
        `max_tokens` indices."""
        repeated = [t for t, c in collections.Counter(tokens.tolist()).items()
                    if c > 1]
        if repeated:
            raise ValueError(
                'The passed vocabulary has at least one repeated term. '
                'Please uniquify your dataset. The repeated terms are '
                '{}'.format(self._user_tokens(repeated)))
        for name, token in (('mask', self.mask_token), ('OOV', (
                self.oov_token if self.invert else None))):
            key = None if token is None else self._key(token)
            if key is not None and key in tokens.tolist():
                raise ValueError(
                    'Found reserved {} token at unexpected location in '
                    '`vocabulary`. Note that passed `vocabulary` does not '
                    'need to include the OOV and mask tokens. Either remove '
                    'all mask and OOV tokens, or include them only at the '
                    'start of the vocabulary in precisely this order: {}. '
                    'Received: {}_token={} at vocabulary index {}'.format(
                        name, self._special_tokens(), name.lower(), token,
                        np.argwhere(vocabulary == key)[-1]))
        size = self._token_start_index() + len(tokens)
        if self.max_tokens is not None and size > self.max_tokens:
            raise ValueError(
                'Attempted to set a vocabulary larger than the maximum '
                'vocab size. Passed vocab size is {}, max vocab size is '
                '{}.'.format(size, self.max_tokens))

    def _set_given_idf(self, vocabulary, idf_weights, found_special):
        idf_weights = np.asarray(listify(idf_weights), np.float32)
        if len(vocabulary) != len(idf_weights):
            raise ValueError(
                '`idf_weights` must be the same length as vocabulary. '
                'len(idf_weights) is {}, len(vocabulary) is {}'.format(
                    len(vocabulary), len(idf_weights)))
        if idf_weights.ndim != 1:
            raise ValueError('TF-IDF data must be a 1-index array, but '
                             'received {}'.format(type(idf_weights)))
        front = 0 if found_special else self._token_start_index()
        back = self.max_tokens - front - len(idf_weights) \
            if self.pad_to_max_tokens else 0
        self._set_idf(np.concatenate([
            np.full(front, np.mean(idf_weights), np.float32), idf_weights,
            np.zeros(back, np.float32)]))

    def _record_vocabulary_size(self):
        if self.output_mode != INT and not self.pad_to_max_tokens and \
                self._frozen_vocab_size is not None and \
                self.vocabulary_size() != self._frozen_vocab_size:
            raise RuntimeError(
                'When using `output_mode={}` and `pad_to_max_tokens=False`, '
                'the vocabulary size cannot be changed after the layer is '
                'called. Old vocab size is {}, new vocab size is {}'.format(
                    self.output_mode, self._frozen_vocab_size,
                    self.vocabulary_size()))
        self._frozen_vocab_size = self.vocabulary_size()

    # -------------------------------------------------------------- adapt
    def update_state(self, data):
        if self._has_input_vocabulary:
            raise ValueError(
                'Cannot adapt {} layer after setting a static vocabulary via '
                'init argument or `set_vocabulary`.'.format(
                    type(self).__name__))
        self.update_state_on_documents(_rows(self._keys(data, what='adapt')))

    def update_state_on_documents(self, documents):
        """`update_state` on a ragged batch: a list of 1-D key arrays, each
        a document (TextVectorization's split strings)."""
        if self._has_input_vocabulary:
            raise ValueError(
                'Cannot adapt {} layer after setting a static vocabulary via '
                'init argument or `set_vocabulary`.'.format(
                    type(self).__name__))
        self._count_documents(documents)

    def _count_documents(self, documents):
        """Adds the tokens of `documents` (a list of 1-D key arrays) to
        the counts (and, for tf_idf, the document counts)."""
        for document in documents:
            tokens, counts = np.unique(document, return_counts=True)
            self._token_counts.update(
                dict(zip(tokens.tolist(), counts.tolist())))
            if self.output_mode == TF_IDF:
                self._document_counts.update(tokens.tolist())
        if self.output_mode == TF_IDF:
            with torch.no_grad():
                self.num_documents.add_(len(documents))

    def finalize_state(self):
        counts = self._token_counts if not self._has_input_vocabulary \
            else None
        if not counts:
            self._record_vocabulary_size()
            return
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                counts.pop(self._key(special), None)
        # By count, ties by token, both decreasing (tf_keras's lexsort).
        ranked = sorted(counts.items(), key=lambda kv: (kv[1], kv[0]),
                        reverse=True)
        if self.max_tokens:
            ranked = ranked[:self.max_tokens - self._token_start_index()]
        tokens = [token for token, _ in ranked]
        self._set_tokens(self._keys(tokens, what='vocabulary')
                         if tokens else self._tokens[:0])
        if self.output_mode == TF_IDF:
            self._set_learnt_idf(tokens)
        self.reset_state()
        self._record_vocabulary_size()

    def _set_learnt_idf(self, tokens):
        """idf = log(1 + documents / (1 + documents with the token)), the
        special tokens getting the mean, zeros up to `max_tokens` with
        `pad_to_max_tokens`."""
        documents = np.array([self._document_counts[t] for t in tokens],
                             np.float64)
        idf = np.log(1 + int(self.num_documents) / (1 + documents))
        idf = idf.astype(np.float32)
        back = self.max_tokens - len(idf) - self._token_start_index() \
            if self.pad_to_max_tokens else 0
        self._set_idf(np.concatenate([
            np.full(self._token_start_index(), np.mean(idf), np.float32),
            idf, np.zeros(back, np.float32)]))

    def reset_state(self):
        if self._has_input_vocabulary:
            return
        self._token_counts.clear()
        self._document_counts.clear()
        if self.output_mode == TF_IDF:
            with torch.no_grad():
                self.num_documents.zero_()

    # --------------------------------------------------------------- call
    def _check_known_vocab_size(self):
        if self.output_mode != INT and not self.pad_to_max_tokens and \
                self._frozen_vocab_size is None:
            raise RuntimeError(
                'When using `output_mode={}` and `pad_to_max_tokens=False`, '
                "you must set the layer's vocabulary before calling it. "
                'Either pass a `vocabulary` argument to the layer, or call '
                '`adapt` with some sample data.'.format(self.output_mode))

    def _depth(self):
        return self.max_tokens if self.pad_to_max_tokens \
            else self._frozen_vocab_size

    def _encode(self, lookups):
        """`lookups` (int64 indices, numpy or torch) as the layer's output:
        'int' casts them; 'one_hot', 'multi_hot', 'count' and 'tf_idf'
        encode them as float rows of the vocabulary size (indices outside
        it, such as a masked token's, dropped), tf_idf multiplying counts
        by the idf weights."""
        x = lookups if isinstance(lookups, torch.Tensor) else \
            torch.as_tensor(lookups, device=K.get_device())
        if self.output_mode == INT:
            return x.to(ops.torch_dtype(self.dtype))
        mode = COUNT if self.output_mode == TF_IDF else self.output_mode
        out = encode_categorical(x, mode, self._depth(), self.dtype)
        if self.output_mode != TF_IDF:
            return out
        return out * torch.as_tensor(self._idf, dtype=out.dtype,
                                     device=out.device)

    def compute_output_shape(self, input_shape):
        # (The shape `call` gives, as tf.keras's graph tensors have it.)
        mode = COUNT if self.output_mode == TF_IDF else self.output_mode
        return _categorical_output_shape(input_shape, mode, self._depth())

    def get_config(self):
        config = {
            'invert': self.invert, 'max_tokens': self.max_tokens,
            'num_oov_indices': self.num_oov_indices,
            'oov_token': self.oov_token, 'mask_token': self.mask_token,
            'output_mode': self.output_mode, 'sparse': self.sparse,
            'pad_to_max_tokens': self.pad_to_max_tokens,
            'idf_weights': listify(self.input_idf_weights),
            'vocabulary': listify(self.input_vocabulary),
            'vocabulary_size': self._frozen_vocab_size}
        base_config = super(_IndexLookup, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


class IntegerLookup(_IndexLookup):
    """tf.keras's `IntegerLookup(max_tokens=None, num_oov_indices=1,
    mask_token=None, oov_token=-1, vocabulary=None, vocabulary_dtype='int64',
    idf_weights=None, invert=False, output_mode='int', sparse=False,
    pad_to_max_tokens=False)`.

    Maps integers to indices in the vocabulary: [mask_token (with
    output_mode 'int')] + [oov_token] * num_oov_indices + tokens. An
    unknown value gets the OOV index (with several, `value mod
    num_oov_indices` picks one; with none, InvalidArgumentError), the
    mask token index 0. 'int' gives int64 indices (the layer's dtype);
    'one_hot', 'multi_hot', 'count' and 'tf_idf' encode them as float rows
    of `vocabulary_size()` (or `max_tokens` with `pad_to_max_tokens`),
    tf_idf multiplying counts by the idf weights. `invert=True` maps
    indices back to tokens.

    The vocabulary is given (a list / array of ints, or the path of a
    file with one int a line), set by `set_vocabulary`, or learnt by
    `adapt`: tokens by decreasing count, ties by decreasing value, at
    most `max_tokens` entries in all, mask and OOV tokens left out; for
    tf_idf with idf = log(1 + documents / (1 + documents with the token)),
    the special tokens getting the mean idf. The config holds a given
    vocabulary; an adaptable layer has tf's weights: `idf_weights`
    (tf_idf), the learnt tokens, `num_documents` (tf_idf), which
    get_weights / set_weights and HDF5 files here carry (tf_keras cannot
    write such a layer to HDF5). `sparse=True` is not supported."""

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None,
                 oov_token=-1, vocabulary=None, vocabulary_dtype='int64',
                 idf_weights=None, invert=False, output_mode=INT,
                 sparse=False, pad_to_max_tokens=False, **kwargs):
        if vocabulary_dtype in ('string', 'str', str):
            raise NotImplementedError(
                'IntegerLookup(vocabulary_dtype=%r) is not supported. %s'
                % (vocabulary_dtype, _STRING_ADVICE))
        vocab_type = ops.torch_dtype(vocabulary_dtype)
        if vocab_type.is_floating_point or vocab_type.is_complex or \
                vocab_type == torch.bool:
            raise ValueError('`vocabulary_dtype` must be an integer dtype. '
                             'Received: {}'.format(vocabulary_dtype))
        if output_mode != INT and kwargs.get('dtype') == 'int64':
            del kwargs['dtype']
        max_tokens = kwargs.pop('max_values', max_tokens)
        mask_token = kwargs.pop('mask_value', mask_token)
        oov_token = kwargs.pop('oov_value', oov_token)
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(
                'If `max_tokens` is set for `IntegerLookup`, it must be '
                'greater than 1. Received: max_tokens={}.'.format(max_tokens))
        if num_oov_indices < 0:
            raise ValueError(
                'The value of `num_oov_indices` argument for `IntegerLookup` '
                'must >= 0. Received num_oov_indices={}.'.format(
                    num_oov_indices))
        self.vocabulary_dtype = vocabulary_dtype
        super(IntegerLookup, self).__init__(
            max_tokens=max_tokens, num_oov_indices=num_oov_indices,
            mask_token=None if mask_token is None else int(mask_token),
            oov_token=None if oov_token is None else int(oov_token),
            vocabulary=vocabulary, idf_weights=idf_weights, invert=invert,
            output_mode=output_mode, sparse=sparse,
            pad_to_max_tokens=pad_to_max_tokens, **kwargs)

    # ------------------------------------------------------------ tokens
    def _init_tokens(self):
        self._tokens = np.zeros(0, np.int64)
        self._tables = {}

    def _add_vocabulary_weight(self):
        self._vocab_weight('vocabulary', self._tokens, 'int64')

    def _keys(self, data, what):
        return _integers(data, 'IntegerLookup' if what == 'call'
                         else 'IntegerLookup.' + what)

    def _key(self, token):
        return int(token)

    def _user_tokens(self, tokens):
        return [int(t) for t in tokens]

    def _read_vocabulary_file(self, path):
        with open(path) as f:
            lines = [line.strip() for line in f.read().split('\n')]
        try:
            return [int(line) for line in lines if line]
        except ValueError:
            raise NotImplementedError(
                'The vocabulary file {} holds strings. {}'.format(
                    path, _STRING_ADVICE))

    def _set_tokens(self, tokens):
        self._tokens = np.asarray(tokens, np.int64).reshape(-1)
        self._tables = {}
        for record in self._keras_weights:
            if record.name == 'vocabulary':
                self._store(record.attr, self._tokens, update=False)

    # --------------------------------------------------------------- call
    def adapt(self, data, batch_size=None, steps=None):
        """Learns the vocabulary from integer `data` (as
        PreprocessingLayer.adapt reads it)."""
        if isinstance(data, (list, tuple, np.ndarray)):
            _integers(data, 'IntegerLookup.adapt')
        super(IntegerLookup, self).adapt(data, batch_size, steps)

    def __call__(self, inputs, *args, **kwargs):
        if getattr(inputs, '_keras_ragged', False):
            return _call_on_ragged(self, inputs, args, kwargs)
        _refuse_strings(inputs, 'IntegerLookup')
        return super(IntegerLookup, self).__call__(inputs, *args, **kwargs)

    def _table(self, device):
        """The tokens sorted, and their indices, on `device`."""
        key = str(device)
        if key not in self._tables:
            order = np.argsort(self._tokens, kind='stable')
            indices = order + self._token_start_index()
            self._tables[key] = (
                torch.as_tensor(self._tokens[order], device=device),
                torch.as_tensor(indices, dtype=torch.int64, device=device))
        return self._tables[key]

    def call(self, inputs):
        self._check_known_vocab_size()
        x = _int_tensor(inputs, 'IntegerLookup')
        if self.invert:
            return self._invert(x)
        keys, values = self._table(x.device)
        start = self._oov_start_index()
        if self.num_oov_indices > 1:
            default = torch.remainder(x, self.num_oov_indices) + start
        else:
            default = torch.full_like(x, start if self.num_oov_indices
                                      else -1)
        if len(keys):
            position = torch.searchsorted(keys, x.contiguous()).clamp(
                max=len(keys) - 1)
            lookups = torch.where(keys[position] == x, values[position],
                                  default)
        else:
            lookups = default
        if self.mask_token is not None:
            lookups = torch.where(x == self.mask_token, torch.full_like(
                x, 0 if self.output_mode == INT else _INT64_MAX), lookups)
        if self.num_oov_indices == 0 and bool((lookups == -1).any()):
            from ..tensorflow_compat import errors
            raise errors.InvalidArgumentError(
                'When `num_oov_indices=0` all inputs should be in '
                'vocabulary, found OOV values {}, consider setting '
                '`num_oov_indices=1`.'.format(x[lookups == -1].tolist()))
        return self._encode(lookups)

    def _invert(self, x):
        start = self._token_start_index()
        tokens = torch.as_tensor(self._tokens, device=x.device)
        inside = (x >= start) & (x < start + len(tokens))
        out = torch.full_like(x, -1 if self.oov_token is None
                              else self.oov_token)
        if len(tokens):
            found = tokens[(x - start).clamp(0, len(tokens) - 1)]
            out = torch.where(inside, found, out)
        if self.mask_token is not None:
            out = torch.where(x == 0, torch.full_like(x, self.mask_token),
                              out)
        return out.to(ops.torch_dtype(self.vocabulary_dtype))

    def get_config(self):
        config = super(IntegerLookup, self).get_config()
        config['vocabulary_dtype'] = self.vocabulary_dtype
        return config


class StringLookup(_IndexLookup):
    """tf.keras's `StringLookup(max_tokens=None, num_oov_indices=1,
    mask_token=None, oov_token='[UNK]', vocabulary=None, idf_weights=None,
    encoding='utf-8', invert=False, output_mode='int', sparse=False,
    pad_to_max_tokens=False)`.

    Maps strings (str or UTF-8 bytes: lists, numpy arrays, the TensorFlow
    stand-in's string constants, a scalar) to indices in the vocabulary
    [mask_token (with output_mode 'int')] + [oov_token] * num_oov_indices
    + tokens. An unknown string gets the OOV index (with several, its
    FarmHash Fingerprint64 mod `num_oov_indices` picks one, as
    `tf.strings.to_hash_bucket_fast`; with none, InvalidArgumentError),
    the mask token index 0. 'int' gives int64 indices of the input's
    shape; 'one_hot', 'multi_hot', 'count' and 'tf_idf' encode them as
    float rows of `vocabulary_size()` (or `max_tokens` with
    `pad_to_max_tokens`). `invert=True` maps indices back to tokens, the
    OOV token for unknown indices, as a numpy array of bytes.

    The vocabulary is given (a list / array of strings, or the path of a
    UTF-8 file with one token a line), set by `set_vocabulary`, or learnt
    by `adapt`: tokens by decreasing count, ties by decreasing (byte)
    order, at most `max_tokens` entries in all, mask and OOV tokens left
    out; `get_vocabulary()` gives the special tokens as given and the
    tokens as numpy strings decoded with `encoding`, as tf_keras does. For
    tf_idf, idf = log(1 + documents / (1 + documents with the token)), the
    special tokens getting the mean idf.

    Weights: `idf_weights` and `num_documents` (tf_idf) as in tf_keras;
    the learnt vocabulary is not a weight here (tf_keras lists it in
    `get_weights()` as an array of bytes), so HDF5 files cannot hold it:
    saving an adapted layer to HDF5 raises NotImplementedError, as in
    tf_keras. A vocabulary given to the constructor is in the config.
    `sparse=True` is not supported."""

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None,
                 oov_token='[UNK]', vocabulary=None, idf_weights=None,
                 encoding='utf-8', invert=False, output_mode=INT,
                 sparse=False, pad_to_max_tokens=False, **kwargs):
        # Legacy configs give the layer a string dtype; tf_keras drops it.
        dtype = kwargs.get('dtype')
        if getattr(dtype, 'name', dtype) == 'string':
            del kwargs['dtype']
        self.encoding = encoding
        super(StringLookup, self).__init__(
            max_tokens=max_tokens, num_oov_indices=num_oov_indices,
            mask_token=mask_token, oov_token=oov_token,
            vocabulary=vocabulary, idf_weights=idf_weights, invert=invert,
            output_mode=output_mode, sparse=sparse,
            pad_to_max_tokens=pad_to_max_tokens, **kwargs)

    # ------------------------------------------------------------ tokens
    def _init_tokens(self):
        self._tokens = np.empty(0, object)
        self._index = {}

    def _keys(self, data, what):
        return string_array(data)

    def _key(self, token):
        return _as_bytes(token)

    def _user_tokens(self, tokens):
        """Tokens as tf_keras's get_vocabulary gives them: numpy strings
        decoded with `encoding`."""
        return [np.str_(t.decode(self.encoding)) for t in tokens]

    def _read_vocabulary_file(self, path):
        # (tf's TextFileInitializer: a line per token, the line ending cut.)
        with open(path, 'rb') as f:
            lines = f.read().split(b'\n')
        if lines and lines[-1] == b'':
            lines.pop()
        return string_array([line[:-1] if line.endswith(b'\r') else line
                             for line in lines]) if lines else \
            np.empty(0, object)

    def _set_tokens(self, tokens):
        self._tokens = np.asarray(tokens, dtype=object).reshape(-1)
        start = self._token_start_index()
        self._index = {token: start + i
                       for i, token in enumerate(self._tokens.tolist())}

    def adapt(self, data, batch_size=None, steps=None):
        """Learns the vocabulary from string `data`: a list or numpy array
        (in batches of `batch_size`), or a dataset of strings."""
        adapt_on_strings(self, data, batch_size, steps)

    # --------------------------------------------------------------- call
    def __call__(self, inputs, *args, **kwargs):
        if getattr(inputs, '_keras_ragged', False):
            return _call_on_ragged(self, inputs, args, kwargs)
        if not self.invert and is_string_data(inputs):
            return call_on_strings(self, inputs, args, kwargs)
        if isinstance(inputs, (list, tuple)):
            inputs = np.asarray(inputs)
        return super(StringLookup, self).__call__(inputs, *args, **kwargs)

    def call(self, inputs):
        self._check_known_vocab_size()
        if self.invert:
            return self._invert(inputs)
        return self._encode(self._lookup_tokens(inputs))

    def _lookup_keys(self, keys):
        flat = keys.reshape(-1).tolist()
        found = np.fromiter((self._index.get(k, -1) for k in flat),
                            np.int64, len(flat))
        return found.reshape(keys.shape)

    def _oov_hash(self, keys):
        return (farmhash.fingerprint64(list(keys)) %
                np.uint64(self.num_oov_indices)).astype(np.int64)

    def _lookup_tokens(self, inputs):
        """The int64 numpy indices of string `inputs` (any shape): unknown
        tokens at the OOV index (with several, a hash of the token picks
        one; with none, InvalidArgumentError), the mask token at 0 ('int')
        or dropped (other modes: int64 max)."""
        keys = string_array(inputs)
        lookups = self._lookup_keys(keys)
        unknown = lookups == -1
        if self.num_oov_indices == 1:
            lookups[unknown] = self._oov_start_index()
        elif self.num_oov_indices > 1 and unknown.any():
            lookups[unknown] = self._oov_hash(keys[unknown]) + \
                self._oov_start_index()
        if self.mask_token is not None:
            masked = keys == self._key(self.mask_token)
            lookups[masked] = 0 if self.output_mode == INT else _INT64_MAX
        if self.num_oov_indices == 0 and (lookups == -1).any():
            from ..tensorflow_compat import errors
            raise errors.InvalidArgumentError(
                'When `num_oov_indices=0` all inputs should be in '
                'vocabulary, found OOV values {}, consider setting '
                '`num_oov_indices=1`.'.format(keys[lookups == -1].tolist()))
        return lookups

    def _invert(self, inputs):
        """Indices back to tokens (bytes): the mask token at 0, the OOV
        token for the OOV indices and indices outside the vocabulary."""
        if isinstance(inputs, torch.Tensor):
            inputs = inputs.detach().cpu().numpy()
        x = np.asarray(inputs).astype(np.int64)
        start = self._token_start_index()
        default = b'' if self.oov_token is None else self._key(
            self.oov_token)
        table = np.concatenate([np.full(start, default, object),
                                self._tokens, np.array([default], object)])
        out = table[np.where((x >= start) & (x < len(table) - 1), x,
                             len(table) - 1)]
        if self.mask_token is not None:
            out = np.where(x == 0, self._key(self.mask_token), out)
        return np.asarray(out, object).reshape(x.shape)

    def compute_output_shape(self, input_shape):
        if self.output_mode == INT:
            return tuple(input_shape)
        return super(StringLookup, self).compute_output_shape(input_shape)

    def _output_dtype(self, inputs):
        return 'string' if self.invert else self.dtype

    def _hdf5_unsaveable(self):
        """Why HDF5 files cannot hold this layer, or None: the vocabulary
        of an adaptable layer (none given to the constructor) is not a
        variable, as in tf_keras."""
        if self._has_input_vocabulary:
            return None
        return ("the vocabulary of {} '{}' (pass `vocabulary=` to the "
                'constructor to keep it in the config)'.format(
                    type(self).__name__, self.name))

    def get_config(self):
        config = super(StringLookup, self).get_config()
        config['encoding'] = self.encoding
        return config



class Hashing(Layer):
    """tf.keras's `Hashing(num_bins, mask_value=None, salt=None,
    output_mode='int', sparse=False)` for integer inputs: each value's
    decimal string hashed with FarmHash Fingerprint64
    (`tf.strings.to_hash_bucket_fast`) or, with a `salt` (an int or two),
    keyed SipHash-2-4 (`to_hash_bucket_strong`), modulo `num_bins`; with
    `mask_value`, that value gets bin 0 and the others hash into bins
    1..num_bins-1. String inputs are hashed as their UTF-8 bytes. 'int'
    gives int64 bins, 'one_hot' / 'multi_hot' / 'count' encode them as
    float rows of num_bins. Float inputs raise, as in tf. `sparse=True` is
    not supported."""

    def __init__(self, num_bins, mask_value=None, salt=None,
                 output_mode=INT, sparse=False, **kwargs):
        if num_bins is None or num_bins <= 0:
            raise ValueError(
                'The `num_bins` for `Hashing` cannot be `None` or '
                'non-positive values. Received: num_bins={}.'.format(
                    num_bins))
        super(Hashing, self).__init__(**_output_dtype(kwargs, output_mode))
        _check_output_mode(output_mode, (INT, ONE_HOT, MULTI_HOT, COUNT),
                           'Hashing')
        _refuse_sparse(sparse, output_mode, 'Hashing',
                       (ONE_HOT, MULTI_HOT, COUNT))
        self.num_bins = num_bins
        self.mask_value = mask_value
        self.strong_hash = salt is not None
        self.output_mode = output_mode
        self.sparse = sparse
        self.salt = None
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                self.salt = list(salt)
            elif isinstance(salt, int):
                self.salt = [salt, salt]
            else:
                raise ValueError(
                    'The `salt` argument for `Hashing` can only be a tuple '
                    'of size 2 integers, or a single integer. Received: '
                    'salt={}.'.format(salt))

    def __call__(self, inputs, *args, **kwargs):
        if is_string_data(inputs):
            return call_on_strings(self, inputs, args, kwargs)
        return super(Hashing, self).__call__(inputs, *args, **kwargs)

    def call(self, inputs):
        if isinstance(inputs, np.ndarray) and inputs.dtype == object:
            bins = torch.as_tensor(self._hash(inputs), device=K.get_device())
            return encode_categorical(bins, self.output_mode, self.num_bins,
                                      self.dtype)
        x = _as_tensor(inputs)
        if x.is_floating_point() or x.dtype == torch.bool:
            from ..tensorflow_compat import errors
            raise errors.InvalidArgumentError(
                'cannot compute StringToHashBucketFast as input #0 was '
                'expected to be a string tensor but is a {} tensor (Hashing '
                'takes integers).'.format(x.dtype))
        bins = torch.as_tensor(self._hash(x.detach().cpu().numpy()),
                               device=x.device)
        return encode_categorical(bins, self.output_mode, self.num_bins,
                                  self.dtype)

    def _hash(self, values):
        """The bins of an integer numpy array, or of an object array of
        UTF-8 bytes."""
        bins = self.num_bins
        masked = self.mask_value is not None and bins > 1
        if masked:
            bins -= 1
        unique, inverse = np.unique(values, return_inverse=True)
        strings = [v if isinstance(v, bytes) else str(v).encode()
                   for v in unique.tolist()]
        if self.strong_hash:
            hashes = [farmhash.siphash(self.salt, s) % bins
                      for s in strings]
        else:
            hashes = farmhash.fingerprint64(strings) % np.uint64(bins)
        out = np.asarray(hashes, np.int64)[inverse].reshape(values.shape)
        if masked:
            mask = self.mask_value
            if values.dtype == object and isinstance(mask, str):
                mask = mask.encode('utf-8')
            out = np.where(values == mask, 0, out + 1)
        return out

    def compute_output_shape(self, input_shape):
        return _categorical_output_shape(input_shape, self.output_mode,
                                         self.num_bins)

    def get_config(self):
        config = super(Hashing, self).get_config()
        config.update({'num_bins': self.num_bins, 'salt': self.salt,
                       'mask_value': self.mask_value,
                       'output_mode': self.output_mode,
                       'sparse': self.sparse})
        return config
