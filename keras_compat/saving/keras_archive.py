"""The zipped `.keras` model format of tf_keras 2.13+ and Keras 3, and
their `.weights.h5` files.

An archive holds `metadata.json` (`keras_version`, `date_saved`),
`config.json` (the model's config with tf_keras 2.13+ / Keras 3 object
wrappers, its `compile_config`) and `model.weights.h5`, where each object
stores its own variables under the path Keras's `saving_lib` walks to it:
a model's layers under `layers/<snake_case class name>[_<n>]` (numbered
per class, in `model.layers` order), a layer's own weights (trainable
ones first, as created) as datasets `vars/0`, `vars/1`, ..., inner layers
under the attribute holding them (`cell`, `forward_layer`, `layer`,
`cells/lstm_cell`, `_query_dense`, ...), the optimizer's variables under
`optimizer/vars` (the step count, Keras 3's learning rate, then the
slots). A `.weights.h5` file is that HDF5 file alone.

tf_keras 2.21 and Keras 3 write the same paths; Keras 3 configs are
converted here (inbound nodes, keys it adds) before `saving.eras`
normalises them as for any tf.keras 2.13+ config. Files written here use
tf_keras's layout and load in tf_keras 2.13+ (Keras 3 reads only configs
in its own layout); their metadata also names the update rules of the
optimizer (`keras_compat.is_legacy_optimizer`), which loading here keeps."""
import contextlib
import datetime
import inspect
import io
import json
import os
import re
import warnings
import zipfile

import numpy as np

from . import eras, hdf5, optimizer_state

CONFIG, METADATA, WEIGHTS = 'config.json', 'metadata.json', \
    'model.weights.h5'


def is_archive(filepath):
    """Whether `filepath` (a path or a binary stream) is a zip file."""
    if isinstance(filepath, (str, bytes, os.PathLike)):
        return os.path.isfile(filepath) and zipfile.is_zipfile(filepath)
    if hasattr(filepath, 'read') and hasattr(filepath, 'seek'):
        position = filepath.tell()
        try:
            return zipfile.is_zipfile(filepath)
        finally:
            filepath.seek(position)
    return False


def wants_archive(filepath, save_format=None):
    """tf_keras 2.13+'s choice of format for `model.save`: the archive for
    `save_format='keras'` (or 'keras_v3') and, without a `save_format`,
    for a name ending in `.keras`."""
    if save_format is not None:
        return save_format in ('keras', 'keras_v3')
    return isinstance(filepath, (str, os.PathLike)) and \
        os.fspath(filepath).endswith('.keras')


def is_weights_name(filepath):
    """tf_keras 2.13+ and Keras 3 write a name ending in `.weights.h5` in
    the per-object layout."""
    return isinstance(filepath, (str, os.PathLike)) and \
        os.fspath(filepath).endswith('.weights.h5')


def is_weights_layout(h5):
    """Whether an open HDF5 file is in the per-object layout."""
    return 'layer_names' not in h5.attrs and \
        any(key in h5 for key in ('layers', 'vars', 'optimizer'))


# ------------------------------------------------------------ object paths
def _snake_case(name, writer):
    """Keras's `to_snake_case` (tf_keras prefixes private names with
    'private', Keras 3 does not)."""
    name = re.sub('(.)([A-Z][a-z]+)', r'\1_\2', re.sub(r'\W+', '', name))
    name = re.sub('([a-z])([A-Z])', r'\1_\2', name).lower()
    if name.startswith('_') and writer != 'keras3':
        return 'private' + name
    return name


def _class_name(layer):
    """The class name Keras saves the layer under (a functional model is
    a `Functional`)."""
    cls = type(layer)
    if cls.__name__ == 'Model' and cls.__module__.startswith('keras_compat.'):
        return 'Functional'
    return cls.__name__


def _is_model(layer):
    from ..engine.network import Network
    return isinstance(layer, Network)


def _is_graph(layer):
    """A Sequential or functional model (not a subclassed one)."""
    from ..engine.sequential import Sequential
    return isinstance(layer, Sequential) or \
        layer.__dict__.get('_is_graph_network', False)


_BASE_ATTRIBUTES = []


