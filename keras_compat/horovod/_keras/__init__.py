"""What `horovod.keras` and `horovod.tensorflow.keras` share: the
DistributedOptimizer, value collectives and `load_model`."""
import numpy as np
import torch

from ... import optimizers
from .. import common
from ..tensorflow.compression import Compression


class _GradientReduction(object):
    """How a DistributedOptimizer combines the processes' gradients:
    `op` (Average or Sum) with the gradient_predivide_factor split around
    the sum, `compression`, and local accumulation over
    `backward_passes_per_step` steps (the reduction and the update happen
    on the last of them; the others only count an iteration)."""

    def __init__(self, op, compression, gradient_predivide_factor,
                 backward_passes_per_step, average_aggregated_gradients,
                 clip_first):
        self.op = op
        self.compression = compression
        self.scales = (1.0, 1.0)
        if op == common.Average:
            self.scales = (1.0 / gradient_predivide_factor,
                           gradient_predivide_factor)
        self.passes = int(backward_passes_per_step)
        if self.passes <= 0:
            raise ValueError('backward_passes_per_step must be > 0')
        self.average_aggregated = average_aggregated_gradients
        self.clip_first = clip_first
        self.accumulated = None
        self.counter = 0

    def reduce(self, grads):
        """The gradients combined over the processes (unchanged in one)."""
        if not common.is_initialized() or common.size() == 1 or not grads:
            return list(grads)
        return common.allreduce_tensors(list(grads), self.op, self.scales[0],
                                        self.scales[1], self.compression)

    def step_gradients(self, grads):
        """(gradients to apply, whether to apply them this step)."""
        if self.passes == 1:
            return self.reduce(grads), True
        grads = [g.detach() for g in grads]
        if self.accumulated is None or len(self.accumulated) != len(grads):
            self.accumulated = [torch.zeros_like(g) for g in grads]
        for total, g in zip(self.accumulated, grads):
            total.add_(g)
        self.counter += 1
        if self.counter < self.passes:
            return list(self.accumulated), False
        reduced = self.reduce(self.accumulated)
        if self.average_aggregated:
            reduced = [g / self.passes for g in reduced]
        self.accumulated, self.counter = None, 0
        return reduced, True


class _ReducedSteps(object):
    """The steps of a DistributedOptimizer: its gradients are combined over
    the processes (`_GradientReduction`) before the update; tf.keras's
    clips them after that, Keras 2's (`horovod.keras`) before, as their
    get_gradients and apply_gradients do."""

    def _clipped(self, grads):
        reduction = self.__dict__.get('_horovod')
        if reduction is None:
            return super()._clipped(grads)
        if reduction.clip_first:
            grads = super()._clipped(grads)
        grads, apply = reduction.step_gradients(grads)
        self.__dict__['_horovod_apply'] = apply
        return grads if reduction.clip_first else super()._clipped(grads)

    def _step_on(self, params, grads):
        if self.__dict__.pop('_horovod_apply', True):
            return super()._step_on(params, grads)
        # A step that only accumulates: it counts as an iteration.
        return super()._step_on([], [])


class _ReducedGetGradients(object):
    """For optimizers whose step calls get_gradients (a Keras 2
    `get_updates`, or an optimizer overriding get_gradients): the
    gradients it returns are combined over the processes."""

    def get_gradients(self, loss, params):
        grads = super().get_gradients(loss, params)
        reduction = self.__dict__.get('_horovod')
        if reduction is None or getattr(grads[0] if grads else None,
                                        '_is_keras_symbolic', False):
            return grads
        return reduction.reduce(grads)


_CLASSES = {}


def distributed_class(base):
    """The subclass of optimizer class `base` a DistributedOptimizer is
    an instance of: same name and module, so that saved models name the
    optimizer as `base` (and load without Horovod)."""
    cls = _CLASSES.get(base)
    if cls is None:
        mixins = (_ReducedSteps,)
        if getattr(base, '_custom_updates', False) or \
                base.get_gradients is not optimizers.Optimizer.get_gradients:
            mixins = (_ReducedGetGradients,) + mixins
        cls = type(base.__name__, mixins + (base,),
                   {'__module__': base.__module__,
                    '__qualname__': base.__qualname__,
                    '__doc__': base.__doc__, '_horovod_base': base})
        _CLASSES[base] = cls
    return cls


