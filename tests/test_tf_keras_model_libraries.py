"""Model libraries written for tf.keras 2.x by people other than the
Keras team, in their own idioms: vit-keras (a class token and position
embeddings made as `tf.Variable`s in `build`, attention returning
(output, weights), a Sequential MLP with a gelu Lambda, layer names with
'/'), keras-unet-collection's Swin window attention (an integer index
variable kept as a non-trainable weight and read with tf.gather) and
yolov3-tf2 (a Darknet model with a tuple of outputs, a BatchNormalization
subclass freezing with `tf.logical_and(training, self.trainable)`,
YoloLoss with tf.where / tf.boolean_mask / broadcast IoU, freeze_all,
tf.image.combined_non_max_suppression). Expected values are tf_keras
2.21's, obtained by running the same code there."""
import os

import numpy as np
import pytest

from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common


@pytest.fixture
def tf_keras():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


class ClassToken(tf.keras.layers.Layer):
    """vit-keras: a learned class token prepended to the patches."""

    def build(self, input_shape):
        self.hidden_size = input_shape[-1]
        self.cls = tf.Variable(
            name='cls', initial_value=tf.zeros_initializer()(
                shape=(1, 1, self.hidden_size), dtype='float32'),
            trainable=True)

    def call(self, inputs):
        batch_size = tf.shape(inputs)[0]
        cls_broadcasted = tf.cast(
            tf.broadcast_to(self.cls, [batch_size, 1, self.hidden_size]),
            dtype=inputs.dtype)
        return tf.concat([cls_broadcasted, inputs], 1)


class AddPositionEmbs(tf.keras.layers.Layer):
    """vit-keras: learned position embeddings."""

    def build(self, input_shape):
        self.pe = tf.Variable(
            name='pos_embedding',
            initial_value=tf.random_normal_initializer(stddev=0.06)(
                shape=(1, input_shape[1], input_shape[2])),
            dtype='float32', trainable=True)

    def call(self, inputs):
        return inputs + tf.cast(self.pe, dtype=inputs.dtype)


class MultiHeadSelfAttention(tf.keras.layers.Layer):
    """vit-keras: attention returning (output, weights)."""

    def __init__(self, *args, num_heads, **kwargs):
        super().__init__(*args, **kwargs)
        self.num_heads = num_heads

    def build(self, input_shape):
        hidden_size = input_shape[-1]
        self.hidden_size = hidden_size
        self.projection_dim = hidden_size // self.num_heads
        self.query_dense = tf.keras.layers.Dense(hidden_size, name='query')
        self.key_dense = tf.keras.layers.Dense(hidden_size, name='key')
        self.value_dense = tf.keras.layers.Dense(hidden_size, name='value')
        self.combine_heads = tf.keras.layers.Dense(hidden_size, name='out')

    def separate_heads(self, x, batch_size):
        x = tf.reshape(x, (batch_size, -1, self.num_heads,
                           self.projection_dim))
        return tf.transpose(x, perm=[0, 2, 1, 3])

    def call(self, inputs):
        batch_size = tf.shape(inputs)[0]
        query = self.separate_heads(self.query_dense(inputs), batch_size)
        key = self.separate_heads(self.key_dense(inputs), batch_size)
        value = self.separate_heads(self.value_dense(inputs), batch_size)
        score = tf.matmul(query, key, transpose_b=True)
        dim_key = tf.cast(tf.shape(key)[-1], score.dtype)
        weights = tf.nn.softmax(score / tf.math.sqrt(dim_key), axis=-1)
        attention = tf.transpose(tf.matmul(weights, value), perm=[0, 2, 1, 3])
        concat = tf.reshape(attention, (batch_size, -1, self.hidden_size))
        return self.combine_heads(concat), weights

    def get_config(self):
        config = super().get_config()
        config.update({'num_heads': self.num_heads})
        return config


