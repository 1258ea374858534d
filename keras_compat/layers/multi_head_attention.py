"""tf.keras 2.4+'s `MultiHeadAttention` (`keras.layers.MultiHeadAttention`),
with its `EinsumDense` projections, its masks (tf.keras 2.10+) and its
weights' names and order."""
import collections.abc
import logging
import math
import string

import numpy as np
import torch
import torch.nn.functional as F

from .. import backend as K
from .. import initializers, regularizers, constraints
from ..engine.base_layer import Layer
from .einsum_dense import EinsumDense

_CHR_IDX = string.ascii_lowercase
_LOG = logging.getLogger(__name__)
_SHAPE_KEYS = ('query_shape', 'key_shape', 'value_shape')


class MultiHeadAttention(Layer):
    """Mirrors tf.keras's `MultiHeadAttention` (Vaswani et al., 2017).

    `layer(query, value, key=None, attention_mask=None,
    return_attention_scores=False, training=None, use_causal_mask=False)`:
    query, key and value are projected to `num_heads` heads (EinsumDense
    layers named `query`, `key`, `value`), the query scaled by
    1 / sqrt(key_dim); the scores query . key are softmaxed over the
    attention axes (`attention_axes`, by default all but the batch and
    feature axes), dropped out in training only, and weight the values;
    the heads are projected to `output_shape` (the query's last dimension
    by default) by `attention_output`. The layer's weights, in tf.keras's
    order: query/kernel, query/bias, key/..., value/...,
    attention_output/... (no biases without `use_bias`).

    The attention mask (True: may attend) is `attention_mask` and the
    Keras masks of query, value and key (tf.keras 2.10+): the query's mask
    hides rows, the value's and key's columns, and `use_causal_mask` later
    positions. Masked scores get -1e9 added before the softmax
    (`softmax_robust_masking=True`: replaced by -1e9). The output keeps
    the query's mask.

    The layer is also called on a list `[query, value]`, `[query, value,
    key]` or `[query, value, key, attention_mask]` (what functional
    models record: the tensors are the node's inputs)."""

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0,
                 use_bias=True, output_shape=None, attention_axes=None,
                 kernel_initializer='glorot_uniform',
                 bias_initializer='zeros', kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None,
                 softmax_robust_masking=False, *, query_shape=None,
                 key_shape=None, value_shape=None, **kwargs):
        super(MultiHeadAttention, self).__init__(**kwargs)
        self.supports_masking = True
        self._num_heads = num_heads
        self._key_dim = key_dim
        self._value_dim = value_dim if value_dim else key_dim
        self._dropout = dropout
        self._use_bias = use_bias
        self._output_shape = output_shape
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        # The layer's own: applied to each of its outputs, as in tf.keras.
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        self._softmax_robust_masking = softmax_robust_masking
        if attention_axes is not None and not isinstance(
                attention_axes, collections.abc.Sized):
            attention_axes = (attention_axes,)
        self._attention_axes = attention_axes
        self._built_from_signature = False
        self._query_shape = self._key_shape = self._value_shape = None
        shapes = (query_shape, key_shape, value_shape)
        if None not in shapes:
            # A config tf.keras wrote from a built layer: built on it.
            self._build_from_signature(query_shape, value_shape, key_shape)
            if self._initial_weights is not None:
                self.set_weights(self._initial_weights)
                self._initial_weights = None
        elif any(shape is not None for shape in shapes):
            _warn_unbuilt(type(self))

    # ------------------------------------------------------------- config
    def get_config(self):
        config = {
            'num_heads': self._num_heads,
            'key_dim': self._key_dim,
            'value_dim': self._value_dim,
            'dropout': self._dropout,
            'use_bias': self._use_bias,
            'output_shape': self._output_shape,
            'attention_axes': self._attention_axes,
            'kernel_initializer': initializers.serialize(
                self._kernel_initializer),
            'bias_initializer': initializers.serialize(
                self._bias_initializer),
            'kernel_regularizer': regularizers.serialize(
                self._kernel_regularizer),
            'bias_regularizer': regularizers.serialize(
                self._bias_regularizer),
            'activity_regularizer': regularizers.serialize(
                self.activity_regularizer),
            'kernel_constraint': constraints.serialize(
                self._kernel_constraint),
            'bias_constraint': constraints.serialize(self._bias_constraint),
            'query_shape': self._query_shape,
            'key_shape': self._key_shape,
            'value_shape': self._value_shape,
            'softmax_robust_masking': self._softmax_robust_masking,
        }
        base_config = super(MultiHeadAttention, self).get_config()
        return dict(list(base_config.items()) + list(config.items()))

    @classmethod
    def from_config(cls, config):
        """As tf.keras: a config with the three input shapes (written by a
        built layer) gives a built layer, whose weights can be set."""
        if all(config.get(key) is None for key in _SHAPE_KEYS):
            _warn_unbuilt(cls)    # (some only: __init__ warns)
        return cls(**config)

    # -------------------------------------------------------------- build
    def build(self, query_shape, value_shape=None, key_shape=None):
        """Builds on the shapes of query and value (and key), given as
        arguments or as the list `[query, value, key(, attention_mask)]`
        of the layer's list call."""
        if value_shape is None and _is_shape_list(query_shape):
            shapes = list(query_shape)
            query_shape, value_shape = shapes[0], shapes[1]
            key_shape = shapes[2] if len(shapes) > 2 else None
        if value_shape is None:
            raise ValueError('MultiHeadAttention.build needs the shapes of '
                             'query and value; received %r.' % (query_shape,))
        if not self._built_from_signature:
            self._build_from_signature(query_shape, value_shape, key_shape)
        self.built = True

    def _build_from_signature(self, query, value, key=None):
        """Creates the projections and the attention equations from the
        query, value and key (tensors or shapes), as tf.keras does; the
        projections are built at once, named as tf.keras names them when
        they build on the layer's first call (inside its scope)."""
        self._built_from_signature = True
        self.__dict__['_built_by_call'] = True
        self._query_shape = _shape_tuple(query)
        self._value_shape = _shape_tuple(value)
        self._key_shape = self._value_shape if key is None \
            else _shape_tuple(key)
        free_dims = len(self._query_shape) - 1
        heads = [self._num_heads, self._key_dim]
        self._query_dense = self._projection(free_dims, heads, 'query')
        self._key_dense = self._projection(len(self._key_shape) - 1, heads,
                                           'key')
        self._value_dense = self._projection(
            len(self._value_shape) - 1,
            [self._num_heads, self._value_dim], 'value')
        self._build_attention(free_dims + 2)
        self._output_dense = self._make_output_dense(
            free_dims, self._get_common_kwargs_for_sublayer(),
            'attention_output')
        heads_shape = tuple(self._query_shape[:-1]) + (self._num_heads,
                                                       self._value_dim)
        for layer, shape in ((self._query_dense, self._query_shape),
                             (self._key_dense, self._key_shape),
                             (self._value_dense, self._value_shape),
                             (self._output_dense, heads_shape)):
            layer.__dict__['_scope_parent'] = self
            layer.build(shape)
        self.built = True

    def _projection(self, free_dims, heads, name):
        equation, bias_axes, output_rank = _build_proj_equation(
            free_dims, bound_dims=1, output_dims=2)
        return EinsumDense(
            equation, output_shape=_get_output_shape(output_rank - 1, heads),
            bias_axes=bias_axes if self._use_bias else None, name=name,
            **self._get_common_kwargs_for_sublayer())

    def _get_common_kwargs_for_sublayer(self):
        """The projections' options. tf.keras also hands them the activity
        regularizer, which its EinsumDense drops: it is not passed."""
        return dict(kernel_regularizer=self._kernel_regularizer,
                    bias_regularizer=self._bias_regularizer,
                    kernel_constraint=self._kernel_constraint,
                    bias_constraint=self._bias_constraint,
                    dtype=self.dtype,
                    kernel_initializer=_clone(self._kernel_initializer),
                    bias_initializer=_clone(self._bias_initializer))

    def _make_output_dense(self, free_dims, common_kwargs, name=None):
        """The projection of the heads to `output_shape`."""
        if self._output_shape:
            output_shape = self._output_shape if isinstance(
                self._output_shape, collections.abc.Sized) \
                else [self._output_shape]
        else:
            output_shape = [self._query_shape[-1]]
        equation, bias_axes, output_rank = _build_proj_equation(
            free_dims, bound_dims=2, output_dims=len(output_shape))
        return EinsumDense(
            equation, output_shape=_get_output_shape(output_rank - 1,
                                                     output_shape),
            bias_axes=bias_axes if self._use_bias else None, name=name,
            **common_kwargs)

    def _build_attention(self, rank):
        """Resolves the attention axes for projected tensors of `rank`
        and tf.keras's equations (`_dot_product_equation`,
        `_combine_equation`), which subclasses may use."""
        if self._attention_axes is None:
            self._attention_axes = tuple(range(1, rank - 2))
        else:
            self._attention_axes = tuple(self._attention_axes)
        self._dot_product_equation, self._combine_equation, \
            attn_scores_rank = _build_attention_equation(
                rank, attn_axes=self._attention_axes)
        self._norm_axes = tuple(range(
            attn_scores_rank - len(self._attention_axes), attn_scores_rank))

    # ------------------------------------------------------------ calling
    def __call__(self, query, value=None, key=None, attention_mask=None,
                 return_attention_scores=False, training=None,
                 use_causal_mask=False, **kwargs):
        if value is None:
            query, value, key, attention_mask = _unpack_list(
                query, key, attention_mask)
        tensors = [query, value, value if key is None else key]
        if return_attention_scores:
            kwargs['return_attention_scores'] = True
        if use_causal_mask:
            kwargs['use_causal_mask'] = True
        if training is not None:
            kwargs['training'] = training
        if attention_mask is not None:
            if _is_symbolic(query) and not _is_symbolic(attention_mask):
                # A fixed mask in a functional model: an argument of the
                # call, as tf.keras keeps a constant.
                kwargs['attention_mask'] = attention_mask
            else:
                tensors.append(attention_mask)
        return super(MultiHeadAttention, self).__call__(tensors, **kwargs)

    @staticmethod
    def _entries_from_tensor_arguments(query, arguments):
        """tf.keras writes a call as `[query, node, tensor, {'value': [layer,
        node, tensor], 'key': ..., 'attention_mask': ..., ...}]`; this
        layer's node is `[query, value, key(, attention_mask)]`, each entry
        with the other arguments."""
        tensors = ('value', 'key', 'attention_mask')
        rest = {k: v for k, v in arguments.items() if k not in tensors}
        value = arguments['value']
        entries = [list(query), list(value[:3]),
                   list((arguments.get('key') or value)[:3])]
        if arguments.get('attention_mask') is not None:
            entries.append(list(arguments['attention_mask'][:3]))
        return [entry + [rest] for entry in entries]

    def forward(self, inputs, *args, **kwargs):
        """The list `[query, value, key(, attention_mask)]` made by
        `__call__`, handed to `call` as its arguments."""
        if not isinstance(inputs, (list, tuple)):
            return self.call(inputs, *args, **kwargs)
        if len(inputs) > 3:
            kwargs['attention_mask'] = inputs[3]
        return self.call(inputs[0], inputs[1], inputs[2], **kwargs)

    def call(self, query, value, key=None, attention_mask=None,
             return_attention_scores=False, training=None,
             use_causal_mask=False):
        if not self._built_from_signature:
            self._build_from_signature(query=query, value=value, key=key)
        if key is None:
            key = value
        causal_kernel = use_causal_mask and self._fused_causal_applies(
            query, value, key, attention_mask, return_attention_scores)
        attention_mask = self._compute_attention_mask(
            query, value, key=key, attention_mask=attention_mask,
            use_causal_mask=use_causal_mask and not causal_kernel)
        query = self._query_dense(query)
        key = self._key_dense(key)
        value = self._value_dense(value)
        if training is None:
            training = K.learning_phase()
        if return_attention_scores or not self._uses_fused_attention() or \
                self._masks_whole_rows(attention_mask):
            attention_output, attention_scores = self._compute_attention(
                query, key, value, attention_mask, training)
        else:
            attention_output = self._fused_attention(
                query, key, value, attention_mask, training, causal_kernel)
        attention_output = self._output_dense(attention_output)
        if return_attention_scores:
            return attention_output, attention_scores
        return attention_output

    def compute_mask(self, inputs, mask=None):
        """The query's mask (for the attention output only: the scores
        keep the attention mask, as tf.keras's softmax gives it them)."""
        if isinstance(mask, (list, tuple)):
            return None if not mask or mask[0] is None else [mask[0], None]
        return mask

    # ------------------------------------------------------------ masking
    def _compute_attention_mask(self, query, value, key=None,
                                attention_mask=None, use_causal_mask=False):
        """`attention_mask` and the query's [B, T, 1], value's and key's
        [B, 1, S] Keras masks and the causal mask, combined with `&` as
        tf.keras 2.10+ combines them; None where there is none."""
        auto_mask = None
        if getattr(query, '_keras_mask', None) is not None:
            auto_mask = query._keras_mask.bool().unsqueeze(2)
        for source in (value, key):
            source_mask = getattr(source, '_keras_mask', None)
            if source_mask is not None:
                mask = source_mask.bool().unsqueeze(1)
                auto_mask = mask if auto_mask is None else auto_mask & mask
        if use_causal_mask:
            mask = self._compute_causal_mask(query, value)
            auto_mask = mask if auto_mask is None else auto_mask & mask
        if attention_mask is not None:
            attention_mask = torch.as_tensor(attention_mask,
                                             device=query.device)
        if auto_mask is not None:
            attention_mask = auto_mask if attention_mask is None \
                else attention_mask.bool() & auto_mask
        return attention_mask

    def _compute_causal_mask(self, query, value=None):
        """A boolean [1, T, S] lower-triangular mask (T: the query's
        axis 1, S: the value's)."""
        q_length = query.shape[1]
        v_length = q_length if value is None else value.shape[1]
        return torch.ones(1, q_length, v_length, dtype=torch.bool,
                          device=query.device).tril()

    def _masked_softmax(self, attention_scores, attention_mask=None):
        """The softmax over the attention axes of the scores, masked
        positions pushed to -1e9 (float16: half its lowest value)."""
        if attention_mask is not None:
            attention_mask = self._expanded_mask(attention_mask,
                                                 attention_scores.dim())
            attention_scores = _apply_mask(attention_scores, attention_mask,
                                           self._softmax_robust_masking)
        axes = self._norm_axes
        if len(axes) > 1:
            scores = torch.exp(attention_scores - torch.logsumexp(
                attention_scores, dim=axes, keepdim=True))
        else:
            scores = torch.softmax(attention_scores, dim=axes[0])
        if attention_mask is not None:
            scores._keras_mask = attention_mask
        return scores

    def _expanded_mask(self, attention_mask, rank):
        """The mask with axes added before the query's attention axes
        (the heads' axis, then the missing batch axes) up to `rank`."""
        axis = -len(self._attention_axes) * 2 - 1
        for _ in range(rank - attention_mask.dim()):
            attention_mask = attention_mask.unsqueeze(axis)
        return attention_mask

    # ---------------------------------------------------------- attention
    def _compute_attention(self, query, key, value, attention_mask=None,
                           training=None):
        """tf.keras's dot-product attention on the projected query
        (B, T, N, key_dim), key (B, S, N, key_dim) and value
        (B, S, N, value_dim): (output (B, T, N, value_dim), scores
        (B, N, T, S)), other attention axes likewise; by matrix products
        over the flattened attention axes."""
        query = query * (1.0 / math.sqrt(float(self._key_dim)))
        layout = _HeadsLayout(query.dim(), self._attention_axes)
        q, t_shape = layout.to_matrices(query)
        k, s_shape = layout.to_matrices(key)
        v, _ = layout.to_matrices(value)
        scores = torch.matmul(q, k.transpose(-1, -2))
        scores = scores.reshape(scores.shape[:-2] + t_shape + s_shape)
        attention_scores = self._masked_softmax(scores, attention_mask)
        weights = attention_scores
        if training and self._dropout > 0:
            weights = F.dropout(weights, self._dropout, training=True)
        weights = weights.reshape(q.shape[:-1] + (k.shape[-2],))
        output = torch.matmul(weights, v)
        return layout.from_matrices(output, t_shape), attention_scores

    def _uses_fused_attention(self):
        """Whether the output may come from torch's fused attention: the
        class keeps tf.keras's softmax and attention, and masking adds
        -1e9 (as the fused kernel's additive mask does)."""
        cls = type(self)
        return not self._softmax_robust_masking and \
            cls._compute_attention is MultiHeadAttention._compute_attention \
            and cls._masked_softmax is MultiHeadAttention._masked_softmax \
            and cls._compute_attention_mask is \
            MultiHeadAttention._compute_attention_mask

    def _masks_whole_rows(self, attention_mask):
        """Whether some query may attend to no key (a padded query of a
        masked input). tf.keras then averages every value, its -1e9 scores
        being equal in float32; torch's fused kernel gives that output but
        not its gradient (its backward pass recomputes the softmax from a
        log-sum-exp rounded at -1e9), so such masks take the unfused
        path."""
        if attention_mask is None:
            return False
        keep = attention_mask if attention_mask.dtype == torch.bool \
            else attention_mask > 0.5
        key_axes = tuple(range(-len(self._attention_axes), 0))
        return not bool(keep.any(dim=key_axes).all())

    def _fused_causal_applies(self, query, value, key, attention_mask,
                              return_attention_scores):
        """Whether the causal mask is the only mask, for (B, T, dim)
        inputs: the fused kernel's own causal mask is then the same."""
        return not return_attention_scores and attention_mask is None and \
            self._uses_fused_attention() and query.dim() == 3 and \
            self._attention_axes == (1,) and all(
                getattr(x, '_keras_mask', None) is None
                for x in (query, value, key))

    def _fused_attention(self, query, key, value, attention_mask, training,
                         is_causal):
        """The output of `_compute_attention` from
        `F.scaled_dot_product_attention`, the mask added as -1e9."""
        layout = _HeadsLayout(query.dim(), self._attention_axes)
        q, t_shape = layout.to_matrices(query)
        k, s_shape = layout.to_matrices(key)
        v, _ = layout.to_matrices(value)
        bias = None
        if attention_mask is not None:
            rank = q.dim() - 2 + len(t_shape) + len(s_shape)
            mask = self._expanded_mask(attention_mask, rank)
            if len(t_shape) > 1:
                mask = mask.expand(q.shape[:-2] + t_shape + s_shape).reshape(
                    q.shape[:-1] + (k.shape[-2],))
            bias = (1. - mask.to(q.dtype)) * _large_negative(q.dtype)
        dropout = self._dropout if training and self._dropout > 0 else 0.
        output = F.scaled_dot_product_attention(
            q, k, v, attn_mask=bias, dropout_p=dropout, is_causal=is_causal,
            scale=1.0 / math.sqrt(float(self._key_dim)))
        return layout.from_matrices(output, t_shape)

    # ------------------------------------------------------------- shapes
    def compute_output_shape(self, query_shape, value_shape=None,
                             key_shape=None):
        """As tf.keras: the query's shape, its last dimension replaced by
        `output_shape` when given; query and value must have the same last
        dimension, value and key the same inner dimensions."""
        if value_shape is None and _is_shape_list(query_shape):
            shapes = list(query_shape)
            query_shape, value_shape = shapes[0], shapes[1]
            key_shape = shapes[2] if len(shapes) > 2 else None
        query_shape = _shape_tuple(query_shape)
        value_shape = _shape_tuple(value_shape)
        if query_shape[-1] != value_shape[-1]:
            raise ValueError(
                'The last dimension of `query_shape` and `value_shape` must '
                'be equal, but are %s, %s. Received: query_shape=%s, '
                'value_shape=%s' % (query_shape[-1], value_shape[-1],
                                    query_shape, value_shape))
        return self._attention_output_shape(query_shape, value_shape,
                                            key_shape)

    def _attention_output_shape(self, query_shape, value_shape, key_shape):
        key_shape = value_shape if key_shape is None else \
            _shape_tuple(key_shape)
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError('All dimensions of `value` and `key`, except '
                             'the last one, must be equal. Received %s and '
                             '%s' % (value_shape, key_shape))
        if self._output_shape:
            extra = self._output_shape if isinstance(
                self._output_shape, collections.abc.Sized) \
                else (self._output_shape,)
            return tuple(query_shape[:-1]) + tuple(extra)
        return tuple(query_shape)

    def _scores_shape(self, query_shape, key_shape):
        """The scores' shape: (batch and other non-attention axes, heads,
        query attention axes, key attention axes)."""
        rank = len(query_shape) + 1
        query = tuple(query_shape[:-1]) + (self._num_heads, self._key_dim)
        key = tuple(key_shape[:-1]) + (self._num_heads, self._key_dim)
        layout = _HeadsLayout(rank, self._attention_axes)
        return tuple(query[i] for i in layout.batch) + \
            tuple(query[a] for a in layout.axes) + \
            tuple(key[a] for a in layout.axes)

    def _output_shape_for(self, inputs, input_shape, args, kwargs):
        """The symbolic outputs' shapes: the output's, and the scores'
        with `return_attention_scores` (from the shapes, without running
        the layer); a subclass's own `call` is run to find them."""
        if type(self).call is not MultiHeadAttention.call:
            return super(MultiHeadAttention, self)._output_shape_for(
                inputs, input_shape, args, kwargs)
        query_shape, value_shape, key_shape = input_shape[:3]
        output = self._attention_output_shape(query_shape, value_shape,
                                              key_shape)
        if kwargs.get('return_attention_scores'):
            return [output, self._scores_shape(query_shape, key_shape)]
        return output


