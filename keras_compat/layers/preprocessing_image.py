"""tf.keras 2.x's image preprocessing layers (tf_keras
layers/preprocessing/image_preprocessing.py) on torch: Resizing,
CenterCrop, RandomCrop, RandomFlip, RandomTranslation, RandomRotation,
RandomZoom, RandomContrast, RandomBrightness, RandomHeight, RandomWidth.

As in tf.keras, the layers take channels-last images, batched
(N, H, W, C) or single (H, W, C), whatever `image_data_format()` says
(they have no `data_format` argument). The kernels give TensorFlow's
numbers: `resize_images` is TF2's `tf.image.resize` (half-pixel centres,
antialias=False) and `transform` is `ImageProjectiveTransformV3`, which
the rotation, zoom and translation layers apply. The random draws come
from torch (a layer's `seed` seeds its own generator), so they cannot
equal TensorFlow's; a drawn transform is applied as TensorFlow applies it.

A random layer called directly, outside any model and without
`training`, augments, as tf.keras's `call(inputs, training=True)` does
(unless `K.set_learning_phase` fixed the phase); inside a model it follows
the model's mode (`fit` trains, `predict` and `evaluate` infer), and
`training=` given to the call, or to the model call around it, decides.
A model called directly without `training`, `augment(images)`, augments,
as in tf.keras."""
import numpy as np
import torch

from ..backend import common
from ..engine import call_context
from ..engine.base_layer import Layer, _is_symbolic
from .core import seed_generator

H_AXIS = -3
W_AXIS = -2

_RESIZE_METHODS = ('bilinear', 'nearest', 'bicubic', 'area')
_SCALE_AND_TRANSLATE_METHODS = ('lanczos3', 'lanczos5', 'gaussian',
                                'mitchellcubic')
_FILL_MODES = ('reflect', 'wrap', 'constant', 'nearest')
_RNG_TYPES = ('stateful', 'stateless', 'legacy_stateful')

# TensorFlow's bicubic resize (TF2, half-pixel centres): Keys' cubic
# convolution with a = -0.5, its weights read from a table of 1024 steps.
_KEYS_A = -0.5
_TABLE_SIZE = 1024


# ------------------------------------------------------------------ resize
def interpolation_method(interpolation):
    """The resize method named by a layer's `interpolation` (any case), as
    tf_keras's image_utils.get_interpolation checks it."""
    method = str(interpolation).lower()
    if method in _SCALE_AND_TRANSLATE_METHODS:
        raise NotImplementedError(
            'interpolation=%r (TensorFlow\'s scale-and-translate kernels) is '
            'not supported by keras_compat; use one of %s.'
            % (interpolation, list(_RESIZE_METHODS)))
    if method not in _RESIZE_METHODS:
        raise NotImplementedError(
            'Value not recognized for `interpolation`: %s. Supported values '
            'are: %s' % (interpolation, list(_RESIZE_METHODS)))
    return method


def resize_images(images, height, width, method='bilinear'):
    """TF2's `tf.image.resize(images, (height, width), method)` with
    antialias=False on float (N, H, W, C) or (H, W, C) tensors: bilinear
    and nearest are the TensorFlow stand-in's resize (half-pixel centres),
    bicubic and area TensorFlow's separable kernels. Images already of the
    size come back unchanged, as from TensorFlow."""
    if tuple(images.shape[-3:-1]) == (height, width):
        return images
    if method in ('bilinear', 'nearest'):
        from ..tensorflow_compat import image
        return image.resize(images, (height, width), method=method)
    rows = _resize_matrix(method, images.shape[H_AXIS], height)
    cols = _resize_matrix(method, images.shape[W_AXIS], width)
    rows = torch.as_tensor(rows, device=images.device)
    cols = torch.as_tensor(cols, device=images.device)
    x = images.to(torch.float32)
    # Along the height first, then the width, as TensorFlow's kernels.
    out = torch.einsum('oh,...hwc->...owc', rows, x)
    out = torch.einsum('pw,...owc->...opc', cols, out)
    if method == 'area':
        # (1 / (height scale * width scale), as ResizeArea scales its sums.)
        out = out * float(np.float32(1.0 / (
            _scale(images.shape[H_AXIS], height) *
            _scale(images.shape[W_AXIS], width))))
    return out


def _scale(size_in, size_out):
    return np.float32(size_in) / np.float32(size_out)


def _resize_matrix(method, size_in, size_out):
    """The (size_out, size_in) float32 matrix of one axis' resampling."""
    if method == 'bicubic':
        return _bicubic_matrix(size_in, size_out)
    return _area_matrix(size_in, size_out)


