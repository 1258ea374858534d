"""The TensorFlow stand-in's box and patch image operations. Expected
values are TensorFlow 2.21's for the same inputs."""
import numpy as np
import pytest

from keras_compat import tensorflow_compat as tf

IMAGES = np.random.RandomState(0).rand(2, 7, 9, 3).astype('float32')
BOXES = np.array([[0.1, 0.2, 0.8, 0.9], [0., 0., 1., 1.],
                  [-0.2, 0.3, 0.5, 1.3], [0.5, 0.5, 0.5, 0.5],
                  [0.9, 0.8, 0.2, 0.1]], 'float32')
INDICES = np.array([0, 1, 1, 0, 1], 'int32')


@pytest.mark.parametrize('method, size, total, first', [
    ('bilinear', (4, 5), 89.5105, [-1., -1., -1., -1., -1., 0.36304]),
    ('bilinear', (1, 1), 6.0312, [0.34576]),
    ('bilinear', (3, 1), 16.7946, [-1., 0.34576, 0.3532]),
    ('nearest', (4, 5), 87.0931, [-1., -1., -1., -1., -1., 0.49046]),
    ('nearest', (1, 1), 5.3409, [0.20747]),
    ('nearest', (3, 1), 16.5394, [-1., 0.20747, 0.49739]),
])
def test_crop_and_resize(method, size, total, first):
    out = np.asarray(tf.image.crop_and_resize(
        IMAGES, BOXES, INDICES, size, method=method,
        extrapolation_value=-1.))
    assert out.shape == (5,) + size + (3,) and out.dtype == np.float32
    assert out.sum() == pytest.approx(total, abs=1e-3)
    np.testing.assert_allclose(out[2, :, :, 0].ravel()[:6], first,
                               atol=1e-5)
    # TensorFlow 1's argument name.
    again = tf.image.crop_and_resize(IMAGES, BOXES, box_ind=INDICES,
                                     crop_size=size, method=method,
                                     extrapolation_value=-1.)
    np.testing.assert_array_equal(np.asarray(again), out)


def test_bounding_boxes_gray_and_standardization():
    crop = np.asarray(tf.image.crop_to_bounding_box(IMAGES, 1, 2, 3, 4))
    np.testing.assert_array_equal(crop, IMAGES[:, 1:4, 2:6])
    padded = np.asarray(tf.image.pad_to_bounding_box(IMAGES[0], 1, 2, 10,
                                                     12))
    assert padded.shape == (10, 12, 3)
    np.testing.assert_array_equal(padded[1:8, 2:11], IMAGES[0])
    assert padded.sum() == pytest.approx(IMAGES[0].sum(), rel=1e-6)
    with pytest.raises(ValueError, match='does not fit'):
        tf.image.pad_to_bounding_box(IMAGES, 0, 0, 5, 5)
    gray = np.asarray(tf.image.rgb_to_grayscale(IMAGES))
    assert gray.shape == (2, 7, 9, 1)
    assert gray.sum() == pytest.approx(61.8854, abs=1e-3)
    gray8 = np.asarray(tf.image.rgb_to_grayscale(
        (IMAGES * 255).astype('uint8')))
    assert gray8.dtype == np.uint8 and gray8.astype('int64').sum() == 15684
    standard = np.asarray(tf.image.per_image_standardization(IMAGES))
    np.testing.assert_allclose(standard.ravel()[:4],
                               [0.14681, 0.73167, 0.33646, 0.13299],
                               atol=1e-5)
    flat = tf.image.per_image_standardization(np.ones((2, 2, 1), 'float32'))
    np.testing.assert_array_equal(np.asarray(flat), np.zeros((2, 2, 1)))
