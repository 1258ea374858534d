"""Faults and data larger than memory, as Keras 2 / tf.keras 2 behave:
generators reused across calls, data running out, weight files that do
not fit the model, missing files, HDF5 and memmap inputs read batch by
batch, and the enqueuers used directly. Reference numbers and messages
come from tf_keras 2.21 (on TensorFlow) and the Keras 2.2.4 source."""
import threading
import time
import tracemalloc
import warnings

import h5py
import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat import callbacks, layers, optimizers
from keras_compat.models import Sequential
from keras_compat.utils import HDF5Matrix, OrderedEnqueuer, Sequence
from thread_checks import reader_threads

RS = np.random.RandomState(0)
X = RS.rand(40, 3).astype('float32')
Y = (X @ np.array([[1.], [-2.], [0.5]]) + 0.3).astype('float32')


@pytest.fixture
def tf_keras():
    K.common.set_api_flavour('tf.keras')
    yield
    K.common.set_api_flavour('keras')


def linear():
    m = Sequential([layers.Dense(1, input_shape=(3,),
                                 kernel_initializer='ones',
                                 bias_initializer='zeros')])
    m.compile(optimizers.SGD(0.1), 'mse')
    return m


def two_layers(units):
    return Sequential([layers.Dense(units, input_shape=(3,), name='d1'),
                       layers.Dense(1, name='d2')])


def saved_two_layers(tmp_path):
    """Weights of two_layers(4) set to 0.5, 1.5, 2.5, 3.5, saved."""
    source = two_layers(4)
    source.set_weights([np.full(w.shape, 0.5 + i, 'float32')
                        for i, w in enumerate(source.get_weights())])
    path = str(tmp_path / 'w.h5')
    source.save_weights(path)
    return path


# ----------------------------------------------------------- generators
def test_a_generator_read_ahead_can_be_read_again_at_once():
    # tf_keras 2.21: 20 rounds of fit + predict on one generator, no error.
    def slow():
        while True:
            time.sleep(0.005)
            yield X[:4], Y[:4]
    gen = slow()
    m = linear()
    for _ in range(4):
        m.fit(gen, steps_per_epoch=2, epochs=1, verbose=0, max_queue_size=2)
        m.predict(gen, steps=1, verbose=0)
        assert reader_threads() == []
    assert next(gen)[0].shape == (4, 3)


def test_ctrl_c_does_not_wait_for_a_generator_read_in_progress():
    release = threading.Event()

    def hangs_after_two():
        yield X[:4], Y[:4]
        yield X[:4], Y[:4]
        release.wait(30)            # a read that hangs (network storage)
        while True:
            yield X[:4], Y[:4]

    class Interrupt(callbacks.Callback):
        def on_batch_end(self, batch, logs=None):
            if batch == 1:
                raise KeyboardInterrupt
    started = time.time()
    try:
        with pytest.raises(KeyboardInterrupt):
            linear().fit(hangs_after_two(), steps_per_epoch=5, verbose=0,
                         callbacks=[Interrupt()])
        assert time.time() - started < 10
    finally:
        release.set()
    for thread in reader_threads():
        thread.join(5)
    assert reader_threads() == []


class Batches(Sequence):
    """Three batches of four rows of X, Y."""

    def __init__(self):
        self.epochs_ended = 0

    def __len__(self):
        return 3

    def __getitem__(self, i):
        return X[i * 4:(i + 1) * 4], Y[i * 4:(i + 1) * 4]

    def on_epoch_end(self):
        self.epochs_ended += 1


def test_tf_keras_sequence_with_more_steps_than_batches_runs_out(tf_keras):
    seq = Batches()
    m = linear()
    with pytest.warns(UserWarning) as record:
        history = m.fit(seq, steps_per_epoch=5, epochs=1, shuffle=False,
                        verbose=0)
    # tf_keras 2.21: one pass (3 batches), loss 2.3569495677948, bias
    # -0.63882196, on_epoch_end once, and this warning.
    np.testing.assert_allclose(history.history['loss'], [2.3569495677948],
                               rtol=1e-6)
    np.testing.assert_allclose(m.get_weights()[1], [-0.63882196], rtol=1e-5)
    assert seq.epochs_ended == 1
    texts = [str(w.message) for w in record]
    assert any('Your input ran out of data; interrupting training. Make '
               'sure that your dataset or generator can generate at least '
               '`steps_per_epoch * epochs` batches (in this case, 5 '
               'batches). You may need to use the repeat() function when '
               'building your dataset.' == t for t in texts), texts


