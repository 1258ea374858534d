"""MultiHeadAttention and EinsumDense as tf.keras 2.x has them: weights
(names, shapes, order), configs, masks, shapes, numbers (tf.keras's
formula written out in numpy, the values checked against tf_keras 2.21),
functional models, HDF5 files."""
import json

import h5py
import numpy as np
import pytest
import torch

from keras_compat import backend as K
from keras_compat import layers
from keras_compat.layers.einsum_dense import EinsumDense
from keras_compat.layers.multi_head_attention import MultiHeadAttention
from keras_compat.models import Model, load_model

CUSTOM = {'MultiHeadAttention': MultiHeadAttention,
          'EinsumDense': EinsumDense}
RNG = np.random.RandomState(7)


def _rand(*shape):
    return RNG.randn(*shape).astype('float32')


def _randomize(layer, scale=0.5):
    values = [_rand(*w.shape) * scale for w in layer.weights]
    layer.set_weights(values)
    return values


def _np(x):
    return x.detach().cpu().numpy()


# ------------------------------------------------------------ EinsumDense
# (equation, output_shape, bias_axes, input shape): tf_keras 2.21's kernel,
# bias and output shapes.
EINSUM_CASES = [
    ('ab,bc->ac', 64, 'c', (2, 32), (32, 64), (64,), (2, 64)),
    ('abc,cde->abde', (None, 2, 3), 'de', (2, 5, 4), (4, 2, 3), (2, 3),
     (2, 5, 2, 3)),
    ('ab...,bc->ac...', (6,), 'c', (2, 4, 3, 7), (4, 6), (6, 1, 1),
     (2, 6, 3, 7)),
    ('...b,bc->...c', (6,), 'c', (2, 4, 3, 4), (4, 6), (6,), (2, 4, 3, 6)),
    ('abcd,cde->abe', (None, 5), 'e', (2, 3, 2, 4), (2, 4, 5), (5,),
     (2, 3, 5)),
    ('abc,cd->abd', (None, 6), None, (2, 3, 4), (4, 6), None, (2, 3, 6)),
]


@pytest.mark.parametrize('equation,output_shape,bias_axes,input_shape,'
                         'kernel_shape,bias_shape,result_shape',
                         EINSUM_CASES, ids=[c[0] for c in EINSUM_CASES])
def test_einsum_dense_weights_and_numbers(equation, output_shape, bias_axes,
                                          input_shape, kernel_shape,
                                          bias_shape, result_shape):
    layer = EinsumDense(equation, output_shape=output_shape,
                        bias_axes=bias_axes, activation='relu')
    x = _rand(*input_shape)
    layer(torch.tensor(x))
    shapes = [tuple(w.shape) for w in layer.weights]
    assert shapes == [kernel_shape] + ([bias_shape] if bias_shape else [])
    assert [w.name for w in layer.weights] == \
        ['einsum_dense_1/kernel:0', 'einsum_dense_1/bias:0'][:len(shapes)]
    values = _randomize(layer)
    expected = np.einsum(equation, x, values[0])
    if bias_shape:
        expected = expected + values[1]
    got = _np(layer(torch.tensor(x)))
    assert got.shape == result_shape
    np.testing.assert_allclose(got, np.maximum(expected, 0), atol=1e-5)


def test_einsum_dense_config_is_tf_keras_and_round_trips():
    layer = EinsumDense('abc,cde->abde', output_shape=(None, 2, 3),
                        bias_axes='de', kernel_regularizer='l2')
    config = layer.get_config()
    assert list(config) == [
        'name', 'trainable', 'dtype', 'output_shape', 'equation',
        'activation', 'bias_axes', 'kernel_initializer', 'bias_initializer',
        'kernel_regularizer', 'bias_regularizer', 'activity_regularizer',
        'kernel_constraint', 'bias_constraint']
    assert config['output_shape'] == [None, 2, 3]
    assert EinsumDense(equation='ab,bc->ac', output_shape=4).get_config()[
        'output_shape'] == [4]
    clone = EinsumDense.from_config(json.loads(json.dumps(config)))
    assert clone.get_config() == json.loads(json.dumps(config))


