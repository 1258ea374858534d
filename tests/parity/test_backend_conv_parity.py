"""`keras.backend` convolution and pooling functions against Keras 3's
`keras.ops` on its torch backend (kernels in the same Keras layout), and
CTC greedy decoding against the decoding rule written out in Python."""
import numpy as np
import pytest

from keras_compat import backend as K

from parity_helpers import assert_close

R = np.random.RandomState(5)


def _r(*shape):
    return R.randn(*shape).astype('float32')


def _np(t):
    return np.asarray(t.detach().cpu()) if hasattr(t, 'detach') else \
        np.asarray(t)


CONV_CASES = [
    ('conv1d', (2, 9, 3), (3, 3, 4), 1, 'valid', 'channels_last', 1),
    ('conv1d', (2, 9, 3), (3, 3, 4), 2, 'same', 'channels_last', 1),
    ('conv1d', (2, 3, 9), (3, 3, 4), 1, 'same', 'channels_first', 2),
    ('conv2d', (2, 7, 8, 3), (3, 2, 3, 4), (2, 3), 'same', 'channels_last',
     (1, 1)),
    ('conv2d', (2, 3, 7, 8), (3, 2, 3, 4), (1, 1), 'valid',
     'channels_first', (2, 2)),
    ('conv3d', (2, 5, 6, 7, 2), (2, 3, 2, 2, 3), (1, 2, 1), 'same',
     'channels_last', (1, 1, 1)),
]


@pytest.mark.parametrize('case', CONV_CASES, ids=lambda c: c[0] + c[4])
def test_conv(k3, case):
    name, x_shape, k_shape, strides, padding, data_format, dilation = case
    x, kernel = _r(*x_shape), _r(*k_shape)
    ours = getattr(K, name)(x, kernel, strides=strides, padding=padding,
                            data_format=data_format, dilation_rate=dilation)
    ref = k3.ops.conv(x, kernel, strides=strides, padding=padding,
                      data_format=data_format, dilation_rate=dilation)
    assert_close(_np(ours), _np(ref))


def test_causal_conv1d_pads_the_start():
    # 'causal': output t sees inputs up to t only (Keras 2's Conv1D rule):
    # the same as a 'valid' convolution of the input left-padded by
    # (k - 1) * dilation zeros.
    x, kernel = _r(2, 9, 3), _r(3, 3, 4)
    padded = np.concatenate([np.zeros((2, 4, 3), 'float32'), x], axis=1)
    expected = K.conv1d(padded, kernel, padding='valid', dilation_rate=2)
    ours = K.conv1d(x, kernel, padding='causal', dilation_rate=2)
    assert_close(_np(ours), _np(expected))


@pytest.mark.parametrize('data_format', ['channels_last', 'channels_first'])
def test_depthwise_and_separable_conv2d(k3, data_format):
    shape = (2, 7, 8, 3) if data_format == 'channels_last' else (2, 3, 7, 8)
    x, depthwise, pointwise = _r(*shape), _r(3, 2, 3, 2), _r(1, 1, 6, 5)
    ours = K.depthwise_conv2d(x, depthwise, strides=(2, 1), padding='same',
                              data_format=data_format)
    ref = k3.ops.depthwise_conv(x, depthwise, strides=(2, 1),
                                padding='same', data_format=data_format)
    assert_close(_np(ours), _np(ref))
    ours = K.separable_conv2d(x, depthwise, pointwise, padding='same',
                              data_format=data_format)
    ref = k3.ops.separable_conv(x, depthwise, pointwise, padding='same',
                                data_format=data_format)
    assert_close(_np(ours), _np(ref))


def test_separable_conv1d(k3):
    x, depthwise, pointwise = _r(2, 9, 3), _r(3, 3, 2), _r(1, 6, 4)
    ours = K.separable_conv1d(x, depthwise, pointwise, padding='valid')
    ref = k3.ops.separable_conv(x, depthwise, pointwise, padding='valid')
    assert_close(_np(ours), _np(ref))


@pytest.mark.parametrize('strides,padding,out', [
    ((1, 1), 'valid', (6, 6)), ((2, 2), 'valid', (9, 10)),
    ((2, 2), 'valid', (10, 10)), ((2, 3), 'same', (8, 15)),
    ((2, 2), 'same', (8, 10))])
def test_conv2d_transpose(k3, strides, padding, out):
    x, kernel = _r(2, 4, 5, 3), _r(3, 2, 6, 3)
    ours = K.conv2d_transpose(x, kernel, (2,) + out + (6,), strides=strides,
                              padding=padding)
    # Keras 3 infers the output size; output_padding picks the same size.
    ref = k3.ops.conv_transpose(
        x, kernel, strides=strides, padding=padding,
        output_padding=_output_padding(x.shape[1:3], kernel.shape[:2],
                                       strides, padding, out))
    assert_close(_np(ours), _np(ref))


