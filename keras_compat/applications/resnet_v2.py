"""ResNet50V2/101V2/152V2 (pre-activation ResNets) as
`keras.applications.resnet_v2` builds them; inputs scaled to [-1, 1]."""
from functools import partial

from .imagenet_utils import decode_predictions  # noqa: F401
from .imagenet_utils import preprocess_input as _preprocess_input
from .resnet import ResNet, _stacks, stack2


def preprocess_input(x, **kwargs):
    """Images scaled to [-1, 1] ('tf' mode), as the V2 weights expect."""
    return _preprocess_input(x, mode='tf', **kwargs)


def _resnet_v2(blocks, name, include_top=True, weights='imagenet',
               input_tensor=None, input_shape=None, pooling=None,
               classes=1000, classifier_activation='softmax', **kwargs):
    return ResNet(_stacks(stack2, blocks), True, True, name, include_top,
                  weights, input_tensor, input_shape, pooling, classes,
                  classifier_activation)


ResNet50V2 = partial(_resnet_v2, (3, 4, 6, 3), 'resnet50v2')
ResNet101V2 = partial(_resnet_v2, (3, 4, 23, 3), 'resnet101v2')
ResNet152V2 = partial(_resnet_v2, (3, 8, 36, 3), 'resnet152v2')
