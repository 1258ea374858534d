"""tf.keras 2.x layers of keras_compat/layers/extra.py and
convolutional_recurrent_nd.py against tf.keras's own numbers
(tests/data/tf_keras_extra_layers.npz, written by
tests/tf_keras_extra_layers_cases.py with tf_keras 2.21): outputs,
gradients, weights after the call, config keys, weight names and
compute_output_shape; then config round trips, errors, masks, and
training in Sequential and functional models."""
import os
import types

import numpy as np
import pytest
import torch

import keras_compat
from keras_compat import backend as K
from keras_compat import layers, models
from keras_compat.layers import convolutional_recurrent_nd as nd
from keras_compat.layers import extra

import tf_keras_extra_layers_cases as cases

REFERENCE = np.load(os.path.join(os.path.dirname(__file__), os.pardir,
                                 'data', 'tf_keras_extra_layers.npz'))

NEW_LAYERS = ('Identity', 'UnitNormalization', 'GroupNormalization',
              'Conv1DTranspose', 'Convolution1DTranspose',
              'Convolution3DTranspose', 'DepthwiseConv1D',
              'SpectralNormalization', 'AbstractRNNCell')


def _library():
    """keras_compat as the cases see a Keras module: `layers` with the new
    classes added, and `backend`."""
    namespace = types.SimpleNamespace(**{
        name: getattr(layers, name) for name in dir(layers)
        if not name.startswith('_')})
    for name in NEW_LAYERS:
        setattr(namespace, name, getattr(extra, name))
    namespace.ConvLSTM1D, namespace.ConvLSTM3D = nd.ConvLSTM1D, nd.ConvLSTM3D
    return types.SimpleNamespace(layers=namespace, backend=K)


LIB = _library()
CUSTOM_OBJECTS = {name: getattr(LIB.layers, name) for name in
                  NEW_LAYERS + ('ConvLSTM1D', 'ConvLSTM3D')}
RNN_CASES = ('rnn_minimal_cell', 'rnn_two_state_cell', 'rnn_ones_state_cell')


def _ref(case_id, key):
    return REFERENCE['%s/%s' % (case_id, key)]


def _indexed(case_id, prefix):
    found, i = [], 0
    while '%s/%s%d' % (case_id, prefix, i) in REFERENCE.files:
        found.append(_ref(case_id, '%s%d' % (prefix, i)))
        i += 1
    return found


def _weight_grads(layer):
    """Gradients of the trainable weights, in Keras layout."""
    grads = []
    for owner, record in layer._weight_pairs('trainable'):
        grad = getattr(owner, record.attr).grad
        if grad is None:
            grads.append(np.zeros(record.keras_shape, 'float32'))
        elif record.to_keras is not None:
            grads.append(record.to_keras(grad).detach().numpy())
        else:
            grads.append(grad.detach().numpy().reshape(record.keras_shape))
    return grads


def _close(got, expected, what, atol=1e-5):
    got = got.detach().numpy() if isinstance(got, torch.Tensor) else got
    assert got.shape == expected.shape, (what, got.shape, expected.shape)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=atol,
                               err_msg=what)


def _run_case(case_id, make, call_kwargs):
    """Our layer on the reference input and weights: (layer, outputs,
    input gradient)."""
    x = _ref(case_id, 'x')
    layer = make(LIB)
    layer(torch.tensor(x), **call_kwargs)
    layer.set_weights(_indexed(case_id, 'w'))
    inputs = torch.tensor(x, requires_grad=x.dtype.kind == 'f')
    outs = layer(inputs, **call_kwargs)
    outs = outs if isinstance(outs, list) else [outs]
    seeds = _indexed(case_id, 'seed')
    sum((o * torch.tensor(s)).sum() for o, s in zip(outs, seeds)).backward()
    return layer, outs, inputs.grad


def _param(case):
    return pytest.param(*case, id=case[0])


@pytest.mark.parametrize('case_id,make,shape,call_kwargs',
                         [_param(c) for c in cases.CASES])
def test_matches_tf_keras(case_id, make, shape, call_kwargs):
    layer, outs, input_grad = _run_case(case_id, make, call_kwargs)
    expected = _indexed(case_id, 'out')
    assert len(outs) == len(expected)
    for i, (o, e) in enumerate(zip(outs, expected)):
        _close(o, e, 'output %d' % i)
    if input_grad is not None:
        _close(input_grad, _ref(case_id, 'gx'), 'input gradient', 1e-4)
    for i, (g, e) in enumerate(zip(_weight_grads(layer),
                                   _indexed(case_id, 'gw'))):
        _close(g, e, 'weight gradient %d' % i, 1e-4)
    for i, (w, e) in enumerate(zip(layer.get_weights(),
                                   _indexed(case_id, 'after'))):
        _close(w, e, 'weight %d after the call' % i)


