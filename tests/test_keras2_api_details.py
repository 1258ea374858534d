"""Keras 2 API details that Keras 2's own tests and scripts rely on."""
import warnings

import numpy as np
import pytest

import keras_compat as keras
from keras_compat import activations, layers, models, optimizers
from keras_compat import backend as K


def test_activations_on_placeholders_through_k_function():
    x = K.placeholder(ndim=2)
    values = np.array([[-1., 0.1, 0.5, 2.]], dtype='float32')
    f = K.function([x], [activations.softplus(x), activations.relu(x),
                         activations.hard_sigmoid(x),
                         activations.softmax(x)])
    softplus, relu, hard_sigmoid, softmax = f([values])
    np.testing.assert_allclose(softplus, np.log1p(np.exp(values)),
                               rtol=1e-6)
    np.testing.assert_allclose(relu, np.maximum(values, 0))
    np.testing.assert_allclose(hard_sigmoid,
                               np.clip(0.2 * values + 0.5, 0, 1), rtol=1e-6)
    e = np.exp(values - values.max())
    np.testing.assert_allclose(softmax, e / e.sum(), rtol=1e-6)


def test_softmax_of_a_1d_placeholder_raises():
    with pytest.raises(ValueError, match='1D'):
        activations.softmax(K.placeholder(ndim=1))


def test_activation_get_warns_for_a_layer_instance():
    layer = layers.Dense(3)
    with pytest.warns(UserWarning, match='layer instance'):
        assert activations.get(layer) is layer


def test_optimizer_deserialize_lowercases_the_callers_name():
    config = optimizers.serialize(optimizers.SGD(lr=0.05))
    assert config['class_name'] == 'SGD'
    restored = optimizers.deserialize(config)
    assert config['class_name'] == 'sgd'
    assert isinstance(restored, optimizers.SGD)
    assert restored.get_config()['learning_rate'] == pytest.approx(0.05)


def test_pooling_layers_importable_from_convolutional():
    from keras_compat.layers import convolutional, pooling
    for name in ('MaxPooling1D', 'MaxPooling2D', 'MaxPooling3D',
                 'AveragePooling1D', 'AveragePooling2D', 'AveragePooling3D'):
        assert getattr(convolutional, name) is getattr(pooling, name)


def test_merge_compute_mask_takes_any_nonzero_as_kept():
    i1, i2 = layers.Input((3,)), layers.Input((3,))
    add = layers.Add()
    add([i1, i2])
    m1 = np.array([[1., 0., 1.]], 'float32')
    m2 = np.array([[1., 1., 0.]], 'float32')
    mask = add.compute_mask([i1, i2], [K.variable(m1), K.variable(m2)])
    np.testing.assert_array_equal(K.eval(mask), [[True, False, False]])
    with pytest.raises(ValueError, match='should be a list'):
        add.compute_mask([i1, i2], K.variable(m1))


def test_built_subtract_rejects_three_inputs():
    i1, i2, i3 = (layers.Input((2,)) for _ in range(3))
    subtract = layers.Subtract()
    subtract([i1, i2])
    with pytest.raises(ValueError, match='exactly 2 inputs'):
        subtract([i1, i2, i3])


def test_layer_inputs_are_copied_from_a_list_the_caller_keeps_growing():
    x_in = layers.Input(shape=(None, None))
    x_list, x = [x_in], x_in
    for _ in range(3):
        x_list.append(x)
        x = layers.concatenate(x_list, axis=1)
    model = models.Model(x_in, x)
    out = model.predict(np.ones((1, 1, 1), 'float32'))
    assert out.shape == (1, 8, 1)


def test_test_utils_layer_test_and_get_test_data():
    from keras_compat.utils import test_utils
    (x_train, y_train), (x_test, y_test) = test_utils.get_test_data(
        num_train=20, num_test=5, input_shape=(4,), num_classes=3)
    assert x_train.shape == (20, 4) and y_test.shape == (5,)
    assert set(np.unique(y_train)) <= {0, 1, 2}
    out = test_utils.layer_test(layers.Dense, kwargs={'units': 3},
                                input_shape=(2, 4))
    assert out.shape == (2, 3)
    with pytest.raises(AssertionError):
        test_utils.layer_test(layers.Dense, kwargs={'units': 3},
                              input_shape=(2, 4),
                              expected_output=np.full((2, 3), 1e3))


