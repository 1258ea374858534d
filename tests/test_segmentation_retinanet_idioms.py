"""Idioms of segmentation_models 1.0 (loss and metric objects combined
with `+` and `*`, channel gathering, thresholded scores, encoder freezing)
and of keras-retinanet 0.5/1.0 (Anchors, RegressBoxes, ClipBoxes,
UpsampleLike and FilterDetections layers, focal and smooth L1 losses),
written inline on small tensors. Expected values were obtained from
tf_keras 2.21 on TensorFlow 2.21 running the same code."""
import numpy as np
import pytest

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common


@pytest.fixture(autouse=True)
def tf_keras_program():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')
    K.set_floatx('float32')


# ---------------------------------------------------------------- shared
def _generate_anchors(base_size, ratios, scales):
    num = len(ratios) * len(scales)
    anchors = np.zeros((num, 4))
    anchors[:, 2:] = base_size * np.tile(scales, (2, len(ratios))).T
    areas = anchors[:, 2] * anchors[:, 3]
    anchors[:, 2] = np.sqrt(areas / np.repeat(ratios, len(scales)))
    anchors[:, 3] = anchors[:, 2] * np.repeat(ratios, len(scales))
    anchors[:, 0::2] -= np.tile(anchors[:, 2] * 0.5, (2, 1)).T
    anchors[:, 1::2] -= np.tile(anchors[:, 3] * 0.5, (2, 1)).T
    return anchors


def _shift(shape, stride, anchors):
    shift_x = (K.arange(0, shape[1], dtype=K.floatx()) +
               K.constant(0.5, dtype=K.floatx())) * stride
    shift_y = (K.arange(0, shape[0], dtype=K.floatx()) +
               K.constant(0.5, dtype=K.floatx())) * stride
    shift_x, shift_y = tf.meshgrid(shift_x, shift_y)
    shift_x = K.reshape(shift_x, [-1])
    shift_y = K.reshape(shift_y, [-1])
    shifts = K.stack([shift_x, shift_y, shift_x, shift_y], axis=0)
    shifts = K.transpose(shifts)
    number_of_anchors = K.shape(anchors)[0]
    k = K.shape(shifts)[0]
    shifted = K.reshape(anchors, [1, number_of_anchors, 4]) + K.cast(
        K.reshape(shifts, [k, 1, 4]), K.floatx())
    return K.reshape(shifted, [k * number_of_anchors, 4])


class Anchors(keras.layers.Layer):
    def __init__(self, size, stride, ratios=None, scales=None, *args,
                 **kwargs):
        self.size = size
        self.stride = stride
        self.ratios = np.array(ratios if ratios is not None else [0.5, 2.])
        self.scales = np.array(scales if scales is not None else [1.])
        self.num_anchors = len(self.ratios) * len(self.scales)
        self.anchors = _generate_anchors(size, self.ratios,
                                         self.scales).astype(np.float32)
        super(Anchors, self).__init__(*args, **kwargs)

    def call(self, inputs, **kwargs):
        features_shape = K.shape(inputs)
        anchors = _shift(features_shape[1:3], self.stride, self.anchors)
        return K.tile(K.expand_dims(anchors, axis=0),
                      (features_shape[0], 1, 1))

    def compute_output_shape(self, input_shape):
        if None not in input_shape[1:]:
            total = np.prod(input_shape[1:3]) * self.num_anchors
            return (input_shape[0], total, 4)
        return (input_shape[0], None, 4)

    def get_config(self):
        config = super(Anchors, self).get_config()
        config.update({'size': self.size, 'stride': self.stride,
                       'ratios': self.ratios.tolist(),
                       'scales': self.scales.tolist()})
        return config


class UpsampleLike(keras.layers.Layer):
    def call(self, inputs, **kwargs):
        source, target = inputs
        target_shape = K.shape(target)
        return tf.compat.v1.image.resize_images(
            source, (target_shape[1], target_shape[2]),
            tf.image.ResizeMethod.NEAREST_NEIGHBOR, False)

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0],) + input_shape[1][1:3] + \
            (input_shape[0][-1],)