@pytest.mark.parametrize('case_id,make,shape,call_kwargs', cases.CASES,
                         ids=[c[0] for c in cases.CASES])
def test_config_weights_and_shape_as_tf_keras(case_id, make, shape,
                                              call_kwargs):
    layer = make(LIB)
    layer(torch.tensor(_ref(case_id, 'x')), **call_kwargs)
    # (The RNN layer's own config lacks tf.keras's 'time_major', and its
    # cell's weights are named under the RNN's scope, as in Keras 2.)
    if case_id not in RNN_CASES:
        assert sorted(layer.get_config()) == \
            _ref(case_id, 'config_keys').tolist()
    names = [w.name.split('/')[-1] for w in layer.weights]
    assert names == [n.split('/')[-1] for n in
                     _ref(case_id, 'weight_names').tolist()]
    got = layer.compute_output_shape((None,) + tuple(shape[1:]))
    got = got[0] if isinstance(got, list) else got
    key = '%s/output_shape' % case_id
    expected = REFERENCE[key] if key in REFERENCE.files else \
        np.array((-1,) + tuple(_ref(case_id, 'out0').shape[1:]))
    assert [-1 if d is None else d for d in got] == expected.tolist()


@pytest.mark.parametrize('case_id,make,shape,call_kwargs', [
    c for c in cases.CASES if c[0] not in RNN_CASES],
    ids=[c[0] for c in cases.CASES if c[0] not in RNN_CASES])
def test_from_config_round_trip(case_id, make, shape, call_kwargs):
    x = torch.tensor(_ref(case_id, 'x'))
    layer = make(LIB)
    layer(x)
    config = layer.get_config()
    config.pop('name')
    clone = type(layer).from_config(config)
    clone(x)
    assert clone.get_config() == dict(config, name=clone.name)
    clone.set_weights(layer.get_weights())
    out, clone_out = layer(x), clone(x)
    for o, c in zip(out if isinstance(out, list) else [out],
                    clone_out if isinstance(clone_out, list)
                    else [clone_out]):
        np.testing.assert_allclose(c.detach().numpy(), o.detach().numpy(),
                                   rtol=1e-6)


def test_rnn_with_abstract_cell_round_trips_its_config():
    cell_class = cases.minimal_cell_class(LIB)
    rnn = layers.RNN(cell_class(3), return_sequences=True)
    x = torch.tensor(_ref('rnn_minimal_cell', 'x'))
    rnn(x)
    clone = layers.RNN.from_config(
        rnn.get_config(), custom_objects={'MinimalRNNCell': cell_class})
    clone(x)
    clone.set_weights(rnn.get_weights())
    np.testing.assert_allclose(clone(x).detach().numpy(),
                               rnn(x).detach().numpy(), rtol=1e-6)
    assert rnn.get_config()['cell']['config']['units'] == 3


# ------------------------------------------------------------------ errors
def test_unsupported_and_invalid_arguments_raise():
    with pytest.raises(NotImplementedError, match='groups'):
        extra.Conv1DTranspose(4, 3, groups=2)
    with pytest.raises(NotImplementedError, match='groups'):
        extra.DepthwiseConv1D(3, groups=2)
    for make in (lambda: extra.Conv1DTranspose(2, 3, strides=2,
                                               dilation_rate=2),
                 lambda: extra.DepthwiseConv1D(3, strides=2,
                                               dilation_rate=2)):
        with pytest.raises(ValueError, match='dilation_rate > 1'):
            make()
    with pytest.raises(ValueError, match='causal'):
        extra.DepthwiseConv1D(3, padding='causal')
    with pytest.raises(ValueError, match='output padding'):
        extra.Conv1DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match='power_iterations'):
        extra.SpectralNormalization(layers.Dense(2), power_iterations=0)
    with pytest.raises(ValueError, match="no attribute 'kernel'"):
        extra.SpectralNormalization(layers.BatchNormalization())(
            torch.ones(2, 3))
    with pytest.raises(TypeError, match='axis'):
        extra.UnitNormalization(axis='last')
    with pytest.raises(ValueError, match='multiple'):
        extra.GroupNormalization(groups=3)(torch.ones(2, 4))
    with pytest.raises(ValueError, match='cannot be more'):
        extra.GroupNormalization(groups=8)(torch.ones(2, 4))
    with pytest.raises(ValueError, match='"valid" or "same"'):
        nd.ConvLSTM1D(2, 3, padding='causal')
    with pytest.raises(TypeError, match='Unrolling'):
        nd.ConvLSTM3D(2, 3, unroll=True)


def test_conv1d_transpose_output_padding_zero_is_accepted():
    layer = extra.Conv1DTranspose(2, 3, strides=2, output_padding=0)
    assert layer.output_padding == (0,)
    assert layer(torch.ones(1, 4, 2)).shape == (1, 9, 2)


