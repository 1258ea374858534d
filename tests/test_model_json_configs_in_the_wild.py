"""Model architecture files (`model.to_json()` output) as people committed
them, written by every Keras era, load with `model_from_json` and compute
what the reference computes.

The configs under `tests/data/json_in_the_wild/` are written here in each
era's own layout (same keys, nesting and node formats as the originals,
with smaller sizes): Keras 1.1/1.2 (Sequential with `init`/`output_dim`/
`input_dtype` keys, functional with `Convolution1D`), Keras 2.0-2.2
(Sequential as a list of layers and as `{'name', 'layers'}`, functional
with `{}` node kwargs, `VarianceScaling` initializers, `dtype` on an
Embedding meaning the input dtype), Keras 2.3.1 `to_json()` output
(nested Sequential, two-output functional, Lambda with marshalled code),
tf.keras 2.4 (InputLayer with `ragged`, `groups`), tf_keras 2.21
`to_json()` output (module/registered_name wrappers, shared layers,
Bidirectional, custom layer) and Keras 3 (`__keras_tensor__` nodes).

Expected numbers come from the reference named in each row: real Keras
2.3.1 ('keras231'), or tf_keras 2.21 ('tf_keras') where Keras 2.3.1 does
not load the file; for the two Keras 1-era configs with an int32
Embedding (which both references refuse: they give the embedding matrix
the int32 dtype) parameter counts follow the Keras 1 formulas. Weights
and inputs are the deterministic formulas below, written the same way in
the reference runs."""
import os
import sys
import warnings

import numpy as np
import pytest

from keras_compat import backend as K

DATA = os.path.join(os.path.dirname(__file__), 'data', 'json_in_the_wild')

# name: (reference, count_params, output shapes, sum of each prediction,
#        first values of each prediction)
EXPECTED = {
    'k1_functional_conv1d': ('keras231', 1230, [(None, 31, 6)], [152.441116], [[0.0, 0.0, 0.0, 0.0]]),
    'k2_231_functional_two_heads': ('keras231', 396, [(None, 3), (None, 1)], [2.0, 14.430162], [[0.417876, 0.396139, 0.185984, 0.422257], [7.454688, 6.975474]]),
    'k2_231_nested_sequential': ('keras231', 50, [(None, 2)], [2.0], [[0.467396, 0.532604, 0.470879, 0.529121]]),
    'k2_231_sequential_shapes': ('keras231', 80, [(None, 12)], [59.899307], [[2.108682, 2.108682, 2.108682, 2.631304]]),
    'k2_05_lstm_dense_activations': ('tf_keras', 811, [(None, 1)], [2.309185], [[1.155569, 1.153615]]),
    'k2_02_functional_vgg_style': ('keras231', 4194, [(None, 6)], [2.0], [[0.0, 0.0, 0.0, 0.0]]),
    'k2_224_lstm': ('tf_keras', 583, [(None, 1)], [2.107005], [[1.066646, 1.04036]]),
    'k2_08_facial_expression_cnn': ('keras231', 1602, [(None, 6)], [2.0], [[1.0, 0.0, 0.0, 0.0]]),
    'k2_224_cnn': ('keras231', 6192, [(None, 6)], [2.0], [[0.011588, 0.577916, 0.030923, 0.018299]]),
    'k2_224_conv1d': ('keras231', 1207, [(None, 1)], [1.684592], [[0.842281, 0.842312]]),
    'tf221_embedding_gru_causal': ('tf_keras', 426, [(None, 1)], [4.61222], [[2.310552, 2.301668]]),
    'tf221_functional_shared_nested': ('tf_keras', 425, [(None, 2)], [2.0], [[0.632055, 0.367945, 0.63025, 0.369751]]),
    'tf24_emotion_cnn': ('tf_keras', 1450, [(None, 4)], [2.0], [[1.0, 0.0, 0.0, 0.0]]),
}


# Files holding a Lambda layer's marshalled bytecode, written by Python
# 3.11 (bytecode loads only into the Python version that wrote it).
BYTECODE_FILES = ('k2_231_functional_two_heads',
                  'tf221_functional_shared_nested')


def _needs_bytecode_python(name):
    if name in BYTECODE_FILES and sys.version_info[:2] != (3, 11):
        pytest.skip('Lambda bytecode written by Python 3.11')


def _keras(name):
    """`keras` for Keras 1/2-era files, `tf.keras` for tf.keras ones."""
    import keras_compat
    if name.startswith('tf'):
        K.common.set_api_flavour('tf.keras')
    return keras_compat


