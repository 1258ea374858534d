"""Keras 1 layers that Keras 2 kept, deprecated: `MaxoutDense`, `Highway`,
`AtrousConvolution1D/2D` (Conv1D/Conv2D with `dilation_rate`), `Merge` and
`merge` (`legacy.merge`)."""
import warnings

from .. import backend as K
from .. import activations, initializers, regularizers, constraints
from ..engine.base_layer import Layer, InputSpec
from ..layers._unsupported import unsupported_layer


class _Keras1Dense(Layer):
    """Shared Keras 1 arguments of MaxoutDense and Highway."""

    def _keras1_init(self, init, weights, W_regularizer, b_regularizer,
                     activity_regularizer, W_constraint, b_constraint, bias,
                     input_dim, kwargs):
        self.init = initializers.get(init)
        self.W_regularizer = regularizers.get(W_regularizer)
        self.b_regularizer = regularizers.get(b_regularizer)
        self.W_constraint = constraints.get(W_constraint)
        self.b_constraint = constraints.get(b_constraint)
        self.bias = bias
        self.input_dim = input_dim
        if input_dim:
            kwargs['input_shape'] = (input_dim,)
        if weights is not None:
            kwargs['weights'] = weights
        Layer.__init__(self, **kwargs)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.input_spec = InputSpec(ndim=2)

    def _keras1_config(self):
        return {'init': initializers.serialize(self.init),
                'W_regularizer': regularizers.serialize(self.W_regularizer),
                'b_regularizer': regularizers.serialize(self.b_regularizer),
                'activity_regularizer':
                    regularizers.serialize(self.activity_regularizer),
                'W_constraint': constraints.serialize(self.W_constraint),
                'b_constraint': constraints.serialize(self.b_constraint),
                'bias': self.bias, 'input_dim': self.input_dim}


class MaxoutDense(_Keras1Dense):
    """The element-wise maximum of `nb_feature` linear Dense layers
    (weights `W (nb_feature, input_dim, output_dim)`, `b (nb_feature,
    output_dim)`); no activation. Deprecated in Keras 2."""

    def __init__(self, output_dim, nb_feature=4, init='glorot_uniform',
                 weights=None, W_regularizer=None, b_regularizer=None,
                 activity_regularizer=None, W_constraint=None,
                 b_constraint=None, bias=True, input_dim=None, **kwargs):
        warnings.warn('The `MaxoutDense` layer is deprecated and will be '
                      'removed after 06/2017.')
        self.output_dim = output_dim
        self.nb_feature = nb_feature
        self._keras1_init(init, weights, W_regularizer, b_regularizer,
                          activity_regularizer, W_constraint, b_constraint,
                          bias, input_dim, kwargs)

    def build(self, input_shape):
        input_dim = input_shape[1]
        self.input_spec = InputSpec(shape=(None, input_dim))
        self.W = self.add_weight(
            shape=(self.nb_feature, input_dim, self.output_dim),
            initializer=self.init, name='W', regularizer=self.W_regularizer,
            constraint=self.W_constraint)
        self.b = self.add_weight(
            shape=(self.nb_feature, self.output_dim), initializer='zero',
            name='b', regularizer=self.b_regularizer,
            constraint=self.b_constraint) if self.bias else None
        self.built = True

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_dim)

    def call(self, x):
        output = K.dot(x, self.W)
        if self.bias:
            output = output + self.b
        return K.max(output, axis=1)

    def get_config(self):
        config = self._keras1_config()
        config.update(output_dim=self.output_dim, nb_feature=self.nb_feature)
        base_config = super(MaxoutDense, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


class Highway(_Keras1Dense):
    """Highway layer: t = sigmoid(x W_carry + b_carry),
    y = t * activation(x W + b) + (1 - t) * x. `b_carry` starts at one.
    Deprecated in Keras 2."""

    def __init__(self, init='glorot_uniform', activation=None, weights=None,
                 W_regularizer=None, b_regularizer=None,
                 activity_regularizer=None, W_constraint=None,
                 b_constraint=None, bias=True, input_dim=None, **kwargs):
        warnings.warn('The `Highway` layer is deprecated and will be removed '
                      'after 06/2017.')
        if 'transform_bias' in kwargs:
            kwargs.pop('transform_bias')
            warnings.warn('`transform_bias` argument is deprecated and has '
                          'been removed.')
        self.activation = activations.get(activation)
        self._keras1_init(init, weights, W_regularizer, b_regularizer,
                          activity_regularizer, W_constraint, b_constraint,
                          bias, input_dim, kwargs)

    def build(self, input_shape):
        input_dim = input_shape[1]
        self.input_spec = InputSpec(shape=(None, input_dim))
        self.W = self.add_weight(shape=(input_dim, input_dim),
                                 initializer=self.init, name='W',
                                 regularizer=self.W_regularizer,
                                 constraint=self.W_constraint)
        self.W_carry = self.add_weight(shape=(input_dim, input_dim),
                                       initializer=self.init, name='W_carry')
        if self.bias:
            self.b = self.add_weight(shape=(input_dim,), initializer='zero',
                                     name='b', regularizer=self.b_regularizer,
                                     constraint=self.b_constraint)
            self.b_carry = self.add_weight(shape=(input_dim,),
                                           initializer='one', name='b_carry')
        else:
            self.b_carry = None
        self.built = True

    def call(self, x):
        carry = K.dot(x, self.W_carry)
        if self.bias:
            carry = carry + self.b_carry
        transform_weight = activations.sigmoid(carry)
        y = K.dot(x, self.W)
        if self.bias:
            y = y + self.b
        return self.activation(y) * transform_weight + \
            (1 - transform_weight) * x

    def get_config(self):
        config = self._keras1_config()
        config['activation'] = activations.serialize(self.activation)
        base_config = super(Highway, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


def _atrous(conv_class, args, kwargs):
    kwargs['dilation_rate'] = kwargs.pop('atrous_rate', 1)
    warnings.warn('The `Atrous%s` layer  has been deprecated. Use instead the '
                  '`%s` layer with the `dilation_rate` argument.'
                  % ('Convolution' + conv_class.__name__[-2:],
                     conv_class.__name__), stacklevel=3)
    return conv_class(*args, **kwargs)


def AtrousConvolution1D(*args, **kwargs):
    """Keras 1's dilated Conv1D: `atrous_rate` is `dilation_rate`."""
    from ..layers import Conv1D
    return _atrous(Conv1D, args, kwargs)


def AtrousConvolution2D(*args, **kwargs):
    """Keras 1's dilated Conv2D: `atrous_rate` is `dilation_rate`."""
    from ..layers import Conv2D
    return _atrous(Conv2D, args, kwargs)


ConvRecurrent2D = unsupported_layer(
    'ConvRecurrent2D', 'The Keras 1 convolutional recurrent base class is '
    'not provided; use `ConvLSTM2D` or a `ConvRNN2D` over a cell.')


from .merge import Merge, merge  # noqa: E402,F401
from .recurrent import Recurrent  # noqa: E402,F401 (Keras 2.0's path)
