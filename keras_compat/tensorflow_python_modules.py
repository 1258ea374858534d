"""More `tensorflow.python.*` module paths that Keras layers, optimizers
and training code import operations from (`framework.constant_op`,
`ops.clip_ops`, `training.moving_averages`, `util.deprecation`,
`platform.tf_logging`, `eager.def_function`, ...): each serves the
stand-in's operations under TensorFlow's internal names."""
import functools
import logging as _logging

_log = _logging.getLogger('keras_compat')


def assign_moving_average(variable, value, decay, zero_debias=True,
                          name=None):
    """`variable = variable * decay + value * (1 - decay)`, in place; the
    updated variable is returned."""
    if zero_debias:
        raise NotImplementedError(
            'moving_averages.assign_moving_average(zero_debias=True) is not '
            'supported: pass zero_debias=False (the moving average of Keras '
            'layers, K.moving_average_update).')
    import torch
    from . import backend as K
    from .backend import ops
    if ops._is_symbolic(value) or ops._is_symbolic(variable):
        return K.moving_average_update(variable, value, decay)
    with torch.no_grad():
        variable.mul_(decay).add_(ops._t(value).to(variable.dtype),
                                  alpha=1. - decay)
    return variable


def _deprecated(date, instructions, warn_once=True):
    """`@deprecated(date, instructions)`: the function, logging a
    deprecation warning at its first call (at each call without
    `warn_once`)."""
    def decorate(fn):
        warned = []

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            if _deprecation._PRINT_DEPRECATION_WARNINGS and \
                    not (warn_once and warned):
                warned.append(True)
                _log.warning('From %s: %s is deprecated%s.\nInstructions '
                             'for updating:\n%s', fn.__module__,
                             fn.__name__, ' and will be removed after ' +
                             date if date else '', instructions)
            return fn(*args, **kwargs)
        return wrapper
    return decorate


def _deprecated_args(date, instructions, *deprecated_arg_names_or_tuples,
                     **kwargs):
    """`@deprecated_args(...)`: the function, unchanged."""
    return lambda fn: fn


class _Silence(object):
    """`with deprecation.silence():` no deprecation warnings inside."""

    def __enter__(self):
        self._before = _deprecation._PRINT_DEPRECATION_WARNINGS
        _deprecation._PRINT_DEPRECATION_WARNINGS = False

    def __exit__(self, *exc):
        _deprecation._PRINT_DEPRECATION_WARNINGS = self._before


_deprecation = None


def _names(module, source, names):
    for name in names:
        target, _, own = name.partition('=')
        setattr(module, target, getattr(source, own or target))

def _install_file_io(python, gfile, submodule):
    """`tensorflow.python.lib.io.file_io`: `tf.io.gfile` under the internal
    names (`file_exists`, `FileIO`, `recursive_create_dir`, ...)."""
    python.lib = submodule('python.lib', 'Libraries.')
    python.lib.io = submodule('python.lib.io', 'File input and output.')
    file_io = python.lib.io.file_io = submodule('python.lib.io.file_io',
                                                'Files.')
    _names(file_io, gfile, [
        'FileIO=GFile', 'file_exists=exists', 'file_exists_v2=exists',
        'is_directory=isdir', 'is_directory_v2=isdir',
        'create_dir=mkdir', 'create_dir_v2=mkdir',
        'recursive_create_dir=makedirs', 'recursive_create_dir_v2=makedirs',
        'list_directory=listdir', 'list_directory_v2=listdir',
        'get_matching_files=glob', 'get_matching_files_v2=glob',
        'delete_file=remove', 'delete_file_v2=remove',
        'delete_recursively=rmtree', 'delete_recursively_v2=rmtree',
        'copy=copy', 'copy_v2=copy', 'rename=rename', 'rename_v2=rename',
        'stat=stat', 'stat_v2=stat', 'walk=walk', 'walk_v2=walk'])

    def read_file_to_string(filename, binary_mode=False):
        with gfile.GFile(filename, 'rb' if binary_mode else 'r') as f:
            return f.read()

    def write_string_to_file(filename, file_content):
        with gfile.GFile(filename, 'w') as f:
            f.write(file_content)
    file_io.read_file_to_string = read_file_to_string
    file_io.write_string_to_file = write_string_to_file