def test_einsum_dense_loads_a_tf_keras_config():
    entry = {'module': 'keras.layers', 'class_name': 'EinsumDense',
             'config': {
                 'name': 'ed', 'trainable': True, 'dtype': 'float32',
                 'output_shape': [None, 2, 3], 'equation': 'abc,cde->abde',
                 'activation': 'relu', 'bias_axes': 'de',
                 'kernel_initializer': {
                     'module': 'keras.initializers',
                     'class_name': 'GlorotUniform',
                     'config': {'seed': None}, 'registered_name': None},
                 'bias_initializer': {
                     'module': 'keras.initializers', 'class_name': 'Zeros',
                     'config': {}, 'registered_name': None},
                 'kernel_regularizer': None, 'bias_regularizer': None,
                 'activity_regularizer': None, 'kernel_constraint': None,
                 'bias_constraint': None},
             'registered_name': None,
             'build_config': {'input_shape': [2, 4, 5]}}
    layer = layers.deserialize(entry, custom_objects=CUSTOM)
    assert isinstance(layer, EinsumDense) and layer.bias_axes == 'de'
    assert tuple(layer(torch.zeros(2, 4, 5)).shape) == (2, 4, 2, 3)


def test_einsum_dense_refuses_what_tf_keras_refuses():
    with pytest.raises(ValueError, match='Invalid einsum equation'):
        EinsumDense('a.b,bc->ac', output_shape=6).build((None, 4))
    with pytest.raises(ValueError, match="Dimension 'd' was specified"):
        EinsumDense('ab,bc->ad', output_shape=6).build((None, 4))
    with pytest.raises(ValueError, match="Bias dimension 'x'"):
        EinsumDense('ab,bc->ac', output_shape=6, bias_axes='x').build(
            (None, 4))
    with pytest.raises(ValueError, match="shared dimension 'b'"):
        EinsumDense('abc,cd->abd', output_shape=(5, 6)).build((None, 3, 4))


def test_einsum_dense_functional_shapes_fill_input_dimensions():
    x = layers.Input((3, 4))
    layer = EinsumDense('abc,cd->abd', output_shape=(None, 6),
                        bias_axes='d')
    y = layer(x)
    assert y._keras_shape == (None, 3, 6)
    assert layer.compute_output_shape((None, 3, 4)) == (None, 3, 6)
    assert EinsumDense('...b,bc->...c', output_shape=5).compute_output_shape(
        (None, 2, 3, 4)) == (None, 2, 3, 5)


def test_einsum_dense_drops_activity_regularizer_as_tf_keras_with_warning():
    with pytest.warns(UserWarning, match='ignores this argument'):
        layer = EinsumDense('ab,bc->ac', output_shape=3,
                            activity_regularizer='l2')
    layer(torch.ones(2, 4))
    assert layer.losses == []
    assert layer.get_config()['activity_regularizer'] is None


# ----------------------------------------------------- MultiHeadAttention
MHA_CONFIG_KEYS = [
    'name', 'trainable', 'dtype', 'num_heads', 'key_dim', 'value_dim',
    'dropout', 'use_bias', 'output_shape', 'attention_axes',
    'kernel_initializer', 'bias_initializer', 'kernel_regularizer',
    'bias_regularizer', 'activity_regularizer', 'kernel_constraint',
    'bias_constraint', 'query_shape', 'key_shape', 'value_shape',
    'softmax_robust_masking']


def test_config_keys_and_values_are_tf_keras():
    layer = MultiHeadAttention(num_heads=2, key_dim=3)
    config = layer.get_config()
    assert list(config) == MHA_CONFIG_KEYS
    assert (config['value_dim'], config['dropout'], config['use_bias'],
            config['output_shape'], config['attention_axes'],
            config['query_shape'], config['softmax_robust_masking']) == \
        (3, 0.0, True, None, None, None, False)
    layer(torch.zeros(2, 4, 5), torch.zeros(2, 6, 7))
    config = layer.get_config()
    assert config['attention_axes'] == (1,)
    assert (config['query_shape'], config['key_shape'],
            config['value_shape']) == ((None, 4, 5), (None, 6, 7),
                                       (None, 6, 7))
    assert MultiHeadAttention(2, 3, attention_axes=2).get_config()[
        'attention_axes'] == (2,)


