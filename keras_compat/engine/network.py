"""`Network`: a graph of layers recorded from symbolic calls, run as an
`nn.Module` forward with a precomputed execution order.

A network is built from input and output `KerasTensor`s (the functional
API), or, for subclassed models, from the layers assigned as attributes and
a user-written `call`."""
import copy
import functools
import json
import warnings

import numpy as np
import torch
from torch import nn

from .. import backend as K
from ..backend import common, variable_graph
from ..legacy import interfaces
from ..utils.generic_utils import to_list, unpack_singleton, unique_names
from ..utils import layer_utils
from . import base_layer
from . import call_context
from .base_layer import Layer, to_snake_case
from .input_layer import InputLayer
from .keras_tensor import KerasTensor, Node


def _node_key(layer, node_index):
    return layer.name + '_ib-' + str(node_index)


def _module_name(owner, layer, taken=None):
    """A submodule name for `layer`: its Keras name when that is a valid,
    free attribute name (and not `taken`)."""
    import re
    name = re.sub(r'\W', '_', layer.name)
    if not name or name[0].isdigit():
        name = 'layer_' + name
    candidate, i = name, 1
    while (candidate == taken or candidate in owner._modules or
           candidate in owner._parameters or candidate in owner._buffers or
           hasattr(type(owner), candidate) or candidate in owner.__dict__):
        candidate = '%s_%d' % (name, i)
        i += 1
    return candidate


class Keras2Alias(object):
    """An attribute that an older Keras 2 release spelled differently
    (`model.input_layers`, Keras 2.2's `model._input_layers`): reading it
    gives the current record; a value a program assigns to it (the "pop the
    last layer" recipe sets `model.container_nodes`, a subclass may name
    its own attribute `output_layers`) is kept and read back instead."""

    def __init__(self, getter):
        self.getter = getter
        self.name = None

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        own = instance.__dict__
        if self.name in own:
            return own[self.name]
        modules = own.get('_modules') or {}
        if self.name in modules:
            return modules[self.name]
        return self.getter(instance)

    def __set__(self, instance, value):
        instance.__dict__[self.name] = value


def _shapes(tensors):
    return [tuple(x._keras_shape) for x in tensors]


