"""TensorFlow 1's `tf.train.Optimizer` (`tf.compat.v1.train.Optimizer`,
`tensorflow.python.training.optimizer.Optimizer`): the base class of TF1
optimizers written with `_create_slots`, `_prepare`, `_apply_dense` and
`_finish` (AdamW, RAdam, LAMB, AdaBound implementations), on the
OptimizerV2 machinery of keras_compat."""
import re

import numpy as np
import torch

from . import backend as K
from .backend import immutable, variable_graph
from .optimizer_v2_protocol import OptimizerV2, _slot_key, finish_update


class _OptimizerType(type):
    """Also counts the optimizers `tf.train.AdamOptimizer` and its kin
    make (Keras optimizers with the same update) as instances."""

    def __instancecheck__(cls, instance):
        if cls is Optimizer and \
                getattr(instance, '_keras_tf1_optimizer', False):
            return True
        return type.__instancecheck__(cls, instance)


class Optimizer(OptimizerV2, metaclass=_OptimizerType):
    """TF1's optimizer template. A subclass calls
    `super().__init__(use_locking, name)`, makes its slots in
    `_create_slots(var_list)` (`_zeros_slot`, `_get_or_make_slot`), turns
    its hyperparameters into tensors in `_prepare()` and updates one
    variable in `_apply_dense(grad, var)` (or `_resource_apply_dense`);
    `apply_gradients` runs these hooks, then `_finish(update_ops,
    name_scope)`, and adds 1 to `global_step` when given. The step runs
    eagerly: each assignment the hooks make is written once per step.

    `minimize(loss)` of a graph loss and `apply_gradients` of graph
    gradients give the training operation a session runs; the optimizer
    also trains a Keras model (`model.compile(optimizer=opt)`)."""

    GATE_NONE = 0
    GATE_OP = 1
    GATE_GRAPH = 2

    def __init__(self, use_locking, name):
        if not name:
            raise ValueError('Must specify the optimizer name')
        OptimizerV2.__init__(self, name=name)
        self._use_locking = use_locking
        self._non_slot_dict = {}

    # -------------------------------------------------------------- slots
    def _create_slots(self, var_list):
        """The slots a subclass needs (none by default)."""

    def _make_slot(self, var, value, slot_name, op_name):
        slot = self.add_slot(var, slot_name, initializer=value)
        var_name = getattr(var, 'name', None)
        if isinstance(var_name, str) and var_name:
            slot.__dict__['_keras_name'] = '%s/%s:0' % (
                re.sub(r':\d+$', '', var_name), op_name)
        return slot

    def _zeros_slot(self, var, slot_name, op_name):
        """The slot `slot_name` of `var`, made of zeros the first time."""
        return self._make_slot(var, 'zeros', slot_name, op_name)

    def _get_or_make_slot(self, var, val, slot_name, op_name):
        """The slot `slot_name` of `var`, made with value `val` the first
        time."""
        return self._make_slot(var, val, slot_name, op_name)

    def _get_or_make_slot_with_initializer(self, var, initializer, shape,
                                           dtype, slot_name, op_name):
        """The slot `slot_name` of `var`, made by `initializer(shape)`
        the first time."""
        from . import initializers
        value = initializers.get(initializer)(
            tuple(int(d) for d in shape), dtype='float32') \
            if callable(initializer) or isinstance(initializer, str) \
            else initializer
        return self._make_slot(var, value, slot_name, op_name)

    def get_slot(self, var, name):
        """The slot `name` of `var`, None where there is none."""
        return self._slots.get(_slot_key(var), {}).get(name)

    def get_slot_names(self):
        """The names of the slots made, sorted."""
        return sorted(self._slot_names)

    def _create_non_slot_variable(self, initial_value, name, colocate_with):
        """A variable of the optimizer not tied to one variable (Adam's
        `beta1_power`), made once."""
        variable = self._non_slot_dict.get(name)
        if variable is None:
            variable = K.variable(np.asarray(initial_value, 'float32'),
                                  name=name)
            variable.requires_grad_(False)
            self._non_slot_dict[name] = variable
        return variable

    def _get_non_slot_variable(self, name, graph=None):
        return self._non_slot_dict.get(name)

    def _non_slot_variables(self):
        return list(self._non_slot_dict.values())

    def variables(self):
        """The slots and the other variables of the optimizer."""
        return list(self._weights) + self._non_slot_variables()

    def get_name(self):
        return self._name

    # ------------------------------------------------------------- update
    def _prepare(self):
        """Converts the hyperparameters to tensors (nothing by default)."""

    def _apply_dense(self, grad, var):
        raise NotImplementedError(
            '%s: `_apply_dense(grad, var)` or `_resource_apply_dense(grad, '
            'handle)` must be implemented in subclasses of '
            'tf.train.Optimizer.' % type(self).__name__)

    def _resource_apply_dense(self, grad, handle):
        return self._apply_dense(grad, handle)

    def _finish(self, update_ops, name_scope):
        from . import tensorflow_compat
        return tensorflow_compat.group(*update_ops, name=name_scope)

    def _dense_hook(self):
        """`_apply_dense`, or `_resource_apply_dense` where a subclass
        defines only that one."""
        cls = type(self)
        if cls._apply_dense is Optimizer._apply_dense and \
                cls._resource_apply_dense is not \
                Optimizer._resource_apply_dense:
            return self._resource_apply_dense
        return self._apply_dense

    def _apply_entries(self, entries, constrain):
        """One step of TF1's `apply_gradients` on (gradient, variable,
        write_back) triples."""
        var_list = [var for _, var, _ in entries]
        apply = self._dense_hook()
        with torch.no_grad(), variable_graph.quiet():
            immutable.call(self._create_slots, var_list)
            immutable.call(self._prepare)
            update_ops = []
            for grad, var, write_back in entries:
                update_ops.append(immutable.call(apply, grad, var))
                finish_update(var, write_back, constrain)
            _run_deferred(update_ops)
            _run_deferred([immutable.call(self._finish, update_ops,
                                          self._name)])
            with torch._C.DisableTorchFunctionSubclass():
                self.iterations.add_(1)

    def compute_gradients(self, loss, var_list=None,
                          gate_gradients=GATE_OP, aggregation_method=None,
                          colocate_gradients_with_ops=False, grad_loss=None):
        """(gradient, variable) pairs of `loss` (a graph tensor, or a
        function of no arguments when running eagerly) for `var_list`
        (by default the trainable variables the loss depends on)."""
        _no_grad_loss(grad_loss)
        if callable(loss) and not getattr(loss, '_is_keras_symbolic',
                                          False):
            if var_list is None:
                raise ValueError('`var_list` is required when the loss is '
                                 'a function.')
            with torch.enable_grad():
                value = variable_graph.current(loss())
            var_list = list(var_list() if callable(var_list) else var_list)
            return list(zip(K.gradients(value, var_list), var_list))
        if var_list is None:
            from . import tensorflow_graph_run
            var_list = tensorflow_graph_run.trainable_variables_of(loss)
        var_list = list(var_list() if callable(var_list) else var_list)
        return list(zip(K.gradients(loss, var_list), var_list))

    def apply_gradients(self, grads_and_vars, global_step=None, name=None,
                        **kwargs):
        """One step on (gradient, variable) pairs; `global_step` gains 1.
        Graph gradients give the training operation that takes the step at
        each session run."""
        pairs = list(grads_and_vars)
        if any(getattr(g, '_is_keras_symbolic', False) for g, _ in pairs):
            from . import tensorflow_graph_run
            op = tensorflow_graph_run.apply_gradients_op(self, pairs, name)
            self._build_replay_variables([v for _, v in pairs], None)
            return _counting(op, global_step)
        result = OptimizerV2.apply_gradients(self, pairs)
        _increment(global_step)
        return result

    def minimize(self, loss, global_step=None, var_list=None,
                 gate_gradients=GATE_OP, aggregation_method=None,
                 colocate_gradients_with_ops=False, name=None,
                 grad_loss=None):
        """`compute_gradients` then `apply_gradients`: for a graph loss,
        the training operation a session runs. (`gate_gradients`,
        `aggregation_method` and `colocate_gradients_with_ops` order and
        place TensorFlow's graph computation; they do not change the
        gradients, which autograd computes in one pass.)"""
        _no_grad_loss(grad_loss)
        if getattr(loss, '_is_keras_symbolic', False):
            from . import tensorflow_graph_run
            op = tensorflow_graph_run.minimize_op(self, loss, var_list, name)
            self._build_replay_variables(op.update.params, None)
            return _counting(op, global_step)
        pairs = self.compute_gradients(loss, var_list)
        return self.apply_gradients(pairs, global_step=global_step)

    def get_config(self):
        return {'name': self._name}


