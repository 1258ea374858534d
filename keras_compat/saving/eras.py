"""Model and training configs as every Keras 2 era writes them (Keras
2.0-2.3, tf.keras 2.0-2.15, tf_keras 2.16+, this package), rewritten into
the configs this package's `from_config` methods read. One step per
feature a writer added:

- tf.keras 2.13+ (and Keras 3) wrap objects in `{'module', 'class_name',
  'config', 'registered_name'}` and add `build_config` / `compile_config`
  / `shared_object_id`: unwrapped (a `registered_name` of a custom object
  picks it from `custom_objects`); `Functional` is a `Model`;
- tf.keras's dtype policies `{'class_name': 'Policy', 'config': {'name':
  'float32'}}` become the dtype name; a 'mixed_float16' or
  'mixed_bfloat16' policy makes the loaded model run under that policy;
- tf.keras's node layout (the inbound nodes of `TFOpLambda` /
  `SlicingOpLambda` layers, tensors among call arguments, constant
  arguments, single-entry input/output lists) becomes Keras 2's;
- per layer family, keys that change nothing at the values written
  (`_NEUTRAL` below) are dropped; keys that change what a layer computes
  are honoured by the layer (`keepdims`, `groups`, `zero_output_for_mask`,
  ...); any other key is refused with an error naming the layer, the key
  and its value.

Everything dropped or converted is collected in a `LoadReport`: logged
(logger `keras_compat.saving`, level INFO) and printed by
`load_model(..., verbose=True)`."""
import inspect
import logging
import re
import threading

_LOG = logging.getLogger('keras_compat.saving')
_ANY = object()
_WRAPPER_KEYS = ('module', 'registered_name', 'build_config',
                 'compile_config', 'shared_object_id')
_MODEL_CLASSES = ('Model', 'Sequential', 'Functional')
_TF_OP_CLASSES = ('TFOpLambda', 'SlicingOpLambda')
_CONSTANT_VALUE = '_CONSTANT_VALUE'
_POLICY_CLASSES = ('Policy', 'DTypePolicy', 'FloatDTypePolicy',
                   'PolicyV1')

# Keys later writers add, per family (the layer classes of this package
# they apply to, subclasses included): (family, key, values at which the
# key changes nothing (_ANY: any value), why it is dropped, the error for
# other values (None: the layer handles them itself)).
_NEUTRAL = [
    (('InputLayer',), 'ragged', (False, None), 'dense inputs',
     'InputLayer(ragged=True): ragged inputs are not supported; feed '
     'padded dense arrays (and mask them) instead.'),
    (('InputLayer',), 'optional', (False,), 'inputs are always given',
     'InputLayer(optional=True) is not supported.'),
    (('RNN', 'ConvRNN2D', 'Bidirectional'), 'time_major', (False,),
     'inputs are (batch, time, ...)', None),
    (('GaussianNoise', 'GaussianDropout'), 'seed', _ANY,
     'only the random noise of training depends on it', None),
    (('BatchNormalization',), 'synchronized', _ANY,
     'one process: the same statistics; under torchrun each process uses '
     'its own batch statistics', None),
    (('Bidirectional',), 'num_constants', (None, 0), 'no constants', None),
    (('Embedding',), 'sparse', (False,), 'dense gradients', None),
    # (Keras 2.0's recurrent layers all wrote `implementation`.)
    (('SimpleRNN',), 'implementation', _ANY,
     'SimpleRNN has one implementation', None),
]
# Keys a layer reads itself from **kwargs (beyond its signature).
_READ_FROM_KWARGS = {
    'InputLayer': ('input_dtype', 'batch_shape', 'ragged', 'optional'),
    'RNN': ('time_major', 'zero_output_for_mask'),
    'ConvRNN2D': ('time_major', 'zero_output_for_mask'),
    'Lambda': ('function_type', 'module', 'output_shape_type',
               'output_shape_module', 'mask_type', 'mask_module'),
    'Bidirectional': ('num_constants',),
    # How Keras 1's Merge (kept by Keras 2.0-2.1) writes its functions.
    'Merge': ('mode_type', 'output_shape_type', 'output_mask_type'),
}


