"""Keras 2 optimizers as `torch.optim.Optimizer` subclasses.

The update formulas, defaults and argument names are Keras 2's, not
torch's: `lr`/`learning_rate`, `decay` (lr / (1 + decay * iterations)),
epsilon added outside the square root, Adam's bias correction folded into
the learning rate, global-norm `clipnorm` and `clipvalue`. Updates use
torch's multi-tensor (`_foreach`) kernels.

An optimizer is created before the model exists (`SGD(lr=0.01)`); the
model hands it its trainable weights in `compile()`.

A subclass may instead define its step the Keras 2 way, as
`get_updates(loss, params)` with `K.update` and friends: that method then
runs once per training step, eagerly (see `backend/replay.py`), on the
gradients `backward()` computed, in `fit`, `train_on_batch`,
`fit_generator` and in `K.function(..., updates=opt.get_updates(...))`.

A subclass written for tf.keras 2.0-2.10's OptimizerV2 (`name` passed to
`__init__`, `_set_hyper`, `_create_slots`, `_resource_apply_dense`)
derives from `OptimizerV2`, which runs those hooks at each step as
tf.keras's `apply_gradients` does."""
import functools
import importlib.machinery
import math
import re
import sys
import types

import numpy as np
import torch

from . import backend as K
from . import learning_rate_schedule as schedules
from .backend import common, immutable, replay, tape_values, variable_graph
from .utils.generic_utils import (deserialize_keras_object,
                                  get_custom_objects,
                                  serialize_keras_object)


