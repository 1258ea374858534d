"""Losses and metrics that find their layer through
`y_pred._keras_history` and compute with that layer's symbolic inputs
and masks (keras-contrib's CRF loss and accuracies): they run on the
step's values, against a numpy computation of the same formula."""
import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat import layers, optimizers
from keras_compat.models import Model

rng = np.random.RandomState(5)


class Scores(layers.Layer):
    """Tag scores X.W; in training it outputs zeros, as the CRF layer's
    join mode does, so only a loss reaching its input can train it."""

    def __init__(self, units, **kwargs):
        super(Scores, self).__init__(**kwargs)
        self.units = units
        self.supports_masking = True

    def build(self, input_shape):
        self.kernel = self.add_weight((input_shape[-1], self.units),
                                      name='kernel',
                                      initializer='glorot_uniform')
        super(Scores, self).build(input_shape)

    def call(self, X, mask=None):
        scores = K.dot(X, self.kernel)
        return K.in_train_phase(K.zeros_like(scores), scores)

    def compute_output_shape(self, input_shape):
        return input_shape[:2] + (self.units,)

    def compute_mask(self, inputs, mask=None):
        # Per sample, as the CRF layer's: its loss is one value a sample.
        return None if mask is None else K.any(mask, axis=1)

    def masked_error(self, y_true, X, mask):
        error = K.sum(K.square(K.dot(X, self.kernel) - y_true), -1)
        mask = K.cast(mask, K.floatx())
        return K.sum(error * mask, 1) / K.sum(mask, 1)


def layer_loss(y_true, y_pred):
    layer, idx = y_pred._keras_history[:2]
    X = layer._inbound_nodes[idx].input_tensors[0]
    mask = layer._inbound_nodes[idx].input_masks[0]
    return layer.masked_error(y_true, X, mask)


def layer_accuracy(y_true, y_pred):
    layer, idx = y_pred._keras_history[:2]
    X = layer._inbound_nodes[idx].input_tensors[0]
    mask = K.cast(layer._inbound_nodes[idx].input_masks[0], K.floatx())
    hits = K.cast(K.equal(K.argmax(K.dot(X, layer.kernel), -1),
                          K.argmax(y_true, -1)), K.floatx())
    return K.sum(hits * mask) / K.sum(mask)


def tagger():
    tokens = layers.Input((5,))
    embedded = layers.Embedding(7, 4, mask_zero=True)(tokens)
    scores = Scores(3)(embedded)
    model = Model(tokens, scores)
    model.compile(optimizers.SGD(0.5), layer_loss, metrics=[layer_accuracy])
    return model


def numpy_loss_and_accuracy(model, tokens, y):
    E, W = model.get_weights()
    scores = E[tokens] @ W
    mask = (tokens != 0).astype('float64')
    error = ((scores - y) ** 2).sum(-1)
    losses = (error * mask).sum(1) / mask.sum(1)
    hits = (scores.argmax(-1) == y.argmax(-1)) * mask
    return losses.mean(), hits.sum() / mask.sum()


def test_the_symbolic_mask_of_a_node_has_the_mask_shape():
    model = tagger()
    node = model.layers[-1]._inbound_nodes[0]
    mask = node.input_masks[0]
    assert K.int_shape(mask) == (None, 5) and K.dtype(mask) == 'bool'
    assert node.input_masks[0] is mask


def test_loss_and_metric_compute_with_the_layer_inputs_of_the_step():
    model = tagger()
    tokens = np.array([[1, 2, 3, 0, 0], [4, 5, 6, 1, 0],
                       [2, 2, 0, 0, 0], [6, 5, 4, 3, 2]])
    y = np.eye(3)[rng.randint(0, 3, (4, 5))].astype('float32')
    loss, accuracy = model.evaluate(tokens, y, verbose=0)
    expected_loss, expected_accuracy = numpy_loss_and_accuracy(
        model, tokens, y)
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-5)
    np.testing.assert_allclose(accuracy, expected_accuracy, rtol=1e-5)
    history = model.fit(tokens, y, batch_size=4, epochs=5, verbose=0,
                        shuffle=False).history
    # The loss reaches the layer's input: the weights train, and each
    # epoch's loss is the numpy loss of the weights it started with.
    assert history['loss'][-1] < history['loss'][0]
    expected_last, _ = numpy_loss_and_accuracy(model, tokens, y)
    np.testing.assert_allclose(model.evaluate(tokens, y, verbose=0)[0],
                               expected_last, rtol=1e-5)
    assert set(history) == {'loss', 'layer_accuracy'}