def writer_of(keras_version):
    """Which writer a `keras_version` attribute names: 'keras1', 'keras2'
    (Keras 2.0-2.3 and this package), 'tf.keras' (tf.keras and tf_keras:
    '2.x.y-tf', 2.4+), 'keras3' or None."""
    version = str(keras_version or '')
    if hasattr(keras_version, 'decode'):
        version = keras_version.decode('utf8')
    match = re.match(r'^(\d+)(?:\.(\d+))?', version)
    if not match:
        return None
    major, minor = int(match.group(1)), int(match.group(2) or 0)
    if major < 2:
        return 'keras1'
    if major >= 3:
        return 'keras3'
    if version.endswith('-tf') or minor >= 4:
        return 'tf.keras'
    return 'keras2'


class LoadReport(object):
    """What loading a file dropped and converted, for the log and for
    `load_model(..., verbose=True)`."""

    def __init__(self, source=None, keras_version=None, backend=None):
        self.source = source
        self.keras_version = keras_version
        self.backend = backend
        self.writer = writer_of(keras_version)
        self.policy = None
        self.frozen_models = []
        self._dropped = {}
        self._converted = {}
        self._notes = []

    def dropped(self, where, key, value, why=None):
        entry = self._dropped.setdefault((key, repr(value)), [why, []])
        entry[1].append(where)

    def converted(self, where, what, result):
        self._converted.setdefault((what, result), []).append(where)

    def note(self, text):
        if text not in self._notes:
            self._notes.append(text)

    def add(self, notes):
        """Notes from the optimizer and state loaders: (kind, where, key,
        value) tuples or plain text."""
        for item in notes or ():
            if isinstance(item, tuple) and item[0] == 'dropped':
                self.dropped(item[1], item[2], item[3])
            elif isinstance(item, tuple):
                self.converted(item[1], item[2], item[3])
            else:
                self.note(str(item))

    @property
    def empty(self):
        return not (self._dropped or self._converted or self._notes)

    @staticmethod
    def _places(places):
        unique = list(dict.fromkeys(places))
        if len(unique) > 4:
            return '%s and %d more' % (', '.join(unique[:4]),
                                       len(unique) - 4)
        return ', '.join(unique)

    def lines(self):
        lines = []
        for (key, value), (why, places) in self._dropped.items():
            lines.append('dropped %s=%s (%s)%s' % (
                key, value, self._places(places),
                ': ' + why if why else ''))
        for (what, result), places in self._converted.items():
            lines.append('converted %s -> %s (%s)' % (
                what, result, self._places(places)))
        lines += self._notes
        return lines

    def summary(self):
        origin = ''
        if self.keras_version:
            origin = ' written by Keras %s%s' % (
                self.keras_version, ' (%s)' % self.writer
                if self.writer else '')
        head = 'Loading %s%s' % (self.source or 'model', origin)
        body = self.lines()
        if not body:
            return head + ': nothing dropped or converted.'
        return head + ':\n  ' + '\n  '.join(body)

    def emit(self, verbose=False):
        text = self.summary()
        _LOG.info(text)
        if verbose:
            print(text)


class _Context(object):
    def __init__(self, report, custom_objects, layer_names=None):
        self.report = report
        self.custom_objects = custom_objects or {}
        self.lenient = report.writer == 'keras1'
        self.layer_names = layer_names or set()
        self.unwrapped = 0


# Layer config keys only Keras 1 wrote, beyond the old names of the
# `legacy.interfaces` conversion tables.
_KERAS1_ONLY_KEYS = ('input_dtype', 'nb_row', 'nb_col', 'kernel_dim1',
                     'forget_bias_init', 'atrous_rate')


def _keras1_keys():
    """Every layer config key Keras 1 wrote and Keras 2 renamed."""
    from ..legacy import interfaces
    keys = set(_KERAS1_ONLY_KEYS)
    for value in vars(interfaces).values():
        if isinstance(value, list) and all(
                isinstance(p, tuple) and len(p) == 2 for p in value):
            keys |= {old for old, _ in value}
    return keys


def _keras1_key_in(config, keys):
    """The first Keras 1 key of a layer config in a model config (nested
    models and wrapped layers included), or None."""
    if isinstance(config, list):
        for item in config:
            found = _keras1_key_in(item, keys)
            if found:
                return found
    elif isinstance(config, dict):
        for key, value in config.items():
            if key in keys and isinstance(config.get('name'), str):
                return key
            found = _keras1_key_in(value, keys)
            if found:
                return found
    return None


