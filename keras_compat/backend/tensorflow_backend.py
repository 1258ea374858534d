"""Keras 2 module path `keras.backend.tensorflow_backend`, imported by
scripts for `set_session`, `get_session`, `clear_session` or
`_get_available_gpus`. The functions are keras_compat's backend, on
PyTorch."""
import torch

from . import *  # noqa: F401,F403
from . import get_session, set_session, clear_session  # noqa: F401


def _get_available_gpus():
    """The visible CUDA devices, named as TensorFlow names GPUs."""
    if not torch.cuda.is_available():
        return []
    return ['/job:localhost/replica:0/task:0/device:GPU:%d' % index
            for index in range(torch.cuda.device_count())]


def _to_tensor(x, dtype):
    """A tensor of `dtype` holding `x` (Keras 2's TensorFlow helper that
    losses and layers written for it import)."""
    from .ops import _t
    return _t(x, dtype)
