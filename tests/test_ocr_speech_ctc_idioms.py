"""OCR and speech recognition code written for tf.keras 2.x, shrunk to tiny
shapes with synthetic data and fixed weights: keras-ocr's CRNN recognizer
(`Lambda(ctc_batch_cost)` training model, a `ctc_decode` Lambda padded with
`tf.pad` as prediction model), the keras.io captcha OCR example (a
`CTCLayer(name)(labels, y_pred)` endpoint calling `add_loss`, a prediction
model cut out with `get_layer`, greedy decoding read back through an
inverted `StringLookup`) and the keras.io CTC speech recognition example
(`tf.audio.decode_wav`, `tf.signal.stft` spectrograms, `padded_batch`, a
custom loss around `ctc_batch_cost`, bidirectional GRUs).

Reference numbers were computed with TensorFlow 2.21 + tf_keras
(TF_USE_LEGACY_KERAS=1) running the same `_run_*` functions with the real
`tensorflow` module."""
import numpy as np
import pytest


@pytest.fixture
def tf():
    from keras_compat import tensorflow_compat
    from keras_compat.backend import common
    common.set_api_flavour('tf.keras')
    return tensorflow_compat


def _fill_weights(model, seed, scale):
    """Sets every weight from a RandomState, layer by layer; BatchNorm
    scales and variances stay positive."""
    rs = np.random.RandomState(seed)
    for layer in model.layers:
        values = layer.get_weights()
        if not values:
            continue
        new = []
        for variable, value in zip(layer.weights, values):
            v = rs.uniform(-scale, scale, size=value.shape).astype('float32')
            if 'variance' in variable.name or 'gamma' in variable.name:
                v = np.abs(v) + 0.5
            new.append(v)
        layer.set_weights(new)


def _value(x):
    return np.asarray(x.numpy() if hasattr(x, 'numpy') else x)


# --------------------------------------------------------- keras-ocr CRNN
def _ctc_decoder(tf):
    def decoder(y_pred):
        input_shape = tf.keras.backend.shape(y_pred)
        input_length = tf.ones(shape=input_shape[0]) * \
            tf.keras.backend.cast(input_shape[1], 'float32')
        unpadded = tf.keras.backend.ctc_decode(y_pred, input_length)[0][0]
        unpadded_shape = tf.keras.backend.shape(unpadded)
        return tf.pad(unpadded,
                      paddings=[[0, 0], [0, input_shape[1] -
                                         unpadded_shape[1]]],
                      constant_values=-1)
    return tf.keras.layers.Lambda(decoder, name='decode')


def _crnn(tf, alphabet='abcde', steps_to_discard=2):
    keras = tf.keras
    inputs = keras.layers.Input((8, 24, 1))
    x = keras.layers.Permute((2, 1, 3))(inputs)
    x = keras.layers.Lambda(lambda x: x[:, :, ::-1])(x)
    x = keras.layers.Conv2D(3, (3, 3), activation='relu', padding='same',
                            name='conv_1')(x)
    x = keras.layers.BatchNormalization(name='bn_1')(x)
    x = keras.layers.MaxPooling2D(pool_size=(2, 2), name='maxpool_1')(x)
    x = keras.layers.Reshape(target_shape=(12, 4 * 3), name='reshape')(x)
    x = keras.layers.Dense(5, activation='relu', name='fc_9')(x)
    forward = keras.layers.LSTM(4, return_sequences=True, name='lstm_10')(x)
    back = keras.layers.LSTM(4, go_backwards=True, return_sequences=True,
                             name='lstm_10_back')(x)
    x = keras.layers.Add()([forward, back])
    forward = keras.layers.LSTM(3, return_sequences=True, name='lstm_11')(x)
    back = keras.layers.LSTM(3, go_backwards=True, return_sequences=True,
                             name='lstm_11_back')(x)
    x = keras.layers.Concatenate()([forward, back])
    x = keras.layers.Dropout(0.0, name='dropout')(x)
    x = keras.layers.Dense(len(alphabet) + 1, activation='softmax',
                           name='fc_12')(x)
    x = keras.layers.Lambda(lambda x: x[:, steps_to_discard:])(x)
    model = keras.models.Model(inputs=inputs, outputs=x)
    prediction_model = keras.models.Model(
        inputs=inputs, outputs=_ctc_decoder(tf)(model.output))
    labels = keras.layers.Input(name='labels',
                                shape=[model.output_shape[1]],
                                dtype='float32')
    label_length = keras.layers.Input(shape=[1])
    input_length = keras.layers.Input(shape=[1])
    loss = keras.layers.Lambda(
        lambda inputs: keras.backend.ctc_batch_cost(
            y_true=inputs[0], y_pred=inputs[1], input_length=inputs[2],
            label_length=inputs[3]))(
        [labels, model.output, input_length, label_length])
    training_model = keras.models.Model(
        inputs=[model.input, labels, input_length, label_length],
        outputs=loss)
    return model, training_model, prediction_model


