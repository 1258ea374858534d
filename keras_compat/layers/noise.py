"""Noise layers, active only during training: GaussianNoise,
GaussianDropout, AlphaDropout."""
import numpy as np
import torch

from .. import backend as K
from ..engine.base_layer import Layer
from ..legacy import interfaces
from ..utils import argument_validation
from .core import seed_generator


def _normal_draws(layer, inputs):
    """Standard normal draws shaped like `inputs`, from the layer's own
    generator when it has a `seed`."""
    generator = seed_generator(layer)
    if generator is None:
        return torch.randn_like(inputs)
    return torch.randn(inputs.shape, generator=generator).to(
        device=inputs.device, dtype=inputs.dtype)


def _with_seed(layer, config):
    """tf.keras's configs of the noise layers hold their `seed`."""
    if K.common.is_tf_keras():
        config['seed'] = layer.seed
    return config


class GaussianNoise(Layer):
    """Adds zero-centred Gaussian noise of `stddev` during training
    (tf.keras's `seed` makes the draws repeatable)."""

    def __init__(self, stddev=None, seed=None, **kwargs):
        stddev = interfaces.legacy_args('GaussianNoise', kwargs,
                                        interfaces.GAUSSIAN_NOISE,
                                        {'stddev': stddev})['stddev']
        super(GaussianNoise, self).__init__(**kwargs)
        self.supports_masking = True
        self.stddev = stddev
        self.seed = seed

    def call(self, inputs, training=None):
        if training is None:
            training = self.training
        if not training:
            return inputs
        return inputs + _normal_draws(self, inputs) * self.stddev

    def get_config(self):
        config = _with_seed(self, {'stddev': self.stddev})
        base_config = super(GaussianNoise, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))

    def compute_output_shape(self, input_shape):
        return input_shape


class GaussianDropout(Layer):
    """Multiplies by Gaussian noise of mean 1 and stddev
    sqrt(rate / (1 - rate)) during training (tf.keras's `seed` makes the
    draws repeatable)."""

    def __init__(self, rate=None, seed=None, **kwargs):
        rate = interfaces.legacy_args('GaussianDropout', kwargs,
                                      interfaces.DROPOUT,
                                      {'rate': rate})['rate']
        super(GaussianDropout, self).__init__(**kwargs)
        self.supports_masking = True
        self.rate = argument_validation.dropout_rate(rate)
        self.seed = seed

    def call(self, inputs, training=None):
        if training is None:
            training = self.training
        if not training or not 0 < self.rate < 1:
            return inputs
        stddev = np.sqrt(self.rate / (1.0 - self.rate))
        return inputs * (1. + _normal_draws(self, inputs) * stddev)

    def get_config(self):
        config = _with_seed(self, {'rate': self.rate})
        base_config = super(GaussianDropout, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))

    def compute_output_shape(self, input_shape):
        return input_shape


class AlphaDropout(Layer):
    """Dropout that keeps the mean and variance of SELU activations; with a
    `seed`, its masks come from the layer's own generator."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super(AlphaDropout, self).__init__(**kwargs)
        self.rate = argument_validation.dropout_rate(rate)
        self.noise_shape = noise_shape
        self.seed = seed
        self.supports_masking = True

    def call(self, inputs, training=None):
        if training is None:
            training = self.training
        if not training or not 0. < self.rate < 1.:
            return inputs
        alpha = 1.6732632423543772848170429916717
        scale = 1.0507009873554804934193349852946
        alpha_p = -alpha * scale
        shape = inputs.shape if self.noise_shape is None else tuple(
            inputs.shape[i] if d is None else d
            for i, d in enumerate(self.noise_shape))
        generator = seed_generator(self)
        if generator is None:
            draw = torch.rand(shape, device=inputs.device)
        else:
            draw = torch.rand(shape, generator=generator).to(inputs.device)
        kept = (draw >= self.rate).to(inputs.dtype)
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        x = inputs * kept + alpha_p * (1 - kept)
        return a * x + b

    def get_config(self):
        config = {'rate': self.rate, 'noise_shape': self.noise_shape,
                  'seed': self.seed}
        base_config = super(AlphaDropout, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))

    def compute_output_shape(self, input_shape):
        return input_shape