class _Hyper(object):
    """A hyperparameter exposed as a variable (`K.get_value(opt.lr)`,
    `K.set_value(opt.lr, 0.01)`, `opt.lr = 0.01`)."""

    def __init__(self, name):
        self.name = name

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        if self.name == 'learning_rate' and \
                obj.__dict__.get('_lr_schedule') is not None:
            obj._show_last_rate()
        return obj._hyper[self.name]

    def __set__(self, obj, value):
        if self.name == 'learning_rate':
            if schedules.is_schedule(value):
                obj._set_hyper('learning_rate', value)
                return
            # A rate set by hand (a callback) replaces a schedule.
            obj.__dict__['_lr_schedule'] = None
        tensor = obj._hyper[self.name]
        if isinstance(value, torch.Tensor) and value is not tensor and \
                not getattr(value, '_keras_source', None):
            # A variable or an expression of variables (AccumOptimizer's
            # `opt.lr = K.switch(cond, opt.lr, 0.)`, restoring a saved
            # `opt.lr`): the hyperparameter becomes that tensor, read
            # afresh at each step, as Keras 2 rebinds the attribute.
            obj._hyper[self.name] = value
            return
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
    return variable_graph.add_assign_methods(tensor)


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
    element to [-clipvalue, clipvalue]), and tf.keras's `global_clipnorm`
    (the global norm), `weight_decay` (decoupled: p -= lr * weight_decay *
    p before each step, as tf.keras 2.11+ does) and `is_legacy_optimizer`.

    `is_legacy_optimizer` selects whose update rules apply where tf.keras
    departs from Keras 2: None (the default) is Keras 2; True is tf.keras's
    `optimizers.legacy` (tf.keras 2.0-2.10): `clipnorm` clips each
    gradient by its own norm; False is tf.keras 2.11+'s optimizers: the
    same, with epsilon inside the square root of RMSprop and Adagrad,
    Nadam's momentum schedule without `schedule_decay`, and only the first
    of `clipnorm`, `global_clipnorm`, `clipvalue` applied.

    tf.keras 2.11+'s `name` (the class name by default), `jit_compile`
    (recorded only) and `use_ema`: after each step, an `average` slot per
    weight (starting from the weight before the first step) becomes
    ema_momentum * average + (1 - ema_momentum) * weight; every
    `ema_overwrite_frequency` steps, and in `finalize_variable_values`,
    the weights are set to their averages."""

    _slot_names = ()
    # The slot kinds tf.keras creates weight by weight (its 2.11+
    # optimizers under False, its legacy ones under True) rather than
    # kind after kind, as Keras 2 does; and the names each flavour gives
    # the slots where they differ from those of `_slot_names`.
    _interleaved = {False: (), True: ()}
    _shown_slot_names = {None: {}, False: {}, True: {}}
    # True for a subclass that defines its step as Keras 2's
    # `get_updates(loss, params)`.
    _custom_updates = False

    def __init_subclass__(cls, **kwargs):
        # (Zero-argument super: a program may rebind
        # `keras.optimizers.Optimizer`.)
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get('get_updates')
        if own is not None and not getattr(own, '_replays', False):
            cls._custom_updates = True
            cls.get_updates = _replaying(own)
        elif _protocol_v2()._written_for_optimizer_v2(cls):
            # tf.keras 2.0-2.10's `tf.keras.optimizers.Optimizer` is its
            # OptimizerV2 (see `optimizer_v2_protocol`).
            _protocol_v2()._make_v2(cls)
        elif _protocol_v2()._builtin_base(cls) is not None:
            # A subclass of SGD / Adam extending tf.keras 2.0-2.10's
            # OptimizerV2 hooks (`super()._resource_apply_dense(...)`).
            _protocol_v2()._make_builtin_v2(
                cls, _protocol_v2()._builtin_base(cls))

    def __init__(self, **kwargs):
        allowed = {'clipnorm', 'clipvalue', 'global_clipnorm', 'name',
                   'weight_decay', 'is_legacy_optimizer', 'use_ema',
                   'ema_momentum', 'ema_overwrite_frequency', 'jit_compile'}
        for k in kwargs:
            if k not in allowed:
                raise TypeError('Unexpected keyword argument passed to '
                                'optimizer: ' + str(k))
        self.clipnorm = kwargs.get('clipnorm')
        self.global_clipnorm = kwargs.get('global_clipnorm')
        self.clipvalue = kwargs.get('clipvalue')
        for key in ('clipnorm', 'global_clipnorm', 'clipvalue'):
            value = getattr(self, key)
            if value is not None and value < 0:
                raise ValueError('%s must be >= 0; got %r' % (key, value))
        if self.clipnorm is not None and self.global_clipnorm is not None:
            raise ValueError('Cannot accept both `clipnorm` and '
                             '`global_clipnorm`; got clipnorm=%r, '
                             'global_clipnorm=%r.'
                             % (self.clipnorm, self.global_clipnorm))
        self.is_legacy_optimizer = kwargs.get('is_legacy_optimizer')
        if self.is_legacy_optimizer not in (None, True, False):
            raise ValueError('is_legacy_optimizer must be None, True or '
                             'False; got %r' % (self.is_legacy_optimizer,))
        self.weight_decay = kwargs.get('weight_decay')
        if self.weight_decay is not None:
            if not isinstance(self.weight_decay, (int, float)) or \
                    self.weight_decay < 0:
                raise ValueError('weight_decay must be a float >= 0; got %r'
                                 % (self.weight_decay,))
            self.weight_decay = float(self.weight_decay)
        self.name = kwargs.get('name') or type(self).__name__
        # tf.keras turns XLA off for the optimizer without a GPU, so
        # get_config() reports jit_compile=False on CPU-only machines.
        self.jit_compile = bool(kwargs.get('jit_compile', True)) and \
            torch.cuda.is_available()
        self._init_ema(kwargs.get('use_ema', False),
                       kwargs.get('ema_momentum', 0.99),
                       kwargs.get('ema_overwrite_frequency'))
        if not isinstance(getattr(type(self), 'iterations', None), property):
            # (A wrapper optimizer may forward `iterations` to the one it
            # wraps with a read-only property.)
            # A variable: expressions of it (`K.switch(K.equal(
            # opt.iterations % k, 0), ...)`) read its count when run.
            self.iterations = variable_graph.new_variable(
                torch.zeros((), dtype=torch.int64))
            self.iterations.__dict__['_keras_name'] = \
                self._iterations_name()
        self._hyper_cache = {}
        self.updates = []
        self._attached = False
        self._params = []

    def _iterations_name(self):
        """The step count's name: Keras 2's 'Adam/iterations', tf.keras's
        legacy 'Adam/iter', tf.keras 2.11+'s 'iteration'."""
        flavour = self.is_legacy_optimizer
        if flavour is False:
            return 'iteration'
        if flavour:
            return '%s/iter' % self.name
        return '%s/iterations' % type(self).__name__

    def _init_ema(self, use_ema, momentum, overwrite_frequency):
        """tf.keras 2.11+'s checks of the moving average arguments; the
        `average` slots come first, as tf.keras creates them first."""
        if use_ema:
            if not 0 <= momentum <= 1:
                raise ValueError('`ema_momentum` must be in the range [0, '
                                 '1]. Received: ema_momentum=%r'
                                 % (momentum,))
            if overwrite_frequency and (
                    not isinstance(overwrite_frequency, int) or
                    overwrite_frequency < 1):
                raise ValueError('`ema_overwrite_frequency` must be an '
                                 'integer > 1 or None. Received: '
                                 'ema_overwrite_frequency=%r'
                                 % (overwrite_frequency,))
            self._slot_names = ('average',) + tuple(self._slot_names)
        self.use_ema = bool(use_ema)
        self.ema_momentum = momentum
        self.ema_overwrite_frequency = overwrite_frequency

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
        if name == 'learning_rate':
            value = self._take_schedule(value)
        self._hyper[name] = _hyper_tensor(value, name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            self.__dict__.setdefault('_given_hypers', {})[name] = value

    def _take_schedule(self, value):
        """tf.keras's `learning_rate=<LearningRateSchedule>` (or its config
        dict): kept, and asked for the rate before each update; the
        variable `learning_rate` holds the rate of the last one."""
        if isinstance(value, dict) and 'class_name' in value:
            value = schedules.deserialize(value)
        if not schedules.is_schedule(value):
            self.__dict__['_lr_schedule'] = None
            return value
        self.__dict__['_lr_schedule'] = value
        return schedules.rate_at(value, 0)

    def _hyper_value(self, name):
        """A hyperparameter as a Python float. The tensor is read again
        only after it was written (`K.set_value`, `opt.lr = ...`), which
        bumps its version: a training step reads no tensor. One set to an
        expression of variables is computed at every step."""
        tensor = self._hyper[name]
        if name == 'learning_rate' and \
                self.__dict__.get('_lr_schedule') is not None:
            rate = schedules.rate_at(self._lr_schedule,
                                     self._iterations_value())
            with torch.no_grad():
                tensor.fill_(rate)
            return _remember(self._hyper_cache, name, tensor, rate)
        if variable_graph.is_expression(tensor):
            return float(variable_graph.current(tensor))
        return _cached_float(self._hyper_cache, name, tensor)

    def _show_last_rate(self):
        """Puts in `learning_rate` the rate the schedule gave the last
        step (the first step's before any), which tf.keras 2.11+'s
        `optimizer.learning_rate` reads."""
        step = max(self._iterations_value() - 1, 0)
        with torch.no_grad():
            self._hyper['learning_rate'].fill_(
                schedules.rate_at(self._lr_schedule, step))

    def _hyper_float(self, name):
        """A hyperparameter's current value as a float (for get_config);
        a learning rate schedule's config."""
        if name == 'learning_rate' and \
                self.__dict__.get('_lr_schedule') is not None:
            return schedules.serialize(self._lr_schedule)
        return float(variable_graph.current(self._hyper[name]))

    def _iterations_value(self):
        iterations = self.iterations
        if variable_graph.is_expression(iterations):
            # (A wrapper set an expression of its own count in its place:
            # keras-gradient-accumulation's "fake iterations".)
            return int(variable_graph.current(iterations))
        return int(_cached_float(self._hyper_cache, 'iterations',
                                 iterations))

    def _attach(self, params, layouts=None, names=None):
        """Gives the optimizer the weights it updates (called by compile).

        `layouts` maps id(param) to the (to_keras, from_keras) functions of
        its weight, so that `get_weights`/`set_weights` speak Keras layout
        like the model's weights do; `names`, id(param) to the weight's
        Keras name ('dense/kernel:0'), which the slots' names show."""
        if names:
            self.__dict__.setdefault('_weight_names', {}).update(names)
        params = [p for p in params if p.requires_grad]
        # The slots of every weight attached so far are kept: models that
        # share this optimizer (a GAN's discriminator and combined model)
        # attach their own weights in turn, and each weight's slots carry
        # on from its last step, as they do in Keras.
        kept = self.__dict__.setdefault('_kept_state', {})
        if self._attached:
            kept.update(self.state)
        torch.optim.Optimizer.__init__(self, [{'params': params}], {})
        for p in params:
            if p in kept:
                self.state[p] = kept[p]
        self._params = params
        self._layouts = dict(layouts or {})
        self._attached = True
        self._replay_key = tuple(id(p) for p in params)

    def _attached_elsewhere(self, key):
        """Whether the weights attached now are not those of `key` (the
        ids of a model's trainable weights): another model compiled with
        this optimizer attached its own since."""
        return self._attached and self._replay_key != key

    def _require_attached(self):
        if not self._attached:
            raise RuntimeError('This optimizer has no weights yet: pass it '
                               'to model.compile() first.')

    def _slot_layout(self):
        """(slot name, weight index) of each slot in `weights` order, the
        order the optimizer's Keras creates them in: by slot kind, then by
        weight, but for the kinds tf.keras creates together, weight by
        weight (tf.keras 2.11+'s Adam: m and v of each weight, then the
        vhat of each)."""
        together = self._interleaved.get(
            getattr(self, 'is_legacy_optimizer', None), ())
        layout, names = [], list(self._slot_names)
        while names:
            group = [names.pop(0)]
            while group[0] in together and names and names[0] in together:
                group.append(names.pop(0))
            layout += [(name, i) for i in range(len(self._params))
                       for name in group]
        return layout

    def _slot_entries(self):
        """(param, slot tensor) pairs in `weights` order."""
        if not self._attached:
            return []
        return [(self._params[i], self._slot(self._params[i], name))
                for name, i in self._slot_layout()]

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
    def lr(self):
        """Keras 2.3's legacy `lr` of a subclass: its `learning_rate`, or
        the `lr` it set itself (Keras 2.2's optimizers)."""
        if 'lr' in self.__dict__:
            return self.__dict__['lr']
        return self.learning_rate

    @lr.setter
    def lr(self, value):
        self.__dict__['lr'] = value

    @property
    def weights(self):
        """[iterations] + slot variables, in Keras order and layout; for a
        `get_updates` optimizer, the list its `get_updates` set (empty
        before the first step)."""
        if self._custom_updates:
            return self.__dict__.get('_assigned_weights', [])
        return self._builtin_weights()

    def _builtin_weights(self):
        if not self._attached:
            return [self.iterations] + self._extra_weights()
        called = self.__dict__.get('_called_weights')
        if called is not None:
            return list(called)
        return [self.iterations] + self._extra_weights() + [
            self._shown_slot(name, i) for name, i in self._slot_layout()]

    def _shown_slot(self, name, i):
        """The slot `name` of the i-th weight in Keras layout, as a
        variable named as the optimizer's Keras names it; the same object
        while the slot is."""
        p = self._params[i]
        slot = self._slot(p, name)
        label = self._slot_label(name, i) + ':0'
        cache = self.__dict__.setdefault('_shown_slots', {})
        entry = cache.get((id(p), name))
        if entry is not None and entry[0] is slot and entry[1] == label:
            return entry[2]
        keras = self._to_keras(p, slot).detach()
        view = torch.Tensor._make_subclass(_SlotVariable, keras, False)
        view.__dict__['_keras_name'] = label
        if keras.untyped_storage().data_ptr() == \
                slot.untyped_storage().data_ptr():
            cache[(id(p), name)] = (slot, label, view)
        return view

    def _slot_label(self, name, i):
        """The name (without ':0') of the slot `name` of the i-th weight:
        Keras 2's 'training/Adam/m_0', tf.keras's legacy
        'Adam/dense/kernel/m', tf.keras 2.11+'s 'Adam/m/dense/kernel'."""
        flavour = getattr(self, 'is_legacy_optimizer', None)
        shown = self._shown_slot_names.get(flavour, {}).get(name, name)
        if flavour is None:
            return 'training/%s/%s_%d' % (type(self).__name__, shown, i)
        weight = self._weight_label(i)
        if flavour:
            return '%s/%s/%s' % (self.name, weight, shown)
        return '%s/%s/%s' % (self.name, shown, weight)

    def _weight_label(self, i):
        """The Keras name of the i-th weight without ':0'
        ('dense/kernel'), 'weight_<i>' when unknown."""
        name = self.__dict__.get('_weight_names', {}).get(
            id(self._params[i]))
        return re.sub(r':\d+$', '', name) if name else 'weight_%d' % i

    def get_slot_names(self):
        """The names of the slot kinds (tf.keras's legacy optimizers:
        ['m', 'v'] for Adam)."""
        flavour = getattr(self, 'is_legacy_optimizer', None)
        shown = self._shown_slot_names.get(flavour, {})
        return [shown.get(name, name) for name in self._slot_names]

    def get_slot(self, var, slot_name):
        """The slot `slot_name` (one of `get_slot_names()`) of the weight
        `var`, as a variable sharing its memory; KeyError for another
        name or a weight this optimizer does not update."""
        names = dict(zip(self.get_slot_names(), self._slot_names))
        param, _ = replay.weight_parameter(var)
        index = [i for i, p in enumerate(self._params) if p is param]
        if slot_name not in names or not index:
            raise KeyError(slot_name)
        return self._shown_slot(names[slot_name], index[0])

    @weights.setter
    def weights(self, weights):
        # Keras 2 optimizers set `self.weights = [self.iterations] + ...`
        # in get_updates.
        self.__dict__['_assigned_weights'] = weights

    @property
    def variables(self):
        """tf.keras's `optimizer.variables()` (a method of its legacy
        optimizers, a list that can be called in 2.11+): the `weights`."""
        return _CallableList(self.weights)

    def _extra_weights(self):
        return []

    def _slot(self, p, name):
        state = self.state[p]
        if name not in state:
            if name == 'average':
                state[name] = p.detach().clone()
            else:
                state[name] = torch.zeros_like(
                    p, memory_format=torch.preserve_format)
        return state[name]

    def get_weights(self):
        return [K.get_value(w) for w in self.weights]

    def set_weights(self, weights):
        """Sets [iterations] + slots from Numpy arrays (a list without the
        leading iterations value is accepted, as in Keras 2.2)."""
        params = self.weights
        weights = list(weights)
        if self._custom_updates or '_called_weights' in self.__dict__:
            return self._set_assigned_weights(params, weights)
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

    @staticmethod
    def _set_assigned_weights(params, weights):
        """Keras 2's set_weights: one value per weight, shapes equal."""
        if len(params) != len(weights):
            raise ValueError('Length of the specified weight list (' +
                             str(len(weights)) + ') does not match the '
                             'number of weights of the optimizer (' +
                             str(len(params)) + ')')
        values = [np.asarray(w) for w in weights]
        for p, w in zip(params, values):
            if tuple(p.shape) != tuple(w.shape):
                raise ValueError('Optimizer weight shape ' +
                                 str(tuple(p.shape)) + ' not compatible '
                                 'with provided weight shape ' +
                                 str(w.shape))
        for p, w in zip(params, values):
            K.set_value(p, w)

    def get_config(self):
        """The arguments that rebuild this optimizer, as its flavour's
        Keras writes them: Keras 2 (`is_legacy_optimizer` None): the
        hyperparameters, then the clipping options that are set; tf.keras's
        legacy optimizers: `name` first (and `is_legacy_optimizer: True`
        last); tf.keras 2.11+: `name`, `weight_decay`, the clipping
        options, `use_ema`, `ema_momentum`, `ema_overwrite_frequency`,
        `jit_compile`, `is_legacy_optimizer: False`, then the
        hyperparameters, without the `decay` it refuses."""
        own = self._own_config()
        flavour = getattr(self, 'is_legacy_optimizer', None)
        name = getattr(self, 'name', type(self).__name__)
        if flavour is False:
            if not own.get('decay'):
                own.pop('decay', None)
            config = {'name': name}
            for key in ('weight_decay', 'clipnorm', 'global_clipnorm',
                        'clipvalue') + _EMA_KEYS + ('jit_compile',):
                config[key] = getattr(self, key, None)
            config['is_legacy_optimizer'] = False
            config.update(self._as_given(own))
            return config
        config = {'name': name} if flavour else {}
        config.update(own)
        for key in ('clipnorm', 'global_clipnorm', 'clipvalue',
                    'weight_decay'):
            if getattr(self, key, None) is not None:
                config[key] = getattr(self, key)
        if getattr(self, 'use_ema', False):
            config.update((key, getattr(self, key)) for key in _EMA_KEYS)
        if flavour:
            config['is_legacy_optimizer'] = True
        return config

    def _own_config(self):
        """The hyperparameters of a built-in optimizer's config."""
        return {}

    def _as_given(self, own):
        """tf.keras 2.11+ writes its hyperparameters other than the
        learning rate (plain attributes there) as they were given (0.9,
        not float32's 0.8999999761581421), unless changed since."""
        given = self.__dict__.get('_given_hypers', {})
        for key, value in own.items():
            if key != 'learning_rate' and key in given and \
                    isinstance(value, float) and \
                    float(np.float32(given[key])) == value:
                own[key] = given[key]
        return own

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if cls.__module__ != __name__:
            # (A user's optimizer may not take tf.keras's name.)
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
        return params, self._clipped(grads)

    def _clipped(self, grads):
        """`grads` clipped: Keras 2 applies clipnorm (on the global norm),
        then clipvalue; tf.keras's legacy optimizers clipvalue, clipnorm
        (each gradient by its own norm), then global_clipnorm; tf.keras
        2.11+'s only the first of clipnorm, global_clipnorm, clipvalue."""
        if not grads:
            return grads
        flavour = getattr(self, 'is_legacy_optimizer', None)
        global_clipnorm = getattr(self, 'global_clipnorm', None)
        if flavour is None:
            grads = self._clip_global(grads, self.clipnorm)
            grads = self._clip_global(grads, global_clipnorm)
            return self._clip_value(grads)
        if flavour is False:
            if self.clipnorm:
                return self._clip_each(grads, self.clipnorm)
            if global_clipnorm:
                return self._clip_global(grads, global_clipnorm)
            return self._clip_value(grads)
        grads = self._clip_value(grads)
        grads = self._clip_each(grads, self.clipnorm)
        return self._clip_global(grads, global_clipnorm)

    @staticmethod
    def _clip_global(grads, clipnorm):
        if not clipnorm:
            return grads
        norms = torch._foreach_norm(grads)
        norm = torch.linalg.vector_norm(torch.stack(norms))
        scale = torch.clamp(clipnorm / torch.clamp(norm, min=1e-30),
                            max=1.0)
        return torch._foreach_mul(grads, scale)

    @staticmethod
    def _clip_each(grads, clipnorm):
        if not clipnorm:
            return grads
        norms = torch._foreach_norm(grads)
        return [g * torch.clamp(clipnorm / torch.clamp(n, min=1e-30),
                                max=1.0) for g, n in zip(grads, norms)]

    def _clip_value(self, grads):
        if self.clipvalue:
            grads = [torch.clamp(g, -self.clipvalue, self.clipvalue)
                     for g in grads]
        return grads

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
        if self._custom_updates:
            pending = self.__dict__.get('_pending_step')
            if pending is None:
                raise RuntimeError(
                    '%s defines its step as get_updates(loss, params): it '
                    'steps inside fit / train_on_batch / fit_generator or a '
                    'K.function given its get_updates, not through '
                    'step().' % type(self).__name__)
            self._replay(pending[0], pending[1], self._replay_key,
                         step_grads=True)
            return loss
        self._require_attached()
        params, grads = self._grads()
        self._step_on(params, grads)
        return loss

    def _step_on(self, params, grads):
        """One step of the built-in update on these gradients."""
        iterations = self._iterations_value()
        self._update_on(params, grads, iterations)
        with torch._C.DisableTorchFunctionSubclass():
            # (The count is a variable; its increment builds no graph
            # expression and takes no Python dispatch.)
            self.iterations.add_(1)
        _remember(self._hyper_cache, 'iterations', self.iterations,
                  iterations + 1)

    def _update_on(self, params, grads, iterations):
        if params:
            use_ema = getattr(self, 'use_ema', False)
            if use_ema:
                # (Made from the weights before their first step.)
                averages = [self._slot(p, 'average') for p in params]
            if getattr(self, 'weight_decay', None):
                # Decoupled weight decay, before the update (tf.keras 2.11+).
                torch._foreach_mul_(params, 1. - self._lr_now(iterations) *
                                    self.weight_decay)
            self._update(params, grads, iterations)
            if use_ema:
                self._ema_step(params, averages, iterations)

    def _ema_step(self, params, averages, iterations):
        """tf.keras 2.11+'s moving average after a step: average =
        ema_momentum * average + (1 - ema_momentum) * weight; the weights
        take their averages when this step's count + 1 is a multiple of
        `ema_overwrite_frequency`."""
        torch._foreach_mul_(averages, self.ema_momentum)
        torch._foreach_add_(averages, params, alpha=1. - self.ema_momentum)
        frequency = self.ema_overwrite_frequency
        if frequency and (iterations + 1) % frequency == 0:
            torch._foreach_copy_(params, averages)

    def finalize_variable_values(self, var_list):
        """tf.keras 2.11+'s end of training (its `fit` calls it): with
        `use_ema`, the weights in `var_list` are set to their moving
        averages; otherwise nothing."""
        if not getattr(self, 'use_ema', False):
            return
        with torch.no_grad():
            for variable in var_list:
                param, _ = replay.weight_parameter(variable)
                average = self.state.get(param, {}).get('average') \
                    if self._attached else None
                if average is not None:
                    param.copy_(average)

    def _queued_update(self, hypers, params, grads, iterations):
        """The update of a step queued in a replay, with the
        hyperparameters and iteration count it was queued with (the
        values one Keras 2 session run reads)."""
        live = self._hyper
        self._hyper = hypers
        try:
            self._update_on(params, grads, iterations)
        finally:
            self._hyper = live

    def _overrides_get_gradients(self):
        """Whether this optimizer's gradients come from a get_gradients
        of its own (a subclass's, or one assigned on the instance)."""
        return 'get_gradients' in self.__dict__ or \
            type(self).get_gradients is not Optimizer.get_gradients

    def _update(self, params, grads, iterations):
        raise NotImplementedError(
            '%s does not define its update. Override `get_updates(self, '
            'loss, params)` (Keras 2 style: compute the gradients with '
            '`self.get_gradients(loss, params)` and return the K.update / '
            'K.update_add ops of the step), or `_update(self, params, '
            'grads, iterations)` (update the torch parameters in place).'
            % type(self).__name__)

    # ------------------------------------------- Keras 2 get_updates steps
    def _apply_step(self, loss, params, scaler=None):
        """The training step of a `get_updates` optimizer, after
        `backward()`: runs get_updates on those gradients (unscaled and
        skipped on inf/nan when a GradScaler is given)."""
        if scaler is None:
            self._replay(loss, params, self._replay_key, step_grads=True)
            return
        self.__dict__['_pending_step'] = (loss, params)
        try:
            scaler.step(self)
        finally:
            self.__dict__['_pending_step'] = None
        scaler.update()

    def _replay(self, loss, params, key, step_grads=False, dry=False):
        """Runs this optimizer's get_updates once, eagerly, and applies its
        updates (none in a dry run, which only creates its variables).
        `key` names the weights: the variables it records are kept while
        the same weights train."""
        state = self.__dict__.get('_replay_state')
        if state is None or state[0] != key:
            state = self.__dict__['_replay_state'] = (key, [])
        # Keras 2 calls get_updates once; each run here starts from the
        # `updates` of before the first, so one that returns the list it
        # built before (`if self.updates: return self.updates`) builds it
        # again instead of returning updates of an earlier step.
        before = self.__dict__.setdefault('_updates_before_replay',
                                          list(self.updates))
        self.updates = list(before)
        run = replay.Replay(state[1], loss, step_grads, dry)
        previous = replay.activate(run)
        try:
            with torch.no_grad():
                # User code: `m_t *= 2` makes a new tensor, as on Keras 2's
                # immutable tensors, and cannot change a queued value.
                updates = immutable.call(self.get_updates, loss=loss,
                                         params=params)
                if not dry:
                    returned = _returned_updates(updates)
                    run.apply_returned(updates)
                    for update in returned:
                        update.apply()
        finally:
            replay.activate(previous)
        return updates

    def _build_replay_variables(self, params, key):
        """Creates the variables of get_updates (a dry run on zero
        gradients that changes nothing else), unless they exist: a loaded
        optimizer state then has variables to go into."""
        state = self.__dict__.get('_replay_state')
        if state is None or state[0] != key or not state[1]:
            self._replay(None, params, key, dry=True)

    def _queue_builtin_step(self, run, loss, params):
        """A built-in optimizer's get_updates inside a replay (a wrapper
        optimizer stepping the one it wraps): its step on these gradients
        is queued like the other updates."""
        targets, grads = replay.step_gradients(run, loss, params)
        tensors = [t for t, _ in targets]
        # (Weights of a group stepped before, as a wrapper stepping groups
        # with their own learning rates does, are kept.)
        layouts = {}
        for p, t in zip(params, tensors):
            source = p.__dict__.get('_keras_source')
            if source is not None:
                layouts[id(t)] = (source[1].to_keras, source[1].from_keras)
        self._attach_also(tensors, layouts)
        self._weights_of_call(tensors)
        if self._custom_updates:
            # A subclass's get_updates that ends in the built-in one.
            self.weights = self._builtin_weights()
        if self._overrides_get_gradients():
            grads = [None if g is None else replay.torch_layout(p, g)
                     for p, g in zip(params, self.get_gradients(loss,
                                                                params))]
            clip = list
        else:
            clip = self._clipped
        pairs = [(t, g) for t, g in zip(tensors, grads) if g is not None]
        step_params = [t for t, _ in pairs]
        step_grads = clip([g for _, g in pairs])
        # As Keras 2's get_updates: first the iterations increment, then
        # the step, which reads the iteration count and hyperparameters
        # of now (a wrapper may rebind `lr` after this call).
        hypers = {name: _hyper_tensor(self._hyper_value(name), name)
                  for name in self._hyper}
        if _update_functions_replaced():
            views = [p for p, g in zip(params, grads) if g is not None]
            return self._updates_through_backend(
                views, step_params, step_grads, hypers,
                self._iterations_value())
        increment = run.update(self.iterations, 1, replay.ADD)
        marker = run.call(
            functools.partial(self._queued_update, hypers, step_params,
                              step_grads, self._iterations_value()),
            type(self).__name__)
        self.updates = [increment, marker]
        return self.updates

    def _weights_of_call(self, tensors):
        """As Keras 2's get_updates sets `weights` to the step count and
        the slots of the weights it was given, a call on some of the
        weights (a wrapper stepping groups of weights by turns, each with
        its own learning rate) shows theirs only."""
        index = {id(p): i for i, p in enumerate(self._params)}
        given = {index[id(t)] for t in tensors}
        if len(given) == len(self._params):
            self.__dict__.pop('_called_weights', None)
            return
        self.__dict__['_called_weights'] = \
            [self.iterations] + self._extra_weights() + [
                self._shown_slot(name, i)
                for name, i in self._slot_layout() if i in given]

    def _updates_through_backend(self, views, params, grads, hypers,
                                 iterations):
        """The step as Keras 2's get_updates writes it, through the
        backend's `K.update_add(iterations, 1)` and one `K.update(variable,
        new_value)` per slot and weight, for wrappers that replace those
        functions to see or change each update (keras-lookahead,
        weight-decay extensions). The new values are computed by the
        built-in update, then the weights and slots are put back as they
        were: the updates returned make the step."""
        slots = [[self._named_slot(p, name) for name in self._slot_names
                  if self._slot(p, name).shape == p.shape]
                 for p in params]
        before = [p.detach().clone() for p in params]
        before_slots = [[s.detach().clone() for s in group]
                        for group in slots]
        with torch.no_grad():
            self._queued_update(hypers, params, grads, iterations)
            after = [p.detach().clone() for p in params]
            after_slots = [[s.detach().clone() for s in group]
                           for group in slots]
            for p, value in zip(params, before):
                p.copy_(value)
            for group, values in zip(slots, before_slots):
                for slot, value in zip(group, values):
                    slot.copy_(value)
        updates = [K.update_add(self.iterations, 1)]
        for view, p, value, group, values in zip(views, params, after,
                                                 slots, after_slots):
            updates += [K.update(slot, new)
                        for slot, new in zip(group, values)]
            updates.append(K.update(view, self._to_keras(p, value)))
        self.updates = updates
        return updates

    def _named_slot(self, p, name):
        """A slot as a variable with a Keras name (`Adam/m_3:0`), sharing
        the slot's memory."""
        named = self.__dict__.setdefault('_named_slots', {})
        slot = self._slot(p, name)
        key = (id(slot), name)
        if key not in named:
            view = torch.Tensor._make_subclass(_SlotVariable, slot, False)
            view.__dict__['_keras_name'] = '%s/%s_%d:0' % (
                type(self).__name__, name, len(named))
            named[key] = view
        return named[key]

    # ---------------------------------------- tf.keras custom loops
    def apply_gradients(self, grads_and_vars, name=None, **kwargs):
        """tf.keras's `apply_gradients(zip(grads, model.trainable_weights))`
        (a custom training loop with `tf.GradientTape`): one step of this
        optimizer on those gradients, given in the variables' Keras layout.
        Variables without a gradient (None) are left alone. Returns
        `iterations`. Gradients that are symbolic tensors (a TF1 graph)
        give the training operation that applies them at each run. A
        TensorFlow 1 optimizer (`tf.train.AdamOptimizer()`) also takes
        `global_step`, which gains 1 with each step."""
        if kwargs.get('global_step') is not None:
            from .tensorflow_train_optimizer import counted
            global_step = kwargs.pop('global_step')
            return counted(self, 'apply_gradients', self.apply_gradients(
                grads_and_vars, name, **kwargs), global_step)
        kwargs.pop('global_step', None)
        grads_and_vars = list(grads_and_vars)
        if any(getattr(g, '_is_keras_symbolic', False)
               for g, _ in grads_and_vars):
            from . import tensorflow_graph_run
            return tensorflow_graph_run.apply_gradients_op(
                self, grads_and_vars, name)
        if self._custom_updates:
            raise NotImplementedError(
                '%s defines its step as get_updates(loss, params), which '
                'needs the loss: train with fit / train_on_batch, or call '
                'optimizer.minimize(loss_function, var_list).'
                % type(self).__name__)
        params, grads, layouts = [], [], {}
        names = self.__dict__.setdefault('_weight_names', {})
        for grad, variable in grads_and_vars:
            if grad is None:
                continue
            param = _parameter_with_layout(variable, layouts, names)
            grad = torch.as_tensor(grad, device=param.device) \
                if not isinstance(grad, torch.Tensor) else grad
            params.append(param)
            grads.append(replay.torch_layout(variable, grad.detach())
                         .to(param.dtype))
        if kwargs.get('experimental_aggregate_gradients', True) and \
                not kwargs.get('skip_gradients_aggregation', False):
            from . import tensorflow_distribute
            if tensorflow_distribute.replica_sums_gradients():
                # Inside strategy.run over several processes: the sum of
                # the replicas' gradients, as TensorFlow applies it.
                from . import distributed
                grads = distributed.all_reduce_sum(grads)
        self._attach_also(params, layouts)
        tape_values.keep_values(params)
        with torch.no_grad():
            self._step_on(params, self._clipped(grads))
        return self.iterations

    def build(self, var_list):
        """tf.keras 2.11+'s `build(var_list)` (scikeras calls it on a
        loaded model's `trainable_variables`): these variables join those
        the optimizer updates, and the state it holds for the others is
        kept; a variable it already updates keeps its state, as a built
        tf.keras optimizer ignores a second `build`."""
        layouts = {}
        names = self.__dict__.setdefault('_weight_names', {})
        params = [_parameter_with_layout(variable, layouts, names)
                  for variable in var_list]
        self._attach_also(params, layouts)

    def minimize(self, loss, var_list=None, grad_loss=None, name=None,
                 tape=None, global_step=None):
        """tf.keras's `minimize(loss, var_list)`: `loss` a tensor computed
        with gradients or a function of no arguments returning one; one
        step on the gradients of `var_list` (a list or a function returning
        one). Returns `iterations`. For a symbolic loss (a TF1 graph),
        the training operation that takes that step at each run; without
        `var_list`, on every trainable variable the loss depends on. A
        TensorFlow 1 optimizer (`tf.train.AdamOptimizer()`) also takes
        `global_step`, which gains 1 with each step."""
        if global_step is not None:
            from .tensorflow_train_optimizer import counted
            return counted(self, 'minimize', self.minimize(
                loss, var_list, grad_loss, name, tape), global_step)
        if getattr(loss, '_is_keras_symbolic', False) or (
                variable_graph.is_expression(loss) and _builds_graph()):
            # (A TF1 graph loss, or one of variables only: the TF1
            # getting-started `tf.reduce_mean(tf.square(W * x + b - y))`.)
            from . import tensorflow_graph_run
            return tensorflow_graph_run.minimize_op(self, loss, var_list,
                                                    name)
        if var_list is None:
            raise TypeError("minimize() missing 1 required positional "
                            "argument: 'var_list'")
        with torch.enable_grad():
            value = loss() if callable(loss) else loss
            # (An expression of variables is computed now, with gradients.)
            value = variable_graph.current(value)
        if callable(var_list):
            var_list = var_list()
        var_list = list(var_list)
        targets = [replay.weight_parameter(v) for v in var_list]
        with torch._C.DisableTorchFunctionSubclass():
            # (Variables do not record this call as an expression.)
            grads = torch.autograd.grad(
                value if value.dim() == 0 else value.sum(),
                [t for t, _ in targets], grad_outputs=grad_loss,
                allow_unused=True)
        return self.apply_gradients(
            (None if g is None else (g if to_keras is None
                                     else to_keras(g)), v)
            for g, v, (_, to_keras) in zip(grads, var_list, targets))

    def _attach_also(self, params, layouts):
        """Makes sure these parameters are among the attached ones,
        keeping the state of those already attached."""
        attached = {id(t) for t in self._params} if self._attached else ()
        if all(id(p) in attached for p in params):
            return
        merged = dict(getattr(self, '_layouts', {}))
        merged.update(layouts)
        known = list(self._params) if self._attached else []
        self._attach(known + [p for p in params if id(p) not in attached],
                     merged)

    def get_updates(self, *args, **kwargs):
        """`get_updates(loss, params)`: the update of `params` that
        minimises `loss`, for `K.function(inputs, outputs, updates=...)`;
        every call of that function computes the loss, its gradients and
        one optimizer step. Keras 1's `(params, constraints, loss)` order
        is accepted too. Inside the step of a wrapper optimizer, the step
        on the gradients of `loss` is queued with the wrapper's updates."""
        from .engine.symbolic import OptimizerUpdate
        loss, params = _updates_args(args, kwargs)
        run = replay.current()
        if run is not None:
            return self._queue_builtin_step(run, loss, params)
        self.updates = [OptimizerUpdate(self, loss, params)]
        return self.updates

    def get_gradients(self, loss, params):
        """The gradients of `loss` for `params` with this optimizer's
        clipnorm (on their global norm) and clipvalue, as Keras 2 computes
        them. Inside a training step these are the gradients already
        computed for the step's loss."""
        if not isinstance(params, (list, tuple)):
            # (A dict view or generator of weights or layer outputs, as
            # activation inspectors pass them; one tensor alone too.)
            params = [params] if isinstance(params, torch.Tensor) or \
                getattr(params, '_is_keras_symbolic', False) \
                else list(params)
        run = replay.current()
        if getattr(loss, '_is_keras_symbolic', False) and run is None:
            return self._symbolic_gradients(loss, params)
        if run is not None:
            grads = replay.keras_gradients(run, loss, params)
        else:
            grads = list(torch.autograd.grad(loss, params, allow_unused=True,
                                             retain_graph=True))
        if any(g is None for g in grads):
            raise ValueError('An operation has `None` for gradient. Please '
                             'make sure that all of your ops have a gradient '
                             'defined (i.e. are differentiable). Common ops '
                             'without gradient: K.argmax, K.round, K.eval.')
        if self.clipnorm and self.clipnorm > 0:
            norm = torch.linalg.vector_norm(torch.stack(
                torch._foreach_norm(grads)))
            grads = [clip_norm(g, self.clipnorm, norm) for g in grads]
        if self.clipvalue and self.clipvalue > 0:
            grads = [torch.clamp(g, -self.clipvalue, self.clipvalue)
                     for g in grads]
        return grads

    def _symbolic_gradients(self, loss, params):
        """get_gradients of a symbolic loss (`model.total_loss`): symbolic
        gradients, clipped with backend operations as in Keras 2."""
        grads = K.gradients(loss, params)
        if any(g is None for g in grads):
            raise ValueError('An operation has `None` for gradient. Please '
                             'make sure that all of your ops have a gradient '
                             'defined (i.e. are differentiable).')
        if self.clipnorm and self.clipnorm > 0:
            norm = K.sqrt(sum(K.sum(K.square(g)) for g in grads))
            grads = [K.switch(norm >= self.clipnorm,
                              g * self.clipnorm / norm, g) for g in grads]
        if self.clipvalue and self.clipvalue > 0:
            grads = [K.clip(g, -self.clipvalue, self.clipvalue)
                     for g in grads]
        return grads


_EMA_KEYS = ('use_ema', 'ema_momentum', 'ema_overwrite_frequency')


def _builds_graph():
    """Whether the program builds a TensorFlow 1 graph (a Keras 2 program,
    or a tf.keras one with eager execution disabled)."""
    return not (common.is_tf_keras() and common.executing_eagerly())


def _parameter_with_layout(variable, layouts, names=None):
    """The torch parameter of a Keras variable; its Keras layout functions
    are added to `layouts` and its name to `names` (by the parameter's
    id)."""
    param, _ = replay.weight_parameter(variable)
    source = variable.__dict__.get('_keras_source') \
        if isinstance(variable, torch.Tensor) else None
    if source is not None:
        layouts[id(param)] = (source[1].to_keras, source[1].from_keras)
    name = getattr(variable, 'name', None)
    if names is not None and isinstance(name, str) and name:
        names[id(param)] = name
    return param


class _CallableList(list):
    """A list that returns itself when called (tf.keras 2.11+'s
    `optimizer.variables`, read as an attribute or called)."""

    def __call__(self):
        return self


class _SlotVariable(torch.Tensor):
    """An optimizer slot shown as a named variable."""

    @property
    def name(self):
        return self.__dict__.get('_keras_name')


_BACKEND_UPDATES = (K.update, K.update_add)


def _update_functions_replaced():
    """Whether a program replaced K.update or K.update_add (a wrapper
    watching the updates of the optimizer it wraps)."""
    return K.update is not _BACKEND_UPDATES[0] or \
        K.update_add is not _BACKEND_UPDATES[1]


def _updates_args(args, kwargs):
    """(loss, params) of a get_updates call, in Keras 2's `(loss, params)`
    or Keras 1's `(params, constraints, loss)` order."""
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
    return given['loss'], list(given['params'])


def _returned_updates(updates):
    """The updates in the list `get_updates` returned that its run has
    not applied: `(variable, value)` pairs and update ops of expressions
    written beforehand (keras-rl's soft target updates, appended to an
    optimizer's own). Their values are computed before any is applied,
    as one Keras 2 session run does."""
    from .engine.symbolic import as_variable_update
    found = []
    for update in updates if isinstance(updates, (list, tuple)) else []:
        update = as_variable_update(update)
        if update is None:
            continue
        if update.symbolic_values():
            raise NotImplementedError(
                'get_updates returned an update whose value is a tensor of '
                'a model graph (%r): inside a training step only the '
                'loss and the weights are known. Compute the value from '
                'variables, or run the update with K.function.'
                % (update.value,))
        update.prepare({})
        found.append(update)
    return found


def _params_key(params):
    return tuple(id(replay.weight_parameter(p)[0]) for p in params)


def _replaying(get_updates):
    """A subclass's get_updates, runnable outside a training step: on a
    symbolic loss it returns the update that K.function runs (replaying
    it on the loss computed at each call); on a loss tensor it steps
    now."""
    @functools.wraps(get_updates)
    def wrapper(self, *args, **kwargs):
        if replay.current() is not None:
            return get_updates(self, *args, **kwargs)
        loss, params = _updates_args(args, kwargs)
        if getattr(loss, '_is_keras_symbolic', False):
            self.updates = [_replayed_update(self, loss, params)]
            return self.updates
        if loss.dim():
            # tf.gradients of a non-scalar loss: the gradient of its sum.
            loss = loss.sum()
        return self._replay(loss, params, _params_key(params))
    wrapper._replays = True
    return wrapper


_REPLAYED_UPDATE = []


def _replayed_update(optimizer, loss, params):
    """The K.function update of a get_updates optimizer on a symbolic
    loss: each call runs get_updates on the loss computed by that call
    (its get_updates applies the weight constraints itself)."""
    if not _REPLAYED_UPDATE:
        from .engine.symbolic import OptimizerUpdate

        class ReplayedUpdate(OptimizerUpdate):
            def __init__(self, optimizer, loss, params):
                super(ReplayedUpdate, self).__init__(optimizer, loss, params)
                self._key = _params_key(params)

            def apply(self, computed=None):
                if computed is not None:
                    self.prepare(computed)
                loss, self._loss_value = self._loss_value, None
                if loss.dim():
                    loss = loss.sum()
                self.optimizer._replay(loss, self.params, self._key)

        ReplayedUpdate.__qualname__ = 'ReplayedUpdate'
        _REPLAYED_UPDATE.append(ReplayedUpdate)
    return _REPLAYED_UPDATE[0](optimizer, loss, params)



def _protocol_v2():
    from . import optimizer_v2_protocol
    return optimizer_v2_protocol


def _small(value):
    """An epsilon rather than a momentum or accumulator value."""
    return value is None or (isinstance(value, (int, float)) and
                             not isinstance(value, bool) and
                             0 < value < 1e-3)


def _positional_names(cls_name, args):
    """The parameter names of positional optimizer arguments, telling
    Keras 2.2's order (`SGD(lr, momentum, decay, nesterov)`,
    `Adam(lr, beta_1, beta_2, epsilon, decay, amsgrad)`,
    `RMSprop(lr, rho, epsilon, decay)`) from Keras 2.3's and tf.keras's
    (`SGD(lr, momentum, nesterov)`, `Adam(lr, beta_1, beta_2, amsgrad)` or
    `(lr, beta_1, beta_2, epsilon, amsgrad)`, `RMSprop(lr, rho, momentum,
    epsilon, centered)`) by the values: booleans are the boolean
    options, epsilons are small."""
    def at(i):
        return args[i] if len(args) > i else 0.5
    if cls_name == 'SGD':
        if isinstance(at(2), bool):
            return ['learning_rate', 'momentum', 'nesterov']
        return ['learning_rate', 'momentum', 'decay', 'nesterov']
    if cls_name == 'RMSprop':
        if _small(at(2)):
            return ['learning_rate', 'rho', 'epsilon', 'decay']
        return ['learning_rate', 'rho', 'momentum', 'epsilon', 'centered']
    if cls_name == 'Adagrad':
        if _small(at(1)):
            return ['learning_rate', 'epsilon', 'decay']
        return ['learning_rate', 'initial_accumulator_value', 'epsilon']
    if cls_name == 'Adadelta':
        return ['learning_rate', 'rho', 'epsilon', 'decay']
    if cls_name == 'AdamW':
        return ['learning_rate', 'weight_decay', 'beta_1', 'beta_2',
                'epsilon', 'amsgrad']
    if cls_name == 'Adam':
        names = ['learning_rate', 'beta_1', 'beta_2']
        if isinstance(at(3), bool):
            return names + ['amsgrad']
        if isinstance(at(4), bool):
            return names + ['epsilon', 'amsgrad']
        return names + ['epsilon', 'decay', 'amsgrad']
    if cls_name == 'Adamax':
        return ['learning_rate', 'beta_1', 'beta_2', 'epsilon', 'decay']
    if cls_name == 'Nadam':
        return ['learning_rate', 'beta_1', 'beta_2', 'epsilon',
                'schedule_decay']
    if cls_name == 'Lion':
        return ['learning_rate', 'beta_1', 'beta_2']
    if cls_name == 'Adafactor':
        return ['learning_rate', 'beta_2_decay', 'epsilon_1', 'epsilon_2',
                'clip_threshold', 'relative_step']
    if cls_name == 'Ftrl':
        # tf.keras's legacy Ftrl takes `name` sixth, its 2.11+ one not.
        names = ['learning_rate', 'learning_rate_power',
                 'initial_accumulator_value', 'l1_regularization_strength',
                 'l2_regularization_strength']
        tail = ['l2_shrinkage_regularization_strength', 'beta']
        return names + (['name'] if isinstance(at(5), str) else []) + tail
    return None


@functools.lru_cache(maxsize=64)
def _decimal(value):
    """The short decimal a float32 hyperparameter was written as (0.999
    for 0.9990000128746033)."""
    return float('%.7g' % value)


def _keras2_positionals(init):
    """Decorates a built-in optimizer's __init__: positional arguments in
    any Keras 2 or tf.keras order become keyword arguments."""
    @functools.wraps(init)
    def wrapper(self, *args, **kwargs):
        cls_name = init.__qualname__.split('.')[0]
        if args and _positional_names(cls_name, args) is None:
            return init(self, *args, **kwargs)
        kwargs = _as_keywords(cls_name, args, kwargs)
        _tf_keras_flavoured(cls_name, kwargs)
        return init(self, **kwargs)
    return wrapper


def _as_keywords(cls_name, args, kwargs):
    """`kwargs` with the positional `args` of a built-in optimizer added
    under their names."""
    kwargs = dict(kwargs)
    if not args:
        return kwargs
    names = _positional_names(cls_name, args)
    if len(args) > len(names):
        raise TypeError('%s() takes at most %d positional arguments '
                        '(%d given)' % (cls_name, len(names), len(args)))
    for key, value in zip(names, args):
        if key in kwargs or (key == 'learning_rate' and 'lr' in kwargs):
            raise TypeError("%s() got multiple values for argument "
                            "'%s'" % (cls_name, key))
        if not (key == 'epsilon' and value is None):
            kwargs[key] = value
    return kwargs


def _tf_keras_flavoured(cls_name, kwargs):
    """In a tf.keras program (see `common.api_flavour`), an optimizer made
    without `is_legacy_optimizer` is tf.keras 2.11+'s: its update rules
    and its defaults where they differ from Keras 2's. One made with `lr`
    or `decay` is tf.keras 2.0-2.10's, the only versions whose optimizers
    honour them (2.11+ ignores `lr` and refuses `decay`)."""
    if common.is_tf_keras() and 'is_legacy_optimizer' not in kwargs:
        kwargs['is_legacy_optimizer'] = 'lr' in kwargs or 'decay' in kwargs
        _fill_tf_keras_defaults(cls_name, kwargs)


def _fill_tf_keras_defaults(cls_name, kwargs):
    for name, value in _TF_DEFAULTS.get(cls_name, {}).items():
        if not (name == 'learning_rate' and 'lr' in kwargs):
            kwargs.setdefault(name, value)
    if kwargs.get('is_legacy_optimizer') is False:
        for name, value in _TF_NEW_DEFAULTS.get(cls_name, {}).items():
            kwargs.setdefault(name, value)


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, Nesterov momentum and
    Keras's time decay.

    v = momentum * v - lr * g;  p += v  (nesterov: p += momentum * v - lr * g)
    """

    _slot_names = ('momentum',)
    _shown_slot_names = {None: {'momentum': 'moment'},
                         False: {'momentum': 'm'}, True: {}}
    lr = learning_rate = _Hyper('learning_rate')
    momentum = _Hyper('momentum')
    decay = _Hyper('decay')

    @_keras2_positionals
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
        if self.is_legacy_optimizer and not callable(momentum) and \
                float(momentum) == 0.:
            # (tf.keras's legacy SGD keeps no momentum slots without
            # momentum.)
            self._slot_names = tuple(name for name in self._slot_names
                                     if name != 'momentum')

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

    def _own_config(self):
        return {'learning_rate': self._hyper_float('learning_rate'),
                'momentum': self._hyper_float('momentum'),
                'decay': self._hyper_float('decay'),
                'nesterov': self.nesterov}


def _accumulator_slot(optimizer, p, name):
    """A slot, the `accumulator` starting at the optimizer's
    `initial_accumulator_value`."""
    state = optimizer.state[p]
    if name == 'accumulator' and name not in state:
        state[name] = torch.full_like(
            p, optimizer.initial_accumulator_value,
            memory_format=torch.preserve_format)
    return Optimizer._slot(optimizer, p, name)


def _epsilon(kwargs):
    eps = kwargs.pop('epsilon', None)
    return K.epsilon() if eps is None else eps


class RMSprop(Optimizer):
    """RMSprop: a = rho * a + (1 - rho) * g^2;
    p -= lr * g / (sqrt(a) + epsilon).

    tf.keras's `centered=True` divides by the estimated variance instead:
    mg = rho * mg + (1 - rho) * g and a - mg^2 in place of a. With
    tf.keras's `momentum` > 0 (its ResourceApplyRMSProp kernels) epsilon
    goes inside the square root:
    mom = momentum * mom + lr * g / sqrt(a + epsilon);  p -= mom
    (tf.keras 2.11+'s RMSprop, `is_legacy_optimizer=False`, puts it inside
    without momentum too)."""

    _shown_slot_names = {None: {}, True: {'accumulator': 'rms'},
                         False: {'accumulator': 'velocity',
                                 'mg': 'average_gradient'}}
    lr = learning_rate = _Hyper('learning_rate')
    rho = _Hyper('rho')
    decay = _Hyper('decay')
    momentum = _Hyper('momentum')

    @_keras2_positionals
    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0,
                 centered=False, **kwargs):
        decay = kwargs.pop('decay', 0.0)
        self.epsilon = _epsilon(kwargs)
        learning_rate = kwargs.pop('lr', learning_rate)
        super(RMSprop, self).__init__(**kwargs)
        if not 0. <= float(momentum) <= 1.:
            raise ValueError('`momentum` must be between [0, 1]. Received: '
                             'momentum=%r' % (momentum,))
        self._set_hyper('learning_rate', learning_rate)
        self._set_hyper('rho', rho)
        self._set_hyper('decay', decay)
        self._set_hyper('momentum', momentum)
        self.initial_decay = decay
        self.centered = bool(centered)
        # As tf.keras: the momentum slots exist when momentum > 0 at
        # construction (its kernel then runs even if momentum is set to 0).
        self._slot_names = self._slot_names + ('accumulator',) + \
            (('momentum',) if float(momentum) > 0 else ()) + \
            (('mg',) if self.centered else ())

    def _update(self, params, grads, iterations):
        lr = self._lr_now(iterations)
        rho = self._hyper_value('rho')
        accumulators = [self._slot(p, 'accumulator') for p in params]
        torch._foreach_mul_(accumulators, rho)
        torch._foreach_addcmul_(accumulators, grads, grads, value=1. - rho)
        if self.centered:
            mgs = [self._slot(p, 'mg') for p in params]
            torch._foreach_mul_(mgs, rho)
            torch._foreach_add_(mgs, grads, alpha=1. - rho)
            denom = torch._foreach_addcmul(accumulators, mgs, mgs, value=-1.)
        else:
            denom = accumulators
        with_momentum = 'momentum' in self._slot_names
        if with_momentum or self.is_legacy_optimizer is False:
            denom = torch._foreach_add(denom, self.epsilon)
            torch._foreach_sqrt_(denom)
        else:
            denom = torch._foreach_sqrt(denom)
            torch._foreach_add_(denom, self.epsilon)
        if with_momentum:
            moms = [self._slot(p, 'momentum') for p in params]
            torch._foreach_mul_(moms, self._hyper_value('momentum'))
            torch._foreach_addcdiv_(moms, grads, denom, value=lr)
            torch._foreach_sub_(params, moms)
        else:
            torch._foreach_addcdiv_(params, grads, denom, value=-lr)

    def _own_config(self):
        config = {'learning_rate': self._hyper_float('learning_rate'),
                  'rho': self._hyper_float('rho'),
                  'decay': self._hyper_float('decay'),
                  'epsilon': self.epsilon}
        # tf.keras's options, written when used (Keras 2 knows neither)
        # and in tf.keras's configs.
        tf_config = self.is_legacy_optimizer is not None
        if self._hyper_float('momentum') or 'momentum' in \
                self._slot_names or tf_config:
            config['momentum'] = self._hyper_float('momentum')
        if self.centered or tf_config:
            config['centered'] = self.centered
        return config


class Adagrad(Optimizer):
    """Adagrad: a += g^2;  p -= lr * g / (sqrt(a) + epsilon), the
    accumulators starting at `initial_accumulator_value` (0 in Keras 2,
    0.1 by default in tf.keras, which writes it in its configs).
    tf.keras 2.11+ (`is_legacy_optimizer=False`): lr * g / sqrt(a +
    epsilon)."""

    _slot_names = ('accumulator',)
    lr = learning_rate = _Hyper('learning_rate')
    decay = _Hyper('decay')

    @_keras2_positionals
    def __init__(self, learning_rate=0.01, initial_accumulator_value=0.0,
                 **kwargs):
        decay = kwargs.pop('decay', 0.0)
        self.epsilon = _epsilon(kwargs)
        learning_rate = kwargs.pop('lr', learning_rate)
        super(Adagrad, self).__init__(**kwargs)
        if initial_accumulator_value < 0.:
            raise ValueError('initial_accumulator_value must be '
                           'non-negative: %r' % (initial_accumulator_value,))
        self.initial_accumulator_value = float(initial_accumulator_value)
        self._set_hyper('learning_rate', learning_rate)
        self._set_hyper('decay', decay)
        self.initial_decay = decay

    def _slot(self, p, name):
        return _accumulator_slot(self, p, name)

    def _update(self, params, grads, iterations):
        lr = self._lr_now(iterations)
        accumulators = [self._slot(p, 'accumulator') for p in params]
        torch._foreach_addcmul_(accumulators, grads, grads, value=1.)
        if self.is_legacy_optimizer is False:
            denom = torch._foreach_add(accumulators, self.epsilon)
            torch._foreach_sqrt_(denom)
        else:
            denom = torch._foreach_sqrt(accumulators)
            torch._foreach_add_(denom, self.epsilon)
        torch._foreach_addcdiv_(params, grads, denom, value=-lr)

    def _own_config(self):
        config = {'learning_rate': self._hyper_float('learning_rate'),
                  'decay': self._hyper_float('decay'),
                  'epsilon': self.epsilon}
        if self.initial_accumulator_value or \
                self.is_legacy_optimizer is not None:
            # (tf.keras's default is 0.1: its configs need the 0.)
            config['initial_accumulator_value'] = \
                self.initial_accumulator_value
        return config


class Adadelta(Optimizer):
    """Adadelta with Keras's learning rate (1.0) and rho (0.95):
    a = rho a + (1-rho) g^2;  u = g sqrt(d + eps) / sqrt(a + eps);
    p -= lr u;  d = rho d + (1-rho) u^2."""

    _slot_names = ('accumulator', 'delta_accumulator')
    _interleaved = {False: _slot_names, True: ()}
    _shown_slot_names = {None: {},
                         False: {'accumulator': 'accumulated_grad',
                                 'delta_accumulator':
                                 'accumulated_delta_var'},
                         True: {'accumulator': 'accum_grad',
                                'delta_accumulator': 'accum_var'}}
    lr = learning_rate = _Hyper('learning_rate')
    decay = _Hyper('decay')

    @_keras2_positionals
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

    def _own_config(self):
        return {'learning_rate': self._hyper_float('learning_rate'),
                'rho': self.rho,
                'decay': self._hyper_float('decay'),
                'epsilon': self.epsilon}


class Adam(Optimizer):
    """Adam as Keras 2 computes it: lr_t = lr * sqrt(1 - beta_2^t) /
    (1 - beta_1^t);  p -= lr_t * m / (sqrt(v) + epsilon); AMSGrad keeps
    the running maximum of v."""

    _slot_names = ('m', 'v', 'vhat')
    _interleaved = {False: ('m', 'v'), True: ()}
    lr = learning_rate = _Hyper('learning_rate')
    beta_1 = _Hyper('beta_1')
    beta_2 = _Hyper('beta_2')
    decay = _Hyper('decay')

    @_keras2_positionals
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
        if not amsgrad and self.is_legacy_optimizer is not None:
            # (Keras 2 lists placeholders of shape (1,) for vhat; tf.keras
            # has no vhat slots without amsgrad.)
            self._slot_names = tuple(name for name in self._slot_names
                                     if name != 'vhat')

    def set_weights(self, weights):
        """Accepts Keras 2's list (with vhat placeholders) and tf.keras's
        (m and v only when amsgrad is off)."""
        weights = list(weights)
        n = len(self._params)
        if 'vhat' in self._slot_names and not self.amsgrad and \
                self._attached and len(weights) in (1 + 2 * n, 2 * n):
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
        keep_1, keep_2 = 1. - beta_1, 1. - beta_2
        if self.is_legacy_optimizer is False:
            # tf.keras 2.11+ raises the float32 betas to the power t (1 -
            # 0.999f is 0.00099998713) but updates the moments with 1 -
            # beta of the Python value (0.001); Keras 2 and the legacy
            # optimizers use the float32 betas throughout.
            keep_1, keep_2 = 1. - _decimal(beta_1), 1. - _decimal(beta_2)
        ms = [self._slot(p, 'm') for p in params]
        vs = [self._slot(p, 'v') for p in params]
        torch._foreach_mul_(ms, beta_1)
        torch._foreach_add_(ms, grads, alpha=keep_1)
        torch._foreach_mul_(vs, beta_2)
        torch._foreach_addcmul_(vs, grads, grads, value=keep_2)
        if self.amsgrad:
            vhats = [self._slot(p, 'vhat') for p in params]
            torch._foreach_maximum_(vhats, vs)
            denom = torch._foreach_sqrt(vhats)
        else:
            denom = torch._foreach_sqrt(vs)
        torch._foreach_add_(denom, self.epsilon)
        torch._foreach_addcdiv_(params, ms, denom, value=-lr_t)

    def _own_config(self):
        return {'learning_rate': self._hyper_float('learning_rate'),
                'beta_1': self._hyper_float('beta_1'),
                'beta_2': self._hyper_float('beta_2'),
                'decay': self._hyper_float('decay'),
                'epsilon': self.epsilon,
                'amsgrad': self.amsgrad}


class Adamax(Optimizer):
    """Adamax (infinity-norm Adam): u = max(beta_2 u, |g|);
    p -= lr / (1 - beta_1^t) * m / (u + epsilon)."""

    _slot_names = ('m', 'u')
    _interleaved = {False: _slot_names, True: ()}
    _shown_slot_names = {None: {}, False: {}, True: {'u': 'v'}}
    lr = learning_rate = _Hyper('learning_rate')
    beta_1 = _Hyper('beta_1')
    beta_2 = _Hyper('beta_2')
    decay = _Hyper('decay')

    @_keras2_positionals
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

    def _own_config(self):
        return {'learning_rate': self._hyper_float('learning_rate'),
                'beta_1': self._hyper_float('beta_1'),
                'beta_2': self._hyper_float('beta_2'),
                'decay': self._hyper_float('decay'),
                'epsilon': self.epsilon}


class Nadam(Optimizer):
    """Nesterov Adam with Keras 2's momentum schedule (schedule_decay
    0.004): mu_t = beta_1 * (1 - 0.5 * 0.96^(t * schedule_decay)); the
    product of the mu_t is the `m_schedule` weight. tf.keras 2.11+'s Nadam
    (`is_legacy_optimizer=False`) uses 0.96^t."""

    _slot_names = ('m', 'v')
    _interleaved = {False: _slot_names, True: ()}
    lr = learning_rate = _Hyper('learning_rate')
    beta_1 = _Hyper('beta_1')
    beta_2 = _Hyper('beta_2')

    @_keras2_positionals
    def __init__(self, learning_rate=0.002, beta_1=0.9, beta_2=0.999,
                 **kwargs):
        self.schedule_decay = kwargs.pop('schedule_decay', 0.004)
        self.epsilon = _epsilon(kwargs)
        learning_rate = kwargs.pop('lr', learning_rate)
        super(Nadam, self).__init__(**kwargs)
        self._set_hyper('learning_rate', learning_rate)
        self._set_hyper('beta_1', beta_1)
        self._set_hyper('beta_2', beta_2)
        self.m_schedule = torch.Tensor._make_subclass(
            _SlotVariable, torch.ones((), dtype=torch.float32), False)
        self.m_schedule.__dict__['_keras_name'] = (
            '%s/momentum_cache:0' % self.name if self.is_legacy_optimizer
            else '%s/m_schedule:0' % type(self).__name__)

    def _extra_weights(self):
        # (tf.keras 2.11+ keeps its product of momentum factors out of
        # the optimizer's variables.)
        return [] if self.is_legacy_optimizer is False else \
            [self.m_schedule]

    def set_weights(self, weights):
        """Sets the state; without `m_schedule` among the weights
        (tf.keras 2.11+), the product of the momentum factors is that of
        the steps taken."""
        super(Nadam, self).set_weights(weights)
        if not self._extra_weights():
            with torch.no_grad():
                self.m_schedule.fill_(float(self.m_schedule_after(
                    self._iterations_value())))

    def _schedule_decay(self):
        return 1. if self.is_legacy_optimizer is False else \
            self.schedule_decay

    def m_schedule_after(self, iterations):
        """The `m_schedule` weight after `iterations` steps (for states
        saved without it by tf.keras 2.11+; Keras 2.0-2.2, which saved
        none either, starts it again at 1 when it loads a file)."""
        f32 = np.float32
        t = np.arange(1, int(iterations) + 1, dtype=np.float32)
        caches = f32(self._hyper_value('beta_1')) * (f32(1.) - f32(0.5) * (
            f32(0.96) ** (t * f32(self._schedule_decay()))))
        return np.float32(np.prod(caches, dtype=np.float32)) if len(t) \
            else np.float32(1.)

    def _update(self, params, grads, iterations):
        lr = self._hyper_value('learning_rate')
        beta_1 = self._hyper_value('beta_1')
        beta_2 = self._hyper_value('beta_2')
        t = iterations + 1
        # Float32 arithmetic for the schedule, as Keras computes it.
        f32 = np.float32
        schedule_decay = f32(self._schedule_decay())
        momentum_cache_t = f32(beta_1) * (f32(1.) - f32(0.5) * (
            f32(0.96) ** (f32(t) * schedule_decay)))
        momentum_cache_t_1 = f32(beta_1) * (f32(1.) - f32(0.5) * (
            f32(0.96) ** (f32(t + 1) * schedule_decay)))
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

    def _own_config(self):
        config = {'learning_rate': self._hyper_float('learning_rate'),
                  'beta_1': self._hyper_float('beta_1'),
                  'beta_2': self._hyper_float('beta_2'),
                  'epsilon': self.epsilon}
        if self.is_legacy_optimizer is not False:
            # (tf.keras 2.11+'s Nadam has no schedule decay to take.)
            config['schedule_decay'] = self.schedule_decay
        return config


class AdamW(Adam):
    """Adam with decoupled weight decay (tf.keras 2.11+, Keras 3): before
    each step p -= lr * weight_decay * p, then Adam's update."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9,
                 beta_2=0.999, amsgrad=False, **kwargs):
        if weight_decay is None:
            raise ValueError('Missing value of `weight_decay` which is '
                             'required and must be a float value.')
        kwargs.setdefault('is_legacy_optimizer', False)
        super(AdamW, self).__init__(learning_rate, beta_1, beta_2, amsgrad,
                                    weight_decay=weight_decay, **kwargs)


