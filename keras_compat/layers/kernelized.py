"""tf.keras 2.x's `RandomFourierFeatures` (`keras.layers.experimental`):
random features approximating a shift-invariant kernel."""
import numpy as np
import torch

from .. import initializers
from ..engine.base_layer import InputSpec, Layer

_SUPPORTED_RBF_KERNEL_TYPES = ['gaussian', 'laplacian']


class RandomFourierFeatures(Layer):
    """`cos(x @ W / scale + b)` for inputs of shape (batch, dim): `W` drawn
    from a standard normal ('gaussian', RBF kernel) or Cauchy ('laplacian')
    distribution or an initializer, `b` uniform on [0, 2 pi); both frozen.
    `scale` (default sqrt(dim / 2) for 'gaussian', else 1) is a
    non-negative weight, trained when `trainable=True`."""

    def __init__(self, output_dim, kernel_initializer='gaussian', scale=None,
                 trainable=False, name=None, **kwargs):
        if output_dim <= 0:
            raise ValueError('`output_dim` should be a positive integer. '
                             'Received: %s' % (output_dim,))
        if isinstance(kernel_initializer, str) and \
                kernel_initializer.lower() not in _SUPPORTED_RBF_KERNEL_TYPES:
            raise ValueError('Unsupported `kernel_initializer`: %s Expected '
                             'one of: %s' % (kernel_initializer,
                                             _SUPPORTED_RBF_KERNEL_TYPES))
        if scale is not None and scale <= 0.0:
            raise ValueError('When provided, `scale` should be a positive '
                             'float. Received: %s' % (scale,))
        super(RandomFourierFeatures, self).__init__(
            trainable=trainable, name=name, **kwargs)
        self.output_dim = output_dim
        self.kernel_initializer = kernel_initializer
        self.scale = scale

    def _initializer(self, shape):
        init = self.kernel_initializer
        if not isinstance(init, str):
            return init
        if init.lower() == 'gaussian':
            return initializers.RandomNormal(stddev=1.0)
        probs = np.random.uniform(low=0.0, high=1.0, size=shape)
        return initializers.Constant(np.tan(np.pi * (probs - 0.5)))

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != 2:
            raise ValueError('The rank of the input tensor should be 2. '
                             'Received input with rank %d instead. Full '
                             'input shape received: %s'
                             % (len(input_shape), input_shape))
        if input_shape[1] is None:
            raise ValueError('The last dimension of the input tensor should '
                             'be defined. Found `None`. Full input shape '
                             'received: %s' % (input_shape,))
        dim = input_shape[1]
        self.input_spec = InputSpec(ndim=2, axes={1: dim})
        self.unscaled_kernel = self.add_weight(
            name='unscaled_kernel', shape=(dim, self.output_dim),
            dtype='float32', initializer=self._initializer(
                (dim, self.output_dim)), trainable=False)
        self.bias = self.add_weight(
            name='bias', shape=(self.output_dim,), dtype='float32',
            initializer=initializers.RandomUniform(minval=0.0,
                                                   maxval=2 * np.pi),
            trainable=False)
        if self.scale is None:
            gaussian = isinstance(self.kernel_initializer, str) and \
                self.kernel_initializer.lower() == 'gaussian'
            self.scale = np.sqrt(dim / 2.0) if gaussian else 1.0
        self.kernel_scale = self.add_weight(
            name='kernel_scale', shape=(1,), dtype='float32',
            initializer=initializers.Constant(self.scale), trainable=True,
            constraint='NonNeg')
        self.built = True

    def call(self, inputs):
        x = torch.as_tensor(inputs).to(torch.float32)
        kernel = (1.0 / self.kernel_scale) * self.unscaled_kernel
        return torch.cos(x @ kernel + self.bias)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != 2:
            raise ValueError('Shape %s must have rank 2' % (input_shape,))
        if input_shape[-1] is None:
            raise ValueError('The last dimension of the input tensor should '
                             'be defined. Found `None`. Full input shape '
                             'received: %s' % (input_shape,))
        return input_shape[:-1] + (self.output_dim,)

    def get_config(self):
        init = self.kernel_initializer
        if not isinstance(init, str):
            init = initializers.serialize(init)
        config = {'output_dim': self.output_dim, 'kernel_initializer': init,
                  'scale': self.scale}
        base_config = super(RandomFourierFeatures, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))
