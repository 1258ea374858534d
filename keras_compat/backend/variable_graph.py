"""Expressions of variables, computed again each time they are read.

In Keras 2 an expression of variables written outside any run of a model
(`model.add_loss(K.sum(K.square(layer.kernel)))`, keras-rl's soft target
update `tau * w + (1 - tau) * w_target`, a rate `lr * K.cast(it < 100,
'float32')`) is a node of the TensorFlow graph: each session run (a
training step, a K.function call, `K.get_value`) computes it from the
values the variables hold at that moment.

Tensors here are computed at once, so such an expression also remembers
how it was made. An operation that takes a variable (`K.variable`,
`K.zeros`, ..., a weight as `layer.weights` lists it, or a layer weight
given to a backend function) while no model runs returns a
`VariableExpression`: the value at creation, plus the operation and the
arguments that made it. Each later read of it inside a training step, a
K.function call, an added loss or update, `K.get_value`, or another
operation computes it again from the variables' current values.

While a model runs (fit, evaluate, predict, a layer call, a K.function
call, a graph run or shape probe, a `get_updates` step) nothing is
recorded: operations compute plain tensors, at full speed, and read the
expressions they are given afresh."""
import copy
import functools
import sys
import threading

import torch

from . import common, immutable
from .tensor_shape import TensorShape
from . import replay as _replay

_STATE = threading.local()
_CALLS = []

# Functions whose result is about the tensor object, not its values: they
# answer for an expression without computing it again.
_METADATA = frozenset((
    'size', 'dim', 'ndimension', 'numel', 'nelement', 'element_size',
    'is_floating_point', 'is_complex', 'get_device', 'is_contiguous',
    '__len__', '__hash__', 'data_ptr', 'untyped_storage', 'storage'))
# Attributes that are values of the tensor (recorded like operations);
# every other attribute (`shape`, `dtype`, `grad`, `data`, ...) is read
# from the object itself.
_VALUE_ATTRIBUTES = frozenset(('T', 'mT', 'H', 'mH', 'real', 'imag'))


class quiet(object):
    """Records nothing inside: code that runs a model or computes values
    (refreshing an expression) on this thread."""

    __slots__ = ()

    def __enter__(self):
        _STATE.depth = getattr(_STATE, 'depth', 0) + 1
        return self

    def __exit__(self, *exc):
        _STATE.depth -= 1
        return False


class deferring_updates(object):
    """A training step's forward pass: the updates layers make in `call`
    (K.update, K.moving_average_update, ...) wait for the end of the step,
    as Keras 2 ran them with the optimizer's updates, after the gradients.
    A variable the forward pass reads (SpectralNormalization's `u`) is
    then not changed under autograd."""

    __slots__ = ('pending', '_previous')

    def __enter__(self):
        self._previous = getattr(_STATE, 'pending', None)
        self.pending = _STATE.pending = []
        return self

    def __exit__(self, *exc):
        _STATE.pending = self._previous
        return False

    def apply(self):
        with torch.no_grad(), torch._C.DisableTorchFunctionSubclass():
            for variable, value, combine in self.pending:
                if combine is not None:
                    value = combine(_leaf_now(variable), value)
                write(variable, value)
        self.pending = []


def write(variable, value):
    """Writes `value` into a variable: a weight whose Keras layout is a
    computed copy of the parameter (reordered gates) through its layer's
    record, anything else in place."""
    with torch.no_grad(), torch._C.DisableTorchFunctionSubclass():
        source = variable.__dict__.get('_keras_source')
        if source is not None and source[0]() is not None and \
                source[1].from_keras is not None:
            source[1].assign(source[0](), value)
        else:
            variable.copy_(torch.as_tensor(value).to(
                variable.dtype).reshape(variable.shape))


def defer_update(variable, value, combine=None):
    """Queues an update made inside a training step's forward pass;
    False outside one."""
    pending = getattr(_STATE, 'pending', None)
    if pending is None:
        return False
    pending.append((variable, value.detach(), combine))
    return True


def _call_context():
    if not _CALLS:
        from ..engine import call_context
        _CALLS.append(call_context)
    return _CALLS[0]


