"""Operations on symbolic tensors, `K.function` and `K.gradients`.

Backend functions and arithmetic applied to `KerasTensor`s record a
`TensorOpLayer` node in the graph, so `Model(inputs, K.mean(x, axis=1))`,
`model.add_loss(K.mean(...))` and `K.function([inputs], [some_output])`
work as in Keras. `K.function` runs the recorded graph on real tensors;
`K.gradients` of a symbolic loss is computed there with torch.autograd."""
import collections.abc
import functools
import inspect
import weakref

import numpy as np
import torch

from .. import backend as K
from ..backend import common, variable_graph
from . import call_context, fed_tensors
from . import base_layer
from .base_layer import Layer, KerasWeightView
from .keras_tensor import KerasTensor


def is_symbolic(x):
    return getattr(x, '_is_keras_symbolic', False)


def _symbolic_paths(value, path=()):
    """Paths to the symbolic tensors inside nested lists/tuples."""
    if is_symbolic(value):
        return [path]
    if isinstance(value, (list, tuple)):
        found = []
        for i, item in enumerate(value):
            found += _symbolic_paths(item, path + (i,))
        return found
    return []


def has_symbolic(args, kwargs=None):
    for a in args:
        if is_symbolic(a) or (isinstance(a, (list, tuple)) and
                              any(is_symbolic(v) for v in a)):
            return True
    if kwargs:
        for a in kwargs.values():
            if is_symbolic(a) or (isinstance(a, (list, tuple)) and
                                  any(is_symbolic(v) for v in a)):
                return True
    return False


def _get(container, path):
    for key in path:
        container = container[key]
    return container


def _replace(container, path, value):
    if not path:
        return value
    items = list(container)
    items[path[0]] = _replace(items[path[0]], path[1:], value)
    return type(container)(items) if isinstance(container, tuple) else items


class _FunctionReference(object):
    """Where an operation node's function is found again when the node is
    unpickled: a module attribute (the eager function behind a backend
    function's symbolic wrapper), or a function of the TensorFlow
    stand-in by its path ('nn.relu')."""

    def __init__(self, module, path, eager=False):
        self.module, self.path, self.eager = module, path, eager

    def resolve(self):
        import importlib
        found = importlib.import_module(self.module)
        for part in self.path.split('.'):
            found = getattr(found, part)
        return getattr(found, '_eager', found) if self.eager else found


def _function_reference(fn, symbol):
    """A `_FunctionReference` for `fn` when pickle cannot name it itself
    (a closure, a lambda, a function its module shows wrapped), else
    None."""
    import sys
    module = sys.modules.get(getattr(fn, '__module__', None) or '')
    qualname = getattr(fn, '__qualname__', '')
    shown = module
    for part in qualname.split('.'):
        shown = getattr(shown, part, None)
    if shown is fn:
        return None
    if getattr(shown, '_eager', None) is fn:
        return _FunctionReference(module.__name__, qualname, eager=True)
    if symbol:
        return _FunctionReference('keras_compat.tensorflow_compat', symbol)
    return None


