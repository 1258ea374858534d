"""Standalone Keras 2's and tf.keras 2.x's defaults, served by the Keras
the program imports. Expected values are tf_keras 2.21's (and Keras
2.3's), or computed here from the documented formulas."""

import numpy as np
import pytest

import keras_compat as keras
from keras_compat.backend import common

from runner_process import run_source


@pytest.fixture
def tf_keras():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


def run_script(tmp_path, source):
    result = run_source(tmp_path, source, env={'KERAS_COMPAT_API': None})
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


NAMES_SCRIPT = '''
    {imports}
    i = keras.Input((4,))
    x = keras.layers.Dense(3)(i)
    y = keras.layers.Dense(3)(i)
    z = keras.layers.add([x, y])
    m = keras.Model(i, z)
    s = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
    g = keras.layers.GRU(2)
    print(*[l.name for l in m.layers], m.name, s.name, s.layers[0].name,
          g.name, g.reset_after)
'''


def test_a_tf_keras_program_gets_tf_keras_names(tmp_path):
    out = run_script(tmp_path, NAMES_SCRIPT.format(
        imports='from tensorflow import keras'))
    assert out == ['input_1', 'dense', 'dense_1', 'add', 'model',
                   'sequential', 'dense_2', 'gru', 'True']


def test_a_tf_keras_package_program_gets_tf_keras_names(tmp_path):
    out = run_script(tmp_path, NAMES_SCRIPT.format(
        imports='import tf_keras as keras'))
    assert out == ['input_1', 'dense', 'dense_1', 'add', 'model',
                   'sequential', 'dense_2', 'gru', 'True']


def test_a_keras_2_program_keeps_keras_2_names(tmp_path):
    out = run_script(tmp_path, NAMES_SCRIPT.format(imports='import keras'))
    assert out == ['input_1', 'dense_1', 'dense_2', 'add_1', 'model_1',
                   'sequential_1', 'dense_3', 'gru_1', 'False']


def test_reaching_tf_keras_through_the_tensorflow_module(tmp_path):
    out = run_script(tmp_path, '''
        import tensorflow as tf
        print(tf.keras.layers.Dense(1).name)
    ''')
    assert out == ['dense']


def test_unknown_flavour_is_refused():
    with pytest.raises(ValueError, match='tf.keras'):
        common.set_api_flavour('keras3')


def test_subclassed_model_names(tf_keras):
    class MyModel(keras.Model):
        def call(self, x):
            return x
    assert [MyModel().name, MyModel().name] == ['my_model', 'my_model_1']
    common.set_api_flavour('keras')
    assert MyModel().name == 'mymodel_1'


# ------------------------------------------------------------------ GRU
def test_gru_resets_after_the_recurrent_product_in_tf_keras(tf_keras):
    layer = keras.layers.GRU(2)
    layer.build((None, 3, 4))
    assert [tuple(w.shape) for w in layer.get_weights()] == \
        [(4, 6), (2, 6), (2, 6)]
    assert layer.get_config()['reset_after'] is True
    assert keras.layers.GRUCell(2).reset_after is True


def test_gru_config_without_reset_after_is_keras_2_0s(tf_keras):
    # (Keras 2.0 wrote no `reset_after`: its GRU reset before.)
    config = keras.layers.GRU(2).get_config()
    del config['reset_after']
    assert keras.layers.GRU.from_config(config).reset_after is False
    cell_config = keras.layers.GRUCell(2).get_config()
    del cell_config['reset_after']
    assert keras.layers.GRUCell.from_config(cell_config).reset_after is False


def test_gru_keeps_keras_2_default_outside_tf_keras():
    assert keras.layers.GRU(2).reset_after is False
    assert keras.layers.GRU(2, reset_after=True).reset_after is True


# ----------------------------------------------------------- optimizers
def test_optimizers_take_tf_keras_defaults(tf_keras):
    adagrad = keras.optimizers.Adagrad()
    assert adagrad.get_config()['learning_rate'] == pytest.approx(0.001)
    assert adagrad.initial_accumulator_value == pytest.approx(0.1)
    assert adagrad.is_legacy_optimizer is False
    for name in ('Adadelta', 'Adamax', 'Nadam'):
        opt = getattr(keras.optimizers, name)()
        assert opt.get_config()['learning_rate'] == pytest.approx(0.001)
    assert keras.optimizers.get('adadelta').get_config()[
        'learning_rate'] == pytest.approx(0.001)
    # Given values and Keras 2 spellings are kept.
    assert keras.optimizers.Adagrad(lr=0.5).get_config()[
        'learning_rate'] == pytest.approx(0.5)
    assert keras.optimizers.Adagrad(0.25).get_config()[
        'learning_rate'] == pytest.approx(0.25)


