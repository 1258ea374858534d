"""Device selection: CUDA when available, else CPU.

`KERAS_COMPAT_DEVICE=cpu|cuda|cuda:1` or `set_device(...)` overrides the
automatic choice. Every layer creates its weights on this device and the
training loops move data there."""
import os

import torch

_DEVICE = None


def _default_device():
    requested = os.environ.get('KERAS_COMPAT_DEVICE', '').strip()
    if requested:
        device = torch.device(requested)
        if device.type == 'cuda' and not torch.cuda.is_available():
            raise RuntimeError(
                'KERAS_COMPAT_DEVICE=%s asks for CUDA, but torch sees no '
                'CUDA device on this machine. Unset it or use "cpu".'
                % requested)
        return device
    if torch.cuda.is_available():
        return torch.device('cuda', torch.cuda.current_device())
    return torch.device('cpu')


def get_device():
    """The torch.device new weights and training data are placed on."""
    global _DEVICE
    if _DEVICE is None:
        _DEVICE = _default_device()
    return _DEVICE


def set_device(device):
    """Sets the device for weights created from now on, e.g. 'cpu', 'cuda:1'.

    Models already built stay where they are; move them with `model.to()`."""
    global _DEVICE
    device = torch.device(device)
    if device.type == 'cuda' and not torch.cuda.is_available():
        raise RuntimeError('set_device(%r): torch sees no CUDA device.'
                           % str(device))
    _DEVICE = device
