"""`tf.feature_column` (TensorFlow 2's feature_column_v2) and tf.keras's
`DenseFeatures` layer that turns a dict of raw features into one dense
float32 tensor.

A column transforms the features of a batch (a dict of torch tensors and
numpy string arrays, as a tf.data dataset of dicts gives them). A
categorical column gives ids as a pair of int64 arrays (batch, k): the
ids and whether each is present (TensorFlow drops '' strings and -1
integers before the lookup, as its sparse inputs hold no value there).
Hashing is FarmHash's Fingerprint64 (`tf.strings.to_hash_bucket_fast`),
crossing the FingerprintCat64 chain of `tf.sparse.cross_hashed`, as in
TensorFlow, so bucket ids are the same."""
import collections
import math

import numpy as np
import torch

from . import backend as K
from . import initializers as initializers_module
from .engine.base_layer import Layer, _is_symbolic
from .layers.lookup import is_string_data, string_array
from .utils import farmhash

__all__ = ['numeric_column', 'bucketized_column', 'indicator_column',
           'embedding_column', 'categorical_column_with_vocabulary_list',
           'categorical_column_with_hash_bucket',
           'categorical_column_with_identity', 'crossed_column',
           'DenseFeatures']


# ------------------------------------------------------------ raw input
def _raw(features, key):
    """The feature `key` of the batch, rank 2 (a rank-1 feature gets a
    trailing axis, as TensorFlow's transformation cache gives it)."""
    if key not in features:
        raise ValueError('The following key is not in the features '
                         'dictionary: %s' % (key,))
    value = features[key]
    if is_string_data(value):
        value = string_array(value)
        return value.reshape(-1, 1) if value.ndim == 1 else value
    if not isinstance(value, torch.Tensor):
        value = torch.as_tensor(np.asarray(value), device=K.get_device())
    return value.reshape(-1, 1) if value.dim() == 1 else value


def _bytes_of(values):
    """The strings of an array of strings or integers (integers as their
    decimal text, as `tf.strings.as_string` writes them)."""
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    if values.dtype.kind in 'iu':
        return [str(int(v)).encode('ascii') for v in values.reshape(-1)]
    return list(values.reshape(-1))


def _sparse_ids(values):
    """(values as a numpy array, present mask): '' strings and -1
    integers are absent."""
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    if values.dtype.kind in 'OSU':
        return values, values != b''
    # (Integer features reach a model without Inputs as floatx.)
    values = values.astype(np.int64)
    return values, values != -1


def _categorical_ids(column, features, cache):
    if column not in cache:
        cache[column] = column._ids(features, cache)
    return cache[column]


# ------------------------------------------------------------ dense columns
class NumericColumn(collections.namedtuple(
        'NumericColumn', ('key', 'shape', 'default_value', 'dtype',
                          'normalizer_fn'))):
    """A real-valued feature: its values (after `normalizer_fn`) as
    float32, flattened to `prod(shape)` per example."""

    @property
    def name(self):
        return self.key

    @property
    def variable_shape(self):
        return self.shape

    def _dense(self, features, layer, cache):
        value = _raw(features, self.key)
        if not isinstance(value, torch.Tensor):
            raise ValueError('The corresponding Tensor of numerical column '
                             'must be a Tensor. SparseTensor is not '
                             'supported. key: %s' % (self.key,))
        if self.normalizer_fn is not None:
            value = self.normalizer_fn(value)
        return value.float().reshape(value.shape[0], -1)


class BucketizedColumn(collections.namedtuple(
        'BucketizedColumn', ('source_column', 'boundaries'))):
    """A numeric column split at `boundaries`: bucket i holds
    boundaries[i-1] <= x < boundaries[i]; dense, a one-hot row per value."""

    @property
    def name(self):
        return '%s_bucketized' % (self.source_column.name,)

    @property
    def num_buckets(self):
        return (len(self.boundaries) + 1) * self.source_column.shape[0]

    def _buckets(self, features, cache):
        value = self.source_column._dense(features, None, cache)
        bounds = torch.tensor(self.boundaries, dtype=value.dtype,
                              device=value.device)
        return torch.bucketize(value, bounds, right=True)

    def _dense(self, features, layer, cache):
        buckets = self._buckets(features, cache)
        one_hot = torch.nn.functional.one_hot(
            buckets, len(self.boundaries) + 1).float()
        return one_hot.reshape(one_hot.shape[0], -1)

    def _ids(self, features, cache):
        buckets = self._buckets(features, cache).cpu().numpy()
        offsets = (len(self.boundaries) + 1) * np.arange(buckets.shape[1])
        ids = buckets.astype(np.int64) + offsets
        return ids, np.ones(ids.shape, bool)


