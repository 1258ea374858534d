"""The part of TensorFlow's Python API that Keras 2 programs use, on
PyTorch: served as `import tensorflow` by `python -m keras_compat run` and
`install_as_keras()` when TensorFlow itself is not installed, and as
`keras.backend.tf` (Keras 2.2's TensorFlow backend exposed its `tf`).

It covers what Keras scripts, custom layers and losses write next to
Keras: the TF1 session setup (`ConfigProto`, `Session`,
`set_random_seed`, `get_default_graph`, ...), TF2's `tf.config` device
settings, `tf.keras` (keras_compat itself), tensor operations (`tf.reduce_sum`,
`tf.matmul`, `tf.gather_nd`, `tf.nn.softmax_cross_entropy_with_logits`,
...) on torch tensors and on symbolic Keras tensors alike, and the TF1
optimizers that Keras 2's `compile` accepted (`tf.train.AdamOptimizer`).
Anything else raises an AttributeError that says so."""
import builtins
import collections
import contextlib
import ctypes
import functools
import gc
import itertools
from math import gcd as math_gcd
import os
import sys
import types
import warnings
import weakref

import numpy as np
import torch
import torch.nn.functional as F

from . import backend as _backend
from .backend import common as _common
from .backend import gradient_overrides as _gradient_overrides
from .backend import immutable as _immutable
from .backend import ops as _ops
from .backend import variable_registry as _variable_registry
from .backend.tensor_shape import TensorShape, Dimension  # noqa: F401
from . import tensorflow_candidate_sampling as _candidate_sampling
from . import tensorflow_distribute as _distribute
from . import tensorflow_gfile as _gfile_module
from .saving import saved_model_directory as _saved_model_directory
from . import tensorflow_image_ops as _image_ops
from . import tensorflow_audio as _audio_ops
from . import tensorflow_file_ops as _file_ops
from . import tensorflow_signal as _signal_ops
from . import tensorflow_print as _print_ops
from .backend import tape_values as _tape_values
from . import tensorflow_sparse_graph as _sparse_graph
from . import tensorflow_sparse_ops as _sparse_ops
from .tensorflow_internals import BackendKernels as _BackendKernels
from .tensorflow_module import Module  # noqa: F401

K = _BackendKernels(_backend)

GIT_VERSION = 'keras_compat'
# The TensorFlow version reported (`tf.__version__`, `tf.VERSION`,
# `tf.version.VERSION`) is that of the Keras the program runs: a tf.keras
# program gets the last TensorFlow whose tf.keras is Keras 2 (libraries
# pick their TensorFlow 2 code by it), a Keras 2 program the TensorFlow 1
# it was written for.
_TF2_VERSION = '2.15.0'
_TF1_VERSION = '1.15.5'


def _reported_version():
    return _TF2_VERSION if _common.is_tf_keras() else _TF1_VERSION
# Marks this module as keras_compat's stand-in for TensorFlow.
KERAS_COMPAT = True

_module = sys.modules[__name__]
# A package, so that `import tensorflow.keras.layers` finds below it.
__path__ = []


def _submodule(name, doc):
    module = types.ModuleType('tensorflow.' + name, doc)
    # (A package, so that `import tensorflow.compat.v1` finds below it.)
    module.__path__ = []
    return module


def _op(fn, name=None):
    """`fn` (on torch tensors) taking symbolic Keras tensors and numpy
    arrays too: on symbolic tensors it records a graph node, as the
    keras.backend functions do; arrays become tensors, as TensorFlow
    converts them."""
    def on_tensors(*args, **kwargs):
        # (Arrays of strings stay numpy: torch has no string tensors.)
        return fn(*[torch.as_tensor(a, device=K.get_device())
                    if isinstance(a, np.ndarray) and a.dtype.kind not in
                    'OSU' else a for a in args],
                  **kwargs)
    on_tensors.__name__ = name or fn.__name__
    return _ops._symbolic_aware(on_tensors)


def _t(x, dtype=None):
    return _ops._t(x, dtype)


def _axis(axis):
    if isinstance(axis, list):
        return tuple(axis)
    return axis


# ------------------------------------------------------------------ dtypes
class DType(object):
    """A TensorFlow dtype (`tf.float32`): compares equal to its name, to
    the torch and numpy dtypes of that name and to itself, so that
    `x.dtype == tf.float32` holds for torch tensors and for symbolic Keras
    tensors (whose dtype is a name); backend functions take it where they
    take a dtype."""

    def __init__(self, name):
        self.name = name

    @property
    def _torch_dtype(self):
        return _ops.torch_dtype(self.name)

    @property
    def as_numpy_dtype(self):
        return np.dtype(self.name).type

    @property
    def base_dtype(self):
        return self

    real_dtype = base_dtype

    @property
    def is_floating(self):
        return self.name in ('float16', 'bfloat16', 'float32', 'float64')

    @property
    def is_integer(self):
        return self.name.startswith(('int', 'uint'))

    @property
    def is_unsigned(self):
        return self.name.startswith('uint')

    @property
    def is_bool(self):
        return self.name == 'bool'

    @property
    def is_complex(self):
        return self.name.startswith('complex')

    @property
    def size(self):
        return np.dtype(self.name).itemsize

    @property
    def max(self):
        kind = np.dtype(self.name)
        return (np.finfo if self.is_floating else np.iinfo)(kind).max

    @property
    def min(self):
        kind = np.dtype(self.name)
        return (np.finfo if self.is_floating else np.iinfo)(kind).min

    def __eq__(self, other):
        name = _dtype_name_of(other)
        if name is None:
            return NotImplemented
        return name == self.name

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self):
        # The torch dtype's hash: a tensor's dtype (a torch dtype) is then
        # found in sets and dict keys of DTypes (`x.dtype in {tf.float32,
        # tf.float64}`), as a TensorFlow tensor's DType is.
        try:
            return hash(self._torch_dtype)
        except (TypeError, ValueError, KeyError):
            return hash(self.name)

    def __repr__(self):
        return 'tf.%s' % self.name

    def __str__(self):
        return "<dtype: '%s'>" % self.name


def _dtype_name_of(value):
    if isinstance(value, DType):
        return value.name
    if isinstance(value, torch.dtype):
        return _ops.dtype_name(value)
    if isinstance(value, str):
        return {'float': 'float32', 'int': 'int32'}.get(value, value)
    if isinstance(value, int) and not isinstance(value, builtins.bool):
        # TensorFlow's DataType enum values (`tf.zeros(shape, 1)`).
        return _DATATYPE_ENUM.get(value)
    try:
        kind = np.dtype(value)
    except TypeError:
        return None
    # numpy arrays of bytes, str or objects are TensorFlow's strings.
    return 'string' if kind.kind in 'OSU' else kind.name


_DATATYPE_ENUM = {1: 'float32', 2: 'float64', 3: 'int32', 4: 'uint8',
                  5: 'int16', 6: 'int8', 7: 'string', 8: 'complex64',
                  9: 'int64', 10: 'bool', 14: 'bfloat16', 17: 'uint16',
                  18: 'complex128', 19: 'float16', 22: 'uint32',
                  23: 'uint64'}

float16 = half = DType('float16')
float32 = DType('float32')
float64 = double = DType('float64')
bfloat16 = DType('bfloat16')
int8, int16, int32, int64 = (DType('int8'), DType('int16'), DType('int32'),
                             DType('int64'))
uint8 = DType('uint8')
# (torch stores the wider unsigned types but computes little with them:
# cast to a signed or float type for arithmetic, as 16-bit images are.)
uint16, uint32, uint64 = (DType('uint16'), DType('uint32'),
                          DType('uint64'))
bool = DType('bool')  # noqa: A001 (TensorFlow's name)
complex64, complex128 = DType('complex64'), DType('complex128')
string = DType('string')
newaxis = None
Tensor = torch.Tensor


def as_dtype(dtype):
    """The DType of a name, numpy dtype, torch dtype or DType."""
    name = _dtype_name_of(dtype)
    if name is None:
        raise TypeError('Cannot convert %r to a dtype.' % (dtype,))
    return DType(name)


def _tensor_shape_methods():
    """`x.set_shape(shape)` and `x.get_shape()` on torch tensors (TensorFlow
    tensor methods that Keras 2 custom layers and Lambda functions call):
    a torch tensor's shape is always known, so set_shape only checks it."""
    from .engine.keras_tensor import merged_shape
    if not hasattr(torch.Tensor, 'set_shape'):
        def set_shape(self, shape):
            merged_shape(tuple(self.shape), shape)
        torch.Tensor.set_shape = set_shape
    if not hasattr(torch.Tensor, 'get_shape'):
        torch.Tensor.get_shape = lambda self: TensorShape(tuple(self.shape))
    if not hasattr(torch.Tensor, 'eval'):
        # TF1's `tensor.eval()` in a session (`z = 2*(a - b) + c` of
        # constants in a `tf.Graph()`): its value as a numpy array.
        torch.Tensor.eval = lambda self, feed_dict=None, session=None: \
            _run(self, feed_dict or {})
    # tf.Variable's `trainable` and `assign*` on a layer's state tensors
    # (BatchNormalization's moving statistics) and other tensors standing
    # for variables; Keras variables and weight views have their own.
    if not hasattr(torch.Tensor, 'trainable'):
        torch.Tensor.trainable = property(lambda self: self.requires_grad)
    for name, combine in (('assign', None), ('assign_add', torch.add),
                          ('assign_sub', torch.sub)):
        if not hasattr(torch.Tensor, name):
            setattr(torch.Tensor, name, _tensor_assign(combine))
    for name, combine in (('scatter_nd_update', None),
                          ('scatter_nd_add', torch.add),
                          ('scatter_nd_sub', torch.sub)):
        if not hasattr(torch.Tensor, name):
            setattr(torch.Tensor, name, _tensor_scatter_nd(combine))


def _tensor_assign(combine):
    def assign(self, value, use_locking=None, name=None, read_value=True):
        from .backend import variable_graph
        target = _sliced_variable(self)
        if target is None:
            # A layer's parameter or state tensor: as tf.Variable's
            # methods (an assign op in a graph program, queued inside a
            # training step's layer call, else written now).
            return variable_graph.assigned(self, value, combine)
        with torch.no_grad():
            value = torch.as_tensor(_t(value), dtype=self.dtype,
                                    device=self.device)
            # `v[0, 1].assign(42)`: writes into the variable itself.
            variable, index = target
            with torch._C.DisableTorchFunctionSubclass():
                part = variable[index]
                variable[index] = value if combine is None \
                    else combine(part, value)
            return variable
    return assign


def _sliced_variable(tensor):
    """(variable, index) for `variable[index]` read outside any model run
    (an expression of the variable), else None."""
    from .backend import variable_graph
    recipe = getattr(tensor, '__dict__', {}).get('_keras_recipe')
    if not variable_graph.is_expression(tensor) or recipe is None:
        return None
    func, args, _ = recipe
    if getattr(func, '__name__', '') != '__getitem__' or \
            variable_graph.is_expression(args[0]):
        return None
    return args[0], args[1]


def _tensor_scatter_nd(combine):
    """tf.Variable.scatter_nd_update (and _add, _sub): `updates[i]`
    written into (added to, subtracted from) the variable at `indices[i]`,
    an index of its first `indices.shape[-1]` dimensions."""
    def scatter(self, indices, updates, name=None):
        with torch.no_grad(), torch._C.DisableTorchFunctionSubclass():
            index = _t(indices).long().to(self.device)
            values = torch.as_tensor(_t(updates), dtype=self.dtype,
                                     device=self.device)
            at = tuple(index[..., k] for k in builtins.range(
                index.shape[-1]))
            if combine is None:
                self.index_put_(at, values)
            else:
                self.index_put_(at, combine(torch.zeros_like(values),
                                            values), accumulate=True)
        return self
    return scatter


def _numpy_operand(tensor, other):
    """A numpy array (or numpy scalar) met by a tensor's operator as a
    tensor of the tensor's dtype, as TensorFlow converts it; so is a
    list or tuple of numbers (`rewards + gamma * tf.reduce_max(q)`);
    anything else as it is."""
    if isinstance(other, (list, tuple)) and other:
        try:
            numbers = np.asarray(other)
        except ValueError:
            return other
        if numbers.dtype.kind not in 'fiub':
            return other
        other = numbers
    if not isinstance(other, (np.ndarray, np.generic)) or \
            isinstance(other, (float, int)):
        return other
    array = np.asarray(other)
    same_kind = (tensor.is_floating_point() and array.dtype.kind in 'fiu') \
        or (not tensor.is_floating_point() and array.dtype.kind in 'iu'
            and tensor.dtype != torch.bool)
    if array.dtype.kind not in 'fiub':
        return other
    return torch.as_tensor(array, dtype=tensor.dtype if same_kind else None,
                           device=tensor.device)


def _with_numpy_operands(method):
    def operator(self, other):
        return method(self, _numpy_operand(self, other))
    operator.__name__ = method.__name__
    operator.__doc__ = method.__doc__
    operator._keras_compat_numpy_operands = True
    return operator


def _tensor_numpy_operators():
    """`tensor - array` and `array - tensor` give tensors, the array taken
    in the tensor's dtype, as TensorFlow computes them (torch refuses
    `array - tensor` and gives numpy's result for `tensor - array`)."""
    for name in ('__add__', '__radd__', '__sub__', '__rsub__', '__mul__',
                 '__rmul__', '__truediv__', '__rtruediv__', '__floordiv__',
                 '__rfloordiv__', '__mod__', '__rmod__', '__pow__',
                 '__rpow__', '__matmul__', '__rmatmul__', '__lt__',
                 '__le__', '__gt__', '__ge__'):
        method = getattr(torch.Tensor, name)
        if not getattr(method, '_keras_compat_numpy_operands', False):
            setattr(torch.Tensor, name, _with_numpy_operands(method))


def _with_numpy_reduction(name, method):
    def reduction(self, *args, **kwargs):
        if 'out' not in kwargs:
            return method(self, *args, **kwargs)
        # numpy's np.mean(tensor) (np.sum, np.max, ...) calls the method
        # with numpy's keywords, `out` among them: numpy's result on the
        # tensor's values, as np.mean of a TensorFlow tensor gives.
        array = self.detach().cpu().numpy()
        return getattr(np, name)(array, *args, **kwargs)
    reduction.__name__ = method.__name__
    reduction.__doc__ = method.__doc__
    reduction._keras_compat_numpy_reduction = True
    return reduction


def _tensor_numpy_reductions():
    """`np.mean(tensor)`, `np.sum(tensor, axis=0)`, `np.max(tensor)`...:
    numpy hands these to the tensor's own method with numpy's keywords,
    which torch's methods refuse; they give numpy's result instead."""
    for name in ('mean', 'sum', 'max', 'min', 'std', 'var', 'prod', 'any',
                 'all'):
        method = getattr(torch.Tensor, name)
        if not getattr(method, '_keras_compat_numpy_reduction', False):
            setattr(torch.Tensor, name, _with_numpy_reduction(name, method))


_tensor_shape_methods()
_tensor_numpy_operators()
_tensor_numpy_reductions()


def _add_to_c_type(cls, name, value):
    """Gives `cls`, a type defined in C that refuses new attributes
    (torch.Size, torch.dtype), the attribute `name` anyway: it is written
    into the type's own dict and the type's attribute cache is cleared.
    Where the interpreter does not allow it, the attribute is left out."""
    if name in cls.__dict__:
        return
    try:
        namespace = gc.get_referents(cls.__dict__)[0]
        if not isinstance(namespace, dict):
            return
        namespace[name] = value
        ctypes.pythonapi.PyType_Modified(ctypes.py_object(cls))
    except (AttributeError, IndexError, TypeError, ValueError):
        return


def _tensorflow_shape_and_dtype_attributes():
    """TensorFlow's `x.shape.as_list()`, `x.shape.rank`, `x.dtype.name`,
    `x.dtype.is_floating`, ... on torch tensors, which tf.keras layers and
    loss functions read from the tensors they get."""
    shape_attributes = {
        'as_list': lambda self: list(self),
        'rank': property(len), 'ndims': property(len),
        'dims': property(list),
        'is_fully_defined': lambda self: True,
        'num_elements': lambda self: self.numel()}
    for name in ('concatenate', 'is_compatible_with',
                 'assert_is_compatible_with', 'merge_with'):
        # (`x.shape[:-1].concatenate(w.shape[-1:])`, TensorFlow's
        # log-mel recipe, gives a TensorShape.)
        shape_attributes[name] = lambda self, other, name=name: getattr(
            TensorShape(self), name)(other)
    for name, value in shape_attributes.items():
        _add_to_c_type(torch.Size, name, value)
    for name in ('name', 'is_floating', 'is_integer', 'is_unsigned',
                 'is_bool', 'as_numpy_dtype', 'min', 'max'):
        _add_to_c_type(torch.dtype, name, property(
            lambda self, name=name: getattr(as_dtype(self), name)))
    _add_to_c_type(torch.dtype, 'base_dtype', property(lambda self: self))


_tensorflow_shape_and_dtype_attributes()


def _string_array_numpy(array):
    """`numpy()` of a string tensor, which the TensorFlow stand-in keeps
    as a numpy array of bytes: the array (a scalar's bytes). Arrays of
    other dtypes have no `numpy` attribute, as before."""
    if array.dtype != object:
        raise AttributeError("'numpy.ndarray' object has no attribute "
                             "'numpy'")
    return lambda: array[()] if array.ndim == 0 else array


_add_to_c_type(np.ndarray, 'numpy', property(_string_array_numpy))
# (A string tensor's element, `result[0].numpy().decode('utf-8')`, is
# bytes here: its `numpy()` is itself.)
_add_to_c_type(bytes, 'numpy', lambda self: self)


# ------------------------------------------------- TF1 graph and session
class _NoOp(object):
    """An operation with nothing left to do on PyTorch (variable
    initialisers: variables hold their values from creation)."""

    def __init__(self, name):
        self.name = name

    def run(self, session=None, feed_dict=None):
        return None

    def __repr__(self):
        return '<tf.Operation %r (nothing to run on PyTorch)>' % self.name


def global_variables_initializer():
    return _NoOp('init')


initialize_all_variables = global_variables_initializer
tables_initializer = global_variables_initializer


def local_variables_initializer():
    """Sets the streaming metrics' local variables back to zeros when
    run; other variables hold their values from creation."""
    return variables_initializer(local_variables(), 'init')


initialize_local_variables = local_variables_initializer


def variables_initializer(var_list, name='init'):
    from .tensorflow_v1_metrics import resetting_op
    return resetting_op(var_list, name) or _NoOp(name)


def is_variable_initialized(variable):
    """TF1's `tf.is_variable_initialized`: a boolean tensor, true, since
    variables hold their values from creation."""
    return constant(True)


def no_op(name=None):
    """An operation doing nothing; made inside `tf.control_dependencies`,
    its runs run the block's operations."""
    from .tensorflow_graph_run import GroupOp, active_operations
    if active_operations():
        return GroupOp([], name or 'NoOp')
    return _NoOp(name or 'NoOp')


def group(*inputs, **kwargs):
    """An operation running `inputs` (updates, assign ops, training
    operations) whenever it runs; None when fetched."""
    from .tensorflow_graph_run import GroupOp
    return GroupOp(inputs, kwargs.get('name'))


class _Options(object):
    """A protocol-buffer-like options object: any field can be set and
    read (GPU memory growth, device counts, thread counts). PyTorch sizes
    its memory and threads itself; `intra_op_parallelism_threads` is
    applied with torch.set_num_threads when a session is made."""

    def __init__(self, **fields):
        for key, value in fields.items():
            setattr(self, key, value)

    def __getattr__(self, name):
        if name.startswith('__'):
            raise AttributeError(name)
        value = _Options()
        object.__setattr__(self, name, value)
        return value

    def CopyFrom(self, other):
        self.__dict__.update(other.__dict__)


class ConfigProto(_Options):
    def __init__(self, **fields):
        fields.setdefault('gpu_options', GPUOptions())
        super(ConfigProto, self).__init__(**fields)


class GPUOptions(_Options):
    pass


class GraphOptions(_Options):
    pass


class OptimizerOptions(_Options):
    pass


class RunOptions(_Options):
    pass


class RunMetadata(_Options):
    pass


