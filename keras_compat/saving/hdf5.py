"""The Keras 2 HDF5 format (h5py): `model.save` / `load_model`,
`save_weights` / `load_weights`.

A model file holds `model_config` (JSON), `training_config` (JSON),
the `model_weights` group (one group per layer listing `weight_names`)
and `optimizer_weights`. Weights are written in Keras layout, so files
move between this package and Keras 2 / tf.keras. Writes go to a
temporary file that replaces the target only when complete."""
import errno
import json
import os
import warnings

import numpy as np

from .. import backend as K
from ..utils.generic_utils import unique_names
from .conversion import preprocess_weights_for_loading  # noqa: F401

HDF5_OBJECT_HEADER_LIMIT = 64512


def _h5py():
    import h5py
    return h5py


def _keras_version():
    from .. import KERAS_API_VERSION
    return KERAS_API_VERSION


def get_json_type(obj):
    """JSON fallback for configs: objects with get_config, numpy values,
    functions and classes by name."""
    if hasattr(obj, 'get_config'):
        serialized = {'class_name': obj.__class__.__name__,
                      'config': obj.get_config()}
        from ..backend import common
        if common.is_tf_keras():
            # (tf.keras marks the objects a config holds, to revive them
            # when it reads the config.)
            serialized['__passive_serialization__'] = True
        return serialized
    if type(obj).__module__ == np.__name__:
        if isinstance(obj, np.ndarray):
            return obj.tolist()
        return obj.item()
    if callable(obj):
        return obj.__name__
    if type(obj).__name__ == type.__name__:
        return obj.__name__
    raise TypeError('Not JSON Serializable: %s' % (obj,))


# ------------------------------------------------------------- attributes
def save_attributes_to_hdf5_group(group, name, data):
    """Stores a list of strings as an attribute, split into `name0`,
    `name1`, ... chunks when it exceeds HDF5's header limit."""
    bad = [x for x in data if len(x) > HDF5_OBJECT_HEADER_LIMIT]
    if bad:
        raise RuntimeError('The following attributes cannot be saved to '
                           'HDF5 file because they are larger than %d '
                           'bytes: %s' % (HDF5_OBJECT_HEADER_LIMIT, bad))
    data_npy = np.asarray(data)
    num_chunks = 1
    chunked = np.array_split(data_npy, num_chunks)
    while any(x.nbytes > HDF5_OBJECT_HEADER_LIMIT for x in chunked):
        num_chunks += 1
        chunked = np.array_split(data_npy, num_chunks)
    if num_chunks > 1:
        for i, chunk in enumerate(chunked):
            group.attrs['%s%d' % (name, i)] = chunk
    else:
        group.attrs[name] = data


def load_attributes_from_hdf5_group(group, name):
    """Reads a list-of-strings attribute, chunked or not."""
    def decode(values):
        return [v.decode('utf8') if hasattr(v, 'decode') else str(v)
                for v in values]
    if name in group.attrs:
        return decode(group.attrs[name])
    data = []
    chunk_id = 0
    while '%s%d' % (name, chunk_id) in group.attrs:
        data.extend(decode(group.attrs['%s%d' % (name, chunk_id)]))
        chunk_id += 1
    return data


# ---------------------------------------------------------------- weights
def _layer_weight_entries(layer):
    names, values = [], []
    for i, view in enumerate(layer.weights):
        name = view.name or 'param_%d' % i
        names.append(_unique_weight_name(name, names))
        values.append(view.detach().cpu().numpy())
    return names, values


def _unique_weight_name(name, taken):
    """`name`, or TensorFlow's next free variant of it ('rnn_1/kernel_1:0'
    for the kernel of a second cell of a stacked RNN), as Keras 2 files
    name repeated weights of a layer."""
    if name not in taken:
        return name
    base, suffix = (name[:-2], ':0') if name.endswith(':0') else (name, '')
    i = 1
    while '%s_%d%s' % (base, i, suffix) in taken:
        i += 1
    return '%s_%d%s' % (base, i, suffix)


