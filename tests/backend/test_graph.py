"""The backend as a graph language, as Keras 2 programs use it: K.gradients
composed with other ops, K.function with updates, second-order gradients,
symbolic tensors read inside a layer's call. References are numpy
formulas or torch autograd on an equivalent torch computation."""
import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat import backend as K
from keras_compat.layers import (Input, Dense, Conv2D, Flatten, Lambda,
                                 Layer, GlobalAveragePooling2D)
from keras_compat.models import Model, Sequential


def _conv2d_valid(x, kernel, bias):
    """Numpy 'valid' convolution of (N, H, W, C) by (kh, kw, C, F)."""
    kh, kw = kernel.shape[:2]
    n, h, w, _ = x.shape
    out = np.zeros((n, h - kh + 1, w - kw + 1, kernel.shape[3]))
    for i in range(h - kh + 1):
        for j in range(w - kw + 1):
            patch = x[:, i:i + kh, j:j + kw, :]
            out[:, i, j, :] = np.tensordot(patch, kernel, axes=3)
    return out + bias


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _gradcam_model():
    return Sequential([
        Conv2D(4, 3, activation='relu', input_shape=(6, 6, 2), name='last'),
        GlobalAveragePooling2D(),
        Dense(3, activation='softmax')])


def test_grad_cam_heatmap_equals_numpy():
    model = _gradcam_model()
    x = np.random.rand(1, 6, 6, 2).astype('float32')
    idx = 1
    # Grad-CAM as the Keras 2 books write it.
    class_output = model.output[:, idx]
    last_conv = model.get_layer('last')
    grads = K.gradients(class_output, last_conv.output)[0]
    pooled_grads = K.mean(grads, axis=(0, 1, 2))
    iterate = K.function([model.input], [pooled_grads, last_conv.output[0]])
    pooled, conv_value = iterate([x])
    for i in range(4):
        conv_value[:, :, i] *= pooled[i]
    heatmap = np.mean(conv_value, axis=-1)

    kernel, bias = [w.astype('float64') for w in last_conv.get_weights()]
    w_dense, b_dense = [w.astype('float64')
                        for w in model.layers[2].get_weights()]
    a = np.maximum(_conv2d_valid(x.astype('float64'), kernel, bias), 0)
    y = _softmax(a.mean(axis=(1, 2)) @ w_dense + b_dense)[0]
    dy_dz = y[idx] * ((np.arange(3) == idx) - y)
    # GAP spreads d/d(pooled) evenly over the 4x4 positions.
    expected_pooled = (w_dense @ dy_dz) / 16.
    np.testing.assert_allclose(pooled, expected_pooled, rtol=1e-4,
                               atol=1e-7)
    expected = np.mean(a[0] * expected_pooled, axis=-1)
    np.testing.assert_allclose(heatmap, expected, rtol=1e-4, atol=1e-7)


def test_filter_visualisation_gradient_ascent_increases_activation():
    model = _gradcam_model()
    layer_output = model.get_layer('last').output
    loss = K.mean(layer_output[:, :, :, 0])
    raw = K.gradients(loss, model.input)[0]
    grads = raw / (K.sqrt(K.mean(K.square(raw))) + 1e-5)
    iterate = K.function([model.input], [loss, grads, raw])
    img = np.random.rand(1, 6, 6, 2).astype('float32')
    first, g, r = iterate([img])
    np.testing.assert_allclose(
        g, r / (np.sqrt(np.mean(np.square(r))) + 1e-5), rtol=1e-5)
    for _ in range(10):
        value, g, _ = iterate([img])
        img = img + 0.1 * g
    assert value > first


