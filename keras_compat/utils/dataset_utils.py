"""tf.keras 2.x's dataset builders: `timeseries_dataset_from_array` and
`image_dataset_from_directory` (`keras.utils` since 2.9,
`keras.preprocessing` before), returning `tf.data.Dataset`s of the
TensorFlow stand-in, which fit, evaluate and predict take.

Images are read from disk batch by batch when the dataset is read, not
when it is made. Files are listed, ordered, shuffled and split as tf.keras
does: class folders in alphanumeric order, the files of each in order, all
shuffled with `np.random.RandomState(seed)` (the labels with a second one
of the same seed), the validation subset the last `validation_split`
of them."""
import math
import os

import numpy as np
import torch


ALLOWED_IMAGE_FORMATS = ('.bmp', '.gif', '.jpeg', '.jpg', '.png')


def _dataset_class():
    from ..tensorflow_compat import data
    return data.Dataset


# ------------------------------------------------------------ timeseries
def timeseries_dataset_from_array(data, targets, sequence_length,
                                  sequence_stride=1, sampling_rate=1,
                                  batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None):
    """Windows of `sequence_length` steps of `data` (every
    `sampling_rate`-th step), one starting every `sequence_stride` steps,
    with `targets[i]` for the window starting at step i, in batches."""
    _check_timeseries_arguments(data, sampling_rate, sequence_stride,
                                start_index, end_index)
    start_index = start_index or 0
    end_index = len(data) if end_index is None else end_index
    count = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        count = min(count, len(targets))
    starts = np.arange(0, max(count, 0), sequence_stride)
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(starts)
    steps = np.arange(sequence_length) * sampling_rate
    data = _as_array(data)[start_index:end_index]
    targets = None if targets is None else \
        _as_array(targets)[start_index:end_index]
    # Each element: a batch of window starts (one start when unbatched).
    size = batch_size or 1
    groups = [starts[i:i + size] for i in range(0, len(starts), size)]

    def load(index):
        group = groups[index]
        windows = torch.as_tensor(data[group[:, None] + steps])
        if batch_size is None:
            windows = windows[0]
        if targets is None:
            return windows
        labels = torch.as_tensor(targets[group])
        return windows, labels[0] if batch_size is None else labels
    return _dataset_class()._Lazy(len(groups), load)


def _as_array(values):
    """`values` as a numpy array; a Python list as TensorFlow converts
    it: ints to int32 (int64 when one does not fit), floats to float32."""
    array = np.asarray(values)
    if not isinstance(values, (list, tuple)):
        return array
    if array.dtype == np.int64 and (not array.size or (
            array.min() >= -2 ** 31 and array.max() < 2 ** 31)):
        return array.astype(np.int32)
    if array.dtype == np.float64:
        return array.astype(np.float32)
    return array


def _check_timeseries_arguments(data, sampling_rate, sequence_stride,
                                start_index, end_index):
    if start_index:
        if start_index < 0:
            raise ValueError('`start_index` must be 0 or greater. Received: '
                             'start_index=%s' % start_index)
        if start_index >= len(data):
            raise ValueError('`start_index` must be lower than the length of '
                             'the data. Received: start_index=%s, for data '
                             'of length %s' % (start_index, len(data)))
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError('`end_index` must be higher than `start_index`. '
                             'Received: start_index=%s, and end_index=%s '
                             % (start_index, end_index))
        if end_index >= len(data):
            raise ValueError('`end_index` must be lower than the length of '
                             'the data. Received: end_index=%s, for data of '
                             'length %s' % (end_index, len(data)))
        if end_index <= 0:
            raise ValueError('`end_index` must be higher than 0. Received: '
                             'end_index=%s' % end_index)
    for name, value in (('sampling_rate', sampling_rate),
                        ('sequence_stride', sequence_stride)):
        if value <= 0:
            raise ValueError('`%s` must be higher than 0. Received: %s=%s'
                             % (name, name, value))
        if value >= len(data):
            raise ValueError('`%s` must be lower than the length of the '
                             'data. Received: %s=%s, for data of length %s'
                             % (name, name, value, len(data)))


