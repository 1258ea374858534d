"""Convolution and pooling kernels on torch tensors, used by the
`keras.backend` convolution and pooling functions and by the convolution,
pooling and convolutional recurrent layers.

How the Keras concepts map to torch:

- channels_last `(N, *spatial, C)`: torch convolves the permuted view
  `(N, C, *spatial)` (`channels_first`, a `Tensor.movedim`), whose strides
  are channels_last, and the result is permuted back (`channels_last`)
  without a copy.
- padding 'valid' / 'same' / 'causal' / 'full': per-axis (before, after)
  pads (`padding_pairs`). 'same' is TensorFlow's (the extra pixel of an odd
  total goes after), 'causal' pads the start only. Symmetric pads become
  the `padding` argument of the torch call, other ones an `F.pad` first
  (`padding_plan`, `pad`).
- kernels: Keras `(*kernel_size, in, out)` <-> torch `(out, in,
  *kernel_size)` (`kernel_to_torch`, `kernel_to_keras`; the same
  permutation maps transposed kernels `(*k, out, in)` to `(in, out, *k)`);
  depthwise `(*k, in, multiplier)` -> `(in * multiplier, 1, *k)`.
- Conv1D/2D/3D, depthwise and separable convolutions: `F.conv1d/2d/3d`
  (`conv`; depthwise is the grouped convolution with one group per input
  channel). Conv2DTranspose/Conv3DTranspose: `F.conv_transpose2d/3d`
  (`conv_transpose`), cut as TensorFlow cuts it (`transpose_crop`).
- MaxPooling/AveragePooling 1D/2D/3D: `F.max_pool2d/3d`,
  `F.avg_pool2d/3d` (`pool_plan`, `pool`); 1D pooling runs as height-1 2D
  pooling; 'same' average pooling divides by the number of real pixels of
  each window, as TensorFlow does."""
import torch
import torch.nn.functional as F

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_CONV_TRANSPOSE = {1: F.conv_transpose1d, 2: F.conv_transpose2d,
                   3: F.conv_transpose3d}
_MEMORY_FORMATS = {4: torch.channels_last, 5: torch.channels_last_3d}


# ------------------------------------------------------------------ layout
def channels_first(x, rank, data_format='channels_last', leading=1):
    """`(*leading, *spatial, C)` as the permuted view `(*leading, C,
    *spatial)` over `rank` spatial axes (`leading` axes: the batch, or the
    batch and time); `x` itself for data_format 'channels_first'."""
    if data_format != 'channels_last':
        return x
    return x.permute(*range(leading), leading + rank,
                     *range(leading, leading + rank))


def channels_last(y, rank, data_format='channels_last', leading=1):
    """The inverse of `channels_first`: `(*leading, C, *spatial)` as the
    permuted view `(*leading, *spatial, C)`."""
    if data_format != 'channels_last':
        return y
    return y.permute(*range(leading), *range(leading + 1, leading + rank + 1),
                     leading)


def channels_last_memory(weight):
    """`weight` made contiguous, in the channels_last memory format for 4D
    and 5D kernels (the layout torch convolves channels_last inputs
    with)."""
    fmt = _MEMORY_FORMATS.get(weight.dim())
    if fmt is None:
        return weight.contiguous()
    weight = weight.contiguous(memory_format=fmt)
    if 1 in weight.shape:
        # torch counts any stride of a length-1 axis as contiguous, so a
        # permuted one-filter Keras kernel keeps stride 1 on its `out` axis;
        # the CPU weight gradient (slow_conv2d) then fails with "grad_weight
        # must be contiguous". Canonical strides avoid it.
        fresh = torch.empty(weight.shape, dtype=weight.dtype,
                            device=weight.device, memory_format=fmt)
        if fresh.stride() != weight.stride():
            weight = fresh.copy_(weight)
    return weight


def kernel_to_torch(kernel, rank):
    """Keras kernel `(*kernel_size, in, out)` -> torch `(out, in,
    *kernel_size)`; likewise a transposed kernel `(*k, out, in)` -> `(in,
    out, *k)`. A view."""
    return kernel.permute(rank + 1, rank, *range(rank))


def kernel_to_keras(weight, rank):
    """The inverse of `kernel_to_torch`. A view."""
    return weight.permute(*range(2, rank + 2), 1, 0)


def depthwise_kernel_to_torch(kernel, rank):
    """Keras depthwise kernel `(*k, in, multiplier)` -> torch `(in *
    multiplier, 1, *k)`: output channel `i * multiplier + m` reads input
    channel `i`, as TensorFlow orders them."""
    channels, multiplier = kernel.shape[rank], kernel.shape[rank + 1]
    merged = kernel.reshape(tuple(kernel.shape[:rank]) +
                            (channels * multiplier,))
    return merged.permute(rank, *range(rank)).unsqueeze(1)


