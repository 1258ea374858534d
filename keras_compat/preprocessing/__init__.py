"""`keras.preprocessing`: sequence, text and image utilities."""
from . import sequence, text, image
# tf.keras 2.3-2.8 spelled the dataset builders here.
from ..utils.dataset_utils import (image_dataset_from_directory,  # noqa
                                   text_dataset_from_directory,
                                   timeseries_dataset_from_array)
