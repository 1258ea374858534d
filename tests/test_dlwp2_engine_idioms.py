"""Deep Learning with Python (2nd edition) idioms on tf.keras 2.x that
need the engine: a subclassed model fed a dict (chapter 7's
CustomerTicketModel), multi-hot targets of a softmax output, watched
tensors updated in place (chapter 9's gradient ascent), variable names,
unbuilt Sequential models, preprocess_input in a model, the attention
of padded queries (chapter 11's TransformerEncoder) and a float32 final
layer under mixed_float16 (chapter 13). Reference values come from
tf_keras 2.21 on TensorFlow with the same weights and data."""
import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common
from keras_compat import layers


@pytest.fixture(autouse=True)
def tf_keras_flavour():
    previous = common.api_flavour()
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour(previous)
    keras.mixed_precision.set_global_policy('float32')


def _np(tensor):
    return tensor.detach().cpu().numpy()


def _set(model, seed, low=-.5, high=.5):
    r = np.random.RandomState(seed)
    model.set_weights([r.uniform(low, high, w.shape).astype('float32')
                       for w in model.get_weights()])


def test_multi_hot_targets_train_with_tensorflows_softmax_gradient():
    # tf.nn.softmax_cross_entropy_with_logits back-propagates
    # softmax - labels even when a row of labels sums to 2.
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, layers.Dense(3, activation='softmax')(inputs))
    model.set_weights([np.array([[0.1, -0.2, 0.3], [0.4, 0.0, -0.1],
                                 [-0.3, 0.2, 0.1]], 'float32'),
                       np.zeros(3, 'float32')])
    model.compile(keras.optimizers.SGD(1.0), 'categorical_crossentropy')
    loss = model.train_on_batch(
        np.array([[1., 2., .5], [.5, -1., 1.]], 'float32'),
        np.array([[1., 1., 0.], [0., 1., 1.]], 'float32'))
    assert float(loss) == pytest.approx(1.995112, abs=1e-5)
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(kernel, [
        [0.30415, 0.351163, 0.294688], [0.979671, 0.465118, -0.644789],
        [-0.262189, 0.714534, 0.297656]], atol=1e-5)
    np.testing.assert_allclose(bias, [0.161307, 0.710464, 0.128229],
                               atol=1e-5)


def test_cross_entropy_functions_give_tensorflows_gradients():
    logits = tf.constant([[1., 2., .5], [.1, -1., 2.]])
    labels = tf.constant([[1., 1., 0.], [0., .5, 0.]])
    kernel_gradient = [[-0.76878, -0.37147, 0.14024],
                       [0.12471, -0.45849, 0.83378]]
    exact_gradient = [[-0.53755, 0.25706, 0.28049],
                      [0.06235, -0.47924, 0.41689]]
    cases = [
        (lambda: tf.nn.softmax_cross_entropy_with_logits(
            labels=labels, logits=logits), kernel_gradient),
        (lambda: keras.losses.categorical_crossentropy(
            labels, logits, from_logits=True), kernel_gradient),
        (lambda: keras.losses.categorical_crossentropy(
            labels, keras.activations.softmax(logits)), kernel_gradient),
        # Eager TensorFlow renormalises a raw tf.nn.softmax output.
        (lambda: K.categorical_crossentropy(labels, tf.nn.softmax(logits)),
         exact_gradient),
    ]
    for loss_fn, expected in cases:
        with tf.GradientTape() as tape:
            tape.watch(logits)
            loss = loss_fn()
        np.testing.assert_allclose(_np(loss), [1.92874, 1.59089],
                                   atol=1e-5)
        np.testing.assert_allclose(tape.gradient(loss, logits).numpy(),
                                   expected, atol=1e-5)


def test_a_watched_tensor_takes_an_in_place_step_after_the_gradient():
    def step(image):
        with tf.GradientTape() as tape:
            tape.watch(image)
            loss = tf.reduce_sum(image ** 2)
        grads = tape.gradient(loss, image)
        image += 0.1 * grads
        return image
    np.testing.assert_allclose(step(tf.constant([1., 2.])).numpy(),
                               [1.2, 2.4], rtol=1e-6)


