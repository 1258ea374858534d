"""Running a TensorFlow 1 graph built from Keras layers and `tf.*` ops:
`Session.run(fetches, feed_dict)`, `tensor.eval(feed_dict)` and
`op.run(feed_dict)`, and the training operations that
`optimizer.minimize(loss)` and `optimizer.apply_gradients(pairs)` return
for a symbolic loss or symbolic gradients.

A run computes every fetched tensor and applies every fetched update in
one `K.function` call, as one session run: the values fetched next to a
training operation are those from before its step."""
import collections
import contextlib

import numpy as np
import torch

from . import backend as K
from .backend import graph_names as _graph_names
from .engine.symbolic import OptimizerUpdate, VariableUpdate, is_symbolic


class TrainOp(object):
    """The operation a TF1 optimizer's `minimize(loss)` or
    `apply_gradients(grads_and_vars)` returns for a symbolic loss or
    gradients: each run of it (`session.run(op, feed_dict)`,
    `op.run(feed_dict)`) computes the gradients from that run's feeds and
    takes one step of the optimizer."""

    type = 'NoOp'

    def __init__(self, update, name, dependencies=()):
        self.update = update
        self.name = name
        # What `tf.control_dependencies` around its making made it wait
        # for (BatchNormalization's updates): run with it.
        self.dependencies = list(dependencies)

    graph = property(lambda self: _graph_names.default_graph())

    def run(self, feed_dict=None, session=None):
        return run(self, feed_dict)

    def __repr__(self):
        return '<tf.Operation %r type=NoOp>' % self.name


class AssignOp(VariableUpdate):
    """What `variable.assign(value)`, `assign_add` and `assign_sub`
    return in a TensorFlow 1 graph program: the assignment, made each
    time a run fetches it (`session.run(op)`, which gives the new value;
    `K.function(..., updates=[op])`; `model.add_update(op)`; K.get_value
    or `op.eval()`, which run it once). `op.op` is its operation, whose
    runs give None."""

    def __init__(self, variable, value, combine=None, name=None):
        if isinstance(value, AssignOp):
            value = value.read()
        VariableUpdate.__init__(self, variable, value, combine)
        self.name = name or {None: 'Assign', torch.add: 'AssignAdd',
                             torch.sub: 'AssignSub'}.get(combine, 'Assign')
        self._keras_control_dependencies = _merged(
            active_operations(), dependencies_of_values([value]))
        self._read = None

    def read(self):
        """The assignment as a tensor (`m_t * 2`, `tf.sqrt(m_t)`): the
        variable's value after it, an expression whose runs make the
        assignment first, once per run."""
        if self._read is None:
            from .backend import variable_graph
            with torch._C.DisableTorchFunctionSubclass():
                now = variable_graph.leaf_value(self.variable).detach()
            self._read = variable_graph.expression(
                now.clone(), torch.clone, (self.variable,))
            self._read._keras_control_dependencies = [self]
        return self._read

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return func(*_reads(args), **_reads(kwargs or {}))

    @property
    def shape(self):
        return self.read().shape

    @property
    def dtype(self):
        return self.variable.dtype

    @property
    def op(self):
        return TrainOp(self, self.name)

    graph = property(lambda self: _graph_names.default_graph())

    def eval(self, feed_dict=None, session=None):
        return run(self, feed_dict)

    def __repr__(self):
        return '<tf.Tensor %r (assignment of %s)>' % (
            self.name, getattr(self.variable, 'name', None))


def _reads(tree):
    """`tree` with each assign op replaced by its read."""
    if isinstance(tree, AssignOp):
        return tree.read()
    if type(tree) in (list, tuple):
        return type(tree)(_reads(x) for x in tree)
    if type(tree) is dict:
        return {k: _reads(v) for k, v in tree.items()}
    return tree


def _read_operator(name):
    def operator(self, *args):
        return getattr(self.read(), name)(*_reads(args))
    operator.__name__ = name
    return operator


for _name in ('add', 'radd', 'sub', 'rsub', 'mul', 'rmul', 'truediv',
              'rtruediv', 'floordiv', 'rfloordiv', 'pow', 'rpow', 'mod',
              'neg', 'abs', 'getitem', 'matmul', 'rmatmul', 'lt', 'le',
              'gt', 'ge', 'float', 'int', 'array'):
    setattr(AssignOp, '__%s__' % _name, _read_operator('__%s__' % _name))


