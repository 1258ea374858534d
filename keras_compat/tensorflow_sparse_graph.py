"""TensorFlow's segment reductions (`tf.math.segment_sum`, ...,
`tf.math.unsorted_segment_max`, ...) and sparse-dense products
(`tf.sparse.sparse_dense_matmul`, `tf.sparse.reduce_sum`) that graph
neural network layers (spektral, GCN layers) pool and aggregate with, on
torch tensors and symbolic Keras tensors, with TensorFlow's values for
empty segments and its handling of negative ids."""
import torch

from .backend import ops as _ops

_REDUCTIONS = {'sum': 'sum', 'prod': 'prod', 'max': 'amax', 'min': 'amin'}


def _op(fn, name):
    fn.__name__ = name
    return _ops._symbolic_aware(fn)


def _t(x):
    return x if isinstance(x, torch.Tensor) else _ops._t(x)


def _empty_value(reduction, dtype, sorted_ids):
    """What TensorFlow writes for a segment no id names: 0 for sums, means
    and the sorted max/min, 1 for products, the dtype's lowest (highest)
    finite value for the unsorted max (min)."""
    if reduction == 'prod':
        return 1
    if sorted_ids or reduction not in ('max', 'min'):
        return 0
    info = torch.finfo(dtype) if dtype.is_floating_point else \
        torch.iinfo(dtype)
    return info.min if reduction == 'max' else info.max


def _segment_reduce(data, segment_ids, num_segments, reduction,
                    sorted_ids):
    data, ids = _t(data), _t(segment_ids).long().to(_t(data).device)
    inner = tuple(data.shape[ids.dim():])
    flat_ids = ids.reshape(-1)
    values = data.reshape((-1,) + inner)
    if num_segments is None:
        num_segments = int(flat_ids.max()) + 1 if flat_ids.numel() else 0
    keep = flat_ids >= 0
    if not bool(keep.all()):
        flat_ids, values = flat_ids[keep], values[keep]
    shape = (int(num_segments),) + inner
    index = flat_ids.reshape((-1,) + (1,) * len(inner)).expand(
        values.shape) if values.numel() else flat_ids.reshape(
            (-1,) + (1,) * len(inner)).expand((0,) + inner)
    if reduction in ('mean', 'sqrt_n'):
        total = values.new_zeros(shape).index_add(0, flat_ids, values)
        count = values.new_zeros(int(num_segments)).index_add(
            0, flat_ids, values.new_ones(flat_ids.shape))
        count = count.reshape((-1,) + (1,) * len(inner))
        scale = count if reduction == 'mean' else torch.sqrt(count)
        return torch.where(count > 0, total / scale.clamp(min=1e-30),
                           torch.zeros_like(total))
    start = values.new_full(shape, _empty_value(reduction, values.dtype,
                                                sorted_ids))
    return start.scatter_reduce(0, index, values, _REDUCTIONS[reduction],
                                include_self=False)


def _sorted_segment(reduction):
    def fn(data, segment_ids):
        return _segment_reduce(data, segment_ids, None, reduction, True)
    op = _op(fn, 'segment_' + reduction)

    def segment(data, segment_ids, name=None):
        return op(data, segment_ids)
    segment.__name__ = 'segment_' + reduction
    segment.__doc__ = (
        '`tf.math.segment_%s`: the %s of the rows of `data` with the same '
        '(sorted) id, one row per id up to the largest; segments no id '
        'names are %s.' % (reduction, reduction,
                           '1' if reduction == 'prod' else '0'))
    return segment


def _unsorted_segment(reduction):
    def fn(data, segment_ids, num_segments):
        return _segment_reduce(data, segment_ids, num_segments, reduction,
                               False)
    op = _op(fn, 'unsorted_segment_' + reduction)

    def segment(data, segment_ids, num_segments, name=None):
        count = num_segments.item() if hasattr(num_segments, 'item') \
            else num_segments
        return op(data, segment_ids, int(count))
    segment.__name__ = 'unsorted_segment_' + reduction
    segment.__doc__ = (
        '`tf.math.unsorted_segment_%s`: the %s over `segment_ids` (any '
        'order, the leading axes of `data`) into `num_segments` rows; '
        'negative ids are dropped.' % (reduction, reduction))
    return segment


segment_sum, segment_mean, segment_max, segment_min, segment_prod = (
    _sorted_segment(r) for r in ('sum', 'mean', 'max', 'min', 'prod'))
(unsorted_segment_sum, unsorted_segment_mean, unsorted_segment_max,
 unsorted_segment_min, unsorted_segment_prod, unsorted_segment_sqrt_n) = (
    _unsorted_segment(r) for r in ('sum', 'mean', 'max', 'min', 'prod',
                                   'sqrt_n'))

