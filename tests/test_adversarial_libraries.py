"""Adversarial-example code written against the Keras 2 backend as a
TensorFlow 1 graph (the idioms of cleverhans' KerasModelWrapper and
FastGradientMethod, ART's KerasClassifier and foolbox's KerasModel): the
logits read as `preds.op.inputs[0]` behind a softmax (a separate
Activation, a Dense with `activation='softmax'`, a model called on a
placeholder), range checks with `tf.assert_*` under
`tf.control_dependencies`, `tf.gradients` of a softmax cross-entropy on
the input, training with `tf.train.AdamOptimizer.minimize` on a loss of
those logits, and `K.gradients` / `K.function` compositions.

Expected numbers come from running the same code under real Keras 2.2.4
on TensorFlow 2.21 in TF1 graph mode (`tf.compat.v1`, Session)."""
import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat import tensorflow_compat as tf
from keras_compat.layers import Activation, Conv2D, Dense, Flatten
from keras_compat.models import Sequential


def _data():
    r = np.random.RandomState(3)
    x = r.rand(4, 5, 5, 1).astype('float32').round(3)
    weights = [r.uniform(-.5, .5, s).astype('float32').round(3)
               for s in [(3, 3, 1, 2), (2,), (18, 3), (3,)]]
    return x, weights


def _model(weights, fused):
    model = Sequential()
    model.add(Conv2D(2, (3, 3), activation='relu', input_shape=(5, 5, 1)))
    model.add(Flatten())
    if fused:
        model.add(Dense(3, activation='softmax'))
    else:
        model.add(Dense(3))
        model.add(Activation('softmax'))
    model.set_weights(weights)
    return model


# Keras 2.2.4 / TensorFlow 1 graph mode.
_LOGITS = [[0.043464, -0.396993, 0.329591], [-0.084766, -0.302531, 0.275575]]
_ADV_SUMS = [10.808, 12.379, 12.059, 12.489]
_ADV_ROW = [0.192, 0.553, 0.658, 0.262, 0.325]
_TRAINED_BIAS = [-0.023698, -0.397219, 0.434043]
_TRAINED_LOSS = 0.779635


@pytest.mark.parametrize('fused', [False, True])
def test_fast_gradient_method_and_adversarial_training(fused):
    """cleverhans' `fgm` on `KerasModelWrapper` logits, then
    `model_train` with `predictions_adv` (its `model_loss` reads the
    logits as `preds.op.inputs`)."""
    x_np, weights = _data()
    y_np = np.eye(3, dtype='float32')[[0, 2, 1, 2]]
    sess = tf.Session()
    K.set_session(sess)
    model = _model(weights, fused)
    x = tf.placeholder(tf.float32, shape=(None, 5, 5, 1))
    y = tf.placeholder(tf.float32, shape=(None, 3))
    preds = model(x)
    logits, = preds.op.inputs
    assert (preds.op.type, logits.op.type) == ('Softmax', 'BiasAdd')
    asserts = [tf.assert_greater_equal(x, tf.cast(0., x.dtype)),
               tf.assert_less_equal(x, tf.cast(1., x.dtype))]
    y_max = tf.to_float(tf.equal(logits, tf.reduce_max(logits, 1,
                                                       keepdims=True)))
    y_max = tf.stop_gradient(y_max)
    loss = tf.nn.softmax_cross_entropy_with_logits_v2(
        labels=y_max / tf.reduce_sum(y_max, 1, keepdims=True),
        logits=logits)
    grad, = tf.gradients(loss, x)
    adv = tf.clip_by_value(x + 0.1 * tf.sign(tf.stop_gradient(grad)),
                           0., 1.)
    with tf.control_dependencies(asserts):
        adv = tf.identity(adv)
    adv_np = sess.run(adv, feed_dict={x: x_np})
    np.testing.assert_allclose(adv_np.sum(axis=(1, 2, 3)), _ADV_SUMS,
                               atol=1e-4)
    np.testing.assert_allclose(adv_np[1, 2, :, 0], _ADV_ROW, atol=1e-6)
    np.testing.assert_allclose(sess.run(logits, feed_dict={x: x_np[:2]}),
                               _LOGITS, atol=1e-5)

    adv_preds = model(tf.stop_gradient(adv))

    def model_loss(p):
        lg, = p.op.inputs
        return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(
            labels=tf.stop_gradient(y), logits=lg))
    total = (model_loss(preds) + model_loss(adv_preds)) / 2
    step = tf.train.AdamOptimizer(learning_rate=0.05).minimize(total)
    assert all(sess.run(tf.is_variable_initialized(v))
               for v in model.weights)
    for _ in range(3):
        sess.run(step, feed_dict={x: x_np, y: y_np})
    np.testing.assert_allclose(model.get_weights()[3], _TRAINED_BIAS,
                               atol=1e-5)
    assert sess.run(total, feed_dict={x: x_np, y: y_np}) == \
        pytest.approx(_TRAINED_LOSS, abs=1e-5)