class GroupOp(list):
    """What `tf.group(*inputs)` returns: an operation whose run runs
    every input (nested lists included) and gives None. It is also the
    list of its inputs, for the code that reads it as one (a
    `get_updates` returning `[tf.group(*updates)]`)."""

    type = 'NoOp'

    def __init__(self, inputs, name=None):
        list.__init__(self, inputs)
        self.name = name or 'group_deps'
        self._keras_control_dependencies = active_operations()

    @property
    def dependencies(self):
        leaves = []
        _flatten(list(self), leaves)
        return [x for x in leaves if x is not None]

    def run(self, feed_dict=None, session=None):
        return run(self, feed_dict)

    def __repr__(self):
        return '<tf.Operation %r type=NoOp>' % self.name


class _FedHypers(object):
    """An optimizer step whose optimizer takes a hyperparameter from the
    graph (`tf.train.AdamOptimizer(learning_rate=lr)`, `lr` a placeholder):
    the run computes it with the rest, and the step uses that value."""

    def _fed_hypers(self):
        return self.optimizer.__dict__.get('_keras_graph_hypers') or {}

    def symbolic_values(self):
        return super(_FedHypers, self).symbolic_values() + \
            list(self._fed_hypers().values())

    def prepare(self, computed):
        self._hyper_values = [(name, computed[id(tensor)]) for name, tensor
                              in self._fed_hypers().items()]
        super(_FedHypers, self).prepare(computed)

    def apply(self):
        with torch.no_grad():
            for name, value in self.__dict__.pop('_hyper_values', ()):
                self.optimizer._hyper[name].fill_(float(value))
        super(_FedHypers, self).apply()


class MinimizeUpdate(_FedHypers, OptimizerUpdate):
    """One optimizer step on the gradients of a graph loss."""


class _GradientsStep(OptimizerUpdate):
    """One optimizer step on gradients given as tensors of the graph
    (`apply_gradients(zip(tf.gradients(...), weights))`), computed in the
    run that applies them. A `None` gradient leaves its variable alone."""

    def __init__(self, optimizer, grads_and_vars):
        pairs = [(g, v) for g, v in grads_and_vars]
        self.optimizer = optimizer
        self.pairs = pairs
        self.params = [v for _, v in pairs]
        self._values = None

    def symbolic_values(self):
        return [g for g, _ in self.pairs if is_symbolic(g)]

    def prepare(self, computed):
        self._values = [
            None if g is None else
            (computed[id(g)] if is_symbolic(g) else K.get_value(g))
            for g, _ in self.pairs]

    def apply(self):
        values, self._values = self._values, None
        with torch.no_grad():
            self.optimizer.apply_gradients(
                (None if value is None else torch.as_tensor(value), v)
                for value, (_, v) in zip(values, self.pairs))
        self._apply_constraints()


class CheckUpdate(OptimizerUpdate):
    """The run of a checking tensor of the graph (`tf.Assert`'s): the
    run computes it, and its computation raises where the check
    fails."""

    def __init__(self, tensor):
        self.tensor = tensor
        self.params = []

    def symbolic_values(self):
        return [self.tensor]

    def prepare(self, computed):
        return None

    def apply(self):
        return None


def check_op(tensor, name):
    """An operation whose runs compute `tensor`, a check raising
    InvalidArgumentError when it fails (`tf.Assert`, `tf.assert_equal`
    on graph tensors): a `tf.control_dependencies` input, or fetched
    (giving None)."""
    return TrainOp(CheckUpdate(tensor), name, active_dependencies())


class GradientsUpdate(_FedHypers, _GradientsStep):
    """`_GradientsStep` with the hyperparameters the graph gives."""


def minimize_op(optimizer, loss, var_list=None, name=None):
    """`optimizer.minimize(loss)` of a symbolic `loss`: a TrainOp on
    `var_list`, by default every trainable variable the loss depends
    on (the graph's trainable variables, as TF1 takes them)."""
    if var_list is None:
        var_list = trainable_variables_of(loss)
    elif callable(var_list):
        var_list = var_list()
    var_list = list(var_list)
    if not var_list:
        raise ValueError('No variables to optimize: the loss %r depends on '
                         'no trainable variable.' % (loss,))
    return TrainOp(MinimizeUpdate(optimizer, loss, var_list),
                   name or 'minimize', active_dependencies())


def apply_gradients_op(optimizer, grads_and_vars, name=None):
    """`optimizer.apply_gradients(grads_and_vars)` with gradients that are
    tensors of the graph: a TrainOp."""
    pairs = list(grads_and_vars)
    if all(g is None for g, _ in pairs):
        raise ValueError('No gradients provided for any variable: %s.'
                         % ([getattr(v, 'name', v) for _, v in pairs],))
    return TrainOp(GradientsUpdate(optimizer, pairs),
                   name or 'apply_gradients', active_dependencies())


_CONTROL_INPUTS = []


