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


class DynamicLossScale(object):
    """tf.keras's loss scale: the loss is multiplied by `current` before
    differentiation and the gradients divided by it. Dynamic: halved
    (down to 1) and the step skipped when a gradient is not finite,
    doubled after `growth_steps` finite steps in a row. Fixed: never
    changes, every step applied. Also the `scale` / `step` / `update`
    interface of torch's GradScaler, for the training loop of `fit`."""

    def __init__(self, initial_scale, dynamic, growth_steps):
        self.initial = self.current = float(initial_scale)
        self.dynamic = dynamic
        self.growth_steps = growth_steps
        self.counter = 0
        self._last_finite = True

    def scale(self, loss):
        return loss * self.current

    def unscaled(self, grads):
        reciprocal = 1. / self.current
        return [None if g is None else g * reciprocal for g in grads]

    def record(self, finite):
        """Adjusts the scale after a step whose gradients were (not)
        finite; returns whether the step applies."""
        if not self.dynamic:
            return True
        if not finite:
            self.current = max(self.current / 2., 1.)
            self.counter = 0
            return False
        if self.counter + 1 >= self.growth_steps:
            self.current *= 2.
            self.counter = 0
        else:
            self.counter += 1
        return True

    def step(self, optimizer):
        """Unscales the `.grad` of the optimizer's parameters and steps
        when they are finite (GradScaler.step)."""
        grads = [p.grad for group in optimizer.param_groups
                 for p in group['params'] if p.grad is not None]
        self._last_finite = _unscaled_in_place(grads, self.current,
                                               check=self.dynamic)
        if self._last_finite or not self.dynamic:
            optimizer.step()
        else:
            _count_skipped_step(optimizer)

    def update(self):
        self.record(self._last_finite)


def _unscaled_in_place(grads, scale, check):
    """Divides the gradients by `scale`; with `check`, returns whether they
    are all finite (one fused kernel and one read of the result, as
    torch's GradScaler does, where the gradients share a device and
    dtype)."""
    if not grads:
        return True
    same = all(g.device == grads[0].device and g.dtype == grads[0].dtype
               for g in grads)
    if not check or not same:
        torch._foreach_mul_(grads, 1. / scale)
        return _all_finite(grads) if check else True
    found_inf = torch.zeros(1, dtype=torch.float32, device=grads[0].device)
    inverse = torch.full((1,), 1. / scale, dtype=torch.float32,
                         device=grads[0].device)
    torch._amp_foreach_non_finite_check_and_unscale_(grads, found_inf,
                                                     inverse)
    return not bool(found_inf.item())


def _all_finite(grads):
    grads = [g for g in grads if g is not None]
    if not grads:
        return True
    return bool(torch.stack([torch.isfinite(g).all() for g in grads]).all())


def _count_skipped_step(optimizer):
    """A skipped step still counts in `iterations`, as in tf.keras."""
    iterations = getattr(optimizer, 'iterations', None)
    if isinstance(iterations, torch.Tensor):
        with torch.no_grad(), torch._C.DisableTorchFunctionSubclass():
            iterations.add_(1)
        optimizer.__dict__.get('_hyper_cache', {}).pop('iterations', None)


_WRAPPER_CLASSES = {}


def _wrapper_class(inner_class, legacy):
    """The class of a loss-scaled optimizer of `inner_class`: named as
    tf.keras names it (LossScaleOptimizer for a legacy optimizer)."""
    key = (inner_class, legacy)
    if key not in _WRAPPER_CLASSES:
        name = 'LossScaleOptimizer' if legacy else 'LossScaleOptimizerV3'
        _WRAPPER_CLASSES[key] = type(name, (LossScaleOptimizer, inner_class),
                                     {'__module__': __name__})
    return _WRAPPER_CLASSES[key]


