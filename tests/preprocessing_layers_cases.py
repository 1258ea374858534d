"""tf.keras preprocessing layers on fixed inputs, for the parity tests of
keras_compat/layers/preprocessing.py (tests/layers/test_preprocessing.py).

`/tmp/tfvenv/bin/python tests/preprocessing_layers_cases.py`, under
tf_keras 2.x and TensorFlow 2, writes the reference values to
tests/data/preprocessing_layers_reference.npz (tf_keras 2.21 and
TensorFlow 2.21 wrote the file there now). The same `compute_layers`
runs on keras_compat's layers in the tests.

The random layers run in training with factor ranges of zero width (a
fixed rotation, zoom, shift, height or brightness), so that TensorFlow's
draws are known and the geometry of the transform is what is compared;
TensorFlow's own kernels (ImageProjectiveTransformV3 on other matrices,
adjust_contrast) are compared in `KERNEL_CASES`."""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = os.path.join(HERE, 'data', 'preprocessing_layers_reference.npz')


def inputs():
    rs = np.random.RandomState(0)
    return {
        'img': (rs.rand(2, 5, 7, 3) * 255).astype('float32'),
        'img_small': rs.rand(2, 4, 4, 1).astype('float32'),
        'img_single': (rs.rand(6, 5, 2) * 255).astype('float32'),
        'img_wide': rs.rand(1, 9, 12, 2).astype('float32'),
        'table': (rs.randn(40, 3) * [1., 10., 100.] +
                  [0., 5., -50.]).astype('float32'),
        'cube': rs.rand(10, 4, 3).astype('float32'),
        'values': (rs.rand(30) * 10 - 5).astype('float32'),
        'values2d': rs.randn(50, 4).astype('float32'),
        'uniform': rs.rand(1000).astype('float32'),
        'tokens': rs.randint(0, 6, (5, 3)).astype('int64'),
        'tokens1d': rs.randint(0, 6, (7,)).astype('int64'),
        'token_weights': rs.rand(5, 3).astype('float32'),
    }


BOUNDS = [-1., 0., 0.5, 2.]
FILL_MODES = ('reflect', 'wrap', 'constant', 'nearest')


def _affine_cases():
    cases = []
    for mode in FILL_MODES:
        for interp in ('bilinear', 'nearest'):
            cases.append(('rotation_quarter_%s_%s' % (mode, interp),
                          'RandomRotation',
                          dict(factor=(0.25, 0.25), fill_mode=mode,
                               interpolation=interp), 'img'))
            cases.append(('zoom_%s_%s' % (mode, interp), 'RandomZoom',
                          dict(height_factor=(-0.4, -0.4),
                               width_factor=(0.3, 0.3), fill_mode=mode,
                               interpolation=interp), 'img'))
            cases.append(('translation_%s_%s' % (mode, interp),
                          'RandomTranslation',
                          dict(height_factor=(0.3, 0.3),
                               width_factor=(-0.45, -0.45), fill_mode=mode,
                               interpolation=interp), 'img'))
    cases += [
        ('rotation_small', 'RandomRotation', dict(factor=(-0.06, -0.06)),
         'img'),
        ('rotation_fill_value', 'RandomRotation',
         dict(factor=(0.1, 0.1), fill_mode='constant', fill_value=3.),
         'img'),
        ('rotation_single', 'RandomRotation', dict(factor=(0.125, 0.125)),
         'img_single'),
        ('zoom_out_both', 'RandomZoom', dict(height_factor=(0.5, 0.5)),
         'img'),
        ('zoom_far_out', 'RandomZoom',
         dict(height_factor=(0.9, 0.9), width_factor=(2.5, 2.5)),
         'img_small'),
        ('translation_far', 'RandomTranslation',
         dict(height_factor=(-1., -1.), width_factor=(0.8, 0.8),
              fill_mode='constant', fill_value=-1.), 'img_small'),
    ]
    return cases


