"""Model configurations of older writers load as Keras 2.3 / tf.keras load
them: Keras 1 keys (also without `keras_version`), `!!python/tuple` YAML,
tf.keras 2.10+ loss configs, CuDNN layers, Atrous convolutions. Expected
values come from tf_keras 2.x or the Keras formulas, not from this
package."""
import json
import warnings

import numpy as np
import pytest

from keras_compat import layers, losses, metrics
from keras_compat.models import model_from_json, model_from_yaml


def _load(config):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return model_from_json(json.dumps(config))


# Keras 1.1/1.2 configs of first layers: `batch_input_shape` together with
# `input_dim` / `input_length`.
K1_LSTM = {'class_name': 'LSTM', 'config': {
    'inner_activation': 'hard_sigmoid', 'trainable': True,
    'inner_init': 'orthogonal', 'output_dim': 8, 'unroll': False,
    'consume_less': 'cpu', 'init': 'glorot_uniform', 'dropout_U': 0.0,
    'input_dtype': 'float32', 'batch_input_shape': [None, 20, 9],
    'input_length': None, 'dropout_W': 0.0, 'activation': 'tanh',
    'stateful': False, 'b_regularizer': None, 'U_regularizer': None,
    'name': 'lstm_1', 'go_backwards': False, 'input_dim': 9,
    'return_sequences': False, 'W_regularizer': None,
    'forget_bias_init': 'one'}}
K1_CONV1D = {'class_name': 'Convolution1D', 'config': {
    'batch_input_shape': [None, 50, 6], 'W_constraint': None,
    'b_constraint': None, 'name': 'convolution1d_1',
    'activity_regularizer': None, 'trainable': True, 'filter_length': 3,
    'init': 'glorot_uniform', 'bias': True, 'nb_filter': 4,
    'input_dtype': 'float32', 'subsample_length': 1, 'border_mode': 'valid',
    'input_dim': 6, 'b_regularizer': None, 'W_regularizer': None,
    'activation': 'relu', 'input_length': 50}}
K1_DENSE = {'class_name': 'Dense', 'config': {
    'activity_regularizer': None, 'b_constraint': None, 'input_dim': None,
    'name': 'dense_2', 'output_dim': 10, 'trainable': True,
    'activation': 'softmax', 'W_constraint': None, 'b_regularizer': None,
    'bias': True, 'init': 'normal', 'W_regularizer': None}}


def _sequential(*entries, version='1.2.2'):
    config = {'class_name': 'Sequential', 'config': list(entries)}
    if version:
        config['keras_version'] = version
    return config


@pytest.mark.parametrize('entry,shape', [(K1_LSTM, (None, 8)),
                                         (K1_CONV1D, (None, 48, 4))])
def test_keras1_first_layer_with_input_dim_and_batch_input_shape(entry,
                                                                  shape):
    model = _load(_sequential(entry))
    # Keras 2.0: batch_input_shape wins, input_dim/input_length dropped.
    assert model.input_shape == tuple(entry['config']['batch_input_shape'])
    assert model.output_shape == shape


def _conv2d_entry(class_name, extra):
    config = {'name': 'c', 'trainable': True, 'nb_filter': 8,
              'init': 'glorot_uniform', 'activation': 'relu',
              'border_mode': 'same', 'subsample': [1, 1],
              'dim_ordering': 'th', 'bias': True,
              'batch_input_shape': [None, 3, 16, 16],
              'input_dtype': 'float32'}
    config.update(extra)
    return {'class_name': class_name, 'config': config}


def test_keras1_conv2d_kernel_size_as_keywords():
    model = _load(_sequential(_conv2d_entry(
        'Convolution2D', {'nb_row': 3, 'nb_col': 5})))
    layer = model.layers[0]
    assert layer.kernel_size == (3, 5)
    assert layer.filters == 8 and layer.data_format == 'channels_first'
    assert model.output_shape == (None, 8, 16, 16)


