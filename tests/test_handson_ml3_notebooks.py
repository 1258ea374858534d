"""Idioms of the tf.keras notebooks of "Hands-On Machine Learning, 3rd
edition" (preprocessing layers on strings, feature crosses, time-series
windows, wide-and-deep models with Normalization layers, a Transformer
with padding and causal masks) on keras_compat. Reference values come
from TensorFlow 2.21 + tf_keras 2.21 (TF_USE_LEGACY_KERAS=1) running the
same code."""
import numpy as np
import pytest

import keras_compat as keras
from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common


@pytest.fixture(autouse=True)
def _tf_keras_flavour():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


def _seeded_weights(model, scale=0.2):
    """Float weights drawn from RandomState(0), RandomState(1), ..."""
    weights, i = [], 0
    for w in model.get_weights():
        if w.dtype.kind == 'f' and w.ndim:
            w = np.random.RandomState(i).randn(*w.shape).astype('float32') \
                * scale
            i += 1
        weights.append(w)
    model.set_weights(weights)


def test_hashing_layer_hashes_strings():
    hashing_layer = keras.layers.Hashing(num_bins=10)
    bins = hashing_layer([["Paris"], ["Tokyo"], ["Auckland"], ["Montreal"]])
    # tf_keras 2.21
    assert np.asarray(bins).tolist() == [[0], [1], [9], [1]]
    assert np.asarray(keras.layers.Hashing(num_bins=10, salt=[1, 2])(
        [["Paris"], ["Tokyo"]])).tolist() == [[9], [0]]
    assert np.asarray(keras.layers.Hashing(4, salt=7)(
        tf.constant(["a", "b"]))).tolist() == [2, 1]
    assert np.asarray(keras.layers.Hashing(6, mask_value="")(
        np.array([["a"], [""], ["Paris"], ["zz"]]))).ravel().tolist() == \
        [5, 0, 1, 3]
    one_hot = keras.layers.Hashing(4, output_mode="one_hot")(
        np.array(["a", "b"]))
    np.testing.assert_array_equal(one_hot, [[0, 0, 0, 1], [0, 0, 1, 0]])
    # Integers are hashed as their decimal strings.
    assert np.asarray(keras.layers.Hashing(num_bins=7)(
        np.array([[1], [2], [300]]))).tolist() == [[5], [5], [3]]


def test_hashing_strings_in_a_dataset_and_in_a_model():
    ds = tf.data.Dataset.from_tensor_slices(
        np.array(["a", "b", "c"])).batch(3).map(keras.layers.Hashing(5))
    assert np.asarray(next(iter(ds))).tolist() == [4, 2, 2]
    inputs = keras.layers.Input(shape=[1], dtype=tf.string)
    bins = keras.layers.Hashing(num_bins=6, mask_value="")(inputs)
    model = keras.Model(inputs, bins)
    X = np.array([["a"], [""], ["Paris"], ["zz"]])
    assert model.predict(X, verbose=0).ravel().tolist() == [5, 0, 1, 3]


def test_hashed_crossing_of_strings_and_integers():
    # tf_keras 2.21
    crossed = keras.layers.HashedCrossing(num_bins=10)(
        (np.array(["a", "b"]), np.array(["x", "y"])))
    assert np.asarray(crossed).tolist() == [2, 5]
    ages = np.array([[5.], [10.], [20.], [40.]])
    ocean = np.array([["INLAND"], ["NEAR BAY"], ["INLAND"], ["ISLAND"]])
    age_bins = keras.layers.Discretization(bin_boundaries=[15., 30.])(ages)
    ocean_ids = keras.layers.StringLookup(
        vocabulary=["INLAND", "NEAR BAY", "ISLAND"])(ocean)
    crossed = keras.layers.HashedCrossing(num_bins=10)((age_bins, ocean_ids))
    assert np.asarray(crossed).tolist() == [[3], [4], [1], [4]]
    a = keras.layers.Input(shape=[], dtype=tf.string)
    b = keras.layers.Input(shape=[], dtype=tf.int64)
    model = keras.Model([a, b], keras.layers.HashedCrossing(num_bins=7)(
        (a, b)))
    out = model.predict((np.array(["x", "y", "x"]), np.array([1, 1, 2])),
                        verbose=0)
    assert out.tolist() == [0, 5, 1]


def test_timeseries_dataset_of_a_python_list_is_int32():
    my_series = [0, 1, 2, 3, 4, 5]
    my_dataset = keras.utils.timeseries_dataset_from_array(
        my_series, targets=my_series[3:], sequence_length=3, batch_size=2)
    batches = [(np.asarray(x), np.asarray(y)) for x, y in my_dataset]
    # tf_keras 2.21: tf.data converts the list to int32 tensors.
    assert [(x.tolist(), y.tolist()) for x, y in batches] == [
        ([[0, 1, 2], [1, 2, 3]], [3, 4]), ([[2, 3, 4]], [5])]
    assert batches[0][0].dtype == np.int32
    assert batches[0][1].dtype == np.int32
    floats = keras.utils.timeseries_dataset_from_array(
        [0.5, 1., 2.], None, sequence_length=2)
    assert np.asarray(next(iter(floats))).dtype == np.float32
    arrays = keras.utils.timeseries_dataset_from_array(
        np.arange(4.), None, sequence_length=2)
    assert np.asarray(next(iter(arrays))).dtype == np.float64


