"""`TFOpLambda` and `SlicingOpLambda`: the layers tf.keras 2.4+ inserts
in a functional model for a TensorFlow function applied to a symbolic
tensor (`x * 2`, `tf.nn.relu(x)`, `x[:, 0]`), named by the function's
TensorFlow name (`math.multiply`, `nn.relu`, `__operators__.getitem`).

The common functions are mapped to torch below, with TensorFlow's
argument names and defaults; a model using another one is refused with
an error naming it."""
import numpy as np
import torch
import torch.nn.functional as F

from .. import backend as K
from ..backend.indexing import forward_steps
from ..engine.base_layer import Layer


def _tensor_like(value, like):
    if isinstance(value, torch.Tensor):
        return value
    return torch.as_tensor(np.asarray(value), device=like.device,
                           dtype=like.dtype if not isinstance(
                               value, bool) else torch.bool)


def _pair(x, y):
    """Two operands of a binary function; a Python number takes the
    tensor's dtype, as TensorFlow converts it."""
    if isinstance(x, torch.Tensor):
        return x, _tensor_like(y, x)
    return _tensor_like(x, y), y


def _binary(fn):
    def op(x, y, name=None):
        return fn(*_pair(x, y))
    return op


def _unary(fn):
    def op(x, name=None):
        return fn(x)
    return op


def _axes(axis):
    if axis is None:
        return None
    return tuple(axis) if isinstance(axis, (list, tuple)) else (int(axis),)


def _reduction(fn):
    def op(input_tensor, axis=None, keepdims=False, name=None,
           reduction_indices=None, keep_dims=None):
        axis = reduction_indices if axis is None else axis
        keepdims = keepdims if keep_dims is None else keep_dims
        axes = _axes(axis)
        if axes is None:
            axes = tuple(range(input_tensor.dim()))
        return fn(input_tensor, axes, bool(keepdims))
    return op


def _reduce_max(x, axes, keepdims):
    return torch.amax(x, dim=axes, keepdim=keepdims)


def _reduce_min(x, axes, keepdims):
    return torch.amin(x, dim=axes, keepdim=keepdims)


def _reduce_prod(x, axes, keepdims):
    for axis in sorted((a % x.dim() for a in axes), reverse=True):
        x = torch.prod(x, dim=axis, keepdim=keepdims)
    return x


def _reduce_std(x, axes, keepdims):
    return torch.std(x, dim=axes, keepdim=keepdims, unbiased=False)


def _reduce_variance(x, axes, keepdims):
    return torch.var(x, dim=axes, keepdim=keepdims, unbiased=False)


def _concat(values, axis, name='concat'):
    return torch.cat(list(values), dim=int(axis))


def _stack(values, axis=0, name='stack'):
    return torch.stack(list(values), dim=int(axis))


def _reshape(tensor, shape, name=None):
    if isinstance(shape, torch.Tensor):
        shape = shape.tolist()
    return torch.reshape(tensor, [-1 if d is None else int(d)
                                  for d in shape])


def _shape(input, out_type=None, name=None):
    dtype = torch.int64 if str(out_type).endswith('int64') else torch.int32
    return torch.tensor(tuple(input.shape), dtype=dtype,
                        device=input.device)


def _reverse(tensor, axis, name=None):
    dims = [int(a) for a in (axis.tolist() if isinstance(
        axis, torch.Tensor) else axis)]
    return torch.flip(tensor, dims)


def _cumulative(fn):
    def op(x, axis=0, exclusive=False, reverse=False, name=None):
        axis = int(axis)
        if reverse:
            x = torch.flip(x, (axis,))
        out = fn(x, dim=axis)
        if exclusive:
            # Shift by one along the axis, starting from the identity.
            first = torch.zeros_like(out.narrow(axis, 0, 1)) \
                if fn is torch.cumsum else torch.ones_like(
                    out.narrow(axis, 0, 1))
            out = torch.cat([first, out.narrow(axis, 0, out.shape[axis] - 1)],
                            dim=axis)
        return torch.flip(out, (axis,)) if reverse else out
    return op


def _transpose(a, perm=None, conjugate=False, name='transpose'):
    if perm is None:
        perm = list(range(a.dim()))[::-1]
    return a.permute(*[int(p) for p in perm])


def _expand_dims(input, axis=None, name=None, dim=None):
    return torch.unsqueeze(input, int(dim if axis is None else axis))


def _squeeze(input, axis=None, name=None, squeeze_dims=None):
    axis = squeeze_dims if axis is None else axis
    if axis is None:
        return torch.squeeze(input)
    for a in sorted((a % input.dim() for a in _axes(axis)), reverse=True):
        input = torch.squeeze(input, a)
    return input


