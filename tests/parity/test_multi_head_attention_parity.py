"""MultiHeadAttention and EinsumDense against Keras 3's (the same math):
outputs, attention scores, masks, and the gradients of the weights and
inputs, with the same weights in both. Keras 3 zeroes the scores of rows
where nothing is visible (tf.keras's are uniform there, see
tests/layers/test_multi_head_attention.py): the masks here leave every
row something to attend to."""
import numpy as np
import pytest
import torch

from keras_compat.layers.einsum_dense import EinsumDense
from keras_compat.layers.multi_head_attention import MultiHeadAttention

from parity_helpers import assert_close

RNG = np.random.RandomState(11)


def _rand(*shape):
    return RNG.randn(*shape).astype('float32')


def _visible_mask(*shape):
    """A random boolean mask whose last axis always keeps position 0."""
    mask = RNG.rand(*shape) > 0.4
    mask[..., 0] = True
    return mask


# (constructor arguments, query shape, value shape, key shape or None,
#  attention mask shape or None, value mask, use_causal_mask)
CASES = [
    ('plain', {}, (2, 4, 5), (2, 6, 7), None, None, False, False),
    ('key_and_mask', {'value_dim': 4}, (2, 4, 5), (2, 6, 7), (2, 6, 3),
     (2, 4, 6), False, False),
    ('value_mask_causal', {'use_bias': False, 'output_shape': (8,)},
     (2, 4, 5), (2, 6, 5), None, None, True, True),
    ('everything', {'num_heads': 3}, (2, 4, 5), (2, 6, 5), None,
     (2, 4, 6), True, True),
    ('axes_2_1', {'attention_axes': (2, 1)}, (2, 3, 4, 5), (2, 3, 4, 5),
     None, (2, 4, 3, 4, 3), False, False),
    ('axis_2', {'attention_axes': (2,), 'output_shape': (2, 3)},
     (2, 3, 4, 5), (2, 3, 6, 5), None, (2, 3, 4, 6), False, False),
]


def _pair(k3, kwargs, query, value, key):
    kwargs = dict({'num_heads': 2, 'key_dim': 3}, **kwargs)
    ours = MultiHeadAttention(**kwargs)
    theirs = k3.layers.MultiHeadAttention(**kwargs)
    ours.build(query, value, key)
    theirs.build(query, value, key)
    values = [_rand(*w.shape) * 0.5 for w in theirs.weights]
    ours.set_weights(values)
    theirs.set_weights(values)
    return ours, theirs


def _inputs(arrays, value_mask):
    tensors = [None if a is None else torch.tensor(a, requires_grad=True)
               for a in arrays]
    if value_mask is not None:
        tensors[1]._keras_mask = torch.tensor(value_mask)
    return tensors


def _run(layer, arrays, value_mask, mask, causal, scores):
    query, value, key = _inputs(arrays, value_mask)
    out = layer(query, value, key=key, attention_mask=mask,
                use_causal_mask=causal, return_attention_scores=scores)
    return out, [t for t in (query, value, key) if t is not None]


@pytest.mark.parametrize('case', CASES, ids=[c[0] for c in CASES])
def test_multi_head_attention_matches_keras(k3, case):
    _, kwargs, q_shape, v_shape, k_shape, m_shape, masked, causal = case
    ours, theirs = _pair(k3, kwargs, q_shape, v_shape, k_shape)
    arrays = [_rand(*q_shape), _rand(*v_shape),
              None if k_shape is None else _rand(*k_shape)]
    value_mask = _visible_mask(*v_shape[:-1]) if masked else None
    mask = None if m_shape is None else torch.tensor(_visible_mask(*m_shape))
    (out, scores), our_inputs = _run(ours, arrays, value_mask, mask,
                                     causal, True)
    (their_out, their_scores), their_inputs = _run(
        theirs, arrays, value_mask, mask, causal, True)
    assert_close(out, their_out, what='output')
    assert_close(scores, their_scores, what='scores')
    weight = torch.tensor(_rand(*out.shape))
    (out * weight).sum().backward()
    (their_out * weight).sum().backward()
    params = [getattr(layer, record.attr)
              for layer, record in ours._weight_pairs('trainable')]
    for mine, their in zip(params, theirs.trainable_weights):
        assert_close(mine.grad, their.value.grad, what=their.path)
    for mine, their in zip(our_inputs, their_inputs):
        assert_close(mine.grad, their.grad, what='input gradient')
    # Without the scores: torch's fused attention on both sides.
    fused, _ = _run(ours, arrays, value_mask, mask, causal, False)
    their_fused, _ = _run(theirs, arrays, value_mask, mask, causal, False)
    assert_close(fused, their_fused, what='fused output')


EINSUM_CASES = [
    ('ab,bc->ac', 6, 'c', (3, 4)),
    ('abc,cde->abde', (None, 2, 3), 'de', (2, 5, 4)),
    ('...b,bc->...c', 6, 'c', (2, 4, 3, 4)),
    ('ab...,bc->ac...', 6, 'c', (2, 4, 3, 7)),
    ('abcd,cde->abe', (None, 5), None, (2, 3, 2, 4)),
]


@pytest.mark.parametrize('equation,output_shape,bias_axes,input_shape',
                         EINSUM_CASES, ids=[c[0] for c in EINSUM_CASES])
def test_einsum_dense_matches_keras(k3, equation, output_shape, bias_axes,
                                    input_shape):
    kwargs = dict(equation=equation, output_shape=output_shape,
                  bias_axes=bias_axes, activation='tanh')
    ours, theirs = EinsumDense(**kwargs), k3.layers.EinsumDense(**kwargs)
    ours.build(input_shape)
    theirs.build(input_shape)
    assert [tuple(w.shape) for w in ours.weights] == \
        [tuple(w.shape) for w in theirs.weights]
    values = [_rand(*w.shape) for w in theirs.weights]
    ours.set_weights(values)
    theirs.set_weights(values)
    x = _rand(*input_shape)
    mine, their = torch.tensor(x, requires_grad=True), \
        torch.tensor(x, requires_grad=True)
    out, their_out = ours(mine), theirs(their)
    assert_close(out, their_out)
    # (Keras 3 and tf.keras leave None where `output_shape` does; the
    # shape of the output they compute is this.)
    assert ours.compute_output_shape(input_shape) == tuple(their_out.shape)
    out.sum().backward()
    their_out.sum().backward()
    assert_close(mine.grad, their.grad)
    assert_close(ours._parameters['kernel'].grad,
                 theirs.trainable_weights[0].value.grad)
