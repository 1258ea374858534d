"""The state of one top-level call of a layer or model.

Keras 2 resets the losses and metrics a layer adds in `call` at every call
of the model: those of the last call are the ones the training step adds to
the loss. Here the outermost `Layer.__call__` enters a `CallContext` (one
per thread, as Keras 3's call context); layers record the context their
call losses and `add_metric` values belong to, and the calling layer keeps
the context of its last call (`_last_call_context`), so the training step
reads exactly the values of the forward pass it ran. A layer shared inside
one call keeps the values of all its calls."""
import threading

_ACTIVE = threading.local()


class CallContext(object):
    """One top-level call. `compiled`: the call runs inside a
    `torch.compile`d graph, whose per-call values were reset before it
    started (the graph itself does not reset them)."""

    __slots__ = ('compiled',)

    def __init__(self, compiled=False):
        self.compiled = compiled

    def __repr__(self):
        return '<CallContext%s at %#x>' % (
            ' compiled' if self.compiled else '', id(self))


def run_stack():
    """This thread's stack of graph runs in progress (the values a model's
    forward pass or a K.function call answers for symbolic tensors;
    engine/symbolic.py), innermost last."""
    runs = getattr(_ACTIVE, 'runs', None)
    if runs is None:
        runs = _ACTIVE.runs = []
    return runs


def current():
    """The context of the call in progress on this thread, or None."""
    return getattr(_ACTIVE, 'context', None)


def enter(context=None):
    """Makes `context` (a new one by default) the active context; returns
    it. Pair with `leave`."""
    if context is None:
        context = CallContext()
    _ACTIVE.context = context
    return context


def leave():
    """Ends the active call."""
    _ACTIVE.context = None


def for_update(recorded):
    """The context a value added now belongs to, and whether the values
    recorded under `recorded` are from an earlier call (and are to be
    replaced). Outside any call, a value is a call of its own."""
    context = current()
    if context is None:
        return CallContext(), True
    if context.compiled:
        return recorded, False
    return context, recorded is not context