def _output_padding(spatial, kernel, strides, padding, out):
    pads = []
    for size, k, s, o in zip(spatial, kernel, strides, out):
        base = (size - 1) * s + k if padding == 'valid' else size * s
        pads.append(o - base)
    return tuple(pads) if any(pads) else None


def test_conv2d_transpose_rejects_an_output_shape_that_does_not_fit():
    with pytest.raises(ValueError, match='output_shape'):
        K.conv2d_transpose(_r(2, 4, 5, 3), _r(3, 2, 6, 3), (2, 7, 6, 6))


@pytest.mark.parametrize('pool_mode', ['max', 'avg'])
@pytest.mark.parametrize('data_format', ['channels_last', 'channels_first'])
def test_pool2d_valid(k3, pool_mode, data_format):
    shape = (2, 7, 8, 3) if data_format == 'channels_last' else (2, 3, 7, 8)
    x = _r(*shape)
    ours = K.pool2d(x, (3, 2), strides=(2, 2), padding='valid',
                    data_format=data_format, pool_mode=pool_mode)
    fn = k3.ops.max_pool if pool_mode == 'max' else k3.ops.average_pool
    ref = fn(x, (3, 2), strides=(2, 2), padding='valid',
             data_format=data_format)
    assert_close(_np(ours), _np(ref))


def test_pool2d_same_average_counts_real_pixels_only():
    # TensorFlow's 'same' average pooling (Keras 2): the divisor is the
    # number of real pixels in the window; the extra padding goes after.
    x = _r(1, 3, 3, 1)
    ours = _np(K.pool2d(x, (2, 2), strides=(2, 2), padding='same',
                        pool_mode='avg'))[0, :, :, 0]
    v = x[0, :, :, 0]
    expected = np.array([[v[:2, :2].mean(), v[:2, 2:].mean()],
                         [v[2:, :2].mean(), v[2:, 2:].mean()]])
    assert_close(ours, expected)


def test_pool3d_max(k3):
    x = _r(2, 5, 6, 7, 2)
    ours = K.pool3d(x, (2, 2, 3), strides=(2, 1, 2), padding='valid')
    ref = k3.ops.max_pool(x, (2, 2, 3), strides=(2, 1, 2), padding='valid')
    assert_close(_np(ours), _np(ref))


def test_pool2d_rejects_unknown_mode():
    with pytest.raises(ValueError, match='Invalid pooling mode'):
        K.pool2d(_r(1, 4, 4, 1), (2, 2), pool_mode='median')


def test_ctc_decode_greedy():
    # Best path: per-step argmax, repeats merged, blanks (the last class)
    # dropped; padded with -1; score = -sum of the per-step max log-probs.
    probs = R.rand(3, 7, 5).astype('float32')
    probs /= probs.sum(-1, keepdims=True)
    lengths = np.array([7, 5, 3])
    decoded, log_prob = K.ctc_decode(probs, lengths)
    expected, scores = [], []
    for b, n in enumerate(lengths):
        path = probs[b, :n].argmax(-1)
        labels, previous = [], None
        for c in path:
            if c != 4 and c != previous:
                labels.append(int(c))
            previous = c
        expected.append(labels)
        scores.append(-np.log(probs[b, :n].max(-1) + K.epsilon()).sum())
    width = max(len(e) for e in expected)
    dense = np.full((3, width), -1)
    for b, labels in enumerate(expected):
        dense[b, :len(labels)] = labels
    np.testing.assert_array_equal(_np(decoded[0]), dense)
    assert_close(_np(log_prob), np.array(scores).reshape(3, 1))
    # (Beam search decoding: tests/backend/test_graph_programs.py.)
    beams, beam_scores = K.ctc_decode(probs, lengths, greedy=False,
                                      top_paths=2)
    assert len(beams) == 2 and _np(beam_scores).shape == (3, 2)


def test_bias_add_channels_first_reshapes_a_positional_bias():
    # Keras 2 reshapes a (rows, cols, channels) bias to (channels, rows,
    # cols) for channels_first inputs (a reshape, not a transpose).
    x, bias = _r(2, 4, 3, 5), _r(3, 5, 4)
    ours = K.bias_add(x, bias, data_format='channels_first')
    assert_close(_np(ours), x + bias.reshape(1, 4, 3, 5))
    assert_close(_np(K.bias_add(x, _r(4), 'channels_first')).shape,
                 x.shape)
    with pytest.raises(ValueError, match='Unexpected bias dimensions'):
        K.bias_add(x, _r(3, 5), data_format='channels_first')


def test_pool2d_builds_no_named_layer_per_call():
    # K.pool2d inside a model's call runs at every step: it must not
    # advance the automatic layer names.
    from keras_compat import layers
    K.pool2d(_r(1, 4, 4, 1), (2, 2))
    before = layers.MaxPooling2D().name
    for _ in range(3):
        K.pool2d(_r(1, 4, 4, 1), (2, 2))
    after = layers.MaxPooling2D().name
    assert int(after.rsplit('_', 1)[1]) == int(before.rsplit('_', 1)[1]) + 1
