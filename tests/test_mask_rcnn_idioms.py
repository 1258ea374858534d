"""Mask R-CNN (matterport `mrcnn` 0.2) idioms on the TensorFlow stand-in.

The graph functions and layers below are copies of the library's own code
(docstrings and comments left out), written with TensorFlow 1's names as
the library writes them (`tf.log`, `tf.to_float`, `tf.random_shuffle`,
`tf.sets.set_intersection`, `tf.sparse_tensor_to_dense`); PyramidROIAlign
restores the batch axis with a reshape, as the library's later releases
do. The expected values were obtained by running the same code on
TensorFlow 2.21 with tf_keras 2.21 (TensorFlow 2 names substituted for the
TensorFlow 1 ones).
"""

import types

import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat import engine as KE
from keras_compat import layers as KL
from keras_compat import models as KM
from keras_compat import tensorflow_compat as tf

f32 = np.float32


# ----------------------------------------------- the library's graph code
def batch_slice(inputs, graph_fn, batch_size, names=None):
    if not isinstance(inputs, list):
        inputs = [inputs]
    outputs = []
    for i in range(batch_size):
        inputs_slice = [x[i] for x in inputs]
        output_slice = graph_fn(*inputs_slice)
        if not isinstance(output_slice, (tuple, list)):
            output_slice = [output_slice]
        outputs.append(output_slice)
    outputs = list(zip(*outputs))
    if names is None:
        names = [None] * len(outputs)
    result = [tf.stack(o, axis=0, name=n) for o, n in zip(outputs, names)]
    if len(result) == 1:
        result = result[0]
    return result


def box_refinement_graph(box, gt_box):
    box = tf.cast(box, tf.float32)
    gt_box = tf.cast(gt_box, tf.float32)
    height = box[:, 2] - box[:, 0]
    width = box[:, 3] - box[:, 1]
    center_y = box[:, 0] + 0.5 * height
    center_x = box[:, 1] + 0.5 * width
    gt_height = gt_box[:, 2] - gt_box[:, 0]
    gt_width = gt_box[:, 3] - gt_box[:, 1]
    gt_center_y = gt_box[:, 0] + 0.5 * gt_height
    gt_center_x = gt_box[:, 1] + 0.5 * gt_width
    dy = (gt_center_y - center_y) / height
    dx = (gt_center_x - center_x) / width
    dh = tf.log(gt_height / height)
    dw = tf.log(gt_width / width)
    result = tf.stack([dy, dx, dh, dw], axis=1)
    return result


def apply_box_deltas_graph(boxes, deltas):
    height = boxes[:, 2] - boxes[:, 0]
    width = boxes[:, 3] - boxes[:, 1]
    center_y = boxes[:, 0] + 0.5 * height
    center_x = boxes[:, 1] + 0.5 * width
    center_y += deltas[:, 0] * height
    center_x += deltas[:, 1] * width
    height *= tf.exp(deltas[:, 2])
    width *= tf.exp(deltas[:, 3])
    y1 = center_y - 0.5 * height
    x1 = center_x - 0.5 * width
    y2 = y1 + height
    x2 = x1 + width
    result = tf.stack([y1, x1, y2, x2], axis=1, name='apply_box_deltas_out')
    return result


def clip_boxes_graph(boxes, window):
    wy1, wx1, wy2, wx2 = tf.split(window, 4)
    y1, x1, y2, x2 = tf.split(boxes, 4, axis=1)
    y1 = tf.maximum(tf.minimum(y1, wy2), wy1)
    x1 = tf.maximum(tf.minimum(x1, wx2), wx1)
    y2 = tf.maximum(tf.minimum(y2, wy2), wy1)
    x2 = tf.maximum(tf.minimum(x2, wx2), wx1)
    clipped = tf.concat([y1, x1, y2, x2], axis=1, name='clipped_boxes')
    clipped.set_shape((clipped.shape[0], 4))
    return clipped


class ProposalLayer(KE.Layer):

    def __init__(self, proposal_count, nms_threshold, config=None, **kwargs):
        super(ProposalLayer, self).__init__(**kwargs)
        self.config = config
        self.proposal_count = proposal_count
        self.nms_threshold = nms_threshold

    def call(self, inputs):
        scores = inputs[0][:, :, 1]
        deltas = inputs[1]
        deltas = deltas * np.reshape(self.config.RPN_BBOX_STD_DEV, [1, 1, 4])
        anchors = inputs[2]
        pre_nms_limit = tf.minimum(6000, tf.shape(anchors)[1])
        ix = tf.nn.top_k(
            scores, pre_nms_limit, sorted=True, name='top_anchors'
        ).indices
        scores = batch_slice(
            [scores, ix],
            lambda x, y: tf.gather(x, y),
            self.config.IMAGES_PER_GPU,
        )
        deltas = batch_slice(
            [deltas, ix],
            lambda x, y: tf.gather(x, y),
            self.config.IMAGES_PER_GPU,
        )
        pre_nms_anchors = batch_slice(
            [anchors, ix],
            lambda a, x: tf.gather(a, x),
            self.config.IMAGES_PER_GPU,
            names=['pre_nms_anchors'],
        )
        boxes = batch_slice(
            [pre_nms_anchors, deltas],
            lambda x, y: apply_box_deltas_graph(x, y),
            self.config.IMAGES_PER_GPU,
            names=['refined_anchors'],
        )
        window = np.array([0, 0, 1, 1], dtype=np.float32)
        boxes = batch_slice(
            boxes,
            lambda x: clip_boxes_graph(x, window),
            self.config.IMAGES_PER_GPU,
            names=['refined_anchors_clipped'],
        )

        def nms(boxes, scores):
            indices = tf.image.non_max_suppression(
                boxes,
                scores,
                self.proposal_count,
                self.nms_threshold,
                name='rpn_non_max_suppression',
            )
            proposals = tf.gather(boxes, indices)
            padding = tf.maximum(
                self.proposal_count - tf.shape(proposals)[0], 0
            )
            proposals = tf.pad(proposals, [(0, padding), (0, 0)])
            return proposals

        proposals = batch_slice(
            [boxes, scores], nms, self.config.IMAGES_PER_GPU
        )
        return proposals

    def compute_output_shape(self, input_shape):
        return (None, self.proposal_count, 4)


