"""The functional API: Input, Model, merge layers, shared layers,
multi-input/multi-output training, nested models, symbolic ops,
add_loss/add_metric, K.function/K.gradients and config round trips."""
import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import layers
from keras_compat.layers import Input, Dense
from keras_compat.models import Model, Sequential, load_model

rng = np.random.RandomState(0)


def test_input_and_layer_graph_metadata():
    a = Input(shape=(4,), name='a')
    assert a.shape == (None, 4) and K.is_keras_tensor(a)
    assert a._keras_history[0].name == 'a'
    dense = Dense(3)
    y = dense(a)
    assert K.int_shape(y) == (None, 3)
    assert dense.input is a and dense.output is y
    assert dense.input_shape == (None, 4) and dense.output_shape == (None, 3)
    b = Input(batch_shape=(8, 4))
    z = dense(b)
    assert dense.get_input_at(1) is b and dense.get_output_at(1) is z
    with pytest.raises(AttributeError, match='multiple inbound nodes'):
        dense.output
    with pytest.raises(AssertionError, match='Please provide to Input'):
        Input()


def test_multi_input_multi_output_training_and_names():
    main = Input(shape=(10,), dtype='int32', name='main_input')
    x = layers.Embedding(100, 8, input_length=10)(main)
    lstm_out = layers.LSTM(6)(x)
    aux_out = Dense(1, activation='sigmoid', name='aux_output')(lstm_out)
    aux_in = Input(shape=(5,), name='aux_input')
    x = layers.concatenate([lstm_out, aux_in])
    x = Dense(8, activation='relu')(x)
    main_out = Dense(1, activation='sigmoid', name='main_output')(x)
    model = Model(inputs=[main, aux_in], outputs=[main_out, aux_out])
    model.compile(optimizer='rmsprop',
                  loss={'main_output': 'binary_crossentropy',
                        'aux_output': 'binary_crossentropy'},
                  loss_weights={'main_output': 1., 'aux_output': 0.2},
                  metrics=['accuracy'])
    n = 32
    data = {'main_input': rng.randint(1, 100, (n, 10)),
            'aux_input': rng.rand(n, 5)}
    labels = rng.randint(2, size=(n, 1))
    history = model.fit(data, {'main_output': labels, 'aux_output': labels},
                        epochs=2, batch_size=16, verbose=0)
    assert model.metrics_names == ['loss', 'main_output_loss',
                                   'aux_output_loss', 'main_output_accuracy',
                                   'aux_output_accuracy']
    assert set(history.history) == set(model.metrics_names)
    total, main_loss, aux_loss, _, _ = model.evaluate(
        [data['main_input'], data['aux_input']], [labels, labels],
        verbose=0)
    assert total == pytest.approx(main_loss + 0.2 * aux_loss, rel=1e-5)
    preds = model.predict([data['main_input'], data['aux_input']])
    assert isinstance(preds, list) and preds[0].shape == (n, 1)
    with pytest.raises(ValueError, match='Expected to see 2 array'):
        model.predict([data['main_input']])


def test_shared_layer_siamese():
    shared = layers.LSTM(4)
    a, b = Input((5, 3)), Input((5, 3))
    merged = layers.concatenate([shared(a), shared(b)], axis=-1)
    out = Dense(1, activation='sigmoid')(merged)
    model = Model([a, b], out)
    assert len(shared._inbound_nodes) == 2
    assert model.count_params() == shared.count_params() + 9
    model.compile('adam', 'binary_crossentropy')
    x1, x2 = rng.rand(8, 5, 3), rng.rand(8, 5, 3)
    model.fit([x1, x2], rng.randint(2, size=(8, 1)), epochs=1, verbose=0)
    pa = Model(a, shared.get_output_at(0)).predict(x1)
    pb = Model(b, shared.get_output_at(1)).predict(x1)
    np.testing.assert_allclose(pa, pb, rtol=1e-6)


