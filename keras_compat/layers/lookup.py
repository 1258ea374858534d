"""tf.keras 2.x's `IntegerLookup` and `Hashing` layers (tf_keras
layers/preprocessing/index_lookup.py, integer_lookup.py, hashing.py) for
integer inputs. Strings cannot be torch tensors: string inputs and
vocabularies raise NotImplementedError (StringLookup and TextVectorization
are not provided either)."""
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
                            _refuse_sparse, encode_categorical, listify)

__all__ = ['IntegerLookup', 'Hashing']

TF_IDF = 'tf_idf'
_INT64_MAX = np.iinfo(np.int64).max
_STRING_ADVICE = (
    'keras_compat handles integer values only (torch has no string '
    'tensors): map strings to integers before the model, e.g. with '
    'keras.preprocessing.text.Tokenizer or a Python dict.')


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


class IntegerLookup(PreprocessingLayer):
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
                 sparse=False, pad_to_max_tokens=False,
                 vocabulary_size=None, has_input_vocabulary=None,
                 has_static_table=None, **kwargs):
        # (The last three: keys of tf_keras's configs, which its
        # IndexLookup reads from kwargs.)
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
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError('If pad_to_max_tokens is True, must set '
                             '`max_tokens`. Received: max_tokens=None')
        if num_oov_indices < 0:
            raise ValueError(
                'The value of `num_oov_indices` argument for `IntegerLookup` '
                'must >= 0. Received num_oov_indices={}.'.format(
                    num_oov_indices))
        output_mode = {'binary': MULTI_HOT, 'tf-idf': TF_IDF}.get(
            output_mode, output_mode)
        _check_output_mode(output_mode,
                           (INT, ONE_HOT, MULTI_HOT, COUNT, TF_IDF),
                           'IntegerLookup')
        if invert and output_mode != INT:
            raise ValueError("`output_mode` must be `'int'` when `invert` is "
                             'true. Received: output_mode={}'.format(
                                 output_mode))
        _refuse_sparse(sparse, output_mode, 'IntegerLookup',
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
        super(IntegerLookup, self).__init__(**kwargs)
        if output_mode == INT and \
                ops.torch_dtype(self.dtype).is_floating_point:
            raise ValueError("When `output_mode='int'`, `dtype` should be an "
                             'integer type. Received: dtype={}'.format(
                                 kwargs['dtype']))
        self.invert = invert
        self.max_tokens = max_tokens
        self.num_oov_indices = num_oov_indices
        self.mask_token = None if mask_token is None else int(mask_token)
        self.oov_token = None if oov_token is None else int(oov_token)
        self.output_mode = output_mode
        self.sparse = sparse
        self.pad_to_max_tokens = pad_to_max_tokens
        self.vocabulary_dtype = vocabulary_dtype
        self.input_vocabulary = vocabulary
        self.input_idf_weights = idf_weights
        self._has_input_vocabulary = has_input_vocabulary
        self._tokens = np.zeros(0, np.int64)
        self._tables = {}
        self._idf = np.zeros(self._token_start_index(), np.float32)
        if output_mode == TF_IDF:
            self._vocab_weight('idf_weights', self._idf, 'float32')
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        if not has_input_vocabulary:
            self._vocab_weight('vocabulary', self._tokens, 'int64')
            self._token_counts = collections.Counter()
            self._document_counts = collections.Counter()
            if output_mode == TF_IDF:
                self.num_documents = self.add_weight(
                    name='num_documents', shape=(), dtype='int64',
                    initializer='zeros', trainable=False)

    # ------------------------------------------------------------ weights
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

    def _set_tokens(self, tokens):
        self._tokens = np.asarray(tokens, np.int64).reshape(-1)
        self._tables = {}
        for record in self._keras_weights:
            if record.name == 'vocabulary':
                self._store(record.attr, self._tokens, update=False)

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

    def vocabulary_size(self):
        """The number of indices: special tokens and tokens."""
        return len(self._tokens) + self._token_start_index()

    def vocab_size(self):
        return self.vocabulary_size()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary as a list of ints, index by index (the mask
        token, the OOV tokens, then the tokens)."""
        tokens = [int(t) for t in self._tokens]
        if not include_special_tokens:
            return tokens
        return [self.mask_token] * self._oov_start_index() + \
            [self.oov_token] * self.num_oov_indices + tokens

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Sets the vocabulary (and, for tf_idf, the idf weights): a list
        or array of ints, optionally starting with the special tokens, or
        the path of a file with one int a line."""
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
            with open(vocabulary) as f:
                lines = [line.strip() for line in f.read().split('\n')]
            try:
                tokens = [int(line) for line in lines if line]
            except ValueError:
                raise NotImplementedError(
                    'The vocabulary file {} holds strings. {}'.format(
                        vocabulary, _STRING_ADVICE))
            self._set_tokens(tokens)
            self._record_vocabulary_size()
            return
        vocabulary = _integers(listify(vocabulary), 'IntegerLookup')
        if vocabulary.size == 0:
            raise ValueError('Cannot set an empty vocabulary, you passed '
                             '{}.'.format(vocabulary))
        token_start = self._token_start_index()
        special = [self.mask_token] * self._oov_start_index() + \
            [self.oov_token] * self.num_oov_indices
        found_special = special == vocabulary[:token_start].tolist()
        tokens = vocabulary[token_start:] if found_special else vocabulary
        repeated = [t for t, c in collections.Counter(tokens.tolist()).items()
                    if c > 1]
        if repeated:
            raise ValueError(
                'The passed vocabulary has at least one repeated term. '
                'Please uniquify your dataset. The repeated terms are '
                '{}'.format(repeated))
        for name, token in (('mask', self.mask_token), ('OOV', (
                self.oov_token if self.invert else None))):
            if token is not None and token in tokens:
                raise ValueError(
                    'Found reserved {} token at unexpected location in '
                    '`vocabulary`. Note that passed `vocabulary` does not '
                    'need to include the OOV and mask tokens. Either remove '
                    'all mask and OOV tokens, or include them only at the '
                    'start of the vocabulary in precisely this order: '
                    '{}.'.format(name, special))
        if self.max_tokens is not None and \
                token_start + len(tokens) > self.max_tokens:
            raise ValueError(
                'Attempted to set a vocabulary larger than the maximum '
                'vocab size. Passed vocab size is {}, max vocab size is '
                '{}.'.format(token_start + len(tokens), self.max_tokens))
        self._set_tokens(tokens)
        self._record_vocabulary_size()
        if self.output_mode != TF_IDF:
            return
        idf_weights = np.asarray(listify(idf_weights), np.float32)
        if len(vocabulary) != len(idf_weights):
            raise ValueError(
                '`idf_weights` must be the same length as vocabulary. '
                'len(idf_weights) is {}, len(vocabulary) is {}'.format(
                    len(idf_weights), len(vocabulary)))
        if idf_weights.ndim != 1:
            raise ValueError('TF-IDF data must be a 1-index array.')
        front = 0 if found_special else token_start
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
    def adapt(self, data, batch_size=None, steps=None):
        """Learns the vocabulary from integer `data` (as
        PreprocessingLayer.adapt reads it)."""
        if isinstance(data, (list, tuple, np.ndarray)):
            _integers(data, 'IntegerLookup.adapt')
        super(IntegerLookup, self).adapt(data, batch_size, steps)

    def update_state(self, data):
        if self._has_input_vocabulary:
            raise ValueError(
                'Cannot adapt IntegerLookup layer after setting a static '
                'vocabulary via init argument or `set_vocabulary`.')
        data = _integers(data, 'IntegerLookup.adapt')
        data = data.reshape((1, -1)) if data.ndim < 2 else data
        tokens, counts = np.unique(data, return_counts=True)
        self._token_counts.update(dict(zip(tokens.tolist(), counts.tolist())))
        if self.output_mode == TF_IDF:
            for row in data.reshape(len(data), -1):
                self._document_counts.update(np.unique(row).tolist())
            with torch.no_grad():
                self.num_documents.add_(len(data))

    def finalize_state(self):
        counts = self._token_counts if not self._has_input_vocabulary \
            else None
        if not counts:
            self._record_vocabulary_size()
            return
        for special in (self.mask_token, self.oov_token):
            counts.pop(special, None)
        tokens = np.array(list(counts), np.int64)
        order = np.lexsort((tokens, [counts[t] for t in tokens]))[::-1]
        if self.max_tokens:
            order = order[:self.max_tokens - self._token_start_index()]
        self._set_tokens(tokens[order])
        if self.output_mode == TF_IDF:
            documents = np.array([self._document_counts[t]
                                  for t in tokens[order]], np.float64)
            idf = np.log(1 + int(self.num_documents) / (1 + documents))
            idf = idf.astype(np.float32)
            back = self.max_tokens - len(idf) - self._token_start_index() \
                if self.pad_to_max_tokens else 0
            self._set_idf(np.concatenate([
                np.full(self._token_start_index(), np.mean(idf), np.float32),
                idf, np.zeros(back, np.float32)]))
        self.reset_state()
        self._record_vocabulary_size()

    def reset_state(self):
        if self._has_input_vocabulary:
            return
        self._token_counts.clear()
        self._document_counts.clear()
        if self.output_mode == TF_IDF:
            with torch.no_grad():
                self.num_documents.zero_()

    # --------------------------------------------------------------- call
    def __call__(self, inputs, *args, **kwargs):
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
        if self.output_mode != INT and not self.pad_to_max_tokens and \
                self._frozen_vocab_size is None:
            raise RuntimeError(
                'When using `output_mode={}` and `pad_to_max_tokens=False`, '
                "you must set the layer's vocabulary before calling it. "
                'Either pass a `vocabulary` argument to the layer, or call '
                '`adapt` with some sample data.'.format(self.output_mode))
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
        if self.output_mode == INT:
            return lookups.to(ops.torch_dtype(self.dtype))
        depth = self.max_tokens if self.pad_to_max_tokens \
            else self._frozen_vocab_size
        if self.output_mode != TF_IDF:
            return encode_categorical(lookups, self.output_mode, depth,
                                      self.dtype)
        counts = encode_categorical(lookups, COUNT, depth, self.dtype)
        return counts * torch.as_tensor(self._idf, dtype=counts.dtype,
                                        device=counts.device)

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

    def compute_output_shape(self, input_shape):
        # (The shape `call` gives, as tf.keras's graph tensors have it.)
        depth = self.max_tokens if self.pad_to_max_tokens \
            else self._frozen_vocab_size
        mode = COUNT if self.output_mode == TF_IDF else self.output_mode
        return _categorical_output_shape(input_shape, mode, depth)

    def get_config(self):
        config = {
            'invert': self.invert, 'max_tokens': self.max_tokens,
            'num_oov_indices': self.num_oov_indices,
            'oov_token': self.oov_token, 'mask_token': self.mask_token,
            'output_mode': self.output_mode, 'sparse': self.sparse,
            'pad_to_max_tokens': self.pad_to_max_tokens,
            'vocabulary_dtype': self.vocabulary_dtype,
            'idf_weights': listify(self.input_idf_weights),
            'vocabulary': listify(self.input_vocabulary),
            'vocabulary_size': self._frozen_vocab_size}
        base_config = super(IntegerLookup, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


class Hashing(Layer):
    """tf.keras's `Hashing(num_bins, mask_value=None, salt=None,
    output_mode='int', sparse=False)` for integer inputs: each value's
    decimal string hashed with FarmHash Fingerprint64
    (`tf.strings.to_hash_bucket_fast`) or, with a `salt` (an int or two),
    keyed SipHash-2-4 (`to_hash_bucket_strong`), modulo `num_bins`; with
    `mask_value`, that value gets bin 0 and the others hash into bins
    1..num_bins-1. 'int' gives int64 bins, 'one_hot' / 'multi_hot' /
    'count' encode them as float rows of num_bins. Float inputs raise, as
    in tf; string inputs raise NotImplementedError. `sparse=True` is not
    supported."""

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
        _refuse_strings(inputs, 'Hashing')
        return super(Hashing, self).__call__(inputs, *args, **kwargs)

    def call(self, inputs):
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
        """The bins of an integer numpy array."""
        bins = self.num_bins
        masked = self.mask_value is not None and bins > 1
        if masked:
            bins -= 1
        unique, inverse = np.unique(values, return_inverse=True)
        strings = [str(v).encode() for v in unique.tolist()]
        if self.strong_hash:
            hashes = [farmhash.siphash(self.salt, s) % bins
                      for s in strings]
        else:
            hashes = farmhash.fingerprint64(strings) % np.uint64(bins)
        out = np.asarray(hashes, np.int64)[inverse].reshape(values.shape)
        if masked:
            out = np.where(values == self.mask_value, 0, out + 1)
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