def test_config_round_trip_builds_the_layer():
    layer = MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4,
                               output_shape=(6,), use_bias=False,
                               kernel_regularizer='l2')
    layer(torch.zeros(2, 4, 5), torch.zeros(2, 6, 7), torch.zeros(2, 6, 3))
    config = json.loads(json.dumps(layer.get_config()))
    clone = MultiHeadAttention.from_config(config)
    assert clone.built
    assert [tuple(w.shape) for w in clone.weights] == \
        [tuple(w.shape) for w in layer.weights]
    clone.set_weights(layer.get_weights())
    args = [torch.tensor(_rand(2, 4, 5)), torch.tensor(_rand(2, 6, 7)),
            torch.tensor(_rand(2, 6, 3))]
    np.testing.assert_allclose(_np(clone(*args)), _np(layer(*args)),
                               atol=1e-6)


def test_loads_a_tf_keras_config_with_input_shapes():
    config = {
        'name': 'mha', 'trainable': True, 'dtype': 'float32',
        'num_heads': 2, 'key_dim': 3, 'value_dim': 4, 'dropout': 0.1,
        'use_bias': True, 'output_shape': [6], 'attention_axes': [1],
        'kernel_initializer': {'module': 'keras.initializers',
                               'class_name': 'GlorotUniform',
                               'config': {'seed': None},
                               'registered_name': None},
        'bias_initializer': {'module': 'keras.initializers',
                             'class_name': 'Zeros', 'config': {},
                             'registered_name': None},
        'kernel_regularizer': {'module': 'keras.regularizers',
                               'class_name': 'L2',
                               'config': {'l2': 0.009999999776482582},
                               'registered_name': None},
        'bias_regularizer': None, 'activity_regularizer': None,
        'kernel_constraint': {'module': 'keras.constraints',
                              'class_name': 'MaxNorm',
                              'config': {'max_value': 2, 'axis': 0},
                              'registered_name': None},
        'bias_constraint': None, 'query_shape': [2, 4, 5],
        'key_shape': [2, 6, 7], 'value_shape': [2, 6, 7],
        'softmax_robust_masking': True}
    entry = {'module': 'keras.layers', 'class_name': 'MultiHeadAttention',
             'config': config, 'registered_name': None,
             'build_config': {'input_shape': [2, 4, 5]}}
    layer = layers.deserialize(entry, custom_objects=CUSTOM)
    assert layer.built
    assert [(w.name, tuple(w.shape)) for w in layer.weights] == [
        ('mha/query/kernel:0', (5, 2, 3)), ('mha/query/bias:0', (2, 3)),
        ('mha/key/kernel:0', (7, 2, 3)), ('mha/key/bias:0', (2, 3)),
        ('mha/value/kernel:0', (7, 2, 4)), ('mha/value/bias:0', (2, 4)),
        ('mha/attention_output/kernel:0', (2, 4, 6)),
        ('mha/attention_output/bias:0', (6,))]
    assert len(layer.losses) == 4
    assert layer._query_dense.kernel_constraint is not None
    assert layer.get_config()['softmax_robust_masking'] is True


@pytest.mark.parametrize('kwargs,shapes', [
    ({}, [(5, 2, 3), (2, 3), (7, 2, 3), (2, 3), (7, 2, 3), (2, 3),
          (2, 3, 5), (5,)]),
    ({'value_dim': 4, 'use_bias': False, 'output_shape': (8,)},
     [(5, 2, 3), (9, 2, 3), (7, 2, 4), (2, 4, 8)]),
])
def test_weight_names_shapes_and_order_are_tf_keras(kwargs, shapes):
    layer = MultiHeadAttention(num_heads=2, key_dim=3, name='mha', **kwargs)
    key = torch.zeros(2, 6, 9) if kwargs else None
    layer(torch.zeros(2, 4, 5), torch.zeros(2, 6, 7), key)
    parts = ['query', 'key', 'value', 'attention_output']
    kinds = ['kernel', 'bias'] if not kwargs else ['kernel']
    assert [w.name for w in layer.weights] == [
        'mha/%s/%s:0' % (p, k) for p in parts for k in kinds]
    assert [tuple(w.shape) for w in layer.weights] == shapes
    assert [tuple(v.shape) for v in layer.get_weights()] == shapes
    assert layer.count_params() == sum(int(np.prod(s)) for s in shapes)
    layer.trainable = False
    assert layer.trainable_weights == [] and \
        len(layer.non_trainable_weights) == len(shapes)


