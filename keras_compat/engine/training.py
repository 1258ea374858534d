"""`Model`: compile, fit, evaluate, predict and the batch-level methods.

`Model` holds the Keras API and the training state; the work is done
elsewhere, as in Keras 2.3 and Keras 3:

- `standardization`: what the user passes becomes input, target and
  weight tensors (Keras 2's checks and errors);
- `data_adapter`: those tensors, generators, Sequences and DataLoaders
  become batches on the device;
- `training_loops`: the epoch and batch loops and the callbacks;
- `training_step`: one step (forward, loss, backward, optimizer step);
- `compile_utils`: the compiled loss and metrics and their running
  values (`MetricsTracker`).

Nothing reads a value back from the device per step unless a callback
asks for it (the progress bar reads at most ten times a second)."""
import warnings

import torch

from .. import backend as K
from .. import distributed
from .. import optimizers
from ..backend import common
from ..legacy import interfaces
from . import base_layer, compile_utils, custom_steps, data_adapter
from . import fed_tensors, standardization
from . import training_loops as loops
from . import training_step, training_utils
from .network import Keras2Alias, Network
from .base_layer import overridden_weight_property, weight_pairs_of

# torch.compile tracing touches torch's own deprecated TorchScript helpers;
# the warning concerns torch internals, not the user's model.
warnings.filterwarnings('ignore', message='`torch.jit.script_method` is '
                                          'deprecated')

# A Keras loss or metric value is a tensor that may carry gradients;
# `float(loss)` reads it as TensorFlow's eager tensors are read, without
# torch's remark about the gradients it does not keep.
warnings.filterwarnings('ignore', message='Converting a tensor with '
                                          'requires_grad=True to a scalar')

# (`experimental_run_tf_function`, tf.keras 2.0-2.1, chose between two
# TensorFlow execution paths; both are this one.)
_ALLOWED_COMPILE_KWARGS = {'jit_compile', 'run_eagerly', 'steps_per_execution',
                           'experimental_run_tf_function'}
# torch.compile modes `compile(jit_compile=...)` takes besides True/False.
_JIT_MODES = ('default', 'reduce-overhead', 'max-autotune',
              'max-autotune-no-cudagraphs')


def _verbosity(verbose, auto):
    """`verbose` with tf.keras's 'auto' resolved to `auto` (to one line per
    epoch, 2, when interactive logging is off)."""
    if verbose != 'auto':
        return verbose
    from ..utils import io_utils
    return auto if io_utils.is_interactive_logging_enabled() or not auto \
        else 2


def _loss_scaled_under_float16(optimizer):
    """tf.keras's compile under the 'mixed_float16' policy: the optimizer
    wrapped in a `LossScaleOptimizer` unless it is one."""
    from .. import mixed_precision
    if mixed_precision.global_policy().compute_dtype != 'float16' or \
            isinstance(optimizer, mixed_precision.LossScaleOptimizer) or \
            not isinstance(optimizer, torch.optim.Optimizer):
        return optimizer
    return mixed_precision.LossScaleOptimizer(optimizer)


def _jit_options(jit_compile):
    """(compile the forward pass, torch.compile mode or None) for
    `compile(jit_compile=...)`: a bool as in Keras, or the name of a
    torch.compile mode ('reduce-overhead' replays the compiled forward
    and backward passes as CUDA graphs on a GPU)."""
    if jit_compile == 'auto':
        # Keras 3's default, which on its torch backend does not compile.
        return False, None
    if isinstance(jit_compile, str):
        if jit_compile not in _JIT_MODES:
            raise ValueError(
                'jit_compile should be True, False or one of the '
                'torch.compile modes %s; received %r.'
                % (', '.join(repr(m) for m in _JIT_MODES), jit_compile))
        return True, jit_compile
    return bool(jit_compile), None


def _walk_weights(layer, trainable=True, seen=None, listed=None):
    """(layer, record, effectively_trainable) for every weight, honouring
    frozen parents and a user layer's own `trainable_weights` property
    (only the weights it lists train, in it and in the layers inside
    it)."""
    if seen is None:
        seen = set()
    if id(layer) in seen:
        return
    seen.add(id(layer))
    trainable = trainable and layer.trainable
    if trainable and overridden_weight_property(type(layer), 'trainable'):
        listed = {id(record) for _, record in weight_pairs_of(
            layer, layer.trainable_weights, 'trainable')}
    for record in layer._keras_weights:
        yield layer, record, trainable and record.trainable and \
            (listed is None or id(record) in listed)
    for sub in layer._sublayers():
        yield from _walk_weights(sub, trainable, seen, listed)


# Bumped whenever frozen-layer marks are set: a model sets its own marks
# again when another model marked the layers they share in between.
_MARK_GENERATION = [0]


def _frozen_marks(layer, trainable=True, marks=None):
    """{id: (layer, frozen)} for `layer` and every layer inside it:
    frozen when the layer or a container above it is not trainable."""
    if marks is None:
        marks = {}
    if id(layer) in marks:
        return marks
    trainable = trainable and layer.trainable
    marks[id(layer)] = (layer, not trainable)
    for sub in layer._sublayers():
        _frozen_marks(sub, trainable, marks)
    return marks


def _frozen_at_call(model, marks):
    """Marks frozen the layers that were frozen inside a model when
    `model` called it: Keras 2 never ran their updates in `model`'s
    steps, whatever their flags when the training function was built."""
    nodes = getattr(model, '_network_nodes', ())
    for sub in model._sublayers():
        for index, node in enumerate(sub._inbound_nodes):
            if '%s_ib-%d' % (sub.name, index) not in nodes:
                continue
            for layer in getattr(node, '_frozen_at_call', ()):
                marks[id(layer)] = (layer, True)
    return marks


def _apply_marks(marks):
    for layer, frozen in marks.values():
        layer._frozen_container = frozen
    _MARK_GENERATION[0] += 1
    return _MARK_GENERATION[0]


def _mark_frozen_containers(layer):
    """Tells each layer whether it, or a container above it, is frozen: a
    BatchNormalization there still normalises with batch statistics in
    training but leaves its moving statistics alone, as Keras 2 drops the
    updates of a non-trainable layer or model."""
    return _apply_marks(_frozen_marks(layer))


def _flag_state(model):
    """[(layer, trainable flag)] for `model` and every layer inside it,
    containers before the layers they hold."""
    state, stack, seen = [], [model], set()
    while stack:
        layer = stack.pop()
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        state.append((layer, layer.__dict__.get('_trainable', True)))
        stack.extend(reversed(layer._sublayers()))
    return state


