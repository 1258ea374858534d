"""The zipped `.keras` format and `.weights.h5` files of tf_keras 2.13+ and
Keras 3: files written by tf_keras 2.21 and by Keras 3 (torch backend)
load and predict as their writer did (tests/data/keras_archive, written by
its make_files.py), with their compile arguments and optimizer state; the
archives written here have tf_keras's object paths and round-trip."""
import gzip
import importlib.util
import io
import json
import os
import shutil
import warnings
import zipfile

import h5py
import numpy as np
import pytest

import keras_compat as keras
from keras_compat import layers
from keras_compat.models import load_model

DATA = os.path.join(os.path.dirname(os.path.dirname(__file__)), 'data',
                    'keras_archive')
WRITERS = ('tf_keras', 'keras3')
_spec = importlib.util.spec_from_file_location(
    'make_files', os.path.join(DATA, 'make_files.py'))
make_files = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_files)
MODELS = make_files.MODELS


def extract(tmp_path, name):
    """A reference file, gunzipped into tmp_path."""
    target = str(tmp_path / name)
    with gzip.open(os.path.join(DATA, name + '.gz')) as f, \
            open(target, 'wb') as out:
        shutil.copyfileobj(f, out)
    return target


def expected(writer, name):
    arrays = np.load(os.path.join(DATA, writer + '.npz'))
    x = [arrays['%s/x%d' % (name, i)] for i in range(2)
         if '%s/x%d' % (name, i) in arrays]
    return {'x': x, 'inputs': x if len(x) > 1 else x[0],
            **{key.split('/')[1]: arrays[key] for key in arrays
               if key.startswith(name + '/')}}


def flat_weights(model):
    return np.concatenate([w.ravel() for w in model.get_weights()])


def datasets(h5):
    """{path: shape} of every dataset but the metrics' (tf_keras saves
    their totals, which nothing reads back)."""
    found = {}
    h5.visititems(lambda name, obj: found.__setitem__(name, obj.shape)
                  if isinstance(obj, h5py.Dataset) and
                  not name.startswith('metrics/') else None)
    return found


def archive_parts(path):
    with zipfile.ZipFile(path) as archive:
        h5 = h5py.File(io.BytesIO(archive.read('model.weights.h5')), 'r')
        return (json.loads(archive.read('metadata.json')),
                json.loads(archive.read('config.json')), h5)


@pytest.mark.parametrize('name', MODELS)
@pytest.mark.parametrize('writer', WRITERS)
def test_archives_load_and_predict_as_written(tmp_path, writer, name):
    path = extract(tmp_path, '%s_%s.keras' % (writer, name))
    ref = expected(writer, name)
    with warnings.catch_warnings():
        warnings.filterwarnings('error', '.*optimizer')
        model = load_model(path)
    np.testing.assert_allclose(make_files.predict(model, ref['x']),
                               ref['pred'], atol=1e-5)
    if 'loss' not in ref:
        assert model.optimizer is None      # saved uncompiled
        return
    loss = np.atleast_1d(model.evaluate(ref['inputs'], ref['y'],
                                        verbose=0))[0]
    assert loss == pytest.approx(float(ref['loss']), rel=1e-5)
    if 'trained' in ref:
        # One more step matches the writer's only from its optimizer state.
        model.train_on_batch(ref['inputs'], ref['y'])
        np.testing.assert_allclose(flat_weights(model), ref['trained'],
                                   atol=1e-5)


def test_compile_false_and_the_restored_compile_arguments(tmp_path):
    path = extract(tmp_path, 'keras3_mlp.keras')
    model = load_model(path)
    assert type(model.optimizer).__name__ == 'Adam'
    assert model.optimizer.get_config()['learning_rate'] == \
        pytest.approx(0.01)
    assert int(keras.backend.get_value(model.optimizer.iterations)) == 4
    assert model.metrics_names == ['loss', 'accuracy']
    assert load_model(path, compile=False).optimizer is None


@pytest.mark.parametrize('writer', WRITERS)
def test_weights_files_and_archives_load_weights(tmp_path, writer):
    for name in ('mlp', 'text'):
        ref = expected(writer, name)
        archive = extract(tmp_path, '%s_%s.keras' % (writer, name))
        source = load_model(archive, compile=False)
        for weights in (extract(tmp_path, '%s_%s.weights.h5'
                                % (writer, name)), archive):
            fresh = keras.models.model_from_json(source.to_json())
            fresh.load_weights(weights)
            np.testing.assert_allclose(make_files.predict(fresh, ref['x']),
                                       ref['pred'], atol=1e-5)
    with pytest.raises(NotImplementedError, match='by object path'):
        fresh.load_weights(weights.replace('.keras', '.weights.h5'),
                           by_name=True)


