"""Engine attributes that Keras 2.0-2.3 programs read under their older
names: graph records of Keras 2.0/2.1, compile records of Keras 2.2/2.3,
`Sequential.model`, `_standardize_user_data` weights and `K.function`
given more values than inputs. Expected values come from real Keras
2.0.8, 2.1.6, 2.2.4 and 2.3.1 (TensorFlow 1 graph mode), as commented."""
import warnings

import numpy as np
import pytest

import keras_compat as keras
from keras_compat import backend as K
from keras_compat.layers import (Input, Dense, LSTM, Bidirectional,
                                 TimeDistributed, concatenate)
from keras_compat.models import Model, Sequential


def _names(layers):
    return [layer.name for layer in layers]


def _by_depth_names(by_depth):
    return {depth: _names(layers) for depth, layers in by_depth.items()}


def _shared_two_outputs():
    a = Input((3,), name='a')
    b = Input((3,), name='b')
    shared = Dense(4, name='shared')
    ha, hb = shared(a), shared(b)
    o1 = Dense(1, name='o1')(ha)
    o2 = Dense(2, name='o2')(concatenate([ha, hb], name='cat'))
    return Model([a, b], [o1, o2], name='func')


def test_keras20_graph_records_of_functional_model():
    # Keras 2.0.8 / 2.1.6 values.
    model = _shared_two_outputs()
    assert _names(model.input_layers) == ['a', 'b']
    assert _names(model.output_layers) == ['o1', 'o2']
    assert model.input_layers_node_indices == [0, 0]
    assert model.input_layers_tensor_indices == [0, 0]
    assert model.output_layers_node_indices == [0, 0]
    assert model.output_layers_tensor_indices == [0, 0]
    assert _by_depth_names(model.layers_by_depth) == {
        0: ['o1', 'o2'], 1: ['cat'], 2: ['shared'], 3: ['a', 'b']}
    expected = {'a_ib-0', 'b_ib-0', 'cat_ib-0', 'o1_ib-0', 'o2_ib-0',
                'shared_ib-0', 'shared_ib-1'}
    assert set(model.container_nodes) == expected        # Keras 2.0.8
    assert set(model._container_nodes) == expected       # Keras 2.1.6
    assert model.internal_input_shapes == [(None, 3), (None, 3)]
    assert model._internal_output_shapes == [(None, 1), (None, 2)]
    assert sorted(len(nodes) for nodes in model.nodes_by_depth.values()) \
        == [1, 2, 2, 2]


def test_keras20_graph_records_of_nested_and_sequential_models():
    # Keras 2.1.6 values (Sequential's through its `model` in 2.0/2.1).
    i = Input((3,), name='inner_in')
    inner = Model(i, Dense(2, name='inner_d')(i), name='inner')
    x = Input((3,), name='outer_in')
    nested = Model(x, Dense(1, name='top')(inner(x)), name='nested')
    assert set(nested._container_nodes) == {'inner_ib-1', 'outer_in_ib-0',
                                            'top_ib-0'}
    assert _by_depth_names(nested.layers_by_depth) == {
        0: ['top'], 1: ['inner'], 2: ['outer_in']}
    seq = Sequential([Dense(4, input_shape=(3,), name='d1'),
                      Dense(2, name='d2')])
    assert _by_depth_names(seq.layers_by_depth) == {
        0: ['d2'], 1: ['d1'], 2: ['d1_input']}
    assert set(seq.container_nodes) == {'d1_ib-0', 'd1_input_ib-0',
                                        'd2_ib-0'}
    assert seq.internal_input_shapes == [(None, 3)]


def test_pop_last_layer_recipe_assigns_old_names():
    # The Keras 2.0 recipe sets these attributes; what it sets reads back.
    model = Sequential([Dense(4, input_shape=(3,), name='d1'),
                        Dense(2, name='d2')])
    model.layers[-1].outbound_nodes = []
    model.container_nodes = sorted(l.name for l in model.layers)
    assert model.container_nodes == ['d1', 'd2']
    assert set(model._network_nodes) == {'d1_ib-0', 'd1_input_ib-0',
                                         'd2_ib-0'}


def test_subclass_may_name_its_own_output_layers():
    class TwoHeads(Model):
        def __init__(self):
            super(TwoHeads, self).__init__()
            self.output_layers = [Dense(2), Dense(3)]

        def call(self, x):
            return self.output_layers[0](x)

    model = TwoHeads()
    assert model.predict(np.ones((1, 4), 'float32')).shape == (1, 2)
    assert len(model.output_layers) == 2
    assert len(model.trainable_weights) == 2


def test_sequential_model_is_itself_with_warning():
    # Keras 2.2.4 / 2.3.1: `Sequential.model` returns the model and warns.
    seq = Sequential([Dense(2, input_shape=(3,))])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        assert seq.model is seq
    assert any('`Sequential.model` is deprecated' in str(w.message)
               for w in caught)


def test_keras23_compile_records():
    # Keras 2.3.1 values.
    model = _shared_two_outputs()
    assert not hasattr(model, 'loss_functions')
    model.compile('sgd', ['mse', 'mae'], metrics=['mae'])
    assert model._feed_output_names == ['o1', 'o2']
    assert model.sample_weight_modes == [None, None]
    assert model._feed_sample_weight_modes == [None, None]
    assert model._feed_output_shapes == [(None, 1), (None, 2)]
    assert [type(f).__name__ for f in model.loss_functions] == \
        ['LossFunctionWrapper', 'LossFunctionWrapper']
    assert model._feed_loss_fns == model.loss_functions
    assert len(model._feed_outputs) == 2
    y_true = np.array([[1.0, 2.0]], 'float32')
    y_pred = np.array([[0.0, 0.0]], 'float32')
    assert float(K.eval(model.loss_functions[1](y_true, y_pred))) == \
        pytest.approx(1.5)
    # Keras 2.2.4: string metrics are not stateful.
    assert model.stateful_metric_names == []
    assert model.stateful_metric_functions == []


def test_temporal_records_and_standardized_weights():
    # Keras 2.2.4 / 2.3.1: weights of ones, per timestep when temporal.
    model = Sequential([Bidirectional(LSTM(3, return_sequences=True),
                                      input_shape=(5, 2), name='bi'),
                        TimeDistributed(Dense(1), name='td')])
    model.compile('rmsprop', 'mse', sample_weight_mode='temporal')
    assert model._feed_output_names == ['td']
    assert model.sample_weight_modes == ['temporal']
    assert model._feed_output_shapes == [(None, 5, 1)]
    x = np.random.rand(4, 5, 2).astype('float32')
    y = np.random.rand(4, 5, 1).astype('float32')
    ins, targets, weights = model._standardize_user_data(x, y)
    assert tuple(ins[0].shape) == (4, 5, 2)
    assert tuple(targets[0].shape) == (4, 5, 1)
    np.testing.assert_array_equal(np.asarray(weights[0]), np.ones((4, 5)))
    seq = Sequential([Dense(2, input_shape=(3,))])
    seq.compile('sgd', 'mse')
    _, _, weights = seq._standardize_user_data(np.ones((4, 3)),
                                               np.ones((4, 2)))
    np.testing.assert_array_equal(np.asarray(weights[0]), np.ones(4))


def test_function_ignores_values_past_its_inputs():
    # Keras 2.0.8-2.3.1 pair values with inputs: [[2.]] in each.
    inp = Input((2,))
    out = Dense(1, kernel_initializer='ones')(inp)
    f = K.function([inp], [out])
    result = f([np.ones((1, 2)), np.ones((1, 2)) * 5])
    np.testing.assert_allclose(result[0], [[2.0]])