def _keys_table(index):
    """TensorFlow's bicubic coefficient table at `index` (0..1024): the
    weights of the taps at distance x = index / 1024 and x + 1."""
    a = _KEYS_A
    x = (index / float(_TABLE_SIZE)).astype(np.float32).astype(np.float64)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    x1 = (x.astype(np.float32) + np.float32(1)).astype(np.float64)
    far = ((a * x1 - 5 * a) * x1 + 8 * a) * x1 - 4 * a
    return near.astype(np.float32), far.astype(np.float32)


def _bicubic_matrix(size_in, size_out):
    """ResizeBicubic's weights with half-pixel centres (Keys' cubic): taps
    outside the image get weight 0 and the others are renormalised."""
    scale = _scale(size_in, size_out)
    src = (np.arange(size_out, dtype=np.float32) + np.float32(0.5)) * \
        scale - np.float32(0.5)
    base = np.floor(src)
    offset = np.rint((src - base) * np.float32(_TABLE_SIZE)).astype(np.int64)
    near, far = _keys_table(offset)
    near2, far2 = _keys_table(_TABLE_SIZE - offset)
    weights = np.stack([far, near, near2, far2], axis=1)
    taps = base.astype(np.int64)[:, None] + np.arange(-1, 3)[None, :]
    inside = (taps >= 0) & (taps < size_in)
    weights = np.where(inside, weights, np.float32(0))
    total = ((weights[:, 0] + weights[:, 1]) + weights[:, 2]) + weights[:, 3]
    tiny = np.abs(total) >= np.float32(1000) * np.finfo(np.float32).tiny
    inverse = np.where(tiny, np.float32(1) / np.where(tiny, total, 1),
                       np.float32(1)).astype(np.float32)
    weights = (weights * inverse[:, None]).astype(np.float32)
    matrix = np.zeros((size_out, size_in), np.float32)
    rows = np.repeat(np.arange(size_out), 4)
    np.add.at(matrix, (rows, np.clip(taps, 0, size_in - 1).ravel()),
              weights.ravel())
    return matrix


def _area_matrix(size_in, size_out):
    """ResizeArea's weights: the overlap of each input pixel with the
    output pixel's span [o * scale, (o + 1) * scale) (the overall
    1 / (height scale * width scale) is applied after)."""
    scale = _scale(size_in, size_out)
    matrix = np.zeros((size_out, size_in), np.float32)
    for o in range(size_out):
        start = np.float32(o) * scale
        end = np.float32(o + 1) * scale
        for i in range(int(np.floor(start)), int(np.ceil(end))):
            if i < start:
                weight = scale if i + 1 > end else np.float32(i + 1) - start
            else:
                weight = end - np.float32(i) if i + 1 > end else 1.0
            matrix[o, min(max(i, 0), size_in - 1)] += np.float32(weight)
    return matrix


def smart_resize(images, height, width, method='bilinear'):
    """tf_keras's image_utils.smart_resize: the largest centred crop of
    the target aspect ratio, resized to (height, width)."""
    in_height, in_width = images.shape[H_AXIS], images.shape[W_AXIS]
    crop_height = int(np.float32(in_width * height) / np.float32(width))
    crop_width = int(np.float32(in_height * width) / np.float32(height))
    crop_height = min(in_height, crop_height)
    crop_width = min(in_width, crop_width)
    top = int(np.float32(in_height - crop_height) / np.float32(2))
    left = int(np.float32(in_width - crop_width) / np.float32(2))
    crop = images[..., top:top + crop_height, left:left + crop_width, :]
    return resize_images(crop, height, width, method)


# --------------------------------------------------------------- transform
def transform(images, transforms, fill_mode='reflect', fill_value=0.,
              interpolation='bilinear'):
    """TensorFlow's ImageProjectiveTransformV3 on (N, H, W, C) images:
    output pixel (x, y) reads the input at ((a0 x + a1 y + a2) / k,
    (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1, for each image's row
    [a0, a1, a2, b0, b1, b2, c0, c1] of `transforms` ((N, 8) or (1, 8));
    points outside the image are mapped by `fill_mode` ('reflect', 'wrap',
    'constant', 'nearest'), then read by 'nearest' or 'bilinear'
    interpolation, `fill_value` standing for pixels outside."""
    n, height, width, _ = images.shape
    device = images.device
    m = transforms.to(device=device, dtype=torch.float32)
    m = m.expand(n, 8)[:, :, None, None]
    ys = torch.arange(height, device=device, dtype=torch.float32)[:, None]
    xs = torch.arange(width, device=device, dtype=torch.float32)[None, :]
    projection = m[:, 6] * xs + m[:, 7] * ys + 1.
    infinite = projection == 0
    projection = torch.where(infinite, 1., projection)
    in_x = (m[:, 0] * xs + m[:, 1] * ys + m[:, 2]) / projection
    in_y = (m[:, 3] * xs + m[:, 4] * ys + m[:, 5]) / projection
    x = _map_coordinates(in_x, width, fill_mode)
    y = _map_coordinates(in_y, height, fill_mode)
    fill = torch.tensor(float(fill_value), dtype=torch.float32).to(
        images.dtype).to(device)
    if interpolation == 'nearest':
        out = _read(images, _round_half_away(y), _round_half_away(x), fill)
    else:
        out = _bilinear(images, y, x, fill)
    # (Points whose projection is 0 lie at infinity: `fill_value`.)
    return torch.where(infinite[..., None], fill, out)


