"""TensorFlow 1's record of the variables of a graph.

Every variable made by `K.variable` (and `K.zeros`, `K.ones`, ...),
`tf.Variable`, `tf.get_variable` or a layer's `add_weight` is recorded in
creation order, with whether it was trainable when made, as TensorFlow 1
put it in the `GLOBAL_VARIABLES` and `TRAINABLE_VARIABLES` collections
(Keras 2 on TensorFlow 1 made every weight with `tf.Variable`'s default
`trainable=True`, BatchNormalization's moving statistics included;
tf.keras made the non-trainable ones with `trainable=False`). Variables
are held weakly: one nobody holds any more leaves the record.
`K.clear_session()` (`tf.reset_default_graph()`) clears it.

The graph's other collections (`tf.add_to_collection`), the variables
`tf.get_variable` shares by name and the count of each variable scope's
openings live here too, and are cleared with it."""
import weakref

from . import common

_ENTRIES = []      # [_Entry], in creation order
_SHARED = {}       # get_variable's full name -> variable
_COLLECTIONS = {}  # collection key -> list of values
_SCOPE_COUNTS = {}  # variable scope path -> times opened
_PRUNE_AT = [1024]


class _Entry(object):
    __slots__ = ('ref', 'record', 'trainable')

    def __init__(self, ref, record, trainable):
        self.ref = ref
        self.record = record
        self.trainable = trainable

    def alive(self):
        owner = self.ref()
        return owner is not None and (self.record is None or any(
            r is self.record for r in owner._keras_weights))

    def variable(self):
        """The variable (a layer weight's Keras view), or None once it is
        gone."""
        if not self.alive():
            return None
        owner = self.ref()
        return owner if self.record is None else \
            owner._weight_view(self.record)


def record_variable(variable, trainable=True):
    """Records a variable made by the backend or by `tf.Variable`."""
    try:
        ref = weakref.ref(variable)
    except TypeError:
        return
    _append(_Entry(ref, None, bool(trainable)))


def record_layer_weight(layer, record, trainable):
    """Records a weight a layer made (`add_weight`): trainable for the
    collections whatever `trainable` says in a Keras 2 program (Keras 2
    made it with `K.variable`), as `trainable` says in a tf.keras one."""
    _append(_Entry(weakref.ref(layer), record,
                   bool(trainable) or not common.is_tf_keras()))


def _append(entry):
    """Appends an entry, dropping those of variables gone once the record
    has doubled since the last time."""
    _ENTRIES.append(entry)
    if len(_ENTRIES) > _PRUNE_AT[0]:
        _ENTRIES[:] = [e for e in _ENTRIES if e.alive()]
        _PRUNE_AT[0] = max(1024, 2 * len(_ENTRIES))


def set_trainable(variable, trainable):
    """Sets the recorded trainability of a variable (`tf.Variable(...,
    trainable=False)`)."""
    for entry in reversed(_ENTRIES):
        if entry.record is None and entry.ref() is variable:
            entry.trainable = bool(trainable)
            return


def variables(trainable_only=False):
    """The live recorded variables in creation order."""
    found = []
    alive = []
    for entry in _ENTRIES:
        variable = entry.variable()
        if variable is None:
            continue
        alive.append(entry)
        if entry.trainable or not trainable_only:
            found.append(variable)
    _ENTRIES[:] = alive
    return found


def clear():
    """Forgets every variable, shared name, collection and scope count
    (a new graph)."""
    del _ENTRIES[:]
    _SHARED.clear()
    _COLLECTIONS.clear()
    _SCOPE_COUNTS.clear()


# ---------------------------------------------------- graph-wide state
def forget(variable):
    """Takes a variable out of the record (`tf.get_variable(...,
    collections=[...])` without the global collection)."""
    _ENTRIES[:] = [e for e in _ENTRIES
                   if not (e.record is None and e.ref() is variable)]


def collection(key, create=True):
    """The list of TensorFlow 1's collection `key` (created empty, or,
    not `create`, an empty list not kept)."""
    if not create:
        return _COLLECTIONS.get(key, [])
    return _COLLECTIONS.setdefault(key, [])


def collection_keys():
    return list(_COLLECTIONS)


def shared(name):
    """The variable `tf.get_variable` made under the full `name`, or
    None."""
    return _SHARED.get(name)


def share(name, variable):
    _SHARED[name] = variable


def count_scope(path):
    """Counts one more opening of the variable scope `path`; returns how
    many there were before."""
    count = _SCOPE_COUNTS.get(path, 0)
    _SCOPE_COUNTS[path] = count + 1
    return count


def scope_count(path):
    return _SCOPE_COUNTS.get(path, 0)


def scope_counts():
    """A copy of the openings counted so far, for `restore_scope_counts`."""
    return dict(_SCOPE_COUNTS)


def restore_scope_counts(counts):
    _SCOPE_COUNTS.clear()
    _SCOPE_COUNTS.update(counts)


def close_subscopes(path):
    """Forgets the openings of the scopes inside `path`: the next time
    `path` is entered, unnamed scopes inside it ('dense', 'conv2d') count
    from the start again, as TensorFlow 1 leaves a named scope."""
    prefix = path + '/'
    for key in [k for k in _SCOPE_COUNTS if k.startswith(prefix)]:
        del _SCOPE_COUNTS[key]


def name_scope():
    """The full path of the innermost name scope ('' outside any): the
    prefix TensorFlow 1 gave the variables made inside."""
    from . import ops
    return ops._NAME_SCOPES[-1] if ops._NAME_SCOPES else ''
