"""keras.preprocessing.sequence: pad_sequences, skipgrams, sampling tables
and TimeseriesGenerator."""
import numpy as np
import pytest

from keras_compat.preprocessing import sequence


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
