"""Backend functions tf.keras 2.x added to `keras.backend`
(`random_bernoulli`, the focal cross-entropies) and its
`keras.backend.experimental` switch of random generators."""
import importlib.machinery
import sys
import types

import torch

from . import common
from .ops import (_float, _logits_of, binary_crossentropy, random_uniform,
                  symbolic_aware_names)


def random_bernoulli(shape, p=0.0, dtype=None, seed=None):
    """Ones where a uniform draw on [0, 1) is <= `p`, else zeros."""
    draw = random_uniform(shape, dtype=dtype, seed=seed)
    return (draw <= p).to(draw.dtype)


def binary_focal_crossentropy(target, output, apply_class_balancing=False,
                              alpha=0.25, gamma=2.0, from_logits=False):
    """Element-wise `(1 - p_t) ** gamma` times the binary cross-entropy,
    `p_t` the probability given to the target (times `alpha` for ones and
    `1 - alpha` for zeros with `apply_class_balancing`)."""
    target, output = _float(target), _float(output)
    sigmoidal = torch.sigmoid(output) if from_logits else output
    p_t = target * sigmoidal + (1 - target) * (1 - sigmoidal)
    focal = torch.pow(1.0 - p_t, gamma) * binary_crossentropy(
        target, output, from_logits=from_logits)
    if apply_class_balancing:
        focal = (target * alpha + (1 - target) * (1 - alpha)) * focal
    return focal


def categorical_focal_crossentropy(target, output, alpha=0.25, gamma=2.0,
                                   from_logits=False, axis=-1):
    """The sum over `axis` of `-alpha * (1 - p) ** gamma * target * log(p)`,
    `p` the output (softmax of logits) renormalised along `axis` and
    clipped to [eps, 1 - eps]."""
    target, output = _float(target), _float(output)
    if target.shape != output.shape:
        raise ValueError('Shapes %s and %s are incompatible'
                         % (tuple(target.shape), tuple(output.shape)))
    output, from_logits = _logits_of(output, from_logits, 'softmax',
                                     'categorical_focal_crossentropy')
    if from_logits:
        output = torch.softmax(output, dim=axis)
    output = output / torch.sum(output, dim=axis, keepdim=True)
    eps = common.epsilon()
    output = torch.clamp(output, eps, 1. - eps)
    alpha = torch.as_tensor(alpha, dtype=output.dtype, device=output.device)
    return torch.sum(alpha * torch.pow(1.0 - output, gamma) *
                     (-target * torch.log(output)), dim=axis)


symbolic_aware_names(globals(), ('random_bernoulli',
                                 'binary_focal_crossentropy',
                                 'categorical_focal_crossentropy'))

# `keras.backend.experimental`: whether random layers draw from TensorFlow's
# generator objects. Torch has one kind of generator, so the switch only
# records the choice, as programs read it back.
_TF_RANDOM_GENERATOR = [False]


def is_tf_random_generator_enabled():
    return _TF_RANDOM_GENERATOR[0]


def enable_tf_random_generator():
    _TF_RANDOM_GENERATOR[0] = True


def disable_tf_random_generator():
    _TF_RANDOM_GENERATOR[0] = False


experimental = types.ModuleType(
    'keras_compat.backend.experimental',
    "tf.keras's `keras.backend.experimental`.")
experimental.__dict__.update(
    is_tf_random_generator_enabled=is_tf_random_generator_enabled,
    enable_tf_random_generator=enable_tf_random_generator,
    disable_tf_random_generator=disable_tf_random_generator,
    __spec__=importlib.machinery.ModuleSpec(experimental.__name__, None))
sys.modules[experimental.__name__] = experimental