def test_fgsm_perturbation_equals_torch_autograd():
    model = Sequential([Dense(5, activation='tanh', input_shape=(4,)),
                        Dense(3, activation='softmax')])
    target = K.placeholder(shape=(None, 3))
    loss = K.mean(K.categorical_crossentropy(target, model.output))
    grad = K.gradients(loss, model.input)[0]
    eps = 0.05
    adversarial = model.input + eps * K.sign(grad)
    fgsm = K.function([model.input, target], [adversarial])
    x = np.random.rand(6, 4).astype('float32')
    y = np.eye(3, dtype='float32')[np.random.randint(0, 3, 6)]
    adv = fgsm([x, y])[0]

    (k1, b1), (k2, b2) = [[torch.tensor(w) for w in layer.get_weights()]
                          for layer in model.layers]
    xt = torch.tensor(x, requires_grad=True)
    p = torch.softmax(torch.tanh(xt @ k1 + b1) @ k2 + b2, dim=-1)
    p = torch.clamp(p / p.sum(-1, keepdim=True), 1e-7, 1 - 1e-7)
    torch_loss = (-(torch.tensor(y) * torch.log(p)).sum(-1)).mean()
    dx, = torch.autograd.grad(torch_loss, xt)
    np.testing.assert_allclose(adv, x + eps * np.sign(dx.numpy()),
                               rtol=1e-6, atol=1e-7)


def test_deep_dream_loss_from_a_variable_and_normalised_gradients():
    model = Sequential([
        Conv2D(3, 3, activation='relu', input_shape=(8, 8, 2), name='a'),
        Conv2D(2, 3, activation='relu', name='b')])
    layer_dict = dict([(layer.name, layer) for layer in model.layers])
    settings = {'a': 0.2, 'b': 0.5}
    dream = model.input
    loss = K.variable(0.)
    for layer_name in settings:
        coeff = settings[layer_name]
        x = layer_dict[layer_name].output
        scaling = K.prod(K.cast(K.shape(x), 'float32'))
        loss += coeff * K.sum(K.square(x[:, 1:-1, 1:-1, :])) / scaling
    grads = K.gradients(loss, dream)[0]
    grads /= K.maximum(K.mean(K.abs(grads)), K.epsilon())
    fetch = K.function([dream], [loss, grads])
    img = np.random.rand(1, 8, 8, 2).astype('float32')
    value, g = fetch([img])

    acts = K.function([dream], [layer_dict['a'].output,
                                layer_dict['b'].output])([img])
    expected = sum(c * np.sum(np.square(a[:, 1:-1, 1:-1, :])) / a.size
                   for c, a in zip([0.2, 0.5], acts))
    assert value == pytest.approx(expected, rel=1e-5)
    assert g.shape == img.shape
    assert np.mean(np.abs(g)) == pytest.approx(1.0, rel=1e-5)


def test_second_order_gradients_in_k_function():
    x = K.placeholder(shape=(None, 3))
    g = K.gradients(K.sum(x ** 3), x)[0]
    h = K.gradients(K.sum(g), x)[0]
    f = K.function([x], [g, h])
    value = np.random.rand(2, 3).astype('float32')
    g_value, h_value = f([value])
    np.testing.assert_allclose(g_value, 3 * value ** 2, rtol=1e-5)
    np.testing.assert_allclose(h_value, 6 * value, rtol=1e-5)


def test_gradient_penalty_loss_trains_as_torch():
    model = Sequential([Dense(4, activation='tanh', input_shape=(3,)),
                        Dense(1)])
    weights = [w.copy() for w in model.get_weights()]
    grad = K.gradients(model.output, model.input)[0]
    norm = K.sqrt(K.sum(K.square(grad), axis=1))
    model.add_loss(K.mean(K.square(norm - 1.)))
    model.compile(keras.optimizers.SGD(lr=0.1), loss='mse')
    x = np.random.rand(8, 3).astype('float32')
    y = np.random.rand(8, 1).astype('float32')
    reported = model.train_on_batch(x, y)

    k1, b1, k2, b2 = [torch.tensor(w, requires_grad=True) for w in weights]
    xt = torch.tensor(x, requires_grad=True)
    out = torch.tanh(xt @ k1 + b1) @ k2 + b2
    dx, = torch.autograd.grad(out.sum(), xt, create_graph=True)
    penalty = ((dx.pow(2).sum(1).sqrt() - 1) ** 2).mean()
    total = ((out - torch.tensor(y)) ** 2).mean() + penalty
    total.backward()
    assert reported == pytest.approx(float(total), rel=1e-5)
    for ours, ref in zip(model.get_weights(), (k1, b1, k2, b2)):
        np.testing.assert_allclose(
            ours, (ref - 0.1 * ref.grad).detach().numpy(), rtol=1e-5,
            atol=1e-6)


