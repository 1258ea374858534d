"""tf.data pipelines kept in or read from files, on keras_compat's
list-backed `tf.data.Dataset`: `tf.data.experimental.CsvDataset` and
`make_csv_dataset` (TensorFlow's column type inference and batching),
`Dataset.cache(filename)` (the first full pass is kept, in memory or in
`filename.index` / `filename.data-00000-of-00001`, and read back by later
passes and by pipelines given an existing cache file),
`Dataset.snapshot`, and `Dataset.save` / `Dataset.load` (also under
`tf.data.experimental`). Files are written in keras_compat's own layout
(pickled numpy values), which TensorFlow does not read."""
import builtins
import collections
import csv
import gzip
import os
import pickle

import numpy as np
import torch

_CACHE_SUFFIXES = ('.index', '.data-00000-of-00001')
_SAVED_ELEMENTS = 'elements.pkl'


# --------------------------------------------------------- stored values
class _Leaf(object):
    """A stored tensor, string or other value of a dataset element."""

    def __init__(self, kind, content):
        self.kind = kind
        self.content = content


def _stored(value):
    """A picklable copy of a dataset element (tensors as numpy)."""
    if isinstance(value, dict):
        return type(value)((k, _stored(v)) for k, v in value.items())
    if isinstance(value, (tuple, list)):
        return type(value)(_stored(v) for v in value)
    if isinstance(value, torch.Tensor):
        return _Leaf('tensor', value.detach().cpu().numpy())
    if isinstance(value, bytes):
        return _Leaf('string', bytes(value))
    return _Leaf('value', value)


def _restored(value):
    """The dataset element `_stored` kept."""
    from .backend import get_device
    from .tensorflow_compat import _StringScalar
    if isinstance(value, dict):
        return type(value)((k, _restored(v)) for k, v in value.items())
    if isinstance(value, (tuple, list)):
        return type(value)(_restored(v) for v in value)
    if value.kind == 'tensor':
        return torch.from_numpy(np.array(value.content)).to(get_device())
    if value.kind == 'string':
        return _StringScalar(value.content)
    return value.content


def _write(path, items):
    temporary = path + '.tempstate'
    with builtins.open(temporary, 'wb') as handle:
        pickle.dump([_stored(e) for e in items], handle, protocol=4)
    os.replace(temporary, path)


def _read(path):
    with builtins.open(path, 'rb') as handle:
        return [_restored(e) for e in pickle.load(handle)]


# ------------------------------------------------------------- caching
def cache_step(filename):
    """The pipeline step of `Dataset.cache(filename)`: its holder keeps
    the elements of the first full pass."""
    name = filename.decode('utf8') if isinstance(filename, bytes) \
        else str(filename or '')
    return ('cache', name, {})


def cached_items(step, items, endless):
    """The elements after a cache step: those kept by the first full pass
    (read from the cache file when it exists), else `items`, kept."""
    name, holder = step[1], step[2]
    if 'items' in holder:
        return list(holder['items'])
    data = name + _CACHE_SUFFIXES[1]
    if name and os.path.exists(data):
        holder['items'] = _read(data)
        return list(holder['items'])
    if endless:
        return items
    holder['items'] = list(items)
    if name:
        directory = os.path.dirname(os.path.abspath(name))
        if not os.path.isdir(directory):
            from .tensorflow_compat import errors
            raise errors.NotFoundError(
                None, None, 'Failed to create a directory: %s; No such '
                'file or directory' % directory)
        _write(data, items)
        with builtins.open(name + _CACHE_SUFFIXES[0], 'wb') as handle:
            handle.write(b'keras_compat dataset cache\n')
    return list(items)


def snapshot_step(path):
    """`Dataset.snapshot(path)`: the first full pass is written under
    `path` and replayed by the later passes of the pipeline."""
    os.makedirs(str(path), exist_ok=True)
    return ('cache', os.path.join(str(path), 'snapshot'), {})


