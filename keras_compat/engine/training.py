"""`Model`: compile, fit, evaluate, predict and the batch-level methods.

This module is the one training loop of the package. Per step it slices a
batch from tensors already on the device, runs the model, computes the
compiled loss (plus regularization penalties) in one autograd graph, steps
the optimizer and accumulates metrics in device tensors. Nothing reads a
value back from the device per step unless a callback asks for it (the
progress bar reads at most ten times a second)."""
import contextlib
import functools
import math
import warnings

import numpy as np
import torch

from .. import backend as K
from .. import distributed
from .. import optimizers
from .. import callbacks as cbks
from ..backend import common
from ..utils.generic_utils import to_list, unpack_singleton
from . import compile_utils, data_adapter, training_utils
from .base_layer import Layer, _CALLS, _unique_layers
from .network import Network

# torch.compile tracing touches torch's own deprecated TorchScript helpers;
# the warning concerns torch internals, not the user's model.
warnings.filterwarnings('ignore', message='`torch.jit.script_method` is '
                                          'deprecated')

_ALLOWED_COMPILE_KWARGS = {'jit_compile', 'run_eagerly', 'steps_per_execution'}

# (model id, trainable parameter ids) of the last model that set the
# requires_grad flags of the parameters.
_GRAD_FLAGS_OWNER = [None]


def _walk_weights(layer, trainable=True, seen=None):
    """(layer, record, effectively_trainable) for every weight, honouring
    frozen parents."""
    if seen is None:
        seen = set()
    if id(layer) in seen:
        return
    seen.add(id(layer))
    trainable = trainable and layer.trainable
    for record in layer._keras_weights:
        yield layer, record, trainable and record.trainable
    for sub in layer._sublayers():
        yield from _walk_weights(sub, trainable, seen)


def _mark_frozen_containers(layer, trainable=True, seen=None):
    """Tells each layer whether a container above it is frozen: a
    BatchNormalization inside a frozen model still normalises with batch
    statistics in training but leaves its moving statistics alone, as
    Keras 2 drops the updates of a non-trainable model."""
    if seen is None:
        seen = set()
    if id(layer) in seen:
        return
    seen.add(id(layer))
    layer.__dict__['_frozen_container'] = not trainable
    trainable = trainable and layer.trainable
    for sub in layer._sublayers():
        _mark_frozen_containers(sub, trainable, seen)


def _to_numpy_list(given, tensors):
    """The user's arrays when they are numpy arrays (the same objects,
    as Keras 2 passes them on), else numpy copies of the tensors."""
    given = given if isinstance(given, (list, tuple)) else [given]
    if len(given) == len(tensors) and all(isinstance(a, np.ndarray)
                                          for a in given):
        return list(given)
    # Data read batch by batch stays so (np.asarray reads it whole).
    return [None if t is None else t if isinstance(
        t, data_adapter.LazyRows) else t.detach().cpu().numpy()
        for t in tensors]


def _callback_validation_data(val_x, val_y, val_sw, inputs, targets,
                              weights):
    """Keras 2's `callback.validation_data`: [x..., y..., sample
    weights...], each sample weight defaulting to ones."""
    xs = _to_numpy_list(val_x, inputs)
    ys = _to_numpy_list(val_y, targets)
    sws = []
    for w, y in zip(weights, targets):
        n = int(y.shape[0]) if y is not None else int(inputs[0].shape[0])
        sws.append(np.ones((n,), dtype=K.floatx()) if w is None
                   else w.detach().cpu().numpy())
    return xs + ys + sws