def recording():
    """Whether an operation on variables now builds a graph expression:
    no model, layer, K.function, graph run or `get_updates` step runs on
    this thread, and the program is not a tf.keras 2.x one running
    eagerly (there `y = v * 3` is a value, as TensorFlow 2 computes it;
    after `tf.compat.v1.disable_eager_execution()` it is a graph node)."""
    if common.is_tf_keras() and common.executing_eagerly():
        return False
    return idle()


def idle():
    """Whether no model, layer, K.function, graph run or `get_updates`
    step runs on this thread."""
    if getattr(_STATE, 'depth', 0) or common._ACTIVE_LOOP is not None or \
            _replay.current() is not None:
        return False
    calls = _call_context()
    return calls.current() is None and not calls.run_stack()


# ------------------------------------------------------------ the types
def _dispatch(cls, func, types, args=(), kwargs=None):
    kwargs = kwargs or {}
    if recording():
        return _record(func, args, kwargs)
    if VariableExpression in types or any(t in _VIEW_TYPES for t in types):
        # Read afresh: expressions, and weight views (differentiable, so a
        # weight listed by `layer.weights` and used in a step trains).
        memo = {}
        keep = 1 if _in_place(getattr(func, '__name__', '')) else 0
        args = tuple(args[:keep]) + tuple(_now(args[keep:], memo, True))
        kwargs = _now(kwargs, memo, True)
    with torch._C.DisableTorchFunctionSubclass():
        return func(*args, **kwargs)


def _keras_shape(self):
    """The static shape, as TensorFlow gave it: a tuple that also has
    `as_list()`, with dimensions that have `.value` (SpectralNormalization
    reads `self.kernel.shape.as_list()`)."""
    with torch._C.DisableTorchFunctionSubclass():
        return TensorShape(torch.Tensor.shape.__get__(self))


class _VariableMethods(object):
    """tf.Variable's methods, which Keras 2.3 code on TensorFlow 2 calls
    on Keras variables: `numpy()`, `value()`, `read_value()` and the
    immediate `assign`, `assign_add` and `assign_sub`."""

    __slots__ = ()

    def numpy(self):
        with torch._C.DisableTorchFunctionSubclass():
            return _leaf_now(self).detach().to('cpu', copy=True).numpy()

    def value(self):
        return self

    def read_value(self):
        return self

    @property
    def op(self):
        """The variable's TensorFlow op (`v.op.name`: 'Variable')."""
        from . import graph_names
        return graph_names.variable_operation(self)

    def assign(self, value, use_locking=None, name=None, read_value=True):
        return assigned(self, value, None)

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        return assigned(self, delta, torch.add)

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        return assigned(self, delta, torch.sub)

    def load(self, value, session=None):
        """TensorFlow 1's `Variable.load`: writes `value` now, in a graph
        program too (no op to run)."""
        _assign(self, value, None)


def add_assign_methods(tensor):
    """Gives a plain tensor standing for a variable (an optimizer's `lr`)
    tf.Variable's `assign`, `assign_add` and `assign_sub`."""
    tensor.assign = functools.partial(_assigned, tensor, combine=None)
    tensor.assign_add = functools.partial(_assigned, tensor,
                                          combine=torch.add)
    tensor.assign_sub = functools.partial(_assigned, tensor,
                                          combine=torch.sub)
    return tensor


def _assigned(tensor, value, combine, use_locking=None, name=None,
              read_value=True):
    return assigned(tensor, value, combine)


def builds_assign_op(value):
    """Whether `variable.assign(value)` made now is a TensorFlow 1 graph
    op, run only when a session run, K.function, `add_update` or
    `get_updates` runs it: its value is a symbolic tensor (a
    placeholder's expression), or eager execution is off and no model
    runs (TensorFlow 1: `tf.compat.v1.disable_eager_execution()`, or a
    program the script runner finds making TF1 sessions or
    placeholders). While eager execution is on (TensorFlow 2, Keras 2 on
    TensorFlow 2: `model.optimizer.lr.assign(0.1)`,
    `w.assign(w - lr * grad)` in a GradientTape loop) it is written at
    once."""
    if getattr(value, '_is_keras_symbolic', False):
        return True
    return not common.executing_eagerly() and recording()