def test_second_order_gradients_still_work():
    time = tf.Variable(0.)
    with tf.GradientTape() as outer_tape:
        with tf.GradientTape() as inner_tape:
            position = 4.9 * time ** 2
        speed = inner_tape.gradient(position, time)
    acceleration = outer_tape.gradient(speed, time)
    assert float(acceleration) == pytest.approx(9.8)


class _RootMeanSquaredError(keras.metrics.Metric):

    def __init__(self, name='rmse', **kwargs):
        super().__init__(name=name, **kwargs)
        self.mse_sum = self.add_weight(name='mse_sum', initializer='zeros')
        self.total_samples = self.add_weight(
            name='total_samples', initializer='zeros', dtype='int32')

    def update_state(self, y_true, y_pred, sample_weight=None):
        pass

    def result(self):
        return self.mse_sum


def test_variables_have_tensorflow_names():
    assert tf.Variable(1., name='abc').name == 'abc:0'
    assert tf.Variable(1.).name == 'Variable:0'
    assert K.variable(1., name='xyz').name == 'xyz:0'
    assert [v.name for v in _RootMeanSquaredError().variables] == \
        ['mse_sum:0', 'total_samples:0']


def test_an_unbuilt_sequential_model_has_no_weights_yet():
    model = keras.Sequential([layers.Dense(4), layers.Dense(2)])
    message = ("Weights for model 'sequential' have not yet been created. "
               "Weights are created when the model is first called on "
               "inputs or `build()` is called with an `input_shape`.")
    for read in (lambda: model.weights, lambda: model.trainable_weights,
                 lambda: model.non_trainable_weights, model.get_weights):
        with pytest.raises(ValueError) as error:
            read()
        assert str(error.value) == message
    with pytest.raises(ValueError, match='This model has not yet been '
                       r'built. Build the model first by calling `build\(\)`'
                       ' or by calling the model on a batch of data.'):
        model.summary()
    with pytest.raises(ValueError, match='You tried to call `count_params` '
                       'on layer sequential, but the layer'):
        model.count_params()
    model.build(input_shape=(None, 3))
    assert len(model.weights) == 4
    assert layers.Dense(2).weights == []


def test_preprocess_input_of_a_model_input():
    images = np.random.RandomState(0).rand(2, 4, 4, 3).astype('float32') * 255
    for module, first_pixel in (
            (keras.applications.vgg16, [49.7656, 65.5943, 16.2674]),
            (keras.applications.xception, [0.0976, 0.4304, 0.2055]),
            (keras.applications.densenet, [0.2787, 1.1571, 0.8745])):
        inputs = keras.Input(shape=(4, 4, 3))
        model = keras.Model(inputs, module.preprocess_input(inputs))
        np.testing.assert_allclose(
            model.predict(images, verbose=0)[0, 0, 0], first_pixel,
            atol=1e-4)


class _TicketModel(keras.Model):

    def __init__(self):
        super().__init__()
        self.concat_layer = layers.Concatenate()
        self.scorer = layers.Dense(2)

    def call(self, inputs):
        return self.scorer(self.concat_layer([inputs['a'],
                                              inputs['b'] * 2.]))


def test_a_subclassed_model_gets_its_dict_of_inputs():
    rs = np.random.RandomState(0)
    data = {'b': rs.rand(8, 4).astype('float32'), 'a': rs.rand(8, 3)}
    targets = rs.rand(8, 2)
    model = _TicketModel()
    model.compile('sgd', 'mse')
    model.build({'a': (None, 3), 'b': (None, 4)})
    _set(model, 1)
    history = model.fit(data, targets, epochs=2, batch_size=4, verbose=0,
                        shuffle=False, validation_data=(data, targets))
    np.testing.assert_allclose(history.history['loss'], [2.88239, 2.15406],
                               atol=1e-4)
    np.testing.assert_allclose(history.history['val_loss'],
                               [2.3053, 1.72688], atol=1e-4)
    np.testing.assert_allclose(model.predict(data, verbose=0)[0],
                               [-1.09019, 0.56971], atol=1e-4)
    np.testing.assert_allclose(_np(model(data))[0],
                               [-1.09019, 0.56971], atol=1e-4)


