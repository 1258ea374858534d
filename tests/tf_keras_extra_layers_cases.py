"""tf.keras 2.x layers on fixed inputs and weights, for the tests of
keras_compat/layers/extra.py and convolutional_recurrent_nd.py
(tests/layers/test_extra_layers.py).

    TF_USE_LEGACY_KERAS=1 python tests/tf_keras_extra_layers_cases.py

under TensorFlow 2 with tf_keras writes tests/data/tf_keras_extra_layers.npz
(tf_keras 2.21 with TensorFlow 2.21 on the CPU wrote the file there now).
TF_USE_LEGACY_KERAS=1 makes `tf.keras` tf_keras, which tf_keras's own
SpectralNormalization needs (it builds a `tf.keras.layers.InputSpec`).

Per case `<id>`: the input `<id>/x`, the weights set before the call
`<id>/w<i>` (in `layer.weights` order), the outputs `<id>/out<i>`, the
gradients of sum(out_i * seed_i) (seeds `<id>/seed<i>`) with respect to
a float input (`<id>/gx`) and the trainable weights (`<id>/gw<i>`), the weights
after the call `<id>/after<i>`, the config keys `<id>/config_keys`, the
weight names without the layer scope `<id>/weight_names` and
compute_output_shape of `(None,) + x.shape[1:]` (-1 for None)
`<id>/output_shape`."""
import os

import numpy as np


def minimal_cell_class(lib):
    """tf.keras's AbstractRNNCell docstring example, written against
    `lib.layers.AbstractRNNCell` and `lib.backend`."""
    backend = lib.backend

    class MinimalRNNCell(lib.layers.AbstractRNNCell):

        def __init__(self, units, **kwargs):
            self.units = units
            super(MinimalRNNCell, self).__init__(**kwargs)

        @property
        def state_size(self):
            return self.units

        def build(self, input_shape):
            self.kernel = self.add_weight(
                shape=(input_shape[-1], self.units), initializer='uniform',
                name='kernel')
            self.recurrent_kernel = self.add_weight(
                shape=(self.units, self.units), initializer='uniform',
                name='recurrent_kernel')
            super(MinimalRNNCell, self).build(input_shape)

        def call(self, inputs, states):
            prev_output = states[0]
            h = backend.dot(inputs, self.kernel)
            output = h + backend.dot(prev_output, self.recurrent_kernel)
            return output, output

        def get_config(self):
            config = super(MinimalRNNCell, self).get_config()
            config['units'] = self.units
            return config

    return MinimalRNNCell


def two_state_cell_class(lib):
    """A cell with two states of different sizes and its own
    `output_size`, returning its new states as a list."""
    backend = lib.backend

    class TwoStateCell(lib.layers.AbstractRNNCell):

        def __init__(self, units, **kwargs):
            super(TwoStateCell, self).__init__(**kwargs)
            self.units = units

        @property
        def state_size(self):
            return [self.units, 2 * self.units]

        @property
        def output_size(self):
            return 3 * self.units

        def build(self, input_shape):
            self.kernel = self.add_weight(
                name='kernel', shape=(input_shape[-1], 3 * self.units))
            self.built = True

        def call(self, inputs, states):
            h, c = states
            z = backend.dot(inputs, self.kernel)
            new_h = backend.tanh(z[:, :self.units] + h)
            new_c = z[:, self.units:] * 0.5 + c
            return backend.concatenate([new_h, new_c]), [new_h, new_c]

    return TwoStateCell


def ones_state_cell_class(lib):
    """MinimalRNNCell starting from states of ones (`get_initial_state`
    overridden)."""
    base = minimal_cell_class(lib)
    backend = lib.backend

    class OnesStateCell(base):

        def get_initial_state(self, inputs=None, batch_size=None,
                              dtype=None):
            return backend.ones((batch_size, self.units), dtype=dtype)

    return OnesStateCell