class Graph(object):
    """TF1's graph: on PyTorch operations run as they are written, so the
    graph only gives `as_default()` and `finalize()` a home."""

    @property
    def seed(self):
        """The graph-level seed (`tf.random.set_seed`)."""
        return _global_seed()

    def as_default(self):
        return contextlib.nullcontext(self)

    def finalize(self):
        return None

    def get_operations(self):
        """The ops of the graph tensors made so far (layer outputs,
        inputs, graph functions) and the variables."""
        from .backend import graph_names
        return graph_names.get_operations()

    def as_graph_def(self, from_version=None, add_shapes=False):
        """The graph's nodes (`.node`: each with `name`, `op`, `input`),
        for reading names; it cannot be frozen or written as a .pb."""
        from .backend import graph_names
        return graph_names.graph_def()

    def get_operation_by_name(self, name):
        from .backend import graph_names
        return graph_names.operation_by_name(name)

    @property
    def graph_def(self):
        from .backend import graph_names
        return graph_names.graph_def()

    def gradient_override_map(self, op_type_map):
        """The operations made inside (layers called on graph tensors,
        TensorFlow functions) take the gradient functions registered with
        `tf.RegisterGradient` under the names `op_type_map` gives their
        types ({'Relu': 'GuidedBackProp'}), wherever they run later."""
        return _gradient_overrides.override_map(op_type_map)

    def get_tensor_by_name(self, name):
        """The graph tensor ('dense_1/Softmax:0', 'input_1:0') or the
        variable ('dense_1/kernel:0') named `name`."""
        from .backend import graph_names
        return graph_names.tensor_by_name(name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


_DEFAULT_GRAPH = [Graph()]
from . import tensorflow_variables as _variables  # noqa: E402
_variables.install_graph_methods(Graph)

_NO_GRAPH_DEF = (
    '%s: on PyTorch a model is not a TensorFlow GraphDef that can be '
    'frozen, written as a .pb or imported; save it with model.save(path) '
    '(HDF5) or model.save_weights(path), or export it with '
    'torch.onnx.export / torch.jit.trace.')


def get_default_graph():
    return _DEFAULT_GRAPH[0]


def reset_default_graph():
    """Clears Keras's session state (layer name counters) as the TF1
    call did."""
    K.clear_session()
    _DEFAULT_GRAPH[0] = Graph()


class Session(object):
    """TF1's session. `run` computes tensors and variables (feeding
    placeholders from `feed_dict`) with K.function; `run` of an
    initialiser does nothing, as variables already hold their values."""

    _default = []

    def __init__(self, target='', graph=None, config=None):
        from . import tensorflow_v1_distributed
        tensorflow_v1_distributed.check_session_target(target)
        self.graph = graph or get_default_graph()
        self.config = config
        threads = getattr(config, '__dict__', {}).get(
            'intra_op_parallelism_threads') if config is not None else None
        if isinstance(threads, int) and threads > 0:
            torch.set_num_threads(threads)

    _closed = False

    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        if self._closed:
            raise RuntimeError('Attempted to use a closed Session.')
        return _run(fetches, feed_dict or {})

    def as_default(self):
        return _DefaultSession(self)

    def close(self):
        """Closes the session: its later runs raise RuntimeError."""
        self._closed = True

    @property
    def graph_def(self):
        from .backend import graph_names
        return graph_names.graph_def()

    def __enter__(self):
        Session._default.append(self)
        return self

    def __exit__(self, *exc):
        Session._default.pop()
        self.close()
        return False


InteractiveSession = Session


class _DefaultSession(object):
    def __init__(self, session):
        self.session = session

    def __enter__(self):
        Session._default.append(self.session)
        return self.session

    def __exit__(self, *exc):
        Session._default.pop()
        return False


def get_default_session():
    return Session._default[-1] if Session._default else K.get_session()


def _run(fetches, feed_dict):
    """The values of `fetches` (a tensor, variable, op or a nested list /
    tuple / dict of them) with `feed_dict` fed, in one run."""
    from . import tensorflow_graph_run
    return tensorflow_graph_run.run(fetches, feed_dict)


_GLOBAL_SEED = [None]


def set_random_seed(seed):
    """Seeds PyTorch's generators (TensorFlow's graph-level seed);
    `None` clears the recorded seed, as in TensorFlow."""
    _GLOBAL_SEED[0] = seed
    if seed is not None:
        torch.manual_seed(seed)


def _global_seed():
    """The seed `tf.random.set_seed` set last (None before one)."""
    return _GLOBAL_SEED[0]


def _enable_op_determinism():
    """tf.config.experimental.enable_op_determinism: PyTorch's
    deterministic algorithms (warning, not failing, where an op has
    none)."""
    torch.use_deterministic_algorithms(True, warn_only=True)


def _disable_op_determinism():
    torch.use_deterministic_algorithms(False)


def executing_eagerly():
    return _common.executing_eagerly()


def disable_eager_execution():
    """Keras 2 graph-mode semantics are keras_compat's anyway (symbolic
    tensors, K.function, get_updates); in a tf.keras program, expressions
    of variables become graph nodes again, computed afresh when read."""
    _common.set_executing_eagerly(False)


def enable_eager_execution(config=None, device_policy=None,
                           execution_mode=None):
    _common.set_executing_eagerly(True)


def disable_v2_behavior():
    disable_eager_execution()


def enable_v2_behavior():
    enable_eager_execution()


def disable_resource_variables():
    return None


@contextlib.contextmanager
def _null_scope(*args, **kwargs):
    yield


from .tensorflow_variables import (  # noqa: E402,F401
    name_scope, variable_scope, get_variable_scope, VariableScope,
    GraphKeys, get_collection, get_collection_ref, add_to_collection,
    add_to_collections, trainable_variables, global_variables,
    local_variables, model_variables, moving_average_variables, AUTO_REUSE)


@contextlib.contextmanager
def control_dependencies(control_inputs):
    """Operations run eagerly, in program order, so `control_inputs` have
    run already; inside an optimizer's `get_updates`, whose updates are
    queued until it returns, the updates given are applied first, so
    reads inside the block see them (as `K.control_dependencies`). A
    training operation made inside (`minimize`, `apply_gradients`) runs
    them with each of its runs (BatchNormalization's updates from
    `tf.get_collection(tf.GraphKeys.UPDATE_OPS)`)."""
    from . import tensorflow_graph_run
    with K.control_dependencies(control_inputs or []), \
            tensorflow_graph_run.control_dependencies(control_inputs):
        yield


def device(device_name):
    """Device placement is keras_compat's (KERAS_COMPAT_DEVICE); a TF
    device scope changes nothing (another worker task's device is refused
    in a worker of a cluster: see tensorflow_v1_distributed)."""
    from . import tensorflow_v1_distributed
    tensorflow_v1_distributed.check_device(device_name)
    return _null_scope()


class _TrainableVariables(list):
    pass


all_variables = global_variables


# ------------------------------------------------ tensors and variables
class _VariableMeta(type):
    def __instancecheck__(cls, instance):
        return isinstance(instance, torch.nn.Parameter) or \
            getattr(instance, '_keras_variable', False)


class Variable(metaclass=_VariableMeta):
    """`tf.Variable(initial_value, trainable=True, name=None, dtype=None)`:
    a Keras variable (K.variable) holding that value."""

    def __new__(cls, initial_value=None, trainable=True, name=None,
                dtype=None, **kwargs):
        if callable(initial_value):
            initial_value = initial_value()
        if dtype is None and not isinstance(initial_value, torch.Tensor):
            # TensorFlow's dtype for the value: int32 for Python ints,
            # float32 for Python floats, an array's own dtype.
            dtype = _default_dtype(initial_value)
        variable = K.variable(initial_value, dtype=dtype, name=name)
        if not trainable:
            variable.requires_grad_(False)
            _variable_registry.set_trainable(variable, False)
        return variable


def constant(value, dtype=None, shape=None, name=None):
    """A constant of `dtype`, else TensorFlow's dtype for the value
    (int32 for Python ints, bool, float32 for Python floats, the array's
    dtype)."""
    if _is_string_value(value, dtype):
        return _string_constant(value)
    return K.constant(value, dtype=dtype or _default_dtype(value),
                      shape=shape, name=name)


def _is_string_value(value, dtype):
    if dtype is not None and _dtype_name_of(dtype) == 'string':
        return True
    if isinstance(value, (str, bytes)):
        return True
    if isinstance(value, (list, tuple)):
        return builtins.bool(value) and all(
            _is_string_value(v, None) for v in value)
    return isinstance(value, np.ndarray) and value.dtype.kind in 'SUO'


def _string_constant(value):
    """A string constant: a scalar as bytes with `numpy()`, an array as a
    numpy array of bytes (torch has no string tensors)."""
    if isinstance(value, (str, bytes)):
        return _StringScalar(_as_bytes(value))
    return np.vectorize(_as_bytes, otypes=[object])(np.asarray(value,
                                                               dtype=object))


def convert_to_tensor(value, dtype=None, name=None, preferred_dtype=None):
    if isinstance(value, torch.Tensor) or \
            getattr(value, '_is_keras_symbolic', False):
        return value if dtype is None else K.cast(value, dtype)
    if _is_string_value(value, dtype):
        return _string_constant(value)
    return K.constant(value, dtype=dtype or _default_dtype(value))


def _default_dtype(value):
    """TensorFlow's dtype for a Python or numpy value: float32 for
    floats, int32 for Python ints, the array's dtype otherwise."""
    array = np.asarray(value)
    if array.dtype == np.float64 and not isinstance(value, np.ndarray):
        return 'float32'
    if array.dtype == np.int64 and not isinstance(value, np.ndarray):
        return 'int32'
    return array.dtype.name


def placeholder(dtype, shape=None, name=None):
    """TF1's placeholder (`shape=[None, 784]`, `shape=()` for a scalar).
    Without a shape (`tf.placeholder("float")`, a dropout keep
    probability) it is fed values of any shape; the operations built on
    it are shaped as for a scalar until a run computes them on the fed
    value."""
    tensor = K.placeholder(shape=() if shape is None else shape,
                           dtype=_ops.dtype_name(_ops.torch_dtype(dtype)),
                           name=name)
    if shape is None:
        tensor._keras_unknown_rank = True
    # Its op's name is unique in the graph ('online/state', 'state_1'):
    # placeholders of one name made in two scopes feed one session run.
    op_name = str(getattr(tensor, 'name', '') or '').split(':')[0]
    history = getattr(tensor, '_keras_history', None)
    if op_name and history is not None:
        history[0].name = op_name
    return tensor


def zeros(shape, dtype=float32, name=None):
    return _op(lambda s, d: torch.zeros(_shape_of(s), dtype=d,
                                        device=K.get_device()),
               'zeros')(shape, _ops.torch_dtype(dtype))


def ones(shape, dtype=float32, name=None):
    return _op(lambda s, d: torch.ones(_shape_of(s), dtype=d,
                                       device=K.get_device()),
               'ones')(shape, _ops.torch_dtype(dtype))


def fill(dims, value, name=None):
    return _op(lambda s, v: torch.full(_shape_of(s), v,
                                       device=K.get_device()),
               'fill')(dims, value)


def _shape_of(shape):
    if isinstance(shape, torch.Tensor):
        return tuple(int(d) for d in shape.reshape(-1).tolist())
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def zeros_like(tensor, dtype=None, name=None):
    return K.zeros_like(tensor, dtype=dtype)


def ones_like(tensor, dtype=None, name=None):
    return K.ones_like(tensor, dtype=dtype)


def eye(num_rows, num_columns=None, dtype=float32, name=None):
    return torch.eye(num_rows, num_columns or num_rows,
                     dtype=_ops.torch_dtype(dtype), device=K.get_device())


def identity(input, name=None):  # noqa: A002 (TensorFlow's name)
    return K.identity(input)


def stop_gradient(input, name=None):  # noqa: A002
    return K.stop_gradient(input)


def gradients(ys, xs, grad_ys=None, name='gradients',
              colocate_gradients_with_ops=False, gate_gradients=False,
              aggregation_method=None, stop_gradients=None,
              unconnected_gradients='none'):
    """TF1's `tf.gradients` (K.gradients underneath): for each of `xs`, the
    gradient of the sum of `ys`, each weighted by its `grad_ys` seed (held
    constant; None seeds with ones). Symbolic `ys` give symbolic gradients
    for K.function and `Session.run`."""
    if stop_gradients is not None and \
            not _stops_change_nothing(stop_gradients, xs):
        raise NotImplementedError(
            'tf.gradients(stop_gradients=...) is supported only where the '
            'stopped tensors are sources in `xs` computed independently of '
            'one another (there it changes nothing); wrap the others in '
            'tf.stop_gradient where they are computed.')
    mode = _unconnected_mode(unconnected_gradients)
    targets = list(ys) if isinstance(ys, (list, tuple)) else [ys]
    if grad_ys is None:
        seeds = [None] * len(targets)
    else:
        seeds = list(grad_ys) if isinstance(grad_ys, (list, tuple)) \
            else [grad_ys]
    if len(seeds) != len(targets):
        raise ValueError('tf.gradients: %d grad_ys for %d ys; pass one '
                         'seed (or None) per target.'
                         % (len(seeds), len(targets)))
    weighted = [y if seed is None else y * K.stop_gradient(seed)
                for y, seed in zip(targets, seeds)]
    sources = list(xs) if isinstance(xs, (list, tuple)) else [xs]
    grads = K.gradients(weighted, sources)
    return [K.zeros_like(x) if g is None and mode == 'zero' else g
            for g, x in zip(grads, sources)]


_NARROW_INTEGERS = (torch.uint8, torch.int8, torch.int16)


def _stops_change_nothing(stop_gradients, xs):
    """Whether `stop_gradients` only names sources of `xs` none of which
    is computed from another: gradients then stop there anyway."""
    stops = list(stop_gradients) if isinstance(
        stop_gradients, (list, tuple)) else [stop_gradients]
    sources = list(xs) if isinstance(xs, (list, tuple)) else [xs]
    source_ids = {id(x) for x in sources}
    if not all(id(s) in source_ids for s in stops):
        return False
    return not any(_computed_from(x, source_ids - {id(x)})
                   for x in sources)


def _computed_from(tensor, ids):
    """Whether a graph tensor's history reaches one of the tensors `ids`
    (False for a tensor without a Keras history)."""
    seen, pending = set(), [tensor]
    while pending:
        history = getattr(pending.pop(), '_keras_history', None)
        if history is None:
            continue
        layer, node_index, _ = history
        for x in layer._inbound_nodes[node_index].input_tensors:
            if id(x) in ids:
                return True
            if id(x) not in seen:
                seen.add(id(x))
                pending.append(x)
    return False


def cast(x, dtype, name=None):
    """tf.cast. A float cast to uint8, int8 or int16 is clamped to that
    type's range (-300.0 -> 0, 300.0 -> 255 for uint8), as TensorFlow's
    vectorized CPU kernel gives for the body of a tensor (the C++
    conversion of a value out of range is undefined; only the last
    elements, fewer than 32, wrap around there)."""
    if _sparse_graph.is_sparse_tensor(x):
        return x.with_values(cast(x.values, dtype))
    target = _ops.torch_dtype(dtype)
    if target in _NARROW_INTEGERS and _is_float_dtype(K.dtype(x)):
        return _clamped_cast(x, target)
    return K.cast(x, target)


def saturate_cast(value, dtype, name=None):
    """tf.dtypes.saturate_cast: values clamped to the range of `dtype`
    before the cast."""
    target = _ops.torch_dtype(dtype)
    if target.is_floating_point or target == torch.bool:
        return K.cast(value, target)
    return _clamped_cast(value, target)


def _clamped_cast(x, target):
    info = torch.iinfo(target)
    return K.cast(K.clip(x, info.min, info.max), target)


def _is_float_dtype(name):
    return str(name).startswith(('float', 'bfloat', 'half'))


def to_float(x, name=None):
    return K.cast(x, 'float32')


def to_int32(x, name=None):
    return K.cast(x, 'int32')


def to_int64(x, name=None):
    return K.cast(x, 'int64')


# ----------------------------------------------------------------- shapes
def shape(input, name=None, out_type=int32):  # noqa: A002
    return K.shape(input)


def rank(input, name=None):  # noqa: A002
    return K.ndim(input)


def size(input, name=None, out_type=int32):  # noqa: A002
    return K.size(input)


def reshape(tensor, shape, name=None):
    return K.reshape(tensor, shape)


def _ensure_shape(x, shape):
    x = _t(x)
    if shape is not None and \
            not TensorShape(shape).is_compatible_with(TensorShape(x.shape)):
        raise errors.InvalidArgumentError(
            'Shape of tensor %s is not compatible with expected shape %s.'
            % (list(x.shape), TensorShape(shape).as_list()))
    return x


_ensure_shape_op = _op(_ensure_shape, 'ensure_shape')


def ensure_shape(x, shape, name=None):
    """`tf.ensure_shape`: `x` itself, once its shape is checked against
    `shape` (None sizes match any); a mismatch raises
    InvalidArgumentError."""
    return _ensure_shape_op(x, shape)


def _repeat(input, repeats, axis):  # noqa: A002
    x = _t(input)
    if axis is None:
        x, axis = x.reshape(-1), 0
    if isinstance(repeats, torch.Tensor) and repeats.dim() > 0:
        repeats = repeats.to(device=x.device, dtype=torch.int64)
    else:
        repeats = int(repeats)
    return torch.repeat_interleave(x, repeats, dim=int(axis))


_repeat_op = _op(_repeat, 'repeat')


def repeat(input, repeats, axis=None, name=None):  # noqa: A002
    """`tf.repeat`: each element of `input` repeated along `axis` (the
    flattened input when None), `repeats` times or as often as the
    matching entry of a 1-D `repeats` says, as numpy's repeat."""
    if isinstance(repeats, (list, tuple, np.ndarray)):
        repeats = torch.as_tensor(np.asarray(repeats), dtype=torch.int64)
    return _repeat_op(input, repeats, axis)


def transpose(a, perm=None, name=None, conjugate=False):
    if perm is None:
        return _op(lambda x: x.permute(*reversed(builtins.range(x.dim()))),
                   'transpose')(a)
    return K.permute_dimensions(a, tuple(perm))


def expand_dims(input, axis=None, name=None, dim=None):  # noqa: A002
    axis = axis if axis is not None else dim
    if _is_text(input):
        return np.expand_dims(input, axis)  # (a string tensor: numpy)
    return K.expand_dims(input, axis)


def squeeze(input, axis=None, name=None, squeeze_dims=None):  # noqa: A002
    axis = axis if axis is not None else squeeze_dims

    def fn(x):
        if axis is None:
            return x.squeeze()
        for a in sorted((a % x.dim() for a in np.atleast_1d(axis)),
                        reverse=True):
            x = x.squeeze(int(a))
        return x
    return _op(fn, 'squeeze')(input)


def concat(values, axis, name='concat'):
    return K.concatenate(list(values), axis=axis)


def stack(values, axis=0, name='stack'):
    return K.stack(list(values), axis=axis)


def unstack(value, num=None, axis=0, name='unstack'):
    if getattr(value, '_is_keras_symbolic', False):
        count = num if num is not None else value.shape[axis]
        if count is None:
            raise ValueError('tf.unstack of a symbolic tensor needs `num` '
                             'when its axis %d has no static size.' % axis)
        return [gather(value, i, axis=axis) for i in builtins.range(int(count))]
    return list(torch.unbind(_t(value), axis))


def tile(input, multiples, name=None):  # noqa: A002
    return K.tile(input, multiples)


def slice(input_, begin, size, name=None):  # noqa: A001
    """`input_[begin[i] : begin[i] + size[i]]` on every axis (size -1:
    to the end)."""
    def fn(x, begin, size):
        begin = _shape_of(begin)
        size = _shape_of(size)
        for axis, (start, length) in enumerate(zip(begin, size)):
            if length == -1:
                length = x.shape[axis] - start
            x = x.narrow(axis, start, length)
        return x
    return _op(fn, 'slice')(input_, begin, size)


def _batch_index(batch, rank):
    """`arange(batch)` shaped to broadcast against `rank`-dim indices."""
    return torch.arange(batch).reshape((batch,) + (1,) * (rank - 1))


def _batched_gather(params, indices, axis, batch_dims):
    """`tf.gather` with `batch_dims` leading axes shared by `params` and
    `indices`: each batch entry gathers from its own slice."""
    lead = params.shape[:batch_dims]
    batch = int(np.prod(lead, dtype=np.int64))
    flat = params.reshape((batch,) + params.shape[batch_dims:])
    idx = indices.reshape((batch,) + indices.shape[batch_dims:])
    before = axis - batch_dims
    flat = flat.movedim(1 + before, 1)
    picked = flat[_batch_index(batch, idx.dim()).to(idx.device), idx]
    n_idx = idx.dim() - 1
    order = [0] + list(builtins.range(1 + n_idx, 1 + n_idx + before)) + \
        list(builtins.range(1, 1 + n_idx)) + \
        list(builtins.range(1 + n_idx + before, picked.dim()))
    picked = picked.permute(order)
    return picked.reshape(lead + picked.shape[1:])


def gather(params, indices, axis=None, batch_dims=0, name=None):
    """`tf.gather`: slices of `params` along `axis` (default `batch_dims`)
    at `indices`; the first `batch_dims` axes index both together."""
    def fn(params, indices):
        indices = _t(indices).long()
        batch = batch_dims + indices.dim() if batch_dims < 0 else batch_dims
        ax = batch if axis is None else int(axis) % params.dim()
        if batch > ax:
            raise ValueError('batch_dims (%d) must be less than or equal to '
                             'axis (%d).' % (batch, ax))
        if _print_ops.probing() and params.shape[ax]:
            # (Indices computed from stand-in values, `seqlen - 1` of a
            # zero length, are only shaped like the real ones.)
            indices = indices.remainder(params.shape[ax])
        if batch:
            return _batched_gather(params, indices, ax, batch)
        flat = params.index_select(ax, indices.reshape(-1))
        return flat.reshape(params.shape[:ax] + indices.shape +
                            params.shape[ax + 1:])
    return _op(fn, 'gather')(params, indices)


def gather_nd(params, indices, name=None, batch_dims=0):
    """`params[indices[..., 0], indices[..., 1], ...]`: the last axis of
    `indices` indexes the leading axes of `params` (after the first
    `batch_dims` axes, which index both together)."""
    def fn(params, indices):
        indices = _t(indices).long()
        columns = tuple(indices[..., i]
                        for i in builtins.range(indices.shape[-1]))
        if not batch_dims:
            return params[columns]
        lead = params.shape[:batch_dims]
        batch = int(np.prod(lead, dtype=np.int64))
        flat = params.reshape((batch,) + params.shape[batch_dims:])
        columns = tuple(c.reshape((batch,) + c.shape[batch_dims:])
                        for c in columns)
        rank = columns[0].dim() if columns else 1
        picked = flat[(_batch_index(batch, rank).to(flat.device),) + columns]
        return picked.reshape(lead + picked.shape[1:])
    return _op(fn, 'gather_nd')(params, indices)


def boolean_mask(tensor, mask, name='boolean_mask', axis=None):
    def fn(tensor, mask):
        mask = _t(mask).bool()
        start = 0 if axis is None else axis
        index = (builtins.slice(None),) * start + (mask,)
        return tensor[index]
    return _op(fn, 'boolean_mask')(tensor, mask)


def where(condition, x=None, y=None, name=None):
    if x is None and y is None:
        return _op(lambda c: torch.nonzero(_t(c).bool()), 'where')(condition)
    return _op(lambda c, a, b: torch.where(_t(c).bool(), _t(a), _t(b)),
               'where')(condition, x, y)


where_v2 = where


def _mirror_indices(size, before, after, symmetric, device):
    """Source positions along one axis for TensorFlow's REFLECT (edge not
    repeated) or SYMMETRIC (edge repeated) padding."""
    limit = size if symmetric else size - 1
    if before > limit or after > limit:
        raise errors.InvalidArgumentError(
            'paddings must be %s the dimension size: %d, %d %s %d'
            % ('no greater than' if symmetric else 'less than', before,
               after, 'greater than' if symmetric else 'not less than',
               size))
    positions = torch.arange(-before, size + after, device=device)
    shift = 1 if symmetric else 0
    positions = torch.where(positions < 0, -positions - shift, positions)
    return torch.where(positions >= size,
                       2 * size - 2 + shift - positions, positions)


def _mirror_pad(x, pairs, symmetric):
    for axis, (before, after) in enumerate(pairs):
        if before or after:
            x = x.index_select(axis, _mirror_indices(
                x.shape[axis], before, after, symmetric, x.device))
    return x


def pad(tensor, paddings, mode='CONSTANT', name=None, constant_values=0):
    def fn(x, paddings):
        pairs = [list(map(int, p)) for p in _t(paddings).tolist()] \
            if isinstance(paddings, torch.Tensor) else \
            [list(map(int, p)) for p in paddings]
        flat = [v for pair in reversed(pairs) for v in pair]
        kind = mode.upper()
        if kind == 'CONSTANT':
            return F.pad(x, flat, value=constant_values)
        if kind in ('REFLECT', 'SYMMETRIC'):
            return _mirror_pad(x, pairs, kind == 'SYMMETRIC')
        raise ValueError('Unknown padding mode: %r' % (mode,))
    return _op(fn, 'pad')(tensor, paddings)


def _check_even_split(size, num_split, axis):
    """tf.split(x, n) needs the axis to divide into n equal parts."""
    if int(size) % int(num_split):
        raise errors.InvalidArgumentError(
            'Number of ways to split should evenly divide the split '
            'dimension, but got split_dim %d (size = %d) and num_split %d'
            % (axis, int(size), int(num_split)))


def split(value, num_or_size_splits, axis=0, num=None, name='split'):
    if not isinstance(num_or_size_splits, int):
        sizes = [int(n) for n in num_or_size_splits]
        if -1 in sizes:
            # One size of -1: what the others leave of the axis.
            total = value.shape[axis]
            sizes[sizes.index(-1)] = int(total) - (builtins.sum(sizes) + 1)
        num_or_size_splits = sizes
    if getattr(value, '_is_keras_symbolic', False):
        size = value.shape[axis]
        if isinstance(num_or_size_splits, int) and size is not None:
            _check_even_split(size, num_or_size_splits, axis)
        sizes = [size // num_or_size_splits] * num_or_size_splits \
            if isinstance(num_or_size_splits, int) else \
            list(num_or_size_splits)
        starts = np.cumsum([0] + sizes[:-1])
        return [_op(lambda x, s=int(s), n=int(n): x.narrow(axis, s, n),
                    'split')(value) for s, n in zip(starts, sizes)]
    value = _t(value)
    if isinstance(num_or_size_splits, int):
        _check_even_split(value.shape[axis], num_or_size_splits, axis)
        return list(torch.chunk(value, num_or_size_splits, axis))
    return list(torch.split(value, list(num_or_size_splits), axis))


def reverse(tensor, axis, name=None):
    return K.reverse(tensor, axis)


def reverse_v2(tensor, axis, name=None):
    return K.reverse(tensor, axis)


def one_hot(indices, depth, on_value=None, off_value=None, axis=None,
            dtype=None, name=None):
    def fn(indices):
        out = F.one_hot(_t(indices).long().clamp(min=0), depth)
        out = out * (_t(indices).long() >= 0).unsqueeze(-1).long()
        out = out.to(_ops.torch_dtype(dtype) if dtype is not None
                     else torch.float32)
        if on_value is not None or off_value is not None:
            on = 1 if on_value is None else on_value
            off = 0 if off_value is None else off_value
            out = out * (on - off) + off
        if axis is not None and axis != -1:
            out = out.movedim(-1, axis)
        return out
    return _op(fn, 'one_hot')(indices)


def sequence_mask(lengths, maxlen=None, dtype=bool, name=None):
    def fn(lengths):
        lengths = _t(lengths)
        size = int(lengths.max()) if maxlen is None else int(maxlen)
        steps = torch.arange(size, device=lengths.device)
        return (steps < lengths.unsqueeze(-1)).to(_ops.torch_dtype(dtype))
    return _op(fn, 'sequence_mask')(lengths)


def range(start, limit=None, delta=1, dtype=None, name='range'):  # noqa
    def fn(start, limit, delta):
        if limit is None:
            start, limit = 0, start
        values = [int(v) if isinstance(v, torch.Tensor) and not
                  v.is_floating_point() else
                  (float(v) if isinstance(v, torch.Tensor) else v)
                  for v in (start, limit, delta)]
        kind = _ops.torch_dtype(dtype) if dtype is not None else (
            torch.float32 if builtins.any(isinstance(v, float)
                                          for v in values) else torch.int32)
        return torch.arange(*values, dtype=kind, device=K.get_device())
    return _op(fn, 'range')(start, limit, delta)


def linspace(start, stop, num, name=None, axis=0):
    return torch.linspace(float(start), float(stop), int(num),
                          device=K.get_device())


lin_space = linspace


# ------------------------------------------------------------------- math
def _binary(op_name, fn):
    wrapped = _op(fn, op_name)    # (made once, not at every call)

    def op(x, y, name=None):
        return wrapped(x, y)
    op.__name__ = op_name
    return op


add = _binary('add', lambda a, b: _t(a) + _t(b))
subtract = _binary('subtract', lambda a, b: _t(a) - _t(b))
multiply = _binary('multiply', lambda a, b: _t(a) * _t(b))
divide = _binary('divide', lambda a, b: _t(a) / _t(b))
truediv = realdiv = divide
floordiv = _binary('floordiv', lambda a, b: torch.div(
    _t(a), _t(b), rounding_mode='floor'))
floor_div = floordiv
mod = floormod = _binary('mod', lambda a, b: torch.remainder(_t(a), _t(b)))
squared_difference = _binary('squared_difference',
                             lambda a, b: (_t(a) - _t(b)) ** 2)
maximum = _binary('maximum', lambda a, b: torch.maximum(*_same(a, b)))
minimum = _binary('minimum', lambda a, b: torch.minimum(*_same(a, b)))
pow = _binary('pow', lambda a, b: torch.pow(_t(a), _t(b)))  # noqa: A001
equal = _binary('equal', lambda a, b: _t(a) == _t(b))
not_equal = _binary('not_equal', lambda a, b: _t(a) != _t(b))
greater = _binary('greater', lambda a, b: _t(a) > _t(b))
greater_equal = _binary('greater_equal', lambda a, b: _t(a) >= _t(b))
less = _binary('less', lambda a, b: _t(a) < _t(b))
less_equal = _binary('less_equal', lambda a, b: _t(a) <= _t(b))
logical_and = _binary('logical_and',
                      lambda a, b: torch.logical_and(_t(a), _t(b)))
logical_or = _binary('logical_or', lambda a, b: torch.logical_or(_t(a), _t(b)))
logical_xor = _binary('logical_xor',
                      lambda a, b: torch.logical_xor(_t(a), _t(b)))
atan2 = _binary('atan2', lambda a, b: torch.atan2(_t(a), _t(b)))


def _same(a, b):
    a, b = _t(a), _t(b)
    if a.dtype != b.dtype:
        kind = torch.promote_types(a.dtype, b.dtype)
        a, b = a.to(kind), b.to(kind)
    return a, b


def _typed(op_type, fn):
    """`fn` as the computation of a TensorFlow op of `op_type` (whose
    gradient a `Graph.gradient_override_map` may replace)."""
    return lambda x: _gradient_overrides.apply(op_type, fn, _t(x))


def _unary(op_name, fn):
    wrapped = _op(fn, op_name)    # (made once, not at every call)

    def op(x, name=None):
        return wrapped(x)
    op.__name__ = op_name
    return op


negative = _unary('negative', _typed('Neg', torch.neg))
abs = _unary('abs', _typed('Abs', torch.abs))  # noqa: A001
sign = _unary('sign', _typed('Sign', torch.sign))
square = _unary('square', _typed('Square', torch.square))
sqrt = _unary('sqrt', lambda x: _ops._sqrt(_t(x)))
rsqrt = _unary('rsqrt', lambda x: torch.rsqrt(_t(x)))
exp = _unary('exp', _typed('Exp', torch.exp))
expm1 = _unary('expm1', lambda x: torch.expm1(_t(x)))
log = _unary('log', _typed('Log', torch.log))
log1p = _unary('log1p', lambda x: torch.log1p(_t(x)))
floor = _unary('floor', _typed('Floor', torch.floor))
ceil = _unary('ceil', _typed('Ceil', torch.ceil))
round = _unary('round', lambda x: _gradient_overrides.apply(  # noqa: A001
    'Round', torch.round, _t(x)))
reciprocal = _unary('reciprocal', lambda x: torch.reciprocal(_t(x)))
sin = _unary('sin', lambda x: torch.sin(_t(x)))
cos = _unary('cos', lambda x: torch.cos(_t(x)))
tan = _unary('tan', lambda x: torch.tan(_t(x)))
atan = _unary('atan', lambda x: torch.atan(_t(x)))
asin = _unary('asin', lambda x: torch.asin(_t(x)))
acos = _unary('acos', lambda x: torch.acos(_t(x)))
sinh = _unary('sinh', lambda x: torch.sinh(_t(x)))
cosh = _unary('cosh', lambda x: torch.cosh(_t(x)))
tanh = _unary('tanh', _typed('Tanh', torch.tanh))


def _tf_op_output(output):
    """Marks a tf.nn.softmax / tf.sigmoid output: TensorFlow's Keras
    cross-entropies take its logits only for their own kind (an op-type
    check), unlike the logits Keras's own softmax and sigmoid cache."""
    output._logits_from_tf_op = True
    return output


sigmoid = _unary('sigmoid', lambda x: _tf_op_output(K.sigmoid(_t(x))))
erf = _unary('erf', lambda x: torch.erf(_t(x)))
lgamma = _unary('lgamma', lambda x: torch.lgamma(_t(x)))
digamma = _unary('digamma', lambda x: torch.digamma(_t(x)))
logical_not = _unary('logical_not', lambda x: torch.logical_not(_t(x)))
is_nan = _unary('is_nan', lambda x: torch.isnan(_t(x)))
is_inf = _unary('is_inf', lambda x: torch.isinf(_t(x)))
is_finite = _unary('is_finite', lambda x: torch.isfinite(_t(x)))
softplus = _unary('softplus', lambda x: F.softplus(_t(x)))
log_sigmoid = _unary('log_sigmoid', lambda x: F.logsigmoid(_t(x)))


def add_n(inputs, name=None):
    total = inputs[0]
    for value in inputs[1:]:
        total = total + value
    return total


def _reduction(name, fn):
    def op(input_tensor, axis=None, keepdims=None, name=None,
           reduction_indices=None, keep_dims=None):
        axis = _axis(axis if axis is not None else reduction_indices)
        keep = builtins.bool(keepdims if keepdims is not None
                             else keep_dims)
        return fn(input_tensor, axis, keep)
    op.__name__ = name
    return op


reduce_sum = _reduction('reduce_sum', K.sum)
reduce_mean = _reduction('reduce_mean', K.mean)
reduce_max = _reduction('reduce_max', K.max)
reduce_min = _reduction('reduce_min', K.min)
reduce_prod = _reduction('reduce_prod', K.prod)
reduce_any = _reduction('reduce_any', K.any)
reduce_all = _reduction('reduce_all', K.all)
reduce_logsumexp = _reduction('reduce_logsumexp', K.logsumexp)
reduce_variance = _reduction('reduce_variance', K.var)
reduce_std = _reduction('reduce_std', K.std)


def count_nonzero(input_tensor, axis=None, keepdims=None, dtype=int64,
                  name=None, reduction_indices=None, keep_dims=None):
    return cast(reduce_sum(cast(not_equal(input_tensor, 0), int64),
                           axis=axis if axis is not None
                           else reduction_indices,
                           keepdims=keepdims if keepdims is not None
                           else keep_dims), dtype)


def argmax(input, axis=None, name=None, dimension=None,  # noqa: A002
           output_type=int64):
    axis = axis if axis is not None else (dimension or 0)
    return K.cast(K.argmax(input, axis=axis), output_type)


def argmin(input, axis=None, name=None, dimension=None,  # noqa: A002
           output_type=int64):
    axis = axis if axis is not None else (dimension or 0)
    return K.cast(K.argmin(input, axis=axis), output_type)


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    def fn(x):
        x = _t(x)
        if reverse:
            x = x.flip(axis)
        out = torch.cumsum(x, axis)
        if exclusive:
            out = out - x
        return out.flip(axis) if reverse else out
    return _op(fn, 'cumsum')(x)


def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    if exclusive:
        raise NotImplementedError('tf.cumprod(exclusive=True) is not '
                                  'supported; divide the result by x.')
    def fn(x):
        x = _t(x)
        out = torch.cumprod(x.flip(axis) if reverse else x, axis)
        return out.flip(axis) if reverse else out
    return _op(fn, 'cumprod')(x)


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False,
           adjoint_b=False, a_is_sparse=False, b_is_sparse=False,
           name=None):
    def fn(a, b):
        a, b = _t(a), _t(b)
        if transpose_a or adjoint_a:
            a = a.transpose(-1, -2)
        if transpose_b or adjoint_b:
            b = b.transpose(-1, -2)
        from .engine import symbolic
        if a.dim() == 2 and b.dim() == 2 and a.shape[1] != b.shape[0] \
                and symbolic.probe_values() is None:
            raise errors.InvalidArgumentError(
                None, None, 'Matrix size-incompatible: In[0]: [%d,%d], '
                'In[1]: [%d,%d]' % (tuple(a.shape) + tuple(b.shape)))
        return torch.matmul(a, b)
    return _op(fn, 'matmul')(a, b)


def matvec(a, b, transpose_a=False, adjoint_a=False, a_is_sparse=False,
           b_is_sparse=False, name=None):
    """`tf.linalg.matvec`: the innermost matrices of `a` times the
    innermost vectors of `b` (batch axes broadcast)."""
    def fn(a, b):
        a, b = _t(a), _t(b)
        if transpose_a or adjoint_a:
            a = a.transpose(-1, -2)
        if adjoint_a:
            a = a.conj()
        return torch.matmul(a, b.unsqueeze(-1)).squeeze(-1)
    return _op(fn, 'matvec')(a, b)


def einsum(equation, *inputs, **kwargs):
    return _op(lambda *xs: torch.einsum(equation, *[_t(x) for x in xs]),
               'einsum')(*inputs)


def _tensordot_dims(axes):
    """torch's `dims` for TensorFlow's `axes`: an int (the last `axes` of
    `a` with the first of `b`), or a pair of an axis or a list of axes
    each (`axes=(-1, 0)`, `axes=[[2], [0]]`)."""
    if isinstance(axes, torch.Tensor):
        axes = axes.tolist()
    if isinstance(axes, (int, np.integer)):
        return int(axes)
    if len(axes) != 2:
        raise ValueError("'axes' must be an integer or have length 2.")
    return [[int(d) for d in np.ravel(part)] for part in axes]


def scalar_mul(scalar, x, name=None):
    """`tf.scalar_mul(scalar, x)`: `x` times the scalar `scalar`."""
    if np.ndim(scalar if not isinstance(scalar, torch.Tensor)
               else scalar.detach().cpu()) != 0:
        raise ValueError('Only scalar multiply works, got shape %s'
                         % (tuple(np.shape(scalar)),))
    return multiply(scalar, x)


def tensordot(a, b, axes, name=None):
    """`tf.tensordot(a, b, axes)`."""
    dims = _tensordot_dims(axes)

    def fn(a, b):
        return torch.tensordot(_t(a), _t(b), dims=dims)
    return _op(fn, 'tensordot')(a, b)


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    return _op(lambda x, lo, hi: torch.clamp(_t(x), _t(lo, x.dtype),
                                             _t(hi, x.dtype)),
               'clip_by_value')(t, clip_value_min, clip_value_max)


def clip_by_norm(t, clip_norm, axes=None, name=None):
    def fn(x):
        x = _t(x)
        dims = None if axes is None else tuple(np.atleast_1d(axes).tolist())
        norm = torch.sqrt(torch.sum(x * x, dim=dims, keepdim=True)
                          if dims is not None else torch.sum(x * x))
        return x * clip_norm / torch.maximum(norm, _t(clip_norm, x.dtype))
    return _op(fn, 'clip_by_norm')(t)


def norm(tensor, ord='euclidean', axis=None, keepdims=None, name=None):
    def fn(x):
        order = 2 if ord in ('euclidean', 'fro') else ord
        dims = None if axis is None else tuple(np.atleast_1d(axis).tolist())
        return torch.linalg.vector_norm(_t(x), ord=order, dim=dims,
                                        keepdim=builtins.bool(keepdims))
    return _op(fn, 'norm')(tensor)


def cond(pred, true_fn=None, false_fn=None, name=None, fn1=None, fn2=None):
    """Both branches are built and the predicate picks one per run, as
    K.switch does; a Python boolean picks one branch now."""
    true_fn = true_fn or fn1
    false_fn = false_fn or fn2
    if isinstance(pred, (builtins.bool, np.bool_)):
        return true_fn() if pred else false_fn()
    if isinstance(pred, torch.Tensor) and not \
            getattr(pred, '_is_keras_symbolic', False) and pred.numel() == 1:
        return true_fn() if builtins.bool(pred) else false_fn()
    return K.switch(pred, true_fn(), false_fn())


def while_loop(cond, body, loop_vars, shape_invariants=None,
               parallel_iterations=10, back_prop=True, swap_memory=False,
               maximum_iterations=None, name=None,
               return_same_structure=False):
    """Runs `body` while `cond` holds, now, on the current values. As in
    TF1, a one-element list of loop variables gives its value alone
    unless `return_same_structure`."""
    values = list(loop_vars) if isinstance(loop_vars, (list, tuple)) \
        else [loop_vars]
    count = 0
    while builtins.bool(cond(*values)):
        if maximum_iterations is not None and count >= maximum_iterations:
            break
        values = body(*values)
        values = list(values) if isinstance(values, (list, tuple)) \
            else [values]
        count += 1
    if not isinstance(loop_vars, (list, tuple)) or (
            len(values) == 1 and not return_same_structure):
        return values[0]
    return type(loop_vars)(values) if isinstance(loop_vars, tuple) \
        else values


class _TensorArrayStore(object):
    """The elements a TensorArray and the arrays its writes return
    share."""

    def __init__(self, dtype, size, dynamic_size, clear_after_read,
                 infer_shape, element_shape):
        self.dtype = dtype
        self.items = [None] * size
        self.dynamic_size = dynamic_size
        self.clear_after_read = clear_after_read
        self.infer_shape = infer_shape
        self.element_shape = element_shape
        self.cleared = set()


class TensorArray(object):
    """tf.TensorArray as TensorFlow 2 runs it eagerly: `size` tensors of
    one dtype (and, with `infer_shape`, one shape). `write`, `unstack` and
    `scatter` return a TensorArray over the same elements, so both `ta =
    ta.write(i, v)` (a while_loop body) and a bare `ta.write(i, v)` work;
    `stack`, `gather` and `concat` are differentiable. Unwritten elements
    read as zeros of the element shape; with `clear_after_read` (the
    default) an element read once cannot be read again."""

    def __init__(self, dtype, size=None, dynamic_size=None,
                 clear_after_read=None, tensor_array_name=None, handle=None,
                 flow=None, infer_shape=True, element_shape=None,
                 colocate_with_first_write_call=True, name=None,
                 _store=None):
        if _store is not None:
            self._store = _store
            return
        if handle is not None or flow is not None:
            raise NotImplementedError(
                'tf.TensorArray(handle=..., flow=...) wraps a TensorFlow '
                'graph resource; create the TensorArray from dtype and '
                'size instead.')
        if size is None:
            raise ValueError('Size must be declared for TensorArrays when '
                             'eager execution is enabled.')
        shape = None if element_shape is None else TensorShape(
            None if d is None else int(d) for d in element_shape)
        self._store = _TensorArrayStore(
            as_dtype(dtype), int(_t(size)) if isinstance(size, torch.Tensor)
            else int(size), builtins.bool(dynamic_size),
            clear_after_read is None or builtins.bool(clear_after_read),
            infer_shape, shape)

    def _same(self):
        return TensorArray(None, _store=self._store)

    @property
    def dtype(self):
        return self._store.dtype

    @property
    def dynamic_size(self):
        return self._store.dynamic_size

    @property
    def element_shape(self):
        """The element shape (None until known)."""
        return self._store.element_shape

    def size(self, name=None):
        return torch.tensor(len(self._store.items), dtype=torch.int32,
                            device=K.get_device())

    def _value(self, value):
        store = self._store
        if isinstance(value, torch.Tensor) and \
                value.dtype != store.dtype._torch_dtype:
            raise errors.InvalidArgumentError(
                'TensorArray dtype is %s but Op is trying to write dtype %s'
                % (store.dtype.name, _ops.dtype_name(value.dtype)))
        value = _t(value, store.dtype.name)
        if store.infer_shape:
            shape = TensorShape(tuple(value.shape))
            if store.element_shape is None:
                store.element_shape = shape
            elif not _compatible_shapes(store.element_shape, shape):
                raise ValueError(
                    'Incompatible shape for value (%s), expected (%s)'
                    % (tuple(shape), tuple(store.element_shape)))
        return value

    def _place(self, index, value):
        store = self._store
        if index < 0:
            raise errors.OutOfRangeError(
                'Writing to negative indices (index %d) is not allowed.'
                % index)
        if index >= len(store.items):
            if not store.dynamic_size:
                raise errors.OutOfRangeError(
                    'Tried to write to index %d but array is not resizeable '
                    'and size is: %d' % (index, len(store.items)))
            store.items.extend([None] * (index + 1 - len(store.items)))
        store.items[index] = value

    def write(self, index, value, name=None):
        self._place(int(_t(index)), self._value(value))
        return self._same()

    def unstack(self, value, name=None):
        value = _t(value)
        if not self._store.dynamic_size and \
                value.shape[0] > len(self._store.items):
            raise errors.InvalidArgumentError(
                'Tried to write to index %d but array is not resizeable '
                'and size is: %d' % (value.shape[0] - 1,
                                     len(self._store.items)))
        for index in builtins.range(value.shape[0]):
            self._place(index, self._value(value[index]))
        return self._same()

    def scatter(self, indices, value, name=None):
        value = _t(value)
        for position, index in builtins.enumerate(
                _t(indices).reshape(-1).tolist()):
            self._place(int(index), self._value(value[position]))
        return self._same()

    def _element(self, index):
        store = self._store
        item = store.items[index] if index < len(store.items) else None
        if item is not None:
            return item
        if index in store.cleared:
            raise errors.InvalidArgumentError(
                'Could not read index %d twice because it was cleared after '
                'a previous read (perhaps try setting clear_after_read = '
                'false?)' % index)
        if store.element_shape is None or \
                not store.element_shape.is_fully_defined():
            raise errors.InvalidArgumentError(
                'Could not read from TensorArray index %d because it has '
                'not yet been written to.' % index)
        return torch.zeros(tuple(store.element_shape),
                           dtype=store.dtype._torch_dtype,
                           device=K.get_device())

    def read(self, index, name=None):
        index = int(_t(index))
        value = self._element(index)
        store = self._store
        if store.clear_after_read and index < len(store.items) and \
                store.items[index] is not None:
            store.items[index] = None
            store.cleared.add(index)
        return value

    def stack(self, name=None):
        return self.gather(builtins.range(len(self._store.items)))

    def gather(self, indices, name=None):
        if isinstance(indices, torch.Tensor):
            indices = indices.reshape(-1).tolist()
        items = [self._element(int(i)) for i in indices]
        if items:
            return torch.stack(items)
        shape = self._store.element_shape or ()
        return torch.zeros((0,) + tuple(shape),
                           dtype=self._store.dtype._torch_dtype,
                           device=K.get_device())

    def concat(self, name=None):
        items = [self._element(i)
                 for i in builtins.range(len(self._store.items))]
        if not items:
            return torch.zeros((0,), dtype=self._store.dtype._torch_dtype,
                               device=K.get_device())
        return torch.cat(items)

    def identity(self):
        return self._same()

    def close(self, name=None):
        return None

    def mark_used(self):
        return None


def _compatible_shapes(expected, shape):
    return len(expected) == len(shape) and builtins.all(
        a is None or b is None or int(a) == int(b)
        for a, b in zip(expected, shape))


def _flatten(structure):
    """The leaves of nested lists / tuples / dicts, in order."""
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure)
                for leaf in _flatten(structure[key])]
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in _flatten(item)]
    return [structure]


def _pack(structure, leaves):
    """`structure` with its leaves replaced, in order, by `leaves`."""
    leaves = iter(leaves)

    def rebuild(item):
        if isinstance(item, dict):
            return {key: rebuild(item[key]) for key in sorted(item)}
        if isinstance(item, (list, tuple)):
            return type(item)(rebuild(v) for v in item)
        return next(leaves)
    return rebuild(structure)


def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True,
           swap_memory=False, infer_shape=True, name=None,
           fn_output_signature=None):
    """`fn` on each slice of `elems` along its first axis, results
    stacked. `elems` may be a nested structure of tensors (fn then gets
    the same structure of slices), and fn may return a tuple or list
    (several stacked outputs; `dtype` / `fn_output_signature` then a tuple
    or list)."""
    flat = _flatten(elems)

    def mapped(*values):
        values = [_t(v) for v in values]
        if values[0].shape[0] == 0:
            return _empty_map_result(signature, elems, values)
        results = [fn(_pack(elems, [v[i] for v in values]))
                   for i in builtins.range(values[0].shape[0])]
        if results and isinstance(results[0], (list, tuple)):
            return [torch.stack([_t(r[j]) for r in results])
                    for j in builtins.range(len(results[0]))]
        return torch.stack([_t(r) for r in results])

    signature = fn_output_signature if fn_output_signature is not None \
        else dtype
    if builtins.any(getattr(v, '_is_keras_symbolic', False) for v in flat):
        from .engine import symbolic
        if isinstance(signature, (list, tuple)):
            return symbolic.apply_multi_output_op(mapped, flat,
                                                  name='map_fn')
        return symbolic.apply_op(mapped, flat, name='map_fn')
    return mapped(*flat)


