"""Core layers, weights in Keras layout, configs and bad-input errors."""
import json

import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat import backend as K
from keras_compat.models import Sequential, model_from_json
from keras_compat.layers import (Dense, Activation, Dropout, Flatten,
                                 Reshape, Permute, RepeatVector, Lambda,
                                 Masking, InputLayer, Layer)


def test_seed_mlp_summary_counts(capsys):
    model = Sequential([Dense(32, input_shape=(784,)), Activation('relu'),
                        Dense(10), Activation('softmax')])
    model.summary()
    out = capsys.readouterr().out
    assert 'Total params: 25,450' in out
    assert 'Trainable params: 25,450' in out
    assert 'Non-trainable params: 0' in out
    assert 'dense_1 (Dense)              (None, 32)                25120' \
        in out
    assert model.count_params() == 25450


def test_dense_stack_counts_match_formula():
    model = Sequential()
    model.add(Dense(64, input_dim=20))
    model.add(Dense(64, use_bias=False))
    model.add(Dense(10))
    assert [l.count_params() for l in model.layers] == \
        [20 * 64 + 64, 64 * 64, 64 * 10 + 10]


def test_layer_names_are_numbered_like_keras():
    a, b, c = Dense(2), Dense(2), Activation('relu')
    assert (a.name, b.name, c.name) == ('dense_1', 'dense_2', 'activation_1')
    assert Sequential().name == 'sequential_1'


def test_weights_round_trip_in_keras_layout():
    layer = Dense(3, input_shape=(5,))
    model = Sequential([layer])
    kernel, bias = layer.get_weights()
    assert kernel.shape == (5, 3) and bias.shape == (3,)
    new_kernel = np.arange(15, dtype=np.float32).reshape(5, 3)
    new_bias = np.array([1., 2., 3.], dtype=np.float32)
    model.set_weights([new_kernel, new_bias])
    got = layer.get_weights()
    np.testing.assert_array_equal(got[0], new_kernel)
    np.testing.assert_array_equal(got[1], new_bias)
    x = np.ones((2, 5), dtype=np.float32)
    np.testing.assert_allclose(model.predict(x), x @ new_kernel + new_bias)
    names = [w.name for w in layer.weights]
    assert names == ['dense_1/kernel:0', 'dense_1/bias:0']
    assert K.get_value(layer.weights[0]).shape == (5, 3)


def test_set_value_on_weight_view_writes_through():
    layer = Dense(2, input_shape=(2,))
    Sequential([layer])
    K.set_value(layer.weights[0], np.eye(2))
    np.testing.assert_array_equal(layer.get_weights()[0], np.eye(2))


def test_set_weights_wrong_shape_names_layer_and_shapes():
    layer = Dense(3, input_shape=(5,))
    Sequential([layer])
    with pytest.raises(ValueError) as info:
        layer.set_weights([np.zeros((3, 5)), np.zeros(3)])
    message = str(info.value)
    assert 'dense_1' in message and '(5, 3)' in message and '(3, 5)' in message
    with pytest.raises(ValueError, match='expecting 2 weights'):
        layer.set_weights([np.zeros((5, 3))])


def test_wrong_feature_size_error_names_layer():
    layer = Dense(4, input_shape=(8,))
    model = Sequential([layer])
    model.compile('sgd', 'mse')
    with pytest.raises(ValueError) as info:
        model.predict(np.zeros((2, 7)))
    assert '(8,)' in str(info.value) and '(7,)' in str(info.value)
    with pytest.raises(ValueError) as info:
        layer(torch.zeros(2, 7))
    message = str(info.value)
    assert 'dense_1' in message and '8' in message and '(2, 7)' in message


def test_unknown_activation_and_initializer_list_valid_names():
    with pytest.raises(ValueError, match="Unknown activation.*Valid names.*"
                                         "relu"):
        Dense(2, activation='rleu')
    with pytest.raises(ValueError, match='Unknown initializer.*Valid names'):
        Dense(2, kernel_initializer='glorot_unifrom')


def test_sequential_add_rejects_non_layers():
    with pytest.raises(TypeError, match='must be an instance of class Layer'):
        Sequential().add(torch.nn.Linear(2, 2))
    with pytest.raises(TypeError, match='must be an instance of class Layer'):
        Sequential().add('dense')


def test_input_shape_spellings_are_equivalent():
    for first in (Dense(32, input_shape=(784,)), Dense(32, input_dim=784),
                  Dense(32, batch_input_shape=(None, 784))):
        model = Sequential([first])
        assert model.output_shape == (None, 32)
        assert model.input_shape == (None, 784)