class Ftrl(Optimizer):
    """FTRL-Proximal, as tf.keras's `Ftrl` (its legacy and 2.11+ ones
    compute the same; Keras 2 has none). Per weight w with gradient g and
    slots n (`accumulator`, from `initial_accumulator_value`) and z
    (`linear`), p = -learning_rate_power:

        g_s = g + 2 * l2_shrinkage_regularization_strength * w
        n_new = n + g^2
        z += g_s - (n_new^p - n^p) / lr * w
        w = (clip(z, -l1, l1) - z) / (n_new^p / lr + 2 * l2 + beta / lr)
        n = n_new

    with l1, l2 the `l1_regularization_strength` and
    `l2_regularization_strength`. The legacy optimizer's `decay` (lr /
    (1 + decay * iterations)) is taken too."""

    _slot_names = ('accumulator', 'linear')
    _interleaved = {False: _slot_names, True: _slot_names}
    lr = learning_rate = _Hyper('learning_rate')
    decay = _Hyper('decay')

    @_keras2_positionals
    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0,
                 **kwargs):
        learning_rate = kwargs.pop('lr', learning_rate)
        decay = kwargs.pop('decay', 0.0)
        super(Ftrl, self).__init__(**kwargs)
        for name, value, sign in (
                ('initial_accumulator_value', initial_accumulator_value, 1),
                ('learning_rate_power', learning_rate_power, -1),
                ('l1_regularization_strength', l1_regularization_strength,
                 1),
                ('l2_regularization_strength', l2_regularization_strength,
                 1),
                ('l2_shrinkage_regularization_strength',
                 l2_shrinkage_regularization_strength, 1)):
            if sign * value < 0:
                raise ValueError('`%s` needs to be %s or zero. Received: '
                                 '%s=%r.' % (name, 'positive' if sign > 0
                                             else 'negative', name, value))
            setattr(self, name, float(value))
        self.beta = float(beta)
        self._set_hyper('learning_rate', learning_rate)
        self._set_hyper('decay', decay)
        self.initial_decay = decay

    def _slot(self, p, name):
        return _accumulator_slot(self, p, name)

    def _update(self, params, grads, iterations):
        lr = self._lr_now(iterations)
        power = -self.learning_rate_power
        l1 = self.l1_regularization_strength
        l2 = self.l2_regularization_strength + self.beta / (2. * lr)
        accumulators = [self._slot(p, 'accumulator') for p in params]
        linears = [self._slot(p, 'linear') for p in params]
        shrinkage = self.l2_shrinkage_regularization_strength
        grads_shrunk = grads if shrinkage <= 0 else torch._foreach_add(
            grads, params, alpha=2. * shrinkage)
        new_accumulators = torch._foreach_addcmul(accumulators, grads, grads)
        new_powers = torch._foreach_pow(new_accumulators, power)
        sigma_w = torch._foreach_sub(new_powers,
                                     torch._foreach_pow(accumulators, power))
        torch._foreach_div_(sigma_w, lr)
        torch._foreach_mul_(sigma_w, params)
        torch._foreach_add_(linears, torch._foreach_sub(grads_shrunk,
                                                        sigma_w))
        quadratic = torch._foreach_div(new_powers, lr)
        torch._foreach_add_(quadratic, 2. * l2)
        weights = torch._foreach_clamp_min(linears, -l1)
        torch._foreach_clamp_max_(weights, l1)
        torch._foreach_sub_(weights, linears)
        torch._foreach_div_(weights, quadratic)
        torch._foreach_copy_(params, weights)
        torch._foreach_copy_(accumulators, new_accumulators)

    def _own_config(self):
        config = {'learning_rate': self._hyper_float('learning_rate'),
                  'decay': self._hyper_float('decay'),
                  'learning_rate_power': self.learning_rate_power,
                  'initial_accumulator_value':
                      self.initial_accumulator_value}
        for key in ('l1_regularization_strength',
                    'l2_regularization_strength',
                    'l2_shrinkage_regularization_strength', 'beta'):
            config[key] = getattr(self, key)
        return config


