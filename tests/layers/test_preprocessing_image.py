"""The image preprocessing layers (keras_compat/layers/preprocessing_image.py)
beyond the tf_keras parity cases of test_preprocessing.py: the random
draws' ranges, seeds, when the layers augment, shapes, configs and models
that train and predict with them."""
import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat import backend as K, layers
from keras_compat.layers import preprocessing as P
from keras_compat.layers import preprocessing_image as PI
from keras_compat.utils.generic_utils import custom_object_scope

rng = np.random.RandomState(0)
IMAGES = (rng.rand(3, 6, 8, 2) * 255).astype('float32')

RANDOM_LAYERS = [
    ('RandomFlip', {}),
    ('RandomRotation', {'factor': 0.2}),
    ('RandomZoom', {'height_factor': (-0.3, 0.2), 'width_factor': 0.1}),
    ('RandomTranslation', {'height_factor': 0.2, 'width_factor': 0.3}),
    ('RandomContrast', {'factor': 0.5}),
    ('RandomBrightness', {'factor': 0.3}),
    ('RandomCrop', {'height': 4, 'width': 5}),
    ('RandomHeight', {'factor': 0.4}),
    ('RandomWidth', {'factor': 0.4}),
]
ALL_LAYERS = RANDOM_LAYERS + [
    ('Resizing', {'height': 4, 'width': 3, 'interpolation': 'bicubic'}),
    ('CenterCrop', {'height': 4, 'width': 4}),
]


def make(name, kwargs, **extra):
    return getattr(P, name)(**dict(kwargs, **extra))


@pytest.mark.parametrize('name,kwargs', ALL_LAYERS)
def test_single_images_and_batches(name, kwargs):
    layer = make(name, kwargs, seed=3) if name in dict(RANDOM_LAYERS) \
        else make(name, kwargs)
    batch = layer(IMAGES, training=True)
    single = layer(IMAGES[0], training=True)
    assert batch.dim() == 4 and single.dim() == 3
    assert batch.dtype == torch.float32
    assert tuple(batch.shape[-1:]) == tuple(single.shape[-1:]) == (2,)
    expected = layer.compute_output_shape((None, 6, 8, 2))
    for want, got in zip(expected, (3,) + tuple(batch.shape[1:])):
        assert want is None or want == got


@pytest.mark.parametrize('name,kwargs', RANDOM_LAYERS)
def test_random_layers_config_round_trip(name, kwargs):
    layer = make(name, kwargs, seed=5, rng_type='stateless')
    config = layer.get_config()
    # tf.keras's random layers always use a stateful generator.
    assert config['rng_type'] == 'stateful' and config['seed'] == 5
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    with pytest.raises(ValueError, match='rng_type'):
        make(name, kwargs, rng_type='philox')


@pytest.mark.parametrize('name,kwargs', RANDOM_LAYERS)
def test_seeded_layers_repeat_their_draws(name, kwargs):
    first, second = make(name, kwargs, seed=11), make(name, kwargs, seed=11)
    outputs = [first(IMAGES, training=True) for _ in range(4)]
    again = [second(IMAGES, training=True) for _ in range(4)]
    for a, b in zip(outputs, again):
        assert torch.equal(a, b)
    assert any(a.shape != outputs[0].shape or not torch.equal(
        a, outputs[0]) for a in outputs[1:])


def test_inference_outputs():
    for name, kwargs in RANDOM_LAYERS:
        layer = make(name, kwargs)
        out = layer(IMAGES, training=False)
        if name == 'RandomCrop':
            expected = PI.smart_resize(torch.as_tensor(IMAGES), 4, 5)
            np.testing.assert_allclose(out.numpy(), expected.numpy())
        else:
            np.testing.assert_array_equal(out.numpy(), IMAGES)


def test_direct_calls_augment_as_tf_keras():
    # tf.keras's random layers default to `training=True` when called
    # outside a model, unless the learning phase is set.
    layer = P.RandomBrightness((0.2, 0.2))
    np.testing.assert_allclose(layer(IMAGES).numpy(),
                               np.clip(IMAGES + 51., 0, 255), rtol=1e-6)
    K.set_learning_phase(0)
    try:
        np.testing.assert_array_equal(layer(IMAGES).numpy(), IMAGES)
    finally:
        K.clear_session()


