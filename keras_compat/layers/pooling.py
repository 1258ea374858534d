"""Pooling layers: max and average pooling in 1D/2D/3D (with Keras's
'same' padding, whose average excludes the padding) and global pooling.
Channels-last inputs are pooled through the channels_last-strided view,
without layout copies; 1D pooling runs as height-1 2D pooling."""
import torch

from .. import backend as K
from ..backend import nn
from ..engine.base_layer import Layer, InputSpec
from ..legacy import interfaces
from ..utils import conv_utils


class _Pooling(Layer):
    """Max or average pooling over `rank` spatial axes."""

    _rank = 2
    _mode = 'max'

    def __init__(self, pool_size=2, strides=None, padding='valid',
                 data_format=None, **kwargs):
        conversions = interfaces.POOLING_1D if self._rank == 1 else \
            interfaces.POOLING
        args = interfaces.legacy_args(
            type(self).__name__, kwargs, conversions,
            {'pool_size': pool_size, 'strides': strides,
             'padding': padding, 'data_format': data_format})
        super(_Pooling, self).__init__(**kwargs)
        pool_size, strides = args['pool_size'], args['strides']
        padding, data_format = args['padding'], args['data_format']
        if strides is None:
            strides = pool_size
        self.pool_size = conv_utils.normalize_tuple(pool_size, self._rank,
                                                    'pool_size')
        self.strides = conv_utils.normalize_tuple(strides, self._rank,
                                                  'strides')
        self.padding = conv_utils.normalize_padding(padding)
        if self.padding not in ('valid', 'same'):
            raise ValueError('Pooling padding must be "valid" or "same"; '
                             'got %r.' % padding)
        self.data_format = K.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self._rank + 2)
        self._plan_cache = {}

    def _spatial(self, shape):
        if self.data_format == 'channels_last':
            return tuple(shape[1:-1])
        return tuple(shape[2:])

    def compute_output_shape(self, input_shape):
        spatial = self._spatial(input_shape)
        new = tuple(conv_utils.conv_output_length(s, p, self.padding, st)
                    for s, p, st in zip(spatial, self.pool_size,
                                        self.strides))
        if any(n is not None and n <= 0 for n in new):
            raise ValueError(
                'Layer %s (%s): the pooling window %s is larger than the '
                'input of shape %s with padding "valid" (the output shape '
                'would be %s). Use a smaller pool_size or padding="same".'
                % (self.name, type(self).__name__, self.pool_size,
                   tuple(input_shape), new))
        if self.data_format == 'channels_last':
            return (input_shape[0],) + new + (input_shape[-1],)
        return (input_shape[0], input_shape[1]) + new

    def _plan(self, spatial, device):
        """The pooling plan (`nn.pool_plan`) of an input size; cached."""
        key = (spatial, device)
        plan = self._plan_cache.get(key)
        if plan is None:
            plan = self._plan_cache[key] = nn.pool_plan(
                self._mode, spatial, self.pool_size, self.strides,
                self.padding, device)
        return plan

    def call(self, inputs):
        plan = self._plan(self._spatial(inputs.shape), inputs.device)
        return nn.pool(inputs, self._mode, self.pool_size, self.strides, plan,
                       self.data_format)

    def _explain_failure(self, inputs, error):
        super(_Pooling, self)._explain_failure(inputs, error)
        if isinstance(inputs, torch.Tensor):
            self.compute_output_shape((None,) + tuple(inputs.shape[1:]))

    def get_config(self):
        config = {'pool_size': self.pool_size, 'padding': self.padding,
                  'strides': self.strides, 'data_format': self.data_format}
        base_config = super(_Pooling, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))

    def extra_repr(self):
        return 'name=%r, pool_size=%s, strides=%s, padding=%r' % (
            self.name, self.pool_size, self.strides, self.padding)


class _Pooling1D(_Pooling):
    _rank = 1

    def __init__(self, pool_size=2, strides=None, padding='valid',
                 data_format='channels_last', **kwargs):
        super(_Pooling1D, self).__init__(pool_size, strides, padding,
                                         data_format, **kwargs)


class MaxPooling1D(_Pooling1D):
    """Max over windows of `pool_size` steps. Alias: MaxPool1D."""
    _mode = 'max'


class AveragePooling1D(_Pooling1D):
    """Mean over windows of `pool_size` steps. Alias: AvgPool1D."""
    _mode = 'avg'


class _Pooling2D(_Pooling):
    _rank = 2

    def __init__(self, pool_size=(2, 2), strides=None, padding='valid',
                 data_format=None, **kwargs):
        super(_Pooling2D, self).__init__(pool_size, strides, padding,
                                         data_format, **kwargs)


class MaxPooling2D(_Pooling2D):
    """Max over `pool_size` windows of images. Alias: MaxPool2D."""
    _mode = 'max'


class AveragePooling2D(_Pooling2D):
    """Mean over `pool_size` windows (padding excluded). Alias:
    AvgPool2D."""
    _mode = 'avg'