class Network(Layer):
    """A model made of layers: functional (`Network(inputs, outputs)`) or
    subclassed (layers as attributes, a `call` method)."""

    def __init__(self, *args, **kwargs):
        if 'input' in kwargs or 'output' in kwargs:
            # Keras 1's Model(input=..., output=...), with Keras 2's warning.
            interfaces.convert(type(self).__name__, kwargs,
                               [('input', 'inputs'), ('output', 'outputs')],
                               args)
        if (len(args) == 2 or len(args) == 1 and 'outputs' in kwargs or
                'inputs' in kwargs and 'outputs' in kwargs):
            self._init_graph_network(*args, **kwargs)
        else:
            self._init_subclassed_network(**kwargs)

    def _base_init(self, name=None, trainable=True, dtype=None):
        if not name:
            # (Keras 2: the lower-case class name, 'mymodel_1'; tf.keras
            # the snake case, 'my_model'.)
            cls_name = self.__class__.__name__
            name = common.unique_layer_name(
                to_snake_case(cls_name) if common.is_tf_keras()
                else cls_name.lower())
        Layer.__init__(self, name=name, trainable=trainable,
                       **({'dtype': dtype} if dtype else {}))
        self.supports_masking = False
        self.optimizer = None
        self._is_compiled = False
        self._is_graph_network = False
        self._layers = []
        for layer in self._modules.values():
            # Layers a subclassed model assigned before calling __init__.
            if isinstance(layer, Layer) and \
                    all(layer is not l for l in self._layers):
                self._layers.append(layer)
        self._plan = []
        self.inputs = []
        self.outputs = []
        self._input_layers = []
        self._output_layers = []
        self._input_coordinates = []
        self._output_coordinates = []
        self._network_nodes = set()
        self._nodes_by_depth = {}
        self._extra_outputs = []
        self._layer_symbolic_losses = []
        self._has_gradients = False
        # Per node of the plan, the values no later node reads (freed as
        # the run goes), or None when a run keeps every value.
        self._release_after = None
        self._last_tensor_map = None
        self._keep_map = False           # keep the last tensor map
        self._graph_metrics = []         # (name, tensor, metric) of add_metric
        # Metric objects set as attributes (before __init__ too).
        self._attribute_metrics = self.__dict__.get('_attribute_metrics', [])

    def _init_subclassed_network(self, name=None, trainable=True,
                                 dtype=None, dynamic=False, autocast=True,
                                 **kwargs):
        # (tf.keras's `dynamic=True` asks for eager runs: every run here
        # is eager.)
        if kwargs:
            raise TypeError('Keyword argument not understood:',
                            sorted(kwargs)[0])
        self._base_init(name=name, trainable=trainable, dtype=dtype)
        self.built = False

    def _init_graph_network(self, inputs, outputs, name=None,
                            trainable=True, **kwargs):
        if kwargs:
            raise TypeError('Keyword argument not understood:',
                            sorted(kwargs)[0])
        self._base_init(name=name, trainable=trainable)
        inputs, self._input_keys = _flattened(inputs)
        if common.is_tf_keras() and _is_nested(inputs):
            self._nested_inputs = inputs
            inputs = _flattened_nest(inputs)
        # (tf.keras keeps a tuple of outputs a tuple: `output`, calls
        # and predictions give tuples.)
        self._output_tuple = type(outputs) if common.is_tf_keras() and \
            isinstance(outputs, tuple) else None
        outputs, self._output_keys = _flattened(outputs)
        if common.is_tf_keras() and _is_nested(outputs):
            raise NotImplementedError(
                'Nested lists of outputs (`outputs=[[a, b], c]`) are not '
                'supported: pass a flat list (`outputs=[a, b, c]`) or a '
                'dict of outputs.')
        if common.is_tf_keras() and \
                not all(_is_input_tensor(x) for x in inputs):
            inputs, outputs = _rebase_on_new_inputs(inputs, outputs)
        self._set_graph(inputs, outputs)

    def _keyed_outputs(self, outputs):
        """The outputs of a model made with a dict of outputs: that dict
        (tf.keras); made with a tuple: a tuple (tf.keras); otherwise
        `outputs` as they are."""
        keys = self.__dict__.get('_output_keys')
        if keys is None:
            kind = self.__dict__.get('_output_tuple')
            if kind is not None:
                return _as_tuple(kind, to_list(outputs, allow_tuple=True))
            return outputs
        return dict(zip(keys, to_list(outputs, allow_tuple=True)))

    def _inputs_in_order(self, inputs):
        """A dict of inputs (keyed as the model's dict of inputs, or by
        input name) as the list of the model's inputs."""
        if not isinstance(inputs, dict) or not self._is_graph_network:
            return inputs
        keys = self.__dict__.get('_input_keys')
        if keys is None or not all(k in inputs for k in keys):
            keys = self.input_names
        missing = [k for k in keys if k not in inputs]
        if missing:
            raise ValueError('Missing data for input %r. The model expects '
                             'the inputs %s.' % (missing[0], keys))
        return unpack_singleton([inputs[k] for k in keys])

    def _set_graph(self, inputs, outputs):
        inputs = to_list(inputs, allow_tuple=True)
        outputs = to_list(outputs, allow_tuple=True)
        cls_name = self.__class__.__name__
        if len(set(id(x) for x in inputs)) != len(inputs):
            raise ValueError('The list of inputs passed to the model is '
                             'redundant. All inputs should only appear '
                             'once. Found: ' + str(inputs))
        for x in inputs:
            if not getattr(x, '_is_keras_symbolic', False) or \
                    x._keras_history is None:
                raise ValueError('Input tensors to a ' + cls_name + ' must '
                                 'come from `keras.layers.Input`. Received: '
                                 + str(x) + ' (missing previous layer '
                                 'metadata).')
        for x in outputs:
            if not getattr(x, '_is_keras_symbolic', False) or \
                    x._keras_history is None:
                raise ValueError('Output tensors to a ' + cls_name + ' must '
                                 'be the output of a Keras `Layer` (thus '
                                 'holding past layer metadata). Found: ' +
                                 str(x))
        self.inputs = inputs
        self.outputs = outputs
        self._is_graph_network = True
        self._input_layers = []
        self._input_coordinates = []
        self._output_layers = []
        self._output_coordinates = []
        for x in outputs:
            layer, node_index, tensor_index = x._keras_history
            self._output_layers.append(layer)
            self._output_coordinates.append((layer, node_index,
                                             tensor_index))
        for i, x in enumerate(inputs):
            layer, node_index, tensor_index = x._keras_history
            if not isinstance(layer, InputLayer):
                raise ValueError(
                    'Input layers to a `Model` must be `InputLayer` '
                    'objects. Received inputs: {}. Input {} (0-based) '
                    'originates from layer type `{}`.'.format(
                        inputs, i, layer.__class__.__name__))
            self._input_layers.append(layer)
            self._input_coordinates.append((layer, node_index,
                                            tensor_index))
        nodes, nodes_by_depth, layers = _map_graph_network(
            inputs, outputs + self._extra_outputs)
        self._layer_symbolic_losses = _layer_symbolic_losses(
            inputs, layers, outputs + self._extra_outputs)
        if self._layer_symbolic_losses:
            nodes, nodes_by_depth, layers = _map_graph_network(
                inputs, outputs + self._extra_outputs +
                self._layer_symbolic_losses)
        self._network_nodes = nodes
        self._nodes_by_depth = nodes_by_depth
        if self._extra_outputs or self._layer_symbolic_losses:
            # The layers are those computing the outputs, as in Keras 2:
            # tensors that losses and metrics added later read (inside a
            # nested model, or through backend operations) are computed
            # by the run without becoming layers of the model (whose
            # weights, summary and files would list them twice).
            layers = _map_graph_network(inputs, outputs)[2]
        self._register_layers(layers)
        self._plan = [node for depth in sorted(nodes_by_depth, reverse=True)
                      for node in nodes_by_depth[depth]
                      if not isinstance(node.outbound_layer, InputLayer)]
        self._set_gradient_plan()
        self.input_names = [layer.name for layer in self._input_layers]
        self.output_names = _unique_output_names(self._output_layers)
        self._feed_input_names = list(self.input_names)
        self._feed_inputs = list(self.inputs)
        self._feed_input_shapes = [x._keras_shape for x in self.inputs]
        self._set_self_node()
        self.built = True
        self._after_graph_change()

    def _set_gradient_plan(self):
        """What a run needs for the `K.gradients` nodes of the graph: the
        tensors that gradients are taken with respect to (made to require
        grad when computed) and which gradient nodes are differentiated
        again (second order)."""
        from .symbolic import GradientLayer
        gradient_nodes = [node for node in self._plan
                          if isinstance(node.outbound_layer, GradientLayer)]
        self._grad_target_ids = {id(x) for node in gradient_nodes
                                 for x in node.input_tensors[1:]}
        for node in self._plan:
            # Layers whose call takes K.gradients (of their inputs, or of
            # tensors of the graph they read).
            if node.outbound_layer._uses_gradients:
                self._grad_target_ids.update(id(x)
                                             for x in node.input_tensors)
            for x in node.output_tensors:
                if getattr(x, '_gradient_requested', False):
                    self._grad_target_ids.add(id(x))
        for x in self.inputs:
            if getattr(x, '_gradient_requested', False):
                self._grad_target_ids.add(id(x))
        self._has_gradients = bool(self._grad_target_ids) or \
            bool(gradient_nodes)
        for node in gradient_nodes:
            for ancestor in _ancestor_layers(node.input_tensors[0]):
                if isinstance(ancestor, GradientLayer):
                    ancestor.higher_order = True
        self._release_after = self._release_plan()

    def _release_plan(self):
        """For each node of the plan, the ids of the values that no later
        node reads and that are not outputs: a run drops them as it goes,
        so a forward pass holds only the activations still needed (or
        saved by autograd) instead of all of them. None (keep every value)
        when something may read any value of the run: a layer whose call is
        user code (a custom class, a Lambda function) can read graph tensors
        it was not given, and gradient nodes, extra outputs and tensors read
        by losses are looked up after the node that computed them."""
        if not self._plan or self._has_gradients or self._extra_outputs \
                or self._layer_symbolic_losses or self._keep_map:
            return None
        for module in self.modules():
            if module is not self and isinstance(module, Layer) and (
                    base_layer._class_flags(type(module))['user'] or
                    getattr(module, '_runs_user_code', False)):
                return None
        last_read = {}
        for index, node in enumerate(self._plan):
            for x in node.output_tensors:
                last_read.setdefault(id(x), index)
            for x in list(node.input_tensors) + \
                    _argument_tensors(node.arguments):
                last_read[id(x)] = index
        for x in self.inputs:
            last_read.setdefault(id(x), 0)
        kept = {id(x) for x in self.outputs}
        release = [[] for _ in self._plan]
        for key, index in last_read.items():
            if key not in kept:
                release[index].append(key)
        return release

    def _gradient_parameters(self):
        """The weights that the graph's `K.gradients` nodes differentiate
        with respect to."""
        return [p for node in self._plan
                if hasattr(node.outbound_layer, 'weight_parameters')
                for p in node.outbound_layer.weight_parameters()]

    def _set_self_node(self):
        """Node 0 of a network links its own inputs to its outputs, as in
        Keras; calls of the model inside other graphs are nodes 1, 2, ...
        (the indices saved configurations refer to)."""
        node = Node(self, inbound_layers=[], node_indices=[],
                    tensor_indices=[], input_tensors=list(self.inputs),
                    output_tensors=list(self.outputs),
                    input_shapes=[x._keras_shape for x in self.inputs],
                    output_shapes=[x._keras_shape for x in self.outputs])
        self._inbound_nodes.pop()
        if self._inbound_nodes and \
                getattr(self._inbound_nodes[0], '_is_self_node', False):
            self._inbound_nodes[0] = node
        else:
            self._inbound_nodes.insert(0, node)
        node._is_self_node = True

    def _register_layers(self, layers):
        for name in list(self._modules):
            if isinstance(self._modules[name], Layer):
                del self._modules[name]
        self._layers = list(layers)
        for layer in self._layers:
            if layer is self:
                continue
            self.add_module(_module_name(self, layer), layer)

    def _after_graph_change(self):
        """Hook for subclasses (training caches) when the graph changes."""
        return None

    def __setattr__(self, name, value):
        # Subclassed models: layers assigned as attributes become part of
        # the model, in assignment order.
        if isinstance(value, Layer) and '_layers' in self.__dict__ and \
                not self.__dict__.get('_is_graph_network', False):
            if value not in self._layers:
                self._layers.append(value)
        if hasattr(type(value), 'update_state') and \
                hasattr(type(value), 'reset_states') and \
                hasattr(type(value), 'result'):
            # (A preprocessing layer, updated by adapt(), has no result.)
            # Metric objects of a subclassed model are logged in the order
            # they were created, before the metrics added in call.
            found = self.__dict__.setdefault('_attribute_metrics', [])
            if all(value is not m for m in found):
                found.append(value)
        if name in self._modules and not isinstance(value, torch.nn.Module):
            # A layer registered under a name the model now sets as an
            # attribute (keras-rl names a Lambda layer 'loss', which
            # compile sets): the layer moves to a free name.
            layer = self._modules.pop(name)
            self.add_module(_module_name(self, layer, taken=name), layer)
        super(Network, self).__setattr__(name, value)
        if name == 'outputs' and '_release_after' in self.__dict__:
            # Keras 2 code points a built model at other tensors of its
            # graph (`vgg.outputs = [vgg.layers[9].output]`); a call then
            # returns those, so a run must keep them.
            self._release_after = self._release_plan()

    # --------------------------------------------------------------- layers
    @property
    def layers(self):
        # Keras 2 hands out the network's own list (the pop-a-layer recipe
        # pops from it); tf.keras a copy.
        return list(self._layers) if common.is_tf_keras() else self._layers

    @property
    def _layers_by_depth(self):
        """Keras 2's `{depth: [layers]}` of a graph network (depth 0: the
        output layers): a layer's depth is the greatest of its nodes', each
        list in `model.layers` order."""
        depths = {}
        for depth, nodes in self._nodes_by_depth.items():
            for node in nodes:
                layer = node.outbound_layer
                depths[layer] = max(depth, depths.get(layer, depth))
        by_depth = {}
        for layer in self._layers:
            if layer in depths:
                by_depth.setdefault(depths[layer], []).append(layer)
        return by_depth

    # Keras 2.0-2.1 names of the graph records (renamed in Keras 2.2).
    input_layers = Keras2Alias(lambda self: self._input_layers)
    output_layers = Keras2Alias(lambda self: self._output_layers)
    input_layers_node_indices = Keras2Alias(
        lambda self: [c[1] for c in self._input_coordinates])
    input_layers_tensor_indices = Keras2Alias(
        lambda self: [c[2] for c in self._input_coordinates])
    output_layers_node_indices = Keras2Alias(
        lambda self: [c[1] for c in self._output_coordinates])
    output_layers_tensor_indices = Keras2Alias(
        lambda self: [c[2] for c in self._output_coordinates])
    layers_by_depth = Keras2Alias(lambda self: self._layers_by_depth)
    nodes_by_depth = Keras2Alias(lambda self: self._nodes_by_depth)
    container_nodes = Keras2Alias(lambda self: self._network_nodes)
    _container_nodes = Keras2Alias(lambda self: self._network_nodes)
    internal_input_shapes = Keras2Alias(lambda self: _shapes(self.inputs))
    internal_output_shapes = Keras2Alias(lambda self: _shapes(self.outputs))
    _internal_input_shapes = Keras2Alias(lambda self: _shapes(self.inputs))
    _internal_output_shapes = Keras2Alias(
        lambda self: _shapes(self.outputs))

    def get_layer(self, name=None, index=None):
        """A layer by name or by index in `model.layers`."""
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError('Was asked to retrieve layer at index ' +
                                 str(index) + ' but model only has ' +
                                 str(len(self.layers)) + ' layers.')
            return self.layers[index]
        if not name:
            raise ValueError('Provide either a layer name or layer index.')
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError('No such layer: ' + name + '. Existing layers are: '
                         + str([l.name for l in self.layers]) + '.')

    def _sublayers(self):
        if base_layer._class_flags(self.__class__)['user']:
            self._track_containers()
        return list(self._layers)

    @property
    def input(self):
        if self._is_graph_network:
            keys = self.__dict__.get('_input_keys')
            if keys is not None:
                return dict(zip(keys, self.inputs))
            nested = self.__dict__.get('_nested_inputs')
            return unpack_singleton(nested or self.inputs)
        return Layer.input.fget(self)

    @property
    def output(self):
        if self._is_graph_network:
            if self.__dict__.get('_output_keys') is not None or \
                    self.__dict__.get('_output_tuple'):
                return self._keyed_outputs(self.outputs)
            return unpack_singleton(self.outputs)
        return Layer.output.fget(self)

    @property
    def input_shape(self):
        if self._is_graph_network:
            return unpack_singleton([x._keras_shape for x in self.inputs])
        return Layer.input_shape.fget(self)

    @property
    def output_shape(self):
        if self._is_graph_network:
            shapes = [x._keras_shape for x in self.outputs]
            if self.__dict__.get('_output_keys') is not None or \
                    self.__dict__.get('_output_tuple'):
                return self._keyed_outputs(shapes)
            return unpack_singleton(shapes)
        return Layer.output_shape.fget(self)

    @property
    def stateful(self):
        return any(getattr(layer, 'stateful', False)
                   for layer in self.layers)

    @stateful.setter
    def stateful(self, value):
        pass

    def reset_states(self):
        for layer in self.layers:
            if hasattr(layer, 'reset_states') and \
                    getattr(layer, 'stateful', False):
                layer.reset_states()

    def _state_update_variables(self):
        found = []
        for layer in self.layers:
            found += layer.updates
        return found

    @property
    def input_spec(self):
        """None: as in Keras 2, a model called on new tensors leaves the
        checks to its layers, so a model built for (None, 100) also runs
        on (None, 1, 100) when its layers accept that."""
        return None

    @input_spec.setter
    def input_spec(self, value):
        pass

    @property
    def uses_learning_phase(self):
        return self.__dict__.get('_uses_learning_phase', False) or any(
            getattr(x, '_uses_learning_phase', False)
            for x in self.outputs or ()) or any(
            _layer_uses_learning_phase(layer) for layer in self._layers
            if layer is not self)

    @uses_learning_phase.setter
    def uses_learning_phase(self, value):
        self.__dict__['_uses_learning_phase'] = bool(value)

    def _uses_dynamic_learning_phase(self):
        """Keras 2.2's test of whether the training function takes the
        learning phase as an input (scripts that build their own training
        function, as keras-lookahead's `inject`, ask it): never here, where
        `K.learning_phase()` is an int set by the running loop."""
        return self.uses_learning_phase and \
            not isinstance(K.learning_phase(), int)

    # ------------------------------------------------ graph losses/metrics
    def add_loss(self, losses, inputs=None):
        """Adds losses: symbolic tensors of this model's graph (computed on
        every forward pass, e.g. a VAE's KL term), tensors or callables."""
        from .symbolic import SymbolicLoss, is_symbolic
        plain = []
        for loss in to_list(losses, allow_tuple=True):
            if is_symbolic(loss):
                self._add_extra_output(loss)
                self._loss_fns.append(SymbolicLoss(loss, self))
            else:
                _check_eager_loss(loss)
                plain.append(loss)
        if plain:
            Layer.add_loss(self, plain, inputs)

    def add_metric(self, value, name=None, aggregation=None):
        """Adds a metric: a symbolic tensor of this model's graph, logged
        (averaged over the epoch) under `name`, or the result of a metric
        object called on such tensors, logged under the metric's name."""
        from .base_layer import _added_metric_name
        from .symbolic import is_symbolic
        if not is_symbolic(value):
            return Layer.add_metric(self, value, name, aggregation)
        name = _added_metric_name(value, name, aggregation)
        self._add_extra_output(value)
        self._graph_metrics = self._graph_metrics + \
            [(name, value, getattr(value, '_metric_obj', None))]

    def _add_extra_output(self, tensor):
        if not self._is_graph_network:
            raise ValueError('Symbolic losses and metrics can only be added '
                             'to a functional or Sequential model built on '
                             'its inputs.')
        if all(tensor is not t for t in self._extra_outputs):
            self._extra_outputs.append(tensor)
            self._set_graph(self.inputs, self.outputs)

    # -------------------------------------------------------------- running
    def __call__(self, inputs, *args, **kwargs):
        if isinstance(inputs, dict) and self._is_graph_network:
            inputs = self._inputs_in_order(inputs)
        if self.__dict__.get('_output_keys') is not None or \
                self.__dict__.get('_output_tuple'):
            return self._keyed_outputs(
                self._call_in_order(inputs, *args, **kwargs))
        outputs = self._call_in_order(inputs, *args, **kwargs)
        if self.__dict__.get('_deferred_compile') is not None:
            self._recompile_for_outputs(outputs)
        return outputs

    def _in_input_types(self, inputs):
        """Floating tensors in the floating type of the model's Input they
        feed (float64 data for a float32 Input), as tf.keras casts
        them."""
        single = isinstance(inputs, torch.Tensor)
        values = [inputs] if single else inputs
        if not isinstance(values, (list, tuple)) or \
                len(values) != len(self.inputs):
            return inputs
        cast = []
        for value, symbolic in zip(values, self.inputs):
            if isinstance(value, torch.Tensor) and \
                    value.is_floating_point() and symbolic.dtype:
                wanted = K.torch_dtype(symbolic.dtype)
                if wanted.is_floating_point and wanted != value.dtype:
                    value = value.to(wanted)
            cast.append(value)
        return cast[0] if single else type(values)(cast)

    def _call_in_order(self, inputs, *args, **kwargs):
        if base_layer._is_symbolic(inputs):
            return Layer.__call__(self, inputs, *args, **kwargs)
        if call_context.current() is not None or (
                variable_graph.recording() and
                variable_graph.involves_variables((inputs,), {})):
            return Layer.__call__(self, inputs, *args, **kwargs)
        if self.built:
            if type(inputs) is not torch.Tensor:
                inputs = base_layer._to_tensors(inputs)
            inputs = base_layer._onto_weight_device(self, inputs)
        if not self._is_graph_network:
            inputs = base_layer._float64_cast_down(self, inputs)
        elif self.built:
            inputs = self._in_input_types(inputs)
        context = call_context.enter()
        try:
            return Layer.__call__(self, inputs, *args, **kwargs)
        finally:
            call_context.leave()
            self._last_call_context = context

    def call(self, inputs, training=None, mask=None):
        if not self._is_graph_network:
            raise NotImplementedError(
                'Subclassed models must implement `call(self, inputs)`.')
        return self._run_in_mode(self._run_graph, inputs, training, mask)

    def _run_in_mode(self, run, inputs, training, mask):
        """`run(inputs, mask)` in the mode `training` asks for (the
        model's own when None), its layers switched for the call."""
        training = common.training_flag(training)
        if training is None:
            return run(inputs, mask)
        with common.model_training(training):
            if bool(training) == self.training:
                return run(inputs, mask)
            was = self.training
            self.train(bool(training))
            try:
                return run(inputs, mask)
            finally:
                self.train(was)

    def _run_graph(self, inputs, masks=None):
        inputs = to_list(inputs, allow_tuple=True)
        if len(inputs) != len(self.inputs):
            raise ValueError(
                'Model %s expects %d input(s) (%s) but received %d.'
                % (self.name, len(self.inputs), self.input_names,
                   len(inputs)))
        tensor_map = {}
        masks = to_list(masks) if masks is not None else None
        for i, (symbolic, value) in enumerate(zip(self.inputs, inputs)):
            if not isinstance(value, torch.Tensor) and \
                    not K.is_sparse(value):
                value = base_layer._to_tensors(np.asarray(value))
            if getattr(symbolic, 'sparse', False) and \
                    not K.is_sparse(value):
                from ..tensorflow_sparse_graph import sparse_of_dense
                value = sparse_of_dense(value)
            if masks is not None and masks[i] is not None:
                value._keras_mask = masks[i]
            tensor_map[id(symbolic)] = value
        from . import symbolic as graph
        with graph.running(graph.RunValues(tensor_map)):
            if self._has_gradients:
                with torch.enable_grad():
                    self._run_plan(tensor_map, self._grad_target_ids)
            else:
                self._run_plan(tensor_map, ())
        if self._extra_outputs or self.__dict__.get('_keep_map'):
            self._last_tensor_map = tensor_map
        for tensor in self._layer_symbolic_losses:
            graph._latest_values[id(tensor)] = tensor_map[id(tensor)]
        results = [tensor_map[id(x)] for x in self.outputs]
        return results[0] if len(results) == 1 else results

    def _run_plan(self, tensor_map, grad_targets):
        if grad_targets:
            for key in grad_targets:
                if key in tensor_map:
                    tensor_map[key] = _requiring_grad(tensor_map[key])
        # A K.function run reads the whole map afterwards (`_keep_map`).
        release = None if self._keep_map else self._release_after
        for index, node in enumerate(self._plan):
            layer = node.outbound_layer
            args = [tensor_map[id(x)] for x in node.input_tensors]
            kwargs = node.arguments
            if kwargs:
                kwargs = _resolve_arguments(kwargs, tensor_map)
            if not args:
                # A node without inputs (one a layer made by hand, its
                # output a variable): Keras 2 ran `layer.call([])`.
                outputs = layer.call([], **kwargs)
            else:
                outputs = layer(args if len(args) > 1 else args[0],
                                **kwargs)
            if isinstance(outputs, dict):
                outputs = _dict_in_order(layer, outputs)
            elif not isinstance(outputs, (list, tuple)):
                outputs = [outputs]
            for symbolic, value in zip(node.output_tensors, outputs):
                key = id(symbolic)
                tensor_map[key] = _requiring_grad(value) \
                    if key in grad_targets else value
            if release is not None:
                for key in release[index]:
                    tensor_map.pop(key, None)

    def compute_output_shape(self, input_shape):
        if not self._is_graph_network:
            return super(Network, self).compute_output_shape(input_shape)
        shapes = to_list(input_shape) if isinstance(input_shape, list) \
            else [input_shape]
        expected = [x._keras_shape for x in self.inputs]
        if len(shapes) != len(expected):
            raise ValueError('Invalid input_shape argument ' +
                             str(input_shape) + ': model has ' +
                             str(len(expected)) + ' tensor inputs.')
        batch = shapes[0][0] if shapes and shapes[0] else None
        if all(tuple(s[1:]) == tuple(e[1:]) for s, e in
               zip(shapes, expected)):
            outs = [(batch,) + tuple(x._keras_shape[1:])
                    for x in self.outputs]
        else:
            outs = self._propagate_shapes(shapes)
        if self.__dict__.get('_output_tuple'):
            return tuple(outs)
        return outs if len(outs) > 1 else outs[0]

    def _propagate_shapes(self, shapes):
        shape_map = {id(x): tuple(s) for x, s in zip(self.inputs, shapes)}
        for node in self._plan:
            in_shapes = [shape_map[id(x)] for x in node.input_tensors]
            layer = node.outbound_layer
            out = layer.compute_output_shape(
                in_shapes if len(in_shapes) > 1 else in_shapes[0])
            out = out if isinstance(out, list) else [out]
            for symbolic, s in zip(node.output_tensors, out):
                shape_map[id(symbolic)] = tuple(s)
        return [shape_map[id(x)] for x in self.outputs]

    def compute_mask(self, inputs, mask=None):
        """The masks of the model's outputs for `inputs` (one per output,
        a list when there are several): None where no layer masks."""
        if not self._is_graph_network:
            return None
        from .symbolic import apply_op, is_symbolic
        inputs = to_list(inputs, allow_tuple=True)
        if not any(is_symbolic(x) for x in inputs):
            masks = self._output_masks(inputs)
        else:
            # Which outputs carry a mask: seen on a one-sample probe.
            probe = self._output_masks([
                torch.zeros([1 if d is None else d for d in
                             (1,) + tuple(x._keras_shape[1:])],
                            dtype=K.torch_dtype(x.dtype),
                            device=K.get_device()) for x in inputs])
            masks = [None if m is None else apply_op(
                lambda *xs, i=i: self._output_masks(list(xs))[i].to(
                    K.torch_dtype(K.floatx())),
                inputs, name='compute_mask')
                for i, m in enumerate(probe)]
        return masks if len(masks) > 1 else masks[0]

    def _output_masks(self, inputs):
        with torch.no_grad():
            outputs = to_list(self(inputs if len(inputs) > 1 else inputs[0]),
                              allow_tuple=True)
        return [getattr(o, '_keras_mask', None) for o in outputs]

    def _build_for(self, inputs):
        if self._is_graph_network or type(self).build is not Network.build:
            return super()._build_for(inputs)
        # tf.keras builds a subclassed model on its first call by running
        # that call: the build sees these inputs, not zeros the model may
        # refuse (a sequence mask of nothing but padding).
        self.__dict__['_keras_build_inputs'] = inputs
        try:
            return super()._build_for(inputs)
        finally:
            self.__dict__.pop('_keras_build_inputs', None)

    def build(self, input_shape=None):
        """Builds a subclassed model by calling it on zero inputs of
        `input_shape`."""
        if self._is_graph_network:
            self.built = True
            return
        if input_shape is None:
            raise ValueError('You must provide an `input_shape` argument.')
        keys = list(input_shape) if isinstance(input_shape, dict) else None
        shapes = [input_shape[k] for k in keys] if keys is not None else \
            input_shape if isinstance(input_shape, list) else [input_shape]
        self.built = True
        given = self.__dict__.pop('_keras_build_inputs', None)
        if given is not None:
            with torch.no_grad():
                self(given)
            return
        # Unknown sizes are 1 first; a model that needs a minimum size
        # there (a fully convolutional one built for (None, None, None,
        # 3)) is tried with larger ones, as tf.keras builds without data.
        for size in _UNKNOWN_SIZE_TRIES:
            dummies = [torch.zeros(
                [(1 if i == 0 else size) if d is None else d
                 for i, d in enumerate(s)], device=K.get_device())
                for s in shapes]
            try:
                with torch.no_grad():
                    if keys is not None:
                        self(dict(zip(keys, dummies)))
                    else:
                        self(dummies if len(dummies) > 1 else dummies[0])
                return
            except (RuntimeError, ValueError):
                if size == _UNKNOWN_SIZE_TRIES[-1] or not any(
                        d is None for s in shapes for d in s[1:]):
                    self.built = False
                    raise

    # --------------------------------------------------------------- config
    def get_config(self):
        if not self._is_graph_network:
            raise NotImplementedError(
                'get_config is defined for functional and Sequential models;'
                ' a subclassed model must implement it itself.')
        config = {'name': self.name}
        node_conversion_map = {}
        for layer in self.layers:
            kept_nodes = 1 if isinstance(layer, Network) else 0
            for original_node_index, node in enumerate(
                    layer._inbound_nodes):
                key = _node_key(layer, original_node_index)
                if key in self._network_nodes:
                    node_conversion_map[key] = kept_nodes
                    kept_nodes += 1
        layer_configs = []
        for layer in self.layers:
            filtered_inbound_nodes = []
            for original_node_index, node in enumerate(
                    layer._inbound_nodes):
                key = _node_key(layer, original_node_index)
                if key not in self._network_nodes:
                    continue
                kwargs = {}
                if node.arguments:
                    arguments = _serialized_arguments(
                        node.arguments, node_conversion_map)
                    try:
                        json.dumps(arguments)
                        kwargs = arguments
                    except TypeError:
                        warnings.warn('Layer ' + layer.name + ' was passed '
                                      'non-serializable keyword arguments: '
                                      + str(node.arguments) + '. They will '
                                      'not be included in the serialized '
                                      'model.')
                serialized_node = getattr(layer, 'serialized_node', None)
                if serialized_node is not None and \
                        getattr(layer, 'symbol', None):
                    filtered_inbound_nodes.append(serialized_node(
                        functools.partial(_tensor_reference,
                                          conversion=node_conversion_map)))
                elif node.inbound_layers:
                    node_data = []
                    for inbound_layer, node_index, tensor_index in zip(
                            node.inbound_layers, node.node_indices,
                            node.tensor_indices):
                        new_index = node_conversion_map.get(
                            _node_key(inbound_layer, node_index), 0)
                        node_data.append([inbound_layer.name, new_index,
                                          tensor_index, kwargs])
                    filtered_inbound_nodes.append(node_data)
            layer_configs.append({
                'name': layer.name,
                'class_name': config_class_name(layer),
                'config': layer.get_config(),
                'inbound_nodes': filtered_inbound_nodes,
            })
        config['layers'] = layer_configs
        config['input_layers'] = _keyed_config(
            self._coordinates_config(self._input_layers,
                                     self._input_coordinates,
                                     node_conversion_map),
            self.__dict__.get('_input_keys'))
        config['output_layers'] = _keyed_config(
            self._coordinates_config(self._output_layers,
                                     self._output_coordinates,
                                     node_conversion_map),
            self.__dict__.get('_output_keys'))
        if self.__dict__.get('_output_tuple'):
            config['output_layers'] = tuple(config['output_layers'])
        return copy.deepcopy(config)

    def _coordinates_config(self, layers, coordinates, conversion):
        result = []
        for layer, (_, node_index, tensor_index) in zip(layers, coordinates):
            key = _node_key(layer, node_index)
            if key not in self._network_nodes:
                continue
            result.append([layer.name, conversion[key], tensor_index])
        return result

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuilds a functional model from `get_config()` output; a
        subclass's own config (without `layers`) goes to its constructor,
        as tf.keras does."""
        from ..layers import deserialize as deserialize_layer
        if isinstance(config, dict) and 'layers' not in config:
            try:
                return cls(**config)
            except TypeError as error:
                raise TypeError(
                    'Unable to revive model %s from config: %s. Define '
                    'get_config() and from_config() in the class.'
                    % (cls.__name__, error))
        created_layers = {}
        unprocessed_nodes = {}

        def process_node(layer, node_data):
            input_tensors = []
            kwargs = {}
            for input_data in node_data:
                inbound_layer_name, inbound_node_index, tensor_index = \
                    input_data[:3]
                if len(input_data) == 4:
                    kwargs = _deserialized_arguments(input_data[3] or {},
                                                     created_layers)
                elif len(input_data) != 3:
                    raise ValueError('Improperly formatted model config.')
                inbound_layer = created_layers[inbound_layer_name]
                if len(inbound_layer._inbound_nodes) <= inbound_node_index:
                    raise LookupError
                inbound_node = inbound_layer._inbound_nodes[
                    inbound_node_index]
                input_tensors.append(
                    inbound_node.output_tensors[tensor_index])
            if input_tensors:
                layer(unpack_singleton(input_tensors), **kwargs)

        for layer_data in config['layers']:
            layer = deserialize_layer(layer_data,
                                      custom_objects=custom_objects)
            created_layers[layer_data['name']] = layer
            for node_data in layer_data['inbound_nodes']:
                unprocessed_nodes.setdefault(layer, []).append(node_data)
        while unprocessed_nodes:
            progressed = False
            for layer_data in config['layers']:
                layer = created_layers[layer_data['name']]
                if layer not in unprocessed_nodes:
                    continue
                pending = unprocessed_nodes[layer]
                done = 0
                while done < len(pending):
                    try:
                        process_node(layer, pending[done])
                    except LookupError:
                        break
                    done += 1
                    progressed = True
                if done < len(pending):
                    unprocessed_nodes[layer] = pending[done:]
                else:
                    del unprocessed_nodes[layer]
            if not progressed:
                raise ValueError('Improperly formatted model config: some '
                                 'layers cannot be connected: ' +
                                 str([l.name for l in unprocessed_nodes]))

        def tensors(entries):
            if isinstance(entries, dict):
                # (tf.keras: a model made with dicts of inputs/outputs.)
                return {key: tensors([entry])[0]
                        for key, entry in entries.items()}
            result = []
            for layer_name, node_index, tensor_index in entries:
                layer = created_layers[layer_name]
                result.append(layer._inbound_nodes[node_index]
                              .output_tensors[tensor_index])
            return tuple(result) if isinstance(entries, tuple) else result
        return cls(inputs=tensors(config['input_layers']),
                   outputs=tensors(config['output_layers']),
                   name=config.get('name'))

    def _updated_config(self):
        from .. import KERAS_API_VERSION
        return {'class_name': config_class_name(self),
                'config': self.get_config(),
                'keras_version': KERAS_API_VERSION,
                'backend': 'tensorflow'}

    def to_json(self, **kwargs):
        """The model configuration as a JSON string (Keras 2 format).
        tf.keras also writes the functions and Keras objects a custom
        layer's config holds (by name, by class and config); Keras 2
        refuses them."""
        if common.is_tf_keras():
            from ..saving.hdf5 import get_json_type as tf_keras_json_type
            return json.dumps(self._updated_config(),
                              default=tf_keras_json_type, **kwargs)

        def get_json_type(obj):
            if type(obj).__module__ == np.__name__:
                if isinstance(obj, np.ndarray):
                    return obj.tolist()
                return obj.item()
            if type(obj).__name__ == type.__name__:
                return obj.__name__
            raise TypeError('Not JSON Serializable:', obj)
        return json.dumps(self._updated_config(), default=get_json_type,
                          **kwargs)

    def to_yaml(self, **kwargs):
        try:
            import yaml
        except ImportError:
            raise ImportError('`to_yaml` requires PyYAML '
                              '(`pip install pyyaml`).')
        return yaml.dump(json.loads(self.to_json()), **kwargs)

    # --------------------------------------------------------------- saving
    def save(self, filepath, overwrite=True, include_optimizer=True,
             save_format=None, signatures=None, options=None,
             save_traces=True):
        """Saves architecture, weights and optimizer state to one Keras 2
        HDF5 file, or, for a name ending in `.keras` or
        `save_format='keras'`, to the `.keras` archive tf_keras 2.13+
        writes. In a tf.keras program any other name (or
        `save_format='tf'`) is a SavedModel directory, as tf.keras
        writes (`saving.saved_model_directory`); `save_format='h5'`
        writes HDF5 under any name. `load_model` reads each back
        (`save_traces` is about TensorFlow's traced functions, which none
        of them has)."""
        from ..saving import hdf5
        hdf5.save_model(self, filepath, overwrite, include_optimizer,
                        save_format, signatures, options)

    def save_weights(self, filepath, overwrite=True, save_format=None,
                     options=None):
        """Saves the weights in the Keras 2 HDF5 layout (whatever
        tf.keras `save_format` names); a name ending in `.weights.h5` gets
        the per-object layout of tf_keras 2.13+ and Keras 3. In a tf.keras
        program another name is a checkpoint prefix, written under
        TensorFlow's checkpoint (`prefix.index`,
        `prefix.data-00000-of-00001`, the `checkpoint` file), which
        TensorFlow reads too."""
        from ..saving import hdf5, saved_model_directory
        _check_save_options(save_format, None, options)
        filepath = saved_model_directory.local_path(filepath,
                                                    create_parent=True)
        if common.is_tf_keras() and save_format != 'h5' and \
                _is_checkpoint_name(filepath):
            from .. import tensorflow_checkpoint
            tensorflow_checkpoint.save_model_weights(self, filepath)
            _write_checkpoint_state(filepath)
            return
        hdf5.save_weights(self, filepath, overwrite)

    def load_weights(self, filepath, by_name=False,
                     skip_mismatch=False, reshape=False, options=None):
        """Loads weights from a Keras 2 HDF5 file (topologically, or by
        layer name with `by_name=True`), a `.weights.h5` file or a
        `.keras` archive of tf_keras 2.13+ / Keras 3 (by object path), a
        checkpoint prefix or a SavedModel directory written by
        `save_weights` / `save`. Returns a status object with tf.keras's
        checkpoint assertions (`assert_consumed`, `expect_partial`, ...),
        which hold once the load returned."""
        from ..saving import hdf5, saved_model_directory
        _check_save_options(None, None, options)
        filepath = saved_model_directory.weights_source(filepath)
        filepath = _checkpoint_weights_file(filepath)
        status = hdf5.load_weights(self, filepath, by_name=by_name,
                                   skip_mismatch=skip_mismatch,
                                   reshape=reshape)
        # (A TensorFlow checkpoint's status checks what was matched.)
        return status if isinstance(status, _LoadStatus) else _LoadStatus()

    def summary(self, line_length=None, positions=None, print_fn=None,
                **tf_keras_options):
        """Prints the Keras layer table with output shapes and parameter
        counts (in a tf.keras program tf.keras's table, which also takes
        `expand_nested`, `show_trainable` and `layer_range`)."""
        if not self.built and common.is_tf_keras():
            raise ValueError(
                'This model has not yet been built. Build the model first '
                'by calling `build()` or by calling the model on a batch of '
                'data.')
        if not self.built:
            raise ValueError(
                'This model has not yet been built. Build the model first '
                'by calling build() or calling fit() with some data. Or '
                'specify input_shape or batch_input_shape in the first '
                'layer for automatic build.')
        return layer_utils.print_summary(self, line_length=line_length,
                                         positions=positions,
                                         print_fn=print_fn,
                                         **tf_keras_options)

    def extra_repr(self):
        return 'name=%r' % self.name


def _check_save_options(save_format, signatures, options):
    if save_format not in (None, 'tf', 'h5', 'keras', 'keras_v3'):
        raise ValueError('Unknown format. Received: `save_format`=%s. '
                         'Expected "tf", "h5" or "keras".' % (save_format,))
    for name, value in (('signatures', signatures), ('options', options)):
        if value is not None:
            raise NotImplementedError(
                'save/load with %s=...: TensorFlow serving signatures and '
                'save options have no counterpart in the HDF5 file '
                'keras_compat writes; leave the argument out.' % name)


class _LoadStatus(object):
    """What tf.keras's `load_weights` returns for a TensorFlow checkpoint:
    every weight was loaded, or the load raised."""

    def assert_consumed(self):
        return self

    def assert_existing_objects_matched(self):
        return self

    def assert_nontrivial_match(self):
        return self

    def expect_partial(self):
        return self

    def run_restore_ops(self, session=None):
        return None

    def initialize_or_restore(self, session=None):
        return None


def _layer_uses_learning_phase(layer):
    """Whether a layer computes differently in training (Keras 2 marked
    its outputs so): one that says so, a recurrent layer with dropout,
    a model holding such a layer, or a layer whose call takes `training`
    (Dropout, BatchNormalization, the noise layers)."""
    said = layer.__dict__.get('_uses_learning_phase')
    if said is not None:
        return said
    if isinstance(layer, Network):
        return layer.uses_learning_phase
    if hasattr(layer, 'recurrent_dropout'):
        return bool((getattr(layer, 'dropout', 0) or 0) +
                    (layer.recurrent_dropout or 0))
    return base_layer._class_flags(type(layer))['names_training']


def _requiring_grad(value):
    """`value` as a tensor that gradients can be taken with respect to."""
    if not isinstance(value, torch.Tensor) or value.requires_grad or \
            not value.is_floating_point():
        return value
    mask = getattr(value, '_keras_mask', None)
    value = value.detach().requires_grad_(True)
    if mask is not None:
        value._keras_mask = mask
    return value


def _layer_symbolic_losses(inputs, layers, outputs):
    """The symbolic tensors that layers of the graph added as losses
    (`layer.add_loss(tensor)` outside a call) and that the graph's inputs
    compute: the network computes them on each run."""
    found = []
    for layer in layers:
        for fn in layer.__dict__.get('_loss_fns', ()):
            tensor = getattr(fn, 'tensor', None)
            if not isinstance(fn, base_layer._SymbolicLoss) or \
                    any(tensor is t for t in outputs + found):
                continue
            try:
                _map_graph_network(inputs, [tensor])
            except ValueError:
                continue
            found.append(tensor)
    return found


def _ancestor_layers(tensor):
    """The layers whose calls `tensor` was computed from (its own layer
    included), each once."""
    seen, found, stack = set(), [], [tensor]
    while stack:
        x = stack.pop()
        history = getattr(x, '_keras_history', None)
        if not history:
            continue
        layer, node_index, _ = history
        key = (id(layer), node_index)
        if key in seen:
            continue
        seen.add(key)
        found.append(layer)
        stack.extend(layer._inbound_nodes[node_index].input_tensors)
    return found


def _argument_tensors(kwargs):
    """The symbolic tensors among a node's call arguments."""
    found = []

    def collect(value):
        if getattr(value, '_is_keras_symbolic', False):
            found.append(value)
        elif isinstance(value, (list, tuple)):
            for v in value:
                collect(v)
    for value in (kwargs or {}).values():
        collect(value)
    return found