# ----------------------------------------------------------------- images
def image_dataset_from_directory(directory, labels='inferred',
                                 label_mode='int', class_names=None,
                                 color_mode='rgb', batch_size=32,
                                 image_size=(256, 256), shuffle=True,
                                 seed=None, validation_split=None,
                                 subset=None, interpolation='bilinear',
                                 follow_links=False,
                                 crop_to_aspect_ratio=False, **kwargs):
    """Batches of `(images, labels)` from image files in class folders
    (`labels='inferred'`), float32 `(batch, *image_size, channels)`
    resized as `tf.image.resize` does, labels by `label_mode`; the dataset
    has `class_names` and `file_paths`. `subset='both'` returns the
    training and validation datasets."""
    if kwargs:
        raise TypeError('Unknown keywords argument(s): %s'
                        % (tuple(kwargs),))
    _check_explicit_labels(labels, class_names, 'image')
    channels = {'rgb': 3, 'rgba': 4, 'grayscale': 1}.get(color_mode)
    if channels is None:
        raise ValueError('`color_mode` must be one of {"rgb", "rgba", '
                         '"grayscale"}. Received: color_mode=%s'
                         % color_mode)
    if label_mode not in ('int', 'categorical', 'binary', None):
        raise ValueError('`label_mode` argument must be one of "int", '
                         '"categorical", "binary", or None. Received: '
                         'label_mode=%s' % label_mode)
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    _check_split(validation_split, subset, shuffle, seed)
    if shuffle and seed is None:
        seed = np.random.randint(1e6)
    paths, file_labels, class_names = index_directory(
        directory, labels, ALLOWED_IMAGE_FORMATS, class_names, shuffle,
        seed, follow_links)
    loader = _ImageLoader(image_size, channels, interpolation,
                          crop_to_aspect_ratio)
    return _subset_datasets(_image_dataset, 'image', directory, paths,
                            file_labels, class_names, label_mode, batch_size,
                            loader, shuffle, seed, validation_split, subset)


def _subset_datasets(build, kind, directory, paths, file_labels,
                     class_names, label_mode, batch_size, loader, shuffle,
                     seed, validation_split, subset):
    """The dataset of `subset` (both of them for 'both') of the indexed
    files, made by `build` (`_image_dataset` or `_text_dataset`), after
    tf.keras's checks."""
    if label_mode == 'binary' and len(class_names) != 2:
        raise ValueError('When passing `label_mode="binary"`, there must be '
                         'exactly 2 class_names. Received: class_names=%s'
                         % class_names)
    if subset == 'both':
        split = [_split(paths, file_labels, validation_split, part)
                 for part in ('training', 'validation')]
        for (part_paths, _), part in zip(split, ('training', 'validation')):
            _check_found(part_paths, directory, kind, part + ' ')
        # (Only the training dataset is shuffled at each epoch.)
        return [build(p, l, class_names, label_mode, batch_size, loader,
                      shuffle and i == 0, seed)
                for i, (p, l) in enumerate(split)]
    paths, file_labels = _split(paths, file_labels, validation_split, subset)
    _check_found(paths, directory, kind, '')
    return build(paths, file_labels, class_names, label_mode, batch_size,
                 loader, shuffle, seed)


def _check_split(validation_split, subset, shuffle, seed):
    if validation_split and not 0 < validation_split < 1:
        raise ValueError('`validation_split` must be between 0 and 1, '
                         'received: %s' % validation_split)
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError('If `subset` is set, `validation_split` must be set, '
                         'and inversely.')
    if subset not in ('training', 'validation', 'both', None):
        raise ValueError('`subset` must be either "training", '
                         '"validation" or "both", received: %s' % subset)
    if validation_split and shuffle and seed is None:
        raise ValueError('If using `validation_split` and shuffling the '
                         'data, you must provide a `seed` argument, to make '
                         'sure that there is no overlap between the '
                         'training and validation subset.')


def index_directory(directory, labels, formats, class_names=None,
                    shuffle=True, seed=None, follow_links=False):
    """(file paths, labels, class names) as tf.keras lists them."""
    if labels == 'inferred':
        found = sorted(d for d in os.listdir(directory)
                       if os.path.isdir(os.path.join(directory, d)) and
                       not d.startswith('.'))
        if class_names is not None:
            if sorted(class_names) != found and set(class_names) != \
                    set(found):
                raise ValueError(
                    'The `class_names` passed did not match the names of '
                    'the subdirectories of the target directory. Expected: '
                    '%s, but received: %s' % (found, class_names))
        else:
            class_names = found
        folders = class_names
    else:
        # (An unlabelled directory is one class named ''.)
        class_names = folders = ['']
    paths, indices = [], []
    for index, folder in enumerate(folders):
        for path in _files_under(os.path.join(directory, folder), formats,
                                 follow_links):
            paths.append(path)
            indices.append(index)
    if labels not in ('inferred', None):
        if len(labels) != len(paths):
            raise ValueError('Expected the lengths of `labels` to match the '
                             'number of files in the target directory. '
                             'len(labels) is %d while we found %d files in '
                             'directory %s.' % (len(labels), len(paths),
                                                directory))
        indices = list(labels)
        class_names = sorted(set(indices))
    print('Found %d files belonging to %d classes.'
          % (len(paths), len(class_names)))
    file_labels = np.asarray(indices, dtype='int32')
    if shuffle:
        np.random.RandomState(seed).shuffle(paths)
        np.random.RandomState(seed).shuffle(file_labels)
    return paths, (None if labels is None else file_labels), class_names