def test_abstract_cell_properties_and_initial_state():
    cell = extra.AbstractRNNCell()
    with pytest.raises(NotImplementedError):
        cell.state_size
    with pytest.raises(NotImplementedError):
        cell.output_size
    assert getattr(cell, 'output_size', None) is None
    with pytest.raises(NotImplementedError):
        cell.call(torch.ones(1, 2), [torch.ones(1, 2)])
    with pytest.raises(ValueError, match='state'):
        layers.RNN(cell)
    two_state = cases.two_state_cell_class(LIB)(2)
    states = two_state.get_initial_state(batch_size=3, dtype='float32')
    assert isinstance(states, list)
    assert [tuple(s.shape) for s in states] == [(3, 2), (3, 4)]
    minimal = cases.minimal_cell_class(LIB)(4)
    state = minimal.get_initial_state(inputs=torch.ones(5, 2,
                                                        dtype=torch.float64))
    assert state.shape == (5, 4) and state.dtype == torch.float64
    assert not state.any()
    with pytest.raises(ValueError, match='batch_size'):
        minimal.get_initial_state()
    assert extra.AbstractRNNCell(name='c').get_config() == {
        'name': 'c', 'trainable': True, 'dtype': 'float32'}


# ------------------------------------------------------------------- masks
def test_mask_handling_as_tf_keras():
    inputs = layers.Input((4,), dtype='int32')
    embedded = layers.Embedding(6, 4, mask_zero=True)(inputs)
    assert extra.UnitNormalization()(embedded)._keras_mask is not None
    assert extra.GroupNormalization(2)(embedded)._keras_mask is not None
    assert getattr(extra.Identity()(embedded), '_keras_mask', None) is None
    wrapped = extra.SpectralNormalization(layers.Dense(2))(embedded)
    assert wrapped._keras_mask is not None


def test_group_normalization_weights_statistics_by_the_mask():
    """tf.nn.weighted_moments with the mask broadcast to the input by
    trailing axes (here a (batch, time, 1) mask)."""
    rs = np.random.RandomState(3)
    x = rs.rand(2, 5, 4).astype('float32')
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], 'float32')[..., None]
    layer = extra.GroupNormalization(2, epsilon=0.01)
    out = layer(torch.tensor(x), mask=torch.tensor(mask)).detach().numpy()
    grouped = x.reshape(2, 5, 2, 2)
    weights = np.broadcast_to(mask, x.shape).reshape(2, 5, 2, 2)
    total = weights.sum(axis=(1, 3), keepdims=True)
    mean = (weights * grouped).sum(axis=(1, 3), keepdims=True) / total
    var = (weights * (grouped - mean) ** 2).sum(axis=(1, 3),
                                                keepdims=True) / total
    expected = ((grouped - mean) / np.sqrt(var + 0.01)).reshape(x.shape)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------- training
def _fit_changes_weights(model, x, y):
    before = [w.copy() for w in model.get_weights()]
    model.compile('adam', 'mse')
    history = model.fit(x, y, epochs=2, batch_size=2, verbose=0)
    assert all(np.isfinite(history.history['loss']))
    assert any(not np.allclose(a, b) for a, b in
               zip(before, model.get_weights()))
    assert model.predict(x).shape == (len(x),) + model.output_shape[1:]


def test_sequential_model_with_the_new_layers_trains():
    rs = np.random.RandomState(0)
    model = models.Sequential([
        nd.ConvLSTM1D(4, 3, padding='same', return_sequences=True,
                      input_shape=(3, 8, 2)),
        layers.TimeDistributed(extra.DepthwiseConv1D(3, padding='same')),
        layers.TimeDistributed(extra.Conv1DTranspose(2, 3, strides=2,
                                                     padding='same')),
        layers.Reshape((3, 16 * 2)),
        extra.GroupNormalization(4),
        extra.UnitNormalization(),
        extra.Identity(),
        layers.Flatten(),
        extra.SpectralNormalization(layers.Dense(1)),
    ])
    assert model.output_shape == (None, 1)
    _fit_changes_weights(model, rs.rand(6, 3, 8, 2).astype('float32'),
                         rs.rand(6, 1).astype('float32'))