class TensorOpLayer(Layer):
    """A backend function or operator applied to symbolic tensors, replayed
    on real tensors when the model runs."""

    _raises_on_symbolic_call = True
    _is_graph_op = True

    def __init__(self, fn, args, kwargs, paths, name=None, symbol=None,
                 tf_parameters=None):
        if symbol and common.is_tf_keras():
            # As tf.keras names its TFOpLambda layers: 'tf.math.multiply',
            # 'tf.math.multiply_1', ...
            layer_name = common.unique_layer_name('tf.' + symbol)
        else:
            prefix = 'op_' + (name or getattr(fn, '__name__', 'lambda')
                              ).strip('<>_')
            layer_name = prefix + '_' + str(K.get_uid(prefix))
        super(TensorOpLayer, self).__init__(name=layer_name)
        self.fn = fn
        # The TensorFlow function this call is (None for a backend
        # function or a Python one): it makes the layer a TFOpLambda in
        # a model's config.
        self.symbol = symbol
        self._tf_parameters = tf_parameters
        self._template = (list(args), dict(kwargs or {}))
        self._paths = paths
        self.supports_masking = True

    def __getstate__(self):
        # Pickled with its function named where it can be found again: a
        # backend function by its module and name, a TensorFlow function
        # by its `tf.` path.
        state = super(TensorOpLayer, self).__getstate__()
        reference = _function_reference(self.fn, self.symbol)
        if reference is not None:
            state['fn'] = reference
        return state

    def __setstate__(self, state):
        reference = state.get('fn')
        if isinstance(reference, _FunctionReference):
            state = dict(state, fn=reference.resolve())
        super(TensorOpLayer, self).__setstate__(state)

    def call(self, inputs):
        values = inputs if len(self._paths) > 1 else [inputs]
        args, kwargs = self._template
        args = list(args)
        kwargs = dict(kwargs)
        for (where, path), value in zip(self._paths, values):
            if where == 'args':
                args = _replace(args, path, value)
            else:
                kwargs[path[0]] = _replace(kwargs[path[0]], path[1:], value)
        return self.fn(*args, **kwargs)

    def _output_shape_for(self, inputs, input_shape, args, kwargs):
        """Shapes and dtypes of the result, from a run of the operation on
        zeros of the inputs' shapes and dtypes. An operation that fails
        there raises now, as TensorFlow raises at graph construction."""
        symbolic = inputs if isinstance(inputs, list) else [inputs]
        try:
            out, outs = self._probe(symbolic, batch=2)
        except RuntimeError:
            if not _has_unknown_inner_dims(symbolic):
                raise
            return self._broadcast_probe_shapes(symbolic)
        shapes = [list(o.shape) for o in outs]
        # (A size computed from a tensor's shape, `tf.shape(x)[0]`, follows
        # that tensor's unknown dimensions.)
        shape_like = any(_is_shape_like(x) for x in symbolic)
        if shape_like or any(x._keras_shape and x._keras_shape[0] is None
                             for x in symbolic):
            # Dimensions that follow the batch size are unknown.
            _unknown_where_they_differ(shapes,
                                       self._probe(symbolic, batch=3)[1])
        if shape_like or _has_unknown_inner_dims(symbolic):
            # Dimensions that follow the unknown ones (the time axis of a
            # `[None, None, d]` placeholder) and sizes computed from them
            # (`K.shape(x)[1]`) are unknown too.
            try:
                _unknown_where_they_differ(
                    shapes, self._probe(symbolic, batch=2, unknown=4)[1])
            except RuntimeError:
                pass
        self._result_dtype = K.dtype_name(outs[0].dtype) if outs else None
        # (A named tuple, tf.math.top_k's (values, indices), stays one.)
        self._result_type = type(out) if isinstance(out, tuple) and \
            hasattr(out, '_fields') else None
        shapes = [tuple(shape) for shape in shapes]
        return shapes if isinstance(out, (list, tuple)) else shapes[0]

    def _broadcast_probe_shapes(self, symbolic):
        """Shapes from a probe where unknown dimensions other than the
        batch are 1, for operations that broadcast a tensor of unknown
        shape against a known one (`K.placeholder(ndim=2) - output`, the
        targets of `model.total_loss`). Its dimensions of size 1 may come
        from the unknown ones: they are unknown."""
        out, outs = self._probe(symbolic, batch=2, unknown=1)
        self._result_dtype = K.dtype_name(outs[0].dtype) if outs else None
        shapes = [tuple(None if i == 0 or d == 1 else d
                        for i, d in enumerate(o.shape)) if o.dim() and
                  any(x._keras_shape and x._keras_shape[0] is None
                      for x in symbolic) else
                  tuple(None if d == 1 else d for d in o.shape)
                  for o in outs]
        return shapes if isinstance(out, (list, tuple)) else shapes[0]

    def _probe(self, symbolic, batch, unknown=3):
        with torch.no_grad(), probing():
            dummies = _probe_inputs(symbolic, batch, unknown)
            out = self.call(dummies if len(dummies) > 1 else dummies[0])
        outs = list(out) if isinstance(out, (list, tuple)) else [out]
        return out, [o if isinstance(o, torch.Tensor) else
                     torch.as_tensor(np.asarray(o)) for o in outs]

    def _output_dtype(self, inputs):
        return self.__dict__.get('_result_dtype') or self.dtype

    def compute_mask(self, inputs, mask=None):
        return None

    @property
    def _config_class_name(self):
        if self.symbol is None:
            return None
        return 'SlicingOpLambda' if self.symbol == '__operators__.getitem' \
            else 'TFOpLambda'

    def get_config(self):
        if self.symbol is None:
            raise NotImplementedError(
                'Layer %s applies %s to symbolic tensors and cannot be '
                'serialized; wrap the computation in a `Lambda` layer to '
                'save the model configuration.'
                % (self.name, getattr(self.fn, '__name__', self.fn)))
        return {'name': self.name, 'trainable': self.trainable,
                'dtype': self.dtype, 'function': self.symbol}

    def serialized_node(self, reference):
        """The node of this call in a model's config, as tf.keras writes a
        TFOpLambda's: the first argument's structure with each tensor as
        [layer, node index, tensor index, arguments] and each constant as
        ['_CONSTANT_VALUE', -1, value, arguments], where `arguments` holds
        the other arguments by name, graph tensors as `reference(t)`."""
        first, arguments = self._named_arguments()

        def value(item):
            if is_symbolic(item):
                return reference(item)
            return _config_value(item)

        def nested(item):
            if isinstance(item, dict):
                return {k: nested(v) for k, v in item.items()}
            if isinstance(item, (list, tuple)):
                return [nested(v) for v in item]
            return value(item)
        arguments = {k: nested(v) for k, v in arguments.items()}

        def entry(item):
            if isinstance(item, (list, tuple)):
                return [entry(v) for v in item]
            if is_symbolic(item):
                return reference(item) + [arguments]
            return ['_CONSTANT_VALUE', -1, value(item), arguments]
        return entry(first)

    def _named_arguments(self):
        """(first argument, {name: value} of the others) of this call, by
        the parameter names of the TensorFlow function. A backend function
        standing for one (K.mean for tf.math.reduce_mean) gives all its
        arguments, defaults included, under TensorFlow's names."""
        args, kwargs = self._template
        signature = inspect.signature(self.fn)
        bound = signature.bind(*args, **kwargs)
        if self._tf_parameters is not None:
            bound.apply_defaults()
        renamed = self._tf_parameters or {}
        arguments = {}
        for name, value in bound.arguments.items():
            kind = signature.parameters[name].kind
            if kind == inspect.Parameter.VAR_POSITIONAL:
                if value:
                    raise NotImplementedError(
                        'Layer %s (tf.%s) was given variable positional '
                        'arguments, which a model config cannot name; wrap '
                        'the computation in a `Lambda` layer to save the '
                        'model configuration.' % (self.name, self.symbol))
            elif kind == inspect.Parameter.VAR_KEYWORD:
                arguments.update(value)
            else:
                arguments[renamed.get(name, name)] = value
        first = next(iter(arguments))
        return arguments.pop(first), arguments


class TFOpLambdaNode(TensorOpLayer):
    """A TensorFlow function or operator applied to graph tensors in a
    tf.keras program, shown as tf.keras shows it (`tf.math.multiply
    (TFOpLambda)` in `model.summary()`)."""


TFOpLambdaNode.__name__ = 'TFOpLambda'


