"""Files written by tf_keras 2.21 (`model.save('x.h5')`, `model.to_json()`)
load and give tf_keras's numbers: a zoo of layers with non-default
arguments, nested and multi-input/output models, models compiled with
each optimizer and continued, several-output models compiled with
metrics and loss weights. The files and the expected values were made
with tests/data/tf_keras_zoo/make_files.py under tf_keras 2.21; the
expected numbers are tf_keras's, read from layers.npz / optimizers.npz
or written below."""
import gzip
import io
import json
import os
import warnings

import numpy as np
import pytest

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import layers
from keras_compat.saving import eras

DATA = os.path.join(os.path.dirname(__file__), '..', 'data', 'tf_keras_zoo')
LAYERS = np.load(os.path.join(DATA, 'layers.npz'))
OPTIMIZERS = np.load(os.path.join(DATA, 'optimizers.npz'))
LAYER_CASES = sorted({key.split('/')[0] for key in LAYERS.files})
OPTIMIZER_CASES = sorted({key.split('/')[0] for key in OPTIMIZERS.files
                          if '/' in key})


def _file(name):
    with gzip.open(os.path.join(DATA, name + '.h5.gz'), 'rb') as f:
        return io.BytesIO(f.read())


def _load(name, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return keras.models.load_model(_file(name), **kwargs)


def _arrays(case, prefix):
    keys = sorted((k for k in LAYERS.files
                   if k.startswith('%s/%s' % (case, prefix))),
                  key=lambda k: int(k.rsplit('/', 1)[1][1:]))
    return [LAYERS[k] for k in keys]


def _inputs(case, model):
    xs = _arrays(case, 'x')
    if case == 'nested_dict_io':
        return dict(zip(['x1', 'x2'], xs))
    return xs[0] if len(xs) == 1 else xs


def _outputs_as_list(outputs):
    if isinstance(outputs, dict):
        return [outputs[k] for k in sorted(outputs)]
    return outputs if isinstance(outputs, list) else [outputs]


def _assert_predicts(model, case):
    got = _outputs_as_list(model.predict(_inputs(case, model), verbose=0))
    want = _arrays(case, 'y')
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.asarray(g), w, atol=1e-5, rtol=1e-4)


@pytest.fixture
def script_globals(monkeypatch):
    """The names of the script that saved the Lambda layers' functions
    (`keras`), which Keras looks up in the config's module, __main__."""
    import sys
    monkeypatch.setattr(sys.modules['__main__'], 'keras', keras,
                        raising=False)


@pytest.mark.parametrize('case', LAYER_CASES)
def test_tf_keras_file_predicts_as_tf_keras(case, script_globals):
    _assert_predicts(_load(case), case)


def _to_json(case):
    with gzip.open(os.path.join(DATA, 'to_json.json.gz'), 'rb') as f:
        return json.loads(f.read().decode('utf8'))[case]


@pytest.mark.parametrize('case', ['conv2d', 'rnns', 'bidirectional_modes',
                                  'nested', 'mha', 'tf_ops', 'lambda',
                                  'preprocessing', 'lc_impl2', 'lc_impl3',
                                  'embedding_mask', 'frozen_nested'])
def test_to_json_then_load_weights_predicts_as_tf_keras(case,
                                                       script_globals):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        model = keras.models.model_from_json(_to_json(case))
    model.load_weights(_file(case))
    _assert_predicts(model, case)


@pytest.mark.parametrize('case', ['lc_impl2', 'lc_impl3'])
def test_locally_connected_implementations_2_and_3_load(case, caplog):
    # tf.keras's masked-dense (2) and sparse (3) kernels are rewritten in
    # implementation 1's layout, which computes the same outputs.
    with caplog.at_level('INFO', logger='keras_compat.saving'):
        model = _load(case)
    assert 'implementation=1' in caplog.text
    local = [l for l in model.layers if 'LocallyConnected' in
             type(l).__name__]
    # (output positions, kernel positions * channels, filters)
    assert [tuple(l.kernel.shape) for l in local] == [
        (2, 6, 3), (4, 12, 2), (3, 16, 2)]
    _assert_predicts(model, case)
    by_name = keras.models.model_from_json(_to_json(case))
    by_name.load_weights(_file(case), by_name=True)
    _assert_predicts(by_name, case)


def test_locally_connected_same_padding_is_refused_by_name():
    config = {'class_name': 'Sequential', 'keras_version': '2.21.0',
              'config': {'name': 's', 'layers': [
                  {'class_name': 'InputLayer', 'config': {
                      'batch_input_shape': [None, 5, 3], 'name': 'in'}},
                  {'class_name': 'LocallyConnected1D', 'config': {
                      'name': 'lc', 'filters': 2, 'kernel_size': [3],
                      'strides': [1], 'padding': 'same',
                      'implementation': 2}}]}}
    with pytest.raises(NotImplementedError, match="'lc'.*implementation=2 "
                                                  "with padding='same'"):
        keras.models.model_from_json(json.dumps(config))


