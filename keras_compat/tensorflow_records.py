"""TFRecord files and `tf.train.Example` protocol buffers without
TensorFlow: `tf.io.TFRecordWriter`, `tf.data.TFRecordDataset`,
`tf.train.Example`/`SequenceExample` and their messages (encoded in the
protocol buffer wire format by hand), and `tf.io.parse_single_example`,
`parse_example` and `parse_single_sequence_example` with
`FixedLenFeature`/`VarLenFeature` descriptions."""
import builtins
import collections
import gzip
import struct
import zlib

import numpy as np
import torch

from . import tensorflow_bundle as _bundle


# ------------------------------------------------------------ crc32c
def _crc_table():
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC_TABLE = _crc_table()


def _crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _CRC_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _masked_crc(data):
    crc = _crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


# ------------------------------------------------------------ records
class TFRecordOptions(object):
    """`tf.io.TFRecordOptions(compression_type)`: None, '', 'GZIP' or
    'ZLIB'."""

    def __init__(self, compression_type=None, **kwargs):
        if compression_type not in (None, '', 'GZIP', 'ZLIB'):
            raise ValueError('Unsupported compression_type: %r'
                             % (compression_type,))
        self.compression_type = compression_type or ''


def _compression(options):
    if isinstance(options, TFRecordOptions):
        return options.compression_type
    return options or ''


class TFRecordWriter(object):
    """`tf.io.TFRecordWriter(path, options=None)`: writes each record
    (bytes) with its length and masked CRC32-C checksums."""

    def __init__(self, path, options=None):
        self._path = path if isinstance(path, str) else bytes(path).decode()
        self._compression = _compression(options)
        self._chunks = []

    def write(self, record):
        record = bytes(record)
        length = struct.pack('<Q', len(record))
        self._chunks.append(length + struct.pack('<I', _masked_crc(length))
                            + record + struct.pack('<I', _masked_crc(record)))

    def flush(self):
        content = b''.join(self._chunks)
        if self._compression == 'GZIP':
            content = gzip.compress(content)
        elif self._compression == 'ZLIB':
            content = zlib.compress(content)
        with builtins.open(self._path, 'wb') as f:
            f.write(content)

    def close(self):
        self.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def file_bytes(filename, compression_type=None):
    """The (decompressed) bytes of a file TensorFlow's readers take."""
    with builtins.open(filename, 'rb') as f:
        content = f.read()
    if compression_type == 'GZIP':
        return gzip.decompress(content)
    if compression_type == 'ZLIB':
        return zlib.decompress(content)
    if compression_type not in (None, ''):
        raise ValueError('compression_type must be None, "", "GZIP" or '
                         '"ZLIB"; got %r' % (compression_type,))
    return content


def read_records(filename, compression_type=None):
    """The records (bytes) of a TFRecord file."""
    content = file_bytes(filename, compression_type)
    records, position = [], 0
    while position < len(content):
        length, = struct.unpack_from('<Q', content, position)
        position += 12
        records.append(content[position:position + length])
        position += length + 4
    return records


# ------------------------------------------------------------ wire format
def _varint(value):
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        bits = value & 0x7F
        value >>= 7
        if value:
            out.append(bits | 0x80)
        else:
            out.append(bits)
            return bytes(out)


_read_varint = _bundle._varint


def _field(number, payload):
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _fields(data):
    """(field number, wire type, value) of each field of a message."""
    position = 0
    while position < len(data):
        key, position = _read_varint(data, position)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, position = _read_varint(data, position)
        elif wire == 2:
            length, position = _read_varint(data, position)
            value = data[position:position + length]
            position += length
        elif wire == 5:
            value = data[position:position + 4]
            position += 4
        elif wire == 1:
            value = data[position:position + 8]
            position += 8
        else:
            raise ValueError('Unsupported protocol buffer wire type %d'
                             % wire)
        yield number, wire, value


