"""Dtype policies."""
import torch

_DTYPE_NAMES = ('float16', 'bfloat16', 'float32', 'float64', 'int8',
                'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32',
                'uint64', 'bool', 'complex64', 'complex128', 'string')
# Other names tf.as_dtype takes.
_DTYPE_ALIASES = {'half': 'float16', 'float': 'float32',
                  'double': 'float64'}
_MIXED = {'mixed_float16': 'float16', 'mixed_bfloat16': 'bfloat16'}


class Policy(object):
    """tf.keras's dtype policy: `compute_dtype` and `variable_dtype`
    (float32 for 'mixed_float16' and 'mixed_bfloat16', the dtype itself
    for a dtype's name), with tf.keras's errors for other names."""

    def __init__(self, name):
        if isinstance(name, Policy):
            name = name.name
        if not isinstance(name, str):
            raise TypeError("'name' must be a string, but got: %s" % (name,))
        self.name = name
        self._compute, self._variable = _parse_policy_name(name)

    @property
    def compute_dtype(self):
        return self._compute

    @property
    def variable_dtype(self):
        return self._variable

    @property
    def mixed(self):
        return self.name in _MIXED

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


def _parse_policy_name(name):
    """(compute dtype, variable dtype) of a policy name, as tf.keras's
    `Policy._parse_name`."""
    if name.endswith('_float32_vars'):
        message = ("Policies ending in '_float32_vars' have been removed "
                   "from TensorFlow.")
        if name in ('infer_float32_vars', 'infer_with_float32_vars'):
            message += (" Please use the 'mixed_float16' or "
                        "'mixed_bfloat16' policy instead.")
        elif name in ('float16_with_float32_vars',
                      'bfloat16_with_float32_vars'):
            message += " Please use the 'mixed_%s' policy instead." % \
                name[:-len('_with_float32_vars')]
        raise ValueError(message + " Got policy name: '%s'" % name)
    if name in _MIXED:
        return _MIXED[name], 'float32'
    dtype = _DTYPE_ALIASES.get(name, name)
    if dtype not in _DTYPE_NAMES:
        raise ValueError(
            "Cannot convert value %s to a mixed precision Policy. Valid "
            "policies include 'mixed_float16', 'mixed_bfloat16', and the "
            "name of any dtype such as 'float32'." % name)
    return dtype, dtype


_GLOBAL = [Policy('float32')]


def set_global_policy(policy):
    """Sets the policy that models compiled from now on train with."""
    policy = Policy(policy if policy is not None else 'float32')
    if not policy.mixed and policy.compute_dtype != 'float32':
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