def assigned(variable, value, combine):
    """tf.Variable's `assign` (`combine` None), `assign_add` (torch.add)
    and `assign_sub` (torch.sub) on `variable`: the assign op of a graph
    program (see `builds_assign_op`); inside a `get_updates` step, and
    inside a graph-mode layer's call in a training step, queued as
    K.update queues it (tf.keras running eagerly writes it in program
    order); otherwise written now, returning the variable."""
    if builds_assign_op(value):
        from ..tensorflow_graph_run import AssignOp
        return AssignOp(variable, value, combine)
    if not idle():
        from . import ops
        replay = _replay.current()
        if replay is not None:
            return replay.update(variable, current(value),
                                 _REPLAY_MODES[combine])
        graph_mode = not (common.is_tf_keras() and
                          common.executing_eagerly())
        if graph_mode and (ops._skips_update(variable) or defer_update(
                variable, torch.as_tensor(current(value)), combine)):
            return variable
    _assign(variable, value, combine)
    return variable


# The replay's codes of an assignment, an addition and a subtraction.
_REPLAY_MODES = {None: 0, torch.add: 1, torch.sub: 2}


def _assign(variable, value, combine):
    value = current(value)
    with quiet(), torch.no_grad(), \
            torch._C.DisableTorchFunctionSubclass():
        value = torch.as_tensor(value, device=variable.device)
        if combine is not None:
            value = combine(_leaf_now(variable), value)
        write(variable, value)


class VariableExpression(torch.Tensor):
    """A tensor computed from variables outside any model run, which
    computes itself again from their current values whenever it is read
    (a node of Keras 2's graph). Its own data is the value it had when it
    was made."""

    __torch_function__ = classmethod(_dispatch)
    shape = property(_keras_shape)

    def __repr__(self):
        return 'VariableExpression(%s)' % (repr(current(self)),)


def _variable_name(variable):
    """TensorFlow's name of a variable: the name it was made with, else
    'Variable', and the output index (`K.variable(0., name='total')`:
    'total:0')."""
    name = variable.__dict__.get('_keras_graph_name') or \
        variable.__dict__.get('_keras_name') or 'Variable'
    return '%s:0' % name


class KerasVariable(_VariableMethods, torch.nn.Parameter):
    """A float variable made by `K.variable`, `K.zeros`, `K.ones`, `K.eye`
    or a random variable function: a trainable torch leaf whose use
    outside any model run builds a graph expression."""

    __torch_function__ = classmethod(_dispatch)
    shape = property(_keras_shape)
    name = property(_variable_name)


class KerasParameter(_VariableMethods, torch.nn.Parameter):
    """A layer's own weight (`dense.kernel`) once user code has read it
    while no model runs: the same parameter, whose use outside any run
    builds a graph expression (`K.sum(dense.kernel ** 2)`). Its `name` is
    the weight's Keras name ('dense_1/kernel:0')."""

    __torch_function__ = classmethod(_dispatch)
    shape = property(_keras_shape)

    def __getstate__(self):
        # (Pickled without the weak reference to its layer.)
        state = dict(self.__dict__)
        state.pop('_keras_owner', None)
        return state

    @property
    def name(self):
        owner = self.__dict__.get('_keras_owner')
        layer = owner[0]() if owner is not None else None
        if layer is None:
            return None
        return layer._keras_weight_name(owner[1])


class VariableTensor(_VariableMethods, torch.Tensor):
    """A variable of an integer or boolean type (`K.variable(0,
    dtype='int64')`): a plain tensor whose use outside any model run
    builds a graph expression."""

    __torch_function__ = classmethod(_dispatch)
    shape = property(_keras_shape)
    name = property(_variable_name)

    def __deepcopy__(self, memo):
        # (copy.deepcopy of a compiled model copies its optimizer's step
        # count.)
        if id(self) not in memo:
            with torch._C.DisableTorchFunctionSubclass():
                data = self.detach().clone()
            duplicate = torch.Tensor._make_subclass(VariableTensor, data,
                                                    False)
            memo[id(self)] = duplicate
            duplicate.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return memo[id(self)]


