"""compile / fit / evaluate / predict with Keras 2 semantics."""
import io
import sys

import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat import backend as K
from keras_compat.callbacks import Callback
from keras_compat.layers import Dense, Dropout
from keras_compat.models import Sequential
from keras_compat.utils import to_categorical


def blobs(n=600, classes=3, dim=10, seed=0):
    rng = np.random.RandomState(seed)
    centers = rng.randn(classes, dim) * 3
    labels = rng.randint(classes, size=n)
    x = centers[labels] + rng.randn(n, dim)
    return x, labels


def mlp(classes=3, dim=10):
    model = Sequential([Dense(32, activation='relu', input_dim=dim),
                        Dense(classes, activation='softmax')])
    return model


def test_mlp_learns_synthetic_problem():
    x, labels = blobs()
    model = mlp()
    model.compile(optimizer='adam', loss='categorical_crossentropy',
                  metrics=['accuracy'])
    history = model.fit(x, to_categorical(labels), epochs=15, batch_size=32,
                        verbose=0, validation_split=0.2)
    assert history.history['accuracy'][-1] > 0.9
    assert history.history['val_accuracy'][-1] > 0.9
    assert history.history['acc'] == history.history['accuracy']
    assert history.history['val_acc'] == history.history['val_accuracy']
    assert len(history.history['loss']) == 15
    assert history.epoch == list(range(15))
    loss, acc = model.evaluate(x, to_categorical(labels), verbose=0)
    assert acc > 0.9
    assert model.metrics_names == ['loss', 'accuracy']


def test_sparse_labels_and_metric_resolution():
    x, labels = blobs()
    model = mlp()
    model.compile('rmsprop', 'sparse_categorical_crossentropy',
                  metrics=['acc'])
    history = model.fit(x, labels, epochs=8, verbose=0)
    assert history.history['acc'][-1] > 0.9
    assert 'accuracy' in history.history


def test_binary_accuracy_resolution():
    x, labels = blobs(classes=2)
    model = Sequential([Dense(8, activation='relu', input_dim=10),
                        Dense(1, activation='sigmoid')])
    model.compile('rmsprop', 'binary_crossentropy', metrics=['accuracy'])
    model.fit(x, labels, epochs=10, verbose=0)
    loss, acc = model.evaluate(x, labels, verbose=0)
    predicted = (model.predict(x)[:, 0] > 0.5).astype(int)
    assert acc == pytest.approx(np.mean(predicted == labels), abs=1e-6)


def test_evaluate_matches_manual_loss():
    x, labels = blobs(n=100)
    y = to_categorical(labels)
    model = mlp()
    model.compile('sgd', 'categorical_crossentropy', metrics=['mse'])
    loss, mse = model.evaluate(x, y, batch_size=32, verbose=0)
    p = np.clip(model.predict(x), 1e-7, 1 - 1e-7)
    assert loss == pytest.approx(np.mean(-np.sum(y * np.log(p), -1)),
                                 rel=1e-4)
    assert mse == pytest.approx(np.mean((model.predict(x) - y) ** 2),
                                rel=1e-4)
    only_loss = Sequential([Dense(1, input_dim=10)])
    only_loss.compile('sgd', 'mse')
    assert isinstance(only_loss.evaluate(x, labels, verbose=0), float)


def test_custom_metric_on_backend_and_custom_loss():
    def mean_pred(y_true, y_pred):
        return K.mean(y_pred)

    def my_mse(y_true, y_pred):
        return K.mean(K.square(y_pred - y_true), axis=-1)
    x, labels = blobs(n=64, classes=2)
    model = Sequential([Dense(1, activation='sigmoid', input_dim=10)])
    model.compile('rmsprop', my_mse, metrics=['accuracy', mean_pred])
    history = model.fit(x, labels, epochs=1, batch_size=64, verbose=0)
    assert set(history.history) >= {'loss', 'accuracy', 'mean_pred'}
    preds = model.predict(x)
    assert model.evaluate(x, labels, batch_size=64, verbose=0)[2] == \
        pytest.approx(preds.mean(), rel=1e-5)


