"""Mask semantics of Keras 2 and tf.keras programs: the masks layers
propagate, the values at masked steps and the masked losses, against
numbers from Keras 2.3.1 and tf_keras 2.21."""
import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat import layers, models

IDS = np.array([[1, 2, 0, 0], [0, 0, 3, 4]])


@pytest.fixture
def tf_keras_flavour():
    K.common.set_api_flavour('tf.keras')
    yield
    K.common.set_api_flavour('keras')


def _seeded(model, seed=0):
    rng = np.random.RandomState(seed)
    model.set_weights([rng.uniform(-.5, .5, w.shape).astype('float32')
                       for w in model.get_weights()])
    return model


def _bidirectional_sum():
    ids = layers.Input((4,), dtype='int32')
    embedded = layers.Embedding(6, 2, mask_zero=True)(ids)
    out = layers.Bidirectional(layers.LSTM(2, return_sequences=True,
                                           unit_forget_bias=False),
                               merge_mode='sum')(embedded)
    return _seeded(models.Model(ids, out))


# Unmasked steps: the same in Keras 2.3.1 and tf_keras 2.21.
_BIDIRECTIONAL_VALID = {(0, 0): [-0.052865, 0.090395],
                        (0, 1): [-0.079134, 0.043055],
                        (1, 2): [-0.065089, 0.067872],
                        (1, 3): [-0.091981, 0.056706]}


def test_bidirectional_keeps_each_directions_output_at_masked_steps():
    out = _bidirectional_sum().predict(IDS)
    for (row, step), value in _BIDIRECTIONAL_VALID.items():
        np.testing.assert_allclose(out[row, step], value, atol=1e-5)
    # Keras 2.3.1: the forward RNN repeats its last unmasked output at
    # masked steps, the backward one starts from zeros there.
    np.testing.assert_allclose(out[0, 2], [-0.083753, -0.049612], atol=1e-5)
    np.testing.assert_allclose(out[0, 3], out[0, 2], atol=1e-6)
    np.testing.assert_allclose(out[1, 0], [0.016901, 0.097906], atol=1e-5)
    np.testing.assert_allclose(out[1, 1], out[1, 0], atol=1e-6)


def test_tf_keras_bidirectional_zeroes_masked_steps(tf_keras_flavour):
    out = _bidirectional_sum().predict(IDS)
    for (row, step), value in _BIDIRECTIONAL_VALID.items():
        np.testing.assert_allclose(out[row, step], value, atol=1e-5)
    # tf_keras 2.21: zeros at the masked steps.
    np.testing.assert_array_equal(out[0, 2:], 0.)
    np.testing.assert_array_equal(out[1, :2], 0.)


def test_masks_of_symbolic_inputs_are_symbolic_tensors():
    # Keras 2: `layer.compute_mask(layer.input)` is a mask tensor that
    # `K.function` evaluates.
    ids = layers.Input((4,), dtype='int32')
    embedding = layers.Embedding(6, 2, mask_zero=True)
    embedded = embedding(ids)
    floats = layers.Input((4, 2))
    masking = layers.Masking(mask_value=-1.)
    masking(floats)
    fetch = K.function([ids, floats],
                       [embedding.compute_mask(ids, None),
                        masking.compute_mask(floats, None)])
    data = -np.ones((2, 4, 2), 'float32')
    data[0, 1] = [-1., 0.]
    id_mask, float_mask = fetch([IDS, data])
    assert id_mask.tolist() == (IDS != 0).tolist()
    assert float_mask.tolist() == [[False, True, False, False],
                                   [False, False, False, False]]
    assert K.int_shape(embedded) == (None, 4, 2)


class _MaskAsValues(layers.Layer):
    """The mask it receives as floats (-1 without one)."""

    def __init__(self, **kwargs):
        super(_MaskAsValues, self).__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return K.zeros_like(inputs[..., 0]) - 1.
        return K.cast(mask, 'float32') + K.zeros_like(inputs[..., 0])

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return input_shape[:-1]


@pytest.mark.parametrize('merge', ['Concatenate', 'Add', 'Multiply',
                                   'Average', 'Maximum', 'Subtract'])
def test_merging_masked_and_unmasked_inputs_keeps_the_mask(merge):
    # Keras 2.3.1 and tf_keras 2.21: the unmasked input counts as all
    # true; the merged mask is the masked input's.
    ids = layers.Input((4,), dtype='int32')
    floats = layers.Input((4, 2))
    embedded = layers.Embedding(6, 2, mask_zero=True)(ids)
    merged = getattr(layers, merge)()([floats, embedded])
    after = layers.GRU(2, return_sequences=True)(merged)
    model = models.Model([ids, floats], [_MaskAsValues()(merged),
                                         _MaskAsValues()(after)])
    got = model.predict([IDS, np.ones((2, 4, 2), 'float32')])
    for mask in got:
        np.testing.assert_array_equal(mask, (IDS != 0).astype('float32'))


