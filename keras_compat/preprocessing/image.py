"""`keras.preprocessing.image`: real-time image augmentation
(`ImageDataGenerator`) and image file helpers. Affine transforms are done
with numpy (bilinear, fill modes nearest/constant/reflect/wrap); reading
and writing image files needs Pillow."""
import os
import threading
import warnings

import numpy as np

from .. import backend as K
from ..utils.data_utils import Sequence

_PIL_INTERPOLATION = ('nearest', 'bilinear', 'bicubic', 'hamming', 'box',
                      'lanczos')


def _pil():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError('Reading and writing image files needs Pillow: '
                          '`pip install Pillow` (or `pip install '
                          'keras-compat[image]`).')
    return Image


# ------------------------------------------------------------- file helpers
def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A PIL image from a 3D array (channels last or first)."""
    Image = _pil()
    if data_format is None:
        data_format = K.image_data_format()
    x = np.asarray(x, dtype=dtype or K.floatx())
    if x.ndim != 3:
        raise ValueError('Expected image array to have rank 3 (single '
                         'image). Got array with shape: %s' % (x.shape,))
    if data_format not in {'channels_first', 'channels_last'}:
        raise ValueError('Invalid data_format: %s' % data_format)
    if data_format == 'channels_first':
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x /= x_max
        x *= 255
    if x.shape[2] == 4:
        return Image.fromarray(x.astype('uint8'), 'RGBA')
    if x.shape[2] == 3:
        return Image.fromarray(x.astype('uint8'), 'RGB')
    if x.shape[2] == 1:
        if np.max(x) > 255:
            return Image.fromarray(x[:, :, 0].astype('int32'), 'I')
        return Image.fromarray(x[:, :, 0].astype('uint8'), 'L')
    raise ValueError('Unsupported channel number: %s' % (x.shape[2],))


def img_to_array(img, data_format=None, dtype=None):
    """A 3D float array from a PIL image."""
    if data_format is None:
        data_format = K.image_data_format()
    if data_format not in {'channels_first', 'channels_last'}:
        raise ValueError('Unknown data_format: %s' % data_format)
    x = np.asarray(img, dtype=dtype or K.floatx())
    if len(x.shape) == 3:
        if data_format == 'channels_first':
            x = x.transpose(2, 0, 1)
    elif len(x.shape) == 2:
        if data_format == 'channels_first':
            x = x.reshape((1, x.shape[0], x.shape[1]))
        else:
            x = x.reshape((x.shape[0], x.shape[1], 1))
    else:
        raise ValueError('Unsupported image shape: %s' % (x.shape,))
    return x


def save_img(path, x, data_format=None, file_format=None, scale=True,
             **kwargs):
    """Writes an image array to a file."""
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == 'RGBA' and (file_format == 'jpg' or
                               file_format == 'jpeg'):
        warnings.warn('The JPG format does not support RGBA images, '
                      'converting to RGB.')
        img = img.convert('RGB')
    img.save(path, format=file_format, **kwargs)


def load_img(path, grayscale=False, color_mode='rgb', target_size=None,
             interpolation='nearest'):
    """Loads an image file as a PIL image (resized to `target_size`
    (height, width) when given)."""
    Image = _pil()
    if grayscale:
        warnings.warn('grayscale is deprecated. Please use '
                      'color_mode = "grayscale"')
        color_mode = 'grayscale'
    with open(path, 'rb') as f:
        img = Image.open(f)
        img.load()
    if color_mode == 'grayscale':
        if img.mode not in ('L', 'I;16', 'I'):
            img = img.convert('L')
    elif color_mode == 'rgba':
        if img.mode != 'RGBA':
            img = img.convert('RGBA')
    elif color_mode == 'rgb':
        if img.mode != 'RGB':
            img = img.convert('RGB')
    else:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba"')
    if target_size is not None:
        width_height_tuple = (target_size[1], target_size[0])
        if img.size != width_height_tuple:
            if interpolation not in _PIL_INTERPOLATION:
                raise ValueError('Invalid interpolation method {} specified. '
                                 'Supported methods are {}'.format(
                                     interpolation,
                                     ', '.join(_PIL_INTERPOLATION)))
            resample = getattr(Image, interpolation.upper())
            img = img.resize(width_height_tuple, resample)
    return img


def list_pictures(directory, ext=('jpg', 'jpeg', 'bmp', 'png', 'ppm', 'tif',
                                  'tiff')):
    return [os.path.join(root, f)
            for root, _, files in os.walk(directory) for f in files
            if f.lower().endswith(tuple(ext))]


def smart_resize(x, size, interpolation='bilinear'):
    """tf.keras 2.x: the largest centred crop of `x` ((height, width,
    channels) or a batch of them) with the aspect ratio of `size`, resized
    to `size`; a numpy array for a numpy array, else a tensor."""
    import torch
    from ..layers import preprocessing_image
    if len(size) != 2:
        raise ValueError('Expected `size` to be a tuple of 2 integers, but '
                         'got: %s.' % (size,))
    image = torch.as_tensor(np.asarray(x, dtype=np.float32)) \
        if isinstance(x, np.ndarray) else x
    if image.dim() < 3 or image.dim() > 4:
        raise ValueError('Expected an image array with shape `(height, '
                         'width, channels)`, or `(batch_size, height, width, '
                         'channels)`, but got input with incorrect rank, of '
                         'shape %s.' % (tuple(image.shape),))
    out = preprocessing_image.smart_resize(image, size[0], size[1],
                                           interpolation)
    return out.numpy() if isinstance(x, np.ndarray) else out


# ------------------------------------------------------ geometric transforms
def _fold_index(index, size, fill_mode):
    """Brings sample positions outside [0, size - 1] back inside, as
    scipy.ndimage extends an image in `fill_mode`."""
    if fill_mode == 'reflect':
        index = np.mod(index, 2 * size)
        return np.where(index >= size, 2 * size - 1 - index, index)
    if fill_mode == 'wrap':
        if size == 1:
            return np.zeros_like(index)
        period = size - 1
        below = index + period * (np.trunc(-index / period) + 1)
        above = index - period * np.trunc(index / period)
        folded = np.where(index < 0, below,
                          np.where(index > size - 1, above, index))
        return folded.astype(np.asarray(index).dtype)
    return np.clip(index, 0, size - 1)


def _sample_channel(channel, rows, cols, fill_mode, cval, order):
    """`scipy.ndimage.affine_transform`'s sampling of one 2D channel at
    float coordinates, for spline orders 0 (nearest) and 1 (bilinear).
    'wrap' repeats with period size - 1 (the first and last samples
    overlap), as scipy's 'wrap' does."""
    h, w = channel.shape
    r, c = rows, cols
    if fill_mode in ('wrap', 'reflect'):
        r = _fold_index(rows, h, fill_mode)
        c = _fold_index(cols, w, fill_mode)
    if order == 0:
        rr = _fold_index(np.floor(r + 0.5).astype(np.int64), h, fill_mode)
        cc = _fold_index(np.floor(c + 0.5).astype(np.int64), w, fill_mode)
        out = channel[rr, cc].astype(np.float64)
    else:
        r0 = np.floor(r).astype(np.int64)
        c0 = np.floor(c).astype(np.int64)
        fr, fc = r - r0, c - c0
        out = np.zeros(rows.shape, dtype=np.float64)
        for dr, wr in ((0, 1 - fr), (1, fr)):
            rr = _fold_index(r0 + dr, h, fill_mode)
            for dc, wc in ((0, 1 - fc), (1, fc)):
                cc = _fold_index(c0 + dc, w, fill_mode)
                out += wr * wc * channel[rr, cc]
    if fill_mode == 'constant':
        inside = (rows >= 0) & (rows <= h - 1) & (cols >= 0) & \
            (cols <= w - 1)
        out = np.where(inside, out, cval)
    return out