def log2_graph(x):
    return tf.log(x) / tf.log(2.0)


class PyramidROIAlign(KE.Layer):

    def __init__(self, pool_shape, **kwargs):
        super(PyramidROIAlign, self).__init__(**kwargs)
        self.pool_shape = tuple(pool_shape)

    def call(self, inputs):
        boxes = inputs[0]
        image_meta = inputs[1]
        feature_maps = inputs[2:]
        y1, x1, y2, x2 = tf.split(boxes, 4, axis=2)
        h = y2 - y1
        w = x2 - x1
        image_shape = parse_image_meta_graph(image_meta)['image_shape'][0]
        image_area = tf.cast(image_shape[0] * image_shape[1], tf.float32)
        roi_level = log2_graph(tf.sqrt(h * w) / (224.0 / tf.sqrt(image_area)))
        roi_level = tf.minimum(
            5, tf.maximum(2, 4 + tf.cast(tf.round(roi_level), tf.int32))
        )
        roi_level = tf.squeeze(roi_level, 2)
        pooled = []
        box_to_level = []
        for i, level in enumerate(range(2, 6)):
            ix = tf.where(tf.equal(roi_level, level))
            level_boxes = tf.gather_nd(boxes, ix)
            box_indices = tf.cast(ix[:, 0], tf.int32)
            box_to_level.append(ix)
            level_boxes = tf.stop_gradient(level_boxes)
            box_indices = tf.stop_gradient(box_indices)
            pooled.append(
                tf.image.crop_and_resize(
                    feature_maps[i],
                    level_boxes,
                    box_indices,
                    self.pool_shape,
                    method='bilinear',
                )
            )
        pooled = tf.concat(pooled, axis=0)
        box_to_level = tf.concat(box_to_level, axis=0)
        box_range = tf.expand_dims(tf.range(tf.shape(box_to_level)[0]), 1)
        box_to_level = tf.concat(
            [tf.cast(box_to_level, tf.int32), box_range], axis=1
        )
        sorting_tensor = box_to_level[:, 0] * 100000 + box_to_level[:, 1]
        ix = tf.nn.top_k(sorting_tensor, k=tf.shape(box_to_level)[0]).indices[
            ::-1
        ]
        ix = tf.gather(box_to_level[:, 2], ix)
        pooled = tf.gather(pooled, ix)
        shape = tf.concat([tf.shape(boxes)[:2], tf.shape(pooled)[1:]], axis=0)
        pooled = tf.reshape(pooled, shape)
        return pooled

    def compute_output_shape(self, input_shape):
        return input_shape[0][:2] + self.pool_shape + (input_shape[2][-1],)


def overlaps_graph(boxes1, boxes2):
    b1 = tf.reshape(
        tf.tile(tf.expand_dims(boxes1, 1), [1, 1, tf.shape(boxes2)[0]]),
        [-1, 4],
    )
    b2 = tf.tile(boxes2, [tf.shape(boxes1)[0], 1])
    b1_y1, b1_x1, b1_y2, b1_x2 = tf.split(b1, 4, axis=1)
    b2_y1, b2_x1, b2_y2, b2_x2 = tf.split(b2, 4, axis=1)
    y1 = tf.maximum(b1_y1, b2_y1)
    x1 = tf.maximum(b1_x1, b2_x1)
    y2 = tf.minimum(b1_y2, b2_y2)
    x2 = tf.minimum(b1_x2, b2_x2)
    intersection = tf.maximum(x2 - x1, 0) * tf.maximum(y2 - y1, 0)
    b1_area = (b1_y2 - b1_y1) * (b1_x2 - b1_x1)
    b2_area = (b2_y2 - b2_y1) * (b2_x2 - b2_x1)
    union = b1_area + b2_area - intersection
    iou = intersection / union
    overlaps = tf.reshape(iou, [tf.shape(boxes1)[0], tf.shape(boxes2)[0]])
    return overlaps