def test_merge_layers_values():
    a, b = Input((3,)), Input((3,))
    x = rng.rand(4, 3).astype(np.float32)
    y = rng.rand(4, 3).astype(np.float32)
    cases = [(layers.add, x + y), (layers.subtract, x - y),
             (layers.multiply, x * y), (layers.average, (x + y) / 2),
             (layers.maximum, np.maximum(x, y)),
             (layers.minimum, np.minimum(x, y)),
             (layers.concatenate, np.concatenate([x, y], -1))]
    for fn, expected in cases:
        model = Model([a, b], fn([a, b]))
        np.testing.assert_allclose(model.predict([x, y]), expected,
                                   rtol=1e-6)
    model = Model([a, b], layers.dot([a, b], axes=1))
    np.testing.assert_allclose(model.predict([x, y]),
                               (x * y).sum(-1, keepdims=True), rtol=1e-5)
    model = Model([a, b], layers.dot([a, b], axes=1, normalize=True))
    cos = (x * y).sum(-1) / np.linalg.norm(x, axis=-1) / \
        np.linalg.norm(y, axis=-1)
    np.testing.assert_allclose(model.predict([x, y])[:, 0], cos, rtol=1e-5)


def test_incompatible_merge_shapes_name_the_layer():
    a, b = Input((3,)), Input((4,))
    with pytest.raises(ValueError, match='broadcast.*add_1'):
        layers.Add(name='add_1')([a, b])
    c, d = Input((3, 2)), Input((4, 5))
    with pytest.raises(ValueError, match='matching shapes.*concatenate_1'):
        layers.Concatenate(axis=-1, name='concatenate_1')([c, d])
    with pytest.raises(ValueError, match='exactly 2 inputs'):
        layers.subtract([a, a, a])


def test_disconnected_graph_and_bad_inputs():
    a, b = Input((3,)), Input((3,))
    out = Dense(2)(layers.add([a, b]))
    with pytest.raises(ValueError, match='Graph disconnected'):
        Model(a, out)
    with pytest.raises(ValueError, match='must come from `keras.layers.'
                                         'Input`'):
        Model(np.zeros(3), out)
    model = Model([a, b], out)
    model.compile('sgd', 'mse')
    with pytest.raises(ValueError, match='Expected to see 2 array'):
        model.fit([np.zeros((4, 3))] * 3, np.zeros((4, 2)), verbose=0)


def test_nested_models_both_directions():
    inner = Sequential([Dense(4, activation='relu', input_shape=(3,)),
                        Dense(2)])
    a = Input((3,))
    outer = Model(a, Dense(1)(inner(a)))
    x = rng.rand(5, 3).astype(np.float32)
    expected = inner.predict(x) @ outer.layers[-1].get_weights()[0] + \
        outer.layers[-1].get_weights()[1]
    np.testing.assert_allclose(outer.predict(x), expected, rtol=1e-5)
    seq = Sequential([outer, Dense(2)])
    assert seq.output_shape == (None, 2)
    seq.compile('sgd', 'mse')
    seq.fit(x, rng.rand(5, 2), epochs=1, verbose=0)
    assert len(seq.get_weights()) == 8


def test_feature_extractor_from_trained_model():
    model = Sequential([Dense(6, activation='relu', input_shape=(4,),
                              name='hidden'),
                        Dense(2, activation='softmax')])
    model.compile('adam', 'categorical_crossentropy')
    model.fit(rng.rand(16, 4), keras.utils.to_categorical(
        rng.randint(2, size=16), 2), epochs=1, verbose=0)
    extractor = Model(inputs=model.input,
                      outputs=model.get_layer('hidden').output)
    x = rng.rand(3, 4).astype(np.float32)
    k, b = model.get_layer('hidden').get_weights()
    np.testing.assert_allclose(extractor.predict(x),
                               np.maximum(x @ k + b, 0), rtol=1e-5,
                               atol=1e-6)
    legacy = Model(input=model.input, output=model.layers[0].output)
    np.testing.assert_allclose(legacy.predict(x), extractor.predict(x))