class RegressBoxes(keras.layers.Layer):
    def __init__(self, mean=None, std=None, *args, **kwargs):
        self.mean = np.array([0, 0, 0, 0]) if mean is None else \
            np.array(mean)
        self.std = np.array([0.2, 0.2, 0.2, 0.2]) if std is None else \
            np.array(std)
        super(RegressBoxes, self).__init__(*args, **kwargs)

    def call(self, inputs, **kwargs):
        boxes, deltas = inputs
        width = boxes[:, :, 2] - boxes[:, :, 0]
        height = boxes[:, :, 3] - boxes[:, :, 1]
        x1 = boxes[:, :, 0] + (deltas[:, :, 0] * self.std[0] +
                               self.mean[0]) * width
        y1 = boxes[:, :, 1] + (deltas[:, :, 1] * self.std[1] +
                               self.mean[1]) * height
        x2 = boxes[:, :, 2] + (deltas[:, :, 2] * self.std[2] +
                               self.mean[2]) * width
        y2 = boxes[:, :, 3] + (deltas[:, :, 3] * self.std[3] +
                               self.mean[3]) * height
        return K.stack([x1, y1, x2, y2], axis=2)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        config = super(RegressBoxes, self).get_config()
        config.update({'mean': self.mean.tolist(),
                       'std': self.std.tolist()})
        return config


class ClipBoxes(keras.layers.Layer):
    def call(self, inputs, **kwargs):
        image, boxes = inputs
        shape = K.cast(K.shape(image), K.floatx())
        _, height, width, _ = tf.unstack(shape, axis=0)
        x1, y1, x2, y2 = tf.unstack(boxes, axis=-1)
        x1 = tf.clip_by_value(x1, 0, width - 1)
        y1 = tf.clip_by_value(y1, 0, height - 1)
        x2 = tf.clip_by_value(x2, 0, width - 1)
        y2 = tf.clip_by_value(y2, 0, height - 1)
        return K.stack([x1, y1, x2, y2], axis=2)

    def compute_output_shape(self, input_shape):
        return input_shape[1]


def filter_detections(boxes, classification, other=[],
                      class_specific_filter=True, nms=True,
                      score_threshold=0.05, max_detections=300,
                      nms_threshold=0.5):
    def _filter(scores, labels):
        indices = tf.where(K.greater(scores, score_threshold))
        if nms:
            filtered_boxes = tf.gather_nd(boxes, indices)
            filtered_scores = K.gather(scores, indices)[:, 0]
            nms_indices = tf.image.non_max_suppression(
                filtered_boxes, filtered_scores,
                max_output_size=max_detections, iou_threshold=nms_threshold)
            indices = K.gather(indices, nms_indices)
        labels = tf.gather_nd(labels, indices)
        return K.stack([indices[:, 0], labels], axis=1)

    if class_specific_filter:
        all_indices = []
        for c in range(int(classification.shape[1])):
            scores = classification[:, c]
            labels = c * tf.ones((K.shape(scores)[0],), dtype='int64')
            all_indices.append(_filter(scores, labels))
        indices = K.concatenate(all_indices, axis=0)
    else:
        scores = K.max(classification, axis=1)
        labels = K.argmax(classification, axis=1)
        indices = _filter(scores, labels)
    scores = tf.gather_nd(classification, indices)
    labels = indices[:, 1]
    scores, top_indices = tf.nn.top_k(
        scores, k=K.minimum(max_detections, K.shape(scores)[0]))
    indices = K.gather(indices[:, 0], top_indices)
    boxes = K.gather(boxes, indices)
    labels = K.gather(labels, top_indices)
    other_ = [K.gather(o, indices) for o in other]
    pad_size = K.maximum(0, max_detections - K.shape(scores)[0])
    boxes = tf.pad(boxes, [[0, pad_size], [0, 0]], constant_values=-1)
    scores = tf.pad(scores, [[0, pad_size]], constant_values=-1)
    labels = tf.pad(labels, [[0, pad_size]], constant_values=-1)
    labels = K.cast(labels, 'int32')
    other_ = [tf.pad(o, [[0, pad_size]] + [[0, 0] for _ in
                                             range(1, len(o.shape))],
                     constant_values=-1) for o in other_]
    boxes.set_shape([max_detections, 4])
    scores.set_shape([max_detections])
    labels.set_shape([max_detections])
    for o, s in zip(other_, [list(K.int_shape(o)) for o in other]):
        o.set_shape([max_detections] + s[1:])
    return [boxes, scores, labels] + other_


