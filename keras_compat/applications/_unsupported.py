"""Application models not built by keras_compat yet: their modules import
(with working `preprocess_input` and `decode_predictions`), constructing
the model raises NotImplementedError."""
from .imagenet_utils import preprocess_input as _preprocess_input


def unsupported_model(name):
    def factory(*args, **kwargs):
        raise NotImplementedError(
            'keras.applications.%s is not provided by keras_compat yet; '
            'VGG16, VGG19, MobileNet, MobileNetV2, DenseNet, InceptionV3, '
            'Xception, InceptionResNetV2 and the ResNet family (ResNet50/'
            '101/152, ResNet50V2/101V2/152V2) are.' % name)
    factory.__name__ = factory.__qualname__ = name
    factory.__doc__ = 'Not provided yet: raises NotImplementedError.'
    return factory


def preprocessor(mode):
    def preprocess_input(x, data_format=None, **kwargs):
        return _preprocess_input(x, data_format=data_format, mode=mode)
    preprocess_input.__doc__ = "ImageNet preprocessing in '%s' mode." % mode
    return preprocess_input
