"""TensorFlow 1's variables and collections: `tf.global_variables()`,
`tf.trainable_variables(scope)`, `tf.get_collection(key, scope)`,
`tf.add_to_collection`, `tf.GraphKeys`, `tf.variable_scope` and
`tf.get_variable` sharing variables by name, `tf.name_scope`, and the
regularization and loss collections of `tf.losses`.

The variables are those `backend/variable_registry.py` records (Keras
layer weights, `K.variable`, `tf.Variable`, `tf.get_variable`), in
creation order, under their TensorFlow 1 names ('actor/dense_1/kernel:0'
for a Dense layer built inside `tf.variable_scope('actor')`)."""
import contextlib
import os
import re

import numpy as np

from . import backend as K
from .backend import common as _common
from .backend import ops as _ops
from .backend import variable_registry as _registry


class GraphKeys(object):
    """The names of TensorFlow 1's standard graph collections."""

    GLOBAL_VARIABLES = 'variables'
    VARIABLES = 'variables'
    LOCAL_VARIABLES = 'local_variables'
    METRIC_VARIABLES = 'metric_variables'
    MODEL_VARIABLES = 'model_variables'
    TRAINABLE_VARIABLES = 'trainable_variables'
    SUMMARIES = 'summaries'
    QUEUE_RUNNERS = 'queue_runners'
    TABLE_INITIALIZERS = 'table_initializer'
    ASSET_FILEPATHS = 'asset_filepaths'
    MOVING_AVERAGE_VARIABLES = 'moving_average_variables'
    REGULARIZATION_LOSSES = 'regularization_losses'
    CONCATENATED_VARIABLES = 'concatenated_variables'
    SAVERS = 'savers'
    WEIGHTS = 'weights'
    BIASES = 'biases'
    ACTIVATIONS = 'activations'
    UPDATE_OPS = 'update_ops'
    LOSSES = 'losses'
    SAVEABLE_OBJECTS = 'saveable_objects'
    RESOURCES = 'resources'
    LOCAL_RESOURCES = 'local_resources'
    TRAINABLE_RESOURCE_VARIABLES = 'trainable_resource_variables'
    INIT_OP = 'init_op'
    LOCAL_INIT_OP = 'local_init_op'
    READY_OP = 'ready_op'
    READY_FOR_LOCAL_INIT_OP = 'ready_for_local_init_op'
    SUMMARY_OP = 'summary_op'
    GLOBAL_STEP = 'global_step'
    EVAL_STEP = 'eval_step'
    TRAIN_OP = 'train_op'
    COND_CONTEXT = 'cond_context'
    WHILE_CONTEXT = 'while_context'



# ------------------------------------------------------------ global step
def get_global_step(graph=None):
    """TF1's global step: the variable of the GLOBAL_STEP collection, or
    None."""
    steps = _values(GraphKeys.GLOBAL_STEP)
    return steps[0] if steps else None


def create_global_step(graph=None):
    """Makes the global step, an int64 variable 'global_step' starting at
    0, not trainable; ValueError when one exists, as in TF1."""
    if get_global_step() is not None:
        raise ValueError('"global_step" already exists.')
    from . import tensorflow_compat as tf
    step = tf.Variable(0, trainable=False, dtype=tf.int64,
                       name='global_step')
    add_to_collection(GraphKeys.GLOBAL_STEP, step)
    return step


def get_or_create_global_step(graph=None):
    """The global step, made on first use (`tf.train.get_or_create_global
    _step()`, which TF1 training loops and `minimize(global_step=...)`
    use)."""
    return get_global_step() or create_global_step()


def global_step(sess, global_step_tensor):
    """The global step's value as a Python int."""
    from . import backend as K
    return int(K.get_value(global_step_tensor))

# ------------------------------------------------------------ collections
def get_collection(key, scope=None):
    """The values of collection `key` (a new list); with `scope`, those
    whose `name` the regular expression `scope` matches from its start
    (values without a name are left out)."""
    values = list(_values(key))
    if scope is None:
        return values
    pattern = re.compile(scope)
    found = []
    for value in values:
        name = getattr(value, 'name', None)
        if isinstance(name, str) and pattern.match(name):
            found.append(value)
    return found


def _values(key):
    if key == GraphKeys.GLOBAL_VARIABLES:
        return _registry.variables() + _registry.collection(key, False)
    if key == GraphKeys.TRAINABLE_VARIABLES:
        return _registry.variables(trainable_only=True) + \
            _registry.collection(key, False)
    return _registry.collection(key, False)


