"""Keras 1 programs and Keras 1 model files as Keras 2 ran and loaded
them: the warnings naming the Keras 2 call (texts as Keras 2.2.4 printed
them), and the predictions of Keras 1.2.2 HDF5 files (written here in
Keras 1.2.2's layout: a list of layer configs, per-gate recurrent
weights, Theano-ordered kernels) as Keras 2.2.4 loaded them."""
import json
import warnings

import h5py
import numpy as np
import pytest

from keras_compat import layers, models, regularizers


def _messages(make):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        make()
    return [str(w.message) for w in caught
            if issubclass(w.category, UserWarning)]


# Expected texts: Keras 2.2.4's output for the same calls.
WARNING_CASES = [
    (lambda: layers.LSTM(4, consume_less='gpu', dropout_W=0.0,
                         dropout_U=0.0, inner_init='orthogonal',
                         forget_bias_init='one', return_sequences=True),
     ['Update your `LSTM` call to the Keras 2 API: `LSTM(4, '
      'return_sequences=True, unit_forget_bias=True, recurrent_initializer='
      '"orthogonal", dropout=0.0, recurrent_dropout=0.0, '
      'implementation=2)`']),
    (lambda: layers.LSTM(3, forget_bias_init='one'),
     ['Update your `LSTM` call to the Keras 2 API: `LSTM(3, '
      'unit_forget_bias=True)`']),
    (lambda: layers.BatchNormalization(mode=0, beta_init='zero',
                                       gamma_init='one'),
     ['Update your `BatchNormalization` call to the Keras 2 API: '
      '`BatchNormalization(beta_initializer="zero", '
      'gamma_initializer="one")`']),
    (lambda: layers.BatchNormalization(mode=0),
     ['Update your `BatchNormalization` call to the Keras 2 API: '
      '`BatchNormalization()`']),
    (lambda: layers.Conv2D(4, 3, 3, border_mode='same', subsample=(2, 2),
                           init='he_normal',
                           W_regularizer=regularizers.l2(0.01),
                           dim_ordering='th', input_shape=(2, 6, 6)),
     ['Update your `Conv2D` call to the Keras 2 API: `Conv2D(4, (3, 3), '
      'input_shape=(2, 6, 6), strides=(2, 2), padding="same", data_format='
      '"channels_first", kernel_initializer="he_normal", '
      'kernel_regularizer=<keras.reg...)`']),
    (lambda: layers.Embedding(7, 3, input_length=5, dropout=0.1,
                              init='uniform'),
     ['The `dropout` argument is no longer support in `Embedding`. You can '
      'apply a `keras.layers.SpatialDropout1D` layer right after the '
      '`Embedding` layer to get the same behavior.',
      'Update your `Embedding` call to the Keras 2 API: `Embedding(7, 3, '
      'input_length=5, embeddings_initializer="uniform")`']),
]


@pytest.mark.parametrize('make,expected', WARNING_CASES)
def test_keras1_spellings_warn_as_keras_2_2_4(make, expected):
    assert _messages(make) == expected


def _uniform(rng, *shape):
    return rng.uniform(-0.5, 0.5, shape).astype('float32')


def _write_keras1(path, layer_configs, weights, backend):
    """A model file as Keras 1.2.2's `model.save` laid it out."""
    with h5py.File(path, 'w') as f:
        f.attrs['keras_version'] = b'1.2.2'
        f.attrs['backend'] = backend.encode()
        f.attrs['model_config'] = json.dumps(
            {'class_name': 'Sequential', 'config': layer_configs}).encode()
        group = f.create_group('model_weights')
        group.attrs['layer_names'] = [c['config']['name'].encode()
                                      for c in layer_configs]
        for config in layer_configs:
            name = config['config']['name']
            layer_group = group.create_group(name)
            names = ['%s_%s' % (name, n) for n, _ in weights.get(name, [])]
            layer_group.attrs['weight_names'] = [n.encode() for n in names]
            for full, (_, value) in zip(names, weights.get(name, [])):
                layer_group.create_dataset(full, data=value)


_REG = {'W_regularizer': None, 'b_regularizer': None,
        'activity_regularizer': None, 'W_constraint': None,
        'b_constraint': None, 'bias': True}


def _conv_file(path, backend):
    rng = np.random.RandomState(0)
    conv = dict(_REG, name='convolution2d_1', trainable=True,
                batch_input_shape=[None, 2, 5, 5], input_dtype='float32',
                nb_filter=3, nb_row=3, nb_col=3, init='glorot_uniform',
                activation='relu', border_mode='valid', subsample=[1, 1],
                dim_ordering='th')
    batchnorm = {'name': 'batchnormalization_1', 'trainable': True,
                 'epsilon': 0.001, 'mode': 0, 'axis': -1,
                 'gamma_regularizer': None, 'beta_regularizer': None,
                 'momentum': 0.99}
    dense = dict(_REG, name='dense_1', trainable=True, output_dim=4,
                 init='glorot_uniform', activation='softmax', input_dim=27)
    configs = [{'class_name': 'Convolution2D', 'config': conv},
               {'class_name': 'Flatten',
                'config': {'name': 'flatten_1', 'trainable': True}},
               {'class_name': 'BatchNormalization', 'config': batchnorm},
               {'class_name': 'Dense', 'config': dense}]
    if backend == 'tensorflow':
        rng = np.random.RandomState(0)
        # (The same arrays as the Theano file's: drawn after it.)
        for shape in [(3, 2, 3, 3), (3,), (27,), (27,), (27,), (27,),
                      (27, 4), (4,)]:
            _uniform(rng, *shape)
    weights = {
        'convolution2d_1': [('W', _uniform(rng, 3, 2, 3, 3)),
                            ('b', _uniform(rng, 3))],
        # Keras 1 named the moving variance `running_std`.
        'batchnormalization_1': [('gamma', _uniform(rng, 27) + 1),
                                 ('beta', _uniform(rng, 27)),
                                 ('running_mean', _uniform(rng, 27)),
                                 ('running_std', _uniform(rng, 27) + 1)],
        'dense_1': [('W', _uniform(rng, 27, 4)), ('b', _uniform(rng, 4))]}
    _write_keras1(path, configs, weights, backend)


