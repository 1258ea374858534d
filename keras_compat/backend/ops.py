"""`keras.backend` tensor functions on torch tensors.

Each function takes torch tensors, numpy arrays or Python numbers and returns
torch tensors on the device of its input (new tensors go to the backend
device). Semantics follow the Keras 2 TensorFlow backend: e.g. `sqrt` clips
negatives to zero, `std`/`var` are population statistics, `round` rounds
half to even, `batch_dot` keeps Keras's axis rules."""
import builtins
import contextlib
import functools
import warnings

import numpy as np
import torch
import torch.nn.functional as F

from . import common
from . import gradient_overrides as _overrides
from . import replay as _replay
from . import variable_graph as _graph
from . import variable_registry as _registry
# Imported before `rnn` below is defined: the package's `rnn` attribute is
# then the function, not this module.
from . import rnn as _rnn_kernels
from . import nn as _nn
from .device import get_device

_DTYPES = {
    'float16': torch.float16, 'float32': torch.float32,
    'float64': torch.float64, 'bfloat16': torch.bfloat16,
    'int8': torch.int8, 'int16': torch.int16, 'int32': torch.int32,
    'int64': torch.int64, 'uint8': torch.uint8, 'bool': torch.bool,
    'complex64': torch.complex64, 'complex128': torch.complex128,
}
# Unsigned types beyond uint8 (tf.keras image inputs are often uint16);
# torch has them since 2.3, with few kernels: models cast them first.
_DTYPES.update({name: getattr(torch, name) for name in
                ('uint16', 'uint32', 'uint64') if hasattr(torch, name)})
_DTYPE_NAMES = {v: k for k, v in _DTYPES.items()}
_TENSORFLOW_DTYPE_NAMES = {'float': 'float32', 'double': 'float64',
                           'half': 'float16'}


class IncompatibleShapesError(ValueError, RuntimeError):
    """Operands whose shapes an operation cannot combine: a ValueError, as
    TensorFlow raises while building the operation (and a RuntimeError,
    as torch raises)."""


_SHAPE_WORDS = ('size', 'shape', 'dimension')


