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