def _refuse_unsaveable_weights(layers):
    """tf_keras's NotImplementedError for a layer holding weights that are
    not variables (the vocabulary of an adaptable StringLookup or
    TextVectorization), which HDF5 files cannot hold."""
    def reason(layer):
        found = getattr(layer, '_hdf5_unsaveable', None)
        found = found() if found is not None else None
        return found or next((r for r in map(reason, layer._sublayers())
                              if r), None)
    for layer in layers:
        found = reason(layer)
        if found:
            raise NotImplementedError(
                'Save or restore weights that is not an instance of '
                '`tf.Variable` is not supported in h5, use '
                "`save_format='tf'` instead. Received a model or layer {} "
                'with weights [{}]'.format(type(layer).__name__, found))


def save_weights_to_hdf5_group(group, layers):
    _refuse_unsaveable_weights(layers)
    save_attributes_to_hdf5_group(
        group, 'layer_names', [layer.name.encode('utf8') for layer in layers])
    group.attrs['backend'] = 'tensorflow'.encode('utf8')
    group.attrs['keras_version'] = str(_keras_version()).encode('utf8')
    # As tf.keras 2.x: the groups are written in layer name order, so that
    # a name that is a path prefix of another ('Conv' and 'Conv/BatchNorm',
    # 'x/depthwise' and 'x/depthwise/pad' in MobileNetV3) is created first.
    for layer in sorted(layers, key=lambda layer: layer.name):
        names, values = _layer_weight_entries(layer)
        _write_named_values(group.create_group(layer.name), names, values)


def _write_named_values(group, names, values):
    """`weight_names` and one dataset per value, as Keras writes them."""
    save_attributes_to_hdf5_group(
        group, 'weight_names', [n.encode('utf8') for n in names])
    for name, value in zip(names, values):
        dset = group.create_dataset(name, value.shape, dtype=value.dtype)
        if not value.shape:
            dset[()] = value
        else:
            dset[:] = value


def _saved_origin(group):
    """(keras_version, backend) a weights group was written by."""
    def attr(name, default):
        value = group.attrs.get(name, default)
        return value.decode('utf8') if hasattr(value, 'decode') else value
    return attr('keras_version', b'1'), attr('backend', None)


def load_weights_from_hdf5_group(group, layers, reshape=False):
    original_version, original_backend = _saved_origin(group)
    filtered_layers = [layer for layer in layers if layer.weights]
    layer_names = load_attributes_from_hdf5_group(group, 'layer_names')
    layer_names = [name for name in layer_names
                   if load_attributes_from_hdf5_group(group[name],
                                                      'weight_names')]
    if len(layer_names) != len(filtered_layers):
        raise ValueError(_layer_count_message(len(layer_names),
                                              len(filtered_layers)))
    assignments = []
    for k, name in enumerate(layer_names):
        g = group[name]
        weight_names = load_attributes_from_hdf5_group(g, 'weight_names')
        values = [np.asarray(g[w]) for w in weight_names]
        layer = filtered_layers[k]
        values = preprocess_weights_for_loading(
            layer, values, original_version, original_backend, reshape)
        expected = len(layer.weights)
        if len(values) != expected:
            raise ValueError(_topological_count_message(
                k, layer, name, expected, len(values)))
        if reshape:
            values = [np.reshape(v, w.shape) if v.size == w.numel() else v
                      for v, w in zip(values, layer.weights)]
        assignments.append((layer, values))
    if K.common.is_tf_keras():
        _check_assignable(assignments)
    assign_all(assignments)


def _topological_count_message(k, layer, saved_name, expected, received):
    """Keras 2's or (in a tf.keras program) tf.keras's text for a layer
    loaded in order whose saved weight count differs."""
    if K.common.is_tf_keras():
        return ('Weight count mismatch for layer #%d (named %s in the '
                'current model, %s in the save file). Layer expects %d '
                'weight(s). Received %d saved weight(s)'
                % (k, layer.name, saved_name, expected, received))
    return ('Layer #%d (named "%s" in the current model) was found to '
            'correspond to layer %s in the save file. However the new layer '
            '%s expects %d weights, but the saved weights have %d elements.'
            % (k, layer.name, saved_name, layer.name, expected, received))


def _check_assignable(assignments):
    """tf.keras assigns the weights loaded in order to its variables: a
    saved value of another shape fails there, with TensorFlow's text."""
    for layer, values in assignments:
        for weight, value in zip(layer.weights, values):
            expected = tuple(weight.shape)
            if tuple(np.shape(value)) != expected:
                raise ValueError(
                    "Cannot assign value to variable ' %s': Shape mismatch."
                    "The variable shape %s, and the assigned value shape %s "
                    "are incompatible." % (weight.name, expected,
                                           tuple(np.shape(value))))