def _tensor_reference(tensor, conversion):
    """[layer name, node index, tensor index] of a graph tensor, with the
    node index as the model's config numbers it."""
    layer, node_index, tensor_index = tensor._keras_history
    return [layer.name, conversion.get(_node_key(layer, node_index), 0),
            tensor_index]


def _serialized_arguments(kwargs, node_conversion_map):
    """Call arguments for a config: a graph tensor as tf.keras writes it,
    [layer name, node index, tensor index]."""
    def serialize(value):
        if getattr(value, '_is_keras_symbolic', False) and \
                getattr(value, '_keras_history', None):
            return _tensor_reference(value, node_conversion_map)
        if isinstance(value, (list, tuple)):
            return [serialize(v) for v in value]
        return value
    return {k: serialize(v) for k, v in kwargs.items()}


def _deserialized_arguments(kwargs, created_layers):
    """Call arguments from a config, references to graph tensors made
    tensors again (LookupError while the referenced node does not exist
    yet)."""
    def is_reference(value):
        return isinstance(value, list) and len(value) == 3 and \
            isinstance(value[0], str) and value[0] in created_layers and \
            all(isinstance(v, int) and not isinstance(v, bool)
                for v in value[1:])

    def deserialize(value):
        if is_reference(value):
            layer = created_layers[value[0]]
            if len(layer._inbound_nodes) <= value[1]:
                raise LookupError
            return layer._inbound_nodes[value[1]].output_tensors[value[2]]
        if isinstance(value, list):
            return [deserialize(v) for v in value]
        if isinstance(value, dict) and value.get('class_name') == \
                '__tuple__' and isinstance(value.get('items'), list):
            # (A tuple as tf.keras's SavedModel metadata writes it.)
            return tuple(deserialize(v) for v in value['items'])
        if isinstance(value, dict) and 'class_name' not in value:
            return {k: deserialize(v) for k, v in value.items()}
        return value
    return {k: deserialize(v) for k, v in kwargs.items()}


