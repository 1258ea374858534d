"""VGG19 with Keras 2's layer names, so the Keras ImageNet weight files
load."""
from .imagenet_utils import decode_predictions  # noqa: F401
from .vgg16 import build_vgg, preprocess_input  # noqa: F401

_FILES = ('vgg19_weights_tf_dim_ordering_tf_kernels.h5',
          'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5')


def VGG19(include_top=True, weights='imagenet', input_tensor=None,
          input_shape=None, pooling=None, classes=1000,
          classifier_activation='softmax', **kwargs):
    """VGG19: 16 3x3 convolutions in five blocks (2, 2, 4, 4, 4), then the
    VGG16 top."""
    return build_vgg('vgg19', (2, 2, 4, 4, 4), _FILES, include_top,
                     weights, input_tensor, input_shape, pooling, classes,
                     classifier_activation)
