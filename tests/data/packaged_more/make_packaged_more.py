"""Writes the small model files of tests/test_packaged_model_files_more.py
in the layouts packages shipped them in. Run with tf_keras 2.21
(TF_USE_LEGACY_KERAS=1) from this directory."""
import json

import h5py
import numpy as np
import tensorflow as tf
import tf_keras as keras
from tf_keras import backend as K
from tf_keras import layers


def lstm_with_baked_training_kwarg():
    """tf.keras 2.5 (ethnicolr): the LSTM's node keeps {'training': True}."""
    inp = layers.Input((6,))
    x = layers.Embedding(12, 4)(inp)
    x = layers.LSTM(3, dropout=0.2, recurrent_dropout=0.2,
                    implementation=1)(x, training=True)
    model = keras.Model(inp, layers.Dense(2, activation='softmax')(x))
    _fill(model, 1)
    model.save('lstm_training_kwarg.h5')


def lambda_activation():
    """tf.keras 2.10 (deeplc): a lambda activation saved as '<lambda>'."""
    lrelu = lambda x: tf.keras.activations.relu(x, alpha=0.1, max_value=20.0)
    a = layers.Input((5, 3))
    b = layers.Input((4,))
    x = layers.Flatten()(layers.Conv1D(2, 2, activation=lrelu)(a))
    y = layers.Dense(3, activation=lrelu)(b)
    out = layers.Dense(1)(layers.Concatenate()([x, y]))
    model = keras.Model([a, b], out)
    _fill(model, 2)
    model.compile('adam', 'mae')
    model.train_on_batch([np.ones((2, 5, 3)), np.ones((2, 4))],
                         np.zeros((2, 1)))
    model.save('lambda_activation.h5')
    # tf.keras 2.10 serialized a lambda by its __name__
    with h5py.File('lambda_activation.h5', 'a') as f:
        config = json.loads(f.attrs['model_config'])
        for layer in config['config']['layers']:
            if isinstance(layer['config'].get('activation'), dict):
                layer['config']['activation'] = '<lambda>'
        f.attrs['model_config'] = json.dumps(config).encode()
        f.attrs['keras_version'] = b'2.10.0'


class ReversedLSTM(layers.LSTM):
    def __init__(self, units, **kwargs):
        kwargs['go_backwards'] = True
        super().__init__(units, **kwargs)

    def call(self, inputs, **kwargs):
        return K.reverse(super().call(inputs, **kwargs), 1)


def reversed_lstm_json():
    """rnnmorph: model_from_json of a tf.keras 2.8 JSON (a TimeDistributed
    functional model, ReversedLSTM) plus a weights file."""
    chars = layers.Input((4,), name='chars')
    c = layers.Embedding(10, 3, name='chars_embeddings')(chars)
    c = layers.Dense(4, name='dense_2')(layers.Reshape((12,))(c))
    char_model = keras.Model(chars, c)
    grams = layers.Input((None, 5), name='grammemes')
    words = layers.Input((None, 4), name='chars')
    g = layers.Dense(3, name='dense_1')(layers.Dropout(.2)(grams))
    w = layers.TimeDistributed(char_model)(words)
    x = layers.Concatenate(name='LSTM_input')([g, w])
    f = layers.LSTM(3, return_sequences=True, name='LSTM_1_forward')(x)
    r = ReversedLSTM(3, return_sequences=True, name='LSTM_1_backward')(x)
    x = layers.Concatenate(name='BiLSTM_input')([f, r])
    x = layers.Bidirectional(layers.LSTM(
        2, return_sequences=True, dropout=.3, recurrent_dropout=.3,
        recurrent_activation='hard_sigmoid', implementation=1))(x)
    x = layers.TimeDistributed(layers.Dense(3))(x)
    x = layers.TimeDistributed(layers.BatchNormalization())(x)
    x = layers.TimeDistributed(layers.Activation('relu'))(x)
    out = layers.Dense(4, activation='softmax', name='main_pred')(x)
    model = keras.Model([grams, words], out)
    _fill(model, 3)
    with open('reversed_lstm_model.json', 'w') as f:
        f.write(model.to_json())
    model.save_weights('reversed_lstm_weights.h5')
    with h5py.File('reversed_lstm_weights.h5', 'a') as f:
        f.attrs['keras_version'] = b'2.1.4'


def keras208_gru():
    """Keras 2.0.8 (shakkala): a list-form Sequential config whose GRU
    has no reset_after; the weights in 2.0.8's model_weights layout."""
    model = keras.Sequential([
        layers.Embedding(9, 4, input_length=5, name='embedding_2'),
        layers.GRU(3, return_sequences=True, reset_after=False,
                   recurrent_activation='hard_sigmoid', dropout=0.2,
                   recurrent_dropout=0.2, implementation=1, name='gru_1'),
        layers.Dense(4, activation='relu', name='dense_1'),
        layers.Dropout(0.1, name='dropout_1'),
        layers.Dense(3, activation='softmax', name='dense_2')])
    _fill(model, 4)
    entries = []
    for layer in model.layers:
        config = layer.get_config()
        for key in ('reset_after', 'time_major', 'zero_output_for_mask'):
            config.pop(key, None)
        entries.append({'class_name': layer.__class__.__name__,
                        'config': config})
    entries[0]['config']['batch_input_shape'] = [None, 5]
    with h5py.File('keras208_gru.h5', 'w') as f:
        f.attrs['keras_version'] = b'2.0.8'
        f.attrs['backend'] = b'tensorflow'
        f.attrs['model_config'] = json.dumps(
            {'class_name': 'Sequential', 'config': entries}).encode()
        group = f.create_group('model_weights')
        group.attrs['layer_names'] = [l.name.encode() for l in model.layers]
        group.attrs['keras_version'] = b'2.0.8'
        group.attrs['backend'] = b'tensorflow'
        for layer in model.layers:
            g = group.create_group(layer.name)
            names = ['%s/%s' % (layer.name, w.name.split('/')[-1])
                     for w in layer.weights]
            g.attrs['weight_names'] = [n.encode() for n in names]
            for n, w in zip(names, layer.get_weights()):
                g.create_dataset(n, data=w)


def _fill(model, seed):
    rs = np.random.RandomState(seed)
    values = [rs.uniform(-.6, .6, w.shape).astype('float32')
              for w in model.get_weights()]
    model.set_weights([abs(v) + .1 if 'moving_variance' in w.name else v
                       for v, w in zip(values, model.weights)])


if __name__ == '__main__':
    lstm_with_baked_training_kwarg()
    lambda_activation()
    reversed_lstm_json()
    keras208_gru()