@contextlib.contextmanager
def control_dependencies(control_inputs):
    """Records `control_inputs` (operations, updates, nested lists of
    them) for the training operations made inside, which run them."""
    _CONTROL_INPUTS.append([] if control_inputs is None
                           else list(control_inputs))
    try:
        yield
    finally:
        _CONTROL_INPUTS.pop()


def active_dependencies():
    leaves = []
    for inputs in _CONTROL_INPUTS:
        _flatten(inputs, leaves)
    return [x for x in leaves if x is not None]


def is_operation(x):
    """Whether `x` is an operation a run can run (an assignment, an
    update, a training operation or a group)."""
    return isinstance(x, (VariableUpdate, OptimizerUpdate, TrainOp,
                          GroupOp))


def active_operations():
    """The operations of the enclosing `tf.control_dependencies` blocks,
    which the graph tensors and operations made inside wait for."""
    if not _CONTROL_INPUTS:
        return []
    return [x for x in active_dependencies() if is_operation(x)]


def dependencies_of_values(values):
    """The operations the tensors among `values` (lists one level deep)
    wait for: those their making inside `tf.control_dependencies` or
    from an assign op's value gave them."""
    found = []
    for value in values:
        items = value if type(value) in (list, tuple) else (value,)
        for item in items:
            if isinstance(item, AssignOp):
                found = _merged(found, [item])
            else:
                found = _merged(found, getattr(
                    item, '_keras_control_dependencies', None) or ())
    return found


def _merged(first, second):
    if not second:
        return first
    seen = set(id(x) for x in first)
    return list(first) + [x for x in second if id(x) not in seen and
                          not seen.add(id(x))]


def control_dependencies_of(x):
    """The operations that must run before `x` in a run: those it was
    made waiting for, and for symbolic tensors (and operations computing
    them) those of the graph tensors it is computed from."""
    found = list(getattr(x, '_keras_control_dependencies', None) or ())
    if is_symbolic(x):
        tensors = [x]
    elif isinstance(x, TrainOp):
        tensors = x.update.symbolic_values()
    elif isinstance(x, (VariableUpdate, OptimizerUpdate)):
        tensors = x.symbolic_values()
    else:
        return found
    for tensor in tensors:
        found = _merged(found, _graph_dependencies(tensor))
    return found


def _graph_dependencies(tensor):
    """The operations the symbolic tensors and expressions `tensor` is
    computed from wait for."""
    found, stack, visited = [], [tensor], set()
    while stack:
        x = stack.pop()
        if id(x) in visited:
            continue
        visited.add(id(x))
        found = _merged(found, getattr(
            x, '_keras_control_dependencies', None) or ())
        history = _computing_history(x)
        if not history or history[0] is None:
            continue
        layer = history[0]
        node = layer._inbound_nodes[history[1]]
        stack.extend(list(node.input_tensors) +
                     _argument_tensors(node.arguments))
        if getattr(layer, '_is_graph_op', False):
            found = _merged(found, dependencies_of_values(
                _template_values(layer)))
    return found


def stages(leaves):
    """`leaves` and every operation they wait for, in the stages of one
    run: an operation runs in a stage before those of the tensors and
    operations made waiting for it (`tf.control_dependencies`, a read of
    an assign op); the members of a group and the dependencies of a
    training operation run with it or earlier. Each runs once."""
    levels, nodes = {}, []

    def level(x, active):
        if id(x) in levels:
            return levels[id(x)]
        if id(x) in active:
            raise ValueError('Graph cycle: %r waits for itself.' % (x,))
        active.add(id(x))
        value = 0
        for before in control_dependencies_of(x):
            value = max(value, level(before, active) + 1)
        for member in getattr(x, 'dependencies', None) or ()                 if isinstance(x, (GroupOp, TrainOp)) else ():
            value = max(value, level(member, active))
        active.discard(id(x))
        levels[id(x)] = value
        nodes.append(x)
        return value

    for leaf in leaves:
        level(leaf, set())
    count = max(levels.values()) + 1 if levels else 1
    result = [[] for _ in range(count)]
    for x in nodes:
        result[levels[id(x)]].append(x)
    return result


def staged_function(make, inputs, outputs, updates, kwargs):
    """K.function(inputs, outputs, updates) (`make`); where the outputs
    need a placeholder that `inputs` lacks, a function whose calls raise
    TensorFlow's InvalidArgumentError for it, as Keras 2's do."""
    try:
        return _staged_function(make, inputs, outputs, updates, kwargs)
    except ValueError:
        placeholder = _unfed_placeholder(
            _as_list(outputs) + list(updates or []),
            set(id(x) for x in _as_list(inputs)))
        if placeholder is None:
            raise
        return _UnfedFunction(placeholder)


class _UnfedFunction(object):
    """A K.function missing an input its outputs need: each call raises
    InvalidArgumentError naming the placeholder."""

    def __init__(self, placeholder):
        self.placeholder = placeholder

    def __call__(self, *args, **kwargs):
        raise unfed_error(self.placeholder)


