"""tf.keras 2.x names beyond Keras 2.3: `keras.experimental`,
`models.experimental.SharpnessAwareMinimization`, `metrics.experimental.
PyMetric`, the orthogonal regularizer and radial constraint, the focal
backend functions, `utils.to_ordinal` / `split_dataset` / interactive
logging, `RandomFourierFeatures`, `preprocessing.image.smart_resize`.
Expected values come from tf_keras 2.21 / TensorFlow 2.21 run on the same
inputs and weights."""
import logging

import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat import backend as K
from keras_compat.backend import common


@pytest.fixture(autouse=True)
def tf_keras_flavour():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


def _numpy(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) \
        else np.asarray(x)


def _base():
    m = keras.Sequential([keras.layers.Dense(3, activation='tanh',
                                             input_shape=(2,)),
                          keras.layers.Dense(1)])
    m.set_weights([np.array([[0.5, -0.3, 0.2], [0.1, 0.4, -0.6]], 'float32'),
                   np.array([0.1, 0., -0.1], 'float32'),
                   np.array([[0.3], [-0.5], [0.7]], 'float32'),
                   np.array([0.05], 'float32')])
    return m


XS = np.linspace(-1, 1, 16, dtype='float32').reshape(8, 2)
YS = (XS[:, :1] * 2 - XS[:, 1:]).astype('float32')


def test_namespaces_are_importable():
    import importlib
    for path, name in [('keras_compat.models.experimental',
                        'SharpnessAwareMinimization'),
                       ('keras_compat.metrics.experimental', 'PyMetric'),
                       ('keras_compat.backend.experimental',
                        'is_tf_random_generator_enabled'),
                       ('keras_compat.utils.legacy', 'serialize_keras_object'),
                       ('keras_compat.experimental', 'WideDeepModel')]:
        assert hasattr(importlib.import_module(path), name)
    from keras_compat.layers.experimental.preprocessing import HashedCrossing
    assert HashedCrossing is keras.layers.HashedCrossing
    assert keras.experimental.CosineDecay is \
        keras.optimizers.schedules.CosineDecay
    assert keras.initializers.variance_scaling is \
        keras.initializers.VarianceScaling
    assert type(keras.initializers.get('variance_scaling')).__name__ == \
        'VarianceScaling'
    assert K.experimental.is_tf_random_generator_enabled() is False
    names = keras.datasets.reuters.get_label_names()
    assert (len(names), names[0], names[45]) == (46, 'cocoa', 'lead')


def test_registered_object_lookup():
    from keras_compat.experimental_models import SharpnessAwareMinimization
    get = keras.utils.get_registered_object
    assert get('Custom>SharpnessAwareMinimization') is \
        SharpnessAwareMinimization
    assert get('x', custom_objects={'x': 1}) == 1
    assert get('nothing') is None
    with keras.utils.custom_object_scope({'thing': 7}):
        assert get('thing') == 7


def test_to_ordinal():
    # tf_keras 2.21
    assert keras.utils.to_ordinal([[0], [2], [1], [3]]).tolist() == \
        [[0., 0., 0.], [1., 1., 0.], [1., 0., 0.], [1., 1., 1.]]
    assert keras.utils.to_ordinal([1, 0], num_classes=4).tolist() == \
        [[1., 0., 0.], [0., 0., 0.]]


def test_orthogonal_regularizer():
    w = torch.tensor([[1., 2., -1.], [0.5, -3., 2.], [1., 1., 1.],
                      [2., 0., -1.]])
    rows = keras.regularizers.OrthogonalRegularizer(0.1, 'rows')
    cols = keras.regularizers.orthogonal_regularizer(0.1, mode='columns')
    # tf_keras 2.21
    assert float(rows(w)) == pytest.approx(0.03867747262120247, rel=1e-6)
    assert float(cols(w)) == pytest.approx(0.03395497798919678, rel=1e-6)
    assert cols.get_config() == {'factor': pytest.approx(0.1), 'mode':
                                 'columns'}
    assert isinstance(keras.regularizers.get(
        {'class_name': 'OrthogonalRegularizer', 'config': {'factor': 0.2}}),
        keras.regularizers.OrthogonalRegularizer)
    with pytest.raises(ValueError, match='Invalid value for argument'):
        keras.regularizers.OrthogonalRegularizer(mode='diag')
    with pytest.raises(ValueError, match='must have rank 2'):
        rows(torch.ones(2, 2, 2))


