"""Operations on symbolic tensors, `K.function` and `K.gradients`.

Backend functions and arithmetic applied to `KerasTensor`s record a
`TensorOpLayer` node in the graph, so `Model(inputs, K.mean(x, axis=1))`,
`model.add_loss(K.mean(...))` and `K.function([inputs], [some_output])`
work as in Keras. `K.function` runs the recorded graph on real tensors;
`K.gradients` of a symbolic loss is computed there with torch.autograd."""
import weakref

import numpy as np
import torch

from .. import backend as K
from ..backend import common
from .base_layer import Layer, KerasWeightView
from .keras_tensor import KerasTensor


def is_symbolic(x):
    return getattr(x, '_is_keras_symbolic', False)


def _symbolic_paths(value, path=()):
    """Paths to the symbolic tensors inside nested lists/tuples."""
    if is_symbolic(value):
        return [path]
    if isinstance(value, (list, tuple)):
        found = []
        for i, item in enumerate(value):
            found += _symbolic_paths(item, path + (i,))
        return found
    return []


def has_symbolic(args, kwargs=None):
    for a in args:
        if is_symbolic(a) or (isinstance(a, (list, tuple)) and
                              any(is_symbolic(v) for v in a)):
            return True
    if kwargs:
        for a in kwargs.values():
            if is_symbolic(a) or (isinstance(a, (list, tuple)) and
                                  any(is_symbolic(v) for v in a)):
                return True
    return False


def _get(container, path):
    for key in path:
        container = container[key]
    return container


def _replace(container, path, value):
    if not path:
        return value
    items = list(container)
    items[path[0]] = _replace(items[path[0]], path[1:], value)
    return type(container)(items) if isinstance(container, tuple) else items


class TensorOpLayer(Layer):
    """A backend function or operator applied to symbolic tensors, replayed
    on real tensors when the model runs."""

    _raises_on_symbolic_call = True

    def __init__(self, fn, args, kwargs, paths, name=None):
        prefix = 'op_' + (name or getattr(fn, '__name__', 'lambda')).strip(
            '<>_')
        super(TensorOpLayer, self).__init__(
            name=prefix + '_' + str(K.get_uid(prefix)))
        self.fn = fn
        self._template = (list(args), dict(kwargs or {}))
        self._paths = paths
        self.supports_masking = True

    def call(self, inputs):
        values = inputs if len(self._paths) > 1 else [inputs]
        args, kwargs = self._template
        args = list(args)
        kwargs = dict(kwargs)
        for (where, path), value in zip(self._paths, values):
            if where == 'args':
                args = _replace(args, path, value)
            else:
                kwargs[path[0]] = _replace(kwargs[path[0]], path[1:], value)
        return self.fn(*args, **kwargs)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        raise NotImplementedError(
            'Layer %s applies %s to symbolic tensors and cannot be '
            'serialized; wrap the computation in a `Lambda` layer to save '
            'the model configuration.' % (self.name,
                                          getattr(self.fn, '__name__',
                                                  self.fn)))


def apply_op(fn, args, kwargs=None, name=None):
    """Records `fn(*args, **kwargs)` on symbolic arguments as a graph
    node and returns its symbolic output."""
    kwargs = kwargs or {}
    paths = [('args', p) for p in _symbolic_paths(list(args))]
    for key, value in kwargs.items():
        paths += [('kwargs', (key,) + p) for p in _symbolic_paths(value)]
    inputs = []
    for where, path in paths:
        source = list(args) if where == 'args' else kwargs
        inputs.append(_get(source, path))
    layer = TensorOpLayer(fn, args, kwargs, paths, name=name)
    return layer(inputs if len(inputs) > 1 else inputs[0])


# --------------------------------------------------------------- gradients
def _weight_target(variable):
    """(parameter, to-Keras-layout function) for a weight given as a
    Keras-layout view or a parameter."""
    source = getattr(variable, '_keras_source', None)
    if source is not None:
        layer_ref, record = source
        layer = layer_ref()
        param = getattr(layer, record.attr)
        return param, record.to_keras
    return variable, None