def test_losses_utils_reductions():
    from keras_compat.utils import losses_utils
    values = np.array([[1., 2.], [3., 4.]], 'float32')
    R = losses_utils.Reduction
    assert float(losses_utils.reduce_weighted_loss(values, R.SUM)) == 10.
    assert float(losses_utils.reduce_weighted_loss(
        values, R.SUM_OVER_BATCH_SIZE)) == 2.5
    weighted = losses_utils.compute_weighted_loss(
        values, sample_weight=np.array([1., 0.], 'float32'),
        reduction=R.SUM)
    assert float(weighted) == 3.
    mse = keras.losses.MeanSquaredError(reduction=R.SUM)
    assert mse.reduction == R.SUM


def test_constant_and_variable_from_nested_lists():
    c = K.constant([[1., 9.], [2., 5.]])
    assert tuple(c.shape) == (2, 2) and K.dtype(c) == 'float32'
    v = K.variable([[1, 2], [3, 4]])
    np.testing.assert_array_equal(K.eval(v), [[1, 2], [3, 4]])
    mse = keras.losses.LossFunctionWrapper(keras.losses.get('mse'),
                                           name='mean_squared_error')
    loss = mse(K.constant([[1., 9.], [2., 5.]]),
               K.constant([[4., 8.], [12., 3.]]),
               sample_weight=K.constant([1.2, 0.5]))
    # mse per sample [5, 52], weighted [6, 26], over 2 samples.
    assert float(loss) == pytest.approx(16.)


def test_batch_normalization_trains_on_one_value_per_channel():
    # TensorFlow accepts a training batch of one value per channel: the
    # output is beta and the moving statistics move towards (x, 0).
    bn = layers.BatchNormalization(momentum=0.9,
                                   beta_initializer='ones')
    model = models.Sequential([layers.InputLayer(input_shape=(3,)), bn])
    model.compile('sgd', 'mse')
    x = np.array([[2., -1., 4.]], 'float32')
    model.train_on_batch(x, np.zeros((1, 3), 'float32'))
    gamma, beta, mean, var = bn.get_weights()
    np.testing.assert_allclose(mean, 0.1 * x[0], rtol=1e-6)
    np.testing.assert_allclose(var, [0.9] * 3, rtol=1e-6)
    # d(mse)/d(beta) = 2 * (beta - 0) / 3 at beta = 1; sgd lr 0.01.
    np.testing.assert_allclose(beta, 1. - 0.01 * 2. / 3., rtol=1e-6)
    np.testing.assert_allclose(gamma, 1.)


def test_learning_phase_1_makes_predict_use_batch_statistics():
    rng = np.random.RandomState(0)
    x = rng.normal(3., 2., size=(16, 1)).astype('float32')
    inputs = layers.Input((1,))
    bn = layers.BatchNormalization()
    model = models.Model(inputs, bn(inputs))
    before = [w.copy() for w in bn.get_weights()]
    try:
        K.set_learning_phase(1)
        out = model.predict(x, batch_size=16)
    finally:
        K.clear_session()
    expected = (x - x.mean()) / np.sqrt(x.var() + 1e-3)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)
    # predict leaves the moving statistics alone.
    for b, a in zip(before, bn.get_weights()):
        np.testing.assert_array_equal(b, a)
    # Back to the default phase: inference with the moving statistics.
    np.testing.assert_allclose(model.predict(x),
                               x / np.sqrt(1. + 1e-3), rtol=1e-5)


def test_frozen_model_keeps_batchnorm_statistics_and_has_no_updates():
    x = np.random.RandomState(1).rand(10, 4).astype('float32')
    inputs = layers.Input((4,))
    bn = layers.BatchNormalization()
    model = models.Model(inputs, bn(inputs))
    assert len(model.updates) == 2
    model.trainable = False
    assert model.updates == []
    model.compile('sgd', 'mse')
    before = model.predict(x)
    model.train_on_batch(x, np.zeros_like(x))
    np.testing.assert_allclose(model.predict(x), before, atol=1e-7)
    model.trainable = True
    model.compile('sgd', 'mse')
    model.train_on_batch(x, np.zeros_like(x))
    assert np.abs(model.predict(x) - before).sum() > 1e-5
    other = layers.BatchNormalization()
    other(layers.Input((4,)), training=False)
    assert other.updates == []


