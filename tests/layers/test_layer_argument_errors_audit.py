"""Errors raised for bad layer arguments and bad layer calls: class and
leading text as Keras 2.3.1 (flavour 'keras') and tf_keras 2.21 (flavour
'tf.keras') raise them."""
import pytest

from keras_compat import backend as K
from keras_compat import layers as L


def _in(*shape):
    return L.Input(shape=shape)


class _CellWithoutStateSize(L.Layer):
    def call(self, inputs, states):
        return inputs, states


def _called_twice(layer, first, second):
    layer(first)
    layer(second)


# (case, construction or call, exception class, message prefix).
# Taken from Keras 2.3.1 (TF 1 graph mode) runs of the same code.
KERAS_2_CASES = [
    ('conv2d_causal', lambda: L.Conv2D(2, 3, padding='causal'),
     ValueError, 'Invalid padding: causal'),
    ('conv2d_padding', lambda: L.Conv2D(2, 3, padding='foo'), ValueError,
     'The `padding` argument must be one of "valid", "same" (or "causal" '
     'for Conv1D). Received: foo'),
    ('reshape_size', lambda: L.Reshape((5,))(_in(2, 3)), ValueError,
     'total size of new array must be unchanged'),
    ('reshape_two_unknown', lambda: L.Reshape((-1, -1))(_in(2, 3)),
     ValueError, 'Can only specify one unknown dimension.'),
    ('concat_shapes', lambda: L.Concatenate()([_in(2, 3), _in(4, 5)]),
     ValueError, 'A `Concatenate` layer requires inputs with matching '
     'shapes except for the concat axis. Got inputs shapes: '
     '[(None, 2, 3), (None, 4, 5)]'),
    ('concat_single', lambda: L.Concatenate()([_in(3)]), ValueError,
     'A `Concatenate` layer should be called on a list of at least 2 '
     'inputs'),
    ('concat_axis', lambda: L.Concatenate(axis=5)([_in(3), _in(3)]),
     IndexError, 'list assignment index out of range'),
    ('add_shapes', lambda: L.Add()([_in(3), _in(4)]), ValueError,
     'Operands could not be broadcast together with shapes (3,) (4,)'),
    ('add_single', lambda: L.Add()([_in(3)]), ValueError,
     'A merge layer should be called on a list of inputs.'),
    ('dot_axes', lambda: L.Dot(axes=1)([_in(3), _in(4)]), ValueError,
     'Dimension incompatibility 3 != 4. Layer shapes: (None, 3), (None, 4)'),
    ('dot_axes_format', lambda: L.Dot(axes=(1, 2, 3)), ValueError,
     'Invalid format for `axes` - should contain two elements.'),
    ('embedding_length', lambda: L.Embedding(
        10, 3, mask_zero=True, input_length=5)(_in(4)), ValueError,
     '"input_length" is 5, but received input has shape (None, 4)'),
    ('lstm_2d', lambda: L.LSTM(2)(_in(3)), ValueError,
     'Input 0 is incompatible with layer lstm_1: expected ndim=3, found '
     'ndim=2'),
    ('spatial_dropout_3d', lambda: L.SpatialDropout2D(0.5)(_in(4, 3)),
     ValueError, 'Input 0 is incompatible with layer spatial_dropout2d_1: '
     'expected ndim=4, found ndim=3'),
    ('rnn_state_size', lambda: L.RNN(_CellWithoutStateSize()), ValueError,
     'The RNN cell should have an attribute `state_size` (tuple of '
     'integers, one integer per RNN state).'),
    ('bn_axis', lambda: L.BatchNormalization(axis=5)(_in(3)), IndexError,
     'tuple index out of range'),
    ('activation', lambda: L.Activation('nope'), ValueError,
     'Unknown activation function:nope'),
    ('initializer', lambda: L.Dense(2, kernel_initializer='nope'),
     ValueError, 'Unknown initializer: nope'),
    ('regularizer', lambda: L.Dense(2, kernel_regularizer='nope'),
     ValueError, 'Unknown regularizer: nope'),
    ('constraint', lambda: L.Dense(2, kernel_constraint='nope'),
     ValueError, 'Unknown constraint: nope'),
    ('input_count', lambda: L.Dense(2)([_in(3), _in(3)]), ValueError,
     'Layer dense_1 expects 1 inputs, but it received 2 input tensors.'),
    ('input_axes', lambda: _called_twice(L.Dense(2), _in(3), _in(4)),
     ValueError, 'Input 0 is incompatible with layer dense_1: expected axis '
     '-1 of input shape to have value 3 but got shape (None, 4)'),
    ('upsampling', lambda: L.UpSampling2D(interpolation='cubic'),
     ValueError, 'interpolation should be one of "nearest" or "bilinear".'),
    ('zero_padding', lambda: L.ZeroPadding2D((1, 2, 3)), ValueError,
     '`padding` should have two elements. Found: (1, 2, 3)'),
    ('input_shape', lambda: L.Input(), AssertionError,
     'Please provide to Input either a `shape` or a `batch_shape` argument.'),
]