def _node_sources(node):
    """(layer, node index) of each tensor a node reads: its inputs and the
    graph tensors among its call arguments."""
    sources = list(zip(node.inbound_layers, node.node_indices))
    for x in _argument_tensors(node.arguments):
        history = getattr(x, '_keras_history', None)
        if history:
            sources.append((history[0], history[1]))
    return sources


def _computing_source(node, input_ids):
    """The node that computed the tensor given to `Input(tensor=...)`, for
    a graph whose inputs do not include that tensor (a K.function fed the
    placeholder it was computed from): the graph reaches through the
    input layer to it, as TensorFlow's graph did."""
    layer = node.outbound_layer
    history = getattr(layer, '_source_history', None)
    if history is None or id(node.output_tensors[0]) in input_ids:
        return []
    return [(history[0], history[1])]


def _resolve_arguments(kwargs, tensor_map):
    def resolve(value):
        if getattr(value, '_is_keras_symbolic', False):
            return tensor_map[id(value)]
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if isinstance(value, tuple):
            return tuple(resolve(v) for v in value)
        return value
    return {k: resolve(v) for k, v in kwargs.items()}


# The sizes a subclassed model's build tries for unknown dimensions.
_UNKNOWN_SIZE_TRIES = (1, 32, 128)


def config_class_name(layer):
    """The class name a config gives `layer`: tf.keras calls a model made
    with `Model(inputs, outputs)` 'Functional' (in a tf.keras program)."""
    name = getattr(layer, '_config_class_name', None) or \
        layer.__class__.__name__
    if name == 'Model' and common.is_tf_keras() and \
            layer.__dict__.get('_is_graph_network', False):
        return 'Functional'
    return name


