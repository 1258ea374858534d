"""Keras 1's `Merge` layer and `merge` function as Keras 2.0-2.1 kept them:
the functional `merge(..., mode=...)`, `Merge([...])` called on tensors,
and Sequential models whose first layer merges Sequential branches (a
list of inputs in fit/predict, the config as a list, the HDF5 layout
of the branches' layers). Expected numbers and texts are real Keras
2.1.6's output (TensorFlow backend) for the same programs."""
import json
import os
import warnings

import h5py
import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat import layers, models, optimizers
from keras_compat.legacy.layers import Merge, merge

DATA = os.path.join(os.path.dirname(__file__), 'data', 'legacy_merge')

DEPRECATION = ('The `%s is deprecated and will be removed after 08/2017. '
               'Use instead layers from `keras.layers.merge`, e.g. `add`, '
               '`concatenate`, etc.')

XA = np.array([[1., 2, 3], [0.5, -1, 2]], 'f')
XB = np.array([[2., -1, 0.5], [1, 1, 1]], 'f')


def _quiet(make):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return make()


def _two_inputs():
    return layers.Input(shape=(3,)), layers.Input(shape=(3,))


# Keras 2.1.6: merge([a, b], mode=...) of XA, XB.
MODES = [('sum', (None, 3), [[3.0, 1.0, 3.5], [1.5, 0.0, 3.0]]),
         ('mul', (None, 3), [[2.0, -2.0, 1.5], [0.5, -1.0, 2.0]]),
         ('concat', (None, 6), [[1.0, 2.0, 3.0, 2.0, -1.0, 0.5],
                                [0.5, -1.0, 2.0, 1.0, 1.0, 1.0]]),
         ('ave', (None, 3), [[1.5, 0.5, 1.75], [0.75, 0.0, 1.5]]),
         ('max', (None, 3), [[2.0, 2.0, 3.0], [1.0, 1.0, 2.0]]),
         ('dot', (None, 1), [[1.5], [1.5]]),
         ('cos', (None, 1), [[0.1749635487794876], [0.37796446681022644]])]


@pytest.mark.parametrize('mode,shape,expected', MODES)
def test_merge_function_modes(mode, shape, expected):
    a, b = _two_inputs()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        merged = merge([a, b], mode=mode, name='m_' + mode)
    assert [str(w.message) for w in caught] == [
        DEPRECATION % 'merge` function', DEPRECATION % 'Merge` layer']
    assert caught[0].filename == __file__
    assert merged._keras_shape == shape
    assert merged._keras_history[0].name == 'm_' + mode
    out = models.Model([a, b], merged).predict([XA, XB])
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-6)


def test_merge_axes_of_higher_rank_inputs():
    c, d, e = (layers.Input(shape=(2, 3)), layers.Input(shape=(4, 3)),
               layers.Input(shape=(2, 3)))
    xc = np.arange(12, dtype='f').reshape(2, 2, 3) / 10
    xd = np.arange(24, dtype='f').reshape(2, 4, 3) / 7
    dotted = _quiet(lambda: merge([c, d], mode='dot', dot_axes=(2, 2)))
    assert dotted._keras_shape == (None, 2, 4)
    out = models.Model([c, d], dotted).predict([xc, xd])
    # Keras 2.1.6 (rounded to 5 decimals).
    np.testing.assert_allclose(out[1], [[3.92857, 4.82857, 5.72857,
                                         6.62857],
                                        [5.6, 6.88571, 8.17143, 9.45714]],
                               atol=1e-5)
    joined = _quiet(lambda: merge([c, d], mode='concat', concat_axis=1))
    assert joined._keras_shape == (None, 6, 3)
    cosine = _quiet(lambda: merge([c, e], mode='cos', dot_axes=2))
    assert cosine._keras_shape == (None, 2, 2)
    out = models.Model([c, e], cosine).predict([xc, xc[::-1]])
    # Keras 2.1.6 (whose tensor has an extra axis 1 there).
    np.testing.assert_allclose(out[0], [[0.842655, 0.587378],
                                        [1.57858, 0.992822]], atol=1e-6)


