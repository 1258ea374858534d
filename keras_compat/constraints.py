"""Keras 2 weight constraints, applied to a weight (in Keras layout) after
every optimizer update: `max_norm`, `non_neg`, `unit_norm`, `min_max_norm`."""
import torch

from . import backend as K
from .utils.generic_utils import (deserialize_keras_object, named_object,
                                  serialize_keras_object)


class Constraint(object):
    """Base class: `__call__(w)` returns the projected weight."""

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _norms(w, axis):
    axis = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    return torch.sqrt(torch.sum(w * w, dim=axis, keepdim=True))


class MaxNorm(Constraint):
    """Rescales each slice along `axis` whose L2 norm exceeds `max_value`
    (for a Dense kernel `(in, out)`, axis=0 bounds each unit's incoming
    weights)."""

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = torch.clamp(norms, 0, self.max_value)
        return w * (desired / (K.epsilon() + norms))

    def get_config(self):
        return {'max_value': self.max_value, 'axis': self.axis}


class NonNeg(Constraint):
    """Sets negative weights to zero."""

    def __call__(self, w):
        return w * (w >= 0.).to(w.dtype)


class UnitNorm(Constraint):
    """Divides each slice along `axis` by its L2 norm."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (K.epsilon() + _norms(w, self.axis))

    def get_config(self):
        return {'axis': self.axis}


class MinMaxNorm(Constraint):
    """Keeps slice norms within [min_value, max_value], moving them there
    at `rate` per update."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = (self.rate * torch.clamp(norms, self.min_value,
                                           self.max_value) +
                   (1 - self.rate) * norms)
        return w * (desired / (K.epsilon() + norms))

    def get_config(self):
        return {'min_value': self.min_value, 'max_value': self.max_value,
                'rate': self.rate, 'axis': self.axis}


# Keras 2 spellings.
class RadialConstraint(Constraint):
    """tf.keras's radial constraint on a `Conv2D` kernel (rank 4, square
    in its first two axes): each (height, width) slice becomes concentric
    square rings, each ring holding one diagonal entry of the slice, as
    tf.keras builds them (the innermost ring from entry `[k/2-1, k/2-1]`,
    ring `d` from `[k/2+d-1, k/2+d-1]` for odd `k`, `[k/2+d, k/2+d]` for
    even `k`)."""

    def __call__(self, w):
        if w.dim() != 4:
            raise ValueError('The weight tensor must have rank 4. Received '
                             'weight tensor with shape: %s'
                             % (tuple(w.shape),))
        size = w.shape[0]
        start = size // 2
        pos = torch.arange(size)
        if size % 2:
            dist = (pos - start).abs()
            step = lambda d: torch.where(d == 0, start - 1, start + d - 1)
        else:
            dist = torch.where(pos >= start, pos - start, start - 1 - pos)
            step = lambda d: torch.where(d == 0, start - 1, start + d)
        ring = torch.maximum(dist[:, None], dist[None, :])
        index = step(ring).to(w.device)
        return w[index, index]


max_norm = maxnorm = MaxNorm
non_neg = nonneg = NonNeg
unit_norm = unitnorm = UnitNorm
min_max_norm = MinMaxNorm
radial_constraint = RadialConstraint

_NAMES = ['max_norm', 'non_neg', 'unit_norm', 'min_max_norm', 'MaxNorm',
          'NonNeg', 'UnitNorm', 'MinMaxNorm', 'RadialConstraint',
          'radial_constraint']


def serialize(constraint):
    return serialize_keras_object(constraint)


def deserialize(config, custom_objects=None):
    return deserialize_keras_object(config, module_objects=globals(),
                                    custom_objects=custom_objects,
                                    printable_module_name='constraint',
                                    valid_names=_NAMES)


def get(identifier):
    """A constraint from None, a name, a config dict, an instance or a
    callable."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return named_object(identifier, deserialize, globals())
    if callable(identifier):
        return identifier
    raise ValueError('Could not interpret constraint identifier: ' +
                     str(identifier))