def _staged_function(make, inputs, outputs, updates, kwargs):
    """K.function(inputs, outputs, updates) (`make`), whose calls first
    run the operations that its outputs and updates wait for
    (`tf.control_dependencies`, reads of assign ops), in as many calls
    as their order needs; groups and training operations among the
    updates run their members."""
    items = list(updates or [])
    if not any(isinstance(u, (GroupOp, TrainOp)) or
               type(u).__name__ == '_NoOp' or
               control_dependencies_of(u) for u in items) and not any(
            control_dependencies_of(o) for o in _as_list(outputs)):
        return make(inputs, outputs, updates=updates, **kwargs)
    items = [u for u in items if type(u).__name__ != '_NoOp']
    listed = isinstance(outputs, (list, tuple))
    outputs = _as_list(outputs)
    order = stages(outputs + items)
    last = len(order) - 1
    calls = [make(inputs, [], updates=_updates_of(
        [x for x in stage if not is_symbolic(x)]), **kwargs)
        for stage in order[:last]]
    rest = [x for x in order[last] if not is_symbolic(x) and
            not any(x is o for o in outputs)]
    calls.append(make(inputs, outputs, updates=_updates_of(rest), **kwargs))
    return _StagedFunction(calls, listed)


def _as_list(outputs):
    if isinstance(outputs, (list, tuple)):
        return list(outputs)
    return [] if outputs is None else [outputs]


def _updates_of(operations):
    updates = []
    for x in operations:
        if isinstance(x, TrainOp):
            updates.append(x.update)
        elif not isinstance(x, GroupOp):
            updates.append(x)
    return updates


class _StagedFunction(object):
    """K.function calls made one after the other, giving the last one's
    outputs."""

    def __init__(self, calls, listed):
        self.calls = calls
        self.listed = listed

    def __call__(self, *args, **kwargs):
        for call in self.calls[:-1]:
            call(*args, **kwargs)
        values = self.calls[-1](*args, **kwargs)
        return values if self.listed else values[0]

    def __getattr__(self, name):
        return getattr(self.__dict__['calls'][-1], name)


# ---------------------------------------------------------- graph walks
def trainable_variables_of(tensor):
    """The trainable weights of the layers a symbolic tensor is computed
    with, and the trainable variables its operations read, in the order
    the graph reaches them from its inputs. For an expression of
    variables (`tf.reduce_mean(tf.square(W * x_data + b - y_data))`), the
    trainable variables it reads."""
    from .backend import variable_graph
    if variable_graph.is_expression(tensor):
        return [v for v in variable_graph.variables_of(tensor)
                if _is_trainable_variable(v)]
    found, seen_layers, seen = [], set(), set()

    def add(variable):
        if id(variable) not in seen:
            seen.add(id(variable))
            found.append(variable)

    for layer in _layers_behind(tensor):
        if id(layer) in seen_layers:
            continue
        seen_layers.add(id(layer))
        if getattr(layer, '_is_graph_op', False):
            for value in _template_values(layer):
                if _is_trainable_variable(value):
                    add(value)
        elif layer.trainable:
            if getattr(layer, '_is_graph_network', False):
                # (A model called on the tensor: what its outputs are
                # computed with, operations on weights included.)
                for output in layer.outputs:
                    for variable in trainable_variables_of(output):
                        add(variable)
            for weight in layer.trainable_weights:
                add(weight)
    return found


def _is_trainable_variable(value):
    """Whether an operation's argument is a trainable variable: a leaf
    tensor requiring gradients, or a layer's trainable weight."""
    from .engine.base_layer import KerasWeightView
    if not isinstance(value, torch.Tensor):
        return False
    if isinstance(value, KerasWeightView):
        return bool(value.trainable)
    return value.requires_grad and value.is_leaf


def _layers_behind(tensor):
    """The layers of the nodes computing `tensor`, inputs first."""
    order, visited = [], set()
    stack = [(tensor, False)]
    while stack:
        x, expanded = stack.pop()
        history = _computing_history(x)
        if not history or history[0] is None:
            continue
        layer, node_index = history[0], history[1]
        key = (id(layer), node_index)
        if expanded:
            order.append(layer)
            continue
        if key in visited:
            continue
        visited.add(key)
        stack.append((x, True))
        node = layer._inbound_nodes[node_index]
        for parent in list(node.input_tensors) + \
                _argument_tensors(node.arguments):
            stack.append((parent, False))
    return order


def _computing_history(x):
    """`x._keras_history`; for a computed tensor that a run may be fed
    (the output of an input layer over it), that of what computes it."""
    history = getattr(x, '_keras_history', None)
    if history and history[0] is not None:
        source = getattr(history[0], '_source_history', None)
        if source is not None:
            return source
    return history