def _config_value(value):
    """A constant call argument as tf.keras writes it in a config."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy().tolist()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, slice):
        return {'start': _config_value(value.start),
                'stop': _config_value(value.stop),
                'step': _config_value(value.step)}
    if value is Ellipsis:
        return {'class_name': '__ellipsis__'}
    if isinstance(value, torch.dtype):
        return K.dtype_name(value)
    if hasattr(value, 'as_numpy_dtype') and hasattr(value, 'name'):
        return value.name               # a TensorFlow dtype
    if isinstance(value, (list, tuple)):
        return [_config_value(v) for v in value]
    return value


# ------------------------------------------------------- values of a run
# While a graph runs (a model's forward pass, a K.function call), symbolic
# tensors that user code reaches outside the recorded graph (a custom
# layer's `call` reading `z_mean` from the enclosing script, as Keras 2
# VAE code does) stand for their value in that run. The runs in progress
# are a per-thread stack (call_context.run_stack).


class RunValues(object):
    """The values a graph run has computed so far, by symbolic tensor."""

    def __init__(self, tensor_map):
        self.tensor_map = tensor_map

    def lookup(self, tensor):
        value = self.tensor_map.get(id(tensor))
        if value is None and getattr(tensor, '_mask_of', None) is not None:
            return _run_mask(self.tensor_map.get(id(tensor._mask_of)))
        return value


def _run_mask(value):
    """The mask of a run's value of a tensor (all true where the layers
    gave it none), or None for a value not computed."""
    if value is None:
        return None
    mask = getattr(value, '_keras_mask', None)
    if mask is None:
        mask = torch.ones(value.shape[:-1], dtype=torch.bool,
                          device=value.device)
    return mask


class ProbeValues(object):
    """Stand-in values for a shape probe: small zero tensors of each
    symbolic tensor's static shape."""

    def __init__(self):
        self._made = {}
        # Set when the probed call takes K.gradients: its layer's inputs
        # must then carry gradients in real runs.
        self.uses_gradients = False

    def lookup(self, tensor):
        value = self._made.get(id(tensor))
        if value is None:
            value = dummy_value(tensor)
            self._made[id(tensor)] = (value, tensor)
            return value
        return value[0]


def _has_unknown_inner_dims(symbolic):
    return any(d is None for x in symbolic
               for d in (x._keras_shape or ())[1:])


def dummy_value(tensor, batch=2, unknown=3):
    """Zeros of a symbolic tensor's static shape (`batch` for an unknown
    batch size, `unknown` for another unknown dimension)."""
    shape = [batch if i == 0 and d is None else (unknown if d is None
                                                 else d)
             for i, d in enumerate(tensor._keras_shape)]
    dtype = K.torch_dtype(tensor.dtype) if tensor.dtype else torch.float32
    return torch.zeros(shape, dtype=dtype, device=K.get_device())


def _unknown_where_they_differ(shapes, other_outputs):
    """Marks unknown (None) the dimensions of `shapes` that another probe
    gave other sizes."""
    for shape, other in zip(shapes, other_outputs):
        for i, (a, b) in enumerate(zip(shape, other.shape)):
            if a != b:
                shape[i] = None


def _probe_inputs(symbolic, batch, unknown):
    """Stand-in values of an operation's symbolic inputs for a shape
    probe: zeros of their static shapes, the same zeros for the same
    tensor, and for a shape-like input (an integer scalar or vector made by
    operations, `K.shape(x)[1]`) the value those operations compute from
    the others' stand-ins, so that `K.reshape(x, [-1, s[0], s[1], 2, 3])`
    with `s = K.shape(x)[1:3]` agrees with the stand-in of `x`."""
    memo = {}

    def value(x):
        if id(x) not in memo:
            memo[id(x)] = _computed_shape_value(x, value) \
                if _is_shape_like(x) else dummy_value(x, batch, unknown)
        return memo[id(x)]
    return [value(x) for x in symbolic]


def _is_shape_like(x):
    history = getattr(x, '_keras_history', None)
    return history is not None and \
        isinstance(history[0], TensorOpLayer) and x._keras_shape is not \
        None and len(x._keras_shape) <= 1 and x.dtype is not None and \
        not K.torch_dtype(x.dtype).is_floating_point


def _computed_shape_value(x, value):
    layer, node_index, tensor_index = x._keras_history
    inputs = [value(t) for t in layer._inbound_nodes[node_index]
              .input_tensors]
    out = layer.call(inputs if len(inputs) > 1 else inputs[0])
    out = out[tensor_index] if isinstance(out, (list, tuple)) else out
    return out if isinstance(out, torch.Tensor) else \
        torch.as_tensor(np.asarray(out))


class running(object):
    """Context of a graph run: `values` answers for symbolic tensors."""

    def __init__(self, values):
        self.values = values

    def __enter__(self):
        call_context.run_stack().append(self.values)
        return self.values

    def __exit__(self, *exc):
        call_context.run_stack().pop()
        return False


def probing():
    return running(ProbeValues())


def probe_values():
    """The stand-in values of the innermost shape probe, or None."""
    for values in reversed(call_context.run_stack()):
        if isinstance(values, ProbeValues):
            return values
    return None


def run_value(tensor):
    """The value of a symbolic tensor in the innermost run that has it,
    or None."""
    for values in reversed(call_context.run_stack()):
        value = values.lookup(tensor)
        if value is not None:
            return value
    return None


def _resolved(container, paths):
    """`container` with each symbolic tensor at `paths` replaced by its
    value in the current run; None when one has no value."""
    for path in paths:
        value = run_value(_get(container, path))
        if value is None:
            return None
        container = _replace(container, path, value)
    return container


