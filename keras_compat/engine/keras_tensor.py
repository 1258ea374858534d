"""Symbolic tensors and graph nodes.

`Input()` and layers called on symbolic tensors return `KerasTensor`s: a
static shape (None for unknown dimensions), a dtype and the history that
links it to the layer call (`Node`) that made it. Nothing is computed;
models replay the recorded nodes on real torch tensors."""
import numpy as np
import torch

from ..backend import common
from ..backend.graph_names import default_graph as _default_graph
from ..backend.tensor_shape import Dimension, TensorShape  # noqa: F401


def _tensor_get_shape(self):
    """`x.get_shape()` on a tensor inside a layer's call, as on a
    TensorFlow tensor: its shape as a `TensorShape`."""
    return TensorShape(int(d) for d in self.shape)


if not hasattr(torch.Tensor, 'get_shape'):
    torch.Tensor.get_shape = _tensor_get_shape


class DTypeName(str):
    """A symbolic tensor's dtype: its name, as Keras 2's `K.dtype` gives
    it, that also answers TensorFlow's DType attributes (`x.dtype.name`,
    `is_floating`, `as_numpy_dtype`, ...) as tf.keras's symbolic tensors
    do; it compares equal to `tf.float32` and to 'float32' alike."""

    __slots__ = ()

    @property
    def name(self):
        return str(self)

    def __getattr__(self, attribute):
        if attribute.startswith('__'):
            raise AttributeError(attribute)
        from .. import tensorflow_compat
        return getattr(tensorflow_compat.as_dtype(str(self)), attribute)

    def __reduce__(self):
        return (DTypeName, (str(self),))


# The operators graph tensors record, as functions of named operands
# (the argument names tf.keras configs give them).
def _add(x, y):
    return x + y


def _sub(x, y):
    return x - y


def _mul(x, y):
    return x * y


def _truediv(x, y):
    return x / y


def _pow(x, y):
    return x ** y


def _floordiv(x, y):
    return x // y


def _mod(x, y):
    return x % y


def _and(x, y):
    return x & y


def _or(x, y):
    return x | y


def _xor(x, y):
    return x ^ y


def _lt(x, y):
    return x < y


def _le(x, y):
    return x <= y


def _gt(x, y):
    return x > y


def _ge(x, y):
    return x >= y


def _matmul(a, b):
    return a @ b


def _invert(x):
    return ~x


def _neg(x):
    return -x


def _abs(x):
    return abs(x)