def test_keras_2_defaults_outside_tf_keras():
    assert keras.optimizers.Adadelta().get_config()[
        'learning_rate'] == pytest.approx(1.0)
    assert keras.optimizers.Adagrad().is_legacy_optimizer is None


def test_a_keras_2_optimizer_config_keeps_keras_2_rules(tf_keras):
    config = {'class_name': 'RMSprop',
              'config': {'lr': 0.001, 'rho': 0.9, 'epsilon': 1e-7,
                         'decay': 0.0}}
    assert keras.optimizers.deserialize(config).is_legacy_optimizer is None


def _three_steps(optimizer):
    x = np.array([[1., 2.], [3., -1.], [0.5, 0.5]], 'float32')
    y = np.array([[1.], [0.], [2.]], 'float32')
    model = keras.Sequential([keras.layers.Dense(
        1, input_shape=(2,), kernel_initializer='ones')])
    model.compile(optimizer, 'mse')
    for _ in range(3):
        model.train_on_batch(x, y)
    return np.concatenate([w.ravel() for w in model.get_weights()])


@pytest.mark.parametrize('name,expected', [
    # tf_keras 2.21, default arguments.
    ('Adagrad', [0.99772018, 0.99779183, -0.002263]),
    ('Adadelta', [0.99999571, 0.99999571, -4.3e-06]),
    ('Adamax', [0.99699998, 0.99700338, -0.0029982]),
    ('RMSprop', [0.99263781, 0.9926551, -0.0073531]),
])
def test_default_optimizers_train_as_tf_keras(tf_keras, name, expected):
    weights = _three_steps(getattr(keras.optimizers, name)())
    np.testing.assert_allclose(weights, expected, rtol=1e-5, atol=1e-7)


# ------------------------------------------------------------ callbacks
class _Recorder(keras.callbacks.Callback):
    def __init__(self):
        super(_Recorder, self).__init__()
        self.batches, self.tests, self.predicts, self.end = [], [], [], None

    def on_train_batch_end(self, batch, logs=None):
        self.batches.append(dict(logs))

    def on_test_batch_end(self, batch, logs=None):
        self.tests.append(dict(logs))

    def on_predict_batch_end(self, batch, logs=None):
        self.predicts.append(sorted(logs))

    def on_train_end(self, logs=None):
        self.end = dict(logs or {})


def _frozen_fit(recorder):
    """A model whose weights stay put (lr 0), so each batch's loss is
    known: the mean over its rows of (x . 1 - y)^2."""
    x = np.arange(10, dtype='float32').reshape(5, 2) / 10.
    y = np.zeros((5, 1), 'float32')
    model = keras.Sequential([keras.layers.Dense(
        1, input_shape=(2,), kernel_initializer='ones',
        bias_initializer='zeros')])
    model.compile(keras.optimizers.SGD(0.), 'mse')
    history = model.fit(x, y, batch_size=2, epochs=1, shuffle=False,
                        verbose=0, callbacks=[recorder])
    model.evaluate(x, y, batch_size=2, verbose=0, callbacks=[recorder])
    model.predict(x, batch_size=2, callbacks=[recorder])
    rows = (x.sum(axis=1) - y[:, 0]) ** 2
    return history, rows


def test_tf_keras_batch_logs_hold_running_means(tf_keras):
    recorder = _Recorder()
    history, rows = _frozen_fit(recorder)
    running = [rows[:2].mean(), rows[:4].mean(), rows.mean()]
    assert [sorted(b) for b in recorder.batches] == [['loss']] * 3
    np.testing.assert_allclose([b['loss'] for b in recorder.batches],
                               running, rtol=1e-6)
    np.testing.assert_allclose([b['loss'] for b in recorder.tests],
                               running, rtol=1e-6)
    assert recorder.predicts == [['outputs']] * 3
    assert history.params == {'verbose': 0, 'epochs': 1, 'steps': 3}
    assert recorder.end == pytest.approx({'loss': rows.mean()})


def test_keras_2_batch_logs_hold_each_batch(tmp_path):
    recorder = _Recorder()
    history, rows = _frozen_fit(recorder)
    np.testing.assert_allclose([b['loss'] for b in recorder.batches],
                               [rows[:2].mean(), rows[2:4].mean(), rows[4]],
                               rtol=1e-6)
    assert [(b['batch'], b['size']) for b in recorder.batches] == \
        [(0, 2), (1, 2), (2, 1)]
    # (Keras 2.3.1's predict batch logs hold 'size' too.)
    assert recorder.predicts == [['batch', 'outputs', 'size']] * 3
    assert history.params['samples'] == 5 and recorder.end == {}


