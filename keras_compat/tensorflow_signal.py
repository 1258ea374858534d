"""TensorFlow's `tf.signal` operations (framing, windows, STFT and its
inverse, FFTs, mel filterbanks, DCT and MFCCs) and its complex-number
operations (`tf.complex`, `tf.math.real`, `imag`, `angle`, `conj`) on
torch tensors and symbolic Keras tensors, with TensorFlow's conventions:
`frame`'s frame count with and without `pad_end`, windows whose
`periodic` flag only changes even lengths, `stft`'s default FFT length
(the next power of two of the frame length), `inverse_stft`'s trimming
and padding to the frame length, HTK mel scale without the DC bin, and
complex64 results for float32 signals."""
import math
import types

import torch

from . import backend as K
from .backend import ops as _ops


def _op(fn, name):
    fn.__name__ = name
    return _ops._symbolic_aware(fn)


def _t(x):
    return x if isinstance(x, torch.Tensor) else _ops._t(x)


def _int(value):
    """A Python int of a length argument given as int, array or tensor."""
    return int(value.item() if hasattr(value, 'item') else value)


def _real_dtype(dtype):
    return _ops.torch_dtype('float32' if dtype is None else dtype)


def _tf_dtype(dtype):
    """The `tf.float32`-style dtype TensorFlow hands to window functions
    (user window functions read `dtype.as_numpy_dtype`)."""
    from .tensorflow_compat import as_dtype
    return as_dtype(dtype)


def _fft_length(fft_length, signal_length):
    if fft_length is None:
        return signal_length
    if isinstance(fft_length, torch.Tensor):
        fft_length = fft_length.tolist()
    if isinstance(fft_length, (list, tuple)):
        return [_int(n) for n in fft_length]
    return _int(fft_length)


def _last(fft_length, count):
    """The `count` FFT lengths of `tf.signal.rfft*`'s `fft_length`."""
    lengths = fft_length if isinstance(fft_length, list) else [fft_length]
    if len(lengths) != count:
        raise ValueError('fft_length must have %d elements, got %r.'
                         % (count, fft_length))
    return lengths


def _complex_input(x, op_name):
    x = _t(x)
    if not x.is_complex():
        raise TypeError(
            '%s takes a complex64 or complex128 tensor, got %s; convert '
            'it with tf.cast(x, tf.complex64) or tf.complex(x, 0.).'
            % (op_name, _ops.dtype_name(x.dtype)))
    return x


# ------------------------------------------------------------------ FFTs
def _rfft_n(count):
    dims = tuple(range(-count, 0))

    def fn(input_tensor, fft_length=None):
        x = _t(input_tensor)
        if x.is_complex():
            raise TypeError('rfft takes a real tensor, got %s.'
                            % _ops.dtype_name(x.dtype))
        sizes = _last(_fft_length(fft_length, list(x.shape[-count:])),
                      count)
        return torch.fft.rfftn(x, s=sizes, dim=dims)

    def rfft(input_tensor, fft_length=None, name=None):
        return op(input_tensor, fft_length)
    op = _op(fn, 'rfft' if count == 1 else 'rfft%dd' % count)
    rfft.__doc__ = ('`tf.signal.rfft`: the FFT of a real signal over its '
                    'last %d axes, its `fft_length` samples (cropped or '
                    'zero-padded); complex64 for float32.' % count)
    return rfft


def _irfft_n(count):
    dims = tuple(range(-count, 0))

    def fn(input_tensor, fft_length=None):
        x = _complex_input(input_tensor, 'irfft')
        shape = list(x.shape[-count:])
        default = shape[:-1] + [2 * (shape[-1] - 1)]
        sizes = _last(_fft_length(fft_length, default), count)
        return torch.fft.irfftn(x, s=sizes, dim=dims)

    def irfft(input_tensor, fft_length=None, name=None):
        return op(input_tensor, fft_length)
    op = _op(fn, 'irfft' if count == 1 else 'irfft%dd' % count)
    irfft.__doc__ = ('`tf.signal.irfft`: the real inverse FFT over the '
                     'last %d axes; `fft_length` defaults to '
                     '2 * (inner size - 1).' % count)
    return irfft


