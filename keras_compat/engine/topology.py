"""Keras 2.0-2.1 module path `keras.engine.topology`."""
from .base_layer import Layer, InputSpec  # noqa: F401
from .input_layer import Input, InputLayer  # noqa: F401
from .keras_tensor import Node  # noqa: F401
from .network import Network as Container, Network  # noqa: F401
from .network import get_source_inputs  # noqa: F401
from ..saving.hdf5 import (save_weights_to_hdf5_group,  # noqa: F401
                           load_weights_from_hdf5_group,
                           load_weights_from_hdf5_group_by_name)
from .base_layer import (_collect_previous_mask,  # noqa: F401,E402
                         _collect_input_shape, _to_snake_case)
from .saving import preprocess_weights_for_loading  # noqa: F401,E402
from ..utils.generic_utils import has_arg  # noqa: F401,E402
from ..utils.layer_utils import (print_summary as  # noqa: F401,E402
                                 print_layer_summary, count_params)
# Keras 2.0-2.1's private name of object_list_uid.
from ..utils.generic_utils import (  # noqa: F401,E402
    object_list_uid as _object_list_uid)
