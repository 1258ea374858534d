"""Keras 2 and tf.keras programs that use the backend as a graph language:
cross-entropies of model outputs, K.gradients of several targets,
`K.get_session().run(fetches, feed_dict)`, CTC decoding of OCR models.
Reference numbers were computed with tf_keras 2.21 on TensorFlow (graph
mode where the program needs it) from the same numpy inputs."""
import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat import losses
from keras_compat.backend import common
from keras_compat.layers import Dense, Input
from keras_compat.models import Model, Sequential


@pytest.fixture
def tf_keras():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


def _two_class_data():
    rng = np.random.RandomState(0)
    x = rng.standard_normal((4, 3)).astype('float32')
    kernel = rng.standard_normal((3, 2)).astype('float32')
    bias = np.array([0.1, -0.2], 'float32')
    y = np.eye(2)[[0, 1, 1, 0]].astype('float32')
    return x, y, [kernel, bias]


def _evaluate(layers, weights, loss, x, y):
    model = Sequential(layers)
    model.set_weights(weights)
    model.compile('sgd', loss)
    return model.evaluate(x, y, verbose=0)


def test_tf_keras_binary_crossentropy_of_softmax_uses_its_logits(tf_keras):
    # tf.keras's `_get_logits`: a softmax output's cached logits feed the
    # sigmoid cross-entropy (tf_keras: 0.6086416).
    x, y, weights = _two_class_data()
    value = _evaluate([Dense(2, activation='softmax', input_shape=(3,))],
                      weights, 'binary_crossentropy', x, y)
    assert value == pytest.approx(0.6086416, abs=1e-5)
    model = Sequential([Dense(2, activation='softmax', input_shape=(3,))])
    model.set_weights(weights)
    per_entry = K.binary_crossentropy(K.constant(y), model(K.constant(x)))
    np.testing.assert_allclose(
        K.eval(per_entry),
        [[0.04482744, 0.66717696], [1.44352472, 0.34222084],
         [1.03855634, 0.75162590], [0.06831881, 0.51288170]], atol=1e-5)


def test_tf_keras_from_logits_on_an_activation_output_takes_its_logits(
        tf_keras):
    # from_logits=True on a sigmoid/softmax output: tf.keras warns and uses
    # the activation's logits (tf_keras: 0.6086416 and 0.5110196).
    x, y, weights = _two_class_data()
    with pytest.warns(UserWarning, match='from_logits=True'):
        value = _evaluate(
            [Dense(2, activation='sigmoid', input_shape=(3,))], weights,
            losses.BinaryCrossentropy(from_logits=True), x, y)
    assert value == pytest.approx(0.6086416, abs=1e-5)
    with pytest.warns(UserWarning, match='from_logits=True'):
        value = _evaluate(
            [Dense(2, activation='softmax', input_shape=(3,))], weights,
            losses.SparseCategoricalCrossentropy(from_logits=True), x,
            np.array([0, 1, 1, 0]))
    assert value == pytest.approx(0.5110196, abs=1e-5)


def test_tf_keras_categorical_crossentropy_of_sigmoid_uses_its_logits(
        tf_keras):
    # (tf_keras: 0.5110196, the softmax cross-entropy of the logits.)
    x, y, weights = _two_class_data()
    value = _evaluate([Dense(2, activation='sigmoid', input_shape=(3,))],
                      weights, 'categorical_crossentropy', x, y)
    assert value == pytest.approx(0.5110196, abs=1e-5)


def test_keras2_binary_crossentropy_of_softmax_clips_probabilities():
    # Keras 2.3's TensorFlow backend takes logits only from a Sigmoid op:
    # on softmax probabilities it is the clipped-probability formula.
    x, y, weights = _two_class_data()
    value = _evaluate([Dense(2, activation='softmax', input_shape=(3,))],
                      weights, 'binary_crossentropy', x, y)
    logits = x @ weights[0] + weights[1]
    p = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    p = np.clip(p, 1e-7, 1 - 1e-7)
    expected = np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))
    assert value == pytest.approx(expected, abs=1e-5)


