"""Layer wrappers: TimeDistributed and Bidirectional."""
import torch

from .. import backend as K
from ..backend import common
from ..engine.base_layer import Layer, InputSpec
from ..utils.generic_utils import has_arg, to_list
from .recurrent import call_with_extra_inputs, split_rnn_inputs


class Wrapper(Layer):
    """Base class of layers that wrap another layer."""

    def __init__(self, layer, **kwargs):
        super(Wrapper, self).__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        # tf.keras builds the wrapped layer first (Keras 2 only marks the
        # wrapper built).
        if common.is_tf_keras() and not self.layer.built:
            self.layer.build(input_shape)
            self.layer.built = True
        self.built = True

    def get_config(self):
        config = {'layer': {'class_name': self.layer.__class__.__name__,
                            'config': self.layer.get_config()}}
        base_config = super(Wrapper, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from . import deserialize as deserialize_layer
        config = dict(config)
        layer = deserialize_layer(config.pop('layer'),
                                  custom_objects=custom_objects)
        return cls(layer, **config)


class TimeDistributed(Wrapper):
    """Applies a layer to every timestep of (batch, time, ...) inputs by
    folding time into the batch axis (one call of the inner layer)."""

    def __init__(self, layer, **kwargs):
        super(TimeDistributed, self).__init__(layer, **kwargs)
        self.supports_masking = True
        layer.__dict__['_scope_replace'] = self
        self._inner_mask = None

    def build(self, input_shape):
        if len(input_shape) < 3:
            raise ValueError('`TimeDistributed` Layer should be passed an '
                             '`input_shape` with at least 3 dimensions, '
                             'received: ' + str(input_shape))
        self.input_spec = InputSpec(shape=(None,) + tuple(input_shape[1:]))
        child_input_shape = (input_shape[0],) + tuple(input_shape[2:])
        if not self.layer.built:
            self.layer._maybe_build(child_input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        child_input_shape = (input_shape[0],) + tuple(input_shape[2:])
        child_output_shape = self.layer.compute_output_shape(
            child_input_shape)
        return (child_output_shape[0], input_shape[1]) + \
            tuple(child_output_shape[1:])

    def call(self, inputs, training=None, mask=None):
        batch, steps = inputs.shape[0], inputs.shape[1]
        flat = inputs.reshape((batch * steps,) + tuple(inputs.shape[2:]))
        kwargs = {}
        if training is not None and has_arg(self.layer.call, 'training'):
            kwargs['training'] = training
        if mask is not None:
            flat._keras_mask = mask.reshape((batch * steps,) +
                                            tuple(mask.shape[2:]))
        y = self.layer(flat, **kwargs)
        inner_mask = getattr(y, '_keras_mask', None)
        self._inner_mask = None if inner_mask is None else \
            inner_mask.reshape((batch, steps) + tuple(inner_mask.shape[1:]))
        return y.reshape((batch, steps) + tuple(y.shape[1:]))

    def compute_mask(self, inputs, mask=None):
        """The inner layer's mask per timestep; when it gives none, a
        timestep is kept where any of its inner entries was (Keras 2)."""
        if self._inner_mask is not None:
            inner, self._inner_mask = self._inner_mask, None
            return inner
        if isinstance(mask, torch.Tensor) and mask.dim() > 2:
            return mask.reshape(tuple(mask.shape[:2]) + (-1,)).any(dim=-1)
        return mask


class Bidirectional(Wrapper):
    """Runs a recurrent layer forwards and backwards and merges the two
    outputs (`merge_mode` 'concat', 'sum', 'mul', 'ave' or None for a
    list). Weights are the forward layer's, then the backward layer's."""

    def __init__(self, layer, merge_mode='concat', weights=None,
                 backward_layer=None, **kwargs):
        if merge_mode not in ['sum', 'mul', 'ave', 'concat', None]:
            raise ValueError('Invalid merge mode. Merge mode should be one '
                             'of {"sum", "mul", "ave", "concat", None}')
        Layer.__init__(self, **kwargs)
        self.__dict__['layer'] = layer
        config = layer.get_config()
        config['name'] = 'forward_' + layer.name
        self.forward_layer = layer.__class__.from_config(config)
        self._given_backward = backward_layer is not None
        if backward_layer is None:
            config = layer.get_config()
            config['go_backwards'] = not config['go_backwards']
            config['name'] = 'backward_' + layer.name
            backward_layer = layer.__class__.from_config(config)
        self.backward_layer = backward_layer
        for sub in (self.forward_layer, self.backward_layer):
            sub.__dict__['_scope_parent'] = self
        self.merge_mode = merge_mode
        if weights:
            self._initial_weights = weights
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec
        self._num_constants = None
        # tf.keras zeroes both directions' outputs at masked steps; Keras 2
        # keeps what each direction's RNN gives there (the forward one
        # repeats its last unmasked output).
        self._zeros_masked_steps = common.is_tf_keras()

    def _sublayers(self):
        return [self.forward_layer, self.backward_layer]

    def __call__(self, inputs, initial_state=None, constants=None,
                 **kwargs):
        """As RNN.__call__: initial states (both directions' states, the
        forward ones first) and constants may be given as arguments or
        after the inputs in a list."""
        if isinstance(inputs, (list, tuple)) and initial_state is None and \
                constants is None and len(inputs) > 1:
            inputs, initial_state, constants = split_rnn_inputs(
                inputs, self._num_constants)
        if initial_state is None and constants is None:
            return super(Bidirectional, self).__call__(inputs, **kwargs)
        initial_state = to_list(initial_state, allow_tuple=True) \
            if initial_state is not None else []
        if len(initial_state) % 2:
            raise ValueError('When passing `initial_state` to a Bidirectional '
                             'RNN, the state should be a list containing the '
                             'states of the underlying RNNs. Found: ' +
                             str(initial_state))
        constants = to_list(constants, allow_tuple=True) \
            if constants is not None else []
        self._num_constants = len(constants) or None
        for sub in (self.forward_layer, self.backward_layer):
            sub._num_constants = len(constants)
        return call_with_extra_inputs(
            self, [inputs] + initial_state + constants, kwargs)

    def build(self, input_shape):
        constants_shape = []
        if isinstance(input_shape, list):
            if self._num_constants:
                constants_shape = input_shape[-self._num_constants:]
            input_shape = input_shape[0]
        for sub in (self.forward_layer, self.backward_layer):
            sub._maybe_build([input_shape] + list(constants_shape)
                             if constants_shape else input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        """tf.keras's, with each direction's own shapes: the output of a
        `backward_layer` of another width than the forward layer counts
        with its width (tf.keras's static shape takes the forward layer's
        twice; its computed output has both)."""
        forward = self.forward_layer.compute_output_shape(input_shape)
        backward = self.backward_layer.compute_output_shape(input_shape)
        forward_states = backward_states = []
        if self.return_state:
            forward_states, forward = list(forward[1:]), forward[0]
            backward_states, backward = list(backward[1:]), backward[0]
        output_shape = self._merged_shape(tuple(forward), tuple(backward))
        if self.return_state:
            outputs = output_shape if isinstance(output_shape, list) else \
                [output_shape]
            return outputs + forward_states + backward_states
        return output_shape

    def _merged_shape(self, forward, backward):
        """The shape `merge_mode` gives the two directions' outputs:
        'concat' adds the widths, None keeps both, 'sum', 'mul' and 'ave'
        need equal widths."""
        if self.merge_mode is None:
            return [forward, backward]
        if self.merge_mode == 'concat':
            width = None if forward[-1] is None or backward[-1] is None \
                else forward[-1] + backward[-1]
            return forward[:-1] + (width,)
        if None not in (forward[-1], backward[-1]) and \
                forward[-1] != backward[-1]:
            raise ValueError(
                'Bidirectional(merge_mode=%r) needs forward and backward '
                'outputs of the same width; the forward layer %s gives %s, '
                'the backward layer %s gives %s. Use merge_mode="concat" '
                'or None, or layers of the same width.'
                % (self.merge_mode, self.forward_layer.name, forward[-1],
                   self.backward_layer.name, backward[-1]))
        return forward

    def call(self, inputs, mask=None, training=None, initial_state=None,
             constants=None):
        if isinstance(inputs, (list, tuple)):
            inputs, states, given = split_rnn_inputs(inputs,
                                                     self._num_constants)
            initial_state = states or initial_state
            constants = given or constants
            if isinstance(mask, (list, tuple)):
                mask = mask[0]
        forward_state = backward_state = None
        if initial_state:
            pivot = len(initial_state) // 2
            forward_state = initial_state[:pivot]
            backward_state = initial_state[pivot:]
        if mask is not None:
            inputs._keras_mask = mask
        kwargs = {} if training is None else {'training': training}
        if constants:
            kwargs['constants'] = constants
        y = self.forward_layer(inputs, initial_state=forward_state, **kwargs)
        y_rev = self.backward_layer(inputs, initial_state=backward_state,
                                    **kwargs)
        states = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = torch.flip(y_rev, dims=[1])
            if mask is not None and self.__dict__.get(
                    '_zeros_masked_steps', True):
                keep = mask.to(y.dtype).unsqueeze(-1)
                y, y_rev = y * keep, y_rev * keep
        if self.merge_mode == 'concat':
            output = torch.cat([y, y_rev], dim=-1)
        elif self.merge_mode == 'sum':
            output = y + y_rev
        elif self.merge_mode == 'ave':
            output = (y + y_rev) / 2
        elif self.merge_mode == 'mul':
            output = y * y_rev
        else:
            output = [y, y_rev]
        if self.return_state:
            if self.merge_mode is None:
                return output + states
            return [output] + states
        return output

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, list):
            mask = mask[0]
        if self.return_sequences:
            output_mask = [mask, mask] if not self.merge_mode else mask
        else:
            output_mask = [None, None] if not self.merge_mode else None
        if self.return_state:
            n = len(self.forward_layer.states) * 2
            if isinstance(output_mask, list):
                return output_mask + [None] * n
            return [output_mask] + [None] * n
        return output_mask

    def reset_states(self):
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    def get_config(self):
        config = {'merge_mode': self.merge_mode,
                  'layer': {'class_name': self.layer.__class__.__name__,
                            'config': self.layer.get_config()}}
        if self._num_constants is not None:
            config['num_constants'] = self._num_constants
        if self.__dict__.get('_given_backward'):
            config['backward_layer'] = {
                'class_name': self.backward_layer.__class__.__name__,
                'config': self.backward_layer.get_config()}
        base_config = Layer.get_config(self)
        return dict(list(base_config.items()) + list(config.items()))

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from . import deserialize as deserialize_layer
        config = dict(config)
        num_constants = config.pop('num_constants', None)
        layer = deserialize_layer(config.pop('layer'),
                                  custom_objects=custom_objects)
        backward = config.get('backward_layer')
        if isinstance(backward, dict):
            # tf.keras writes a backward layer given to the constructor.
            config['backward_layer'] = deserialize_layer(
                backward, custom_objects=custom_objects)
        wrapper = cls(layer, **config)
        wrapper._num_constants = num_constants
        for sub in (wrapper.forward_layer, wrapper.backward_layer):
            sub._num_constants = num_constants or 0
        return wrapper
