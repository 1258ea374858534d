"""Keras 2.0-2.1 module path `keras.engine.topology`."""
from .base_layer import Layer, InputSpec  # noqa: F401
from .input_layer import Input, InputLayer  # noqa: F401
from .keras_tensor import Node  # noqa: F401
from .network import Network as Container, Network  # noqa: F401
from .network import get_source_inputs  # noqa: F401
from ..saving.hdf5 import (save_weights_to_hdf5_group,  # noqa: F401
                           load_weights_from_hdf5_group,
                           load_weights_from_hdf5_group_by_name)
