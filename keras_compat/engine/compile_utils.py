"""What `compile()` turns losses, loss weights and metrics into: one loss
and a list of metric objects per model output, with Keras's log names."""
import numpy as np
import torch
import torch.nn.functional as F

from .. import backend as K
from ..backend import immutable
from ..backend.ops import _tf_softmax_cross_entropy_mean
from .. import losses as losses_module
from .. import metrics as metrics_module
from ..utils.generic_utils import to_list
from . import training_utils


def _per_output(value, output_names, what, allow_missing=True):
    """Spreads a loss/metrics/weights argument over the outputs: one value
    for all, a list in output order, or a dict keyed by output name."""
    n = len(output_names)
    if isinstance(value, dict):
        for key in value:
            if key not in output_names:
                raise ValueError('Unknown entry in %s dictionary: "%s". Only '
                                 'expected the following keys: %s'
                                 % (what, key, output_names))
        return [value.get(name) for name in output_names]
    if isinstance(value, (list, tuple)) and what != 'metrics':
        if len(value) != n:
            raise ValueError('When passing a list as %s, it should have one '
                             'entry per model output. The model has %d '
                             'outputs, but you passed %s=%s'
                             % (what, n, what, value))
        return list(value)
    return [value] * n


# ------------------------------------------------------------------ losses
class OutputLoss(object):
    """The loss of one output: a Keras loss function or `Loss` object,
    weighted by sample weights and masks as tf.keras weighs them."""

    def __init__(self, fn, name):
        self.fn = fn
        self.name = name
        underlying = losses_module._underlying(fn)
        plain = not isinstance(fn, losses_module.Loss) or (
            isinstance(fn, losses_module.LossFunctionWrapper) and
            not fn._fn_kwargs and fn.reduction in
            (losses_module.Reduction.SUM_OVER_BATCH_SIZE,
             losses_module.Reduction.AUTO))
        self.kind = None
        if plain:
            if underlying is losses_module.categorical_crossentropy:
                self.kind = 'cce'
            elif underlying is losses_module.sparse_categorical_crossentropy:
                self.kind = 'scce'
            elif underlying is losses_module.binary_crossentropy:
                self.kind = 'bce'
            elif underlying is losses_module.mean_squared_error:
                self.kind = 'mse'
        self.is_sparse = underlying is \
            losses_module.sparse_categorical_crossentropy
        # A user's loss function (or Loss class) runs with augmented
        # assignments on tensors rebinding, as in Keras 2.
        self.user_code = immutable.is_user_function(underlying) or (
            isinstance(fn, losses_module.Loss) and
            immutable.is_user_function(type(fn).call))

    def _fast(self, y_true, y_pred):
        """Fused kernels giving the same value as the Keras formula."""
        logits = getattr(y_pred, '_keras_logits', None)
        kind = getattr(y_pred, '_keras_logits_kind', None)
        if self.kind == 'cce' and kind == 'softmax':
            if y_true.dtype != logits.dtype:
                y_true = y_true.to(logits.dtype)
            # (With TensorFlow's gradient for targets not summing to one.)
            return _tf_softmax_cross_entropy_mean(y_true, logits)
        if self.kind == 'scce' and kind == 'softmax':
            target = y_true.squeeze(-1) if y_true.dim() == 2 and \
                y_true.shape[-1] == 1 else y_true
            return F.cross_entropy(logits, target.long())
        if self.kind == 'bce' and kind == 'sigmoid' and \
                y_true.shape == logits.shape:
            if y_true.dtype != logits.dtype:
                y_true = y_true.to(logits.dtype)
            return F.binary_cross_entropy_with_logits(logits, y_true)
        if self.kind == 'mse' and y_true.shape == y_pred.shape:
            if y_true.dtype != y_pred.dtype:
                y_true = y_true.to(y_pred.dtype)
            return F.mse_loss(y_pred, y_true)
        return None

    def __call__(self, y_true, y_pred, sample_weight=None):
        mask = getattr(y_pred, '_keras_mask', None)
        if sample_weight is None and mask is None and self.kind is not None \
                and y_pred.dim() == 2:
            value = self._fast(y_true, y_pred)
            if value is not None:
                return value
        if self.user_code:
            values, reduction = immutable.call(self._values, y_true, y_pred)
        else:
            values, reduction = self._values(y_true, y_pred)
        if not isinstance(values, torch.Tensor):
            values = torch.as_tensor(values, dtype=y_pred.dtype,
                                     device=y_pred.device)
        if values.dtype != y_pred.dtype and y_pred.is_floating_point():
            values = values.to(y_pred.dtype)
        return reduce_loss(values, sample_weight, mask, reduction)

    def _values(self, y_true, y_pred):
        if isinstance(self.fn, losses_module.Loss):
            return self.fn.call(y_true, y_pred), self.fn.reduction
        return self.fn(y_true, y_pred), \
            losses_module.Reduction.SUM_OVER_BATCH_SIZE


