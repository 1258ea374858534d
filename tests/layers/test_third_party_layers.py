"""Custom layers written outside the Keras team for Keras 2 and tf.keras
2.x (keras-contrib's normalizations, SubPixelUpscaling and CosineDense, the
Keras SpatialTransformer, keras-frcnn's RoiPoolingConv, DeepLabv3+'s
BilinearUpsampling, the Kaggle `Attention(step_dim)`, the DenseNet ports'
`Scale`), as their authors wrote them, against tf_keras's numbers.

The reference arrays were printed by tf_keras 2.21 (TensorFlow 2.21) running
these same layer classes with the same weights."""
import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat import activations, constraints, initializers, regularizers
from keras_compat import tensorflow_compat as tf
from keras_compat.layers import (Layer, InputSpec, Input, Embedding, Dense,
                                 Flatten, Masking)
from keras_compat.models import Model, Sequential, load_model

v1 = tf.compat.v1


# ------------------------------------------------- layers as published
class InstanceNormalization(Layer):
    def __init__(self, axis=None, epsilon=1e-3, center=True, scale=True,
                 beta_initializer='zeros', gamma_initializer='ones',
                 beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        super(InstanceNormalization, self).__init__(**kwargs)
        self.supports_masking = True
        self.axis = axis
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def build(self, input_shape):
        ndim = len(input_shape)
        if self.axis == 0:
            raise ValueError('Axis cannot be zero')
        if (self.axis is not None) and (ndim == 2):
            raise ValueError('Cannot specify axis for rank 1 tensor')
        self.input_spec = InputSpec(ndim=ndim)
        if self.axis is None:
            shape = (1,)
        else:
            shape = (input_shape[self.axis],)
        if self.scale:
            self.gamma = self.add_weight(shape=shape, name='gamma', initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        else:
            self.gamma = None
        if self.center:
            self.beta = self.add_weight(shape=shape, name='beta', initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint)
        else:
            self.beta = None
        self.built = True

    def call(self, inputs, training=None):
        input_shape = K.int_shape(inputs)
        reduction_axes = list(range(0, len(input_shape)))
        if self.axis is not None:
            del reduction_axes[self.axis]
        del reduction_axes[0]
        mean = K.mean(inputs, reduction_axes, keepdims=True)
        stddev = K.std(inputs, reduction_axes, keepdims=True) + self.epsilon
        normed = (inputs - mean) / stddev
        broadcast_shape = [1] * len(input_shape)
        if self.axis is not None:
            broadcast_shape[self.axis] = input_shape[self.axis]
        if self.scale:
            broadcast_gamma = K.reshape(self.gamma, broadcast_shape)
            normed = normed * broadcast_gamma
        if self.center:
            broadcast_beta = K.reshape(self.beta, broadcast_shape)
            normed = normed + broadcast_beta
        return normed

    def get_config(self):
        config = {
            'axis': self.axis, 'epsilon': self.epsilon, 'center': self.center, 'scale': self.scale,
            'beta_initializer': initializers.serialize(self.beta_initializer),
            'gamma_initializer': initializers.serialize(self.gamma_initializer),
            'beta_regularizer': regularizers.serialize(self.beta_regularizer),
            'gamma_regularizer': regularizers.serialize(self.gamma_regularizer),
            'beta_constraint': constraints.serialize(self.beta_constraint),
            'gamma_constraint': constraints.serialize(self.gamma_constraint)
        }
        base_config = super(InstanceNormalization, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


class GroupNormalization(Layer):
    def __init__(self, groups=32, axis=-1, epsilon=1e-5, center=True, scale=True,
                 beta_initializer='zeros', gamma_initializer='ones',
                 beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        super(GroupNormalization, self).__init__(**kwargs)
        self.supports_masking = True
        self.groups = groups
        self.axis = axis
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def build(self, input_shape):
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError('Axis ' + str(self.axis) + ' of input tensor should have a defined dimension')
        if dim < self.groups:
            raise ValueError('Number of groups (' + str(self.groups) + ') cannot be more than the number of channels (' + str(dim) + ').')
        if dim % self.groups != 0:
            raise ValueError('Number of groups must be a multiple of the number of channels')
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: dim})
        shape = (dim,)
        if self.scale:
            self.gamma = self.add_weight(shape=shape, name='gamma', initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        else:
            self.gamma = None
        if self.center:
            self.beta = self.add_weight(shape=shape, name='beta', initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint)
        else:
            self.beta = None
        self.built = True

    def call(self, inputs, **kwargs):
        input_shape = K.int_shape(inputs)
        tensor_input_shape = K.shape(inputs)
        reduction_axes = list(range(len(input_shape)))
        del reduction_axes[self.axis]
        broadcast_shape = [1] * len(input_shape)
        broadcast_shape[self.axis] = input_shape[self.axis] // self.groups
        broadcast_shape.insert(1, self.groups)
        reshape_group_shape = K.shape(inputs)
        group_axes = [reshape_group_shape[i] for i in range(len(input_shape))]
        group_axes[self.axis] = input_shape[self.axis] // self.groups
        group_axes.insert(1, self.groups)
        group_shape = [group_axes[0], self.groups] + group_axes[2:]
        group_shape = K.stack(group_shape)
        inputs = K.reshape(inputs, group_shape)
        group_reduction_axes = list(range(len(group_axes)))
        group_reduction_axes = group_reduction_axes[2:]
        mean = K.mean(inputs, axis=group_reduction_axes, keepdims=True)
        variance = K.var(inputs, axis=group_reduction_axes, keepdims=True)
        inputs = (inputs - mean) / (K.sqrt(variance + self.epsilon))
        inputs = K.reshape(inputs, group_shape)
        outputs = inputs
        if self.scale:
            broadcast_gamma = K.reshape(self.gamma, broadcast_shape)
            outputs = outputs * broadcast_gamma
        if self.center:
            broadcast_beta = K.reshape(self.beta, broadcast_shape)
            outputs = outputs + broadcast_beta
        outputs = K.reshape(outputs, tensor_input_shape)
        return outputs

    def get_config(self):
        config = {'groups': self.groups, 'axis': self.axis, 'epsilon': self.epsilon,
                  'center': self.center, 'scale': self.scale,
                  'beta_initializer': initializers.serialize(self.beta_initializer),
                  'gamma_initializer': initializers.serialize(self.gamma_initializer),
                  'beta_regularizer': regularizers.serialize(self.beta_regularizer),
                  'gamma_regularizer': regularizers.serialize(self.gamma_regularizer),
                  'beta_constraint': constraints.serialize(self.beta_constraint),
                  'gamma_constraint': constraints.serialize(self.gamma_constraint)}
        base_config = super(GroupNormalization, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))

    def compute_output_shape(self, input_shape):
        return input_shape


def depth_to_space(input, scale, data_format=None):
    if data_format is None:
        data_format = K.image_data_format()
    data_format = data_format.lower()
    if data_format == 'channels_first':
        input = tf.transpose(input, (0, 2, 3, 1))
    out = tf.nn.depth_to_space(input, scale)
    if data_format == 'channels_first':
        out = tf.transpose(out, (0, 3, 1, 2))
    return out


class SubPixelUpscaling(Layer):
    def __init__(self, scale_factor=2, data_format=None, **kwargs):
        super(SubPixelUpscaling, self).__init__(**kwargs)
        self.scale_factor = scale_factor
        self.data_format = K.normalize_data_format(data_format) if hasattr(K, 'normalize_data_format') else (data_format or K.image_data_format())

    def build(self, input_shape):
        pass

    def call(self, x, mask=None):
        y = depth_to_space(x, self.scale_factor, self.data_format)
        return y

    def compute_output_shape(self, input_shape):
        if self.data_format == 'channels_first':
            b, k, r, c = input_shape
            return (b, k // (self.scale_factor ** 2), r * self.scale_factor, c * self.scale_factor)
        else:
            b, r, c, k = input_shape
            return (b, r * self.scale_factor, c * self.scale_factor, k // (self.scale_factor ** 2))

    def get_config(self):
        config = {'scale_factor': self.scale_factor, 'data_format': self.data_format}
        base_config = super(SubPixelUpscaling, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


class CosineDense(Layer):
    def __init__(self, units, kernel_initializer='glorot_uniform', activation=None, weights=None,
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_bias=True, **kwargs):
        if 'input_shape' not in kwargs and 'input_dim' in kwargs:
            kwargs['input_shape'] = (kwargs.pop('input_dim'),)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.activation = activations.get(activation)
        self.units = units
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.use_bias = use_bias
        self.initial_weights = weights
        super(CosineDense, self).__init__(**kwargs)

    def build(self, input_shape):
        ndim = len(input_shape)
        assert ndim >= 2
        input_dim = input_shape[-1]
        self.input_dim = input_dim
        self.input_spec = [InputSpec(dtype=K.floatx(), ndim=ndim)]
        self.kernel = self.add_weight(shape=(input_dim, self.units), initializer=self.kernel_initializer,
                                      name='{}_W'.format(self.name), regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.units,), initializer='zero', name='{}_b'.format(self.name),
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None
        if self.initial_weights is not None:
            self.set_weights(self.initial_weights)
            del self.initial_weights
        self.built = True

    def call(self, x, mask=None):
        if self.use_bias:
            b, xb = self.bias, 1.
        else:
            b, xb = 0., 0.
        xnorm = K.sqrt(K.sum(K.square(x), axis=-1, keepdims=True) + xb + K.epsilon())
        Wnorm = K.sqrt(K.sum(K.square(self.kernel), axis=0) + K.square(b) + K.epsilon())
        xWnorm = (xnorm * Wnorm)
        output = K.dot(x, self.kernel) / xWnorm
        if self.use_bias:
            output += (self.bias / xWnorm)
        return self.activation(output)

    def compute_output_shape(self, input_shape):
        assert input_shape and len(input_shape) >= 2
        assert input_shape[-1]
        output_shape = list(input_shape)
        output_shape[-1] = self.units
        return tuple(output_shape)

    def get_config(self):
        config = {'units': self.units, 'kernel_initializer': initializers.serialize(self.kernel_initializer),
                  'activation': activations.serialize(self.activation),
                  'kernel_regularizer': regularizers.serialize(self.kernel_regularizer),
                  'bias_regularizer': regularizers.serialize(self.bias_regularizer),
                  'activity_regularizer': regularizers.serialize(self.activity_regularizer),
                  'kernel_constraint': constraints.serialize(self.kernel_constraint),
                  'bias_constraint': constraints.serialize(self.bias_constraint),
                  'use_bias': self.use_bias}
        base_config = super(CosineDense, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


class SpatialTransformer(Layer):
    def __init__(self, localization_net, output_size, **kwargs):
        self.locnet = localization_net
        self.output_size = output_size
        super(SpatialTransformer, self).__init__(**kwargs)

    def build(self, input_shape):
        self.locnet.build(input_shape)

    def compute_output_shape(self, input_shape):
        output_size = self.output_size
        return (None, int(output_size[0]), int(output_size[1]), int(input_shape[-1]))

    def call(self, X, mask=None):
        affine_transformation = self.locnet.call(X)
        output = self._transform(affine_transformation, X, self.output_size)
        return output

    def _repeat(self, x, num_repeats):
        ones = tf.ones((1, num_repeats), dtype='int32')
        x = tf.reshape(x, shape=(-1, 1))
        x = tf.matmul(x, ones)
        return tf.reshape(x, [-1])

    def _interpolate(self, image, x, y, output_size):
        batch_size = tf.shape(image)[0]
        height = tf.shape(image)[1]
        width = tf.shape(image)[2]
        num_channels = tf.shape(image)[3]
        x = tf.cast(x, dtype='float32')
        y = tf.cast(y, dtype='float32')
        height_float = tf.cast(height, dtype='float32')
        width_float = tf.cast(width, dtype='float32')
        output_height = output_size[0]
        output_width = output_size[1]
        x = .5 * (x + 1.0) * (width_float)
        y = .5 * (y + 1.0) * (height_float)
        x0 = tf.cast(tf.floor(x), 'int32')
        x1 = x0 + 1
        y0 = tf.cast(tf.floor(y), 'int32')
        y1 = y0 + 1
        max_y = tf.cast(height - 1, dtype='int32')
        max_x = tf.cast(width - 1, dtype='int32')
        zero = tf.zeros([], dtype='int32')
        x0 = tf.clip_by_value(x0, zero, max_x)
        x1 = tf.clip_by_value(x1, zero, max_x)
        y0 = tf.clip_by_value(y0, zero, max_y)
        y1 = tf.clip_by_value(y1, zero, max_y)
        flat_image_dimensions = width * height
        pixels_batch = tf.range(batch_size) * flat_image_dimensions
        flat_output_dimensions = output_height * output_width
        base = self._repeat(pixels_batch, flat_output_dimensions)
        base_y0 = base + y0 * width
        base_y1 = base + y1 * width
        indices_a = base_y0 + x0
        indices_b = base_y1 + x0
        indices_c = base_y0 + x1
        indices_d = base_y1 + x1
        flat_image = tf.reshape(image, shape=(-1, num_channels))
        flat_image = tf.cast(flat_image, dtype='float32')
        pixel_values_a = tf.gather(flat_image, indices_a)
        pixel_values_b = tf.gather(flat_image, indices_b)
        pixel_values_c = tf.gather(flat_image, indices_c)
        pixel_values_d = tf.gather(flat_image, indices_d)
        x0 = tf.cast(x0, 'float32')
        x1 = tf.cast(x1, 'float32')
        y0 = tf.cast(y0, 'float32')
        y1 = tf.cast(y1, 'float32')
        area_a = tf.expand_dims(((x1 - x) * (y1 - y)), 1)
        area_b = tf.expand_dims(((x1 - x) * (y - y0)), 1)
        area_c = tf.expand_dims(((x - x0) * (y1 - y)), 1)
        area_d = tf.expand_dims(((x - x0) * (y - y0)), 1)
        output = tf.add_n([area_a * pixel_values_a, area_b * pixel_values_b,
                           area_c * pixel_values_c, area_d * pixel_values_d])
        return output

    def _meshgrid(self, height, width):
        x_linspace = tf.linspace(-1., 1., width)
        y_linspace = tf.linspace(-1., 1., height)
        x_coordinates, y_coordinates = tf.meshgrid(x_linspace, y_linspace)
        x_coordinates = tf.reshape(x_coordinates, shape=(1, -1))
        y_coordinates = tf.reshape(y_coordinates, shape=(1, -1))
        ones = tf.ones_like(x_coordinates)
        indices_grid = tf.concat([x_coordinates, y_coordinates, ones], 0)
        return indices_grid

    def _transform(self, affine_transformation, input_shape, output_size):
        batch_size = tf.shape(input_shape)[0]
        height = tf.shape(input_shape)[1]
        width = tf.shape(input_shape)[2]
        num_channels = tf.shape(input_shape)[3]
        affine_transformation = tf.reshape(affine_transformation, shape=(batch_size, 2, 3))
        affine_transformation = tf.reshape(affine_transformation, (-1, 2, 3))
        affine_transformation = tf.cast(affine_transformation, 'float32')
        width = tf.cast(width, dtype='float32')
        height = tf.cast(height, dtype='float32')
        output_height = output_size[0]
        output_width = output_size[1]
        indices_grid = self._meshgrid(output_height, output_width)
        indices_grid = tf.expand_dims(indices_grid, 0)
        indices_grid = tf.reshape(indices_grid, [-1])
        indices_grid = tf.tile(indices_grid, tf.stack([batch_size]))
        indices_grid = tf.reshape(indices_grid, tf.stack([batch_size, 3, -1]))
        transformed_grid = tf.matmul(affine_transformation, indices_grid)
        x_s = tf.slice(transformed_grid, [0, 0, 0], [-1, 1, -1])
        y_s = tf.slice(transformed_grid, [0, 1, 0], [-1, 1, -1])
        x_s_flatten = tf.reshape(x_s, [-1])
        y_s_flatten = tf.reshape(y_s, [-1])
        transformed_image = self._interpolate(input_shape, x_s_flatten, y_s_flatten, output_size)
        transformed_image = tf.reshape(transformed_image, shape=(batch_size, output_height, output_width, num_channels))
        return transformed_image


class RoiPoolingConv(Layer):
    def __init__(self, pool_size, num_rois, **kwargs):
        self.dim_ordering = 'tf'
        self.pool_size = pool_size
        self.num_rois = num_rois
        super(RoiPoolingConv, self).__init__(**kwargs)

    def build(self, input_shape):
        self.nb_channels = input_shape[0][3]

    def compute_output_shape(self, input_shape):
        return None, self.num_rois, self.pool_size, self.pool_size, self.nb_channels

    def call(self, x, mask=None):
        assert(len(x) == 2)
        img = x[0]
        rois = x[1]
        input_shape = K.shape(img)
        outputs = []
        for roi_idx in range(self.num_rois):
            x = rois[0, roi_idx, 0]
            y = rois[0, roi_idx, 1]
            w = rois[0, roi_idx, 2]
            h = rois[0, roi_idx, 3]
            x = K.cast(x, 'int32')
            y = K.cast(y, 'int32')
            w = K.cast(w, 'int32')
            h = K.cast(h, 'int32')
            rs = v1.image.resize_images(img[:, y:y + h, x:x + w, :], (self.pool_size, self.pool_size))
            outputs.append(rs)
        final_output = K.concatenate(outputs, axis=0)
        final_output = K.reshape(final_output, (1, self.num_rois, self.pool_size, self.pool_size, self.nb_channels))
        final_output = K.permute_dimensions(final_output, (0, 1, 2, 3, 4))
        return final_output

    def get_config(self):
        config = {'pool_size': self.pool_size, 'num_rois': self.num_rois}
        base_config = super(RoiPoolingConv, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


class BilinearUpsampling(Layer):
    def __init__(self, upsampling=(2, 2), output_size=None, data_format=None, **kwargs):
        super(BilinearUpsampling, self).__init__(**kwargs)
        self.data_format = K.image_data_format() if data_format is None else data_format
        self.input_spec = InputSpec(ndim=4)
        if output_size:
            self.output_size = tuple(output_size)
            self.upsampling = None
        else:
            self.output_size = None
            self.upsampling = tuple(upsampling)

    def compute_output_shape(self, input_shape):
        if self.upsampling:
            height = self.upsampling[0] * input_shape[1] if input_shape[1] is not None else None
            width = self.upsampling[1] * input_shape[2] if input_shape[2] is not None else None
        else:
            height = self.output_size[0]
            width = self.output_size[1]
        return (input_shape[0], height, width, input_shape[3])

    def call(self, inputs):
        if self.upsampling:
            return v1.image.resize_bilinear(inputs, (inputs.shape[1] * self.upsampling[0],
                                                     inputs.shape[2] * self.upsampling[1]),
                                            align_corners=True)
        else:
            return v1.image.resize_bilinear(inputs, (self.output_size[0], self.output_size[1]),
                                            align_corners=True)

    def get_config(self):
        config = {'upsampling': self.upsampling, 'output_size': self.output_size, 'data_format': self.data_format}
        base_config = super(BilinearUpsampling, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


class Attention(Layer):
    def __init__(self, step_dim, W_regularizer=None, b_regularizer=None,
                 W_constraint=None, b_constraint=None, bias=True, **kwargs):
        self.supports_masking = True
        self.init = initializers.get('glorot_uniform')
        self.W_regularizer = regularizers.get(W_regularizer)
        self.b_regularizer = regularizers.get(b_regularizer)
        self.W_constraint = constraints.get(W_constraint)
        self.b_constraint = constraints.get(b_constraint)
        self.bias = bias
        self.step_dim = step_dim
        self.features_dim = 0
        super(Attention, self).__init__(**kwargs)

    def build(self, input_shape):
        assert len(input_shape) == 3
        self.W = self.add_weight(shape=(input_shape[-1],), initializer=self.init, name='{}_W'.format(self.name),
                                 regularizer=self.W_regularizer, constraint=self.W_constraint)
        self.features_dim = input_shape[-1]
        if self.bias:
            self.b = self.add_weight(shape=(input_shape[1],), initializer='zero', name='{}_b'.format(self.name),
                                     regularizer=self.b_regularizer, constraint=self.b_constraint)
        else:
            self.b = None
        self.built = True

    def compute_mask(self, input, input_mask=None):
        return None

    def call(self, x, mask=None):
        features_dim = self.features_dim
        step_dim = self.step_dim
        eij = K.reshape(K.dot(K.reshape(x, (-1, features_dim)), K.reshape(self.W, (features_dim, 1))), (-1, step_dim))
        if self.bias:
            eij += self.b
        eij = K.tanh(eij)
        a = K.exp(eij)
        if mask is not None:
            a *= K.cast(mask, K.floatx())
        a /= K.cast(K.sum(a, axis=1, keepdims=True) + K.epsilon(), K.floatx())
        a = K.expand_dims(a)
        weighted_input = x * a
        return K.sum(weighted_input, axis=1)

    def compute_output_shape(self, input_shape):
        return input_shape[0], self.features_dim


class Scale(Layer):
    """The DenseNet/ResNet-152 ports' Keras 2 `Scale` (caffe's Scale):
    K.variable weights listed through `self.trainable_weights = [...]`."""

    def __init__(self, weights=None, axis=-1, momentum=0.9, beta_init='zero',
                 gamma_init='one', **kwargs):
        self.momentum = momentum
        self.axis = axis
        self.beta_init = initializers.get(beta_init)
        self.gamma_init = initializers.get(gamma_init)
        self.initial_weights = weights
        super(Scale, self).__init__(**kwargs)

    def build(self, input_shape):
        self.input_spec = [InputSpec(shape=input_shape)]
        shape = (int(input_shape[self.axis]),)
        self.gamma = K.variable(self.gamma_init(shape),
                                name='{}_gamma'.format(self.name))
        self.beta = K.variable(self.beta_init(shape),
                               name='{}_beta'.format(self.name))
        self.trainable_weights = [self.gamma, self.beta]
        if self.initial_weights is not None:
            self.set_weights(self.initial_weights)
            del self.initial_weights

    def call(self, x, mask=None):
        input_shape = self.input_spec[0].shape
        broadcast_shape = [1] * len(input_shape)
        broadcast_shape[self.axis] = input_shape[self.axis]
        return K.reshape(self.gamma, broadcast_shape) * x + \
            K.reshape(self.beta, broadcast_shape)

    def get_config(self):
        config = {"momentum": self.momentum, "axis": self.axis}
        base_config = super(Scale, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


class SplitMasked(Layer):
    """Two outputs, one keeping the input mask (`compute_mask` -> list)."""

    def __init__(self, **kwargs):
        super(SplitMasked, self).__init__(**kwargs)
        self.supports_masking = True

    def call(self, x, mask=None):
        return [x[:, :, :2], x[:, :, 2:] * 2.]

    def compute_output_shape(self, s):
        return [s[:2] + (2,), s[:2] + (s[2] - 2,)]

    def compute_mask(self, x, mask=None):
        return [mask, None]


class MeanOverTime(Layer):
    def __init__(self, **kwargs):
        super(MeanOverTime, self).__init__(**kwargs)
        self.supports_masking = True

    def call(self, x, mask=None):
        if mask is not None:
            m = K.cast(mask, K.floatx())
            return K.sum(x * K.expand_dims(m), 1) / (
                K.sum(m, 1, keepdims=True) + K.epsilon())
        return K.mean(x, 1)

    def compute_output_shape(self, s):
        return (s[0], s[2])

    def compute_mask(self, x, mask=None):
        return None


# ---------------------------------------------------------------- tests
X3 = (np.arange(24, dtype='float32').reshape(2, 3, 4) % 7) / 10.


def _sequential_with(layer, input_shape, weights):
    model = Sequential([layer])
    model.build((None,) + input_shape)
    layer.set_weights([np.asarray(w, 'float32') for w in weights])
    return model


def test_group_normalization_reshapes_with_stacked_dynamic_shape():
    model = _sequential_with(GroupNormalization(groups=2), (3, 4),
                             [[1, 2, 3, 4], [0, .1, .2, .3]])
    expected = np.array([[[-1.463599, -1.656319, -0.29272, 0.68544],
                          [0.87816, 3.027198, 5.270273, -5.108292],
                          [-2.335137, -1.052073, 0.707027, 3.004146]],
                         [[1.024429, 3.094485, -1.339638, -1.633649],
                          [-0.394011, 0.257605, 1.588581, 4.002884],
                          [4.365744, -5.254326, -2.577163, -1.551442]]])
    np.testing.assert_allclose(model.predict(X3), expected, atol=1e-5)


def test_group_normalization_input_spec_errors():
    with pytest.raises(ValueError, match='Number of groups'):
        GroupNormalization(groups=3)(Input((4, 8)))
    with pytest.raises(ValueError, match='cannot be more than'):
        GroupNormalization(groups=16)(Input((4, 8)))


def test_instance_normalization_saved_and_loaded(tmp_path):
    layer = InstanceNormalization(axis=-1, gamma_regularizer='l2')
    model = _sequential_with(layer, (3, 4),
                             [[1.5, .5, 1, 2], [.1, -.1, 0, .2]])
    expected = np.array([[[-1.362268, -0.587423, -0.974845, 0.979876],
                          [2.147174, 0.582392, 1.364783, -2.529566],
                          [-0.484907, -0.294969, -0.389938, 2.14969]],
                         [[0.684907, 0.509883, -0.974845, -1.74969],
                          [-1.947174, -0.1, 1.364783, 2.929566],
                          [1.562268, -0.709883, -0.389938, -0.579876]]])
    np.testing.assert_allclose(model.predict(X3), expected, atol=1e-5)
    path = str(tmp_path / 'inorm.h5')
    model.save(path)
    loaded = load_model(path, custom_objects={
        'InstanceNormalization': InstanceNormalization})
    np.testing.assert_allclose(loaded.predict(X3), expected, atol=1e-5)
    assert loaded.layers[0].get_config()['gamma_regularizer'] == \
        model.layers[0].get_config()['gamma_regularizer']


def test_cosine_dense_with_bias():
    model = _sequential_with(
        CosineDense(2, activation='tanh'), (4,),
        [[[1, -1], [.5, .2], [0, .3], [-.4, 1]], [.2, -.3]])
    np.testing.assert_allclose(model.predict(X3[:, 0]),
                               [[0.10077, 0.050245], [0.555546, -0.296648]],
                               atol=1e-5)
    assert [w.name for w in model.weights] == [
        'cosine_dense_1/cosine_dense_1_W:0',
        'cosine_dense_1/cosine_dense_1_b:0']


def test_sub_pixel_upscaling_channels_last():
    model = Sequential([SubPixelUpscaling(2, input_shape=(1, 2, 4))])
    out = model.predict(np.arange(8, dtype='float32').reshape(1, 1, 2, 4))
    assert model.output_shape == (None, 2, 4, 1)
    np.testing.assert_array_equal(out[0, ..., 0],
                                  [[0, 1, 4, 5], [2, 3, 6, 7]])


def test_spatial_transformer_bilinear_sampler():
    locnet = Sequential([Flatten(input_shape=(4, 4, 1)),
                         Dense(6, kernel_initializer='zeros')])
    stn = Sequential([SpatialTransformer(locnet, (3, 3),
                                         input_shape=(4, 4, 1))])
    locnet.layers[-1].set_weights([np.zeros((16, 6), 'float32'), np.array(
        [.9, .1, 0, -.1, .8, .05], 'float32')])
    out = stn.predict(np.arange(16, dtype='float32').reshape(1, 4, 4, 1))
    np.testing.assert_allclose(out[0, ..., 0], [[2.8, 3.8, 0.],
                                                [9.4, 10.4, 0.],
                                                [0., 0., 0.]], atol=1e-5)
    assert len(stn.trainable_weights) == 2


def test_roi_pooling_conv_crops_with_tensor_slices():
    fm = np.arange(30, dtype='float32').reshape(1, 5, 6, 1)
    rois = np.array([[[0, 0, 4, 3], [1, 2, 3, 3]]], 'float32')
    image, boxes = Input((None, None, 1)), Input((2, 4))
    model = Model([image, boxes], RoiPoolingConv(2, 2)([image, boxes]))
    np.testing.assert_allclose(model.predict([fm, rois])[..., 0],
                               [[[[0., 2.], [9., 11.]],
                                 [[13., 14.5], [22., 23.5]]]], atol=1e-5)


def test_bilinear_upsampling_aligns_corners():
    small = np.arange(6, dtype='float32').reshape(1, 2, 3, 1)
    inp = Input((2, 3, 1))
    by_factor = Model(inp, BilinearUpsampling((2, 2))(inp))
    to_size = Model(inp, BilinearUpsampling(output_size=(3, 4))(inp))
    assert by_factor.output_shape == (None, 4, 6, 1)
    np.testing.assert_allclose(by_factor.predict(small)[0, ..., 0],
                               [[0., .4, .8, 1.2, 1.6, 2.],
                                [1., 1.4, 1.8, 2.2, 2.6, 3.],
                                [2., 2.4, 2.8, 3.2, 3.6, 4.],
                                [3., 3.4, 3.8, 4.2, 4.6, 5.]], atol=1e-5)
    np.testing.assert_allclose(to_size.predict(small)[0, ..., 0],
                               [[0., 0.666667, 1.333333, 2.],
                                [1.5, 2.166667, 2.833334, 3.5],
                                [3., 3.666667, 4.333334, 5.]], atol=1e-5)


def test_attention_step_dim_weights_only_unmasked_steps():
    inp = Input((4,))
    embedding = Embedding(5, 3, mask_zero=True)
    attention = Attention(4)
    model = Model(inp, attention(embedding(inp)))
    embedding.set_weights([np.arange(15, dtype='float32').reshape(5, 3) / 10.])
    attention.set_weights([np.array([.5, -1, .3], 'float32'),
                           np.array([.1, .2, -.1, 0], 'float32')])
    out = model.predict(np.array([[1, 2, 0, 0], [3, 4, 2, 1]]))
    np.testing.assert_allclose(out, [[0.452998, 0.552998, 0.652998],
                                     [0.757148, 0.857148, 0.957148]],
                               atol=1e-5)
    assert model.output_shape == (None, 3)


def test_scale_layer_listing_its_variables_trains():
    model = Sequential([Scale(axis=-1, input_shape=(2, 3), name='scale'),
                        Flatten(), Dense(1, kernel_initializer='ones')])
    scale = model.get_layer('scale')
    scale.set_weights([np.array([1., 2., 3.], 'float32'),
                       np.array([0., .5, -1.], 'float32')])
    x = np.arange(6, dtype='float32').reshape(1, 2, 3)
    # Dense(ones) of gamma * x + beta: 0 + 2.5 + 5 + 3 + 8.5 + 14.
    np.testing.assert_allclose(model.predict(x), [[33.]], atol=1e-5)
    assert [w.name for w in scale.trainable_weights] == [
        'scale/scale_gamma:0', 'scale/scale_beta:0']
    model.compile('sgd', 'mse')
    model.train_on_batch(x, np.zeros((1, 1), 'float32'))
    assert not np.allclose(scale.get_weights()[0], [1., 2., 3.])


def test_list_outputs_keep_the_masks_compute_mask_lists():
    inp = Input((3, 4))
    first, second = SplitMasked()(Masking()(inp))
    pooled = [MeanOverTime()(first), MeanOverTime()(second)]
    model = Model(inp, pooled)
    x = np.ones((1, 3, 4), 'float32')
    x[0, 2] = 0.
    x[0, 1] = 3.
    out_first, out_second = model.predict(x)
    # The first output is averaged over the two unmasked steps only, the
    # second (no mask) over all three.
    np.testing.assert_allclose(out_first, [[2., 2.]])
    np.testing.assert_allclose(out_second, [[8. / 3, 8. / 3]], atol=1e-6)



class CapsMask(Layer):
    """CapsNet-Keras `Mask`, as published."""
    def call(self, inputs, **kwargs):
        if type(inputs) is list:
            inputs, mask = inputs
        else:
            x = K.sqrt(K.sum(K.square(inputs), -1))
            mask = K.one_hot(indices=K.argmax(x, 1),
                             num_classes=x.get_shape().as_list()[1])
        return K.batch_flatten(inputs * K.expand_dims(mask, -1))

    def compute_output_shape(self, input_shape):
        if type(input_shape[0]) is tuple:
            return tuple([None, input_shape[0][1] * input_shape[0][2]])
        return tuple([None, input_shape[1] * input_shape[2]])


def test_capsnet_mask_gets_plain_tuple_shapes():
    caps, labels = Input((3, 2)), Input((3,))
    model = Model([caps, labels], [CapsMask()([caps, labels]),
                                   CapsMask()(caps)])
    assert model.output_shape == [(None, 6), (None, 6)]
    x = np.array([[[1, 0], [3, 4], [0, 1]]], 'float32')
    by_label, by_length = model.predict([x, np.array([[1, 0, 0]], 'float32')])
    np.testing.assert_array_equal(by_label, [[1, 0, 0, 0, 0, 0]])
    np.testing.assert_array_equal(by_length, [[0, 0, 3, 4, 0, 0]])


class SpatialTransformerSetter(Layer):
    """Keras 2's SpatialTransformer owning its localisation net's weights
    through the `trainable_weights` setter."""
    def __init__(self, localization_net, **kwargs):
        self.locnet = localization_net
        super(SpatialTransformerSetter, self).__init__(**kwargs)

    def build(self, input_shape):
        self.locnet.build(input_shape)
        self.trainable_weights = self.locnet.trainable_weights

    def call(self, x, mask=None):
        return x * K.sum(self.locnet.call(x))


def test_trainable_weights_setter_with_inner_layer_weights():
    locnet = Sequential([Flatten(input_shape=(2, 2)), Dense(1)])
    model = Sequential([SpatialTransformerSetter(locnet, input_shape=(2, 2)),
                        Flatten(), Dense(1)])
    assert len(model.layers[0].trainable_weights) == 2
    assert len(model.get_weights()) == 4


class Counter(Layer):
    def build(self, input_shape):
        self.counter = self.add_weight(name='counter', shape=(),
                                       initializer='zeros', trainable=False)

    def call(self, x):
        self.add_update(K.update_add(self.counter, 1.))
        return x * 1.


def _counts():
    inp = Input((2,))
    counter = Counter()
    model = Model(inp, Dense(1)(counter(inp)))
    x = np.ones((4, 2), 'float32')
    counts = []
    model.predict(x, batch_size=2)
    counts.append(float(K.get_value(counter.counter)))
    model.compile('sgd', 'mse')
    model.fit(x, x[:, :1], batch_size=2, verbose=0)
    counts.append(float(K.get_value(counter.counter)))
    model.evaluate(x, x[:, :1], batch_size=2, verbose=0)
    counts.append(float(K.get_value(counter.counter)))
    return counts


def test_update_ops_run_in_predict_and_evaluate_in_tf_keras():
    K.common.set_api_flavour('tf.keras')
    assert _counts() == [2., 4., 6.]       # tf_keras 2.21


def test_update_ops_run_in_training_only_in_keras_2():
    assert _counts() == [0., 2., 2.]       # Keras 2's training function