def _argument_tensors(arguments):
    return [v for v in (arguments or {}).values() if is_symbolic(v)]


def _template_values(layer):
    args, kwargs = getattr(layer, '_template', ((), {}))
    values = []

    def visit(value):
        if isinstance(value, (list, tuple)):
            for item in value:
                visit(item)
        elif isinstance(value, dict):
            for item in value.values():
                visit(item)
        else:
            values.append(value)

    visit(list(args))
    visit(dict(kwargs))
    return values


# ----------------------------------------------------------------- runs
def run(fetches, feed_dict=None):
    """The values of `fetches` (tensors, variables, operations, or nested
    lists, tuples and dicts of them) in one run with `feed_dict` fed:
    symbolic tensors as NumPy values, None for operations, a variable's
    value (after the run, for a variable that an assignment or a layer's
    state update in the run changes)."""
    from . import tensorflow_v1_distributed
    fetches = tensorflow_v1_distributed.shared_training(fetches)
    fed, held = {}, []
    for key, value in _feed_pairs(feed_dict or {}):
        key = _check_feed_key(key)
        if isinstance(key, torch.Tensor) and not is_symbolic(key):
            held.append((key, _feed_value(key, value)))
        else:
            fed[feedable(key)] = _feed_value(key, value)
    leaves = []
    structure = _flatten(fetches, leaves)
    leaves = [_fetch_element(x) for x in leaves]
    leaves, finish = _host_computed(leaves)
    keys = list(fed)
    values = {}
    with _holding(held):
        for stage in _cached_stages(leaves):
            for leaf, value in zip(stage, _run_stage(stage, fed, keys)):
                values[id(leaf)] = value
    return _rebuild(structure, iter(finish([values[id(x)]
                                            for x in leaves])))


def _host_computed(leaves):
    """The leaves with each one computed on the host from others (a TF1
    summary tensor, `_keras_host_inputs`) replaced by those; and the
    function giving the fetched values back from theirs."""
    if not any(hasattr(x, '_keras_host_inputs') for x in leaves):
        return leaves, lambda values: values
    flat, spans = [], []
    for leaf in leaves:
        inputs = getattr(leaf, '_keras_host_inputs', None)
        inputs = [leaf] if inputs is None else list(inputs)
        spans.append((leaf, len(flat), len(inputs)))
        flat.extend(inputs)
    flat, inner = _host_computed(flat)

    def finish(values):
        values = inner(values)
        return [values[start] if not hasattr(leaf, '_keras_host_inputs')
                else leaf._keras_host_value(values[start:start + count])
                for leaf, start, count in spans]
    return flat, finish


def _feed_pairs(feed_dict):
    """(tensor, value) for each tensor `feed_dict` feeds: a key that is a
    tuple of tensors (an LSTM's `LSTMStateTuple(c, h)`, a stacked cell's
    state) feeds each of its tensors from the matching part of its
    value."""
    pairs = []

    def add(key, value):
        if isinstance(key, (tuple, list)) and not is_symbolic(key):
            if not isinstance(value, (tuple, list)) and \
                    np.ndim(value) and len(value) == len(key):
                value = list(value)
            if not isinstance(value, (tuple, list)) or \
                    len(value) != len(key):
                flat_key, flat_value = _flat(key), _flat(value)
                raise ValueError(
                    'Could not flatten dictionary. Key had %d elements, but '
                    'value had %d elements. Key: %s, value: %s.'
                    % (len(flat_key), len(flat_value), flat_key,
                       flat_value))
            for part, part_value in zip(key, value):
                add(part, part_value)
        else:
            pairs.append((key, value))

    for key, value in feed_dict.items():
        add(key, value)
    return pairs


def _flat(structure):
    """The leaves of nested tuples and lists, as a list."""
    if isinstance(structure, (tuple, list)) and not is_symbolic(structure):
        return [leaf for part in structure for leaf in _flat(part)]
    return [structure]


def _shape_text(shape):
    dims = ['?' if d is None else str(d) for d in shape]
    return '(%s,)' % dims[0] if len(dims) == 1 else '(%s)' % ', '.join(dims)


