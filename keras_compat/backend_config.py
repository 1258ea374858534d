"""tf.keras's `backend_config` module (`tensorflow.python.keras.
backend_config`, imported by optimizer libraries): the epsilon, floatx and
image data format settings of `keras.backend`."""
from .backend.common import (epsilon, set_epsilon, floatx,  # noqa: F401
                             set_floatx, image_data_format,
                             set_image_data_format)
