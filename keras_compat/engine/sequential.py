"""`Sequential`: a linear stack of layers."""
import copy
import warnings

import numpy as np
import torch

from .. import backend as K
from ..backend import common
from .base_layer import Layer
from .input_layer import Input, InputLayer
from .network import (Network, _module_name, config_class_name,
                      get_source_inputs)
from .training import Model


class Sequential(Model):
    """A linear stack of layers, as Keras's `Sequential`.

    Built as soon as the first layer knows its input shape (`input_shape`,
    `input_dim`, `batch_input_shape`), so `summary()` works before any data;
    otherwise built from the first data it sees. `model.layers` does not
    include the implicit input layer."""

    def __init__(self, layers=None, name=None):
        Model.__init__(self, name=name)
        self._build_input_shape = None
        self._chain = []
        if layers:
            for layer in layers:
                self.add(layer)

    # --------------------------------------------------------------- layers
    @property
    def layers(self):
        # The layers added, without the implicit input layer and without
        # the operations of losses and metrics added as graph tensors.
        if self._first_merge() is not None:
            # (Keras 2.0-2.1: the Merge, not the layers of its branches.)
            return [x._keras_history[0] for x in self._chain[1:]]
        return [layer for layer in self._layers
                if not isinstance(layer, InputLayer) and
                not getattr(layer, '_is_graph_op', False)]

    @property
    def model(self):
        """Keras 2.0-2.1 kept a functional `Model` in `Sequential.model`;
        Keras 2.2-2.3 return the `Sequential` itself, with a warning."""
        found = self.__dict__.get('_modules', {}).get('model')
        if found is None:
            found = self.__dict__.get('model')
        if found is not None:
            return found
        warnings.warn('`Sequential.model` is deprecated. `Sequential` is a '
                      'subclass of `Model`, you can just use your '
                      '`Sequential` instance directly.')
        return self

    @model.setter
    def model(self, value):
        self.__dict__['model'] = value

    def _first_layer_spec(self, layer):
        first = layer
        if isinstance(layer, Network):
            if not layer.layers:
                raise ValueError('Cannot add an empty model to a '
                                 '`Sequential` model.')
            first = layer.layers[0]
            while isinstance(first, Network):
                first = first.layers[0]
        return first

    def add(self, layer):
        """Appends a layer; builds the model when the input shape is
        known."""
        history = getattr(layer, '_keras_history', None)
        if not self._layers and history and \
                isinstance(history[0], InputLayer):
            # tf.keras accepts the tensor of `Input(...)` as the first
            # entry: it stands for its InputLayer.
            layer = history[0]
        if not isinstance(layer, Layer):
            raise TypeError('The added layer must be an instance of class '
                            'Layer. Found: ' + str(layer))
        if not self._layers:
            if isinstance(layer, InputLayer):
                self._start_graph(layer._inbound_nodes[-1].output_tensors[0],
                                  input_layer=layer)
                return
            if _merges_branches(layer):
                self._start_merge_graph(layer)
                return
            first = self._first_layer_spec(layer)
            batch_shape = getattr(first, 'batch_input_shape', None)
            if batch_shape is None and isinstance(layer, Network) and \
                    layer._is_graph_network:
                batch_shape = layer.inputs[0]._keras_shape
            if batch_shape is not None:
                x = Input(batch_shape=batch_shape, dtype=first.dtype,
                          name=layer.name + '_input')
                self._start_graph(x)
                self._append(layer)
                return
            self._layers.append(layer)
            self.add_module(_module_name(self, layer), layer)
            self.built = False
            return
        if self._chain:
            self._append(layer)
        else:
            self._layers.append(layer)
            self.add_module(_module_name(self, layer), layer)

    def _start_graph(self, input_tensor, input_layer=None):
        input_layer = input_tensor._keras_history[0]
        self._chain = [input_tensor]
        self._layers = [input_layer]
        self.add_module(_module_name(self, input_layer), input_layer)

    def _start_merge_graph(self, merge):
        """Keras 2.0-2.1: a first legacy `Merge` of layers or models
        starts a model whose inputs are those of its branches (a list of
        arrays in fit and predict)."""
        output = merge._inbound_nodes[-1].output_tensors[0]
        self._chain = [get_source_inputs(output), output]
        self._layers = [merge]
        self._set_graph(self._chain[0], output)

    def _first_merge(self):
        """The legacy `Merge` of branches the model starts with, or
        None."""
        chain = self.__dict__.get('_chain')
        if chain and len(chain) > 1 and isinstance(chain[0], list):
            return chain[1]._keras_history[0]
        return None

    def _register_layers(self, layers):
        merge = self._first_merge()
        if merge is not None:
            # Keras 2.0-2.1 list the weights of the branches' layers (in
            # branch order) before those of the layers added after.
            front = [layer for layer in layers
                     if isinstance(layer, InputLayer)]
            front += _merged_layers(merge, recursive=True) + [merge]
            layers = front + [layer for layer in layers
                              if all(layer is not f for f in front)]
        super(Sequential, self)._register_layers(layers)

    def _hdf5_layers(self):
        """The layers whose weights an HDF5 file holds: `layers`, or, for
        a model starting with a legacy `Merge`, as Keras 2.0-2.1 write
        them: the layers of its branches, then the layers added after."""
        merge = self._first_merge()
        if merge is None:
            return self.layers
        return _merged_layers(merge, recursive=False) + self.layers[1:]

    def get_layer(self, name=None, index=None):
        """A layer by name or index; a model starting with a legacy
        `Merge` also finds the layers of its branches (Keras 2.0-2.1
        look in the model of the whole graph)."""
        if self._first_merge() is None:
            return super(Sequential, self).get_layer(name, index)
        graph_layers = list(self._layers)
        if index is None and name is not None:
            for layer in graph_layers:
                if layer.name == name:
                    return layer
            raise ValueError('No such layer: ' + name)
        if index is not None and index < len(graph_layers):
            return graph_layers[index]
        return super(Sequential, self).get_layer(name, index)

    def _append(self, layer):
        output = layer(self._chain[-1])
        if isinstance(output, list):
            raise TypeError('All layers in a Sequential model should have a '
                            'single output tensor. For multi-output layers, '
                            'use the functional API.')
        self._chain.append(output)
        self._layers.append(layer)
        self._set_graph(self._chain[0], self._chain[-1])

    def pop(self):
        """Removes the last layer."""
        if not self.layers:
            raise TypeError('There are no layers in the model.')
        layer = self._layers.pop()
        for name, module in list(self._modules.items()):
            if module is layer:
                del self._modules[name]
        if self._chain:
            self._chain.pop()
            if len(self._chain) > 1:
                self._set_graph(self._chain[0], self._chain[-1])
                for node in self._layers[-1]._outbound_nodes[:]:
                    if node.outbound_layer is layer:
                        self._layers[-1]._outbound_nodes.remove(node)
            else:
                self._chain = []
                self._layers = []
                self._is_graph_network = False
                self.inputs, self.outputs = [], []
                self.built = False
        self._attached_params = None
        self._collected_trainable = None

    def build(self, input_shape=None):
        """Builds the model for inputs of `input_shape` (batch axis
        included, may be None)."""
        if self._chain:
            self.built = True
            return
        if input_shape is None:
            raise ValueError('You must provide an `input_shape` argument.')
        if isinstance(input_shape, dict):
            # A dict of features (for a first layer such as DenseFeatures):
            # the model runs its layers in order without a graph, as
            # tf.keras does.
            self.built = True
            return
        # (tf.keras builds a deferred model from its `layers`: a layer
        # added twice runs once.)
        layers = [layer for i, layer in enumerate(self._layers)
                  if all(layer is not other for other in self._layers[:i])]
        if not layers:
            raise TypeError('There are no layers in the model.')
        self._build_input_shape = tuple(input_shape)
        for name, module in list(self._modules.items()):
            if isinstance(module, Layer):
                del self._modules[name]
        self._layers = []
        # (Keras 2 names the input after the model, tf.keras after the
        # first layer.)
        first = layers[0].name if common.is_tf_keras() else self.name
        x = Input(batch_shape=tuple(input_shape), name=first + '_input')
        self._start_graph(x)
        for layer in layers:
            self._chain.append(layer(self._chain[-1]))
            self._layers.append(layer)
        self._set_graph(self._chain[0], self._chain[-1])

    def _build_from_data(self, shapes, inputs):
        if self.__dict__.get('_call_input_keys') is not None:
            # A dict of features (for a first layer such as
            # DenseFeatures): run without a graph, as tf.keras does.
            return super(Sequential, self)._build_from_data(shapes, inputs)
        self.build(shapes[0])
        # (tf.keras widens an input shape inferred from data for later
        # data of another shape; a shape given by the user stays.)
        self.__dict__['_inferred_input_shape'] = True

    def _widen_inferred_input(self, shapes):
        """tf.keras: a model whose input shape came from its first data
        rebuilds its graph for data of another shape, with the axes that
        differ as None (an explicit input shape is checked instead)."""
        old = self._build_input_shape
        if not self.__dict__.get('_inferred_input_shape') or \
                len(shapes) != 1 or len(shapes[0]) != len(old):
            return
        new = (None,) + tuple(a if a == b else None
                              for a, b in zip(old[1:], shapes[0][1:]))
        if new == old:
            return
        layers = self.layers
        self._chain, self._layers = [], layers
        self._is_graph_network = False
        self.build(new)

    # -------------------------------------------------------------- running
    def call(self, inputs, training=None, mask=None):
        return self._run_in_mode(self._run_chain, inputs, training, mask)

    def _run_chain(self, x, mask=None):
        if self._extra_outputs or self._layer_symbolic_losses or \
                self.__dict__.get('_keep_map') or \
                self._first_merge() is not None:
            # Losses and metrics added as graph tensors, or reading them
            # (keras-contrib's CRF loss reads its layer's input), are
            # computed by running the graph.
            return self._run_graph(x, mask)
        if mask is not None and isinstance(x, torch.Tensor):
            x._keras_mask = mask
        for layer in self._runtime_layers():
            x = layer(x)
        return x

    def _runtime_layers(self):
        if len(self._chain) > 1:
            # A layer added twice runs twice, as its graph does (`layers`
            # lists it once).
            return [tensor._keras_history[0] for tensor in self._chain[1:]]
        return self.layers

    def compute_output_shape(self, input_shape):
        if self._is_graph_network:
            # The shapes its graph inferred when built (those of user
            # layers without `compute_output_shape` too).
            return super(Sequential, self).compute_output_shape(input_shape)
        shape = input_shape
        for layer in self._runtime_layers():
            shape = layer.compute_output_shape(shape)
        return shape

    def compute_mask(self, inputs, mask=None):
        return None

    # ------------------------------------------------------------- predict
    def predict_proba(self, x, batch_size=32, verbose=0):
        """Class probabilities (the model output) for the inputs."""
        preds = self.predict(x, batch_size, verbose)
        if preds.min() < 0. or preds.max() > 1.:
            warnings.warn('Network returning invalid probability values. The '
                          'last layer might not normalize predictions into '
                          'probabilities (like softmax or sigmoid would).')
        return preds

    def predict_classes(self, x, batch_size=32, verbose=0):
        """Class indices: argmax for multi-class outputs, output > 0.5 for
        a single unit."""
        proba = self.predict(x, batch_size=batch_size, verbose=verbose)
        if proba.shape[-1] > 1:
            return proba.argmax(axis=-1)
        return (proba > 0.5).astype('int32')

    # --------------------------------------------------------------- config
    def get_config(self):
        merge = self._first_merge()
        if merge is not None:
            return _merge_model_config(merge, self.layers[1:])
        layer_configs = [{'class_name': config_class_name(layer),
                          'config': layer.get_config()}
                         for layer in self.layers]
        if self._chain and layer_configs and (
                'batch_input_shape' not in layer_configs[0]['config'] or
                common.is_tf_keras()):
            # Started from `Input(...)` (or any built model of a tf.keras
            # program): its InputLayer first, as tf.keras writes it, so
            # that the loaded model is built.
            layer_configs.insert(0, {'class_name': 'InputLayer',
                                     'config': self._layers[0].get_config()})
        config = {'name': self.name, 'layers': copy.deepcopy(layer_configs)}
        if self._build_input_shape is not None:
            config['build_input_shape'] = self._build_input_shape
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..layers import deserialize as deserialize_layer
        if isinstance(config, dict) and 'layers' in config:
            name = config.get('name')
            build_input_shape = config.get('build_input_shape')
            layer_configs = config['layers']
        else:
            name, build_input_shape, layer_configs = None, None, config
        model = cls(name=name)
        for conf in layer_configs:
            model.add(deserialize_layer(conf, custom_objects=custom_objects))
        if not model._chain and build_input_shape:
            model.build(build_input_shape)
        return model


