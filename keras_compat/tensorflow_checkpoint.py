"""tf.train.Checkpoint and tf.train.CheckpointManager for Keras models,
optimizers and variables.

A checkpoint holds the values of the objects it tracks under TensorFlow's
object-graph keys (`generator/layer_with_weights-0/kernel/.ATTRIBUTES/
VARIABLE_VALUE`, `.../.OPTIMIZER_SLOT/<optimizer>/m/...`, `save_counter/
...`) as TensorFlow's tensor bundle (`prefix.index`,
`prefix.data-00000-of-00001`, with the object graph TensorFlow restores
them by, so that TensorFlow reads them too), and the directory's
`checkpoint` state file that
`tf.train.latest_checkpoint` reads. Restoring into layers not built yet
is deferred until they are built, as TensorFlow defers it. Checkpoints
TensorFlow itself wrote (`tensorflow_bundle`) restore by the same keys;
`load_model_weights` restores one into a model as its root, as tf.keras's
`model.load_weights(prefix)` does."""
import json
import os
import time

import numpy as np
import torch

from . import backend as K
from . import tensorflow_bundle as _bundle
from . import tensorflow_gfile as _gfile_module
from .engine.network import _LoadStatus as LoadStatus

_VALUE = '.ATTRIBUTES/VARIABLE_VALUE'
_SLOT = '.OPTIMIZER_SLOT'
_OBJECT_GRAPH = '_CHECKPOINTABLE_OBJECT_GRAPH'


def _is_layer(value):
    from .engine.base_layer import Layer
    return isinstance(value, Layer)


def _is_optimizer(value):
    from .optimizers import Optimizer
    return isinstance(value, Optimizer)


def _is_variable(value):
    return isinstance(value, torch.Tensor)


def _join(path, name):
    return name if not path else path + '/' + name


def _short_name(weight, taken):
    """A weight's attribute name (`kernel` for `dense/kernel:0`), made
    unique among the layer's own weights."""
    name = getattr(weight, 'name', None) or 'variable'
    name = name.split(':')[0].rsplit('/', 1)[-1]
    unique, number = name, 1
    while unique in taken:
        unique, number = '%s_%d' % (name, number), number + 1
    taken.add(unique)
    return unique


def _own_weights(layer):
    return list(layer._trainable_weights) + \
        list(layer._non_trainable_weights)


def _sublayer_names(layer):
    """(child name, sub-layer) as TensorFlow names them: a Functional or
    Sequential model's layers holding weights are `layer_with_weights-k`;
    a custom layer's or subclassed model's are its attribute names."""
    if layer.__dict__.get('_is_graph_network'):
        holding = [child for child in layer.layers if child.weights]
        return [('layer_with_weights-%d' % k, child)
                for k, child in enumerate(holding)]
    in_containers, registered = _container_layers(layer)
    named, seen = [], []
    direct = [(key.replace('.', '/'), module)
              for key, module in layer._modules.items()
              if _is_layer(module) and key not in registered]
    for key, module in direct + in_containers:
        if all(module is not s for s in seen):
            seen.append(module)
            named.append((key, module))
    return named


def _container_layers(layer):
    """(path, layer) of the layers held in list, tuple and dict
    attributes, as TensorFlow names them (`blocks/0`, `heads/key`), and
    the names they are registered under as modules (`blocks_0`)."""
    from .engine.base_layer import _CONTAINERS, _layers_in
    private = '_network_nodes' not in layer.__dict__
    found, registered = [], set()
    for name, value in list(layer.__dict__.items()):
        if not isinstance(value, _CONTAINERS) or \
                name.startswith('_keras') or \
                (name.startswith('_') and not private):
            continue
        found += _paths_in(name, value, 0)
        registered.update('%s_%d' % (name, i)
                          for i in range(len(_layers_in(value))))
    return found, registered


def _paths_in(path, value, depth):
    if _is_layer(value):
        return [(path, value)]
    if depth > 1:
        return []
    if isinstance(value, dict):
        items = [(str(key), item) for key, item in value.items()]
    elif isinstance(value, (list, tuple)):
        items = [(str(i), item) for i, item in enumerate(value)]
    else:
        return []
    found = []
    for key, item in items:
        found += _paths_in(path + '/' + key, item, depth + 1)
    return found


def _graph_is_pending(layer):
    """A Functional or Sequential model whose layers are not built yet
    (a Sequential model without an input shape)."""
    from .engine.sequential import Sequential
    if isinstance(layer, Sequential) and not layer.built:
        return True
    return bool(layer.__dict__.get('_is_graph_network')) and \
        not layer.weights


