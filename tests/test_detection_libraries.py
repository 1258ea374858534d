"""Backend and TensorFlow idioms of Keras 2 object-detection code
(keras-retinanet's losses and FilterDetections, keras-yolo3's yolo_eval and
yolo_loss), written inline on small tensors. Expected values were obtained
from tf_keras 2.21 on TensorFlow 2.21 running the same code."""
import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common

INF = np.inf


# -------------------------------------------------- scalars stay scalars
def test_cast_to_floatx_scalar_keeps_shape_in_backend_functions():
    # keras-retinanet's focal loss normaliser.
    anchor_state = K.constant(np.array([[1., -1., 0.], [1., 1., 0.]]))
    positives = tf.where(K.equal(anchor_state, 1))
    count = K.cast(K.shape(positives)[0], K.floatx())
    normalizer = K.maximum(K.cast_to_floatx(1.0), count)
    assert K.int_shape(normalizer) == ()
    assert float(K.eval(normalizer)) == 3.0
    assert K.int_shape(K.sum(anchor_state) / normalizer) == ()
    zero_d = np.array(2.0, 'float32')
    assert tuple(K.exp(zero_d).shape) == ()
    assert tuple(K.greater(zero_d, zero_d).shape) == ()


# --------------------------------------------------- backward slicing
def test_backward_slices_outside_layer_calls():
    # keras-yolo3's `grid_shape[::-1]` and `box_xy[..., ::-1]`, run
    # eagerly in a script.
    shape = K.shape(K.constant(np.zeros((2, 3, 4, 5))))
    assert K.eval(shape[1:3][::-1]).tolist() == [4, 3]
    assert K.eval(shape[::-2]).tolist() == [5, 3]
    assert K.eval(shape[-1:0:-1]).tolist() == [5, 4, 3]
    data = np.arange(24, dtype='float32').reshape(2, 3, 4)
    boxes = K.constant(data)
    np.testing.assert_array_equal(K.eval(boxes[..., ::-1]),
                                  data[..., ::-1])
    np.testing.assert_array_equal(K.eval(boxes[:, ::-1, 1:3]),
                                  data[:, ::-1, 1:3])
    np.testing.assert_array_equal(K.eval(boxes[1, 2:0:-1]),
                                  data[1, 2:0:-1])


# ------------------------------------------------- reductions of nothing
def test_max_and_min_over_an_empty_axis_give_the_identity():
    # keras-yolo3's `K.max(box_iou(pred, true_box), axis=-1)` for an image
    # without boxes.
    empty = K.constant(np.zeros((2, 0)))
    assert K.eval(K.max(empty, axis=-1)).tolist() == [-INF, -INF]
    assert K.eval(K.min(empty, axis=-1, keepdims=True)).tolist() == \
        [[INF], [INF]]
    assert float(K.eval(K.max(empty))) == -INF
    assert K.eval(K.max(empty, axis=0)).shape == (0,)
    ints = K.cast(empty, 'int32')
    assert K.eval(K.max(ints, axis=-1)).tolist() == [-2 ** 31, -2 ** 31]
    assert K.eval(K.min(ints, axis=-1)).tolist() == [2 ** 31 - 1] * 2
    assert K.eval(tf.reduce_max(K.constant(np.zeros((2, 0, 3))),
                                axis=(1, 2))).tolist() == [-INF, -INF]
    assert float(K.eval(tf.reduce_min(empty))) == INF