def apply_op(fn, args, kwargs=None, name=None, symbol=None,
             tf_parameters=None):
    """Records `fn(*args, **kwargs)` on symbolic arguments as a graph
    node and returns its symbolic output. Inside a graph run whose values
    cover every symbolic argument, computes `fn` on those values instead.
    `symbol` names the TensorFlow function the call is ('math.multiply'),
    with that function's parameter order; for a backend function standing
    for it, `tf_parameters` maps its parameter names to TensorFlow's."""
    kwargs = kwargs or {}
    arg_paths = _symbolic_paths(list(args))
    kwarg_paths = {key: _symbolic_paths(value)
                   for key, value in kwargs.items()}
    if call_context.run_stack():
        real_args = _resolved(list(args), arg_paths)
        real_kwargs = {} if real_args is not None else None
        for key, value in kwargs.items():
            if real_kwargs is None:
                break
            value = _resolved(value, kwarg_paths[key])
            if value is None and kwarg_paths[key]:
                real_kwargs = None
            else:
                real_kwargs[key] = kwargs[key] if value is None else value
        if real_args is not None and real_kwargs is not None:
            return fn(*real_args, **real_kwargs)
    paths = [('args', p) for p in arg_paths]
    for key, found in kwarg_paths.items():
        paths += [('kwargs', (key,) + p) for p in found]
    inputs = []
    for where, path in paths:
        source = list(args) if where == 'args' else kwargs
        inputs.append(_get(source, path))
    layer_class = TFOpLambdaNode if symbol and common.is_tf_keras() \
        else TensorOpLayer
    layer = layer_class(fn, args, kwargs, paths, name=name, symbol=symbol,
                        tf_parameters=tf_parameters)
    result = layer(inputs if len(inputs) > 1 else inputs[0])
    result_type = layer.__dict__.get('_result_type')
    result = result_type(*result) if result_type else result
    from ..tensorflow_graph_run import active_operations
    found = active_operations()
    if found and is_symbolic(result):
        # (Made inside `tf.control_dependencies`: its runs run the
        # block's operations first, `x * 2` as `tf.identity(x)`.)
        result._keras_control_dependencies = found
    return result


def apply_multi_output_op(fn, args, kwargs=None, name=None):
    """`apply_op` for a function returning a flat list of tensors: the
    symbolic result is a list with one symbolic tensor per output."""
    result = apply_op(lambda *a, **k: list(fn(*a, **k)), args, kwargs,
                      name=name)
    return list(result) if isinstance(result, (list, tuple)) else [result]


def graph_tensors_read_by(functions):
    """The symbolic tensors that Python functions (losses, metrics) read
    from outside their arguments: bound by functools.partial, in closure
    cells and defaults, module globals named in their code, attributes
    their code names of objects they hold (a VAE loss reading
    `self.mu`), and the same in the functions they call (the Keras 2 VAE
    loss reading `z_mean`, the WGAN-GP loss given `averaged_samples`
    through a partial)."""
    found = []
    seen = set()

    def add(value):
        if is_symbolic(value) and all(value is not t for t in found):
            found.append(value)

    def visit(fn, depth):
        hops = 0
        while hasattr(fn, 'func') and hasattr(fn, 'keywords') and hops < 8:
            for value in list(fn.args) + list(fn.keywords.values()):
                add(value)
            fn, hops = fn.func, hops + 1
        holder = getattr(fn, '__self__', None)
        fn = getattr(fn, '__func__', fn)
        code = getattr(fn, '__code__', None)
        if code is None or id(code) in seen:
            return
        seen.add(id(code))
        held = [] if holder is None else [holder]
        for cell in getattr(fn, '__closure__', None) or ():
            try:
                held.append(cell.cell_contents)
            except ValueError:
                continue
        held += list(getattr(fn, '__defaults__', None) or ())
        namespace = getattr(fn, '__globals__', {})
        held += [namespace[name] for name in code.co_names
                 if name in namespace]
        for value in held:
            add(value)
            if depth and callable(value) and not is_symbolic(value) and \
                    not isinstance(value, type) and \
                    getattr(value, '__module__', None) == fn.__module__:
                visit(value, depth - 1)
            elif _holds_attributes(value):
                for name in code.co_names:
                    add(getattr(value, name, None))

    for function in functions:
        visit(function, 3)
    return found


def _holds_attributes(value):
    """An object whose attributes a loss may read graph tensors from (a
    model class instance), not a module, class, function or tensor."""
    import types
    return hasattr(value, '__dict__') and not isinstance(
        value, (types.ModuleType, type, types.FunctionType,
                types.MethodType, types.BuiltinFunctionType,
                functools.partial, torch.Tensor, np.ndarray))


def read_keras_history(functions):
    """Whether losses or metrics read `y_pred._keras_history` (keras-contrib's
    CRF loss finds its layer, and that layer's inputs, through it): in
    their own code or in the module functions they call."""
    seen = set()

    def reads(fn, depth):
        while hasattr(fn, 'func') and hasattr(fn, 'keywords'):
            fn = fn.func
        fn = getattr(fn, 'fn', fn)
        code = getattr(fn, '__code__', None)
        if code is None or id(code) in seen:
            return False
        seen.add(id(code))
        if '_keras_history' in code.co_names:
            return True
        if depth == 0:
            return False
        namespace = getattr(fn, '__globals__', {})
        return any(reads(namespace.get(name), depth - 1)
                   for name in code.co_names
                   if callable(namespace.get(name)))

    return any(reads(fn, 2) for fn in functions)


# --------------------------------------------------------------- gradients
def _weight_target(variable):
    """(parameter, to-Keras-layout function) for a weight given as a
    Keras-layout view or a parameter."""
    source = getattr(variable, '_keras_source', None)
    if source is not None:
        layer_ref, record = source
        layer = layer_ref()
        param = getattr(layer, record.attr)
        return param, record.to_keras
    return variable, None


