"""TensorFlow's byte-level file ops: `tf.io.decode_raw` (bytes to numbers,
one row per string of a batch), `tf.io.encode_png` / `encode_jpeg`
(images to file bytes) and `tf.io.write_file`. String tensors are
Python bytes, as `tf.io.read_file` returns them."""
import builtins
import struct
import zlib

import numpy as np
import torch


def _invalid(message):
    from .tensorflow_compat import errors
    return errors.InvalidArgumentError(None, None, message)


def _bytes_of(value):
    if isinstance(value, torch.Tensor):
        raise TypeError('A string tensor was expected, got a %s tensor.'
                        % str(value.dtype).replace('torch.', ''))
    if isinstance(value, str):
        return value.encode('utf8')
    return bytes(value)


def _string(data):
    """A scalar string tensor of `data`."""
    from .tensorflow_compat import _StringScalar
    return _StringScalar(data)


def _strings(value):
    """(list of bytes, batch shape) of a string scalar or array."""
    if isinstance(value, (bytes, str, np.bytes_, np.str_)):
        return [_bytes_of(value)], ()
    array = np.asarray(value, dtype=object)
    return [_bytes_of(v) for v in array.ravel()], array.shape


def _numpy_dtype(out_type, little_endian):
    from .tensorflow_compat import as_dtype
    name = as_dtype(out_type).name
    kind = np.dtype('bool' if name == 'bool' else name)
    return kind.newbyteorder('<' if little_endian else '>'), name


def decode_raw(input_bytes, out_type, little_endian=True, fixed_length=None,
               name=None):
    """`tf.io.decode_raw`: each string's bytes read as `out_type` numbers;
    a batch of strings gives one row each (all of one length, or cut /
    zero-padded to `fixed_length` bytes)."""
    strings, batch = _strings(input_bytes)
    layout, dtype_name = _numpy_dtype(out_type, little_endian)
    if fixed_length is not None:
        size = int(fixed_length)
        strings = [s[:size].ljust(size, b'\0') for s in strings]
    for index, data in enumerate(strings):
        if len(data) % layout.itemsize:
            raise _invalid('Input to DecodeRaw has length %d that is not a '
                           'multiple of %d, the size of %s'
                           % (len(data), layout.itemsize, dtype_name))
        if len(data) != len(strings[0]):
            raise _invalid('DecodeRaw requires input strings to all be the '
                           'same size, but element %d has size %d != %d'
                           % (index, len(strings[0]), len(data)))
    width = len(strings[0]) // layout.itemsize if strings else 0
    rows = [np.frombuffer(s, dtype=np.uint8) != 0 if dtype_name == 'bool'
            else np.frombuffer(s, dtype=layout).astype(
                layout.newbyteorder('=')) for s in strings]
    values = np.stack(rows) if rows else np.zeros((0, width), layout)
    from .backend import get_device
    from .backend.ops import torch_dtype
    return torch.from_numpy(np.ascontiguousarray(values).reshape(
        batch + (width,))).to(device=get_device(),
                              dtype=torch_dtype(dtype_name))


def _pixels(image):
    """The (H, W, C) uint8 or uint16 numpy array of an image tensor."""
    if isinstance(image, torch.Tensor):
        image = image.detach().cpu().numpy()
    pixels = np.asarray(image)
    if pixels.ndim != 3:
        raise _invalid('images must be at least rank 3%s'
                       % (list(pixels.shape),))
    if pixels.dtype not in (np.uint8, np.uint16):
        raise TypeError('Value passed to parameter \'image\' has DataType '
                        '%s not in list of allowed values: uint8, uint16'
                        % pixels.dtype)
    return pixels


def _png_chunk(kind, data):
    return (struct.pack('>I', len(data)) + kind + data +
            struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff))


def encode_png(image, compression=-1, name=None):
    """`tf.io.encode_png`: the PNG bytes of a uint8 or uint16 (H, W, C)
    image, C in 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA)."""
    pixels = _pixels(image)
    height, width, channels = pixels.shape
    if channels not in (1, 2, 3, 4):
        raise _invalid('image must have 1, 2, 3, or 4 channels, got %d'
                       % channels)
    depth = 16 if pixels.dtype == np.uint16 else 8
    colour = {1: 0, 2: 4, 3: 2, 4: 6}[channels]
    rows = pixels.astype('>u2' if depth == 16 else 'u1').reshape(
        height, -1).view(np.uint8)
    raw = b''.join(b'\0' + row.tobytes() for row in rows)
    level = int(compression)
    header = struct.pack('>IIBBBBB', width, height, depth, colour, 0, 0, 0)
    return _string(b'\x89PNG\r\n\x1a\n' + _png_chunk(b'IHDR', header) +
                   _png_chunk(b'IDAT', zlib.compress(raw, level if level >= 0
                                                     else 6)) +
                   _png_chunk(b'IEND', b''))


def encode_jpeg(image, format='', quality=95, progressive=False,
                optimize_size=False, chroma_downsampling=True,
                density_unit='in', x_density=300, y_density=300,
                xmp_metadata='', name=None):
    """`tf.io.encode_jpeg` through libjpeg (Pillow) with TensorFlow's
    defaults: quality 95, 4:2:0 chroma, 300 dots per inch."""
    import io
    from PIL import Image
    pixels = _pixels(image)
    if pixels.dtype != np.uint8:
        raise TypeError('encode_jpeg needs a uint8 image.')
    if format == 'grayscale' and pixels.shape[2] != 1 or \
            format == 'rgb' and pixels.shape[2] != 3:
        raise _invalid('Image of %d channels does not match format %r'
                       % (pixels.shape[2], format))
    if pixels.shape[2] not in (1, 3):
        raise _invalid('image must have 1 or 3 channels, got %d'
                       % pixels.shape[2])
    picture = Image.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1
                              else pixels)
    buffer = io.BytesIO()
    scale = 1.0 if density_unit == 'in' else 2.54
    picture.save(buffer, 'JPEG', quality=int(quality),
                 progressive=bool(progressive),
                 optimize=bool(optimize_size),
                 subsampling=2 if chroma_downsampling and
                 pixels.shape[2] == 3 else 0,
                 dpi=(x_density * scale, y_density * scale))
    return _string(buffer.getvalue())


def write_file(filename, contents, name=None):
    """`tf.io.write_file`: writes the string `contents` to `filename`
    (a new file, or one replaced)."""
    from .tensorflow_compat import _text
    with builtins.open(_text(filename), 'wb') as handle:
        handle.write(_bytes_of(contents))