def get_collection_ref(key):
    """The list of collection `key` itself (appending adds to it); of the
    variable collections, a new list of their variables."""
    if key in (GraphKeys.GLOBAL_VARIABLES, GraphKeys.TRAINABLE_VARIABLES):
        return get_collection(key)
    return _registry.collection(key)


def add_to_collection(name, value):
    """Appends `value` to collection `name`."""
    _registry.collection(name).append(value)


def add_to_collections(names, value):
    """Appends `value` to each collection of `names` (a name or a list;
    each once)."""
    if isinstance(names, str):
        names = [names]
    for name in set(names):
        add_to_collection(name, value)


def get_all_collection_keys():
    keys = [GraphKeys.GLOBAL_VARIABLES] if _registry.variables() else []
    if _registry.variables(trainable_only=True):
        keys.append(GraphKeys.TRAINABLE_VARIABLES)
    return keys + [k for k in _registry.collection_keys() if k not in keys]


def clear_collection(name):
    del _registry.collection(name)[:]


def global_variables(scope=None):
    """Every variable made in the graph so far, in creation order."""
    return get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


def trainable_variables(scope=None):
    """The variables made trainable, in creation order (Keras 2's layer
    weights all are)."""
    return get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def local_variables(scope=None):
    return get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def model_variables(scope=None):
    return get_collection(GraphKeys.MODEL_VARIABLES, scope)


def moving_average_variables(scope=None):
    return get_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, scope)


def install_graph_methods(graph_class):
    """The collection methods of TensorFlow 1's `Graph`."""
    for name in ('get_collection', 'get_collection_ref',
                 'add_to_collection', 'add_to_collections',
                 'get_all_collection_keys', 'clear_collection'):
        function = globals()[name]
        setattr(graph_class, name,
                lambda self, *args, _f=function, **kwargs: _f(*args, **kwargs))


# ---------------------------------------------------------- name scopes
def _graph_mode():
    """Whether the program builds a TensorFlow 1 graph: a Keras 2 program,
    or a tf.keras one with eager execution disabled."""
    return not (_common.is_tf_keras() and _common.executing_eagerly())


@contextlib.contextmanager
def _entered_name_scope(name, absolute=False):
    """Opens the name scope `name` inside the current one, made unique
    ('actor', 'actor_1'), or, `absolute`, re-enters the scope path
    `name`; yields its path with a trailing '/'."""
    path = name if absolute else _ops._scoped_name(name)
    _ops._NAME_SCOPES.append(path)
    try:
        yield path + '/'
    finally:
        _ops._NAME_SCOPES.pop()


def name_scope(name, default_name=None, values=None):
    """`tf.name_scope(name)`: the names of the variables made inside
    (`tf.Variable`, Keras layer weights) start with the scope's path in a
    Keras 2 program or in graph mode; a name ending in '/' re-enters that
    scope. Yields the path with a trailing '/'."""
    name = name or default_name
    if not name or not _graph_mode():
        return contextlib.nullcontext(name + '/' if name else '')
    if name.endswith('/'):
        return _entered_name_scope(name.rstrip('/'), absolute=True)
    return _entered_name_scope(name)


# ------------------------------------------------------ variable scopes
class VariableScope(object):
    """A variable scope: its `name` (the prefix of `tf.get_variable`
    names), whether it `reuse`s the variables made under those names, and
    the default `initializer` and `regularizer` of the variables made in
    it."""

    def __init__(self, reuse, name='', initializer=None, regularizer=None,
                 dtype=None, constraint=None, original_name_scope=''):
        self.name = name
        self._reuse = reuse
        self.initializer = initializer
        self.regularizer = regularizer
        self.dtype = dtype
        self.constraint = constraint
        self.original_name_scope = original_name_scope

    @property
    def reuse(self):
        return self._reuse

    def reuse_variables(self):
        """Shares the variables from now on in this scope."""
        self._reuse = True

    def set_initializer(self, initializer):
        self.initializer = initializer

    def set_regularizer(self, regularizer):
        self.regularizer = regularizer

    def get_variable(self, var_store, name, *args, **kwargs):
        return get_variable(name, *args, **kwargs)

    def __repr__(self):
        return '<tf.VariableScope %r reuse=%r>' % (self.name, self._reuse)


AUTO_REUSE = 'auto_reuse'
_ROOT = [VariableScope(False)]
_SCOPES = []


def get_variable_scope():
    """The innermost variable scope (the root scope, named '', outside
    any)."""
    return _SCOPES[-1] if _SCOPES else _ROOT[0]


def _join(scope, name):
    return scope + '/' + name if scope else name


_UNSUPPORTED_SCOPE = ('custom_getter', 'partitioner')