# ------------------------------------------------------------ trainable
def _nested():
    inner = keras.Sequential([keras.layers.Dense(2, input_shape=(2,)),
                              keras.layers.Dense(2)], name='inner')
    return inner, keras.Sequential([inner, keras.layers.Dense(1)])


def test_freezing_a_model_freezes_its_layers_in_tf_keras(tf_keras):
    inner, outer = _nested()
    outer.trainable = False
    assert [l.trainable for l in inner.layers + outer.layers] == \
        [False] * 4
    assert outer.trainable_weights == []
    outer.trainable = True
    inner.layers[0].trainable = False
    assert [l.trainable for l in inner.layers + outer.layers] == \
        [False, True, True, True]
    assert len(outer.trainable_weights) == 4


def test_freezing_a_model_leaves_layer_flags_in_keras_2():
    inner, outer = _nested()
    outer.trainable = False
    assert [l.trainable for l in inner.layers] == [True, True]
    assert outer.trainable_weights == []


# ----------------------------------------------------- BatchNormalization
@pytest.mark.parametrize('shape,axis,unbiased', [
    ((6, 3), -1, False), ((6, 2, 3), -1, False), ((6, 2, 2, 3), -1, True),
    ((6, 3, 2, 2), 1, True), ((6, 2, 2, 2, 3), -1, True),
    ((6, 2, 2, 3), 2, False)])
def test_tf_keras_moving_variance_is_biased_unless_fused(
        tf_keras, shape, axis, unbiased):
    x = np.random.RandomState(0).rand(*shape).astype('float32')
    layer = keras.layers.BatchNormalization(axis=axis, momentum=0.)
    layer(x, training=True)
    reduced = tuple(i for i in range(len(shape)) if i != axis % len(shape))
    n = np.prod([shape[i] for i in reduced])
    expected = x.var(axis=reduced) * (n / (n - 1.) if unbiased else 1.)
    np.testing.assert_allclose(K_value(layer.moving_variance), expected,
                               rtol=1e-5)
    np.testing.assert_allclose(K_value(layer.moving_mean),
                               x.mean(axis=reduced), rtol=1e-5)


def test_unfused_tf_keras_batch_norm_is_biased(tf_keras):
    x = np.random.RandomState(0).rand(4, 2, 2, 3).astype('float32')
    layer = keras.layers.BatchNormalization(momentum=0., fused=False)
    layer(x, training=True)
    np.testing.assert_allclose(K_value(layer.moving_variance),
                               x.var(axis=(0, 1, 2)), rtol=1e-5)


def K_value(tensor):
    return keras.backend.get_value(tensor)


# ------------------------------------------------------- more tf.keras rules
def test_tf_keras_snake_case_keeps_digits_with_capitals(tf_keras):
    class VGG16(keras.layers.Layer):
        pass
    assert VGG16().name == 'vgg16'
    assert keras.layers.ConvLSTM2D(1, 1).name == 'conv_lstm2d'
    assert keras.layers.MaxPooling2D().name == 'max_pooling2d'
    common.set_api_flavour('keras')
    assert VGG16().name == 'vg_g16_1'


def test_tf_keras_recurrent_layers_name_their_cells_without_counting(
        tf_keras):
    layer = keras.layers.LSTM(1)
    assert layer.cell.name == 'lstm_cell'
    keras.layers.GRU(1)
    assert keras.layers.LSTMCell(1).name == 'lstm_cell'
    assert keras.layers.GRUCell(1).name == 'gru_cell'


def test_tf_keras_model_weights_go_layer_by_layer(tf_keras):
    model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,)),
                              keras.layers.BatchNormalization(),
                              keras.layers.Dense(4)])
    assert [w.name for w in model.weights] == [
        'dense/kernel:0', 'dense/bias:0', 'batch_normalization/gamma:0',
        'batch_normalization/beta:0', 'batch_normalization/moving_mean:0',
        'batch_normalization/moving_variance:0', 'dense_1/kernel:0',
        'dense_1/bias:0']
    assert [tuple(w.shape) for w in model.weights] == \
        [a.shape for a in model.get_weights()]


class _TestHooks(keras.callbacks.Callback):
    def __init__(self):
        super(_TestHooks, self).__init__()
        self.ends, self.params_seen = [], []

    def on_test_begin(self, logs=None):
        self.params_seen.append(dict(self.params))

    def on_test_end(self, logs=None):
        self.ends.append(sorted(logs or {}))


def _small_model():
    model = keras.Sequential([keras.layers.Dense(
        1, input_shape=(1,), kernel_initializer='ones')])
    model.compile('sgd', 'mse')
    return model


