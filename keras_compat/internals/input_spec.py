"""`keras.engine.input_spec` (tf.keras 2.x): InputSpec and the check of
inputs against a layer's specs."""
import types

from ..engine.base_layer import InputSpec, Layer  # noqa: F401


def assert_input_compatibility(input_spec, inputs, layer_name):
    """Raises tf.keras's ValueError when `inputs` do not match
    `input_spec` (an InputSpec or a list of them; None checks nothing)."""
    holder = types.SimpleNamespace(input_spec=input_spec, name=layer_name)
    Layer.assert_input_compatibility(holder, inputs)
