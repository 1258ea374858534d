"""Core layers: Dense, Activation, Dropout, Flatten, Reshape, Permute,
RepeatVector, Lambda, Masking, ActivityRegularization, SpatialDropout."""
import types

import numpy as np
import torch
import torch.nn.functional as F

from .. import backend as K
from ..backend import immutable
from ..utils import argument_validation
from .. import activations, initializers, regularizers, constraints
from ..engine.base_layer import Layer, InputSpec
from ..engine.input_layer import InputLayer, Input  # noqa: F401
from ..legacy import interfaces
from ..utils.generic_utils import (func_dump, func_load, has_arg,
                                   deserialize_keras_object)


def _activation_config(fn):
    return activations.serialize(fn)


def set_kernel_bias_options(layer, activation, use_bias, kernel_initializer,
                            bias_initializer, kernel_regularizer,
                            bias_regularizer, activity_regularizer,
                            kernel_constraint, bias_constraint):
    """Stores the activation and the kernel/bias options of a Dense, Conv
    or LocallyConnected layer, resolved from names or configs."""
    layer.activation = activations.get(activation)
    layer.use_bias = use_bias
    layer.kernel_initializer = initializers.get(kernel_initializer)
    layer.bias_initializer = initializers.get(bias_initializer)
    layer.kernel_regularizer = regularizers.get(kernel_regularizer)
    layer.bias_regularizer = regularizers.get(bias_regularizer)
    layer.activity_regularizer = regularizers.get(activity_regularizer)
    layer.kernel_constraint = constraints.get(kernel_constraint)
    layer.bias_constraint = constraints.get(bias_constraint)


def kernel_bias_config(layer):
    """The config entries of a layer with a kernel and a bias: their
    initializers, regularizers (and the activity regularizer) and
    constraints, in Keras 2's order."""
    return {
        'kernel_initializer': initializers.serialize(
            layer.kernel_initializer),
        'bias_initializer': initializers.serialize(layer.bias_initializer),
        'kernel_regularizer': regularizers.serialize(
            layer.kernel_regularizer),
        'bias_regularizer': regularizers.serialize(layer.bias_regularizer),
        'activity_regularizer': regularizers.serialize(
            layer.activity_regularizer),
        'kernel_constraint': constraints.serialize(layer.kernel_constraint),
        'bias_constraint': constraints.serialize(layer.bias_constraint),
    }


