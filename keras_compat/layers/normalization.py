"""BatchNormalization, tf.keras's SyncBatchNormalization and
LayerNormalization."""
import os

import torch
import torch.nn.functional as F

from .. import backend as K
from .. import distributed
from .. import initializers, regularizers, constraints
from ..engine.base_layer import Layer, InputSpec
from ..legacy import interfaces


def _add_scale_and_offset(layer, shape):
    """The `gamma` (when `scale`) and `beta` (when `center`) weights of a
    normalization layer; None where switched off."""
    if layer.scale:
        layer._add_torch_weight('gamma', shape, layer.gamma_initializer,
                                regularizer=layer.gamma_regularizer,
                                constraint=layer.gamma_constraint,
                                attr='gamma')
    else:
        layer.gamma = None
    if layer.center:
        layer._add_torch_weight('beta', shape, layer.beta_initializer,
                                regularizer=layer.beta_regularizer,
                                constraint=layer.beta_constraint,
                                attr='beta')
    else:
        layer.beta = None


class _AllReduceSum(torch.autograd.Function):
    """The sum over all processes, differentiable: the gradient of each
    process's input is the sum of the gradients of every process's
    output."""

    @staticmethod
    def forward(ctx, tensor):
        import torch.distributed as dist
        total = tensor.clone(memory_format=torch.contiguous_format)
        dist.all_reduce(total)
        return total

    @staticmethod
    def backward(ctx, grad):
        return _AllReduceSum.apply(grad)


def _synchronizes(layer):
    """True when a BatchNormalization takes its training statistics over
    the global batch: a SyncBatchNormalization, a layer converted by
    `distributed.sync_batch_norm`, or any with KERAS_COMPAT_SYNC_BATCH_NORM
    set, when running as several torchrun processes."""
    every_layer, several = _process_settings()
    if not several or not (every_layer or
                           layer.__dict__.get('_sync_statistics')):
        return False
    import torch.distributed as dist
    return dist.is_available() and dist.is_initialized()


_SETTINGS = []


def _process_settings():
    """(KERAS_COMPAT_SYNC_BATCH_NORM set, several torchrun processes), read
    once: neither changes while a process runs, and every training call of
    a BatchNormalization asks."""
    if not _SETTINGS:
        _SETTINGS.append((
            os.environ.get('KERAS_COMPAT_SYNC_BATCH_NORM', '').strip()
            .lower() in ('1', 'true', 'yes', 'on'),
            distributed.is_active()))
    return _SETTINGS[0]


