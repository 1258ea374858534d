"""Keras 2 layers keras_compat does not provide yet: constructing one
raises NotImplementedError naming what to use instead."""


def unsupported_layer(name, advice):
    def factory(*args, **kwargs):
        raise NotImplementedError('%s is not supported by keras_compat yet. '
                                  '%s' % (name, advice))
    factory.__name__ = factory.__qualname__ = name
    factory.__doc__ = 'Not supported yet: %s' % advice
    return factory