def test_tf_keras_validation_reports_its_logs(tf_keras):
    x = np.ones((4, 1), 'float32')
    hooks = _TestHooks()
    model = _small_model()
    model.fit(x, x, epochs=1, verbose=0, validation_data=(x, x),
              callbacks=[hooks])
    model.evaluate(x, x, verbose=0, callbacks=[hooks])
    assert hooks.ends == [['loss'], ['loss']]
    assert hooks.params_seen[1] == {'verbose': 0, 'epochs': 1, 'steps': 1}


def test_tf_keras_csv_logger_always_has_validation_columns(tf_keras,
                                                            tmp_path):
    x = np.ones((4, 1), 'float32')
    path = str(tmp_path / 'log.csv')
    _small_model().fit(x, x, epochs=1, verbose=0,
                       callbacks=[keras.callbacks.CSVLogger(path)])
    lines = open(path).read().splitlines()
    assert lines[0] == 'epoch,loss,val_loss'
    assert lines[1].endswith(',NA')


def test_tf_keras_infers_timestep_and_column_weights(tf_keras):
    x = np.arange(12, dtype='float32').reshape(2, 3, 2) / 10.
    y = np.zeros((2, 3, 1), 'float32')
    model = keras.Sequential([keras.layers.Dense(
        1, input_shape=(3, 2), kernel_initializer='ones')])
    model.compile('sgd', 'mse')
    weights = np.array([[1., 0., 2.], [0., 1., 1.]], 'float32')
    squared = x.sum(axis=-1) ** 2
    # tf.keras: sum of weighted per-timestep losses over their count.
    expected = (squared * weights).sum() / weights.size
    assert model.evaluate(x, y, sample_weight=weights, verbose=0) == \
        pytest.approx(expected, rel=1e-6)
    flat = keras.Sequential([keras.layers.Dense(
        1, input_shape=(2,), kernel_initializer='ones')])
    flat.compile('sgd', 'mse')
    column = np.array([[1.], [3.]], 'float32')
    rows = x[:, 0]
    expected = ((rows.sum(axis=1) ** 2) * column[:, 0]).mean()
    assert flat.evaluate(rows, y[:, 0], sample_weight=column, verbose=0) == \
        pytest.approx(expected, rel=1e-6)


def test_keras_2_asks_for_the_temporal_mode():
    x = np.ones((2, 3, 2), 'float32')
    model = keras.Sequential([keras.layers.Dense(1, input_shape=(3, 2))])
    model.compile('sgd', 'mse')
    with pytest.raises(ValueError, match='temporal'):
        model.evaluate(x, np.zeros((2, 3, 1)), verbose=0,
                       sample_weight=np.ones((2, 3)))


@pytest.mark.parametrize('split', [False, True])
def test_validation_batch_size(split):
    x = np.ones((10, 1), 'float32')
    seen = []
    record = keras.callbacks.LambdaCallback(
        on_test_batch_end=lambda batch, logs: seen.append(batch))
    validation = {'validation_split': 0.5} if split else \
        {'validation_data': (x, x)}
    _small_model().fit(x, x, batch_size=5, epochs=1, verbose=0,
                       validation_batch_size=3 if not split else 2,
                       callbacks=[record], **validation)
    assert seen == ([0, 1, 2] if split else [0, 1, 2, 3])


def _three_batches():
    x = np.arange(12, dtype='float32').reshape(12, 1) / 10.
    for i in range(3):
        yield x[i * 4:(i + 1) * 4], np.zeros((4, 1), 'float32')


def test_tf_keras_reads_a_finite_generator_until_exhausted(tf_keras):
    model = _small_model()
    model.compile(keras.optimizers.SGD(0.), 'mse')
    seen = []
    record = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append(batch))
    with pytest.warns(UserWarning, match='ran out of data'):
        history = model.fit(_three_batches(), epochs=2, verbose=0,
                            callbacks=[record])
    x = np.arange(12, dtype='float32') / 10.
    assert seen == [0, 1, 2]
    assert history.history['loss'] == [pytest.approx((x ** 2).mean())]
    assert model.evaluate(_three_batches(), verbose=0) == \
        pytest.approx((x ** 2).mean())
    assert model.predict(_three_batches(), verbose=0).shape == (12, 1)


def test_tf_keras_stops_when_data_runs_out(tf_keras):
    model = _small_model()
    with pytest.warns(UserWarning, match='ran out of data'):
        history = model.fit(_three_batches(), steps_per_epoch=2, epochs=3,
                            verbose=0)
    # The second epoch got one batch, the third none.
    assert len(history.history['loss']) == 2


def test_keras_2_needs_steps_for_a_generator():
    with pytest.raises(ValueError, match='steps_per_epoch=None'):
        _small_model().fit(_three_batches(), epochs=1, verbose=0)
    with pytest.raises(ValueError, match='ran out of data'):
        _small_model().fit(_three_batches(), steps_per_epoch=2, epochs=2,
                           verbose=0)