class _Tracked(object):
    """The variables of one checkpoint graph: key -> variable (Keras
    layout), plus the optimizer slots and layers still to build."""

    def __init__(self):
        self.variables = {}
        self.parameter_keys = {}
        self.optimizers = []
        self.pending_layers = []

    def add_object(self, path, value):
        if isinstance(value, Checkpoint):
            for name, child in value._children.items():
                self.add_object(_join(path, name), child)
            if value._save_counter is not None:
                self.add_variable(_join(path, 'save_counter'),
                                  value._save_counter)
        elif _is_layer(value):
            self.add_layer(path, value)
        elif _is_optimizer(value):
            self.optimizers.append((path, value))
        elif _is_variable(value):
            self.add_variable(path, value)
        else:
            raise ValueError(
                '`Checkpoint` was expecting %s to be a trackable object (an '
                'object derived from `Trackable`), got %r. If you believe '
                'this object should be trackable (i.e. it is part of the '
                'TensorFlow Python API and manages state), please open an '
                'issue.' % (path.rsplit('/', 1)[-1], value))

    def add_variable(self, path, variable):
        self.variables[_join(path, _VALUE)] = variable

    def add_layer(self, path, layer):
        if not layer.built and not _own_weights(layer) or \
                _graph_is_pending(layer):
            self.pending_layers.append((path, layer))
        taken = set()
        for weight in _own_weights(layer):
            key = _join(_join(path, _short_name(weight, taken)), _VALUE)
            self.variables[key] = weight
            self.parameter_keys[id(_parameter(weight))] = key[:-len(_VALUE)]
        if not _graph_is_pending(layer):
            for name, child in _sublayer_names(layer):
                self.add_layer(_join(path, name), child)
        optimizer = layer.__dict__.get('optimizer')
        if _is_optimizer(optimizer):
            self.optimizers.append((_join(path, 'optimizer'), optimizer))

    def optimizer_entries(self):
        """key -> (optimizer, weight key, slot name) for the slots of
        tracked weights of tf.keras's legacy optimizers."""
        entries = {}
        for path, optimizer in self.optimizers:
            if not _is_legacy(optimizer):
                continue
            for key in self.parameter_keys.values():
                for slot in _slot_names(optimizer):
                    entries['%s%s/%s/%s/%s' % (key, _SLOT, path, slot,
                                               _VALUE)] = \
                        (optimizer, key, slot)
        return entries


def _is_legacy(optimizer):
    """Whether the optimizer saves as tf.keras's legacy optimizers (slots
    under each weight, `iter`) rather than as 2.11+'s (`_iterations`,
    `_variables/k`)."""
    return getattr(optimizer, 'is_legacy_optimizer', True) is not False


def _slot_names(optimizer):
    names = [name for name in optimizer._slot_names if name != 'average']
    if not getattr(optimizer, 'amsgrad', False):
        names = [name for name in names if name != 'vhat']
    return names


def _optimizer_scalars(path, optimizer):
    """key -> (getter, setter) of the iteration count and the learning
    rate (unless it is a schedule)."""
    legacy = _is_legacy(optimizer)
    iterations = _join(_join(path, 'iter' if legacy else '_iterations'),
                       _VALUE)
    scalars = {iterations: (
        lambda: np.asarray(optimizer._iterations_value(), dtype='int64'),
        lambda value: optimizer.iterations.assign(int(value)))}
    if optimizer.__dict__.get('_lr_schedule') is None:
        rate = _join(_join(path, 'learning_rate' if legacy
                           else '_learning_rate'), _VALUE)

        def set_rate(value):
            optimizer.learning_rate = float(value)
        scalars[rate] = (lambda: np.asarray(
            K.get_value(optimizer.learning_rate), dtype='float32'), set_rate)
    if legacy:
        scalars.update(_legacy_hypers(path, optimizer))
    return scalars


def _legacy_hypers(path, optimizer):
    """key -> (getter, setter) of the other hyperparameters tf.keras's
    legacy optimizers keep as variables (`beta_1`, `decay`, `momentum`,
    `rho`...): a checkpoint's values replace the constructor's."""
    from .backend import variable_graph
    scalars = {}
    for name, tensor in optimizer.__dict__.get('_hyper', {}).items():
        if name == 'learning_rate' or variable_graph.is_expression(tensor):
            continue
        scalars[_join(_join(path, name), _VALUE)] = (
            lambda t=tensor: np.asarray(K.get_value(t), dtype='float32'),
            lambda value, t=tensor: K.set_value(t, float(value)))
    return scalars