def _tf_formula(weights, query, value, key, mask, heads, key_dim,
                robust=False):
    """tf.keras's MultiHeadAttention on (B, T, dim) inputs, in float32
    numpy: (output, scores)."""
    wq, bq, wk, bk, wv, bv, wo, bo = weights
    q = np.einsum('btd,dnh->btnh', query, wq) + bq
    k = np.einsum('bsd,dnh->bsnh', key, wk) + bk
    v = np.einsum('bsd,dnh->bsnh', value, wv) + bv
    q = q * np.float32(1.0 / np.sqrt(key_dim))
    scores = np.einsum('bsnh,btnh->bnts', k, q).astype('float32')
    if mask is not None:
        mask = mask[:, None]
        if robust:
            scores = np.where(mask, scores, np.float32(-1e9))
        else:
            scores = scores + (1 - mask.astype('float32')) * \
                np.float32(-1e9)
    e = np.exp(scores - scores.max(-1, keepdims=True))
    probs = e / e.sum(-1, keepdims=True)
    out = np.einsum('bnts,bsnh->btnh', probs, v)
    return np.einsum('btnh,nhe->bte', out, wo) + bo, probs


@pytest.mark.parametrize('robust', [False, True])
def test_numbers_follow_tf_keras_with_every_mask(robust):
    query, value, key = _rand(2, 4, 5), _rand(2, 6, 5), _rand(2, 6, 3)
    query_mask = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], bool)
    value_mask = np.array([[1, 1, 1, 1, 0, 0], [1, 0, 0, 0, 0, 0]], bool)
    attention_mask = RNG.rand(2, 4, 6) > 0.3
    attention_mask[0, 1] = False     # a row with nothing to attend to
    layer = MultiHeadAttention(num_heads=2, key_dim=3,
                               softmax_robust_masking=robust)
    layer(torch.zeros(2, 4, 5), torch.zeros(2, 6, 5), torch.zeros(2, 6, 3))
    weights = _randomize(layer)
    q, v, k = (torch.tensor(a) for a in (query, value, key))
    q._keras_mask, v._keras_mask = (torch.tensor(query_mask),
                                    torch.tensor(value_mask))
    for causal in (False, True):
        combined = attention_mask & query_mask[:, :, None] & \
            value_mask[:, None, :]
        if causal:
            combined = combined & np.tril(np.ones((4, 6), bool))
        expected, expected_scores = _tf_formula(
            weights, query, value, key, combined, 2, 3, robust)
        out, scores = layer(q, v, k, attention_mask=attention_mask,
                            return_attention_scores=True,
                            use_causal_mask=causal)
        np.testing.assert_allclose(_np(out), expected, atol=1e-5)
        np.testing.assert_allclose(_np(scores), expected_scores, atol=1e-6)
        fused = layer(q, v, k, attention_mask=attention_mask,
                      use_causal_mask=causal)
        np.testing.assert_allclose(_np(fused), expected, atol=1e-5)
        # The output keeps the query's mask; the scores the whole mask.
        np.testing.assert_array_equal(_np(out._keras_mask), query_mask)
        np.testing.assert_array_equal(_np(scores._keras_mask),
                                      combined[:, None])


def test_tf_keras_values_where_nothing_is_visible():
    # tf_keras 2.21's scores for a row all masked (the -1e9 added to small
    # scores rounds to the same float32): uniform.
    layer = MultiHeadAttention(num_heads=1, key_dim=2)
    mask = np.ones((1, 2, 3), 'int32')
    mask[0, 1] = 0
    _, scores = layer(torch.tensor(_rand(1, 2, 4)),
                      torch.tensor(_rand(1, 3, 4)), attention_mask=mask,
                      return_attention_scores=True)
    np.testing.assert_allclose(_np(scores)[0, 0, 1], [1 / 3.] * 3,
                               atol=1e-6)