class Model(Network):
    """A Keras model: a `Network` that can be compiled and trained.

    `Model(inputs, outputs)` builds a functional model; subclass it and
    write `call` for a subclassed one. `compile`, `fit`, `evaluate`,
    `predict`, `train_on_batch`, `test_on_batch`, `predict_on_batch` and the
    generator variants follow Keras 2 semantics."""

    def __init__(self, *args, **kwargs):
        Network.__init__(self, *args, **kwargs)
        self._init_training_state()

    def _init_training_state(self):
        if '_compiled_loss' in self.__dict__:
            return
        self.optimizer = None
        self.loss = None
        self.loss_weights = None
        self.sample_weight_mode = None
        self.stop_training = False
        self.history = None
        self._compiled_loss = None
        self._compiled_metrics = None
        self._loss_trackers = None
        self._attached_params = None
        self._constraint_records = []
        self._loss_layer_cache = (None, [])
        self._mode = None
        self._jit = False
        self._compiled_step = None
        self._history_aliases = {}

    # -------------------------------------------------------------- compile
    def compile(self, optimizer, loss=None, metrics=None, loss_weights=None,
                sample_weight_mode=None, weighted_metrics=None,
                target_tensors=None, **kwargs):
        """Configures the model for training (see Keras 2's
        `Model.compile`)."""
        self._init_training_state()
        unknown = set(kwargs) - _ALLOWED_COMPILE_KWARGS
        if unknown:
            raise TypeError('Invalid keyword argument(s) in `compile`: %s'
                            % sorted(unknown))
        if target_tensors is not None:
            raise NotImplementedError(
                'compile(target_tensors=...) is not supported: targets are '
                'passed to fit() as arrays or tensors.')
        if kwargs.get('steps_per_execution', 1) not in (None, 1):
            raise NotImplementedError('compile(steps_per_execution=...) is '
                                      'not supported.')
        if kwargs.get('run_eagerly') and kwargs.get('jit_compile'):
            raise ValueError('You cannot enable `run_eagerly` and '
                             '`jit_compile` at the same time.')
        # Everything is resolved (and a bad name refused) before the
        # model changes: a failing compile leaves it as it was.
        optimizer = optimizers.get(optimizer)
        output_names = self._output_names_for_compile()
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
        self._jit = bool(kwargs.get('jit_compile'))
        self._compiled_step = None
        from .. import mixed_precision
        self._policy = mixed_precision.global_policy()
        self._scaler = None
        self._compiled_loss = compiled_loss
        self._sample_weight_modes = weight_modes
        self._compiled_metrics = compiled_metrics
        self._note_graph_reads(loss)
        self._loss_trackers = None
        self._attached_params = None
        self._collected_trainable = None
        self._is_compiled = True
        self.stop_training = False
        if self.built:
            self._prepare_training()

    def _note_graph_reads(self, *specs):
        """Loss functions that read tensors of the model's
        graph (a VAE loss reading `z_mean`, a gradient penalty given the
        interpolated samples): each training and test step then computes
        them with those tensors' values of the step, and they can be
        differentiated with respect to."""
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
        self._graph_reads = bool(read) and \
            bool(self.__dict__.get('_is_graph_network'))
        if self._graph_reads:
            computed = {id(x) for node in self._plan
                        for x in node.output_tensors}
            for tensor in read:
                tensor._gradient_requested = True
                if id(tensor) not in computed and \
                        self._computes(tensor):
                    self._add_extra_output(tensor)
            self._keep_map = True
            self._set_gradient_plan()

    def _computes(self, tensor):
        from .network import _map_graph_network
        try:
            _map_graph_network(self.inputs, [tensor])
        except ValueError:
            return False
        return True

    def _output_names_for_compile(self):
        if getattr(self, 'output_names', None):
            return list(self.output_names)
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
        """['loss', per-output losses (multi-output), metric names]."""
        if self._compiled_loss is None:
            return []
        names = ['loss']
        if len(self._compiled_loss.output_names) > 1:
            names += [self._compiled_loss.output_names[i] + '_loss'
                      for i in self._compiled_loss.active]
        if self._compiled_metrics.built:
            names += self._compiled_metrics.names
        else:
            names += self._compiled_metrics.spec_names()
        names += list(self.__dict__.get('_added_metric_trackers', {}))
        return names

    @property
    def metrics(self):
        if self._compiled_metrics is None or \
                not self._compiled_metrics.built:
            return []
        return [m for _, _, m in self._compiled_metrics.objects] + list(
            self.__dict__.get('_added_metric_trackers', {}).values())

    def _require_compiled(self):
        if self.optimizer is None or self._compiled_loss is None:
            raise RuntimeError('You must compile a model before '
                               'training/testing. Use `model.compile('
                               'optimizer, loss)`.')

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
        trainable, frozen = [], []
        trainable_pairs = []
        constraints = []
        layouts = {}
        seen = set()
        collected = self.__dict__.get('_collected_trainable')
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
                if is_trainable:
                    trainable_pairs.append((layer, record))
            if record.constraint is not None and is_trainable:
                constraints.append((layer, record))
        if collected is None and self.optimizer is not None:
            self._collected_trainable = list(trainable)
        self._current_trainable_count = current
        key = tuple(id(p) for p in trainable)
        if distributed.is_active():
            self._prepare_distributed(key)
        if _GRAD_FLAGS_OWNER[0] != (id(self), key):
            # Models sharing layers (a GAN) each set the flags they train
            # with.
            for p in frozen:
                p.requires_grad_(False)
            for p in trainable:
                p.requires_grad_(True)
            _GRAD_FLAGS_OWNER[0] = (id(self), key)
        if self._attached_params != key:
            if isinstance(self.optimizer, optimizers.Optimizer):
                self.optimizer._attach(trainable, layouts)
            self._attached_params = key
            self._trainable_params = trainable
            self._trainable_pairs = trainable_pairs
            # Freezing changes the trainable weights, so this is the
            # moment to tell layers about frozen containers.
            _mark_frozen_containers(self)
        self._constraint_records = constraints

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
        so that a different set of weights would train."""
        if self.optimizer is None:
            return
        self._prepare_training()
        collected = self.__dict__.get('_collected_trainable')
        if collected is not None and \
                self._current_trainable_count != len(collected):
            warnings.warn(UserWarning(
                'Discrepancy between trainable weights and collected '
                'trainable weights, did you set `model.trainable` without '
                'calling `model.compile` after ?'))

    def _prepare_distributed(self, key):
        """Wraps the model in DistributedDataParallel (again when the
        trainable weights change)."""
        if self.stateful:
            raise ValueError(
                'Stateful recurrent layers cannot train under torchrun: '
                'their states carry from one batch to the next, and each '
                'process sees different samples. Run this model in a '
                'single process.')
        if self.__dict__.get('_ddp_key') != key:
            distributed.initialize()
            self.__dict__['_ddp_module'] = distributed.wrap(self) \
                if key else None
            self.__dict__['_ddp_key'] = key

    def _loss_layers(self):
        version, layers = self._loss_layer_cache
        current = (_CALLS.loss_layers_version, len(self._layers))
        if version != current:
            everything = list(_unique_layers(self))
            layers = [l for l in everything if l._has_own_losses()]
            self._metric_layers = [l for l in everything if
                                   l.__dict__.get('_has_call_metrics')]
            self._loss_layer_cache = (current, layers)
        return layers

    def _extra_metric_values(self):
        """(name, tensor) of add_metric values of the last forward pass."""
        values = []
        tensor_map = self._last_tensor_map or {}
        for name, symbolic, metric_obj in getattr(self, '_graph_metrics',
                                                  []):
            if id(symbolic) in tensor_map:
                values.append((name, tensor_map[id(symbolic)], metric_obj))
        self._loss_layers()
        generation = _CALLS.generation
        for layer in getattr(self, '_metric_layers', []):
            if layer.__dict__.get('_metric_generation') == generation:
                values += layer._metrics
        return values

    def _regularization_loss(self):
        layers = self._loss_layers()
        if not layers:
            return None
        penalties = []
        generation = _CALLS.generation
        for layer in layers:
            penalties += layer._weight_penalties()
            if layer._call_losses and layer._loss_generation == generation:
                penalties += layer._call_losses
            penalties += [fn() for fn in layer._loss_fns]
        if not penalties:
            return None
        return functools.reduce(lambda a, b: a + b, penalties)

    def _apply_constraints(self):
        with torch.no_grad():
            for layer, record in self._constraint_records:
                value = record.constraint(record.keras_tensor(layer))
                record.assign(layer, value)

    def _set_mode(self, training):
        if self._mode is not training:
            self.train(training)
            self._mode = training

    def _training_phase(self):
        forced = common.forced_learning_phase()
        return True if forced is None else bool(forced)

    def _inference_phase(self):
        """evaluate/predict run in inference mode unless the learning phase
        was set to 1 (`K.set_learning_phase(1)`: dropout stays on and
        BatchNormalization uses batch statistics, as in Keras 2)."""
        return common.forced_learning_phase() == 1

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
        self.built = True
        with torch.no_grad():
            self(sample if len(sample) > 1 else sample[0])
        self._after_graph_change()

    def _output_names(self):
        return self._compiled_loss.output_names

    def _input_names(self):
        return list(getattr(self, 'input_names', None) or
                    ['input_%d' % (i + 1) for i in range(1)])

    def _standardize_inputs(self, x, lazy=False):
        """x as a list of tensors in model input order, checked against the
        model's input shapes."""
        names = self._input_names() if self._is_graph_network else None
        if isinstance(x, dict):
            if names is None:
                raise ValueError('Dict inputs need a functional model.')
            missing = [n for n in names if n not in x]
            if missing:
                raise ValueError('No data provided for "' + missing[0] +
                                 '". Need data for each key in: ' +
                                 str(names))
            x = [x[n] for n in names]
        elif isinstance(x, (list, tuple)) and x and not isinstance(
                x[0], (int, float, np.number)) and (
                len(x) > 1 or names is None or len(names) != 1 or
                hasattr(x[0], 'shape')):
            x = list(x)
        else:
            x = [x]
        if names is not None and len(x) != len(names):
            if len(names) == 1 and all(isinstance(v, (int, float))
                                       for v in x):
                x = [np.asarray(x)]
            else:
                raise ValueError(
                    'Error when checking model input: the list of Numpy '
                    'arrays that you are passing to your model is not the '
                    'size the model expected. Expected to see ' +
                    str(len(names)) + ' array(s), but instead got the '
                    'following list of ' + str(len(x)) + ' arrays: ' +
                    str(x)[:200] + '...')
        tensors = []
        for value in x:
            if lazy and data_adapter.is_out_of_memory(value):
                tensors.append(data_adapter.expand_1d(
                    data_adapter.LazyRows(value)))
                continue
            value = data_adapter.to_array_like(value)
            if value is None:
                raise ValueError('Error when checking model input: got None '
                                 'instead of an array.')
            tensors.append(data_adapter.expand_1d(
                data_adapter.to_tensor(value)))
        if self._is_graph_network:
            self._check_input_shapes(tensors)
        return self._cast_to_input_dtypes(tensors)

    def _cast_to_input_dtypes(self, tensors):
        """Integer arrays fed to a floating-point Input become that float
        type, as Keras 2 feeds them to its float placeholders (floatx for
        a model without Input tensors)."""
        symbolic = self.inputs if self._is_graph_network else []
        cast = []
        for i, tensor in enumerate(tensors):
            declared = symbolic[i].dtype if i < len(symbolic) else None
            dtype = K.torch_dtype(declared or K.floatx())
            if dtype.is_floating_point and not tensor.is_floating_point():
                tensor = tensor.to(dtype)
            cast.append(tensor)
        return cast

    def _check_input_shapes(self, tensors):
        for name, tensor, symbolic in zip(self.input_names, tensors,
                                          self.inputs):
            expected = symbolic._keras_shape
            shape = tuple(tensor.shape)
            if len(shape) != len(expected):
                raise ValueError('Error when checking input: expected ' +
                                 name + ' to have ' + str(len(expected)) +
                                 ' dimensions, but got array with shape ' +
                                 str(shape))
            for dim, ref in zip(shape[1:], expected[1:]):
                if ref is not None and dim != ref:
                    raise ValueError(
                        'Error when checking input: expected ' + name +
                        ' to have shape ' + str(tuple(expected[1:])) +
                        ' but got array with shape ' + str(shape[1:]))

    def _standardize_targets(self, y, lazy=False):
        names = self._output_names()
        active = self._compiled_loss.active
        if y is None:
            return [None] * len(names)
        if isinstance(y, dict):
            for key in y:
                if key not in names:
                    raise ValueError('Unknown entry in target dictionary: '
                                     '"%s". Expected keys: %s' % (key,
                                                                  names))
            values = [y.get(n) for n in names]
        elif isinstance(y, (list, tuple)) and len(names) > 1:
            if len(y) == len(active) and len(active) < len(names):
                values = [None] * len(names)
                for i, v in zip(active, y):
                    values[i] = v
            elif len(y) != len(names):
                raise ValueError(
                    'Error when checking model target: the list of Numpy '
                    'arrays that you are passing to your model is not the '
                    'size the model expected. Expected to see ' +
                    str(len(names)) + ' array(s), but instead got the '
                    'following list of ' + str(len(y)) + ' arrays.')
            else:
                values = list(y)
        elif isinstance(y, (list, tuple)) and len(y) == 1 and \
                hasattr(y[0], 'shape'):
            values = [y[0]]
        else:
            values = [y]
        if len(values) == 1 and len(names) > 1 and len(active) == 1:
            # One target for the one output that has a loss.
            values = [values[0] if i in active else None
                      for i in range(len(names))]
        tensors = []
        for i, value in enumerate(values):
            if value is None or i not in active:
                tensors.append(None)
                continue
            if lazy and data_adapter.is_out_of_memory(value):
                tensors.append(self._target_dtype(i, data_adapter.expand_1d(
                    data_adapter.LazyRows(value))))
                continue
            value = data_adapter.to_array_like(value)
            tensor = data_adapter.expand_1d(data_adapter.to_tensor(
                np.asarray(value) if not isinstance(value, torch.Tensor)
                else value))
            tensors.append(self._target_dtype(i, tensor))
        return tensors

    def _target_dtype(self, index, tensor):
        loss = self._compiled_loss.losses[index]
        if loss is not None and loss.is_sparse:
            if tensor.is_floating_point():
                return tensor.long()
            return tensor
        if not tensor.is_floating_point():
            return tensor.to(K.torch_dtype(K.floatx()))
        return tensor

    def _check_targets(self, targets):
        if not self._is_graph_network:
            return
        from .. import losses as losses_module
        for i, (target, symbolic) in enumerate(zip(targets, self.outputs)):
            if target is None:
                continue
            loss = self._compiled_loss.losses[i]
            name = self._output_names()[i]
            shape = tuple(target.shape)
            expected = symbolic._keras_shape
            fn = losses_module._underlying(loss.fn)
            if losses_module.is_categorical_crossentropy(loss.fn) and \
                    shape[-1] == 1 and (expected[-1] or 0) > 1:
                raise training_utils.integer_targets_for_categorical_error(
                    shape)
            if loss.is_sparse:
                continue
            if fn not in (losses_module.mean_squared_error,
                          losses_module.binary_crossentropy,
                          losses_module.categorical_crossentropy) and \
                    getattr(losses_module, getattr(fn, '__name__', ''),
                            None) is None:
                continue
            if len(shape) != len(expected):
                raise ValueError('Error when checking target: expected ' +
                                 name + ' to have ' + str(len(expected)) +
                                 ' dimensions, but got array with shape ' +
                                 str(shape))
            for dim, ref in zip(shape[1:], expected[1:]):
                if ref is not None and dim != ref:
                    raise ValueError(
                        'Error when checking target: expected ' + name +
                        ' to have shape ' + str(tuple(expected[1:])) +
                        ' but got array with shape ' + str(shape[1:]))

    def _standardize_weights(self, targets, sample_weight, class_weight):
        names = self._output_names()
        sws = _spread_weights(sample_weight, names, 'sample_weight')
        cws = _spread_weights(class_weight, names, 'class_weight')
        result = []
        for i, target in enumerate(targets):
            if target is None:
                result.append(None)
                continue
            result.append(_standardize_weight(
                target, sws[i], cws[i], self._sample_weight_modes[i]))
        return result

    def _standardize_user_data(self, x, y=None, sample_weight=None,
                               class_weight=None, batch_size=None,
                               check_lengths=True, lazy=False,
                               data_name='x'):
        """Input, target and weight tensors; with `lazy`, data that is not
        in memory (HDF5Matrix, h5py datasets, numpy.memmap) stays where it
        is and is read batch by batch. Empty data is refused, naming
        `data_name` (None: a generator's batch, not checked)."""
        self._require_compiled()
        inputs = self._standardize_inputs(x, lazy=lazy)
        if data_name is not None:
            _check_non_empty(inputs, data_name)
        self._ensure_built(inputs)
        targets = self._standardize_targets(y, lazy=lazy and
                                            not class_weight)
        if y is not None or self._compiled_loss.active:
            if y is None and self._compiled_loss.active:
                raise ValueError('You passed no target data (`y`) but the '
                                 'model has a loss to compute: pass `y` '
                                 'to fit/evaluate.')
            self._check_targets(targets)
        weights = self._standardize_weights(targets, sample_weight,
                                            class_weight)
        if check_lengths:
            _check_lengths(inputs, targets, weights)
        if self.stateful and batch_size and inputs and \
                inputs[0].shape[0] % batch_size != 0:
            raise ValueError('In a stateful network, you should only pass '
                             'inputs with a number of samples that can be '
                             'divided by the batch size. Found: ' +
                             str(inputs[0].shape[0]) + ' samples')
        return inputs, targets, weights

    # ------------------------------------------------------------ one step
    def _forward(self, inputs, train=False):
        x = inputs[0] if len(inputs) == 1 else inputs
        ddp = self.__dict__.get('_ddp_module') if train else None
        if ddp is None and self.__dict__.get('_jit'):
            outputs = self._jit_forward(x)
        else:
            outputs = self._autocast_call(ddp or self, x)
        if not isinstance(outputs, (list, tuple)):
            outputs = [outputs]
        if self.__dict__.get('_policy') is not None and \
                self._policy.mixed:
            outputs = [o.float() if o.is_floating_point() else o
                       for o in outputs]
        return list(outputs)

    def _autocast_call(self, module, x):
        """module(x), under torch.autocast when the policy is mixed."""
        amp = self._autocast_dtype()
        if amp is None:
            return module(x)
        with torch.autocast(self._device().type, dtype=amp):
            return module(x)

    def _autocast_dtype(self):
        policy = self.__dict__.get('_policy')
        return None if policy is None else policy.autocast_dtype()

    def _jit_forward(self, x):
        """The forward pass through torch.compile; falls back to eager
        (with a warning) when the model cannot be compiled."""
        compiled = self.__dict__.get('_compiled_step')
        if compiled is None:
            compile_fn = getattr(torch, 'compile', None)
            if compile_fn is None:
                warnings.warn('jit_compile=True needs torch.compile (torch '
                              '>= 2.0); training eagerly.')
                self._jit = False
                return self(x)
            def step(value):
                return self._autocast_call(self, value)
            compiled = self._compiled_step = compile_fn(step)
        self._start_compiled_call()
        _CALLS.depth += 1
        _CALLS.compiled = True
        try:
            return compiled(x)
        except Exception as error:
            failure = error
        finally:
            _CALLS.depth -= 1
            _CALLS.compiled = False
        warnings.warn('jit_compile=True: torch.compile could not compile '
                      'this model (%s: %s); training eagerly instead.'
                      % (type(failure).__name__, str(failure)[:300]))
        self._jit = False
        self._compiled_step = None
        return self(x)

    def _start_compiled_call(self):
        """Does outside the compiled graph what a top-level call does
        inside an eager one: starts a new call generation and empties the
        per-call losses and metrics. The graph then sees a constant
        generation and is not recompiled at every step."""
        _CALLS.generation += 1
        generation = _CALLS.generation
        self._loss_layers()
        for layer in self._loss_layer_cache[1]:
            layer._call_losses = []
            layer._loss_generation = generation
        for layer in getattr(self, '_metric_layers', []):
            layer._metrics = []
            layer._metric_generation = generation

    def _grad_scaler(self):
        if self._scaler is None and self._policy.compute_dtype == \
                'float16' and self._policy.mixed:
            device_type = self._device().type
            # tf.keras's dynamic loss scale: start at 2**15, halve and skip
            # the step on overflow, double after 2000 clean steps.
            self._scaler = torch.amp.GradScaler(
                device_type, init_scale=2. ** 15, growth_factor=2.,
                backoff_factor=0.5, growth_interval=2000)
        return self._scaler

    def _total_loss(self, targets, outputs, weights):
        if self.__dict__.get('_graph_reads'):
            from . import symbolic
            with symbolic.running(symbolic.RunValues(
                    self._last_tensor_map or {})):
                total, per_output = self._compiled_loss(targets, outputs,
                                                        weights)
        else:
            total, per_output = self._compiled_loss(targets, outputs,
                                                    weights)
        penalty = self._regularization_loss()
        if penalty is not None:
            total = total + penalty
        return total, per_output

    def _train_step(self, inputs, targets, weights, share=None):
        outputs = self._forward(inputs, train=True)
        total, per_output = self._total_loss(targets, outputs, weights)
        optimizer = self.optimizer
        if total.requires_grad:
            optimizer.zero_grad(set_to_none=True)
            scaler = self._grad_scaler() if self._policy.mixed else None
            objective = total
            if share is not None and share.loss_scale != 1.:
                # DDP averages the processes' gradients; scaling each by
                # its share of the global batch makes that average the
                # gradient of the global batch mean.
                objective = total * share.loss_scale
            if scaler is None:
                objective.backward()
            else:
                scaler.scale(objective).backward()
            if getattr(optimizer, '_custom_updates', False):
                # Keras 2's get_updates(loss, params); as in Keras 2, it
                # applies the weight constraints itself.
                optimizer._apply_step(objective, self._optimizer_weights(),
                                      scaler)
            else:
                if scaler is None:
                    optimizer.step()
                else:
                    scaler.step(optimizer)
                    scaler.update()
                if self._constraint_records:
                    self._apply_constraints()
        if share is not None and share.local_empty:
            self._trackers(targets, outputs)
        else:
            self._track(targets, outputs, weights, total, per_output)
        return outputs

    def _test_step(self, inputs, targets, weights):
        outputs = self._forward(inputs)
        total, per_output = self._total_loss(targets, outputs, weights)
        self._track(targets, outputs, weights, total, per_output)
        return outputs

    def _track(self, targets, outputs, weights, total, per_output):
        with torch.no_grad():
            batch = self._batch_size_of(outputs, targets)
            trackers = self._trackers(targets, outputs)
            trackers[0]._add_sum(total.detach() * batch, batch)
            for tracker, value in zip(trackers[1:], per_output):
                tracker._add_sum(value.detach() * batch, batch)
            self._compiled_metrics.update(targets, outputs, weights)
            if getattr(self, '_graph_metrics', None) or \
                    getattr(self, '_metric_layers', None):
                self._track_added_metrics()

    def _track_added_metrics(self):
        """Averages each added metric value over the epoch; a metric
        object's result is its own (its state was updated by the forward
        pass)."""
        from ..metrics import Mean
        trackers = self.__dict__.get('_added_metric_trackers')
        if trackers is None:
            trackers = self._added_metric_trackers = \
                self._attribute_metric_trackers()
        for name, value, metric_obj in self._extra_metric_values():
            if metric_obj is not None:
                trackers.setdefault(name, metric_obj)
                continue
            tracker = trackers.get(name)
            if tracker is None:
                tracker = trackers[name] = Mean(name=name)
            tracker.update_state(value.detach().float().mean())

    def _attribute_metric_trackers(self):
        """{name: metric} for the metric objects set as attributes of this
        model, which Keras logs first; two with one name are an error."""
        trackers = {}
        for metric in self.__dict__.get('_attribute_metrics', []):
            if metric.name in trackers:
                count = sum(m.name == metric.name
                            for m in self._attribute_metrics)
                raise ValueError('Please provide different names for the '
                                 'metrics you have added. We found {} '
                                 'metrics with the name: "{}"'.format(
                                     count, metric.name))
            trackers[metric.name] = metric
        return trackers

    @staticmethod
    def _batch_size_of(outputs, targets):
        for t in targets:
            if t is not None:
                return int(t.shape[0])
        return int(outputs[0].shape[0]) if outputs[0].dim() else 1

    def _trackers(self, targets, outputs):
        if self._loss_trackers is None:
            from ..metrics import Mean
            n = len(self._compiled_loss.active) \
                if len(self._compiled_loss.output_names) > 1 else 0
            self._loss_trackers = [Mean(name='loss')] + \
                [Mean(name=self._compiled_loss.output_names[i] + '_loss')
                 for i in self._compiled_loss.active][:n]
        if not self._compiled_metrics.built:
            self._compiled_metrics.build(targets, outputs)
            self._history_aliases = compile_utils.history_aliases(
                self.metrics_names)
        return self._loss_trackers

    def _reset_metrics(self):
        for tracker in self._loss_trackers or []:
            tracker.reset_states()
        if self._compiled_metrics is not None:
            self._compiled_metrics.reset()
        for tracker in self.__dict__.get('_added_metric_trackers',
                                         {}).values():
            tracker.reset_states()

    def reset_metrics(self):
        """Clears the accumulated loss and metric values."""
        self._reset_metrics()

    def _result_tensors(self):
        values = [t.result() for t in self._loss_trackers or []]
        values += self._compiled_metrics.results()
        values += [t.result() for t in self.__dict__.get(
            '_added_metric_trackers', {}).values()]
        return values

    def _result_floats(self):
        tensors = self._result_tensors()
        if not tensors:
            return []
        stacked = torch.stack([t.reshape(()).to(torch.float32).to(
            tensors[0].device) if isinstance(t, torch.Tensor) else
            torch.tensor(float(t)) for t in tensors])
        return [float(v) for v in stacked.cpu().tolist()]

    def _results_dict(self):
        names = ['loss'] + [t.name for t in (self._loss_trackers or [])[1:]]
        names += self._compiled_metrics.names
        names += list(self.__dict__.get('_added_metric_trackers', {}))
        return dict(zip(names, self._result_floats()))

    def _global_results(self):
        """The logs: under torchrun, the metric states are first summed
        over all processes, so every rank logs the same global values."""
        if distributed.is_active():
            self._sync_metrics()
        return self._results_dict()

    def _sync_metrics(self):
        metrics = list(self._loss_trackers or [])
        if self._compiled_metrics is not None:
            metrics += [m for _, _, m in self._compiled_metrics.objects]
        metrics += list(self.__dict__.get('_added_metric_trackers',
                                          {}).values())
        states = [m._state_tensors() for m in metrics]
        summed = distributed.all_reduce_sum(
            [t for state in states for t in state])
        offset = 0
        for metric, state in zip(metrics, states):
            metric._load_state_tensors(summed[offset:offset + len(state)])
            offset += len(state)

    def _lazy_results(self):
        return self._results_dict

    # ----------------------------------------------------------------- fit
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1,
            callbacks=None, validation_split=0., validation_data=None,
            shuffle=True, class_weight=None, sample_weight=None,
            initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_freq=1, max_queue_size=10, workers=1,
            use_multiprocessing=False, **kwargs):
        """Trains the model for `epochs` epochs; returns a `History`."""
        if 'nb_epoch' in kwargs:
            warnings.warn('The `nb_epoch` argument in `fit` has been renamed '
                          '`epochs`.', stacklevel=2)
            epochs = kwargs.pop('nb_epoch')
        if kwargs:
            raise TypeError('Unrecognized keyword arguments: ' + str(kwargs))
        self._require_compiled()
        training_utils.check_arguments(
            batch_size=batch_size, epochs=epochs, initial_epoch=initial_epoch,
            steps_per_epoch=steps_per_epoch,
            validation_steps=validation_steps,
            validation_split=validation_split,
            validation_freq=validation_freq, workers=workers)
        self._check_class_weight(class_weight)
        if data_adapter.is_generator_like(x):
            if y is not None:
                raise ValueError('`y` argument is not supported when data is'
                                 'a generator or Sequence instance. Instead '
                                 'pass targets as the second element of the '
                                 'generator.')
            if sample_weight is not None:
                raise ValueError('`sample_weight` argument is not supported '
                                 'when data isa generator or Sequence '
                                 'instance. Instead pass sample weights as '
                                 'the third element of the generator.')
            if validation_split:
                raise ValueError('If your data is in the form of a Python '
                                 'generator, you cannot use '
                                 '`validation_split`.')
            return self.fit_generator(
                x, steps_per_epoch=steps_per_epoch, epochs=epochs,
                verbose=verbose, callbacks=callbacks,
                validation_data=validation_data,
                validation_steps=validation_steps,
                validation_freq=validation_freq, class_weight=class_weight,
                max_queue_size=max_queue_size, workers=workers,
                use_multiprocessing=use_multiprocessing, shuffle=shuffle,
                initial_epoch=initial_epoch, batch_size=batch_size)
        if batch_size is None and steps_per_epoch is None:
            batch_size = 32
        if x is None:
            raise ValueError('fit() needs input data `x`.')
        inputs, targets, weights = self._standardize_user_data(
            x, y, sample_weight, class_weight, batch_size, lazy=True)
        if shuffle and shuffle != 'batch' and any(
                data_adapter.needs_batch_shuffle(t)
                for t in inputs + targets):
            # Keras 2's rule: HDF5 data is read in increasing index order.
            raise TypeError('TypeError while preparing batch. If using HDF5 '
                            'input data, pass shuffle="batch".')
        val_batches = None
        if validation_data is not None:
            val_batches = self._validation_batches(validation_data,
                                                   batch_size,
                                                   validation_steps,
                                                   max_queue_size, workers,
                                                   use_multiprocessing)
        elif validation_split and 0. < validation_split < 1.:
            split_at = int(int(inputs[0].shape[0]) * (1. - validation_split))
            val_inputs = [t[split_at:] for t in inputs]
            val_targets = [None if t is None else t[split_at:]
                           for t in targets]
            val_weights = [None if t is None else t[split_at:]
                           for t in weights]
            inputs = [t[:split_at] for t in inputs]
            targets = [None if t is None else t[:split_at] for t in targets]
            weights = [None if t is None else t[:split_at] for t in weights]
            if int(val_inputs[0].shape[0]) == 0 or split_at == 0:
                raise ValueError(
                    'Expected input data to be non-empty: '
                    '`validation_split=%r` of %d samples leaves %d for '
                    'training and %d for validation.'
                    % (validation_split, int(inputs[0].shape[0]) +
                       int(val_inputs[0].shape[0]), split_at,
                       int(val_inputs[0].shape[0])))
            val_batches = data_adapter.ArrayBatches(
                val_inputs, val_targets, val_weights, batch_size or 32,
                device=self._device(), shard='whole')
            val_batches.callback_data = _callback_validation_data(
                None, None, None, val_inputs, val_targets, val_weights)
        train_batches = data_adapter.ArrayBatches(
            inputs, targets, weights, batch_size or 32, shuffle=shuffle,
            steps=steps_per_epoch, device=self._device(), shard='batch')
        with _closing(val_batches):
            return self._fit_loop(train_batches, val_batches, epochs=epochs,
                                  verbose=verbose, callbacks=callbacks,
                                  initial_epoch=initial_epoch,
                                  validation_freq=validation_freq,
                                  batch_size=batch_size)

    def _validation_batches(self, validation_data, batch_size, steps,
                            max_queue_size=10, workers=1,
                            use_multiprocessing=False):
        if data_adapter.is_generator_like(validation_data):
            return data_adapter.GeneratorBatches(
                validation_data, steps=steps, workers=workers,
                use_multiprocessing=use_multiprocessing,
                max_queue_size=max_queue_size, mode='test')
        if not isinstance(validation_data, (tuple, list)) or \
                len(validation_data) not in (2, 3):
            raise ValueError('When passing validation_data, it must contain '
                             '2 (x_val, y_val) or 3 (x_val, y_val, '
                             'val_sample_weights) items, however it contains '
                             '%d items' % len(validation_data))
        val_x, val_y = validation_data[0], validation_data[1]
        val_sw = validation_data[2] if len(validation_data) == 3 else None
        inputs, targets, weights = self._standardize_user_data(
            val_x, val_y, val_sw, batch_size=batch_size, lazy=True,
            data_name='validation_data')
        batches = data_adapter.ArrayBatches(inputs, targets, weights,
                                            batch_size or 32, steps=steps,
                                            device=self._device(),
                                            shard='whole')
        batches.callback_data = _callback_validation_data(
            val_x, val_y, val_sw, inputs, targets, weights)
        return batches

    def _make_callbacks(self, callbacks, verbose, params, history=True):
        callbacks = list(callbacks or [])
        if not distributed.is_chief():
            # Under torchrun only rank 0 prints and writes files.
            verbose = 0
            params = dict(params, verbose=0)
            callbacks = [c for c in callbacks if not isinstance(
                c, (cbks.ModelCheckpoint, cbks.CSVLogger, cbks.TensorBoard,
                    cbks.ProgbarLogger, cbks.RemoteMonitor))]
        callback_objects = []
        if verbose:
            callback_objects.append(cbks.ProgbarLogger(count_mode='steps'))
        callback_objects += list(callbacks or [])
        if history:
            self.history = cbks.History()
            callback_objects.append(self.history)
        callback_list = cbks.CallbackList(callback_objects)
        callback_list.set_model(self)
        callback_list.set_params(params)
        return callback_list

    def _fit_loop(self, train_batches, val_batches, epochs, verbose,
                  callbacks, initial_epoch, validation_freq,
                  batch_size=None):
        self._check_trainable_weights_consistency()
        do_validation = val_batches is not None
        names = self.metrics_names
        params = {
            'batch_size': batch_size, 'epochs': epochs,
            'steps': len(train_batches),
            'samples': getattr(train_batches, 'num_samples', None),
            'verbose': verbose, 'do_validation': do_validation,
            'metrics': names + ['val_' + n for n in names]
            if do_validation else list(names),
        }
        callback_list = self._make_callbacks(callbacks, verbose, params)
        validation_arrays = getattr(val_batches, 'callback_data', None)
        if validation_arrays is not None:
            # Keras 2 hands callbacks the validation arrays (x..., y...,
            # sample weights...) as `self.validation_data`.
            for callback in callback_list:
                callback.validation_data = validation_arrays
        training_utils.should_run_validation(validation_freq, 0)
        self.stop_training = False
        want_begin = callback_list.wants_batch('train', 'begin')
        want_end = callback_list.wants_batch('train', 'end')
        lazy = self._lazy_results()
        completed = False
        try:
            callback_list.on_train_begin()
            # BackupAndRestore resumes after the last epoch it saved.
            initial_epoch = self.__dict__.pop('_resume_epoch', initial_epoch)
            for epoch in range(initial_epoch, epochs):
                self._reset_metrics()
                epoch_logs = {}
                callback_list.on_epoch_begin(epoch, epoch_logs)
                self._set_mode(self._training_phase())
                with common.loop_phase(1):
                    for step, (inputs, targets, weights) in enumerate(
                            train_batches):
                        size = int(inputs[0].shape[0])
                        if want_begin:
                            callback_list.batch_hook(
                                'train', 'begin', step,
                                {'batch': step, 'size': size})
                        self._train_step(inputs, targets, weights,
                                         train_batches if
                                         getattr(train_batches, 'shard',
                                                 None) else None)
                        if want_end:
                            callback_list.batch_hook(
                                'train', 'end', step,
                                cbks.BatchLogs({'batch': step,
                                                'size': size}, lazy))
                        if self.stop_training:
                            break
                epoch_logs.update(self._global_results())
                if do_validation and training_utils.should_run_validation(
                        validation_freq, epoch):
                    # The validation run reports to the callbacks as a
                    # test run, as in Keras 2.3.
                    callback_list.on_test_begin()
                    val_logs = self._evaluate_loop(val_batches,
                                                   callback_list)
                    callback_list.on_test_end()
                    for name, value in val_logs.items():
                        epoch_logs['val_' + name] = value
                history = self.history
                if history is not None and self._history_aliases:
                    history.history._ALIASES = dict(
                        history.history._ALIASES, **self._history_aliases)
                callback_list.on_epoch_end(epoch, epoch_logs)
                if self.stop_training:
                    break
                if getattr(train_batches, 'dynamic_length', False):
                    params['steps'] = len(train_batches)
                    callback_list.set_params(params)
            completed = True
        finally:
            self._set_mode(False)
            if not completed:
                # An exception or Ctrl-C: the callbacks' files are closed,
                # the exception goes on as it was.
                callback_list._close_resources()
        callback_list.on_train_end()
        return self.history

    # ------------------------------------------------------------ evaluate
    def _evaluate_loop(self, batches, callback_list=None):
        self._reset_metrics()
        self._set_mode(self._inference_phase())
        want_begin = callback_list is not None and \
            callback_list.wants_batch('test', 'begin')
        want_end = callback_list is not None and \
            callback_list.wants_batch('test', 'end')
        with torch.no_grad(), common.loop_phase(0):
            for step, (inputs, targets, weights) in enumerate(batches):
                size = int(inputs[0].shape[0])
                if want_begin:
                    callback_list.batch_hook('test', 'begin', step,
                                             {'batch': step, 'size': size})
                self._test_step(inputs, targets, weights)
                if want_end:
                    callback_list.batch_hook(
                        'test', 'end', step,
                        cbks.BatchLogs({'batch': step, 'size': size},
                                       self._results_dict))
        return self._global_results()

    def evaluate(self, x=None, y=None, batch_size=None, verbose=1,
                 sample_weight=None, steps=None, callbacks=None,
                 max_queue_size=10, workers=1, use_multiprocessing=False):
        """The loss (and metrics) on the given data: a scalar when only the
        loss is computed, else a list in `metrics_names` order."""
        self._require_compiled()
        training_utils.check_arguments(batch_size=batch_size, steps=steps,
                                       workers=workers)
        if data_adapter.is_generator_like(x):
            return self.evaluate_generator(
                x, steps=steps, callbacks=callbacks,
                max_queue_size=max_queue_size, workers=workers,
                use_multiprocessing=use_multiprocessing, verbose=verbose)
        if batch_size is None and steps is None:
            batch_size = 32
        inputs, targets, weights = self._standardize_user_data(
            x, y, sample_weight, batch_size=batch_size, lazy=True)
        batches = data_adapter.ArrayBatches(inputs, targets, weights,
                                            batch_size or 32, steps=steps,
                                            device=self._device(),
                                            shard='whole')
        return self._run_evaluation(batches, verbose, callbacks)

    def _run_evaluation(self, batches, verbose, callbacks):
        self._prepare_training()
        callback_list = cbks.CallbackList(callbacks or [])
        callback_list.set_model(self)
        callback_list.set_params({'verbose': verbose,
                                  'steps': len(batches)})
        bar = None
        if verbose and distributed.is_chief():
            from ..utils.generic_utils import Progbar
            bar = Progbar(target=len(batches), verbose=verbose)
        try:
            callback_list.on_test_begin()
            logs = self._evaluate_loop(batches, callback_list)
        except BaseException:
            callback_list._close_resources()
            raise
        if bar is not None:
            bar.set_values(len(batches), list(logs.items()))
        callback_list.on_test_end(logs)
        values = [logs[n] for n in self.metrics_names if n in logs]
        return values[0] if len(values) == 1 else values

    # ------------------------------------------------------------- predict
    def predict(self, x, batch_size=None, verbose=0, steps=None,
                callbacks=None, max_queue_size=10, workers=1,
                use_multiprocessing=False):
        """Model outputs for the inputs, as Numpy arrays."""
        training_utils.check_arguments(batch_size=batch_size, steps=steps,
                                       workers=workers)
        if data_adapter.is_generator_like(x):
            return self.predict_generator(
                x, steps=steps, callbacks=callbacks,
                max_queue_size=max_queue_size, workers=workers,
                use_multiprocessing=use_multiprocessing, verbose=verbose)
        if batch_size is None and steps is None:
            batch_size = 32
        inputs = self._standardize_inputs(x, lazy=True)
        if not self.built:
            self._ensure_built(inputs)
        if inputs and int(inputs[0].shape[0]) == 0:
            return self._empty_predictions(inputs)
        if self.stateful and batch_size and inputs[0].shape[0] > \
                batch_size and inputs[0].shape[0] % batch_size != 0:
            raise ValueError('In a stateful network, you should only pass '
                             'inputs with a number of samples that can be '
                             'divided by the batch size. Found: ' +
                             str(inputs[0].shape[0]) + ' samples. Batch '
                             'size: ' + str(batch_size) + '.')
        batches = data_adapter.ArrayBatches(inputs, [], [], batch_size or 32,
                                            steps=steps,
                                            device=self._device(),
                                            shard='whole')
        if batches.shard:
            if not distributed.is_chief():
                verbose = 0
            return _gather_predictions(
                self._predict_loop(batches, verbose, callbacks))
        return self._predict_loop(batches, verbose, callbacks)

    def _predict_loop(self, batches, verbose=0, callbacks=None):
        self._set_mode(self._inference_phase())
        callback_list = cbks.CallbackList(callbacks or [])
        callback_list.set_model(self)
        callback_list.set_params({'verbose': verbose,
                                  'steps': len(batches)})
        want_end = callback_list.wants_batch('predict', 'end')
        want_begin = callback_list.wants_batch('predict', 'begin')
        bar = None
        if verbose == 1:
            from ..utils.generic_utils import Progbar
            bar = Progbar(target=len(batches), verbose=1)
        try:
            callback_list.on_predict_begin()
            results = self._predict_batches(batches, callback_list,
                                            want_begin, want_end, bar)
        except BaseException:
            callback_list._close_resources()
            raise
        callback_list.on_predict_end()
        if results is None:
            return []
        arrays = [torch.cat(parts, dim=0).cpu().numpy() for parts in results]
        return arrays[0] if len(arrays) == 1 else arrays

    def _predict_batches(self, batches, callback_list, want_begin, want_end,
                         bar):
        results = None
        with torch.no_grad(), common.loop_phase(0):
            for step, batch in enumerate(batches):
                inputs = batch[0]
                if want_begin:
                    callback_list.batch_hook('predict', 'begin', step,
                                             {'batch': step})
                outputs = [o.detach() for o in self._forward(inputs)]
                if results is None:
                    results = [[] for _ in outputs]
                for store, out in zip(results, outputs):
                    store.append(out)
                if want_end:
                    callback_list.batch_hook(
                        'predict', 'end', step,
                        {'batch': step, 'outputs': unpack_singleton(
                            [o.cpu().numpy() for o in outputs])})
                if bar is not None:
                    bar.set_values(step + 1, [])
        return results

    # ---------------------------------------------------------- on batch
    def train_on_batch(self, x, y, sample_weight=None, class_weight=None,
                       reset_metrics=True):
        """One gradient update on one batch; returns the loss (and metric
        values) for it."""
        self._require_compiled()
        self._check_class_weight(class_weight)
        inputs, targets, weights = self._standardize_user_data(
            x, y, sample_weight, class_weight)
        self._check_trainable_weights_consistency()
        device = self._device()
        inputs = [t.to(device) for t in inputs]
        targets = [None if t is None else t.to(device) for t in targets]
        weights = [None if t is None else t.to(device) for t in weights]
        if reset_metrics:
            self._reset_metrics()
        self._set_mode(self._training_phase())
        with common.loop_phase(1):
            self._train_step(inputs, targets, weights)
        values = self._result_floats()
        return values[0] if len(values) == 1 else values

    def test_on_batch(self, x, y, sample_weight=None, reset_metrics=True):
        """The loss (and metric values) on one batch, without updating."""
        inputs, targets, weights = self._standardize_user_data(
            x, y, sample_weight)
        device = self._device()
        inputs = [t.to(device) for t in inputs]
        targets = [None if t is None else t.to(device) for t in targets]
        weights = [None if t is None else t.to(device) for t in weights]
        if reset_metrics:
            self._reset_metrics()
        self._set_mode(self._inference_phase())
        with torch.no_grad(), common.loop_phase(0):
            self._test_step(inputs, targets, weights)
        values = self._result_floats()
        return values[0] if len(values) == 1 else values

    def predict_on_batch(self, x):
        """Model outputs for one batch, as Numpy arrays."""
        inputs = self._standardize_inputs(x)
        if not self.built:
            self._ensure_built(inputs)
        if inputs and int(inputs[0].shape[0]) == 0:
            return self._empty_predictions(inputs)
        device = self._device()
        inputs = [t.to(device) for t in inputs]
        self._set_mode(self._inference_phase())
        with torch.no_grad(), common.loop_phase(0):
            outputs = self._forward(inputs)
        arrays = [o.detach().cpu().numpy() for o in outputs]
        return arrays[0] if len(arrays) == 1 else arrays

    def _empty_predictions(self, inputs):
        """Predictions for 0 samples: empty arrays of the output shapes,
        found by running one row of zeros (the declared output shapes for
        a stateful model, whose states that row would change)."""
        outputs = None
        if not self.stateful:
            device = self._device()
            rows = [torch.zeros((1,) + tuple(t.shape[1:]),
                                dtype=t.dtype,
                                device=device) for t in inputs]
            self._set_mode(False)
            try:
                with torch.no_grad(), common.loop_phase(0):
                    outputs = [(tuple(o.shape[1:]), o.dtype)
                               for o in self._forward(rows)]
            except Exception:
                outputs = None
        if outputs is None:
            shapes = self.compute_output_shape(
                [(None,) + tuple(t.shape[1:]) for t in inputs]
                if len(inputs) > 1 else (None,) + tuple(inputs[0].shape[1:]))
            if not isinstance(shapes, list):
                shapes = [shapes]
            outputs = [(tuple(d or 0 for d in shape[1:]),
                        K.torch_dtype(K.floatx())) for shape in shapes]
        arrays = [torch.zeros((0,) + shape, dtype=dtype).numpy()
                  for shape, dtype in outputs]
        return arrays[0] if len(arrays) == 1 else arrays

    def _check_class_weight(self, class_weight):
        """`class_weight` checked once per call: one dict per output (from
        class index to weight), keyed by output name for several
        outputs."""
        if class_weight is None:
            return
        names = self._output_names()
        if len(names) > 1 and isinstance(class_weight, dict) and \
                class_weight and not any(k in names for k in class_weight):
            raise ValueError('`class_weight` of a model with several '
                             'outputs must be a dict keyed by output name '
                             '(%s) or a list with one dict per output. '
                             'Received: class_weight=%r'
                             % (names, class_weight))
        entries = _spread_weights(class_weight, names, 'class_weight')
        for name, entry in zip(names, entries):
            training_utils.check_class_weight_entry(
                entry, name if len(names) > 1 else None)

    # ---------------------------------------------------------- generators
    def fit_generator(self, generator, steps_per_epoch=None, epochs=1,
                      verbose=1, callbacks=None, validation_data=None,
                      validation_steps=None, validation_freq=1,
                      class_weight=None, max_queue_size=10, workers=1,
                      use_multiprocessing=False, shuffle=True,
                      initial_epoch=0, batch_size=None, **kwargs):
        """Trains on batches from a generator, a `keras.utils.Sequence` or
        a torch DataLoader/Dataset."""
        epochs, steps_per_epoch, validation_steps, workers, \
            use_multiprocessing, max_queue_size = _legacy_generator_args(
                kwargs, generator, epochs, steps_per_epoch,
                validation_steps, workers, use_multiprocessing,
                max_queue_size)
        self._require_compiled()
        training_utils.check_arguments(
            batch_size=batch_size, epochs=epochs, initial_epoch=initial_epoch,
            steps_per_epoch=steps_per_epoch,
            validation_steps=validation_steps,
            validation_freq=validation_freq, workers=workers)
        self._check_class_weight(class_weight)
        batches = _StandardizedBatches(self, data_adapter.GeneratorBatches(
            generator, steps=steps_per_epoch, workers=workers,
            use_multiprocessing=use_multiprocessing,
            max_queue_size=max_queue_size, shuffle=shuffle,
            batch_size=batch_size), class_weight)
        val_batches = None
        if validation_data is not None:
            if data_adapter.is_generator_like(validation_data):
                val_batches = _StandardizedBatches(
                    self, data_adapter.GeneratorBatches(
                        validation_data, steps=validation_steps,
                        workers=workers,
                        use_multiprocessing=use_multiprocessing,
                        max_queue_size=max_queue_size, mode='test',
                        batch_size=batch_size), None)
            else:
                val_batches = self._validation_batches(
                    validation_data, batch_size or 32, validation_steps)
        with _closing(batches, val_batches):
            batches.prime()
            return self._fit_loop(batches, val_batches, epochs=epochs,
                                  verbose=verbose, callbacks=callbacks,
                                  initial_epoch=initial_epoch,
                                  validation_freq=validation_freq,
                                  batch_size=batch_size)

    def evaluate_generator(self, generator, steps=None, callbacks=None,
                           max_queue_size=10, workers=1,
                           use_multiprocessing=False, verbose=0, **kwargs):
        """Evaluates on batches from a generator or Sequence."""
        _, steps, _, workers, use_multiprocessing, max_queue_size = \
            _legacy_generator_args(kwargs, generator, 1, steps, None,
                                   workers, use_multiprocessing,
                                   max_queue_size)
        self._require_compiled()
        training_utils.check_arguments(steps=steps, workers=workers)
        batches = _StandardizedBatches(self, data_adapter.GeneratorBatches(
            generator, steps=steps, workers=workers,
            use_multiprocessing=use_multiprocessing,
            max_queue_size=max_queue_size, mode='test'), None)
        with _closing(batches):
            batches.prime()
            return self._run_evaluation(batches, verbose, callbacks)

    def predict_generator(self, generator, steps=None, callbacks=None,
                          max_queue_size=10, workers=1,
                          use_multiprocessing=False, verbose=0, **kwargs):
        """Predictions for the inputs a generator or Sequence yields."""
        _, steps, _, workers, use_multiprocessing, max_queue_size = \
            _legacy_generator_args(kwargs, generator, 1, steps, None,
                                   workers, use_multiprocessing,
                                   max_queue_size)
        training_utils.check_arguments(steps=steps, workers=workers)
        batches = _StandardizedBatches(self, data_adapter.GeneratorBatches(
            generator, steps=steps, workers=workers,
            use_multiprocessing=use_multiprocessing,
            max_queue_size=max_queue_size, mode='predict'), None,
            inputs_only=True)
        with _closing(batches):
            batches.prime()
            return self._predict_loop(batches, verbose, callbacks)