def _layer_count_message(saved, expected):
    """The error for a weight file of another layer count: tf.keras's
    wording in a tf.keras program, Keras 2's otherwise."""
    if K.common.is_tf_keras():
        return ('Layer count mismatch when loading weights from file. '
                'Model expected %d layers, found %d saved layers.'
                % (expected, saved))
    return ('You are trying to load a weight file containing %d layers '
            'into a model with %d layers.' % (saved, expected))


def _checked_weights(layer, values):
    """(owner, record, value) for each weight of `layer` (trainable-first
    order), once the count and every shape were checked."""
    pairs = layer._listed_weight_pairs('all')
    if len(pairs) != len(values):
        raise ValueError('Layer %s expects %d weights, got %d.'
                         % (layer.name, len(pairs), len(values)))
    for (owner, record), value in zip(pairs, values):
        if tuple(np.shape(value)) != record.keras_shape:
            raise ValueError('Layer weight shape %s not compatible with '
                             'provided weight shape %s (layer "%s", weight '
                             '"%s").' % (record.keras_shape,
                                         np.shape(value), owner.name,
                                         record.name))
    return [(owner, record, np.asarray(value))
            for (owner, record), value in zip(pairs, values)]


def assign_all(assignments):
    """Sets the weights of several layers, all or none: every count and
    shape is checked before the first weight changes, and should an
    assignment still fail (or be interrupted), the weights already written
    are restored."""
    checked = []
    for layer, values in assignments:
        checked += _checked_weights(layer, values)
    assign_checked(checked)


def assign_checked(checked):
    """Writes (owner, record, value) triplets already checked, all or
    none (see `assign_all`)."""
    import torch
    saved = []
    seen = set()
    try:
        for owner, record, value in checked:
            tensor = getattr(owner, record.attr)
            if id(tensor) not in seen:
                seen.add(id(tensor))
                saved.append((tensor, tensor.detach().clone()))
            record.assign(owner, value)
    except BaseException:
        with torch.no_grad():
            for tensor, value in saved:
                tensor.copy_(value)
        raise


def _set_layer_weights(layer, values):
    """Sets `layer.weights` (trainable-first order) from values."""
    assign_all([(layer, values)])


def load_weights_from_hdf5_group_by_name(group, layers, skip_mismatch=False,
                                         reshape=False):
    """Loads the saved weights into the layers of the same name. A layer
    whose weight count differs, or a weight whose shape differs, is an
    error; with `skip_mismatch` it is warned about and skipped, weight by
    weight as Keras 2 and tf.keras skip (the other weights of that layer
    are loaded). Every layer is checked before any is set: an error leaves
    the model as it was."""
    original_version, original_backend = _saved_origin(group)
    layer_names = load_attributes_from_hdf5_group(group, 'layer_names')
    index = {}
    for layer in layers:
        if layer.name:
            index.setdefault(layer.name, []).append(layer)
    checked = []
    for k, name in enumerate(layer_names):
        g = group[name]
        weight_names = load_attributes_from_hdf5_group(g, 'weight_names')
        values = [np.asarray(g[w]) for w in weight_names]
        for layer in index.get(name, []):
            converted = preprocess_weights_for_loading(
                layer, values, original_version, original_backend, reshape)
            checked += _weights_matched_by_name(k, layer, converted,
                                                skip_mismatch)
    assign_checked(checked)


def _weights_matched_by_name(k, layer, values, skip_mismatch):
    """(owner, record, value) for each weight of `layer` (the `k`-th
    saved layer) that `values` may be loaded into."""
    pairs = layer._listed_weight_pairs('all')
    if len(values) != len(pairs):
        message = _count_mismatch_message(k, layer, len(pairs), len(values),
                                          skip_mismatch)
        if not skip_mismatch:
            raise ValueError(message)
        warnings.warn(message)
        return []
    matched = []
    for (owner, record), value, weight in zip(pairs, values, layer.weights):
        expected, received = record.keras_shape, tuple(np.shape(value))
        if expected == received:
            matched.append((owner, record, np.asarray(value)))
            continue
        message = _shape_mismatch_message(k, layer, weight.name, expected,
                                          received, skip_mismatch)
        if not skip_mismatch:
            raise ValueError(message)
        warnings.warn(message)
    return matched


