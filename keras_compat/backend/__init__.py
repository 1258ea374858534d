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
from . import conv_ops as _conv_ops
from .ops import symbolic_aware_names
from .tf_keras_ops import (random_bernoulli, binary_focal_crossentropy,
                           categorical_focal_crossentropy, experimental)

# Convolution and pooling functions; on symbolic (functional-API) tensors
# they record a graph node like the other tensor functions.
_CONV_NAMES = ('conv1d', 'conv2d', 'conv3d', 'conv2d_transpose',
               'conv3d_transpose', 'depthwise_conv2d', 'separable_conv1d',
               'separable_conv2d', 'pool2d', 'pool3d', 'local_conv1d',
               'local_conv2d')
globals().update({name: getattr(_conv_ops, name) for name in _CONV_NAMES})
symbolic_aware_names(globals(), _CONV_NAMES)
ctc_decode = _conv_ops.ctc_decode
ctc_label_dense_to_sparse = _conv_ops.ctc_label_dense_to_sparse
# Keras 2.2's TensorFlow backend exposed `tf` (K.tf.range, ..., and to
# `from keras.backend import *`): here the TensorFlow operations, on PyTorch.
from .. import tensorflow_compat as tf  # noqa: E402
import builtins as _builtins  # noqa: E402

# Keras 2.1 and 2.2's TensorFlow backend imported these TensorFlow modules,
# and code written for it reaches them through the backend
# (keras-yolo3's `K.control_flow_ops.while_loop`).
control_flow_ops = tf.python.ops.control_flow_ops
tensor_array_ops = tf.python.ops.tensor_array_ops

# Keras 2's backend kept Python's builtins under these names (its own
# `all`, `any`, `sum` and `slice` shadow them).
py_all, py_any, py_sum, py_slice = (_builtins.all, _builtins.any,
                                    _builtins.sum, _builtins.slice)


def is_symbolic(x):
    """Whether `x` is a symbolic Keras tensor (Keras 2.3)."""
    return getattr(x, '_is_keras_symbolic', False)


def get_graph():
    """The graph Keras 2.3 builds in (on PyTorch, a stand-in for
    `as_default()` scopes)."""
    return tf.get_default_graph()


def __getattr__(name):
    # `K.tensorflow_backend._get_available_gpus()` works in Keras 2 scripts
    # without importing the submodule first.
    if name in ('tensorflow_backend', 'load_backend'):
        import importlib
        return importlib.import_module('.' + name, __name__)
    if name == 'tensorflow':
        return tf
    if name == 'Function':
        # The class K.function returns.
        from ..engine.symbolic import Function
        return Function
    if name in ('th', 'T', 'C', 'theano'):
        # Keras 2's TensorFlow/Theano/CNTK backends exposed their framework
        # module; an AttributeError keeps `hasattr(K, 'tf')` checks working.
        raise AttributeError(
            'keras.backend.%s: this backend runs on PyTorch and has no %s '
            'module; write the computation with keras.backend functions '
            '(K.mean, K.switch, K.gather, ...) or torch.'
            % (name, 'Theano' if name in ('th', 'T', 'theano') else 'CNTK'))
    raise AttributeError('module %r has no attribute %r' % (__name__, name))