def _set_flags(state):
    for layer, flag in state:
        layer.__dict__['_trainable'] = flag


def _switch_flags(state):
    """tf.keras's RespectCompiledTrainableState: the layers take the
    `trainable` flags they had at compile() (`state`) for the step;
    returns their own flags, to set back after it, or None when they are
    the same."""
    if not state or all(layer.__dict__.get('_trainable', True) == flag
                        for layer, flag in state):
        return None
    current = [(layer, layer.__dict__.get('_trainable', True))
               for layer, _ in state]
    _set_flags(state)
    return current


# How many times a model's train/eval switch was used in this process.
_MODE_SWITCHES = [0]


def _functions_in(specs):
    """The callables in loss / metric specifications (a function, a list
    or a dict of them, nested once)."""
    found = []
    for spec in specs:
        values = spec.values() if isinstance(spec, dict) else \
            (spec if isinstance(spec, (list, tuple)) else [spec])
        for value in values:
            inner = value if isinstance(value, (list, tuple)) else [value]
            found += [f for f in inner if callable(f)]
    return found


def _set_requires_grad(tensors, flag):
    # Models sharing layers (a GAN) each set the flags they train with.
    for tensor in tensors:
        if tensor.requires_grad != flag:
            tensor.requires_grad_(flag)


class _MetricNames(list):
    """`model.metrics_names`: names appended to it wait for the tensor
    appended next to `model.metrics_tensors`."""

    def __init__(self, names, pending):
        super(_MetricNames, self).__init__(names)
        self._pending = pending

    def append(self, name):
        super(_MetricNames, self).append(name)
        self._pending.append(name)


class _MetricTensors(list):
    """`model.metrics_tensors`: appending a graph tensor logs it as a
    metric (`add_metric`, averaged over the epoch)."""

    def __init__(self, model, tensors):
        super(_MetricTensors, self).__init__(tensors)
        self._model = model

    def append(self, tensor):
        super(_MetricTensors, self).append(tensor)
        pending = self._model.__dict__.setdefault('_pending_metric_names',
                                                  [])
        name = pending.pop(0) if pending else \
            'metric_%d' % len(self._model._graph_metrics)
        self._model.add_metric(tensor, name=name, aggregation='mean')