def detection_targets_graph(
    proposals, gt_class_ids, gt_boxes, gt_masks, config
):
    asserts = [
        tf.Assert(
            tf.greater(tf.shape(proposals)[0], 0),
            [proposals],
            name='roi_assertion',
        )
    ]
    with tf.control_dependencies(asserts):
        proposals = tf.identity(proposals)
    proposals, _ = trim_zeros_graph(proposals, name='trim_proposals')
    gt_boxes, non_zeros = trim_zeros_graph(gt_boxes, name='trim_gt_boxes')
    gt_class_ids = tf.boolean_mask(
        gt_class_ids, non_zeros, name='trim_gt_class_ids'
    )
    gt_masks = tf.gather(
        gt_masks, tf.where(non_zeros)[:, 0], axis=2, name='trim_gt_masks'
    )
    crowd_ix = tf.where(gt_class_ids < 0)[:, 0]
    non_crowd_ix = tf.where(gt_class_ids > 0)[:, 0]
    crowd_boxes = tf.gather(gt_boxes, crowd_ix)
    crowd_masks = tf.gather(gt_masks, crowd_ix, axis=2)  # noqa: F841
    gt_class_ids = tf.gather(gt_class_ids, non_crowd_ix)
    gt_boxes = tf.gather(gt_boxes, non_crowd_ix)
    gt_masks = tf.gather(gt_masks, non_crowd_ix, axis=2)
    overlaps = overlaps_graph(proposals, gt_boxes)
    crowd_overlaps = overlaps_graph(proposals, crowd_boxes)
    crowd_iou_max = tf.reduce_max(crowd_overlaps, axis=1)
    no_crowd_bool = crowd_iou_max < 0.001
    roi_iou_max = tf.reduce_max(overlaps, axis=1)
    positive_roi_bool = roi_iou_max >= 0.5
    positive_indices = tf.where(positive_roi_bool)[:, 0]
    negative_indices = tf.where(
        tf.logical_and(roi_iou_max < 0.5, no_crowd_bool)
    )[:, 0]
    positive_count = int(
        config.TRAIN_ROIS_PER_IMAGE * config.ROI_POSITIVE_RATIO
    )
    positive_indices = tf.random_shuffle(positive_indices)[:positive_count]
    positive_count = tf.shape(positive_indices)[0]
    r = 1.0 / config.ROI_POSITIVE_RATIO
    negative_count = (
        tf.cast(r * tf.cast(positive_count, tf.float32), tf.int32)
        - positive_count
    )
    negative_indices = tf.random_shuffle(negative_indices)[:negative_count]
    positive_rois = tf.gather(proposals, positive_indices)
    negative_rois = tf.gather(proposals, negative_indices)
    positive_overlaps = tf.gather(overlaps, positive_indices)
    roi_gt_box_assignment = tf.cond(
        tf.greater(tf.shape(positive_overlaps)[1], 0),
        true_fn=lambda: tf.argmax(positive_overlaps, axis=1),
        false_fn=lambda: tf.cast(tf.constant([]), tf.int64),
    )
    roi_gt_boxes = tf.gather(gt_boxes, roi_gt_box_assignment)
    roi_gt_class_ids = tf.gather(gt_class_ids, roi_gt_box_assignment)
    deltas = box_refinement_graph(positive_rois, roi_gt_boxes)
    deltas /= config.BBOX_STD_DEV
    transposed_masks = tf.expand_dims(tf.transpose(gt_masks, [2, 0, 1]), -1)
    roi_masks = tf.gather(transposed_masks, roi_gt_box_assignment)
    boxes = positive_rois
    if config.USE_MINI_MASK:
        y1, x1, y2, x2 = tf.split(positive_rois, 4, axis=1)
        gt_y1, gt_x1, gt_y2, gt_x2 = tf.split(roi_gt_boxes, 4, axis=1)
        gt_h = gt_y2 - gt_y1
        gt_w = gt_x2 - gt_x1
        y1 = (y1 - gt_y1) / gt_h
        x1 = (x1 - gt_x1) / gt_w
        y2 = (y2 - gt_y1) / gt_h
        x2 = (x2 - gt_x1) / gt_w
        boxes = tf.concat([y1, x1, y2, x2], 1)
    box_ids = tf.range(0, tf.shape(roi_masks)[0])
    masks = tf.image.crop_and_resize(
        tf.cast(roi_masks, tf.float32), boxes, box_ids, config.MASK_SHAPE
    )
    masks = tf.squeeze(masks, axis=3)
    masks = tf.round(masks)
    rois = tf.concat([positive_rois, negative_rois], axis=0)
    N = tf.shape(negative_rois)[0]
    P = tf.maximum(config.TRAIN_ROIS_PER_IMAGE - tf.shape(rois)[0], 0)
    rois = tf.pad(rois, [(0, P), (0, 0)])
    roi_gt_boxes = tf.pad(roi_gt_boxes, [(0, N + P), (0, 0)])
    roi_gt_class_ids = tf.pad(roi_gt_class_ids, [(0, N + P)])
    deltas = tf.pad(deltas, [(0, N + P), (0, 0)])
    masks = tf.pad(masks, [[0, N + P], (0, 0), (0, 0)])
    return (rois, roi_gt_class_ids, deltas, masks)


def refine_detections_graph(rois, probs, deltas, window, config):
    class_ids = tf.argmax(probs, axis=1, output_type=tf.int32)
    indices = tf.stack([tf.range(probs.shape[0]), class_ids], axis=1)
    class_scores = tf.gather_nd(probs, indices)
    deltas_specific = tf.gather_nd(deltas, indices)
    refined_rois = apply_box_deltas_graph(
        rois, deltas_specific * config.BBOX_STD_DEV
    )
    refined_rois = clip_boxes_graph(refined_rois, window)
    keep = tf.where(class_ids > 0)[:, 0]
    if config.DETECTION_MIN_CONFIDENCE:
        conf_keep = tf.where(class_scores >= config.DETECTION_MIN_CONFIDENCE)[
            :, 0
        ]
        keep = tf.sets.set_intersection(
            tf.expand_dims(keep, 0), tf.expand_dims(conf_keep, 0)
        )
        keep = tf.sparse_tensor_to_dense(keep)[0]
    pre_nms_class_ids = tf.gather(class_ids, keep)
    pre_nms_scores = tf.gather(class_scores, keep)
    pre_nms_rois = tf.gather(refined_rois, keep)
    unique_pre_nms_class_ids = tf.unique(pre_nms_class_ids)[0]

    def nms_keep_map(class_id):
        ixs = tf.where(tf.equal(pre_nms_class_ids, class_id))[:, 0]
        class_keep = tf.image.non_max_suppression(
            tf.gather(pre_nms_rois, ixs),
            tf.gather(pre_nms_scores, ixs),
            max_output_size=config.DETECTION_MAX_INSTANCES,
            iou_threshold=config.DETECTION_NMS_THRESHOLD,
        )
        class_keep = tf.gather(keep, tf.gather(ixs, class_keep))
        gap = config.DETECTION_MAX_INSTANCES - tf.shape(class_keep)[0]
        class_keep = tf.pad(
            class_keep, [(0, gap)], mode='CONSTANT', constant_values=-1
        )
        class_keep.set_shape([config.DETECTION_MAX_INSTANCES])
        return class_keep

    nms_keep = tf.map_fn(
        nms_keep_map, unique_pre_nms_class_ids, dtype=tf.int64
    )
    nms_keep = tf.reshape(nms_keep, [-1])
    nms_keep = tf.gather(nms_keep, tf.where(nms_keep > -1)[:, 0])
    keep = tf.sets.set_intersection(
        tf.expand_dims(keep, 0), tf.expand_dims(nms_keep, 0)
    )
    keep = tf.sparse_tensor_to_dense(keep)[0]
    roi_count = config.DETECTION_MAX_INSTANCES
    class_scores_keep = tf.gather(class_scores, keep)
    num_keep = tf.minimum(tf.shape(class_scores_keep)[0], roi_count)
    top_ids = tf.nn.top_k(class_scores_keep, k=num_keep, sorted=True)[1]
    keep = tf.gather(keep, top_ids)
    detections = tf.concat(
        [
            tf.gather(refined_rois, keep),
            tf.to_float(tf.gather(class_ids, keep))[..., tf.newaxis],
            tf.gather(class_scores, keep)[..., tf.newaxis],
        ],
        axis=1,
    )
    gap = config.DETECTION_MAX_INSTANCES - tf.shape(detections)[0]
    detections = tf.pad(detections, [(0, gap), (0, 0)], 'CONSTANT')
    return detections