def test_tf_keras_scopes_cell_weights_under_the_cell(tf_keras):
    layers = keras.layers
    inputs = keras.Input((4, 3))
    x = layers.Bidirectional(layers.LSTM(2, return_sequences=True))(inputs)
    x = layers.RNN([layers.GRUCell(2), layers.SimpleRNNCell(2)])(x)
    names = [w.name for w in keras.Model(inputs, x).weights]
    # tf_keras 2.21's names.
    assert names[0] == 'bidirectional/forward_lstm/lstm_cell/kernel:0'
    assert names[3] == 'bidirectional/backward_lstm/lstm_cell/kernel:0'
    assert names[6] == 'rnn/stacked_rnn_cells/gru_cell/kernel:0'
    assert names[-1] == 'rnn/stacked_rnn_cells/simple_rnn_cell/bias:0'
    conv = keras.layers.ConvLSTM2D(1, 2)
    conv(keras.Input((2, 4, 4, 1)))
    assert conv.weights[0].name == 'conv_lstm2d/kernel:0'
    # Built by calling `build()`, unscoped (tf_keras 2.21).
    lstm = keras.layers.LSTM(2)
    lstm.build((None, 3, 2))
    assert lstm.weights[0].name == 'lstm_cell/kernel:0'
    conv = keras.layers.ConvLSTM2D(1, 2)
    conv.build((None, 2, 4, 4, 1))
    assert conv.weights[0].name == 'kernel:0'
    common.set_api_flavour('keras')
    assert keras.layers.LSTM(1, input_shape=(2, 1)).cell.name == \
        'lstm_cell_1'


class Block(keras.layers.Layer):
    def __init__(self, **kwargs):
        super(Block, self).__init__(**kwargs)
        self.dense = keras.layers.Dense(2)

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(1,), initializer='ones')

    def call(self, inputs):
        return self.dense(inputs) * self.scale


def test_tf_keras_scopes_a_custom_layers_sublayers(tf_keras):
    block = Block()
    block(np.ones((1, 3), 'float32'))
    # tf_keras 2.21's names.
    assert [w.name for w in block.weights] == [
        'block/Variable:0', 'block/dense/kernel:0', 'block/dense/bias:0']
    common.set_api_flavour('keras')
    keras.backend.clear_session()
    block = Block()
    block(np.ones((1, 3), 'float32'))
    # (Keras 2.3.1: an unnamed weight is TensorFlow's 'Variable', and the
    # sub-layer called in call is named in the layer's scope.)
    assert [w.name for w in block.weights] == [
        'block_1/Variable:0', 'block_1/dense_1/kernel:0',
        'block_1/dense_1/bias:0']


class BlockModel(keras.Model):
    def __init__(self):
        super(BlockModel, self).__init__()
        self.dense = keras.layers.Dense(2)
        self.block = Block()

    def call(self, inputs):
        return self.block(self.dense(inputs))


def test_tf_keras_scopes_a_subclassed_models_layers_when_called(tf_keras):
    # tf_keras 2.21: calling the model (eagerly or on a symbolic input)
    # names its layers' weights inside its scope; build() does not.
    model = BlockModel()
    model(np.ones((1, 3), 'float32'))
    assert [w.name for w in model.weights] == [
        'block_model/dense/kernel:0', 'block_model/dense/bias:0',
        'block_model/block/Variable:0', 'block_model/block/dense_1/kernel:0',
        'block_model/block/dense_1/bias:0']
    built = BlockModel()
    built.build((None, 3))
    assert [w.name for w in built.weights][:2] == [
        'dense_2/kernel:0', 'dense_2/bias:0']
    inputs = keras.Input((3,))
    keras.Model(inputs, BlockModel()(inputs))
    assert keras.Model(inputs, BlockModel()(inputs)).weights[0].name == \
        'block_model_3/dense_6/kernel:0'


class _BuildsOneDirectly(keras.layers.Layer):
    def __init__(self, **kwargs):
        super(_BuildsOneDirectly, self).__init__(**kwargs)
        self.built_here = keras.layers.Dense(2)
        self.called_here = keras.layers.Dense(2)

    def build(self, input_shape):
        self.built_here.build(input_shape)
        super(_BuildsOneDirectly, self).build(input_shape)

    def call(self, inputs):
        return self.built_here(inputs) + self.called_here(inputs)


class _DirectWrapper(keras.layers.Wrapper):
    def build(self, input_shape):
        self.layer.build(input_shape)
        super(_DirectWrapper, self).build(input_shape)

    def call(self, inputs):
        return self.layer(inputs)


