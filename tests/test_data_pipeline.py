"""Generators, Sequences, torch datasets, keras.datasets files and the
preprocessing utilities."""
import gzip
import json
import os
import pickle
import tarfile

import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat import layers
from keras_compat.models import Sequential
from keras_compat.preprocessing import sequence, text, image
from keras_compat.utils import Sequence

rng = np.random.RandomState(0)


def model_for(dim=4, classes=3):
    model = Sequential([layers.Dense(8, activation='relu', input_dim=dim),
                        layers.Dense(classes, activation='softmax')])
    model.compile('adam', 'categorical_crossentropy', metrics=['accuracy'])
    return model


class Batches(Sequence):
    def __init__(self, x, y, batch_size):
        self.x, self.y, self.batch_size = x, y, batch_size
        self.epochs_ended = 0

    def __len__(self):
        return int(np.ceil(len(self.x) / float(self.batch_size)))

    def __getitem__(self, idx):
        s = slice(idx * self.batch_size, (idx + 1) * self.batch_size)
        return self.x[s], self.y[s]

    def on_epoch_end(self):
        self.epochs_ended += 1


def arrays(n=64):
    x = rng.rand(n, 4).astype(np.float32)
    y = keras.utils.to_categorical(rng.randint(3, size=n), 3)
    return x, y


def test_fit_generator_with_python_generator():
    x, y = arrays()

    def gen():
        while True:
            for i in range(0, 64, 16):
                yield x[i:i + 16], y[i:i + 16]
    model = model_for()
    history = model.fit_generator(gen(), steps_per_epoch=4, epochs=2,
                                  verbose=0, validation_data=gen(),
                                  validation_steps=2)
    assert set(history.history) == {'loss', 'accuracy', 'val_loss',
                                    'val_accuracy'}
    loss = model.evaluate_generator(gen(), steps=4)
    assert loss[0] == pytest.approx(model.evaluate(x, y, verbose=0)[0],
                                    rel=1e-5)
    preds = model.predict_generator((x[i:i + 16] for i in range(0, 64, 16)),
                                    steps=4)
    np.testing.assert_allclose(preds, model.predict(x), rtol=1e-5,
                               atol=1e-6)


def test_fit_accepts_sequence_with_workers():
    x, y = arrays()
    seq = Batches(x, y, 16)
    model = model_for()
    model.fit(seq, epochs=2, verbose=0, workers=2)
    assert seq.epochs_ended >= 1
    history = model.fit_generator(Batches(x, y, 16), epochs=1, verbose=0,
                                  workers=2, use_multiprocessing=True)
    assert len(history.history['loss']) == 1
    assert model.evaluate(Batches(x, y, 32), verbose=0)[0] == \
        pytest.approx(model.evaluate(x, y, verbose=0)[0], rel=1e-5)


def test_generator_without_steps_is_an_error():
    model = model_for()
    with pytest.raises(ValueError, match='steps_per_epoch'):
        model.fit_generator((arrays(16) for _ in range(3)), epochs=1,
                            verbose=0)


def test_keras1_generator_arguments():
    x, y = arrays()

    def gen():
        while True:
            yield x[:16], y[:16]
    model = model_for()
    with pytest.warns(UserWarning):
        history = model.fit_generator(gen(), samples_per_epoch=3,
                                      nb_epoch=2, verbose=0)
    assert len(history.history['loss']) == 2


def test_torch_dataloader_and_dataset():
    x, y = arrays()
    dataset = torch.utils.data.TensorDataset(torch.tensor(x),
                                             torch.tensor(y))
    model = model_for()
    model.fit(torch.utils.data.DataLoader(dataset, batch_size=16), epochs=1,
              verbose=0)
    history = model.fit(dataset, batch_size=32, epochs=2, verbose=0)
    assert len(history.history['loss']) == 2


def test_generator_deferred_build():
    x, y = arrays()
    model = Sequential([layers.Dense(5), layers.Dense(3,
                                                      activation='softmax')])
    model.compile('sgd', 'categorical_crossentropy')

    def gen():
        while True:
            yield x[:8], y[:8]
    model.fit_generator(gen(), steps_per_epoch=2, epochs=1, verbose=0)
    assert model.built and model.input_shape == (None, 4)


