"""Keras 2 optimizers as `torch.optim.Optimizer` subclasses.

The update formulas, defaults and argument names are Keras 2's, not
torch's: `lr`/`learning_rate`, `decay` (lr / (1 + decay * iterations)),
epsilon added outside the square root, Adam's bias correction folded into
the learning rate, global-norm `clipnorm` and `clipvalue`. Updates use
torch's multi-tensor (`_foreach`) kernels.

An optimizer is created before the model exists (`SGD(lr=0.01)`); the
model hands it its trainable weights in `compile()`."""
import math

import numpy as np
import torch

from . import backend as K
from .utils.generic_utils import (deserialize_keras_object,
                                  serialize_keras_object)


class _Hyper(object):
    """A hyperparameter exposed as a variable (`K.get_value(opt.lr)`,
    `K.set_value(opt.lr, 0.01)`, `opt.lr = 0.01`)."""

    def __init__(self, name):
        self.name = name

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return obj._hyper[self.name]

    def __set__(self, obj, value):
        tensor = obj._hyper[self.name]
        if isinstance(value, torch.Tensor):
            value = value.detach().cpu()
        with torch.no_grad():
            tensor.fill_(float(np.asarray(value)))


def _cached_float(cache, key, tensor):
    """float(tensor), remembered until the tensor is replaced or written
    in place."""
    entry = cache.get(key)
    if entry is not None and entry[0] is tensor and \
            entry[1] == tensor._version:
        return entry[2]
    return _remember(cache, key, tensor, float(tensor))


def _remember(cache, key, tensor, value):
    """Records that `tensor`, as it is now, holds `value`."""
    cache[key] = (tensor, tensor._version, value)
    return value


def _hyper_tensor(value, name):
    tensor = torch.tensor(float(value), dtype=torch.float32)
    return tensor


def clip_norm(g, c, n):
    """`g` scaled by `c / n` when its L2 norm `n` is at least `c` (Keras
    2's clipnorm on one gradient); `g` unchanged for c <= 0."""
    if c <= 0:
        return g
    n = torch.as_tensor(n, dtype=g.dtype, device=g.device)
    return torch.where(n >= c, g * c / n, g)


