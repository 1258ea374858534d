"""Reads the SavedModel directories TensorFlow's tf.keras wrote
(`model.save('path')` in TensorFlow 2.0-2.15, tf_keras): the Keras model
and its weights, compiled as saved, without TensorFlow.

tf.keras keeps, beside the TensorFlow graphs, what Keras needs to rebuild
the model: for each object a JSON metadata string, the model's holding
`model_config` and `training_config` as an HDF5 file's attributes do. It
lies in `keras_metadata.pb` (TensorFlow 2.5 and later) or in the objects
of `saved_model.pb` (TensorFlow 2.0-2.4). The weights are in the
TensorFlow checkpoint `variables/variables`, under the object paths
`model.save_weights` writes in the TensorFlow format; tf.keras restores
no optimizer state from it, and neither does this. The graphs
themselves are not read: a model is rebuilt from its config, so a
subclassed model needs its class (`custom_objects` or registered)."""
import json
import os

import numpy as np

from .. import tensorflow_bundle as _bundle

METADATA_FILE = 'keras_metadata.pb'
GRAPH_FILE = 'saved_model.pb'
VARIABLES_PREFIX = os.path.join('variables', 'variables')


def is_tensorflow_saved_model(directory):
    """Whether `directory` is a SavedModel TensorFlow wrote."""
    return os.path.isfile(os.path.join(directory, GRAPH_FILE)) or \
        os.path.isfile(os.path.join(directory, METADATA_FILE))


def _string(value):
    return value.decode('utf8') if isinstance(value, bytes) else value


def _metadata_file_root(data):
    """The root's (identifier, metadata) of `keras_metadata.pb` (a
    SavedMetadata message: nodes of node_id, node_path, identifier,
    metadata)."""
    for node in _bundle._fields(data).get(1, []):
        fields = _bundle._fields(node)
        if _string(fields.get(3, [b''])[0]) == 'root':
            return (_string(fields.get(4, [b''])[0]),
                    _string(fields.get(5, [b''])[0]))
    return None, None


def _graph_file_root(data):
    """The root's (identifier, metadata) in `saved_model.pb`: the first
    object of the first meta graph's object graph, whose user object
    holds them (TensorFlow 2.0-2.4)."""
    meta_graphs = _bundle._fields(data).get(2, [])
    if not meta_graphs:
        return None, None
    object_graph = _bundle._fields(meta_graphs[0]).get(7)
    nodes = _bundle._fields(object_graph[0]).get(1, []) if object_graph \
        else []
    if not nodes:
        return None, None
    user_object = _bundle._fields(nodes[0]).get(4)
    if not user_object:
        return None, None
    fields = _bundle._fields(user_object[0])
    return (_string(fields.get(1, [b''])[0]),
            _string(fields.get(3, [b''])[0]))


def root_metadata(directory):
    """The Keras metadata of the SavedModel's root object (a dict), and
    its identifier (`_tf_keras_sequential`, `_tf_keras_network`,
    `_tf_keras_model`)."""
    identifier = metadata = None
    path = os.path.join(directory, METADATA_FILE)
    if os.path.isfile(path):
        with open(path, 'rb') as handle:
            identifier, metadata = _metadata_file_root(handle.read())
    path = os.path.join(directory, GRAPH_FILE)
    if not metadata and os.path.isfile(path):
        with open(path, 'rb') as handle:
            identifier, metadata = _graph_file_root(handle.read())
    if not metadata or not (identifier or '').startswith('_tf_keras'):
        raise NotImplementedError(
            'Loading %r: this SavedModel holds no Keras model metadata (it '
            'was written by tf.saved_model.save of a TensorFlow object, or '
            'with TensorFlow before 2.0), and its graphs need TensorFlow. '
            'Save the model with TensorFlow as an HDF5 file '
            '(model.save("model.h5")) and load that.' % directory)
    return identifier, json.loads(metadata)


def _model_config(directory, metadata, custom_objects):
    """The model's {'class_name', 'config'}; a subclassed model's class
    must be known by name."""
    model_config = metadata.get('model_config')
    if metadata.get('is_graph_network', True) and model_config is not None:
        return model_config
    class_name = metadata.get('class_name')
    known = dict(custom_objects or {})
    from ..utils.generic_utils import get_custom_objects
    known.update(get_custom_objects())
    if class_name not in known or metadata.get('config') is None:
        raise NotImplementedError(
            'Loading %r: the SavedModel holds a subclassed model (%s) that '
            'TensorFlow rebuilds from its graphs. Pass its class as '
            'custom_objects={%r: %s} (with a get_config), or rebuild the '
            'model in code and call model.load_weights(%r).'
            % (directory, class_name, class_name, class_name,
               os.path.join(directory, VARIABLES_PREFIX)))
    return {'class_name': class_name, 'config': metadata['config'],
            'build_config': {'input_shape': _shape_value(
                metadata.get('build_input_shape'))}}


def _shape_value(value):
    """A shape as tf.keras's metadata JSON writes it ({'class_name':
    'TensorShape', 'items': [...]}, nested for several inputs)."""
    if isinstance(value, dict):
        return _shape_value(value.get('items'))
    if isinstance(value, (list, tuple)):
        return [_shape_value(v) if isinstance(v, (dict, list, tuple)) else v
                for v in value]
    return value