def _align(weight, values):
    weight = weight.to(values.dtype)
    while weight.dim() > values.dim() and weight.shape[-1] == 1:
        weight = weight.squeeze(-1)
    while weight.dim() < values.dim():
        weight = weight.unsqueeze(-1)
    return weight


def reduce_loss(values, sample_weight, mask, reduction):
    """tf.keras reduction: sum(values * weights) / number of values; with
    a mask, divided by the number of unmasked values instead."""
    weights = None
    if sample_weight is not None:
        weights = _align(sample_weight, values)
    if mask is not None:
        mask = _align(mask, values)
        weights = mask if weights is None else weights * mask
    if reduction == losses_module.Reduction.NONE:
        return values if weights is None else values * weights
    weighted = values if weights is None else values * weights
    total = torch.sum(weighted)
    if reduction == losses_module.Reduction.SUM:
        return total
    if mask is not None:
        valid = torch.sum(mask.expand_as(values) if mask.shape !=
                          values.shape else mask)
        return total / torch.clamp(valid, min=1.)
    return total / max(1, values.numel())


class CompiledLoss(object):
    """Losses of all outputs, their weights and the total."""

    def __init__(self, loss, loss_weights, output_names):
        self.output_names = list(output_names)
        specs = _per_output(loss, self.output_names, 'loss')
        if isinstance(loss, dict):
            for name, spec in zip(self.output_names, specs):
                if spec is None:
                    import warnings
                    warnings.warn('Output "%s" missing from loss dictionary. '
                                  'We assume this was done on purpose. The '
                                  'fit and evaluate APIs will not be '
                                  'expecting any data to be passed to "%s".'
                                  % (name, name))
        self.losses = []
        for name, spec in zip(self.output_names, specs):
            if spec is None:
                self.losses.append(None)
                continue
            fn = losses_module.get(spec)
            self.losses.append(OutputLoss(fn, name))
        self.weights = [float(w) for w in
                        training_utils.prepare_loss_weights(
                            self.output_names, loss_weights)]

    @property
    def active(self):
        return [i for i, l in enumerate(self.losses) if l is not None]

    def __call__(self, targets, outputs, sample_weights):
        """(total loss, [loss of each output with a loss])."""
        total = None
        per_output = []
        for i, loss in enumerate(self.losses):
            if loss is None:
                continue
            value = loss(targets[i], outputs[i], sample_weights[i])
            per_output.append(value)
            weighted = value if self.weights[i] == 1. else \
                value * self.weights[i]
            total = weighted if total is None else total + weighted
        if total is None:
            total = torch.zeros((), device=outputs[0].device)
        return total, per_output


def keras2_loss_graph(compiled, outputs, weight_modes, model):
    """(targets, sample_weights, total_loss) as Keras 2's compile built
    them, symbolic: a placeholder per output for its targets and for its
    sample weights, and the weighted total of the output losses plus the
    model's penalties."""
    targets, sample_weights, total = [], [], None
    for i, output in enumerate(outputs):
        loss = compiled.losses[i]
        if loss is None:
            targets.append(None)
            sample_weights.append(None)
            continue
        name = compiled.output_names[i]
        target = K.placeholder(ndim=len(K.int_shape(output)),
                               name=name + '_target')
        temporal = weight_modes is not None and \
            weight_modes[i] == 'temporal'
        weights = K.placeholder(ndim=2 if temporal else 1,
                                name=name + '_sample_weights')
        # Unfed, the weights are ones (tf.keras's placeholder_with_default).
        weights._feed_default = np.ones((1,) * (2 if temporal else 1),
                                        K.floatx())
        targets.append(target)
        sample_weights.append(weights)
        value = _keras2_weighted_loss(loss.fn, target, output, weights)
        if compiled.weights[i] != 1.:
            value = value * compiled.weights[i]
        total = value if total is None else total + value
    penalties = [p for p in model.losses if getattr(
        p, '_is_keras_symbolic', False)]
    if outputs:
        from . import symbolic
        penalties.append(symbolic.apply_op(
            _weight_penalty_of(model), (outputs[0],),
            name='weight_regularization'))
    for penalty in penalties:
        total = penalty if total is None else total + penalty
    return targets, sample_weights, total