class TransformerBlock(tf.keras.layers.Layer):
    """vit-keras: pre-norm encoder block with a Sequential MLP."""

    def __init__(self, *args, num_heads, mlp_dim, dropout, **kwargs):
        super().__init__(*args, **kwargs)
        self.num_heads = num_heads
        self.mlp_dim = mlp_dim
        self.dropout = dropout

    def build(self, input_shape):
        self.att = MultiHeadSelfAttention(
            num_heads=self.num_heads, name='MultiHeadDotProductAttention_1')
        self.mlpblock = tf.keras.Sequential([
            tf.keras.layers.Dense(self.mlp_dim, name=f'{self.name}_Dense_0'),
            tf.keras.layers.Lambda(
                lambda x: tf.keras.activations.gelu(x, approximate=False)),
            tf.keras.layers.Dropout(self.dropout),
            tf.keras.layers.Dense(input_shape[-1], name=f'{self.name}_Dense_1'),
            tf.keras.layers.Dropout(self.dropout)], name='MlpBlock_3')
        self.layernorm1 = tf.keras.layers.LayerNormalization(
            epsilon=1e-6, name='LayerNorm_0')
        self.layernorm2 = tf.keras.layers.LayerNormalization(
            epsilon=1e-6, name='LayerNorm_2')
        self.dropout_layer = tf.keras.layers.Dropout(self.dropout)

    def call(self, inputs, training=False):
        x = self.layernorm1(inputs)
        x, weights = self.att(x)
        x = self.dropout_layer(x, training=training)
        x = x + inputs
        y = self.mlpblock(self.layernorm2(x))
        return x + y, weights

    def get_config(self):
        config = super().get_config()
        config.update({'num_heads': self.num_heads, 'mlp_dim': self.mlp_dim,
                       'dropout': self.dropout})
        return config


VIT_OBJECTS = {'ClassToken': ClassToken, 'AddPositionEmbs': AddPositionEmbs,
               'TransformerBlock': TransformerBlock}


def vit_tiny():
    x = tf.keras.layers.Input(shape=(8, 8, 3))
    y = tf.keras.layers.Conv2D(4, 4, strides=4, padding='valid',
                               name='embedding')(x)
    y = tf.keras.layers.Reshape((y.shape[1] * y.shape[2], 4))(y)
    y = ClassToken(name='class_token')(y)
    y = AddPositionEmbs(name='Transformer/posembed_input')(y)
    y, _ = TransformerBlock(num_heads=2, mlp_dim=6, dropout=0.0,
                            name='Transformer/encoderblock_0')(y)
    y = tf.keras.layers.LayerNormalization(
        epsilon=1e-6, name='Transformer/encoder_norm')(y)
    y = tf.keras.layers.Lambda(lambda v: v[:, 0], name='ExtractToken')(y)
    y = tf.keras.layers.Dense(3, name='head', activation='softmax')(y)
    return tf.keras.models.Model(inputs=x, outputs=y, name='vit-tiny')


class WindowAttention(tf.keras.layers.Layer):
    """keras-unet-collection (Swin): a bias table read through an integer
    index variable kept as a non-trainable weight."""

    def __init__(self, dim, window_size, num_heads, prefix='', **kwargs):
        super().__init__(**kwargs)
        self.dim, self.window_size, self.num_heads = dim, window_size, num_heads
        self.prefix = prefix
        self.qkv = tf.keras.layers.Dense(dim * 3, name=f'{prefix}_attn_qkv')

    def build(self, input_shape):
        n = (2 * self.window_size - 1) ** 2
        self.relative_position_bias_table = self.add_weight(
            f'{self.prefix}_attn_pos', shape=(n, self.num_heads),
            initializer=tf.initializers.Zeros(), trainable=True)
        coords = np.stack(np.meshgrid(np.arange(self.window_size),
                                      np.arange(self.window_size),
                                      indexing='ij')).reshape(2, -1)
        rel = (coords[:, :, None] - coords[:, None, :]).transpose([1, 2, 0])
        rel[:, :, 0] += self.window_size - 1
        rel[:, :, 1] += self.window_size - 1
        rel[:, :, 0] *= 2 * self.window_size - 1
        self.relative_position_index = tf.Variable(
            initial_value=tf.convert_to_tensor(rel.sum(-1)), trainable=False,
            name=f'{self.prefix}_attn_pos_ind')
        self.built = True

    def call(self, x):
        _, N, C = x.get_shape().as_list()
        head_dim = C // self.num_heads
        qkv = tf.transpose(tf.reshape(self.qkv(x), (-1, N, 3, self.num_heads,
                                                   head_dim)), (2, 0, 3, 1, 4))
        q, k, v = qkv[0] * head_dim ** -0.5, qkv[1], qkv[2]
        attn = q @ tf.transpose(k, perm=(0, 1, 3, 2))
        bias = tf.gather(self.relative_position_bias_table,
                         tf.reshape(self.relative_position_index, (-1,)))
        bias = tf.transpose(tf.reshape(bias, (N, N, -1)), perm=(2, 0, 1))
        attn = tf.keras.activations.softmax(attn + tf.expand_dims(bias, 0),
                                            axis=-1)
        out = tf.transpose(attn @ v, perm=(0, 2, 1, 3))
        return tf.reshape(out, (-1, N, C))