def test_deferred_build_from_data():
    model = Sequential([Dense(4), Dense(1)])
    assert not model.built
    with pytest.raises(ValueError, match='not yet been built'):
        model.summary()
    model.compile('sgd', 'mse')
    model.fit(np.zeros((8, 3)), np.zeros((8, 1)), verbose=0)
    assert model.built and model.layers[0].get_weights()[0].shape == (3, 4)


def test_keras1_dense_arguments():
    with pytest.warns(UserWarning, match='Keras 2 API'):
        layer = Dense(output_dim=3, init='zeros', input_dim=2)
    Sequential([layer])
    assert layer.units == 3
    np.testing.assert_array_equal(layer.get_weights()[0], np.zeros((2, 3)))


def test_core_layer_shapes_and_values():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    model = Sequential([Reshape((4, 3), input_shape=(3, 4))])
    np.testing.assert_array_equal(model.predict(x), x.reshape(2, 4, 3))
    model = Sequential([Reshape((-1, 2), input_shape=(3, 4))])
    assert model.output_shape == (None, 6, 2)
    model = Sequential([Permute((2, 1), input_shape=(3, 4))])
    np.testing.assert_array_equal(model.predict(x), x.transpose(0, 2, 1))
    model = Sequential([Flatten(input_shape=(3, 4))])
    np.testing.assert_array_equal(model.predict(x), x.reshape(2, 12))
    model = Sequential([RepeatVector(3, input_shape=(4,))])
    assert model.predict(x[:, 0]).shape == (2, 3, 4)
    model = Sequential([Lambda(lambda t: t ** 2, input_shape=(3, 4))])
    assert model.output_shape == (None, 3, 4)
    np.testing.assert_allclose(model.predict(x), x ** 2)
    model = Sequential([Lambda(lambda t: t[:, 0], input_shape=(3, 4))])
    assert model.output_shape == (None, 4)


def test_reshape_errors():
    with pytest.raises(ValueError, match='total size'):
        Sequential([Reshape((5,), input_shape=(3, 4))])
    with pytest.raises(ValueError, match='one unknown dimension'):
        Sequential([Reshape((-1, -1), input_shape=(3, 4))])


def test_dropout_train_vs_inference():
    layer = Dropout(0.5)
    x = torch.ones(1000, 10)
    assert torch.equal(layer(x), x)
    out = layer(x, training=True)
    kept = (out != 0).float().mean().item()
    assert 0.4 < kept < 0.6
    assert set(torch.unique(out).tolist()) <= {0.0, 2.0}


@pytest.mark.parametrize('make', [
    lambda seed: Dropout(0.3, seed=seed),
    lambda seed: keras.layers.AlphaDropout(0.3, seed=seed)])
def test_a_seeded_dropout_repeats_its_sequence_of_masks(make):
    x = torch.ones(200, 50)
    first, again = make(7), make(7)
    masks = [first(x, training=True) for _ in range(3)]
    repeated = [again(x, training=True) for _ in range(3)]
    # Each call draws a new mask; a layer with the same seed draws the
    # same sequence (as a Keras 2 op seed does from run to run).
    assert not torch.equal(masks[0], masks[1])
    for a, b in zip(masks, repeated):
        assert torch.equal(a, b)
    dropped = (masks[0] != masks[0].max()).float().mean().item()
    assert 0.25 < dropped < 0.35
    assert not torch.equal(make(8)(x, training=True), masks[0])


def test_a_seeded_dropout_model_trains_the_same_twice():
    def run(seed, global_draws):
        # (Keras 2 seeds unseeded initializers from numpy's global state.)
        np.random.seed(0)
        torch.manual_seed(0)
        model = Sequential([Dense(8, input_shape=(4,)),
                            Dropout(0.5, seed=seed), Dense(1)])
        model.compile('sgd', 'mse')
        # Whatever the global generator draws between runs, the masks
        # are the layer's own.
        torch.rand(global_draws)
        x = np.arange(64, dtype='float32').reshape(16, 4) / 64.
        return model.fit(x, x[:, :1], epochs=2, batch_size=4, verbose=0,
                         shuffle=False).history['loss']
    assert run(1, 3) == run(1, 50)
    assert run(None, 3) != run(None, 50)


def test_masking_layer_mask():
    x = np.array([[[1., 2.], [0., 0.], [3., 0.]]], dtype=np.float32)
    layer = Masking(0.)
    out = layer(torch.tensor(x))
    assert out._keras_mask.tolist() == [[True, False, True]]