def _flattened(structure):
    """(list, keys): a dict's values in the order of its sorted keys (as
    tf.keras flattens a model's dict of inputs or outputs) and those
    keys; anything else as a list, and None."""
    if isinstance(structure, dict):
        keys = sorted(structure)
        return [structure[k] for k in keys], keys
    return to_list(structure, allow_tuple=True), None


def _as_tuple(kind, items):
    """`items` as a tuple of type `kind` (a named tuple's fields)."""
    return kind(*items) if hasattr(kind, '_fields') else kind(items)


def _is_nested(entries):
    return any(isinstance(x, (list, tuple)) for x in entries)


def _flattened_nest(entries):
    """The tensors of nested lists or tuples in order: tf.keras takes
    `Model([model.inputs], ...)` (a list holding the list of inputs) as
    those inputs."""
    flat = []
    for x in entries:
        flat.extend(_flattened_nest(x) if isinstance(x, (list, tuple))
                    else [x])
    return flat


def _dict_in_order(layer, outputs):
    """The values of a dict of outputs (of a model made with one) in the
    order of the model's outputs."""
    keys = getattr(layer, '__dict__', {}).get('_output_keys') or \
        list(outputs)
    return [outputs[k] for k in keys]


def _keyed_config(entries, keys):
    """tf.keras writes the inputs or outputs of a model made with a dict
    as a dict of coordinates."""
    return entries if keys is None else dict(zip(keys, entries))