@pytest.mark.parametrize('name', MODELS)
def test_saved_archives_have_tf_keras_paths_and_round_trip(tmp_path, name):
    model, x, y = make_files.build(keras, name)
    path = str(tmp_path / 'model.keras')
    model.save(path)
    metadata, config, h5 = archive_parts(path)
    _, reference, ref_h5 = archive_parts(extract(
        tmp_path, 'tf_keras_%s.keras' % name))
    # The object paths (and optimizer variables) tf_keras 2.21 reads.
    assert datasets(h5) == datasets(ref_h5)
    assert name == 'nested' or h5['optimizer/vars/0'].dtype == np.int64
    assert metadata['keras_version'] == keras.__version__
    assert config['module'] == 'keras' and config['class_name'] == {
        'Sequential': 'Sequential', 'Functional': 'Model'}[
            reference['class_name']]
    if name != 'nested':
        optimizer = config['compile_config']['optimizer']
        assert optimizer['module'] == 'keras.optimizers'
        assert optimizer['config']['is_legacy_optimizer'] is False
        assert config['compile_config']['loss'] == \
            reference['compile_config']['loss']
    loaded = load_model(path)
    np.testing.assert_allclose(make_files.predict(loaded, x),
                               make_files.predict(model, x),
                               rtol=1e-6, atol=1e-7)
    if name not in ('mlp', 'nested'):
        # Training goes on as it would have (with Keras 2's update rules).
        assert loaded.optimizer.is_legacy_optimizer is None
        inputs = x if len(x) > 1 else x[0]
        model.train_on_batch(inputs, y)
        loaded.train_on_batch(inputs, y)
        np.testing.assert_allclose(flat_weights(loaded), flat_weights(model),
                                   rtol=1e-6, atol=1e-7)


def test_save_format_and_names_choose_the_file(tmp_path):
    model, x, _ = make_files.build(keras, 'conv')
    archive = str(tmp_path / 'a.keras')
    keras.models.save_model(model, archive)
    assert zipfile.is_zipfile(archive)
    as_h5 = str(tmp_path / 'b.keras')
    model.save(as_h5, save_format='h5')
    with h5py.File(as_h5, 'r') as f:
        assert 'model_config' in f.attrs
    plain = str(tmp_path / 'c.h5')
    model.save(plain)
    stream = io.BytesIO()
    model.save(stream, save_format='keras')
    for source in (as_h5, plain, stream):
        if source is stream:
            stream.seek(0)
        np.testing.assert_allclose(load_model(source).predict(x[0]),
                                   model.predict(x[0]), rtol=1e-6)
    # save_weights: the per-object layout for *.weights.h5 only.
    model.save_weights(str(tmp_path / 'w.weights.h5'))
    model.save_weights(str(tmp_path / 'w.h5'))
    with h5py.File(str(tmp_path / 'w.weights.h5'), 'r') as f:
        assert 'layer_names' not in f.attrs
        assert f['layers/conv2d/vars/0'].shape == (3, 3, 1, 2)
        assert len(f['optimizer/vars']) == 5
    with h5py.File(str(tmp_path / 'w.h5'), 'r') as f:
        assert 'layer_names' in f.attrs
    other, _, _ = make_files.build(keras, 'conv')
    other.load_weights(str(tmp_path / 'w.weights.h5'))
    np.testing.assert_allclose(other.predict(x[0]), model.predict(x[0]),
                               rtol=1e-6)
    np.testing.assert_array_equal(other.optimizer.get_weights()[1],
                                  model.optimizer.get_weights()[1])


class Blocks(layers.Layer):
    """A custom layer holding a list of layers, another layer and a weight
    of its own."""

    def __init__(self, **kwargs):
        super(Blocks, self).__init__(**kwargs)
        self.blocks = [layers.Dense(2), layers.Dense(3)]
        self.d = layers.Dense(1)

    def build(self, input_shape):
        self.scale = self.add_weight('scale', (1,), initializer='ones')
        super(Blocks, self).build(input_shape)

    def call(self, x):
        for block in self.blocks:
            x = block(x)
        return self.d(x) * self.scale