def test_gradients_of_weights_are_in_keras_layout():
    model = Sequential([Dense(3, input_shape=(2,), activation='sigmoid')])
    loss = K.mean(K.square(model.output))
    grads = K.gradients(loss, model.trainable_weights)
    f = K.function([model.input], grads)
    x = np.random.rand(5, 2).astype('float32')
    dk, db = f([x])
    kernel, bias = [torch.tensor(w, requires_grad=True)
                    for w in model.get_weights()]
    out = torch.sigmoid(torch.tensor(x) @ kernel + bias)
    ref_k, ref_b = torch.autograd.grad((out ** 2).mean(), [kernel, bias])
    np.testing.assert_allclose(dk, ref_k.numpy(), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(db, ref_b.numpy(), rtol=1e-5, atol=1e-7)


def test_vae_custom_layer_adds_a_loss_of_outside_symbolic_tensors():
    x = Input(shape=(6,))
    h = Dense(4, activation='relu')(x)
    z_mean = Dense(2)(h)
    x_decoded = Dense(6, activation='sigmoid')(z_mean)

    class CustomVariationalLayer(Layer):
        def __init__(self, **kwargs):
            self.is_placeholder = True
            super(CustomVariationalLayer, self).__init__(**kwargs)

        def vae_loss(self, x, x_decoded_mean):
            # z_mean is the script's symbolic tensor, as in the Keras 2
            # book examples.
            xent = K.mean(K.square(x - x_decoded_mean), axis=-1)
            kl = 0.1 * K.sum(K.square(z_mean), axis=-1)
            return K.mean(xent + kl)

        def call(self, inputs):
            loss = self.vae_loss(inputs[0], inputs[1])
            self.add_loss(loss, inputs=inputs)
            return inputs[0]

    y = CustomVariationalLayer()([x, x_decoded])
    vae = Model(x, y)
    vae.compile(optimizer='rmsprop', loss=None)
    data = np.random.rand(32, 6).astype('float32')
    zm, dec = Model(x, [z_mean, x_decoded]).predict(data)
    expected = np.mean(np.mean((data - dec) ** 2, axis=-1) +
                       0.1 * np.sum(zm ** 2, axis=-1))
    assert vae.evaluate(data, None, batch_size=32, verbose=0) == \
        pytest.approx(expected, rel=1e-5)
    history = vae.fit(data, epochs=5, batch_size=8, verbose=0)
    assert history.history['loss'][-1] < history.history['loss'][0]


def test_k_function_updates_on_variables():
    x = K.placeholder(shape=(None, 2))
    total = K.variable(0.)
    last = K.variable(np.zeros(2))
    f = K.function([x], [K.sum(x)],
                   updates=[K.update_add(total, K.sum(x)),
                            K.update(last, K.mean(x, axis=0))])
    a = np.random.rand(3, 2).astype('float32')
    b = np.random.rand(4, 2).astype('float32')
    assert f([a])[0] == pytest.approx(a.sum(), rel=1e-6)
    f([b])
    assert K.get_value(total) == pytest.approx(a.sum() + b.sum(), rel=1e-6)
    np.testing.assert_allclose(K.get_value(last), b.mean(axis=0),
                               rtol=1e-6)


def test_control_flow_and_loops_on_symbolic_tensors():
    x = K.placeholder(shape=(None, 3))
    seq = K.placeholder(shape=(None, 4, 3))

    def step(inputs, states):
        new = states[0] + inputs
        return new, [new]

    last, outputs, states = K.rnn(step, seq, [K.zeros_like(seq[:, 0])])
    f = K.function([x, seq, K.learning_phase()], [
        K.map_fn(lambda row: K.sum(row), x),
        K.foldl(lambda acc, row: acc + row, x),
        K.foldr(lambda acc, row: acc * 0.5 + row, x),
        K.switch(K.greater(x, 0.5), x, -x),
        K.in_train_phase(x * 2., x),
        last, outputs, states[0],
        K.stop_gradient(x) + K.shape(x)[0]])
    xv = np.random.rand(3, 3).astype('float32')
    sv = np.random.rand(2, 4, 3).astype('float32')
    mapped, folded, folded_r, switched, train, l, o, s, shaped = \
        f([xv, sv, 1])
    np.testing.assert_allclose(mapped, xv.sum(axis=1), rtol=1e-6)
    np.testing.assert_allclose(folded, xv.sum(axis=0), rtol=1e-6)
    expected_r = xv[2]
    for row in (xv[1], xv[0]):
        expected_r = expected_r * 0.5 + row
    np.testing.assert_allclose(folded_r, expected_r, rtol=1e-6)
    np.testing.assert_allclose(switched, np.where(xv > 0.5, xv, -xv))
    np.testing.assert_allclose(train, 2 * xv, rtol=1e-6)
    np.testing.assert_allclose(o, np.cumsum(sv, axis=1), rtol=1e-6)
    np.testing.assert_allclose(l, sv.sum(axis=1), rtol=1e-6)
    np.testing.assert_allclose(s, sv.sum(axis=1), rtol=1e-6)
    np.testing.assert_allclose(shaped, xv + 3, rtol=1e-6)
    np.testing.assert_allclose(f([xv, sv, 0])[4], xv, rtol=1e-6)


def test_augmented_assignment_on_symbolic_tensors_rebinds():
    x = K.placeholder(shape=(None, 2))
    y = x
    y += 1.
    y *= 3.
    f = K.function([x], [x, y])
    value = np.random.rand(2, 2).astype('float32')
    out_x, out_y = f([value])
    np.testing.assert_allclose(out_x, value)
    np.testing.assert_allclose(out_y, (value + 1) * 3, rtol=1e-6)


def test_gradients_inside_a_lambda_run_under_predict():
    inp = Input(shape=(3,))
    hidden = Dense(2, activation='tanh')(inp)
    saliency = Lambda(lambda t: K.gradients(K.sum(t), inp)[0])(hidden)
    model = Model(inp, saliency)
    x = np.random.rand(4, 3).astype('float32')
    out = model.predict(x)
    kernel, bias = model.layers[1].get_weights()
    expected = (1 - np.tanh(x @ kernel + bias) ** 2) @ kernel.T
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


def test_gradients_of_a_computed_loss_need_a_running_graph():
    x = K.placeholder(shape=(None, 2))
    with pytest.raises(ValueError, match='no value in the current run'):
        K.gradients(torch.ones(()), [x])


def test_vae_loss_function_reading_graph_tensors():
    # The Keras 2.0 example: the loss function reads z_mean and z_log_var
    # of the script.
    x = Input(shape=(5,))
    h = Dense(4, activation='relu')(x)
    z_mean = Dense(2)(h)
    z_log_var = Dense(2)(h)
    x_decoded = Dense(5, activation='sigmoid')(Dense(4)(z_mean))

    def vae_loss(y_true, y_pred):
        xent = K.sum(K.binary_crossentropy(y_true, y_pred), axis=-1)
        kl = -0.5 * K.sum(1 + z_log_var - K.square(z_mean) -
                          K.exp(z_log_var), axis=-1)
        return xent + kl

    globals()['z_mean'], globals()['z_log_var'] = z_mean, z_log_var
    try:
        vae = Model(x, x_decoded)
        vae.compile(optimizer='rmsprop', loss=vae_loss)
        data = np.random.rand(16, 5).astype('float32')
        zm, zlv, dec = Model(x, [z_mean, z_log_var, x_decoded]).predict(data)
        dec = np.clip(dec, 1e-7, 1 - 1e-7)
        xent = -np.sum(data * np.log(dec) + (1 - data) * np.log(1 - dec),
                       axis=-1)
        kl = -0.5 * np.sum(1 + zlv - zm ** 2 - np.exp(zlv), axis=-1)
        assert vae.evaluate(data, data, batch_size=16, verbose=0) == \
            pytest.approx(np.mean(xent + kl), rel=1e-4)
        history = vae.fit(data, data, epochs=3, batch_size=4, verbose=0)
        assert history.history['loss'][-1] < history.history['loss'][0]
    finally:
        del globals()['z_mean'], globals()['z_log_var']


def test_wgan_gradient_penalty_loss_through_a_partial():
    from functools import partial

    critic = Sequential([Dense(4, activation='tanh', input_shape=(3,)),
                         Dense(1)])
    real = Input(shape=(3,))
    fake = Input(shape=(3,))
    averaged = Lambda(lambda t: 0.5 * t[0] + 0.5 * t[1])([real, fake])
    averaged_out = critic(averaged)

    def gradient_penalty_loss(y_true, y_pred, averaged_samples, weight):
        gradients = K.gradients(y_pred, averaged_samples)[0]
        norm = K.sqrt(K.sum(K.square(gradients), axis=1))
        return K.mean(weight * K.square(1 - norm))

    gp_loss = partial(gradient_penalty_loss, averaged_samples=averaged,
                      weight=10.)
    gp_loss.__name__ = 'gradient_penalty'
    model = Model([real, fake], averaged_out)
    weights = [w.copy() for w in critic.get_weights()]
    model.compile(keras.optimizers.SGD(lr=0.01), loss=gp_loss)
    xr = np.random.rand(6, 3).astype('float32')
    xf = np.random.rand(6, 3).astype('float32')
    reported = model.train_on_batch([xr, xf], np.zeros((6, 1), 'float32'))

    k1, b1, k2, b2 = [torch.tensor(w, requires_grad=True) for w in weights]
    avg = torch.tensor(0.5 * xr + 0.5 * xf, requires_grad=True)
    out = torch.tanh(avg @ k1 + b1) @ k2 + b2
    g, = torch.autograd.grad(out.sum(), avg, create_graph=True)
    penalty = (10. * (1 - g.pow(2).sum(1).sqrt()) ** 2).mean()
    penalty.backward()
    assert reported == pytest.approx(float(penalty), rel=1e-5)
    for ours, ref in zip(critic.get_weights(), (k1, b1, k2, b2)):
        # The output bias does not reach the penalty: no gradient.
        grad = torch.zeros_like(ref) if ref.grad is None else ref.grad
        np.testing.assert_allclose(
            ours, (ref - 0.01 * grad).detach().numpy(), rtol=1e-5,
            atol=1e-6)


def test_python_operators_on_symbolic_tensors():
    x = K.placeholder(shape=(None, 3))
    f = K.function([x], [2 ** x, x // 0.25, x % 0.25, x < 0.5, x >= 0.5,
                         (x > 0.2) & (x < 0.8), (x < 0.2) | (x > 0.8),
                         ~(x > 0.5), K.mean(x, axis=0)])
    v = np.random.rand(4, 3).astype('float32')
    out = f([v])
    expected = [2 ** v, v // 0.25, v % 0.25, v < 0.5, v >= 0.5,
                (v > 0.2) & (v < 0.8), (v < 0.2) | (v > 0.8), ~(v > 0.5),
                v.mean(axis=0)]
    for ours, ref in zip(out, expected):
        np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=1e-6)
    # Static shapes: a reduction over the batch axis has a known size.
    assert K.int_shape(K.mean(x, axis=0)) == (3,)
    assert K.int_shape(x < 0.5) == (None, 3)
    assert K.dtype(x < 0.5) == 'bool'


