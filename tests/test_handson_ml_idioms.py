"""Idioms of the Hands-On Machine Learning notebooks (custom losses,
streaming metrics, custom training loops, tf.function, custom parts saved
by name) on keras_compat. Reference values were computed with TensorFlow
2.21 + tf_keras (TF_USE_LEGACY_KERAS=1) running the same code."""
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


def _data():
    rs = np.random.RandomState(0)
    X = rs.randn(24, 4).astype('float32')
    return X, (X[:, :1] * 2 + 1).astype('float32')


def _regressor(**dense_kwargs):
    model = keras.models.Sequential([
        keras.layers.Dense(5, activation='selu', input_shape=[4]),
        keras.layers.Dense(1, **dense_kwargs)])
    model.set_weights([np.random.RandomState(i).randn(*w.shape).astype(
        'float32') * .3 for i, w in enumerate(model.get_weights())])
    return model


def create_huber(threshold=1.0):
    def huber_fn(y_true, y_pred):
        error = y_true - y_pred
        is_small_error = tf.abs(error) < threshold
        squared_loss = tf.square(error) / 2
        linear_loss = threshold * tf.abs(error) - threshold ** 2 / 2
        return tf.where(is_small_error, squared_loss, linear_loss)
    return huber_fn


class HuberLoss(keras.losses.Loss):
    def __init__(self, threshold=1.0, **kwargs):
        self.threshold = threshold
        super().__init__(**kwargs)

    def call(self, y_true, y_pred):
        return create_huber(self.threshold)(y_true, y_pred)

    def get_config(self):
        return {**super().get_config(), 'threshold': self.threshold}


class HuberMetric(keras.metrics.Metric):
    def __init__(self, threshold=1.0, **kwargs):
        super().__init__(**kwargs)
        self.threshold = threshold
        self.huber_fn = create_huber(threshold)
        self.total = self.add_weight('total', initializer='zeros')
        self.count = self.add_weight('count', initializer='zeros')

    def update_state(self, y_true, y_pred, sample_weight=None):
        metric = self.huber_fn(y_true, y_pred)
        self.total.assign_add(tf.reduce_sum(metric))
        self.count.assign_add(tf.cast(tf.size(y_true), tf.float32))

    def result(self):
        return self.total / self.count

    def get_config(self):
        return {**super().get_config(), 'threshold': self.threshold}


def test_loss_and_metric_classes_train_save_and_load(tmp_path):
    X, y = _data()
    model = _regressor()
    model.compile(loss=HuberLoss(2.), optimizer=keras.optimizers.SGD(0.05),
                  metrics=[HuberMetric(2.)])
    history = model.fit(X, y, epochs=2, batch_size=8, shuffle=False,
                        verbose=0)
    assert sorted(history.history) == ['huber_metric', 'loss']
    np.testing.assert_allclose(history.history['loss'], [3.057104, 1.821899],
                               atol=2e-5)
    np.testing.assert_allclose(history.history['huber_metric'],
                               [3.057104, 1.821899], atol=2e-5)
    path = str(tmp_path / 'model.h5')
    model.save(path)
    model = keras.models.load_model(path, custom_objects={
        'HuberLoss': HuberLoss, 'HuberMetric': HuberMetric})
    history = model.fit(X, y, epochs=1, batch_size=8, shuffle=False,
                        verbose=0)
    assert model.loss.threshold == 2.0 and model.metrics[-1].threshold == 2.0
    np.testing.assert_allclose(history.history['loss'], [0.775663],
                               atol=2e-5)


def test_streaming_metrics_list_their_state_variables():
    m = HuberMetric(2.)
    assert float(m(tf.constant([[2.]]), tf.constant([[10.]]))) == 14.0
    assert float(m(tf.constant([[0.], [5.]]),
                   tf.constant([[1.], [9.25]]))) == 7.0
    assert [v.name for v in m.variables] == ['total:0', 'count:0']
    assert [float(v) for v in m.variables] == [21.0, 3.0]
    m.reset_states()
    assert [float(v) for v in m.variables] == [0.0, 0.0]

    precision = keras.metrics.Precision()
    precision([0, 1, 1, 1, 0, 1, 0, 1], [1, 1, 0, 1, 0, 1, 0, 1])
    precision([0, 1, 0, 0, 1, 0, 1, 1], [1, 0, 1, 1, 0, 0, 0, 0])
    assert float(precision.result()) == 0.5
    assert [v.name for v in precision.variables] == \
        ['true_positives:0', 'false_positives:0']
    assert [np.asarray(v).tolist() for v in precision.variables] == \
        [[4.0], [4.0]]
    precision.reset_states()
    assert [np.asarray(v).tolist() for v in precision.variables] == \
        [[0.0], [0.0]]
    recall = keras.metrics.Recall(thresholds=[0.3, 0.6])
    recall([0, 1, 1, 1], [0.2, 0.4, 0.7, 0.1])
    assert [v.name for v in recall.weights] == \
        ['true_positives:0', 'false_negatives:0']
    assert [np.asarray(v).tolist() for v in recall.variables] == \
        [[2.0, 1.0], [1.0, 2.0]]