def _unique_output_names(layers):
    return unique_names([layer.name for layer in layers])


def _is_input_tensor(x):
    history = getattr(x, '_keras_history', None)
    return history is not None and isinstance(history[0], InputLayer)


def _rebase_on_new_inputs(inputs, outputs):
    """tf.keras's Functional on inputs that are outputs of other layers
    (`keras.Model(feature_space.get_encoded_features(), outputs)`): each
    such input becomes a new Input of its shape and dtype, and the layers
    between the inputs and the outputs are called again on them (shared
    layers: no new weights); the layers before the inputs are not part of
    the model."""
    from .input_layer import Input
    replaced = {}
    new_inputs = []
    for x in inputs:
        if _is_input_tensor(x):
            new_inputs.append(x)
            continue
        new = Input(batch_shape=tuple(x._keras_shape), dtype=x.dtype)
        replaced[id(x)] = new
        new_inputs.append(new)
    new_outputs = [_replay_towards(x, replaced) for x in outputs]
    return new_inputs, new_outputs


def _replay_towards(tensor, replaced):
    """`tensor` computed again from the tensors of `replaced` (id -> new
    tensor), by calling each layer of its history on the new tensors."""
    if id(tensor) in replaced:
        return replaced[id(tensor)]
    layer, node_index, tensor_index = tensor._keras_history
    if isinstance(layer, InputLayer):
        return tensor
    node = layer._inbound_nodes[node_index]
    args = [_replay_towards(x, replaced) for x in node.input_tensors]
    if all(a is x for a, x in zip(args, node.input_tensors)):
        return tensor
    outputs = to_list(layer(args[0] if len(args) == 1 else args,
                            **node.arguments))
    for old, new in zip(node.output_tensors, outputs):
        replaced[id(old)] = new
    return replaced[id(tensor)]