def test_reproducible_with_seeds():
    def train():
        np.random.seed(7)
        torch.manual_seed(7)
        K.clear_session()
        x, labels = blobs(n=200)
        model = Sequential([Dense(16, activation='relu', input_dim=10),
                            Dropout(0.3), Dense(3, activation='softmax')])
        model.compile('sgd', 'categorical_crossentropy')
        h = model.fit(x, to_categorical(labels), epochs=3, verbose=0)
        return h.history['loss'], model.get_weights()
    loss_a, w_a = train()
    loss_b, w_b = train()
    assert loss_a == loss_b
    for a, b in zip(w_a, w_b):
        np.testing.assert_array_equal(a, b)


def test_nb_epoch_and_legacy_sgd_spelling():
    x, labels = blobs(n=64)
    model = mlp()
    model.compile(keras.optimizers.SGD(lr=0.01, decay=1e-6, momentum=0.9,
                                       nesterov=True),
                  'categorical_crossentropy')
    with pytest.warns(UserWarning, match='nb_epoch'):
        history = model.fit(x, to_categorical(labels), nb_epoch=2,
                            verbose=0)
    assert len(history.history['loss']) == 2
    assert int(K.get_value(model.optimizer.iterations)) == 4


def test_sample_and_class_weights():
    x = np.array([[1.], [1.]], dtype=np.float32)
    y = np.array([[0.], [1.]], dtype=np.float32)
    model = Sequential([Dense(1, input_dim=1, use_bias=False,
                              kernel_initializer='zeros')])
    model.compile('sgd', 'mse')
    weighted = model.evaluate(x, y, sample_weight=np.array([0., 2.]),
                              verbose=0)
    assert weighted == pytest.approx((0 * 0 + 2 * 1) / 2.)
    model.fit(x, y, class_weight={0: 0., 1: 1.}, epochs=1, batch_size=2,
              verbose=0)
    # only the y=1 sample pulls the weight up: w = 0 + 0.01*2*(1-0)*1/2
    assert model.get_weights()[0][0, 0] == pytest.approx(0.01, rel=1e-5)


def test_predict_and_batch_methods():
    x, labels = blobs(n=70)
    y = to_categorical(labels)
    model = mlp()
    model.compile('adam', 'categorical_crossentropy', metrics=['accuracy'])
    preds = model.predict(x, batch_size=32)
    assert isinstance(preds, np.ndarray) and preds.shape == (70, 3)
    np.testing.assert_allclose(preds.sum(-1), 1, rtol=1e-5)
    np.testing.assert_allclose(model.predict_on_batch(x[:5]), preds[:5],
                               rtol=1e-5, atol=1e-6)
    out = model.train_on_batch(x[:16], y[:16])
    assert isinstance(out, list) and len(out) == 2
    out = model.test_on_batch(x[:16], y[:16])
    assert len(out) == 2
    classes = model.predict_classes(x)
    np.testing.assert_array_equal(classes, model.predict(x).argmax(-1))
    assert model.predict_proba(x).shape == (70, 3)


def test_torch_tensors_and_float64_inputs():
    x, labels = blobs(n=64)
    model = mlp()
    model.compile('sgd', 'sparse_categorical_crossentropy')
    model.fit(torch.tensor(x), torch.tensor(labels), epochs=1, verbose=0)
    assert model.predict(x.astype(np.float64)).dtype == np.float32


def test_validation_data_tuple_forms():
    x, labels = blobs(n=100)
    y = to_categorical(labels)
    model = mlp()
    model.compile('sgd', 'categorical_crossentropy', metrics=['accuracy'])
    h = model.fit(x, y, validation_data=(x, y), epochs=1, verbose=0)
    assert {'val_loss', 'val_accuracy'} <= set(h.history)
    h = model.fit(x, y, validation_data=(x, y, np.ones(100)), epochs=1,
                  verbose=0)
    assert 'val_loss' in h.history
    with pytest.raises(ValueError, match='validation_data'):
        model.fit(x, y, validation_data=(x,), epochs=1, verbose=0)