class LossScaleOptimizer(object):
    """tf.keras's `mixed_precision.LossScaleOptimizer(inner_optimizer,
    dynamic=True, initial_scale=None, dynamic_growth_steps=None)`: the
    inner optimizer with loss scaling. Dynamic scaling starts at 2**15
    (`initial_scale`), halves and skips the step on non-finite gradients,
    doubles after 2000 (`dynamic_growth_steps`) finite steps. `loss_scale`,
    `get_scaled_loss`, `get_unscaled_gradients` and `apply_gradients`
    serve custom training loops; `fit` scales with the same state.

    The wrapper shares the inner optimizer's state (weights, slots,
    `iterations`, hyperparameters); `inner_optimizer` is the optimizer
    given. TensorFlow 2.1-2.3's `loss_scale='dynamic'` (or a number, for
    a fixed scale) is accepted too."""

    def __new__(cls, inner_optimizer, dynamic=True, initial_scale=None,
                dynamic_growth_steps=None, **kwargs):
        dynamic, initial_scale = _legacy_loss_scale(dynamic, initial_scale,
                                                    kwargs)
        if isinstance(inner_optimizer, LossScaleOptimizer):
            raise TypeError('LossScaleOptimizer cannot wrap another '
                            'LossScaleOptimizer, but got: %s'
                            % (inner_optimizer,))
        if not isinstance(inner_optimizer, torch.optim.Optimizer):
            raise TypeError('"inner_optimizer" must be an instance of '
                            '`tf.keras.optimizers.Optimizer`, but got: %s.'
                            % (inner_optimizer,))
        if dynamic:
            initial_scale = 2. ** 15 if initial_scale is None \
                else initial_scale
            dynamic_growth_steps = 2000 if dynamic_growth_steps is None \
                else dynamic_growth_steps
        else:
            if initial_scale is None:
                raise ValueError('"initial_scale" must be specified if '
                                 '"dynamic" is False')
            if dynamic_growth_steps is not None:
                raise ValueError('"dynamic_growth_steps" must be None if '
                                 '"dynamic" is False, but got: %s'
                                 % (dynamic_growth_steps,))
        legacy = getattr(inner_optimizer, 'is_legacy_optimizer', None) is True
        wrapper = object.__new__(_wrapper_class(type(inner_optimizer),
                                                legacy))
        # (The same attributes: one state, two views.)
        object.__setattr__(wrapper, '__dict__', inner_optimizer.__dict__)
        wrapper.__dict__['_inner_optimizer'] = inner_optimizer
        wrapper.__dict__['_dynamic_loss_scale'] = DynamicLossScale(
            initial_scale, bool(dynamic), dynamic_growth_steps)
        return wrapper

    def __init__(self, *args, **kwargs):
        # (Built by __new__; the inner optimizer is already initialized.)
        pass

    def __reduce__(self):
        scale = self._dynamic_loss_scale
        return (_rebuild, (self._inner_optimizer, scale.dynamic,
                           scale.current, scale.growth_steps, scale.counter))

    @property
    def inner_optimizer(self):
        return self._inner_optimizer

    @property
    def dynamic(self):
        return self._dynamic_loss_scale.dynamic

    @property
    def loss_scale(self):
        """The current loss scale (a float32 scalar tensor)."""
        return torch.tensor(self._dynamic_loss_scale.current,
                            dtype=torch.float32)

    @property
    def initial_scale(self):
        return self._dynamic_loss_scale.initial

    @property
    def dynamic_growth_steps(self):
        return self._dynamic_loss_scale.growth_steps

    @property
    def dynamic_counter(self):
        """Finite steps since the scale last changed (None when fixed)."""
        if not self.dynamic:
            return None
        return torch.tensor(self._dynamic_loss_scale.counter,
                            dtype=torch.int64)

    def get_scaled_loss(self, loss):
        """`loss` times the loss scale (a function of no arguments
        returning the scaled loss when `loss` is callable)."""
        if callable(loss):
            return lambda: self._dynamic_loss_scale.scale(loss())
        return self._dynamic_loss_scale.scale(loss)

    def get_unscaled_gradients(self, grads):
        """The gradients divided by the loss scale; None stays None."""
        return self._dynamic_loss_scale.unscaled(list(grads))

    def apply_gradients(self, grads_and_vars, *args, **kwargs):
        """Adjusts the loss scale on these (unscaled) gradients and applies
        them unless a dynamic scale found one that is not finite."""
        grads_and_vars = list(grads_and_vars)
        finite = _all_finite([_as_tensor(g) for g, _ in grads_and_vars])
        if not self._dynamic_loss_scale.record(finite):
            _count_skipped_step(self)
            return self.iterations
        return super().apply_gradients(grads_and_vars, *args, **kwargs)

    def minimize(self, loss, var_list, grad_loss=None, name=None,
                 tape=None):
        """tf.keras's `minimize`: differentiates the scaled loss and
        applies the unscaled gradients."""
        from ..backend import replay, variable_graph
        with torch.enable_grad():
            value = variable_graph.current(loss() if callable(loss)
                                           else loss)
        if callable(var_list):
            var_list = var_list()
        var_list = list(var_list)
        targets = [replay.weight_parameter(v) for v in var_list]
        scaled = self.get_scaled_loss(value)
        with torch._C.DisableTorchFunctionSubclass():
            grads = torch.autograd.grad(
                scaled if scaled.dim() == 0 else scaled.sum(),
                [t for t, _ in targets], grad_outputs=grad_loss,
                allow_unused=True)
        grads = [None if g is None else
                 (g if to_keras is None else to_keras(g))
                 for g, (_, to_keras) in zip(grads, targets)]
        return self.apply_gradients(
            zip(self.get_unscaled_gradients(grads), var_list))

    def get_config(self):
        from .. import optimizers
        scale = self._dynamic_loss_scale
        return {'inner_optimizer': optimizers.serialize(self._inner_optimizer),
                'dynamic': scale.dynamic,
                'initial_scale': scale.initial,
                'dynamic_growth_steps': scale.growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from .. import optimizers
        config = dict(config)
        inner = config.pop('inner_optimizer', None) or \
            config.pop('optimizer')
        if isinstance(inner, dict):
            inner = optimizers.deserialize(inner,
                                           custom_objects=custom_objects)
        return LossScaleOptimizer(inner, **config)


def _legacy_loss_scale(dynamic, initial_scale, kwargs):
    """(dynamic, initial_scale) from TensorFlow 2.1-2.3's `loss_scale`
    argument ('dynamic' or a fixed number)."""
    if 'loss_scale' in kwargs:
        loss_scale = kwargs.pop('loss_scale')
        if loss_scale != 'dynamic':
            dynamic, initial_scale = False, float(loss_scale)
    if kwargs:
        raise TypeError('LossScaleOptimizer got unexpected keyword '
                        'arguments: %s' % ', '.join(sorted(kwargs)))
    return dynamic, initial_scale


def _as_tensor(value):
    if value is None or isinstance(value, torch.Tensor):
        return value
    return torch.as_tensor(value)


def _rebuild(inner, dynamic, current, growth_steps, counter):
    wrapper = LossScaleOptimizer(inner, dynamic=dynamic,
                                 initial_scale=current,
                                 dynamic_growth_steps=growth_steps)
    wrapper._dynamic_loss_scale.counter = counter
    return wrapper
