"""The engine: Layer base class, symbolic graph, Network, Model (training)
and Sequential."""
from .base_layer import Layer, InputSpec
from .input_layer import Input, InputLayer
from .keras_tensor import KerasTensor, Node
from .network import Network, get_source_inputs
from .training import Model
from .sequential import Sequential
from . import training_utils  # noqa: F401
# Keras 2 module paths that scripts reach as attributes of keras.engine.
from . import topology, saving  # noqa: F401,E402