# (key, layer class, constructor arguments, input, adapt: (input,
# arguments) or None, call arguments); an adapt input 'dataset:x' is a
# tf.data dataset of the rows of x, 'batched_dataset:x' one in batches of
# 8.
LAYER_CASES = [
    ('norm_adapt', 'Normalization', {}, 'table', ('table', {}), {}),
    ('norm_batches', 'Normalization', {}, 'table',
     ('table', {'batch_size': 7}), {}),
    ('norm_steps', 'Normalization', {}, 'table', ('table', {'steps': 3}),
     {}),
    ('norm_axis_none', 'Normalization', {'axis': None}, 'cube',
     ('cube', {'batch_size': 3}), {}),
    ('norm_axis_12', 'Normalization', {'axis': (1, 2)}, 'cube',
     ('cube', {'batch_size': 4}), {}),
    ('norm_axis_1', 'Normalization', {'axis': 1}, 'cube', ('cube', {}), {}),
    ('norm_invert', 'Normalization', {'invert': True}, 'table',
     ('table', {}), {}),
    ('norm_dataset', 'Normalization', {}, 'table',
     ('batched_dataset:table', {}), {}),
    ('norm_dataset_steps', 'Normalization', {}, 'table',
     ('batched_dataset:table', {'steps': 2}), {}),
    ('norm_dataset_unbatched', 'Normalization', {}, 'table',
     ('dataset:table', {}), {}),
    ('norm_given', 'Normalization',
     {'mean': [1., 2., 3.], 'variance': [4., 0., 9.]}, 'table', None, {}),
    ('norm_given_scalar', 'Normalization',
     {'mean': 2., 'variance': 3., 'axis': None}, 'cube', None, {}),
    ('disc_bounds', 'Discretization', {'bin_boundaries': BOUNDS}, 'values',
     None, {}),
    ('disc_one_hot', 'Discretization',
     {'bin_boundaries': BOUNDS, 'output_mode': 'one_hot'}, 'values', None,
     {}),
    ('disc_multi_hot', 'Discretization',
     {'bin_boundaries': BOUNDS, 'output_mode': 'multi_hot'}, 'values2d',
     None, {}),
    ('disc_count', 'Discretization',
     {'bin_boundaries': BOUNDS, 'output_mode': 'count'}, 'values2d', None,
     {}),
    ('disc_adapt', 'Discretization', {'num_bins': 5}, 'values2d',
     ('values2d', {'batch_size': 16}), {}),
    ('disc_adapt_epsilon', 'Discretization',
     {'num_bins': 3, 'epsilon': 0.1}, 'values', ('values', {}), {}),
    ('disc_adapt_many', 'Discretization', {'num_bins': 10}, 'values',
     ('uniform', {'batch_size': 100}), {}),
    ('disc_dataset', 'Discretization', {'num_bins': 4}, 'values',
     ('batched_dataset:values2d', {}), {}),
    ('cat_multi_hot', 'CategoryEncoding', {'num_tokens': 6}, 'tokens',
     None, {}),
    ('cat_multi_hot_1d', 'CategoryEncoding', {'num_tokens': 6}, 'tokens1d',
     None, {}),
    ('cat_count', 'CategoryEncoding',
     {'num_tokens': 7, 'output_mode': 'count'}, 'tokens', None, {}),
    ('cat_one_hot', 'CategoryEncoding',
     {'num_tokens': 6, 'output_mode': 'one_hot'}, 'tokens1d', None, {}),
    ('cat_count_weights', 'CategoryEncoding',
     {'num_tokens': 6, 'output_mode': 'count'}, 'tokens', None,
     {'count_weights': 'token_weights'}),
    ('resize_bilinear_down', 'Resizing', {'height': 3, 'width': 4}, 'img',
     None, {}),
    ('resize_bilinear_up', 'Resizing', {'height': 8, 'width': 11}, 'img',
     None, {}),
    ('resize_nearest_up', 'Resizing',
     {'height': 8, 'width': 11, 'interpolation': 'nearest'}, 'img', None,
     {}),
    ('resize_nearest_down', 'Resizing',
     {'height': 3, 'width': 4, 'interpolation': 'nearest'}, 'img', None,
     {}),
    ('resize_bicubic_up', 'Resizing',
     {'height': 11, 'width': 14, 'interpolation': 'bicubic'}, 'img', None,
     {}),
    ('resize_bicubic_down', 'Resizing',
     {'height': 3, 'width': 3, 'interpolation': 'bicubic'}, 'img_wide',
     None, {}),
    ('resize_bicubic_mixed', 'Resizing',
     {'height': 9, 'width': 5, 'interpolation': 'bicubic'}, 'img', None,
     {}),
    ('resize_area_down', 'Resizing',
     {'height': 4, 'width': 5, 'interpolation': 'area'}, 'img_wide', None,
     {}),
    ('resize_area_up', 'Resizing',
     {'height': 7, 'width': 9, 'interpolation': 'area'}, 'img', None, {}),
    ('resize_crop_aspect', 'Resizing',
     {'height': 4, 'width': 4, 'crop_to_aspect_ratio': True}, 'img', None,
     {}),
    ('resize_crop_aspect_nearest', 'Resizing',
     {'height': 6, 'width': 3, 'crop_to_aspect_ratio': True,
      'interpolation': 'nearest'}, 'img_wide', None, {}),
    ('resize_single', 'Resizing', {'height': 3, 'width': 3}, 'img_single',
     None, {}),
    ('center_crop', 'CenterCrop', {'height': 3, 'width': 4}, 'img', None,
     {}),
    ('center_crop_upsize', 'CenterCrop', {'height': 7, 'width': 9}, 'img',
     None, {}),
    ('center_crop_single', 'CenterCrop', {'height': 4, 'width': 4},
     'img_single', None, {}),
    ('random_crop_inference', 'RandomCrop', {'height': 3, 'width': 3},
     'img', None, {'training': False}),
    ('random_crop_small', 'RandomCrop', {'height': 6, 'width': 9}, 'img',
     None, {'training': True}),
    ('random_crop_full', 'RandomCrop', {'height': 5, 'width': 7}, 'img',
     None, {'training': True}),
    ('height_bilinear', 'RandomHeight', {'factor': (0.4, 0.4)}, 'img', None,
     {'training': True}),
    ('height_nearest', 'RandomHeight',
     {'factor': (-0.3, -0.3), 'interpolation': 'nearest'}, 'img', None,
     {'training': True}),
    ('width_bicubic', 'RandomWidth',
     {'factor': (0.5, 0.5), 'interpolation': 'bicubic'}, 'img', None,
     {'training': True}),
    ('width_area', 'RandomWidth',
     {'factor': (-0.25, -0.25), 'interpolation': 'area'}, 'img_wide', None,
     {'training': True}),
    ('brightness', 'RandomBrightness', {'factor': (0.1, 0.1)}, 'img', None,
     {'training': True}),
    ('brightness_range', 'RandomBrightness',
     {'factor': (-0.3, -0.3), 'value_range': (0, 1)}, 'img_small', None,
     {'training': True}),
] + [(key, cls, kwargs, x, None, {'training': True})
     for key, cls, kwargs, x in _affine_cases()] + [
    ('%s_inference' % cls, cls, kwargs, 'img', None, {'training': False})
    for cls, kwargs in [
        ('RandomFlip', {}), ('RandomRotation', {'factor': 0.2}),
        ('RandomZoom', {'height_factor': 0.2}),
        ('RandomTranslation', {'height_factor': 0.2, 'width_factor': 0.1}),
        ('RandomContrast', {'factor': 0.3}),
        ('RandomBrightness', {'factor': 0.3}),
        ('RandomHeight', {'factor': 0.3}), ('RandomWidth', {'factor': 0.3})]]