# Taken from tf_keras 2.21 runs of the same code.
TF_KERAS_CASES = [
    ('dense_last_dim', lambda: L.Dense(2)(L.Input(shape=(None,))),
     ValueError, 'The last dimension of the inputs to a Dense layer should '
     'be defined. Found None. Full input shape received: (None, None)'),
    ('conv2d_filters', lambda: L.Conv2D(0, 3), ValueError,
     'Invalid value for argument `filters`. Expected a strictly positive '
     'value. Received filters=0.'),
    ('conv2d_strides_dilation', lambda: L.Conv2D(2, 3, strides=2,
                                                 dilation_rate=2),
     ValueError, '`strides > 1` not supported in conjunction with '
     '`dilation_rate > 1`. Received: strides=(2, 2) and '
     'dilation_rate=(2, 2)'),
    ('conv2d_padding', lambda: L.Conv2D(2, 3, padding='foo'), ValueError,
     'The `padding` argument must be a list/tuple or one of "valid", "same" '
     '(or "causal", only for `Conv1D). Received: foo'),
    ('conv2d_causal', lambda: L.Conv2D(2, 3, padding='causal'), ValueError,
     'Causal padding is only supported for `Conv1D`and `SeparableConv1D`.'),
    ('conv2d_kernel_size', lambda: L.Conv2D(2, 0), ValueError,
     'The `kernel_size` argument must be a tuple of 2 integers. Received: '
     '0 including {0} that does not satisfy the requirement `> 0`.'),
    ('maxpool_size', lambda: L.MaxPooling2D(pool_size=0), ValueError,
     'The `pool_size` argument must be a tuple of 2 integers. Received: '
     '0 including {0} that does not satisfy the requirement `> 0`.'),
    ('dropout_high', lambda: L.Dropout(1.5), ValueError,
     'Invalid value 1.5 received for `rate`, expected a value between 0 '
     'and 1.'),
    ('dropout_negative', lambda: L.Dropout(-0.1), ValueError,
     'Invalid value -0.1 received for `rate`, expected a value between 0 '
     'and 1.'),
    ('reshape_size', lambda: L.Reshape((5,))(_in(2, 3)), ValueError,
     'total size of new array must be unchanged, input_shape = [2, 3], '
     'output_shape = [5]'),
    ('reshape_two_unknown', lambda: L.Reshape((-1, -1))(_in(2, 3)),
     ValueError, 'There must be at most one unknown dimension in '
     'output_shape. Received: output_shape=[-1, -1].'),
    ('permute', lambda: L.Permute((1, 3)), ValueError,
     'Invalid permutation argument `dims` for Permute Layer. The set of '
     'indices in `dims` must be consecutive and start from 1. Received '
     'dims=(1, 3)'),
    ('concat_shapes', lambda: L.Concatenate()([_in(2, 3), _in(4, 5)]),
     ValueError, 'A `Concatenate` layer requires inputs with matching '
     'shapes except for the concatenation axis. Received: input_shape=['
     '(None, 2, 3), (None, 4, 5)]'),
    ('concat_axis', lambda: L.Concatenate(axis=5)([_in(3), _in(3)]),
     IndexError, 'list assignment index out of range'),
    ('add_shapes', lambda: L.Add()([_in(3), _in(4)]), ValueError,
     'Inputs have incompatible shapes. Received shapes (3,) and (4,)'),
    ('dot_axes', lambda: L.Dot(axes=1)([_in(3), _in(4)]), ValueError,
     'Incompatible input shapes: axis values 3 (at axis 1) != 4 (at axis '
     '1). Full input shapes: (None, 3), (None, 4)'),
    ('dot_axes_format', lambda: L.Dot(axes=(1, 2, 3)), ValueError,
     'Invalid format for argument `axes`: it should contain two elements. '
     'Received: axes=(1, 2, 3)'),
    ('embedding_dim', lambda: L.Embedding(0, 3), ValueError,
     'Both `input_dim` and `output_dim` should be positive, Received '
     'input_dim = 0 and output_dim = 3'),
    ('rnn_state_size', lambda: L.RNN(_CellWithoutStateSize()), ValueError,
     'The RNN cell should have a `state_size` attribute (tuple of '
     'integers, one integer per RNN state). Received: cell='),
    ('bn_axis', lambda: L.BatchNormalization(axis=5)(_in(3)), ValueError,
     'Invalid value for `axis` argument. Expected 0 <= axis < inputs.rank '
     '(with inputs.rank=2). Received: axis=(5,)'),
    ('activation', lambda: L.Activation('nope'), ValueError,
     "Unknown activation function 'nope' cannot be deserialized."),
    ('initializer', lambda: L.Dense(2, kernel_initializer='nope'),
     ValueError, "Unknown initializer: 'nope'. Please ensure you are using "
     "a `keras.utils.custom_object_scope`"),
    ('upsampling', lambda: L.UpSampling2D(interpolation='cubic'),
     NotImplementedError, 'Value not recognized for `interpolation`: cubic. '
     'Supported values are: '),
    ('zero_padding', lambda: L.ZeroPadding2D((1, 2, 3)), ValueError,
     '`padding` should have two elements. Received: (1, 2, 3).'),
    ('cropping', lambda: L.Cropping2D(((5, 5), (5, 5)))(_in(4, 4, 1)),
     ValueError, 'Argument `cropping` must be greater than the input shape. '
     'Received: inputs.shape=(None, 4, 4, 1), and cropping=((5, 5), (5, 5))'),
    ('lstm_2d', lambda: L.LSTM(2)(_in(3)), ValueError,
     'Input 0 of layer "lstm" is incompatible with the layer: expected '
     'ndim=3, found ndim=2. Full shape received: (None, 3)'),
    ('input_count', lambda: L.Dense(2)([_in(3), _in(3)]), ValueError,
     'Layer "dense" expects 1 input(s), but it received 2 input tensors. '
     'Inputs received: ['),
    ('input_shape', lambda: L.Input(), ValueError,
     'Please provide to Input a `shape` or a `tensor` or a `type_spec` '
     'argument. Note that `shape` does not include the batch dimension.'),
]


