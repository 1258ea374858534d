"""Dtype policies."""
import torch

_VALID = ('float16', 'bfloat16', 'float32', 'float64', 'mixed_float16',
          'mixed_bfloat16', 'int8', 'int16', 'int32', 'int64', 'uint8',
          'bool', 'complex64', 'complex128', 'string')


class Policy(object):
    """A dtype policy: `compute_dtype` and `variable_dtype` (float32 for
    the mixed policies)."""

    def __init__(self, name):
        if isinstance(name, Policy):
            name = name.name
        if name not in _VALID:
            raise ValueError('Cannot convert value %r to a mixed precision '
                             'Policy. Valid policies are: %s'
                             % (name, ', '.join(_VALID)))
        self.name = name

    @property
    def compute_dtype(self):
        return self.name[len('mixed_'):] if self.mixed else self.name

    @property
    def variable_dtype(self):
        return 'float32' if self.mixed else self.name

    @property
    def mixed(self):
        return self.name.startswith('mixed_')

    def autocast_dtype(self):
        """The torch dtype autocast runs in, or None for full precision."""
        if not self.mixed:
            return None
        return torch.float16 if self.compute_dtype == 'float16' else \
            torch.bfloat16

    def get_config(self):
        return {'name': self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return '<Policy "%s">' % self.name

    def __eq__(self, other):
        return isinstance(other, Policy) and other.name == self.name


_GLOBAL = [Policy('float32')]


def set_global_policy(policy):
    """Sets the policy that models compiled from now on train with."""
    policy = Policy(policy if policy is not None else 'float32')
    if not policy.mixed and policy.name != 'float32':
        raise NotImplementedError(
            'The global policy %r (all weights in %s) is not supported; use '
            '"float32", "mixed_float16" or "mixed_bfloat16".'
            % (policy.name, policy.name))
    _GLOBAL[0] = policy


def global_policy():
    return _GLOBAL[0]


class LossScaleOptimizer(object):
    """Loss scaling is applied by the training loop whenever the policy is
    'mixed_float16'; wrapping the optimizer returns it unchanged."""

    def __new__(cls, optimizer, loss_scale='dynamic', dynamic=True,
                **kwargs):
        if loss_scale != 'dynamic' or dynamic is not True or kwargs:
            raise NotImplementedError(
                'LossScaleOptimizer supports dynamic loss scaling only; '
                'got loss_scale=%r, dynamic=%r%s.'
                % (loss_scale, dynamic,
                   ''.join(', %s=%r' % kv for kv in sorted(kwargs.items()))))
        return optimizer
