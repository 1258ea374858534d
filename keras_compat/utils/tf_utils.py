"""`keras.utils.tf_utils` (tf.keras 2.x): the tensor helpers that Keras
layers and add-on libraries import from it."""
import functools

import numpy as np
import torch

from .. import backend as K


def is_symbolic_tensor(tensor):
    """Whether `tensor` is a symbolic Keras tensor (a functional-model
    input or output), as tf.keras's check for graph tensors."""
    return bool(getattr(tensor, '_is_keras_symbolic', False))


def is_tensor_or_variable(x):
    """Whether `x` is a tensor or a variable."""
    return isinstance(x, torch.Tensor) or is_symbolic_tensor(x)


def constant_value(pred):
    """The Python bool of `pred` (a bool, 0-d tensor or Variable), as
    tf.keras's smart_cond resolves static predicates."""
    if isinstance(pred, torch.Tensor):
        return bool(pred.detach().cpu().item())
    if isinstance(pred, (bool, int, np.bool_, np.integer)):
        return bool(pred)
    raise TypeError('`pred` must be a Tensor, or a Python bool, or 1 or 0. '
                    'Found instead: %s' % type(pred))


def smart_cond(pred, true_fn=None, false_fn=None, name=None):
    """`true_fn()` if `pred` holds, else `false_fn()`."""
    return true_fn() if constant_value(pred) else false_fn()


def _as_tuples(shapes):
    if hasattr(shapes, 'as_list'):
        return tuple(shapes.as_list()) if shapes.rank is not None else None
    if isinstance(shapes, (list, tuple)) and shapes and \
            all(isinstance(s, (list, tuple)) or hasattr(s, 'as_list')
                for s in shapes):
        return [_as_tuples(s) for s in shapes]
    return shapes


def shape_type_conversion(fn):
    """Decorates `compute_output_shape(self, input_shape)`: the method gets
    tuples and its result is returned as TensorShapes, as in tf.keras."""
    @functools.wraps(fn)
    def wrapper(instance, input_shape):
        from ..backend.tensor_shape import TensorShape
        output_shape = fn(instance, _as_tuples(input_shape))
        if isinstance(output_shape, list):
            return [TensorShape(s) for s in output_shape]
        return TensorShape(output_shape)
    return wrapper


def sync_to_numpy_or_python_type(tensors):
    """Tensors become numpy arrays, 0-d ones Python scalars."""
    def convert(value):
        if isinstance(value, torch.Tensor):
            value = K.get_value(value)
        if isinstance(value, np.ndarray) and value.ndim == 0:
            return value.item()
        return value
    if isinstance(tensors, (list, tuple)):
        return type(tensors)(sync_to_numpy_or_python_type(t)
                             for t in tensors)
    if isinstance(tensors, dict):
        return {k: sync_to_numpy_or_python_type(v)
                for k, v in tensors.items()}
    return convert(tensors)


def is_tensor_or_tensor_list(v):
    """Whether `v` is a tensor, or a nested structure whose first entry is
    one."""
    from ..tensorflow_compat import nest
    flat = nest.flatten(v)
    return bool(flat) and is_tensor_or_variable(flat[0])


class ListWrapper(object):
    """A list kept whole by nest functions (tf.keras wraps the
    `[layer_name, node_index, tensor_index]` entries of model configs)."""

    def __init__(self, list_to_wrap):
        self._list = list_to_wrap

    def as_list(self):
        return self._list


def _is_serialized_node_data(nested):
    return isinstance(nested, list) and len(nested) in (3, 4) and \
        isinstance(nested[0], str)


def convert_inner_node_data(nested, wrap=False):
    """Wraps (`wrap=True`) the node entries of a model config's
    `inbound_nodes` / `input_layers` in ListWrappers, or unwraps them."""
    if isinstance(nested, ListWrapper):
        return nested if wrap else nested.as_list()
    if _is_serialized_node_data(nested):
        return ListWrapper(nested) if wrap else nested
    if isinstance(nested, dict):
        return {k: convert_inner_node_data(v, wrap) for k, v in
                nested.items()}
    if isinstance(nested, (list, tuple)):
        return type(nested)(convert_inner_node_data(v, wrap)
                            for v in nested)
    return nested
