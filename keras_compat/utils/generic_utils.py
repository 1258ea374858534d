"""Serialization helpers, custom-object scopes and the progress bar, as in
`keras.utils.generic_utils`."""
import collections
import inspect
import binascii
import codecs
import marshal
import sys
import time
import types

import numpy as np

from . import legacy_bytecode

_GLOBAL_CUSTOM_OBJECTS = {}


class CustomObjectScope(object):
    """Makes the given custom objects visible to deserialization inside a
    `with` block (`with CustomObjectScope({'MyLayer': MyLayer}): ...`)."""

    def __init__(self, *args):
        self.custom_objects = args
        self.backup = None

    def __enter__(self):
        self.backup = _GLOBAL_CUSTOM_OBJECTS.copy()
        for objects in self.custom_objects:
            _GLOBAL_CUSTOM_OBJECTS.update(objects)
        return self

    def __exit__(self, *args, **kwargs):
        _GLOBAL_CUSTOM_OBJECTS.clear()
        _GLOBAL_CUSTOM_OBJECTS.update(self.backup)


def custom_object_scope(*args):
    return CustomObjectScope(*args)


def register_keras_serializable(package='Custom', name=None):
    """tf.keras's decorator registering a class or function as a custom
    object (under 'package>name' and its plain name), so that configs
    naming it load without custom_objects."""
    def decorator(arg):
        class_name = name if name is not None else arg.__name__
        registered = package + '>' + class_name
        if isinstance(arg, type) and not hasattr(arg, 'get_config'):
            raise ValueError('Cannot register a class that does not have a '
                             'get_config() method.')
        _GLOBAL_CUSTOM_OBJECTS[registered] = arg
        _GLOBAL_CUSTOM_OBJECTS.setdefault(class_name, arg)
        return arg
    return decorator


def get_registered_name(obj):
    """The name `register_keras_serializable` registered `obj` under, else
    its own name."""
    for key, value in _GLOBAL_CUSTOM_OBJECTS.items():
        if value is obj and '>' in key:
            return key
    return getattr(obj, '__name__', type(obj).__name__)


def get_registered_object(name, custom_objects=None, module_objects=None):
    """tf.keras 2.x: the object registered (or in a custom object scope)
    under `name`, else the one in `custom_objects`, else in
    `module_objects`, else None."""
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


def get_custom_objects():
    """The global dict of custom objects, editable in place."""
    return _GLOBAL_CUSTOM_OBJECTS


def serialize_keras_object(instance):
    """{'class_name': ..., 'config': ...} for objects with `get_config`,
    the name for functions, None for None."""
    if instance is None:
        return None
    if hasattr(instance, 'get_config'):
        return {'class_name': instance.__class__.__name__,
                'config': instance.get_config()}
    if hasattr(instance, '__name__'):
        return instance.__name__
    raise ValueError('Cannot serialize', instance)


def _valid_names(module_objects, kind=None):
    names = []
    for name, obj in (module_objects or {}).items():
        if name.startswith('_'):
            continue
        if kind == 'class' and not inspect.isclass(obj):
            continue
        if kind == 'function' and not (inspect.isfunction(obj) or
                                       inspect.isclass(obj)):
            continue
        names.append(name)
    return sorted(set(names))


def _lookup(name, module_objects, custom_objects):
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    return (module_objects or {}).get(name)


def _unknown_object_message(kind, name, is_class):
    """The error text of an unknown class or function name: Keras 2's
    ('Unknown layer: Fancy', 'Unknown loss function:foo') or tf.keras's,
    each ending with a full stop."""
    from ..backend import common
    if kind == 'activation':
        if common.is_tf_keras():
            return ("Unknown activation function '%s' cannot be "
                    "deserialized." % (name,))
        kind = 'activation function'
    # Keras 2's initializers/regularizers/constraints.get() look a name up
    # as a class name.
    is_class = is_class or kind in ('initializer', 'regularizer',
                                    'constraint')
    if common.is_tf_keras():
        return ("Unknown %s: '%s'. Please ensure you are using a "
                "`keras.utils.custom_object_scope` and that this object is "
                "included in the scope. See https://www.tensorflow.org/"
                "guide/keras/save_and_serialize#registering_the_custom_"
                "object for details." % (kind, name))
    return 'Unknown %s:%s%s.' % (kind, ' ' if is_class else '', name)