def test_evaluating_a_symbolic_tensor_eagerly_says_how():
    x = K.placeholder(shape=(None, 3))
    with pytest.raises(ValueError, match='K.function'):
        K.eval(K.sum(x))


def test_variables_from_reversed_arrays_and_scalars():
    # neural_style_transfer's preprocess_image returns x[..., ::-1].
    value = np.arange(6, dtype='float32').reshape(1, 2, 3)[..., ::-1]
    np.testing.assert_array_equal(K.get_value(K.variable(value)), value)
    assert K.int_shape(K.variable(0.)) == ()


def test_the_tensorflow_module_of_the_backend_runs_on_pytorch():
    # Keras 2.2's TensorFlow backend exposed `tf`; keras-contrib's CRF
    # writes K.tf.slice / K.tf.range / K.tf.gather_nd.
    values = K.tf.gather_nd(K.constant([[1., 2.], [3., 4.]]),
                            K.tf.stack([K.tf.range(2), [1, 0]], axis=1))
    np.testing.assert_array_equal(K.eval(values), [2., 3.])
    with pytest.raises(AttributeError, match='Keras on PyTorch'):
        K.tf.image_summary


def test_k_function_runs_in_the_phase_set_learning_phase_forced():
    # Monte Carlo dropout: K.set_learning_phase(1), then a K.function of
    # the model output without the phase among its inputs.
    K.set_learning_phase(1)
    model = keras.models.Sequential([
        keras.layers.Dense(64, input_shape=(4,), kernel_initializer='ones'),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(1, kernel_initializer='ones')])
    sample = keras.backend.function([model.input], [model.output])
    outputs = {sample([np.ones((1, 4))])[0].item() for _ in range(8)}
    assert len(outputs) > 1
    K.clear_session()
    model_output = keras.backend.function([model.input], [model.output])
    assert {model_output([np.ones((1, 4))])[0].item()
            for _ in range(3)} == {256.}