class KerasTensor(object):
    """A symbolic tensor: shape, dtype and the node that produced it.

    `_keras_history` is `(layer, node_index, tensor_index)`: the layer
    whose call made this tensor, the index of that call among the layer's
    inbound nodes, and the position of this tensor among the call's
    outputs."""

    _is_keras_symbolic = True
    __array_priority__ = 1000

    def __init__(self, shape, dtype='float32', name=None, sparse=False,
                 keras_history=None):
        self._keras_shape = tuple(None if d is None else int(d)
                                  for d in shape)
        self.dtype = DTypeName(dtype) if isinstance(dtype, str) else dtype
        self.name = name
        self.sparse = sparse
        if sparse:
            # (a tf.SparseTensor: layers' calls are probed with one)
            self._keras_sparse_value = True
        self._keras_history = keras_history
        self._uses_learning_phase = False
        self._keras_mask = None

    @property
    def shape(self):
        return TensorShape(self._keras_shape)

    def get_shape(self):
        return TensorShape(self._keras_shape)

    @property
    def ndim(self):
        return len(self._keras_shape)

    def set_shape(self, shape):
        """TensorFlow's `set_shape`: fills in unknown dimensions from
        `shape`; a known dimension that disagrees is a ValueError."""
        self._keras_shape = merged_shape(self._keras_shape, shape)

    @property
    def op(self):
        """The TensorFlow op that makes this tensor: its `name`
        ('dense_1/Softmax'), `type` ('Softmax'), `inputs` and `outputs`."""
        from ..backend import graph_names
        return graph_names.operation(self)

    # (TensorFlow 1's private name of the same, which code of its era
    # read: `tensor._op.inputs[0]`.)
    _op = op

    @property
    def value_index(self):
        """This tensor's position among its op's outputs."""
        name = self.name or ''
        index = name.rsplit(':', 1)[-1] if ':' in name else '0'
        return int(index) if index.isdigit() else 0

    graph = property(lambda self: _default_graph())

    def eval(self, feed_dict=None, session=None):
        """TF1's `tensor.eval(feed_dict)`: the value of this tensor in one
        run with `feed_dict` fed (placeholders, K.learning_phase())."""
        from ..tensorflow_graph_run import run
        return run(self, feed_dict)

    # No `__len__`: as on the TensorFlow 1 tensors of Keras 2.0-2.2,
    # `hasattr(x, '__len__')` tells a list of tensors from one tensor
    # (keras-rl checks `hasattr(model.output, '__len__') and
    # len(model.output) > 1`), and `len(x)` is a TypeError.

    def __iter__(self):
        raise TypeError('A symbolic Keras tensor is not iterable.')

    def __bool__(self):
        raise TypeError('A symbolic Keras tensor has no truth value; it '
                        'holds no data until the model runs.')

    def __repr__(self):
        if not common.is_tf_keras() and self.name:
            # Keras 2's TensorFlow 1 tensors.
            return '<tf.Tensor %r shape=%s dtype=%s>' % (
                self.name, _tf1_shape(self._keras_shape), self.dtype)
        layer = self._keras_history[0].name if self._keras_history else None
        return ('<KerasTensor: shape=%s dtype=%s%s>'
                % (self._keras_shape, self.dtype,
                   (" (created by layer '%s')" % layer) if layer else ''))

    def __str__(self):
        if not common.is_tf_keras() and self.name:
            return 'Tensor("%s", shape=%s, dtype=%s)' % (
                self.name, _tf1_shape(self._keras_shape), self.dtype)
        return self.__repr__()

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other

    def ref(self):
        """TensorFlow's `tensor.ref()`: a hashable reference to this
        tensor, equal only to references to it; `deref()` gives the
        tensor back."""
        return TensorReference(self)

    experimental_ref = ref

    # Arithmetic on symbolic tensors records an operation node so that
    # `Model(inputs, x * 2)` and K.function over such expressions work.
    def _record_op(self, fn, *others, name=None, symbol=None):
        from . import symbolic
        others = tuple(self._operand(o) for o in others)
        return symbolic.apply_op(fn, (self,) + others, name=name,
                                 symbol=symbol)

    def _record_reflected(self, fn, other, name=None, symbol=None):
        """`other <op> self`: `fn(other, self)`."""
        from . import symbolic
        return symbolic.apply_op(fn, (self._operand(other), self), name=name,
                                 symbol=symbol)

    def _operand(self, other):
        """A list, tuple or numpy array operand as a constant tensor of
        this tensor's dtype, as TensorFlow converts it (`x /= [0.229,
        0.224, 0.225]` in preprocessing functions)."""
        if isinstance(other, (list, tuple, np.ndarray)) and \
                not any(getattr(v, '_is_keras_symbolic', False)
                        for v in np.ravel(np.asarray(other, dtype=object))):
            from ..backend.ops import torch_dtype
            from ..backend.device import get_device
            return torch.as_tensor(np.asarray(other),
                                   dtype=torch_dtype(self.dtype),
                                   device=get_device())
        return other

    # (Module functions, which pickle, rather than lambdas: a model
    # holding these nodes can be pickled and copied.)
    # Each operator records the TensorFlow function tf.keras records for
    # it (`x + y`: tf.__operators__.add), with the operands in that
    # function's order: a reflected operator (`2 * x`) takes the other
    # operand first.
    def _binary(symbol, name, fn):
        def operator(self, other):
            return self._record_op(fn, other, name=name, symbol=symbol)

        def reflected(self, other):
            return self._record_reflected(fn, other, name=name,
                                          symbol=symbol)
        return operator, reflected

    __add__, __radd__ = _binary('__operators__.add', 'add',
                                _add)
    __sub__, __rsub__ = _binary('math.subtract', 'subtract',
                                _sub)
    __mul__, __rmul__ = _binary('math.multiply', 'multiply',
                                _mul)
    __truediv__, __rtruediv__ = _binary('math.truediv', 'truediv',
                                        _truediv)
    __pow__, __rpow__ = _binary('math.pow', 'pow', _pow)
    __floordiv__, __rfloordiv__ = _binary('compat.v1.floor_div', 'floordiv',
                                          _floordiv)
    __mod__, __rmod__ = _binary('math.floormod', 'mod', _mod)
    __and__, __rand__ = _binary('math.logical_and', 'logical_and',
                                _and)
    __or__, __ror__ = _binary('math.logical_or', 'logical_or',
                              _or)
    __xor__, __rxor__ = _binary('math.logical_xor', 'logical_xor',
                                _xor)
    __matmul__, __rmatmul__ = _binary('linalg.matmul', 'matmul',
                                      _matmul)
    # Comparisons give boolean tensors, as TensorFlow's do; `==` stays
    # identity (TensorFlow 1 tensors hash and compare by identity).
    __lt__ = _binary('math.less', 'less', _lt)[0]
    __le__ = _binary('math.less_equal', 'less_equal', _le)[0]
    __gt__ = _binary('math.greater', 'greater', _gt)[0]
    __ge__ = _binary('math.greater_equal', 'greater_equal',
                     _ge)[0]
    del _binary

    def __invert__(self):
        return self._record_op(_invert, name='logical_not',
                               symbol='math.logical_not')

    def __neg__(self):
        return self._record_op(_neg, name='negative',
                               symbol='math.negative')

    def __abs__(self):
        return self._record_op(_abs, name='abs',
                               symbol='math.abs')

    def __getitem__(self, key):
        from . import symbolic
        return symbolic.apply_op(_getitem, (self,), {'slice_spec': key},
                                 name='strided_slice',
                                 symbol='__operators__.getitem')


