"""Keras 2 activation functions, by name (`'relu'`) or as functions
(`keras.activations.relu`), on torch tensors."""
import functools
import warnings

import numpy as np
import torch
import torch.nn.functional as F

from . import backend as K
from .backend import gradient_overrides as _overrides
from .backend.device import get_device
from .backend.ops import symbolic_aware_names, torch_dtype
from .utils.generic_utils import (deserialize_keras_object,
                                  serialize_keras_object)


def _as_tensor(x):
    """`x` as a tensor, as TensorFlow converts an activation's argument:
    NumPy arrays and scalars keep their dtype, Python numbers and lists
    become float32 (floatx)."""
    if isinstance(x, torch.Tensor):
        return x
    if isinstance(x, (np.ndarray, np.generic)):
        return torch.as_tensor(np.asarray(x), device=get_device())
    return torch.as_tensor(x, dtype=torch_dtype(K.floatx()),
                           device=get_device())


def _accepts_array_likes(fn):
    """Lets an element-wise activation take NumPy values and Python
    numbers, as tf.keras's activations do."""
    @functools.wraps(fn)
    def wrapper(x, *args, **kwargs):
        return fn(_as_tensor(x), *args, **kwargs)
    return wrapper


def _tag_logits(output, logits, kind):
    # Losses recover the logits from a softmax/sigmoid output and compute
    # the cross-entropy in the numerically safe fused form, as tf.keras does.
    output._keras_logits = logits
    output._keras_logits_kind = kind
    return output


def softmax(x, axis=-1):
    """Softmax over `axis` (the last by default); rank >= 2. Standalone
    Keras 2 writes it out as exp(x - max) / sum for rank > 2, so that a
    cross-entropy of it takes the probabilities (normalised, clipped) and
    its exact gradient, not the fused form of TensorFlow's kernel."""
    if x.dim() < 2:
        raise ValueError('Cannot apply softmax to a tensor that is 1D. '
                         'Received input: %s' % (tuple(x.shape),))
    out = torch.softmax(x, dim=axis)
    if x.dim() > 2 and K.common.api_flavour() == 'keras':
        return out
    if axis == -1 or axis == x.dim() - 1:
        _tag_logits(out, x, 'softmax')
    return out


def elu(x, alpha=1.0):
    return _overrides.apply('Elu', functools.partial(F.elu, alpha=alpha), x,
                            alpha=alpha)


def selu(x):
    """Scaled ELU with Keras's alpha 1.6732632423543772 and scale
    1.0507009873554805."""
    return F.selu(x)


def softplus(x):
    return _overrides.apply('Softplus', F.softplus, x)


def softsign(x):
    return _overrides.apply('Softsign', F.softsign, x)


def relu(x, alpha=0., max_value=None, threshold=0.):
    """Rectified linear unit with optional leak, cap and threshold."""
    if alpha == 0. and max_value is None and threshold == 0.:
        return _overrides.apply('Relu', torch.relu, x)
    return K.relu(x, alpha=alpha, max_value=max_value, threshold=threshold)


def _apply_to_own_output(activation, x):
    """`activation(x)` for a layer's own pre-activation `x` (a fresh
    convolution or product that nothing else reads): the plain ReLU runs
    in place, sparing a pass over new memory. Autograd refuses the
    in-place write where the backward pass would need `x`, so a wrong use
    fails loudly."""
    if activation is relu and not _overrides.active('Relu'):
        return torch.relu_(x)
    return activation(x)


def tanh(x):
    return _overrides.apply('Tanh', torch.tanh, x)


def sigmoid(x):
    if _overrides.active('Sigmoid'):
        return _overrides.apply('Sigmoid', torch.sigmoid, x)
    out = torch.sigmoid(x)
    return _tag_logits(out, x, 'sigmoid')


def hard_sigmoid(x):
    """clip(0.2 * x + 0.5, 0, 1), the Keras 2 piecewise-linear sigmoid."""
    return torch.clamp(x * 0.2 + 0.5, 0.0, 1.0)


def exponential(x):
    return torch.exp(x)


def linear(x):
    return x


# Activations of tf.keras 2.x, which its files name.
def swish(x):
    """x * sigmoid(x) (tf.keras 2.2+; also named silu)."""
    return F.silu(x)


def gelu(x, approximate=False):
    """Gaussian error linear unit (tf.keras 2.4+): x * Phi(x), or its tanh
    approximation."""
    return F.gelu(x, approximate='tanh' if approximate else 'none')


def mish(x):
    """x * tanh(softplus(x)) (tf.keras 2.14+)."""
    return F.mish(x)


def relu6(x):
    """min(max(x, 0), 6) (tf.keras 2.x's 'relu6')."""
    return F.relu6(x)


def log_softmax(x, axis=-1):
    """log(softmax(x)) along `axis` (tf.keras 2.x's 'log_softmax')."""
    return torch.log_softmax(x, dim=axis)


for _name in ('elu', 'selu', 'softplus', 'softsign', 'relu', 'tanh',
              'sigmoid', 'exponential', 'swish', 'gelu', 'mish', 'relu6'):
    globals()[_name] = _accepts_array_likes(globals()[_name])

# On symbolic tensors (K.placeholder, functional-API tensors) an
# activation records a graph node.
symbolic_aware_names(globals(), (
    'softmax', 'elu', 'selu', 'softplus', 'softsign', 'relu', 'tanh',
    'sigmoid', 'hard_sigmoid', 'exponential', 'swish', 'gelu', 'mish',
    'relu6', 'log_softmax'))

_ALL = {
    'softmax': softmax, 'elu': elu, 'selu': selu, 'softplus': softplus,
    'softsign': softsign, 'relu': relu, 'tanh': tanh, 'sigmoid': sigmoid,
    'hard_sigmoid': hard_sigmoid, 'exponential': exponential,
    'linear': linear, 'swish': swish, 'silu': swish, 'gelu': gelu,
    'mish': mish, 'relu6': relu6, 'log_softmax': log_softmax,
}


def _is_custom_name(name):
    """Whether a custom object (`get_custom_objects()`, a
    `CustomObjectScope`, `load_model(custom_objects=...)`) takes the name:
    it comes before the built-in function, as in Keras 2 (a user's own
    'swish' or keras-bert's tanh 'gelu')."""
    from .utils.generic_utils import get_custom_objects
    return name in get_custom_objects()


def serialize(activation):
    return serialize_keras_object(activation)


def deserialize(name, custom_objects=None):
    from .layers import advanced_activations
    objects = dict(_ALL)
    objects.update({name: getattr(advanced_activations, name)
                    for name in advanced_activations.__all__})
    return deserialize_keras_object(name, module_objects=objects,
                                    custom_objects=custom_objects,
                                    printable_module_name='activation',
                                    valid_names=sorted(_ALL))


def get(identifier):
    """An activation function from a name, a config dict, a callable or
    None (linear)."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        fn = _ALL.get(identifier)
        if fn is not None and not _is_custom_name(identifier):
            return fn
        return deserialize(identifier)
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        from .engine.base_layer import Layer
        if isinstance(identifier, Layer):
            warnings.warn('Do not pass a layer instance (such as {}) as the '
                          'activation argument of another layer. Instead, '
                          'advanced activation layers should be used just '
                          'like any other layer in a model.'.format(
                              identifier.__class__.__name__))
        return identifier
    raise ValueError('Could not interpret activation function identifier: ' +
                     str(identifier))
