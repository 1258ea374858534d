"""`keras.wrappers`: scikit-learn estimator wrappers.

`keras.wrappers.scikit_learn` is imported on first use: it imports
scikit-learn (and with it scipy and pandas), which costs about a second
and 100 MB that a script without the wrappers should not pay."""
import importlib


def __getattr__(name):
    if name == 'scikit_learn':
        return importlib.import_module(__name__ + '.scikit_learn')
    raise AttributeError('module %r has no attribute %r' % (__name__, name))


def __dir__():
    return sorted(list(globals()) + ['scikit_learn'])