class Dense(Layer):
    """Densely-connected layer: `activation(dot(input, kernel) + bias)`.

    The kernel has Keras's shape `(input_dim, units)` with column-major
    memory (the memory of torch's `(units, input_dim)` Linear weight), so
    `torch.addmm` reads it as `F.linear` reads a Linear weight: with few
    rows (prediction on single samples), a row-major kernel makes the
    matrix-vector product about 2.5 times slower on large layers. Inputs of
    rank > 2 are multiplied along their last axis."""

    def __init__(self, units=None, activation=None, use_bias=True,
                 kernel_initializer='glorot_uniform',
                 bias_initializer='zeros', kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        args = interfaces.legacy_args('Dense', kwargs, interfaces.DENSE, {
            'units': units, 'kernel_initializer': kernel_initializer,
            'kernel_regularizer': kernel_regularizer,
            'bias_regularizer': bias_regularizer,
            'kernel_constraint': kernel_constraint,
            'bias_constraint': bias_constraint, 'use_bias': use_bias})
        units = args['units']
        kernel_initializer = args['kernel_initializer']
        kernel_regularizer = args['kernel_regularizer']
        bias_regularizer = args['bias_regularizer']
        kernel_constraint = args['kernel_constraint']
        bias_constraint = args['bias_constraint']
        use_bias = args['use_bias']
        if units is None:
            raise TypeError("Dense() missing required argument: 'units'")
        super(Dense, self).__init__(**kwargs)
        self.units = argument_validation.units(units)
        set_kernel_bias_options(
            self, activation, use_bias, kernel_initializer, bias_initializer,
            kernel_regularizer, bias_regularizer, activity_regularizer,
            kernel_constraint, bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        assert len(input_shape) >= 2
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError('The last dimension of the inputs to a Dense '
                             'layer should be defined. Found None. Full input '
                             'shape received: %s' % (tuple(input_shape),))
        self.kernel = self.add_weight(shape=(input_dim, self.units),
                                      initializer=self.kernel_initializer,
                                      name='kernel',
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        with torch.no_grad():
            # Column-major; gradients and optimizer slots follow the
            # parameter's strides.
            self.kernel.data = self.kernel.data.t().contiguous().t()
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.units,),
                                        initializer=self.bias_initializer,
                                        name='bias',
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True

    def call(self, inputs):
        if K.is_sparse(inputs):
            # (tf.keras multiplies a tf.SparseTensor's entries with the
            # kernel rows they name: the product with its dense form.)
            inputs = K.to_dense(inputs)
        if not inputs.is_floating_point() and K.common.is_tf_keras():
            # tf.keras's Dense casts integer inputs to its dtype.
            inputs = inputs.to(self.kernel.dtype)
        if inputs.dim() == 2:
            if self.bias is not None:
                output = torch.addmm(self.bias, inputs, self.kernel)
            else:
                output = torch.mm(inputs, self.kernel)
        else:
            output = F.linear(inputs, self.kernel.t(), self.bias)
        if self.activation is not activations.linear:
            output = activations._apply_to_own_output(
                self.activation, output)
        return output

    def compute_output_shape(self, input_shape):
        assert input_shape and len(input_shape) >= 2
        assert input_shape[-1]
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = {
            'units': self.units,
            'activation': _activation_config(self.activation),
            'use_bias': self.use_bias,
        }
        config.update(kernel_bias_config(self))
        base_config = super(Dense, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))

    def extra_repr(self):
        return 'name=%r, units=%d, activation=%s' % (
            self.name, self.units, getattr(self.activation, '__name__',
                                           self.activation))


class Activation(Layer):
    """Applies an activation function (a name or a callable)."""

    def __init__(self, activation, **kwargs):
        super(Activation, self).__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = {'activation': _activation_config(self.activation)}
        base_config = super(Activation, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))

    def extra_repr(self):
        return 'name=%r, activation=%s' % (
            self.name, getattr(self.activation, '__name__', self.activation))


def _keep_mask(x, rate, noise_shape=None, generator=None):
    """A {0, 1/(1-rate)} tensor that keeps each entry with probability
    1 - rate (broadcast over `noise_shape` axes of size 1); drawn from
    `generator` (a CPU generator) when one is given."""
    shape = x.shape if noise_shape is None else noise_shape
    keep = 1. - rate
    if generator is not None:
        draw = torch.rand(shape, generator=generator).to(x.device, x.dtype)
    else:
        draw = torch.rand(shape, device=x.device, dtype=x.dtype)
    # In place on the uniform draw: no boolean tensor, no conversion.
    return draw.lt_(keep).mul_(1. / keep)


def seed_generator(layer):
    """The CPU generator a layer with a `seed` draws its masks from,
    seeded on first use; None without a seed. As with a Keras 2 op seed,
    each call draws new masks, and a run repeats the same sequence of
    masks on every device."""
    if layer.seed is None:
        return None
    generator = layer.__dict__.get('_seed_generator')
    if generator is None:
        generator = torch.Generator(device='cpu')
        generator.manual_seed(int(layer.seed))
        layer.__dict__['_seed_generator'] = generator
    return generator


class Dropout(Layer):
    """Sets a fraction `rate` of inputs to 0 during training and scales the
    rest by 1 / (1 - rate); the identity at inference. With a `seed`, the
    layer draws its masks from its own generator, so that a run repeats
    the same masks."""

    def __init__(self, rate=None, noise_shape=None, seed=None, **kwargs):
        if rate is None:
            rate = interfaces.legacy_args('Dropout', kwargs,
                                          interfaces.DROPOUT,
                                          {'rate': rate})['rate']
            if rate is None:
                raise TypeError("Dropout() missing required argument: "
                                "'rate'")
        super(Dropout, self).__init__(**kwargs)
        self.rate = argument_validation.dropout_rate(rate)
        self.noise_shape = noise_shape
        self.seed = seed
        self.supports_masking = True

    def _get_noise_shape(self, inputs):
        if self.noise_shape is None:
            return None
        return tuple(inputs.shape[i] if d is None else d
                     for i, d in enumerate(self.noise_shape))

    def call(self, inputs, training=None):
        if training is None:
            training = self.training
        if not training or not 0. < self.rate < 1.:
            return inputs
        generator = seed_generator(self)
        if self.noise_shape is None and inputs.is_cuda and \
                generator is None:
            # One fused kernel on CUDA. On CPU, torch's Bernoulli draw is
            # about 3x slower than the uniform-threshold mask below.
            return F.dropout(inputs, self.rate, training=True)
        return inputs * _keep_mask(inputs, self.rate,
                                   self._get_noise_shape(inputs), generator)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = {'rate': self.rate, 'noise_shape': self.noise_shape,
                  'seed': self.seed}
        base_config = super(Dropout, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))

    def extra_repr(self):
        return 'name=%r, rate=%g' % (self.name, self.rate)