def _rnn(cell_class, **kwargs):
    return lambda lib: lib.layers.RNN(cell_class(lib)(3),
                                      return_sequences=True, **kwargs)


# (id, layer maker taking a library namespace, input shape, call kwargs)
CASES = [
    ('identity', lambda lib: lib.layers.Identity(), (2, 3), {}),
    ('unit_norm', lambda lib: lib.layers.UnitNormalization(), (3, 4), {}),
    ('unit_norm_axes', lambda lib: lib.layers.UnitNormalization(
        axis=[1, 2]), (2, 3, 4), {}),
    ('group_norm', lambda lib: lib.layers.GroupNormalization(groups=2),
     (2, 5, 4), {}),
    ('group_norm_channels_first', lambda lib: lib.layers.GroupNormalization(
        groups=3, axis=1, epsilon=0.1, center=False), (2, 6, 3, 2), {}),
    ('group_norm_instance', lambda lib: lib.layers.GroupNormalization(
        groups=-1, scale=False), (2, 3, 3, 4), {}),
    ('conv1d_transpose_same', lambda lib: lib.layers.Conv1DTranspose(
        3, 3, strides=2, padding='same'), (2, 5, 4), {}),
    ('conv1d_transpose_valid_output_padding',
     lambda lib: lib.layers.Conv1DTranspose(
         2, 3, strides=3, output_padding=1, activation='tanh'),
     (2, 5, 4), {}),
    ('conv1d_transpose_even_kernel', lambda lib: lib.layers.Conv1DTranspose(
        2, 4, strides=2, padding='same', use_bias=False), (2, 6, 3), {}),
    ('conv1d_transpose_dilated', lambda lib: lib.layers.Conv1DTranspose(
        2, 3, dilation_rate=2), (2, 6, 3), {}),
    ('conv1d_transpose_dilated_same', lambda lib: lib.layers.Conv1DTranspose(
        2, 3, dilation_rate=2, padding='same'), (2, 6, 3), {}),
    ('conv1d_transpose_channels_first',
     lambda lib: lib.layers.Conv1DTranspose(
         2, 3, strides=2, data_format='channels_first'), (2, 3, 5), {}),
    ('depthwise_conv1d_channels_first',
     lambda lib: lib.layers.DepthwiseConv1D(
         2, padding='same', data_format='channels_first'), (2, 3, 5), {}),
    ('depthwise_conv1d_same', lambda lib: lib.layers.DepthwiseConv1D(
        3, strides=2, padding='same', depth_multiplier=2), (2, 7, 3), {}),
    ('depthwise_conv1d_dilated', lambda lib: lib.layers.DepthwiseConv1D(
        2, dilation_rate=2, activation='relu'), (2, 8, 3), {}),
    ('conv_lstm1d_same_sequences', lambda lib: lib.layers.ConvLSTM1D(
        3, 3, padding='same', return_sequences=True), (2, 4, 6, 2), {}),
    ('conv_lstm1d_strided_states', lambda lib: lib.layers.ConvLSTM1D(
        2, 2, strides=2, return_state=True, go_backwards=True),
     (2, 3, 7, 2), {}),
    ('conv_lstm1d_dilated', lambda lib: lib.layers.ConvLSTM1D(
        2, 3, dilation_rate=2, unit_forget_bias=False, use_bias=True),
     (2, 3, 8, 3), {}),
    ('conv_lstm1d_channels_first', lambda lib: lib.layers.ConvLSTM1D(
        2, 2, padding='same', data_format='channels_first',
        return_sequences=True), (2, 3, 2, 5), {}),
    ('conv_lstm3d', lambda lib: lib.layers.ConvLSTM3D(
        2, 2, padding='same', return_sequences=True), (2, 3, 3, 4, 3, 2),
     {}),
    ('spectral_dense_training', lambda lib: lib.layers.SpectralNormalization(
        lib.layers.Dense(3)), (4, 5), {'training': True}),
    ('spectral_dense_inference', lambda lib: lib.layers.SpectralNormalization(
        lib.layers.Dense(3)), (4, 5), {'training': False}),
    ('spectral_conv2d_training', lambda lib: lib.layers.SpectralNormalization(
        lib.layers.Conv2D(2, 3), power_iterations=3), (2, 5, 5, 3),
     {'training': True}),
    ('spectral_embedding_training',
     lambda lib: lib.layers.SpectralNormalization(
         lib.layers.Embedding(6, 3)), (2, 4), {'training': True}),
    ('rnn_minimal_cell', _rnn(minimal_cell_class), (2, 4, 5), {}),
    ('rnn_two_state_cell', _rnn(two_state_cell_class, return_state=True),
     (2, 4, 5), {}),
    ('rnn_ones_state_cell', _rnn(ones_state_cell_class), (2, 4, 5), {}),
]


