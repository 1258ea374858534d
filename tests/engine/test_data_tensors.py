"""Models whose data are tensors rather than fed arrays, as Keras 2 and
TensorFlow 1 programs build them: `Input(tensor=iterator.get_next()[0])`
with `compile(target_tensors=[...])` and `fit(steps_per_epoch=...)`
(Keras 2.2's mnist_dataset_api.py), fixed tensors and variables as data,
and TF1 dataset iterators read by session runs. Expected numbers come from
Keras 2.3.1 on TensorFlow running the same code."""
import numpy as np
import pytest

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import layers
from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common
from keras_compat.models import Model


def _data():
    np.random.seed(1)
    x = np.random.rand(20, 4).astype('float32')
    labels = np.random.randint(0, 3, 20)
    return x, np.eye(3)[labels].astype('float32')


def _dataset_model():
    x, y = _data()
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).repeat().batch(5)
    iterator = tf.compat.v1.data.make_one_shot_iterator(dataset)
    inputs, targets = iterator.get_next()
    model_input = layers.Input(tensor=inputs)
    hidden = layers.Dense(6, activation='relu')(model_input)
    output = layers.Dense(3, activation='softmax')(hidden)
    model = Model(inputs=model_input, outputs=output)
    model.set_weights([
        np.random.RandomState(i).uniform(-0.5, 0.5, w.shape).astype('float32')
        for i, w in enumerate(model.get_weights())])
    model.compile(optimizer=keras.optimizers.RMSprop(lr=2e-2, decay=1e-3),
                  loss='categorical_crossentropy', metrics=['accuracy'],
                  target_tensors=[targets])
    return model


def test_fit_evaluate_predict_read_the_iterator():
    model = _dataset_model()
    history = model.fit(epochs=3, steps_per_epoch=4, verbose=0)
    # Keras 2.3.1: loss 1.09031, 1.05086, 1.04106; accuracy 0.5 each.
    np.testing.assert_allclose(history.history['loss'],
                               [1.09031, 1.05086, 1.04106], atol=2e-5)
    np.testing.assert_allclose(history.history['accuracy'], [0.5] * 3)
    # Each step took the next batch: evaluation reads on from there.
    np.testing.assert_allclose(model.evaluate(steps=1, verbose=0),
                               [1.0898529, 0.4], atol=2e-5)
    np.testing.assert_allclose(model.evaluate(steps=1, verbose=0),
                               [0.8259199, 0.8], atol=2e-5)
    np.testing.assert_allclose(
        model.predict(None, steps=1)[:2],
        [[0.51116, 0.23562, 0.25322], [0.49835, 0.24589, 0.25576]],
        atol=2e-5)


def test_steps_are_required_for_data_tensors():
    model = _dataset_model()
    with pytest.raises(ValueError, match='If fitting from data tensors, you '
                       'should specify the `steps_per_epoch` argument.'):
        model.fit(epochs=1, verbose=0)
    with pytest.raises(ValueError, match='If evaluating from data tensors'):
        model.evaluate(verbose=0)


def test_fixed_tensors_as_input_and_targets():
    rs = np.random.RandomState(0)
    x = rs.rand(8, 3).astype('float32')
    y = rs.rand(8, 2).astype('float32')
    x_var = K.variable(x)
    inputs = layers.Input(tensor=x_var)
    assert K.int_shape(inputs) == (8, 3)
    outputs = layers.Dense(
        2, kernel_initializer=keras.initializers.Constant(0.1))(inputs)
    model = Model(inputs, outputs)
    model.compile(keras.optimizers.SGD(0.1), 'mse',
                  target_tensors=[K.constant(y)])
    history = model.fit(epochs=3, steps_per_epoch=2, verbose=0)
    # Keras 2.3.1: 0.155046, 0.090075, 0.065431
    np.testing.assert_allclose(history.history['loss'],
                               [0.155046, 0.090075, 0.065431], atol=1e-6)
    # The variable is read at each run.
    K.set_value(x_var, x * 2)
    assert abs(model.evaluate(steps=1, verbose=0) - 0.117105) < 1e-6
    np.testing.assert_allclose(model.predict(None, steps=1)[:2],
                               [[0.64229, 0.90184], [0.56389, 0.80585]],
                               atol=1e-5)


def test_target_tensors_errors():
    inputs = layers.Input((3,))
    model = Model(inputs, layers.Dense(2)(inputs))
    with pytest.raises(ValueError, match='When passing a list as '
                       '`target_tensors`, it should have one entry per '
                       'model output. The model has 1 outputs'):
        model.compile('sgd', 'mse', target_tensors=[K.constant(1.),
                                                    K.constant(2.)])
    with pytest.raises(ValueError, match='Unknown entry in `target_tensors` '
                       'dictionary: "nope"'):
        model.compile('sgd', 'mse', target_tensors={'nope': K.constant(1.)})


