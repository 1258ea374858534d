"""The string hashes of TensorFlow's `tf.strings.to_hash_bucket_fast`
(FarmHash's Fingerprint64, i.e. farmhashna::Hash64) and
`tf.strings.to_hash_bucket_strong` (SipHash-2-4 keyed by two uint64s), as
the `Hashing` layer uses them on the decimal strings of integers.

`fingerprint64` is vectorised with numpy over strings of equal length, of
any length; `siphash` is plain Python, one string at a time."""
import numpy as np

_K0 = np.uint64(0xc3a5c85c97cb3127)
_K1 = np.uint64(0xb492b66fbe98f273)
_K2 = np.uint64(0x9ae16a3b2f90404f)
_MASK = (1 << 64) - 1


def _u64(value):
    return np.uint64(value & _MASK)


def _rotate(value, shift):
    return (value >> np.uint64(shift)) | (value << np.uint64(64 - shift))


def _shift_mix(value):
    return value ^ (value >> np.uint64(47))


def _fetch(data, start, width):
    """The little-endian `width`-byte words at byte `start` of each row."""
    words = np.zeros(data.shape[0], np.uint64)
    for i in range(width):
        words |= data[:, start + i].astype(np.uint64) << np.uint64(8 * i)
    return words


def _hash_len16(u, v, mul):
    a = (u ^ v) * mul
    a ^= a >> np.uint64(47)
    b = (v ^ a) * mul
    b ^= b >> np.uint64(47)
    return b * mul


def _hash_len33to64(data, mul):
    length = data.shape[1]
    a = _fetch(data, 0, 8) * _K2
    b = _fetch(data, 8, 8)
    c = _fetch(data, length - 8, 8) * mul
    d = _fetch(data, length - 16, 8) * _K2
    y = _rotate(a + b, 43) + _rotate(c, 30) + d
    z = _hash_len16(y, a + _rotate(b + _K2, 18) + c, mul)
    e = _fetch(data, 16, 8) * mul
    f = _fetch(data, 24, 8)
    g = (y + _fetch(data, length - 32, 8)) * mul
    h = (z + _fetch(data, length - 24, 8)) * mul
    return _hash_len16(_rotate(e + f, 43) + _rotate(g, 30) + h,
                       e + _rotate(f + a, 18) + g, mul)


def _weak_hash32(data, start, a, b):
    """WeakHashLen32WithSeeds over the 32 bytes at `start`: a pair."""
    w, x, y, z = (_fetch(data, start + 8 * i, 8) for i in range(4))
    a = a + w
    b = _rotate(b + a + z, 21)
    c = a
    a = a + x + y
    b = b + _rotate(a, 44)
    return a + z, b + c