def _children(layer, writer):
    """(attribute, layer or list of layers) inside `layer`, in the order
    the writer visits them: a Sequential or functional model's `layers`;
    else the attributes holding layers or lists of them (not those every
    layer has, as Keras skips them), a subclassed model's `layers` among
    them, in reverse name order (tf_keras) or in name order, private ones
    last (Keras 3)."""
    from torch import nn
    from ..engine.base_layer import Layer
    if _is_model(layer) and _is_graph(layer):
        return [('layers', list(layer.layers))]
    if not _BASE_ATTRIBUTES:
        from ..engine.training import Model
        # (Named, so that no name counter moves.)
        _BASE_ATTRIBUTES.append(frozenset(vars(Layer(name='base'))) |
                                frozenset(vars(Model(name='base'))))
    found = []
    for key, value in vars(layer).items():
        if isinstance(value, dict):
            value = list(value.values())
        if key not in _BASE_ATTRIBUTES[0] and not key.startswith('_keras') \
                and isinstance(value, (list, tuple)) and \
                any(isinstance(v, Layer) for v in value):
            found.append((key, [v for v in value if isinstance(v, Layer)]))
    listed = {id(v) for _, items in found for v in items}
    for key, value in layer._modules.items():
        if isinstance(value, (nn.ModuleList, nn.ModuleDict)):
            items = value.values() if isinstance(value, nn.ModuleDict) \
                else value
            found.append((key, [v for v in items if isinstance(v, Layer)]))
        elif isinstance(value, Layer) and id(value) not in listed:
            # (Not the entries of a list attribute, which this package
            # also registers as submodules 'blocks_0', 'blocks_1', ...)
            found.append((key, value))
    if _is_model(layer):
        found.append(('layers', list(layer.layers)))
    if writer == 'keras3':
        return sorted(found, key=lambda item: (item[0].startswith('_'),
                                               item[0]))
    return sorted(found, key=lambda item: item[0], reverse=True)


def object_paths(model, writer='tf.keras'):
    """(path, layer) for the model and every layer inside it, each once,
    as Keras's `saving_lib` names them: a list's layers by class name,
    numbered per class (Keras 3 counts the layers reached before, tf_keras
    skips them)."""
    result, seen = [], set()

    def walk(layer, path):
        if id(layer) in seen:
            return
        seen.add(id(layer))
        result.append((path, layer))
        for key, child in _children(layer, writer):
            where = '/'.join(p for p in (path, key) if p)
            if not isinstance(child, list):
                walk(child, where)
                continue
            counts = {}
            for item in child:
                if id(item) in seen and writer != 'keras3':
                    continue
                name = _snake_case(_class_name(item), writer)
                counts[name] = counts.get(name, -1) + 1
                walk(item, '%s/%s' % (where, name) + (
                    '_%d' % counts[name] if counts[name] else ''))
    walk(model, '')
    return result


def _vars_path(path):
    return path + '/vars' if path else 'vars'


def _find_vars(h5, path):
    """The `vars` group of an object path in the file, or None. Keras 3
    visits public attributes first, so it reaches a layer held in a
    private attribute through the public property returning it
    (MultiHeadAttention's `query_dense` for `_query_dense`)."""
    group = h5
    for part in path.split('/') if path else []:
        if part not in group and part.lstrip('_') in group:
            part = part.lstrip('_')
        group = group.get(part)
        if group is None:
            return None
    return group.get('vars')


# ----------------------------------------------------------------- weights
def _write_layer_weights(h5, model):
    for path, layer in object_paths(model):
        group = h5.create_group(_vars_path(path))
        for i, record in enumerate(layer._records('all')):
            group.create_dataset(
                str(i), data=record.keras_tensor(layer).detach().cpu().numpy())


