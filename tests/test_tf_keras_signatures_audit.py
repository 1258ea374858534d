"""tf.keras 2.x call signatures served in a tf.keras program: positional
and keyword arguments that tf.keras takes and what they do. Expected
values come from tf_keras 2.21 (TensorFlow 2.21 CPU) running the same
calls, unless a comment says otherwise."""
import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat import backend as K
from keras_compat.backend import common

X = np.array([[1., 2., 3.], [0.5, -1., 2.]], 'float32')
MASK = np.array([[True, True, False], [False, True, True]])


@pytest.fixture
def tf_keras():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


def values(tensor):
    return np.asarray(K.get_value(tensor) if not isinstance(
        tensor, np.ndarray) else tensor)


def test_softmax_takes_a_mask(tf_keras):
    # tf_keras 2.21: Softmax()(x, mask) with a boolean or a float mask.
    expected = [[0.26894, 0.73106, 0.], [0., 0.04743, 0.95257]]
    layer = keras.layers.Softmax()
    np.testing.assert_allclose(values(layer(X, MASK)), expected, atol=1e-5)
    np.testing.assert_allclose(
        values(layer(X, mask=MASK.astype('float32'))), expected, atol=1e-5)


def test_softmax_over_several_axes(tf_keras):
    # tf_keras 2.21: Softmax(axis=(1, 2)) and Softmax(axis=[0]).
    out = keras.layers.Softmax(axis=(1, 2))(X.reshape(1, 2, 3))
    np.testing.assert_allclose(
        values(out), [[[0.06865, 0.18660, 0.50723],
                       [0.04164, 0.00929, 0.18660]]], atol=1e-5)
    out = keras.layers.Softmax(axis=[0])(X)
    np.testing.assert_allclose(
        values(out), [[0.62246, 0.95257, 0.73106],
                      [0.37754, 0.04743, 0.26894]], atol=1e-5)


def test_standalone_keras_softmax_ignores_masks():
    # Keras 2.3's Softmax has no mask: a masked input is normalised whole.
    inputs = keras.Input((3,), dtype='int32')
    embedded = keras.layers.Embedding(4, 1, mask_zero=True,
                                      embeddings_initializer='ones')(inputs)
    model = keras.Model(inputs, keras.layers.Softmax(axis=1)(embedded))
    out = model.predict(np.array([[1, 2, 0]]))
    np.testing.assert_allclose(out[..., 0], [[1 / 3., 1 / 3., 1 / 3.]],
                               atol=1e-6)


def make_model():
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(
        1, kernel_initializer='ones')(inputs))
    model.compile('sgd', 'mse')
    return model


def test_callback_list_of_a_custom_training_loop(tf_keras):
    # tf_keras 2.21: CallbackList(cbs, add_history=True, add_progbar=False,
    # model=m, epochs=2, steps=1, verbose=0) driven by hand.
    model = make_model()
    callbacks = keras.callbacks.CallbackList(
        [], add_history=True, add_progbar=False, model=model, epochs=2,
        steps=1, verbose=0)
    logs = {}
    callbacks.on_train_begin(logs)
    for epoch in range(2):
        callbacks.on_epoch_begin(epoch, logs)
        logs = {'loss': float(epoch)}
        callbacks.on_epoch_end(epoch, logs)
    callbacks.on_train_end(logs)
    histories = [c for c in callbacks
                 if isinstance(c, keras.callbacks.History)]
    assert len(callbacks.callbacks) == 1
    assert model.history is histories[0]
    assert dict(histories[0].history) == {'loss': [0.0, 1.0]}
    assert histories[0].params == {'epochs': 2, 'steps': 1, 'verbose': 0}


def test_callback_list_adds_only_what_is_missing(tf_keras):
    # tf_keras 2.21: a History already listed is not added twice; a
    # progress bar is added on request.
    history = keras.callbacks.History()
    listed = keras.callbacks.CallbackList([history], add_history=True)
    assert listed.callbacks == [history]
    progbar = keras.callbacks.CallbackList([], add_progbar=True)
    assert [type(c).__name__ for c in progbar.callbacks] == ['ProgbarLogger']