def _count_mismatch_message(k, layer, expected, received, skipping):
    """Keras 2's or (in a tf.keras program) tf.keras's text for a layer
    whose saved weight count differs, as an error or, skipping, a
    warning."""
    if K.common.is_tf_keras():
        counts = ('Layer expects %d weight(s). Received %d saved weight(s)'
                  % (expected, received))
        if skipping:
            return ('Skipping loading of weights for layer #%d (named %s) '
                    'due to mismatch in number of weights. %s'
                    % (k, layer.name, counts))
        return 'Weight count mismatch for layer #%d (named %s). %s' % (
            k, layer.name, counts)
    if skipping:
        return ('Skipping loading of weights for layer %s due to mismatch '
                'in number of weights (%d vs %d).'
                % (layer.name, expected, received))
    return ('Layer #%d (named "%s") expects %d weight(s), but the saved '
            'weights have %d element(s).' % (k, layer.name, expected,
                                             received))


def _shape_mismatch_message(k, layer, weight_name, expected, received,
                            skipping):
    """Keras 2's or (in a tf.keras program) tf.keras's text for a weight
    whose saved shape differs, as an error or, skipping, a warning."""
    if K.common.is_tf_keras():
        shapes = ('Weight expects shape %s. Received saved weight with '
                  'shape %s' % (expected, received))
        if skipping:
            return ('Skipping loading weights for layer #%d (named %s) due '
                    'to mismatch in shape for weight %s. %s'
                    % (k, layer.name, weight_name, shapes))
        return 'Shape mismatch in layer #%d (named %s) for weight %s. %s' % (
            k, layer.name, weight_name, shapes)
    if skipping:
        return ('Skipping loading of weights for layer %s due to mismatch '
                'in shape (%s vs %s).' % (layer.name, expected, received))
    return ('Layer #%d (named "%s"), weight %s has shape %s, but the saved '
            'weight has shape %s.' % (k, layer.name, weight_name, expected,
                                      received))


# ------------------------------------------------------------ file access
def _atomic_write(filepath, overwrite, write):
    """Runs `write(h5file)` on a temporary file next to `filepath` that
    replaces it only when complete (see `io_utils.atomic_replace`: the
    umask or the old file's mode, symlinks written through, nothing left
    behind on an error)."""
    h5py = _h5py()
    if isinstance(filepath, h5py.Group):
        write(filepath)
        return
    if hasattr(filepath, 'write') and hasattr(filepath, 'seek'):
        # A binary stream (io.BytesIO, an open file): HDF5 written into it.
        _write_hdf5(filepath, write)
        return
    filepath = os.fspath(filepath)
    if not may_write(filepath, overwrite):
        return
    from ..utils import io_utils
    with io_utils.atomic_replace(filepath) as tmp_path:
        _write_hdf5(tmp_path, write)


def may_write(filepath, overwrite):
    """Whether `filepath` may be written: with `overwrite`, or when it
    does not exist, or when the user answers Keras 2's prompt so."""
    if overwrite or not os.path.isfile(filepath):
        return True
    # Looked up on keras.engine.saving, where Keras 2 has it.
    from ..engine import saving as engine_saving
    return engine_saving.ask_to_proceed_with_overwrite(filepath)


def _write_hdf5(target, write):
    """`write(h5file)` on a new HDF5 file, closed on every path: an h5py
    file left open after an error (a full disk) would be flushed again,
    and fail, when the interpreter exits."""
    f = _h5py().File(target, 'w')
    try:
        write(f)
        f.close()
    finally:
        _close_quietly(f)


def _close_quietly(f):
    for _ in range(3):
        try:
            if not f.id.valid:
                return
            f.close()
        except Exception:
            continue