class _HeadsLayout(object):
    """Moves projected tensors (batch, ..., heads, channels) to matrices
    (batch and other axes, heads, flattened attention axes, channels), for
    `torch.matmul`, and back."""

    def __init__(self, rank, attention_axes):
        self.axes = [a % rank for a in attention_axes]
        self.batch = [i for i in range(rank)
                      if i not in self.axes and i != rank - 1]
        self.perm = self.batch + self.axes + [rank - 1]
        self.inverse = [int(i) for i in np.argsort(self.perm)]

    def to_matrices(self, x):
        """(x as matrices, the shape of its attention axes)."""
        x = x.permute(self.perm)
        nb, na = len(self.batch), len(self.axes)
        attention_shape = tuple(x.shape[nb:nb + na])
        if na > 1:
            x = x.reshape(x.shape[:nb] + (-1, x.shape[-1]))
        return x, attention_shape

    def from_matrices(self, x, attention_shape):
        if len(attention_shape) > 1:
            x = x.reshape(x.shape[:-2] + attention_shape + (x.shape[-1],))
        return x.permute(self.inverse)


# -------------------------------------------------------------- helpers
def _build_attention_equation(rank, attn_axes):
    """tf.keras's einsum equations of the query . key product and of the
    weighted sum of values, and the scores' rank."""
    target_notation = _CHR_IDX[:rank]
    batch_dims = tuple(np.delete(range(rank), attn_axes + (rank - 1,)))
    letter_offset = rank
    source_notation = ''
    for i in range(rank):
        if i in batch_dims or i == rank - 1:
            source_notation += target_notation[i]
        else:
            source_notation += _CHR_IDX[letter_offset]
            letter_offset += 1
    product_notation = ''.join(
        [target_notation[i] for i in batch_dims] +
        [target_notation[i] for i in attn_axes] +
        [source_notation[i] for i in attn_axes])
    dot_product_equation = '%s,%s->%s' % (source_notation, target_notation,
                                          product_notation)
    combine_equation = '%s,%s->%s' % (product_notation, source_notation,
                                      target_notation)
    return dot_product_equation, combine_equation, len(product_notation)