def load_layer_weights(model, h5, writer=None, skip_mismatch=False):
    """Sets every weight of `model` from the per-object layout: all of
    them, after every count and shape was checked, or (unless
    `skip_mismatch`, which warns and skips a layer that does not match,
    as Keras does) none."""
    checked = []
    for path, layer in object_paths(model, writer):
        records = layer._records('all')
        group = _find_vars(h5, path)
        values = [np.asarray(group[str(i)]) for i in range(len(group))] \
            if group is not None else []
        shapes = [tuple(v.shape) for v in values]
        wanted = [r.keras_shape for r in records]
        if shapes != wanted:
            message = ('Layer %r (%s) expects weights of shapes %s, but the '
                       'file holds %s under %r.'
                       % (layer.name, type(layer).__name__, wanted, shapes,
                          _vars_path(path)))
            if not skip_mismatch:
                raise ValueError(message)
            warnings.warn('Skipping loading of weights: ' + message)
            continue
        checked += [(layer, r, v) for r, v in zip(records, values)]
    hdf5.assign_checked(checked)


# --------------------------------------------------------- optimizer state
# The slot variables tf_keras 2.11+ and Keras 3 optimizers create, in
# passes over the trainable weights, each pass making its slots (tf.keras
# names, as `saving.optimizer_state` reads them) weight by weight; a pass
# made only when an option of the optimizer's config is set names it.
_SLOT_PASSES = {
    'SGD': [(('m',), 'momentum')],
    'Adam': [(('m', 'v'), None), (('vhat',), 'amsgrad')],
    'Adamax': [(('m', 'u'), None)],
    'Nadam': [(('m', 'v'), None)],
    'RMSprop': [(('velocity',), None), (('momentum',), 'momentum'),
                (('average_gradient',), 'centered')],
    'Adagrad': [(('accumulator',), None)],
    'Adadelta': [(('accumulated_grad', 'accumulated_delta_var'), None)],
    'Ftrl': [(('accumulator', 'linear'), None)],
}
_SLOT_PASSES['AdamW'] = _SLOT_PASSES['Adam']
_SLOT_PASSES['Lion'] = [(('m',), None)]
# (Adafactor's slots differ per weight: its own `_slot_layout`.)
_SLOT_PASSES['Adafactor'] = None


def _slot_layout(optimizer, config, writer):
    """[(tf.keras slot name, weight index)] in the order the writer saves
    the slots, or None for an optimizer this format is not known for."""
    key = optimizer_state._class_key(optimizer)
    if key not in _SLOT_PASSES:
        return None
    if _SLOT_PASSES[key] is None:
        return optimizer._slot_layout()
    passes = list(_SLOT_PASSES[key])
    if config.get('use_ema'):
        passes.insert(0, (('average',), None))
    n = len(optimizer._params)
    layout = []
    for slots, option in passes:
        # tf_keras's SGD makes its momentum slots even at momentum=0.
        if option and not config.get(option) and not (
                key == 'SGD' and writer != 'keras3'):
            continue
        layout += [(slot, i) for i in range(n) for slot in slots]
    return layout


def _optimizer_config(optimizer):
    """The optimizer's config as tf_keras 2.11+ writes it."""
    saved = optimizer.is_legacy_optimizer
    optimizer.is_legacy_optimizer = False
    try:
        config = optimizer.get_config()
    finally:
        optimizer.is_legacy_optimizer = saved
    if config.get('decay'):
        raise NotImplementedError(
            'Saving an optimizer with decay=%r in the .keras format: '
            'tf_keras 2.11+ optimizers have no `decay`. Use a learning rate '
            'schedule (InverseTimeDecay(lr, 1, decay) computes the same), '
            'or save in HDF5 (a name ending in .h5).' % config['decay'])
    return config


def _write_optimizer(h5, optimizer):
    layout = None if optimizer._custom_updates else _slot_layout(
        optimizer, optimizer.get_config(), 'tf.keras')
    if layout is None:
        raise NotImplementedError(
            'Saving the state of optimizer %s in the .keras / .weights.h5 '
            'layout is not supported (only that of the built-in '
            'optimizers); save with include_optimizer=False or in HDF5 (a '
            'name ending in .h5).' % type(optimizer).__name__)
    values = optimizer.get_weights()
    first = 1 + len(optimizer._extra_weights())
    aliases = optimizer_state._SLOT_ALIASES[optimizer_state._class_key(
        optimizer)]
    group = h5.create_group('optimizer/vars')
    group.create_dataset('0', data=np.asarray(values[0], dtype=np.int64))
    position = {entry: first + k
                for k, entry in enumerate(optimizer._slot_layout())}
    for k, (slot, i) in enumerate(layout):
        ours = aliases[slot]
        if (ours, i) in position:
            value = values[position[(ours, i)]]
        else:
            value = np.zeros(optimizer._params[i].shape, 'float32')
        group.create_dataset(str(k + 1), data=np.asarray(value))


