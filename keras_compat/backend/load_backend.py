"""Keras 2.3 module path `keras.backend.load_backend`: the module that
holds the backend functions. Here they are keras_compat's, on PyTorch."""
from . import *  # noqa: F401,F403
from . import backend  # noqa: F401

_BACKEND = backend()
