"""keras.utils layer, kernel-conversion and io helpers."""
import numpy as np

from keras_compat import layers, models
from keras_compat import backend as K


def test_small_keras2_utilities():
    import io
    import h5py
    from keras_compat.utils import (convert_all_kernels_in_model,
                                    get_source_inputs, io_utils, layer_utils)
    from keras_compat.utils.generic_utils import transpose_shape
    assert transpose_shape((16, 128, 128, 32), 'channels_first',
                           spatial_axes=(1, 2)) == (16, 32, 128, 128)
    assert transpose_shape([8, 8, 3], 'channels_last', (0, 1)) == [8, 8, 3]
    # Theano <-> TensorFlow kernels: spatial axes flipped.
    model = models.Sequential([layers.Conv2D(2, (2, 3), input_shape=(5, 5, 1)),
                               layers.Flatten(), layers.Dense(2)])
    kernel = model.layers[0].get_weights()[0]
    convert_all_kernels_in_model(model)
    np.testing.assert_array_equal(model.layers[0].get_weights()[0],
                                  kernel[::-1, ::-1])
    assert get_source_inputs(model.output)[0] is model.input
    # A Dense after Flatten of a (rows, cols, channels) map, reordered for
    # channels_first and back.
    dense = layers.Dense(3)
    dense.build((None, 12))
    before = dense.get_weights()[0].copy()
    layer_utils.convert_dense_weights_data_format(dense, (3, 2, 2),
                                                  'channels_first')
    layer_utils.convert_dense_weights_data_format(dense, (2, 2, 3),
                                                  'channels_last')
    np.testing.assert_allclose(dense.get_weights()[0], before)
    stream = io.BytesIO()
    io_utils.save_to_binary_h5py(
        lambda f: f.create_dataset('x', data=np.arange(3)), stream)
    stream.seek(0)
    assert io_utils.load_from_binary_h5py(
        lambda f: f['x'][()].tolist(), stream) == [0, 1, 2]
    with K.control_dependencies([]):
        assert K.symbolic(len) is len and K.eager(len) is len
