"""Keras 2 HDF5 model files: save/load round trips, optimizer state, files
written by tf.keras, custom objects and Lambda layers."""
import json
import os

import h5py
import numpy as np
import pytest

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import layers
from keras_compat.models import Sequential, Model, load_model

import small_classifier
from small_classifier import small_model


rng = np.random.RandomState(0)
DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), 'data')


def data(n=64):
    return small_classifier.data(n, rng)


def test_save_load_predict_identical(tmp_path):
    x, y = data()
    model = small_model()
    model.fit(x, y, epochs=2, verbose=0)
    path = str(tmp_path / 'model.h5')
    model.save(path)
    restored = load_model(path)
    np.testing.assert_array_equal(restored.predict(x), model.predict(x))
    assert restored.metrics_names == model.metrics_names
    assert type(restored.optimizer) is type(model.optimizer)
    with h5py.File(path, 'r') as f:
        config = json.loads(f.attrs['model_config'])
        assert config['class_name'] == 'Sequential'
        assert f.attrs['keras_version'] == b'2.3.1' or \
            f.attrs['keras_version'] == '2.3.1'
        names = [n.decode() if isinstance(n, bytes) else n
                 for n in f['model_weights/dense_1'].attrs['weight_names']]
        assert names == ['dense_1/kernel:0', 'dense_1/bias:0']
        assert f['model_weights/dense_1/dense_1/kernel:0'].shape == (4, 8)


