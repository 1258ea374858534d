"""Idioms of custom-layer libraries written for Keras 2 and tf.keras 2: an
attention layer made of other layers created in `build` (philipperemy's
`attention`), and an attention decoder subclassing Keras 2.0's
`keras.layers.recurrent.Recurrent` with its own `get_initial_states`
(datalogue's keras-attention). Expected values are tf_keras 2.21's where
tf_keras has the API, otherwise those of the Keras 2.0 formulas written
out in NumPy."""
import numpy as np
import pytest

import keras_compat as keras
from keras_compat import activations
from keras_compat import backend as K
from keras_compat.backend import common
from keras_compat.engine import InputSpec
from keras_compat.layers.recurrent import Recurrent, _time_distributed_dense


@pytest.fixture
def tf_keras():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


class LuongAttention(keras.layers.Layer):
    """Many-to-one attention whose parts are layers made in `build` and
    called in `call`."""

    def build(self, input_shape):
        input_dim = int(input_shape[-1])
        with K.name_scope(self.name):
            self.luong_w = keras.layers.Dense(input_dim, use_bias=False,
                                              name='luong_w')
            self.luong_dot = keras.layers.Dot(axes=[1, 2])
            self.h_t = keras.layers.Lambda(lambda x: x[:, -1, :],
                                           output_shape=(input_dim,))
            self.softmax_normalizer = keras.layers.Activation('softmax')
            self.dot_context = keras.layers.Dot(axes=[1, 1])
            self.concat_c_h = keras.layers.Concatenate()
            self.w_c = keras.layers.Dense(2, use_bias=False,
                                          activation='tanh',
                                          name='attention_vector')
        super(LuongAttention, self).build(input_shape)

    def call(self, h_s):
        h_t = self.h_t(h_s)
        score = self.luong_dot([h_t, self.luong_w(h_s)])
        context = self.dot_context([h_s, self.softmax_normalizer(score)])
        return self.w_c(self.concat_c_h([context, h_t]))

    def compute_output_shape(self, input_shape):
        return input_shape[0], 2


def _cosine_weights(model):
    model.set_weights([
        (np.cos(np.arange(w.size) + 1.0).reshape(w.shape) * 0.5)
        .astype('float32') for w in model.get_weights()])


def test_attention_made_of_layers_trains_and_reloads(tf_keras, tmp_path):
    # tf_keras 2.21: weight names, predictions, the loss of one SGD(0.1)
    # step and the predictions after it.
    inp = keras.Input((4, 2))
    model = keras.Model(inp, LuongAttention(name='t')(inp))
    _cosine_weights(model)
    assert [w.name for w in model.weights] == [
        't/luong_w/kernel:0', 't/attention_vector/kernel:0']
    x = (np.arange(16).reshape(2, 4, 2) / 8. - 0.5).astype('float32')
    np.testing.assert_allclose(
        model.predict(x, verbose=0),
        [[0.14648964, 0.12874934], [0.42560762, 0.0328984]], atol=1e-5)
    model.compile(keras.optimizers.SGD(0.1), 'mse')
    loss = model.train_on_batch(x, np.ones((2, 2)))
    assert abs(loss - 0.6881924271583557) < 1e-5
    after = model.predict(x, verbose=0)
    np.testing.assert_allclose(
        after, [[0.17160818, 0.17108653], [0.53699696, 0.29301766]],
        atol=1e-5)
    path = str(tmp_path / 'attention.h5')
    model.save(path)
    loaded = keras.models.load_model(
        path, custom_objects={'LuongAttention': LuongAttention})
    np.testing.assert_allclose(loaded.predict(x, verbose=0), after,
                               atol=1e-6)


