"""tf.keras 2.2+'s custom steps: a Model subclass overriding train_step,
test_step or predict_step gets each batch packed as tf.keras packs it,
and its returned dict becomes the logs (the last batch's for the epoch).
Numbers are checked against the SGD and loss formulas in numpy."""
import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import layers
from keras_compat.engine.custom_steps import (flatten_metrics_in_order,
                                              pack_x_y_sample_weight,
                                              unpack_x_y_sample_weight)
from keras_compat.tensorflow_compat import GradientTape

RNG = np.random.RandomState(0)
X = RNG.rand(6, 3).astype('float32')
Y = RNG.rand(6, 1).astype('float32')
KERNEL = RNG.rand(3, 1).astype('float32')


def _sgd_history(x, y, kernel, lr, batch_size, epochs):
    """Plain SGD on the mean squared error of x @ kernel, in numpy: the
    kernel after training and each batch's loss."""
    losses = []
    for _ in range(epochs):
        for start in range(0, len(x), batch_size):
            xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            error = xb.dot(kernel) - yb
            losses.append(float((error ** 2).mean()))
            kernel = kernel - lr * 2 * xb.T.dot(error) / error.size
    return kernel, losses


class TapeModel(keras.models.Model):
    """The keras.io 'customizing fit' model: its own loss tracker."""

    def __init__(self):
        super(TapeModel, self).__init__()
        self.dense = layers.Dense(1, use_bias=False)
        self.loss_tracker = keras.metrics.Mean(name='loss')
        self.seen = []

    def call(self, inputs):
        return self.dense(inputs)

    @property
    def metrics(self):
        return [self.loss_tracker]

    def train_step(self, data):
        self.seen.append(data)
        x, y = data
        with GradientTape() as tape:
            loss = K.mean(K.square(self(x, training=True) - y))
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self.loss_tracker.update_state(loss)
        return {'loss': self.loss_tracker.result(), 'last': loss}


def _tape_model(lr=0.1):
    model = TapeModel()
    model.compile(optimizer=keras.optimizers.SGD(lr))
    model(torch.zeros(1, 3))
    model.dense.set_weights([KERNEL])
    return model


def test_custom_train_step_trains_with_its_own_update_and_logs():
    model = _tape_model()
    history = model.fit(X, Y, batch_size=2, epochs=2, shuffle=False,
                        verbose=0)
    kernel, losses = _sgd_history(X, Y, KERNEL, 0.1, 2, 2)
    np.testing.assert_allclose(model.dense.get_weights()[0], kernel,
                               rtol=1e-5)
    # The epoch's logs are the last batch's: the tracker's mean over the
    # epoch (reset at each epoch start) and that batch's own loss.
    np.testing.assert_allclose(history.history['loss'],
                               [np.mean(losses[:3]), np.mean(losses[3:])],
                               rtol=1e-5)
    np.testing.assert_allclose(history.history['last'],
                               [losses[2], losses[5]], rtol=1e-5)
    x, y = model.seen[0]
    assert isinstance(x, torch.Tensor) and x.dtype == torch.float32
    np.testing.assert_array_equal(x.numpy(), X[:2])


def test_validation_runs_the_default_test_step_on_the_last_rows():
    model = _tape_model(lr=0.)
    history = model.fit(X, Y, batch_size=4, epochs=1, shuffle=False,
                        validation_split=1. / 3, verbose=0)
    assert len(model.seen) == 1 and model.seen[0][0].shape[0] == 4
    # The default test_step updates the compiled metrics only; the
    # model's own `metrics` list its tracker, reset before validation.
    assert history.history['val_loss'] == [0.0]


def test_batch_callbacks_and_progress_see_the_step_logs(capsys):
    model = _tape_model()
    seen = []
    record = keras.callbacks.LambdaCallback(
        on_batch_end=lambda batch, logs: seen.append(sorted(logs)))
    model.fit(X, Y, batch_size=3, epochs=1, verbose=1, callbacks=[record])
    # (tf.keras's batch logs: the step's dict, no 'batch' or 'size'.)
    assert seen == [['last', 'loss']] * 2
    assert 'last:' in capsys.readouterr().out


class DataModel(keras.models.Model):
    """Records the `data` each step gets; learns nothing."""

    def __init__(self):
        super(DataModel, self).__init__()
        self.dense = layers.Dense(1)
        self.seen = []

    def call(self, inputs):
        return self.dense(inputs)

    def train_step(self, data):
        self.seen.append(data)
        x = unpack_x_y_sample_weight(data)[0]
        x = x[0] if isinstance(x, list) else x
        return {'rows': float(x.shape[0])}


def test_data_is_packed_as_tf_keras_packs_it():
    model = DataModel()
    model.compile()
    model.fit(X, epochs=1, batch_size=6, verbose=0)
    assert isinstance(model.seen[-1], torch.Tensor)
    model.fit(X, Y, sample_weight=np.arange(6.), epochs=1, batch_size=6,
              shuffle=False, verbose=0)
    x, y, weights = model.seen[-1]
    np.testing.assert_array_equal(weights.numpy(), np.arange(6.))
    model.fit([X, X], epochs=1, batch_size=6, verbose=0)
    assert isinstance(model.seen[-1], tuple) and len(model.seen[-1]) == 1
    assert isinstance(model.seen[-1][0], list)


def test_class_weight_becomes_sample_weight():
    model = DataModel()
    model.compile()
    labels = np.array([0, 1, 1, 2, 0, 2])
    model.fit(X, labels, class_weight={0: 1., 1: 2., 2: 0.5}, epochs=1,
              batch_size=6, shuffle=False, verbose=0)
    np.testing.assert_array_equal(model.seen[-1][2].numpy(),
                                  [1., 2., 2., .5, 1., .5])