def test_gradients_with_respect_to_reordered_weight_attributes():
    # conv.kernel and lstm.cell.kernel are Keras-layout tensors computed
    # from the torch weights; their gradients are those of the weights
    # as `layer.weights` lists them.
    inp = Input((4, 4, 2))
    conv = Conv2D(3, (3, 2))
    model = Model(inp, conv(inp))
    grad = K.function([inp], K.gradients(K.sum(model.output),
                                         [conv.kernel]))
    # Each kernel entry sees input 1 at each of the 2 x 3 output positions.
    np.testing.assert_array_equal(grad([np.ones((1, 4, 4, 2))])[0],
                                  np.full((3, 2, 2, 3), 6.))
    seq = Input((5, 3))
    lstm = keras.layers.LSTM(4)
    model = Model(seq, Dense(1)(lstm(seq)))
    grads = K.function([seq], K.gradients(
        K.sum(model.output), [lstm.cell.kernel, lstm.cell.recurrent_kernel]
        + lstm.trainable_weights[:2]))(
        [np.random.RandomState(0).rand(2, 5, 3)])
    np.testing.assert_allclose(grads[0], grads[2], rtol=1e-6)
    np.testing.assert_allclose(grads[1], grads[3], rtol=1e-6)
    assert np.abs(grads[0]).sum() > 0


