"""A Keras 2 `get_updates(loss, params)` run eagerly, once per step.

In Keras 2 an optimizer's `get_updates` builds, once, a TensorFlow 1 graph
of variable assignments that the training function runs at every batch.
Here the method itself runs at every batch inside a `Replay`, which gives
the backend functions it calls the meaning they had in that graph:

- Variables it creates (`K.variable`, `K.zeros`, `K.ones`, `K.eye`,
  `K.random_uniform_variable`, `K.random_normal_variable`) are made on the
  first run and recorded in creation order; later runs get the same
  objects back, with the values they hold, so slots are created once.
  (`K.zeros_like` / `K.ones_like` made plain tensors in Keras 2, not
  variables, and are not recorded.)
- `K.update`, `K.update_add` and `K.update_sub` compute their value at once
  and queue the assignment; the queue is applied in order when
  `get_updates` returns, so every read during the run sees the values
  from before the step, as in one session run. An `update_add` adds its
  increment to the value the variable has when it is applied, as
  `assign_add` does. `K.control_dependencies(updates)` applies the given
  updates first, so reads inside the block see them.

Outside a replay these functions keep their immediate behaviour."""
import functools
import threading

import numpy as np
import torch

# Per thread: the replay of the `get_updates` now running.
_THREAD = threading.local()

_ASSIGN, _ADD, _SUB, _CALL = 0, 1, 2, 3
ADD = _ADD


def current():
    """The replay of the `get_updates` running on this thread, or None."""
    return getattr(_THREAD, 'replay', None)


def activate(replay):
    """Makes `replay` the running one; returns the one it replaces."""
    previous = current()
    _THREAD.replay = replay
    return previous


class _Entry(object):
    __slots__ = ('target', 'value', 'mode', 'result', 'done')

    def __init__(self, target, value, mode, result):
        self.target = target
        self.value = value
        self.mode = mode
        self.result = result
        self.done = False


class StepMarker(object):
    """What a queued whole optimizer step (a built-in optimizer's
    `get_updates` inside a replay) returns as its update."""

    __slots__ = ('name',)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return '<%s step>' % self.name


class Replay(object):
    """One run of `get_updates`: the optimizer's recorded variables, the
    queue of assignments and where the gradients come from.

    `loss` is the step's loss; with `step_grads` its gradients are the
    ones `backward()` left in `.grad`. With `dry`, gradients are zeros and
    the queue is discarded (the run only creates the variables)."""

    def __init__(self, variables, loss=None, step_grads=False, dry=False):
        self.variables = variables
        self.cursor = 0
        self.queue = []
        self.targets = set()
        self.loss = loss
        self.step_grads = step_grads
        self.dry = dry
        self._making = False

    # ---------------------------------------------------------- variables
    def variable(self, make, args, kwargs, shape):
        if self._making:
            return make(*args, **kwargs)
        index = self.cursor
        self.cursor = index + 1
        if index < len(self.variables):
            var = self.variables[index]
            if tuple(var.shape) != shape:
                raise ValueError(
                    'get_updates(loss, params) created variable #%d with '
                    'shape %s on its first run and asks for shape %s now. '
                    'Its variables are made on the first training step and '
                    'reused at every later step, so each step must create '
                    'the same variables, in the same order and with the '
                    'same shapes.' % (index, tuple(var.shape), shape))
            return var
        self._making = True
        try:
            var = make(*args, **kwargs)
        finally:
            self._making = False
        self.variables.append(var)
        return var

    # ------------------------------------------------------------ updates
    def update(self, x, value, mode):
        if not isinstance(value, (torch.Tensor, int, float)):
            value = torch.as_tensor(np.asarray(value), device=x.device)
        if isinstance(value, torch.Tensor) and (
                value._base is not None or id(value) in self.targets):
            # The value may change before the queue reaches it: keep what
            # it holds now.
            value = value.clone()
        if mode == _ASSIGN:
            result = value if isinstance(value, torch.Tensor) else \
                torch.full_like(x, value)
        elif mode == _ADD:
            result = x + value
        else:
            result = x - value
        self.targets.add(id(x))
        self.queue.append(_Entry(x, value, mode, result))
        return result

    def call(self, fn, name):
        """Queues `fn()` (a whole optimizer step) as one update."""
        marker = StepMarker(name)
        self.queue.append(_Entry(None, fn, _CALL, marker))
        return marker

    def run_now(self, control_inputs):
        """Applies the queued updates among `control_inputs` now (none in
        a dry run, which discards its queue)."""
        if self.dry:
            return
        wanted = []
        for item in control_inputs if isinstance(
                control_inputs, (list, tuple)) else [control_inputs]:
            wanted += item if isinstance(item, (list, tuple)) else [item]
        if not wanted:
            return
        for entry in self.queue:
            if not entry.done and any(entry.result is w for w in wanted):
                _apply(entry)

    def apply_all(self):
        for entry in self.queue:
            if not entry.done:
                _apply(entry)
        self.queue = []

    def apply_returned(self, updates):
        """Applies, in the order they were made, the queued updates that
        the list `get_updates` returned holds (nested lists included):
        as in a Keras 2 session run, an update made but not returned
        never runs. Anything but a list applies the whole queue."""
        if not isinstance(updates, (list, tuple)):
            self.apply_all()
            return
        wanted = set()
        stack = list(updates)
        while stack:
            item = stack.pop()
            if isinstance(item, (list, tuple)):
                stack.extend(item)
            else:
                wanted.add(id(item))
        for entry in self.queue:
            if not entry.done and id(entry.result) in wanted:
                _apply(entry)
        self.queue = []