def _float32_complement(value):
    """1 - value computed in float32, as TensorFlow does with a
    hyperparameter cast to the weights' dtype."""
    return float(np.float32(1.) - np.float32(value))


class Lion(Optimizer):
    """tf.keras 2.13+'s Lion (sign momentum): per weight w with gradient
    g and momentum m,

        w -= learning_rate * sign(beta_1 * m + (1 - beta_1) * g)
        m = beta_2 * m + (1 - beta_2) * g

    with tf.keras 2.11+'s base options (`weight_decay`, clipping, EMA)."""

    _slot_names = ('m',)
    lr = learning_rate = _Hyper('learning_rate')

    def __init__(self, learning_rate=0.0001, beta_1=0.9, beta_2=0.99,
                 **kwargs):
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError('`beta_1`=%r must be between ]0, 1]. '
                             'Otherwise, the optimizer degenerates to '
                             'SignSGD.' % (beta_1,))
        kwargs.setdefault('is_legacy_optimizer', False)
        learning_rate = _new_style_only('Lion', learning_rate, kwargs)
        super(Lion, self).__init__(**kwargs)
        self._set_hyper('learning_rate', learning_rate)
        self.beta_1 = beta_1
        self.beta_2 = beta_2

    def _update(self, params, grads, iterations):
        lr = self._lr_now(iterations)
        beta_1, beta_2 = float(np.float32(self.beta_1)), \
            float(np.float32(self.beta_2))
        ms = [self._slot(p, 'm') for p in params]
        directions = torch._foreach_mul(ms, beta_1)
        torch._foreach_add_(directions, grads,
                            alpha=_float32_complement(self.beta_1))
        torch._foreach_add_(params, torch._foreach_sign(directions),
                            alpha=-lr)
        torch._foreach_mul_(ms, beta_2)
        torch._foreach_add_(ms, grads,
                            alpha=_float32_complement(self.beta_2))

    def _own_config(self):
        return {'learning_rate': self._hyper_float('learning_rate'),
                'beta_1': self.beta_1, 'beta_2': self.beta_2}


