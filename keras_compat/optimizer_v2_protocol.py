"""tf.keras 2.0-2.10's OptimizerV2 protocol (`tf.keras.optimizers.
Optimizer` there, `tf.keras.optimizers.legacy.Optimizer` in 2.11+): the
base class of third-party optimizers written with `_create_slots`,
`add_slot`, `_set_hyper` and `_resource_apply_dense` (keras-radam,
AdaBelief and the like), on keras_compat's optimizers."""
import functools
import re

import numpy as np
import torch

from . import backend as K
from . import learning_rate_schedule as schedules
from .backend import immutable, replay, tape_values, variable_graph
from .backend import ops as _backend_ops
from .optimizers import Optimizer, _hyper_tensor, _remember, _updates_args

# The hooks that make a subclass of `Optimizer` an OptimizerV2 one.
_V2_HOOKS = ('_resource_apply_dense', '_resource_apply_sparse',
             '_create_slots', '_prepare_local')
_MISSING = object()


_OPTIMIZERS_MODULE = Optimizer.__module__


def _is_base_class(klass):
    """Whether `klass` is keras_compat's `Optimizer` (found so, not by the
    module attribute, which a program may rebind)."""
    return klass.__module__ == _OPTIMIZERS_MODULE and \
        klass.__name__ == 'Optimizer'


def _written_for_optimizer_v2(cls):
    """Whether a subclass of `Optimizer` (not of a built-in optimizer)
    defines OptimizerV2's update hooks (`_resource_apply_dense`,
    `_create_slots`, ...) rather than Keras 2's `get_updates`."""
    own = []
    for klass in cls.__mro__:
        if _is_base_class(klass):
            break
        if klass.__module__ in (_OPTIMIZERS_MODULE, __name__):
            # A built-in optimizer or OptimizerV2.
            return False
        own.append(klass)
    return any(hook in klass.__dict__ for klass in own
               for hook in _V2_HOOKS) and \
        not any('get_updates' in klass.__dict__ for klass in own)


# The hooks whose override in a subclass of a built-in optimizer makes it
# step through OptimizerV2 (tfa's `DecoupledWeightDecayExtension`,
# per-layer learning rate multipliers, warm-up in `_decayed_lr`).
_BUILTIN_V2_HOOKS = _V2_HOOKS + ('_decayed_lr',)


def _builtin_base(cls):
    """The built-in optimizer class (`Adam`, or `optimizers.legacy.Adam`)
    `cls` derives from, when a class of its own before it overrides one
    of OptimizerV2's hooks; else None."""
    own = []
    for klass in cls.__mro__:
        if klass.__module__ == __name__:
            # Already on OptimizerV2.
            return None
        if klass.__module__ == _OPTIMIZERS_MODULE:
            if _is_base_class(klass):
                return None
            hooked = any(hook in c.__dict__ for c in own
                         for hook in _BUILTIN_V2_HOOKS)
            return klass if hooked else None
        own.append(klass)
    return None