def _shape_errors(fn):
    """`fn` raising IncompatibleShapesError where torch rejects the
    operands' shapes."""
    @functools.wraps(fn)
    def checked(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except IncompatibleShapesError:
            raise
        except RuntimeError as error:
            message = str(error)
            if isinstance(error, getattr(torch, 'OutOfMemoryError', ())) \
                    or not builtins.any(w in message.lower()
                                        for w in _SHAPE_WORDS):
                raise
            raise IncompatibleShapesError(message) from None
    return checked


def torch_dtype(dtype):
    """A torch dtype for a Keras dtype name, numpy dtype or torch dtype."""
    if dtype is None:
        return _DTYPES[common.floatx()]
    if isinstance(dtype, torch.dtype):
        return dtype
    if isinstance(dtype, str) and dtype in _DTYPES:
        return _DTYPES[dtype]
    if isinstance(dtype, str) and dtype in _TENSORFLOW_DTYPE_NAMES:
        # TensorFlow's names, which numpy reads otherwise ('float' is
        # float32 to `tf.placeholder("float")` and `K.cast(x, 'float')`).
        return _DTYPES[_TENSORFLOW_DTYPE_NAMES[dtype]]
    if hasattr(dtype, '_torch_dtype'):
        # The TensorFlow stand-in's dtypes (`tf.float32`).
        return dtype._torch_dtype
    if isinstance(dtype, int) and not isinstance(dtype, bool):
        # TensorFlow's DataType enum (`tf.zeros(shape, 1)`: float32).
        from ..tensorflow_compat import as_dtype
        return as_dtype(dtype)._torch_dtype
    try:
        name = np.dtype(dtype).name
    except TypeError:
        raise ValueError('Unknown dtype: %r' % (dtype,))
    if name not in _DTYPES:
        raise ValueError('Unknown dtype: %r' % (dtype,))
    return _DTYPES[name]


def dtype_name(dtype):
    """The Keras name ('float32', 'int64', ...) of a torch or numpy dtype."""
    if isinstance(dtype, torch.dtype):
        return _DTYPE_NAMES.get(dtype, str(dtype).replace('torch.', ''))
    if hasattr(dtype, '_torch_dtype'):
        return dtype.name
    return np.dtype(dtype).name


def _is_symbolic(x):
    return getattr(x, '_is_keras_symbolic', False)


def _t(x, dtype=None):
    """Converts `x` to a torch tensor (floats to floatx) without copying
    tensors that already are."""
    if isinstance(x, torch.Tensor):
        return x if dtype is None else x.to(torch_dtype(dtype))
    if _is_symbolic(x):
        raise TypeError(
            'This backend function cannot take a symbolic Keras tensor '
            '(%r). Wrap the computation in a `Lambda` layer so that it runs '
            'on real tensors.' % (x,))
    if isinstance(x, np.ndarray):
        if dtype is None and x.dtype == np.float64:
            dtype = common.floatx()
        # (np.ascontiguousarray turns a 0-d array into shape (1,): a scalar
        # such as K.cast_to_floatx(1.0) keeps its shape ().)
        x = np.ascontiguousarray(x).reshape(x.shape)
        if not x.flags.writeable:
            x = x.copy()  # (np.broadcast_to's views: torch warns on them)
        t = torch.from_numpy(x)
        t = t.to(get_device())
        return t if dtype is None else t.to(torch_dtype(dtype))
    if isinstance(x, (list, tuple)) and builtins.any(
            isinstance(v, torch.Tensor) for v in x):
        return torch.stack([_t(v) for v in x])
    if dtype is None:
        arr = np.asarray(x)
        if arr.dtype.kind == 'f':
            dtype = common.floatx()
        elif arr.dtype.kind == 'b':
            dtype = 'bool'
        elif arr.dtype.kind in 'iu':
            dtype = 'int64' if arr.dtype.itemsize == 8 else 'int32'
        else:
            dtype = common.floatx()
    return torch.as_tensor(np.asarray(x), dtype=torch_dtype(dtype),
                           device=get_device())


def _axis(axis):
    """An axis argument as torch takes it: None, an int or a tuple of
    ints. Keras 2 (TensorFlow) also took a list, a numpy array (the
    WGAN-GP penalty's `axis=np.arange(1, ndim)`), numpy integers and
    integer tensors."""
    if axis is None or isinstance(axis, int):
        return axis
    if isinstance(axis, torch.Tensor):
        axis = axis.detach().cpu().numpy()
    if isinstance(axis, np.ndarray):
        if axis.ndim == 0:
            return int(axis)
        return tuple(int(a) for a in axis.ravel())
    if isinstance(axis, np.integer):
        return int(axis)
    if isinstance(axis, (list, tuple)):
        return tuple(int(a) for a in axis)
    return axis


def _float(x):
    x = _t(x)
    if not x.is_floating_point():
        x = x.to(torch_dtype(common.floatx()))
    return x


# ------------------------------------------------------------ variables
@_replay.records_variable(_replay.shape_of_value)
def variable(value, dtype=None, name=None, constraint=None):
    """A weight-like tensor holding `value` (a trainable leaf for floats)."""
    if isinstance(value, torch.Tensor):
        # A copy of the value now, as a plain tensor (of a weight view or
        # an expression, too).
        with _graph.quiet(), torch._C.DisableTorchFunctionSubclass():
            data = _graph.current(value).detach().clone()
        if dtype is not None:
            data = data.to(torch_dtype(dtype))
        elif data.is_floating_point():
            data = data.to(torch_dtype(common.floatx()))
    else:
        data = torch.as_tensor(np.array(value, copy=True, order='C'),
                               dtype=torch_dtype(dtype or common.floatx()))
    var = _new_variable(data, name)
    var.constraint = constraint
    return var


def is_variable(x):
    return isinstance(x, torch.nn.Parameter)


def constant(value, dtype=None, shape=None, name=None):
    if dtype is None:
        dtype = common.floatx()
    if shape is not None and np.ndim(value) == 0:
        return torch.full(tuple(shape), float(value), dtype=torch_dtype(dtype),
                          device=get_device())
    t = _t(value, dtype)
    if shape is not None:
        t = t.reshape(tuple(shape))
    return t


def is_tensor(x):
    return isinstance(x, torch.Tensor) or _is_symbolic(x)


def is_keras_tensor(x):
    """True for the symbolic tensors `Input` and layers return."""
    if not is_tensor(x):
        raise ValueError('Unexpectedly found an instance of type `' +
                         str(type(x)) + '`. Expected a symbolic tensor '
                         'instance.')
    return _is_symbolic(x)


def _is_sparse_tensor(x):
    """Whether x is the TensorFlow stand-in's `tf.SparseTensor`."""
    if isinstance(x, torch.Tensor) or not hasattr(x, 'dense_shape'):
        return False
    from ..tensorflow_compat import SparseTensor
    return isinstance(x, SparseTensor)


def is_sparse(tensor):
    # (an `Input(sparse=True)` is a sparse symbolic tensor)
    return (isinstance(tensor, torch.Tensor) and tensor.is_sparse) or \
        _is_sparse_tensor(tensor) or \
        (getattr(tensor, '_is_keras_symbolic', False)
         and getattr(tensor, 'sparse', False) is True)


def to_dense(tensor):
    if _is_sparse_tensor(tensor):
        from ..tensorflow_sparse_graph import dense_tensor
        return dense_tensor(tensor)
    return tensor.to_dense() if is_sparse(tensor) else tensor


def placeholder(shape=None, ndim=None, dtype=None, sparse=False, name=None):
    """A symbolic input tensor, as `keras.layers.Input` returns."""
    from ..engine.input_layer import Input
    if shape is None:
        if ndim is None:
            raise ValueError('placeholder needs `shape` or `ndim`.')
        shape = (None,) * ndim
    if name is None:
        # TensorFlow's op names ('Placeholder', 'Placeholder_1'): a
        # placeholder takes no number from the layers' 'input_N' names.
        count = common.get_uid('Placeholder') - 1
        name = 'Placeholder_%d' % count if count else 'Placeholder'
    return Input(batch_shape=tuple(shape), dtype=dtype, sparse=sparse,
                 name=name)


def is_placeholder(x):
    return _is_symbolic(x) and getattr(x, '_is_input', False)


def shape(x):
    """The shape of `x` as an int32 vector tensor (on `x`'s device), as
    Keras 2's `K.shape` returns: arithmetic on it is tensor arithmetic
    (`K.shape(x)[1:3] * 32`), and its entries serve as sizes in
    `K.reshape`, `K.zeros`, `K.random_normal`, ... Of a symbolic tensor, a
    symbolic int32 vector (its dynamic shape)."""
    if _is_symbolic(x):
        from ..engine import symbolic
        return symbolic.apply_op(_shape_vector, (x,), name='shape')
    return _shape_vector(_t(x))


def _shape_vector(x):
    return torch.tensor(tuple(x.shape), dtype=torch.int32,
                        device=x.device)


def int_shape(x):
    """The static shape of `x` as a tuple of ints (None for unknown dims)."""
    if _is_symbolic(x):
        return tuple(x.shape)
    if hasattr(x, 'shape'):
        return tuple(int(d) if d is not None else None for d in x.shape)
    return None


def ndim(x):
    if _is_symbolic(x):
        return len(x.shape)
    return len(int_shape(x))


def size(x, name=None):
    if _is_symbolic(x):
        from ..engine import symbolic
        return symbolic.apply_op(size, (x,), name='size')
    return torch.tensor(_t(x).numel(), device=get_device())


def dtype(x):
    """The dtype name of `x`, e.g. 'float32'."""
    if _is_symbolic(x):
        return x.dtype
    if isinstance(x, torch.Tensor):
        return dtype_name(x.dtype)
    if isinstance(x, common.LearningPhase):
        # (Keras 2's learning phase is an int32 tensor.)
        return 'int32'
    return np.asarray(x).dtype.name


def eval(x):
    """The value of a tensor as a Numpy array."""
    return get_value(x)


def get_value(x):
    """The value of a variable or tensor as a Numpy array."""
    if _is_symbolic(x):
        raise ValueError(
            'K.get_value / K.eval of the symbolic tensor %r: it has a value '
            'only when the graph runs. Evaluate it with '
            'K.function(inputs, [tensor])(input_values), or '
            'model.predict for a model output.' % (x,))
    if isinstance(x, torch.Tensor):
        # A copy, as Keras returns: later updates do not show through it.
        # An expression of variables is computed from their values now.
        with _graph.quiet(), torch._C.DisableTorchFunctionSubclass():
            value = _graph.current(x).detach().to('cpu', copy=True).numpy()
        # A scalar as a numpy scalar, as TensorFlow gives it: immutable
        # (an LR finder's `lrs.append(lr); lr *= factor` keeps lr).
        return value[()] if value.ndim == 0 else value
    if hasattr(x, 'numpy') and callable(x.numpy):
        return x.numpy()
    return np.asarray(x)


def batch_get_value(ops):
    return [get_value(x) for x in ops]


def set_value(x, value):
    """Writes `value` (a Numpy array or number) into the tensor `x`."""
    if not isinstance(x, torch.Tensor):
        setter = getattr(x, 'assign', None)
        if setter is None:
            raise TypeError('set_value expects a variable; got %r' % (x,))
        setter(value)
        return
    value = np.asarray(value)
    if value.shape != tuple(x.shape) and value.size != x.numel():
        raise ValueError('set_value: the value of shape %s does not fit the '
                         'variable of shape %s.' % (value.shape,
                                                    tuple(x.shape)))
    # (A weight whose Keras layout reorders the parameter, a GRU's or
    # LSTM's kernel, is written through its layer.)
    _graph.write(x, value)


def batch_set_value(tuples):
    for x, value in tuples:
        set_value(x, value)


def get_variable_shape(x):
    return int_shape(x)


def count_params(x):
    return int(np.prod(int_shape(x)))


def _graph_update(x, new_value, combine=None):
    """The update op of K.function for a value computed by the graph:
    `x` takes `new_value` (or `combine(x, new_value)`) each time the
    function runs."""
    from ..engine.symbolic import VariableUpdate
    return VariableUpdate(x, new_value, combine)


def _is_graph_update(x, value):
    """Whether an update is a graph op, run when K.function or a training
    step runs it (as in Keras 2), rather than now: its value is a
    symbolic tensor, or, while no model runs, it updates a variable or
    takes an expression of variables."""
    if _is_symbolic(value):
        return True
    return _graph.recording() and (_graph.is_expression(value) or
                                   _graph.involves_variables((x,), {}))


@_replay.deferred('assign')
def update(x, new_x):
    """Assigns `new_x` to the variable `x`. Written while no model runs
    (or with a symbolic `new_x`), the update op to pass to
    `K.function(..., updates=[...])`, `model.add_update` or
    `K.batch_get_value`, as in Keras 2; inside a run, done now."""
    if _is_graph_update(x, new_x):
        return _graph_update(x, new_x)
    if _skips_update(x) or _graph.defer_update(x, _t(new_x)):
        return x
    with torch.no_grad():
        x.copy_(_t(new_x))
    return x


def _skips_update(x):
    """Whether an eager update of `x` is one Keras 2 would not run: any
    inside the run on zero tensors that finds a layer's output shape
    (Keras 2 only built the graph there), and, in evaluate and predict,
    one of a weight of a layer that is not stateful (Keras 2's test and
    predict functions ran only the updates of stateful layers, so a
    custom normalization layer keeps its statistics there; tf.keras runs
    the update ops of every call, in evaluate and predict too)."""
    from ..engine import symbolic
    if symbolic.probe_values() is not None:
        return True
    return common.in_inference_loop() and not common.is_tf_keras() and \
        getattr(x, '_keras_tracked', False) and \
        not getattr(x, '_keras_state', True)


def _added(x, increment):
    return x + increment


def _subtracted(x, decrement):
    return x - decrement


@_replay.deferred('add')
def update_add(x, increment):
    if _is_symbolic(increment):
        return _graph_update(x, x + increment)
    if _is_graph_update(x, increment):
        return _graph_update(x, increment, _added)
    if _skips_update(x) or _graph.defer_update(x, _t(increment), _added):
        return x
    with torch.no_grad():
        x.add_(_t(increment).to(x.dtype))
    return x


@_replay.deferred('sub')
def update_sub(x, decrement):
    if _is_symbolic(decrement):
        return _graph_update(x, x - decrement)
    if _is_graph_update(x, decrement):
        return _graph_update(x, decrement, _subtracted)
    if _skips_update(x) or _graph.defer_update(x, _t(decrement),
                                               _subtracted):
        return x
    with torch.no_grad():
        x.sub_(_t(decrement).to(x.dtype))
    return x


def moving_average_update(x, value, momentum):
    """x = x * momentum + value * (1 - momentum), in place."""
    if _is_symbolic(value):
        return _graph_update(x, x * momentum + value * (1. - momentum))
    if _is_graph_update(x, value):
        return _graph_update(x, value, functools.partial(
            _moving_average, momentum=momentum))
    if _skips_update(x) or _graph.defer_update(
            x, _t(value), functools.partial(_moving_average,
                                            momentum=momentum)):
        return x
    with torch.no_grad():
        x.mul_(momentum).add_(_t(value).to(x.dtype), alpha=1. - momentum)
    return x


def _moving_average(x, value, momentum):
    return x * momentum + value * (1. - momentum)


def print_tensor(x, message='', summarize=3):
    """Writes `message` and `x` to standard output as `tf.print` does
    (`x = [[1.5 2]\n [3 4]]`), and returns `x`."""
    import sys
    from .. import tensorflow_print
    tensorflow_print.print_v2(message, x, output_stream=sys.stdout,
                              summarize=summarize)
    return x


# Keras 2 on TensorFlow 1 names a variable within its graph: the name
# scopes around it prefix the name, and a name in use gets '_1', '_2'
# (`K.zeros(shape, name='m_0')` in two groups: 'm_0', 'm_0_1'). tf.keras 2
# runs eagerly and does neither.
_NAMES_IN_USE = {}
_NAME_SCOPES = []


def _unique_name(name):
    """TensorFlow 1's `Graph.unique_name` (case-insensitive counts)."""
    key = name.lower()
    i = _NAMES_IN_USE.get(key, 0)
    _NAMES_IN_USE[key] = i + 1
    if i == 0:
        return name
    base = key
    while key in _NAMES_IN_USE:
        key = '%s_%d' % (base, i)
        i += 1
    _NAMES_IN_USE[key] = 1
    return '%s_%d' % (name, i - 1)


def _scoped_name(name):
    """`name` inside the current name scopes, unique in the graph."""
    return _unique_name('/'.join(_NAME_SCOPES[-1:] + [name]))


@contextlib.contextmanager
def name_scope(name):
    """Prefixes the names of the variables made inside with `name/`
    (made unique, as TensorFlow 1 does) in a Keras 2 program."""
    if common.api_flavour() != 'keras' or not name:
        yield name
        return
    _NAME_SCOPES.append(_scoped_name(str(name).rstrip('/')))
    try:
        yield name
    finally:
        _NAME_SCOPES.pop()


@contextlib.contextmanager
def control_dependencies(control_inputs):
    """Keras 2 runs `control_inputs` before the block's ops. Here every op
    runs eagerly, in program order, so they have already run; inside an
    optimizer's `get_updates`, whose updates are queued until it returns,
    the updates given are applied here."""
    _replay.run_dependencies(control_inputs)
    yield


def symbolic(func):
    """Keras 2.3 decorator for functions built in graph mode; functions
    run eagerly here and are returned as they are."""
    return func


def eager(func):
    """Keras 2.3 decorator for functions run eagerly, which all are."""
    return func


_SHARED_SESSION = []


def get_session():
    """Keras 2's TensorFlow session: the TensorFlow stand-in's session
    made default by a `with session:` block, else one shared session.
    Its `run(fetches, feed_dict)` computes symbolic tensors (feeding the
    placeholders and `K.learning_phase()` given) and variables, as
    `K.get_session().run(...)` does in Keras 2."""
    from .. import tensorflow_compat as tf
    if tf.Session._default:
        return tf.Session._default[-1]
    if not _SHARED_SESSION:
        _SHARED_SESSION.append(tf.Session())
    return _SHARED_SESSION[0]


def set_session(session):
    """Keras 2 scripts set a TensorFlow session to configure the GPU
    (`allow_growth`, device placement). torch allocates GPU memory as it
    is needed and places tensors by `KERAS_COMPAT_DEVICE`, so the session
    is not used; a warning says so (not for a session of keras_compat's
    TensorFlow stand-in, whose thread setting is applied when made)."""
    if type(session).__module__ == 'keras_compat.tensorflow_compat':
        return
    warnings.warn('K.set_session: keras_compat runs on PyTorch and does not '
                  'use the TensorFlow session given (torch grows GPU memory '
                  'as needed; choose the device with KERAS_COMPAT_DEVICE).',
                  stacklevel=2)


def manual_variable_initialization(value):
    """Accepted for compatibility: torch tensors are initialised at once."""
    return None


def clear_session():
    """Resets layer-name counters and the forced learning phase, frees
    cached device memory."""
    common.reset_uids()
    _NAMES_IN_USE.clear()
    _registry.clear()
    # (Keras 2 makes a new session after clear_session.)
    del _SHARED_SESSION[:]
    from . import graph_names
    graph_names.clear()
    common.clear_forced_learning_phase()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def backend():
    """The name Keras 2 programs branch on: 'tensorflow' while `import
    tensorflow` gives keras_compat's TensorFlow stand-in (the script
    runner, `install_as_keras()`), so that a program's
    `K.backend() == 'tensorflow'` branch, the one Keras on TensorFlow ran,
    runs with its numbers (cbaziotis' AttentionWithContext computes x.W^T
    there and x.W in the other branch); 'torch' otherwise."""
    import sys
    from .. import aliasing
    module = sys.modules.get('tensorflow')
    if module is not None:
        return 'tensorflow' if aliasing._is_ours(module) else 'torch'
    for finder in sys.meta_path:
        if isinstance(finder, aliasing.TensorFlowStandInFinder):
            # (Searching the path for a TensorFlow takes tens of
            # microseconds, and layers ask in every call: asked once per
            # import path.)
            key = (id(finder), tuple(sys.path))
            if key not in _REAL_TENSORFLOW:
                _REAL_TENSORFLOW.clear()
                _REAL_TENSORFLOW[key] = \
                    aliasing._real_tensorflow_found(finder)
            return 'torch' if _REAL_TENSORFLOW[key] else 'tensorflow'
    return 'torch'


_REAL_TENSORFLOW = {}


# ------------------------------------------------------- tensor creation
def _shape_tuple(shape):
    if isinstance(shape, torch.Tensor):
        shape = shape.tolist()
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


# K.zeros, K.ones and K.eye make variables, as in Keras 2 (whose Keras 1
# style layers list them in `trainable_weights`).
@_replay.records_variable(_replay.shape_of_shape)
def zeros(shape, dtype=None, name=None):
    """A variable of zeros."""
    _name_filled_tensor(name or 'zeros')
    return _new_variable(torch.zeros(_shape_tuple(shape),
                                     dtype=torch_dtype(dtype)), name)


@_replay.records_variable(_replay.shape_of_shape)
def ones(shape, dtype=None, name=None):
    """A variable of ones."""
    _name_filled_tensor(name or 'ones')
    return _new_variable(torch.ones(_shape_tuple(shape),
                                    dtype=torch_dtype(dtype)), name)


@_replay.records_variable(_replay.shape_of_eye)
def eye(size, dtype=None, name=None):
    """A variable holding the identity matrix (n x n, or n x m for a
    pair)."""
    if isinstance(size, (tuple, list)):
        n, m = size
    else:
        n, m = size, size
    return _new_variable(torch.eye(n, m, dtype=torch_dtype(dtype)), name)


def _name_filled_tensor(name):
    """Keras 2's K.zeros / K.ones make `tf.zeros(shape, name=name)` before
    the variable of that value, which then takes the next unique name
    ('m_0_1')."""
    if common.api_flavour() == 'keras':
        _scoped_name(name)


def _new_variable(data, name):
    var = _graph.new_variable(data.to(get_device()))
    var._keras_name = name
    if common.api_flavour() == 'keras' or _NAME_SCOPES:
        var.__dict__['_keras_graph_name'] = _scoped_name(name or 'Variable')
    var.constraint = None
    _registry.record_variable(var)
    return var


def zeros_like(x, dtype=None, name=None):
    x = _t(x)
    return torch.zeros_like(x, dtype=None if dtype is None else
                            torch_dtype(dtype))


def ones_like(x, dtype=None, name=None):
    x = _t(x)
    return torch.ones_like(x, dtype=None if dtype is None else
                           torch_dtype(dtype))


def identity(x, name=None):
    return _overrides.apply('Identity', torch.clone, _t(x))


def arange(start, stop=None, step=1, dtype='int32'):
    """Keras 2's `arange`: a range of float arguments stays float32 under
    the default `dtype='int32'`, as `tf.range` infers it; any other
    `dtype` casts the range."""
    if stop is None:
        start, stop = 0, start
    if dtype == 'int32' and builtins.any(
            isinstance(v, float) for v in (start, stop, step)):
        dtype = 'float32'
    return torch.arange(start, stop, step, dtype=torch_dtype(dtype),
                        device=get_device())


def _generator(seed, device):
    if seed is None:
        return None
    gen = torch.Generator(device='cpu')
    gen.manual_seed(int(seed))
    return gen


def _random(fn, shape, dtype, seed):
    """Draws on the CPU generator (so a seed gives the same numbers on
    every device), then moves the result to the backend device."""
    gen = _generator(seed, 'cpu')
    out = fn(_shape_tuple(shape), gen)
    return out.to(device=get_device(), dtype=torch_dtype(dtype))


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    return _random(lambda s, g: torch.empty(s).uniform_(minval, maxval,
                                                       generator=g),
                   shape, dtype, seed)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return _random(lambda s, g: torch.empty(s).normal_(mean, stddev,
                                                      generator=g),
                   shape, dtype, seed)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal values with draws beyond two standard deviations redrawn."""
    def draw(s, g):
        out = torch.empty(s)
        torch.nn.init.trunc_normal_(out, 0.0, 1.0, -2.0, 2.0, generator=g)
        return out * stddev + mean
    return _random(draw, shape, dtype, seed)


def random_binomial(shape, p=0.0, dtype=None, seed=None):
    return _random(lambda s, g: (torch.rand(s, generator=g) < p).float(),
                   shape, dtype, seed)


@_replay.records_variable(_replay.shape_of_shape)
def random_uniform_variable(shape, low, high, dtype=None, name=None,
                            seed=None):
    return variable(random_uniform(shape, low, high, dtype, seed),
                    dtype=dtype, name=name)


@_replay.records_variable(_replay.shape_of_shape)
def random_normal_variable(shape, mean, scale, dtype=None, name=None,
                           seed=None):
    return variable(random_normal(shape, mean, scale, dtype, seed),
                    dtype=dtype, name=name)


# -------------------------------------------------------------- reductions
def _reduce(fn, x, axis, keepdims):
    x = _t(x)
    axis = _axis(axis)
    if axis is None:
        out = fn(x)
        if keepdims:
            out = out.reshape((1,) * x.dim())
        return out
    return fn(x, dim=axis, keepdim=keepdims)


def mean(x, axis=None, keepdims=False):
    return _reduce(torch.mean, _float(x), axis, keepdims)


def sum(x, axis=None, keepdims=False):
    return _reduce(torch.sum, x, axis, keepdims)


def prod(x, axis=None, keepdims=False):
    x = _t(x)
    axis = _axis(axis)
    if axis is None:
        out = torch.prod(x)
        return out.reshape((1,) * x.dim()) if keepdims else out
    if isinstance(axis, tuple):
        for a in sorted((a % x.dim() for a in axis), reverse=True):
            x = torch.prod(x, dim=a, keepdim=keepdims)
        return x
    return torch.prod(x, dim=axis, keepdim=keepdims)


def max(x, axis=None, keepdims=False):
    return _extremum(torch.amax, x, axis, keepdims, largest=True)


def min(x, axis=None, keepdims=False):
    return _extremum(torch.amin, x, axis, keepdims, largest=False)


def _extremum(fn, x, axis, keepdims, largest):
    x = _t(x)
    if x.numel() == 0:
        return _extremum_of_nothing(x, axis, keepdims, largest)
    return _reduce(fn, x, axis, keepdims)


def _extremum_of_nothing(x, axis, keepdims, largest):
    """K.max / K.min over no elements: TensorFlow's identity of the
    reduction (-inf or the lowest integer for max, inf or the highest for
    min), where torch refuses an empty reduction axis."""
    # (A sum gives the reduced shape and keeps the result in the graph.)
    shaped = _reduce(torch.sum, x, axis, keepdims)
    if x.is_floating_point():
        return shaped + (float('-inf') if largest else float('inf'))
    if x.dtype == torch.bool:
        fill = not largest
    else:
        limits = torch.iinfo(x.dtype)
        fill = limits.min if largest else limits.max
    return torch.full(shaped.shape, fill, dtype=x.dtype, device=x.device)


def var(x, axis=None, keepdims=False):
    x = _float(x)
    axis = _axis(axis)
    if axis is None:
        out = torch.var(x, unbiased=False)
        return out.reshape((1,) * x.dim()) if keepdims else out
    return torch.var(x, dim=axis, unbiased=False, keepdim=keepdims)


def std(x, axis=None, keepdims=False):
    return _sqrt(var(x, axis, keepdims))


def any(x, axis=None, keepdims=False):
    x = _t(x).bool()
    axis = _axis(axis)
    if axis is None:
        out = x.any()
        return out.reshape((1,) * x.dim()) if keepdims else out
    if isinstance(axis, tuple):
        for a in sorted((a % x.dim() for a in axis), reverse=True):
            x = x.any(dim=a, keepdim=keepdims)
        return x
    return x.any(dim=axis, keepdim=keepdims)


def all(x, axis=None, keepdims=False):
    x = _t(x).bool()
    axis = _axis(axis)
    if axis is None:
        out = x.all()
        return out.reshape((1,) * x.dim()) if keepdims else out
    if isinstance(axis, tuple):
        for a in sorted((a % x.dim() for a in axis), reverse=True):
            x = x.all(dim=a, keepdim=keepdims)
        return x
    return x.all(dim=axis, keepdim=keepdims)


def cumsum(x, axis=0):
    return torch.cumsum(_t(x), dim=axis)


def cumprod(x, axis=0):
    return torch.cumprod(_t(x), dim=axis)


def argmax(x, axis=-1):
    return torch.argmax(_t(x), dim=axis)


def argmin(x, axis=-1):
    return torch.argmin(_t(x), dim=axis)


def logsumexp(x, axis=None, keepdims=False):
    x = _float(x)
    axis = _axis(axis)
    if axis is None:
        out = torch.logsumexp(x.reshape(-1), dim=0)
        return out.reshape((1,) * x.dim()) if keepdims else out
    return torch.logsumexp(x, dim=axis, keepdim=keepdims)


# ---------------------------------------------------------- element-wise
def square(x):
    return _overrides.apply('Square', _square, _t(x))


def _square(x):
    return x * x


def abs(x):
    return _overrides.apply('Abs', torch.abs, _t(x))


def sqrt(x):
    """Square root with negatives clipped to 0 first, as Keras 2 does."""
    x = _float(x)
    return _sqrt(torch.clamp(x, min=0.0))


class _TensorFlowSqrt(torch.autograd.Function):
    """sqrt whose gradient is 0 wherever the incoming gradient is 0, as
    TensorFlow's (torch gives 0 * inf = nan at 0: an instance
    normalization of a constant map, a norm of a zero vector)."""

    @staticmethod
    def forward(ctx, x):
        y = torch.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        return torch.where(grad == 0, torch.zeros_like(grad),
                           grad * 0.5 / y)


def _sqrt(x):
    if torch.is_grad_enabled() and x.requires_grad:
        return _TensorFlowSqrt.apply(x)
    return torch.sqrt(x)


def exp(x):
    return _overrides.apply('Exp', torch.exp, _float(x))


def log(x):
    return _overrides.apply('Log', torch.log, _float(x))


def round(x):
    """Rounds half to even, like tf.round."""
    return _overrides.apply('Round', torch.round, _t(x))


def sign(x):
    return _overrides.apply('Sign', torch.sign, _t(x))


def pow(x, a):
    return torch.pow(_t(x), a)


def clip(x, min_value=None, max_value=None):
    """Element-wise clipping; `max_value < min_value` clips to `min_value`."""
    if (min_value is not None and max_value is not None and
            np.all(np.asarray(max_value) < np.asarray(min_value))):
        max_value = min_value
    x = _t(x)
    if isinstance(min_value, torch.Tensor) or isinstance(max_value,
                                                         torch.Tensor):
        return torch.clamp(x, min=min_value, max=max_value)
    if min_value is None and max_value is None:
        return x
    return torch.clamp(x, min=min_value, max=max_value)


@_shape_errors
def _binary(fn, x, y):
    x = _t(x) if not isinstance(x, (int, float)) else x
    y = _t(y) if not isinstance(y, (int, float)) else y
    return fn(x, y) if isinstance(x, torch.Tensor) or \
        isinstance(y, torch.Tensor) else fn(_t(x), _t(y))


def equal(x, y):
    return _binary(torch.eq, x, y)


def not_equal(x, y):
    return _binary(torch.ne, x, y)


def greater(x, y):
    return _binary(torch.gt, x, y)


def greater_equal(x, y):
    return _binary(torch.ge, x, y)


def less(x, y):
    return _binary(torch.lt, x, y)


def less_equal(x, y):
    return _binary(torch.le, x, y)


def maximum(x, y):
    x, y = _t(x), _t(y)
    return torch.maximum(x, y.to(x.dtype) if y.dtype != x.dtype else y)


def minimum(x, y):
    x, y = _t(x), _t(y)
    return torch.minimum(x, y.to(x.dtype) if y.dtype != x.dtype else y)


def sin(x):
    return torch.sin(_float(x))


def cos(x):
    return torch.cos(_float(x))


def cast(x, dtype):
    return _t(x).to(torch_dtype(dtype))


def stop_gradient(variables):
    if isinstance(variables, (list, tuple)):
        return [_t(v).detach() for v in variables]
    return _t(variables).detach()


def switch(condition, then_expression, else_expression):
    """Selects between two values (or callables) by a scalar or tensor
    condition."""
    if callable(then_expression):
        then_expression = then_expression()
    if callable(else_expression):
        else_expression = else_expression()
    if _by_phase_at_run_time(condition, then_expression, else_expression):
        return _phase_choice(then_expression, else_expression)
    condition = _t(condition)
    if condition.dim() == 0:
        chosen = then_expression if bool(condition) else else_expression
        if isinstance(then_expression, torch.Tensor) or \
                isinstance(else_expression, torch.Tensor):
            # A tensor either way, as tf.cond gives (an expression of
            # variables then chooses again whenever it is read).
            return _t(chosen)
        return chosen
    then_expression, else_expression = _t(then_expression), _t(
        else_expression)
    while condition.dim() < then_expression.dim():
        condition = condition.unsqueeze(-1)
    return torch.where(condition.bool(), then_expression, else_expression)


def in_train_phase(x, alt, training=None):
    """`x` in the training phase, `alt` otherwise (callables are called)."""
    if training is None:
        training = common.learning_phase()
    if isinstance(training, common.LearningPhase):
        # The branch of the phase of the moment; the other one only when
        # that branch is symbolic (a graph being built), so that an eager
        # call runs one branch, as before.
        chosen, other = (x, alt) if training else (alt, x)
        chosen = chosen() if callable(chosen) else chosen
        if not _is_symbolic(chosen):
            return chosen
        other = other() if callable(other) else other
        branches = (chosen, other) if training else (other, chosen)
        return _phase_choice(*branches)
    if isinstance(training, torch.Tensor):
        training = bool(training)
    chosen = x if training else alt
    return chosen() if callable(chosen) else chosen


def _by_phase_at_run_time(condition, then_value, else_value):
    """Whether a choice by `K.learning_phase()` between values of which
    one is symbolic must be made when the graph runs."""
    return isinstance(condition, common.LearningPhase) and (
        _is_symbolic(then_value) or _is_symbolic(else_value))


def _phase_choice(then_value, else_value):
    """A graph node: `then_value` in the learning phase of the run (a
    K.function's phase input, fit's 1), `else_value` otherwise."""
    from ..engine import symbolic

    def choose(then_value, else_value):
        return then_value if common.current_phase() else else_value
    return symbolic.apply_op(choose, (then_value, else_value),
                             name='learning_phase_switch')


def in_test_phase(x, alt, training=None):
    return in_train_phase(alt, x, training=training)


# ------------------------------------------------------------ linear algebra
@_shape_errors
def dot(x, y):
    """Keras dot: contracts the last axis of x with the second-to-last of y
    (the last when y is 1-D or 2-D); a `tf.SparseTensor` operand is
    multiplied as the dense matrix it stands for."""
    x, y = _t(to_dense(x)), _t(to_dense(y))
    if y.dim() <= 2:
        return torch.matmul(x, y)
    return torch.tensordot(x, y, dims=([x.dim() - 1], [y.dim() - 2]))


@_shape_errors
def batch_dot(x, y, axes=None):
    """Batch-wise dot product with Keras 2's axis rules (rank-2 inputs give
    a `(batch, 1)` result).

    Keras 2.3 and tf.keras contract exactly `axes`. Standalone Keras 2.0-2.2
    instead padded the lower-rank input with trailing 1s and ran a matmul
    batched over every leading axis, `axes` only choosing which operand is
    transposed; the two agree up to rank 3, and Keras 2 programs with a
    rank-4 operand (capsule routing: `K.batch_dot(c, u_hat, [2, 2])`) get
    the Keras 2.2 result unless they use tf.keras's API. Operands Keras
    2.2 could not multiply follow Keras 2.3."""
    x, y = _t(x), _t(y)
    x_ndim, y_ndim = x.dim(), y.dim()
    if x_ndim < 2 or y_ndim < 2:
        raise ValueError('Can not do batch_dot on inputs with rank < 2. '
                         'Received inputs with shapes %s and %s.'
                         % (tuple(x.shape), tuple(y.shape)))
    if builtins.max(x_ndim, y_ndim) > 3 and not common.is_tf_keras():
        try:
            return _batch_dot_keras22(x, y, axes)
        except (RuntimeError, ValueError, IndexError):
            # Shapes Keras 2.2 could not multiply: Keras 2.3's rule.
            pass
    if x.shape[0] != y.shape[0]:
        raise ValueError('Can not do batch_dot on inputs with different '
                         'batch sizes. Received inputs with shapes %s and '
                         '%s.' % (tuple(x.shape), tuple(y.shape)))
    if isinstance(axes, int):
        axes = [axes, axes]
    if axes is None:
        axes = [x_ndim - 1, y_ndim - 1] if y_ndim == 2 else \
            [x_ndim - 1, y_ndim - 2]
    axes = [a + n if a < 0 else a for a, n in zip(axes, (x_ndim, y_ndim))]
    if 0 in axes:
        raise ValueError('Can not perform batch_dot over axis 0.')
    a0, a1 = axes
    if x.shape[a0] != y.shape[a1]:
        raise ValueError('Can not do batch_dot on inputs with shapes %s and '
                         '%s with axes=%s.' % (tuple(x.shape),
                                               tuple(y.shape), axes))
    orig_x_ndim, orig_y_ndim = x_ndim, y_ndim
    if x_ndim == 2:
        x = x.unsqueeze(1)
        a0 += 1
        x_ndim += 1
    if y_ndim == 2:
        y = y.unsqueeze(2)
        y_ndim += 1
    x = torch.movedim(x, a0, -1)
    y = torch.movedim(y, a1, 1)
    x_mid = x.shape[1:-1]
    y_trail = y.shape[2:]
    x3 = x.reshape(x.shape[0], -1, x.shape[-1])
    y3 = y.reshape(y.shape[0], y.shape[1], -1)
    result = torch.bmm(x3, y3)
    result = result.reshape((result.shape[0],) + tuple(x_mid) +
                            tuple(y_trail))
    if orig_x_ndim == 2:
        result = result.squeeze(1)
    elif orig_y_ndim == 2:
        result = result.squeeze(-1)
    return result


def _batch_dot_keras22(x, y, axes):
    """Standalone Keras 2.0-2.2's `batch_dot` (a matmul over the leading
    axes after padding the lower-rank input with trailing 1s)."""
    x_ndim, y_ndim = x.dim(), y.dim()
    if isinstance(axes, int):
        axes = [axes, axes]
    if axes is None:
        axes = [x_ndim - 1, y_ndim - 2]
    if builtins.any(isinstance(a, (list, tuple)) for a in axes):
        raise ValueError('Multiple target dimensions are not supported. '
                         'Expected: None, int, (int, int), Provided: %s'
                         % (axes,))
    diff = builtins.abs(x_ndim - y_ndim)
    if x_ndim > y_ndim:
        y = y.reshape(tuple(y.shape) + (1,) * diff)
    elif y_ndim > x_ndim:
        x = x.reshape(tuple(x.shape) + (1,) * diff)
    ndim = x.dim()
    if axes[0] != ndim - 1:
        x = x.transpose(-1, -2)
    if axes[1] == ndim - 1:
        y = y.transpose(-1, -2)
    out = torch.matmul(x, y)
    if diff:
        idx = x_ndim + y_ndim - 3 if x_ndim > y_ndim else x_ndim - 1
        for axis in reversed(range(idx, idx + diff)):
            out = out.squeeze(axis)
    if out.dim() == 1:
        out = out.unsqueeze(1)
    return out


def transpose(x):
    x = _t(x)
    return x.permute(*reversed(range(x.dim())))


def gather(reference, indices):
    reference = _t(reference)
    indices = _t(indices)
    return reference[indices.long()]


def l2_normalize(x, axis=None):
    """x / sqrt(max(sum(x**2), 1e-12)) along `axis` (all axes when None)."""
    x = _float(x)
    if axis is None:
        square_sum = torch.sum(x * x)
    else:
        square_sum = torch.sum(x * x, dim=_axis(axis), keepdim=True)
    return x * torch.rsqrt(torch.clamp(square_sum, min=1e-12))


def in_top_k(predictions, targets, k):
    predictions = _t(predictions)
    targets = _t(targets).long().reshape(-1)
    target_scores = predictions.gather(1, targets.unsqueeze(1))
    higher = (predictions > target_scores).sum(dim=1)
    return higher < k


# ------------------------------------------------------------ reshaping
@_shape_errors
def concatenate(tensors, axis=-1):
    # (Keras 2: tf.SparseTensors only give a sparse concatenation; mixed
    # with dense tensors they are made dense.)
    if tensors and builtins.all(_is_sparse_tensor(t) for t in tensors):
        from ..tensorflow_sparse_ops import sparse_concat
        return sparse_concat(axis, list(tensors))
    tensors = [_t(to_dense(t)) for t in tensors]
    return torch.cat(tensors, dim=axis)


@_shape_errors
def stack(x, axis=0):
    return torch.stack([_t(t) for t in x], dim=axis)


@_shape_errors
def reshape(x, shape):
    if isinstance(shape, torch.Tensor):
        shape = shape.tolist()
    return _t(x).reshape(tuple(int(d) for d in shape))


def permute_dimensions(x, pattern):
    return _t(x).permute(*pattern)


def repeat(x, n):
    """(batch, dim) -> (batch, n, dim)."""
    x = _t(x)
    if x.dim() != 2:
        raise ValueError('K.repeat expects a 2D tensor; got shape %s.'
                         % (tuple(x.shape),))
    return x.unsqueeze(1).expand(-1, n, -1)


def repeat_elements(x, rep, axis):
    return torch.repeat_interleave(_t(x), rep, dim=axis)


def tile(x, n):
    x = _t(x)
    if isinstance(n, int):
        n = [n]
    n = list(n)
    if len(n) < x.dim():
        n = [1] * (x.dim() - len(n)) + n
    return x.repeat(*n)


def flatten(x):
    return _t(x).reshape(-1)


def batch_flatten(x):
    x = _t(x)
    return x.reshape(x.shape[0], -1)


def expand_dims(x, axis=-1):
    x = _t(x)
    if axis < 0:
        axis = x.dim() + axis + 1
    return x.unsqueeze(axis)


def squeeze(x, axis):
    """Drops `axis`, which must have size 1 (TensorFlow's squeeze
    raises otherwise)."""
    x = _t(x)
    if x.dim() and x.shape[axis] != 1:
        from ..engine.symbolic import probe_values
        if probe_values() is not None:
            # (A shape probe's stand-in for an unknown dimension; known
            # ones were checked by `_checked_squeeze`.)
            return x.select(axis, 0)
        _squeeze_error(axis, x.shape[axis])
    return x.squeeze(axis)


def _squeeze_error(axis, size):
    raise ValueError('Can not squeeze dim[%d], expected a dimension of 1, '
                     'got %d.' % (axis, size))


def _checked_squeeze(squeeze):
    """`squeeze` refusing a symbolic tensor's known dimension other than
    1, as TensorFlow does while building the graph."""
    @functools.wraps(squeeze)
    def checked(x, axis):
        if _is_symbolic(x):
            size = int_shape(x)[axis]
            if size not in (None, 1):
                _squeeze_error(axis, size)
        return squeeze(x, axis)
    return checked


def reverse(x, axes):
    if isinstance(axes, int):
        axes = [axes]
    return torch.flip(_t(x), dims=list(axes))


def slice(x, start, size):
    x = _t(x)
    index = tuple(builtins.slice(s, s + n if n != -1 else None)
                  for s, n in zip(start, size))
    return x[index]


def one_hot(indices, num_classes):
    return F.one_hot(_t(indices).long(), num_classes).to(
        torch_dtype(common.floatx()))


def temporal_padding(x, padding=(1, 1)):
    assert len(padding) == 2
    return F.pad(_t(x), (0, 0, padding[0], padding[1]))


def spatial_2d_padding(x, padding=((1, 1), (1, 1)), data_format=None):
    assert len(padding) == 2
    assert len(padding[0]) == 2
    assert len(padding[1]) == 2
    data_format = common.normalize_data_format(data_format)
    (top, bottom), (left, right) = padding
    if data_format == 'channels_last':
        return F.pad(_t(x), (0, 0, left, right, top, bottom))
    return F.pad(_t(x), (left, right, top, bottom))


def spatial_3d_padding(x, padding=((1, 1), (1, 1), (1, 1)),
                       data_format=None):
    assert len(padding) == 3
    assert builtins.all(len(pair) == 2 for pair in padding)
    data_format = common.normalize_data_format(data_format)
    (a0, a1), (b0, b1), (c0, c1) = padding
    if data_format == 'channels_last':
        return F.pad(_t(x), (0, 0, c0, c1, b0, b1, a0, a1))
    return F.pad(_t(x), (c0, c1, b0, b1, a0, a1))


def resize_images(x, height_factor, width_factor, data_format,
                  interpolation='nearest'):
    """Upsamples the rows and columns by integer factors. Bilinear
    sampling is tf.keras's half-pixel one; Keras 2's TensorFlow backend
    used TF1's `resize_bilinear` (source pixel `i / factor`)."""
    x = _t(x)
    data_format = common.normalize_data_format(data_format)
    if interpolation not in ('nearest', 'bilinear'):
        raise ValueError('interpolation should be one '
                         'of "nearest" or "bilinear".')
    mode = interpolation
    if mode == 'bilinear' and not common.is_tf_keras():
        return _legacy_bilinear(x, (height_factor, width_factor),
                                data_format)
    if data_format == 'channels_last':
        x = _nn.channels_first(x, 2)
    kwargs = {} if mode == 'nearest' else {'align_corners': False}
    out = F.interpolate(x, scale_factor=(height_factor, width_factor),
                        mode=mode, **kwargs)
    if data_format == 'channels_last':
        out = _nn.channels_last(out, 2)
    return out


