"""TensorFlow APIs that TensorFlow Addons (tfa) builds on, as its pure-Python
code paths call them: projective image transforms, patches, assertions,
sparse and lookup types, scans and segment-style ops. Expected values are
TensorFlow 2.21's for the same inputs (hard-coded from runs of it)."""
import numpy as np
import pytest
import torch

from keras_compat import tensorflow_compat as tf

IMAGE = np.arange(12, dtype='float32').reshape(1, 3, 4, 1)
TRANSFORM = np.array([[0.9, 0.3, -0.7, -0.2, 1.1, 0.6, 0.02, -0.01]],
                     'float32')


@pytest.mark.parametrize('interpolation, fill_mode, expected', [
    ('BILINEAR', 'REFLECT', [[2.4, 1.76471, 1.82692, 1.88679],
                             [6.86869, 6.43564, 6.40777, 6.38095],
                             [8.0, 8.8, 9.66667, 10.5]]),
    ('NEAREST', 'WRAP', [[7., 0., 1., 2.], [11., 4., 5., 6.],
                         [3., 1., 2., 2.]]),
    ('BILINEAR', 'CONSTANT', [[0.02, 1.76471, 1.82692, 1.88679],
                              [3.68942, 6.43564, 6.40777, 6.38095],
                              [0.15452, 2.92, 5.90196, 9.17308]]),
    ('NEAREST', 'NEAREST', [[4., 0., 1., 2.], [8., 4., 5., 6.],
                            [8., 9., 10., 10.]]),
])
def test_image_projective_transform_v3(interpolation, fill_mode, expected):
    out = tf.raw_ops.ImageProjectiveTransformV3(
        images=IMAGE, transforms=TRANSFORM, output_shape=[3, 4],
        interpolation=interpolation, fill_mode=fill_mode, fill_value=-1.0)
    np.testing.assert_allclose(np.asarray(out)[0, ..., 0], expected,
                               atol=1e-4)


def test_projective_transform_truncates_integer_images():
    images = (np.arange(12).reshape(1, 3, 4, 1) * 20).astype('uint8')
    out = tf.raw_ops.ImageProjectiveTransformV3(
        images=images, transforms=TRANSFORM, output_shape=[3, 4],
        interpolation='BILINEAR', fill_mode='REFLECT', fill_value=0.0)
    assert out.dtype == torch.uint8
    assert np.asarray(out)[0, ..., 0].tolist() == [
        [48, 35, 36, 37], [137, 128, 128, 127], [160, 176, 193, 210]]


def test_extract_patches_same_with_rates_and_valid():
    x = np.arange(100, dtype='float32').reshape(2, 5, 5, 2)
    same = tf.image.extract_patches(x, [1, 2, 2, 1], [1, 2, 2, 1],
                                    [1, 2, 1, 1], 'SAME')
    assert tuple(same.shape) == (2, 3, 3, 8)
    assert np.asarray(same)[1, 1, 2].tolist() == [68., 69., 0., 0., 88.,
                                                  89., 0., 0.]
    assert float(same.sum()) == 3960.
    valid = tf.image.extract_patches(x, [1, 3, 2, 1], [1, 1, 2, 1],
                                     [1, 1, 1, 1], 'VALID')
    assert tuple(valid.shape) == (2, 3, 2, 12)
    assert np.asarray(valid)[0, 2, 1].tolist() == [
        24., 25., 26., 27., 34., 35., 36., 37., 44., 45., 46., 47.]


def test_tensor_dtype_is_found_in_a_set_of_tf_dtypes():
    # tfa: `if image.dtype.base_dtype not in {tf.uint8, ..., tf.float32}`
    allowed = {tf.uint8, tf.int32, tf.float16, tf.float32}
    assert torch.zeros(1).dtype.base_dtype in allowed
    assert torch.zeros(1, dtype=torch.float64).dtype not in allowed