class FilterDetections(keras.layers.Layer):
    def __init__(self, nms=True, class_specific_filter=True,
                 nms_threshold=0.5, score_threshold=0.05, max_detections=300,
                 parallel_iterations=32, signature=True, **kwargs):
        self.nms = nms
        self.class_specific_filter = class_specific_filter
        self.nms_threshold = nms_threshold
        self.score_threshold = score_threshold
        self.max_detections = max_detections
        self.parallel_iterations = parallel_iterations
        self.signature = signature
        super(FilterDetections, self).__init__(**kwargs)

    def call(self, inputs, **kwargs):
        boxes, classification, other = inputs[0], inputs[1], inputs[2:]

        def _fn(args):
            return filter_detections(
                args[0], args[1], args[2], nms=self.nms,
                class_specific_filter=self.class_specific_filter,
                score_threshold=self.score_threshold,
                max_detections=self.max_detections,
                nms_threshold=self.nms_threshold)

        dtypes = [K.floatx(), K.floatx(), 'int32'] + [o.dtype for o in other]
        if not self.signature:
            # keras-retinanet 0.5: the Keras 2 era `dtype=` list.
            return tf.map_fn(_fn, elems=[boxes, classification, other],
                             dtype=dtypes,
                             parallel_iterations=self.parallel_iterations)
        shapes = [(self.max_detections, 4), (self.max_detections,),
                  (self.max_detections,)]
        shapes.extend([(self.max_detections,) + o.shape[2:] for o in other])
        sig = [tf.TensorSpec(shapes[i], dtype=t)
               for i, t in enumerate(dtypes)]
        return tf.map_fn(_fn, elems=[boxes, classification, other],
                         fn_output_signature=sig,
                         parallel_iterations=self.parallel_iterations)

    def compute_output_shape(self, input_shape):
        return [(input_shape[0][0], self.max_detections, 4),
                (input_shape[1][0], self.max_detections),
                (input_shape[1][0], self.max_detections)] + [
            tuple([input_shape[i][0], self.max_detections] +
                  list(input_shape[i][2:]))
            for i in range(2, len(input_shape))]

    def compute_mask(self, inputs, mask=None):
        return (len(inputs) + 1) * [None]

    def get_config(self):
        config = super(FilterDetections, self).get_config()
        config.update({'nms': self.nms,
                       'class_specific_filter': self.class_specific_filter,
                       'nms_threshold': self.nms_threshold,
                       'score_threshold': self.score_threshold,
                       'max_detections': self.max_detections,
                       'parallel_iterations': self.parallel_iterations,
                       'signature': self.signature})
        return config


def focal(alpha=0.25, gamma=2.0, cutoff=0.5):
    def _focal(y_true, y_pred):
        labels = y_true[:, :, :-1]
        anchor_state = y_true[:, :, -1]
        indices = tf.where(K.not_equal(anchor_state, -1))
        labels = tf.gather_nd(labels, indices)
        classification = tf.gather_nd(y_pred, indices)
        alpha_factor = K.ones_like(labels) * alpha
        alpha_factor = tf.where(K.greater(labels, cutoff), alpha_factor,
                                1 - alpha_factor)
        focal_weight = tf.where(K.greater(labels, cutoff),
                                1 - classification, classification)
        focal_weight = alpha_factor * focal_weight ** gamma
        cls_loss = focal_weight * K.binary_crossentropy(labels,
                                                        classification)
        normalizer = tf.where(K.equal(anchor_state, 1))
        normalizer = K.cast(K.shape(normalizer)[0], K.floatx())
        normalizer = K.maximum(K.cast_to_floatx(1.0), normalizer)
        return K.sum(cls_loss) / normalizer
    return _focal


def smooth_l1(sigma=3.0):
    sigma_squared = sigma ** 2

    def _smooth_l1(y_true, y_pred):
        regression_target = y_true[:, :, :-1]
        anchor_state = y_true[:, :, -1]
        indices = tf.where(K.equal(anchor_state, 1))
        regression = tf.gather_nd(y_pred, indices)
        regression_target = tf.gather_nd(regression_target, indices)
        diff = K.abs(regression - regression_target)
        loss = tf.where(K.less(diff, 1.0 / sigma_squared),
                        0.5 * sigma_squared * K.pow(diff, 2),
                        diff - 0.5 / sigma_squared)
        normalizer = K.maximum(1, K.shape(indices)[0])
        normalizer = K.cast(normalizer, dtype=K.floatx())
        return K.sum(loss) / normalizer
    return _smooth_l1