class _GradState(object):
    # False inside a K.function call that only reads values: no backward
    # pass follows, so gradients need no graph of their own.
    backward_follows = True
    # The ids of the gradient layers that the backward pass following
    # differentiates through (None: any may be).
    differentiated = None


_GRAD_STATE = _GradState()


class GradientLayer(Layer):
    """`K.gradients(loss, variables)` of a symbolic loss as a graph node:
    the gradient of the sum of `loss` with respect to each variable,
    computed with torch.autograd when the graph runs. Variables are
    symbolic tensors of the graph (inputs and intermediate outputs, which
    are the node's other inputs) or weights (held by the node). Like
    TensorFlow's, the gradient graph is itself differentiable (second
    order: gradient penalties, Hessian-vector products). An unconnected
    variable gets a zero gradient."""

    _raises_on_symbolic_call = True
    _is_graph_op = True

    def __init__(self, variables, name=None):
        prefix = 'gradients'
        super(GradientLayer, self).__init__(
            name=name or prefix + '_' + str(K.get_uid(prefix)))
        self._variables = list(variables)
        self._weight_targets = [None if is_symbolic(v) else v
                                for v in self._variables]
        self.supports_masking = True
        self.trainable = False
        self.higher_order = False

    def weight_parameters(self):
        return [_weight_target(v)[0] for v in self._weight_targets
                if v is not None]

    def call(self, inputs):
        values = list(inputs) if isinstance(inputs, (list, tuple)) else \
            [inputs]
        loss, symbolic_values = values[0], iter(values[1:])
        targets, layouts = [], []
        for weight in self._weight_targets:
            if weight is None:
                targets.append(next(symbolic_values))
                layouts.append(None)
            else:
                param, to_keras = _weight_target(weight)
                targets.append(param)
                layouts.append(to_keras)
        differentiated = _GRAD_STATE.differentiated
        create = self.higher_order or (
            _GRAD_STATE.backward_follows and torch.is_grad_enabled() and
            (differentiated is None or id(self) in differentiated))
        grads = _autograd(loss, targets, create)
        results = []
        for grad, target, to_keras in zip(grads, targets, layouts):
            if grad is None:
                grad = torch.zeros_like(target)
            results.append(to_keras(grad) if to_keras is not None else grad)
        return results if len(results) > 1 else results[0]

    def compute_output_shape(self, input_shape):
        shapes = [tuple(v._keras_shape) if is_symbolic(v) else
                  tuple(v.shape) for v in self._variables]
        return shapes if len(shapes) > 1 else shapes[0]

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        raise NotImplementedError(
            'Layer %s computes K.gradients inside the graph and cannot be '
            'serialized; rebuild the gradient computation after loading '
            'the model.' % self.name)


def _autograd(loss, targets, create_graph):
    if not loss.requires_grad:
        return [None] * len(targets)
    wanted = [i for i, t in enumerate(targets) if t.requires_grad]
    if not wanted:
        return [None] * len(targets)
    with torch.enable_grad():
        found = torch.autograd.grad(
            loss.sum() if loss.dim() else loss, [targets[i] for i in wanted],
            allow_unused=True, retain_graph=True, create_graph=create_graph)
    grads = [None] * len(targets)
    for i, g in zip(wanted, found):
        grads[i] = g
    return grads


def gradients(loss, variables):
    """Gradients of `loss` with respect to `variables` (a list; one
    gradient each). For a symbolic loss, symbolic gradient tensors that
    other backend functions, operators and `K.function` take like any
    tensor; for a loss computed now, the gradients now (symbolic variables
    then stand for their value in the current run)."""
    variables = list(variables) if isinstance(variables, (list, tuple)) \
        else [variables]
    if variable_graph.is_expression(loss) and variable_graph.recording():
        return _expression_gradients(loss, variables)
    if is_symbolic(loss):
        layer = GradientLayer(variables)
        symbolic_vars = [v for v in variables if is_symbolic(v)]
        inputs = [loss] + symbolic_vars
        out = layer(inputs if len(inputs) > 1 else loss)
        return list(out) if isinstance(out, (list, tuple)) else [out]
    runs = call_context.run_stack()
    probe = runs[-1] if runs and isinstance(runs[-1], ProbeValues) else None
    if probe is not None:
        # A shape probe of a layer whose call differentiates: real runs
        # of the graph will keep what it differentiates with respect to.
        probe.uses_gradients = True
        for v in variables:
            if is_symbolic(v):
                v._gradient_requested = True
    targets, layouts = [], []
    for v in variables:
        if is_symbolic(v):
            value = run_value(v)
            if value is None:
                raise ValueError(
                    'K.gradients of a computed loss with respect to the '
                    'symbolic tensor %r: that tensor has no value in the '
                    'current run. Take gradients of a symbolic loss (for '
                    'K.function or model.add_loss), or with respect to '
                    'tensors of the graph being run.' % (v,))
            targets.append(value)
            layouts.append(None)
        else:
            param, to_keras = _weight_target(v)
            targets.append(param)
            layouts.append(to_keras)
    grads = _autograd(loss, targets, torch.is_grad_enabled())
    if probe is not None:
        grads = [torch.zeros_like(t) if g is None else g
                 for g, t in zip(grads, targets)]
    return [g if g is None or to_keras is None else to_keras(g)
            for g, to_keras in zip(grads, layouts)]


def _expression_gradients(loss, variables):
    """K.gradients of an expression of variables written while no model
    runs: expressions too, computed again from the variables when read."""
    with torch.enable_grad():
        now = gradients(variable_graph.current(loss), variables)
    return [None if g is None else variable_graph.expression(
        g, functools.partial(_gradient_now, loss, variables, i))
        for i, g in enumerate(now)]


def _gradient_now(loss, variables, index):
    with torch.enable_grad():
        return gradients(variable_graph.current(loss), variables)[index]