def deserialize_keras_object(identifier, module_objects=None,
                             custom_objects=None,
                             printable_module_name='object',
                             valid_names=None):
    """Rebuilds an object from its name or `{'class_name', 'config'}` dict,
    looking in `custom_objects`, the global custom objects and
    `module_objects`. Unknown names raise a ValueError listing the valid
    ones."""
    if isinstance(identifier, dict):
        if 'class_name' not in identifier or 'config' not in identifier:
            raise ValueError('Improper config format: ' + str(identifier))
        class_name = identifier['class_name']
        cls = _lookup(class_name, module_objects, custom_objects)
        if cls is None:
            names = valid_names or _valid_names(module_objects, 'class')
            raise ValueError(_unknown_object_message(
                printable_module_name, class_name, True) +
                ' Valid names: ' + ', '.join(names) + '. Pass custom '
                'classes through `custom_objects`.')
        config = _revived_config_items(identifier['config'], module_objects,
                                       custom_objects)
        if hasattr(cls, 'from_config'):
            params = inspect.signature(cls.from_config).parameters
            if 'custom_objects' in params:
                merged = dict(_GLOBAL_CUSTOM_OBJECTS)
                merged.update(custom_objects or {})
                return cls.from_config(config, custom_objects=merged)
            with CustomObjectScope(custom_objects or {}):
                return cls.from_config(config)
        with CustomObjectScope(custom_objects or {}):
            return cls(**config)
    if isinstance(identifier, str):
        obj = _lookup(identifier, module_objects, custom_objects)
        if obj is None:
            names = valid_names or _valid_names(module_objects, 'function')
            raise ValueError(_unknown_object_message(
                printable_module_name, identifier, False) +
                ' Valid names: ' + ', '.join(names) + '.')
        return obj
    raise ValueError('Could not interpret serialized ' +
                     printable_module_name + ': ' + str(identifier))


def _revived_config_items(config, module_objects, custom_objects):
    """The Keras objects a config holds as tf.keras wrote them (a custom
    layer's `get_config` returning a quantizer or initializer object:
    `{'class_name', 'config', '__passive_serialization__': True}`) made
    again; under tf.keras, also the names of registered custom functions
    given as strings. Other items (and `name`) stay as written."""
    if not isinstance(config, dict):
        return config
    revived = {}
    for key, item in config.items():
        if key == 'name':
            continue
        if isinstance(item, dict) and '__passive_serialization__' in item:
            revived[key] = deserialize_keras_object(
                item, module_objects=module_objects,
                custom_objects=custom_objects,
                printable_module_name='config_item')
        elif isinstance(item, str) and _is_tf_keras():
            obj = _GLOBAL_CUSTOM_OBJECTS.get(item) or \
                (custom_objects or {}).get(item)
            if inspect.isfunction(obj):
                revived[key] = obj
    if not revived:
        return config
    return dict(config, **revived)


def _is_tf_keras():
    from ..backend import common
    return common.is_tf_keras()


def named_object(name, deserialize, module_objects):
    """What a name in a config stands for, as tf.keras 2.4+ reads it:
    classes and the module's own factories (`glorot_uniform`, `l2`) are
    called with no arguments; a user's function given by name
    (`kernel_initializer='my_init'` with `custom_objects`) is that
    function."""
    obj = deserialize(name)
    if inspect.isclass(obj) or any(obj is value
                                   for value in module_objects.values()):
        return obj()
    return obj


def func_dump(func):
    """Serializes a function to (code, defaults, closure), as Keras does
    for `Lambda` layers."""
    raw_code = marshal.dumps(func.__code__)
    code = codecs.encode(raw_code, 'base64').decode('ascii')
    defaults = func.__defaults__
    closure = tuple(c.cell_contents for c in func.__closure__) \
        if func.__closure__ else None
    return code, defaults, closure


