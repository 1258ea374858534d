"""Serving `import keras` (and every `keras.*` module path of Keras 2) from
keras_compat, for the script runner and `install_as_keras()`."""
import importlib
import importlib.abc
import importlib.util
import sys

# Keras 2 module paths whose keras_compat module has another name.
_RENAMED = {
    'keras.objectives': 'keras_compat.losses',
    'keras.backend.theano_backend': 'keras_compat.backend',
    'keras.backend.cntk_backend': 'keras_compat.backend',
    'keras.backend.common': 'keras_compat.backend.common',
    'keras.utils.test_utils': 'keras_compat.utils.test_utils',
}
def _target(fullname):
    if fullname in _RENAMED:
        return _RENAMED[fullname]
    return 'keras_compat' + fullname[len('keras'):]


class KerasAliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolves `keras` and `keras.<path>` to `keras_compat[.<path>]`; the
    same module objects are shared under both names."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != 'keras' and not fullname.startswith('keras.'):
            return None
        target_name = _target(fullname)
        try:
            found = importlib.util.find_spec(target_name)
        except ModuleNotFoundError:
            found = None
        if found is None:
            return None
        spec = importlib.util.spec_from_loader(fullname, self,
                                               is_package=found.submodule_search_locations is not None)
        spec._keras_compat_target = target_name
        return spec

    def create_module(self, spec):
        return importlib.import_module(spec._keras_compat_target)

    def exec_module(self, module):
        return None


def _is_ours(module):
    return getattr(module, '__name__', '').startswith('keras_compat')


def install_as_keras():
    """Makes `import keras` (and `from keras.layers import Dense`, ...) use
    keras_compat in this process. Any other `keras` already imported is
    unloaded first."""
    for name in list(sys.modules):
        if (name == 'keras' or name.startswith('keras.')) and \
                not _is_ours(sys.modules[name]):
            del sys.modules[name]
    if not any(isinstance(f, KerasAliasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, KerasAliasFinder())
    import keras_compat
    sys.modules['keras'] = keras_compat
    return keras_compat
