"""Idioms of two Keras 2 code bases, written inline on small tensors:
deepface's model builders (ArcFace's ResNet block with PReLU over shared
axes and BatchNormalization(epsilon=2e-5, momentum=0.9), FaceNet's
`Lambda(scaling, arguments={'scale': ...})`, `K.l2_normalize`,
FbDeepFace's LocallyConnected2D, `tensorflow.python.keras` and
`tensorflow.python.lib.io` imports) and keras-frcnn's RPN and classifier
(a RoiPoolingConv layer resizing `img[:, y:y+h, x:x+w, :]` crops with
`tf.image.resize_images`, a FixedBatchNormalization layer, TimeDistributed
over custom layers, the smooth-L1 and swapped-argument binary
cross-entropy losses).

Expected deepface values come from tf_keras 2.21 on TensorFlow 2.21;
expected keras-frcnn values from Keras 2.2.4 (its TensorFlow backend, the
last with `K.image_dim_ordering`), gradients taken with `K.gradients` of
`model.total_loss`."""
import subprocess
import sys

import numpy as np
import pytest

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common
from keras_compat.layers import (Activation, Add, BatchNormalization, Conv2D,
                                 Dense, Flatten, Input, InputSpec, Lambda,
                                 Layer, LocallyConnected2D, MaxPooling2D,
                                 PReLU, TimeDistributed, ZeroPadding2D)
from keras_compat.models import Model


def _fill(weights):
    """The same deterministic values as the reference runs set."""
    values = []
    for k, w in enumerate(weights):
        shape = K.int_shape(w)
        v = (np.sin(np.arange(int(np.prod(shape))) * 0.37 + 2 * k)
             * 0.5).reshape(shape)
        if 'moving_variance' in w.name or 'running_std' in w.name:
            v = 1.0 + np.abs(v)
        values.append(v.astype('float32'))
    K.batch_set_value(list(zip(weights, values)))


# ------------------------------------------------ tensorflow internals
def test_file_io_serves_gfile_under_internal_names(tmp_path):
    file_io = tf.python.lib.io.file_io
    path = str(tmp_path / 'sub' / 'weights.txt')
    file_io.recursive_create_dir(str(tmp_path / 'sub'))
    assert file_io.is_directory(str(tmp_path / 'sub'))
    file_io.write_string_to_file(path, 'abc')
    assert file_io.file_exists(path)
    assert file_io.read_file_to_string(path) == 'abc'
    assert file_io.read_file_to_string(path, binary_mode=True) == b'abc'
    with file_io.FileIO(path, 'r') as f:
        assert f.read() == 'abc'
    assert file_io.list_directory(str(tmp_path / 'sub')) == ['weights.txt']
    assert file_io.get_matching_files(str(tmp_path / 'sub' / '*.txt')) == \
        [path]
    file_io.delete_file(path)
    assert not file_io.file_exists(path)


_ARCFACE_IMPORTS = '''
import keras_compat
keras_compat.install_as_keras()
from tensorflow.python.keras import backend
from tensorflow.python.keras.engine import training
from tensorflow.python.keras.utils import data_utils
from tensorflow.python.keras.utils import layer_utils
from tensorflow.python.lib.io import file_io
import tensorflow
import numpy as np
inp = tensorflow.keras.Input((3,))
model = training.Model(inp, tensorflow.keras.layers.Dense(2)(inp))
# deepface's forward: `self.model(img, training=False).numpy()[0].tolist()`
embedding = model(np.ones((1, 3), 'float32'), training=False).numpy()[0]
print(training.Model is tensorflow.keras.Model, file_io.file_exists('/'),
      len(embedding.tolist()))
'''


def test_deepface_arcface_module_imports_resolve():
    # deepface 0.0.75's ArcFace.py opens with these lines; ArcFace builds
    # its ResNet34 with `training.Model`.
    result = subprocess.run([sys.executable, '-c', _ARCFACE_IMPORTS],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-3:] == ['True', 'True', '2']


# ------------------------------------------------------------ deepface
def _scaling(x, scale):
    return x * scale