def func_load(code, defaults=None, closure=None, globs=None, name=None):
    """Rebuilds a function serialized by `func_dump`. Its bytecode loads
    only into the Python version that wrote it; otherwise the ValueError
    names the layer (`name`, where the caller gives it) and the ways out."""
    if isinstance(code, (tuple, list)):
        code, defaults, closure = code
        if isinstance(defaults, list):
            defaults = tuple(defaults)

    def ensure_value_to_cell(value):
        def dummy_fn():
            value  # noqa: B018
        cell_value = dummy_fn.__closure__[0]
        if not isinstance(value, type(cell_value)):
            return cell_value
        return value

    values = closure
    if closure is not None:
        closure = tuple(ensure_value_to_cell(c) for c in closure)
    try:
        code = _unmarshal(code)
    except (ValueError, EOFError, TypeError) as e:
        raise ValueError(_foreign_bytecode_message(name, e))
    if globs is None:
        globs = globals()
    if isinstance(code, legacy_bytecode.LegacyCode):
        # Bytecode of another Python, recompiled from recovered source.
        return legacy_bytecode.recover_function(
            code, globs, defaults, values and [
                c.cell_contents if isinstance(c, types.CellType) else c
                for c in values])
    return types.FunctionType(code, globs, name=code.co_name,
                              argdefs=defaults, closure=closure)


def _unmarshal(code):
    """The code object of a saved function: marshal's where this Python
    wrote it, else (Python 2.7, 3.5 to 3.10) a `LegacyCode` whose source
    was recovered; a ValueError where neither works."""
    try:
        # Keras >= 2.1.2 writes the bytecode in base64.
        raw = codecs.decode(code.encode('ascii'), 'base64')
    except (UnicodeEncodeError, binascii.Error, ValueError):
        raw = None
    if raw is not None:
        try:
            return _load_code(raw)
        except legacy_bytecode.UnsupportedBytecode:
            raise
        except (ValueError, EOFError):
            pass
    # Older files hold it as raw-unicode-escaped text.
    return _load_code(code.encode('raw_unicode_escape'))


def _load_code(raw):
    legacy = legacy_bytecode.foreign_code(raw)
    return legacy if legacy is not None else marshal.loads(raw)


def _foreign_bytecode_message(name, error, what='function'):
    import sys
    where = ' of layer %r' % name if name else ''
    recovery = ''
    if isinstance(error, legacy_bytecode.UnsupportedBytecode):
        recovery = (' (the source of functions written by Python 2.7 and '
                    '3.5 to 3.10 is recovered where they hold expressions, '
                    'calls, assignments and conditionals only)')
    return ('Cannot load the Python bytecode of the %s%s (%s): the '
            'file was probably written by another Python version (this is '
            'Python %d.%d), and bytecode only loads into the version that '
            'wrote it%s. Load the file under that Python version, or rebuild '
            'the Lambda layer (or the model) in code with the function and '
            'load only the weights (`load_weights`); a function saved by '
            'name instead of as bytecode is taken from `custom_objects`.'
            % (what, where, error, sys.version_info[0],
               sys.version_info[1], recovery))


ArgSpec = collections.namedtuple('ArgSpec',
                                 'args varargs keywords defaults')


def getargspec(fn):
    """Keras 2.3's Python 2/3 `getargspec`: the positional parameter
    names, the names of *args and **kwargs (`keywords`) and the defaults
    of `fn`, as an ArgSpec."""
    spec = inspect.getfullargspec(fn)
    return ArgSpec(args=spec.args, varargs=spec.varargs,
                   keywords=spec.varkw, defaults=spec.defaults)