def swin_tiny():
    x = tf.keras.layers.Input((4, 4))
    y = WindowAttention(4, 2, 2, prefix='win', name='window_attention')(x)
    y = tf.keras.layers.Flatten()(y)
    y = tf.keras.layers.Dense(2, name='head')(y)
    return tf.keras.Model(x, y)


class BatchNormalization(tf.keras.layers.BatchNormalization):
    """yolov3-tf2: trainable=False freezes the statistics too."""

    def call(self, x, training=False):
        if training is None:
            training = tf.constant(False)
        training = tf.logical_and(training, self.trainable)
        return super().call(x, training)


def darknet_conv(x, filters, size, strides=1, batch_norm=True):
    if strides == 1:
        padding = 'same'
    else:
        x = tf.keras.layers.ZeroPadding2D(((1, 0), (1, 0)))(x)
        padding = 'valid'
    x = tf.keras.layers.Conv2D(filters, size, strides=strides,
                               padding=padding, use_bias=not batch_norm,
                               kernel_regularizer=tf.keras.regularizers.l2(
                                   0.0005))(x)
    if batch_norm:
        x = BatchNormalization()(x)
        x = tf.keras.layers.LeakyReLU(alpha=0.1)(x)
    return x


def darknet_tiny(name=None):
    x = inputs = tf.keras.layers.Input([None, None, 3])
    x = darknet_conv(x, 2, 3)
    x = x_8 = darknet_conv(x, 4, 3, strides=2)
    x = tf.keras.layers.MaxPool2D(2, 2, 'same')(x)
    x = darknet_conv(x, 4, 3)
    return tf.keras.Model(inputs, (x_8, x), name=name)


def yolo_output(filters, anchors, classes, name=None):
    def output(x_in):
        x = inputs = tf.keras.layers.Input(x_in.shape[1:])
        x = darknet_conv(x, filters, 3)
        x = darknet_conv(x, anchors * (classes + 5), 1, batch_norm=False)
        x = tf.keras.layers.Lambda(lambda x: tf.reshape(
            x, (-1, tf.shape(x)[1], tf.shape(x)[2], anchors, classes + 5)))(x)
        return tf.keras.Model(inputs, x, name=name)(x_in)
    return output


def yolo_body(size, classes):
    x = inputs = tf.keras.layers.Input([size, size, 3])
    x_8, x = darknet_tiny(name='yolo_darknet')(x)
    output_0 = yolo_output(4, 2, classes, name='yolo_output_0')(x)
    output_1 = yolo_output(2, 2, classes, name='yolo_output_1')(x_8)
    return tf.keras.Model(inputs, [output_0, output_1], name='yolo_body')