@pytest.mark.parametrize('cls,kwargs,size', [
    (layers.Convolution3D, dict(nb_filter=4, kernel_dim1=2, kernel_dim2=3,
                                kernel_dim3=4), (2, 3, 4)),
    (layers.ConvLSTM2D, dict(nb_filter=4, nb_row=3, nb_col=2), (3, 2)),
    (layers.LocallyConnected2D, dict(nb_filter=4, nb_row=3, nb_col=2),
     (3, 2)),
    (layers.SeparableConvolution2D, dict(nb_filter=4, nb_row=3, nb_col=2),
     (3, 2)),
    (layers.Deconvolution2D, dict(nb_filter=4, nb_row=3, nb_col=2,
                                  output_shape=(None, 9, 9, 4)), (3, 2)),
    (layers.Convolution2D, dict(nb_row=3, nb_col=2), (3, 2)),
])
def test_keras1_kernel_keywords_without_positional_arguments(cls, kwargs,
                                                             size):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        layer = cls(*([] if 'nb_filter' in kwargs else [4]), **kwargs)
    assert layer.kernel_size == size and layer.filters == 4


def test_keras1_atrous_convolution_config():
    model = _load(_sequential(_conv2d_entry(
        'AtrousConvolution2D', {'nb_row': 3, 'nb_col': 3,
                                'atrous_rate': [2, 2], 'dim_ordering': 'tf',
                                'border_mode': 'valid',
                                'batch_input_shape': [None, 9, 9, 3]})))
    layer = model.layers[0]
    assert type(layer).__name__ == 'Conv2D'
    assert layer.dilation_rate == (2, 2)
    # A 3x3 kernel dilated by 2 spans 5 pixels: 9 - 5 + 1 = 5.
    assert model.output_shape == (None, 5, 5, 8)


def test_keras1_config_without_keras_version():
    first = json.loads(json.dumps(K1_DENSE))
    first['config'].update(name='dense_1', input_dim=784, output_dim=800,
                           activation='relu', input_dtype='float32',
                           batch_input_shape=[None, 784])
    model = _load(_sequential(first, K1_DENSE, version=None))
    assert model.output_shape == (None, 10)
    assert model.layers[0].units == 800 and model.layers[0].use_bias


def test_unversioned_keras2_config_is_still_checked_strictly():
    entry = {'class_name': 'Dense', 'config': {
        'name': 'd', 'units': 2, 'batch_input_shape': [None, 3],
        'surprise': 1}}
    with pytest.raises(ValueError, match='surprise'):
        _load(_sequential(entry, version=None))


YAML_WITH_TUPLES = """\
backend: theano
class_name: Sequential
config:
- class_name: Dense
  config:
    activation: relu
    batch_input_shape: !!python/tuple [null, 8]
    bias_initializer: {class_name: Zeros, config: {}}
    dtype: float32
    name: dense_1
    trainable: true
    units: 12
    use_bias: true
- class_name: Dense
  config: {activation: sigmoid, name: dense_2, units: 1}
keras_version: 2.0.2
"""


def test_yaml_python_tuple_tags():
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        model = model_from_yaml(YAML_WITH_TUPLES)
    assert model.input_shape == (None, 8)
    assert model.output_shape == (None, 1)


def test_yaml_other_python_tags_are_refused():
    import yaml
    text = YAML_WITH_TUPLES.replace('!!python/tuple [null, 8]',
                                    '!!python/object/apply:os.getcwd []')
    with pytest.raises(yaml.YAMLError):
        model_from_yaml(text)


# tf_keras 2.x: y_true / y_pred below, values printed by tf_keras.
Y_TRUE = np.array([[0, 1], [1, 0], [0, 1], [1, 0], [1, 0]], 'float32')
Y_PRED = np.array([[0.9, 0.2], [0.3, 0.6], [0.4, 0.1], [0.8, 0.7],
                   [0.05, 0.5]], 'float32')


@pytest.mark.parametrize('config,expected', [
    ({'class_name': 'BinaryFocalCrossentropy', 'config': {
        'reduction': 'auto', 'name': 'binary_focal_crossentropy',
        'apply_class_balancing': False, 'alpha': 0.25, 'gamma': 2.0,
        'from_logits': False, 'label_smoothing': 0.0, 'axis': -1,
        'fn': 'binary_focal_crossentropy'}}, 0.92375743),
    ({'class_name': 'BinaryFocalCrossentropy', 'config': {
        'apply_class_balancing': True, 'gamma': 1.5,
        'label_smoothing': 0.1}}, 0.3942731),
    ({'class_name': 'BinaryFocalCrossentropy', 'config': {
        'from_logits': True, 'axis': 0, 'reduction': 'none'}},
     [0.24990335, 0.3138147]),
    ({'class_name': 'BinaryCrossentropy', 'config': {
        'reduction': 'none', 'name': 'binary_crossentropy',
        'from_logits': False, 'label_smoothing': 0.0, 'axis': 0,
        'fn': 'binary_crossentropy'}}, [1.4472511, 1.3450863]),
])
def test_tf_keras_loss_configs(config, expected):
    loss = losses.deserialize(config)
    value = loss(Y_TRUE, Y_PRED)
    np.testing.assert_allclose(np.asarray(value), expected, rtol=1e-5)