class IndicatorColumn(collections.namedtuple(
        'IndicatorColumn', ('categorical_column',))):
    """A categorical column as a multi-hot row of its `num_buckets`
    (ids out of range, such as a vocabulary's -1, count nowhere)."""

    @property
    def name(self):
        return '%s_indicator' % (self.categorical_column.name,)

    def _dense(self, features, layer, cache):
        ids, present = _categorical_ids(self.categorical_column, features,
                                        cache)
        depth = self.categorical_column.num_buckets
        valid = present & (ids >= 0) & (ids < depth)
        out = np.zeros((ids.shape[0], depth), np.float32)
        rows = np.nonzero(valid)[0]
        np.add.at(out, (rows, ids[valid]), 1.)
        return torch.as_tensor(out, device=K.get_device())


class EmbeddingColumn(collections.namedtuple(
        'EmbeddingColumn', ('categorical_column', 'dimension', 'combiner',
                            'initializer', 'ckpt_to_load_from',
                            'tensor_name_in_ckpt', 'max_norm',
                            'trainable'))):
    """A categorical column's ids looked up in a (num_buckets, dimension)
    table `<name>/embedding_weights` and combined per example ('mean',
    'sum' or 'sqrtn'); an example with no valid id gives zeros."""

    @property
    def name(self):
        return '%s_embedding' % (self.categorical_column.name,)

    def _create_weights(self, layer):
        return layer.add_weight(
            name='%s/embedding_weights' % (self.name,),
            shape=(self.categorical_column.num_buckets, self.dimension),
            initializer=self.initializer, trainable=self.trainable)

    def _dense(self, features, layer, cache):
        ids, present = _categorical_ids(self.categorical_column, features,
                                        cache)
        table = layer._embedding_weights[self.name]
        valid = present & (ids >= 0)
        weights = torch.as_tensor(valid.astype(np.float32),
                                  device=table.device)
        looked_up = table[torch.as_tensor(np.where(valid, ids, 0),
                                          device=table.device)]
        total = (looked_up * weights[..., None]).sum(1)
        count = weights.sum(1, keepdim=True)
        if self.combiner == 'sum':
            return total
        if self.combiner == 'mean':
            return total / torch.clamp(count, min=1.)
        return total / torch.clamp(torch.sqrt(count), min=1.)


# ------------------------------------------------------ categorical columns
class VocabularyListCategoricalColumn(collections.namedtuple(
        'VocabularyListCategoricalColumn',
        ('key', 'vocabulary_list', 'dtype', 'default_value',
         'num_oov_buckets'))):
    """Values looked up in `vocabulary_list`; an unknown value gets
    `default_value`, or with `num_oov_buckets` its Fingerprint64 bucket
    after the vocabulary."""

    @property
    def name(self):
        return self.key

    @property
    def num_buckets(self):
        return len(self.vocabulary_list) + self.num_oov_buckets

    def _ids(self, features, cache):
        values, present = _sparse_ids(_raw(features, self.key))
        strings = self.dtype == 'string'
        if strings != (values.dtype.kind in 'OSU'):
            raise ValueError(
                'Column dtype and SparseTensors dtype must be compatible. '
                'key: %s, column dtype: %s, tensor dtype: %s' % (
                    self.key, self.dtype, values.dtype))
        index = {(_as_key(v) if strings else int(v)): i
                 for i, v in enumerate(self.vocabulary_list)}
        flat = values.reshape(-1)
        ids = np.array([index.get(_as_key(v) if strings else int(v), -1)
                        for v in flat], np.int64)
        if self.num_oov_buckets:
            unknown = ids < 0
            if unknown.any():
                hashed = farmhash.fingerprint64(_bytes_of(flat[unknown]))
                ids[unknown] = (hashed % np.uint64(self.num_oov_buckets)
                                ).astype(np.int64) + len(index)
        else:
            ids[ids < 0] = self.default_value
        return ids.reshape(values.shape), present


def _as_key(value):
    return value.encode('utf-8') if isinstance(value, str) else bytes(value)