# Kernels of TensorFlow's that the layers apply: (key, op, input,
# arguments).
KERNEL_CASES = [
    ('transform_projective_%s_%s' % (mode, interp), 'transform', 'img',
     dict(transforms=[1.1, 0.3, -2.0, -0.2, 0.9, 1.5, 0.01, -0.02],
          fill_mode=mode, interpolation=interp, fill_value=7.))
    for mode in FILL_MODES for interp in ('bilinear', 'nearest')
] + [
    ('transform_far_%s' % mode, 'transform', 'img',
     dict(transforms=[1., 0., -20.3, 0., 1., 13.7, 0., 0.], fill_mode=mode,
          interpolation='bilinear', fill_value=0.))
    for mode in FILL_MODES
] + [
    ('transform_scaled_%s' % mode, 'transform', 'img',
     dict(transforms=[3., 0., -5.5, 0., 2.5, -4., 0., 0.], fill_mode=mode,
          interpolation='nearest', fill_value=0.))
    for mode in FILL_MODES
] + [
    ('contrast_up', 'adjust_contrast', 'img', dict(factor=1.7)),
    ('contrast_down', 'adjust_contrast', 'img_single', dict(factor=0.4)),
]


def adapt_data(name, data, tf_data):
    """The data an adapt case reads: an array, or a dataset of its
    rows."""
    kind, _, array = name.rpartition(':')
    if not kind:
        return data[array]
    dataset = tf_data.Dataset.from_tensor_slices(data[array])
    return dataset.batch(8) if kind == 'batched_dataset' else dataset