def _legacy_bilinear(x, factors, data_format):
    """TF1's `resize_bilinear` (no half-pixel centres, corners not
    aligned) of the two spatial axes by integer `factors`."""
    from ..tensorflow_compat import _resize_axis
    first = 1 if data_format == 'channels_last' else 2
    for axis, factor in zip((first, first + 1), factors):
        x = _resize_axis(x, axis, x.shape[axis] * factor, 'bilinear', False)
    return x


def resize_volumes(x, depth_factor, height_factor, width_factor,
                   data_format):
    x = _t(x)
    if data_format not in ('channels_first', 'channels_last'):
        raise ValueError('Unknown data_format: ' + str(data_format))
    if data_format == 'channels_last':
        x = x.repeat_interleave(depth_factor, 1).repeat_interleave(
            height_factor, 2).repeat_interleave(width_factor, 3)
    else:
        x = x.repeat_interleave(depth_factor, 2).repeat_interleave(
            height_factor, 3).repeat_interleave(width_factor, 4)
    return x


@_shape_errors
def bias_add(x, bias, data_format=None):
    """x + bias. A 1D bias adds along the channel axis; a bias with one
    axis fewer than x adds per position. For channels_first inputs of 3 to
    5 dimensions such a bias is reshaped (not transposed) to
    (channels, *spatial), as the Keras 2 backend does."""
    x, bias = _t(x), _t(bias)
    data_format = common.normalize_data_format(data_format)
    if bias.dim() != 1 and bias.dim() != x.dim() - 1:
        raise ValueError('Unexpected bias dimensions %d, expect to be 1 or '
                         '%d dimensions' % (bias.dim(), x.dim()))
    if data_format != 'channels_first' or not 3 <= x.dim() <= 5:
        return x + bias
    if bias.dim() == 1:
        return x + bias.reshape((1, bias.shape[0]) + (1,) * (x.dim() - 2))
    shape = tuple(bias.shape)
    return x + bias.reshape((1, shape[-1]) + shape[:-1])


