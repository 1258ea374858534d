"""Keras 2 weight initializers with Keras defaults and fan rules.

Each initializer is called with a Keras-layout shape (Dense kernel
`(in, out)`, conv kernel `(kh, kw, in, out)`) and returns a torch tensor;
fans are computed on that shape exactly as Keras does (receptive field
times channels for conv kernels)."""
import random

import numpy as np
import torch

from . import backend as K
from .utils.generic_utils import (deserialize_keras_object, named_object,
                                  serialize_keras_object)


class Initializer(object):
    """Base class: `__call__(shape, dtype=None)` returns a tensor."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop('dtype', None)
        return cls(**config)

    def __repr__(self):
        args = ', '.join('%s=%r' % kv for kv in self.get_config().items())
        return '%s(%s)' % (type(self).__name__, args)


class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape, dtype=None):
        return K.constant(0, shape=shape, dtype=dtype)


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None):
        return K.constant(1, shape=shape, dtype=dtype)


class Constant(Initializer):
    """All equal to `value`."""

    def __init__(self, value=0):
        self.value = value

    def __call__(self, shape, dtype=None):
        if np.ndim(self.value) == 0:
            return K.constant(self.value, shape=shape, dtype=dtype)
        return K.constant(np.broadcast_to(np.asarray(self.value),
                                          tuple(shape)), dtype=dtype)

    def get_config(self):
        value = self.value
        if isinstance(value, np.ndarray):
            value = value.tolist()
        return {'value': value}


class _Seeded(Initializer):
    # Keras advances an explicit seed after each call so that two weights
    # made by one initializer differ but stay reproducible.
    def _next_seed(self, numpy_seeded=True):
        seed = self.seed
        if self.seed is not None:
            self.seed += 1
        elif K.common.is_tf_keras():
            if not self.__dict__.get('_drew_python_seed'):
                # tf.keras draws a seed for an unseeded initializer from
                # Python's `random` at its first call: a program that seeds
                # `random` and then builds a model sees the same draws after.
                self._drew_python_seed = True
                random.randint(1, int(1e9))
        elif numpy_seeded:
            # Keras 2's backend seeds each unseeded random op with
            # `np.random.randint(10e6)`: after `np.random.seed(n)` the
            # weights are the same on every run, and numpy's later draws
            # (fit's shuffling) follow the same sequence as under Keras 2.
            seed = np.random.randint(10e6)
        return seed


class RandomNormal(_Seeded):
    """Normal distribution, mean 0 and stddev 0.05 by default."""

    def __init__(self, mean=0., stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        self.seed = seed

    def __call__(self, shape, dtype=None):
        return K.random_normal(shape, self.mean, self.stddev, dtype=dtype,
                               seed=self._next_seed())

    def get_config(self):
        return {'mean': self.mean, 'stddev': self.stddev, 'seed': self.seed}


class RandomUniform(_Seeded):
    """Uniform distribution in [minval, maxval), default [-0.05, 0.05)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        self.seed = seed

    def __call__(self, shape, dtype=None):
        return K.random_uniform(shape, self.minval, self.maxval, dtype=dtype,
                                seed=self._next_seed())

    def get_config(self):
        return {'minval': self.minval, 'maxval': self.maxval,
                'seed': self.seed}


