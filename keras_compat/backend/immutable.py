"""Augmented assignment on tensors, as Keras 2 code expects it.

Keras 2 backend tensors are immutable: in a custom layer's `call`, a
`Lambda` function or a loss function, `x -= y` makes a new tensor and
rebinds the name. Torch tensors update themselves in place instead, which
changes a tensor the caller still holds (the layer's input) or one that
autograd saved (`e = K.sigmoid(z); e -= 10000. * mask`).

User code therefore runs under `ImmutableTensorsMode`, a torch function
mode that turns the in-place operator of an augmented assignment statement
(`+=`, `-=`, `*=`, `/=`, `//=`, `**=`, `%=`, `&=`, `|=`, `^=`, `<<=`, `>>=`)
into the out-of-place operation. The statement is recognised from the
bytecode instruction its frame is executing, so explicit in-place methods
(`x.add_(y)`) keep their meaning, and so does code of keras_compat, torch,
the standard library and installed packages written for torch (installed
Keras 2 layer libraries count as user code).

Under `torch.compile` (`compile(jit_compile=True)`) the mode is not
entered: dynamo does not trace frame inspection. There a layer's `call`
(and a `Lambda` function, an RNN cell's `call`) is traced from a copy of
the function whose augmented assignments are compiled as the binary
operations (`x -= y` as `x = x - y`), which is what Keras 2 did for every
type. Helper functions that `call` invokes are traced as they are, so an
augmented assignment on a tensor inside them updates it in place under
`torch.compile` (eagerly it rebinds)."""
import dis
import functools
import os
import site
import sys
import sysconfig
import threading
import types
import weakref

import numpy as np
import torch
from torch.overrides import TorchFunctionMode

from . import indexing
from .tensor_shape import TensorShape

_OUT_OF_PLACE = {}
for _name in ('add', 'sub', 'mul', 'div', 'floor_divide', 'pow',
              'remainder'):
    _OUT_OF_PLACE[getattr(torch.Tensor, _name + '_')] = \
        getattr(torch.Tensor, _name)
for _name in ('and', 'or', 'xor', 'lshift', 'rshift'):
    _OUT_OF_PLACE[getattr(torch.Tensor, '__i%s__' % _name)] = \
        getattr(torch.Tensor, '__%s__' % _name)
del _name


def _library_prefixes():
    """Folders of code whose augmented assignments keep torch's in-place
    meaning: keras_compat itself, torch and the standard library."""
    paths = {os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
             os.path.dirname(os.path.abspath(torch.__file__))}
    for key in ('stdlib', 'platstdlib'):
        path = sysconfig.get_paths().get(key)
        if path:
            paths.add(path)
    return tuple(os.path.join(os.path.realpath(p), '') for p in paths if p)


def _site_prefixes():
    paths = set()
    for key in ('purelib', 'platlib'):
        path = sysconfig.get_paths().get(key)
        if path:
            paths.add(path)
    try:
        paths.update(site.getsitepackages())
        paths.add(site.getusersitepackages())
    except Exception:
        pass
    return tuple(os.path.join(os.path.realpath(p), '') for p in paths if p)


_LIBRARY_PREFIXES = _library_prefixes()
_SITE_PREFIXES = _site_prefixes()
# Installed packages written for torch, where `x += y` means in place.
# Other installed packages (Keras 2 layer libraries such as
# keras-self-attention or keras-contrib) are Keras 2 code like a script.
_TORCH_PACKAGES = ('torch', 'functorch', 'triton', 'transformers', 'timm',
                   'lightning', 'pytorch_lightning', 'keras_compat')
_TORCH_PREFIX = os.path.join(os.path.realpath(os.path.dirname(
    torch.__file__)), '')
_IS_LIBRARY = {}


def _is_library_file(filename):
    known = _IS_LIBRARY.get(filename)
    if known is None:
        if filename.startswith('<'):
            known = False     # exec'd code, notebooks
        else:
            path = os.path.realpath(filename)
            known = path.startswith(_LIBRARY_PREFIXES)
            # site-packages usually lies inside the standard library's
            # folder: an installed package is judged by its name.
            for prefix in _SITE_PREFIXES:
                if path.startswith(prefix):
                    package = path[len(prefix):].split(os.sep)[0]
                    known = package.startswith(_TORCH_PACKAGES)
                    break
        _IS_LIBRARY[filename] = known
    return known