@pytest.mark.parametrize('make, keeps', [
    (lambda: layers.Dense(2), True),
    (lambda: layers.Activation('tanh'), True),
    (lambda: layers.Dropout(0.5), True),
    (lambda: layers.TimeDistributed(layers.Dense(1)), True),
    (lambda: layers.Lambda(lambda x: x * 2.), False),
    (lambda: layers.Lambda(lambda x: x[:, ::-1],
                           mask=lambda x, m: m[:, ::-1]), True),
])
def test_which_layers_pass_the_mask_on(make, keeps):
    # Keras 2.3.1 and tf_keras 2.21: layers that support masking pass it
    # on, a Lambda only with `mask=` (its function's mask, reversed here).
    ids = layers.Input((4,), dtype='int32')
    layer = make()
    out = layer(layers.Embedding(6, 2, mask_zero=True)(ids))
    got = models.Model(ids, _MaskAsValues()(out)).predict(IDS)
    if not keeps:
        np.testing.assert_array_equal(got, -1.)
    elif isinstance(layer, layers.Lambda):
        np.testing.assert_array_equal(got, (IDS != 0)[:, ::-1])
    else:
        np.testing.assert_array_equal(got, IDS != 0)


def _masked_tagger():
    ids = layers.Input((4,), dtype='int32')
    embedded = layers.Embedding(6, 2, mask_zero=True)(ids)
    states = layers.LSTM(3, return_sequences=True,
                         unit_forget_bias=False)(embedded)
    out = layers.TimeDistributed(layers.Dense(3, activation='softmax'))(
        states)
    return _seeded(models.Model(ids, out))


@pytest.mark.parametrize('temporal', [False, True])
def test_masked_losses_average_over_the_unmasked_steps(temporal):
    # Keras 2.2.4's weighted_masked_objective and tf_keras 2.21 divide the
    # weighted sum by the number of unmasked steps (Keras 2.3.1 divides by
    # all steps). Accuracy, a metric given as `metrics`, counts the
    # unmasked steps without the sample weights.
    model = _masked_tagger()
    model.compile('sgd', 'sparse_categorical_crossentropy',
                  metrics=['accuracy'],
                  sample_weight_mode='temporal' if temporal else None)
    y = np.array([[0, 1, 2, 0], [1, 1, 2, 1]])
    weights = np.array([[1., .5, 2., 1.], [.3, 1., 1.5, .7]], 'float32')
    probs = model.predict(IDS).astype('float64')
    mask = (IDS != 0).astype('float64')
    step_loss = -np.log(np.take_along_axis(probs, y[..., None], -1))[..., 0]
    used = mask * weights if temporal else mask
    loss, acc = model.evaluate(IDS, y[..., None], verbose=0,
                               sample_weight=weights if temporal else None)
    np.testing.assert_allclose(loss, (step_loss * used).sum() / mask.sum(),
                               rtol=1e-5)
    hits = (probs.argmax(-1) == y) * mask
    np.testing.assert_allclose(acc, hits.sum() / mask.sum(), rtol=1e-5)


def test_conv_after_a_mask_drops_it():
    # tf_keras 2.21 drops the mask at layers without mask support (Keras
    # 2.3.1 raised TypeError for them).
    ids = layers.Input((4,), dtype='int32')
    conv = layers.Conv1D(2, 2)(layers.Embedding(6, 2, mask_zero=True)(ids))
    got = models.Model(ids, _MaskAsValues()(conv)).predict(IDS)
    np.testing.assert_array_equal(got, -np.ones((2, 3)))


def test_output_mask_of_a_layer_is_fetched_by_k_function():
    # Keras 2.3.1: `K.function([inp], [embedding.output_mask])` gives the
    # boolean mask `x != 0` (and `get_output_mask_at(0)` is that tensor).
    inputs = layers.Input((4,), dtype='int32')
    embedding = layers.Embedding(5, 2, mask_zero=True)
    embedding(inputs)
    x = np.array([[1, 2, 0, 0], [3, 0, 0, 0]], 'int32')
    mask = K.function([inputs], [embedding.output_mask])([x])[0]
    np.testing.assert_array_equal(mask, x != 0)
    again = K.function([inputs], [embedding.get_output_mask_at(0)])([x])[0]
    np.testing.assert_array_equal(again, x != 0)