def _indexed_slots(path, optimizer):
    """tf.keras 2.11+'s `_variables/k` keys (k from 1, each weight's slots
    in turn) -> (parameter, slot name), for the attached weights."""
    slots, k = {}, 1
    for p in _slot_params(optimizer):
        for name in _slot_names(optimizer):
            slots[_join(_join(path, '_variables/%d' % k), _VALUE)] = \
                (p, name)
            k += 1
    return slots


def _parameter(weight):
    from .backend import replay
    return replay.weight_parameter(weight)[0]


def _tracked(checkpoint):
    graph = _Tracked()
    graph.add_object('', checkpoint)
    return graph


def _slot_params(optimizer):
    return list(optimizer._params) if optimizer._attached else []


def _saved_values(graph):
    """key -> numpy value of every variable and existing optimizer
    state in `graph`."""
    values = {key: np.asarray(K.get_value(v))
              for key, v in graph.variables.items()}
    for path, optimizer in graph.optimizers:
        for key, (get, _) in _optimizer_scalars(path, optimizer).items():
            values[key] = get()
        if not _is_legacy(optimizer):
            for key, (p, slot) in _indexed_slots(path, optimizer).items():
                if slot in optimizer.state[p]:
                    values[key] = _slot_value(optimizer, p, slot)
    by_key = {key: pid for pid, key in graph.parameter_keys.items()}
    for key, (optimizer, weight_key, slot) in \
            graph.optimizer_entries().items():
        for p in _slot_params(optimizer):
            if id(p) == by_key[weight_key] and slot in optimizer.state[p]:
                values[key] = _slot_value(optimizer, p, slot)
    return values


def _slot_value(optimizer, p, slot):
    return np.asarray(K.get_value(optimizer._to_keras(
        p, optimizer.state[p][slot])))


def _write_files(prefix, values):
    """Writes `values` (key -> array) as TensorFlow's tensor bundle, with
    the object graph TensorFlow restores them by."""
    from . import tensorflow_bundle_writer as writer
    values = dict(values)
    values[_OBJECT_GRAPH] = np.array(_object_graph(list(values)),
                                     dtype=object)
    writer.write_bundle(_gfile_module.local_path(prefix), values)


def _object_graph(keys):
    """The serialized `TrackableObjectGraph` of the values `keys`: a node
    for each object path (the root first), its children by name and its
    values as attributes (`VARIABLE_VALUE`)."""
    from .tensorflow_bundle_writer import _field
    children, attributes, ids = [[]], [[]], {'': 0}
    for key in keys:
        path, found, attribute = key.rpartition('/.ATTRIBUTES/')
        if not found or _SLOT in path:
            continue
        parent = ''
        for part in path.split('/'):
            child = _join(parent, part)
            if child not in ids:
                ids[child] = len(children)
                children.append([])
                attributes.append([])
                children[ids[parent]].append((part, ids[child]))
            parent = child
        attributes[ids[path]].append((attribute, key))
    nodes = b''
    for node_children, node_attributes in zip(children, attributes):
        node = b''.join(_field(1, 2, _field(1, 0, i) + _field(
            2, 2, name.encode('utf-8'))) for name, i in node_children)
        node += b''.join(_field(2, 2, _field(1, 2, name.encode('utf-8')) +
                                _field(3, 2, key.encode('utf-8')))
                         for name, key in node_attributes)
        nodes += _field(1, 2, node)
    return nodes


def read_values(prefix):
    """key -> numpy value of the checkpoint at `prefix`."""
    local = _gfile_module.local_path(prefix)
    if not os.path.isfile(local + '.index'):
        from . import tensorflow_compat as tf
        raise tf.errors.NotFoundError(
            'Error when restoring from checkpoint or SavedModel at %s: '
            'Unsuccessful TensorSliceReader constructor: Failed to find any '
            'matching files for %s\nPlease double-check that the path is '
            "correct. You may be missing the checkpoint suffix (e.g. the "
            "'-1' in 'path/to/ckpt-1')." % (prefix, prefix))
    if _bundle.is_bundle(local):
        return _bundle.TensorBundle(local)
    try:
        with open(local + '.index') as handle:
            index = json.load(handle)
    except (UnicodeDecodeError, ValueError):
        index = None
    if not isinstance(index, dict) or (index == {} and os.path.getsize(
            local + '.data-00000-of-00001') > 0 and not _is_npz(local)):
        raise ValueError(
            'The checkpoint at %s was written by `model.save_weights`: '
            'load it with `model.load_weights(%r)`.' % (prefix, prefix))
    with np.load(local + '.data-00000-of-00001') as data:
        return {key: data[entry['entry']] for key, entry in index.items()}


