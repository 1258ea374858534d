"""Reads checkpoints written by TensorFlow itself (`tf.compat.v1.train.
Saver`, `tf.train.Checkpoint`, `model.save_weights` in the TensorFlow
format): the released BERT, GPT-2 and XLNet weights come this way.

TensorFlow's tensor bundle is `prefix.index`, a LevelDB-style sorted
table mapping each tensor name to a `BundleEntryProto` (dtype, shape,
shard, offset, size), plus `prefix.data-SSSSS-of-NNNNN` files holding the
raw little-endian bytes. Values are read from the data files only when
asked for, so reading one variable of a large checkpoint stays cheap."""
import os
import struct
from collections.abc import Mapping

import numpy as np

_TABLE_MAGIC = 0xdb4775248b80fb57
_FOOTER_SIZE = 48
_BLOCK_TRAILER_SIZE = 5

# TensorFlow's DataType enum -> numpy dtype (bfloat16 is widened below).
_DTYPES = {1: np.float32, 2: np.float64, 3: np.int32, 4: np.uint8,
           5: np.int16, 6: np.int8, 7: object, 8: np.complex64,
           9: np.int64, 10: np.bool_, 14: 'bfloat16', 17: np.uint16,
           18: np.complex128, 19: np.float16, 22: np.uint32, 23: np.uint64}


def is_bundle(prefix):
    """Whether `prefix.index` is a TensorFlow tensor-bundle table."""
    try:
        with open(prefix + '.index', 'rb') as handle:
            handle.seek(0, os.SEEK_END)
            if handle.tell() < _FOOTER_SIZE:
                return False
            handle.seek(-8, os.SEEK_END)
            return struct.unpack('<Q', handle.read(8))[0] == _TABLE_MAGIC
    except OSError:
        return False


def _varint(data, pos):
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7f) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _block(data, offset, size):
    """The bytes of one table block, checked for compression."""
    kind = data[offset + size]
    if kind != 0:
        raise NotImplementedError(
            'Reading a TensorFlow checkpoint whose index blocks are '
            'compressed (type %d) is not supported; re-save it with '
            'tf.compat.v1.train.Saver, which writes them uncompressed.'
            % kind)
    return data[offset:offset + size]


def _block_entries(block):
    """(key, value) pairs of a table block (keys prefix-compressed)."""
    restarts = struct.unpack('<I', block[-4:])[0]
    end = len(block) - 4 - 4 * restarts
    pos, key = 0, b''
    while pos < end:
        shared, pos = _varint(block, pos)
        unshared, pos = _varint(block, pos)
        length, pos = _varint(block, pos)
        key = key[:shared] + block[pos:pos + unshared]
        pos += unshared
        yield key, block[pos:pos + length]
        pos += length


def _table(data):
    """All (key, value) pairs of a sorted-table file's bytes."""
    footer = data[-_FOOTER_SIZE:]
    _, pos = _varint(footer, 0)
    _, pos = _varint(footer, pos)
    index_offset, pos = _varint(footer, pos)
    index_size, _ = _varint(footer, pos)
    for _, handle in _block_entries(_block(data, index_offset,
                                           index_size)):
        offset, pos = _varint(handle, 0)
        size, _ = _varint(handle, pos)
        for pair in _block_entries(_block(data, offset, size)):
            yield pair


def _fields(message):
    """field number -> list of raw values of a protocol-buffer message."""
    fields, pos = {}, 0
    while pos < len(message):
        tag, pos = _varint(message, pos)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            value, pos = _varint(message, pos)
        elif wire == 1:
            value, pos = message[pos:pos + 8], pos + 8
        elif wire == 2:
            length, pos = _varint(message, pos)
            value, pos = message[pos:pos + length], pos + length
        elif wire == 5:
            value, pos = message[pos:pos + 4], pos + 4
        else:
            raise ValueError('Malformed TensorFlow checkpoint index entry.')
        fields.setdefault(number, []).append(value)
    return fields


def _shape(message):
    dims = _fields(message).get(2, [])
    return tuple(_fields(dim).get(1, [0])[0] for dim in dims)


class _Entry(object):
    """Where one tensor lies in the data files."""

    def __init__(self, message):
        fields = _fields(message)
        self.dtype_enum = fields.get(1, [1])[0]
        self.shape = _shape(fields[2][0]) if 2 in fields else ()
        self.shard = fields.get(3, [0])[0]
        self.offset = fields.get(4, [0])[0]
        self.size = fields.get(5, [0])[0]
        self.sliced = 7 in fields


class TensorBundle(Mapping):
    """name -> numpy value of a TensorFlow checkpoint, read on access."""

    def __init__(self, prefix):
        self.prefix = prefix
        with open(prefix + '.index', 'rb') as handle:
            data = handle.read()
        self.num_shards = 1
        self.entries = {}
        for key, value in _table(data):
            if key == b'':
                header = _fields(value)
                self.num_shards = header.get(1, [1])[0]
                if header.get(2, [0])[0] != 0:
                    raise NotImplementedError(
                        'Reading a big-endian TensorFlow checkpoint is not '
                        'supported.')
                continue
            entry = _Entry(value)
            if entry.dtype_enum in _DTYPES:
                self.entries[key.decode('utf-8')] = entry

    def __iter__(self):
        return iter(self.entries)

    def __len__(self):
        return len(self.entries)

    def shape(self, name):
        """The saved shape of `name`, without reading its value."""
        return self.entries[name].shape

    def dtype(self, name):
        """The numpy dtype of `name` (bfloat16 is read as float32)."""
        kind = _DTYPES[self.entries[name].dtype_enum]
        return np.dtype(np.float32 if kind == 'bfloat16' else kind)

    def __getitem__(self, name):
        entry = self.entries[name]
        if entry.sliced:
            raise NotImplementedError(
                'Variable %r was saved in partitions; reading partitioned '
                'variables from a TensorFlow checkpoint is not supported.'
                % (name,))
        path = '%s.data-%05d-of-%05d' % (self.prefix, entry.shard,
                                         self.num_shards)
        with open(path, 'rb') as handle:
            handle.seek(entry.offset)
            raw = handle.read(entry.size)
        return _decode(raw, entry)


def _decode(raw, entry):
    kind = _DTYPES[entry.dtype_enum]
    if kind is object:
        return _decode_strings(raw, entry.shape)
    if kind == 'bfloat16':
        bits = np.frombuffer(raw, dtype='<u2').astype(np.uint32) << 16
        return bits.view(np.float32).reshape(entry.shape)
    dtype = np.dtype(kind).newbyteorder('<')
    return np.frombuffer(raw, dtype=dtype).astype(
        np.dtype(kind)).reshape(entry.shape)


def _decode_strings(raw, shape):
    """A string tensor: varint lengths, a 4-byte checksum, the bytes."""
    count = int(np.prod(shape)) if shape else 1
    lengths, pos = [], 0
    for _ in range(count):
        length, pos = _varint(raw, pos)
        lengths.append(length)
    pos += 4
    values = []
    for length in lengths:
        values.append(raw[pos:pos + length])
        pos += length
    return np.array(values, dtype=object).reshape(shape)