def _no_grad_loss(grad_loss):
    if grad_loss is not None:
        raise NotImplementedError(
            'grad_loss is not supported: scale the loss instead.')


def _run_deferred(ops):
    """Runs the graph assignments among `ops` (once each)."""
    from . import tensorflow_graph_run
    pending = []

    def visit(x):
        if isinstance(x, tensorflow_graph_run.AssignOp):
            pending.append(x)
        elif isinstance(x, (list, tuple)):
            for item in x:
                visit(item)
    visit(ops)
    if pending:
        tensorflow_graph_run.run(pending)


def _increment(global_step):
    if global_step is not None:
        K.set_value(global_step, K.get_value(global_step) + 1)


def counted(optimizer, method, result, global_step):
    """`result` of `method` (minimize or apply_gradients) of one of
    TensorFlow 1's built-in optimizers (`tf.train.AdamOptimizer()`...),
    `global_step` gaining 1 with each step it takes; other optimizers
    refuse the argument as tf.keras's do."""
    if not optimizer.__dict__.get('_keras_tf1_optimizer'):
        raise TypeError("%s() got an unexpected keyword argument "
                        "'global_step'" % method)
    if hasattr(result, 'update'):
        return _counting(result, global_step)
    _increment(global_step)
    return result


def _counting(op, global_step):
    """`op` (a training operation) adding 1 to `global_step` at each
    run."""
    if global_step is None:
        return op
    update = op.update
    apply = update.apply
    # (A run fetching the step next to the operation reads it after.)
    update._keras_global_step = global_step

    def apply_and_count():
        apply()
        _increment(global_step)
    update.apply = apply_and_count
    return op
