"""One training, test or prediction step: forward, loss, backward,
optimizer step, weight constraints, metric tracking.

The three step functions are the whole of what happens to one batch;
the torch mechanisms they use live here too:

- forward: the model itself, the DistributedDataParallel wrapper under
  torchrun (training only), or the `torch.compile`d forward
  (`compile(jit_compile=True)`, or a torch.compile mode such as
  `jit_compile='reduce-overhead'`, CUDA graphs on a GPU), each under
  `torch.autocast` when the mixed-precision policy asks for it;
- loss: the compiled loss plus every penalty the layers added
  (regularizers, `add_loss`), in one autograd graph;
- backward and step: a `GradScaler` for mixed_float16, Keras 2
  `get_updates` optimizers, then the weight constraints.

Nothing here reads a value back from the device."""
import contextlib
import functools
import warnings

import numpy as np
import torch

from ..backend import variable_graph
from ..backend.rnn import prepare_compile
from . import call_context, standardization
from .base_layer import _unique_layers, added_update_ops


# ------------------------------------------------------------------ steps
def train_step(model, batch):
    """One gradient update on `batch` (a `data_adapter.Batch`); returns
    the outputs."""
    restore = model._enter_training_flags()
    if restore is None:
        return _train_step(model, batch)
    try:
        return _train_step(model, batch)
    finally:
        model._leave_training_flags(restore)


def _train_step(model, batch):
    if model.__dict__.get('train_function') is not None:
        return _assigned_train_step(model, batch)
    with variable_graph.deferring_updates() as layer_updates:
        outputs = forward(model, batch.inputs, train=True)
        total, per_output = total_loss(model, batch.targets, outputs,
                                       batch.weights)
    if total.dim():
        # A per-sample loss added with add_loss makes the total a tensor:
        # Keras differentiates its sum and logs its mean.
        total, summed = total.mean(), total.sum()
    else:
        summed = total
    if summed.requires_grad:
        share = batch.share
        # DDP averages the processes' gradients; scaling each by its share
        # of the global batch makes that average the gradient of the
        # global batch mean.
        objective = summed if share is None or share.loss_scale == 1. \
            else summed * share.loss_scale
        _minimize(model, objective)
    if layer_updates.pending:
        layer_updates.apply()
    if batch.share is not None and batch.share.empty:
        model._metrics_tracker.build(batch.targets, outputs)
    else:
        _track(model, batch, outputs, total, per_output)
    return outputs


def _assigned_train_step(model, batch):
    """A step through the training function a script assigned to
    `model.train_function` (Keras 2.2's `f(inputs + targets +
    sample_weights)` returning `[loss] + metrics`): the compiled metrics
    are measured on the outputs before it runs, as Keras 2 computed them
    in the same session run."""
    with torch.no_grad():
        outputs = forward(model, batch.inputs)
    feeds = [_as_array(x) for x in batch.inputs]
    size = int(batch.inputs[0].shape[0])
    targets = [t for t in batch.targets if t is not None]
    feeds += [_as_array(t) for t in targets]
    weights = batch.weights or [None] * len(targets)
    feeds += [np.ones(size, 'float32') if w is None else _as_array(w)
              for w in weights[:len(targets)]]
    results = model.train_function(feeds)
    results = results if isinstance(results, (list, tuple)) else [results]
    total = torch.as_tensor(np.asarray(results[0], 'float32')).mean()
    model._metrics_tracker.update(batch.targets, outputs, batch.weights,
                                  total, [], None)
    return outputs


def _as_array(tensor):
    return tensor.detach().cpu().numpy()


def test_step(model, batch):
    """The loss and metrics of `batch`, accumulated; returns the
    outputs."""
    outputs = forward(model, batch.inputs)
    if batch.share is not None and batch.share.empty:
        # A stand-in: it builds the metrics, so that their states can be
        # summed with the other processes', and counts in none.
        model._metrics_tracker.build(batch.targets, outputs)
        return outputs
    total, per_output = total_loss(model, batch.targets, outputs,
                                   batch.weights)
    _track(model, batch, outputs, total, per_output)
    return outputs


def predict_step(model, inputs):
    """The model's outputs for a list of input tensors, detached (and
    copied out of a CUDA graph's memory, which the next replay
    overwrites)."""
    outputs = [o.detach() for o in forward(model, inputs)]
    if _replays_cuda_graphs(model):
        outputs = [o.clone() for o in outputs]
    return outputs


