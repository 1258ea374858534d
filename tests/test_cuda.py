"""The CUDA path: placement, training against the Keras formulas, saving
on the GPU and loading on the CPU, stateful carry and the cuDNN recurrent
kernels. Marked `cuda`; skipped where torch sees no CUDA device."""
import warnings

import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import layers, mixed_precision
from keras_compat.models import Sequential, Model
from keras2_reference import masked_input, np_conv2d, np_rnn
from keras2_reference import regression_data, sgd_linear

pytestmark = pytest.mark.cuda


@pytest.fixture(autouse=True)
def on_cuda():
    """Runs on the GPU in full float32: cuDNN's TF32 (on by default for
    convolutions and recurrent layers on Ampere and newer, as in
    TensorFlow) would round the products to 10-bit mantissas."""
    previous = K.get_device()
    tf32 = torch.backends.cudnn.allow_tf32
    K.set_device('cuda')
    torch.backends.cudnn.allow_tf32 = False
    yield
    torch.backends.cudnn.allow_tf32 = tf32
    K.set_device(previous)
    mixed_precision.set_global_policy('float32')


def _regression():
    return regression_data(scale=0.1)


def test_weights_and_outputs_live_on_the_gpu_and_come_back_as_numpy():
    model = Sequential([layers.Dense(3, input_shape=(4,)), layers.Dense(1)])
    assert all(p.device.type == 'cuda' for p in model.parameters())
    out = model.predict(np.ones((2, 4), 'float32'))
    assert isinstance(out, np.ndarray) and out.shape == (2, 1)
    assert all(isinstance(w, np.ndarray) for w in model.get_weights())
    assert K.get_value(model.layers[0].kernel).shape == (4, 3)


@pytest.mark.parametrize('as_tensor', [False, True])
def test_fit_evaluate_predict_follow_the_sgd_formula(as_tensor):
    model = Sequential([layers.Dense(1, input_shape=(5,))])
    model.compile(keras.optimizers.SGD(lr=0.1), 'mse', metrics=['mae'])
    x, y = _regression()
    kernel, bias = [w.copy() for w in model.get_weights()]
    feed_x, feed_y = (torch.from_numpy(x).cuda(), torch.from_numpy(y).cuda()
                      ) if as_tensor else (x, y)
    history = model.fit(feed_x, feed_y, epochs=3, batch_size=16, verbose=0,
                        shuffle=False)
    expected, kernel, bias = sgd_linear(x, y, kernel, bias, 0.1, 16,
                                               3)
    np.testing.assert_allclose(history.history['loss'], expected, rtol=1e-4)
    np.testing.assert_allclose(model.get_weights()[0], kernel, rtol=1e-4,
                               atol=1e-6)
    prediction = x.astype('float64') @ kernel + bias
    np.testing.assert_allclose(model.predict(feed_x), prediction, rtol=1e-4,
                               atol=1e-6)
    loss, mae = model.evaluate(feed_x, feed_y, verbose=0)
    np.testing.assert_allclose(loss, np.mean((prediction - y) ** 2),
                               rtol=1e-4)
    np.testing.assert_allclose(mae, np.mean(np.abs(prediction - y)),
                               rtol=1e-4)


def test_saved_on_gpu_loads_on_cpu(tmp_path):
    model = Sequential([layers.Conv2D(2, 3, input_shape=(6, 6, 1)),
                        layers.Flatten(), layers.Dense(2)])
    model.compile('adam', 'mse')
    x = np.random.rand(8, 6, 6, 1).astype('float32')
    model.fit(x, np.random.rand(8, 2), epochs=1, verbose=0)
    path = str(tmp_path / 'model.h5')
    model.save(path)
    expected = model.predict(x)
    K.set_device('cpu')
    loaded = keras.models.load_model(path)
    assert all(p.device.type == 'cpu' for p in loaded.parameters())
    np.testing.assert_allclose(loaded.predict(x), expected, atol=1e-4)
    # The optimizer state moved too: training continues on the CPU.
    loaded.fit(x, np.random.rand(8, 2), epochs=1, verbose=0)


