"""TensorFlow's box and patch image operations (`tf.image.crop_and_resize`,
`crop_to_bounding_box`, `pad_to_bounding_box`, `rgb_to_grayscale`,
`per_image_standardization`) on torch tensors in NHWC layout, with
TensorFlow's sampling rules, for the TensorFlow stand-in."""
import torch

_GRAY_WEIGHTS = (0.2989, 0.5870, 0.1140)


def _tensor(value, dtype=None):
    tensor = value if isinstance(value, torch.Tensor) else \
        torch.as_tensor(value)
    return tensor if dtype is None else tensor.to(dtype)


def _sample_positions(start, stop, size, count):
    """(boxes, count) source positions along one axis, as TensorFlow's
    CropAndResize kernel computes them: the box's edges map to the
    first and last output pixels; a single output pixel samples the
    box's centre."""
    if count > 1:
        scale = (stop - start) * (size - 1) / (count - 1)
        steps = torch.arange(count, dtype=start.dtype, device=start.device)
        return start[:, None] * (size - 1) + steps[None, :] * scale[:, None]
    return (0.5 * (start + stop) * (size - 1))[:, None]


def _check_crop_arguments(image, boxes, indices, crop_height, crop_width):
    """TensorFlow's CropAndResize checks, with its messages."""
    from .tensorflow_compat import errors
    if crop_height <= 0 or crop_width <= 0:
        raise errors.InvalidArgumentError('crop dimensions must be positive')
    if boxes.dim() != 2 or boxes.shape[1] != 4:
        raise errors.InvalidArgumentError(
            'boxes must be 2-D [num_boxes, 4], got shape %s'
            % (list(boxes.shape),))
    if indices.dim() != 1 or indices.shape[0] != boxes.shape[0]:
        raise errors.InvalidArgumentError('box_index has incompatible shape')
    if indices.numel() and (int(indices.min()) < 0 or
                            int(indices.max()) >= image.shape[0]):
        raise errors.OutOfRangeError(
            'box_index has values outside [0, batch_size)')


def crop_and_resize(image, boxes, box_indices=None, crop_size=None,
                    method='bilinear', extrapolation_value=0., name=None,
                    box_ind=None):
    """`tf.image.crop_and_resize`: for each box (y1, x1, y2, x2, in
    [0, 1] of the image), its crop resized to `crop_size`, sampled
    bilinearly or at the nearest pixel; samples outside the image take
    `extrapolation_value`. Returns float32 (boxes, height, width,
    channels). `box_ind` is TensorFlow 1's name of `box_indices`."""
    if box_indices is None:
        box_indices = box_ind
    if box_indices is None or crop_size is None:
        raise TypeError('crop_and_resize() needs `box_indices` and '
                        '`crop_size`.')
    if method not in ('bilinear', 'nearest'):
        raise ValueError("method must be 'bilinear' or 'nearest', got %r."
                         % (method,))
    image = _tensor(image, torch.float32)
    boxes = _tensor(boxes, torch.float32).to(image.device)
    indices = _tensor(box_indices).to(image.device).long()
    crop_height, crop_width = (int(s) for s in _tensor(crop_size).tolist())
    _check_crop_arguments(image, boxes, indices, crop_height, crop_width)
    height, width = image.shape[1], image.shape[2]
    y1, x1, y2, x2 = boxes.unbind(1)
    ys = _sample_positions(y1, y2, height, crop_height)
    xs = _sample_positions(x1, x2, width, crop_width)
    inside = ((ys >= 0) & (ys <= height - 1))[:, :, None] & \
        ((xs >= 0) & (xs <= width - 1))[:, None, :]
    crops = image[indices]
    batch = torch.arange(len(indices), device=image.device)[:, None, None]

    def pick(rows, cols):
        return crops[batch, rows[:, :, None], cols[:, None, :]]

    if method == 'nearest':
        # (std::round: halves away from zero; inside samples are >= 0.)
        rows = torch.floor(ys + 0.5).clamp(0, height - 1).long()
        cols = torch.floor(xs + 0.5).clamp(0, width - 1).long()
        out = pick(rows, cols)
    else:
        top, left = torch.floor(ys), torch.floor(xs)
        y_lerp = (ys - top)[:, :, None, None]
        x_lerp = (xs - left)[:, None, :, None]
        top_rows = top.clamp(0, height - 1).long()
        bottom_rows = torch.ceil(ys).clamp(0, height - 1).long()
        left_cols = left.clamp(0, width - 1).long()
        right_cols = torch.ceil(xs).clamp(0, width - 1).long()
        upper = pick(top_rows, left_cols)
        upper = upper + (pick(top_rows, right_cols) - upper) * x_lerp
        lower = pick(bottom_rows, left_cols)
        lower = lower + (pick(bottom_rows, right_cols) - lower) * x_lerp
        out = upper + (lower - upper) * y_lerp
    return torch.where(inside[..., None], out,
                       torch.full_like(out, float(extrapolation_value)))