def has_arg(fn, name, accept_all=False):
    """Whether callable `fn` accepts the keyword argument `name`."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return False
    parameter = signature.parameters.get(name)
    if parameter is None:
        if accept_all:
            return any(p.kind == inspect.Parameter.VAR_KEYWORD
                       for p in signature.parameters.values())
        return False
    return parameter.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD,
                              inspect.Parameter.KEYWORD_ONLY)


def to_list(x, allow_tuple=False):
    if isinstance(x, list):
        return x
    if allow_tuple and isinstance(x, tuple):
        return list(x)
    return [x]


def check_for_unexpected_keys(name, input_dict, expected_values):
    """Raises when `input_dict` has keys outside `expected_values`."""
    unknown = set(input_dict.keys()).difference(expected_values)
    if unknown:
        raise ValueError('Unknown entries in {} dictionary: {}. Only '
                         'expected following keys: {}'.format(
                             name, list(unknown), expected_values))


def transpose_shape(shape, target_format, spatial_axes):
    """A channels-last `shape` as `target_format` ('channels_first' moves
    the last axis before `spatial_axes`)."""
    if target_format == 'channels_first':
        new_values = shape[:spatial_axes[0]]
        new_values += (shape[-1],)
        new_values += tuple(shape[x] for x in spatial_axes)
        if isinstance(shape, list):
            return list(new_values)
        return new_values
    if target_format == 'channels_last':
        return shape
    raise ValueError('The `data_format` argument must be one of '
                     '"channels_first", "channels_last". Received: ' +
                     str(target_format))


def unique_names(names):
    """`names` with repeats made unique by '_1', '_2', ... (Keras's rule
    for output names and weight names)."""
    unique = []
    for name in names:
        if name in unique:
            index = 1
            while '%s_%d' % (name, index) in unique:
                index += 1
            name = '%s_%d' % (name, index)
        unique.append(name)
    return unique


def unpack_singleton(x):
    if isinstance(x, (list, tuple)) and len(x) == 1:
        return x[0]
    return x


def object_list_uid(object_list):
    object_list = to_list(object_list)
    return ', '.join(str(abs(id(x))) for x in object_list)


def is_all_none(iterable_or_element):
    return all(x is None for x in to_list(iterable_or_element,
                                          allow_tuple=True))


def slice_arrays(arrays, start=None, stop=None):
    """Slices a list of arrays (or one array) by a range or index list."""
    if arrays is None:
        return [None]
    if isinstance(arrays, list):
        if hasattr(start, '__len__'):
            return [None if x is None else x[start] for x in arrays]
        return [None if x is None else x[start:stop] for x in arrays]
    if hasattr(start, '__len__'):
        return arrays[start]
    return arrays[start:stop]


def _stdout_is_terminal():
    stream = sys.stdout
    return ((hasattr(stream, 'isatty') and stream.isatty()) or
            'ipykernel' in sys.modules)


def _format_duration(seconds):
    if seconds >= 1 or seconds == 0:
        return '%.0fs' % seconds
    if seconds >= 1e-3:
        return '%.0fms' % (seconds * 1e3)
    return '%.0fus' % (seconds * 1e6)


def _eta_text(eta):
    if eta > 3600:
        eta_format = '%d:%02d:%02d' % (
            eta // 3600, (eta % 3600) // 60, eta % 60)
    elif eta > 60:
        eta_format = '%d:%02d' % (eta // 60, eta % 60)
    else:
        eta_format = '%ds' % eta
    return ' - ETA: %s' % eta_format


def _keras2_time_per_step(seconds):
    """Keras 2's ` 12ms/step` (` 0us/step` for no time)."""
    if seconds >= 1:
        return ' %.0fs/step' % seconds
    if seconds >= 1e-3:
        return ' %.0fms/step' % (seconds * 1e3)
    return ' %.0fus/step' % (seconds * 1e6)