def minimize(model, objective):
    """Backward pass of `objective` and the optimizer's update (with the
    weight constraints), as a training step does."""
    _minimize(model, objective)


def _minimize(model, objective):
    optimizer = model.optimizer
    optimizer.zero_grad(set_to_none=True)
    scaler = _grad_scaler(model)
    if scaler is None:
        objective.backward()
    else:
        scaler.scale(objective).backward()
    added = _prepared_added_updates(model)
    if getattr(optimizer, '_custom_updates', False):
        # Keras 2's get_updates(loss, params); as in Keras 2, it applies
        # the weight constraints itself.
        optimizer._apply_step(objective, model._optimizer_weights(), scaler)
    elif _gradients_overridden(optimizer):
        # A built-in update on the gradients of the optimizer's own
        # get_gradients (AccumOptimizer assigns one to the instance).
        optimizer._apply_step(objective, model._optimizer_weights(), scaler)
        apply_constraints(model)
    else:
        if scaler is None:
            optimizer.step()
        else:
            scaler.step(optimizer)
            scaler.update()
        apply_constraints(model)
    for update in added:
        update.apply()


def _prepared_added_updates(model):
    """The update ops `add_update` kept, their values computed before the
    optimizer step (one Keras 2 session run reads every value first)."""
    added = added_update_ops(model)
    with torch.no_grad():
        for update in added:
            update.prepare({})
    return added


def _track(model, batch, outputs, total, per_output):
    added = added_metric_values(model)
    if not (added or model._graph_metrics or model._attribute_metrics):
        added = None
    # Metrics reading graph tensors compute them in the step's graph run
    # (total_loss gave the outputs their history already).
    with _graph_run(model):
        model._metrics_tracker.update(
            batch.targets, outputs, batch.weights, total, per_output, added,
            model._attribute_metrics)


def _graph_run(model):
    """The step's graph run, for losses and metrics that read graph
    tensors; nothing to enter otherwise."""
    if not model._graph_reads:
        return contextlib.nullcontext()
    from . import symbolic
    return symbolic.running(symbolic.RunValues(model._last_tensor_map or {}))


def _gradients_overridden(optimizer):
    check = getattr(optimizer, '_overrides_get_gradients', None)
    return check is not None and check()


def apply_constraints(model):
    """Projects each constrained weight after the optimizer step."""
    if not model._constraint_records:
        return
    with torch.no_grad():
        for layer, record in model._constraint_records:
            record.assign(layer, record.constraint(record.keras_tensor(layer)))


# ---------------------------------------------------------------- forward
def forward(model, inputs, train=False):
    """The model's outputs as a list; float32 under a mixed policy."""
    x = standardization.call_inputs(model, inputs)
    ddp = model._ddp[1] if train else None
    if ddp is None and model._jit:
        outputs = _compiled_forward(model, x)
    else:
        outputs = _autocast_call(model, ddp or model, x)
    if isinstance(outputs, dict):
        # (A model made with a dict of outputs.)
        outputs = [outputs[k] for k in
                   model.__dict__.get('_output_keys') or list(outputs)]
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    if model._policy is not None and model._policy.mixed:
        outputs = [o.float() if o.is_floating_point() else o
                   for o in outputs]
    return list(outputs)


def _autocast_call(model, module, x):
    """module(x), under torch.autocast when the policy is mixed."""
    policy = model._policy
    amp = None if policy is None else policy.autocast_dtype()
    if amp is None:
        return module(x)
    with torch.autocast(model._device().type, dtype=amp):
        return module(x)


def _compiled_forward(model, x):
    """The forward pass through torch.compile; falls back to eager (with
    a warning) when the model cannot be compiled."""
    compiled = model._compiled_step
    if compiled is None:
        compile_fn = getattr(torch, 'compile', None)
        if compile_fn is None:
            warnings.warn('jit_compile=True needs torch.compile (torch >= '
                          '2.0); training eagerly.')
            model._jit = False
            return model(x)
        prepare_compile()
        options = {} if model._jit_mode is None else \
            {'mode': model._jit_mode}
        compiled = model._compiled_step = compile_fn(
            functools.partial(_autocast_call, model, model), **options)
    if _replays_cuda_graphs(model):
        # Each call is a new step: the graphs' memory of the last one may
        # be reused.
        torch.compiler.cudagraph_mark_step_begin()
    call_context.enter(_start_compiled_call(model))
    try:
        return compiled(x)
    except Exception as error:
        failure = error
    finally:
        call_context.leave()
    warnings.warn('jit_compile=True: torch.compile could not compile this '
                  'model (%s: %s); training eagerly instead.'
                  % (type(failure).__name__, str(failure)[:300]))
    model._jit = False
    model._compiled_step = None
    return model(x)


