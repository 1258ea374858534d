"""TensorFlow operations that audio and graph layer libraries (kapre,
spektral, hand-written STFT and GCN layers) build on: `tf.signal`
framing, windows, STFT and its inverse, FFTs, mel filterbanks, DCT and
MFCCs, complex numbers, and `tf.pad`'s mirror modes. Expected values are
TensorFlow 2.21's (tf_keras 2.21 for the model) for the same inputs."""
import inspect

import numpy as np
import pytest

from keras_compat import tensorflow_compat as tf
from keras_compat import tensorflow_signal as tfs
from keras_compat import tensorflow_sparse_graph as tfsg
import keras_compat as keras

SIGNAL = np.array([
    0.0, 0.7442176938056946, 1.1854497194290161, 1.1632094383239746,
    0.7349882125854492, 0.14921677112579346, -0.2715756297111511,
    -0.2824525833129883, 0.16873329877853394, 0.9168136715888977,
    1.6569865942001343, 2.088168144226074], 'float32')
LOG_MELS = np.arange(8, dtype='float32').reshape(2, 4) ** 1.5


def _np(tensor):
    return np.asarray(tensor.detach().cpu()) if hasattr(tensor, 'detach') \
        else np.asarray(tensor)


def test_frame_counts_and_end_padding():
    ramp = np.arange(10, dtype='float32')
    np.testing.assert_array_equal(_np(tfs.frame(ramp, 4, 3)), [
        [0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]])
    np.testing.assert_array_equal(
        _np(tfs.frame(ramp, 4, 3, pad_end=True, pad_value=-1))[-1],
        [9, -1, -1, -1])
    grid = np.arange(12, dtype='float32').reshape(2, 6)
    assert tuple(tfs.frame(grid, 3, 2, axis=0, pad_end=True).shape) == \
        (1, 3, 6)
    assert tuple(tfs.frame(np.arange(3.), 4, 2).shape) == (0, 4)


@pytest.mark.parametrize('window, expected', [
    (lambda: tfs.hann_window(5), [0., .5, 1., .5, 0.]),
    (lambda: tfs.hann_window(4), [0., .5, 1., .5]),
    (lambda: tfs.hann_window(5, periodic=False), [0., .5, 1., .5, 0.]),
    (lambda: tfs.hann_window(1), [1.]),
    (lambda: tfs.hamming_window(4), [0.08, 0.54, 1., 0.54]),
    (lambda: tfs.vorbis_window(4), [0.228014, 0.973658, 0.973658,
                                    0.228014]),
    (lambda: tfs.kaiser_window(5, beta=3.), [0.204885, 0.726925, 1.,
                                             0.726925, 0.204885]),
    (lambda: tfs.kaiser_bessel_derived_window(6, beta=3.), [
        0.308538, 0.707107, 0.951212, 0.951212, 0.707107, 0.308538]),
])
def test_windows_follow_tensorflow_periodicity(window, expected):
    values = window()
    assert values.dtype == tf.float32
    np.testing.assert_allclose(_np(values), expected, atol=1e-6)


def test_stft_default_fft_length_and_pad_end():
    spectrum = tfs.stft(SIGNAL, 5, 3, pad_end=True)
    assert spectrum.dtype == tf.complex64 and tuple(spectrum.shape) == (4, 5)
    values = _np(spectrum)
    np.testing.assert_allclose(values.real[0], [
        2.13916, -0.14814, -1.18545, 0.14814, 0.23174], atol=1e-4)
    np.testing.assert_allclose(values.imag[3], [
        0., -2.674, -0.82849, 1.50234, 0.], atol=1e-4)
    np.testing.assert_allclose(values.real[3], [
        2.91666, 0.58583, -2.08817, -0.58583, 1.25967], atol=1e-4)