# ----------------------------------------------------------- activations
def relu(x, alpha=0., max_value=None, threshold=0.):
    """max(x, 0) with Keras's leak `alpha`, cap `max_value` and
    `threshold`."""
    x = _float(x)
    # A tensor `alpha` or `max_value` (a learned leak or cap, as in an
    # S-shaped ReLU) counts as set, as in Keras's graph backend.
    leak = torch.is_tensor(alpha) or alpha != 0
    if threshold == 0 and max_value is None and not torch.is_tensor(alpha):
        if not leak:
            return _overrides.apply('Relu', torch.relu, x)
        return _overrides.apply('LeakyRelu', functools.partial(
            F.leaky_relu, negative_slope=alpha), x, alpha=float(alpha))
    # As TensorFlow's Keras backend: the thresholded part is clipped to
    # [0, max_value], then the leak below the threshold is added.
    if threshold != 0:
        out = x * (x > threshold).to(x.dtype)
    elif not torch.is_tensor(max_value) and max_value == 6:
        # (tf.nn.relu6, one op.)
        out = _overrides.apply('Relu6', F.relu6, x)
        max_value = None
    else:
        out = _overrides.apply('Relu', torch.relu, x)
    if torch.is_tensor(max_value):
        out = torch.minimum(out, max_value.to(x.dtype))
    elif max_value is not None:
        out = torch.clamp(out, 0., float(max_value))
    if leak:
        out = out - alpha * _overrides.apply('Relu', torch.relu,
                                             threshold - x)
    return out