def _feed_value(key, value):
    """`value` checked against the static shape of the tensor it feeds,
    as a session run checks it; a fed variable or constant takes the
    value in its own dtype."""
    if type(key).__name__ == 'LearningPhase':
        return value
    static = _static_shape(key)
    if isinstance(key, torch.Tensor) and not is_symbolic(key):
        dtype = _numpy_dtype(key)
    else:
        dtype = _symbolic_numpy_dtype(key)
    if isinstance(value, torch.Tensor):
        array = value
    elif dtype is None:
        array = np.asarray(value)
    else:
        array = _feed_array(value, dtype)
    shape = tuple(array.shape)
    if static is not None and (len(shape) != len(static) or any(
            d is not None and d != s for d, s in zip(static, shape))):
        raise ValueError('Cannot feed value of shape %s for Tensor %s, '
                         'which has shape %s'
                         % (_shape_text(shape), _tensor_name(key),
                            _shape_text(static)))
    if dtype is None and isinstance(value, (np.ndarray, np.generic, int,
                                            float, bool)):
        return value
    return array


def _feed_array(value, dtype):
    """`value` in `dtype` as a session run converts a fed value: numbers
    cast as NumPy casts them (1.5 -> 1, overflow wraps), a Python int
    that the dtype cannot hold is a TypeError."""
    if isinstance(value, int) and dtype != object and \
            dtype.type(np.array(value).astype(dtype)) != value:
        raise TypeError(
            'Type of feed value %s with type %s is not compatible with '
            'Tensor type %s. Try explicitly setting the type of the feed '
            'tensor to a larger type (e.g. int64).'
            % (value, type(value), dtype.type))
    if np.issubdtype(dtype, np.number):
        return np.asarray(value).astype(dtype, copy=False)
    return np.asarray(value, dtype=dtype)


def _symbolic_numpy_dtype(key):
    dtype = getattr(key, 'dtype', None)
    if isinstance(dtype, torch.dtype):
        return _numpy_dtype(torch.empty((), dtype=dtype))
    try:
        return np.dtype(str(dtype)) if dtype is not None else None
    except TypeError:
        return None


def _static_shape(key):
    if getattr(key, '_keras_unknown_rank', False):
        return None                 # (a placeholder made without a shape)
    shape = getattr(key, '_keras_shape', None)
    if shape is None and isinstance(key, torch.Tensor):
        shape = tuple(key.shape)
    if shape is None:
        return None
    return tuple(None if d is None else int(d) for d in shape)


def _numpy_dtype(tensor):
    return torch.empty((), dtype=tensor.dtype).numpy().dtype


def _tensor_name(key):
    name = getattr(key, 'name', None)
    if not isinstance(name, str) or not name:
        return repr(key)
    return name if ':' in name else name + ':0'


def feedable(key):
    """`key` as a tensor a run may be fed: a tensor computed in the graph
    (an RNN's initial state, a hidden layer's output) becomes the output
    of an input layer that remembers what computed it, so a run fed it
    starts there and a run fed what it came from computes it, as a
    TensorFlow 1 session substitutes a fed tensor's value."""
    from .engine.input_layer import InputLayer
    history = getattr(key, '_keras_history', None)
    if history is None or isinstance(history[0], InputLayer):
        return key
    source = history[0]
    name = _tensor_name(key).split(':')[0].replace('/', '_') + '_feed'
    layer = InputLayer(batch_input_shape=_static_shape(key),
                       dtype=K.dtype(key), input_tensor=key, name=name)
    # The nodes already reading it read it from the input layer now.
    for node in list(source._outbound_nodes):
        if not any(x is key for x in node.input_tensors):
            continue
        for field in ('inbound_layers', 'node_indices', 'tensor_indices'):
            setattr(node, field, list(getattr(node, field)))
        for i, x in enumerate(node.input_tensors):
            if x is key:
                node.inbound_layers[i] = layer
                node.node_indices[i] = node.tensor_indices[i] = 0
        layer._outbound_nodes.append(node)
    return key


@contextlib.contextmanager
def _holding(held):
    """Variables and constant tensors fed for one run hold the fed values
    while it runs and their own again after it, unless the run assigned
    them."""
    kept = []
    for tensor, value in held:
        kept.append(K.get_value(tensor))
        K.set_value(tensor, value)
    try:
        yield
    finally:
        for (tensor, value), before in zip(held, kept):
            if np.array_equal(K.get_value(tensor), value):
                K.set_value(tensor, before)


_STAGES = collections.OrderedDict()


def _cached_stages(leaves):
    key = tuple(id(x) for x in leaves)
    entry = _STAGES.get(key)
    if entry is not None and _same(entry[0], leaves):
        _STAGES.move_to_end(key)
        return entry[1]
    result = stages(leaves)
    _STAGES[key] = (list(leaves), result)
    while len(_STAGES) > _CACHE_SIZE:
        _STAGES.popitem(last=False)
    return result