def test_categorical_crossentropy_axis_and_fn():
    loss = losses.deserialize({'class_name': 'CategoricalCrossentropy',
                               'config': {'reduction': 'none', 'axis': 0,
                                          'label_smoothing': 0.2,
                                          'from_logits': False,
                                          'fn': 'categorical_crossentropy'}})
    np.testing.assert_allclose(
        np.asarray(loss(Y_TRUE.T, Y_PRED.T)),
        [1.5543404, 1.0292976, 1.4708085, 0.64196175, 2.1676369], rtol=1e-5)


def test_sparse_categorical_crossentropy_ignore_class():
    config = {'reduction': 'auto', 'name': 'sparse_categorical_crossentropy',
              'from_logits': True, 'ignore_class': None,
              'fn': 'sparse_categorical_crossentropy'}
    loss = losses.deserialize({'class_name': 'SparseCategoricalCrossentropy',
                               'config': config})
    logits = np.array([[2., 0., -1.]], 'float32')
    expected = -np.log(np.exp(0.) / np.exp(logits).sum())
    np.testing.assert_allclose(float(loss(np.array([1]), logits)), expected,
                               rtol=1e-6)
    with pytest.raises(NotImplementedError, match='ignore_class'):
        losses.deserialize({'class_name': 'SparseCategoricalCrossentropy',
                            'config': dict(config, ignore_class=0)})


def test_loss_function_wrapper_takes_fn_by_name():
    loss = losses.LossFunctionWrapper.from_config(
        {'reduction': 'none', 'name': 'w', 'fn': 'mean_absolute_error'})
    np.testing.assert_allclose(np.asarray(loss(Y_TRUE, Y_PRED)),
                               np.abs(Y_TRUE - Y_PRED).mean(-1), rtol=1e-6)


def test_mean_iou_ignore_class_and_dense_predictions():
    metric = metrics.deserialize({'class_name': 'MeanIoU', 'config': {
        'num_classes': 3, 'name': 'mean_io_u', 'dtype': 'float32',
        'ignore_class': 0, 'sparse_y_true': True, 'sparse_y_pred': True,
        'axis': -1}})
    metric.update_state([0, 1, 2, 1, 2, 0], [1, 1, 2, 2, 2, 0])
    np.testing.assert_allclose(float(metric.result()), 0.5833334, rtol=1e-6)
    metric = metrics.MeanIoU(2, sparse_y_pred=False)
    metric.update_state([0, 1, 1, 0, 0], Y_PRED)
    np.testing.assert_allclose(float(metric.result()), 0.4166667, rtol=1e-6)


def _initializer(name, **config):
    return {'class_name': name, 'config': config}


