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

    @property
    def graph(self):
        from . import tensorflow_compat
        return tensorflow_compat.get_default_graph()

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
        VariableUpdate.__init__(self, variable, value, combine)
        self.name = name or {None: 'Assign', torch.add: 'AssignAdd',
                             torch.sub: 'AssignSub'}.get(combine, 'Assign')

    @property
    def op(self):
        return TrainOp(self, self.name)

    @property
    def graph(self):
        from . import tensorflow_compat
        return tensorflow_compat.get_default_graph()

    def eval(self, feed_dict=None, session=None):
        return run(self, feed_dict)

    def __repr__(self):
        return '<tf.Tensor %r (assignment of %s)>' % (
            self.name, getattr(self.variable, 'name', None))


class GroupOp(list):
    """What `tf.group(*inputs)` returns: an operation whose run runs
    every input (nested lists included) and gives None. It is also the
    list of its inputs, for the code that reads it as one (a
    `get_updates` returning `[tf.group(*updates)]`)."""

    type = 'NoOp'

    def __init__(self, inputs, name=None):
        list.__init__(self, inputs)
        self.name = name or 'group_deps'

    @property
    def dependencies(self):
        leaves = []
        _flatten(list(self), leaves)
        return [x for x in leaves if x is not None]

    def run(self, feed_dict=None, session=None):
        return run(self, feed_dict)

    def __repr__(self):
        return '<tf.Operation %r type=NoOp>' % self.name


class GradientsUpdate(OptimizerUpdate):
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
    return TrainOp(OptimizerUpdate(optimizer, loss, var_list),
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


# ---------------------------------------------------------- graph walks
def trainable_variables_of(tensor):
    """The trainable weights of the layers a symbolic tensor is computed
    with, and the trainable variables its operations read, in the order
    the graph reaches them from its inputs."""
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
                if isinstance(value, torch.Tensor) and value.requires_grad \
                        and value.is_leaf:
                    add(value)
        elif layer.trainable:
            for weight in layer.trainable_weights:
                add(weight)
    return found


def _layers_behind(tensor):
    """The layers of the nodes computing `tensor`, inputs first."""
    order, visited = [], set()
    stack = [(tensor, False)]
    while stack:
        x, expanded = stack.pop()
        history = getattr(x, '_keras_history', None)
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
    feed_dict = dict(feed_dict or {})
    for key in feed_dict:
        _check_feed_key(key)
    leaves = []
    structure = _flatten(fetches, leaves)
    fetched = len(leaves)
    _add_dependencies(leaves)
    plan = _with_states([_classify(leaf) for leaf in leaves])
    keys = list(feed_dict)
    function = _cached_function(keys, leaves, plan)
    values = function([feed_dict[key] for key in keys])
    outputs = iter(values)
    results = []
    for leaf, (kind, _) in zip(leaves, plan):
        if kind == 'output':
            results.append(next(outputs))
        elif kind == 'assign':
            results.append(K.get_value(leaf.variable))
        elif kind == 'state':
            results.append(K.get_value(leaf))
        else:
            results.append(None)
    return _rebuild(structure, iter(results[:fetched]))


def _add_dependencies(leaves):
    """Appends to `leaves` what the training operations among them depend
    on (`tf.control_dependencies`), once each."""
    seen = set(id(x) for x in leaves)
    i = 0
    while i < len(leaves):
        for dependency in getattr(leaves[i], 'dependencies', None) or ():
            if id(dependency) not in seen:
                seen.add(id(dependency))
                leaves.append(dependency)
        i += 1


def _check_feed_key(key):
    if is_symbolic(key) or type(key).__name__ == 'LearningPhase':
        return
    if isinstance(key, str):
        raise NotImplementedError(
            'feed_dict key %r: tensors are not kept by name; feed the '
            'placeholder or input tensor object itself.' % (key,))
    raise TypeError(
        'Cannot interpret feed_dict key %r as a tensor: feed placeholders, '
        'Keras inputs and other symbolic tensors, or K.learning_phase(); '
        'set a variable with K.set_value.' % (key,))


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
    if isinstance(leaf, (np.ndarray, np.generic, int, float)):
        raise TypeError('Fetch argument %r has invalid type %r, must be a '
                        'string or Tensor.' % (leaf, type(leaf).__name__))
    if isinstance(leaf, str):
        raise NotImplementedError(
            'Fetch argument %r: tensors and operations are not kept by '
            'name; fetch the tensor or operation object itself.' % (leaf,))
    if callable(getattr(leaf, 'run', None)):
        return 'call', leaf
    raise TypeError('Fetch argument %r has invalid type %r, must be a '
                    'string or Tensor.' % (leaf, type(leaf).__name__))


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
    return [(('state' if id(what) in states else 'output'), what)
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
    function = _Run(K.function(keys, outputs, updates=updates), calls)
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

