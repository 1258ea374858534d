"""`tf.Module`: a named container whose `variables`,
`trainable_variables` and `submodules` are found by walking its
attributes, as TensorFlow does (quantizer and optimizer objects of
libraries subclass it)."""
import functools
import re

import torch


def _camel_to_snake(name):
    intermediate = re.sub('(.)([A-Z][a-z0-9]+)', r'\1_\2', name)
    return re.sub('([a-z])([A-Z])', r'\1_\2', intermediate).lower()


def _is_variable(value):
    from .tensorflow_compat import Variable
    return isinstance(value, Variable)


def _is_trainable(value):
    return _is_variable(value) and bool(
        getattr(value, 'trainable', value.requires_grad))


def _is_keras_layer(value):
    return isinstance(value, torch.nn.Module) and hasattr(value, 'weights')


class _ModuleMeta(type):
    """A Keras layer is a `tf.Module` (as in tf.keras)."""

    def __instancecheck__(cls, instance):
        if type.__instancecheck__(cls, instance):
            return True
        return cls is Module and _is_keras_layer(instance)


def _leaves(value):
    """The leaves of a nest of lists, tuples and dicts (dict keys
    sorted), as `tf.nest.flatten` gives them."""
    if isinstance(value, dict):
        for key in sorted(value, key=str):
            yield from _leaves(value[key])
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


class Module(metaclass=_ModuleMeta):
    """`tf.Module(name=None)`: the name defaults to the class name in
    snake case; `variables`, `trainable_variables`,
    `non_trainable_variables` and `submodules` are the variables and
    modules held in its attributes (walked in attribute-name order, then
    through the submodules found, each counted once)."""

    _TF_MODULE_IGNORED_PROPERTIES = frozenset(())

    def __init__(self, name=None):
        if name is None:
            name = _camel_to_snake(type(self).__name__)
        elif not str(name).isidentifier():
            raise ValueError(
                '%r is not a valid module name. Module names must be valid '
                'Python identifiers (e.g. a valid class name).' % (name,))
        self._name = name

    @property
    def name(self):
        """The name given, else the class name in snake case."""
        return self._name

    @property
    def name_scope(self):
        """A scope named after the module (names do not nest on
        PyTorch)."""
        from .tensorflow_compat import name_scope
        return name_scope(self.name)

    @property
    def variables(self):
        return tuple(self._flatten(predicate=_is_variable))

    @property
    def trainable_variables(self):
        return tuple(self._flatten(predicate=_is_trainable))

    @property
    def non_trainable_variables(self):
        return tuple(self._flatten(
            predicate=lambda v: _is_variable(v) and not _is_trainable(v)))

    @property
    def submodules(self):
        return tuple(self._flatten(
            predicate=lambda v: isinstance(v, Module)))

    def _flatten(self, recursive=True, predicate=None):
        predicate = predicate or (lambda value: True)
        return _flatten_module(self, recursive, predicate, set())

    @classmethod
    def with_name_scope(cls, method):
        """Decorator running `method` inside the module's name scope."""
        @functools.wraps(method)
        def method_with_name_scope(self, *args, **kwargs):
            with self.name_scope:
                return method(self, *args, **kwargs)
        return method_with_name_scope


def _flatten_module(module, recursive, predicate, seen):
    if _is_keras_layer(module):
        for weight in module.weights:
            if id(weight) not in seen and predicate(weight):
                seen.add(id(weight))
                yield weight
        return
    ignored = getattr(module, '_TF_MODULE_IGNORED_PROPERTIES', ())
    attributes = vars(module)
    submodules = []
    for key in sorted(attributes):
        if key in ignored:
            continue
        for leaf in _leaves(attributes[key]):
            if id(leaf) in seen:
                continue
            seen.add(id(leaf))
            if predicate(leaf):
                yield leaf
            if recursive and isinstance(leaf, Module):
                submodules.append(leaf)
    for submodule in submodules:
        yield from _flatten_module(submodule, recursive, predicate, seen)