class _Message(object):
    """A protocol buffer message: keyword fields, `SerializeToString()`,
    `FromString()` and `ParseFromString()`."""

    def SerializeToString(self, deterministic=None):
        return self._encode()

    @classmethod
    def FromString(cls, data):
        message = cls()
        message.ParseFromString(data)
        return message

    def ParseFromString(self, data):
        self.__init__()
        self._decode(bytes(data))
        return len(data)

    def __eq__(self, other):
        return type(self) is type(other) and self._encode() == other._encode()

    def __repr__(self):
        return '%s(%r)' % (type(self).__name__, self.__dict__)


class BytesList(_Message):
    """`tf.train.BytesList(value=[...])`."""

    def __init__(self, value=()):
        self.value = [v if isinstance(v, bytes) else bytes(v)
                      for v in value]

    def _encode(self):
        return b''.join(_field(1, v) for v in self.value)

    def _decode(self, data):
        self.value = [v for _, _, v in _fields(data)]


class FloatList(_Message):
    """`tf.train.FloatList(value=[...])` (float32 values)."""

    def __init__(self, value=()):
        self.value = [float(np.float32(v)) for v in np.ravel(value)]

    def _encode(self):
        return _field(1, np.asarray(self.value, '<f4').tobytes()) \
            if self.value else b''

    def _decode(self, data):
        for _, wire, v in _fields(data):
            self.value.extend(np.frombuffer(v, '<f4').astype(float).tolist())


class Int64List(_Message):
    """`tf.train.Int64List(value=[...])`."""

    def __init__(self, value=()):
        self.value = [int(v) for v in np.ravel(value)]

    def _encode(self):
        return _field(1, b''.join(_varint(v) for v in self.value)) \
            if self.value else b''

    def _decode(self, data):
        for _, wire, v in _fields(data):
            if wire == 0:
                self.value.append(_signed(v))
                continue
            position = 0
            while position < len(v):
                number, position = _read_varint(v, position)
                self.value.append(_signed(number))


def _signed(value):
    return value - (1 << 64) if value >= 1 << 63 else value


_KINDS = (('bytes_list', BytesList), ('float_list', FloatList),
          ('int64_list', Int64List))


class Feature(_Message):
    """`tf.train.Feature(bytes_list=..., float_list=... or
    int64_list=...)`."""

    def __init__(self, bytes_list=None, float_list=None, int64_list=None):
        self.bytes_list = bytes_list or BytesList()
        self.float_list = float_list or FloatList()
        self.int64_list = int64_list or Int64List()
        given = [name for name, value in (('bytes_list', bytes_list),
                                          ('float_list', float_list),
                                          ('int64_list', int64_list))
                 if value is not None]
        self._kind = given[0] if given else None

    def WhichOneof(self, name):
        return self._kind

    def _encode(self):
        if self._kind is None:
            return b''
        number = [k for k, _ in _KINDS].index(self._kind) + 1
        return _field(number, getattr(self, self._kind)._encode())

    def _decode(self, data):
        for number, _, value in _fields(data):
            name, cls = _KINDS[number - 1]
            setattr(self, name, cls.FromString(value))
            self._kind = name


def _map_message(name, value_cls, doc):
    """A message whose only field (number 1) maps strings to
    `value_cls` messages."""
    def __init__(self, **kwargs):
        setattr(self, name, collections.OrderedDict(kwargs.get(name) or {}))

    def _encode(self):
        return b''.join(
            _field(1, _field(1, key.encode('utf8')) + _field(2, v._encode()))
            for key, v in getattr(self, name).items())

    def _decode(self, data):
        entries = getattr(self, name)
        for _, _, entry in _fields(data):
            parts = {number: value for number, _, value in _fields(entry)}
            entries[parts.get(1, b'').decode('utf8')] = \
                value_cls.FromString(parts.get(2, b''))
    return {'__init__': __init__, '_encode': _encode, '_decode': _decode,
            '__doc__': doc}