class OptimizerV2(Optimizer):
    """tf.keras 2.0-2.10's `OptimizerV2` (`tf.keras.optimizers.Optimizer`
    there, `tf.keras.optimizers.legacy.Optimizer` in 2.11+), for optimizer
    libraries written against it (keras-radam, AdaBelief-tf, tfa-style
    optimizers).

    A subclass calls `super().__init__(name, **kwargs)` (`name` first,
    then `clipnorm`, `clipvalue`, `global_clipnorm`, `lr` and `decay`),
    declares its hyperparameters with `_set_hyper`, creates its slots in
    `_create_slots(var_list)` with `add_slot(var, name)` and updates one
    variable in `_resource_apply_dense(grad, var[, apply_state])`. As
    tf.keras's `apply_gradients` does, each step (in fit, train_on_batch,
    `apply_gradients(zip(grads, vars))` of a GradientTape loop, minimize,
    K.function with `get_updates`):

    1. creates `iterations`, the hyperparameter variables and the slots
       (`_create_all_weights`), on the first step and for new variables;
    2. calls `_prepare(var_list)`, which gives `_prepare_local(device,
       dtype, apply_state)` each (device, dtype) of the variables
       (`apply_state[(device, dtype)]['lr_t']` is the decayed rate);
    3. clips the gradients as tf.keras's legacy optimizers do (clipvalue,
       clipnorm on each gradient, global_clipnorm), then runs the
       `gradient_transformers`;
    4. calls `_resource_apply_dense(grad, var)` per variable, passing
       `apply_state` when the method takes it, then projects the variable
       with its constraint;
    5. adds 1 to `iterations`.

    Everything runs eagerly, in program order, as under tf.function's
    automatic control dependencies: `m.assign(...)`, `state_ops.assign`
    and `var.assign_sub(...)` write at once. The variables handed to the
    hooks are the model's weights in Keras layout (`var.name`,
    `var.constraint`, `var.shape` as tf.keras shows them), and so are the
    slots. Torch's gradients are dense: `_resource_apply_sparse` is never
    called (tf.keras calls it for an Embedding's gradient; the dense
    update applies to every row there).

    `weights` / `get_weights()` are `[iterations]` then the slots in the
    order `add_slot` created them and the variables a subclass appends to
    `self._weights` (empty before the first step), as tf.keras orders
    them; `opt.lr` / `opt.<hyper>` read the hyperparameter
    variable and assigning them sets it (`K.set_value(opt.lr, x)` works
    too). `get_config()` starts with `name` and the clipping options;
    `from_config` calls the class with the config, `lr` read as
    `learning_rate`. Models saved with such an optimizer keep its state
    in HDF5 files, by position."""

    # As for a Keras 2 get_updates optimizer: fit hands the step to
    # `_apply_step`, and the state is saved and restored as `weights`, by
    # position.
    _custom_updates = True

    def __init__(self, name=None, gradient_aggregator=None,
                 gradient_transformers=None, **kwargs):
        allowed = {'clipnorm', 'clipvalue', 'lr', 'decay', 'global_clipnorm'}
        for key, value in kwargs.items():
            if key not in allowed:
                raise TypeError('Unexpected keyword argument passed to '
                                'optimizer: %s. Allowed kwargs are %s.'
                                % (key, sorted(allowed)))
            if value is not None and not callable(value) and \
                    not schedules.is_schedule(value) and value < 0:
                raise ValueError('Expected %s >= 0, received: %r'
                                 % (key, value))
        # (First: `__setattr__` and `__getattr__` look hyperparameters up
        # in it.)
        self.__dict__['_hyper'] = {}
        self._hypers_created = False
        self._use_locking = True
        if not name:
            from .engine.base_layer import to_snake_case
            name = to_snake_case(type(self).__name__)
        self._name = name
        self._slots = {}
        self._slot_names = []
        # The slots, and what a subclass appends (tf.keras's `_weights`,
        # less `iterations`, which `weights` puts first).
        self._weights = []
        self._weights_created = False
        self._sources = {}
        decay = kwargs.pop('decay', 0.0)
        if decay < 0.:
            raise ValueError('decay cannot be less than 0. Received: '
                             'decay=%r.' % (decay,))
        self._initial_decay = decay
        self.gradient_aggregator = gradient_aggregator
        self.gradient_transformers = list(gradient_transformers or [])
        self.clipnorm = kwargs.pop('clipnorm', None)
        self.global_clipnorm = kwargs.pop('global_clipnorm', None)
        if self.clipnorm is not None and self.global_clipnorm is not None:
            raise ValueError('Cannot accept both `clipnorm` and '
                             '`global_clipnorm`. Received: `clipnorm`=%r, '
                             '`global_clipnorm`=%r.'
                             % (self.clipnorm, self.global_clipnorm))
        self.clipvalue = kwargs.pop('clipvalue', None)
        # (The legacy optimizers' clipping, in `_clipped`.)
        self.is_legacy_optimizer = True
        if not isinstance(getattr(type(self), 'iterations', None), property):
            self.iterations = _optimizer_variable(
                torch.zeros((), dtype=torch.int64), '%s/iter:0' % name)
        self._hyper_cache = {}
        self.updates = []
        self._attached = False
        self._params = []
        self._constrain_step = False

    def __getstate__(self):
        state = super(OptimizerV2, self).__getstate__()
        # (The layers of the weights stepped last: found again at the next
        # step.)
        state['_sources'] = {}
        return state

    @property
    def _iterations(self):
        return self.iterations

    @_iterations.setter
    def _iterations(self, variable):
        """tf.keras's OptimizerV2 keeps its step counter in `_iterations`:
        wrapper optimizers (TensorFlow Addons' Lookahead) share theirs
        with the inner optimizer by assigning it there."""
        self.iterations = variable

    def _track_trackable(self, trackable, name, overwrite=False):
        """tf.keras (Trackable): records `trackable` (a wrapped
        optimizer) as a named dependency; returns it."""
        from .engine.base_layer import track_named_dependency
        return track_named_dependency(self, trackable, name, overwrite)

    # ------------------------------------------- hyperparameter attributes
    def __getattr__(self, name):
        # Only for names not found otherwise: `opt.lr`, `opt.beta_1`, ...
        # are the hyperparameters, as tf.keras's __getattribute__ has it.
        hyper = self.__dict__.get('_hyper')
        if hyper is not None:
            key = 'learning_rate' if name == 'lr' else name
            if key in hyper:
                return self._get_hyper(key)
        raise AttributeError("'%s' object has no attribute '%s'"
                             % (type(self).__name__, name))

    def __setattr__(self, name, value):
        if name == 'lr':
            name = 'learning_rate'
        hyper = self.__dict__.get('_hyper')
        if hyper is not None and name in hyper:
            self._set_hyper(name, value)
        else:
            super(OptimizerV2, self).__setattr__(name, value)

    def __dir__(self):
        names = set(super(OptimizerV2, self).__dir__())
        hyper = self.__dict__.get('_hyper') or {}
        names.update(hyper)
        if 'learning_rate' in hyper:
            names.add('lr')
        return sorted(names)

    def _set_hyper(self, name, value):
        """A hyperparameter: a number (a float32 variable from the first
        step on), a tensor, a callable or a learning rate schedule. Setting
        a number into one that is a variable writes the variable."""
        previous = self._hyper.get(name, _MISSING)
        if previous is not _MISSING and \
                getattr(previous, '_keras_optimizer_hyper', False) and \
                not callable(value) and not schedules.is_schedule(value):
            if isinstance(value, torch.Tensor):
                value = variable_graph.current(value)
            K.set_value(previous, np.asarray(
                value.detach().cpu() if isinstance(value, torch.Tensor)
                else value, dtype='float32'))
            return
        if isinstance(value, dict) and 'class_name' in value and \
                name == 'learning_rate':
            value = schedules.deserialize(value)
        self._hyper[name] = value

    def _create_hypers(self):
        if self._hypers_created:
            return
        for name, value in sorted(self._hyper.items()):
            if isinstance(value, torch.Tensor) or callable(value) or \
                    schedules.is_schedule(value):
                continue
            tensor = _hyper_tensor(value, name)
            tensor.__dict__['_keras_optimizer_hyper'] = True
            tensor.__dict__['_keras_name'] = '%s/%s:0' % (self._name, name)
            self._hyper[name] = tensor
        self._hypers_created = True

    def _get_hyper(self, name, dtype=None):
        if not self._hypers_created:
            self._create_hypers()
        value = self._hyper[name]
        if schedules.is_schedule(value):
            return value
        if callable(value) and not isinstance(value, torch.Tensor):
            value = value()
        if dtype is None:
            return value
        value = variable_graph.current(value)
        if isinstance(value, torch.Tensor):
            # (A copy, as tf.cast reads the variable.)
            return value.detach().to(_ops_dtype(dtype), copy=True)
        return torch.tensor(value, dtype=_ops_dtype(dtype))

    def _serialize_hyperparameter(self, hyperparameter_name):
        value = self._hyper[hyperparameter_name]
        if schedules.is_schedule(value):
            return schedules.serialize(value)
        if callable(value) and not isinstance(value, torch.Tensor):
            return value()
        if isinstance(value, torch.Tensor):
            return K.get_value(value)
        return value

    def _decayed_lr(self, var_dtype):
        """The learning rate as a tensor of `var_dtype`: the schedule's
        rate at `iterations`, divided by (1 + decay * iterations)."""
        lr_t = self._get_hyper('learning_rate', var_dtype)
        if schedules.is_schedule(lr_t):
            lr_t = torch.tensor(schedules.rate_at(
                lr_t, self._iterations_value()), dtype=_ops_dtype(var_dtype))
        if self._initial_decay > 0.:
            dtype = _ops_dtype(var_dtype)
            local_step = self.iterations.detach().to(dtype)
            lr_t = lr_t / (1. + torch.tensor(self._initial_decay,
                                             dtype=dtype) * local_step)
        return lr_t

    def _call_if_callable(self, param):
        return param() if callable(param) else param

    # -------------------------------------------------------------- slots
    def _create_all_weights(self, var_list):
        """`iterations`, the hyperparameter variables and the slots of
        `var_list` (those not made yet)."""
        _ = self.iterations
        self._create_hypers()
        self._create_slots(var_list)
        self._weights_created = True

    def _create_slots(self, var_list):
        """The slots a subclass needs (none by default, as in tf.keras's
        base class)."""

    def add_slot(self, var, slot_name, initializer='zeros', shape=None):
        """A slot variable of `var` (its shape and dtype unless `shape` is
        given), made once; `initializer` is an initializer (or its name)
        or the initial value."""
        if slot_name not in self._slot_names:
            self._slot_names.append(slot_name)
        slots = self._slots.setdefault(_slot_key(var), {})
        slot = slots.get(slot_name)
        if slot is not None:
            return slot
        dtype = var.dtype
        if isinstance(initializer, str) or callable(initializer):
            from . import initializers
            init = initializers.get(initializer)
            value = init(tuple(var.shape) if shape is None else
                         tuple(shape), dtype=_backend_ops.dtype_name(dtype))
        else:
            value = initializer
        value = variable_graph.current(value)
        with torch.no_grad():
            value = torch.as_tensor(
                value.detach() if isinstance(value, torch.Tensor)
                else np.asarray(value)).to(device=var.device,
                                          dtype=dtype).clone()
        var_name = getattr(var, 'name', None)
        var_name = re.sub(r':\d+$', '', var_name) \
            if isinstance(var_name, str) and var_name \
            else 'param_%d' % (len(self._slots) - 1)
        slot = _optimizer_variable(value, '%s/%s/%s:0' % (
            self._name, var_name, slot_name))
        slots[slot_name] = slot
        self._weights.append(slot)
        return slot

    def get_slot(self, var, slot_name):
        return self._slots[_slot_key(var)][slot_name]

    def get_slot_names(self):
        """The names of the slots made, in the order first made."""
        return self._slot_names

    @property
    def weights(self):
        """[iterations] and the slots in creation order (empty before the
        first step), as tf.keras lists them."""
        if not self.__dict__.get('_weights_created'):
            return []
        return [self.iterations] + list(self._weights)

    def variables(self):
        return self.weights

    def set_weights(self, weights):
        """Sets [iterations] and the slots, one value each, in the order
        of `weights`."""
        params = self.weights
        weights = list(weights)
        if len(params) != len(weights):
            raise ValueError(
                'You called `set_weights(weights)` on optimizer %s with a '
                'weight list of length %d, but the optimizer was expecting '
                '%d weights. Provided weights: %s...'
                % (self._name, len(weights), len(params), str(weights)[:50]))
        self._set_assigned_weights(params, weights)

    def add_weight(self, name, shape, dtype=None, initializer='zeros',
                   trainable=None, synchronization=None, aggregation=None):
        """A variable of the optimizer (not listed in `weights`, as in
        tf.keras)."""
        from . import initializers
        if isinstance(initializer, str) or callable(initializer):
            value = initializers.get(initializer)(
                tuple(shape), dtype=dtype or 'float32')
        else:
            value = initializer
        variable = K.variable(value, dtype=dtype or 'float32',
                              name='%s/%s' % (self._name, name))
        if not trainable:
            variable.requires_grad_(False)
        return variable

    def _resource_scatter_add(self, x, i, v):
        with torch.no_grad():
            x.index_add_(0, torch.as_tensor(i, device=x.device).long(),
                         torch.as_tensor(v).to(device=x.device,
                                               dtype=x.dtype))
        return x

    def _resource_scatter_update(self, x, i, v):
        with torch.no_grad():
            x[torch.as_tensor(i, device=x.device).long()] = \
                torch.as_tensor(v).to(device=x.device, dtype=x.dtype)
        return x

    # ------------------------------------------------------------- update
    def _prepare(self, var_list):
        keys = []
        for var in var_list:
            key = (var.device, var.dtype)
            if key not in keys:
                keys.append(key)
        apply_state = {}
        for var_device, var_dtype in keys:
            apply_state[(var_device, var_dtype)] = {}
            self._prepare_local(var_device, var_dtype, apply_state)
        return apply_state

    def _prepare_local(self, var_device, var_dtype, apply_state):
        if 'learning_rate' in self._hyper:
            apply_state[(var_device, var_dtype)]['lr_t'] = \
                self._decayed_lr(var_dtype)

    def _fallback_apply_state(self, var_device, var_dtype):
        """Compatibility for subclasses that don't pass apply_state
        through."""
        apply_state = {(var_device, var_dtype): {}}
        self._prepare_local(var_device, var_dtype, apply_state)
        return apply_state[(var_device, var_dtype)]

    def _resource_apply_dense(self, grad, handle, apply_state):
        raise NotImplementedError(
            '%s: `_resource_apply_dense` must be implemented in subclasses '
            'of OptimizerV2 (tf.keras.optimizers.legacy.Optimizer).'
            % type(self).__name__)

    def _resource_apply_sparse(self, grad, handle, indices, apply_state):
        raise NotImplementedError(
            '%s: sparse gradients (`_resource_apply_sparse`) are not '
            'supported: on PyTorch every gradient is dense and goes to '
            '`_resource_apply_dense`.' % type(self).__name__)

    @property
    def _dense_apply_args(self):
        return _argument_names(self._resource_apply_dense)

    @property
    def _sparse_apply_args(self):
        return _argument_names(self._resource_apply_sparse)

    def _apply_entries(self, entries, constrain):
        """One step on `entries`, (gradient, variable, write_back) triples
        with the gradient in the variable's layout: tf.keras's
        apply_gradients (see the class docstring)."""
        var_list = [var for _, var, _ in entries]
        with torch.no_grad(), variable_graph.quiet():
            immutable.call(self._create_all_weights, var_list)
            apply_state = immutable.call(self._prepare, var_list)
            grads = self._clipped([grad for grad, _, _ in entries])
            grads_and_vars = list(zip(grads, var_list))
            for transform in self.gradient_transformers:
                grads_and_vars = list(transform(grads_and_vars))
            kwargs = {'apply_state': apply_state} \
                if 'apply_state' in self._dense_apply_args else {}
            for (grad, var), (_, _, write_back) in zip(grads_and_vars,
                                                        entries):
                immutable.call(self._resource_apply_dense, grad, var,
                               **kwargs)
                finish_update(var, write_back, constrain)
            iterations = self._iterations_value()
            with torch._C.DisableTorchFunctionSubclass():
                self.iterations.add_(1)
            _remember(self._hyper_cache, 'iterations', self.iterations,
                      iterations + 1)

    def _weight_entry(self, variable, grad):
        """(gradient, variable to update, write_back) for a weight given
        as a Keras view, a variable or a tensor, with its gradient in that
        layout. A view is taken afresh (a reordered copy of the parameter
        is written back after the update)."""
        source = variable.__dict__.get('_keras_source') \
            if isinstance(variable, torch.Tensor) else None
        if source is not None and source[0]() is not None:
            layer, record = source[0](), source[1]
            param = getattr(layer, record.attr)
            self._sources[param] = source
            variable = _trained_weight(layer._weight_view(record))
            write_back = None if record.from_keras is None else \
                functools.partial(record.assign, layer, variable)
        else:
            variable = _variable_alias(variable)
            write_back = None
        grad = variable_graph.current(grad)
        grad = torch.as_tensor(np.asarray(grad)) \
            if not isinstance(grad, torch.Tensor) else grad.detach()
        grad = grad.to(device=variable.device, dtype=variable.dtype)
        return grad, variable, write_back

    def _param_entry(self, p):
        """`_weight_entry` of an attached parameter and its `.grad`: the
        weight's Keras view where the model's step named it, else the
        parameter in its Keras layout."""
        source = self._sources.get(p)
        layer = source[0]() if source is not None else None
        if layer is not None and getattr(layer, source[1].attr) is p:
            record = source[1]
            grad = p.grad if record.to_keras is None else \
                record.to_keras(p.grad)
            return self._weight_entry(layer._weight_view(record), grad)
        to_keras, from_keras = self.__dict__.get('_layouts', {}).get(
            id(p), (None, None))
        if to_keras is None:
            return p.grad, _variable_alias(p), None
        variable = _variable_alias(to_keras(p.detach()), key=p)
        write_back = None if from_keras is None else \
            (lambda: p.copy_(from_keras(variable)))
        return to_keras(p.grad), variable, write_back

    @torch.no_grad()
    def step(self, closure=None):
        """One step on the gradients in the attached parameters' `.grad`
        (fit's step, a GradScaler's, K.function's `get_updates`)."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        self._require_attached()
        entries = [self._param_entry(p) for p in self._params
                   if p.grad is not None]
        if not entries:
            return loss
        if type(self).apply_gradients is not OptimizerV2.apply_gradients:
            # A subclass's own apply_gradients (accumulating gradients,
            # wrapping another optimizer) takes the step, as tf.keras's
            # fit calls it.
            self.apply_gradients([(grad, var) for grad, var, _ in entries])
        else:
            self._apply_entries(entries, self._constrain_step)
        return loss

    def _apply_step(self, loss, params, scaler=None):
        """fit's training step after `backward()`: `params` are the
        model's weights (Keras views); their constraints apply after the
        update, as tf.keras's optimizers apply `var.constraint`."""
        for view in params:
            source = view.__dict__.get('_keras_source')
            if source is not None and source[0]() is not None:
                self._sources[getattr(source[0](), source[1].attr)] = source
        self._constrain_step = True
        try:
            if scaler is None:
                self.step()
            else:
                scaler.step(self)
                scaler.update()
        finally:
            self._constrain_step = False

    def _build_replay_variables(self, params, key):
        """Creates the slots of the model's weights (before a saved state
        is loaded into them), as tf.keras's `_create_all_weights`."""
        entries = [self._weight_entry(p, torch.zeros(())) for p in params]
        with torch.no_grad(), variable_graph.quiet():
            immutable.call(self._create_all_weights,
                           [var for _, var, _ in entries])

    def apply_gradients(self, grads_and_vars, name=None,
                        experimental_aggregate_gradients=True, **kwargs):
        """One step on (gradient, variable) pairs, the gradients in the
        variables' Keras layout (`tape.gradient(loss, vars)`); pairs whose
        gradient is None are left out. Returns `iterations`."""
        pairs = [(g, v) for g, v in grads_and_vars if g is not None]
        if not pairs:
            raise ValueError('No gradients provided for any variable.')
        entries = [self._weight_entry(v, g) for g, v in pairs]
        params, layouts = [], {}
        for _, v in pairs:
            param, _ = replay.weight_parameter(v)
            if isinstance(param, torch.Tensor) and param.requires_grad:
                params.append(param)
        if params:
            self._attach_also(params, layouts)
        tape_values.keep_values(params)
        self._apply_entries(entries, constrain=True)
        return self.iterations

    def get_gradients(self, loss, params):
        """The gradients of `loss` for `params`, unclipped (tf.keras's
        OptimizerV2 clips in apply_gradients)."""
        run = replay.current()
        if getattr(loss, '_is_keras_symbolic', False) and run is None:
            grads = K.gradients(loss, params)
        elif run is not None:
            grads = replay.keras_gradients(run, loss, params)
        else:
            grads = list(torch.autograd.grad(loss, params, allow_unused=True,
                                             retain_graph=True))
        for grad, param in zip(grads, params):
            if grad is None:
                raise ValueError(
                    'Variable %s has `None` for gradient. Please make sure '
                    'that all of your ops have a gradient defined (i.e. are '
                    'differentiable). Common ops without gradient: '
                    'K.argmax, K.round, K.eval.'
                    % (getattr(param, 'name', None) or tuple(param.shape),))
        return grads

    def get_updates(self, *args, **kwargs):
        """tf.keras's `get_updates(loss, params)`: the step on the
        gradients of `loss`. Inside another optimizer's get_updates it is
        queued with that optimizer's updates; otherwise it is the update
        K.function runs."""
        loss, params = _updates_args(args, kwargs)
        run = replay.current()
        if run is None:
            for view in params:
                source = getattr(view, '__dict__', {}).get('_keras_source')
                if source is not None and source[0]() is not None:
                    self._sources[getattr(source[0](),
                                          source[1].attr)] = source
            return super().get_updates(loss, params)
        grads = self.get_gradients(loss, params)
        marker = run.call(functools.partial(
            self.apply_gradients, list(zip(grads, params))),
            type(self).__name__)
        self.updates = [marker]
        return self.updates
    # (Not a Keras 2 get_updates to replay: see Optimizer.__init_subclass__.)
    get_updates._replays = True

    # ------------------------------------------------------------- config
    def get_config(self):
        config = {'name': self._name}
        for key in ('clipnorm', 'clipvalue', 'global_clipnorm'):
            if getattr(self, key, None) is not None:
                config[key] = getattr(self, key)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if 'lr' in config:
            config['learning_rate'] = config.pop('lr')
        if isinstance(config.get('learning_rate'), dict):
            config['learning_rate'] = schedules.deserialize(
                config['learning_rate'], custom_objects=custom_objects)
        return cls(**config)