# Cases whose input is integer ids below the given bound.
INT_INPUTS = {'spectral_embedding_training': 6}


def _shape_array(shape):
    if isinstance(shape, list):
        shape = shape[0]
    dims = shape.as_list() if hasattr(shape, 'as_list') else list(shape)
    return np.array([-1 if d is None else int(d) for d in dims])


def _case_values(tf, lib, index, case_id, make, shape, call_kwargs):
    rs = np.random.RandomState(100 + index)
    layer = make(lib)
    if case_id in INT_INPUTS:
        x = rs.randint(0, INT_INPUTS[case_id], size=shape).astype('int32')
    else:
        x = rs.uniform(-1, 1, size=shape).astype('float32')
    layer(x, **call_kwargs)
    weights = [rs.uniform(-0.5, 0.5, size=tuple(w.shape)).astype('float32')
               for w in layer.weights]
    layer.set_weights(weights)
    tx = tf.constant(x)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(tx)
        outs = layer(tx, **call_kwargs)
        outs = outs if isinstance(outs, list) else [outs]
        seeds = [rs.uniform(-1, 1, size=tuple(o.shape)).astype('float32')
                 for o in outs]
        loss = tf.add_n([tf.reduce_sum(o * s) for o, s in zip(outs, seeds)])
    values = {'x': x}
    if x.dtype.kind == 'f':
        values['gx'] = tape.gradient(loss, tx).numpy()
    for i, g in enumerate(tape.gradient(loss, layer.trainable_weights)):
        if g is None:
            g = np.zeros(layer.trainable_weights[i].shape, 'float32')
        # (An embedding's gradient is IndexedSlices.)
        values['gw%d' % i] = np.asarray(tf.convert_to_tensor(g))
    for name, arrays in (('w', weights), ('out', outs), ('seed', seeds),
                         ('after', layer.get_weights())):
        for i, a in enumerate(arrays):
            values['%s%d' % (name, i)] = np.asarray(a)
    values['config_keys'] = np.array(sorted(layer.get_config()))
    values['weight_names'] = np.array(
        [w.name.split('/', 1)[1] for w in layer.weights], dtype=str)
    try:
        values['output_shape'] = _shape_array(
            layer.compute_output_shape((None,) + shape[1:]))
    except NotImplementedError:
        # tf.keras's RNN asks `getattr(cell, 'output_size', None)`, which
        # raises for an AbstractRNNCell without `output_size`.
        values['output_shape_error'] = np.array('NotImplementedError')
    return {'%s/%s' % (case_id, k): v for k, v in values.items()}


def compute(tf, lib):
    values = {}
    for index, (case_id, make, shape, call_kwargs) in enumerate(CASES):
        values.update(_case_values(tf, lib, index, case_id, make, shape,
                                   call_kwargs))
    return values


if __name__ == '__main__':
    import tensorflow as tf
    import tf_keras
    np.savez(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          'data', 'tf_keras_extra_layers.npz'),
             **compute(tf, tf_keras))