def _merges_branches(layer):
    """Whether `layer` is a legacy `Merge` made of layers or models."""
    from ..legacy.merge import Merge
    return isinstance(layer, Merge) and bool(layer.layers) and \
        all(isinstance(branch, Layer) for branch in layer.layers) and \
        bool(layer._inbound_nodes)


def _merged_layers(merge, recursive):
    """Keras 2.0-2.1's layers of the branches of a legacy `Merge`, each
    once: a model's layers (`recursive`: through the branches of a
    Sequential branch starting with a Merge too), another layer itself."""
    found = []
    for branch in merge.layers:
        inner = getattr(branch, 'layers', None)
        if inner is None:
            inner = [branch]
        elif recursive and isinstance(branch, Sequential) and \
                branch._first_merge() is not None:
            inner = _merged_layers(branch._first_merge(), True) + inner[1:]
        for layer in inner:
            if all(layer is not f for f in found):
                found.append(layer)
    return found


def _merge_model_config(merge, rest):
    """Keras 2.0-2.1's config of a Sequential model starting with a legacy
    `Merge`: a list of layer entries, the Merge's config holding the
    entries of its branches (a Sequential's as a list too)."""
    branches = []
    for branch in merge.layers:
        config = branch.get_config()
        if isinstance(branch, Sequential) and isinstance(config, dict):
            config = config['layers']
        branches.append({'class_name': config_class_name(branch),
                         'config': config})
    config = dict(merge.get_config(), layers=branches)
    entries = [{'class_name': 'Merge', 'config': config}]
    entries += [{'class_name': config_class_name(layer),
                 'config': layer.get_config()} for layer in rest]
    return copy.deepcopy(entries)