class Adafactor(Optimizer):
    """tf.keras 2.11+'s Adafactor. At step t (from 1), per weight w with
    gradient g: rho = min(lr, 1 / sqrt(t)) (lr itself first taken as
    min(lr, 1 / sqrt(t)) with `relative_step` and no schedule), alpha =
    max(epsilon_2, rms(w)) * rho, beta = 1 - t ** beta_2_decay and
    s = g^2 + epsilon_1. A weight of rank >= 2 keeps factored second
    moments: r (mean of s over its last axis) and c (over the one
    before), both running averages with weight beta, and
    v = r / mean(r) (x) c; other weights keep v = beta v + (1 - beta) s.
    Then u = g / sqrt(v), w -= alpha * u / max(1, rms(u) /
    clip_threshold)."""

    _slot_names = ('r', 'c', 'v')
    lr = learning_rate = _Hyper('learning_rate')

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8,
                 epsilon_1=1e-30, epsilon_2=1e-3, clip_threshold=1.0,
                 relative_step=True, **kwargs):
        kwargs.setdefault('is_legacy_optimizer', False)
        learning_rate = _new_style_only('Adafactor', learning_rate, kwargs)
        super(Adafactor, self).__init__(**kwargs)
        self._set_hyper('learning_rate', learning_rate)
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step

    def _slot_layout(self):
        # tf.keras creates r and c (for weights of rank >= 2 only) and v,
        # weight by weight, after the moving averages of `use_ema`.
        averages = [('average', i) for i in range(len(self._params))] \
            if 'average' in self._slot_names else []
        return averages + [(name, i) for i, p in enumerate(self._params)
                           for name in self._slots_of(p)]

    @staticmethod
    def _slots_of(p):
        return ('r', 'c', 'v') if p.dim() >= 2 else ('v',)

    def _slot(self, p, name):
        # The factored moments have the shape of the weight without its
        # last axis (r) or without the one before (c).
        state = self.state[p]
        if name in ('r', 'c') and name not in state:
            state[name] = p.new_zeros(p.shape[:-1] if name == 'r' else
                                      p.shape[:-2] + p.shape[-1:])
        return super(Adafactor, self)._slot(p, name)

    def _update(self, params, grads, iterations):
        step = float(iterations + 1)
        lr = self._lr_now(iterations)
        if self.relative_step and \
                self.__dict__.get('_lr_schedule') is None:
            lr = min(lr, 1. / math.sqrt(step))
        rho = min(lr, 1. / math.sqrt(step))
        beta = 1. - step ** self.beta_2_decay
        for p, g in zip(params, grads):
            alpha = torch.clamp(_rms(p), min=self.epsilon_2) * rho
            squares = g * g + self.epsilon_1
            v = self._slot(p, 'v')
            if p.dim() >= 2:
                r, c = self._slot(p, 'r'), self._slot(p, 'c')
                r.mul_(beta).add_(squares.mean(dim=-1), alpha=1. - beta)
                c.mul_(beta).add_(squares.mean(dim=-2), alpha=1. - beta)
                v.copy_((r / r.mean(dim=-1, keepdim=True)).unsqueeze(-1) *
                        c.unsqueeze(-2))
            else:
                v.mul_(beta).add_(squares, alpha=1. - beta)
            u = g * torch.rsqrt(v)
            u = u / torch.clamp(_rms(u) / self.clip_threshold, min=1.)
            p.sub_(alpha * u)

    def _own_config(self):
        return {'learning_rate': self._hyper_float('learning_rate'),
                'beta_2_decay': self.beta_2_decay,
                'epsilon_1': self.epsilon_1, 'epsilon_2': self.epsilon_2,
                'clip_threshold': self.clip_threshold,
                'relative_step': self.relative_step}