def gradients(loss, variables):
    """Gradients of `loss` with respect to `variables`: computed now for a
    real loss tensor; for a symbolic loss, symbolic tensors that
    `K.function` evaluates."""
    single = not isinstance(variables, (list, tuple))
    variables = [variables] if single else list(variables)
    if is_symbolic(loss):
        grads = []
        for v in variables:
            shape = v._keras_shape if is_symbolic(v) else tuple(v.shape)
            g = KerasTensor(shape, dtype=K.floatx(), name='gradient')
            g._gradient_of = (loss, v)
            grads.append(g)
        return grads
    targets = [_weight_target(v) for v in variables]
    grads = torch.autograd.grad(loss, [p for p, _ in targets],
                                allow_unused=True, retain_graph=True)
    result = []
    for g, (_, to_keras) in zip(grads, targets):
        if g is not None and to_keras is not None:
            g = to_keras(g)
        result.append(g)
    return result


# ---------------------------------------------------------------- function
class Function(object):
    """A callable from input arrays to output arrays over a recorded graph
    (`K.function(inputs, outputs)`). A non-tensor entry in `inputs` (such
    as `K.learning_phase()`) takes the learning phase: 1 runs dropout and
    batch statistics as in training."""

    def __init__(self, inputs, outputs, updates=None, name=None):
        from .network import Network
        self.updates = _checked_updates(updates)
        self.inputs = list(inputs) if isinstance(inputs, (list, tuple)) \
            else [inputs]
        self.single_output = not isinstance(outputs, (list, tuple))
        self.outputs = [outputs] if self.single_output else list(outputs)
        self._symbolic_inputs = [x for x in self.inputs if is_symbolic(x)]
        graph_outputs = []
        targets = []
        for out in self.outputs:
            grad = getattr(out, '_gradient_of', None)
            targets.append(grad[0] if grad is not None else out)
        targets += [u.loss if isinstance(u, OptimizerUpdate) else u[1]
                    for u in self.updates]
        for target in targets:
            if is_symbolic(target) and all(target is not t
                                           for t in graph_outputs):
                graph_outputs.append(target)
        self._network = Network(self._symbolic_inputs, graph_outputs) \
            if graph_outputs else None

    def __call__(self, values):
        values = list(values) if isinstance(values, (list, tuple)) else \
            [values]
        if len(values) != len(self.inputs):
            raise ValueError('K.function expects %d input values, got %d.'
                             % (len(self.inputs), len(values)))
        phase = 0
        tensors = []
        wants_input_grads = {id(g._gradient_of[1]) for g in self.outputs
                             if getattr(g, '_gradient_of', None) is not None}
        for symbolic, value in zip(self.inputs, values):
            if not is_symbolic(symbolic):
                phase = int(np.asarray(value))
                continue
            tensor = _as_input(value, symbolic)
            if id(symbolic) in wants_input_grads:
                tensor = tensor.detach().requires_grad_(True)
            tensors.append(tensor)
        network = self._network
        computed = {}
        if network is not None:
            was = [m.training for m in network.modules()]
            network.train(bool(phase))
            try:
                with common.loop_phase(phase), torch.enable_grad():
                    network.__dict__['_keep_map'] = True
                    network._run_graph(tensors)
                    computed = dict(network._last_tensor_map or {})
            finally:
                network.__dict__['_keep_map'] = False
                for m, flag in zip(network.modules(), was):
                    m.training = flag
        for symbolic, tensor in zip(self._symbolic_inputs, tensors):
            computed.setdefault(id(symbolic), tensor)
        results = []
        for out in self.outputs:
            grad = getattr(out, '_gradient_of', None)
            if grad is None:
                results.append(_to_numpy(computed[id(out)] if is_symbolic(
                    out) else out))
                continue
            loss, variable = grad
            loss_value = computed[id(loss)]
            if is_symbolic(variable):
                target, to_keras = computed[id(variable)], None
            else:
                target, to_keras = _weight_target(variable)
            g, = torch.autograd.grad(loss_value.sum() if loss_value.dim()
                                     else loss_value, [target],
                                     allow_unused=True, retain_graph=True)
            if g is None:
                g = torch.zeros_like(target)
            if to_keras is not None:
                g = to_keras(g)
            results.append(_to_numpy(g))
        self._apply_updates(computed)
        return results[0] if self.single_output else results

    def _apply_updates(self, computed):
        for update in self.updates:
            if isinstance(update, OptimizerUpdate):
                update.apply(computed)
                continue
            variable, value = update
            value = computed[id(value)] if is_symbolic(value) else value
            with torch.no_grad():
                variable.copy_(torch.as_tensor(
                    value, dtype=variable.dtype).reshape(variable.shape))


