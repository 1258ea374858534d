"""The keras.io examples written for tf.keras 2.x in the nlp, timeseries,
generative, audio and rl categories (Transformer text classification with
TokenAndPositionEmbedding, pretrained word embeddings behind a
TextVectorization layer, the English-to-Spanish Transformer with masks
from compute_mask and causal attention masks, character-level LSTM
seq2seq with inference models rebuilt from a saved model, timeseries
Transformer classification, weather forecasting with
timeseries_dataset_from_array, PixelCNN masked convolutions, deep dream,
speaker recognition from FFTs, actor-critic and deep Q-learning loops),
shrunk to tiny shapes with seeded data and fixed weights.

Reference numbers were computed with TensorFlow 2.21 + tf_keras
(TF_USE_LEGACY_KERAS=1, TF_ENABLE_ONEDNN_OPTS=0) running the same
`_run_*` functions with the real `tensorflow` module."""
import numpy as np
import pytest


def _aliased(name):
    return name.split('.')[0] in ('keras', 'tensorflow', 'keras_preprocessing')


@pytest.fixture
def tf():
    """The TensorFlow stand-in as a program run by keras_compat sees it
    (tensors' `.numpy()` as TensorFlow's); the import aliases are taken
    back afterwards, so later tests see the package by its own name."""
    import sys
    import torch
    import keras_compat
    from keras_compat import tensorflow_compat
    from keras_compat.backend import common
    modules = {k: v for k, v in sys.modules.items() if _aliased(k)}
    finders = list(sys.meta_path)
    numpy = torch.Tensor.numpy
    keras_compat.install_as_keras()
    common.set_api_flavour('tf.keras')
    try:
        yield tensorflow_compat
    finally:
        for name in [k for k in sys.modules if _aliased(k)]:
            del sys.modules[name]
        sys.modules.update(modules)
        sys.meta_path[:] = finders
        torch.Tensor.numpy = numpy
        common.set_api_flavour('keras')


def _fill_weights(model, seed, scale=0.2):
    """Sets every weight from a RandomState; variances stay positive."""
    rs = np.random.RandomState(seed)
    values = []
    for variable, value in zip(model.weights, model.get_weights()):
        new = (rs.standard_normal(value.shape) * scale).astype('float32')
        if 'variance' in variable.name:
            new = np.abs(new) + 0.5
        values.append(new)
    model.set_weights(values)


def _close(actual, expected, atol=1e-4):
    np.testing.assert_allclose(np.asarray(actual, dtype='float64'),
                               np.asarray(expected, dtype='float64'),
                               rtol=1e-4, atol=atol)


def _check(result, expected):
    for key, value in expected.items():
        if isinstance(value, list) and value and isinstance(value[0], str):
            assert [str(v) for v in result[key]] == value, key
        else:
            _close(result[key], value)


def _run_text_transformer(tf):
    keras, layers = tf.keras, tf.keras.layers

    class TransformerBlock(layers.Layer):
        def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
            super().__init__()
            self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
            self.ffn = keras.Sequential(
                [layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim),]
            )
            self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
            self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
            self.dropout1 = layers.Dropout(rate)
            self.dropout2 = layers.Dropout(rate)

        def call(self, inputs, training):
            attn_output = self.att(inputs, inputs)
            attn_output = self.dropout1(attn_output, training=training)
            out1 = self.layernorm1(inputs + attn_output)
            ffn_output = self.ffn(out1)
            ffn_output = self.dropout2(ffn_output, training=training)
            return self.layernorm2(out1 + ffn_output)

    class TokenAndPositionEmbedding(layers.Layer):
        def __init__(self, maxlen, vocab_size, embed_dim):
            super().__init__()
            self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
            self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

        def call(self, x):
            maxlen = tf.shape(x)[-1]
            positions = tf.range(start=0, limit=maxlen, delta=1)
            positions = self.pos_emb(positions)
            x = self.token_emb(x)
            return x + positions

    vocab_size, maxlen, embed_dim = 20, 6, 4
    rs = np.random.RandomState(0)
    x_train = keras.preprocessing.sequence.pad_sequences(
        [list(rs.randint(1, vocab_size, rs.randint(2, 9))) for _ in range(12)],
        maxlen=maxlen)
    y_train = rs.randint(0, 2, 12)
    inputs = layers.Input(shape=(maxlen,))
    embedding_layer = TokenAndPositionEmbedding(maxlen, vocab_size, embed_dim)
    x = embedding_layer(inputs)
    transformer_block = TransformerBlock(embed_dim, 2, 8, rate=0.0)
    x = transformer_block(x)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(0.0)(x)
    x = layers.Dense(5, activation="relu")(x)
    x = layers.Dropout(0.0)(x)
    outputs = layers.Dense(2, activation="softmax")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    _fill_weights(model, 10, 0.3)
    first = model.predict(x_train[:1], verbose=0)[0]
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=4, epochs=2,
                        validation_data=(x_train[:4], y_train[:4]), shuffle=False, verbose=0)
    return dict(padded=x_train[0], first=first, loss=history.history['loss'],
                val_loss=history.history['val_loss'], nweights=len(model.weights))