def _face_model():
    inp = Input(shape=(6, 6, 3))
    x = ZeroPadding2D(padding=1, name='conv1_pad')(inp)
    x = Conv2D(4, 3, strides=1, use_bias=False, name='conv1_conv')(x)
    x = BatchNormalization(axis=3, epsilon=2e-5, momentum=0.9,
                           name='conv1_bn')(x)
    x = PReLU(shared_axes=[1, 2], name='conv1_prelu')(x)
    shortcut = Conv2D(4, 1, use_bias=False, name='sc')(inp)
    up = Conv2D(4, 1, use_bias=True, name='up')(x)
    up = Lambda(_scaling, output_shape=K.int_shape(up)[1:],
                arguments={'scale': 0.17})(up)
    x = Add()([shortcut, up])
    x = LocallyConnected2D(2, (3, 3), strides=2, activation='relu',
                           name='L5')(x)
    x = Flatten()(x)
    x = Dense(5, kernel_initializer='glorot_normal', name='dense')(x)
    x = BatchNormalization(momentum=0.9, epsilon=2e-5, name='embedding',
                           scale=True)(x)
    x = Lambda(lambda t: K.l2_normalize(t, axis=1), name='norm_layer')(x)
    return Model(inp, x)


FACE_IMAGES = np.cos(np.arange(2 * 6 * 6 * 3) * 0.11).reshape(
    2, 6, 6, 3).astype('float32')
# tf_keras 2.21.
FACE_PREDICTION = [
    [-0.099495, -0.33891, -0.494171, -0.560884, -0.562534],
    [0.006789, -0.252657, -0.449562, -0.574353, -0.635713]]


def test_face_model_weights_names_and_prediction():
    common.set_api_flavour('tf.keras')
    model = _face_model()
    # tf_keras 2.21's order and names.
    assert [w.name for w in model.weights] == [
        'conv1_conv/kernel:0', 'conv1_bn/gamma:0', 'conv1_bn/beta:0',
        'conv1_bn/moving_mean:0', 'conv1_bn/moving_variance:0',
        'conv1_prelu/alpha:0', 'up/kernel:0', 'up/bias:0', 'sc/kernel:0',
        'L5/kernel:0', 'L5/bias:0', 'dense/kernel:0', 'dense/bias:0',
        'embedding/gamma:0', 'embedding/beta:0', 'embedding/moving_mean:0',
        'embedding/moving_variance:0']
    _fill(model.weights)
    np.testing.assert_allclose(model.predict(FACE_IMAGES), FACE_PREDICTION,
                               atol=2e-6)
    np.testing.assert_allclose(
        K.eval(model(FACE_IMAGES, training=False)), FACE_PREDICTION,
        atol=2e-6)


def test_face_model_weights_load_from_h5_into_a_fresh_build(tmp_path):
    # deepface builds the model, then `model.load_weights(file)`.
    common.set_api_flavour('tf.keras')
    model = _face_model()
    _fill(model.weights)
    path = str(tmp_path / 'arcface_weights.h5')
    model.save_weights(path)
    fresh = _face_model()
    fresh.load_weights(path)
    np.testing.assert_allclose(fresh.predict(FACE_IMAGES), FACE_PREDICTION,
                               atol=2e-6)


def test_face_model_train_step_updates_moving_statistics():
    common.set_api_flavour('tf.keras')
    model = _face_model()
    _fill(model.weights)
    model.compile(keras.optimizers.SGD(0.1), 'mse')
    loss = model.train_on_batch(FACE_IMAGES, np.full((2, 5), 0.3, 'float32'))
    # tf_keras 2.21.
    assert abs(float(loss) - 0.31936192512512207) < 1e-6
    bn = model.get_layer('conv1_bn')
    np.testing.assert_allclose(
        K.get_value(bn.moving_mean),
        [-0.128604, 0.035855, 0.195461, 0.328612], atol=2e-6)
    np.testing.assert_allclose(
        K.get_value(bn.moving_variance),
        [1.351494, 1.298574, 1.19282, 1.048146], atol=2e-6)
    np.testing.assert_allclose(
        K.get_value(model.get_layer('embedding').moving_mean),
        [-0.547436, -0.482896, -0.352998, -0.175323, 0.02608], atol=2e-6)
    np.testing.assert_allclose(
        K.get_value(model.get_layer('conv1_prelu').alpha).ravel(),
        [-0.272011, -0.405311, -0.48376, -0.49673], atol=2e-6)
    np.testing.assert_allclose(model.predict(FACE_IMAGES), [
        [-0.089265, -0.334677, -0.494897, -0.56371, -0.563321],
        [0.027914, -0.239526, -0.444971, -0.576786, -0.641223]], atol=3e-6)