def _cast(x, dtype, name=None):
    return x.to(K.torch_dtype(dtype))


def _identity(input, name=None):
    return input


def _softmax(logits, axis=None, name=None, dim=None):
    axis = dim if axis is None else axis
    return torch.softmax(logits, dim=-1 if axis is None else int(axis))


def _log_softmax(logits, axis=None, name=None, dim=None):
    axis = dim if axis is None else axis
    return torch.log_softmax(logits, dim=-1 if axis is None else int(axis))


def _leaky_relu(features, alpha=0.2, name=None):
    return F.leaky_relu(features, float(alpha))


def _gelu(features, approximate=False, name=None):
    return F.gelu(features, approximate='tanh' if approximate else 'none')


def _silu(features, beta=1.0, name=None):
    return features * torch.sigmoid(beta * features)


def _relu6(features, name=None):
    return torch.clamp(features, 0., 6.)


def _clip_by_value(t, clip_value_min, clip_value_max, name=None):
    return torch.clamp(t, _tensor_like(clip_value_min, t),
                       _tensor_like(clip_value_max, t))


def _l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    axis = dim if axis is None else axis
    axes = _axes(axis) or tuple(range(x.dim()))
    square_sum = torch.sum(x * x, dim=axes, keepdim=True)
    return x * torch.rsqrt(torch.clamp(square_sum, min=epsilon))


def _matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False,
            adjoint_b=False, a_is_sparse=False, b_is_sparse=False,
            output_type=None, name=None):
    """tf.linalg.matmul; a constant operand (a nested list in the config,
    `tf.matmul(x, numpy_array)`) takes the other operand's dtype."""
    a, b = _pair(a, b)
    if transpose_a or adjoint_a:
        a = a.transpose(-1, -2)
    if transpose_b or adjoint_b:
        b = b.transpose(-1, -2)
    return torch.matmul(a, b)


def _tile(input, multiples, name=None):
    return input.repeat(*[int(m) for m in multiples])


def _pad(tensor, paddings, mode='CONSTANT', constant_values=0, name=None):
    flat = []
    for before, after in reversed([list(p) for p in paddings]):
        flat += [int(before), int(after)]
    mode = mode.upper()
    if mode == 'CONSTANT':
        return F.pad(tensor, flat, value=float(constant_values))
    raise NotImplementedError('tf.pad(mode=%r) is not supported.' % mode)


def _argmax(input, axis=None, output_type='int64', name=None,
            dimension=None):
    axis = dimension if axis is None else axis
    return torch.argmax(input, dim=0 if axis is None else int(axis)).to(
        K.torch_dtype(output_type))


def _argmin(input, axis=None, output_type='int64', name=None,
            dimension=None):
    axis = dimension if axis is None else axis
    return torch.argmin(input, dim=0 if axis is None else int(axis)).to(
        K.torch_dtype(output_type))


def _like(fn):
    def op(input, dtype=None, name=None, optimize=True):
        out = fn(input)
        return out if dtype is None else out.to(K.torch_dtype(dtype))
    return op


def _where(condition, x=None, y=None, name=None):
    if x is None and y is None:
        raise NotImplementedError('tf.where(condition) (the indices of the '
                                  'true elements) is not supported.')
    x, y = _pair(x, y)
    return torch.where(condition.bool(), x, y)


def _gather(params, indices, validate_indices=None, axis=None,
            batch_dims=0, name=None):
    if batch_dims:
        raise NotImplementedError('tf.gather(batch_dims=%r) is not '
                                  'supported.' % (batch_dims,))
    axis = 0 if axis is None else int(axis)
    indices = _tensor_like(indices, params).long() \
        if not isinstance(indices, torch.Tensor) else indices.long()
    return torch.index_select(params, axis, indices.reshape(-1)).reshape(
        params.shape[:axis % params.dim()] + indices.shape +
        params.shape[axis % params.dim() + 1:])


def _one_hot(indices, depth, on_value=None, off_value=None, axis=None,
             dtype=None, name=None):
    out = F.one_hot(indices.long(), int(depth)).to(
        K.torch_dtype(dtype or 'float32'))
    if on_value is not None or off_value is not None:
        on = 1. if on_value is None else on_value
        off = 0. if off_value is None else off_value
        out = out * (on - off) + off
    if axis not in (None, -1):
        out = torch.movedim(out, -1, int(axis))
    return out


def _getitem(tensor, slice_spec, var=None):
    """`tensor[slice_spec]` as TensorFlow slices, backward steps
    (`x[..., ::-1]`) included."""
    index = _index(slice_spec)
    tensor, index = forward_steps(tensor, index)
    return tensor[index]


