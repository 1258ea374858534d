"""Dot-product and additive attention (tf.keras 2.x's `Attention` and
`AdditiveAttention`, which its files name)."""
import torch

from .. import backend as K
from ..engine.base_layer import Layer

# What a masked score loses before the softmax, as in tf.keras.
_MASKED_SCORE = 1e9
_MASKED_SCORE_FLOAT16 = 65504.


class _BaseAttention(Layer):
    """Attention of a query over a value (and key, the value by default):
    softmax(scores(query, key)) @ value, where the value mask hides
    timesteps of the value, `use_causal_mask` hides later ones, and the
    query mask zeroes the rows of masked queries.

    Called on `[query, value]` or `[query, value, key]`;
    `return_attention_scores=True` also returns the softmax weights."""

    def __init__(self, use_scale=False, dropout=0., causal=False,
                 **kwargs):
        super(_BaseAttention, self).__init__(**kwargs)
        self.use_scale = use_scale
        self.dropout = float(dropout)
        self.causal = bool(causal)
        self.supports_masking = True

    def _scores(self, query, key):
        raise NotImplementedError

    def call(self, inputs, mask=None, training=None,
             return_attention_scores=False, use_causal_mask=False):
        query, value, key = _split_inputs(inputs)
        query_mask, value_mask = _split_masks(mask)
        scores = self._scores(query, key)
        hidden = self._hidden_positions(scores, value_mask,
                                        use_causal_mask or self.causal)
        if hidden is not None:
            big = _MASKED_SCORE_FLOAT16 if scores.dtype == torch.float16 \
                else _MASKED_SCORE
            scores = scores - big * hidden.to(scores.dtype)
        weights = torch.softmax(scores, dim=-1)
        if training is None:
            training = K.learning_phase()
        if training and 0. < self.dropout < 1.:
            weights = torch.nn.functional.dropout(weights, self.dropout,
                                                  training=True)
        result = torch.matmul(weights, value)
        if query_mask is not None:
            result = result * query_mask.unsqueeze(-1).to(result.dtype)
        if return_attention_scores:
            return [result, weights]
        return result

    @staticmethod
    def _hidden_positions(scores, value_mask, causal):
        """A boolean tensor broadcasting to the scores, True where a query
        may not look (None where it may look everywhere)."""
        hidden = None
        if value_mask is not None:
            hidden = ~value_mask.bool().unsqueeze(-2)
        if causal:
            steps_q, steps_v = scores.shape[-2], scores.shape[-1]
            later = torch.ones(steps_q, steps_v, dtype=torch.bool,
                               device=scores.device).triu(1)
            hidden = later if hidden is None else hidden | later
        return hidden

    def compute_mask(self, inputs, mask=None):
        query_mask, _ = _split_masks(mask)
        return query_mask

    def get_config(self):
        config = {'use_scale': self.use_scale, 'dropout': self.dropout,
                  'causal': self.causal}
        base_config = super(_BaseAttention, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))


class Attention(_BaseAttention):
    """Dot-product (Luong) attention: scores = query . key (times a learned
    scalar `scale` with `use_scale`); with `score_mode='concat'`,
    scores = w * sum(tanh(scale * (query + key))), w a learned scalar."""

    def __init__(self, use_scale=False, score_mode='dot', **kwargs):
        if score_mode not in ('dot', 'concat'):
            raise ValueError('Received: score_mode=%s. Acceptable values '
                             'are: ["dot", "concat"]' % (score_mode,))
        super(Attention, self).__init__(use_scale=use_scale, **kwargs)
        self.score_mode = score_mode

    def build(self, input_shape):
        if self.use_scale:
            self.scale = self.add_weight(name='scale', shape=(),
                                         initializer='ones')
        if self.score_mode == 'concat':
            self.concat_score_weight = self.add_weight(
                name='concat_score_weight', shape=(), initializer='ones')
        super(Attention, self).build(input_shape)

    def _scores(self, query, key):
        if self.score_mode == 'dot':
            scores = torch.matmul(query, key.transpose(-1, -2))
            return scores * self.scale if self.use_scale else scores
        pairs = query.unsqueeze(-2) + key.unsqueeze(-3)
        if self.use_scale:
            pairs = self.scale * pairs
        return self.concat_score_weight * torch.tanh(pairs).sum(dim=-1)

    def get_config(self):
        config = super(Attention, self).get_config()
        config['score_mode'] = self.score_mode
        return config


class AdditiveAttention(_BaseAttention):
    """Additive (Bahdanau) attention: scores = sum(scale * tanh(query +
    key)) over features, `scale` a learned vector with `use_scale` (the
    default)."""

    def __init__(self, use_scale=True, **kwargs):
        super(AdditiveAttention, self).__init__(use_scale=use_scale,
                                                **kwargs)

    def build(self, input_shape):
        query_shape = input_shape[0]
        if self.use_scale:
            self.scale = self.add_weight(name='scale',
                                         shape=(query_shape[-1],),
                                         initializer='glorot_uniform')
        super(AdditiveAttention, self).build(input_shape)

    def _scores(self, query, key):
        pairs = torch.tanh(query.unsqueeze(-2) + key.unsqueeze(-3))
        if self.use_scale:
            pairs = self.scale * pairs
        return pairs.sum(dim=-1)


def _split_inputs(inputs):
    if not isinstance(inputs, (list, tuple)) or len(inputs) not in (2, 3):
        raise ValueError('Attention layers are called on a list [query, '
                         'value] or [query, value, key]; received: %r'
                         % (inputs,))
    query, value = inputs[0], inputs[1]
    key = inputs[2] if len(inputs) == 3 else value
    return query, value, key


def _split_masks(mask):
    if mask is None:
        return None, None
    if not isinstance(mask, (list, tuple)) or len(mask) not in (2, 3):
        raise ValueError('Attention layers take a list of masks [query '
                         'mask, value mask]; received: %r' % (mask,))
    return mask[0], mask[1]
