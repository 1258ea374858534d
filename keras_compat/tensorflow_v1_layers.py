"""TensorFlow 1's `tf.layers` (`tf.compat.v1.layers`): `dense`, `conv2d`,
`max_pooling2d`, `dropout`, `batch_normalization`, `flatten`, ... and
their classes (`tf.layers.Dense`, ...).

Each layer makes its variables with `tf.get_variable` inside the variable
scope named by `name`, or by a unique default ('dense', 'dense_1'), so
that they are named 'dense/kernel:0', shared with `reuse=True` or
`tf.AUTO_REUSE` (or an enclosing reusing scope), listed in the variable
collections, and their regularization losses are in
REGULARIZATION_LOSSES. Batch normalization's moving-average updates go
to the UPDATE_OPS collection, as TensorFlow 1's do."""
import numpy as np
import torch

from . import activations as _activations
from . import backend as K
from .backend import ops as _ops
from . import tensorflow_variables as _tv


def _symbolic_op(fn, name):
    fn.__name__ = name
    return _ops._symbolic_aware(fn)


def _tuple(value, n):
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    return tuple(int(v) for v in value)


def _format(data_format):
    if data_format not in ('channels_last', 'channels_first'):
        raise ValueError('The `data_format` argument must be one of '
                         '"channels_first", "channels_last". Received: %r'
                         % (data_format,))
    return data_format


def _activation(activation):
    if activation is None:
        return lambda x: x
    return _activations.get(activation) if isinstance(activation, str) \
        else activation


def _unsupported(layer, **arguments):
    for key, value in arguments.items():
        if value is not None:
            raise NotImplementedError(
                'tf.layers.%s(%s=...) is not supported; apply it to the '
                "layer's output or variables with tf operations."
                % (layer, key))


class Layer(object):
    """TensorFlow 1's layer base: named at creation ('dense', 'dense_1'
    unless `name` is given), its variables made on the first call inside
    the variable scope of its name and reused by later calls."""

    _base_name = 'layer'

    def __init__(self, trainable=True, name=None, dtype=None,
                 _reuse=None, **kwargs):
        self.trainable = trainable
        self._given_name = name
        self._reuse = _reuse
        self.dtype = dtype
        self.built = False
        self._scope = None
        self._variables = []
        self.name = name

    # ----------------------------------------------------------- calling
    def __call__(self, inputs, *args, **kwargs):
        if self._scope is None:
            self._enter_first(inputs)
        return self.call(inputs, *args, **kwargs)

    apply = __call__

    def _enter_first(self, inputs):
        with _tv.variable_scope(self._given_name,
                                default_name=self._base_name,
                                reuse=self._reuse) as scope:
            self._scope = scope
            self.name = scope.name.rsplit('/', 1)[-1]
            self.build(tuple(K.int_shape(inputs)))
            self.built = True

    def build(self, input_shape):
        self.built = True

    def add_weight(self, name, shape, initializer=None, regularizer=None,
                   trainable=True, constraint=None, dtype=None):
        """A variable of the layer: `tf.get_variable(name, ...)` in its
        scope."""
        variable = _tv.get_variable(
            name, shape=shape, initializer=initializer,
            regularizer=regularizer, dtype=dtype or self.dtype,
            trainable=trainable and self.trainable, constraint=constraint)
        self._variables.append(variable)
        return variable

    add_variable = add_weight

    # --------------------------------------------------------- variables
    @property
    def variables(self):
        return list(self._variables)

    weights = variables

    @property
    def trainable_variables(self):
        trainable = {id(v) for v in _tv.trainable_variables()}
        return [v for v in self._variables if id(v) in trainable]

    trainable_weights = trainable_variables

    @property
    def non_trainable_variables(self):
        trainable = {id(v) for v in self.trainable_variables}
        return [v for v in self._variables if id(v) not in trainable]

    non_trainable_weights = non_trainable_variables

    @property
    def scope_name(self):
        return self._scope.name if self._scope is not None else None

    def get_weights(self):
        return [np.asarray(K.get_value(v)) for v in self._variables]

    def set_weights(self, weights):
        for variable, value in zip(self._variables, weights):
            K.set_value(variable, value)