def _map_coordinates(coord, size, fill_mode):
    """TensorFlow's MapCoordinate for one axis of length `size`."""
    if fill_mode == 'constant':
        return coord
    if size <= 1:
        return torch.zeros_like(coord)
    last = float(size - 1)
    if fill_mode == 'reflect':
        period = float(2 * size)
        below = period * torch.trunc(-coord / period) + coord
        below = torch.where(below < -size, below + period, -below - 1)
        above = coord - period * torch.trunc(coord / period)
        above = torch.where(above >= size, period - above - 1, above)
        coord = torch.where(coord < 0, below,
                            torch.where(coord > last, above, coord))
    elif fill_mode == 'wrap':
        below = coord + size * (torch.trunc(-coord / last) + 1)
        above = coord - size * torch.trunc(coord / last)
        coord = torch.where(coord < 0, below,
                            torch.where(coord > last, above, coord))
    return coord.clamp(0., last)


def _round_half_away(value):
    """std::round (halves away from zero), in float64 so that x + 0.5 is
    exact."""
    v = value.double()
    return torch.sign(v) * torch.floor(v.abs() + 0.5)


def _read(images, y, x, fill):
    """images[b, y, x] at integral float coordinates (N, H, W), `fill`
    where they fall outside the image."""
    n, height, width, channels = images.shape
    inside = (y >= 0) & (y < height) & (x >= 0) & (x < width)
    yi = y.clamp(0, height - 1).long()
    xi = x.clamp(0, width - 1).long()
    batch = torch.arange(n, device=images.device)[:, None, None]
    index = ((batch * height + yi) * width + xi).reshape(-1)
    values = images.reshape(-1, channels).index_select(0, index)
    values = values.reshape(tuple(y.shape) + (channels,))
    return torch.where(inside[..., None], values, fill)


def _bilinear(images, y, x, fill):
    """TensorFlow's bilinear read: along x on the rows floor(y) and
    floor(y) + 1, then along y, with `fill` for taps outside."""
    y0 = torch.floor(y)
    x0 = torch.floor(x)
    y1 = y0 + 1
    x1 = x0 + 1
    wx0 = (x1 - x)[..., None]
    wx1 = (x - x0)[..., None]
    top = wx0 * _read(images, y0, x0, fill) + wx1 * _read(images, y0, x1,
                                                          fill)
    bottom = wx0 * _read(images, y1, x0, fill) + wx1 * _read(images, y1, x1,
                                                             fill)
    return ((y1 - y)[..., None] * top +
            (y - y0)[..., None] * bottom).to(images.dtype)


def rotation_matrix(angles, height, width):
    """tf_keras's get_rotation_matrix: rotations by `angles` (radians,
    counter-clockwise) about the image centre, as (N, 8) rows."""
    cos, sin = torch.cos(angles), torch.sin(angles)
    h, w = float(height - 1), float(width - 1)
    x_offset = (w - (cos * w - sin * h)) / 2.0
    y_offset = (h - (sin * w + cos * h)) / 2.0
    zeros = torch.zeros_like(angles)
    return torch.stack([cos, -sin, x_offset, sin, cos, y_offset, zeros,
                        zeros], dim=1)


def translation_matrix(dx, dy):
    """tf_keras's get_translation_matrix for shifts of (dx, dy) pixels."""
    ones, zeros = torch.ones_like(dx), torch.zeros_like(dx)
    return torch.stack([ones, zeros, -dx, zeros, ones, -dy, zeros, zeros],
                       dim=1)


def zoom_matrix(zoom_x, zoom_y, height, width):
    """tf_keras's get_zoom_matrix: input coordinates scaled by the zooms
    about the image centre (a zoom above 1 zooms out)."""
    x_offset = ((width - 1.0) / 2.0) * (1.0 - zoom_x)
    y_offset = ((height - 1.0) / 2.0) * (1.0 - zoom_y)
    zeros = torch.zeros_like(zoom_x)
    return torch.stack([zoom_x, zeros, x_offset, zeros, zoom_y, y_offset,
                        zeros, zeros], dim=1)