def _map_graph_network(inputs, outputs):
    """Layers and nodes between `inputs` and `outputs`, ordered by depth as
    Keras orders `model.layers`; checks the graph is connected and names are
    unique."""
    network_nodes = set()
    nodes_depths = {}
    layers_depths = {}
    layer_indices = {}
    nodes_in_decreasing_depth = []
    input_ids = {id(x) for x in inputs}

    def sources(node):
        return _node_sources(node) + _computing_source(node, input_ids)

    def build_map(layer, node_index, finished_nodes, nodes_in_progress):
        node = layer._inbound_nodes[node_index]
        if node in nodes_in_progress:
            raise ValueError('The tensor at layer "' + layer.name +
                             '" is part of a cycle.')
        if node in finished_nodes:
            return
        network_nodes.add(_node_key(layer, node_index))
        if layer not in layer_indices:
            layer_indices[layer] = len(layer_indices)
        nodes_in_progress.add(node)
        for inbound_layer, inbound_index in sources(node):
            build_map(inbound_layer, inbound_index, finished_nodes,
                      nodes_in_progress)
        finished_nodes.add(node)
        nodes_in_progress.remove(node)
        nodes_in_decreasing_depth.append(node)

    finished, in_progress = set(), set()
    for x in outputs:
        layer, node_index, _ = x._keras_history
        build_map(layer, node_index, finished, in_progress)

    for node in reversed(nodes_in_decreasing_depth):
        depth = nodes_depths.setdefault(node, 0)
        depth = max(depth, layers_depths.get(node.outbound_layer, 0))
        layers_depths[node.outbound_layer] = depth
        nodes_depths[node] = depth
        for inbound_layer, node_index in sources(node):
            inbound_node = inbound_layer._inbound_nodes[node_index]
            nodes_depths[inbound_node] = max(
                depth + 1, nodes_depths.get(inbound_node, 0))

    nodes_by_depth = {}
    for node, depth in nodes_depths.items():
        nodes_by_depth.setdefault(depth, []).append(node)
    layers_by_depth = {}
    for layer, depth in layers_depths.items():
        layers_by_depth.setdefault(depth, []).append(layer)
    layers = []
    for depth in sorted(layers_by_depth, reverse=True):
        layers.extend(sorted(layers_by_depth[depth],
                             key=lambda l: layer_indices[l]))

    computable = {id(x) for x in inputs}
    reached = []
    for depth in sorted(nodes_by_depth, reverse=True):
        for node in nodes_by_depth[depth]:
            layer = node.outbound_layer
            for x in list(node.input_tensors) + \
                    _argument_tensors(node.arguments):
                if id(x) not in computable:
                    raise ValueError(
                        'Graph disconnected: cannot obtain value for tensor '
                        + str(x) + ' at layer "' + layer.name + '". The '
                        'following previous layers were accessed without '
                        'issue: ' + str(reached))
            if isinstance(layer, InputLayer) and \
                    id(node.output_tensors[0]) not in computable:
                raise ValueError(
                    'Graph disconnected: cannot obtain value for tensor ' +
                    str(node.output_tensors[0]) + ' at layer "' +
                    layer.name + '": it is not among the model inputs. The '
                    'following previous layers were accessed without issue: '
                    + str(reached))
            for x in node.output_tensors:
                computable.add(id(x))
            reached.append(layer.name)
    all_names = [layer.name for layer in layers]
    for name in all_names:
        if all_names.count(name) != 1:
            raise ValueError('The name "' + name + '" is used ' +
                             str(all_names.count(name)) + ' times in the '
                             'model. All layer names should be unique.')
    return network_nodes, nodes_by_depth, layers