def _run_crnn(tf):
    keras = tf.keras
    model, training_model, prediction_model = _crnn(tf)
    _fill_weights(model, 1, 0.9)
    x = np.random.RandomState(0).rand(3, 8, 24, 1).astype('float32')
    probs = model.predict(x, verbose=0)
    decoded = prediction_model.predict(x, verbose=0)
    paths, log_prob = keras.backend.ctc_decode(
        probs, np.ones(3) * probs.shape[1], greedy=False, beam_width=4,
        top_paths=2)
    max_len = model.output_shape[1]
    labels = np.array([[0, 1, 2] + [-1] * (max_len - 3),
                       [3, 3] + [-1] * (max_len - 2),
                       [4] + [-1] * (max_len - 1)], 'float32')
    data = (x, labels, np.ones((3, 1)) * max_len, np.array([[3], [2], [1]]))
    ctc = training_model.predict(data, verbose=0)
    training_model.compile(loss=lambda _, y_pred: y_pred,
                           optimizer='RMSprop')
    history = training_model.fit(data, np.zeros((3, 1)), batch_size=2,
                                 epochs=2, verbose=0, shuffle=False)
    return {'shapes': (model.output_shape, prediction_model.output_shape,
                       training_model.output_shape),
            'probs': probs[0, :2], 'decoded': decoded.tolist(),
            'paths': [_value(p).tolist() for p in paths],
            'log_prob': _value(log_prob), 'ctc': ctc.ravel(),
            'loss': history.history['loss'],
            'after': prediction_model.predict(x, verbose=0).tolist()}


def test_keras_ocr_crnn_trains_through_a_ctc_lambda_and_decodes(tf):
    r = _run_crnn(tf)
    assert r['shapes'] == ((None, 10, 6), (None, 10), (None, 1))
    np.testing.assert_allclose(r['probs'], [
        [0.085663, 0.248516, 0.040061, 0.43164, 0.041679, 0.152442],
        [0.083747, 0.252175, 0.038434, 0.442587, 0.042477, 0.14058]],
        atol=1e-5)
    # tf.keras: greedy and beam results are as wide as the time axis.
    assert r['decoded'] == [[3] + [-1] * 9] * 3
    assert r['paths'] == [[[3, 1, 3, 1, 3] + [-1] * 5] * 3,
                          [[3, 1, 3, 1] + [-1] * 6] * 3]
    np.testing.assert_allclose(r['log_prob'], [
        [-4.068017, -4.80602], [-4.063019, -4.816041],
        [-4.065244, -4.799042]], atol=1e-4)
    np.testing.assert_allclose(r['ctc'], [13.442935, 6.160908, 18.572437],
                               rtol=1e-5)
    np.testing.assert_allclose(r['loss'], [11.976130, 11.747144], rtol=1e-5)
    assert r['after'] == [[3] + [-1] * 9] * 3