# ----------------------------------------------------------- keras-frcnn
class RoiPoolingConv(Layer):
    """keras-frcnn's ROI pooling: each `(x, y, w, h)` crop of the feature
    map resized to `pool_size` squares."""

    def __init__(self, pool_size, num_rois, **kwargs):
        self.dim_ordering = K.image_dim_ordering()
        self.pool_size, self.num_rois = pool_size, num_rois
        super(RoiPoolingConv, self).__init__(**kwargs)

    def build(self, input_shape):
        self.nb_channels = input_shape[0][3]

    def compute_output_shape(self, input_shape):
        return (None, self.num_rois, self.pool_size, self.pool_size,
                self.nb_channels)

    def call(self, x, mask=None):
        img, rois = x[0], x[1]
        outputs = []
        for roi_idx in range(self.num_rois):
            x = K.cast(rois[0, roi_idx, 0], 'int32')
            y = K.cast(rois[0, roi_idx, 1], 'int32')
            w = K.cast(rois[0, roi_idx, 2], 'int32')
            h = K.cast(rois[0, roi_idx, 3], 'int32')
            outputs.append(tf.image.resize_images(
                img[:, y:y + h, x:x + w, :],
                (self.pool_size, self.pool_size)))
        out = K.concatenate(outputs, axis=0)
        out = K.reshape(out, (1, self.num_rois, self.pool_size,
                              self.pool_size, self.nb_channels))
        return K.permute_dimensions(out, (0, 1, 2, 3, 4))


class FixedBatchNormalization(Layer):
    """keras-frcnn's frozen batch normalization."""

    def __init__(self, epsilon=1e-3, axis=-1, **kwargs):
        self.epsilon, self.axis = epsilon, axis
        super(FixedBatchNormalization, self).__init__(**kwargs)

    def build(self, input_shape):
        self.input_spec = [InputSpec(shape=input_shape)]
        shape = (input_shape[self.axis],)
        for attr, init in [('gamma', 'one'), ('beta', 'zero'),
                           ('running_mean', 'zero'), ('running_std', 'one')]:
            setattr(self, attr, self.add_weight(
                shape=shape, initializer=init,
                name='{}_{}'.format(self.name, attr), trainable=False))
        self.built = True

    def call(self, x, mask=None):
        shape = [1] * len(K.int_shape(x))
        shape[self.axis] = K.int_shape(x)[self.axis]
        return K.batch_normalization(
            x, K.reshape(self.running_mean, shape),
            K.reshape(self.running_std, shape), K.reshape(self.beta, shape),
            K.reshape(self.gamma, shape), epsilon=self.epsilon)


def rpn_loss_regr(num_anchors):
    def rpn_loss_regr_fixed_num(y_true, y_pred):
        x = y_true[:, :, :, 4 * num_anchors:] - y_pred
        x_abs = K.abs(x)
        x_bool = K.cast(K.less_equal(x_abs, 1.0), tf.float32)
        return K.sum(y_true[:, :, :, :4 * num_anchors] * (
            x_bool * (0.5 * x * x) + (1 - x_bool) * (x_abs - 0.5))) / \
            K.sum(1e-4 + y_true[:, :, :, :4 * num_anchors])
    return rpn_loss_regr_fixed_num


def rpn_loss_cls(num_anchors):
    def rpn_loss_cls_fixed_num(y_true, y_pred):
        # (target and output swapped, as keras-frcnn writes it)
        return K.sum(y_true[:, :, :, :num_anchors] * K.binary_crossentropy(
            y_pred[:, :, :, :], y_true[:, :, :, num_anchors:])) / \
            K.sum(1e-4 + y_true[:, :, :, :num_anchors])
    return rpn_loss_cls_fixed_num


def class_loss_regr(num_classes):
    def class_loss_regr_fixed_num(y_true, y_pred):
        x = y_true[:, :, 4 * num_classes:] - y_pred
        x_abs = K.abs(x)
        x_bool = K.cast(K.less_equal(x_abs, 1.0), 'float32')
        return K.sum(y_true[:, :, :4 * num_classes] * (
            x_bool * (0.5 * x * x) + (1 - x_bool) * (x_abs - 0.5))) / \
            K.sum(1e-4 + y_true[:, :, :4 * num_classes])
    return class_loss_regr_fixed_num