def test_custom_training_loop_with_regularization_losses():
    X, y = _data()
    model = _regressor(kernel_regularizer=keras.regularizers.l2(0.05))
    optimizer = keras.optimizers.Nadam(learning_rate=0.01)
    loss_fn = keras.losses.mean_squared_error
    mean_loss = keras.metrics.Mean()
    metrics = [keras.metrics.MeanAbsoluteError()]
    results = []
    for epoch in range(2):
        for step in range(3):
            X_batch, y_batch = X[step * 8:step * 8 + 8], \
                y[step * 8:step * 8 + 8]
            with tf.GradientTape() as tape:
                y_pred = model(X_batch)
                main_loss = tf.reduce_mean(loss_fn(y_batch, y_pred))
                loss = tf.add_n([main_loss] + model.losses)
            gradients = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(gradients,
                                          model.trainable_variables))
            for variable in model.variables:
                if variable.constraint is not None:
                    variable.assign(variable.constraint(variable))
            mean_loss(loss)
            for metric in metrics:
                metric(y_batch, y_pred)
        results.append([float(mean_loss.result()),
                        float(metrics[0].result())])
        for metric in [mean_loss] + metrics:
            metric.reset_states()
    np.testing.assert_allclose(results, [[9.350335, 2.545127],
                                         [8.677410, 2.449141]], atol=2e-5)
    assert (mean_loss.name, metrics[0].name) == \
        ('mean', 'mean_absolute_error')


def test_tf_function_concrete_functions_and_input_signature():
    @tf.function
    def tf_cube(x):
        return x ** 3
    concrete = tf_cube.get_concrete_function(tf.constant(2.0))
    assert float(concrete(tf.constant(3.0))) == 27.0
    assert concrete is tf_cube.get_concrete_function(tf.constant(2.0))
    assert tf_cube.python_function(2) == 8

    @tf.function(input_signature=[tf.TensorSpec([None, 4, 4], tf.float32)])
    def shrink(images):
        return images[:, ::2, ::2]
    assert tuple(shrink(tf.zeros([3, 4, 4])).shape) == (3, 2, 2)
    with pytest.raises(TypeError):
        shrink(tf.zeros([2, 2, 2]))


def my_softplus(z):
    return tf.math.log(1.0 + tf.exp(z))


def my_glorot_initializer(shape, dtype=tf.float32):
    stddev = tf.sqrt(2. / (shape[0] + shape[1]))
    return tf.random.normal(shape, stddev=stddev, dtype=dtype)


def my_l1_regularizer(weights):
    return tf.reduce_sum(tf.abs(0.01 * weights))


def my_positive_weights(weights):
    return tf.where(weights < 0., tf.zeros_like(weights), weights)


def test_custom_functions_saved_by_name_load_with_custom_objects(tmp_path):
    # tf.keras 2.4+: a name in a layer config that custom_objects maps to a
    # function is that function (classes and built-in names are
    # instantiated). Reference values: tf_keras 2.21 on the same weights.
    X, y = _data()
    model = _regressor(activation=my_softplus,
                       kernel_initializer=my_glorot_initializer,
                       kernel_regularizer=my_l1_regularizer,
                       kernel_constraint=my_positive_weights)
    model.compile(loss='mse', optimizer=keras.optimizers.SGD(0.01))
    history = model.fit(X, y, epochs=2, batch_size=8, shuffle=False,
                        verbose=0)
    np.testing.assert_allclose(history.history['loss'], [6.571262, 4.666581],
                               atol=2e-5)
    np.testing.assert_allclose(model.layers[1].get_weights()[0].min(),
                               0.034560, atol=2e-5)
    before = model.evaluate(X, y, verbose=0)
    path = str(tmp_path / 'model.h5')
    model.save(path)
    loaded = keras.models.load_model(path, custom_objects={
        'my_l1_regularizer': my_l1_regularizer,
        'my_positive_weights': my_positive_weights,
        'my_glorot_initializer': my_glorot_initializer,
        'my_softplus': my_softplus})
    layer = loaded.layers[1]
    assert layer.kernel_initializer is my_glorot_initializer
    assert layer.kernel_regularizer is my_l1_regularizer
    assert layer.kernel_constraint is my_positive_weights
    np.testing.assert_allclose(loaded.evaluate(X, y, verbose=0), before,
                               rtol=1e-6)
    with keras.utils.custom_object_scope({'my_init': my_glorot_initializer}):
        assert keras.initializers.get('my_init') is my_glorot_initializer
    assert isinstance(keras.initializers.get('glorot_uniform'),
                      keras.initializers.GlorotUniform)
    assert isinstance(keras.regularizers.get('l2'), keras.regularizers.L2)
    assert isinstance(keras.constraints.get('non_neg'),
                      keras.constraints.NonNeg)

def test_layer_called_on_a_list_of_python_numbers():
    exponential_layer = keras.layers.Lambda(lambda x: tf.exp(x))
    np.testing.assert_allclose(exponential_layer([-1., 0., 1.]),
                               [0.367879, 1.0, 2.718282], rtol=1e-5)


def test_a_layer_added_twice_runs_twice_once_the_input_is_known():
    dense = keras.layers.Dense(2, kernel_initializer='ones',
                               bias_initializer='ones')
    ones = np.ones((1, 2), 'float32')
    model = keras.models.Sequential([keras.layers.InputLayer((2,)), dense,
                                     dense])
    assert len(model.layers) == 1
    assert model.predict(ones, verbose=0).tolist() == [[7.0, 7.0]]
    deferred = keras.models.Sequential([dense, dense])
    assert deferred.predict(ones, verbose=0).tolist() == [[3.0, 3.0]]


def test_subclassed_model_takes_dynamic():
    class MyModel(keras.models.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.out = keras.layers.Dense(1, kernel_initializer='ones')

        def call(self, inputs):
            return self.out(inputs)
    model = MyModel(dynamic=True)
    assert float(model(np.ones((1, 3), 'float32'))[0, 0]) == 3.0
