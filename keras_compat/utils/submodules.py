"""Module objects for tf.keras's small namespaces (`models.experimental`,
`metrics.experimental`, ...), importable by their dotted names."""
import importlib.machinery
import sys
import types


def submodule(parent, name, doc, **names):
    """A module `parent.name` holding `names`, registered in sys.modules so
    that `from parent.name import X` works."""
    full_name = parent + '.' + name
    module = types.ModuleType(full_name, doc)
    module.__spec__ = importlib.machinery.ModuleSpec(full_name, None)
    module.__dict__.update(names)
    sys.modules[full_name] = module
    return module