# ---------------------------------------------------------------- function
def _flattened_arrays(values):
    """`values` with its nested lists and tuples of arrays or tensors
    spliced in (a list of numbers stays one value; None, an unfed
    value, as the sample weights of `_standardize_user_data`)."""
    flat = []
    for value in values:
        if isinstance(value, (list, tuple)) and all(
                v is None or
                isinstance(v, (list, tuple, np.ndarray, torch.Tensor))
                for v in value):
            flat.extend(_flattened_arrays(value))
        else:
            flat.append(value)
    return flat


class MaskValue(Layer):
    """The mask its input carries in a run (all true without one), as a
    boolean tensor of the input's shape without its last axis."""

    def __init__(self, **kwargs):
        super(MaskValue, self).__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return torch.ones(inputs.shape[:-1], dtype=torch.bool,
                              device=inputs.device)
        return mask

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return input_shape[:-1]

    def _output_dtype(self, inputs):
        return 'bool'


def _fetchable_mask(tensor):
    """`tensor`, or for the symbolic mask of a tensor a layer output
    that gives that mask in a run (made once per mask)."""
    source = getattr(tensor, '_mask_of', None)
    if source is None or getattr(tensor, '_keras_history', None):
        return tensor
    made = tensor.__dict__.get('_mask_value_output')
    if made is None:
        made = MaskValue()(source)
        tensor.__dict__['_mask_value_output'] = made
    return made


class Function(object):
    """A callable from input arrays to output arrays over a recorded graph
    (`K.function(inputs, outputs, updates)`). A non-tensor entry in
    `inputs` (such as `K.learning_phase()`) takes the learning phase: 1
    runs dropout and batch statistics as in training. Updates are applied
    after every output and update value has been computed, as a Keras 2
    (TensorFlow 1) session run does."""

    def __init__(self, inputs, outputs, updates=None, name=None):
        from .network import Network
        self.updates = _checked_updates(updates)
        # Layers update their state (BatchNormalization's moving
        # statistics) only when given their updates (`model.updates`, the
        # state variables here), as Keras 2 ran only the updates passed.
        self._layer_updates = any(
            isinstance(u, torch.Tensor) for u in updates or [])
        self.inputs = list(inputs) if isinstance(inputs, (list, tuple)) \
            else [inputs]
        if isinstance(outputs, (collections.abc.ValuesView,
                                collections.abc.KeysView,
                                collections.abc.Iterator)):
            # (`K.function(inputs, layer_outputs.values())`.)
            outputs = list(outputs)
        self.single_output = not isinstance(outputs, (list, tuple))
        self.outputs = [outputs] if self.single_output else list(outputs)
        # (Masks as tensors: `K.function(inputs, [layer.output_mask])`.)
        self.outputs = [_fetchable_mask(x) for x in self.outputs]
        self._symbolic_inputs = [x for x in self.inputs if is_symbolic(x)]
        graph_outputs = []
        targets = list(self.outputs)
        for update in self.updates:
            targets += update.symbolic_values()
        for target in targets:
            if is_symbolic(target) and all(target is not t
                                           for t in graph_outputs):
                graph_outputs.append(target)
        # Dataset elements and fixed tensors the outputs read are fed by
        # the run itself, as a TensorFlow 1 session run computed them.
        self._auto_fed = fed_tensors.fed_sources(
            graph_outputs, stop=self._symbolic_inputs)
        self._symbolic_inputs += self._auto_fed
        self._network = Network(self._symbolic_inputs, graph_outputs) \
            if graph_outputs else None
        self._backward_follows = any(isinstance(u, OptimizerUpdate)
                                     for u in self.updates)
        self._differentiated = _differentiated_gradients(
            [x for u in self.updates if isinstance(u, OptimizerUpdate)
             for x in u.symbolic_values()]) \
            if self._backward_follows else None

    def __call__(self, values):
        values = list(values) if isinstance(values, (list, tuple)) else \
            [values]
        flat = _flattened_arrays(values)
        if len(values) != len(self.inputs) or (
                len(flat) <= len(self.inputs) and
                any(a is not b for a, b in zip(flat, values))):
            # tf.keras flattens nested lists of arrays ((x, y, weights)
            # as `_standardize_user_data` returns them), also when there
            # are as many lists as inputs; a list of more arrays than
            # inputs fed to one input is stacked, as in Keras 2.2.
            values = flat
        if len(values) < len(self.inputs):
            # Keras 2 feeds the inputs pairwise: an input left out at the
            # end is not fed. A learning phase then takes its default; a
            # placeholder may go unfed where no output depends on it
            # (`K.function(inputs + targets, layer_outputs)([x])`).
            values = values + [None] * (len(self.inputs) - len(values))
        if len(values) > len(self.inputs) and not common.is_tf_keras():
            # Keras 2.0-2.3 pair the values with the inputs (zip): values
            # past the last input are ignored (tf.keras refuses them).
            values = values[:len(self.inputs)]
        if len(values) != len(self.inputs):
            raise ValueError('K.function expects %d input values, got %d.'
                             % (len(self.inputs), len(values)))
        # Not fed, the phase is the one `K.set_learning_phase` forced
        # (Keras 2 built the layers with it), else 0.
        phase = common.forced_learning_phase() or 0
        tensors, fed = [], []
        for symbolic, value in zip(self.inputs, values):
            if not is_symbolic(symbolic):
                if value is not None:
                    phase = int(np.asarray(value))
                continue
            if value is None:
                # (A placeholder with a default, as the sample weights.)
                value = getattr(symbolic, '_feed_default', None)
            if value is not None:
                tensors.append(_as_input(value, symbolic))
                fed.append(symbolic)
        if self._auto_fed:
            tensors += fed_tensors.values_for(self._auto_fed)
            fed += self._auto_fed
        computed = self._run(tensors, phase, self._network_over(fed))
        for symbolic, tensor in zip(fed, tensors):
            computed.setdefault(id(symbolic), tensor)
        results = [_to_numpy(computed[id(out)] if is_symbolic(out) else
                             _eager_value(out)) for out in self.outputs]
        with running(RunValues(computed)):
            for update in self.updates:
                update.prepare(computed)
            for update in self.updates:
                update.apply()
        return results[0] if self.single_output else results

    def _network_over(self, fed):
        """The recorded graph computed from the `fed` inputs only: an
        output needing an input left unfed raises, as a TensorFlow 1
        session run did."""
        from .network import Network
        if self._network is None or len(fed) == len(self._symbolic_inputs):
            return self._network
        key = tuple(id(x) for x in fed)
        partial = self.__dict__.setdefault('_partial_networks', {})
        if key not in partial:
            unfed = [x.name for x in self._symbolic_inputs
                     if all(x is not f for f in fed)]
            try:
                partial[key] = Network(fed, self._network.outputs)
            except ValueError:
                from ..tensorflow_compat import errors
                raise errors.InvalidArgumentError(
                    'You must feed a value for placeholder tensor(s) %s.'
                    % ', '.join(unfed)) from None
        return partial[key]

    def _run(self, tensors, phase, network):
        if network is None:
            return {}
        modules = list(network.modules())
        was = [m.training for m in modules]
        if any(flag is not bool(phase) for flag in was):
            network.train(bool(phase))
        frozen = [p for p in network._gradient_parameters()
                  if not p.requires_grad]
        previous = (_GRAD_STATE.backward_follows,
                    _GRAD_STATE.differentiated)
        kept = network._keep_map
        _GRAD_STATE.backward_follows = self._backward_follows
        _GRAD_STATE.differentiated = self._differentiated
        try:
            for p in frozen:
                p.requires_grad_(True)
            with common.loop_phase(phase, self._layer_updates), \
                    torch.enable_grad():
                network.__dict__['_keep_map'] = True
                network._run_graph(tensors)
                return dict(network._last_tensor_map or {})
        finally:
            _GRAD_STATE.backward_follows, _GRAD_STATE.differentiated = \
                previous
            for p in frozen:
                p.requires_grad_(False)
            network.__dict__['_keep_map'] = kept
            if not kept:
                network._last_tensor_map = None
            for m, flag in zip(modules, was):
                if m.training is not flag:
                    m.training = flag