# ---------------------------------------------------------- TensorArray
def test_tensor_array_write_stack_and_read():
    ta = tf.TensorArray(tf.float32, size=1, dynamic_size=True)
    written = ta.write(0, [1., 2.]).write(2, [3., 4.])
    assert written is not ta and written.dtype == tf.float32
    assert K.eval(written.stack()).tolist() == [[1., 2.], [0., 0.],
                                                [3., 4.]]
    assert int(K.eval(written.size())) == 3
    filled = tf.TensorArray('float32', size=3).unstack(
        [[1., 2.], [3., 4.], [5., 6.]])
    assert K.eval(filled.gather([2, 0])).tolist() == [[5., 6.], [1., 2.]]
    scattered = tf.TensorArray(tf.float32, size=3).scatter(
        [2, 0], [[1., 2.], [3., 4.]])
    assert K.eval(scattered.stack()).tolist() == [[3., 4.], [0., 0.],
                                                  [1., 2.]]
    ragged = tf.TensorArray(tf.float32, size=2, infer_shape=False)
    assert K.eval(ragged.write(0, [1.]).write(1, [2., 3.]).concat()
                  ).tolist() == [1., 2., 3.]
    assert tuple(tf.TensorArray(tf.float32, size=0, element_shape=[3])
                 .stack().shape) == (0, 3)


def test_tensor_array_errors_match_tensorflow():
    with pytest.raises(tf.errors.OutOfRangeError,
                       match='not resizeable and size is: 1'):
        tf.TensorArray(tf.float32, size=1).write(3, [1.])
    with pytest.raises(tf.errors.OutOfRangeError, match='negative indices'):
        tf.TensorArray(tf.float32, size=2).write(-1, [1.])
    with pytest.raises(ValueError, match=r'Incompatible shape for value '
                       r'\(\(3,\)\), expected \(\(2,\)\)'):
        tf.TensorArray(tf.float32, size=2).write(0, [1., 2.]).write(
            1, [1., 2., 3.])
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match='dtype is float32 but Op is trying to write '
                       'dtype int32'):
        tf.TensorArray(tf.float32, size=1).write(0, K.constant(3, 'int32'))
    once = tf.TensorArray(tf.float32, size=1).write(0, [1.])
    once.read(0)
    with pytest.raises(tf.errors.InvalidArgumentError, match='twice'):
        once.read(0)
    with pytest.raises(ValueError, match='Size must be declared'):
        tf.TensorArray(tf.float32)


def test_tensor_array_in_while_loop_is_differentiable():
    x = tf.Variable([1., 2., 3.])
    with tf.GradientTape() as tape:
        def body(i, ta):
            return i + 1, ta.write(i, x[i] * x[i])
        _, ta = tf.while_loop(lambda i, *a: i < 3, body,
                              [0, tf.TensorArray(tf.float32, size=1,
                                                 dynamic_size=True)])
        total = tf.reduce_sum(ta.stack())
    assert K.eval(tape.gradient(total, x)).tolist() == [2., 4., 6.]


def _box_iou(b1, b2):
    b1 = K.expand_dims(b1, -2)
    b1_mins, b1_maxes = b1[..., :2] - b1[..., 2:4] / 2., \
        b1[..., :2] + b1[..., 2:4] / 2.
    b2 = K.expand_dims(b2, 0)
    b2_mins, b2_maxes = b2[..., :2] - b2[..., 2:4] / 2., \
        b2[..., :2] + b2[..., 2:4] / 2.
    wh = K.maximum(K.minimum(b1_maxes, b2_maxes) -
                   K.maximum(b1_mins, b2_mins), 0.)
    inter = wh[..., 0] * wh[..., 1]
    return inter / (b1[..., 2] * b1[..., 3] + b2[..., 2] * b2[..., 3] -
                    inter)


def test_yolo_ignore_mask_loop_through_backend_control_flow_ops():
    # keras-yolo3's yolo_loss: `K.control_flow_ops.while_loop` over the
    # batch, a TensorArray per image, an image without boxes.
    pred_box = K.constant(np.array(
        [[[0.5, 0.5, 0.2, 0.2], [0.1, 0.1, 0.1, 0.1], [0.8, 0.8, 0.3, 0.3]],
         [[0.5, 0.5, 0.2, 0.2], [0.2, 0.3, 0.4, 0.1],
          [0.6, 0.6, 0.2, 0.2]]]))
    y_true = K.constant(np.array(
        [[[0.5, 0.5, 0.25, 0.2, 1], [0, 0, 0, 0, 0],
          [0.75, 0.8, 0.3, 0.3, 1]],
         [[0, 0, 0, 0, 0]] * 3]))
    object_mask_bool = K.cast(y_true[..., 4:5], 'bool')
    m = K.shape(pred_box)[0]
    ignore_mask = tf.TensorArray(K.dtype(y_true), size=1, dynamic_size=True)

    def loop_body(b, ignore_mask):
        true_box = tf.boolean_mask(y_true[b, ..., 0:4],
                                   object_mask_bool[b, ..., 0])
        best_iou = K.max(_box_iou(pred_box[b], true_box), axis=-1)
        return b + 1, ignore_mask.write(
            b, K.cast(best_iou < 0.5, K.dtype(true_box)))
    _, ignore_mask = K.control_flow_ops.while_loop(
        lambda b, *args: b < m, loop_body, [0, ignore_mask])
    assert K.eval(ignore_mask.stack()).tolist() == [[0., 1., 0.],
                                                    [1., 1., 1.]]
    assert K.tensor_array_ops.TensorArray is tf.TensorArray


