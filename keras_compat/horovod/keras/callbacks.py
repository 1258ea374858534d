"""`horovod.keras.callbacks`: Horovod's Keras callbacks."""
from .._keras.callbacks import (BroadcastGlobalVariablesCallback,  # noqa
                                MetricAverageCallback,
                                LearningRateScheduleCallback,
                                LearningRateWarmupCallback)