def _run_stage(leaves, feed_dict, keys):
    """The values of `leaves`, computed and applied in one K.function
    call."""
    plan = _with_states([_classify(leaf) for leaf in leaves])
    try:
        function = _cached_function(keys, leaves, plan)
        values = function([feed_dict[key] for key in keys])
    except ValueError as error:
        _raise_unfed(leaves, keys, error)
        raise
    except RuntimeError as error:
        _raise_op_error(error)
        raise
    outputs = iter(values)
    results = []
    for leaf, (kind, _) in zip(leaves, plan):
        if kind == 'output':
            results.append(next(outputs))
        elif kind == 'assign':
            results.append(K.get_value(leaf.variable))
        elif kind in ('state', 'after'):
            results.append(K.get_value(leaf))
        elif kind == 'value':
            results.append(leaf._keras_run_value())
        else:
            results.append(None)
    return results


def _check_feed_key(key):
    """The tensor a feed_dict key feeds: the key itself, or the tensor a
    name ('x:0') names in the graph; TensorFlow's TypeError otherwise."""
    if is_symbolic(key) or type(key).__name__ == 'LearningPhase' or \
            isinstance(key, torch.Tensor):
        return key
    try:
        if not isinstance(key, str):
            raise TypeError('Can not convert a %s into a Tensor.'
                            % type(key).__name__)
        return _graph_names.tensor_by_name(key)
    except (KeyError, ValueError, TypeError) as error:
        raise TypeError('Cannot interpret feed_dict key as Tensor: %s'
                        % error.args[0])


def _flatten(fetches, leaves):
    """The nesting of `fetches` with its leaves appended to `leaves`."""
    if isinstance(fetches, dict):
        return (dict, type(fetches),
                [(key, _flatten(value, leaves))
                 for key, value in fetches.items()])
    if isinstance(fetches, (list, tuple)) and \
            not isinstance(fetches, GroupOp):
        return (list, type(fetches),
                [_flatten(value, leaves) for value in fetches])
    leaves.append(fetches)
    return None


def _rebuild(structure, results):
    if structure is None:
        return next(results)
    kind, container, items = structure
    if kind is dict:
        values = [(key, _rebuild(item, results)) for key, item in items]
        return container(values) if container is not dict else dict(values)
    values = [_rebuild(item, results) for item in items]
    if container is list:
        return values
    if hasattr(container, '_fields'):
        return container(*values)
    return container(values) if container is tuple else values


def _classify(leaf):
    """(kind, what K.function is given) for one fetched leaf."""
    if is_symbolic(leaf):
        return 'output', leaf
    if isinstance(leaf, TrainOp):
        return 'op', leaf.update
    if isinstance(leaf, OptimizerUpdate):
        return 'op', leaf
    if isinstance(leaf, VariableUpdate):
        return 'assign', leaf
    if leaf is None or type(leaf).__name__ == '_NoOp' or \
            isinstance(leaf, GroupOp):
        return 'none', None
    if isinstance(leaf, torch.Tensor):
        return 'variable', leaf
    if hasattr(leaf, '_keras_run_value'):
        # (A string tensor of a queue pipeline: computed in the run.)
        return 'value', leaf
    if callable(getattr(leaf, 'run', None)) and not isinstance(
            leaf, (np.ndarray, np.generic)):
        return 'call', leaf
    raise TypeError('Fetch argument %r has invalid type %r, must be a '
                    'string or Tensor. (Can not convert a %s into a Tensor '
                    'or Operation.)' % (leaf, type(leaf),
                                        type(leaf).__name__))


def _fetch_element(fetch):
    """A fetched leaf, with a tensor or operation name ('y:0', 'train')
    resolved in the graph; TypeError for None, as TensorFlow 1 raises."""
    if fetch is None:
        raise TypeError('Fetch argument %r has invalid type %r'
                        % (fetch, type(fetch)))
    if not isinstance(fetch, str):
        return fetch
    try:
        if ':' in fetch:
            return _graph_names.tensor_by_name(fetch)
        return _graph_names.operation_by_name(fetch)
    except (KeyError, ValueError) as error:
        raise ValueError('Fetch argument %r cannot be interpreted as a '
                         'Tensor. (%s)' % (fetch, error))


_TF_DTYPE_NAMES = {'float32': 'float', 'float64': 'double',
                   'float16': 'half'}


def _raise_unfed(leaves, keys, error):
    """InvalidArgumentError, as TensorFlow raises it, where a placeholder
    the run needs is not fed; nothing otherwise."""
    placeholder = _unfed_placeholder(leaves, set(id(k) for k in keys))
    if placeholder is not None:
        raise unfed_error(placeholder) from error