def test_conv2d_on_gpu_matches_direct_convolution():
    layer = layers.Conv2D(3, (3, 2), strides=2, padding='same')
    x = np.random.rand(2, 7, 6, 4).astype('float32')
    model = Sequential([layers.InputLayer(input_shape=(7, 6, 4)), layer])
    kernel, bias = layer.get_weights()
    expected = np_conv2d(x, kernel, bias, (2, 2), 'same')
    np.testing.assert_allclose(model.predict(x), expected, atol=1e-4)


def test_layers_take_cpu_tensors_and_numpy_arrays():
    layer = layers.Dense(2, kernel_initializer='ones')
    out = layer(torch.ones(3, 4))
    assert out.device.type == 'cuda'
    np.testing.assert_allclose(K.eval(out), np.full((3, 2), 4.))
    np.testing.assert_allclose(K.eval(layer(np.ones((1, 4), 'float32'))),
                               [[4., 4.]])


@pytest.mark.parametrize('kind,make,options', [
    ('lstm', lambda **kw: layers.LSTM(5, **kw), {}),
    ('gru', lambda **kw: layers.GRU(5, reset_after=True, **kw),
     {'reset_after': True}),
    ('simple', lambda **kw: layers.SimpleRNN(5, **kw), {}),
])
@pytest.mark.parametrize('masked', [False, True])
def test_cudnn_recurrent_kernels_match_the_keras_formula(kind, make, options,
                                                         masked):
    x, mask = masked_input()
    if not masked:
        x, mask = np.random.rand(4, 7, 3).astype('float32'), None
    inputs = layers.Input((7, 3))
    layer = make(return_sequences=True, return_state=True)
    outs = layer(layers.Masking(0.)(inputs) if masked else inputs)
    model = Model(inputs, outs)
    got = model.predict(x)
    expected, (h, c) = np_rnn(kind, x.astype('float64'), layer.get_weights(),
                              mask=mask, **options)
    np.testing.assert_allclose(got[0], expected, atol=1e-4)
    np.testing.assert_allclose(got[1], h, atol=1e-4)
    if kind == 'lstm':
        np.testing.assert_allclose(got[2], c, atol=1e-4)


def test_lstm_weights_stay_one_cudnn_buffer_through_training():
    model = Sequential([layers.LSTM(8, input_shape=(5, 3)), layers.Dense(1)])
    model.compile('adam', 'mse')
    x = np.random.rand(16, 5, 3).astype('float32')
    y = np.random.rand(16, 1).astype('float32')
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    lstm = model.layers[0]
    storages = {p.untyped_storage().data_ptr() for p in lstm.parameters()}
    assert len(storages) == 1
    # Weights set from numpy land in the same buffer and are used.
    weights = [np.full_like(w, 0.01) for w in lstm.get_weights()]
    lstm.set_weights(weights)
    expected, _ = np_rnn('lstm', x.astype('float64'), weights)
    got = K.function([model.input], [lstm.output])([x])[0]
    np.testing.assert_allclose(got, expected[:, -1], atol=1e-5)


def test_stateful_lstm_carries_state_on_gpu():
    x = np.random.rand(3, 10, 4).astype('float32')
    stateful_layer = layers.LSTM(5, return_sequences=True, stateful=True)
    stateful = Sequential([layers.InputLayer(batch_input_shape=(3, 5, 4)),
                           stateful_layer])
    weights = stateful_layer.get_weights()
    expected, _ = np_rnn('lstm', x.astype('float64'), weights)
    first = stateful.predict(x[:, :5], batch_size=3)
    second = stateful.predict(x[:, 5:], batch_size=3)
    np.testing.assert_allclose(np.concatenate([first, second], axis=1),
                               expected, atol=1e-4)
    assert stateful_layer.states[0].device.type == 'cuda'
    stateful.reset_states()
    np.testing.assert_allclose(stateful.predict(x[:, :5], batch_size=3),
                               first, atol=1e-6)