def _tf1_shape(shape):
    """A shape as TensorFlow 1 printed it: '(?, 3)'."""
    dims = ['?' if d is None else str(d) for d in shape]
    return '(%s)' % (dims[0] + ',' if len(dims) == 1 else ', '.join(dims))


def _getitem(tensor, slice_spec):
    from ..backend.indexing import getitem
    return getitem(tensor, slice_spec)


class TensorReference(object):
    """What `tensor.ref()` returns (TensorFlow's `Reference`)."""

    def __init__(self, tensor):
        self._tensor = tensor

    def deref(self):
        return self._tensor

    def __hash__(self):
        return id(self._tensor)

    def __eq__(self, other):
        return isinstance(other, TensorReference) and \
            other._tensor is self._tensor

    def __repr__(self):
        return '<Reference wrapping %r>' % (self._tensor,)


class Node(object):
    """One call of a layer on symbolic inputs: links the inbound tensors
    (and the layers/nodes that made them) to the output tensors."""

    def __init__(self, outbound_layer, inbound_layers, node_indices,
                 tensor_indices, input_tensors, output_tensors,
                 input_masks=None, output_masks=None, input_shapes=None,
                 output_shapes=None, arguments=None):
        # Keras 2's argument order: code that builds its own nodes passes
        # the masks too; a mask given here wins over the tensor's own.
        self._given_masks = (input_masks, output_masks)
        self.outbound_layer = outbound_layer
        self.inbound_layers = inbound_layers
        self.node_indices = node_indices
        self.tensor_indices = tensor_indices
        self.input_tensors = input_tensors
        self.output_tensors = output_tensors
        self.input_shapes = input_shapes
        self.output_shapes = output_shapes
        self.arguments = arguments or {}
        for layer in inbound_layers:
            if layer is not None:
                layer._outbound_nodes.append(self)
        outbound_layer._inbound_nodes.append(self)

    @property
    def input_masks(self):
        """The symbolic mask of each input (None for one without a mask):
        inside a run it stands for that run's mask."""
        return _node_masks(self.input_tensors, self._given_masks[0])

    @property
    def output_masks(self):
        return _node_masks(self.output_tensors, self._given_masks[1])

    def get_config(self):
        return {'outbound_layer': self.outbound_layer.name,
                'inbound_layers': [l.name if l is not None else None
                                   for l in self.inbound_layers],
                'node_indices': self.node_indices,
                'tensor_indices': self.tensor_indices}


def _node_masks(tensors, given):
    given = list(given) if isinstance(given, (list, tuple)) else [given]
    return [given[i] if i < len(given) and given[i] is not None
            else symbolic_mask(x) for i, x in enumerate(tensors)]


def symbolic_mask(tensor):
    """The mask of a symbolic tensor as a symbolic boolean tensor (of the
    tensor's shape without its last axis), or None when it has no mask.
    Symbolic tensors record only whether they carry a mask; the mask
    tensor is made on first request and, in a graph run, stands for the
    mask of that run's value of `tensor`."""
    mask = getattr(tensor, '_keras_mask', None)
    if mask is not True:
        return mask
    made = tensor.__dict__.get('_symbolic_mask')
    if made is None:
        made = KerasTensor(tensor._keras_shape[:-1], dtype='bool',
                           name=(tensor.name or 'tensor') + '_mask')
        made._mask_of = tensor
        tensor.__dict__['_symbolic_mask'] = made
    return made


def merged_shape(current, shape):
    """`current` with its unknown dimensions taken from `shape`, as
    TensorFlow's `set_shape` merges them."""
    shape = [None if d is None else int(d)
             for d in (shape.as_list() if hasattr(shape, 'as_list')
                       else shape)]
    current = tuple(current)
    if len(shape) != len(current):
        raise ValueError('Shapes %s and %s are incompatible'
                         % (current, tuple(shape)))
    merged = []
    for have, given in zip(current, shape):
        if have is not None and given is not None and have != given:
            raise ValueError('Shapes %s and %s are incompatible'
                             % (current, tuple(shape)))
        merged.append(have if have is not None else given)
    return tuple(merged)