def restore_optimizer(model, h5, writer, config):
    """Sets the optimizer's state from `optimizer/vars` (given the
    optimizer config the writer saved), or warns once that it was not
    restored, as HDF5 loading does. Returns the notes for the report."""
    optimizer = model.optimizer
    group = h5.get('optimizer/vars')
    if group is None or not len(group) or optimizer._custom_updates:
        return []
    values = [np.asarray(group[str(i)]) for i in range(len(group))]
    layout = _slot_layout(optimizer, config, writer)
    problem = None
    if layout is None:
        problem = 'the layout of %s is not known' % type(optimizer).__name__
    else:
        lead = ['iteration']
        if writer == 'keras3' and not isinstance(
                config.get('learning_rate'), dict):
            lead.append('learning_rate')
        tail = ['m_schedule'] if writer == 'keras3' and \
            optimizer_state._class_key(optimizer) == 'Nadam' else []
        if len(values) != len(lead) + len(layout) + len(tail):
            problem = '%d saved variables for %d weights and slots %s' % (
                len(values), len(optimizer._params),
                sorted({s for s, _ in layout}))
    if problem is None:
        by_id = optimizer_state._param_names(model)
        params = [by_id.get(id(p), 'weight_%d' % i)
                  for i, p in enumerate(optimizer._params)]
        names = lead + ['%s/%s/%s' % (type(optimizer).__name__, slot,
                                      params[i]) for slot, i in layout] + tail
        keep = [i for i, n in enumerate(names) if n != 'learning_rate']
        problem, notes = optimizer_state.restore(
            optimizer, [names[i] for i in keep], [values[i] for i in keep],
            model)
        if problem is None:
            return notes
    warnings.warn('Error in loading the saved optimizer state (%s). As a '
                  'result, your model is starting with a freshly initialized '
                  'optimizer.' % problem)
    return []


# ----------------------------------------------------- Keras 3 configs
# Layer config keys Keras 3 adds that change nothing at these values.
_KERAS3_NEUTRAL = {
    'quantization_config': (None,), 'lora_rank': (None,),
    'lora_alpha': None, 'input_axes': (None,), 'output_axes': (None,),
    'renorm': (False,), 'renorm_clipping': None, 'renorm_momentum': None,
    'use_cudnn': None, 'seed': None, 'use_gate': (False,),
    'flash_attention': (None, False), 'sliding_window': (None,),
    'rms_scaling': (False,),
}


def _keras_tensor(value):
    return isinstance(value, dict) and \
        value.get('class_name') == '__keras_tensor__'


def _reference(value):
    """A Keras 3 tensor as tf.keras's [layer, node, tensor] reference."""
    if _keras_tensor(value):
        return list(value['config']['keras_history'])
    if isinstance(value, list):
        return [_reference(v) for v in value]
    return value


def _keras3_node(node, entry, report):
    """A Keras 3 inbound node `{'args', 'kwargs'}` as tf.keras writes it:
    [[layer, node, tensor, kwargs], ...]; tensors among other arguments
    become references among the kwargs (see `eras._tensor_arguments`)."""
    from .. import layers
    where = 'layer %r (%s)' % (entry.get('name'), entry.get('class_name'))
    args = list(node.get('args') or [])
    kwargs = {key: _reference(value)
              for key, value in (node.get('kwargs') or {}).items()
              if not (key in ('mask', 'training') and value in (None, False))}
    first = args.pop(0) if args else []
    inputs = first if isinstance(first, list) else [first]
    if args:
        cls = getattr(layers, entry.get('class_name', ''), None)
        names = list(inspect.signature(cls.call).parameters)[2:] \
            if cls is not None else []
        if len(names) < len(args):
            raise NotImplementedError(
                '%s: a Keras 3 call with %d positional arguments is not '
                'supported; call the layer with keyword arguments.'
                % (where, len(args) + 1))
        kwargs.update((name, _reference(value))
                      for name, value in zip(names, args))
    if not all(_keras_tensor(t) for t in inputs):
        raise NotImplementedError('%s: a constant as a layer input (Keras 3 '
                                  'node %r) is not supported.'
                                  % (where, node))
    report.converted(where, 'Keras 3 inbound nodes', 'tf.keras nodes')
    return [_reference(t) + [kwargs] for t in inputs]