class _StandardizedBatches(object):
    """Converts each (x, y, sample_weight) from a generator into the
    model's input/target/weight tensor lists on its device."""

    def __init__(self, model, source, class_weight, inputs_only=False):
        self.model = model
        self.source = source
        self.class_weight = class_weight
        self.inputs_only = inputs_only
        self._first = None

    def __len__(self):
        return len(self.source)

    @property
    def dynamic_length(self):
        return getattr(self.source, 'dynamic_length', False)

    def close(self):
        self._first = None
        self.source.close()

    def prime(self):
        """Builds a deferred model from the first batch."""
        if self.model.built:
            return
        iterator = iter(self.source)
        first = next(iterator)
        self._first = (first, iterator)
        inputs = self.model._standardize_inputs(first[0])
        self.model._ensure_built(inputs)

    def _convert(self, batch):
        x, y, sw = batch
        device = self.model._device()
        if self.inputs_only:
            inputs = self.model._standardize_inputs(x)
            return [t.to(device, non_blocking=True) for t in inputs], [], []
        inputs, targets, weights = self.model._standardize_user_data(
            x, y, sw, self.class_weight, data_name=None)
        return ([t.to(device, non_blocking=True) for t in inputs],
                [None if t is None else t.to(device, non_blocking=True)
                 for t in targets],
                [None if t is None else t.to(device, non_blocking=True)
                 for t in weights])

    def __iter__(self):
        if self._first is not None:
            first, iterator = self._first
            self._first = None
            yield self._convert(first)
            for batch in iterator:
                yield self._convert(batch)
            return
        for batch in self.source:
            yield self._convert(batch)