def test_symbolic_ops_in_graph():
    a = Input((4,))
    h = Dense(4)(a)
    out = K.mean(h * 2 + 1, axis=-1, keepdims=True)
    model = Model(a, out)
    x = rng.rand(3, 4).astype(np.float32)
    k, b = model.layers[1].get_weights()
    np.testing.assert_allclose(model.predict(x),
                               np.mean((x @ k + b) * 2 + 1, -1,
                                       keepdims=True), rtol=1e-5)


def test_autoencoder_with_add_loss_and_add_metric():
    inp = Input((6,))
    code = Dense(2, activation='relu')(inp)
    recon = Dense(6)(code)
    model = Model(inp, recon)
    model.add_loss(K.mean(K.square(recon - inp)))
    model.add_metric(K.mean(code), name='mean_code')
    model.compile('adam')
    x = rng.rand(32, 6).astype(np.float32)
    history = model.fit(x, None, epochs=3, batch_size=8, verbose=0)
    assert history.history['loss'][-1] < history.history['loss'][0]
    assert 'mean_code' in history.history
    loss, mean_code = model.evaluate(x, verbose=0)
    pred = model.predict(x)
    assert loss == pytest.approx(np.mean((pred - x) ** 2), rel=1e-5)


def test_layer_add_loss_and_add_metric_in_call():
    class Activity(layers.Layer):
        def call(self, x):
            self.add_loss(0.1 * torch.sum(x ** 2) / x.shape[0])
            self.add_metric(torch.mean(x), name='activation_mean')
            return x
    model = Sequential([Dense(3, input_dim=2), Activity()])
    model.compile('sgd', 'mse')
    x = rng.rand(8, 2).astype(np.float32)
    history = model.fit(x, np.zeros((8, 3)), batch_size=8, epochs=1,
                        verbose=0)
    assert 'activation_mean' in history.history


def test_k_function_and_gradients():
    inp = Input((4,))
    hidden = Dense(3, activation='relu')(inp)
    drop = layers.Dropout(0.5)(hidden)
    out = Dense(1)(drop)
    model = Model(inp, out)
    x = rng.rand(5, 4).astype(np.float32)
    f = K.function([model.input, K.learning_phase()], [hidden, out])
    h, o = f([x, 0])
    k, b = model.layers[1].get_weights()
    np.testing.assert_allclose(h, np.maximum(x @ k + b, 0), rtol=1e-5)
    np.testing.assert_allclose(o, model.predict(x), rtol=1e-5)
    loss = K.mean(out)
    grads = K.gradients(loss, model.input)[0]
    saliency = K.function([model.input], [grads])([x])[0]
    eps = 1e-2
    numeric = np.zeros_like(x)
    for i in range(5):
        for j in range(4):
            xp, xm = x.copy(), x.copy()
            xp[i, j] += eps
            xm[i, j] -= eps
            numeric[i, j] = (model.predict(xp).mean() -
                             model.predict(xm).mean()) / (2 * eps)
    np.testing.assert_allclose(saliency, numeric, atol=1e-4)
    weight_grads = K.function([model.input],
                              K.gradients(loss, model.trainable_weights))
    values = weight_grads([x])
    assert [v.shape for v in values] == [w.shape for w in
                                        model.get_weights()]


def test_eager_gradients_of_real_tensors():
    layer = Dense(2, input_dim=3)
    Sequential([layer])
    x = torch.rand(4, 3)
    loss = layer(x).sum()
    g_kernel, g_bias = K.gradients(loss, layer.trainable_weights)
    np.testing.assert_allclose(g_kernel.numpy(),
                               x.sum(0, keepdim=True).T.repeat(1, 2).numpy(),
                               rtol=1e-5)
    np.testing.assert_allclose(g_bias.numpy(), [4., 4.])