def _default_axes(row_axis, col_axis, channel_axis):
    """Keras 2 defaults to channels-last images (0, 1, 2), tf.keras to
    channels-first ones (1, 2, 0)."""
    defaults = (1, 2, 0) if K.common.is_tf_keras() else (0, 1, 2)
    given = (row_axis, col_axis, channel_axis)
    return tuple(d if g is None else g for g, d in zip(given, defaults))


def _check_affine_axes(x, row_axis, col_axis, channel_axis):
    if np.unique([row_axis, col_axis, channel_axis]).size != 3:
        raise ValueError("'row_axis', 'col_axis', and 'channel_axis' must "
                         "be distinct")
    invalid = {row_axis, col_axis, channel_axis} - {0, 1, 2}
    if invalid:
        raise ValueError("Invalid axis' indices: %s" % (invalid,))
    if x.ndim != 3:
        raise ValueError('Input arrays must be multi-channel 2D images.')
    if channel_axis not in (0, 2):
        raise ValueError('Channels are allowed and the first and last '
                         'dimensions.')


def _affine_matrix(theta, tx, ty, shear, zx, zy):
    """Rotation, shift, shear and zoom composed in Keras's order, or None
    when the transformation is the identity."""
    matrices = []
    if theta != 0:
        t = np.deg2rad(theta)
        matrices.append(np.array([[np.cos(t), -np.sin(t), 0],
                                  [np.sin(t), np.cos(t), 0], [0, 0, 1]]))
    if tx != 0 or ty != 0:
        matrices.append(np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]]))
    if shear != 0:
        s = np.deg2rad(shear)
        matrices.append(np.array([[1, -np.sin(s), 0], [0, np.cos(s), 0],
                                  [0, 0, 1]]))
    if zx != 1 or zy != 1:
        matrices.append(np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]]))
    if not matrices:
        return None
    transform = matrices[0]
    for matrix in matrices[1:]:
        transform = np.dot(transform, matrix)
    return transform


def apply_affine_transform(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1,
                           row_axis=None, col_axis=None, channel_axis=None,
                           fill_mode='nearest', cval=0., order=1):
    """Rotation (degrees), shift (tx rows, ty columns), shear (degrees) and
    zoom about the image centre, sampled as Keras samples them with
    `scipy.ndimage.affine_transform`. Keras 2 (keras_preprocessing up to
    1.1.0) centres on (h / 2 + 0.5, w / 2 + 0.5) and defaults to
    channels-last axes; tf.keras centres on (h / 2 - 0.5, w / 2 - 0.5),
    exchanges the row and column roles of the matrix when `col_axis >
    row_axis`, and defaults to channels-first axes (1, 2, 0)."""
    if order not in (0, 1):
        raise NotImplementedError(
            'order=%r (spline interpolation) is not supported: use order=1 '
            '(bilinear, the default) or order=0 (nearest).' % (order,))
    row_axis, col_axis, channel_axis = _default_axes(row_axis, col_axis,
                                                     channel_axis)
    _check_affine_axes(x, row_axis, col_axis, channel_axis)
    transform = _affine_matrix(theta, tx, ty, shear, zx, zy)
    if transform is None:
        return x
    h, w = x.shape[row_axis], x.shape[col_axis]
    transform = transform_matrix_offset_center(transform, h, w)
    if K.common.is_tf_keras() and col_axis > row_axis:
        transform[:, [0, 1]] = transform[:, [1, 0]]
        transform[[0, 1]] = transform[[1, 0]]
    x = np.rollaxis(x, channel_axis, 0)
    rows, cols = np.meshgrid(np.arange(x.shape[1]), np.arange(x.shape[2]),
                             indexing='ij')
    src_r = transform[0, 0] * rows + transform[0, 1] * cols + transform[0, 2]
    src_c = transform[1, 0] * rows + transform[1, 1] * cols + transform[1, 2]
    channels = [_sample_channel(np.asarray(c, dtype=np.float64), src_r,
                                src_c, fill_mode, cval, order) for c in x]
    x = np.stack(channels, axis=0).astype(x.dtype)
    return np.rollaxis(x, 0, channel_axis + 1)


def transform_matrix_offset_center(matrix, x, y):
    """Moves the origin of `matrix` to the image centre: (x / 2 + 0.5,
    y / 2 + 0.5) in Keras 2, (x / 2 - 0.5, y / 2 - 0.5) in tf.keras."""
    half_pixel = -0.5 if K.common.is_tf_keras() else 0.5
    o_x = float(x) / 2 + half_pixel
    o_y = float(y) / 2 + half_pixel
    offset_matrix = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    reset_matrix = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    return np.dot(np.dot(offset_matrix, matrix), reset_matrix)


def flip_axis(x, axis):
    x = np.asarray(x).swapaxes(axis, 0)
    x = x[::-1, ...]
    return x.swapaxes(0, axis)


def apply_channel_shift(x, intensity, channel_axis=0):
    x = np.rollaxis(x, channel_axis, 0)
    min_x, max_x = np.min(x), np.max(x)
    channel_images = [np.clip(x_channel + intensity, min_x, max_x)
                      for x_channel in x]
    x = np.stack(channel_images, axis=0)
    return np.rollaxis(x, 0, channel_axis + 1)