@pytest.mark.parametrize('kwargs,query,value,output,scores', [
    ({'attention_axes': (2, 1)}, (2, 3, 4, 5), (2, 3, 4, 5),
     (2, 3, 4, 5), (2, 2, 4, 3, 4, 3)),
    ({'attention_axes': -3}, (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 4, 5),
     (2, 3, 2, 4, 6)),
    ({'attention_axes': [2]}, (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 4, 5),
     (2, 3, 2, 4, 6)),
    ({'output_shape': (2, 3)}, (2, 3, 4, 5), (2, 2, 2, 5),
     (2, 3, 4, 2, 3), (2, 2, 3, 4, 2, 2)),
    ({'output_shape': 7}, (2, 4, 5), (2, 6, 5), (2, 4, 7), (2, 2, 4, 6)),
])
def test_attention_axes_and_output_shape(kwargs, query, value, output,
                                         scores):
    layer = MultiHeadAttention(num_heads=2, key_dim=3, **kwargs)
    q, v = torch.tensor(_rand(*query)), torch.tensor(_rand(*value))
    out, weights = layer(q, v, return_attention_scores=True)
    assert tuple(out.shape) == output and tuple(weights.shape) == scores
    axes = layer._norm_axes
    np.testing.assert_allclose(_np(weights.sum(dim=axes)), 1., atol=1e-5)
    np.testing.assert_allclose(_np(layer(q, v)), _np(out), atol=1e-5)
    symbolic = MultiHeadAttention(num_heads=2, key_dim=3, **kwargs)
    sym_out, sym_scores = symbolic(
        layers.Input(query[1:]), layers.Input(value[1:]),
        return_attention_scores=True)
    assert sym_out._keras_shape == (None,) + output[1:]
    assert sym_scores._keras_shape == (None,) + scores[1:]


def test_mask_on_other_attention_axes_matches_einsum_formula():
    layer = MultiHeadAttention(num_heads=2, key_dim=3,
                               attention_axes=(2, 1))
    x = _rand(2, 3, 4, 5)
    mask = RNG.rand(2, 4, 3, 4, 3) > 0.3
    layer(torch.tensor(x), torch.tensor(x))
    wq, bq, wk, bk, wv, bv, wo, bo = _randomize(layer)
    q = (np.einsum('abcd,dnh->abcnh', x, wq) + bq) / np.sqrt(3.)
    k = np.einsum('abcd,dnh->abcnh', x, wk) + bk
    v = np.einsum('abcd,dnh->abcnh', x, wv) + bv
    scores = np.einsum(layer._dot_product_equation, k, q)
    scores = scores + (1 - mask[:, None]) * np.float32(-1e9)
    flat = scores.reshape(2, 2, 12, 12)
    e = np.exp(flat - flat.max(-1, keepdims=True))
    probs = (e / e.sum(-1, keepdims=True)).reshape(scores.shape)
    out = np.einsum(layer._combine_equation, probs, v)
    expected = np.einsum('abcnh,nhe->abce', out, wo) + bo
    got, got_scores = layer(torch.tensor(x), torch.tensor(x),
                            attention_mask=mask,
                            return_attention_scores=True)
    np.testing.assert_allclose(_np(got_scores), probs, atol=1e-6)
    np.testing.assert_allclose(_np(got), expected, atol=1e-5)
    np.testing.assert_allclose(
        _np(layer(torch.tensor(x), torch.tensor(x), attention_mask=mask)),
        expected, atol=1e-5)


def test_compute_output_shape_as_tf_keras():
    layer = MultiHeadAttention(num_heads=2, key_dim=3, output_shape=(8,))
    assert layer.compute_output_shape((None, 4, 5), (None, 6, 5)) == \
        (None, 4, 8)
    assert MultiHeadAttention(2, 3).compute_output_shape(
        [(None, 4, 5), (None, 6, 5)]) == (None, 4, 5)
    with pytest.raises(ValueError, match='last dimension of `query_shape`'):
        layer.compute_output_shape((None, 4, 5), (None, 6, 7))
    with pytest.raises(ValueError, match='All dimensions of `value`'):
        layer.compute_output_shape((None, 4, 5), (None, 6, 5), (None, 5, 5))
    # As in tf.keras's functional models, query and value may differ.
    assert layer(layers.Input((4, 5)), layers.Input((6, 7)))._keras_shape \
        == (None, 4, 8)


def test_dropout_applies_in_training_only():
    layer = MultiHeadAttention(num_heads=2, key_dim=3, dropout=0.5)
    q, v = torch.tensor(_rand(2, 4, 5)), torch.tensor(_rand(2, 6, 5))
    plain, scores = layer(q, v, return_attention_scores=True)
    np.testing.assert_allclose(_np(layer(q, v)), _np(plain), atol=1e-6)
    np.testing.assert_allclose(_np(layer(q, v, training=False)),
                               _np(plain), atol=1e-6)
    dropped, dropped_scores = layer(q, v, return_attention_scores=True,
                                    training=True)
    assert not np.allclose(_np(dropped), _np(plain))
    # The scores returned are those before the dropout.
    np.testing.assert_allclose(_np(dropped_scores), _np(scores), atol=1e-6)
    assert not np.allclose(_np(layer(q, v, training=True)), _np(plain))