class _Recorder(keras.callbacks.Callback):
    def __init__(self):
        super(_Recorder, self).__init__()
        self.events = []
        self.seen_validation = None

    def on_test_begin(self, logs=None):
        self.events.append('test_begin')

    def on_test_batch_end(self, batch, logs=None):
        self.events.append('test_batch')

    def on_test_end(self, logs=None):
        self.events.append('test_end')

    def on_epoch_end(self, epoch, logs=None):
        self.events.append('epoch_end')
        self.seen_validation = self.validation_data


def _small_model():
    model = models.Sequential([layers.Dense(2, activation='softmax',
                                            input_shape=(3,))])
    model.compile('sgd', 'categorical_crossentropy')
    return model


def test_validation_reports_test_hooks_and_validation_data():
    rng = np.random.RandomState(0)
    x, y = rng.rand(8, 3).astype('float32'), np.eye(2)[rng.randint(2,
                                                                    size=8)]
    xv, yv = rng.rand(4, 3).astype('float32'), np.eye(2)[[0, 1, 0, 1]]
    recorder = _Recorder()
    _small_model().fit(x, y, batch_size=4, epochs=2, verbose=0,
                       validation_data=(xv, yv), callbacks=[recorder])
    assert recorder.events == ['test_begin', 'test_batch', 'test_end',
                               'epoch_end'] * 2
    data = recorder.seen_validation
    assert len(data) == 3
    assert data[0] is xv and data[1] is yv
    np.testing.assert_array_equal(data[2], np.ones(4))


def test_validation_split_gives_validation_data_arrays():
    x = np.arange(30, dtype='float32').reshape(10, 3)
    y = np.eye(2)[np.arange(10) % 2]
    recorder = _Recorder()
    _small_model().fit(x, y, epochs=1, verbose=0, validation_split=0.2,
                       callbacks=[recorder])
    data = recorder.seen_validation
    np.testing.assert_array_equal(data[0], x[8:])
    np.testing.assert_array_equal(data[1], y[8:])


def test_callback_list_batch_methods():
    recorder = _Recorder()
    callback_list = keras.callbacks.CallbackList([recorder])
    callback_list.on_test_batch_end(0)
    callback_list.on_train_batch_begin(0)
    callback_list.on_predict_batch_end(0)
    assert recorder.events == ['test_batch']


def test_metric_object_for_every_output_is_cloned_per_output():
    # Keras 2.3: a flat metrics list on a two-output model gives each
    # output its own copy of a stateful metric.
    inp_1, inp_2 = layers.Input((1,), name='a'), layers.Input((1,), name='b')
    out_1 = layers.Dense(1, kernel_initializer='ones', use_bias=False,
                         trainable=False, name='output_1')(inp_1)
    out_2 = layers.Dense(1, kernel_initializer='ones', use_bias=False,
                         trainable=False, name='output_2')(inp_2)
    model = models.Model([inp_1, inp_2], [out_1, out_2])
    metric = keras.metrics.MeanSquaredError(name='mean_squared_error')
    model.compile('sgd', loss='mse', metrics=[metric])
    x = np.array([[1.], [2.]], 'float32')
    history = model.fit([x, x], [3 * x, 2 * x], epochs=1, verbose=0,
                        shuffle=False)
    h = history.history
    assert h['output_1_mean_squared_error'][0] == pytest.approx(10.)
    assert h['output_2_mean_squared_error'][0] == pytest.approx(2.5)
    assert metric.name == 'mean_squared_error'


def test_integer_arrays_feed_float_inputs():
    # Keras 2 feeds integer arrays to its float32 placeholders.
    rng = np.random.RandomState(0)
    x = rng.randint(0, 3, size=(8, 4))
    model = models.Sequential([layers.Dense(2, input_shape=(4,))])
    model.compile('sgd', 'mse')
    model.fit(x, rng.rand(8, 2), verbose=0)
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(model.predict(x), x.dot(kernel) + bias,
                               rtol=1e-5)
    inputs = layers.Input((3, 4))
    masked = layers.Masking()(inputs)
    out = layers.TimeDistributed(layers.Dense(5))(masked)
    model = models.Model(inputs, out)
    model.compile('sgd', 'mse')
    model.fit(rng.randint(0, 3, size=(8, 3, 4)), rng.rand(8, 3, 5),
              verbose=0)
    # Token ids still reach an Embedding exactly.
    model = models.Sequential([layers.Embedding(10, 2, input_length=3)])
    ids = np.array([[1, 9, 0]])
    np.testing.assert_array_equal(model.predict(ids)[0],
                                  model.get_weights()[0][[1, 9, 0]])