Features = type('Features', (_Message,), _map_message(
    'feature', Feature, '`tf.train.Features(feature={name: Feature})`.'))


class FeatureList(_Message):
    """`tf.train.FeatureList(feature=[Feature, ...])`."""

    def __init__(self, feature=()):
        self.feature = list(feature)

    def _encode(self):
        return b''.join(_field(1, f._encode()) for f in self.feature)

    def _decode(self, data):
        self.feature = [Feature.FromString(v) for _, _, v in _fields(data)]


FeatureLists = type('FeatureLists', (_Message,), _map_message(
    'feature_list', FeatureList,
    '`tf.train.FeatureLists(feature_list={name: FeatureList})`.'))


class Example(_Message):
    """`tf.train.Example(features=Features(...))`."""

    def __init__(self, features=None):
        self.features = features or Features()

    def _encode(self):
        return _field(1, self.features._encode())

    def _decode(self, data):
        for _, _, value in _fields(data):
            self.features = Features.FromString(value)


class SequenceExample(_Message):
    """`tf.train.SequenceExample(context=Features(...),
    feature_lists=FeatureLists(...))`."""

    def __init__(self, context=None, feature_lists=None):
        self.context = context or Features()
        self.feature_lists = feature_lists or FeatureLists()

    def _encode(self):
        return _field(1, self.context._encode()) + \
            _field(2, self.feature_lists._encode())

    def _decode(self, data):
        for number, _, value in _fields(data):
            if number == 1:
                self.context = Features.FromString(value)
            else:
                self.feature_lists = FeatureLists.FromString(value)


# ------------------------------------------------------------ parsing
FixedLenFeature = collections.namedtuple(
    'FixedLenFeature', ['shape', 'dtype', 'default_value'])
FixedLenFeature.__new__.__defaults__ = (None,)
FixedLenFeature.__doc__ = ('`tf.io.FixedLenFeature(shape, dtype, '
                           'default_value=None)`.')
VarLenFeature = collections.namedtuple('VarLenFeature', ['dtype'])
VarLenFeature.__doc__ = '`tf.io.VarLenFeature(dtype)`.'
FixedLenSequenceFeature = collections.namedtuple(
    'FixedLenSequenceFeature',
    ['shape', 'dtype', 'allow_missing', 'default_value'])
FixedLenSequenceFeature.__new__.__defaults__ = (False, None)
FixedLenSequenceFeature.__doc__ = (
    '`tf.io.FixedLenSequenceFeature(shape, dtype, allow_missing=False, '
    'default_value=None)`: a variable number of `shape` items, parsed as '
    'a dense tensor (padded with `default_value` in a batch).')
_LIST_OF = {'string': 'bytes_list', 'int64': 'int64_list',
            'float32': 'float_list'}
_TYPE_NAMES = {'bytes_list': 'string', 'int64_list': 'int64',
               'float_list': 'float'}


def _invalid(message):
    from .tensorflow_compat import errors
    return errors.InvalidArgumentError(None, None, message)


def _dtype_name(dtype):
    return getattr(dtype, 'name', None) or str(dtype)


def _values(feature, dtype_name, key=None):
    if feature is None:
        return None
    kind = _LIST_OF.get(dtype_name, 'float_list')
    found = feature.WhichOneof('kind')
    if found is not None and found != kind:
        raise _invalid('Key: %s.  Data types don\'t match. Data type: %s '
                       'but expected type: %s' % (key, _TYPE_NAMES[found],
                                                  _TYPE_NAMES[kind]))
    return list(getattr(feature, kind).value)


def _as_tensor(values, dtype_name, shape):
    if dtype_name == 'string':
        return np.array([v if isinstance(v, bytes) else str(v).encode()
                         for v in values], dtype=object).reshape(shape)
    from .backend.ops import torch_dtype
    from .backend import get_device
    return torch.tensor(np.asarray(values, dtype=dtype_name),
                        dtype=torch_dtype(dtype_name),
                        device=get_device()).reshape(shape)


