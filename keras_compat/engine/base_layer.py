"""The Keras `Layer` as a `torch.nn.Module`.

A layer stores its configuration in `__init__`, creates its weights in
`build(input_shape)` the first time it is called, and computes in
`call(inputs)`. Weights are `nn.Parameter`s registered on the module (so
`parameters()`, `state_dict()`, `.to(device)` and DDP work) and are laid out
for the fastest torch kernel; `get_weights()`/`set_weights()` and
`layer.weights` speak Keras layout."""
import collections
import functools
import inspect
import itertools
import sys
import re
import types
import weakref

import numpy as np
import torch
from torch import nn

from .. import backend as K
from .. import initializers, regularizers, constraints
from ..backend import common, immutable, variable_graph, variable_registry
from ..backend import graph_names
from . import call_context
from ..utils.generic_utils import to_list, unpack_singleton
from ..legacy import interfaces
from .keras_tensor import DTypeName, KerasTensor, Node
from ..backend.tensor_shape import TensorShape

_ALLOWED_KWARGS = frozenset({'input_shape', 'batch_input_shape', 'batch_size',
                             'dtype', 'name', 'trainable', 'weights',
                             'input_dtype', 'input_dim', 'autocast',
                             'dynamic'})
# Further keyword arguments tf.keras 2.x's Layer takes (its Dense and many
# custom layers pass `activity_regularizer` up to Layer.__init__).
_TF_KERAS_KWARGS = frozenset({'activity_regularizer', 'implementation'})


def to_snake_case(name):
    """'MaxPooling2D' -> 'max_pooling2d', as Keras names layers. Keras 2
    counts digits as lower case ('VGG16' -> 'vg_g16'), tf.keras does not
    ('vgg16'), and a tf.keras program gets its rule."""
    lower = '[a-z]' if common.is_tf_keras() else '[a-z0-9]'
    intermediate = re.sub('(.)([A-Z]%s+)' % lower, r'\1_\2', name)
    insecure = re.sub('([a-z])([A-Z])', r'\1_\2', intermediate).lower()
    if insecure[0] != '_':
        return insecure
    return 'private' + insecure


_to_snake_case = to_snake_case  # (Keras 2's name)


def _call_names_gradients(cls):
    """Whether a layer class's `call` names a gradient function
    (`K.gradients`, `tf.gradients`): Keras 2 runs `call` on graph
    tensors, so its gradients become part of the graph; here the call
    is probed once to learn which tensors runs must differentiate."""
    code = getattr(getattr(cls, 'call', None), '__code__', None)
    return code is not None and 'gradients' in code.co_names


def _call_makes_sparse(cls):
    """Whether a layer class's `call` names `SparseTensor`: it may return
    a tf.SparseTensor, which the layers after it read as one
    (`adjacency.indices`); its call is probed once to learn that."""
    code = getattr(getattr(cls, 'call', None), '__code__', None)
    return code is not None and 'SparseTensor' in code.co_names


def _sparse_flags(out):
    """Which of the tensors a call returned are tf.SparseTensors."""
    from ..tensorflow_sparse_graph import is_sparse_tensor
    return [is_sparse_tensor(o) for o in (
        out if isinstance(out, (list, tuple)) else [out])]


def _empty_sparse(shape, dtype):
    """A tf.SparseTensor with no entries: what a probe of the layers after
    one that returns a SparseTensor is given."""
    from ..tensorflow_compat import SparseTensor
    return SparseTensor(torch.zeros((0, len(shape)), dtype=torch.int64),
                        torch.zeros((0,), dtype=dtype,
                                    device=K.get_device()), tuple(shape))


def _keras2_single(outputs):
    """Keras 2 gives the one graph tensor of a call that returns a list of
    one (`unpack_singleton` in `Layer.__call__`); tf.keras keeps the
    list."""
    if type(outputs) is list and len(outputs) == 1 and \
            not common.is_tf_keras():
        return outputs[0]
    return outputs


def _float64_cast_down(layer, inputs):
    """float64 tensors given to a layer of a narrower float type, in its
    type, as tf.keras casts a layer's floating inputs (numpy's float64
    arrays are converted so already)."""
    if layer.dtype not in ('float32', 'float16', 'bfloat16'):
        return inputs
    if isinstance(inputs, torch.Tensor):
        return inputs.to(K.torch_dtype(layer.dtype)) \
            if inputs.dtype == torch.float64 else inputs
    if isinstance(inputs, (list, tuple)) and any(
            isinstance(x, torch.Tensor) and x.dtype == torch.float64
            for x in inputs):
        return type(inputs)(_float64_cast_down(layer, x) for x in inputs)
    if isinstance(inputs, dict):
        return {k: _float64_cast_down(layer, x) for k, x in inputs.items()}
    return inputs


def _shape_for_build(input_shape):
    """What a user layer's `build` gets: each shape a tuple that also
    answers TensorFlow's `as_list()`, `rank` and `input_shape[-1].value`,
    as tf.keras's `TensorShape` does (Keras 2's plain tuple idioms keep
    working)."""
    if isinstance(input_shape, list):
        return [_shape_for_build(s) for s in input_shape]
    if isinstance(input_shape, dict):
        return {k: _shape_for_build(s) for k, s in input_shape.items()}
    if isinstance(input_shape, tuple) and \
            all(d is None or isinstance(d, int) for d in input_shape):
        return TensorShape(input_shape)
    return input_shape


def _collect_previous_mask(input_tensors):
    """The masks of `input_tensors` (Keras 2's helper for layers that
    call others by hand): that of the node that made each symbolic
    tensor, a tensor's own mask otherwise, None without one."""
    masks = []
    for x in to_list(input_tensors):
        history = getattr(x, '_keras_history', None)
        if history is not None:
            layer, node_index, tensor_index = history
            masks.append(layer._inbound_nodes[node_index]
                         .output_masks[tensor_index])
        else:
            masks.append(getattr(x, '_keras_mask', None))
    return unpack_singleton(masks)


def _collect_input_shape(input_tensors):
    """The static shapes of `input_tensors` (None where unknown)."""
    from .. import backend as K
    shapes = []
    for x in to_list(input_tensors):
        try:
            shapes.append(K.int_shape(x))
        except (TypeError, AttributeError):
            shapes.append(None)
    return unpack_singleton(shapes)


class InputSpec(object):
    """The rank, dtype and fixed axis sizes a layer accepts; checked when
    the layer is called."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None,
                 min_ndim=None, axes=None):
        self.dtype = dtype
        self.shape = shape
        if shape is not None:
            self.ndim = len(shape)
        else:
            self.ndim = ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = axes or {}

    def __repr__(self):
        spec = [('dtype=' + str(self.dtype)) if self.dtype else '',
                ('shape=' + str(self.shape)) if self.shape else '',
                ('ndim=' + str(self.ndim)) if self.ndim else '',
                ('max_ndim=' + str(self.max_ndim)) if self.max_ndim else '',
                ('min_ndim=' + str(self.min_ndim)) if self.min_ndim else '',
                ('axes=' + str(self.axes)) if self.axes else '']
        return 'InputSpec(%s)' % ', '.join(x for x in spec if x)


class KerasWeightView(torch.Tensor):
    """A Keras-layout alias of a layer weight, as `layer.weights` returns.

    It shares storage with the parameter (so `K.set_value` writes through)
    and carries the Keras variable name, e.g. 'dense_1/kernel:0'. Used
    while no model runs, it is a variable of graph expressions
    (`backend/variable_graph.py`): keras-rl's `tau * w + (1 - tau) * w_t`
    is computed again from the weights at each step."""

    __torch_function__ = classmethod(variable_graph._dispatch)
    shape = property(variable_graph._keras_shape)

    @property
    def op(self):
        """The weight's TensorFlow op (`op.name`: 'dense_1/kernel')."""
        return graph_names.variable_operation(self)

    @property
    def name(self):
        return self.__dict__.get('_keras_name')

    @property
    def constraint(self):
        """The layer's constraint on this weight (`kernel_constraint`,
        ...), which Keras 2 optimizers apply in `get_updates`."""
        source = self.__dict__.get('_keras_source')
        return None if source is None else source[1].constraint

    @property
    def trainable(self):
        """Whether the weight trains: the layer's and the weight's own
        flag (tf.Variable's attribute, which SWA callbacks read)."""
        source = self.__dict__.get('_keras_source')
        if source is None:
            return False
        layer = source[0]()
        return bool(source[1].trainable and layer is not None and
                    layer.trainable)

    @property
    def grad(self):
        """The gradient the weight's parameter holds, in Keras layout
        (None before any backward pass)."""
        source = self.__dict__.get('_keras_source')
        layer = source[0]() if source is not None else None
        if layer is None:
            return None
        grad = getattr(layer, source[1].attr).grad
        to_keras = source[1].to_keras
        return grad if grad is None or to_keras is None else to_keras(grad)

    @grad.setter
    def grad(self, value):
        """Sets (None: clears) the gradient of the weight's parameter."""
        source = self.__dict__.get('_keras_source')
        layer = source[0]() if source is not None else None
        if layer is None:
            torch.Tensor.grad.__set__(self, value)
            return
        from_keras = source[1].from_keras
        if value is not None and from_keras is not None:
            value = from_keras(value)
        getattr(layer, source[1].attr).grad = value

    def numpy(self):
        return _copy_to_numpy(self)

    @property
    def initializer(self):
        """TensorFlow 1's initializer operation of the weight: each run
        (`w.initializer.run(session=sess)`, `sess.run(w.initializer)`)
        draws the weight again from the initializer it was made with."""
        source = self.__dict__.get('_keras_source')
        if source is None or source[1].initializer is None:
            raise AttributeError(
                'The weight %s was given as a value, it has no initializer '
                'to run again; assign a new value with K.set_value.'
                % self.name)
        return WeightInitializer(source[0], source[1])

    def value(self):
        return self

    def assign(self, value, use_locking=None, name=None, read_value=True):
        return variable_graph.assigned(self, value, None)

    def assign_add(self, delta, use_locking=None, name=None,
                   read_value=True):
        return variable_graph.assigned(self, delta, torch.add)

    def assign_sub(self, delta, use_locking=None, name=None,
                   read_value=True):
        return variable_graph.assigned(self, delta, torch.sub)

    def ref(self):
        """tf.Variable's `ref()`: a hashable reference to the weight, the
        same for every view of it (tfa's `decay_var_list` keeps them in
        a set)."""
        return WeightReference(self)

    experimental_ref = ref


class WeightInitializer(object):
    """A layer weight's initializer operation (`weight.initializer`)."""

    type = 'Assign'

    def __init__(self, layer_ref, record):
        self._layer = layer_ref
        self._record = record

    @property
    def name(self):
        layer = self._layer()
        weight = layer._weight_name(self._record) if layer else ''
        return weight.split(':')[0] + '/Assign'

    def run(self, session=None, feed_dict=None):
        """Draws the weight again from its initializer."""
        layer = self._layer()
        if layer is None:
            return None
        record = self._record
        value = layer._initial_value(record.initializer, record.keras_shape,
                                     layer.dtype)
        with torch.no_grad():
            record.assign(layer, value)
        return None

    def __repr__(self):
        return '<tf.Operation %r type=Assign>' % self.name


class WeightReference(object):
    """What `weight.ref()` returns: equal for views of the same layer
    weight; `deref()` gives the weight back."""

    def __init__(self, weight):
        self._weight = weight
        source = weight.__dict__.get('_keras_source')
        self._key = (id(source[0]()), source[1].attr) \
            if source is not None else id(weight)

    def deref(self):
        return self._weight

    def __eq__(self, other):
        return isinstance(other, WeightReference) and \
            self._key == other._key

    def __hash__(self):
        return hash(self._key)


variable_graph.register_leaf_type(KerasWeightView)

# How many update ops `add_update` has kept, in any layer (none: the
# training step need not look for them).
_ADDED_UPDATES = [0]


def added_update_ops(model):
    """The update ops kept by `add_update` on `model` and its layers."""
    if not _ADDED_UPDATES[0]:
        return []
    found = []
    for layer in _unique_layers(model):
        found += layer.__dict__.get('_added_update_ops', ())
    return found


def _input_masks(inputs):
    """The mask of the inputs (a list for a list of inputs), None when
    none has one."""
    if isinstance(inputs, (list, tuple)):
        masks = [getattr(x, '_keras_mask', None) for x in inputs]
        return None if all(m is None for m in masks) else masks
    return getattr(inputs, '_keras_mask', None)


def _named_arguments(cls, args, kwargs):
    """(args, kwargs) with the positional arguments after the inputs given
    by their names in `cls.call`, as far as it names them."""
    names = _class_flags(cls)['argument_names']
    if names is None or len(args) > len(names):
        return args, kwargs
    named = dict(zip(names, args))
    named.update(kwargs)
    return (), named


