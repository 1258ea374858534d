"""tf.keras 2.x's `keras.layers.experimental` spellings."""
from .normalization import SyncBatchNormalization  # noqa: F401
