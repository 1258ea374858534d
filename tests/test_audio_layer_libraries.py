"""Audio front ends written as Keras layers, in the compact forms of the
kapre library: 0.1.x (standalone Keras 2: DFT kernels held as
`K.variable` attributes, `K.conv2d` over real and imaginary kernels,
`K.dot` with a mel basis, `amplitude_to_decibel`, a frequency-wise
Normalization2D) and 0.3.x (tf.keras: `tf.signal.stft` / `inverse_stft`
layers on complex tensors, magnitude, phase, a mel filterbank applied
with `tf.tensordot`, decibels, a Delta convolution, MFCCs), each put
in front of a Conv2D classifier, trained and saved. Also the `tf.print`
text of tensors and TensorFlow's log-mel recipe (`TensorShape`
arithmetic on eager shapes). Expected numbers come from Keras 2.3.1 and
tf_keras 2.21 / TensorFlow 2.21 running the same code."""
import sys

import numpy as np
import pytest

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common
from keras_compat.utils.conv_utils import conv_output_length


@pytest.fixture(params=['keras', 'tf.keras'])
def flavour(request):
    common.set_api_flavour(request.param)
    yield request.param


def _signal(channels_last):
    x = (np.sin(np.arange(128, dtype='float32') * 0.37) *
         np.float32(0.8)).reshape(2, 1, 64)
    x[1, 0] += np.cos(np.arange(64, dtype='float32') * 1.3) * np.float32(0.3)
    return x.transpose(0, 2, 1).copy() if channels_last else x


TARGETS = np.array([[1, 0, 0], [0, 0, 1]], 'float32')