def test_stft_hands_window_functions_a_tensorflow_dtype():
    def flat_window(length, dtype):
        return np.ones(length, dtype.as_numpy_dtype)

    np.testing.assert_allclose(
        _np(tfs.stft(SIGNAL, 4, 4, window_fn=flat_window)),
        _np(tfs.stft(SIGNAL, 4, 4, window_fn=None)), atol=1e-6)
    np.testing.assert_allclose(
        np.abs(_np(tfs.stft(SIGNAL, 4, 4, window_fn=None)))[0],
        [3.09288, 1.25732, 0.72198], atol=1e-4)


def test_stft_with_fft_shorter_than_frame_and_its_inverse():
    spectrum = tfs.stft(SIGNAL, 6, 3, fft_length=4)
    np.testing.assert_allclose(np.abs(_np(spectrum)), [
        [2.23835, 1.3211, 0.46018], [0.02408, 0.46887, 0.19974],
        [0.97275, 0.9955, 0.71965]], atol=1e-4)
    np.testing.assert_allclose(
        _np(tfs.inverse_stft(spectrum, 6, 3, fft_length=4)), [
            0., 0.04651, 0.66682, 1.16321, 0.04594, 0.08393, -0.27158,
            -0.01765, 0.09491, 0.91681, 0., 0.], atol=1e-4)


def test_inverse_stft_window_fn_reconstructs():
    spectrum = tfs.stft(SIGNAL, 8, 2, fft_length=8,
                        window_fn=tfs.hamming_window)
    window = tfs.inverse_stft_window_fn(
        2, forward_window_fn=tfs.hamming_window)
    restored = _np(tfs.inverse_stft(spectrum, 8, 2, fft_length=8,
                                    window_fn=window))
    np.testing.assert_allclose(restored, [
        0., 0.02159, 0.22223, 0.5816, 0.60016, 0.14489, -0.27048, -0.27426,
        0.1371, 0.45841, 0.30396, 0.06057], atol=1e-4)


def test_linear_to_mel_weight_matrix():
    weights = _np(tfs.linear_to_mel_weight_matrix(3, 9, 8000, 100., 3000.))
    np.testing.assert_allclose(weights[:6], [
        [0., 0., 0.], [0.94098, 0.05902, 0.], [0.03125, 0.96875, 0.],
        [0., 0.35784, 0.64216], [0., 0., 0.82295], [0., 0., 0.3792]],
        atol=1e-4)
    assert not weights[6:].any()
    with pytest.raises(ValueError, match='Nyquist'):
        tfs.linear_to_mel_weight_matrix(3, 9, 8000, 100., 5000.)


@pytest.mark.parametrize('kind, norm, first_row', [
    (1, None, [12.853, -7.0246, 1.3677, -1.5393]),
    (2, None, [18.0492, -11.0007, 1.9343, -0.5985]),
    (2, 'ortho', [4.5123, -3.8893, 0.6839, -0.2116]),
    (3, None, [9.8247, -12.8359, 4.8359, -1.8247]),
    (3, 'ortho', [3.4736, -4.5382, 1.7097, -0.6451]),
    (4, None, [6.8332, -11.712, 7.7829, -6.6003]),
    (4, 'ortho', [2.4159, -4.1408, 2.7517, -2.3335]),
])
def test_dct_types_and_norms(kind, norm, first_row):
    np.testing.assert_allclose(
        _np(tfs.dct(LOG_MELS, type=kind, norm=norm))[0], first_row,
        atol=2e-3)


def test_idct_and_mfccs():
    np.testing.assert_allclose(_np(tfs.idct(LOG_MELS))[1], [
        63.618, -38.4485, 12.8793, -6.0488], atol=2e-3)
    np.testing.assert_allclose(
        _np(tfs.mfccs_from_log_mel_spectrograms(LOG_MELS)), [
            [6.38134, -3.88932, 0.68386, -0.21159],
            [37.05065, -7.82427, 0.32149, -0.54943]], atol=1e-3)
    with pytest.raises(ValueError, match='Type-I'):
        tfs.dct(LOG_MELS, type=1, norm='ortho')


