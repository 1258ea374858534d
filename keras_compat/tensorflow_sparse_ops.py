"""The `tf.sparse` functions graph neural network code builds adjacency
matrices with (`add`, `retain`, `reshape`, `expand_dims`, `concat`,
`slice`, `split`, `map_values`, `maximum`, `minimum`, `fill_empty_rows`,
`reduce_max`, the sparse segment reductions) and
`tf.nn.embedding_lookup_sparse`, on the `tf.SparseTensor` stand-in: the
entries TensorFlow keeps, in its order (row-major where it reorders), with
values that carry gradients."""
import builtins

import torch

from .backend import ops as _ops
from . import tensorflow_sparse_graph as _graph


def _t(x):
    return x if isinstance(x, torch.Tensor) else _ops._t(x)


def _sparse(indices, values, dense_shape):
    from .tensorflow_compat import SparseTensor
    return SparseTensor(indices, values, dense_shape)


def _shape_list(value):
    """A list of Python ints of a shape given as a list, tuple or tensor."""
    if hasattr(value, 'tolist'):
        value = value.tolist()
    return [int(d) for d in value]


def _strides(shape):
    strides = [1] * len(shape)
    for axis in range(len(shape) - 2, -1, -1):
        strides[axis] = strides[axis + 1] * int(shape[axis + 1])
    return torch.tensor(strides, dtype=torch.int64)


def _linear(indices, shape):
    """Each entry's position in the row-major order of `shape`."""
    if indices.shape[0] == 0:
        return torch.zeros((0,), dtype=torch.int64)
    return (indices.cpu().long() * _strides(shape)).sum(1)