class _OptimizerVariable(variable_graph.VariableTensor):
    """A variable of an OptimizerV2 (`iterations`, a slot), with
    tf.Variable's `name` and `assign` methods (taking `use_locking`)."""

    @property
    def name(self):
        return self.__dict__.get('_keras_name')

    def assign(self, value, use_locking=None, name=None, read_value=True):
        return variable_graph.VariableTensor.assign(self, value)

    def assign_add(self, delta, use_locking=None, name=None,
                   read_value=True):
        return variable_graph.VariableTensor.assign_add(self, delta)

    def assign_sub(self, delta, use_locking=None, name=None,
                   read_value=True):
        return variable_graph.VariableTensor.assign_sub(self, delta)


def _optimizer_variable(value, name):
    variable = torch.Tensor._make_subclass(_OptimizerVariable, value, False)
    variable.__dict__['_keras_name'] = name
    return variable


def _variable_alias(tensor, key=None):
    """A variable that is no layer weight's view (a tf.Variable, a
    parameter) as OptimizerV2's hooks get it: sharing its memory, with its
    name and constraint, and tf.Variable's `assign` methods; its slots are
    kept by `key` (the variable itself by default)."""
    with torch._C.DisableTorchFunctionSubclass():
        data = tensor.detach()
    alias = torch.Tensor._make_subclass(_OptimizerVariable, data, False)
    name = tensor.__dict__.get('_keras_name') or getattr(tensor, 'name',
                                                         None)
    alias.__dict__['_keras_name'] = name if isinstance(name, str) else None
    if key is None:
        key = tensor.__dict__.get('_keras_optimizer_key', tensor)
    alias.__dict__['_keras_optimizer_key'] = key
    constraint = getattr(tensor, 'constraint', None)
    if constraint is not None:
        alias.__dict__['constraint'] = constraint
    return alias