class Model(Network):
    """A Keras model: a `Network` that can be compiled and trained.

    `Model(inputs, outputs)` builds a functional model; subclass it and
    write `call` for a subclassed one. `compile`, `fit`, `evaluate`,
    `predict`, `train_on_batch`, `test_on_batch`, `predict_on_batch` and the
    generator variants follow Keras 2 semantics."""

    def __init__(self, *args, **kwargs):
        from .. import tensorflow_distribute
        Network.__init__(self, *args, **kwargs)
        self._init_training_state()
        if tensorflow_distribute.has_strategy():
            self._distribution_strategy = tensorflow_distribute.get_strategy()

    def _init_training_state(self):
        """Every attribute of the training state, as before compile()."""
        if '_compiled_loss' in self.__dict__:
            return
        # (No `loss` attribute before compile(), as in Keras 2 and tf.keras:
        # libraries test `hasattr(model, 'loss')` to compile a model.)
        self.optimizer = None
        self.loss_weights = None
        self.sample_weight_mode = None
        self.stop_training = False
        self.history = None
        self._compile_metrics = None
        self._compile_weighted_metrics = None
        # Keras 2.0-2.2's public record of compile(weighted_metrics=...),
        # read back by libraries that recompile a model with its own
        # settings (segmentation_models' set_trainable).
        self.weighted_metrics = None
        self._target_tensors = None          # compile(target_tensors=...)
        self._compiled_loss = None           # compile_utils.CompiledLoss
        self._compiled_metrics = None        # compile_utils.CompiledMetrics
        self._metrics_tracker = None         # compile_utils.MetricsTracker
        self._sample_weight_modes = None
        self._graph_reads = False            # losses read graph tensors
        self._history_reads = False          # ... y_pred._keras_history
        # The weights that train and how the optimizer holds them.
        self._collected_trainable = None
        self._current_trainable_count = 0
        self._attached_params = None
        self._trainable_params = []
        self._trainable_pairs = []
        self._constraint_records = []
        # Every layer once, refreshed as layers change, and the context
        # of compiled calls (one per model, so graphs are not recompiled).
        self._layer_list_cache = (None, [])
        self._compiled_context = None
        # Execution: train/eval mode set, torch.compile, mixed precision,
        # DistributedDataParallel.
        self._mode = None
        self._jit = False
        self._jit_mode = None
        self._compiled_step = None
        self._policy = self.__dict__.get('_policy')
        self._scaler = None
        # (key of the trainable parameters, DistributedDataParallel
        # wrapper): a pair, so that nn.Module does not adopt the wrapper.
        self._ddp = (None, None)
        self._resume_epoch = None            # set by BackupAndRestore
        self._resume_step = None
        # Keras 2.2's training function: None until a script assigns its
        # own (keras-lookahead's inject), which fit and train_on_batch
        # then run on each batch.
        self.train_function = None
        self.test_function = None
        self.predict_function = None
        self.metrics_updates = []
        self._function_kwargs = {}

    # -------------------------------------------------------------- compile
    def compile(self, optimizer='rmsprop', loss=None, metrics=None, loss_weights=None,
                sample_weight_mode=None, weighted_metrics=None,
                target_tensors=None, **kwargs):
        """Configures the model for training (see Keras 2's
        `Model.compile`)."""
        args = dict(optimizer=optimizer, loss=loss, metrics=metrics,
                    loss_weights=loss_weights,
                    sample_weight_mode=sample_weight_mode,
                    weighted_metrics=weighted_metrics,
                    target_tensors=target_tensors, **kwargs)
        self._init_training_state()
        self.__dict__.pop('_compiled_by_loading', None)
        unknown = set(kwargs) - _ALLOWED_COMPILE_KWARGS
        if unknown:
            raise TypeError('Invalid keyword argument(s) in `compile`: %s'
                            % sorted(unknown))
        if kwargs.get('steps_per_execution', 1) not in (None, 1):
            raise NotImplementedError('compile(steps_per_execution=...) is '
                                      'not supported.')
        _jit_options(kwargs.get('jit_compile'))
        if kwargs.get('run_eagerly') and kwargs.get('jit_compile'):
            raise ValueError('You cannot enable `run_eagerly` and '
                             '`jit_compile` at the same time.')
        if target_tensors is not None and common.is_tf_keras() and \
                common.executing_eagerly():
            raise ValueError('`target_tensors` argument is not supported '
                             'when executing eagerly. Received: %s.'
                             % (target_tensors,))
        target_tensors = fed_tensors.checked_target_tensors(
            self, target_tensors)
        # Everything is resolved (and a bad name refused) before the
        # model changes: a failing compile leaves it as it was.
        optimizer = _loss_scaled_under_float16(optimizers.get(optimizer))
        output_names = self._output_names_for_compile(loss, loss_weights)
        loss, loss_weights, metrics, weighted_metrics, sample_weight_mode = (
            self._by_output_name(value) for value in (
                loss, loss_weights, metrics, weighted_metrics,
                sample_weight_mode))
        compiled_loss = compile_utils.CompiledLoss(
            loss, loss_weights, output_names)
        weight_modes = self._weight_modes(sample_weight_mode, output_names,
                                          compiled_loss)
        compiled_metrics = compile_utils.CompiledMetrics(
            metrics, weighted_metrics, output_names)
        self.optimizer = optimizer
        self.loss = loss
        self.loss_weights = loss_weights
        self.sample_weight_mode = sample_weight_mode
        self._compile_metrics = metrics
        self._compile_weighted_metrics = weighted_metrics
        self.weighted_metrics = weighted_metrics
        self._target_tensors = target_tensors
        self._jit, self._jit_mode = _jit_options(kwargs.get('jit_compile'))
        self._compiled_step = None
        from .. import mixed_precision
        self._policy = mixed_precision.global_policy()
        self._scaler = None
        self._compiled_loss = compiled_loss
        self._sample_weight_modes = weight_modes
        self._compiled_metrics = compiled_metrics
        self._metrics_tracker = compile_utils.MetricsTracker(
            compiled_loss, compiled_metrics)
        self._note_graph_reads(loss, metrics, weighted_metrics)
        self._note_history_reads(loss, metrics, weighted_metrics)
        self._attached_params = None
        self._collected_trainable = None
        self.__dict__['_compiled_trainable_state'] = _flag_state(self)
        self.__dict__['_compiled_flag_sets'] = base_layer.TRAINABLE_SETS[0]
        self.__dict__['_update_marks'] = None
        self._is_compiled = True
        self.stop_training = False
        # A subclassed model compiled before its first call: its outputs
        # are known once data builds it (see `_recompile_for_outputs`).
        self.__dict__['_deferred_compile'] = None if (
            self.built or self._is_graph_network) else args
        if self.built:
            self._prepare_training()

    def _note_graph_reads(self, *specs):
        """Loss functions that read tensors of the model's graph (a VAE
        loss reading `z_mean`, a gradient penalty given the interpolated
        samples): each training and test step then computes them with
        those tensors' values of the step, and they can be differentiated
        with respect to."""
        from . import symbolic
        functions = []
        for spec in specs:
            values = spec.values() if isinstance(spec, dict) else \
                (spec if isinstance(spec, (list, tuple)) else [spec])
            for value in values:
                if isinstance(value, (list, tuple)):
                    functions += [f for f in value if callable(f)]
                elif callable(value):
                    functions.append(value)
        read = symbolic.graph_tensors_read_by(functions)
        self._graph_reads = bool(read) and self._is_graph_network
        if self._graph_reads:
            computed = {id(x) for node in self._plan
                        for x in node.output_tensors}
            for tensor in read:
                tensor._gradient_requested = True
                if id(tensor) not in computed and self._computes(tensor):
                    self._add_extra_output(tensor)
            self._keep_map = True
            self._set_gradient_plan()

    def _note_history_reads(self, *specs):
        """Losses or metrics that find their layer through
        `y_pred._keras_history` (keras-contrib's CRF): each step gives the
        outputs that history and computes them in the step's graph run,
        so the layer's symbolic inputs and masks stand for their values."""
        from . import symbolic
        self._history_reads = self._is_graph_network and \
            symbolic.read_keras_history(_functions_in(specs))
        if self._history_reads:
            self._graph_reads = True
            self._keep_map = True

    def _computes(self, tensor):
        from .network import _map_graph_network
        try:
            _map_graph_network(self.inputs, [tensor])
        except ValueError:
            return False
        return True

    def _output_names_for_compile(self, loss=None, loss_weights=None):
        if getattr(self, 'output_names', None):
            return list(self.output_names)
        # A subclassed model with several outputs: Keras names them by
        # position.
        count = self.__dict__.get('_call_output_count', 0)
        for spec in (loss, loss_weights):
            if isinstance(spec, (list, tuple)) and len(spec) > 1:
                count = count or len(spec)
        if count > 1:
            return ['output_%d' % (i + 1) for i in range(count)]
        layers = [l for l in self._layers]
        return [layers[-1].name] if layers else ['output_1']

    def _weight_modes(self, mode, names, compiled_loss):
        modes = compile_utils._per_output(mode, names, 'sample_weight_mode')
        if isinstance(mode, dict) and any(
                names[i] not in mode for i in compiled_loss.active):
            raise ValueError('Output missing from sample_weight_modes '
                             'dictionary')
        for m in modes:
            if m not in (None, 'temporal'):
                raise ValueError('"sample_weight_mode should be None or '
                                 '"temporal". Found: ' + str(m))
        return modes

    @property
    def metrics_names(self):
        """['loss', per-output losses (multi-output), metric names]. A
        name appended to this list names the next tensor appended to
        `metrics_tensors`, as in Keras 2.2."""
        if common.is_tf_keras() and custom_steps.overrides(self, 'metrics'):
            # tf.keras names the objects of a subclass's `metrics` property
            # (a custom train_step's trackers), trained or not.
            return _MetricNames([m.name for m in self.metrics], [])
        tracker = self._metrics_tracker
        if common.is_tf_keras() and (tracker is None or not (
                tracker.loss_computed or
                self.__dict__.get('_compiled_by_loading'))):
            # tf.keras lists them once a batch was trained or evaluated,
            # or load_model compiled the model.
            return _MetricNames([], [])
        names = [] if tracker is None else tracker.names()
        names += [name for name, _, _ in self._graph_metrics
                  if name not in names]
        pending = self.__dict__.setdefault('_pending_metric_names', [])
        return _MetricNames(names + pending, pending)

    @property
    def metrics_tensors(self):
        """Keras 2.2's list of the symbolic tensors logged as metrics
        besides the compiled ones. Appending a tensor of the model graph
        logs it (its mean over the epoch's batches) under the name last
        appended to `metrics_names` (Mask R-CNN's loss monitors)."""
        return _MetricTensors(self, [tensor for _, tensor, metric in
                                     self._graph_metrics if metric is None])

    @property
    def metrics(self):
        """tf.keras 2.x's metric objects: the loss means, the compiled
        metrics and the added ones, once a batch has built them. Keras 2.3
        lists no loss means there: a Keras 2 program can recompile a model
        with `metrics=model.metrics`."""
        if self._compiled_metrics is None or \
                not self._compiled_metrics.built:
            return []
        tracker = self._metrics_tracker
        tf_keras_list = common.is_tf_keras() or \
            custom_steps.overrides(self, 'train_step') or \
            custom_steps.overrides(self, 'test_step')
        losses = tracker.loss_trackers if tracker.loss_computed and \
            tf_keras_list else None
        return list(losses or []) + \
            [m for _, _, m in self._compiled_metrics.objects] + \
            tracker.added_metrics()

    def reset_metrics(self):
        """Clears the accumulated loss and metric values (and those of the
        metrics a subclass lists in its own `metrics`)."""
        if self._metrics_tracker is not None:
            self._metrics_tracker.reset()
        if custom_steps.overrides(self, 'metrics'):
            for metric in self.metrics:
                metric.reset_states()

    @property
    def distribute_strategy(self):
        """tf.keras's `model.distribute_strategy`: the tf.distribute
        strategy whose scope the model was made in, else the current one."""
        from .. import tensorflow_distribute
        return self.__dict__.get('_distribution_strategy') or \
            tensorflow_distribute.get_strategy()

    # ------------------------------------ tf.keras 2.x's step functions
    @property
    def compiled_loss(self):
        """`compiled_loss(y, y_pred, sample_weight, regularization_losses)`
        inside a custom `train_step` (tf.keras 2.2+)."""
        return custom_steps.CompiledLoss(self)

    @property
    def compiled_metrics(self):
        """`compiled_metrics.update_state(y, y_pred, sample_weight)` inside
        a custom `train_step` (tf.keras 2.2+)."""
        return custom_steps.CompiledMetrics(self)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None):
        """The compiled loss plus the model's penalties (tf.keras 2.10+)."""
        return self.compiled_loss(y, y_pred, sample_weight,
                                  regularization_losses=self.losses)

    def compute_metrics(self, x, y, y_pred, sample_weight):
        """Updates the compiled metrics; their results by name (tf.keras
        2.10+)."""
        self.compiled_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self):
        """{name: result} of `self.metrics` (tf.keras 2.12+)."""
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, data):
        """One training step on `data` (tf.keras 2.2+): forward with
        `training=True`, `compute_loss`, one optimizer update,
        `compute_metrics`. fit calls a subclass's own `train_step` for
        each batch."""
        x, y, sample_weight = custom_steps.unpack_x_y_sample_weight(data)
        self._prepare_training()
        y_pred = self(x, training=True)
        loss = self.compute_loss(x, y, y_pred, sample_weight)
        training_step.minimize(self, loss)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data):
        """One evaluation step (tf.keras 2.2+): forward with
        `training=False`, `compute_loss`, `compute_metrics`."""
        x, y, sample_weight = custom_steps.unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        self.compute_loss(x, y, y_pred, sample_weight)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        """One prediction step (tf.keras 2.2+): the model on the inputs,
        `training=False`."""
        x, _, _ = custom_steps.unpack_x_y_sample_weight(data)
        return self(x, training=False)

    # ------------------------------------- Keras 2's symbolic loss graph
    @property
    def _feed_targets(self):
        """Keras 2.2's target placeholders of the compiled outputs."""
        return [t for t in self.targets if t is not None]

    @property
    def _feed_sample_weights(self):
        return [w for w, t in zip(self.sample_weights, self.targets)
                if t is not None]

    def _compiled_or_raise(self, what):
        if self._compiled_loss is None:
            raise AttributeError("'%s' object has no attribute '%s' before "
                                 "compile()." % (type(self).__name__, what))
        return self._compiled_loss

    def _fed_output_indices(self):
        """The outputs compile() made a target for: those with a loss."""
        return self._compiled_or_raise('_feed_output_names').active

    def _loss_functions(self):
        """Keras 2.3's `loss_functions`: one `Loss` per output (a loss
        function wrapped in `LossFunctionWrapper`), None for an output
        without a loss."""
        compiled = self._compiled_or_raise('loss_functions')
        cached = self.__dict__.get('_keras2_loss_functions')
        if cached is None or cached[0] is not compiled:
            cached = (compiled, [
                None if l is None else training_utils.get_loss_function(l.fn)
                for l in compiled.losses])
            self.__dict__['_keras2_loss_functions'] = cached
        return cached[1]

    def _sample_weight_modes_of_outputs(self):
        """Keras 2's `sample_weight_modes`: per output, None or
        'temporal' (None for an output without a loss)."""
        compiled = self._compiled_or_raise('sample_weight_modes')
        modes = self._sample_weight_modes or [None] * len(compiled.losses)
        return [None if l is None else mode
                for l, mode in zip(compiled.losses, modes)]

    def _fed(self, values):
        return [values[i] for i in self._fed_output_indices()
                if i < len(values)]

    def _stateful_metrics(self):
        """(name, metric) of the compiled metrics that are Keras 2.2
        stateful metrics (`stateful = True`, `reset_states()`): their
        value is the epoch's so far, not a batch's."""
        compiled = self._compiled_metrics
        if compiled is None:
            raise AttributeError("'%s' object has no attribute "
                                 "'stateful_metric_names' before compile()."
                                 % type(self).__name__)
        specs = [spec for _, _, spec in compiled._specs_in_order()]
        return [(name, spec) for name, spec in zip(compiled.spec_names(),
                                                   specs)
                if getattr(spec, 'stateful', False) and
                hasattr(spec, 'reset_states')]

    # Keras 2.1-2.3's records of compile() (Keras 2.3 names where they
    # differ); a program's own value assigned to one is read back.
    loss_functions = Keras2Alias(_loss_functions)
    sample_weight_modes = Keras2Alias(_sample_weight_modes_of_outputs)
    _feed_output_names = Keras2Alias(
        lambda self: self._fed(self._compiled_loss.output_names))
    _feed_outputs = Keras2Alias(
        lambda self: self._fed(list(getattr(self, 'outputs', None) or [])))
    _feed_output_shapes = Keras2Alias(
        lambda self: [tuple(x._keras_shape) for x in self._feed_outputs])
    _feed_loss_fns = Keras2Alias(lambda self: self._fed(self.loss_functions))
    _feed_sample_weight_modes = Keras2Alias(
        lambda self: self._fed(self.sample_weight_modes))
    stateful_metric_names = Keras2Alias(
        lambda self: [name for name, _ in self._stateful_metrics()])
    stateful_metric_functions = Keras2Alias(
        lambda self: [spec for _, spec in self._stateful_metrics()])

    @property
    def _collected_trainable_weights(self):
        """The weights that train, as compile collected them."""
        self._prepare_training()
        return self._optimizer_weights()

    @property
    def targets(self):
        """The target placeholders of the compiled outputs (None for an
        output without a loss), as Keras 2's compile created them: with
        `total_loss` they feed `K.function` / `K.gradients` recipes."""
        return self._loss_graph()[0]

    @property
    def sample_weights(self):
        """The sample-weight placeholders of the compiled outputs (one
        weight per sample; per timestep with sample_weight_mode=
        'temporal')."""
        return self._loss_graph()[1]

    @property
    def total_loss(self):
        """The compiled loss as a symbolic tensor of the model's inputs,
        `targets` and `sample_weights`: each output's loss weighted as in
        Keras 2 (mean over the sample weights, divided by the fraction of
        non-zero weights), times its loss weight, plus the penalties of
        `model.losses`."""
        return self._loss_graph()[2]

    def _loss_graph(self):
        compiled = self._compiled_loss
        cached = self.__dict__.get('_keras2_loss_graph')
        if cached is not None and cached[0] is compiled:
            return cached[1]
        if compiled is None:
            raise AttributeError(
                "'%s' object has no attribute 'total_loss' before "
                "compile()." % type(self).__name__)
        outputs = getattr(self, 'outputs', None)
        if not outputs:
            raise AttributeError(
                'total_loss needs the symbolic outputs of a model built on '
                'an input shape (input_shape= or a functional Model).')
        graph = compile_utils.keras2_loss_graph(
            compiled, list(outputs), self._sample_weight_modes, self)
        self.__dict__['_keras2_loss_graph'] = (compiled, graph)
        return graph

    def _by_output_name(self, value):
        """A dict keyed as the model's dict of outputs (tf.keras) keyed by
        output name instead; anything else as it is."""
        keys = self.__dict__.get('_output_keys')
        if keys is None or not isinstance(value, dict):
            return value
        names = dict(zip(keys, self.output_names))
        return {names.get(k, k): v for k, v in value.items()}

    def _require_compiled(self):
        if self.optimizer is None or self._compiled_loss is None:
            raise RuntimeError('You must compile %s model before '
                               'training/testing. Use `model.compile('
                               'optimizer, loss)`.'
                               % ('your' if common.is_tf_keras() else 'a'))

    # ------------------------------------------------- weights and options
    def _device(self):
        for p in self.parameters():
            return p.device
        for b in self.buffers():
            return b.device
        return K.get_device()

    def _prepare_training(self):
        """Hands the trainable weights to the optimizer and collects
        constraints; repeated cheaply when nothing changed.

        As in Keras 2, the weights that train are those that were
        trainable when the model was compiled: setting `trainable` later
        takes effect at the next compile() (a GAN's discriminator, frozen
        inside the combined model, still trains on its own)."""
        trainable, frozen, trainable_pairs, constraints = [], [], [], []
        layouts, names = {}, {}
        seen = set()
        collected = self._collected_trainable
        if collected is not None:
            collected = {id(p) for p in collected}
        current = 0
        for layer, record, is_trainable in _walk_weights(self):
            tensor = getattr(layer, record.attr)
            if id(tensor) in seen:
                continue
            seen.add(id(tensor))
            is_parameter = isinstance(tensor, torch.nn.Parameter)
            current += bool(is_trainable) and is_parameter
            if collected is not None:
                is_trainable = id(tensor) in collected
            if is_parameter:
                (trainable if is_trainable else frozen).append(tensor)
                layouts[id(tensor)] = (record.to_keras, record.from_keras)
                names[id(tensor)] = layer._weight_name(record)
                if is_trainable:
                    trainable_pairs.append((layer, record))
            if record.constraint is not None and is_trainable:
                constraints.append((layer, record))
        if collected is None and self.optimizer is not None:
            self._collected_trainable = list(trainable)
        self._current_trainable_count = current
        key = tuple(id(p) for p in trainable)
        if self._ddp[0] != key and distributed.is_active():
            self._ddp = (key, distributed.get_strategy().wrap(self, key))
        _set_requires_grad(frozen, False)
        _set_requires_grad(trainable, True)
        if self._attached_params != key:
            if isinstance(self.optimizer, optimizers.Optimizer):
                self.optimizer._attach(trainable, layouts, names)
            self._attached_params = key
            self._trainable_params = trainable
            self._trainable_pairs = trainable_pairs
            # Freezing changes the trainable weights, so this is the
            # moment to tell layers about frozen containers.
            _mark_frozen_containers(self)
        elif isinstance(self.optimizer, optimizers.Optimizer) and \
                self.optimizer._attached_elsewhere(key):
            # A model sharing this optimizer (a GAN's combined model and
            # its discriminator) attached its weights since: these train
            # in this model's steps.
            self.optimizer._attach(trainable, layouts, names)
        self._constraint_records = constraints

    def _enter_training_flags(self):
        """Sets the `trainable` flags a training step runs under; returns
        the flags to restore after it (`_leave_training_flags`), or None.

        tf.keras sets every layer's flag back to its value at compile()
        for the step (a GAN's discriminator, frozen after its compile(),
        trains on its own in training mode, and runs in inference mode
        inside the combined model). Keras 2 fixed the updates when it
        built its training function, at the first training call after
        compile(): a layer that was frozen then, or inside a frozen
        container, leaves its moving statistics alone in this model's
        steps."""
        restore = None
        if common.is_tf_keras() and \
                self.__dict__.get('_compiled_flag_sets') != \
                base_layer.TRAINABLE_SETS[0]:
            restore = _switch_flags(
                self.__dict__.get('_compiled_trainable_state'))
        marks = self.__dict__.get('_update_marks')
        if marks is None:
            marks = self.__dict__['_update_marks'] = _frozen_at_call(
                self, _frozen_marks(self))
            self.__dict__['_marks_generation'] = None
        if self.__dict__.get('_marks_generation') != _MARK_GENERATION[0]:
            self.__dict__['_marks_generation'] = _apply_marks(marks)
        return restore

    @staticmethod
    def _leave_training_flags(restore):
        _set_flags(restore)

    def _make_train_function(self):
        """Prepares the model for training (Keras 2 built its training
        function here); scripts call it before using a model from several
        threads."""
        self._require_compiled()
        self._check_trainable_weights_consistency()
        optimizer = self.optimizer
        if self.built and getattr(optimizer, '_custom_updates', False):
            # Keras 2 ran get_updates here: its variables exist from now
            # on (a loaded optimizer state is set into them).
            optimizer._build_replay_variables(self._optimizer_weights(),
                                              optimizer._replay_key)

    def _optimizer_weights(self):
        """The weights that train, as `get_updates(loss, params)` takes
        them: Keras-layout views, in the optimizer's order."""
        return [layer._weight_view(record)
                for layer, record in self._trainable_pairs]

    def _make_test_function(self):
        self._require_compiled()
        self._prepare_training()

    def _make_predict_function(self):
        """Keras 2 built its predict function here. The model is ready to
        predict once built; this checks that it is."""
        if not self.built:
            raise ValueError('This model has not yet been built: call it on '
                             'data (fit, predict) or give the first layer an '
                             'input shape.')

    def _check_trainable_weights_consistency(self):
        """Warns, as Keras 2 does, when `trainable` changed since compile()
        so that a different set of weights would train (tf.keras does not
        warn)."""
        if self.optimizer is None:
            return
        self._prepare_training()
        collected = self._collected_trainable
        if collected is not None and not common.is_tf_keras() and \
                self._current_trainable_count != len(collected):
            warnings.warn(UserWarning(
                'Discrepancy between trainable weights and collected '
                'trainable weights, did you set `model.trainable` without '
                'calling `model.compile` after ?'))

    def _set_mode(self, training):
        if self._mode != (training, _MODE_SWITCHES[0]):
            self.train(training)

    def train(self, mode=True):
        """torch's train/eval switch. The loops set the mode again only
        when this model's or any other model's switch was used since it
        was set here: a model shares layers with others (a GAN's generator
        trains inside the combined model, a callback predicts with a
        sub-model during fit)."""
        result = super(Model, self).train(mode)
        _MODE_SWITCHES[0] += 1
        self.__dict__['_mode'] = (mode, _MODE_SWITCHES[0])
        return result

    # ----------------------------------------------------------- data prep
    def _ensure_built(self, inputs):
        if self.built:
            return
        shapes = [(None,) + tuple(t.shape[1:]) for t in inputs]
        self._build_from_data(shapes, inputs)
        self._prepare_training()

    def _build_from_data(self, shapes, inputs):
        if self._is_graph_network:
            return
        sample = [data_adapter.first_row(t).to(self._device())
                  for t in inputs]
        self._built_input_shape = shapes if len(shapes) > 1 else shapes[0]
        # Built by its first call, on the data of fit/predict/evaluate.
        self.__dict__['_built_by_call'] = True
        # (Keras 2 builds a subclassed model from data by running its
        # `call` outside the model's name scope.)
        nests = self._scopes_sublayers() and common.is_tf_keras()
        built_before = [l for l in self._sublayers() if l.built] \
            if nests else ()
        self.built = True
        with torch.no_grad():
            self(standardization.call_inputs(self, sample))
        if nests:
            self._scope_sublayers(built_before)
        self._after_graph_change()

    def _recompile_for_outputs(self, outputs):
        """Keras resolves the losses and metrics of a subclassed model
        compiled before its first call once that call shows its outputs:
        a call returning a tuple of two gets a loss for each."""
        args = self.__dict__.pop('_deferred_compile', None)
        if args is None or not isinstance(outputs, (list, tuple)):
            return
        self.__dict__['_call_output_count'] = len(outputs)
        if len(self._compiled_loss.output_names) != len(outputs):
            Model.compile(self, **args)

    def _standardize_user_data(self, x, y=None, sample_weight=None,
                               class_weight=None, check_array_lengths=True,
                               batch_size=None):
        """Keras 2's standardisation of user data: lists of input, target
        and sample-weight tensors (see `standardization`); without `y`,
        the inputs and two empty lists, as Keras 2 returns them
        (activation inspectors feed them to K.function)."""
        if y is None:
            self._require_compiled()
            inputs = standardization.standardize_inputs(self, x)
            self._ensure_built(inputs)
            return inputs, [], []
        inputs, targets, weights = standardization.standardize_user_data(
            self, x, y, sample_weight, class_weight, batch_size,
            check_lengths_match=check_array_lengths)
        return inputs, targets, self._keras2_weights(targets, weights)

    def _keras2_weights(self, targets, weights):
        """Keras 2 gives an output fed no sample weights weights of ones:
        one per sample, or per timestep with sample_weight_mode=
        'temporal'."""
        modes = self._sample_weight_modes or [None] * len(targets)
        filled = []
        for target, weight, mode in zip(targets, weights, modes):
            if weight is None and target is not None:
                shape = tuple(target.shape[:2 if mode == 'temporal' else 1])
                weight = torch.ones(shape, dtype=torch.float32,
                                    device=target.device)
            filled.append(weight)
        return filled

    # ----------------------------------------------------------------- fit
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1,
            callbacks=None, validation_split=0., validation_data=None,
            shuffle=True, class_weight=None, sample_weight=None,
            initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_freq=1, max_queue_size=10, workers=1,
            use_multiprocessing=False, validation_batch_size=None,
            **kwargs):
        """Trains the model for `epochs` epochs; returns a `History`.
        `validation_batch_size` (tf.keras) is the batch size of array
        `validation_data` and of `validation_split` (default
        `batch_size`)."""
        if 'nb_epoch' in kwargs:
            warnings.warn('The `nb_epoch` argument in `fit` has been renamed '
                          '`epochs`.', stacklevel=2)
            epochs = kwargs.pop('nb_epoch')
        if kwargs:
            raise TypeError('Unrecognized keyword arguments: ' + str(kwargs))
        verbose = _verbosity(verbose, 1)
        self._require_compiled()
        training_utils.check_arguments(
            batch_size=batch_size, epochs=epochs, initial_epoch=initial_epoch,
            steps_per_epoch=steps_per_epoch,
            validation_steps=validation_steps,
            validation_split=validation_split,
            validation_freq=validation_freq, workers=workers)
        if validation_batch_size is not None:
            training_utils.check_arguments(batch_size=validation_batch_size)
        if custom_steps.overrides(self, 'train_step'):
            if validation_batch_size is not None:
                raise NotImplementedError(
                    '`validation_batch_size` with a custom train_step: '
                    'batch the validation data yourself (a Sequence or '
                    'dataset as `validation_data`).')
            return custom_steps.fit(
                self, x, y, batch_size, epochs, verbose, callbacks,
                validation_split, validation_data, shuffle, class_weight,
                sample_weight, initial_epoch, steps_per_epoch,
                validation_steps, validation_freq)
        class_weight = standardization.check_class_weight(self,
                                                          class_weight)
        if data_adapter.is_generator_like(x):
            loops.refuse_arrays_beside_generator(y, sample_weight,
                                                  validation_split)
            return self.fit_generator(
                x, steps_per_epoch=steps_per_epoch, epochs=epochs,
                verbose=verbose, callbacks=callbacks,
                validation_data=validation_data,
                validation_steps=validation_steps,
                validation_freq=validation_freq, class_weight=class_weight,
                max_queue_size=max_queue_size, workers=workers,
                use_multiprocessing=use_multiprocessing, shuffle=shuffle,
                initial_epoch=initial_epoch, batch_size=batch_size,
                validation_batch_size=validation_batch_size)
        tensor_batches = fed_tensors.data_batches(
            self, x, y, steps_per_epoch, 'fitting')
        if tensor_batches is not None:
            return self.fit_generator(
                tensor_batches, steps_per_epoch=steps_per_epoch,
                epochs=epochs, verbose=verbose, callbacks=callbacks,
                validation_data=validation_data,
                validation_steps=validation_steps,
                validation_freq=validation_freq, class_weight=class_weight,
                workers=0, initial_epoch=initial_epoch)
        if batch_size is None and steps_per_epoch is None:
            batch_size = 32
        if x is None:
            raise ValueError('fit() needs input data `x`.')
        train_batches, val_batches = loops.fit_array_batches(
            self, x, y, sample_weight, class_weight, batch_size, shuffle,
            steps_per_epoch, validation_split, validation_data,
            validation_steps, max_queue_size, workers, use_multiprocessing,
            validation_batch_size)
        with loops.closing(val_batches):
            return loops.fit_loop(self, train_batches, val_batches, epochs,
                                  verbose, callbacks, initial_epoch,
                                  validation_freq, batch_size)

    # ------------------------------------------------------------ evaluate
    def evaluate(self, x=None, y=None, batch_size=None, verbose=1,
                 sample_weight=None, steps=None, callbacks=None,
                 max_queue_size=10, workers=1, use_multiprocessing=False,
                 return_dict=False):
        """The loss (and metrics) on the given data: a scalar when only the
        loss is computed, else a list in `metrics_names` order (a dict by
        name with `return_dict=True`, as tf.keras 2.2+)."""
        verbose = _verbosity(verbose, 1)
        self._require_compiled()
        training_utils.check_arguments(batch_size=batch_size, steps=steps,
                                       workers=workers)
        if custom_steps.uses_custom_evaluation(self):
            return custom_steps.evaluate(self, x, y, batch_size, verbose,
                                         sample_weight, steps, callbacks,
                                         return_dict)
        results = self._evaluate(x, y, batch_size, verbose, sample_weight,
                                 steps, callbacks, max_queue_size, workers,
                                 use_multiprocessing)
        return self._as_dict(results) if return_dict else results

    def _evaluate(self, x, y, batch_size, verbose, sample_weight, steps,
                  callbacks, max_queue_size, workers, use_multiprocessing):
        if data_adapter.is_generator_like(x):
            return self.evaluate_generator(
                x, steps=steps, callbacks=callbacks,
                max_queue_size=max_queue_size, workers=workers,
                use_multiprocessing=use_multiprocessing, verbose=verbose)
        tensor_batches = fed_tensors.data_batches(self, x, y, steps,
                                                  'evaluating')
        if tensor_batches is not None:
            return self.evaluate_generator(
                tensor_batches, steps=steps, callbacks=callbacks, workers=0,
                verbose=verbose)
        if batch_size is None and steps is None:
            batch_size = 32
        inputs, targets, weights = standardization.standardize_user_data(
            self, x, y, sample_weight, batch_size=batch_size, lazy=True)
        batches = loops.array_batches(self, inputs, targets, weights,
                                      batch_size, steps=steps)
        return loops.run_evaluation(self, batches, verbose, callbacks)

    # ------------------------------------------------------------- predict
    def predict(self, x, batch_size=None, verbose='auto', steps=None,
                callbacks=None, max_queue_size=10, workers=1,
                use_multiprocessing=False):
        """Model outputs for the inputs, as Numpy arrays. `verbose='auto'`
        shows no progress bar in a Keras 2 program (Keras 2's default 0)
        and one in a tf.keras program, as tf.keras does."""
        verbose = _verbosity(verbose, 1 if common.is_tf_keras() else 0)
        training_utils.check_arguments(batch_size=batch_size, steps=steps,
                                       workers=workers)
        if custom_steps.overrides(self, 'predict_step'):
            return custom_steps.predict(self, x, batch_size, steps, callbacks)
        if data_adapter.is_generator_like(x):
            return self.predict_generator(
                x, steps=steps, callbacks=callbacks,
                max_queue_size=max_queue_size, workers=workers,
                use_multiprocessing=use_multiprocessing, verbose=verbose)
        tensor_batches = fed_tensors.data_batches(
            self, x, None, steps, 'predicting', with_targets=False)
        if tensor_batches is not None:
            return self.predict_generator(
                tensor_batches, steps=steps, callbacks=callbacks, workers=0,
                verbose=verbose)
        if batch_size is None and steps is None:
            batch_size = 32
        inputs = standardization.standardize_inputs(self, x, lazy=True)
        self._ensure_built(inputs)
        if inputs and int(inputs[0].shape[0]) == 0:
            return loops.empty_predictions(self, inputs)
        if self.stateful and batch_size and inputs[0].shape[0] > \
                batch_size and inputs[0].shape[0] % batch_size != 0:
            raise ValueError('In a stateful network, you should only pass '
                             'inputs with a number of samples that can be '
                             'divided by the batch size. Found: ' +
                             str(inputs[0].shape[0]) + ' samples. Batch '
                             'size: ' + str(batch_size) + '.')
        batches = loops.array_batches(self, inputs, [], [], batch_size,
                                      steps=steps)
        return self._keyed_outputs(
            loops.predict_loop(self, batches, verbose, callbacks))

    # ---------------------------------------------------------- on batch
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       reset_metrics=True, return_dict=False):
        """One gradient update on one batch; returns the loss (and metric
        values) for it."""
        self._require_compiled()
        if custom_steps.overrides(self, 'train_step'):
            return custom_steps.on_batch(
                self, 'train_step',
                custom_steps.single_batch(self, x, y, sample_weight),
                reset_metrics, return_dict)
        results = self._train_on_batch(x, y, sample_weight, class_weight,
                                       reset_metrics)
        return self._as_dict(results) if return_dict else results

    def _as_dict(self, results):
        values = results if isinstance(results, list) else [results]
        return dict(zip(self.metrics_names, values))

    def _train_on_batch(self, x, y, sample_weight, class_weight,
                        reset_metrics):
        class_weight = standardization.check_class_weight(self,
                                                          class_weight)
        data = standardization.standardize_user_data(
            self, x, y, sample_weight, class_weight)
        self._check_trainable_weights_consistency()
        return loops.run_on_batch(self, loops.single_batch(self, *data),
                                  True, reset_metrics)

    def test_on_batch(self, x, y=None, sample_weight=None, reset_metrics=True,
                      return_dict=False):
        """The loss (and metric values) on one batch, without updating."""
        if custom_steps.uses_custom_evaluation(self):
            return custom_steps.on_batch(
                self, 'test_step',
                custom_steps.single_batch(self, x, y, sample_weight),
                reset_metrics, return_dict)
        results = self._test_on_batch(x, y, sample_weight, reset_metrics)
        return self._as_dict(results) if return_dict else results

    def _test_on_batch(self, x, y, sample_weight, reset_metrics):
        data = standardization.standardize_user_data(self, x, y,
                                                     sample_weight)
        return loops.run_on_batch(self, loops.single_batch(self, *data),
                                  False, reset_metrics)

    def predict_on_batch(self, x):
        """Model outputs for one batch, as Numpy arrays."""
        if custom_steps.overrides(self, 'predict_step'):
            with torch.no_grad():
                return custom_steps.joined_outputs([self.predict_step(
                    custom_steps.single_batch(self, x))])
        inputs = standardization.standardize_inputs(self, x)
        self._ensure_built(inputs)
        if inputs and int(inputs[0].shape[0]) == 0:
            return loops.empty_predictions(self, inputs)
        batch = loops.single_batch(self, inputs)
        self._set_mode(loops.inference_phase())
        with torch.no_grad(), common.loop_phase(0):
            outputs = loops.joined_parts(loops.predicted_parts(
                self, batch.inputs, loops.LazyRows(self)))
        arrays = [o.cpu().numpy() for o in outputs]
        return self._keyed_outputs(arrays[0] if len(arrays) == 1
                                   else arrays)

    # ---------------------------------------------------------- generators
    @interfaces.legacy_generator_methods_support
    def fit_generator(self, generator, steps_per_epoch=None, epochs=1,
                      verbose=1, callbacks=None, validation_data=None,
                      validation_steps=None, validation_freq=1,
                      class_weight=None, max_queue_size=10, workers=1,
                      use_multiprocessing=False, shuffle=True,
                      initial_epoch=0, batch_size=None,
                      validation_batch_size=None, **kwargs):
        """Trains on batches from a generator, a `keras.utils.Sequence` or
        a torch DataLoader/Dataset."""
        epochs, steps_per_epoch, validation_steps, workers, \
            use_multiprocessing, max_queue_size = loops.legacy_generator_args(
                kwargs, generator, epochs, steps_per_epoch,
                validation_steps, workers, use_multiprocessing,
                max_queue_size)
        self._require_compiled()
        training_utils.check_arguments(
            batch_size=batch_size, epochs=epochs, initial_epoch=initial_epoch,
            steps_per_epoch=steps_per_epoch,
            validation_steps=validation_steps,
            validation_freq=validation_freq, workers=workers)
        class_weight = standardization.check_class_weight(self,
                                                          class_weight)
        batches = loops.generator_batches(
            self, generator, steps_per_epoch, workers, use_multiprocessing,
            max_queue_size, 'train', class_weight, shuffle, batch_size)
        val_batches = None
        if validation_data is not None:
            val_batches = loops.validation_batches(
                self, validation_data,
                validation_batch_size or batch_size or 32, validation_steps,
                max_queue_size, workers, use_multiprocessing)
        with loops.closing(batches, val_batches):
            batches.prime()
            return loops.fit_loop(self, batches, val_batches, epochs,
                                  verbose, callbacks, initial_epoch,
                                  validation_freq, batch_size)

    @interfaces.legacy_generator_methods_support
    def evaluate_generator(self, generator, steps=None, callbacks=None,
                           max_queue_size=10, workers=1,
                           use_multiprocessing=False, verbose=0, **kwargs):
        """Evaluates on batches from a generator or Sequence."""
        _, steps, _, workers, use_multiprocessing, max_queue_size = \
            loops.legacy_generator_args(kwargs, generator, 1, steps, None,
                                        workers, use_multiprocessing,
                                        max_queue_size)
        self._require_compiled()
        training_utils.check_arguments(steps=steps, workers=workers)
        batches = loops.generator_batches(
            self, generator, steps, workers, use_multiprocessing,
            max_queue_size, 'test')
        with loops.closing(batches):
            batches.prime()
            return loops.run_evaluation(self, batches, verbose, callbacks)

    @interfaces.legacy_generator_methods_support
    def predict_generator(self, generator, steps=None, callbacks=None,
                          max_queue_size=10, workers=1,
                          use_multiprocessing=False, verbose=0, **kwargs):
        """Predictions for the inputs a generator or Sequence yields."""
        _, steps, _, workers, use_multiprocessing, max_queue_size = \
            loops.legacy_generator_args(kwargs, generator, 1, steps, None,
                                        workers, use_multiprocessing,
                                        max_queue_size)
        training_utils.check_arguments(steps=steps, workers=workers)
        batches = loops.generator_batches(
            self, generator, steps, workers, use_multiprocessing,
            max_queue_size, 'predict')
        with loops.closing(batches):
            batches.prime()
            return loops.predict_loop(self, batches, verbose, callbacks)


# Keras 2.0-2.1's private helpers of this module, which scripts import.
from .training_utils import make_batches as _make_batches  # noqa: E402,F401
from ..utils.generic_utils import (  # noqa: E402,F401
    slice_arrays as _slice_arrays)
