"""Graph tensors whose values come from outside a run's feeds, as in a
TensorFlow 1 graph: the elements of a dataset iterator (`get_next()`, one
element per run, shared by all of its components) and fixed tensors given
to `Input(tensor=...)` or `compile(target_tensors=...)` (read at each run).
A run (`K.function`, a session run, a training step) feeds these itself."""
import torch

from ..backend import common


class IteratorFeed(object):
    """The element source behind the tensors of one `get_next()` call:
    each run that needs any of them takes the next element once."""

    def __init__(self, next_components):
        self._next_components = next_components

    def values(self):
        return [torch.as_tensor(v) for v in self._next_components()]


class FixedFeed(object):
    """A fixed tensor or variable standing in for data: its current value
    at each run."""

    def __init__(self, value):
        self._value = value

    def values(self):
        from .. import backend as K
        return [torch.as_tensor(K.eval(self._value))]


def mark(tensor, feed, index):
    """Makes `tensor` (a placeholder) take component `index` of what
    `feed` gives at each run."""
    tensor._auto_feed = (feed, index)
    return tensor


def fed_sources(outputs, stop=()):
    """The auto-fed placeholders `outputs` are computed from, without
    looking past the tensors of `stop` (fed by the caller)."""
    from .input_layer import InputLayer
    from .network import _argument_tensors
    stop_ids = {id(x) for x in stop}
    found, seen = [], set()
    pending = [x for x in outputs if getattr(x, '_is_keras_symbolic', False)]
    while pending:
        tensor = pending.pop()
        if id(tensor) in stop_ids or id(tensor) in seen:
            continue
        seen.add(id(tensor))
        if getattr(tensor, '_auto_feed', None) is not None:
            found.append(tensor)
            continue
        history = getattr(tensor, '_keras_history', None)
        if not history:
            continue
        layer, node_index = history[0], history[1]
        if isinstance(layer, InputLayer):
            source = getattr(layer, '_source_history', None)
            if source is None:
                continue
            layer, node_index = source[0], source[1]
        node = layer._inbound_nodes[node_index]
        pending.extend(list(node.input_tensors) +
                       _argument_tensors(node.arguments))
    found.reverse()
    return found


def values_for(tensors):
    """One value per auto-fed tensor, each feed read once."""
    taken = {}
    values = []
    for tensor in tensors:
        feed, index = tensor._auto_feed
        if id(feed) not in taken:
            taken[id(feed)] = feed.values()
        values.append(taken[id(feed)][index])
    return values


def element_placeholders(component_specs, feed):
    """Placeholders for the components of a dataset element, each
    `(shape, dtype)`, taken from `feed` at each run."""
    from .. import backend as K
    return [mark(K.placeholder(shape=shape, dtype=dtype), feed, i)
            for i, (shape, dtype) in enumerate(component_specs)]


def executes_as_graph():
    """Whether `get_next()` gives graph tensors (Keras 2 programs, and
    tf.keras ones with eager execution disabled) rather than values."""
    return not common.is_tf_keras() or not common.executing_eagerly()


# ------------------------------------------------------ data tensors
def _is_data_tensor(value):
    """A graph or fixed tensor given as data (not an array)."""
    from .. import backend as K
    if getattr(value, '_is_keras_symbolic', False):
        return True
    return isinstance(value, torch.Tensor) or K.is_variable(value)


def _is_graph_tensor(value):
    return getattr(value, '_is_keras_symbolic', False)