def test_tf_keras_names_weights_of_layers_built_directly(tf_keras):
    # tf_keras 2.21: `build()` (or `adapt()`) called outside any layer's
    # call names the weights without the layer's scope; inside a custom
    # layer's build, with the custom layer's scope only.
    dense = keras.layers.Dense(2)
    dense.build((None, 3))
    assert [w.name for w in dense.weights] == ['kernel:0', 'bias:0']
    norm = keras.layers.Normalization()
    norm.adapt(np.ones((4, 3)))
    assert [w.name for w in norm.weights] == [
        'mean:0', 'variance:0', 'count:0']
    outer = _BuildsOneDirectly(name='outer')
    outer(keras.Input((3,)))
    assert [w.name for w in outer.weights] == [
        'outer/kernel:0', 'outer/bias:0', 'outer/dense_2/kernel:0',
        'outer/dense_2/bias:0']
    wrapper = _DirectWrapper(keras.layers.Dense(2), name='w')
    wrapper(keras.Input((3,)))
    assert [w.name for w in wrapper.weights] == ['w/kernel:0', 'w/bias:0']


def test_tf_keras_scopes_a_subclassed_models_layers_built_by_fit(tf_keras):
    model = BlockModel()
    model.compile('sgd', 'mse')
    model.fit(np.ones((2, 3)), np.ones((2, 2)), verbose=0)
    # tf_keras 2.21's names.
    assert [w.name for w in model.weights] == [
        'block_model/dense/kernel:0', 'block_model/dense/bias:0',
        'block_model/block/Variable:0', 'block_model/block/dense_1/kernel:0',
        'block_model/block/dense_1/bias:0']


class _FirstValues(keras.layers.Layer):
    """Records the first value of each training batch it sees."""

    def __init__(self, seen, **kwargs):
        super(_FirstValues, self).__init__(**kwargs)
        self.seen = seen

    def call(self, inputs):
        if keras.backend.learning_phase():
            self.seen.append(int(inputs[0, 0]))
        return inputs


class _ThreeBatches(keras.utils.Sequence):
    def __init__(self):
        self.x = np.arange(10, dtype='float32').reshape(10, 1)
        self.ends = 0

    def __len__(self):
        return 3

    def __getitem__(self, index):
        rows = self.x[index * 4:(index + 1) * 4]
        return rows, rows

    def on_epoch_end(self):
        self.ends += 1


def _first_values_of_fit(data, **kwargs):
    seen = []
    model = keras.Sequential([_FirstValues(seen, input_shape=(1,)),
                              keras.layers.Dense(1)])
    model.compile('sgd', 'mse')
    if isinstance(data, np.ndarray):
        model.fit(data, data, batch_size=4, **kwargs)
    else:
        model.fit(data, **kwargs)
    return seen


def test_steps_per_epoch_reads_data_as_tf_keras(tf_keras):
    x = np.arange(10, dtype='float32').reshape(10, 1)
    # tf_keras 2.21: arrays go on across epochs, a Sequence starts over.
    assert _first_values_of_fit(x, steps_per_epoch=2, epochs=3, verbose=0,
                                shuffle=False) == [0, 4, 8, 0, 4, 8]
    sequence = _ThreeBatches()
    assert _first_values_of_fit(sequence, steps_per_epoch=2, epochs=3,
                                verbose=0, shuffle=False) == \
        [0, 4, 0, 4, 0, 4]
    assert sequence.ends == 3


def test_steps_per_epoch_reads_data_as_keras_2():
    x = np.arange(10, dtype='float32').reshape(10, 1)
    # Keras 2.2.4 / 2.3.1's fit loop with steps_per_epoch on arrays: each
    # step trains on all of them (batch_size plays no part).
    assert _first_values_of_fit(x, steps_per_epoch=2, epochs=2, verbose=0,
                                shuffle=False) == [0, 0, 0, 0]
    assert _first_values_of_fit(_ThreeBatches(), steps_per_epoch=2,
                                epochs=3, verbose=0, shuffle=False) == \
        [0, 4, 8, 0, 4, 8]


def test_tf_keras_configs_of_initializers_regularizers_and_sequential(
        tf_keras):
    dense = keras.layers.Dense(1, kernel_regularizer='l2')
    config = dense.get_config()
    # tf_keras 2.21's entries (without its module wrapper keys).
    assert config['kernel_initializer'] == {'class_name': 'GlorotUniform',
                                            'config': {'seed': None}}
    assert config['kernel_regularizer']['class_name'] == 'L2'
    assert isinstance(dense.kernel_initializer,
                      keras.initializers.GlorotUniform)
    assert keras.regularizers.l1(l1=0.5).get_config() == {'l1': 0.5}
    model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
    layers = model.get_config()['layers']
    assert [entry['class_name'] for entry in layers] == \
        ['InputLayer', 'Dense']
    assert layers[0]['config']['batch_input_shape'] == (None, 3)
    rebuilt = keras.Sequential.from_config(model.get_config())
    assert rebuilt.count_params() == 8


