"""Model files that packages ship in their wheels, loaded the way each
package loads them: mordecai 2.0.3 (Keras 2.0.8 `load_model`), shakkala 1.7
(Keras 2.0.8 GRU through `tf.compat.v1.keras`), chars2vec 0.1.7 (Keras 2.2
weights into a model built in code), ethnicolr 0.8.1 (tf.keras 2.5 file
whose LSTM node keeps `training=True`), deeplc 2.2 (tf.keras 2.10 file with
a '<lambda>' activation given by custom_objects) and rnnmorph 0.4.1
(`model_from_json` of a tf.keras 2.8 JSON with a ReversedLSTM subclass,
weights from a 2.1.4 file).

tests/data/packaged_more/ holds mordecai's rank_model.h5 (MIT licence) and
chars2vec's eng_50/weights.h5 (Apache License 2.0) as shipped; the other
files are small stand-ins in the same layouts, written by
make_packaged_more.py. Expected values come from tf_keras 2.21 on
TensorFlow 2.21 running the same code."""
import json
import os

import h5py
import numpy as np

from keras_compat import activations
from keras_compat import backend as K
from keras_compat.layers import LSTM, Input
from keras_compat.models import Model, load_model, model_from_json

DATA = os.path.join(os.path.dirname(__file__), 'data', 'packaged_more')


def _path(name):
    return os.path.join(DATA, name)


def test_keras208_sequential_file_with_rmsprop_state():
    # mordecai: keras.models.load_model(MODELS_PATH + "rank_model.h5")
    model = load_model(_path('mordecai_rank_model.h5'))
    x = np.linspace(-1, 1, 80).reshape(2, 40).astype('float32')
    # tf_keras 2.21
    np.testing.assert_allclose(
        model.predict(x),
        [[0.90981125831604, 0.08673686534166336, 0.0034318678081035614,
          2.0092231352464296e-05],
         [0.47415676712989807, 0.18169590830802917, 0.33678093552589417,
          0.007366406265646219]], rtol=1e-5, atol=1e-7)
    assert model.count_params() == 5716
    assert type(model.optimizer).__name__ == 'RMSprop'


def test_keras208_gru_without_reset_after_reads_as_keras2_did():
    # shakkala: tf.compat.v1.keras.models.load_model on a Keras 2.0.8 file
    # (list-form Sequential config, GRU config without reset_after).
    # tf_keras 2.21 refuses it (its GRU defaults to reset_after=True);
    # Keras 2.0-2.3 read it as reset_after=False, as here.
    model = load_model(_path('keras208_gru.h5'))
    assert model.layers[1].reset_after is False
    y = model.predict(np.array([[1, 2, 3, 4, 5], [8, 0, 0, 7, 6]]))
    # tf_keras 2.21, the same config with reset_after=False
    np.testing.assert_allclose(
        y[:, [0, 4]].reshape(4, 3),
        [[0.22117944061756134, 0.20439550280570984, 0.5744250416755676],
         [0.1787613034248352, 0.24730579555034637, 0.573932945728302],
         [0.18156634271144867, 0.24054011702537537, 0.5778934955596924],
         [0.20268873870372772, 0.20868206024169922, 0.5886292457580566]],
        rtol=1e-5)


def test_keras22_weights_into_stacked_lstm_built_in_code():
    # chars2vec's embedding model and load_weights(path + '/weights.h5')
    with h5py.File(_path('chars2vec_eng_50_weights.h5'), 'r') as f:
        assert f.attrs['keras_version'] in (b'2.2.0', '2.2.0')
    inp = Input(shape=(None, 59))
    x = LSTM(50, return_sequences=True)(inp)
    x = LSTM(50)(x)
    model = Model(inputs=[inp], outputs=x)
    model.load_weights(_path('chars2vec_eng_50_weights.h5'))
    words = np.zeros((2, 4, 59), 'float32')
    words[0, [1, 2, 3], [5, 0, 19]] = 1
    words[1, [0, 1, 2, 3], [11, 4, 4, 15]] = 1
    # tf_keras 2.21
    np.testing.assert_allclose(
        model.predict(words)[:, :6],
        [[-0.011180253699421883, -0.015570206567645073, -0.18013010919094086,
          -0.05241214483976364, -0.0875115841627121, 0.027340702712535858],
         [-0.03532029315829277, -0.027528341859579086, -0.10520917177200317,
          0.15580356121063232, -0.11999049782752991, 0.048583608120679855]],
        rtol=1e-5, atol=1e-7)


def test_saved_training_true_node_argument_keeps_dropout_in_predict():
    # ethnicolr: the LSTM was called with training=True when built; the
    # saved node keeps it, so predict runs its dropout.
    x = np.array([[0, 3, 5, 7, 1, 2], [11, 4, 4, 9, 0, 0]])
    model = load_model(_path('lstm_training_kwarg.h5'))
    first, second = model.predict(x), model.predict(x)
    assert np.abs(first - second).max() > 0
    model = load_model(_path('lstm_training_kwarg.h5'))
    cell = model.layers[2].cell
    cell.dropout = 0.
    cell.recurrent_dropout = 0.
    # tf_keras 2.21
    np.testing.assert_allclose(
        model.predict(x),
        [[0.24277152121067047, 0.7572285532951355],
         [0.25194239616394043, 0.7480576038360596]], rtol=1e-5)


def test_lambda_activation_named_lambda_from_custom_objects():
    # deeplc: load_model(mod, custom_objects={"<lambda>": lrelu})
    lrelu = lambda x: activations.relu(x, alpha=0.1, max_value=20.0)
    model = load_model(_path('lambda_activation.h5'),
                       custom_objects={'<lambda>': lrelu})
    xa = np.linspace(-30, 30, 30).reshape(2, 5, 3).astype('float32')
    xb = np.linspace(-3, 40, 8).reshape(2, 4).astype('float32')
    # tf_keras 2.21
    np.testing.assert_allclose(model.predict([xa, xb]),
                               [[0.344657838344574], [0.5431065559387207]],
                               rtol=1e-5)
    assert model.get_layer('dense_1').activation is lrelu
    assert type(model.optimizer).__name__ == 'Adam'


class ReversedLSTM(LSTM):
    """rnnmorph's layer: a go_backwards LSTM whose output is reversed."""

    def __init__(self, units, **kwargs):
        kwargs['go_backwards'] = True
        super().__init__(units, **kwargs)

    def call(self, inputs, **kwargs):
        y_rev = super().call(inputs, **kwargs)
        return K.reverse(y_rev, 1)


def test_model_from_json_with_lstm_subclass_and_old_weights_file():
    with open(_path('reversed_lstm_model.json'), encoding='utf-8') as f:
        text = f.read()
    assert json.loads(text)['class_name'] == 'Functional'
    model = model_from_json(text,
                            custom_objects={'ReversedLSTM': ReversedLSTM})
    model.load_weights(_path('reversed_lstm_weights.h5'))
    assert isinstance(model.get_layer('LSTM_1_backward'), ReversedLSTM)
    g = np.linspace(0, 1, 30).reshape(2, 3, 5).astype('float32')
    w = (np.arange(24).reshape(2, 3, 4) % 10).astype('float32')
    y = model.predict([g, w]).reshape(6, 4)
    # tf_keras 2.21
    np.testing.assert_allclose(
        y[[0, 5]],
        [[0.1113118901848793, 0.37436553835868835, 0.1583656221628189,
          0.35595691204071045],
         [0.10979481786489487, 0.37569400668144226, 0.15924683213233948,
          0.35526430606842041]], rtol=1e-5)
