"""TensorFlow's text for tensor values, as `tf.print`, `tf.compat.v1.Print`
and `tf.strings.format` write it: elements separated by spaces without
alignment, floats in the fewest of 6 (float) or 15 (double) significant
digits that give the value back (else 9 or 17), booleans as 1 and 0,
and at most `summarize` elements at each end of a dimension around
'...' (`tf.print`), or the first `summarize` elements in all, then '...'
(TensorFlow 1's `Print`)."""
import builtins
import sys

import numpy as np
import torch

_SINGLE = (np.float16, np.float32)


def _round_trip_text(value, digits, more_digits, kind):
    text = '%.*g' % (digits, value)
    if kind(text) == value:
        return text
    return '%.*g' % (more_digits, value)


def element_text(value, quote_strings=True):
    """One element: TensorFlow's FloatToBuffer / DoubleToBuffer text for
    floats, 1 and 0 for booleans, strings quoted (`tf.print`) or not."""
    if isinstance(value, (bytes, str, np.bytes_, np.str_)):
        text = value.decode('utf-8', 'backslashreplace') \
            if isinstance(value, bytes) else str(value)
        return '"%s"' % text if quote_strings else text
    if isinstance(value, (bool, np.bool_)):
        return '1' if value else '0'
    if isinstance(value, np.complexfloating):
        return '?'
    if isinstance(value, np.floating):
        if not np.isfinite(value):
            return 'nan' if np.isnan(value) else \
                ('inf' if value > 0 else '-inf')
        if isinstance(value, _SINGLE):
            return _round_trip_text(float(value), 6, 9, np.float32)
        return _round_trip_text(float(value), 15, 17, float)
    return str(value)


def _spacing(dim, ndim):
    if dim == ndim - 1:
        return ' '
    return '\n' * (ndim - dim - 1) + ' ' * (dim + 1)


def _dimension_text(array, dim, ndim, ends, quote):
    """TensorFlow 2's nested text of `array` (the part at depth `dim` of
    an `ndim`-dimensional tensor): `ends` elements at each end of every
    dimension, '...' between them when some are left out."""
    if dim == ndim:
        return element_text(
            array[()] if isinstance(array, np.ndarray) else array, quote)
    count = array.shape[0]
    spacing = _spacing(dim, ndim)
    parts = []
    for i in range(min(ends, count)):
        parts.append((spacing if i else '') +
                     _dimension_text(array[i], dim + 1, ndim, ends, quote))
    if count > 2 * ends:
        parts.append(spacing + '...')
    for i in range(max(ends, count - ends), count):
        parts.append(spacing +
                     _dimension_text(array[i], dim + 1, ndim, ends, quote))
    return '[' + ''.join(parts) + ']'


def _nested(array, dim, limit, state, out):
    """TensorFlow 1's nested text of the first `limit` elements."""
    if state[0] >= limit:
        return
    flat = array.reshape(-1)
    if dim == array.ndim - 1:
        for i in range(array.shape[dim]):
            if state[0] >= limit:
                if dim != 0:
                    out.append('...')
                return
            if i > 0:
                out.append(' ')
            out.append(element_text(flat[state[0]], False))
            state[0] += 1
        return
    for _ in range(array.shape[dim]):
        opened = state[0] < limit
        if opened:
            out.append('[')
        _nested(array, dim + 1, limit, state, out)
        if state[0] < limit or opened:
            out.append(']')


def summarize(value, summarize=3, print_v2=True):
    """The text of a tensor's value as TensorFlow's `SummarizeValue`
    writes it (`print_v2`: tf.print's nested form; else TensorFlow 1's
    `Print` form)."""
    array = to_numpy(value)
    size = array.size
    if summarize is None or summarize < 0:
        summarize = size
    limit = min(summarize, size)
    if print_v2:
        if array.ndim == 0:
            return element_text(array[()])
        return _dimension_text(array, 0, array.ndim, limit, True)
    if array.ndim <= 1:
        flat = array.reshape(-1)
        text = ' '.join(element_text(flat[i], False) for i in range(limit))
    else:
        out = []
        _nested(array, 0, limit, [0], out)
        text = ''.join(out)
    return text + ('...' if limit < size else '')


