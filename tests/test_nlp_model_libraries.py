"""Keras 2 NLP model-library idioms: attention over a masked BiLSTM with
layer-by-layer unfreezing (chain-thaw) and class-weighted training.

Reference numbers come from real Keras 2.2.4 (TensorFlow backend).
"""
import numpy as np

from keras_compat import backend as K
from keras_compat import initializers
from keras_compat.engine import InputSpec, Layer
from keras_compat.layers import (LSTM, Activation, Bidirectional, Dense,
                                 Embedding, Input, concatenate)
from keras_compat.models import Model
from keras_compat.optimizers import Adam
from keras_compat.regularizers import L1L2


class Att(Layer):
    """Attention-weighted average over unmasked timesteps."""

    def __init__(self, return_attention=False, **kwargs):
        self.init = initializers.get('uniform')
        self.supports_masking = True
        self.return_attention = return_attention
        super(Att, self).__init__(**kwargs)
    def build(self, input_shape):
        self.input_spec = [InputSpec(ndim=3)]
        self.W = self.add_weight(shape=(input_shape[2], 1), name='{}_W'.format(self.name), initializer=self.init)
        self.trainable_weights = [self.W]
        super(Att, self).build(input_shape)
    def call(self, x, mask=None):
        logits = K.dot(x, self.W)
        x_shape = K.shape(x)
        logits = K.reshape(logits, (x_shape[0], x_shape[1]))
        ai = K.exp(logits - K.max(logits, axis=-1, keepdims=True))
        if mask is not None:
            ai = ai * K.cast(mask, K.floatx())
        att = ai / (K.sum(ai, axis=1, keepdims=True) + K.epsilon())
        result = K.sum(x * K.expand_dims(att), axis=1)
        return [result, att] if self.return_attention else result
    def compute_output_shape(self, s):
        return [(s[0], s[2]), (s[0], s[1])] if self.return_attention else (s[0], s[2])
    def compute_mask(self, input, input_mask=None):
        return [None] * len(input_mask) if isinstance(input_mask, list) else None


def _build():
    inp = Input(shape=(4,), dtype='int32')
    x = Activation('tanh')(Embedding(10, 3, mask_zero=True, embeddings_regularizer=L1L2(l2=0.01), name='embedding')(inp))
    l0 = Bidirectional(LSTM(2, return_sequences=True, recurrent_activation='hard_sigmoid'), name='bi_lstm_0')(x)
    x = concatenate([l0, x])
    x, w = Att(name='attlayer', return_attention=True)(x)
    model = Model(inputs=[inp], outputs=[Dense(3, activation='softmax', name='softmax')(x), w])
    model.set_weights([np.sin(np.arange(v.size) * 0.7 + k).reshape(v.shape) for k, v in enumerate(model.get_weights())])
    X = np.array([[1, 4, 0, 0], [3, 9, 2, 5], [7, 0, 0, 0]], 'int32')
    return model, inp, X


def test_masked_attention_predictions_match_keras():
    model, _, X = _build()
    p, a = model.predict(X)
    # Keras 2.2.4 reference
    np.testing.assert_allclose(p, [[0.41244864, 0.28383744, 0.30371398],
                                   [0.56809527, 0.276687, 0.15521774],
                                   [0.41518036, 0.28279826, 0.30202144]], atol=1e-5)
    np.testing.assert_allclose(a, [[0.5018689, 0.49813104, 0., 0.],
                                   [0.02992533, 0.03013664, 0.46371713, 0.47622088],
                                   [0.9999999, 0., 0., 0.]], atol=1e-5)


def test_chain_thaw_recompile_losses_match_keras():
    model, inp, X = _build()
    m = Model(inp, model.outputs[0])
    layers = [l for l in m.layers if len(l.trainable_weights)]
    assert [l.name for l in layers] == ['embedding', 'bi_lstm_0', 'attlayer', 'softmax']
    y = np.eye(3)[[0, 2, 1]]
    got = []
    for layer in [layers[-1], layers[0], None]:
        for l in layers:
            l.trainable = l is layer or layer is None
            if type(l) == Bidirectional:
                l.forward_layer.trainable = l.backward_layer.trainable = l.trainable
        m.compile(loss='categorical_crossentropy', optimizer=Adam(clipnorm=1, lr=0.1))
        got.append((len(m.trainable_weights),
                    [float(m.train_on_batch(X, y, class_weight={0: 1., 1: 2., 2: .5}))
                     for _ in range(2)]))
    # Keras 2.2.4 reference
    want = [(2, [1.5969369411468506, 1.3876227140426636]),
            (1, [1.2433152198791504, 1.1520581245422363]),
            (10, [1.0727908611297607, 0.8608350157737732])]
    for (n, losses), (wn, wl) in zip(got, want):
        assert n == wn
        np.testing.assert_allclose(losses, wl, atol=2e-4)
    np.testing.assert_allclose(m.predict(X), [[0.47422293, 0.4531128, 0.07266429],
                                              [0.24782966, 0.46397814, 0.28819224],
                                              [0.11202092, 0.81789184, 0.07008718]], atol=5e-4)
