"""`keras.models`: Sequential, Model, saving and loading, cloning."""
from .engine.sequential import Sequential
from .engine.training import Model
from .engine.input_layer import Input, InputLayer
from .saving import (save_model, load_model, model_from_config,
                     model_from_json, model_from_yaml)


def _clone_layer(layer):
    return layer.__class__.from_config(layer.get_config())


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model with the same architecture and freshly initialised
    weights (Sequential or functional)."""
    clone_function = clone_function or _clone_layer
    if isinstance(model, Sequential) and model._first_merge() is not None:
        raise NotImplementedError(
            'clone_model of a Sequential model starting with a legacy '
            '`Merge` of branches is not supported (Keras 2.0-2.1 cannot '
            'clone it either): build the model with the functional API, '
            'merging with keras.layers.concatenate / add / multiply / '
            'average / maximum / dot, and clone that.')
    if isinstance(model, Sequential):
        layers = [clone_function(layer) for layer in model.layers]
        if input_tensors is not None:
            x = input_tensors[0] if isinstance(input_tensors, (list, tuple)) \
                else input_tensors
            for layer in layers:
                x = layer(x)
            return Model(input_tensors, x, name=model.name)
        clone = Sequential(name=model.name)
        if model._chain and not hasattr(model.layers[0],
                                        'batch_input_shape'):
            clone.add(InputLayer(
                batch_input_shape=model.inputs[0]._keras_shape,
                dtype=model.inputs[0].dtype))
        for layer in layers:
            clone.add(layer)
        return clone
    if not model._is_graph_network:
        raise ValueError('Expected `model` to be a functional `Model` or a '
                         '`Sequential` instance; got a subclassed model.')
    layer_map = {}
    tensor_map = {}
    if input_tensors is None:
        new_inputs = []
        for x in model.inputs:
            layer = x._keras_history[0]
            new_inputs.append(Input(batch_shape=layer.batch_input_shape,
                                    dtype=layer.dtype,
                                    name=layer.name))
    else:
        new_inputs = list(input_tensors) if isinstance(
            input_tensors, (list, tuple)) else [input_tensors]
    for old, new in zip(model.inputs, new_inputs):
        tensor_map[id(old)] = new
    for node in model._plan:
        layer = node.outbound_layer
        if layer not in layer_map:
            layer_map[layer] = clone_function(layer)
        new_layer = layer_map[layer]
        args = [tensor_map[id(x)] for x in node.input_tensors]
        outputs = new_layer(args if len(args) > 1 else args[0],
                            **node.arguments)
        outputs = outputs if isinstance(outputs, list) else [outputs]
        for old, new in zip(node.output_tensors, outputs):
            tensor_map[id(old)] = new
    return Model(new_inputs, [tensor_map[id(x)] for x in model.outputs],
                 name=model.name)


def _clone_functional_model(model, input_tensors=None, layer_fn=_clone_layer):
    """Keras 2's (and tf.keras's) private functional-model clone, which
    libraries call directly: `clone_model` of a functional model, with
    Keras's error for a Sequential one."""
    if isinstance(model, Sequential):
        raise ValueError('Expected `model` argument to be a functional '
                         '`Model` instance, but got a `Sequential` instance '
                         'instead: ' + str(model))
    if not isinstance(model, Model):
        raise ValueError('Expected `model` argument to be a `Model` '
                         'instance, got ' + str(model))
    return clone_model(model, input_tensors, layer_fn)


def _clone_sequential_model(model, input_tensors=None, layer_fn=_clone_layer):
    """Keras 2's (and tf.keras's) private Sequential clone: `clone_model`
    of a Sequential model, with Keras's error for any other."""
    if not isinstance(model, Sequential):
        raise ValueError('Expected `model` argument to be a `Sequential` '
                         'model instance, but got: ' + str(model))
    return clone_model(model, input_tensors, layer_fn)


def _experimental_module():
    from .experimental_models import SharpnessAwareMinimization
    from .utils.submodules import submodule
    return submodule(__name__, 'experimental',
                     "tf.keras 2.x's `keras.models.experimental`.",
                     SharpnessAwareMinimization=SharpnessAwareMinimization)


experimental = _experimental_module()