def test_json_round_trip():
    model = Sequential([Dense(8, input_shape=(4,), activation='relu'),
                        Dropout(0.2), Dense(2, activation='softmax')])
    payload = model.to_json()
    config = json.loads(payload)
    assert config['class_name'] == 'Sequential'
    assert config['config']['layers'][0]['config']['batch_input_shape'] == \
        [None, 4]
    clone = model_from_json(payload)
    assert [l.__class__.__name__ for l in clone.layers] == \
        ['Dense', 'Dropout', 'Dense']
    assert clone.count_params() == model.count_params()
    assert clone.layers[0].activation is keras.activations.relu


def test_initializers_follow_keras_definitions():
    from keras_compat import initializers
    w = initializers.glorot_uniform()((300, 200)).cpu().numpy()
    limit = np.sqrt(6. / 500)
    assert np.abs(w).max() <= limit and np.abs(w).max() > 0.9 * limit
    w = initializers.he_normal()((3, 3, 64, 128)).cpu().numpy()
    assert np.std(w) == pytest.approx(np.sqrt(2. / (9 * 64)), rel=0.05)
    q = initializers.orthogonal()((40, 40)).cpu().numpy()
    np.testing.assert_allclose(q @ q.T, np.eye(40), atol=1e-5)
    a = initializers.RandomUniform(seed=3)((4,))
    b = initializers.RandomUniform(seed=3)((4,))
    assert torch.equal(a, b)


def test_custom_layer_written_against_backend():
    class MyLayer(Layer):
        def __init__(self, output_dim, **kwargs):
            self.output_dim = output_dim
            super(MyLayer, self).__init__(**kwargs)

        def build(self, input_shape):
            self.kernel = self.add_weight(name='kernel',
                                          shape=(input_shape[1],
                                                 self.output_dim),
                                          initializer='uniform',
                                          trainable=True)
            super(MyLayer, self).build(input_shape)

        def call(self, x):
            return K.dot(x, self.kernel)

        def compute_output_shape(self, input_shape):
            return (input_shape[0], self.output_dim)

    model = Sequential([MyLayer(3, input_shape=(4,)), Dense(1)])
    assert model.layers[0].output_shape == (None, 3)
    assert [w.name for w in model.layers[0].weights] == ['my_layer_1/kernel:0']
    model.compile('sgd', 'mse')
    before = model.layers[0].get_weights()[0].copy()
    model.fit(np.random.rand(16, 4), np.random.rand(16, 1), verbose=0)
    assert not np.allclose(before, model.layers[0].get_weights()[0])


def test_custom_layer_without_compute_output_shape_is_inferred():
    class Doubler(Layer):
        def call(self, x):
            return torch.cat([x, x], dim=-1)
    model = Sequential([Doubler(input_shape=(3,))])
    assert model.output_shape == (None, 6)


def test_layer_is_an_nn_module():
    model = Sequential([Dense(4, input_shape=(3,)), Dense(2)])
    params = dict(model.named_parameters())
    assert set(params) == {'dense_1.kernel', 'dense_1.bias',
                           'dense_2.kernel', 'dense_2.bias'}
    assert 'dense_1.kernel' in model.state_dict()


def test_get_layer():
    model = Sequential([Dense(4, input_shape=(3,), name='first'), Dense(2)])
    assert model.get_layer('first') is model.layers[0]
    assert model.get_layer(index=1) is model.layers[1]
    with pytest.raises(ValueError, match='No such layer'):
        model.get_layer('missing')


def test_pop():
    model = Sequential([Dense(4, input_shape=(3,)), Dense(2)])
    model.pop()
    assert len(model.layers) == 1 and model.output_shape == (None, 4)


def test_get_weights_returns_copies_that_training_does_not_change():
    model = Sequential([Dense(2, input_shape=(3,))])
    model.compile('sgd', 'mse')
    before = model.get_weights()
    kernel_value = K.get_value(model.layers[0].kernel)
    saved = [w.copy() for w in before]
    model.train_on_batch(np.ones((4, 3)), np.full((4, 2), 5.))
    for b, s in zip(before, saved):
        np.testing.assert_array_equal(b, s)
    np.testing.assert_array_equal(kernel_value, saved[0])
    assert not np.array_equal(model.get_weights()[0], saved[0])