def random_channel_shift(x, intensity_range, channel_axis=0):
    intensity = np.random.uniform(-intensity_range, intensity_range)
    return apply_channel_shift(x, intensity, channel_axis=channel_axis)


def apply_brightness_shift(x, brightness, scale=True):
    """Multiplies brightness by `brightness` (through PIL, as Keras)."""
    from PIL import ImageEnhance
    x_min, x_max = np.min(x), np.max(x)
    local_scale = (x_min < 0) or (x_max > 255)
    img = array_to_img(x, scale=local_scale or scale)
    img = ImageEnhance.Brightness(img).enhance(brightness)
    x = img_to_array(img)
    if not scale and local_scale:
        x = x / 255 * (x_max - x_min) + x_min
    return x


def random_brightness(x, brightness_range, scale=True):
    if len(brightness_range) != 2:
        raise ValueError('`brightness_range should be tuple or list of two '
                         'floats. Received: %s' % (brightness_range,))
    u = np.random.uniform(brightness_range[0], brightness_range[1])
    return apply_brightness_shift(x, u, scale)


def random_rotation(x, rg, row_axis=1, col_axis=2, channel_axis=0,
                    fill_mode='nearest', cval=0., interpolation_order=1):
    theta = np.random.uniform(-rg, rg)
    return apply_affine_transform(x, theta=theta, row_axis=row_axis,
                                  col_axis=col_axis,
                                  channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval,
                                  order=interpolation_order)


def random_shift(x, wrg, hrg, row_axis=1, col_axis=2, channel_axis=0,
                 fill_mode='nearest', cval=0., interpolation_order=1):
    h, w = x.shape[row_axis], x.shape[col_axis]
    tx = np.random.uniform(-hrg, hrg) * h
    ty = np.random.uniform(-wrg, wrg) * w
    return apply_affine_transform(x, tx=tx, ty=ty, row_axis=row_axis,
                                  col_axis=col_axis,
                                  channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval,
                                  order=interpolation_order)


def random_shear(x, intensity, row_axis=1, col_axis=2, channel_axis=0,
                 fill_mode='nearest', cval=0., interpolation_order=1):
    shear = np.random.uniform(-intensity, intensity)
    return apply_affine_transform(x, shear=shear, row_axis=row_axis,
                                  col_axis=col_axis,
                                  channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval,
                                  order=interpolation_order)


def random_zoom(x, zoom_range, row_axis=1, col_axis=2, channel_axis=0,
                fill_mode='nearest', cval=0., interpolation_order=1):
    if len(zoom_range) != 2:
        raise ValueError('`zoom_range` should be a tuple or list of two '
                         'floats. Received: %s' % (zoom_range,))
    if zoom_range[0] == 1 and zoom_range[1] == 1:
        zx, zy = 1, 1
    else:
        zx, zy = np.random.uniform(zoom_range[0], zoom_range[1], 2)
    return apply_affine_transform(x, zx=zx, zy=zy, row_axis=row_axis,
                                  col_axis=col_axis,
                                  channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval,
                                  order=interpolation_order)


# ---------------------------------------------------------------- iterators
class Iterator(Sequence):
    """Base class of image iterators: a Sequence of batches that is also a
    Python iterator (Keras 2 generators loop forever)."""

    white_list_formats = ('png', 'jpg', 'jpeg', 'bmp', 'ppm', 'tif', 'tiff')

    def __init__(self, n, batch_size, shuffle, seed):
        self.n = n
        self.batch_size = batch_size
        self.seed = seed
        self.shuffle = shuffle
        self.batch_index = 0
        self.total_batches_seen = 0
        self.lock = threading.Lock()
        self.index_array = None
        self.index_generator = self._flow_index()

    def _set_index_array(self):
        self.index_array = np.arange(self.n)
        if self.shuffle:
            self.index_array = np.random.permutation(self.n)

    def __getitem__(self, idx):
        if idx >= len(self):
            raise ValueError('Asked to retrieve element {idx}, but the '
                             'Sequence has length {length}'.format(
                                 idx=idx, length=len(self)))
        if self.seed is not None:
            np.random.seed(self.seed + self.total_batches_seen)
        self.total_batches_seen += 1
        if self.index_array is None:
            self._set_index_array()
        index_array = self.index_array[self.batch_size * idx:
                                       self.batch_size * (idx + 1)]
        return self._get_batches_of_transformed_samples(index_array)

    def __len__(self):
        return (self.n + self.batch_size - 1) // self.batch_size

    def on_epoch_end(self):
        self._set_index_array()

    def reset(self):
        self.batch_index = 0

    def _flow_index(self):
        self.reset()
        while True:
            if self.seed is not None:
                np.random.seed(self.seed + self.total_batches_seen)
            if self.batch_index == 0:
                self._set_index_array()
            current_index = (self.batch_index * self.batch_size) % self.n \
                if self.n else 0
            if self.n > current_index + self.batch_size:
                self.batch_index += 1
            else:
                self.batch_index = 0
            self.total_batches_seen += 1
            yield self.index_array[current_index:
                                   current_index + self.batch_size]

    def __iter__(self):
        return self

    def __next__(self, *args, **kwargs):
        return self.next(*args, **kwargs)

    def next(self):
        with self.lock:
            index_array = next(self.index_generator)
        return self._get_batches_of_transformed_samples(index_array)

    def _get_batches_of_transformed_samples(self, index_array):
        raise NotImplementedError


