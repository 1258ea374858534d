"""keras_compat: the Keras 2 API on PyTorch.

Existing Keras 2 scripts run unchanged (`python -m keras_compat run
script.py`, or `keras_compat.install_as_keras()`), with every layer a
`torch.nn.Module` and training done by torch on CPU or CUDA."""
# The Keras API version this package follows and writes into saved files.
# Served as `keras.__version__`, since libraries compare it against Keras 2
# releases (`LooseVersion(keras.__version__) >= '2.1.3'`).
KERAS_API_VERSION = '2.3.1'
__version__ = KERAS_API_VERSION

# The version of the keras_compat package itself.
PACKAGE_VERSION = '0.1.0'

from . import backend  # noqa: E402
from . import activations, initializers, regularizers, constraints  # noqa
from . import losses, metrics, optimizers, callbacks  # noqa: E402
from . import utils, layers, models, engine, legacy  # noqa: E402
from . import preprocessing, datasets, wrappers, applications  # noqa: E402
from . import mixed_precision  # noqa: E402
from . import experimental  # noqa: E402
from . import estimator  # noqa: E402  (tf.keras.estimator)
from .models import Sequential, Model  # noqa: E402
from .layers import Input  # noqa: E402
from .aliasing import install_as_keras  # noqa: E402
from .backend.common import api_flavour, set_api_flavour  # noqa: E402

__all__ = ['backend', 'activations', 'applications', 'initializers',
           'regularizers', 'constraints', 'losses', 'metrics', 'optimizers',
           'callbacks', 'datasets', 'preprocessing', 'wrappers', 'utils',
           'layers', 'models', 'engine', 'Sequential', 'Model', 'Input',
           'install_as_keras']


def load_ipython_extension(ipython):
    """`%load_ext keras_compat` in IPython or Jupyter: `import keras` (and
    `tensorflow`) in the cells that follow is keras_compat."""
    from .notebooks import load_ipython_extension as load
    load(ipython)

# Under torchrun, join the process group now, before the script draws its
# random data, so that every process starts from rank 0's random state.
from . import distributed  # noqa: E402
distributed.initialize()
