"""Keras 2 weight regularizers: penalties added to the training loss.

`l1(l=0.01)`, `l2(l=0.01)`, `l1_l2(l1=0.01, l2=0.01)` and the `L1L2`
class; a regularizer is any callable `weight -> scalar`, applied to the
weight in Keras layout."""
import math

import torch

from .backend import common
from .backend.common import cast_to_floatx
from .utils.generic_utils import (deserialize_keras_object, named_object,
                                  serialize_keras_object)


class Regularizer(object):
    """Base class: `__call__(x)` returns a scalar penalty."""

    def __call__(self, x):
        return 0.

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    """l1 * sum(|x|) + l2 * sum(x ** 2)."""

    def __init__(self, l1=0., l2=0.):
        # numpy floatx scalars, as Keras 2 holds them (libraries read
        # `regularizer.l2.dtype`).
        self.l1 = cast_to_floatx(l1)
        self.l2 = cast_to_floatx(l2)

    def __call__(self, x):
        penalty = 0.
        if self.l1:
            penalty = penalty + float(self.l1) * torch.sum(torch.abs(x))
        if self.l2:
            penalty = penalty + float(self.l2) * torch.sum(x * x)
        if not isinstance(penalty, torch.Tensor):
            penalty = torch.zeros((), dtype=x.dtype, device=x.device)
        return penalty

    def get_config(self):
        return {'l1': float(self.l1), 'l2': float(self.l2)}

    def __repr__(self):
        return 'L1L2(l1=%g, l2=%g)' % (self.l1, self.l2)


def l1(l=0.01, l1=None):
    """An L1L2 with only `l1` (Keras 2); in a tf.keras program an `L1`,
    as tf.keras's `l1` is that class (which also takes `l1=`)."""
    value = l if l1 is None else l1
    return L1(value) if common.is_tf_keras() else L1L2(l1=value)


def l2(l=0.01, l2=None):
    """An L1L2 with only `l2` (Keras 2); in a tf.keras program an `L2`,
    as tf.keras's `l2` is that class (which also takes `l2=`)."""
    value = l if l2 is None else l2
    return L2(value) if common.is_tf_keras() else L1L2(l2=value)


def l1_l2(l1=0.01, l2=0.01):
    return L1L2(l1=l1, l2=l2)


class L1(L1L2):
    """l1 * sum(|x|) (tf.keras spelling, argument `l1`)."""

    def __init__(self, l1=0.01, **kwargs):
        super(L1, self).__init__(l1=kwargs.pop('l', l1))

    def get_config(self):
        return {'l1': float(self.l1)}


class L2(L1L2):
    """l2 * sum(x ** 2) (tf.keras spelling, argument `l2`)."""

    def __init__(self, l2=0.01, **kwargs):
        super(L2, self).__init__(l2=kwargs.pop('l', l2))

    def get_config(self):
        return {'l2': float(self.l2)}

class OrthogonalRegularizer(Regularizer):
    """tf.keras's penalty `factor * mean(|cos|)` over the pairs of distinct
    rows (`mode='rows'`) or columns (`mode='columns'`) of a rank-2 weight,
    `cos` their cosine similarity."""

    def __init__(self, factor=0.01, mode='rows'):
        if not isinstance(factor, (float, int)) or math.isinf(factor) or \
                math.isnan(factor):
            raise ValueError('Value %s is not a valid regularization penalty '
                             'number, expected an int or float value.'
                             % (factor,))
        self.factor = cast_to_floatx(factor)
        if mode not in {'rows', 'columns'}:
            raise ValueError('Invalid value for argument `mode`. Expected one '
                             'of {"rows", "columns"}. Received: mode=%s'
                             % (mode,))
        self.mode = mode

    def __call__(self, x):
        if x.dim() != 2:
            raise ValueError('Inputs to OrthogonalRegularizer must have rank '
                             '2. Received: inputs.shape == %s'
                             % (tuple(x.shape),))
        if self.mode == 'columns':
            x = x.t()
        # (tf.math.l2_normalize: x / sqrt(max(sum(x ** 2), 1e-12)))
        x = x * torch.rsqrt(torch.clamp(torch.sum(x * x, 1, keepdim=True),
                                        min=1e-12))
        size = x.shape[0]
        product = (x @ x.t()) * (1. - torch.eye(size, dtype=x.dtype,
                                                 device=x.device))
        return float(self.factor) * 0.5 * torch.sum(torch.abs(product)) / \
            (size * (size - 1.) / 2.)

    def get_config(self):
        return {'factor': float(self.factor), 'mode': self.mode}


orthogonal_regularizer = OrthogonalRegularizer

_NAMES = ['l1', 'l2', 'l1_l2', 'L1L2', 'L1', 'L2', 'OrthogonalRegularizer',
          'orthogonal_regularizer']


def serialize(regularizer):
    return serialize_keras_object(regularizer)


def deserialize(config, custom_objects=None):
    return deserialize_keras_object(config, module_objects=globals(),
                                    custom_objects=custom_objects,
                                    printable_module_name='regularizer',
                                    valid_names=_NAMES)


def get(identifier):
    """A regularizer from None, a name ('l1', 'l2', 'l1_l2'), a config dict,
    an instance or a callable."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return named_object(identifier, deserialize, globals())
    if callable(identifier):
        return identifier
    raise ValueError('Could not interpret regularizer identifier: ' +
                     str(identifier))