# ------------------------------------------------------- captcha OCR
def _captcha_model(tf, img_width, img_height, vocabulary_size):
    keras, layers = tf.keras, tf.keras.layers

    class CTCLayer(layers.Layer):
        def __init__(self, name=None):
            super().__init__(name=name)
            self.loss_fn = keras.backend.ctc_batch_cost

        def call(self, y_true, y_pred):
            batch_len = tf.cast(tf.shape(y_true)[0], dtype='int64')
            input_length = tf.cast(tf.shape(y_pred)[1], dtype='int64')
            label_length = tf.cast(tf.shape(y_true)[1], dtype='int64')
            input_length = input_length * tf.ones(shape=(batch_len, 1),
                                                  dtype='int64')
            label_length = label_length * tf.ones(shape=(batch_len, 1),
                                                  dtype='int64')
            loss = self.loss_fn(y_true, y_pred, input_length, label_length)
            self.add_loss(loss)
            return y_pred

    input_img = layers.Input(shape=(img_width, img_height, 1),
                             name='image', dtype='float32')
    labels = layers.Input(name='label', shape=(None,), dtype='float32')
    x = layers.Conv2D(4, (3, 3), activation='relu', padding='same',
                      name='Conv1')(input_img)
    x = layers.MaxPooling2D((2, 2), name='pool1')(x)
    x = layers.Conv2D(6, (3, 3), activation='relu', padding='same',
                      name='Conv2')(x)
    x = layers.MaxPooling2D((2, 2), name='pool2')(x)
    new_shape = ((img_width // 4), (img_height // 4) * 6)
    x = layers.Reshape(target_shape=new_shape, name='reshape')(x)
    x = layers.Dense(8, activation='relu', name='dense1')(x)
    x = layers.Bidirectional(layers.LSTM(6, return_sequences=True))(x)
    x = layers.Bidirectional(layers.LSTM(5, return_sequences=True))(x)
    x = layers.Dense(vocabulary_size + 1, activation='softmax',
                     name='dense2')(x)
    output = CTCLayer(name='ctc_loss')(labels, x)
    model = keras.models.Model(inputs=[input_img, labels], outputs=output,
                               name='ocr_model_v1')
    model.compile(optimizer=keras.optimizers.Adam())
    return model


def _run_captcha(tf):
    keras, layers = tf.keras, tf.keras.layers
    img_width, img_height, max_length = 48, 20, 4
    rs = np.random.RandomState(0)
    texts = [''.join(rs.choice(list('abcd3'), 4)) for _ in range(8)]
    pixels = (rs.rand(8, img_height, img_width, 1) * 255).astype('uint8')
    characters = sorted({c for label in texts for c in label})
    char_to_num = layers.StringLookup(vocabulary=list(characters),
                                      mask_token=None)
    num_to_char = layers.StringLookup(
        vocabulary=char_to_num.get_vocabulary(), mask_token=None,
        invert=True)

    def encode_single_sample(img, label):
        img = tf.image.convert_image_dtype(img, tf.float32)
        img = tf.transpose(img, perm=[1, 0, 2])
        label = char_to_num(tf.strings.unicode_split(
            label, input_encoding='UTF-8'))
        return {'image': img, 'label': label}

    dataset = tf.data.Dataset.from_tensor_slices((pixels, texts)).map(
        encode_single_sample, num_parallel_calls=tf.data.AUTOTUNE).batch(4)
    model = _captcha_model(tf, img_width, img_height,
                           len(char_to_num.get_vocabulary()))
    lines = []
    model.summary(print_fn=lines.append)
    _fill_weights(model, 2, 0.5)
    history = model.fit(dataset, validation_data=dataset, epochs=2,
                        verbose=0)
    prediction_model = keras.models.Model(
        model.get_layer(name='image').input,
        model.get_layer(name='dense2').output)

    def decode_batch_predictions(pred):
        input_len = np.ones(pred.shape[0]) * pred.shape[1]
        results = keras.backend.ctc_decode(
            pred, input_length=input_len, greedy=True)[0][0][:, :max_length]
        return [tf.strings.reduce_join(num_to_char(res)).numpy().decode(
            'utf-8') for res in results]

    for batch in dataset.take(1):
        preds = prediction_model.predict(batch['image'], verbose=0)
        originals = [tf.strings.reduce_join(num_to_char(label)).numpy()
                     .decode('utf-8') for label in batch['label']]
        # Label 4 ('c') scored best, to decode something other than blanks.
        boosted = preds * np.array([1, 1, 1, 1, 3, 1, 1], 'float32')
    return {'summary': [l for l in lines if 'ctc_loss' in l or
                        "'dense2[0][0]'" in l],
            'history': history.history, 'probs': preds[0, :2],
            'texts': decode_batch_predictions(preds),
            'boosted': decode_batch_predictions(boosted),
            'originals': originals}


def test_captcha_ocr_ctc_endpoint_layer_and_greedy_decoding(tf):
    r = _run_captcha(tf)
    # tf.keras lists every graph tensor the endpoint layer was called on.
    assert r['summary'] == [
        " ctc_loss (CTCLayer)         (None, 12, 7)                0       "
        "  ['label[0][0]',               ",
        "                                                                  "
        "   'dense2[0][0]']              "]
    np.testing.assert_allclose(r['history']['loss'], [15.159388, 15.068543],
                               rtol=1e-5)
    np.testing.assert_allclose(r['history']['val_loss'],
                               [15.092791, 15.002029], rtol=1e-5)
    np.testing.assert_allclose(r['probs'], [
        [0.226839, 0.124994, 0.12684, 0.140984, 0.139611, 0.082719,
         0.158013],
        [0.224018, 0.124523, 0.124794, 0.140988, 0.140967, 0.08204,
         0.16267]], atol=1e-5)
    assert r['originals'] == ['3add', 'dbdc', '3aa3', 'cbab']
    # `[:, :max_length]` keeps the -1 padding, which the inverted lookup
    # reads as its OOV token.
    assert r['texts'] == ['[UNK]' * 4] * 4
    assert r['boosted'] == ['c' + '[UNK]' * 3] * 4


# --------------------------------------------------- CTC speech recognition
def _write_waves(tf, folder):
    """Four short 8 kHz tones with noise, written by tf.audio.encode_wav."""
    rs = np.random.RandomState(0)
    for i, n in enumerate([1200, 1000, 900, 1100]):
        t = np.arange(n) / 8000.
        signal = 0.3 * np.sin(2 * np.pi * (300 + 150 * i) * t) + \
            0.05 * rs.randn(n)
        contents = tf.audio.encode_wav(
            signal.astype('float32')[:, None], 8000)
        with open('%s/s%d.wav' % (folder, i), 'wb') as f:
            f.write(_value(contents).item() if not isinstance(
                contents, bytes) else contents)


def _deep_speech(tf, input_dim, output_dim, rnn_layers=2, rnn_units=4):
    keras, layers = tf.keras, tf.keras.layers

    def CTCLoss(y_true, y_pred):
        batch_len = tf.cast(tf.shape(y_true)[0], dtype='int64')
        input_length = tf.cast(tf.shape(y_pred)[1], dtype='int64')
        label_length = tf.cast(tf.shape(y_true)[1], dtype='int64')
        input_length = input_length * tf.ones(shape=(batch_len, 1),
                                              dtype='int64')
        label_length = label_length * tf.ones(shape=(batch_len, 1),
                                              dtype='int64')
        return keras.backend.ctc_batch_cost(y_true, y_pred, input_length,
                                            label_length)

    input_spectrogram = layers.Input((None, input_dim), name='input')
    x = layers.Reshape((-1, input_dim, 1),
                       name='expand_dim')(input_spectrogram)
    x = layers.Conv2D(filters=2, kernel_size=[5, 11], strides=[2, 2],
                      padding='same', use_bias=False, name='conv_1')(x)
    x = layers.BatchNormalization(name='conv_1_bn')(x)
    x = layers.ReLU(name='conv_1_relu')(x)
    x = layers.Conv2D(filters=2, kernel_size=[5, 7], strides=[1, 2],
                      padding='same', use_bias=False, name='conv_2')(x)
    x = layers.BatchNormalization(name='conv_2_bn')(x)
    x = layers.ReLU(name='conv_2_relu')(x)
    x = layers.Reshape((-1, x.shape[-2] * x.shape[-1]))(x)
    for i in range(1, rnn_layers + 1):
        recurrent = layers.GRU(
            units=rnn_units, activation='tanh',
            recurrent_activation='sigmoid', use_bias=True,
            return_sequences=True, reset_after=True, name=f'gru_{i}')
        x = layers.Bidirectional(recurrent, name=f'bidirectional_{i}',
                                 merge_mode='concat')(x)
    x = layers.Dense(units=rnn_units * 2, name='dense_1')(x)
    x = layers.ReLU(name='dense_1_relu')(x)
    output = layers.Dense(units=output_dim + 1, activation='softmax')(x)
    model = keras.Model(input_spectrogram, output, name='DeepSpeech_2')
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-2),
                  loss=CTCLoss)
    return model