def test_simple_rnn_accepts_deprecated_implementation():
    with pytest.warns(UserWarning, match='implementation'):
        layer = layers.SimpleRNN(3, implementation=2)
    assert layer.units == 3


@pytest.mark.parametrize('cls,n_states', [('SimpleRNN', 1), ('GRU', 1),
                                          ('LSTM', 2)])
def test_rnn_initial_state_from_fixed_tensors_in_a_graph(cls, n_states):
    # Keras 2 accepts variables as the initial state of a functional call:
    # they are used by every call of the model.
    import torch
    rng = np.random.RandomState(0)
    inputs = layers.Input((4, 3))
    init = [K.variable(rng.rand(2, 5)) for _ in range(n_states)]
    layer = getattr(layers, cls)(5)
    model = models.Model(inputs, layer(inputs, initial_state=init))
    model.compile('adam', 'mse')
    x = rng.rand(2, 4, 3).astype('float32')
    model.fit(x, rng.rand(2, 5), verbose=0)
    with torch.no_grad():
        expected = layer(torch.tensor(x), initial_state=init).numpy()
        from_zeros = layer(torch.tensor(x)).numpy()
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-5,
                               atol=1e-6)
    assert np.abs(expected - from_zeros).max() > 1e-3
    with pytest.raises(ValueError, match='mix of Keras tensors'):
        layer(inputs, initial_state=[layers.Input((5,)),
                                     K.variable(np.zeros((2, 5)))])


def test_model_losses_before_the_first_run_lists_symbolic_losses():
    inputs = layers.Input((3,))
    out = layers.Dense(2, kernel_regularizer='l2')(inputs)
    model = models.Model(inputs, out)
    model.add_loss(K.mean(out))
    model.add_loss(1.)
    losses = model.losses
    assert len(losses) == 3
    model.compile('sgd', 'mse')
    model.fit(np.ones((4, 3), 'float32'), np.zeros((4, 2), 'float32'),
              verbose=0)
    assert all(not getattr(l, '_is_keras_symbolic', False)
               for l in model.losses)


def test_activity_losses_are_listed_per_call_before_the_first_run():
    dense = layers.Dense(2, kernel_regularizer='l1',
                         activity_regularizer='l1')
    a, b = layers.Input((3,)), layers.Input((3,))
    out = layers.Average()([dense(a), dense(b)])
    model = models.Model([a, b], out)
    model.add_loss(K.mean(out))
    # One kernel penalty, one activity penalty per call, the added loss.
    assert len(model.losses) == 4
    model.compile('sgd', 'mse')
    x = np.ones((4, 3), 'float32')
    model.train_on_batch([x, x], np.zeros((4, 2)))
    assert len(model.losses) == 4
    # An eager call: l1(0.01) of the output, divided by the batch size.
    output = dense(K.constant(x)).detach().numpy()
    assert float(dense.losses[-1]) == pytest.approx(
        0.01 * np.abs(output).sum() / 4, rel=1e-5)


class _CellWithConstants(layers.Layer):
    def __init__(self, units, **kwargs):
        self.units = units
        self.state_size = units
        super(_CellWithConstants, self).__init__(**kwargs)

    def build(self, input_shape):
        if not isinstance(input_shape, list):
            raise TypeError('expects constants shape')
        step_shape, constant_shape = input_shape
        self.input_kernel = self.add_weight(
            shape=(step_shape[-1], self.units), initializer='ones',
            name='kernel')
        self.constant_kernel = self.add_weight(
            shape=(constant_shape[-1], self.units), initializer='ones',
            name='constant_kernel')
        self.built = True

    def call(self, inputs, states, constants):
        output = K.dot(inputs, self.input_kernel) + states[0] + \
            K.dot(constants[0], self.constant_kernel)
        return output, [output]

    def get_config(self):
        config = super(_CellWithConstants, self).get_config()
        config['units'] = self.units
        return config