class AttentionDecoder(Recurrent):
    """Bahdanau attention decoder on Keras 2.0's Recurrent base: its first
    output state has `output_dim` units, the other `units`."""

    def __init__(self, units, output_dim, **kwargs):
        self.units = units
        self.output_dim = output_dim
        super(AttentionDecoder, self).__init__(**kwargs)
        self.return_sequences = True

    def build(self, input_shape):
        self.batch_size, self.timesteps, self.input_dim = input_shape
        self.states = [None, None]
        u, i, o = self.units, self.input_dim, self.output_dim
        for name, shape in [('V_a', (u,)), ('W_a', (u, u)), ('U_a', (i, u)),
                            ('b_a', (u,)), ('C_r', (i, u)), ('U_r', (u, u)),
                            ('W_r', (o, u)), ('b_r', (u,)), ('C_o', (i, o)),
                            ('U_o', (u, o)), ('W_o', (o, o)), ('b_o', (o,)),
                            ('W_s', (i, u))]:
            setattr(self, name, self.add_weight(shape=shape, name=name,
                                                initializer='uniform'))
        self.input_spec = [InputSpec(
            shape=(self.batch_size, self.timesteps, self.input_dim))]
        self.built = True

    def call(self, x):
        self.x_seq = x
        self._uxpb = _time_distributed_dense(
            x, self.U_a, b=self.b_a, input_dim=self.input_dim,
            timesteps=self.timesteps, output_dim=self.units)
        return super(AttentionDecoder, self).call(x)

    def get_initial_states(self, inputs):
        s0 = activations.tanh(K.dot(inputs[:, 0], self.W_s))
        y0 = K.expand_dims(K.sum(K.zeros_like(inputs), axis=(1, 2)))
        return [K.tile(y0, [1, self.output_dim]), s0]

    def step(self, x, states):
        ytm, stm = states
        _Wxstm = K.dot(K.repeat(stm, self.timesteps), self.W_a)
        et = K.dot(activations.tanh(_Wxstm + self._uxpb),
                   K.expand_dims(self.V_a))
        at = K.exp(et)
        at /= K.repeat(K.sum(at, axis=1), self.timesteps)
        context = K.squeeze(K.batch_dot(at, self.x_seq, axes=1), axis=1)
        rt = activations.sigmoid(K.dot(ytm, self.W_r) + K.dot(stm, self.U_r)
                                 + K.dot(context, self.C_r) + self.b_r)
        st = (1 - rt) * stm + rt * activations.tanh(K.dot(context, self.C_r))
        yt = activations.softmax(K.dot(ytm, self.W_o) + K.dot(stm, self.U_o)
                                 + K.dot(context, self.C_o) + self.b_o)
        return yt, [yt, st]

    def compute_output_shape(self, input_shape):
        return (None, self.timesteps, self.output_dim)

    def get_config(self):
        config = {'output_dim': self.output_dim, 'units': self.units}
        base_config = super(AttentionDecoder, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


def _decoder_reference(weights, x):
    """The decoder's Keras 2.0 formulas in NumPy (float64)."""
    names = ('V_a W_a U_a b_a C_r U_r W_r b_r C_o U_o W_o b_o W_s').split()
    w = dict(zip(names, [v.astype('float64') for v in weights]))
    x = x.astype('float64')
    uxpb = x @ w['U_a'] + w['b_a']
    s = np.tanh(x[:, 0] @ w['W_s'])
    y = np.zeros((x.shape[0], w['b_o'].shape[0]))
    outputs = []
    for _ in range(x.shape[1]):
        at = np.exp(np.tanh((s @ w['W_a'])[:, None, :] + uxpb)
                    @ w['V_a'][:, None])
        at /= at.sum(1, keepdims=True)
        context = (at * x).sum(1)
        r = 1 / (1 + np.exp(-(y @ w['W_r'] + s @ w['U_r'] +
                               context @ w['C_r'] + w['b_r'])))
        logits = y @ w['W_o'] + s @ w['U_o'] + context @ w['C_o'] + w['b_o']
        e = np.exp(logits - logits.max(-1, keepdims=True))
        y_next = e / e.sum(-1, keepdims=True)
        s = (1 - r) * s + r * np.tanh(context @ w['C_r'])
        y = y_next
        outputs.append(y)
    return np.stack(outputs, 1)


def test_recurrent_subclass_starts_from_its_get_initial_states(tmp_path):
    # Keras 2.0's Recurrent.call started from `get_initial_states`; the
    # decoder's states have different sizes (6 and 4).
    inp = keras.layers.Input(shape=(5, 3))
    model = keras.models.Model(inp, AttentionDecoder(4, 6)(inp))
    rs = np.random.RandomState(0)
    weights = [(rs.uniform(-1, 1, w.shape) * 0.5).astype('float32')
               for w in model.get_weights()]
    model.set_weights(weights)
    x = np.random.RandomState(1).randn(2, 5, 3).astype('float32')
    predicted = model.predict(x)
    assert predicted.shape == (2, 5, 6)
    np.testing.assert_allclose(predicted, _decoder_reference(weights, x),
                               atol=1e-5)
    path = str(tmp_path / 'decoder.h5')
    model.save(path)
    loaded = keras.models.load_model(
        path, custom_objects={'AttentionDecoder': AttentionDecoder})
    np.testing.assert_allclose(loaded.predict(x), predicted, atol=1e-6)


def test_recurrent_get_initial_states_is_the_older_name():
    # Keras 2.0 subclasses call `self.get_initial_states(inputs)` from
    # their own `call`: zeros of shape (batch, units), one per state.
    class Plain(Recurrent):
        units = 3

        def build(self, input_shape):
            self.states = [None, None]
            self.built = True

    layer = Plain()
    layer.build((2, 4, 5))
    states = layer.get_initial_states(K.constant(np.ones((2, 4, 5))))
    assert [K.int_shape(s) for s in states] == [(2, 3), (2, 3)]
    assert all(not K.eval(s).any() for s in states)


class Block(keras.layers.Layer):
    """A residual block whose convolutions are made and built in `build`,
    each from the output shape of the one before (keras-tcn)."""

    def __init__(self, filters, dilation_rate, **kwargs):
        self.filters, self.dilation_rate = filters, dilation_rate
        self.convs = []
        super(Block, self).__init__(**kwargs)

    def build(self, input_shape):
        with K.name_scope(self.name):
            self.res_output_shape = input_shape
            for k in range(2):
                conv = keras.layers.Conv1D(
                    self.filters, 2, padding='causal',
                    dilation_rate=self.dilation_rate, name='conv1D_%d' % k)
                self.convs.append(conv)
                conv.build(self.res_output_shape)
                self.res_output_shape = conv.compute_output_shape(
                    self.res_output_shape)
            self.match = keras.layers.Conv1D(self.filters, 1)
            self.match.build(input_shape)
            for conv in self.convs:
                self.__setattr__(conv.name, conv)
        super(Block, self).build(input_shape)

    def call(self, inputs):
        x = inputs
        for conv in self.convs:
            x = K.relu(conv(x))
        return K.relu(x + self.match(inputs))

    def compute_output_shape(self, input_shape):
        return self.res_output_shape


class TinyTCN(keras.layers.Layer):
    """Residual blocks built one after the other in `build`; the output
    slice is read from the last block's TensorShape."""

    def build(self, input_shape):
        self.blocks = []
        shape = input_shape
        for i, d in enumerate([1, 2]):
            block = Block(3, d, name='residual_block_%d' % i)
            block.build(shape)
            shape = block.res_output_shape
            self.blocks.append(block)
        self.slice_index = shape.as_list()[1] - 1

    def call(self, inputs):
        x = inputs
        for block in self.blocks:
            x = block(x)
        return x[:, self.slice_index, :]


def test_built_in_output_shapes_are_tensor_shapes_in_tf_keras(tf_keras):
    # tf_keras 2.21: a Conv1D's compute_output_shape gives a TensorShape;
    # predictions and one SGD(0.1) step of the TCN-like layer below.
    shape = keras.layers.Conv1D(3, 2).compute_output_shape((None, 4, 2))
    assert shape.as_list() == [None, 3, 3]
    inp = keras.Input((4, 2))
    model = keras.Model(inp, TinyTCN(name='t')(inp))
    _cosine_weights(model)
    x = (np.arange(16).reshape(2, 4, 2) / 8. - 0.5).astype('float32')
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               [[0.59783834, 0., 0.], [0.585184, 0., 0.]],
                               atol=1e-5)
    model.compile(keras.optimizers.SGD(0.1), 'mse')
    assert abs(model.train_on_batch(x, np.ones((2, 3))) -
               0.7223010659217834) < 1e-5
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               [[0.6672422, 0., 0.], [0.6578002, 0., 0.]],
                               atol=1e-5)