class NumpyArrayIterator(Iterator):
    """Batches of (augmented) images from in-memory arrays."""

    def __init__(self, x, y, image_data_generator, batch_size=32,
                 shuffle=False, sample_weight=None, seed=None,
                 data_format=None, save_to_dir=None, save_prefix='',
                 save_format='png', subset=None, dtype=None):
        dtype = dtype or K.floatx()
        self.dtype = dtype
        if isinstance(x, (tuple, list)):
            if not isinstance(x[1], list):
                x_misc = [np.asarray(x[1])]
            else:
                x_misc = [np.asarray(xx) for xx in x[1]]
            x = x[0]
            for xx in x_misc:
                if len(x) != len(xx):
                    raise ValueError('All of the arrays in `x` should have '
                                     'the same length. Found a pair with: '
                                     'len(x[0]) = %s, len(x[?]) = %s'
                                     % (len(x), len(xx)))
        else:
            x_misc = []
        if y is not None and len(x) != len(y):
            raise ValueError('`x` (images tensor) and `y` (labels) should '
                             'have the same length. Found: x.shape = %s, '
                             'y.shape = %s' % (np.asarray(x).shape,
                                               np.asarray(y).shape))
        if sample_weight is not None and len(x) != len(sample_weight):
            raise ValueError('`x` (images tensor) and `sample_weight` should '
                             'have the same length. Found: x.shape = %s, '
                             'sample_weight.shape = %s'
                             % (np.asarray(x).shape,
                                np.asarray(sample_weight).shape))
        if subset is not None:
            if subset not in {'training', 'validation'}:
                raise ValueError('Invalid subset name:', subset,
                                 '; expected "training" or "validation".')
            split_idx = int(len(x) * image_data_generator._validation_split)
            if subset == 'validation':
                x = x[:split_idx]
                x_misc = [np.asarray(xx[:split_idx]) for xx in x_misc]
                if y is not None:
                    y = y[:split_idx]
            else:
                x = x[split_idx:]
                x_misc = [np.asarray(xx[split_idx:]) for xx in x_misc]
                if y is not None:
                    y = y[split_idx:]
        self.x = np.asarray(x, dtype=self.dtype)
        self.x_misc = x_misc
        if self.x.ndim != 4:
            raise ValueError('Input data in `NumpyArrayIterator` should have '
                             'rank 4. You passed an array with shape',
                             self.x.shape)
        channels_axis = 3 if data_format == 'channels_last' else 1
        if self.x.shape[channels_axis] not in {1, 3, 4}:
            warnings.warn('NumpyArrayIterator is set to use the data format '
                          'convention "' + data_format + '" (channels on '
                          'axis ' + str(channels_axis) + '), i.e. expected '
                          'either 1, 3, or 4 channels on axis ' +
                          str(channels_axis) + '. However, it was passed an '
                          'array with shape ' + str(self.x.shape) + ' (' +
                          str(self.x.shape[channels_axis]) + ' channels).')
        self.y = np.asarray(y) if y is not None else None
        self.sample_weight = np.asarray(sample_weight) \
            if sample_weight is not None else None
        self.image_data_generator = image_data_generator
        self.data_format = data_format
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        super(NumpyArrayIterator, self).__init__(x.shape[0], batch_size,
                                                 shuffle, seed)

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = np.zeros(tuple([len(index_array)] + list(self.x.shape)[1:]),
                           dtype=self.dtype)
        for i, j in enumerate(index_array):
            x = self.x[j]
            params = self.image_data_generator.get_random_transform(x.shape)
            x = self.image_data_generator.apply_transform(
                x.astype(self.dtype), params)
            x = self.image_data_generator.standardize(x)
            batch_x[i] = x
        if self.save_to_dir:
            for i, j in enumerate(index_array):
                img = array_to_img(batch_x[i], self.data_format, scale=True)
                fname = '{prefix}_{index}_{hash}.{format}'.format(
                    prefix=self.save_prefix, index=j,
                    hash=np.random.randint(1e4), format=self.save_format)
                img.save(os.path.join(self.save_to_dir, fname))
        batch_x_miscs = [xx[index_array] for xx in self.x_misc]
        output = (batch_x if batch_x_miscs == [] else
                  [batch_x] + batch_x_miscs,)
        if self.y is None:
            return output[0]
        output += (self.y[index_array],)
        if self.sample_weight is not None:
            output += (self.sample_weight[index_array],)
        return output


def _list_valid_filenames_in_directory(directory, white_list_formats, split,
                                       class_indices, follow_links):
    dirname = os.path.basename(directory)
    all_files = []
    for root, _, files in sorted(os.walk(directory,
                                         followlinks=follow_links),
                                 key=lambda x: x[0]):
        for fname in sorted(files):
            if fname.lower().endswith('.tiff'):
                warnings.warn('Using ".tiff" files with multiple bands will '
                              'cause distortion. Please verify your output.')
            if fname.lower().endswith(tuple('.' + f for f in
                                            white_list_formats)):
                all_files.append((root, fname))
    if split:
        num_files = len(all_files)
        start, stop = int(split[0] * num_files), int(split[1] * num_files)
        all_files = all_files[start:stop]
    classes = []
    filenames = []
    for root, fname in all_files:
        classes.append(class_indices[dirname])
        absolute_path = os.path.join(root, fname)
        relative_path = os.path.join(dirname,
                                     os.path.relpath(absolute_path,
                                                     directory))
        filenames.append(relative_path)
    return classes, filenames