def _differentiated_gradients(losses):
    """The ids of the gradient layers that differentiating `losses`
    goes through (those it reaches other than through `stop_gradient`,
    whose gradients then need a graph of their own); None where a layer
    running user code may read any tensor."""
    from .input_layer import InputLayer
    found, stack, seen = set(), list(losses), set()
    while stack:
        x = stack.pop()
        history = getattr(x, '_keras_history', None)
        if not is_symbolic(x) or not history or history[0] is None or \
                (id(history[0]), history[1]) in seen:
            continue
        layer = history[0]
        seen.add((id(layer), history[1]))
        if isinstance(layer, TensorOpLayer):
            if getattr(layer.fn, '__name__', None) == 'stop_gradient':
                continue
        elif isinstance(layer, GradientLayer):
            found.add(id(layer))
        elif getattr(layer, '_is_graph_network', False):
            stack.extend(layer.outputs)
        elif not isinstance(layer, InputLayer) and (
                base_layer._class_flags(type(layer))['user'] or
                getattr(layer, '_runs_user_code', False) or
                getattr(layer, '_is_graph_network', None) is False):
            return None
        node = layer._inbound_nodes[history[1]]
        stack.extend(list(node.input_tensors) + [
            v for v in (node.arguments or {}).values() if is_symbolic(v)])
    return found


def _eager_value(value):
    if callable(value) and not isinstance(value, torch.Tensor):
        value = value()
    return variable_graph.current(value)


class VariableUpdate(object):
    """A (variable, new value) update op: `K.update(x, v)`,
    `K.update_add(x, d)`, `K.update_sub(x, d)` of a symbolic value, or
    written while no model runs, or a plain pair. With `combine`, the
    variable takes `combine(variable, value)` (the sum of update_add).
    K.function runs it after computing its outputs; K.get_value /
    K.batch_get_value run it now and return the new value, as a Keras 2
    session run of an assign op."""

    def __init__(self, variable, value, combine=None):
        self.variable = variable
        self.value = value
        self.combine = combine
        self._new = None

    def symbolic_values(self):
        return [self.value] if is_symbolic(self.value) else []

    def prepare(self, computed):
        value = computed[id(self.value)] if is_symbolic(self.value) else \
            _eager_value(self.value)
        variable = self.variable
        value = torch.as_tensor(value, device=variable.device)
        if self.combine is not None:
            with torch._C.DisableTorchFunctionSubclass():
                value = self.combine(variable_graph.leaf_value(variable),
                                     value)
        self._new = value.to(variable.dtype).detach().reshape(
            variable.shape)

    def run(self):
        """Applies the update now; returns the variable's new value."""
        if self.symbolic_values():
            raise ValueError(
                'This update takes the value of the symbolic tensor %r, '
                'which has a value only when the graph runs: pass the '
                'update to K.function(inputs, outputs, updates=[...]).'
                % (self.value,))
        with variable_graph.quiet():
            self.prepare({})
            self.apply()
        return K.get_value(self.variable)

    def numpy(self):
        return self.run()

    def apply(self):
        new, self._new = self._new, None
        variable_graph.write(self.variable, new)


def as_variable_update(update):
    """An update op from `K.update` and friends, or a `(variable,
    new_value)` pair, as a VariableUpdate; None for anything else."""
    if isinstance(update, VariableUpdate):
        return update
    if isinstance(update, (list, tuple)) and len(update) == 2 and \
            isinstance(update[0], torch.Tensor):
        return VariableUpdate(update[0], update[1])
    return None


