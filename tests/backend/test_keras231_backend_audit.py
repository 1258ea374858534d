"""keras.backend against standalone Keras 2.3.1's TensorFlow backend:
values on constant tensors, static shapes and dtypes on placeholders with
an unknown batch size, and the errors Keras raises for invalid arguments.

The expected values come from Keras 2.3.1 (TensorFlow backend, graph mode);
`batch_norm_axis1` and `switch_rank1` follow Keras 2.3.1's formulas (its
fused NCHW batch normalization and TF1's row-wise `tf.where`), which that
Keras cannot run on a CPU-only TensorFlow 2."""
import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat.backend import common

X = ((np.arange(24).reshape(2, 3, 4) % 7) - 3).astype('float32') / 4
Y = ((np.arange(24).reshape(2, 3, 4) * 5 % 11) - 5).astype('float32') / 5
P = (np.arange(1, 25).reshape(2, 3, 4) % 5 + 1).astype('float32')
P = P / P.sum(-1, keepdims=True)
T = np.eye(4, dtype='float32')[np.array([[0, 3, 1], [2, 2, 0]])]
B = np.array([[1., 0., 1.], [0., 1., 1.]], 'float32')
IMG = ((np.arange(24).reshape(1, 3, 4, 2) * 7 % 13) / 13.).astype('float32')
K4 = ((np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5) % 7) / 7.).astype('float32')

CASES = {
    # name: (function of K and constant tensors, inputs)
    'arange_float': (lambda K: K.arange(0., 2., 0.5), ()),
    'arange_int': (lambda K: K.arange(1, 7, 2), ()),
    'arange_cast': (lambda K: K.arange(3, dtype='float32'), ()),
    'batch_dot_4d_3d': (lambda K, a, b: K.batch_dot(a, b), (K4, np.transpose(K4[:, 0], (0, 2, 1))[:, :, :2].copy())),
    'batch_dot_4d_axis1': (lambda K, a, b: K.batch_dot(a, b, axes=1), (K4, X)),
    'batch_dot_3d_axes21': (lambda K, a, b: K.batch_dot(a, b, axes=(2, 1)), (X, np.transpose(Y, (0, 2, 1)).copy())),
    'batch_dot_2d': (lambda K, a, b: K.batch_dot(a, b, axes=1), (X[:, 0], Y[:, 0])),
    'resize_bilinear': (lambda K, a: K.resize_images(a, 2, 2, 'channels_last', interpolation='bilinear'), (IMG,)),
    'resize_bilinear_cf': (lambda K, a: K.resize_images(a, 2, 3, 'channels_first', interpolation='bilinear'), (IMG,)),
    'resize_nearest': (lambda K, a: K.resize_images(a, 2, 1, 'channels_last'), (IMG,)),
    'sum_list_keep': (lambda K, a: K.sum(a, axis=[0, 2], keepdims=True), (X,)),
    'mean_neg': (lambda K, a: K.mean(a, axis=-2), (X,)),
    'max_none': (lambda K, a: K.max(a), (X,)),
    'prod_1': (lambda K, a: K.prod(a, axis=1), (X,)),
    'var_keep': (lambda K, a: K.var(a, axis=-1, keepdims=True), (X,)),
    'std_tuple': (lambda K, a: K.std(a, axis=(1, 2)), (X,)),
    'logsumexp': (lambda K, a: K.logsumexp(a, axis=1), (X,)),
    'any_1': (lambda K, a: K.any(a, axis=1), (X,)),
    'argmin_1': (lambda K, a: K.argmin(a, axis=1), (X,)),
    'cumprod_neg': (lambda K, a: K.cumprod(a + 1, axis=-1), (X,)),
    'round_half': (lambda K, a: K.round(a), (np.array([0.5, 1.5, 2.5, -0.5, -1.5], 'float32'),)),
    'hard_sigmoid': (lambda K, a: K.hard_sigmoid(a * 4), (X,)),
    'relu_all': (lambda K, a: K.relu(a, alpha=0.1, max_value=0.5, threshold=0.2), (X,)),
    'relu_thr_neg': (lambda K, a: K.relu(a, alpha=0.3, threshold=-0.2), (X,)),
    'elu': (lambda K, a: K.elu(a, 0.5), (X,)),
    'softmax_ax1': (lambda K, a: K.softmax(a, axis=1), (X,)),
    'softplus_softsign': (lambda K, a: K.softplus(a) + K.softsign(a), (X,)),
    'clip_inverted': (lambda K, a: K.clip(a, 0.4, -0.3), (X,)),
    'cce': (lambda K, t, o: K.categorical_crossentropy(t, o), (T, P)),
    'cce_axis1_logits': (lambda K, t, o: K.categorical_crossentropy(t, o, from_logits=True, axis=1), (T, X)),
    'scce_logits': (lambda K, t, o: K.sparse_categorical_crossentropy(t, o, from_logits=True), (np.array([[0, 3, 1], [2, 2, 0]], 'int32'), X)),
    'bce': (lambda K, t, o: K.binary_crossentropy(t, o), (B, P[:, :, 0])),
    'bce_logits': (lambda K, t, o: K.binary_crossentropy(t, o, from_logits=True), (B, X[:, :, 0])),
    'l2_normalize_1': (lambda K, a: K.l2_normalize(a, axis=1), (X,)),
    'in_top_k': (lambda K, p, t: K.in_top_k(p, t, 2), (X[:, 0], np.array([1, 3], 'int32'))),
    'conv2d_same_s2': (lambda K, a, k: K.conv2d(a, k, strides=(2, 2), padding='same'), (IMG, K4[:, :, :2, :3])),
    'conv1d_causal': (lambda K, a, k: K.conv1d(a, k, padding='causal', dilation_rate=2), (X, K4[0, :, :, :2])),
    'depthwise': (lambda K, a, k: K.depthwise_conv2d(a, k, padding='same'), (IMG, K4[:2, :2, :2, :2])),
    'pool2d_avg_same': (lambda K, a: K.pool2d(a, (2, 2), strides=(2, 2), padding='same', pool_mode='avg'), (IMG[:, :3],)),
    'bias_add_cf': (lambda K, a, b: K.bias_add(a, b, data_format='channels_first'), (X, np.array([1., 2., 3.], 'float32'))),
    'batch_norm_axis1': (lambda K, a, m, v, b, g: K.batch_normalization(a, m, v, b, g, axis=1, epsilon=0.1), (K4, np.array([.1, .2, .3], 'float32'), np.array([1., 2., .5], 'float32'), np.array([0., 1., -1.], 'float32'), np.array([2., 1., .5], 'float32'))),
    'temporal_padding': (lambda K, a: K.temporal_padding(a, (2, 0)), (X,)),
    'spatial_2d_padding_cf': (lambda K, a: K.spatial_2d_padding(a, ((1, 0), (0, 2)), data_format='channels_first'), (IMG,)),
    'repeat_elements': (lambda K, a: K.repeat_elements(a, 2, -1), (X,)),
    'slice_neg': (lambda K, a: K.slice(a, (0, 1, 1), (-1, 2, -1)), (X,)),
    'one_hot': (lambda K, a: K.one_hot(a, 4), (np.array([[0, 3], [1, 1]], 'int32'),)),
    'switch_rank1': (lambda K, a, b: K.switch(K.greater(K.sum(a, 1), 0), a, b), (X[:, 0], Y[:, 0])),
}