def _is_npz(local):
    with open(local + '.data-00000-of-00001', 'rb') as handle:
        return handle.read(2) == b'PK'


def _assign(variable, value):
    value = np.asarray(value)
    if tuple(variable.shape) != tuple(value.shape):
        name = getattr(variable, 'name', None)
        raise ValueError(
            'Received incompatible tensor with shape %s when attempting to '
            'restore variable with shape %s%s.' % (
                value.shape, tuple(variable.shape),
                ' and name %s' % name if isinstance(name, str) else ''))
    K.set_value(variable, value)


class _Restoration(object):
    """The values of one restored checkpoint, assigned to the objects of
    a checkpoint graph now, or when their layers get built."""

    def __init__(self, checkpoint, values):
        self.checkpoint = checkpoint
        self.values = values
        self.used = set()
        self.unmatched_objects = []
        self.unmatched_variables = []
        self.pending = []

    def run(self):
        graph = _tracked(self.checkpoint)
        self.unmatched_objects = [key for key in graph.variables
                                  if key not in self.values]
        self.unmatched_variables = [graph.variables[key]
                                    for key in self.unmatched_objects]
        # (In the order of the keys, as TensorFlow reads them: its first
        # mismatched shape is the one reported.)
        for key in sorted(graph.variables):
            if key in self.values and key not in self.used:
                _assign(graph.variables[key], self.values[key])
                self.used.add(key)
        self._restore_optimizers(graph)
        self._defer(graph.pending_layers)

    def _restore_optimizers(self, graph):
        for path, optimizer in graph.optimizers:
            for key, (_, assign) in _optimizer_scalars(
                    path, optimizer).items():
                if key in self.values and key not in self.used:
                    assign(self.values[key])
                    self.used.add(key)
            if not _is_legacy(optimizer):
                _check_no_legacy_slots(path, optimizer, self.values)
                self._restore_indexed_slots(path, optimizer)
        for key, (optimizer, weight_key, slot) in \
                graph.optimizer_entries().items():
            if key not in self.values or key in self.used:
                continue
            variable = graph.variables[weight_key + _VALUE]
            from .optimizers import _parameter_with_layout
            layouts = {}
            p = _parameter_with_layout(variable, layouts)
            optimizer._attach_also([p], layouts)
            _restore_slot(optimizer, p, slot, self.values[key])
            self.used.add(key)

    def _restore_indexed_slots(self, path, optimizer):
        """Slots of an optimizer that has its weights; else restored
        when it gets them (its first step)."""
        prefix = _join(path, '_variables/')
        saved = [key for key in self.values
                 if key.startswith(prefix) and key not in self.used]
        if not saved:
            return
        if not _slot_params(optimizer):
            _restore_when_attached(optimizer, self)
            return
        for key, (p, slot) in _indexed_slots(path, optimizer).items():
            if key in self.values and key not in self.used:
                _restore_slot(optimizer, p, slot, self.values[key])
                self.used.add(key)

    def _defer(self, pending_layers):
        for path, layer in pending_layers:
            prefix = path + '/' if path else ''
            if any(key.startswith(prefix) and key not in self.used
                   for key in self.values):
                self.pending.append(layer)
                _restore_when_built(layer, self)

    def layer_built(self, layer):
        if any(layer is p for p in self.pending):
            self.pending = [p for p in self.pending if p is not layer]
            self.run()

    def unused_keys(self):
        """The saved values no object took, in the order of the saved
        object graph's nodes (nearest the root first without one)."""
        order = {key: i for i, (key, _) in
                 enumerate(_saved_attributes(self.values))}
        return sorted((k for k in self.values if k not in self.used and
                       not k.startswith('save_counter/') and
                       k != _OBJECT_GRAPH),
                      key=lambda k: (order.get(k, len(order)),
                                     k.count('/'), k))


def _saved_attributes(values):
    """(checkpoint key, full name) of each value in the object graph
    TensorFlow saved with them (its `_CHECKPOINTABLE_OBJECT_GRAPH`), in
    the order of its nodes; none for a checkpoint without one."""
    graph = values[_OBJECT_GRAPH] if _OBJECT_GRAPH in values else None
    if isinstance(graph, np.ndarray):
        graph = graph.item()
    if not isinstance(graph, bytes):
        return []
    found = []
    for node in _bundle._fields(graph).get(1, []):
        for attribute in _bundle._fields(node).get(2, []):
            fields = _bundle._fields(attribute)
            found.append((fields.get(3, [b''])[0].decode('utf-8'),
                          fields.get(2, [b''])[0].decode('utf-8')))
    return found


