"""Merge layers (Add, Subtract, Multiply, Average, Maximum, Minimum,
Concatenate, Dot) and their functional forms (`add([a, b])`, ...)."""
import sys
import types
import warnings

import torch

from .. import backend as K
from ..engine.base_layer import Layer


class _Merge(Layer):
    """Element-wise merge of a list of tensors with broadcasting of axes of
    size 1; inputs of lower rank are expanded after the batch axis."""

    def __init__(self, **kwargs):
        super(_Merge, self).__init__(**kwargs)
        self.supports_masking = True

    def _merge_function(self, inputs):
        raise NotImplementedError

    def _elemwise_shape(self, shape1, shape2):
        if None in (shape1, shape2):
            return None
        if len(shape1) < len(shape2):
            return self._elemwise_shape(shape2, shape1)
        if not shape2:
            return shape1
        output_shape = list(shape1[:-len(shape2)])
        for i, j in zip(shape1[-len(shape2):], shape2):
            if i is None or j is None:
                output_shape.append(None)
            elif i == 1:
                output_shape.append(j)
            elif j == 1:
                output_shape.append(i)
            elif i != j:
                if K.common.is_tf_keras():
                    raise ValueError('Inputs have incompatible shapes. '
                                     'Received shapes %s and %s (layer %s).'
                                     % (shape1, shape2, self.name))
                raise ValueError('Operands could not be broadcast together '
                                 'with shapes %s %s (layer %s).'
                                 % (shape1, shape2, self.name))
            else:
                output_shape.append(i)
        return tuple(output_shape)

    def _check_list(self, input_shape, minimum=2):
        if not isinstance(input_shape, list):
            raise ValueError('A merge layer should be called on a list of '
                             'inputs (layer %s).' % self.name)
        if K.common.is_tf_keras():
            # tf.keras merges a list of one input too.
            minimum = min(minimum, 1)
        elif len(input_shape) == 1:
            # Keras 2 unpacks a list of one tensor before this check.
            raise ValueError('A merge layer should be called on a list of '
                             'inputs.')
        if len(input_shape) < minimum:
            raise ValueError('A merge layer should be called on a list of at '
                             'least %d inputs. Got %d inputs (layer %s).'
                             % (minimum, len(input_shape), self.name))

    def build(self, input_shape):
        self._check_list(input_shape)
        batch_sizes = {s[0] for s in input_shape if s is not None} - {None}
        if len(batch_sizes) > 1:
            raise ValueError('Can not merge tensors with different batch '
                             'sizes. Got tensors with shapes : ' +
                             str(input_shape))
        self.compute_output_shape(input_shape)
        self.built = True

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError('A merge layer should be called on a list of '
                             'inputs.')
        ndims = [x.dim() for x in inputs]
        if len(set(ndims)) > 1:
            max_ndim = max(ndims)
            expanded = []
            for x in inputs:
                while x.dim() < max_ndim:
                    x = x.unsqueeze(1)
                expanded.append(x)
            inputs = expanded
        return self._merge_function(list(inputs))

    def compute_output_shape(self, input_shape):
        output_shape = None if input_shape[0] is None else \
            tuple(input_shape[0][1:])
        for shape in input_shape[1:]:
            output_shape = self._elemwise_shape(
                output_shape, None if shape is None else tuple(shape[1:]))
        batch_sizes = {s[0] for s in input_shape if s is not None} - {None}
        batch = list(batch_sizes)[0] if len(batch_sizes) == 1 else None
        return (batch,) + tuple(output_shape)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)):
            raise ValueError('`mask` should be a list.')
        if not isinstance(inputs, (list, tuple)) or len(mask) != \
                len(inputs):
            raise ValueError('The lists `inputs` and `mask` should have the '
                             'same length.')
        masks = [m for m in mask if m is not None]
        if not masks:
            return None
        # K.all over the masks: any nonzero value counts as kept.
        masks = [K.as_tensor(m).bool() for m in masks]
        result = masks[0]
        for m in masks[1:]:
            result = result & m
        return result


class Add(_Merge):
    """Sum of a list of tensors of the same shape."""

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output


