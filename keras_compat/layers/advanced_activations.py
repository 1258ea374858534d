"""Activation layers with parameters: LeakyReLU, PReLU, ELU,
ThresholdedReLU, Softmax, ReLU."""
import functools

import torch
import torch.nn.functional as F

from .. import backend as K
from ..backend import gradient_overrides
from .. import activations, initializers, regularizers, constraints
from ..engine.base_layer import Layer, InputSpec
from ..legacy import interfaces

__all__ = ['LeakyReLU', 'PReLU', 'ELU', 'ThresholdedReLU', 'Softmax',
           'ReLU']


class LeakyReLU(Layer):
    """x for x >= 0, alpha * x otherwise (alpha 0.3 by default)."""

    def __init__(self, alpha=0.3, **kwargs):
        super(LeakyReLU, self).__init__(**kwargs)
        self.supports_masking = True
        self.alpha = float(K.cast_to_floatx(alpha))

    def call(self, inputs):
        return gradient_overrides.apply(
            'LeakyRelu', functools.partial(F.leaky_relu,
                                           negative_slope=self.alpha),
            inputs, alpha=self.alpha)

    def get_config(self):
        config = {'alpha': self.alpha}
        base_config = super(LeakyReLU, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))

    def compute_output_shape(self, input_shape):
        return input_shape


class PReLU(Layer):
    """Leaky ReLU with a learned slope per unit (`shared_axes` share it
    along axes, e.g. the spatial axes of a conv output)."""

    def __init__(self, alpha_initializer='zeros', alpha_regularizer=None,
                 alpha_constraint=None, shared_axes=None, **kwargs):
        alpha_initializer = interfaces.legacy_args(
            'PReLU', kwargs, interfaces.PRELU,
            {'alpha_initializer': alpha_initializer})['alpha_initializer']
        super(PReLU, self).__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif not isinstance(shared_axes, (list, tuple)):
            self.shared_axes = [shared_axes]
        else:
            self.shared_axes = list(shared_axes)

    def build(self, input_shape):
        param_shape = list(input_shape[1:])
        self.param_broadcast = [False] * len(param_shape)
        if self.shared_axes is not None:
            for i in self.shared_axes:
                param_shape[i - 1] = 1
                self.param_broadcast[i - 1] = True
        self.alpha = self.add_weight(shape=param_shape, name='alpha',
                                     initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        axes = {}
        if self.shared_axes:
            for i in range(1, len(input_shape)):
                if i not in self.shared_axes:
                    axes[i] = input_shape[i]
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)
        self.built = True

    def call(self, inputs, mask=None):
        pos = gradient_overrides.apply('Relu', torch.relu, inputs)
        neg = -self.alpha * gradient_overrides.apply('Relu', torch.relu,
                                                     -inputs)
        return pos + neg

    def get_config(self):
        config = {
            'alpha_initializer': initializers.serialize(
                self.alpha_initializer),
            'alpha_regularizer': regularizers.serialize(
                self.alpha_regularizer),
            'alpha_constraint': constraints.serialize(self.alpha_constraint),
            'shared_axes': self.shared_axes,
        }
        base_config = super(PReLU, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))

    def compute_output_shape(self, input_shape):
        return input_shape


class ELU(Layer):
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""

    def __init__(self, alpha=1.0, **kwargs):
        super(ELU, self).__init__(**kwargs)
        self.supports_masking = True
        self.alpha = float(K.cast_to_floatx(alpha))

    def call(self, inputs):
        return F.elu(inputs, self.alpha)

    def get_config(self):
        config = {'alpha': self.alpha}
        base_config = super(ELU, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))

    def compute_output_shape(self, input_shape):
        return input_shape


class ThresholdedReLU(Layer):
    """x for x > theta, 0 otherwise."""

    def __init__(self, theta=1.0, **kwargs):
        super(ThresholdedReLU, self).__init__(**kwargs)
        self.supports_masking = True
        self.theta = float(K.cast_to_floatx(theta))

    def call(self, inputs, mask=None):
        return inputs * (inputs > self.theta).to(inputs.dtype)

    def get_config(self):
        config = {'theta': self.theta}
        base_config = super(ThresholdedReLU, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))

    def compute_output_shape(self, input_shape):
        return input_shape


class Softmax(Layer):
    """Softmax over `axis` (the last by default, or a tuple of axes). In
    a tf.keras program `call(inputs, mask)` adds -1e9 (float16's minimum
    in float16) where the mask is 0, as tf.keras does; standalone Keras 2
    has no mask there."""

    def __init__(self, axis=-1, **kwargs):
        super(Softmax, self).__init__(**kwargs)
        self.supports_masking = True
        self.axis = axis

    def call(self, inputs, mask=None):
        if mask is not None and K.common.api_flavour() != 'keras':
            negative = torch.finfo(torch.float16).min \
                if inputs.dtype == torch.float16 else -1e9
            keep = torch.as_tensor(mask, device=inputs.device)
            inputs = inputs + (1.0 - keep.to(inputs.dtype)) * negative
        if isinstance(self.axis, (tuple, list)):
            if len(self.axis) > 1:
                return torch.exp(inputs - torch.logsumexp(
                    inputs, dim=tuple(self.axis), keepdim=True))
            return activations.softmax(inputs, axis=self.axis[0])
        return activations.softmax(inputs, axis=self.axis)

    def get_config(self):
        config = {'axis': self.axis}
        base_config = super(Softmax, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))

    def compute_output_shape(self, input_shape):
        return input_shape


class ReLU(Layer):
    """ReLU with optional `max_value` cap, `negative_slope` and
    `threshold`."""

    def __init__(self, max_value=None, negative_slope=0., threshold=0.,
                 **kwargs):
        super(ReLU, self).__init__(**kwargs)
        if max_value is not None and max_value < 0.:
            raise ValueError('max_value of ReLU layer cannot be negative '
                             'value: %s' % str(max_value))
        if negative_slope < 0.:
            raise ValueError('negative_slope of ReLU layer cannot be '
                             'negative value: %s' % str(negative_slope))
        self.supports_masking = True
        self.max_value = None if max_value is None else float(max_value)
        self.negative_slope = float(negative_slope)
        self.threshold = float(threshold)

    def call(self, inputs):
        return K.relu(inputs, alpha=self.negative_slope,
                      max_value=self.max_value, threshold=self.threshold)

    def get_config(self):
        config = {'max_value': self.max_value,
                  'negative_slope': self.negative_slope,
                  'threshold': self.threshold}
        base_config = super(ReLU, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))

    def compute_output_shape(self, input_shape):
        return input_shape