_TRAINED_WEIGHT = []


def _trained_weight(view):
    """A weight's Keras view as OptimizerV2's hooks get it: the same
    view (sharing its memory and attributes), whose `assign` takes
    tf.Variable's `use_locking`, `name` and `read_value` too."""
    if not _TRAINED_WEIGHT:
        from .engine.base_layer import KerasWeightView

        class TrainedWeight(KerasWeightView):
            def assign(self, value, use_locking=None, name=None,
                       read_value=True):
                return KerasWeightView.assign(self, value)

        TrainedWeight.__qualname__ = 'TrainedWeight'
        # (Not registered as a view type: operations read it as it is,
        # without taking the weight again from its layer.)
        _TRAINED_WEIGHT.append(TrainedWeight)
    weight = torch.Tensor._make_subclass(_TRAINED_WEIGHT[0], view, False)
    weight.__dict__.update(view.__dict__)
    return weight


def _ops_dtype(dtype):
    return _backend_ops.torch_dtype(dtype)


def _argument_names(method):
    import inspect
    try:
        return list(inspect.signature(method).parameters)
    except (TypeError, ValueError):
        return []


def _slot_key(var):
    """What slots are kept by: the parameter a Keras view shows, else the
    variable itself."""
    key = getattr(var, '__dict__', {}).get('_keras_optimizer_key')
    if key is not None:
        return key
    source = getattr(var, '__dict__', {}).get('_keras_source')
    if source is not None and source[0]() is not None:
        return getattr(source[0](), source[1].attr)
    return var