def test_backend_function_takes_a_name_fourth(tf_keras):
    # tf_keras 2.21: K.function([m.input], [m.output], None, 'f').
    model = make_model()
    function = keras.backend.function([model.input], [model.output], None,
                                      'f')
    np.testing.assert_allclose(function([X])[0], [[6.0], [1.5]])


def lambda_layer():
    def function(v, training=None):
        if training is None:
            return v * 3.
        return v * (2. if training else 5.)
    return keras.layers.Lambda(function)


def test_lambda_passes_training_to_its_function(tf_keras):
    # tf_keras 2.21: direct call 3 (None), training=True 2, False 5;
    # predict 5, a model call 3 (None), with training=True 2.
    layer = lambda_layer()
    one = np.ones((1, 1), 'float32')
    assert values(layer(one)).tolist() == [[3.]]
    assert values(layer(one, training=True)).tolist() == [[2.]]
    assert values(layer(one, training=False)).tolist() == [[5.]]
    inputs = keras.Input((1,))
    model = keras.Model(inputs, layer(inputs))
    assert model.predict(one, verbose=0).tolist() == [[5.]]
    assert values(model(one)).tolist() == [[3.]]
    assert values(model(one, training=True)).tolist() == [[2.]]


def test_lambda_function_sees_training_in_fit(tf_keras):
    # tf_keras 2.21: loss of the first epoch 4.0 (the function doubles).
    inputs = keras.Input((1,))
    outputs = keras.layers.Dense(1, kernel_initializer='ones',
                                 use_bias=False)(lambda_layer()(inputs))
    model = keras.Model(inputs, outputs)
    model.compile('sgd', 'mse')
    history = model.fit(np.ones((2, 1)), np.zeros((2, 1)), verbose=0)
    np.testing.assert_allclose(history.history['loss'], [4.0])


def test_standalone_keras_lambda_leaves_training_to_the_function():
    # Keras 2.3's Lambda passes `mask` only: the default of `training`.
    layer = lambda_layer()
    out = layer(np.ones((1, 1), 'float32'), training=True)
    assert values(out).tolist() == [[3.]]


def test_noise_layers_take_a_seed(tf_keras):
    # tf_keras 2.21: GaussianNoise(0.1, 3) / GaussianDropout(0.1, 3).
    noise = keras.layers.GaussianNoise(0.1, 3).get_config()
    assert (noise['stddev'], noise['seed']) == (0.1, 3)
    dropout = keras.layers.GaussianDropout(0.1, 3).get_config()
    assert (dropout['rate'], dropout['seed']) == (0.1, 3)
    layer = keras.layers.GaussianNoise(0.5, seed=3)
    out = values(layer(np.zeros((200, 50), 'float32'), training=True))
    assert abs(out.std() - 0.5) < 0.02


def test_standalone_keras_noise_configs_have_no_seed():
    # Keras 2.3's configs: {'stddev'} / {'rate'} besides the base keys.
    assert 'seed' not in keras.layers.GaussianNoise(0.1).get_config()
    assert 'seed' not in keras.layers.GaussianDropout(0.1).get_config()


def test_variance_scaling_config_names_the_truncated_normal(tf_keras):
    # tf_keras 2.21: VarianceScaling(distribution='normal').get_config().
    config = keras.initializers.VarianceScaling(
        distribution='normal').get_config()
    assert config == {'scale': 1.0, 'mode': 'fan_in',
                      'distribution': 'truncated_normal', 'seed': None}
    config = keras.initializers.VarianceScaling(2.0, 'fan_avg',
                                                'uniform').get_config()
    assert config['distribution'] == 'uniform'