# ---------------------------------------------------------------- datasets
@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv('KERAS_HOME', str(tmp_path))
    (tmp_path / 'datasets').mkdir()
    return tmp_path / 'datasets'


def test_mnist_from_cache(keras_home):
    np.savez(str(keras_home / 'mnist.npz'),
             x_train=rng.randint(0, 255, (6, 28, 28)).astype(np.uint8),
             y_train=np.arange(6, dtype=np.uint8),
             x_test=rng.randint(0, 255, (2, 28, 28)).astype(np.uint8),
             y_test=np.arange(2, dtype=np.uint8))
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    assert x_train.shape == (6, 28, 28) and x_train.dtype == np.uint8
    assert y_test.tolist() == [0, 1]


def test_fashion_mnist_idx_files(keras_home):
    folder = keras_home / 'fashion-mnist'
    folder.mkdir()
    for prefix, n in (('train', 5), ('t10k', 3)):
        with gzip.open(str(folder / ('%s-labels-idx1-ubyte.gz' % prefix)),
                       'wb') as f:
            f.write(b'\x00' * 8 + bytes(range(n)))
        with gzip.open(str(folder / ('%s-images-idx3-ubyte.gz' % prefix)),
                       'wb') as f:
            f.write(b'\x00' * 16 + bytes(n * 28 * 28))
    (x_train, y_train), (x_test, y_test) = \
        keras.datasets.fashion_mnist.load_data()
    assert x_train.shape == (5, 28, 28) and y_test.tolist() == [0, 1, 2]


def _cifar_batch(path, n, label_key='labels'):
    with open(path, 'wb') as f:
        pickle.dump({b'data': rng.randint(0, 255, (n, 3072)).astype(
            np.uint8), label_key.encode(): list(range(n))}, f)