def test_radial_constraint():
    c = keras.constraints.RadialConstraint()
    k3 = torch.arange(18, dtype=torch.float32).reshape(3, 3, 1, 2)
    k4 = torch.arange(32, dtype=torch.float32).reshape(4, 4, 2, 1)
    out3 = _numpy(c(k3)).transpose(2, 3, 0, 1)
    out4 = _numpy(c(k4)).transpose(2, 3, 0, 1)
    # tf_keras 2.21
    assert out3[0, 0].tolist() == [[8., 8., 8.], [8., 0., 8.], [8., 8., 8.]]
    assert out3[0, 1].tolist() == [[9., 9., 9.], [9., 1., 9.], [9., 9., 9.]]
    assert out4[1, 0].tolist() == [[31.] * 4, [31., 11., 11., 31.],
                                   [31., 11., 11., 31.], [31.] * 4]
    assert keras.constraints.get('radial_constraint').__class__ is \
        keras.constraints.RadialConstraint
    with pytest.raises(ValueError, match='must have rank 4'):
        c(torch.ones(3, 3))


def test_focal_backend_functions():
    t = np.array([[1., 0., 1.], [0., 1., 0.]], 'float32')
    p = np.array([[0.9, 0.2, 0.4], [0.3, 0.6, 0.1]], 'float32')
    # tf_keras 2.21
    np.testing.assert_allclose(_numpy(K.binary_focal_crossentropy(t, p)), [
        [0.0010536045301705599, 0.008925734087824821, 0.32986459136009216],
        [0.03210073336958885, 0.08173205703496933, 0.0010536045301705599]],
        rtol=1e-5)
    np.testing.assert_allclose(_numpy(K.binary_focal_crossentropy(
        t, p, apply_class_balancing=True, alpha=0.3, gamma=1.5,
        from_logits=True)), [
        [0.015904944390058517, 0.22778435051441193, 0.03912688046693802],
        [0.2603793144226074, 0.027683712542057037, 0.19820544123649597]],
        rtol=1e-5)
    np.testing.assert_allclose(_numpy(K.categorical_focal_crossentropy(t, p)),
                               [0.19813576340675354, 0.02043301984667778],
                               rtol=1e-5)
    np.testing.assert_allclose(_numpy(K.categorical_focal_crossentropy(
        t, p, alpha=[0.2, 0.5, 0.3], gamma=1., from_logits=True)),
        [0.3434337377548218, 0.24488790333271027], rtol=1e-5)
    assert _numpy(K.random_bernoulli((2, 3), p=1.0)).tolist() == \
        [[1.] * 3] * 2
    assert _numpy(K.random_bernoulli((2,), p=0.0)).tolist() == [0., 0.]


def test_smart_resize():
    from keras_compat.preprocessing.image import smart_resize
    img = np.arange(48, dtype='float32').reshape(4, 6, 2)
    out = smart_resize(img, (3, 3))
    assert isinstance(out, np.ndarray)
    # tf_keras 2.21
    np.testing.assert_allclose(out[:, :, 0], [
        [4.333333969116211, 7.0, 9.666667938232422],
        [20.33333396911621, 23.0, 25.666667938232422],
        [36.333335876464844, 39.0, 41.66667175292969]], rtol=1e-5)
    with pytest.raises(ValueError, match='tuple of 2 integers'):
        smart_resize(img, (3,))


def test_split_dataset():
    split = keras.utils.split_dataset
    x = np.arange(20, dtype='float32').reshape(10, 2)
    y = np.arange(10, dtype='float32')
    left, right = split((x, y), left_size=0.7)
    # tf_keras 2.21
    assert [(_numpy(a).tolist(), float(b)) for a, b in right] == \
        [([14., 15.], 7.), ([16., 17.], 8.), ([18., 19.], 9.)]
    assert len(list(left)) == 7
    _, right = split(x, right_size=3, shuffle=True, seed=1)
    assert [_numpy(e).tolist() for e in right] == [[8., 9.], [2., 3.],
                                                   [4., 5.]]
    from keras_compat.tensorflow_compat import data
    batched = data.Dataset.from_tensor_slices((x, y)).batch(4)
    left, _ = split(batched, left_size=6)
    assert [_numpy(b).tolist() for _, b in left] == [[0., 1., 2., 3.],
                                                     [4., 5.]]
    with pytest.raises(ValueError, match=r'Received: left_size=1.5'):
        split(x, left_size=1.5)
    with pytest.raises(ValueError, match='is greater than 1'):
        split(x, left_size=0.6, right_size=0.6)
    with pytest.raises(ValueError, match='= 13.0and total_length = 10'):
        split(x, left_size=8, right_size=5)
    with pytest.raises(ValueError, match='At least one of'):
        split(x)


@pytest.mark.parametrize('splits,loss,mae,last', [
    # tf_keras 2.21
    (None, [0.7278027534484863, 0.35727930068969727],
     [0.7090096473693848, 0.4754628837108612],
     [0.505451500415802, -0.46180087327957153, 0.5576688647270203]),
    (2, [0.8752668499946594, 0.19128873944282532],
     [0.8054224252700806, 0.3306052088737488],
     [0.6837096214294434, -0.4547254145145416, 0.4708889126777649])])
