"""Keras 2 code as the most copied question-and-answer snippets write it:
losses and metrics written with K ops (class-weighted cross-entropy,
batch-wise F1/precision/recall, dice, contrastive), layer outputs through
`K.function` with the learning phase, Grad-CAM with `K.gradients`, weight
gradients from `optimizer.get_gradients(model.total_loss, ...)`, the
variational autoencoder's `add_loss` summary, re-drawing weights with
their initializer op and the pop-the-last-layer recipe on a functional
model. Numbers come from real Keras 2.3.1 (TensorFlow 1 graph mode) run on
the same weights."""
import numpy as np

import keras_compat as keras
from keras_compat import backend as K
from keras_compat.optimizers import SGD, Adam, RMSprop

L = keras.layers


def _fixed(model, seed=0):
    """Uniform(-0.5, 0.5) weights drawn layer by layer (moving variances
    from [0.5, 1.5]), in `get_weights()` order."""
    rs = np.random.RandomState(seed)
    names = [w.name for layer in model.layers for w in layer.weights]
    model.set_weights([
        rs.uniform(0.5 if 'variance' in n else -0.5,
                   1.5 if 'variance' in n else 0.5, w.shape).astype('float32')
        for n, w in zip(names, model.get_weights())])


def _history(h, key):
    return np.array(h.history[key])


def test_class_weighted_categorical_crossentropy_from_k_ops():
    # Keras 2.3.1: the weighted loss renormalises y_pred with an in-place
    # `/=`, clips to K.epsilon() and weighs classes with a K.variable.
    def weighted_categorical_crossentropy(weights):
        weights = K.variable(weights)

        def loss(y_true, y_pred):
            y_pred /= K.sum(y_pred, axis=-1, keepdims=True)
            y_pred = K.clip(y_pred, K.epsilon(), 1 - K.epsilon())
            return -K.sum(y_true * K.log(y_pred) * weights, -1)
        return loss
    rs = np.random.RandomState(1)
    x = rs.rand(16, 5).astype('float32')
    y = np.eye(3)[rs.randint(0, 3, 16)]
    model = keras.models.Sequential([
        L.Dense(8, activation='relu', input_dim=5),
        L.Dense(3, activation='softmax')])
    _fixed(model)
    model.compile(loss=weighted_categorical_crossentropy([0.5, 2, 10]),
                  optimizer=SGD(lr=0.1), metrics=['accuracy'])
    h = model.fit(x, y, batch_size=8, epochs=3, verbose=0, shuffle=False)
    np.testing.assert_allclose(_history(h, 'loss'),
                               [2.91261, 2.54954, 2.39961], atol=2e-5)
    np.testing.assert_allclose(_history(h, 'accuracy'),
                               [0.25, 0.1875, 0.1875])
    np.testing.assert_allclose(model.predict(x)[0],
                               [0.17601, 0.19521, 0.62878], atol=2e-5)


def test_batchwise_f1_precision_recall_metrics():
    # Keras 2.3.1: the F1/precision/recall functions removed in Keras 2.0,
    # re-added with K.round(K.clip(...)), averaged over batches.
    def recall_m(y_true, y_pred):
        tp = K.sum(K.round(K.clip(y_true * y_pred, 0, 1)))
        return tp / (K.sum(K.round(K.clip(y_true, 0, 1))) + K.epsilon())

    def precision_m(y_true, y_pred):
        tp = K.sum(K.round(K.clip(y_true * y_pred, 0, 1)))
        return tp / (K.sum(K.round(K.clip(y_pred, 0, 1))) + K.epsilon())

    def f1_m(y_true, y_pred):
        p, r = precision_m(y_true, y_pred), recall_m(y_true, y_pred)
        return 2 * ((p * r) / (p + r + K.epsilon()))
    rs = np.random.RandomState(2)
    x = rs.rand(20, 4).astype('float32')
    y = (rs.rand(20, 1) > 0.5).astype('float32')
    model = keras.models.Sequential([
        L.Dense(6, activation='tanh', input_shape=(4,)),
        L.Dense(1, activation='sigmoid')])
    _fixed(model)
    model.compile(loss='binary_crossentropy', optimizer='sgd',
                  metrics=['acc', f1_m, precision_m, recall_m])
    h = model.fit(x, y, batch_size=6, epochs=2, verbose=0, shuffle=False,
                  validation_split=0.3)
    np.testing.assert_allclose(_history(h, 'f1_m'), [0.66667] * 2, atol=1e-5)
    np.testing.assert_allclose(_history(h, 'precision_m'), [0.55556] * 2,
                               atol=1e-5)
    np.testing.assert_allclose(_history(h, 'val_loss'), [0.75325, 0.75263],
                               atol=2e-5)
    values = model.evaluate(x, y, verbose=0, batch_size=7)
    np.testing.assert_allclose(values,
                               [0.74909, 0.45, 0.61279, 0.45238, 1.0],
                               atol=2e-5)
    assert model.metrics_names == ['loss', 'acc', 'f1_m', 'precision_m',
                                   'recall_m']