def _build_proj_equation(free_dims, bound_dims, output_dims):
    """An EinsumDense equation keeping `free_dims` axes, contracting
    `bound_dims` and adding `output_dims`; (equation, bias axes, output
    rank)."""
    input_str = kernel_str = output_str = bias_axes = ''
    for i in range(free_dims):
        input_str += _CHR_IDX[i]
        output_str += _CHR_IDX[i]
    for i in range(bound_dims):
        char = _CHR_IDX[free_dims + i]
        input_str += char
        kernel_str += char
    for i in range(output_dims):
        char = _CHR_IDX[free_dims + bound_dims + i]
        kernel_str += char
        output_str += char
        bias_axes += char
    equation = '%s,%s->%s' % (input_str, kernel_str, output_str)
    return equation, bias_axes, len(output_str)


def _get_output_shape(output_rank, known_last_dims):
    return [None] * (output_rank - len(known_last_dims)) + \
        list(known_last_dims)


def _apply_mask(scores, mask, robust):
    """tf.keras's masked softmax input: masked scores plus -1e9, or
    (robust) replaced by -1e9."""
    if robust:
        keep = mask if mask.dtype == torch.bool else mask > 0.5
        return torch.where(keep, scores, torch.as_tensor(
            _large_negative(scores.dtype), dtype=scores.dtype,
            device=scores.device))
    return scores + (1.0 - mask.to(scores.dtype)) * \
        _large_negative(scores.dtype)