def _run_speech(tf, folder):
    keras = tf.keras
    keras.backend.clear_session()   # (the example's layer names)
    _write_waves(tf, folder)
    texts = ['Ab c', 'ba', "c'a!", 'B C']
    char_to_num = keras.layers.StringLookup(vocabulary=list("abc'?! "),
                                            oov_token='')
    num_to_char = keras.layers.StringLookup(
        vocabulary=char_to_num.get_vocabulary(), oov_token='', invert=True)

    def encode_single_sample(wav_file, label):
        file = tf.io.read_file(folder + '/' + wav_file + '.wav')
        audio, _ = tf.audio.decode_wav(file)
        audio = tf.squeeze(audio, axis=-1)
        audio = tf.cast(audio, tf.float32)
        spectrogram = tf.signal.stft(audio, frame_length=64, frame_step=40,
                                     fft_length=96)
        spectrogram = tf.abs(spectrogram)
        spectrogram = tf.math.pow(spectrogram, 0.5)
        means = tf.math.reduce_mean(spectrogram, 1, keepdims=True)
        stddevs = tf.math.reduce_std(spectrogram, 1, keepdims=True)
        spectrogram = (spectrogram - means) / (stddevs + 1e-10)
        label = tf.strings.lower(label)
        label = tf.strings.unicode_split(label, input_encoding='UTF-8')
        return spectrogram, char_to_num(label)

    dataset = tf.data.Dataset.from_tensor_slices(
        (['s0', 's1', 's2', 's3'], texts)).map(
            encode_single_sample,
            num_parallel_calls=tf.data.AUTOTUNE).padded_batch(2)
    model = _deep_speech(tf, 49, char_to_num.vocabulary_size())
    _fill_weights(model, 3, 0.5)
    history = model.fit(dataset, validation_data=dataset, epochs=2,
                        verbose=0)
    predictions, targets, first = [], [], []
    for X, y in dataset:
        batch_predictions = model.predict(X, verbose=0)
        first.append(batch_predictions[0, 0].copy())
        # Label 1 ('a') scored best, to decode something other than blanks.
        batch_predictions[:, ::2, 1] *= 10
        input_len = np.ones(batch_predictions.shape[0]) * \
            batch_predictions.shape[1]
        results = keras.backend.ctc_decode(
            batch_predictions, input_length=input_len, greedy=True)[0][0]
        predictions += [tf.strings.reduce_join(num_to_char(result))
                        .numpy().decode('utf-8') for result in results]
        targets += [tf.strings.reduce_join(num_to_char(label)).numpy()
                    .decode('utf-8') for label in y]
    return {'vocabulary': char_to_num.get_vocabulary(),
            'shapes': [tuple(X.shape), tuple(y.shape)],
            'history': history.history, 'first': first,
            'predictions': predictions, 'targets': targets}