SEGMENT_OPS = ('segment_sum', 'segment_mean', 'segment_max', 'segment_min',
               'segment_prod', 'unsorted_segment_sum',
               'unsorted_segment_mean', 'unsorted_segment_max',
               'unsorted_segment_min', 'unsorted_segment_prod',
               'unsorted_segment_sqrt_n')


# ------------------------------------------------------------------ sparse
def _is_sparse_tensor(value):
    if isinstance(value, torch.Tensor) or not hasattr(value, 'dense_shape'):
        return False
    from .tensorflow_compat import SparseTensor
    return isinstance(value, SparseTensor)


is_sparse_tensor = _is_sparse_tensor


def sparse_slices(sp_input):
    """The SparseTensors along the first axis of `sp_input` (the
    elements `tf.data.Dataset.from_tensor_slices` gives)."""
    first = sp_input.indices[:, 0]
    rows = []
    for row in range(int(sp_input.dense_shape[0])):
        keep = (first == row).nonzero().reshape(-1)
        rows.append(_rebuilt(sp_input, sp_input.indices[keep, 1:],
                             sp_input.values[keep.to(
                                 sp_input.values.device)],
                             sp_input.dense_shape[1:]))
    return rows


def dense_tensor(value):
    """A dense torch tensor of a `tf.SparseTensor`, a torch sparse tensor
    or a dense value."""
    if _is_sparse_tensor(value):
        shape = tuple(int(d) for d in value.dense_shape)
        dense = value.values.new_zeros(shape)
        if value.indices.numel():
            dense = dense.index_put(
                tuple(value.indices.to(dense.device).t()), value.values,
                accumulate=True)
        return dense
    value = _t(value)
    return value.to_dense() if value.is_sparse else value


def sparse_of_dense(value):
    """A tf.SparseTensor of a dense tensor's non-zero entries in row-major
    order (what an `Input(sparse=True)` is given for dense data)."""
    from .tensorflow_compat import SparseTensor
    dense = _t(value)
    indices = torch.nonzero(dense)
    return SparseTensor(indices.cpu(), dense[tuple(indices.t())],
                        tuple(dense.shape))


def _sparse_dense_matmul(sp_a, b, adjoint_a, adjoint_b):
    a, b = dense_tensor(sp_a), dense_tensor(b)
    if adjoint_a:
        a = a.transpose(-1, -2).conj()
    if adjoint_b:
        b = b.transpose(-1, -2).conj()
    return torch.matmul(a, b)


_sparse_dense_matmul_op = _op(_sparse_dense_matmul, 'sparse_dense_matmul')


def sparse_dense_matmul(sp_a, b, adjoint_a=False, adjoint_b=False,
                        name=None):
    """`tf.sparse.sparse_dense_matmul`: the product of a sparse (or dense)
    matrix and a dense (or sparse) one, as a dense tensor; repeated
    indices of a SparseTensor add up, as in TensorFlow."""
    return _sparse_dense_matmul_op(sp_a, b, bool(adjoint_a),
                                   bool(adjoint_b))


def _rebuilt(sp_input, indices, values, dense_shape):
    return type(sp_input)(indices, values, dense_shape)


def _linear_order(indices, dense_shape):
    strides = torch.ones(len(dense_shape), dtype=torch.int64)
    for axis in range(len(dense_shape) - 2, -1, -1):
        strides[axis] = strides[axis + 1] * int(dense_shape[axis + 1])
    return torch.argsort((indices.cpu() * strides).sum(1), stable=True)


def sparse_reorder(sp_input, name=None):
    """`tf.sparse.reorder`: the same SparseTensor with its entries in
    row-major order of their indices."""
    order = _linear_order(sp_input.indices, sp_input.dense_shape)
    return _rebuilt(sp_input, sp_input.indices[order],
                    sp_input.values[order.to(sp_input.values.device)],
                    sp_input.dense_shape)


def sparse_transpose(sp_input, perm=None, name=None):
    """`tf.sparse.transpose`: axes permuted by `perm` (reversed by
    default), entries reordered row-major."""
    rank = int(sp_input.dense_shape.numel())
    perm = list(range(rank - 1, -1, -1)) if perm is None else \
        [int(p) for p in (perm.tolist() if hasattr(perm, 'tolist')
                          else perm)]
    moved = _rebuilt(sp_input, sp_input.indices[:, perm], sp_input.values,
                     sp_input.dense_shape[perm])
    return sparse_reorder(moved)