def elu(x, alpha=1.):
    return F.elu(_float(x), alpha)


def softmax(x, axis=-1):
    """Softmax over `axis`; over the last axis its output remembers its
    logits, so that a cross-entropy of it is computed from them, as
    tf.keras does (a custom layer ending in K.softmax or tf.nn.softmax)."""
    x = _float(x)
    out = torch.softmax(x, dim=axis)
    if axis == -1 or axis == x.dim() - 1:
        out._keras_logits = x
        out._keras_logits_kind = 'softmax'
    return out


def softplus(x):
    return F.softplus(_float(x))


def softsign(x):
    return F.softsign(_float(x))


def sigmoid(x):
    """The logistic function; its output remembers its logits for a
    binary cross-entropy of it, as tf.keras does."""
    x = _float(x)
    if _overrides.active('Sigmoid'):
        return _overrides.apply('Sigmoid', torch.sigmoid, x)
    out = torch.sigmoid(x)
    out._keras_logits = x
    out._keras_logits_kind = 'sigmoid'
    return out


def hard_sigmoid(x):
    """clip(0.2 * x + 0.5, 0, 1), the Keras 2 definition."""
    x = _float(x)
    return torch.clamp(x * 0.2 + 0.5, 0.0, 1.0)


def tanh(x):
    return _overrides.apply('Tanh', torch.tanh, _float(x))