# ------------------------------------------------------------------ Dense
class Dense(Layer):
    """`tf.layers.Dense(units, activation, use_bias, kernel_initializer,
    ...)`: `activation(inputs @ kernel + bias)` over the last axis."""

    _base_name = 'dense'

    def __init__(self, units, activation=None, use_bias=True,
                 kernel_initializer=None,
                 bias_initializer='zeros', kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None,
                 trainable=True, name=None, **kwargs):
        _unsupported('Dense', activity_regularizer=activity_regularizer)
        Layer.__init__(self, trainable=trainable, name=name, **kwargs)
        self.units = int(units)
        self.activation = _activation(activation)
        self.use_bias = use_bias
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = _initializer(bias_initializer)
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint

    def build(self, input_shape):
        self.kernel = self.add_weight(
            'kernel', [input_shape[-1], self.units],
            _initializer(self.kernel_initializer), self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.bias = self.add_weight(
            'bias', [self.units], self.bias_initializer,
            self.bias_regularizer,
            constraint=self.bias_constraint) if self.use_bias else None

    def call(self, inputs):
        activation = self.activation

        def dense(x, kernel, bias):
            y = torch.matmul(x, kernel.to(x.dtype))
            return activation(y if bias is None else y + bias)
        return _symbolic_op(dense, 'dense')(inputs, self.kernel, self.bias)


def _initializer(initializer):
    """An initializer object from a Keras name ('zeros'), or as given
    (None: tf.get_variable's Glorot uniform default)."""
    if isinstance(initializer, str):
        from . import initializers
        return initializers.get(initializer)
    return initializer


# ---------------------------------------------------------- convolutions
class _Conv(Layer):
    """A convolution of `rank` spatial axes: `activation(conv(inputs,
    kernel) + bias)`."""

    rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding='valid',
                 data_format='channels_last', dilation_rate=1,
                 activation=None, use_bias=True, kernel_initializer=None,
                 bias_initializer='zeros', kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None,
                 trainable=True, name=None, **kwargs):
        _unsupported(type(self).__name__,
                     activity_regularizer=activity_regularizer)
        Layer.__init__(self, trainable=trainable, name=name, **kwargs)
        self.filters = int(filters)
        self.kernel_size = _tuple(kernel_size, self.rank)
        self.strides = _tuple(strides, self.rank)
        self.padding = padding.lower()
        self.data_format = _format(data_format)
        self.dilation_rate = _tuple(dilation_rate, self.rank)
        self.activation = _activation(activation)
        self.use_bias = use_bias
        self.kernel_initializer = _initializer(kernel_initializer)
        self.bias_initializer = _initializer(bias_initializer)
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint

    def _channels(self, input_shape):
        return input_shape[-1 if self.data_format == 'channels_last' else 1]

    def _kernel_shape(self, channels):
        return list(self.kernel_size) + [channels, self.filters]

    def build(self, input_shape):
        self.kernel = self.add_weight(
            'kernel', self._kernel_shape(self._channels(input_shape)),
            self.kernel_initializer, self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.bias = self.add_weight(
            'bias', [self.filters], self.bias_initializer,
            self.bias_regularizer,
            constraint=self.bias_constraint) if self.use_bias else None

    def _convolve(self, x, kernel):
        conv = {1: K.conv1d, 2: K.conv2d, 3: K.conv3d}[self.rank]
        strides = self.strides[0] if self.rank == 1 else self.strides
        dilation = self.dilation_rate[0] if self.rank == 1 \
            else self.dilation_rate
        return conv(x, kernel, strides=strides, padding=self.padding,
                    data_format=self.data_format, dilation_rate=dilation)

    def _weights(self):
        return (self.kernel,)

    def call(self, inputs):
        def convolution(x, bias, *kernels):
            y = self._convolve(x, *kernels)
            if bias is not None:
                y = K.bias_add(y, bias, data_format=self.data_format)
            return self.activation(y)
        return _symbolic_op(convolution, type(self).__name__.lower())(
            inputs, self.bias, *self._weights())


class Conv1D(_Conv):
    """`tf.layers.Conv1D`: kernel (width, in, filters)."""
    rank = 1
    _base_name = 'conv1d'


class Conv2D(_Conv):
    """`tf.layers.Conv2D`: kernel (rows, cols, in, filters)."""
    rank = 2
    _base_name = 'conv2d'


class Conv3D(_Conv):
    """`tf.layers.Conv3D`: kernel (d1, d2, d3, in, filters)."""
    rank = 3
    _base_name = 'conv3d'


class Conv2DTranspose(_Conv):
    """`tf.layers.Conv2DTranspose`: kernel (rows, cols, filters, in)."""
    rank = 2
    _base_name = 'conv2d_transpose'

    def _kernel_shape(self, channels):
        return list(self.kernel_size) + [self.filters, channels]

    def _convolve(self, x, kernel):
        axes = (1, 2) if self.data_format == 'channels_last' else (2, 3)
        size = []
        for i, axis in enumerate(axes):
            n, k, s = x.shape[axis], self.kernel_size[i], self.strides[i]
            size.append(n * s if self.padding == 'same'
                        else n * s + max(k - s, 0))
        shape = [x.shape[0]] + size + [self.filters] \
            if self.data_format == 'channels_last' \
            else [x.shape[0], self.filters] + size
        return K.conv2d_transpose(x, kernel, tuple(shape),
                                  strides=self.strides,
                                  padding=self.padding,
                                  data_format=self.data_format,
                                  dilation_rate=self.dilation_rate)


class SeparableConv2D(_Conv):
    """`tf.layers.SeparableConv2D`: a depthwise kernel (rows, cols, in,
    depth_multiplier) and a pointwise one (1, 1, in * multiplier,
    filters)."""
    rank = 2
    _base_name = 'separable_conv2d'

    def __init__(self, filters, kernel_size, strides=(1, 1), padding='valid',
                 data_format='channels_last', dilation_rate=(1, 1),
                 depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer=None, pointwise_initializer=None,
                 bias_initializer='zeros', depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None,
                 trainable=True, name=None, **kwargs):
        _Conv.__init__(self, filters, kernel_size, strides, padding,
                       data_format, dilation_rate, activation, use_bias,
                       None, bias_initializer, None, bias_regularizer,
                       activity_regularizer, None, bias_constraint,
                       trainable, name, **kwargs)
        self.depth_multiplier = int(depth_multiplier)
        self.depthwise = (_initializer(depthwise_initializer),
                          depthwise_regularizer, depthwise_constraint)
        self.pointwise = (_initializer(pointwise_initializer),
                          pointwise_regularizer, pointwise_constraint)

    def build(self, input_shape):
        channels = self._channels(input_shape)
        init, reg, constraint = self.depthwise
        self.depthwise_kernel = self.add_weight(
            'depthwise_kernel',
            list(self.kernel_size) + [channels, self.depth_multiplier],
            init, reg, constraint=constraint)
        init, reg, constraint = self.pointwise
        self.pointwise_kernel = self.add_weight(
            'pointwise_kernel',
            [1, 1, channels * self.depth_multiplier, self.filters],
            init, reg, constraint=constraint)
        self.bias = self.add_weight(
            'bias', [self.filters], self.bias_initializer,
            self.bias_regularizer,
            constraint=self.bias_constraint) if self.use_bias else None

    def _weights(self):
        return (self.depthwise_kernel, self.pointwise_kernel)

    def _convolve(self, x, depthwise, pointwise):
        return K.separable_conv2d(x, depthwise, pointwise,
                                  strides=self.strides, padding=self.padding,
                                  data_format=self.data_format,
                                  dilation_rate=self.dilation_rate)


# --------------------------------------------------------------- pooling
class _Pooling(Layer):
    """Max or average pooling over `rank` spatial axes."""

    rank, mode = 2, 'max'

    def __init__(self, pool_size, strides, padding='valid',
                 data_format='channels_last', name=None, **kwargs):
        Layer.__init__(self, name=name, **kwargs)
        self.pool_size = _tuple(pool_size, self.rank)
        self.strides = _tuple(strides, self.rank)
        self.padding = padding.lower()
        self.data_format = _format(data_format)

    def call(self, inputs):
        def pool(x):
            if self.rank == 1:
                axis = 2 if self.data_format == 'channels_last' else 3
                y = K.pool2d(x.unsqueeze(axis), self.pool_size + (1,),
                             self.strides + (1,), self.padding,
                             self.data_format, self.mode)
                return y.squeeze(axis)
            fn = K.pool2d if self.rank == 2 else K.pool3d
            return fn(x, self.pool_size, self.strides, self.padding,
                      self.data_format, self.mode)
        return _symbolic_op(pool, self._base_name)(inputs)


def _pooling_class(name, rank, mode, base):
    doc = '`tf.layers.%s(pool_size, strides, padding, data_format)`.' % name
    return type(name, (_Pooling,), {'rank': rank, 'mode': mode,
                                    '_base_name': base, '__doc__': doc})


MaxPooling1D = _pooling_class('MaxPooling1D', 1, 'max', 'max_pooling1d')
MaxPooling2D = _pooling_class('MaxPooling2D', 2, 'max', 'max_pooling2d')
MaxPooling3D = _pooling_class('MaxPooling3D', 3, 'max', 'max_pooling3d')
AveragePooling1D = _pooling_class('AveragePooling1D', 1, 'avg',
                                  'average_pooling1d')
AveragePooling2D = _pooling_class('AveragePooling2D', 2, 'avg',
                                  'average_pooling2d')
AveragePooling3D = _pooling_class('AveragePooling3D', 3, 'avg',
                                  'average_pooling3d')


# --------------------------------------------------------- flatten, dropout
class Flatten(Layer):
    """`tf.layers.Flatten`: (batch, ...) to (batch, -1)."""

    _base_name = 'flatten'

    def __init__(self, data_format='channels_last', name=None, **kwargs):
        Layer.__init__(self, name=name, **kwargs)
        self.data_format = _format(data_format)

    def call(self, inputs):
        def flatten(x):
            if self.data_format == 'channels_first' and x.dim() > 2:
                x = x.permute(0, *range(2, x.dim()), 1)
            return x.reshape(x.shape[0], -1)
        return _symbolic_op(flatten, 'flatten')(inputs)


def _is_training(training):
    if isinstance(training, torch.Tensor):
        return bool(training.reshape(-1)[0])
    return bool(training)


class Dropout(Layer):
    """`tf.layers.Dropout(rate)`: called with `training` (a bool or a
    boolean placeholder fed per run), drops each value with probability
    `rate` and scales the kept ones by 1 / (1 - rate); the identity when
    not training."""

    _base_name = 'dropout'

    def __init__(self, rate=0.5, noise_shape=None, seed=None, name=None,
                 **kwargs):
        Layer.__init__(self, name=name, **kwargs)
        self.rate = rate
        self.noise_shape = noise_shape
        self.seed = seed

    def call(self, inputs, training=False):
        def dropout(x, training, rate):
            rate = float(rate)
            if not _is_training(training) or rate <= 0.:
                return x
            shape = x.shape if self.noise_shape is None else \
                [x.shape[i] if d is None else int(d)
                 for i, d in enumerate(self.noise_shape)]
            keep = (torch.rand(shape, device=x.device) >= rate).to(x.dtype)
            return x * keep / (1. - rate)
        return _symbolic_op(dropout, 'dropout')(inputs, training, self.rate)


# ---------------------------------------------------- batch normalization
class BatchNormalization(Layer):
    """`tf.layers.BatchNormalization(axis=-1, momentum=0.99, epsilon=1e-3,
    ...)`, called with `training`: normalizes by the batch's mean and
    (biased) variance when training, else by the moving ones; the
    moving-average updates are added to the UPDATE_OPS collection, which
    programs run with the training operation."""

    _base_name = 'batch_normalization'

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True,
                 scale=True, beta_initializer='zeros',
                 gamma_initializer='ones',
                 moving_mean_initializer='zeros',
                 moving_variance_initializer='ones', beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, fused=None, trainable=True,
                 virtual_batch_size=None, adjustment=None, name=None,
                 **kwargs):
        if renorm or virtual_batch_size is not None or \
                adjustment is not None:
            raise NotImplementedError(
                'tf.layers.BatchNormalization(renorm=..., '
                'virtual_batch_size=..., adjustment=...) is not supported; '
                'use plain batch normalization.')
        Layer.__init__(self, trainable=trainable, name=name, **kwargs)
        self.axis = axis
        self.momentum = momentum
        self.epsilon = epsilon
        self.center, self.scale = center, scale
        self.initializers = [_initializer(i) for i in (
            gamma_initializer, beta_initializer, moving_mean_initializer,
            moving_variance_initializer)]
        self.gamma_regularizer = gamma_regularizer
        self.beta_regularizer = beta_regularizer
        self.gamma_constraint = gamma_constraint
        self.beta_constraint = beta_constraint
        self.fused = fused

    def build(self, input_shape):
        axis = self.axis if isinstance(self.axis, int) else self.axis[0]
        self._axis = axis % len(input_shape)
        # TensorFlow's fused kernel (4D inputs) updates the moving
        # variance with the unbiased batch variance.
        self._unbiased = len(input_shape) == 4 and self.fused is not False \
            and self._axis in (1, 3)
        n = [input_shape[self._axis]]
        gamma_init, beta_init, mean_init, var_init = self.initializers
        self.gamma = self.add_weight(
            'gamma', n, gamma_init, self.gamma_regularizer,
            constraint=self.gamma_constraint) if self.scale else None
        self.beta = self.add_weight(
            'beta', n, beta_init, self.beta_regularizer,
            constraint=self.beta_constraint) if self.center else None
        self.moving_mean = self.add_weight('moving_mean', n, mean_init,
                                           trainable=False)
        self.moving_variance = self.add_weight('moving_variance', n,
                                               var_init, trainable=False)

    def _moments(self, x):
        dims = [d for d in range(x.dim()) if d != self._axis]
        mean = x.mean(dim=dims)
        variance = x.var(dim=dims, unbiased=False)
        return mean, variance, x.numel() // mean.numel()

    def _broadcast(self, v, x):
        shape = [1] * x.dim()
        shape[self._axis] = -1
        return v.reshape(shape)

    def call(self, inputs, training=False):
        from . import tensorflow_compat as tf

        def normalize(x, training, gamma, beta, mean, variance):
            if _is_training(training):
                mean, variance, _ = self._moments(x)
            y = (x - self._broadcast(mean, x)) * torch.rsqrt(
                self._broadcast(variance, x) + self.epsilon)
            if gamma is not None:
                y = y * self._broadcast(gamma, x)
            return y + self._broadcast(beta, x) if beta is not None else y

        def moving(which):
            def update(x, training, moving_value):
                if not _is_training(training):
                    return moving_value.detach().clone()
                mean, variance, n = self._moments(x.detach())
                value = mean if which == 0 else variance
                if which == 1 and self._unbiased and n > 1:
                    value = value * n / (n - 1.)
                return moving_value.detach() - \
                    (moving_value.detach() - value) * (1. - self.momentum)
            return update

        for which, variable in enumerate((self.moving_mean,
                                          self.moving_variance)):
            new = _symbolic_op(moving(which), 'AssignMovingAvg')(
                inputs, training, variable)
            _tv.add_to_collection(_tv.GraphKeys.UPDATE_OPS,
                                  tf.assign(variable, new))
        return _symbolic_op(normalize, 'batch_normalization')(
            inputs, training, self.gamma, self.beta, self.moving_mean,
            self.moving_variance)


