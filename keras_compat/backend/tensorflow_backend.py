"""Keras 2 module path `keras.backend.tensorflow_backend`, imported by
scripts for `set_session`, `get_session`, `clear_session` or
`_get_available_gpus`. The functions are keras_compat's backend, on
PyTorch."""
import collections.abc

import torch

from . import *  # noqa: F401,F403
from . import get_session, set_session, clear_session  # noqa: F401
from . import common as _common


class _GraphLearningPhases(collections.abc.MutableMapping):
    """Keras 2's `_GRAPH_LEARNING_PHASES` (graph -> learning phase) over
    the one learning phase there is: setting an entry forces a phase
    (`K._GRAPH_LEARNING_PHASES[tf.get_default_graph()] = 0`); setting it
    back to what `K.learning_phase()` returned before a
    `K.set_learning_phase` restores that, the running loop's phase when
    none was forced (Keras 2's placeholder); deleting it forgets a forced
    phase."""

    def __getitem__(self, graph):
        return _common.learning_phase()

    def __setitem__(self, graph, value):
        if isinstance(value, _common.LearningPhase) and not value.forced:
            _common.clear_forced_learning_phase()
        else:
            _common.set_learning_phase(int(value))

    def __delitem__(self, graph):
        _common.clear_forced_learning_phase()

    def __iter__(self):
        from ..tensorflow_compat import get_default_graph
        return iter([get_default_graph()])

    def __len__(self):
        return 1


_GRAPH_LEARNING_PHASES = _GraphLearningPhases()


def _get_available_gpus():
    """The visible CUDA devices, named as TensorFlow names GPUs."""
    if not torch.cuda.is_available():
        return []
    return ['/job:localhost/replica:0/task:0/device:GPU:%d' % index
            for index in range(torch.cuda.device_count())]


def _to_tensor(x, dtype):
    """A tensor of `dtype` holding `x` (Keras 2's TensorFlow helper that
    losses and layers written for it import)."""
    from .ops import _t
    return _t(x, dtype)


def _is_current_explicit_device(device_type):
    """Whether a `tf.device` scope places the ops on `device_type` ('CPU'
    or 'GPU'): never, since device scopes do not place keras_compat's
    computations (KERAS_COMPAT_DEVICE does)."""
    if device_type.lower() not in ('cpu', 'gpu'):
        raise ValueError('`device_type` should be either "cpu" or "gpu".')
    return False


def _has_nchw_support():
    """Whether TensorFlow's convolutions may be given NCHW data: no, the
    `tf.nn` convolutions served here take NHWC (as TensorFlow's on CPU)."""
    return False


def _preprocess_conv2d_input(x, data_format, force_transpose=False):
    """`(x, tf_data_format)` for `tf.nn.conv2d`: channels_first input is
    transposed to NHWC."""
    from .. import backend as K
    if data_format == 'channels_first':
        x = K.permute_dimensions(x, (0, 2, 3, 1))
    return x, 'NHWC'


def _preprocess_conv3d_input(x, data_format):
    """`(x, tf_data_format)` for `tf.nn.conv3d`: channels_first input is
    transposed to NDHWC."""
    from .. import backend as K
    if data_format == 'channels_first':
        x = K.permute_dimensions(x, (0, 2, 3, 4, 1))
    return x, 'NDHWC'


def _preprocess_padding(padding):
    """Keras's padding name as TensorFlow's ('SAME' or 'VALID')."""
    if padding == 'same':
        return 'SAME'
    if padding == 'valid':
        return 'VALID'
    raise ValueError('Invalid padding: ' + str(padding))