def _unresolved_text(key, values):
    """TensorFlow's text of the saved object holding `key`."""
    full_name = dict(_saved_attributes(values)).get(key)
    attribute = key.rsplit('/', 1)[-1]
    lines = ['attributes {', '  name: "%s"' % attribute]
    if full_name:
        lines.append('  full_name: "%s"' % full_name)
    lines += ['  checkpoint_key: "%s"' % key, '}',
              'has_checkpoint_values {', '  value: true', '}', '']
    return '\n'.join(lines)


def _check_no_legacy_slots(path, optimizer, values):
    """tf.keras 2.11+'s optimizers refuse the slots a legacy optimizer
    saved under each weight."""
    marker = '/%s/%s/' % (_SLOT, path)
    if any(marker in key for key in values):
        raise ValueError(
            'You are trying to restore a checkpoint from a legacy TF-Keras '
            'optimizer into a v2.11+ Optimizer, which can cause errors. '
            'Please update the optimizer referenced in your code to be an '
            'instance of `tf.keras.optimizers.legacy.Optimizer`, e.g.: '
            '`tf.keras.optimizers.legacy.%s`.' % type(optimizer).__name__)


def _restore_slot(optimizer, p, slot, value):
    tensor = optimizer._slot(p, slot)
    expected = tuple(optimizer._to_keras(p, tensor).shape)
    if expected != tuple(np.shape(value)):
        raise ValueError(
            'Received incompatible tensor with shape %s when attempting to '
            'restore variable with shape %s.' % (np.shape(value), expected))
    optimizer._assign_keras(p, tensor, value)


def _restore_when_attached(optimizer, restoration):
    """Runs the restoration again once the optimizer has its weights
    (tf.keras 2.11+ builds its slots at the first step)."""
    _restore_after(optimizer, '_attach', restoration, lambda: True,
                   lambda pending: pending.run())


def _restore_when_built(layer, restoration):
    """Wraps this layer's `build` so that the restoration runs once the
    layer (and the layers it builds) has its weights."""
    _restore_after(layer, 'build', restoration,
                   lambda: bool(layer.weights or _own_weights(layer)),
                   lambda pending: pending.layer_built(layer))


def _restore_after(owner, method, restoration, ready, resume):
    """Queues `restoration` on `owner` and wraps its `method` (once) so
    that, after a call that leaves it `ready()`, the wrapper goes and
    each queued restoration is resumed."""
    waiting = owner.__dict__.setdefault('_checkpoint_restorations', [])
    if any(r is restoration for r in waiting):
        return
    waiting.append(restoration)
    if method in owner.__dict__:
        return
    original = getattr(owner, method)

    def then_restore(*args, **kwargs):
        result = original(*args, **kwargs)
        if ready():
            del owner.__dict__[method]
            for pending in owner.__dict__.pop('_checkpoint_restorations'):
                resume(pending)
        return result
    owner.__dict__[method] = then_restore


def _variables_text(variables):
    """A list of variables as TensorFlow shows it in messages:
    `[<tf.Variable 'dense/bias:0' shape=(1,) dtype=float32, numpy=...>]`."""
    texts = []
    for variable in variables:
        value = np.asarray(K.get_value(variable))
        shown = str(value[()]) if value.ndim == 0 else repr(value)
        texts.append("<tf.Variable '%s' shape=%s dtype=%s, numpy=%s>" % (
            getattr(variable, 'name', None), tuple(value.shape),
            value.dtype.name, '\n' + shown if '\n' in shown else shown))
    return '[%s]' % ', '.join(texts)


def _object_path(key):
    """TensorFlow's name of a saved value in messages:
    `(root).net.l1.kernel` for `net/l1/kernel/.ATTRIBUTES/...`."""
    if key.endswith('/' + _VALUE):
        key = key[:-len(_VALUE) - 1]
    return '(root).' + key.replace('/', '.')