_OFFSETS = weakref.WeakKeyDictionary()


def _augmented_offsets(code):
    """Bytecode offsets of the augmented assignments of user `code`."""
    try:
        return _OFFSETS[code]
    except KeyError:
        pass
    if _is_library_file(code.co_filename):
        offsets = frozenset()
    else:
        offsets = frozenset(
            ins.offset for ins in dis.get_instructions(code)
            if ins.opname.startswith('INPLACE_') or
            (ins.opname == 'BINARY_OP' and ins.argrepr.endswith('=')))
    _OFFSETS[code] = offsets
    return offsets


def is_library_code(code):
    """Whether a code object belongs to keras_compat, torch, the standard
    library or an installed torch package (not to Keras 2 user code)."""
    return _is_library_file(code.co_filename)


def _from_augmented_assignment():
    return augmented_assignment_in(sys._getframe(2))


def out_of_place_of(func):
    """The out-of-place operation of an in-place operator an augmented
    assignment runs (`Tensor.add_` for `+=`), or None."""
    try:
        return _OUT_OF_PLACE.get(func)
    except TypeError:
        return None


def augmented_assignment_in(frame):
    """Whether `frame` (the caller of a tensor operation) is executing an
    augmented assignment statement of user code."""
    # `**=` reaches the mode through torch's own Python wrappers, and
    # `+=` of a program served Keras through `rebind_augmented_assignments`.
    for _ in range(5):
        if frame is None or not (frame.f_code.co_filename.startswith(
                _TORCH_PREFIX) or frame.f_code is _AUGMENTED_WRAPPER_CODE):
            break
        frame = frame.f_back
    return frame is not None and \
        frame.f_lasti in _augmented_offsets(frame.f_code)


class ImmutableTensorsMode(TorchFunctionMode):
    """Runs augmented assignments of user code out of place."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if kwargs is None:
            kwargs = {}
        if getattr(func, '__self__', None) is _SHAPE and not _is_library_file(
                sys._getframe(1).f_code.co_filename):
            # `x.shape.as_list()`, `x.shape[-1].value` in Keras 2 code.
            return TensorShape(func(*args))
        if len(args) == 2 and (type(args[0]) is np.ndarray or
                               type(args[1]) is np.ndarray):
            args = _with_arrays_as_tensors(args)
        if func is _GETITEM and _backward_slice(args[1]):
            # `x[..., ::-1]`: TensorFlow slices step backward too.
            tensor, index = indexing.forward_steps(args[0], args[1])
            return tensor[index]
        try:
            out_of_place = _OUT_OF_PLACE.get(func)
        except TypeError:
            out_of_place = None
        if out_of_place is not None and _from_augmented_assignment():
            return out_of_place(*args, **kwargs)
        return func(*args, **kwargs)


def _with_arrays_as_tensors(args):
    """A tensor and a Numpy array as the two operands of an operator
    (`y_true * K.log(y_pred) * class_weights`): the array is a constant of
    the tensor's float type and device, as TensorFlow converted it. Torch
    would read the tensor as an array instead, which fails while it
    requires gradients."""
    tensors = [a for a in args if isinstance(a, torch.Tensor)]
    if not tensors:
        return args
    like = tensors[0]
    converted = []
    for a in args:
        if type(a) is np.ndarray:
            dtype = None
            if a.dtype.kind == 'f' or (a.dtype.kind in 'iub' and
                                       like.is_floating_point()):
                dtype = like.dtype if like.is_floating_point() else None
            a = torch.as_tensor(a, dtype=dtype, device=like.device)
        converted.append(a)
    return tuple(converted)


_SHAPE = torch.Tensor.shape
_GETITEM = torch.Tensor.__getitem__


def _backward_slice(index):
    items = index if isinstance(index, tuple) else (index,)
    return any(indexing.steps_backward(item) for item in items)

_UFUNCS = {
    'add': torch.add, 'subtract': torch.sub, 'multiply': torch.mul,
    'true_divide': torch.div, 'divide': torch.div,
    'floor_divide': torch.floor_divide, 'power': torch.pow,
    'remainder': torch.remainder, 'matmul': torch.matmul,
    'maximum': torch.maximum, 'minimum': torch.minimum,
    'greater': torch.gt, 'greater_equal': torch.ge, 'less': torch.lt,
    'less_equal': torch.le, 'equal': torch.eq, 'not_equal': torch.ne,
    'logical_and': torch.logical_and, 'logical_or': torch.logical_or}


def _array_ufunc(self, ufunc, method, *inputs, **kwargs):
    """`numpy_array * tensor` (and `tensor * numpy_array`, which torch
    hands to numpy): in Keras 2 code (user code running under the mode,
    a tensor that requires gradients, or a Keras variable) the result is
    a tensor, with the array as a constant, as TensorFlow computed it;
    elsewhere numpy's own result, as before."""
    op = _UFUNCS.get(ufunc.__name__) if method == '__call__' else None
    if op is not None and not kwargs and len(inputs) == 2 and all(
            isinstance(i, torch.Tensor) or np.ndim(i) == 0 for i in inputs):
        # A numpy scalar (which numpy may hand over as a 0-d array) and a
        # tensor: a tensor, as torch's own operator gives without this
        # method.
        return op(*[i if isinstance(i, torch.Tensor) else
                    torch.as_tensor(np.asarray(i).item()) for i in inputs])
    tensors = [i for i in inputs if isinstance(i, torch.Tensor)]
    keras_code = _STATE.active or any(
        t.requires_grad or type(t) is not torch.Tensor for t in tensors)
    if op is None or not keras_code or kwargs or len(inputs) != 2:
        arrays = [i.detach().cpu().numpy() if isinstance(i, torch.Tensor)
                  else i for i in inputs]
        return getattr(ufunc, method)(*arrays, **kwargs)
    return op(*_with_arrays_as_tensors(inputs))