@contextlib.contextmanager
def variable_scope(name_or_scope=None, default_name=None, values=None,
                   initializer=None, regularizer=None, reuse=None,
                   dtype=None, constraint=None, auxiliary_name_scope=True,
                   **kwargs):
    """`tf.variable_scope(name, reuse=...)`: `tf.get_variable(name)`
    inside makes or shares (`reuse=True`, `tf.AUTO_REUSE`) the variable
    'scope/name'; a name scope of the same name is opened too (made
    unique: 'actor', then 'actor_1'), which prefixes the names of other
    variables made inside (`tf.Variable`, Keras layer weights). Reuse and
    defaults are inherited from the enclosing scope."""
    for key in _UNSUPPORTED_SCOPE:
        if kwargs.get(key) is not None:
            raise NotImplementedError(
                'tf.variable_scope(%s=...) is not supported: variables are '
                'single PyTorch tensors made by tf.get_variable.' % key)
    parent = get_variable_scope()
    if isinstance(name_or_scope, VariableScope):
        path, base = name_or_scope.name, name_or_scope
        name_path, absolute = name_or_scope.original_name_scope.rstrip(
            '/'), True
    else:
        name = name_or_scope
        if name is None:
            if default_name is None:
                raise TypeError('If default_name is None then name_or_scope '
                                'is required')
            name = _unique_scope_name(_join(parent.name, default_name))
            name = name[len(parent.name) + 1:] if parent.name else name
        path, base, name_path, absolute = \
            _join(parent.name, name), parent, name, False
    _registry.count_scope(path)
    scope = VariableScope(
        reuse or base.reuse or False, path,
        initializer if initializer is not None else base.initializer,
        regularizer if regularizer is not None else base.regularizer,
        dtype or base.dtype,
        constraint if constraint is not None else base.constraint)
    with contextlib.ExitStack() as stack:
        if auxiliary_name_scope and name_path:
            scope.original_name_scope = stack.enter_context(
                _entered_name_scope(name_path, absolute))
        else:
            scope.original_name_scope = getattr(
                base, 'original_name_scope', '')
        _SCOPES.append(scope)
        counts = _registry.scope_counts() if absolute else None
        try:
            yield scope
        finally:
            _SCOPES.pop()
            # (Re-entering 'discriminator' with reuse=True names its
            # tf.layers 'discriminator/dense', ... again.)
            if absolute:
                _registry.restore_scope_counts(counts)
            else:
                _registry.close_subscopes(path)


def _unique_scope_name(path):
    if _registry.scope_count(path) == 0:
        return path
    i = 1
    while _registry.scope_count('%s_%d' % (path, i)) > 0:
        i += 1
    return '%s_%d' % (path, i)


# ---------------------------------------------------------- get_variable
def get_variable(name, shape=None, dtype=None, initializer=None,
                 regularizer=None, trainable=None, collections=None,
                 caching_device=None, partitioner=None, validate_shape=True,
                 use_resource=None, custom_getter=None, constraint=None,
                 **kwargs):
    """The variable 'scope/name': made from `initializer` (the scope's,
    else Glorot uniform for floats and zeros otherwise, as TensorFlow 1)
    or shared when the scope reuses variables. Making a variable whose
    name is taken, or sharing one that does not exist, raises
    ValueError as TensorFlow 1 does."""
    for key, value in (('partitioner', partitioner),
                       ('custom_getter', custom_getter)):
        if value is not None:
            raise NotImplementedError(
                'tf.get_variable(%s=...) is not supported: variables are '
                'single PyTorch tensors.' % key)
    scope = get_variable_scope()
    full = _join(scope.name, name)
    existing = _registry.shared(full)
    if scope.reuse:
        if existing is not None:
            return _checked_shared(full, existing, shape)
        if scope.reuse is True:
            raise ValueError(
                'Variable %s does not exist, or was not created with '
                'tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE '
                'in VarScope?' % full)
    elif existing is not None:
        raise ValueError(
            'Variable %s already exists, disallowed. Did you mean to set '
            'reuse=True or reuse=tf.AUTO_REUSE in VarScope?' % full)
    variable = _new_variable(full, name, shape, dtype or scope.dtype,
                             initializer if initializer is not None
                             else scope.initializer,
                             trainable is None or bool(trainable))
    variable.constraint = constraint if constraint is not None \
        else scope.constraint
    if collections is not None:
        _placed_in(variable, list(collections),
                   trainable is None or bool(trainable))
    regularizer = regularizer if regularizer is not None \
        else scope.regularizer
    if regularizer is not None:
        loss = regularizer(variable)
        if loss is not None:
            add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)
    _registry.share(full, variable)
    return variable


