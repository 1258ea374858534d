"""Keras 2.2 module path `keras.engine.saving`."""
from ..saving.hdf5 import *  # noqa: F401,F403
from ..saving.config import *  # noqa: F401,F403
from ..utils.io_utils import ask_to_proceed_with_overwrite  # noqa: F401,E402