def test_nested_windows_make_seq2seq_targets():
    def to_windows(dataset, length):
        dataset = dataset.window(length, shift=1, drop_remainder=True)
        return dataset.flat_map(lambda window_ds: window_ds.batch(length))
    series = np.arange(16, dtype='float32').reshape(8, 2)
    ds = to_windows(tf.data.Dataset.from_tensor_slices(series), 3)
    ds = to_windows(ds, 4).map(lambda S: (S[:, 0], S[:, 1:, 0]))
    pairs = [(np.asarray(x), np.asarray(y)) for x, y in ds.batch(8)]
    assert len(pairs) == 1
    X, Y = pairs[0]
    assert X.shape == (3, 4, 2) and Y.shape == (3, 4, 2)
    assert X[1].tolist() == [[2, 3], [4, 5], [6, 7], [8, 9]]
    assert Y[1].tolist() == [[4, 6], [6, 8], [8, 10], [10, 12]]


def test_wide_and_deep_model_with_two_normalized_inputs():
    rs = np.random.RandomState(0)
    X_train = rs.rand(200, 8) * 10
    y_train = (X_train[:, :1] * 0.3 + X_train[:, 1:2] * 0.1 +
               rs.randn(200, 1) * 0.1)
    X_wide, X_deep = X_train[:, :5], X_train[:, 2:]
    input_wide = keras.layers.Input(shape=[5])
    input_deep = keras.layers.Input(shape=[6])
    norm_layer_wide = keras.layers.Normalization()
    norm_layer_deep = keras.layers.Normalization()
    norm_wide = norm_layer_wide(input_wide)
    norm_deep = norm_layer_deep(input_deep)
    hidden1 = keras.layers.Dense(30, activation="relu")(norm_deep)
    hidden2 = keras.layers.Dense(30, activation="relu")(hidden1)
    concat = keras.layers.concatenate([norm_wide, hidden2])
    output = keras.layers.Dense(1)(concat)
    aux_output = keras.layers.Dense(1)(hidden2)
    model = keras.Model(inputs=[input_wide, input_deep],
                        outputs=[output, aux_output])
    model.set_weights([
        np.random.RandomState(i).randn(*w.shape).astype('float32') * 0.2
        if w.ndim else w for i, w in enumerate(model.get_weights())])
    model.compile(loss=("mse", "mse"), loss_weights=[0.9, 0.1],
                  optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                  metrics=["RootMeanSquaredError"])
    norm_layer_wide.adapt(X_wide)
    norm_layer_deep.adapt(X_deep)
    history = model.fit((X_wide, X_deep), (y_train, y_train), epochs=2,
                        verbose=0, shuffle=False,
                        validation_data=((X_wide[:40], X_deep[:40]),
                                         (y_train[:40], y_train[:40])))
    # tf_keras 2.21
    np.testing.assert_allclose(history.history["loss"], [3.38373, 2.80518],
                               atol=1e-4)
    results = model.evaluate((X_wide[40:60], X_deep[40:60]),
                             (y_train[40:60], y_train[40:60]), verbose=0)
    np.testing.assert_allclose(
        results, [2.51986, 2.18124, 5.56748, 1.4769, 2.35955], atol=1e-4)
    y_pred = dict(zip(model.output_names, model.predict(
        (X_wide[40:43], X_deep[40:43]), verbose=0)))
    np.testing.assert_allclose(y_pred[model.output_names[0]],
                               [[0.70909], [0.81126], [0.20265]], atol=1e-4)