def checked_target_tensors(model, target_tensors):
    """`compile(target_tensors=...)` as one entry per output (None where
    the targets are fed), with Keras 2's errors."""
    if target_tensors is None:
        return None
    names = model.output_names
    if isinstance(target_tensors, (list, tuple)):
        if len(target_tensors) != len(model.outputs):
            raise ValueError(
                'When passing a list as `target_tensors`, it should have one '
                'entry per model output. The model has ' +
                str(len(model.outputs)) + ' outputs, but you passed '
                'target_tensors=' + str(target_tensors))
        return list(target_tensors)
    if isinstance(target_tensors, dict):
        for name in target_tensors:
            if name not in names:
                raise ValueError('Unknown entry in `target_tensors` '
                                 'dictionary: "' + name + '". Only expected '
                                 'the following keys: ' + str(names))
        return [target_tensors.get(name) for name in names]
    if _is_data_tensor(target_tensors):
        if len(model.outputs) != 1:
            raise ValueError('The model has ' + str(len(model.outputs)) +
                             ' outputs, but you passed a single tensor as '
                             '`target_tensors`. Expected a list or a dict '
                             'of tensors.')
        return [target_tensors]
    raise TypeError('Expected `target_tensors` to be a tensor, a list of '
                    'tensors, or dict of tensors, but got:', target_tensors)


def _data_targets(model):
    """The target tensors compile() was given that hold data (not
    placeholders, which are fed as usual)."""
    from .. import backend as K
    targets = getattr(model, '_target_tensors', None) or []
    return [t if t is not None and (not K.is_placeholder(t) or
                                    getattr(t, '_auto_feed', None))
            else None for t in targets]


def _tensor_inputs(model):
    """The model's inputs when each was given as a tensor (Input(tensor=))
    rather than a placeholder to feed."""
    layers = getattr(model, '_input_layers', None)
    if not layers or any(getattr(l, 'is_placeholder', True) for l in layers):
        return None
    return list(model.inputs)


def data_batches(model, x, y, steps, action, with_targets=True):
    """Batches computed from data tensors at each step (a generator for
    the generator loops), or None when `x` and the model's inputs are not
    tensors: `Input(tensor=...)` inputs and `compile(target_tensors=...)`
    targets read from a dataset iterator or fixed tensors, or tensors
    passed as `x` and `y` (Keras 2's data tensors)."""
    if x is None:
        inputs = _tensor_inputs(model)
        if inputs is None:
            return None
    else:
        from ..utils.generic_utils import to_list
        inputs = to_list(x) if not isinstance(x, dict) else list(x.values())
        # (Tensors with values are arrays here; graph tensors are data.)
        if not all(_is_graph_tensor(v) for v in inputs):
            return None
        if isinstance(x, dict):
            inputs = [x[name] for name in model.input_names]
    targets = None
    if with_targets:
        if y is None:
            targets = _data_targets(model)
            needed = _outputs_with_loss(model)
            targets = [t for i, t in enumerate(targets) if i in needed]
            if len(targets) != len(needed) or None in targets:
                raise ValueError(
                    'The model is fed data tensors, so its targets must be '
                    'tensors too: pass them to compile(target_tensors=...) '
                    'or as `y`.')
        else:
            from ..utils.generic_utils import to_list
            targets = to_list(y)
            if not all(_is_graph_tensor(v) for v in targets):
                raise ValueError('Do not pass inputs that mix Numpy arrays '
                                 'and symbolic tensors. You passed: x=' +
                                 str(x) + '; y=' + str(y))
    if steps is None:
        raise ValueError('If %s from data tensors, you should specify the '
                         '`%s` argument.' % (action, 'steps_per_epoch'
                                             if action == 'fitting'
                                             else 'steps'))
    return _batches_of(inputs, targets)


def _outputs_with_loss(model):
    """The indices of the outputs that compile() gave a loss (those that
    need targets)."""
    compiled = getattr(model, '_compiled_loss', None)
    if compiled is None:
        return list(range(len(model.outputs)))
    return compiled.active


def _batches_of(inputs, targets):
    """Endless batches: the inputs' values (predict), or (inputs,
    targets), targets None for a model trained on added losses only."""
    from .. import backend as K
    run = K.function([], list(inputs) + list(targets or []))
    count = len(inputs)
    while True:
        values = run([])
        if targets is None:
            yield values[:count]
        else:
            yield values[:count], (values[count:] or None)