class _Pooling3D(_Pooling):
    _rank = 3

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding='valid',
                 data_format=None, **kwargs):
        super(_Pooling3D, self).__init__(pool_size, strides, padding,
                                         data_format, **kwargs)


class MaxPooling3D(_Pooling3D):
    """Max over 3D windows. Alias: MaxPool3D."""
    _mode = 'max'


class AveragePooling3D(_Pooling3D):
    """Mean over 3D windows. Alias: AvgPool3D."""
    _mode = 'avg'


class _GlobalPooling(Layer):
    _rank = 2
    _mode = 'avg'

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        args = interfaces.legacy_args(type(self).__name__, kwargs,
                                      interfaces.DATA_FORMAT,
                                      {'data_format': data_format})
        super(_GlobalPooling, self).__init__(**kwargs)
        default = 'channels_last' if self._rank == 1 else None
        self.data_format = K.normalize_data_format(args['data_format'] or
                                                   default)
        # tf.keras 2.6+: keep the pooled axes with size 1.
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.keepdims:
            axes = self._axes()
            return tuple(1 if i in axes else d
                         for i, d in enumerate(input_shape))
        if self.data_format == 'channels_last':
            return (input_shape[0], input_shape[-1])
        return (input_shape[0], input_shape[1])

    def _axes(self):
        if self.data_format == 'channels_last':
            return tuple(range(1, self._rank + 1))
        return tuple(range(2, self._rank + 2))

    def call(self, inputs):
        if self._mode == 'avg':
            return torch.mean(inputs, dim=self._axes(), keepdim=self.keepdims)
        return torch.amax(inputs, dim=self._axes(), keepdim=self.keepdims)

    def get_config(self):
        config = {'data_format': self.data_format}
        if self.keepdims:
            config['keepdims'] = True
        base_config = super(_GlobalPooling, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


class _GlobalPooling1D(_GlobalPooling):
    """Keras 2's base of the global poolings over time (custom poolings
    subclass it and write `call`)."""
    _rank = 1

    def __init__(self, data_format='channels_last', keepdims=False,
                 **kwargs):
        super(_GlobalPooling1D, self).__init__(data_format, keepdims,
                                               **kwargs)


class _GlobalPooling2D(_GlobalPooling):
    """Keras 2's base of the global poolings over two spatial axes."""
    _rank = 2


class _GlobalPooling3D(_GlobalPooling):
    """Keras 2's base of the global poolings over three spatial axes."""
    _rank = 3


class GlobalAveragePooling1D(_GlobalPooling1D):
    """Mean over time; with a mask, over the unmasked steps only. Alias:
    GlobalAvgPool1D."""
    _rank = 1
    _mode = 'avg'

    def __init__(self, data_format='channels_last', keepdims=False,
                 **kwargs):
        super(GlobalAveragePooling1D, self).__init__(data_format, keepdims,
                                                     **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        axis = 1 if self.data_format == 'channels_last' else 2
        keep = self.keepdims
        if mask is not None:
            mask = mask.to(inputs.dtype)
            mask = mask.unsqueeze(2 if axis == 1 else 1)
            return torch.sum(inputs * mask, dim=axis, keepdim=keep) / \
                torch.sum(mask, dim=axis, keepdim=keep)
        return torch.mean(inputs, dim=axis, keepdim=keep)

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalMaxPooling1D(_GlobalPooling1D):
    """Max over time. Alias: GlobalMaxPool1D."""
    _rank = 1
    _mode = 'max'

    def __init__(self, data_format='channels_last', keepdims=False,
                 **kwargs):
        super(GlobalMaxPooling1D, self).__init__(data_format, keepdims,
                                                 **kwargs)


class GlobalAveragePooling2D(_GlobalPooling2D):
    """Mean over the spatial axes. Alias: GlobalAvgPool2D."""
    _rank = 2
    _mode = 'avg'


class GlobalMaxPooling2D(_GlobalPooling2D):
    """Max over the spatial axes. Alias: GlobalMaxPool2D."""
    _rank = 2
    _mode = 'max'


class GlobalAveragePooling3D(_GlobalPooling3D):
    """Mean over the three spatial axes. Alias: GlobalAvgPool3D."""
    _rank = 3
    _mode = 'avg'


class GlobalMaxPooling3D(_GlobalPooling3D):
    """Max over the three spatial axes. Alias: GlobalMaxPool3D."""
    _rank = 3
    _mode = 'max'


# Keras 2 aliases.
AvgPool1D = AveragePooling1D
MaxPool1D = MaxPooling1D
AvgPool2D = AveragePooling2D
MaxPool2D = MaxPooling2D
AvgPool3D = AveragePooling3D
MaxPool3D = MaxPooling3D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalMaxPool2D = GlobalMaxPooling2D
GlobalMaxPool3D = GlobalMaxPooling3D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalAvgPool3D = GlobalAveragePooling3D
