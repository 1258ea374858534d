"""Helpers of Keras 2's and tf.keras's recurrent module that custom cells
and RNN wrappers import from `keras.layers.recurrent` (or
`tensorflow.python.keras.layers.recurrent`): `_standardize_args`,
`DropoutRNNCellMixin`, `_generate_zero_filled_state_for_cell`,
`_caching_device` and `_config_for_enable_caching_device`."""
import torch

from ..backend.tensor_shape import TensorShape


def _standardize_args(inputs, initial_state, constants, num_constants):
    """Splits `[inputs, *initial_state, *constants]` (as a model loaded
    from a file passes them to `RNN.__call__`) into `(inputs,
    initial_state, constants)`, the last two lists or None."""
    if isinstance(inputs, list):
        assert initial_state is None and constants is None
        if num_constants:
            constants = inputs[-num_constants:]
            inputs = inputs[:-num_constants]
        if len(inputs) > 1:
            initial_state = inputs[1:]
            inputs = inputs[:1]
        inputs = tuple(inputs) if len(inputs) > 1 else inputs[0]

    def to_list_or_none(x):
        if x is None or isinstance(x, list):
            return x
        if isinstance(x, tuple):
            return list(x)
        return [x]

    return inputs, to_list_or_none(initial_state), to_list_or_none(constants)


class DropoutRNNCellMixin(object):
    """tf.keras's mixin of RNN cells with `dropout` and
    `recurrent_dropout`: `get_dropout_mask_for_cell(inputs, training,
    count=1)` and `get_recurrent_dropout_mask_for_cell(...)` draw masks
    once and give the same masks at every timestep, until the RNN layer
    resets them at its next call (`reset_dropout_mask()`,
    `reset_recurrent_dropout_mask()`)."""

    def __init__(self, *args, **kwargs):
        self._create_non_trackable_mask_cache()
        super(DropoutRNNCellMixin, self).__init__(*args, **kwargs)

    def _create_non_trackable_mask_cache(self):
        object.__setattr__(self, '_dropout_mask_cache', {})
        object.__setattr__(self, '_recurrent_dropout_mask_cache', {})

    def _mask_caches(self):
        if '_dropout_mask_cache' not in self.__dict__:
            self._create_non_trackable_mask_cache()
        return self._dropout_mask_cache, self._recurrent_dropout_mask_cache

    def reset_dropout_mask(self):
        """Forgets the input dropout masks drawn so far."""
        self._mask_caches()[0].clear()

    def reset_recurrent_dropout_mask(self):
        """Forgets the recurrent dropout masks drawn so far."""
        self._mask_caches()[1].clear()

    def _create_dropout_mask(self, inputs, training, count=1):
        from .recurrent import _generate_dropout_mask
        return _generate_dropout_mask(torch.ones_like(inputs), self.dropout,
                                      training=training, count=count)

    def _create_recurrent_dropout_mask(self, inputs, training, count=1):
        from .recurrent import _generate_dropout_mask
        return _generate_dropout_mask(torch.ones_like(inputs),
                                      self.recurrent_dropout,
                                      training=training, count=count)

    def get_dropout_mask_for_cell(self, inputs, training, count=1):
        """The input dropout mask (a list of `count` masks when `count` >
        1), drawn at the first call after a reset; None without
        dropout."""
        if self.dropout == 0:
            return None
        cache = self._mask_caches()[0]
        if 'mask' not in cache:
            cache['mask'] = self._create_dropout_mask(inputs, training, count)
        return cache['mask']

    def get_recurrent_dropout_mask_for_cell(self, inputs, training, count=1):
        """The recurrent dropout mask, as `get_dropout_mask_for_cell`."""
        if self.recurrent_dropout == 0:
            return None
        cache = self._mask_caches()[1]
        if 'mask' not in cache:
            cache['mask'] = self._create_recurrent_dropout_mask(
                inputs, training, count)
        return cache['mask']


def reset_cell_dropout_masks(cell):
    """What tf.keras's RNN layer does at each call: the dropout masks of
    the cell (of each cell of a stack) are drawn again."""
    for each in getattr(cell, 'cells', None) or [cell]:
        if isinstance(each, DropoutRNNCellMixin):
            each.reset_dropout_mask()
            each.reset_recurrent_dropout_mask()


def _generate_zero_filled_state(batch_size, state_size, dtype):
    """Zeros of shape `[batch_size] + state_size` (one tensor per state
    when `state_size` is a list)."""
    if batch_size is None or dtype is None:
        raise ValueError(
            'batch_size and dtype cannot be None while constructing initial '
            'state: batch_size={}, dtype={}'.format(batch_size, dtype))
    from .. import backend as K

    def create_zeros(size):
        dims = TensorShape(size).as_list()
        return torch.zeros([int(batch_size)] + dims,
                           dtype=_torch_dtype(dtype), device=K.get_device())

    if hasattr(state_size, '__len__') and \
            not isinstance(state_size, TensorShape):
        return [create_zeros(size) for size in state_size]
    return create_zeros(state_size)


def _torch_dtype(dtype):
    if isinstance(dtype, torch.dtype):
        return dtype
    return getattr(torch, getattr(dtype, 'name', None) or str(dtype))


def _generate_zero_filled_state_for_cell(cell, inputs, batch_size, dtype):
    """The all-zeros initial state of `cell`, for the batch of `inputs`
    (or of `batch_size` and `dtype`)."""
    if inputs is not None:
        batch_size = inputs.shape[0]
        dtype = inputs.dtype
    return _generate_zero_filled_state(batch_size, cell.state_size, dtype)


def _caching_device(rnn_cell):
    """The device RNN variables are read through: None, as in eager
    tf.keras (variables live where the cell runs)."""
    return None


def _config_for_enable_caching_device(rnn_cell):
    """The `enable_caching_device` entry of a cell's config: given only
    when it differs from the eager default (True)."""
    enabled = getattr(rnn_cell, '_enable_caching_device', True)
    if enabled is not True:
        return {'enable_caching_device': enabled}
    return {}
