"""Import lines of third-party Keras 2 / tf.keras 2 code (libraries,
notebooks) resolve under the runner's aliases, and the internal helpers
they import behave as Keras 2.3.1's and TensorFlow 2.21's.

The (module, name) pairs were collected from public repositories; each
exists in Keras 2.3.1 (`keras.*`, `keras_preprocessing.*`) or in
TensorFlow 2.21 (`tensorflow.*`, whose `tensorflow.python.keras` is its
legacy Keras copy)."""
import json
import subprocess
import sys

import numpy as np
import pytest
import torch

PAIRS = [
    ('keras.engine.topology', 'Layer'),
    ('keras.engine.topology', 'InputSpec'),
    ('keras.engine.topology', 'get_source_inputs'),
    ('keras.engine.topology', 'Input'),
    ('keras.engine.topology', 'InputLayer'),
    ('keras.engine.topology', 'Node'),
    ('keras.engine.topology', 'Network'),
    ('keras.engine', 'Layer'),
    ('keras.engine', 'InputSpec'),
    ('keras.engine', 'Input'),
    ('keras.engine', 'Model'),
    ('keras.engine', 'base_layer'),
    ('keras.engine', 'sequential'),
    ('keras.engine', 'input_layer'),
    ('keras.engine.base_layer', 'Layer'),
    ('keras.engine.base_layer', 'InputSpec'),
    ('keras.engine.base_layer', 'Node'),
    ('keras.engine.input_layer', 'InputLayer'),
    ('keras.engine.input_layer', 'Input'),
    ('keras.engine.training_utils', 'weighted_masked_objective'),
    ('keras.engine.training_utils', 'check_num_samples'),
    ('keras.engine.training_utils', 'make_batches'),
    ('keras.engine.training_utils', 'iter_sequence_infinite'),
    ('keras.engine.training_utils', 'is_sequence'),
    ('keras.engine.training_utils', 'should_run_validation'),
    ('keras.engine.training_utils', 'standardize_input_data'),
    ('keras.engine.training_utils', 'batch_shuffle'),
    ('keras.engine.training_utils', 'standardize_weights'),
    ('keras.engine.training', 'Model'),
    ('keras.engine.network', 'Network'),
    ('keras.engine.network', 'Layer'),
    ('keras.engine.saving', 'load_model'),
    ('keras.engine.saving', 'model_from_json'),
    ('keras.engine.saving', 'load_weights_from_hdf5_group'),
    ('keras.engine.saving', 'load_weights_from_hdf5_group_by_name'),
    ('keras.engine.saving', 'save_model'),
    ('keras.engine.saving', 'preprocess_weights_for_loading'),
    ('keras.engine.sequential', 'Sequential'),
    ('keras.legacy', 'interfaces'),
    ('keras.legacy.interfaces', 'legacy_get_updates_support'),
    ('keras.legacy.interfaces', 'generate_legacy_interface'),
    ('keras.legacy.interfaces', 'legacy_dense_support'),
    ('keras.legacy.interfaces', 'legacy_conv2d_support'),
    ('keras.utils.generic_utils', 'Progbar'),
    ('keras.utils.generic_utils', 'CustomObjectScope'),
    ('keras.utils.generic_utils', 'custom_object_scope'),
    ('keras.utils.generic_utils', 'get_custom_objects'),
    ('keras.utils.generic_utils', 'to_list'),
    ('keras.utils.generic_utils', 'unpack_singleton'),
    ('keras.utils.generic_utils', 'slice_arrays'),
    ('keras.utils.generic_utils', 'has_arg'),
    ('keras.utils.generic_utils', 'deserialize_keras_object'),
    ('keras.utils.generic_utils', 'serialize_keras_object'),
    ('keras.utils.generic_utils', 'func_load'),
    ('keras.utils.generic_utils', 'func_dump'),
    ('keras.utils.generic_utils', 'object_list_uid'),
    ('keras.utils.generic_utils', 'transpose_shape'),
    ('keras.utils.generic_utils', 'is_all_none'),
    ('keras.utils.generic_utils', 'getargspec'),
    ('keras.utils.conv_utils', 'normalize_tuple'),
    ('keras.utils.conv_utils', 'conv_output_length'),
    ('keras.utils.conv_utils', 'convert_kernel'),
    ('keras.utils.conv_utils', 'conv_input_length'),
    ('keras.utils.conv_utils', 'deconv_length'),
    ('keras.utils.conv_utils', 'normalize_padding'),
    ('keras.utils.data_utils', 'get_file'),
    ('keras.utils.data_utils', 'Sequence'),
    ('keras.utils.data_utils', 'OrderedEnqueuer'),
    ('keras.utils.data_utils', 'GeneratorEnqueuer'),
    ('keras.utils.data_utils', 'validate_file'),
    ('keras.utils.data_utils', '_hash_file'),
    ('keras.utils.layer_utils', 'convert_all_kernels_in_model'),
    ('keras.utils.layer_utils', 'count_params'),
    ('keras.utils.layer_utils', 'print_summary'),
    ('keras.utils.layer_utils', 'get_source_inputs'),
    ('keras.utils.layer_utils', 'convert_dense_weights_data_format'),
    ('keras.utils.io_utils', 'HDF5Matrix'),
    ('keras.utils.io_utils', 'ask_to_proceed_with_overwrite'),
    ('keras.utils.np_utils', 'to_categorical'),
    ('keras.utils.np_utils', 'normalize'),
    ('keras.utils.vis_utils', 'model_to_dot'),
    ('keras.utils.vis_utils', 'plot_model'),
    ('keras.utils', 'layer_utils'),
    ('keras.utils', 'conv_utils'),
    ('keras.utils', 'generic_utils'),
    ('keras.utils', 'np_utils'),
    ('keras.backend.tensorflow_backend', 'set_session'),
    ('keras.backend.tensorflow_backend', 'get_session'),
    ('keras.backend.tensorflow_backend', 'clear_session'),
    ('keras.backend.tensorflow_backend', '_to_tensor'),
    ('keras.backend.tensorflow_backend', 'cast'),
    ('keras.backend.tensorflow_backend', 'flatten'),
    ('keras.backend.tensorflow_backend', 'epsilon'),
    ('keras.backend.tensorflow_backend', '_preprocess_conv2d_input'),
    ('keras.backend.tensorflow_backend', '_preprocess_conv3d_input'),
    ('keras.backend.tensorflow_backend', '_preprocess_padding'),
    ('keras.backend.tensorflow_backend', '_has_nchw_support'),
    ('keras.backend.tensorflow_backend', '_is_current_explicit_device'),
    ('keras.backend.tensorflow_backend', '_get_available_gpus'),
    ('keras.backend.tensorflow_backend', 'tf'),
    ('keras.backend.common', 'floatx'),
    ('keras.backend.common', '_EPSILON'),
    ('keras.backend.common', 'image_data_format'),
    ('keras.backend.common', 'epsilon'),
    ('keras.layers.recurrent', 'LSTM'),
    ('keras.layers.recurrent', 'GRU'),
    ('keras.layers.recurrent', 'RNN'),
    ('keras.layers.recurrent', 'GRUCell'),
    ('keras.layers.recurrent', 'Recurrent'),
    ('keras.layers.recurrent', '_generate_dropout_mask'),
    ('keras.layers.recurrent', '_standardize_args'),
    ('keras.layers.convolutional_recurrent', 'ConvLSTM2D'),
    ('keras.layers.convolutional_recurrent', 'ConvRNN2D'),
    ('keras.layers.convolutional_recurrent', 'ConvLSTM2DCell'),
    ('keras.layers.core', 'Dense'),
    ('keras.layers.core', 'Layer'),
    ('keras.layers.core', 'Reshape'),
    ('keras.layers.core', 'RepeatVector'),
    ('keras.layers.core', 'Lambda'),
    ('keras.layers.convolutional', '_Conv'),
    ('keras.layers.convolutional', 'Convolution2D'),
    ('keras.layers.convolutional', 'MaxPooling2D'),
    ('keras.layers.convolutional', 'Deconvolution2D'),
    ('keras.layers.convolutional', 'Cropping2D'),
    ('keras.layers.convolutional', 'Conv3DTranspose'),
    ('keras.layers.convolutional', 'UpSampling3D'),
    ('keras.layers.convolutional', 'MaxPooling3D'),
    ('keras.layers.pooling', '_Pooling1D'),
    ('keras.layers.pooling', '_Pooling2D'),
    ('keras.layers.pooling', '_Pooling3D'),
    ('keras.layers.pooling', '_GlobalPooling1D'),
    ('keras.layers.pooling', '_GlobalPooling2D'),
    ('keras.layers.merge', '_Merge'),
    ('keras.layers.merge', 'concatenate'),
    ('keras.layers.merge', 'dot'),
    ('keras.layers.wrappers', 'Wrapper'),
    ('keras.layers.wrappers', 'TimeDistributed'),
    ('keras.layers.normalization', 'BatchNormalization'),
    ('keras.layers.embeddings', 'Embedding'),
    ('keras.layers.noise', 'GaussianNoise'),
    ('keras.layers.advanced_activations', 'LeakyReLU'),
    ('keras.layers', 'Recurrent'),
    ('keras.applications.imagenet_utils', 'preprocess_input'),
    ('keras.applications.imagenet_utils', 'decode_predictions'),
    ('keras.applications', 'imagenet_utils'),
    ('keras.preprocessing.image', 'ImageDataGenerator'),
    ('keras.preprocessing.image', 'Iterator'),
    ('keras.preprocessing.image', 'DirectoryIterator'),
    ('keras.preprocessing.image', 'NumpyArrayIterator'),
    ('keras.preprocessing.image', 'load_img'),
    ('keras.preprocessing.image', 'img_to_array'),
    ('keras.preprocessing.image', 'array_to_img'),
    ('keras.preprocessing.image', 'random_rotation'),
    ('keras.preprocessing.image', 'apply_affine_transform'),
    ('keras.preprocessing.sequence', 'pad_sequences'),
    ('keras.preprocessing.sequence', 'TimeseriesGenerator'),
    ('keras.preprocessing.sequence', 'skipgrams'),
    ('keras.preprocessing.text', 'Tokenizer'),
    ('keras.preprocessing.text', 'one_hot'),
    ('keras.preprocessing.text', 'text_to_word_sequence'),
    ('keras_preprocessing', 'image'),
    ('keras_preprocessing', 'sequence'),
    ('keras_preprocessing', 'text'),
    ('keras_preprocessing.image', 'ImageDataGenerator'),
    ('keras_preprocessing.image', 'load_img'),
    ('keras_preprocessing.sequence', 'pad_sequences'),
    ('keras_preprocessing.text', 'Tokenizer'),
    ('tensorflow.python.keras', 'backend'),
    ('tensorflow.python.keras', 'layers'),
    ('tensorflow.python.keras', 'models'),
    ('tensorflow.python.keras', 'optimizers'),
    ('tensorflow.python.keras', 'losses'),
    ('tensorflow.python.keras', 'regularizers'),
    ('tensorflow.python.keras', 'initializers'),
    ('tensorflow.python.keras', 'constraints'),
    ('tensorflow.python.keras', 'utils'),
    ('tensorflow.python.keras', 'Input'),
    ('tensorflow.python.keras', 'Model'),
    ('tensorflow.python.keras', 'saving'),
    ('tensorflow.python.keras.utils', 'tf_utils'),
    ('tensorflow.python.keras.utils', 'conv_utils'),
    ('tensorflow.python.keras.utils', 'losses_utils'),
    ('tensorflow.python.keras.utils', 'metrics_utils'),
    ('tensorflow.python.keras.utils', 'generic_utils'),
    ('tensorflow.python.keras.utils', 'data_utils'),
    ('tensorflow.python.keras.utils', 'layer_utils'),
    ('tensorflow.python.keras.utils.tf_utils', 'shape_type_conversion'),
    ('tensorflow.python.keras.utils.tf_utils', 'is_tensor_or_tensor_list'),
    ('tensorflow.python.keras.utils.tf_utils', 'is_tensor_or_variable'),
    ('tensorflow.python.keras.utils.tf_utils', 'convert_inner_node_data'),
    ('tensorflow.python.keras.utils.tf_utils', 'ListWrapper'),
    ('tensorflow.python.keras.utils.control_flow_util', 'smart_cond'),
    ('tensorflow.python.keras.utils.conv_utils', 'conv_output_length'),
    ('tensorflow.python.keras.utils.conv_utils', 'deconv_output_length'),
    ('tensorflow.python.keras.utils.conv_utils', 'normalize_tuple'),
    ('tensorflow.python.keras.utils.conv_utils', 'normalize_data_format'),
    ('tensorflow.python.keras.utils.conv_utils', 'convert_data_format'),
    ('tensorflow.python.keras.utils.conv_utils', 'normalize_padding'),
    ('tensorflow.python.keras.utils.generic_utils', 'to_snake_case'),
    ('tensorflow.python.keras.utils.generic_utils', 'to_list'),
    ('tensorflow.python.keras.utils.generic_utils', 'has_arg'),
    ('tensorflow.python.keras.utils.generic_utils', 'Progbar'),
    ('tensorflow.python.keras.utils.generic_utils', 'CustomObjectScope'),
    ('tensorflow.python.keras.utils.generic_utils', 'register_keras_serializable'),
    ('tensorflow.python.keras.utils.generic_utils', 'LazyLoader'),
    ('tensorflow.python.keras.utils.generic_utils', 'default'),
    ('tensorflow.python.keras.utils.generic_utils', 'slice_arrays'),
    ('tensorflow.python.keras.utils.generic_utils', 'serialize_keras_object'),
    ('tensorflow.python.keras.utils.generic_utils', 'deserialize_keras_object'),
    ('tensorflow.python.keras.utils.layer_utils', 'count_params'),
    ('tensorflow.python.keras.utils.data_utils', 'validate_file'),
    ('tensorflow.python.keras.utils.data_utils', 'get_file'),
    ('tensorflow.python.keras.utils.data_utils', 'Sequence'),
    ('tensorflow.python.keras.utils.np_utils', 'to_categorical'),
    ('tensorflow.python.keras.utils.io_utils', 'ask_to_proceed_with_overwrite'),
    ('tensorflow.python.keras.engine', 'data_adapter'),
    ('tensorflow.python.keras.engine', 'training'),
    ('tensorflow.python.keras.engine', 'input_spec'),
    ('tensorflow.python.keras.engine', 'base_layer'),
    ('tensorflow.python.keras.engine', 'sequential'),
    ('tensorflow.python.keras.engine', 'training_utils'),
    ('tensorflow.python.keras.engine', 'keras_tensor'),
    ('tensorflow.python.keras.engine', 'functional'),
    ('tensorflow.python.keras.engine.base_layer', 'Layer'),
    ('tensorflow.python.keras.engine.base_layer', 'InputSpec'),
    ('tensorflow.python.keras.engine.input_spec', 'InputSpec'),
    ('tensorflow.python.keras.engine.input_spec', 'assert_input_compatibility'),
    ('tensorflow.python.keras.engine.training', 'Model'),
    ('tensorflow.python.keras.engine.functional', 'Functional'),
    ('tensorflow.python.keras.engine.keras_tensor', 'KerasTensor'),
    ('tensorflow.python.keras.engine.sequential', 'Sequential'),
    ('tensorflow.python.keras.engine.data_adapter', 'unpack_x_y_sample_weight'),
    ('tensorflow.python.keras.engine.data_adapter', 'expand_1d'),
    ('tensorflow.python.keras.engine.data_adapter', 'pack_x_y_sample_weight'),
    ('tensorflow.python.keras.layers', 'Dense'),
    ('tensorflow.python.keras.layers', 'InputLayer'),
    ('tensorflow.python.keras.layers', 'Input'),
    ('tensorflow.python.keras.layers', 'Softmax'),
    ('tensorflow.python.keras.layers', 'Activation'),
    ('tensorflow.python.keras.layers', 'recurrent'),
    ('tensorflow.python.keras.layers.recurrent', 'DropoutRNNCellMixin'),
    ('tensorflow.python.keras.layers.recurrent', 'LSTM'),
    ('tensorflow.python.keras.layers.recurrent', 'RNN'),
    ('tensorflow.python.keras.layers.recurrent', 'AbstractRNNCell'),
    ('tensorflow.python.keras.layers.recurrent', '_standardize_args'),
    ('tensorflow.python.keras.layers.recurrent', '_generate_dropout_mask'),
    ('tensorflow.python.keras.layers.recurrent', '_generate_zero_filled_state_for_cell'),
    ('tensorflow.python.keras.layers.recurrent', '_config_for_enable_caching_device'),
    ('tensorflow.python.keras.layers.recurrent', '_caching_device'),
    ('tensorflow.python.keras.layers.core', 'Dropout'),
    ('tensorflow.python.keras.layers.core', 'Dense'),
    ('tensorflow.python.keras.layers.core', 'Activation'),
    ('tensorflow.python.keras.layers.core', 'Flatten'),
    ('tensorflow.python.keras.layers.core', 'TFOpLambda'),
    ('tensorflow.python.keras.layers.merge', 'Concatenate'),
    ('tensorflow.python.keras.layers.convolutional', 'Conv2D'),
    ('tensorflow.python.keras.layers.convolutional', 'AveragePooling3D'),
    ('tensorflow.python.keras.layers.embeddings', 'Embedding'),
    ('tensorflow.python.keras.layers.pooling', 'MaxPooling2D'),
    ('tensorflow.python.keras.backend', 'binary_crossentropy'),
    ('tensorflow.python.keras.optimizer_v2.optimizer_v2', 'OptimizerV2'),
    ('tensorflow.python.keras.optimizer_v2.adam', 'Adam'),
    ('tensorflow.python.keras.optimizer_v2.gradient_descent', 'SGD'),
    ('tensorflow.python.keras.optimizer_v2', 'adadelta'),
    ('tensorflow.python.keras.optimizer_v2', 'rmsprop'),
    ('tensorflow.python.keras.optimizer_v2', 'gradient_descent'),
    ('tensorflow.python.keras.saving', 'hdf5_format'),
    ('tensorflow.python.keras.saving.hdf5_format', 'load_weights_from_hdf5_group_by_name'),
    ('tensorflow.python.keras.saving.hdf5_format', 'save_weights_to_hdf5_group'),
    ('tensorflow.python.keras.saving.hdf5_format', 'load_weights_from_hdf5_group'),
    ('tensorflow.python.keras.callbacks', 'CallbackList'),
    ('tensorflow.python.keras.callbacks', 'EarlyStopping'),
    ('tensorflow.python.keras.callbacks', 'Callback'),
    ('tensorflow.python.keras.models', 'Sequential'),
    ('tensorflow.python.keras.models', 'Model'),
    ('tensorflow.python.keras.models', 'load_model'),
    ('tensorflow.python.keras.metrics', 'accuracy'),
    ('tensorflow.python.keras.regularizers', 'l2'),
    ('tensorflow.python.keras.losses', 'KLDivergence'),
    ('tensorflow.keras.layers.experimental', 'preprocessing'),
    ('tensorflow.keras.layers.experimental', 'RandomFourierFeatures'),
    ('tensorflow.keras.layers.experimental', 'SyncBatchNormalization'),
    ('tensorflow.keras.layers.experimental', 'EinsumDense'),
    ('tensorflow.keras.layers.experimental.preprocessing', 'Normalization'),
    ('tensorflow.keras.layers.experimental.preprocessing', 'Rescaling'),
    ('tensorflow.keras.layers.experimental.preprocessing', 'RandomFlip'),
    ('tensorflow.keras.layers.experimental.preprocessing', 'TextVectorization'),
    ('tensorflow.python.framework', 'ops'),
    ('tensorflow.python.framework', 'dtypes'),
    ('tensorflow.python.framework', 'tensor_shape'),
    ('tensorflow.python.framework', 'constant_op'),
    ('tensorflow.python.framework', 'sparse_tensor'),
    ('tensorflow.python.framework', 'tensor_util'),
    ('tensorflow.python.framework', 'smart_cond'),
    ('tensorflow.python.framework.ops', 'convert_to_tensor'),
    ('tensorflow.python.framework.ops', 'name_scope'),
    ('tensorflow.python.framework.ops', 'reset_default_graph'),
    ('tensorflow.python.framework.ops', 'device'),
    ('tensorflow.python.framework.ops', 'control_dependencies'),
    ('tensorflow.python.framework.tensor_shape', 'TensorShape'),
    ('tensorflow.python.framework.tensor_shape', 'Dimension'),
    ('tensorflow.python.framework.tensor_shape', 'dimension_value'),
    ('tensorflow.python.framework.smart_cond', 'smart_cond'),
    ('tensorflow.python.framework.dtypes', 'float32'),
    ('tensorflow.python.ops', 'array_ops'),
    ('tensorflow.python.ops', 'math_ops'),
    ('tensorflow.python.ops', 'nn'),
    ('tensorflow.python.ops', 'nn_ops'),
    ('tensorflow.python.ops', 'init_ops'),
    ('tensorflow.python.ops', 'variables'),
    ('tensorflow.python.ops', 'state_ops'),
    ('tensorflow.python.ops', 'control_flow_ops'),
    ('tensorflow.python.ops', 'summary_ops_v2'),
    ('tensorflow.python.ops', 'rnn_cell'),
    ('tensorflow.python.ops', 'check_ops'),
    ('tensorflow.python.ops', 'embedding_ops'),
    ('tensorflow.python.ops', 'random_ops'),
    ('tensorflow.python.ops', 'clip_ops'),
    ('tensorflow.python.ops', 'variable_scope'),
    ('tensorflow.python.ops', 'parsing_ops'),
    ('tensorflow.python.ops.math_ops', 'cast'),
    ('tensorflow.python.ops.math_ops', 'count_nonzero_v2'),
    ('tensorflow.python.ops.rnn_cell', 'RNNCell'),
    ('tensorflow.python.training', 'moving_averages'),
    ('tensorflow.python.training', 'checkpoint_utils'),
    ('tensorflow.python.util.tf_export', 'keras_export'),
    ('tensorflow.python.util.tf_export', 'tf_export'),
    ('tensorflow.python.util', 'nest'),
    ('tensorflow.python.util', 'deprecation'),
    ('tensorflow.python.util', 'tf_inspect'),
    ('tensorflow.python.platform', 'tf_logging'),
    ('tensorflow.python.client', 'device_lib'),
    ('tensorflow.python.eager', 'context'),
    ('tensorflow.python.eager', 'backprop'),
    ('tensorflow.python.eager', 'def_function'),
    ('tensorflow.python.eager.def_function', 'run_functions_eagerly'),
    ('tensorflow.python', 'keras'),
    ('tensorflow.python', 'ops'),
]