# Types whose values are read afresh in expressions (besides torch
# Parameters, such as a layer's own weights).
_LEAF_TYPES = [KerasVariable, VariableTensor, KerasParameter]
# Weight views, read again from their layer wherever they are used.
_VIEW_TYPES = set()


def register_leaf_type(cls):
    """Adds a tensor type standing for a layer weight (the Keras view of
    a weight): read again from its layer wherever it is used."""
    _LEAF_TYPES.append(cls)
    _VIEW_TYPES.add(cls)


def expose(param, frame):
    """A layer's parameter read by code running in `frame`: from user code
    while no model runs, it becomes a `KerasParameter`, so that operators
    on it build expressions."""
    if type(param) is torch.nn.Parameter and recording() and \
            not immutable.is_library_code(frame.f_code):
        param.__class__ = KerasParameter
    return param


def own(param, layer, attr):
    """Records which layer attribute holds an exposed parameter, for its
    Keras name."""
    if type(param) is KerasParameter and \
            '_keras_owner' not in param.__dict__:
        import weakref
        param.__dict__['_keras_owner'] = (weakref.ref(layer), attr)


def new_variable(data):
    """`data` (a fresh tensor) as a Keras variable."""
    if data.is_floating_point() or data.is_complex():
        return KerasVariable(data, requires_grad=True)
    return torch.Tensor._make_subclass(VariableTensor, data, False)


def is_expression(x):
    return isinstance(x, VariableExpression)


def _takes_part(x):
    """Whether a backend function's argument makes its result an
    expression: a variable, a layer weight or an expression."""
    return isinstance(x, (torch.nn.Parameter, VariableExpression)) or \
        isinstance(x, tuple(_LEAF_TYPES)) or (
            isinstance(x, torch.Tensor) and
            '_keras_source' in getattr(x, '__dict__', ()))


def involves_variables(args, kwargs):
    """Whether backend function arguments (lists one level deep) hold a
    variable, a layer weight or an expression."""
    for a in args:
        if _takes_part(a) or (isinstance(a, (list, tuple)) and
                              any(_takes_part(v) for v in a)):
            return True
    for a in kwargs.values():
        if _takes_part(a):
            return True
    return False


def backend_function(fn):
    """Wraps a backend function's eager path: on variables while no model
    runs, its result is an expression of them."""
    def run(args, kwargs):
        # In fit/evaluate/predict (the hot path) one global read decides.
        if common._ACTIVE_LOOP is None and recording():
            args, kwargs = _assign_reads(args), _assign_reads(kwargs)
            if involves_variables(args, kwargs):
                from . import gradient_overrides
                return _record(gradient_overrides.bound(fn), args, kwargs)
        return fn(*args, **kwargs)
    return run


def _assign_reads(tree):
    """Backend function arguments (lists one level deep) with each
    TensorFlow 1 assign op replaced by its read (the tensor of the
    variable's new value)."""
    from ..tensorflow_graph_run import AssignOp
    if isinstance(tree, dict):
        if any(isinstance(v, AssignOp) for v in tree.values()):
            return {k: v.read() if isinstance(v, AssignOp) else v
                    for k, v in tree.items()}
        return tree
    if not any(isinstance(a, AssignOp) or (
            isinstance(a, (list, tuple)) and
            any(isinstance(v, AssignOp) for v in a)) for a in tree):
        return tree
    return tuple(a.read() if isinstance(a, AssignOp) else
                 type(a)(v.read() if isinstance(v, AssignOp) else v
                         for v in a) if isinstance(a, (list, tuple)) else a
                 for a in tree)


def record_call(layer, inputs, args, kwargs):
    """`layer(inputs, *args, **kwargs)` on a variable or expression while
    no model runs: an expression of it."""
    return _record(_LayerCall(layer), (inputs,) + tuple(args), kwargs)