def test_keras_2_configs_of_initializers_and_regularizers():
    config = keras.layers.Dense(1, kernel_regularizer='l2').get_config()
    assert config['kernel_initializer']['class_name'] == 'VarianceScaling'
    assert config['kernel_regularizer']['class_name'] == 'L1L2'
    assert keras.regularizers.l2(l2=0.5).get_config()['l2'] == 0.5


def test_tf_keras_calls_functional_models_functional(tf_keras):
    import json
    i = keras.Input((3,))
    inner = keras.Model(i, keras.layers.Dense(2)(i))
    j = keras.Input((3,))
    outer = keras.Model(j, inner(j))
    config = json.loads(outer.to_json())
    assert config['class_name'] == 'Functional'
    assert [entry['class_name'] for entry in config['config']['layers']] \
        == ['InputLayer', 'Functional']
    assert keras.models.model_from_json(outer.to_json()).count_params() == 8
    common.set_api_flavour('keras')
    assert json.loads(outer.to_json())['class_name'] == 'Model'


def test_tf_keras_lists_metric_names_once_a_batch_ran(tf_keras):
    model = _small_model()
    model.compile('sgd', 'mse', metrics=['mae'])
    assert model.metrics_names == []
    model.predict(np.ones((2, 1)), verbose=0)
    assert model.metrics_names == []
    model.evaluate(np.ones((2, 1)), np.ones((2, 1)), verbose=0)
    assert model.metrics_names == ['loss', 'mae']
    common.set_api_flavour('keras')
    other = _small_model()
    other.compile('sgd', 'mse', metrics=['mae'])
    assert other.metrics_names == ['loss', 'mae']


def test_tf_keras_progress_bar_shows_what_callbacks_logged(tf_keras,
                                                           capsys):
    x = np.ones((4, 1), 'float32')
    _small_model().fit(x, x, epochs=1, verbose=2,
                       callbacks=[keras.callbacks.ReduceLROnPlateau()])
    assert ' - lr: 0.0100' in capsys.readouterr().out


def test_predict_shows_progress_by_default_in_tf_keras(tf_keras, capsys):
    model = _small_model()
    model.predict(np.ones((4, 1)))
    assert '1/1 [' in capsys.readouterr().out
    model.fit(np.ones((4, 1)), np.ones((4, 1)), verbose='auto', epochs=2)
    # tf_keras 2.21 prints 'Epoch n/N' only for more than one epoch.
    assert 'Epoch 1/2' in capsys.readouterr().out
    model.fit(np.ones((4, 1)), np.ones((4, 1)), verbose='auto', epochs=1)
    out = capsys.readouterr().out
    assert '1/1 [' in out and 'Epoch' not in out
    common.set_api_flavour('keras')
    model.predict(np.ones((4, 1)))
    assert capsys.readouterr().out == ''


def test_tf_keras_input_layer_reports_its_shape_in_a_list(tf_keras):
    # tf_keras 2.21: [(None, 4)] for an InputLayer (a model's own
    # input_shape stays a tuple) and 'ragged' in its config.
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    layer = model.layers[0]
    assert layer.input_shape == [(None, 4)]
    assert layer.output_shape == [(None, 4)]
    assert model.input_shape == (None, 4)
    assert layer.get_config() == {'batch_input_shape': (None, 4),
                                  'dtype': 'float32', 'sparse': False,
                                  'ragged': False, 'name': layer.name}
    common.set_api_flavour('keras')
    assert layer.output_shape == (None, 4)     # Keras 2.2.4
    assert 'ragged' not in layer.get_config()


def test_tf_keras_get_uid_counts_apart_from_layer_names(tf_keras):
    # tf_keras 2.21: K.get_uid('dense') and the names of Dense layers use
    # separate counters; reset_uids() clears both.
    K = keras.backend
    assert keras.layers.Dense(2).name == 'dense'
    assert (K.get_uid('dense'), K.get_uid('dense')) == (1, 2)
    assert keras.layers.Dense(1).name == 'dense_1'
    K.reset_uids()
    assert (K.get_uid('dense'), keras.layers.Dense(1).name) == (1, 'dense')


def test_tf_keras_expressions_of_variables_are_eager_values(tf_keras):
    # TensorFlow 2: `y = v * 3` is computed once (tf_keras gives 3.0);
    # after disable_eager_execution it is a graph node, as in Keras 2.
    K = keras.backend
    v = K.variable(1.)
    y = v * 3.
    K.set_value(v, 2.)
    assert float(K.get_value(y)) == 3.
    K.common.set_executing_eagerly(False)
    try:
        y = v * 3.
        K.set_value(v, 4.)
        assert float(K.get_value(y)) == 12.
    finally:
        K.common.set_executing_eagerly(True)
    common.set_api_flavour('keras')
    y = v * 3.
    K.set_value(v, 5.)
    assert float(K.get_value(y)) == 15.


