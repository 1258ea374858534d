"""`keras.optimizers.schedules` (tf.keras 2.x): learning rates as a
function of the optimizer's step count.

An optimizer given a schedule as its `learning_rate` calls it with its
`iterations` before each update; `optimizer.learning_rate` then holds the
rate of the last step. Each schedule computes tf.keras's formula, on a
Python number when the optimizer asks (no tensor work per step), else as
a float32 tensor like tf.keras's (a step, or a tensor or array of steps:
plotting a schedule over `tf.range(...)`)."""
import math

import numpy as np
import torch

from .utils.generic_utils import (deserialize_keras_object,
                                  serialize_keras_object)


class _Scalar(object):
    """The math of a schedule on a Python step."""
    floor, ceil, cos, log = math.floor, math.ceil, math.cos, math.log
    minimum = staticmethod(min)

    @staticmethod
    def where(condition, a, b):
        return a if condition else b


class _Tensor(object):
    """The math of a schedule on a tensor of steps."""
    floor, ceil, cos, log = torch.floor, torch.ceil, torch.cos, torch.log

    @staticmethod
    def minimum(a, b):
        return torch.clamp(a, max=float(b))

    @staticmethod
    def where(condition, a, b):
        a, b = torch.as_tensor(a), torch.as_tensor(b)
        return torch.where(condition, a, b)


class _OptimizerStep(int):
    """The step an optimizer passes to a built-in schedule: computed on
    Python numbers, the rate a float (no tensor work per step)."""


def _step(step):
    """(step as a float or float32 tensor, its math). Any step but an
    optimizer's gives a float32 tensor, as tf.keras's schedules return."""
    if isinstance(step, _OptimizerStep):
        return float(step), _Scalar
    return torch.as_tensor(np.asarray(step) if not isinstance(
        step, torch.Tensor) else step).to(torch.float32), _Tensor


class LearningRateSchedule(object):
    """tf.keras's base class: `__call__(step)` returns the rate for that
    step, `get_config()` the constructor arguments."""

    def __call__(self, step):
        raise NotImplementedError(
            "Learning rate schedule '%s' must override `__call__(self, "
            "step)`." % type(self).__name__)

    def get_config(self):
        raise NotImplementedError(
            "Learning rate schedule '%s' must override `get_config()` in "
            "order to be serializable." % type(self).__name__)

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class _RateDecay(LearningRateSchedule):
    """A decay by `decay_rate` per `decay_steps` (ExponentialDecay,
    InverseTimeDecay): `_decayed(p)` of the elapsed periods `p`, floored
    with `staircase=True`."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate,
                 staircase=False, name=None):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        step, xp = _step(step)
        p = step / float(self.decay_steps)
        if self.staircase:
            p = xp.floor(p)
        return self._decayed(p)

    def get_config(self):
        return {'initial_learning_rate': self.initial_learning_rate,
                'decay_steps': self.decay_steps,
                'decay_rate': self.decay_rate, 'staircase': self.staircase,
                'name': self.name}


class ExponentialDecay(_RateDecay):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)`, the
    exponent floored with `staircase=True`."""

    def _decayed(self, p):
        return self.initial_learning_rate * float(self.decay_rate) ** p


