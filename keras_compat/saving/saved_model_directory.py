"""tf.keras's SavedModel directories: in a tf.keras program,
`model.save(path)` with a name that is not an HDF5 (`.h5`, `.hdf5`) or
`.keras` one, or with `save_format='tf'`, writes a directory, which
`load_model(path)` and `load_weights(path)` read back.

TensorFlow's directory holds protobuf graphs (`saved_model.pb`,
`keras_metadata.pb`), `variables/` (a TensorFlow checkpoint) and
`assets/`. The graphs need TensorFlow, so this directory holds instead the
full model as one Keras HDF5 file (`keras_model.h5`), beside the same
`variables/` names (`variables.data-00000-of-00001` holding the weights
in the Keras 2 HDF5 layout, and `variables.index`) and an empty `assets/`,
so that code walking, copying or packing the directory (scikeras pickles
models so) and `load_weights('path/variables/variables')` work.

`ram://` paths are TensorFlow's in-process RAM file system
(`tensorflow_gfile`)."""
import glob
import os

from .. import tensorflow_gfile
from ..backend import common

MODEL_FILE = 'keras_model.h5'
VARIABLES_PREFIX = os.path.join('variables', 'variables')
ASSETS_DIRECTORY = 'assets'
_TENSORFLOW_GRAPHS = ('saved_model.pb', 'saved_model.pbtxt')


def local_path(filepath, create_parent=False):
    """`filepath` as a local path when it names a file on TensorFlow's RAM
    file system (`ram://`); any other value (an h5py group, a stream, a
    local path) unchanged."""
    if tensorflow_gfile.is_ram_path(filepath):
        return tensorflow_gfile.local_path(filepath, create_parent)
    return filepath


def _path_name(filepath):
    if isinstance(filepath, (str, bytes, os.PathLike)):
        name = os.fspath(filepath)
        return name.decode() if isinstance(name, bytes) else name
    return None


def wants_directory(filepath, save_format=None):
    """tf.keras's choice of the SavedModel format for `model.save`: in a
    tf.keras program, `save_format` None or 'tf' and a path whose name
    does not end in `.h5`, `.hdf5` or `.keras` (tf.keras writes HDF5 for
    those even with `save_format='tf'`). Keras 2 writes HDF5 only."""
    name = _path_name(filepath)
    return common.is_tf_keras() and name is not None and \
        save_format in (None, 'tf') and \
        not name.endswith(('.h5', '.hdf5', '.keras'))


# ----------------------------------------------------------------- saving
def save_model(model, directory, overwrite=True, include_optimizer=True):
    """Writes the directory (made with its parents; an existing one is
    written into, files of other names are left there, as TensorFlow
    does). Without `overwrite`, an existing directory is kept unless the
    user answers the prompt so."""
    from . import hdf5
    directory = _path_name(directory)
    if os.path.exists(directory):
        _check_is_directory(directory)
        if not overwrite and not _ask_to_overwrite(directory):
            return
    os.makedirs(os.path.join(directory, ASSETS_DIRECTORY), exist_ok=True)
    hdf5.save_model_to_hdf5(model, os.path.join(directory, MODEL_FILE),
                            True, include_optimizer)
    save_variables(model, os.path.join(directory, VARIABLES_PREFIX))


def save_variables(model, prefix):
    """The weights as TensorFlow names a checkpoint's files:
    `prefix.data-00000-of-00001` (here Keras 2 HDF5) and `prefix.index`
    (an empty marker)."""
    from . import hdf5
    from ..engine.network import _checkpoint_data_path
    hdf5.save_weights(model, _checkpoint_data_path(prefix), True)
    open(prefix + '.index', 'wb').close()


def _check_is_directory(path):
    if not os.path.isdir(path):
        raise _tensorflow_error(
            'FailedPreconditionError', NotADirectoryError,
            '%s is not a directory' % path)


def _ask_to_overwrite(directory):
    # Looked up on keras.engine.saving, where Keras 2 has it.
    from ..engine import saving as engine_saving
    return engine_saving.ask_to_proceed_with_overwrite(directory)


def _tensorflow_error(name, fallback, message):
    """TensorFlow's `tf.errors.<name>` when the TensorFlow stand-in is
    loaded, else `fallback`."""
    import sys
    tf = sys.modules.get('keras_compat.tensorflow_compat')
    if tf is None:
        return fallback(message)
    return getattr(tf.errors, name)(message)


# ---------------------------------------------------------------- loading
def model_source(filepath):
    """What `load_model(filepath)` reads: a local path for a `ram://` one,
    the model file of a SavedModel directory, `filepath` itself
    otherwise. A missing path is an OSError (tf.keras's message in a
    tf.keras program)."""
    given = _path_name(filepath)
    filepath = local_path(filepath)
    name = _path_name(filepath)
    if name is None:
        return filepath
    if not os.path.exists(name):
        if common.is_tf_keras():
            raise FileNotFoundError('No file or directory found at %s'
                                    % given)
        return filepath
    if os.path.isdir(name):
        return model_file(name)
    return filepath


def model_file(directory):
    """The Keras model file of a SavedModel directory written here; the
    directory itself when TensorFlow wrote it (`tensorflow_saved_model`
    reads it); an OSError, as TensorFlow words it, for a directory with
    neither."""
    from . import tensorflow_saved_model
    path = os.path.join(directory, MODEL_FILE)
    if os.path.isfile(path):
        return path
    if tensorflow_saved_model.is_tensorflow_saved_model(directory):
        return directory
    if os.path.exists(os.path.join(directory, 'saved_model.pbtxt')):
        raise NotImplementedError(
            'Loading %r: a SavedModel in text form (saved_model.pbtxt) is '
            'not read; save it with TensorFlow as saved_model.pb or as an '
            'HDF5 file (model.save("model.h5")).' % directory)
    raise OSError('SavedModel file does not exist at: %s' % os.path.join(
        directory, '{saved_model.pbtxt|saved_model.pb}'))