class HashedCategoricalColumn(collections.namedtuple(
        'HashedCategoricalColumn', ('key', 'hash_bucket_size', 'dtype'))):
    """Values (integers as their decimal text) hashed by Fingerprint64
    into `hash_bucket_size` buckets."""

    @property
    def name(self):
        return self.key

    @property
    def num_buckets(self):
        return self.hash_bucket_size

    def _ids(self, features, cache):
        values, present = _sparse_ids(_raw(features, self.key))
        hashed = farmhash.fingerprint64(_bytes_of(values))
        ids = (hashed % np.uint64(self.hash_bucket_size)).astype(np.int64)
        return ids.reshape(values.shape), present


class IdentityCategoricalColumn(collections.namedtuple(
        'IdentityCategoricalColumn', ('key', 'number_buckets',
                                      'default_value'))):
    """Integer values used as ids in [0, num_buckets); others take
    `default_value`, or raise without one."""

    @property
    def name(self):
        return self.key

    @property
    def num_buckets(self):
        return self.number_buckets

    def _ids(self, features, cache):
        values, present = _sparse_ids(_raw(features, self.key))
        if values.dtype.kind not in 'iu':
            raise ValueError('Invalid input, not integer. key: %s dtype: '
                             'string' % (self.key,))
        outside = present & ((values < 0) | (values >= self.number_buckets))
        if outside.any():
            if self.default_value is None:
                raise ValueError(
                    'assertion failed: ids must be in [0, %d): key %s got '
                    '%s' % (self.number_buckets, self.key,
                            values[outside].tolist()))
            values = np.where(outside, self.default_value, values)
        return values, present


class CrossedColumn(collections.namedtuple(
        'CrossedColumn', ('keys', 'hash_bucket_size', 'hash_key'))):
    """Every combination of the keys' values in an example (raw features
    by their value, categorical columns by their ids), hashed by
    `tf.sparse.cross_hashed` into `hash_bucket_size` buckets."""

    @property
    def name(self):
        return '_X_'.join(sorted(
            k if isinstance(k, str) else k.name for k in self.keys))

    @property
    def num_buckets(self):
        return self.hash_bucket_size

    def _leaf_values(self, features, cache):
        """The values crossed, in the order of `tf.sparse.cross_hashed`:
        the categorical columns' ids (sparse), then the raw features
        (dense, every value present, '' included)."""
        keys = list(_leaf_keys(self))
        for key in keys:
            if not isinstance(key, str):
                yield _categorical_ids(key, features, cache)
        for key in keys:
            if isinstance(key, str):
                values = _sparse_ids(_raw(features, key))[0]
                yield values, np.ones(values.shape, bool)

    def _ids(self, features, cache):
        leaves = list(self._leaf_values(features, cache))
        rows = []
        for row in range(leaves[0][0].shape[0]):
            crosses = [farmhash.cross_hashed(
                [[value] for value in combo], self.hash_bucket_size,
                self.hash_key)[0] for combo in _row_products(leaves, row)]
            rows.append(crosses)
        width = max([len(r) for r in rows] + [1])
        ids = np.full((len(rows), width), -1, np.int64)
        present = np.zeros(ids.shape, bool)
        for i, crosses in enumerate(rows):
            ids[i, :len(crosses)] = crosses
            present[i, :len(crosses)] = True
        return ids, present


def _leaf_keys(cross):
    for key in cross.keys:
        if isinstance(key, CrossedColumn):
            yield from _leaf_keys(key)
        else:
            yield key


def _row_products(leaves, row):
    """The combinations of the present values of one example, the first
    key varying slowest."""
    combos = [[]]
    for values, present in leaves:
        row_values = [v for v, p in zip(values[row], present[row]) if p]
        combos = [c + [v] for c in combos for v in row_values]
    return combos


