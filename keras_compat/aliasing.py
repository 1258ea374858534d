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
    # Keras 2.2's path of multi_gpu_model; Keras 2.3's callbacks package.
    'keras.utils.training_utils': 'keras_compat.utils.multi_gpu_utils',
    'keras.callbacks.callbacks': 'keras_compat.callbacks',
    'keras.callbacks.tensorboard_v1': 'keras_compat.callbacks',
    'keras.callbacks.tensorboard_v2': 'keras_compat.callbacks',
    # Keras 2.9+'s (and tf_keras's) home of the merge layers and `_Merge`.
    'keras.layers.merging': 'keras_compat.layers',
    'keras.layers.merging.base_merge': 'keras_compat.layers.merge',
    # tf.keras 2.x internal module paths that libraries import from.
    'keras.engine.input_spec': 'keras_compat.internals.input_spec',
    'keras.engine.functional': 'keras_compat.internals.functional',
    'keras.saving.hdf5_format': 'keras_compat.saving.hdf5',
    'keras.saving.legacy.hdf5_format': 'keras_compat.saving.hdf5',
    'keras.utils.control_flow_util': 'keras_compat.utils.tf_utils',
}
def _target(fullname):
    if fullname == 'keras.src' or fullname.startswith('keras.src.'):
        # Keras 2.13-2.15's internals (`keras.src.engine.keras_tensor`)
        # are served as the public paths they define.
        fullname = 'keras' + fullname[len('keras.src'):]
    if fullname in _RENAMED:
        return _RENAMED[fullname]
    return 'keras_compat' + fullname[len('keras'):]


class KerasAliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolves `keras` and `keras.<path>` to `keras_compat[.<path>]`; the
    same module objects are shared under both names."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != 'keras' and not fullname.startswith('keras.'):
            return None
        return _alias_spec(self, fullname, _target(fullname))

    def create_module(self, spec):
        return importlib.import_module(spec._keras_compat_target)

    def exec_module(self, module):
        return None


# Packages that look for TensorFlow to use it if present: they must not
# find the stand-in (TensorBoard falls back to its own stub without it).
_TF_PROBING_PACKAGES = ('tensorboard', 'torch', 'transformers', 'accelerate',
                        'datasets', 'safetensors', 'jax', 'flax', 'keras_core',
                        'tf_keras', 'h5py', 'numpy', 'scipy', 'pandas',
                        'sklearn', 'matplotlib', 'PIL', 'huggingface_hub',
                        'onnx', 'tensorflow_datasets')


def _tensorflow_target(fullname):
    """The keras_compat module served for a TensorFlow module path, or
    None: `tensorflow.keras[.*]` is keras_compat itself, `tensorflow` and
    its other submodules the TensorFlow stand-in."""
    for prefix in ('tensorflow.compat.v1.keras', 'tensorflow.compat.v2.keras',
                   'tensorflow.python.keras', 'tensorflow.keras'):
        if fullname == prefix or fullname.startswith(prefix + '.'):
            return _target('keras' + fullname[len(prefix):])
    return 'keras_compat.tensorflow_compat'


def _importer_probes_for_tensorflow():
    """Whether the module importing `tensorflow` is one of the libraries
    that use TensorFlow only when it is really installed."""
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_globals.get('__name__') or ''
        if name.startswith(('importlib', '_frozen_importlib')) or \
                name == __name__:
            frame = frame.f_back
            continue
        return name.split('.')[0] in _TF_PROBING_PACKAGES
    return False


class TensorFlowStandInFinder(importlib.abc.MetaPathFinder,
                              importlib.abc.Loader):
    """Serves `import tensorflow` (and `tensorflow.keras.*`,
    `tensorflow.compat.v1`, `tensorflow.nn`, ...) from keras_compat where
    TensorFlow itself is not installed."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname == 'tensorflow':
            if _importer_probes_for_tensorflow() or \
                    _real_tensorflow_found(self):
                return None
        elif not fullname.startswith('tensorflow.') or \
                not _is_ours(sys.modules.get('tensorflow')):
            return None
        target_name = _tensorflow_target(fullname)
        stand_in = target_name == 'keras_compat.tensorflow_compat'
        if not stand_in:
            _serve_tf_keras_defaults()
        if stand_in:
            module = _stand_in_submodule(fullname)
            if module is None:
                return None
            spec = importlib.util.spec_from_loader(fullname, self,
                                                   is_package=True)
            spec._keras_compat_module = module
            return spec
        return _alias_spec(self, fullname, target_name)

    def create_module(self, spec):
        module = getattr(spec, '_keras_compat_module', None)
        if module is not None:
            if spec.name == 'tensorflow':
                _tensorboard_without_tensorflow()
            return module
        return importlib.import_module(spec._keras_compat_target)

    def exec_module(self, module):
        return None


def _serve_tf_keras_defaults():
    """A program importing tf.keras gets tf.keras's defaults."""
    from .backend import common
    common.set_api_flavour('tf.keras')


class TfKerasAliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves `import tf_keras` (Keras 2 as TensorFlow 2.16+ ships it) and
    its module paths from keras_compat, with tf.keras's defaults, where
    TensorFlow itself is not installed."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != 'tf_keras' and not fullname.startswith('tf_keras.'):
            return None
        if fullname == 'tf_keras' and _real_tensorflow_found(self):
            return None
        if fullname != 'tf_keras' and \
                not _is_ours(sys.modules.get('tf_keras')):
            return None
        spec = _alias_spec(self, fullname, _tf_keras_target(fullname))
        if spec is not None:
            _serve_tf_keras_defaults()
        return spec

    def create_module(self, spec):
        return importlib.import_module(spec._keras_compat_target)

    def exec_module(self, module):
        return None


class KerasPreprocessingAliasFinder(importlib.abc.MetaPathFinder,
                                    importlib.abc.Loader):
    """Serves `keras_preprocessing` (the package Keras 2.2-2.3 took
    `keras.preprocessing` from: `image`, `sequence`, `text`) from
    keras_compat's `preprocessing` where it is not installed."""

    def find_spec(self, fullname, path=None, target=None):
        name = 'keras_preprocessing'
        if fullname != name and not fullname.startswith(name + '.'):
            return None
        if fullname == name and _installed_elsewhere(self, name):
            return None
        if fullname != name and not _is_ours(sys.modules.get(name)):
            return None
        return _alias_spec(self, fullname, 'keras_compat.preprocessing' +
                           fullname[len(name):])

    def create_module(self, spec):
        return importlib.import_module(spec._keras_compat_target)

    def exec_module(self, module):
        return None


class HorovodAliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves Horovod's Keras and TensorFlow APIs (`horovod.keras`,
    `horovod.tensorflow[.keras]`) from keras_compat's `horovod` package,
    on torch.distributed; the `horovod` package itself too, where Horovod
    is not installed (an installed one's other modules stay its own)."""

    _SERVED = ('horovod.keras', 'horovod.tensorflow', 'horovod._keras')

    def find_spec(self, fullname, path=None, target=None):
        name = 'horovod'
        if fullname == name:
            if _installed_elsewhere(self, name):
                return None
        elif not fullname.startswith(name + '.'):
            return None
        elif not any(fullname == s or fullname.startswith(s + '.')
                     for s in self._SERVED) and \
                not _is_ours(sys.modules.get(name)):
            return None
        return _alias_spec(self, fullname, 'keras_compat.' + fullname)

    def create_module(self, spec):
        return importlib.import_module(spec._keras_compat_target)

    def exec_module(self, module):
        return None


def _installed_elsewhere(alias_finder, name):
    """Whether a finder other than keras_compat's finds module `name`."""
    for finder in sys.meta_path:
        find = getattr(finder, 'find_spec', None)
        if finder is alias_finder or find is None or \
                type(finder).__module__ == __name__:
            continue
        try:
            if find(name, None) is not None:
                return True
        except (ImportError, ValueError):
            continue
    return False


def _tf_keras_target(fullname):
    """`tf_keras.src.*` (the package's internals) are served as the
    public paths they define."""
    rest = fullname[len('tf_keras'):]
    if rest.startswith('.src'):
        rest = rest[len('.src'):]
    return _target('keras' + rest)


def _real_tensorflow_found(stand_in_finder):
    """Whether another finder finds a TensorFlow installation."""
    for finder in sys.meta_path:
        find = getattr(finder, 'find_spec', None)
        if finder is stand_in_finder or find is None or isinstance(
                finder, (KerasAliasFinder, TensorFlowStandInFinder,
                         TfKerasAliasFinder)):
            continue
        try:
            if find('tensorflow', None) is not None:
                return True
        except (ImportError, ValueError):
            continue
    return False


def _tensorboard_without_tensorflow():
    """TensorBoard (the TensorBoard callback's writer) uses TensorFlow when
    `import tensorflow` works, unless its `notf` marker module exists: the
    marker keeps it on its own TensorFlow-free implementation."""
    import types
    sys.modules.setdefault('tensorboard.compat.notf',
                           types.ModuleType('tensorboard.compat.notf'))
    compat = sys.modules.get('tensorboard.compat')
    if compat is not None:
        _serve_tensorboard_tf2(compat)
    elif not any(isinstance(f, TensorBoardTF2Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, TensorBoardTF2Finder())


def _serve_tensorboard_tf2(compat):
    """TensorBoard's TF 2 API (`tensorboard.compat.tf2`, which its summary
    ops and the hparams Keras callback call) is the stand-in's
    `tf.compat.v2`."""
    compat.tf2 = importlib.import_module('keras_compat.tensorflow_compat')


class TensorBoardTF2Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Loads `tensorboard.compat` with its own loader, then gives it the
    stand-in as its TF 2 API."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != 'tensorboard.compat':
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, 'find_spec'):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                self._loader = spec.loader
                spec.loader = self
                return spec
        return None

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        _serve_tensorboard_tf2(module)


def _stand_in_submodule(fullname):
    """`tensorflow` itself, `tensorflow.nn`, `tensorflow.compat.v1`, ...:
    the stand-in's namespace of that name."""
    stand_in = importlib.import_module('keras_compat.tensorflow_compat')
    module = stand_in
    for part in fullname.split('.')[1:]:
        try:
            module = getattr(module, part)
        except AttributeError as error:
            if getattr(module, '__getattr__', None) is None:
                return None
            # (A namespace that says what it does not serve:
            # `from tensorflow.contrib.factorization import KMeans`.)
            raise ModuleNotFoundError('No module named %r: %s'
                                      % (fullname, error), name=fullname)
        if not isinstance(module, type(stand_in)):
            return None
    return module


def _alias_spec(loader, fullname, target_name):
    """The spec serving `fullname` with the keras_compat module
    `target_name` (None when there is no such module)."""
    try:
        found = importlib.util.find_spec(target_name)
    except ModuleNotFoundError:
        found = None
    if found is None:
        return None
    spec = importlib.util.spec_from_loader(
        fullname, loader,
        is_package=found.submodule_search_locations is not None)
    spec._keras_compat_target = target_name
    return spec


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
    if not any(isinstance(f, TensorFlowStandInFinder)
               for f in sys.meta_path):
        sys.meta_path.insert(0, TensorFlowStandInFinder())
    if not any(isinstance(f, TfKerasAliasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, TfKerasAliasFinder())
    if not any(isinstance(f, KerasPreprocessingAliasFinder)
               for f in sys.meta_path):
        sys.meta_path.insert(0, KerasPreprocessingAliasFinder())
    if not any(isinstance(f, HorovodAliasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, HorovodAliasFinder())
    import keras_compat
    sys.modules['keras'] = keras_compat
    _numpy_of_any_tensor()
    from .backend import immutable
    immutable.rebind_augmented_assignments()
    return keras_compat


def _numpy_of_any_tensor():
    """`loss.numpy()` in a Keras program (a tf.GradientTape loop prints its
    loss so) works on a tensor that records gradients, as on TensorFlow's
    tensors, instead of torch's error. In a Keras program's own code the
    array is a copy, as TensorFlow's immutable tensors give it
    (`x = img.numpy(); x /= 2.0` leaves `img` as it was), and a scalar's
    is a numpy scalar (`np.int64(3)`, hashable: `Counter.update([label
    .numpy()])`, `set(x.numpy() for x in ds)`)."""
    import torch
    from .backend import immutable
    original = torch.Tensor.numpy
    if getattr(original, '_keras_compat', False):
        return

    def numpy(self, *args, **kwargs):
        if self.requires_grad:
            self = self.detach()
        array = original(self, *args, **kwargs)
        if not immutable.is_library_code(sys._getframe(1).f_code):
            array = array[()] if array.ndim == 0 else array.copy()
        return array
    numpy._keras_compat = True
    numpy.__doc__ = original.__doc__
    torch.Tensor.numpy = numpy