SHAPES = {
    # (function of K and placeholders, placeholder shapes and dtypes)
    'sum_list': (lambda K, a: K.sum(a, axis=[1, 2]), [((None, 3, 4), 'float32')]),
    'batch_dot': (lambda K, a, b: K.batch_dot(a, b, axes=(2, 2)), [((None, 3, 4), 'float32'), ((None, 5, 4), 'float32')]),
    'conv2d': (lambda K, a: K.conv2d(a, K.constant(np.ones((3, 2, 1, 4)))), [((None, 6, 5, 1), 'float32')]),
    'resize_images': (lambda K, a: K.resize_images(a, 2, 3, 'channels_last'), [((None, 3, 4, 2), 'float32')]),
    'one_hot': (lambda K, a: K.one_hot(a, 5), [((None, 3), 'int32')]),
    'argmax': (lambda K, a: K.argmax(a), [((None, 3, 4), 'float32')]),
    'cast': (lambda K, a: K.cast(a, 'float16'), [((None, 3), 'float32')]),
    'scce': (lambda K, t, o: K.sparse_categorical_crossentropy(t, o), [((None,), 'int32'), ((None, 4), 'float32')]),
    'in_top_k': (lambda K, p, t: K.in_top_k(p, t, 2), [((None, 5), 'float32'), ((None,), 'int32')]),
    'rnn_last': (lambda K, a: K.rnn(lambda x, s: (x[:, :2] + s[0], [x[:, :2] + s[0]]), a, [K.zeros_like(a[:, 0, :2])])[0], [((None, 4, 3), 'float32')]),
    'rnn_outputs': (lambda K, a: K.rnn(lambda x, s: (x[:, :2] + s[0], [x[:, :2] + s[0]]), a, [K.zeros_like(a[:, 0, :2])])[1], [((None, 4, 3), 'float32')]),
    'ctc_cost': (lambda K, y, p, i, l: K.ctc_batch_cost(y, p, i, l), [((None, 3), 'int32'), ((None, 6, 4), 'float32'), ((None, 1), 'int32'), ((None, 1), 'int32')]),
}

