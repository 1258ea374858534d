"""Idioms of the Keras-GAN scripts (Keras 2.1/2.2 code): one optimizer
instance compiled into the discriminator and into the combined model that
freezes it. Reference numbers: tf_keras 2.21 in graph mode (Keras 2's
training of these scripts)."""
import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat import layers as L
from keras_compat.models import Model, Sequential
from keras_compat.optimizers import Adam


def _discriminator_and_combined(flavour):
    """`optimizer = Adam(0.0002, 0.5)` given to both compiles; the
    discriminator is frozen after its own compile, as every script does."""
    K.common.set_api_flavour(flavour)
    rng = np.random.RandomState(0)
    model = Sequential([L.Dense(8, input_dim=5), L.LeakyReLU(alpha=0.2),
                        L.Dense(1, activation='sigmoid')])
    model.set_weights([rng.normal(0, .5, w.shape) for w in model.get_weights()])
    img = L.Input((5,))
    d = Model(img, model(img))
    optimizer = Adam(0.0002, 0.5)
    d.compile(loss='binary_crossentropy', optimizer=optimizer,
              metrics=['accuracy'])
    g = Sequential([L.Dense(5, input_dim=3, kernel_initializer='ones')])
    z = L.Input((3,))
    d.trainable = False
    combined = Model(z, d(g(z)))
    combined.compile(loss='binary_crossentropy', optimizer=optimizer)
    x, y = rng.normal(size=(8, 5)), np.ones((8, 1))
    return d, g, combined, x, y, rng.normal(size=(8, 3))


@pytest.mark.parametrize('flavour', ['keras', 'tf.keras'])
def test_shared_optimizer_trains_the_discriminator_and_the_generator(flavour):
    d, g, combined, x, y, noise = _discriminator_and_combined(flavour)
    # tf_keras 2.21 (graph mode): the discriminator trains with the weights
    # of its compile; the combined model trains the generator only; one
    # iteration count runs through both (Adam's bias correction).
    losses = [d.train_on_batch(x, y)[0] for _ in range(2)]
    np.testing.assert_allclose(losses, [0.957598, 0.9566926], rtol=1e-5)
    before = d.get_weights()
    assert combined.train_on_batch(noise, y) == pytest.approx(3.885625,
                                                              rel=1e-5)
    for ours, kept in zip(d.get_weights(), before):
        np.testing.assert_array_equal(ours, kept)
    assert not np.allclose(g.get_weights()[0], 1.)
    assert d.train_on_batch(x, y)[0] == pytest.approx(0.9557876, rel=1e-5)
