"""`keras.datasets`: the standard Keras datasets, read from the Keras cache
(`$KERAS_HOME/datasets` or `~/.keras/datasets`) and downloaded with
`get_file` when missing. Files already in the cache are used as they are."""
from . import (mnist, fashion_mnist, cifar10, cifar100, imdb, reuters,
               boston_housing)