def unfed_error(placeholder):
    """TensorFlow's InvalidArgumentError for a run that needs
    `placeholder` and is not fed it."""
    from . import tensorflow_compat
    op_name = (placeholder.name or 'Placeholder').split(':')[0]
    dtype = K.dtype(placeholder)
    shape = getattr(placeholder, '_keras_shape', None)
    message = "You must feed a value for placeholder tensor %r with " \
        "dtype %s" % (op_name, _TF_DTYPE_NAMES.get(dtype, dtype))
    if isinstance(shape, tuple):
        message += ' and shape [%s]' % ','.join(
            '?' if d is None else str(d) for d in shape)
    return tensorflow_compat.errors.InvalidArgumentError(
        None, _graph_names.operation(placeholder),
        message + '\n\t [[{{node %s}}]]' % op_name)


def _unfed_placeholder(leaves, fed):
    """An input placeholder that the leaves are computed from, not
    through a fed tensor, and that `fed` (ids) lacks; None if none."""
    stack, visited = [], set()
    for leaf in leaves:
        if is_symbolic(leaf):
            stack.append(leaf)
        elif isinstance(leaf, TrainOp):
            stack.extend(leaf.update.symbolic_values())
        elif isinstance(leaf, (VariableUpdate, OptimizerUpdate)):
            stack.extend(leaf.symbolic_values())
    while stack:
        x = stack.pop()
        if id(x) in visited or id(x) in fed:
            continue
        visited.add(id(x))
        history = getattr(x, '_keras_history', None)
        if not history or history[0] is None:
            continue
        layer = history[0]
        if type(layer).__name__ == 'InputLayer':
            source = getattr(layer, '_source_history', None)
            if source is None:
                return x
            # (Input(tensor=x * 2): the placeholders `x` came from.)
            node = source[0]._inbound_nodes[source[1]]
        else:
            node = layer._inbound_nodes[history[1]]
        stack.extend(list(node.input_tensors) +
                     _argument_tensors(node.arguments))
    return None


def _raise_op_error(error):
    """A failure of an operation in a run as TensorFlow reports it:
    ResourceExhaustedError for memory, InvalidArgumentError for others;
    nothing for errors that are not an operation's (NotImplementedError
    and other subclasses)."""
    from . import tensorflow_compat
    errors = tensorflow_compat.errors
    message = str(error)
    if isinstance(error, torch.cuda.OutOfMemoryError) or \
            type(error) is RuntimeError and 'out of memory' in message:
        raise errors.ResourceExhaustedError(None, None, message) from error
    if type(error) is RuntimeError:
        raise errors.InvalidArgumentError(None, None, message) from error


def _with_states(plan):
    """The plan with each fetched variable that a layer of the run
    updates (`layer.updates`, BatchNormalization's moving statistics)
    marked as a state: fetching it runs that update in the run, as its
    assign op did; other variables are read."""
    if not any(kind == 'variable' for kind, _ in plan):
        return plan
    tensors = [what for kind, what in plan if kind == 'output']
    for kind, what in plan:
        if kind == 'op':
            tensors += what.symbolic_values()
    states = set()
    for tensor in tensors:
        for layer in _layers_behind(tensor):
            states.update(id(v) for v in getattr(layer, 'updates', ()))
    # A global step that a fetched training operation counts is read
    # after the run, as TensorFlow 1 reads it.
    counted = set(id(getattr(what, '_keras_global_step', None))
                  for kind, what in plan if kind == 'op')
    return [(('after' if id(what) in counted else 'state'
              if id(what) in states else 'output'), what)
            if kind == 'variable' else (kind, what) for kind, what in plan]


_CACHE = collections.OrderedDict()
_CACHE_SIZE = 64


def _cached_function(keys, leaves, plan):
    """The K.function computing the plan's outputs and updates from the
    fed keys; kept for runs of the same fetches and feeds."""
    key = (tuple(id(k) for k in keys), tuple(id(x) for x in leaves))
    entry = _CACHE.get(key)
    if entry is not None and _same(entry[0], keys) and \
            _same(entry[1], leaves):
        _CACHE.move_to_end(key)
        return entry[2]
    outputs = [what for kind, what in plan if kind == 'output']
    updates = [what for kind, what in plan if kind in ('op', 'assign',
                                                        'state')]
    calls = [what for kind, what in plan if kind == 'call']
    from .engine import symbolic
    # (The stages of the run are its own: one plain K.function each.)
    function = _Run(symbolic.function(keys, outputs, updates=updates),
                    calls)
    _CACHE[key] = (list(keys), list(leaves), function)
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return function


def _same(kept, now):
    return len(kept) == len(now) and all(a is b for a, b in zip(kept, now))


class _Run(object):
    def __init__(self, function, calls):
        self.function = function
        self.calls = calls

    def __call__(self, values):
        results = self.function(values)
        for call in self.calls:
            call.run()
        return results


def eval_tensor(tensor, feed_dict=None):
    """`tensor.eval(feed_dict)`: its value in one run."""
    return run(tensor, feed_dict)