def test_bidirectional_masked_lstm_trains_on_gpu():
    model = Sequential([layers.Embedding(20, 6, mask_zero=True,
                                         input_length=7),
                        layers.Bidirectional(layers.LSTM(4)),
                        layers.Dense(1, activation='sigmoid')])
    model.compile('adam', 'binary_crossentropy', metrics=['accuracy'])
    x = np.random.randint(1, 20, size=(32, 7))
    x[:8, 4:] = 0
    y = (x[:, 0] > 10).astype('float32')
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert history.history['loss'][-1] < history.history['loss'][0]


def test_mixed_float16_computes_in_half_on_gpu():
    mixed_precision.set_global_policy('mixed_float16')
    seen = []
    model = Sequential([layers.Dense(8, input_shape=(5,),
                                     kernel_initializer='zeros'),
                        layers.Lambda(lambda t: seen.append(t.dtype) or t),
                        layers.Dense(1, kernel_initializer='zeros')])
    model.compile(keras.optimizers.SGD(lr=0.1), 'mse')
    x, y = _regression()
    history = model.fit(x, y, epochs=3, batch_size=16, verbose=0,
                        shuffle=False)
    assert torch.float16 in seen
    assert all(w.dtype == np.float32 for w in model.get_weights())
    assert history.history['loss'][-1] < history.history['loss'][0]


def test_jit_compile_on_gpu_follows_the_sgd_formula():
    model = Sequential([layers.Dense(1, input_shape=(5,))])
    model.compile(keras.optimizers.SGD(lr=0.1), 'mse', jit_compile=True)
    x, y = _regression()
    kernel, bias = [w.copy() for w in model.get_weights()]
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0,
                        shuffle=False)
    assert model._jit
    expected, _, _ = sgd_linear(x, y, kernel, bias, 0.1, 16, 2)
    np.testing.assert_allclose(history.history['loss'], expected, rtol=1e-4)


def test_jit_compile_reduce_overhead_replays_cuda_graphs():
    from torch._dynamo.utils import counters
    counters.clear()
    model = Sequential([layers.Dense(1, input_shape=(5,))])
    model.compile(keras.optimizers.SGD(lr=0.1), 'mse',
                  jit_compile='reduce-overhead')
    x, y = _regression()
    kernel, bias = [w.copy() for w in model.get_weights()]
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0,
                        shuffle=False)
    assert model._jit
    assert counters['inductor']['cudagraph_skips'] == 0
    expected, _, _ = sgd_linear(x, y, kernel, bias, 0.1, 16, 2)
    np.testing.assert_allclose(history.history['loss'], expected, rtol=1e-4)
    # predict keeps every batch's outputs although each replay reuses the
    # graph's output memory.
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(model.predict(x[:48], batch_size=16),
                               x[:48] @ kernel + bias, rtol=1e-4, atol=1e-5)


def test_lstm_step_loop_on_gpu_matches_the_cpu():
    from keras_compat.backend.lstm_loop import lstm_loop
    gen = torch.Generator().manual_seed(0)
    args = [torch.randn(s, generator=gen, dtype=torch.float64)
            for s in [(3, 6, 4), (20, 4), (20,), (20, 5), (3, 5), (3, 5)]]
    mask = torch.rand(3, 6, generator=gen) > 0.3
    rec = (torch.rand(3, 5, generator=gen) > 0.5).double() * 2.
    results = []
    for device in ('cpu', 'cuda'):
        inputs = [a.to(device).requires_grad_() for a in args]
        seq, _, (h, c) = lstm_loop(*inputs, True, rec.to(device),
                                   mask.to(device))
        grads = torch.autograd.grad(seq.sum() + h.sum() + 2 * c.sum(),
                                    inputs)
        results.append([t.cpu() for t in (seq, h, c) + grads])
    for on_cpu, on_gpu in zip(*results):
        torch.testing.assert_close(on_gpu, on_cpu, rtol=1e-9, atol=1e-9)