def test_dataset_elements_reach_the_step_as_yielded():
    from keras_compat.tensorflow_compat import data
    model = DataModel()
    model.compile()
    dataset = data.Dataset.from_tensor_slices(X).batch(4)
    history = model.fit(dataset, epochs=2, verbose=0)
    assert [tuple(d.shape) for d in model.seen] == [(4, 3), (2, 3)] * 2
    assert history.history['rows'] == [2.0, 2.0]


class SuperStepModel(keras.models.Model):
    """Calls the default step, as many tf.keras scripts do."""

    def __init__(self):
        super(SuperStepModel, self).__init__()
        self.dense = layers.Dense(1, use_bias=False)
        self.steps = 0

    def call(self, inputs):
        return self.dense(inputs)

    def train_step(self, data):
        self.steps += 1
        return super(SuperStepModel, self).train_step(data)


def test_default_train_step_uses_the_compiled_loss_and_metrics():
    model = SuperStepModel()
    model.compile(keras.optimizers.SGD(0.1), 'mse', metrics=['mae'])
    model(torch.zeros(1, 3))
    model.dense.set_weights([KERNEL])
    history = model.fit(X, Y, batch_size=2, epochs=1, shuffle=False,
                        verbose=0)
    assert model.steps == 3
    kernel, losses = _sgd_history(X, Y, KERNEL, 0.1, 2, 1)
    np.testing.assert_allclose(model.dense.get_weights()[0], kernel,
                               rtol=1e-5)
    np.testing.assert_allclose(history.history['loss'], [np.mean(losses)],
                               rtol=1e-5)
    assert [m.name for m in model.metrics] == ['loss', 'mae']
    results = model.evaluate(X, Y, verbose=0)
    error = X.dot(kernel) - Y
    np.testing.assert_allclose(
        results, [(error ** 2).mean(), np.abs(error).mean()], rtol=1e-5)
    logs = model.evaluate(X, Y, verbose=0, return_dict=True)
    assert sorted(logs) == ['loss', 'mae']


class ScoringModel(keras.models.Model):
    """Its own test_step and predict_step."""

    def __init__(self):
        super(ScoringModel, self).__init__()
        self.dense = layers.Dense(1)

    def call(self, inputs):
        return self.dense(inputs)

    def test_step(self, data):
        x, y, _ = unpack_x_y_sample_weight(data)
        return {'total': K.sum(y), 'a_first': 1.0}

    def predict_step(self, data):
        return {'double': data * 2, 'rows': data[:, :1]}


def test_custom_test_and_predict_steps():
    model = ScoringModel()
    model.compile('sgd', 'mse')
    # The last batch's logs; names outside `metrics` follow in sorted
    # order.
    assert model.evaluate(X, Y, batch_size=4, verbose=0) == \
        [1.0, pytest.approx(float(Y[4:].sum()))]
    predicted = model.predict(X, batch_size=4)
    np.testing.assert_allclose(predicted['double'], X * 2)
    assert predicted['rows'].shape == (6, 1)
    on_batch = model.predict_on_batch(X)
    np.testing.assert_allclose(on_batch['double'], X * 2)
    assert model.test_on_batch(X, Y, return_dict=True)['a_first'] == 1.0


def test_train_on_batch_through_the_custom_step():
    model = _tape_model()
    loss = model.train_on_batch(X[:2], Y[:2])
    _, losses = _sgd_history(X[:2], Y[:2], KERNEL, 0.1, 2, 1)
    assert loss == [pytest.approx(losses[0]), pytest.approx(losses[0])]
    # reset_metrics=True (the default) resets the tracker before the step.
    model.train_on_batch(X[:2], Y[:2])
    loss_after_two = float(model.loss_tracker.result())
    kernel, losses = _sgd_history(np.concatenate([X[:2], X[:2]]),
                                  np.concatenate([Y[:2], Y[:2]]), KERNEL,
                                  0.1, 2, 1)
    assert loss_after_two == pytest.approx(losses[1])


def test_pack_and_unpack():
    assert pack_x_y_sample_weight(1) == 1
    assert pack_x_y_sample_weight([1, 2]) == ([1, 2],)
    assert pack_x_y_sample_weight(1, 2) == (1, 2)
    assert pack_x_y_sample_weight(1, 2, 3) == (1, 2, 3)
    assert unpack_x_y_sample_weight((1,)) == (1, None, None)
    assert unpack_x_y_sample_weight([1, 2]) == (1, 2, None)
    with pytest.raises(ValueError):
        unpack_x_y_sample_weight((1, 2, 3, 4))
    assert flatten_metrics_in_order({'b': 2, 'a': 1, 'loss': 0},
                                    ['loss']) == [0, 1, 2]
    assert keras.utils.unpack_x_y_sample_weight((1, 2)) == (1, 2, None)


def test_apply_gradients_to_a_convolution_kernel_in_keras_layout():
    model = keras.Sequential([layers.Conv2D(2, 3, input_shape=(4, 4, 1))])
    kernel, bias = model.get_weights()
    grad = RNG.rand(*kernel.shape).astype('float32')
    optimizer = keras.optimizers.SGD(0.5)
    optimizer.apply_gradients(zip([torch.tensor(grad), torch.zeros(2)],
                                  model.trainable_weights))
    np.testing.assert_allclose(model.get_weights()[0], kernel - 0.5 * grad,
                               rtol=1e-6)