def test_total_loss_targets_and_sample_weights_after_compile():
    # The Keras 2 recipe for the gradients of the loss of a batch.
    model = Sequential([Dense(1, input_dim=2, kernel_initializer='ones',
                              bias_initializer='zeros')])
    model.compile(loss='mse', optimizer='sgd')
    grads = model.optimizer.get_gradients(model.total_loss,
                                          model.trainable_weights)
    gradient = K.function([model.inputs[0], model.sample_weights[0],
                           model.targets[0], K.learning_phase()], grads)
    kernel, bias = gradient([np.array([[1., 2.]]), [1], np.zeros((1, 1)),
                             0])
    # loss (x.w)^2 = 9 at x = (1, 2), w = (1, 1): 2 * 3 * x, 2 * 3.
    np.testing.assert_allclose(kernel.ravel(), [6., 12.])
    np.testing.assert_allclose(bias, [6.])
    # Keras 2.3 / tf.keras weighting, as fit's: mean(score * w) over the
    # batch, here mean([9 * 1, 1 * 0]) (Keras 2.2 divided by the 0.5 of
    # non-zero weights).
    loss = K.function([model.inputs[0], model.sample_weights[0],
                       model.targets[0]], [model.total_loss])
    x, w, y = np.array([[1., 2.], [1., 0.]]), np.array([1., 0.]), \
        np.zeros((2, 1))
    value = loss([x, w, y])[0]
    assert float(value) == pytest.approx(4.5)
    assert float(value) == pytest.approx(
        model.test_on_batch(x, y, sample_weight=w))


def test_total_loss_adds_the_weight_penalties_at_run_time():
    model = Sequential([Dense(1, input_dim=2, kernel_initializer='ones',
                              kernel_regularizer=keras.regularizers.l2(.5))])
    model.compile('sgd', 'mse', loss_weights=[2.])
    loss = K.function([model.input, model.targets[0],
                       model.sample_weights[0]], [model.total_loss])
    feed = [np.array([[1., 2.]]), np.zeros((1, 1)), np.ones(1)]
    # 2 * 3^2 + 0.5 * (1 + 1)
    assert float(loss(feed)[0]) == pytest.approx(19.)
    model.set_weights([np.zeros((2, 1)), np.zeros(1)])
    assert float(loss(feed)[0]) == pytest.approx(0.)