class CheckpointLoadStatus(LoadStatus):
    """What `Checkpoint.restore(path)` returns: the checks of TensorFlow's
    load status on which saved values found objects."""

    def __init__(self, restoration, path):
        self._restoration = restoration
        self._path = path

    def assert_consumed(self):
        """Raises AssertionError unless every saved value was restored and
        every tracked variable got a saved value."""
        self.assert_existing_objects_matched()
        unused = self._restoration.unused_keys()
        if unused:
            raise AssertionError('Unresolved object in checkpoint %s: %s'
                                 % (_object_path(unused[0]),
                                    _unresolved_text(
                                        unused[0],
                                        self._restoration.values)))
        return self

    def assert_existing_objects_matched(self):
        """Raises AssertionError when a tracked variable had no saved
        value."""
        missing = self._restoration.unmatched_objects
        if missing:
            shown = min(10, len(missing))
            raise AssertionError(
                'Found %d Python objects that were not bound to checkpointed '
                'values, likely due to changes in the Python program. '
                'Showing %d of %d unmatched objects: %s'
                % (len(missing), shown, len(missing), _variables_text(
                    self._restoration.unmatched_variables[:shown])))
        return self

    def assert_nontrivial_match(self):
        if not self._restoration.used and not self._restoration.pending:
            raise AssertionError(
                'Nothing except the root object matched a checkpointed '
                'value. Typically this means that the checkpoint does not '
                'match the Python program. The following objects have no '
                'matching checkpointed value: %s'
                % _variables_text(self._restoration.unmatched_variables))
        return self


class InitializationOnlyStatus(LoadStatus):
    """What `Checkpoint.restore(None)` returns: nothing is restored."""

    def assert_consumed(self):
        raise AssertionError('No checkpoint specified (save_path=None); '
                             'nothing is being restored.')

    assert_existing_objects_matched = assert_consumed
    assert_nontrivial_match = assert_consumed


def _checkpoint_state_file(directory, latest, paths, timestamps=None,
                           last_preserved=None):
    """The `checkpoint` state file (paths relative to `directory`)."""
    def relative(path):
        return os.path.relpath(_gfile_module.local_path(path),
                               _gfile_module.local_path(directory))
    lines = ['model_checkpoint_path: "%s"' % relative(latest)]
    lines += ['all_model_checkpoint_paths: "%s"' % relative(p)
              for p in paths]
    for stamp in timestamps or ():
        lines.append('all_model_checkpoint_timestamps: %r' % stamp)
    if last_preserved is not None:
        lines.append('last_preserved_timestamp: %r' % last_preserved)
    local = os.path.join(_gfile_module.local_path(directory), 'checkpoint')
    with open(local, 'w') as handle:
        handle.write('\n'.join(lines) + '\n')


class Checkpoint(object):
    """tf.train.Checkpoint(**objects): saves and restores the variables of
    Keras models and layers, optimizers (iteration count and the slots of
    tracked weights), tf.Variables and nested checkpoints, by the names
    they are given here. `save(prefix)` writes `prefix-N` (N counting the
    saves, `save_counter`) and updates the directory's `checkpoint` file;
    `write(prefix)` writes `prefix` alone; `restore(path)` assigns the
    saved values, deferring those of layers not built yet."""

    def __init__(self, root=None, **kwargs):
        self.__dict__['_children'] = {}
        self.__dict__['_save_counter'] = None
        if root is not None:
            raise NotImplementedError(
                'tf.train.Checkpoint(root): pass the objects by name '
                '(tf.train.Checkpoint(model=model)).')
        for name, value in kwargs.items():
            setattr(self, name, value)

    def __setattr__(self, name, value):
        if name.startswith('_'):
            self.__dict__[name] = value
            return
        if not (isinstance(value, Checkpoint) or _is_layer(value) or
                _is_optimizer(value) or _is_variable(value)):
            _Tracked().add_object(name, value)  # (raises ValueError)
        self._children[name] = value

    def __getattr__(self, name):
        children = self.__dict__.get('_children', {})
        if name in children:
            return children[name]
        raise AttributeError("'Checkpoint' object has no attribute %r"
                             % (name,))

    @property
    def save_counter(self):
        """How many times `save` ran (an int64 variable)."""
        if self._save_counter is None:
            from . import tensorflow_compat as tf
            self.__dict__['_save_counter'] = tf.Variable(
                0, dtype='int64', trainable=False, name='save_counter')
        return self._save_counter

    def write(self, file_prefix, options=None):
        """Writes the checkpoint at exactly `file_prefix`; returns it."""
        _write_files(file_prefix, _saved_values(_tracked(self)))
        return file_prefix

    def save(self, file_prefix, options=None):
        """Writes `file_prefix-N` (N: the incremented save_counter) and
        makes it the directory's latest checkpoint; returns that path."""
        counter = self.save_counter
        counter.assign(int(K.get_value(counter)) + 1)
        path = '%s-%d' % (file_prefix, int(K.get_value(counter)))
        self.write(path)
        _checkpoint_state_file(os.path.dirname(path) or '.', path, [path])
        return path

    def restore(self, save_path, options=None):
        """Restores the values saved at `save_path` (a prefix); None
        restores nothing. Returns a load status."""
        if save_path is None:
            return InitializationOnlyStatus()
        values = read_values(save_path)
        if 'save_counter/' + _VALUE in values:
            self.save_counter
        restoration = _Restoration(self, values)
        restoration.run()
        return CheckpointLoadStatus(restoration, save_path)

    read = restore