# ------------------------------------------------- non-max suppression
def test_non_max_suppression_of_boxes_without_area_or_without_bounds():
    # Random detector weights give boxes of infinite size (K.exp overflow)
    # and of no area; TensorFlow's kernel lets a box of no area overlap
    # nothing and sends a box whose overlap is not a number to score 0.
    boxes = np.array([[-INF, -INF, INF, INF], [0, 0, 10, 10],
                      [0, 1, 10, 11], [-5, -INF, 5, INF], [5, 5, 5, 5],
                      [20, 20, 30, 30]], 'float32')
    scores = np.array([.9, .8, .7, .85, .95, .6], 'float32')

    def kept(**kwargs):
        return K.eval(tf.image.non_max_suppression(
            boxes, scores, kwargs.pop('limit', 10), iou_threshold=0.5,
            **kwargs)).tolist()
    assert kept() == [4, 0, 1, 5, 3]
    assert kept(score_threshold=0.0) == [4, 0, 1, 5]
    assert kept(limit=3) == [4, 0, 1]


def test_non_max_suppression_orders_equal_scores_by_index():
    boxes = np.array([[0, 0, 1, 1], [2, 2, 3, 3], [0, 0, 1, 1.1],
                      [4, 4, 5, 5]], 'float32')
    scores = np.array([.5, .9, .5, .9], 'float32')
    result = tf.image.non_max_suppression(boxes, scores, 4,
                                          iou_threshold=0.5)
    assert result.dtype == torch.int32
    assert K.eval(result).tolist() == [1, 3, 0]


class _PriorProbability(keras.initializers.Initializer):
    """keras-retinanet 1.0's classification bias initializer."""

    def __init__(self, probability=0.01):
        self.probability = probability

    def __call__(self, shape, dtype=None):
        return K.ones(shape, dtype=dtype) * -np.log(
            (1 - self.probability) / self.probability)


def test_initializer_computing_on_backend_variables():
    layer = keras.layers.Dense(2, bias_initializer=_PriorProbability())
    layer.build((None, 3))
    np.testing.assert_allclose(layer.get_weights()[1],
                               [-4.59512] * 2, rtol=1e-5)
    assert layer.bias.trainable
    assert any(w is layer.bias for w in layer.trainable_weights)


def test_predict_of_a_model_whose_output_is_the_batch_loss():
    # keras-yolo3's training model: Lambda(loss) outputs a scalar.
    x = keras.layers.Input((2,))
    loss = keras.layers.Lambda(lambda t: K.sum(t), output_shape=(1,))(x)
    model = keras.models.Model(x, loss)
    data = np.arange(6, dtype='float32').reshape(3, 2)
    # Keras 2.3's predict_loop fills each batch's rows with its value.
    np.testing.assert_allclose(model.predict(data, batch_size=2),
                               [6., 6., 9.])
    common.set_api_flavour('tf.keras')
    try:
        # tf.keras: one value per batch (a Python float for one batch).
        np.testing.assert_allclose(model.predict(data, batch_size=2),
                                   [6., 9.])
        assert model.predict(data) == 15. and \
            isinstance(model.predict(data), float)
    finally:
        common.set_api_flavour('keras')