def test_batch_normalization_formula():
    out = tf.nn.batch_normalization(np.array([1., 2., 4.], 'float32'), 1.5,
                                    0.25, 0.1, 2.0, 1e-3)
    np.testing.assert_allclose(np.asarray(out), [-1.896012, 2.096012,
                                                 10.080061], rtol=1e-6)


def test_split_into_unequal_parts_raises_as_tensorflow():
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match='evenly divide the split dimension'):
        tf.split(np.zeros((2, 5), 'float32'), 2, axis=1)


def test_scan_with_and_without_initializer():
    out = tf.scan(lambda a, x: a * 0.5 + x,
                  np.array([1., 2., 3., 4.], 'float32'))
    assert np.asarray(out).tolist() == [1.0, 2.5, 4.25, 6.125]
    sums, products = tf.scan(lambda a, x: (a[0] + x, a[1] * x),
                             np.array([1., 2., 3.], 'float32'),
                             initializer=(np.float32(0), np.float32(1)),
                             reverse=True)
    assert np.asarray(sums).tolist() == [6., 5., 3.]
    assert np.asarray(products).tolist() == [6., 6., 3.]


def test_reverse_sequence_on_either_axis():
    out = tf.reverse_sequence(np.arange(12).reshape(3, 4), [2, 4, 0],
                              seq_axis=1, batch_axis=0)
    assert np.asarray(out).tolist() == [[1, 0, 2, 3], [7, 6, 5, 4],
                                        [8, 9, 10, 11]]
    out = tf.reverse_sequence(np.arange(12).reshape(4, 3), [3, 1, 2],
                              seq_axis=0, batch_axis=1)
    assert np.asarray(out).tolist() == [[6, 1, 5], [3, 4, 2], [0, 7, 8],
                                        [9, 10, 11]]


def test_scatter_search_histogram_and_confusion_matrix():
    added = tf.tensor_scatter_nd_add(tf.zeros((3, 2)), [[0], [2], [0]],
                                     [[1., 2.], [3., 4.], [5., 6.]])
    assert np.asarray(added).tolist() == [[6., 8.], [0., 0.], [3., 4.]]
    found = tf.searchsorted([[1., 3., 5.], [2., 4., 6.]],
                            [[3., 6.], [0., 4.]], side='right')
    assert np.asarray(found).tolist() == [[2, 3], [0, 2]]
    counts = tf.histogram_fixed_width([-1.0, 0.0, 1.5, 2.0, 5.0, 15.0],
                                      [0.0, 5.0], nbins=5)
    assert np.asarray(counts).tolist() == [2, 1, 1, 0, 2]
    matrix = tf.math.confusion_matrix([0, 1, 2, 2], [0, 2, 2, 1],
                                      num_classes=4,
                                      weights=[1., 2., 3., 4.],
                                      dtype=tf.float32)
    assert np.asarray(matrix).tolist() == [
        [1., 0., 0., 0.], [0., 0., 2., 0.], [0., 4., 3., 0.],
        [0., 0., 0., 0.]]


def test_linear_algebra_additions():
    diag = tf.linalg.set_diag(np.ones((2, 3), 'float32'), [5., 6.])
    assert np.asarray(diag).tolist() == [[5., 1., 1.], [1., 6., 1.]]
    values = tf.linalg.svd(np.array([[3., 1.], [1., 3.], [0., 2.]],
                                    'float32'), compute_uv=False)
    np.testing.assert_allclose(np.asarray(values), [4.28072, 2.38232],
                               rtol=1e-5)
    matrix = np.array([[3., 1.], [1., 3.], [0., 2.]], 'float32')
    s, u, v = tf.linalg.svd(matrix)
    np.testing.assert_allclose(np.asarray(u * s[None]) @ np.asarray(v).T,
                               matrix, atol=1e-5)
    out = tf.math.reciprocal_no_nan(np.array([0., 2.], 'float32'))
    assert np.asarray(out).tolist() == [0., 0.5]


