"""Pooling layers: their Keras 2 import paths, and each layer through the
Keras 2 `layer_test` (config and weight round trips, output shape) with
values from a numpy implementation of the Keras rule."""
import numpy as np
import pytest

from keras2_reference import pool_reference
from keras_compat import layers
from keras_compat.models import Sequential
from keras_compat.utils.test_utils import layer_test


def test_pooling_layers_importable_from_convolutional():
    from keras_compat.layers import convolutional, pooling
    for name in ('MaxPooling1D', 'MaxPooling2D', 'MaxPooling3D',
                 'AveragePooling1D', 'AveragePooling2D', 'AveragePooling3D'):
        assert getattr(convolutional, name) is getattr(pooling, name)


_WINDOWS = {1: [((2,), None), ((3,), (2,))],
            2: [((2, 2), None), ((3, 2), (2, 1)), ((3, 3), (2, 2)),
                ((2, 2), (1, 1)), ((3, 3), None)],
            3: [((2, 2, 2), None), ((2, 3, 2), (1, 2, 2))]}


@pytest.mark.parametrize('rank', [1, 2, 3])
@pytest.mark.parametrize('mode', ['Max', 'Average'])
@pytest.mark.parametrize('padding', ['valid', 'same'])
def test_pooling_layer_values(rank, mode, padding):
    spatial = ((7,), (7, 8), (5, 4, 4))[rank - 1]
    x = np.random.RandomState(rank).randn(2, *(spatial + (3,))).astype(
        'float32')
    cls = getattr(layers, '%sPooling%dD' % (mode, rank))
    for pool_size, strides in _WINDOWS[rank]:
        kwargs = {'pool_size': pool_size if rank > 1 else pool_size[0],
                  'strides': strides if strides is None or rank > 1
                  else strides[0],
                  'padding': padding}
        expected = pool_reference(
            x, 'max' if mode == 'Max' else 'avg', pool_size,
            strides or pool_size, padding)
        layer_test(cls, kwargs=kwargs, input_data=x,
                   expected_output=expected)


@pytest.mark.parametrize('rank', [2, 3])
def test_channels_first_pooling(rank):
    x = np.random.RandomState(0).randn(2, 3, *(5, 4, 4)[:rank]).astype(
        'float32')
    pool_size = (2,) * rank
    expected = pool_reference(np.moveaxis(x, 1, -1), 'max', pool_size,
                              pool_size, 'valid')
    layer_test(getattr(layers, 'MaxPooling%dD' % rank),
               kwargs={'pool_size': pool_size,
                       'data_format': 'channels_first'},
               input_data=x, expected_output=np.moveaxis(expected, -1, 1))


@pytest.mark.parametrize('rank', [1, 2, 3])
def test_global_pooling_layer_values(rank):
    x = np.random.RandomState(rank).randn(2, *((4, 3, 2)[:rank] + (5,)))
    x = x.astype('float32')
    axes = tuple(range(1, rank + 1))
    layer_test(getattr(layers, 'GlobalMaxPooling%dD' % rank),
               input_data=x, expected_output=x.max(axes))
    layer_test(getattr(layers, 'GlobalAveragePooling%dD' % rank),
               input_data=x, expected_output=x.mean(axes))
    first = np.moveaxis(x, -1, 1).copy()
    layer_test(getattr(layers, 'GlobalAveragePooling%dD' % rank),
               kwargs={'data_format': 'channels_first'}, input_data=first,
               expected_output=x.mean(axes))


def test_pooling_window_larger_than_input():
    with pytest.raises(ValueError) as info:
        Sequential([layers.MaxPooling2D((4, 4), input_shape=(3, 8, 2))])
    message = str(info.value)
    assert 'max_pooling2d_1' in message and '(4, 4)' in message and \
        '(None, 3, 8, 2)' in message