def test_functional_config_round_trip_and_save(tmp_path):
    a, b = Input((3,), name='left'), Input((3,), name='right')
    shared = Dense(4, name='shared')
    merged = layers.concatenate([shared(a), shared(b)])
    inner = Sequential([Dense(2, input_shape=(8,))], name='head')
    out = inner(merged)
    model = Model([a, b], out, name='siamese')
    config = model.get_config()
    clone = Model.from_config(config)
    assert [l.name for l in clone.layers] == [l.name for l in model.layers]
    clone.set_weights(model.get_weights())
    x, y = rng.rand(2, 3), rng.rand(2, 3)
    np.testing.assert_allclose(clone.predict([x, y]),
                               model.predict([x, y]), rtol=1e-6)
    json_clone = keras.models.model_from_json(model.to_json())
    assert json_clone.count_params() == model.count_params()
    model.compile('adam', 'mse')
    model.fit([x, y], rng.rand(2, 2), verbose=0)
    path = str(tmp_path / 'siamese.h5')
    model.save(path)
    restored = load_model(path)
    np.testing.assert_allclose(restored.predict([x, y]),
                               model.predict([x, y]), rtol=1e-6)
    restored.fit([x, y], rng.rand(2, 2), verbose=0)


def test_subclassed_model():
    class TwoLayer(Model):
        def __init__(self):
            super(TwoLayer, self).__init__(name='two_layer')
            self.hidden = Dense(5, activation='relu')
            self.out = Dense(2)

        def call(self, inputs):
            return self.out(self.hidden(inputs))
    model = TwoLayer()
    model.compile('adam', 'mse')
    x = rng.rand(16, 3).astype(np.float32)
    model.fit(x, rng.rand(16, 2), epochs=2, verbose=0)
    assert [l.name for l in model.layers] == [model.hidden.name,
                                              model.out.name]
    assert len(model.trainable_weights) == 4
    assert model.predict(x).shape == (16, 2)


def test_sequential_input_output_tensors():
    model = Sequential([Dense(3, input_shape=(2,)), Dense(1)])
    assert K.is_keras_tensor(model.input) and K.is_keras_tensor(model.output)
    assert model.inputs == [model.input]
    f = K.function([model.input], [model.layers[0].output])
    x = rng.rand(2, 2).astype(np.float32)
    k, b = model.layers[0].get_weights()
    np.testing.assert_allclose(f([x])[0], x @ k + b, rtol=1e-5)


def test_loss_functions_on_symbolic_tensors_build_a_vae_loss():
    # The Keras 2 VAE example: loss functions called on the model's own
    # tensors, a scalar multiplied by a number, and add_loss.
    from keras_compat.losses import binary_crossentropy
    rng = np.random.RandomState(0)
    x = rng.rand(32, 6).astype('float32')
    inputs = Input((6,))
    z_mean = Dense(2, name='z_mean')(inputs)
    z_log_var = Dense(2, name='z_log_var')(inputs)
    outputs = Dense(6, activation='sigmoid')(z_mean)
    vae = Model(inputs, outputs)
    reconstruction = binary_crossentropy(K.flatten(inputs),
                                         K.flatten(outputs))
    assert K.int_shape(reconstruction) == ()
    reconstruction *= 6
    kl = -0.5 * K.sum(1 + z_log_var - K.square(z_mean) - K.exp(z_log_var),
                      axis=-1)
    vae.add_loss(K.mean(reconstruction + kl))
    vae.compile(optimizer='adam')
    vae.fit(x, epochs=2, batch_size=8, verbose=0)

    encoder = Model(inputs, [z_mean, z_log_var])
    mean, log_var = encoder.predict(x)
    pred = np.clip(vae.predict(x), K.epsilon(), 1 - K.epsilon())
    bce = -np.mean(x * np.log(pred) + (1 - x) * np.log(1 - pred)) * 6
    kl_np = -0.5 * np.sum(1 + log_var - mean ** 2 - np.exp(log_var), -1)
    expected = np.mean(bce + kl_np)
    np.testing.assert_allclose(vae.evaluate(x, batch_size=32, verbose=0),
                               expected, rtol=1e-4)


