"""Keras 1's `Merge` layer and `merge` function, which Keras 2.0-2.1 kept
(deprecated) in `keras.legacy.layers` and removed in Keras 2.2."""
import types
import warnings

from .. import backend as K
from ..engine.base_layer import Layer
from ..backend import immutable
from ..utils.generic_utils import func_dump, has_arg

_MODES = ('sum', 'mul', 'concat', 'ave', 'cos', 'dot', 'max')

_REPLACEMENTS = ('merge with the functional API instead, with '
                 'keras.layers.concatenate / add / multiply / average / '
                 'maximum / dot')


def _deprecation(what):
    return ('The `%s is deprecated and will be removed after 08/2017. Use '
            'instead layers from `keras.layers.merge`, e.g. `add`, '
            '`concatenate`, etc.' % what)


class Merge(Layer):
    """Merges a list of tensors, or the outputs of a list of layers or
    models (`Merge([left, right], mode='concat')` as the first layer of a
    Sequential model), by `mode`: 'sum', 'mul', 'concat' (along
    `concat_axis`), 'ave', 'max', 'dot' / 'cos' (of two inputs along
    `dot_axes`), or a function of the list of tensors (with
    `output_shape`, a shape without batch axis or a function of the input
    shapes). Deprecated in Keras 2, as there."""

    def __init__(self, layers=None, mode='sum', concat_axis=-1,
                 dot_axes=-1, output_shape=None, output_mask=None,
                 arguments=None, node_indices=None, tensor_indices=None,
                 name=None):
        warnings.warn(_deprecation('Merge` layer'), stacklevel=2)
        super(Merge, self).__init__(name=name)
        self.layers = layers
        self.mode = mode
        self.concat_axis = concat_axis
        self.dot_axes = dot_axes
        self._output_shape = output_shape
        self.node_indices = node_indices
        self._output_mask = output_mask
        self.arguments = arguments if arguments else {}
        self.supports_masking = True
        # A function mode is user code, which may read any graph tensor.
        self._runs_user_code = callable(mode)
        if layers:
            inputs = self._layer_outputs(layers, node_indices,
                                         tensor_indices)
            self._validate([K.int_shape(x) for x in inputs])
            self(inputs)

    def _layer_outputs(self, layers, node_indices, tensor_indices):
        """The tensors to merge: of each layer (or model), the output
        `tensor_indices[i]` of its node `node_indices[i]` (node 0, output
        0 by default); Keras tensors stand for themselves."""
        if not isinstance(layers, (list, tuple)) or len(layers) < 2:
            raise TypeError('A Merge should only be applied to a list of '
                            'layers with at least 2 elements. Found: ' +
                            str(layers))
        node_indices = node_indices or [0] * len(layers)
        tensor_indices = tensor_indices or [0] * len(layers)
        outputs = []
        for layer, node_index, tensor_index in zip(layers, node_indices,
                                                   tensor_indices):
            if getattr(layer, '_is_keras_symbolic', False):
                outputs.append(layer)
                continue
            if not isinstance(layer, Layer):
                raise TypeError('Merge takes a list of layers, models or '
                                'Keras tensors; got %r.' % (layer,))
            if len(layer._inbound_nodes) <= node_index:
                raise NotImplementedError(
                    'Merge(layers=...): layer %r has no node %d%s; '
                    'node_indices can only point to nodes already made. '
                    'Call the layers on their inputs and %s.'
                    % (layer.name, node_index,
                       ' (it does not know its input shape yet: give '
                       'its first layer an `input_shape`)'
                       if not layer._inbound_nodes else '', _REPLACEMENTS))
            node = layer._inbound_nodes[node_index]
            outputs.append(node.output_tensors[tensor_index])
        return outputs

    def _validate(self, shapes):
        """Keras 2's checks of the mode and of the input shapes."""
        mode = self.mode
        if not callable(mode) and mode not in _MODES:
            raise ValueError('Invalid merge mode: ' + str(mode))
        if mode in ('sum', 'mul', 'ave', 'cos', 'max') and \
                len(set(shapes)) > 1:
            raise ValueError('Only layers of same output shape can be merged '
                             'using ' + mode + ' mode. Layer shapes: %s'
                             % shapes)
        if mode in ('cos', 'dot'):
            if len(shapes) > 2:
                raise ValueError(mode + ' merge takes exactly 2 layers')
            self._set_dot_axes(shapes)
            shape1, shape2 = shapes
            if shape1[self.dot_axes[0]] != shape2[self.dot_axes[1]]:
                raise ValueError(
                    'Dimension incompatibility using dot mode: %s != %s. '
                    % (shape1[self.dot_axes[0]], shape2[self.dot_axes[1]]) +
                    'Layer shapes: %s, %s' % (shape1, shape2))
        elif mode == 'concat':
            reduced = set()
            for shape in shapes:
                shape = list(shape)
                del shape[self.concat_axis]
                reduced.add(tuple(shape))
            if len(reduced) > 1:
                raise ValueError('"concat" mode can only merge layers with '
                                 'matching output shapes except for the '
                                 'concat axis. Layer shapes: %s' % shapes)

    def _set_dot_axes(self, shapes):
        if isinstance(self.dot_axes, int):
            n1, n2 = len(shapes[0]), len(shapes[1])
            self.dot_axes = [self.dot_axes % n1, self.dot_axes % n2] \
                if self.dot_axes < 0 else [self.dot_axes] * 2
        if not isinstance(self.dot_axes, (list, tuple)):
            raise TypeError('Invalid type for dot_axes - should be a list.')
        if len(self.dot_axes) != 2:
            raise ValueError('Invalid format for dot_axes - should contain '
                             'two elements.')
        if not all(isinstance(a, int) for a in self.dot_axes):
            raise ValueError('Invalid format for dot_axes - list elements '
                             'should be "int".')

    def build(self, input_shape):
        if self.mode in ('cos', 'dot') and isinstance(input_shape, list) \
                and len(input_shape) == 2:
            self._set_dot_axes(input_shape)
        self.built = True

    def call(self, inputs, mask=None):
        if not isinstance(inputs, (list, tuple)) or len(inputs) <= 1:
            raise TypeError('Merge must be called on a list of tensors '
                            '(at least 2). Got: ' + str(inputs))
        inputs = list(inputs)
        if callable(self.mode):
            arguments = dict(self.arguments)
            if has_arg(self.mode, 'mask'):
                arguments['mask'] = mask
            return immutable.call_user(self.mode, inputs, **arguments)
        if self.mode in ('sum', 'ave'):
            total = inputs[0]
            for x in inputs[1:]:
                total = total + x
            return total / len(inputs) if self.mode == 'ave' else total
        if self.mode == 'concat':
            return K.concatenate(inputs, axis=self.concat_axis)
        if self.mode == 'mul':
            product = inputs[0]
            for x in inputs[1:]:
                product = product * x
            return product
        if self.mode == 'max':
            largest = inputs[0]
            for x in inputs[1:]:
                largest = K.maximum(largest, x)
            return largest
        if self.mode == 'dot':
            return K.batch_dot(inputs[0], inputs[1], self.dot_axes)
        if self.mode == 'cos':
            return self._cosine(inputs[0], inputs[1])
        raise ValueError('Unknown merge mode.')

    def _cosine(self, l1, l2):
        """Keras 2's cosine of two inputs along `dot_axes`, with the shape
        `compute_output_shape` gives (Keras 2 adds an axis 1 on
        TensorFlow, which only its later layers' shape handling drops)."""
        axes = self.dot_axes
        denominator = K.sqrt(K.batch_dot(l1, l1, axes) *
                             K.batch_dot(l2, l2, axes))
        denominator = K.maximum(denominator, K.epsilon())
        return K.batch_dot(l1, l2, axes) / denominator

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, list):
            raise TypeError('Merge must be called on a list of tensors.')
        if callable(self.mode):
            if callable(self._output_shape):
                return self._output_shape(input_shape)
            if self._output_shape is not None:
                return (input_shape[0][0],) + tuple(self._output_shape)
            raise ValueError('The Merge layer ' + self.name + ' has a '
                             'callable `mode` argument, and we cannot infer '
                             'its output shape because no `output_shape` '
                             'argument was provided. Make sure to pass a '
                             'shape tuple (or callable) `output_shape` to '
                             'Merge.')
        if self.mode in ('sum', 'mul', 'ave', 'max'):
            return tuple(input_shape[0])
        if self.mode == 'concat':
            output_shape = list(input_shape[0])
            axis = self.concat_axis
            for shape in input_shape[1:]:
                if output_shape[axis] is None or shape[axis] is None:
                    output_shape[axis] = None
                    break
                output_shape[axis] += shape[axis]
            return tuple(output_shape)
        self._set_dot_axes(input_shape)
        shape1, shape2 = list(input_shape[0]), list(input_shape[1])
        shape1.pop(self.dot_axes[0])
        shape2.pop(self.dot_axes[1])
        shape2.pop(0)
        output_shape = shape1 + shape2
        if len(output_shape) == 1:
            output_shape += [1]
        return tuple(output_shape)

    def compute_mask(self, inputs, mask=None):
        if mask is None or all(m is None for m in mask):
            return None
        if callable(self.mode):
            if callable(self._output_mask):
                return self._output_mask(mask)
            return self._output_mask
        if self.mode in ('sum', 'mul', 'ave', 'max'):
            masks = [K.as_tensor(m).bool() for m in mask if m is not None]
            result = masks[0]
            for m in masks[1:]:
                result = result & m
            return result
        if self.mode == 'concat':
            masks = []
            for x, m in zip(inputs, mask):
                if m is None:
                    masks.append(K.ones_like(x, dtype='bool'))
                elif K.ndim(m) < K.ndim(x):
                    masks.append(K.expand_dims(K.as_tensor(m).bool()))
                else:
                    masks.append(K.as_tensor(m).bool())
            return K.all(K.concatenate(masks, axis=self.concat_axis),
                         axis=-1)
        return None

    def get_config(self):
        mode, mode_type = _dumped(self.mode)
        output_shape, output_shape_type = _dumped(self._output_shape)
        output_mask, output_mask_type = _dumped(self._output_mask)
        return {'name': self.name, 'mode': mode, 'mode_type': mode_type,
                'concat_axis': self.concat_axis, 'dot_axes': self.dot_axes,
                'output_shape': output_shape,
                'output_shape_type': output_shape_type,
                'output_mask': output_mask,
                'output_mask_type': output_mask_type,
                'arguments': self.arguments}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """The layer of a config; its `layers` (the merged branches of a
        Keras 2.0-2.1 Sequential model's config) are deserialized and
        merged."""
        from ..layers import deserialize
        from ..layers.core import _lambda_function
        from ..utils.generic_utils import get_custom_objects
        config = dict(config)
        objects = dict(get_custom_objects(), **(custom_objects or {}))
        for key in ('mode', 'output_shape', 'output_mask'):
            if key + '_type' in config:
                config[key] = _lambda_function(
                    config, key, key + '_type', key + '_module', objects,
                    '%s function of Merge layer' % key)
        layers = config.get('layers')
        if layers:
            config['layers'] = [
                layer if isinstance(layer, Layer) else
                deserialize(layer, custom_objects=custom_objects)
                for layer in layers]
        return cls(**config)


def _dumped(value):
    """(value, type) as Keras 2 writes a Merge function argument."""
    if isinstance(value, types.LambdaType):
        return func_dump(value), 'lambda'
    if callable(value):
        return value.__name__, 'function'
    return value, 'raw'


def merge(inputs, mode='sum', concat_axis=-1, dot_axes=-1,
          output_shape=None, output_mask=None, arguments=None, name=None):
    """Keras 1's functional merge of a list of Keras tensors by `mode`
    (see `Merge`); returns a Keras tensor. Deprecated in Keras 2."""
    warnings.warn(_deprecation('merge` function'), stacklevel=2)
    return _merge(inputs, mode, concat_axis, dot_axes, output_shape,
                  output_mask, arguments, name)


def _merge(inputs, mode, concat_axis, dot_axes, output_shape, output_mask,
           arguments, name):
    options = dict(mode=mode, concat_axis=concat_axis, dot_axes=dot_axes,
                   output_shape=output_shape, output_mask=output_mask,
                   arguments=arguments, name=name)
    if all(getattr(x, '_is_keras_symbolic', False) for x in inputs):
        layer = Merge(list(inputs), **options)
        return layer._inbound_nodes[-1].output_tensors[0]
    return Merge(**options)(inputs)