def _checked_shared(full, variable, shape):
    if shape is not None and tuple(_ops._shape_tuple(shape)) != \
            tuple(variable.shape):
        raise ValueError(
            'Trying to share variable %s, but specified shape %s and found '
            'shape %s.' % (full, tuple(_ops._shape_tuple(shape)),
                           tuple(variable.shape)))
    return variable


def _new_variable(full, name, shape, dtype, initializer, trainable):
    from . import initializers as ki
    if isinstance(initializer, type):
        initializer = initializer()
    if initializer is None:
        floating = dtype is None or K.torch_dtype(
            getattr(dtype, 'name', dtype)).is_floating_point
        initializer = ki.glorot_uniform() if floating else ki.zeros()
    if callable(initializer):
        if shape is None:
            raise ValueError('Shape of a new variable (%s) must be fully '
                             'defined, but instead was None.' % full)
        value = initializer(tuple(_ops._shape_tuple(shape)),
                            **({} if dtype is None else
                               {'dtype': getattr(dtype, 'name', dtype)}))
    else:
        if shape is not None:
            raise ValueError('If initializer is a constant, do not specify '
                             'shape.')
        value = initializer
    variable = K.variable(value, dtype=None if dtype is None else
                          getattr(dtype, 'name', dtype), name=name)
    variable.__dict__['_keras_graph_name'] = full
    if not trainable:
        variable.requires_grad_(False)
        _registry.set_trainable(variable, False)
    return variable


def _placed_in(variable, collections, trainable):
    """`collections=[...]`: the variable in those collections instead of
    the global one (and among the trainable ones when trainable)."""
    if GraphKeys.GLOBAL_VARIABLES not in collections:
        _registry.forget(variable)
        if trainable and GraphKeys.TRAINABLE_VARIABLES not in collections:
            collections.append(GraphKeys.TRAINABLE_VARIABLES)
        for key in collections:
            add_to_collection(key, variable)
    else:
        for key in collections:
            if key not in (GraphKeys.GLOBAL_VARIABLES,
                           GraphKeys.TRAINABLE_VARIABLES):
                add_to_collection(key, variable)


# ----------------------------------------------------------------- losses
def add_loss(loss, loss_collection=GraphKeys.LOSSES):
    """`tf.losses.add_loss`: `loss` in `loss_collection`."""
    if loss_collection:
        add_to_collection(loss_collection, loss)


def collecting_loss(function):
    """A `tf.losses` function that also adds its loss to
    `loss_collection` (the `losses` collection by default), as TensorFlow
    1's do."""
    def loss(*args, **kwargs):
        collection = kwargs.pop('loss_collection', GraphKeys.LOSSES)
        value = function(*args, **kwargs)
        if _graph_mode():
            add_loss(value, collection)
        return value
    loss.__name__ = function.__name__
    loss.__doc__ = function.__doc__
    return loss


def get_losses(scope=None, loss_collection=GraphKeys.LOSSES):
    return get_collection(loss_collection, scope)


def get_regularization_losses(scope=None):
    return get_collection(GraphKeys.REGULARIZATION_LOSSES, scope)


def get_regularization_loss(scope=None, name='total_regularization_loss'):
    """The sum of the regularization losses (0. without any)."""
    losses = get_regularization_losses(scope)
    if not losses:
        return K.constant(0.)
    from . import tensorflow_compat as tf
    return tf.add_n(losses)


def get_total_loss(add_regularization_losses=True, name='total_loss',
                   scope=None):
    """The sum of the losses of the `losses` collection and, by default,
    of the regularization losses."""
    losses = get_losses(scope)
    if add_regularization_losses:
        losses = losses + get_regularization_losses(scope)
    if not losses:
        raise ValueError('No losses to add.')
    from . import tensorflow_compat as tf
    return tf.add_n(losses)


# ------------------------------------------------------------------ Saver
def _op_name(variable):
    name = getattr(variable, 'name', None)
    if not isinstance(name, str):
        raise TypeError('Variable to save is not a Variable: %r'
                        % (variable,))
    return name[:-2] if name.endswith(':0') else name


def _saveables(var_list):
    """name -> variable of a Saver's `var_list` (all the global
    variables when None; a dict keeps its names; a list or tuple, of
    variables or of Keras models and layers, names each by its variable
    name without ':0')."""
    if var_list is None:
        var_list = global_variables()
    if isinstance(var_list, dict):
        return dict(var_list)
    found = {}
    for item in var_list:
        variables = getattr(item, 'weights', None) \
            if not hasattr(item, 'shape') else None
        for variable in variables if variables is not None else [item]:
            name = _op_name(variable)
            if name in found and found[name] is not variable:
                raise ValueError('At least two variables have the same '
                                 'name: %s' % name)
            found[name] = variable
    return found


