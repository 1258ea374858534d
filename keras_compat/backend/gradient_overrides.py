"""TensorFlow 1's `Graph.gradient_override_map` on PyTorch operations.

In TensorFlow 1 an op created inside `with g.gradient_override_map(
{'Relu': 'GuidedBackProp'}):` keeps the name of the gradient function
registered with `@tf.RegisterGradient('GuidedBackProp')`, and every later
gradient through that op (K.gradients, tf.gradients, a training step)
calls it as `fn(op, grad)`. Keras 2 creates a layer's ops when the layer
is called on graph tensors, so a model built inside the block has its
ReLUs overridden wherever its graph runs, and one built outside does not.

Here the operations run each time a model runs, so the map is kept in two
places: the `with` block pushes it for the operations computed inside the
block (a custom layer's `call` writing `with G.gradient_override_map(
{'Sign': 'Identity'}): return tf.sign(x)`), and a layer called on graph
tensors inside the block records it (`record_call`) and pushes it again
around each of its runs. The operations TensorFlow names by type (Relu,
Sign, Round, ...) ask `apply` for their result: with no entry for their
type it is the plain computation; with one, a torch.autograd.Function
whose backward calls the registered gradient function with a view of the
op (`inputs`, `outputs`, `type`, `name`, `get_attr`).

A block entered outside a model run does not reach into the runs of
models built outside it (their ops were made before), as in TensorFlow."""
import contextlib
import threading

import torch

# Gradient functions registered by name (`tf.RegisterGradient`); None for
# names registered as having no gradient (`tf.no_gradient`).
REGISTRY = {}
# Frames pushed in any thread: the common case (none) costs one test.
_ACTIVE = [0]
_THREAD = threading.local()

_NO_GRADIENT = (
    "No gradient defined for operation'%s' (op type: %s). In general every "
    "operation must have an associated `@tf.RegisterGradient` for correct "
    "autodiff, which this op is lacking. If you want to pretend this "
    "operation is a constant in your program, you may insert "
    "`tf.stop_gradient`. This can be useful to silence the error in cases "
    "where you know gradients are not needed, e.g. the forward pass of "
    "tf.custom_gradient. Please see more details in "
    "https://www.tensorflow.org/api_docs/python/tf/custom_gradient.")


class _Frame(object):
    __slots__ = ('mapping', 'context', 'scope')

    def __init__(self, mapping, context, scope):
        self.mapping, self.context, self.scope = mapping, context, scope


def _stack():
    stack = getattr(_THREAD, 'stack', None)
    if stack is None:
        stack = _THREAD.stack = []
    return stack


def _run_context():
    """The top-level layer call in progress (None outside any)."""
    from ..engine import call_context
    return call_context.current()


def _push(frame):
    _stack().append(frame)
    _ACTIVE[0] += 1


def _pop(frame):
    stack = _stack()
    for i in range(len(stack) - 1, -1, -1):
        if stack[i] is frame:
            del stack[i]
            _ACTIVE[0] -= 1
            return


def _check_map(op_type_map):
    if not isinstance(op_type_map, dict) or not all(
            isinstance(k, str) and isinstance(v, str)
            for k, v in op_type_map.items()):
        raise TypeError('op_type_map must be a dictionary mapping strings '
                        'to strings')


# The op types whose operations ask `apply` for their result.
OVERRIDABLE = frozenset((
    'Relu', 'Relu6', 'LeakyRelu', 'Elu', 'Softplus', 'Softsign', 'Sigmoid',
    'Tanh', 'Sign', 'Round', 'Floor', 'Ceil', 'Identity', 'Abs', 'Neg',
    'Square', 'Exp', 'Log'))
# TensorFlow op types whose operations here are torch operators or fused
# kernels that cannot take another gradient.
_NOT_OVERRIDABLE = frozenset((
    'Mul', 'Add', 'AddV2', 'Sub', 'RealDiv', 'Div', 'Pow', 'Maximum',
    'Minimum', 'MatMul', 'BatchMatMul', 'BatchMatMulV2', 'Conv2D',
    'DepthwiseConv2dNative', 'BiasAdd', 'MaxPool', 'AvgPool', 'Cast',
    'Softmax', 'ClipByValue', 'Reshape', 'Transpose', 'Sum', 'Mean',
    'Max', 'Min', 'ConcatV2', 'Pack', 'GatherV2', 'Select', 'SelectV2'))