@pytest.mark.parametrize('stacked', [False, True])
def test_rnn_cell_with_constants_builds_on_their_shapes(stacked):
    x, c = layers.Input((4, 2)), layers.Input((3,))
    cell = _CellWithConstants(5)
    rnn = layers.RNN([layers.SimpleRNNCell(2), cell] if stacked else cell)
    model = models.Model([x, c], rnn(x, constants=c))
    xs = np.ones((2, 4, 2), 'float32')
    cs = np.ones((2, 3), 'float32')
    if not stacked:
        # h_t = sum(x_t) + h_(t-1) + sum(c) = 2 + 3 + h_(t-1): 20 after 4.
        np.testing.assert_allclose(model.predict([xs, cs]),
                                   np.full((2, 5), 20.))
    config = rnn.get_config()
    with keras.utils.CustomObjectScope({'_CellWithConstants':
                                        _CellWithConstants}):
        again = layers.RNN.from_config(config)
    model2 = models.Model([x, c], again([x, c]))
    model2.set_weights(model.get_weights())
    np.testing.assert_allclose(model2.predict([xs, cs]),
                               model.predict([xs, cs]), rtol=1e-6)


@pytest.mark.parametrize('cls', ['LSTM', 'GRU'])
def test_identity_recurrent_initializer_is_per_gate(cls):
    layer = getattr(layers, cls)(3, recurrent_initializer='identity')
    layer(layers.Input((2, 4)))
    recurrent = layer.get_weights()[1]
    gates = recurrent.shape[1] // 3
    np.testing.assert_array_equal(recurrent,
                                  np.concatenate([np.eye(3)] * gates, 1))


def test_wrapper_updates_come_from_the_wrapped_layer():
    layer = layers.TimeDistributed(layers.BatchNormalization())
    layer(layers.Input((3, 2)))
    assert len(layer.updates) == 2
    layer.trainable = False
    assert layer.updates == []


def test_conv_utils_assert_padding_and_cropping_to_nothing():
    from keras_compat.utils import conv_utils
    assert conv_utils.conv_output_length(32, 5, 'full', 2) == 18
    assert conv_utils.conv_input_length(18, 5, 'full', 2) == 31
    with pytest.raises(AssertionError):
        conv_utils.conv_output_length(32, 5, 'diagonal', 2)
    crop = layers.Cropping1D((2, 2))
    assert crop.compute_output_shape((None, 4, 3)) == (None, 0, 3)
    with pytest.raises(ValueError):
        layers.Cropping2D(cropping=lambda x: x)


def test_func_dump_is_base64_and_load_reads_both_encodings():
    import codecs
    import marshal
    from keras_compat.utils.generic_utils import func_dump, func_load

    def make():
        text = r'\u'

        def fn():
            return text
        return fn
    fn = make()
    code, defaults, closure = func_dump(fn)
    assert codecs.decode(code.encode('ascii'), 'base64') == \
        marshal.dumps(fn.__code__)
    assert func_load(code, defaults, closure)() == r'\u'

    def square(x):
        return x ** 2
    old = marshal.dumps(square.__code__).decode('raw_unicode_escape')
    assert func_load(old)(3) == 9


def test_small_keras2_utilities():
    import io
    import h5py
    from keras_compat.utils import (convert_all_kernels_in_model,
                                    get_source_inputs, io_utils, layer_utils)
    from keras_compat.utils.generic_utils import transpose_shape
    assert transpose_shape((16, 128, 128, 32), 'channels_first',
                           spatial_axes=(1, 2)) == (16, 32, 128, 128)
    assert transpose_shape([8, 8, 3], 'channels_last', (0, 1)) == [8, 8, 3]
    # Theano <-> TensorFlow kernels: spatial axes flipped.
    model = models.Sequential([layers.Conv2D(2, (2, 3), input_shape=(5, 5, 1)),
                               layers.Flatten(), layers.Dense(2)])
    kernel = model.layers[0].get_weights()[0]
    convert_all_kernels_in_model(model)
    np.testing.assert_array_equal(model.layers[0].get_weights()[0],
                                  kernel[::-1, ::-1])
    assert get_source_inputs(model.output)[0] is model.input
    # A Dense after Flatten of a (rows, cols, channels) map, reordered for
    # channels_first and back.
    dense = layers.Dense(3)
    dense.build((None, 12))
    before = dense.get_weights()[0].copy()
    layer_utils.convert_dense_weights_data_format(dense, (3, 2, 2),
                                                  'channels_first')
    layer_utils.convert_dense_weights_data_format(dense, (2, 2, 3),
                                                  'channels_last')
    np.testing.assert_allclose(dense.get_weights()[0], before)
    stream = io.BytesIO()
    io_utils.save_to_binary_h5py(
        lambda f: f.create_dataset('x', data=np.arange(3)), stream)
    stream.seek(0)
    assert io_utils.load_from_binary_h5py(
        lambda f: f['x'][()].tolist(), stream) == [0, 1, 2]
    with K.control_dependencies([]):
        assert K.symbolic(len) is len and K.eager(len) is len