def weights_source(filepath):
    """What `load_weights(filepath)` reads for a SavedModel directory (as
    tf.keras reads its `variables/variables` checkpoint): the variables
    data file, else the model file. Other paths: the local path."""
    from ..engine.network import _checkpoint_data_path
    given = _path_name(filepath)
    filepath = local_path(filepath)
    name = _path_name(filepath)
    if name is not None and not os.path.exists(name):
        _check_checkpoint_exists(given, name)
    if name is None or not os.path.isdir(name) or \
            name.endswith(_HDF5_SUFFIXES):
        # A directory named like an HDF5 file: h5py's IsADirectoryError,
        # as tf.keras opens such a name with h5py.
        return filepath
    data = _checkpoint_data_path(os.path.join(name, VARIABLES_PREFIX))
    if os.path.isfile(data):
        return data
    if not _is_saved_model(name):
        # Any other directory: h5py's IsADirectoryError, as Keras 2 and
        # tf.keras raise it.
        return filepath
    return model_file(name)


def _is_saved_model(directory):
    return any(os.path.exists(os.path.join(directory, name))
               for name in (MODEL_FILE,) + _TENSORFLOW_GRAPHS)


_HDF5_SUFFIXES = ('.h5', '.hdf5', '.keras')


def _check_checkpoint_exists(given, name):
    """In a tf.keras program, a checkpoint prefix with no files is
    TensorFlow's NotFoundError, one whose data shard is missing its
    OpError (a missing HDF5 file is h5py's OSError)."""
    if not common.is_tf_keras() or name.endswith(_HDF5_SUFFIXES):
        return
    if os.path.exists(name + '.index'):
        if not glob.glob(glob.escape(name) + '.data-*-of-*'):
            # An index without its data shard: TensorFlow fails to open
            # the shard the index names.
            raise _tensorflow_error(
                'OpError', FileNotFoundError,
                '%s.data-00000-of-00001; No such file or directory' % given)
        return
    raise _tensorflow_error(
        'NotFoundError', FileNotFoundError,
        'Unsuccessful TensorSliceReader constructor: Failed to find any '
        'matching files for %s' % given)


# ------------------------------------------------------ tf.saved_model
def make_saved_model_module():
    """`tf.saved_model` for Keras models: `save(model, export_dir)` writes
    the SavedModel directory `model.save(export_dir)` writes, and
    `load(export_dir)` gives back the Keras model (uncompiled; it is
    called, `loaded(x)`, as TensorFlow's restored object is). Serving
    signatures are TensorFlow graphs, so `signatures`, `options` and
    `.signatures` of the loaded model raise NotImplementedError."""
    import types
    module = types.ModuleType('tensorflow.saved_model', __doc__)
    for fn in (save, load, contains_saved_model):
        setattr(module, fn.__name__, fn)
    return module


def _refuse_serving_arguments(**arguments):
    for name, value in arguments.items():
        if value is not None:
            raise NotImplementedError(
                'tf.saved_model with %s=...: serving signatures, tags and '
                'options are TensorFlow graph features; leave the argument '
                'out (a loaded Keras model is called directly, or use '
                'model.predict).' % name)


def save(obj, export_dir, signatures=None, options=None):
    """`tf.saved_model.save` of a Keras model (with its optimizer)."""
    from ..engine.network import Network
    _refuse_serving_arguments(signatures=signatures, options=options)
    if not isinstance(obj, Network):
        raise NotImplementedError(
            'tf.saved_model.save(%s): only Keras models are saved here '
            '(their weights and architecture); save a tf.Module\'s state '
            'with tf.train.Checkpoint or write it with numpy.'
            % type(obj).__name__)
    save_model(obj, _path_name(local_path(export_dir, create_parent=True)))


def load(export_dir, tags=None, options=None):
    """`tf.saved_model.load` of a directory `model.save` or
    `tf.saved_model.save` wrote: the Keras model, uncompiled."""
    from . import hdf5
    _refuse_serving_arguments(tags=tags, options=options)
    model = hdf5.load_model(export_dir, compile=False)
    model.__dict__['signatures'] = _UnavailableSignatures(export_dir)
    return model


def contains_saved_model(export_dir):
    """Whether `export_dir` holds a SavedModel (one written here or by
    TensorFlow)."""
    directory = _path_name(local_path(export_dir))
    return any(os.path.isfile(os.path.join(directory, name))
               for name in (MODEL_FILE,) + _TENSORFLOW_GRAPHS)


class _UnavailableSignatures(object):
    """The `.signatures` of a model `tf.saved_model.load` returned:
    TensorFlow's serving functions, which need TensorFlow's graphs."""

    def __init__(self, export_dir):
        self._export_dir = export_dir

    def _refuse(self, *args, **kwargs):
        raise NotImplementedError(
            'signatures of the model loaded from %r: serving signatures '
            'are TensorFlow graph functions. Call the loaded model '
            '(loaded(x)) or its predict method instead.'
            % (self._export_dir,))

    __getitem__ = keys = items = values = __iter__ = __len__ = _refuse
    get = __contains__ = _refuse