def smooth_l1_loss(y_true, y_pred):
    diff = K.abs(y_true - y_pred)
    less_than_one = K.cast(K.less(diff, 1.0), 'float32')
    loss = less_than_one * 0.5 * diff**2 + (1 - less_than_one) * (diff - 0.5)
    return loss


def rpn_class_loss_graph(rpn_match, rpn_class_logits):
    rpn_match = tf.squeeze(rpn_match, -1)
    anchor_class = K.cast(K.equal(rpn_match, 1), tf.int32)
    indices = tf.where(K.not_equal(rpn_match, 0))
    rpn_class_logits = tf.gather_nd(rpn_class_logits, indices)
    anchor_class = tf.gather_nd(anchor_class, indices)
    loss = K.sparse_categorical_crossentropy(
        target=anchor_class, output=rpn_class_logits, from_logits=True
    )
    loss = K.switch(tf.size(loss) > 0, K.mean(loss), tf.constant(0.0))
    return loss


def rpn_bbox_loss_graph(config, target_bbox, rpn_match, rpn_bbox):
    rpn_match = K.squeeze(rpn_match, -1)
    indices = tf.where(K.equal(rpn_match, 1))
    rpn_bbox = tf.gather_nd(rpn_bbox, indices)
    batch_counts = K.sum(K.cast(K.equal(rpn_match, 1), tf.int32), axis=1)
    target_bbox = batch_pack_graph(
        target_bbox, batch_counts, config.IMAGES_PER_GPU
    )
    diff = K.abs(target_bbox - rpn_bbox)
    less_than_one = K.cast(K.less(diff, 1.0), 'float32')
    loss = less_than_one * 0.5 * diff**2 + (1 - less_than_one) * (diff - 0.5)
    loss = K.switch(tf.size(loss) > 0, K.mean(loss), tf.constant(0.0))
    return loss


def mrcnn_class_loss_graph(
    target_class_ids, pred_class_logits, active_class_ids
):
    target_class_ids = tf.cast(target_class_ids, 'int64')
    pred_class_ids = tf.argmax(pred_class_logits, axis=2)
    pred_active = tf.gather(active_class_ids[0], pred_class_ids)
    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=target_class_ids, logits=pred_class_logits
    )
    loss = loss * pred_active
    loss = tf.reduce_sum(loss) / tf.reduce_sum(pred_active)
    return loss


def mrcnn_bbox_loss_graph(target_bbox, target_class_ids, pred_bbox):
    target_class_ids = K.reshape(target_class_ids, (-1,))
    target_bbox = K.reshape(target_bbox, (-1, 4))
    pred_bbox = K.reshape(pred_bbox, (-1, K.int_shape(pred_bbox)[2], 4))
    positive_roi_ix = tf.where(target_class_ids > 0)[:, 0]
    positive_roi_class_ids = tf.cast(
        tf.gather(target_class_ids, positive_roi_ix), tf.int64
    )
    indices = tf.stack([positive_roi_ix, positive_roi_class_ids], axis=1)
    target_bbox = tf.gather(target_bbox, positive_roi_ix)
    pred_bbox = tf.gather_nd(pred_bbox, indices)
    loss = K.switch(
        tf.size(target_bbox) > 0,
        smooth_l1_loss(y_true=target_bbox, y_pred=pred_bbox),
        tf.constant(0.0),
    )
    loss = K.mean(loss)
    return loss


def mrcnn_mask_loss_graph(target_masks, target_class_ids, pred_masks):
    target_class_ids = K.reshape(target_class_ids, (-1,))
    mask_shape = tf.shape(target_masks)
    target_masks = K.reshape(target_masks, (-1, mask_shape[2], mask_shape[3]))
    pred_shape = tf.shape(pred_masks)
    pred_masks = K.reshape(
        pred_masks, (-1, pred_shape[2], pred_shape[3], pred_shape[4])
    )
    pred_masks = tf.transpose(pred_masks, [0, 3, 1, 2])
    positive_ix = tf.where(target_class_ids > 0)[:, 0]
    positive_class_ids = tf.cast(
        tf.gather(target_class_ids, positive_ix), tf.int64
    )
    indices = tf.stack([positive_ix, positive_class_ids], axis=1)
    y_true = tf.gather(target_masks, positive_ix)
    y_pred = tf.gather_nd(pred_masks, indices)
    loss = K.switch(
        tf.size(y_true) > 0,
        K.binary_crossentropy(target=y_true, output=y_pred),
        tf.constant(0.0),
    )
    loss = K.mean(loss)
    return loss


def parse_image_meta_graph(meta):
    image_id = meta[:, 0]
    original_image_shape = meta[:, 1:4]
    image_shape = meta[:, 4:7]
    window = meta[:, 7:11]
    scale = meta[:, 11]
    active_class_ids = meta[:, 12:]
    return {
        'image_id': image_id,
        'original_image_shape': original_image_shape,
        'image_shape': image_shape,
        'window': window,
        'scale': scale,
        'active_class_ids': active_class_ids,
    }