class CheckpointManager(object):
    """tf.train.CheckpointManager(checkpoint, directory, max_to_keep):
    `save()` writes `directory/ckpt-N` (N: the checkpoint's save_counter
    or `checkpoint_number`), keeps the newest `max_to_keep` (None: all)
    and records them in the directory's `checkpoint` file, which a new
    manager reads back (`checkpoints`, `latest_checkpoint`)."""

    def __init__(self, checkpoint, directory, max_to_keep,
                 keep_checkpoint_every_n_hours=None, checkpoint_name='ckpt',
                 step_counter=None, checkpoint_interval=None, init_fn=None):
        for argument, value in (
                ('keep_checkpoint_every_n_hours',
                 keep_checkpoint_every_n_hours),
                ('step_counter', step_counter),
                ('checkpoint_interval', checkpoint_interval)):
            if value is not None:
                raise NotImplementedError(
                    'CheckpointManager(%s=...) is not supported: delete '
                    'old checkpoints with max_to_keep.' % argument)
        if max_to_keep is not None and max_to_keep <= 0:
            raise ValueError(
                'Expected a positive integer or `None` for `max_to_keep`, '
                'got %d.' % (max_to_keep,))
        self._checkpoint = checkpoint
        self._directory = directory
        self._max_to_keep = max_to_keep
        self._prefix = os.path.join(directory, checkpoint_name)
        self._init_fn = init_fn
        # (TensorFlow lists again, and may delete, the checkpoints saved
        # after this time, the manager's start unless recorded.)
        self._last_preserved = time.time()
        self._kept, self._latest = self._recorded_state()

    @property
    def directory(self):
        return self._directory

    @property
    def checkpoint(self):
        return self._checkpoint

    def _recorded_state(self):
        from . import tensorflow_compat as tf
        local = os.path.join(_gfile_module.local_path(self._directory),
                             'checkpoint')
        if not os.path.isfile(local):
            return [], None
        paths, stamps = [], []
        with open(local) as handle:
            for line in handle:
                key, _, value = line.partition(':')
                value = value.strip().strip('"')
                if key.strip() == 'all_model_checkpoint_paths':
                    paths.append(value)
                elif key.strip() == 'all_model_checkpoint_timestamps':
                    stamps.append(float(value))
                elif key.strip() == 'last_preserved_timestamp':
                    self._last_preserved = float(value)
        paths = [p if os.path.isabs(p) else os.path.join(self._directory, p)
                 for p in paths]
        stamps += [time.time()] * (len(paths) - len(stamps))
        return list(zip(paths, stamps)), \
            tf.train.latest_checkpoint(self._directory)

    @property
    def checkpoints(self):
        """The paths of the kept checkpoints, oldest first."""
        return [path for path, _ in self._kept]

    @property
    def latest_checkpoint(self):
        """The path of the newest checkpoint, or None."""
        return self._latest

    def save(self, checkpoint_number=None, check_interval=True,
             options=None):
        """Writes a checkpoint, deletes those beyond `max_to_keep`;
        returns its path."""
        counter = self._checkpoint.save_counter
        counter.assign(int(K.get_value(counter)) + 1)
        if checkpoint_number is None:
            checkpoint_number = int(K.get_value(counter))
        path = '%s-%d' % (self._prefix, int(K.get_value(checkpoint_number)))
        self._checkpoint.write(path)
        self._kept = [(p, s) for p, s in self._kept if p != path]
        self._kept.append((path, time.time()))
        self._latest = path
        self._sweep()
        _checkpoint_state_file(self._directory, path, self.checkpoints,
                               [s for _, s in self._kept],
                               self._last_preserved)
        return path

    def _sweep(self):
        if self._max_to_keep is None:
            return
        while len(self._kept) > self._max_to_keep:
            path, _ = self._kept.pop(0)
            local = _gfile_module.local_path(path)
            for suffix in ('.index', '.data-00000-of-00001'):
                if os.path.exists(local + suffix):
                    os.remove(local + suffix)

    def restore_or_initialize(self):
        """Restores the latest checkpoint and returns its path, else
        calls `init_fn` (when given) and returns None."""
        if self._latest is not None:
            self._checkpoint.restore(self._latest)
            return self._latest
        if self._init_fn is not None:
            self._init_fn()
        return None


