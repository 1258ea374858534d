"""keras.applications: VGG16, VGG19, MobileNet, MobileNetV2, InceptionV3,
InceptionResNetV2, Xception, DenseNet121/169/201, ResNet50/101/152 and
ResNet50V2/101V2/152V2, and tf.keras's EfficientNetB0-B7,
EfficientNetV2B0-B3/S/M/L, ConvNeXtTiny..XLarge, MobileNetV3Small/Large,
RegNetX/Y002..320 and ResNetRS50..420, with Keras 2's
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
from . import convnext, efficientnet_v2, mobilenet_v3  # noqa: F401
from . import regnet, resnet_rs  # noqa: F401
from .efficientnet_v2 import (EfficientNetV2B0, EfficientNetV2B1,
                              EfficientNetV2B2, EfficientNetV2B3,
                              EfficientNetV2S, EfficientNetV2M,
                              EfficientNetV2L)
from .convnext import (ConvNeXtTiny, ConvNeXtSmall, ConvNeXtBase,
                       ConvNeXtLarge, ConvNeXtXLarge)
from .mobilenet_v3 import MobileNetV3Small, MobileNetV3Large
from .regnet import (RegNetX002, RegNetX004, RegNetX006, RegNetX008,
                     RegNetX016, RegNetX032, RegNetX040, RegNetX064,
                     RegNetX080, RegNetX120, RegNetX160, RegNetX320,
                     RegNetY002, RegNetY004, RegNetY006, RegNetY008,
                     RegNetY016, RegNetY032, RegNetY040, RegNetY064,
                     RegNetY080, RegNetY120, RegNetY160, RegNetY320)
from .resnet_rs import (ResNetRS50, ResNetRS101, ResNetRS152, ResNetRS200,
                        ResNetRS270, ResNetRS350, ResNetRS420)

__all__ = ['VGG16', 'VGG19', 'ResNet50', 'MobileNet', 'MobileNetV2',
           'InceptionV3', 'Xception', 'InceptionResNetV2', 'DenseNet121',
           'DenseNet169', 'DenseNet201', 'NASNetMobile', 'NASNetLarge',
           'ResNet101', 'ResNet152', 'ResNet50V2', 'ResNet101V2',
           'ResNet152V2', 'EfficientNetB0', 'EfficientNetB1',
           'EfficientNetB2', 'EfficientNetB3', 'EfficientNetB4',
           'EfficientNetB5', 'EfficientNetB6', 'EfficientNetB7',
           'EfficientNetV2B0', 'EfficientNetV2B1', 'EfficientNetV2B2',
           'EfficientNetV2B3', 'EfficientNetV2S', 'EfficientNetV2M',
           'EfficientNetV2L', 'ConvNeXtTiny', 'ConvNeXtSmall',
           'ConvNeXtBase', 'ConvNeXtLarge', 'ConvNeXtXLarge',
           'MobileNetV3Small', 'MobileNetV3Large'] + \
    ['RegNet%s%03d' % (kind, flops) for kind in 'XY'
     for flops in (2, 4, 6, 8, 16, 32, 40, 64, 80, 120, 160, 320)] + \
    ['ResNetRS%d' % depth for depth in (50, 101, 152, 200, 270, 350, 420)]