class Saver(object):
    """`tf.train.Saver(var_list)`: `save(sess, path, global_step)` writes
    the variables (all the global ones by default) by their names as a
    TensorFlow checkpoint (`path-step.index`, `.data-00000-of-00001`,
    which TensorFlow's Saver reads) and records it in the directory's
    `checkpoint` file, keeping the last `max_to_keep`; `restore(sess,
    path)` assigns the saved values, from checkpoints written here or by
    TensorFlow. The graph itself is not written (no `.meta` file): it is
    the program that builds it."""

    def __init__(self, var_list=None, reshape=False, sharded=False,
                 max_to_keep=5, keep_checkpoint_every_n_hours=10000.0,
                 name=None, restore_sequentially=False, saver_def=None,
                 builder=None, defer_build=False, allow_empty=False,
                 write_version=2, pad_step_number=False,
                 save_relative_paths=False, filename=None):
        if saver_def is not None or builder is not None:
            raise NotImplementedError(
                'tf.train.Saver(saver_def=..., builder=...): there is no '
                'TensorFlow graph to build a saver in; pass var_list.')
        self._var_list = var_list
        self._variables = None if defer_build else _saveables(var_list)
        if self._variables is not None and not self._variables and \
                not allow_empty:
            raise ValueError('No variables to save')
        self._max_to_keep = max_to_keep
        self._pad_step_number = pad_step_number
        self._last_checkpoints = []

    def build(self):
        if self._variables is None:
            self._variables = _saveables(self._var_list)

    @property
    def last_checkpoints(self):
        """The paths of the checkpoints kept, oldest first."""
        return list(self._last_checkpoints)

    def save(self, sess, save_path, global_step=None, latest_filename=None,
             meta_graph_suffix='meta', write_meta_graph=True,
             write_state=True, strip_default_attrs=False,
             save_debug_info=False):
        """Writes the checkpoint `save_path` (`save_path-<global_step>`
        with a step); returns its path."""
        from . import tensorflow_bundle_writer as writer
        from . import tensorflow_gfile as gfile
        self.build()
        if global_step is not None:
            if not isinstance(global_step, (int, np.integer)):
                global_step = int(K.get_value(global_step))
            save_path = ('%s-%08d' if self._pad_step_number else '%s-%d') \
                % (save_path, global_step)
        values = {name: np.asarray(K.get_value(variable))
                  for name, variable in self._variables.items()}
        writer.write_bundle(gfile.local_path(save_path), values)
        if write_state:
            self._record(save_path, latest_filename or 'checkpoint')
        return save_path

    def _record(self, path, state_name):
        from . import tensorflow_checkpoint as checkpoint
        from . import tensorflow_gfile as gfile
        if path in self._last_checkpoints:
            self._last_checkpoints.remove(path)
        self._last_checkpoints.append(path)
        keep = self._max_to_keep
        while keep and len(self._last_checkpoints) > keep:
            _remove_checkpoint(self._last_checkpoints.pop(0))
        directory = os.path.dirname(path) or '.'
        checkpoint._checkpoint_state_file(directory, path,
                                          self._last_checkpoints)
        if state_name != 'checkpoint':
            local = gfile.local_path(directory)
            os.replace(os.path.join(local, 'checkpoint'),
                       os.path.join(local, state_name))

    def restore(self, sess, save_path):
        """Assigns each variable its value saved under its name."""
        from . import tensorflow_checkpoint as checkpoint
        from . import tensorflow_compat as tf
        if save_path is None:
            raise ValueError("Can't load save_path when it is None.")
        self.build()
        values = checkpoint.read_values(save_path)
        missing = [n for n in self._variables if n not in values]
        if missing:
            raise tf.errors.NotFoundError(
                'Restoring from checkpoint failed. Key %s not found in '
                'checkpoint %s.' % (missing[0], save_path))
        for name, variable in self._variables.items():
            checkpoint._assign(variable, values[name])

    def recover_last_checkpoints(self, checkpoint_paths):
        self._last_checkpoints = list(checkpoint_paths)

    def set_last_checkpoints(self, last_checkpoints):
        self._last_checkpoints = list(last_checkpoints)


def _remove_checkpoint(prefix):
    from . import tensorflow_gfile as gfile
    local = gfile.local_path(prefix)
    for suffix in ('.index', '.data-00000-of-00001', '.meta'):
        if os.path.exists(local + suffix):
            os.remove(local + suffix)