def test_ctc_speech_recognition_from_wav_spectrograms(tf, tmp_path):
    r = _run_speech(tf, str(tmp_path))
    assert r['vocabulary'] == ['', 'a', 'b', 'c', "'", '?', '!', ' ']
    assert r['shapes'] == [(2, 26, 49), (2, 4)]
    np.testing.assert_allclose(r['history']['loss'], [17.178295, 15.098812],
                               rtol=2e-5)
    np.testing.assert_allclose(r['history']['val_loss'],
                               [15.158343, 13.095016], rtol=2e-5)
    np.testing.assert_allclose(r['first'], [
        [0.098754, 0.084853, 0.104935, 0.120751, 0.070207, 0.048788,
         0.070284, 0.075334, 0.326092],
        [0.100222, 0.085687, 0.103426, 0.117185, 0.071479, 0.048036,
         0.074252, 0.075759, 0.323953]], atol=1e-5)
    assert r['targets'] == ['ab c', 'ba', "c'a!", 'b c']
    assert r['predictions'] == ['a' * 8, 'a' * 8, 'a' * 7, 'a' * 7]


def _run_wav(tf):
    contents = tf.audio.encode_wav(
        tf.constant([[0.5, -1.0], [1.2, 0.000015], [-1.5, 0.99999]]), 16000)
    contents = _value(contents).item() if not isinstance(contents, bytes) \
        else contents
    audio, rate = tf.audio.decode_wav(contents)
    three, _ = tf.audio.decode_wav(contents, desired_channels=3,
                                   desired_samples=4)
    first, _ = tf.audio.decode_wav(contents, desired_channels=1,
                                   desired_samples=2)
    eight_bit = contents[:34] + b'\x08' + contents[35:]
    try:
        tf.audio.decode_wav(eight_bit)
        error = None
    except tf.errors.InvalidArgumentError as e:
        error = 'Can only read 16-bit WAV files, but received 8' in str(e)
    return {'header': contents[:44], 'pcm': np.frombuffer(
                contents[44:], '<i2').tolist(),
            'audio': _value(audio).tolist(), 'rate': int(_value(rate)),
            'three': _value(three).tolist(), 'first': _value(first).tolist(),
            'error': error}