def _neutral(class_name, key, value):
    """Whether a Keras 3 key can be dropped: neutral at this value and not
    an argument of this package's layer class."""
    from .. import layers
    if key not in _KERAS3_NEUTRAL or not (
            _KERAS3_NEUTRAL[key] is None or value in _KERAS3_NEUTRAL[key]):
        return False
    cls = getattr(layers, class_name or '', None)
    return not (isinstance(cls, type) and issubclass(cls, layers.Layer) and
                key in eras._accepted(cls))


def _from_keras3(value, report, owner=None):
    """A Keras 3 config as tf.keras 2.13+ writes it: inbound nodes
    converted, the keys of `_KERAS3_NEUTRAL` dropped where neutral (in the
    config of `owner`, an object entry)."""
    if isinstance(value, list):
        return [_from_keras3(v, report) for v in value]
    if not isinstance(value, dict):
        return value
    result = {}
    for key, item in value.items():
        if owner is not None and _neutral(owner['class_name'], key, item):
            report.dropped('%s %r' % (owner['class_name'], value.get(
                'name', '')), key, item, 'Keras 3 option at a value that '
                'changes nothing')
            continue
        if key == 'inbound_nodes':
            item = [_keras3_node(n, value, report) if isinstance(n, dict)
                    else n for n in item]
        elif key != 'compile_config':
            entry = key == 'config' and 'class_name' in value
            item = _from_keras3(item, report, value if entry else None)
        result[key] = item
    if 'input_layers' in result:
        result = _shift_model_nodes(result)
    return result


def _shift_model_nodes(config):
    """A functional config with the calls of nested models numbered as
    tf.keras numbers them, from 1: a model's own graph is its node 0.
    Keras 3 numbers the calls in inbound nodes from 0, and those in
    `input_layers` / `output_layers` from 1 for a functional model, from 0
    for a Sequential one."""
    nested = {entry.get('name'): 'input_layers' in entry['config']
              for entry in config['layers']
              if isinstance(entry.get('config'), dict) and
              'layers' in entry['config']}

    def shift(value, endpoints=False):
        if isinstance(value, dict):
            return {k: shift(v, endpoints) for k, v in value.items()}
        if not isinstance(value, list):
            return value
        if len(value) >= 3 and isinstance(value[0], str) and \
                value[0] in nested and isinstance(value[1], int) and \
                isinstance(value[2], int):
            step = 0 if endpoints and nested[value[0]] else 1
            return [value[0], value[1] + step] + [shift(v) for v in
                                                  value[2:]]
        return [shift(v, endpoints) for v in value]
    config = dict(config, input_layers=shift(config['input_layers'], True),
                  output_layers=shift(config['output_layers'], True))
    config['layers'] = [dict(entry, inbound_nodes=shift(
        entry.get('inbound_nodes', []))) for entry in config['layers']]
    return config


# ------------------------------------------------------------------ loading
def _read_archive(filepath):
    try:
        with zipfile.ZipFile(filepath, 'r') as archive:
            names = archive.namelist()
            if CONFIG not in names or WEIGHTS not in names:
                raise ValueError(
                    '%r is a zip file without %s and %s: not a .keras model '
                    'archive%s.' % (hdf5._source_name(filepath), CONFIG,
                                    WEIGHTS, ' (model.weights.npz archives '
                                    'are not supported)' if
                                    'model.weights.npz' in names else ''))
            metadata = json.loads(archive.read(METADATA)) \
                if METADATA in names else {}
            return (metadata, json.loads(archive.read(CONFIG)),
                    archive.read(WEIGHTS))
    except zipfile.BadZipFile as error:
        raise UnreadableArchiveError(
            'Unable to read %r as a .keras archive (%s).'
            % (hdf5._source_name(filepath), error)) from error