def _run_pretrained_embeddings(tf):
    keras, layers = tf.keras, tf.keras.layers
    TextVectorization = tf.keras.layers.TextVectorization
    samples = ["the cat sat on the mat", "a dog ate my homework today",
               "the quick brown fox jumps", "my cat likes the dog",
               "homework is on the mat", "a fox and a dog"] * 2
    labels = np.array([0, 1, 2, 0, 1, 2, 1, 2, 0, 0, 1, 2])
    vectorizer = TextVectorization(max_tokens=12, output_sequence_length=8)
    text_ds = tf.data.Dataset.from_tensor_slices(samples).batch(4)
    vectorizer.adapt(text_ds)
    voc = vectorizer.get_vocabulary()
    word_index = dict(zip(voc, range(len(voc))))
    embeddings_index = {w: np.linspace(-1, 1, 5).astype('float32') * (i + 1) / 7
                        for i, w in enumerate(["cat", "dog", "the", "fox", "zebra"])}
    num_tokens = len(voc) + 2
    embedding_dim = 5
    hits = misses = 0
    embedding_matrix = np.zeros((num_tokens, embedding_dim))
    for word, i in word_index.items():
        embedding_vector = embeddings_index.get(word)
        if embedding_vector is not None:
            embedding_matrix[i] = embedding_vector
            hits += 1
        else:
            misses += 1
    embedding_layer = layers.Embedding(
        num_tokens, embedding_dim,
        embeddings_initializer=keras.initializers.Constant(embedding_matrix),
        trainable=False)
    int_sequences_input = keras.Input(shape=(None,), dtype="int64")
    embedded_sequences = embedding_layer(int_sequences_input)
    x = layers.Conv1D(4, 2, activation="relu")(embedded_sequences)
    x = layers.MaxPooling1D(2)(x)
    x = layers.Conv1D(4, 2, activation="relu")(x)
    x = layers.GlobalMaxPooling1D()(x)
    x = layers.Dense(4, activation="relu")(x)
    x = layers.Dropout(0.0)(x)
    preds = layers.Dense(3, activation="softmax")(x)
    model = keras.Model(int_sequences_input, preds)
    rs = np.random.RandomState(2)
    values = [w if i == 0 else rs.standard_normal(w.shape).astype('float32') * 0.4
              for i, w in enumerate(model.get_weights())]
    model.set_weights(values)
    x_train = vectorizer(np.array([[s] for s in samples])).numpy()
    model.compile(loss="sparse_categorical_crossentropy", optimizer="rmsprop", metrics=["acc"])
    history = model.fit(x_train, labels, batch_size=4, epochs=2, shuffle=False, verbose=0,
                        validation_data=(x_train[:4], labels[:4]))
    string_input = keras.Input(shape=(1,), dtype="string")
    x = vectorizer(string_input)
    preds = model(x)
    end_to_end_model = keras.Model(string_input, preds)
    probabilities = end_to_end_model.predict([["the cat sat on the dog"]], verbose=0)
    return dict(vocab=voc, hits=hits, misses=misses, seq=x_train[1],
                trainable=len(model.trainable_weights),
                loss=history.history['loss'], val_acc=history.history['val_acc'],
                probabilities=probabilities[0],
                emb=model.layers[1].get_weights()[0][2])


def _nmt_layers(tf):
    keras, layers = tf.keras, tf.keras.layers

    class TransformerEncoder(layers.Layer):
        def __init__(self, embed_dim, dense_dim, num_heads, **kwargs):
            super().__init__(**kwargs)
            self.embed_dim = embed_dim
            self.dense_dim = dense_dim
            self.num_heads = num_heads
            self.attention = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
            self.dense_proj = keras.Sequential(
                [layers.Dense(dense_dim, activation="relu"), layers.Dense(embed_dim),])
            self.layernorm_1 = layers.LayerNormalization()
            self.layernorm_2 = layers.LayerNormalization()
            self.supports_masking = True

        def call(self, inputs, mask=None):
            if mask is not None:
                padding_mask = tf.cast(mask[:, tf.newaxis, :], dtype="int32")
            attention_output = self.attention(
                query=inputs, value=inputs, key=inputs, attention_mask=padding_mask)
            proj_input = self.layernorm_1(inputs + attention_output)
            proj_output = self.dense_proj(proj_input)
            return self.layernorm_2(proj_input + proj_output)

    class PositionalEmbedding(layers.Layer):
        def __init__(self, sequence_length, vocab_size, embed_dim, **kwargs):
            super().__init__(**kwargs)
            self.token_embeddings = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
            self.position_embeddings = layers.Embedding(input_dim=sequence_length, output_dim=embed_dim)
            self.sequence_length = sequence_length

        def call(self, inputs):
            length = tf.shape(inputs)[-1]
            positions = tf.range(start=0, limit=length, delta=1)
            return self.token_embeddings(inputs) + self.position_embeddings(positions)

        def compute_mask(self, inputs, mask=None):
            return tf.math.not_equal(inputs, 0)

    class TransformerDecoder(layers.Layer):
        def __init__(self, embed_dim, latent_dim, num_heads, **kwargs):
            super().__init__(**kwargs)
            self.attention_1 = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
            self.attention_2 = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
            self.dense_proj = keras.Sequential(
                [layers.Dense(latent_dim, activation="relu"), layers.Dense(embed_dim),])
            self.layernorm_1 = layers.LayerNormalization()
            self.layernorm_2 = layers.LayerNormalization()
            self.layernorm_3 = layers.LayerNormalization()
            self.supports_masking = True

        def call(self, inputs, encoder_outputs, mask=None):
            causal_mask = self.get_causal_attention_mask(inputs)
            if mask is not None:
                padding_mask = tf.cast(mask[:, tf.newaxis, :], dtype="int32")
                padding_mask = tf.minimum(padding_mask, causal_mask)
            attention_output_1 = self.attention_1(
                query=inputs, value=inputs, key=inputs, attention_mask=causal_mask)
            out_1 = self.layernorm_1(inputs + attention_output_1)
            attention_output_2 = self.attention_2(
                query=out_1, value=encoder_outputs, key=encoder_outputs,
                attention_mask=padding_mask)
            out_2 = self.layernorm_2(out_1 + attention_output_2)
            proj_output = self.dense_proj(out_2)
            return self.layernorm_3(out_2 + proj_output)

        def get_causal_attention_mask(self, inputs):
            input_shape = tf.shape(inputs)
            batch_size, sequence_length = input_shape[0], input_shape[1]
            i = tf.range(sequence_length)[:, tf.newaxis]
            j = tf.range(sequence_length)
            mask = tf.cast(i >= j, dtype="int32")
            mask = tf.reshape(mask, (1, input_shape[1], input_shape[1]))
            mult = tf.concat(
                [tf.expand_dims(batch_size, -1), tf.constant([1, 1], dtype=tf.int32)], axis=0)
            return tf.tile(mask, mult)

    return TransformerEncoder, PositionalEmbedding, TransformerDecoder


