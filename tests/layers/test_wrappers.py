"""TimeDistributed and Bidirectional wrappers."""
from keras_compat import layers


def test_wrapper_updates_come_from_the_wrapped_layer():
    layer = layers.TimeDistributed(layers.BatchNormalization())
    layer(layers.Input((3, 2)))
    assert len(layer.updates) == 2
    layer.trainable = False
    assert layer.updates == []