# ----------------------------------------------------------------- padding
def same_padding(size, kernel, stride, dilation=1):
    """(before, after) pads of TensorFlow's 'same' padding along one axis:
    `ceil(size / stride)` outputs, the extra pixel of an odd total
    after."""
    dilated = (kernel - 1) * dilation + 1
    out = (size + stride - 1) // stride
    total = max((out - 1) * stride + dilated - size, 0)
    return total // 2, total - total // 2


def axis_padding(padding, size, kernel, stride, dilation=1):
    """(before, after) pads of one spatial axis for a Keras `padding`:
    'valid', 'same', 'causal' (the start only) or 'full'."""
    if padding == 'valid':
        return 0, 0
    if padding == 'causal':
        return (kernel - 1) * dilation, 0
    if padding == 'full':
        return (kernel - 1) * dilation, (kernel - 1) * dilation
    return same_padding(size, kernel, stride, dilation)


def padding_pairs(padding, spatial, kernel_size, strides, dilation=None):
    """Per spatial axis (before, after) pads for a Keras `padding`."""
    dilation = dilation or (1,) * len(kernel_size)
    return [axis_padding(padding, size, k, s, d) for size, k, s, d in
            zip(spatial, kernel_size, strides, dilation)]


def padding_plan(pairs, limits=None):
    """(padding for the torch call, pads to apply first or None): torch
    takes symmetric pads (each at most its `limits` entry, where given),
    other ones are applied with `pad` and torch pads nothing."""
    symmetric = all(before == after for before, after in pairs)
    if symmetric and limits is not None:
        symmetric = all(before <= limit for (before, _), limit in
                        zip(pairs, limits))
    if symmetric:
        return tuple(before for before, _ in pairs), None
    return (0,) * len(pairs), pairs


def pad_spec(pairs, channels_last=False):
    """`F.pad`'s argument for per-axis (before, after) pads of the spatial
    axes; the channel axis of a channels_last tensor is not padded."""
    spec = [0, 0] if channels_last else []
    for before, after in reversed(pairs):
        spec += [before, after]
    return spec


def pad(x, pairs, channels_last=False, value=0.):
    """`x` padded with `value` by per-axis (before, after) pads of its
    spatial axes."""
    return F.pad(x, pad_spec(pairs, channels_last), value=value)


# ------------------------------------------------------------ convolution
def conv(x, weight, bias=None, strides=1, padding=0, dilation=1, groups=1):
    """Convolution of channels-first `x` with a torch-layout kernel `(out,
    in / groups, *kernel_size)`: `F.conv1d/2d/3d` by the kernel's rank."""
    if _subsamples_first(x, weight, strides, padding):
        x, strides = _subsample(x, strides), 1
    return _CONV[weight.dim() - 2](x, weight, bias, strides, padding,
                                   dilation, groups)


def _subsamples_first(x, weight, strides, padding):
    """Whether a strided 1x1 convolution runs as a stride-1 one on the
    subsampled input (the same numbers): on the CPU, for fewer than 16
    input channels per group, where oneDNN's weight gradient of the strided
    1x1 kernel on a channels_last input corrupts the heap (torch 2.13;
    TensorFlow's oneDNN build crashes on the same models)."""
    if x.device.type != 'cpu' or weight.dim() != 4 or \
            tuple(weight.shape[2:]) != (1, 1) or weight.shape[1] >= 16:
        return False
    if isinstance(padding, str) or any(int(p) for p in _ints(padding, 2)):
        return False
    return any(int(s) != 1 for s in _ints(strides, 2))


def _subsample(x, strides):
    """Every `strides`-th pixel of channels-first `x` (a strided view)."""
    sh, sw = _ints(strides, 2)
    return x[:, :, ::sh, ::sw]


def _pointwise_convolution():
    """oneDNN's convolution with a fused elementwise epilogue (the kernel
    torch's inductor uses for inference), or None where torch lacks it."""
    if not torch.backends.mkldnn.is_available():
        return None
    try:
        return torch.ops.mkldnn._convolution_pointwise
    except (AttributeError, RuntimeError):
        return None


_POINTWISE_CONV = _pointwise_convolution()


def _autocast_on_cpu():
    try:
        return torch.is_autocast_enabled('cpu')
    except TypeError:           # torch before 2.4
        return torch.is_autocast_cpu_enabled()


def fuses_relu(x, weight):
    """Whether `conv_relu` runs oneDNN's fused kernel for these tensors:
    float32 on the CPU, outside autograd and autocast."""
    return _POINTWISE_CONV is not None and not torch.is_grad_enabled() and \
        x.device.type == 'cpu' and x.dtype == torch.float32 and \
        weight.dtype == torch.float32 and not _autocast_on_cpu()


