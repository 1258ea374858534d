"""Checks of constructor and training arguments, run once when a layer is
made or a training call starts: a bad value fails there with the
argument's name, never later as a torch error from inside a kernel."""
import numbers


def _is_integer(value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    try:
        return int(value) == value
    except (OverflowError, ValueError):     # inf, nan
        return False


def units(value, name='units'):
    """A layer size (`units` of Dense and the recurrent layers): a
    positive integer."""
    if not _is_integer(value) or value <= 0:
        raise ValueError('Received an invalid value for `%s`, expected a '
                         'positive integer. Received: %s=%r'
                         % (name, name, value))
    return int(value)


def filters(value, name='filters'):
    """`filters` of a convolution: a positive integer (None where the
    layer derives it, as DepthwiseConv2D does)."""
    if value is None:
        return None
    if not _is_integer(value) or value <= 0:
        raise ValueError('Invalid value for argument `%s`. Expected a '
                         'strictly positive value. Received %s=%r.'
                         % (name, name, value))
    return int(value)


def positive_dim(value, name):
    """A positive integer dimension (`input_dim`, `output_dim` of
    Embedding)."""
    if not _is_integer(value) or value <= 0:
        raise ValueError('`%s` must be a positive integer. Received: %s=%r '
                         '(of type %s).' % (name, name, value,
                                            type(value).__name__))
    return int(value)


def dropout_rate(value, name='rate'):
    """The rate of the Dropout family. Keras 2.3 clips it into [0, 1] (a
    rate of 0 or 1 then leaves the inputs unchanged); tf.keras 2.x refuses
    a rate outside [0, 1] when the layer is made and a rate of 1 at its
    first training call, refused here when the layer is made."""
    from ..backend import common
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError('Invalid value received for argument `%s`. '
                         'Expected a float value in [0, 1). Received: %s=%r'
                         % (name, name, value))
    if not common.is_tf_keras():
        return min(1., max(0., float(value)))
    if not 0. <= float(value) < 1.:
        raise ValueError('Invalid value %r received for `%s`, expected a '
                         'value between 0 and 1.' % (value, name))
    return float(value)


# Tuple arguments of convolutions and pooling whose entries must be
# positive (cropping, padding and output_padding may hold zeros).
POSITIVE_TUPLE_ARGUMENTS = frozenset(['kernel_size', 'strides', 'pool_size',
                                      'dilation_rate', 'size'])


def positive_tuple(values, name, original):
    bad = sorted(set(v for v in values if v <= 0))
    if bad:
        raise ValueError('The `%s` argument must be a tuple of %d '
                         'integers. Received: %s including %s that does not '
                         'satisfy the requirement `> 0`.'
                         % (name, len(values), original, set(bad)))
    return values


def integer_at_least(value, name, minimum, allow_none=False):
    """An integer argument >= `minimum` (or None where allowed)."""
    if value is None and allow_none:
        return None
    if not _is_integer(value) or value < minimum:
        if minimum == 1:
            what = 'a positive integer'
        elif minimum == 0:
            what = 'a non-negative integer'
        else:
            what = 'an integer >= %d' % minimum
        raise ValueError('`%s` must be %s%s. Received: %s=%r'
                         % (name, what, ' or None' if allow_none else '',
                            name, value))
    return int(value)