def trim_zeros_graph(boxes, name=None):
    non_zeros = tf.cast(tf.reduce_sum(tf.abs(boxes), axis=1), tf.bool)
    boxes = tf.boolean_mask(boxes, non_zeros, name=name)
    return (boxes, non_zeros)


def batch_pack_graph(x, counts, num_rows):
    outputs = []
    for i in range(num_rows):
        outputs.append(x[i, : counts[i]])
    return tf.concat(outputs, axis=0)


def norm_boxes_graph(boxes, shape):
    h, w = tf.split(tf.cast(shape, tf.float32), 2)
    scale = tf.concat([h, w, h, w], axis=-1) - tf.constant(1.0)
    shift = tf.constant([0.0, 0.0, 1.0, 1.0])
    return tf.divide(boxes - shift, scale)


# ------------------ values from TensorFlow 2.21 and tf_keras 2.21
REFINE = np.array(
    [
        [0.122316, 0.085, 0.407684, 0.385, 1.0, 0.8],
        [0.478966, 0.529032, 0.921034, 0.890967, 2.0, 0.7],
        [0.0, 0.584224, 0.200127, 0.915776, 2.0, 0.7],
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    ],
    f32,
)
ROI_ALIGN = np.array(
    [
        [
            [[[1.59375], [1.640625]], [[2.34375], [2.390625]]],
            [[[1.575], [1.6625]], [[2.275], [2.3625]]],
            [[[0.0], [0.25]], [[0.5], [0.75]]],
        ],
        [
            [[[5.05], [5.2]], [[5.65], [5.8]]],
            [[[25.5625], [25.61875]], [[26.3125], [26.368748]]],
            [[[2.0], [2.5]], [[3.0], [3.5]]],
        ],
    ],
    f32,
)
PROPOSALS = np.array(
    [
        [
            [0.079483, 0.109516, 0.300517, 0.290484],
            [0.51, 0.458966, 0.71, 0.901034],
            [0.615, 0.089741, 0.915, 0.200259],
            [0.0, 0.047581, 1.0, 0.952419],
        ],
        [
            [0.479483, 0.519032, 0.700517, 0.880967],
            [0.11, 0.079483, 0.31, 0.300517],
            [0.05, 0.0, 1.0, 1.0],
            [0.569224, 0.104758, 0.900776, 0.195242],
        ],
    ],
    f32,
)
TARGETS_0 = np.array(
    [
        [0.1, 0.1, 0.5, 0.5],
        [0.6, 0.0, 0.9, 0.3],
        [0.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.0],
    ],
    f32,
)
TARGETS_1 = np.array([2, 0, 0, 0, 0, 0])
TARGETS_2 = np.array(
    [
        [0.5, -0.625, -0.0, -0.667657],
        [0.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.0],
    ],
    f32,
)
TARGETS_3 = np.array(
    [
        [
            [0.0, 0.0, 0.0, 0.0],
            [0.0, 1.0, 1.0, 0.0],
            [0.0, 1.0, 1.0, 0.0],
            [0.0, 0.0, 0.0, 0.0],
        ],
        [
            [0.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0],
        ],
        [
            [0.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0],
        ],
        [
            [0.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0],
        ],
        [
            [0.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0],
        ],
        [
            [0.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0],
        ],
    ],
    f32,
)
RPN_CLASS_LOSS = 0.582886
RPN_CLASS_LOSS_NEUTRAL = 0.0
RPN_BBOX_LOSS = 0.713519
MRCNN_CLASS_LOSS = 1.259429
MRCNN_BBOX_LOSS = 0.265046
MRCNN_MASK_LOSS = 0.799391
MRCNN_MASK_LOSS_NONE = 0.0
MRCNN_BBOX_LOSS_NONE = 0.0


# ------------------------------------------------------------ the inputs
CONFIG = types.SimpleNamespace(
    BBOX_STD_DEV=np.array([0.1, 0.1, 0.2, 0.2]),
    RPN_BBOX_STD_DEV=np.array([0.1, 0.1, 0.2, 0.2]),
    DETECTION_MIN_CONFIDENCE=0.5,
    DETECTION_NMS_THRESHOLD=0.3,
    DETECTION_MAX_INSTANCES=4,
    IMAGES_PER_GPU=2,
    BATCH_SIZE=2,
    TRAIN_ROIS_PER_IMAGE=6,
    ROI_POSITIVE_RATIO=0.33,
    USE_MINI_MASK=True,
    MASK_SHAPE=[4, 4],
)


def pyramid_inputs():
    """Two images of 1024 pixels (the meta's image shape), boxes of
    pyramid levels 2 to 5, feature maps P2..P5 of one channel."""
    maps = [
        np.arange(2 * s * s, dtype=f32).reshape(2, s, s, 1) / s
        for s in (16, 8, 4, 2)
    ]
    meta = np.zeros((2, 16), f32)
    meta[:, 4:7] = [1024, 1024, 3]
    boxes = np.array(
        [
            [
                [0.1, 0.1, 0.15, 0.15],
                [0.2, 0.2, 0.3, 0.3],
                [0.0, 0.0, 0.5, 0.5],
            ],
            [
                [0.3, 0.2, 0.5, 0.4],
                [0.6, 0.6, 0.65, 0.66],
                [0.0, 0.0, 1.0, 1.0],
            ],
        ],
        f32,
    )
    return boxes, meta, maps


def numpy_of(value):
    return np.asarray(
        K.eval(value) if not isinstance(value, np.ndarray) else value
    )