def test_cudnn_layers_are_served_at_keras2_paths():
    from keras_compat import layers
    from keras_compat.layers import recurrent
    from keras_compat.layers.cudnn_recurrent import CuDNNGRU, CuDNNLSTM
    assert CuDNNLSTM is layers.CuDNNLSTM is recurrent.CuDNNLSTM
    assert CuDNNGRU is layers.CuDNNGRU is recurrent.CuDNNGRU


def test_lambda_function_taking_mask_gets_the_input_mask():
    """Keras 2.2+ passes the input mask to a Lambda function with a `mask`
    argument, from the graph's construction on."""
    from keras_compat import backend as K
    from keras_compat.layers import Embedding, Input, Lambda
    from keras_compat.models import Model
    inputs = Input((4,))
    embedded = Embedding(5, 2, mask_zero=True,
                         embeddings_initializer='ones')(inputs)
    def zero_padding(t, mask):
        return t * K.expand_dims(K.cast(mask, 'float32'))
    masked = Lambda(zero_padding, mask=lambda t, mask: mask)(embedded)
    assert K.int_shape(masked) == (None, 4, 2)
    out = Model(inputs, masked).predict(np.array([[1, 2, 0, 0]]), verbose=0)
    np.testing.assert_array_equal(out[0, :, 0], [1, 1, 0, 0])


def test_dense_kernel_is_keras_shaped_with_column_major_memory():
    """The kernel reads as Keras's (input_dim, units) and lies in memory
    as torch's (units, input_dim) Linear weight; its gradient and the
    optimizer's slots follow that layout, and the values are Keras's."""
    model = Sequential([Dense(4, input_shape=(3,), activation='tanh')])
    model.compile('adam', 'mse')
    layer = model.layers[0]
    assert tuple(layer.kernel.shape) == (3, 4)
    assert layer.kernel.stride() == (1, 3)
    x = np.random.RandomState(0).rand(8, 3).astype('float32')
    y = np.random.RandomState(1).rand(8, 4).astype('float32')
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(model.predict(x), np.tanh(x @ kernel + bias),
                               rtol=1e-5, atol=1e-6)
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    assert layer.kernel.stride() == (1, 3)
    assert layer.kernel.grad.stride() == (1, 3)
    slots = model.optimizer.state[layer.kernel]
    assert all(s.stride() == (1, 3) for s in slots.values()
               if isinstance(s, torch.Tensor) and s.dim() == 2)
    layer.set_weights([np.arange(12, dtype='float32').reshape(3, 4),
                       np.zeros(4, 'float32')])
    np.testing.assert_array_equal(layer.get_weights()[0],
                                  np.arange(12).reshape(3, 4))


def test_an_error_in_a_lambda_function_is_raised_as_itself():
    def buggy(t):
        raise TypeError('bug in the function')
    with pytest.raises(TypeError, match='bug in the function'):
        Lambda(buggy)(keras.layers.Input(shape=(4,)))
    with pytest.raises(AttributeError, match='no_such_method'):
        Lambda(lambda t: t.no_such_method())(keras.layers.Input(shape=(4,)))


def test_a_layer_whose_call_fails_on_the_probe_uses_its_output_shape():
    class Custom(Layer):
        def call(self, x):
            return x.no_such_method()

        def compute_output_shape(self, input_shape):
            return input_shape[:-1] + (2,)
    out = Custom()(keras.layers.Input(shape=(3,)))
    assert K.int_shape(out) == (None, 2)


def test_lambdas_made_in_a_loop_keep_their_loop_variable():
    # Keras 2 ran a Lambda's function once, when the graph was built.
    from keras_compat.layers import Input, Lambda, Concatenate
    from keras_compat.models import Model
    inputs = Input((3, 2))
    parts = [Lambda(lambda x: x[:, track, :])(inputs) for track in range(3)]
    model = Model(inputs, Concatenate(axis=1)(parts))
    x = np.arange(6, dtype='float32').reshape(1, 3, 2)
    np.testing.assert_array_equal(model.predict(x), x.reshape(1, 6))
    clone = Model.from_config(model.get_config())
    np.testing.assert_array_equal(clone.predict(x), x.reshape(1, 6))
    # The same with a module-level loop variable.
    namespace = {'Lambda': Lambda, 'inputs': inputs, 'parts': []}
    exec('for track in range(3):\n'
         '    parts.append(Lambda(lambda x: x[:, track, :] * 2)(inputs))\n'
         'track = 99\n', namespace)
    model = Model(inputs, Concatenate(axis=1)(namespace['parts']))
    np.testing.assert_array_equal(model.predict(x), 2 * x.reshape(1, 6))