# ------------------------------------------------- segmentation objects
class KerasObject(object):
    def __init__(self, name=None):
        self._name = name

    @property
    def __name__(self):
        return self.__class__.__name__ if self._name is None else self._name

    @property
    def name(self):
        return self.__name__


class Loss(KerasObject):
    def __add__(self, other):
        return SumOfLosses(self, other)

    def __radd__(self, other):
        return self.__add__(other)

    def __mul__(self, value):
        return MultipliedLoss(self, value)

    def __rmul__(self, other):
        return self.__mul__(other)


class MultipliedLoss(Loss):
    def __init__(self, loss, multiplier):
        name = '{}{}'.format(multiplier, loss.__name__) \
            if len(loss.__name__.split('+')) <= 1 else \
            '{}({})'.format(multiplier, loss.__name__)
        super(MultipliedLoss, self).__init__(name=name)
        self.loss = loss
        self.multiplier = multiplier

    def __call__(self, gt, pr):
        return self.multiplier * self.loss(gt, pr)


class SumOfLosses(Loss):
    def __init__(self, l1, l2):
        super(SumOfLosses, self).__init__(
            name='{}_plus_{}'.format(l1.__name__, l2.__name__))
        self.l1 = l1
        self.l2 = l2

    def __call__(self, gt, pr):
        return self.l1(gt, pr) + self.l2(gt, pr)


def _gather_channels(x, indexes):
    x = K.permute_dimensions(x, (3, 0, 1, 2))
    x = K.gather(x, indexes)
    return K.permute_dimensions(x, (1, 2, 3, 0))


def _score(gt, pr, beta, class_weights, class_indexes, smooth, per_image,
           threshold):
    if class_indexes is not None:
        gt, pr = _gather_channels(gt, class_indexes), \
            _gather_channels(pr, class_indexes)
    if threshold is not None:
        pr = K.cast(K.greater(pr, threshold), K.floatx())
    axes = [1, 2] if per_image else [0, 1, 2]
    tp = K.sum(gt * pr, axis=axes)
    fp = K.sum(pr, axis=axes) - tp
    fn = K.sum(gt, axis=axes) - tp
    if beta is None:
        score = (tp + smooth) / (tp + fp + fn + smooth)
    else:
        score = ((1 + beta ** 2) * tp + smooth) / \
            ((1 + beta ** 2) * tp + beta ** 2 * fn + fp + smooth)
    if per_image:
        score = K.mean(score, axis=0)
    return K.mean(score * class_weights)


class IOUScore(KerasObject):
    def __init__(self, class_weights=None, class_indexes=None,
                 threshold=None, per_image=False, smooth=1e-5, name=None):
        super(IOUScore, self).__init__(name=name or 'iou_score')
        self.class_weights = 1 if class_weights is None else class_weights
        self.class_indexes = class_indexes
        self.threshold = threshold
        self.per_image = per_image
        self.smooth = smooth

    def __call__(self, gt, pr):
        return _score(gt, pr, None, self.class_weights, self.class_indexes,
                      self.smooth, self.per_image, self.threshold)


class FScore(IOUScore):
    def __init__(self, beta=1, name=None, **kwargs):
        super(FScore, self).__init__(name=name or 'f{}-score'.format(beta),
                                     **kwargs)
        self.beta = beta

    def __call__(self, gt, pr):
        return _score(gt, pr, self.beta, self.class_weights,
                      self.class_indexes, self.smooth, self.per_image,
                      self.threshold)


class JaccardLoss(Loss):
    def __init__(self, class_weights=None, per_image=False):
        super(JaccardLoss, self).__init__(name='jaccard_loss')
        self.class_weights = 1. if class_weights is None else class_weights
        self.per_image = per_image

    def __call__(self, gt, pr):
        return 1 - _score(gt, pr, None, self.class_weights, None, 1e-5,
                          self.per_image, None)