def test_metric_functions_on_symbolic_tensors():
    from keras_compat.metrics import categorical_accuracy
    inputs = Input((3,))
    labels = Input((3,))
    outputs = Dense(3, activation='softmax')(inputs)
    hits = categorical_accuracy(labels, outputs)
    assert K.int_shape(hits) == (None,)
    model = Model([inputs, labels], hits)
    x = np.eye(3, dtype='float32')
    pred = Model(inputs, outputs).predict(x)
    np.testing.assert_array_equal(model.predict([x, x]),
                                  (pred.argmax(-1) == np.arange(3)) * 1.)


def test_model_called_on_tensor_with_extra_axis_as_in_keras2():
    # Keras 2.3's ACGAN generator feeds an Embedding output (None, 1, 100)
    # to a Sequential built for (None, 100): the model itself checks
    # nothing; its Dense and Reshape layers accept the extra axis.
    cnn = Sequential([Dense(12, input_dim=4), layers.Reshape((3, 4))])
    latent = Input((4,))
    label = Input((1,), dtype='int32')
    cls = layers.Embedding(3, 4)(label)
    h = layers.multiply([latent, cls])
    assert K.int_shape(h) == (None, 1, 4)
    out = cnn(h)
    assert K.int_shape(out) == (None, 3, 4)
    model = Model([latent, label], out)
    z = np.random.rand(5, 4).astype('float32')
    c = np.array([[0], [1], [2], [1], [0]])
    embedding, = [l for l in model.layers
                  if isinstance(l, layers.Embedding)]
    emb = embedding.get_weights()[0]
    kernel, bias = cnn.layers[0].get_weights()
    expected = ((z * emb[c[:, 0]]).dot(kernel) + bias).reshape(5, 3, 4)
    np.testing.assert_allclose(model.predict([z, c]), expected, rtol=1e-5,
                               atol=1e-6)


def test_model_compute_mask_per_output():
    import numpy as np
    from keras_compat import layers, models
    a, b = layers.Input((4,)), layers.Input((4,))
    merged = layers.concatenate([a, b])
    model = models.Model([a, b], [layers.Dense(3)(merged),
                                  layers.Dense(2)(merged)])
    assert model.compute_mask([a, b], [None, None]) == [None, None]
    tokens = layers.Input((4,))
    embedded = models.Model(tokens, layers.Embedding(
        10, 3, mask_zero=True)(tokens))
    mask = embedded.compute_mask(np.array([[1, 0, 2, 0]]), None)
    assert mask.tolist() == [[True, False, True, False]]


def test_non_masking_layer_rejects_a_mask_and_unconnected_layers_raise():
    import numpy as np
    import pytest
    from keras_compat import layers
    conv = layers.Conv2D(1, 2)
    assert conv.compute_mask(None, [None]) is None
    with pytest.raises(TypeError, match='does not support masking'):
        conv.compute_mask(None, np.ones((2, 2)))
    dense = layers.Dense(2)
    for name in ('input', 'output', 'input_mask', 'output_mask'):
        with pytest.raises(AttributeError):
            getattr(dense, name)


def test_concatenate_mask_with_functional_inputs_and_real_masks():
    import numpy as np
    import pytest
    from keras_compat import backend as K
    from keras_compat import layers
    i1, i2 = layers.Input((2, 3)), layers.Input((2, 3))
    concat = layers.Concatenate(axis=1)
    concat([i1, i2])
    masks = [np.array([[1., 0.]]), np.array([[1., 1.]])]
    got = K.eval(concat.compute_mask([i1, i2], [K.variable(m)
                                                for m in masks]))
    assert got.tolist() == [[True, False, True, True]]
    with pytest.raises(ValueError):
        concat.compute_mask([i1, i2], [None])
    with pytest.raises(ValueError):
        concat([i1])


