"""GaussianNoise, GaussianDropout, AlphaDropout and SpatialDropout: identity
at inference, Keras's rules in training."""
import numpy as np
import torch

from keras_compat import layers


rng = np.random.RandomState(0)


def test_noise_layers_are_identity_at_inference():
    x = rng.rand(4, 6).astype(np.float32)
    for layer in (layers.GaussianNoise(0.5), layers.GaussianDropout(0.3),
                  layers.AlphaDropout(0.2), layers.SpatialDropout1D(0.5)):
        inp = x[:, :, None] if isinstance(layer, layers.SpatialDropout1D) \
            else x
        out = layer(torch.tensor(inp)).numpy()
        np.testing.assert_array_equal(out, inp)
        trained = layer(torch.tensor(inp), training=True).numpy()
        assert not np.allclose(trained, inp)


def test_spatial_dropout_drops_whole_channels():
    layer = layers.SpatialDropout2D(0.5)
    out = layer(torch.ones(8, 5, 5, 16), training=True).numpy()
    per_channel = out.reshape(8, 25, 16)
    assert np.all((per_channel == 0).all(axis=1) |
                  (per_channel == 2).all(axis=1))