def _large_negative(dtype):
    if dtype == torch.float16:
        return torch.finfo(torch.float16).min / 2.0
    return -1e9


def _warn_unbuilt(cls):
    _LOG.warning('One of dimensions of the input shape is missing. It '
                 'should have been memorized when the layer was '
                 'serialized. %s is created without weights.', cls)


def _clone(initializer):
    """A fresh initializer of the same config (tf.keras gives each
    projection its own)."""
    if hasattr(initializer, 'get_config') and \
            hasattr(type(initializer), 'from_config'):
        return type(initializer).from_config(initializer.get_config())
    return initializer


def _is_symbolic(x):
    return getattr(x, '_is_keras_symbolic', False)


def _is_shape_list(value):
    return isinstance(value, (list, tuple)) and len(value) > 0 and all(
        v is None or isinstance(v, (list, tuple)) or hasattr(v, 'as_list')
        for v in value) and not all(v is None for v in value)


def _shape_tuple(x):
    """A shape (tuple of ints and None) from a tensor, a symbolic tensor,
    a TensorShape or a list."""
    if hasattr(x, '_keras_shape'):
        x = x._keras_shape
    elif isinstance(x, (torch.Tensor, np.ndarray)):
        x = x.shape
    elif hasattr(x, 'as_list'):
        x = x.as_list()
    return tuple(None if d is None else int(getattr(d, 'value', d))
                 for d in x)


def _unpack_list(inputs, key, attention_mask):
    """(query, value, key, attention_mask) from `[query, value]`,
    `[query, value, key]` or `[query, value, key, attention_mask]`."""
    if not isinstance(inputs, (list, tuple)) or \
            not 2 <= len(inputs) <= 4:
        raise TypeError('MultiHeadAttention is called as `layer(query, '
                        'value)` (or on a list [query, value, key, '
                        'attention_mask]); received only %r.' % (inputs,))
    inputs = list(inputs)
    for index, given, name in ((2, key, 'key'),
                               (3, attention_mask, 'attention_mask')):
        if len(inputs) > index and given is not None:
            raise TypeError('MultiHeadAttention: %s given both in the '
                            'input list and as an argument.' % name)
    inputs += [key, attention_mask][len(inputs) - 2:]
    return inputs[0], inputs[1], inputs[2], inputs[3]
