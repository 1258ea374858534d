"""TensorFlow 1's `tf.contrib.layers` functions that TF1 example programs
use beside `tf.layers`: `flatten`, the Xavier initializers and the L1/L2
weight regularizers."""
import torch

# contrib's truncated normal draws from N(0, 1.3 * factor / n) cut at two
# standard deviations; Keras's VarianceScaling divides its standard
# deviation by this constant (the truncated distribution's).
_TRUNCATED_STDDEV = 0.87962566103423978


def flatten(inputs, outputs_collections=None, scope=None):
    """`tf.contrib.layers.flatten`: (batch, ...) to (batch, -1)."""
    from . import tensorflow_v1_layers
    return tensorflow_v1_layers.flatten(inputs, name=scope)


def xavier_initializer(uniform=True, seed=None, dtype=None):
    """Glorot's initializer: uniform in +-sqrt(6 / (fan_in + fan_out)), or
    a normal of variance 1.3 / ((fan_in + fan_out) / 2) truncated at two
    standard deviations."""
    return variance_scaling_initializer(1.0, 'FAN_AVG', uniform, seed)


def variance_scaling_initializer(factor=2.0, mode='FAN_IN', uniform=False,
                                 seed=None, dtype=None):
    """`tf.contrib.layers.variance_scaling_initializer` (He's by
    default)."""
    from . import initializers
    if mode not in ('FAN_IN', 'FAN_OUT', 'FAN_AVG'):
        raise TypeError('Unknown mode %s [FAN_IN, FAN_OUT, FAN_AVG]' % mode)
    if uniform:
        # contrib's limit sqrt(3 * factor / n) is Keras's uniform one.
        return initializers.VarianceScaling(
            factor, mode.lower(), 'uniform', seed)
    return initializers.VarianceScaling(
        1.3 * factor * _TRUNCATED_STDDEV ** 2, mode.lower(),
        'truncated_normal', seed)


def _checked_scale(scale):
    if scale < 0.:
        raise ValueError('Setting a scale less than 0 on a regularizer: %g'
                         % scale)
    return float(scale)


def l2_regularizer(scale, scope=None):
    """`scale * tf.nn.l2_loss(weights)` (half the sum of squares)."""
    scale = _checked_scale(scale)

    def l2(weights):
        from . import tensorflow_compat as tf
        return tf.multiply(scale, tf.nn.l2_loss(weights))
    return l2


def l1_regularizer(scale, scope=None):
    """`scale * reduce_sum(abs(weights))`."""
    scale = _checked_scale(scale)

    def l1(weights):
        from . import tensorflow_compat as tf
        return tf.multiply(scale, tf.reduce_sum(tf.abs(weights)))
    return l1


def install(contrib, submodule):
    """Serves `tf.contrib.layers` with the functions above."""
    layers = submodule('contrib.layers', 'TensorFlow 1 contrib layers: '
                       'flatten, initializers and regularizers.')
    for fn in (flatten, xavier_initializer, variance_scaling_initializer,
               l1_regularizer, l2_regularizer):
        setattr(layers, fn.__name__, fn)
    layers.xavier_initializer_conv2d = xavier_initializer
    contrib.layers = layers
    return layers