def test_time_distributed_rnn_over_masked_embeddings_reduces_the_mask():
    import numpy as np
    from keras_compat import layers, models
    model = models.Sequential()
    model.add(layers.TimeDistributed(layers.Embedding(5, 6, mask_zero=True),
                                     input_shape=(None, None)))
    model.add(layers.TimeDistributed(layers.SimpleRNN(7,
                                                      return_sequences=True)))
    model.add(layers.TimeDistributed(layers.SimpleRNN(8)))
    model.add(layers.SimpleRNN(1))
    model.compile('rmsprop', 'mse')
    tokens = np.random.RandomState(0).randint(1, 5, size=(10, 3, 4))
    for i in range(4):
        tokens[i, i:, i:] = 0
    model.fit(tokens, np.random.rand(10, 1), epochs=1, verbose=0)
    td = model.layers[2]
    inner = model.layers[1](model.layers[0](
        __import__('torch').as_tensor(tokens)))
    assert td.compute_mask(None, inner._keras_mask).tolist() == \
        np.any(tokens > 0, axis=-1).tolist()


def _first_output_alive_at_last_layer(model, x):
    """Whether the first layer's output is still held when the last
    layer runs (a no-grad forward pass, so autograd saves nothing)."""
    import weakref
    seen = {}
    first, last = model.layers[1], model.layers[-1]
    def on_first(module, inputs, output):
        seen['first'] = weakref.ref(output)

    def on_last(module, inputs, output):
        seen['alive'] = seen['first']() is not None
    first.register_forward_hook(on_first)
    last.register_forward_hook(on_last)
    with torch.no_grad():
        model(torch.from_numpy(x))
    return seen['alive']


def test_a_run_frees_values_no_later_layer_reads():
    inputs = layers.Input((4,))
    h = layers.Dense(8)(inputs)
    h = layers.Dense(8)(h)
    model = Model(inputs, layers.Dense(2)(h))
    x = np.random.rand(3, 4).astype('float32')
    assert not _first_output_alive_at_last_layer(model, x)


def test_a_run_keeps_every_value_when_user_code_may_read_it():
    inputs = layers.Input((4,))
    h = layers.Dense(8)(inputs)
    # The Lambda reads `h`, which it is not given, from the running graph.
    g = layers.Lambda(lambda t: t * 2. + K.mean(h))(layers.Dense(8)(h))
    model = Model(inputs, layers.Dense(2)(g))
    x = np.random.rand(3, 4).astype('float32')
    assert _first_output_alive_at_last_layer(model, x)
    hidden = K.function([inputs], [h])([x])[0]
    kernel, bias = model.layers[1].get_weights()
    np.testing.assert_allclose(hidden, x @ kernel + bias, rtol=1e-5, atol=1e-6)


def test_metrics_tensors_appended_with_their_names_are_logged():
    # Keras 2.2 (Mask R-CNN): a name appended to metrics_names, then a
    # graph tensor appended to metrics_tensors, is a logged metric.
    from keras_compat import backend as K
    inputs = Input((3,))
    outputs = Dense(2)(inputs)
    model = Model(inputs, outputs)
    model.compile('sgd', 'mse', metrics=['mae'])
    model.metrics_names.append('mean_out')
    model.metrics_tensors.append(K.mean(outputs))
    model.metrics_names.append('max_out')
    model.metrics_tensors.append(K.max(outputs))
    assert model.metrics_names == ['loss', 'mae', 'mean_out', 'max_out']
    assert len(model.metrics_tensors) == 2
    x = np.random.RandomState(0).rand(6, 3)
    y = np.random.RandomState(1).rand(6, 2)
    result = model.evaluate(x, y, batch_size=6, verbose=0)
    pred = model.predict(x)
    np.testing.assert_allclose(result[2:], [pred.mean(), pred.max()],
                               rtol=1e-5)
    history = model.fit(x, y, batch_size=6, epochs=1, verbose=0)
    assert sorted(history.history) == ['loss', 'mae', 'max_out', 'mean_out']


