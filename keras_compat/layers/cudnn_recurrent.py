"""`keras.layers.cudnn_recurrent` (not supported yet: the regular layers
already run on cuDNN)."""
from ._unsupported import unsupported_layer

CuDNNLSTM = unsupported_layer(
    'CuDNNLSTM', "Use LSTM(units, recurrent_activation='sigmoid'), which "
    'runs on cuDNN on a GPU; the separate cuDNN bias layout of CuDNNLSTM '
    'weights is not read.')
CuDNNGRU = unsupported_layer(
    'CuDNNGRU', "Use GRU(units, recurrent_activation='sigmoid', "
    'reset_after=True), which runs on cuDNN on a GPU; CuDNNGRU weight files '
    'are not read.')
