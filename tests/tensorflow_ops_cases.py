"""TensorFlow operations on fixed inputs, for the TensorFlow stand-in's
parity test. `python tests/tensorflow_ops_cases.py` under a real
TensorFlow 2 writes the reference values to
tests/data/tensorflow_ops_reference.npz (TensorFlow 2.21 wrote the file
there now)."""
import os

import numpy as np


def compute(tf):
    """The cases' values as numpy arrays, computed with module `tf`."""
    tf1 = tf.compat.v1
    rs = np.random.RandomState(0)
    img = rs.rand(2, 5, 7, 3).astype('float32')
    img2 = rs.rand(2, 12, 12, 2).astype('float32')
    img3 = (img2 + 0.1 * rs.rand(*img2.shape)).astype('float32')
    x = rs.rand(2, 4, 4, 8).astype('float32')
    k = rs.rand(3, 3, 8, 4).astype('float32')
    clipped, norm = tf.clip_by_global_norm(
        [np.ones(3, 'float32'), 2 * np.ones(2, 'float32')], 1.0)
    unique = tf.unique(np.array([3, 1, 3, 2, 1]))
    cases = {
        'resize_bilinear': tf.image.resize(img, (9, 4)),
        'resize_nearest': tf.image.resize(img, (9, 4), method='nearest'),
        'v1_bilinear': tf1.image.resize_bilinear(img, (9, 4)),
        'v1_bilinear_corners': tf1.image.resize_bilinear(
            img, (9, 4), align_corners=True),
        'v1_nearest': tf1.image.resize_nearest_neighbor(img, (9, 11)),
        'v1_nearest_corners': tf1.image.resize_nearest_neighbor(
            img, (9, 11), align_corners=True),
        'v1_resize_images': tf1.image.resize_images(img, (10, 14)),
        'depth_to_space': tf.nn.depth_to_space(x, 2),
        'space_to_depth': tf.nn.space_to_depth(x, 2),
        'scatter_nd': tf.scatter_nd(np.array([[0, 1], [2, 2], [0, 1]]),
                                    np.array([1., 2., 3.], 'float32'),
                                    [3, 3]),
        'ssim': tf.image.ssim(img2, img3, max_val=1.0),
        'psnr': tf.image.psnr(img2, img3, max_val=1.0),
        'band_part': tf.linalg.band_part(
            np.arange(16., dtype='float32').reshape(4, 4), 1, 0),
        'max_pool': tf.nn.max_pool2d(x, 2, 2, 'SAME'),
        'avg_pool': tf.nn.avg_pool2d(x, [1, 3, 3, 1], [1, 2, 2, 1],
                                     'VALID'),
        'conv2d': tf.nn.conv2d(x, k, strides=1, padding='SAME'),
        'l2_loss': tf.nn.l2_loss(x),
        'unique_y': unique.y,
        'unique_idx': unique.idx,
        'global_norm': norm,
        'global_clipped': clipped[0],
        'split_rest': tf.split(np.arange(10.), [3, -1, 2])[1],
        'count_nonzero': tf.math.count_nonzero(
            np.array([[0, 1], [2, 0]]), axis=1),
        'sort_descending': tf.sort(np.array([3., 1., 2.]),
                                   direction='DESCENDING'),
        'roll': tf.roll(np.arange(5), 2, 0),
        'segment_sum': tf.math.unsorted_segment_sum(
            np.array([1., 2., 3., 4.]), np.array([0, 1, 0, 1]), 2),
        'map_fn_tuple': tf.map_fn(lambda a: a[0] * 2 + a[1],
                                  (np.arange(3.), np.ones(3)),
                                  dtype=tf.float64),
        'map_fn_nested': tf.map_fn(lambda a: a[0][0] * a[0][1] + a[1],
                                   ((np.arange(4.), np.arange(4.)),
                                    np.ones(4)), dtype=tf.float64),
        'non_max_suppression': tf.image.non_max_suppression(
            np.array([[0., 0., 1., 1.], [0., 0.1, 1., 1.1],
                      [0., 2., 1., 3.], [0., 2.2, 1., 3.3]], 'float32'),
            np.array([0.9, 0.8, 0.7, 0.95], 'float32'), 3,
            iou_threshold=0.5),
    }
    return {name: np.asarray(value.numpy() if hasattr(value, 'numpy')
                             else value) for name, value in cases.items()}


if __name__ == '__main__':
    import tensorflow
    np.savez(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          'data', 'tensorflow_ops_reference.npz'),
             **compute(tensorflow))