class DirectoryIterator(Iterator):
    """Batches of images read from one sub-directory per class."""

    def __init__(self, directory, image_data_generator, target_size=(256,
                                                                     256),
                 color_mode='rgb', classes=None, class_mode='categorical',
                 batch_size=32, shuffle=True, seed=None, data_format=None,
                 save_to_dir=None, save_prefix='', save_format='png',
                 follow_links=False, subset=None, interpolation='nearest',
                 dtype=None):
        self.dtype = dtype or K.floatx()
        self.directory = directory
        self.image_data_generator = image_data_generator
        self.target_size = tuple(target_size)
        if color_mode not in {'rgb', 'rgba', 'grayscale'}:
            raise ValueError('Invalid color mode:', color_mode,
                             '; expected "rgb", "rgba", or "grayscale".')
        self.color_mode = color_mode
        self.data_format = data_format or K.image_data_format()
        channels = {'rgba': 4, 'rgb': 3, 'grayscale': 1}[color_mode]
        if self.data_format == 'channels_last':
            self.image_shape = self.target_size + (channels,)
        else:
            self.image_shape = (channels,) + self.target_size
        if class_mode not in {'categorical', 'binary', 'sparse', 'input',
                              None}:
            raise ValueError('Invalid class_mode: {}; expected one of '
                             '"categorical", "binary", "sparse", "input" or '
                             'None.'.format(class_mode))
        self.class_mode = class_mode
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        self.interpolation = interpolation
        split = _subset_split(image_data_generator, subset)
        if not classes:
            classes = sorted(d for d in os.listdir(directory)
                             if os.path.isdir(os.path.join(directory, d)))
        self.num_classes = len(classes)
        self.class_indices = dict(zip(classes, range(len(classes))))
        self.filenames = []
        labels = []
        for dirpath in (os.path.join(directory, subdir)
                        for subdir in classes):
            found_classes, found_files = _list_valid_filenames_in_directory(
                dirpath, self.white_list_formats, split,
                self.class_indices, follow_links)
            labels += found_classes
            self.filenames += found_files
        self.classes = np.array(labels, dtype='int32')
        self.samples = len(self.filenames)
        print('Found %d images belonging to %d classes.'
              % (self.samples, self.num_classes))
        self.filepaths = [os.path.join(directory, f) for f in self.filenames]
        super(DirectoryIterator, self).__init__(self.samples, batch_size,
                                                shuffle, seed)

    @property
    def labels(self):
        return self.classes

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = self._transformed_images(index_array)
        batch_y = self._targets_for(index_array, batch_x)
        return batch_x if batch_y is None else (batch_x, batch_y)

    def _transformed_images(self, index_array):
        """The images at `index_array`, loaded, augmented and standardised
        (and saved to `save_to_dir` when set)."""
        batch_x = np.zeros((len(index_array),) + self.image_shape,
                           dtype=self.dtype)
        for i, j in enumerate(index_array):
            img = load_img(self.filepaths[j], color_mode=self.color_mode,
                           target_size=self.target_size,
                           interpolation=self.interpolation)
            x = img_to_array(img, data_format=self.data_format)
            if hasattr(img, 'close'):
                img.close()
            params = self.image_data_generator.get_random_transform(x.shape)
            x = self.image_data_generator.apply_transform(x, params)
            x = self.image_data_generator.standardize(x)
            batch_x[i] = x
        if self.save_to_dir:
            for i, j in enumerate(index_array):
                img = array_to_img(batch_x[i], self.data_format, scale=True)
                fname = '{prefix}_{index}_{hash}.{format}'.format(
                    prefix=self.save_prefix, index=j,
                    hash=np.random.randint(1e7), format=self.save_format)
                img.save(os.path.join(self.save_to_dir, fname))
        return batch_x

    def _targets_for(self, index_array, batch_x):
        if self.class_mode == 'input':
            return batch_x.copy()
        if self.class_mode == 'sparse':
            # Keras 2 gives the int32 class indices, tf.keras casts them
            # to the generator's dtype.
            if K.common.is_tf_keras():
                return self.classes[index_array].astype(self.dtype)
            return self.classes[index_array]
        if self.class_mode == 'binary':
            return self.classes[index_array].astype(self.dtype)
        if self.class_mode == 'categorical':
            batch_y = np.zeros((len(batch_x), self.num_classes),
                               dtype=self.dtype)
            for i, label in enumerate(self.classes[index_array]):
                batch_y[i, label] = 1.
            return batch_y
        return None


def _subset_split(image_data_generator, subset):
    """(start, stop) fractions of the files in `subset`, or None."""
    if subset is None:
        return None
    validation_split = image_data_generator._validation_split
    if subset == 'validation':
        return (0, validation_split)
    if subset == 'training':
        return (validation_split, 1)
    raise ValueError('Invalid subset name: %s;expected "training" or '
                     '"validation"' % (subset,))