def test_tf_keras_ran_out_warning_counts_every_epoch(tf_keras):
    def four():
        for i in range(4):
            yield X[:4] * (i + 1), Y[:4]
    with pytest.warns(UserWarning, match='in this case, 6 batches'):
        # tf_keras 2.21: steps_per_epoch * epochs.
        linear().fit(four(), steps_per_epoch=2, epochs=3, verbose=0)


def test_keras2_sequence_with_more_steps_than_batches_wraps_around():
    # Keras 2.2.4 reads a Sequence endlessly (iter_sequence_infinite /
    # OrderedEnqueuer): 5 steps read batches 0, 1, 2, 0, 1.
    seq = Batches()
    history = linear().fit_generator(seq, steps_per_epoch=5, epochs=1,
                                     shuffle=False, verbose=0)
    assert len(history.history['loss']) == 1
    assert seq.epochs_ended >= 1


@pytest.mark.parametrize('method', ['fit', 'fit_generator'])
def test_a_four_tuple_from_a_generator_is_refused(method, request):
    def gen():
        while True:
            yield X[:4], Y[:4], np.ones(4), np.ones(4)
    # Keras 2.2.4's text, then tf_keras 2.21's.
    with pytest.raises(ValueError, match='^Output of generator should be a '
                       'tuple `\\(x, y, sample_weight\\)` or `\\(x, y\\)`. '
                       'Found: \\(array'):
        getattr(linear(), method)(gen(), steps_per_epoch=2, verbose=0)
    assert reader_threads() == []
    K.common.set_api_flavour('tf.keras')
    request.addfinalizer(lambda: K.common.set_api_flavour('keras'))
    with pytest.raises(ValueError, match='^Data is expected to be in format '
                       '`x`, `\\(x,\\)`, `\\(x, y\\)`, or `\\(x, y, '
                       'sample_weight\\)`, found: \\(array'):
        getattr(linear(), method)(gen(), steps_per_epoch=2, verbose=0)
    assert reader_threads() == []


# --------------------------------------------------------- weight files
def test_skip_mismatch_skips_weight_by_weight(tmp_path):
    # tf_keras 2.21 and Keras 2.2.4 skip each mismatching weight, not the
    # layer: d2's bias (shape (1,)) loads although d2's kernel does not.
    path = saved_two_layers(tmp_path)
    target = two_layers(5)
    before = target.get_weights()
    with pytest.warns(UserWarning) as record:
        target.load_weights(path, by_name=True, skip_mismatch=True)
    after = target.get_weights()
    for i in range(3):
        np.testing.assert_array_equal(after[i], before[i])
    np.testing.assert_array_equal(after[3], [3.5])
    assert [str(w.message) for w in record] == [
        'Skipping loading of weights for layer d1 due to mismatch in shape '
        '((3, 5) vs (3, 4)).',
        'Skipping loading of weights for layer d1 due to mismatch in shape '
        '((5,) vs (4,)).',
        'Skipping loading of weights for layer d2 due to mismatch in shape '
        '((5, 1) vs (4, 1)).']


def test_tf_keras_skip_mismatch_warnings(tf_keras, tmp_path):
    path = saved_two_layers(tmp_path)
    with pytest.warns(UserWarning) as record:
        two_layers(5).load_weights(path, by_name=True, skip_mismatch=True)
    # tf_keras 2.21's three warnings, word for word.
    assert [str(w.message) for w in record] == [
        'Skipping loading weights for layer #0 (named d1) due to mismatch '
        'in shape for weight d1/kernel:0. Weight expects shape (3, 5). '
        'Received saved weight with shape (3, 4)',
        'Skipping loading weights for layer #0 (named d1) due to mismatch '
        'in shape for weight d1/bias:0. Weight expects shape (5,). '
        'Received saved weight with shape (4,)',
        'Skipping loading weights for layer #1 (named d2) due to mismatch '
        'in shape for weight d2/kernel:0. Weight expects shape (5, 1). '
        'Received saved weight with shape (4, 1)']