def _hash_long(data):
    """farmhashna::Hash64 of rows longer than 64 bytes: 64-byte blocks
    mixed into a 56-byte state, then the last 64 bytes."""
    length = data.shape[1]
    n = data.shape[0]
    seed = np.uint64(81)
    x = np.full(n, seed, np.uint64)
    y = np.full(n, seed * _K1 + np.uint64(113), np.uint64)
    z = _shift_mix(y * _K2 + np.uint64(113)) * _K2
    v = (np.zeros(n, np.uint64), np.zeros(n, np.uint64))
    w = (np.zeros(n, np.uint64), np.zeros(n, np.uint64))
    x = x * _K2 + _fetch(data, 0, 8)
    for s in range(0, ((length - 1) // 64) * 64, 64):
        x = _rotate(x + y + v[0] + _fetch(data, s + 8, 8), 37) * _K1
        y = _rotate(y + v[1] + _fetch(data, s + 48, 8), 42) * _K1
        x = x ^ w[1]
        y = y + v[0] + _fetch(data, s + 40, 8)
        z = _rotate(z + w[0], 33) * _K1
        v = _weak_hash32(data, s, v[1] * _K1, x + w[0])
        w = _weak_hash32(data, s + 32, z + w[1],
                         y + _fetch(data, s + 16, 8))
        x, z = z, x
    mul = _K1 + ((z & np.uint64(0xff)) << np.uint64(1))
    s = length - 64
    w = (w[0] + np.uint64((length - 1) & 63), w[1])
    v = (v[0] + w[0], v[1])
    w = (w[0] + v[0], w[1])
    x = _rotate(x + y + v[0] + _fetch(data, s + 8, 8), 37) * mul
    y = _rotate(y + v[1] + _fetch(data, s + 48, 8), 42) * mul
    x = x ^ (w[1] * np.uint64(9))
    y = y + v[0] * np.uint64(9) + _fetch(data, s + 40, 8)
    z = _rotate(z + w[0], 33) * mul
    v = _weak_hash32(data, s, v[1] * mul, x + w[0])
    w = _weak_hash32(data, s + 32, z + w[1], y + _fetch(data, s + 16, 8))
    x, z = z, x
    return _hash_len16(_hash_len16(v[0], w[0], mul) + _shift_mix(y) * _K0
                       + z, _hash_len16(v[1], w[1], mul) + x, mul)


def _hash_rows(data):
    """farmhashna::Hash64 of each row of a (n, length) uint8 array."""
    length = data.shape[1]
    mul = _K2 + _u64(2 * length)
    if length > 64:
        return _hash_long(data)
    if length > 32:
        return _hash_len33to64(data, mul)
    if length > 16:
        a = _fetch(data, 0, 8) * _K1
        b = _fetch(data, 8, 8)
        c = _fetch(data, length - 8, 8) * mul
        d = _fetch(data, length - 16, 8) * _K2
        return _hash_len16(_rotate(a + b, 43) + _rotate(c, 30) + d,
                           a + _rotate(b + _K2, 18) + c, mul)
    if length >= 8:
        a = _fetch(data, 0, 8) + _K2
        b = _fetch(data, length - 8, 8)
        c = _rotate(b, 37) * mul + a
        d = (_rotate(a, 25) + b) * mul
        return _hash_len16(c, d, mul)
    if length >= 4:
        a = _fetch(data, 0, 4)
        return _hash_len16(_u64(length) + (a << np.uint64(3)),
                           _fetch(data, length - 4, 4), mul)
    if length > 0:
        y = data[:, 0].astype(np.uint64) + \
            (data[:, length >> 1].astype(np.uint64) << np.uint64(8))
        z = _u64(length) + (data[:, length - 1].astype(np.uint64) <<
                            np.uint64(2))
        return _shift_mix(y * _K2 ^ z * _K0) * _K2
    return np.full(data.shape[0], _K2, np.uint64)


def fingerprint64(strings):
    """FarmHash Fingerprint64 of each bytes string, as a uint64 array."""
    out = np.zeros(len(strings), np.uint64)
    lengths = np.array([len(s) for s in strings], np.int64)
    with np.errstate(over='ignore'):
        for length in np.unique(lengths):
            rows = np.nonzero(lengths == length)[0]
            data = np.frombuffer(b''.join(strings[i] for i in rows),
                                 np.uint8).reshape(len(rows), int(length))
            out[rows] = _hash_rows(data)
    return out


def _rotl(value, shift):
    return ((value << shift) | (value >> (64 - shift))) & _MASK


def _sip_round(v0, v1, v2, v3):
    v0 = (v0 + v1) & _MASK
    v1 = _rotl(v1, 13) ^ v0
    v0 = _rotl(v0, 32)
    v2 = (v2 + v3) & _MASK
    v3 = _rotl(v3, 16) ^ v2
    v0 = (v0 + v3) & _MASK
    v3 = _rotl(v3, 21) ^ v0
    v2 = (v2 + v1) & _MASK
    v1 = _rotl(v1, 17) ^ v2
    v2 = _rotl(v2, 32)
    return v0, v1, v2, v3


def siphash(key, data):
    """SipHash-2-4 of the bytes `data` under the two uint64s `key`."""
    k0, k1 = key[0] & _MASK, key[1] & _MASK
    v0, v1 = k0 ^ 0x736f6d6570736575, k1 ^ 0x646f72616e646f6d
    v2, v3 = k0 ^ 0x6c7967656e657261, k1 ^ 0x7465646279746573
    tail = len(data) % 8
    padded = data[:len(data) - tail] + data[len(data) - tail:] + \
        bytes(7 - tail) + bytes([len(data) & 0xff])
    for i in range(0, len(padded), 8):
        m = int.from_bytes(padded[i:i + 8], 'little')
        v3 ^= m
        v0, v1, v2, v3 = _sip_round(*_sip_round(v0, v1, v2, v3))
        v0 ^= m
    v2 ^= 0xff
    for _ in range(4):
        v0, v1, v2, v3 = _sip_round(v0, v1, v2, v3)
    return v0 ^ v1 ^ v2 ^ v3


_CROSS_HASH_KEY = 0xDECAFCAFFE  # tf.sparse.cross_hashed's default hash_key
_CAT_MUL = 0xc6a4a7935bd1e995


def _shift_mix_int(value):
    return value ^ (value >> 47)


def fingerprint_cat64(first, second):
    """TensorFlow's FingerprintCat64 of two uint64 (Python ints)."""
    result = first ^ _CAT_MUL
    result ^= (_shift_mix_int((second * _CAT_MUL) & _MASK) * _CAT_MUL) & _MASK
    result = (result * _CAT_MUL) & _MASK
    result = (_shift_mix_int(result) * _CAT_MUL) & _MASK
    return _shift_mix_int(result)


def _feature_hashes(column):
    """The uint64 each crossed feature enters the hash with, as
    TensorFlow's SparseCrossHashed takes it: strings by their
    Fingerprint64, integers as their own two's-complement value."""
    values = list(column)
    if values and isinstance(values[0], (bytes, str, np.bytes_, np.str_)):
        return [int(h) for h in fingerprint64(
            [v.encode('utf-8') if isinstance(v, str) else bytes(v)
             for v in values])]
    return [int(v) & _MASK for v in values]


def cross_hashed(columns, num_buckets, hash_key=_CROSS_HASH_KEY):
    """`tf.sparse.cross_hashed` of dense columns with one value a row:
    the FingerprintCat64 chain of each row's feature hashes, seeded
    with `hash_key`, modulo `num_buckets` (int64 array, one per row)."""
    hashes = [_feature_hashes(column) for column in columns]
    out = np.zeros(len(hashes[0]), np.int64)
    for row in range(len(out)):
        crossed = hash_key
        for column_hashes in hashes:
            crossed = fingerprint_cat64(crossed, column_hashes[row])
        out[row] = crossed % num_buckets if num_buckets > 0 \
            else crossed % (2 ** 63 - 1)
    return out