class Progbar(object):
    """Keras's text progress bar.

    In a terminal (verbose=1) it redraws one line with a bar, the ETA and
    the running averages; elsewhere (a log file, verbose=2) it prints one
    line when the target is reached, never a wall of carriage returns.
    Keras 2 programs get standalone Keras 2's bar, which elsewhere writes
    a new line at each redraw.

    Arguments:
        target: total number of steps expected, None if unknown.
        width: bar width on screen.
        verbose: 0 silent, 1 bar, 2 one line at the end.
        interval: minimum seconds between redraws.
        stateful_metrics: names of metrics shown as given (not averaged).
        unit_name: display name for the step unit.
    """

    def __init__(self, target, width=30, verbose=1, interval=0.05,
                 stateful_metrics=None, unit_name='step'):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics or ())
        self._dynamic_display = _stdout_is_terminal()
        self._total_width = 0
        self._seen_so_far = 0
        self._values = {}
        self._values_order = []
        self._start = time.time()
        self._last_update = 0
        # Standalone Keras 2's bar (its own `keras.utils.Progbar`, which
        # Keras 2 programs get) draws as it goes also when stdout is not a
        # terminal, and its verbose=2 line has no counts or step times.
        from ..backend import common
        self._keras2 = not common.is_tf_keras()

    # Keras 2.0-2.1's names of the bar's state, which hand-written loops
    # and progress-bar subclasses read.
    seen_so_far = property(lambda self: self._seen_so_far)
    sum_values = property(lambda self: self._values)
    unique_values = property(lambda self: self._values_order)

    def update(self, current, values=None, force=False):
        """Moves the bar to step `current`; `values` is a list of
        (name, value) pairs averaged over the steps seen. (`force`, Keras
        2.0's redraw request, changes nothing: the bar redraws by its
        interval and at its target.)"""
        values = values or []
        for k, v in values:
            if k not in self._values_order:
                self._values_order.append(k)
            if k not in self.stateful_metrics:
                if k not in self._values:
                    self._values[k] = [v * (current - self._seen_so_far),
                                       current - self._seen_so_far]
                else:
                    self._values[k][0] += v * (current - self._seen_so_far)
                    self._values[k][1] += (current - self._seen_so_far)
            else:
                self._values[k] = [v, 1]
        self._seen_so_far = current
        self._render(current)

    def set_values(self, current, values):
        """Moves the bar to `current` showing `values` (name, value) as they
        are (already averaged by the caller)."""
        for k, v in values:
            if k not in self._values_order:
                self._values_order.append(k)
            self._values[k] = [v, 1]
        self._seen_so_far = current
        self._render(current)

    def _render(self, current):
        from . import io_utils
        if not io_utils.is_interactive_logging_enabled():
            # tf.keras: the bar's text goes to the 'absl' logger.
            import contextlib
            import io
            text = io.StringIO()
            with contextlib.redirect_stdout(text):
                self._render_text(current)
            if text.getvalue():
                io_utils.print_msg(text.getvalue(), line_break=False)
            return
        self._render_text(current)

    def _render_text(self, current):
        if self._keras2:
            return self._render_keras2(current)
        now = time.time()
        finalize = self.target is not None and current >= self.target
        info = ' - %.0fs' % (now - self._start)
        if self.verbose == 1:
            if (not finalize and now - self._last_update < self.interval):
                return
            if not self._dynamic_display and not finalize:
                return
            prev_total_width = self._total_width
            if self._dynamic_display:
                sys.stdout.write('\b' * prev_total_width)
                sys.stdout.write('\r')
            else:
                sys.stdout.write('\n' if prev_total_width else '')
            bar = self._bar(current)
            self._total_width = len(bar)
            sys.stdout.write(bar)
            time_per_unit = (now - self._start) / current if current else 0
            if self.target is not None and not finalize:
                info = _eta_text(time_per_unit * (self.target - current))
            else:
                info += self._time_per_unit(time_per_unit)
            info += self._values_text()
            self._total_width += len(info)
            if prev_total_width > self._total_width:
                info += (' ' * (prev_total_width - self._total_width))
            if finalize:
                info += '\n'
            sys.stdout.write(info)
            sys.stdout.flush()
            if finalize:
                self._total_width = 0
        elif self.verbose == 2:
            if finalize:
                elapsed = now - self._start
                count = ('%d/%d' % (current, self.target)) if self.target \
                    else ''
                per_unit = elapsed / current if current else 0
                line = '%s - %.0fs%s - %s/epoch - %s/%s\n' % (
                    count, elapsed, self._values_text(),
                    _format_duration(elapsed), _format_duration(per_unit),
                    self.unit_name)
                sys.stdout.write(line)
                sys.stdout.flush()
        self._last_update = now

    def _render_keras2(self, current):
        """Keras 2's drawing: at most every `interval` seconds (and at
        the target), on a new line where stdout is not a terminal;
        verbose=2 prints ` - 3s - loss: ...` at the target."""
        now = time.time()
        done = self.target is not None and current >= self.target
        info = ' - %.0fs' % (now - self._start)
        if self.verbose == 1:
            if now - self._last_update < self.interval and not done and \
                    self.target is not None:
                return
            prev_total_width = self._total_width
            sys.stdout.write(('\b' * prev_total_width + '\r')
                             if self._dynamic_display else '\n')
            bar = self._bar(current)
            self._total_width = len(bar)
            sys.stdout.write(bar)
            time_per_unit = (now - self._start) / current if current else 0
            if self.target is not None and not done:
                info = _eta_text(time_per_unit * (self.target - current))
            else:
                info += _keras2_time_per_step(time_per_unit)
            info += self._values_text()
            self._total_width += len(info)
            if prev_total_width > self._total_width:
                info += (' ' * (prev_total_width - self._total_width))
            sys.stdout.write(info + ('\n' if done else ''))
            sys.stdout.flush()
        elif self.verbose == 2 and (self.target is None or done):
            # (Keras 2 writes a negative value here as `%.4e`.)
            sys.stdout.write(info + self._values_text(signed=True) + '\n')
            sys.stdout.flush()
        self._last_update = now

    def _bar(self, current):
        if self.target is None:
            return '%7d/Unknown' % current
        numdigits = int(np.floor(np.log10(self.target))) + 1 \
            if self.target > 0 else 1
        bar = ('%' + str(numdigits) + 'd/%d [') % (current, self.target)
        prog = float(current) / self.target if self.target else 1.0
        prog_width = int(self.width * prog)
        if prog_width > 0:
            bar += ('=' * (prog_width - 1))
            bar += '>' if current < self.target else '='
        bar += ('.' * (self.width - prog_width))
        return bar + ']'

    def _time_per_unit(self, time_per_unit):
        if time_per_unit >= 1 or time_per_unit == 0:
            return ' %.0fs/%s' % (time_per_unit, self.unit_name)
        if time_per_unit >= 1e-3:
            return ' %.0fms/%s' % (time_per_unit * 1e3, self.unit_name)
        return ' %.0fus/%s' % (time_per_unit * 1e6, self.unit_name)

    def _values_text(self, signed=False):
        text = ''
        for k in self._values_order:
            total, count = self._values[k]
            avg = total / max(1, count)
            if (avg if signed else abs(avg)) > 1e-3:
                text += ' - %s: %.4f' % (k, avg)
            else:
                text += ' - %s: %.4e' % (k, avg)
        return text

    def add(self, n, values=None):
        self.update(self._seen_so_far + n, values)


def default(method):
    """Marks a method as the default implementation, so that overrides in
    subclasses can be detected (`is_default`)."""
    method._is_default = True
    return method


def is_default(method):
    """Whether `method` is marked by `default`."""
    return getattr(method, '_is_default', False)


class LazyLoader(types.ModuleType):
    """A module imported at its first attribute access, then put into
    `parent_module_globals[local_name]`."""

    def __init__(self, local_name, parent_module_globals, name):
        self._local_name = local_name
        self._parent_module_globals = parent_module_globals
        super(LazyLoader, self).__init__(name)

    def _load(self):
        import importlib
        module = importlib.import_module(self.__name__)
        self._parent_module_globals[self._local_name] = module
        self.__dict__.update(module.__dict__)
        return module

    def __getattr__(self, item):
        return getattr(self._load(), item)


def to_snake_case(name):
    """'MaxPooling2D' -> 'max_pooling2d', as layers are named."""
    from ..engine.base_layer import to_snake_case as layer_rule
    return layer_rule(name)