class Subtract(_Merge):
    """Difference of exactly two tensors: inputs[0] - inputs[1]."""

    def build(self, input_shape):
        super(Subtract, self).build(input_shape)
        self._check_two(input_shape)

    def _check_two(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) != 2:
            raise ValueError('A `Subtract` layer should be called on exactly '
                             '2 inputs (layer %s).' % self.name)

    def compute_output_shape(self, input_shape):
        self._check_two(input_shape)
        return super(Subtract, self).compute_output_shape(input_shape)

    def _merge_function(self, inputs):
        if len(inputs) != 2:
            raise ValueError('A `Subtract` layer should be called on exactly '
                             '2 inputs')
        return inputs[0] - inputs[1]


class Multiply(_Merge):
    """Element-wise product of a list of tensors."""

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = output * x
        return output


class Average(_Merge):
    """Element-wise mean of a list of tensors."""

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = output + x
        return output / len(inputs)


class Maximum(_Merge):
    """Element-wise maximum of a list of tensors."""

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = torch.maximum(output, x)
        return output


class Minimum(_Merge):
    """Element-wise minimum of a list of tensors."""

    def _merge_function(self, inputs):
        output = inputs[0]
        for x in inputs[1:]:
            output = torch.minimum(output, x)
        return output


def _concat_mismatch(input_shape, name):
    """Keras 2's or tf.keras's text for inputs that do not line up."""
    if K.common.is_tf_keras():
        return ('A `Concatenate` layer requires inputs with matching shapes '
                'except for the concatenation axis. Received: input_shape=%s '
                '(layer %s).' % (input_shape, name))
    return ('A `Concatenate` layer requires inputs with matching shapes '
            'except for the concat axis. Got inputs shapes: %s (layer %s).'
            % (input_shape, name))


def _check_concat_list(input_shape, name):
    minimum = 1 if K.common.is_tf_keras() else 2
    if not isinstance(input_shape, list) or len(input_shape) < minimum:
        raise ValueError('A `Concatenate` layer should be called on a list '
                         'of at least %d input%s (layer %s).'
                         % (minimum, 's' if minimum > 1 else '', name))