def _rms(x):
    return torch.sqrt(torch.mean(x * x))


def _new_style_only(name, learning_rate, kwargs):
    """The learning rate of an optimizer tf.keras has only in its 2.11+
    form (`lr` taken for `learning_rate`, as by the other optimizers
    here); `decay` refused as tf.keras refuses it."""
    if kwargs.get('is_legacy_optimizer') is not False:
        raise ValueError('%s has no legacy (tf.keras 2.0-2.10 or Keras 2) '
                         'form; is_legacy_optimizer must be False.' % name)
    if 'decay' in kwargs:
        raise ValueError(
            'decay is deprecated in the new TF-Keras optimizer, please '
            'check the docstring for valid arguments: use a '
            'LearningRateSchedule as `learning_rate`.')
    return kwargs.pop('lr', learning_rate)


# Keras 2 lower-case aliases.
sgd = SGD
rmsprop = RMSprop
adagrad = Adagrad
adadelta = Adadelta
adam = Adam
adamax = Adamax
nadam = Nadam
ftrl = Ftrl

_ALL = {'sgd': SGD, 'rmsprop': RMSprop, 'adagrad': Adagrad,
        'adadelta': Adadelta, 'adam': Adam, 'adamax': Adamax,
        'nadam': Nadam, 'SGD': SGD, 'RMSprop': RMSprop, 'Adagrad': Adagrad,
        'Adadelta': Adadelta, 'Adam': Adam, 'Adamax': Adamax,
        'Nadam': Nadam, 'adamw': AdamW, 'AdamW': AdamW, 'ftrl': Ftrl,
        'Ftrl': Ftrl, 'lion': Lion, 'Lion': Lion, 'adafactor': Adafactor,
        'Adafactor': Adafactor}