def adjust_contrast(images, factor):
    """tf.image.adjust_contrast: each channel of each image moved from its
    mean (over height and width) by `factor`."""
    mean = images.mean(dim=(-3, -2), keepdim=True)
    return (images - mean) * factor + mean


# ----------------------------------------------------------------- helpers
def as_images(inputs, dtype):
    """The layer's input as a tensor of the layer's dtype (tf_keras's
    convert_inputs)."""
    if isinstance(inputs, dict):
        raise ValueError(
            'This layer can only process a tensor representing an image or '
            'a batch of images. Received: type(inputs)=%s.' % type(inputs))
    if not isinstance(inputs, torch.Tensor):
        inputs = torch.as_tensor(np.asarray(inputs))
    return inputs.to(_torch_dtype(dtype))


def _torch_dtype(dtype):
    from ..backend import ops
    return ops.torch_dtype(dtype)


def _factor_range(factor, name):
    """(lower, upper) of a factor given as a number f (-f, f) or a pair."""
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError('`%s` must be a number or a pair of numbers. '
                             'Received: %s=%s' % (name, name, factor))
        return factor[0], factor[1]
    return -factor, factor


def _check_fill_mode_and_interpolation(fill_mode, interpolation):
    if fill_mode not in _FILL_MODES:
        raise NotImplementedError(
            'Unknown `fill_mode` %s. Only `reflect`, `wrap`, `constant` and '
            '`nearest` are supported.' % fill_mode)
    if interpolation not in ('nearest', 'bilinear'):
        raise NotImplementedError(
            'Unknown `interpolation` %s. Only `nearest` and `bilinear` are '
            'supported.' % interpolation)


def _with_size(input_shape, height, width):
    shape = list(input_shape)
    shape[H_AXIS] = height
    shape[W_AXIS] = width
    return tuple(shape)


def _merge_config(layer, base_class, config):
    base_config = super(base_class, layer).get_config()
    return dict(list(base_config.items()) + list(config.items()))


# ------------------------------------------------------ deterministic layers
class Resizing(Layer):
    """tf.keras's `Resizing(height, width, interpolation='bilinear',
    crop_to_aspect_ratio=False)`: images resized by TF2's
    `tf.image.resize` ('bilinear', 'nearest', 'bicubic', 'area'); with
    `crop_to_aspect_ratio`, the largest centred crop of the target aspect
    ratio is resized (smart_resize). The output has the layer's dtype."""

    def __init__(self, height, width, interpolation='bilinear',
                 crop_to_aspect_ratio=False, **kwargs):
        self.height = height
        self.width = width
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self._interpolation_method = interpolation_method(interpolation)
        super(Resizing, self).__init__(**kwargs)

    def call(self, inputs):
        method = self._interpolation_method
        images = as_images(inputs, self.dtype if method == 'nearest'
                           else 'float32')
        if self.crop_to_aspect_ratio:
            out = smart_resize(images, self.height, self.width, method)
        else:
            out = resize_images(images, self.height, self.width, method)
        return out.to(_torch_dtype(self.dtype))

    def compute_output_shape(self, input_shape):
        return _with_size(input_shape, self.height, self.width)

    def get_config(self):
        return _merge_config(self, Resizing, {
            'height': self.height, 'width': self.width,
            'interpolation': self.interpolation,
            'crop_to_aspect_ratio': self.crop_to_aspect_ratio})


class CenterCrop(Layer):
    """tf.keras's `CenterCrop(height, width)`: the centred (height, width)
    crop (offsets rounded down); an image smaller than that on either side
    is smart-resized (centre crop of the aspect ratio, then bilinear
    resize) instead."""

    def __init__(self, height, width, **kwargs):
        self.height = height
        self.width = width
        super(CenterCrop, self).__init__(**kwargs)

    def call(self, inputs):
        images = as_images(inputs, self.dtype)
        h_diff = images.shape[H_AXIS] - self.height
        w_diff = images.shape[W_AXIS] - self.width
        if h_diff < 0 or w_diff < 0:
            out = smart_resize(images, self.height, self.width)
            return out.to(images.dtype)
        top, left = h_diff // 2, w_diff // 2
        return images[..., top:top + self.height, left:left + self.width, :]

    def compute_output_shape(self, input_shape):
        return _with_size(input_shape, self.height, self.width)

    def get_config(self):
        return _merge_config(self, CenterCrop, {'height': self.height,
                                                'width': self.width})


