"""TensorFlow's `tf.audio`: 16-bit PCM WAV bytes to float32 samples in
[-1, 1) and back, with TensorFlow's conventions (a sample is its int16
value over 32768; `desired_channels` repeats the last channel or drops
the extra ones, `desired_samples` zero-pads or truncates; encoding clips
to [-1, 1] and rounds half away from zero)."""
import collections
import struct

import numpy as np
import torch

DecodeWav = collections.namedtuple('DecodeWav', ['audio', 'sample_rate'])

_SCALE = 32768.0


def _contents_bytes(contents):
    """The bytes of a string scalar (Python bytes, numpy string, 0-d
    object array)."""
    if isinstance(contents, np.ndarray):
        contents = contents.item()
    if isinstance(contents, str):
        contents = contents.encode('latin-1')
    return bytes(contents)


def _invalid(message):
    from .tensorflow_compat import errors
    return errors.InvalidArgumentError(None, None, message)


def _chunks(data):
    """(format chunk bytes, data chunk bytes) of a RIFF WAVE file."""
    if len(data) < 12:
        raise _invalid('Data too short when trying to read string')
    if data[:4] != b'RIFF' or data[8:12] != b'WAVE':
        raise _invalid('Header mismatch: Expected RIFF ... WAVE but found '
                       '%r ... %r' % (data[:4], data[8:12]))
    position, fmt = 12, None
    while position + 8 <= len(data):
        chunk_id = data[position:position + 4]
        size, = struct.unpack('<I', data[position + 4:position + 8])
        body = data[position + 8:position + 8 + size]
        if chunk_id == b'fmt ':
            fmt = body
        elif chunk_id == b'data':
            if fmt is None:
                break
            return fmt, body
        position += 8 + size + (size & 1)
    raise _invalid('No data chunk found in the WAV file' if fmt is not None
                   else 'No fmt chunk found in the WAV file')


def _samples(contents):
    """The file's samples as an int16 (frames, channels) array and its
    sample rate."""
    fmt, body = _chunks(_contents_bytes(contents))
    if len(fmt) < 16:
        raise _invalid('Data too short when trying to read the format')
    audio_format, channels, rate, _, _, bits = struct.unpack(
        '<HHIIHH', fmt[:16])
    if audio_format not in (1, 0xFFFE):
        raise _invalid('Bad audio format for WAV: Expected 1 (PCM), or '
                       '0xFFFE (WAVE_FORMAT_EXTENSIBLE), but got %d'
                       % audio_format)
    if bits != 16:
        raise _invalid('Can only read 16-bit WAV files, but received %d'
                       % bits)
    if channels < 1:
        raise _invalid('Bad number of channels for WAV file: %d'
                       % channels)
    frames = len(body) // (2 * channels)
    pcm = np.frombuffer(body[:frames * 2 * channels], '<i2')
    return pcm.reshape(frames, channels), rate


def decode_wav(contents, desired_channels=-1, desired_samples=-1,
               name=None):
    """`(audio, sample_rate)`: a float32 (samples, channels) tensor and an
    int32 scalar, from the bytes of a 16-bit PCM WAV file."""
    pcm, rate = _samples(contents)
    channels = int(desired_channels)
    samples = int(desired_samples)
    if channels > 0:
        source = np.minimum(np.arange(channels), pcm.shape[1] - 1)
        pcm = pcm[:, source]
    if samples >= 0:
        padded = np.zeros((samples, pcm.shape[1]), pcm.dtype)
        kept = min(samples, pcm.shape[0])
        padded[:kept] = pcm[:kept]
        pcm = padded
    audio = torch.from_numpy(pcm.astype(np.float32) / _SCALE)
    return DecodeWav(audio, torch.tensor(rate, dtype=torch.int32))


def encode_wav(audio, sample_rate, name=None):
    """The bytes of a 16-bit PCM WAV file of the float (samples, channels)
    `audio` at `sample_rate`."""
    if isinstance(audio, torch.Tensor):
        audio = audio.detach().cpu().numpy()
    audio = np.asarray(audio, np.float32)
    if audio.ndim != 2:
        raise _invalid('audio must be 2-dimensional (samples, channels), '
                       'got shape %s' % (audio.shape,))
    scaled = np.clip(audio, -1.0, 1.0).astype(np.float64) * _SCALE
    rounded = np.sign(scaled) * np.floor(np.abs(scaled) + 0.5)
    pcm = np.clip(rounded, -32768, 32767).astype('<i2').tobytes()
    channels = audio.shape[1]
    rate = int(sample_rate.item() if hasattr(sample_rate, 'item')
               else sample_rate)
    header = struct.pack('<4sI4s4sIHHIIHH4sI', b'RIFF', 36 + len(pcm),
                         b'WAVE', b'fmt ', 16, 1, channels, rate,
                         rate * channels * 2, channels * 2, 16, b'data',
                         len(pcm))
    return header + pcm