class UnreadableArchiveError(zipfile.BadZipFile, OSError):
    """A damaged .keras archive: `zipfile.BadZipFile`, as tf.keras lets
    it through, and an OSError, as an unreadable HDF5 file is."""


def _writer(metadata, h5=None):
    """'keras3', else 'tf.keras' (tf_keras 2.13+ and this package)."""
    if metadata.get('keras_version'):
        return 'keras3' if eras.writer_of(
            metadata['keras_version']) == 'keras3' else 'tf.keras'
    # A bare .weights.h5: Keras 3 names each `vars` group.
    vars_group = h5.get('vars') if h5 is not None else None
    return 'keras3' if vars_group is not None and \
        'name' in vars_group.attrs else 'tf.keras'


def load_model(filepath, custom_objects=None, compile=True, verbose=False):
    """A model from a `.keras` archive of tf_keras 2.13+, Keras 3 or this
    package: built from `config.json`, its weights set from the object
    paths and, unless `compile=False`, compiled from `compile_config` with
    the optimizer's saved state (as Keras's `load_model` does). A model
    saved uncompiled is returned uncompiled, without a warning, as
    Keras does."""
    from ..utils.generic_utils import CustomObjectScope
    from .config import build_model
    metadata, config, weights = _read_archive(filepath)
    report = eras.LoadReport(source=hdf5._source_name(filepath),
                             keras_version=metadata.get('keras_version'))
    writer = _writer(metadata)
    if writer == 'keras3':
        config = _from_keras3(config, report)
    compile_config = config.get('compile_config') if compile else None
    h5py = hdf5._h5py()
    with CustomObjectScope(custom_objects or {}), \
            h5py.File(io.BytesIO(weights), 'r') as h5:
        model = build_model(config, custom_objects, report)
        hdf5._build_subclassed(model, config)
        load_layer_weights(model, h5, writer)
        if compile_config:
            training_config = eras.normalize_training_config(
                dict(compile_config, optimizer_config=compile_config.get(
                    'optimizer')), report, custom_objects)
            optimizer = training_config['optimizer_config']
            if isinstance(optimizer, str):
                optimizer = training_config['optimizer_config'] = {
                    'class_name': optimizer, 'config': {}}
            # Keras 3's optimizers update as tf.keras 2.11+'s do.
            optimizer['config'].setdefault('is_legacy_optimizer', False)
            hdf5.compile_from_training_config(model, training_config,
                                              custom_objects, report)
            if 'is_legacy_optimizer' in metadata.get('keras_compat', {}):
                # Written here: the update rules of the saved optimizer
                # (tf_keras reads the config as its 2.11+ optimizer's).
                model.optimizer.is_legacy_optimizer = \
                    metadata['keras_compat']['is_legacy_optimizer']
            report.add(restore_optimizer(model, h5, writer,
                                         optimizer['config']))
            eras.apply_to_model(model, report)
    report.emit(verbose)
    return model


def load_weights(model, filepath, skip_mismatch=False):
    """`model.load_weights` of a `.keras` archive or a `.weights.h5` file:
    the layers' weights and, for a compiled model, the optimizer state
    (as tf_keras 2.13+ and Keras 3 do)."""
    h5py = hdf5._h5py()
    metadata = {}
    if is_archive(filepath):
        metadata, _, weights = _read_archive(filepath)
        source = io.BytesIO(weights)
    else:
        source = filepath
    with h5py.File(source, 'r') if not isinstance(source, h5py.Group) \
            else contextlib.nullcontext(source) as h5:
        writer = _writer(metadata, h5)
        load_layer_weights(model, h5, writer, skip_mismatch)
        optimizer = getattr(model, 'optimizer', None)
        if getattr(optimizer, '_attached', False):
            restore_optimizer(model, h5, writer, optimizer.get_config())


# ------------------------------------------------------------------- saving
def _serialize(value, module):
    """A compile argument as tf_keras 2.13+ writes it: names as they are,
    functions by name, objects wrapped with their module."""
    if isinstance(value, (list, tuple)):
        return [_serialize(v, module) for v in value]
    if isinstance(value, dict):
        return {k: _serialize(v, module) for k, v in value.items()}
    if hasattr(value, 'get_config'):
        return _wrap(value, module, value.get_config())
    if callable(value):
        return value.__name__
    return hdf5.get_json_type(value) if type(value).__module__ == \
        np.__name__ else value