class _LayerCall(object):
    """A layer's call as an expression's operation."""

    __slots__ = ('layer',)

    def __init__(self, layer):
        self.layer = layer

    def __call__(self, *args, **kwargs):
        with quiet():
            return self.layer(*args, **kwargs)


# ------------------------------------------------------------ recording
def _record(func, args, kwargs):
    name = getattr(func, '__name__', '')
    if name in ('__get__', '__set__', '__delete__'):
        attribute = getattr(getattr(func, '__self__', None), '__name__', '')
        if name != '__get__' or attribute not in _VALUE_ATTRIBUTES:
            with torch._C.DisableTorchFunctionSubclass():
                return func(*args, **kwargs)
    elif name in _METADATA:
        with torch._C.DisableTorchFunctionSubclass():
            return func(*args, **kwargs)
    in_place = _in_place(name)
    if in_place:
        out_of_place = immutable.out_of_place_of(func)
        if out_of_place is not None and \
                immutable.augmented_assignment_in(sys._getframe(2)):
            # `v += x` on a variable or expression makes a new tensor and
            # rebinds the name, as on Keras 2's TensorFlow variables.
            func, in_place = out_of_place, False
    if in_place and args and not is_expression(args[0]):
        # An in-place change of a variable: done now, on the variable.
        return _computed_now(func, args, kwargs)
    with quiet(), torch._C.DisableTorchFunctionSubclass():
        # The value an expression is made with: its sub-expressions as
        # they were made (reads compute it again), so that building a
        # long chain costs one operation per link.
        made = args
        if in_place:
            made = (args[0].clone(),) + tuple(args[1:])
        result = func(*made, **kwargs)
    if isinstance(result, torch.Tensor):
        return _expression(result, func, args, kwargs)
    if type(result) in (list, tuple) and result and all(
            isinstance(r, torch.Tensor) for r in result):
        return type(result)(
            _expression(r, _Item(func, i), args, kwargs)
            for i, r in enumerate(result))
    if not _sub_expressions((args, kwargs), []):
        return result
    # A read of an expression (`float(e)`, `e.numpy()`, `bool(e == 0)`):
    # of the values now.
    return _computed_now(func, args, kwargs)


def _computed_now(func, args, kwargs):
    memo = {}
    with quiet():
        args, kwargs = _now(args, memo), _now(kwargs, memo)
        with torch._C.DisableTorchFunctionSubclass():
            return func(*args, **kwargs)


def _in_place(name):
    if name.startswith('__'):
        return name in ('__iadd__', '__isub__', '__imul__', '__itruediv__',
                        '__ifloordiv__', '__ipow__', '__imod__', '__iand__',
                        '__ior__', '__ixor__', '__ilshift__', '__irshift__',
                        '__setitem__')
    return name.endswith('_')


class _Item(object):
    """The i-th tensor of a function returning several."""

    __slots__ = ('func', 'index')

    def __init__(self, func, index):
        self.func = func
        self.index = index

    def __call__(self, *args, **kwargs):
        return self.func(*args, **kwargs)[self.index]


def expression(value, func, args=(), kwargs=None):
    """`value` as an expression that `func(*args, **kwargs)` computes
    again when read."""
    return _expression(value, func, args, kwargs or {})


def _expression(value, func, args, kwargs):
    with torch._C.DisableTorchFunctionSubclass():
        expression = value.as_subclass(VariableExpression)
    expression._keras_recipe = (func, args, kwargs)
    _wait_for_dependencies(expression, args, kwargs)
    return expression


def _wait_for_dependencies(expression, args, kwargs):
    """Gives an expression made inside `tf.control_dependencies`, or
    from tensors waiting for operations (an assign op's read), those
    operations: a run of it runs them first."""
    from .. import tensorflow_graph_run as graph_run
    found = graph_run.dependencies_of_values(
        list(args) + list(kwargs.values()))
    found = graph_run._merged(graph_run.active_operations(), found)
    if found:
        expression._keras_control_dependencies = found


# ---------------------------------------------------------- computation
def current(x):
    """The value of `x` now: an expression computed from the variables'
    current values (a plain tensor); anything else as it is."""
    if not isinstance(x, VariableExpression):
        return x
    with quiet():
        return _evaluate(x, {})