def test_a_switch_on_the_learning_phase_is_decided_when_the_graph_runs():
    y = K.placeholder(shape=(None, 2))
    switched = K.switch(K.learning_phase(), lambda: y + 1, lambda: y - 1)
    in_train = K.in_train_phase(y * 2, y * 3)
    run = K.function([y, K.learning_phase()], [switched, in_train])
    ones = np.ones((1, 2))
    training, testing = run([ones, 1]), run([ones, 0])
    np.testing.assert_array_equal(training[0], [[2., 2.]])
    np.testing.assert_array_equal(testing[0], [[0., 0.]])
    np.testing.assert_array_equal(training[1], [[2., 2.]])
    np.testing.assert_array_equal(testing[1], [[3., 3.]])
    # On values, the phase of the moment decides at once.
    assert K.switch(K.learning_phase(), 1, 2) == 2
    assert K.learning_phase() == 0 and isinstance(K.learning_phase(), int)


def test_placeholder_of_unknown_width_meets_a_known_output():
    inputs = Input((3,))
    outputs = Dense(4, kernel_initializer='ones')(inputs)
    targets = K.placeholder(ndim=2)
    diff = outputs - targets
    assert K.int_shape(diff) == (None, 4)
    loss = K.function([inputs, targets], [K.mean(K.square(diff))])
    x = np.ones((2, 3), 'float32')
    assert float(loss([x, np.zeros((2, 4))])[0]) == pytest.approx(9.)


@pytest.mark.parametrize('loss,width', [('mse', 2),
                                        ('categorical_crossentropy', 5),
                                        ('binary_crossentropy', 4)])
def test_total_loss_of_any_output_width(loss, width):
    inputs = Input((3,))
    model = Model(inputs, Dense(width, activation='softmax')(inputs))
    model.compile('sgd', loss)
    run = K.function(model.inputs + model.targets + model.sample_weights,
                     [model.total_loss])
    x = np.random.RandomState(0).rand(4, 3)
    y = np.eye(width)[[0, 1, 0, 1]]
    pred = model.predict(x).astype('float64')
    if loss == 'mse':
        expected = np.mean((pred - y) ** 2)
    elif loss == 'categorical_crossentropy':
        expected = -np.mean(np.sum(y * np.log(pred), axis=-1))
    else:
        expected = -np.mean(y * np.log(pred) + (1 - y) * np.log(1 - pred))
    assert float(run([x, y, np.ones(4)])[0]) == pytest.approx(expected, 1e-5)


def test_function_in_training_phase_updates_no_state_unless_given_updates():
    # Monte Carlo dropout through K.function on a model with
    # BatchNormalization: Keras 2 ran only the updates passed.
    from keras_compat.layers import BatchNormalization
    inputs = Input((4,))
    bn = BatchNormalization()
    model = Model(inputs, bn(inputs))
    x = np.ones((5, 4), 'float32')
    sample = K.function([model.input, K.learning_phase()], [model.output])
    sample([x, 1])
    np.testing.assert_array_equal(K.get_value(bn.moving_mean), np.zeros(4))
    train = K.function([model.input, K.learning_phase()], [model.output],
                       updates=model.updates)
    train([x, 1])
    np.testing.assert_allclose(K.get_value(bn.moving_mean),
                               np.full(4, 0.01), rtol=1e-5)


def test_scalar_placeholder():
    scale = K.placeholder(shape=())
    x = K.placeholder(shape=(None, 2))
    assert K.int_shape(scale) == ()
    run = K.function([x, scale], [K.sum(x) * scale])
    result = run([np.ones((3, 2)), 2.])[0]
    assert result.shape == () and float(result) == 12.


def test_symbolic_tensor_arithmetic_with_lists_and_arrays():
    # keras_applications' 'torch' preprocessing inside a model:
    # x /= [0.229, 0.224, 0.225], x -= np.array([...]).
    inputs = keras.layers.Input((2, 3))
    x = inputs / [0.229, 0.224, 0.225]
    x = x - np.array([0.485, 0.456, 0.406])
    x = x * (1., 2., 3.)
    model = keras.models.Model(inputs, x)
    data = np.ones((1, 2, 3), 'float32')
    expected = (data / [0.229, 0.224, 0.225] - [0.485, 0.456, 0.406]) * \
        [1., 2., 3.]
    out = model.predict(data)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    model.compile('sgd', 'mse')
    assert np.isfinite(model.evaluate(data, data, verbose=0))