# ----------------------------------------------------------- tf.nn.top_k
def test_top_k_puts_equal_values_in_index_order():
    # Detection scores that tie (refine_detections_graph's top_k).
    values = np.array(
        [0.5, 0.34596217, 0.2, 0.34596217, 0.9, 0.34596217, 0.34596217, 0.1],
        f32,
    )
    assert numpy_of(tf.nn.top_k(values, 5).indices).tolist() == [4, 0, 1, 3, 5]
    assert numpy_of(tf.nn.top_k(values, 8, sorted=False).indices).tolist() == [
        4,
        0,
        1,
        3,
        5,
        6,
        2,
        7,
    ]
    rows = np.array([[3, 1, 3, 2], [0, 0, 0, 0]], np.int32)
    result = tf.nn.top_k(rows, 3)
    assert numpy_of(result.indices).tolist() == [[0, 2, 3], [0, 1, 2]]
    assert numpy_of(result.values).tolist() == [[3, 3, 2], [0, 0, 0]]
    assert numpy_of(result.indices).dtype == np.int32
    repeated = np.tile(np.array([1.0, 2.0, 2.0, 3.0], f32), 50)
    assert numpy_of(tf.nn.top_k(repeated, 6).indices).tolist() == [
        3,
        7,
        11,
        15,
        19,
        23,
    ]
    with_nan = np.array([1.0, np.nan, 3.0, 2.0], f32)
    assert numpy_of(tf.nn.top_k(with_nan, 2).indices).tolist() == [1, 2]


def test_top_k_needs_k_columns():
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match='input must have at least k columns. Had 3, ' 'needed 4',
    ):
        tf.nn.top_k(np.array([1.0, 2.0, 3.0], f32), 4)


# ---------------------------------------------------------------- tf.sets
def sparse_parts(result):
    return (
        numpy_of(result.indices).tolist(),
        numpy_of(result.values).tolist(),
        numpy_of(result.dense_shape).tolist(),
    )


def test_set_operations_give_sorted_rows_of_a_sparse_tensor():
    a = np.array([[5, 3, 1, 3, 9], [2, 2, 7, 0, 4]], np.int32)
    b = np.array([[9, 1, 8, 5, 5], [4, 7, 7, 6, 6]], np.int32)
    assert sparse_parts(tf.sets.set_intersection(a, b)) == (
        [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1]],
        [1, 5, 9, 4, 7],
        [2, 3],
    )
    assert sparse_parts(tf.sets.union(a, b)) == (
        [
            [0, 0],
            [0, 1],
            [0, 2],
            [0, 3],
            [0, 4],
            [1, 0],
            [1, 1],
            [1, 2],
            [1, 3],
            [1, 4],
        ],
        [1, 3, 5, 8, 9, 0, 2, 4, 6, 7],
        [2, 5],
    )
    assert sparse_parts(tf.sets.set_difference(a, b)) == (
        [[0, 0], [1, 0], [1, 1]],
        [3, 0, 2],
        [2, 2],
    )
    assert sparse_parts(tf.sets.difference(a, b, aminusb=False)) == (
        [[0, 0], [1, 0]],
        [8, 6],
        [2, 1],
    )
    assert sparse_parts(
        tf.sets.intersection(np.array([[1, 2]]), np.array([[3, 4]]))
    ) == ([], [], [1, 0])
    no_elements = np.zeros((1, 0), np.int64)
    assert sparse_parts(tf.sets.intersection(no_elements, no_elements)) == (
        [], [], [1, 0])
    assert numpy_of(tf.sets.size(tf.sets.union(a, b))).tolist() == [5, 5]
    cube_a = np.array([[[1, 2], [3, 3]], [[5, 6], [7, 8]]], np.int32)
    cube_b = np.array([[[2, 2], [4, 3]], [[9, 9], [8, 7]]], np.int32)
    assert sparse_parts(tf.sets.intersection(cube_a, cube_b)) == (
        [[0, 0, 0], [0, 1, 0], [1, 1, 0], [1, 1, 1]],
        [2, 3, 7, 8],
        [2, 2, 2],
    )


def test_set_intersection_with_a_sparse_operand_and_to_dense():
    sparse_b = tf.sparse.from_dense(np.array([[0, 3, 5], [2, 0, 0]]))
    result = tf.sets.intersection(np.array([[0, 3, 5], [2, 2, 1]]), sparse_b)
    assert sparse_parts(result) == (
        [[0, 0], [0, 1], [1, 0]],
        [3, 5, 2],
        [2, 2],
    )
    # refine_detections_graph's idiom, TensorFlow 1 names.
    keep = tf.sets.set_intersection(
        tf.expand_dims(np.array([4, 0, 2, 7], np.int64), 0),
        tf.expand_dims(np.array([7, 4, 1], np.int64), 0),
    )
    dense = numpy_of(tf.sparse_tensor_to_dense(keep)[0])
    assert dense.tolist() == [4, 7] and dense.dtype == np.int64


def test_set_operations_reject_what_tensorflow_rejects():
    with pytest.raises(TypeError, match="'a' has invalid dtype"):
        tf.sets.intersection(np.array([[1.0]], f32), np.array([[1.0]], f32))
    with pytest.raises(TypeError, match="Types don't match"):
        tf.sets.intersection(
            np.array([[1]], np.int32), np.array([[1]], np.int64)
        )
    with pytest.raises(
        tf.errors.InvalidArgumentError, match=r'Shape \[3\] has rank 1 < 2'
    ):
        tf.sets.intersection(np.array([3, 1, 2]), np.array([2, 3]))
    with pytest.raises(
        tf.errors.InvalidArgumentError,
        match=r'Mismatched shapes \[1\] vs \[2\]',
    ):
        tf.sets.intersection(np.array([[1, 2]]), np.array([[1], [2]]))
    with pytest.raises(ValueError, match='Sparse,Dense is not supported'):
        tf.sets.intersection(
            tf.sparse.from_dense(np.array([[1, 2]])), np.array([[1, 2]])
        )