def test_bidirectional_takes_constants_and_both_directions_states():
    x, c = layers.Input((4, 2)), layers.Input((3,))
    # As in Keras, the backward copy is made from the config: a custom
    # cell needs to be known by name.
    scope = keras.utils.CustomObjectScope(
        {'_CellWithConstants': _CellWithConstants})
    with scope:
        bidi = layers.Bidirectional(layers.RNN(_CellWithConstants(5)))
        with_states = layers.Bidirectional(
            layers.RNN(_CellWithConstants(5)))
    model = models.Model([x, c], bidi(x, constants=c))
    xs = np.ones((2, 4, 2), 'float32')
    cs = np.ones((2, 3), 'float32')
    # Each direction: h_t = 2 + 3 + h_(t-1), 20 after 4 steps.
    np.testing.assert_allclose(model.predict([xs, cs]),
                               np.full((2, 10), 20.))
    h = layers.Input((5,))
    states = [h, h]
    out = with_states(x, initial_state=states, constants=c)
    model = models.Model([x, h, c], out)
    np.testing.assert_allclose(
        model.predict([xs, np.ones((2, 5), 'float32'), cs]),
        np.full((2, 10), 21.))
    with pytest.raises(ValueError, match='initial_state'):
        layers.Bidirectional(layers.LSTM(3))(x, initial_state=h)


def test_keras22_stateful_metric_layer_reports_its_running_value():
    class TruePositives(layers.Layer):
        def __init__(self, name='true_positives', **kwargs):
            super(TruePositives, self).__init__(name=name, **kwargs)
            self.stateful = True
            self.count = K.variable(0.)

        def reset_states(self):
            K.set_value(self.count, 0.)

        def __call__(self, y_true, y_pred):
            hits = K.sum(K.cast(K.equal(K.round(y_pred), y_true), 'float32')
                         * y_true)
            K.update_add(self.count, hits)
            return self.count * 1

    model = models.Sequential([layers.Dense(1, activation='sigmoid',
                                            input_dim=2)])
    model.compile('sgd', 'binary_crossentropy', metrics=[TruePositives()])
    x = np.random.RandomState(0).rand(40, 2).astype('float32')
    y = (x.sum(axis=1, keepdims=True) > 1).astype('float32')
    result = model.evaluate(x, y, batch_size=10, verbose=0)
    predictions = model.predict(x)
    assert result[1] == np.sum((np.round(predictions) == y) & (y == 1))


def test_relu_threshold_with_max_value_clips_as_tensorflow():
    x = np.array([-3., -1., 0.5, 2., 7.], 'float32')
    got = K.eval(K.relu(K.constant(x), alpha=0.1, max_value=5.,
                        threshold=-2.))
    thresholded = np.clip(x * (x > -2.), 0., 5.)
    expected = thresholded - 0.1 * np.maximum(-2. - x, 0.)
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_atrous_aliases_and_clip_norm():
    import torch
    with pytest.warns(UserWarning, match='deprecated'):
        conv = layers.AtrousConv1D(4, 3, atrous_rate=2)
    assert type(conv).__name__ == 'Conv1D' and conv.dilation_rate == (2,)
    g = torch.tensor([3., 4.])
    np.testing.assert_allclose(optimizers.clip_norm(g, 1., g.norm()),
                               [0.6, 0.8], rtol=1e-6)
    assert optimizers.clip_norm(g, 0., g.norm()) is g