class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[0]` up to `boundaries[0]` (inclusive), `values[i]` up to
    `boundaries[i]`, `values[-1]` after the last boundary."""

    def __init__(self, boundaries, values, name=None):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                'The length of boundaries should be 1 less than the length '
                'of values. Received: boundaries=%s of length %d, and '
                'values=%s of length %d.' % (boundaries, len(boundaries),
                                             values, len(values)))
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        step, xp = _step(step)
        if xp is _Scalar:
            for boundary, value in zip(self.boundaries, self.values):
                if step <= boundary:
                    return value
            return self.values[-1]
        result = torch.full_like(step, float(self.values[-1]))
        for boundary, value in reversed(list(zip(self.boundaries,
                                                 self.values))):
            result = torch.where(step <= boundary,
                                 torch.full_like(step, float(value)), result)
        return result

    def get_config(self):
        return {'boundaries': self.boundaries, 'values': self.values,
                'name': self.name}


class PolynomialDecay(LearningRateSchedule):
    """`(initial - end) * (1 - step / decay_steps) ** power + end`, the
    step held at `decay_steps`, or with `cycle=True` the decay steps
    stretched to the next multiple past the step."""

    def __init__(self, initial_learning_rate, decay_steps,
                 end_learning_rate=0.0001, power=1.0, cycle=False,
                 name=None):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        step, xp = _step(step)
        decay_steps = float(self.decay_steps)
        if self.cycle:
            multiplier = xp.where(step == 0, 1.0,
                                  xp.ceil(step / decay_steps))
            decay_steps = decay_steps * multiplier
        else:
            step = xp.minimum(step, decay_steps)
        p = step / decay_steps
        return (self.initial_learning_rate - self.end_learning_rate) * \
            (1 - p) ** self.power + self.end_learning_rate

    def get_config(self):
        return {'initial_learning_rate': self.initial_learning_rate,
                'decay_steps': self.decay_steps,
                'end_learning_rate': self.end_learning_rate,
                'power': self.power, 'cycle': self.cycle, 'name': self.name}


class InverseTimeDecay(_RateDecay):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)`,
    the ratio floored with `staircase=True`."""

    def _decayed(self, p):
        return self.initial_learning_rate / (1 + self.decay_rate * p)


class CosineDecay(LearningRateSchedule):
    """Cosine decay from the rate to `alpha` times it over `decay_steps`
    (then held); with `warmup_target`, first a linear warmup from
    `initial_learning_rate` to it over `warmup_steps` (tf.keras 2.13+)."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0,
                 name=None, warmup_target=None, warmup_steps=0):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def _decayed(self, step, xp, decay_from):
        fraction = step / float(self.decay_steps)
        cosine = 0.5 * (1.0 + xp.cos(math.pi * fraction))
        return decay_from * ((1 - self.alpha) * cosine + self.alpha)

    def __call__(self, step):
        step, xp = _step(step)
        decay_steps = float(self.decay_steps)
        if self.warmup_target is None:
            return self._decayed(xp.minimum(step, decay_steps), xp,
                                 self.initial_learning_rate)
        warmup_steps = float(self.warmup_steps)
        step = xp.minimum(step, decay_steps + warmup_steps)
        warm = (self.warmup_target - self.initial_learning_rate) * \
            (step / warmup_steps if warmup_steps else step * 0.) + \
            self.initial_learning_rate
        return xp.where(step < warmup_steps, warm,
                        self._decayed(step - warmup_steps, xp,
                                      self.warmup_target))

    def get_config(self):
        return {'initial_learning_rate': self.initial_learning_rate,
                'decay_steps': self.decay_steps, 'alpha': self.alpha,
                'name': self.name, 'warmup_target': self.warmup_target,
                'warmup_steps': self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """SGDR: cosine decays over `first_decay_steps`, each next period
    `t_mul` times longer and its peak `m_mul` times lower, down to `alpha`
    times the rate."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0,
                 m_mul=1.0, alpha=0.0, name=None):
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step):
        step, xp = _step(step)
        fraction = step / float(self.first_decay_steps)
        t_mul = float(self._t_mul)
        if t_mul == 1.0:
            restart = xp.floor(fraction)
            fraction = fraction - restart
        else:
            restart = xp.floor(xp.log(1.0 - fraction * (1.0 - t_mul)) /
                               math.log(t_mul))
            done = (1.0 - t_mul ** restart) / (1.0 - t_mul)
            fraction = (fraction - done) / t_mul ** restart
        cosine = 0.5 * float(self._m_mul) ** restart * \
            (1.0 + xp.cos(math.pi * fraction))
        return self.initial_learning_rate * \
            ((1 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {'initial_learning_rate': self.initial_learning_rate,
                'first_decay_steps': self.first_decay_steps,
                't_mul': self._t_mul, 'm_mul': self._m_mul,
                'alpha': self.alpha, 'name': self.name}


def serialize(learning_rate_schedule):
    """`{'class_name': ..., 'config': ...}` of a schedule."""
    return serialize_keras_object(learning_rate_schedule)


def deserialize(config, custom_objects=None):
    """A schedule from `serialize`'s dict (a tf.keras 2.13+ config with
    `module`/`registered_name` too)."""
    objects = {name: obj for name, obj in globals().items()
               if isinstance(obj, type) and
               issubclass(obj, LearningRateSchedule)}
    config = {'class_name': config['class_name'],
              'config': config['config']}
    return deserialize_keras_object(
        config, module_objects=objects, custom_objects=custom_objects,
        printable_module_name='decay')


def is_schedule(value):
    """A schedule object given as a learning rate: a LearningRateSchedule,
    or any callable that is not a number or tensor (tf.keras calls it with
    the step)."""
    return isinstance(value, LearningRateSchedule) or (
        callable(value) and not isinstance(value, (torch.Tensor, np.ndarray,
                                                   int, float)))


def rate_at(schedule, iterations):
    """The schedule's rate at step `iterations`, as a float. A schedule
    written by a user gets the step as an int64 tensor, as tf.keras hands
    it `optimizer.iterations`."""
    if type(schedule).__module__ != __name__:
        iterations = torch.tensor(iterations, dtype=torch.int64)
    else:
        iterations = _OptimizerStep(int(iterations))
    value = schedule(iterations)
    if isinstance(value, torch.Tensor):
        value = value.detach()
    return float(value)
