"""tf.keras functional models with TensorFlow functions (TFOpLambda /
SlicingOpLambda layers) as tf_keras 2.x writes them: several outputs
(tf.split, tf.unstack), backward slices, constant matmul operands.
Expected values are the numpy formulas of the TensorFlow functions."""
import json
import warnings

import numpy as np
import pytest

from keras_compat.layers import tf_op_layer
from keras_compat.models import model_from_json

X = np.random.RandomState(0).rand(2, 4).astype('float32')


def _input(name, shape):
    return {'class_name': 'InputLayer', 'name': name, 'inbound_nodes': [],
            'config': {'batch_input_shape': [None] + list(shape),
                       'dtype': 'float32', 'name': name}}


def _op(name, function, nodes, class_name='TFOpLambda'):
    return {'class_name': class_name, 'name': name, 'inbound_nodes': nodes,
            'config': {'name': name, 'trainable': True, 'dtype': 'float32',
                       'function': function}}


def _model(layers, output):
    config = {'class_name': 'Functional', 'keras_version': '2.15.0',
              'backend': 'tensorflow', 'config': {
                  'name': 'model', 'layers': layers,
                  'input_layers': [[layers[0]['name'], 0, 0]],
                  'output_layers': [[output, 0, 0]]}}
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return model_from_json(json.dumps(config))


def test_split_outputs_feed_later_layers():
    model = _model([
        _input('input_1', (4,)),
        _op('tf.split', 'split',
            [['input_1', 0, 0, {'num_or_size_splits': 2, 'axis': 1}]]),
        _op('tf.math.add', 'math.add',
            [['tf.split', 0, 0, {'y': ['tf.split', 0, 1]}]]),
    ], 'tf.math.add')
    np.testing.assert_allclose(model.predict(X), X[:, :2] + X[:, 2:],
                               rtol=1e-6)


def test_split_into_listed_sizes_into_a_merge_layer():
    model = _model([
        _input('input_1', (4,)),
        _op('tf.split', 'split',
            [['input_1', 0, 0, {'num_or_size_splits': [1, -1],
                                'axis': 1}]]),
        {'class_name': 'Concatenate', 'name': 'concatenate',
         'config': {'name': 'concatenate', 'axis': -1},
         'inbound_nodes': [[['tf.split', 0, 1, {}],
                            ['tf.split', 0, 0, {}]]]},
    ], 'concatenate')
    np.testing.assert_allclose(model.predict(X),
                               np.concatenate([X[:, 1:], X[:, :1]], 1))


def test_unstack_outputs():
    x = X.reshape(2, 2, 2)
    x = np.concatenate([x, x[:, :1] * 3], axis=1)       # (2, 3, 2)
    model = _model([
        _input('input_1', (3, 2)),
        _op('tf.unstack', 'unstack', [['input_1', 0, 0, {'axis': 1}]]),
        _op('tf.math.multiply', 'math.multiply',
            [['tf.unstack', 0, 0, {'y': ['tf.unstack', 0, 1],
                                   'name': None}]]),
        _op('tf.math.subtract', 'math.subtract',
            [['tf.math.multiply', 0, 0, {'y': ['tf.unstack', 0, 2],
                                         'name': None}]]),
    ], 'tf.math.subtract')
    np.testing.assert_allclose(model.predict(x),
                               x[:, 0] * x[:, 1] - x[:, 2], rtol=1e-6)


def test_split_into_unequal_parts_is_refused():
    import torch
    with pytest.raises(ValueError, match='equal parts'):
        tf_op_layer._split(torch.zeros(2, 5), 2, axis=1)


def test_backward_slice_reverses_channels():
    x = np.random.RandomState(1).rand(2, 4, 4, 3).astype('float32')
    spec = [{'class_name': '__ellipsis__'},
            {'start': None, 'stop': None, 'step': -1}]
    model = _model([
        _input('input_1', (4, 4, 3)),
        _op('tf.__operators__.getitem', '__operators__.getitem',
            [['input_1', 0, 0, {'slice_spec': spec}]], 'SlicingOpLambda'),
    ], 'tf.__operators__.getitem')
    assert model.output_shape == (None, 4, 4, 3)
    np.testing.assert_array_equal(model.predict(x), x[..., ::-1])


@pytest.mark.parametrize('index', [
    (slice(None), slice(None, None, -2)),
    (slice(None), slice(3, 0, -1)),
    (Ellipsis, slice(-1, None, -3), 0),
    (0, None, slice(None, None, -1)),
    (slice(None), slice(0, 3, -1)),
])
def test_backward_slices_match_numpy(index):
    import torch
    x = np.arange(2 * 5 * 3, dtype='float32').reshape(2, 5, 3)
    spec = [{'class_name': '__ellipsis__'} if i is Ellipsis else
            {'start': i.start, 'stop': i.stop, 'step': i.step}
            if isinstance(i, slice) else i for i in index]
    out = tf_op_layer._getitem(torch.as_tensor(x), spec)
    np.testing.assert_array_equal(out.numpy(), x[index])


def test_matmul_with_a_constant_operand():
    b = [[1.0, 2.0], [0.5, 1.0], [1.0, -1.0], [2.0, 0.0]]
    model = _model([
        _input('input_1', (4,)),
        _op('tf.linalg.matmul', 'linalg.matmul',
            [['input_1', 0, 0, {'b': b}]]),
    ], 'tf.linalg.matmul')
    np.testing.assert_allclose(model.predict(X), X.dot(np.array(b)),
                               rtol=1e-6)