class DiceLoss(Loss):
    def __init__(self, beta=1, class_weights=None):
        super(DiceLoss, self).__init__(name='dice_loss')
        self.beta = beta
        self.class_weights = 1. if class_weights is None else class_weights

    def __call__(self, gt, pr):
        return 1 - _score(gt, pr, self.beta, self.class_weights, None, 1e-5,
                          False, None)


class CategoricalFocalLoss(Loss):
    def __init__(self, alpha=0.25, gamma=2.):
        super(CategoricalFocalLoss, self).__init__(name='focal_loss')
        self.alpha = alpha
        self.gamma = gamma

    def __call__(self, gt, pr):
        pr = K.clip(pr, K.epsilon(), 1.0 - K.epsilon())
        loss = - gt * (self.alpha * K.pow((1 - pr), self.gamma) * K.log(pr))
        return K.mean(loss)


class CategoricalCELoss(Loss):
    def __init__(self, class_weights=None):
        super(CategoricalCELoss, self).__init__(
            name='categorical_crossentropy')
        self.class_weights = 1. if class_weights is None else class_weights

    def __call__(self, gt, pr):
        pr /= K.sum(pr, axis=3, keepdims=True)
        pr = K.clip(pr, K.epsilon(), 1 - K.epsilon())
        return - K.mean(gt * K.log(pr) * self.class_weights)


def seg_model():
    inp = keras.layers.Input((6, 6, 3))
    x = keras.layers.Conv2D(4, 3, padding='same', name='enc_conv')(inp)
    x = keras.layers.BatchNormalization(name='enc_bn')(x)
    x = keras.layers.Activation('relu', name='enc_relu')(x)
    x = keras.layers.Conv2D(2, 1, name='final_conv')(x)
    x = keras.layers.Activation('softmax', name='softmax')(x)
    model = keras.models.Model(inp, x)
    model.set_weights([np.linspace(-0.5, 0.5, 108).reshape(3, 3, 3, 4)
                       .astype('float32'),
                       np.array([0.1, -0.1, 0.05, 0.], 'float32'),
                       np.ones(4, 'float32'), np.zeros(4, 'float32'),
                       np.zeros(4, 'float32'), np.ones(4, 'float32'),
                       np.linspace(-1, 1, 8).reshape(1, 1, 4, 2)
                       .astype('float32'),
                       np.array([0.2, -0.2], 'float32')])
    return model


def seg_data():
    rng = np.random.RandomState(0)
    x = rng.rand(4, 6, 6, 3).astype('float32')
    labels = (x[..., 0] + 0.3 * x[..., 1] > 0.6).astype('int64')
    return x, np.eye(2, dtype='float32')[labels]


def det_model():
    feats = keras.layers.Input((None, 3), name='feats')
    reg = keras.layers.Dense(4, name='regression')(feats)
    cls = keras.layers.Dense(2, activation='sigmoid',
                             name='classification')(feats)
    model = keras.models.Model(feats, [reg, cls])
    model.set_weights([np.linspace(-1, 1, 12).reshape(3, 4)
                       .astype('float32'),
                       np.array([0.1, 0., -0.1, 0.2], 'float32'),
                       np.linspace(1, -1, 6).reshape(3, 2)
                       .astype('float32'),
                       np.array([-0.5, 0.3], 'float32')])
    return model


def det_data():
    rng = np.random.RandomState(1)
    x = rng.randn(2, 5, 3).astype('float32')
    state = np.array([[1, 0, -1, 1, 0], [0, 1, 1, -1, 0]], 'float32')
    reg_t = np.concatenate([rng.randn(2, 5, 4).astype('float32'),
                            state[..., None]], -1)
    lab = np.zeros((2, 5, 2), 'float32')
    lab[0, 0, 1] = lab[0, 3, 0] = lab[1, 1, 0] = lab[1, 2, 1] = 1
    return x, reg_t, np.concatenate([lab, state[..., None]], -1)


def detection_inputs():
    boxes = np.array([[[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30],
                       [0, 0, 10, 10], [21, 19, 31, 29], [5, 5, 6, 6]],
                      [[2, 2, 4, 4], [2, 2, 4, 4], [8, 8, 9, 9],
                       [0, 0, 1, 1], [3, 3, 5, 5], [7, 7, 30, 30]]],
                     'float32')
    scores = np.array([[[0.9, 0.1], [0.8, 0.7], [0.3, 0.6], [0.9, 0.2],
                        [0.04, 0.65], [0.5, 0.5]],
                       [[0.6, 0.6], [0.6, 0.6], [0.2, 0.01], [0.7, 0.3],
                        [0.55, 0.62], [0.02, 0.03]]], 'float32')
    other = np.arange(24, dtype='float32').reshape(2, 6, 2)
    return boxes, scores, other


