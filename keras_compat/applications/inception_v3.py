"""keras.applications.inception_v3: ImageNet preprocessing ('tf' mode) and decoding;
constructing the model raises NotImplementedError."""
from ._unsupported import preprocessor, unsupported_model
from .imagenet_utils import decode_predictions  # noqa: F401

preprocess_input = preprocessor('tf')
InceptionV3 = unsupported_model('InceptionV3')