def finish_update(var, write_back, constrain):
    """After a variable's update: its new value written back to its
    parameter (`write_back`, for a reordered copy), then, with
    `constrain`, projected by the variable's constraint."""
    if write_back is not None:
        write_back()
    constraint = getattr(var, 'constraint', None) if constrain else None
    if constraint is not None:
        _constrain(var, constraint)


def _constrain(var, constraint):
    """`var` projected by its constraint (written back to its parameter
    when it is a reordered copy)."""
    source = var.__dict__.get('_keras_source')
    if source is not None and source[0]() is not None:
        layer, record = source[0](), source[1]
        record.assign(layer, constraint(record.keras_tensor(layer)))
        return
    variable_graph.write(var, constraint(var))


def _make_v2(cls):
    """Makes a class written for tf.keras's OptimizerV2 that subclasses
    `Optimizer` (`tf.keras.optimizers.Optimizer` of tf.keras 2.0-2.10,
    the same class as Keras 2's here) an OptimizerV2 subclass: its classes
    deriving from `Optimizer` itself derive from OptimizerV2 instead."""
    for klass in cls.__mro__:
        if any(_is_base_class(base) for base in klass.__bases__):
            klass.__bases__ = tuple(OptimizerV2 if _is_base_class(base)
                                    else base for base in klass.__bases__)