def test_losses_as_tf_keras():
    # tf.keras divides activity penalties by the batch size.
    K.common.set_api_flavour('tf.keras')
    layer = MultiHeadAttention(num_heads=2, key_dim=3,
                               kernel_regularizer='l1',
                               activity_regularizer='l2')
    q = torch.tensor(_rand(2, 4, 5))
    layer(q, q, return_attention_scores=True)
    # Four kernel penalties, and the activity penalty of each output.
    assert len(layer.losses) == 6
    out, scores = layer(q, q, return_attention_scores=True)
    activity = sorted(float(l.detach()) for l in layer._call_losses)
    expected = sorted(0.01 * float((t.detach() ** 2).sum()) / 2
                      for t in (out, scores))
    np.testing.assert_allclose(activity, expected, rtol=1e-5)


def test_call_forms_and_errors():
    layer = MultiHeadAttention(num_heads=2, key_dim=3)
    q, v, k = (torch.tensor(_rand(2, 4, 5)), torch.tensor(_rand(2, 6, 5)),
               torch.tensor(_rand(2, 6, 3)))
    mask = torch.tensor(RNG.rand(2, 4, 6) > 0.2)
    expected = layer(q, v, k, mask)
    np.testing.assert_allclose(_np(layer([q, v, k, mask])), _np(expected))
    np.testing.assert_allclose(_np(layer(q, v, key=k, attention_mask=mask)),
                               _np(expected))
    np.testing.assert_allclose(_np(layer.call(q, v, k, mask)),
                               _np(expected), atol=1e-6)
    with pytest.raises(TypeError, match='layer\\(query, value\\)'):
        layer(q)
    with pytest.raises(TypeError, match='key given both'):
        layer([q, v, k], key=k)


def test_self_attention_value_mask_is_the_key_mask():
    layer = MultiHeadAttention(num_heads=2, key_dim=3)
    x = torch.tensor(_rand(2, 4, 5))
    x._keras_mask = torch.tensor([[1, 1, 0, 0], [1, 1, 1, 1]], dtype=bool)
    _, scores = layer(x, x, return_attention_scores=True)
    assert float(scores[0, :, :2, 2:].abs().max().detach()) == 0.


class _DoubledScores(MultiHeadAttention):
    def _compute_attention(self, query, key, value, attention_mask=None,
                           training=None):
        out, scores = super(_DoubledScores, self)._compute_attention(
            query, key, value, attention_mask, training)
        return out * 2, scores


def test_subclass_overriding_compute_attention_is_used():
    base = MultiHeadAttention(num_heads=2, key_dim=3)
    doubled = _DoubledScores(num_heads=2, key_dim=3)
    q = torch.tensor(_rand(2, 4, 5))
    base(q, q)
    doubled(q, q)
    doubled.set_weights(base.get_weights())
    bias = base.get_weights()[-1]
    np.testing.assert_allclose(_np(doubled(q, q)) - bias,
                               2 * (_np(base(q, q)) - bias), atol=1e-5)


class _Block(layers.Layer):
    """A custom layer building its attention as tf.keras's docstring
    asks (`_build_from_signature` in `build`)."""

    def __init__(self, **kwargs):
        super(_Block, self).__init__(**kwargs)
        self.attention = MultiHeadAttention(num_heads=2, key_dim=2,
                                            name='attention')

    def build(self, input_shape):
        self.attention._build_from_signature(query=input_shape,
                                             value=input_shape)
        self.built = True

    def call(self, inputs):
        return inputs + self.attention(inputs, inputs)


def test_build_from_signature_in_a_custom_layer():
    block = _Block()
    out = block(torch.tensor(_rand(2, 3, 4)))
    assert tuple(out.shape) == (2, 3, 4)
    assert len(block.weights) == 8
    assert block.weights[0].name.endswith('attention/query/kernel:0')


