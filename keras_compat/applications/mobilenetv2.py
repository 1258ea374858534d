"""keras.applications.mobilenetv2: ImageNet preprocessing ('tf' mode) and decoding;
constructing the model raises NotImplementedError."""
from ._unsupported import preprocessor, unsupported_model
from .imagenet_utils import decode_predictions  # noqa: F401

preprocess_input = preprocessor('tf')
MobileNetV2 = unsupported_model('MobileNetV2')