def _empty_map_result(signature, elems, values):
    """map_fn over no elements, as TensorFlow gives it: empty tensors of
    the signature's dtypes (the elements' structure and dtypes without
    one), shaped (0,) plus a TensorSpec's shape."""
    if signature is None:
        specs = [v.dtype for v in values]
        single = len(values) == 1 and not isinstance(elems, (list, tuple))
    else:
        single = not isinstance(signature, (list, tuple))
        specs = [signature] if single else list(signature)
    empty = []
    for spec, value in zip(specs, itertools.cycle(values)):
        shape = tuple(spec.shape) if isinstance(spec, TensorSpec) else ()
        dtype = spec.dtype if isinstance(spec, TensorSpec) else spec
        empty.append(torch.zeros((0,) + tuple(int(d) for d in shape),
                                 dtype=_ops.torch_dtype(dtype),
                                 device=value.device))
    return empty[0] if single else empty


class TensorSpec(object):
    """A tensor's shape and dtype, as TensorFlow describes one
    (`fn_output_signature` of map_fn, `input_signature` of tf.function)."""

    def __init__(self, shape=None, dtype=float32, name=None):
        self.shape = TensorShape(tuple(shape) if shape is not None else ())
        self.dtype = as_dtype(dtype)
        self.name = name

    def __repr__(self):
        return 'TensorSpec(shape=%s, dtype=tf.%s, name=%r)' % (
            tuple(self.shape), self.dtype.name, self.name)

    def __eq__(self, other):
        return isinstance(other, TensorSpec) and \
            tuple(self.shape) == tuple(other.shape) and \
            self.dtype == other.dtype

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((tuple(self.shape), self.dtype.name))


def foldl(fn, elems, initializer=None, **kwargs):
    return K.foldl(fn, elems, initializer)


def foldr(fn, elems, initializer=None, **kwargs):
    return K.foldr(fn, elems, initializer)


def Print(input_, data, message=None, first_n=None, summarize=None,
          name=None):
    """tf.Print: prints `message` and the values of `data` each time the
    result is computed, and returns `input_`."""
    printed = [0]

    def fn(x, *values):
        if _print_ops.probing():
            return x
        if first_n is None or first_n < 0 or printed[0] < first_n:
            printed[0] += 1
            sys.stderr.write(_print_ops.print_v1_text(message, values,
                                                      summarize) + '\n')
        return x
    return _op(fn, 'Print')(input_, *data)


print = _print_ops.print_v2  # noqa: A001 (TensorFlow's name)


# ----------------------------------------------------------------- random
def random_uniform(shape, minval=0., maxval=None, dtype=float32, seed=None,
                   name=None):
    maxval = 1. if maxval is None else maxval
    kind = _ops.torch_dtype(dtype)
    if not kind.is_floating_point:
        return torch.randint(int(minval), int(maxval), _shape_of(shape),
                             dtype=kind, device=K.get_device())
    return K.random_uniform(_shape_of(shape), minval, maxval,
                            dtype=_ops.dtype_name(kind), seed=seed)


def random_normal(shape, mean=0., stddev=1., dtype=float32, seed=None,
                  name=None):
    return K.random_normal(_shape_of(shape), mean, stddev,
                           dtype=_ops.dtype_name(_ops.torch_dtype(dtype)),
                           seed=seed)


def truncated_normal(shape, mean=0., stddev=1., dtype=float32, seed=None,
                     name=None):
    return K.truncated_normal(_shape_of(shape), mean, stddev,
                              dtype=_ops.dtype_name(_ops.torch_dtype(dtype)),
                              seed=seed)


def random_shuffle(value, seed=None, name=None):
    value = _t(value)
    return value[torch.randperm(value.shape[0], device=value.device)]


class _RandomGenerator(object):
    """`tf.random.Generator`: a random stream of its own (a seeded torch
    Generator; its numbers are not TensorFlow's Philox numbers)."""

    def __init__(self, seed=None):
        self._generator = torch.Generator()
        if seed is None:
            self._generator.seed()
        else:
            self._generator.manual_seed(int(seed))

    @classmethod
    def from_seed(cls, seed, alg=None):
        return cls(seed)

    @classmethod
    def from_non_deterministic_state(cls, alg=None):
        return cls()

    def reset_from_seed(self, seed):
        self._generator.manual_seed(int(seed))

    def _on_device(self, values, dtype):
        return values.to(device=K.get_device(),
                         dtype=_ops.torch_dtype(dtype))

    def uniform(self, shape, minval=0., maxval=None, dtype=float32,
                name=None):
        kind = _ops.torch_dtype(dtype)
        if not kind.is_floating_point:
            if maxval is None:
                raise ValueError('Must specify maxval for integer dtype %s.'
                                 % (as_dtype(dtype).name,))
            return self._on_device(torch.randint(
                int(minval), int(maxval), _shape_of(shape),
                generator=self._generator), dtype)
        maxval = 1. if maxval is None else maxval
        values = torch.rand(_shape_of(shape), generator=self._generator,
                            dtype=torch.float64)
        return self._on_device(minval + (maxval - minval) * values, dtype)

    def normal(self, shape, mean=0., stddev=1., dtype=float32, name=None):
        values = torch.randn(_shape_of(shape), generator=self._generator,
                             dtype=torch.float64)
        return self._on_device(mean + stddev * values, dtype)

    def truncated_normal(self, shape, mean=0., stddev=1., dtype=float32,
                         name=None):
        values = torch.nn.init.trunc_normal_(
            torch.empty(_shape_of(shape), dtype=torch.float64), 0., 1., -2.,
            2., generator=self._generator)
        return self._on_device(mean + stddev * values, dtype)


# --------------------------------------------------------------------- nn
nn = _submodule('nn', 'Neural network operations.')


def _softmax(logits, axis=None, name=None, dim=None):
    axis = -1 if axis is None and dim is None else (
        axis if axis is not None else dim)
    return _op(lambda x: _tf_op_output(K.softmax(_t(x), axis)),
               'softmax')(logits)


def _log_softmax(logits, axis=None, name=None, dim=None):
    axis = -1 if axis is None and dim is None else (
        axis if axis is not None else dim)
    return _op(lambda x: torch.log_softmax(_t(x), axis),
               'log_softmax')(logits)


def _dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None,
             rate=None):
    """tf.nn.dropout: drops in every call (it knows no learning phase),
    scaling kept values by 1 / keep_prob."""
    if rate is None:
        rate = 1. - (1. if keep_prob is None else keep_prob)

    def fn(x, rate):
        # (`rate` a tensor where `keep_prob` is a placeholder fed per run.)
        x = _t(x)
        if rate <= 0.:
            return x
        shape_ = x.shape if noise_shape is None else _shape_of(noise_shape)
        keep = (torch.rand(shape_, device=x.device) >= rate).to(x.dtype)
        return x * keep / (1. - rate)
    return _op(fn, 'dropout')(x, rate)


def _l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    axis = axis if axis is not None else dim

    def fn(x):
        x = _t(x)
        dims = None if axis is None else tuple(np.atleast_1d(axis).tolist())
        square_sum = torch.sum(x * x, dim=dims, keepdim=True) \
            if dims is not None else torch.sum(x * x)
        return x * torch.rsqrt(torch.clamp(square_sum, min=epsilon))
    return _op(fn, 'l2_normalize')(x)


def _moments(x, axes, shift=None, name=None, keep_dims=None,
             keepdims=None):
    """(mean, variance) over `axes`, the variance about the mean taken as
    a constant (as TensorFlow computes it)."""
    keep = builtins.bool(keepdims if keepdims is not None else keep_dims)
    axes = tuple(axes)
    centre = K.stop_gradient(K.mean(x, axis=axes, keepdims=True))
    return (K.mean(x, axis=axes, keepdims=keep),
            K.mean(K.square(x - centre), axis=axes, keepdims=keep))


def _sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """`tf.nn.sigmoid_cross_entropy_with_logits` (TensorFlow 2 takes
    `labels, logits` by position too, as Keras losses pass them)."""
    return _op(lambda z, x: F.binary_cross_entropy_with_logits(
        _t(x), _t(z, x.dtype), reduction='none'),
        'sigmoid_cross_entropy_with_logits')(labels, logits)


def _weighted_cross_entropy_with_logits(labels=None, logits=None,
                                        pos_weight=None, name=None,
                                        targets=None):
    labels = labels if labels is not None else targets

    def fn(z, x):
        x = _t(x)
        z = _t(z, x.dtype)
        log_weight = 1. + (pos_weight - 1.) * z
        return (1. - z) * x + log_weight * (
            torch.log1p(torch.exp(-torch.abs(x))) + torch.relu(-x))
    return _op(fn, 'weighted_cross_entropy_with_logits')(labels, logits)


def _softmax_cross_entropy_with_logits(labels=None, logits=None, axis=None,
                                       name=None, dim=-1):
    axis = dim if axis is None else axis
    return _op(lambda y, x: _ops._tf_softmax_cross_entropy(
        _t(y, x.dtype), _t(x), axis),
        'softmax_cross_entropy_with_logits')(labels, logits)


def _sparse_softmax_cross_entropy_with_logits(labels=None, logits=None,
                                              name=None):
    def fn(y, x):
        x = _t(x)
        log_probs = torch.log_softmax(x, -1)
        return -torch.gather(log_probs, -1,
                             _t(y).long().unsqueeze(-1)).squeeze(-1)
    return _op(fn, 'sparse_softmax_cross_entropy_with_logits')(labels, logits)


def _top_k(input, k=1, sorted=True, name=None):  # noqa: A002
    """`tf.nn.top_k`: the `k` largest entries of each last-axis row and
    their indices (int32), largest first; of equal entries the one of
    lower index comes first, and NaN counts as the largest, as in
    TensorFlow's kernel (which also returns this order when `sorted` is
    False)."""
    def largest(x):
        x = _t(x)
        count = int(k)
        if count < 0:
            raise errors.InvalidArgumentError('Need k >= 0, got %d' % count)
        if x.shape[-1] < count:
            raise errors.InvalidArgumentError(
                'input must have at least k columns. Had %d, needed %d'
                % (x.shape[-1], count))
        ordered = torch.sort(x, dim=-1, descending=True, stable=True)
        return ordered.values[..., :count], ordered.indices[..., :count]

    values = _op(lambda x: largest(x)[0], 'top_k')(input)
    indices = _op(lambda x: largest(x)[1].int(), 'top_k')(input)
    return TopKV2(values, indices)


TopKV2 = collections.namedtuple('TopKV2', ['values', 'indices'])


def _bias_add(value, bias, data_format=None, name=None):
    fmt = 'channels_first' if data_format in ('NCHW', 'NCW', 'NCDHW') \
        else 'channels_last'
    return K.bias_add(value, bias, data_format=fmt)


def _embedding_lookup(params, ids, partition_strategy='mod', name=None,
                      validate_indices=True, max_norm=None):
    if isinstance(params, (list, tuple)):
        if len(params) != 1:
            raise NotImplementedError('tf.nn.embedding_lookup over a list '
                                      'of partitions is not supported; '
                                      'concatenate them first.')
        params = params[0]
    return gather(params, ids)


def _leaky_relu(features, alpha=0.2, name=None):
    return _op(lambda x: _gradient_overrides.apply(
        'LeakyRelu', functools.partial(F.leaky_relu, negative_slope=alpha),
        _t(x), alpha=alpha), 'leaky_relu')(features)


def _l2_loss(t, name=None):
    return _op(lambda x: torch.sum(_t(x) ** 2) / 2., 'l2_loss')(t)


