"""SavedModel directories TensorFlow's tf.keras wrote (`model.save(dir)`):
rebuilt from their Keras metadata (`keras_metadata.pb`, or saved_model.pb
for TensorFlow 2.0-2.4), with the weights of `variables/`, compiled as
saved with a new optimizer. The directories and the expected values come
from TensorFlow 2.21 + tf_keras 2.21
(tests/data/tf_keras_saved_models/make_saved_models.py)."""
import os
import shutil

import numpy as np
import pytest

import keras_compat as keras
from keras_compat import models
from keras_compat.backend import common

DATA = os.path.join(os.path.dirname(__file__), os.pardir, 'data',
                    'tf_keras_saved_models')
X = (np.arange(32, dtype='float32').reshape(8, 4) % 7) / 7.
Y = np.stack([X.sum(1) / 4, X[:, 0] - X[:, 3]], 1).astype('float32')
YB = (Y[:, :1] > 0.3).astype('float32')


@pytest.fixture(autouse=True)
def tf_keras_flavour():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


def close(value, expected):
    np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-6)


def directory(name, tmp_path):
    target = tmp_path / name
    shutil.copytree(os.path.join(DATA, name), target)
    return str(target)


def test_sequential_with_keras_metadata(tmp_path):
    model = models.load_model(directory('sequential', tmp_path))
    assert [layer.__class__.__name__ for layer in model.layers] == \
        ['Dense', 'BatchNormalization', 'Dense']
    close(model.predict(X[:2], verbose=0),
          [[0.37904995679855347, -0.11397497355937958],
           [0.393970251083374, -0.043711259961128235]])
    close(model.evaluate(X, Y, verbose=0),
          [0.11439907550811768, 0.28007274866104126])
    # tf.keras restores no optimizer state from a SavedModel: training
    # goes on with a new SGD(0.1, momentum=0.9) (two steps: iterations 2).
    model.fit(X, Y, epochs=1, batch_size=4, verbose=0, shuffle=False)
    close(model.predict(X[:2], verbose=0),
          [[0.37707191705703735, -0.09740598499774933],
           [0.39511775970458984, -0.014761433005332947]])
    assert int(keras.backend.get_value(model.optimizer.iterations)) == 2


def test_functional_with_metadata_in_the_graph_file(tmp_path):
    # TensorFlow 2.0-2.4 kept the Keras metadata in saved_model.pb.
    path = directory('functional_legacy', tmp_path)
    assert not os.path.exists(os.path.join(path, 'keras_metadata.pb'))
    model = models.load_model(path)
    assert model.name == 'two_heads' and \
        model.output_names == ['out_a', 'out_b']
    assert type(model.optimizer).__name__ == 'Adam'
    # tf_keras builds a loaded model's compiled metrics: names at once.
    assert model.metrics_names == ['loss', 'out_a_loss', 'out_b_loss',
                                   'out_b_accuracy']
    close(model.evaluate(X, [Y, YB], verbose=0),
          [0.48738813400268555, 0.19370126724243164, 0.5873737335205078,
           0.75])
    assert model.metrics_names == ['loss', 'out_a_loss', 'out_b_loss',
                                   'out_b_accuracy']
    outputs = models.load_model(path, compile=False).predict(X[:2],
                                                              verbose=0)
    close(outputs[0], [[0.3589801788330078, 0.3114583492279053],
                       [0.4423217177391052, 0.341837078332901]])
    close(outputs[1], [[0.6468411087989807], [0.6381398439407349]])


class Net(keras.Model):
    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.d1 = keras.layers.Dense(units, activation='relu')
        self.d2 = keras.layers.Dense(1)

    def call(self, x):
        return self.d2(self.d1(x))

    def get_config(self):
        return {'units': self.units, 'name': self.name}


def test_subclassed_model_needs_its_class(tmp_path):
    path = directory('subclassed', tmp_path)
    # Its weights were saved once, under `variables/<i>`; they reach the
    # layers through the checkpoint's object graph.
    model = models.load_model(path, custom_objects={'Net': Net})
    assert isinstance(model, Net) and model.units == 4
    close(model.predict(X[:2], verbose=0),
          [[0.2851005792617798], [0.29100748896598816]])
    with pytest.raises(NotImplementedError,
                       match=r"subclassed model \(Net\).*custom_objects="
                             r"\{'Net': Net\}"):
        models.load_model(path)


def test_weights_and_tf_saved_model_load_of_the_directory(tmp_path):
    from keras_compat import tensorflow_compat as tf
    path = directory('sequential', tmp_path)
    model = keras.Sequential([
        keras.layers.Dense(3, activation='relu', input_shape=(4,)),
        keras.layers.BatchNormalization(), keras.layers.Dense(2)])
    model.load_weights(os.path.join(path, 'variables', 'variables'))
    expected = [[0.37904995679855347, -0.11397497355937958],
                [0.393970251083374, -0.043711259961128235]]
    close(model.predict(X[:2], verbose=0), expected)
    loaded = tf.saved_model.load(path)
    close(keras.backend.get_value(loaded(X[:2])), expected)


def test_a_saved_model_without_keras_metadata_is_refused(tmp_path):
    path = directory('sequential', tmp_path)
    os.remove(os.path.join(path, 'keras_metadata.pb'))
    with pytest.raises(NotImplementedError,
                       match='holds no Keras model metadata'):
        models.load_model(path)


def test_metric_names_of_a_model_loaded_from_hdf5(tmp_path):
    # tf_keras 2.21: ['loss', 'accuracy'] after load_model; a compile()
    # of one's own lists them after the first batch only.
    model = keras.Sequential([keras.layers.Dense(3, activation='softmax',
                                                 input_shape=(4,))])
    model.compile('adam', 'sparse_categorical_crossentropy',
                  metrics=['accuracy'])
    assert model.metrics_names == []
    model.save(str(tmp_path / 'm.h5'))
    loaded = models.load_model(str(tmp_path / 'm.h5'))
    assert loaded.metrics_names == ['loss', 'accuracy']
    loaded.compile('sgd', 'mse')
    assert loaded.metrics_names == []


def test_a_slice_of_a_graph_tensor(tmp_path):
    # tf_keras writes the slice_spec as a '__tuple__' object in the
    # SavedModel metadata (a list in HDF5 files).
    model = models.load_model(directory('sliced', tmp_path), compile=False)
    x = np.random.RandomState(0).rand(2, 5, 4).astype('float32')
    assert model.output_shape == (None, 20)
    close(model.predict(x, verbose=0)[0, :5],
          [0.020976686850190163, -0.031845610588788986, 0.019638212397694588,
           -0.06789127737283707, 0.05400898680090904])