def dropout(x, level, noise_shape=None, seed=None):
    """Inverted dropout: drops with probability `level`, scales the rest."""
    x = _float(x)
    if level < 0. or level >= 1:
        raise ValueError('Dropout level must be in interval [0, 1[.')
    keep = 1. - level
    shape = tuple(x.shape) if noise_shape is None else tuple(
        x.shape[i] if d is None else d for i, d in enumerate(noise_shape))
    if seed is not None:
        rand = random_uniform(shape, dtype=dtype_name(x.dtype), seed=seed)
    else:
        rand = torch.rand(shape, device=x.device, dtype=x.dtype)
    return x * (rand < keep).to(x.dtype) / keep


# ----------------------------------------------------------- losses
def _logits_of(output, from_logits, kind, loss_name):
    """(tensor, from_logits) a cross-entropy of `output` computes with.

    An output of a softmax (`kind` 'softmax') or sigmoid (`kind`
    'sigmoid') remembers its logits, and a cross-entropy of the matching
    kind uses them when given probabilities (the numerically safe form of
    the same value). tf.keras 2.x (`backend._get_logits`) goes further:
    the logits that Keras's own softmax and sigmoid cache are used by every
    cross-entropy, of either kind and even with `from_logits=True` (with a
    warning), so a binary cross-entropy of a softmax output is the sigmoid
    cross-entropy of the softmax's logits. A raw `tf.nn.softmax` /
    `tf.sigmoid` output (`_logits_from_tf_op`) counts only for its own
    kind, as TensorFlow's op-type check does."""
    logits = getattr(output, '_keras_logits', None)
    if logits is None:
        return output, from_logits
    same_kind = getattr(output, '_keras_logits_kind', None) == kind
    if not common.is_tf_keras():
        return (logits, True) if same_kind and not from_logits else \
            (output, from_logits)
    if not same_kind and getattr(output, '_logits_from_tf_op', False):
        return output, from_logits
    if from_logits:
        warnings.warn(
            '"`%s` received `from_logits=True`, but the `output` argument '
            'was produced by a %s activation and thus does not represent '
            'logits. Was this intended?'
            % (loss_name, 'Sigmoid' if kind == 'sigmoid' else 'Softmax'),
            stacklevel=3)
    return logits, True


