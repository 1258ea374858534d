"""Writes TensorFlow's tensor bundle (`prefix.index` and
`prefix.data-00000-of-00001`), the checkpoint format that
`tf.compat.v1.train.Saver` and `tf.train.load_checkpoint` of TensorFlow
itself read.

The index is a LevelDB-style table (one uncompressed data block, an
empty meta-index block, an index block and the 48-byte footer) mapping
'' to the `BundleHeaderProto` and each tensor name, in sorted order, to
its `BundleEntryProto` (dtype, shape, offset, size and the masked CRC32C
of its bytes); the data file holds the raw little-endian bytes."""
import os
import struct

import numpy as np

from . import tensorflow_records as _records
from .tensorflow_records import _varint

_TABLE_MAGIC = 0xdb4775248b80fb57
_STRING = 7
_DTYPE_ENUMS = {np.dtype(np.float32): 1, np.dtype(np.float64): 2,
                np.dtype(np.int32): 3, np.dtype(np.uint8): 4,
                np.dtype(np.int16): 5, np.dtype(np.int8): 6,
                np.dtype(np.complex64): 8, np.dtype(np.int64): 9,
                np.dtype(np.bool_): 10, np.dtype(np.uint16): 17,
                np.dtype(np.complex128): 18, np.dtype(np.float16): 19,
                np.dtype(np.uint32): 22, np.dtype(np.uint64): 23}


# ------------------------------------------------------------- crc32c
def _zero_byte_matrix():
    """The CRC32C register's change for one zero byte, as the images of
    its 32 bits."""
    table = _records._CRC_TABLE
    return [table[(1 << bit) & 0xFF] ^ ((1 << bit) >> 8)
            for bit in range(32)]


def _apply(matrix, value):
    result, bit = 0, 0
    while value:
        if value & 1:
            result ^= matrix[bit]
        value >>= 1
        bit += 1
    return result


def _shift_matrix(length):
    """The register's change for `length` zero bytes."""
    result = [1 << bit for bit in range(32)]
    square = _zero_byte_matrix()
    while length:
        if length & 1:
            result = [_apply(square, column) for column in result]
        square = [_apply(square, column) for column in square]
        length >>= 1
    return result


def _raw_crc(register, data):
    table = _records._CRC_TABLE
    for byte in data:
        register = table[(register ^ byte) & 0xFF] ^ (register >> 8)
    return register


def crc32c(data):
    """CRC32C of `data` (bytes), computed over many slices at once."""
    data = np.frombuffer(data, np.uint8)
    chunks = min(65536, len(data) // 256)
    if chunks < 2:
        return _raw_crc(0xFFFFFFFF, data.tobytes()) ^ 0xFFFFFFFF
    width = len(data) // chunks
    rows = data[:chunks * width].reshape(chunks, width).astype(np.uint32)
    table = np.asarray(_records._CRC_TABLE, np.uint32)
    registers = np.zeros(chunks, np.uint32)
    registers[0] = 0xFFFFFFFF
    for column in range(width):
        registers = table[(registers ^ rows[:, column]) & 0xFF] ^ \
            (registers >> 8)
    shift = _shift_matrix(width)
    register = 0
    for value in registers.tolist():
        register = _apply(shift, register) ^ value
    register = _raw_crc(register, data[chunks * width:].tobytes())
    return register ^ 0xFFFFFFFF


def masked_crc32c(data):
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


# ------------------------------------------------------ protocol buffers
def _field(number, wire, payload):
    tag = _varint(number << 3 | wire)
    if wire == 0:
        return tag + _varint(payload)
    if wire == 5:
        return tag + struct.pack('<I', payload)
    return tag + _varint(len(payload)) + payload


def _header():
    """BundleHeaderProto: one shard, little-endian, version 1."""
    return _field(1, 0, 1) + _field(3, 2, _field(1, 0, 1))


def _entry(array, offset, raw, crc):
    dims = b''.join(_field(2, 2, _field(1, 0, d) if d else b'')
                    for d in array.shape)
    dtype = _STRING if array.dtype == object or array.dtype.kind == 'S' \
        else _DTYPE_ENUMS[array.dtype]
    message = _field(1, 0, dtype) + _field(2, 2, dims)
    if offset:
        message += _field(4, 0, offset)
    if raw:
        message += _field(5, 0, len(raw))
    return message + _field(6, 5, crc)


def _string_tensor(array):
    """The bytes of a string tensor as TensorFlow writes them (the
    varint lengths, the masked CRC32C of the lengths as uint32, the
    strings) and the masked CRC32C of the entry (over the uint32
    lengths, that checksum and the strings)."""
    strings = [item if isinstance(item, bytes) else str(item).encode(
        'utf-8') for item in array.reshape(-1).tolist()]
    lengths = b''.join(struct.pack('<I', len(item)) for item in strings)
    checksum = struct.pack('<I', masked_crc32c(lengths))
    raw = b''.join(_varint(len(item)) for item in strings) + checksum + \
        b''.join(strings)
    return raw, masked_crc32c(lengths + checksum + b''.join(strings))


# ----------------------------------------------------------------- table
def _block(items):
    """A table block of (key, value) pairs, each a restart point."""
    out, restarts = bytearray(), []
    for key, value in items:
        restarts.append(len(out))
        out += _varint(0) + _varint(len(key)) + _varint(len(value))
        out += key + value
    restarts = restarts or [0]
    for offset in restarts:
        out += struct.pack('<I', offset)
    out += struct.pack('<I', len(restarts))
    return bytes(out)


def _with_trailer(block):
    return block + b'\x00' + struct.pack(
        '<I', _records._masked_crc(block + b'\x00'))


def _handle(offset, size):
    return _varint(offset) + _varint(size)


def _table(items):
    data = _block(items)
    metaindex = _block([])
    out = _with_trailer(data)
    meta_offset = len(out)
    out += _with_trailer(metaindex)
    index_offset = len(out)
    last_key = items[-1][0]
    index = _block([(last_key, _handle(0, len(data)))])
    out += _with_trailer(index)
    footer = _handle(meta_offset, len(metaindex)) + \
        _handle(index_offset, len(index))
    footer += b'\x00' * (40 - len(footer)) + struct.pack('<Q', _TABLE_MAGIC)
    return out + footer


def write_bundle(prefix, values):
    """Writes `values` (name -> numpy array) as the bundle at `prefix`
    (a local path), atomically."""
    names = sorted(values, key=lambda n: n.encode('utf-8'))
    items, data, offset = [(b'', _header())], [], 0
    for name in names:
        array = np.asarray(values[name], order='C')
        if array.dtype == object or array.dtype.kind == 'S':
            raw, crc = _string_tensor(array)
        elif array.dtype in _DTYPE_ENUMS:
            raw = array.astype(array.dtype.newbyteorder('<'),
                               copy=False).tobytes()
            crc = masked_crc32c(raw)
        else:
            raise TypeError('Cannot write %s of dtype %s in a TensorFlow '
                            'checkpoint.' % (name, array.dtype))
        items.append((name.encode('utf-8'), _entry(array, offset, raw,
                                                   crc)))
        data.append(raw)
        offset += len(raw)
    directory = os.path.dirname(prefix)
    if directory:
        os.makedirs(directory, exist_ok=True)
    for suffix, content in (('.data-00000-of-00001', b''.join(data)),
                            ('.index', _table(items))):
        temporary = prefix + suffix + '.tempstate'
        with open(temporary, 'wb') as handle:
            handle.write(content)
        os.replace(temporary, prefix + suffix)