class DataFrameIterator(DirectoryIterator):
    """Batches of images whose file names (column `x_col`, relative to
    `directory`) and targets (column `y_col`) come from a pandas DataFrame,
    as Keras 2.3's `flow_from_dataframe`.

    `class_mode`: 'categorical' (class names, or lists of names for
    several labels), 'binary' and 'sparse' (class names), 'raw' (the column
    values), 'multi_output' (a list of columns), 'input' or None.
    `weight_col` adds per-sample weights to each batch."""

    allowed_class_modes = {'binary', 'categorical', 'input', 'multi_output',
                           'raw', 'sparse', None}

    def __init__(self, dataframe, directory=None, image_data_generator=None,
                 x_col='filename', y_col='class', weight_col=None,
                 target_size=(256, 256), color_mode='rgb', classes=None,
                 class_mode='categorical', batch_size=32, shuffle=True,
                 seed=None, data_format='channels_last', save_to_dir=None,
                 save_prefix='', save_format='png', subset=None,
                 interpolation='nearest', dtype='float32',
                 validate_filenames=True):
        self._set_image_options(image_data_generator, target_size,
                                color_mode, data_format, save_to_dir,
                                save_prefix, save_format, interpolation,
                                dtype)
        df = dataframe.copy()
        self.directory = directory or ''
        self.class_mode = class_mode
        self._check_params(df, x_col, y_col, weight_col, classes)
        if validate_filenames:
            df = self._filter_valid_filepaths(df, x_col)
        labelled = class_mode not in ('input', 'multi_output', 'raw', None)
        if labelled:
            df, classes = self._filter_classes(df, y_col, classes)
            self.class_indices = dict(zip(classes, range(len(classes))))
            self.num_classes = len(classes)
        split = _subset_split(image_data_generator, subset)
        if split:
            start, stop = (int(f * len(df)) for f in split)
            df = df.iloc[start:stop, :]
        if labelled:
            self.classes = self._class_indices_of(df[y_col])
        self.filenames = df[x_col].tolist()
        self._sample_weight = df[weight_col].values if weight_col else None
        if class_mode == 'multi_output':
            self._targets = [np.array(df[col].tolist()) for col in y_col]
        elif class_mode == 'raw':
            self._targets = df[y_col].values
        self.samples = len(self.filenames)
        checked = 'validated' if validate_filenames else 'non-validated'
        if labelled:
            print('Found {} {} image filenames belonging to {} classes.'
                  .format(self.samples, checked, self.num_classes))
        else:
            print('Found {} {} image filenames.'.format(self.samples,
                                                        checked))
        self.filepaths = [os.path.join(self.directory, name)
                          for name in self.filenames]
        Iterator.__init__(self, self.samples, batch_size, shuffle, seed)

    def _set_image_options(self, image_data_generator, target_size,
                           color_mode, data_format, save_to_dir,
                           save_prefix, save_format, interpolation, dtype):
        if color_mode not in {'rgb', 'rgba', 'grayscale'}:
            raise ValueError('Invalid color mode:', color_mode,
                             '; expected "rgb", "rgba", or "grayscale".')
        self.image_data_generator = image_data_generator
        self.target_size = tuple(target_size)
        self.color_mode = color_mode
        self.data_format = data_format or K.image_data_format()
        channels = {'rgba': 4, 'rgb': 3, 'grayscale': 1}[color_mode]
        self.image_shape = self.target_size + (channels,) \
            if self.data_format == 'channels_last' else \
            (channels,) + self.target_size
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        self.interpolation = interpolation
        self.dtype = dtype or K.floatx()

    def _check_params(self, df, x_col, y_col, weight_col, classes):
        mode = self.class_mode
        if mode not in self.allowed_class_modes:
            raise ValueError('Invalid class_mode: {}; expected one of: {}'
                             .format(mode, self.allowed_class_modes))
        if mode == 'multi_output' and not isinstance(y_col, list):
            raise TypeError('If class_mode="{}", y_col must be a list. '
                            'Received {}.'.format(mode,
                                                  type(y_col).__name__))
        if not all(isinstance(v, str) for v in df[x_col]):
            raise TypeError('All values in column x_col={} must be strings.'
                            .format(x_col))
        if mode in ('binary', 'sparse') and \
                not all(isinstance(v, str) for v in df[y_col]):
            raise TypeError('If class_mode="{}", y_col="{}" column values '
                            'must be strings.'.format(mode, y_col))
        if mode == 'binary':
            count = len(set(classes)) if classes else df[y_col].nunique()
            if count != 2:
                raise ValueError('If class_mode="binary" there must be 2 '
                                 'classes. Found {} classes.'.format(count))
        if mode == 'categorical' and not all(
                isinstance(v, (str, list, tuple)) for v in df[y_col]):
            raise TypeError('If class_mode="{}", y_col="{}" column values '
                            'must be type string, list or tuple.'
                            .format(mode, y_col))
        if classes and mode in ('input', 'multi_output', 'raw', None):
            warnings.warn('`classes` will be ignored given the '
                          'class_mode="{}"'.format(mode))
        if weight_col and not np.issubdtype(df[weight_col].dtype, np.number):
            raise TypeError('Column weight_col={} must be numeric.'
                            .format(weight_col))

    @staticmethod
    def _filter_classes(df, y_col, classes):
        """Rows whose labels are among `classes` (all labels when None),
        and the sorted class names."""
        def keep(labels):
            if isinstance(labels, (list, tuple)):
                return [c for c in labels if c in wanted] or None
            return labels if labels in wanted else None
        df = df.copy()
        if classes:
            wanted = set(classes)
            df[y_col] = df[y_col].apply(keep)
        else:
            wanted = set()
            for labels in df[y_col]:
                wanted.update(labels if isinstance(labels, (list, tuple))
                              else [labels])
        return df.dropna(subset=[y_col]), sorted(wanted)

    def _class_indices_of(self, labels):
        return [[self.class_indices[c] for c in label]
                if isinstance(label, (list, tuple))
                else self.class_indices[label] for label in labels]

    def _filter_valid_filepaths(self, df, x_col):
        def valid(name):
            path = os.path.join(self.directory, name)
            return os.path.isfile(path) and \
                path.lower().endswith(self.white_list_formats)
        mask = df[x_col].map(valid).astype(bool)
        if (~mask).sum():
            warnings.warn('Found {} invalid image filename(s) in x_col="{}". '
                          'These filename(s) will be ignored.'
                          .format(int((~mask).sum()), x_col))
        return df[mask]

    @property
    def labels(self):
        if self.class_mode in ('multi_output', 'raw'):
            return self._targets
        return self.classes

    @property
    def sample_weight(self):
        return self._sample_weight

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = self._transformed_images(index_array)
        batch_y = self._targets_for(index_array, batch_x)
        if batch_y is None:
            return batch_x
        if self._sample_weight is None:
            return batch_x, batch_y
        return batch_x, batch_y, self._sample_weight[index_array]

    def _targets_for(self, index_array, batch_x):
        mode = self.class_mode
        if mode in ('binary', 'sparse'):
            return np.array([self.classes[i] for i in index_array],
                            dtype=self.dtype)
        if mode == 'categorical':
            batch_y = np.zeros((len(batch_x), self.num_classes),
                               dtype=self.dtype)
            for row, i in enumerate(index_array):
                batch_y[row, self.classes[i]] = 1.
            return batch_y
        if mode == 'multi_output':
            return [output[index_array] for output in self._targets]
        if mode == 'raw':
            return self._targets[index_array]
        if mode == 'input':
            return batch_x.copy()
        return None


def _with_file_extensions(dataframe, directory, x_col):
    """`dataframe` with the names in `x_col` completed by the extension
    of the image file they name: `has_ext=False` of Keras 2.2's
    flow_from_dataframe, whose x_col held names without extensions
    (Kaggle's 'id' columns; ints are read as strings, as it did). Names
    that are already files, or match no image file, stay as given."""
    frame = dataframe.copy()
    frame[x_col] = [_image_file_name(str(name), directory or '')
                    for name in frame[x_col]]
    return frame


def _image_file_name(name, directory):
    if os.path.isfile(os.path.join(directory, name)):
        return name
    for ext in Iterator.white_list_formats:
        for candidate in (name + '.' + ext, name + '.' + ext.upper()):
            if os.path.isfile(os.path.join(directory, candidate)):
                return candidate
    return name