def _replays_cuda_graphs(model):
    return model._jit and model._jit_mode in (
        'reduce-overhead', 'max-autotune') and \
        model._device().type == 'cuda'


def _start_compiled_call(model):
    """Does outside the compiled graph what a top-level call does inside
    an eager one: empties the per-call losses and metrics and records them
    as the model's last call. Returns the call's context: one per model,
    so that the graph sees the same object at every step and is not
    recompiled."""
    context = model._compiled_context
    if context is None:
        context = model._compiled_context = call_context.CallContext(True)
    for layer in _every_layer(model):
        if layer._has_call_losses:
            layer._call_losses = []
        if layer._has_call_metrics:
            layer._metrics = []
        # Set on every layer, so that a layer adding its first value inside
        # the graph records it under this call.
        layer._loss_context = layer._metric_context = context
    model._last_call_context = context
    return context


def _grad_scaler(model):
    """The loss scaling of the training step: a LossScaleOptimizer's own
    (tf.keras scales the loss whenever the optimizer is one), else a
    GradScaler under the 'mixed_float16' policy, else None."""
    own = getattr(model.optimizer, '_dynamic_loss_scale', None)
    if own is not None:
        return own
    if not model._policy.mixed:
        return None
    if model._scaler is None and model._policy.compute_dtype == \
            'float16':
        # tf.keras's dynamic loss scale: start at 2**15, halve and skip
        # the step on overflow, double after 2000 clean steps.
        model._scaler = torch.amp.GradScaler(
            model._device().type, init_scale=2. ** 15, growth_factor=2.,
            backoff_factor=0.5, growth_interval=2000)
    return model._scaler


# ------------------------------------------------------------------- loss
def total_loss(model, targets, outputs, weights):
    """(total, per-output losses): the compiled loss plus every penalty
    the layers added during the forward pass."""
    if model._history_reads:
        _give_history(model, outputs)
    with _graph_run(model):
        total, per_output = model._compiled_loss(targets, outputs, weights)
    penalty = regularization_loss(model)
    if penalty is not None:
        total = total + penalty
    return total, per_output


def _give_history(model, outputs):
    """Gives each output value the `_keras_history` of the symbolic output
    it computes, for losses and metrics that read it."""
    for symbolic, value in zip(model.outputs, outputs):
        if isinstance(value, torch.Tensor):
            value._keras_history = symbolic._keras_history


def regularization_loss(model):
    """The sum of weight penalties, `add_loss` values of the last call and
    loss functions of the layers; None when there are none."""
    layers = loss_layers(model)
    if not layers:
        return None
    penalties = []
    last_call = model._last_call_context
    for layer in layers:
        penalties += layer._weight_penalties()
        if layer._call_losses and layer._loss_context is last_call:
            penalties += layer._call_losses
        penalties += [fn() for fn in layer._loss_fns]
    if not penalties:
        return None
    return functools.reduce(lambda a, b: a + b, penalties)


def _every_layer(model):
    """The model and every layer in it, each once; recomputed when the
    model gains layers."""
    count, layers = model._layer_list_cache
    if count != len(model._layers):
        layers = list(_unique_layers(model))
        model._layer_list_cache = (len(model._layers), layers)
    return layers


def loss_layers(model):
    """The layers of the model that contribute losses."""
    return [l for l in _every_layer(model) if l._has_own_losses()]


def added_metric_values(model):
    """(name, tensor, metric object or None) of the `add_metric` values
    of the last forward pass."""
    values = []
    tensor_map = model._last_tensor_map or {}
    for name, symbolic, metric_obj in model._graph_metrics:
        if id(symbolic) in tensor_map:
            values.append((name, tensor_map[id(symbolic)], metric_obj))
    last_call = model._last_call_context
    for layer in _every_layer(model):
        if layer._has_call_metrics and layer._metric_context is last_call:
            values += layer._metrics
    return values