# ------------------------------------------------------------ random layers
class BaseRandomLayer(Layer):
    """tf.keras's BaseRandomLayer, the base of the augmentation layers: a
    `seed` seeds the layer's own torch generator (each call draws new
    values, and a run repeats the same sequence); without one the draws
    come from torch's global generator. `rng_type` is checked as tf.keras
    checks it; with `force_generator=True` (the built-in layers pass it)
    the generator is 'stateful' whatever `rng_type` says, as in tf.keras,
    and the config says so. Either stateful kind ('stateful',
    'legacy_stateful') draws a sequence as here; 'stateless' (the same
    draws at every call) raises NotImplementedError."""

    def __init__(self, seed=None, force_generator=False, rng_type=None,
                 **kwargs):
        if rng_type is not None and rng_type not in _RNG_TYPES:
            raise ValueError(
                'Invalid `rng_type` received. Valid `rng_type` are '
                '["stateless", "stateful", "legacy_stateful"]. Got: %s'
                % rng_type)
        if force_generator:
            rng_type = 'stateful'
        elif rng_type == 'stateless':
            raise NotImplementedError(
                "rng_type='stateless' (TensorFlow's stateless random ops) "
                "is not supported by keras_compat; use 'stateful' or "
                "'legacy_stateful', which draw from a seeded sequence.")
        super(BaseRandomLayer, self).__init__(**kwargs)
        self.seed = seed
        self._rng_type = rng_type or 'legacy_stateful'

    def __call__(self, inputs, *args, **kwargs):
        if not args and kwargs.get('training') is None and \
                call_context.current() is None and \
                not _is_symbolic(inputs):
            # Called directly (not from a model): tf.keras's default,
            # `training=True`, unless the learning phase was set.
            phase = common.forced_learning_phase()
            kwargs['training'] = True if phase is None else bool(phase)
        return super(BaseRandomLayer, self).__call__(inputs, *args,
                                                     **kwargs)

    def _training(self, training):
        """Augment or not: the call's `training`, else that of the model
        call around it, else the loop's mode in fit/evaluate/predict, else
        (a model called directly) tf.keras's default for these layers,
        True, unless the learning phase was set."""
        if training is not None:
            return bool(training)
        explicit = common.explicit_training()
        if explicit is not None:
            return explicit
        if common._ACTIVE_LOOP is None:
            phase = common.forced_learning_phase()
            return True if phase is None else bool(phase)
        return self.training

    def _uniform(self, shape, low, high, device):
        """Float32 draws uniform in [low, high) (exactly `low` when the
        bounds are equal), from the layer's generator."""
        low, high = np.float32(low), np.float32(high)
        generator = seed_generator(self)
        if generator is None:
            draw = torch.rand(shape, device=device)
        else:
            draw = torch.rand(shape, generator=generator).to(device)
        return float(low) + float(high - low) * draw

    def _randint(self, high):
        """An integer uniform in [0, high)."""
        generator = seed_generator(self)
        return int(torch.randint(high, (1,), generator=generator)[0]) \
            if generator is not None else int(torch.randint(high, (1,))[0])

    def get_config(self):
        # (tf.keras leaves a legacy generator's type out of the config.)
        if self._rng_type == 'legacy_stateful':
            return super(BaseRandomLayer, self).get_config()
        return _merge_config(self, BaseRandomLayer,
                             {'rng_type': self._rng_type})


class _BatchedTransform(BaseRandomLayer):
    """Applies `_transform` to a batch, single (H, W, C) images as a batch
    of one."""

    def call(self, inputs, training=None):
        images = as_images(inputs, self.dtype)
        if not self._training(training):
            return images
        if images.dim() == 3:
            return self._transform(images[None])[0]
        return self._transform(images)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


class _AffineLayer(_BatchedTransform):
    """Rotation, zoom and translation: a projective transform per image,
    applied as TensorFlow's ImageProjectiveTransformV3."""

    def _set_fill(self, fill_mode, interpolation, fill_value):
        _check_fill_mode_and_interpolation(fill_mode, interpolation)
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.interpolation = interpolation

    def _transform(self, images):
        matrices = self._matrices(images.shape[0], images.shape[1],
                                  images.shape[2], images.device)
        return transform(images, matrices, self.fill_mode, self.fill_value,
                         self.interpolation)