def test_a_subclassed_model_called_on_numpy_dict_first():
    model = _TicketModel()
    out = model({'a': np.ones((2, 3)), 'b': np.ones((2, 4), 'float32')})
    assert tuple(out.shape) == (2, 2) and out.dtype == torch.float32


class _TwoHeads(keras.Model):

    def __init__(self):
        super().__init__()
        self.a = layers.Dense(1)
        self.b = layers.Dense(2, activation='softmax')

    def call(self, x):
        return self.a(x), self.b(x)


def test_a_subclassed_model_with_two_outputs_takes_a_loss_each():
    model = _TwoHeads()
    model.compile('sgd', ['mse', 'categorical_crossentropy'],
                  metrics=[['mae'], ['accuracy']])
    history = model.fit(np.ones((4, 3), 'float32'),
                        [np.ones((4, 1)), np.ones((4, 2)) / 2], verbose=0)
    assert sorted(history.history) == [
        'loss', 'output_1_loss', 'output_1_mae', 'output_2_accuracy',
        'output_2_loss']


def test_dense_takes_integer_inputs_in_tf_keras():
    dense = layers.Dense(2, kernel_initializer='ones')
    assert _np(dense(np.array([[1, 2]]))).tolist() == [[3., 3.]]


def test_padded_queries_back_propagate_as_tensorflow():
    attention = layers.MultiHeadAttention(num_heads=1, key_dim=2)
    embedding = layers.Embedding(5, 2, mask_zero=True)
    ids = tf.constant([[1, 2, 0]])
    embedded = embedding(ids)
    attention(embedded, embedded)
    r = np.random.RandomState(2)
    attention.set_weights([r.uniform(-1, 1, w.shape).astype('float32')
                           for w in attention.get_weights()])
    embedding.set_weights([r.uniform(-1, 1, w.shape).astype('float32')
                           for w in embedding.get_weights()])
    embedded = embedding(ids)
    with tf.GradientTape() as tape:
        tape.watch(embedded)
        loss = tf.reduce_sum(attention(embedded, embedded))
    np.testing.assert_allclose(
        tape.gradient(loss, embedded).numpy(),
        [[[0.12043, -0.54518], [0.0937, -0.52119], [-0.00162, -0.12727]]],
        atol=1e-5)


def test_embedding_mask_of_a_nested_list():
    embedding = layers.Embedding(input_dim=10, output_dim=4, mask_zero=True)
    mask = embedding.compute_mask([[4, 3, 0], [2, 0, 0]])
    assert _np(mask).tolist() == [[True, True, False],
                                         [True, False, False]]


def test_a_float32_layer_keeps_its_policy_under_mixed_float16():
    keras.mixed_precision.set_global_policy('mixed_float16')
    hidden = layers.Dense(4, activation='relu')
    final = layers.Dense(2, activation='softmax', dtype='float32')
    assert str(hidden.dtype_policy) == '<Policy "mixed_float16">'
    assert (str(final.dtype_policy), final.compute_dtype) == \
        ('<Policy "float32">', 'float32')
    by_policy = layers.Dense(2, dtype=keras.mixed_precision.Policy('float32'))
    assert (str(by_policy.dtype_policy), by_policy.dtype) == \
        ('<Policy "float32">', 'float32')
    assert hidden.get_config()['dtype'] == {
        'module': 'keras.mixed_precision', 'class_name': 'Policy',
        'config': {'name': 'mixed_float16'}, 'registered_name': None}
    assert final.get_config()['dtype'] == 'float32'
    inputs = keras.Input(shape=(6,))
    model = keras.Model(inputs, final(hidden(inputs)))
    x = torch.ones(2, 6)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        assert model(x).dtype == torch.float32
        assert hidden(x).dtype == torch.bfloat16