def _files_under(folder, formats, follow_links):
    found = []
    for root, _, files in os.walk(folder, followlinks=follow_links):
        for name in files:
            if name.lower().endswith(formats):
                found.append((root, name))
    return [os.path.join(root, name) for root, name in sorted(found)]


def _split(paths, labels, validation_split, subset):
    if not validation_split:
        return paths, labels
    count = int(validation_split * len(paths))
    if subset == 'training':
        print('Using %d files for training.' % (len(paths) - count))
        return paths[:len(paths) - count], \
            None if labels is None else labels[:len(paths) - count]
    print('Using %d files for validation.' % count)
    return paths[len(paths) - count:], \
        None if labels is None else labels[len(paths) - count:]


class _ImageLoader(object):
    """Reads one image file as tf.keras's directory datasets do: decoded
    to `channels`, resized to `image_size` with tf.image.resize (or
    smart_resize with `crop_to_aspect_ratio`), float32."""

    def __init__(self, image_size, channels, interpolation, crop):
        self.size = tuple(int(s) for s in image_size)
        self.mode = {1: 'L', 3: 'RGB', 4: 'RGBA'}[channels]
        self.interpolation = interpolation
        self.crop = crop

    def __call__(self, path):
        from PIL import Image
        with Image.open(path) as image:
            array = _decoded(image, self.mode)
        if array.ndim == 2:
            array = array[:, :, None]
        from ..layers.preprocessing_image import resize_images, smart_resize
        image = torch.as_tensor(array.astype('float32'))
        resize = smart_resize if self.crop else resize_images
        return resize(image, self.size[0], self.size[1], self.interpolation)


class _FileOrder(object):
    """The order files are read in: drawn again each epoch when
    shuffling, as tf.keras's dataset shuffles the files it batches."""

    def __init__(self, count, shuffle, seed):
        self.count = count
        self.generator = np.random.RandomState(seed) if shuffle else None
        self.redraw()

    def redraw(self):
        self.order = np.arange(self.count) if self.generator is None \
            else self.generator.permutation(self.count)


def _decoded(image, mode):
    """The pixels of `image` in `mode`. TensorFlow turns colour PNGs grey
    through libpng: Rec. 601 weights in 15-bit fixed point, rounded down
    (PIL rounds to nearest)."""
    if mode == 'L' and image.format == 'PNG' and image.mode in ('RGB',
                                                                 'RGBA'):
        rgb = np.asarray(image.convert('RGB')).astype('int64')
        grey = (9798 * rgb[..., 0] + 19235 * rgb[..., 1] +
                3735 * rgb[..., 2]) >> 15
        return grey.astype('uint8')
    return np.asarray(image.convert(mode))


def _image_dataset(paths, labels, class_names, label_mode, batch_size,
                   loader, shuffle, seed):
    def read(chosen):
        return torch.stack([loader(paths[i]) for i in chosen])
    dataset = _file_dataset(len(paths), labels, class_names, label_mode,
                            batch_size, shuffle, seed, read,
                            lambda images: images[0])
    dataset.file_paths = list(paths)
    return dataset


def _file_dataset(file_count, labels, class_names, label_mode, batch_size,
                  shuffle, seed, read, first):
    """Batches of what `read` makes of the chosen files (`first` takes
    its one element when `batch_size` is None) with their labels, the
    files in the order drawn again at each epoch when shuffled."""
    size = batch_size or 1
    count = int(math.ceil(file_count / float(size)))
    files = _FileOrder(file_count, shuffle, seed)

    def load(index):
        chosen = files.order[index * size:(index + 1) * size]
        inputs = read(chosen)
        if batch_size is None:
            inputs = first(inputs)
        if label_mode is None:
            return inputs
        values = _labels(labels[chosen], label_mode, len(class_names))
        return inputs, values[0] if batch_size is None else values
    dataset = _dataset_class()._Lazy(count, load)
    dataset._epoch_hook = files.redraw
    dataset.class_names = class_names
    return dataset


