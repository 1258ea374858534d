"""`keras.utils.losses_utils` (Keras 2.3): loss reductions and sample
weighting, shared with the `keras.losses.Loss` classes."""
from .. import backend as K
from ..losses import Reduction, compute_weighted_loss  # noqa: F401


def squeeze_or_expand_dimensions(y_pred, y_true=None, sample_weight=None):
    """Makes `y_true` and `sample_weight` rank-compatible with `y_pred`:
    a trailing axis of size 1 is dropped from whichever of y_pred / y_true
    has one axis more, and sample_weight is squeezed or expanded to
    y_pred's rank. Returns (y_pred, y_true) or (y_pred, y_true,
    sample_weight) when a weight is given."""
    y_pred = K.as_tensor(y_pred)
    if y_true is not None:
        y_true = K.as_tensor(y_true)
        if y_pred.dim() == y_true.dim() + 1 and y_pred.shape[-1] == 1:
            y_pred = y_pred.squeeze(-1)
        elif y_true.dim() == y_pred.dim() + 1 and y_true.shape[-1] == 1:
            y_true = y_true.squeeze(-1)
    if sample_weight is None:
        return y_pred, y_true
    sample_weight = K.as_tensor(sample_weight)
    if sample_weight.dim() == y_pred.dim() + 1 and \
            sample_weight.shape[-1] == 1:
        sample_weight = sample_weight.squeeze(-1)
    elif y_pred.dim() == sample_weight.dim() + 1:
        sample_weight = sample_weight.unsqueeze(-1)
    return y_pred, y_true, sample_weight


def reduce_weighted_loss(weighted_losses,
                         reduction=Reduction.SUM_OVER_BATCH_SIZE):
    """'none' keeps the values, 'sum' adds them, 'sum_over_batch_size'
    (and 'auto') divides the sum by their number."""
    weighted_losses = K.as_tensor(weighted_losses)
    if reduction == Reduction.NONE:
        return weighted_losses
    total = weighted_losses.sum()
    if reduction == Reduction.SUM:
        return total
    return total / max(1, weighted_losses.numel())


def broadcast_weights(values, sample_weight):
    """`sample_weight` broadcast to the shape of `values`."""
    values = K.as_tensor(values)
    sample_weight = K.as_tensor(sample_weight).to(values.dtype)
    while sample_weight.dim() < values.dim():
        sample_weight = sample_weight.unsqueeze(-1)
    return sample_weight.expand_as(values)