_PROBE = '''
import importlib, json, sys
import keras_compat
keras_compat.install_as_keras()
import tensorflow
result = {}
for module, name in json.loads(sys.stdin.read()):
    try:
        parent = importlib.import_module(module)
        try:
            getattr(parent, name)
        except AttributeError:
            importlib.import_module(module + '.' + name)
        result[module + ':' + name] = 'ok'
    except Exception as error:
        result[module + ':' + name] = '%s: %s' % (type(error).__name__, error)
print(json.dumps(result))
'''


@pytest.fixture(scope='module')
def imported():
    """Every pair imported once, in a process with the aliases installed."""
    result = subprocess.run([sys.executable, '-c', _PROBE],
                            input=json.dumps(PAIRS), capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize('module,name', PAIRS,
                         ids=['%s:%s' % pair for pair in PAIRS])
def test_import_resolves(imported, module, name):
    assert imported[module + ':' + name] == 'ok'


def test_standardize_args_splits_states_and_constants():
    from keras_compat.layers.recurrent import _standardize_args
    # Values from TensorFlow 2.21's tensorflow.python.keras.layers.recurrent.
    assert _standardize_args(['x', 's1', 's2', 'c'], None, None, 1) == \
        ('x', ['s1', 's2'], ['c'])
    assert _standardize_args('x', 's', None, None) == ('x', ['s'], None)


def test_deconv_output_length_and_convert_data_format():
    from keras_compat.utils import conv_utils
    # Values from TensorFlow 2.21's tensorflow.python.keras.utils.conv_utils.
    assert [conv_utils.deconv_output_length(5, 3, p, stride=2)
            for p in ('valid', 'same', 'full')] == [11, 10, 7]
    assert conv_utils.deconv_output_length(5, 3, 'same', output_padding=1,
                                           stride=2, dilation=2) == 10
    assert conv_utils.convert_data_format('channels_first', 4) == 'NCHW'
    assert conv_utils.convert_data_format('channels_last', 3) == 'NWC'
    with pytest.raises(ValueError):
        conv_utils.convert_data_format('channels_last', 6)


def test_convert_inner_node_data_wraps_node_entries():
    from keras_compat.utils import tf_utils
    wrapped = tf_utils.convert_inner_node_data(
        {'inbound_nodes': [[['dense', 0, 0, {}]]]}, wrap=True)
    entry = wrapped['inbound_nodes'][0][0]
    assert isinstance(entry, tf_utils.ListWrapper)
    assert entry.as_list() == ['dense', 0, 0, {}]
    assert tf_utils.convert_inner_node_data(wrapped) == \
        {'inbound_nodes': [[['dense', 0, 0, {}]]]}
    assert tf_utils.is_tensor_or_tensor_list([torch.ones(1)])
    assert not tf_utils.is_tensor_or_tensor_list([1.0])


def test_tensorflow_backend_conv_helpers():
    from keras_compat.backend import tensorflow_backend as tfb
    # Keras 2.3.1 on a machine without a GPU: channels_first input is
    # transposed to NHWC.
    x = torch.arange(24.).reshape(1, 2, 3, 4)
    y, fmt = tfb._preprocess_conv2d_input(x, 'channels_first')
    assert fmt == 'NHWC' and tuple(y.shape) == (1, 3, 4, 2)
    assert torch.equal(y, x.permute(0, 2, 3, 1))
    assert tfb._preprocess_conv2d_input(x, 'channels_last')[1] == 'NHWC'
    assert tfb._preprocess_padding('same') == 'SAME'
    assert tfb._preprocess_padding('valid') == 'VALID'
    with pytest.raises(ValueError, match='Invalid padding: causal'):
        tfb._preprocess_padding('causal')
    with pytest.raises(ValueError):
        tfb._is_current_explicit_device('TPU')


def _dropout_cell_class():
    from keras_compat.engine.base_layer import Layer
    from keras_compat.layers.recurrent import DropoutRNNCellMixin
    from keras_compat import backend as K

    class Cell(DropoutRNNCellMixin, Layer):
        """A custom cell written as tf.keras cells are."""

        def __init__(self, units, dropout=0., **kwargs):
            super(Cell, self).__init__(**kwargs)
            self.units = units
            self.state_size = units
            self.dropout = dropout
            self.recurrent_dropout = 0.
            self.masks = []

        def build(self, input_shape):
            self.kernel = self.add_weight(name='kernel', shape=(
                input_shape[-1], self.units), initializer='ones')

        def call(self, inputs, states, training=None):
            mask = self.get_dropout_mask_for_cell(inputs, training)
            if mask is not None:
                self.masks.append(mask)
                inputs = inputs * mask
            h = K.dot(inputs, self.kernel) + 0.5 * states[0]
            return h, [h]
    return Cell


def test_dropout_rnn_cell_mixin_in_rnn():
    from keras_compat.layers import RNN
    Cell = _dropout_cell_class()
    x = np.arange(12, dtype='float32').reshape(2, 3, 2) / 10.
    out = RNN(Cell(2))(torch.as_tensor(x))
    # Value from tf_keras 2.21 with the same cell.
    np.testing.assert_allclose(
        out.detach().cpu().numpy(),
        [[1.1749999523162842] * 2, [3.2749998569488525] * 2], rtol=1e-6)
    cell = Cell(2, dropout=0.5)
    # Outside training the mask is all ones (tf_keras 2.21).
    np.testing.assert_array_equal(
        cell.get_dropout_mask_for_cell(torch.ones(2, 2), False).cpu(),
        np.ones((2, 2)))
    assert Cell(2).get_dropout_mask_for_cell(torch.ones(2, 2), True) is None


def test_dropout_masks_shared_by_timesteps_and_redrawn_per_call():
    from keras_compat.layers import RNN
    Cell = _dropout_cell_class()
    cell = Cell(3, dropout=0.5)
    layer = RNN(cell)
    x = torch.ones(4, 5, 6)
    layer(x, training=True)
    first = cell.masks
    assert len(first) >= 1 and all(m is first[0] for m in first)
    assert set(torch.unique(first[0]).tolist()) <= {0.0, 2.0}
    cell.masks = []
    torch.manual_seed(1)
    layer(x, training=True)
    assert cell.masks[0] is not first[0]


def test_tensorflow_internal_ops():
    from keras_compat import tensorflow_compat as tf
    from keras_compat import backend as K
    python = tf.python
    # Values from TensorFlow 2.21.
    np.testing.assert_allclose(K.get_value(python.ops.clip_ops.clip_by_norm(
        tf.constant([3., 4.]), 1.0)), [0.6, 0.8], rtol=1e-6)
    v = K.variable(1.0)
    python.training.moving_averages.assign_moving_average(
        v, 3.0, 0.9, zero_debias=False)
    np.testing.assert_allclose(K.get_value(v), 1.2, rtol=1e-6)
    with pytest.raises(NotImplementedError, match='zero_debias=False'):
        python.training.moving_averages.assign_moving_average(v, 3.0, 0.9)
    assert python.framework.tensor_util.constant_value(
        tf.constant(2.0)) == 2.0
    assert python.ops.math_ops.count_nonzero_v2(
        tf.constant([0., 1., 2.])).item() == 2


def test_deprecated_decorator_warns_once_and_can_be_silenced(caplog):
    from keras_compat import tensorflow_compat as tf
    deprecation = tf.python.util.deprecation

    @deprecation.deprecated(None, 'Use g instead.')
    def f(x):
        return x + 1
    with caplog.at_level('WARNING'):
        assert f(1) == 2 and f(2) == 3
    assert sum('Use g instead.' in r.getMessage()
               for r in caplog.records) == 1


def test_optimizer_v2_modules_hold_the_optimizers():
    import keras_compat.optimizers as optimizers
    modules = sys.modules
    assert modules['keras_compat.optimizer_v2.adam'].Adam is optimizers.Adam
    assert modules['keras_compat.optimizer_v2.gradient_descent'].SGD is \
        optimizers.SGD


def test_assert_input_compatibility_function():
    from keras_compat.internals.input_spec import (
        InputSpec, assert_input_compatibility)
    assert_input_compatibility(InputSpec(ndim=2), torch.ones(2, 3), 'd')
    with pytest.raises(ValueError, match='expected ndim=2, found ndim=3'):
        assert_input_compatibility(InputSpec(ndim=2), torch.ones(1, 2, 3),
                                   'd')