def _detect_keras1(config, ctx):
    """Keras 1.0 wrote no `keras_version`; Keras 2's `model_from_json`
    never looked at it and took Keras 1 keys through the legacy
    interfaces. A config without a version that holds a Keras 1 key is
    read as Keras 1: its keys are not checked one by one."""
    if ctx.report.writer is not None or ctx.lenient:
        return
    key = _keras1_key_in(config, _keras1_keys())
    if key:
        ctx.lenient = True
        ctx.report.note('no keras_version: read as a Keras 1 config (it '
                        'holds the Keras 1 key %r)' % key)


# ---------------------------------------------------------------- values
def _special_value(value, ctx):
    """Keras 3 / tf.keras encodings of values that are not objects."""
    name = value.get('class_name')
    config = value.get('config')
    if name == '__tuple__':
        items = value.get('items', (config or {}).get('value', []))
        return [_values(v, ctx) for v in items]
    if name == 'TensorShape':
        return _values(value.get('items'), ctx)
    if name in ('__numpy__', '__tensor__') and isinstance(config, dict):
        return config.get('value')
    if name == '__bytes__' and isinstance(config, dict):
        return config.get('value')
    if name == 'function' and isinstance(config, str):
        # Keras 3's serialized function (an activation): its name.
        return config
    return _ANY


def _values(value, ctx):
    """`value` with every nested object wrapper unwrapped and special
    encodings decoded."""
    if isinstance(value, list):
        return [_values(v, ctx) for v in value]
    if not isinstance(value, dict):
        return value
    if 'class_name' in value:
        special = _special_value(value, ctx)
        if special is not _ANY:
            return special
        value = _unwrap(value, ctx)
    return {k: _values(v, ctx) for k, v in value.items()}


def _unwrap(entry, ctx):
    """An object entry without tf.keras 2.13+'s module wrapper keys."""
    if not any(k in entry for k in _WRAPPER_KEYS):
        return entry
    entry = dict(entry)
    registered = entry.get('registered_name')
    if isinstance(registered, str) and \
            registered != entry.get('class_name'):
        from ..utils.generic_utils import get_custom_objects
        if registered in ctx.custom_objects or \
                registered in get_custom_objects():
            entry['class_name'] = registered
    for key in _WRAPPER_KEYS:
        entry.pop(key, None)
    ctx.unwrapped += 1
    return entry


# ---------------------------------------------------------------- layers
def _layer_class(class_name, ctx):
    from ..utils.generic_utils import get_custom_objects
    if class_name in ctx.custom_objects:
        return ctx.custom_objects[class_name]
    if class_name in get_custom_objects():
        return get_custom_objects()[class_name]
    from .. import layers, models
    if class_name in _MODEL_CLASSES:
        return models.Sequential if class_name == 'Sequential' \
            else models.Model
    cls = getattr(layers, class_name, None)
    return cls if isinstance(cls, type) and issubclass(
        cls, layers.Layer) else None


def _is_model_class(cls):
    from .. import models
    return isinstance(cls, type) and issubclass(cls, (models.Model,
                                                      models.Sequential))


def _is_builtin(cls):
    return cls is not None and cls.__module__.startswith('keras_compat.')


_ACCEPTED = {}