def _fft_n(count, inverse):
    dims = tuple(range(-count, 0))
    transform = torch.fft.ifftn if inverse else torch.fft.fftn
    name = ('ifft' if inverse else 'fft') + ('' if count == 1 else
                                             '%dd' % count)

    def fn(input_tensor):
        return transform(_complex_input(input_tensor, name), dim=dims)

    def fft(input, name=None):  # noqa: A002 (TensorFlow's name)
        return op(input)
    op = _op(fn, name)
    fft.__doc__ = ('`tf.signal.%s` over the last %d axes of a complex '
                   'tensor.' % (name, count))
    return fft


rfft, rfft2d, rfft3d = _rfft_n(1), _rfft_n(2), _rfft_n(3)
irfft, irfft2d, irfft3d = _irfft_n(1), _irfft_n(2), _irfft_n(3)
fft, fft2d, fft3d = _fft_n(1, False), _fft_n(2, False), _fft_n(3, False)
ifft, ifft2d, ifft3d = _fft_n(1, True), _fft_n(2, True), _fft_n(3, True)


def _shift(inverse):
    def fn(x, axes):
        x = _t(x)
        if axes is None:
            axes = tuple(range(x.dim()))
        axes = (axes,) if isinstance(axes, int) else tuple(axes)
        shifts = [(x.shape[a] // 2) * (-1 if inverse else 1)
                  for a in axes]
        return torch.roll(x, shifts, axes)
    op = _op(fn, 'ifftshift' if inverse else 'fftshift')

    def shift(x, axes=None, name=None):
        return op(x, axes)
    shift.__doc__ = '`tf.signal.%s`.' % op.__name__
    return shift


fftshift, ifftshift = _shift(False), _shift(True)


# --------------------------------------------------------------- windows
def _raised_cosine(window_length, periodic, dtype, a, b):
    """TensorFlow's raised-cosine window a - b cos(2 pi n / N): N is
    length - 1, or the length for a periodic window of even length (an
    odd-length periodic window is the symmetric one)."""
    length = _int(window_length)
    kind = _real_dtype(dtype)
    if length == 1:
        return torch.ones(1, dtype=kind, device=K.get_device())
    even = 1 - length % 2
    denominator = length + int(bool(periodic)) * even - 1
    count = torch.arange(length, dtype=torch.float64,
                         device=K.get_device())
    window = a - b * torch.cos(2. * math.pi * count / denominator)
    return window.to(kind)


def hann_window(window_length, periodic=True, dtype=None, name=None):
    """`tf.signal.hann_window`: 0.5 - 0.5 cos(2 pi n / N), periodic by
    default."""
    return _raised_cosine(window_length, periodic, dtype, 0.5, 0.5)


def hamming_window(window_length, periodic=True, dtype=None, name=None):
    """`tf.signal.hamming_window`: 0.54 - 0.46 cos(2 pi n / N)."""
    return _raised_cosine(window_length, periodic, dtype, 0.54, 0.46)


def vorbis_window(window_length, dtype=None, name=None):
    """`tf.signal.vorbis_window`: sin(pi/2 sin^2(pi (n + 1/2) / N))."""
    length = _int(window_length)
    count = torch.arange(length, dtype=torch.float64,
                         device=K.get_device())
    inner = torch.sin(math.pi * (count + 0.5) / length) ** 2
    return torch.sin(math.pi / 2. * inner).to(_real_dtype(dtype))


def kaiser_window(window_length, beta=12., dtype=None, name=None):
    """`tf.signal.kaiser_window`: the symmetric Kaiser window
    I0(beta sqrt(1 - r^2)) / I0(beta)."""
    length = _int(window_length)
    kind = _real_dtype(dtype)
    if length == 1:
        return torch.ones(1, dtype=kind, device=K.get_device())
    half = (length - 1) / 2.
    count = torch.arange(length, dtype=torch.float64,
                         device=K.get_device())
    ratio = (count - half) / half
    beta = torch.as_tensor(float(beta), dtype=torch.float64)
    window = torch.special.i0(beta * torch.sqrt(
        torch.clamp(1. - ratio ** 2, min=0.))) / torch.special.i0(beta)
    return window.to(kind)


def kaiser_bessel_derived_window(window_length, beta=12., dtype=None,
                                 name=None):
    """`tf.signal.kaiser_bessel_derived_window`: the square root of the
    normalized running sum of a Kaiser window, mirrored."""
    length = _int(window_length)
    half = length // 2
    kaiser = kaiser_window(half + 1, beta, dtype=torch.float64)
    running = torch.cumsum(kaiser, 0)
    rising = torch.sqrt(running[:-1] / running[-1])
    return torch.cat([rising, rising.flip(0)]).to(_real_dtype(dtype))


# --------------------------------------------------------------- framing
def _frame_count(length, frame_length, frame_step, pad_end):
    if pad_end:
        return -(-length // frame_step)
    return max(0, 1 + (length - frame_length) // frame_step)


def _frame(signal, frame_length, frame_step, pad_end, pad_value, axis):
    x = _t(signal)
    axis = axis % x.dim()
    length = x.shape[axis]
    frames = _frame_count(length, frame_length, frame_step, pad_end)
    needed = max(0, (frames - 1) * frame_step + frame_length) \
        if frames else frame_length
    if pad_end and needed > length:
        widths = [0, 0] * (x.dim() - 1 - axis) + [0, needed - length]
        x = torch.nn.functional.pad(x, widths, value=float(pad_value))
    if frames == 0:
        shape = list(x.shape)
        shape[axis:axis + 1] = [0, frame_length]
        return x.new_zeros(shape)
    framed = x.narrow(axis, 0, needed).unfold(axis, frame_length,
                                              frame_step)
    return framed.movedim(-1, axis + 1)


_frame_op = _op(_frame, 'frame')


def frame(signal, frame_length, frame_step, pad_end=False, pad_value=0,
          axis=-1, name=None):
    """`tf.signal.frame`: overlapping frames of `frame_length` samples
    every `frame_step` along `axis`, which becomes (frames,
    frame_length). Without `pad_end` only whole frames are kept,
    1 + (length - frame_length) // frame_step of them; with it there are
    ceil(length / frame_step), the end padded with `pad_value`."""
    return _frame_op(signal, _int(frame_length), _int(frame_step),
                     bool(pad_end), pad_value, int(axis))


def _overlap_and_add(signal, frame_step):
    x = _t(signal)
    if x.dim() < 2:
        raise ValueError('overlap_and_add takes a signal of rank 2 or '
                         'more (..., frames, frame_length), got shape %s.'
                         % (tuple(x.shape),))
    frames, frame_length = x.shape[-2], x.shape[-1]
    length = (frames - 1) * frame_step + frame_length if frames else 0
    positions = (torch.arange(frames, device=x.device)[:, None] * frame_step
                 + torch.arange(frame_length, device=x.device)[None, :])
    out = x.new_zeros(tuple(x.shape[:-2]) + (length,))
    return out.index_add(-1, positions.reshape(-1),
                         x.reshape(tuple(x.shape[:-2]) + (-1,)))


_overlap_and_add_op = _op(_overlap_and_add, 'overlap_and_add')


def overlap_and_add(signal, frame_step, name=None):
    """`tf.signal.overlap_and_add`: (..., frames, frame_length) summed
    into (..., (frames - 1) * frame_step + frame_length)."""
    return _overlap_and_add_op(signal, _int(frame_step))


# ------------------------------------------------------------------ STFT
def _default_fft_length(frame_length):
    return 1 << (frame_length - 1).bit_length()


def _stft(signals, frame_length, frame_step, fft_length, window_fn,
          pad_end):
    x = _t(signals)
    if x.is_complex() or not x.is_floating_point():
        raise ValueError('stft takes a float32 or float64 signal, got %s.'
                         % _ops.dtype_name(x.dtype))
    framed = _frame(x, frame_length, frame_step, pad_end, 0, -1)
    if window_fn is not None:
        window = _t(window_fn(frame_length, dtype=_tf_dtype(x.dtype)))
        framed = framed * window.to(framed.device, framed.dtype)
    return torch.fft.rfft(framed, n=fft_length)


_stft_op = _op(_stft, 'stft')


def stft(signals, frame_length, frame_step, fft_length=None,
         window_fn=hann_window, pad_end=False, name=None):
    """`tf.signal.stft`: the rfft of each windowed frame of the last axis,
    (..., frames, fft_length // 2 + 1), complex64 for float32 signals;
    `fft_length` defaults to the smallest power of two >= frame_length,
    the window to a periodic Hann window."""
    frame_length = _int(frame_length)
    fft_length = _default_fft_length(frame_length) if fft_length is None \
        else _int(fft_length)
    return _stft_op(signals, frame_length, _int(frame_step), fft_length,
                    window_fn, bool(pad_end))


def _inverse_stft(stfts, frame_length, frame_step, fft_length, window_fn):
    x = _complex_input(stfts, 'inverse_stft')
    frames = torch.fft.irfft(x, n=fft_length)
    if fft_length > frame_length:
        frames = frames[..., :frame_length]
    elif fft_length < frame_length:
        frames = torch.nn.functional.pad(
            frames, [0, frame_length - fft_length])
    if window_fn is not None:
        window = _t(window_fn(frame_length, dtype=_tf_dtype(frames.dtype)))
        frames = frames * window.to(frames.device, frames.dtype)
    return _overlap_and_add(frames, frame_step)


_inverse_stft_op = _op(_inverse_stft, 'inverse_stft')


def inverse_stft(stfts, frame_length, frame_step, fft_length=None,
                 window_fn=hann_window, name=None):
    """`tf.signal.inverse_stft`: irfft of each frame, cropped or
    zero-padded to `frame_length`, windowed and overlap-added. Perfect
    reconstruction needs `window_fn=tf.signal.inverse_stft_window_fn(
    frame_step)`."""
    frame_length = _int(frame_length)
    fft_length = _default_fft_length(frame_length) if fft_length is None \
        else _int(fft_length)
    return _inverse_stft_op(stfts, frame_length, _int(frame_step),
                            fft_length, window_fn)


def inverse_stft_window_fn(frame_step, forward_window_fn=hann_window,
                           name=None):
    """`tf.signal.inverse_stft_window_fn`: a window function giving the
    forward window divided by the overlap-added sum of its squares, so
    that `inverse_stft` inverts `stft`."""
    frame_step = _int(frame_step)

    def inverse_window(frame_length, dtype=None):
        frame_length = _int(frame_length)
        forward = _t(forward_window_fn(frame_length, dtype=dtype))
        overlaps = -(-frame_length // frame_step)
        squares = torch.nn.functional.pad(
            forward ** 2, [0, overlaps * frame_step - frame_length])
        denominator = squares.reshape(overlaps, frame_step).sum(0)
        return forward / denominator.repeat(overlaps)[:frame_length]
    return inverse_window


# ------------------------------------------------------ mel and cepstrum
def _hertz_to_mel(frequencies):
    return 1127.0 * torch.log1p(frequencies / 700.0)


def _check_mel_arguments(num_mel_bins, lower_edge_hertz, upper_edge_hertz,
                         sample_rate):
    if num_mel_bins <= 0:
        raise ValueError('num_mel_bins must be positive. Got: %s'
                         % num_mel_bins)
    if lower_edge_hertz < 0.0:
        raise ValueError('lower_edge_hertz must be non-negative. Got: %s'
                         % lower_edge_hertz)
    if lower_edge_hertz >= upper_edge_hertz:
        raise ValueError('lower_edge_hertz %.1f >= upper_edge_hertz %.1f'
                         % (lower_edge_hertz, upper_edge_hertz))
    if sample_rate <= 0.0:
        raise ValueError('sample_rate must be positive. Got: %s'
                         % sample_rate)
    if upper_edge_hertz > sample_rate / 2:
        raise ValueError('upper_edge_hertz must not be larger than the '
                         'Nyquist frequency (sample_rate / 2). Got %s for '
                         'sample_rate: %s' % (upper_edge_hertz, sample_rate))


def linear_to_mel_weight_matrix(num_mel_bins=20, num_spectrogram_bins=129,
                                sample_rate=8000, lower_edge_hertz=125.0,
                                upper_edge_hertz=3800.0, dtype=None,
                                name=None):
    """`tf.signal.linear_to_mel_weight_matrix`: (num_spectrogram_bins,
    num_mel_bins) triangular filters on the HTK mel scale
    (1127 ln(1 + f / 700)), peak 1, with the DC bin's row zero."""
    num_mel_bins = _int(num_mel_bins)
    bins = _int(num_spectrogram_bins)
    sample_rate = float(_t(sample_rate).item()) \
        if not isinstance(sample_rate, (int, float)) else float(sample_rate)
    lower, upper = float(lower_edge_hertz), float(upper_edge_hertz)
    _check_mel_arguments(num_mel_bins, lower, upper, sample_rate)
    kind = _real_dtype(dtype)
    device = K.get_device()
    linear = torch.linspace(0., sample_rate / 2., bins, dtype=kind,
                            device=device)[1:]
    spectrogram_mel = _hertz_to_mel(linear)[:, None]
    edges = torch.linspace(
        float(_hertz_to_mel(torch.tensor(lower, dtype=kind))),
        float(_hertz_to_mel(torch.tensor(upper, dtype=kind))),
        num_mel_bins + 2, dtype=kind, device=device)
    low, center, high = edges[:-2], edges[1:-1], edges[2:]
    lower_slopes = (spectrogram_mel - low) / (center - low)
    upper_slopes = (high - spectrogram_mel) / (high - center)
    weights = torch.clamp(torch.minimum(lower_slopes, upper_slopes), min=0.)
    return torch.nn.functional.pad(weights, [0, 0, 1, 0])


def _dct_matrix(kind, size, length, dtype, device, norm):
    """(length, size) matrix M with dct(x) = x @ M (TensorFlow's
    unnormalized DCT types 1-4, or their orthonormal versions)."""
    n = torch.arange(length, dtype=torch.float64, device=device)[:, None]
    k = torch.arange(size, dtype=torch.float64, device=device)[None, :]
    if kind == 1:
        matrix = 2. * torch.cos(math.pi * n * k / (length - 1))
        matrix[0] = 1.
        matrix[-1] = (-1.) ** k[0]
    elif kind == 2:
        matrix = 2. * torch.cos(math.pi * k * (2. * n + 1.) / (2. * length))
        if norm == 'ortho':
            scale = torch.full((size,), math.sqrt(0.5 / length),
                               dtype=torch.float64, device=device)
            scale[0] = math.sqrt(0.25 / length)
            matrix = matrix * scale
    elif kind == 3:
        matrix = 2. * torch.cos(math.pi * n * (2. * k + 1.) / (2. * length))
        matrix[0] = 1.
        if norm == 'ortho':
            matrix = matrix * math.sqrt(0.5 / length)
            matrix[0] = 1. / math.sqrt(length)
    else:
        matrix = 2. * torch.cos(
            math.pi * (2. * n + 1.) * (2. * k + 1.) / (4. * length))
        if norm == 'ortho':
            matrix = matrix * math.sqrt(0.5 / length)
    return matrix.to(dtype)


def _dct(x, kind, n, norm):
    x = _t(x)
    if n is not None:
        if n < x.shape[-1]:
            x = x[..., :n]
        elif n > x.shape[-1]:
            x = torch.nn.functional.pad(x, [0, n - x.shape[-1]])
    length = x.shape[-1]
    matrix = _dct_matrix(kind, length, length, x.dtype, x.device, norm)
    return x @ matrix


_dct_op = _op(_dct, 'dct')


def dct(input, type=2, n=None, axis=-1, norm=None,  # noqa: A002
        name=None):
    """`tf.signal.dct`: the DCT of type 1-4 over the last axis,
    unnormalized (TensorFlow's and scipy's scaling) or `norm='ortho'`;
    `n` crops or zero-pads the axis first."""
    if type not in (1, 2, 3, 4):
        raise ValueError('Types I, II, III and IV (I)DCT are supported, '
                         'got type %r.' % (type,))
    if axis != -1:
        raise NotImplementedError('axis must be -1. Got: %s; transpose the '
                                  'axis to the end first.' % axis)
    if norm not in (None, 'ortho'):
        raise ValueError("Unknown normalization. Expected None or 'ortho', "
                         'got: %s' % norm)
    if type == 1 and norm == 'ortho':
        raise ValueError('Normalization is not supported for the Type-I '
                         'DCT.')
    if n is not None and n < 1:
        raise ValueError('n should be a positive integer or None')
    return _dct_op(input, type, None if n is None else _int(n), norm)


def idct(input, type=2, n=None, axis=-1, norm=None,  # noqa: A002
         name=None):
    """`tf.signal.idct`: the DCT of the inverse type (2 and 3 swap;
    unnormalized, idct(dct(x)) is x scaled by 2N, or by 2(N-1) for
    type 1)."""
    if n is not None:
        raise NotImplementedError('idct does not support n; crop or pad '
                                  'the input instead.')
    inverse = {1: 1, 2: 3, 3: 2, 4: 4}.get(type, type)
    return dct(input, type=inverse, n=None, axis=axis, norm=norm)


def _mfccs(log_mel_spectrograms):
    x = _t(log_mel_spectrograms)
    bins = x.shape[-1]
    return _dct(x, 2, None, None) / math.sqrt(2. * bins)


_mfccs_op = _op(_mfccs, 'mfccs_from_log_mel_spectrograms')


def mfccs_from_log_mel_spectrograms(log_mel_spectrograms, name=None):
    """`tf.signal.mfccs_from_log_mel_spectrograms`: the type-2 DCT of the
    last axis scaled by 1 / sqrt(2 * mel bins) (HTK's MFCCs)."""
    return _mfccs_op(log_mel_spectrograms)


# --------------------------------------------------------------- complex
def _complex(real, imag):
    real, imag = _t(real), _t(imag)
    if real.dtype != imag.dtype:
        raise TypeError(
            'tf.complex takes real and imag of the same dtype (float32 or '
            'float64), got %s and %s.' % (_ops.dtype_name(real.dtype),
                                          _ops.dtype_name(imag.dtype)))
    if real.dtype not in (torch.float32, torch.float64):
        raise TypeError('tf.complex takes float32 or float64 parts, got %s.'
                        % _ops.dtype_name(real.dtype))
    return torch.complex(*torch.broadcast_tensors(real, imag))


_complex_op = _op(_complex, 'complex')


def complex(real, imag, name=None):  # noqa: A001 (TensorFlow's name)
    """`tf.complex`: real + 1j * imag, complex64 from float32 parts,
    complex128 from float64."""
    return _complex_op(real, imag)


def _part(part):
    def fn(x):
        x = _t(x)
        if not x.is_complex():
            return x if part == 'real' else torch.zeros_like(x)
        return x.real.clone() if part == 'real' else x.imag.clone()
    return _op(fn, part)


def _real_valued(op_name, fn):
    wrapped = _op(fn, op_name)

    def op(input, name=None):  # noqa: A002 (TensorFlow's name)
        return wrapped(input)
    op.__name__ = op_name
    return op


real = _real_valued('real', _part('real'))
imag = _real_valued('imag', _part('imag'))
angle = _real_valued('angle', lambda x: torch.angle(_t(x)))
conj = _real_valued('conj', lambda x: torch.conj_physical(_t(x))
                    if _t(x).is_complex() else _t(x))


def _namespace():
    names = ('frame', 'overlap_and_add', 'hann_window', 'hamming_window',
             'vorbis_window', 'kaiser_window',
             'kaiser_bessel_derived_window', 'stft', 'inverse_stft',
             'inverse_stft_window_fn', 'rfft', 'rfft2d', 'rfft3d', 'irfft',
             'irfft2d', 'irfft3d', 'fft', 'fft2d', 'fft3d', 'ifft', 'ifft2d',
             'ifft3d', 'fftshift', 'ifftshift',
             'linear_to_mel_weight_matrix', 'dct', 'idct',
             'mfccs_from_log_mel_spectrograms')
    module = types.ModuleType('tensorflow.signal', 'Signal processing.')
    module.__path__ = []
    for name in names:
        setattr(module, name, globals()[name])
    return module


signal = _namespace()