def _keras2_weighted_loss(fn, target, output, weights):
    """An output's weighted loss on symbolic tensors, as fit computes it
    (Keras 2.3 and tf.keras: the weighted scores summed over the batch
    size, so zero weights still count in the mean; Keras 2.2 divided by
    the fraction of non-zero weights)."""
    scores = fn(target, output)
    reduce_axes = list(range(K.ndim(weights), K.ndim(scores)))
    if reduce_axes:
        scores = K.mean(scores, axis=reduce_axes)
    return K.mean(scores * weights)


def _weight_penalty_of(model):
    """The sum of the weight regularizers' penalties at run time (zero
    without any), as a function of one graph tensor it ignores."""
    def penalty(anchor):
        total = torch.zeros((), device=anchor.device)
        from .base_layer import _unique_layers
        for layer in _unique_layers(model):
            for value in layer._weight_penalties():
                total = total + value
        return total
    return penalty


# ----------------------------------------------------------------- metrics
class _FastAccuracy(metrics_module.Mean):
    """Accuracy accumulated as a correct-count and a Python count."""

    def __init__(self, kind, name):
        super(_FastAccuracy, self).__init__(name=name)
        self.kind = kind

    def update_state(self, y_true, y_pred, sample_weight=None):
        if sample_weight is not None or y_pred.dim() < 2:
            fn = {'binary': metrics_module.binary_accuracy,
                  'categorical': metrics_module.categorical_accuracy,
                  'sparse': metrics_module.sparse_categorical_accuracy}
            values = fn[self.kind](y_true, y_pred)
            return metrics_module.Mean.update_state(self, values,
                                                    sample_weight)
        if self.kind == 'categorical':
            hits = torch.argmax(y_pred, -1) == torch.argmax(y_true, -1)
        elif self.kind == 'sparse':
            target = y_true.squeeze(-1) if y_true.dim() == y_pred.dim() \
                else y_true
            hits = torch.argmax(y_pred, -1) == target.long()
        elif y_true.dtype == torch.bool:
            hits = (y_pred > 0.5) == y_true
        else:
            # Standalone Keras 2 rounds `y_pred` (binary_predicted).
            hits = metrics_module.binary_predicted(y_pred) == y_true
        count = hits.numel()
        self._add_sum(hits.sum(), count)


def _accuracy_kind(y_true, y_pred):
    """tf.keras's choice between binary, sparse and categorical accuracy."""
    if y_pred.shape[-1] == 1 if y_pred.dim() else True:
        return 'binary'
    if y_true.dim() < y_pred.dim() or (y_true.shape[-1] == 1 and
                                       y_pred.shape[-1] > 1):
        return 'sparse'
    return 'categorical'


def _crossentropy_fn(kind):
    return {'binary': metrics_module.binary_crossentropy,
            'sparse': metrics_module.sparse_categorical_crossentropy,
            'categorical': metrics_module.categorical_crossentropy}[kind]


