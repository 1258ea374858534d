"""Attention and AdditiveAttention against Keras 3's: scores, value and
query masks, the causal mask, the returned weights and the weights'
gradients."""
import numpy as np
import pytest
import torch

from keras_compat import layers

from parity_helpers import assert_close

RNG = np.random.RandomState(4)
QUERY = RNG.rand(2, 3, 4).astype('float32')
VALUE = RNG.rand(2, 5, 4).astype('float32')
KEY = RNG.rand(2, 5, 4).astype('float32')
QUERY_MASK = np.array([[1, 1, 0], [1, 0, 0]], dtype=bool)
VALUE_MASK = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], dtype=bool)

CASES = [
    ('Attention', {}), ('Attention', {'use_scale': True}),
    ('Attention', {'use_scale': True, 'score_mode': 'concat'}),
    ('Attention', {'score_mode': 'concat'}),
    ('AdditiveAttention', {}), ('AdditiveAttention', {'use_scale': False}),
]


def _pair(k3, name, kwargs):
    ours, theirs = getattr(layers, name)(**kwargs), \
        getattr(k3.layers, name)(**kwargs)
    shapes = [QUERY.shape, VALUE.shape, KEY.shape]
    ours.build(shapes)
    theirs.build(shapes)
    values = [np.asarray(RNG.rand(*w.shape) + 0.5, dtype='float32')
              for w in theirs.get_weights()]
    ours.set_weights(values)
    theirs.set_weights(values)
    return ours, theirs


@pytest.mark.parametrize('name,kwargs', CASES,
                         ids=['%s-%s' % (n, '-'.join(k)) for n, k in CASES])
@pytest.mark.parametrize('causal', [False, True])
def test_attention_matches_keras(k3, name, kwargs, causal):
    ours, theirs = _pair(k3, name, kwargs)
    inputs = [torch.tensor(a) for a in (QUERY, VALUE, KEY)]
    masks = [torch.tensor(QUERY_MASK), torch.tensor(VALUE_MASK)]
    out, scores = ours(inputs, mask=masks, return_attention_scores=True,
                       use_causal_mask=causal)
    their_out, their_scores = theirs(
        [torch.tensor(a) for a in (QUERY, VALUE, KEY)],
        mask=[torch.tensor(QUERY_MASK), torch.tensor(VALUE_MASK)],
        return_attention_scores=True, use_causal_mask=causal)
    assert_close(out, their_out)
    assert_close(scores, their_scores)
    if ours.weights:
        out.sum().backward()
        their_out.sum().backward()
        for mine, their in zip(ours.trainable_weights,
                               theirs.trainable_weights):
            param = mine.__dict__.get('_keras_source')
            grad = getattr(param[0](), param[1].attr).grad if param \
                else mine.grad
            assert_close(grad, their.value.grad)


def test_attention_in_a_functional_model_keeps_the_query_mask():
    query = layers.Input((3,))
    value = layers.Input((5,))
    embed = layers.Embedding(10, 4, mask_zero=True)
    attended = layers.Attention()([embed(query), embed(value)])
    assert attended._keras_mask is not None
    pooled = layers.GlobalAveragePooling1D()(attended)
    from keras_compat.models import Model
    model = Model([query, value], pooled)
    out = model.predict([np.array([[1, 2, 0]]), np.array([[3, 4, 5, 0, 0]])])
    assert out.shape == (1, 4)