def test_layer_outputs_through_k_function_with_the_learning_phase():
    # Keras 2.3.1: `K.function([model.layers[0].input, K.learning_phase()],
    # [model.layers[3].output])` fed [x, 0]; one functor per layer.
    model = keras.models.Sequential([
        L.Dense(6, activation='relu', input_shape=(4,)),
        L.BatchNormalization(), L.Dropout(0.5),
        L.Dense(5, activation='relu'), L.Dense(2, activation='softmax')])
    _fixed(model)
    x = np.random.RandomState(3).rand(3, 4).astype('float32')
    get_3rd = K.function([model.layers[0].input, K.learning_phase()],
                         [model.layers[3].output])
    out = get_3rd([x, 0])[0]
    np.testing.assert_allclose(out[0], [0., 0., 0.04603, 0., 0.12203],
                               atol=2e-5)
    assert get_3rd([x, 1])[0].shape == (3, 5)
    functors = [K.function([model.input, K.learning_phase()], [layer.output])
                for layer in model.layers]
    outs = [f([x, 0.])[0] for f in functors]
    np.testing.assert_allclose([o.sum() for o in outs],
                               [4.6882, 2.9859, 2.9859, 0.6197, 3.0],
                               atol=2e-4)
    np.testing.assert_allclose(outs[-1][0], [0.32035, 0.67965], atol=2e-5)


def test_grad_cam_and_filter_visualisation_with_k_gradients():
    # Keras 2.3.1: gradients of `model.output[:, c]` w.r.t. a conv layer's
    # output, pooled over (0, 1, 2), and gradient ascent on the input.
    inp = L.Input((8, 8, 3))
    x = L.Conv2D(4, 3, activation='relu', name='conv1')(inp)
    x = L.Conv2D(6, 3, activation='relu', name='block5_conv3')(x)
    out = L.Dense(3, activation='softmax')(L.GlobalAveragePooling2D()(x))
    model = keras.models.Model(inp, out)
    _fixed(model)
    img = np.random.RandomState(4).rand(1, 8, 8, 3).astype('float32')
    c = int(np.argmax(model.predict(img)[0]))
    conv = model.get_layer('block5_conv3')
    grads = K.gradients(model.output[:, c], conv.output)[0]
    iterate = K.function([model.input],
                         [K.mean(grads, axis=(0, 1, 2)), conv.output[0]])
    pooled, conv_out = iterate([img])
    np.testing.assert_allclose(
        pooled, [0.00368, 0.00392, -0.00324, 0.01108, -0.00359, 0.00189],
        atol=2e-5)
    heatmap = np.maximum(np.mean(conv_out * pooled, axis=-1), 0)
    heatmap /= np.max(heatmap) + 1e-10
    np.testing.assert_allclose(heatmap.sum(), 7.9851, atol=2e-4)
    loss = K.mean(model.get_layer('conv1').output[:, :, :, 1])
    g = K.gradients(loss, model.input)[0]
    g /= (K.sqrt(K.mean(K.square(g))) + 1e-5)
    step = K.function([model.input], [loss, g])
    data = img.copy()
    for _ in range(5):
        loss_value, grads_value = step([data])
        data += grads_value * 0.1
    np.testing.assert_allclose(loss_value, 1.02073, atol=2e-5)
    np.testing.assert_allclose(data.sum(), 83.1992, atol=2e-3)


