"""tf.keras 2.x's `keras.layers.experimental` spellings."""
import types

from .core import Rescaling
from .normalization import SyncBatchNormalization  # noqa: F401

# tf.keras 2.3-2.5 spelled the preprocessing layers there.
preprocessing = types.SimpleNamespace(Rescaling=Rescaling)