def test_rfft_crops_or_pads_and_irfft_inverts():
    cropped = tfs.rfft(SIGNAL[:6], fft_length=[4])
    assert cropped.dtype == tf.complex64
    np.testing.assert_allclose(_np(cropped), [
        3.09288, -1.18545 + 0.41899j, -0.72198], atol=1e-4)
    padded = tfs.rfft(SIGNAL[:6], fft_length=[8])
    np.testing.assert_allclose(_np(padded)[1], -1.13677 - 2.42869j,
                               atol=1e-4)
    np.testing.assert_allclose(_np(tfs.irfft(padded))[:6], SIGNAL[:6],
                               atol=1e-5)
    np.testing.assert_allclose(_np(tfs.irfft(padded, fft_length=[6])), [
        0.07824, 1.22722, 1.65083, 0.94715, 0.09287, -0.01923], atol=1e-4)
    np.testing.assert_allclose(_np(tfs.rfft2d(LOG_MELS))[1], [
        -43.373, 3.8685 - 3.1438j, 3.6359], atol=1e-3)


def test_complex_numbers_and_complex_ffts():
    number = tfs.complex(np.array([1., -2., 0.], 'float32'),
                         np.array([1., 0., -3.], 'float32'))
    assert number.dtype == tf.complex64
    np.testing.assert_allclose(_np(tfs.angle(number)), [
        0.785398, 3.141593, -1.570796], atol=1e-6)
    magnitude = tf.abs(number)
    assert magnitude.dtype == tf.float32
    np.testing.assert_allclose(_np(magnitude), [1.414214, 2., 3.],
                               atol=1e-6)
    assert tfs.real(number).dtype == tf.float32
    np.testing.assert_allclose(_np(tfs.conj(number)), [1 - 1j, -2, 3j])
    np.testing.assert_allclose(
        _np(tfs.angle(np.array([-1., 0., 2.], 'float32'))), [np.pi, 0., 0.],
        atol=1e-6)
    np.testing.assert_allclose(_np(tfs.fft(number)), [
        -1 - 2j, 4.59808 + 4.23205j, -0.59808 + 0.76795j], atol=1e-4)
    np.testing.assert_allclose(_np(tfs.ifft(number))[2],
                               1.53269 + 1.41068j, atol=1e-4)
    with pytest.raises(TypeError):
        tfs.complex(np.ones(2, 'float32'), tf.cast(np.ones(2), tf.float64))
    np.testing.assert_array_equal(_np(tfs.fftshift(np.arange(5))),
                                  [3, 4, 0, 1, 2])
    np.testing.assert_array_equal(_np(tfs.ifftshift(np.arange(5))),
                                  [2, 3, 4, 0, 1])


class _LogSpectrogram(keras.layers.Layer):
    """A log-magnitude STFT layer as audio libraries write it."""

    def call(self, inputs):
        spectrum = tfs.stft(inputs, frame_length=8, frame_step=4,
                            pad_end=True)
        return tf.math.log(tf.abs(spectrum) + 1e-3)


class _PhaseMix(keras.layers.Layer):
    """Reads phase, real and imaginary parts of an STFT."""

    def call(self, inputs):
        spectrum = tfs.stft(inputs, frame_length=8, frame_step=4)
        return tf.cos(tfs.angle(spectrum)) * tfs.real(spectrum) + \
            tfs.imag(spectrum)


def test_stft_layers_predict_and_train_like_tf_keras():
    steps = np.sin(np.arange(32, dtype='float32') * 0.3)[None]
    x = (steps * np.array([[1.], [0.5]], 'float32')).astype('float32')
    inputs = keras.Input((32,))
    mixed = keras.layers.Dense(32, use_bias=False,
                               kernel_initializer='identity')(inputs)
    spectra = [keras.layers.Flatten()(_LogSpectrogram()(mixed)),
               keras.layers.Flatten()(_PhaseMix()(mixed))]
    outputs = keras.layers.Dense(1, kernel_initializer=keras.initializers
                                 .Constant(0.01))(
        keras.layers.Concatenate()(spectra))
    model = keras.Model(inputs, outputs)
    np.testing.assert_allclose(model.predict(x).ravel(),
                               [-0.413859, -0.817348], atol=1e-4)
    model.compile(keras.optimizers.SGD(0.01), 'mse')
    loss = model.train_on_batch(x, np.zeros((2, 1), 'float32'))
    assert float(loss) == pytest.approx(0.419669, abs=1e-4)
    np.testing.assert_allclose(
        np.diag(model.layers[1].get_weights()[0])[:6],
        [1., 0.999567, 1.001833, 0.996393, 1.006404, 0.990759], atol=1e-5)


