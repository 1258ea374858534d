"""`keras.layers`: every layer class, by family module."""
from ..engine.base_layer import Layer, InputSpec
from ..engine.input_layer import Input, InputLayer
from .core import (Dense, Activation, Dropout, SpatialDropout1D,
                   SpatialDropout2D, SpatialDropout3D, Flatten, Reshape,
                   Permute, RepeatVector, Lambda, Masking,
                   ActivityRegularization, Rescaling)
from .advanced_activations import (LeakyReLU, PReLU, ELU, ThresholdedReLU,
                                   Softmax, ReLU)
from .convolutional import (Conv1D, Conv2D, Conv3D, Conv2DTranspose,
                            Conv3DTranspose, SeparableConv1D,
                            SeparableConv2D, DepthwiseConv2D, UpSampling1D,
                            UpSampling2D, UpSampling3D, ZeroPadding1D,
                            ZeroPadding2D, ZeroPadding3D, Cropping1D,
                            Cropping2D, Cropping3D, Convolution1D,
                            Convolution2D, Convolution3D,
                            SeparableConvolution1D, SeparableConvolution2D,
                            Convolution2DTranspose, Deconvolution2D,
                            Deconv2D, Deconvolution3D, Deconv3D)
from .pooling import (MaxPooling1D, MaxPooling2D, MaxPooling3D,
                      AveragePooling1D, AveragePooling2D, AveragePooling3D,
                      GlobalAveragePooling1D, GlobalMaxPooling1D,
                      GlobalAveragePooling2D, GlobalMaxPooling2D,
                      GlobalAveragePooling3D, GlobalMaxPooling3D,
                      MaxPool1D, MaxPool2D, MaxPool3D, AvgPool1D, AvgPool2D,
                      AvgPool3D, GlobalMaxPool1D, GlobalMaxPool2D,
                      GlobalMaxPool3D, GlobalAvgPool1D, GlobalAvgPool2D,
                      GlobalAvgPool3D)
from .normalization import (BatchNormalization, LayerNormalization,
                            SyncBatchNormalization)
from .noise import GaussianNoise, GaussianDropout, AlphaDropout
from .embeddings import Embedding
from .recurrent import (RNN, SimpleRNN, GRU, LSTM, SimpleRNNCell, GRUCell,
                        LSTMCell, StackedRNNCells)
from .wrappers import Wrapper, TimeDistributed, Bidirectional
from .merge import (Add, Subtract, Multiply, Average, Maximum, Minimum,
                    Concatenate, Dot, add, subtract, multiply, average,
                    maximum, minimum, concatenate, dot)
from .local import LocallyConnected1D, LocallyConnected2D
from .attention import Attention, AdditiveAttention
from .cudnn_recurrent import CuDNNLSTM, CuDNNGRU
from .convolutional_recurrent import ConvLSTM2D, ConvLSTM2DCell, ConvRNN2D
from ..legacy.layers import (MaxoutDense, Highway, AtrousConvolution1D,
                             AtrousConvolution2D, ConvRecurrent2D, Merge)
from ..legacy.recurrent import Recurrent
from .convolutional import AtrousConv1D, AtrousConv2D
from .tf_op_layer import TFOpLambda, SlicingOpLambda
from .extra import (Identity, UnitNormalization, GroupNormalization,
                    Conv1DTranspose, Convolution1DTranspose,
                    Convolution3DTranspose, DepthwiseConv1D,
                    SpectralNormalization, AbstractRNNCell)
from . import recurrent as _recurrent
# tf.keras's module path of AbstractRNNCell.
_recurrent.AbstractRNNCell = AbstractRNNCell
from .convolutional_recurrent_nd import ConvLSTM1D, ConvLSTM3D
from .einsum_dense import EinsumDense
from .text_preprocessing import (TextVectorization, StringLookup,
                                 IntegerLookup, Hashing, HashedCrossing)
from .preprocessing import (Normalization, Discretization, CategoryEncoding,
                            Resizing, CenterCrop, RandomFlip,
                            RandomTranslation, RandomRotation, RandomZoom,
                            RandomContrast, RandomBrightness, RandomCrop,
                            RandomHeight, RandomWidth)
from .multi_head_attention import MultiHeadAttention
from . import experimental  # noqa: E402,F401
from ..feature_column import DenseFeatures  # noqa: E402
from ..utils.generic_utils import (deserialize_keras_object,
                                   serialize_keras_object)
# Keras 2.0-2.2 had no `__all__` here, so `from keras.layers import *` also
# gave the modules its layer files imported; code relies on `K`, `np`,
# `activations`, ... coming from that star import.
import numpy as np  # noqa: E402,F401
from .. import backend as K  # noqa: E402,F401
from .. import (activations, initializers, regularizers,  # noqa: E402,F401
                constraints)
from ..legacy import interfaces  # noqa: E402,F401
from ..utils import conv_utils  # noqa: E402,F401
from ..utils.generic_utils import func_dump, func_load, has_arg  # noqa


def serialize(layer):
    return serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """A layer from `{'class_name': ..., 'config': ...}` as any Keras 2 era
    wrote it (see `saving.eras`)."""
    from ..saving import eras
    return eras.deserialize(
        config, custom_objects,
        lambda normalised: _deserialize(normalised, custom_objects))


_LAYER_FACTORIES = ('AtrousConvolution1D', 'AtrousConvolution2D',
                    'AtrousConv1D', 'AtrousConv2D')


def _deserialize(config, custom_objects=None):
    from .. import models
    objects = {name: obj for name, obj in globals().items()
               if isinstance(obj, type) and issubclass(obj, Layer)}
    objects['Sequential'] = models.Sequential
    objects['Model'] = models.Model
    objects['Functional'] = models.Model
    # tf.keras's premade models, which its layer configs name.
    from ..experimental_models import LinearModel, WideDeepModel
    objects.update(LinearModel=LinearModel, WideDeepModel=WideDeepModel)
    # Keras 1 layers Keras 2 kept as functions returning a Keras 2 layer;
    # Keras 2.0-2.2 deserialized their configs by calling them.
    objects.update({name: globals()[name] for name in _LAYER_FACTORIES})
    from ..legacy.layers import Merge
    objects['Merge'] = Merge
    return deserialize_keras_object(config, module_objects=objects,
                                    custom_objects=custom_objects,
                                    printable_module_name='layer')