# ------------------------------------------------------------ detection
ANCHORS = [[-3.65685, -0.82843, 7.65685, 4.82843],
           [-0.82843, -3.65685, 4.82843, 7.65685],
           [0.34315, -0.82843, 11.65685, 4.82843],
           [3.17157, -3.65685, 8.82843, 7.65685],
           [4.34315, -0.82843, 15.65685, 4.82843],
           [7.17157, -3.65685, 12.82843, 7.65685],
           [-3.65685, 3.17157, 7.65685, 8.82843],
           [-0.82843, 0.34315, 4.82843, 11.65685],
           [0.34315, 3.17157, 11.65685, 8.82843],
           [3.17157, 0.34315, 8.82843, 11.65685],
           [4.34315, 3.17157, 15.65685, 8.82843],
           [7.17157, 0.34315, 12.82843, 11.65685]]
CLIPPED = [[0.0, 0.0, 3.51652, 2.85455], [0.0, 0.0, 3.14341, 4.47939],
           [0.0, 0.0, 9.05711, 3.62484], [2.06427, 0.0, 7.9137, 6.01998],
           [2.89884, 0.0, 13.0, 4.39514], [6.83457, 0.0, 12.684, 7.56057],
           [0.0, 3.316, 8.13829, 9.0], [0.0, 1.4023, 5.45429, 9.0],
           [1.98002, 4.0863, 13.0, 9.0], [4.37516, 2.94289, 10.22459, 9.0],
           [7.52061, 4.85659, 13.0, 9.0], [9.14545, 4.48348, 13.0, 9.0]]
UPSAMPLED = [[1, 1, 1, 5, 5, 9, 9]] * 3 + [[13, 13, 13, 17, 17, 21, 21]] * 2


def test_anchor_box_and_upsample_layers_on_images_of_any_size(tmp_path):
    img = keras.layers.Input((None, None, 3))
    feat = keras.layers.Input((None, None, 4))
    big = keras.layers.Input((None, None, 1))
    deltas = keras.layers.Input((None, 4))
    anchors = Anchors(size=8, stride=4, name='anchors')(feat)
    boxes = RegressBoxes(name='boxes')([anchors, deltas])
    clipped = ClipBoxes(name='clipped')([img, boxes])
    up = UpsampleLike(name='up')([feat, big])
    model = keras.models.Model([img, feat, big, deltas],
                               [anchors, clipped, up])
    assert K.int_shape(anchors) == (None, None, 4)
    assert K.int_shape(up) == (None, None, None, 4)
    inputs = [np.zeros((1, 10, 14, 3), 'float32'),
              np.arange(24, dtype='float32').reshape(1, 2, 3, 4),
              np.zeros((1, 5, 7, 1), 'float32'),
              np.linspace(-2, 2, 48).reshape(1, 12, 4).astype('float32')]
    a, c, u = model.predict(inputs, verbose=0)
    np.testing.assert_allclose(a[0], ANCHORS, atol=1e-4)
    np.testing.assert_allclose(c[0], CLIPPED, atol=1e-4)
    np.testing.assert_array_equal(u[0, ..., 1], UPSAMPLED)
    path = str(tmp_path / 'anchors.h5')
    model.save(path)
    loaded = keras.models.load_model(path, custom_objects={
        'Anchors': Anchors, 'RegressBoxes': RegressBoxes,
        'ClipBoxes': ClipBoxes, 'UpsampleLike': UpsampleLike})
    assert loaded.get_layer('anchors').get_config()['ratios'] == [0.5, 2.0]
    for before, after in zip((a, c, u), loaded.predict(inputs, verbose=0)):
        np.testing.assert_array_equal(before, after)


