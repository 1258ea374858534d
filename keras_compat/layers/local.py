"""`keras.layers.local`: locally-connected layers (not supported yet)."""
from ._unsupported import unsupported_layer

_ADVICE = ('A Conv1D/Conv2D layer shares its kernel across positions; '
           'locally-connected (unshared) kernels are not implemented.')
LocallyConnected1D = unsupported_layer('LocallyConnected1D', _ADVICE)
LocallyConnected2D = unsupported_layer('LocallyConnected2D', _ADVICE)