def test_debugging_assertions():
    tf.debugging.assert_equal(tf.constant([1, 2]), tf.constant([1, 2]))
    with pytest.raises(tf.errors.InvalidArgumentError, match='mismatch'):
        tf.debugging.assert_equal(tf.constant([1, 2]), tf.constant([1, 3]),
                                  message='mismatch')
    with pytest.raises(ValueError, match=r'must have rank in \(3, 4\)'):
        tf.debugging.assert_rank_in(tf.zeros((2,)), [3, 4])
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.Assert(tf.constant(False), ['value was', 3])
    tf.assert_greater_equal(tf.constant(3), 2)


def test_static_value_and_weight_broadcasting():
    assert tf.get_static_value(tf.constant([1, 2])).tolist() == [1, 2]
    from keras_compat.tensorflow_compat import python
    ops = python.ops.weights_broadcast_ops
    out = ops.broadcast_weights(np.array([[2.], [3.]], 'float32'),
                                np.zeros((2, 3), 'float32'))
    assert np.asarray(out).tolist() == [[2.] * 3, [3.] * 3]
    with pytest.raises(ValueError, match='weights can not be broadcast'):
        ops.broadcast_weights(np.ones((3,), 'float32'),
                              np.zeros((2, 4), 'float32'))


def test_sparse_tensor_and_lookup_table():
    sparse = tf.SparseTensor([[0, 1], [2, 0]], [5., 7.], [3, 2])
    assert np.asarray(tf.sparse.to_dense(sparse)).tolist() == [
        [0., 5.], [0., 0.], [7., 0.]]
    table = tf.lookup.StaticHashTable(
        tf.lookup.KeyValueTensorInitializer(['a', 'b'], [1, 2]),
        default_value=-1)
    assert np.asarray(table.lookup(np.array(['b', 'z', 'a']))).tolist() == \
        [2, -1, 1]


def test_custom_op_library_is_not_found_and_gradients_register():
    # tfa loads its .so lazily and falls back to Python where loading
    # raises NotFoundError.
    with pytest.raises(tf.errors.NotFoundError):
        tf.load_op_library('_image_ops.so')
    tf.no_gradient('Addons>Example')

    @tf.RegisterGradient('Addons>ExampleGrad')
    def _grad(op, grad):
        return grad
    assert _grad(None, 3) == 3


def test_random_generator_is_seeded():
    first = tf.random.Generator.from_seed(7).uniform((3,), 1., 2.)
    second = tf.random.Generator.from_seed(7).uniform((3,), 1., 2.)
    assert torch.equal(first, second)
    values = np.asarray(first)
    assert ((values >= 1.) & (values < 2.)).all()
    ints = tf.random.Generator.from_seed(1).uniform((50,), 0, 4,
                                                    dtype=tf.int32)
    assert set(np.asarray(ints).tolist()) <= {0, 1, 2, 3}


def test_tf_function_passes_numpy_arrays_as_tensors():
    @tf.function
    def rank_of(image, scale=2):
        return image.get_shape().ndims * scale
    assert rank_of(np.zeros((1, 2, 3))) == 6


def test_type_names_libraries_annotate_with():
    assert tf.initializers.TruncatedNormal(stddev=0.02) is not None
    assert tf.VariableAggregation.MEAN != tf.VariableAggregation.NONE
    assert tf.VariableSynchronization.AUTO == 0
    assert not isinstance(torch.zeros(1), tf.Operation)
    slices = tf.IndexedSlices(torch.ones(2, 3), torch.tensor([0, 2]),
                              [4, 3])
    assert tuple(slices.shape) == (4, 3)
    with pytest.raises(ValueError):
        tf.nest.assert_same_structure([1, (2, 3)], [1, 2])
    tf.nest.assert_same_structure([1, (2, 3)], [4, (5, 6)])