def class_loss_cls(y_true, y_pred):
    return K.mean(keras.losses.categorical_crossentropy(y_true[0, :, :],
                                                        y_pred[0, :, :]))


A, R, C = 2, 3, 3


def _frcnn_models():
    img_input = Input(shape=(None, None, 3))
    roi_input = Input(shape=(None, 4))
    x = Conv2D(4, (3, 3), padding='same', name='conv1')(img_input)
    x = FixedBatchNormalization(axis=3, name='bn_conv1')(x)
    base = MaxPooling2D((2, 2))(Activation('relu')(x))
    h = Conv2D(4, (3, 3), padding='same', activation='relu',
               name='rpn_conv1')(base)
    x_class = Conv2D(A, (1, 1), activation='sigmoid',
                     name='rpn_out_class')(h)
    x_regr = Conv2D(A * 4, (1, 1), activation='linear',
                    name='rpn_out_regress')(h)
    out = RoiPoolingConv(3, R)([base, roi_input])
    y = TimeDistributed(Conv2D(4, (1, 1)), name='res5a_branch2a')(out)
    y = TimeDistributed(FixedBatchNormalization(axis=3),
                        name='bn5a_branch2a')(y)
    y = Activation('relu')(Add()([y, out]))
    y = TimeDistributed(Flatten())(y)
    out_class = TimeDistributed(Dense(C, activation='softmax'),
                                name='dense_class_3')(y)
    out_regr = TimeDistributed(Dense(4 * (C - 1)),
                               name='dense_regress_3')(y)
    model_rpn = Model(img_input, [x_class, x_regr])
    model_classifier = Model([img_input, roi_input], [out_class, out_regr])
    model_all = Model([img_input, roi_input],
                      [x_class, x_regr, out_class, out_regr])
    model_rpn.compile(keras.optimizers.SGD(lr=1.0),
                      [rpn_loss_cls(A), rpn_loss_regr(A)])
    model_classifier.compile(keras.optimizers.SGD(lr=1.0),
                             [class_loss_cls, class_loss_regr(C - 1)])
    model_all.compile(optimizer='sgd', loss='mae')
    _fill(model_all.weights)
    return model_rpn, model_classifier, model_all


IMG = np.cos(np.arange(8 * 8 * 3) * 0.11).reshape(1, 8, 8, 3).astype(
    'float32')
ROIS = np.array([[[0, 0, 2, 2], [1, 1, 3, 2], [1, 0, 3, 4]]], 'float32')
Y_CLS = np.concatenate([np.ones((1, 4, 4, A)), (np.arange(4 * 4 * A).reshape(
    1, 4, 4, A) % 3 == 0)], -1).astype('float32')
Y_REGR = np.concatenate([np.ones((1, 4, 4, 4 * A)), np.sin(np.arange(
    4 * 4 * 4 * A)).reshape(1, 4, 4, 4 * A) * 2], -1).astype('float32')
Y1 = np.eye(C)[[[0, 2, 1]]].astype('float32')
Y2 = np.concatenate([np.ones((1, R, 4 * (C - 1))), np.cos(np.arange(
    R * 4 * (C - 1))).reshape(1, R, 4 * (C - 1)) * 1.5], -1).astype('float32')


def test_frcnn_weight_names_and_predictions():
    model_rpn, model_classifier, model_all = _frcnn_models()
    # Keras 2.2.4's names: a custom layer's own names under its scope.
    names = [w.name for w in model_all.weights]
    assert names[:4] == ['conv1/kernel:0', 'conv1/bias:0',
                         'res5a_branch2a/kernel:0', 'res5a_branch2a/bias:0']
    assert names[-8:-4] == [
        'bn_conv1/bn_conv1_gamma:0', 'bn_conv1/bn_conv1_beta:0',
        'bn_conv1/bn_conv1_running_mean:0', 'bn_conv1/bn_conv1_running_std:0']
    # (the wrapped layer keeps its own automatic name)
    assert names[-4].startswith('bn5a_branch2a/fixed_batch_normalization')
    assert names[-1].endswith('_running_std:0')
    pred = model_all.predict([IMG, ROIS])
    # Keras 2.2.4.
    assert [a.shape for a in pred] == [(1, 4, 4, 2), (1, 4, 4, 8), (1, 3, 3),
                                       (1, 3, 8)]
    np.testing.assert_allclose([a.ravel()[:4] for a in pred], [
        [0.621355, 0.619284, 0.621355, 0.619284],
        [-0.375494, -0.230693, -0.054668, 0.128755],
        [0.412157, 0.327175, 0.260668, 0.422759],
        [0.405729, 0.473547, 0.477272, 0.416401]], atol=2e-6)
    np.testing.assert_allclose([float(a.sum()) for a in pred],
                               [19.85022, 18.66125, 3.0, 6.71182], atol=1e-4)