def load_model(directory, custom_objects=None, compile=True, verbose=False):
    """The Keras model of a SavedModel directory tf.keras wrote, with its
    weights, compiled as saved (with a new optimizer, as tf.keras does)
    unless `compile=False`."""
    from ..utils.generic_utils import CustomObjectScope
    from . import eras, hdf5
    _, metadata = root_metadata(directory)
    report = eras.LoadReport(source=directory)
    report.keras_version = metadata.get('keras_version')
    report.backend = metadata.get('backend')
    report.writer = eras.writer_of(report.keras_version)
    model_config = _model_config(directory, metadata, custom_objects)
    with CustomObjectScope(custom_objects or {}):
        model = _build(directory, model_config, custom_objects, report)
        hdf5._build_subclassed(model, model_config)
        _restore_weights(model, directory)
        if compile:
            _compile(model, metadata.get('training_config'), custom_objects,
                     report)
        eras.apply_to_model(model, report)
    report.emit(verbose)
    return model


def _build(directory, model_config, custom_objects, report):
    """The model rebuilt from its config. TensorFlow revives a layer whose
    class is not known, or whose `from_config` refuses its saved config,
    from the layer's saved graphs, which are not read here."""
    from .config import build_model
    try:
        return build_model(model_config, custom_objects, report)
    except (ValueError, TypeError) as error:
        if isinstance(error, ValueError) and \
                not str(error).startswith('Unknown layer'):
            raise
        raise NotImplementedError(
            'Loading %r: %s. TensorFlow rebuilds such a layer from the '
            'graphs saved with it, which need TensorFlow. Pass the layer '
            'classes to tf.keras.models.load_model(..., custom_objects='
            '{name: class}), each with a from_config that accepts its '
            'saved config, or rebuild the model in code and call '
            'model.load_weights(%r).'
            % (directory, str(error).split(' Valid names')[0].rstrip('.'),
               os.path.join(directory, VARIABLES_PREFIX))) from error


def _compile(model, training_config, custom_objects, report):
    """Compiled as saved, with a new optimizer: tf.keras restores no
    optimizer state from a SavedModel whose model it rebuilt from its
    config."""
    import warnings
    from . import eras, hdf5
    if not training_config:
        warnings.warn('No training configuration found in save file, so '
                      'the model was *not* compiled. Compile it manually.')
        return
    training_config = eras.normalize_training_config(
        training_config, report, custom_objects)
    hdf5.compile_from_training_config(model, training_config,
                                      custom_objects, report)


def _restore_weights(model, directory):
    """The checkpoint's values for the model's weights (every one must
    have one)."""
    from .. import tensorflow_checkpoint as checkpoint
    prefix = os.path.join(directory, VARIABLES_PREFIX)
    values = _under_every_path(checkpoint.read_values(prefix))
    checkpoint.load_model_weights(model, prefix, values) \
        .assert_existing_objects_matched()


_ATTRIBUTES = '.ATTRIBUTES'
_MAX_DEPTH = 12
_PATHS_PER_OBJECT = 8


def _escaped(name):
    """An object's local name as checkpoint keys write it."""
    return name.replace('.', '..').replace('/', '.S')


def _under_every_path(values):
    """The checkpoint's values, each also under every other object path
    that leads to it: a SavedModel saves a variable once, under the first
    path found (`variables/0` for a subclassed model's), while the model
    is matched by its layers' paths (`d1/kernel`). The paths come from
    the object graph the checkpoint holds."""
    graph = values.get('_CHECKPOINTABLE_OBJECT_GRAPH')
    if graph is None:
        return values
    raw = np.asarray(graph).item()
    nodes = [_bundle._fields(node) for node in
             _bundle._fields(raw if isinstance(raw, bytes)
                             else raw.encode('latin-1')).get(1, [])]
    aliased = dict(values)
    for path, node in _object_paths(nodes):
        for attribute in node.get(2, []):
            fields = _bundle._fields(attribute)
            key = _string(fields.get(3, [b''])[0])
            if key not in values:
                continue
            alias = '/'.join(path + [_ATTRIBUTES,
                                     _string(fields.get(1, [b''])[0])])
            aliased.setdefault(alias, values[key])
    return aliased


def _object_paths(nodes):
    """(path, node) for the paths (of local names, without cycles, at
    most a few per object, shortest first) from the root of the object
    graph."""
    from collections import deque
    visits = [0] * len(nodes)
    queue = deque([([], 0, (0,))])
    while queue:
        path, node_id, seen = queue.popleft()
        if visits[node_id] >= _PATHS_PER_OBJECT:
            continue
        visits[node_id] += 1
        node = nodes[node_id]
        yield path, node
        if len(path) >= _MAX_DEPTH:
            continue
        for reference in node.get(1, []):
            fields = _bundle._fields(reference)
            child = fields.get(1, [0])[0]
            if child < len(nodes) and child not in seen:
                name = _escaped(_string(fields.get(2, [b''])[0]))
                queue.append((path + [name], child, seen + (child,)))
