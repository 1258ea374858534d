"""TensorFlow functions applied to symbolic Keras tensors become one graph
node each, named as tf.keras names them.

tf.keras 2.4+ turns `tf.nn.relu(x)` on a functional-API tensor into one
`TFOpLambda` layer named 'tf.nn.relu' whose config holds the function's
TensorFlow name and whose node holds the call's arguments, so that a model
using TensorFlow functions can be saved and loaded. The TensorFlow stand-in's
public functions do the same here: a call with a symbolic tensor among its
arguments records the whole call (not the backend operations it is made of)
under the function's canonical TensorFlow name."""
import functools
import types

from .engine import symbolic

# The namespaces whose functions record a call on symbolic tensors as a
# TFOpLambda node, as tf.keras's dispatch does.
_RECORDED_NAMESPACES = ('', 'math', 'nn', 'linalg', 'image', 'signal',
                        'random')

# Functions that take symbolic tensors without making a graph node of the
# call: control flow and function transformations (they record the
# operations of the functions they run), variables and sessions, and
# functions whose answer on a symbolic tensor is a Python value.
_NOT_RECORDED = frozenset((
    'Assert', 'NoGradient', 'NotDifferentiable', 'Print', 'add_to_collection',
    'add_to_collections', 'as_dtype', 'as_string', 'assert_equal',
    'assert_greater', 'assert_greater_equal', 'assert_integer',
    'assert_less', 'assert_less_equal', 'assert_negative',
    'assert_non_negative', 'assert_none_equal', 'assert_positive',
    'assert_rank', 'assert_rank_in', 'assert_scalar',
    'assign', 'assign_add', 'assign_sub', 'clip_by_global_norm',
    'cond', 'constant', 'control_dependencies', 'convert_to_tensor',
    'custom_gradient', 'decode_image', 'decode_jpeg', 'decode_png', 'device',
    'bidirectional_dynamic_rnn', 'dynamic_rnn', 'static_bidirectional_rnn',
    'static_rnn',
    'executing_eagerly', 'foldl', 'foldr', 'function', 'get_static_value',
    'get_variable',
    'gradients', 'group', 'is_tensor', 'load_op_library', 'make_ndarray',
    'make_tensor_proto', 'map_fn', 'name_scope', 'no_gradient', 'no_op',
    'numpy_function', 'placeholder', 'placeholder_with_default', 'print',
    'py_func', 'py_function', 'rank', 'read_file', 'scan', 'set_random_seed',
    'set_seed', 'string_to_hash_bucket_fast', 'variable_scope', 'while_loop'))

# Where tf.keras's name for a function is not its shortest public one:
# `tf.shape` dispatches as tf.compat.v1.shape, `tf.divide` as the `/` it
# computes, `tf.random_normal` (TensorFlow 1) is tf.random.normal.
_CANONICAL_NAMES = dict(
    [(name, 'compat.v1.' + name)
     for name in ('shape', 'size', 'gather', 'squeeze', 'pad', 'transpose',
                  'boolean_mask', 'norm')] +
    [('divide', 'math.truediv'), ('random_normal', 'random.normal'),
     ('random_uniform', 'random.uniform'),
     ('truncated_normal', 'random.truncated_normal'),
     ('random_shuffle', 'random.shuffle')])


def _public_functions(tf):
    """{id(function): (function, [every path it is found at])} over the
    stand-in's namespaces (`tf`, `tf.math`, `tf.compat.v1.nn`, ...), and
    the modules holding each path."""
    found = {}
    holders = {}

    def visit(module, prefix, seen):
        if id(module) in seen:
            return
        seen.add(id(module))
        for name, value in list(vars(module).items()):
            if name.startswith('_'):
                continue
            path = prefix + name
            if isinstance(value, types.ModuleType) and \
                    value.__name__.startswith('tensorflow'):
                visit(value, path + '.', seen)
            elif isinstance(value, types.FunctionType) and \
                    value.__module__.startswith('keras_compat'):
                found.setdefault(id(value), (value, []))[1].append(path)
                holders.setdefault(id(value), []).append((module, name))
    visit(tf, '', set())
    return found, holders


def _namespace(path):
    return path.rsplit('.', 1)[0] if '.' in path else ''


def _canonical_name(paths, known):
    """tf.keras's name for a function found at `paths`: one the
    TFOpLambda loader knows, else one in tf.math, tf.nn, at the top level,
    then any other."""
    for path in paths:
        if path in _CANONICAL_NAMES:
            return _CANONICAL_NAMES[path]

    def rank(path):
        return (path not in known, path.startswith('compat.'),
                not path.startswith('math.'), not path.startswith('nn.'),
                '.' in path, len(path), path)
    return min(paths, key=rank)


def _recording(fn, symbol):
    @functools.wraps(fn)
    def tensorflow_function(*args, **kwargs):
        if symbolic.has_symbolic(args, kwargs):
            return _waiting(symbolic.apply_op(
                fn, args, kwargs, name=fn.__name__, symbol=symbol))
        return fn(*args, **kwargs)
    tensorflow_function._tensorflow_name = symbol
    return tensorflow_function


def _waiting(result):
    """A symbolic result made inside `tf.control_dependencies`, given the
    block's operations: its runs run them first."""
    from .tensorflow_graph_run import active_operations
    found = active_operations()
    if found and symbolic.is_symbolic(result):
        result._keras_control_dependencies = found
    return result


def record_calls_as_layers(tf):
    """Makes each public function of the TensorFlow stand-in record a call
    on symbolic tensors as one TFOpLambda node named by the function."""
    from .layers.tf_op_layer import OPS
    functions, holders = _public_functions(tf)
    for key, (fn, paths) in functions.items():
        if not any(_namespace(p) in _RECORDED_NAMESPACES for p in paths) or \
                any(p.rsplit('.', 1)[-1] in _NOT_RECORDED for p in paths):
            continue
        wrapper = _recording(fn, _canonical_name(paths, OPS))
        for module, name in holders[key]:
            setattr(module, name, wrapper)


def function_named(symbol, tf):
    """The stand-in's function at the TensorFlow path `symbol`
    ('image.resize', 'compat.v1.nn.relu'), or None."""
    value = tf
    for part in symbol.split('.'):
        value = getattr(value, part, None) if not isinstance(
            value, types.ModuleType) or part in vars(value) else None
        if value is None:
            return None
    return value if callable(value) else None