def _checked_updates(updates):
    """K.function's updates: optimizer updates (from `get_updates`) and
    (variable, new value) pairs."""
    checked = []
    for update in updates or []:
        if isinstance(update, OptimizerUpdate):
            checked.append(update)
        elif isinstance(update, (list, tuple)) and len(update) == 2 and \
                isinstance(update[0], torch.Tensor):
            checked.append(tuple(update))
        else:
            raise NotImplementedError(
                'K.function(updates=...) takes the updates of '
                '`optimizer.get_updates(loss, params)` and (variable, '
                'new_value) pairs; got %r. Other updates run eagerly in '
                'keras_compat and need no update op.' % (update,))
    return checked


class OptimizerUpdate(object):
    """`optimizer.get_updates(loss, params)`: one optimizer step on the
    weights `params` for the value of `loss`, each time a K.function
    holding it runs. Weight constraints are applied after the step, as
    Keras 2 does."""

    def __init__(self, optimizer, loss, params):
        self.optimizer = optimizer
        self.loss = loss
        self.params = params
        self._targets = [_weight_target(p)[0] for p in params]
        self._attached = False

    def apply(self, computed):
        loss = computed[id(self.loss)] if is_symbolic(self.loss) \
            else self.loss
        if loss.dim():
            loss = loss.mean()
        targets = self._targets
        if not self._attached:
            self.optimizer._attach([t for t in targets
                                    if isinstance(t, torch.nn.Parameter)])
            self._attached = True
        grads = torch.autograd.grad(loss, targets, allow_unused=True)
        for target, grad in zip(targets, grads):
            target.grad = None if grad is None else grad.detach()
        self.optimizer.step()
        for target in targets:
            target.grad = None
        self._apply_constraints()

    def _apply_constraints(self):
        for param in self.params:
            source = getattr(param, '_keras_source', None)
            if source is None:
                continue
            layer, record = source[0](), source[1]
            if layer is not None and record.constraint is not None:
                with torch.no_grad():
                    record.assign(layer, record.constraint(
                        record.keras_tensor(layer)))


def _as_input(value, symbolic):
    from .data_adapter import to_tensor
    tensor = to_tensor(value)
    device = K.get_device()
    for layer in getattr(symbolic, '_keras_history', (None,))[:1]:
        params = list(layer.parameters()) if layer is not None else []
        if params:
            device = params[0].device
    return tensor.to(device)


def _to_numpy(tensor):
    if isinstance(tensor, torch.Tensor):
        return tensor.detach().cpu().numpy()
    return np.asarray(tensor)


def function(inputs, outputs, updates=None, **kwargs):
    return Function(inputs, outputs, updates=updates, name=kwargs.get('name'))


# --------------------------------------------------------- symbolic losses
class SymbolicLoss(object):
    """A loss given as a symbolic tensor of a model's graph, read from the
    model's latest forward pass."""

    def __init__(self, tensor, network):
        self.tensor = tensor
        self._network = weakref.ref(network)

    def __call__(self):
        network = self._network()
        values = network._last_tensor_map if network is not None else None
        if not values:
            # The model has not run yet: `model.losses` lists the symbolic
            # tensor, as Keras 2 does.
            return self.tensor
        if id(self.tensor) not in values:
            raise RuntimeError('The symbolic loss %r has no value yet: run '
                               'the model (fit/evaluate) first.'
                               % (self.tensor,))
        value = values[id(self.tensor)]
        return value if value.dim() == 0 else value.mean()


def latest_value(tensor):
    raise RuntimeError('A symbolic loss must be added to the model whose '
                       'graph computes it (model.add_loss).')