def broadcast_iou(box_1, box_2):
    box_1 = tf.expand_dims(box_1, -2)
    box_2 = tf.expand_dims(box_2, 0)
    new_shape = tf.broadcast_dynamic_shape(tf.shape(box_1), tf.shape(box_2))
    box_1 = tf.broadcast_to(box_1, new_shape)
    box_2 = tf.broadcast_to(box_2, new_shape)
    int_w = tf.maximum(tf.minimum(box_1[..., 2], box_2[..., 2]) -
                       tf.maximum(box_1[..., 0], box_2[..., 0]), 0)
    int_h = tf.maximum(tf.minimum(box_1[..., 3], box_2[..., 3]) -
                       tf.maximum(box_1[..., 1], box_2[..., 1]), 0)
    int_area = int_w * int_h
    area_1 = (box_1[..., 2] - box_1[..., 0]) * (box_1[..., 3] - box_1[..., 1])
    area_2 = (box_2[..., 2] - box_2[..., 0]) * (box_2[..., 3] - box_2[..., 1])
    return int_area / (area_1 + area_2 - int_area)


def yolo_boxes(pred, anchors, classes):
    grid_size = tf.shape(pred)[1]
    box_xy, box_wh, objectness, class_probs = tf.split(
        pred, (2, 2, 1, classes), axis=-1)
    box_xy = tf.sigmoid(box_xy)
    objectness = tf.sigmoid(objectness)
    class_probs = tf.sigmoid(class_probs)
    grid = tf.meshgrid(tf.range(grid_size), tf.range(grid_size))
    grid = tf.expand_dims(tf.stack(grid, axis=-1), axis=2)
    box_xy = (box_xy + tf.cast(grid, tf.float32)) / \
        tf.cast(grid_size, tf.float32)
    box_wh = tf.exp(box_wh) * anchors
    box = tf.concat([box_xy - box_wh / 2, box_xy + box_wh / 2], axis=-1)
    return box, objectness, class_probs


def yolo_loss_fn(anchors, classes, ignore_thresh=0.5):
    def yolo_loss(y_true, y_pred):
        grid_size = tf.shape(y_pred)[1]
        pred_box, _, _ = yolo_boxes(y_pred, anchors, classes)
        pred_xy, pred_wh, pred_obj, pred_class = tf.split(
            y_pred, (2, 2, 1, classes), axis=-1)
        pred_xy = tf.sigmoid(pred_xy)
        true_box, true_obj, true_class_idx = tf.split(
            y_true, (4, 1, 1), axis=-1)
        true_xy = (true_box[..., 0:2] + true_box[..., 2:4]) / 2
        true_wh = true_box[..., 2:4] - true_box[..., 0:2]
        box_loss_scale = 2 - true_wh[..., 0] * true_wh[..., 1]
        grid = tf.meshgrid(tf.range(grid_size), tf.range(grid_size))
        grid = tf.expand_dims(tf.stack(grid, axis=-1), axis=2)
        true_xy = true_xy * tf.cast(grid_size, tf.float32) - \
            tf.cast(grid, tf.float32)
        true_wh = tf.math.log(true_wh / anchors)
        true_wh = tf.where(tf.math.is_inf(true_wh), tf.zeros_like(true_wh),
                           true_wh)
        obj_mask = tf.squeeze(true_obj, -1)
        true_box_flat = tf.boolean_mask(true_box, tf.cast(obj_mask, tf.bool))
        best_iou = tf.reduce_max(broadcast_iou(pred_box, true_box_flat),
                                 axis=-1)
        ignore_mask = tf.cast(best_iou < ignore_thresh, tf.float32)
        xy_loss = obj_mask * box_loss_scale * \
            tf.reduce_sum(tf.square(true_xy - pred_xy), axis=-1)
        wh_loss = obj_mask * box_loss_scale * \
            tf.reduce_sum(tf.square(true_wh - pred_wh), axis=-1)
        obj_loss = tf.keras.losses.binary_crossentropy(true_obj, pred_obj,
                                                       from_logits=True)
        obj_loss = obj_mask * obj_loss + \
            (1 - obj_mask) * ignore_mask * obj_loss
        class_loss = obj_mask * tf.keras.losses.sparse_categorical_crossentropy(
            true_class_idx, pred_class, from_logits=True)
        return (tf.reduce_sum(xy_loss, axis=(1, 2, 3)) +
                tf.reduce_sum(wh_loss, axis=(1, 2, 3)) +
                tf.reduce_sum(obj_loss, axis=(1, 2, 3)) +
                tf.reduce_sum(class_loss, axis=(1, 2, 3)))
    return yolo_loss