class Optimizer(torch.optim.Optimizer):
    """Base class of the Keras 2 optimizers.

    Keyword arguments shared by all: `clipnorm` (rescale all gradients so
    their global L2 norm is at most this), `clipvalue` (clip each gradient
    element to [-clipvalue, clipvalue])."""

    _slot_names = ()

    def __init__(self, **kwargs):
        allowed = {'clipnorm', 'clipvalue', 'global_clipnorm', 'name'}
        for k in kwargs:
            if k not in allowed:
                raise TypeError('Unexpected keyword argument passed to '
                                'optimizer: ' + str(k))
        self.clipnorm = kwargs.get('clipnorm', kwargs.get('global_clipnorm'))
        self.clipvalue = kwargs.get('clipvalue')
        if self.clipnorm is not None and self.clipnorm < 0:
            raise ValueError('clipnorm must be >= 0; got %r' % self.clipnorm)
        if self.clipvalue is not None and self.clipvalue < 0:
            raise ValueError('clipvalue must be >= 0; got %r'
                             % self.clipvalue)
        self.iterations = torch.zeros((), dtype=torch.int64)
        self._hyper_cache = {}
        self.updates = []
        self._attached = False
        self._params = []

    def __getstate__(self):
        # torch.optim.Optimizer pickles only its defaults, state and
        # parameter groups; a Keras optimizer (pickled with its model)
        # keeps its hyperparameters and wiring too.
        state = self.__dict__.copy()
        state['_hyper_cache'] = {}
        return state

    # ------------------------------------------------------------- wiring
    def _set_hyper(self, name, value):
        if '_hyper' not in self.__dict__:
            self._hyper = {}
        self._hyper[name] = _hyper_tensor(value, name)

    def _hyper_value(self, name):
        """A hyperparameter as a Python float. The tensor is read again
        only after it was written (`K.set_value`, `opt.lr = ...`), which
        bumps its version: a training step reads no tensor."""
        return _cached_float(self._hyper_cache, name, self._hyper[name])

    def _iterations_value(self):
        return int(_cached_float(self._hyper_cache, 'iterations',
                                 self.iterations))

    def _attach(self, params, layouts=None):
        """Gives the optimizer the weights it updates (called by compile).

        `layouts` maps id(param) to the (to_keras, from_keras) functions of
        its weight, so that `get_weights`/`set_weights` speak Keras layout
        like the model's weights do."""
        params = [p for p in params if p.requires_grad]
        old_state = getattr(self, 'state', {}) if self._attached else {}
        torch.optim.Optimizer.__init__(self, [{'params': params}], {})
        for p in params:
            if p in old_state:
                self.state[p] = old_state[p]
        self._params = params
        self._layouts = dict(layouts or {})
        self._attached = True

    def _require_attached(self):
        if not self._attached:
            raise RuntimeError('This optimizer has no weights yet: pass it '
                               'to model.compile() first.')

    def _slot_entries(self):
        """(param, slot tensor) pairs in Keras order: by slot kind, then
        by weight."""
        if not self._attached:
            return []
        return [(p, self._slot(p, name)) for name in self._slot_names
                for p in self._params]

    def _to_keras(self, p, tensor):
        to_keras, _ = self.__dict__.get('_layouts', {}).get(id(p),
                                                            (None, None))
        if to_keras is None or tensor.shape != p.shape:
            return tensor
        return to_keras(tensor)

    def _assign_keras(self, p, tensor, value):
        to_keras, from_keras = self.__dict__.get('_layouts', {}).get(
            id(p), (None, None))
        value = torch.as_tensor(np.asarray(value), dtype=tensor.dtype,
                                device=tensor.device)
        with torch.no_grad():
            if tensor.shape != p.shape or (to_keras is None and
                                           from_keras is None):
                tensor.copy_(value.reshape(tensor.shape))
            elif from_keras is not None:
                tensor.copy_(from_keras(value))
            else:
                to_keras(tensor).copy_(value)

    @property
    def weights(self):
        """[iterations] + slot variables, in Keras order and layout."""
        return [self.iterations] + self._extra_weights() + [
            self._to_keras(p, slot) for p, slot in self._slot_entries()]

    def _extra_weights(self):
        return []

    def _slot(self, p, name):
        state = self.state[p]
        if name not in state:
            state[name] = torch.zeros_like(p, memory_format=torch.
                                           preserve_format)
        return state[name]

    def get_weights(self):
        return [K.get_value(w) for w in self.weights]

    def set_weights(self, weights):
        """Sets [iterations] + slots from Numpy arrays (a list without the
        leading iterations value is accepted, as in Keras 2.2)."""
        params = self.weights
        weights = list(weights)
        if len(params) == len(weights) + 1:
            weights = [np.asarray(0)] + weights
        if len(params) != len(weights):
            raise ValueError('Length of the specified weight list (' +
                             str(len(weights)) + ') does not match the '
                             'number of weights of the optimizer (' +
                             str(len(params)) + ')')
        for p, w in zip(params, weights):
            w = np.asarray(w)
            if tuple(p.shape) != tuple(w.shape):
                raise ValueError('Optimizer weight shape ' +
                                 str(tuple(p.shape)) + ' not compatible '
                                 'with provided weight shape ' +
                                 str(w.shape))
        head = 1 + len(self._extra_weights())
        for tensor, w in zip(params[:head], weights[:head]):
            with torch.no_grad():
                tensor.copy_(torch.as_tensor(np.asarray(w),
                                             dtype=tensor.dtype))
        for (p, slot), w in zip(self._slot_entries(), weights[head:]):
            self._assign_keras(p, slot, w)

    def get_config(self):
        config = {}
        if self.clipnorm is not None:
            config['clipnorm'] = self.clipnorm
        if self.clipvalue is not None:
            config['clipvalue'] = self.clipvalue
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop('name', None)
        return cls(**config)

    def __repr__(self):
        args = ', '.join('%s=%r' % kv for kv in self.get_config().items())
        return '%s(%s)' % (type(self).__name__, args)

    # ------------------------------------------------------------- update
    def _grads(self):
        params, grads = [], []
        for p in self._params:
            if p.grad is not None:
                params.append(p)
                grads.append(p.grad)
        if grads and self.clipnorm:
            norms = torch._foreach_norm(grads)
            norm = torch.linalg.vector_norm(torch.stack(norms))
            scale = torch.clamp(self.clipnorm / torch.clamp(norm, min=1e-30),
                                max=1.0)
            grads = torch._foreach_mul(grads, scale)
        if grads and self.clipvalue:
            grads = [torch.clamp(g, -self.clipvalue, self.clipvalue)
                     for g in grads]
        return params, grads

    def _lr_now(self, iterations):
        lr = self._hyper_value('learning_rate')
        decay = self._hyper_value('decay') if 'decay' in self._hyper \
            else 0.
        if decay > 0:
            lr *= 1. / (1. + decay * iterations)
        return lr

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        self._require_attached()
        params, grads = self._grads()
        iterations = self._iterations_value()
        if params:
            self._update(params, grads, iterations)
        self.iterations.add_(1)
        _remember(self._hyper_cache, 'iterations', self.iterations,
                  iterations + 1)
        return loss

    def _update(self, params, grads, iterations):
        raise NotImplementedError

    def get_updates(self, *args, **kwargs):
        """`get_updates(loss, params)`: the update of `params` that
        minimises `loss`, for `K.function(inputs, outputs, updates=...)`;
        every call of that function computes the loss, its gradients and
        one optimizer step. Keras 1's `(params, constraints, loss)` order
        is accepted too."""
        from .engine.symbolic import OptimizerUpdate
        args = list(args)
        if args and isinstance(args[0], (list, tuple)):
            # Keras 1: get_updates(params, constraints, loss)
            names = ['params', 'constraints', 'loss']
        else:
            names = ['loss', 'params']
        given = dict(zip(names, args))
        given.update(kwargs)
        unknown = set(given) - {'loss', 'params', 'constraints'}
        if unknown or 'loss' not in given or 'params' not in given:
            raise TypeError('get_updates() takes `loss` and `params`; got '
                            '%s.' % sorted(given))
        self.updates = [OptimizerUpdate(self, given['loss'],
                                        list(given['params']))]
        return self.updates

    def get_gradients(self, loss, params):
        grads = torch.autograd.grad(loss, params, allow_unused=True)
        if any(g is None for g in grads):
            raise ValueError('An operation has `None` for gradient. Please '
                             'make sure that all of your ops have a gradient '
                             'defined (i.e. are differentiable). Common ops '
                             'without gradient: K.argmax, K.round, K.eval.')
        return list(grads)


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, Nesterov momentum and
    Keras's time decay.

    v = momentum * v - lr * g;  p += v  (nesterov: p += momentum * v - lr * g)
    """

    _slot_names = ('momentum',)
    lr = learning_rate = _Hyper('learning_rate')
    momentum = _Hyper('momentum')
    decay = _Hyper('decay')

    def __init__(self, learning_rate=0.01, momentum=0., nesterov=False,
                 **kwargs):
        learning_rate = kwargs.pop('lr', learning_rate)
        decay = kwargs.pop('decay', 0.0)
        super(SGD, self).__init__(**kwargs)
        self._set_hyper('learning_rate', learning_rate)
        self._set_hyper('momentum', momentum)
        self._set_hyper('decay', decay)
        self.initial_decay = decay
        self.nesterov = nesterov

    def _update(self, params, grads, iterations):
        lr = self._lr_now(iterations)
        momentum = self._hyper_value('momentum')
        moments = [self._slot(p, 'momentum') for p in params]
        if momentum == 0.:
            # v = -lr * g;  p += v  (nesterov: p += -lr * g as well)
            torch._foreach_mul_(moments, 0.)
            torch._foreach_add_(moments, grads, alpha=-lr)
            torch._foreach_add_(params, grads, alpha=-lr)
            return
        torch._foreach_mul_(moments, momentum)
        torch._foreach_add_(moments, grads, alpha=-lr)
        if self.nesterov:
            torch._foreach_add_(params, moments, alpha=momentum)
            torch._foreach_add_(params, grads, alpha=-lr)
        else:
            torch._foreach_add_(params, moments)

    def get_config(self):
        config = {'learning_rate': float(self._hyper['learning_rate']),
                  'momentum': float(self._hyper['momentum']),
                  'decay': float(self._hyper['decay']),
                  'nesterov': self.nesterov}
        config.update(super(SGD, self).get_config())
        return config


def _epsilon(kwargs):
    eps = kwargs.pop('epsilon', None)
    return K.epsilon() if eps is None else eps


class RMSprop(Optimizer):
    """RMSprop: a = rho * a + (1 - rho) * g^2;
    p -= lr * g / (sqrt(a) + epsilon)."""

    _slot_names = ('accumulator',)
    lr = learning_rate = _Hyper('learning_rate')
    rho = _Hyper('rho')
    decay = _Hyper('decay')

    def __init__(self, learning_rate=0.001, rho=0.9, **kwargs):
        decay = kwargs.pop('decay', 0.0)
        self.epsilon = _epsilon(kwargs)
        learning_rate = kwargs.pop('lr', learning_rate)
        super(RMSprop, self).__init__(**kwargs)
        self._set_hyper('learning_rate', learning_rate)
        self._set_hyper('rho', rho)
        self._set_hyper('decay', decay)
        self.initial_decay = decay

    def _update(self, params, grads, iterations):
        lr = self._lr_now(iterations)
        rho = self._hyper_value('rho')
        accumulators = [self._slot(p, 'accumulator') for p in params]
        torch._foreach_mul_(accumulators, rho)
        torch._foreach_addcmul_(accumulators, grads, grads, value=1. - rho)
        denom = torch._foreach_sqrt(accumulators)
        torch._foreach_add_(denom, self.epsilon)
        torch._foreach_addcdiv_(params, grads, denom, value=-lr)

    def get_config(self):
        config = {'learning_rate': float(self._hyper['learning_rate']),
                  'rho': float(self._hyper['rho']),
                  'decay': float(self._hyper['decay']),
                  'epsilon': self.epsilon}
        config.update(super(RMSprop, self).get_config())
        return config


class Adagrad(Optimizer):
    """Adagrad: a += g^2;  p -= lr * g / (sqrt(a) + epsilon)."""

    _slot_names = ('accumulator',)
    lr = learning_rate = _Hyper('learning_rate')
    decay = _Hyper('decay')

    def __init__(self, learning_rate=0.01, **kwargs):
        decay = kwargs.pop('decay', 0.0)
        self.epsilon = _epsilon(kwargs)
        learning_rate = kwargs.pop('lr', learning_rate)
        super(Adagrad, self).__init__(**kwargs)
        self._set_hyper('learning_rate', learning_rate)
        self._set_hyper('decay', decay)
        self.initial_decay = decay

    def _update(self, params, grads, iterations):
        lr = self._lr_now(iterations)
        accumulators = [self._slot(p, 'accumulator') for p in params]
        torch._foreach_addcmul_(accumulators, grads, grads, value=1.)
        denom = torch._foreach_sqrt(accumulators)
        torch._foreach_add_(denom, self.epsilon)
        torch._foreach_addcdiv_(params, grads, denom, value=-lr)

    def get_config(self):
        config = {'learning_rate': float(self._hyper['learning_rate']),
                  'decay': float(self._hyper['decay']),
                  'epsilon': self.epsilon}
        config.update(super(Adagrad, self).get_config())
        return config


class Adadelta(Optimizer):
    """Adadelta with Keras's learning rate (1.0) and rho (0.95):
    a = rho a + (1-rho) g^2;  u = g sqrt(d + eps) / sqrt(a + eps);
    p -= lr u;  d = rho d + (1-rho) u^2."""

    _slot_names = ('accumulator', 'delta_accumulator')
    lr = learning_rate = _Hyper('learning_rate')
    decay = _Hyper('decay')

    def __init__(self, learning_rate=1.0, rho=0.95, **kwargs):
        decay = kwargs.pop('decay', 0.0)
        self.epsilon = _epsilon(kwargs)
        learning_rate = kwargs.pop('lr', learning_rate)
        super(Adadelta, self).__init__(**kwargs)
        self._set_hyper('learning_rate', learning_rate)
        self._set_hyper('decay', decay)
        self.initial_decay = decay
        self.rho = rho

    def _update(self, params, grads, iterations):
        lr = self._lr_now(iterations)
        rho, eps = self.rho, self.epsilon
        accumulators = [self._slot(p, 'accumulator') for p in params]
        deltas = [self._slot(p, 'delta_accumulator') for p in params]
        torch._foreach_mul_(accumulators, rho)
        torch._foreach_addcmul_(accumulators, grads, grads, value=1. - rho)
        numerator = torch._foreach_add(deltas, eps)
        torch._foreach_sqrt_(numerator)
        denominator = torch._foreach_add(accumulators, eps)
        torch._foreach_sqrt_(denominator)
        updates = torch._foreach_mul(grads, numerator)
        torch._foreach_div_(updates, denominator)
        torch._foreach_add_(params, updates, alpha=-lr)
        torch._foreach_mul_(deltas, rho)
        torch._foreach_addcmul_(deltas, updates, updates, value=1. - rho)

    def get_config(self):
        config = {'learning_rate': float(self._hyper['learning_rate']),
                  'rho': self.rho,
                  'decay': float(self._hyper['decay']),
                  'epsilon': self.epsilon}
        config.update(super(Adadelta, self).get_config())
        return config


class Adam(Optimizer):
    """Adam as Keras 2 computes it: lr_t = lr * sqrt(1 - beta_2^t) /
    (1 - beta_1^t);  p -= lr_t * m / (sqrt(v) + epsilon); AMSGrad keeps
    the running maximum of v."""

    _slot_names = ('m', 'v', 'vhat')
    lr = learning_rate = _Hyper('learning_rate')
    beta_1 = _Hyper('beta_1')
    beta_2 = _Hyper('beta_2')
    decay = _Hyper('decay')

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
                 amsgrad=False, **kwargs):
        decay = kwargs.pop('decay', 0.0)
        self.epsilon = _epsilon(kwargs)
        learning_rate = kwargs.pop('lr', learning_rate)
        super(Adam, self).__init__(**kwargs)
        self._set_hyper('learning_rate', learning_rate)
        self._set_hyper('beta_1', beta_1)
        self._set_hyper('beta_2', beta_2)
        self._set_hyper('decay', decay)
        self.initial_decay = decay
        self.amsgrad = amsgrad

    def set_weights(self, weights):
        """Accepts Keras 2's list (with vhat placeholders) and tf.keras's
        (m and v only when amsgrad is off)."""
        weights = list(weights)
        n = len(self._params)
        if not self.amsgrad and self._attached and \
                len(weights) in (1 + 2 * n, 2 * n):
            weights = weights + [np.zeros(1, dtype='float32')] * n
        super(Adam, self).set_weights(weights)

    def _slot(self, p, name):
        if name == 'vhat' and not self.amsgrad:
            state = self.state[p]
            if 'vhat' not in state:
                state['vhat'] = torch.zeros(1, dtype=p.dtype, device=p.device)
            return state['vhat']
        return super(Adam, self)._slot(p, name)

    def _update(self, params, grads, iterations):
        lr = self._lr_now(iterations)
        beta_1 = self._hyper_value('beta_1')
        beta_2 = self._hyper_value('beta_2')
        t = iterations + 1
        lr_t = lr * (math.sqrt(1. - beta_2 ** t) / (1. - beta_1 ** t))
        ms = [self._slot(p, 'm') for p in params]
        vs = [self._slot(p, 'v') for p in params]
        torch._foreach_mul_(ms, beta_1)
        torch._foreach_add_(ms, grads, alpha=1. - beta_1)
        torch._foreach_mul_(vs, beta_2)
        torch._foreach_addcmul_(vs, grads, grads, value=1. - beta_2)
        if self.amsgrad:
            vhats = [self._slot(p, 'vhat') for p in params]
            torch._foreach_maximum_(vhats, vs)
            denom = torch._foreach_sqrt(vhats)
        else:
            denom = torch._foreach_sqrt(vs)
        torch._foreach_add_(denom, self.epsilon)
        torch._foreach_addcdiv_(params, ms, denom, value=-lr_t)

    def get_config(self):
        config = {'learning_rate': float(self._hyper['learning_rate']),
                  'beta_1': float(self._hyper['beta_1']),
                  'beta_2': float(self._hyper['beta_2']),
                  'decay': float(self._hyper['decay']),
                  'epsilon': self.epsilon,
                  'amsgrad': self.amsgrad}
        config.update(super(Adam, self).get_config())
        return config


class Adamax(Optimizer):
    """Adamax (infinity-norm Adam): u = max(beta_2 u, |g|);
    p -= lr / (1 - beta_1^t) * m / (u + epsilon)."""

    _slot_names = ('m', 'u')
    lr = learning_rate = _Hyper('learning_rate')
    beta_1 = _Hyper('beta_1')
    beta_2 = _Hyper('beta_2')
    decay = _Hyper('decay')

    def __init__(self, learning_rate=0.002, beta_1=0.9, beta_2=0.999,
                 **kwargs):
        decay = kwargs.pop('decay', 0.0)
        self.epsilon = _epsilon(kwargs)
        learning_rate = kwargs.pop('lr', learning_rate)
        super(Adamax, self).__init__(**kwargs)
        self._set_hyper('learning_rate', learning_rate)
        self._set_hyper('beta_1', beta_1)
        self._set_hyper('beta_2', beta_2)
        self._set_hyper('decay', decay)
        self.initial_decay = decay

    def _update(self, params, grads, iterations):
        lr = self._lr_now(iterations)
        beta_1 = self._hyper_value('beta_1')
        beta_2 = self._hyper_value('beta_2')
        lr_t = lr / (1. - beta_1 ** (iterations + 1))
        ms = [self._slot(p, 'm') for p in params]
        us = [self._slot(p, 'u') for p in params]
        torch._foreach_mul_(ms, beta_1)
        torch._foreach_add_(ms, grads, alpha=1. - beta_1)
        torch._foreach_mul_(us, beta_2)
        torch._foreach_maximum_(us, torch._foreach_abs(grads))
        denom = torch._foreach_add(us, self.epsilon)
        torch._foreach_addcdiv_(params, ms, denom, value=-lr_t)

    def get_config(self):
        config = {'learning_rate': float(self._hyper['learning_rate']),
                  'beta_1': float(self._hyper['beta_1']),
                  'beta_2': float(self._hyper['beta_2']),
                  'decay': float(self._hyper['decay']),
                  'epsilon': self.epsilon}
        config.update(super(Adamax, self).get_config())
        return config


class Nadam(Optimizer):
    """Nesterov Adam with Keras 2's momentum schedule (schedule_decay
    0.004)."""

    _slot_names = ('m', 'v')
    lr = learning_rate = _Hyper('learning_rate')
    beta_1 = _Hyper('beta_1')
    beta_2 = _Hyper('beta_2')

    def __init__(self, learning_rate=0.002, beta_1=0.9, beta_2=0.999,
                 **kwargs):
        self.schedule_decay = kwargs.pop('schedule_decay', 0.004)
        self.epsilon = _epsilon(kwargs)
        learning_rate = kwargs.pop('lr', learning_rate)
        super(Nadam, self).__init__(**kwargs)
        self._set_hyper('learning_rate', learning_rate)
        self._set_hyper('beta_1', beta_1)
        self._set_hyper('beta_2', beta_2)
        self.m_schedule = torch.ones((), dtype=torch.float32)

    def _extra_weights(self):
        return [self.m_schedule]

    def _update(self, params, grads, iterations):
        lr = self._hyper_value('learning_rate')
        beta_1 = self._hyper_value('beta_1')
        beta_2 = self._hyper_value('beta_2')
        t = iterations + 1
        # Float32 arithmetic for the schedule, as Keras computes it.
        f32 = np.float32
        momentum_cache_t = f32(beta_1) * (f32(1.) - f32(0.5) * (
            f32(0.96) ** (f32(t) * f32(self.schedule_decay))))
        momentum_cache_t_1 = f32(beta_1) * (f32(1.) - f32(0.5) * (
            f32(0.96) ** (f32(t + 1) * f32(self.schedule_decay))))
        m_schedule = f32(_cached_float(self._hyper_cache, 'm_schedule',
                                       self.m_schedule))
        m_schedule_new = m_schedule * momentum_cache_t
        m_schedule_next = m_schedule * momentum_cache_t * momentum_cache_t_1
        self.m_schedule.fill_(float(m_schedule_new))
        _remember(self._hyper_cache, 'm_schedule', self.m_schedule,
                  float(m_schedule_new))
        ms = [self._slot(p, 'm') for p in params]
        vs = [self._slot(p, 'v') for p in params]
        torch._foreach_mul_(ms, beta_1)
        torch._foreach_add_(ms, grads, alpha=1. - beta_1)
        torch._foreach_mul_(vs, beta_2)
        torch._foreach_addcmul_(vs, grads, grads, value=1. - beta_2)
        # m_bar = (1 - mc_t) * g / (1 - m_sched_new)
        #         + mc_t1 * m / (1 - m_sched_next)
        g_coef = float((f32(1.) - momentum_cache_t) /
                       (f32(1.) - m_schedule_new))
        m_coef = float(momentum_cache_t_1 / (f32(1.) - m_schedule_next))
        m_bar = torch._foreach_mul(grads, g_coef)
        torch._foreach_add_(m_bar, ms, alpha=m_coef)
        v_prime = torch._foreach_div(vs, 1. - beta_2 ** t)
        torch._foreach_sqrt_(v_prime)
        torch._foreach_add_(v_prime, self.epsilon)
        torch._foreach_addcdiv_(params, m_bar, v_prime, value=-lr)

    def get_config(self):
        config = {'learning_rate': float(self._hyper['learning_rate']),
                  'beta_1': float(self._hyper['beta_1']),
                  'beta_2': float(self._hyper['beta_2']),
                  'epsilon': self.epsilon,
                  'schedule_decay': self.schedule_decay}
        config.update(super(Nadam, self).get_config())
        return config


# Keras 2 lower-case aliases.
sgd = SGD
rmsprop = RMSprop
adagrad = Adagrad
adadelta = Adadelta
adam = Adam
adamax = Adamax
nadam = Nadam

_ALL = {'sgd': SGD, 'rmsprop': RMSprop, 'adagrad': Adagrad,
        'adadelta': Adadelta, 'adam': Adam, 'adamax': Adamax,
        'nadam': Nadam, 'SGD': SGD, 'RMSprop': RMSprop, 'Adagrad': Adagrad,
        'Adadelta': Adadelta, 'Adam': Adam, 'Adamax': Adamax,
        'Nadam': Nadam}


def serialize(optimizer):
    return serialize_keras_object(optimizer)


# tf.keras optimizer options that have no effect when left at these values.
_NEUTRAL_TF_KEYS = {'name': None, 'weight_decay': None,
                    'global_clipnorm': None, 'use_ema': False,
                    'ema_momentum': None, 'ema_overwrite_frequency': None,
                    'jit_compile': None, 'is_legacy_optimizer': None}


def deserialize(config, custom_objects=None):
    if isinstance(config, dict):
        # Built-in names are matched case-insensitively; like Keras 2, the
        # caller's dict gets the lower-case name.
        if str(config.get('class_name', '')).lower() in _ALL:
            config['class_name'] = config['class_name'].lower()
        config = dict(config)
        class_name = config.get('class_name', '')
        if class_name.startswith('Custom>'):
            class_name = class_name[len('Custom>'):]
        if class_name.lower() in {k.lower() for k in _ALL}:
            config['class_name'] = class_name.lower()
        inner = dict(config.get('config', {}))
        for key, neutral in _NEUTRAL_TF_KEYS.items():
            if key in inner:
                value = inner.pop(key)
                if neutral is not None and value not in (neutral, None):
                    raise NotImplementedError(
                        'Optimizer option %s=%r is not supported.'
                        % (key, value))
                if key == 'weight_decay' and value:
                    raise NotImplementedError(
                        'Optimizer option weight_decay=%r is not supported.'
                        % (value,))
        for key in ('clipnorm', 'clipvalue'):
            if key in inner and inner[key] is None:
                inner.pop(key)
        config['config'] = inner
    return deserialize_keras_object(config, module_objects=_ALL,
                                    custom_objects=custom_objects,
                                    printable_module_name='optimizer',
                                    valid_names=sorted(k for k in _ALL
                                                       if k.islower()))


def get(identifier):
    """An optimizer from a name ('adam'), a config dict or an instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, torch.optim.Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        key = identifier if identifier in _ALL else identifier.lower()
        if key not in _ALL:
            raise ValueError('Unknown optimizer: %r. Valid names: %s.'
                             % (identifier, ', '.join(
                                 sorted(k for k in _ALL if k.islower()))))
        return _ALL[key]()
    raise ValueError('Could not interpret optimizer identifier: ' +
                     str(identifier))