def _two_layer_model():
    rng = np.random.RandomState(1)
    inputs = Input(shape=(3,))
    hidden = Dense(4, activation='tanh', name='h')(inputs)
    model = Model(inputs, Dense(2, name='out')(hidden))
    model.set_weights([rng.standard_normal(w.shape).astype('float32')
                       for w in model.get_weights()])
    x = rng.standard_normal((2, 3)).astype('float32')
    return model, hidden, x


_INPUT_GRADIENTS = [[-2.9337215, -0.7933523, -2.8179045],
                    [-5.4799633, -3.1569860, -3.4580455]]


def test_gradients_of_a_list_of_targets_add_up():
    # tf.gradients(ys=[...]): the gradient of the sum of the targets.
    model, hidden, x = _two_layer_model()
    grads = K.gradients([model.output[:, 0], model.output[:, 1] * 2.],
                        [model.input, hidden])
    wrt_input, wrt_hidden = K.function([model.input], grads)([x])
    np.testing.assert_allclose(wrt_input, _INPUT_GRADIENTS, atol=1e-5)
    np.testing.assert_allclose(
        wrt_hidden, [[-1.9281451, 1.2078443, 1.1888281, 1.9065794]] * 2,
        atol=1e-5)


def test_get_session_runs_fetches_with_a_feed_dict():
    model, _, x = _two_layer_model()
    gradient = K.gradients(K.sum(model.output[:, 0]) +
                           2. * K.sum(model.output[:, 1]), model.input)[0]
    session = K.get_session()
    output, grads = session.run(
        [model.output, gradient],
        feed_dict={model.input: x, K.learning_phase(): 0})
    np.testing.assert_allclose(
        output, [[2.1004620, 0.0228901], [1.4870012, -1.0786450]],
        atol=1e-5)
    np.testing.assert_allclose(grads, _INPUT_GRADIENTS, atol=1e-5)
    assert K.get_session() is session


def _ctc_probabilities():
    rng = np.random.RandomState(3)
    probs = rng.rand(3, 7, 5).astype('float32') ** 3
    return probs / probs.sum(-1, keepdims=True), np.array([7, 5, 3])


def _rows(decoded):
    return [K.get_value(d).tolist() for d in decoded]


def test_ctc_beam_search_decoding_equals_tensorflow(tf_keras):
    probs, lengths = _ctc_probabilities()
    decoded, log_prob = K.ctc_decode(probs, lengths, greedy=False,
                                     beam_width=3, top_paths=2)
    assert _rows(decoded) == [
        [[0, 2, 1, 0, -1, -1, -1], [1, 0, 2, -1, -1, -1, -1],
         [2, 3, -1, -1, -1, -1, -1]],
        [[0, 2, 1, 2, -1, -1, -1], [1, 0, 2, 1, -1, -1, -1],
         [0, 2, 3, -1, -1, -1, -1]]]
    np.testing.assert_allclose(
        K.get_value(log_prob),
        [[-3.2151396, -3.9049883], [-2.0998409, -3.2522449],
         [-2.0745449, -2.3320334]], atol=1e-4)
    with pytest.raises(ValueError, match='top_paths'):
        K.ctc_decode(probs, lengths, greedy=False, beam_width=2,
                     top_paths=3)


def test_ctc_decoded_width_is_the_time_axis_in_tf_keras(tf_keras):
    probs, lengths = _ctc_probabilities()
    decoded, log_prob = K.ctc_decode(probs, lengths)
    assert _rows(decoded) == [[[0, 0, 1, 0, -1, -1, -1],
                               [1, 0, 2, -1, -1, -1, -1],
                               [2, 3, -1, -1, -1, -1, -1]]]
    np.testing.assert_allclose(K.get_value(log_prob).ravel(),
                               [4.6047840, 4.0758591, 2.1944022], atol=1e-5)


def test_ctc_decoded_width_is_the_longest_sequence_in_keras2():
    # Keras 2.3: tf.sparse.to_dense of the decoder's sparse result, as
    # wide as its longest sequence; beam search without merge_repeated.
    probs, lengths = _ctc_probabilities()
    decoded, _ = K.ctc_decode(probs, lengths)
    assert _rows(decoded) == [[[0, 0, 1, 0], [1, 0, 2, -1], [2, 3, -1, -1]]]
    decoded, _ = K.ctc_decode(probs, lengths, greedy=False, beam_width=3,
                              top_paths=2)
    assert _rows(decoded)[1] == [[0, 2, 1, 2], [1, 0, 2, 1], [0, 2, 3, -1]]


