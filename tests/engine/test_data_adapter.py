"""HDF5Matrix, h5py datasets and numpy.memmap inputs are read batch by
batch: fit/evaluate/predict never read the whole array, and train to the
same weights as the same data in memory."""
import h5py
import numpy as np
import pytest

from keras_compat import layers
from keras_compat.engine import data_adapter
from keras_compat.models import Sequential
from keras_compat.utils import HDF5Matrix

N, D = 2000, 16         # 128 KB of float32 data: a few MB with the labels
rng = np.random.RandomState(0)
XS = rng.rand(N, D).astype('float32')
YS = (XS[:, :1] > 0.5).astype('float32')


class RecordingMatrix(HDF5Matrix):
    """An HDF5Matrix that records every read and refuses to be read
    whole."""

    def __init__(self, *args, **kwargs):
        super(RecordingMatrix, self).__init__(*args, **kwargs)
        self.reads = []

    def __getitem__(self, key):
        if isinstance(key, slice):
            rows = (key.stop or len(self)) - (key.start or 0)
        elif isinstance(key, (int, np.integer)):
            rows = 1
        else:
            rows = len(key)
        self.reads.append(rows)
        return super(RecordingMatrix, self).__getitem__(key)

    def __array__(self, dtype=None, copy=None):
        raise AssertionError('the whole HDF5Matrix was read')


@pytest.fixture
def h5file(tmp_path):
    path = str(tmp_path / 'data.h5')
    with h5py.File(path, 'w') as f:
        f.create_dataset('x', data=XS)
        f.create_dataset('y', data=YS)
    yield path
    handle = HDF5Matrix.refs.pop(path, None)
    if handle is not None:
        handle.close()


@pytest.fixture
def memmaps(tmp_path):
    x = np.lib.format.open_memmap(str(tmp_path / 'x.npy'), mode='w+',
                                  dtype='float32', shape=XS.shape)
    x[:] = XS
    x.flush()
    np.save(str(tmp_path / 'y.npy'), YS)
    del x
    return str(tmp_path / 'x.npy'), str(tmp_path / 'y.npy')


def model(seed=0):
    import torch
    torch.manual_seed(seed)
    m = Sequential([layers.Dense(8, activation='relu', input_dim=D),
                    layers.Dense(1, activation='sigmoid')])
    m.compile('adam', 'binary_crossentropy', metrics=['accuracy'])
    return m


def train(x, y, **kwargs):
    np.random.seed(7)
    m = model()
    history = m.fit(x, y, batch_size=64, epochs=2, verbose=0, **kwargs)
    return m, history.history