class CompiledMetrics(object):
    """Metric objects per output, resolved from the user's specs on the
    first batch (when target and output shapes are known)."""

    def __init__(self, metrics, weighted_metrics, output_names):
        self.output_names = list(output_names)
        self._specs = self._spread(metrics, 'metrics')
        self._weighted_specs = self._spread(weighted_metrics,
                                            'weighted_metrics')
        for specs in self._specs + self._weighted_specs:
            for spec in specs:
                _check_metric_spec(spec)
        self.built = False
        self.objects = []

    def _spread(self, metrics, what):
        n = len(self.output_names)
        if metrics is None:
            return [[] for _ in range(n)]
        if isinstance(metrics, dict):
            for key in metrics:
                if key not in self.output_names:
                    raise ValueError('Unknown entry in %s dictionary: "%s". '
                                     'Only expected the following keys: %s'
                                     % (what, key, self.output_names))
            return [to_list(metrics.get(name) or [])
                    for name in self.output_names]
        if not isinstance(metrics, (list, tuple)):
            raise TypeError('Type of `metrics` argument not understood. '
                            'Expected a list or dictionary, found: ' +
                            str(metrics))
        if metrics and all(isinstance(m, (list, tuple)) for m in metrics) \
                and len(metrics) == n and n > 1:
            # One list per output; tf.keras writes [None] for an output
            # without metrics in a saved training config.
            return [[x for x in m if x is not None] for m in metrics]
        if n > 1:
            # One list for every output: each output gets its own copy of
            # a stateful metric object, as in Keras 2.3.
            return [metrics_module.clone_metrics(list(metrics))
                    for _ in range(n)]
        return [list(metrics)]

    def spec_names(self):
        """Log names known before the first batch (for metrics_names)."""
        return _dedupe([self._prefixed(i, _spec_name(spec), weighted)
                        for i, weighted, spec in self._specs_in_order()])

    def _specs_in_order(self):
        """(output index, weighted, spec) output by output, each output's
        metrics before its weighted metrics, as Keras 2.3 and tf.keras
        log them."""
        for i in range(len(self.output_names)):
            for weighted, spec_lists in ((False, self._specs),
                                         (True, self._weighted_specs)):
                for spec in spec_lists[i]:
                    yield i, weighted, spec

    def _prefixed(self, index, name, weighted=False):
        if weighted and any(_spec_name(s) == name
                            for s in self._specs[index]):
            name = 'weighted_' + name
        if len(self.output_names) > 1:
            return self.output_names[index] + '_' + name
        return name

    def build(self, targets, outputs):
        self.objects = []
        with K.common.fresh_object_names():
            for i, weighted, spec in self._specs_in_order():
                if targets[i] is None:
                    continue
                metric = self._metric_object(spec, targets[i], outputs[i])
                metric.name = self._prefixed(
                    i, _made_metric_name(spec, metric), weighted)
                self.objects.append((i, weighted, metric))
        names = _dedupe([m.name for _, _, m in self.objects])
        for (_, _, metric), name in zip(self.objects, names):
            metric.name = name
        self.built = True

    def _metric_object(self, spec, y_true, y_pred):
        if isinstance(spec, metrics_module.Metric):
            return spec
        if isinstance(spec, str) and spec.lower() in ('accuracy', 'acc'):
            return _FastAccuracy(_accuracy_kind(y_true, y_pred), spec)
        if isinstance(spec, str) and spec.lower() in ('crossentropy', 'ce'):
            fn = _crossentropy_fn(_accuracy_kind(y_true, y_pred))
            return metrics_module.MeanMetricWrapper(fn, name=spec)
        if getattr(spec, 'stateful', False) and hasattr(spec,
                                                        'reset_states'):
            return _StatefulLayerMetric(spec)
        fn = metrics_module.get(spec)
        if isinstance(fn, type) and issubclass(fn, metrics_module.Metric):
            return fn()
        if isinstance(fn, metrics_module.Metric):
            return fn
        fast = {metrics_module.binary_accuracy: 'binary',
                metrics_module.categorical_accuracy: 'categorical',
                metrics_module.sparse_categorical_accuracy: 'sparse'}
        if fn in fast:
            return _FastAccuracy(fast[fn], _spec_name(spec))
        return metrics_module.MeanMetricWrapper(fn, name=_spec_name(spec))

    def reset(self):
        for _, _, metric in self.objects:
            metric.reset_states()

    def update(self, targets, outputs, sample_weights):
        for i, weighted, metric in self.objects:
            output = outputs[i]
            weight = sample_weights[i] if weighted else None
            mask = getattr(output, '_keras_mask', None)
            if mask is not None:
                mask = mask.to(output.dtype)
                weight = mask if weight is None else \
                    _align(weight, mask) * mask
            metric.update_state(targets[i], output, sample_weight=weight)

    @property
    def names(self):
        return [m.name for _, _, m in self.objects]

    def results(self):
        return [m.result() for _, _, m in self.objects]


