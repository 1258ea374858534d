"""tf.keras 2.x's `keras.layers.experimental` spellings."""
import importlib.machinery
import sys
import types

from .core import Rescaling
from .einsum_dense import EinsumDense  # noqa: F401
from .normalization import SyncBatchNormalization  # noqa: F401
from .kernelized import RandomFourierFeatures  # noqa: F401
from . import preprocessing as _preprocessing

# tf.keras 2.3-2.5 spelled the preprocessing layers there.
# A module of its own, so that `from ...experimental.preprocessing import
# Normalization` imports.
__path__ = []
preprocessing = types.ModuleType(__name__ + '.preprocessing',
                                 'tf.keras 2.3-2.5 preprocessing layers.')
preprocessing.__spec__ = importlib.machinery.ModuleSpec(
    preprocessing.__name__, None)
sys.modules[preprocessing.__name__] = preprocessing
preprocessing.__dict__.update(
    Rescaling=Rescaling, PreprocessingLayer=_preprocessing.PreprocessingLayer,
    **{name: getattr(_preprocessing, name) for name in (
        'Normalization', 'Discretization', 'CategoryEncoding', 'Resizing',
        'CenterCrop', 'RandomFlip', 'RandomTranslation', 'RandomRotation',
        'RandomZoom', 'RandomContrast', 'RandomBrightness', 'RandomCrop',
        'RandomHeight', 'RandomWidth')})
from . import text_preprocessing as _text  # noqa: E402
for _name in ('TextVectorization', 'StringLookup', 'IntegerLookup',
              'Hashing', 'HashedCrossing'):
    setattr(preprocessing, _name, getattr(_text, _name))