def _unravel(linear, shape):
    columns = []
    for stride, size in builtins.zip(_strides(shape).tolist(), shape):
        columns.append((linear // stride) % int(size))
    return torch.stack(columns, 1) if columns else \
        torch.zeros((linear.shape[0], 0), dtype=torch.int64)


def _values_on(values, index):
    return values[index.to(values.device)]


def _merged(a, b, combine):
    """The union of two SparseTensors' entries (row-major), each value
    `combine` of the two (0 where one has no entry), as TensorFlow's
    sparse-sparse element-wise kernels give them."""
    shape = _shape_list(a.dense_shape)
    keys = torch.cat([_linear(a.indices, shape), _linear(b.indices, shape)])
    unique, inverse = torch.unique(keys, sorted=True, return_inverse=True)
    device = a.values.device
    na = a.indices.shape[0]
    sides = []
    for part, positions in ((a.values, inverse[:na]),
                            (b.values, inverse[na:])):
        full = part.new_zeros((unique.shape[0],), dtype=torch.promote_types(
            a.values.dtype, b.values.dtype))
        sides.append(full.index_add(0, positions.to(device),
                                    part.to(full.dtype).to(device)))
    return _unravel(unique, shape), combine(*sides)


def sparse_add(a, b, threshold=0, thresh=None, name=None):
    """`tf.sparse.add`: two SparseTensors give a SparseTensor of the union
    of their entries, less sums smaller in magnitude than `threshold`; a
    dense operand gives a dense sum."""
    threshold = thresh if thresh is not None else threshold
    if not (_graph.is_sparse_tensor(a) and _graph.is_sparse_tensor(b)):
        return _graph.dense_tensor(a) + _graph.dense_tensor(b)
    indices, values = _merged(a, b, lambda x, y: x + y)
    if threshold:
        keep = (values.abs() >= threshold).nonzero().reshape(-1)
        indices, values = indices[keep.cpu()], values[keep]
    return _sparse(indices, values, a.dense_shape)


def sparse_maximum(sp_a, sp_b, name=None):
    """`tf.sparse.maximum`: the element-wise maximum over the union of the
    entries (a missing entry counts as 0)."""
    indices, values = _merged(sp_a, sp_b, torch.maximum)
    return _sparse(indices, values, sp_a.dense_shape)


def sparse_minimum(sp_a, sp_b, name=None):
    """`tf.sparse.minimum`: the element-wise minimum over the union of the
    entries (a missing entry counts as 0)."""
    indices, values = _merged(sp_a, sp_b, torch.minimum)
    return _sparse(indices, values, sp_a.dense_shape)


def sparse_retain(sp_input, to_retain):
    """`tf.sparse.retain`: the entries where the boolean `to_retain` is
    true, in their order."""
    keep = _t(to_retain).bool().reshape(-1).nonzero().reshape(-1)
    return _sparse(sp_input.indices[keep.cpu()],
                   _values_on(sp_input.values, keep), sp_input.dense_shape)


def sparse_reshape(sp_input, shape, name=None):
    """`tf.sparse.reshape`: the same entries, in their order, at their
    row-major positions in `shape` (one -1 is inferred)."""
    old = _shape_list(sp_input.dense_shape)
    new = _shape_list(shape)
    total = 1
    for d in old:
        total *= d
    if new.count(-1) > 1:
        raise ValueError('At most one dimension can be unknown, but got '
                         'shape %s.' % (new,))
    if -1 in new:
        known = 1
        for d in new:
            known *= d if d != -1 else 1
        new[new.index(-1)] = total // known if known else 0
    size = 1
    for d in new:
        size *= d
    if size != total:
        raise ValueError('Cannot reshape a tensor with %d elements to shape '
                         '%s (%d elements).' % (total, new, size))
    indices = _unravel(_linear(sp_input.indices, old), new)
    return _sparse(indices, sp_input.values, new)


def sparse_expand_dims(sp_input, axis=None, name=None):
    """`tf.sparse.expand_dims`: a size-1 axis inserted at `axis`."""
    shape = _shape_list(sp_input.dense_shape)
    axis = int(axis)
    axis = axis + len(shape) + 1 if axis < 0 else axis
    column = torch.zeros((sp_input.indices.shape[0], 1), dtype=torch.int64)
    indices = torch.cat([sp_input.indices[:, :axis], column,
                         sp_input.indices[:, axis:]], 1)
    return _sparse(indices, sp_input.values,
                   shape[:axis] + [1] + shape[axis:])


def sparse_concat(axis, sp_inputs, expand_nonconcat_dims=False, name=None,
                  concat_dim=None):
    """`tf.sparse.concat`: the SparseTensors joined along `axis`, entries
    in row-major order; `expand_nonconcat_dims` takes the largest size of
    the other axes."""
    axis = int(concat_dim if concat_dim is not None else axis)
    shapes = [_shape_list(s.dense_shape) for s in sp_inputs]
    rank = len(shapes[0])
    axis = axis + rank if axis < 0 else axis
    out = list(shapes[0])
    for shape in shapes[1:]:
        for d in range(rank):
            if d != axis and shape[d] != out[d] and \
                    not expand_nonconcat_dims:
                raise ValueError(
                    'Input shapes must match: got %s and %s for '
                    'non-concat dimension %d.' % (shapes[0], shape, d))
            out[d] = builtins.max(out[d], shape[d]) if d != axis else out[d]
    out[axis] = builtins.sum(s[axis] for s in shapes)
    parts, offset = [], 0
    for sp, shape in builtins.zip(sp_inputs, shapes):
        indices = sp.indices.clone()
        indices[:, axis] += offset
        offset += shape[axis]
        parts.append(indices)
    device = sp_inputs[0].values.device
    joined = _sparse(torch.cat(parts), torch.cat(
        [s.values.to(device) for s in sp_inputs]), out)
    return _graph.sparse_reorder(joined)


def sparse_slice(sp_input, start, size, name=None):
    """`tf.sparse.slice`: the entries inside the box at `start` of `size`
    (clipped to the dense shape), shifted to it."""
    shape = _shape_list(sp_input.dense_shape)
    start, size = _shape_list(start), _shape_list(size)
    end = [builtins.min(b + s, d) for b, s, d in
           builtins.zip(start, size, shape)]
    begin = torch.tensor(start, dtype=torch.int64)
    inside = ((sp_input.indices >= begin) &
              (sp_input.indices < torch.tensor(end, dtype=torch.int64)))
    keep = inside.all(1).nonzero().reshape(-1)
    return _sparse(sp_input.indices[keep] - begin,
                   _values_on(sp_input.values, keep),
                   [builtins.max(e - b, 0) for b, e in
                    builtins.zip(start, end)])


def sparse_split(sp_input=None, num_split=None, axis=None, name=None,
                 keyword_required=None):
    """`tf.sparse.split`: `num_split` SparseTensors along `axis`; the
    first `size % num_split` ones are one longer."""
    shape = _shape_list(sp_input.dense_shape)
    axis = int(axis) + (len(shape) if int(axis) < 0 else 0)
    num_split = int(num_split)
    base, extra = divmod(shape[axis], num_split)
    pieces, begin = [], 0
    for i in range(num_split):
        length = base + (1 if i < extra else 0)
        start = [0] * len(shape)
        start[axis] = begin
        size = list(shape)
        size[axis] = length
        pieces.append(sparse_slice(sp_input, start, size))
        begin += length
    return pieces


def sparse_map_values(op, *args, **kwargs):
    """`tf.sparse.map_values`: `op` of the values of the SparseTensor
    arguments (which must share their indices); the result has their
    indices."""
    first = [a for a in list(args) + list(kwargs.values())
             if _graph.is_sparse_tensor(a)]
    if not first:
        raise ValueError('No SparseTensor in argument list of map_values')

    def values(a):
        return a.values if _graph.is_sparse_tensor(a) else a
    result = op(*[values(a) for a in args],
                **{k: values(v) for k, v in kwargs.items()})
    return _sparse(first[0].indices, result, first[0].dense_shape)


def sparse_fill_empty_rows(sp_input, default_value, name=None):
    """`tf.sparse.fill_empty_rows`: an entry of `default_value` at column
    0 of each row with none, entries reordered; and which rows were
    empty."""
    rows = int(sp_input.dense_shape[0])
    used = torch.zeros(rows, dtype=torch.bool)
    used[sp_input.indices[:, 0]] = True
    empty = (~used).nonzero().reshape(-1)
    added = torch.zeros((empty.shape[0], sp_input.indices.shape[1]),
                        dtype=torch.int64)
    added[:, 0] = empty
    values = sp_input.values
    fill = torch.full((empty.shape[0],), default_value, dtype=values.dtype,
                      device=values.device)
    filled = _sparse(torch.cat([sp_input.indices, added]),
                     torch.cat([values, fill]), sp_input.dense_shape)
    return _graph.sparse_reorder(filled), ~used


def sparse_reduce_max(sp_input, axis=None, keepdims=None,
                      output_is_sparse=False, name=None,
                      reduction_axes=None, keep_dims=None):
    """`tf.sparse.reduce_max`: the maximum of the stored values over
    `axis` (missing entries take no part; a slice with none gives 0)."""
    axis = reduction_axes if axis is None else axis
    keep = bool(keepdims if keepdims is not None else keep_dims)
    out = _reduce_stored(sp_input, axis, keep, 'amax')
    return sparse_from_reduced(out, sp_input, axis, keep) \
        if output_is_sparse else out[0]


def _reduced_axes(axis, rank):
    if axis is None:
        return list(range(rank))
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    return sorted(int(a) + (rank if int(a) < 0 else 0) for a in axes)


def _reduce_stored(sp_input, axis, keep, reduction):
    """(dense result, dense count of stored entries) of a reduction of
    the stored values over `axis`."""
    shape = _shape_list(sp_input.dense_shape)
    axes = _reduced_axes(axis, len(shape))
    kept = [d for d in range(len(shape)) if d not in axes]
    out_shape = [shape[d] for d in kept]
    values = sp_input.values
    ids = _linear(sp_input.indices[:, kept], out_shape).to(values.device)
    size = 1
    for d in out_shape:
        size *= d
    result = values.new_zeros((size,)).scatter_reduce(
        0, ids, values, reduction, include_self=False)
    count = values.new_zeros((size,)).index_add(
        0, ids, values.new_ones(ids.shape))
    final = [1 if d in axes else shape[d] for d in range(len(shape))] \
        if keep else out_shape
    return result.reshape(final), count.reshape(final)


def sparse_from_reduced(out, sp_input, axis, keep):
    """The SparseTensor of a reduction's result at the positions some
    stored entry reached (`output_is_sparse=True`)."""
    result, count = out
    indices = (count > 0).nonzero()
    return _sparse(indices.cpu(), result[tuple(indices.t())],
                   list(result.shape))


def sparse_reduce_sum_sparse(sp_input, axis, keep):
    """`tf.sparse.reduce_sum(..., output_is_sparse=True)`."""
    out = _reduce_stored(sp_input, axis, keep, 'sum')
    return sparse_from_reduced(out, sp_input, axis, keep)


def _sparse_segment(reduction):
    def fn(data, indices, segment_ids, num_segments):
        rows = _t(data)[_t(indices).long().to(_t(data).device)]
        return _graph._segment_reduce(rows, segment_ids, num_segments,
                                      reduction, True)
    op = _graph._op(fn, 'sparse_segment_' + reduction)

    def segment(data, indices, segment_ids, num_segments=None, name=None,
                sparse_gradient=False):
        count = num_segments.item() if hasattr(num_segments, 'item') \
            else num_segments
        return op(data, indices, segment_ids,
                  None if count is None else int(count))
    segment.__name__ = 'segment_' + reduction
    segment.__doc__ = (
        '`tf.sparse.segment_%s`: the %s of the rows `indices` of `data` '
        'with the same (sorted) segment id; segments no id names are 0.'
        % (reduction, reduction))
    return segment


segment_sum, segment_mean, segment_sqrt_n = (
    _sparse_segment(r) for r in ('sum', 'mean', 'sqrt_n'))


def embedding_lookup_sparse(params, sp_ids, sp_weights, partition_strategy=
                            None, name=None, combiner=None, max_norm=None,
                            allow_fast_lookup=False):
    """`tf.nn.embedding_lookup_sparse`: per row of `sp_ids`, the `combiner`
    ('sum', 'mean' or 'sqrtn', weighted by `sp_weights`' values) of the
    embedding rows its ids name."""
    if max_norm is not None:
        raise NotImplementedError(
            'embedding_lookup_sparse(max_norm=...) is not supported; clip '
            'the embedding rows with tf.clip_by_norm first.')
    combiner = combiner or 'mean'
    if combiner not in ('sum', 'mean', 'sqrtn'):
        raise ValueError('combiner must be one of "mean", "sqrtn" or '
                         '"sum", got %r' % (combiner,))
    table = _t(params[0] if isinstance(params, (list, tuple)) else params)
    ids = sp_ids.values.long().to(table.device)
    rows = table[ids]
    segments = sp_ids.indices[:, 0].to(table.device)
    weights = rows.new_ones(ids.shape) if sp_weights is None else \
        _t(sp_weights.values).to(rows.dtype).to(table.device)
    total_rows = int(segments.max()) + 1 if segments.numel() else 0
    summed = rows.new_zeros((total_rows,) + tuple(rows.shape[1:]))
    summed = summed.index_add(0, segments, rows * weights.reshape(
        (-1,) + (1,) * (rows.dim() - 1)))
    if combiner == 'sum':
        return summed
    scale = weights if combiner == 'mean' else weights * weights
    norm = rows.new_zeros((total_rows,)).index_add(0, segments, scale)
    norm = norm if combiner == 'mean' else torch.sqrt(norm)
    return summed / norm.reshape((-1,) + (1,) * (rows.dim() - 1))


def sparse_cwise(sp, other, combine):
    """A SparseTensor times (divided by) a dense tensor or number: the
    dense operand broadcast to the dense shape and read at the entries
    (`SparseTensor.__mul__`, `__truediv__`)."""
    values = sp.values
    dense = torch.as_tensor(_t(other), device=values.device)
    if dense.dim() == 0:
        return _sparse(sp.indices, combine(values, dense.to(values.dtype)),
                       sp.dense_shape)
    shape = _shape_list(sp.dense_shape)
    full = dense.to(values.dtype).expand(shape)
    picked = full[tuple(sp.indices.to(values.device).t())]
    return _sparse(sp.indices, combine(values, picked), sp.dense_shape)