def test_models_augment_in_fit_only():
    # A zero learning rate: fit's loss is that of the augmented images,
    # evaluate's that of the images themselves.
    model = keras.models.Sequential([
        P.RandomBrightness((0.5, 0.5), value_range=(0, 1000),
                           input_shape=(6, 8, 2)),
        layers.Flatten(), layers.Dense(1, kernel_initializer='ones')])
    model.compile(keras.optimizers.SGD(0.), 'mse')
    target = np.zeros((3, 1), 'float32')
    history = model.fit(IMAGES, target, epochs=1, batch_size=3, verbose=0)
    plain = model.evaluate(IMAGES, target, verbose=0)
    shifted = ((IMAGES.reshape(3, -1) + 500.).sum(axis=1) ** 2).mean()
    np.testing.assert_allclose(history.history['loss'][0], shifted,
                               rtol=1e-5)
    np.testing.assert_allclose(
        plain, ((IMAGES.reshape(3, -1)).sum(axis=1) ** 2).mean(), rtol=1e-5)
    np.testing.assert_array_equal(model.predict(IMAGES),
                                  model.predict(IMAGES))
    # Called directly, the model augments unless told training=False, as
    # tf.keras's augmentation layers default to training=True.
    assert model(IMAGES).detach().numpy()[0, 0] > \
        model(IMAGES, training=False).detach().numpy()[0, 0]


def test_drawn_parameters_stay_in_their_ranges():
    device = torch.device('cpu')
    rotation = P.RandomRotation((-0.1, 0.2), seed=1)
    m = rotation._matrices(500, 6, 8, device).numpy()
    angles = np.arctan2(m[:, 3], m[:, 0]) / (2 * np.pi)
    assert angles.min() >= -0.1 - 1e-6 and angles.max() <= 0.2 + 1e-6
    assert angles.max() - angles.min() > 0.25
    zoom = P.RandomZoom((-0.3, 0.2), (0.4, 0.5), seed=1)
    m = zoom._matrices(500, 6, 8, device).numpy()
    assert 0.7 - 1e-6 <= m[:, 4].min() and m[:, 4].max() <= 1.2 + 1e-6
    assert 1.4 - 1e-6 <= m[:, 0].min() and m[:, 0].max() <= 1.5 + 1e-6
    same = P.RandomZoom(0.3, seed=1)._matrices(50, 6, 8, device).numpy()
    np.testing.assert_array_equal(same[:, 0], same[:, 4])
    shift = P.RandomTranslation((-0.5, 0.), 0.25, seed=1)
    m = shift._matrices(500, 6, 8, device).numpy()
    # (The matrix holds minus the shift, in pixels.)
    assert 0. <= m[:, 5].min() and m[:, 5].max() <= 3. + 1e-6
    assert -2. - 1e-6 <= m[:, 2].min() and m[:, 2].max() <= 2. + 1e-6


def test_flip_modes():
    image = IMAGES[:1]
    seen = set()
    layer = P.RandomFlip(seed=2)
    for _ in range(40):
        out = layer(image, training=True).numpy()
        matches = [np.array_equal(out, candidate) for candidate in (
            image, image[:, :, ::-1], image[:, ::-1], image[:, ::-1, ::-1])]
        assert sum(matches) == 1
        seen.add(matches.index(True))
    assert seen == {0, 1, 2, 3}
    horizontal = P.RandomFlip('horizontal', seed=2)
    for _ in range(10):
        out = horizontal(image, training=True).numpy()
        assert np.array_equal(out, image) or \
            np.array_equal(out, image[:, :, ::-1])
    with pytest.raises(ValueError, match='unknown mode'):
        P.RandomFlip('diagonal')


def test_random_crop_is_one_window_for_the_batch():
    layer = P.RandomCrop(3, 4, seed=7)
    for _ in range(5):
        out = layer(IMAGES, training=True).numpy()
        windows = [(i, j) for i in range(4) for j in range(5)
                   if np.array_equal(out, IMAGES[:, i:i + 3, j:j + 4])]
        assert len(windows) == 1


def test_random_height_and_width_sizes():
    height = P.RandomHeight((-0.5, 0.5), seed=1)
    sizes = {height(IMAGES, training=True).shape[1] for _ in range(30)}
    assert sizes <= set(range(3, 9)) and len(sizes) > 2
    width = P.RandomWidth((0., 1.), interpolation='nearest', seed=1)
    for _ in range(10):
        out = width(IMAGES, training=True)
        assert out.shape[1] == 6 and 8 <= out.shape[2] <= 16
    assert height.compute_output_shape((None, 6, 8, 2)) == (None, None, 8, 2)
    assert width.compute_output_shape((6, 8, 2)) == (6, None, 2)