# ------------------------------------------------------------------
# tf.keras's legacy SGD and Adam written with OptimizerV2's hooks, for
# subclasses of the built-in optimizers that extend those hooks.

def _coefficients(optimizer, var, apply_state):
    """The `apply_state` entry of `var`'s (device, dtype), as tf.keras's
    optimizers find it (made afresh when no state is passed)."""
    key = (var.device, var.dtype)
    return (apply_state or {}).get(key) or \
        optimizer._fallback_apply_state(var.device, var.dtype)


class LegacySGD(OptimizerV2):
    """tf.keras 2.0-2.10's SGD (`tf.keras.optimizers.legacy.SGD`) on
    OptimizerV2's hooks: what a subclass of `SGD` that overrides
    `_resource_apply_dense`, `_prepare_local`, `_create_slots` or
    `_decayed_lr` extends with `super()`. With momentum (a `momentum`
    slot per variable, ResourceApplyKerasMomentum):
    accum = accum * momentum - grad * lr;  var += accum
    (nesterov: var += accum * momentum - grad * lr); without momentum
    var -= lr * grad."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False,
                 name='SGD', **kwargs):
        super().__init__(name, **kwargs)
        self._set_hyper('learning_rate', kwargs.get('lr', learning_rate))
        self._set_hyper('decay', self._initial_decay)
        self._momentum = isinstance(momentum, torch.Tensor) or \
            callable(momentum) or momentum > 0
        if isinstance(momentum, (int, float)) and \
                (momentum < 0 or momentum > 1):
            raise ValueError('`momentum` must be between [0, 1]. Received: '
                             'momentum=%s (of type %s).'
                             % (momentum, type(momentum)))
        self._set_hyper('momentum', momentum)
        self.nesterov = nesterov

    def _create_slots(self, var_list):
        if self._momentum:
            for var in var_list:
                self.add_slot(var, 'momentum')

    def _prepare_local(self, var_device, var_dtype, apply_state):
        super()._prepare_local(var_device, var_dtype, apply_state)
        apply_state[(var_device, var_dtype)]['momentum'] = \
            self._get_hyper('momentum', var_dtype)

    def _resource_apply_dense(self, grad, var, apply_state=None):
        coefficients = _coefficients(self, var, apply_state)
        lr = coefficients['lr_t']
        if not self._momentum:
            return var.assign_sub(grad * lr)
        accum = self.get_slot(var, 'momentum')
        momentum = coefficients['momentum']
        accum.assign(accum * momentum - grad * lr)
        if self.nesterov:
            return var.assign_add(accum * momentum - grad * lr)
        return var.assign_add(accum)

    def get_config(self):
        config = super().get_config()
        config.update({
            'learning_rate': self._serialize_hyperparameter('learning_rate'),
            'decay': self._initial_decay,
            'momentum': self._serialize_hyperparameter('momentum'),
            'nesterov': self.nesterov})
        return config


class LegacyAdam(OptimizerV2):
    """tf.keras 2.0-2.10's Adam (`tf.keras.optimizers.legacy.Adam`) on
    OptimizerV2's hooks: what a subclass of `Adam` that overrides
    `_resource_apply_dense`, `_prepare_local`, `_create_slots` or
    `_decayed_lr` extends with `super()` (tfa's `AdamW`). Slots `m`, `v`
    (and `vhat` with amsgrad); `_prepare_local` puts `lr`, `epsilon`,
    `beta_1_t`, `beta_1_power`, `one_minus_beta_1_t` and the `beta_2`
    ones in `apply_state`; the update is ResourceApplyAdam's:
    alpha = lr_t * sqrt(1 - beta_2^t) / (1 - beta_1^t);
    m += (g - m) * (1 - beta_1);  v += (g^2 - v) * (1 - beta_2);
    var -= alpha * m / (sqrt(v) + epsilon)  (amsgrad: max(vhat, v))."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, name='Adam', **kwargs):
        super().__init__(name, **kwargs)
        self._set_hyper('learning_rate', kwargs.get('lr', learning_rate))
        self._set_hyper('decay', self._initial_decay)
        self._set_hyper('beta_1', beta_1)
        self._set_hyper('beta_2', beta_2)
        self.epsilon = epsilon or K.epsilon()
        self.amsgrad = amsgrad

    def _create_slots(self, var_list):
        for var in var_list:
            self.add_slot(var, 'm')
        for var in var_list:
            self.add_slot(var, 'v')
        if self.amsgrad:
            for var in var_list:
                self.add_slot(var, 'vhat')

    def _prepare_local(self, var_device, var_dtype, apply_state):
        super()._prepare_local(var_device, var_dtype, apply_state)
        dtype = _ops_dtype(var_dtype)
        local_step = (self.iterations.detach() + 1).to(dtype)
        beta_1_t = self._get_hyper('beta_1', var_dtype)
        beta_2_t = self._get_hyper('beta_2', var_dtype)
        beta_1_power = torch.pow(beta_1_t, local_step)
        beta_2_power = torch.pow(beta_2_t, local_step)
        coefficients = apply_state[(var_device, var_dtype)]
        coefficients.update(
            lr=coefficients['lr_t'] * (torch.sqrt(1 - beta_2_power) /
                                       (1 - beta_1_power)),
            epsilon=torch.tensor(self.epsilon, dtype=dtype),
            beta_1_t=beta_1_t, beta_1_power=beta_1_power,
            one_minus_beta_1_t=1 - beta_1_t, beta_2_t=beta_2_t,
            beta_2_power=beta_2_power, one_minus_beta_2_t=1 - beta_2_t)

    def _resource_apply_dense(self, grad, var, apply_state=None):
        coefficients = _coefficients(self, var, apply_state)
        alpha = coefficients['lr_t'] * torch.sqrt(
            1 - coefficients['beta_2_power']) / \
            (1 - coefficients['beta_1_power'])
        m = self.get_slot(var, 'm')
        v = self.get_slot(var, 'v')
        m.assign_add((grad - m) * coefficients['one_minus_beta_1_t'])
        v.assign_add((grad * grad - v) * coefficients['one_minus_beta_2_t'])
        if self.amsgrad:
            vhat = self.get_slot(var, 'vhat')
            vhat.assign(torch.maximum(vhat, v))
            v = vhat
        return var.assign_sub(m * alpha / (torch.sqrt(v) +
                                           coefficients['epsilon']))

    def get_config(self):
        config = super().get_config()
        config.update({
            'learning_rate': self._serialize_hyperparameter('learning_rate'),
            'decay': self._initial_decay,
            'beta_1': self._serialize_hyperparameter('beta_1'),
            'beta_2': self._serialize_hyperparameter('beta_2'),
            'epsilon': self.epsilon,
            'amsgrad': self.amsgrad})
        return config


_LEGACY_BUILTINS = {'SGD': LegacySGD, 'Adam': LegacyAdam}


def _make_builtin_v2(cls, builtin):
    """Makes `cls`, a subclass of the built-in `builtin` that overrides
    OptimizerV2's hooks, derive from tf.keras's legacy version of it on
    OptimizerV2 (its hooks calling `super()` reach that version's)."""
    legacy = _LEGACY_BUILTINS.get(builtin.__name__)
    if legacy is None:
        raise NotImplementedError(
            '%s subclasses %s and overrides OptimizerV2 hooks (%s): '
            'only subclasses of SGD and Adam can extend the built-in '
            'update that way. Derive from '
            'tf.keras.optimizers.legacy.Optimizer and write the whole '
            'update in `_resource_apply_dense`.'
            % (cls.__name__, builtin.__name__, ', '.join(
                hook for hook in _BUILTIN_V2_HOOKS
                if any(hook in c.__dict__ for c in cls.__mro__
                       if c.__module__ != _OPTIMIZERS_MODULE))))
    for klass in cls.__mro__:
        if builtin in klass.__bases__:
            klass.__bases__ = tuple(legacy if base is builtin else base
                                    for base in klass.__bases__)