def test_cudnn_layers_config():
    """Keras 2.2.4 CuDNNLSTM + CuDNNGRU; tf_keras LSTM/GRU(sigmoid
    recurrent activation, reset_after) with the same weights gave Y0."""
    common = {'trainable': True, 'return_state': False,
              'go_backwards': False, 'stateful': False,
              'kernel_initializer': _initializer(
                  'VarianceScaling', scale=1.0, mode='fan_avg',
                  distribution='uniform', seed=None),
              'recurrent_initializer': _initializer('Orthogonal', gain=1.0,
                                                    seed=None),
              'bias_initializer': _initializer('Zeros'),
              'kernel_regularizer': None, 'recurrent_regularizer': None,
              'bias_regularizer': None, 'activity_regularizer': None,
              'kernel_constraint': None, 'recurrent_constraint': None,
              'bias_constraint': None}
    lstm = dict(common, name='cu_dnnlstm_1', batch_input_shape=[None, 6, 4],
                dtype='float32', return_sequences=True, units=5,
                unit_forget_bias=True)
    gru = dict(common, name='cu_dnngru_1', return_sequences=False, units=3)
    dense = {'name': 'dense_1', 'units': 2, 'activation': 'linear'}
    model = _load({'class_name': 'Sequential', 'keras_version': '2.2.4',
                   'backend': 'tensorflow', 'config': {
                       'name': 'sequential_1', 'layers': [
                           {'class_name': 'CuDNNLSTM', 'config': lstm},
                           {'class_name': 'CuDNNGRU', 'config': gru},
                           {'class_name': 'Dense', 'config': dense}]}})
    assert [type(l).__name__ for l in model.layers] == ['LSTM', 'GRU',
                                                        'Dense']
    rng = np.random.RandomState(0)
    model.set_weights([rng.uniform(-.5, .5, w.shape).astype('float32')
                       for w in model.get_weights()])
    x = rng.rand(2, 6, 4).astype('float32')
    y0 = [[-0.32362282, 0.3825588], [-0.3248758, 0.37724093]]
    np.testing.assert_allclose(model.predict(x), y0, atol=1e-5)


# A Python 2.7 function holding a print statement: bytecode of another
# Python whose source is not recovered (a function of expressions, calls
# and assignments would load, see tests/test_legacy_lambda_bytecode.py).
PY27_PRINT = ('YwEAAAABAAAAAQAAAEMAAABzCQAAAGQBAEdIZAAAUygCAAAATnMrAAAAUGxheXdp'
              'MCdzIGJsb2cgdXJsIGlzIGh0dHA6Ly93d3cucGxheXdpMC5jbigAAAAAKAEAAAB0'
              'BAAAAHNlbGYoAAAAACgAAAAAcxgAAAAvaG9tZS9wbGF5d2luL3B5L3Rlc3QucHl0'
              'BAAAAGVjaG8DAAAAcwIAAAAAAQ==')


def test_lambda_bytecode_of_another_python_names_the_layer():
    config = {'class_name': 'Functional', 'keras_version': '2.4.0',
              'config': {'name': 'm', 'layers': [
                  {'class_name': 'InputLayer', 'name': 'in',
                   'inbound_nodes': [], 'config': {
                       'batch_input_shape': [None, 2], 'name': 'in'}},
                  {'class_name': 'Lambda', 'name': 'my_lambda',
                   'inbound_nodes': [[['in', 0, 0, {}]]], 'config': {
                       'name': 'my_lambda', 'trainable': True,
                       'function': [PY27_PRINT, None, None],
                       'function_type': 'lambda', 'module': '__main__',
                       'output_shape': None, 'output_shape_type': 'raw',
                       'output_shape_module': None, 'arguments': {}}}],
                  'input_layers': [['in', 0, 0]],
                  'output_layers': [['my_lambda', 0, 0]]}}
    with pytest.raises(ValueError, match="my_lambda.*another Python "
                                         "version"):
        _load(config)


def test_func_load_error_on_foreign_bytecode():
    from keras_compat.utils.generic_utils import func_load
    with pytest.raises(ValueError, match='another Python version'):
        func_load([PY27_PRINT, None, None])


@pytest.mark.parametrize('mode,shape', [('concat', (None, 4)),
                                        ('sum', (None, 2)),
                                        ('cos', (None, 1))])
def test_legacy_merge_of_sequential_branches_loads(mode, shape):
    # Keras 2.0-2.1's config of a Sequential model starting with a Merge
    # of two Sequential branches (output shapes as Keras 2.1.6 gives).
    def branch(name):
        return _sequential({'class_name': 'Dense', 'config': {
            'name': name, 'units': 2, 'batch_input_shape': [None, 3]}},
            version=None)
    merge = {'class_name': 'Merge', 'config': {
        'name': 'merge_1', 'mode': mode, 'mode_type': 'raw',
        'concat_axis': -1, 'dot_axes': -1, 'output_shape': None,
        'output_shape_type': 'raw', 'output_mask': None,
        'output_mask_type': 'raw', 'arguments': {},
        'layers': [branch('d'), branch('e')]}}
    model = _load(_sequential(merge, version='2.0.6'))
    assert [layer.name for layer in model.layers] == ['merge_1']
    assert len(model.inputs) == 2
    assert model.output_shape == shape