def test_transformer_with_padding_and_causal_masks():
    sentences_en = ["i like soccer", "how are you", "the cat sleeps"]
    sentences_es = ["me gusta el futbol", "como estas", "el gato duerme"]
    vocab_size, max_length, embed_size = 20, 6, 8
    text_vec_layer_en = keras.layers.TextVectorization(
        vocab_size, output_sequence_length=max_length)
    text_vec_layer_es = keras.layers.TextVectorization(
        vocab_size, output_sequence_length=max_length)
    text_vec_layer_en.adapt(sentences_en)
    text_vec_layer_es.adapt([f"startofseq {s} endofseq"
                             for s in sentences_es])
    encoder_inputs = keras.layers.Input(shape=[], dtype=tf.string)
    decoder_inputs = keras.layers.Input(shape=[], dtype=tf.string)
    encoder_input_ids = text_vec_layer_en(encoder_inputs)
    decoder_input_ids = text_vec_layer_es(decoder_inputs)
    encoder_in = keras.layers.Embedding(vocab_size, embed_size,
                                        mask_zero=True)(encoder_input_ids)
    decoder_in = keras.layers.Embedding(vocab_size, embed_size,
                                        mask_zero=True)(decoder_input_ids)
    batch_max_len_dec = tf.shape(decoder_in)[1]
    encoder_pad_mask = tf.math.not_equal(encoder_input_ids, 0)[:, tf.newaxis]
    decoder_pad_mask = tf.math.not_equal(decoder_input_ids, 0)[:, tf.newaxis]
    causal_mask = tf.linalg.band_part(
        tf.ones((batch_max_len_dec, batch_max_len_dec), tf.bool), -1, 0)
    Z = keras.layers.MultiHeadAttention(num_heads=2, key_dim=embed_size)(
        encoder_in, value=encoder_in, attention_mask=encoder_pad_mask)
    encoder_outputs = keras.layers.LayerNormalization()(
        keras.layers.Add()([Z, encoder_in]))
    Z = keras.layers.MultiHeadAttention(num_heads=2, key_dim=embed_size)(
        decoder_in, value=decoder_in,
        attention_mask=causal_mask & decoder_pad_mask)
    Z = keras.layers.LayerNormalization()(keras.layers.Add()([Z, decoder_in]))
    Z = keras.layers.MultiHeadAttention(num_heads=2, key_dim=embed_size)(
        Z, value=encoder_outputs, attention_mask=encoder_pad_mask)
    Y_proba = keras.layers.Dense(vocab_size, activation="softmax")(Z)
    model = keras.Model(inputs=[encoder_inputs, decoder_inputs],
                        outputs=[Y_proba])
    _seeded_weights(model, 0.3)
    X = tf.constant(sentences_en[:1])
    X_dec = tf.constant(["startofseq me gusta"])
    y_proba = model.predict((X, X_dec), verbose=0)
    # tf_keras 2.21
    np.testing.assert_allclose(y_proba[0, :3, :4], [
        [0.06809, 0.04859, 0.04869, 0.05183],
        [0.0683, 0.04847, 0.04878, 0.05185],
        [0.06813, 0.04857, 0.04871, 0.05187]], atol=1e-4)

class WideAndDeepModel(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.norm_layer_wide = keras.layers.Normalization()
        self.norm_layer_deep = keras.layers.Normalization()
        self.hidden = keras.layers.Dense(
            3, activation="relu",
            kernel_initializer=keras.initializers.Constant(0.1))
        self.main_output = keras.layers.Dense(
            1, kernel_initializer=keras.initializers.Constant(0.2))
        self.aux_output = keras.layers.Dense(
            1, kernel_initializer=keras.initializers.Constant(-0.3))

    def call(self, inputs):
        input_wide, input_deep = inputs
        hidden = self.hidden(self.norm_layer_deep(input_deep))
        concat = keras.layers.concatenate(
            [self.norm_layer_wide(input_wide), hidden])
        return self.main_output(concat), self.aux_output(hidden)


@pytest.mark.parametrize('loss_weights, losses, aux_mae', [
    # tf_keras 2.21
    (None, [2.94762, 1.31958], [1.12284, 0.76416]),
    ((0.9, 0.1), [1.15633, 0.50386], [1.16334, 1.17154])])
def test_subclassed_model_with_two_outputs_compiled_before_its_call(
        loss_weights, losses, aux_mae):
    X = np.arange(24, dtype='float32').reshape(8, 3) / 10
    y = X[:, :1]
    model = WideAndDeepModel()
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse",
                  loss_weights=loss_weights, metrics=["mae"])
    model.norm_layer_wide.adapt(X[:, :2])
    model.norm_layer_deep.adapt(X)
    history = model.fit((X[:, :2], X), (y, y), epochs=2, batch_size=4,
                        verbose=0, shuffle=False)
    assert sorted(history.history) == [
        'loss', 'output_1_loss', 'output_1_mae', 'output_2_loss',
        'output_2_mae']
    np.testing.assert_allclose(history.history["loss"], losses, atol=1e-4)
    np.testing.assert_allclose(history.history["output_2_mae"], aux_mae,
                               atol=1e-4)


def test_subclassed_model_called_after_compile_gets_a_loss_per_output():
    X = np.arange(24, dtype='float32').reshape(8, 3) / 10
    model = WideAndDeepModel()
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    model((X[:2, :2], X[:2]))
    history = model.fit((X[:, :2], X), (X[:, :1], X[:, :1]), epochs=1,
                        batch_size=4, verbose=0, shuffle=False)
    # tf_keras 2.21
    np.testing.assert_allclose(history.history["loss"], [2.25688],
                               atol=1e-4)


def test_sequential_of_a_text_vectorization_layer_and_a_model():
    text_vec_layer = keras.layers.TextVectorization(split="character",
                                                    standardize="lower")
    text_vec_layer.adapt(["to be or not"])
    inner = keras.Sequential([
        keras.layers.Embedding(
            10, 2, embeddings_initializer=keras.initializers.Constant(0.5)),
        keras.layers.Dense(3, kernel_initializer="ones")])
    model = keras.Sequential([text_vec_layer,
                              keras.layers.Lambda(lambda X: X - 2), inner])
    # tf_keras 2.21
    assert model.output_shape == (None, None, 3)
    np.testing.assert_allclose(model.predict(["To b"], verbose=0),
                               np.ones((1, 4, 3)))