@pytest.mark.parametrize('name', ['loss', 'history', 'stop_training'])
def test_layer_named_like_a_model_attribute_trains(name):
    # keras-rl's DQN names its Lambda layer 'loss'.
    inputs = Input((2,))
    model = Model(inputs, Dense(1, name=name, kernel_initializer='ones',
                                bias_initializer='zeros')(inputs))
    model.compile(keras.optimizers.SGD(lr=0.1), ['mse'])
    x, y = np.ones((4, 2)), np.zeros((4, 1))
    history = model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    # out = w1 + w2 + b = 2; the step takes 0.1 * 2 * out = 0.4 off each
    # weight and the bias, so out = 0.8.
    np.testing.assert_allclose(history.history['loss'], [4., 0.64],
                               rtol=1e-5)
    assert model.get_layer(name).name == name


class _Endpoint(layers.Layer):
    """tf.keras's endpoint pattern: targets and predictions as two
    positional tensors, the loss added inside."""

    def call(self, targets, predictions):
        self.add_loss(K.mean(K.square(targets - predictions)))
        return predictions


def test_tensors_passed_after_the_inputs_are_inputs_of_the_node(tmp_path):
    a = layers.Input(shape=(3,), name='a')
    b = layers.Input(shape=(3,), name='b')
    dense = layers.Dense(3, kernel_initializer='ones')
    model = Model([a, b], _Endpoint()(a, dense(b)))
    # tf.keras's order: the Dense branch is part of the model.
    assert [l.name for l in model.layers] == ['b', 'a', dense.name,
                                              model.layers[-1].name]
    model.compile(optimizer='sgd')
    history = model.fit([np.ones((4, 3)), np.full((4, 3), 0.5)], verbose=0)
    # Dense(ones) of 0.5s is 1.5 in each unit: (1 - 1.5) ** 2.
    assert history.history['loss'] == [pytest.approx(0.25)]
    config = model.get_config()
    assert config['layers'][-1]['inbound_nodes'] == [
        [['a', 0, 0, {'predictions': [dense.name, 0, 0]}]]]
    loaded = Model.from_config(
        config, custom_objects={'_Endpoint': _Endpoint})
    loaded.set_weights(model.get_weights())
    x = [np.ones((2, 3)), np.full((2, 3), 0.5)]
    np.testing.assert_allclose(loaded.predict(x), model.predict(x))


def test_graph_tensors_given_by_keyword_are_inputs_of_the_node():
    a = layers.Input(shape=(3,))
    b = layers.Input(shape=(3,))
    model = Model([a, b], _Endpoint()(
        a, predictions=layers.Dense(3, kernel_initializer='ones')(b)))
    np.testing.assert_allclose(
        model.predict([np.ones((2, 3)), np.ones((2, 3))]), np.full((2, 3), 3.))


def test_submodules_and_flatten_layers_walk_as_tf_keras():
    # tf_keras 2.21: a functional model holding a deferred Sequential.
    from keras_compat.backend import common
    common.set_api_flavour('tf.keras')
    try:
        K.clear_session()
        inner = Sequential([Dense(3, name='a'),
                            layers.BatchNormalization(name='bn')],
                           name='inner')
        inp = Input((4,), name='in')
        model = Model(inp, Dense(1, name='head')(inner(inp)), name='outer')
        assert sorted(m.name for m in model.submodules) == \
            ['a', 'a_input', 'bn', 'head', 'in', 'inner']
        assert [m.name for m in model._flatten_layers()] == \
            ['outer', 'in', 'inner', 'a_input', 'a', 'bn', 'head']
        assert [m.name for m in model._flatten_layers(
            recursive=False, include_self=False)] == ['in', 'inner', 'head']

        class Tracked(Model):
            def __init__(self):
                super(Tracked, self).__init__()
                self.dense = Dense(2)
                self.tracker = keras.metrics.Mean(name='total_loss')

            def call(self, x):
                return self.dense(x)
        tracked = Tracked()
        tracked(np.ones((1, 3), 'float32'))
        assert sorted(type(m).__name__ for m in tracked.submodules) == \
            ['Dense', 'Mean']
    finally:
        common.set_api_flavour('keras')