def serialize(optimizer):
    return serialize_keras_object(optimizer)


_ANY = object()
# tf.keras / Keras 3 optimizer options that change nothing at these values
# (_ANY: at any value): dropped from configs.
_NEUTRAL_TF_KEYS = {'name': _ANY, 'jit_compile': _ANY, 'use_ema': (False,),
                    'ema_momentum': _ANY, 'ema_overwrite_frequency': _ANY,
                    'loss_scale_factor': (None,),
                    'gradient_accumulation_steps': (None, 1)}
# Options whose None means "not set".
_UNSET_WHEN_NONE = ('clipnorm', 'clipvalue', 'global_clipnorm',
                    'weight_decay')
_LOSS_SCALE_WRAPPERS = ('LossScaleOptimizer', 'LossScaleOptimizerV3',
                        'LossScaleOptimizerV1')


def _drop_neutral_keys(inner, class_name, notes, taken=()):
    """Drops from `inner` the options in _NEUTRAL_TF_KEYS but not in
    `taken`; refuses those that would change something."""
    for key, neutral in _NEUTRAL_TF_KEYS.items():
        if key not in inner or key in taken:
            continue
        value = inner.pop(key)
        if neutral is not _ANY and value not in neutral:
            if key == 'use_ema':
                raise NotImplementedError(
                    'Optimizer %s: use_ema=True (keeping a moving average of '
                    'the weights) is not supported.' % class_name)
            raise NotImplementedError('Optimizer %s: option %s=%r is not '
                                      'supported.' % (class_name, key, value))
        if notes is not None:
            notes.append(('dropped', 'optimizer %s' % class_name, key, value))


