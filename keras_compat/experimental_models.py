"""tf.keras 2.x's experimental models: `SharpnessAwareMinimization`
(`keras.models.experimental`), and the premade `LinearModel` and
`WideDeepModel` (`keras.experimental`)."""
import torch

from . import activations, initializers, regularizers
from .engine.custom_steps import unpack_x_y_sample_weight
from .engine.training import Model
from .layers.core import Dense
from .utils.generic_utils import (register_keras_serializable,
                                  serialize_keras_object)


def _split(value, parts):
    if value is None:
        return [None] * parts
    rows = value.shape[0]
    if rows % parts:
        raise ValueError('Dimension size must be evenly divisible by %d but '
                         'is %d: num_batch_splits must divide the batch size.'
                         % (parts, rows))
    return list(torch.split(torch.as_tensor(value), rows // parts))


def _gradients(loss, variables):
    return torch.autograd.grad(loss, variables, allow_unused=True)


@register_keras_serializable(package='Custom')
class SharpnessAwareMinimization(Model):
    """Sharpness-aware minimization (Foret et al., 2020) around an inner
    model: each step moves the weights by `rho` times the normalised
    gradient, takes the gradient there, steps back and applies that
    gradient. `num_batch_splits` splits each batch into that many parts,
    whose gradients are summed."""

    def __init__(self, model, rho=0.05, num_batch_splits=None, name=None):
        super(SharpnessAwareMinimization, self).__init__(name=name)
        self.model = model
        self.rho = rho
        self.num_batch_splits = num_batch_splits

    def train_step(self, data):
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        parts = self.num_batch_splits or 1
        splits = zip(*[_split(v, parts) if self.num_batch_splits else [v]
                       for v in (x, y, sample_weight)])
        variables = list(self.model.trainable_variables)
        summed, predictions = None, []
        for x_part, y_part, weight_part in splits:
            pred = self(x_part)
            predictions.append(pred.detach())
            loss = self.compiled_loss(y_part, pred, weight_part)
            grads = _gradients(loss, variables)
            norm = torch.norm(torch.stack([torch.norm(g) for g in grads
                                           if g is not None]))
            scale = self.rho / (norm + 1e-12)
            moves = [None if g is None else g * scale for g in grads]
            self._move(variables, moves, 1.)
            pred = self(x_part, training=True)
            grads = _gradients(self.compiled_loss(y_part, pred, weight_part),
                               variables)
            summed = list(grads) if summed is None else [
                a if b is None else a + b for a, b in zip(summed, grads)]
            self._move(variables, moves, -1.)
        self.optimizer.apply_gradients(zip(summed, variables))
        self.compiled_metrics.update_state(y, torch.cat(predictions),
                                           sample_weight)
        return {m.name: m.result() for m in self.metrics}

    @staticmethod
    def _move(variables, moves, sign):
        with torch.no_grad():
            for variable, move in zip(variables, moves):
                if move is not None:
                    variable.add_(sign * move)

    def call(self, inputs, **kwargs):
        return self.model(inputs, **kwargs)

    def get_config(self):
        return {'model': serialize_keras_object(self.model), 'rho': self.rho}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from .layers import deserialize
        config = dict(config)
        config['model'] = deserialize(config.pop('model'),
                                      custom_objects=custom_objects)
        return cls(**config)


def _shapes(inputs):
    if isinstance(inputs, dict):
        return {key: tuple(value.shape) for key, value in inputs.items()}
    if isinstance(inputs, (list, tuple)):
        return [tuple(value.shape) for value in inputs]
    return tuple(inputs.shape)


class LinearModel(Model):
    """tf.keras's premade linear model: `activation(sum_i x_i W_i + b)`,
    one kernel per input (a tensor, a list of tensors or a dict of named
    tensors, matched by sorted name)."""

    def __init__(self, units=1, activation=None, use_bias=True,
                 kernel_initializer='zeros', bias_initializer='zeros',
                 kernel_regularizer=None, bias_regularizer=None, **kwargs):
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        super(LinearModel, self).__init__(**kwargs)

    def _dense(self, shape, name=None):
        layer = Dense(self.units, use_bias=False, name=name,
                      kernel_initializer=self.kernel_initializer,
                      kernel_regularizer=self.kernel_regularizer)
        layer.build(tuple(shape))
        return layer

    def build(self, input_shape):
        if isinstance(input_shape, dict):
            self.dense_layers = [self._dense(input_shape[name], name)
                                 for name in sorted(input_shape)]
        elif isinstance(input_shape, (list, tuple)) and input_shape and \
                all(isinstance(s, (list, tuple)) or hasattr(s, 'as_list')
                    for s in input_shape):
            self.dense_layers = [self._dense(s) for s in input_shape]
        else:
            self.dense_layers = [self._dense(input_shape)]
        for i, layer in enumerate(self.dense_layers):
            self._track_sublayer('dense_layers_%d' % i, layer)
        # (tf.keras lists the kernels before the bias.)
        self.bias = self.add_weight(
            'bias', shape=(self.units,), initializer=self.bias_initializer,
            regularizer=self.bias_regularizer, trainable=True) \
            if self.use_bias else None
        self.built = True

    def call(self, inputs):
        if getattr(self, 'dense_layers', None) is None:
            self.build(_shapes(inputs))
        if isinstance(inputs, dict):
            names = [layer.name for layer in self.dense_layers]
            missing = set(names) - set(inputs)
            if missing:
                raise ValueError(
                    'The `inputs` dictionary does not match the structure '
                    'expected by the model.\n\tExpected keys: %s\n\tReceived '
                    'keys: %s\n\tMissing keys: %s'
                    % (set(names), set(inputs), missing))
            inputs = [inputs[name] for name in names]
        if not isinstance(inputs, (list, tuple)):
            inputs = [inputs]
        result = None
        for value, layer in zip(inputs, self.dense_layers):
            output = layer(value)
            result = output if result is None else result + output
        if self.use_bias:
            result = result + self.bias
        return self.activation(result) if self.activation is not None \
            else result

    def get_config(self):
        return {'name': self.name, 'trainable': self.trainable,
                'dtype': self.dtype, 'units': self.units,
                'activation': activations.serialize(self.activation),
                'use_bias': self.use_bias,
                'kernel_initializer': initializers.serialize(
                    self.kernel_initializer),
                'bias_initializer': initializers.serialize(
                    self.bias_initializer),
                'kernel_regularizer': regularizers.serialize(
                    self.kernel_regularizer),
                'bias_regularizer': regularizers.serialize(
                    self.bias_regularizer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


class WideDeepModel(Model):
    """tf.keras's premade wide & deep model: `activation(linear_model(x1)
    + dnn_model(x2))` for inputs `[x1, x2]` (both models get `x` when it is
    not a pair). Compiled with a list of two optimizers, the first updates
    the linear model and the second the deep one."""

    def __init__(self, linear_model, dnn_model, activation=None, **kwargs):
        super(WideDeepModel, self).__init__(**kwargs)
        self.linear_model = linear_model
        self.dnn_model = dnn_model
        self.activation = activations.get(activation)

    def call(self, inputs, training=None):
        if not isinstance(inputs, (tuple, list)) or len(inputs) != 2:
            linear_inputs = dnn_inputs = inputs
        else:
            linear_inputs, dnn_inputs = inputs
        output = self.linear_model(linear_inputs) + \
            self.dnn_model(dnn_inputs, training=training)
        return self.activation(output) if self.activation else output

    def compile(self, optimizer='rmsprop', *args, **kwargs):
        if isinstance(optimizer, (list, tuple)):
            from . import optimizers
            pair = [optimizers.get(o) for o in optimizer]
            super(WideDeepModel, self).compile(pair[0], *args, **kwargs)
            self._optimizer_pair = pair
            return
        self._optimizer_pair = None
        super(WideDeepModel, self).compile(optimizer, *args, **kwargs)

    def train_step(self, data):
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=True)
        loss = self.compiled_loss(y, y_pred, sample_weight,
                                  regularization_losses=self.losses)
        self.compiled_metrics.update_state(y, y_pred.detach(), sample_weight)
        pair = getattr(self, '_optimizer_pair', None)
        groups = [(self.optimizer, list(self.trainable_variables))] \
            if not pair else list(zip(pair, [
                list(self.linear_model.trainable_variables),
                list(self.dnn_model.trainable_variables)]))
        grads = _gradients(loss, [v for _, vs in groups for v in vs])
        for optimizer, variables in groups:
            optimizer.apply_gradients(zip(grads[:len(variables)], variables))
            grads = grads[len(variables):]
        return {m.name: m.result() for m in self.metrics}

    def get_config(self):
        return {'name': self.name, 'trainable': self.trainable,
                'dtype': self.dtype,
                'linear_model': serialize_keras_object(self.linear_model),
                'dnn_model': serialize_keras_object(self.dnn_model),
                'activation': activations.serialize(self.activation)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from .layers import deserialize
        config = dict(config)
        linear = deserialize(config.pop('linear_model'), custom_objects)
        dnn = deserialize(config.pop('dnn_model'), custom_objects)
        activation = activations.deserialize(config.pop('activation', None),
                                             custom_objects=custom_objects)
        return cls(linear, dnn, activation=activation, **config)