# ------------------------------------------------------ kapre 0.1 (Keras 2)
def _dft_kernels(n_dft):
    t = np.arange(n_dft)
    w = np.arange(n_dft // 2 + 1) * 2 * np.pi / n_dft
    window = 0.5 - 0.5 * np.cos(2 * np.pi * t / n_dft)
    real = (np.cos(w[:, None] * t[None]) * window).T[:, None, None, :]
    imag = (-np.sin(w[:, None] * t[None]) * window).T[:, None, None, :]
    return real.astype('float32'), imag.astype('float32')


def _mel_basis(n_dft, n_mels):
    return (np.linspace(0.1, 1., (n_dft // 2 + 1) * n_mels) ** 2).reshape(
        -1, n_mels)


def _amplitude_to_decibel(x, amin=1e-10, dynamic_range=80.0):
    log_spec = 10 * K.log(K.maximum(x, amin)) / np.log(10).astype(
        K.floatx())
    axis = tuple(range(K.ndim(x))[1:])
    log_spec = log_spec - K.max(log_spec, axis=axis, keepdims=True)
    return K.maximum(log_spec, -1 * dynamic_range)


class _MelSpectrogram(keras.layers.Layer):
    """kapre 0.1's Melspectrogram: kernels made with `K.variable` and
    appended to `non_trainable_weights`, a copy of the list (so Keras 2.3
    and tf.keras track them, as attributes, as trainable weights)."""

    def __init__(self, n_dft=16, n_hop=8, n_mels=4, **kwargs):
        self.n_dft, self.n_hop, self.n_mels = n_dft, n_hop, n_mels
        super(_MelSpectrogram, self).__init__(**kwargs)

    def build(self, input_shape):
        self.n_frame = conv_output_length(input_shape[2], self.n_dft, 'same',
                                          self.n_hop)
        real, imag = _dft_kernels(self.n_dft)
        self.dft_real_kernels = K.variable(real, dtype=K.floatx(),
                                           name='real_kernels')
        self.dft_imag_kernels = K.variable(imag, dtype=K.floatx(),
                                           name='imag_kernels')
        self.non_trainable_weights.append(self.dft_real_kernels)
        self.non_trainable_weights.append(self.dft_imag_kernels)
        self.freq2mel = K.variable(_mel_basis(self.n_dft, self.n_mels),
                                   dtype=K.floatx())
        self.non_trainable_weights.append(self.freq2mel)
        super(_MelSpectrogram, self).build(input_shape)

    def compute_output_shape(self, input_shape):
        return input_shape[0], self.n_mels, self.n_frame, 1

    def call(self, x):
        x = K.expand_dims(K.permute_dimensions(x[:, 0:1, :], [0, 2, 1]), 3)
        real = K.conv2d(x, self.dft_real_kernels, strides=(self.n_hop, 1),
                        padding='same', data_format='channels_last')
        imag = K.conv2d(x, self.dft_imag_kernels, strides=(self.n_hop, 1),
                        padding='same', data_format='channels_last')
        power = K.permute_dimensions(real ** 2 + imag ** 2, [0, 2, 1, 3])
        mel = K.permute_dimensions(K.dot(power, self.freq2mel), [0, 3, 2, 1])
        return _amplitude_to_decibel(K.pow(K.sqrt(mel), 1.0))

    def get_config(self):
        config = {'n_dft': self.n_dft, 'n_hop': self.n_hop,
                  'n_mels': self.n_mels}
        base_config = super(_MelSpectrogram, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


class _Normalization2D(keras.layers.Layer):
    """kapre 0.1's frequency-wise normalisation."""

    def call(self, x, mask=None):
        mean = K.mean(x, axis=[0, 2, 3], keepdims=True)
        std = K.std(x, axis=[0, 2, 3], keepdims=True)
        return (x - mean) / (std + 1e-10)


def _melspectrogram_classifier():
    model = keras.models.Sequential([
        _MelSpectrogram(input_shape=(1, 64), name='mel'),
        _Normalization2D(),
        keras.layers.Conv2D(2, 3, padding='same', activation='relu'),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(3, activation='softmax')])
    model.compile(keras.optimizers.Adam(0.01), 'categorical_crossentropy')
    r = np.random.RandomState(0)
    K.batch_set_value([(w, r.uniform(-0.5, 0.5, K.int_shape(w))
                        .astype('float32')) for w in model.weights[3:]])
    return model


def test_dft_kernel_melspectrogram_trains_its_kernels_and_reloads(
        flavour, tmp_path):
    x = _signal(channels_last=False)
    model = _melspectrogram_classifier()
    # Keras 2.3.1 and tf_keras 2.21 alike: the kernels and the mel basis
    # are trainable weights.
    assert (len(model.trainable_weights),
            len(model.non_trainable_weights)) == (7, 0)
    assert [w.name for w in model.layers[0].weights][:2] == [
        'mel/real_kernels:0', 'mel/imag_kernels:0']
    assert model.layers[0].output_shape == (None, 4, 8, 1)
    mel = K.function([model.input], [model.layers[0].output])([x])[0]
    np.testing.assert_allclose(mel[1, :, :, 0].ravel()[:8], [
        -1.258441, -1.473444, -1.595276, -1.517223, -1.303907, -1.167408,
        -1.205267, -1.549042], atol=1e-5)
    assert float(mel.sum()) == pytest.approx(-54.36193, abs=1e-3)
    np.testing.assert_allclose(model.predict(x), [
        [0.253422, 0.439783, 0.306795], [0.290725, 0.397355, 0.31192]],
        atol=1e-5)
    losses = [float(model.train_on_batch(x, TARGETS)) for _ in range(2)]
    np.testing.assert_allclose(losses, [1.268853, 1.200514], atol=1e-5)
    moved = K.batch_get_value([model.layers[0].freq2mel])[0][:, 0] - \
        _mel_basis(16, 4)[:, 0]
    assert float(np.abs(moved).sum()) == pytest.approx(0.178411, abs=1e-5)
    after = model.predict(x)
    np.testing.assert_allclose(after, [
        [0.302782, 0.367334, 0.329885], [0.273782, 0.399919, 0.326299]],
        atol=1e-5)
    path = str(tmp_path / 'melspectrogram.h5')
    model.save(path)
    loaded = keras.models.load_model(path, custom_objects={
        '_MelSpectrogram': _MelSpectrogram,
        '_Normalization2D': _Normalization2D})
    np.testing.assert_allclose(loaded.predict(x), after, atol=1e-6)
    assert loaded.layers[0].get_config()['n_mels'] == 4


def test_unnamed_variable_held_as_attribute_is_named_variable(flavour):
    model = _melspectrogram_classifier()
    assert model.layers[0].weights[2].name == 'mel/Variable:0'


# ------------------------------------------------------ kapre 0.3 (tf.keras)
class _STFT(keras.layers.Layer):
    """kapre 0.3's STFT: channels-last audio to a (batch, time, freq, ch)
    complex STFT through `tf.signal.stft`."""

    def __init__(self, n_fft=16, hop_length=8, pad_begin=False, **kwargs):
        super(_STFT, self).__init__(**kwargs)
        self.n_fft, self.hop_length = n_fft, hop_length
        self.pad_begin = pad_begin

    def call(self, x):
        waveforms = tf.transpose(x, perm=(0, 2, 1))
        if self.pad_begin:
            waveforms = tf.pad(waveforms, tf.constant(
                [[0, 0], [0, 0], [int(self.n_fft - self.hop_length), 0]]))
        stfts = tf.signal.stft(
            signals=waveforms, frame_length=self.n_fft,
            frame_step=self.hop_length, fft_length=self.n_fft,
            window_fn=tf.signal.hann_window, pad_end=True,
            name='%s_tf.signal.stft' % self.name)
        return tf.transpose(stfts, perm=(0, 2, 3, 1))

    def get_config(self):
        config = super(_STFT, self).get_config()
        config.update({'n_fft': self.n_fft, 'hop_length': self.hop_length,
                       'pad_begin': self.pad_begin})
        return config


class _InverseSTFT(_STFT):
    """kapre 0.3's InverseSTFT."""

    def call(self, x):
        stfts = tf.transpose(x, perm=(0, 3, 1, 2))
        waveforms = tf.signal.inverse_stft(
            stfts=stfts, frame_length=self.n_fft, frame_step=self.hop_length,
            fft_length=self.n_fft,
            window_fn=tf.signal.inverse_stft_window_fn(
                self.hop_length, forward_window_fn=tf.signal.hann_window))
        return tf.transpose(waveforms, perm=(0, 2, 1))


class _Magnitude(keras.layers.Layer):
    def call(self, x):
        return tf.abs(x)


class _Phase(keras.layers.Layer):
    def call(self, x):
        return tf.math.angle(x)


class _ApplyFilterbank(keras.layers.Layer):
    """A mel filterbank over the frequency axis, by `tf.tensordot`."""

    def __init__(self, n_mels=5, **kwargs):
        super(_ApplyFilterbank, self).__init__(**kwargs)
        self.n_mels = n_mels
        self.filterbank = tf.signal.linear_to_mel_weight_matrix(
            n_mels, 9, 8000, 100., 4000.)

    def call(self, x):
        output = tf.tensordot(x, self.filterbank, axes=(2, 0))
        return tf.transpose(output, (0, 1, 3, 2))

    def get_config(self):
        config = super(_ApplyFilterbank, self).get_config()
        config.update({'n_mels': self.n_mels})
        return config


class _MagnitudeToDecibel(keras.layers.Layer):
    def call(self, x, amin=1e-5, dynamic_range=80.0):
        def _log10(x):
            return tf.math.log(x) / tf.math.log(tf.constant(10,
                                                            dtype=x.dtype))
        max_axis = tuple(range(K.ndim(x))[1:])
        amin = tf.cast(amin, dtype=x.dtype)
        log_spec = 10.0 * _log10(tf.math.maximum(x, amin))
        log_spec = log_spec - 10.0 * _log10(tf.math.maximum(amin, 1.0))
        return tf.math.maximum(log_spec, tf.math.reduce_max(
            log_spec, axis=max_axis, keepdims=True) - dynamic_range)


class _Delta(keras.layers.Layer):
    def call(self, x):
        x = tf.pad(x, tf.constant([[0, 0], [2, 2], [0, 0], [0, 0]]),
                   mode='SYMMETRIC')
        kernel = K.reshape(K.arange(-2, 3, 1, dtype='float32'),
                           (-1, 1, 1, 1))
        return K.conv2d(x, kernel, data_format='channels_last') / 10.


class _LogmelToMFCC(keras.layers.Layer):
    def call(self, log_melgrams):
        log_melgrams = K.permute_dimensions(log_melgrams, pattern=(0, 3, 1, 2))
        mfccs = tf.signal.mfccs_from_log_mel_spectrograms(log_melgrams)
        return K.permute_dimensions(mfccs[..., :3], pattern=(0, 2, 3, 1))


def _melgram_front():
    return keras.Sequential([
        _STFT(input_shape=(64, 1), name='stft'), _Magnitude(),
        _ApplyFilterbank(), _MagnitudeToDecibel()], name='melgram')


def test_stft_layers_make_melgrams_deltas_mfccs_and_invert(flavour):
    x = _signal(channels_last=True)
    mel = np.asarray(_melgram_front()(x))
    assert mel.shape == (2, 8, 5, 1)
    np.testing.assert_allclose(mel[1, :2, :, 0], [
        [3.079189, 2.551635, 1.400678, 1.08506, -7.097251],
        [3.023967, 2.888783, 1.943696, 1.062118, -7.161318]], atol=1e-4)
    np.testing.assert_allclose(np.asarray(_Delta()(mel))[1, :2, :, 0], [
        [-0.011747, 0.052356, 0.085426, -0.004002, 0.000467],
        [-0.022354, 0.086156, 0.147448, -0.005887, -0.004674]], atol=1e-5)
    np.testing.assert_allclose(
        np.asarray(_LogmelToMFCC()(mel))[1, :2, :, 0],
        [[0.644669, 6.666335, -3.652531], [1.11138, 6.805517, -4.118411]],
        atol=1e-4)
    spectrum = _STFT(pad_begin=True)(x)
    np.testing.assert_allclose(np.asarray(_Phase()(spectrum))[0, 1:3, :4, 0],
                               [[0., -1.756224, 1.391163, 1.425524],
                                [3.141593, 1.200455, -1.930314, -1.864834]],
                               atol=1e-5)
    restored = np.asarray(_InverseSTFT(pad_begin=True)(spectrum))
    assert restored.shape == (2, 80, 1)
    np.testing.assert_allclose(restored[0, 8:14, 0], [
        0., 0.289292, 0.53943, 0.716559, 0.796705, 0.76902], atol=1e-5)


def test_melgram_classifier_trains_and_reloads_like_tf_keras(tmp_path):
    common.set_api_flavour('tf.keras')
    x = _signal(channels_last=True)
    model = keras.Sequential([
        _melgram_front(),
        keras.layers.Conv2D(2, 3, padding='same', activation='relu'),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(3, activation='softmax')])
    r = np.random.RandomState(0)
    model.set_weights([r.uniform(-0.5, 0.5, w.shape).astype('float32')
                       for w in model.get_weights()])
    np.testing.assert_allclose(model.predict(x, verbose=0), [
        [0.35204, 0.444189, 0.203771], [0.427098, 0.243728, 0.329174]],
        atol=1e-5)
    model.compile(keras.optimizers.Adam(0.01), 'categorical_crossentropy')
    losses = [float(model.train_on_batch(x, TARGETS)) for _ in range(2)]
    np.testing.assert_allclose(losses, [1.07759, 1.015967], atol=1e-5)
    after = model.predict(x, verbose=0)
    np.testing.assert_allclose(after, [
        [0.413082, 0.397692, 0.189226], [0.424016, 0.218024, 0.35796]],
        atol=1e-5)
    path = str(tmp_path / 'melgram.h5')
    model.save(path)
    loaded = keras.models.load_model(path, custom_objects={
        '_STFT': _STFT, '_Magnitude': _Magnitude,
        '_ApplyFilterbank': _ApplyFilterbank,
        '_MagnitudeToDecibel': _MagnitudeToDecibel})
    np.testing.assert_allclose(loaded.predict(x, verbose=0), after,
                               atol=1e-6)
    # The optimizer's state comes back with the model.
    assert float(loaded.train_on_batch(x, TARGETS)) == pytest.approx(
        0.955721, abs=1e-5)
    assert loaded.layers[0].layers[0].get_config()['pad_begin'] is False


def test_config_keys_come_in_tf_keras_order():
    common.set_api_flavour('tf.keras')
    # tf_keras 2.21's Layer.get_config order.
    assert list(_STFT(input_shape=(64, 1)).get_config()) == [
        'name', 'trainable', 'dtype', 'batch_input_shape', 'n_fft',
        'hop_length', 'pad_begin']


# --------------------------------------------------------------- tf.print
def _printed(capsys, *inputs, **kwargs):
    tf.print(*inputs, output_stream=sys.stdout, **kwargs)
    return capsys.readouterr().out


def test_print_writes_tensors_as_tensorflow(capsys):
    # Texts written by TensorFlow 2.21's tf.print.
    assert _printed(capsys, tf.constant([4, 400, 1])) == '[4 400 1]\n'
    assert _printed(capsys, tf.constant(
        [1.5, 2., 0.1, -3e-5, 1e7, np.inf, np.nan])) == \
        '[1.5 2 0.1 ... 1e+07 inf nan]\n'
    assert _printed(capsys, tf.reshape(tf.range(12), (3, 4))) == \
        '[[0 1 2 3]\n [4 5 6 7]\n [8 9 10 11]]\n'
    assert _printed(capsys, tf.reshape(tf.range(64), (8, 8))) == (
        '[[0 1 2 ... 5 6 7]\n [8 9 10 ... 13 14 15]\n'
        ' [16 17 18 ... 21 22 23]\n ...\n [40 41 42 ... 45 46 47]\n'
        ' [48 49 50 ... 53 54 55]\n [56 57 58 ... 61 62 63]]\n')
    assert _printed(capsys, tf.reshape(tf.range(8.), (2, 2, 2))) == \
        '[[[0 1]\n  [2 3]]\n\n [[4 5]\n  [6 7]]]\n'
    assert _printed(capsys, tf.range(10), summarize=-1) == \
        '[0 1 2 3 4 5 6 7 8 9]\n'
    assert _printed(capsys, tf.range(10), summarize=2) == '[0 1 ... 8 9]\n'
    assert _printed(capsys, 'loss', tf.constant(0.25), 3, [1, 2],
                    {'a': tf.constant(1)}) == "loss 0.25 3 [1, 2] {'a': 1}\n"
    assert _printed(capsys, tf.constant(True), tf.constant([True, False]),
                    tf.constant('hi'), tf.constant(['a', 'b'])) == \
        '1 [1 0] "hi" ["a" "b"]\n'
    assert _printed(capsys, tf.constant(1.0, tf.float64),
                    tf.constant(1 / 3), tf.constant(1 / 3, tf.float64),
                    tf.constant(123456789.0)) == \
        '1 0.333333343 0.33333333333333331 123456792\n'
    assert _printed(capsys, 'a', 'b', sep='-', end='!\n') == 'a-b!\n'
    assert _printed(capsys, tf.zeros((2, 0)), tf.constant([[1.5]])) == \
        '[\n ...] [[1.5]]\n'
    assert _printed(capsys, tf.constant([0.1, 0.25, 100.5]),
                    np.array([1, 2])) == '[0.1 0.25 100.5] array([1, 2])\n'
    tf.print('to', tf.constant([1, 2]))
    assert capsys.readouterr().err == 'to [1 2]\n'


def test_tensorflow1_print_and_strings_format(capsys):
    value = tf.compat.v1.Print(tf.constant(1.), [
        tf.range(10), tf.constant([[1.5, 2.], [3., 4.]]), tf.constant(1 / 3)],
        message='msg: ')
    assert float(value) == 1.
    tf.compat.v1.Print(tf.constant(1.), [tf.range(10)], message='s5: ',
                       summarize=5)
    assert capsys.readouterr().err == (
        'msg: [0 1 2...][[1.5 2][3...]...][0.333333343]\n'
        's5: [0 1 2 3 4...]\n')
    text = tf.strings.format('v={} w={}', (tf.range(10), tf.constant(0.5)))
    assert text.numpy() == b'v=[0 1 2 ... 7 8 9] w=0.5'


class _PrintsShape(keras.layers.Layer):
    """Prints in `call`, as kapre 0.3's Energy layer does."""

    def call(self, x):
        tf.print('shape', tf.shape(x))
        return K.print_tensor(x * 2, message='x =')


def test_prints_run_with_the_model_not_while_it_is_built(capsys):
    common.set_api_flavour('tf.keras')
    inputs = keras.Input((2,))
    model = keras.Model(inputs, _PrintsShape()(inputs))
    assert capsys.readouterr() == ('', '')
    model.predict(np.ones((2, 2), 'float32'), verbose=0)
    # tf_keras 2.21: tf.print to standard error, K.print_tensor to
    # standard output.
    assert capsys.readouterr() == ('x = [[2 2]\n [2 2]]\n', 'shape [2 2]\n')


# ------------------------------------------------------ the log-mel recipe
def test_log_mel_recipe_with_eager_shape_arithmetic():
    t = np.arange(256, dtype='float32')
    pcm = (np.sin(t * 0.3) + 0.5 * np.sin(t * 1.1 + 0.4) +
           0.1 * np.cos(t * 2.3)).astype('float32')
    signals = tf.constant(np.stack([pcm, pcm[::-1].copy()]))
    stfts = tf.signal.stft(signals, frame_length=64, frame_step=32,
                           fft_length=64)
    spectrograms = tf.abs(stfts)
    weights = tf.signal.linear_to_mel_weight_matrix(
        8, stfts.shape[-1], 8000, 80.0, 3800.0)
    mel_spectrograms = tf.tensordot(spectrograms, weights, 1)
    mel_spectrograms.set_shape(
        spectrograms.shape[:-1].concatenate(weights.shape[-1:]))
    assert mel_spectrograms.shape.as_list() == [2, 7, 8]
    assert spectrograms.shape[:-1].concatenate([3]).as_list() == [2, 7, 3]
    mfccs = tf.signal.mfccs_from_log_mel_spectrograms(
        tf.math.log(mel_spectrograms + 1e-6))[..., :4]
    np.testing.assert_allclose(np.asarray(mfccs)[1, :3], [
        [4.893133, 1.979991, 0.562155, 1.023968],
        [4.897897, 1.973292, 0.566329, 1.027168],
        [4.898048, 1.968144, 0.571056, 1.031284]], atol=2e-5)
    np.testing.assert_allclose(
        np.asarray(tf.math.log1p(spectrograms))[0, 2, :5],
        [0.035859, 0.120492, 2.119953, 2.831452, 2.268953], atol=2e-5)
    frames = tf.signal.frame(signals, 64, 32)
    ola = tf.signal.overlap_and_add(frames * tf.signal.hann_window(64), 32)
    assert tuple(ola.shape) == (2, 256)
    np.testing.assert_allclose(np.asarray(ola)[0, 30:36], [
        0.960049, 0.095339, -0.628704, -0.790359, -0.743797, -0.375553],
        atol=1e-5)
    r = tf.signal.rfft(signals[:, :16])
    magnitude, phase = tf.abs(r), tf.math.angle(r)
    polar = tf.complex(magnitude * tf.cos(phase), magnitude * tf.sin(phase))
    np.testing.assert_allclose(np.asarray(tf.signal.irfft(polar))[0, :4],
                               [0.294709, 0.72764, 0.811178, 0.599981],
                               atol=1e-5)