torch.Tensor.__array_ufunc__ = _array_ufunc


class _State(threading.local):
    active = False     # the mode is on top of this thread's mode stack


_STATE = _State()
# How many threads run user code under the mode: built-in layers read this
# one number (a global, which torch.compile folds) before anything else.
# (A miscount from threads racing costs time, never correctness.)
ACTIVE = [0]
_get_mode = getattr(torch.overrides, '_get_current_function_mode', None)
_pop_mode = getattr(torch.overrides, '_pop_mode_temporarily', None)


def call(fn, *args, **kwargs):
    """`fn(*args, **kwargs)` with augmented assignments of user code
    running out of place."""
    if torch.compiler.is_compiling():
        return _traced_call(fn, args, kwargs)
    function = getattr(fn, '__func__', fn)
    if isinstance(function, types.FunctionType):
        out_of_place(function)    # ready for torch.compile
    return _guarded(fn, args, kwargs)


def _guarded(fn, args, kwargs):
    if _STATE.active:
        return fn(*args, **kwargs)
    _STATE.active = True
    ACTIVE[0] += 1
    try:
        with ImmutableTensorsMode():
            return fn(*args, **kwargs)
    finally:
        ACTIVE[0] -= 1
        _STATE.active = False


def call_library(fn, *args, **kwargs):
    """`fn(*args, **kwargs)` for a built-in layer called from user code:
    without the mode, which would otherwise see each of its tensor
    operations (user code it calls in turn enters the mode again)."""
    if not _STATE.active or _pop_mode is None or \
            not isinstance(_get_mode(), ImmutableTensorsMode):
        return fn(*args, **kwargs)
    _STATE.active = False
    try:
        with _pop_mode():
            return fn(*args, **kwargs)
    finally:
        _STATE.active = True


def call_layer(layer, traced_call, *args, **kwargs):
    """Runs a user layer (`nn.Module.__call__`) with augmented assignments
    rebinding; under torch.compile its `call` is `traced_call` (the
    class's `out_of_place(cls.call)`, None when it has no augmented
    assignments)."""
    if torch.compiler.is_compiling():
        if traced_call is not None:
            return traced_call(layer, *args, **kwargs)
        return torch.nn.Module.__call__(layer, *args, **kwargs)
    return _guarded(torch.nn.Module.__call__, (layer,) + args, kwargs)


def _traced_call(fn, args, kwargs):
    function = getattr(fn, '__func__', None)
    if function is not None:
        traced = _REWRITTEN.get(function)
        if traced is not None:
            return traced(fn.__self__, *args, **kwargs)
    elif isinstance(fn, types.FunctionType):
        traced = _REWRITTEN.get(fn)
        if traced is not None:
            return traced(*args, **kwargs)
    return fn(*args, **kwargs)


_NB_INDEX = {symbol: i for i, (_, symbol) in
             enumerate(getattr(dis, '_nb_ops', ()))}