# ------------------------------------------ the library's layers and graphs
def test_refine_detections_graph_matches_tensorflow():
    rois = np.array(
        [
            [0.1, 0.1, 0.4, 0.4],
            [0.12, 0.1, 0.42, 0.4],
            [0.5, 0.5, 0.9, 0.9],
            [0.5, 0.1, 0.8, 0.3],
            [0.0, 0.6, 0.2, 0.9],
            [0.3, 0.3, 0.6, 0.6],
        ],
        f32,
    )
    probs = np.array(
        [
            [0.1, 0.8, 0.1],
            [0.1, 0.7, 0.2],
            [0.2, 0.1, 0.7],
            [0.3, 0.3, 0.4],
            [0.1, 0.2, 0.7],
            [0.9, 0.05, 0.05],
        ],
        f32,
    )
    deltas = (np.arange(72, dtype=f32).reshape(6, 3, 4) % 5 - 2) / 4
    window = np.array([0, 0, 1, 1], f32)
    detections = refine_detections_graph(rois, probs, deltas, window, CONFIG)
    np.testing.assert_allclose(numpy_of(detections), REFINE, atol=1e-5)


def test_refine_detections_graph_without_detections():
    # Every ROI background, or every score under DETECTION_MIN_CONFIDENCE:
    # map_fn runs over no class ids and the detections are all padding.
    rois = np.array([[0.1, 0.1, 0.4, 0.4], [0.5, 0.5, 0.9, 0.9]], f32)
    deltas = np.zeros((2, 3, 4), f32)
    window = np.array([0, 0, 1, 1], f32)
    for probs in ([[0.9, 0.05, 0.05]] * 2, [[0.3, 0.4, 0.3]] * 2):
        detections = refine_detections_graph(
            rois, np.array(probs, f32), deltas, window, CONFIG)
        assert numpy_of(detections).tolist() == [[0.0] * 6] * 4


def test_map_fn_over_no_elements():
    # Shapes and dtypes as TensorFlow 2.21 gives them.
    empty = np.zeros((0, 3), f32)

    def described(result):
        return (tuple(result.shape), K.dtype(result))

    assert described(tf.map_fn(lambda x: x * 2, empty)) == ((0,), 'float32')
    assert described(tf.map_fn(lambda x: tf.cast(x, tf.int64), empty,
                               dtype=tf.int64)) == ((0,), 'int64')
    spec = tf.TensorSpec([2], tf.float32)
    assert described(tf.map_fn(lambda x: x[:2], empty,
                               fn_output_signature=spec)) == \
        ((0, 2), 'float32')
    pair = tf.map_fn(lambda x: (x, tf.cast(x, tf.int32)), empty,
                     fn_output_signature=(tf.float32, tf.int32))
    assert [described(r) for r in pair] == [((0,), 'float32'),
                                            ((0,), 'int32')]


def test_pyramid_roi_align_matches_tensorflow():
    boxes, meta, maps = pyramid_inputs()
    pooled = PyramidROIAlign((2, 2))([boxes, meta] + maps)
    np.testing.assert_allclose(numpy_of(pooled), ROI_ALIGN, atol=1e-5)


def test_pyramid_roi_align_in_a_model_with_time_distributed_heads():
    # Keras 2 gives the custom layer's output the static shape of its
    # compute_output_shape; TimeDistributed convolutions run on each crop.
    boxes, meta, maps = pyramid_inputs()
    box_input = KL.Input(shape=(3, 4))
    meta_input = KL.Input(shape=(16,))
    map_inputs = [KL.Input(shape=(s, s, 1)) for s in (16, 8, 4, 2)]
    pooled = PyramidROIAlign((2, 2), name='roi_align')(
        [box_input, meta_input] + map_inputs
    )
    assert K.int_shape(pooled) == (None, 3, 2, 2, 1)
    summed = KL.TimeDistributed(
        KL.Conv2D(
            1, (2, 2), kernel_initializer='ones', bias_initializer='zeros'
        ),
        name='crop_sum',
    )(pooled)
    count = KL.Lambda(lambda t: tf.cast(tf.shape(t)[1], tf.float32))(summed)
    scaled = KL.Lambda(lambda t: t[0] * t[1])([summed, count])
    model = KM.Model([box_input, meta_input] + map_inputs, scaled)
    result = model.predict([boxes, meta] + maps)
    expected = ROI_ALIGN.sum(axis=(2, 3)).reshape(2, 3, 1, 1, 1) * 3
    np.testing.assert_allclose(result, expected, rtol=1e-5)


def test_proposal_layer_matches_tensorflow():
    scores = np.array(
        [[0.9, 0.5, 0.9, 0.2, 0.7, 0.5], [0.1, 0.3, 0.3, 0.8, 0.3, 0.6]], f32
    )
    probs = np.stack([1 - scores, scores], -1)
    deltas = (np.arange(48, dtype=f32).reshape(2, 6, 4) % 3 - 1) / 2
    anchors = np.array(
        [
            [0.1, 0.1, 0.3, 0.3],
            [0.12, 0.1, 0.32, 0.3],
            [0.5, 0.5, 0.7, 0.9],
            [0.0, 0.0, 1.0, 1.0],
            [0.52, 0.5, 0.72, 0.9],
            [0.6, 0.1, 0.9, 0.2],
        ],
        f32,
    )
    anchors = np.stack([anchors, anchors[::-1]])
    layer = ProposalLayer(proposal_count=4, nms_threshold=0.5, config=CONFIG)
    proposals = layer([probs, deltas, anchors])
    np.testing.assert_allclose(numpy_of(proposals), PROPOSALS, atol=1e-5)