def _depth_pool(kind, value, ksize, strides, padding):
    """TensorFlow's depthwise max pooling (`ksize` (1, 1, 1, k) with the
    same strides): the maximum of each group of k channels."""
    depth = ksize[3]
    if kind != 'max':
        raise NotImplementedError(
            'tf.nn.avg_pool over the depth axis is not supported: reshape '
            'the channels and take tf.reduce_mean instead.')
    if tuple(ksize[:3]) != (1, 1, 1) or len(strides) != 4 or \
            tuple(strides) != tuple(ksize):
        raise errors.InvalidArgumentError(
            'Depthwise max pooling requires a window (1, 1, 1, k) with '
            'the same strides; got ksize %s, strides %s.'
            % (list(ksize), list(strides)))
    value = _t(value)
    if value.shape[-1] % depth:
        raise errors.InvalidArgumentError(
            'Depthwise max pooling requires the depth window to evenly '
            'divide the input depth.')
    return value.reshape(tuple(value.shape[:-1]) + (
        value.shape[-1] // depth, depth)).amax(-1)


def _nhwc_pool(kind):
    def pool(value, ksize, strides, padding, data_format='NHWC', name=None,
             input=None):
        value = value if input is None else input
        if len(_shape_of(ksize)) == 4 and _shape_of(ksize)[3] != 1:
            return _depth_pool(kind, value, _shape_of(ksize),
                               _shape_of(strides), padding)
        size = _shape_of(ksize)[1:3] if len(_shape_of(ksize)) == 4 \
            else _shape_of(ksize) * 2 if len(_shape_of(ksize)) == 1 \
            else _shape_of(ksize)
        step = _shape_of(strides)[1:3] if len(_shape_of(strides)) == 4 \
            else _shape_of(strides) * 2 if len(_shape_of(strides)) == 1 \
            else _shape_of(strides)
        return K.pool2d(value, tuple(size), strides=tuple(step),
                        padding=padding.lower(),
                        data_format='channels_last', pool_mode=kind)
    pool.__name__ = kind + '_pool'
    return pool


def _conv2d(input, filters=None, strides=None, padding=None,  # noqa
            use_cudnn_on_gpu=True, data_format='NHWC', dilations=None,
            name=None, filter=None):
    kernel = filters if filters is not None else filter
    step = _shape_of(strides)
    step = step[1:3] if len(step) == 4 else (step * 2 if len(step) == 1
                                             else step)
    rate = (1, 1) if dilations is None else _shape_of(dilations)
    rate = rate[1:3] if len(rate) == 4 else (rate * 2 if len(rate) == 1
                                             else rate)
    return K.conv2d(input, kernel, strides=tuple(step),
                    padding=padding.lower(), data_format='channels_last',
                    dilation_rate=tuple(rate))


def _nwc_single(values, name):
    """The one step of TensorFlow's 1- or 3-element (NWC) strides or
    dilations of a 1D convolution."""
    values = _shape_of(1 if values is None else values)
    if len(values) == 3:
        values = values[1:2]
    if len(values) != 1:
        raise ValueError('%s should be of length 1 or 3, got %d.'
                         % (name, len(values)))
    return values[0]


def _conv1d(input=None, filters=None, stride=None, padding=None,  # noqa
            use_cudnn_on_gpu=None, data_format=None, name=None,
            dilations=None, value=None):
    """`tf.nn.conv1d(input, filters, stride, padding)`: input
    `(batch, width, in)` (NWC, or `(batch, in, width)` with
    data_format='NCW'), filters `(width, in, out)`."""
    layout = {None: 'channels_last', 'NWC': 'channels_last',
              'NHWC': 'channels_last', 'NCW': 'channels_first',
              'NCHW': 'channels_first'}
    if data_format not in layout:
        raise ValueError('data_format must be "NWC" or "NCW".')
    x = input if input is not None else value
    if padding is None or padding.upper() not in ('VALID', 'SAME'):
        raise ValueError('padding must be "VALID" or "SAME", got %r.'
                         % (padding,))
    return K.conv1d(x, filters, strides=_nwc_single(stride, 'stride'),
                    padding=padding.lower(),
                    data_format=layout[data_format],
                    dilation_rate=_nwc_single(dilations, 'dilations'))


def _local_response_normalization(input, depth_radius=5, bias=1,  # noqa
                                  alpha=1, beta=0.5, name=None):
    """tf.nn.local_response_normalization (NHWC): input / (bias + alpha *
    sqr_sum) ** beta, sqr_sum the sum of squares over the channels
    d - depth_radius .. d + depth_radius of the last axis."""
    def fn(x):
        x = _t(x)
        squares = F.pad((x * x).unsqueeze(1),
                        (int(depth_radius), int(depth_radius)))
        window = 2 * int(depth_radius) + 1
        sqr_sum = F.avg_pool1d(squares.reshape(-1, 1, squares.shape[-1]),
                               window, stride=1).reshape(x.shape) * window
        return x / (bias + alpha * sqr_sum) ** beta
    return _op(fn, 'local_response_normalization')(input)



def _nhwc_pair(values):
    """(rows, cols) from TensorFlow's 1-, 2- or 4-element strides or
    dilations (NHWC)."""
    values = _shape_of(values)
    if len(values) == 4:
        return tuple(values[1:3])
    return tuple(values * 2 if len(values) == 1 else values)


def _depthwise_conv2d(input, filter, strides, padding,  # noqa: A002
                      data_format=None, dilations=None, name=None,
                      rate=None):
    """tf.nn.depthwise_conv2d (NHWC, filter [h, w, in, multiplier])."""
    if data_format not in (None, 'NHWC'):
        raise NotImplementedError(
            'tf.nn.depthwise_conv2d data_format=%r: only NHWC is '
            'supported; transpose the input to NHWC.' % (data_format,))
    dilation = dilations if dilations is not None else rate
    return K.depthwise_conv2d(
        input, filter, strides=_nhwc_pair(strides), padding=padding.lower(),
        data_format='channels_last',
        dilation_rate=(1, 1) if dilation is None else _nhwc_pair(dilation))

nn.softmax = _softmax
nn.l2_loss = _l2_loss
nn.depthwise_conv2d = _depthwise_conv2d
nn.local_response_normalization = nn.lrn = \
    _local_response_normalization
nn.max_pool = nn.max_pool2d = _nhwc_pool('max')
nn.avg_pool = nn.avg_pool2d = _nhwc_pool('avg')
nn.conv2d = _conv2d
nn.conv1d = _conv1d
nn.log_softmax = _log_softmax
nn.dropout = _dropout
nn.l2_normalize = _l2_normalize
nn.moments = _moments
nn.sigmoid_cross_entropy_with_logits = _sigmoid_cross_entropy_with_logits
nn.weighted_cross_entropy_with_logits = _weighted_cross_entropy_with_logits
nn.softmax_cross_entropy_with_logits = _softmax_cross_entropy_with_logits
nn.softmax_cross_entropy_with_logits_v2 = _softmax_cross_entropy_with_logits
nn.sparse_softmax_cross_entropy_with_logits = \
    _sparse_softmax_cross_entropy_with_logits
nn.top_k = _top_k
nn.in_top_k = lambda predictions, targets, k, name=None: K.in_top_k(
    predictions, targets, k)
nn.bias_add = _bias_add
nn.embedding_lookup = _embedding_lookup
nn.leaky_relu = _leaky_relu
nn.relu = _unary('relu', _typed('Relu', torch.relu))
nn.relu6 = _unary('relu6', lambda x: _gradient_overrides.apply(
    'Relu6', functools.partial(torch.clamp, min=0., max=6.), _t(x)))
nn.elu = _unary('elu', _typed('Elu', F.elu))
nn.selu = _unary('selu', lambda x: F.selu(_t(x)))
def _gelu(features, approximate=False, name=None):
    mode = 'tanh' if approximate else 'none'
    return _op(lambda x: F.gelu(_t(x), approximate=mode), 'gelu')(features)


nn.gelu = _gelu
nn.swish = nn.silu = _unary('swish', lambda x: F.silu(_t(x)))
nn.softplus = softplus
nn.softsign = _unary('softsign', lambda x: _gradient_overrides.apply(
    'Softsign', F.softsign, _t(x)))
nn.sigmoid = sigmoid
nn.tanh = tanh
nn.log_sigmoid = log_sigmoid
nn.zero_fraction = _unary('zero_fraction',
                          lambda x: (_t(x) == 0).float().mean())


# ------------------------------------------------------------------ image
image = _submodule('image', 'Image operations (NHWC).')


class ResizeMethod(object):
    BILINEAR = 'bilinear'
    NEAREST_NEIGHBOR = 'nearest'
    BICUBIC = 'bicubic'
    AREA = 'area'


_RESIZE_CODES = {0: 'bilinear', 1: 'nearest', 2: 'bicubic', 3: 'area'}


def _legacy_indices(size_in, size_out, align_corners, device):
    """TF1's source coordinate of each output pixel (no half-pixel
    offset): out * in / out, or with `align_corners` out * (in-1)/(out-1)."""
    if align_corners and size_out > 1:
        scale = (size_in - 1) / (size_out - 1)
    else:
        scale = size_in / size_out
    return torch.arange(size_out, device=device, dtype=torch.float32) * scale


def _resize_axis(x, axis, size_out, method, align_corners):
    size_in = x.shape[axis]
    src = _legacy_indices(size_in, size_out, align_corners, x.device)
    if method == 'nearest':
        # (TensorFlow rounds halves up.)
        index = torch.floor(src + 0.5) if align_corners else \
            torch.floor(src)
        return x.index_select(axis, index.long().clamp(max=size_in - 1))
    low = torch.floor(src).long().clamp(max=size_in - 1)
    high = (low + 1).clamp(max=size_in - 1)
    weight = (src - low.to(src.dtype)).to(x.dtype)
    shape = [1] * x.dim()
    shape[axis] = size_out
    weight = weight.reshape(shape)
    return x.index_select(axis, low) * (1 - weight) + \
        x.index_select(axis, high) * weight


def _resize(images, size, method, align_corners=False, half_pixel=True):
    """Resize NHWC images (or one HWC image) to `size` = (height,
    width): TF2's half-pixel sampling (torch's interpolate), or TF1's
    (`half_pixel=False`, with `align_corners`)."""
    method = _RESIZE_CODES.get(method, method)
    method = {'bilinear': 'bilinear', 'nearest': 'nearest',
              'nearest_neighbor': 'nearest', 'bicubic': 'bicubic',
              'area': 'area'}[str(method).lower()]

    def fn(x, size):
        x = _t(x)
        single = x.dim() == 3
        if single:
            x = x.unsqueeze(0)
        height, width = _shape_of(size)
        kind = x.dtype
        x = x if x.is_floating_point() else x.float()
        if half_pixel and not align_corners or method in ('bicubic', 'area'):
            nchw = x.permute(0, 3, 1, 2)
            mode = 'nearest-exact' if method == 'nearest' else method
            kwargs = {'align_corners': align_corners} \
                if method in ('bilinear', 'bicubic') else {}
            out = F.interpolate(nchw, size=(height, width), mode=mode,
                                **kwargs).permute(0, 2, 3, 1)
        else:
            out = _resize_axis(x, 1, height, method, align_corners)
            out = _resize_axis(out, 2, width, method, align_corners)
        # (TensorFlow: float32, except nearest-neighbour keeps the type.)
        out = out.to(kind) if method == 'nearest' else \
            out.to(torch.float32)
        return out[0] if single else out
    return _op(fn, 'resize')(images, size)


def _image_resize(images, size, method='bilinear', preserve_aspect_ratio=False,
                  antialias=False, name=None):
    """TF2's tf.image.resize (half-pixel centres)."""
    return _resize(images, size, method)


def _resize_images(images, size, method=0, align_corners=False,
                   preserve_aspect_ratio=False, name=None):
    """TF1's tf.image.resize_images."""
    return _resize(images, size, method, align_corners, half_pixel=False)


def _resize_with(method):
    def resize(images, size, align_corners=False, name=None,
               half_pixel_centers=False):
        return _resize(images, size, method, align_corners,
                       half_pixel=half_pixel_centers)
    resize.__name__ = 'resize_' + method
    return resize


image.ResizeMethod = ResizeMethod
image.resize = _image_resize


def _convert_image_dtype(image, dtype, saturate=False, name=None):
    """tf.image.convert_image_dtype: integers scaled to [0, 1] floats
    (by the integer type's maximum), floats to the integer range."""
    image = _t(image)
    target = _ops.torch_dtype(dtype)
    if image.dtype == target:
        return image
    if not image.is_floating_point():
        scale = float(torch.iinfo(image.dtype).max)
        if target.is_floating_point:
            return image.to(target) / scale
        return (image.double() / scale *
                torch.iinfo(target).max).round().to(target)
    if target.is_floating_point:
        return image.to(target)
    top = torch.iinfo(target).max
    scaled = image.double() * (top + 0.5)
    if saturate:
        scaled = scaled.clamp(0, top)
    return scaled.to(target)


image.convert_image_dtype = _convert_image_dtype
image.resize_images = _resize_images
image.resize_bilinear = _resize_with('bilinear')
image.resize_nearest_neighbor = _resize_with('nearest')
image.resize_bicubic = _resize_with('bicubic')
image.resize_area = _resize_with('area')
image.flip_left_right = lambda x: reverse(x, [-2])
image.flip_up_down = lambda x: reverse(x, [-3])


def _random_crop(value, size, seed=None, name=None):
    """tf.image.random_crop: a slice of `size` at a uniformly random
    offset (every offset equally likely) along each axis."""
    value = _t(value)
    size = [int(n) for n in _nest_flatten(
        size.tolist() if isinstance(size, torch.Tensor) else size)]
    shape = list(value.shape)
    if len(size) != len(shape) or any(s > n for s, n in zip(size, shape)):
        raise errors.InvalidArgumentError(
            'Need value.shape >= size, got %s >= %s' % (shape, size))
    offsets = [int(torch.randint(n - s + 1, ())) for s, n in zip(size, shape)]
    return value[tuple(builtins.slice(o, o + s)
                       for o, s in zip(offsets, size))]


def _random_flip(axis):
    def random_flip(image, seed=None):
        """Each image flipped along its width (height) with chance 1/2."""
        image = _t(image)
        if image.dim() == 3:
            return reverse(image, [axis]) if float(torch.rand(())) < 0.5 \
                else image
        flips = torch.rand(image.shape[0], device=image.device) < 0.5
        mask = flips.reshape((-1,) + (1,) * (image.dim() - 1))
        return torch.where(mask, reverse(image, [axis]), image)
    return random_flip


def _total_variation(images, name=None):
    """tf.image.total_variation: the summed absolute differences of
    neighbouring pixels, per image of a batch."""
    images = _t(images)
    axes = {3: None, 4: (1, 2, 3)}.get(images.dim(), 'bad')
    if axes == 'bad':
        raise ValueError("'images' must be either 3 or 4-dimensional.")
    rows = torch.abs(images[..., 1:, :, :] - images[..., :-1, :, :])
    columns = torch.abs(images[..., :, 1:, :] - images[..., :, :-1, :])
    if axes is None:
        return rows.sum() + columns.sum()
    return rows.sum(dim=axes) + columns.sum(dim=axes)


image.random_crop = random_crop = _random_crop
image.random_flip_left_right = _random_flip(-2)
image.random_flip_up_down = _random_flip(-3)
image.total_variation = _total_variation
for _name in ('adjust_brightness', 'adjust_contrast', 'adjust_gamma',
              'random_brightness', 'random_contrast', 'central_crop', 'rot90',
              'grayscale_to_rgb'):
    setattr(image, _name, getattr(_image_ops, _name))


def _psnr(a, b, max_val, name=None):
    """Peak signal-to-noise ratio over the last three axes."""
    def fn(a, b):
        a, b = _t(a).float(), _t(b).float()
        mse = torch.mean((a - b) ** 2, dim=(-3, -2, -1))
        return 10. * torch.log10(max_val ** 2 / mse)
    return _op(fn, 'psnr')(a, b)


def _ssim(img1, img2, max_val, filter_size=11, filter_sigma=1.5, k1=0.01,
          k2=0.03):
    """TensorFlow's SSIM (Gaussian window, valid convolution), per image
    of an NHWC batch."""
    def fn(x, y):
        x, y = _t(x).float(), _t(y).float()
        channels = x.shape[-1]
        coords = torch.arange(filter_size, dtype=torch.float32,
                              device=x.device) - (filter_size - 1) / 2.
        g = torch.exp(-coords ** 2 / (2. * filter_sigma ** 2))
        g = g / g.sum()
        window = (g[:, None] * g[None, :]).expand(channels, 1, filter_size,
                                                  filter_size)

        def blur(t):
            return F.conv2d(t.permute(0, 3, 1, 2), window, groups=channels)
        c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
        mu_x, mu_y = blur(x), blur(y)
        sigma_x = blur(x * x) - mu_x ** 2
        sigma_y = blur(y * y) - mu_y ** 2
        sigma_xy = blur(x * y) - mu_x * mu_y
        luminance = (2 * mu_x * mu_y + c1) / (mu_x ** 2 + mu_y ** 2 + c1)
        contrast = (2 * sigma_xy + c2) / (sigma_x + sigma_y + c2)
        return torch.mean(luminance * contrast, dim=(1, 2, 3))
    return _op(fn, 'ssim')(img1, img2)


def _non_max_suppression(boxes, scores, max_output_size, iou_threshold=0.5,
                         score_threshold=float('-inf'), name=None):
    """Greedy non-maximum suppression: the indices (int32) of the boxes
    kept, by decreasing score (ties: the lower index first); a box
    overlapping a kept one by more than `iou_threshold` (intersection over
    union) is dropped. Boxes are [y1, x1, y2, x2] (either corner order).
    As TensorFlow's kernel does, a box of no area overlaps nothing, and a
    box whose overlap with a kept one is not a number (boxes of infinite
    size) falls to score 0, behind every box of positive score."""
    def fn(boxes, scores):
        boxes, scores = _t(boxes).float(), _t(scores).float()
        limit = int(max_output_size)
        _check_nms_arguments(boxes, scores, limit, float(iou_threshold))
        corners = _box_corners(boxes)
        alive = torch.nonzero(scores > score_threshold).flatten()
        current = scores[alive]
        keep = []
        while alive.numel() and len(keep) < limit:
            top = int(torch.argmax(current))   # (the first of equal ones)
            best = alive[top]
            keep.append(best)
            rest = torch.cat([alive[:top], alive[top + 1:]])
            current = torch.cat([current[:top], current[top + 1:]])
            iou = _overlaps(corners, best, rest)
            undefined = torch.isnan(iou)
            current = torch.where(undefined, torch.zeros_like(current),
                                  current)
            stay = ~(iou > iou_threshold) & (current > score_threshold)
            alive, current = rest[stay], current[stay]
        return torch.stack(keep).int() if keep else \
            torch.zeros((0,), dtype=torch.int32, device=boxes.device)
    return _op(fn, 'non_max_suppression')(boxes, scores)


def _check_nms_arguments(boxes, scores, limit, iou_threshold):
    """TensorFlow's NonMaxSuppression checks, with its messages."""
    if boxes.dim() != 2 or boxes.shape[1] != 4:
        raise errors.InvalidArgumentError(
            'boxes must be 2-D [num_boxes, 4], got shape %s'
            % (list(boxes.shape),))
    if scores.dim() != 1 or scores.shape[0] != boxes.shape[0]:
        raise errors.InvalidArgumentError('scores has incompatible shape')
    if limit < 0:
        raise errors.InvalidArgumentError('output size must be non-negative')
    if not 0 <= iou_threshold <= 1:
        raise errors.InvalidArgumentError('iou_threshold must be in [0, 1]')


def _box_corners(boxes):
    """(y1, x1, y2, x2, area) of [y1, x1, y2, x2] boxes in either corner
    order."""
    y1 = torch.minimum(boxes[:, 0], boxes[:, 2])
    y2 = torch.maximum(boxes[:, 0], boxes[:, 2])
    x1 = torch.minimum(boxes[:, 1], boxes[:, 3])
    x2 = torch.maximum(boxes[:, 1], boxes[:, 3])
    return y1, x1, y2, x2, (y2 - y1) * (x2 - x1)


def _overlaps(corners, best, rest):
    """Intersection over union of box `best` with each of `rest`; 0 where
    either box has no area."""
    y1, x1, y2, x2, areas = corners
    height = (torch.minimum(y2[best], y2[rest]) -
              torch.maximum(y1[best], y1[rest])).clamp(min=0)
    width = (torch.minimum(x2[best], x2[rest]) -
             torch.maximum(x1[best], x1[rest])).clamp(min=0)
    inter = height * width
    iou = inter / (areas[best] + areas[rest] - inter)
    return torch.where((areas[best] <= 0) | (areas[rest] <= 0),
                       torch.zeros_like(iou), iou)


def _combined_non_max_suppression(boxes, scores, max_output_size_per_class,
                                  max_total_size, iou_threshold=0.5,
                                  score_threshold=float('-inf'),
                                  pad_per_class=False, clip_boxes=True,
                                  name=None):
    """`tf.image.combined_non_max_suppression`: greedy non-maximum
    suppression per image and class (boxes [batch, num_boxes, q, 4], q 1
    or one box per class; scores [batch, num_boxes, num_classes]), then
    the best `max_total_size` boxes of all classes by decreasing score:
    (nmsed_boxes, nmsed_scores, nmsed_classes (float32),
    valid_detections (int32)), zero-padded; boxes clipped to [0, 1] when
    `clip_boxes`, as TensorFlow's kernel gives them."""
    settings = (builtins.int(max_output_size_per_class),
                builtins.int(max_total_size),
                builtins.float(iou_threshold),
                builtins.float(score_threshold),
                builtins.bool(pad_per_class), builtins.bool(clip_boxes))
    if builtins.any(getattr(v, '_is_keras_symbolic', False)
                    for v in (boxes, scores)):
        parts = [_op(lambda b, s, i=i: _combined_nms(b, s, *settings)[i],
                     'combined_non_max_suppression')(boxes, scores)
                 for i in range(4)]
    else:
        parts = _combined_nms(boxes, scores, *settings)
    return CombinedNonMaxSuppression(*parts)


CombinedNonMaxSuppression = collections.namedtuple(
    'CombinedNonMaxSuppression',
    ['nmsed_boxes', 'nmsed_scores', 'nmsed_classes', 'valid_detections'])


def _combined_nms(boxes, scores, per_class, total, iou_threshold,
                  score_threshold, pad_per_class, clip_boxes):
    boxes, scores = _t(boxes).float(), _t(scores).float()
    if boxes.dim() != 4 or boxes.shape[-1] != 4 or scores.dim() != 3 or \
            boxes.shape[1] != scores.shape[1] or \
            boxes.shape[2] not in (1, scores.shape[2]):
        raise errors.InvalidArgumentError(
            'boxes must be [batch_size, num_boxes, q, 4] with q 1 or '
            'num_classes and scores [batch_size, num_boxes, num_classes]; '
            'got %s and %s' % (list(boxes.shape), list(scores.shape)))
    size = builtins.min(per_class * scores.shape[2], total) \
        if pad_per_class else total
    results = [_combined_nms_image(b, s, per_class, size, iou_threshold,
                                   score_threshold)
               for b, s in zip(boxes, scores)]
    nmsed = torch.stack([r[0] for r in results]).reshape(-1, size, 4)
    if clip_boxes:
        nmsed = nmsed.clamp(0., 1.)
    return (nmsed, torch.stack([r[1] for r in results]).reshape(-1, size),
            torch.stack([r[2] for r in results]).reshape(-1, size),
            torch.tensor([r[3] for r in results], dtype=torch.int32,
                         device=boxes.device))


def _combined_nms_image(boxes, scores, per_class, size, iou_threshold,
                        score_threshold):
    """The selection for one image: per class the greedy suppression of
    the boxes scoring above `score_threshold`, then the `size` best of
    all classes (ties: the lower class, then the earlier selected)."""
    chosen = []   # (score, box, class)
    for c in range(scores.shape[1]):
        class_boxes = boxes[:, 0 if boxes.shape[1] == 1 else c]
        corners = _box_corners(class_boxes)
        alive = torch.nonzero(scores[:, c] > score_threshold).flatten()
        alive = alive[torch.sort(scores[alive, c], descending=True,
                                 stable=True).indices]
        kept = []
        while alive.numel() and len(kept) < per_class:
            best, alive = alive[0], alive[1:]
            kept.append(best)
            alive = alive[~(_overlaps(corners, best, alive) >
                            iou_threshold)]
        chosen += [(scores[i, c], class_boxes[i], c) for i in kept]
    chosen.sort(key=lambda item: -builtins.float(item[0]))
    chosen = chosen[:size]
    out_boxes = boxes.new_zeros((size, 4))
    out_scores = scores.new_zeros((size,))
    out_classes = scores.new_zeros((size,))
    for i, (score, box, c) in enumerate(chosen):
        out_boxes[i], out_scores[i], out_classes[i] = box, score, c
    return out_boxes, out_scores, out_classes, len(chosen)


image.non_max_suppression = _non_max_suppression
image.combined_non_max_suppression = _combined_non_max_suppression
for _name in ('crop_and_resize', 'crop_to_bounding_box',
              'pad_to_bounding_box', 'rgb_to_grayscale',
              'per_image_standardization'):
    setattr(image, _name, _op(getattr(_image_ops, _name), _name))
image.psnr = _psnr
image.ssim = _ssim


def depth_to_space(input, block_size, data_format='NHWC', name=None):  # noqa
    """NHWC: each pixel's channels spread over a block_size x block_size
    block, as TensorFlow orders them."""
    def fn(x):
        x = _t(x)
        n, h, w, c = x.shape
        b = block_size
        x = x.reshape(n, h, w, b, b, c // (b * b))
        return x.permute(0, 1, 3, 2, 4, 5).reshape(n, h * b, w * b,
                                                   c // (b * b))
    return _op(fn, 'depth_to_space')(input)


def space_to_depth(input, block_size, data_format='NHWC', name=None):  # noqa
    """The inverse of depth_to_space."""
    def fn(x):
        x = _t(x)
        n, h, w, c = x.shape
        b = block_size
        x = x.reshape(n, h // b, b, w // b, b, c)
        return x.permute(0, 1, 3, 2, 4, 5).reshape(n, h // b, w // b,
                                                   c * b * b)
    return _op(fn, 'space_to_depth')(input)


def scatter_nd(indices, updates, shape, name=None):
    """Zeros of `shape` with `updates` added at `indices` (duplicates
    add)."""
    def fn(indices, updates, shape):
        indices = _t(indices).long()
        updates = _t(updates)
        out = torch.zeros(_shape_of(shape), dtype=updates.dtype,
                          device=updates.device)
        index = tuple(indices[..., i] for i in
                      builtins.range(indices.shape[-1]))
        return out.index_put(index, updates, accumulate=True)
    return _op(fn, 'scatter_nd')(indices, updates, shape)


def py_func(func, inp, Tout, stateful=True, name=None, _tensors=False):
    """Runs a Python function on the numpy values of `inp` (no
    gradient), as tf.py_func; `_tensors`: on the tensors themselves, as
    tf.py_function gives them (`text.numpy()` inside)."""
    def fn(*values):
        arrays = [v.detach().cpu().numpy() if isinstance(v, torch.Tensor)
                  and not _tensors else v for v in values]
        result = func(*arrays)
        several = isinstance(Tout, (list, tuple))
        results = list(result) if several else [result]
        kinds = list(Tout) if several else [Tout]
        out = [torch.as_tensor(np.asarray(r), device=K.get_device(),
                               dtype=_ops.torch_dtype(k))
               for r, k in zip(results, kinds)]
        return out if several else out[0]
    return _op(fn, 'py_func')(*inp)


numpy_function = py_func


def py_function(func, inp, Tout, name=None):
    """`tf.py_function`: `func` on the values of `inp`. An exception it
    raises reaches the caller as TensorFlow's op error (ValueError and
    TypeError: InvalidArgumentError, StopIteration: OutOfRangeError,
    MemoryError: ResourceExhaustedError, NotImplementedError:
    UnimplementedError, others: UnknownError), the message starting with
    the exception's type and text."""
    def guarded(*arrays):
        try:
            return func(*arrays)
        except Exception as error:
            raise _py_function_error(error) from error
    return py_func(guarded, inp, Tout, name=name, _tensors=True)


_PY_FUNCTION_ERRORS = ((ValueError, 'InvalidArgumentError'),
                       (TypeError, 'InvalidArgumentError'),
                       (StopIteration, 'OutOfRangeError'),
                       (MemoryError, 'ResourceExhaustedError'),
                       (NotImplementedError, 'UnimplementedError'))


def _py_function_error(error):
    import traceback as _traceback
    kind = next((name for cls, name in _PY_FUNCTION_ERRORS
                 if isinstance(error, cls)), 'UnknownError')
    text = ''.join(_traceback.format_exception(type(error), error,
                                               error.__traceback__))
    message = '%s: %s\n%s\n [Op:EagerPyFunc]' % (
        type(error).__name__, error, text.rstrip())
    return getattr(errors, kind)(None, None, message)


def sort(values, axis=-1, direction='ASCENDING', name=None):
    return _op(lambda x: torch.sort(_t(x), dim=axis, descending=(
        direction == 'DESCENDING')).values, 'sort')(values)


def argsort(values, axis=-1, direction='ASCENDING', stable=False,
            name=None):
    return _op(lambda x: torch.argsort(_t(x), dim=axis, descending=(
        direction == 'DESCENDING'), stable=stable).int(), 'argsort')(values)


def roll(input, shift, axis, name=None):  # noqa: A002
    return _op(lambda x: torch.roll(_t(x), _shape_of(shift),
                                    _shape_of(axis)), 'roll')(input)


def broadcast_to(input, shape, name=None):  # noqa: A002
    return _op(lambda x, s: torch.broadcast_to(_t(x), _shape_of(s)),
               'broadcast_to')(input, shape)


def broadcast_dynamic_shape(shape_x, shape_y):
    """The shape (a 1-D int32 tensor) that tensors of shapes `shape_x`
    and `shape_y` broadcast to."""
    def fn(a, b):
        shape = torch.broadcast_shapes(tuple(_shape_of(a)),
                                       tuple(_shape_of(b)))
        return torch.as_tensor(shape, dtype=torch.int32,
                               device=K.get_device())
    return _op(fn, 'broadcast_dynamic_shape')(shape_x, shape_y)


def broadcast_static_shape(shape_x, shape_y):
    """The TensorShape two static shapes broadcast to."""
    x, y = TensorShape(shape_x), TensorShape(shape_y)
    if x.rank is None or y.rank is None:
        return TensorShape(None)
    dims = []
    for a, b in itertools.zip_longest(reversed(x.as_list()),
                                      reversed(y.as_list()), fillvalue=1):
        if a is not None and b is not None and 1 not in (a, b) and a != b:
            raise ValueError('Incompatible shapes for broadcasting: %s and %s'
                             % (x, y))
        dims.append(b if a == 1 else a if b == 1 else a or b)
    return TensorShape(dims[::-1])


def meshgrid(*args, **kwargs):
    indexing = kwargs.get('indexing', 'xy')
    grids = torch.meshgrid(*[_t(a) for a in args], indexing=indexing)
    return list(grids)


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """(the tensors scaled by clip_norm / max(global_norm, clip_norm),
    global norm); graph tensors (`tf.gradients` of a graph program) give
    graph tensors."""
    t_list = list(t_list)
    given = [t for t in t_list if t is not None]
    if builtins.any(getattr(t, '_is_keras_symbolic', False)
                    for t in given + [use_norm]):
        from .engine import symbolic
        inputs = given + ([use_norm] if use_norm is not None else [])
        results = iter(symbolic.apply_multi_output_op(
            lambda *values: _clipped_by_global_norm(
                values[:len(given)], clip_norm,
                values[-1] if use_norm is not None else None),
            inputs, name='clip_by_global_norm'))
        clipped = [None if t is None else next(results) for t in t_list]
        return clipped, next(results)
    return _clip_by_global_norm_values(t_list, clip_norm, use_norm)


def _clipped_by_global_norm(tensors, clip_norm, use_norm):
    """`clip_by_global_norm` of values: the clipped tensors, then the
    global norm, in one list."""
    clipped, norm = _clip_by_global_norm_values(tensors, clip_norm,
                                                use_norm)
    return list(clipped) + [norm]


def _clip_by_global_norm_values(t_list, clip_norm, use_norm):
    tensors = [None if t is None else _t(t) for t in t_list]
    norm = _t(use_norm) if use_norm is not None else torch.sqrt(
        builtins.sum(torch.sum(t * t) for t in tensors if t is not None))
    scale = clip_norm / torch.maximum(norm, torch.as_tensor(
        float(clip_norm), device=norm.device))
    return [None if t is None else t * scale for t in tensors], norm


def unique(x, out_idx=int32, name=None):
    """(unique values in order of first appearance, index of each)."""
    values = _t(x)
    found, index = torch.unique(values, sorted=False, return_inverse=True)
    # torch's order is not TensorFlow's: reorder by first appearance.
    first = torch.full((found.shape[0],), values.shape[0], dtype=torch.long,
                       device=values.device)
    first.scatter_reduce_(0, index, torch.arange(
        values.shape[0], device=values.device), reduce='amin')
    order = torch.argsort(first)
    rank = torch.empty_like(order)
    rank[order] = torch.arange(order.shape[0], device=order.device)
    return UniqueResult(found[order], rank[index].to(
        _ops.torch_dtype(out_idx)))


UniqueResult = collections.namedtuple('Unique', ['y', 'idx'])
nn.depth_to_space = depth_to_space
nn.space_to_depth = space_to_depth


# ----------------------------------------------------------- initializers
def _initializer_factory(name, make):
    def factory(*args, **kwargs):
        kwargs.pop('dtype', None)
        return make(*args, **kwargs)
    factory.__name__ = name
    return factory


def _keras_initializers():
    from . import initializers as ki
    return {
        'zeros_initializer': lambda: ki.Zeros(),
        'ones_initializer': lambda: ki.Ones(),
        'constant_initializer': lambda value=0: ki.Constant(value),
        'random_normal_initializer': lambda mean=0.0, stddev=1.0, seed=None:
            ki.RandomNormal(mean, stddev, seed),
        'random_uniform_initializer': lambda minval=0, maxval=None,
        seed=None: ki.RandomUniform(minval, 1. if maxval is None
                                    else maxval, seed),
        'truncated_normal_initializer': lambda mean=0.0, stddev=1.0,
        seed=None: ki.TruncatedNormal(mean, stddev, seed),
        'glorot_uniform_initializer': lambda seed=None:
            ki.glorot_uniform(seed),
        'glorot_normal_initializer': lambda seed=None: ki.glorot_normal(seed),
        'orthogonal_initializer': lambda gain=1.0, seed=None:
            ki.Orthogonal(gain, seed),
        'variance_scaling_initializer': lambda scale=1.0, mode='fan_in',
        distribution='truncated_normal', seed=None: ki.VarianceScaling(
            scale, mode, 'truncated_normal' if distribution == 'normal'
            else distribution, seed),
    }


for _name, _make in _keras_initializers().items():
    globals()[_name] = _initializer_factory(_name, _make)
initializers = _submodule('initializers', 'TF1 initializers.')
for _name in _keras_initializers():
    setattr(initializers, _name.replace('_initializer', ''),
            globals()[_name])
initializers.glorot_uniform = globals()['glorot_uniform_initializer']


def _tf2_initializer_classes():
    """TensorFlow 2's `tf.initializers.TruncatedNormal`, ... : the Keras
    initializer classes."""
    from . import initializers as ki
    names = ('Zeros', 'Ones', 'Constant', 'RandomNormal', 'RandomUniform',
             'TruncatedNormal', 'VarianceScaling', 'Orthogonal', 'Identity',
             'GlorotNormal', 'GlorotUniform', 'HeNormal', 'HeUniform',
             'LecunNormal', 'LecunUniform', 'Initializer')
    for name in names:
        if hasattr(ki, name):
            setattr(initializers, name, getattr(ki, name))


_tf2_initializer_classes()


def _he_normal(seed=None):
    from . import initializers as keras_initializers
    return keras_initializers.he_normal(seed)


initializers.he_normal = _he_normal


from .tensorflow_variables import get_variable  # noqa: E402


def assign(ref, value, validate_shape=None, use_locking=None, name=None):
    return _assignment(ref, value, None, K.update)


def assign_add(ref, value, use_locking=None, name=None):
    return _assignment(ref, value, torch.add, K.update_add)


def _assignment(ref, value, combine, update):
    """`tf.assign` and friends: in a TensorFlow 1 graph program the
    assign op (also usable as the tensor of the new value), else
    `update(ref, value)`."""
    from .backend import variable_graph
    if variable_graph.builds_assign_op(value):
        from .tensorflow_graph_run import AssignOp
        return AssignOp(ref, value, combine)
    return update(ref, value)


def assign_sub(ref, value, use_locking=None, name=None):
    return _assignment(ref, value, torch.sub, K.update_sub)


def placeholder_with_default(input, shape, name=None):  # noqa: A002
    """A tensor of static shape `shape` that a run may feed and that is
    `input` in a run not feeding it. Eagerly (or of a graph tensor, whose
    value may be fed in its place), `input` itself."""
    value = convert_to_tensor(input)
    if getattr(value, '_is_keras_symbolic', False) or \
            _common.executing_eagerly():
        return value
    from .engine import fed_tensors
    shape = tuple(None if d is None else int(d) for d in (
        shape.as_list() if hasattr(shape, 'as_list') else shape))
    tensor = placeholder(value.dtype, shape=shape,
                         name=name or 'PlaceholderWithDefault')
    return fed_tensors.mark(tensor, fed_tensors.FixedFeed(value), 0)


# ----------------------------------------------------------------- losses
losses = _submodule('losses', 'TF1 losses (reduced to a scalar).')


def _reduced(values, weights):
    """TF1's SUM_BY_NONZERO_WEIGHTS: the weighted sum over the count of
    non-zero weights."""
    values = _t(values)
    if weights is None or (not isinstance(weights, torch.Tensor) and
                           np.ndim(weights) == 0 and float(weights) == 1.):
        return values.mean()
    weights = torch.broadcast_to(_t(weights, values.dtype), values.shape)
    return (values * weights).sum() / (weights != 0).sum().clamp(min=1)


def _tf1_loss(name, per_element):
    def loss(labels, predictions, weights=1.0, scope=None,
             loss_collection=None, reduction=None, **kwargs):
        return _op(lambda y, p: _reduced(per_element(_t(y, _t(p).dtype),
                                                     _t(p), **kwargs),
                                         weights), name)(labels, predictions)
    loss.__name__ = name
    return loss


losses.mean_squared_error = _tf1_loss('mean_squared_error',
                                      lambda y, p: (p - y) ** 2)
losses.absolute_difference = _tf1_loss('absolute_difference',
                                       lambda y, p: torch.abs(p - y))
losses.huber_loss = _tf1_loss('huber_loss', lambda y, p, delta=1.0:
                              torch.where(torch.abs(p - y) <= delta,
                                          0.5 * (p - y) ** 2,
                                          delta * (torch.abs(p - y) -
                                                   0.5 * delta)))
losses.log_loss = _tf1_loss('log_loss', lambda y, p, epsilon=1e-7:
                            -y * torch.log(p + epsilon) -
                            (1 - y) * torch.log(1 - p + epsilon))


def _smoothed_labels(y, x, smoothing, kind):
    """(logits, labels as logits' dtype, smoothed towards the uniform
    distribution over the classes or towards 0.5)."""
    x = _t(x)
    y = _t(y, x.dtype)
    if smoothing:
        spread = smoothing / y.shape[-1] if kind == 'classes' \
            else 0.5 * smoothing
        y = y * (1 - smoothing) + spread
    return x, y


def _softmax_cross_entropy(onehot_labels, logits, weights=1.0,
                           label_smoothing=0, scope=None,
                           loss_collection=None, reduction=None):
    def fn(y, x):
        x, y = _smoothed_labels(y, x, label_smoothing, 'classes')
        return _reduced(-(y * torch.log_softmax(x, -1)).sum(-1), weights)
    return _op(fn, 'softmax_cross_entropy')(onehot_labels, logits)


def _sparse_softmax_cross_entropy(labels, logits, weights=1.0, scope=None,
                                  loss_collection=None, reduction=None):
    def fn(y, x):
        x = _t(x)
        log_probs = torch.log_softmax(x, -1)
        picked = torch.gather(log_probs, -1, _t(y).long().unsqueeze(-1))
        return _reduced(-picked.squeeze(-1), weights)
    return _op(fn, 'sparse_softmax_cross_entropy')(labels, logits)


def _sigmoid_cross_entropy(multi_class_labels, logits, weights=1.0,
                           label_smoothing=0, scope=None,
                           loss_collection=None, reduction=None):
    def fn(y, x):
        x, y = _smoothed_labels(y, x, label_smoothing, 'binary')
        return _reduced(F.binary_cross_entropy_with_logits(
            x, y, reduction='none'), weights)
    return _op(fn, 'sigmoid_cross_entropy')(multi_class_labels, logits)


losses.softmax_cross_entropy = _softmax_cross_entropy
losses.sparse_softmax_cross_entropy = _sparse_softmax_cross_entropy
losses.sigmoid_cross_entropy = _sigmoid_cross_entropy
for _name in ('add_loss', 'get_losses', 'get_regularization_losses',
              'get_regularization_loss', 'get_total_loss'):
    setattr(losses, _name, getattr(_variables, _name))
for _name in ('mean_squared_error', 'absolute_difference', 'huber_loss',
              'log_loss', 'softmax_cross_entropy',
              'sparse_softmax_cross_entropy', 'sigmoid_cross_entropy'):
    setattr(losses, _name, _variables.collecting_loss(getattr(losses, _name)))


def _keras_fallback(module_name):
    """A TF2 alias module's other names (`tf.losses.
    SparseCategoricalCrossentropy`, `tf.initializers.GlorotUniform`):
    those of tf.keras's module."""
    def attribute(name):
        keras_module = getattr(_keras(), module_name)
        if name.startswith('__') or not hasattr(keras_module, name):
            raise AttributeError("module 'tensorflow.%s' has no attribute "
                                 "%r" % (module_name, name))
        return getattr(keras_module, name)
    return attribute


losses.__getattr__ = _keras_fallback('losses')


def _tensorboard_tensor_util():
    try:
        from tensorboard.util import tensor_util
    except ImportError:
        raise NotImplementedError(
            'TensorProto messages come from TensorBoard\'s protocol buffers '
            'in keras_compat: `pip install tensorboard`, or keep arrays as '
            'numpy arrays.')
    return tensor_util


def make_tensor_proto(values, dtype=None, shape=None, verify_shape=False,
                      allow_broadcast=False):
    """tf.make_tensor_proto: a TensorProto message (TensorBoard's copy of
    TensorFlow's proto, which TensorBoard's summary code expects)."""
    if allow_broadcast:
        raise NotImplementedError(
            'make_tensor_proto(allow_broadcast=True) is not supported; '
            'broadcast the values with numpy first.')
    values = values.numpy() if hasattr(values, 'numpy') else values
    return _tensorboard_tensor_util().make_tensor_proto(
        values, dtype=dtype, shape=shape, verify_shape=verify_shape)


def make_ndarray(tensor_proto):
    """tf.make_ndarray: the numpy array a TensorProto holds."""
    return _tensorboard_tensor_util().make_ndarray(tensor_proto)


# ---------------------------------------------------------------- summary
summary = _submodule('summary', 'TensorBoard event files.')


class _SummaryValue(object):
    def __init__(self, tag=None, simple_value=None, **kwargs):
        self.tag = tag
        self.simple_value = simple_value


class _SummaryValues(list):
    """A Summary's repeated `value` field: `add(tag=..., simple_value=...)`
    appends a new value and returns it."""

    def add(self, **fields):
        self.append(_SummaryValue(**fields))
        return self[-1]


class _PlainSummary(object):
    """TF1's Summary protocol buffer (scalar values), where TensorBoard's
    protocol buffers are not installed."""
    Value = _SummaryValue

    def __init__(self, value=None):
        self.value = _SummaryValues(value or [])


def _summary_protos():
    """TensorFlow's summary protocol buffer classes by name (TensorBoard's
    copies of them), or None without TensorBoard."""
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2
    except ImportError:
        return None
    return {'Summary': summary_pb2.Summary,
            'SummaryMetadata': summary_pb2.SummaryMetadata,
            'HistogramProto': summary_pb2.HistogramProto,
            'Event': event_pb2.Event}


def _summary_proto_class(name):
    """tf.compat.v1.Summary, SummaryMetadata, HistogramProto, Event."""
    protos = _summary_protos()
    if protos is None or name not in protos:
        # (keras_compat's own encoding of the same messages.)
        from . import tensorflow_event_protos
        return getattr(tensorflow_event_protos, name)
    return protos[name]


_SUMMARY_PROTO_NAMES = ('Summary', 'SummaryMetadata', 'HistogramProto',
                        'Event', 'SessionLog', 'LogMessage', 'TensorProto')


def _summary_writer(logdir):
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        raise ImportError('tf.summary writes TensorBoard files through '
                          '`tensorboard`: `pip install tensorboard`.')
    return SummaryWriter(logdir)


class _DefaultWriter(object):
    current = []
    # tf.summary.experimental.set_step's default step, and those of the
    # `as_default(step=...)` blocks running, innermost last.
    steps = [None]


def _summary_step(step):
    """The step a summary is written at: `step`, else the default one;
    TensorFlow's ValueError without either."""
    if step is None:
        step = _DefaultWriter.steps[-1]
    if step is None:
        raise ValueError('No step set. Please specify one either through '
                         'the `step` argument or through '
                         'tf.summary.experimental.set_step()')
    return int(_t(step)) if isinstance(step, torch.Tensor) else int(step)


def _set_summary_step(step):
    _DefaultWriter.steps[0] = step


summary.experimental = _submodule('summary.experimental',
                                  'The default summary step.')
summary.experimental.set_step = _set_summary_step
summary.experimental.get_step = lambda: _DefaultWriter.steps[0]


class _TF2Writer(object):
    """TF2's writer from tf.summary.create_file_writer."""

    def __init__(self, logdir):
        self._writer = _summary_writer(logdir)

    @contextlib.contextmanager
    def as_default(self, step=None):
        _DefaultWriter.current.append(self)
        _DefaultWriter.steps.append(
            step if step is not None else _DefaultWriter.steps[-1])
        try:
            yield self
        finally:
            _DefaultWriter.steps.pop()
            _DefaultWriter.current.pop()

    def set_as_default(self, step=None):
        """Makes this writer the default one from now on."""
        _DefaultWriter.current[:] = [self]
        if step is not None:
            _DefaultWriter.steps[0] = step

    def flush(self):
        self._writer.flush()

    def close(self):
        self._writer.close()


def _summary_scalar(name, data, step=None, description=None, **kwargs):
    if not _DefaultWriter.current:
        return False
    # (TF2's tensor summary, which TensorBoard lists under `tensors`.)
    _DefaultWriter.current[-1]._writer.add_scalar(
        name, float(_t(data)), _summary_step(step), new_style=True)
    return True


def _summary_histogram(name, data, step=None, buckets=None, **kwargs):
    if not _DefaultWriter.current:
        return False
    _DefaultWriter.current[-1]._writer.add_histogram(
        name, _t(data).detach().cpu().numpy(), _summary_step(step))
    return True


def _summary_image(name, data, step=None, max_outputs=3, description=None):
    """tf.summary.image: the first `max_outputs` images of `data`
    ([k, height, width, channels], 1 or 3 channels; floats in [0, 1] or
    uint8) written to the default writer; False without one."""
    if not _DefaultWriter.current:
        return False
    images = _t(data).detach().cpu()
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(
            'tf.summary.image: data must be [k, height, width, channels] '
            'with 1 or 3 channels; got shape %s.' % (list(images.shape),))
    _DefaultWriter.current[-1]._writer.add_images(
        name, images[:max_outputs].numpy(), _summary_step(step),
        dataformats='NHWC')
    return True


summary.image = _summary_image


def _summary_module_attribute(name):
    if name == 'Summary':
        return _summary_proto_class(name)
    raise AttributeError("module 'tensorflow.summary' has no attribute %r"
                         % (name,))


summary.__getattr__ = _summary_module_attribute
summary.create_file_writer = _TF2Writer
summary.scalar = _summary_scalar
summary.histogram = _summary_histogram
summary.flush = lambda writer=None, name=None: None


@contextlib.contextmanager
def _summary_scope(name, default_name=None, values=None):
    """tf.summary.experimental.summary_scope: yields the summary's tag and
    its scope name (name scopes add no prefix here)."""
    name = name or default_name
    yield name, name + '/'


def _summary_proto_module():
    try:
        from tensorboard.compat.proto import summary_pb2
    except ImportError:
        raise ImportError('tf.summary writes TensorBoard files through '
                          '`tensorboard`: `pip install tensorboard`.')
    return summary_pb2


def _add_summary_proto(summary_proto, step):
    _DefaultWriter.current[-1]._writer._get_file_writer().add_summary(
        summary_proto, _summary_step(step))


def _write_raw_pb(tensor, step=None, name=None):
    """tf.summary.experimental.write_raw_pb: writes serialized `Summary`
    protocol buffers (bytes, or a vector of them) to the default writer;
    False without one."""
    if not _DefaultWriter.current:
        return False
    summary_pb2 = _summary_proto_module()
    tensor = tensor.numpy() if hasattr(tensor, 'numpy') else tensor
    for raw in np.asarray(tensor, dtype=object).ravel():
        _add_summary_proto(summary_pb2.Summary.FromString(bytes(raw)), step)
    return True


def _summary_write(tag, tensor, step=None, metadata=None, name=None):
    """tf.summary.write: writes `tensor` (or what the callable `tensor`
    returns) under `tag`, with `metadata` (a SummaryMetadata message or
    its serialized bytes), to the default writer; False without one."""
    if not _DefaultWriter.current:
        return False
    summary_pb2 = _summary_proto_module()
    if callable(tensor):
        tensor = tensor()
    if isinstance(tensor, torch.Tensor):
        tensor = tensor.detach().cpu().numpy()
    elif hasattr(tensor, 'numpy'):
        tensor = tensor.numpy()
    if isinstance(metadata, bytes):
        metadata = summary_pb2.SummaryMetadata.FromString(metadata)
    value = summary_pb2.Summary.Value(
        tag=tag, tensor=_tensorboard_tensor_util().make_tensor_proto(
            np.asarray(tensor)))
    if metadata is not None:
        value.metadata.CopyFrom(metadata)
    _add_summary_proto(summary_pb2.Summary(value=[value]), step)
    return True


summary.write = _summary_write
summary.experimental.summary_scope = _summary_scope
summary.experimental.write_raw_pb = _write_raw_pb


def _install_v1_summaries():
    """TF1's graph-mode summaries next to TF2's: in a TensorFlow 1 graph
    program without a TF2 default writer, `tf.summary.scalar(name,
    tensor, collections, family)` and the others make summary tensors."""
    from . import tensorflow_event_protos as protos
    from . import tensorflow_v1_summaries as v1

    def dispatch(v1_op, v2_op):
        @functools.wraps(v1_op)
        def op(*args, **kwargs):
            tf2 = 'step' in kwargs or 'description' in kwargs or \
                'data' in kwargs or _DefaultWriter.current or \
                not _variables._graph_mode()
            return (v2_op or v1_op)(*args, **kwargs) if tf2 else \
                v1_op(*args, **kwargs)
        return op

    for name in ('scalar', 'histogram', 'image', 'text', 'audio'):
        setattr(summary, name, dispatch(getattr(v1, name),
                                        getattr(summary, name, None)))
    for name in ('merge', 'merge_all', 'FileWriter', 'FileWriterCache'):
        setattr(summary, name, getattr(v1, name))
    summary.SummaryDescription = protos.SummaryMetadata


_install_v1_summaries()


# ------------------------------------------------------------------- data
def _map_structure(fn, value):
    if isinstance(value, dict):
        return {key: _map_structure(fn, v) for key, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_map_structure(fn, v) for v in value)
    if isinstance(value, list):
        return [_map_structure(fn, v) for v in value]
    return fn(value)


def _map_components(fn, value):
    if isinstance(value, dict):
        return {key: _map_components(fn, v) for key, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_map_components(fn, v) for v in value)
    return fn(value)


def _first_leaf(value):
    while isinstance(value, (dict, tuple, list)):
        value = next(iter(value.values())) if isinstance(value, dict) \
            else value[0]
    return value


def _per_component(elements, leaf, alongside=(), sequences=(tuple,)):
    """`leaf(column, *parts)` for each component of a list of elements
    that are dicts or `sequences` of components, returned in the
    elements' structure; each of the `alongside` structures (padded shapes
    and values, or None) is split the same way into `parts`."""
    first = elements[0]
    if isinstance(first, dict):
        return {key: _per_component([e[key] for e in elements], leaf,
                                    [_part(a, key) for a in alongside],
                                    sequences)
                for key in first}
    if isinstance(first, sequences):
        return type(first)(
            _per_component([e[i] for e in elements], leaf,
                           [_part(a, i) for a in alongside], sequences)
            for i in builtins.range(len(first)))
    return leaf(elements, *alongside)


def _stack_structures(elements):
    return _per_component(elements, _stacked, sequences=(tuple, list))


def _stacked(column):
    if _is_text(column[0]):
        # (Plain bytes: numpy would read a string scalar's `dtype`.)
        # (A batch of bytes is an object array, the stand-in's string
        # tensor: numpy's fixed-width bytes would drop trailing NULs of
        # serialized protocol buffers and raw pixels.)
        values = [bytes(e) if isinstance(e, bytes) else e for e in column]
        return np.array(values, dtype=object if all(
            isinstance(v, bytes) for v in values) else None)
    return torch.stack([_t(e) for e in column])


def _is_text(value):
    """A string, bytes or numpy array of them (a file path in a
    dataset): kept as numpy, as torch has no string tensors."""
    if isinstance(value, (str, bytes, np.str_, np.bytes_)):
        return True
    return isinstance(value, np.ndarray) and value.dtype.kind in 'USO'


def _element_array(value):
    """A dataset's column as a tensor, or as a numpy array of strings."""
    if isinstance(value, torch.Tensor):
        return value
    array = np.asarray(value)
    if array.dtype.kind in 'SU' or array.dtype.kind == 'O' and \
            _is_text(array.reshape(-1)[0] if array.size else None):
        # TensorFlow's string tensor: an object array of bytes, whose
        # elements are scalar string tensors (`numpy()`, `+`).
        from .layers.lookup import string_array
        array = string_array(array)
        flat = np.empty(array.size, object)
        flat[:] = [_StringScalar(b) for b in array.reshape(-1)]
        return flat.reshape(array.shape)
    if array.dtype.kind == 'O':
        return array
    if not isinstance(value, np.ndarray):
        # A Python list: TensorFlow's dtype for it (float32, int32).
        return torch.as_tensor(array.astype(_default_dtype(value)))
    if not array.flags.writeable:
        # pandas columns come as read-only views; torch wants its own copy.
        array = array.copy()
    return torch.as_tensor(array)


def _map_result(value):
    """What `Dataset.map` makes of its function's result: a list is a
    tuple of components (tf.data does not stack it)."""
    return tuple(value) if isinstance(value, list) else value


def _shuffled_positions(step, count):
    """The order a dataset's shuffle step gives this pass: the same for
    every pass with reshuffle_each_iteration=False; else a new one, drawn
    from the seed and the pass number when seeded."""
    seed, reshuffle, state = step[1], step[2], step[3]
    if not reshuffle:
        return np.random.RandomState(state[0]).permutation(count)
    if seed is None:
        return np.random.permutation(count)
    state[1] += 1
    return np.random.RandomState(
        (seed + state[1] - 1) % (2 ** 32)).permutation(count)


def _varies_per_pass(steps):
    """Whether passes over a pipeline of `steps` may differ: it
    reshuffles, or maps (random augmentation)."""
    return any(step[0] == 'map' or step[0] == 'shuffle' and step[2]
               for step in steps)


def _call_on(fn, element):
    """`fn` on a dataset element, a tuple spread over its arguments."""
    return fn(*element) if isinstance(element, tuple) else fn(element)


def _interleaved(items, map_func, cycle_length, block_length):
    """tf.data interleave's order: up to `block_length` elements from each
    of the `cycle_length` open datasets in turn; a dataset found
    exhausted is replaced by that of the next input element, and the
    turn passes on."""
    pending = iter(items)
    slots = [iter(_call_on(map_func, element))
             for element in itertools.islice(pending, cycle_length)]
    result = []
    position = 0
    while slots:
        position %= len(slots)
        block = list(itertools.islice(slots[position], block_length))
        result.extend(block)
        if len(block) == block_length:
            position += 1
            continue
        following = next(pending, None)
        if following is None:
            del slots[position]
        else:
            slots[position] = iter(_call_on(map_func, following))
            position += 1
    return result


def _windows(items, size, shift, stride, drop_remainder):
    """The elements of each window: one starting every `shift` elements,
    with every `stride`-th element up to `size` of them."""
    windows = []
    for start in builtins.range(0, len(items), shift):
        part = items[start:start + size * stride:stride]
        if len(part) < size and drop_remainder:
            break
        windows.append(part)
    return windows


def _window_of(part, dataset_class):
    """A window as tf.data gives it: a dataset of its elements, or the
    same structure of datasets, one per component."""
    return _per_component(part, lambda column: dataset_class(
        lambda column=column: list(column)))


def _padded_batches(items, batch_size, drop_remainder, padded_shapes,
                    padding_values):
    groups = [items[i:i + batch_size]
              for i in builtins.range(0, len(items), batch_size)]
    if drop_remainder and groups and len(groups[-1]) < batch_size:
        groups = groups[:-1]
    return [_padded_group(group, padded_shapes, padding_values)
            for group in groups]


def _padded_group(group, shapes, values):
    """One padded batch of `group`, a list of (structures of) elements,
    with `shapes` and `values` given in the elements' structure (or
    None)."""
    return _per_component(group, _padded_stack, (shapes, values))


def _part(structure, key):
    if structure is None or not isinstance(structure, (tuple, dict)):
        return structure
    return structure[key]


def _padded_stack(tensors, shape, value):
    if _is_text(tensors[0]):
        raise NotImplementedError(
            'padded_batch of string elements is not supported; pad them '
            'with numpy before making the dataset.')
    tensors = [_t(x) for x in tensors]
    longest = [builtins.max(int(x.shape[d]) for x in tensors)
               for d in builtins.range(tensors[0].dim())]
    if shape is not None:
        wanted = [None if d is None else int(d) for d in (
            _t(shape).tolist() if isinstance(shape, torch.Tensor)
            else shape)]
        for d, size in builtins.enumerate(wanted):
            if size is not None and int(size) >= 0:
                if int(size) < longest[d]:
                    raise errors.InvalidArgumentError(
                        'Attempted to pad to a smaller size than the input '
                        'element.')
                longest[d] = int(size)
    fill = 0 if value is None else _t(value).item()
    padded = []
    for x in tensors:
        widths = []
        for d in reversed(builtins.range(x.dim())):
            widths += [0, longest[d] - int(x.shape[d])]
        padded.append(F.pad(x, widths, value=fill) if widths else x)
    return torch.stack(padded)


def _element_spec(items, open_batch_axis):
    return _per_component(items, lambda column: _component_spec(
        column, open_batch_axis))


def _component_spec(items, open_batch_axis):
    first = items[0]
    if _is_text(first):
        shapes = [np.shape(x) for x in items]
        dtype = string
    elif isinstance(first, torch.Tensor) or np.ndim(first) or \
            isinstance(first, (int, float, np.generic)):
        shapes = [tuple(_t(x).shape) for x in items]
        dtype = as_dtype(_dtype_name_of(_t(first).dtype))
    else:
        raise NotImplementedError(
            'element_spec of a dataset whose elements are %s is not '
            'supported here.' % type(first).__name__)
    shape = [size if all(len(s) == len(shapes[0]) and s[d] == size
                         for s in shapes) else None
             for d, size in builtins.enumerate(shapes[0])]
    if open_batch_axis and shape:
        shape[0] = None
    return TensorSpec(shape, dtype)


class _StringScalar(bytes):
    """A scalar string tensor (a line of a text file, a file name): bytes
    that also answer `numpy()`, `dtype` and `shape` as TensorFlow's
    string tensors do."""

    dtype = string
    shape = TensorShape(())

    def numpy(self):
        return bytes(self)

    def __add__(self, other):
        # (`folder + '/' + name`: TensorFlow joins strings and string
        # tensors into a string tensor.)
        if isinstance(other, (str, bytes)):
            return _StringScalar(bytes(self) + _as_bytes(other))
        return NotImplemented

    def __radd__(self, other):
        if isinstance(other, (str, bytes)):
            return _StringScalar(_as_bytes(other) + bytes(self))
        return NotImplemented


def _as_bytes(value):
    if isinstance(value, torch.Tensor):
        raise TypeError('A string was expected, got a numeric tensor.')
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    return value if isinstance(value, bytes) else str(value).encode('utf8')


def _file_names(filenames):
    """A file name, or a list/array/dataset of them, as Python strings."""
    if isinstance(filenames, (str, bytes, np.str_, np.bytes_)) or \
            np.ndim(filenames) == 0 and not hasattr(filenames, '__iter__'):
        filenames = [filenames]
    return [_as_bytes(name).decode('utf8') for name in filenames]


def _text_lines(filename, compression_type):
    from .tensorflow_records import file_bytes
    lines = file_bytes(filename, compression_type).split(b'\n')
    if lines and lines[-1] == b'':
        lines.pop()
    return [_StringScalar(line[:-1] if line.endswith(b'\r') else line)
            for line in lines]


def _list_files(file_pattern, shuffle=None, seed=None, dataset_class=None):
    import glob
    patterns = _file_names(file_pattern)
    names = sorted(set(name for pattern in patterns
                       for name in glob.glob(pattern)))
    if not names:
        raise errors.InvalidArgumentError(
            'Expected \'tf.Tensor(False, shape=(), dtype=bool)\' to be '
            'true. Summarized data: b\'No files matched pattern: %s\''
            % ', '.join(patterns))
    if shuffle is None or shuffle:
        order = (np.random.RandomState(seed) if seed is not None
                 else np.random).permutation(len(names))
        names = [names[i] for i in order]
    return dataset_class(lambda: [_StringScalar(n.encode('utf8'))
                                  for n in names])


def _text_line_dataset(dataset_class):
    def TextLineDataset(filenames, compression_type=None, buffer_size=None,
                        num_parallel_reads=None, name=None):
        """The lines of the text files (without their line ends), file
        after file, or `num_parallel_reads` files interleaved line by
        line, as tf.data reads them."""
        names = _file_names(filenames)

        def lines():
            if num_parallel_reads is not None and \
                    int(num_parallel_reads) > 1:
                return _interleaved(names, lambda n: _text_lines(
                    n, compression_type), int(num_parallel_reads), 1)
            return [line for n in names
                    for line in _text_lines(n, compression_type)]
        return dataset_class(lines)._of_unknown_size()
    return TextLineDataset


def _csv_default(default):
    """(dtype name, default value or None when the field is required) of
    one of decode_csv's `record_defaults`."""
    if isinstance(default, (str, bytes)):
        return 'string', _as_bytes(default)
    if isinstance(default, (list, tuple)):
        default = np.asarray(default, dtype=np.float32) if not default \
            else default[0]
        if not isinstance(default, np.ndarray):
            return _csv_default(default)
    if isinstance(default, torch.Tensor):
        name = _ops.dtype_name(default.dtype)
        return name, default.reshape(-1)[0].item() if default.numel() \
            else None
    if isinstance(default, np.ndarray):
        if default.dtype.kind in 'SUO':
            return 'string', _as_bytes(default.reshape(-1)[0]) \
                if default.size else None
        name = 'float32' if default.dtype == np.float64 else \
            default.dtype.name
        return name, default.reshape(-1)[0].item() if default.size \
            else None
    if isinstance(default, builtins.bool):
        return 'bool', default
    if isinstance(default, (int, np.integer)):
        return 'int32' if isinstance(default, int) else \
            np.asarray(default).dtype.name, int(default)
    return 'float32' if isinstance(default, float) else \
        np.asarray(default).dtype.name, float(default)


def _csv_fields(record, delimiter, use_quote_delim):
    import csv
    text = _as_bytes(record).decode('utf8')
    reader = csv.reader([text], delimiter=delimiter,
                        quoting=csv.QUOTE_MINIMAL if use_quote_delim
                        else csv.QUOTE_NONE)
    return next(reader, [''])


def _decode_csv(records, record_defaults, field_delim=',',
                use_quote_delim=True, name=None, na_value='',
                select_cols=None):
    """tf.io.decode_csv: one tensor per column of the CSV record (a
    string) or records (a 1-D batch of them), typed by its default;
    empty fields (or `na_value`) take the default, and a field whose
    default is empty is required."""
    kinds = [_csv_default(d) for d in record_defaults]
    batch = not isinstance(records, (str, bytes, np.str_, np.bytes_)) and \
        np.ndim(records) > 0
    rows = list(records) if batch else [records]
    columns = [[] for _ in kinds]
    for index, record in builtins.enumerate(rows):
        fields = _csv_fields(record, field_delim, use_quote_delim)
        if select_cols is not None:
            fields = [fields[i] for i in select_cols if i < len(fields)]
        if len(fields) != len(kinds):
            raise errors.InvalidArgumentError(
                'Expect %d fields but have %d in record %d'
                % (len(kinds), len(fields), index))
        for column, ((dtype, default), field) in builtins.enumerate(
                builtins.zip(kinds, fields)):
            if field == '' or field == na_value:
                if default is None:
                    raise errors.InvalidArgumentError(
                        'Field %d is required but missing in record %d!'
                        % (column, index))
                columns[column].append(default)
            elif dtype == 'string':
                columns[column].append(field.encode('utf8'))
            elif dtype.startswith('int'):
                columns[column].append(int(field))
            else:
                columns[column].append(float(field))
    return [_csv_column(values, dtype, batch)
            for values, (dtype, _) in builtins.zip(columns, kinds)]


def _csv_column(values, dtype, batch):
    if dtype == 'string':
        return np.array(values, dtype=object) if batch \
            else _StringScalar(values[0])
    tensor = torch.tensor(values, dtype=_ops.torch_dtype(dtype),
                          device=K.get_device())
    return tensor if batch else tensor[0]


class AutoShardPolicy(object):
    """tf.data.experimental.AutoShardPolicy: how a multi-worker run
    shares a tf.data pipeline's global batches between its processes."""
    OFF = -1
    AUTO = 0
    FILE = 1
    DATA = 2
    HINT = 3


class DataOptions(_Options):
    """tf.data.Options: the fields a pipeline's `with_options` sets;
    `experimental_distribute.auto_shard_policy` (AUTO by default) is the
    one that changes what the processes of a multi-worker `fit` read."""

    def __init__(self, **fields):
        self.experimental_distribute = _Options(
            auto_shard_policy=AutoShardPolicy.AUTO)
        _Options.__init__(self, **fields)


def _process_pieces(batches, num_processes, index, whole):
    """The global batches as process `index` of `num_processes` reads
    them in a multi-worker run (TensorFlow's rebatching): its rows of
    each batch (the first processes take one row more), or with `whole`
    (auto-sharding OFF) every batch cut into one piece per process,
    ceil(batch size / processes) rows each, the process's own first."""
    if not batches:
        return batches
    full = int(_first_leaf(batches[0]).shape[0])
    per = -(-full // num_processes)
    sizes = [min(per, max(0, full - i * per))
             for i in builtins.range(num_processes)]
    sizes = sizes[index:] + sizes[:index]
    pieces = []
    for batch in batches:
        rows = int(_first_leaf(batch).shape[0])
        if whole:
            start = 0
            for size in sizes:
                stop = min(rows, start + size)
                pieces.append(_map_structure(
                    lambda v, a=start, b=stop: v[a:b], batch))
                start = stop
            continue
        size, extra = divmod(rows, num_processes)
        start = index * size + min(index, extra)
        stop = start + size + (1 if index < extra else 0)
        pieces.append(_map_structure(lambda v: v[start:stop], batch))
    return pieces


def _datasets_module():
    from .utils.data_utils import Sequence

    class Dataset(Sequence):
        """tf.data.Dataset for Keras programs: `from_tensor_slices` (arrays,
        tuples and dicts of them), `map`, `filter`, `shuffle`, `batch`,
        `repeat`, `take`, `skip`, `cache`, `prefetch`; iterating gives the
        elements (batches once batched) as tensors. A batched dataset is a
        `keras.utils.Sequence`, so `fit`, `evaluate` and `predict` take it
        (one epoch is one pass; a repeated one takes `steps_per_epoch`)."""

        # fit's `shuffle` does not reorder its batches (tf.keras).
        _orders_itself = True

        def __init__(self, source, steps=()):
            self._source = source      # a callable giving the elements
            self._steps = tuple(steps)
            self._batches = None

        @staticmethod
        def from_tensor_slices(tensors):
            def elements():
                if _sparse_graph.is_sparse_tensor(tensors):
                    return _sparse_graph.sparse_slices(tensors)
                # (A list is one array, as TensorFlow converts it; tuples
                # and dicts are structures.)
                arrays = _map_components(_element_array, tensors)
                count = _first_leaf(arrays).shape[0]
                return [_map_structure(lambda v, i=i: v[i], arrays)
                        for i in builtins.range(count)]
            return Dataset(elements)

        @staticmethod
        def from_tensors(tensors):
            return Dataset(lambda: [_map_structure(
                lambda v: v if isinstance(v, torch.Tensor)
                else torch.as_tensor(np.asarray(v)), tensors)])

        @staticmethod
        def range(*args):
            return Dataset(lambda: [torch.tensor(i) for i in
                                    builtins.range(*args)])

        @staticmethod
        def zip(datasets):
            """Elements of several datasets side by side (a tuple or dict
            of datasets, as tf.data.Dataset.zip takes)."""
            if isinstance(datasets, dict):
                keys = list(datasets)
                return Dataset(lambda: [dict(builtins.zip(keys, parts))
                                        for parts in builtins.zip(*[
                                            list(datasets[k]) for k in keys])]
                               )._sized_as(*datasets.values())
            return Dataset(lambda: list(builtins.zip(
                *[list(d) for d in datasets])))._sized_as(*datasets)

        @staticmethod
        def from_generator(generator, output_types=None, output_shapes=None,
                           args=None, output_signature=None):
            """The elements `generator(*args)` yields, as tensors of the
            dtypes `output_signature` (or `output_types`) gives."""
            spec = output_signature if output_signature is not None \
                else output_types

            def converted(value, wanted):
                tensor = value if isinstance(value, torch.Tensor) \
                    else torch.as_tensor(np.asarray(value))
                dtype = getattr(wanted, 'dtype', wanted)
                if dtype is None or as_dtype(dtype).name == 'string':
                    return tensor
                return tensor.to(as_dtype(dtype)._torch_dtype)

            def element(value, wanted):
                if isinstance(value, (tuple, list)):
                    wanted = wanted if isinstance(wanted, (tuple, list)) \
                        else [wanted] * len(value)
                    return type(value)(element(v, w) for v, w in
                                       builtins.zip(value, wanted))
                if isinstance(value, dict):
                    wanted = wanted if isinstance(wanted, dict) else {}
                    return {k: element(v, wanted.get(k))
                            for k, v in value.items()}
                return converted(value, wanted)

            def elements():
                return [element(e, spec)
                        for e in generator(*(args or ()))]
            return Dataset(elements)._of_unknown_size()

        def concatenate(self, dataset):
            return Dataset(lambda: list(self) + list(dataset))._sized_as(
                self, dataset)

        def enumerate(self, start=0):
            return Dataset(lambda: [(torch.tensor(start + i), e) for i, e in
                                    builtins.enumerate(self)])._sized_as(self)

        def apply(self, transformation_func):
            """`transformation_func(self)`: a dataset transformation
            (`tf.data.experimental.assert_cardinality(n)`, ...)."""
            return transformation_func(self)

        # ------------------------------------------------- cardinality
        # TensorFlow knows a pipeline's size from its steps: a generator,
        # text or record files, `filter`, `flat_map`, `interleave`,
        # `unbatch` make it unknown (-2) until `assert_cardinality`; an
        # endless repeat makes it infinite (-1).
        _unknown_source = False

        def _of_unknown_size(self):
            self._unknown_source = True
            return self

        def _sized_as(self, *parents):
            self._unknown_source = any(
                p._size_kind() == 'unknown' for p in parents
                if isinstance(p, Dataset))
            return self

        def _size_kind(self):
            """'known', 'unknown' or 'infinite', as TensorFlow's
            cardinality tells them."""
            kind = 'unknown' if self._unknown_source else 'known'
            for step in self._steps:
                name = step[0]
                if name == 'assert_cardinality':
                    kind = 'known'
                elif name == 'repeat' and step[1] in (None, -1):
                    kind = 'infinite'
                elif name == 'take' and kind == 'infinite' and step[1] >= 0:
                    kind = 'known'
                elif name in ('filter', 'flat_map', 'interleave', 'unbatch',
                              'take_while'):
                    kind = 'unknown'
            return kind

        def unbatch(self):
            return self._with(('unbatch',))

        def take_while(self, predicate, name=None):
            """The elements before the first for which `predicate` is
            false."""
            return self._with(('take_while', predicate))

        def _with(self, step):
            made = Dataset(self._source, self._steps + (step,))
            made._options = self.__dict__.get('_options')
            made._unknown_source = self._unknown_source
            return made

        def shard(self, num_shards, index, name=None):
            """Every `num_shards`-th element, from the `index`-th."""
            num_shards, index = int(num_shards), int(index)
            if not 0 <= index < num_shards:
                raise errors.InvalidArgumentError(
                    'Index must be between 0 and %d (currently index = '
                    '%d).' % (num_shards - 1, index))
            return self._with(('shard', num_shards, index))

        def with_options(self, options, name=None):
            """The same pipeline with `options` (a tf.data.Options)."""
            made = self._copy() if isinstance(self, LazyDataset) else \
                Dataset(self._source, self._steps)
            made._options = options
            return made

        def options(self):
            return self.__dict__.get('_options') or DataOptions()

        def _process_share(self, in_fit=True):
            """What this process reads of the pipeline's global batches
            in a run over several processes (`fit`, and
            `strategy.experimental_distribute_dataset` with `in_fit`
            False): its part of each batch by the pipeline's auto-shard
            policy (AUTO and DATA: its rows; OFF: every batch in pieces,
            of which tf.keras's fit reads as many as there are batches in
            a pass)."""
            from . import distributed
            if any(step[0] == 'process_share' for step in self._steps):
                return self
            policy = getattr(self.options().experimental_distribute,
                             'auto_shard_policy', AutoShardPolicy.AUTO)
            policy = getattr(policy, 'value', policy)
            if policy in (AutoShardPolicy.FILE, AutoShardPolicy.HINT):
                raise NotImplementedError(
                    'auto_shard_policy FILE and HINT are not supported: '
                    'the processes share each global batch by its rows '
                    '(AutoShardPolicy.DATA, which AUTO means here) or read '
                    'all of it (OFF); or shard the files yourself with '
                    'distribute_datasets_from_function.')
            return self._with(('process_share', distributed.world_size(),
                               distributed.rank(),
                               policy == AutoShardPolicy.OFF, in_fit))

        def map(self, map_func, num_parallel_calls=None, deterministic=None):
            return self._with(('map', map_func))

        def filter(self, predicate):
            return self._with(('filter', predicate))

        def shuffle(self, buffer_size, seed=None,
                    reshuffle_each_iteration=True):
            """The elements in random order: a new order each pass
            (each epoch, each repetition of a later `repeat`), or with
            `reshuffle_each_iteration=False` one order kept for every
            pass and every dataset made from this one (a `take`/`skip`
            split stays disjoint)."""
            fixed = seed if seed is not None else \
                int(np.random.randint(2 ** 31 - 1))
            return self._with(('shuffle', seed,
                               builtins.bool(reshuffle_each_iteration),
                               [fixed, 0]))

        def batch(self, batch_size, drop_remainder=False, **kwargs):
            return self._with(('batch', int(batch_size), drop_remainder))

        def repeat(self, count=None):
            return self._with(('repeat', count))

        def take(self, count):
            return self._with(('take', int(count)))

        def skip(self, count):
            return self._with(('skip', int(count)))

        def flat_map(self, map_func):
            """The elements of the datasets `map_func` makes of each
            element, one dataset after another."""
            return self._with(('flat_map', map_func))

        def interleave(self, map_func, cycle_length=None, block_length=None,
                       num_parallel_calls=None, deterministic=None):
            """The datasets `map_func` makes of `cycle_length` elements
            at a time, read `block_length` elements from each in turn; an
            exhausted one is replaced by the next element's (tf.data's
            order). cycle_length None or AUTOTUNE: the number of CPU
            cores, as tf.data takes."""
            if cycle_length is None or int(cycle_length) == -1:
                import os
                cycle_length = os.cpu_count() or 1
            return self._with(('interleave', map_func, int(cycle_length),
                               int(block_length or 1)))

        def window(self, size, shift=None, stride=1, drop_remainder=False):
            """Windows of `size` elements (every `stride`-th), one
            starting each `shift` elements; each window a dataset (a
            tuple or dict of datasets for structured elements), to be
            read with `flat_map(lambda w: w.batch(size))`."""
            return self._with(('window', int(size), int(shift or size),
                               int(stride), builtins.bool(drop_remainder)))

        def padded_batch(self, batch_size, padded_shapes=None,
                         padding_values=None, drop_remainder=False,
                         name=None):
            """Batches of elements padded at the end of each axis to the
            longest in the batch, or to `padded_shapes` where a size is
            given, with `padding_values` (0, b'' for strings)."""
            return self._with(('padded_batch', int(batch_size),
                               builtins.bool(drop_remainder),
                               padded_shapes, padding_values))

        @property
        def element_spec(self):
            """TensorSpecs (in the elements' structure) of the shapes
            and dtypes the elements share: an axis whose size differs
            between elements, and the batch axis of batches that keep a
            smaller remainder, are None."""
            items, _ = self._pass()
            if not items:
                raise ValueError('element_spec of an empty dataset: its '
                                 'elements give the shapes here.')
            return _element_spec(items, self._open_batch_axis())

        def _open_batch_axis(self):
            open_axis = False
            for step in self._steps:
                if step[0] in ('batch', 'padded_batch'):
                    open_axis = not step[2]
                elif step[0] in ('unbatch', 'flat_map', 'interleave'):
                    open_axis = False
            return open_axis

        def cache(self, filename='', name=None):
            """The elements of the first full pass, kept (in memory, or
            in the files `filename` names) and read by later passes."""
            return self._with(_data_files.cache_step(filename))

        def prefetch(self, buffer_size):
            return self

        def _elements(self):
            return self._pass()[0]

        def _pass(self):
            """(the elements of one pass, whether the pipeline repeats
            without end)."""
            items = list(self._source())
            endless = False
            for index, step in builtins.enumerate(self._steps):
                kind = step[0]
                if endless and kind == 'take' and step[1] >= 0 and items:
                    # Taking from an endless repeat: the passes cycle.
                    items = [items[i % len(items)]
                             for i in builtins.range(step[1])]
                    endless = False
                    continue
                if kind == 'repeat' and step[1] in (None, -1):
                    endless = True
                if kind == 'map':
                    items = [_map_result(step[1](*e) if isinstance(e, tuple)
                                         else step[1](e)) for e in items]
                elif kind == 'filter':
                    items = [e for e in items if builtins.bool(
                        step[1](*e) if isinstance(e, tuple) else step[1](e))]
                elif kind == 'shuffle':
                    items = [items[i] for i in
                             _shuffled_positions(step, len(items))]
                elif kind == 'batch':
                    size, drop = step[1], step[2]
                    if endless and items:
                        # Batches of an endless stream run across the
                        # passes: the cycle of batches spans lcm(pass,
                        # size) elements.
                        items = items * (size // math_gcd(len(items), size))
                    groups = [items[i:i + size] for i in
                              builtins.range(0, len(items), size)]
                    if drop and groups and len(groups[-1]) < size:
                        groups = groups[:-1]
                    items = [_stack_structures(g) for g in groups]
                elif kind == 'repeat':
                    # (A pass, repeated `count` times; an endless repeat is
                    # one pass that fit's steps_per_epoch cycles through.)
                    times = 1 if step[1] in (None, -1) else int(step[1])
                    if times > 1 and _varies_per_pass(self._steps[:index]):
                        # Each repetition reads the input again, as
                        # tf.data does: shuffled anew, mapped anew.
                        again = Dataset(self._source, self._steps[:index])
                        items = items + [
                            e for _ in builtins.range(times - 1)
                            for e in again._pass()[0]]
                    else:
                        items = items * times
                elif kind == 'take':
                    items = items if step[1] < 0 else items[:step[1]]
                elif kind == 'shard':
                    items = items[step[2]::step[1]]
                elif kind == 'cache':
                    items = _data_files.cached_items(step, items, endless)
                elif kind == 'process_share':
                    count = len(items)
                    items = _process_pieces(items, *step[1:4])
                    if step[4] and not endless:
                        items = items[:count]
                elif kind == 'skip':
                    items = [] if step[1] < 0 else items[step[1]:]
                elif kind == 'flat_map':
                    items = [x for e in items for x in _call_on(step[1], e)]
                elif kind == 'interleave':
                    items = _interleaved(items, step[1], step[2], step[3])
                elif kind == 'window':
                    items = [_window_of(part, Dataset) for part in
                             _windows(items, *step[1:])]
                elif kind == 'padded_batch':
                    items = _padded_batches(items, *step[1:])
                elif kind == 'unbatch':
                    items = [_map_structure(lambda v, i=i: v[i], e)
                             for e in items
                             for i in builtins.range(int(
                                 _first_leaf(e).shape[0]))]
                elif kind == 'take_while':
                    kept = []
                    for element in items:
                        if not builtins.bool(_t(_call_on(step[1], element))):
                            break
                        kept.append(element)
                    items = kept
                elif kind == 'assert_cardinality' and not endless and \
                        len(items) != step[1]:
                    raise errors.FailedPreconditionError(
                        None, None, 'Input dataset was expected to contain '
                        '%d elements but contained %s%d elements.' % (
                            step[1], 'only ' if len(items) < step[1]
                            else 'at least ', len(items)))
            return items, endless

        def _ready(self):
            if self._batches is None:
                self._batches = self._elements()
            return self._batches

        def __len__(self):
            return len(self._ready())

        def __getitem__(self, index):
            batches = self._ready()
            return batches[index % len(batches)]

        def on_epoch_end(self):
            if any(step[0] == 'shuffle' for step in self._steps):
                self._batches = None

        def __iter__(self):
            items, endless = self._pass()
            if endless and items:
                return itertools.cycle(items)
            return iter(items)

        def _goes_on_across_epochs(self, steps):
            """Whether fit, given `steps` per epoch, reads on from where
            the last epoch stopped: for an endless repeat (tf.keras makes
            a new iterator only when `steps` is None or the cardinality)."""
            return steps is not None and self._pass()[1]

        def as_numpy_iterator(self):
            for element in self._elements():
                yield _map_structure(lambda v: _t(v).cpu().numpy(), element)

        def cardinality(self):
            """The number of elements; -1 (INFINITE) for an endless
            repeat, -2 (UNKNOWN) where TensorFlow cannot tell it."""
            kind = self._size_kind()
            if kind != 'known':
                return torch.tensor(-1 if kind == 'infinite' else -2)
            items, endless = self._pass()
            return torch.tensor(-1 if endless else len(items))

    class LazyDataset(Dataset):
        """A dataset whose elements are made when read: `load(i)` for the
        i-th (a batch of files read from disk). `map`, `take`, `skip`,
        `shuffle` (the order of the elements, drawn again each epoch) and
        `repeat` stay lazy; other steps read every element first."""

        def __init__(self, count, load, maps=(), order=None,
                     reshuffle=None):
            Dataset.__init__(self, lambda: list(iter(self)))
            self._count = count
            self._load = load
            self._maps = tuple(maps)
            self._order = order
            self._reshuffle = reshuffle

        def _copy(self, **changes):
            made = LazyDataset(self._count, self._load, self._maps,
                               self._order, self._reshuffle)
            made.__dict__.update(
                {k: v for k, v in self.__dict__.items()
                 if k not in made.__dict__})
            for key, value in changes.items():
                setattr(made, '_' + key, value)
            return made

        def _indices(self):
            return self._order if self._order is not None \
                else builtins.range(self._count)

        def __len__(self):
            return len(self._indices())

        def __getitem__(self, index):
            indices = self._indices()
            element = self._load(indices[index % len(indices)])
            for fn in self._maps:
                element = _map_result(fn(*element) if isinstance(
                    element, tuple) else fn(element))
            return element

        def __iter__(self):
            return (self[i] for i in builtins.range(len(self)))

        def _with(self, step):
            kind = step[0]
            indices = list(self._indices())
            if kind == 'map':
                return self._copy(maps=self._maps + (step[1],))
            if kind == 'take':
                return self._copy(order=indices if step[1] < 0
                                  else indices[:step[1]])
            if kind == 'skip':
                return self._copy(order=[] if step[1] < 0
                                  else indices[step[1]:])
            if kind == 'repeat' and step[1] not in (None, -1):
                return self._copy(order=indices * int(step[1]))
            if kind == 'repeat':
                return self
            if kind == 'shuffle':
                generator = np.random.RandomState(step[1])
                return self._copy(order=[indices[i] for i in
                                         generator.permutation(len(indices))],
                                  reshuffle=generator)
            made = Dataset(lambda: list(iter(self)), (step,))
            made._options = self.__dict__.get('_options')
            return made

        def on_epoch_end(self):
            if self._reshuffle is not None:
                self._order = [self._order[i] for i in
                               self._reshuffle.permutation(len(self._order))]
            hook = self.__dict__.get('_epoch_hook')
            if hook is not None:
                hook()

        def cardinality(self):
            return torch.tensor(len(self))

    Dataset._Lazy = LazyDataset
    return Dataset


# ---------------------------------------------------------------- io
io = _submodule('io', 'File reading and image decoding.')
audio = _submodule('audio', 'WAV decoding and encoding.')
audio.decode_wav = _audio_ops.decode_wav
audio.encode_wav = _audio_ops.encode_wav


def _text(value):
    if isinstance(value, torch.Tensor):
        value = value.item()
    if isinstance(value, np.ndarray):
        value = value.item()
    return value.decode('utf8') if isinstance(value, (bytes, np.bytes_)) \
        else str(value)


def _read_file(filename, name=None):
    """The file's bytes (TensorFlow's string tensor, as Python bytes)."""
    with builtins.open(_text(filename), 'rb') as f:
        return _StringScalar(f.read())


def _decode_image(contents, channels=0, dtype=None, name=None,
                  expand_animations=True):
    """PNG / JPEG / BMP / GIF bytes as a uint8 (H, W, C) tensor with
    `channels` channels (0: the file's own), decoded as TensorFlow does
    (grey PNGs through libpng's weights)."""
    import io as _bytes_io
    from PIL import Image
    from .utils.dataset_utils import _decoded
    with Image.open(_bytes_io.BytesIO(contents)) as picture:
        mode = {1: 'L', 3: 'RGB', 4: 'RGBA'}.get(int(channels or 0))
        if mode is None:
            mode = {'L': 'L', 'LA': 'RGBA', 'RGBA': 'RGBA'}.get(
                picture.mode, 'RGB')
        pixels = _decoded(picture, mode)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    # (A copy: PIL hands out read-only pixels.)
    result = torch.from_numpy(np.array(pixels, order='C'))
    if dtype is not None:
        result = _convert_image_dtype(result, dtype)
    return result


io.read_file = _read_file
io.decode_image = _decode_image
io.decode_png = io.decode_jpeg = io.decode_bmp = io.decode_gif = \
    lambda contents, channels=0, *args, **kwargs: _decode_image(
        contents, channels)
image.decode_image = io.decode_image
image.decode_png = image.decode_jpeg = io.decode_png
read_file = io.read_file
io.decode_raw = decode_raw = _file_ops.decode_raw
io.encode_png = image.encode_png = _file_ops.encode_png
io.encode_jpeg = image.encode_jpeg = _file_ops.encode_jpeg
io.write_file = write_file = _file_ops.write_file


def is_tensor(x):
    """Whether `x` is a tensor (a torch tensor or a symbolic one)."""
    return isinstance(x, torch.Tensor) or \
        builtins.bool(getattr(x, '_is_keras_symbolic', False))


nest = _submodule('nest', 'Nested structures.')


def _nest_flatten(structure, expand_composites=False):
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure)
                for leaf in _nest_flatten(structure[key])]
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in _nest_flatten(item)]
    return [structure]


def _nest_pack(structure, flat_sequence, expand_composites=False):
    leaves = iter(flat_sequence)

    def pack(value):
        if isinstance(value, dict):
            # (Leaves in sorted key order; the dict keeps its own order
            # and type, as TensorFlow's nest packs them.)
            packed = {key: pack(value[key]) for key in sorted(value)}
            kind = type(value) if type(value) in (
                dict, collections.OrderedDict) else dict
            return kind((key, packed[key]) for key in value)
        if isinstance(value, (list, tuple)):
            packed = [pack(v) for v in value]
            # (A namedtuple, LSTMStateTuple(c, h), takes its fields.)
            return type(value)(*packed) if hasattr(value, '_fields') \
                else type(value)(packed)
        return next(leaves)
    return pack(structure)


nest.flatten = _nest_flatten
nest.pack_sequence_as = _nest_pack
nest.map_structure = lambda func, *structures, **kwargs: _nest_pack(
    structures[0], [func(*leaves) for leaves in builtins.zip(
        *[_nest_flatten(s) for s in structures])])
nest.is_nested = lambda value: isinstance(value, (list, tuple, dict))
nest.is_sequence = nest.is_nested


data = _submodule('data', 'Input pipelines.')
data.Dataset = _datasets_module()
data.AUTOTUNE = -1
data.TextLineDataset = _text_line_dataset(data.Dataset)
from . import tensorflow_records as _records  # noqa: E402
data.TFRecordDataset = _records.tfrecord_dataset(data.Dataset, _file_names,
                                                 _interleaved)
for _name in ('TFRecordWriter', 'TFRecordOptions', 'FixedLenFeature',
              'VarLenFeature', 'FixedLenSequenceFeature',
              'parse_single_example', 'parse_example',
              'parse_single_sequence_example'):
    setattr(io, _name, getattr(_records, _name))
data.Dataset.list_files = staticmethod(
    lambda file_pattern, shuffle=None, seed=None, name=None: _list_files(
        file_pattern, shuffle, seed, data.Dataset))
io.decode_csv = _decode_csv
data.experimental = _submodule('data.experimental', 'Pipeline options.')
data.experimental.AUTOTUNE = -1
data.INFINITE_CARDINALITY = data.experimental.INFINITE_CARDINALITY = -1
data.UNKNOWN_CARDINALITY = data.experimental.UNKNOWN_CARDINALITY = -2
data.experimental.cardinality = lambda dataset: dataset.cardinality()
data.experimental.assert_cardinality = \
    lambda expected_cardinality: lambda dataset: dataset._with(
        ('assert_cardinality', int(_t(expected_cardinality))))
data.Options = DataOptions
data.experimental.AutoShardPolicy = AutoShardPolicy
data.experimental.DistributeOptions = _Options
from . import tensorflow_dataset_mix as _dataset_mix  # noqa: E402
_dataset_mix.install(data)
from . import tensorflow_data_files as _data_files  # noqa: E402
_data_files.install(data)
from . import tensorflow_iterators as _iterators  # noqa: E402
_iterators.install(data)


# -------------------------------------------------------- math namespace
math = _submodule('math', 'Mathematical operations.')
for _name in ('add', 'subtract', 'multiply', 'divide', 'truediv',
              'floordiv', 'floormod', 'mod', 'squared_difference', 'maximum',
              'minimum', 'pow', 'equal', 'not_equal', 'greater',
              'greater_equal', 'less', 'less_equal', 'logical_and',
              'logical_or', 'logical_xor', 'logical_not', 'negative', 'abs',
              'sign', 'square', 'sqrt', 'rsqrt', 'exp', 'expm1', 'log',
              'log1p', 'floor', 'ceil', 'round', 'reciprocal', 'sin', 'cos',
              'tan', 'atan', 'atan2', 'asin', 'acos', 'sinh', 'cosh',
              'tanh', 'sigmoid', 'erf', 'lgamma', 'digamma', 'is_nan',
              'is_inf', 'is_finite', 'softplus', 'log_sigmoid', 'add_n',
              'reduce_sum', 'reduce_mean', 'reduce_max', 'reduce_min',
              'reduce_prod', 'reduce_any', 'reduce_all', 'reduce_logsumexp',
              'reduce_variance', 'reduce_std', 'count_nonzero', 'argmax',
              'argmin', 'cumsum', 'cumprod', 'top_k', 'in_top_k'):
    setattr(math, _name, globals().get(_name) or getattr(nn, _name))
math.softmax = _softmax
math.log_softmax = _log_softmax
math.unsorted_segment_sum = lambda data, segment_ids, num_segments, \
    name=None: _op(lambda d, i: torch.zeros(
        (int(num_segments),) + tuple(_t(d).shape[_t(i).dim():]),
        dtype=_t(d).dtype, device=_t(d).device).index_add_(
            0, _t(i).long().reshape(-1), _t(d).reshape(
                (-1,) + tuple(_t(d).shape[_t(i).dim():]))),
        'unsorted_segment_sum')(data, segment_ids)
unsorted_segment_sum = math.unsorted_segment_sum
math.divide_no_nan = _binary('divide_no_nan', lambda a, b: torch.where(
    _t(b) == 0, torch.zeros_like(_t(a) / _t(b)), _t(a) / _t(b)))
math.l2_normalize = _l2_normalize
math.softplus = softplus


def _float_operand(x):
    """Python numbers become float32 where an op accepts only floats."""
    x = _t(x)
    return x if x.dtype.is_floating_point else x.to(torch.float32)


math.nextafter = _binary('nextafter', lambda a, b: torch.nextafter(
    _float_operand(a), _float_operand(b).to(_float_operand(a).dtype)))
linalg = _submodule('linalg', 'Linear algebra.')
linalg.matmul = matmul
linalg.matvec = matvec
linalg.einsum = einsum
linalg.tensordot = tensordot
linalg.norm = norm
linalg.l2_normalize = _l2_normalize
linalg.eye = eye
linalg.transpose = transpose


def _band_part(input, num_lower, num_upper, name=None):  # noqa: A002
    """Keeps the band of `num_lower` sub- and `num_upper` superdiagonals
    of the innermost matrices (-1: all)."""
    def fn(x):
        x = _t(x)
        rows = torch.arange(x.shape[-2], device=x.device)[:, None]
        cols = torch.arange(x.shape[-1], device=x.device)[None, :]
        keep = torch.ones_like(rows - cols, dtype=torch.bool)
        if num_lower >= 0:
            keep = keep & (rows - cols <= num_lower)
        if num_upper >= 0:
            keep = keep & (cols - rows <= num_upper)
        return torch.where(keep, x, torch.zeros_like(x))
    return _op(fn, 'band_part')(input)


linalg.band_part = matrix_band_part = _band_part
linalg.diag_part = _unary('diag_part', lambda x: torch.diagonal(
    _t(x), dim1=-2, dim2=-1))
linalg.diag = _unary('diag', lambda x: torch.diag_embed(_t(x)))
linalg.trace = _unary('trace', lambda x: torch.diagonal(
    _t(x), dim1=-2, dim2=-1).sum(-1))
linalg.inv = _unary('inv', lambda x: torch.linalg.inv(_t(x)))
linalg.det = _unary('det', lambda x: torch.linalg.det(_t(x)))
matrix_inverse = linalg.inv
matrix_determinant = linalg.det
trace = linalg.trace
diag_part = linalg.diag_part
diag = linalg.diag
matrix_diag = linalg.diag

random = _submodule('random', 'Random values.')
random.uniform = random_uniform
random.normal = random_normal
random.truncated_normal = truncated_normal
random.shuffle = random_shuffle
random.Generator = _RandomGenerator
random.set_seed = set_random_seed


def _categorical(logits, num_samples, dtype=None, seed=None, name=None):
    probabilities = torch.softmax(_t(logits).float(), -1)
    return torch.multinomial(probabilities, int(num_samples),
                             replacement=True).to(
        _ops.torch_dtype(dtype or int64))


random.categorical = multinomial = _categorical
random.set_random_seed = set_random_seed

dtypes = _submodule('dtypes', 'Data types.')
for _name in ('float16', 'float32', 'float64', 'bfloat16', 'int8', 'int16',
              'int32', 'int64', 'uint8', 'bool', 'complex64', 'complex128',
              'string', 'as_dtype'):
    setattr(dtypes, _name, globals()[_name])
dtypes.DType = DType


# ------------------------------------------------------- train (TF1)
train = _submodule('train', 'TF1 optimizers that Keras 2 compile took.')
for _name in ('Example', 'SequenceExample', 'Features', 'Feature',
              'FeatureList', 'FeatureLists', 'BytesList', 'FloatList',
              'Int64List'):
    setattr(train, _name, getattr(_records, _name))


def _adam_optimizer(learning_rate=0.001, beta1=0.9, beta2=0.999,
                    epsilon=1e-08, use_locking=False, name='Adam'):
    """tf.train.AdamOptimizer: Keras's Adam has the same update."""
    from .optimizers import Adam
    return Adam(learning_rate=learning_rate, beta_1=beta1, beta_2=beta2,
                epsilon=epsilon)


def _gradient_descent_optimizer(learning_rate, use_locking=False,
                                name='GradientDescent'):
    from .optimizers import SGD
    return SGD(learning_rate=learning_rate)


def _momentum_optimizer(learning_rate, momentum, use_locking=False,
                        name='Momentum', use_nesterov=False):
    """tf.train.MomentumOptimizer: `accum = momentum * accum + g;  p -=
    lr * accum` (nesterov: `p -= lr * g + lr * momentum * accum`). Its
    accumulator is Keras SGD's velocity divided by -lr only while the
    rate stays constant; a rate changed between steps (a placeholder fed
    per run, a variable assigned) scales the whole accumulator."""
    from .optimizers import SGD

    class TF1Momentum(SGD):
        def _update(self, params, grads, iterations):
            lr = self._lr_now(iterations)
            momentum = self._hyper_value('momentum')
            accumulators = [self._slot(p, 'momentum') for p in params]
            torch._foreach_mul_(accumulators, momentum)
            torch._foreach_add_(accumulators, grads)
            if self.nesterov:
                torch._foreach_add_(params, grads, alpha=-lr)
                torch._foreach_add_(params, accumulators,
                                    alpha=-lr * momentum)
            else:
                torch._foreach_add_(params, accumulators, alpha=-lr)

    return TF1Momentum(learning_rate=learning_rate, momentum=momentum,
                       nesterov=use_nesterov)


def _unsupported_tf_optimizer(name, keras_name):
    def make(*args, **kwargs):
        raise NotImplementedError(
            'tf.train.%s is not supported: its update differs from every '
            'Keras optimizer. Use keras.optimizers.%s.' % (name, keras_name))
    make.__name__ = name
    return make


train.AdamOptimizer = _adam_optimizer
train.GradientDescentOptimizer = _gradient_descent_optimizer
train.MomentumOptimizer = _momentum_optimizer
def _rmsprop_optimizer(learning_rate, decay=0.9, momentum=0.0,
                       epsilon=1e-10, use_locking=False, centered=False,
                       name='RMSProp'):
    """tf.train.RMSPropOptimizer: epsilon inside the square root, and the
    mean square starting at 1 (TF1's slot initialiser)."""
    from .optimizers import RMSprop

    class TF1RMSProp(RMSprop):
        def _slot(self, p, slot_name):
            state = self.state[p]
            if slot_name == 'accumulator' and slot_name not in state:
                state[slot_name] = torch.ones_like(p)
            return super(TF1RMSProp, self)._slot(p, slot_name)

    return TF1RMSProp(learning_rate=learning_rate, rho=decay,
                      momentum=momentum, epsilon=epsilon, centered=centered,
                      is_legacy_optimizer=False)


def _adagrad_optimizer(learning_rate, initial_accumulator_value=0.1,
                       use_locking=False, name='Adagrad'):
    """tf.train.AdagradOptimizer: Keras's Adagrad without epsilon."""
    from .optimizers import Adagrad
    return Adagrad(learning_rate=learning_rate,
                   initial_accumulator_value=initial_accumulator_value,
                   epsilon=0.0)


def _adadelta_optimizer(learning_rate=0.001, rho=0.95, epsilon=1e-08,
                        use_locking=False, name='Adadelta'):
    """tf.train.AdadeltaOptimizer: Keras's Adadelta update."""
    from .optimizers import Adadelta
    return Adadelta(learning_rate=learning_rate, rho=rho, epsilon=epsilon)


train.RMSPropOptimizer = _rmsprop_optimizer
train.AdagradOptimizer = _adagrad_optimizer
train.AdadeltaOptimizer = _adadelta_optimizer


def _tf1_optimizer_factory(make):
    """`make`, its optimizers counted as instances of tf.train.Optimizer.
    A learning rate given as a variable (or an expression of variables)
    is read at each step, as TensorFlow 1's optimizers read the tensor
    they were given (`lr.assign(lr * 0.5)` run in a session slows the
    steps after it)."""
    @functools.wraps(make)
    def factory(*args, **kwargs):
        rate = kwargs.get('learning_rate', args[0] if args else None)
        fed = getattr(rate, '_is_keras_symbolic', False)
        if fed:
            # A graph tensor (a placeholder fed per run): each training
            # operation's run takes its value in that run.
            if 'learning_rate' in kwargs:
                kwargs['learning_rate'] = 0.0
            else:
                args = (0.0,) + tuple(args[1:])
        _refuse_graph_hypers(make, args, kwargs)
        optimizer = make(*args, **kwargs)
        optimizer.__dict__['_keras_tf1_optimizer'] = True
        # (TensorFlow 1's two-part minimize: compute_gradients, then
        # apply_gradients of the pairs, clipped or not.)
        optimizer.__dict__['compute_gradients'] = functools.partial(
            _TF1Optimizer.compute_gradients, optimizer)
        from .backend import variable_graph
        if fed:
            optimizer.__dict__['_keras_graph_hypers'] = {
                'learning_rate': rate}
        elif variable_graph._takes_part(rate):
            optimizer._hyper['learning_rate'] = rate
        return optimizer
    return factory


def _refuse_graph_hypers(make, args, kwargs):
    """A graph tensor is taken as the learning rate only."""
    import inspect
    bound = inspect.signature(make).bind_partial(*args, **kwargs)
    for name, value in bound.arguments.items():
        if getattr(value, '_is_keras_symbolic', False):
            raise NotImplementedError(
                'tf.train.%s(%s=<graph tensor>) is not supported: of the '
                'hyperparameters only learning_rate may be a placeholder '
                'fed per run. Give %s as a number or a tf.Variable '
                '(assigned between runs).' % (make.__name__.strip('_').title()
                                              .replace('_', ''), name, name))


for _name in ('AdamOptimizer', 'GradientDescentOptimizer',
              'MomentumOptimizer', 'RMSPropOptimizer', 'AdagradOptimizer',
              'AdadeltaOptimizer'):
    setattr(train, _name, _tf1_optimizer_factory(getattr(train, _name)))
from .tensorflow_train_optimizer import Optimizer as _TF1Optimizer  # noqa
train.Optimizer = _TF1Optimizer


def _latest_checkpoint(checkpoint_dir, latest_filename=None):
    """tf.train.latest_checkpoint: the weights saved last in
    `checkpoint_dir` (`model.save_weights('dir/cp.ckpt')`, ModelCheckpoint
    with save_weights_only), read from its `checkpoint` file; None
    without one."""
    local_dir = _gfile_module.local_path(checkpoint_dir)
    state = os.path.join(local_dir, latest_filename or 'checkpoint')
    if not os.path.isfile(state):
        return None
    with open(state) as handle:
        for line in handle:
            key, _, value = line.partition(':')
            if key.strip() == 'model_checkpoint_path':
                path = value.strip().strip('"')
                local = path if os.path.isabs(path) else \
                    os.path.join(local_dir, path)
                if os.path.exists(local) or os.path.exists(local + '.index'):
                    return path if os.path.isabs(path) else \
                        os.path.join(checkpoint_dir, path)
                return None
    return None


train.latest_checkpoint = _latest_checkpoint
from . import tensorflow_event_protos as _event_protos  # noqa: E402
train.summary_iterator = _event_protos.summary_iterator
from . import tensorflow_monitored_session as _monitored  # noqa: E402
_monitored.install(train)
from . import tensorflow_supervisor as _supervisor  # noqa: E402
_supervisor.install(train)


def _install_checkpoint():
    from . import tensorflow_checkpoint as _checkpoint
    train.Checkpoint = _checkpoint.Checkpoint
    train.CheckpointManager = _checkpoint.CheckpointManager
    train.list_variables = _checkpoint.list_variables
    train.load_variable = _checkpoint.load_variable
    train.load_checkpoint = _checkpoint.load_checkpoint
    train.NewCheckpointReader = _checkpoint.CheckpointReader


_install_checkpoint()


def _write_graph(graph_or_graph_def, logdir, name, as_text=True):
    raise NotImplementedError(_NO_GRAPH_DEF % 'tf.train.write_graph')


def _convert_variables_to_constants(sess, input_graph_def, output_node_names,
                                    variable_names_whitelist=None,
                                    variable_names_blacklist=None):
    raise NotImplementedError(
        _NO_GRAPH_DEF % 'tf.graph_util.convert_variables_to_constants')


train.Saver = _variables.Saver
for _name in ('get_global_step', 'create_global_step',
              'get_or_create_global_step', 'global_step'):
    setattr(train, _name, getattr(_variables, _name))
train.write_graph = _write_graph
graph_util = _submodule('graph_util', 'TF1 graph freezing.')
graph_util.convert_variables_to_constants = _convert_variables_to_constants


# ---------------------------------------------------- logging, config
logging = _submodule('logging', 'TF1 logging.')
logging.DEBUG, logging.INFO, logging.WARN, logging.ERROR, logging.FATAL = \
    10, 20, 30, 40, 50
logging.WARNING = logging.WARN
logging.set_verbosity = lambda level: None
logging.get_verbosity = lambda: logging.WARN
logging.info = lambda msg, *args: None
logging.debug = lambda msg, *args: None
logging.warning = logging.warn = lambda msg, *args: warnings.warn(
    msg % args if args else msg)
logging.error = lambda msg, *args: sys.stderr.write(
    (msg % args if args else msg) + '\n')

autograph = _submodule('autograph', 'AutoGraph settings.')
autograph.set_verbosity = lambda level, alsologtostdout=False: None


class PhysicalDevice(collections.namedtuple('PhysicalDevice',
                                            ['name', 'device_type'])):
    """A device as tf.config lists it."""


def _list_physical_devices(device_type=None):
    found = [PhysicalDevice('/physical_device:CPU:0', 'CPU')]
    if torch.cuda.is_available():
        found += [PhysicalDevice('/physical_device:GPU:%d' % i, 'GPU')
                  for i in builtins.range(torch.cuda.device_count())]
    if device_type is None:
        return found
    return [d for d in found if d.device_type == device_type.upper()]


def _set_num_threads(count):
    if count:
        torch.set_num_threads(int(count))


def _set_interop_threads(count):
    if count:
        try:
            torch.set_num_interop_threads(int(count))
        except RuntimeError:
            # Only possible before any parallel work started.
            pass


config = _submodule('config', 'Device and thread settings.')
config.list_physical_devices = _list_physical_devices
config.list_logical_devices = _list_physical_devices
config.get_visible_devices = _list_physical_devices
config.set_visible_devices = lambda devices, device_type=None: None
config.experimental = _submodule('config.experimental', 'Device settings.')
config.experimental.list_physical_devices = _list_physical_devices
config.experimental.list_logical_devices = _list_physical_devices
config.experimental.set_memory_growth = lambda device, enable: None
config.experimental.get_memory_growth = lambda device: True
config.experimental.set_visible_devices = config.set_visible_devices
config.experimental.set_virtual_device_configuration = \
    lambda device, configurations: None
config.set_logical_device_configuration = \
    config.experimental.set_virtual_device_configuration
config.experimental.VirtualDeviceConfiguration = _Options
config.experimental.enable_op_determinism = _enable_op_determinism
config.experimental.disable_op_determinism = _disable_op_determinism
config.LogicalDeviceConfiguration = _Options
config.threading = _submodule('config.threading', 'Thread settings.')
config.threading.set_intra_op_parallelism_threads = _set_num_threads
config.threading.set_inter_op_parallelism_threads = _set_interop_threads
config.threading.get_intra_op_parallelism_threads = torch.get_num_threads
config.threading.get_inter_op_parallelism_threads = \
    torch.get_num_interop_threads
config.run_functions_eagerly = lambda run_eagerly: None
config.experimental_run_functions_eagerly = config.run_functions_eagerly
config.optimizer = _submodule('config.optimizer', 'Graph optimizer.')
config.optimizer.set_jit = lambda enabled: None



def _connect_to_cluster(cluster_spec_or_resolver, *args, **kwargs):
    """Reached only with a TPU or remote cluster, which PyTorch here has
    not: refused by name."""
    raise NotImplementedError(
        'tf.config.experimental_connect_to_cluster: remote TensorFlow '
        'clusters and TPUs are not supported; run several processes with '
        'torchrun instead (see keras_compat.distributed).')


config.experimental_connect_to_cluster = _connect_to_cluster
config.experimental_connect_to_host = _connect_to_cluster

# tf.distribute (strategies over this run's torchrun processes).
distribute = _submodule('distribute', _distribute.__doc__)
for _name in ('ReduceOp', 'InputContext', 'ReplicaContext', 'Strategy',
              'MirroredStrategy', 'MultiWorkerMirroredStrategy',
              'OneDeviceStrategy', 'TPUStrategy', 'NcclAllReduce',
              'HierarchicalCopyAllReduce', 'ReductionToOneDevice',
              'get_strategy', 'has_strategy', 'in_cross_replica_context',
              'get_replica_context', 'experimental_set_strategy'):
    setattr(distribute, _name, getattr(_distribute, _name))
distribute.cluster_resolver = _submodule('distribute.cluster_resolver',
                                         'Cluster resolvers.')
distribute.cluster_resolver.TPUClusterResolver = \
    _distribute.TPUClusterResolver
for _name in ('TFConfigClusterResolver', 'SimpleClusterResolver'):
    setattr(distribute.cluster_resolver, _name, getattr(_distribute, _name))
distribute.cluster_resolver.ClusterResolver = \
    _distribute.SimpleClusterResolver
train.ClusterSpec = _distribute.ClusterSpec
from . import tensorflow_v1_distributed as _v1_distributed  # noqa: E402
_v1_distributed.install(train, distribute)
nn.compute_average_loss = _distribute.compute_average_loss
nn.scale_regularization_loss = _distribute.scale_regularization_loss
distribute.experimental = _submodule('distribute.experimental',
                                     'Strategies of tf 2.0-2.3.')
distribute.experimental.TPUStrategy = _distribute.TPUStrategy
distribute.experimental.MultiWorkerMirroredStrategy = \
    _distribute.MultiWorkerMirroredStrategy
distribute.experimental.ParameterServerStrategy = \
    _distribute.ParameterServerStrategy
distribute.experimental.CommunicationOptions = _Options
distribute.experimental.CollectiveCommunication = _Options(
    AUTO='AUTO', RING='RING', NCCL='NCCL')
distribute.experimental.CommunicationImplementation = \
    distribute.experimental.CollectiveCommunication
tpu = _submodule('tpu', 'TPU systems.')
tpu.experimental = _submodule('tpu.experimental', 'TPU systems.')
tpu.experimental.initialize_tpu_system = _connect_to_cluster

test = _submodule('test', 'Device queries.')
test.is_gpu_available = lambda cuda_only=False, min_cuda_compute_capability=\
    None: torch.cuda.is_available()
test.is_built_with_cuda = lambda: torch.backends.cuda.is_built()
test.gpu_device_name = lambda: '/device:GPU:0' \
    if torch.cuda.is_available() else ''

errors = _submodule('errors', 'TensorFlow error classes.')


class OpError(Exception):
    """Base of TensorFlow's runtime errors: `OpError(node_def, op,
    message)` as TensorFlow raises them, or `OpError(message)`."""

    def __init__(self, *args, **kwargs):
        if kwargs:
            args = tuple(args) + tuple(
                kwargs.pop(key, None)
                for key in ('node_def', 'op', 'message')[len(args):])
        super(OpError, self).__init__(*args)
        self.message = args[2] if len(args) >= 3 else \
            (args[0] if args else '')
        self.node_def = args[0] if len(args) >= 3 else None
        self.op = args[1] if len(args) >= 3 else None
        if len(args) >= 4:
            self.error_code = args[3]

    error_code = 2      # (UNKNOWN, for OpError itself)

    def __str__(self):
        return str(self.message)


# (Each class with its canonical error code, TensorFlow's numbering.)
_ERROR_CODES = (
    ('CancelledError', 'CANCELLED', 1), ('UnknownError', 'UNKNOWN', 2),
    ('InvalidArgumentError', 'INVALID_ARGUMENT', 3),
    ('DeadlineExceededError', 'DEADLINE_EXCEEDED', 4),
    ('NotFoundError', 'NOT_FOUND', 5),
    ('AlreadyExistsError', 'ALREADY_EXISTS', 6),
    ('PermissionDeniedError', 'PERMISSION_DENIED', 7),
    ('ResourceExhaustedError', 'RESOURCE_EXHAUSTED', 8),
    ('FailedPreconditionError', 'FAILED_PRECONDITION', 9),
    ('AbortedError', 'ABORTED', 10), ('OutOfRangeError', 'OUT_OF_RANGE', 11),
    ('UnimplementedError', 'UNIMPLEMENTED', 12),
    ('InternalError', 'INTERNAL', 13), ('UnavailableError', 'UNAVAILABLE', 14),
    ('DataLossError', 'DATA_LOSS', 15),
    ('UnauthenticatedError', 'UNAUTHENTICATED', 16))
errors.OK = 0
for _name, _code_name, _code in _ERROR_CODES:
    setattr(errors, _name, type(_name, (OpError,), {'error_code': _code}))
    setattr(errors, _code_name, _code)
errors.OpError = OpError
errors.exception_type_from_error_code = lambda error_code: {
    code: getattr(errors, name) for name, _, code in _ERROR_CODES}[
        error_code]
errors.error_code_from_exception_type = lambda cls: cls.error_code
_candidate_sampling.install(random, nn, errors.InvalidArgumentError)
# tf.io.gfile, and TF1's tf.gfile (also tf.compat.v1.gfile): local files.
io.gfile = _gfile_module.make_gfile_module(errors)
gfile = _gfile_module.make_tf1_gfile_module(io.gfile)
# tf.saved_model for Keras models: the directories model.save writes.
saved_model = _saved_model_directory.make_saved_model_module()


class GradientTape(object):
    """tf.GradientTape on torch autograd: operations run with gradients
    recorded inside the `with` block, and `tape.gradient(target, sources)`
    gives the gradients of `target` (summed when it is not a scalar) for
    variables, layer weights (`model.trainable_weights`, in their Keras
    layout) or tensors given to `watch`; None for a source it does not
    depend on. A tape that is not `persistent` answers once. Gradients
    taken inside another tape's block are recorded by it (second order,
    as a WGAN-GP gradient penalty needs)."""

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self.persistent = persistent
        self._used = False
        self._grad_mode = None

    # The tapes whose `with` block is running, innermost last.
    _recording = []
    # The tapes that recorded and have not answered yet: two tapes over
    # one computation (a GAN's generator and discriminator tapes) each
    # answer, so the first answer keeps the shared graph.
    _unanswered = _tape_values.WAITING
    # The tensors `watch` made require gradients.
    _watched = []

    def __enter__(self):
        self._grad_mode = torch.enable_grad()
        self._grad_mode.__enter__()
        # (The weights read keep their values for this tape's answer,
        # should an optimizer update them first.)
        if not self._others_unanswered():
            _tape_values.forget()
        self._saving = _tape_values.recording()
        self._saving.__enter__()
        GradientTape._recording.append(self)
        GradientTape._unanswered.add(self)
        return self

    def _others_unanswered(self):
        return any(tape is not self and (tape.persistent or not tape._used)
                   for tape in list(GradientTape._unanswered))

    def __exit__(self, *exc):
        if self in GradientTape._recording:
            GradientTape._recording.remove(self)
        self._saving.__exit__(*exc)
        self._grad_mode.__exit__(*exc)
        return False

    def watch(self, tensor):
        for value in (tensor if isinstance(tensor, (list, tuple))
                      else [tensor]):
            if isinstance(value, torch.Tensor) and \
                    value.is_floating_point() and not value.requires_grad:
                value.requires_grad_(True)
                GradientTape._watched.append(
                    (value, [weakref.ref(tape)
                             for tape in GradientTape._recording]))

    def _done(self):
        return self not in GradientTape._recording and self._used and \
            not self.persistent

    @classmethod
    def _release_watched(cls):
        """A watched tensor stops requiring gradients once the tapes that
        were recording when it was watched have answered (or are gone),
        as TensorFlow's watched tensors stay plain values: a torch leaf
        requiring gradients refuses in-place updates (gradient ascent's
        `image += step * grads`)."""
        kept = []
        for value, tapes in cls._watched:
            if all(ref() is None or ref()._done() for ref in tapes):
                value.requires_grad_(False)
            else:
                kept.append((value, tapes))
        cls._watched[:] = kept

    def reset(self):
        self._used = False

    def _claim_answer(self):
        """A non-persistent tape answers once (gradient, jacobian or
        batch_jacobian), as in TensorFlow."""
        if self._used and not self.persistent:
            raise RuntimeError('A non-persistent GradientTape can only be '
                               'used to compute one set of gradients (or '
                               'jacobians)')
        self._used = True

    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients='none'):
        """The gradients of `target` (a tensor, or a list of them whose
        gradients add up) for `sources` (a variable, tensor, or nested
        list/tuple/dict of them), in the structure of `sources`; None
        (or zeros, `unconnected_gradients='zero'`) for a source the
        target does not depend on, a constant the tape did not watch
        included."""
        self._claim_answer()
        mode = _unconnected_mode(unconnected_gradients)
        flat_sources = _nest_flatten(sources)
        grads = self._flat_gradients(target, flat_sources, output_gradients)
        result = [_unconnected_value(g, source, mode)
                  for g, source in zip(grads, flat_sources)]
        GradientTape._release_watched()
        return _nest_pack(sources, result)

    def _flat_gradients(self, target, flat_sources, output_gradients):
        from .backend import replay, variable_graph
        targets = [replay.weight_parameter(v) if isinstance(v, torch.Tensor)
                   else (v, None) for v in flat_sources]
        with torch.enable_grad():
            # (An expression of variables is computed now, with gradients.)
            outputs = [_t(variable_graph.current(t))
                       for t in _nest_flatten(target)]
        seeds = _nest_flatten(output_gradients) \
            if output_gradients is not None else [None] * len(outputs)
        pairs = [(o, _gradient_seed(o, s)) for o, s in zip(outputs, seeds)
                 if o.requires_grad]
        wanted = [i for i, (t, _) in enumerate(targets)
                  if isinstance(t, torch.Tensor) and t.requires_grad]
        grads = [None] * len(targets)
        if not pairs or not wanted:
            return grads
        # Inside another tape's block (a gradient penalty), the gradients
        # are themselves recorded, for that tape to differentiate.
        outer = any(t is not self for t in GradientTape._recording)
        with torch._C.DisableTorchFunctionSubclass():
            # (Variables do not record this call as an expression.)
            found = torch.autograd.grad(
                [o for o, _ in pairs], [targets[i][0] for i in wanted],
                grad_outputs=[s for _, s in pairs],
                retain_graph=self.persistent or outer or
                self._others_unanswered(), create_graph=outer,
                allow_unused=True)
        if not self.persistent:
            GradientTape._unanswered.discard(self)
            if not self._others_unanswered():
                _tape_values.forget()
        for i, g in zip(wanted, found):
            to_keras = targets[i][1]
            grads[i] = g if g is None or to_keras is None else to_keras(g)
        return grads

    def jacobian(self, target, sources, unconnected_gradients='none',
                 parallel_iterations=None, experimental_use_pfor=True):
        """d target[i...] / d source[j...], of shape target.shape +
        source.shape, for each source (in the structure of `sources`)."""
        self._claim_answer()
        mode = _unconnected_mode(unconnected_gradients)
        flat_sources = _nest_flatten(sources)
        output = _t(target)
        rows = []
        for index in builtins.range(output.numel()):
            seed = torch.zeros(output.numel(), dtype=output.dtype,
                               device=output.device)
            seed[index] = 1
            keep, self.persistent = self.persistent, True
            try:
                rows.append(self._flat_gradients(
                    output, flat_sources, seed.reshape(output.shape)))
            finally:
                self.persistent = keep
        result = []
        for j, source in enumerate(flat_sources):
            column = [row[j] for row in rows]
            if all(g is None for g in column):
                result.append(_unconnected_value(None, source, mode) if
                              mode == 'none' else torch.zeros(
                                  tuple(output.shape) + tuple(source.shape),
                                  dtype=source.dtype, device=source.device))
                continue
            column = [torch.zeros_like(_t(source)) if g is None else g
                      for g in column]
            result.append(torch.stack(column).reshape(
                tuple(output.shape) + tuple(source.shape)))
        return _nest_pack(sources, result)

    def batch_jacobian(self, target, source, unconnected_gradients='none',
                       parallel_iterations=None, experimental_use_pfor=True):
        """d target[b, i...] / d source[b, j...] for each row b, of shape
        target.shape + source.shape[1:]: as TensorFlow, the gradient of
        target[:, i...] summed over the batch, which is each row's own
        gradient when the rows are computed independently."""
        self._claim_answer()
        mode = _unconnected_mode(unconnected_gradients)
        output, inputs = _t(target), _t(source)
        if output.shape[0] != inputs.shape[0]:
            raise ValueError(
                'Need first dimension of target shape (%s) and source '
                'shape (%s) to match.' % (list(output.shape),
                                          list(inputs.shape)))
        rows = output.reshape(output.shape[0], -1)
        columns = []
        for index in builtins.range(rows.shape[1]):
            seed = torch.zeros_like(rows)
            seed[:, index] = 1
            keep, self.persistent = self.persistent, True
            try:
                columns.append(self._flat_gradients(
                    output, [source], seed.reshape(output.shape))[0])
            finally:
                self.persistent = keep
        shape = tuple(output.shape) + tuple(inputs.shape[1:])
        if all(g is None for g in columns):
            return None if mode == 'none' else torch.zeros(
                shape, dtype=inputs.dtype, device=inputs.device)
        columns = [torch.zeros_like(inputs) if g is None else g
                   for g in columns]
        return torch.stack(columns, 1).reshape(shape)


class UnconnectedGradients(object):
    """tf.UnconnectedGradients: what `tape.gradient` gives for a source
    the target does not depend on (None, or zeros)."""
    NONE = 'none'
    ZERO = 'zero'


def _unconnected_mode(value):
    mode = getattr(value, 'value', value)
    if mode not in ('none', 'zero'):
        raise ValueError('Unknown value for unconnected_gradients: %r'
                         % (value,))
    return mode


def _unconnected_value(grad, source, mode):
    if grad is None and mode == 'zero':
        return torch.zeros_like(_t(source))
    return grad


def _gradient_seed(output, seed):
    if seed is not None:
        return _t(seed).to(output.dtype).expand(output.shape)
    # (The gradient of the sum of a non-scalar target, as TensorFlow.)
    return torch.ones_like(output)


def custom_gradient(f=None):
    """tf.custom_gradient: `f(*x)` returns `(y, grad_fn)`; y's gradient
    for the inputs is `grad_fn(upstream)` (one gradient per input, or a
    list of them)."""
    if f is None:
        return custom_gradient

    class _WithGradient(torch.autograd.Function):
        @staticmethod
        def forward(ctx, *inputs):
            y, grad_fn = f(*inputs)
            import inspect
            if 'variables' in inspect.signature(grad_fn).parameters:
                raise NotImplementedError(
                    'A tf.custom_gradient whose grad_fn takes `variables` '
                    '(gradients for variables the function reads) is not '
                    'supported; pass those variables as inputs instead.')
            ctx.grad_fn = grad_fn
            return y

        @staticmethod
        def backward(ctx, *upstream):
            grads = ctx.grad_fn(*upstream)
            if not isinstance(grads, (list, tuple)):
                grads = (grads,)
            return tuple(None if g is None else _t(g) for g in grads)

    def decorated(*args, **kwargs):
        if kwargs:
            raise NotImplementedError(
                'A tf.custom_gradient function takes its inputs as '
                'positional arguments here; got keywords %s.'
                % sorted(kwargs))
        with torch._C.DisableTorchFunctionSubclass():
            # (A plain tensor: not an expression of variables recomputed
            # later without this gradient.)
            return _WithGradient.apply(*[_t(a) for a in args])
    decorated.__name__ = getattr(f, '__name__', 'custom_gradient')
    return decorated


def _arrays_as_tensors(value):
    """numpy arrays (also inside lists, tuples and dicts) as tensors."""
    if isinstance(value, np.ndarray):
        return convert_to_tensor(value)
    if isinstance(value, (list, tuple)) and not hasattr(value, '_fields'):
        return type(value)(_arrays_as_tensors(v) for v in value)
    if isinstance(value, dict):
        return {k: _arrays_as_tensors(v) for k, v in value.items()}
    return value


def _function(func=None, input_signature=None, autograph=True, **kwargs):
    """tf.function: the function runs as written, on PyTorch; as in
    TensorFlow, numpy arrays among its arguments arrive as tensors
    (Python numbers stay Python numbers), and an augmented assignment on a
    tensor (`loss += tv`) makes a new tensor, as TensorFlow's immutable
    tensors do, instead of updating the tensor in place."""
    if func is None:
        return lambda f: _function(f, input_signature, autograph, **kwargs)

    @functools.wraps(func)
    def traced(*args, **kwargs):
        if input_signature is not None:
            args = _bound_to_signature(input_signature, args)
            _check_signature(input_signature, args)
        return _immutable.call_user(func, *_arrays_as_tensors(args),
                                    **_arrays_as_tensors(kwargs))
    traced.python_function = func
    concrete = {}

    def get_concrete_function(*args, **kwargs):
        key = _signature_key(args, kwargs) if args or kwargs else \
            _signature_key(tuple(input_signature or ()), {})
        if key not in concrete:
            concrete[key] = _ConcreteFunction(traced)
        return concrete[key]
    traced.get_concrete_function = get_concrete_function
    return traced


def _signature_key(args, kwargs):
    """What tf.function traces a function for: the shape and dtype of
    tensors (and specs), the value of the other arguments."""
    def key(value):
        if hasattr(value, 'shape') and hasattr(value, 'dtype'):
            return ('tensor', tuple(value.shape), str(value.dtype))
        return repr(value)
    return (tuple(key(a) for a in args),
            tuple(sorted((k, key(v)) for k, v in kwargs.items())))


def _bound_to_signature(signature, args):
    """The arguments as tensors of their TensorSpec's dtype, as
    TensorFlow converts Python lists and numbers given for a spec."""
    bound = []
    for index, value in builtins.enumerate(args):
        spec = signature[index] if index < len(signature) else None
        dtype = getattr(spec, 'dtype', None)
        if isinstance(spec, TensorSpec) and dtype is not None and \
                isinstance(value, (list, tuple, int, float, np.ndarray)) \
                and _dtype_name_of(dtype) != 'string':
            value = convert_to_tensor(value, dtype=dtype)
        bound.append(value)
    return tuple(bound)


def _check_signature(signature, args):
    """TensorFlow's TypeError for arguments that do not fit the
    `input_signature` of a tf.function."""
    for spec, value in zip(signature, args):
        shape = getattr(value, 'shape', None)
        expected = getattr(spec, 'shape', None)
        if shape is None or expected is None:
            continue
        expected = list(expected)
        if len(shape) != len(expected) or any(
                e is not None and e != d for e, d in zip(expected, shape)):
            raise TypeError(
                'Binding inputs to tf.function failed: can not cast a '
                'tensor of shape %s to %r.' % (tuple(shape), spec))


class _ConcreteFunction(object):
    """What `get_concrete_function` gives: the function, callable, for
    one input signature. PyTorch runs it eagerly; it has no graph."""

    def __init__(self, function):
        self._function = function
        self.python_function = function.python_function

    def __call__(self, *args, **kwargs):
        return self._function(*args, **kwargs)

    @property
    def graph(self):
        raise NotImplementedError(
            'A concrete function has no TensorFlow graph here (PyTorch '
            'runs the function eagerly): call it, or read its '
            '`python_function`.')


function = _function


# ------------------------------------------------------- submodule paths
def _keras():
    """`tf.keras`: keras_compat, serving tf.keras's defaults from now on."""
    import keras_compat
    keras_compat.backend.common.set_api_flavour('tf.keras')
    return keras_compat


# `tensorflow.python.*` paths that libraries import internals from.
python = _submodule('python', 'TensorFlow internals libraries import.')
python.ops = _submodule('python.ops', 'Operations.')
python.ops.state_ops = _submodule('python.ops.state_ops', 'Assignments.')
python.ops.state_ops.assign = assign
python.ops.state_ops.assign_add = assign_add
python.ops.state_ops.assign_sub = assign_sub
python.ops.control_flow_ops = _submodule('python.ops.control_flow_ops',
                                         'Control flow.')
python.ops.control_flow_ops.group = group
python.ops.control_flow_ops.cond = cond
python.ops.control_flow_ops.while_loop = while_loop
python.ops.control_flow_ops.no_op = no_op
python.ops.tensor_array_ops = _submodule('python.ops.tensor_array_ops',
                                         'Tensor arrays.')
python.ops.tensor_array_ops.TensorArray = TensorArray
# TensorFlow's math_ops holds tf.math and top-level operations (`cast`,
# `matmul`, `range`, ...), which optimizer libraries call from it.
python.ops.math_ops = _submodule('python.ops.math_ops', 'Math operations.')
# math_ops' own spellings of operations tf exports under other names.
_MATH_OPS_NAMES = {'sub': 'subtract', 'mul': 'multiply', 'div': 'divide',
                   'real_div': 'realdiv', 'neg': 'negative', 'add_v2': 'add',
                   'floor_div': 'floordiv', 'floor_mod': 'floormod',
                   'mean': 'reduce_mean', 'prod': 'reduce_prod'}


def _math_ops_attribute(name):
    name = _MATH_OPS_NAMES.get(name, name)
    return getattr(math, name) if hasattr(math, name) else \
        getattr(_module, name)


python.ops.math_ops.__getattr__ = _math_ops_attribute
python.ops.array_ops = _module
python.ops.random_ops = _submodule('python.ops.random_ops',
                                   'Random values (TF1 spellings).')
for _name in ('random_normal', 'random_uniform', 'truncated_normal',
              'random_shuffle', 'random_crop', 'multinomial'):
    setattr(python.ops.random_ops, _name, getattr(_module, _name))
python.ops.weights_broadcast_ops = _submodule(
    'python.ops.weights_broadcast_ops', 'Sample-weight broadcasting.')


def _broadcast_weights(weights, values):
    """`weights` broadcast to the shape of `values` (weights of rank 0,
    or of the rank of `values` with each dimension 1 or equal)."""
    def fn(w, v):
        w = _t(w).to(_t(v).dtype) if isinstance(w, torch.Tensor) else \
            torch.as_tensor(w, dtype=_t(v).dtype, device=_t(v).device)
        if w.dim() not in (0, v.dim()) or builtins.any(
                a not in (1, b) for a, b in builtins.zip(w.shape, v.shape)):
            raise ValueError('weights can not be broadcast to values. '
                             'values.rank=%d. weights.rank=%d. '
                             'values.shape=%s. weights.shape=%s.'
                             % (v.dim(), w.dim(), tuple(v.shape),
                                tuple(w.shape)))
        return w * torch.ones_like(v)
    return _op(fn, 'broadcast_weights')(weights, values)


python.ops.weights_broadcast_ops.broadcast_weights = _broadcast_weights
python.ops.control_flow_util = _submodule('python.ops.control_flow_util',
                                          'Control-flow context queries.')
# Eager PyTorch code never runs inside an XLA context.
python.ops.control_flow_util.GraphOrParentsInXlaContext = \
    lambda graph: False
python.ops.nn = nn
python.ops.nn_ops = nn
python.ops.init_ops = _submodule(
    'python.ops.init_ops', "TF1 initializer classes (`Zeros(dtype=...)`, "
    "`TruncatedNormal` with stddev 1.0, `glorot_normal_initializer`).")
python.ops.init_ops_v2 = _submodule(
    'python.ops.init_ops_v2', 'TF2 initializer classes (Keras defaults).')


def _v1_initializer_class(keras_class, defaults):
    """TensorFlow 1's `init_ops.<Name>`: the Keras initializer with TF1's
    argument defaults, a `dtype` constructor argument and
    `__call__(shape, dtype=None, partition_info=None)`."""
    def __init__(self, *args, **kwargs):
        options = dict(defaults)
        options.update(zip(keras_class_arguments + ['dtype'], args))
        options.update(kwargs)
        self.dtype = options.pop('dtype', None)
        options.pop('verify_shape', None)
        if options.get('maxval', 0) is None:
            options['maxval'] = 1.0
        keras_class.__init__(self, **options)

    def __call__(self, shape, dtype=None, partition_info=None):
        return keras_class.__call__(self, _shape_of(shape),
                                    dtype=dtype or self.dtype)

    keras_class_arguments = list(defaults)
    return type(keras_class.__name__, (keras_class,),
                {'__init__': __init__, '__call__': __call__,
                 '__doc__': keras_class.__doc__})


def _install_init_ops():
    from . import initializers as ki
    v1_defaults = {
        'Zeros': (ki.Zeros, {}), 'Ones': (ki.Ones, {}),
        'Constant': (ki.Constant, {'value': 0}),
        'RandomUniform': (ki.RandomUniform,
                          {'minval': 0, 'maxval': None, 'seed': None}),
        'RandomNormal': (ki.RandomNormal,
                         {'mean': 0.0, 'stddev': 1.0, 'seed': None}),
        'TruncatedNormal': (ki.TruncatedNormal,
                            {'mean': 0.0, 'stddev': 1.0, 'seed': None}),
        'VarianceScaling': (ki.VarianceScaling,
                            {'scale': 1.0, 'mode': 'fan_in',
                             'distribution': 'truncated_normal',
                             'seed': None}),
        'Orthogonal': (ki.Orthogonal, {'gain': 1.0, 'seed': None}),
        'Identity': (ki.Identity, {'gain': 1.0}),
        'GlorotUniform': (ki.GlorotUniform, {'seed': None}),
        'GlorotNormal': (ki.GlorotNormal, {'seed': None}),
    }
    v1, v2 = python.ops.init_ops, python.ops.init_ops_v2
    for name, (keras_class, defaults) in v1_defaults.items():
        setattr(v1, name, _v1_initializer_class(keras_class, defaults))
        setattr(v2, name, keras_class)
    for module in (v1, v2):
        for alias, name in (('zeros', 'Zeros'), ('ones', 'Ones'),
                            ('constant', 'Constant'),
                            ('random_uniform', 'RandomUniform'),
                            ('random_normal', 'RandomNormal'),
                            ('truncated_normal', 'TruncatedNormal'),
                            ('variance_scaling', 'VarianceScaling'),
                            ('glorot_uniform', 'GlorotUniform'),
                            ('glorot_normal', 'GlorotNormal'),
                            ('orthogonal', 'Orthogonal'),
                            ('identity', 'Identity')):
            setattr(module, alias + '_initializer', getattr(module, name))
        for name in ('lecun_normal', 'lecun_uniform', 'he_normal',
                     'he_uniform'):
            setattr(module, name, getattr(ki, name))
        module.Initializer = ki.Initializer
    for alias in ('glorot_normal', 'glorot_uniform', 'zeros', 'ones',
                  'constant', 'identity', 'orthogonal', 'truncated_normal'):
        setattr(v2, alias, getattr(v2, alias + '_initializer'))


_install_init_ops()
python.framework = _submodule('python.framework', 'Graph framework.')
python.framework.ops = _submodule('python.framework.ops', 'Graphs.')
python.framework.ops.control_dependencies = control_dependencies
python.framework.ops.convert_to_tensor = convert_to_tensor
python.framework.ops.get_default_graph = get_default_graph
python.framework.ops.name_scope = name_scope
python.framework.ops.Tensor = Tensor
python.framework.dtypes = dtypes
python.framework.errors_impl = errors
python.framework.tensor_shape = _submodule('python.framework.tensor_shape',
                                           'Shapes.')
python.framework.tensor_shape.TensorShape = TensorShape
python.framework.tensor_shape.Dimension = Dimension
python.framework.config = _submodule('python.framework.config',
                                     'Device and determinism settings.')
python.framework.config.enable_op_determinism = _enable_op_determinism
python.framework.config.disable_op_determinism = _disable_op_determinism
python.framework.config.is_op_determinism_enabled = \
    torch.are_deterministic_algorithms_enabled
python.eager = _submodule('python.eager', 'Eager execution.')
python.eager.context = _submodule('python.eager.context',
                                  'The eager context.')
python.eager.context.executing_eagerly = executing_eagerly
python.eager.context.global_seed = _global_seed
# TensorFlow 1.x's `from tensorflow.python import ops, math_ops,
# state_ops, control_flow_ops` (`ops` used as the framework's).
python.math_ops = python.ops.math_ops
python.state_ops = python.ops.state_ops
python.control_flow_ops = python.ops.control_flow_ops
python.array_ops = python.ops.array_ops
for _name in ('control_dependencies', 'convert_to_tensor', 'name_scope',
              'get_default_graph', 'Tensor'):
    setattr(python.ops, _name, getattr(python.framework.ops, _name))


def _relu_grad(gradients, features, name=None):
    """TensorFlow's ReluGrad: `gradients` where `features > 0`, else 0."""
    gradients, features = _t(gradients), _t(features)
    return gradients * (features > 0).to(gradients.dtype)


def _relu6_grad(gradients, features, name=None):
    gradients, features = _t(gradients), _t(features)
    return gradients * ((features > 0) & (features < 6)).to(gradients.dtype)


python.ops.gen_nn_ops = _submodule('python.ops.gen_nn_ops',
                                   'Generated neural-network ops.')
python.ops.gen_nn_ops.relu_grad = python.ops.gen_nn_ops._relu_grad = \
    _relu_grad
python.ops.gen_nn_ops.relu6_grad = python.ops.gen_nn_ops._relu6_grad = \
    _relu6_grad
python.layers = _submodule('python.layers', 'TF1 layers internals.')
python.layers.utils = _submodule('python.layers.utils',
                                 'Shape arithmetic of convolutions.')


def _install_layers_utils():
    from .utils import conv_utils
    for name in ('conv_output_length', 'conv_input_length',
                 'normalize_tuple', 'normalize_padding'):
        setattr(python.layers.utils, name, getattr(conv_utils, name))


_install_layers_utils()
python.util = _submodule('python.util', 'Utilities.')
python.util.nest = nest
from . import tensorflow_rnn_cells as _rnn_cells  # noqa: E402
_rnn_cells.install(nn, _submodule)
contrib = _submodule('contrib', 'TensorFlow 1 contrib: `rnn`, part of '
                     '`layers`.')


def _contrib_missing(name):
    if name.startswith('__'):
        raise AttributeError(name)
    raise AttributeError(
        "module 'tensorflow.contrib' has no attribute %r: of TensorFlow 1's "
        'contrib, keras_compat serves tf.contrib.rnn and the flatten, '
        'initializer and regularizer functions of tf.contrib.layers. Write '
        'this part '
        'with keras.backend functions (K.*), keras layers or torch.'
        % (name,))


contrib.__getattr__ = _contrib_missing
_rnn_cells.install_contrib(contrib, _submodule)
from . import tensorflow_contrib_layers as _contrib_layers  # noqa: E402
_contrib_layers.install(contrib, _submodule)
from . import tensorflow_internals as _internals  # noqa: E402
_internals.install(python, custom_gradient, _submodule)
python.ops.variable_scope = _submodule('python.ops.variable_scope',
                                       'Variable scopes.')
python.ops.variable_scope.variable_scope = variable_scope
python.ops.variable_scope.get_variable = get_variable
python.ops.variable_scope.AUTO_REUSE = AUTO_REUSE
python.ops.rnn_cell = _submodule(
    'python.ops.rnn_cell', 'TF1 RNN cells (not served: keras.layers.GRU, '
    'LSTM and SimpleRNN are).')


def _rnn_cell_class():
    from .engine.base_layer import Layer

    class RNNCell(Layer):
        """TensorFlow 1's abstract `RNNCell`: a layer mapping
        `(inputs, state)` to `(output, new_state)`, whose subclasses give
        `state_size` and `output_size`; `zero_state(batch_size, dtype)` is
        the all-zeros state."""

        @property
        def state_size(self):
            raise NotImplementedError('Abstract method')

        @property
        def output_size(self):
            raise NotImplementedError('Abstract method')

        def zero_state(self, batch_size, dtype):
            return nest.map_structure(
                lambda size: zeros(_rnn_shape_concat(batch_size, size,
                                                     static=True),
                                   dtype=dtype), self.state_size)

        def get_initial_state(self, inputs=None, batch_size=None,
                              dtype=None):
            return self.zero_state(batch_size, dtype)

    return RNNCell


python.ops.rnn_cell.RNNCell = _rnn_cell_class()
python.ops.rnn_cell.__all__ = ['RNNCell']
python.ops.rnn_cell_impl = _submodule('python.ops.rnn_cell_impl',
                                      'TF1 RNN cell helpers.')


def _rnn_shape_concat(prefix, suffix, static=False):
    """`rnn_cell_impl._concat`: the shape `prefix + suffix` (a list when
    `static`, else an int32 tensor)."""
    def as_list(part):
        if isinstance(part, torch.Tensor):
            return [int(d) for d in part.reshape(-1).tolist()]
        if isinstance(part, (int, np.integer)):
            return [int(part)]
        return [None if d is None else int(d) for d in part]
    shape = as_list(prefix) + as_list(suffix)
    return shape if static else constant(shape, dtype=int32)


python.ops.rnn_cell_impl._concat = _rnn_shape_concat
python.util.tf_export = _submodule('python.util.tf_export',
                                   'API export decorators.')


def _export_decorator(*api_names, **kwargs):
    """`@keras_export('keras.optimizers.AdamW')`: registers nothing (the
    symbol is returned as it is)."""
    return lambda symbol: symbol


python.util.tf_export.keras_export = _export_decorator
python.util.tf_export.tf_export = _export_decorator

compat = _submodule('compat', 'TF1 and TF2 API versions.')
compat.v1 = _module
compat.v2 = _module
compat.as_str = lambda b: b.decode() if isinstance(b, bytes) else str(b)
compat.as_bytes = lambda s: s.encode() if isinstance(s, str) else bytes(s)


def _dimension_value(dimension):
    """`tf.compat.dimension_value`: an int (or None) from a dimension."""
    return getattr(dimension, 'value', dimension)


compat.dimension_value = _dimension_value
compat.dimension_at_index = lambda shape, index: TensorShape(
    tuple(shape))[index]

# ---------------------------------------------------------------- strings
strings = _submodule('strings', 'String operations on numpy arrays of '
                     'bytes (torch has no string tensors).')


def _string_op(name):
    def op(*args, **kwargs):
        from .layers import text_preprocessing
        return getattr(text_preprocessing, name)(*args, **kwargs)
    op.__name__ = name
    return op


for _name in ('lower', 'upper', 'regex_replace', 'strip', 'length', 'join',
              'split'):
    setattr(strings, _name, _string_op(_name))


def _strings_format(template, inputs, placeholder='{}', summarize=3,
                    name=None):
    return _print_ops.string_format(template, inputs, placeholder,
                                    summarize)


strings.format = _strings_format


class RaggedTensor(object):
    """tf.RaggedTensor with one ragged dimension: rows of different
    lengths, stored as TensorFlow stores them, `flat_values` (a tensor,
    or a numpy array of bytes for strings) cut at `row_splits`. Keras
    lookup layers map its flat values; `to_tensor()` pads the rows."""
    _keras_ragged = True

    def __init__(self, flat_values, row_splits):
        self.flat_values = flat_values
        self.row_splits = torch.as_tensor(np.asarray(row_splits),
                                          dtype=torch.int64)

    values = property(lambda self: self.flat_values)
    ragged_rank = 1

    @classmethod
    def from_row_splits(cls, values, row_splits, name=None,
                        validate=True):
        return cls(_ragged_values(values), row_splits)

    @classmethod
    def from_row_lengths(cls, values, row_lengths, name=None,
                         validate=True):
        lengths = np.asarray(_t(row_lengths).cpu() if isinstance(
            row_lengths, torch.Tensor) else row_lengths, dtype=np.int64)
        return cls(_ragged_values(values),
                   np.concatenate([[0], np.cumsum(lengths)]))

    def with_flat_values(self, new_values):
        return RaggedTensor(new_values, self.row_splits)

    def row_lengths(self):
        return self.row_splits[1:] - self.row_splits[:-1]

    def nrows(self, out_type=None):
        return torch.tensor(len(self.row_splits) - 1)

    @property
    def shape(self):
        return TensorShape((len(self.row_splits) - 1, None))

    @property
    def dtype(self):
        if isinstance(self.flat_values, np.ndarray):
            return string
        return as_dtype(self.flat_values.dtype)

    def __len__(self):
        return len(self.row_splits) - 1

    def __getitem__(self, index):
        rows = [self._row(i) for i in builtins.range(len(self))][index]
        if isinstance(index, builtins.slice):
            return RaggedTensor.from_row_lengths(
                _ragged_values(rows), [len(r) for r in rows])
        return rows

    def __iter__(self):
        return (self._row(i) for i in builtins.range(len(self)))

    def _row(self, i):
        start, stop = int(self.row_splits[i]), int(self.row_splits[i + 1])
        return self.flat_values[start:stop]

    def to_list(self):
        return [np.asarray(row).tolist() if isinstance(row, np.ndarray)
                else row.tolist() for row in self]

    def numpy(self):
        rows = np.empty(len(self), object)
        rows[:] = [np.asarray(row) if isinstance(row, np.ndarray)
                   else row.detach().cpu().numpy() for row in self]
        return rows

    def to_tensor(self, default_value=None, name=None, shape=None):
        """The rows padded at the end to the longest one, with
        `default_value` (0, or b'' for strings)."""
        width = int(self.row_lengths().max()) if len(self) else 0
        if shape is not None and shape[-1] is not None:
            width = int(shape[-1])
        if isinstance(self.flat_values, np.ndarray):
            out = np.full((len(self), width),
                          b'' if default_value is None
                          else _as_bytes(default_value), dtype=object)
        else:
            out = torch.full((len(self), width), 0 if default_value is None
                             else default_value,
                             dtype=self.flat_values.dtype,
                             device=self.flat_values.device)
        for i, row in enumerate(self):
            out[i, :min(len(row), width)] = row[:width]
        return out

    def __repr__(self):
        rows = [repr(row) for row in self.to_list()]
        text = '[' + ', '.join(rows) + ']'
        if len(text) > 70:
            text = '[' + ',\n '.join(rows) + ']'
        return '<tf.RaggedTensor %s>' % text


def _ragged_values(values):
    if isinstance(values, (np.ndarray, torch.Tensor)):
        return values
    if len(values) and isinstance(values[0], (bytes, str)):
        return np.array([_as_bytes(v) for v in values] + [None],
                        dtype=object)[:-1]
    return torch.as_tensor(np.asarray(values))


def _ragged_constant(pylist, dtype=None, ragged_rank=None, name=None,
                     row_splits_dtype=int64):
    """tf.ragged.constant of a list of rows (one ragged dimension)."""
    if ragged_rank not in (None, 1):
        raise NotImplementedError(
            'tf.ragged.constant(ragged_rank=%r): only one ragged '
            'dimension (a list of rows) is supported.' % (ragged_rank,))
    flat = [v for row in pylist for v in row]
    values = _ragged_values(flat) if flat else torch.zeros(0)
    if dtype is not None and isinstance(values, torch.Tensor):
        values = cast(values, dtype)
    return RaggedTensor.from_row_lengths(values, [len(r) for r in pylist])


ragged = _submodule('ragged', 'Tensors with rows of different lengths.')
ragged.constant = _ragged_constant
ragged.RaggedTensor = RaggedTensor


def _unicode_split(input, input_encoding, errors='replace',  # noqa: A002
                   replacement_char=65533, name=None):
    """tf.strings.unicode_split: each string's characters (bytes, one per
    code point); a 1-D batch gives a RaggedTensor of them."""
    from .layers.text_preprocessing import _split_characters
    from .layers.lookup import string_array
    if input_encoding.upper().replace('-', '') != 'UTF8':
        raise NotImplementedError(
            'tf.strings.unicode_split(input_encoding=%r): only UTF-8 text '
            'is supported.' % (input_encoding,))
    strings = string_array(input)
    if strings.ndim == 0:
        return _ragged_values(_split_characters(strings[()]))
    if strings.ndim > 1:
        raise NotImplementedError('tf.strings.unicode_split of a rank-%d '
                                  'string array: split a 1-D one.'
                                  % strings.ndim)
    rows = [_split_characters(s) for s in strings.tolist()]
    return RaggedTensor.from_row_lengths(
        _ragged_values([c for row in rows for c in row]) if any(rows)
        else np.empty(0, object), [len(row) for row in rows])


def _reduce_join(inputs, axis=None, keepdims=False, separator='',
                 name=None):
    """tf.strings.reduce_join: the strings along `axis` (all of them
    without one) joined with `separator`."""
    from .layers.lookup import string_array
    sep = _as_bytes(separator)
    if isinstance(inputs, RaggedTensor):
        if axis not in (-1, 1):
            raise NotImplementedError(
                'tf.strings.reduce_join of a RaggedTensor joins its rows '
                '(axis=-1); got axis=%r.' % (axis,))
        out = np.array([sep.join(row.tolist()) for row in inputs] + [None],
                       dtype=object)[:-1]
        return out[:, None] if keepdims else out
    strings = string_array(inputs)
    if axis is None:
        out = np.empty((), object)
        out[()] = sep.join(strings.reshape(-1).tolist())
        return out
    joined = np.apply_along_axis(
        lambda row: np.array([sep.join(row.tolist())], dtype=object),
        axis, strings) if strings.shape[axis] else None
    if joined is None:
        joined = np.full(strings.shape[:axis % strings.ndim] + (1,) +
                         strings.shape[axis % strings.ndim + 1:], b'',
                         dtype=object)
    return joined if keepdims else np.squeeze(joined, axis)


def _substr(input, pos, len, unit='BYTE', name=None):  # noqa
    """tf.strings.substr: `len` bytes (or UTF-8 characters) of each
    string from position `pos` (negative: from the end); `pos` and `len`
    are scalars or broadcast against `input`."""
    from .layers.lookup import string_array
    if unit not in ('BYTE', 'UTF8_CHAR'):
        raise ValueError('unit must be "BYTE" or "UTF8_CHAR", got %r.'
                         % (unit,))
    strings = string_array(input)
    strings, starts, lengths = np.broadcast_arrays(
        strings, _numpy_ints(pos), _numpy_ints(len))
    out = np.empty(strings.shape, object)
    for index in np.ndindex(strings.shape):
        text = strings[index] if unit == 'BYTE' else \
            strings[index].decode('utf-8')
        start, size = int(starts[index]), int(lengths[index])
        if abs(start) > builtins.len(text):
            raise errors.InvalidArgumentError(
                'pos %d out of range for string %r at index '
                '%s' % (start, strings[index], index))
        start = start % builtins.len(text) if start < 0 else start
        piece = text[start:start + max(size, 0)]
        out[index] = piece if unit == 'BYTE' else piece.encode('utf-8')
    return out


def _numpy_ints(value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def _strings_split(input, sep=None, maxsplit=-1, name=None):  # noqa
    """tf.strings.split: a string's tokens as a 1-D array of bytes; a 1-D
    batch's as a RaggedTensor of its rows of tokens."""
    from .layers import text_preprocessing
    rows = text_preprocessing.split(input, sep, maxsplit)
    if not isinstance(rows, list):
        return rows
    return RaggedTensor.from_row_lengths(
        np.concatenate(rows) if any(builtins.len(row) for row in rows)
        else np.empty(0, object), [builtins.len(row) for row in rows])


strings.unicode_split = _unicode_split
strings.reduce_join = _reduce_join
strings.split = _strings_split
strings.substr = _substr


# ------------------------------------------------------------ assertions
debugging = _submodule('debugging', 'Run-time checks of tensor values.')


def _assert_message(message, summary):
    return '%s%s' % (message + '\n' if message else '', summary)


def _concrete(value):
    """The numpy value of `value`, or None for a symbolic Keras tensor
    (TensorFlow checks those when the graph runs: here, when the layer
    runs on data)."""
    if getattr(value, '_is_keras_symbolic', False):
        return None
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def _graph_assert(condition, data, summarize, name):
    """A run-time check of graph tensors, as `tf.Assert` makes it in a
    TensorFlow 1 graph: an operation whose runs raise
    InvalidArgumentError 'assertion failed: [data] [data]...' where
    `condition` is false."""
    from .tensorflow_graph_run import check_op

    def check(condition, data):
        from .engine import symbolic
        if symbolic.probe_values() is None and \
                not builtins.bool(np.all(_print_ops.to_numpy(condition))):
            raise errors.InvalidArgumentError(
                None, None, 'assertion failed: ' + ' '.join(
                    '[%s]' % _print_ops.summarize(
                        d, 3 if summarize is None else summarize,
                        print_v2=False) for d in data))
        return _t(condition)

    return check_op(_op(check, 'Assert')(condition, list(data)),
                    name or 'Assert')


def _tensor_name(x, default):
    name = getattr(x, 'name', None)
    if not getattr(x, '_is_keras_symbolic', False) and \
            not isinstance(x, torch.Tensor):
        return default
    return name if isinstance(name, str) else ''


def _assert_compare(op_name, compare, summary):
    def check(x, y, data=None, summarize=None, message=None, name=None):
        x_value, y_value = _concrete(x), _concrete(y)
        if x_value is None or y_value is None:
            if data is None:
                data = [summary.replace('did not hold.',
                                        'did not hold element-wise:'),
                        'x (%s) = ' % _tensor_name(x, op_name + '/x:0'), x,
                        'y (%s) = ' % _tensor_name(y, op_name + '/y:0'), y]
            if message is not None:
                data = [message] + list(data)
            return _graph_assert(_op(lambda a, b: torch.as_tensor(compare(
                _print_ops.to_numpy(a), _print_ops.to_numpy(b))),
                op_name)(x, y), data, summarize, name or op_name)
        if not np.all(compare(x_value, y_value)):
            raise errors.InvalidArgumentError(_assert_message(
                message, summary + '\nx = %s\ny = %s'
                % (x_value, y_value)))
        return None
    check.__name__ = op_name
    return check


def _assert_sign(op_name, compare, summary):
    def check(x, data=None, summarize=None, message=None, name=None):
        value = _concrete(x)
        if value is None:
            if data is None:
                data = [message or '', summary.replace(
                    'did not hold.', 'did not hold element-wise:'),
                    'x (%s) = ' % _tensor_name(x, op_name + '/x:0'), x]
            return _graph_assert(_op(lambda a: torch.as_tensor(compare(
                _print_ops.to_numpy(a))), op_name)(x), data, summarize,
                name or op_name)
        if value is not None and not np.all(compare(value)):
            raise errors.InvalidArgumentError(_assert_message(
                message, summary + '\nx = %s' % (value,)))
        return None
    check.__name__ = op_name
    return check


def _static_rank(x):
    shape = getattr(x, 'shape', None)
    return len(shape) if shape is not None else np.ndim(x)


def _assert_rank(x, rank, message=None, name=None):
    """`tf.debugging.assert_rank`: raises ValueError where the rank is
    not `rank`."""
    if _static_rank(x) != int(rank):
        raise ValueError(_assert_message(
            message, 'Tensor  must have rank %d.  Received rank %d, shape %s'
            % (int(rank), _static_rank(x), tuple(x.shape))))


def _assert_rank_in(x, ranks, message=None, name=None):
    """`tf.debugging.assert_rank_in`: raises ValueError where the rank is
    none of `ranks`."""
    allowed = [int(r) for r in ranks]
    if _static_rank(x) not in allowed:
        raise ValueError(_assert_message(
            message, 'Tensor  must have rank in %s.  Received rank %d, '
            'shape %s' % (tuple(allowed), _static_rank(x), tuple(x.shape))))


def _assert_scalar(tensor, name=None, message=None):
    """`tf.debugging.assert_scalar`: raises ValueError where `tensor` is
    not a scalar."""
    shape = tuple(getattr(tensor, 'shape', None) or np.shape(tensor))
    if len(shape) != 0:
        raise ValueError('%sExpected scalar shape, saw shape: %s.' % (
            message + '.  ' if message else '', shape))


def _assert_integer(x, message=None, name=None):
    if not as_dtype(x.dtype).is_integer:
        raise TypeError(_assert_message(
            message, 'Expected integer type, got %s.' % (x.dtype,)))


def _assert_condition(condition, data, summarize=None, name=None):
    """`tf.Assert(condition, data)`: raises InvalidArgumentError, with
    `data` in the message, where `condition` is false."""
    value = _concrete(condition)
    if value is None or builtins.any(
            getattr(d, '_is_keras_symbolic', False) for d in data):
        return _graph_assert(condition, data, summarize, name)
    if not builtins.bool(np.all(value)):
        shown = [str(_concrete(d)) if isinstance(d, torch.Tensor) else str(d)
                 for d in data]
        raise errors.InvalidArgumentError(
            'assertion failed: [%s]' % '] ['.join(shown))
    return None


def _check_numerics(tensor, message):
    x = _t(tensor)
    if not x.is_floating_point():
        raise errors.InvalidArgumentError(
            "Value for attr 'T' of %s is not in the list of allowed values: "
            "bfloat16, half, float, double" % as_dtype(x.dtype).name)
    if x.numel() and not builtins.bool(torch.isfinite(x).all()):
        nan = builtins.bool(torch.isnan(x).any())
        inf = builtins.bool(torch.isinf(x).any())
        raise errors.InvalidArgumentError('%s : Tensor had %s values' % (
            message, 'Inf and NaN' if nan and inf else
            'NaN' if nan else 'Inf'))
    return tensor


_check_numerics_op = _op(_check_numerics, 'check_numerics')


def check_numerics(tensor, message, name=None):
    """`tf.debugging.check_numerics` (TF1's `tf.check_numerics`): `tensor`
    itself, once checked to hold no NaN or Inf; else InvalidArgumentError
    '<message> : Tensor had NaN values' (or Inf, or Inf and NaN), raised
    when the values are known (for a symbolic tensor: when the model
    runs)."""
    return _check_numerics_op(tensor, message)


def verify_tensor_all_finite(t=None, msg=None, name=None, x=None,
                             message=None):
    """TF1's `tf.verify_tensor_all_finite` and `tf.debugging.
    assert_all_finite`: `check_numerics` under older argument names."""
    return check_numerics(x if t is None else t,
                          message if msg is None else msg)


debugging.check_numerics = check_numerics
debugging.assert_all_finite = verify_tensor_all_finite
debugging.assert_equal = _assert_compare(
    'assert_equal', np.equal, 'Condition x == y did not hold.')
debugging.assert_none_equal = _assert_compare(
    'assert_none_equal', np.not_equal, 'Condition x != y did not hold.')
debugging.assert_greater = _assert_compare(
    'assert_greater', np.greater, 'Condition x > y did not hold.')
debugging.assert_greater_equal = _assert_compare(
    'assert_greater_equal', np.greater_equal,
    'Condition x >= y did not hold.')
debugging.assert_less = _assert_compare(
    'assert_less', np.less, 'Condition x < y did not hold.')
debugging.assert_less_equal = _assert_compare(
    'assert_less_equal', np.less_equal, 'Condition x <= y did not hold.')
debugging.assert_positive = _assert_sign(
    'assert_positive', lambda v: v > 0, 'Condition x > 0 did not hold.')
debugging.assert_non_negative = _assert_sign(
    'assert_non_negative', lambda v: v >= 0,
    'Condition x >= 0 did not hold.')
debugging.assert_negative = _assert_sign(
    'assert_negative', lambda v: v < 0, 'Condition x < 0 did not hold.')
debugging.assert_rank = _assert_rank
debugging.assert_rank_in = _assert_rank_in
debugging.assert_integer = _assert_integer
debugging.assert_scalar = _assert_scalar
debugging.Assert = Assert = _assert_condition
for _name in ('assert_equal', 'assert_none_equal', 'assert_greater',
              'assert_greater_equal', 'assert_less', 'assert_less_equal',
              'assert_positive', 'assert_non_negative', 'assert_negative',
              'assert_rank', 'assert_rank_in', 'assert_integer',
              'assert_scalar'):
    setattr(_module, _name, getattr(debugging, _name))


def get_static_value(tensor, partial=False):
    """`tf.get_static_value`: the numpy value of a tensor, array or Python
    value; None for a symbolic Keras tensor (its value is not known until
    the model runs)."""
    value = _concrete(tensor)
    return value


# ------------------------------------------------- more tensor operations
def _batch_normalization(x, mean, variance, offset, scale,
                         variance_epsilon, name=None):
    """`tf.nn.batch_normalization`: `(x - mean) * scale / sqrt(variance +
    epsilon) + offset`, computed in TensorFlow's order (the factor first,
    then `x * factor + (offset - mean * factor)`)."""
    factor = rsqrt(add(variance, variance_epsilon))
    if scale is not None:
        factor = multiply(factor, scale)
    shift = negative(multiply(mean, factor)) if offset is None else \
        subtract(offset, multiply(mean, factor))
    return add(multiply(x, factor), shift)


nn.batch_normalization = _batch_normalization


def scan(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
         swap_memory=False, infer_shape=True, reverse=False, name=None):
    """`tf.scan`: `fn(accumulated, element)` over the first axis of
    `elems` (nested structures allowed), every accumulated value stacked.
    Without `initializer` the first element starts the accumulation."""
    flat = [_t(v) for v in _flatten(elems)]
    steps = list(builtins.range(flat[0].shape[0]))
    if reverse:
        steps.reverse()
    element = lambda i: _pack(elems, [v[i] for v in flat])  # noqa: E731
    if initializer is None:
        state, steps, results = element(steps[0]), steps[1:], \
            [element(steps[0])]
    else:
        state, results = initializer, []
    for i in steps:
        state = fn(state, element(i))
        results.append(state)
    if reverse:
        results.reverse()
    template = results[0]
    stacked = [torch.stack([_t(leaf) for leaf in leaves]) for leaves in
               builtins.zip(*[_flatten(r) for r in results])]
    return _pack(template, stacked)


def reverse_sequence(input, seq_lengths, seq_axis=None,  # noqa: A002
                     batch_axis=0, name=None, seq_dim=None, batch_dim=None):
    """`tf.reverse_sequence`: the first `seq_lengths[b]` entries along
    `seq_axis` of each batch entry `b` reversed, the rest kept."""
    seq_axis = seq_dim if seq_axis is None else seq_axis
    batch_axis = batch_dim if batch_dim is not None else batch_axis

    def fn(x, lengths):
        x = _t(x)
        lengths = _t(lengths).long().reshape(-1, 1)
        size = x.shape[seq_axis]
        positions = torch.arange(size, device=x.device).reshape(1, -1)
        source = torch.where(positions < lengths, lengths - 1 - positions,
                             positions)
        moved = x.movedim((batch_axis, seq_axis), (0, 1))
        index = source.reshape(source.shape + (1,) * (moved.dim() - 2))
        gathered = torch.gather(moved, 1, index.expand(moved.shape))
        return gathered.movedim((0, 1), (batch_axis, seq_axis))
    return _op(fn, 'reverse_sequence')(input, seq_lengths)


def tensor_scatter_nd_add(tensor, indices, updates, name=None):
    """`tf.tensor_scatter_nd_add`: a copy of `tensor` with `updates[i]`
    added at `indices[i]` (repeated indices add up)."""
    def fn(x, i, u):
        out = _t(x).clone()
        i = _t(i).long()
        out.index_put_(tuple(i.reshape(-1, i.shape[-1]).t()),
                       _t(u).to(out.dtype).reshape(
                           (-1,) + tuple(out.shape[i.shape[-1]:])),
                       accumulate=True)
        return out
    return _op(fn, 'tensor_scatter_nd_add')(tensor, indices, updates)


def searchsorted(sorted_sequence, values, side='left', out_type=int32,
                 name=None):
    """`tf.searchsorted`: insertion points of `values` in the innermost
    rows of `sorted_sequence`."""
    return _op(lambda s, v: torch.searchsorted(
        _t(s).contiguous(), _t(v).contiguous(), right=(side == 'right')).to(
            _ops.torch_dtype(out_type)), 'searchsorted')(sorted_sequence,
                                                         values)


def histogram_fixed_width(values, value_range, nbins=100, dtype=int32,
                          name=None):
    """`tf.histogram_fixed_width`: counts in `nbins` equal bins over
    `value_range`, values outside going to the end bins."""
    def fn(v):
        v = _t(v).double().reshape(-1)
        low, high = [builtins.float(b) for b in np.asarray(
            _concrete(value_range), dtype=np.float64)]
        bins = torch.floor((v - low) / (high - low) * nbins).long()
        bins = bins.clamp(0, nbins - 1)
        return torch.bincount(bins, minlength=nbins).to(
            _ops.torch_dtype(dtype))
    return _op(fn, 'histogram_fixed_width')(values)


def _confusion_matrix(labels, predictions, num_classes=None, weights=None,
                      dtype=int32, name=None):
    """`tf.math.confusion_matrix`: counts (or summed `weights`) of each
    (label, prediction) pair, labels along the rows."""
    def fn(y, p, *w):
        y, p = _t(y).long().reshape(-1), _t(p).long().reshape(-1)
        n = int(num_classes) if num_classes is not None else \
            int(builtins.max(y.max(), p.max())) + 1
        counts = _t(w[0]).reshape(-1).double() if w else \
            torch.ones_like(y, dtype=torch.float64)
        flat = torch.zeros(n * n, dtype=torch.float64, device=y.device)
        flat.index_add_(0, y * n + p, counts)
        return flat.reshape(n, n).to(_ops.torch_dtype(dtype))
    inputs = (labels, predictions) + (() if weights is None else (weights,))
    return _op(fn, 'confusion_matrix')(*inputs)


def _svd(tensor, full_matrices=False, compute_uv=True, name=None):
    """`tf.linalg.svd`: `s` or `(s, u, v)` (v itself, not its adjoint)."""
    x = _t(tensor)
    if not compute_uv:
        return torch.linalg.svdvals(x)
    u, s, vh = torch.linalg.svd(x, full_matrices=full_matrices)
    return s, u, vh.transpose(-2, -1).conj()


def _set_diag(input, diagonal, name=None, k=0,  # noqa: A002
              align='RIGHT_LEFT'):
    if k != 0:
        raise NotImplementedError(
            'tf.linalg.set_diag(k=%r): only the main diagonal (k=0) is '
            'supported; build the band with tf.linalg.band_part.' % (k,))

    def fn(x, d):
        x, d = _t(x), _t(d)
        n = builtins.min(x.shape[-2], x.shape[-1])
        eye_mask = torch.eye(x.shape[-2], x.shape[-1], dtype=torch.bool,
                             device=x.device)
        diag_full = torch.zeros_like(x)
        diag_full[..., torch.arange(n), torch.arange(n)] = d.to(x.dtype)
        return torch.where(eye_mask, diag_full, x)
    return _op(fn, 'set_diag')(input, diagonal)


math.confusion_matrix = confusion_matrix = _confusion_matrix
math.reciprocal_no_nan = _unary('reciprocal_no_nan', lambda x: torch.where(
    _t(x) == 0, torch.zeros_like(_t(x)), torch.reciprocal(_t(x))))
linalg.svd = svd = _svd
linalg.solve = matrix_solve = _binary(
    'solve', lambda a, b: torch.linalg.solve(_t(a), _t(b)))
linalg.set_diag = matrix_set_diag = _set_diag


def _triangular_solve(matrix, rhs, lower=True, adjoint=False, name=None):
    """tf.linalg.triangular_solve: solves `matrix @ x = rhs` for the lower
    (else upper) triangle of the innermost matrices; `adjoint` solves with
    the conjugate transpose of that triangle."""
    def fn(a, b):
        a, b = _t(a), _t(b)
        a = torch.tril(a) if lower else torch.triu(a)
        if adjoint:
            a = a.transpose(-1, -2).conj()
        return torch.linalg.solve_triangular(a, b.to(a.dtype),
                                             upper=lower == adjoint)
    return _op(fn, 'triangular_solve')(matrix, rhs)


def _cholesky_solve(chol, rhs, name=None):
    """tf.linalg.cholesky_solve: solves `A @ x = rhs` given the lower
    Cholesky factor of A."""
    return _op(lambda c, b: torch.cholesky_solve(_t(b), _t(c), upper=False),
               'cholesky_solve')(chol, rhs)


linalg.triangular_solve = matrix_triangular_solve = _triangular_solve
linalg.cholesky = cholesky = _unary(
    'cholesky', lambda x: torch.linalg.cholesky(_t(x)))
linalg.cholesky_solve = _cholesky_solve
dtypes.cast = cast
dtypes.saturate_cast = saturate_cast


def _assert_same_structure(nest1, nest2, check_types=True,
                           expand_composites=False):
    """`tf.nest.assert_same_structure`: raises ValueError (TypeError for
    differing sequence types) where the nestings differ."""
    def shape_of(value):
        if isinstance(value, dict):
            return ('dict', tuple((k, shape_of(value[k]))
                                  for k in sorted(value)))
        if isinstance(value, (list, tuple)):
            return (type(value).__name__ if check_types else 'seq',
                    tuple(shape_of(v) for v in value))
        return None
    if len(_nest_flatten(nest1)) != len(_nest_flatten(nest2)):
        raise ValueError(
            "The two structures don't have the same nested structure.\n\n"
            'First structure: %s\n\nSecond structure: %s' % (nest1, nest2))
    if shape_of(nest1) != shape_of(nest2):
        raise TypeError(
            "The two structures don't have the same sequence type. Input "
            'structure has type %s, while shallow structure has type %s.'
            % (type(nest1), type(nest2)))


nest.assert_same_structure = _assert_same_structure


class VariableSynchronization(object):
    """`tf.VariableSynchronization`: when distributed variables sync (one
    device here: every value means "at once")."""
    AUTO, NONE, ON_WRITE, ON_READ = 0, 1, 2, 3


class VariableAggregation(object):
    """`tf.VariableAggregation`: how replica updates combine (one
    device here: the update itself)."""
    NONE, SUM, MEAN, ONLY_FIRST_REPLICA = 0, 1, 2, 3


class IndexedSlices(object):
    """`tf.IndexedSlices(values, indices, dense_shape)`: rows `indices` of
    a tensor (TensorFlow's sparse gradient); `tf.convert_to_tensor` of it
    is not needed on PyTorch, whose gradients are dense."""

    def __init__(self, values, indices, dense_shape=None):
        self.values = values
        self.indices = indices
        self.dense_shape = dense_shape

    @property
    def dtype(self):
        return self.values.dtype

    @property
    def shape(self):
        return TensorShape(tuple(int(d) for d in self.dense_shape)) \
            if self.dense_shape is not None else None


def get_logger():
    """`tf.get_logger()`: the 'tensorflow' Python logger."""
    import logging as python_logging
    return python_logging.getLogger('tensorflow')


raw_ops = _submodule('raw_ops', 'TensorFlow kernels called by their op '
                     'names (the ones libraries call).')
raw_ops.ImageProjectiveTransformV3 = _image_ops.image_projective_transform_v3
image.extract_patches = _image_ops.extract_patches


def extract_image_patches(images, ksizes=None, strides=None, rates=None,
                          padding=None, name=None, sizes=None):
    """TensorFlow 1's `tf.extract_image_patches` (also
    `tf.image.extract_image_patches`, `tf.compat.v1`): the patches of
    `tf.image.extract_patches`, with the patch size named `ksizes`."""
    if (ksizes is None) == (sizes is None):
        raise ValueError('extract_image_patches takes the patch size as '
                         'one of `ksizes` or `sizes`.')
    return _image_ops.extract_patches(
        images, sizes if ksizes is None else ksizes, strides, rates,
        padding)


image.extract_image_patches = extract_image_patches


class Operation(object):
    """`tf.Operation`: a node of a TensorFlow graph. keras_compat runs
    eagerly on PyTorch and makes no graph operations, so no value is ever
    one (library checks `isinstance(x, tf.Operation)` are False)."""

    def __init__(self, *args, **kwargs):
        raise NotImplementedError(
            'tf.Operation: keras_compat builds no TensorFlow graph; call '
            'the operation function (tf.add, ...) to get its tensor.')


def as_string(input, precision=-1, scientific=False, shortest=False,  # noqa
              width=-1, fill='', name=None):
    """`tf.as_string(x)`: the decimal text of each number of `x`, as a
    numpy array of bytes (TensorFlow's string tensor); integers only."""
    if precision != -1 or scientific or shortest or width != -1 or fill:
        raise NotImplementedError(
            'tf.as_string formatting arguments (precision, scientific, '
            'shortest, width, fill) are not supported: format the numbers '
            'with numpy.char instead.')
    values = np.asarray(_t(input).detach().cpu().numpy()
                        if isinstance(input, torch.Tensor) else input)
    if values.dtype.kind not in 'iub':
        raise NotImplementedError(
            'tf.as_string of %s values is not supported (TensorFlow '
            'writes floats with 6 decimals): pass integers.' % values.dtype)
    text = np.empty(values.shape, dtype=object)
    text.reshape(-1)[:] = [str(int(v)).encode() for v in values.reshape(-1)]
    return text


def _to_hash_bucket_fast(input, num_buckets, name=None):  # noqa
    """`tf.strings.to_hash_bucket_fast`: FarmHash Fingerprint64 of each
    string modulo `num_buckets`, an int64 tensor."""
    from .layers.lookup import string_array
    from .utils import farmhash
    text = string_array(input)
    flat = [bytes(s) for s in text.reshape(-1)]
    hashes = farmhash.fingerprint64(flat) % np.uint64(num_buckets)
    return torch.as_tensor(hashes.astype(np.int64).reshape(text.shape),
                           device=K.get_device())


strings.as_string = as_string
strings.to_hash_bucket_fast = _to_hash_bucket_fast
string_to_hash_bucket_fast = _to_hash_bucket_fast


# ------------------------------------------------------ compiled ops
def load_op_library(library_filename):
    """`tf.load_op_library(path)`: raises tf.errors.NotFoundError, as
    TensorFlow does for a library it cannot load; compiled TensorFlow
    kernels cannot run on PyTorch (libraries such as TensorFlow Addons
    then fall back to their Python implementations)."""
    raise errors.NotFoundError(
        '%s: TensorFlow custom-op libraries cannot be loaded by keras_compat '
        '(it runs on PyTorch); use the library\'s pure-Python ops.'
        % (library_filename,))


# Gradient functions registered by name: for the op types a
# `Graph.gradient_override_map` maps to that name.
_OP_GRADIENTS = _gradient_overrides.REGISTRY


def no_gradient(op_type):
    """`tf.no_gradient(op_type)`: records that `op_type` has no gradient."""
    if not isinstance(op_type, str):
        raise TypeError('op_type must be a string')
    _OP_GRADIENTS[op_type] = None


class RegisterGradient(object):
    """`@tf.RegisterGradient(op_type)`: records the gradient function of
    a TensorFlow op type."""

    def __init__(self, op_type):
        if not isinstance(op_type, str):
            raise TypeError('op_type must be a string')
        self._op_type = op_type

    def __call__(self, gradient_function):
        _OP_GRADIENTS[self._op_type] = gradient_function
        return gradient_function


NoGradient = NotDifferentiable = no_gradient


class _GradientRegistry(object):
    """TensorFlow's registry of gradient functions, read as
    `ops._gradient_registry._registry` (`name in ...` before registering)."""

    _registry = _OP_GRADIENTS

    def lookup(self, name):
        if name not in self._registry:
            raise LookupError('gradient registry has no entry for: %s'
                              % (name,))
        return self._registry[name]

    def list(self):
        return list(self._registry)


_gradient_registry = _GradientRegistry()
for _module_ in (python.framework.ops, python.ops):
    _module_.RegisterGradient = RegisterGradient
    _module_.NotDifferentiable = _module_.no_gradient = no_gradient
    _module_._gradient_registry = _gradient_registry


# ---------------------------------------------------------- lookup tables
def _lookup_key(value):
    """A hashable key: bytes for strings, a Python number otherwise."""
    if isinstance(value, (str, bytes, np.str_, np.bytes_)):
        return _as_bytes(value)
    return value.item() if hasattr(value, 'item') else value


def _lookup_values(value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value, dtype=object if _is_string_value(
        value, None) else None)


class KeyValueTensorInitializer(object):
    """`tf.lookup.KeyValueTensorInitializer(keys, values)`: the contents
    of a static lookup table."""

    def __init__(self, keys, values, key_dtype=None, value_dtype=None,
                 name=None):
        self.keys = _lookup_values(keys).reshape(-1)
        self.values = _lookup_values(values).reshape(-1)
        if len(self.keys) != len(self.values):
            raise ValueError('keys and values must have the same size, got '
                             '%d and %d.' % (len(self.keys),
                                             len(self.values)))
        self.key_dtype = key_dtype
        self.value_dtype = value_dtype


class StaticHashTable(object):
    """`tf.lookup.StaticHashTable(initializer, default_value)`: an
    immutable key-to-value map; `lookup(keys)` maps every element and
    gives `default_value` for missing keys."""

    def __init__(self, initializer, default_value, name=None):
        self._table = {_lookup_key(k): v for k, v in builtins.zip(
            initializer.keys, initializer.values)}
        self._default_value = default_value
        self._strings = _is_string_value(list(initializer.values[:1]), None)

    def size(self, name=None):
        return constant(len(self._table), dtype=int64)

    def lookup(self, keys, name=None):
        keys = _lookup_values(keys)
        found = np.array([self._table.get(_lookup_key(k),
                                          self._default_value)
                          for k in keys.reshape(-1)],
                         dtype=object if self._strings else None)
        found = found.reshape(keys.shape)
        return found if self._strings else constant(found)


class StaticVocabularyTable(object):
    """`tf.lookup.StaticVocabularyTable(initializer, num_oov_buckets)`:
    maps the keys of `initializer` to their int64 ids and every other key
    to `vocab_size + Fingerprint64(key) % num_oov_buckets` (integer keys
    hashed through their decimal text), as TensorFlow does."""

    def __init__(self, initializer, num_oov_buckets, lookup_key_dtype=None,
                 name=None, experimental_is_anonymous=False):
        if num_oov_buckets <= 0:
            raise ValueError('`num_oov_buckets` must be > 0; use '
                             'StaticHashTable.')
        self._table = {} if initializer is None else {
            _lookup_key(k): int(v) for k, v in builtins.zip(
                initializer.keys, initializer.values)}
        self._num_oov_buckets = int(num_oov_buckets)

    def size(self, name=None):
        return constant(len(self._table) + self._num_oov_buckets,
                        dtype=int64)

    def lookup(self, keys, name=None):
        if getattr(keys, '_keras_ragged', False):
            return keys.with_flat_values(self.lookup(keys.flat_values))
        keys = _lookup_values(keys)
        flat = [_lookup_key(k) for k in keys.reshape(-1)]
        missing = [k for k in flat if k not in self._table]
        buckets = dict(builtins.zip(missing, _to_hash_bucket_fast(
            np.array([_oov_text(k) for k in missing], dtype=object),
            self._num_oov_buckets).cpu().numpy().tolist())) \
            if missing else {}
        ids = [self._table[k] if k in self._table
               else len(self._table) + buckets[k] for k in flat]
        return constant(np.array(ids, np.int64).reshape(keys.shape),
                        dtype=int64)


def _oov_text(key):
    """The bytes TensorFlow hashes for an out-of-vocabulary key."""
    return key if isinstance(key, bytes) else str(int(key)).encode()


lookup = _submodule('lookup', 'Lookup tables.')
lookup.KeyValueTensorInitializer = KeyValueTensorInitializer
lookup.StaticHashTable = StaticHashTable
lookup.StaticVocabularyTable = StaticVocabularyTable
lookup.experimental = _submodule('lookup.experimental', 'Lookup tables.')


class TextFileInitializer(KeyValueTensorInitializer):
    """`tf.lookup.TextFileInitializer(filename, key_dtype, key_index,
    value_dtype, value_index, delimiter='\\t')`: table contents read
    from a text file, one entry a line; an index is a column of the line
    split at `delimiter`, -1 (`LINE_NUMBER`) the line's number, -2
    (`WHOLE_LINE`) the whole line."""

    def __init__(self, filename, key_dtype, key_index, value_dtype,
                 value_index, vocab_size=None, delimiter='\t', name=None,
                 value_index_offset=0):
        if value_index_offset:
            raise NotImplementedError(
                'TextFileInitializer(value_index_offset=...) is not '
                'supported: number the lines in the file instead.')
        with open(filename, encoding='utf-8') as handle:
            lines = handle.read().splitlines()[:vocab_size]
        keys = [_text_file_column(line, number, key_index, key_dtype,
                                  delimiter)
                for number, line in enumerate(lines)]
        values = [_text_file_column(line, number, value_index, value_dtype,
                                    delimiter)
                  for number, line in enumerate(lines)]
        super(TextFileInitializer, self).__init__(
            np.array(keys, dtype=object if _is_text_dtype(key_dtype)
                     else None),
            np.array(values, dtype=object if _is_text_dtype(value_dtype)
                     else None), key_dtype, value_dtype)


def _is_text_dtype(dtype):
    return as_dtype(dtype) == string


def _text_file_column(line, number, index, dtype, delimiter):
    if index == -1:
        value = number
    elif index == -2:
        value = line
    else:
        value = line.split(delimiter)[index]
    return value if _is_text_dtype(dtype) else int(value)


lookup.TextFileInitializer = TextFileInitializer
lookup.TextFileIndex = types.SimpleNamespace(WHOLE_LINE=-2, LINE_NUMBER=-1)
python.ops.lookup_ops = _submodule('python.ops.lookup_ops',
                                   'Lookup tables.')
python.ops.lookup_ops.KeyValueTensorInitializer = KeyValueTensorInitializer
python.ops.lookup_ops.TextFileInitializer = TextFileInitializer
python.ops.lookup_ops.StaticHashTable = StaticHashTable
python.ops.lookup_ops.HashTable = StaticHashTable
python.ops.lookup_ops.StaticVocabularyTable = StaticVocabularyTable


# ------------------------------------------------------- sparse tensors
class SparseTensor(object):
    """`tf.SparseTensor(indices, values, dense_shape)`: TensorFlow's COO
    sparse tensor, kept as its three parts; `tf.sparse.to_dense` makes
    the dense torch tensor."""

    def __init__(self, indices, values, dense_shape):
        self.indices = torch.as_tensor(np.asarray(indices), dtype=torch.int64)
        # (Python floats become float32 and ints int32, as in TensorFlow.)
        self.values = _t(values) if isinstance(values, torch.Tensor) \
            else _text_values(values) if _is_text_list(values) \
            else torch.as_tensor(np.asarray(values,
                                            _default_dtype(values)))
        self.dense_shape = torch.as_tensor(np.asarray(dense_shape),
                                           dtype=torch.int64)

    @property
    def shape(self):
        return TensorShape(tuple(int(d) for d in self.dense_shape))

    @property
    def dtype(self):
        return string if isinstance(self.values, np.ndarray) \
            else as_dtype(self.values.dtype)

    def __repr__(self):
        return 'SparseTensor(indices=%s, values=%s, dense_shape=%s)' % (
            self.indices, self.values, self.dense_shape)

    def get_shape(self):
        return self.shape

    def with_values(self, new_values):
        """The same indices and dense shape with other values."""
        return SparseTensor(self.indices, new_values, self.dense_shape)

    @classmethod
    def from_value(cls, sparse_tensor_value):
        return cls(sparse_tensor_value.indices, sparse_tensor_value.values,
                   sparse_tensor_value.dense_shape)

    def __mul__(self, other):
        # (TensorFlow's sparse-dense product: a SparseTensor of the same
        # entries.)
        return _sparse_ops.sparse_cwise(self, other, torch.mul)

    def __truediv__(self, other):
        return _sparse_ops.sparse_cwise(self, other, torch.div)

    __div__ = __truediv__


def _is_text_list(values):
    return _is_text(values) or isinstance(values, (list, tuple)) and \
        len(values) > 0 and _is_text(values[0])


def _text_values(values):
    """String values, as a numpy object array (torch has no strings)."""
    return np.array([v if isinstance(v, bytes) else str(v).encode('utf8')
                     for v in np.ravel(np.asarray(values, dtype=object))],
                    dtype=object)


def _sparse_to_dense(sp_input, default_value=None, validate_indices=True,
                     name=None):
    shape = tuple(int(d) for d in sp_input.dense_shape)
    if isinstance(sp_input.values, np.ndarray):
        dense = np.full(shape, b'' if default_value is None
                        else default_value, dtype=object)
        for index, value in builtins.zip(sp_input.indices.tolist(),
                                         sp_input.values):
            dense[tuple(index)] = value
        return dense
    dense = torch.full(shape, 0 if default_value is None else default_value,
                       dtype=sp_input.values.dtype,
                       device=sp_input.values.device)
    if sp_input.indices.numel():
        dense[tuple(sp_input.indices.to(dense.device).t())] = \
            sp_input.values
    return dense


def _sparse_from_dense(tensor, name=None):
    dense = _t(tensor)
    indices = torch.nonzero(dense)
    return SparseTensor(indices, dense[tuple(indices.t())],
                        tuple(dense.shape))


sparse = _submodule('sparse', 'Sparse tensors.')
sparse.SparseTensor = SparseTensor
sparse.to_dense = _sparse_to_dense
sparse.from_dense = _sparse_from_dense
sparse_tensor_to_dense = _sparse_to_dense   # (TensorFlow 1's name)


# -------------------------------------------------------------- tf.sets
_SET_DTYPES = ('int8', 'int16', 'int32', 'int64', 'uint8', 'uint16')


def _set_dtype_name(value, argument):
    """The dtype name of a set operand, as TensorFlow checks it."""
    values = value.values if isinstance(value, SparseTensor) else value
    name = _dtype_name_of(values.dtype if hasattr(values, 'dtype')
                          else np.asarray(values).dtype)
    if name == 'string':
        raise NotImplementedError(
            'tf.sets on string tensors is not supported by the TensorFlow '
            'stand-in: map the strings to integer ids first (a '
            'tf.lookup table or StringLookup layer).')
    if name not in _SET_DTYPES:
        raise TypeError("'%s' has invalid dtype `<dtype: '%s'>` not in "
                        'supported dtypes: `%s`.' % (argument, name,
                                                     _SET_DTYPES))
    return name


def _set_rows(value):
    """(leading shape, last-axis size, one list of elements per set) of a
    dense tensor or a SparseTensor, its sets along the last axis."""
    if isinstance(value, SparseTensor):
        shape = tuple(int(d) for d in value.dense_shape)
        rows = [[] for _ in builtins.range(int(np.prod(shape[:-1])))]
        indices = value.indices.cpu().numpy()
        flat = np.ravel_multi_index(tuple(indices[:, :-1].T), shape[:-1]) \
            if len(shape) > 1 else np.zeros(len(indices), np.int64)
        for row, element in zip(flat.tolist(),
                                value.values.cpu().numpy().tolist()):
            rows[row].append(element)
        return shape[:-1], shape[-1], rows
    if getattr(value, '_is_keras_symbolic', False):
        raise NotImplementedError(
            'tf.sets operations on symbolic Keras tensors are not '
            'supported by the TensorFlow stand-in: call them inside a '
            "layer's call() or a Lambda layer, where they run on data.")
    array = _concrete(value)
    if array.ndim < 2:
        raise errors.InvalidArgumentError(
            'Shape %s has rank %d < 2' % (list(array.shape), array.ndim))
    rows = int(np.prod(array.shape[:-1]))
    return (array.shape[:-1], array.shape[-1],
            array.reshape(rows, array.shape[-1]).tolist())


def _set_operation(a, b, combine):
    """TensorFlow's set kernels: for each pair of sets along the last axis
    of `a` and `b` (dense or SparseTensor; all but the last dimension
    equal), `combine` of their elements, given as a SparseTensor whose
    rows hold the result in increasing order and whose last dimension is
    the largest result's size."""
    dtype = _set_dtype_name(a, 'a')
    if _set_dtype_name(b, 'b') != dtype:
        raise TypeError("Types don't match, <dtype: '%s'> vs <dtype: '%s'>."
                        % (dtype, _set_dtype_name(b, 'b')))
    if isinstance(a, SparseTensor) and not isinstance(b, SparseTensor):
        raise ValueError('Sparse,Dense is not supported, but Dense,Sparse '
                         'is. Please flip the order of your inputs.')
    a_shape, _, a_rows = _set_rows(a)
    b_shape, _, b_rows = _set_rows(b)
    if tuple(a_shape) != tuple(b_shape):
        raise errors.InvalidArgumentError('Mismatched shapes %s vs %s' % (
            list(a_shape), list(b_shape)))
    results = [sorted(combine(set(x), set(y)))
               for x, y in zip(a_rows, b_rows)]
    width = builtins.max([len(r) for r in results] + [0])
    leading = [np.unravel_index(row, a_shape) if len(a_shape) else ()
               for row in builtins.range(len(results))]
    indices = [list(leading[row]) + [column]
               for row, result in enumerate(results)
               for column in builtins.range(len(result))]
    values = [element for result in results for element in result]
    device = a.values.device if isinstance(a, SparseTensor) \
        else _t(a).device
    sparse_result = SparseTensor(
        np.asarray(indices, np.int64).reshape(-1, len(a_shape) + 1),
        np.asarray(values, dtype=dtype), list(a_shape) + [width])
    sparse_result.values = sparse_result.values.to(device)
    return sparse_result


def _set_intersection(a, b, validate_indices=True):
    return _set_operation(a, b, lambda x, y: x & y)


def _set_union(a, b, validate_indices=True):
    return _set_operation(a, b, lambda x, y: x | y)


def _set_difference(a, b, aminusb=True, validate_indices=True):
    return _set_operation(
        a, b, (lambda x, y: x - y) if aminusb else (lambda x, y: y - x))


def _set_size(a, validate_indices=True):
    """Number of distinct elements in each set of SparseTensor `a`
    (int32, shaped as `a` without its last dimension)."""
    if not isinstance(a, SparseTensor):
        raise TypeError('Expected `SparseTensor`, got %s.' % (a,))
    _set_dtype_name(a, 'a')
    shape, _, rows = _set_rows(a)
    counts = [len(set(row)) for row in rows]
    return torch.as_tensor(counts, dtype=torch.int32,
                           device=a.values.device).reshape(tuple(shape))


sets = _submodule('sets', 'Set operations along the last dimension.')
sets.intersection = sets.set_intersection = _set_intersection
sets.union = sets.set_union = _set_union
sets.difference = sets.set_difference = _set_difference
sets.size = sets.set_size = _set_size


version = _submodule('version', 'The TensorFlow version reported.')
version.GIT_VERSION = GIT_VERSION
version.__getattr__ = lambda name: _reported_version() \
    if name == 'VERSION' else _no_attribute('version', name)


def _no_attribute(module, name):
    raise AttributeError('module %r has no attribute %r'
                         % ('tensorflow.' + module, name))


# ------------------------------------------- signal processing, complex
signal = spectral = _signal_ops.signal
complex = _signal_ops.complex  # noqa: A001 (TensorFlow's name)
real, imag = _signal_ops.real, _signal_ops.imag
angle, conj = _signal_ops.angle, _signal_ops.conj
for _name in ('complex', 'real', 'imag', 'angle', 'conj'):
    setattr(math, _name, globals()[_name])

# ------------------------------------ segment reductions, sparse products
for _name in _sparse_graph.SEGMENT_OPS:
    setattr(math, _name, getattr(_sparse_graph, _name))
    globals()[_name] = getattr(_sparse_graph, _name)
sparse.sparse_dense_matmul = _sparse_graph.sparse_dense_matmul
sparse_tensor_dense_matmul = _sparse_graph.sparse_dense_matmul
sparse.reorder = _sparse_graph.sparse_reorder
sparse.transpose = _sparse_graph.sparse_transpose
sparse.reduce_sum = _sparse_graph.sparse_reduce_sum
sparse.softmax = sparse_softmax = _sparse_graph.sparse_softmax
sparse.eye = _sparse_graph.sparse_eye
sparse_reorder = sparse.reorder
sparse_transpose = sparse.transpose
sparse_reduce_sum = sparse.reduce_sum
for _name in ('add', 'retain', 'reshape', 'expand_dims', 'concat', 'slice',
              'split', 'map_values', 'maximum', 'minimum', 'fill_empty_rows',
              'reduce_max'):
    setattr(sparse, _name, getattr(_sparse_ops, 'sparse_' + _name))
    globals()['sparse_' + _name] = getattr(_sparse_ops, 'sparse_' + _name)
sparse.segment_sum = _sparse_ops.segment_sum
sparse.segment_mean = _sparse_ops.segment_mean
sparse.segment_sqrt_n = _sparse_ops.segment_sqrt_n
nn.embedding_lookup_sparse = _sparse_ops.embedding_lookup_sparse

python.framework.smart_cond = _submodule('python.framework.smart_cond',
                                         'Conditionals on Python values.')
python.framework.smart_cond.smart_cond = \
    lambda pred, true_fn=None, false_fn=None, name=None: cond(
        pred, true_fn, false_fn)
python.ops.gen_sparse_ops = _submodule('python.ops.gen_sparse_ops',
                                       'Sparse kernels.')
python.ops.gen_sparse_ops.sparse_reorder = _sparse_graph.gen_sparse_reorder
python.ops.linalg = _submodule('python.ops.linalg', 'Linear algebra.')
python.ops.linalg.sparse = _submodule('python.ops.linalg.sparse',
                                      'CSR sparse matrices.')
python.ops.linalg.sparse.sparse = _submodule(
    'python.ops.linalg.sparse.sparse', 'CSR sparse matrices.')
python.ops.linalg.sparse.sparse.CSRSparseMatrix = \
    _sparse_graph.CSRSparseMatrix
python.ops.linalg.sparse.sparse.matmul = _sparse_graph.csr_matmul


SUBMODULES = ('nn', 'math', 'linalg', 'random', 'dtypes', 'train', 'data',
              'image', 'losses', 'summary', 'initializers', 'strings',
              'logging', 'autograph', 'config', 'config.experimental',
              'config.threading', 'config.optimizer', 'test', 'errors',
              'compat', 'sets', 'signal', 'ragged')


def __getattr__(name):
    if name in ('__version__', 'VERSION'):
        return _reported_version()
    if name == 'keras':
        return _keras()
    if name == 'layers':
        from . import tensorflow_v1_layers  # (TF1's tf.layers)
        return tensorflow_v1_layers
    if name == 'metrics':
        from .tensorflow_v1_metrics import metrics_module
        return metrics_module(_keras().metrics)  # (+ TF1's streaming)
    if name == 'optimizers':
        return _keras().optimizers  # (TF2's tf.optimizers)
    if name == 'feature_column':
        from . import feature_column
        return feature_column
    if name == 'estimator':
        from . import estimator
        return estimator
    if name in _SUMMARY_PROTO_NAMES:
        return _summary_proto_class(name)
    raise AttributeError(
        "module 'tensorflow' has no attribute %r: keras_compat runs Keras on "
        'PyTorch without TensorFlow, and its TensorFlow stand-in has only '
        'the operations Keras programs use most. Write this part with '
        'keras.backend functions (K.*) or torch, or install TensorFlow.'
        % (name,))


# A call of a public function on symbolic tensors is one TFOpLambda node.
from . import tensorflow_op_layers as _op_layers  # noqa: E402
_op_layers.record_calls_as_layers(sys.modules[__name__])

# TF1 queue input pipelines, and the string functions reading them.
from . import tensorflow_queues as _queues  # noqa: E402
_queues.install(sys.modules[__name__])

# More `tensorflow.python.*` internals, served with the operations above.
from . import tensorflow_python_modules as _python_modules  # noqa: E402
_python_modules.install(python, _module, _submodule)