def _normalized_config(cls, class_name, inner, notes):
    """A built-in optimizer's config as any Keras 2 era wrote it, in the
    arguments of this package's class: tf.keras's configs (they carry
    `name`, `is_legacy_optimizer` or `jit_compile`) get
    `is_legacy_optimizer`, which selects tf.keras's update rules."""
    tf_written = any(k in inner for k in ('name', 'is_legacy_optimizer',
                                          'jit_compile'))
    flavour = inner.pop('is_legacy_optimizer', None)
    # Kept: a name other than the default, the moving average options.
    taken = _EMA_KEYS if inner.get('use_ema') else ()
    if inner.get('name') not in (None, cls.__name__):
        taken += ('name',)
    _drop_neutral_keys(inner, class_name, notes, taken)
    if flavour is None and (tf_written or cls is AdamW):
        flavour = cls is not AdamW
    if flavour is None:
        # Written by Keras 2: its update rules, in a tf.keras program too.
        inner['is_legacy_optimizer'] = None
    learning_rate = inner.get('learning_rate', inner.get('lr'))
    if isinstance(learning_rate, dict):
        # A schedule (tf.keras 2.13+ wraps it with module/registered_name).
        inner.pop('lr', None)
        inner['learning_rate'] = schedules.deserialize(learning_rate)
    if cls is Nadam and 'decay' in inner and 'schedule_decay' not in inner:
        # tf.keras's Nadam writes its momentum schedule decay as `decay`.
        inner['schedule_decay'] = inner.pop('decay')
        if notes is not None:
            notes.append(('converted', 'optimizer %s' % class_name,
                          'decay', 'schedule_decay'))
    for key in _UNSET_WHEN_NONE:
        if key in inner and inner[key] is None:
            inner.pop(key)
    if flavour is not None:
        inner['is_legacy_optimizer'] = bool(flavour)
        if notes is not None:
            notes.append(('converted', 'optimizer %s' % class_name,
                          'update rules', 'tf.keras %s' % (
                              'legacy optimizers (2.0-2.10)' if flavour
                              else '2.11+ optimizers')))
    return inner


def _deserialize(config, custom_objects=None, notes=None):
    """`deserialize`, recording in `notes` the keys dropped and the
    conversions made."""
    if isinstance(config, dict):
        written = str(config.get('class_name', ''))
        class_name = written[len('Custom>'):] \
            if written.startswith('Custom>') else written
        custom = (custom_objects or {}).get(class_name) or \
            get_custom_objects().get(class_name)
        # Built-in names are matched case-insensitively; like Keras 2, the
        # caller's dict gets the lower-case name. A custom object of the
        # name (a library's `AdamW`) takes precedence over the built-in.
        if custom is None and written.lower() in _ALL:
            config['class_name'] = class_name = written.lower()
        config = dict(config)
        inner = dict(config.get('config', {}))
        if class_name in _LOSS_SCALE_WRAPPERS:
            return _loss_scaled(class_name, inner, custom_objects, notes)
        builtin = _ALL.get(class_name.lower())
        if builtin is not None and custom is None:
            config['class_name'] = class_name.lower()
            inner = _normalized_config(builtin, builtin.__name__, inner,
                                       notes)
        else:
            # (tf.keras's OptimizerV2 subclasses take their `name`.)
            taken = ('name',) if isinstance(custom, type) and \
                issubclass(custom, OptimizerV2) else ()
            _drop_neutral_keys(inner, class_name, notes, taken)
            for key in _UNSET_WHEN_NONE:
                if key in inner and inner[key] is None:
                    inner.pop(key)
            inner.pop('is_legacy_optimizer', None)
        config['config'] = inner
    return deserialize_keras_object(config, module_objects=_ALL,
                                    custom_objects=custom_objects,
                                    printable_module_name='optimizer',
                                    valid_names=sorted(k for k in _ALL
                                                       if k.islower()))


def _loss_scaled(class_name, inner, custom_objects, notes):
    """tf.keras's mixed-precision wrapper, as TensorFlow 2.4+
    (`inner_optimizer`, `dynamic`, `initial_scale`,
    `dynamic_growth_steps`) or 2.1-2.3 (`optimizer`, `loss_scale`) wrote
    it: a `mixed_precision.LossScaleOptimizer` of the wrapped
    optimizer."""
    from .mixed_precision import LossScaleOptimizer
    wrapped = inner.get('inner_optimizer') or inner.get('optimizer')
    if not isinstance(wrapped, dict):
        raise ValueError('Optimizer %s config has no inner optimizer: %r'
                         % (class_name, inner))
    optimizer = _deserialize(wrapped, custom_objects, notes)
    return LossScaleOptimizer(optimizer, **_loss_scale_arguments(inner))


def _loss_scale_arguments(inner):
    """LossScaleOptimizer's `dynamic`, `initial_scale` and
    `dynamic_growth_steps` of a saved config."""
    loss_scale = inner.get('loss_scale')
    if loss_scale is None:
        return {key: inner[key] for key in
                ('dynamic', 'initial_scale', 'dynamic_growth_steps')
                if key in inner}
    if loss_scale == 'dynamic':
        return {}
    if not isinstance(loss_scale, dict):
        return {'dynamic': False, 'initial_scale': float(loss_scale)}
    config = loss_scale.get('config', {})
    if loss_scale.get('class_name') == 'DynamicLossScale':
        if config.get('multiplier', 2.) != 2.:
            raise NotImplementedError(
                'A DynamicLossScale with multiplier=%r is not supported; '
                'tf.keras 2.4+ scales by 2.' % (config['multiplier'],))
        return {'initial_scale': config.get('initial_loss_scale', 2. ** 15),
                'dynamic_growth_steps': config.get('increment_period',
                                                   2000)}
    return {'dynamic': False,
            'initial_scale': float(config['loss_scale_value'])}


class TFOptimizer(Optimizer):
    """Keras 2's wrapper of a TensorFlow optimizer
    (`TFOptimizer(tf.train.AdamOptimizer(0.01))`). The TensorFlow
    stand-in's tf.train optimizers are already the Keras optimizers with
    the same update, so the wrapper is the optimizer it is given."""

    def __new__(cls, optimizer):
        if isinstance(optimizer, Optimizer):
            return optimizer
        raise NotImplementedError(
            'TFOptimizer(%r): only the tf.train optimizers of the TensorFlow '
            'stand-in (AdamOptimizer, GradientDescentOptimizer, '
            'MomentumOptimizer, RMSPropOptimizer, ...) can be wrapped; '
            'use a keras.optimizers optimizer.' % (optimizer,))


def deserialize(config, custom_objects=None):
    """An optimizer from `{'class_name': ..., 'config': ...}` as Keras 2 or
    tf.keras wrote it."""
    return _deserialize(config, custom_objects)


def get(identifier, use_legacy_optimizer=False):
    """An optimizer from a name ('adam'), a config dict or an instance.
    `use_legacy_optimizer` (tf.keras 2.11+): a name gives the OptimizerV2
    (`optimizers.legacy`) implementation where there is one."""
    if use_legacy_optimizer and isinstance(identifier, str):
        from . import optimizer_v2_protocol as v2
        legacy = {'sgd': v2.LegacySGD, 'adam': v2.LegacyAdam}
        if identifier.lower() in legacy:
            return legacy[identifier.lower()]()
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, torch.optim.Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        key = identifier if identifier in _ALL else identifier.lower()
        if key not in _ALL:
            from .utils.generic_utils import _unknown_object_message
            raise ValueError('%s Valid names: %s.' % (
                _unknown_object_message('optimizer', identifier, True),
                ', '.join(sorted(k for k in _ALL if k.islower()))))
        return _ALL[key]()
    raise ValueError('Could not interpret optimizer identifier: ' +
                     str(identifier))


# tf.keras 2.x's defaults where they differ from Keras 2's.
_TF_DEFAULTS = {'Adagrad': {'learning_rate': 0.001,
                            'initial_accumulator_value': 0.1},
                'Adadelta': {'learning_rate': 0.001},
                'Adamax': {'learning_rate': 0.001},
                'Nadam': {'learning_rate': 0.001}}
# Defaults of tf.keras 2.11+'s optimizers only.
_TF_NEW_DEFAULTS = {'RMSprop': {'ema_overwrite_frequency': 100}}


def _flavour(cls, legacy):
    """`cls` defaulting to `is_legacy_optimizer=legacy` and to tf.keras's
    argument defaults, under the same name (what tf.keras 2.9-2.15's
    `optimizers.legacy.X` and `optimizers.experimental.X` build)."""
    def __init__(self, *args, **kwargs):
        kwargs = _as_keywords(cls.__name__, args, kwargs)
        kwargs.setdefault('is_legacy_optimizer', legacy)
        _fill_tf_keras_defaults(cls.__name__, kwargs)
        cls.__init__(self, **kwargs)
    return type(cls.__name__, (cls,), {
        '__init__': __init__, '__module__': __name__,
        '__doc__': '%s with tf.keras %s update rules.' % (
            cls.__name__, '2.0-2.10' if legacy else '2.11+')})


def _submodule(module):
    """Registers `module` as importable below this module."""
    module.__spec__ = importlib.machinery.ModuleSpec(module.__name__, None)
    sys.modules[module.__name__] = module
    return module


from .optimizer_v2_protocol import OptimizerV2  # noqa: E402


def _namespace(name, legacy, classes):
    module = types.ModuleType(__name__ + '.' + name)
    # (tf.keras 2.11+'s `optimizers.legacy.Optimizer` is OptimizerV2.)
    module.Optimizer = OptimizerV2 if legacy else Optimizer
    for cls in classes:
        setattr(module, cls.__name__, _flavour(cls, legacy))
    return _submodule(module)


# tf.keras 2.9-2.15: `optimizers.legacy` (the 2.0-2.10 optimizers) and
# `optimizers.experimental` (the 2.11+ ones), importable by those names.
legacy = _namespace('legacy', True, [SGD, RMSprop, Adagrad, Adadelta, Adam,
                                     Adamax, Nadam, Ftrl])
experimental = _namespace('experimental', False, [
    SGD, RMSprop, Adagrad, Adadelta, Adam, Adamax, Nadam, AdamW, Ftrl,
    Adafactor])


def _optimizer_v2_modules():
    """The module paths OptimizerV2 was imported from:
    `tensorflow.python.keras.optimizer_v2.optimizer_v2` and
    `keras.optimizer_v2.optimizer_v2` (tf.keras 2.0-2.8),
    `keras.optimizers.optimizer_v2.optimizer_v2` (2.9-2.10),
    `keras.optimizers.legacy.optimizer_v2` and
    `tf_keras.src.optimizers.legacy.optimizer_v2` (2.11+)."""
    package = __name__.rsplit('.', 1)[0]
    for name in (package + '.optimizer_v2', __name__ + '.optimizer_v2'):
        folder = _submodule(types.ModuleType(name))
        folder.__path__ = []
    setattr(sys.modules[__name__], 'optimizer_v2',
            sys.modules[__name__ + '.optimizer_v2'])
    # (A package, so that `import keras.optimizers.legacy.optimizer_v2`
    # finds below it.)
    legacy.__path__ = []
    for name in (package + '.optimizer_v2.optimizer_v2',
                 __name__ + '.optimizer_v2.optimizer_v2',
                 __name__ + '.legacy.optimizer_v2'):
        module = types.ModuleType(name, 'tf.keras\'s OptimizerV2.')
        module.OptimizerV2 = OptimizerV2
        module.Optimizer = OptimizerV2
        _submodule(module)
        parent, _, child = name.rpartition('.')
        if parent != package:
            setattr(sys.modules[parent], child, module)
    # One module per optimizer (`optimizer_v2.adam.Adam`, tf.keras
    # 2.0-2.8).
    for child, cls in (('adam', Adam), ('gradient_descent', SGD),
                       ('rmsprop', RMSprop), ('adagrad', Adagrad),
                       ('adadelta', Adadelta), ('adamax', Adamax),
                       ('nadam', Nadam), ('ftrl', Ftrl)):
        for name in (package + '.optimizer_v2', __name__ + '.optimizer_v2'):
            module = types.ModuleType(name + '.' + child, cls.__doc__)
            setattr(module, cls.__name__, cls)
            setattr(sys.modules[name], child, _submodule(module))
    # `tensorflow.python.keras.optimizer_v2.learning_rate_schedule`
    # (tf.keras 1.14-2.8), next to OptimizerV2.
    for name in (package + '.optimizer_v2', __name__ + '.optimizer_v2'):
        sys.modules[name + '.learning_rate_schedule'] = schedules
        setattr(sys.modules[name], 'learning_rate_schedule', schedules)


_optimizer_v2_modules()

# `keras.optimizers.schedules` (tf.keras 2.x), importable by that name;
# this module answers imports below it as a package does.
__path__ = []
sys.modules[__name__ + '.schedules'] = schedules
