"""keras.applications: VGG16, VGG19, MobileNet, MobileNetV2, InceptionV3,
InceptionResNetV2, Xception, DenseNet121/169/201, ResNet50/101/152 and
ResNet50V2/101V2/152V2, and tf.keras's EfficientNetB0-B7, with Keras 2's
(tf.keras's) layer names and layer order
(ImageNet weights download to ~/.keras/models and load with
`load_weights`), the ImageNet `preprocess_input` / `decode_predictions` of
every Keras 2 application module. NASNet imports and raises
NotImplementedError when constructed."""
from . import imagenet_utils  # noqa: F401
from .vgg16 import VGG16
from .vgg19 import VGG19
from .resnet50 import ResNet50
from .mobilenet import MobileNet
from .mobilenet_v2 import MobileNetV2
from .inception_v3 import InceptionV3
from .xception import Xception
from .inception_resnet_v2 import InceptionResNetV2
from .densenet import DenseNet121, DenseNet169, DenseNet201
from .nasnet import NASNetMobile, NASNetLarge
from .resnet import ResNet101, ResNet152
from .resnet_v2 import ResNet50V2, ResNet101V2, ResNet152V2
from . import efficientnet  # noqa: F401
from .efficientnet import (EfficientNetB0, EfficientNetB1, EfficientNetB2,
                           EfficientNetB3, EfficientNetB4, EfficientNetB5,
                           EfficientNetB6, EfficientNetB7)

__all__ = ['VGG16', 'VGG19', 'ResNet50', 'MobileNet', 'MobileNetV2',
           'InceptionV3', 'Xception', 'InceptionResNetV2', 'DenseNet121',
           'DenseNet169', 'DenseNet201', 'NASNetMobile', 'NASNetLarge',
           'ResNet101', 'ResNet152', 'ResNet50V2', 'ResNet101V2',
           'ResNet152V2', 'EfficientNetB0', 'EfficientNetB1',
           'EfficientNetB2', 'EfficientNetB3', 'EfficientNetB4',
           'EfficientNetB5', 'EfficientNetB6', 'EfficientNetB7']