def _open_for_reading(filepath):
    h5py = _h5py()
    if isinstance(filepath, h5py.Group):
        return filepath, False
    if hasattr(filepath, 'read') and hasattr(filepath, 'seek'):
        return h5py.File(filepath, 'r'), True
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        # FileNotFoundError, as h5py raises it (an OSError / IOError).
        raise FileNotFoundError(
            errno.ENOENT, 'Unable to open file: no such file: %r' % filepath)
    try:
        return h5py.File(filepath, 'r'), True
    except OSError as error:
        message = ('Unable to read %r as a Keras HDF5 file (%s). The file '
                   'may be truncated or not an HDF5 file written by '
                   'model.save / save_weights.' % (filepath, error))
        if error.errno is None:
            raise OSError(message) from error
        # The errno's subclass (IsADirectoryError, PermissionError...), as
        # h5py raised it.
        raise OSError(error.errno, message) from error


CHECKPOINT_SHARD = '.data-00000-of-00001'


def _is_checkpoint_shard(filepath):
    """Whether `filepath` is the data shard of a TensorFlow-format
    checkpoint (tf.keras's `save_weights(prefix)`), which holds the
    optimizer's state beside the weights, as TensorFlow's checkpoint of a
    compiled model does."""
    return isinstance(filepath, (str, os.PathLike)) and \
        os.fspath(filepath).endswith(CHECKPOINT_SHARD)


def _weight_layers(model):
    """The layers whose weights a model's HDF5 file holds, in order:
    `model.layers`, or what the model says (a Sequential model starting
    with a legacy `Merge` lists the layers of its branches)."""
    found = getattr(model, '_hdf5_layers', None)
    return found() if found is not None else model.layers


def save_weights(model, filepath, overwrite=True):
    from . import keras_archive
    if keras_archive.is_weights_name(filepath):
        return keras_archive.save_weights(model, filepath, overwrite)
    with_optimizer = _is_checkpoint_shard(filepath)

    def write(f):
        save_weights_to_hdf5_group(f, _weight_layers(model))
        if with_optimizer:
            _write_optimizer_weights(f, getattr(model, 'optimizer', None))
    _atomic_write(filepath, overwrite, write)


def load_weights(model, filepath, by_name=False, skip_mismatch=False,
                 reshape=False):
    from . import keras_archive
    if keras_archive.is_archive(filepath):
        return keras_archive.load_weights(model, filepath, skip_mismatch)
    if skip_mismatch and not by_name and K.common.is_tf_keras() and \
            not keras_archive.is_weights_name(filepath):
        # (Keras 2 ignores skip_mismatch without by_name.)
        raise ValueError('When calling model.load_weights, skip_mismatch '
                         'can only be set to True when by_name is True.')
    if _is_checkpoint_shard(filepath):
        prefix = os.fspath(filepath)[:-len(CHECKPOINT_SHARD)]
        from .. import tensorflow_checkpoint
        if tensorflow_checkpoint.is_tensorflow_checkpoint(prefix):
            return _load_tensorflow_checkpoint(model, prefix, by_name)
    f, opened = _open_for_reading(filepath)
    try:
        if keras_archive.is_weights_layout(f):
            if by_name:
                raise NotImplementedError(
                    'load_weights(by_name=True) of %r: the file is in the '
                    'per-object layout of tf_keras 2.13+ / Keras 3 '
                    '(.weights.h5), which is matched by object path, not by '
                    'layer name. Load it without by_name, or save the '
                    'weights under a name ending in .h5 (Keras 2 layout).'
                    % (_source_name(filepath),))
            return keras_archive.load_weights(model, f, skip_mismatch)
        if 'layer_names' not in f.attrs and 'model_weights' in f:
            f_weights = f['model_weights']
        else:
            f_weights = f
        if 'layer_names' not in f_weights.attrs and \
                'layer_names0' not in f_weights.attrs:
            raise ValueError('%r holds no Keras weights (no "layer_names" '
                             'attribute).' % (filepath,))
        if by_name:
            load_weights_from_hdf5_group_by_name(
                f_weights, _weight_layers(model), skip_mismatch=skip_mismatch,
                reshape=reshape)
        else:
            load_weights_from_hdf5_group(f_weights, _weight_layers(model),
                                         reshape=reshape)
            if _is_checkpoint_shard(filepath) and 'optimizer_weights' in f \
                    and _has_builtin_optimizer(model):
                # (tf.keras restores a compiled model's optimizer from
                # its checkpoint: training goes on where it stopped.)
                _restore_optimizer_weights(model, f['optimizer_weights'])
    finally:
        if opened:
            f.close()