@contextlib.contextmanager
def override_map(op_type_map):
    """`Graph.gradient_override_map(op_type_map)`: the operations made
    inside take the gradient functions registered under the mapped names
    (an inner block's entries hide the outer's until it ends)."""
    _check_map(op_type_map)
    refused = sorted(set(op_type_map) & _NOT_OVERRIDABLE)
    if refused:
        raise NotImplementedError(
            'Graph.gradient_override_map: the gradient of %s operations '
            'cannot be replaced (they are torch operators here); the op '
            'types that can are %s. Write the function with '
            'tf.custom_gradient instead.'
            % (', '.join(refused), ', '.join(sorted(OVERRIDABLE))))
    frame = _Frame(dict(op_type_map), _run_context(), None)
    _push(frame)
    try:
        yield
    finally:
        _pop(frame)


def current_map():
    """The op type -> gradient name entries in force for operations made
    now."""
    if not _ACTIVE[0]:
        return {}
    context = _run_context()
    found = {}
    for frame in _stack():
        if frame.context is context:
            found.update(frame.mapping)
    return found


def _lookup(op_type):
    """(gradient name, name scope) for an operation of `op_type` made now,
    or None."""
    stack = _stack()
    if not stack:
        return None
    context = _run_context()
    scope = None
    for frame in reversed(stack):
        if frame.context is not context:
            continue
        scope = scope or frame.scope
        if op_type in frame.mapping:
            return frame.mapping[op_type], scope
    return None


# ---------------------------------------------------------------- layers
class _LayerOverrides(object):
    """The map a layer's call on graph tensors was made under, pushed
    around each run of the layer (torch forward pre-hook and hook)."""

    def __init__(self, mapping, scope):
        self.mapping, self.scope = mapping, scope
        self._frames = []

    def enter(self, module, args):
        frame = _Frame(self.mapping, _run_context(), self.scope)
        self._frames.append(frame)
        _push(frame)

    def leave(self, module, args, output):
        if self._frames:
            _pop(self._frames.pop())

    def __getstate__(self):
        return {'mapping': self.mapping, 'scope': self.scope}

    def __setstate__(self, state):
        self.mapping, self.scope = state['mapping'], state['scope']
        self._frames = []


def record_call(layer):
    """Called when `layer` is called on graph tensors: the override map in
    force then applies to the operations of its later runs."""
    mapping = current_map()
    if not mapping:
        return
    holder = layer.__dict__.get('_keras_gradient_overrides')
    if holder is None:
        scope = None if getattr(layer, '_is_graph_op', False) else layer.name
        holder = _LayerOverrides(dict(mapping), scope)
        layer.__dict__['_keras_gradient_overrides'] = holder
        layer.register_forward_pre_hook(holder.enter)
        layer.register_forward_hook(holder.leave, always_call=True)
    else:
        holder.mapping = dict(mapping)


class _Bound(object):
    """`func` computed again (an expression of variables read later)
    under the override map in force when it was written."""

    def __init__(self, func, mapping):
        self.func, self.mapping = func, mapping
        self.__name__ = getattr(func, '__name__', '')

    def __call__(self, *args, **kwargs):
        frame = _Frame(self.mapping, _run_context(), None)
        _push(frame)
        try:
            return self.func(*args, **kwargs)
        finally:
            _pop(frame)


def bound(func):
    """`func`, run under the override map in force now when called."""
    mapping = current_map()
    return _Bound(func, mapping) if mapping else func


# ------------------------------------------------------------ operations
def apply(op_type, fn, *inputs, **attrs):
    """`fn(*inputs)`, the computation of a TensorFlow op of `op_type`; its
    gradient is the registered function when an override map in force
    maps `op_type`. `attrs`: the op's attributes (`get_attr`)."""
    if not _ACTIVE[0]:
        return fn(*inputs)
    found = _lookup(op_type)
    if found is None or not any(
            isinstance(x, torch.Tensor) and x.requires_grad for x in inputs):
        return fn(*inputs)
    name, scope = found
    op = GradientOp(op_type, scope, name, attrs)
    return _Overridden.apply(op, fn, *inputs)


def active(op_type):
    """Whether operations of `op_type` made now take an overridden
    gradient (fused kernels step aside for them)."""
    return bool(_ACTIVE[0]) and _lookup(op_type) is not None