class SpatialDropout1D(Dropout):
    """Drops whole feature maps of (batch, steps, channels) inputs."""

    def __init__(self, rate=None, **kwargs):
        if rate is None:
            rate = interfaces.legacy_args('SpatialDropout1D', kwargs,
                                          interfaces.DROPOUT,
                                          {'rate': rate})['rate']
        super(SpatialDropout1D, self).__init__(rate, **kwargs)
        self.input_spec = InputSpec(ndim=3)

    def _get_noise_shape(self, inputs):
        return (inputs.shape[0], 1, inputs.shape[2])

    def get_config(self):
        config = super(SpatialDropout1D, self).get_config()
        config.pop('noise_shape', None)
        config.pop('seed', None)
        return config


class _SpatialDropoutND(Dropout):
    _rank = 2

    def __init__(self, rate=None, data_format=None, **kwargs):
        args = interfaces.legacy_args(
            type(self).__name__, kwargs,
            interfaces.DROPOUT + interfaces.DATA_FORMAT,
            {'rate': rate, 'data_format': data_format})
        rate, data_format = args['rate'], args['data_format']
        super(_SpatialDropoutND, self).__init__(rate, **kwargs)
        self.data_format = K.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def _get_noise_shape(self, inputs):
        ones = (1,) * self._rank
        if self.data_format == 'channels_first':
            return (inputs.shape[0], inputs.shape[1]) + ones
        return (inputs.shape[0],) + ones + (inputs.shape[-1],)

    def get_config(self):
        config = super(_SpatialDropoutND, self).get_config()
        config.pop('noise_shape', None)
        config.pop('seed', None)
        config['data_format'] = self.data_format
        return config


class SpatialDropout2D(_SpatialDropoutND):
    """Drops whole 2D feature maps."""
    _rank = 2


class SpatialDropout3D(_SpatialDropoutND):
    """Drops whole 3D feature maps."""
    _rank = 3