def test_wav_files_encoded_and_decoded_as_tensorflow_does(tf):
    r = _run_wav(tf)
    assert r['header'] == (b'RIFF0\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01'
                           b'\x00\x02\x00\x80>\x00\x00\x00\xfa\x00\x00\x04'
                           b'\x00\x10\x00data\x0c\x00\x00\x00')
    assert r['pcm'] == [16384, -32768, 32767, 0, -32768, 32767]
    top = 32767 / 32768.
    assert r['audio'] == [[0.5, -1.0], [top, 0.0], [-1.0, top]]
    assert r['rate'] == 16000
    assert r['three'] == [[0.5, -1.0, -1.0], [top, 0.0, 0.0],
                          [-1.0, top, top], [0.0, 0.0, 0.0]]
    assert r['first'] == [[0.5], [top]]
    assert r['error'] is True


def test_predict_reads_an_eager_tensor_as_data(tf):
    # tf.keras programs pass dataset batches (eager tensors) to predict,
    # evaluate and fit without `steps`.
    keras = tf.keras
    model = keras.Sequential([keras.layers.Dense(
        2, kernel_initializer='ones', input_shape=(3,))])
    model.compile('sgd', 'mse')
    x = tf.constant(np.ones((4, 3), 'float32'))
    assert model.predict(x, verbose=0).tolist() == [[3., 3.]] * 4
    assert model.evaluate(x, tf.zeros((4, 2)), verbose=0) == 9.0
    for batch in tf.data.Dataset.from_tensor_slices(x).batch(2):
        assert model.predict(batch, verbose=0).shape == (2, 2)