@pytest.mark.parametrize('name', OPTIMIZER_CASES)
def test_optimizer_state_continues_training_as_tf_keras(name):
    model = _load('opt_' + name)
    x, y = OPTIMIZERS['x'], OPTIMIZERS['y']
    losses = [float(np.ravel(model.train_on_batch(x, y))[0])
              for _ in range(2)]
    want = OPTIMIZERS[name + '/losses']
    want = want[:, 0] if want.ndim == 2 else want
    np.testing.assert_allclose(losses, want, rtol=1e-5, atol=1e-6)
    # The predictions after the steps: the updated weights (and, with a
    # BatchNormalization layer, the moving statistics of tf.keras).
    if K.common.is_tf_keras():
        np.testing.assert_allclose(model.predict(x, verbose=0),
                                   OPTIMIZERS[name + '/pred'], atol=1e-5)


def test_optimizer_state_and_moving_statistics_in_a_tf_keras_program():
    keras.set_api_flavour('tf.keras')
    try:
        for name in ('adam_amsgrad', 'legacy_sgd', 'ftrl'):
            test_optimizer_state_continues_training_as_tf_keras(name)
    finally:
        keras.set_api_flavour('keras')


# ------------------------------------------- several-output compiled models
class Scale(layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super(Scale, self).__init__(**kwargs)
        self.factor = factor

    def build(self, shape):
        self.w = self.add_weight('w', shape=(shape[-1],), initializer='ones')

    def call(self, x):
        return x * self.w * self.factor

    def get_config(self):
        return dict(super(Scale, self).get_config(), factor=self.factor)


class Plain(layers.Layer):
    def __init__(self, units=3, **kwargs):
        super(Plain, self).__init__(**kwargs)
        self.units = units

    def build(self, shape):
        self.kernel = self.add_weight('kernel', shape=(shape[-1],
                                                       self.units))
        self.bias = self.add_weight('bias', shape=(self.units,),
                                    initializer='zeros')

    def call(self, x):
        return K.dot(x, self.kernel) + self.bias

    def get_config(self):
        return dict(super(Plain, self).get_config(), units=self.units)


def my_loss(y_true, y_pred):
    return K.mean(K.abs(y_true - y_pred) ** 1.5, axis=-1)


def my_metric(y_true, y_pred):
    return K.max(K.abs(y_true - y_pred), axis=-1)


def _compiled_data():
    rng = np.random.RandomState(0)
    x = [rng.normal(0, 1, (8, 4)).astype('float32'),
         rng.normal(0, 1, (8, 3)).astype('float32')]
    y = [rng.normal(0, 1, (8, 2)).astype('float32'),
         (rng.rand(8, 3) > 0.5).astype('float32'),
         np.eye(3)[rng.randint(0, 3, 8)].astype('float32')]
    return x, y


# tf_keras 2.21: the file reloaded, `evaluate(return_dict=True)`.
COMPILED = {
    'list_losses_weights': {
        'loss': 2.999834, 'reg_loss': 0.541232, 'bin_loss': 0.688419,
        'cls_loss': 1.057196, 'reg_mae': 0.588284, 'reg_accuracy': 0.625,
        'bin_mae': 0.484595, 'bin_accuracy': 0.25, 'cls_mae': 0.393096,
        'cls_accuracy': 0.625},
    'dict_losses_metrics': {
        'loss': 1.623932, 'reg_loss': 0.553945, 'bin_loss': 0.691613,
        'cls_loss': 1.09448, 'reg_my_metric': 0.932431,
        'reg_mse': 0.557624, 'reg_root_mean_squared_error': 0.746742,
        'reg_mae': 0.591128, 'bin_auc': 0.597902,
        'bin_precision': 0.526316, 'bin_binary_accuracy': 0.5,
        'bin_mae': 0.484583, 'cls_categorical_accuracy': 0.625,
        'cls_top_k_categorical_accuracy': 0.625, 'cls_mae': 0.393187},
}


def _saved_training_config(name):
    import h5py
    with h5py.File(_file('compiled_' + name), 'r') as f:
        return json.loads(f.attrs['training_config'])


@pytest.mark.parametrize('name', sorted(COMPILED))
def test_saved_metric_names_are_compiled_without_their_output_prefix(name):
    # tf.keras saves the metrics of output 'reg' as 'reg_mae', ... and
    # keeps those names on loading.
    config = eras.metrics_for_compile(_saved_training_config(name),
                                      ['reg', 'bin', 'cls'])
    names = [[m['config']['name'] for m in output]
             for output in config['metrics']]
    assert names[0][0] == ('mae' if name == 'list_losses_weights'
                           else 'my_metric')
    model = _load('compiled_' + name, compile=False,
                  custom_objects={'zoo>Scale': Scale, 'Plain': Plain,
                                  'my_loss': my_loss,
                                  'my_metric': my_metric})
    from keras_compat.saving import hdf5
    custom = {'my_loss': my_loss, 'my_metric': my_metric}
    report = eras.LoadReport()
    hdf5.compile_from_training_config(
        model, eras.normalize_training_config(config, report, custom),
        custom, report)
    x, y = _compiled_data()
    result = model.evaluate(x, y, verbose=0, return_dict=True)
    assert sorted(result) == sorted(COMPILED[name])
    for key, value in COMPILED[name].items():
        assert result[key] == pytest.approx(value, rel=1e-4, abs=1e-5), key


def test_single_output_metric_names_are_left_as_saved():
    config = {'metrics': [[{'class_name': 'MeanMetricWrapper',
                            'config': {'name': 'out_mae',
                                       'fn': 'mean_absolute_error'}}]]}
    assert eras.metrics_for_compile(config, ['out']) is config