def test_standalone_keras_variance_scaling_config():
    # Keras 2.3: 'normal'.
    config = keras.initializers.VarianceScaling().get_config()
    assert config['distribution'] == 'normal'


def top(model):
    layer = model.layers[-1]
    return layer.name, layer.activation.__name__


@pytest.mark.parametrize('factory, args, expected', [
    # tf_keras 2.21, `classifier_activation` by position and by keyword.
    ('VGG16', (True, None, None, (32, 32, 3), None, 3, 'sigmoid'),
     ('predictions', 'sigmoid')),
    ('DenseNet121', (True, None, None, (32, 32, 3), None, 3, 'sigmoid'),
     ('predictions', 'sigmoid')),
    ('ResNet50V2', (True, None, None, (32, 32, 3), None, 3, None),
     ('predictions', 'linear')),
    ('MobileNetV2', ((32, 32, 3), 0.35, True, None, None, None, 3,
                     'sigmoid'), ('predictions', 'sigmoid')),
])
def test_application_top_activation_by_position(tf_keras, factory, args,
                                                expected):
    model = getattr(keras.applications, factory)(*args)
    assert top(model) == expected


def test_application_top_activation_by_keyword(tf_keras):
    # tf_keras 2.21: classifier_activation=None gives a linear top.
    apps = keras.applications
    model = apps.ResNet50(weights=None, input_shape=(32, 32, 3), classes=3,
                          classifier_activation=None)
    assert top(model) == ('predictions', 'linear')
    model = apps.MobileNet(input_shape=(32, 32, 3), alpha=0.25,
                           weights=None, classes=3,
                           classifier_activation=None)
    assert top(model) == ('predictions', 'linear')
    with pytest.raises(ValueError, match='Only `None` and `softmax`'):
        apps.MobileNet(alpha=0.25, classifier_activation='relu')


def test_standalone_keras_application_tops_keep_their_names():
    # keras-applications 1.0.8 (Keras 2.3): 'Logits', 'act_softmax'.
    apps = keras.applications
    assert top(apps.MobileNetV2(input_shape=(32, 32, 3), alpha=0.35,
                                weights=None, classes=3)) == \
        ('Logits', 'softmax')
    assert top(apps.MobileNet(input_shape=(32, 32, 3), alpha=0.25,
                              weights=None, classes=3)) == \
        ('act_softmax', 'softmax')


def test_input_takes_the_batch_size_second(tf_keras):
    # tf_keras 2.21: Input((4,), 8, 'inp') has shape (8, 4);
    # Input((4,), ragged=False) is a dense input.
    tensor = keras.Input((4,), 8, 'inp')
    assert tuple(K.int_shape(tensor)) == (8, 4)
    assert tuple(K.int_shape(keras.Input((4,), ragged=False))) == (None, 4)
    with pytest.raises(NotImplementedError, match='ragged'):
        keras.Input((None,), ragged=True)


def test_positional_calls_already_matching(tf_keras):
    # tf_keras 2.21 values of common positional calls.
    y_true = torch.tensor([[0., 1.]])
    logits = torch.tensor([[1., 2.]])
    np.testing.assert_allclose(values(keras.losses.categorical_crossentropy(
        y_true, logits, True)), [0.31326], atol=1e-5)
    np.testing.assert_allclose(values(keras.losses.binary_crossentropy(
        y_true, logits, True, 0.1)), [0.74509], atol=1e-5)
    assert keras.layers.Dense(3, 'relu', False).get_config()['use_bias'] \
        is False
    assert keras.layers.Conv2D(4, 3, 1, 'same').get_config()['padding'] == \
        'same'
    config = keras.optimizers.Adam(0.01, 0.8, 0.99, 1e-3).get_config()
    assert (config['epsilon'], config['amsgrad']) == (1e-3, False)
    config = keras.optimizers.RMSprop(0.01, 0.8, 0.5, 1e-3, True).get_config()
    assert (config['momentum'], config['epsilon'], config['centered']) == \
        (0.5, 1e-3, True)