def _fixed(feature, description, key):
    name = _dtype_name(description.dtype)
    shape = tuple(int(d) for d in description.shape)
    values = _values(feature, name, key)
    if not values:
        if description.default_value is None:
            raise _invalid('Feature: %s (data type: %s) is required but '
                           'could not be found.' % (key, name))
        values = np.broadcast_to(np.asarray(
            description.default_value, dtype=object if name == 'string'
            else name), shape).ravel().tolist()
    if len(values) != int(np.prod(shape)):
        raise _invalid('Key: %s.  Can\'t parse serialized Example: '
                       'expected %d values, got %d.'
                       % (key, int(np.prod(shape)), len(values)))
    return _as_tensor(values, name, shape)


def _sequence_rows(feature, description, key):
    """The values of a FixedLenSequenceFeature, as a list of items of
    `description.shape` (none when the feature is missing)."""
    if not description.allow_missing:
        raise ValueError('Unsupported: FixedLenSequenceFeature requires '
                         'allow_missing to be True.')
    name = _dtype_name(description.dtype)
    values = _values(feature, name, key) or []
    stride = int(np.prod([int(d) for d in description.shape]))
    if stride == 0 or len(values) % stride:
        raise _invalid('Error while parsing feature with key %s: number of '
                       'elements should be divisible by %d, found %d '
                       'instead' % (key, stride, len(values)))
    return [values[i:i + stride]
            for i in builtins.range(0, len(values), stride)]


def _sequence(rows, description, length):
    """A dense (length,) + shape tensor of `rows`, padded with the
    feature's default value (0 or b'' when it has none)."""
    name = _dtype_name(description.dtype)
    shape = tuple(int(d) for d in description.shape)
    fill = description.default_value
    if fill is None:
        fill = b'' if name == 'string' else 0
    stride = int(np.prod(shape))
    pad = [fill] * stride
    values = [v for row in rows for v in row] + \
        pad * (length - len(rows))
    return _as_tensor(values, name, (length,) + shape)


def _string_scalar(tensor):
    from .tensorflow_compat import _StringScalar
    if isinstance(tensor, np.ndarray) and tensor.ndim == 0:
        return _StringScalar(tensor.item())
    return tensor


def _sparse(rows, dtype_name):
    """A SparseTensor of the value lists `rows` (one row each), or of
    one list when `rows` is a single list of values."""
    from .tensorflow_compat import SparseTensor
    indices = [[i, j] for i, row in enumerate(rows)
               for j in builtins.range(len(row))]
    values = [v for row in rows for v in row]
    width = max([len(row) for row in rows] + [0])
    return SparseTensor(np.asarray(indices, np.int64).reshape(-1, 2),
                        _as_tensor(values, dtype_name, (len(values),)),
                        [len(rows), width])


def _parse_features(features, descriptions):
    parsed = {}
    for key, description in descriptions.items():
        feature = features.feature.get(key)
        if isinstance(description, VarLenFeature):
            name = _dtype_name(description.dtype)
            sparse = _sparse([_values(feature, name, key) or []], name)
            parsed[key] = _vector(sparse)
        elif isinstance(description, FixedLenSequenceFeature):
            rows = _sequence_rows(feature, description, key)
            parsed[key] = _sequence(rows, description, len(rows))
        else:
            parsed[key] = _string_scalar(_fixed(feature, description, key))
    return parsed


def _vector(sparse):
    """The 1-D SparseTensor of a one-row one."""
    from .tensorflow_compat import SparseTensor
    return SparseTensor(sparse.indices[:, 1:], sparse.values,
                        sparse.dense_shape[1:])


def _serialized(value):
    if isinstance(value, torch.Tensor):
        raise TypeError('Serialized examples must be string tensors.')
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    return bytes(value)