class _VAEParts(object):
    """Holds graph tensors as attributes, as class-based Keras 2 VAE
    code does (`self.mu`)."""


def test_losses_and_metrics_reading_graph_tensors_by_attribute_or_helper():
    parts = _VAEParts()
    inputs = layers.Input((4,))
    parts.mu = layers.Dense(2, kernel_initializer='ones')(inputs)
    outputs = layers.Dense(4, kernel_initializer='ones')(parts.mu)
    model = Model(inputs, outputs)

    def kl_loss(y_true, y_pred):
        return K.sum(K.square(parts.mu), axis=1)

    def r_loss(y_true, y_pred):
        return K.mean(K.square(y_true - y_pred), axis=1)

    def total(y_true, y_pred):
        return r_loss(y_true, y_pred) + kl_loss(y_true, y_pred)

    model.compile('sgd', loss=total, metrics=[r_loss, kl_loss])
    x = np.arange(12, dtype='float32').reshape(3, 4) / 10.
    mu = x.dot(np.ones((4, 2)))
    out = mu.dot(np.ones((2, 4)))
    r = ((x - out) ** 2).mean(1).mean()
    kl = (mu ** 2).sum(1).mean()
    loss, r_value, kl_value = model.evaluate(x, x, verbose=0)
    np.testing.assert_allclose([loss, r_value, kl_value], [r + kl, r, kl],
                               rtol=1e-5)


def test_layer_made_inside_a_loss_on_graph_and_step_tensors():
    # Generative Deep Learning's WGAN-GP: the gradient penalty builds a
    # Lambda over (y_pred, interpolated samples) inside the loss.
    import functools

    def gradient_penalty(y_true, y_pred, samples):
        grads = layers.Lambda(lambda z: K.gradients(z[0], z[1]),
                              output_shape=[1])([y_pred, samples])[0]
        norms = K.sqrt(K.sum(K.square(grads), axis=1))
        return K.mean(K.square(1 - norms))

    inputs = layers.Input((3,))
    samples = layers.Lambda(lambda t: t * 2.)(inputs)
    critic = layers.Dense(1, kernel_initializer='ones', use_bias=False)
    model = Model(inputs, critic(samples))
    loss = functools.partial(gradient_penalty, samples=samples)
    loss.__name__ = 'gradient_penalty'
    model.compile('sgd', loss=loss)
    value = model.test_on_batch(np.ones((4, 3), 'float32'),
                                np.zeros((4, 1), 'float32'))
    # d critic / d samples = the kernel (ones): norm sqrt(3).
    assert value == pytest.approx((1 - np.sqrt(3.)) ** 2, rel=1e-5)


def test_add_loss_of_a_nested_model_tensor_keeps_the_layers(tmp_path):
    # The Keras 2 VAE: the KL term reads z_mean inside the encoder.
    inputs = layers.Input((4,), name='encoder_input')
    h = layers.Dense(3, name='h')(inputs)
    z_mean = layers.Dense(2, name='z_mean')(h)
    encoder = Model(inputs, z_mean, name='encoder')
    latent = layers.Input((2,))
    decoder = Model(latent, layers.Dense(4)(latent), name='decoder')
    outputs = decoder(encoder(inputs))
    vae = Model(inputs, outputs)
    before = [w.name for w in vae.weights]
    vae.add_loss(K.mean(K.square(z_mean)) +
                 K.mean(K.sum(K.square(inputs - outputs), axis=-1)))
    vae.compile('sgd')
    assert [l.name for l in vae.layers] == ['encoder_input', 'encoder',
                                           'decoder']
    assert [w.name for w in vae.weights] == before
    x = np.arange(8, dtype='float32').reshape(2, 4) / 8.
    kernel_h, bias_h, kernel_z, bias_z, kernel_d, bias_d = vae.get_weights()
    z = (x.dot(kernel_h) + bias_h).dot(kernel_z) + bias_z
    y = z.dot(kernel_d) + bias_d
    expected = np.mean(z ** 2) + np.mean(np.sum((x - y) ** 2, axis=-1))
    assert vae.test_on_batch(x, None) == pytest.approx(expected, rel=1e-5)
    path = str(tmp_path / 'vae.h5')
    vae.save_weights(path)
    plain = Model(inputs, outputs)
    plain.load_weights(path)
    np.testing.assert_allclose(plain.predict(x), vae.predict(x), rtol=1e-6)