def install(python, tf, submodule):
    """Adds the modules above under the stand-in's `tensorflow.python`."""
    global _deprecation
    framework, ops = python.framework, python.ops
    framework.constant_op = submodule('python.framework.constant_op',
                                      'Constants.')
    framework.constant_op.constant = tf.constant
    framework.sparse_tensor = submodule('python.framework.sparse_tensor',
                                        'Sparse tensors.')
    _names(framework.sparse_tensor, tf,
           ['SparseTensor', 'SparseTensorValue=SparseTensor'])
    framework.sparse_tensor.is_sparse = \
        lambda x: isinstance(x, tf.SparseTensor)
    framework.tensor_util = submodule('python.framework.tensor_util',
                                      'Tensor values.')
    _names(framework.tensor_util, tf,
           ['is_tensor', 'constant_value=get_static_value'])
    _names(framework.ops, tf, ['reset_default_graph', 'device'])
    framework.tensor_shape.dimension_value = tf.compat.dimension_value
    ops.math_ops.count_nonzero_v2 = tf.math.count_nonzero
    ops.variables = submodule('python.ops.variables', 'Variables.')
    _names(ops.variables, tf, ['Variable', 'global_variables_initializer'])
    ops.check_ops = submodule('python.ops.check_ops', 'Value checks.')
    _names(ops.check_ops, tf.debugging,
           [n for n in dir(tf.debugging) if n.startswith('assert_')])
    ops.embedding_ops = submodule('python.ops.embedding_ops', 'Embeddings.')
    ops.embedding_ops.embedding_lookup = tf.nn.embedding_lookup
    ops.clip_ops = submodule('python.ops.clip_ops', 'Clipping.')
    _names(ops.clip_ops, tf, ['clip_by_value', 'clip_by_norm',
                              'clip_by_global_norm'])
    ops.parsing_ops = submodule('python.ops.parsing_ops', 'tf.Example '
                                'parsing.')
    _names(ops.parsing_ops, tf.io, ['parse_single_example', 'parse_example',
                                    'FixedLenFeature', 'VarLenFeature',
                                    'FixedLenSequenceFeature'])
    ops.summary_ops_v2 = submodule('python.ops.summary_ops_v2',
                                   'TensorBoard summaries.')
    _names(ops.summary_ops_v2, tf.summary,
           ['scalar', 'histogram', 'image', 'create_file_writer',
            'create_file_writer_v2=create_file_writer', 'flush'])
    python.training = submodule('python.training', 'Training utilities.')
    python.training.optimizer = submodule(
        'python.training.optimizer', 'TF1 optimizer base class.')
    python.training.optimizer.Optimizer = tf.train.Optimizer
    python.training.moving_averages = submodule(
        'python.training.moving_averages', 'Moving averages.')
    python.training.moving_averages.assign_moving_average = \
        assign_moving_average
    python.training.checkpoint_utils = submodule(
        'python.training.checkpoint_utils', 'Checkpoint reading.')
    _names(python.training.checkpoint_utils, tf.train,
           ['list_variables', 'load_variable', 'load_checkpoint'])
    _deprecation = python.util.deprecation = submodule(
        'python.util.deprecation', 'Deprecation decorators.')
    _deprecation._PRINT_DEPRECATION_WARNINGS = True
    _deprecation.deprecated = _deprecated
    _deprecation.deprecated_args = _deprecated_args
    _deprecation.silence = _Silence
    python.platform = submodule('python.platform', 'Platform utilities.')
    python.platform.tf_logging = tf.logging
    _install_file_io(python, tf.io.gfile, submodule)
    python.eager.backprop = submodule('python.eager.backprop', 'Gradients.')
    python.eager.backprop.GradientTape = tf.GradientTape
    python.eager.def_function = submodule('python.eager.def_function',
                                          'tf.function.')
    python.eager.def_function.function = tf.function
    python.eager.def_function.run_functions_eagerly = \
        tf.config.run_functions_eagerly