def test_beam_search_merges_repeated_labels_only_when_asked():
    # One step each of label 0, blank, label 0: the best prefix is (0, 0);
    # merge_repeated reports it as (0,).
    probs = np.array([[[0.9, 0.1], [0.1, 0.9], [0.9, 0.1]]], 'float32')
    keep, _ = K.ctc_decode(probs, [3], greedy=False, beam_width=2,
                           merge_repeated=False)
    merged, _ = K.ctc_decode(probs, [3], greedy=False, beam_width=2,
                             merge_repeated=True)
    assert _rows(keep) == [[[0, 0]]]
    assert _rows(merged) == [[[0]]]


def test_ctc_decode_of_a_lambda_output_in_an_ocr_model():
    # The image OCR example decodes `K.function([input], [y_pred])` output.
    inputs = Input(shape=(6, 4))
    y_pred = Dense(5, activation='softmax')(inputs)
    decode = K.function([inputs], [y_pred])
    out = decode([np.random.RandomState(0).rand(2, 6, 4)])[0]
    decoded, log_prob = K.ctc_decode(out, np.array([6, 4]))
    assert K.int_shape(log_prob) == (2, 1)
    assert K.get_value(decoded[0]).dtype == np.int64


def test_reshape_to_sizes_computed_from_the_shape_of_a_keras_tensor():
    # keras-yolo3's yolo_head: K.reshape(x, [-1, s[0], s[1], anchors, n])
    # with s = K.shape(x)[1:3]; tf_keras 2.21 (graph mode) gives the
    # static shape (None, None, None, 2, 3) and runs on any grid size.
    x = Input((None, None, 6))
    grid = K.shape(x)[1:3]
    y = K.reshape(x, [-1, grid[0], grid[1], 2, 3])
    assert K.int_shape(y) == (None, None, None, 2, 3)
    run = K.function([x], [y])
    assert run([np.zeros((1, 4, 5, 6), 'float32')])[0].shape == \
        (1, 4, 5, 2, 3)


def test_losses_added_in_call_are_graph_tensors_before_any_run():
    # A KL layer calling add_loss in call (Keras 2 VAE posts), whose
    # model.losses a graph program adds to its loss before training.
    # tf_keras 2.21 in graph mode: the values below.
    from keras_compat import backend as K, optimizers
    from keras_compat.layers import Dense, Input, Layer
    from keras_compat.models import Model

    class KL(Layer):
        def call(self, inputs):
            mu, log_var = inputs
            kl = -0.5 * K.sum(1 + log_var - K.square(mu) - K.exp(log_var),
                              axis=-1)
            self.add_loss(K.mean(kl), inputs=inputs)
            return mu
    x = Input((3,))
    mu = Dense(2, kernel_initializer='ones')(x)
    log_var = Dense(2, kernel_initializer='zeros',
                    bias_initializer='ones')(x)
    out = Dense(1, kernel_initializer='ones')(KL()([mu, log_var]))
    model = Model(x, out)
    assert len(model.losses) == 1
    symbolic = model.losses[0]
    y = Input((1,))
    loss = K.mean(K.square(out - y)) + sum(model.losses)
    xv = np.array([[1., 2., 3.], [0., 1., 0.]], 'float32')
    yv = np.array([[1.], [2.]], 'float32')
    values = K.function([x, y], [loss, sum(model.losses)])([xv, yv])
    np.testing.assert_allclose(values, [79.71828, 19.21828], rtol=1e-6)
    updates = optimizers.SGD(0.01).get_updates(
        loss=loss, params=model.trainable_weights)
    train = K.function([x, y], [loss], updates)
    np.testing.assert_allclose([train([xv, yv])[0] for _ in range(3)],
                               [79.71828, 11.00327, 8.99934], rtol=1e-5)
    # After a run on data, the layer lists that run's loss (the one the
    # graph tensor gives for the same data and weights).
    model.predict(xv)
    assert float(model.losses[0]) == pytest.approx(
        float(K.function([x], [symbolic])([xv])[0]), rel=1e-6)