def test_merge_function_mode_with_output_shape():
    a, b = _two_inputs()
    merged = _quiet(lambda: merge([a, b], mode=lambda t: t[0] * 2 - t[1],
                                  output_shape=(3,)))
    assert merged._keras_shape == (None, 3)
    np.testing.assert_allclose(models.Model([a, b], merged).predict(
        [XA, XB]), [[0.0, 5.0, 5.5], [0.0, -3.0, 3.0]])
    merged = _quiet(lambda: merge(
        [a, b], mode=lambda t: K.concatenate([t[0], t[1][:, :1]]),
        output_shape=lambda s: (s[0][0], 4)))
    assert merged._keras_shape == (None, 4)
    np.testing.assert_allclose(models.Model([a, b], merged).predict(
        [XA, XB]), [[1.0, 2.0, 3.0, 2.0], [0.5, -1.0, 2.0, 1.0]])
    with pytest.raises(ValueError, match='callable `mode` argument'):
        _quiet(lambda: merge([a, b], mode=lambda t: t[0]))


def test_merge_layer_called_on_tensors():
    K.clear_session()
    a, b = _two_inputs()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        layer = Merge(mode='concat')
    assert [str(w.message) for w in caught] == [
        DEPRECATION % 'Merge` layer']
    assert caught[0].filename == __file__
    out = layer([a, b])
    assert out._keras_shape == (None, 6)
    np.testing.assert_allclose(models.Model([a, b], out).predict([XA, XB]),
                               MODES[2][2])
    # Keras 2.1.6's config.
    assert layer.get_config() == {
        'name': 'merge_1', 'mode': 'concat', 'mode_type': 'raw',
        'concat_axis': -1, 'dot_axes': -1, 'output_shape': None,
        'output_shape_type': 'raw', 'output_mask': None,
        'output_mask_type': 'raw', 'arguments': {}}
    assert layer.weights == []


def test_merge_errors_as_keras_2_1_6():
    a, b = _two_inputs()
    c = layers.Input(shape=(2, 3))
    with pytest.raises(ValueError, match='^Invalid merge mode: foo$'):
        _quiet(lambda: merge([a, b], mode='foo'))
    with pytest.raises(ValueError, match='^dot merge takes exactly 2 '):
        _quiet(lambda: merge([a, b, a], mode='dot'))
    with pytest.raises(ValueError, match=r'same output shape can be merged '
                       r'using sum mode. Layer shapes: \[\(None, 3\), '
                       r'\(None, 2, 3\)\]'):
        _quiet(lambda: merge([a, c], mode='sum'))
    with pytest.raises(TypeError, match='at least 2 elements'):
        _quiet(lambda: merge([a], mode='sum'))


def test_node_indices_of_missing_nodes_are_refused():
    branch = layers.Dense(2, input_shape=(3,))
    branch(layers.Input(shape=(3,)))
    other = models.Sequential([layers.Dense(2, input_shape=(3,))])
    with pytest.raises(NotImplementedError, match='node_indices.*'
                       'keras.layers.concatenate'):
        _quiet(lambda: Merge([branch, other], node_indices=[3, 0]))


def test_layers_merge_is_the_module_and_the_function():
    from keras_compat.layers import merge as merge_module
    assert merge_module.concatenate is layers.concatenate
    a, b = _two_inputs()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        out = merge_module([a, b], mode='sum')
    assert str(caught[0].message) == DEPRECATION % 'merge` function'
    assert caught[0].filename == __file__
    np.testing.assert_allclose(models.Model([a, b], out).predict([XA, XB]),
                               MODES[0][2])


def _merged_sequential(mode_options, seed=2):
    """Two tanh Dense branches merged, then a frozen softmax Dense, with
    the weights Keras 2.1.6 was given."""
    rng = np.random.RandomState(seed)
    left = models.Sequential()
    left.add(layers.Dense(3, input_dim=4, activation='tanh'))
    right = models.Sequential()
    right.add(layers.Dense(3, input_dim=2, activation='tanh'))
    model = models.Sequential()
    model.add(_quiet(lambda: Merge([left, right], **mode_options)))
    model.add(layers.Dense(2, activation='softmax', trainable=False))
    for layer in [left.layers[0], right.layers[0], model.layers[1]]:
        layer.set_weights([rng.uniform(-1, 1, w.shape).astype('f')
                           for w in layer.get_weights()])
    x1, x2 = rng.rand(5, 4).astype('f'), rng.rand(5, 2).astype('f')
    return model, left, right, x1, x2


