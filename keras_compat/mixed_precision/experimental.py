"""tf.keras 2.x's `mixed_precision.experimental` spellings."""
from .policy import Policy, global_policy, LossScaleOptimizer  # noqa: F401
from .policy import set_global_policy as set_policy  # noqa: F401