@contextlib.contextmanager
def _closing(*batch_sources):
    """Stops the reader threads and worker processes of generator and
    Sequence inputs when the call ends, normally or not. A failure to stop
    them is warned about, not raised over the call's own exception."""
    try:
        yield
    finally:
        for source in batch_sources:
            close = getattr(source, 'close', None)
            if close is None:
                continue
            try:
                close()
            except Exception as error:
                warnings.warn('Stopping the data readers failed: %s: %s'
                              % (type(error).__name__, error))


def _legacy_generator_args(kwargs, generator, epochs, steps, val_steps,
                           workers, use_multiprocessing, max_queue_size):
    """Keras 1 generator arguments (samples_per_epoch, nb_epoch,
    nb_val_samples, nb_worker, pickle_safe, max_q_size)."""
    kwargs = dict(kwargs)
    if 'samples_per_epoch' in kwargs:
        samples = kwargs.pop('samples_per_epoch')
        size = getattr(generator, 'batch_size', None)
        steps = samples // size if size else samples
        warnings.warn('The semantics of the Keras 2 argument '
                      '`steps_per_epoch` is not the same as the Keras 1 '
                      'argument `samples_per_epoch`.', stacklevel=3)
    if 'val_samples' in kwargs:
        steps = kwargs.pop('val_samples')
    if 'nb_epoch' in kwargs:
        epochs = kwargs.pop('nb_epoch')
    if 'nb_val_samples' in kwargs:
        val_steps = kwargs.pop('nb_val_samples')
    if 'nb_worker' in kwargs:
        workers = kwargs.pop('nb_worker')
    if 'pickle_safe' in kwargs:
        use_multiprocessing = kwargs.pop('pickle_safe')
    if 'max_q_size' in kwargs:
        max_queue_size = kwargs.pop('max_q_size')
    if kwargs:
        raise TypeError('Unrecognized keyword arguments: ' + str(kwargs))
    return epochs, steps, val_steps, workers, use_multiprocessing, \
        max_queue_size