def get_source_inputs(tensor, layer=None, node_index=None):
    """The input tensors a tensor was computed from."""
    if not hasattr(tensor, '_keras_history'):
        return tensor
    if layer is None or node_index:
        layer, node_index, _ = tensor._keras_history
    if not layer._inbound_nodes:
        return [tensor]
    node = layer._inbound_nodes[node_index]
    if not node.inbound_layers:
        return node.input_tensors
    source_tensors = []
    for i, x in enumerate(node.input_tensors):
        previous = get_source_inputs(x, node.inbound_layers[i],
                                     node.node_indices[i])
        for x in previous:
            if all(x is not t for t in source_tensors):
                source_tensors.append(x)
    return source_tensors


def _check_eager_loss(loss):
    """tf.keras 2.x refuses a loss computed once, eagerly, outside any
    call (it would never change); Keras 2's graph recomputes it."""
    if common.is_tf_keras() and common.executing_eagerly() and \
            isinstance(loss, torch.Tensor) and \
            call_context.current() is None and \
            not isinstance(loss, variable_graph.VariableExpression):
        raise ValueError('Expected a symbolic Tensors or a callable for the '
                         'loss value. Please wrap your loss computation in '
                         'a zero argument `lambda`.')


def _is_checkpoint_name(filepath):
    """Whether tf.keras saves weights at `filepath` as a TensorFlow
    checkpoint (any name but an HDF5 or Keras archive one)."""
    return isinstance(filepath, str) and not filepath.endswith(
        ('.h5', '.hdf5', '.keras'))


def _checkpoint_data_path(prefix):
    """Where the weights of a TensorFlow checkpoint `prefix` live: its one
    data shard (here an HDF5 file), as TensorFlow names it."""
    return prefix + '.data-00000-of-00001'


def _checkpoint_weights_file(filepath):
    """The file holding the weights of `filepath`: the data shard of a
    checkpoint prefix (`prefix.index` beside it), else `filepath`."""
    import os
    if isinstance(filepath, str) and os.path.isfile(filepath + '.index') \
            and os.path.isfile(_checkpoint_data_path(filepath)):
        return _checkpoint_data_path(filepath)
    return filepath


def _write_checkpoint_state(filepath):
    """The `checkpoint` file TensorFlow keeps next to its checkpoints, so
    `tf.train.latest_checkpoint(directory)` finds the weights saved last."""
    import os
    from ..utils import io_utils
    directory, name = os.path.split(filepath)
    # Replaced in one step, as TensorFlow writes it: a process killed
    # meanwhile leaves the previous state, not an empty file.
    with io_utils.atomic_replace(os.path.join(directory or '.',
                                              'checkpoint')) as tmp_path:
        with open(tmp_path, 'w') as state:
            state.write('model_checkpoint_path: "%s"\n'
                        'all_model_checkpoint_paths: "%s"\n' % (name, name))