# ------------------------------------------------------- save and load
def save(dataset, path, compression=None, shard_func=None,
         checkpoint_args=None):
    """`tf.data.Dataset.save(path)`: writes the dataset's elements (one
    full pass) into the directory `path`."""
    if shard_func is not None:
        raise NotImplementedError(
            'Dataset.save(shard_func=...) is not supported: the elements '
            'are written as one file; save without shard_func.')
    items, endless = dataset._pass()
    if endless:
        from .tensorflow_compat import errors
        raise errors.InvalidArgumentError(
            None, None, 'Cannot save an infinite dataset.')
    os.makedirs(str(path), exist_ok=True)
    _write(os.path.join(str(path), _SAVED_ELEMENTS), items)


def load(dataset_class):
    """`tf.data.Dataset.load(path, element_spec=None, compression=None,
    reader_func=None)` over `dataset_class`."""
    def load(path, element_spec=None, compression=None, reader_func=None):
        """The dataset `Dataset.save` wrote into the directory `path`."""
        if reader_func is not None:
            raise NotImplementedError(
                'Dataset.load(reader_func=...) is not supported: the '
                'elements are read in the order they were saved.')
        target = os.path.join(str(path), _SAVED_ELEMENTS)
        if not os.path.exists(target):
            from .tensorflow_compat import errors
            raise errors.NotFoundError(
                None, None, 'Could not find metadata file. [Op:'
                'LoadDataset] %s' % path)
        return dataset_class(lambda: _read(target))
    return load


# ------------------------------------------------------------ CSV files
def _record_default(default):
    """decode_csv's form of a CsvDataset record default: a DType is a
    required field of that type."""
    from .tensorflow_compat import DType
    if isinstance(default, DType):
        return np.zeros((0,), dtype=object if default.name == 'string'
                        else default.name)
    return default


def csv_dataset(dataset_class):
    """`tf.data.experimental.CsvDataset` over `dataset_class`."""
    from .tensorflow_compat import _file_names, _text_lines

    def CsvDataset(filenames, record_defaults, compression_type=None,
                   buffer_size=None, header=False, field_delim=',',
                   use_quote_delim=True, na_value='', select_cols=None,
                   exclude_cols=None):
        """The records of the CSV files, file after file: a tuple of one
        scalar per (selected) column, typed by `record_defaults`."""
        names = _file_names(filenames)
        defaults = [_record_default(d) for d in record_defaults]
        columns = _selected(select_cols, exclude_cols, len(defaults))

        def records():
            rows = []
            for name in names:
                lines = _text_lines(name, compression_type)
                for line in lines[1:] if header else lines:
                    if line != b'':
                        rows.append(_record(line, defaults, field_delim,
                                            use_quote_delim, na_value,
                                            columns))
            return rows
        return dataset_class(records)._of_unknown_size()
    return CsvDataset


def _record(line, defaults, field_delim, use_quote_delim, na_value,
            columns):
    """One CSV line as a tuple of scalars (CsvDataset's errors name no
    record number)."""
    from .tensorflow_compat import _decode_csv, errors
    try:
        return tuple(_decode_csv(line, defaults, field_delim,
                                 use_quote_delim, na_value=na_value,
                                 select_cols=columns))
    except errors.InvalidArgumentError as error:
        raise errors.InvalidArgumentError(
            None, None, str(error).replace(' in record 0!', ' in record!'))


def _selected(select_cols, exclude_cols, count):
    if select_cols is not None and exclude_cols is not None:
        raise ValueError('Either select_cols or exclude_cols should be '
                         'empty')
    if exclude_cols is None:
        return select_cols
    excluded = set(int(i) for i in exclude_cols)
    total = count + len(excluded)
    return [i for i in builtins.range(total) if i not in excluded]


def _opener(compression_type, encoding):
    if compression_type == 'GZIP':
        return lambda name: gzip.open(name, 'rt', encoding=encoding)
    if compression_type not in (None, ''):
        raise ValueError('`compression_type` %s is not supported for '
                         'probing columns.' % compression_type)
    return lambda name: builtins.open(name, 'r', encoding=encoding,
                                      newline='')


def _csv_rows(names, opener, delimiter, use_quote_delim, header):
    quoting = csv.QUOTE_MINIMAL if use_quote_delim else csv.QUOTE_NONE
    for name in names:
        with opener(name) as handle:
            reader = csv.reader(handle, delimiter=delimiter, quoting=quoting)
            if header:
                next(reader, None)
            for row in reader:
                yield row