def test_weight_gradients_from_the_compiled_total_loss():
    # Keras 2.3.1: `model.optimizer.get_gradients(model.total_loss,
    # weights)` run by a K.function fed inputs, sample weights, targets
    # and the learning phase.
    rs = np.random.RandomState(18)
    x, y = rs.rand(6, 3), rs.rand(6, 2)
    model = keras.models.Sequential([
        L.Dense(4, activation='tanh', input_shape=(3,)), L.Dense(2)])
    _fixed(model)
    model.compile('sgd', 'mse')
    weights = model.trainable_weights
    gradients = model.optimizer.get_gradients(model.total_loss, weights)
    feeds = model.inputs + model.sample_weights + model.targets + \
        [K.learning_phase()]
    values = K.function(feeds, gradients)([x, np.ones(len(x)), y, 0])
    np.testing.assert_allclose([v.sum() for v in values],
                               [-1.0015, -0.6169, -0.5484, -1.3256],
                               atol=2e-4)
    gnorm = K.sqrt(sum([K.sum(K.square(g)) for g in gradients]))
    np.testing.assert_allclose(
        K.function(feeds, [gnorm, model.total_loss])(
            [x, np.ones(len(x)), y, 0]), [1.52632, 0.55727], atol=2e-5)


def test_siamese_contrastive_loss_with_a_distance_lambda():
    # Keras 2.3.1: the mnist_siamese example's euclidean distance Lambda
    # (with its output_shape function), contrastive loss and accuracy.
    def euclidean_distance(vects):
        a, b = vects
        s = K.sum(K.square(a - b), axis=1, keepdims=True)
        return K.sqrt(K.maximum(s, K.epsilon()))

    def contrastive_loss(y_true, y_pred):
        margin_square = K.square(K.maximum(1 - y_pred, 0))
        return K.mean(y_true * K.square(y_pred) +
                      (1 - y_true) * margin_square)

    def accuracy(y_true, y_pred):
        return K.mean(K.equal(y_true, K.cast(y_pred < 0.5, y_true.dtype)))
    base_in = L.Input((5,))
    base = keras.models.Model(base_in, L.Dense(4, activation='relu')(
        L.Dense(6, activation='relu')(base_in)))
    a_in, b_in = L.Input((5,)), L.Input((5,))
    distance = L.Lambda(euclidean_distance,
                        output_shape=lambda s: (s[0][0], 1))(
        [base(a_in), base(b_in)])
    model = keras.models.Model([a_in, b_in], distance)
    _fixed(model)
    model.compile(loss=contrastive_loss, optimizer=RMSprop(),
                  metrics=[accuracy])
    rs = np.random.RandomState(17)
    a, b = rs.rand(10, 5), rs.rand(10, 5)
    same = (rs.rand(10) > 0.5).astype('float32')
    h = model.fit([a, b], same, batch_size=5, epochs=2, verbose=0,
                  shuffle=False, validation_data=([a[:4], b[:4]], same[:4]))
    np.testing.assert_allclose(_history(h, 'loss'), [0.37918, 0.37603],
                               atol=2e-5)
    np.testing.assert_allclose(_history(h, 'val_accuracy'), [0.75, 0.75])
    np.testing.assert_allclose(model.predict([a, b]).sum(), 0.4143,
                               atol=2e-4)


def test_dice_loss_and_thresholded_iou_metric_on_a_segmentation_head():
    # Keras 2.3.1: the U-Net answer's dice over K.flatten with smooth=1,
    # and an IoU metric thresholding y_pred with K.greater.
    def dice_coef(y_true, y_pred):
        t, p = K.flatten(y_true), K.flatten(y_pred)
        return (2. * K.sum(t * p) + 1.) / (K.sum(t) + K.sum(p) + 1.)

    def iou(y_true, y_pred):
        y_pred = K.cast(K.greater(y_pred, 0.5), 'float32')
        inter = K.sum(y_true * y_pred, axis=[1, 2, 3])
        union = K.sum(y_true, axis=[1, 2, 3]) + \
            K.sum(y_pred, axis=[1, 2, 3]) - inter
        return K.mean((inter + 1e-6) / (union + 1e-6))
    rs = np.random.RandomState(16)
    x = rs.rand(4, 6, 6, 2).astype('float32')
    y = (rs.rand(4, 6, 6, 1) > 0.6).astype('float32')
    inp = L.Input((6, 6, 2))
    model = keras.models.Model(inp, L.Conv2D(
        1, 3, padding='same', activation='sigmoid')(inp))
    _fixed(model)
    model.compile(optimizer=Adam(lr=1e-2),
                  loss=lambda t, p: -dice_coef(t, p),
                  metrics=[dice_coef, iou])
    h = model.fit(x, y, epochs=2, batch_size=2, verbose=0, shuffle=False)
    np.testing.assert_allclose(_history(h, 'dice_coef'), [0.47283, 0.47993],
                               atol=2e-5)
    np.testing.assert_allclose(_history(h, 'iou'), [0.35476, 0.35417],
                               atol=2e-5)