def test_callback_protocol():
    events = []

    class Recorder(Callback):
        def on_train_begin(self, logs=None):
            # Keras 2: arrays give samples and batch size, and `steps`
            # only when steps_per_epoch was given.
            events.append(('train_begin', self.params['epochs'],
                           self.params['steps'], self.params['samples'],
                           self.params['batch_size']))

        def on_epoch_begin(self, epoch, logs=None):
            events.append(('epoch_begin', epoch))

        def on_batch_begin(self, batch, logs=None):
            events.append(('batch_begin', batch, logs['size']))

        def on_batch_end(self, batch, logs=None):
            events.append(('batch_end', batch, round(logs['loss'], 6) > 0))

        def on_epoch_end(self, epoch, logs=None):
            events.append(('epoch_end', epoch, sorted(logs)))

        def on_train_end(self, logs=None):
            events.append(('train_end',))
            assert self.model is model

    x, labels = blobs(n=40)
    model = mlp()
    model.compile('sgd', 'categorical_crossentropy', metrics=['accuracy'])
    model.fit(x, to_categorical(labels), batch_size=16, epochs=2, verbose=0,
              validation_split=0.25, callbacks=[Recorder()])
    assert events[0] == ('train_begin', 2, None, 30, 16)
    assert events[1] == ('epoch_begin', 0)
    assert events[2] == ('batch_begin', 0, 16)
    assert events[3] == ('batch_end', 0, True)
    assert ('epoch_end', 0, ['accuracy', 'loss', 'val_accuracy',
                             'val_loss']) in events
    assert events[-1] == ('train_end',)


