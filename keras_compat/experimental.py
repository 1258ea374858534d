"""tf.keras 2.x's `keras.experimental`: the cosine learning-rate schedules
and the premade linear and wide & deep models."""
from .learning_rate_schedule import (CosineDecay,  # noqa: F401
                                     CosineDecayRestarts)
from .experimental_models import LinearModel, WideDeepModel  # noqa: F401
