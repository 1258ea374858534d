"""`keras.mixed_precision`: a global dtype policy. 'mixed_float16' and
'mixed_bfloat16' train with `torch.autocast` (matrix products and
convolutions in half precision, weights and losses in float32) and, for
float16, a gradient scaler against underflow."""
from . import experimental  # noqa: F401
from .policy import (Policy, set_global_policy, global_policy,  # noqa
                     LossScaleOptimizer)