def _load_tensorflow_checkpoint(model, prefix, by_name):
    """The weights (and optimizer state) of a checkpoint TensorFlow
    wrote, matched by object path as tf.keras matches them."""
    from .. import tensorflow_checkpoint
    status = tensorflow_checkpoint.load_model_weights(model, prefix)
    if by_name:
        raise NotImplementedError(
            'Weights may only be loaded based on topology into Models when '
            'loading TensorFlow-formatted weights (got by_name=True to '
            'load_weights).')
    return status


def _optimizer_weight_names(optimizer):
    if optimizer._custom_updates:
        return _variable_names(optimizer.weights)
    cls_name = optimizer.__class__.__name__
    names = ['%s/iterations:0' % cls_name]
    extra = len(optimizer._extra_weights())
    names += ['%s/extra_%d:0' % (cls_name, i) for i in range(extra)]
    for slot, i in optimizer._slot_layout():
        names.append('training/%s/%s_%d:0' % (cls_name, slot, i))
    return names


def _variable_names(variables):
    """Keras 2's names for the weights of a get_updates optimizer: the
    variable's name, else 'param_<i>', made unique with '_1', '_2'..."""
    names = []
    for i, variable in enumerate(variables):
        name = getattr(variable, '_keras_name', None) or \
            getattr(variable, 'name', None)
        names.append(str(name) if isinstance(name, str) and name else
                     'param_%d' % i)
    return unique_names(names)


def _model_config(model):
    """The model's class and config; for a subclassed model, also the
    input shape it was built for (tf.keras's `build_config`), which
    loading builds it with before reading the weights."""
    config = {'class_name': model.__class__.__name__,
              'config': model.get_config()}
    shape = model.__dict__.get('_built_input_shape')
    if not getattr(model, '_is_graph_network', True) and shape is not None:
        config['build_config'] = {'input_shape': shape}
    return config


def _build_subclassed(model, model_config):
    """Builds a subclassed model for its weights by calling it once on
    zeros of the saved input shape."""
    shape = (model_config.get('build_config') or {}).get('input_shape')
    if shape is None or getattr(model, '_is_graph_network', True) or \
            any(layer.weights for layer in model.layers):
        return
    import torch
    from .. import backend as K
    shapes = shape if shape and isinstance(shape[0], (list, tuple)) \
        else [shape]
    zeros = [torch.zeros((1,) + tuple(1 if d is None else int(d)
                                      for d in s[1:]),
                         dtype=K.torch_dtype(K.floatx()))
             for s in shapes]
    model._ensure_built(zeros)


def save_model(model, filepath, overwrite=True, include_optimizer=True,
               save_format=None, signatures=None, options=None,
               save_traces=True):
    """Architecture, weights, training configuration and optimizer state
    to one HDF5 file; to a `.keras` archive (`saving.keras_archive`) for a
    name ending in `.keras` or `save_format='keras'`, as tf_keras 2.13+
    does (`save_format='h5'` writes HDF5 under any name). In a tf.keras
    program any other name (or `save_format='tf'`) is a SavedModel
    directory (`saving.saved_model_directory`). `ram://` paths are
    TensorFlow's in-process RAM file system."""
    from . import keras_archive, saved_model_directory
    from ..engine.network import _check_save_options
    _check_save_options(save_format, signatures, options)
    filepath = saved_model_directory.local_path(filepath, create_parent=True)
    if keras_archive.wants_archive(filepath, save_format):
        return keras_archive.save_model(model, filepath, overwrite,
                                        include_optimizer)
    if saved_model_directory.wants_directory(filepath, save_format):
        return saved_model_directory.save_model(model, filepath, overwrite,
                                                include_optimizer)
    save_model_to_hdf5(model, filepath, overwrite, include_optimizer)


def save_model_to_hdf5(model, filepath, overwrite=True,
                       include_optimizer=True):
    """The model as one Keras 2 HDF5 file (or into an open h5py group or
    a binary stream)."""
    _atomic_write(filepath, overwrite,
                  lambda f: _write_model(f, model, include_optimizer))


