"""`keras.engine.functional` (tf.keras 2.4+). Its `Functional` is the
class of graph models; here functional, Sequential and subclassed models
share one class, `Model`, so `isinstance(m, Functional)` holds for all
three (tf.keras: not for subclassed models)."""
from ..engine.training import Model as Functional  # noqa: F401
from ..engine.input_layer import Input, InputLayer  # noqa: F401
