"""`keras.layers`: every layer class, by family module."""
from ..engine.base_layer import Layer, InputSpec
from ..engine.input_layer import Input, InputLayer
from .core import (Dense, Activation, Dropout, SpatialDropout1D,
                   SpatialDropout2D, SpatialDropout3D, Flatten, Reshape,
                   Permute, RepeatVector, Lambda, Masking,
                   ActivityRegularization)
from .advanced_activations import (LeakyReLU, PReLU, ELU, ThresholdedReLU,
                                   Softmax, ReLU)
from ..utils.generic_utils import (deserialize_keras_object,
                                   serialize_keras_object)


def serialize(layer):
    return serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """A layer from `{'class_name': ..., 'config': ...}`."""
    from .. import models
    objects = {name: obj for name, obj in globals().items()
               if isinstance(obj, type) and issubclass(obj, Layer)}
    objects['Sequential'] = models.Sequential
    objects['Model'] = models.Model
    return deserialize_keras_object(config, module_objects=objects,
                                    custom_objects=custom_objects,
                                    printable_module_name='layer')