def same_training(reference, other):
    (m1, h1), (m2, h2) = reference, other
    for a, b in zip(m1.get_weights(), m2.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    for key in h1:
        np.testing.assert_allclose(h1[key], h2[key], rtol=1e-6)


def test_hdf5_matrix_with_shuffle_true_follows_keras_rule(h5file):
    m = model()
    before = [w.tobytes() for w in m.get_weights()]
    with pytest.raises(TypeError, match='shuffle="batch"'):
        m.fit(HDF5Matrix(h5file, 'x'), HDF5Matrix(h5file, 'y'), verbose=0)
    assert [w.tobytes() for w in m.get_weights()] == before


@pytest.mark.parametrize('shuffle', [False, 'batch'])
def test_hdf5_matrix_is_read_batch_by_batch(h5file, shuffle):
    x = RecordingMatrix(h5file, 'x')
    y = RecordingMatrix(h5file, 'y')
    lazy = train(x, y, shuffle=shuffle, validation_split=0.25)
    same_training(train(XS, YS, shuffle=shuffle, validation_split=0.25),
                  lazy)
    assert max(x.reads) <= 64 and max(y.reads) <= 64
    m = lazy[0]
    x.reads[:] = []
    np.testing.assert_allclose(m.evaluate(x, y, batch_size=100, verbose=0),
                               m.evaluate(XS, YS, batch_size=100, verbose=0),
                               rtol=1e-6)
    np.testing.assert_allclose(m.predict(x, batch_size=128),
                               m.predict(XS), rtol=1e-6)
    assert max(x.reads) <= 128


def test_h5py_datasets_and_matrix_ranges(h5file):
    with h5py.File(h5file, 'r') as f:
        same_training(train(XS, YS, shuffle='batch'),
                      train(f['x'], f['y'], shuffle='batch'))
    part = HDF5Matrix(h5file, 'x', start=100, end=600,
                      normalizer=lambda v: v * 2)
    m = model()
    np.testing.assert_allclose(m.predict(part, batch_size=64),
                               m.predict(XS[100:600] * 2), rtol=1e-6)
    assert m.predict(HDF5Matrix(h5file, 'x', start=5, end=5)).shape == \
        (0, 1)


def test_memmap_is_never_copied_whole(memmaps, monkeypatch):
    x = np.load(memmaps[0], mmap_mode='r')
    y = np.load(memmaps[1], mmap_mode='r')
    calls = []
    to_tensor = data_adapter.to_tensor

    def watched(value, *args, **kwargs):
        assert not isinstance(value, np.memmap) or len(value) <= 64, \
            'a whole memmap was turned into a tensor'
        return to_tensor(value, *args, **kwargs)
    monkeypatch.setattr(data_adapter, 'to_tensor', watched)
    real_read = data_adapter._MemmapFile.read

    def read(self, runs, count, *args):
        calls.append(count)
        return real_read(self, runs, count, *args)
    monkeypatch.setattr(data_adapter._MemmapFile, 'read', read)
    same_training(train(XS, YS), train(x, y))              # shuffled rows
    same_training(train(XS, YS, shuffle=False,
                        validation_data=(XS[:300], YS[:300])),
                  train(x, y, shuffle=False,
                        validation_data=(x[:300], y[:300])))
    assert calls and max(calls) <= 64


def test_memmap_views_dtypes_and_modes(memmaps, tmp_path):
    m = model()
    reference = m.predict(XS)
    for mode in ('r', 'r+', 'c'):
        x = np.load(memmaps[0], mmap_mode=mode)
        np.testing.assert_allclose(m.predict(x[150:1150], batch_size=100),
                                   reference[150:1150], rtol=1e-6)
    raw = np.memmap(str(tmp_path / 'raw.bin'), dtype='float64', mode='w+',
                    shape=(300, D), offset=24)
    raw[:] = XS[:300]
    raw.flush()
    back = np.memmap(str(tmp_path / 'raw.bin'), dtype='float64', mode='r',
                     shape=(300, D), offset=24)
    np.testing.assert_allclose(m.predict(back[7:], batch_size=50),
                               reference[7:300], rtol=1e-5)
    labels = np.memmap(str(tmp_path / 'labels.bin'), dtype='int64',
                       mode='w+', shape=(N,))
    labels[:] = YS[:, 0]
    clf = Sequential([layers.Dense(2, activation='softmax', input_dim=D)])
    clf.compile('sgd', 'sparse_categorical_crossentropy', metrics=['acc'])
    np.random.seed(3)
    lazy = clf.fit(np.load(memmaps[0], mmap_mode='r'), labels, verbose=0,
                   batch_size=100).history
    assert 0 <= lazy['acc'][0] <= 1


def test_validation_split_of_lazy_data_gives_callbacks_lazy_arrays(
        h5file):
    from keras_compat.callbacks import Callback
    seen = {}

    class Look(Callback):
        def on_train_begin(self, logs=None):
            seen['data'] = self.validation_data
    x = RecordingMatrix(h5file, 'x')
    m = model()
    m.fit(x, HDF5Matrix(h5file, 'y'), validation_split=0.1, verbose=0,
          shuffle='batch', callbacks=[Look()])
    val_x = seen['data'][0]
    assert len(val_x) == N // 10
    # Reading it is the callback's choice, not done for it.
    x.reads[:] = []
    np.testing.assert_allclose(np.asarray(val_x), XS[-(N // 10):])


@pytest.mark.parametrize('shuffle', [True, 'batch'])
def test_each_epoch_shuffles_the_order_of_the_one_before(shuffle):
    # Keras 2's fit loop keeps one index array for the whole fit and
    # shuffles it in place at each epoch (batch_shuffle for 'batch').
    seen = []

    def record(t):
        seen.extend(t[:, 0].detach().numpy().astype(int).tolist())
        return t
    m = Sequential([layers.Lambda(record, input_shape=(1,)),
                    layers.Dense(1)])
    m.compile('sgd', 'mse')
    n, batch, epochs = 7, 2, 3
    x = np.arange(n, dtype='float32').reshape(n, 1)
    np.random.seed(5)
    m.fit(x, x, batch_size=batch, epochs=epochs, shuffle=shuffle,
          verbose=0)
    np.random.seed(5)
    index_array, expected = np.arange(n), []
    for _ in range(epochs):
        if shuffle == 'batch':
            count = n // batch
            head = index_array[:count * batch].reshape((count, batch))
            np.random.shuffle(head)
            index_array = np.append(head.flatten(),
                                    index_array[count * batch:])
        else:
            np.random.shuffle(index_array)
        expected.extend(index_array.tolist())
    assert seen[-n * epochs:] == expected