def _conv_inputs():
    return np.random.RandomState(5).rand(2, 2, 5, 5).astype('float32')


# Keras 2.2.4's load_model(...).predict of the same files and inputs.
CONV_EXPECTED = {
    'theano': [[0.292407, 0.096716, 0.260114, 0.350763],
               [0.268733, 0.027983, 0.39587, 0.307414]],
    'tensorflow': [[0.525446, 0.329347, 0.096804, 0.048403],
                   [0.55493, 0.313724, 0.105602, 0.025743]]}


@pytest.mark.parametrize('backend', ['theano', 'tensorflow'])
def test_keras1_th_convolution_file_predicts_as_keras_2_2_4(tmp_path,
                                                            backend):
    path = str(tmp_path / 'conv.h5')
    _conv_file(path, backend)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        model = models.load_model(path)
    assert model.layers[0].data_format == 'channels_first'
    np.testing.assert_allclose(model.predict(_conv_inputs()),
                               CONV_EXPECTED[backend], atol=1e-5)


def _recurrent_config(class_name, name, units, input_dim, **extra):
    config = {'name': name, 'trainable': True, 'return_sequences': True,
              'go_backwards': False, 'stateful': False, 'unroll': False,
              'consume_less': 'cpu', 'input_dim': input_dim,
              'input_length': None, 'output_dim': units,
              'init': 'glorot_uniform', 'inner_init': 'orthogonal',
              'activation': 'tanh', 'inner_activation': 'hard_sigmoid',
              'W_regularizer': None, 'U_regularizer': None,
              'b_regularizer': None, 'dropout_W': 0.0, 'dropout_U': 0.0}
    config.update(extra)
    return {'class_name': class_name, 'config': config}


def _recurrent_file(path):
    rng = np.random.RandomState(0)
    # (The conv files' arrays come first in the same random stream.)
    for shape in [(3, 2, 3, 3), (3,), (27,), (27,), (27,), (27,), (27, 4),
                  (4,)] * 2:
        _uniform(rng, *shape)
    embedding = {'name': 'embedding_1', 'trainable': True,
                 'batch_input_shape': [None, 5], 'input_dim': 7,
                 'output_dim': 3, 'init': 'uniform', 'input_length': 5,
                 'mask_zero': False, 'activity_regularizer': None,
                 'W_constraint': None, 'W_regularizer': None,
                 'dropout': 0.0}
    configs = [{'class_name': 'Embedding', 'config': embedding},
               _recurrent_config('LSTM', 'lstm_1', 4, 3,
                                 forget_bias_init='one'),
               _recurrent_config('GRU', 'gru_1', 2, 4,
                                 return_sequences=False)]
    weights = {'embedding_1': [('W', _uniform(rng, 7, 3))],
               'lstm_1': [], 'gru_1': []}
    # Keras 1 kept one kernel, recurrent kernel and bias per gate: LSTM
    # gates i, c, f, o; GRU gates z, r, h.
    for gate in 'icfo':
        weights['lstm_1'] += [('W_' + gate, _uniform(rng, 3, 4)),
                              ('U_' + gate, _uniform(rng, 4, 4)),
                              ('b_' + gate, _uniform(rng, 4))]
    for gate in 'zrh':
        weights['gru_1'] += [('W_' + gate, _uniform(rng, 4, 2)),
                             ('U_' + gate, _uniform(rng, 2, 2)),
                             ('b_' + gate, _uniform(rng, 2))]
    _write_keras1(path, configs, weights, 'theano')


def test_keras1_per_gate_recurrent_file_predicts_as_keras_2_2_4(tmp_path):
    path = str(tmp_path / 'rnn.h5')
    _recurrent_file(path)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        model = models.load_model(path)
    rng = np.random.RandomState(5)
    rng.rand(2, 2, 5, 5)
    tokens = rng.randint(0, 7, (3, 5))
    # Keras 2.2.4's load_model(...).predict of the same file and input.
    expected = [[-0.25168, 0.13182], [-0.247796, 0.127724],
                [-0.244547, 0.132815]]
    np.testing.assert_allclose(model.predict(tokens), expected, atol=1e-5)
    assert [l.get_config()['recurrent_activation']
            for l in model.layers[1:]] == ['hard_sigmoid', 'hard_sigmoid']