def _labels(indices, label_mode, num_classes):
    indices = torch.as_tensor(np.asarray(indices, dtype='int64'))
    if label_mode == 'int':
        return indices.to(torch.int32)
    if label_mode == 'binary':
        return indices.to(torch.float32).reshape(-1, 1)
    return torch.nn.functional.one_hot(indices, num_classes).to(
        torch.float32)


def text_dataset_from_directory(directory, labels='inferred',
                                label_mode='int', class_names=None,
                                batch_size=32, max_length=None, shuffle=True,
                                seed=None, validation_split=None, subset=None,
                                follow_links=False):
    """Batches of `(texts, labels)` from the `.txt` files in class folders
    (`labels='inferred'`), as tf.keras 2.x builds them: each text the
    file's raw bytes (its first `max_length` bytes when given), a batch an
    object array of bytes as `tf.constant` of strings gives here; labels by
    `label_mode`; the dataset has `class_names`. `subset='both'` returns
    the training and validation datasets."""
    _check_explicit_labels(labels, class_names, 'text')
    if label_mode not in ('int', 'categorical', 'binary', None):
        raise ValueError('`label_mode` argument must be one of "int", '
                         '"categorical", "binary", or None. Received: '
                         'label_mode=%s' % label_mode)
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    _check_split(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, file_labels, class_names = index_directory(
        directory, labels, ('.txt',), class_names, shuffle, seed,
        follow_links)
    return _subset_datasets(_text_dataset, 'text', directory, paths,
                            file_labels, class_names, label_mode, batch_size,
                            _TextLoader(max_length), shuffle, seed,
                            validation_split, subset)


def _check_explicit_labels(labels, class_names, kind):
    """tf.keras's checks of `labels` given as a list (`kind`: 'image' or
    'text')."""
    if isinstance(labels, str) and labels == 'inferred' or labels is None:
        return
    if not isinstance(labels, (list, tuple)):
        raise ValueError(
            '`labels` argument should be a list/tuple of integer labels, of '
            'the same size as the number of %s files in the target '
            'directory. If you wish to infer the labels from the '
            'subdirectory names in the target directory, pass '
            '`labels="inferred"`. If you wish to get a dataset that only '
            'contains %s (no labels), pass `labels=None`. Received: '
            'labels=%s' % (kind, 'images' if kind == 'image' else
                           'text samples', labels))
    if class_names:
        raise ValueError('You can only pass `class_names` if '
                         '`labels="inferred"`. Received: labels=%s, and '
                         'class_names=%s' % (labels, class_names))


def _check_found(paths, directory, kind, part):
    """tf.keras's error for a directory (or split) without files."""
    if len(paths):
        return
    if kind == 'image':
        raise ValueError('No %simages found in directory %s. Allowed '
                         'formats: %s' % (part, directory,
                                          ALLOWED_IMAGE_FORMATS))
    raise ValueError('No %stext files found in directory %s. Allowed '
                     'format: .txt' % (part, directory))


class _TextLoader(object):
    """Reads one text file as tf.io.read_file does: its raw bytes, cut to
    the first `max_length` bytes (tf.strings.substr) when given."""

    def __init__(self, max_length):
        self.max_length = max_length

    def __call__(self, path):
        with open(path, 'rb') as handle:
            content = handle.read()
        if self.max_length is not None:
            content = content[:self.max_length]
        return content


def _text_dataset(paths, labels, class_names, label_mode, batch_size,
                  loader, shuffle, seed):
    def read(chosen):
        texts = np.empty(len(chosen), dtype=object)
        texts[:] = [loader(paths[i]) for i in chosen]
        return texts
    return _file_dataset(len(paths), labels, class_names, label_mode,
                         batch_size, shuffle, seed, read,
                         lambda texts: _string_scalar(texts[0]))


def _string_scalar(value):
    from ..tensorflow_compat import constant
    return constant(value)


# ------------------------------------------------------------- splitting
def split_dataset(dataset, left_size=None, right_size=None, shuffle=False,
                  seed=None):
    """tf.keras 2.x: (left, right) datasets of the first `left_size` and
    the last `right_size` samples (counts, or fractions of the total; one
    may be None for the rest) of a numpy array, a list/tuple of arrays of
    equal length or a dataset (unbatched first, the splits batched again
    when its last step batches), shuffled first with `shuffle`."""
    import random
    Dataset = _dataset_class()
    if not isinstance(dataset, (Dataset, list, tuple, np.ndarray)):
        raise TypeError('The `dataset` argument must be either a '
                        '`tf.data.Dataset` object or a list/tuple of arrays. '
                        'Received: dataset=%s of type %s'
                        % (dataset, type(dataset)))
    if right_size is None and left_size is None:
        raise ValueError('At least one of the `left_size` or `right_size` '
                         'must be specified. Received: left_size=None and '
                         'right_size=None')
    samples = _samples(dataset, Dataset)
    if shuffle:
        random.seed(random.randint(0, int(1e6)) if seed is None else seed)
        random.shuffle(samples)
    left_size, right_size = _split_sizes(left_size, right_size, len(samples))
    steps = getattr(dataset, '_steps', ())
    batch = steps[-1][1] if steps and steps[-1][0] == 'batch' else None
    splits = []
    for part in (samples[:left_size], samples[-right_size:]):
        split = Dataset.from_tensor_slices(_restored(part, dataset))
        splits.append(split.batch(batch) if batch else split)
    return tuple(splits)


def _samples(dataset, Dataset):
    if isinstance(dataset, np.ndarray):
        return list(dataset)
    if isinstance(dataset, Dataset):
        steps = dataset._steps
        if steps and steps[-1][0] == 'batch':
            dataset = dataset.unbatch()
        samples = list(dataset)
        if not samples:
            raise ValueError('Received an empty Dataset. `dataset` must be a '
                             'non-empty list/tuple of `numpy.ndarray` objects '
                             'or `tf.data.Dataset` objects.')
        return samples
    kind = 'list' if isinstance(dataset, list) else 'tuple'
    if not dataset:
        raise ValueError('Received an empty %s dataset. Please provide a '
                         'non-empty %s of arrays.' % (kind, kind))
    if not isinstance(dataset[0], np.ndarray):
        raise ValueError('Expected a %s of `numpy.ndarray` objects, '
                         'Received: %s' % (kind, type(dataset[0])))
    for i, element in enumerate(dataset):
        if np.array(element).shape[0] != dataset[0].shape[0]:
            raise ValueError(
                'Received a %s of NumPy arrays with different lengths. '
                'Mismatch found at index %d, Expected shape=%s Received '
                'shape=%s.Please provide a %s of NumPy arrays with the same '
                'length.' % (kind, i, dataset[0].shape,
                             np.array(element).shape, kind))
    return [_sample_array(sample) for sample in zip(*dataset)]


def _sample_array(sample):
    try:
        return np.array(sample)
    except ValueError:
        return np.array(sample, dtype=object)


def _restored(samples, dataset):
    if isinstance(dataset, np.ndarray):
        return np.array(samples)
    if samples and isinstance(samples[0], dict):
        return {key: np.array([np.asarray(s[key]) for s in samples])
                for key in samples[0]}
    return tuple(np.array([np.asarray(v) for v in part])
                 for part in zip(*samples))


def _split_sizes(left_size, right_size, total):
    """tf.keras's checks and rounding of the two sizes."""
    for size, side in ((left_size, 'left'), (right_size, 'right')):
        if size is not None and type(size) not in (int, float):
            raise TypeError('Invalid `%s_size` Type. Expected: int or float '
                            'or None, Received: type(%s_size)=%s.'
                            % (side, side, type(size)))
    if left_size == 0 and right_size == 0:
        raise ValueError('Both `left_size` and `right_size` are zero. At '
                         'least one of the split sizes must be non-zero.')
    for size, side in ((left_size, 'left'), (right_size, 'right')):
        if (type(size) is int and (size <= 0 or size >= total)) or \
                (type(size) is float and (size <= 0 or size >= 1)):
            raise ValueError(
                '`%s_size` should be either a positive integer smaller than '
                '%d, or a float within the range `[0, 1]`. Received: '
                '%s_size=%s' % (side, total, side, size))
    if type(left_size) is float and type(right_size) is float and \
            left_size + right_size > 1:
        raise ValueError('The sum of `left_size` and `right_size` is greater '
                         'than 1. It must be less than or equal to 1.')
    left = round(left_size * total) if type(left_size) is float \
        else left_size
    right = round(right_size * total) if type(right_size) is float \
        else right_size
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ValueError('The sum of `left_size` and `right_size` should be '
                         'smaller than the {total_length}. Received: '
                         'left_size + right_size = %sand total_length = %d'
                         % (float(left + right), total))
    for split, side in ((left, 'left'), (right, 'right')):
        if split == 0:
            raise ValueError(
                'With `dataset` of length=%d, `left_size`=%s and '
                '`right_size`=%s.Resulting %s side dataset split will be '
                'empty. Adjust any of the aforementioned parameters'
                % (total, float(left), float(right), side))
    return int(left), int(right)