def _index(spec):
    def one(item):
        if isinstance(item, dict):
            if item.get('class_name') == '__ellipsis__':
                return Ellipsis
            return slice(item.get('start'), item.get('stop'),
                         item.get('step'))
        if isinstance(item, list):
            return torch.as_tensor(item)
        return item
    if isinstance(spec, (list, tuple)):
        return tuple(one(item) for item in spec)
    return one(spec)


def _split(value, num_or_size_splits, axis=0, num=None, name='split'):
    """tf.split: `num_or_size_splits` equal parts (the axis must divide
    evenly) or parts of the sizes listed (one may be -1: the rest)."""
    axis = int(axis)
    size = value.shape[axis]
    if isinstance(num_or_size_splits, torch.Tensor):
        num_or_size_splits = num_or_size_splits.tolist()
    if isinstance(num_or_size_splits, (list, tuple)):
        sizes = [int(s) for s in num_or_size_splits]
        if -1 in sizes:
            sizes[sizes.index(-1)] = size - (sum(sizes) + 1)
    else:
        parts = int(num_or_size_splits)
        if size % parts:
            raise ValueError('tf.split: dimension %d of size %d does not '
                             'split into %d equal parts.'
                             % (axis, size, parts))
        sizes = [size // parts] * parts
    if sum(sizes) != size:
        raise ValueError('tf.split: sizes %s do not add up to the size %d '
                         'of dimension %d.' % (sizes, size, axis))
    return list(torch.split(value, sizes, dim=axis))


def _unstack(value, num=None, axis=0, name='unstack'):
    """tf.unstack: the slices of `value` along `axis`."""
    return list(torch.unbind(value, dim=int(axis)))


# TensorFlow function names (as tf.keras writes them) -> torch.
OPS = {
    '__operators__.add': _binary(torch.add),
    'math.add': _binary(torch.add),
    'math.add_n': lambda inputs, name=None: sum(inputs[1:], inputs[0]),
    'math.subtract': _binary(torch.sub),
    'math.multiply': _binary(torch.mul),
    'math.truediv': _binary(torch.div),
    'math.divide': _binary(torch.div),
    'math.divide_no_nan': _binary(
        lambda x, y: torch.where(y == 0, torch.zeros_like(x * y), x / y)),
    'math.floordiv': _binary(torch.floor_divide),
    # The // operator on a symbolic tensor: tf.compat.v1.floor_div.
    'floor_div': _binary(torch.floor_divide),
    'math.floormod': _binary(torch.remainder),
    'math.pow': _binary(torch.pow),
    'math.maximum': _binary(torch.maximum),
    'math.minimum': _binary(torch.minimum),
    'math.squared_difference': _binary(lambda x, y: (x - y) ** 2),
    'math.greater': _binary(torch.gt),
    'math.greater_equal': _binary(torch.ge),
    'math.less': _binary(torch.lt),
    'math.less_equal': _binary(torch.le),
    'math.equal': _binary(torch.eq),
    'math.not_equal': _binary(torch.ne),
    'math.logical_and': _binary(torch.logical_and),
    'math.logical_or': _binary(torch.logical_or),
    'math.logical_not': _unary(torch.logical_not),
    'math.negative': _unary(torch.neg),
    'math.abs': _unary(torch.abs),
    'math.exp': _unary(torch.exp),
    'math.log': _unary(torch.log),
    'math.log1p': _unary(torch.log1p),
    'math.sqrt': _unary(torch.sqrt),
    'math.rsqrt': _unary(torch.rsqrt),
    'math.square': _unary(torch.square),
    'math.reciprocal': _unary(torch.reciprocal),
    'math.sign': _unary(torch.sign),
    'math.round': _unary(torch.round),
    'math.floor': _unary(torch.floor),
    'math.ceil': _unary(torch.ceil),
    'math.sin': _unary(torch.sin),
    'math.cos': _unary(torch.cos),
    'math.tanh': _unary(torch.tanh),
    'math.sigmoid': _unary(torch.sigmoid),
    'math.erf': _unary(torch.erf),
    'math.softplus': _unary(F.softplus),
    'math.softsign': _unary(F.softsign),
    'math.reduce_sum': _reduction(
        lambda x, a, k: torch.sum(x, dim=a, keepdim=k)),
    'math.reduce_mean': _reduction(
        lambda x, a, k: torch.mean(x, dim=a, keepdim=k)),
    'math.reduce_max': _reduction(_reduce_max),
    'math.reduce_min': _reduction(_reduce_min),
    'math.reduce_prod': _reduction(_reduce_prod),
    'math.reduce_std': _reduction(_reduce_std),
    'math.reduce_variance': _reduction(_reduce_variance),
    'math.l2_normalize': _l2_normalize,
    'math.argmax': _argmax,
    'math.argmin': _argmin,
    'nn.relu': _unary(torch.relu),
    'nn.relu6': _relu6,
    'nn.elu': _unary(F.elu),
    'nn.selu': _unary(F.selu),
    'nn.leaky_relu': _leaky_relu,
    'nn.gelu': _gelu,
    'nn.silu': _silu,
    'nn.swish': _silu,
    'nn.softmax': _softmax,
    'nn.log_softmax': _log_softmax,
    'nn.l2_normalize': _l2_normalize,
    'concat': _concat,
    'stack': _stack,
    'reshape': _reshape,
    'shape': _shape,
    'reverse': _reverse,
    'math.cumsum': _cumulative(torch.cumsum),
    'math.cumprod': _cumulative(torch.cumprod),
    'stop_gradient': lambda input, name=None: input.detach(),
    'transpose': _transpose,
    'expand_dims': _expand_dims,
    'squeeze': _squeeze,
    'cast': _cast,
    'identity': _identity,
    'clip_by_value': _clip_by_value,
    'linalg.matmul': _matmul,
    'tile': _tile,
    'pad': _pad,
    'ones_like': _like(torch.ones_like),
    'zeros_like': _like(torch.zeros_like),
    'where': _where,
    'gather': _gather,
    'one_hot': _one_hot,
    '__operators__.getitem': _getitem,
    'split': _split,
    'unstack': _unstack,
}


def resolve(symbol):
    """The torch implementation of a TensorFlow function name as tf.keras
    writes it ('math.multiply', 'compat.v1.nn.relu', ...)."""
    name = str(symbol)
    if name.startswith('tf.'):
        name = name[3:]
    candidates = [name]
    if name.startswith('compat.v1.'):
        candidates.append(name[len('compat.v1.'):])
    for candidate in list(candidates):
        # tf.nn.sigmoid is also tf.math.sigmoid, tf.reduce_mean is
        # tf.math.reduce_mean, ...
        short = candidate.split('.', 1)[1] if candidate.startswith(
            ('math.', 'nn.')) else candidate
        candidates += [short, 'math.' + short, 'nn.' + short]
    for candidate in candidates:
        if candidate in OPS:
            return OPS[candidate]
    from .. import tensorflow_compat, tensorflow_op_layers
    for candidate in candidates:
        function = tensorflow_op_layers.function_named(candidate,
                                                       tensorflow_compat)
        if function is not None:
            return function
    raise NotImplementedError(
        'The TensorFlow function tf.%s (in a TFOpLambda layer) has no '
        'equivalent here; supported: %s. Rebuild that part of the model '
        'with Keras layers or a Lambda layer.'
        % (name, ', '.join('tf.' + k for k in sorted(OPS))))


def _placeholder(value, tensors):
    """A call argument with its {'__tensor__': i} references replaced by
    the i-th extra input."""
    if isinstance(value, dict) and set(value) == {'__tensor__'}:
        return tensors[value['__tensor__']]
    if isinstance(value, list):
        return [_placeholder(v, tensors) for v in value]
    if isinstance(value, dict):
        return {k: _placeholder(v, tensors) for k, v in value.items()}
    return value


class TFOpLambda(Layer):
    """A TensorFlow function applied to its input, as tf.keras records
    `tf.math.multiply(x, 2.)` in a functional model.

    Called as tf.keras calls it: `layer(x, y=2.)` runs `function(x, y=2.)`.
    In a loaded model, tensors among the arguments (`x + y`) are extra
    inputs: `op_inputs` gives the first argument and `op_kwargs` the
    keyword arguments, with {'__tensor__': i} standing for input i."""

    def __init__(self, function, **kwargs):
        self.function = function
        self._op = resolve(function)
        super(TFOpLambda, self).__init__(**kwargs)

    def call(self, inputs, op_inputs=None, op_kwargs=None, **kwargs):
        # As tf.keras's: no training or mask argument reaches the function.
        kwargs.pop('training', None)
        kwargs.pop('mask', None)
        if op_inputs is None and op_kwargs is None:
            kwargs.pop('name', None)
            return self._op(inputs, **kwargs)
        tensors = inputs if isinstance(inputs, (list, tuple)) else [inputs]
        first = _placeholder(op_inputs, tensors)
        arguments = dict(_placeholder(op_kwargs or {}, tensors))
        arguments.pop('name', None)
        arguments.update(kwargs)
        return self._op(first, **arguments)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        config = {'function': self.function}
        base_config = super(TFOpLambda, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


class SlicingOpLambda(TFOpLambda):
    """`x[...]` on a symbolic tensor, as tf.keras records it (the function
    `__operators__.getitem`; slices written as {'start', 'stop', 'step'})."""