def test_contrast_and_brightness_rules():
    contrast = P.RandomContrast((0.5, 0.5), seed=0)
    out = contrast(IMAGES, training=True).numpy()
    mean = IMAGES.mean(axis=(1, 2), keepdims=True)
    factors = (out - mean) / (IMAGES - mean)
    inside = (out > 0) & (out < 255)
    assert factors[inside].min() >= 0.5 - 1e-3
    assert factors[inside].max() <= 1.5 + 1e-3
    np.testing.assert_allclose(factors[inside], factors[inside].flat[0],
                               rtol=1e-3)
    with pytest.raises(ValueError, match='upper must be > lower'):
        P.RandomContrast(0.)(IMAGES, training=True)
    with pytest.raises(ValueError, match='cannot have negative'):
        P.RandomContrast(-0.1)
    brightness = P.RandomBrightness([0.1, -0.1], value_range=[1, 0])
    assert brightness.get_config()['factor'] == [-0.1, 0.1]
    assert brightness.get_config()['value_range'] == [0, 1]
    with pytest.raises(ValueError, match='in the range'):
        P.RandomBrightness(1.5)
    with pytest.raises(ValueError, match='rank 3 or 4'):
        brightness(np.ones((2, 3)), training=True)


def test_factor_and_mode_validation():
    with pytest.raises(NotImplementedError, match='fill_mode'):
        P.RandomRotation(0.1, fill_mode='mirror')
    with pytest.raises(NotImplementedError, match='interpolation'):
        P.RandomZoom(0.1, interpolation='bicubic')
    with pytest.raises(ValueError, match='between \\[-1, 1\\]'):
        P.RandomTranslation(1.5, 0.1)
    with pytest.raises(ValueError, match='upper bound'):
        P.RandomHeight((0.2, 0.1))
    with pytest.raises(NotImplementedError, match='lanczos3'):
        P.Resizing(2, 2, interpolation='lanczos3')
    with pytest.raises(NotImplementedError, match='not recognized'):
        P.Resizing(2, 2, interpolation='cubic')


def test_resizing_integer_images_and_layer_dtype():
    images = IMAGES.astype('int32')
    out = P.Resizing(3, 4, interpolation='nearest')(images)
    assert out.dtype == torch.float32
    # (Half-pixel centres: output pixel i reads input floor((i + .5) * 2).)
    np.testing.assert_array_equal(out.numpy(), images[:, 1::2, 1::2])
    doubled = P.Resizing(6, 8, dtype='float64')(IMAGES)
    assert doubled.dtype == torch.float64
    np.testing.assert_allclose(doubled.numpy(), IMAGES)


def test_augmentation_model_fits_predicts_and_reloads(tmp_path):
    rs = np.random.RandomState(1)
    images = (rs.rand(8, 12, 12, 3) * 255).astype('float32')
    labels = rs.randint(0, 2, (8, 1)).astype('float32')
    inp = layers.Input((12, 12, 3))
    x = P.RandomFlip('horizontal', seed=1)(inp)
    x = P.RandomRotation(0.1, fill_mode='constant', seed=2)(x)
    x = P.RandomZoom(0.1, interpolation='nearest')(x)
    x = P.RandomTranslation(0.1, 0.1, fill_mode='wrap')(x)
    x = P.RandomContrast(0.2)(x)
    x = P.RandomBrightness(0.1)(x)
    x = P.RandomCrop(10, 10)(x)
    x = P.Resizing(8, 8, interpolation='bicubic')(x)
    x = layers.Rescaling(1. / 255)(x)
    x = P.CenterCrop(6, 6)(x)
    assert x.shape == (None, 6, 6, 3)
    out = layers.Dense(1, activation='sigmoid')(layers.Flatten()(x))
    model = keras.models.Model(inp, out)
    model.compile('adam', 'binary_crossentropy')
    history = model.fit(images, labels, epochs=1, batch_size=4, verbose=0)
    assert np.isfinite(history.history['loss'][0])
    predicted = model.predict(images)
    assert predicted.shape == (8, 1)
    path = str(tmp_path / 'augment.h5')
    model.save(path)
    objects = {name: getattr(P, name) for name, _ in ALL_LAYERS}
    with custom_object_scope(objects):
        loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(images), predicted, rtol=1e-5)


def test_sequential_preprocessing_with_input_shape():
    model = keras.models.Sequential([
        P.Resizing(8, 10, input_shape=(16, 20, 1)),
        P.RandomHeight(0.2), P.RandomWidth(0.2)])
    assert model.output_shape == (None, None, None, 1)
    out = model.predict(rng.rand(2, 16, 20, 1).astype('float32'))
    assert out.shape == (2, 8, 10, 1)
    config = model.layers[0].get_config()
    assert config['batch_input_shape'] == (None, 16, 20, 1)


def test_base_random_layer_generator_types():
    assert 'rng_type' not in PI.BaseRandomLayer(seed=1).get_config()
    assert PI.BaseRandomLayer(rng_type='stateful').get_config()[
        'rng_type'] == 'stateful'
    assert PI.BaseRandomLayer(force_generator=True,
                              rng_type='stateless')._rng_type == 'stateful'
    with pytest.raises(NotImplementedError, match="'stateful'"):
        PI.BaseRandomLayer(rng_type='stateless')