def _batched(image):
    """(NHWC image, whether it was a single HWC image)."""
    image = _tensor(image)
    return (image[None], True) if image.dim() == 3 else (image, False)


def crop_to_bounding_box(image, offset_height, offset_width, target_height,
                         target_width):
    """`tf.image.crop_to_bounding_box`: the window of the image (or
    batch) starting at the offsets."""
    images, single = _batched(image)
    if offset_height < 0 or offset_width < 0 or \
            offset_height + target_height > images.shape[1] or \
            offset_width + target_width > images.shape[2]:
        raise ValueError('The crop window (offset %d, %d, size %d x %d) '
                         'must lie inside the image of %d x %d.'
                         % (offset_height, offset_width, target_height,
                            target_width, images.shape[1], images.shape[2]))
    out = images[:, offset_height:offset_height + target_height,
                 offset_width:offset_width + target_width]
    return out[0] if single else out


def pad_to_bounding_box(image, offset_height, offset_width, target_height,
                        target_width):
    """`tf.image.pad_to_bounding_box`: the image placed at the offsets on
    a zero canvas of the target size."""
    images, single = _batched(image)
    bottom = target_height - offset_height - images.shape[1]
    right = target_width - offset_width - images.shape[2]
    if min(offset_height, offset_width, bottom, right) < 0:
        raise ValueError('The image of %d x %d at offset (%d, %d) does not '
                         'fit in %d x %d.'
                         % (images.shape[1], images.shape[2], offset_height,
                            offset_width, target_height, target_width))
    out = torch.nn.functional.pad(
        images, (0, 0, offset_width, right, offset_height, bottom))
    return out[0] if single else out


def rgb_to_grayscale(images, name=None):
    """`tf.image.rgb_to_grayscale`: the ITU-R 601 luma (0.2989 R + 0.5870 G
    + 0.1140 B), last axis kept with size 1, in the input's type
    (integers computed in float and converted back, as TensorFlow's
    convert_image_dtype does)."""
    images = _tensor(images)
    kind = images.dtype
    if kind.is_floating_point:
        values = images
    else:
        values = images.float() / float(torch.iinfo(kind).max)
    weights = torch.tensor(_GRAY_WEIGHTS, dtype=values.dtype,
                           device=values.device)
    gray = (values * weights).sum(-1, keepdim=True)
    if kind.is_floating_point:
        return gray
    scale = float(torch.iinfo(kind).max)
    # (convert_image_dtype from float: truncated x * (max + 0.5).)
    return (gray * (scale + 0.5)).floor().clamp(0, scale).to(kind)


def per_image_standardization(image):
    """`tf.image.per_image_standardization`: each image minus its mean,
    over max(stddev, 1 / sqrt(number of values)), as float32."""
    images, single = _batched(image)
    images = images.float()
    count = images[0].numel()
    mean = images.mean(dim=(1, 2, 3), keepdim=True)
    variance = ((images - mean) ** 2).mean(dim=(1, 2, 3), keepdim=True)
    floor = torch.full_like(variance, 1. / count ** 0.5)
    out = (images - mean) / torch.maximum(variance.sqrt(), floor)
    return out[0] if single else out


def _reflect(coord, size):
    """TensorFlow's FILL_REFLECT: mirror about the edges (d c b a | a b c
    d | d c b a), the result clamped into the image."""
    if size <= 1:
        return torch.zeros_like(coord)
    double = 2 * size
    low = coord < 0
    below = torch.where(coord < -double, coord + double * torch.trunc(
        -coord / double), coord)
    below = torch.where(below < -size, below + double, -below - 1)
    high = coord > size - 1
    above = coord - double * torch.trunc(coord / double)
    above = torch.where(above >= size, double - above - 1, above)
    mapped = torch.where(low, below, torch.where(high, above, coord))
    return mapped.clamp(0, size - 1)


def _wrap(coord, size):
    """TensorFlow's FILL_WRAP: the image repeated (a b c d | a b c d)."""
    if size <= 1:
        return torch.zeros_like(coord)
    span = size - 1
    below = coord + size * (torch.trunc(-coord / span) + 1)
    above = coord - size * torch.trunc(coord / span)
    mapped = torch.where(coord < 0, below,
                         torch.where(coord > size - 1, above, coord))
    return mapped.clamp(0, size - 1)