def conv_relu(x, weight, bias, strides, padding, dilation, groups=1):
    """relu(conv(x) + bias) as one oneDNN convolution whose epilogue
    applies the bias and the ReLU while the output is in the cache (as
    TensorFlow fuses Conv2D + BiasAdd + Relu): the same numbers as the
    convolution followed by the ReLU, one pass over the output fewer.
    For inference (`fuses_relu`); `padding` symmetric, per axis."""
    rank = weight.dim() - 2
    return _POINTWISE_CONV(x, weight, bias, _ints(padding, rank),
                           _ints(strides, rank), _ints(dilation, rank),
                           groups, 'relu', [], '')


def _ints(value, rank):
    return [int(value)] * rank if isinstance(value, int) else \
        [int(v) for v in value]


def conv_transpose(x, weight, bias=None, strides=1, padding=0,
                   output_padding=0, dilation=1):
    """Transposed convolution of channels-first `x` with a torch-layout
    kernel `(in, out, *kernel_size)`: `F.conv_transpose1d/2d/3d`."""
    return _CONV_TRANSPOSE[weight.dim() - 2](
        x, weight, bias, strides, padding, output_padding, 1, dilation)


def transpose_crop(spatial, targets, kernel_size, strides, dilation,
                   padding):
    """How TensorFlow's transposed convolution cuts its output (`targets`
    sizes) from the full transposed convolution of `spatial` sizes: per
    axis (cut before, cut after, zeros added after). 'valid' cuts at the
    end, 'same' half of the excess (rounded down) before."""
    plan = []
    for size, target, k, s, d in zip(spatial, targets, kernel_size,
                                     strides, dilation):
        total = (size - 1) * s + (k - 1) * d + 1 - target
        if total < 0:
            plan.append((0, 0, -total))
            continue
        before = total // 2 if padding == 'same' else 0
        plan.append((before, total - before, 0))
    return plan


# ----------------------------------------------------------------- pooling
def _area(pool_size):
    area = 1
    for k in pool_size:
        area *= k
    return float(area)


def _torch_pool(mode, x, pool_size, strides, padding, include_pad):
    """`F.max_pool2d/3d` or `F.avg_pool2d/3d` (by the length of `padding`)
    of channels-first `x`; a 1D window pools a height-1 image."""
    two_d = len(padding) == 2
    if len(pool_size) != len(padding):
        pool_size, strides = (1,) + pool_size, (1,) + strides
    if mode == 'max':
        fn = F.max_pool2d if two_d else F.max_pool3d
        return fn(x, pool_size, strides, padding)
    fn = F.avg_pool2d if two_d else F.avg_pool3d
    return fn(x, pool_size, strides, padding, count_include_pad=include_pad)


def _window_counts(spatial, pads, pool_size, strides, device):
    """Per output position, how many real pixels its 'same' window
    covers."""
    spatial, pads = tuple(spatial), list(pads)
    if len(pool_size) == 1:
        spatial, pads = (1,) + spatial, [(0, 0)] + pads
    ones = pad(torch.ones((1, 1) + spatial, device=device), pads)
    mean = _torch_pool('avg', ones, pool_size, strides, (0,) * len(spatial),
                       True)
    return mean * _area(pool_size)


def pool_plan(mode, spatial, pool_size, strides, padding, device):
    """(padding for the torch call, pads to apply first or None, window
    pixel counts for average pooling or None) of pooling an input of
    `spatial` size; computed once per input size."""
    pairs = padding_pairs(padding, spatial, pool_size, strides)
    torch_padding, pads = padding_plan(pairs, [k // 2 for k in pool_size])
    if pads is None:
        return torch_padding, None, None
    counts = None
    if mode == 'avg':
        counts = _window_counts(spatial, pads, pool_size, strides, device)
    return (0,) * len(pool_size), pads, counts


def pool(x, mode, pool_size, strides, plan, data_format='channels_last'):
    """Max ('max') or average ('avg') pooling of a Keras-layout `x` by its
    `pool_plan`: pads that torch cannot apply are applied first (-inf for
    max), and an average over padded windows counts real pixels only."""
    torch_padding, pads, counts = plan
    channels_last_input = data_format == 'channels_last'
    if pads is not None:
        fill = float('-inf') if mode == 'max' else 0.
        x = pad(x, pads, channels_last_input, fill)
    rank = len(pool_size)
    if rank == 1:
        x = x.unsqueeze(1 if channels_last_input else 2)
        torch_padding = (0,) + tuple(torch_padding)
    torch_rank = max(rank, 2)
    x = channels_first(x, torch_rank, data_format)
    y = _torch_pool(mode, x, pool_size, strides, torch_padding,
                    pads is not None)
    if counts is not None:
        y = y * (_area(pool_size) / counts)
    y = channels_last(y, torch_rank, data_format)
    if rank == 1:
        y = y.squeeze(1 if channels_last_input else 2)
    return y