PAD_INPUT = np.arange(12, dtype='float32').reshape(1, 3, 4)
PADDINGS = [[0, 0], [2, 1], [1, 3]]


def test_pad_symmetric_and_reflect_on_any_axes():
    np.testing.assert_array_equal(
        _np(tf.pad(PAD_INPUT, PADDINGS, 'SYMMETRIC'))[0, :3],
        [[4, 4, 5, 6, 7, 7, 6, 5], [0, 0, 1, 2, 3, 3, 2, 1],
         [0, 0, 1, 2, 3, 3, 2, 1]])
    np.testing.assert_array_equal(
        _np(tf.pad(PAD_INPUT, PADDINGS, 'REFLECT'))[0, :3],
        [[9, 8, 9, 10, 11, 10, 9, 8], [5, 4, 5, 6, 7, 6, 5, 4],
         [1, 0, 1, 2, 3, 2, 1, 0]])
    leading = np.arange(6, dtype='float32').reshape(3, 2, 1, 1, 1)
    np.testing.assert_array_equal(
        _np(tf.pad(leading, [[1, 1], [1, 0], [0, 0], [0, 0], [0, 0]],
                   'REFLECT')).ravel(),
        [3, 2, 3, 1, 0, 1, 3, 2, 3, 5, 4, 5, 3, 2, 3])
    with pytest.raises(tf.errors.InvalidArgumentError, match='less than'):
        tf.pad(PAD_INPUT, [[0, 0], [3, 0], [0, 0]], 'REFLECT')


def _same_function(served, implementation):
    # (The served function may be wrapped: on functional-API tensors it
    # records a TFOpLambda layer.)
    return inspect.unwrap(served) is inspect.unwrap(implementation)


def test_signal_namespace_and_complex_ops_are_served_as_tensorflow():
    assert _same_function(tf.signal.stft, tfs.stft)
    assert _same_function(tf.math.angle, tfs.angle) and \
        _same_function(tf.complex, tfs.complex)
    assert _same_function(tf.signal.linear_to_mel_weight_matrix,
                          tfs.linear_to_mel_weight_matrix)
    assert _same_function(tf.math.segment_sum, tfsg.segment_sum)
    assert _same_function(tf.math.unsorted_segment_max,
                          tfsg.unsorted_segment_max)
    assert _same_function(tf.sparse.sparse_dense_matmul,
                          tfsg.sparse_dense_matmul)
    assert tf.python.framework.smart_cond.smart_cond(
        True, lambda: 1, lambda: 2) == 1


SEGMENT_DATA = np.array([[1., -2.], [3., 4.], [-5., 6.], [7., 8.], [9., -1.]],
                        'float32')
LOWEST = float(np.finfo(np.float32).min)


@pytest.mark.parametrize('op, expected', [
    ('segment_sum', [[4, 2], [0, 0], [2, 14], [9, -1]]),
    ('segment_mean', [[2, 1], [0, 0], [1, 7], [9, -1]]),
    ('segment_max', [[3, 4], [0, 0], [7, 8], [9, -1]]),
    ('segment_min', [[1, -2], [0, 0], [-5, 6], [9, -1]]),
    ('segment_prod', [[3, -8], [1, 1], [-35, 48], [9, -1]]),
])
def test_sorted_segment_reductions(op, expected):
    ids = np.array([0, 0, 2, 2, 3])
    np.testing.assert_allclose(
        _np(getattr(tfsg, op)(SEGMENT_DATA, ids)), expected)