def _tf_softmax_cross_entropy(labels, logits, axis=-1):
    """TensorFlow's `softmax_cross_entropy_with_logits`: the value
    -sum(labels * log_softmax(logits)), back-propagated as TensorFlow's
    kernel does: softmax(logits) - labels for the logits, as if each row
    of labels summed to one (multi-hot labels give a gradient other than
    the value's derivative)."""
    loss = -torch.sum(labels * torch.log_softmax(logits, dim=axis),
                      dim=axis)
    return loss - _tf_softmax_gradient_correction(labels, logits, axis)


def _tf_softmax_gradient_correction(labels, logits, axis=-1):
    """A term of value zero whose gradient, taken off that of
    -sum(labels * log_softmax(logits)), leaves TensorFlow's
    softmax(logits) - labels: (sum(labels) - 1) * softmax(logits)."""
    excess = torch.sum(labels, dim=axis).detach() - 1.
    log_norm = torch.logsumexp(logits, dim=axis)
    return excess * (log_norm - log_norm.detach())


class _TFSoftmaxCrossEntropyMean(torch.autograd.Function):
    """The batch mean of `_tf_softmax_cross_entropy` over the last axis of
    (batch, classes) logits, in one autograd node (as cheap as
    F.cross_entropy): TensorFlow's gradient (softmax - labels) / batch
    for the logits, -log_softmax / batch for the labels."""

    @staticmethod
    def forward(ctx, logits, labels):
        log_probs = torch.log_softmax(logits, dim=-1)
        ctx.save_for_backward(log_probs, labels)
        return -torch.sum(labels * log_probs) / logits.shape[0]

    @staticmethod
    def backward(ctx, grad):
        log_probs, labels = ctx.saved_tensors
        scale = grad / log_probs.shape[0]
        grad_logits = (torch.exp(log_probs) - labels) * scale \
            if ctx.needs_input_grad[0] else None
        grad_labels = -log_probs * scale if ctx.needs_input_grad[1] else None
        return grad_logits, grad_labels


def _tf_softmax_cross_entropy_mean(labels, logits):
    return _TFSoftmaxCrossEntropyMean.apply(logits, labels)


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """-sum(target * log(output)) with probabilities renormalised and
    clipped to [eps, 1 - eps]; uses the logits when `output` came from a
    softmax (as tf.keras does)."""
    target, output = _float(target), _float(output)
    # (Eager TensorFlow renormalises a raw tf.nn.softmax output rather
    # than reading its logits: the value's own gradient.)
    exact_gradient = getattr(output, '_logits_from_tf_op', False)
    output, from_logits = _logits_of(output, from_logits, 'softmax',
                                     'categorical_crossentropy')
    if from_logits and exact_gradient:
        return -torch.sum(target * torch.log_softmax(output, dim=axis),
                          dim=axis)
    if from_logits:
        return _tf_softmax_cross_entropy(target, output, axis)
    output = output / torch.sum(output, dim=axis, keepdim=True)
    eps = common.epsilon()
    output = torch.clamp(output, eps, 1. - eps)
    return -torch.sum(target * torch.log(output), dim=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False,
                                    axis=-1):
    """Categorical cross-entropy with integer targets."""
    output = _float(output)
    target = _t(target)
    if axis != -1 and axis != output.dim() - 1:
        output = torch.movedim(output, axis, -1)
    output, from_logits = _logits_of(output, from_logits, 'softmax',
                                     'sparse_categorical_crossentropy')
    if from_logits:
        log_probs = torch.log_softmax(output, dim=-1)
    else:
        # As TensorFlow: the clipped log-probabilities are renormalised
        # (a softmax over them), which matters when `output` does not sum
        # to one along `axis`.
        eps = common.epsilon()
        log_probs = torch.log_softmax(
            torch.log(torch.clamp(output, eps, 1. - eps)), dim=-1)
    if target.dim() == output.dim() and target.shape[-1] == 1:
        target = target.squeeze(-1)
    target = target.long()
    flat = log_probs.reshape(-1, log_probs.shape[-1])
    losses = -flat.gather(1, target.reshape(-1, 1)).squeeze(1)
    return losses.reshape(target.shape)


def binary_crossentropy(target, output, from_logits=False):
    """Element-wise binary cross-entropy; uses the logits when `output`
    came from a sigmoid (as tf.keras does). On other probabilities, clipped
    to [eps, 1 - eps], a tf.keras program gets tf.keras's formula
    `-(t * log(p + eps) + (1 - t) * log(1 - p + eps))`, a Keras 2 one the
    cross-entropy of the clipped probabilities."""
    target, output = _float(target), _float(output)
    output, from_logits = _logits_of(output, from_logits, 'sigmoid',
                                     'binary_crossentropy')
    if from_logits:
        return F.binary_cross_entropy_with_logits(output, target,
                                                  reduction='none')
    eps = common.epsilon()
    output = torch.clamp(output, eps, 1. - eps)
    if common.is_tf_keras():
        return -(target * torch.log(output + eps) +
                 (1. - target) * torch.log(1. - output + eps))
    return -(target * torch.log(output) +
             (1. - target) * torch.log(1. - output))


# -------------------------------------------------------- normalization
def normalize_batch_in_training(x, gamma, beta, reduction_axes,
                                epsilon=1e-3):
    x = _float(x)
    axes = tuple(reduction_axes)
    m = torch.mean(x, dim=axes, keepdim=True)
    v = torch.var(x, dim=axes, unbiased=False, keepdim=True)
    normed = (x - m) / torch.sqrt(v + epsilon)
    shape = m.shape
    if gamma is not None:
        normed = normed * _t(gamma).reshape(shape)
    if beta is not None:
        normed = normed + _t(beta).reshape(shape)
    return normed, m.reshape(-1), v.reshape(-1)


@_shape_errors
def batch_normalization(x, mean, var, beta, gamma, axis=-1, epsilon=1e-3):
    """(x - mean) / sqrt(var + epsilon) * gamma + beta, the statistics
    broadcast against x; on 4D x with `axis=1`, statistics of one
    dimension apply along the channels (Keras 2's fused NCHW path)."""
    x = _float(x)
    params = [None if p is None else _t(p) for p in (mean, var, beta, gamma)]
    if x.dim() == 4 and axis in (1, -3):
        params = [p.reshape(1, -1, 1, 1) if p is not None and p.dim() == 1
                  else p for p in params]
    mean, var, beta, gamma = params
    out = (x - mean) / torch.sqrt(var + epsilon)
    if gamma is not None:
        out = out * gamma
    if beta is not None:
        out = out + beta
    return out


# ------------------------------------------------------------- functions
@_replay.gradients_in_replay
def gradients(loss, variables):
    """Gradients of a scalar `loss` with respect to `variables` (computed
    eagerly with torch.autograd; None for unconnected ones). As with
    TensorFlow's `tf.gradients` behind Keras 2's, a non-scalar loss counts
    as its sum and a list of losses as the sum of theirs."""
    from ..engine import symbolic
    if isinstance(loss, (list, tuple)):
        loss = _sum_of_sums(loss)
    return symbolic.gradients(loss, variables)