def parse_single_example(serialized, features, example_names=None,
                         name=None):
    """`tf.io.parse_single_example`: a dict of dense tensors
    (FixedLenFeature) and SparseTensors (VarLenFeature)."""
    example = Example.FromString(_serialized(serialized))
    return _parse_features(example.features, features)


def parse_example(serialized, features, example_names=None, name=None):
    """`tf.io.parse_example` of a batch (vector) of serialized
    examples: dense features stacked, sparse ones as 2-D SparseTensors."""
    examples = [Example.FromString(_serialized(s))
                for s in np.asarray(serialized, dtype=object).ravel()]
    parsed = {}
    for key, description in features.items():
        name_ = _dtype_name(description.dtype)
        if isinstance(description, VarLenFeature):
            parsed[key] = _sparse(
                [_values(e.features.feature.get(key), name_, key) or []
                 for e in examples], name_)
            continue
        if isinstance(description, FixedLenSequenceFeature):
            rows = [_sequence_rows(e.features.feature.get(key), description,
                                   key) for e in examples]
            parsed[key] = _stacked_sequences(rows, description)
            continue
        columns = [_fixed(e.features.feature.get(key), description, key)
                   for e in examples]
        shape = (len(columns),) + tuple(int(d) for d in description.shape)
        parsed[key] = np.stack(columns).reshape(shape) \
            if name_ == 'string' else torch.stack(columns) if columns \
            else _as_tensor([], name_, shape)
    return parsed


def _stacked_sequences(rows, description):
    """The (batch, longest) + shape tensor of each example's items."""
    length = max([len(r) for r in rows] + [0])
    parts = [_sequence(r, description, length) for r in rows]
    shape = (len(rows), length) + tuple(int(d) for d in description.shape)
    if _dtype_name(description.dtype) == 'string':
        return np.array(parts, dtype=object).reshape(shape)
    return torch.stack(parts) if parts else \
        _as_tensor([], _dtype_name(description.dtype), shape)


def parse_single_sequence_example(serialized, context_features=None,
                                  sequence_features=None,
                                  example_name=None, name=None):
    """`tf.io.parse_single_sequence_example`: (context, feature_lists)
    dicts; a VarLenFeature sequence is a 2-D SparseTensor (step, value)
    and a FixedLenFeature one a dense tensor of its steps."""
    example = SequenceExample.FromString(_serialized(serialized))
    context = _parse_features(example.context, context_features or {})
    sequences = {}
    for key, description in (sequence_features or {}).items():
        name_ = _dtype_name(description.dtype)
        steps = example.feature_lists.feature_list.get(key, FeatureList())
        if isinstance(description, VarLenFeature):
            sequences[key] = _sparse(
                [_values(f, name_) for f in steps.feature], name_)
        else:
            shape = (len(steps.feature),) + tuple(
                int(d) for d in description.shape)
            sequences[key] = _as_tensor(
                [v for f in steps.feature for v in _values(f, name_)],
                name_, shape)
    return context, sequences


def tfrecord_dataset(dataset_class, file_names, interleaved):
    """`tf.data.TFRecordDataset(filenames, compression_type=None,
    buffer_size=None, num_parallel_reads=None)` over `dataset_class`."""
    from .tensorflow_compat import _StringScalar

    def TFRecordDataset(filenames, compression_type=None, buffer_size=None,
                        num_parallel_reads=None, name=None):
        """The records of the TFRecord files, file after file, or
        `num_parallel_reads` files interleaved record by record."""
        names = file_names(filenames)

        def records(path):
            return [_StringScalar(r)
                    for r in read_records(path, compression_type)]

        def elements():
            if num_parallel_reads is not None and \
                    int(num_parallel_reads) > 1:
                return interleaved(names, records, int(num_parallel_reads), 1)
            return [r for n in names for r in records(n)]
        return dataset_class(elements)._of_unknown_size()
    return TFRecordDataset
