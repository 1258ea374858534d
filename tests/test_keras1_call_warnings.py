"""The warnings Keras 2.3.1 gives for Keras 1 spellings of layer calls:
the whole call rewritten in the Keras 2 API (positional arguments
included, keywords in Keras 2's order), pointing at the line of the
program that made the call. Expected texts are Keras 2.3.1's output for
the same calls."""
import warnings

import pytest

from keras_compat import layers


def _messages(make):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        make()
    return [(str(w.message), w.filename) for w in caught
            if issubclass(w.category, UserWarning)]


CASES = [
    (lambda: layers.Dense(3, init='uniform', W_regularizer=None),
     ['Update your `Dense` call to the Keras 2 API: `Dense(3, '
      'kernel_initializer="uniform", kernel_regularizer=None)`']),
    (lambda: layers.Dropout(p=0.5),
     ['Update your `Dropout` call to the Keras 2 API: `Dropout(rate=0.5)`']),
    (lambda: layers.MaxPooling2D(pool_size=(2, 2), border_mode='valid'),
     ['Update your `MaxPooling2D` call to the Keras 2 API: '
      '`MaxPooling2D(pool_size=(2, 2), padding="valid")`']),
    (lambda: layers.Conv2D(6, 3, 3, border_mode='same',
                           input_shape=(8, 8, 1)),
     ['Update your `Conv2D` call to the Keras 2 API: `Conv2D(6, (3, 3), '
      'input_shape=(8, 8, 1), padding="same")`']),
    (lambda: layers.LSTM(4, input_dim=3, input_length=5,
                         inner_init='orthogonal', dropout_W=0.1),
     ['The `input_dim` and `input_length` arguments in recurrent layers '
      'are deprecated. Use `input_shape` instead.',
      'Update your `LSTM` call to the Keras 2 API: `LSTM(4, input_shape='
      '(5, 3), recurrent_initializer="orthogonal", dropout=0.1)`']),
    (lambda: layers.Embedding(10, 4, init='uniform', input_length=5),
     ['Update your `Embedding` call to the Keras 2 API: `Embedding(10, 4, '
      'input_length=5, embeddings_initializer="uniform")`']),
    (lambda: layers.AveragePooling1D(pool_length=2, stride=1),
     ['Update your `AveragePooling1D` call to the Keras 2 API: '
      '`AveragePooling1D(pool_size=2, strides=1)`']),
    (lambda: layers.GRU(3, return_sequences=True, consume_less='gpu'),
     ['Update your `GRU` call to the Keras 2 API: `GRU(3, return_sequences'
      '=True, implementation=2)`']),
]


@pytest.mark.parametrize('make,expected', CASES)
def test_keras1_spellings_warn_with_the_keras2_call(make, expected):
    messages = _messages(make)
    assert [m for m, _ in messages] == expected
    # The warning points at the program's line, not inside the package.
    assert all(filename == __file__ for _, filename in messages)
