"""tf.keras's string preprocessing layers, which keras_compat does not
provide: constructing one raises NotImplementedError naming what to use
instead (torch has no string tensors). IntegerLookup and Hashing, which
take integers, live in lookup.py."""
from ._unsupported import unsupported_layer
from .lookup import Hashing, IntegerLookup

__all__ = ['TextVectorization', 'StringLookup', 'IntegerLookup', 'Hashing',
           'HashedCrossing']

_TOKENIZE = ('Turn strings into integer sequences before the model, e.g. '
             'with keras.preprocessing.text.Tokenizer and '
             'keras.preprocessing.sequence.pad_sequences.')

TextVectorization = unsupported_layer('TextVectorization', _TOKENIZE)
StringLookup = unsupported_layer('StringLookup', _TOKENIZE)
HashedCrossing = unsupported_layer(
    'HashedCrossing', 'Cross and hash the features before the model.')