def _argument_names(params):
    """The names of `call`'s positional parameters after the inputs (None
    when it takes *args)."""
    params = list(params.values())
    if any(p.kind == p.VAR_POSITIONAL for p in params):
        return None
    return [p.name for p in params[2:]
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


class _WeightList(list):
    """A layer's `_trainable_weights` / `_non_trainable_weights`: storing
    another layer's weight at an index (`layer._trainable_weights[0] =
    other.kernel`) makes `layer.weights` list it there, as Keras 2's list
    did."""

    def __init__(self, layer, records):
        list.__init__(self, [layer._listed_weight(r) for r in records])
        self._layer = layer
        self._records = records

    def __setitem__(self, index, value):
        list.__setitem__(self, index, value)
        if isinstance(index, slice):
            raise NotImplementedError(
                'Assigning a slice of `_trainable_weights` is not supported; '
                'assign one weight at a time (`_trainable_weights[i] = w`).')
        record = self._records[index]
        self._layer.__dict__.setdefault('_keras_listed_weights', {})[
            record.name] = value


class _WeightRecord(object):
    """One Keras weight of a layer: where the tensor lives on the module and
    how to see it in Keras layout."""

    __slots__ = ('name', 'attr', 'to_keras', 'from_keras', 'trainable',
                 'regularizer', 'constraint', 'keras_shape', 'to_torch',
                 'shown_as', 'initializer')

    def __init__(self, name, attr, keras_shape, trainable=True,
                 regularizer=None, constraint=None, to_keras=None,
                 from_keras=None, to_torch=None, initializer=None):
        self.name = name
        self.attr = attr
        # What the weight was drawn from (None: given as a value).
        self.initializer = initializer
        # The attribute user code reads the weight as (`dense.kernel`,
        # `conv.weight` behind the `conv.kernel` property): it stays that
        # attribute after a tensor has replaced the weight there.
        self.shown_as = attr
        self.to_torch = to_torch
        self.keras_shape = tuple(keras_shape)
        self.trainable = trainable
        self.regularizer = regularizer
        self.constraint = constraint
        self.to_keras = to_keras
        self.from_keras = from_keras

    def keras_tensor(self, layer):
        """The weight in Keras layout, differentiable (a view or, for
        reordered gates, a computed tensor)."""
        tensor = getattr(layer, self.attr)
        return tensor if self.to_keras is None else self.to_keras(tensor)

    def attribute_tensor(self, layer):
        """`keras_tensor` as a layer attribute hands it to user code
        (`conv.kernel`, `cell.recurrent_kernel`): a re-laid-out tensor
        names the weight it shows, so that K.gradients and K.update with
        respect to it reach the parameter. Read by user code while no
        model runs, it is the weight's view, a variable of expressions
        (read afresh where used: `self.v = cell.recurrent_kernel` in a
        `build()` stays the weight as it trains)."""
        if self.to_keras is not None and variable_graph.idle() and \
                not immutable.is_library_code(sys._getframe(2).f_code):
            return layer._weight_view(self)
        replaced = layer.__dict__.get('_keras_replaced_weights')
        if replaced and self.name in replaced:
            return replaced[self.name]
        tensor = self.keras_tensor(layer)
        if self.to_keras is not None:
            tensor._keras_source = (weakref.ref(layer), self)
        return tensor

    def assign(self, layer, value):
        """Writes a Keras-layout value into the torch-layout tensor."""
        tensor = getattr(layer, self.attr)
        value = torch.as_tensor(value, dtype=tensor.dtype,
                                device=tensor.device)
        with torch.no_grad():
            if self.from_keras is not None:
                tensor.copy_(self.from_keras(value))
            elif self.to_keras is not None:
                self.to_keras(tensor).copy_(value)
            else:
                tensor.copy_(value.reshape(tensor.shape))


# How many times a layer's `trainable` was set in this process (a model
# compiled since the last time runs under its flags unchanged).
TRAINABLE_SETS = [0]


def _joined_scope(scope, name):
    return scope + '/' + name if scope else name


def overridden_weight_property(cls, which):
    """The `trainable_weights` (which='trainable') or
    `non_trainable_weights` property that a class written outside
    keras_compat defines in place of Layer's, or None (looked up once per
    class: training steps ask it of every layer)."""
    found = _WEIGHT_PROPERTIES.setdefault(cls, {})
    if which not in found:
        found[which] = _own_weight_property(cls, which + '_weights')
    return found[which]


_WEIGHT_PROPERTIES = weakref.WeakKeyDictionary()


def _own_weight_property(cls, name):
    klass = _defining_class(cls, name)
    if klass is None or _is_library_class(klass):
        return None
    return klass.__dict__[name]


def _defining_class(cls, name):
    """The class of `cls`'s MRO that defines attribute `name`, or None."""
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return klass
    return None


def _is_library_class(klass):
    return klass.__module__.split('.')[0] == 'keras_compat'


def _tensor_shaped(shape_fn):
    """A built-in layer's `compute_output_shape` that gives tf.keras code
    TensorShapes, as tf.keras's layers do (keras-tcn builds sub-layers
    from `layer.compute_output_shape(shape)` and reads `.as_list()`);
    Keras 2 code keeps getting tuples."""
    @functools.wraps(shape_fn)
    def compute_output_shape(self, *args, **kwargs):
        shape = shape_fn(self, *args, **kwargs)
        return _shape_for_build(shape) if common.is_tf_keras() else shape
    return compute_output_shape


def _lists_own_weights(cls):
    return overridden_weight_property(cls, 'trainable') is not None or \
        overridden_weight_property(cls, 'non_trainable') is not None


def weight_pairs_of(layer, weights, which):
    """(layer, record) pairs of a list of weights (views or the
    variables themselves) found in `layer` or the layers inside it."""
    owners = {}
    for owner in _unique_layers(layer):
        for record in owner._keras_weights:
            owners[id(getattr(owner, record.attr))] = (owner, record)
    pairs = []
    for weight in weights:
        source = weight.__dict__.get('_keras_source') \
            if isinstance(weight, torch.Tensor) else None
        if source is not None:
            pairs.append((source[0](), source[1]))
        elif id(weight) in owners:
            pairs.append(owners[id(weight)])
        else:
            raise ValueError('%s.%s_weights lists %r, which is not a weight '
                             'of the layer or of a layer inside it.'
                             % (type(layer).__name__, which, weight))
    return pairs


def _call_outgrows_shape_fn(cls):
    """Whether a user class overrides `call` but inherits
    `compute_output_shape` from a built-in layer (keras-bert's
    TokenEmbedding returns [embeddings, weights] from an Embedding): its
    output shape is then found by running the call, as tf.keras traces
    it."""
    call_owner = _defining_class(cls, 'call')
    shape_owner = _defining_class(cls, 'compute_output_shape')
    if call_owner is None or shape_owner is None:
        return False
    mro = cls.__mro__
    return not _is_library_class(call_owner) and \
        _is_library_class(shape_owner) and \
        mro.index(call_owner) < mro.index(shape_owner)


def _class_flags(cls):
    """Per-class facts about `call` and `compute_mask`, computed once."""
    flags = cls.__dict__.get('_keras_class_flags')
    if flags is None:
        try:
            params = inspect.signature(cls.call).parameters
        except (TypeError, ValueError):
            params = {}
        var_kw = any(p.kind == inspect.Parameter.VAR_KEYWORD
                     for p in params.values())
        flags = {
            'mask_arg': 'mask' in params or var_kw,
            'training_arg': 'training' in params or var_kw,
            # (A `training` parameter of its own, not merely **kwargs.)
            'names_training': 'training' in params,
            # (`call(self, inputs, training)`: tf.keras passes None when
            # nothing decides the mode.)
            'requires_training': 'training' in params and
            params['training'].default is inspect.Parameter.empty and
            params['training'].kind != inspect.Parameter.VAR_POSITIONAL,
            'names_mask': 'mask' in params,
            'argument_names': _argument_names(params),
            'computes_mask': cls.compute_mask is not Layer.compute_mask,
            'shape_fn': cls.compute_output_shape is not
            Layer.compute_output_shape and not _call_outgrows_shape_fn(cls),
            # A class written outside keras_compat: its attributes holding
            # layers or variables are tracked as Keras 2.3 tracks them.
            'user': cls.__module__.split('.')[0] != 'keras_compat',
            # Its `call` is user code: augmented assignments on tensors
            # there rebind, as on Keras 2 backend tensors.
            'guard': immutable.is_user_function(cls.call),
        }
        # What torch.compile traces for such a `call`.
        flags['traced_call'] = immutable.out_of_place(cls.call) \
            if flags['guard'] else None
        setattr(cls, '_keras_class_flags', flags)
    return flags


_CONTAINERS = (list, tuple, dict)
# The engine's own lists that hold layers (a model's layers, its training
# records): not sub-layers of the user's.
_ENGINE_LISTS = ('_layers', '_input_layers', '_output_layers',
                 '_trainable_pairs', '_constraint_records', '_metrics')
_TRACKABLE = (list, tuple, dict, nn.Parameter)


def _integer_weight(variable):
    """An integer or boolean variable assigned to a layer's attribute
    (`self.index = tf.Variable(index, trainable=False)`) as a weight of
    that layer, which Keras tracks as it tracks every variable assigned
    to a layer: a non-trainable parameter sharing the variable's
    storage, so that `assign` through either changes both."""
    with torch._C.DisableTorchFunctionSubclass():
        data = variable.detach()
    weight = torch.Tensor._make_subclass(variable_graph.KerasVariable,
                                         data, False)
    weight.__dict__.update(variable.__dict__)
    return weight


def _layers_in(value, depth=0):
    """The layers held in a list, tuple or dict attribute (nested one
    level deep), in order."""
    if isinstance(value, Layer):
        return [value]
    if depth > 1 or isinstance(value, nn.Parameter):
        return []
    if isinstance(value, dict):
        value = list(value.values())
    elif not isinstance(value, (list, tuple)):
        return []
    found = []
    for item in value:
        if isinstance(item, (Layer, list, tuple, dict)):
            found += _layers_in(item, depth + 1)
    return found


def guarded_call(layer):
    """`layer.call`, for built-in layers that run another layer's `call`
    directly (an RNN's cell at each step): a user's `call` runs with
    augmented assignments on tensors rebinding, as in `Layer.__call__`."""
    flags = layer.__class__.__dict__.get('_keras_class_flags') or \
        _class_flags(layer.__class__)
    if not flags['guard']:
        return layer.call
    if torch.compiler.is_compiling():
        traced = flags['traced_call']
        return layer.call if traced is None else \
            functools.partial(traced, layer)
    return functools.partial(immutable.call, layer.call)


def _is_symbolic(inputs):
    if type(inputs) is torch.Tensor:
        return False
    if isinstance(inputs, (list, tuple)):
        return any(getattr(x, '_is_keras_symbolic', False) for x in inputs)
    return getattr(inputs, '_is_keras_symbolic', False)


def _values_in_run(inputs):
    """Symbolic `inputs` as their values in the graph run in progress
    when some of them are not symbolic (the others being the run's
    tensors) and the run has values for all; else None."""
    items = inputs if isinstance(inputs, (list, tuple)) else [inputs]
    if all(getattr(x, '_is_keras_symbolic', False) for x in items) or \
            not call_context.run_stack():
        return None
    from . import symbolic
    values = []
    for x in items:
        if getattr(x, '_is_keras_symbolic', False):
            x = symbolic.run_value(x)
            if x is None:
                return None
        values.append(x)
    return type(inputs)(values) if isinstance(inputs, (list, tuple)) \
        else values[0]


def _shape_of(x):
    if isinstance(x, KerasTensor):
        return x._keras_shape
    return tuple(x.shape)


def _collect_shapes(inputs):
    if isinstance(inputs, (list, tuple)):
        return [_shape_of(x) for x in inputs]
    if isinstance(inputs, dict):
        return {k: _shape_of(x) for k, x in inputs.items()}
    return _shape_of(inputs)


def _value_in_shape(value, shape):
    """An initial value of another shape than the weight's: reshaped where
    it holds as many elements. Otherwise a Keras 2 program's weight takes
    the value's shape, as `K.variable(initializer(shape))` made it there (an
    initializer concatenating three blocks onto a weight declared one
    element shorter); tf.keras refuses it."""
    if value.numel() == int(np.prod(shape)):
        return value.reshape(shape)
    if common.is_tf_keras():
        raise ValueError("In this `tf.Variable` creation, the initial "
                         "value's shape (%s) is not compatible with the "
                         "explicitly supplied `shape` argument (%s)."
                         % (tuple(value.shape), tuple(shape)))
    return value


def _unique_attr(module, name):
    attr = re.sub(r'\W', '_', name) or 'weight'
    if attr[0].isdigit():
        attr = '_' + attr
    candidate, i = attr, 1
    while (candidate in module._parameters or candidate in module._buffers
           or candidate in module._modules or
           (hasattr(type(module), candidate)) or
           candidate in module.__dict__):
        candidate = '%s_%d' % (attr, i)
        i += 1
    return candidate


_ADD_WEIGHT_ORDER = ('name', 'shape', 'dtype', 'initializer', 'regularizer',
                     'trainable', 'constraint')
_ADD_WEIGHT_KERAS20_ORDER = ('shape', 'initializer', 'name', 'trainable',
                             'regularizer', 'constraint')


def _check_input_spec(layer_name, index, shape, spec, tf_keras):
    """Raises Keras 2's (or tf.keras's) error where input `index` of
    shape `shape` does not meet `spec`."""
    ndim = len(shape)
    shape = tuple(shape)
    if tf_keras:
        prefix = ('Input %d of layer "%s" is incompatible with the layer'
                  % (index, layer_name))
        full = '. Full shape received: %s' % (shape,)
    else:
        prefix = 'Input %d is incompatible with layer %s' % (index,
                                                             layer_name)
        full = ' (input shape: %s)' % (shape,)
    for bound, bad in (('ndim', lambda v: ndim != v),
                       ('max_ndim', lambda v: ndim > v),
                       ('min_ndim', lambda v: ndim < v)):
        value = getattr(spec, bound)
        if value is not None and bad(value):
            raise ValueError('%s: expected %s=%s, found ndim=%s%s'
                             % (prefix, bound, value, ndim, full))
    for axis, value in spec.axes.items():
        if value is None:
            continue
        dim = shape[int(axis)] if -ndim <= int(axis) < ndim else None
        if dim is not None and dim != value:
            raise ValueError('%s: expected axis %s of input shape to have '
                             'value %s%s %s' % (
                                 prefix, axis, value,
                                 ', but received input with shape' if tf_keras
                                 else ' but got shape', shape))
    if spec.shape is not None:
        for spec_dim, dim in zip(spec.shape, shape):
            if spec_dim is not None and dim is not None and spec_dim != dim:
                raise ValueError('%s: expected shape=%s, found shape=%s'
                                 % (prefix, spec.shape, shape))


class Layer(nn.Module):
    """Base class of every Keras layer (`keras.layers.Layer`).

    Subclasses override `build(input_shape)` to create weights with
    `add_weight`, `call(inputs)` to compute, `compute_output_shape` and
    `get_config`. Calling a layer on a symbolic tensor builds it and records
    the call; calling it on a torch tensor computes.

    Keyword arguments: `input_shape`, `input_dim`, `batch_size`,
    `batch_input_shape`, `name`, `trainable`, `dtype`, `weights`."""

    def __new__(cls, *args, **kwargs):
        # Keras 2 layers may assign sub-layers, variables and options
        # before calling `Layer.__init__`: the module's registries exist
        # from the start, and `__init__` keeps what was assigned.
        self = super(Layer, cls).__new__(cls)
        nn.Module.__init__(self)
        if kwargs:
            interfaces.note_call(cls, args, kwargs)
        return self

    def __init_subclass__(cls, **kwargs):
        super(Layer, cls).__init_subclass__(**kwargs)
        shape_fn = cls.__dict__.get('compute_output_shape')
        if shape_fn is not None and _is_library_class(cls):
            cls.compute_output_shape = _tensor_shaped(shape_fn)

    def __init__(self, **kwargs):
        if '_modules' not in self.__dict__:
            nn.Module.__init__(self)
        for kwarg in kwargs:
            if kwarg not in _ALLOWED_KWARGS and not (
                    kwarg in _TF_KERAS_KWARGS and common.is_tf_keras()):
                raise TypeError('Keyword argument not understood:', kwarg)
        self.input_spec = getattr(self, 'input_spec', None)
        self.supports_masking = getattr(self, 'supports_masking', False)
        self.stateful = getattr(self, 'stateful', False)
        self.built = getattr(self, 'built', False)
        self._keras_weights = self.__dict__.get('_keras_weights', [])
        self._legacy_trainable = None
        self._legacy_non_trainable = None
        self._loss_fns = []
        # Values added during a call, and the call they belong to
        # (engine/call_context.py).
        self._call_losses = []
        self._loss_context = None
        self._has_call_losses = False
        self._metrics = []
        self._metric_context = None
        self._has_call_metrics = False
        self._last_call_context = None
        # The layer whose name scope this layer's weights take (a wrapper
        # or an RNN running it) or are nested under (Bidirectional).
        self._scope_replace = None
        self._scope_parent = None
        self._keras_weight_views = {}
        # Per functional call: its symbolic activity penalties, and whether
        # its `call` differentiates (K.gradients) its inputs.
        self._keras_activity_losses = {}
        self._uses_gradients = False
        self._inbound_nodes = []
        self._outbound_nodes = []
        name = kwargs.get('name')
        if not name:
            prefix = self.__class__.__name__
            # (Counted by the snake-case name: classes `Attention` and
            # `attention` do not both make `attention_1`.)
            snake = to_snake_case(prefix)
            name = common.unique_layer_name(snake)
        self.name = name
        self.trainable = kwargs.get('trainable', True)
        if 'input_dim' in kwargs and 'input_shape' not in kwargs:
            kwargs['input_shape'] = (kwargs['input_dim'],)
        if 'batch_input_shape' in kwargs:
            self.batch_input_shape = tuple(kwargs['batch_input_shape'])
        elif 'input_shape' in kwargs:
            shape = kwargs['input_shape']
            if isinstance(shape, int):
                shape = (shape,)
            self.batch_input_shape = (kwargs.get('batch_size'),) + \
                tuple(shape)
        dtype = kwargs.get('dtype') or kwargs.get('input_dtype') or \
            common.floatx()
        # (tf.keras: a layer given a dtype keeps that policy whatever the
        # global one.)
        self._dtype_policy_name = _policy_name(kwargs.get('dtype'))
        if isinstance(dtype, dict):
            # A dtype policy as tf.keras / Keras 3 serialize it.
            dtype = dtype.get('config', {}).get('name') or common.floatx()
        elif _is_policy(dtype):
            dtype = dtype.name
        if isinstance(dtype, str) and dtype.startswith('mixed_'):
            dtype = common.floatx()
        if not isinstance(dtype, str):
            dtype = K.dtype_name(K.torch_dtype(dtype))
        self.dtype = dtype
        self._initial_weights = kwargs.get('weights')
        if 'activity_regularizer' in kwargs:
            self.activity_regularizer = regularizers.get(
                kwargs['activity_regularizer'])
        elif not hasattr(self, 'activity_regularizer'):
            self.activity_regularizer = None
        # Layers start in inference mode as in Keras; fit() switches the
        # model to training mode for its steps.
        self.training = False

    def __getattr__(self, name):
        # Weights are the common case (`self.kernel` in call()): looked up
        # here directly, without nn.Module's generic path.
        params = self.__dict__.get('_parameters')
        if params is not None and name in params:
            param = params[name]
            if common._ACTIVE_LOOP is not None:
                # (Inside fit/evaluate/predict: the layer's own read.)
                return param
            view = self._shown_weight_view(name, param)
            if view is not None:
                return view
            if type(param) is nn.Parameter and variable_graph.recording():
                # Read by user code outside any run: operators on it build
                # expressions (`K.sum(dense.kernel ** 2)`).
                variable_graph.expose(param, sys._getframe(1))
                variable_graph.own(param, self, name)
            return param
        try:
            return nn.Module.__getattr__(self, name)
        except AttributeError:
            # A property that raised AttributeError lands here; re-run it so
            # that its own message (not nn.Module's) reaches the user.
            prop = getattr(type(self), name, None)
            if isinstance(prop, property):
                return prop.fget(self)
            raise

    def _shown_weight_view(self, name, param):
        """The weight view user code gets for `layer.kernel` read while
        no model runs: the object `layer.weights` lists, as in Keras 2,
        where `layer.kernel is layer.weights[0]` (iNNvestigate finds a
        weight's attribute by identity). None elsewhere."""
        if not variable_graph.idle() or \
                immutable.is_library_code(sys._getframe(2).f_code):
            return None
        for record in self.__dict__.get('_keras_weights', ()):
            if record.attr == name == record.shown_as == record.name and \
                    record.to_keras is None:
                return self._weight_view(record)
        return None

    def __getstate__(self):
        # Pickled or deep-copied without the cache of weight views (they
        # refer back to the layer weakly).
        state = nn.Module.__getstate__(self) \
            if hasattr(nn.Module, '__getstate__') else self.__dict__
        state = dict(state)
        if '_keras_weight_views' in state:
            state['_keras_weight_views'] = {}
        return state

    def __setattr__(self, name, value):
        if isinstance(value, nn.Parameter) and \
                self._shows_by_property(name, value):
            return
        if isinstance(value, torch.Tensor) and \
                not isinstance(value, nn.Parameter):
            record = self._record_shown_as(name)
            if record is not None:
                self._replace_weight(record, name, value)
                return
        elif value is not None and not isinstance(value, torch.Tensor) and \
                name in self.__dict__.get('_parameters', ()):
            self._move_weight_aside(name)
        if isinstance(value, nn.Module) and '_modules' in self.__dict__ \
                and not name.startswith('_keras') and \
                _class_flags(self.__class__)['user']:
            # Layers appended to a list assigned earlier come first, as
            # tf.keras tracks attributes in the order they were assigned.
            self._track_containers()
        if isinstance(value, variable_graph.VariableTensor) and \
                not name.startswith('_keras') and \
                _class_flags(self.__class__)['user']:
            value = _integer_weight(value)
        nn.Module.__setattr__(self, name, value)
        if isinstance(value, _TRACKABLE) and (
                self.__class__.__dict__.get('_keras_class_flags') or
                _class_flags(self.__class__))['user']:
            self._track_attribute(name, value)
        if isinstance(value, torch.Tensor) and (
                getattr(value, '_keras_tracked', False) or
                '_keras_source' in value.__dict__) and \
                common.is_tf_keras() and \
                _class_flags(self.__class__)['user']:
            self._track_weight_alias(value)

    def _shows_by_property(self, name, value):
        """A weight of this layer assigned to an attribute that its class
        shows by a read-only property (the `build()` of a subclass of a
        built-in layer: `self.kernel = self.add_weight(name='kernel')`):
        the property shows that weight from then on."""
        prop = getattr(type(self), name, None)
        if not isinstance(prop, property) or prop.fset is not None:
            return False
        if not any(p is value for p in self._parameters.values()):
            return False
        self.__dict__.setdefault('_keras_shown_weights', {})[name] = value
        return True

    def _move_weight_aside(self, name):
        """A weight held in the attribute that user code now sets to
        something else (`self.kernels = [self.add_weight(name='kernels'),
        ...]`: TensorFlow keeps variable names apart from attributes)
        moves to an attribute of its own."""
        for record in self._keras_weights:
            if record.attr == name:
                hidden = _unique_attr(self, '_keras_weight_' + name)
                self.register_parameter(hidden, self._parameters.pop(name))
                record.attr = hidden
                if record.shown_as == name:
                    record.shown_as = hidden
                self.__dict__.get('_keras_weight_views', {}).pop(name, None)
                return

    def _track_weight_alias(self, weight):
        """tf.keras tracks a weight of another layer assigned as an
        attribute (`self.v = self.layer.kernel`) among this layer's own
        weights, where it was assigned: `weights` lists it there, once."""
        source = weight.__dict__.get('_keras_source')
        if source is not None:
            owner, record = source[0](), source[1]
        else:
            owner, record = _weight_owner(self, weight)
        if owner is None or owner is self:
            return
        aliases = self.__dict__.setdefault('_keras_weight_aliases', [])
        if any(o() is owner and r is record for _, o, r in aliases):
            return
        aliases.append((len(self._keras_weights), weakref.ref(owner),
                        record))

    def _own_weight_pairs(self, which):
        """(layer, record) pairs of this layer's own weights of `which`
        kind, with the weights of other layers it tracks (tf.keras) in
        their places."""
        records = self._records(which)
        aliases = self.__dict__.get('_keras_weight_aliases')
        if not aliases:
            return [(self, r) for r in records]
        position = {id(r): i for i, r in enumerate(self._keras_weights)}
        placed = [((position[id(r)], 1), (self, r)) for r in records]
        for index, owner_ref, record in aliases:
            owner = owner_ref()
            if owner is not None and \
                    any(r is record for r in owner._records(which)):
                placed.append(((index, 0), (owner, record)))
        placed.sort(key=lambda item: item[0])
        return [pair for _, pair in placed]

    def _record_shown_as(self, name):
        """The record of the weight that user code reads as attribute
        `name` (`dense.kernel`, or a property such as `conv.kernel`), or
        None."""
        records = self.__dict__.get('_keras_weights')
        if not records:
            return None
        shown_by_property = isinstance(
            getattr(type(self), name, None), property)
        for record in records:
            if record.shown_as == name or (
                    shown_by_property and record.name == name):
                return record
        return None

    def _replace_weight(self, record, name, value):
        """`layer.kernel = tensor`, as TensorFlow rebinds the attribute:
        the layer computes with the tensor from then on (weight
        normalization, weight dropping, tied weights), while its weight
        stays the variable it created, trained and saved as before."""
        shown = record.shown_as
        if record.attr == shown:
            # The parameter moves aside once; the attribute it held now
            # holds the computed tensor.
            hidden = '_keras_weight_' + shown
            param = self._parameters.pop(shown)
            self.register_parameter(hidden, param)
            record.attr = hidden
            self._keras_weight_views.pop(shown, None)
        if tuple(value.shape) != record.keras_shape:
            raise ValueError(
                'Layer %s: the tensor assigned to `%s` has shape %s; the '
                'weight it replaces has shape %s.'
                % (self.name, name, tuple(value.shape), record.keras_shape))
        layout_differs = record.to_keras is not None or \
            record.from_keras is not None
        if layout_differs and record.to_torch is None:
            raise NotImplementedError(
                'Layer %s (%s) computes with `%s` in a reordered layout; '
                'assigning a tensor to it is not supported. Compute the '
                'replacement in your own layer with K.dot/K.conv2d instead.'
                % (self.name, type(self).__name__, name))
        self.__dict__.setdefault('_keras_replaced_weights', {})[
            record.name] = value
        torch_value = value if not layout_differs else record.to_torch(value)
        object.__setattr__(self, shown, torch_value)

    def _track_attribute(self, name, value):
        """Layers of user classes track, as Keras 2.3 does, the variables
        assigned as attributes (`self.W = K.variable(...)`) as their
        weights, and, as tf.keras does, the layers held in lists, tuples
        and dicts assigned as attributes as their sub-layers."""
        if isinstance(value, nn.Parameter):
            if getattr(value, '_keras_tracked', False):
                return   # made by add_weight (of this layer or another)
            records = self.__dict__.setdefault('_keras_weights', [])
            if any(getattr(self, r.attr, None) is value for r in records):
                return
            # (A variable made without a name is TensorFlow's 'Variable'
            # in both flavours: `self.freq2mel = K.variable(mel_basis)`
            # is the weight 'mel/Variable:0'.)
            records.append(_WeightRecord(
                getattr(value, '_keras_name', None) or
                self._unnamed_weight_name(), name,
                tuple(value.shape), trainable=value.requires_grad,
                constraint=getattr(value, 'constraint', None)))
            self.__dict__.setdefault('_keras_attribute_weights',
                                     set()).add(name)
            value._keras_tracked = True
        else:
            if name.startswith('_'):
                # (Set by the user's code: the engine's own go straight
                # to __dict__ or are _ENGINE_LISTS.)
                self.__dict__.setdefault('_keras_private_containers',
                                         set()).add(name)
            if self._holds_user_layers(name):
                for i, layer in enumerate(_layers_in(value)):
                    self._track_sublayer('%s_%d' % (name, i), layer)

    def _track_sublayer(self, name, layer):
        if layer is self or any(layer is m for m in self._modules.values()):
            return
        self._modules[_unique_attr(self, name)] = layer
        layers = self.__dict__.get('_layers')
        # A subclassed model's layers (not a Sequential's stack).
        if layers is not None and '_chain' not in self.__dict__ and \
                not self.__dict__.get('_is_graph_network', False) and \
                all(layer is not l for l in layers):
            layers.append(layer)

    def _holds_user_layers(self, name):
        """Whether the list, tuple or dict attribute `name` holds layers
        of the user's, which this layer tracks as its sub-layers: public
        ones, and private ones (`self._blocks = [Dense(2), ...]`, tracked
        by tf.keras too) except the engine's own and a functional or
        Sequential model's graph."""
        if not name.startswith('_'):
            return True
        return not name.startswith('_keras') and name not in _ENGINE_LISTS \
            and name in self.__dict__.get('_keras_private_containers', ()) \
            and not (self.__dict__.get('_is_graph_network') or
                     '_chain' in self.__dict__)

    def _track_containers(self):
        """Registers layers appended to list attributes after they were
        assigned (`self.blocks = []; self.blocks.append(Dense(4))`)."""
        seen = self.__dict__.setdefault('_keras_containers_seen', {})
        for name, value in list(self.__dict__.items()):
            if not isinstance(value, _CONTAINERS) or \
                    not self._holds_user_layers(name):
                continue
            key = (id(value), len(value))
            if seen.get(name) == key:
                continue    # unchanged since the last look
            seen[name] = key
            for i, layer in enumerate(_layers_in(value)):
                self._track_sublayer('%s_%d' % (name, i), layer)

    # ------------------------------------------------------------ subclass API
    def build(self, input_shape):
        """Creates the weights; called once with the first input shape."""
        self.built = True

    def call(self, inputs, **kwargs):
        """The layer's computation; the identity by default."""
        return inputs

    def compute_output_shape(self, input_shape):
        """The output shape for an input shape (batch axis included)."""
        return input_shape

    def compute_mask(self, inputs, mask=None):
        """The output mask; layers that support masking pass it through.
        Given a mask, a layer that does not support masking raises
        TypeError, as in Keras 2."""
        if not self.supports_masking:
            masks = mask if isinstance(mask, list) else [mask]
            if any(m is not None for m in masks):
                raise TypeError('Layer ' + self.name + ' does not support '
                                'masking, but was passed an input_mask: ' +
                                str(mask))
            return None
        return mask

    def get_config(self):
        config = {'name': self.name, 'trainable': self.trainable}
        if common.is_tf_keras():
            # (tf.keras lists the dtype first, Keras 2 the input shape.)
            config['dtype'] = self.dtype
        if hasattr(self, 'batch_input_shape'):
            config['batch_input_shape'] = self.batch_input_shape
        config['dtype'] = self.dtype
        policy = self.dtype_policy
        if policy.mixed and common.is_tf_keras():
            # tf.keras serializes a mixed policy as an object.
            config['dtype'] = {'module': 'keras.mixed_precision',
                               'class_name': 'Policy',
                               'config': {'name': policy.name},
                               'registered_name': None}
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def forward(self, inputs, *args, **kwargs):
        return self.call(inputs, *args, **kwargs)

    def extra_repr(self):
        return 'name=%r' % self.name

    # ------------------------------------------------------------- weights
    def add_weight(self, *args, **kwargs):
        """Creates a weight of `shape` (Keras layout), registers it as a
        parameter of this module and returns it: `add_weight(name, shape,
        dtype, initializer, regularizer, trainable, constraint)`, or the
        Keras 2.0 order `add_weight(shape, initializer, name, trainable,
        regularizer, constraint)` when the first argument is a shape."""
        order = _ADD_WEIGHT_KERAS20_ORDER if args and isinstance(
            args[0], (tuple, list)) else _ADD_WEIGHT_ORDER
        if len(args) > len(order):
            raise TypeError('add_weight() takes at most %d positional '
                            'arguments (%d given)' % (len(order), len(args)))
        for key, value in zip(order, args):
            if key in kwargs:
                raise TypeError('add_weight() got multiple values for '
                                'argument %r' % key)
            kwargs[key] = value
        return self._add_weight(**kwargs)

    def _add_weight(self, name=None, shape=None, dtype=None,
                    initializer=None, regularizer=None, trainable=True,
                    constraint=None, **kwargs):
        for unsupported in ('partitioner', 'use_resource',
                            'synchronization', 'aggregation'):
            kwargs.pop(unsupported, None)
        if kwargs:
            raise TypeError('add_weight got unexpected keyword arguments: %s'
                            % sorted(kwargs))
        if shape is None:
            shape = ()
        if isinstance(shape, (int, np.integer)):
            shape = (shape,)   # (tf.TensorShape(4) is the shape (4,))
        shape = tuple(int(d) for d in shape)
        if name is None:
            name = self._unnamed_weight_name()
        dtype = dtype or self.dtype
        if initializer is None:
            torch_type = K.torch_dtype(dtype)
            initializer = 'glorot_uniform' if torch_type.is_floating_point \
                else 'zeros'
        initializer = initializers.get(initializer)
        value = self._initial_value(initializer, shape, dtype)
        shape = tuple(value.shape)
        param = nn.Parameter(value, requires_grad=bool(trainable) and
                             value.is_floating_point())
        attr = _unique_attr(self, name)
        self.register_parameter(attr, param)
        param._keras_tracked = True
        # Keras 2's predict/evaluate ran the updates of stateful layers only.
        param._keras_state = bool(getattr(self, 'stateful', False))
        self._keras_weights.append(_WeightRecord(
            name, attr, shape, trainable=bool(trainable),
            regularizer=regularizers.get(regularizer),
            constraint=constraints.get(constraint), initializer=initializer))
        self._record_graph_variable(self._keras_weights[-1], trainable)
        return param

    def _initial_value(self, initializer, shape, dtype):
        value = initializer(shape, dtype=dtype)
        if isinstance(value, torch.Tensor):
            # An initializer computing on backend variables (`K.ones(shape)
            # * c`, `K.variable(...)`) gives a variable or an expression:
            # its value now, as a plain tensor.
            value = variable_graph.current(value)
            with torch._C.DisableTorchFunctionSubclass():
                value = value.detach().as_subclass(torch.Tensor)
        if not isinstance(value, torch.Tensor):
            value = torch.as_tensor(np.asarray(value))
        value = value.to(device=K.get_device(), dtype=K.torch_dtype(dtype))
        if tuple(value.shape) != tuple(shape):
            value = _value_in_shape(value, shape)
        return value.detach().clone()

    def _unnamed_weight_name(self):
        """The name of a weight added without one: TensorFlow's default
        'Variable', made unique in the layer's scope in a Keras 2 program
        ('Variable', 'Variable_1'), as TensorFlow 1 graphs name them."""
        if common.is_tf_keras():
            return 'Variable'
        taken = {r.name for r in self._keras_weights}
        name, i = 'Variable', 0
        while name in taken:
            i += 1
            name = 'Variable_%d' % i
        return name

    def _add_torch_weight(self, name, keras_shape, initializer,
                          regularizer=None, constraint=None, trainable=True,
                          attr=None, to_torch=None, to_keras=None,
                          from_keras=None, buffer=False):
        """Built-in layers: creates a weight initialised in Keras layout,
        stored in torch layout (`to_torch`), seen in Keras layout through
        `to_keras` (a view where possible)."""
        initializer = initializers.get(initializer)
        value = self._initial_value(initializer, keras_shape, self.dtype)
        if to_torch is not None:
            value = to_torch(value)
            if not (value.is_contiguous() or value.is_contiguous(
                    memory_format=torch.channels_last) or
                    value.is_contiguous(
                        memory_format=torch.channels_last_3d)):
                value = value.contiguous()
        attr = attr or _unique_attr(self, name)
        if buffer:
            self.register_buffer(attr, value)
        else:
            self.register_parameter(attr, nn.Parameter(
                value, requires_grad=trainable))
            self._parameters[attr]._keras_tracked = True
        self._keras_weights.append(_WeightRecord(
            name, attr, keras_shape, trainable=trainable,
            regularizer=regularizers.get(regularizer),
            constraint=constraints.get(constraint), to_keras=to_keras,
            from_keras=from_keras, to_torch=to_torch,
            initializer=initializer))
        self._record_graph_variable(self._keras_weights[-1], trainable)
        return getattr(self, attr)

    def _record_graph_variable(self, record, trainable):
        """Records a new weight among TensorFlow 1's variables
        (`tf.global_variables()`)."""
        self._record_graph_name_scope()
        variable_registry.record_layer_weight(self, record, trainable)

    def _record_graph_name_scope(self):
        """Keeps the name scope this layer is built in (first called or
        its first weight made), which prefixes its weights' names."""
        if '_graph_name_scope' not in self.__dict__:
            self.__dict__['_graph_name_scope'] = variable_registry.name_scope()

    def _records(self, which='all'):
        """Weight records in Keras order: trainable first, then
        non-trainable (all of them non-trainable when the layer is
        frozen)."""
        records = self._keras_weights
        if which == 'trainable':
            return [r for r in records if r.trainable] if self.trainable \
                else []
        if which == 'non_trainable':
            if not self.trainable:
                return [r for r in records if r.trainable] + \
                    [r for r in records if not r.trainable]
            return [r for r in records if not r.trainable]
        return ([r for r in records if r.trainable] +
                [r for r in records if not r.trainable])

    def _weight_scope(self):
        """The name scope of this layer's weights: its name ('dense_1'),
        the scope of the layer that runs it (an RNN cell, a layer inside
        TimeDistributed), or nested under a parent ('bidirectional_1/
        forward_lstm_1')."""
        replace = self._scope_replace
        if replace is not None:
            return replace._weight_scope()
        parent = self._scope_parent
        if parent is not None:
            return _joined_scope(parent._weight_scope(), self.name)
        # TensorFlow 1 prefixes them with the name scope they were made
        # in (`tf.variable_scope('actor')`: 'actor/dense_1').
        graph_scope = self.__dict__.get('_graph_name_scope', '')
        if self.built and not self.__dict__.get('_built_by_call') and \
                common.is_tf_keras():
            # tf.keras names the weights of a layer built by calling its
            # `build()` (or `adapt()`) outside any layer's call without
            # a scope: 'kernel:0', 'mean:0'.
            return graph_scope
        return _joined_scope(graph_scope, self.name)

    def _weight_name(self, record):
        """The Keras name of one weight ('dense_1/kernel:0')."""
        return _joined_scope(self._weight_scope(), record.name) + ':0'

    def _keras_weight_name(self, attr):
        """The Keras name ('dense_1/kernel:0') of the weight held in the
        attribute `attr`, or None."""
        for record in self._keras_weights:
            if record.attr == attr:
                return self._weight_name(record)
        return None

    def _weight_view(self, record):
        """The Keras view of one weight. The same object is returned while
        the weight's storage is unchanged (and, for a reordered copy, while
        its values are), so lists of weights compare as in Keras."""
        source = getattr(self, record.attr)
        name = self._weight_name(record)
        key = (id(source), source.data_ptr(), name,
               None if record.to_keras is None else source._version)
        cache = self._keras_weight_views
        cached = cache.get(record.attr)
        if cached is not None and cached[0] == key:
            return cached[1]
        tensor = record.keras_tensor(self).detach()
        view = torch.Tensor._make_subclass(KerasWeightView, tensor, False)
        view._keras_name = name
        view._keras_source = (weakref.ref(self), record)
        cache[record.attr] = (key, view)
        return view

    def _weight_pairs(self, which='all'):
        """(layer, record) pairs in the order of `weights`,
        `trainable_weights` or `non_trainable_weights`, nested layers
        included."""
        if which == 'all':
            return self._weight_pairs('trainable') + \
                self._weight_pairs('non_trainable')
        own = self._own_weight_pairs(which)
        pairs = []
        for layer in self._sublayers():
            if which == 'trainable':
                if self.trainable:
                    pairs += layer._listed_weight_pairs('trainable')
            elif self.trainable:
                pairs += layer._listed_weight_pairs('non_trainable')
            else:
                pairs += layer._listed_weight_pairs('all')
        # (A model's own weights come after its layers' in tf.keras, before
        # them in Keras 2 and in any layer.)
        if common.is_tf_keras() and '_is_graph_network' in self.__dict__:
            return _tf_keras_unique(pairs + own)
        return _tf_keras_unique(own + pairs)

    def _listed_weight_pairs(self, which):
        """`_weight_pairs` as a containing layer or model sees them: from
        this layer's own `trainable_weights` / `non_trainable_weights`
        property where its class overrides it (Keras 2 containers list
        what each layer's property returns)."""
        if which == 'all':
            return self._listed_weight_pairs('trainable') + \
                self._listed_weight_pairs('non_trainable')
        if overridden_weight_property(type(self), which) is None:
            return self._weight_pairs(which)
        return weight_pairs_of(self, getattr(self, which + '_weights'),
                               which)

    def _views(self, which):
        return [layer._listed_weight(r) for layer, r in
                self._weight_pairs(which)]

    def _listed_weight(self, record):
        """What `weights` lists for one weight: its view, or the weight
        of another layer stored into this layer's `_trainable_weights`
        list in its place (Keras 2 layer copies share weights so)."""
        listed = self.__dict__.get('_keras_listed_weights')
        if listed and record.name in listed:
            return listed[record.name]
        return self._weight_view(record)

    @property
    def dtype_policy(self):
        """tf.keras's dtype policy of the layer: the global mixed policy
        (`mixed_precision.set_global_policy`), else the layer's dtype."""
        from ..mixed_precision import policy
        name = self.__dict__.get('_dtype_policy_name')
        if name is not None:
            return policy.Policy(name)
        current = policy.global_policy()
        return current if current.mixed else policy.Policy(self.dtype)

    @property
    def compute_dtype(self):
        """The dtype the layer computes in (tf.keras)."""
        return self.dtype_policy.compute_dtype

    @property
    def _compute_dtype(self):
        """tf.keras's private name of `compute_dtype`, read by layers of
        add-on libraries (TensorFlow Addons' CRF cells)."""
        return self.compute_dtype

    @property
    def _name(self):
        """tf.keras's attribute behind `name`: code renames a layer (or a
        model) with `layer._name = 'new_name'`."""
        return self.name

    @_name.setter
    def _name(self, value):
        self.name = value

    def _track_trackable(self, trackable, name, overwrite=False):
        """tf.keras (Trackable): records `trackable` as this layer's named
        dependency (wrappers call it for the layer they wrap); returns
        it."""
        return track_named_dependency(self, trackable, name, overwrite)

    @property
    def variable_dtype(self):
        """The dtype of the layer's weights (tf.keras)."""
        return self.dtype

    @property
    def trainable(self):
        """Whether the layer's weights train. In a tf.keras program (see
        `common.api_flavour`) setting it sets it on every layer inside too,
        as tf.keras does; Keras 2 leaves the inner layers' flags alone (a
        frozen model's weights are non-trainable either way)."""
        return self.__dict__.get('_trainable', True)

    @trainable.setter
    def trainable(self, value):
        constructing = '_trainable' not in self.__dict__
        self.__dict__['_trainable'] = value
        TRAINABLE_SETS[0] += 1
        if common.is_tf_keras() and not constructing:
            for layer in self._sublayers():
                layer.trainable = value

    def _sublayers(self):
        """Layers nested inside this one (wrappers, models, the
        sub-layers of a custom layer), each once, in the order they were
        assigned."""
        if (self.__class__.__dict__.get('_keras_class_flags') or
                _class_flags(self.__class__))['user']:
            self._track_containers()
        found = []
        for m in self._modules.values():
            if isinstance(m, Layer) and all(m is not f for f in found):
                found.append(m)
        return found

    def _flatten_layers(self, recursive=True, include_self=True):
        """tf.keras's walk over this layer and the layers it holds, each
        once, depth first in the order they were tracked."""
        if include_self:
            yield self
        seen = {id(self)}
        pending = collections.deque(self._sublayers())
        while pending:
            layer = pending.popleft()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            yield layer
            if recursive:
                pending.extendleft(reversed(layer._sublayers()))

    _flatten_modules = _flatten_layers

    @property
    def submodules(self):
        """tf.Module's `submodules`: the layers held at any depth and the
        metric objects the models among them hold as attributes."""
        found = []
        for layer in self._flatten_layers(include_self=False):
            found.append(layer)
        for layer in [self] + found:
            found += layer.__dict__.get('_attribute_metrics', [])
        return tuple(found)

    @property
    def weights(self):
        """Keras-layout views of all weights, trainable ones first; in a
        tf.keras program a model's go layer by layer, in `get_weights()`
        order, as tf.keras lists them."""
        _check_model_weights_created(self)
        if common.is_tf_keras() and '_is_graph_network' in self.__dict__ \
                and not _lists_own_weights(type(self)):
            return [layer._listed_weight(r)
                    for layer, r in self._all_records()]
        return self.trainable_weights + self.non_trainable_weights

    @property
    def trainable_weights(self):
        _check_model_weights_created(self)
        if self._legacy_trainable is not None:
            return list(self._legacy_trainable) if self.trainable else []
        return self._views('trainable')

    @trainable_weights.setter
    def trainable_weights(self, weights):
        # Keras 1 custom layers assign `self.trainable_weights = [W, b]`.
        self._adopt_legacy_weights(weights, trainable=True)

    @property
    def _trainable_weights(self):
        """Keras 2's list of this layer's own trainable weights (without
        those of the layers inside it), which layer libraries read in
        their own `trainable_weights` property (keras-multi-head)."""
        return _WeightList(self, self._records('trainable'))

    @_trainable_weights.setter
    def _trainable_weights(self, weights):
        self._add_listed_weights(weights, trainable=True)

    @property
    def _non_trainable_weights(self):
        return _WeightList(self, self._records('non_trainable'))

    @_non_trainable_weights.setter
    def _non_trainable_weights(self, weights):
        self._add_listed_weights(weights, trainable=False)

    def _add_listed_weights(self, weights, trainable):
        """`self._trainable_weights += inner.trainable_weights` (the Keras
        2.2 way to own the weights of a layer built in `build`): weights of
        this layer or of a layer it tracks already count; a variable not
        yet tracked becomes a weight of this layer."""
        tracked = {id(layer) for layer in _unique_layers(self)}
        for i, weight in enumerate(weights):
            source = weight.__dict__.get('_keras_source') \
                if isinstance(weight, torch.Tensor) else None
            if source is not None and id(source[0]()) in tracked:
                continue
            if source is not None:
                self._track_sublayer('listed_%d' % i, source[0]())
                tracked = {id(layer) for layer in _unique_layers(self)}
                continue
            if not isinstance(weight, nn.Parameter):
                raise TypeError('Layer weights must be created with '
                                'add_weight or K.variable; got %r'
                                % (weight,))
            if any(getattr(self, r.attr) is weight
                   for r in self._keras_weights):
                continue
            weight.requires_grad_(trainable and weight.is_floating_point())
            attr = _unique_attr(self, getattr(weight, '_keras_name', None)
                                or 'weight')
            nn.Module.__setattr__(self, attr, weight)
            self._track_attribute(attr, weight)

    @property
    def non_trainable_weights(self):
        _check_model_weights_created(self)
        if self._legacy_non_trainable is not None:
            return list(self._legacy_non_trainable)
        return self._views('non_trainable')

    @non_trainable_weights.setter
    def non_trainable_weights(self, weights):
        self._adopt_legacy_weights(weights, trainable=False)

    def _without_inner_layer_weights(self, weights):
        """The listed weights that are not another layer's:
        `self.trainable_weights = self.locnet.trainable_weights` (Keras 2's
        SpatialTransformer) makes the layers holding those weights inner
        layers of this one, whose weights it counts through them."""
        own = []
        for i, weight in enumerate(weights):
            source = weight.__dict__.get('_keras_source') \
                if isinstance(weight, torch.Tensor) else None
            holder = source[0]() if source is not None else None
            if holder is None or holder is self:
                own.append(weight)
            elif all(holder is not layer for layer in _unique_layers(self)):
                self._track_sublayer('listed_%d' % i, holder)
        return own

    def _own_parameter(self, weight):
        """The parameter behind a view of one of this layer's weights
        (`self.W` read in `build`), else `weight`."""
        source = weight.__dict__.get('_keras_source') \
            if isinstance(weight, KerasWeightView) else None
        if source is None or source[0]() is not self:
            return weight
        return getattr(self, source[1].attr)

    def _adopt_legacy_weights(self, weights, trainable):
        """`self.trainable_weights = [W, b]` (Keras 1): these weights, in
        this order, are the layer's trainable (or non-trainable) weights.
        Variables tracked as attributes that the list leaves out stop being
        weights of that kind, as the Keras setter replaces the list."""
        weights = [self._own_parameter(w)
                   for w in self._without_inner_layer_weights(weights)]
        listed = {id(w) for w in weights}
        from_attributes = self.__dict__.get('_keras_attribute_weights', ())
        found = {}
        kept = []
        for record in self._keras_weights:
            tensor = getattr(self, record.attr)
            if id(tensor) in listed:
                found[id(tensor)] = record
            elif not (record.attr in from_attributes and
                      record.trainable == trainable):
                kept.append(record)
        registered = {id(p): n for n, p in self._parameters.items()
                      if p is not None}
        ordered = []
        for i, w in enumerate(weights):
            record = found.get(id(w))
            if record is None:
                if not isinstance(w, nn.Parameter):
                    raise TypeError('Layer weights must be created with '
                                    'add_weight or K.variable; got %r'
                                    % (w,))
                name = getattr(w, '_keras_name', None) or 'param_%d' % i
                attr = registered.get(id(w))
                if attr is None:
                    attr = _unique_attr(self, name)
                    self.register_parameter(attr, w)
                record = found[id(w)] = _WeightRecord(
                    name, attr, tuple(w.shape), trainable=trainable,
                    constraint=getattr(w, 'constraint', None))
            elif any(record is r for r in ordered):
                continue
            record.trainable = trainable
            if w.is_floating_point():
                w.requires_grad_(trainable)
            ordered.append(record)
        self._keras_weights = kept + ordered

    def get_weights(self):
        """The weights as Numpy arrays in Keras layout and order: a layer's
        `weights` (its and its inner layers' trainable weights, then the
        others, as Keras 2.3 and tf.keras order them); a model's layer by
        layer."""
        _check_model_weights_created(self)
        return [_copy_to_numpy(record.keras_tensor(layer))
                for layer, record in self._all_records()]

    def _all_records(self):
        if _lists_own_weights(type(self)) or \
                '_is_graph_network' not in self.__dict__:
            # A layer (not a model; also one listing its weights through
            # its own properties, as keras-multi-head does): its
            # `weights`, trainable ones first.
            return weight_pairs_of(self, self.weights, 'all')
        pairs = []
        for layer in self._sublayers():
            pairs += layer._all_records()
        # (A subclassed model's own weights come after its layers' in
        # tf.keras, before them in Keras 2.3.)
        own = [(self, r) for r in self._records()]
        pairs = pairs + own if common.is_tf_keras() else own + pairs
        return _tf_keras_unique(pairs)

    def set_weights(self, weights):
        """Sets the weights from Numpy arrays in Keras layout and order."""
        pairs = self._all_records()
        weights = list(weights)
        if len(pairs) != len(weights):
            raise ValueError(
                'You called `set_weights(weights)` on layer "%s" with a '
                'weight list of length %d, but the layer was expecting %d '
                'weights. Provided weights: %s... (Keras-layout shapes: %s)'
                % (self.name, len(weights), len(pairs), str(weights)[:50],
                   [r.keras_shape for _, r in pairs]))
        for (layer, record), value in zip(pairs, weights):
            value = np.asarray(value)
            if tuple(value.shape) != record.keras_shape:
                raise ValueError(
                    'Layer weight shape %s not compatible with provided '
                    'weight shape %s: layer "%s", weight "%s/%s:0" expects '
                    'the Keras-layout shape %s (all expected shapes: %s).'
                    % (record.keras_shape, tuple(value.shape), layer.name,
                       layer.name, record.name, record.keras_shape,
                       [r.keras_shape for _, r in pairs]))
        for (layer, record), value in zip(pairs, weights):
            record.assign(layer, np.asarray(value))

    def count_params(self):
        """The number of scalars in `weights` (each weight once): this
        layer's own and those of its sub-layers, where a sub-layer that
        was never built has none."""
        if not self.built:
            raise ValueError(
                'You tried to call `count_params` on ' +
                ('layer ' if common.is_tf_keras() else '') + self.name +
                ', but the layer isn\'t built. You can build it manually '
                'via: `' + self.name + '.build(batch_input_shape)`.')
        if self._legacy_trainable is not None or \
                self._legacy_non_trainable is not None:
            from ..utils.layer_utils import count_params
            return count_params({id(w): w for w in self.weights}.values())
        seen = set()
        total = 0
        for layer, record in self._weight_pairs('all'):
            # A weight shared by several layers counts once; the Keras
            # weights that are views into one torch tensor count each.
            key = (id(getattr(layer, record.attr)),
                   None if record.to_keras is None else id(record))
            if key not in seen:
                seen.add(key)
                total += int(np.prod(record.keras_shape))
        return total

    # --------------------------------------------------------------- losses
    def add_loss(self, losses, inputs=None):
        """Adds loss tensors (or zero-argument callables) to this layer."""
        for loss in to_list(losses, allow_tuple=True):
            if loss is None:
                continue
            if callable(loss) and not isinstance(loss, torch.Tensor):
                self._loss_fns.append(loss)
            elif getattr(loss, '_is_keras_symbolic', False):
                self._loss_fns.append(_SymbolicLoss(loss))
            elif variable_graph.is_expression(loss) and \
                    variable_graph.recording():
                # Written outside any run (a penalty on weights): computed
                # again from the weights at each step, as a Keras 2 graph
                # loss.
                self._loss_fns.append(functools.partial(
                    variable_graph.current, loss))
            else:
                loss = variable_graph.current(loss)
                if not isinstance(loss, torch.Tensor):
                    loss = torch.as_tensor(loss, dtype=torch.float32,
                                           device=K.get_device())
                self._append_call_loss(loss)

    def _has_own_losses(self):
        return bool(self._loss_fns or self._has_call_losses or
                    self.activity_regularizer is not None or
                    any(r.regularizer is not None
                        for r in self._keras_weights))

    def _own_losses(self):
        losses = self._weight_penalties() + list(self._call_losses)
        return losses + [fn() for fn in self._loss_fns]

    def _weight_penalties(self):
        penalties = []
        for record in self._keras_weights:
            if record.regularizer is not None:
                penalties.append(_checked_penalty(
                    record.regularizer, record.keras_tensor(self),
                    '%s/%s' % (self.name, record.name)))
        return penalties

    @property
    def losses(self):
        """Current penalty tensors: weight regularizers, activity
        regularizers of the last call and added losses, of this layer and
        the layers inside it (each layer once). Before the first call on
        real data, the activity penalties are symbolic tensors, one per
        call of the layer on functional-model tensors, as in Keras 2."""
        losses = []
        model_losses = []
        for layer in _unique_layers(self):
            if layer is self and self.__dict__.get('_is_graph_network'):
                losses_now, model_losses = self._model_level_losses()
                losses += losses_now
            else:
                losses += layer._own_losses()
            if layer.activity_regularizer is not None and \
                    not layer._call_losses:
                losses += layer._symbolic_activity_losses()
            if layer.__dict__.get('_keras_call_loss_nodes') and \
                    not layer._call_losses:
                losses += layer._symbolic_call_losses()
        return losses + model_losses

    def _model_level_losses(self):
        """(first, last): a functional model's own losses, those listed
        before its layers' and those after. Keras 2 lists them all after;
        tf.keras those added as graph tensors (an AddLoss layer at the end
        of its graph)."""
        from .symbolic import SymbolicLoss
        if not common.is_tf_keras():
            return [], self._own_losses()
        graph = [fn for fn in self._loss_fns if isinstance(fn, SymbolicLoss)]
        first = self._weight_penalties() + list(self._call_losses) + \
            [fn() for fn in self._loss_fns if fn not in graph]
        return first, [fn() for fn in graph]

    def _symbolic_activity_losses(self):
        """The activity penalty of each output of each functional call, as
        symbolic tensors (created once per call)."""
        from .symbolic import apply_op
        made = self._keras_activity_losses
        losses = []
        for index, node in enumerate(self._inbound_nodes):
            if index not in made:
                made[index] = [apply_op(self._activity_penalty, (out,),
                                        name='activity_regularization')
                               for out in node.output_tensors]
            losses += made[index]
        return losses

    def _symbolic_call_losses(self):
        """The losses `call` adds in each functional call, as symbolic
        tensors (created once per call): each one runs the call again on
        that call's inputs."""
        from .symbolic import apply_op
        made = self.__dict__.setdefault('_keras_symbolic_call_losses', {})
        losses = []
        for index, count in sorted(
                self.__dict__['_keras_call_loss_nodes'].items()):
            if index not in made:
                inputs = tuple(self._inbound_nodes[index].input_tensors)
                made[index] = [apply_op(
                    functools.partial(self._call_loss_of, index, i), inputs,
                    name=self.name + '/added_loss') for i in range(count)]
            losses += made[index]
        return losses

    def _call_loss_of(self, node_index, i, *inputs):
        """The `i`-th loss that `call` adds on `inputs` (those of the
        functional call `node_index`)."""
        node = self._inbound_nodes[node_index]
        structure = list(inputs) if len(node.input_tensors) > 1 \
            else inputs[0]
        kept = (list(self._call_losses), self._loss_context,
                self._has_call_losses)
        self._call_losses = []
        try:
            self.call(structure, **dict(node.arguments))
            added = list(self._call_losses)
        finally:
            # (The layer's own losses stay those of its last call.)
            self._call_losses, self._loss_context, \
                self._has_call_losses = kept
        if i >= len(added):
            return torch.zeros((), dtype=K.torch_dtype(K.floatx()),
                               device=inputs[0].device)
        return added[i]

    def _activity_penalty(self, output):
        penalty = _checked_penalty(self.activity_regularizer, output,
                                   self.name + ' (activity)')
        if not common.is_tf_keras():
            # Keras 2 adds `activity_regularizer(output)` as it is.
            return penalty
        # tf.keras divides the activity penalty by the batch size.
        return penalty / (output.shape[0] if output.dim() else 1)

    def get_losses_for(self, inputs=None):
        # (Keras 2's recurrent layers and wrappers take no inputs here.)
        return self.losses

    # Keras 2.2 kept what `add_loss` added in `_losses` and, keyed by the
    # inputs they depend on, `_per_input_losses`; code that resets them
    # before adding its losses again (Mask R-CNN's compile, run at each
    # training stage) drops the losses added before.
    @property
    def _losses(self):
        return [fn() for fn in self._loss_fns] + list(self._call_losses)

    @_losses.setter
    def _losses(self, value):
        self._drop_added_losses(value, '_losses')

    @property
    def _per_input_losses(self):
        losses = self._losses
        return {None: losses} if losses else {}

    @_per_input_losses.setter
    def _per_input_losses(self, value):
        self._drop_added_losses(value, '_per_input_losses')

    def _drop_added_losses(self, value, attribute):
        if len(value):
            raise NotImplementedError(
                'Assigning losses to `%s` is not supported; assign an empty '
                'value to drop the added losses, then call add_loss().'
                % attribute)
        self.__dict__['_loss_fns'] = []
        self.__dict__['_call_losses'] = []

    def add_update(self, updates, inputs=None):
        """Keras 2 layers list here the state updates of their `call`;
        those, computed on torch tensors, have already run. Update ops
        written while no model runs (`K.update` of an expression of
        variables, `(variable, value)` pairs) are kept and run after each
        training step, as Keras 2's training function ran `model.updates`."""
        from .symbolic import as_variable_update
        for update in to_list(updates):
            update = as_variable_update(update)
            if update is None:
                continue
            if update.symbolic_values():
                raise NotImplementedError(
                    'add_update of an update whose value is a tensor of a '
                    'model graph (%r) is not supported. Update the '
                    'variable inside a layer\'s `call` (K.update / '
                    'K.moving_average_update on the tensors it receives), '
                    'or run the update with K.function.' % (update.value,))
            self.__dict__.setdefault('_added_update_ops', []).append(update)
            _ADDED_UPDATES[0] += 1

    @property
    def updates(self):
        """The variables a training step of this layer updates besides
        its trainable weights (BatchNormalization's moving statistics);
        empty for a frozen layer, as in Keras 2. The updates themselves
        run eagerly inside the step."""
        if not self.trainable:
            return []
        return self._state_update_variables()

    def _state_update_variables(self):
        found = []
        for layer in self._sublayers():
            found += layer.updates
        return found

    def get_updates_for(self, inputs=None):
        return []

    def add_metric(self, value, name=None, aggregation=None):
        """Logs `value` (averaged over the epoch) under `name`; called from
        `call`, it records the value of the current call."""
        metric_obj = getattr(value, '_metric_obj', None)
        name = _added_metric_name(value, name, aggregation)
        context, replace = call_context.for_update(self._metric_context)
        if replace:
            self._metrics = []
        self._metric_context = context
        self._has_call_metrics = True
        if not isinstance(value, torch.Tensor):
            value = torch.as_tensor(value, dtype=torch.float32)
        self._metrics.append((name, value, metric_obj))

    @property
    def metrics(self):
        """The metric objects of this layer and the layers inside it:
        those set as attributes and those `add_metric` was given, as
        tf.keras tracks them."""
        from ..metrics import Metric
        found = []
        for layer in _unique_layers(self):
            values = list(layer.__dict__.values())
            values += [m for _, _, m in layer.__dict__.get('_metrics', ())]
            for value in values:
                items = value if isinstance(value, (list, tuple)) else [value]
                for item in items:
                    if isinstance(item, Metric) and \
                            all(item is not m for m in found):
                        found.append(item)
        return found

    @property
    def state_updates(self):
        return []

    # ----------------------------------------------------------- calling
    def __call__(self, inputs, *args, **kwargs):
        if _is_symbolic(inputs):
            resolved = _values_in_run(inputs)
            if resolved is None:
                return self._symbolic_call(inputs, *args, **kwargs)
            # Called while a graph runs (a layer made inside a loss, on
            # graph tensors and the step's tensors): on their values.
            inputs = resolved
        if call_context.current() is not None:
            return self._eager_call(inputs, args, kwargs, False)
        if variable_graph.recording() and \
                variable_graph.involves_variables((inputs,), {}):
            # Called on a variable while no model runs (DeepDream's image
            # variable): an expression, computed again when read.
            return variable_graph.record_call(self, inputs, args, kwargs)
        context = call_context.enter()
        try:
            return self._eager_call(inputs, args, kwargs, True)
        finally:
            call_context.leave()
            self._last_call_context = context

    def _eager_call(self, inputs, args, kwargs, outermost):
        """The call on real tensors: builds the layer on its first input;
        the outermost call also moves the inputs onto the weights'
        device."""
        if type(inputs) is not torch.Tensor:
            inputs = _to_tensors(inputs)
        if outermost:
            inputs = _float64_cast_down(self, inputs)
        if not self.built:
            self._build_for(inputs)
        if outermost:
            inputs = _onto_weight_device(self, inputs)
        flags = self.__class__.__dict__.get('_keras_class_flags') or \
            _class_flags(self.__class__)
        if flags['user']:
            if args:
                # (`training` may come positionally: a `__call__` override
                # passing `super().__call__(inputs, training)`.)
                args, kwargs = _named_arguments(self.__class__, args, kwargs)
            self._fill_context_arguments(inputs, flags, kwargs)
        if self.supports_masking or (
                flags['computes_mask'] and flags['user'] and
                not self.__dict__.get('_is_graph_network', False)):
            # (A user layer computing its own mask gets its input mask and
            # gives its outputs one, whatever supports_masking says, as in
            # Keras 2.)
            return self._call_with_mask(inputs, flags, args, kwargs)
        if 'training' in kwargs and not flags['training_arg']:
            kwargs.pop('training')
        if 'mask' in kwargs and not flags['mask_arg']:
            kwargs.pop('mask')
        try:
            outputs = self._module_call(flags, inputs, args, kwargs)
        except (RuntimeError, IndexError) as error:
            self._explain_failure(inputs, error)
            raise
        if self.activity_regularizer is not None:
            self._add_activity_penalty(outputs)
        return outputs

    def _fill_context_arguments(self, inputs, flags, kwargs):
        """tf.keras's arguments of a user layer's `call` that the caller
        left out: `training` from the run (the model call's `training=`,
        else fit's or evaluate/predict's mode, else a learning phase set
        with K.set_learning_phase), `mask` from the inputs' masks."""
        if flags['names_training'] and kwargs.get('training') is None:
            training = common.explicit_training()
            if training is None and common._ACTIVE_LOOP is not None:
                training = self.training
            if training is None:
                training = common.forced_learning_phase()
            if training is not None:
                kwargs['training'] = bool(training)
            elif flags['requires_training']:
                kwargs['training'] = None
        if flags['names_mask'] and kwargs.get('mask') is None and \
                not self.supports_masking:
            mask = _input_masks(inputs)
            if mask is not None:
                kwargs['mask'] = mask

    def _module_call(self, flags, inputs, args, kwargs):
        """nn.Module's call of the layer; a user class's `call` runs with
        augmented assignments on tensors rebinding, and a built-in layer
        called from user code runs without that mode."""
        if self.__dict__.get('_dtype_policy_name') is not None and \
                torch.is_autocast_enabled(K.get_device().type) and \
                not self.dtype_policy.mixed:
            return self._full_precision_call(flags, inputs, args, kwargs)
        if flags['guard']:
            return immutable.call_layer(self, flags['traced_call'], inputs,
                                        *args, **kwargs)
        if immutable.ACTIVE[0]:
            return immutable.call_library(nn.Module.__call__, self, inputs,
                                          *args, **kwargs)
        return nn.Module.__call__(self, inputs, *args, **kwargs)

    def _full_precision_call(self, flags, inputs, args, kwargs):
        """The call of a layer given a full-precision dtype in a model
        trained under a mixed policy (tf.keras's final
        `Dense(..., dtype='float32')`): without autocast, its floating
        inputs cast to its dtype."""
        device_type = K.get_device().type
        with torch.autocast(device_type, enabled=False):
            inputs = _cast_floating(inputs, K.torch_dtype(self.dtype))
            return self._module_call(flags, inputs, args, kwargs)

    def _call_with_mask(self, inputs, flags, args, kwargs):
        mask = _input_masks(inputs)
        if 'mask' not in kwargs:
            if mask is not None and flags['mask_arg']:
                kwargs['mask'] = mask
        else:
            mask = kwargs['mask'] if flags['mask_arg'] else \
                kwargs.pop('mask')
        if 'training' in kwargs and not flags['training_arg']:
            kwargs.pop('training')
        try:
            outputs = self._module_call(flags, inputs, args, kwargs)
        except (RuntimeError, IndexError) as error:
            self._explain_failure(inputs, error)
            raise
        if mask is not None or flags['computes_mask']:
            _attach_masks(outputs, self.compute_mask(inputs, mask))
        if self.activity_regularizer is not None:
            self._add_activity_penalty(outputs)
        return outputs

    def _add_activity_penalty(self, outputs):
        for out in to_list(outputs, allow_tuple=True):
            self._append_call_loss(self._activity_penalty(out))

    def _append_call_loss(self, loss):
        # Losses of a call replace those of the previous top-level call; a
        # layer shared inside one model call keeps all of its calls' losses.
        context, replace = call_context.for_update(self._loss_context)
        if replace:
            self._call_losses = []
        self._loss_context = context
        self._has_call_losses = True
        self._call_losses.append(loss)

    def _explain_failure(self, inputs, error):
        """Turns a torch shape error into the Keras message naming the layer
        and both shapes, when the input does not match what it was built
        for."""
        self.assert_input_compatibility(inputs)
        built_shape = getattr(self, '_built_input_shape', None)
        if built_shape is None:
            return
        got = _collect_shapes(inputs)
        if not isinstance(built_shape, tuple) or not isinstance(got, tuple):
            return
        if len(got) != len(built_shape) or any(
                b is not None and b != g for b, g in
                zip(built_shape[1:], got[1:])):
            raise ValueError(
                'Layer %s (%s) was built for inputs of shape %s but was '
                'called on an input of shape %s.'
                % (self.name, type(self).__name__,
                   (None,) + tuple(built_shape[1:]), tuple(got))) from error

    def _build_for(self, inputs):
        shapes = _collect_shapes(inputs)
        if isinstance(shapes, list):
            shapes = [(None,) + tuple(s[1:]) for s in shapes]
        elif isinstance(shapes, dict):
            shapes = {k: (None,) + tuple(s[1:]) for k, s in shapes.items()}
        else:
            shapes = (None,) + tuple(shapes[1:])
        self.assert_input_compatibility(inputs)
        self._maybe_build(shapes)

    def _maybe_build(self, input_shape):
        if not self.built:
            self._built_input_shape = input_shape
            self.__dict__['_built_by_call'] = True
            self._record_graph_name_scope()
            user = _class_flags(self.__class__)['user']
            nests = self._scopes_sublayers()
            built_before = [l for l in self._sublayers() if l.built] \
                if nests else ()
            self.build(_shape_for_build(input_shape) if user
                       else input_shape)
            self.built = True
            if user:
                self._track_containers()
            if nests:
                self._scope_sublayers(built_before)
            if self._initial_weights is not None:
                self.set_weights(self._initial_weights)
                self._initial_weights = None

    def _scopes_sublayers(self):
        """Whether the sub-layers this layer builds when first called take
        its name scope: for custom layers and subclassed models (not when
        a model's `build()` is called directly), as Keras 2 and tf.keras
        build and call a layer inside its name scope."""
        return _class_flags(self.__class__)['user'] and \
            not self.__dict__.get('_is_graph_network', False)

    def _scope_sublayers(self, built_before):
        """tf.keras names the weights of the layers a custom layer builds
        inside its own scope: those not built before this layer's first
        call, and not scoped otherwise. A sub-layer built by its own call
        adds its name ('block/dense/kernel:0'); one whose `build()` the
        custom layer called directly does not ('block/kernel:0')."""
        for layer in self._sublayers():
            if layer._scope_parent is None and \
                    layer._scope_replace is None and \
                    all(layer is not b for b in built_before):
                built_directly = layer.built and \
                    not layer.__dict__.get('_built_by_call')
                scope = '_scope_replace' if built_directly else \
                    '_scope_parent'
                layer.__dict__[scope] = self

    def _symbolic_call(self, inputs, *args, **kwargs):
        if isinstance(inputs, (list, tuple)):
            # A copy: the caller may keep appending to its list.
            inputs = list(inputs)
        if args:
            # tf.keras keeps the arguments after the inputs by their names
            # in `call` (`EndpointLayer()(logits, targets)`): graph
            # tensors among them are inputs of the node too.
            args, kwargs = _named_arguments(type(self), args, kwargs)
        input_list = list(to_list(inputs))
        for x in input_list:
            if not getattr(x, '_is_keras_symbolic', False):
                raise ValueError(
                    'Layer ' + self.name + ' was called with an input that '
                    'isn\'t a symbolic tensor. Received type: ' +
                    str(type(x)) + '. Full input: ' + str(inputs) +
                    '. All inputs to the layer should be tensors.')
        self.assert_input_compatibility(inputs)
        input_shape = _collect_shapes(inputs)
        self._maybe_build(input_shape)
        flags = _class_flags(self.__class__)
        if flags['user'] and flags['shape_fn'] and \
                '_keras_output_count' not in self.__dict__ and \
                (any(not l.built for l in self._sublayers()) or
                 _call_names_gradients(type(self)) or
                 _call_makes_sparse(type(self))):
            # Keras 2 runs `call` when a layer is called on graph tensors,
            # which builds the sub-layers that `call` uses.
            self._probe_output_count(inputs, args, kwargs)
        output_shape = self._output_shape_for(inputs, input_shape, args,
                                              kwargs)
        output_dtype = self._output_dtype(inputs)
        multi = isinstance(output_shape, list)
        shapes = output_shape if multi else [output_shape]
        outputs = [KerasTensor(s, dtype=output_dtype,
                               name='%s/out%d' % (self.name, i))
                   for i, s in enumerate(shapes)]
        node_index = len(self._inbound_nodes)
        sparse = self.__dict__.get('_keras_sparse_outputs') or ()
        for i, out in enumerate(outputs):
            out._keras_history = (self, node_index, i)
            if i < len(sparse) and sparse[i]:
                out._keras_sparse_value = True
        probed = self.__dict__.pop('_keras_probe_outputs', None)
        if probed is not None:
            self.__dict__['_keras_output_tuple'] = type(probed) if \
                isinstance(probed, tuple) else None
        _attach_probe_values(outputs, probed)
        added = self.__dict__.pop('_keras_probe_call_losses', 0)
        from .network import _argument_tensors
        if added and not args and not _argument_tensors(kwargs):
            # `call` adds losses: listed by `losses` as symbolic tensors
            # of this call until the layer runs on data, as in Keras 2.
            self.__dict__.setdefault('_keras_call_loss_nodes', {})[
                node_index] = added
        if self.supports_masking or self.__class__.compute_mask is not \
                Layer.compute_mask:
            self._symbolic_masks(inputs, outputs)
        Node(self,
             inbound_layers=[x._keras_history[0] if x._keras_history
                             else None for x in input_list],
             node_indices=[x._keras_history[1] if x._keras_history else 0
                           for x in input_list],
             tensor_indices=[x._keras_history[2] if x._keras_history
                             else 0 for x in input_list],
             input_tensors=input_list, output_tensors=outputs,
             input_shapes=input_shape if isinstance(input_shape, list)
             else [input_shape],
             output_shapes=shapes,
             arguments=dict(kwargs))
        graph_names.name_outputs(self, outputs, input_list)
        self._note_frozen_at_call()
        if not multi:
            return outputs[0]
        return self._outputs_as_returned(outputs)

    def _add_inbound_node(self, input_tensors, output_tensors,
                          input_masks=None, output_masks=None,
                          input_shapes=None, output_shapes=None,
                          arguments=None):
        """Keras 2's record of a call a layer's own `__call__` computed by
        hand (`output = self.call(inputs)`): a node from the inputs to the
        outputs, whose histories then name this layer, so that a model
        runs the call again on its data. On real values (such a
        `__call__` run by a model) there is no graph to record."""
        input_tensors = to_list(input_tensors)
        output_tensors = to_list(output_tensors)
        if not all(getattr(x, '_is_keras_symbolic', False)
                   for x in output_tensors):
            return
        output_shapes = to_list(output_shapes) if output_shapes \
            is not None else [x._keras_shape for x in output_tensors]
        histories = [getattr(x, '_keras_history', None) or (None, 0, 0)
                     for x in input_tensors]
        Node(self, inbound_layers=[h[0] for h in histories],
             node_indices=[h[1] for h in histories],
             tensor_indices=[h[2] for h in histories],
             input_tensors=input_tensors, output_tensors=output_tensors,
             input_masks=input_masks, output_masks=output_masks,
             input_shapes=to_list(input_shapes) if input_shapes is not None
             else [getattr(x, '_keras_shape', None) for x in input_tensors],
             output_shapes=output_shapes, arguments=arguments)
        uses_lp = getattr(self, 'uses_learning_phase', False) or any(
            getattr(x, '_uses_learning_phase', False) for x in input_tensors)
        for i, x in enumerate(output_tensors):
            x._keras_shape = tuple(output_shapes[i])
            x._uses_learning_phase = \
                getattr(x, '_uses_learning_phase', False) or bool(uses_lp)
            x._keras_history = (self, len(self._inbound_nodes) - 1, i)

    def _outputs_as_returned(self, outputs):
        """The graph tensors of a call returning several: tf.keras gives
        them in the tuple or named tuple `call` returns (a Lambda of
        `tf.image.combined_non_max_suppression`), Keras 2 in a list."""
        kind = self.__dict__.get('_keras_output_tuple')
        if kind is None or not common.is_tf_keras() or (
                hasattr(kind, '_fields') and
                len(kind._fields) != len(outputs)):
            return _keras2_single(outputs)
        return kind(*outputs) if hasattr(kind, '_fields') else kind(outputs)

    def _note_frozen_at_call(self):
        """Keras 2 copied the updates of the layers inside a model into the
        model when it was called on new tensors, leaving out those of the
        layers that were not trainable then: the call's node keeps them."""
        from .network import Network
        if not isinstance(self, Network) or common.is_tf_keras():
            return
        marks = {}
        for sub in self._sublayers():
            _frozen_inside(sub, True, marks)
        self._inbound_nodes[-1]._frozen_at_call = tuple(
            layer for layer, frozen in marks.values() if frozen)

    def _symbolic_masks(self, inputs, outputs):
        # Masks of symbolic tensors only record whether a mask exists.
        if getattr(self, '_is_graph_op', False):
            # Backend operations on graph tensors drop masks (their
            # `compute_mask` gives None), as tf.keras's TFOpLambda does.
            return
        try:
            previous = [getattr(x, '_keras_mask', None)
                        for x in to_list(inputs)]
            has_input_mask = any(m is not None for m in previous)
            computes = self.__class__.compute_mask is not Layer.compute_mask
            if computes and not has_input_mask:
                computes = self._masks_unmasked_inputs(inputs)
            if has_input_mask or computes:
                for out in outputs:
                    out._keras_mask = True if (
                        has_input_mask and self.supports_masking) or \
                        computes else None
        except Exception:
            pass

    def _masks_unmasked_inputs(self, inputs):
        """Whether `compute_mask` makes a mask for inputs without one
        (Embedding(mask_zero=True), Masking), as seen on zeros of the
        inputs' shapes; a wrapper around a layer that makes none (a
        `TimeDistributed(Dense)` on an unmasked input) makes none either.
        A model's masks come from its layers: assumed."""
        from .network import Network
        if isinstance(self, Network):
            return True
        zeros = [_zeros_like_symbolic(x) for x in to_list(inputs)]
        try:
            with torch.no_grad():
                mask = self.compute_mask(
                    zeros if isinstance(inputs, list) else zeros[0], None)
        except Exception:
            return True
        masks = mask if isinstance(mask, (list, tuple)) else [mask]
        return any(m is not None for m in masks)

    def _output_dtype(self, inputs):
        return self.dtype

    def _output_shape_for(self, inputs, input_shape, args, kwargs):
        flags = _class_flags(self.__class__)
        if flags['shape_fn']:
            shape = _normalize_shape(
                self._user_output_shape(inputs, input_shape, args, kwargs)
                if flags['user'] else self.compute_output_shape(input_shape))
            if flags['user'] and isinstance(shape, list):
                shape = self._fit_shapes_to_call(shape, inputs, args, kwargs)
            elif flags['user'] and self._call_returns_several(
                    inputs, args, kwargs):
                shape = self._shapes_of_several(shape, inputs, input_shape,
                                                args, kwargs)
            return shape
        return self._infer_output_shape(inputs, input_shape, args, kwargs)

    def _call_returns_several(self, inputs, args, kwargs):
        count = self.__dict__.get('_keras_output_count', False)
        if count is False:
            count = self._probe_output_count(inputs, args, kwargs)
        return bool(count and count > 1)

    def _shapes_of_several(self, shape, inputs, input_shape, args, kwargs):
        """A custom layer whose `compute_output_shape` gives one shape
        while `call` returns several tensors (decoded tags, potentials,
        lengths and a weight): Keras makes a tensor of each. tf.keras
        takes their shapes from `call`; Keras 2 gives the first the shape
        `compute_output_shape` gives."""
        inferred = self._infer_output_shape(inputs, input_shape, args,
                                            kwargs)
        if not isinstance(inferred, list):
            return shape
        return inferred if common.is_tf_keras() else [shape] + inferred[1:]

    def _user_output_shape(self, inputs, input_shape, args, kwargs):
        """A custom layer's `compute_output_shape`, given the shapes its
        code was written for: Keras 2 passes plain tuples (CapsNet's `Mask`
        tests `type(input_shape[0]) is tuple`), tf.keras TensorShapes
        (`input_shape.as_list()`); the other kind is tried where the first
        raises. tf.keras takes the shape from `call` when
        `compute_output_shape` fails on both, and so does a tf.keras
        program here."""
        shaped = _shape_for_build(input_shape)
        tries = (shaped, input_shape) if common.is_tf_keras() \
            else (input_shape, shaped)
        first_error = None
        for shapes in tries:
            try:
                return self.compute_output_shape(shapes)
            except Exception as error:
                first_error = first_error or error
        if common.is_tf_keras():
            try:
                return self._infer_output_shape(inputs, input_shape, args,
                                                kwargs)
            except Exception:
                pass
        raise first_error

    def _fit_shapes_to_call(self, shapes, inputs, args, kwargs):
        """Keras 2 gives the tensors `call` returns the shapes of
        `compute_output_shape` in order: a custom layer whose `call`
        returns one tensor gets the first of a list of shapes, and a list
        of one output is that output."""
        if len(shapes) == 1:
            return shapes[0]
        count = self.__dict__.get('_keras_output_count', False)
        if count is False:
            count = self._probe_output_count(inputs, args, kwargs)
        if count is None:
            return shapes
        if count == 1:
            return shapes[0]
        return shapes[:count]

    def _probe_arguments(self, inputs, real, kwargs, dummy):
        """The call arguments of a probe run: graph tensors among them as
        dummy values like the inputs', and, for a user layer whose `call`
        takes `mask` or a Lambda whose function does, a mask of ones where
        the inputs carry one (as Keras calls them on graph tensors with
        their masks)."""
        def value(v):
            if getattr(v, '_is_keras_symbolic', False):
                return dummy(v)
            if isinstance(v, (list, tuple)) and any(
                    getattr(x, '_is_keras_symbolic', False) for x in v):
                return type(v)(value(x) for x in v)
            return v
        kwargs = {k: value(v) for k, v in kwargs.items()}
        flags = _class_flags(self.__class__)
        takes_mask = (flags['user'] and flags['names_mask']) or \
            getattr(self, '_function_takes_mask', False)
        if takes_mask and kwargs.get('mask') is None:
            from .keras_tensor import symbolic_mask
            masks = [None if symbolic_mask(x) is None else
                     torch.ones(tuple(r.shape[:-1]), dtype=torch.bool,
                                device=r.device)
                     for x, r in zip(to_list(inputs), real)]
            if any(m is not None for m in masks):
                kwargs['mask'] = masks if isinstance(inputs, list) \
                    else masks[0]
        return kwargs

    def _state_snapshot(self):
        """Copies of a user layer's state (its non-trainable weights and
        buffers, what a call may update) before a probe run: a call that
        updates it (`assign_add` on a counter) leaves it as it was, as
        calling a Keras layer on graph tensors updates nothing."""
        if not _class_flags(self.__class__)['user']:
            return None
        return [(t, t.detach().clone())
                for t in itertools.chain(self.parameters(), self.buffers())
                if not t.requires_grad]

    @staticmethod
    def _restore_state(state):
        if state:
            with torch.no_grad():
                for tensor, value in state:
                    if tensor.shape == value.shape:
                        tensor.copy_(value)

    def _probe_output_count(self, inputs, args, kwargs):
        """Runs `call` once on small zero tensors like `inputs` (building
        the sub-layers it uses) and records how many tensors it returns
        (None when it fails on them)."""
        real = [_zeros_like_symbolic(x) for x in to_list(inputs)]
        real_inputs = real if isinstance(inputs, list) else real[0]
        kwargs = self._probe_arguments(inputs, real, kwargs,
                                       _zeros_like_symbolic)
        was_training = self.training
        count = None
        state = self._state_snapshot()
        from .symbolic import probing
        try:
            self.training = False
            with torch.no_grad(), probing() as probe:
                out = nn.Module.__call__(self, real_inputs, *args, **kwargs)
            count = len(out) if isinstance(out, (list, tuple)) else 1
            self.__dict__['_keras_sparse_outputs'] = _sparse_flags(out)
            self.__dict__['_keras_probe_outputs'] = out
            self.__dict__['_keras_probe_call_losses'] = \
                len(self._call_losses)
            if probe.uses_gradients:
                self._uses_gradients = True
        except Exception:
            pass
        finally:
            self._restore_state(state)
            self.training = was_training
            self._call_losses = []
        self._track_containers()
        self.__dict__['_keras_output_count'] = count
        return count

    def _shape_after_failed_probe(self, input_shape, error):
        """`compute_output_shape` where `call` failed on the probe's zero
        tensors. Where that itself needs the probe (a Lambda without
        `output_shape`) or fails, the error of `call` is raised, as Keras
        2 raises it from the layer's call on symbolic tensors."""
        if self.__dict__.get('_probe_failed'):
            raise error
        self.__dict__['_probe_failed'] = True
        try:
            shape = self.compute_output_shape(input_shape)
        except Exception:
            raise error
        finally:
            del self.__dict__['_probe_failed']
        self._call_losses = []
        return _normalize_shape(shape)

    def _infer_output_shape(self, inputs, input_shape, args, kwargs):
        """Runs the layer on a small zero tensor to find its output shape
        (for layers that do not define `compute_output_shape`). Where an
        input has unknown dimensions besides the batch, a second run with
        other sizes for them tells which output dimensions follow them:
        those are unknown (None) too."""
        shape = self._probe_output_shape(inputs, input_shape, args, kwargs,
                                         unknown_size=3)
        shape = self._batch_free_dims(shape, inputs, input_shape, args,
                                      kwargs)
        has_unknown = any(d is None for x in to_list(inputs)
                          for d in x._keras_shape[1:])
        if not has_unknown:
            return shape
        try:
            other = self._probe_output_shape(inputs, input_shape, args,
                                             kwargs, unknown_size=4)
        except Exception:
            return shape
        return _unknown_where_different(shape, other)

    def _batch_free_dims(self, shape, inputs, input_shape, args, kwargs):
        """Outputs whose first dimension is not the probe's batch size (a
        weight returned by `call`, keras-bert's TokenEmbedding) keep it
        where a probe with another batch size gives the same, as tf.keras
        traces them with a static first dimension."""
        shapes = shape if isinstance(shape, list) else [shape]
        batch_unknown = any(x._keras_shape and x._keras_shape[0] is None
                            for x in to_list(inputs))
        if not batch_unknown or all(not s or s[0] is None for s in shapes):
            return shape
        try:
            other = self._probe_output_shape(inputs, input_shape, args,
                                             kwargs, unknown_size=3,
                                             batch_size=3)
        except Exception:
            other = None
        others = other if isinstance(other, list) else [other]
        if other is None or len(others) != len(shapes):
            others = [None] * len(shapes)
        fixed = [s if not s or s[0] is None or (
            o is not None and len(o) == len(s) and o[0] == s[0])
            else (None,) + tuple(s[1:]) for s, o in zip(shapes, others)]
        return fixed if isinstance(shape, list) else fixed[0]

    def _probe_output_shape(self, inputs, input_shape, args, kwargs,
                            unknown_size, batch_size=2):
        def dummy(x):
            value = _probe_value(x) if (batch_size, unknown_size) == (2, 3) \
                else None
            if value is not None:
                return value
            shape = [batch_size if i == 0 and d is None else (
                d if d is not None else unknown_size)
                for i, d in enumerate(x._keras_shape)]
            dtype = K.torch_dtype(x.dtype) if x.dtype else torch.float32
            if getattr(x, '_keras_sparse_value', False):
                return _empty_sparse(shape, dtype)
            return torch.zeros(shape, dtype=dtype, device=K.get_device())
        real = [dummy(x) for x in to_list(inputs)]
        real_inputs = real if isinstance(inputs, list) else real[0]
        kwargs = self._probe_arguments(inputs, real, kwargs, dummy)
        if _class_flags(self.__class__)['requires_training'] and \
                'training' not in kwargs and not args:
            # tf.keras builds a functional model with training=None.
            kwargs['training'] = None
        was_training = self.training
        from .symbolic import probing
        state = self._state_snapshot()
        try:
            self.training = False
            with torch.no_grad(), probing() as probe:
                out = nn.Module.__call__(self, real_inputs, *args, **kwargs)
            if probe.uses_gradients:
                self._uses_gradients = True
        except ValueError as error:
            if getattr(self, '_raises_on_symbolic_call', False):
                # A backend function given bad input raises when it is
                # called on symbolic tensors, as in Keras 2.
                raise
            failure = error
        except AttributeError as error:
            if isinstance(getattr(error, 'obj', None), types.ModuleType):
                # (A function a module lacks is missing whatever the
                # values: Keras 2 raises it from the call on graph
                # tensors.)
                raise
            failure = error
        except Exception as error:
            failure = error
        else:
            failure = None
        finally:
            self._restore_state(state)
            self.training = was_training
        if failure is not None:
            if unknown_size != batch_size and any(
                    d is None for x in to_list(inputs)
                    for d in x._keras_shape[1:]):
                # Node features (n, f) with an adjacency (n, n): unknown
                # sizes that must equal the batch size.
                try:
                    return self._probe_output_shape(
                        inputs, input_shape, args, kwargs,
                        unknown_size=batch_size, batch_size=batch_size)
                except Exception:
                    pass
            if batch_size == 2:
                shape = self._probe_matching_batch(inputs, input_shape, args,
                                                   kwargs, unknown_size)
                if shape is not None:
                    return shape
            return self._shape_after_failed_probe(input_shape, failure)
        self.__dict__['_keras_probe_call_losses'] = len(self._call_losses)
        self._call_losses = []
        self.__dict__['_keras_sparse_outputs'] = _sparse_flags(out)
        if (batch_size, unknown_size) == (2, 3):
            self.__dict__['_keras_probe_outputs'] = out

        def to_shape(t, ref_shapes):
            shape = list(t.shape)
            batch_unknown = any(s and s[0] is None for s in ref_shapes)
            if shape and batch_unknown and shape[0] == batch_size:
                shape[0] = None
            return tuple(shape)
        ref = input_shape if isinstance(input_shape, list) else [input_shape]
        if isinstance(out, (list, tuple)):
            return [to_shape(t, ref) for t in out]
        return to_shape(out, ref)

    def _probe_matching_batch(self, inputs, input_shape, args, kwargs,
                              unknown_size):
        """The output shape from a probe whose unknown batch axes take the
        size of a known dimension of the inputs, as a layer combining
        inputs of different leading dimensions needs (a graph layer's
        adjacency (n, n) times its node features (n, f), both declared
        with an unknown batch axis); None where no such probe runs."""
        xs = to_list(inputs)
        if len(xs) < 2 or not any(x._keras_shape and x._keras_shape[0] is None
                                  for x in xs):
            return None
        sizes = sorted({d for x in xs for d in x._keras_shape[1:]
                        if d is not None and d > 2})[:4]
        nested = self.__dict__.get('_probe_failed')
        # (A failing probe then raises instead of falling back.)
        self.__dict__['_probe_failed'] = True
        try:
            for size in sizes:
                try:
                    return self._probe_output_shape(
                        inputs, input_shape, args, kwargs, unknown_size,
                        batch_size=size)
                except Exception:
                    continue
        finally:
            if not nested:
                del self.__dict__['_probe_failed']
        return None

    def assert_input_compatibility(self, inputs):
        """Checks inputs against `input_spec`, raising Keras's errors."""
        if not self.input_spec:
            return
        inputs = to_list(inputs, allow_tuple=True)
        input_spec = to_list(self.input_spec, allow_tuple=True)
        tf_keras = common.is_tf_keras()
        if len(inputs) != len(input_spec):
            if tf_keras:
                raise ValueError('Layer "%s" expects %d input(s), but it '
                                 'received %d input tensors. Inputs '
                                 'received: %s' % (self.name, len(input_spec),
                                                   len(inputs), inputs))
            raise ValueError('Layer ' + self.name + ' expects ' +
                             str(len(input_spec)) + ' inputs, but it '
                             'received ' + str(len(inputs)) +
                             ' input tensors. Input received: ' +
                             str(inputs)[:200])
        for index, (x, spec) in enumerate(zip(inputs, input_spec)):
            if spec is not None:
                _check_input_spec(self.name, index, _shape_of(x), spec,
                                  tf_keras)

    # ------------------------------------------------------ graph accessors
    def _get_node_attribute_at_index(self, node_index, attr, attr_name):
        if not self._inbound_nodes:
            raise RuntimeError('The layer has never been called and thus '
                               'has no defined ' + attr_name + '.')
        if not len(self._inbound_nodes) > node_index:
            raise ValueError('Asked to get ' + attr_name + ' at node ' +
                             str(node_index) + ', but the layer has only ' +
                             str(len(self._inbound_nodes)) +
                             ' inbound nodes.')
        values = getattr(self._inbound_nodes[node_index], attr)
        return unpack_singleton(values)

    def get_input_at(self, node_index):
        return self._get_node_attribute_at_index(node_index, 'input_tensors',
                                                 'input')

    def get_output_at(self, node_index):
        return self._get_node_attribute_at_index(node_index,
                                                 'output_tensors', 'output')

    def get_input_shape_at(self, node_index):
        return self._get_node_attribute_at_index(node_index, 'input_shapes',
                                                 'input shape')

    def get_output_shape_at(self, node_index):
        return self._get_node_attribute_at_index(node_index,
                                                 'output_shapes',
                                                 'output shape')

    def get_input_mask_at(self, node_index):
        """The symbolic masks of the call's inputs (None without one)."""
        return self._get_node_attribute_at_index(node_index, 'input_masks',
                                                 'input mask')

    def get_output_mask_at(self, node_index):
        """The symbolic masks of the call's outputs (None without one)."""
        return self._get_node_attribute_at_index(node_index, 'output_masks',
                                                 'output mask')

    @property
    def input(self):
        if not self._inbound_nodes:
            raise AttributeError('Layer ' + self.name + ' is not connected, '
                                 'no input to return.')
        if len(self._inbound_nodes) > 1 and \
                common.api_flavour() != 'tf.keras':
            # (tf.keras gives the first call's input.)
            raise AttributeError(
                'Layer ' + self.name + ' has multiple inbound nodes, hence '
                'the notion of "layer input" is ill-defined. Use '
                '`get_input_at(node_index)` instead.')
        return self.get_input_at(0)

    @property
    def output(self):
        if not self._inbound_nodes:
            raise AttributeError('Layer ' + self.name + ' has no inbound '
                                 'nodes.')
        if len(self._inbound_nodes) > 1 and \
                common.api_flavour() != 'tf.keras':
            # (tf.keras gives the first call's output.)
            raise AttributeError(
                'Layer ' + self.name + ' has multiple inbound nodes, hence '
                'the notion of "layer output" is ill-defined. Use '
                '`get_output_at(node_index)` instead.')
        return self.get_output_at(0)

    @property
    def input_shape(self):
        if not self._inbound_nodes:
            raise AttributeError('The layer has never been called and thus '
                                 'has no defined input shape.')
        shapes = {str(node.input_shapes) for node in self._inbound_nodes}
        if len(shapes) != 1:
            raise AttributeError(
                'The layer "' + str(self.name) + '" has multiple inbound '
                'nodes, with different input shapes. Hence the notion of '
                '"input shape" is ill-defined for the layer. Use '
                '`get_input_shape_at(node_index)` instead.')
        return unpack_singleton(self._inbound_nodes[0].input_shapes)

    @property
    def output_shape(self):
        if not self._inbound_nodes:
            raise AttributeError('The layer has never been called and thus '
                                 'has no defined output shape.')
        shapes = {str(node.output_shapes) for node in self._inbound_nodes}
        if len(shapes) != 1:
            raise AttributeError(
                'The layer "' + str(self.name) + '" has multiple inbound '
                'nodes, with different output shapes. Hence the notion of '
                '"output shape" is ill-defined for the layer. Use '
                '`get_output_shape_at(node_index)` instead.')
        return unpack_singleton(self._inbound_nodes[0].output_shapes)

    @property
    def input_mask(self):
        self._require_single_node('input mask')
        return self.get_input_mask_at(0)

    @property
    def output_mask(self):
        self._require_single_node('output mask')
        return self.get_output_mask_at(0)

    def _require_single_node(self, what):
        if len(self._inbound_nodes) != 1:
            raise AttributeError(
                'Layer ' + self.name + ' has ' +
                ('no' if not self._inbound_nodes else 'multiple') +
                ' inbound nodes, hence the notion of "layer ' + what +
                '" is ill-defined. Use `get_%s_at(node_index)` instead.'
                % what.replace(' ', '_'))

    @property
    def inbound_nodes(self):
        return self._inbound_nodes

    @inbound_nodes.setter
    def inbound_nodes(self, nodes):
        self._inbound_nodes = list(nodes)

    @property
    def outbound_nodes(self):
        return self._outbound_nodes

    @outbound_nodes.setter
    def outbound_nodes(self, nodes):
        # The "remove the last layer" recipe sets outbound_nodes = [].
        self._outbound_nodes = list(nodes)

    @property
    def non_trainable_variables(self):
        return self.non_trainable_weights

    @property
    def trainable_variables(self):
        return self.trainable_weights

    @property
    def variables(self):
        return self.weights

    def reset_states(self, states=None):
        for layer in self._sublayers():
            layer.reset_states()

    @property
    def uses_learning_phase(self):
        """Keras 2's flag for layers whose output depends on the learning
        phase; the phase here reaches every layer at run time, so it is
        informative only. Layers may set it (keras-contrib's CRF does)."""
        return self.__dict__.get('_uses_learning_phase', False)

    @uses_learning_phase.setter
    def uses_learning_phase(self, value):
        self.__dict__['_uses_learning_phase'] = bool(value)


class _SymbolicLoss(object):
    """A loss given as a symbolic tensor (functional `add_loss`), computed
    from the tensors of the latest forward pass."""

    def __init__(self, tensor):
        self.tensor = tensor

    def __call__(self):
        from . import symbolic
        return symbolic.latest_value(self.tensor)


def _checked_penalty(regularizer, tensor, where):
    penalty = regularizer(tensor)
    if not isinstance(penalty, torch.Tensor):
        penalty = torch.as_tensor(float(penalty), dtype=tensor.dtype,
                                  device=tensor.device)
    if penalty.dim() != 0:
        if penalty.numel() != 1:
            raise ValueError(
                'The regularizer %r applied to %s returned a tensor of shape '
                '%s; a regularizer must return a scalar (e.g. reduce with '
                'K.sum).' % (regularizer, where, tuple(penalty.shape)))
        penalty = penalty.reshape(())
    return penalty


def _attach_masks(outputs, masks):
    if masks is None:
        return
    if isinstance(outputs, (list, tuple)):
        masks = masks if isinstance(masks, (list, tuple)) else \
            [masks] * len(outputs)
        for out, m in zip(outputs, masks):
            if m is not None and isinstance(out, torch.Tensor):
                out._keras_mask = m
    elif isinstance(outputs, torch.Tensor):
        if isinstance(masks, (list, tuple)):
            masks = masks[0]
        if masks is not None:
            outputs._keras_mask = masks


def _copy_to_numpy(tensor):
    """A Numpy copy, as Keras returns: later updates of the weight do not
    show through it."""
    return tensor.detach().to('cpu', copy=True).numpy()


def _onto_weight_device(layer, inputs):
    """Tensors handed to a layer from outside a model call move to the
    device of its weights, as TensorFlow copies eager tensors between
    devices."""
    weight = next(layer.parameters(), None)
    if weight is None:
        weight = next(layer.buffers(), None)
        if weight is None:
            return inputs
    device = weight.device
    if type(inputs) is torch.Tensor:
        return inputs if inputs.device == device else inputs.to(device)
    if isinstance(inputs, (list, tuple)):
        return [x.to(device) if isinstance(x, torch.Tensor) and
                x.device != device else x for x in inputs]
    if isinstance(inputs, dict):
        return {k: x.to(device) if isinstance(x, torch.Tensor) and
                x.device != device else x for k, x in inputs.items()}
    return inputs


def _is_policy(value):
    from ..mixed_precision import policy
    return isinstance(value, policy.Policy)


def _policy_name(dtype):
    """The name of the dtype policy a layer was given as `dtype` (a
    policy, its serialized dict, a policy or dtype name), or None."""
    if dtype is None:
        return None
    if _is_policy(dtype):
        return dtype.name
    if isinstance(dtype, dict):
        return dtype.get('config', {}).get('name')
    if isinstance(dtype, str):
        return dtype
    return K.dtype_name(K.torch_dtype(dtype))


def _cast_floating(inputs, dtype):
    """`inputs` (a tensor or a list/tuple/dict of them) with floating
    tensors of another dtype cast to `dtype`."""
    if isinstance(inputs, torch.Tensor):
        return inputs.to(dtype) if inputs.is_floating_point() and \
            inputs.dtype != dtype else inputs
    if isinstance(inputs, (list, tuple)):
        return type(inputs)(_cast_floating(x, dtype) for x in inputs)
    if isinstance(inputs, dict):
        return {k: _cast_floating(x, dtype) for k, x in inputs.items()}
    return inputs


def _check_model_weights_created(layer):
    """tf.keras refuses to list the weights of a model whose own class
    defines `build` (a Sequential model without an input shape, a
    subclassed model with its own `build`) before it is built."""
    if layer.built or not common.is_tf_keras() or \
            'build' not in type(layer).__dict__:
        return
    from .training import Model
    if isinstance(layer, Model) and type(layer) is not Model:
        raise ValueError(
            "Weights for model '%s' have not yet been created. Weights are "
            "created when the model is first called on inputs or `build()` "
            "is called with an `input_shape`." % layer.name)


def _to_tensors(inputs):
    if isinstance(inputs, np.ndarray):
        if inputs.dtype.kind in 'SU' or inputs.dtype == object and \
                inputs.size and isinstance(inputs.flat[0], (str, bytes)):
            # Text stays a numpy array (torch has no string tensors) for
            # the StringLookup / TextVectorization layer that reads it.
            return inputs
        if inputs.dtype == np.float64:
            inputs = inputs.astype(common.floatx())
        # (np.ascontiguousarray gives a 0-d array shape (1,).)
        return torch.from_numpy(
            np.ascontiguousarray(inputs).reshape(inputs.shape)).to(
            K.get_device())
    if isinstance(inputs, (float, int)) and not isinstance(inputs, bool):
        # (tf.keras makes Python numbers tensors: `layer([-1., 0., 1.])`
        # calls the layer on three scalar tensors.)
        return torch.tensor(inputs, device=K.get_device(), dtype=(
            K.torch_dtype(common.floatx()) if isinstance(inputs, float)
            else torch.int32))
    if isinstance(inputs, (list, tuple)):
        return [_to_tensors(x) if isinstance(x, (np.ndarray, float, int))
                else x for x in inputs]
    if isinstance(inputs, dict):
        # (A subclassed model's dict of inputs, as tf.keras passes it to
        # `call`.)
        return {k: _to_tensors(x) if isinstance(x, np.ndarray) else x
                for k, x in inputs.items()}
    return inputs


def _zeros_like_symbolic(x):
    """A small zero tensor of a symbolic tensor's shape (2 for an unknown
    batch size, 3 for other unknown sizes), or the value the probe of the
    layer that made it gave."""
    value = _probe_value(x)
    if value is not None:
        return value
    shape = [2 if i == 0 and d is None else (d if d is not None else 3)
             for i, d in enumerate(x._keras_shape)]
    dtype = K.torch_dtype(x.dtype) if x.dtype else torch.float32
    if getattr(x, '_keras_sparse_value', False):
        return _empty_sparse(shape, dtype)
    return torch.zeros(shape, dtype=dtype, device=K.get_device())


def _probe_value(x):
    """The value of a symbolic tensor with unknown sizes besides the first
    on the probe's zero inputs: the run of the layer that made it, on the
    probe values of its own inputs (None where the sizes are all known or
    that run fails)."""
    value = getattr(x, '_keras_probe_value', None)
    shape = getattr(x, '_keras_shape', None)
    history = getattr(x, '_keras_history', None)
    if value is not None or not shape or not history or \
            all(d is not None for d in shape[1:]):
        return value
    layer, node_index = history[0], history[1]
    if layer is None or node_index >= len(layer._inbound_nodes) or \
            '_keras_probing_value' in layer.__dict__:
        return None
    node = layer._inbound_nodes[node_index]
    if not node.input_tensors or any(
            str(getattr(t, 'dtype', None)) == 'string'
            for t in node.input_tensors):
        # (Text has no zero tensor to probe with: the tensor's own shape
        # and dtype stand for it.)
        return None
    inputs = node.input_tensors if len(node.input_tensors) > 1 else \
        node.input_tensors[0]
    count = layer.__dict__.get('_keras_output_count', node)
    layer.__dict__['_keras_probing_value'] = True
    try:
        layer._probe_output_count(inputs, (), dict(node.arguments))
    finally:
        del layer.__dict__['_keras_probing_value']
        if count is node:
            layer.__dict__.pop('_keras_output_count', None)
        else:
            layer.__dict__['_keras_output_count'] = count
    _attach_probe_values(node.output_tensors,
                         layer.__dict__.pop('_keras_probe_outputs', None))
    return getattr(x, '_keras_probe_value', None)


def _attach_probe_values(outputs, probed):
    """Gives symbolic outputs the integer or boolean dtype of what `call`
    returned on the probe's zero tensors (tf.keras traces the dtype); an
    output with unknown sizes besides the first keeps that value, for the
    probes of the layers it feeds: its sizes may follow other inputs' (an
    attention mask of shape (length, length)), which zeros of sizes 2 and
    3 would not."""
    values = list(probed) if isinstance(probed, (list, tuple)) else [probed]
    if probed is None or len(values) != len(outputs):
        return
    for out, value in zip(outputs, values):
        if not isinstance(value, torch.Tensor) or value.is_sparse or \
                value.dim() != len(out._keras_shape or ()):
            continue
        if not (value.is_floating_point() or value.is_complex()):
            out.dtype = DTypeName(K.dtype(value))
        if any(d is None for d in out._keras_shape[1:]):
            out._keras_probe_value = value.detach()


def track_named_dependency(owner, trackable, name, overwrite=False):
    """tf.keras's Trackable._track_trackable: records `trackable` as a
    named dependency of `owner` (a layer, an optimizer) and returns it; a
    different one under a taken name needs `overwrite`."""
    named = owner.__dict__.setdefault('_named_trackables', {})
    if name in named and named[name] is not trackable and not overwrite:
        raise ValueError('A dependency named %r already exists.' % (name,))
    named[name] = trackable
    return trackable


def _normalize_shape(shape):
    if isinstance(shape, list) and shape and isinstance(
            shape[0], (tuple, list)):
        return [tuple(s) for s in shape]
    if isinstance(shape, tuple) and shape and all(
            isinstance(s, (tuple, list)) for s in shape):
        # Several outputs: tf.keras layers may return their shapes as a
        # tuple (`return output_shape, attention_shape`).
        return [tuple(s) for s in shape]
    if hasattr(shape, 'as_list'):
        shape = shape.as_list()
    return tuple(shape)


def _added_metric_name(value, name, aggregation):
    """The name `add_metric(value, name, aggregation)` logs under: that of
    the metric object whose result `value` is (as tf.keras logs it,
    whatever `name` says), else the given name."""
    if aggregation not in (None, 'mean'):
        raise NotImplementedError('add_metric(aggregation=%r) is not '
                                  'supported; use "mean".' % (aggregation,))
    metric_obj = getattr(value, '_metric_obj', None)
    if metric_obj is not None:
        return metric_obj.name
    if name is None:
        raise ValueError('Please provide a name for your metric like '
                         '`self.add_metric(tf.reduce_sum(inputs), '
                         'name=\'mean_activation\', '
                         'aggregation=\'mean\')`')
    return name


def _unknown_where_different(shape, other):
    """`shape` with None where the shape from a probe with other sizes for
    the unknown input dimensions differs (shapes, or lists of them)."""
    if isinstance(shape, list):
        if not isinstance(other, list) or len(other) != len(shape):
            return shape
        return [_unknown_where_different(s, o) for s, o in zip(shape, other)]
    if other is None or len(other) != len(shape):
        return shape
    return tuple(None if a != b else a for a, b in zip(shape, other))


def _tf_keras_unique(pairs):
    """(layer, record) pairs with repeats dropped in a tf.keras program:
    tf.keras lists a weight reached twice (a tied-weight layer tracking
    the layer whose kernel it reuses) once; Keras 2 lists it each time."""
    if not common.is_tf_keras():
        return pairs
    seen = set()
    unique = []
    for layer, record in pairs:
        key = (id(layer), record.attr)
        if key not in seen:
            seen.add(key)
            unique.append((layer, record))
    return unique


def _weight_owner(layer, weight):
    """(owner, record) of the parameter `weight` among `layer` and the
    layers inside it, or (None, None)."""
    for owner in _unique_layers(layer):
        for record in owner._keras_weights:
            if getattr(owner, record.attr, None) is weight:
                return owner, record
    return None, None


def _unique_layers(layer, seen=None):
    """`layer` and every layer nested in it, each once, outer first."""
    if seen is None:
        seen = set()
    if id(layer) in seen:
        return
    seen.add(id(layer))
    yield layer
    for sub in layer._sublayers():
        yield from _unique_layers(sub, seen)


def _frozen_inside(layer, trainable, marks):
    """{id: (layer, frozen)} for `layer` and the layers inside it: frozen
    when the layer or a container above it is not trainable."""
    if id(layer) in marks:
        return
    trainable = trainable and layer.trainable
    marks[id(layer)] = (layer, not trainable)
    for sub in layer._sublayers():
        _frozen_inside(sub, trainable, marks)