def _run_nmt_transformer(tf):
    import re, string
    keras, layers = tf.keras, tf.keras.layers
    TextVectorization = tf.keras.layers.TextVectorization
    TransformerEncoder, PositionalEmbedding, TransformerDecoder = _nmt_layers(tf)
    pairs = [("Go.", "[start] Ve. [end]"), ("I ran home.", "[start] Corrí a casa. [end]"),
             ("Tom is here.", "[start] Tom está aquí. [end]"),
             ("I love you.", "[start] Te quiero. [end]"),
             ("Go home, Tom.", "[start] Ve a casa, Tom. [end]"),
             ("I am here.", "[start] Estoy aquí. [end]"),
             ("You ran.", "[start] Corriste. [end]"), ("Tom ran.", "[start] Tom corrió. [end]")]
    strip_chars = string.punctuation + "¿"
    strip_chars = strip_chars.replace("[", "").replace("]", "")
    vocab_size, sequence_length, batch_size = 30, 6, 4

    def custom_standardization(input_string):
        lowercase = tf.strings.lower(input_string)
        return tf.strings.regex_replace(lowercase, "[%s]" % re.escape(strip_chars), "")

    eng_vectorization = TextVectorization(
        max_tokens=vocab_size, output_mode="int", output_sequence_length=sequence_length)
    spa_vectorization = TextVectorization(
        max_tokens=vocab_size, output_mode="int", output_sequence_length=sequence_length + 1,
        standardize=custom_standardization)
    train_eng_texts = [pair[0] for pair in pairs]
    train_spa_texts = [pair[1] for pair in pairs]
    eng_vectorization.adapt(train_eng_texts)
    spa_vectorization.adapt(train_spa_texts)

    def format_dataset(eng, spa):
        eng = eng_vectorization(eng)
        spa = spa_vectorization(spa)
        return ({"encoder_inputs": eng, "decoder_inputs": spa[:, :-1],}, spa[:, 1:])

    def make_dataset(pairs):
        eng_texts, spa_texts = zip(*pairs)
        dataset = tf.data.Dataset.from_tensor_slices((list(eng_texts), list(spa_texts)))
        dataset = dataset.batch(batch_size)
        dataset = dataset.map(format_dataset)
        return dataset.prefetch(16).cache()

    train_ds = make_dataset(pairs)
    embed_dim, latent_dim, num_heads = 4, 6, 2
    encoder_inputs = keras.Input(shape=(None,), dtype="int64", name="encoder_inputs")
    x = PositionalEmbedding(sequence_length, vocab_size, embed_dim)(encoder_inputs)
    encoder_outputs = TransformerEncoder(embed_dim, latent_dim, num_heads)(x)
    encoder = keras.Model(encoder_inputs, encoder_outputs)
    decoder_inputs = keras.Input(shape=(None,), dtype="int64", name="decoder_inputs")
    encoded_seq_inputs = keras.Input(shape=(None, embed_dim), name="decoder_state_inputs")
    x = PositionalEmbedding(sequence_length, vocab_size, embed_dim)(decoder_inputs)
    x = TransformerDecoder(embed_dim, latent_dim, num_heads)(x, encoded_seq_inputs)
    x = layers.Dropout(0.0)(x)
    decoder_outputs = layers.Dense(vocab_size, activation="softmax")(x)
    decoder = keras.Model([decoder_inputs, encoded_seq_inputs], decoder_outputs)
    decoder_outputs = decoder([decoder_inputs, encoder_outputs])
    transformer = keras.Model([encoder_inputs, decoder_inputs], decoder_outputs, name="transformer")
    _fill_weights(transformer, 12, 0.4)
    transformer.compile("rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = transformer.fit(train_ds, epochs=2, validation_data=train_ds.take(1), verbose=0)
    spa_vocab = spa_vectorization.get_vocabulary()
    spa_index_lookup = dict(zip(range(len(spa_vocab)), spa_vocab))

    def decode_sequence(input_sentence):
        tokenized_input_sentence = eng_vectorization([input_sentence])
        decoded_sentence = "[start]"
        for i in range(sequence_length):
            tokenized_target_sentence = spa_vectorization([decoded_sentence])[:, :-1]
            predictions = transformer([tokenized_input_sentence, tokenized_target_sentence])
            sampled_token_index = np.argmax(predictions[0, i, :])
            sampled_token = spa_index_lookup.get(sampled_token_index, "[UNK]")
            decoded_sentence += " " + sampled_token
            if sampled_token == "[end]":
                break
        return decoded_sentence

    inputs, targets = next(iter(train_ds))
    probs = transformer([inputs["encoder_inputs"], inputs["decoder_inputs"]])
    return dict(eng=inputs["encoder_inputs"].numpy()[1], spa=inputs["decoder_inputs"].numpy()[1],
                target=targets.numpy()[1], spa_vocab=spa_vocab[:8],
                loss=history.history['loss'], val_loss=history.history['val_loss'],
                acc=history.history['accuracy'],
                probs=np.asarray(probs)[1, 2, :5],
                decoded=[decode_sequence("Tom ran home.")])


def _run_char_seq2seq(tf, tmp):
    keras = tf.keras
    num_encoder_tokens, num_decoder_tokens, latent_dim = 5, 6, 3
    rs = np.random.RandomState(3)
    n = 8
    encoder_input_data = np.eye(num_encoder_tokens, dtype='float32')[rs.randint(0, 5, (n, 4))]
    dec = rs.randint(0, 6, (n, 5))
    decoder_input_data = np.eye(num_decoder_tokens, dtype='float32')[dec]
    decoder_target_data = np.zeros_like(decoder_input_data)
    decoder_target_data[:, :-1] = decoder_input_data[:, 1:]
    encoder_inputs = keras.Input(shape=(None, num_encoder_tokens))
    encoder = keras.layers.LSTM(latent_dim, return_state=True)
    encoder_outputs, state_h, state_c = encoder(encoder_inputs)
    encoder_states = [state_h, state_c]
    decoder_inputs = keras.Input(shape=(None, num_decoder_tokens))
    decoder_lstm = keras.layers.LSTM(latent_dim, return_sequences=True, return_state=True)
    decoder_outputs, _, _ = decoder_lstm(decoder_inputs, initial_state=encoder_states)
    decoder_dense = keras.layers.Dense(num_decoder_tokens, activation="softmax")
    decoder_outputs = decoder_dense(decoder_outputs)
    model = keras.Model([encoder_inputs, decoder_inputs], decoder_outputs)
    _fill_weights(model, 13, 0.5)
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit([encoder_input_data, decoder_input_data], decoder_target_data,
                        batch_size=4, epochs=2, validation_split=0.25, shuffle=False, verbose=0)
    model.save(tmp + "/s2s.h5")
    model = keras.models.load_model(tmp + "/s2s.h5")
    encoder_inputs = model.input[0]
    encoder_outputs, state_h_enc, state_c_enc = model.layers[2].output
    encoder_states = [state_h_enc, state_c_enc]
    encoder_model = keras.Model(encoder_inputs, encoder_states)
    decoder_inputs = model.input[1]
    decoder_state_input_h = keras.Input(shape=(latent_dim,))
    decoder_state_input_c = keras.Input(shape=(latent_dim,))
    decoder_states_inputs = [decoder_state_input_h, decoder_state_input_c]
    decoder_lstm = model.layers[3]
    decoder_outputs, state_h_dec, state_c_dec = decoder_lstm(
        decoder_inputs, initial_state=decoder_states_inputs)
    decoder_states = [state_h_dec, state_c_dec]
    decoder_dense = model.layers[4]
    decoder_outputs = decoder_dense(decoder_outputs)
    decoder_model = keras.Model([decoder_inputs] + decoder_states_inputs,
                                [decoder_outputs] + decoder_states)

    def decode_sequence(input_seq):
        states_value = encoder_model.predict(input_seq, verbose=0)
        target_seq = np.zeros((1, 1, num_decoder_tokens))
        target_seq[0, 0, 0] = 1.0
        decoded = []
        for _ in range(4):
            output_tokens, h, c = decoder_model.predict([target_seq] + states_value, verbose=0)
            sampled_token_index = np.argmax(output_tokens[0, -1, :])
            decoded.append(int(sampled_token_index))
            target_seq = np.zeros((1, 1, num_decoder_tokens))
            target_seq[0, 0, sampled_token_index] = 1.0
            states_value = [h, c]
        return decoded, h

    decoded, h = decode_sequence(encoder_input_data[:1])
    return dict(loss=history.history['loss'], val_loss=history.history['val_loss'],
                layer_names=[l.__class__.__name__ for l in model.layers],
                decoded=decoded, h=h[0])


def _run_ts_transformer(tf):
    keras, layers = tf.keras, tf.keras.layers

    def transformer_encoder(inputs, head_size, num_heads, ff_dim, dropout=0):
        x = layers.LayerNormalization(epsilon=1e-6)(inputs)
        x = layers.MultiHeadAttention(key_dim=head_size, num_heads=num_heads, dropout=dropout)(x, x)
        x = layers.Dropout(dropout)(x)
        res = x + inputs
        x = layers.LayerNormalization(epsilon=1e-6)(res)
        x = layers.Conv1D(filters=ff_dim, kernel_size=1, activation="relu")(x)
        x = layers.Dropout(dropout)(x)
        x = layers.Conv1D(filters=inputs.shape[-1], kernel_size=1)(x)
        return x + res

    def build_model(input_shape, head_size, num_heads, ff_dim, num_transformer_blocks,
                    mlp_units, dropout=0, mlp_dropout=0):
        inputs = keras.Input(shape=input_shape)
        x = inputs
        for _ in range(num_transformer_blocks):
            x = transformer_encoder(x, head_size, num_heads, ff_dim, dropout)
        x = layers.GlobalAveragePooling1D(data_format="channels_first")(x)
        for dim in mlp_units:
            x = layers.Dense(dim, activation="relu")(x)
            x = layers.Dropout(mlp_dropout)(x)
        outputs = layers.Dense(2, activation="softmax")(x)
        return keras.Model(inputs, outputs)

    rs = np.random.RandomState(5)
    x_train = rs.standard_normal((12, 6, 1)).astype('float32')
    y_train = rs.randint(0, 2, 12)
    model = build_model(x_train.shape[1:], head_size=4, num_heads=2, ff_dim=3,
                        num_transformer_blocks=2, mlp_units=[5])
    _fill_weights(model, 15, 0.4)
    model.compile(loss="sparse_categorical_crossentropy",
                  optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                  metrics=["sparse_categorical_accuracy"])
    callbacks = [keras.callbacks.EarlyStopping(patience=10, restore_best_weights=True)]
    history = model.fit(x_train, y_train, validation_split=0.25, epochs=2, batch_size=4,
                        callbacks=callbacks, shuffle=False, verbose=0)
    return dict(loss=history.history['loss'], val_loss=history.history['val_loss'],
                pred=model.predict(x_train[:1], verbose=0)[0],
                gap_shape=list(model.layers[-3].output_shape)[1:])


def _run_weather(tf):
    keras = tf.keras
    rs = np.random.RandomState(6)
    features = rs.standard_normal((120, 3)).astype('float32')
    split_fraction = 0.75
    train_split = int(split_fraction * int(features.shape[0]))
    step, past, future = 2, 12, 4
    learning_rate, batch_size = 0.001, 8

    def normalize(data, train_split):
        data_mean = data[:train_split].mean(axis=0)
        data_std = data[:train_split].std(axis=0)
        return (data - data_mean) / data_std

    features = normalize(features, train_split)
    train_data = features[0: train_split - 1]
    val_data = features[train_split:]
    start = past + future
    end = start + train_split
    x_train = train_data[:, [0, 1, 2]]
    y_train = features[start:end][:, [1]]
    sequence_length = int(past / step)
    dataset_train = keras.preprocessing.timeseries_dataset_from_array(
        x_train, y_train, sequence_length=sequence_length, sampling_rate=step,
        batch_size=batch_size)
    x_end = len(val_data) - past - future
    label_start = train_split + past + future
    x_val = val_data.iloc[:x_end][[0, 1, 2]].values if hasattr(val_data, 'iloc') else val_data[:x_end]
    y_val = features[label_start:][:, [1]]
    dataset_val = keras.preprocessing.timeseries_dataset_from_array(
        x_val, y_val, sequence_length=sequence_length, sampling_rate=step,
        batch_size=batch_size)
    for batch in dataset_train.take(1):
        inputs, targets = batch
    inputs_ = keras.layers.Input(shape=(inputs.shape[1], inputs.shape[2]))
    lstm_out = keras.layers.LSTM(4)(inputs_)
    outputs = keras.layers.Dense(1)(lstm_out)
    model = keras.Model(inputs=inputs_, outputs=outputs)
    _fill_weights(model, 16, 0.4)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="mse")
    es_callback = keras.callbacks.EarlyStopping(monitor="val_loss", min_delta=0, patience=5)
    history = model.fit(dataset_train, epochs=2, validation_data=dataset_val,
                        callbacks=[es_callback], verbose=0)
    nb = [int(x.shape[0]) for x, y in dataset_train]
    return dict(shape=list(inputs.shape), tshape=list(targets.shape), nb=nb,
                first=inputs.numpy()[1, :, 0], target=targets.numpy()[:3, 0],
                nval=int(sum(1 for _ in dataset_val)),
                loss=history.history['loss'], val_loss=history.history['val_loss'],
                pred=model.predict(dataset_val.take(1), verbose=0)[:3, 0])


