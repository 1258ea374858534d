"""Exception classes and message openings of the training API's error
cases, as Keras 2.3.1 (standalone `keras`) and tf_keras 2.21 (`tf.keras`)
raise them. The reference classes and texts below came from running the
same calls under Keras 2.3.1 and tf_keras 2.21."""
import numpy as np
import pytest

import keras_compat as keras
from keras_compat.backend import common

L = keras.layers
X = np.zeros((8, 4), 'float32')
Y = np.zeros((8, 2), 'float32')


@pytest.fixture(params=['keras', 'tf.keras'])
def flavour(request):
    previous = 'tf.keras' if common.is_tf_keras() else 'keras'
    common.set_api_flavour(request.param)
    yield request.param
    common.set_api_flavour(previous)


def _seq(compiled=True, loss='mse'):
    model = keras.models.Sequential([L.Dense(2, input_shape=(4,))])
    if compiled:
        model.compile('sgd', loss)
    return model


def _two_in():
    a, b = L.Input((3,), name='a'), L.Input((2,), name='b')
    out = L.Dense(1)(L.concatenate([a, b]))
    model = keras.models.Model([a, b], out)
    model.compile('sgd', 'mse')
    return model


def _x_only_generator():
    while True:
        yield X


CASES = {
    'fit_uncompiled': lambda: _seq(False).fit(X, Y, verbose=0),
    'train_on_batch_uncompiled': lambda: _seq(False).train_on_batch(X, Y),
    'xy_count_differ': lambda: _seq().fit(X, Y[:5], verbose=0),
    'two_in_count_differ': lambda: _two_in().fit(
        [np.zeros((8, 3)), np.zeros((7, 2))], np.zeros((8, 1)), verbose=0),
    'train_on_batch_mismatch': lambda: _seq().train_on_batch(X, Y[:3]),
    'scce_onehot_target': lambda: _seq(
        loss='sparse_categorical_crossentropy').fit(X, Y, verbose=0),
    'cce_sparse_target': lambda: _seq(
        loss='categorical_crossentropy').fit(X, Y[:, :1], verbose=0),
    'fit_generator_x_only': lambda: _seq().fit_generator(
        _x_only_generator(), steps_per_epoch=1, verbose=0),
    'wrong_feature_shape': lambda: _seq().fit(
        np.zeros((8, 3)), Y, verbose=0),
    'wrong_rank': lambda: _seq().fit(np.zeros((8, 4, 1)), Y, verbose=0),
    'val_data_1tuple': lambda: _seq().fit(X, Y, validation_data=(X,),
                                          verbose=0),
    'sample_weight_2d_no_mode': lambda: _seq().fit(
        X, Y, sample_weight=np.ones((8, 2)), verbose=0),
    'duplicate_names': lambda: keras.models.Model(
        *_duplicate_names()),
    'get_layer_bad_index': lambda: _seq().get_layer(index=10),
    'layer_set_weights_count': lambda: _seq().layers[0].set_weights(
        [np.zeros((4, 2))]),
    'seq_add_nonlayer': lambda: keras.models.Sequential().add(3),
}


def _duplicate_names():
    a = L.Input((3,))
    return a, L.Dense(1, name='d')(L.Dense(2, name='d')(a))


_CARD = 'Data cardinality is ambiguous:\n'
_SET_W = ('You called `set_weights(weights)` on layer "%s" with a weight '
          'list of length 1, but the layer was expecting 2 weights. '
          'Provided weights: ')
# (class, message opening) per flavour; None: that flavour's text is not
# reproduced (tf_keras raises from inside its traced train function).
REFERENCE = {
    'fit_uncompiled': (
        (RuntimeError, 'You must compile a model before training/testing.'),
        (RuntimeError, 'You must compile your model before training/testing.')),
    'train_on_batch_uncompiled': (
        (RuntimeError, 'You must compile a model before training/testing.'),
        (RuntimeError, 'You must compile your model before training/testing.')),
    'xy_count_differ': (
        (ValueError, 'Input arrays should have the same number of samples '
                     'as target arrays. Found 8 input samples and 5 target '
                     'samples.'),
        (ValueError, _CARD + '  x sizes: 8\n  y sizes: 5\nMake sure all '
                     'arrays contain the same number of samples.')),
    'two_in_count_differ': (
        (ValueError, 'All input arrays (x) should have the same number of '
                     'samples. Got array shapes: [(8, 3), (7, 2)]'),
        (ValueError, _CARD + '  x sizes: 8, 7\n  y sizes: 8\n')),
    'train_on_batch_mismatch': (
        (ValueError, 'Input arrays should have the same number of samples '
                     'as target arrays. Found 8 input samples and 3 target '
                     'samples.'),
        (ValueError, _CARD + '  x sizes: 8\n  y sizes: 3\n')),
    'scce_onehot_target': (
        (ValueError, 'Error when checking target: expected dense'),
        None),
    'cce_sparse_target': (
        (ValueError, 'Error when checking target: expected dense'),
        None),
    'fit_generator_x_only': (
        (ValueError, 'Output of generator should be a tuple `(x, y, '
                     'sample_weight)` or `(x, y)`. Found: [[0. 0. 0. 0.]'),
        (ValueError, 'Target data is missing. Your model was compiled with '
                     'loss=mse, and therefore expects target data to be '
                     'provided in `fit()`.')),
    'wrong_feature_shape': (
        (ValueError, 'Error when checking input: expected dense'), None),
    'wrong_rank': (
        (ValueError, 'Error when checking input: expected dense'), None),
    'val_data_1tuple': (
        (ValueError, 'When passing validation_data, it must contain 2 '
                     '(x_val, y_val) or 3 (x_val, y_val, val_sample_weights) '
                     'items, however it contains 1 items'), None),
    'sample_weight_2d_no_mode': (
        (ValueError, 'Found a sample_weight array with shape (8, 2). In '
                     'order to use timestep-wise sample weights, you should '
                     'specify sample_weight_mode="temporal" in compile().'),
        None),
    'duplicate_names': (
        (ValueError, 'The name "d" is used 2 times in the model. All layer '
                     'names should be unique.'),) * 2,
    'get_layer_bad_index': (
        (ValueError, 'Was asked to retrieve layer at index 10 but model '
                     'only has 1 layers.'),) * 2,
    'layer_set_weights_count': ((ValueError, _SET_W),) * 2,
    'seq_add_nonlayer': (
        (TypeError, 'The added layer must be an instance of class Layer. '
                    'Found: 3'),
        (TypeError, 'The added layer must be an instance of class Layer.')),
}


@pytest.mark.parametrize('case', sorted(REFERENCE))
def test_error_class_and_message(case, flavour):
    reference = REFERENCE[case][flavour == 'tf.keras']
    if reference is None:
        pytest.skip('tf_keras raises this one from its traced step')
    error_class, opening = reference
    with pytest.raises(Exception) as info:
        CASES[case]()
    assert type(info.value) is error_class, info.value
    message = str(info.value)
    if '%s' in opening:
        opening = opening % info.value.args[0].split('"')[1]
    assert message.startswith(opening), message