def yolo_targets(shapes):
    rng = np.random.RandomState(3)
    ys = []
    for shape in shapes:
        y = np.zeros(shape[:4] + (6,), 'float32')
        for b in range(shape[0]):
            i, j, a = rng.randint(0, shape[1]), rng.randint(0, shape[2]), \
                rng.randint(0, shape[3])
            x1, y1 = rng.uniform(0.1, 0.4, 2)
            y[b, i, j, a] = [x1, y1, x1 + 0.3, y1 + 0.2, 1, rng.randint(0, 2)]
        ys.append(y)
    return ys


def freeze_all(model, frozen=True):
    model.trainable = not frozen
    if isinstance(model, tf.keras.Model):
        for layer in model.layers:
            freeze_all(layer, frozen)


def fixed_weights(model, scale=0.3):
    """Seeded normal weights (positive variances), kept integer weights."""
    rng = np.random.RandomState(0)
    values = []
    for w in model.weights:
        shape = tuple(w.shape)
        if not np.asarray(w.numpy()).dtype.kind == 'f':
            values.append(w.numpy())
            continue
        v = rng.normal(0, scale, shape).astype('float32')
        values.append(np.abs(v) + 0.5 if 'variance' in w.name else v)
    model.set_weights(values)


VIT_X = (np.arange(2 * 8 * 8 * 3).reshape(2, 8, 8, 3) % 7 / 7.).astype(
    'float32')
SWIN_X = (np.arange(2 * 4 * 4).reshape(2, 4, 4) % 5 / 5. - 0.4).astype(
    'float32')
YOLO_X = (np.arange(2 * 8 * 8 * 3).reshape(2, 8, 8, 3) % 11 / 11.).astype(
    'float32')


def test_vit_model_predicts_trains_and_reloads(tf_keras, tmp_path):
    model = vit_tiny()
    fixed_weights(model)
    assert [w.name for w in model.weights][:6] == [
        'embedding/kernel:0', 'embedding/bias:0', 'class_token/cls:0',
        'Transformer/posembed_input/pos_embedding:0',
        'Transformer/encoderblock_0/MultiHeadDotProductAttention_1/query/'
        'kernel:0',
        'Transformer/encoderblock_0/MultiHeadDotProductAttention_1/query/'
        'bias:0']
    assert len(model.weights) == 24 and model.count_params() == 397
    assert [l.name for l in model.layers][1:] == [
        'embedding', 'reshape', 'class_token', 'Transformer/posembed_input',
        'Transformer/encoderblock_0', 'Transformer/encoder_norm',
        'ExtractToken', 'head']
    # tf_keras 2.21
    np.testing.assert_allclose(model.predict(VIT_X, verbose=0), [
        [0.25138137, 0.26705506, 0.48156363],
        [0.25020385, 0.26647183, 0.48332432]], rtol=1e-5, atol=1e-6)
    model.compile(tf.keras.optimizers.SGD(0.1),
                  'sparse_categorical_crossentropy')
    losses = [float(model.train_on_batch(VIT_X, np.array([0, 2])))
              for _ in range(2)]
    np.testing.assert_allclose(losses, [1.0539257526, 1.0312607288],
                               rtol=1e-5)
    path = os.path.join(str(tmp_path), 'vit.h5')
    model.save(path)
    again = tf.keras.models.load_model(path, custom_objects=VIT_OBJECTS)
    np.testing.assert_allclose(again.predict(VIT_X, verbose=0),
                               model.predict(VIT_X, verbose=0), atol=1e-7)