def _write_model(f, model, include_optimizer):
    from .. import optimizers
    f.attrs['keras_version'] = str(_keras_version()).encode('utf8')
    f.attrs['backend'] = 'tensorflow'.encode('utf8')
    f.attrs['model_config'] = json.dumps(
        _model_config(model), default=get_json_type).encode('utf8')
    weights_group = f.create_group('model_weights')
    save_weights_to_hdf5_group(weights_group, _weight_layers(model))
    optimizer = getattr(model, 'optimizer', None)
    if include_optimizer and isinstance(optimizer, optimizers.Optimizer):
        _write_training_config(f, model, optimizer)


def _write_training_config(f, model, optimizer):
    f.attrs['training_config'] = json.dumps({
        'optimizer_config': {
            'class_name': optimizer.__class__.__name__,
            'config': optimizer.get_config()},
        'loss': model.loss,
        'metrics': model._compile_metrics,
        'weighted_metrics': model._compile_weighted_metrics,
        'sample_weight_mode': model.sample_weight_mode,
        'loss_weights': model.loss_weights,
    }, default=get_json_type).encode('utf8')
    _write_optimizer_weights(f, optimizer)


def _has_builtin_optimizer(model):
    from .. import optimizers
    return isinstance(getattr(model, 'optimizer', None),
                      optimizers.Optimizer)


def _write_optimizer_weights(f, optimizer):
    """The optimizer's state as the `optimizer_weights` group (nothing
    before its first step or without a built-in optimizer)."""
    from .. import optimizers
    if not isinstance(optimizer, optimizers.Optimizer) or \
            not (optimizer._attached and optimizer.weights):
        return
    values = [np.asarray(v) for v in optimizer.get_weights()]
    _write_named_values(f.create_group('optimizer_weights'),
                        _optimizer_weight_names(optimizer), values)


def _restore_optimizer_weights(model, group, report=None):
    """Sets the model's optimizer state from an `optimizer_weights`
    group; when it does not fit, warns and leaves the optimizer fresh."""
    from . import optimizer_state
    names = load_attributes_from_hdf5_group(group, 'weight_names')
    values = [np.asarray(group[n]) for n in names]
    if model.optimizer._custom_updates:
        # As Keras 2 does: build the training step, which creates the
        # variables of get_updates, then load them.
        model._make_train_function()
    problem, notes = optimizer_state.restore(model.optimizer, names, values,
                                             model)
    if report is not None:
        report.add(notes)
    if problem:
        warnings.warn('Error in loading the saved optimizer state (%s). As '
                      'a result, your model is starting with a freshly '
                      'initialized optimizer.' % problem)


def _deserialize_training_objects(value, custom_objects):
    """Losses and metrics of a training config: names stay names, custom
    functions come from custom_objects, serialized loss/metric objects
    (tf.keras writes `MeanMetricWrapper` entries) are rebuilt."""
    from .. import losses, metrics
    if isinstance(value, dict) and 'class_name' in value and \
            'config' in value:
        name = value['class_name']
        config = dict(value['config'])
        if custom_objects and name in custom_objects:
            cls = custom_objects[name]
            return cls.from_config(config) if hasattr(
                cls, 'from_config') else cls(**config)
        if name == 'MeanMetricWrapper':
            fn = config.get('fn')
            label = config.get('name')
            if label in ('accuracy', 'acc', 'crossentropy', 'ce'):
                return label
            if isinstance(fn, str):
                if custom_objects and fn in custom_objects:
                    fn = custom_objects[fn]
                else:
                    fn = metrics.get(fn)
            return metrics.MeanMetricWrapper(fn, name=label)
        for module in (losses, metrics):
            cls = getattr(module, name, None)
            if cls is not None and hasattr(cls, 'from_config'):
                config.pop('dtype', None) if module is losses else None
                return cls.from_config(config)
        return value
    if isinstance(value, dict):
        return {k: _deserialize_training_objects(v, custom_objects)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_deserialize_training_objects(v, custom_objects)
                for v in value]
    if isinstance(value, str) and custom_objects and value in custom_objects:
        return custom_objects[value]
    return value


def _compile_metrics_argument(metrics, n_outputs):
    """tf.keras stores metrics per output ([[...]]); a single-output model
    takes the inner list."""
    if isinstance(metrics, list) and n_outputs == 1 and len(metrics) == 1 \
            and isinstance(metrics[0], list):
        return metrics[0]
    return metrics


