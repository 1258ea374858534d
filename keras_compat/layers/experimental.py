"""tf.keras 2.x's `keras.layers.experimental` spellings."""
import types

from .core import Rescaling
from .einsum_dense import EinsumDense  # noqa: F401
from .normalization import SyncBatchNormalization  # noqa: F401
from . import preprocessing as _preprocessing

# tf.keras 2.3-2.5 spelled the preprocessing layers there.
preprocessing = types.SimpleNamespace(
    Rescaling=Rescaling, PreprocessingLayer=_preprocessing.PreprocessingLayer,
    **{name: getattr(_preprocessing, name) for name in (
        'Normalization', 'Discretization', 'CategoryEncoding', 'Resizing',
        'CenterCrop', 'RandomFlip', 'RandomTranslation', 'RandomRotation',
        'RandomZoom', 'RandomContrast', 'RandomBrightness', 'RandomCrop',
        'RandomHeight', 'RandomWidth')})
for _name in ('TextVectorization', 'StringLookup', 'IntegerLookup', 'Hashing'):
    from . import text_preprocessing as _text
    setattr(preprocessing, _name, getattr(_text, _name))