def _functional_model():
    query = layers.Input((3,))
    value = layers.Input((4,))
    allowed = layers.Input((3, 4))
    embed = layers.Embedding(10, 4, mask_zero=True)
    attention = MultiHeadAttention(num_heads=2, key_dim=3, dropout=0.1,
                                   name='mha')
    out, scores = attention(embed(query), embed(value),
                            attention_mask=allowed, use_causal_mask=True,
                            return_attention_scores=True)
    assert out._keras_shape == (None, 3, 4)
    assert scores._keras_shape == (None, 2, 3, 4)
    pooled = layers.GlobalAveragePooling1D()(out)
    result = layers.Dense(1)(pooled)
    return Model([query, value, allowed], result), \
        Model([query, value, allowed], [out, scores])


FUNCTIONAL_X = [np.array([[1, 2, 0], [3, 0, 0]]),
                np.array([[1, 2, 3, 0], [4, 5, 0, 0]]),
                np.ones((2, 3, 4), bool)]


def test_functional_model_masks_fits_saves_and_loads(tmp_path):
    model, probe = _functional_model()
    attention = model.get_layer('mha')
    embed = [l for l in model.layers if isinstance(l, layers.Embedding)][0]
    # The graph gives what the layer gives on the embedded, masked inputs.
    out, scores = probe.predict(FUNCTIONAL_X)
    q = embed(torch.tensor(FUNCTIONAL_X[0]))
    v = embed(torch.tensor(FUNCTIONAL_X[1]))
    eager_out, eager_scores = attention(
        q, v, attention_mask=torch.tensor(FUNCTIONAL_X[2]),
        use_causal_mask=True, return_attention_scores=True)
    np.testing.assert_allclose(out, _np(eager_out), atol=1e-6)
    np.testing.assert_allclose(scores, _np(eager_scores), atol=1e-6)
    assert float(eager_scores[1, :, 0, 1:].abs().max().detach()) == 0.
    model.compile('adam', 'mse')
    before = attention.get_weights()
    model.fit(FUNCTIONAL_X, np.ones((2, 1), 'float32'), epochs=2, verbose=0)
    assert not np.allclose(before[0], attention.get_weights()[0])
    path = str(tmp_path / 'mha.h5')
    model.save(path)
    loaded = load_model(path, custom_objects=CUSTOM)
    np.testing.assert_allclose(loaded.predict(FUNCTIONAL_X),
                               model.predict(FUNCTIONAL_X), atol=1e-6)
    restored = loaded.get_layer('mha')
    assert [w.name for w in restored.weights] == \
        [w.name for w in attention.weights]
    for a, b in zip(restored.get_weights(), attention.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_loads_a_weight_file_in_tf_keras_layout(tmp_path):
    model, _ = _functional_model()
    values = {layer.name: [_rand(*w.shape) for w in layer.weights]
              for layer in model.layers}
    path = str(tmp_path / 'tf_weights.h5')
    # What tf_keras 2.21's save_weights writes: one group per layer, the
    # weights at their full names, listed in `weight_names`.
    with h5py.File(path, 'w') as f:
        f.attrs['backend'] = 'tensorflow'
        f.attrs['keras_version'] = '2.21.0'
        f.attrs['layer_names'] = [l.name.encode() for l in model.layers]
        for layer in model.layers:
            group = f.create_group(layer.name)
            names = [w.name for w in layer.weights]
            group.attrs['weight_names'] = [n.encode() for n in names]
            for name, value in zip(names, values[layer.name]):
                group.create_dataset(name, data=value)
    model.load_weights(path)
    attention = model.get_layer('mha')
    for got, value in zip(attention.get_weights(), values['mha']):
        np.testing.assert_array_equal(got, value)
    np.testing.assert_array_equal(
        K.get_value(attention._value_dense.kernel), values['mha'][4])


@pytest.mark.cuda
def test_fused_attention_on_cuda_matches_the_explicit_path():
    K.set_device('cuda')
    layer = MultiHeadAttention(num_heads=4, key_dim=16)
    q = torch.randn(3, 40, 32, device='cuda')
    v = torch.randn(3, 50, 32, device='cuda')
    mask = torch.rand(3, 40, 50, device='cuda') > 0.2
    for kwargs in ({}, {'use_causal_mask': True},
                   {'attention_mask': mask, 'use_causal_mask': True}):
        explicit, _ = layer(q, v, return_attention_scores=True, **kwargs)
        fused = layer(q, v, **kwargs)
        np.testing.assert_allclose(_np(fused), _np(explicit), atol=1e-4)
