"""keras.applications.densenet: ImageNet preprocessing ('torch' mode) and decoding;
constructing the model raises NotImplementedError."""
from ._unsupported import preprocessor, unsupported_model
from .imagenet_utils import decode_predictions  # noqa: F401

preprocess_input = preprocessor('torch')
DenseNet121 = unsupported_model('DenseNet121')
DenseNet169 = unsupported_model('DenseNet169')
DenseNet201 = unsupported_model('DenseNet201')