_FILL_MODES = {
    'REFLECT': _reflect,
    'WRAP': _wrap,
    'CONSTANT': lambda coord, size: coord,
    'NEAREST': lambda coord, size: coord.clamp(0, size - 1),
}


def _read(images, rows, cols, fill_value):
    """Pixels at integer (rows, cols) of each batch entry, `fill_value`
    outside the image: (batch, out_h, out_w, channels)."""
    height, width = images.shape[1], images.shape[2]
    inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
    flat = images.reshape(images.shape[0], height * width, -1)
    index = (rows.clamp(0, height - 1) * width +
             cols.clamp(0, width - 1)).long()
    values = torch.gather(flat, 1, index.reshape(index.shape[0], -1, 1)
                          .expand(-1, -1, flat.shape[-1]))
    values = values.reshape(rows.shape + (flat.shape[-1],))
    return torch.where(inside[..., None], values,
                       torch.full_like(values, float(fill_value)))


def _round_half_away(values):
    return torch.sign(values) * torch.floor(torch.abs(values) + 0.5)


def image_projective_transform_v3(images, transforms, output_shape,
                                  fill_value=0., interpolation='NEAREST',
                                  fill_mode='CONSTANT', name=None):
    """`tf.raw_ops.ImageProjectiveTransformV3` (NHWC): each output pixel
    (x, y) samples the input at ((a0 x + a1 y + a2) / k, (b0 x + b1 y +
    b2) / k), k = c0 x + c1 y + 1, from the 8 numbers of its batch
    entry's transform (one transform may serve the whole batch); points
    outside the image follow `fill_mode` (REFLECT, WRAP, CONSTANT with
    `fill_value`, NEAREST); NEAREST or BILINEAR interpolation; integer
    images get the interpolated values truncated, as TensorFlow's kernel
    casts them."""
    if interpolation not in ('NEAREST', 'BILINEAR'):
        raise ValueError('Invalid interpolation %s' % (interpolation,))
    if fill_mode not in _FILL_MODES:
        raise ValueError('Invalid fill_mode %s' % (fill_mode,))
    images = _tensor(images)
    source = images.to(torch.float32)
    transforms = _tensor(transforms, torch.float32).to(images.device)
    out_h, out_w = [int(v) for v in _tensor(output_shape).reshape(-1)]
    batch, height, width = images.shape[0], images.shape[1], images.shape[2]
    transforms = transforms.expand(batch, 8) if transforms.shape[0] == 1 \
        else transforms
    y, x = torch.meshgrid(
        torch.arange(out_h, dtype=torch.float32, device=images.device),
        torch.arange(out_w, dtype=torch.float32, device=images.device),
        indexing='ij')
    t = [transforms[:, i].reshape(-1, 1, 1) for i in range(8)]
    projection = t[6] * x + t[7] * y + 1.
    safe = torch.where(projection == 0, torch.ones_like(projection),
                       projection)
    mapping = _FILL_MODES[fill_mode]
    in_x = mapping((t[0] * x + t[1] * y + t[2]) / safe, width)
    in_y = mapping((t[3] * x + t[4] * y + t[5]) / safe, height)
    if interpolation == 'NEAREST':
        output = _read(source, _round_half_away(in_y),
                       _round_half_away(in_x), fill_value)
    else:
        y0, x0 = torch.floor(in_y), torch.floor(in_x)
        wy, wx = (in_y - y0)[..., None], (in_x - x0)[..., None]
        top = (1 - wx) * _read(source, y0, x0, fill_value) + \
            wx * _read(source, y0, x0 + 1, fill_value)
        bottom = (1 - wx) * _read(source, y0 + 1, x0, fill_value) + \
            wx * _read(source, y0 + 1, x0 + 1, fill_value)
        output = (1 - wy) * top + wy * bottom
    output = torch.where((projection == 0)[..., None],
                         torch.full_like(output, float(fill_value)), output)
    # (TensorFlow's kernel casts the interpolated value: truncation.)
    return output.to(images.dtype)


