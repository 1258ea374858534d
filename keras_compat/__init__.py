"""keras_compat: the Keras 2 API on PyTorch.

Existing Keras 2 scripts run unchanged (`python -m keras_compat run
script.py`, or `keras_compat.install_as_keras()`), with every layer a
`torch.nn.Module` and training done by torch on CPU or CUDA."""
__version__ = '0.1.0'

# The Keras API version this package follows and writes into saved files.
KERAS_API_VERSION = '2.3.1'

from . import backend  # noqa: E402
from . import activations, initializers, regularizers, constraints  # noqa
from . import losses, metrics, optimizers, callbacks  # noqa: E402
from . import utils, layers, models, engine, legacy  # noqa: E402
from . import preprocessing, datasets, wrappers  # noqa: E402
from . import mixed_precision  # noqa: E402
from .models import Sequential, Model  # noqa: E402
from .layers import Input  # noqa: E402
from .aliasing import install_as_keras  # noqa: E402

__all__ = ['backend', 'activations', 'initializers', 'regularizers',
           'constraints', 'losses', 'metrics', 'optimizers', 'callbacks',
           'utils', 'layers', 'models', 'engine', 'Sequential', 'Model',
           'Input', 'install_as_keras']

# Under torchrun, join the process group now, before the script draws its
# random data, so that every process starts from rank 0's random state.
from . import distributed  # noqa: E402
distributed.initialize()
