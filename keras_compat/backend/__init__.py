"""`keras.backend` on PyTorch: configuration, device selection and the
tensor functions user code writes against (`K.mean`, `K.epsilon`, ...)."""
from .common import (epsilon, set_epsilon, floatx, set_floatx,
                     cast_to_floatx, image_data_format,
                     set_image_data_format, normalize_data_format,
                     image_dim_ordering, set_image_dim_ordering, get_uid,
                     reset_uids, learning_phase, set_learning_phase,
                     learning_phase_scope, keras_dir)
from .device import get_device, set_device
from .ops import *  # noqa: F401,F403
from .ops import (torch_dtype, dtype_name, _t as as_tensor)  # noqa: F401