def test_built_in_output_shapes_stay_tuples_in_keras():
    shape = keras.layers.Conv1D(3, 2).compute_output_shape((None, 4, 2))
    assert shape == (None, 3, 3) and not hasattr(shape, 'as_list')


class GraphStep(keras.layers.Layer):
    """Keeps its activation function itself in its config (keras-gcn)."""

    def __init__(self, activation=None, **kwargs):
        self.activation = keras.activations.get(activation)
        super(GraphStep, self).__init__(**kwargs)

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self):
        config = {'activation': self.activation}
        base_config = super(GraphStep, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


def test_to_json_names_functions_in_tf_keras_configs(tf_keras):
    # tf_keras 2.21 writes a function by its name and reads it back.
    inp = keras.Input((3,))
    model = keras.Model(inp, GraphStep('relu')(inp))
    text = model.to_json()
    assert '"activation": "relu"' in text
    rebuilt = keras.models.model_from_json(
        text, custom_objects={'GraphStep': GraphStep})
    x = np.array([[-1., 0.5, 2.]], 'float32')
    np.testing.assert_allclose(rebuilt.predict(x, verbose=0),
                               [[0., 0.5, 2.]])


def test_to_json_refuses_functions_in_keras_configs():
    # Keras 2.2/2.3's `to_json` raises TypeError on a function.
    inp = keras.Input((3,))
    model = keras.Model(inp, GraphStep('relu')(inp))
    with pytest.raises(TypeError):
        model.to_json()
