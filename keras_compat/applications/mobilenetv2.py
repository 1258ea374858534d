"""Keras 2.2 module path `keras.applications.mobilenetv2`."""
from .mobilenet_v2 import (MobileNetV2, preprocess_input,  # noqa: F401
                           decode_predictions)