def test_cifar10_from_extracted_batches(keras_home):
    folder = keras_home / 'cifar-10-batches-py'
    folder.mkdir()
    for i in range(1, 6):
        _cifar_batch(str(folder / ('data_batch_%d' % i)), 2)
    _cifar_batch(str(folder / 'test_batch'), 3)
    (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
    assert x_train.shape == (10, 32, 32, 3) and y_train.shape == (10, 1)
    assert x_test.shape == (3, 32, 32, 3)


def test_cifar100_from_tarball(keras_home, tmp_path):
    src = tmp_path / 'src' / 'cifar-100-python'
    src.mkdir(parents=True)
    for name, n in (('train', 4), ('test', 2)):
        with open(str(src / name), 'wb') as f:
            pickle.dump({b'data': np.zeros((n, 3072), np.uint8),
                         b'fine_labels': list(range(n)),
                         b'coarse_labels': [0] * n}, f)
    with tarfile.open(str(keras_home / 'cifar-100-python.tar.gz'),
                      'w:gz') as tar:
        tar.add(str(src), arcname='cifar-100-python')
    (x, y), (xt, yt) = keras.datasets.cifar100.load_data(label_mode='coarse')
    assert x.shape == (4, 32, 32, 3) and y.ravel().tolist() == [0] * 4


def test_imdb_and_reuters_conventions(keras_home):
    train = [[5, 6, 7], [8, 9, 10, 11, 12], [4]]
    test = [[13, 14], [15]]
    np.savez(str(keras_home / 'imdb.npz'),
             x_train=np.array(train, dtype=object), y_train=np.array([1, 0,
                                                                      1]),
             x_test=np.array(test, dtype=object), y_test=np.array([0, 1]))
    (x_train, y_train), (x_test, y_test) = keras.datasets.imdb.load_data(
        num_words=12, maxlen=5)
    for seq in list(x_train) + list(x_test):
        assert seq[0] == 1
        assert all(w == 2 or 3 <= w < 12 for w in seq[1:])
        assert len(seq) < 5
    assert len(x_train) == 2 and len(x_test) == 2
    with open(str(keras_home / 'imdb_word_index.json'), 'w') as f:
        json.dump({'the': 1, 'movie': 2}, f)
    assert keras.datasets.imdb.get_word_index()['movie'] == 2
    np.savez(str(keras_home / 'reuters.npz'),
             x=np.array([[1, 2]] * 10, dtype=object), y=np.arange(10))
    (x_train, y_train), (x_test, y_test) = keras.datasets.reuters.load_data(
        test_split=0.2)
    assert len(x_train) == 8 and len(x_test) == 2
    # Keras makes the largest index out-of-vocabulary when num_words=None.
    assert list(x_train[0]) == [1, 4, 2]


def test_boston_housing(keras_home):
    np.savez(str(keras_home / 'boston_housing.npz'),
             x=rng.rand(10, 13), y=rng.rand(10))
    (x_train, y_train), (x_test, y_test) = \
        keras.datasets.boston_housing.load_data()
    assert x_train.shape == (8, 13) and x_test.shape == (2, 13)


def test_get_file_extract_and_hash(tmp_path):
    src = tmp_path / 'payload.txt'
    src.write_text('hello')
    archive = tmp_path / 'archive.tar.gz'
    with tarfile.open(str(archive), 'w:gz') as tar:
        tar.add(str(src), arcname='payload.txt')
    import hashlib
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    path = keras.utils.get_file('archive.tar.gz',
                                origin='file://' + str(archive),
                                file_hash=digest, extract=True,
                                cache_dir=str(tmp_path / 'cache'))
    assert os.path.exists(path)
    assert (tmp_path / 'cache' / 'datasets' / 'payload.txt').read_text() == \
        'hello'


# ----------------------------------------------------------- preprocessing
def test_pad_sequences():
    seqs = [[1], [2, 3], [4, 5, 6]]
    np.testing.assert_array_equal(sequence.pad_sequences(seqs),
                                  [[0, 0, 1], [0, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(
        sequence.pad_sequences(seqs, maxlen=2, padding='post',
                               truncating='post', value=-1),
        [[1, -1], [2, 3], [4, 5]])
    assert sequence.pad_sequences(seqs, dtype='float32').dtype == np.float32
    with pytest.raises(ValueError, match='Padding type'):
        sequence.pad_sequences(seqs, padding='middle')


def test_skipgrams_and_sampling_table():
    couples, labels = sequence.skipgrams([1, 2, 3, 0, 4], vocabulary_size=5,
                                         window_size=1, seed=3)
    positives = {tuple(c) for c, l in zip(couples, labels) if l == 1}
    assert positives == {(1, 2), (2, 1), (2, 3), (3, 2)}
    assert labels.count(0) == labels.count(1)
    table = sequence.make_sampling_table(10)
    assert table.shape == (10,) and np.all(table <= 1)


def test_timeseries_generator():
    data = np.arange(50).reshape(50, 1)
    gen = sequence.TimeseriesGenerator(data, data, length=10,
                                       sampling_rate=2, batch_size=2)
    assert len(gen) == 20
    x, y = gen[0]
    np.testing.assert_array_equal(x[0, :, 0], [0, 2, 4, 6, 8])
    assert y.ravel().tolist() == [10, 11]


def test_tokenizer():
    texts = ['The cat sat on the mat.', 'The dog ate my homework!']
    tok = text.Tokenizer(num_words=5, oov_token='<unk>')
    tok.fit_on_texts(texts)
    assert tok.word_index['<unk>'] == 1 and tok.word_index['the'] == 2
    seqs = tok.texts_to_sequences(['the cat ate the unicorn'])
    assert seqs == [[2, 3, 1, 2, 1]]
    matrix = tok.texts_to_matrix(texts, mode='count')
    assert matrix.shape == (2, 5) and matrix[0, 2] == 2
    clone = text.tokenizer_from_json(tok.to_json())
    assert clone.texts_to_sequences(['the cat']) == tok.texts_to_sequences(
        ['the cat'])
    assert text.text_to_word_sequence('Hello, World!') == ['hello', 'world']
    assert all(1 <= i < 10 for i in text.one_hot('a b c d', 10))
    hashed = text.hashing_trick('a b a', 100, hash_function='md5')
    assert hashed[0] == hashed[2]


def test_image_data_generator_flow_and_fit():
    x = rng.rand(10, 8, 8, 3).astype(np.float32)
    y = np.arange(10)
    gen = image.ImageDataGenerator(featurewise_center=True,
                                   featurewise_std_normalization=True,
                                   horizontal_flip=True, rotation_range=10,
                                   width_shift_range=0.1, zoom_range=0.1)
    gen.fit(x)
    np.testing.assert_allclose(gen.mean.ravel(), x.mean(axis=(0, 1, 2)),
                               rtol=1e-5)
    batch_x, batch_y = next(gen.flow(x, y, batch_size=4, shuffle=False))
    assert batch_x.shape == (4, 8, 8, 3) and batch_y.tolist() == [0, 1, 2, 3]
    flipper = image.ImageDataGenerator(horizontal_flip=True)
    params = {'flip_horizontal': True}
    np.testing.assert_array_equal(flipper.apply_transform(x[0], params),
                                  x[0][:, ::-1])
    shifter = image.ImageDataGenerator()
    shifted = shifter.apply_transform(x[0], {'tx': 1, 'ty': 0})
    np.testing.assert_allclose(shifted[:-1], x[0][1:], rtol=1e-5)
    model = Sequential([layers.Flatten(input_shape=(8, 8, 3)),
                        layers.Dense(10, activation='softmax')])
    model.compile('sgd', 'sparse_categorical_crossentropy')
    model.fit_generator(gen.flow(x, y, batch_size=5), steps_per_epoch=2,
                        epochs=1, verbose=0)


def test_flow_from_directory_and_image_files(tmp_path):
    pytest.importorskip('PIL')
    for cls in ('cats', 'dogs'):
        folder = tmp_path / cls
        folder.mkdir()
        for i in range(3):
            arr = rng.randint(0, 255, (12, 10, 3)).astype(np.uint8)
            image.save_img(str(folder / ('%d.png' % i)), arr, scale=False)
    img = image.load_img(str(tmp_path / 'cats' / '0.png'), target_size=(6, 5))
    arr = image.img_to_array(img)
    assert arr.shape == (6, 5, 3)
    gen = image.ImageDataGenerator(rescale=1. / 255)
    it = gen.flow_from_directory(str(tmp_path), target_size=(6, 5),
                                 batch_size=4, class_mode='binary',
                                 shuffle=False)
    assert it.class_indices == {'cats': 0, 'dogs': 1}
    bx, by = next(it)
    assert bx.shape == (4, 6, 5, 3) and bx.max() <= 1.
    assert by.tolist() == [0, 0, 0, 1]


def test_flow_from_dataframe_class_modes_weights_and_subsets(tmp_path):
    pytest.importorskip('PIL')
    pandas = pytest.importorskip('pandas')
    names = []
    for i in range(6):
        arr = np.full((8, 8, 3), 40 * i, dtype=np.uint8)
        name = 'img%d.png' % i
        image.save_img(str(tmp_path / name), arr, scale=False)
        names.append(name)
    frame = pandas.DataFrame({
        'filename': names + ['missing.png'],
        'class': ['cat', 'dog', 'cat', 'dog', 'cat', 'bird', 'cat'],
        'tags': [['a'], ['a', 'b'], ['b'], [], ['a'], ['b'], ['a']],
        'value': np.arange(7, dtype='float32'),
        'weight': np.arange(7, dtype='float32') + 1})
    gen = image.ImageDataGenerator(rescale=1. / 255, validation_split=0.5)
    with pytest.warns(UserWarning, match='1 invalid image filename'):
        it = gen.flow_from_dataframe(frame, str(tmp_path),
                                     target_size=(4, 4), batch_size=6,
                                     shuffle=False, weight_col='weight')
    assert it.class_indices == {'bird': 0, 'cat': 1, 'dog': 2}
    bx, by, bw = next(it)
    assert bx.shape == (6, 4, 4, 3)
    np.testing.assert_allclose(bx[:, 0, 0, 0], np.arange(6) * 40 / 255.,
                               rtol=1e-6)
    assert by.argmax(1).tolist() == [1, 2, 1, 2, 1, 0]
    assert bw.tolist() == [1, 2, 3, 4, 5, 6]
    raw = gen.flow_from_dataframe(frame, str(tmp_path), y_col='value',
                                  class_mode='raw', target_size=(4, 4),
                                  shuffle=False, batch_size=6)
    assert next(raw)[1].tolist() == [0, 1, 2, 3, 4, 5]
    multi = gen.flow_from_dataframe(frame, str(tmp_path), y_col='tags',
                                    target_size=(4, 4), shuffle=False,
                                    batch_size=6)
    labels = next(multi)[1]
    assert multi.class_indices == {'a': 0, 'b': 1}
    # Several labels per image; a row with none has an all-zero target.
    assert labels.tolist() == [[1, 0], [1, 1], [0, 1], [0, 0], [1, 0],
                               [0, 1]]
    half = gen.flow_from_dataframe(frame, str(tmp_path), target_size=(4, 4),
                                   subset='validation', shuffle=False,
                                   class_mode='sparse', batch_size=6)
    assert half.samples == 3 and next(half)[1].tolist() == [1, 2, 1]
    with pytest.raises(ValueError, match='2 classes'):
        gen.flow_from_dataframe(frame, str(tmp_path), class_mode='binary')


def test_hdf5_matrix(tmp_path):
    import h5py
    path = str(tmp_path / 'data.h5')
    with h5py.File(path, 'w') as f:
        f.create_dataset('x', data=np.arange(20).reshape(10, 2))
    matrix = keras.utils.HDF5Matrix(path, 'x', start=2, end=8)
    assert matrix.shape == (6, 2) and len(matrix) == 6
    np.testing.assert_array_equal(matrix[0:2], [[4, 5], [6, 7]])


def test_scikit_learn_wrappers():
    sklearn = pytest.importorskip('sklearn')
    from sklearn.model_selection import cross_val_score, GridSearchCV
    from keras_compat.wrappers.scikit_learn import (KerasClassifier,
                                                    KerasRegressor)
    x = rng.rand(60, 4)
    y = (x[:, 0] > 0.5).astype(int)

    def build(hidden=8):
        model = Sequential([layers.Dense(hidden, activation='relu',
                                         input_dim=4),
                            layers.Dense(2, activation='softmax')])
        model.compile('adam', 'categorical_crossentropy',
                      metrics=['accuracy'])
        return model
    clf = KerasClassifier(build_fn=build, epochs=2, batch_size=16,
                          verbose=0)
    scores = cross_val_score(clf, x, y, cv=3)
    assert len(scores) == 3 and np.all((scores >= 0) & (scores <= 1))
    grid = GridSearchCV(clf, {'hidden': [4, 8]}, cv=2)
    grid.fit(x, y)
    assert grid.best_params_['hidden'] in (4, 8)
    clf.fit(x, y)
    assert clf.predict(x).shape == (60,)
    assert clf.predict_proba(x).shape == (60, 2)

    def build_regressor():
        model = Sequential([layers.Dense(1, input_dim=4)])
        model.compile('sgd', 'mse')
        return model
    reg = KerasRegressor(build_fn=build_regressor, epochs=1, verbose=0)
    reg.fit(x, x[:, 0])
    assert reg.predict(x).shape == (60,)
    assert reg.score(x, x[:, 0]) <= 0


class _Numbered(keras.utils.Sequence):
    """Batch i holds the value i * scale; on_epoch_end doubles scale."""

    def __init__(self):
        self.scale = 1

    def __len__(self):
        return 6

    def __getitem__(self, index):
        return np.full((2, 1), index * self.scale)

    def on_epoch_end(self):
        self.scale *= 2


@pytest.mark.parametrize('processes', [False, True])
def test_ordered_enqueuer_keeps_order_across_epochs(processes):
    from keras_compat.utils import OrderedEnqueuer
    enqueuer = OrderedEnqueuer(_Numbered(), use_multiprocessing=processes)
    enqueuer.start(workers=3, max_queue_size=4)
    batches = enqueuer.get()
    first = [int(next(batches)[0, 0]) for _ in range(6)]
    second = [int(next(batches)[0, 0]) for _ in range(6)]
    enqueuer.stop()
    assert first == list(range(6))
    assert second == [2 * i for i in range(6)]
    assert not enqueuer.is_running()


def test_generator_enqueuer_reads_a_plain_generator_from_threads():
    from keras_compat.utils import GeneratorEnqueuer

    def numbers():
        for i in range(20):
            yield i
    enqueuer = GeneratorEnqueuer(numbers(), use_multiprocessing=False)
    enqueuer.start(workers=3, max_queue_size=5)
    values = list(enqueuer.get())
    enqueuer.stop()
    assert sorted(values) == list(range(20))