def _check(build, error, prefix):
    with pytest.raises(error) as info:
        build()
    assert str(info.value).startswith(prefix), str(info.value)


@pytest.mark.parametrize('case,build,error,prefix', KERAS_2_CASES,
                         ids=[c[0] for c in KERAS_2_CASES])
def test_keras_2_errors(case, build, error, prefix):
    _check(build, error, prefix)


@pytest.mark.parametrize('case,build,error,prefix', TF_KERAS_CASES,
                         ids=[c[0] for c in TF_KERAS_CASES])
def test_tf_keras_errors(case, build, error, prefix):
    K.common.set_api_flavour('tf.keras')
    K.clear_session()
    _check(build, error, prefix)


# Keras 2.3.1 and tf_keras 2.21 both raise these.
BOTH_CASES = [
    ('inputlayer_both_shapes', lambda: L.InputLayer(
        input_shape=(3,), batch_input_shape=(None, 3)), ValueError,
     'Only provide the input_shape OR batch_input_shape argument to '
     'InputLayer, not both at the same time.'),
    ('unknown_kwarg', lambda: L.Dense(2, foo=1), TypeError,
     "('Keyword argument not understood:', 'foo')"),
]


@pytest.mark.parametrize('flavour', ['keras', 'tf.keras'])
@pytest.mark.parametrize('case,build,error,prefix', BOTH_CASES,
                         ids=[c[0] for c in BOTH_CASES])
def test_errors_in_both(case, build, error, prefix, flavour):
    K.common.set_api_flavour(flavour)
    _check(build, error, prefix)


# Keras 2.3.1 and tf_keras 2.21 both build these without an error.
ACCEPTED_IN_BOTH = [
    ('conv1d_causal', lambda: L.Conv1D(2, 3, padding='causal')(_in(8, 1))),
]


@pytest.mark.parametrize('flavour', ['keras', 'tf.keras'])
@pytest.mark.parametrize('case,build', ACCEPTED_IN_BOTH,
                         ids=[c[0] for c in ACCEPTED_IN_BOTH])
def test_accepted(case, build, flavour):
    K.common.set_api_flavour(flavour)
    build()


def test_keras_2_dropout_rate_is_clipped():
    # Keras 2.3.1: rate = min(1., max(0., rate)); 0 and 1 pass inputs on.
    assert L.Dropout(1.5).rate == 1.
    assert L.Dropout(-0.1).rate == 0.


def test_single_input_merge_in_tf_keras():
    # tf_keras 2.21 builds Concatenate/Add of a one-input list.
    K.common.set_api_flavour('tf.keras')
    assert K.int_shape(L.Concatenate()([_in(3)])) == (None, 3)
    assert K.int_shape(L.Add()([_in(3)])) == (None, 3)


def test_tf_keras_embedding_takes_call_length():
    # tf_keras 2.21: an `input_length` unlike the input's is not checked.
    K.common.set_api_flavour('tf.keras')
    out = L.Embedding(10, 3, mask_zero=True, input_length=5)(_in(4))
    assert K.int_shape(out) == (None, 4, 3)