def compute_layers(layers, to_numpy, tf_data):
    """The outputs, weights and configs of `LAYER_CASES` with the layer
    classes of module `layers` (tf_keras's or keras_compat's) and the
    datasets of `tf_data` (`tf.data` or its stand-in); `to_numpy` turns
    an output into a numpy array."""
    data = inputs()
    results, configs = {}, {}
    for key, cls, kwargs, x, adapt, call_kwargs in LAYER_CASES:
        layer = getattr(layers, cls)(name=key, **kwargs)
        if adapt is not None:
            layer.adapt(adapt_data(adapt[0], data, tf_data), **adapt[1])
            for i, w in enumerate(layer.get_weights()):
                results['weights/%s/%d' % (key, i)] = np.asarray(w)
        call_kwargs = {k: data[v] if isinstance(v, str) else v
                       for k, v in call_kwargs.items()}
        results['out/' + key] = to_numpy(layer(data[x], **call_kwargs))
        if cls == 'Discretization':
            results['bins/' + key] = np.asarray(layer.bin_boundaries,
                                                'float64')
        configs[key] = layer.get_config()
    results['configs'] = np.array(json_configs(configs))
    return results


def json_configs(configs):
    return json.dumps(configs, sort_keys=True, default=list)


def compute_kernels(tf):
    """`KERNEL_CASES` with TensorFlow's ops."""
    data = inputs()
    results = {}
    for key, op, x, kwargs in KERNEL_CASES:
        if op == 'transform':
            out = tf.raw_ops.ImageProjectiveTransformV3(
                images=data[x], output_shape=data[x].shape[1:3],
                fill_value=kwargs['fill_value'],
                transforms=[kwargs['transforms']],
                fill_mode=kwargs['fill_mode'].upper(),
                interpolation=kwargs['interpolation'].upper())
        else:
            out = tf.image.adjust_contrast(data[x], kwargs['factor'])
        results['kernel/' + key] = out.numpy()
    return results


if __name__ == '__main__':
    import tensorflow
    import tf_keras
    reference = compute_layers(tf_keras.layers, lambda t: np.asarray(t),
                               tensorflow.data)
    reference.update(compute_kernels(tensorflow))
    np.savez_compressed(REFERENCE, **reference)