class Concatenate(_Merge):
    """Concatenation of a list of tensors along `axis` (the last by
    default); all other axes must match."""

    def __init__(self, axis=-1, **kwargs):
        super(Concatenate, self).__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True

    def build(self, input_shape):
        _check_concat_list(input_shape, self.name)
        if all(shape is None for shape in input_shape):
            return
        self.compute_output_shape(input_shape)
        self.built = True

    def _check_shapes(self, input_shape):
        ranks = {len(s) for s in input_shape}
        if len(ranks) != 1:
            raise ValueError(_concat_mismatch(input_shape, self.name))
        rank = ranks.pop()
        if not -rank <= self.axis < rank:
            # Keras 2 and tf.keras fail on `output_shape[axis] = ...`.
            raise IndexError('list assignment index out of range')
        axis = self.axis % rank
        reduced = set()
        for shape in input_shape:
            reduced.add(tuple(d for i, d in enumerate(shape)
                              if i != axis and i != 0))
        known = {tuple(d for d in s if d is not None) for s in reduced}
        if len(reduced) > 1 and len(known) > 1:
            raise ValueError(_concat_mismatch(input_shape, self.name))
        return axis

    def call(self, inputs):
        return torch.cat(list(inputs), dim=self.axis)

    def compute_output_shape(self, input_shape):
        _check_concat_list(input_shape, self.name)
        axis = self._check_shapes(input_shape)
        output_shape = list(input_shape[0])
        for shape in input_shape[1:]:
            if output_shape[axis] is None or shape[axis] is None:
                output_shape[axis] = None
                break
            output_shape[axis] += shape[axis]
        return tuple(output_shape)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)):
            raise ValueError('`mask` should be a list.')
        if not isinstance(inputs, (list, tuple)):
            raise ValueError('`inputs` should be a list.')
        if len(mask) != len(inputs):
            raise ValueError('The lists `inputs` and `mask` should have the '
                             'same length.')
        if all(m is None for m in mask):
            return None
        mask = [None if m is None else torch.as_tensor(m) for m in mask]
        given = next(m for m in mask if m is not None)
        masks = []
        for x, m in zip(inputs, mask):
            # The inputs may be functional-model tensors given real masks.
            shape = (given.shape[0],) + tuple(x.shape[1:])
            if m is None:
                masks.append(torch.ones(shape, dtype=torch.bool,
                                        device=given.device))
            elif m.dim() < len(shape):
                masks.append(m.bool().unsqueeze(-1).expand(shape))
            else:
                masks.append(m.bool())
        return torch.all(torch.cat(masks, dim=self.axis), dim=-1)

    def get_config(self):
        config = {'axis': self.axis}
        base_config = super(Concatenate, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


class Dot(_Merge):
    """Dot product of two tensors along `axes` per sample (cosine
    proximity with `normalize=True`)."""

    def __init__(self, axes, normalize=False, **kwargs):
        super(Dot, self).__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError('Invalid type for `axes` - should be a list '
                                'or an int.')
            if len(axes) != 2:
                raise ValueError(
                    'Invalid format for argument `axes`: it should contain '
                    'two elements. Received: axes=%s' % (axes,)
                    if K.common.is_tf_keras() else
                    'Invalid format for `axes` - should contain two '
                    'elements.')
            if not isinstance(axes[0], int) or not isinstance(axes[1], int):
                raise ValueError('Invalid format for `axes` - list elements '
                                 'should be "int".')
        self.axes = axes
        self.normalize = normalize
        self.supports_masking = True

    def _axes_for(self, rank1, rank2):
        if isinstance(self.axes, int):
            if self.axes < 0:
                return [self.axes % rank1, self.axes % rank2]
            return [self.axes] * 2
        return [a % r if a < 0 else a
                for a, r in zip(self.axes, (rank1, rank2))]

    def build(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) != 2:
            raise ValueError('A `Dot` layer should be called on a list of 2 '
                             'inputs (layer %s).' % self.name)
        shape1, shape2 = input_shape
        axes = self._axes_for(len(shape1), len(shape2))
        if shape1[axes[0]] is not None and shape2[axes[1]] is not None and \
                shape1[axes[0]] != shape2[axes[1]]:
            if K.common.is_tf_keras():
                raise ValueError('Incompatible input shapes: axis values %s '
                                 '(at axis %s) != %s (at axis %s). Full input '
                                 'shapes: %s, %s'
                                 % (shape1[axes[0]], axes[0],
                                    shape2[axes[1]], axes[1], shape1, shape2))
            raise ValueError('Dimension incompatibility %s != %s. '
                             'Layer shapes: %s, %s'
                             % (shape1[axes[0]], shape2[axes[1]],
                                shape1, shape2))
        self.built = True

    def _merge_function(self, inputs):
        if len(inputs) != 2:
            raise ValueError('A `Dot` layer should be called on exactly 2 '
                             'inputs')
        x1, x2 = inputs
        axes = self._axes_for(x1.dim(), x2.dim())
        if self.normalize:
            x1 = K.l2_normalize(x1, axis=axes[0])
            x2 = K.l2_normalize(x2, axis=axes[1])
        return K.batch_dot(x1, x2, axes)

    def call(self, inputs):
        return self._merge_function(list(inputs))

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) != 2:
            raise ValueError('A `Dot` layer should be called on a list of 2 '
                             'inputs.')
        shape1, shape2 = list(input_shape[0]), list(input_shape[1])
        axes = self._axes_for(len(shape1), len(shape2))
        shape1.pop(axes[0])
        shape2.pop(axes[1])
        shape2.pop(0)
        output_shape = shape1 + shape2
        if len(output_shape) == 1:
            output_shape += [1]
        return tuple(output_shape)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        config = {'axes': self.axes, 'normalize': self.normalize}
        base_config = super(Dot, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


def add(inputs, **kwargs):
    """Functional form of `Add`."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Functional form of `Subtract`."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Functional form of `Multiply`."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Functional form of `Average`."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Functional form of `Maximum`."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Functional form of `Minimum`."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of `Concatenate`."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes, normalize=False, **kwargs):
    """Functional form of `Dot`."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)


class _MergeModule(types.ModuleType):
    """`keras.layers.merge`: this module, which Keras 2.0-2.1 programs
    also call as Keras 1's `merge` function (`from keras.layers import
    merge; merge([a, b], mode='concat')`), as Keras 2.0-2.1 exported
    `legacy.layers.merge` under that name."""

    def __call__(self, inputs, mode='sum', concat_axis=-1, dot_axes=-1,
                 output_shape=None, output_mask=None, arguments=None,
                 name=None):
        from ..legacy import merge as legacy
        warnings.warn(legacy._deprecation('merge` function'), stacklevel=2)
        return legacy._merge(inputs, mode, concat_axis, dot_axes,
                             output_shape, output_mask, arguments, name)


sys.modules[__name__].__class__ = _MergeModule