def test_functional_model_with_the_new_layers_trains_and_reloads(tmp_path):
    rs = np.random.RandomState(1)
    inputs = layers.Input((2, 4, 4, 4, 1))
    h = nd.ConvLSTM3D(2, 2, padding='same')(inputs)
    h = layers.Reshape((16, 8))(h)
    h = extra.SpectralNormalization(layers.Conv1D(3, 3))(h)
    rnn_in = layers.Reshape((14, 3))(h)
    cell = cases.minimal_cell_class(LIB)(2)
    h = layers.RNN(cell)(rnn_in)
    outputs = layers.Dense(1)(h)
    model = models.Model(inputs, outputs)
    x = rs.rand(4, 2, 4, 4, 4, 1).astype('float32')
    _fit_changes_weights(model, x, rs.rand(4, 1).astype('float32'))
    path = str(tmp_path / 'model.h5')
    model.save(path)
    custom = dict(CUSTOM_OBJECTS, MinimalRNNCell=type(cell))
    reloaded = models.load_model(path, custom_objects=custom)
    np.testing.assert_allclose(reloaded.predict(x), model.predict(x),
                               rtol=1e-5, atol=1e-6)


def test_spectral_normalization_training_bounds_the_spectral_norm():
    """Training calls normalise the kernel (its spectral norm tends to 1
    as vector_u converges); inference calls leave it alone."""
    torch.manual_seed(0)
    layer = extra.SpectralNormalization(layers.Dense(6))
    x = torch.ones(2, 5)
    layer(x)
    layer.layer.set_weights([np.random.RandomState(0).rand(5, 6) * 3,
                             np.zeros(6)])
    before = layer.get_weights()
    layer(x, training=False)
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)
    for _ in range(30):
        layer(x, training=True)
    kernel = layer.layer.get_weights()[0]
    np.testing.assert_allclose(np.linalg.norm(kernel, 2), 1., rtol=1e-3)
    assert layer.kernel.shape == (5, 6)


def test_spectral_normalization_updates_in_fit_not_in_predict():
    rs = np.random.RandomState(4)
    x, y = rs.rand(8, 5).astype('float32'), rs.rand(8, 2).astype('float32')
    wrapper = extra.SpectralNormalization(layers.Dense(2), input_shape=(5,))
    model = models.Sequential([wrapper])
    model.compile('sgd', 'mse')
    vector_u = wrapper.get_weights()[-1].copy()
    model.predict(x)
    model.evaluate(x, y, verbose=0)
    np.testing.assert_array_equal(wrapper.get_weights()[-1], vector_u)
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert not np.allclose(wrapper.get_weights()[-1], vector_u)


def test_spectral_normalization_leaves_a_zero_kernel_alone():
    layer = extra.SpectralNormalization(
        layers.Dense(3, kernel_initializer='zeros'))
    layer(torch.ones(1, 2))
    vector_u = layer.get_weights()[-1].copy()
    layer(torch.ones(1, 2), training=True)
    assert not layer.get_weights()[0].any()
    np.testing.assert_array_equal(layer.get_weights()[-1], vector_u)


def test_conv_lstm1d_masks_dropout_and_stateful_runs():
    rs = np.random.RandomState(2)
    x = torch.tensor(rs.rand(2, 4, 6, 3).astype('float32'))
    layer = nd.ConvLSTM1D(2, 3, padding='same', return_sequences=True,
                          dropout=0.3, recurrent_dropout=0.3)
    mask = torch.tensor([[1, 1, 0, 0], [1, 1, 1, 1]], dtype=torch.bool)
    out = layer(x, mask=mask)
    # Masked steps repeat the previous output.
    np.testing.assert_array_equal(out[0, 2].detach().numpy(),
                                  out[0, 1].detach().numpy())
    assert layer(x, training=True).shape == (2, 4, 6, 2)
    model = models.Sequential([nd.ConvLSTM1D(
        2, 3, padding='same', stateful=True,
        batch_input_shape=(2, 4, 6, 3))])
    first = model.predict(x.numpy(), batch_size=2)
    second = model.predict(x.numpy(), batch_size=2)
    assert not np.allclose(first, second)
    model.reset_states()
    np.testing.assert_allclose(model.predict(x.numpy(), batch_size=2),
                               first, rtol=1e-6)


def test_bidirectional_conv_lstm1d():
    layer = layers.Bidirectional(nd.ConvLSTM1D(2, 3, padding='same'))
    out = layer(torch.ones(2, 3, 5, 1))
    assert out.shape == (2, 5, 4)
    assert [w.name.split('/')[-1] for w in layer.weights] == \
        ['kernel:0', 'recurrent_kernel:0', 'bias:0'] * 2


def test_default_names_follow_tf_keras():
    assert nd.ConvLSTM1D(2, 3).name.startswith('conv_lstm1d_')
    assert nd.ConvLSTM3D(2, 3).name.startswith('conv_lstm3d_')
    assert extra.Conv1DTranspose(2, 3).name.startswith('conv1d_transpose_')
    assert extra.DepthwiseConv1D(3).name.startswith('depthwise_conv1d_')
    assert extra.Convolution1DTranspose is extra.Conv1DTranspose
    assert extra.Convolution3DTranspose is keras_compat.layers.Conv3DTranspose