def _same_padding(size, kernel, stride, rate):
    """TensorFlow's SAME padding (before, after) along one axis."""
    effective = (kernel - 1) * rate + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def extract_patches(images, sizes, strides, rates, padding, name=None):
    """`tf.image.extract_patches` (NHWC): every `sizes[1] x sizes[2]`
    patch (taken every `strides`, its pixels `rates` apart) flattened
    into the last axis in (row, column, channel) order; VALID or SAME
    padding (zeros)."""
    images = _tensor(images)
    k_h, k_w = int(sizes[1]), int(sizes[2])
    s_h, s_w = int(strides[1]), int(strides[2])
    r_h, r_w = int(rates[1]), int(rates[2])
    batch, height, width, depth = images.shape
    x = images.permute(0, 3, 1, 2)
    if padding.upper() == 'SAME':
        top, bottom = _same_padding(height, k_h, s_h, r_h)
        left, right = _same_padding(width, k_w, s_w, r_w)
        x = torch.nn.functional.pad(x, (left, right, top, bottom))
    elif padding.upper() != 'VALID':
        raise ValueError('padding must be "VALID" or "SAME", got %r'
                         % (padding,))
    out_h = (x.shape[2] - ((k_h - 1) * r_h + 1)) // s_h + 1
    out_w = (x.shape[3] - ((k_w - 1) * r_w + 1)) // s_w + 1
    source = x if x.dtype.is_floating_point else x.double()
    patches = torch.nn.functional.unfold(
        source, (k_h, k_w), dilation=(r_h, r_w), stride=(s_h, s_w))
    patches = patches.reshape(batch, depth, k_h * k_w, out_h, out_w)
    patches = patches.permute(0, 3, 4, 2, 1).reshape(
        batch, out_h, out_w, k_h * k_w * depth)
    return patches.to(images.dtype)


# ------------------------------------------------- colour and geometry
def _as_float(image):
    """(image as float32, or as itself when float16/32; its dtype), as
    TensorFlow's adjust_* operations work."""
    from .tensorflow_compat import _convert_image_dtype
    image = _tensor(image)
    if image.dtype in (torch.float16, torch.float32):
        return image, image.dtype
    return _convert_image_dtype(image, 'float32'), image.dtype


def _back_to(image, dtype):
    from .tensorflow_compat import _convert_image_dtype
    return _convert_image_dtype(image, dtype, saturate=True)


def adjust_brightness(image, delta):
    """`tf.image.adjust_brightness`: `delta` added to the image in float
    (integer images scaled to [0, 1] first), converted back to its type
    with saturation."""
    values, dtype = _as_float(image)
    return _back_to(values + float(delta), dtype)


def adjust_contrast(images, contrast_factor):
    """`tf.image.adjust_contrast`: each channel of each image moved away
    from its mean over height and width, `(x - mean) * factor + mean`,
    in float, converted back to the image's type with saturation."""
    values, dtype = _as_float(images)
    mean = values.mean(dim=(-3, -2), keepdim=True)
    return _back_to((values - mean) * float(contrast_factor) + mean, dtype)


def adjust_gamma(image, gamma=1, gain=1):
    """`tf.image.adjust_gamma`: `gain * x ** gamma` on [0, 1] values
    (integer images scaled and converted back)."""
    values, dtype = _as_float(image)
    return _back_to(gain * values ** gamma, dtype)


def random_brightness(image, max_delta, seed=None):
    """`tf.image.random_brightness`: adjust_brightness by a delta drawn
    uniformly from [-max_delta, max_delta)."""
    if max_delta < 0:
        raise ValueError('max_delta must be non-negative.')
    delta = (torch.rand(()) * 2 - 1) * max_delta
    return adjust_brightness(image, float(delta))


def random_contrast(image, lower, upper, seed=None):
    """`tf.image.random_contrast`: adjust_contrast by a factor drawn
    uniformly from [lower, upper)."""
    if upper <= lower:
        raise ValueError('upper must be > lower.')
    if lower < 0:
        raise ValueError('lower must be non-negative.')
    factor = lower + torch.rand(()) * (upper - lower)
    return adjust_contrast(image, float(factor))


def central_crop(image, central_fraction):
    """`tf.image.central_crop`: the centre of each image keeping
    `central_fraction` of its height and width (TensorFlow's offsets:
    `int((size - size * fraction) / 2)` on each side)."""
    if central_fraction <= 0.0 or central_fraction > 1.0:
        raise ValueError('central_fraction must be within (0, 1]')
    images, single = _batched(image)
    if central_fraction == 1.0:
        return images[0] if single else images
    height, width = images.shape[1], images.shape[2]
    top = int((height - height * central_fraction) / 2)
    left = int((width - width * central_fraction) / 2)
    out = images[:, top:height - top, left:width - left]
    return out[0] if single else out


def rot90(image, k=1, name=None):
    """`tf.image.rot90`: each image rotated counter-clockwise by `k`
    quarter turns."""
    image = _tensor(image)
    axes = (0, 1) if image.dim() == 3 else (1, 2)
    return torch.rot90(image, int(k) % 4, dims=axes)


def grayscale_to_rgb(images, name=None):
    """`tf.image.grayscale_to_rgb`: the single channel repeated three
    times."""
    images = _tensor(images)
    return images.expand(*images.shape[:-1], 3).clone()