def _spread_weights(value, names, what):
    """`sample_weight`/`class_weight` as one entry per output; a single
    output's sample-weight dict without its name means no weights."""
    if what == 'sample_weight' and isinstance(value, dict) and \
            len(names) == 1 and names[0] not in value:
        return [None]
    if isinstance(value, list) and len(names) == 1 and len(value) == 1:
        return [value[0]]
    return training_utils.standardize_sample_or_class_weights(
        value, names, what)


def _standardize_weight(target, sample_weight, class_weight, mode):
    """One weight tensor per sample (or timestep) from sample_weight and
    class_weight, as Keras combines them."""
    if sample_weight is not None:
        sample_weight = data_adapter.to_tensor(
            data_adapter.to_array_like(sample_weight)).to(
            K.torch_dtype(K.floatx()))
    if mode is not None:
        if target.dim() < 3:
            raise ValueError('Found a sample_weight array for an input with '
                             'shape ' + str(tuple(target.shape)) + '. '
                             'Timestep-wise sample weighting (use of '
                             'sample_weight_mode="temporal") is restricted '
                             'to outputs that are at least 3D, i.e. that '
                             'have a time dimension.')
        if sample_weight is not None and sample_weight.dim() != 2:
            raise ValueError('Found a sample_weight array with shape ' +
                             str(tuple(sample_weight.shape)) + '. In order '
                             'to use timestep-wise sample weighting, you '
                             'should pass a 2D sample_weight array.')
    elif sample_weight is not None and sample_weight.dim() != 1:
        raise ValueError('Found a sample_weight array with shape ' +
                         str(tuple(sample_weight.shape)) + '. In order to '
                         'use timestep-wise sample weights, you should '
                         'specify sample_weight_mode="temporal" in compile('
                         '). If you just mean to use sample-wise weights, '
                         'make sure your sample_weight array is 1D.')
    if sample_weight is not None and tuple(
            target.shape[:sample_weight.dim()]) != \
            tuple(sample_weight.shape):
        raise ValueError('Found a sample_weight array with shape ' +
                         str(tuple(sample_weight.shape)) + ' for an input '
                         'with shape ' + str(tuple(target.shape)) + '. '
                         'sample_weight cannot be broadcast.')
    class_sample_weight = None
    if isinstance(class_weight, dict) and class_weight:
        if target.dim() > 2:
            raise ValueError('`class_weight` not supported for 3+ '
                             'dimensional targets.')
        if target.dim() == 2 and target.shape[1] > 1:
            classes = torch.argmax(target, dim=1)
        else:
            classes = target.reshape(-1)
        classes = classes.long().cpu().numpy()
        missing = set(classes.tolist()) - set(int(k) for k in class_weight)
        if missing:
            raise ValueError('`class_weight` must contain all classes in the '
                             'data. The classes %s exist in the data but not '
                             'in `class_weight`.' % missing)
        lookup = {int(k): float(v) for k, v in class_weight.items()}
        class_sample_weight = torch.tensor(
            [lookup[int(c)] for c in classes],
            dtype=K.torch_dtype(K.floatx()))
    if sample_weight is not None and class_sample_weight is not None:
        return sample_weight * class_sample_weight
    if sample_weight is not None:
        return sample_weight
    return class_sample_weight


def _check_non_empty(tensors, name):
    for tensor in tensors:
        if tensor is not None and tensor.dim() and int(tensor.shape[0]) == 0:
            raise ValueError('Expected input data to be non-empty: `%s` has '
                             '0 samples (shape %s).'
                             % (name, tuple(tensor.shape)))


def _check_lengths(inputs, targets, weights):
    def lengths(tensors):
        return {int(t.shape[0]) for t in tensors if t is not None}
    training_utils.raise_on_inconsistent_lengths(inputs, targets, weights,
                                                 lengths)


def _gather_predictions(local):
    """Every process's predictions for its contiguous part of the data,
    concatenated in rank order: the predictions for the whole data, in
    the original order, on every process."""
    parts = [p for p in distributed.gather_objects(local)
             if not (isinstance(p, list) and not p)]
    if not parts:
        return []
    if isinstance(parts[0], np.ndarray):
        return np.concatenate(parts, axis=0)
    return [np.concatenate([p[i] for p in parts], axis=0)
            for i in range(len(parts[0]))]