def sparse_reduce_sum(sp_input, axis=None, keepdims=None,
                      output_is_sparse=False,
                      name=None, reduction_axes=None, keep_dims=None):
    """`tf.sparse.reduce_sum`: the dense sum of a SparseTensor over
    `axis` (all axes by default); a SparseTensor of the sums some entry
    reached with `output_is_sparse=True`."""
    axis = reduction_axes if axis is None else axis
    keep = bool(keepdims if keepdims is not None else keep_dims)
    if output_is_sparse:
        from .tensorflow_sparse_ops import sparse_reduce_sum_sparse
        return sparse_reduce_sum_sparse(sp_input, axis, keep)
    dense = dense_tensor(sp_input)
    if axis is None:
        return dense.sum().reshape((1,) * dense.dim() if keep else ())
    axis = tuple(axis) if isinstance(axis, (list, tuple)) else (int(axis),)
    return dense.sum(dim=axis, keepdim=keep)


def _row_ids(indices, dense_shape):
    """One id per entry naming its row (all index columns but the last)."""
    ids = torch.zeros(indices.shape[0], dtype=torch.int64,
                      device=indices.device)
    for axis in range(indices.shape[1] - 1):
        ids = ids * int(dense_shape[axis]) + indices[:, axis]
    return ids


def sparse_softmax(sp_input, name=None):
    """`tf.sparse.softmax`: the softmax of each row's stored entries (the
    innermost axis); absent entries take no part and stay absent."""
    values = sp_input.values
    ids = _row_ids(sp_input.indices, sp_input.dense_shape).to(values.device)
    rows = int(ids.max()) + 1 if ids.numel() else 0
    peak = values.new_full((rows,), float('-inf')).scatter_reduce(
        0, ids, values.detach(), 'amax', include_self=True)
    exp = torch.exp(values - peak[ids])
    total = values.new_zeros(rows).index_add(0, ids, exp)
    return _rebuilt(sp_input, sp_input.indices, exp / total[ids],
                    sp_input.dense_shape)


def sparse_eye(num_rows, num_columns=None, dtype='float32', name=None):
    """`tf.sparse.eye`: a SparseTensor with ones on the main diagonal."""
    from .tensorflow_compat import SparseTensor, as_dtype
    rows = int(num_rows)
    columns = rows if num_columns is None else int(num_columns)
    diagonal = torch.arange(min(rows, columns), dtype=torch.int64)
    values = torch.ones(diagonal.shape[0],
                        dtype=as_dtype(dtype)._torch_dtype)
    return SparseTensor(torch.stack([diagonal, diagonal], 1), values,
                        (rows, columns))


def gen_sparse_reorder(input_indices, input_values, input_shape, name=None):
    """`gen_sparse_ops.sparse_reorder`: (indices, values) of a sparse
    tensor's parts in row-major order."""
    indices = _t(input_indices).long()
    order = _linear_order(indices, _t(input_shape).long())
    return indices[order], _t(input_values)[order.to(
        _t(input_values).device)]


class CSRSparseMatrix(object):
    """`tf.linalg.sparse.CSRSparseMatrix` as sparse products use it: made
    from a SparseTensor or dense tensor, multiplied with `matmul` and
    turned back with `to_sparse_tensor` (its values are held densely)."""

    def __init__(self, value, indices=None, name=None):
        if indices is not None:
            raise NotImplementedError(
                'CSRSparseMatrix(indices=...) is not supported; build it '
                'from a tf.SparseTensor or a dense tensor.')
        self.dense = dense_tensor(value)

    @property
    def shape(self):
        return self.dense.shape

    def to_dense(self):
        return self.dense

    def to_sparse_tensor(self):
        from .tensorflow_compat import SparseTensor
        indices = torch.nonzero(self.dense)
        return SparseTensor(indices, self.dense[tuple(indices.t())],
                            tuple(self.dense.shape))


def csr_matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False,
               adjoint_b=False, name=None):
    """`tf.linalg.sparse.matmul`: the product of CSR matrices or dense
    tensors in any mix; a CSRSparseMatrix result when both are CSR."""
    both_csr = isinstance(a, CSRSparseMatrix) and \
        isinstance(b, CSRSparseMatrix)
    left = a.dense if isinstance(a, CSRSparseMatrix) else a
    right = b.dense if isinstance(b, CSRSparseMatrix) else b
    product = _sparse_dense_matmul_op(
        _transposed(left, transpose_a, adjoint_a),
        _transposed(right, transpose_b, adjoint_b), False, False)
    return CSRSparseMatrix(product) if both_csr else product


def _transposed(value, transpose, adjoint):
    if not (transpose or adjoint):
        return value
    value = _t(value).transpose(-1, -2)
    return value.conj() if adjoint else value