def current_values(tree):
    """`tree` (a value or nested lists, tuples and dicts) with each
    expression replaced by its value now."""
    with quiet():
        return _now(tree, {})


def _now(tree, memo, views=False):
    """`tree` with expressions computed now (and, with `views`, weight
    views taken again from their layers)."""
    if isinstance(tree, VariableExpression):
        return _evaluate(tree, memo)
    if views and type(tree) in _VIEW_TYPES:
        return _leaf_now(tree)
    if type(tree) in (list, tuple):
        if not any(isinstance(v, (torch.Tensor, list, tuple, dict))
                   for v in tree):
            return tree
        return type(tree)(_now(v, memo, views) for v in tree)
    if type(tree) is dict:
        return {k: _now(v, memo, views) for k, v in tree.items()}
    return tree


def _leaf_now(x):
    """A variable as expressions read it: a layer weight shown in Keras
    layout is taken again from the layer (differentiable, current)."""
    if isinstance(x, torch.Tensor):
        source = x.__dict__.get('_keras_source')
        if source is not None:
            layer = source[0]()
            if layer is not None:
                return source[1].keras_tensor(layer)
    return x


def leaf_value(x):
    """The current value of a variable as a plain tensor (a layer weight
    shown in Keras layout taken again from its layer)."""
    with torch._C.DisableTorchFunctionSubclass():
        return _leaf_now(x)


def _inputs(tree, memo):
    """The recipe arguments `tree` with expressions replaced by their
    values in `memo` and variables by their current tensors."""
    if isinstance(tree, VariableExpression):
        return memo[id(tree)]
    if isinstance(tree, torch.Tensor):
        return _leaf_now(tree)
    if type(tree) in (list, tuple):
        return type(tree)(_inputs(v, memo) for v in tree)
    if type(tree) is dict:
        return {k: _inputs(v, memo) for k, v in tree.items()}
    return tree


def _sub_expressions(tree, found):
    if isinstance(tree, VariableExpression):
        found.append(tree)
    elif type(tree) in (list, tuple):
        for v in tree:
            _sub_expressions(v, found)
    elif type(tree) is dict:
        for v in tree.values():
            _sub_expressions(v, found)
    return found


def variables_of(root):
    """The variables (and layer weights) an expression is computed from,
    each once, in the order its recipes reach them."""
    found, seen, stack, visited = [], set(), [root], set()
    while stack:
        node = stack.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        func, args, kwargs = node._keras_recipe
        leaves = []
        _recipe_leaves((args, kwargs), leaves)
        for leaf in leaves:
            if isinstance(leaf, VariableExpression):
                stack.append(leaf)
            elif id(leaf) not in seen:
                seen.add(id(leaf))
                found.append(leaf)
    return found


def _recipe_leaves(tree, found):
    if isinstance(tree, VariableExpression) or _takes_part(tree):
        found.append(tree)
    elif type(tree) in (list, tuple):
        for v in tree:
            _recipe_leaves(v, found)
    elif type(tree) is dict:
        for v in tree.values():
            _recipe_leaves(v, found)


def _evaluate(root, memo):
    """Computes `root` from its recipe, its sub-expressions first (without
    recursion: long chains of expressions are common, e.g. a sum over
    every weight of a model)."""
    stack = [root]
    while stack:
        node = stack[-1]
        if id(node) in memo:
            stack.pop()
            continue
        func, args, kwargs = node._keras_recipe
        pending = [e for e in _sub_expressions((args, kwargs), [])
                   if id(e) not in memo]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        real_args, real_kwargs = _inputs(args, memo), _inputs(kwargs, memo)
        if _in_place(getattr(func, '__name__', '')) and real_args and \
                isinstance(real_args[0], torch.Tensor):
            # Recorded from `expression += ...`: the expression is not
            # changed, a new value is made.
            real_args = (real_args[0].clone(),) + tuple(real_args[1:])
        with torch._C.DisableTorchFunctionSubclass():
            memo[id(node)] = func(*real_args, **real_kwargs)
    return memo[id(root)]