def test_integer_variable_of_a_layer_is_a_non_trainable_weight(
        tf_keras, tmp_path):
    model = swin_tiny()
    fixed_weights(model, 0.5)
    # tf_keras 2.21: the index variable assigned in build is a weight,
    # listed after the layer's trainable ones, and saved with them.
    assert [w.name for w in model.weights] == [
        'window_attention/win_attn_pos:0',
        'window_attention/win_attn_qkv/kernel:0',
        'window_attention/win_attn_qkv/bias:0',
        'window_attention/win_attn_pos_ind:0', 'head/kernel:0',
        'head/bias:0']
    assert [w.dtype.name for w in model.get_weights()] == [
        'float32', 'float32', 'float32', 'int64', 'float32', 'float32']
    assert (len(model.trainable_weights), len(model.non_trainable_weights),
            model.count_params()) == (5, 1, 128)
    assert model.layers[1].relative_position_index.numpy().tolist() == [
        [4, 3, 1, 0], [5, 4, 2, 1], [7, 6, 4, 3], [8, 7, 5, 4]]
    lines = []
    model.summary(print_fn=lines.append)
    assert 'Non-trainable params: 16 (128.00 Byte)' in lines
    np.testing.assert_allclose(model.predict(SWIN_X, verbose=0), [
        [0.8100943, -0.44572088], [1.2806804, -0.875623]], rtol=1e-5)
    model.compile(tf.keras.optimizers.Adam(0.01), 'mse')
    losses = [float(model.train_on_batch(SWIN_X, np.ones((2, 2))))
              for _ in range(2)]
    np.testing.assert_allclose(losses, [1.4307290316, 1.2096320391],
                               rtol=1e-5)
    path = os.path.join(str(tmp_path), 'swin.h5')
    model.save_weights(path)
    again = swin_tiny()
    again.load_weights(path)
    np.testing.assert_allclose(again.predict(SWIN_X, verbose=0),
                               model.predict(SWIN_X, verbose=0), atol=1e-7)


def test_model_made_with_a_tuple_of_outputs_gives_tuples(tf_keras):
    darknet = darknet_tiny(name='yolo_darknet')
    # tf_keras 2.21 keeps the structure of `outputs`.
    assert darknet.output_shape == ((None, None, None, 4),
                                    (None, None, None, 4))
    assert isinstance(darknet.output, tuple)
    assert tuple(tuple(s) for s in darknet.compute_output_shape(
        (None, 8, 8, 3))) == ((None, 4, 4, 4), (None, 2, 2, 4))
    assert isinstance(darknet(np.ones((1, 8, 8, 3), 'float32')), tuple)
    assert isinstance(darknet.predict(np.ones((1, 8, 8, 3)), verbose=0),
                      tuple)
    assert isinstance(darknet(tf.keras.Input((8, 8, 3))), tuple)
    config = darknet.get_config()
    assert config['output_layers'] == (['leaky_re_lu_1', 0, 0],
                                       ['leaky_re_lu_2', 0, 0])
    again = tf.keras.Model.from_config(
        config, custom_objects={'BatchNormalization': BatchNormalization})
    assert isinstance(again.output, tuple)


def test_yolo_loss_training_and_frozen_batch_norm(tf_keras):
    body = yolo_body(8, 2)
    fixed_weights(body)
    outs = body.predict(YOLO_X, verbose=0)
    assert [o.shape for o in outs] == [(2, 2, 2, 2, 7), (2, 4, 4, 2, 7)]
    # tf_keras 2.21
    np.testing.assert_allclose([o.sum() for o in outs],
                               [-8.3281126022, -41.7967453003], rtol=1e-5)
    assert len(body.losses) == 7
    np.testing.assert_allclose(float(tf.add_n(body.losses)), 0.0254322123,
                               rtol=1e-5)
    anchors = np.array([(10, 14), (23, 27), (37, 58), (81, 82)],
                       np.float32) / 32
    loss = [yolo_loss_fn(anchors[2:], 2), yolo_loss_fn(anchors[:2], 2)]
    ys = yolo_targets([o.shape for o in outs])
    np.testing.assert_allclose(
        [np.asarray(loss[i](ys[i], outs[i])) for i in range(2)],
        [[24.3148765564, 22.198486328], [35.0438270569, 28.9285163879]],
        rtol=1e-5)
    body.compile(optimizer=tf.keras.optimizers.SGD(1e-3), loss=loss)
    steps = [body.train_on_batch(YOLO_X, ys) for _ in range(2)]
    np.testing.assert_allclose(steps, [
        [58.5618095398, 26.5691337585, 31.9672431946],
        [57.0660934448, 25.2653274536, 31.7753372192]], rtol=1e-5)
    freeze_all(body.get_layer('yolo_darknet'))
    assert (len(body.trainable_weights),
            len(body.non_trainable_weights)) == (10, 19)
    body.compile(optimizer=tf.keras.optimizers.SGD(1e-3), loss=loss)
    np.testing.assert_allclose(body.train_on_batch(YOLO_X, ys), [
        58.1180458069, 26.3000144958, 31.7926025391], rtol=1e-5)
    bn = body.get_layer('yolo_darknet').layers[2]
    assert bn.name.startswith('batch_normalization')
    np.testing.assert_allclose(bn.moving_mean.numpy(),
                               [-0.1794741005, -0.1023706496], rtol=1e-5)


