"""Indexing as TensorFlow (and so Keras 2 code) does it, on torch
tensors: slices stepping backward (`x[..., ::-1]`, `boxes[:, ::-1]`)."""
import torch


def steps_backward(item):
    return isinstance(item, slice) and item.step is not None and \
        item.step < 0


def forward_steps(tensor, index):
    """torch slices step forward only: each slice stepping backward
    becomes a `torch.flip` of its axis and a forward slice of the flipped
    tensor (the same elements in the same order)."""
    items = list(index) if isinstance(index, tuple) else [index]
    if not any(steps_backward(item) for item in items):
        return tensor, index
    flips = []
    for position, dim in enumerate(_input_dims(items, tensor.dim())):
        if steps_backward(items[position]):
            items[position] = _flipped_slice(items[position],
                                             tensor.shape[dim])
            flips.append(dim)
    return torch.flip(tensor, flips), tuple(items)


def _input_dims(items, rank):
    """The input axis each index item starts at (None, tf.newaxis, takes
    none; the Ellipsis those the other items leave)."""
    consumed = sum(1 for item in items
                   if item is not Ellipsis and item is not None)
    dims, dim = [], 0
    for item in items:
        dims.append(dim)
        if item is Ellipsis:
            dim += rank - consumed
        elif item is not None:
            dim += 1
    return dims


def _flipped_slice(item, size):
    """The forward slice of an axis of `size` flipped that picks what the
    backward slice `item` picks from the axis."""
    picked = range(size)[item]
    if not len(picked):
        return slice(0, 0)
    return slice(size - 1 - picked[0], size - picked[-1], -item.step)


def getitem(tensor, index):
    """`tensor[index]`, backward steps included."""
    tensor, index = forward_steps(tensor, index)
    return tensor[index]


def _any_step_backward(index):
    if type(index) is tuple:
        for item in index:
            if type(item) is slice and steps_backward(item):
                return True
        return False
    return type(index) is slice and steps_backward(index)


def _has_slicing_item(index):
    return any(item is None or item is Ellipsis or type(item) is slice
               for item in index)


def index_backward_steps():
    """Gives torch tensors TensorFlow's backward slices everywhere
    (`K.shape(x)[1:3][::-1]`, `boxes[..., ::-1]` in a script's own code,
    outside any layer call): torch refuses a negative step. Other indices
    go to torch's own `__getitem__` untouched."""
    torch_getitem = torch.Tensor.__getitem__
    if getattr(torch_getitem, '_keras_compat_backward_steps', False):
        return

    def __getitem__(self, index):
        if type(index) is list and _has_slicing_item(index):
            # (TensorFlow reads a list of slices and None as a tuple;
            # torch 2.9 stops doing so.)
            index = tuple(index)
        if _any_step_backward(index):
            self, index = forward_steps(self, index)
        return torch_getitem(self, index)

    __getitem__.__doc__ = torch_getitem.__doc__
    __getitem__._keras_compat_backward_steps = True
    torch.Tensor.__getitem__ = __getitem__


index_backward_steps()