# Keras 2.1.6: predictions, the first train_on_batch loss, then the left
# kernel and right bias after one epoch of fit (batch_size=2).
TRAINING = [
    (dict(mode='concat'), (None, 6),
     [0.8166710138320923, 0.1833290010690689], 0.857834,
     [0.024917999282479286, -1.0335190296173096, 0.17777900397777557],
     [-1.1461479663848877, -0.35763001441955566, -0.8966959714889526]),
    (dict(mode='mul'), (None, 3),
     [0.5993919968605042, 0.40060800313949585], 0.794435,
     [-0.13191300630569458, -0.9524350166320801, 0.0835840031504631],
     [-1.1648629903793335, -0.10832399874925613, -0.8462160229682922]),
    (dict(mode='cos'), (None, 1),
     [0.44904500246047974, 0.5509549975395203], 0.61992,
     [-0.14262500405311584, -0.8577460050582886, 0.10164900124073029],
     [-0.7085610032081604, -0.20469200611114502, -0.693805992603302]),
    (dict(mode=lambda t: t[0] * t[1] + t[0], output_shape=(3,)), (None, 3),
     [0.7879589796066284, 0.2120410054922104], 1.03806,
     [-0.052459001541137695, -1.0247069597244263, 0.11593899875879288],
     [-1.33427095413208, -0.05806399881839752, -0.8775910139083862])]


@pytest.mark.parametrize('options,shape,pred,loss,left_row,right_bias',
                         TRAINING)
def test_sequential_with_merged_branches_trains_as_keras_2_1_6(
        options, shape, pred, loss, left_row, right_bias):
    model, left, right, x1, x2 = _merged_sequential(options)
    y = np.eye(2)[[0, 1, 0, 1, 1]]
    assert model.layers[0].output_shape == shape
    model.compile(optimizers.SGD(lr=0.5), 'categorical_crossentropy')
    np.testing.assert_allclose(model.predict([x1, x2])[0], pred, atol=1e-6)
    np.testing.assert_allclose(model.train_on_batch([x1, x2], y), loss,
                               atol=1e-5)
    model.fit([x1, x2], y, batch_size=2, epochs=1, verbose=0,
              shuffle=False)
    np.testing.assert_allclose(left.layers[0].get_weights()[0][0],
                               left_row, atol=1e-5)
    np.testing.assert_allclose(right.layers[0].get_weights()[1],
                               right_bias, atol=1e-5)
    assert np.isfinite(model.evaluate([x1, x2], y, verbose=0))


def test_sequential_with_merged_branches_layers_weights_summary():
    K.clear_session()
    model, left, right, x1, x2 = _merged_sequential(dict(mode='concat'))
    # Keras 2.1.6: the Merge and the layers after it; the branches'
    # weights first; the graph's inputs are the branches'.
    assert [layer.name for layer in model.layers] == ['merge_1', 'dense_3']
    assert [w.name for w in model.weights] == [
        'dense_1/kernel:0', 'dense_1/bias:0', 'dense_2/kernel:0',
        'dense_2/bias:0', 'dense_3/kernel:0', 'dense_3/bias:0']
    assert model.layers[0].layers == [left, right]
    assert model.get_layer('dense_2') is right.layers[0]
    assert len(model.inputs) == 2
    assert model.count_params() == 15 + 9 + 14
    lines = []
    model.summary(print_fn=lines.append)
    assert 'merge_1 (Merge)              (None, 6)                 0' \
        in [line.rstrip() for line in lines]
    assert 'Total params: 38' in lines
    flat = model.get_weights()
    assert [w.shape for w in flat] == [(4, 3), (3,), (2, 3), (3,), (6, 2),
                                       (2,)]
    model.set_weights([w * 0 for w in flat])
    assert not left.layers[0].get_weights()[0].any()