def _load(name, **kwargs):
    keras = _keras(name)
    with open(os.path.join(DATA, name + '.json')) as f:
        text = f.read()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return keras.models.model_from_json(text, **kwargs)


def _fill(shape, i):
    n = int(np.prod(shape))
    return (0.3 * np.sin(0.7 * np.arange(n) + i)).reshape(shape).astype(
        'float32')


def _set_weights(model):
    model.set_weights([
        np.abs(_fill(w.shape, i)) + 0.5 * ('variance' in v.name)
        for i, (w, v) in enumerate(zip(model.get_weights(), model.weights))])


def _inputs(model):
    xs = []
    for j, t in enumerate(model.inputs):
        shape = [2] + [5 if d is None else int(d) for d in t.shape[1:]]
        n = int(np.prod(shape))
        if 'int' in str(t.dtype):
            xs.append((np.arange(n) % 10).reshape(shape).astype('int32'))
        else:
            xs.append(np.cos(0.3 * np.arange(n) + j).reshape(shape).astype(
                'float32'))
    return xs


def _shape(t):
    return tuple(None if d is None else int(d) for d in t.shape)


@pytest.mark.parametrize('name', sorted(EXPECTED))
def test_loads_and_predicts_as_reference(name):
    _needs_bytecode_python(name)
    _, params, shapes, sums, first = EXPECTED[name]
    model = _load(name)
    assert model.count_params() == params
    assert [_shape(o) for o in model.outputs] == shapes
    _set_weights(model)
    xs = _inputs(model)
    ys = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    ys = ys if isinstance(ys, list) else [ys]
    for y, total, head in zip(ys, sums, first):
        np.testing.assert_allclose(np.sum(y), total, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(np.ravel(y)[:len(head)], head,
                                   rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize('name', sorted(EXPECTED))
def test_config_round_trip(name):
    _needs_bytecode_python(name)
    model = _load(name)
    keras = _keras(name)
    again = type(model).from_config(model.get_config())
    assert again.count_params() == model.count_params()
    assert [l.name for l in again.layers] == [l.name for l in model.layers]
    reloaded = keras.models.model_from_json(model.to_json())
    assert reloaded.count_params() == model.count_params()


@pytest.mark.parametrize('name, params, shape', [
    # Keras 1: Embedding 50*6 + 2 GRU 3*(6*6+6*6+6) + TimeDistributed 6*6+6.
    ('k1_embedding_gru_timedistributed', 300 + 2 * 234 + 42, (None, 64, 6)),
    # Keras 2.0.4: Embedding 50*6 + 3 LSTM 4*(6*6+6*6+6) + Dense 6*6+6.
    ('k2_04_int32_embedding_lstm', 300 + 3 * 312 + 42, (None, 6)),
])
def test_int32_embedding_of_early_eras_keeps_float_weights(name, params,
                                                           shape):
    model = _load(name)
    assert model.count_params() == params
    assert _shape(model.outputs[0]) == shape
    emb = model.layers[0]
    assert emb.get_weights()[0].dtype == np.float32
    y = model.predict(_inputs(model)[0], verbose=0)
    assert np.all(np.isfinite(y))


def test_unknown_custom_layer_names_it_and_loads_with_custom_objects():
    # tf_keras 2.21: "Unknown layer: 'Scale'. Please ensure you are using
    # a `keras.utils.custom_object_scope` ..."
    with pytest.raises(ValueError, match="Unknown layer: 'Scale'. Please "
                       "ensure you are using a `keras.utils.custom_object_"
                       "scope`"):
        _load('tf221_custom_layer_unknown')
    keras = _keras('tf221_custom_layer_unknown')

    class Scale(keras.layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super(Scale, self).__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return dict(super(Scale, self).get_config(), factor=self.factor)

    model = _load('tf221_custom_layer_unknown',
                  custom_objects={'Scale': Scale})
    assert model.layers[-1].factor == 3.0
    model.set_weights([np.ones((4, 3), 'float32'), np.zeros(3, 'float32')])
    np.testing.assert_allclose(model.predict(np.ones((1, 4), 'float32'),
                                             verbose=0), [[12.0] * 3])


def test_keras3_file_is_refused_with_the_layer_named():
    with pytest.raises(NotImplementedError, match="layer 'embedding'"):
        _load('tfk3_functional_keras3')