def _checked_updates(updates):
    """K.function's updates: optimizer updates (from `get_updates`),
    K.update/update_add/update_sub results and (variable, new_value)
    pairs."""
    checked = []
    for update in updates or []:
        if isinstance(update, OptimizerUpdate) or \
                as_variable_update(update) is not None:
            checked.append(update if isinstance(update, OptimizerUpdate)
                           else as_variable_update(update))
        elif isinstance(update, torch.Tensor):
            # K.update/update_add on computed values has already been
            # applied and returned the variable: nothing is left to run.
            continue
        else:
            raise NotImplementedError(
                'K.function(updates=...) takes the updates of '
                '`optimizer.get_updates(loss, params)`, the results of '
                'K.update/K.update_add/K.update_sub and (variable, '
                'new_value) pairs; got %r.' % (update,))
    return checked


class OptimizerUpdate(object):
    """`optimizer.get_updates(loss, params)`: one optimizer step on the
    weights `params` for the value of `loss`, each time a K.function
    holding it runs. Weight constraints are applied after the step, as
    Keras 2 does."""

    def __init__(self, optimizer, loss, params):
        self.optimizer = optimizer
        self.loss = loss
        self.params = params
        self._targets = [_weight_target(p)[0] for p in params]
        self._attached = False
        self._loss_value = None

    def symbolic_values(self):
        return [self.loss] if is_symbolic(self.loss) else []

    def prepare(self, computed):
        if is_symbolic(self.loss):
            self._loss_value = computed[id(self.loss)]
            return
        with torch.enable_grad():
            # An expression of variables (a model called on a variable
            # input): computed again from their values now.
            self._loss_value = variable_graph.current(self.loss)

    def apply(self):
        loss, self._loss_value = self._loss_value, None
        if loss.dim():
            # tf.gradients of a non-scalar loss: the gradient of its sum.
            loss = loss.sum()
        targets = self._targets
        if not self._attached:
            self.optimizer._attach([t for t in targets
                                    if isinstance(t, torch.nn.Parameter)])
            self._attached = True
        grads = torch.autograd.grad(loss, targets, allow_unused=True)
        for target, grad in zip(targets, grads):
            target.grad = None if grad is None else grad.detach()
        self.optimizer.step()
        for target in targets:
            target.grad = None
        self._apply_constraints()

    def _apply_constraints(self):
        for param in self.params:
            source = getattr(param, '_keras_source', None)
            if source is None:
                continue
            layer, record = source[0](), source[1]
            if layer is not None and record.constraint is not None:
                with torch.no_grad():
                    record.assign(layer, record.constraint(
                        record.keras_tensor(layer)))


def _as_input(value, symbolic):
    from .data_adapter import to_tensor
    tensor = to_tensor(value)
    if getattr(symbolic, 'dtype', None) == 'bool':
        # A bool placeholder is fed booleans (a session run converts a
        # fed value to the placeholder's dtype: 1.5 -> True).
        tensor = tensor.to(torch.bool)
    shape = getattr(symbolic, '_keras_shape', None)
    if getattr(symbolic, '_keras_unknown_rank', False):
        # (`tf.placeholder(tf.float32)` without a shape: fed any shape,
        # which the value keeps, a Python number a scalar.)
        if not isinstance(value, torch.Tensor):
            tensor = tensor.reshape(np.shape(value))
    elif shape == () and tensor.numel() == 1:
        tensor = tensor.reshape(())     # a scalar placeholder
    elif isinstance(shape, tuple) and tensor.dim() != len(shape):
        # (A TensorFlow 1 session refused such a feed.)
        raise ValueError('Cannot feed value of shape %s for input %r, '
                         'which has shape %s.'
                         % (tuple(tensor.shape), symbolic.name, shape))
    device = K.get_device()
    for layer in getattr(symbolic, '_keras_history', (None,))[:1]:
        params = list(layer.parameters()) if layer is not None else []
        if params:
            device = params[0].device
    return tensor.to(device)


def _to_numpy(tensor):
    """A fetched value as a NumPy array; a scalar as a NumPy scalar
    (np.float32), as a TensorFlow session run returns it."""
    if isinstance(tensor, torch.Tensor):
        array = tensor.detach().cpu().numpy()
    else:
        array = np.asarray(tensor)
    return array[()] if array.ndim == 0 else array


def function(inputs, outputs, updates=None, **kwargs):
    return Function(inputs, outputs, updates=updates, name=kwargs.get('name'))


# --------------------------------------------------------- symbolic losses
class SymbolicLoss(object):
    """A loss given as a symbolic tensor of a model's graph, read from the
    model's latest forward pass."""

    def __init__(self, tensor, network):
        self.tensor = tensor
        self._network = weakref.ref(network)

    def __call__(self):
        network = self._network()
        values = network._last_tensor_map if network is not None else None
        if not values or id(self.tensor) not in values:
            # No run of the model has computed it yet (it was added after
            # the latest one): `model.losses` lists the symbolic tensor,
            # as Keras 2 does.
            return self.tensor
        # (A per-sample value stays one: the step differentiates the sum
        # of the total loss and logs its mean, as Keras does.)
        return values[id(self.tensor)]


def latest_value(tensor):
    """The value of a symbolic loss that a layer added (`add_loss` of a
    graph tensor): its value in the current or latest run of a model
    whose graph computes it."""
    value = run_value(tensor)
    if value is None:
        value = _latest_values.get(id(tensor))
    if value is None:
        # No run has computed it yet: `model.losses` lists the symbolic
        # tensor, as Keras 2 does.
        return tensor
    return value if value.dim() == 0 else value.mean()


# The latest value of each symbolic loss added by a layer, written by the
# model run that computed it.
_latest_values = weakref.WeakValueDictionary()