def test_sharpness_aware_minimization_fit(splits, loss, mae, last):
    sam = keras.models.experimental.SharpnessAwareMinimization(
        _base(), rho=0.1, num_batch_splits=splits)
    sam.compile(keras.optimizers.SGD(0.1), 'mse', metrics=['mae'])
    history = sam.fit(XS, YS, batch_size=4, epochs=2, verbose=0,
                      shuffle=False).history
    np.testing.assert_allclose(history['loss'], loss, rtol=1e-5)
    np.testing.assert_allclose(history['mae'], mae, rtol=1e-5)
    np.testing.assert_allclose(sam.model.get_weights()[2].ravel(), last,
                               rtol=1e-5)
    assert sorted(sam.get_config()) == ['model', 'rho']


def test_linear_and_wide_deep_models_fit():
    linear = keras.experimental.LinearModel(units=1)
    linear.compile(keras.optimizers.SGD(0.1), 'mse')
    history = linear.fit(XS, YS, batch_size=4, epochs=2, verbose=0,
                         shuffle=False).history
    # tf_keras 2.21
    np.testing.assert_allclose(history['loss'], [0.4141335189342499,
                                                 0.19922176003456116],
                               rtol=1e-5)
    weights = sorted(linear.get_weights(), key=lambda w: w.size)
    np.testing.assert_allclose(weights[1].ravel(), [0.2637700140476227,
                                                    0.24828855693340302],
                               rtol=1e-5)
    np.testing.assert_allclose(weights[0], [-0.11611108481884003], rtol=1e-5)
    dnn = _base()
    wide_deep = keras.experimental.WideDeepModel(
        keras.experimental.LinearModel(units=1), dnn)
    wide_deep.compile([keras.optimizers.SGD(0.1), keras.optimizers.Adam(0.01)],
                      'mse', metrics=['mse'])
    history = wide_deep.fit([XS, XS], YS, batch_size=4, epochs=2, verbose=0,
                            shuffle=False).history
    # tf_keras 2.21
    np.testing.assert_allclose(history['loss'], [0.5143535137176514,
                                                 0.20025619864463806],
                               rtol=1e-5)
    np.testing.assert_allclose(dnn.get_weights()[3], [0.03361782431602478],
                               rtol=1e-5)


def test_random_fourier_features():
    layer = keras.layers.experimental.RandomFourierFeatures(3, scale=2.0)
    layer(XS[:2])
    assert layer.trainable_weights == []
    # tf_keras 2.21 lists kernel_scale, unscaled_kernel, bias.
    layer.set_weights([np.array([2.0], 'float32'),
                       np.array([[0.5, -1., 0.3], [0.2, 0.7, -0.4]],
                                'float32'),
                       np.array([0.1, 1., 2.], 'float32')])
    np.testing.assert_allclose(_numpy(layer(XS[:2])), [
        [0.9721249341964722, 0.3654624819755554, -0.437248557806015],
        [0.9897453784942627, 0.4023933410644531, -0.4252188503742218]],
        rtol=1e-5)
    config = layer.get_config()
    assert (config['output_dim'], config['kernel_initializer'],
            config['scale'], config['trainable']) == (3, 'gaussian', 2.0,
                                                      False)
    default = keras.layers.experimental.RandomFourierFeatures(4)
    default.build((None, 8))
    assert default.scale == pytest.approx(2.0)
    with pytest.raises(ValueError, match='Unsupported `kernel_initializer`'):
        keras.layers.experimental.RandomFourierFeatures(2, 'cauchy')


def test_py_metric_in_fit():
    class Close(keras.metrics.experimental.PyMetric):
        def update_state(self, y_true, y_pred, sample_weight=None):
            self.total += float(np.sum(np.abs(
                y_true.numpy() - y_pred.numpy()) < 1.0))
            self.n += y_true.shape[0]

        def reset_state(self):
            self.total, self.n = 0., 0

        def result(self):
            return self.total / self.n

    model = _base()
    model.compile(keras.optimizers.SGD(0.1), 'mse',
                  metrics=[Close(name='close')])
    history = model.fit(XS, YS, batch_size=4, epochs=1, verbose=0,
                        shuffle=False).history
    # tf_keras 2.21
    assert history['loss'][0] == pytest.approx(0.5861170887947083, rel=1e-5)
    assert history['close'] == [0.75]


def test_interactive_logging_sends_progress_to_the_log(capsys, caplog):
    keras.utils.disable_interactive_logging()
    try:
        assert keras.utils.is_interactive_logging_enabled() is False
        model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
        model.compile('sgd', 'mse')
        with caplog.at_level(logging.INFO, logger='absl'):
            model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=1)
            model.summary()
        # tf_keras 2.21 prints nothing to stdout then.
        assert capsys.readouterr().out == ''
        logged = '\n'.join(r.getMessage() for r in caplog.records)
        assert 'Epoch 1/2' in logged and 'Total params' in logged
    finally:
        keras.utils.enable_interactive_logging()
    assert keras.utils.is_interactive_logging_enabled() is True
