"""tf.keras 2.4+'s `EinsumDense` (`keras.layers.EinsumDense`, earlier
`keras.layers.experimental.EinsumDense`): a dense layer written as an
einsum equation, computed with `torch.einsum`."""
import re
import warnings

import torch

from .. import activations, initializers, regularizers, constraints
from ..engine.base_layer import Layer
from .core import kernel_bias_config


class EinsumDense(Layer):
    """Mirrors tf.keras's `EinsumDense`: `activation(einsum(equation,
    inputs, kernel) + bias)`.

    `equation` is `ab,bc->ac`, `...ab,bc->...ac` or `ab...,bc->ac...`
    (letters of the input, of the kernel, of the output); `output_shape`
    gives the output's dimensions after the batch dimension and those the
    ellipsis stands for (None where the input gives them); `bias_axes`
    names the output dimensions the bias spans (no bias when None). The
    kernel's shape comes from the input and output dimensions its letters
    name. The weights are `kernel` and `bias`, as in tf.keras.

    As tf.keras's layer, it does not apply `activity_regularizer` (tf.keras
    accepts the argument and drops it; its config then says None): a
    warning says so, and the losses are those tf.keras gives."""

    def __init__(self, equation, output_shape, activation=None,
                 bias_axes=None, kernel_initializer='glorot_uniform',
                 bias_initializer='zeros', kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super(EinsumDense, self).__init__(**kwargs)
        self.equation = equation
        if isinstance(output_shape, int):
            self.partial_output_shape = [output_shape]
        else:
            self.partial_output_shape = list(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        if activity_regularizer is not None:
            warnings.warn(
                'EinsumDense(activity_regularizer=%r): tf.keras\'s '
                'EinsumDense ignores this argument, and so does this one, '
                'to give the same losses. Apply an ActivityRegularization '
                'layer to its output instead.' % (activity_regularizer,),
                stacklevel=2)
        self.activity_regularizer = None

    def build(self, input_shape):
        kernel_shape, bias_shape, self.full_output_shape = \
            _analyze_einsum_string(self.equation, self.bias_axes,
                                   input_shape, self.partial_output_shape)
        if any(d is None for d in kernel_shape):
            raise ValueError('EinsumDense %s: the kernel shape %s has '
                             'unknown dimensions (input shape %s, '
                             'output_shape %s).'
                             % (self.name, kernel_shape, tuple(input_shape),
                                self.partial_output_shape))
        self.kernel = self.add_weight(
            'kernel', shape=kernel_shape,
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint, trainable=True)
        if bias_shape is not None:
            self.bias = self.add_weight(
                'bias', shape=bias_shape, initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint, trainable=True)
        else:
            self.bias = None
        self.built = True

    def call(self, inputs):
        output = torch.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            output = output + self.bias
        if self.activation is not activations.linear:
            output = activations._apply_to_own_output(self.activation,
                                                      output)
        return output

    def compute_output_shape(self, input_shape):
        """The output shape; dimensions the output shares with the input
        (None in `output_shape`) are the input's."""
        _, _, output_shape = _analyze_einsum_string(
            self.equation, self.bias_axes, input_shape,
            self.partial_output_shape)
        return _fill_from_input(self.equation, tuple(input_shape),
                                output_shape)

    def get_config(self):
        config = {
            'output_shape': self.partial_output_shape,
            'equation': self.equation,
            'activation': activations.serialize(self.activation),
            'bias_axes': self.bias_axes,
        }
        config.update(kernel_bias_config(self))
        base_config = super(EinsumDense, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))

    def extra_repr(self):
        return 'name=%r, equation=%r' % (self.name, self.equation)


# ------------------------------------------------- the equation's shapes
# (tf.keras's analysis: the same kernel and bias shapes, the same errors.)
_FORMS = (
    # (pattern, ellipsis on the left)
    ('([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)', False),
    ('0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)', True),
    ('([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0', False),
)


def _split_equation(equation):
    """(input spec, kernel spec, output spec, ellipsis on the left)."""
    dotted = re.sub(r'\.\.\.', '0', equation)
    for pattern, left_elided in _FORMS:
        match = re.match(pattern, dotted)
        if match:
            return match.group(1), match.group(2), match.group(3), \
                left_elided
    raise ValueError(
        "Invalid einsum equation '%s'. Equations must be in the form "
        "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]...."
        % (equation,))


def _analyze_einsum_string(equation, bias_axes, input_shape, output_shape):
    """(kernel shape, bias shape or None, full output shape)."""
    input_spec, weight_spec, output_spec, left_elided = \
        _split_equation(equation)
    input_shape = list(input_shape)
    elided = len(input_shape) - len(input_spec)
    output_shape = [output_shape] if isinstance(output_shape, int) \
        else list(output_shape)
    output_shape.insert(0, input_shape[0])
    if elided > 0 and left_elided:
        # (In order: tf.keras's full_output_shape reverses these, though
        # its outputs have them in order.)
        output_shape[1:1] = input_shape[1:elided]
    elif elided > 0:
        for i in range(len(input_shape) - elided, len(input_shape)):
            output_shape.append(input_shape[i])
    if left_elided:
        input_dim_map = {dim: (i + elided) - len(input_shape)
                         for i, dim in enumerate(input_spec)}
        output_dim_map = {dim: i + elided
                          for i, dim in enumerate(output_spec)}
    else:
        input_dim_map = {dim: i for i, dim in enumerate(input_spec)}
        output_dim_map = {dim: i for i, dim in enumerate(output_spec)}
    _check_shared_dims(input_spec, input_shape, input_dim_map,
                       output_shape, output_dim_map)
    for dim in output_spec:
        if dim not in input_spec and dim not in weight_spec:
            raise ValueError(
                "Dimension '%s' was specified in the output '%s' but has no "
                "corresponding dim in the input spec '%s' or weight spec "
                "'%s'" % (dim, output_spec, input_spec, output_spec))
    weight_shape = []
    for dim in weight_spec:
        if dim in input_dim_map:
            weight_shape.append(input_shape[input_dim_map[dim]])
        elif dim in output_dim_map:
            weight_shape.append(output_shape[output_dim_map[dim]])
        else:
            raise ValueError(
                "Weight dimension '%s' did not have a match in either the "
                "input spec '%s' or the output spec '%s'. For this layer, "
                "the weight must be fully specified."
                % (dim, input_spec, output_spec))
    bias_shape = _bias_shape(bias_axes, output_spec, output_shape,
                             elided, left_elided)
    return weight_shape, bias_shape, output_shape


def _check_shared_dims(input_spec, input_shape, input_dim_map, output_shape,
                       output_dim_map):
    for dim in input_spec:
        if dim not in output_dim_map:
            continue
        given = input_shape[input_dim_map[dim]]
        wanted = output_shape[output_dim_map[dim]]
        if wanted is not None and wanted != given:
            raise ValueError(
                "Input shape and output shape do not match at shared "
                "dimension '%s'. Input shape is %s, and output shape is %s."
                % (dim, given, wanted))


def _bias_shape(bias_axes, output_spec, output_shape, elided, left_elided):
    if bias_axes is None:
        return None
    num_left_elided = elided if left_elided else 0
    idx_map = {char: output_shape[i + num_left_elided]
               for i, char in enumerate(output_spec)}
    for char in bias_axes:
        if char not in output_spec:
            raise ValueError("Bias dimension '%s' was requested, but is not "
                             "part of the output spec '%s'"
                             % (char, output_spec))
    first = min(output_spec.find(char) for char in bias_axes)
    shape = [idx_map[char] if char in bias_axes else 1
             for char in output_spec[first:]]
    if not left_elided:
        shape += [1] * max(elided, 0)
    return shape


def _fill_from_input(equation, input_shape, output_shape):
    """`output_shape` with its unknown dimensions that the input shares
    (same letter) taken from the input, as tf.keras's traced shapes have
    them."""
    input_spec, _, output_spec, left_elided = _split_equation(equation)
    elided = len(input_shape) - len(input_spec)
    filled = list(output_shape)
    for i, dim in enumerate(output_spec):
        j = input_spec.find(dim)
        if j < 0:
            continue
        out_at = i + elided if left_elided else i
        in_at = j + elided if left_elided else j
        if filled[out_at] is None:
            filled[out_at] = input_shape[in_at]
    return tuple(filled)