def _inferred_type(text, na_value, previous):
    """TensorFlow's make_csv_dataset column type: the least permissive of
    int32, int64, float32, float64 and string that holds every value."""
    if text in ('', na_value):
        return previous
    order = ['int32', 'int64', 'float32', 'float64', 'string']
    for index, kind in enumerate(order):
        if _holds(kind, text) and (previous is None or
                                   previous in order[:index + 1]):
            return kind


def _holds(kind, text):
    try:
        with np.errstate(over='ignore'):
            return _parses_as(kind, text)
    except (ValueError, OverflowError):
        return False


def _parses_as(kind, text):
    if kind == 'int32':
        return np.int32(text) == np.int64(text)
    if kind == 'int64':
        np.int64(text)
        return True
    if kind in ('float32', 'float64'):
        return getattr(np, kind)(text) < np.inf
    return True


def _column_names(names, opener, delimiter, use_quote_delim):
    quoting = csv.QUOTE_MINIMAL if use_quote_delim else csv.QUOTE_NONE
    headers = []
    for name in names:
        with opener(name) as handle:
            row = next(csv.reader(handle, delimiter=delimiter,
                                  quoting=quoting), None)
        if row is None:
            raise ValueError('Failed when reading the header line of %s. '
                             'Is it an empty file?' % name)
        headers.append(row)
    for name, row in zip(names[1:], headers[1:]):
        if row != headers[0]:
            raise ValueError(
                'All input CSV files should have the same column names in '
                'the header row. File %s has different column names.'
                % name)
    return headers[0]


def _column_indices(select_columns, column_names):
    positions = {n: i for i, n in enumerate(column_names)}
    result = []
    for value in select_columns:
        if isinstance(value, int):
            if not 0 <= value < len(column_names):
                raise ValueError(
                    'Column index %d specified in `select_columns` should '
                    'be > 0  and <= %d, which is the number of columns.'
                    % (value, len(column_names)))
            result.append(value)
        elif value not in positions:
            raise ValueError(
                'Column %s specified in `select_columns` must be of one of '
                'the columns: %s.' % (value, positions.keys()))
        else:
            result.append(positions[value])
    if len(set(result)) != len(result):
        raise ValueError('The `select_columns` argument contains duplicate '
                         'columns.')
    return sorted(result)


def _inferred_defaults(names, opener, count, delimiter, use_quote_delim,
                       na_value, header, rows_for_inference, columns):
    columns = list(columns if columns is not None
                   else builtins.range(count))
    kinds = [None] * len(columns)
    rows = _csv_rows(names, opener, delimiter, use_quote_delim, header)
    for number, row in enumerate(rows):
        if rows_for_inference is not None and number >= rows_for_inference:
            break
        if len(row) != count:
            raise ValueError('Problem inferring types: CSV row %d has %d '
                             'number of fields. Expected: %d.'
                             % (number + 1 + int(bool(header)), len(row),
                                count))
        kinds = [_inferred_type(row[c], na_value, k)
                 for c, k in zip(columns, kinds)]
    from .backend.ops import torch_dtype
    return [np.array([''], dtype=object) if (k or 'string') == 'string'
            else torch.zeros((1,), dtype=torch_dtype(k)) for k in kinds]


def _matching_files(file_pattern):
    """The files of the glob pattern(s), sorted."""
    import glob
    from .tensorflow_compat import _file_names
    if isinstance(file_pattern, list) and not file_pattern:
        raise ValueError('Argument `file_pattern` should not be empty.')
    names = [name for pattern in _file_names(file_pattern)
             for name in glob.glob(pattern)]
    if not names:
        raise ValueError('No files match `file_pattern` %s.' % file_pattern)
    return sorted(names)


