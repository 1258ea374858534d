"""TensorFlow functions, operators and backend functions applied to
functional-API tensors in a tf.keras program: each call is one layer named
as tf.keras names its TFOpLambda layers, written to a config as tf.keras
writes it, so that such models save, load, and load in tf_keras. Names,
nodes, the file and its outputs come from tf_keras 2.21 running the same
model (tests/data/tf_keras_tf_ops.h5.gz)."""
import gzip
import json
import os
import shutil
import warnings

import numpy as np
import pytest

import keras_compat as keras
from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common

K = keras.backend
DATA = os.path.join(os.path.dirname(__file__), '..', 'data')


@pytest.fixture(autouse=True)
def tf_keras_program():
    common.set_api_flavour('tf.keras')
    K.clear_session()
    yield
    common.set_api_flavour('keras')


def _model():
    """The model of tests/data/tf_keras_tf_ops.h5.gz, built as tf_keras
    built it."""
    inp = keras.Input((4, 3))
    a = K.mean(inp, axis=1)
    d = keras.layers.Dense(3, kernel_initializer='ones', name='dd')(a)
    b = tf.reduce_sum(d, axis=-1, keepdims=True)
    c = tf.image.resize(tf.expand_dims(inp, -1), (8, 6))
    e = tf.sigmoid(a) + tf.nn.tanh(d) * tf.nn.l2_normalize(a, axis=-1)
    h = tf.cast(inp > 0.5, tf.float32)
    s = tf.shape(inp)[0]
    z = tf.zeros((s, 3))
    k = tf.concat([a, z], axis=1)
    m = abs(a) ** 2 + a // 2 - 1.5 / (a + 3.0)
    n = tf.transpose(inp, [0, 2, 1])[:, ::-1, 1:]
    o = tf.nn.softmax(tf.matmul(inp, n), axis=-1)
    return keras.Model(inp, [b, c, e, h, k, m, n, o])


# tf_keras 2.21: model.layers of _model().
TF_KERAS_LAYER_NAMES = [
    'input_1', 'tf.math.reduce_mean', 'dd', 'tf.compat.v1.shape',
    'tf.math.abs', 'tf.compat.v1.transpose', 'tf.math.tanh',
    'tf.math.l2_normalize', 'tf.__operators__.getitem', 'tf.math.pow',
    'tf.compat.v1.floor_div', 'tf.__operators__.add_2',
    'tf.__operators__.getitem_1', 'tf.expand_dims', 'tf.math.sigmoid',
    'tf.math.multiply', 'tf.math.greater', 'tf.zeros',
    'tf.__operators__.add_1', 'tf.math.truediv', 'tf.linalg.matmul',
    'tf.math.reduce_sum', 'tf.image.resize', 'tf.__operators__.add',
    'tf.cast', 'tf.concat', 'tf.math.subtract', 'tf.nn.softmax']

# tf_keras 2.21: inbound nodes of _model()'s config (the `name: None`
# arguments the operators add left out).
TF_KERAS_NODES = {
    'tf.math.reduce_mean': [
        'input_1', 0, 0, {'axis': 1, 'keepdims': False}],
    'tf.math.l2_normalize': ['tf.math.reduce_mean', 0, 0, {'axis': -1}],
    'tf.__operators__.getitem': [
        'tf.compat.v1.shape', 0, 0, {'slice_spec': 0}],
    'tf.math.pow': ['tf.math.abs', 0, 0, {'y': 2}],
    'tf.__operators__.add_2': ['tf.math.reduce_mean', 0, 0, {'y': 3.0}],
    'tf.__operators__.getitem_1': [
        'tf.compat.v1.transpose', 0, 0, {'slice_spec': [
            {'start': None, 'stop': None, 'step': None},
            {'start': None, 'stop': None, 'step': -1},
            {'start': 1, 'stop': None, 'step': None}]}],
    'tf.math.multiply': [
        'tf.math.tanh', 0, 0, {'y': ['tf.math.l2_normalize', 0, 0]}],
    'tf.zeros': [['tf.__operators__.getitem', 0, 0, {}],
                 ['_CONSTANT_VALUE', -1, 3, {}]],
    'tf.math.truediv': [
        '_CONSTANT_VALUE', -1, 1.5, {'y': ['tf.__operators__.add_2', 0, 0]}],
    'tf.linalg.matmul': [
        'input_1', 0, 0, {'b': ['tf.__operators__.getitem_1', 0, 0]}],
    'tf.image.resize': ['tf.expand_dims', 0, 0, {'size': [8, 6]}],
    'tf.cast': ['tf.math.greater', 0, 0, {'dtype': 'float32'}],
    'tf.concat': [['tf.math.reduce_mean', 0, 0, {'axis': 1}],
                  ['tf.zeros', 0, 0, {'axis': 1}]],
    'tf.nn.softmax': ['tf.linalg.matmul', 0, 0, {'axis': -1}],
}