def test_tf_keras_refuses_target_tensors_when_eager():
    common.set_api_flavour('tf.keras')
    try:
        inputs = layers.Input((3,))
        model = Model(inputs, layers.Dense(2)(inputs))
        with pytest.raises(ValueError, match='`target_tensors` argument is '
                           'not supported when executing eagerly'):
            model.compile('sgd', 'mse', target_tensors=[K.constant(1.)])
    finally:
        common.set_api_flavour('keras')


def test_one_session_run_takes_one_element_for_all_components():
    x, y = _data()
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).repeat().batch(5)
    iterator = tf.compat.v1.data.make_one_shot_iterator(dataset)
    inputs, targets = iterator.get_next()
    assert K.int_shape(inputs) == (None, 4)
    assert K.int_shape(targets) == (None, 3)
    sess = tf.compat.v1.Session()
    first = sess.run(inputs)
    second, second_targets = sess.run([inputs, targets])
    np.testing.assert_allclose(first, x[:5])
    np.testing.assert_allclose(second, x[5:10])
    np.testing.assert_allclose(second_targets, y[5:10])


def test_end_of_a_dataset_is_out_of_range():
    dataset = tf.data.Dataset.from_tensor_slices(np.arange(5.)).batch(2)
    element = dataset.make_one_shot_iterator().get_next()
    sess = tf.compat.v1.Session()
    seen = []
    while True:
        try:
            seen.append(sess.run(element).tolist())
        except tf.errors.OutOfRangeError:
            break
    assert seen == [[0., 1.], [2., 3.], [4.]]


def test_initializable_iterator_starts_at_its_initializer():
    dataset = tf.data.Dataset.from_tensor_slices(np.arange(3.))
    iterator = tf.compat.v1.data.make_initializable_iterator(dataset)
    element = iterator.get_next()
    assert K.int_shape(element) == ()
    sess = tf.compat.v1.Session()
    with pytest.raises(tf.errors.FailedPreconditionError,
                       match='iterator has not been initialized'):
        sess.run(element)
    sess.run(iterator.initializer)
    assert [float(sess.run(element)) for _ in range(2)] == [0., 1.]
    sess.run(iterator.initializer)
    assert float(sess.run(element)) == 0.


def test_eager_tf_keras_iterator_gives_values():
    common.set_api_flavour('tf.keras')
    try:
        dataset = tf.data.Dataset.from_tensor_slices(np.arange(4.)).batch(2)
        iterator = tf.compat.v1.data.make_one_shot_iterator(dataset)
        np.testing.assert_allclose(np.asarray(iterator.get_next()), [0., 1.])
        np.testing.assert_allclose(np.asarray(next(iterator)), [2., 3.])
    finally:
        common.set_api_flavour('keras')


def test_reinitializable_iterator_switches_datasets():
    train = tf.data.Dataset.from_tensor_slices(
        (np.arange(4.).reshape(4, 1), np.arange(4))).batch(2)
    valid = tf.data.Dataset.from_tensor_slices(
        (np.arange(10., 13.).reshape(3, 1), np.arange(3))).batch(2)
    assert train.output_types == (tf.float64, tf.int64)
    assert [s.as_list() for s in train.output_shapes] == [[None, 1], [None]]
    iterator = tf.compat.v1.data.Iterator.from_structure(
        train.output_types, train.output_shapes)
    features, labels = iterator.get_next()
    assert K.int_shape(features) == (None, 1)
    sess = tf.compat.v1.Session()
    sess.run(iterator.make_initializer(train))
    assert sess.run(features).ravel().tolist() == [0., 1.]
    sess.run(iterator.make_initializer(valid))
    values, label_values = sess.run([features, labels])
    assert values.ravel().tolist() == [10., 11.]
    assert label_values.tolist() == [0, 1]


def test_model_on_a_fixed_tensor_trained_by_its_added_loss():
    x = np.random.RandomState(0).rand(8, 3).astype('float32')
    inputs = layers.Input(tensor=K.constant(x))
    outputs = layers.Dense(
        3, kernel_initializer=keras.initializers.Constant(0.1))(inputs)
    model = Model(inputs, outputs)
    model.add_loss(K.mean(K.square(outputs - inputs)))
    model.compile(keras.optimizers.SGD(0.1), None)
    history = model.fit(epochs=3, steps_per_epoch=2, verbose=0)
    # Keras 2.3.1: 0.216421, 0.136167, 0.092766
    np.testing.assert_allclose(history.history['loss'],
                               [0.216421, 0.136167, 0.092766], atol=1e-6)
