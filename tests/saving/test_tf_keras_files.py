"""Pieces of models that tf.keras 2.x writes to its files: a Bidirectional
with its own backward layer, per-output metric lists with gaps, AUC's
newer arguments, float64 inputs, TensorFlow functions recorded as
TFOpLambda layers, and the 'relu6' / 'log_softmax' activations. Values
come from numpy formulas."""
import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat import layers
from keras_compat.layers import tf_op_layer
from keras_compat.models import Model, model_from_json

RNG = np.random.RandomState(0)


def test_bidirectional_with_its_own_backward_layer_round_trips():
    inputs = layers.Input((5, 3))
    wrapper = layers.Bidirectional(
        layers.LSTM(2), backward_layer=layers.GRU(2, go_backwards=True))
    model = Model(inputs, wrapper(inputs))
    config = model.layers[1].get_config()
    assert config['backward_layer']['class_name'] == 'GRU'
    again = model_from_json(model.to_json())
    assert isinstance(again.layers[1].backward_layer, layers.GRU)
    again.set_weights(model.get_weights())
    x = RNG.rand(2, 5, 3).astype('float32')
    np.testing.assert_allclose(again.predict(x), model.predict(x),
                               rtol=1e-6)
    # Without one, the config stays as Keras 2 wrote it.
    plain = layers.Bidirectional(layers.LSTM(2))
    assert 'backward_layer' not in plain.get_config()


def test_per_output_metric_lists_with_an_empty_entry():
    # tf.keras saves metrics={'cls': 'accuracy'} as [[accuracy], [None]].
    inputs = layers.Input((3,))
    model = Model(inputs, [layers.Dense(2, activation='softmax',
                                        name='cls')(inputs),
                           layers.Dense(1, name='reg')(inputs)])
    model.compile('sgd', {'cls': 'categorical_crossentropy', 'reg': 'mse'},
                  metrics=[['accuracy'], [None]])
    model.fit(RNG.rand(4, 3), [np.eye(2)[[0, 1, 0, 1]], np.zeros((4, 1))],
              verbose=0)
    assert model.metrics_names == ['loss', 'cls_loss', 'reg_loss',
                                   'cls_accuracy']


def test_auc_takes_num_labels_and_from_logits():
    config = {'num_thresholds': 200, 'curve': 'ROC',
              'summation_method': 'interpolation', 'multi_label': False,
              'num_labels': None, 'label_weights': None,
              'from_logits': True, 'name': 'auc'}
    from_logits = keras.metrics.AUC.from_config(config)
    on_probabilities = keras.metrics.AUC()
    y = np.array([0., 1., 1., 0., 1.])
    logits = np.array([-2., 1., -0.5, 0.3, 2.])
    from_logits.update_state(y, logits)
    on_probabilities.update_state(y, 1. / (1. + np.exp(-logits)))
    # Pairs (positive, negative) ranked right: 5 of 6.
    assert float(on_probabilities.result()) == pytest.approx(5. / 6.,
                                                             abs=1e-2)
    assert float(from_logits.result()) == pytest.approx(
        float(on_probabilities.result()), abs=1e-6)
    assert from_logits.get_config()['from_logits'] is True


def test_a_float64_input_feeds_float64_layers():
    inputs = layers.Input((3,), dtype='float64')
    dense = layers.Dense(2, dtype='float64', kernel_initializer='ones')
    model = Model(inputs, dense(inputs))
    x = np.array([[0.1, 0.2, 1e-9]])
    out = model.predict(x)
    assert out.dtype == np.float64
    # (float64 precision: float32 would lose the 1e-9; the order of the
    # sums may change the last bit.)
    np.testing.assert_allclose(out, [[0.1 + 0.2 + 1e-9] * 2], rtol=1e-15,
                               atol=0)


@pytest.mark.parametrize('name, kwargs, expected', [
    ('compat.v1.floor_div', {'y': 0.5}, lambda x: np.floor(x / 0.5)),
    ('reverse', {'axis': [1]}, lambda x: x[:, ::-1]),
    ('math.cumsum', {'axis': 1}, lambda x: np.cumsum(x, axis=1)),
    ('math.cumsum', {'axis': 1, 'exclusive': True, 'reverse': True},
     lambda x: np.cumsum(x[:, ::-1], axis=1)[:, ::-1] - x),
    ('math.cumprod', {'axis': 2}, lambda x: np.cumprod(x, axis=2)),
    ('stop_gradient', {}, lambda x: x),
    ('shape', {}, lambda x: np.array(x.shape)),
])
def test_tensorflow_functions_of_tf_keras_files(name, kwargs, expected):
    x = RNG.rand(2, 4, 3).astype('float32')
    out = tf_op_layer.resolve(name)(torch.from_numpy(x), **kwargs)
    np.testing.assert_allclose(out.numpy(), expected(x), rtol=1e-5,
                               atol=1e-6)


def test_reshape_to_a_shape_read_from_the_tensor():
    x = torch.from_numpy(RNG.rand(2, 4, 3).astype('float32'))
    batch = tf_op_layer.resolve('shape')(x)[0]
    out = tf_op_layer.resolve('reshape')(x, [batch, -1])
    assert tuple(out.shape) == (2, 12)


def test_relu6_and_log_softmax_activations():
    x = np.array([[-1., 3., 8.]], dtype='float32')
    relu6 = keras.activations.get('relu6')
    log_softmax = keras.activations.get('log_softmax')
    np.testing.assert_array_equal(relu6(torch.from_numpy(x)).numpy(),
                                  [[0., 3., 6.]])
    e = np.exp(x - x.max())
    np.testing.assert_allclose(log_softmax(torch.from_numpy(x)).numpy(),
                               np.log(e / e.sum()), rtol=1e-6, atol=1e-6)


def test_rescaling_layer_of_tf_keras():
    layer = layers.Rescaling(1. / 255, offset=-0.5)
    images = np.array([[0, 51, 255]], dtype='uint8')
    np.testing.assert_allclose(layer(images).numpy(),
                               images / 255. - 0.5, rtol=1e-6)
    again = layers.Rescaling.from_config(layer.get_config())
    assert (again.scale, again.offset) == (1. / 255, -0.5)
    assert layers.experimental.preprocessing.Rescaling is layers.Rescaling