def _run_pixelcnn(tf):
    keras, layers = tf.keras, tf.keras.layers

    class PixelConvLayer(layers.Layer):
        def __init__(self, mask_type, **kwargs):
            super(PixelConvLayer, self).__init__()
            self.mask_type = mask_type
            self.conv = layers.Conv2D(**kwargs)

        def build(self, input_shape):
            self.conv.build(input_shape)
            kernel_shape = self.conv.kernel.get_shape()
            self.mask = np.zeros(shape=kernel_shape)
            self.mask[: kernel_shape[0] // 2, ...] = 1.0
            self.mask[kernel_shape[0] // 2, : kernel_shape[1] // 2, ...] = 1.0
            if self.mask_type == "B":
                self.mask[kernel_shape[0] // 2, kernel_shape[1] // 2, ...] = 1.0

        def call(self, inputs):
            self.conv.kernel.assign(self.conv.kernel * self.mask)
            return self.conv(inputs)

    class ResidualBlock(keras.layers.Layer):
        def __init__(self, filters, **kwargs):
            super(ResidualBlock, self).__init__(**kwargs)
            self.conv1 = keras.layers.Conv2D(filters=filters, kernel_size=1, activation="relu")
            self.pixel_conv = PixelConvLayer(mask_type="B", filters=filters // 2, kernel_size=3,
                                             activation="relu", padding="same")
            self.conv2 = keras.layers.Conv2D(filters=filters, kernel_size=1, activation="relu")

        def call(self, inputs):
            x = self.conv1(inputs)
            x = self.pixel_conv(x)
            x = self.conv2(x)
            return keras.layers.add([inputs, x])

    input_shape = (5, 5, 1)
    data = np.random.RandomState(8).randint(0, 256, (12, 5, 5, 1))
    data = np.where(data < (0.33 * 256), 0, 1).astype(np.float32)
    inputs = keras.Input(shape=input_shape)
    x = PixelConvLayer(mask_type="A", filters=4, kernel_size=3, activation="relu", padding="same")(inputs)
    for _ in range(1):
        x = ResidualBlock(filters=4)(x)
    for _ in range(2):
        x = PixelConvLayer(mask_type="B", filters=4, kernel_size=1, strides=1,
                           activation="relu", padding="valid")(x)
    out = keras.layers.Conv2D(filters=1, kernel_size=1, strides=1, activation="sigmoid",
                              padding="valid")(x)
    pixel_cnn = keras.Model(inputs, out)
    _fill_weights(pixel_cnn, 18, 0.4)
    adam = keras.optimizers.Adam(learning_rate=0.0005)
    pixel_cnn.compile(optimizer=adam, loss="binary_crossentropy")
    history = pixel_cnn.fit(x=data, y=data, batch_size=4, epochs=2, validation_split=0.25,
                            shuffle=False, verbose=0)
    kernel = pixel_cnn.layers[1].conv.kernel.numpy()
    batch = 2
    pixels = np.zeros(shape=(batch,) + (pixel_cnn.input_shape)[1:])
    batch, rows, cols, channels = pixels.shape
    for row in range(2):
        for col in range(cols):
            for channel in range(channels):
                probs = pixel_cnn.predict(pixels, verbose=0)[:, row, col, channel]
                pixels[:, row, col, channel] = tf.math.ceil(probs - 0.5 * tf.ones(probs.shape))
    return dict(loss=history.history['loss'], val_loss=history.history['val_loss'],
                masked=kernel[1:, :, 0, 0].ravel(), kept=kernel[0, :, 0, 0],
                pixels=pixels[0, :2, :, 0].ravel(), nweights=len(pixel_cnn.weights))


def _run_deep_dream(tf, tmp):
    keras, layers = tf.keras, tf.keras.layers
    inception_v3 = tf.keras.applications.inception_v3
    keras.preprocessing.image.save_img(
        tmp + '/dream.png', (np.random.RandomState(10).rand(20, 20, 3) * 255).astype('uint8'))
    base_image_path = tmp + '/dream.png'
    step, num_octave, octave_scale, iterations, max_loss = 0.01, 3, 1.4, 3, 15.0
    layer_settings = {"mixed4": 1.0, "mixed5": 1.5}

    def preprocess_image(image_path):
        img = keras.preprocessing.image.load_img(image_path)
        img = keras.preprocessing.image.img_to_array(img)
        img = np.expand_dims(img, axis=0)
        return inception_v3.preprocess_input(img)

    def deprocess_image(x):
        x = x.reshape((x.shape[1], x.shape[2], 3))
        x /= 2.0
        x += 0.5
        x *= 255.0
        return np.clip(x, 0, 255).astype("uint8")

    inp = keras.Input(shape=(None, None, 3))
    x = layers.Conv2D(4, 3, padding='same', activation='relu', name='mixed4')(inp)
    x = layers.Conv2D(4, 3, padding='same', activation='relu', name='mixed5')(x)
    model = keras.Model(inp, x)
    _fill_weights(model, 20, 0.3)
    outputs_dict = dict([(layer.name, layer.output)
                         for layer in [model.get_layer(name) for name in layer_settings.keys()]])
    feature_extractor = keras.Model(inputs=model.inputs, outputs=outputs_dict)

    def compute_loss(input_image):
        features = feature_extractor(input_image)
        loss = tf.zeros(shape=())
        for name in features.keys():
            coeff = layer_settings[name]
            activation = features[name]
            scaling = tf.reduce_prod(tf.cast(tf.shape(activation), "float32"))
            loss += coeff * tf.reduce_sum(tf.square(activation[:, 2:-2, 2:-2, :])) / scaling
        return loss

    @tf.function
    def gradient_ascent_step(img, learning_rate):
        with tf.GradientTape() as tape:
            tape.watch(img)
            loss = compute_loss(img)
        grads = tape.gradient(loss, img)
        grads /= tf.maximum(tf.reduce_mean(tf.abs(grads)), 1e-6)
        img += learning_rate * grads
        return loss, img

    seen = []

    def gradient_ascent_loop(img, iterations, learning_rate, max_loss=None):
        for i in range(iterations):
            loss, img = gradient_ascent_step(img, learning_rate)
            seen.append(float(loss))
            if max_loss is not None and loss > max_loss:
                break
        return img

    original_img = preprocess_image(base_image_path)
    original_shape = original_img.shape[1:3]
    successive_shapes = [original_shape]
    for i in range(1, num_octave):
        shape = tuple([int(dim / (octave_scale ** i)) for dim in original_shape])
        successive_shapes.append(shape)
    successive_shapes = successive_shapes[::-1]
    shrunk_original_img = tf.image.resize(original_img, successive_shapes[0])
    img = tf.identity(original_img)
    for i, shape in enumerate(successive_shapes):
        img = tf.image.resize(img, shape)
        img = gradient_ascent_loop(img, iterations=iterations, learning_rate=step, max_loss=max_loss)
        upscaled_shrunk_original_img = tf.image.resize(shrunk_original_img, shape)
        same_size_original = tf.image.resize(original_img, shape)
        lost_detail = same_size_original - upscaled_shrunk_original_img
        img += lost_detail
        shrunk_original_img = tf.image.resize(original_img, shape)
    out = deprocess_image(img.numpy())
    keras.preprocessing.image.save_img(tmp + '/dream_out.png', out)
    return dict(shapes=[list(s) for s in successive_shapes], losses=seen,
                img=img.numpy()[0, 5, 5], out=out[3, :3].ravel())


def _run_speaker(tf):
    keras = tf.keras
    SAMPLING_RATE, SCALE = 32, 0.5
    rs = np.random.RandomState(12)
    audio = tf.convert_to_tensor(rs.standard_normal((6, SAMPLING_RATE, 1)).astype('float32'))
    noises = tf.convert_to_tensor(rs.standard_normal((3, SAMPLING_RATE, 1)).astype('float32'))
    labels = rs.randint(0, 3, 6)

    def add_noise(audio, noises=None, scale=0.5):
        if noises is not None:
            tf_rnd = tf.constant([0, 2, 1, 1, 0, 2])[: tf.shape(audio)[0]]
            noise = tf.gather(noises, tf_rnd, axis=0)
            prop = tf.math.reduce_max(audio, axis=1) / tf.math.reduce_max(noise, axis=1)
            prop = tf.repeat(tf.expand_dims(prop, axis=1), tf.shape(audio)[1], axis=1)
            audio = audio + noise * prop * scale
        return audio

    def audio_to_fft(audio):
        audio = tf.squeeze(audio, axis=-1)
        fft = tf.signal.fft(tf.cast(tf.complex(real=audio, imag=tf.zeros_like(audio)), tf.complex64))
        fft = tf.expand_dims(fft, axis=-1)
        return tf.math.abs(fft[:, : (audio.shape[1] // 2), :])

    ds = tf.data.Dataset.from_tensor_slices((audio, labels)).batch(3)
    ds = ds.map(lambda x, y: (add_noise(x, noises, scale=SCALE), y),
                num_parallel_calls=tf.data.AUTOTUNE)
    ds = ds.map(lambda x, y: (audio_to_fft(x), y), num_parallel_calls=tf.data.AUTOTUNE)
    ds = ds.prefetch(tf.data.AUTOTUNE)

    def residual_block(x, filters, conv_num=3, activation="relu"):
        s = keras.layers.Conv1D(filters, 1, padding="same")(x)
        for i in range(conv_num - 1):
            x = keras.layers.Conv1D(filters, 3, padding="same")(x)
            x = keras.layers.Activation(activation)(x)
        x = keras.layers.Conv1D(filters, 3, padding="same")(x)
        x = keras.layers.Add()([x, s])
        x = keras.layers.Activation(activation)(x)
        return keras.layers.MaxPool1D(pool_size=2, strides=2)(x)

    def build_model(input_shape, num_classes):
        inputs = keras.layers.Input(shape=input_shape, name="input")
        x = residual_block(inputs, 4, 2)
        x = residual_block(x, 4, 3)
        x = keras.layers.AveragePooling1D(pool_size=3, strides=3)(x)
        x = keras.layers.Flatten()(x)
        x = keras.layers.Dense(6, activation="relu")(x)
        outputs = keras.layers.Dense(num_classes, activation="softmax", name="output")(x)
        return keras.models.Model(inputs=inputs, outputs=outputs)

    model = build_model((SAMPLING_RATE // 2, 1), 3)
    _fill_weights(model, 24, 0.3)
    model.compile(optimizer="Adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(ds, epochs=2, validation_data=ds,
                        callbacks=[keras.callbacks.EarlyStopping(patience=10, restore_best_weights=True)],
                        verbose=0)
    fft = audio_to_fft(add_noise(audio, noises, SCALE))
    y_pred = np.argmax(model.predict(fft, verbose=0), axis=-1)
    return dict(fft=fft.numpy()[0, :4, 0], loss=history.history['loss'],
                val_loss=history.history['val_loss'], y_pred=y_pred,
                stft=tf.abs(tf.signal.stft(audio[0, :, 0], frame_length=8, frame_step=4, fft_length=8)).numpy()[1, :4])


def _run_actor_critic(tf):
    keras, layers = tf.keras, tf.keras.layers
    gamma, eps = 0.99, np.finfo(np.float32).eps.item()
    num_inputs, num_actions, num_hidden = 4, 2, 8
    inputs = layers.Input(shape=(num_inputs,))
    common = layers.Dense(num_hidden, activation="relu")(inputs)
    action = layers.Dense(num_actions, activation="softmax")(common)
    critic = layers.Dense(1)(common)
    model = keras.Model(inputs=inputs, outputs=[action, critic])
    _fill_weights(model, 25, 0.4)
    optimizer = keras.optimizers.Adam(learning_rate=0.01)
    huber_loss = keras.losses.Huber()
    action_probs_history, critic_value_history, rewards_history = [], [], []
    rs = np.random.RandomState(13)
    losses = []
    for episode in range(2):
        state = rs.standard_normal(4).astype('float32')
        with tf.GradientTape() as tape:
            for timestep in range(1, 5):
                state = tf.convert_to_tensor(state)
                state = tf.expand_dims(state, 0)
                action_probs, critic_value = model(state)
                critic_value_history.append(critic_value[0, 0])
                action = int(np.argmax(np.squeeze(action_probs)))
                action_probs_history.append(tf.math.log(action_probs[0, action]))
                state = rs.standard_normal(4).astype('float32')
                rewards_history.append(float(timestep % 2))
            returns = []
            discounted_sum = 0
            for r in rewards_history[::-1]:
                discounted_sum = r + gamma * discounted_sum
                returns.insert(0, discounted_sum)
            returns = np.array(returns)
            returns = (returns - np.mean(returns)) / (np.std(returns) + eps)
            returns = returns.tolist()
            history = zip(action_probs_history, critic_value_history, returns)
            actor_losses, critic_losses = [], []
            for log_prob, value, ret in history:
                diff = ret - value
                actor_losses.append(-log_prob * diff)
                critic_losses.append(huber_loss(tf.expand_dims(value, 0), tf.expand_dims(ret, 0)))
            loss_value = sum(actor_losses) + sum(critic_losses)
            grads = tape.gradient(loss_value, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            action_probs_history.clear()
            critic_value_history.clear()
            rewards_history.clear()
        losses.append(float(loss_value))
    return dict(losses=losses, w=model.get_weights()[-1])


def _run_dqn(tf):
    keras, layers = tf.keras, tf.keras.layers
    num_actions, gamma = 3, 0.99

    def create_q_model():
        inputs = layers.Input(shape=(12, 12, 2,))
        layer1 = layers.Conv2D(4, 4, strides=2, activation="relu")(inputs)
        layer2 = layers.Conv2D(4, 3, strides=1, activation="relu")(layer1)
        layer4 = layers.Flatten()(layer2)
        layer5 = layers.Dense(6, activation="relu")(layer4)
        action = layers.Dense(num_actions, activation="linear")(layer5)
        return keras.Model(inputs=inputs, outputs=action)

    model = create_q_model()
    model_target = create_q_model()
    _fill_weights(model, 26, 0.3)
    model_target.set_weights(model.get_weights())
    optimizer = keras.optimizers.Adam(learning_rate=0.00025, clipnorm=1.0)
    loss_function = keras.losses.Huber()
    rs = np.random.RandomState(14)
    state_history = list(rs.rand(6, 12, 12, 2).astype('float32'))
    state_next_history = list(rs.rand(6, 12, 12, 2).astype('float32'))
    rewards_history = list(rs.rand(6))
    action_history = list(rs.randint(0, 3, 6))
    done_history = [0, 0, 1, 0, 0, 1]
    losses, actions = [], []
    for step in range(3):
        state_tensor = tf.convert_to_tensor(state_history[step])
        state_tensor = tf.expand_dims(state_tensor, 0)
        action_probs = model(state_tensor, training=False)
        actions.append(int(tf.argmax(action_probs[0]).numpy()))
        indices = [step, step + 2, step + 3]
        state_sample = np.array([state_history[i] for i in indices])
        state_next_sample = np.array([state_next_history[i] for i in indices])
        rewards_sample = [rewards_history[i] for i in indices]
        action_sample = [action_history[i] for i in indices]
        done_sample = tf.convert_to_tensor([float(done_history[i]) for i in indices])
        future_rewards = model_target.predict(state_next_sample, verbose=0)
        updated_q_values = rewards_sample + gamma * tf.reduce_max(future_rewards, axis=1)
        updated_q_values = updated_q_values * (1 - done_sample) - done_sample
        masks = tf.one_hot(action_sample, num_actions)
        with tf.GradientTape() as tape:
            q_values = model(state_sample)
            q_action = tf.reduce_sum(tf.multiply(q_values, masks), axis=1)
            loss = loss_function(updated_q_values, q_action)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        losses.append(float(loss))
        if step == 1:
            model_target.set_weights(model.get_weights())
    return dict(losses=losses, actions=actions, q=model(state_sample).numpy()[0],
                float32=bool(updated_q_values.dtype == tf.float32))

# Values from tf_keras 2.21 (see the module docstring).
TEXT_TRANSFORMER = dict(
    padded=[16, 1, 4, 4, 8, 10], first=[0.48137, 0.51863],
    loss=[0.67961, 0.67587], val_loss=[0.69449, 0.69476], nweights=22)
PRETRAINED_EMBEDDINGS = dict(
    vocab=['', '[UNK]', 'the', 'dog', 'a', 'on', 'my', 'mat', 'homework',
           'fox', 'cat', 'today'],
    hits=4, misses=8, seq=[4, 3, 1, 6, 8, 11, 0, 0], trainable=8,
    loss=[1.11977, 1.11759], val_acc=[0.5, 0.5],
    probabilities=[0.4133, 0.32361, 0.26309],
    emb=[-0.42857, -0.21429, 0.0, 0.21429, 0.42857])
NMT_TRANSFORMER = dict(
    eng=[4, 3, 6, 0, 0, 0], spa=[2, 13, 8, 6, 3, 0],
    target=[13, 8, 6, 3, 0, 0],
    spa_vocab=['', '[UNK]', '[start]', '[end]', 'tom', 've', 'casa', 'aquí'],
    loss=[3.76747, 3.73404], val_loss=[3.80721, 3.78194], acc=[0.0, 0.0],
    probs=[0.02641, 0.04204, 0.0109, 0.0181, 0.03387],
    decoded=['[start] [UNK] [UNK] [UNK] [UNK] [UNK] [UNK]'])
CHAR_SEQ2SEQ = dict(
    loss=[1.43219, 1.42951], val_loss=[1.42219, 1.42149],
    layer_names=['InputLayer', 'InputLayer', 'LSTM', 'LSTM', 'Dense'],
    decoded=[4, 4, 4, 4], h=[-0.01327, -0.42054, 0.02431])
TS_TRANSFORMER = dict(
    loss=[0.66859, 0.66292], val_loss=[0.50507, 0.50849],
    pred=[0.63519, 0.36481], gap_shape=[5])
WEATHER = dict(
    shape=[8, 6, 3], tshape=[8, 1], nb=[8] * 9 + [7],
    first=[-1.14479, -0.61735, 0.0111, 1.90351, 0.66709, 0.92609],
    target=[-0.94674, -0.34558, 2.13216], nval=1,
    loss=[0.97905, 0.97182], val_loss=[1.1065, 1.08832],
    pred=[0.14264, 0.27074, 0.21679])
PIXELCNN = dict(
    loss=[0.63161, 0.63145], val_loss=[0.61575, 0.61557],
    masked=[0.23016, 0.0, 0.0, 0.0, 0.0, 0.0],
    kept=[0.02951, 0.17412, -0.13597], pixels=[1.0] * 10, nweights=14)
DEEP_DREAM = dict(
    shapes=[[10, 10], [14, 14], [20, 20]],
    losses=[0.16677, 0.21532, 0.27295, 0.27381, 0.34098, 0.41694, 0.58447,
            0.68626, 0.79807],
    img=[0.82596, 0.2432, -0.86246],
    out=[122, 215, 44, 1, 218, 188, 113, 109, 28])
SPEAKER = dict(
    fft=[14.63028, 17.23839, 7.26254, 9.855], loss=[1.38081, 1.37238],
    val_loss=[1.37456, 1.36662], y_pred=[2] * 6,
    stft=[1.08974, 1.96483, 2.3169, 3.46478])
ACTOR_CRITIC = dict(losses=[3.09697, 2.58871], w=[0.20864])
DQN = dict(losses=[0.57321, 0.93985, 0.9582], actions=[0, 0, 0],
           q=[0.4736, -0.61203, 0.2895], float32=True)


def test_text_classification_transformer_block_matches_tf_keras(tf):
    _check(_run_text_transformer(tf), TEXT_TRANSFORMER)


def test_pretrained_embeddings_and_string_model_match_tf_keras(tf):
    _check(_run_pretrained_embeddings(tf), PRETRAINED_EMBEDDINGS)


def test_translation_transformer_masks_match_tf_keras(tf):
    _check(_run_nmt_transformer(tf), NMT_TRANSFORMER)


def test_character_seq2seq_inference_models_match_tf_keras(tf, tmp_path):
    _check(_run_char_seq2seq(tf, str(tmp_path)), CHAR_SEQ2SEQ)


def test_timeseries_transformer_classification_matches_tf_keras(tf):
    _check(_run_ts_transformer(tf), TS_TRANSFORMER)


def test_weather_forecasting_windows_match_tf_keras(tf):
    _check(_run_weather(tf), WEATHER)


def test_pixelcnn_masked_kernels_match_tf_keras(tf):
    _check(_run_pixelcnn(tf), PIXELCNN)


def test_deep_dream_octaves_match_tf_keras(tf, tmp_path):
    _check(_run_deep_dream(tf, str(tmp_path)), DEEP_DREAM)


def test_numpy_of_a_tensor_is_a_copy_in_program_code(tf):
    tensor = tf.constant([1.0, 2.0]) * 2
    array = tensor.numpy()
    array /= 2.0
    np.testing.assert_array_equal(tensor.numpy(), [2.0, 4.0])
    assert array.flags.writeable


def test_speaker_recognition_fft_model_matches_tf_keras(tf):
    _check(_run_speaker(tf), SPEAKER)


def test_actor_critic_tape_loop_matches_tf_keras(tf):
    _check(_run_actor_critic(tf), ACTOR_CRITIC)


def test_deep_q_learning_list_plus_tensor_matches_tf_keras(tf):
    _check(_run_dqn(tf), DQN)


def test_a_list_of_numbers_meets_a_tensor_operator_as_a_tensor(tf):
    total = [1.0, 2.0] + 0.5 * tf.constant([2.0, 4.0])
    assert total.dtype == tf.float32
    _close(total, [2.0, 4.0])
    _close([3, 4] - tf.constant([1.0, 1.0]), [2.0, 3.0])
    _close(tf.constant([2.0, 4.0]) * (0.5, 0.25), [1.0, 1.0])
