"""`keras.layers.convolutional_recurrent` (not supported yet)."""
from ._unsupported import unsupported_layer

ConvLSTM2D = unsupported_layer(
    'ConvLSTM2D', 'Convolutional recurrent layers are not implemented; a '
    'TimeDistributed(Conv2D) followed by an LSTM is the nearest supported '
    'model.')