class _StatefulLayerMetric(metrics_module.Metric):
    """A Keras 2.2 stateful metric: a layer with `stateful = True` whose
    call updates its own variables and returns the value so far in the
    epoch; `reset_states()` starts a new epoch. Its last value is the
    result (not averaged over batches)."""

    def __init__(self, layer):
        super(_StatefulLayerMetric, self).__init__(name=layer.name)
        self.layer = layer
        self.value = None

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.value = self.layer(y_true, y_pred)

    def result(self):
        if self.value is None:
            return torch.zeros(())
        return torch.as_tensor(self.value).to(torch.float32)

    def reset_states(self):
        self.layer.reset_states()
        self.value = None


def _check_metric_spec(spec):
    """Refuses at compile a metric that could never be resolved (an
    unknown name, a value that is no metric). Which accuracy or
    crossentropy 'accuracy' / 'crossentropy' mean is still decided on the
    first batch, from the shapes."""
    if isinstance(spec, metrics_module.Metric) or callable(spec):
        return
    if isinstance(spec, str) and spec.lower() in ('accuracy', 'acc',
                                                  'crossentropy', 'ce'):
        return
    metrics_module.get(spec)


def _spec_name(spec):
    if K.common.is_tf_keras():
        return metrics_module.tf_keras_metric_name(spec)
    if isinstance(spec, str):
        return spec
    if isinstance(spec, metrics_module.Metric) or (
            getattr(spec, 'stateful', False) and hasattr(spec, 'name')):
        return spec.name
    name = getattr(spec, '__name__', None)
    if name is None:
        name = type(spec).__name__
    return name


def _made_metric_name(spec, metric):
    """The name a metric made for `spec` is logged under: a tf.keras
    program's metric made from a class name ('AUC') keeps the unique name
    it was given ('auc', then 'auc_1' for the next output)."""
    if K.common.is_tf_keras() and isinstance(spec, str) and \
            metric is not spec and isinstance(metric, metrics_module.Metric) \
            and metrics_module._named_uniquely(type(metric)):
        return metric.name
    return _spec_name(spec)


def _dedupe(names):
    seen = {}
    out = []
    for name in names:
        if name in seen:
            seen[name] += 1
            out.append('%s_%d' % (name, seen[name]))
        else:
            seen[name] = 0
            out.append(name)
    return out


_LONG_NAMES = {'mse': 'mean_squared_error', 'mae': 'mean_absolute_error',
               'mape': 'mean_absolute_percentage_error',
               'msle': 'mean_squared_logarithmic_error',
               'cosine': 'cosine_proximity', 'acc': 'accuracy',
               'accuracy': 'acc', 'kld': 'kullback_leibler_divergence'}


def history_aliases(names):
    """Other names History answers to for each logged metric (Keras 2.2's
    'acc' and 'mean_squared_error' for tf.keras's 'accuracy' and 'mse')."""
    aliases = {}
    for name in names:
        for prefix in ('', 'val_'):
            for short, long in _LONG_NAMES.items():
                if name == short or name.endswith('_' + short):
                    alias = name[:len(name) - len(short)] + long
                    aliases[prefix + alias] = prefix + name
    return aliases