@pytest.mark.parametrize('op, third, fourth', [
    ('sum', [0, 0], [8, 6]),
    ('mean', [0, 0], [4, 3]),
    ('max', [LOWEST, LOWEST], [7, 8]),
    ('min', [-LOWEST, -LOWEST], [1, -2]),
    ('prod', [1, 1], [7, -16]),
    ('sqrt_n', [0, 0], [5.656854, 4.242641]),
])
def test_unsorted_segment_reductions_drop_negative_ids(op, third, fourth):
    ids = np.array([3, -1, 0, 3, 1])
    out = _np(getattr(tfsg, 'unsorted_segment_' + op)(SEGMENT_DATA, ids, 5))
    np.testing.assert_allclose(out[:2], [[-5, 6], [9, -1]])
    np.testing.assert_allclose(out[2], third, rtol=1e-6)
    np.testing.assert_allclose(out[3], fourth, rtol=1e-6)


def test_unsorted_segments_of_integers_and_of_leading_axes():
    np.testing.assert_array_equal(_np(tfsg.unsorted_segment_max(
        np.array([1, 5, 2], 'int32'), np.array([0, 0, 2]), 3)),
        [5, -2147483648, 2])
    np.testing.assert_allclose(_np(tfsg.unsorted_segment_sum(
        np.arange(12, dtype='float32').reshape(2, 2, 3),
        np.array([[0, 1], [1, 1]]), 3)),
        [[0, 1, 2], [18, 21, 24], [0, 0, 0]])


def _sparse_example():
    return tf.SparseTensor([[0, 1], [2, 0], [1, 2], [0, 0]],
                           [1., 2., 3., 4.], [3, 3])


def test_sparse_tensor_reorder_transpose_and_sums():
    ordered = tfsg.sparse_reorder(_sparse_example())
    np.testing.assert_array_equal(_np(ordered.indices),
                                  [[0, 0], [0, 1], [1, 2], [2, 0]])
    np.testing.assert_array_equal(_np(ordered.values), [4, 1, 3, 2])
    flipped = tfsg.sparse_transpose(ordered)
    np.testing.assert_array_equal(_np(flipped.indices),
                                  [[0, 0], [0, 2], [1, 0], [2, 1]])
    np.testing.assert_array_equal(_np(flipped.values), [4, 2, 1, 3])
    np.testing.assert_allclose(
        _np(tfsg.sparse_reduce_sum(ordered, axis=1)), [5, 3, 2])
    assert float(tfsg.sparse_reduce_sum(ordered)) == 10.
    np.testing.assert_allclose(_np(tfsg.sparse_reduce_sum(
        ordered, axis=0, keepdims=True)), [[6, 1, 3]])


def test_sparse_dense_matmul_and_keras_dot_of_a_sparse_tensor():
    features = np.arange(6, dtype='float32').reshape(3, 2)
    adjacency = _sparse_example()
    assert adjacency.dtype == tf.float32
    np.testing.assert_allclose(
        _np(tfsg.sparse_dense_matmul(adjacency, features)),
        [[2, 7], [12, 15], [0, 2]])
    np.testing.assert_allclose(
        _np(tfsg.sparse_dense_matmul(adjacency, features, adjoint_a=True)),
        [[8, 14], [0, 1], [6, 9]])
    assert keras.backend.is_sparse(adjacency)
    np.testing.assert_allclose(
        _np(keras.backend.dot(adjacency, features)),
        [[2, 7], [12, 15], [0, 2]])


def test_tf_keras_layer_takes_activity_regularizer_keyword():
    keras.backend.common.set_api_flavour('tf.keras')

    class Doubling(keras.layers.Layer):
        """Passes its activity regularizer up, as tf.keras layers do."""

        def __init__(self, **kwargs):
            super().__init__(activity_regularizer='l2', **kwargs)

        def call(self, inputs):
            return inputs * 2.

    inputs = keras.Input((2,))
    model = keras.Model(inputs, Doubling()(inputs))
    model.compile('sgd', 'mse')
    loss = model.evaluate(np.array([[1., 2.]], 'float32'),
                          np.zeros((1, 2), 'float32'), verbose=0)
    assert loss == pytest.approx(10.2, abs=1e-5)