class RandomFlip(_BatchedTransform):
    """tf.keras's `RandomFlip(mode='horizontal_and_vertical', seed=None)`:
    during training each image is flipped left-right and (independently)
    upside down, each with probability 1/2; the identity at inference."""

    def __init__(self, mode='horizontal_and_vertical', seed=None, **kwargs):
        super(RandomFlip, self).__init__(seed=seed, force_generator=True,
                                         **kwargs)
        self.mode = mode
        if mode not in ('horizontal', 'vertical', 'horizontal_and_vertical'):
            raise ValueError('RandomFlip layer %s received an unknown mode '
                             'argument %s' % (self.name, mode))
        self.horizontal = mode != 'vertical'
        self.vertical = mode != 'horizontal'

    def _transform(self, images):
        if self.horizontal:
            images = self._flip(images, 2)
        if self.vertical:
            images = self._flip(images, 1)
        return images

    def _flip(self, images, axis):
        flips = self._uniform((images.shape[0],), 0., 1., images.device)
        flips = torch.round(flips).bool()[:, None, None, None]
        return torch.where(flips, images.flip(axis), images)

    def get_config(self):
        return _merge_config(self, RandomFlip, {'mode': self.mode,
                                                'seed': self.seed})


class RandomTranslation(_AffineLayer):
    """tf.keras's `RandomTranslation(height_factor, width_factor,
    fill_mode='reflect', interpolation='bilinear', seed=None,
    fill_value=0.0)`: during training each image is shifted by a fraction
    of its height and width drawn in the factors' ranges (a number f is
    (-f, f); a positive shift moves the content down / right); the
    identity at inference."""

    def __init__(self, height_factor, width_factor, fill_mode='reflect',
                 interpolation='bilinear', seed=None, fill_value=0.0,
                 **kwargs):
        super(RandomTranslation, self).__init__(
            seed=seed, force_generator=True, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = _factor_range(
            height_factor, 'height_factor')
        self.width_factor = width_factor
        self.width_lower, self.width_upper = _factor_range(
            width_factor, 'width_factor')
        for name, lower, upper in (
                ('height_factor', self.height_lower, self.height_upper),
                ('width_factor', self.width_lower, self.width_upper)):
            if upper < lower:
                raise ValueError('`%s` cannot have upper bound less than '
                                 'lower bound, got %s'
                                 % (name, getattr(self, name)))
            if abs(lower) > 1.0 or abs(upper) > 1.0:
                raise ValueError('`%s` must have values between [-1, 1], '
                                 'got %s' % (name, getattr(self, name)))
        self._set_fill(fill_mode, interpolation, fill_value)

    def _matrices(self, n, height, width, device):
        dy = self._uniform((n,), self.height_lower, self.height_upper,
                           device) * float(height)
        dx = self._uniform((n,), self.width_lower, self.width_upper,
                           device) * float(width)
        return translation_matrix(dx, dy)

    def get_config(self):
        return _merge_config(self, RandomTranslation, {
            'height_factor': self.height_factor,
            'width_factor': self.width_factor, 'fill_mode': self.fill_mode,
            'fill_value': self.fill_value,
            'interpolation': self.interpolation, 'seed': self.seed})


class RandomRotation(_AffineLayer):
    """tf.keras's `RandomRotation(factor, fill_mode='reflect',
    interpolation='bilinear', seed=None, fill_value=0.0)`: during training
    each image is rotated about its centre by an angle drawn in
    [lower * 2 pi, upper * 2 pi] (a number f is (-f, f); positive angles
    turn counter-clockwise); the identity at inference."""

    def __init__(self, factor, fill_mode='reflect', interpolation='bilinear',
                 seed=None, fill_value=0.0, **kwargs):
        super(RandomRotation, self).__init__(seed=seed, force_generator=True,
                                             **kwargs)
        self.factor = factor
        self.lower, self.upper = _factor_range(factor, 'factor')
        if self.upper < self.lower:
            raise ValueError('`factor` argument cannot have a negative '
                             'value. Received: factor=%s' % (factor,))
        self._set_fill(fill_mode, interpolation, fill_value)

    def _matrices(self, n, height, width, device):
        angles = self._uniform((n,), self.lower * 2.0 * np.pi,
                               self.upper * 2.0 * np.pi, device)
        return rotation_matrix(angles, height, width)

    def get_config(self):
        return _merge_config(self, RandomRotation, {
            'factor': self.factor, 'fill_mode': self.fill_mode,
            'fill_value': self.fill_value,
            'interpolation': self.interpolation, 'seed': self.seed})


class RandomZoom(_AffineLayer):
    """tf.keras's `RandomZoom(height_factor, width_factor=None,
    fill_mode='reflect', interpolation='bilinear', seed=None,
    fill_value=0.0)`: during training each image is zoomed about its centre
    by 1 + a value drawn in the factor's range (a positive factor zooms
    out); without `width_factor` both axes take the height's zoom; the
    identity at inference."""

    def __init__(self, height_factor, width_factor=None, fill_mode='reflect',
                 interpolation='bilinear', seed=None, fill_value=0.0,
                 **kwargs):
        super(RandomZoom, self).__init__(seed=seed, force_generator=True,
                                         **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = _factor_range(
            height_factor, 'height_factor')
        if abs(self.height_lower) > 1.0 or abs(self.height_upper) > 1.0:
            raise ValueError('`height_factor` argument must have values '
                             'between [-1, 1]. Received: height_factor=%s'
                             % (height_factor,))
        self.width_factor = width_factor
        if width_factor is not None:
            self.width_lower, self.width_upper = _factor_range(
                width_factor, 'width_factor')
            if self.width_lower < -1.0 or self.width_upper < -1.0:
                raise ValueError('`width_factor` argument must have values '
                                 'larger than -1. Received: width_factor=%s'
                                 % (width_factor,))
        self._set_fill(fill_mode, interpolation, fill_value)

    def _matrices(self, n, height, width, device):
        zoom_y = self._uniform((n,), 1.0 + self.height_lower,
                               1.0 + self.height_upper, device)
        zoom_x = zoom_y if self.width_factor is None else self._uniform(
            (n,), 1.0 + self.width_lower, 1.0 + self.width_upper, device)
        return zoom_matrix(zoom_x, zoom_y, float(height), float(width))

    def get_config(self):
        return _merge_config(self, RandomZoom, {
            'height_factor': self.height_factor,
            'width_factor': self.width_factor, 'fill_mode': self.fill_mode,
            'fill_value': self.fill_value,
            'interpolation': self.interpolation, 'seed': self.seed})


class RandomContrast(_BatchedTransform):
    """tf.keras's `RandomContrast(factor, seed=None)`: during training the
    batch's contrast is scaled by one factor drawn in [1 - lower,
    1 + upper] (a number f is (f, f)) around each image's per-channel mean
    (tf.image.adjust_contrast), then clipped to [0, 255]; the identity at
    inference."""

    def __init__(self, factor, seed=None, **kwargs):
        super(RandomContrast, self).__init__(seed=seed, force_generator=True,
                                             **kwargs)
        self.factor = factor
        if isinstance(factor, (tuple, list)):
            self.lower, self.upper = factor[0], factor[1]
        else:
            self.lower = self.upper = factor
        if self.lower < 0.0 or self.upper < 0.0 or self.lower > 1.0:
            raise ValueError('`factor` argument cannot have negative values '
                             'or values greater than 1.Received: factor=%s'
                             % (factor,))

    def _transform(self, images):
        if 1.0 + self.upper <= 1.0 - self.lower:
            # (tf.image.stateless_random_contrast's check.)
            raise ValueError('upper must be > lower.')
        factor = self._uniform((), 1.0 - self.lower, 1.0 + self.upper,
                               images.device)
        out = adjust_contrast(images, factor.to(images.dtype))
        return out.clamp(0, 255)

    def get_config(self):
        return _merge_config(self, RandomContrast, {'factor': self.factor,
                                                    'seed': self.seed})


class RandomBrightness(BaseRandomLayer):
    """tf.keras's `RandomBrightness(factor, value_range=(0, 255),
    seed=None)`: during training each image gets a delta drawn in
    [factor[0], factor[1]] (a number f is (-|f|, |f|)) times the width of
    `value_range` added, and is clipped to `value_range`; the identity at
    inference. Images must have rank 3 or 4."""

    _FACTOR_ERROR = ('The `factor` argument should be a number (or a list '
                     'of two numbers) in the range [-1.0, 1.0]. ')
    _VALUE_RANGE_ERROR = ('The `value_range` argument should be a list of '
                          'two numbers. ')

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super(RandomBrightness, self).__init__(
            seed=seed, force_generator=True, **kwargs)
        self._set_factor(factor)
        self._set_value_range(value_range)

    def _set_value_range(self, value_range):
        if not isinstance(value_range, (tuple, list)) or \
                len(value_range) != 2:
            raise ValueError(self._VALUE_RANGE_ERROR + 'Got %s'
                             % (value_range,))
        self._value_range = sorted(value_range)

    def _set_factor(self, factor):
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2:
                raise ValueError(self._FACTOR_ERROR + 'Got %s' % (factor,))
            for value in factor:
                self._check_factor_range(value)
            self._factor = sorted(factor)
        elif isinstance(factor, (int, float)):
            self._check_factor_range(factor)
            self._factor = [-abs(factor), abs(factor)]
        else:
            raise ValueError(self._FACTOR_ERROR + 'Got %s' % (factor,))

    def _check_factor_range(self, value):
        if value > 1.0 or value < -1.0:
            raise ValueError(self._FACTOR_ERROR + 'Got %s' % (value,))

    def call(self, inputs, training=None):
        images = as_images(inputs, self.dtype)
        if not self._training(training):
            return images
        if images.dim() not in (3, 4):
            raise ValueError('Expected the input image to be rank 3 or 4. '
                             'Got inputs.shape = %s' % (tuple(images.shape),))
        shape = (1, 1, 1) if images.dim() == 3 else \
            (images.shape[0], 1, 1, 1)
        low, high = self._value_range
        delta = self._uniform(shape, self._factor[0], self._factor[1],
                              images.device) * float(high - low)
        return (images + delta.to(images.dtype)).clamp(low, high)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return _merge_config(self, RandomBrightness, {
            'factor': list(self._factor),
            'value_range': list(self._value_range), 'seed': self.seed})


class RandomCrop(BaseRandomLayer):
    """tf.keras's `RandomCrop(height, width, seed=None)`: during training,
    a (height, width) crop at an offset drawn uniformly (one offset for the
    whole batch); at inference, or for images smaller than the crop, the
    images are smart-resized (centred crop of the aspect ratio, bilinear
    resize) to (height, width)."""

    def __init__(self, height, width, seed=None, **kwargs):
        super(RandomCrop, self).__init__(seed=seed, force_generator=True,
                                         **kwargs)
        self.height = height
        self.width = width

    def call(self, inputs, training=None):
        images = as_images(inputs, self.dtype)
        h_diff = images.shape[H_AXIS] - self.height
        w_diff = images.shape[W_AXIS] - self.width
        if not (self._training(training) and h_diff >= 0 and w_diff >= 0):
            out = smart_resize(images, self.height, self.width)
            return out.to(images.dtype)
        top = self._randint(h_diff + 1)
        left = self._randint(w_diff + 1)
        return images[..., top:top + self.height, left:left + self.width, :]

    def compute_output_shape(self, input_shape):
        return _with_size(input_shape, self.height, self.width)

    def get_config(self):
        return _merge_config(self, RandomCrop, {
            'height': self.height, 'width': self.width, 'seed': self.seed})


class _RandomSize(BaseRandomLayer):
    """RandomHeight / RandomWidth: during training the images (the whole
    batch alike) are resized along `_axis` by 1 + a factor drawn in the
    factor's range (a number f is (-f, f)); the identity at inference."""

    _axis = H_AXIS
    _size_name = 'height'

    def __init__(self, factor, interpolation='bilinear', seed=None,
                 **kwargs):
        super(_RandomSize, self).__init__(seed=seed, force_generator=True,
                                          **kwargs)
        self.factor = factor
        self.lower, self.upper = _factor_range(factor, 'factor')
        # (tf.keras's names: height_lower / width_lower, ...)
        setattr(self, self._size_name + '_lower', self.lower)
        setattr(self, self._size_name + '_upper', self.upper)
        if self.upper < self.lower:
            raise ValueError('`factor` argument cannot have an upper bound '
                             'less than the lower bound. Received: factor=%s'
                             % (factor,))
        if self.lower < -1.0 or self.upper < -1.0:
            raise ValueError('`factor` argument must have values larger '
                             'than -1. Received: factor=%s' % (factor,))
        self.interpolation = interpolation
        self._interpolation_method = interpolation_method(interpolation)

    def call(self, inputs, training=None):
        images = as_images(inputs, self.dtype)
        if not self._training(training):
            return images
        size = [images.shape[H_AXIS], images.shape[W_AXIS]]
        scale = self._uniform((), 1.0 + self.lower, 1.0 + self.upper,
                              torch.device('cpu'))
        axis = 0 if self._axis == H_AXIS else 1
        size[axis] = int(scale * torch.tensor(float(size[axis])))
        out = resize_images(images, size[0], size[1],
                            self._interpolation_method)
        return out.to(images.dtype)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        shape[self._axis] = None
        return tuple(shape)

    def get_config(self):
        return _merge_config(self, _RandomSize, {
            'factor': self.factor, 'interpolation': self.interpolation,
            'seed': self.seed})


class RandomHeight(_RandomSize):
    """tf.keras's `RandomHeight(factor, interpolation='bilinear',
    seed=None)`: during training the batch's height is scaled by
    1 + a factor drawn in the factor's range (a number f is (-f, f)),
    truncated to an integer, by TF2's resize; the width is kept; the
    identity at inference. The output height is unknown (None) in the
    model's shapes."""

    _axis = H_AXIS


class RandomWidth(_RandomSize):
    """tf.keras's `RandomWidth(factor, interpolation='bilinear',
    seed=None)`: RandomHeight along the width."""

    _axis = W_AXIS
    _size_name = 'width'