# Keras 2.3.1's results (rounded to 1e-6) and dtypes.
EXPECTED = {
    'arange_float': ([0.0, 0.5, 1.0, 1.5], 'float32'),
    'arange_int': ([1, 3, 5], 'int32'),
    'arange_cast': ([0.0, 1.0, 2.0], 'float32'),
    'batch_dot_4d_3d': ([[[[0.612245, 0.346939], [0.346939, 1.346939], [0.653061, 0.918367], [0.816327, 0.632653]], [[0.408163, 0.77551], [0.428571, 1.061224], [1.020408, 0.918367], [0.612245, 0.346939]], [[0.346939, 1.346939], [0.653061, 0.918367], [0.816327, 0.632653], [0.408163, 0.77551]]], [[[1.591837, 1.081633], [1.081633, 1.836735], [0.428571, 1.020408], [1.061224, 0.918367]], [[1.265306, 1.387755], [0.755102, 1.428571], [0.673469, 0.897959], [1.591837, 1.081633]], [[1.081633, 1.836735], [0.428571, 1.020408], [1.061224, 0.918367], [1.265306, 1.387755]]]], 'float32'),
    'batch_dot_4d_axis1': ([[[[-0.142857, 0.25, 0.642857, -0.464286], [-0.535714, -0.285714, -0.035714, 0.214286], [-0.178571, -0.071429, 0.035714, -0.107143], [-0.321429, -0.107143, 0.107143, -0.178571], [-0.464286, -0.142857, 0.178571, -0.25]], [[-0.607143, -0.178571, 0.25, -0.321429], [-0.75, -0.214286, 0.321429, -0.392857], [-0.142857, 0.25, 0.642857, -0.464286], [-0.535714, -0.285714, -0.035714, 0.214286], [-0.178571, -0.071429, 0.035714, -0.107143]], [[-0.321429, -0.107143, 0.107143, -0.178571], [-0.464286, -0.142857, 0.178571, -0.25], [-0.607143, -0.178571, 0.25, -0.321429], [-0.75, -0.214286, 0.321429, -0.392857], [-0.142857, 0.25, 0.642857, -0.464286]], [[-0.535714, -0.285714, -0.035714, 0.214286], [-0.178571, -0.071429, 0.035714, -0.107143], [-0.321429, -0.107143, 0.107143, -0.178571], [-0.464286, -0.142857, 0.178571, -0.25], [-0.607143, -0.178571, 0.25, -0.321429]]], [[[0.392857, 0.214286, -0.464286, -0.142857], [0.535714, 0.214286, -0.607143, -0.178571], [0.678571, 0.214286, -0.75, -0.214286], [0.321429, -0.535714, -0.142857, 0.25], [0.714286, -0.535714, -0.535714, -0.285714]], [[0.107143, 0.214286, -0.178571, -0.071429], [0.25, 0.214286, -0.321429, -0.107143], [0.392857, 0.214286, -0.464286, -0.142857], [0.535714, 0.214286, -0.607143, -0.178571], [0.678571, 0.214286, -0.75, -0.214286]], [[0.321429, -0.535714, -0.142857, 0.25], [0.714286, -0.535714, -0.535714, -0.285714], [0.107143, 0.214286, -0.178571, -0.071429], [0.25, 0.214286, -0.321429, -0.107143], [0.392857, 0.214286, -0.464286, -0.142857]], [[0.535714, 0.214286, -0.607143, -0.178571], [0.678571, 0.214286, -0.75, -0.214286], [0.321429, -0.535714, -0.142857, 0.25], [0.714286, -0.535714, -0.535714, -0.285714], [0.107143, 0.214286, -0.178571, -0.071429]]]], 'float32'),
    'batch_dot_3d_axes21': ([[[0.5, -0.55, 0.05], [0.65, 0.9, 0.6], [0.45, -0.45, -0.25]], [[0.5, 0.5, 0.5], [0.35, 0.15, -0.05], [-0.85, -0.55, -0.25]]], 'float32'),
    'batch_dot_2d': ([[0.5], [0.5]], 'float32'),
    'resize_bilinear': ([[[[0.0, 0.538462], [0.038462, 0.576923], [0.076923, 0.615385], [0.115385, 0.653846], [0.153846, 0.692308], [0.192308, 0.730769], [0.230769, 0.769231], [0.230769, 0.769231]], [[0.153846, 0.692308], [0.192308, 0.730769], [0.230769, 0.769231], [0.269231, 0.557692], [0.307692, 0.346154], [0.346154, 0.384615], [0.384615, 0.423077], [0.384615, 0.423077]], [[0.307692, 0.846154], [0.346154, 0.884615], [0.384615, 0.923077], [0.423077, 0.461538], [0.461538, 0.0], [0.5, 0.038462], [0.538462, 0.076923], [0.538462, 0.076923]], [[0.461538, 0.5], [0.5, 0.538462], [0.538462, 0.576923], [0.576923, 0.365385], [0.615385, 0.153846], [0.653846, 0.192308], [0.692308, 0.230769], [0.692308, 0.230769]], [[0.615385, 0.153846], [0.653846, 0.192308], [0.692308, 0.230769], [0.730769, 0.269231], [0.769231, 0.307692], [0.807692, 0.346154], [0.846154, 0.384615], [0.846154, 0.384615]], [[0.615385, 0.153846], [0.653846, 0.192308], [0.692308, 0.230769], [0.730769, 0.269231], [0.769231, 0.307692], [0.807692, 0.346154], [0.846154, 0.384615], [0.846154, 0.384615]]]], 'float32'),
    'resize_bilinear_cf': ([[[[0.0, 0.179487, 0.358974, 0.538462, 0.538462, 0.538462], [0.038462, 0.217949, 0.397436, 0.576923, 0.576923, 0.576923], [0.076923, 0.25641, 0.435897, 0.615385, 0.615385, 0.615385], [0.115385, 0.294872, 0.474359, 0.653846, 0.653846, 0.653846], [0.153846, 0.333333, 0.512821, 0.692308, 0.692308, 0.692308], [0.192308, 0.371795, 0.551282, 0.730769, 0.730769, 0.730769], [0.230769, 0.410256, 0.589744, 0.769231, 0.769231, 0.769231], [0.230769, 0.410256, 0.589744, 0.769231, 0.769231, 0.769231]], [[0.307692, 0.48718, 0.666667, 0.846154, 0.846154, 0.846154], [0.346154, 0.525641, 0.705128, 0.884615, 0.884615, 0.884615], [0.384615, 0.564103, 0.74359, 0.923077, 0.923077, 0.923077], [0.423077, 0.435897, 0.448718, 0.461538, 0.461538, 0.461538], [0.461538, 0.307692, 0.153846, 0.0, 0.0, 0.0], [0.5, 0.346154, 0.192308, 0.038462, 0.038462, 0.038462], [0.538462, 0.384615, 0.230769, 0.076923, 0.076923, 0.076923], [0.538462, 0.384615, 0.230769, 0.076923, 0.076923, 0.076923]], [[0.615385, 0.461538, 0.307692, 0.153846, 0.153846, 0.153846], [0.653846, 0.5, 0.346154, 0.192308, 0.192308, 0.192308], [0.692308, 0.538462, 0.384615, 0.230769, 0.230769, 0.230769], [0.730769, 0.576923, 0.423077, 0.269231, 0.269231, 0.269231], [0.769231, 0.615385, 0.461538, 0.307692, 0.307692, 0.307692], [0.807692, 0.653846, 0.5, 0.346154, 0.346154, 0.346154], [0.846154, 0.692308, 0.538462, 0.384615, 0.384615, 0.384615], [0.846154, 0.692308, 0.538462, 0.384615, 0.384615, 0.384615]]]], 'float32'),
    'resize_nearest': ([[[[0.0, 0.538462], [0.076923, 0.615385], [0.153846, 0.692308], [0.230769, 0.769231]], [[0.0, 0.538462], [0.076923, 0.615385], [0.153846, 0.692308], [0.230769, 0.769231]], [[0.307692, 0.846154], [0.384615, 0.923077], [0.461538, 0.0], [0.538462, 0.076923]], [[0.307692, 0.846154], [0.384615, 0.923077], [0.461538, 0.0], [0.538462, 0.076923]], [[0.615385, 0.153846], [0.692308, 0.230769], [0.769231, 0.307692], [0.846154, 0.384615]], [[0.615385, 0.153846], [0.692308, 0.230769], [0.769231, 0.307692], [0.846154, 0.384615]]]], 'float32'),
    'sum_list_keep': ([[[-1.5], [1.25], [-1.25]]], 'float32'),
    'mean_neg': ([[-0.333333, -0.083333, 0.166667, -0.166667], [0.333333, 0.0, -0.333333, -0.083333]], 'float32'),
    'max_none': (0.75, 'float32'),
    'prod_1': ([[0.09375, 0.0625, -0.0, -0.0], [-0.09375, -0.0, 0.09375, 0.0625]], 'float32'),
    'var_keep': ([[[0.078125], [0.324219], [0.078125]], [[0.40625], [0.078125], [0.324219]]], 'float32'),
    'std_tuple': ([0.461636, 0.534812], 'float32'),
    'logsumexp': ([[0.859899, 1.109899, 1.359899, 1.013923], [1.513923, 1.277976, 0.859899, 1.109899]], 'float32'),
    'any_1': ([[True, True, True, True], [True, True, True, True]], 'bool'),
    'argmin_1': ([[0, 0, 0, 1], [1, 2, 0, 0]], 'int64'),
    'cumprod_neg': ([[[0.25, 0.125, 0.09375, 0.09375], [1.25, 1.875, 3.28125, 0.820312], [0.5, 0.375, 0.375, 0.46875]], [[1.5, 2.625, 0.65625, 0.328125], [0.75, 0.75, 0.9375, 1.40625], [1.75, 0.4375, 0.21875, 0.164062]]], 'float32'),
    'round_half': ([0.0, 2.0, 2.0, -0.0, -2.0], 'float32'),
    'hard_sigmoid': ([[[0.0, 0.1, 0.3, 0.5], [0.7, 0.9, 1.0, 0.0], [0.1, 0.3, 0.5, 0.7]], [[0.9, 1.0, 0.0, 0.1], [0.3, 0.5, 0.7, 0.9], [1.0, 0.0, 0.1, 0.3]]], 'float32'),
    'relu_all': ([[[-0.095, -0.07, -0.045, -0.02], [0.25, 0.5, 0.5, -0.095], [-0.07, -0.045, -0.02, 0.25]], [[0.5, 0.5, -0.095, -0.07], [-0.045, -0.02, 0.25, 0.5], [0.5, -0.095, -0.07, -0.045]]], 'float32'),
    'relu_thr_neg': ([[[-0.165, -0.09, -0.015, 0.0], [0.25, 0.5, 0.75, -0.165], [-0.09, -0.015, 0.0, 0.25]], [[0.5, 0.75, -0.165, -0.09], [-0.015, 0.0, 0.25, 0.5], [0.75, -0.165, -0.09, -0.015]]], 'float32'),
    'elu': ([[[-0.263817, -0.196735, -0.1106, 0.0], [0.25, 0.5, 0.75, -0.263817], [-0.196735, -0.1106, 0.0, 0.25]], [[0.5, 0.75, -0.263817, -0.196735], [-0.1106, 0.0, 0.25, 0.5], [0.75, -0.263817, -0.196735, -0.1106]]], 'float32'),
    'softmax_ax1': ([[[0.199908, 0.199908, 0.199908, 0.362793], [0.543406, 0.543406, 0.543406, 0.171371], [0.256687, 0.256687, 0.256687, 0.465836]], [[0.362793, 0.589798, 0.199908, 0.199908], [0.171371, 0.278601, 0.543406, 0.543406], [0.465836, 0.131602, 0.256687, 0.256687]]], 'float32'),
    'softplus_softsign': ([[[-0.0417, 0.140744, 0.375939, 0.693147], [1.025939, 1.30741, 1.565443, -0.0417], [0.140744, 0.375939, 0.693147, 1.025939]], [[1.30741, 1.565443, -0.0417, 0.140744], [0.375939, 0.693147, 1.025939, 1.30741], [1.565443, -0.0417, 0.140744, 0.375939]]], 'float32'),
    'clip_inverted': ([[[0.4, 0.4, 0.4, 0.4], [0.4, 0.4, 0.4, 0.4], [0.4, 0.4, 0.4, 0.4]], [[0.4, 0.4, 0.4, 0.4], [0.4, 0.4, 0.4, 0.4], [0.4, 0.4, 0.4, 0.4]]], 'float32'),
    'cce': ([[1.94591, 0.916291, 2.397895], [2.484907, 0.955512, 1.94591]], 'float32'),
    'cce_axis1_logits': ([[1.609899, 1.359899, 0.0, 1.763923], [0.763923, 0.0, 2.219799, 0.0]], 'float32'),
    'scce_logits': ([[1.800016, 2.458761, 1.550016], [2.327868, 1.300016, 0.629949]], 'float32'),
    'bce': ([[1.945909, 0.10536, 0.788457], [0.405465, 1.466337, 1.945909]], 'float32'),
    'bce_logits': ([[1.136871, 0.825939, 0.974077], [0.974077, 0.825939, 0.386871]], 'float32'),
    'l2_normalize_1': ([[[-0.801784, -0.666667, -0.316228, 0.0], [0.267261, 0.666667, 0.948683, -0.948683], [-0.534522, -0.333333, 0.0, 0.316228]], [[0.534522, 0.707107, -0.801784, -0.666667], [-0.267261, 0.0, 0.267261, 0.666667], [0.801784, -0.707107, -0.534522, -0.333333]]], 'float32'),
    'in_top_k': ([False, False], 'bool'),
    'conv2d_same_s2': ([[[[2.054945, 2.692308, 2.714286], [1.637363, 1.824176, 1.549451]], [[1.516484, 1.21978, 0.692308], [1.164835, 0.648352, 0.67033]]]], 'float32'),
    'conv1d_causal': ([[[-0.785714, -1.0], [-0.142857, 0.714286], [-1.25, -1.035714]], [[0.142857, 0.642857], [0.285714, -0.142857], [0.571429, 0.214286]]], 'float32'),
    'depthwise': ([[[[0.406593, 0.43956, 1.10989, 1.527473], [0.549451, 0.549451, 1.098901, 1.417583], [0.692308, 0.659341, 0.945055, 1.164835], [0.307692, 0.417582, 0.571429, 0.692308]], [[0.978022, 0.879121, 1.208791, 1.516484], [1.120879, 0.989011, 0.769231, 0.978022], [1.263736, 1.098901, 0.186813, 0.296703], [0.483517, 0.681319, 0.164835, 0.230769]], [[0.593407, 0.087912, 0.241758, 0.296703], [0.659341, 0.098901, 0.340659, 0.417582], [0.725275, 0.10989, 0.43956, 0.538462], [0.0, 0.120879, 0.274725, 0.32967]]]], 'float32'),
    'pool2d_avg_same': ([[[[0.192308, 0.730769], [0.346154, 0.384615]], [[0.653846, 0.192308], [0.807692, 0.346154]]]], 'float32'),
    'bias_add_cf': ([[[0.25, 0.5, 0.75, 1.0], [2.25, 2.5, 2.75, 1.25], [2.5, 2.75, 3.0, 3.25]], [[1.5, 1.75, 0.25, 0.5], [1.75, 2.0, 2.25, 2.5], [3.75, 2.25, 2.5, 2.75]]], 'float32'),
    'batch_norm_axis1': ([[[[-0.190693, 0.081725, 0.354143, 0.626561, 0.898979], [1.171397, 1.443815, -0.190693, 0.081725, 0.354143], [0.626561, 0.898979, 1.171397, 1.443815, -0.190693], [0.081725, 0.354143, 0.626561, 0.898979, 1.171397]], [[1.453472, 0.861987, 0.960568, 1.059148, 1.157729], [1.25631, 1.354891, 1.453472, 0.861987, 0.960568], [1.059148, 1.157729, 1.25631, 1.354891, 1.453472], [0.861987, 0.960568, 1.059148, 1.157729, 1.25631]], [[-0.73258, -0.640366, -1.193649, -1.101435, -1.009221], [-0.917008, -0.824794, -0.73258, -0.640366, -1.193649], [-1.101435, -1.009221, -0.917008, -0.824794, -0.73258], [-0.640366, -1.193649, -1.101435, -1.009221, -0.917008]]], [[[0.898979, 1.171397, 1.443815, -0.190693, 0.081725], [0.354143, 0.626561, 0.898979, 1.171397, 1.443815], [-0.190693, 0.081725, 0.354143, 0.626561, 0.898979], [1.171397, 1.443815, -0.190693, 0.081725, 0.354143]], [[1.157729, 1.25631, 1.354891, 1.453472, 0.861987], [0.960568, 1.059148, 1.157729, 1.25631, 1.354891], [1.453472, 0.861987, 0.960568, 1.059148, 1.157729], [1.25631, 1.354891, 1.453472, 0.861987, 0.960568]], [[-1.009221, -0.917008, -0.824794, -0.73258, -0.640366], [-1.193649, -1.101435, -1.009221, -0.917008, -0.824794], [-0.73258, -0.640366, -1.193649, -1.101435, -1.009221], [-0.917008, -0.824794, -0.73258, -0.640366, -1.193649]]]], 'float32'),
    'temporal_padding': ([[[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [-0.75, -0.5, -0.25, 0.0], [0.25, 0.5, 0.75, -0.75], [-0.5, -0.25, 0.0, 0.25]], [[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.5, 0.75, -0.75, -0.5], [-0.25, 0.0, 0.25, 0.5], [0.75, -0.75, -0.5, -0.25]]], 'float32'),
    'spatial_2d_padding_cf': ([[[[0.0, 0.0, 0.0, 0.0], [0.0, 0.538462, 0.0, 0.0], [0.076923, 0.615385, 0.0, 0.0], [0.153846, 0.692308, 0.0, 0.0], [0.230769, 0.769231, 0.0, 0.0]], [[0.0, 0.0, 0.0, 0.0], [0.307692, 0.846154, 0.0, 0.0], [0.384615, 0.923077, 0.0, 0.0], [0.461538, 0.0, 0.0, 0.0], [0.538462, 0.076923, 0.0, 0.0]], [[0.0, 0.0, 0.0, 0.0], [0.615385, 0.153846, 0.0, 0.0], [0.692308, 0.230769, 0.0, 0.0], [0.769231, 0.307692, 0.0, 0.0], [0.846154, 0.384615, 0.0, 0.0]]]], 'float32'),
    'repeat_elements': ([[[-0.75, -0.75, -0.5, -0.5, -0.25, -0.25, 0.0, 0.0], [0.25, 0.25, 0.5, 0.5, 0.75, 0.75, -0.75, -0.75], [-0.5, -0.5, -0.25, -0.25, 0.0, 0.0, 0.25, 0.25]], [[0.5, 0.5, 0.75, 0.75, -0.75, -0.75, -0.5, -0.5], [-0.25, -0.25, 0.0, 0.0, 0.25, 0.25, 0.5, 0.5], [0.75, 0.75, -0.75, -0.75, -0.5, -0.5, -0.25, -0.25]]], 'float32'),
    'slice_neg': ([[[0.5, 0.75, -0.75], [-0.25, 0.0, 0.25]], [[0.0, 0.25, 0.5], [-0.75, -0.5, -0.25]]], 'float32'),
    'one_hot': ([[[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]], [[0.0, 1.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]]], 'float32'),
    'switch_rank1': ([[-1.0, 0.0, 1.0, -0.2], [0.0, 1.0, -0.2, 0.8]], 'float32'),
}

# Keras 2.3.1's K.int_shape and K.dtype of the symbolic results.
SHAPES_EXPECTED = {
 'argmax': [(None, 3), 'int64'],
 'batch_dot': [(None, 3, 5), 'float32'],
 'cast': [(None, 3), 'float16'],
 'conv2d': [(None, 4, 4, 4), 'float32'],
 'ctc_cost': [(None, 1), 'float32'],
 'in_top_k': [(None,), 'bool'],
 'one_hot': [(None, 3, 5), 'float32'],
 'resize_images': [(None, 6, 12, 2), 'float32'],
 'rnn_last': [(None, 2), 'float32'],
 'rnn_outputs': [(None, 4, 2), 'float32'],
 'scce': [(None,), 'float32'],
 'sum_list': [(None,), 'float32']}

# tf_keras 2.21's half-pixel bilinear K.resize_images of IMG (channel 0).
TF_KERAS_BILINEAR = [[0.0,
  0.019231,
  0.057692,
  0.096154,
  0.134615,
  0.173077,
  0.211538,
  0.230769],
 [0.076923,
  0.096154,
  0.134615,
  0.173077,
  0.211538,
  0.25,
  0.288462,
  0.307692],
 [0.230769,
  0.25,
  0.288462,
  0.326923,
  0.365385,
  0.403846,
  0.442308,
  0.461538],
 [0.384615,
  0.403846,
  0.442308,
  0.480769,
  0.519231,
  0.557692,
  0.596154,
  0.615385],
 [0.538462,
  0.557692,
  0.596154,
  0.634615,
  0.673077,
  0.711538,
  0.75,
  0.769231],
 [0.615385,
  0.634615,
  0.673077,
  0.711538,
  0.75,
  0.788462,
  0.826923,
  0.846154]]


@pytest.mark.parametrize('name', sorted(CASES))
def test_value_and_dtype_match_keras_2_3(name):
    fn, inputs = CASES[name]
    out = K.eval(fn(K, *[K.constant(a, dtype=str(a.dtype)) for a in inputs]))
    value, dtype = EXPECTED[name]
    assert str(out.dtype) == dtype
    np.testing.assert_allclose(np.asarray(out, 'float64'), value, atol=2e-6)


@pytest.mark.parametrize('name', sorted(SHAPES))
def test_static_shape_and_dtype_match_keras_2_3(name):
    fn, specs = SHAPES[name]
    out = fn(K, *[K.placeholder(shape=s, dtype=d) for s, d in specs])
    assert [K.int_shape(out), K.dtype(out)] == SHAPES_EXPECTED[name]


def test_tf_keras_resizes_with_half_pixel_centres():
    common.set_api_flavour('tf.keras')
    try:
        out = K.eval(K.resize_images(K.constant(IMG), 2, 2, 'channels_last',
                                     interpolation='bilinear'))
    finally:
        common.set_api_flavour('keras')
    np.testing.assert_allclose(out[0, :, :, 0], TF_KERAS_BILINEAR, atol=2e-6)


def test_learning_phase_is_int32():
    assert K.dtype(K.learning_phase()) == 'int32'


X23 = np.arange(6, dtype='float32').reshape(2, 3)
INVALID = {
    # name: (call, exception Keras 2.3.1 raises)
    'squeeze_size_3': (lambda: K.squeeze(K.constant(X23), 1), ValueError),
    'dot_shapes': (lambda: K.dot(K.constant(X23), K.ones((4, 5))),
                   ValueError),
    'concatenate_shapes': (lambda: K.concatenate(
        [K.constant(X23), K.ones((3, 3))], axis=1), ValueError),
    'reshape_size': (lambda: K.reshape(K.constant(X23), (5, -1)), ValueError),
    'bias_add_size': (lambda: K.bias_add(K.constant(X23), K.ones((4,))),
                      ValueError),
    'bias_add_data_format': (lambda: K.bias_add(
        K.constant(X23), K.ones((3,)), data_format='xx'), ValueError),
    'resize_data_format': (lambda: K.resize_images(
        K.constant(IMG), 2, 2, 'xx'), ValueError),
    'resize_interpolation': (lambda: K.resize_images(
        K.constant(IMG), 2, 2, 'channels_last', interpolation='cubic'),
        ValueError),
    'resize_volumes_data_format': (lambda: K.resize_volumes(
        K.ones((1, 2, 2, 2, 1)), 2, 2, 2, 'xx'), ValueError),
    'temporal_padding_length': (lambda: K.temporal_padding(
        K.constant(X), (1, 2, 3)), AssertionError),
    'spatial_2d_padding_pairs': (lambda: K.spatial_2d_padding(
        K.constant(IMG), (1, 1)), TypeError),
    'pool_mode': (lambda: K.pool2d(K.constant(IMG), (2, 2),
                                   pool_mode='min'), ValueError),
    'conv_padding': (lambda: K.conv2d(K.constant(IMG), K.ones((2, 2, 2, 1)),
                                      padding='full'), ValueError),
}


@pytest.mark.parametrize('name', sorted(INVALID))
def test_invalid_arguments_raise_as_in_keras_2_3(name):
    call, error = INVALID[name]
    with pytest.raises(error):
        call()


def test_symbolic_shape_mismatch_raises_value_error():
    x = K.placeholder(shape=(None, 3))
    with pytest.raises(ValueError):
        K.dot(x, K.ones((4, 5)))


def test_squeeze_checks_known_dimensions_of_symbolic_tensors():
    # TensorFlow refuses a known size other than 1 while building the
    # graph; an unknown size is squeezed and checked when the graph runs.
    with pytest.raises(ValueError):
        K.squeeze(K.placeholder(shape=(None, 4, 3)), 1)
    out = K.squeeze(K.placeholder(shape=(None, None, 3)), 1)
    assert K.int_shape(out) == (None, 3)