NMS_BOXES = np.array([
    [0.559, 0.758, 0.718, 1.178], [0.408, 0.675, 0.58, 1.247],
    [1.056, 0.36, 1.417, 0.667], [0.582, 1.011, 0.814, 1.498],
    [-0.076, 0.899, 0.252, 1.283], [1.074, 0.859, 1.184, 1.268]],
    'float32').reshape(1, 6, 1, 4)
NMS_SCORES = np.array([[0.612, 0.617], [0.944, 0.682], [0.36, 0.437],
                       [0.698, 0.06], [0.667, 0.671], [0.21, 0.129]],
                      'float32')[None]
B1 = [0.408, 0.675, 0.58, 1.247]
B3 = [0.582, 1.011, 0.814, 1.498]
B4 = [-0.076, 0.899, 0.252, 1.283]


@pytest.mark.parametrize('kwargs,expected', [
    # tf_keras 2.21 (TensorFlow's CombinedNonMaxSuppression kernel)
    (dict(max_output_size_per_class=2, max_total_size=3, iou_threshold=0.3),
     ([[B1[:3] + [1.], B3[:1] + [1., B3[2], 1.], B1[:3] + [1.]]],
      [[0.944, 0.698, 0.682]], [[0., 0., 1.]], [3])),
    (dict(max_output_size_per_class=3, max_total_size=10,
          score_threshold=0.4, clip_boxes=False),
     ([[B1, B3, B1, B4, B4, [0.559, 0.758, 0.718, 1.178]] + [[0.] * 4] * 4],
      [[0.944, 0.698, 0.682, 0.671, 0.667, 0.617] + [0.] * 4],
      [[0., 0., 1., 1., 0., 1.] + [0.] * 4], [6])),
    (dict(max_output_size_per_class=1, max_total_size=10,
          pad_per_class=True),
     ([[B1[:3] + [1.], B1[:3] + [1.]]], [[0.944, 0.682]], [[0., 1.]], [2])),
])
def test_combined_non_max_suppression(kwargs, expected):
    result = tf.image.combined_non_max_suppression(NMS_BOXES, NMS_SCORES,
                                                   **kwargs)
    assert result._fields == ('nmsed_boxes', 'nmsed_scores',
                              'nmsed_classes', 'valid_detections')
    for value, want in zip(result, expected):
        np.testing.assert_allclose(np.asarray(value), want, atol=1e-6)
    assert np.asarray(result.valid_detections).dtype == np.int32


def test_combined_non_max_suppression_in_a_lambda_of_a_model(tf_keras):
    boxes, scores = tf.keras.Input((6, 1, 4)), tf.keras.Input((6, 2))
    nms = tf.keras.layers.Lambda(lambda t: tf.image.combined_non_max_suppression(
        t[0], t[1], 2, 3, 0.3))([boxes, scores])
    model = tf.keras.Model([boxes, scores], nms)
    result = model.predict([NMS_BOXES, NMS_SCORES], verbose=0)
    # tf_keras 2.21
    np.testing.assert_allclose(result[1], [[0.944, 0.698, 0.682]], atol=1e-6)
    np.testing.assert_allclose(result[2], [[0., 0., 1.]])
    assert np.asarray(result[3]).tolist() == [3]