def test_by_name_shape_mismatch_errors(tmp_path, request):
    path = saved_two_layers(tmp_path)
    target = two_layers(5)
    before = target.get_weights()
    with pytest.raises(ValueError) as keras2:
        target.load_weights(path, by_name=True)
    # Keras 2.2.4's text.
    assert str(keras2.value) == (
        'Layer #0 (named "d1"), weight d1/kernel:0 has shape (3, 5), but '
        'the saved weight has shape (3, 4).')
    K.common.set_api_flavour('tf.keras')
    request.addfinalizer(lambda: K.common.set_api_flavour('keras'))
    with pytest.raises(ValueError) as tf2:
        target.load_weights(path, by_name=True)
    # tf_keras 2.21's text.
    assert str(tf2.value) == (
        'Shape mismatch in layer #0 (named d1) for weight d1/kernel:0. '
        'Weight expects shape (3, 5). Received saved weight with shape '
        '(3, 4)')
    for a, b in zip(target.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_layer_count_mismatch_messages(tmp_path, request):
    path = saved_two_layers(tmp_path)
    three = Sequential([layers.Dense(4, input_shape=(3,)), layers.Dense(2),
                        layers.Dense(1)])
    with pytest.raises(ValueError, match='^You are trying to load a weight '
                       'file containing 2 layers into a model with 3 '
                       'layers.$'):
        three.load_weights(path)
    K.common.set_api_flavour('tf.keras')
    request.addfinalizer(lambda: K.common.set_api_flavour('keras'))
    with pytest.raises(ValueError, match='^Layer count mismatch when '
                       'loading weights from file. Model expected 3 '
                       'layers, found 2 saved layers.$'):
        three.load_weights(path)


def test_skip_mismatch_without_by_name(tmp_path, request):
    path = saved_two_layers(tmp_path)
    # Keras 2.2.4 passes skip_mismatch only to the by-name loader: the
    # topological load goes on, and fails on the shape.
    with pytest.raises(ValueError, match='shape'):
        two_layers(5).load_weights(path, skip_mismatch=True)
    K.common.set_api_flavour('tf.keras')
    request.addfinalizer(lambda: K.common.set_api_flavour('keras'))
    with pytest.raises(ValueError, match='^When calling model.load_weights, '
                       'skip_mismatch can only be set to True when by_name '
                       'is True.$'):
        two_layers(4).load_weights(path, skip_mismatch=True)


def test_missing_file_and_directory_errors(tmp_path):
    # h5py (under tf_keras 2.21) raises FileNotFoundError and
    # IsADirectoryError, both OSError (IOError).
    with pytest.raises(FileNotFoundError):
        two_layers(4).load_weights(str(tmp_path / 'missing.h5'))
    from keras_compat.models import load_model
    with pytest.raises(FileNotFoundError):
        load_model(str(tmp_path / 'missing.h5'))
    with pytest.raises(IsADirectoryError):
        two_layers(4).load_weights(str(tmp_path))
    (tmp_path / 'text.h5').write_text('not hdf5\n')
    with pytest.raises(OSError, match='signature'):
        load_model(str(tmp_path / 'text.h5'))


# ------------------------------------------------ data larger than memory
def test_hdf5_matrix_with_start_end_and_normalizer(tmp_path):
    path = str(tmp_path / 'd.h5')
    with h5py.File(path, 'w') as f:
        f['x'] = X
        f['y'] = Y
    x = HDF5Matrix(path, 'x', start=8, end=40, normalizer=lambda a: a * 2)
    y = HDF5Matrix(path, 'y', start=8, end=40)
    assert x.shape == (32, 3) and len(x) == 32 and x.ndim == 2
    # tf_keras 2.21 on the arrays X[8:40] * 2, Y[8:40], shuffle=False.
    history = linear().fit(x, y, batch_size=8, epochs=2, shuffle=False,
                           verbose=0)
    np.testing.assert_allclose(history.history['loss'],
                               [2.5619876384735107, 0.41125771403312683],
                               rtol=1e-6)
    with pytest.raises(TypeError, match='pass shuffle="batch"'):
        linear().fit(x, y, batch_size=8, epochs=1, verbose=0)
    # Keras 2's batch_shuffle under seed 3 puts the batches in the order
    # 3, 1, 0, 2; tf_keras 2.21 on the arrays so ordered: 3.860234498977661.
    np.random.seed(3)
    history = linear().fit(x, y, batch_size=8, epochs=1, shuffle='batch',
                           verbose=0)
    np.testing.assert_allclose(history.history['loss'], [3.860234498977661],
                               rtol=1e-6)
    with pytest.raises(IndexError):
        x[32]


def test_h5py_dataset_and_memmap_train_as_the_arrays(tmp_path):
    path = str(tmp_path / 'd.h5')
    with h5py.File(path, 'w') as f:
        f['x'] = X
        f['y'] = Y
    mm = np.memmap(str(tmp_path / 'x.mm'), dtype='float32', mode='w+',
                   shape=X.shape)
    mm[:] = X
    mm.flush()
    # tf_keras 2.21 on the h5py datasets (shuffle=False): 1.50604, 0.54179.
    with h5py.File(path, 'r') as f:
        h5 = linear().fit(f['x'], f['y'], batch_size=8, epochs=2,
                          shuffle=False, verbose=0).history['loss']
    on_disk = linear().fit(np.memmap(str(tmp_path / 'x.mm'), dtype='float32',
                                     mode='r', shape=X.shape), Y,
                           batch_size=8, epochs=2, shuffle=False,
                           verbose=0).history['loss']
    np.testing.assert_allclose(h5, [1.50604, 0.54179], atol=1e-5)
    np.testing.assert_allclose(on_disk, [1.50604, 0.54179], atol=1e-5)


def test_predict_on_a_memmap_holds_one_batch_at_a_time(tmp_path):
    rows, cols = 8000, 500             # 16 MB on disk
    mm = np.memmap(str(tmp_path / 'big.mm'), dtype='float32', mode='w+',
                   shape=(rows, cols))
    mm[:] = 1.
    mm.flush()
    del mm
    data = np.memmap(str(tmp_path / 'big.mm'), dtype='float32', mode='r',
                     shape=(rows, cols))
    m = Sequential([layers.Dense(1, input_shape=(cols,),
                                 kernel_initializer='ones')])
    m.predict(data[:4], verbose=0)
    tracemalloc.start()
    try:
        out = m.predict(data, batch_size=256, verbose=0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    np.testing.assert_allclose(out[[0, -1], 0], [500., 500.])
    assert peak < 4 * 2 ** 20, peak     # far below the 16 MB of data


# ------------------------------------------------------------- enqueuers
class Counting(Sequence):
    """Batch i of epoch e is [i + 10 e] * 2; batch `bad` raises."""

    def __init__(self, bad=None):
        self.epochs = 0
        self.bad = bad

    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == self.bad:
            raise KeyError('bad %d' % i)
        return np.full((2,), i + 10 * self.epochs)

    def on_epoch_end(self):
        self.epochs += 1


@pytest.mark.parametrize('use_multiprocessing', [False, True])
def test_ordered_enqueuer_used_directly(use_multiprocessing):
    # tf_keras 2.21: the same values, and the error and state below.
    enqueuer = OrderedEnqueuer(Counting(),
                               use_multiprocessing=use_multiprocessing)
    enqueuer.start(workers=2, max_queue_size=10)
    batches = enqueuer.get()
    assert [int(next(batches)[0]) for _ in range(10)] == \
        [0, 1, 2, 3, 10, 11, 12, 13, 20, 21]
    assert enqueuer.is_running()
    enqueuer.stop()
    assert not enqueuer.is_running()
    failing = OrderedEnqueuer(Counting(bad=2),
                              use_multiprocessing=use_multiprocessing)
    failing.start(workers=2, max_queue_size=3)
    batches = failing.get()
    with pytest.raises(KeyError, match='bad 2'):
        for _ in range(5):
            next(batches)
    assert not failing.is_running()
    failing.stop()
    assert reader_threads() == []


def test_a_sequence_of_length_zero_is_refused():
    class Empty(Sequence):
        def __len__(self):
            return 0

        def __getitem__(self, i):
            raise IndexError(i)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        with pytest.raises(ValueError, match='non-empty'):
            linear().fit_generator(Empty(), epochs=1, verbose=0)