def _wrap(obj, module, config):
    from ..utils.generic_utils import get_registered_name
    cls = type(obj)
    builtin = cls.__module__.startswith('keras_compat.')
    return {'module': module if builtin else cls.__module__,
            'class_name': cls.__name__, 'config': config,
            'registered_name': None if builtin else get_registered_name(cls)}


def _config(model, include_optimizer):
    """config.json's content as tf_keras 2.13+ writes it."""
    from .. import optimizers
    entry = hdf5._model_config(model)
    config = _wrap(model, 'keras', entry['config'])
    if _class_name(model) == 'Functional':
        config['class_name'] = 'Model'
    if 'build_config' in entry:
        config['build_config'] = entry['build_config']
    optimizer = getattr(model, 'optimizer', None)
    if include_optimizer and isinstance(optimizer, optimizers.Optimizer):
        config['compile_config'] = {
            'optimizer': _wrap(optimizer, 'keras.optimizers',
                               _optimizer_config(optimizer)),
            'loss': _serialize(model.loss, 'keras.losses'),
            'metrics': _serialize(model._compile_metrics, 'keras.metrics'),
            'loss_weights': model.loss_weights,
            'weighted_metrics': _serialize(model._compile_weighted_metrics,
                                           'keras.metrics'),
            'run_eagerly': None, 'steps_per_execution': None,
            'jit_compile': None}
    return config


def _weights_bytes(model, include_optimizer, strict=True):
    """The HDF5 file of the model's weights and, for a compiled model,
    its optimizer's state; an optimizer whose state has no layout here
    raises NotImplementedError, or, unless `strict`, is left out with a
    warning."""
    buffer = io.BytesIO()
    with hdf5._h5py().File(buffer, 'w') as h5:
        _write_layer_weights(h5, model)
        optimizer = getattr(model, 'optimizer', None)
        if include_optimizer and getattr(optimizer, '_attached', False):
            try:
                _write_optimizer(h5, optimizer)
            except NotImplementedError as error:
                if strict:
                    raise
                warnings.warn('The optimizer state was not saved: %s'
                              % error)
    return buffer.getvalue()


def _write(filepath, overwrite, data_to):
    """`data_to(stream)` into a stream, or into a temporary file that
    replaces `filepath` when complete (`io_utils.atomic_replace`)."""
    if hasattr(filepath, 'write') and hasattr(filepath, 'seek'):
        data_to(filepath)
        return
    filepath = os.fspath(filepath)
    from .hdf5 import may_write
    if not may_write(filepath, overwrite):
        return
    from ..utils import io_utils
    with io_utils.atomic_replace(filepath) as tmp_path:
        with open(tmp_path, 'wb') as f:
            data_to(f)


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    """The model as tf_keras 2.13+'s `model.save('m.keras')` writes it
    (the optimizer and compile arguments left out with
    `include_optimizer=False`)."""
    from .. import KERAS_API_VERSION
    config = _config(model, include_optimizer)
    weights = _weights_bytes(model, include_optimizer)
    metadata = {'keras_version': KERAS_API_VERSION,
                'date_saved': datetime.datetime.now().strftime(
                    '%Y-%m-%d@%H:%M:%S')}
    if 'compile_config' in config:
        metadata['keras_compat'] = {
            'is_legacy_optimizer': model.optimizer.is_legacy_optimizer}
    config = json.dumps(config, default=hdf5.get_json_type)
    metadata = json.dumps(metadata)

    def data_to(stream):
        with zipfile.ZipFile(stream, 'w') as archive:
            archive.writestr(METADATA, metadata)
            archive.writestr(CONFIG, config)
            archive.writestr(WEIGHTS, weights)
    _write(filepath, overwrite, data_to)


def save_weights(model, filepath, overwrite=True):
    """`model.save_weights('m.weights.h5')` as tf_keras 2.13+ and Keras 3
    write it: the per-object layout, the optimizer's state included."""
    weights = _weights_bytes(model, True, strict=False)
    _write(filepath, overwrite, lambda stream: stream.write(weights))