def test_tf_keras_refuses_an_eager_loss_added_to_a_model(tf_keras):
    inputs = keras.Input((2,))
    dense = keras.layers.Dense(1, kernel_initializer='ones')
    model = keras.Model(inputs, dense(inputs))
    with pytest.raises(ValueError, match='zero argument `lambda`'):
        model.add_loss(keras.backend.sum(dense.kernel ** 2))
    model.add_loss(lambda: keras.backend.sum(dense.kernel ** 2))
    model.compile(keras.optimizers.SGD(0.1), 'mse')
    history = model.fit(np.ones((4, 2), 'float32'),
                        np.zeros((4, 1), 'float32'), epochs=3, batch_size=4,
                        verbose=0)
    # tf_keras 2.21's losses.
    np.testing.assert_allclose(history.history['loss'], [6., 0.48, 0.1152],
                               rtol=1e-5)


class _RequiresTraining(keras.layers.Layer):
    """keras.io's TransformerBlock: `call(self, inputs, training)`."""

    def __init__(self, **kwargs):
        super(_RequiresTraining, self).__init__(**kwargs)
        self.dense = keras.layers.Dense(3)
        self.seen = []

    def call(self, inputs, training):
        self.seen.append(training)
        return self.dense(inputs)


def test_a_required_training_argument_is_filled_as_tf_keras_does(tf_keras):
    # tf.keras passes training=None when nothing decides the mode, so the
    # layer's sublayers are built with the functional model (their weights
    # exist before fit, for set_weights) and its output shape is call's.
    inputs = keras.Input((4,))
    layer = _RequiresTraining()
    outputs = layer(inputs)
    assert outputs.shape == (None, 3) and len(layer.weights) == 2
    model = keras.Model(inputs, outputs)
    assert len(model.get_weights()) == 2
    assert layer(np.ones((1, 4), 'float32')).shape == (1, 3)
    assert layer.seen[-1] is None
    model.compile('sgd', 'mse')
    model.fit(np.ones((2, 4)), np.ones((2, 3)), verbose=0)
    assert layer.seen[-1] is True


def test_tf_keras_latest_checkpoint_finds_saved_weights(tf_keras, tmp_path):
    # TensorFlow's "save and load" tutorial: ModelCheckpoint with
    # save_weights_only to 'dir/cp.ckpt', then tf.train.latest_checkpoint.
    from keras_compat import tensorflow_compat as tf
    path = str(tmp_path / 'training_1' / 'cp.ckpt')
    assert tf.train.latest_checkpoint(str(tmp_path / 'training_1')) is None
    model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
    model.compile('sgd', 'mse')
    checkpoint = keras.callbacks.ModelCheckpoint(path, save_weights_only=True)
    model.fit(np.ones((4, 3)), np.ones((4, 2)), epochs=2, verbose=0,
              callbacks=[checkpoint])
    latest = tf.train.latest_checkpoint(str(tmp_path / 'training_1'))
    assert latest == path
    restored = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
    restored.load_weights(latest)
    np.testing.assert_allclose(restored.get_weights()[0],
                               model.get_weights()[0])


class _OwnBias(keras.Model):
    def __init__(self):
        super(_OwnBias, self).__init__()
        self.dense = keras.layers.Dense(2, kernel_initializer='ones')

    def build(self, input_shape):
        self.b = self.add_weight(name='b', shape=(2,), initializer='zeros')
        super(_OwnBias, self).build(input_shape)

    def call(self, inputs):
        return self.dense(inputs) + self.b


def test_tf_keras_lists_a_models_own_weights_after_its_layers(tf_keras):
    # tf_keras 2.21: weights, trainable_weights and get_weights() give
    # [dense/kernel, dense/bias, b]; Keras 2 lists the model's own first.
    model = _OwnBias()
    model(np.ones((1, 3), 'float32'))
    for weights in (model.weights, model.trainable_weights):
        assert [w.name.split('/')[-1] for w in weights] == [
            'kernel:0', 'bias:0', 'b:0']
    assert [w.shape for w in model.get_weights()] == [(3, 2), (2,), (2,)]
    common.set_api_flavour('keras')
    model = _OwnBias()
    model(np.ones((1, 3), 'float32'))
    assert [w.name.split('/')[-1] for w in model.weights] == [
        'b:0', 'kernel:0', 'bias:0']
    assert [w.shape for w in model.get_weights()] == [(2,), (3, 2), (2,)]
