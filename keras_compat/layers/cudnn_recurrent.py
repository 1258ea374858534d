"""`keras.layers.cudnn_recurrent`: Keras 2's cuDNN-only layers, with their
weight layout; they run on torch's fused kernels (cuDNN on CUDA) and on
CPU."""
from .recurrent import CuDNNLSTM, CuDNNGRU  # noqa: F401