def test_optimizer_state_survives_save_so_training_resumes(tmp_path):
    x, y = data()
    model = small_model()
    model.fit(x, y, epochs=2, batch_size=16, verbose=0, shuffle=False)
    path = str(tmp_path / 'model.h5')
    model.save(path)
    restored = load_model(path)
    model.fit(x, y, epochs=2, batch_size=16, verbose=0, shuffle=False)
    restored.fit(x, y, epochs=2, batch_size=16, verbose=0, shuffle=False)
    for a, b in zip(model.get_weights(), restored.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert int(K.get_value(restored.optimizer.iterations)) == 16


def test_save_weights_load_weights_by_name(tmp_path):
    model = small_model()
    path = str(tmp_path / 'w.h5')
    model.save_weights(path)
    other = Sequential([layers.Dense(8, activation='relu', input_dim=4,
                                     name='dense_1'),
                        layers.Dense(5, name='other')])
    other.load_weights(path, by_name=True, skip_mismatch=True)
    np.testing.assert_array_equal(other.layers[0].get_weights()[0],
                                  model.layers[0].get_weights()[0])
    with pytest.raises(ValueError):
        other.load_weights(path)


def test_loads_files_written_by_tf_keras():
    model = load_model(os.path.join(DATA, 'tf_keras_convnet.h5'))
    expected = np.load(os.path.join(DATA, 'tf_keras_convnet_expected.npz'))
    np.testing.assert_allclose(model.predict(expected['x']),
                               expected['pred'], atol=1e-5)
    loss, _ = model.evaluate(expected['x'], expected['y'], verbose=0)
    assert loss == pytest.approx(float(expected['loss']), rel=1e-5)
    momenta = model.optimizer.get_weights()[1:]
    assert momenta[0].shape == (3, 3, 2, 4) and np.abs(momenta[0]).sum() > 0
    rnn = load_model(os.path.join(DATA, 'tf_keras_rnn.h5'))
    expected = np.load(os.path.join(DATA, 'tf_keras_rnn_expected.npz'))
    np.testing.assert_allclose(rnn.predict(expected['x']), expected['pred'],
                               atol=1e-5)
    rebuilt = Model.from_config(rnn.get_config())
    rebuilt.load_weights(os.path.join(DATA, 'tf_keras_rnn_weights.h5'))
    np.testing.assert_allclose(rebuilt.predict(expected['x']),
                               expected['pred'], atol=1e-5)


def test_missing_truncated_and_foreign_files(tmp_path):
    with pytest.raises(IOError, match='no such file'):
        load_model(str(tmp_path / 'missing.h5'))
    model = small_model()
    path = str(tmp_path / 'model.h5')
    model.save(path)
    data_bytes = open(path, 'rb').read()
    truncated = str(tmp_path / 'truncated.h5')
    with open(truncated, 'wb') as f:
        f.write(data_bytes[:len(data_bytes) // 3])
    with pytest.raises(OSError, match='truncated or not an HDF5 file'):
        load_model(truncated)
    text = str(tmp_path / 'notes.h5')
    with open(text, 'w') as f:
        f.write('not a model')
    with pytest.raises(OSError, match='Keras HDF5'):
        load_model(text)
    foreign = str(tmp_path / 'foreign.h5')
    with h5py.File(foreign, 'w') as f:
        f.create_dataset('x', data=np.zeros(3))
    with pytest.raises(ValueError, match='No model found'):
        load_model(foreign)
    with pytest.raises(ValueError, match='no Keras weights'):
        model.load_weights(foreign)


def test_interrupted_save_leaves_previous_file_intact(tmp_path,
                                                      monkeypatch):
    model = small_model()
    path = str(tmp_path / 'model.h5')
    model.save(path)
    before = open(path, 'rb').read()
    from keras_compat.saving import hdf5

    def explode(group, layers):
        raise KeyboardInterrupt('killed mid-save')
    monkeypatch.setattr(hdf5, 'save_weights_to_hdf5_group', explode)
    with pytest.raises(KeyboardInterrupt):
        model.save(path)
    assert open(path, 'rb').read() == before
    assert os.listdir(tmp_path) == ['model.h5']
    load_model(path)


def test_custom_objects_round_trip(tmp_path):
    def my_loss(y_true, y_pred):
        return K.mean(K.square(y_pred - y_true), axis=-1)

    class Scale(layers.Layer):
        def __init__(self, factor=2., **kwargs):
            self.factor = factor
            super(Scale, self).__init__(**kwargs)

        def call(self, x):
            return x * self.factor

        def get_config(self):
            config = super(Scale, self).get_config()
            config['factor'] = self.factor
            return config
    model = Sequential([layers.Dense(2, input_dim=3), Scale(3.)])
    model.compile('adam', my_loss)
    path = str(tmp_path / 'custom.h5')
    model.save(path)
    with pytest.raises(ValueError, match='Unknown layer: Scale'):
        load_model(path)
    restored = load_model(path, custom_objects={'Scale': Scale,
                                                'my_loss': my_loss})
    x = rng.rand(4, 3)
    np.testing.assert_allclose(restored.predict(x), model.predict(x),
                               rtol=1e-6)
    assert restored.layers[1].factor == 3.


def test_lambda_layer_survives_json():
    model = Sequential([layers.Dense(2, input_dim=3),
                        layers.Lambda(lambda t: t * 2 + 1)])
    clone = keras.models.model_from_json(model.to_json())
    clone.set_weights(model.get_weights())
    x = rng.rand(3, 3)
    np.testing.assert_allclose(clone.predict(x), model.predict(x),
                               rtol=1e-6)


def test_save_and_load_through_binary_streams_and_h5py_groups():
    import io
    import h5py
    from keras_compat.models import load_model, save_model
    model = Sequential([layers.Dense(3, input_shape=(2,)), layers.Dense(1)])
    model.compile('sgd', 'mse')
    x = np.random.RandomState(0).rand(4, 2).astype('float32')
    stream = io.BytesIO()
    save_model(model, stream)
    stream.seek(0)
    np.testing.assert_allclose(load_model(stream).predict(x),
                               model.predict(x), rtol=1e-6)
    with h5py.File('in-memory', 'w', driver='core',
                   backing_store=False) as f:
        save_model(model, f)
        np.testing.assert_allclose(load_model(f).predict(x),
                                   model.predict(x), rtol=1e-6)


def test_overwrite_prompt_is_looked_up_on_engine_saving(tmp_path,
                                                        monkeypatch):
    from keras_compat.engine import saving
    from keras_compat.models import load_model, save_model
    model = Sequential([layers.Dense(2, input_shape=(3,))])
    path = str(tmp_path / 'model.h5')
    save_model(model, path)
    original = model.get_weights()
    model.set_weights([w + 1 for w in original])
    answers = []
    monkeypatch.setattr(saving, 'ask_to_proceed_with_overwrite',
                        lambda p: answers.append(p) or False)
    save_model(model, path, overwrite=False)
    assert answers == [path]
    np.testing.assert_allclose(load_model(path).get_weights()[0],
                               original[0])


def test_lambda_numpy_arguments_survive_saving(tmp_path):
    from keras_compat.layers import Input, Lambda
    from keras_compat.models import Model, load_model
    mean = np.random.RandomState(1).rand(2, 3).astype('float32')
    inputs = Input((2, 3))
    model = Model(inputs, Lambda(lambda x, mu: x - mu,
                                 arguments={'mu': mean})(inputs))
    config = model.layers[1].get_config()
    assert config['arguments']['mu']['type'] == 'ndarray'
    path = str(tmp_path / 'lambda.h5')
    model.save(path)
    loaded = load_model(path)
    assert isinstance(loaded.layers[1].arguments['mu'], np.ndarray)
    x = np.ones((1, 2, 3), 'float32')
    np.testing.assert_allclose(loaded.predict(x), x - mean, rtol=1e-6)


def test_stacked_cells_save_and_load(tmp_path):
    from keras_compat.layers import Input, RNN, LSTMCell
    inputs = Input((3, 2))
    model = Model(inputs, RNN([LSTMCell(2), LSTMCell(2)])(inputs))
    path = str(tmp_path / 'stacked.h5')
    model.save(path)
    with h5py.File(path, 'r') as f:
        group = f['model_weights'][model.layers[1].name]
        names = [n.decode('utf8') if isinstance(n, bytes) else n
                 for n in group.attrs['weight_names']]
    assert len(set(names)) == 6
    assert names[3].endswith('kernel_1:0')
    loaded = load_model(path)
    x = np.random.RandomState(0).rand(2, 3, 2)
    np.testing.assert_allclose(loaded.predict(x), model.predict(x),
                               rtol=1e-6)


def test_sequential_started_from_an_input_round_trips(tmp_path):
    # tf.keras's `Sequential([keras.Input(shape), ...])`: the InputLayer is
    # written first, as tf.keras writes it, so the loaded model is built.
    model = keras.Sequential([keras.Input(shape=(3,)),
                              keras.layers.Dense(2)])
    config = model.get_config()
    assert config['layers'][0]['class_name'] == 'InputLayer'
    assert tuple(config['layers'][0]['config']['batch_input_shape']) == \
        (None, 3)
    x = np.random.RandomState(0).rand(2, 3).astype('float32')
    path = str(tmp_path / 'model.h5')
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    with_shape = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
    assert [c['class_name'] for c in with_shape.get_config()['layers']] == \
        ['Dense']


def test_tf_keras_save_arguments(tmp_path):
    model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
    x = np.ones((1, 3), 'float32')
    path = str(tmp_path / 'saved_model')
    model.save(path, save_format='tf')
    np.testing.assert_array_equal(load_model(path).predict(x),
                                  model.predict(x))
    model.save_weights(str(tmp_path / 'ckpt'), save_format='tf')
    status = model.load_weights(str(tmp_path / 'ckpt'))
    status.assert_consumed().expect_partial()
    with pytest.raises(ValueError, match='save_format'):
        model.save(path, save_format='pb')
    with pytest.raises(NotImplementedError, match='signatures'):
        model.save(path, signatures={'serving_default': None})


class _Subclassed(keras.models.Model):
    """A subclassed model with its own config (tf.keras's saving guide)."""

    def __init__(self, units=3, **kwargs):
        super(_Subclassed, self).__init__(**kwargs)
        self.units = units
        self.hidden = keras.layers.Dense(units)
        self.out = keras.layers.Dense(1)

    def call(self, x):
        return self.out(self.hidden(x))

    def get_config(self):
        return {'units': self.units}


def test_a_subclassed_model_with_a_config_round_trips(tmp_path):
    model = _Subclassed(4)
    model.compile('sgd', 'mse')
    x = np.ones((2, 5), 'float32')
    model.fit(x, np.ones((2, 1)), verbose=0)
    path = str(tmp_path / 'model.keras')
    model.save(path)
    loaded = load_model(path, custom_objects={'_Subclassed': _Subclassed})
    assert type(loaded) is _Subclassed and loaded.units == 4
    np.testing.assert_allclose(loaded.predict(x), model.predict(x),
                               rtol=1e-6)
