"""The values a `tf.GradientTape` read, kept across in-place updates.

TensorFlow's tapes keep the values an operation read, so a GAN loop may
apply the discriminator's gradients before asking the generator's tape
for its own (WGAN-GP as Raschka's book writes it): the generator's
gradients are those of the weights as they were read. torch's autograd
saves the weights themselves and refuses to differentiate through a
weight updated in place since.

Inside a tape's block, the weights an operation saves for its backward
pass (leaves requiring gradients, and views of them) are recorded with
their version; an optimizer step taken while a tape has not answered
yet first copies the weights it updates (`keep_values`), and the
backward pass reads that copy where the weight has changed since."""
import weakref

import torch

# id(weight) -> (weight, {version it had when copied: its value then});
# emptied when the last waiting tape answers.
_OLD_VALUES = {}
# The tapes that recorded and have not answered yet.
WAITING = weakref.WeakSet()


class _SavedWeight(object):
    """A weight (or view of one) an operation saved, and the version of
    the weight at that time."""

    __slots__ = ('tensor', 'base', 'version')

    def __init__(self, tensor, base):
        self.tensor = tensor
        self.base = base
        self.version = tensor._version


def _weight_of(tensor):
    """The weight `tensor` is (or views), or None."""
    if not tensor.requires_grad:
        return None
    if tensor.is_leaf:
        return tensor
    base = tensor._base
    return base if base is not None and base.is_leaf else None


def _pack(tensor):
    base = _weight_of(tensor)
    return tensor if base is None else _SavedWeight(tensor, base)


def _unpack(saved):
    if not isinstance(saved, _SavedWeight):
        return saved
    tensor = saved.tensor
    if tensor._version == saved.version:
        return tensor
    entry = _OLD_VALUES.get(id(saved.base))
    old = entry[1].get(saved.version) \
        if entry is not None and entry[0] is saved.base else None
    if old is None:
        raise RuntimeError(
            'one of the variables needed for gradient computation has been '
            'modified by an inplace operation: take the gradients of every '
            'tape before applying updates to the weights they read.')
    if tensor is saved.base:
        return old
    offset = tensor.storage_offset() - saved.base.storage_offset()
    return old.as_strided(tensor.size(), tensor.stride(), offset)


def recording():
    """The context in which a tape's operations save weights with their
    versions."""
    return torch.autograd.graph.saved_tensors_hooks(_pack, _unpack)


def keep_values(weights):
    """Copies `weights` before an in-place update, for the tapes that
    read them and have not answered yet (none: nothing to copy)."""
    if not any(tape.persistent or not tape._used for tape in list(WAITING)):
        return
    with torch.no_grad():
        for weight in weights:
            if isinstance(weight, torch.Tensor):
                entry = _OLD_VALUES.get(id(weight))
                if entry is None or entry[0] is not weight:
                    entry = _OLD_VALUES[id(weight)] = (weight, {})
                entry[1][weight._version] = weight.detach().clone()


def forget():
    """Drops the copies (no tape is left to read them)."""
    _OLD_VALUES.clear()