def _check_arguments(op, backward_passes_per_step, groups, process_set,
                     optimizer):
    common.check_process_set(process_set)
    if op == common.Adasum:
        raise NotImplementedError(
            'DistributedOptimizer(op=hvd.Adasum) is not supported; use '
            'op=hvd.Average (the default) or hvd.Sum.')
    if op not in (common.Average, common.Sum):
        raise ValueError('op currently only supports Average and Sum')
    if groups is not None and not (isinstance(groups, list) or groups > 0):
        raise ValueError('groups should be a non-negative integer or '
                         'a list of list of tf.Variable.')
    if not isinstance(optimizer, optimizers.Optimizer):
        raise NotImplementedError(
            'DistributedOptimizer(%r): only Keras optimizers (and the '
            'tf.compat.v1.train ones) can be wrapped.' % (optimizer,))
    if backward_passes_per_step != 1 and (
            getattr(optimizer, '_custom_updates', False) or
            not hasattr(type(optimizer), '_step_on')):
        raise NotImplementedError(
            'backward_passes_per_step > 1 needs an optimizer with a '
            'built-in update; %s defines its own get_updates. Use '
            'backward_passes_per_step=1.' % type(optimizer).__name__)


def create_distributed_optimizer(optimizer, name=None,
                                 compression=Compression.none,
                                 sparse_as_dense=False,
                                 gradient_predivide_factor=1.0,
                                 op=common.Average,
                                 backward_passes_per_step=1,
                                 average_aggregated_gradients=False,
                                 groups=None, process_set=None,
                                 scale_local_gradients=True,
                                 clip_first=False):
    """A new optimizer of `optimizer`'s class and config whose gradients
    are combined over the processes before each update (`groups`, which
    only bundles Horovod's messages, and `sparse_as_dense`, gradients
    being dense here, change nothing)."""
    _check_arguments(op, backward_passes_per_step, groups, process_set,
                     optimizer)
    base = getattr(type(optimizer), '_horovod_base', type(optimizer))
    distributed = distributed_class(base).from_config(optimizer.get_config())
    make_distributed(distributed, name, compression, gradient_predivide_factor,
                     op, backward_passes_per_step,
                     average_aggregated_gradients, clip_first)
    return distributed


def make_distributed(optimizer, name=None, compression=Compression.none,
                     gradient_predivide_factor=1.0, op=common.Average,
                     backward_passes_per_step=1,
                     average_aggregated_gradients=False, clip_first=False):
    """Makes `optimizer` itself (its state kept) a DistributedOptimizer."""
    base = getattr(type(optimizer), '_horovod_base', type(optimizer))
    optimizer.__class__ = distributed_class(base)
    optimizer.__dict__['_horovod'] = _GradientReduction(
        op, compression, gradient_predivide_factor, backward_passes_per_step,
        average_aggregated_gradients, clip_first)
    if 'name' in optimizer.get_config():
        # tf.keras's optimizers are named "Distributed<class name>".
        optimizer.name = name or 'Distributed%s' % base.__name__
    return optimizer


def value_allreduce(value, average, prescale_factor=1.0,
                    postscale_factor=1.0, op=None,
                    compression=Compression.none):
    """horovod.keras's `allreduce(value)`: the reduction as a tensor."""
    from .. import tensorflow as hvd_tf
    return hvd_tf.allreduce(value, average=average, op=op,
                            prescale_factor=prescale_factor,
                            postscale_factor=postscale_factor,
                            compression=compression)


def load_model(filepath, custom_optimizers=None, custom_objects=None,
               compression=Compression.none, clip_first=False):
    """`keras.models.load_model(filepath)` with its optimizer (state
    included) made a DistributedOptimizer."""
    from ... import models
    objects = {cls.__name__: cls for cls in custom_optimizers or []}
    objects.update(custom_objects or {})
    model = models.load_model(filepath, custom_objects=objects)
    if isinstance(getattr(model, 'optimizer', None), optimizers.Optimizer):
        make_distributed(model.optimizer, compression=compression,
                         clip_first=clip_first)
    return model


def numpy_value(tensor):
    """A tensor result as Keras 2's session would return it."""
    return np.asarray(common.as_numpy(tensor))[()]