def _apply(entry):
    entry.done = True
    x, value, mode = entry.target, entry.value, entry.mode
    if mode == _CALL:
        # A whole optimizer step, run as outside any replay: its own
        # assignments are made as it makes them.
        previous = activate(None)
        try:
            value()
        finally:
            activate(previous)
        return
    source = x.__dict__.get('_keras_source')
    if source is not None and source[1].from_keras is not None:
        # A weight whose Keras layout is a computed copy (reordered
        # gates): write through its record.
        layer, record = source[0](), source[1]
        if mode != _ASSIGN:
            current = record.keras_tensor(layer)
            value = current + value if mode == _ADD else current - value
        record.assign(layer, value)
        return
    if isinstance(value, torch.Tensor) and value.dtype != x.dtype:
        value = value.to(x.dtype)
    if mode == _ASSIGN:
        if isinstance(value, torch.Tensor):
            x.copy_(value)
        else:
            x.fill_(value)
    elif mode == _ADD:
        x.add_(value)
    else:
        x.sub_(value)


# ---------------------------------------------------- backend decorators
def records_variable(shape_of):
    """Decorates a variable-creating backend function: inside a replay,
    the variable is recorded on the first run and handed back later."""
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            replay = current()
            if replay is None:
                return fn(*args, **kwargs)
            return replay.variable(fn, args, kwargs,
                                   shape_of(*args, **kwargs))
        return wrapper
    return decorate


def deferred(mode):
    """Decorates K.update / K.update_add / K.update_sub: inside a replay
    the assignment is queued and the new value returned."""
    code = {'assign': _ASSIGN, 'add': _ADD, 'sub': _SUB}[mode]

    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(x, value):
            replay = current()
            if replay is None:
                return fn(x, value)
            return replay.update(x, value, code)
        return wrapper
    return decorate


def run_dependencies(control_inputs):
    """K.control_dependencies: inside a replay, applies the queued updates
    it is given."""
    replay = current()
    if replay is not None and control_inputs is not None:
        replay.run_now(control_inputs)


def weight_parameter(variable):
    """(tensor to differentiate, to-Keras-layout function or None) for a
    weight given as a Keras-layout view or as a tensor."""
    source = variable.__dict__.get('_keras_source')
    if source is None:
        return variable, None
    layer, record = source[0](), source[1]
    return getattr(layer, record.attr), record.to_keras


def step_gradients(replay, loss, params):
    """(parameters, torch-layout gradients) of `loss` for `params` inside
    `replay`: the gradients `backward()` left when `loss` is the step's
    loss, zeros in a dry run, else computed (None where unconnected)."""
    targets = [weight_parameter(p) for p in params]
    tensors = [t for t, _ in targets]
    if replay.dry:
        grads = [torch.zeros_like(t) for t in tensors]
    elif replay.step_grads and loss is replay.loss:
        grads = [t.grad for t in tensors]
    else:
        with torch.enable_grad():
            grads = list(torch.autograd.grad(
                loss, tensors, allow_unused=True, retain_graph=True))
    return targets, grads


def torch_layout(variable, grad):
    """A gradient given in the Keras layout of `variable` (a weight view)
    in the layout of the parameter it shows."""
    source = variable.__dict__.get('_keras_source') \
        if isinstance(variable, torch.Tensor) else None
    if source is None:
        return grad
    record = source[1]
    if record.from_keras is not None:
        return record.from_keras(grad)
    if record.to_keras is None:
        return grad
    # A Keras view of the parameter (a permuted kernel): the gradient
    # written through the same view.
    param = getattr(source[0](), record.attr)
    laid_out = torch.empty_like(param, dtype=grad.dtype)
    record.to_keras(laid_out).copy_(grad)
    return laid_out


def keras_gradients(replay, loss, params):
    """The gradients of `step_gradients`, in the Keras layout of
    `params`."""
    targets, grads = step_gradients(replay, loss, params)
    return [g if g is None or to_keras is None else to_keras(g)
            for (_, to_keras), g in zip(targets, grads)]


def gradients_in_replay(fn):
    """Decorates K.gradients: inside a replay, the gradients of the step's
    loss are the ones already computed."""
    @functools.wraps(fn)
    def wrapper(loss, variables):
        replay = current()
        if replay is None or not (replay.dry or (
                replay.step_grads and loss is replay.loss)):
            return fn(loss, variables)
        single = not isinstance(variables, (list, tuple))
        grads = keras_gradients(replay, loss,
                                [variables] if single else list(variables))
        return grads[0] if single else grads
    return wrapper


# Shapes of the variables the creating functions make, from their
# arguments.
def _as_shape(shape):
    if isinstance(shape, torch.Tensor):
        shape = shape.tolist()
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def shape_of_value(value, *args, **kwargs):
    return tuple(value.shape) if isinstance(value, torch.Tensor) else \
        tuple(np.shape(value))


def shape_of_shape(shape, *args, **kwargs):
    return _as_shape(shape)


def shape_of_eye(size, *args, **kwargs):
    if isinstance(size, (tuple, list)):
        return _as_shape(size)
    return (int(size), int(size))