def make_csv_dataset(dataset_class):
    """`tf.data.experimental.make_csv_dataset` over `dataset_class`."""
    from .tensorflow_compat import DType

    def make_csv_dataset(file_pattern, batch_size, column_names=None,
                         column_defaults=None, label_name=None,
                         select_columns=None, field_delim=',',
                         use_quote_delim=True, na_value='', header=True,
                         num_epochs=None, shuffle=True,
                         shuffle_buffer_size=10000, shuffle_seed=None,
                         prefetch_buffer_size=None, num_parallel_reads=None,
                         sloppy=False, num_rows_for_inference=100,
                         compression_type=None, ignore_errors=False,
                         encoding='utf-8'):
        """Batches of (features, label) (an OrderedDict of the columns
        and the `label_name` column) or of features, read from the CSV
        files as TensorFlow does: file after file (or
        `num_parallel_reads` interleaved), shuffled when `shuffle`,
        repeated `num_epochs` times (None: without end, the last partial
        batch dropped)."""
        if ignore_errors:
            raise NotImplementedError(
                'make_csv_dataset(ignore_errors=True) is not supported: '
                'clean the CSV files, or read them with CsvDataset.')
        names = _matching_files(file_pattern)
        opener = _opener(compression_type, encoding)
        if column_names is None:
            if not header:
                raise ValueError('Expected `column_names` or `header` '
                                 'arguments. Neither is provided.')
            column_names = _column_names(names, opener, field_delim,
                                         use_quote_delim)
        column_names = list(column_names)
        if len(column_names) != len(set(column_names)):
            raise ValueError('Either `column_names` argument or CSV header '
                             'row contains duplicate column names.')
        columns = None if select_columns is None else \
            _column_indices(select_columns, column_names)
        if column_defaults is not None:
            defaults = [np.zeros((0,), dtype=object if d.name == 'string'
                                 else d.name) if isinstance(d, DType)
                        else d for d in column_defaults]
        else:
            defaults = _inferred_defaults(
                names, opener, len(column_names), field_delim,
                use_quote_delim, na_value, header, num_rows_for_inference,
                columns)
        if columns is not None and len(defaults) != len(columns):
            raise ValueError(
                'If specified, `column_defaults` and `select_columns` must '
                'have the same length: `column_defaults` has length %d, '
                '`select_columns` has length %d.'
                % (len(defaults), len(columns)))
        if columns is not None and len(column_names) > len(columns):
            column_names = [column_names[i] for i in columns]
        if label_name is not None and label_name not in column_names:
            raise ValueError('`label_name` provided must be one of the '
                             'columns: %s. Received: %s.'
                             % (column_names, label_name))
        files = dataset_class.from_tensor_slices(names)
        if shuffle:
            files = files.shuffle(len(names), shuffle_seed)
        reader = csv_dataset(dataset_class)

        def file_records(name):
            return reader(name, defaults, compression_type, header=header,
                          field_delim=field_delim,
                          use_quote_delim=use_quote_delim,
                          na_value=na_value, select_cols=columns)
        reads = int(num_parallel_reads or 1)
        records = files.interleave(file_records, cycle_length=reads,
                                   block_length=1) if reads != 1 \
            else files.flat_map(file_records)
        if shuffle:
            records = records.shuffle(shuffle_buffer_size, shuffle_seed)
        if num_epochs != 1:
            records = records.repeat(num_epochs)
        batches = records.batch(batch_size,
                                drop_remainder=num_epochs is None)

        def features(*values):
            row = collections.OrderedDict(zip(column_names, values))
            if label_name is None:
                return row
            label = row.pop(label_name)
            return row, label
        return batches.map(features)
    return make_csv_dataset


def install(data):
    """Adds the file-backed datasets and steps to tf.data."""
    dataset_class = data.Dataset
    dataset_class.save = save
    dataset_class.load = staticmethod(load(dataset_class))
    dataset_class.snapshot = lambda self, path, compression='AUTO', \
        reader_func=None, shard_func=None, name=None: self._with(
            snapshot_step(path))
    data.experimental.save = save
    data.experimental.load = dataset_class.load
    data.experimental.snapshot = lambda path, compression='AUTO', \
        reader_func=None, shard_func=None: \
        lambda dataset: dataset.snapshot(path)
    data.experimental.CsvDataset = csv_dataset(dataset_class)
    data.experimental.make_csv_dataset = make_csv_dataset(dataset_class)
