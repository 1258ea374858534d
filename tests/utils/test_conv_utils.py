"""keras.utils.conv_utils argument normalisation."""
import pytest

from keras_compat import layers


def test_conv_utils_assert_padding_and_cropping_to_nothing():
    from keras_compat.utils import conv_utils
    assert conv_utils.conv_output_length(32, 5, 'full', 2) == 18
    assert conv_utils.conv_input_length(18, 5, 'full', 2) == 31
    with pytest.raises(AssertionError):
        conv_utils.conv_output_length(32, 5, 'diagonal', 2)
    crop = layers.Cropping1D((2, 2))
    assert crop.compute_output_shape((None, 4, 3)) == (None, 0, 3)
    with pytest.raises(ValueError):
        layers.Cropping2D(cropping=lambda x: x)
