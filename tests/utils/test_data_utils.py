"""keras.utils.data_utils: get_file, HDF5Matrix and the enqueuers."""
import os
import tarfile

import numpy as np
import pytest

import keras_compat as keras
from keras_compat.utils import Sequence, OrderedEnqueuer, GeneratorEnqueuer


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


def test_hdf5_matrix(tmp_path):
    import h5py
    path = str(tmp_path / 'data.h5')
    with h5py.File(path, 'w') as f:
        f.create_dataset('x', data=np.arange(20).reshape(10, 2))
    matrix = keras.utils.HDF5Matrix(path, 'x', start=2, end=8)
    assert matrix.shape == (6, 2) and len(matrix) == 6
    np.testing.assert_array_equal(matrix[0:2], [[4, 5], [6, 7]])


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


class _RaisingAt2(Sequence):
    def __len__(self):
        return 6

    def __getitem__(self, index):
        if index == 2:
            raise ValueError('bad item 2')
        return np.full((2, 3), index)


@pytest.mark.parametrize('make', [
    lambda: OrderedEnqueuer(_RaisingAt2()),
    lambda: GeneratorEnqueuer((_RaisingAt2()[i] for i in range(6)))])
def test_stop_after_get_raised_keeps_the_original_error(make):
    # Keras 2's fit_generator pattern: `finally: enqueuer.stop()`.
    enqueuer = make()
    enqueuer.start(workers=1, max_queue_size=2)
    with pytest.raises(ValueError, match='bad item 2'):
        try:
            batches = enqueuer.get()
            for _ in range(5):
                next(batches)
        finally:
            enqueuer.stop()
    enqueuer.stop()