def test_logits_behind_a_fused_softmax_with_backend_functions():
    """foolbox's KerasModel (`model.output.op.inputs`, a sparse
    cross-entropy from logits, a backward pass through `K.batch_dot`
    with a placeholder) and ART's KerasClassifier (loss and class
    gradients, activations of `model.layers[i].output`)."""
    x_np, weights = _data()
    model = _model(weights, fused=True)
    inputs = model.input
    labels = K.placeholder(shape=(None,))
    logits, = model.output.op.inputs
    assert logits.name == 'dense_1/BiasAdd:0' or \
        logits.name.endswith('/BiasAdd:0')
    loss = K.sum(K.sparse_categorical_crossentropy(labels, logits,
                                                   from_logits=True), axis=0)
    grad, = K.gradients(loss, [inputs])
    seed = K.placeholder(shape=logits.shape)
    backward, = K.gradients(K.sum(K.batch_dot(logits, seed, axes=-1),
                                  axis=0), [inputs])
    # Keras 2.2.4 / TensorFlow 1 graph mode.
    np.testing.assert_allclose(K.function([inputs], [logits])([x_np])[0][:2],
                               _LOGITS, atol=1e-5)
    loss_value, grad_value = K.function([inputs, labels], [loss, grad])(
        [x_np, np.array([0, 1, 2, 1])])
    assert float(loss_value) == pytest.approx(4.666914, abs=1e-5)
    np.testing.assert_allclose(grad_value.sum(axis=(1, 2, 3)),
                               [-0.197967, -0.631065, 0.007477, -0.120869],
                               atol=1e-5)
    back = K.function([seed, inputs], [backward])(
        [np.ones((4, 3), 'float32'), x_np])[0]
    np.testing.assert_allclose(back.sum(axis=(1, 2, 3)),
                               [0.193052, -0.363677, 0.008265, -0.217571],
                               atol=1e-5)

    label_ph = K.placeholder(shape=model.output.shape)
    class_loss = K.categorical_crossentropy(label_ph, model.output,
                                            from_logits=False)
    loss_grad = K.function([model.input, label_ph],
                           [K.gradients(class_loss, model.input)[0]])
    y_np = np.eye(3, dtype='float32')[[0, 2, 1, 2]]
    np.testing.assert_allclose(
        loss_grad([x_np, y_np])[0].sum(axis=(1, 2, 3)),
        [-0.197967, 0.13153, -0.214226, -0.057474], atol=1e-5)
    class_grads = [K.function([model.input], K.gradients(
        model.output[:, c], model.input)) for c in range(3)]
    np.testing.assert_allclose(
        [class_grads[c]([x_np])[0].sum() for c in range(3)],
        [-0.127449, 0.261122, -0.133673], atol=1e-5)
    activations = K.function([model.input, K.learning_phase()],
                             [model.layers[1].output])([x_np, 0])[0]
    np.testing.assert_allclose(activations.sum(axis=1),
                               [0.01949, 0.6652, 0.82352, 0.593], atol=1e-4)


def test_range_assertions_on_graph_tensors():
    """`tf.assert_*` on a placeholder is an operation checked when a
    session runs it (cleverhans runs the clip-range asserts with the
    attack); on known values it checks at once."""
    x = tf.placeholder(tf.float32, shape=(None, 2))
    low = tf.assert_greater_equal(x, 0.)
    high = tf.debugging.assert_less_equal(x, 1.)
    with tf.Session() as sess:
        sess.run([low, high], {x: np.array([[0., 1.]], 'float32')})
        with pytest.raises(tf.errors.InvalidArgumentError):
            sess.run(high, {x: np.array([[0., 2.]], 'float32')})
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.assert_less_equal(tf.constant([0.5, 2.]), 1.)