def test_a_custom_layer_has_tf_keras_paths_and_round_trips(tmp_path):
    inputs = layers.Input((4,))
    model = keras.Model(inputs, Blocks()(inputs))
    path = str(tmp_path / 'w.weights.h5')
    model.save_weights(path)
    with h5py.File(path, 'r') as f:
        # As tf_keras 2.21 writes this layer.
        assert datasets(f) == {
            'layers/blocks/blocks/dense/vars/0': (4, 2),
            'layers/blocks/blocks/dense/vars/1': (2,),
            'layers/blocks/blocks/dense_1/vars/0': (2, 3),
            'layers/blocks/blocks/dense_1/vars/1': (3,),
            'layers/blocks/d/vars/0': (3, 1),
            'layers/blocks/d/vars/1': (1,),
            'layers/blocks/vars/0': (1,)}
    other = keras.Model(inputs, Blocks()(inputs))
    other.load_weights(path)
    x = np.random.RandomState(0).rand(2, 4).astype('float32')
    np.testing.assert_allclose(other.predict(x), model.predict(x), rtol=1e-6)
    # The model of a custom layer, loaded with custom_objects.
    model.compile('adam', 'mse')
    model.fit(x, np.ones((2, 1)), verbose=0)
    model.save(str(tmp_path / 'm.keras'))
    loaded = load_model(str(tmp_path / 'm.keras'),
                        custom_objects={'Blocks': Blocks})
    assert isinstance(loaded.layers[1], Blocks)
    np.testing.assert_allclose(loaded.predict(x), model.predict(x),
                               rtol=1e-6)


class Subclassed(keras.Model):
    """A subclassed model with layers in attributes before and after
    'layers' in name order, in a list and in a private attribute."""

    def __init__(self, **kwargs):
        super(Subclassed, self).__init__(**kwargs)
        self.hidden = layers.Dense(4)
        self.out = layers.Dense(1)
        self.blocks = [layers.Dense(5), layers.Dense(6)]
        self._priv = layers.Dense(7)

    def call(self, x):
        x = self._priv(self.hidden(x))
        for block in self.blocks:
            x = block(x)
        return self.out(x)


def test_subclassed_model_paths_follow_each_writer(tmp_path):
    from keras_compat.saving import keras_archive
    model = Subclassed()
    model(np.ones((1, 3), 'float32'))
    # As tf_keras 2.21 and Keras 3.15 write this model's weights: tf_keras
    # visits attributes in reverse name order, Keras 3 in name order
    # (private ones last) and numbers the layers it reached before.
    kernels = {'tf.keras': {'out': (6, 1), 'layers/dense': (3, 4),
                            'layers/dense_1': (7, 5),
                            'layers/dense_2': (5, 6),
                            'layers/dense_3': (4, 7)},
               'keras3': {'blocks/dense': (7, 5), 'blocks/dense_1': (5, 6),
                          'hidden': (3, 4), 'layers/dense_1': (6, 1),
                          'layers/dense_4': (4, 7)}}
    for writer, expected_paths in kernels.items():
        assert {path: layer._records('all')[0].keras_shape for path, layer
                in keras_archive.object_paths(model, writer)
                if layer._records('all')} == expected_paths
    path = str(tmp_path / 'w.weights.h5')
    model.save_weights(path)
    other = Subclassed()
    other(np.ones((1, 3), 'float32'))
    other.load_weights(path)
    x = np.random.RandomState(0).rand(2, 3).astype('float32')
    np.testing.assert_allclose(other.predict(x), model.predict(x), rtol=1e-6)


def test_mismatches_and_unsupported_cases(tmp_path):
    model, x, _ = make_files.build(keras, 'two_inputs')
    path = str(tmp_path / 'w.weights.h5')
    model.save_weights(path)
    a, b = layers.Input((3,)), layers.Input((2,))
    h = layers.Concatenate()([layers.Dense(5)(a), b])
    wider = keras.Model([a, b], layers.Dense(1)(h))
    with pytest.raises(ValueError, match=r"layers/dense/vars"):
        wider.load_weights(path)
    with pytest.warns(UserWarning, match='Skipping loading of weights'):
        wider.load_weights(path, skip_mismatch=True)
    # Another optimizer's state: one warning, a fresh optimizer.
    same, _, _ = make_files.build(keras, 'two_inputs')
    same.compile(keras.optimizers.Adam(), 'mse')
    with pytest.warns(UserWarning, match='optimizer state') as record:
        same.load_weights(path)
    assert len(record) == 1
    np.testing.assert_allclose(same.predict(x), model.predict(x), rtol=1e-6)
    model.compile(keras.optimizers.SGD(0.1, decay=0.01), 'mse')
    with pytest.raises(NotImplementedError, match='InverseTimeDecay'):
        model.save(str(tmp_path / 'm.keras'))
    model.save(str(tmp_path / 'm.keras'), include_optimizer=False)
    assert load_model(str(tmp_path / 'm.keras')).optimizer is None
    not_archive = str(tmp_path / 'notes.keras')
    with zipfile.ZipFile(not_archive, 'w') as archive:
        archive.writestr('notes.txt', 'hello')
    with pytest.raises(ValueError, match='not a .keras model archive'):
        load_model(not_archive)