class MetricsTracker(object):
    """The running loss and metric values of a compiled model: a mean of
    the total loss and of each output's loss (several outputs), the
    compiled metrics, and the metrics added with `add_metric` or set as
    attributes. Values accumulate in device tensors over an epoch and are
    read once, in `metrics_names` order."""

    def __init__(self, compiled_loss, compiled_metrics):
        self.compiled_loss = compiled_loss
        self.compiled_metrics = compiled_metrics
        self.loss_trackers = None
        # Whether a loss was computed: tf.keras lists the loss means among
        # model.metrics only then (a custom train_step may never call it).
        self.loss_computed = False
        self.added = None          # {name: metric} of added metrics
        self.history_aliases = {}

    def added_names(self):
        return list(self.added or {})

    def added_metrics(self):
        return list((self.added or {}).values())

    def build(self, targets, outputs):
        """Creates the loss means and builds the compiled metrics on the
        first batch (the metrics depend on the targets' shapes)."""
        if self.loss_trackers is None:
            compiled = self.compiled_loss
            count = len(compiled.active) \
                if len(compiled.output_names) > 1 else 0
            self.loss_trackers = [metrics_module.Mean(name='loss')] + \
                [metrics_module.Mean(name=compiled.output_names[i] + '_loss')
                 for i in compiled.active][:count]
        if not self.compiled_metrics.built:
            self.compiled_metrics.build(targets, outputs)
            self.history_aliases = history_aliases(self.names())

    def names(self):
        """['loss', per-output losses (several outputs), metric names]."""
        compiled = self.compiled_loss
        names = ['loss']
        if len(compiled.output_names) > 1:
            names += [compiled.output_names[i] + '_loss'
                      for i in compiled.active]
        if self.compiled_metrics.built:
            names += self.compiled_metrics.names
        else:
            names += self.compiled_metrics.spec_names()
        return names + self.added_names()

    def update(self, targets, outputs, weights, total, per_output,
               added_values=None, attribute_metrics=()):
        """Adds one batch: its losses (weighted by the batch size), the
        compiled metrics and the values of added metrics."""
        with torch.no_grad():
            if total.dim():
                total = total.mean()
            batch = _batch_size_of(outputs, targets)
            self.build(targets, outputs)
            self.loss_computed = True
            self.loss_trackers[0]._add_sum(total.detach() * batch, batch)
            for tracker, value in zip(self.loss_trackers[1:], per_output):
                tracker._add_sum(value.detach() * batch, batch)
            self._batch_losses = [total.detach()] + [
                value.detach() for value in
                per_output[:len(self.loss_trackers) - 1]]
            self.compiled_metrics.update(targets, outputs, weights)
            if added_values is not None:
                self._update_added(added_values, attribute_metrics)

    def _update_added(self, values, attribute_metrics):
        """Averages each added metric value over the epoch; a metric
        object's result is its own (its state was updated by the forward
        pass)."""
        if self.added is None:
            self.added = _attribute_metric_trackers(attribute_metrics)
        for name, value, metric_obj in values:
            if metric_obj is not None:
                self.added.setdefault(name, metric_obj)
                continue
            tracker = self.added.get(name)
            if tracker is None:
                tracker = self.added[name] = metrics_module.Mean(name=name)
            tracker.update_state(value.detach().float().mean())

    def all_metrics(self):
        """Every metric object whose state makes up the logs."""
        return list(self.loss_trackers or []) + \
            [m for _, _, m in self.compiled_metrics.objects] + \
            self.added_metrics()

    def reset(self):
        for tracker in self.loss_trackers or []:
            tracker.reset_states()
        self.compiled_metrics.reset()
        for tracker in self.added_metrics():
            tracker.reset_states()

    def result_floats(self):
        """The current values, read from the device in one transfer."""
        tensors = [t.result() for t in self.loss_trackers or []]
        tensors += self.compiled_metrics.results()
        tensors += [t.result() for t in self.added_metrics()]
        if not tensors:
            return []
        stacked = torch.stack([t.reshape(()).to(torch.float32).to(
            tensors[0].device) if isinstance(t, torch.Tensor) else
            torch.tensor(float(t)) for t in tensors])
        return [float(v) for v in stacked.cpu().tolist()]

    def results_dict(self):
        names = ['loss'] + [t.name for t in (self.loss_trackers or [])[1:]]
        names += self.compiled_metrics.names + self.added_names()
        return dict(zip(names, self.result_floats()))

    def batch_results_dict(self):
        """The logs of a training batch, as Keras 2's batch logs: the
        losses of that batch, and the metrics' running values."""
        results = self.results_dict()
        losses = getattr(self, '_batch_losses', None)
        if losses:
            values = torch.stack([v.reshape(()).to(torch.float32)
                                  for v in losses]).cpu().tolist()
            names = ['loss'] + [t.name for t in self.loss_trackers[1:]]
            results.update(zip(names, values))
        return results


def _batch_size_of(outputs, targets):
    for t in targets:
        if t is not None:
            return int(t.shape[0])
    return int(outputs[0].shape[0]) if outputs[0].dim() else 1


def _attribute_metric_trackers(metrics):
    """{name: metric} for the metric objects set as attributes of a model,
    which Keras logs first; two with one name are an error."""
    trackers = {}
    for metric in metrics:
        if metric.name in trackers:
            count = sum(m.name == metric.name for m in metrics)
            raise ValueError('Please provide different names for the '
                             'metrics you have added. We found {} '
                             'metrics with the name: "{}"'.format(
                                 count, metric.name))
        trackers[metric.name] = metric
    return trackers