# For each option set: the scores, the labels and the index of the box
# kept in each of the five slots (-1: padding), per image.
FILTERED = [
    (dict(), [[0.9, 0.7, 0.65, 0.5, 0.5], [0.7, 0.62, 0.6, 0.6, 0.55]],
     [[0, 1, 1, 0, 1], [0, 1, 0, 1, 0]], [[0, 1, 4, 5, 5], [3, 4, 0, 0, 4]]),
    (dict(class_specific_filter=False),
     [[0.9, 0.65, 0.5, -1, -1], [0.7, 0.62, 0.6, 0.2, -1]],
     [[0, 1, 0, -1, -1], [0, 1, 0, 0, -1]],
     [[0, 4, 5, -1, -1], [3, 4, 0, 2, -1]]),
    (dict(nms=False),
     [[0.9, 0.9, 0.8, 0.7, 0.65], [0.7, 0.62, 0.6, 0.6, 0.6]],
     [[0, 0, 0, 1, 1], [0, 1, 0, 0, 1]], [[0, 3, 1, 1, 4], [3, 4, 0, 1, 0]]),
    (dict(signature=False, score_threshold=0.5, nms_threshold=0.1),
     [[0.9, 0.7, 0.65, -1, -1], [0.7, 0.62, 0.6, -1, -1]],
     [[0, 1, 1, -1, -1], [0, 1, 0, -1, -1]],
     [[0, 1, 4, -1, -1], [3, 4, 0, -1, -1]]),
]


@pytest.mark.parametrize('options,scores,labels,kept', FILTERED)
def test_filter_detections_through_map_fn(options, scores, labels, kept):
    boxes, classification, other = detection_inputs()
    inputs = [keras.layers.Input((None, 4)), keras.layers.Input((None, 2)),
              keras.layers.Input((None, 2))]
    outputs = FilterDetections(max_detections=5, name='filtered',
                               **options)(inputs)
    assert [K.int_shape(t) for t in outputs] == [
        (None, 5, 4), (None, 5), (None, 5), (None, 5, 2)]
    model = keras.models.Model(inputs, outputs)
    got = model.predict([boxes, classification, other], verbose=0)
    assert [o.dtype.name for o in got] == ['float32', 'float32', 'int32',
                                           'float32']
    np.testing.assert_allclose(got[1], scores, atol=1e-6)
    np.testing.assert_array_equal(got[2], labels)
    kept = np.array(kept)
    for image in range(2):
        rows = kept[image]
        expected = np.where(rows[:, None] >= 0, boxes[image][rows], -1)
        np.testing.assert_array_equal(got[0][image], expected)
        np.testing.assert_array_equal(
            got[3][image], np.where(rows[:, None] >= 0, other[image][rows],
                                    -1))


def test_focal_and_smooth_l1_losses_on_gathered_anchors():
    x, regression_target, labels = det_data()
    model = det_model()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1),
                  loss={'regression': smooth_l1(),
                        'classification': focal()})
    expected = [5.490673542022705, 4.356743812561035, 1.1339298486709595]
    targets = [regression_target, labels]
    np.testing.assert_allclose(model.evaluate(x, targets, verbose=0),
                               expected, rtol=1e-5)
    np.testing.assert_allclose(model.train_on_batch(x, targets), expected,
                               rtol=1e-5)
    np.testing.assert_allclose(
        model.train_on_batch(x, targets),
        [4.460226058959961, 3.5517778396606445, 0.9084481596946716],
        rtol=1e-5)
    assert model.metrics_names == ['loss', 'regression_loss',
                                   'classification_loss']
    np.testing.assert_allclose(
        model.evaluate(x, targets, verbose=0),
        [3.606581449508667, 2.876774549484253, 0.7298069000244141],
        rtol=1e-5)


# --------------------------------------------------------- segmentation
def _segmentation_objects():
    loss = CategoricalCELoss() + CategoricalFocalLoss() * 2 + \
        DiceLoss(class_weights=np.array([1., 2.]))
    metrics = [IOUScore(threshold=0.5),
               FScore(beta=2, class_indexes=[1], per_image=True),
               IOUScore(name='iou_raw'), JaccardLoss(per_image=True)]
    return loss, metrics


