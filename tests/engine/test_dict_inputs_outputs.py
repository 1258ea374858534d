"""Functional models made with dicts of inputs and outputs (tf.keras):
the dicts are flattened in sorted-key order, data and losses may be keyed
as the dicts are, and predictions come back as a dict. Names and keys
expected here are those tf_keras 2.21 gives."""
import numpy as np
import pytest

import keras_compat as keras
from keras_compat import layers


def _model():
    b = keras.Input((2,), name='in_b')
    a = keras.Input((3,), name='in_a')
    joined = layers.concatenate([a, b])
    out1 = layers.Dense(1, name='d1', kernel_initializer='ones')(joined)
    out2 = layers.Dense(2, name='d2', kernel_initializer='ones')(joined)
    return keras.Model({'zb': b, 'ya': a}, {'out2': out2, 'out1': out1})


XA = np.arange(12, dtype='float32').reshape(4, 3) / 10.
XB = np.ones((4, 2), 'float32')
ROW_SUMS = XA.sum(axis=1) + XB.sum(axis=1)


def test_dicts_are_flattened_in_key_order():
    model = _model()
    assert model.input_names == ['in_a', 'in_b']
    assert model.output_names == ['d1', 'd2']
    assert sorted(model.input) == ['ya', 'zb']
    assert sorted(model.output) == ['out1', 'out2']


def test_predict_and_call_give_dicts():
    model = _model()
    for data in ({'ya': XA, 'zb': XB}, {'in_a': XA, 'in_b': XB}):
        predicted = model.predict(data, verbose=0)
        assert sorted(predicted) == ['out1', 'out2']
        np.testing.assert_allclose(predicted['out1'][:, 0], ROW_SUMS,
                                   rtol=1e-6)
        assert predicted['out2'].shape == (4, 2)
    called = model({'ya': XA, 'zb': XB})
    np.testing.assert_allclose(keras.backend.get_value(called['out1'])[:, 0],
                               ROW_SUMS, rtol=1e-6)
    on_batch = model.predict_on_batch({'ya': XA, 'zb': XB})
    assert sorted(on_batch) == ['out1', 'out2']


def test_losses_targets_and_metrics_keyed_by_output_key():
    model = _model()
    model.compile('sgd', {'out1': 'mse', 'out2': 'mae'},
                  metrics={'out1': 'mae'})
    targets = {'out1': np.zeros((4, 1)), 'out2': np.zeros((4, 2))}
    logs = model.evaluate({'ya': XA, 'zb': XB}, targets, verbose=0,
                          return_dict=True)
    assert list(logs) == ['loss', 'd1_loss', 'd2_loss', 'd1_mae']
    assert logs['d1_loss'] == pytest.approx((ROW_SUMS ** 2).mean(), 1e-6)
    assert logs['d1_mae'] == pytest.approx(ROW_SUMS.mean(), 1e-6)
    history = model.fit({'ya': XA, 'zb': XB}, targets, epochs=1, verbose=0)
    assert sorted(history.history) == ['d1_loss', 'd1_mae', 'd2_loss',
                                       'loss']


def test_config_and_file_keep_the_dicts(tmp_path):
    model = _model()
    config = model.get_config()
    assert config['input_layers'] == {'ya': ['in_a', 0, 0],
                                      'zb': ['in_b', 0, 0]}
    assert config['output_layers'] == {'out1': ['d1', 0, 0],
                                       'out2': ['d2', 0, 0]}
    rebuilt = keras.Model.from_config(config)
    assert sorted(rebuilt.output) == ['out1', 'out2']
    path = str(tmp_path / 'model.h5')
    model.save(path)
    loaded = keras.models.load_model(path)
    predicted = loaded.predict({'ya': XA, 'zb': XB}, verbose=0)
    np.testing.assert_allclose(predicted['out1'][:, 0], ROW_SUMS, rtol=1e-6)


def test_a_dict_of_named_inputs_with_one_output():
    # The structured-data recipe: one Input per column, keyed by name.
    inputs = {name: keras.Input((1,), name=name)
              for name in ('fare', 'age')}
    out = layers.Dense(1, kernel_initializer='ones')(
        layers.concatenate([inputs['age'], inputs['fare']]))
    model = keras.Model(inputs, out)
    model.compile('sgd', 'mse')
    data = {'age': np.array([20., 30.], 'float32'),
            'fare': np.array([1., 2.], 'float32')}
    predicted = model.predict(data, verbose=0)
    assert predicted.shape == (2, 1)
    np.testing.assert_allclose(predicted[:, 0], [21., 32.])
    assert model.evaluate(data, np.zeros(2), verbose=0) == \
        pytest.approx((21. ** 2 + 32. ** 2) / 2)


def test_a_dict_model_inside_another_model():
    inner = _model()
    a, b = keras.Input((3,)), keras.Input((2,))
    outputs = inner({'ya': a, 'zb': b})
    outer = keras.Model([a, b], outputs['out1'])
    np.testing.assert_allclose(outer.predict([XA, XB], verbose=0)[:, 0],
                               ROW_SUMS, rtol=1e-6)