class TruncatedNormal(_Seeded):
    """Normal distribution with values beyond two stddevs redrawn."""

    def __init__(self, mean=0., stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        self.seed = seed

    def __call__(self, shape, dtype=None):
        return K.truncated_normal(shape, self.mean, self.stddev, dtype=dtype,
                                  seed=self._next_seed())

    def get_config(self):
        return {'mean': self.mean, 'stddev': self.stddev, 'seed': self.seed}


def _compute_fans(shape, data_format='channels_last'):
    """(fan_in, fan_out) of a Keras-layout weight shape."""
    shape = tuple(shape)
    if len(shape) == 2:
        return shape[0], shape[1]
    if len(shape) in (3, 4, 5):
        if data_format == 'channels_first':
            receptive_field_size = np.prod(shape[2:])
            return shape[1] * receptive_field_size, \
                shape[0] * receptive_field_size
        receptive_field_size = np.prod(shape[:-2])
        return shape[-2] * receptive_field_size, \
            shape[-1] * receptive_field_size
    size = np.sqrt(np.prod(shape))
    return size, size


class VarianceScaling(_Seeded):
    """Scale-aware initializer: truncated normal with stddev
    sqrt(scale / n) / 0.8796 or uniform within sqrt(3 * scale / n), where n
    is fan_in, fan_out or their average."""

    def __init__(self, scale=1.0, mode='fan_in', distribution='normal',
                 seed=None):
        if scale <= 0.:
            raise ValueError('`scale` must be a positive float. Got:', scale)
        mode = mode.lower()
        if mode not in {'fan_in', 'fan_out', 'fan_avg'}:
            raise ValueError('Invalid `mode` argument: expected on of '
                             '{"fan_in", "fan_out", "fan_avg"} but got', mode)
        distribution = distribution.lower()
        if distribution == 'truncated_normal':
            distribution = 'normal'
        if distribution not in {'normal', 'uniform', 'untruncated_normal'}:
            raise ValueError('Invalid `distribution` argument: expected one '
                             'of {"normal", "uniform"} but got',
                             distribution)
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.seed = seed

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = _compute_fans(shape)
        scale = self.scale
        if self.mode == 'fan_in':
            scale /= max(1., fan_in)
        elif self.mode == 'fan_out':
            scale /= max(1., fan_out)
        else:
            scale /= max(1., float(fan_in + fan_out) / 2)
        seed = self._next_seed()
        if self.distribution == 'normal':
            stddev = np.sqrt(scale) / .87962566103423978
            return K.truncated_normal(shape, 0., stddev, dtype=dtype,
                                      seed=seed)
        if self.distribution == 'untruncated_normal':
            return K.random_normal(shape, 0., np.sqrt(scale), dtype=dtype,
                                   seed=seed)
        limit = np.sqrt(3. * scale)
        return K.random_uniform(shape, -limit, limit, dtype=dtype, seed=seed)

    def get_config(self):
        distribution = self.distribution
        if distribution == 'normal' and K.common.is_tf_keras():
            # (tf.keras names the truncated normal by its full name.)
            distribution = 'truncated_normal'
        return {'scale': self.scale, 'mode': self.mode,
                'distribution': distribution, 'seed': self.seed}


class Orthogonal(_Seeded):
    """Random orthogonal matrix (SVD of a normal matrix, numpy RNG as Keras
    uses; unseeded under tf.keras, the backend's RNG), times `gain`."""

    def __init__(self, gain=1., seed=None):
        self.gain = gain
        self.seed = seed

    def __call__(self, shape, dtype=None):
        shape = tuple(int(d) for d in shape)
        num_rows = 1
        for dim in shape[:-1]:
            num_rows *= dim
        num_cols = shape[-1]
        flat_shape = (num_rows, num_cols)
        seed = self._next_seed(numpy_seeded=False)
        if seed is None and K.common.is_tf_keras():
            # tf.keras draws from its own generator, leaving numpy's
            # global state to the program.
            a = np.asarray(K.get_value(K.random_normal(flat_shape)),
                           np.float64)
        else:
            rng = np.random if seed is None else np.random.RandomState(seed)
            a = rng.normal(0.0, 1.0, flat_shape)
        u, _, v = np.linalg.svd(a, full_matrices=False)
        q = u if u.shape == flat_shape else v
        q = q.reshape(shape)
        value = self.gain * q[:shape[0], :shape[1]]
        return K.constant(value, dtype=dtype)

    def get_config(self):
        return {'gain': self.gain, 'seed': self.seed}


class Identity(Initializer):
    """Identity matrix times `gain` (2-D shapes only; padded with zeros
    when not square)."""

    def __init__(self, gain=1.):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError('Identity matrix initializer can only be used '
                             'for 2D matrices.')
        return self.gain * torch.eye(shape[0], shape[1],
                                     dtype=K.torch_dtype(dtype),
                                     device=K.get_device())

    def get_config(self):
        return {'gain': self.gain}


def lecun_uniform(seed=None):
    """Keras 2: a VarianceScaling; tf.keras (in a tf.keras program):
    its LecunUniform."""
    return _preset(LecunUniform, seed)


def glorot_normal(seed=None):
    """Keras 2: a VarianceScaling; tf.keras (in a tf.keras program):
    its GlorotNormal."""
    return _preset(GlorotNormal, seed)


def glorot_uniform(seed=None):
    """Keras 2: a VarianceScaling; tf.keras (in a tf.keras program):
    its GlorotUniform."""
    return _preset(GlorotUniform, seed)


def he_normal(seed=None):
    """Keras 2: a VarianceScaling; tf.keras (in a tf.keras program):
    its HeNormal."""
    return _preset(HeNormal, seed)


def lecun_normal(seed=None):
    """Keras 2: a VarianceScaling; tf.keras (in a tf.keras program):
    its LecunNormal."""
    return _preset(LecunNormal, seed)


def he_uniform(seed=None):
    """Keras 2: a VarianceScaling; tf.keras (in a tf.keras program):
    its HeUniform."""
    return _preset(HeUniform, seed)


def _preset(cls, seed):
    """`cls` (a _Preset) in a tf.keras program, whose config is its
    class name and seed; Keras 2's VarianceScaling otherwise."""
    if K.common.is_tf_keras():
        return cls(seed=seed)
    scale, mode, distribution = cls._preset
    return VarianceScaling(scale=scale, mode=mode, distribution=distribution,
                           seed=seed)


class _Preset(VarianceScaling):
    """A VarianceScaling with fixed scale, mode and distribution (tf.keras's
    GlorotUniform, HeNormal, ...): its config holds only the seed."""
    _preset = None

    def __init__(self, seed=None):
        scale, mode, distribution = self._preset
        super(_Preset, self).__init__(scale=scale, mode=mode,
                                      distribution=distribution, seed=seed)

    def get_config(self):
        return {'seed': self.seed}


class GlorotUniform(_Preset):
    """Uniform within sqrt(6 / (fan_in + fan_out))."""
    _preset = (1., 'fan_avg', 'uniform')


class GlorotNormal(_Preset):
    """Truncated normal, stddev sqrt(2 / (fan_in + fan_out))."""
    _preset = (1., 'fan_avg', 'normal')


class HeNormal(_Preset):
    """Truncated normal, stddev sqrt(2 / fan_in)."""
    _preset = (2., 'fan_in', 'normal')


class HeUniform(_Preset):
    """Uniform within sqrt(6 / fan_in)."""
    _preset = (2., 'fan_in', 'uniform')


class LecunNormal(_Preset):
    """Truncated normal, stddev sqrt(1 / fan_in)."""
    _preset = (1., 'fan_in', 'normal')


class LecunUniform(_Preset):
    """Uniform within sqrt(3 / fan_in)."""
    _preset = (1., 'fan_in', 'uniform')


# Keras 2 / tf.keras spellings.
zero = zeros = Zeros
one = ones = Ones
constant = Constant
uniform = random_uniform = RandomUniform
normal = random_normal = RandomNormal
truncated_normal = TruncatedNormal
identity = Identity
orthogonal = Orthogonal
variance_scaling = VarianceScaling

_NAMES = ['zeros', 'ones', 'constant', 'uniform', 'random_uniform', 'normal',
          'random_normal', 'truncated_normal', 'identity', 'orthogonal',
          'glorot_normal', 'glorot_uniform', 'he_normal', 'he_uniform',
          'lecun_normal', 'lecun_uniform', 'Zeros', 'Ones', 'Constant',
          'RandomNormal', 'RandomUniform', 'TruncatedNormal',
          'VarianceScaling', 'Orthogonal', 'Identity', 'GlorotUniform',
          'GlorotNormal', 'HeNormal', 'HeUniform', 'LecunNormal',
          'LecunUniform', 'variance_scaling']


def serialize(initializer):
    return serialize_keras_object(initializer)


def deserialize(config, custom_objects=None):
    return deserialize_keras_object(config, module_objects=globals(),
                                    custom_objects=custom_objects,
                                    printable_module_name='initializer',
                                    valid_names=_NAMES)


def get(identifier):
    """An initializer from a name ('glorot_uniform'), a config dict, an
    instance or a callable `(shape, dtype=None) -> tensor`. tf.keras
    passes None through (Keras 2 refuses it)."""
    if identifier is None and K.common.is_tf_keras():
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return named_object(identifier, deserialize, globals())
    if isinstance(identifier, type):
        # tf.keras: a class (`add_weight(initializer=
        # tf.keras.initializers.zeros)`) is instantiated with its defaults.
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError('Could not interpret initializer identifier: ' +
                     str(identifier))