def test_loss_and_metric_objects_combined_with_operators(tmp_path):
    x, y = seg_data()
    model = seg_model()
    loss, metrics = _segmentation_objects()
    assert loss.__name__ == \
        'categorical_crossentropy_plus_2focal_loss_plus_dice_loss'
    model.compile(keras.optimizers.SGD(learning_rate=0.1, momentum=0.9),
                  loss=loss, metrics=metrics)
    history = model.fit(x, y, batch_size=2, epochs=2, shuffle=False,
                        verbose=0).history
    expected = {'loss': [0.6, 0.59765], 'iou_score': [0.40613, 0.42122],
                'f2-score': [0.53722, 0.54476],
                'iou_raw': [0.35897, 0.35953],
                'jaccard_loss': [0.64122, 0.64066]}
    assert sorted(history) == sorted(expected)
    for key, values in expected.items():
        np.testing.assert_allclose(history[key], values, atol=1e-5)
    assert model.metrics_names == ['loss', 'iou_score', 'f2-score',
                                   'iou_raw', 'jaccard_loss']
    np.testing.assert_allclose(
        model.evaluate(x, y, batch_size=2, verbose=0),
        [0.5945692658424377, 0.41360121965408325, 0.5398591160774231,
         0.35791015625, 0.6422881484031677], rtol=1e-5)
    np.testing.assert_allclose(
        model.predict(x[:1], verbose=0)[0, :2, :2],
        [[[0.1113, 0.8887], [0.14044, 0.85956]],
         [[0.37718, 0.62282], [0.58277, 0.41723]]], atol=1e-5)
    path = str(tmp_path / 'segmentation.h5')
    model.save(path)
    objects = {loss.__name__: loss}
    objects.update((m.__name__, m) for m in metrics)
    loaded = keras.models.load_model(path, custom_objects=objects)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0),
                                  model.predict(x, verbose=0))
    assert loaded.loss.__name__ == loss.__name__


def test_freezing_every_layer_but_batch_normalization():
    x, y = seg_data()
    model = seg_model()
    loss, metrics = _segmentation_objects()
    model.compile(keras.optimizers.SGD(learning_rate=0.1, momentum=0.9),
                  loss=loss, metrics=metrics)
    model.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0)
    for layer in model.layers:
        if not isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False
    model.compile(model.optimizer, loss=model.loss, metrics=metrics)
    assert (len(model.trainable_weights),
            len(model.non_trainable_weights)) == (2, 6)
    before = model.get_weights()
    np.testing.assert_allclose(
        model.train_on_batch(x, y),
        [0.5927441120147705, 0.42874956130981445, 0.54974764585495,
         0.360221266746521, 0.6401547789573669], rtol=1e-5)
    changed = [not np.array_equal(a, b)
               for a, b in zip(before, model.get_weights())]
    assert changed == [False, False, True, True, True, True, False, False]


def test_batch_normalization_in_float64_updates_with_biased_variance():
    # tf.keras runs its fused kernel (unbiased moving variance) only for
    # float16, bfloat16 and float32.
    K.set_floatx('float64')
    inputs = keras.layers.Input((2, 2, 3))
    model = keras.models.Model(inputs,
                               keras.layers.BatchNormalization()(inputs))
    model.compile(keras.optimizers.SGD(0.1), 'mse')
    x = np.arange(24, dtype='float64').reshape(2, 2, 2, 3) ** 1.5 / 10
    np.testing.assert_allclose(
        model.train_on_batch(x, np.zeros_like(x)), 0.9999139327875931,
        rtol=1e-6)
    np.testing.assert_allclose(model.get_weights()[2],
                               [0.03989, 0.0445, 0.04942], atol=1e-5)
    np.testing.assert_allclose(model.get_weights()[3],
                               [1.09544, 1.10705, 1.11829], atol=1e-5)


def test_mobilenet_backbone_on_images_of_any_size():
    # keras-retinanet's mobilenet backbone.
    inputs = keras.layers.Input((None, None, 3))
    model = keras.applications.mobilenet.MobileNet(
        input_tensor=inputs, alpha=0.25, include_top=False, weights=None)
    assert model.name == 'mobilenet_0.25_None'
    assert K.int_shape(model.output) == (None, None, None, 256)
    assert len(model.weights) == 135
    out = model.get_layer('conv_pw_11_relu').output
    features = keras.models.Model(inputs, out).predict(
        np.zeros((1, 64, 96, 3), 'float32'), verbose=0)
    assert features.shape == (1, 4, 6, 128)