_NB_TO_BINARY = {i: _NB_INDEX[symbol[:-1]]
                 for symbol, i in _NB_INDEX.items()
                 if symbol.endswith('=') and symbol[:-1] in _NB_INDEX}


def _binary_code(code):
    """`code` with its augmented assignments as binary operations (and so
    the code objects nested in it); `code` itself when it has none."""
    raw = bytearray(code.co_code)
    changed = False
    for ins in dis.get_instructions(code):
        if ins.opname == 'BINARY_OP' and ins.arg in _NB_TO_BINARY:
            raw[ins.offset + 1] = _NB_TO_BINARY[ins.arg]
            changed = True
        elif ins.opname.startswith('INPLACE_') and \
                'BINARY_' + ins.opname[8:] in dis.opmap:
            raw[ins.offset] = dis.opmap['BINARY_' + ins.opname[8:]]
            changed = True
    consts = tuple(_binary_code(c) if isinstance(c, types.CodeType) else c
                   for c in code.co_consts)
    if any(a is not b for a, b in zip(consts, code.co_consts)):
        changed = True
    if not changed:
        return code
    return code.replace(co_code=bytes(raw), co_consts=consts)


_REWRITTEN = weakref.WeakKeyDictionary()


def out_of_place(func):
    """What torch.compile traces for a user function: a copy whose
    augmented assignments are binary operations, or None when it has none
    (or is library code)."""
    try:
        return _REWRITTEN[func]
    except KeyError:
        pass
    except TypeError:
        return None
    traced = None
    if isinstance(func, types.FunctionType) and \
            not _is_library_file(func.__code__.co_filename):
        try:
            code = _binary_code(func.__code__)
            if code is not func.__code__:
                traced = types.FunctionType(code, func.__globals__,
                                            func.__name__, func.__defaults__,
                                            func.__closure__)
                traced.__kwdefaults__ = func.__kwdefaults__
                traced.__qualname__ = func.__qualname__
        except Exception:
            traced = None
    _REWRITTEN[func] = traced
    return traced


def _code_of(fn):
    for _ in range(4):
        if isinstance(fn, functools.partial):
            fn = fn.func
            continue
        code = getattr(fn, '__code__', None)
        if code is not None:
            return code
        func = getattr(fn, '__func__', None)
        if func is not None:
            fn = func
            continue
        fn = getattr(type(fn), '__call__', None)
    return None


def is_user_function(fn):
    """Whether `fn` is written outside keras_compat, torch, the standard
    library and installed torch packages (a user's or a Keras 2 library's
    layer, Lambda function, loss or metric)."""
    code = _code_of(fn)
    return code is not None and not _is_library_file(code.co_filename)


def call_user(fn, *args, **kwargs):
    """Calls `fn`, through `call` when it is user code."""
    if torch.compiler.is_compiling():
        return _traced_call(fn, args, kwargs)
    if is_user_function(fn):
        return call(fn, *args, **kwargs)
    return fn(*args, **kwargs)


_AUGMENTED = ('add', 'sub', 'mul', 'truediv', 'floordiv', 'pow', 'mod',
              'and', 'or', 'xor', 'lshift', 'rshift')


def _rebinding(name, in_place):
    binary = getattr(torch.Tensor, '__%s__' % name)

    def augmented(self, other):
        # Only plain tensors: parameters and Keras variables keep their
        # own meaning of `v += x`.
        if type(self) is torch.Tensor and \
                not torch.compiler.is_compiling() and \
                not _is_library_file(sys._getframe(1).f_code.co_filename):
            return binary(self, other)
        return in_place(self, other)
    augmented._keras_compat = True
    augmented.__name__ = in_place.__name__
    augmented.__doc__ = in_place.__doc__
    return augmented


_AUGMENTED_WRAPPER_CODE = _rebinding('add', torch.Tensor.__iadd__).__code__


def rebind_augmented_assignments():
    """`x += y` on a tensor in a Keras program's own code outside layers
    (eager TensorFlow 2 code, a loss written at the top level, a library's
    eager helper) makes a new tensor and rebinds the name, as on
    TensorFlow's immutable tensors; keras_compat, torch and torch
    packages keep updating in place."""
    for name in _AUGMENTED:
        in_place = getattr(torch.Tensor, '__i%s__' % name)
        if not getattr(in_place, '_keras_compat', False):
            setattr(torch.Tensor, '__i%s__' % name,
                    _rebinding(name, in_place))
