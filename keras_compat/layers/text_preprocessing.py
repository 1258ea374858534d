"""tf.keras's string preprocessing layers, which keras_compat does not
provide: constructing one raises NotImplementedError naming what to use
instead (torch has no string tensors)."""
from ._unsupported import unsupported_layer

_TOKENIZE = ('Turn strings into integer sequences before the model, e.g. '
             'with keras.preprocessing.text.Tokenizer and '
             'keras.preprocessing.sequence.pad_sequences.')

TextVectorization = unsupported_layer('TextVectorization', _TOKENIZE)
StringLookup = unsupported_layer('StringLookup', _TOKENIZE)
IntegerLookup = unsupported_layer(
    'IntegerLookup', 'Map the values to indices before the model (a Python '
    'dict or numpy.searchsorted over the sorted vocabulary).')
Hashing = unsupported_layer(
    'Hashing', 'Hash the values before the model (TensorFlow\'s '
    'FarmHash values cannot be reproduced here).')
HashedCrossing = unsupported_layer(
    'HashedCrossing', 'Cross and hash the features before the model.')