class ImageDataGenerator(object):
    """Generates batches of augmented images: rescaling, feature- and
    sample-wise centring/normalisation, ZCA whitening, random rotations,
    shifts, shears, zooms, channel shifts, brightness and flips; `fit`
    computes the feature-wise statistics; `flow` and
    `flow_from_directory` produce the batches."""

    def __init__(self, featurewise_center=False, samplewise_center=False,
                 featurewise_std_normalization=False,
                 samplewise_std_normalization=False, zca_whitening=False,
                 zca_epsilon=1e-6, rotation_range=0, width_shift_range=0.,
                 height_shift_range=0., brightness_range=None,
                 shear_range=0., zoom_range=0., channel_shift_range=0.,
                 fill_mode='nearest', cval=0., horizontal_flip=False,
                 vertical_flip=False, rescale=None,
                 preprocessing_function=None, data_format=None,
                 validation_split=0.0, interpolation_order=1, dtype=None):
        if data_format is None:
            data_format = K.image_data_format()
        self.dtype = dtype or K.floatx()
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening = zca_whitening
        self.zca_epsilon = zca_epsilon
        self.rotation_range = rotation_range
        self.width_shift_range = width_shift_range
        self.height_shift_range = height_shift_range
        self.shear_range = shear_range
        self.zoom_range = zoom_range
        self.channel_shift_range = channel_shift_range
        self.fill_mode = fill_mode
        self.cval = cval
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.rescale = rescale
        self.preprocessing_function = preprocessing_function
        self.interpolation_order = interpolation_order
        if fill_mode not in {'nearest', 'constant', 'reflect', 'wrap'}:
            raise ValueError('fill_mode must be one of "nearest", '
                             '"constant", "reflect", "wrap"; got %r'
                             % fill_mode)
        if data_format not in {'channels_last', 'channels_first'}:
            raise ValueError('`data_format` should be `"channels_last"` '
                             '(channel after row and column) or '
                             '`"channels_first"` (channel before row and '
                             'column). Received: %s' % data_format)
        self.data_format = data_format
        if data_format == 'channels_first':
            self.channel_axis, self.row_axis, self.col_axis = 1, 2, 3
        else:
            self.channel_axis, self.row_axis, self.col_axis = 3, 1, 2
        if validation_split and not 0 < validation_split < 1:
            raise ValueError('`validation_split` must be strictly between 0 '
                             'and 1.  Received: %s' % validation_split)
        self._validation_split = validation_split
        self.mean = None
        self.std = None
        self.principal_components = None
        if np.isscalar(zoom_range):
            self.zoom_range = [1 - zoom_range, 1 + zoom_range]
        elif len(zoom_range) == 2:
            self.zoom_range = [zoom_range[0], zoom_range[1]]
        else:
            raise ValueError('`zoom_range` should be a float or a tuple or '
                             'list of two floats. Received: %s'
                             % (zoom_range,))
        if zca_whitening:
            if not featurewise_center:
                self.featurewise_center = True
                warnings.warn('This ImageDataGenerator specifies '
                              '`zca_whitening`, which overrides setting of '
                              '`featurewise_center`.')
            if featurewise_std_normalization:
                self.featurewise_std_normalization = False
                warnings.warn('This ImageDataGenerator specifies '
                              '`zca_whitening` which overrides setting of'
                              '`featurewise_std_normalization`.')
        if featurewise_std_normalization and not featurewise_center:
            self.featurewise_center = True
            warnings.warn('This ImageDataGenerator specifies '
                          '`featurewise_std_normalization`, which overrides '
                          'setting of `featurewise_center`.')
        if samplewise_std_normalization and not samplewise_center:
            self.samplewise_center = True
            warnings.warn('This ImageDataGenerator specifies '
                          '`samplewise_std_normalization`, which overrides '
                          'setting of `samplewise_center`.')
        if brightness_range is not None and (
                not isinstance(brightness_range, (tuple, list)) or
                len(brightness_range) != 2):
            raise ValueError('`brightness_range should be tuple or list of '
                             'two floats. Received: %s' % (brightness_range,))
        self.brightness_range = brightness_range

    def flow(self, x, y=None, batch_size=32, shuffle=True,
             sample_weight=None, seed=None, save_to_dir=None,
             save_prefix='', save_format='png', subset=None):
        """Batches of augmented images (and labels) from arrays."""
        return NumpyArrayIterator(
            x, y, self, batch_size=batch_size, shuffle=shuffle,
            sample_weight=sample_weight, seed=seed,
            data_format=self.data_format, save_to_dir=save_to_dir,
            save_prefix=save_prefix, save_format=save_format, subset=subset,
            dtype=self.dtype)

    def flow_from_directory(self, directory, target_size=(256, 256),
                            color_mode='rgb', classes=None,
                            class_mode='categorical', batch_size=32,
                            shuffle=True, seed=None, save_to_dir=None,
                            save_prefix='', save_format='png',
                            follow_links=False, subset=None,
                            interpolation='nearest'):
        """Batches of augmented images read from class sub-directories."""
        return DirectoryIterator(
            directory, self, target_size=target_size, color_mode=color_mode,
            classes=classes, class_mode=class_mode,
            data_format=self.data_format, batch_size=batch_size,
            shuffle=shuffle, seed=seed, save_to_dir=save_to_dir,
            save_prefix=save_prefix, save_format=save_format,
            follow_links=follow_links, subset=subset,
            interpolation=interpolation, dtype=self.dtype)

    def flow_from_dataframe(self, dataframe, directory=None,
                            x_col='filename', y_col='class', weight_col=None,
                            target_size=(256, 256), color_mode='rgb',
                            classes=None, class_mode='categorical',
                            batch_size=32, shuffle=True, seed=None,
                            save_to_dir=None, save_prefix='',
                            save_format='png', subset=None,
                            interpolation='nearest', validate_filenames=True,
                            **kwargs):
        """Batches of augmented images listed in a pandas DataFrame (see
        `DataFrameIterator`). Keras 2.2's `has_ext=False` (names in `x_col`
        without their extension) completes each name with the extension
        of the image file it names; its `sort` and `drop_duplicates` are
        ignored with a DeprecationWarning, as Keras 2.3 ignores them:
        batches follow the dataframe's rows, duplicates included."""
        if kwargs.get('has_ext', True) is False:
            dataframe = _with_file_extensions(dataframe, directory, x_col)
        for name, advice in (('has_ext', 'filenames in the dataframe have '
                              'to match the exact filenames in disk'),
                             ('sort', 'batches will be created in the same '
                              'order than the filenames provided if '
                              'shuffle is set to False'),
                             ('drop_duplicates', 'you can drop duplicates '
                              'by using the pandas.DataFrame.'
                              'drop_duplicates method')):
            if name in kwargs:
                kwargs.pop(name)
                warnings.warn('%s is deprecated, %s.' % (name, advice),
                              DeprecationWarning)
        if kwargs:
            raise TypeError('flow_from_dataframe() got unexpected keyword '
                            'arguments: %s' % sorted(kwargs))
        if class_mode == 'other':
            warnings.warn('`class_mode` "other" is deprecated, please use '
                          '`class_mode` "raw".', DeprecationWarning)
            class_mode = 'raw'
        return DataFrameIterator(
            dataframe, directory, self, x_col=x_col, y_col=y_col,
            weight_col=weight_col, target_size=target_size,
            color_mode=color_mode, classes=classes, class_mode=class_mode,
            data_format=self.data_format, batch_size=batch_size,
            shuffle=shuffle, seed=seed, save_to_dir=save_to_dir,
            save_prefix=save_prefix, save_format=save_format, subset=subset,
            interpolation=interpolation, dtype=self.dtype,
            validate_filenames=validate_filenames)

    def standardize(self, x):
        """Applies rescaling and the normalisation options to `x`."""
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= (np.std(x, keepdims=True) + 1e-6)
        if self.featurewise_center:
            if self.mean is not None:
                x -= self.mean
            else:
                warnings.warn('This ImageDataGenerator specifies '
                              '`featurewise_center`, but it hasn\'t been fit '
                              'on any training data. Fit it first by calling '
                              '`.fit(numpy_data)`.')
        if self.featurewise_std_normalization:
            if self.std is not None:
                x /= (self.std + 1e-6)
            else:
                warnings.warn('This ImageDataGenerator specifies '
                              '`featurewise_std_normalization`, but it '
                              'hasn\'t been fit on any training data. Fit it '
                              'first by calling `.fit(numpy_data)`.')
        if self.zca_whitening:
            if self.principal_components is not None:
                flatx = np.reshape(x, (-1, np.prod(x.shape[-3:])))
                whitex = np.dot(flatx, self.principal_components)
                x = np.reshape(whitex, x.shape)
            else:
                warnings.warn('This ImageDataGenerator specifies '
                              '`zca_whitening`, but it hasn\'t been fit on '
                              'any training data. Fit it first by calling '
                              '`.fit(numpy_data)`.')
        return x

    def get_random_transform(self, img_shape, seed=None):
        """Random parameters of one transformation."""
        img_row_axis = self.row_axis - 1
        img_col_axis = self.col_axis - 1
        if seed is not None:
            np.random.seed(seed)
        theta = np.random.uniform(-self.rotation_range,
                                  self.rotation_range) \
            if self.rotation_range else 0
        tx = ty = 0
        if self.height_shift_range:
            try:
                tx = np.random.choice(self.height_shift_range)
                tx *= np.random.choice([-1, 1])
            except ValueError:
                tx = np.random.uniform(-self.height_shift_range,
                                       self.height_shift_range)
            if np.max(self.height_shift_range) < 1:
                tx *= img_shape[img_row_axis]
        if self.width_shift_range:
            try:
                ty = np.random.choice(self.width_shift_range)
                ty *= np.random.choice([-1, 1])
            except ValueError:
                ty = np.random.uniform(-self.width_shift_range,
                                       self.width_shift_range)
            if np.max(self.width_shift_range) < 1:
                ty *= img_shape[img_col_axis]
        shear = np.random.uniform(-self.shear_range, self.shear_range) \
            if self.shear_range else 0
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx, zy = 1, 1
        else:
            zx, zy = np.random.uniform(self.zoom_range[0],
                                       self.zoom_range[1], 2)
        flip_horizontal = (np.random.random() < 0.5) * self.horizontal_flip
        flip_vertical = (np.random.random() < 0.5) * self.vertical_flip
        channel_shift_intensity = None
        if self.channel_shift_range != 0:
            channel_shift_intensity = np.random.uniform(
                -self.channel_shift_range, self.channel_shift_range)
        brightness = None
        if self.brightness_range is not None:
            brightness = np.random.uniform(self.brightness_range[0],
                                           self.brightness_range[1])
        return {'theta': theta, 'tx': tx, 'ty': ty, 'shear': shear,
                'zx': zx, 'zy': zy, 'flip_horizontal': flip_horizontal,
                'flip_vertical': flip_vertical,
                'channel_shift_intensity': channel_shift_intensity,
                'brightness': brightness}

    def apply_transform(self, x, transform_parameters):
        """Applies the transformation described by `transform_parameters`
        to one image."""
        img_row_axis = self.row_axis - 1
        img_col_axis = self.col_axis - 1
        img_channel_axis = self.channel_axis - 1
        p = transform_parameters
        x = apply_affine_transform(
            x, p.get('theta', 0), p.get('tx', 0), p.get('ty', 0),
            p.get('shear', 0), p.get('zx', 1), p.get('zy', 1),
            row_axis=img_row_axis, col_axis=img_col_axis,
            channel_axis=img_channel_axis, fill_mode=self.fill_mode,
            cval=self.cval, order=self.interpolation_order)
        if p.get('channel_shift_intensity') is not None:
            x = apply_channel_shift(x, p['channel_shift_intensity'],
                                    img_channel_axis)
        if p.get('flip_horizontal', False):
            x = flip_axis(x, img_col_axis)
        if p.get('flip_vertical', False):
            x = flip_axis(x, img_row_axis)
        if p.get('brightness') is not None:
            x = apply_brightness_shift(x, p['brightness'], False)
        return x

    def random_transform(self, x, seed=None):
        """One randomly transformed copy of `x`."""
        params = self.get_random_transform(x.shape, seed)
        return self.apply_transform(x, params)

    def fit(self, x, augment=False, rounds=1, seed=None):
        """Computes the feature-wise mean, std and ZCA matrix of `x`."""
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError('Input to `.fit()` should have rank 4. Got '
                             'array with shape: ' + str(x.shape))
        if x.shape[self.channel_axis] not in {1, 3, 4}:
            warnings.warn('Expected input to be images (as Numpy array) '
                          'following the data format convention "' +
                          self.data_format + '" (channels on axis ' +
                          str(self.channel_axis) + '), i.e. expected either '
                          '1, 3 or 4 channels on axis ' +
                          str(self.channel_axis) + '. However, it was '
                          'passed an array with shape ' + str(x.shape) +
                          ' (' + str(x.shape[self.channel_axis]) +
                          ' channels).')
        if seed is not None:
            np.random.seed(seed)
        x = np.copy(x)
        if self.rescale:
            x *= self.rescale
        if augment:
            ax = np.zeros(tuple([rounds * x.shape[0]] + list(x.shape)[1:]),
                          dtype=self.dtype)
            for r in range(rounds):
                for i in range(x.shape[0]):
                    ax[i + r * x.shape[0]] = self.random_transform(x[i])
            x = ax
        if self.featurewise_center:
            self.mean = np.mean(x, axis=(0, self.row_axis, self.col_axis))
            broadcast_shape = [1, 1, 1]
            broadcast_shape[self.channel_axis - 1] = x.shape[
                self.channel_axis]
            self.mean = np.reshape(self.mean, broadcast_shape)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.std(x, axis=(0, self.row_axis, self.col_axis))
            broadcast_shape = [1, 1, 1]
            broadcast_shape[self.channel_axis - 1] = x.shape[
                self.channel_axis]
            self.std = np.reshape(self.std, broadcast_shape)
            x /= (self.std + 1e-6)
        if self.zca_whitening:
            flat_x = np.reshape(x, (x.shape[0], -1))
            sigma = np.dot(flat_x.T, flat_x) / flat_x.shape[0]
            u, s, _ = np.linalg.svd(sigma)
            s_inv = 1. / np.sqrt(s[np.newaxis] + self.zca_epsilon)
            self.principal_components = (u * s_inv).dot(u.T)