def _without_names(node):
    if isinstance(node, dict):
        return {k: _without_names(v) for k, v in node.items()
                if not (k == 'name' and v is None)}
    if isinstance(node, list):
        return [_without_names(v) for v in node]
    return node


def _expected():
    data = np.load(os.path.join(DATA, 'tf_keras_tf_ops_expected.npz'))
    return data['x'], [data['arr_%d' % i] for i in range(8)]


def _assert_outputs(model):
    x, expected = _expected()
    outputs = model.predict(x, verbose=0)
    assert len(outputs) == len(expected)
    for got, want in zip(outputs, expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_layers_are_named_as_tf_keras_names_them():
    assert [layer.name for layer in _model().layers] == \
        TF_KERAS_LAYER_NAMES


def test_config_writes_tf_keras_classes_functions_and_nodes():
    config = json.loads(_model().to_json())['config']
    layers = {layer['name']: layer for layer in config['layers']}
    assert layers['tf.__operators__.getitem_1']['class_name'] == \
        'SlicingOpLambda'
    assert layers['tf.compat.v1.floor_div']['class_name'] == 'TFOpLambda'
    assert layers['tf.compat.v1.floor_div']['config'] == {
        'name': 'tf.compat.v1.floor_div', 'trainable': True,
        'dtype': 'float32', 'function': 'compat.v1.floor_div'}
    for name, node in TF_KERAS_NODES.items():
        assert _without_names(layers[name]['inbound_nodes']) == [node], name


def test_model_computes_tf_keras_outputs():
    _assert_outputs(_model())


def test_model_saved_to_hdf5_loads_with_the_same_outputs(tmp_path):
    path = str(tmp_path / 'ops.h5')
    _model().save(path)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        loaded = keras.models.load_model(path)
    assert [layer.name for layer in loaded.layers] == TF_KERAS_LAYER_NAMES
    _assert_outputs(loaded)


def test_model_from_its_json_config_computes_the_same():
    model = _model()
    rebuilt = keras.models.model_from_json(model.to_json())
    rebuilt.set_weights(model.get_weights())
    _assert_outputs(rebuilt)


def test_tf_keras_file_with_these_functions_loads(tmp_path):
    path = str(tmp_path / 'tf_ops.h5')
    with gzip.open(os.path.join(DATA, 'tf_keras_tf_ops.h5.gz'), 'rb') as src, \
            open(path, 'wb') as dst:
        shutil.copyfileobj(src, dst)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        model = keras.models.load_model(path)
    _assert_outputs(model)


def test_named_tuple_results_keep_their_fields():
    inp = keras.Input((5,))
    top = tf.math.top_k(inp, k=2)
    model = keras.Model(inp, [top.values, top.indices])
    values, indices = model.predict(
        np.array([[3., 1., 4., 1., 5.]], 'float32'), verbose=0)
    np.testing.assert_array_equal(values, [[5., 4.]])
    np.testing.assert_array_equal(indices, [[4, 2]])


def test_size_computed_from_the_batch_size_is_unknown():
    inp = keras.Input((4,))
    zeros = tf.zeros((tf.shape(inp)[0], 3))
    assert tuple(zeros.shape) == (None, 3)
    assert tuple(tf.concat([inp, zeros], axis=1).shape) == (None, 7)


def test_variable_positional_tensors_cannot_be_named_in_a_config():
    inp = keras.Input((2, 3))
    model = keras.Model(inp, tf.einsum('bij,bkj->bik', inp, inp))
    with pytest.raises(NotImplementedError, match='Lambda'):
        model.to_json()


def test_keras2_program_keeps_its_layer_names():
    common.set_api_flavour('keras')
    inp = keras.layers.Input((3,))
    out = K.mean(inp * 2, axis=1)
    names = [layer.name for layer in keras.models.Model(inp, out).layers]
    assert names[1].startswith('op_multiply_') and \
        names[2].startswith('op_mean_')