# -------------------------------------------------------------- functions
def _functional(cls, call_arguments=()):
    """The function form of layer class `cls`: makes the layer from the
    arguments and calls it on `inputs` (with `training` where the layer
    takes it)."""
    def layer_function(inputs, *args, **kwargs):
        call = {k: kwargs.pop(k) for k in call_arguments if k in kwargs}
        reuse = kwargs.pop('reuse', None)
        layer = cls(*args, _reuse=reuse, **kwargs)
        return layer(inputs, **call)
    layer_function.__doc__ = 'The function form of %s.' % cls.__name__
    return layer_function


dense = _functional(Dense)
conv1d = _functional(Conv1D)
conv2d = _functional(Conv2D)
conv3d = _functional(Conv3D)
conv2d_transpose = _functional(Conv2DTranspose)
separable_conv2d = _functional(SeparableConv2D)
max_pooling1d = _functional(MaxPooling1D)
max_pooling2d = _functional(MaxPooling2D)
max_pooling3d = _functional(MaxPooling3D)
average_pooling1d = _functional(AveragePooling1D)
average_pooling2d = _functional(AveragePooling2D)
average_pooling3d = _functional(AveragePooling3D)
flatten = _functional(Flatten)
dropout = _functional(Dropout, ('training',))
batch_normalization = _functional(BatchNormalization, ('training',))

Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
Convolution2DTranspose, Deconvolution2D = Conv2DTranspose, Conv2DTranspose
SeparableConvolution2D = SeparableConv2D
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AveragePool1D, AveragePool2D, AveragePool3D = \
    AveragePooling1D, AveragePooling2D, AveragePooling3D