# ------------------------------------------------------------ constructors
def numeric_column(key, shape=(1,), default_value=None, dtype='float32',
                   normalizer_fn=None):
    """`tf.feature_column.numeric_column`."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if normalizer_fn is not None and not callable(normalizer_fn):
        raise TypeError('normalizer_fn must be a callable. Given: %s'
                        % (normalizer_fn,))
    return NumericColumn(key, shape, default_value, _dtype_name(dtype),
                         normalizer_fn)


def bucketized_column(source_column, boundaries):
    """`tf.feature_column.bucketized_column`."""
    if not isinstance(source_column, NumericColumn):
        raise ValueError(
            'source_column must be a column generated with numeric_column'
            '(). Given: %s' % (source_column,))
    if len(source_column.shape) > 1:
        raise ValueError('source_column must be one-dimensional column. '
                         'Given: %s' % (source_column,))
    boundaries = tuple(boundaries or ())
    if not boundaries or any(a >= b for a, b in zip(boundaries,
                                                     boundaries[1:])):
        raise ValueError('boundaries must not be empty, and must be a '
                         'sorted list of floats.')
    return BucketizedColumn(source_column, boundaries)


def categorical_column_with_vocabulary_list(key, vocabulary_list,
                                            dtype=None, default_value=-1,
                                            num_oov_buckets=0):
    """`tf.feature_column.categorical_column_with_vocabulary_list`."""
    if not vocabulary_list:
        raise ValueError('vocabulary_list %s must be non-empty, column_name:'
                         ' %s' % (vocabulary_list, key))
    if len(set(vocabulary_list)) != len(vocabulary_list):
        raise ValueError('Duplicate keys in vocabulary_list %s, column_name:'
                         ' %s' % (vocabulary_list, key))
    if num_oov_buckets and default_value != -1:
        raise ValueError('Can\'t specify both num_oov_buckets and '
                         'default_value in %s.' % (key,))
    strings = isinstance(vocabulary_list[0], (str, bytes))
    if dtype is None:
        dtype = 'string' if strings else 'int64'
    return VocabularyListCategoricalColumn(
        key, tuple(vocabulary_list), _dtype_name(dtype), default_value,
        num_oov_buckets)


def categorical_column_with_hash_bucket(key, hash_bucket_size,
                                        dtype='string'):
    """`tf.feature_column.categorical_column_with_hash_bucket`."""
    if hash_bucket_size is None or hash_bucket_size < 1:
        raise ValueError('hash_bucket_size must be at least 1. '
                         'hash_bucket_size: %s, key: %s'
                         % (hash_bucket_size, key))
    return HashedCategoricalColumn(key, hash_bucket_size,
                                   _dtype_name(dtype))


def categorical_column_with_identity(key, num_buckets, default_value=None):
    """`tf.feature_column.categorical_column_with_identity`."""
    if num_buckets < 1:
        raise ValueError('num_buckets %s < 1, column_name %s'
                         % (num_buckets, key))
    return IdentityCategoricalColumn(key, num_buckets, default_value)


def indicator_column(categorical_column):
    """`tf.feature_column.indicator_column`."""
    return IndicatorColumn(categorical_column)


def embedding_column(categorical_column, dimension, combiner='mean',
                     initializer=None, ckpt_to_load_from=None,
                     tensor_name_in_ckpt=None, max_norm=None,
                     trainable=True, use_safe_embedding_lookup=True):
    """`tf.feature_column.embedding_column`; the default initializer is
    a truncated normal of stddev 1/sqrt(dimension)."""
    if dimension is None or dimension < 1:
        raise ValueError('Invalid dimension %s.' % (dimension,))
    if combiner not in ('mean', 'sqrtn', 'sum'):
        raise ValueError('combiner must be "mean", "sqrtn" or "sum"; '
                         'got %s' % (combiner,))
    if ckpt_to_load_from is not None or max_norm is not None:
        raise NotImplementedError(
            'embedding_column: ckpt_to_load_from and max_norm are not '
            'supported; load the table with set_weights and clip it with '
            'a constraint instead.')
    if initializer is None:
        initializer = initializers_module.TruncatedNormal(
            mean=0., stddev=1. / math.sqrt(dimension))
    return EmbeddingColumn(categorical_column, dimension, combiner,
                           initializer, None, None, None, trainable)


def crossed_column(keys, hash_bucket_size, hash_key=None):
    """`tf.feature_column.crossed_column`."""
    if not hash_bucket_size or hash_bucket_size < 1:
        raise ValueError('hash_bucket_size must be > 1. hash_bucket_size: '
                         '%s' % (hash_bucket_size,))
    if not keys or len(keys) < 2:
        raise ValueError('keys must be a list with length > 1. Given: %s'
                         % (keys,))
    for key in keys:
        if isinstance(key, (HashedCategoricalColumn,)):
            raise ValueError('categorical_column_with_hash_bucket is not '
                             'supported for crossing. Hashing before '
                             'crossing will increase probability of '
                             'collision. Instead, use the feature name '
                             'as a string. Given: %s' % (key,))
    return CrossedColumn(tuple(keys), hash_bucket_size,
                         farmhash._CROSS_HASH_KEY if hash_key is None
                         else hash_key)


def _dtype_name(dtype):
    return getattr(dtype, 'name', dtype)


# ------------------------------------------------------------ the layer
_DENSE_TYPES = (NumericColumn, BucketizedColumn, IndicatorColumn,
                EmbeddingColumn)


def _sorted_columns(feature_columns):
    if isinstance(feature_columns, _DENSE_TYPES) or \
            not isinstance(feature_columns, (list, tuple, set, dict)):
        feature_columns = [feature_columns]
    feature_columns = list(feature_columns)
    if not feature_columns:
        raise ValueError('Expected feature_columns to be iterable, found '
                         'list.')
    names = {}
    for column in feature_columns:
        if not isinstance(column, _DENSE_TYPES):
            raise ValueError(
                'Items of feature_columns must be a DenseColumn. You can '
                'wrap a categorical column with an embedding_column or '
                'indicator_column. Given: %s' % (column,))
        if column.name in names:
            raise ValueError(
                'Duplicate feature column name found for columns: %s and '
                '%s. This usually means that these columns refer to same '
                'base feature. Either one must be discarded or a '
                'duplicated but renamed item must be inserted in features '
                'dict.' % (column, names[column.name]))
        names[column.name] = column
    return sorted(feature_columns, key=lambda c: c.name)


class DenseFeatures(Layer):
    """tf.keras's `DenseFeatures(feature_columns, trainable=True,
    name=None)`: called on a dict of features, the dense output of each
    column (in the order of the columns' names) concatenated along the
    last axis; embedding columns' tables are its weights."""

    def __init__(self, feature_columns, trainable=True, name=None,
                 partitioner=None, **kwargs):
        if partitioner is not None:
            raise NotImplementedError(
                'DenseFeatures: partitioner is not supported; leave it '
                'None (one table per embedding column).')
        super(DenseFeatures, self).__init__(trainable=trainable, name=name,
                                            **kwargs)
        self._feature_columns = _sorted_columns(feature_columns)
        self._embedding_weights = {}

    def build(self, input_shape=None):
        for column in self._feature_columns:
            if isinstance(column, EmbeddingColumn):
                self._embedding_weights[column.name] = \
                    column._create_weights(self)
        self.built = True

    def __call__(self, features, *args, **kwargs):
        keys = self.__dict__.get('_input_keys')
        if keys is not None and isinstance(features, (list, tuple)) and \
                len(features) == len(keys):
            # (A functional model runs the node on its list of values.)
            features = dict(zip(keys, features))
        if not isinstance(features, dict):
            raise ValueError('We expected a dictionary here. Instead we '
                             'got: %s' % (features,))
        if any(_is_symbolic(v) for v in features.values()):
            # On a dict of Inputs: one graph node on their list.
            keys = sorted(features)
            self.__dict__['_input_keys'] = keys
            return super(DenseFeatures, self).__call__(
                [features[k] for k in keys], *args, **kwargs)
        if not self.built:
            self.__dict__['_built_by_call'] = True
            self.build()
        kwargs.pop('training', None)
        return self.call(features, *args, **kwargs)

    def call(self, features, cols_to_output_tensors=None, training=None):
        cache = {}
        outputs = []
        for column in self._feature_columns:
            tensor = column._dense(features, self, cache)
            if cols_to_output_tensors is not None:
                cols_to_output_tensors[column] = tensor
            outputs.append(tensor)
        device = outputs[0].device
        return torch.cat([t.to(device) for t in outputs], dim=-1)

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, dict):
            input_shape = list(input_shape.values())
        batch = tuple(input_shape[0])[0] if input_shape else None
        return (batch, sum(_width(c) for c in self._feature_columns))

    def get_config(self):
        config = super(DenseFeatures, self).get_config()
        config['feature_columns'] = [repr(c) for c in self._feature_columns]
        return config


def _width(column):
    if isinstance(column, NumericColumn):
        return int(np.prod(column.shape))
    if isinstance(column, BucketizedColumn):
        return column.num_buckets
    if isinstance(column, IndicatorColumn):
        return column.categorical_column.num_buckets
    return column.dimension