def to_numpy(value):
    if isinstance(value, torch.Tensor):
        from .backend import variable_graph
        value = variable_graph.current(value)
        with torch._C.DisableTorchFunctionSubclass():
            value = value.detach().cpu()
            if value.dtype == torch.bfloat16:
                value = value.float()
            return np.asarray(value)
    if isinstance(value, bytes):
        return np.array(bytes(value), dtype=object)
    return np.asarray(value)


def is_tensor_value(value):
    """A value tf.print formats as a tensor: a torch tensor, a string
    tensor (bytes answering `numpy()`, or a numpy array of strings); other
    numpy
    arrays print as Python values, as TensorFlow prints them."""
    if isinstance(value, torch.Tensor) or \
            isinstance(value, bytes) and hasattr(value, 'numpy'):
        return True
    return isinstance(value, np.ndarray) and value.dtype.kind in 'SUO'


class _Shown(object):
    """A tensor inside a Python structure, shown by its TensorFlow text
    (`tf.print({'a': t})` writes `{'a': 1}`)."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text


def _input_text(value, summarize_count):
    if is_tensor_value(value):
        return summarize(value, summarize_count)
    if isinstance(value, str):
        return value
    if isinstance(value, np.ndarray):
        return repr(value)
    if isinstance(value, (list, tuple, dict)):
        return str(_map_tensors(value, summarize_count))
    return str(value)


def _map_tensors(structure, count):
    if is_tensor_value(structure):
        return _Shown(summarize(structure, count))
    if isinstance(structure, dict):
        return {k: _map_tensors(v, count) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        items = [_map_tensors(v, count) for v in structure]
        return type(structure)(items) if type(structure) in (list, tuple) \
            else items
    return structure


def print_v2(*inputs, **kwargs):
    """`tf.print`: the inputs' texts (tensors in TensorFlow's form, at most
    `summarize` elements at each end of a dimension, -1 for all) joined by
    `sep`, ended by `end`, written to `output_stream` (standard error by
    default; `sys.stdout`, or a 'file://' path to append to)."""
    output_stream = kwargs.pop('output_stream', sys.stderr)
    count = kwargs.pop('summarize', 3)
    sep = kwargs.pop('sep', ' ')
    end = kwargs.pop('end', '\n')
    kwargs.pop('name', None)
    if kwargs:
        raise TypeError('print() got unexpected keyword arguments: %s'
                        % ', '.join(sorted(kwargs)))
    if probing():
        return None
    text = sep.join(_input_text(v, count) for v in inputs) + end
    if isinstance(output_stream, str) and \
            output_stream.startswith('file://'):
        with builtins.open(output_stream[len('file://'):], 'a') as handle:
            handle.write(text)
        return None
    stream = output_stream if hasattr(output_stream, 'write') \
        else sys.stderr
    stream.write(text)
    stream.flush()
    return None


def probing():
    """Whether a layer runs on stand-in values to find its output shape
    (a functional model being built), where TensorFlow only adds the
    print to the graph and writes nothing."""
    from .engine import symbolic
    return symbolic.probe_values() is not None


def print_v1_text(message, data, summarize_count=None):
    """TensorFlow 1's `tf.Print` line: the message, then each tensor's
    first `summarize` (3 by default) elements in brackets."""
    count = 3 if summarize_count is None else summarize_count
    return (message or '') + ''.join(
        '[%s]' % summarize(v, count, print_v2=False) for v in data)


def string_format(template, inputs, placeholder='{}', summarize_count=3):
    """`tf.strings.format`: the template with each placeholder replaced
    by the next input's tf.print text."""
    if not isinstance(inputs, (list, tuple)):
        inputs = [inputs]
    pieces = template.split(placeholder)
    if len(pieces) - 1 != len(inputs):
        raise ValueError(
            'num placeholders in template and num inputs must match: %d '
            'placeholders, %d inputs' % (len(pieces) - 1, len(inputs)))
    text = pieces[0]
    for value, piece in zip(inputs, pieces[1:]):
        text += _input_text(value, summarize_count) + piece
    return np.array(text.encode('utf-8'), dtype=object)