class Flatten(Layer):
    """Flattens all axes but the batch axis (channels_first inputs are
    first moved to channels-last order, as Keras does). Keras 2 wants
    inputs of rank 3 or more and fully known non-batch dimensions; tf.keras
    takes any rank from 1 (a `(batch,)` input becomes `(batch, 1)`) and
    gives a None dimension where a non-batch one is unknown."""

    def __init__(self, data_format=None, **kwargs):
        super(Flatten, self).__init__(**kwargs)
        self._tf_keras_rules = K.common.is_tf_keras()
        self.input_spec = InputSpec(min_ndim=1 if self._tf_keras_rules
                                    else 3)
        self.data_format = K.normalize_data_format(data_format)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self._tf_keras_rules:
            flat = int(np.prod(input_shape[1:])) \
                if all(input_shape[1:]) else None
            return (input_shape[0], flat)
        if not all(input_shape[1:]):
            raise ValueError('The shape of the input to "Flatten" is not '
                             'fully defined (got ' + str(input_shape[1:]) +
                             '). Make sure to pass a complete "input_shape" '
                             'or "batch_input_shape" argument to the first '
                             'layer in your model.')
        return (input_shape[0], int(np.prod(input_shape[1:])))

    def call(self, inputs):
        if self.data_format == 'channels_first' and inputs.dim() > 2:
            inputs = inputs.movedim(1, -1)
        return inputs.reshape(inputs.shape[0], -1)

    def get_config(self):
        config = {'data_format': self.data_format}
        base_config = super(Flatten, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


class Reshape(Layer):
    """Reshapes to `target_shape` (batch axis excluded; one -1 allowed)."""

    def __init__(self, target_shape, **kwargs):
        super(Reshape, self).__init__(**kwargs)
        self.target_shape = tuple(target_shape)

    def _fix_unknown_dimension(self, input_shape, output_shape):
        output_shape = list(output_shape)
        msg = 'total size of new array must be unchanged'
        known, unknown = 1, None
        for index, dim in enumerate(output_shape):
            if dim < 0:
                if unknown is None:
                    unknown = index
                elif K.common.is_tf_keras():
                    raise ValueError('There must be at most one unknown '
                                     'dimension in output_shape. Received: '
                                     'output_shape=%s.' % (output_shape,))
                else:
                    raise ValueError('Can only specify one unknown '
                                     'dimension.')
            else:
                known *= dim
        original = np.prod(input_shape, dtype=int)
        if unknown is not None:
            if known == 0 or original % known != 0:
                raise ValueError(msg)
            output_shape[unknown] = int(original // known)
        elif original != known:
            raise ValueError(msg + ', input_shape = %s, output_shape = %s'
                             % (list(input_shape), list(output_shape)))
        return tuple(output_shape)

    def compute_output_shape(self, input_shape):
        if None in input_shape[1:]:
            shape = (input_shape[0],)
            shape += tuple(s if s != -1 else None for s in self.target_shape)
            return shape
        return (input_shape[0],) + self._fix_unknown_dimension(
            input_shape[1:], self.target_shape)

    def call(self, inputs):
        return inputs.reshape((inputs.shape[0],) + self.target_shape)

    def get_config(self):
        config = {'target_shape': self.target_shape}
        base_config = super(Reshape, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


class Permute(Layer):
    """Permutes the non-batch axes: `dims` is 1-indexed, e.g. (2, 1)."""

    def __init__(self, dims, **kwargs):
        super(Permute, self).__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError('Invalid permutation argument `dims` for '
                             'Permute Layer. The set of indices in `dims` '
                             'must be consecutive and start from 1. '
                             'Received dims=%s' % (dims,))
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def compute_output_shape(self, input_shape):
        input_shape = list(input_shape)
        output_shape = list(input_shape)
        for i, dim in enumerate(self.dims):
            output_shape[i + 1] = input_shape[dim]
        return tuple(output_shape)

    def call(self, inputs):
        return inputs.permute((0,) + self.dims)

    def get_config(self):
        config = {'dims': self.dims}
        base_config = super(Permute, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


class RepeatVector(Layer):
    """(batch, features) -> (batch, n, features)."""

    def __init__(self, n, **kwargs):
        super(RepeatVector, self).__init__(**kwargs)
        self.n = n
        self.input_spec = InputSpec(ndim=2)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def call(self, inputs):
        return inputs.unsqueeze(1).expand(-1, self.n, -1)

    def get_config(self):
        config = {'n': self.n}
        base_config = super(RepeatVector, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


class _DumpedFunction(object):
    """A function's (code, defaults, closure) from func_dump, in a
    pickled Lambda layer."""

    def __init__(self, dumped):
        self.dumped = dumped


_PLAIN_VALUES = (int, float, complex, bool, str, bytes, type(None),
                 np.generic)


def _is_plain(value):
    if isinstance(value, tuple):
        return all(_is_plain(v) for v in value)
    return isinstance(value, _PLAIN_VALUES)


class _GlobalsAsOf(dict):
    """Module globals with some names fixed at their values of a moment;
    every other name is looked up in the module as it is now."""

    def __init__(self, fixed, live):
        super(_GlobalsAsOf, self).__init__(fixed)
        self['__builtins__'] = live.get('__builtins__', __builtins__)
        self._live = live

    def __missing__(self, name):
        return self._live[name]


def _bound_now(function):
    """`function` with the names it reads bound to their values now: the
    contents of its closure cells, and module globals holding plain values
    (numbers, strings, tuples of them). Objects stay the same objects;
    only later rebinding of those names is not seen."""
    if not isinstance(function, types.FunctionType):
        return function
    changed = False
    closure = function.__closure__
    if closure:
        cells = []
        for cell in closure:
            try:
                cells.append(types.CellType(cell.cell_contents))
                changed = True
            except ValueError:      # (a name not bound yet)
                cells.append(cell)
        closure = tuple(cells)
    live = function.__globals__
    fixed = {name: live[name] for name in function.__code__.co_names
             if name in live and _is_plain(live[name])}
    if not changed and not fixed:
        return function
    bound = types.FunctionType(function.__code__,
                               _GlobalsAsOf(fixed, live) if fixed else live,
                               function.__name__, function.__defaults__,
                               closure)
    bound.__kwdefaults__ = function.__kwdefaults__
    bound.__qualname__ = function.__qualname__
    bound.__module__ = function.__module__
    bound.__dict__.update(function.__dict__)
    return bound


class Lambda(Layer):
    """Wraps a function of tensors as a layer: `Lambda(lambda x: x ** 2)`.

    `output_shape` (tuple without batch axis, or function of the input
    shape) is inferred by running the function when not given."""

    # The function is user code, which may read any tensor of the model's
    # graph while it runs: a model holding a Lambda keeps every value of a
    # run (engine/network.py `_release_plan`).
    _runs_user_code = True

    def __init__(self, function, output_shape=None, mask=None,
                 arguments=None, **kwargs):
        super(Lambda, self).__init__(**kwargs)
        self.function = function
        immutable.out_of_place(function)    # ready for torch.compile
        self.arguments = arguments if arguments else {}
        if mask is not None:
            self.supports_masking = True
        self.mask = mask
        if output_shape is None:
            self._output_shape = None
        elif isinstance(output_shape, (tuple, list)):
            self._output_shape = tuple(output_shape)
        else:
            if not callable(output_shape):
                raise TypeError('In Lambda, `output_shape` must be a list, a '
                                'tuple, or a function.')
            self._output_shape = output_shape
        self._function_takes_mask = has_arg(function, 'mask')
        self._function_takes_training = has_arg(function, 'training')

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            if self._inbound_nodes:
                return self._inferred_shape
            # As Keras 2 does on TensorFlow: run the function on a
            # placeholder of that shape.
            return self._shape_from_placeholders(input_shape)
        if isinstance(self._output_shape, tuple):
            if isinstance(input_shape, list):
                num_samples = input_shape[0][0]
            else:
                num_samples = input_shape[0] if input_shape else None
            return (num_samples,) + tuple(self._output_shape)
        shape = self._output_shape(input_shape)
        if not isinstance(shape, (list, tuple)):
            raise ValueError('`output_shape` function must return a tuple or '
                             'a list of tuples.')
        if isinstance(shape, list) and (not shape or
                                        isinstance(shape[0], int) or
                                        shape[0] is None):
            shape = tuple(shape)
        return shape

    def _output_shape_for(self, inputs, input_shape, args, kwargs):
        if self._output_shape is None:
            return self._infer_output_shape(inputs, input_shape, args,
                                            kwargs)
        return super(Lambda, self)._output_shape_for(inputs, input_shape,
                                                     args, kwargs)

    def _shape_from_placeholders(self, input_shape):
        from ..engine.keras_tensor import KerasTensor
        if isinstance(input_shape, list):
            placeholders = [KerasTensor(tuple(s)) for s in input_shape]
        else:
            placeholders = KerasTensor(tuple(input_shape))
        return self._infer_output_shape(placeholders, input_shape, (), {})

    @property
    def _inferred_shape(self):
        if self._inbound_nodes:
            return self._inbound_nodes[-1].output_shapes[0] if len(
                self._inbound_nodes[-1].output_shapes) == 1 else \
                self._inbound_nodes[-1].output_shapes
        raise ValueError('Lambda layer %s has no `output_shape` and has not '
                         'been called on a symbolic input yet.' % self.name)

    def _symbolic_call(self, inputs, *args, **kwargs):
        if not self.__dict__.get('_function_bound'):
            # Keras 2 ran the function once, when the graph was built: the
            # values of the names it reads are fixed then (a Lambda made
            # in a loop keeps its loop variable).
            self.function = _bound_now(self.function)
            immutable.out_of_place(self.function)
            self.__dict__['_function_bound'] = True
        return super(Lambda, self)._symbolic_call(inputs, *args, **kwargs)

    def call(self, inputs, mask=None, training=None):
        arguments = self.arguments
        if self._function_takes_mask:
            arguments = dict(arguments, mask=mask)
        if self.__dict__.get('_function_takes_training') and \
                K.common.api_flavour() != 'keras':
            # tf.keras passes the call's training mode to a function
            # taking `training` (None when nothing decides it).
            arguments = dict(arguments,
                             training=self._training_mode(training))
        # A user's function: augmented assignments on tensors rebind.
        return immutable.call_user(self.function, inputs, **arguments)

    def _training_mode(self, training):
        """`training` as given, else the model call's, else fit's (True)
        or evaluate/predict's (False), else a forced learning phase."""
        common = K.common
        if training is None:
            training = common.explicit_training()
        if training is None and common._ACTIVE_LOOP is not None:
            training = self.training
        if training is None:
            training = common.forced_learning_phase()
        return None if training is None else bool(training)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    _FUNCTION_ATTRS = ('function', '_output_shape', 'mask')

    def __getstate__(self):
        # A lambda or local function is pickled as its bytecode (as in the
        # layer's config), so that models holding one pickle.
        state = self.__dict__.copy()
        for key in self._FUNCTION_ATTRS:
            value = state.get(key)
            if isinstance(value, types.FunctionType) and (
                    '<lambda>' in value.__qualname__ or
                    '<locals>' in value.__qualname__):
                state[key] = _DumpedFunction(func_dump(value))
        return state

    def __setstate__(self, state):
        state = dict(state)
        for key in self._FUNCTION_ATTRS:
            if isinstance(state.get(key), _DumpedFunction):
                state[key] = func_load(state[key].dumped, globs=globals())
        super(Lambda, self).__setstate__(state)

    def get_config(self):
        if isinstance(self.function, types.LambdaType):
            function = func_dump(self.function)
            function_type = 'lambda'
        else:
            function = self.function.__name__
            function_type = 'function'
        if isinstance(self._output_shape, types.LambdaType):
            output_shape = func_dump(self._output_shape)
            output_shape_type = 'lambda'
        elif callable(self._output_shape):
            output_shape = self._output_shape.__name__
            output_shape_type = 'function'
        else:
            output_shape = self._output_shape
            output_shape_type = 'raw'
        # numpy arguments as {'type': 'ndarray', 'value': [...]}, which
        # Keras 2.3's Lambda.from_config turns back into arrays.
        arguments = {key: {'type': 'ndarray', 'value': value.tolist()}
                     if isinstance(value, np.ndarray) else value
                     for key, value in self.arguments.items()}
        config = {'function': function, 'function_type': function_type,
                  'output_shape': output_shape,
                  'output_shape_type': output_shape_type,
                  'arguments': arguments}
        if K.common.is_tf_keras():
            config = self._tf_keras_function_config(config)
        base_config = super(Lambda, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))

    def _tf_keras_function_config(self, config):
        """tf.keras 2.x's Lambda config: each function with the module it
        was defined in (whose globals a loaded lambda then runs with, so
        that `lambda x: tf.nn.lrn(x)` finds `tf`), and the mask function."""
        def module_of(value):
            return getattr(value, '__module__', None) if callable(value) \
                else None
        out = {'function': config['function'],
               'function_type': config['function_type'],
               'module': module_of(self.function),
               'output_shape': config['output_shape'],
               'output_shape_type': config['output_shape_type'],
               'output_shape_module': module_of(self._output_shape)}
        if self.mask is not None:
            if not callable(self.mask):
                raise ValueError('Invalid input for serialization, type: %s '
                                 % type(self.mask))
            if isinstance(self.mask, types.LambdaType):
                out.update(mask=func_dump(self.mask), mask_type='lambda')
            else:
                out.update(mask=self.mask.__name__, mask_type='function')
            out['mask_module'] = module_of(self.mask)
        out['arguments'] = config['arguments']
        return out

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = config.copy()
        config['function'] = _lambda_function(
            config, 'function', 'function_type', 'module', custom_objects,
            'function in Lambda layer')
        config['output_shape'] = _lambda_function(
            config, 'output_shape', 'output_shape_type',
            'output_shape_module', custom_objects,
            'output_shape function in Lambda layer')
        if 'mask_type' in config or 'mask_module' in config:
            # tf.keras 2.x writes the mask like the function.
            config['mask'] = _lambda_function(
                config, 'mask', 'mask_type', 'mask_module', custom_objects,
                'mask function in Lambda layer')
        if config.get('arguments'):
            config['arguments'] = {
                key: np.array(value['value'])
                if isinstance(value, dict) and value.get('type') == 'ndarray'
                else value for key, value in config['arguments'].items()}
        return cls(**config)


def _lambda_function(config, key, type_key, module_key, custom_objects,
                     printable_name):
    """The function (or raw value) of a Lambda config entry: a named
    function from custom_objects or, as tf.keras writes its module, from
    that module when it is loaded; a lambda's bytecode (run with that
    module's globals); a raw value (Keras 2's tuple output shapes)."""
    import sys
    function_type = config.pop(type_key, 'raw' if key != 'function'
                               else None)
    module_name = config.pop(module_key, None)
    module = sys.modules.get(module_name) if module_name else None
    value = config.get(key)
    if function_type == 'function':
        objects = dict(vars(module)) if module is not None else {}
        try:
            return deserialize_keras_object(
                value, module_objects=objects, custom_objects=custom_objects,
                printable_module_name=printable_name)
        except ValueError:
            if module_name and module is None:
                raise ValueError(
                    'Unknown %s: %r (saved from module %r, which is not '
                    'loaded). Import that module first or pass the function '
                    'through `custom_objects`.'
                    % (printable_name, value, module_name))
            raise
    if function_type == 'lambda':
        globs = dict(globals())
        if module is not None:
            globs.update(vars(module))
        if custom_objects:
            globs.update(custom_objects)
        return func_load(value, globs=globs)
    if function_type == 'raw':
        return value
    raise TypeError('Unknown function type:', function_type)


class Masking(Layer):
    """Masks timesteps whose features all equal `mask_value`: downstream
    layers that support masking skip them."""

    def __init__(self, mask_value=0., **kwargs):
        super(Masking, self).__init__(**kwargs)
        self.supports_masking = True
        self.mask_value = mask_value

    def compute_mask(self, inputs, mask=None):
        if not isinstance(inputs, torch.Tensor):
            # (A symbolic input: `layer.compute_mask(layer.input)`.)
            return K.any(K.not_equal(inputs, self.mask_value), axis=-1)
        return torch.any(inputs != self.mask_value, dim=-1)

    def call(self, inputs):
        keep = torch.any(inputs != self.mask_value, dim=-1, keepdim=True)
        return inputs * keep.to(inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = {'mask_value': self.mask_value}
        base_config = super(Masking, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


class Rescaling(Layer):
    """tf.keras 2.x's preprocessing layer: `inputs * scale + offset` (in
    the layer's float type), e.g. Rescaling(1. / 255) on images."""

    def __init__(self, scale, offset=0., **kwargs):
        super(Rescaling, self).__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        self.supports_masking = True

    def call(self, inputs):
        dtype = K.torch_dtype(self.dtype or K.floatx())
        x = inputs.to(dtype)
        scale = torch.as_tensor(self.scale, dtype=dtype, device=x.device)
        offset = torch.as_tensor(self.offset, dtype=dtype, device=x.device)
        return x * scale + offset

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = {'scale': self.scale, 'offset': self.offset}
        base_config = super(Rescaling, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


class ActivityRegularization(Layer):
    """Identity layer adding an l1/l2 penalty on its input activity."""

    def __init__(self, l1=0., l2=0., **kwargs):
        super(ActivityRegularization, self).__init__(**kwargs)
        self.supports_masking = True
        self.l1 = l1
        self.l2 = l2
        self.activity_regularizer = regularizers.L1L2(l1=l1, l2=l2)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = {'l1': self.l1, 'l2': self.l2}
        base_config = super(ActivityRegularization, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


# (tf.keras 2.4+ defines its operation layers in layers/core.py, where
# libraries import them from.)
from .tf_op_layer import TFOpLambda, SlicingOpLambda  # noqa: E402,F401