def list_variables(ckpt_dir_or_file):
    """(key, shape) of each value saved in a checkpoint, sorted by key."""
    values = read_values(_checkpoint_path(ckpt_dir_or_file))
    return sorted((key, list(_saved_shape(values, key))) for key in values)


def _saved_shape(values, key):
    if isinstance(values, _bundle.TensorBundle):
        return values.shape(key)
    return values[key].shape


def load_variable(ckpt_dir_or_file, name):
    """The numpy value saved under `name` (with or without the
    `/.ATTRIBUTES/VARIABLE_VALUE` suffix; a tensor name's `:0` is
    dropped, as TensorFlow drops it)."""
    values = read_values(_checkpoint_path(ckpt_dir_or_file))
    if name.endswith(':0'):
        name = name[:-2]
    for key in (name, _join(name, _VALUE)):
        if key in values:
            return values[key]
    from . import tensorflow_compat as tf
    raise tf.errors.NotFoundError('Key %s not found in checkpoint'
                                  % (name,))


class CheckpointReader(object):
    """`tf.train.load_checkpoint(path)` / TF1's `NewCheckpointReader`:
    the names, shapes, dtypes and values saved in one checkpoint."""

    def __init__(self, ckpt_dir_or_file):
        path = _checkpoint_path(ckpt_dir_or_file)
        if path is None:
            raise ValueError("Couldn't find 'checkpoint' file or checkpoints "
                             'in given directory %s' % (ckpt_dir_or_file,))
        self._values = read_values(path)

    def get_variable_to_shape_map(self):
        """name -> saved shape (a list of ints)."""
        return {key: list(_saved_shape(self._values, key))
                for key in self._values}

    def get_variable_to_dtype_map(self):
        """name -> saved dtype (a tf.DType)."""
        from . import tensorflow_compat as tf
        return {key: tf.as_dtype(self._dtype(key)) for key in self._values}

    def _dtype(self, key):
        if isinstance(self._values, _bundle.TensorBundle):
            dtype = self._values.dtype(key)
        else:
            dtype = np.asarray(self._values[key]).dtype
        return 'string' if dtype == object else dtype

    def has_tensor(self, name):
        """Whether `name` is saved in the checkpoint."""
        return name in self._values

    def get_tensor(self, name):
        """The numpy value saved under `name`."""
        if name not in self._values:
            from . import tensorflow_compat as tf
            raise tf.errors.NotFoundError('Key %s not found in checkpoint'
                                          % (name,))
        return self._values[name]


def load_checkpoint(ckpt_dir_or_file):
    """`tf.train.load_checkpoint`: a CheckpointReader of the checkpoint
    (or of a directory's latest one)."""
    return CheckpointReader(ckpt_dir_or_file)


def _checkpoint_path(ckpt_dir_or_file):
    local = _gfile_module.local_path(ckpt_dir_or_file)
    if os.path.isdir(local):
        from . import tensorflow_compat as tf
        return tf.train.latest_checkpoint(ckpt_dir_or_file)
    return ckpt_dir_or_file


def is_tensorflow_checkpoint(prefix):
    """Whether `prefix` names a checkpoint TensorFlow wrote (its
    `prefix.index` is a tensor-bundle table)."""
    return isinstance(prefix, str) and \
        _bundle.is_bundle(_gfile_module.local_path(prefix))


def save_model_weights(model, prefix):
    """tf.keras's `model.save_weights(prefix)` in the TensorFlow format:
    the model is the checkpoint's root (its layers' weights and its
    optimizer's state, by object path), as TensorFlow reads it."""
    _write_files(prefix, _saved_values(_tracked(model)))


def load_model_weights(model, prefix, values=None):
    """tf.keras's `model.load_weights(prefix)` of a TensorFlow checkpoint
    (`save_weights` in the TensorFlow format, `ModelCheckpoint(...,
    save_weights_only=True)`): the model is the checkpoint's root, its
    layers' weights and its optimizer's state are matched by object
    path, those of layers not built yet when they get built. Returns the
    load status; raises AssertionError when nothing matched. `values`
    (key -> value) stands for the checkpoint's own when given."""
    restoration = _Restoration(model, read_values(prefix)
                               if values is None else values)
    restoration.run()
    status = CheckpointLoadStatus(restoration, prefix)
    status.assert_nontrivial_match()
    return status
