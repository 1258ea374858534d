"""tf.keras's SavedModel directories (`model.save('dir')` in a tf.keras
program) and TensorFlow's `ram://` file system.

Expected listings, messages and numbers are tf_keras 2.21's (TensorFlow
2.21, run on the same models), less the protobuf files (saved_model.pb,
keras_metadata.pb, fingerprint.pb) that only TensorFlow writes."""
import os

import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat import callbacks, layers, models, tensorflow_compat as tf
from keras_compat.backend import common
from keras_compat.saving import saved_model_directory

X = np.ones((4, 3), 'float32')
Y = np.zeros((4, 2), 'float32')


@pytest.fixture
def tf_keras_flavour():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


def compiled_model():
    model = models.Sequential([layers.Dense(2, input_shape=(3,),
                                            kernel_initializer='ones')])
    model.compile('sgd', 'mse', metrics=['mae'])
    return model


def trained_model():
    model = compiled_model()
    model.fit(X, Y, verbose=0)
    return model


def listing(directory):
    found = []
    for root, dirs, files in os.walk(directory):
        for name in dirs:
            found.append(os.path.relpath(os.path.join(root, name),
                                         directory) + '/')
        for name in files:
            found.append(os.path.relpath(os.path.join(root, name),
                                         directory))
    return sorted(found)


def test_save_writes_a_directory_that_loads_back(tmp_path, tf_keras_flavour):
    model = trained_model()
    path = str(tmp_path / 'exported') + '/'
    model.save(path)
    # tf_keras: the same, plus saved_model.pb, keras_metadata.pb and
    # fingerprint.pb.
    assert listing(path) == ['assets/', 'keras_model.h5', 'variables/',
                             'variables/variables.data-00000-of-00001',
                             'variables/variables.index']
    loaded = models.load_model(path)
    assert type(loaded.optimizer).__name__ == 'SGD'
    # tf_keras: evaluate after one SGD step from all-ones kernels.
    np.testing.assert_allclose(loaded.evaluate(X, Y, verbose=0),
                               [8.2944, 2.88], rtol=1e-5)
    assert models.load_model(path, compile=False).optimizer is None


def test_weights_load_from_the_directory_and_its_variables(
        tmp_path, tf_keras_flavour):
    model = trained_model()
    path = str(tmp_path / 'm')
    model.save(path)
    for source in (path, os.path.join(path, 'variables', 'variables')):
        fresh = models.Sequential([layers.Dense(2, input_shape=(3,))])
        fresh.load_weights(source).assert_consumed()
        for got, want in zip(fresh.get_weights(), model.get_weights()):
            np.testing.assert_array_equal(got, want)


def test_formats_chosen_by_name_and_save_format(tmp_path, tf_keras_flavour):
    model = trained_model()
    model.save(str(tmp_path / 'a' / 'b' / 'c'))
    model.save(str(tmp_path / 'd'), save_format='tf')
    model.save(str(tmp_path / 'e.h5'), save_format='tf')
    assert os.path.isdir(tmp_path / 'a' / 'b' / 'c')
    assert os.path.isdir(tmp_path / 'd')
    assert os.path.isfile(tmp_path / 'e.h5')


def test_keras2_programs_keep_hdf5_files(tmp_path):
    model = trained_model()
    model.save(str(tmp_path / 'exported'))
    assert os.path.isfile(tmp_path / 'exported')
    assert models.load_model(str(tmp_path / 'exported')).built


def test_saving_again_writes_into_the_directory(tmp_path, tf_keras_flavour):
    model = trained_model()
    path = str(tmp_path / 'm')
    model.save(path)
    open(os.path.join(path, 'extra.txt'), 'w').close()
    model.layers[0].set_weights([np.full((3, 2), 2.0, 'float32'),
                                 np.zeros(2, 'float32')])
    model.save(path)
    assert os.path.exists(os.path.join(path, 'extra.txt'))   # as tf_keras
    np.testing.assert_array_equal(
        models.load_model(path).get_weights()[0], np.full((3, 2), 2.0))


def test_errors_for_bad_paths(tmp_path, tf_keras_flavour):
    model = trained_model()
    plain = tmp_path / 'plainfile'
    plain.write_text('x')
    with pytest.raises(tf.errors.FailedPreconditionError,
                       match='plainfile is not a directory'):
        model.save(str(plain))
    missing = str(tmp_path / 'nope')
    with pytest.raises(OSError, match='No file or directory found at '):
        models.load_model(missing)
    (tmp_path / 'empty').mkdir()
    with pytest.raises(OSError, match=r'SavedModel file does not exist at: '
                       r'.*empty/\{saved_model.pbtxt\|saved_model.pb\}'):
        models.load_model(str(tmp_path / 'empty'))
    with pytest.raises(tf.errors.NotFoundError,
                       match='Failed to find any matching files for'):
        model.load_weights(os.path.join(missing, 'variables', 'variables'))