def _sum_of_sums(tensors):
    """sum(K.sum(t) for t in tensors): the quantity tf.gradients
    differentiates for a list of targets."""
    if not tensors:
        raise ValueError('K.gradients: the list of tensors to '
                         'differentiate is empty.')
    total = None
    for tensor in tensors:
        term = sum(tensor)
        total = term if total is None else total + term
    return total


def function(inputs, outputs, updates=None, name=None, **kwargs):
    """A callable mapping a list of input arrays to a list of output
    arrays, for symbolic inputs and outputs of Keras models (`name` as
    tf.keras's fourth argument)."""
    from ..engine import symbolic
    if name is not None:
        kwargs['name'] = name
    from .. import tensorflow_graph_run
    return tensorflow_graph_run.staged_function(
        symbolic.function, inputs, outputs, updates, kwargs)


def rnn(step_function, inputs, initial_states, go_backwards=False,
        mask=None, constants=None, unroll=False, input_length=None,
        time_major=False, zero_output_for_mask=False,
        return_all_outputs=True):
    """Iterates `step_function` over the time axis of `inputs`
    (batch, time, ...), as Keras's `K.rnn`. On symbolic tensors, a graph
    node whose outputs are the last output, the outputs and the states.
    tf.keras's arguments: `time_major` (inputs, mask and outputs with time
    first), `zero_output_for_mask` (zeros, not the previous output, at the
    masked steps of the outputs and for a masked last step) and
    `return_all_outputs=False` (outputs hold the last step only)."""
    options = dict(go_backwards=go_backwards, mask=mask,
                   constants=None if constants is None else list(constants),
                   time_major=time_major,
                   zero_output_for_mask=zero_output_for_mask,
                   return_all_outputs=return_all_outputs)
    if builtins.any(_is_symbolic(v) for v in
                    [inputs, mask] + list(initial_states) +
                    list(constants or [])):
        from ..engine import symbolic
        flat = symbolic.apply_multi_output_op(
            _rnn_flat, (step_function, inputs, list(initial_states)),
            options, name='rnn')
        return flat[0], flat[1], flat[2:]
    del options['mask'], options['constants']
    return _rnn_kernels.keras_rnn(
        step_function, _t(inputs), list(initial_states),
        mask=None if mask is None else _t(mask).bool(), constants=constants,
        **options)


def _rnn_flat(step_function, inputs, initial_states, **kwargs):
    last_output, outputs, states = rnn(step_function, inputs,
                                       initial_states, **kwargs)
    return [last_output, outputs] + list(states)


def map_fn(fn, elems, name=None, dtype=None):
    return torch.stack([fn(e) for e in _t(elems)])


def foldl(fn, elems, initializer=None, name=None):
    elems = _t(elems)
    acc = elems[0] if initializer is None else initializer
    for e in (elems[1:] if initializer is None else elems):
        acc = fn(acc, e)
    return acc


def foldr(fn, elems, initializer=None, name=None):
    elems = torch.flip(_t(elems), dims=[0])
    return foldl(fn, elems, initializer)


def ctc_batch_cost(y_true, y_pred, input_length, label_length):
    """CTC loss per batch element, as Keras defines it (y_pred are
    softmax probabilities, shape (batch, time, classes), blank last)."""
    y_pred = _float(y_pred)
    log_probs = torch.log(y_pred.permute(1, 0, 2) + common.epsilon())
    blank = y_pred.shape[-1] - 1
    loss = F.ctc_loss(log_probs, _t(y_true).long(),
                      _t(input_length).long().reshape(-1),
                      _t(label_length).long().reshape(-1),
                      blank=blank, reduction='none', zero_infinity=True)
    return loss.unsqueeze(1)


# ------------------------------------------------------- symbolic dispatch
def _symbolic_aware(fn, tf_equivalent=None):
    """Lets a backend function take symbolic Keras tensors: the call is
    recorded as a graph node instead of computed. `tf_equivalent`, a
    (TensorFlow name, {parameter: TensorFlow parameter}) pair, names the
    TensorFlow function tf.keras records for it."""
    symbol, tf_parameters = tf_equivalent or (None, None)

    eager = _graph.backend_function(fn) if fn.__name__ not in \
        _NOT_GRAPH_EXPRESSIONS else (lambda args, kwargs: fn(*args, **kwargs))

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        for a in args + tuple(kwargs.values()):
            if getattr(a, '_is_keras_symbolic', False) or (
                    isinstance(a, (list, tuple)) and
                    builtins.any(getattr(v, '_is_keras_symbolic', False)
                                 for v in a)):
                from ..engine import symbolic
                return symbolic.apply_op(fn, args, kwargs,
                                         name=fn.__name__, symbol=symbol,
                                         tf_parameters=tf_parameters)
        return eager(args, kwargs)
    wrapper._eager = fn
    return wrapper


# Backend functions whose result on variables is not an expression of
# them: they print now, or make a variable.
_NOT_GRAPH_EXPRESSIONS = ('print_tensor', 'eye', 'arange')



def symbolic_aware_names(namespace, names, tf_equivalents=None):
    """Replaces each named function of a module namespace by its
    symbolic-aware version (a graph node on functional-API tensors)."""
    for name in names:
        namespace[name] = _symbolic_aware(
            namespace[name], (tf_equivalents or {}).get(name))


# The TensorFlow function tf.keras records for a backend function called on
# symbolic tensors (K.mean(x): a 'tf.math.reduce_mean' layer), and the
# backend parameters that TensorFlow names otherwise.
_TF_EQUIVALENTS = dict(
    [(name, ('math.reduce_' + reduction, {}))
     for name, reduction in (('mean', 'mean'), ('sum', 'sum'),
                             ('prod', 'prod'), ('max', 'max'),
                             ('min', 'min'), ('var', 'variance'),
                             ('std', 'std'), ('logsumexp', 'logsumexp'))] +
    [(name, ('math.' + name, {}))
     for name in ('cumsum', 'cumprod', 'argmax', 'argmin', 'square', 'abs',
                  'sqrt', 'exp', 'log', 'round', 'sign', 'equal',
                  'not_equal', 'greater', 'greater_equal', 'less',
                  'less_equal', 'maximum', 'minimum', 'sin', 'cos',
                  'sigmoid', 'tanh', 'l2_normalize', 'softplus')] +
    [('pow', ('math.pow', {'a': 'y'})),
     ('cast', ('cast', {})),
     ('gather', ('gather', {'reference': 'params'})),
     ('concatenate', ('concat', {'tensors': 'values'})),
     ('stack', ('stack', {'x': 'values'})),
     ('reshape', ('reshape', {'x': 'tensor'})),
     ('permute_dimensions', ('transpose', {'x': 'a', 'pattern': 'perm'})),
     ('expand_dims', ('expand_dims', {'x': 'input'})),
     ('squeeze', ('squeeze', {'x': 'input'})),
     ('one_hot', ('one_hot', {'num_classes': 'depth'})),
     ('softmax', ('nn.softmax', {'x': 'logits'})),
     ('softsign', ('nn.softsign', {'x': 'features'}))])


symbolic_aware_names(globals(), (
        'mean', 'sum', 'prod', 'max', 'min', 'var', 'std', 'any', 'all',
        'cumsum', 'cumprod', 'argmax', 'argmin', 'logsumexp', 'square',
        'abs', 'sqrt', 'exp', 'log', 'round', 'sign', 'pow', 'clip', 'equal',
        'not_equal', 'greater', 'greater_equal', 'less', 'less_equal',
        'maximum', 'minimum', 'sin', 'cos', 'cast', 'stop_gradient', 'dot',
        'batch_dot', 'transpose', 'gather', 'l2_normalize', 'in_top_k',
        'concatenate', 'stack', 'reshape', 'permute_dimensions', 'repeat',
        'repeat_elements', 'tile', 'flatten', 'batch_flatten', 'expand_dims',
        'squeeze', 'reverse', 'slice', 'one_hot', 'temporal_padding',
        'spatial_2d_padding', 'spatial_3d_padding', 'resize_images',
        'resize_volumes', 'bias_add', 'relu', 'elu', 'softmax', 'softplus',
        'softsign', 'sigmoid', 'hard_sigmoid', 'tanh', 'dropout',
        'categorical_crossentropy', 'sparse_categorical_crossentropy',
        'binary_crossentropy', 'zeros_like', 'ones_like', 'identity',
        'switch', 'in_train_phase', 'in_test_phase', 'random_uniform',
        'random_normal', 'truncated_normal', 'random_binomial',
        'print_tensor', 'batch_normalization', 'normalize_batch_in_training',
        'ctc_batch_cost', 'arange', 'eye', 'map_fn', 'foldl', 'foldr'),
    _TF_EQUIVALENTS)
squeeze = _checked_squeeze(squeeze)