def test_vae_with_add_loss_summarises_as_a_sequence_of_its_models():
    # Keras 2.3.1: the `add_loss` tensor's operations are not layers of the
    # model, so input -> encoder -> decoder prints without "Connected to".
    inputs = L.Input((6,))
    h = L.Dense(4, activation='relu')(inputs)
    z_mean, z_log_var = L.Dense(2)(h), L.Dense(2)(h)
    z = L.Lambda(lambda t: t[0] + 0. * t[1])([z_mean, z_log_var])
    encoder = keras.models.Model(inputs, [z_mean, z_log_var, z],
                                 name='encoder')
    latent = L.Input((2,))
    decoder = keras.models.Model(latent, L.Dense(6, activation='sigmoid')(
        latent), name='decoder')
    outputs = decoder(encoder(inputs)[2])
    vae = keras.models.Model(inputs, outputs)
    kl = K.sum(1 + z_log_var - K.square(z_mean) - K.exp(z_log_var),
               axis=-1) * -0.5
    vae.add_loss(K.mean(keras.losses.binary_crossentropy(inputs, outputs) *
                        6 + kl))
    lines = []
    vae.summary(print_fn=lines.append)
    assert 'Connected to' not in lines[2]
    assert len(lines[1]) == 65
    assert [line.split()[0] for line in lines[4:9:2]] == \
        ['input_1', 'encoder', 'decoder']


def test_weight_initializer_ops_draw_the_weights_again():
    # Keras 2.3.1: `layer.kernel.initializer.run(session=K.get_session())`
    # (and `session.run(w.initializer)`) re-initialise a layer's weights.
    model = keras.models.Sequential([
        L.Dense(4, input_shape=(3,), bias_initializer='ones'),
        L.Dense(1, kernel_initializer='zeros', bias_initializer='ones')])
    _fixed(model)
    session = K.get_session()
    for layer in model.layers:
        layer.kernel.initializer.run(session=session)
        layer.bias.initializer.run(session=session)
    w = model.get_weights()
    np.testing.assert_array_equal(w[1], np.ones(4))
    np.testing.assert_array_equal(w[2], np.zeros((4, 1)))
    assert 0 < np.abs(w[0]).max() < 1.
    _fixed(model)
    session.run(model.layers[1].kernel.initializer)
    np.testing.assert_array_equal(model.get_weights()[2], np.zeros((4, 1)))
    assert model.layers[1].kernel.initializer.name == 'dense_2/kernel/Assign'


def test_popping_the_last_layer_of_a_functional_model():
    # Keras 2.3.1: `model.layers.pop()` removes the head from the model's
    # own list; a new head goes on `model.layers[-1].output`.
    inp = L.Input((3,))
    out = L.Dense(2, activation='softmax', name='o')(
        L.Dense(4, activation='relu', name='h')(inp))
    model = keras.models.Model(inp, out)
    model.layers.pop()
    model.outputs = [model.layers[-1].output]
    model.layers[-1].outbound_nodes = []
    assert [layer.name for layer in model.layers] == ['input_1', 'h']
    assert len(model.weights) == 2
    new = keras.models.Model(model.input, L.Dense(5, name='new')(
        model.layers[-1].output))
    assert [layer.name for layer in new.layers] == ['input_1', 'h', 'new']
    assert new.output_shape == (None, 5)