def test_detection_targets_graph_matches_tensorflow():
    # One positive proposal, one negative, one beside a crowd box (left
    # out), zero padding: the random shuffles have one order only.
    proposals = np.array(
        [
            [0.1, 0.1, 0.5, 0.5],
            [0.6, 0.0, 0.9, 0.3],
            [0.55, 0.55, 0.95, 0.95],
            [0, 0, 0, 0],
            [0, 0, 0, 0],
        ],
        f32,
    )
    gt_ids = np.array([2, -1, 0], np.int32)
    gt_boxes = np.array(
        [[0.12, 0.1, 0.52, 0.45], [0.5, 0.5, 1.0, 1.0], [0, 0, 0, 0]], f32
    )
    gt_masks = np.zeros((6, 6, 3), bool)
    gt_masks[1:5, 2:6, 0] = True
    gt_masks[:, :, 1] = True
    rois, class_ids, deltas, masks = detection_targets_graph(
        proposals, gt_ids, gt_boxes, gt_masks, CONFIG
    )
    np.testing.assert_allclose(numpy_of(rois), TARGETS_0, atol=1e-6)
    assert numpy_of(class_ids).tolist() == TARGETS_1.tolist()
    np.testing.assert_allclose(numpy_of(deltas), TARGETS_2, atol=1e-5)
    np.testing.assert_array_equal(numpy_of(masks), TARGETS_3)


def test_losses_match_tensorflow():
    rpn_match = np.array(
        [[[1], [0], [-1], [1], [0], [-1]], [[0], [0], [-1], [0], [1], [0]]],
        np.int32,
    )
    rpn_logits = (np.arange(24, dtype=f32).reshape(2, 6, 2) % 5 - 2) / 2
    rpn_bbox = (np.arange(48, dtype=f32).reshape(2, 6, 4) % 7 - 3) / 3
    target_bbox = np.zeros((2, 4, 4), f32)
    target_bbox[0, :2] = [[0.1, -0.2, 0.3, 2.0], [-1.5, 0.4, 0.0, 0.2]]
    target_bbox[1, :1] = [[0.5, 0.5, -0.5, 3.0]]
    target_ids = np.array([[1, 2, 0, 0], [2, 0, 0, 0]], np.int32)
    no_ids = np.zeros((2, 4), np.int32)
    class_logits = np.arange(24, dtype=f32).reshape(2, 4, 3) % 4 - 1.5
    active = np.array([[1, 1, 0], [1, 1, 0]], f32)
    roi_bbox = (np.arange(32, dtype=f32).reshape(2, 4, 4) % 5 - 2) / 2
    pred_bbox = (np.arange(96, dtype=f32).reshape(2, 4, 3, 4) % 9 - 4) / 3
    target_masks = (np.arange(72).reshape(2, 4, 3, 3) % 3 == 0).astype(f32)
    pred_masks = (
        np.arange(216).reshape(2, 4, 3, 3, 3) % 11 / 12.0 + 0.04
    ).astype(f32)
    cases = [
        (rpn_class_loss_graph(rpn_match, rpn_logits), RPN_CLASS_LOSS),
        (
            rpn_class_loss_graph(np.zeros((2, 6, 1), np.int32), rpn_logits),
            RPN_CLASS_LOSS_NEUTRAL,
        ),
        (
            rpn_bbox_loss_graph(CONFIG, target_bbox, rpn_match, rpn_bbox),
            RPN_BBOX_LOSS,
        ),
        (
            mrcnn_class_loss_graph(target_ids, class_logits, active),
            MRCNN_CLASS_LOSS,
        ),
        (
            mrcnn_bbox_loss_graph(roi_bbox, target_ids, pred_bbox),
            MRCNN_BBOX_LOSS,
        ),
        (
            mrcnn_mask_loss_graph(target_masks, target_ids, pred_masks),
            MRCNN_MASK_LOSS,
        ),
        (
            mrcnn_mask_loss_graph(target_masks, no_ids, pred_masks),
            MRCNN_MASK_LOSS_NONE,
        ),
        (
            mrcnn_bbox_loss_graph(roi_bbox, no_ids, pred_bbox),
            MRCNN_BBOX_LOSS_NONE,
        ),
    ]
    for value, expected in cases:
        np.testing.assert_allclose(float(numpy_of(value)), expected, atol=2e-6)


def test_constant_anchors_made_a_variable_in_a_lambda():
    # The library's "hack to get around Keras's bad support for
    # constants": Keras 2 does not track a variable created inside a
    # Lambda, so it is not among the model's weights.
    anchors = np.broadcast_to(np.array([[0.1, 0.2, 0.3, 0.4]], f32), (1, 1, 4))
    image = KL.Input(shape=(None, None, 3))
    out = KL.Lambda(lambda x: tf.Variable(anchors), name='anchors')(image)
    model = KM.Model(image, out)
    assert model.trainable_weights == [] and model.weights == []
    np.testing.assert_allclose(
        model.predict(np.zeros((1, 4, 4, 3), f32)), anchors
    )


# ------------------------------------- argument checks, as TensorFlow's
def test_crop_and_resize_checks_its_arguments_as_tensorflow():
    image = np.zeros((2, 4, 4, 1), f32)
    box = np.array([[0, 0, 1, 1]], f32)
    for index in (2, -1):
        with pytest.raises(tf.errors.OutOfRangeError,
                           match=r'box_index has values outside '
                                 r'\[0, batch_size\)'):
            tf.image.crop_and_resize(image, box, np.array([index]), (2, 2))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match='crop dimensions must be positive'):
        tf.image.crop_and_resize(image, box, np.array([0]), (0, 2))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match='box_index has incompatible shape'):
        tf.image.crop_and_resize(image, box, np.array([0, 1]), (2, 2))


def test_non_max_suppression_checks_its_arguments_as_tensorflow():
    boxes = np.array([[0, 0, 1, 1], [0, 0, 1, 1]], f32)
    scores = np.array([0.5, 0.4], f32)
    for threshold in (1.5, -0.1):
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r'iou_threshold must be in \[0, 1\]'):
            tf.image.non_max_suppression(boxes, scores, 3, threshold)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match='output size must be non-negative'):
        tf.image.non_max_suppression(boxes, scores, -1, 0.5)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match='scores has incompatible shape'):
        tf.image.non_max_suppression(boxes, scores[:1], 3, 0.5)
    assert numpy_of(tf.image.non_max_suppression(
        boxes, scores, 3, 1.0)).tolist() == [0, 1]
