"""`InputLayer` and `Input()`: the entry points of a model graph."""
from ..backend import common, graph_names
from .base_layer import Layer
from . import fed_tensors
from .keras_tensor import KerasTensor, Node


def _dtype_name(dtype):
    """A dtype name from a string or a serialized dtype policy."""
    if isinstance(dtype, dict):
        return dtype.get('config', {}).get('name') or common.floatx()
    if getattr(dtype, 'name', None) == 'string':
        return 'string'  # (tf.string: an Input of text, see StringLookup)
    return dtype


def _computed_history(tensor):
    """The (layer, node index, tensor index) that computed `tensor`, when
    it is not already the output of an input layer."""
    history = getattr(tensor, '_keras_history', None)
    if history is None or isinstance(history[0], InputLayer):
        return None
    return tuple(history)


class InputLayer(Layer):
    """The layer behind `Input()`: holds the batch input shape and dtype and
    passes its input through unchanged."""

    def __init__(self, input_shape=None, batch_size=None,
                 batch_input_shape=None, dtype=None, input_tensor=None,
                 sparse=False, name=None, **kwargs):
        if 'input_dtype' in kwargs:
            dtype = kwargs.pop('input_dtype')
        if 'batch_shape' in kwargs and batch_input_shape is None:
            batch_input_shape = kwargs.pop('batch_shape')
        for flag in ('ragged', 'optional'):
            if kwargs.pop(flag, False):
                raise NotImplementedError('InputLayer(%s=True) is not '
                                          'supported.' % flag)
        if kwargs:
            raise TypeError('Keyword argument not understood:',
                            sorted(kwargs)[0])
        dtype = _dtype_name(dtype)
        if dtype is None and input_tensor is not None:
            from .. import backend as K
            dtype = K.dtype(input_tensor)
        if not name:
            prefix = 'input'
            from .. import backend as K
            name = prefix + '_' + str(K.get_uid(prefix))
        super(InputLayer, self).__init__(name=name, dtype=dtype or
                                         common.floatx())
        self.trainable = False
        self.built = True
        self.sparse = sparse
        if input_shape is not None and batch_input_shape is not None:
            raise ValueError('Only provide the input_shape OR '
                             'batch_input_shape argument to InputLayer, not '
                             'both at the same time.')
        fixed = None
        if input_tensor is not None and \
                not getattr(input_tensor, '_is_keras_symbolic', False):
            # A fixed tensor or variable as the model's data (Keras 2's
            # input tensors): a graph input that every run reads it into.
            from .. import backend as K
            fixed, input_tensor = input_tensor, None
            if batch_input_shape is None:
                batch_input_shape = K.int_shape(fixed)
        if input_tensor is not None and batch_input_shape is None:
            batch_input_shape = tuple(input_tensor._keras_shape)
        if batch_input_shape is None:
            if input_shape is None:
                raise ValueError('An Input layer should be passed either a '
                                 '`batch_input_shape` or an `input_shape`.')
            if isinstance(input_shape, int):
                input_shape = (input_shape,)
            batch_input_shape = (batch_size,) + tuple(input_shape)
        else:
            batch_input_shape = tuple(batch_input_shape)
        self.batch_input_shape = batch_input_shape
        self.is_placeholder = input_tensor is None
        # Input(tensor=x) on a tensor computed from other graph tensors (a
        # placeholder scaled, variables concatenated): the tensor becomes
        # this layer's output, as in Keras 2, and remembers what computed
        # it, so that a K.function fed the tensors it came from computes
        # it (TensorFlow's graph kept that edge).
        self._source_history = _computed_history(input_tensor)
        if input_tensor is None:
            input_tensor = KerasTensor(batch_input_shape, dtype=self.dtype,
                                       name=self.name, sparse=sparse)
            graph_names.name_input(self, input_tensor)
        if fixed is not None:
            self.is_placeholder = False
            fed_tensors.mark(input_tensor, fed_tensors.FixedFeed(fixed), 0)
        input_tensor._is_input = True
        input_tensor._keras_history = (self, 0, 0)
        Node(self, inbound_layers=[], node_indices=[], tensor_indices=[],
             input_tensors=[input_tensor], output_tensors=[input_tensor],
             input_shapes=[batch_input_shape],
             output_shapes=[batch_input_shape])

    @property
    def input_shape(self):
        """Keras 2: `(None, 4)`; tf.keras 2.x wraps it in a list,
        `[(None, 4)]`."""
        return self._shape_as_reported()

    @property
    def output_shape(self):
        return self._shape_as_reported()

    def _shape_as_reported(self):
        if common.is_tf_keras():
            return [self.batch_input_shape]
        return self.batch_input_shape

    def get_config(self):
        config = {'batch_input_shape': self.batch_input_shape,
                  'dtype': self.dtype, 'sparse': self.sparse}
        if common.is_tf_keras():
            config['ragged'] = False
        config['name'] = self.name
        return config


def Input(shape=None, batch_shape=None, name=None, dtype=None, sparse=False,
          tensor=None, batch_size=None, **kwargs):
    """A symbolic input tensor: `Input(shape=(784,))` stands for a batch of
    784-vectors, `Input(batch_shape=(32, 10, 8))` fixes the batch size.
    tf.keras's second argument is the batch size: `Input((784,), 32)`."""
    if 'input_dtype' in kwargs:
        dtype = kwargs.pop('input_dtype')
    if common.is_tf_keras() and isinstance(batch_shape, int) and \
            batch_size is None:
        batch_shape, batch_size = None, batch_shape
    if kwargs.pop('ragged', None):
        raise NotImplementedError('Input(ragged=True) is not supported; '
                                  'pad the sequences to dense tensors '
                                  '(keras.preprocessing.sequence.'
                                  'pad_sequences).')
    if kwargs:
        raise TypeError('Unexpected keyword arguments to Input: %s'
                        % sorted(kwargs))
    if batch_shape is None and tensor is None:
        if shape is None:
            if common.is_tf_keras():
                raise ValueError('Please provide to Input a `shape` or a '
                                 '`tensor` or a `type_spec` argument. Note '
                                 'that `shape` does not include the batch '
                                 'dimension.')
            raise AssertionError('Please provide to Input either a `shape` '
                                 'or a `batch_shape` argument. Note that '
                                 '`shape` does not include the batch '
                                 'dimension.')
    if shape is not None and batch_shape is None:
        if isinstance(shape, int):
            shape = (shape,)
        batch_shape = (batch_size,) + tuple(shape)
    layer = InputLayer(batch_input_shape=batch_shape, name=name,
                       dtype=dtype, sparse=sparse, input_tensor=tensor)
    return layer._inbound_nodes[0].output_tensors[0]
