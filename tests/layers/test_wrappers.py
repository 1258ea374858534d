"""TimeDistributed and Bidirectional wrappers."""
from keras_compat import layers


def test_wrapper_updates_come_from_the_wrapped_layer():
    layer = layers.TimeDistributed(layers.BatchNormalization())
    layer(layers.Input((3, 2)))
    assert len(layer.updates) == 2
    layer.trainable = False
    assert layer.updates == []


def _bidirectional(merge_mode='concat', return_state=False):
    return layers.Bidirectional(
        layers.LSTM(2, return_sequences=True, return_state=return_state),
        backward_layer=layers.GRU(3, return_sequences=True,
                                  return_state=return_state,
                                  go_backwards=True),
        merge_mode=merge_mode)


def test_bidirectional_backward_layer_of_another_width():
    """tf_keras computes a (2, 5, 5) output for LSTM(2) + GRU(3) over
    (2, 5, 3) inputs: the widths add up."""
    import numpy as np
    from keras_compat import models
    inputs = layers.Input((5, 3))
    bidirectional = _bidirectional()
    outputs = bidirectional(inputs)
    assert bidirectional.compute_output_shape((None, 5, 3)) == (None, 5, 5)
    assert tuple(outputs._keras_shape) == (None, 5, 5)
    model = models.Model(inputs, layers.SimpleRNN(2)(outputs))
    x = np.zeros((2, 5, 3), 'float32')
    assert model.predict(x).shape == (2, 2)
    assert models.Model(inputs, outputs).predict(x).shape == (2, 5, 5)


def test_bidirectional_backward_layer_shapes_with_states():
    shapes = _bidirectional(return_state=True).compute_output_shape(
        (None, 5, 3))
    assert shapes == [(None, 5, 5), (None, 2), (None, 2), (None, 3)]
    shapes = _bidirectional(None).compute_output_shape((None, 5, 3))
    assert shapes == [(None, 5, 2), (None, 5, 3)]


def test_bidirectional_sum_of_different_widths_is_refused():
    import pytest
    with pytest.raises(ValueError, match='same width'):
        _bidirectional('sum').compute_output_shape((None, 5, 3))