def _accepted(cls):
    """The config keys `cls` takes: its constructors' named arguments up
    to Layer's, the keys Layer takes, and those it reads from kwargs."""
    if cls in _ACCEPTED:
        return _ACCEPTED[cls]
    from ..engine import base_layer
    keys = set()
    for klass in cls.__mro__:
        for name in _READ_FROM_KWARGS.get(klass.__name__, ()):
            keys.add(name)
    for klass in cls.__mro__:
        if klass is base_layer.Layer:
            keys |= set(base_layer._ALLOWED_KWARGS)
            break
        init = klass.__dict__.get('__init__')
        if init is None:
            continue
        try:
            parameters = list(inspect.signature(init).parameters.values())
        except (TypeError, ValueError):
            continue
        keys |= {p.name for p in parameters[1:]
                 if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
        if not any(p.kind == p.VAR_KEYWORD for p in parameters):
            break
    _ACCEPTED[cls] = keys
    return keys


def _in_family(cls, names):
    return any(klass.__name__ in names and _is_builtin(klass)
               for klass in cls.__mro__)


def _check_keys(cls, class_name, config, where, ctx):
    accepted = _accepted(cls)
    for family, key, neutral, why, refusal in _NEUTRAL:
        if key not in config or not _in_family(cls, family):
            continue
        value = config[key]
        if neutral is _ANY or value in neutral:
            config.pop(key)
            ctx.report.dropped(where, key, value, why)
        elif refusal is not None:
            raise NotImplementedError('%s: %s' % (where, refusal))
    for key in list(config):
        if key not in accepted:
            raise ValueError(
                '%s: the config key %s=%r is not understood here. It may '
                'change what the layer computes, so the model is not '
                'loaded. To load it anyway, pass a layer class that takes '
                'this key through `custom_objects`.'
                % (where, key, config[key]))


def _dtype(config, where, ctx):
    dtype = config.get('dtype')
    if not isinstance(dtype, dict):
        return
    name = (dtype.get('config') or {}).get('name')
    if dtype.get('class_name') not in _POLICY_CLASSES or \
            not isinstance(name, str):
        raise ValueError('%s: unknown dtype %r.' % (where, dtype))
    if name.startswith('mixed_'):
        if ctx.report.policy not in (None, name):
            raise ValueError('%s: dtype policy %s in a model whose other '
                             'layers use %s.'
                             % (where, name, ctx.report.policy))
        ctx.report.policy = name
        config['dtype'] = 'float32'
        ctx.report.converted(where, 'dtype policy %s' % name,
                             'the model runs under policy %s (float32 '
                             'weights, autocast)' % name)
    else:
        config['dtype'] = name
        ctx.report.converted(where, 'dtype policy %s' % name, repr(name))


# Keras 2.0-2.3 / tf.keras 1.x cuDNN-only layers: the regular layer with
# the cuDNN kernel's fixed settings (their weights load into it, see
# `saving.conversion`).
_CUDNN_LAYERS = {
    'CuDNNLSTM': ('LSTM', {'activation': 'tanh',
                           'recurrent_activation': 'sigmoid'}),
    'CuDNNGRU': ('GRU', {'activation': 'tanh',
                         'recurrent_activation': 'sigmoid',
                         'reset_after': True}),
}


def _cudnn_entry(entry, ctx):
    """A CuDNNLSTM / CuDNNGRU entry as the LSTM / GRU computing the same
    (units, initializers, regularizers, constraints, return_sequences,
    return_state, go_backwards, stateful carry over)."""
    class_name = entry['class_name']
    if class_name not in _CUDNN_LAYERS or class_name in \
            ctx.custom_objects or not isinstance(entry.get('config'), dict):
        return entry
    target, fixed = _CUDNN_LAYERS[class_name]
    config = dict(entry['config'])
    config.update(fixed)
    name = config.get('name', class_name)
    ctx.report.converted('layer %r' % name, class_name,
                         '%s(%s)' % (target, ', '.join(
                             '%s=%r' % item for item in sorted(
                                 fixed.items()))))
    return dict(entry, class_name=target, config=config)


def _check_bytecode(config, name):
    """The Python bytecode of a Lambda layer's functions loads here (it
    loads only into the Python version that wrote it): otherwise an error
    naming the layer."""
    from ..utils import generic_utils
    for key in ('function', 'output_shape', 'mask'):
        value = config.get(key)
        if config.get(key + '_type') != 'lambda' or value is None:
            continue
        code = value[0] if isinstance(value, (list, tuple)) else value
        try:
            generic_utils._unmarshal(code)
        except (ValueError, EOFError, TypeError) as e:
            raise ValueError(generic_utils._foreign_bytecode_message(
                name, e, key if key != 'mask' else 'mask function'))


_LOCALLY_CONNECTED = ('LocallyConnected1D', 'LocallyConnected2D')


def _local_implementation(config, where, ctx):
    """tf.keras's LocallyConnected `implementation=2` and `3` compute
    what implementation 1 computes, with the kernel in another layout:
    read as implementation 1 (the kernel is rewritten on loading, see
    `conversion`). They also allow padding='same', which implementation
    1 has no kernel layout for."""
    implementation = config.get('implementation', 1)
    if implementation in (1, None):
        return
    if implementation not in (2, 3):
        raise ValueError('%s: unknown implementation %r.'
                         % (where, implementation))
    if config.get('padding', 'valid') != 'valid':
        raise NotImplementedError(
            "%s: implementation=%d with padding=%r is not supported; only "
            "padding='valid' (which every implementation computes alike) "
            "loads. Rebuild the layer with padding='valid' after "
            "zero-padding its input (ZeroPadding1D/2D)."
            % (where, implementation, config['padding']))
    config['implementation'] = 1
    ctx.report.converted(where, 'implementation=%d' % implementation,
                         'implementation=1 (the same outputs; kernel '
                         'rewritten in its layout)')


def _layer_entry(entry, ctx):
    """One `{'class_name', 'config', ...}` layer entry, normalised."""
    if not isinstance(entry, dict) or 'class_name' not in entry:
        return entry
    entry = dict(_unwrap(entry, ctx))
    entry = _cudnn_entry(entry, ctx)
    class_name = entry['class_name']
    if class_name == 'Functional':
        entry['class_name'] = class_name = 'Model'
    cls = _layer_class(class_name, ctx)
    config = entry.get('config')
    if _is_model_class(cls) and (isinstance(config, list) or (
            isinstance(config, dict) and 'layers' in config)):
        entry['config'] = _model_config(class_name, config, ctx)
        return entry
    if not isinstance(config, dict):
        return entry
    config = _values(dict(config), ctx)
    name = config.get('name', entry.get('name', class_name))
    where = 'layer %r (%s)' % (name, class_name)
    _dtype(config, where, ctx)
    if class_name == 'Lambda' and _is_builtin(cls):
        _check_bytecode(config, name)
    if cls is not None and _in_family(cls, _LOCALLY_CONNECTED):
        _local_implementation(config, where, ctx)
    if _is_builtin(cls):
        for key in ('layer', 'backward_layer', 'cell'):
            if isinstance(config.get(key), dict):
                config[key] = _layer_entry(config[key], ctx)
        for key in ('cell', 'cells'):
            if isinstance(config.get(key), list):
                config[key] = [_layer_entry(c, ctx) for c in config[key]]
        if class_name == 'Merge' and isinstance(config.get('layers'), list):
            # The merged branches of a Keras 2.0-2.1 Sequential model.
            config['layers'] = [_layer_entry(c, ctx)
                                for c in config['layers']]
        if class_name == 'InputLayer' and config.get('sparse'):
            ctx.report.converted(where, 'sparse=True',
                                 'sparse inputs are fed as dense tensors')
        if config.get('type_spec') is not None and \
                class_name == 'InputLayer':
            raise NotImplementedError('%s: an input given by a type_spec '
                                      '(%r) is not supported.'
                                      % (where, config['type_spec']))
        if not ctx.lenient:
            _check_keys(cls, class_name, config, where, ctx)
    entry['config'] = config
    return entry


# ---------------------------------------------------------------- models
def _model_config(class_name, config, ctx):
    if isinstance(config, list):
        return [_layer_entry(e, ctx) for e in config]
    if not isinstance(config, dict):
        return config
    config = dict(config)
    trainable = config.pop('trainable', True)
    if trainable is False:
        ctx.report.frozen_models.append(config.get('name'))
    if 'input_layers' in config:
        return _functional(config, ctx)
    config['layers'] = [_layer_entry(e, ctx)
                        for e in config.get('layers', [])]
    if 'build_input_shape' in config:
        config['build_input_shape'] = _values(config['build_input_shape'],
                                              ctx)
    return config


def _endpoints(value):
    """`input_layers` / `output_layers` as a list of [name, node, tensor],
    or a dict of them (tf.keras writes dicts for a model made with dicts
    of inputs or outputs; Keras 3 a single entry)."""
    if isinstance(value, dict):
        return {key: list(entry)[:3] for key, entry in value.items()}
    if isinstance(value, list) and value and isinstance(value[0], str):
        value = [value]
    return [list(v)[:3] for v in value or []]


def _functional(config, ctx):
    entries = config.get('layers', [])
    names = {e.get('name') or (e.get('config') or {}).get('name')
             for e in entries if isinstance(e, dict)}
    outer_names = ctx.layer_names
    ctx.layer_names = names
    try:
        layers = []
        for entry in entries:
            normalised = _layer_entry(entry, ctx)
            normalised['inbound_nodes'] = [
                _node(node, normalised, ctx)
                for node in normalised.get('inbound_nodes') or []]
            layers.append(normalised)
    finally:
        ctx.layer_names = outer_names
    config['layers'] = layers
    config['input_layers'] = _endpoints(config.get('input_layers'))
    config['output_layers'] = _endpoints(config.get('output_layers'))
    return config


def _is_reference(value, ctx):
    """A serialized tensor inside call arguments: [layer, node, tensor]."""
    return isinstance(value, list) and len(value) == 3 and \
        isinstance(value[0], str) and value[0] in ctx.layer_names and \
        all(isinstance(v, int) and not isinstance(v, bool)
            for v in value[1:])


def _is_entry(value):
    return isinstance(value, list) and len(value) in (3, 4) and \
        isinstance(value[0], str) and isinstance(value[1], int)


def _node(node, entry, ctx):
    """One inbound node as Keras 2 writes it: a list of [layer, node index,
    tensor index, kwargs] entries."""
    where = 'layer %r (%s)' % (entry.get('name'), entry.get('class_name'))
    if isinstance(node, dict):
        raise NotImplementedError('%s: inbound nodes written as %r (Keras '
                                  '3) are not supported.'
                                  % (where, sorted(node)))
    if entry.get('class_name') in _TF_OP_CLASSES:
        return _op_node(node, where, ctx)
    if _is_entry(node):
        node = [node]
    result = []
    for item in node:
        item = list(item)
        if item and item[0] == _CONSTANT_VALUE:
            raise NotImplementedError('%s: a constant (%r) as a layer '
                                      'input is not supported.'
                                      % (where, item[2]))
        if len(item) == 4:
            converted = _tensor_arguments(item, entry, where, ctx)
            if converted is not None:
                result.extend(converted)
                continue
        result.append(item)
    return result


def _tensor_arguments(item, entry, where, ctx):
    """The node entries of a call that tf.keras wrote with tensors among
    its keyword arguments (MultiHeadAttention's `value`), as the layer
    class lays them out (`_entries_from_tensor_arguments`); None for a call
    without such arguments."""
    kwargs = item[3] or {}
    for key, value in kwargs.items():
        if _is_reference(value, ctx) or (
                isinstance(value, list) and value and all(
                    _is_reference(v, ctx) for v in value)):
            class_name = entry.get('class_name')
            layer_class = _layer_class(class_name, ctx)
            if layer_class is None:
                raise ValueError('Unknown layer: %s' % class_name)
            convert = getattr(layer_class, '_entries_from_tensor_arguments',
                              None)
            if convert is None:
                # Kept as references: the model resolves them when it
                # connects the layer.
                return None
            return convert(item[:3], kwargs)
    return None


def _op_node(node, where, ctx):
    """A TFOpLambda node: every tensor among the arguments becomes an
    input; `op_inputs` and `op_kwargs` say where each goes."""
    if isinstance(node, list) and node and not _is_entry(node) and all(
            _is_entry(e) and len(e) == 4 and isinstance(e[3], dict) and
            'op_inputs' in e[3] for e in node):
        return node                 # already in this layout
    tensors = []
    kwargs = {}

    def reference(value):
        tensors.append(list(value[:3]))
        return {'__tensor__': len(tensors) - 1}

    def first_argument(item):
        nonlocal kwargs
        if _is_entry(item):
            if len(item) == 4 and isinstance(item[3], dict):
                kwargs = item[3]
            if item[0] == _CONSTANT_VALUE:
                return item[2]
            return reference(item)
        if isinstance(item, list):
            return [first_argument(i) for i in item]
        return item

    op_inputs = first_argument(node)

    def arguments(value):
        if _is_reference(value, ctx):
            return reference(value)
        if isinstance(value, list):
            return [arguments(v) for v in value]
        if isinstance(value, dict):
            return {k: arguments(v) for k, v in value.items()}
        return value
    op_kwargs = {k: arguments(v) for k, v in kwargs.items()}
    if not tensors:
        raise NotImplementedError('%s: a TensorFlow function of constants '
                                  'only is not supported.' % where)
    call = {'op_inputs': op_inputs, 'op_kwargs': op_kwargs}
    ctx.report.converted(where, 'TensorFlow function call',
                         'torch (%d tensor input%s)' % (
                             len(tensors), '' if len(tensors) == 1 else 's'))
    return [t + [call] for t in tensors]


# ------------------------------------------------------------ public API
def normalize_model_config(config, report, custom_objects=None):
    """A `{'class_name', 'config'}` model (or layer) config of any era as
    this package reads it; what was dropped or converted goes to
    `report`."""
    ctx = _Context(report, custom_objects)
    _detect_keras1(config, ctx)
    result = _layer_entry(config, ctx)
    if ctx.unwrapped:
        report.converted('%d objects' % ctx.unwrapped,
                         'module/registered_name wrappers', 'unwrapped')
    return result


def normalize_training_config(config, report, custom_objects=None):
    """A training config with tf.keras 2.13+'s wrappers unwrapped."""
    ctx = _Context(report, custom_objects)
    return _values(config, ctx)


_METRIC_LISTS = ('metrics', 'weighted_metrics')


def _unprefixed(entry, prefix):
    """A serialized metric entry without the output-name prefix of its
    `name`; strings and other entries as they are."""
    if not isinstance(entry, dict) or not isinstance(
            entry.get('config'), dict):
        return entry
    name = entry['config'].get('name')
    if not isinstance(name, str) or not name.startswith(prefix) or \
            name == prefix:
        return entry
    return dict(entry, config=dict(entry['config'], name=name[len(prefix):]))


def metrics_for_compile(training_config, output_names):
    """The training config with the metric names of a several-output
    model as `compile` takes them. tf.keras saves each output's metric
    objects under their logged names ('out_mae' for 'mae' of output
    'out') and, loading, keeps those names (its `_from_serialized`
    metrics are not prefixed again); compile here prefixes every metric of
    a several-output model, so the saved prefix is removed first."""
    names = list(output_names or [])
    if len(names) < 2:
        return training_config
    config = dict(training_config)
    for key in _METRIC_LISTS:
        value = config.get(key)
        if isinstance(value, dict):
            config[key] = {
                output: [_unprefixed(m, output + '_') for m in entries]
                if isinstance(entries, list) else
                _unprefixed(entries, output + '_')
                for output, entries in value.items()}
        elif isinstance(value, list) and len(value) == len(names) and \
                all(isinstance(v, list) for v in value):
            config[key] = [[_unprefixed(m, output + '_') for m in entries]
                           for output, entries in zip(names, value)]
    return config


_STATE = threading.local()


def deserialize(config, custom_objects, build, report=None):
    """`build(config)` on the config normalised, unless the deserialization
    of an enclosing config (a model's, for its layers) normalised it
    already. Without a `report`, what was dropped or converted is
    logged."""
    if getattr(_STATE, 'active', False) or not isinstance(config, dict):
        return build(config)
    own_report = report is None
    if own_report:
        report = LoadReport(keras_version=config.get('keras_version'),
                            backend=config.get('backend'))
    _STATE.active = True
    try:
        result = build(normalize_model_config(config, report,
                                              custom_objects))
    finally:
        _STATE.active = False
    if hasattr(result, 'layers'):
        apply_to_model(result, report)
    if own_report and not report.empty:
        report.emit()
    return result


def apply_to_model(model, report):
    """What the normalised config cannot say: nested models saved as not
    trainable, the dtype policy of the model."""
    if report.frozen_models:
        frozen = set(report.frozen_models)
        for layer in _all_layers(model):
            if getattr(layer, 'name', None) in frozen:
                layer.trainable = False
        report.converted(', '.join(str(n) for n in report.frozen_models),
                         'trainable=False', 'frozen')
    if report.policy:
        from ..mixed_precision import Policy
        model.__dict__['_policy'] = Policy(report.policy)


def _all_layers(model, seen=None):
    seen = seen if seen is not None else set()
    for layer in getattr(model, 'layers', []):
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        yield layer
        for sub in _all_layers(layer, seen):
            yield sub