def test_directory_tensorflow_wrote_names_the_alternative(tmp_path):
    (tmp_path / 'tf_model').mkdir()
    (tmp_path / 'tf_model' / 'saved_model.pb').write_bytes(b'')
    with pytest.raises(NotImplementedError, match='graphs need TensorFlow'):
        models.load_model(str(tmp_path / 'tf_model'))


def test_model_checkpoint_saves_a_directory_per_epoch(tmp_path,
                                                      tf_keras_flavour):
    model = compiled_model()
    pattern = str(tmp_path / 'ckpt' / 'model_{epoch:02d}')
    model.fit(X, Y, epochs=2, verbose=0,
              callbacks=[callbacks.ModelCheckpoint(pattern)])
    assert sorted(os.listdir(tmp_path / 'ckpt')) == ['model_01', 'model_02']
    assert os.path.isdir(tmp_path / 'ckpt' / 'model_01' / 'variables')
    # tf_keras: the kernel after two SGD steps from ones.
    np.testing.assert_allclose(
        models.load_model(pattern.format(epoch=2)).get_weights()[0],
        np.full((3, 2), 0.9412), rtol=1e-4)


def test_ram_file_system_in_gfile():
    gfile = tf.io.gfile
    with gfile.GFile('ram://notes/a.txt', 'w') as f:
        f.write('hi')
    assert gfile.GFile('ram://notes/a.txt').read() == 'hi'
    assert gfile.stat('ram://notes/a.txt').length == 2
    assert gfile.isdir('ram://notes') and not os.path.exists('ram://notes')
    assert gfile.glob('ram://notes/*') == ['ram://notes/a.txt']
    assert list(gfile.walk('ram://notes')) == [('ram://notes', [],
                                                ['a.txt'])]
    gfile.remove('ram://notes/a.txt')
    assert not gfile.exists('ram://notes/a.txt')
    with pytest.raises(tf.errors.NotFoundError, match='ram://nope'):
        gfile.GFile('ram://nope').read()


def test_models_save_and_load_on_the_ram_file_system(tf_keras_flavour):
    model = trained_model()
    model.save('ram://saved_model')
    # tf_keras's walk, less the protobuf files.
    assert [(root, sorted(dirs), sorted(files)) for root, dirs, files
            in tf.io.gfile.walk('ram://saved_model')] == [
        ('ram://saved_model', ['assets', 'variables'], ['keras_model.h5']),
        ('ram://saved_model/assets', [], []),
        ('ram://saved_model/variables', [],
         ['variables.data-00000-of-00001', 'variables.index'])]
    loaded = models.load_model('ram://saved_model')
    np.testing.assert_array_equal(loaded.predict(X, verbose=0),
                                  model.predict(X, verbose=0))
    model.save_weights('ram://weights/ckpt')
    assert sorted(tf.io.gfile.listdir('ram://weights')) == [
        'checkpoint', 'ckpt.data-00000-of-00001', 'ckpt.index']
    loaded.load_weights('ram://weights/ckpt')


def test_tf_saved_model_save_and_load_keras_models(tmp_path):
    model = trained_model()
    path = str(tmp_path / 'sm')
    saved_model_directory.save(model, path)
    assert saved_model_directory.contains_saved_model(path)
    loaded = saved_model_directory.load(path)
    np.testing.assert_array_equal(K.eval(loaded(X)),
                                  model.predict(X, verbose=0))
    with pytest.raises(NotImplementedError, match='serving signatures'):
        loaded.signatures['serving_default']
    with pytest.raises(NotImplementedError, match='signatures='):
        saved_model_directory.save(model, path, signatures={})


def test_model_packed_through_ram_as_scikeras_pickles_it(tf_keras_flavour):
    """scikeras 0.12's pickling: save to a ram:// directory, tar the files
    gfile.walk finds, write them back with GFile, then load_model and
    load_weights of that directory."""
    gfile = tf.io.gfile
    model = trained_model()
    model.save('ram://pack')
    packed = {}
    for root, _, files in gfile.walk('ram://pack'):
        for name in files:
            path = os.path.join(root, name)
            with gfile.GFile(path, 'rb') as f:
                packed[os.path.relpath(path, 'ram://pack')] = f.read(
                    f.size())
            gfile.remove(path)
    assert sorted(packed) == ['keras_model.h5',
                              'variables/variables.data-00000-of-00001',
                              'variables/variables.index']
    for name, data in packed.items():
        dest = os.path.join('ram://unpack', name)
        gfile.makedirs(os.path.dirname(dest))
        with gfile.GFile(dest, 'wb') as f:
            f.write(data)
    copy = models.load_model('ram://unpack')
    copy.load_weights('ram://unpack')
    np.testing.assert_array_equal(copy.predict(X, verbose=0),
                                  model.predict(X, verbose=0))
    np.testing.assert_array_equal(copy.optimizer.get_weights()[0],
                                  model.optimizer.get_weights()[0])