def test_sequential_with_merged_branches_config_round_trip():
    K.clear_session()
    model, _, _, x1, x2 = _merged_sequential(dict(mode='concat'))
    config = model.get_config()
    # Keras 2.1.6's layout: a list, the Merge's entry holding its
    # branches (a Sequential's config as a list too).
    assert isinstance(config, list)
    assert [entry['class_name'] for entry in config] == ['Merge', 'Dense']
    branches = config[0]['config']['layers']
    assert [b['class_name'] for b in branches] == ['Sequential'] * 2
    assert branches[0]['config'][0]['config']['batch_input_shape'] == \
        (None, 4)
    assert config[0]['config']['mode_type'] == 'raw'
    loaded = _quiet(lambda: models.model_from_json(model.to_json()))
    assert [layer.name for layer in loaded.layers] == ['merge_1', 'dense_3']
    loaded.set_weights(model.get_weights())
    np.testing.assert_allclose(loaded.predict([x1, x2]),
                               model.predict([x1, x2]), atol=1e-6)
    again = _quiet(lambda: models.Sequential.from_config(config))
    assert again.output_shape == (None, 2)


def test_save_weights_in_keras_2_1_6_layout(tmp_path):
    K.clear_session()
    model, _, _, x1, x2 = _merged_sequential(dict(mode='concat'))
    path = str(tmp_path / 'w.h5')
    model.save_weights(path)
    with h5py.File(path, 'r') as f:
        names = [n.decode() if isinstance(n, bytes) else n
                 for n in f.attrs['layer_names']]
        # Keras 2.1.6: the branches' layers, then the layers after the
        # Merge (which holds no weights and is not written).
        assert names == ['dense_1', 'dense_2', 'dense_3']
    fresh, _, _, _, _ = _merged_sequential(dict(mode='concat'), seed=9)
    fresh.load_weights(path)
    np.testing.assert_allclose(fresh.predict([x1, x2]),
                               model.predict([x1, x2]), atol=1e-6)


X1 = np.array([[0.1, 0.2, 0.3], [0.5, -0.4, 0.2]], 'f')
X2 = np.array([[1.0, -1.0], [0.3, 0.6]], 'f')


def test_keras_2_1_6_file_loads_and_goes_on_training():
    # merge_concat_216.h5: written by Keras 2.1.6's model.save() after one
    # Adam step (the top Dense frozen); Keras 2.1.6's own load_model
    # cannot read it back (it counts only the Merge's and top layers).
    model = _quiet(lambda: models.load_model(
        os.path.join(DATA, 'merge_concat_216.h5')))
    assert [layer.name for layer in model.layers] == ['merge_1', 'dense_3']
    # Keras 2.1.6's predictions and weights at save time.
    np.testing.assert_allclose(model.predict([X1, X2]),
                               [[0.7462368011474609, 0.25376322865486145],
                                [0.7936885952949524, 0.20631143450737]],
                               atol=1e-6)
    np.testing.assert_allclose(model.get_layer('dense_2').get_weights()[1],
                               [0.3009999692440033, -0.4390000104904175],
                               atol=1e-6)
    # Keras 2.1.6's second step (its Adam state restored from the file).
    y = np.array([[1., 0.], [0., 1.]])
    np.testing.assert_allclose(model.train_on_batch([X1, X2], y),
                               0.9355404, atol=1e-6)
    np.testing.assert_allclose(
        model.get_layer('dense_1').get_weights()[0],
        [[0.09800025820732117, 0.4219999611377716],
         [-0.4180002510547638, 0.018000025302171707],
         [0.7880008220672607, 0.791999876499176]], atol=1e-6)
    np.testing.assert_allclose(model.get_layer('dense_2').get_weights()[1],
                               [0.30199989676475525, -0.43800005316734314],
                               atol=1e-6)


def test_model_save_and_load_model_round_trip(tmp_path):
    K.clear_session()
    model, _, _, x1, x2 = _merged_sequential(dict(mode='ave'))
    model.compile('adam', 'mse')
    model.train_on_batch([x1, x2], np.ones((5, 2)))
    path = str(tmp_path / 'm.h5')
    model.save(path)
    with h5py.File(path, 'r') as f:
        config = json.loads(f.attrs['model_config'])
        assert config['class_name'] == 'Sequential'
        assert config['config'][0]['class_name'] == 'Merge'
    loaded = _quiet(lambda: models.load_model(path))
    np.testing.assert_allclose(loaded.predict([x1, x2]),
                               model.predict([x1, x2]), atol=1e-6)
    y = np.zeros((5, 2))
    np.testing.assert_allclose(loaded.train_on_batch([x1, x2], y),
                               model.train_on_batch([x1, x2], y), atol=1e-6)