def test_stop_training_from_callback():
    class Stopper(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.model.stop_training = True
    x, labels = blobs(n=32)
    model = mlp()
    model.compile('sgd', 'categorical_crossentropy')
    h = model.fit(x, to_categorical(labels), epochs=10, verbose=0,
                  callbacks=[Stopper()])
    assert len(h.history['loss']) == 2


def _capture(fn, tty):
    class Stream(io.StringIO):
        def isatty(self):
            return tty
    stream = Stream()
    old = sys.stdout
    sys.stdout = stream
    try:
        fn()
    finally:
        sys.stdout = old
    return stream.getvalue()


def test_progress_bar_non_tty_prints_one_line_per_epoch():
    x, labels = blobs(n=64)
    model = mlp()
    model.compile('sgd', 'categorical_crossentropy', metrics=['accuracy'])
    out = _capture(lambda: model.fit(x, to_categorical(labels),
                                     batch_size=16, epochs=2, verbose=1),
                   tty=False)
    assert '\r' not in out and '\b' not in out
    # Keras 2.3.1's Progbar without a terminal: each redraw (at most one
    # per 0.05 s; the first batch and the end always) on a new line, the
    # samples counted.
    lines = [l for l in out.splitlines() if l]
    assert lines[0] == 'Epoch 1/2'
    second = lines.index('Epoch 2/2')
    assert all(' - ETA: ' in l for l in lines[1:second - 1])
    assert lines[second - 1].startswith(
        '64/64 [==============================] - ')
    assert 'step - loss: ' in lines[-1] and ' - accuracy: ' in lines[-1]
    assert lines[1].startswith('16/64 [======>')


def test_progress_bar_tty_redraws_one_line():
    x, labels = blobs(n=64)
    model = mlp()
    model.compile('sgd', 'categorical_crossentropy')
    out = _capture(lambda: model.fit(x, to_categorical(labels),
                                     batch_size=16, epochs=1, verbose=1),
                   tty=True)
    assert 'Epoch 1/1\n' in out
    assert '\r' in out
    assert out.rstrip().endswith(out.rstrip().split('\r')[-1])
    assert '64/64 [==============================]' in out


def test_verbose_2_one_line_per_epoch():
    x, labels = blobs(n=64)
    model = mlp()
    model.compile('sgd', 'categorical_crossentropy')
    out = _capture(lambda: model.fit(x, to_categorical(labels),
                                     batch_size=16, epochs=2, verbose=2),
                   tty=True)
    lines = [l for l in out.splitlines() if l]
    # Keras 2.3.1: ' - 0s - loss: 1.3880'.
    assert len(lines) == 4 and lines[1].startswith(' - 0s - loss: ')
    assert '\r' not in out


# ----------------------------------------------------------- bad input
def test_fit_before_compile():
    with pytest.raises(RuntimeError, match='must compile'):
        mlp().fit(np.zeros((4, 10)), np.zeros((4, 3)), verbose=0)


def test_x_y_length_mismatch():
    model = mlp()
    model.compile('sgd', 'categorical_crossentropy')
    with pytest.raises(ValueError, match='same number of samples'):
        model.fit(np.zeros((10, 10)), np.zeros((9, 3)), verbose=0)


def test_integer_labels_with_categorical_crossentropy():
    # Keras 2.3.1 checks the target's shape against the output first...
    model = mlp()
    model.compile('sgd', 'categorical_crossentropy')
    with pytest.raises(ValueError, match=r'Error when checking target: '
                       r'expected dense_2 to have shape \(3,\) but got '
                       r'array with shape \(1,\)'):
        model.fit(np.zeros((10, 10)), np.zeros((10, 1)), verbose=0)
    # ... and names to_categorical where a one-unit output takes them.
    single = Sequential([Dense(1, input_shape=(10,))])
    single.compile('sgd', 'categorical_crossentropy')
    with pytest.raises(ValueError) as info:
        single.fit(np.zeros((10, 10)), np.zeros((10, 1)), verbose=0)
    message = str(info.value)
    assert 'to_categorical' in message
    assert 'sparse_categorical_crossentropy' in message


def test_target_shape_mismatch():
    model = mlp()
    model.compile('sgd', 'mse')
    with pytest.raises(ValueError, match='expected dense_2 to have shape'):
        model.fit(np.zeros((10, 10)), np.zeros((10, 4)), verbose=0)


def test_unknown_names_list_valid_ones():
    model = mlp()
    with pytest.raises(ValueError, match='Unknown optimizer.*Valid names'):
        model.compile('sgdd', 'mse')
    with pytest.raises(ValueError, match='Unknown loss.*Valid names'):
        model.compile('sgd', 'mean_sqaured_error')
    # Refused at compile, before fit could change a weight.
    with pytest.raises(ValueError, match='Unknown metric.*Valid names'):
        model.compile('sgd', 'mse', metrics=['acuracy'])


def test_validation_split_with_generator():
    model = mlp()
    model.compile('sgd', 'mse')

    def gen():
        while True:
            yield np.zeros((2, 10)), np.zeros((2, 3))
    with pytest.raises(ValueError, match='validation_split'):
        model.fit(gen(), steps_per_epoch=1, validation_split=0.1, verbose=0)


def test_unrecognized_fit_argument():
    model = mlp()
    model.compile('sgd', 'mse')
    with pytest.raises(TypeError, match='Unrecognized keyword'):
        model.fit(np.zeros((4, 10)), np.zeros((4, 3)), epochz=2)


def test_k_function_with_optimizer_get_updates_trains():
    """The Keras 2 custom training loop: K.function(..., updates=
    optimizer.get_updates(loss, params))."""
    from keras_compat import layers, models, optimizers
    x, y_true = layers.Input((3,)), layers.Input((1,))
    dense = layers.Dense(1, kernel_constraint=keras.constraints.max_norm(
        10.))
    model = models.Model(x, dense(x))
    loss = K.mean(K.square(model.output - y_true))
    opt = optimizers.SGD(lr=0.1)
    train = K.function([x, y_true], [loss], updates=opt.get_updates(
        loss=loss, params=model.trainable_weights))
    data = np.random.RandomState(0).rand(32, 3).astype('float32')
    target = data.sum(axis=1, keepdims=True)
    first = train([data, target])[0]
    for _ in range(150):
        last = train([data, target])[0]
    assert last < first / 20
    assert int(K.get_value(opt.iterations)) == 151
    # One SGD step by hand matches: w -= lr * dL/dw.
    w, b = dense.get_weights()
    error = data.dot(w) + b - target
    grad_w = 2 * data.T.dot(error) / len(data)
    train([data, target])
    np.testing.assert_allclose(dense.get_weights()[0], w - 0.1 * grad_w,
                               rtol=1e-4, atol=1e-6)
    counter = K.variable(0.)
    bump = K.function([x], [K.sum(x)], updates=[(counter, K.sum(x))])
    bump([np.ones((2, 3), 'float32')])
    assert float(K.get_value(counter)) == 6.


def test_models_sharing_layers_run_in_their_own_mode():
    """A sub-model that trained inside another model predicts in
    inference mode, and a callback predicting with a sub-model during fit
    leaves the fitted model in training mode."""
    from keras_compat import layers
    from keras_compat.models import Model
    z = layers.Input((2,))
    decoder = Model(z, layers.BatchNormalization(momentum=0.)(
        layers.Dense(1, kernel_initializer='ones')(z)))
    x_in = layers.Input((2,))
    whole = Model(x_in, decoder(x_in))
    whole.compile('sgd', 'mse')
    x = np.array([[1., 2.], [3., 4.], [5., 6.], [7., 8.]], 'float32')
    y = np.zeros((4, 1), 'float32')

    class PredictEachBatch(Callback):
        def on_batch_end(self, batch, logs=None):
            decoder.predict(x[:1])

    start = whole.get_weights()
    plain = whole.fit(x, y, batch_size=4, epochs=2, verbose=0,
                      shuffle=False).history['loss']
    # Training mode: batch statistics normalise the outputs, whose mean
    # square is then var / (var + eps) ~ 1 for the initial gamma and beta.
    assert plain[0] == pytest.approx(1., abs=1e-3)
    whole.set_weights(start)
    watched = whole.fit(x, y, batch_size=4, epochs=2, verbose=0,
                        shuffle=False,
                        callbacks=[PredictEachBatch()]).history['loss']
    np.testing.assert_allclose(watched, plain, rtol=1e-6)
    # Inference mode after training inside `whole`: the moving statistics
    # (momentum 0: those of the last batch).
    gamma, beta, mean, var = decoder.layers[-1].get_weights()
    kernel, bias = decoder.layers[1].get_weights()
    h = x.dot(kernel) + bias
    expected = (h - mean) / np.sqrt(var + 1e-3) * gamma + beta
    np.testing.assert_allclose(decoder.predict(x), expected, rtol=1e-4,
                               atol=1e-5)


@pytest.mark.parametrize('where', ['layer', 'model'])
def test_a_per_sample_added_loss_trains_on_its_sum(where):
    # tf.keras 2.21 for the same model: loss 29.0 logged, kernel
    # [0.52, 0.32] (the gradient of the sum of the per-sample squares).
    class PerSample(keras.layers.Layer):
        def call(self, x):
            self.add_loss(K.square(x))
            return x
    inputs = keras.layers.Input(shape=(2,))
    out = keras.layers.Dense(1, kernel_initializer='ones',
                             use_bias=False)(inputs)
    if where == 'layer':
        model = keras.models.Model(inputs, PerSample()(out))
    else:
        model = keras.models.Model(inputs, out)
        model.add_loss(K.square(out))
    model.compile(optimizer=keras.optimizers.SGD(0.01))
    history = model.fit(np.array([[1., 2.], [3., 4.]]), batch_size=2,
                        verbose=0)
    assert history.history['loss'] == [pytest.approx(29.0)]
    np.testing.assert_allclose(model.get_weights()[0].ravel(), [0.52, 0.32],
                               rtol=1e-6)


def test_keras2_fit_with_validation_arrays_says_how_many_samples():
    # Keras 2.2.4 / 2.3.1 training_arrays.fit_loop prints it when verbose.
    x, labels = blobs(n=20)
    model = mlp()
    model.compile('sgd', 'categorical_crossentropy')
    out = _capture(lambda: model.fit(x, to_categorical(labels), epochs=1,
                                     validation_split=0.2, verbose=2),
                   tty=False)
    assert out.splitlines()[0] == 'Train on 16 samples, validate on 4 samples'
    quiet = _capture(lambda: model.fit(x, to_categorical(labels), epochs=1,
                                       verbose=2), tty=False)
    assert 'Train on' not in quiet