def _gradient_sums(model, inputs, targets):
    """|gradient| sums of a plain SGD(lr=1) step, weights restored."""
    before = [K.get_value(w) for w in model.trainable_weights]
    loss = model.train_on_batch(inputs, targets)
    sums = [float(np.abs(b - K.get_value(w)).sum())
            for w, b in zip(model.trainable_weights, before)]
    K.batch_set_value(list(zip(model.trainable_weights, before)))
    return loss, sums


def test_frcnn_rpn_losses_and_gradients():
    model_rpn, _, _ = _frcnn_models()
    loss, sums = _gradient_sums(model_rpn, IMG, [Y_CLS, Y_REGR])
    # Keras 2.2.4: K.gradients(model.total_loss, trainable_weights).
    np.testing.assert_allclose(loss, [9.493113, 8.64025, 0.8528623],
                               rtol=1e-6)
    np.testing.assert_allclose(sums, [0, 0, 0, 0, 0, 1.20066, 0, 0.1436],
                               atol=2e-5)
    np.testing.assert_allclose(model_rpn.test_on_batch(IMG, [Y_CLS, Y_REGR]),
                               [9.493113, 8.64025, 0.8528623], rtol=1e-6)


def test_frcnn_classifier_losses_and_gradients():
    _, model_classifier, _ = _frcnn_models()
    loss, sums = _gradient_sums(model_classifier, [IMG, ROIS], [Y1, Y2])
    # Keras 2.2.4: K.gradients(model.total_loss, trainable_weights).
    np.testing.assert_allclose(loss, [1.7116368, 1.1269139, 0.5847228],
                               rtol=1e-6)
    np.testing.assert_allclose(
        sums, [0.7906, 0.01519, 0.00914, 0.03639, 2.39189, 0.16656, 3.15049,
               0.22572], atol=2e-5)


def test_frcnn_model_all_saves_and_loads_weights(tmp_path):
    # train_frcnn.py's `model_all.save_weights`, test_frcnn.py's
    # `load_weights(by_name=True)` into the RPN and classifier models.
    _, _, model_all = _frcnn_models()
    path = str(tmp_path / 'model_frcnn.hdf5')
    model_all.save_weights(path)
    expected = model_all.predict([IMG, ROIS])
    rpn, classifier, _ = _frcnn_models()
    for model in (rpn, classifier):
        for w in model.weights:
            K.set_value(w, np.zeros(K.int_shape(w), 'float32'))
        model.load_weights(path, by_name=True)
    for got, want in zip(rpn.predict(IMG) + classifier.predict([IMG, ROIS]),
                         expected):
        np.testing.assert_allclose(got, want, atol=1e-6)


@pytest.mark.parametrize('flavour,expected', [
    ('keras', [15.942385, 16.118095, 11.159669]),       # Keras 2.2.4
    ('tf.keras', [15.333239, 15.424949, 10.733267])])   # tf_keras 2.21
def test_swapped_binary_crossentropy_on_hard_labels(flavour, expected):
    # keras-frcnn's `K.binary_crossentropy(y_pred, y_true)`: the 0/1
    # labels are the clipped "output". Keras 2.2.4 takes the log of the
    # clipped probability; tf.keras adds epsilon inside the log.
    common.set_api_flavour(flavour)
    out = K.eval(K.binary_crossentropy(K.constant([[0.0, 1.0, 0.3]]),
                                       K.constant([[1.0, 0.0, 1.0]])))
    np.testing.assert_allclose(out, [expected], rtol=1e-6)