class GradientOp(object):
    """The op a gradient function receives: `inputs` and `outputs` (the
    values of the forward pass), `type`, `name`, `get_attr(name)`."""

    def __init__(self, op_type, scope, gradient_name, attrs):
        self.type = op_type
        self.name = op_type if not scope else scope + '/' + op_type
        self._gradient_name = gradient_name
        self._attrs = attrs
        self.inputs, self.outputs = [], []

    def get_attr(self, name):
        if name in self._attrs:
            return self._attrs[name]
        if name == 'T' and self.inputs:
            from .. import tensorflow_compat as tf
            return tf.as_dtype(str(self.inputs[0].dtype).split('.')[-1])
        raise ValueError("Operation '%s' has no attr named '%s'."
                         % (self.name, name))

    @property
    def node_def(self):
        return 'name: "%s"\nop: "%s"' % (self.name, self.type)

    def values(self):
        return tuple(self.outputs)

    def __repr__(self):
        return '<tf.Operation %r type=%s>' % (self.name, self.type)


class _Overridden(torch.autograd.Function):
    """An op whose backward is a registered TensorFlow gradient function."""

    @staticmethod
    def forward(ctx, op, fn, *inputs):
        output = fn(*inputs)
        ctx.op = op
        ctx.save_for_backward(*[x if isinstance(x, torch.Tensor) else
                                torch.as_tensor(x) for x in inputs] +
                              [output])
        return output

    @staticmethod
    def backward(ctx, grad):
        op = ctx.op
        saved = ctx.saved_tensors
        op.inputs = [x.detach() for x in saved[:-1]]
        op.outputs = [saved[-1].detach()]
        try:
            grads = _gradients(op, grad)
        finally:
            op.inputs, op.outputs = [], []
        return (None, None) + tuple(grads)


def _gradient_function(op):
    name = op._gradient_name
    if name in REGISTRY:
        return REGISTRY[name]
    if name in BUILTIN:
        return BUILTIN[name]
    raise LookupError(_NO_GRADIENT % (op.name, op.type))


def _gradients(op, grad):
    function = _gradient_function(op)
    if function is None:
        return [None] * len(op.inputs)
    grads = function(op, grad)
    if not isinstance(grads, (list, tuple)):
        grads = [grads]
    if len(grads) != len(op.inputs):
        raise ValueError('Num gradients %d generated for op %s do not match '
                         'num inputs %d' % (len(grads), op.node_def,
                                            len(op.inputs)))
    return [None if g is None else _as_gradient(g, x)
            for g, x in zip(grads, op.inputs)]


def _as_gradient(value, like):
    value = torch.as_tensor(getattr(value, 'numpy', lambda: value)()
                            if not isinstance(value, torch.Tensor)
                            else value, device=like.device)
    if not like.is_floating_point():
        return None
    return value.to(like.dtype).expand_as(like) \
        if value.dim() == 0 else value.to(like.dtype)


# TensorFlow's own gradients of the op types a map may name as targets
# ({'Sign': 'Identity'}).
def _x(op):
    return op.inputs[0]


def _y(op):
    return op.outputs[0]


BUILTIN = {
    'Identity': lambda op, g: g,
    'StopGradient': None,
    'Relu': lambda op, g: g * (_y(op) > 0).to(g.dtype),
    'Relu6': lambda op, g: g * ((_x(op) > 0) & (_x(op) < 6)).to(g.dtype),
    'LeakyRelu': lambda op, g: torch.where(
        _x(op) > 0, g, g * op.get_attr('alpha')),
    'Elu': lambda op, g: torch.where(_y(op) > 0, g, g * (_y(op) + 1)),
    'Softplus': lambda op, g: g * torch.sigmoid(_x(op)),
    'Softsign': lambda op, g: g / (1 + torch.abs(_x(op))) ** 2,
    'Sigmoid': lambda op, g: g * _y(op) * (1 - _y(op)),
    'Tanh': lambda op, g: g * (1 - _y(op) ** 2),
    'Sign': lambda op, g: torch.zeros_like(_x(op)),
    'Round': lambda op, g: None,
    'Floor': lambda op, g: None,
    'Ceil': lambda op, g: None,
    'Abs': lambda op, g: g * torch.sign(_x(op)),
    'Neg': lambda op, g: -g,
    'Square': lambda op, g: g * 2 * _x(op),
    'Sqrt': lambda op, g: g * 0.5 / _y(op),
    'Exp': lambda op, g: g * _y(op),
    'Log': lambda op, g: g / _x(op),
}