class BatchNormalization(Layer):
    """Normalizes each feature over the batch (and other axes) during
    training, with moving averages for inference: momentum 0.99, epsilon
    1e-3, weights in Keras order gamma, beta, moving_mean,
    moving_variance. The moving variance is updated with the unbiased
    batch variance (n / (n - 1)) at every input rank, as Keras 2 did (its
    factor was n / (n - 1 - epsilon)) and as tf.keras's fused kernel does
    for 4-D and 5-D inputs normalised over their first or last axis. In a
    tf.keras program (see `common.api_flavour`) the other cases, and
    `fused=False`, use the biased one, as tf.keras does. A frozen layer
    (`trainable=False`) runs in inference mode in a tf.keras program; in
    a Keras 2 program it normalises with the batch statistics in training
    and leaves its moving statistics alone, as Keras 2 did."""

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True,
                 scale=True, beta_initializer='zeros',
                 gamma_initializer='ones', moving_mean_initializer='zeros',
                 moving_variance_initializer='ones', beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, fused=None, virtual_batch_size=None,
                 adjustment=None, **kwargs):
        mode_given = 'mode' in kwargs
        if mode_given:
            if kwargs.pop('mode') != 0:
                raise TypeError('The `mode` argument of `BatchNormalization` '
                                'no longer exists. `mode=1` and `mode=2` are '
                                'no longer supported.')
        args = interfaces.legacy_args(
            'BatchNormalization', kwargs, interfaces.BATCHNORM,
            {'beta_initializer': beta_initializer,
             'gamma_initializer': gamma_initializer}, converted=mode_given)
        super(BatchNormalization, self).__init__(**kwargs)
        if renorm:
            raise NotImplementedError('BatchNormalization(renorm=True) is '
                                      'not supported.')
        if virtual_batch_size is not None:
            raise NotImplementedError('BatchNormalization(virtual_batch_'
                                      'size=...) is not supported.')
        if adjustment is not None:
            raise NotImplementedError('BatchNormalization(adjustment=...) '
                                      'is not supported.')
        self.supports_masking = True
        self.axis = axis
        self.fused = fused
        self.momentum = momentum
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(args['beta_initializer'])
        self.gamma_initializer = initializers.get(args['gamma_initializer'])
        self.moving_mean_initializer = initializers.get(
            moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(
            moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def build(self, input_shape):
        ndim = len(input_shape)
        axis = self.axis if isinstance(self.axis, int) else self.axis[0]
        if isinstance(self.axis, (list, tuple)) and len(self.axis) != 1:
            raise NotImplementedError('BatchNormalization over several axes '
                                      '(%s) is not supported.' % (self.axis,))
        if not -ndim <= axis < ndim:
            if K.common.is_tf_keras():
                raise ValueError('Invalid value for `axis` argument. Expected '
                                 '0 <= axis < inputs.rank (with inputs.rank=%d)'
                                 '. Received: axis=%s' % (ndim, (axis,)))
            raise IndexError('tuple index out of range')
        axis = axis % ndim
        dim = input_shape[axis]
        if dim is None:
            raise ValueError('Axis ' + str(self.axis) + ' of input tensor '
                             'should have a defined dimension but the layer '
                             'received an input with shape ' +
                             str(input_shape) + '.')
        self._axis = axis
        self.input_spec = InputSpec(ndim=ndim, axes={axis: dim})
        shape = (dim,)
        _add_scale_and_offset(self, shape)
        self._add_torch_weight('moving_mean', shape,
                               self.moving_mean_initializer,
                               trainable=False, attr='moving_mean',
                               buffer=True)
        self._add_torch_weight('moving_variance', shape,
                               self.moving_variance_initializer,
                               trainable=False, attr='moving_variance',
                               buffer=True)
        self.built = True

    def call(self, inputs, training=None):
        if training is None:
            training = self.training
        # tf.keras runs a frozen layer in inference mode; Keras 2 in
        # training mode, with batch statistics and no updates.
        training = bool(training) and (self.trainable or
                                       not K.common.is_tf_keras())
        axis = self._axis
        biased = training and self._biased_moving_variance(inputs.dim())
        last = axis == inputs.dim() - 1
        if last and inputs.dim() > 2:
            # Channels-last: normalise the (N * spatial, C) view.
            flat = inputs.reshape(-1, inputs.shape[-1])
            out = self._batch_norm(flat, training, biased)
            return out.reshape(inputs.shape)
        if axis == 1 or inputs.dim() == 2:
            return self._batch_norm(inputs, training, biased)
        moved = inputs.movedim(axis, -1)
        flat = moved.reshape(-1, moved.shape[-1])
        out = self._batch_norm(flat, training, biased).reshape(moved.shape)
        return out.movedim(-1, axis)

    def _biased_moving_variance(self, ndim):
        """Whether the moving variance takes the biased batch variance:
        in a tf.keras program, where tf.keras would not run its fused
        kernel (other ranks or axes, or a compute dtype other than
        float16, bfloat16 and float32)."""
        if not K.common.is_tf_keras():
            return False
        fused = ndim in (4, 5) and self._axis in (1, ndim - 1) and \
            self.compute_dtype in ('float16', 'bfloat16', 'float32')
        return self.fused is False or not fused

    def _batch_norm(self, x, training, biased=False):
        if training and not K.common.in_inference_loop() and \
                _synchronizes(self):
            # Not in evaluate/predict under learning phase 1: there the
            # processes need not run the same number of batches.
            return self._synchronized_batch_norm(x, biased)
        if training and x.numel() == x.shape[1]:
            return self._one_value_per_channel(x)
        if training and not self._updates_moving_statistics():
            # predict/evaluate under learning phase 1, or a frozen model
            # being trained: batch statistics, moving statistics left
            # alone.
            return F.batch_norm(x, None, None, self.gamma, self.beta,
                                training=True, eps=self.epsilon)
        if training and biased:
            self._update_moving_statistics_biased(x)
            return F.batch_norm(x, None, None, self.gamma, self.beta,
                                training=True, eps=self.epsilon)
        return F.batch_norm(x, self.moving_mean, self.moving_variance,
                            self.gamma, self.beta, training=training,
                            momentum=1. - self.momentum, eps=self.epsilon)

    def _update_moving_statistics_biased(self, x):
        dims = [d for d in range(x.dim()) if d != 1]
        with torch.no_grad():
            var, mean = torch.var_mean(x.detach(), dim=dims, correction=0)
            self.moving_mean.lerp_(mean.to(self.moving_mean.dtype),
                                   1. - self.momentum)
            self.moving_variance.lerp_(var.to(self.moving_variance.dtype),
                                       1. - self.momentum)

    def _synchronized_batch_norm(self, x, biased=False):
        """Training-time batch normalisation with the statistics of the
        global batch: the per-process sums, sums of squares and counts are
        all-reduced (differentiably: the gradients flow back to every
        process's samples); the moving statistics take the global ones."""
        dtype = torch.float32 if x.dtype in (torch.float16,
                                             torch.bfloat16) else x.dtype
        xs = x.to(dtype)
        channels = x.shape[1]
        dims = [d for d in range(x.dim()) if d != 1]
        count = torch.full((1,), float(x.numel() // max(channels, 1)),
                           dtype=dtype, device=x.device)
        total = _AllReduceSum.apply(torch.cat(
            [xs.sum(dims), (xs * xs).sum(dims), count]))
        n = total[-1]
        mean = total[:channels] / n
        var = (total[channels:2 * channels] / n - mean * mean).clamp_min(0.)
        if self._updates_moving_statistics():
            with torch.no_grad():
                # Unbiased, read on the device (one sample: a variance of
                # 0, as TensorFlow has it).
                unbiased = var if biased else \
                    var * n / (n - 1.).clamp_min(1.)
                self.moving_mean.mul_(self.momentum).add_(
                    mean.to(self.moving_mean.dtype) * (1. - self.momentum))
                self.moving_variance.mul_(self.momentum).add_(
                    unbiased.to(self.moving_variance.dtype) *
                    (1. - self.momentum))
        view = (1, channels) + (1,) * (x.dim() - 2)
        out = (xs - mean.reshape(view)) * torch.rsqrt(
            var + self.epsilon).reshape(view)
        if self.gamma is not None:
            out = out * self.gamma.reshape(view)
        if self.beta is not None:
            out = out + self.beta.reshape(view)
        return out.to(x.dtype)

    def _updates_moving_statistics(self):
        return not (K.common.in_inference_loop() or
                    self.__dict__.get('_frozen_container'))

    def _state_update_variables(self):
        # Keras 2 adds the updates when the layer is called without
        # training=False.
        if not self.built or self.__dict__.get('_may_update') is False:
            return []
        return [self.moving_mean, self.moving_variance]

    def _symbolic_call(self, inputs, *args, **kwargs):
        if kwargs.get('training') is not False:
            self._may_update = True
        elif '_may_update' not in self.__dict__:
            self._may_update = False
        return super(BatchNormalization, self)._symbolic_call(
            inputs, *args, **kwargs)

    def _one_value_per_channel(self, x):
        """A training batch with a single value per channel: its variance
        is 0, so the output is beta and the moving variance decays towards
        0, as TensorFlow computes it (torch's kernel refuses the batch)."""
        if self._updates_moving_statistics():
            with torch.no_grad():
                self.moving_mean.mul_(self.momentum).add_(
                    x.detach().reshape(-1) * (1. - self.momentum))
                self.moving_variance.mul_(self.momentum)
        view = (1, x.shape[1]) + (1,) * (x.dim() - 2)
        out = torch.zeros_like(x)
        if self.gamma is not None:
            out = out * self.gamma.reshape(view)
        if self.beta is not None:
            out = out + self.beta.reshape(view)
        return out

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = {
            'axis': self.axis, 'momentum': self.momentum,
            'epsilon': self.epsilon, 'center': self.center,
            'scale': self.scale,
            'beta_initializer': initializers.serialize(self.beta_initializer),
            'gamma_initializer': initializers.serialize(
                self.gamma_initializer),
            'moving_mean_initializer': initializers.serialize(
                self.moving_mean_initializer),
            'moving_variance_initializer': initializers.serialize(
                self.moving_variance_initializer),
            'beta_regularizer': regularizers.serialize(self.beta_regularizer),
            'gamma_regularizer': regularizers.serialize(
                self.gamma_regularizer),
            'beta_constraint': constraints.serialize(self.beta_constraint),
            'gamma_constraint': constraints.serialize(self.gamma_constraint),
        }
        base_config = super(BatchNormalization, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


class SyncBatchNormalization(BatchNormalization):
    """tf.keras's `layers.experimental.SyncBatchNormalization`: a
    BatchNormalization whose training statistics are those of the global
    batch when the script runs as several torchrun processes (sums
    all-reduced over the processes); in one process it is
    BatchNormalization. Same weights and config."""

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True,
                 scale=True, beta_initializer='zeros',
                 gamma_initializer='ones', moving_mean_initializer='zeros',
                 moving_variance_initializer='ones', beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        if kwargs.pop('fused', None):
            raise ValueError('`fused` argument cannot be True for '
                             'SyncBatchNormalization.')
        super(SyncBatchNormalization, self).__init__(
            axis=axis, momentum=momentum, epsilon=epsilon, center=center,
            scale=scale, beta_initializer=beta_initializer,
            gamma_initializer=gamma_initializer,
            moving_mean_initializer=moving_mean_initializer,
            moving_variance_initializer=moving_variance_initializer,
            beta_regularizer=beta_regularizer,
            gamma_regularizer=gamma_regularizer,
            beta_constraint=beta_constraint,
            gamma_constraint=gamma_constraint, **kwargs)
        self._sync_statistics = True


class LayerNormalization(Layer):
    """Normalizes each sample over `axis` (the last by default), with a
    learned scale and offset (tf.keras's LayerNormalization)."""

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer='zeros', gamma_initializer='ones',
                 beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        super(LayerNormalization, self).__init__(**kwargs)
        self.axis = axis
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.supports_masking = True
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def build(self, input_shape):
        ndim = len(input_shape)
        axes = self.axis if isinstance(self.axis, (list, tuple)) else \
            [self.axis]
        self._axes = sorted(a % ndim for a in axes)
        shape = tuple(input_shape[a] for a in self._axes)
        _add_scale_and_offset(self, shape)
        self.built = True

    def call(self, inputs):
        axes = self._axes
        ndim = inputs.dim()
        if axes == list(range(ndim - len(axes), ndim)):
            return F.layer_norm(inputs, inputs.shape[ndim - len(axes):],
                                self.gamma, self.beta, self.epsilon)
        mean = inputs.mean(dim=axes, keepdim=True)
        var = inputs.var(dim=axes, unbiased=False, keepdim=True)
        out = (inputs - mean) * torch.rsqrt(var + self.epsilon)
        shape = [1] * ndim
        for a in axes:
            shape[a] = inputs.shape[a]
        if self.gamma is not None:
            out = out * self.gamma.reshape(shape)
        if self.beta is not None:
            out = out + self.beta.reshape(shape)
        return out

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = {
            'axis': self.axis, 'epsilon': self.epsilon,
            'center': self.center, 'scale': self.scale,
            'beta_initializer': initializers.serialize(self.beta_initializer),
            'gamma_initializer': initializers.serialize(
                self.gamma_initializer),
            'beta_regularizer': regularizers.serialize(self.beta_regularizer),
            'gamma_regularizer': regularizers.serialize(
                self.gamma_regularizer),
            'beta_constraint': constraints.serialize(self.beta_constraint),
            'gamma_constraint': constraints.serialize(self.gamma_constraint),
        }
        base_config = super(LayerNormalization, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))
