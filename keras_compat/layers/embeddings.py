"""The Embedding layer."""
import numpy as np
import torch
import torch.nn.functional as F

from .. import backend as K
from .. import initializers, regularizers, constraints
from ..engine.base_layer import Layer
from ..legacy import interfaces
from ..utils import argument_validation


class Embedding(Layer):
    """Maps integer indices in [0, input_dim) to dense vectors of
    `output_dim` (weights initialised uniform(-0.05, 0.05)); with
    `mask_zero=True` index 0 is padding and masks the following layers."""

    def __init__(self, input_dim, output_dim,
                 embeddings_initializer='uniform',
                 embeddings_regularizer=None, activity_regularizer=None,
                 embeddings_constraint=None, mask_zero=False,
                 input_length=None, **kwargs):
        if 'dropout' in kwargs:
            kwargs.pop('dropout')
            import warnings
            warnings.warn('The `dropout` argument is no longer support in '
                          '`Embedding`. You can apply a '
                          '`keras.layers.SpatialDropout1D` layer right after '
                          'the `Embedding` layer to get the same behavior.')
        args = interfaces.legacy_args(
            'Embedding', kwargs, interfaces.EMBEDDING,
            {'embeddings_initializer': embeddings_initializer,
             'embeddings_regularizer': embeddings_regularizer,
             'embeddings_constraint': embeddings_constraint})
        if 'input_shape' not in kwargs and 'batch_input_shape' not in kwargs:
            if input_length:
                kwargs['input_shape'] = (input_length,)
            else:
                kwargs['input_shape'] = (None,)
        super(Embedding, self).__init__(**kwargs)
        if K.common.is_tf_keras() and all(
                isinstance(d, int) for d in (input_dim, output_dim)) and \
                (input_dim <= 0 or output_dim <= 0):
            raise ValueError('Both `input_dim` and `output_dim` should be '
                             'positive, Received input_dim = %s and '
                             'output_dim = %s' % (input_dim, output_dim))
        self.input_dim = argument_validation.positive_dim(input_dim,
                                                          'input_dim')
        self.output_dim = argument_validation.positive_dim(output_dim,
                                                           'output_dim')
        self.embeddings_initializer = initializers.get(
            args['embeddings_initializer'])
        self.embeddings_regularizer = regularizers.get(
            args['embeddings_regularizer'])
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.embeddings_constraint = constraints.get(
            args['embeddings_constraint'])
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        self.input_length = input_length

    def build(self, input_shape):
        self.embeddings = self.add_weight(
            shape=(self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer, name='embeddings',
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint, dtype=K.floatx())
        self.built = True

    def _output_dtype(self, inputs):
        return K.floatx()

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        if isinstance(inputs, (list, tuple, np.ndarray)):
            # (Nested lists of ids, as tf.keras converts them.)
            inputs = torch.as_tensor(np.asarray(inputs))
        if not isinstance(inputs, torch.Tensor):
            # (A symbolic input: `layer.compute_mask(layer.input)`.)
            return K.not_equal(inputs, 0)
        return inputs != 0

    def compute_output_shape(self, input_shape):
        if self.input_length is None:
            return tuple(input_shape) + (self.output_dim,)
        in_lens = list(self.input_length) if isinstance(
            self.input_length, (list, tuple)) else [self.input_length]
        if len(in_lens) != len(input_shape) - 1:
            raise ValueError('"input_length" is %s, but received input has '
                             'shape %s' % (str(self.input_length),
                                           str(input_shape)))
        for i, (s1, s2) in enumerate(zip(in_lens, input_shape[1:])):
            if s1 is not None and s2 is not None and s1 != s2 and \
                    K.common.is_tf_keras():
                # tf.keras takes the output shape from the call.
                in_lens[i] = s2
            elif s1 is not None and s2 is not None and s1 != s2:
                raise ValueError('"input_length" is %s, but received input '
                                 'has shape %s' % (str(self.input_length),
                                                   str(input_shape)))
            if s1 is None:
                in_lens[i] = s2
        return (input_shape[0],) + tuple(in_lens) + (self.output_dim,)

    def call(self, inputs):
        if inputs.dtype != torch.int64 and inputs.dtype != torch.int32:
            inputs = inputs.long()
        return F.embedding(inputs, self.embeddings)

    def _explain_failure(self, inputs, error):
        if isinstance(inputs, torch.Tensor) and inputs.numel():
            low, high = int(inputs.min()), int(inputs.max())
            if low < 0 or high >= self.input_dim:
                raise ValueError(
                    'Layer %s (Embedding) received index %d, outside [0, %d):'
                    ' input_dim must be larger than the largest index.'
                    % (self.name, high if high >= self.input_dim else low,
                       self.input_dim)) from error
        super(Embedding, self)._explain_failure(inputs, error)

    def get_config(self):
        config = {
            'input_dim': self.input_dim, 'output_dim': self.output_dim,
            'embeddings_initializer': initializers.serialize(
                self.embeddings_initializer),
            'embeddings_regularizer': regularizers.serialize(
                self.embeddings_regularizer),
            'activity_regularizer': regularizers.serialize(
                self.activity_regularizer),
            'embeddings_constraint': constraints.serialize(
                self.embeddings_constraint),
            'mask_zero': self.mask_zero,
            'input_length': self.input_length,
        }
        base_config = super(Embedding, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))

    def extra_repr(self):
        return 'name=%r, input_dim=%d, output_dim=%d, mask_zero=%s' % (
            self.name, self.input_dim, self.output_dim, self.mask_zero)
