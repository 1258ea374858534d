"""`keras.preprocessing`: sequence, text and image utilities."""
from . import sequence, text, image