def test_keras2_deferred_sequential_names_its_input_after_the_model():
    model = Sequential([Dense(2, name='first')], name='seq')
    model.build((None, 3))
    assert model.layers[0].name == 'first'
    assert model.inputs[0]._keras_history[0].name == 'seq_input'


def test_graph_losses_added_to_a_model_come_after_its_layers_losses():
    # tf_keras 2.21: [L's loss 0.06, Dense's l2 penalty, the model's].
    from keras_compat.backend import common
    from keras_compat import tensorflow_compat as tf
    common.set_api_flavour('tf.keras')
    try:
        class AddsLoss(layers.Layer):
            def call(self, x):
                self.add_loss(tf.reduce_sum(x) * 0.01)
                return x * 2
        inp = Input((3,))
        out = Dense(2, kernel_regularizer='l2', kernel_initializer='ones')(
            AddsLoss()(inp))
        model = Model(inp, out)
        model.add_loss(tf.reduce_mean(out))
        model(np.ones((2, 3), 'float32'))
        np.testing.assert_allclose([float(v) for v in model.losses],
                                   [0.06, 0.06, 6.0], rtol=1e-6)
    finally:
        common.set_api_flavour('keras')


def test_subclassed_model_tracks_layers_in_private_lists_in_order():
    # tf_keras 2.21: p1, p2 (in `self._blocks`), then h.
    class Blocks(Model):
        def __init__(self):
            super(Blocks, self).__init__()
            self._blocks = [Dense(2, name='p1'), Dense(3, name='p2')]
            self._head = Dense(1, name='h')

        def call(self, x):
            for block in self._blocks:
                x = block(x)
            return self._head(x)
    model = Blocks()
    model(np.ones((1, 2), 'float32'))
    assert [layer.name for layer in model.layers] == ['p1', 'p2', 'h']
    assert [tuple(w.shape) for w in model.get_weights()] == \
        [(2, 2), (2,), (2, 3), (3,), (3, 1), (1,)]


def test_a_model_with_operator_nodes_pickles_and_shows_tf_keras_classes():
    import pickle
    from keras_compat.backend import common
    inputs = Input((3,))
    outputs = Dense(3)(inputs) * 2.0 + inputs
    model = Model(inputs, outputs)
    x = rng.rand(2, 3).astype(np.float32)
    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_allclose(copy.predict(x), model.predict(x))
    # tf_keras 2.21 lists `x + y` in a functional model as a TFOpLambda.
    common.set_api_flavour('tf.keras')
    try:
        inputs = Input((3,))
        model = Model(inputs, Dense(3)(inputs) + inputs)
        assert [(l.name, type(l).__name__) for l in model.layers[2:]] == [
            ('tf.__operators__.add', 'TFOpLambda')]
    finally:
        common.set_api_flavour('keras')


def test_a_model_with_backend_and_tensorflow_function_nodes_pickles():
    import pickle
    from keras_compat import tensorflow_compat as tf
    from keras_compat.backend import common
    x = rng.rand(2, 3).astype(np.float32)
    inputs = Input((3,))
    dense = Dense(3)(inputs)
    outputs = [K.mean(dense, axis=1), K.relu(dense), K.concatenate(
        [dense, inputs]), dense[:, :2], K.softmax(dense)]
    model = Model(inputs, outputs)
    copy = pickle.loads(pickle.dumps(model))
    for a, b in zip(copy.predict(x), model.predict(x)):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    common.set_api_flavour('tf.keras')
    try:
        inputs = Input((3,))
        outputs = tf.nn.relu(Dense(3)(inputs) + inputs) * 2.0
        model = Model(inputs, tf.math.reduce_sum(outputs, axis=1))
        copy = pickle.loads(pickle.dumps(model))
        np.testing.assert_allclose(copy.predict(x), model.predict(x),
                                   rtol=1e-6)
    finally:
        common.set_api_flavour('keras')