def _source_name(filepath):
    if isinstance(filepath, (str, bytes)) or hasattr(filepath, '__fspath__'):
        return os.fspath(filepath)
    return getattr(filepath, 'name', None) or type(filepath).__name__


def load_model(filepath, custom_objects=None, compile=True, verbose=False):
    """A model saved by `model.save` (or by Keras 2 / tf.keras in HDF5
    format), compiled with its saved optimizer state unless
    `compile=False`. Files of every Keras 2 era load (see `saving.eras`);
    the config keys dropped and the conversions made are logged (logger
    `keras_compat.saving`, level INFO) and, with `verbose=True`,
    printed. A `.keras` archive (tf_keras 2.13+, Keras 3) is read by
    `saving.keras_archive`, a SavedModel directory `model.save` wrote by
    `saving.saved_model_directory`; `ram://` paths are TensorFlow's RAM
    file system."""
    from . import (eras, keras_archive, saved_model_directory,
                   tensorflow_saved_model)
    filepath = saved_model_directory.model_source(filepath)
    if isinstance(filepath, str) and os.path.isdir(filepath):
        return tensorflow_saved_model.load_model(filepath, custom_objects,
                                                 compile, verbose)
    if keras_archive.is_archive(filepath):
        return keras_archive.load_model(filepath, custom_objects, compile,
                                        verbose)
    report = eras.LoadReport(source=_source_name(filepath))
    model = _load_model(filepath, custom_objects, compile, report)
    report.emit(verbose)
    return model


def compile_from_training_config(model, training_config, custom_objects,
                                 report):
    """Compiles `model` as its (normalised) training config says."""
    from .. import optimizers
    from . import eras
    training_config = eras.metrics_for_compile(
        training_config, getattr(model, 'output_names', None))
    notes = []
    optimizer = optimizers._deserialize(
        training_config['optimizer_config'], custom_objects=custom_objects,
        notes=notes)
    report.add(notes)
    n_outputs = len(getattr(model, 'outputs', None) or [None])
    model.compile(
        optimizer=optimizer,
        loss=_deserialize_training_objects(training_config.get('loss'),
                                           custom_objects),
        metrics=_compile_metrics_argument(_deserialize_training_objects(
            training_config.get('metrics'), custom_objects), n_outputs),
        weighted_metrics=_compile_metrics_argument(
            _deserialize_training_objects(
                training_config.get('weighted_metrics'), custom_objects),
            n_outputs),
        loss_weights=training_config.get('loss_weights'),
        sample_weight_mode=training_config.get('sample_weight_mode'))
    # (tf.keras builds the compiled loss and metrics of a loaded model:
    # its metrics_names are listed at once.)
    model.__dict__['_compiled_by_loading'] = True


def _load_model(filepath, custom_objects, compile, report):
    from ..utils.generic_utils import CustomObjectScope
    from . import eras
    from .config import build_model
    f, opened = _open_for_reading(filepath)
    try:
        report.keras_version, report.backend = _saved_origin(f)
        report.writer = eras.writer_of(report.keras_version)
        model_config = f.attrs.get('model_config')
        if model_config is None:
            raise ValueError('No model found in config file.')
        if hasattr(model_config, 'decode'):
            model_config = model_config.decode('utf8')
        model_config = json.loads(model_config)
        with CustomObjectScope(custom_objects or {}):
            model = build_model(model_config, custom_objects, report)
            _build_subclassed(model, model_config)
            weights_group = f['model_weights'] if 'model_weights' in f \
                else f
            load_weights_from_hdf5_group(weights_group,
                                         _weight_layers(model))
            if not compile:
                return model
            training_config = f.attrs.get('training_config')
            if training_config is None:
                warnings.warn('No training configuration found in save '
                              'file: the model was *not* compiled. Compile '
                              'it manually.')
                return model
            if hasattr(training_config, 'decode'):
                training_config = training_config.decode('utf8')
            training_config = eras.normalize_training_config(
                json.loads(training_config), report, custom_objects)
            compile_from_training_config(model, training_config,
                                         custom_objects, report)
            if 'optimizer_weights' in f:
                _restore_optimizer_weights(model, f['optimizer_weights'],
                                           report)
            eras.apply_to_model(model, report)
            return model
    finally:
        if opened:
            f.close()
