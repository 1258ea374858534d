"""Idioms of libraries that ship Keras weight files or build Keras models
inside (textgenrnn, mtcnn, keras-vggface, fer, livelossplot), written inline
on small models. Expected values were obtained from tf_keras 2.21 on
TensorFlow 2.21 running the same code (TensorFlow's oneDNN disabled where
noted: its strided 1x1 convolution crashes there), or read from the Keras
2.2.4 source where tf_keras differs on purpose."""
import h5py
import numpy as np

from keras_compat import backend as K
from keras_compat import initializers
from keras_compat.callbacks import Callback
from keras_compat.engine import InputSpec, Layer
from keras_compat.engine.topology import get_source_inputs
from keras_compat.layers import (
    LSTM, Activation, Conv1D, Conv2D, Dense, Embedding,
    GlobalAveragePooling1D, GlobalAveragePooling2D, Input, MaxPooling2D,
    PReLU, Reshape, Softmax, concatenate, multiply)
from keras_compat.models import Model, Sequential
from keras_compat.optimizers import SGD


# ------------------------------------------------ textgenrnn (Keras 2.1)
class AttentionWeightedAverage(Layer):
    """textgenrnn's attention layer as Keras 2.1 code wrote it (weights
    assigned to `trainable_weights` in `build`)."""

    def __init__(self, **kwargs):
        self.init = initializers.get('uniform')
        self.supports_masking = True
        super(AttentionWeightedAverage, self).__init__(**kwargs)

    def build(self, input_shape):
        self.input_spec = [InputSpec(ndim=3)]
        self.W = self.add_weight(shape=(input_shape[2], 1),
                                 name='{}_W'.format(self.name),
                                 initializer=self.init)
        self.trainable_weights = [self.W]
        super(AttentionWeightedAverage, self).build(input_shape)

    def call(self, x, mask=None):
        logits = K.dot(x, self.W)
        x_shape = K.shape(x)
        logits = K.reshape(logits, (x_shape[0], x_shape[1]))
        ai = K.exp(logits - K.max(logits, axis=-1, keepdims=True))
        if mask is not None:
            ai = ai * K.cast(mask, K.floatx())
        att = ai / (K.sum(ai, axis=1, keepdims=True) + K.epsilon())
        return K.sum(x * K.expand_dims(att), axis=1)

    def get_output_shape_for(self, input_shape):
        return self.compute_output_shape(input_shape)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])

    def compute_mask(self, input, input_mask=None):
        return None


def _write_keras215_weights(path):
    """A weights file in Keras 2.1.5's layout, as textgenrnn ships one: a
    CuDNNLSTM's (8 * units) bias, empty `weight_names` for layers without
    weights."""
    rs = np.random.RandomState(0)
    arrays = {
        'embedding': [('embedding/embeddings:0', rs.normal(0, 1, (12, 4)))],
        'rnn_1': [('rnn_1/kernel:0', rs.normal(0, .5, (4, 12))),
                  ('rnn_1/recurrent_kernel:0', rs.normal(0, .5, (3, 12))),
                  ('rnn_1/bias:0', rs.normal(0, .5, (24,)))],
        'attention': [('attention/attention_W:0', rs.normal(0, 1, (7, 1)))],
        'output': [('output/kernel:0', rs.normal(0, 1, (7, 12))),
                   ('output/bias:0', rs.normal(0, .1, (12,)))]}
    order = ['input', 'embedding', 'rnn_1', 'rnn_concat', 'attention',
             'output']
    with h5py.File(path, 'w') as f:
        f.attrs['backend'] = b'tensorflow'
        f.attrs['keras_version'] = b'2.1.5'
        f.attrs['layer_names'] = np.array([n.encode() for n in order])
        for name in order:
            group = f.create_group(name)
            weights = arrays.get(name, [])
            group.attrs['weight_names'] = \
                np.array([w.encode() for w, _ in weights]) if weights \
                else np.array([], dtype='float64')
            for wname, value in weights:
                group.create_dataset(wname, data=value.astype('float32'))


def test_textgenrnn_model_loads_keras215_cudnn_weights_by_name(tmp_path):
    path = str(tmp_path / 'textgenrnn_weights.hdf5')
    _write_keras215_weights(path)
    inp = Input(shape=(5,), name='input')
    emb = Embedding(12, 4, input_length=5, name='embedding')(inp)
    rnn = LSTM(3, return_sequences=True, recurrent_activation='sigmoid',
               name='rnn_1')(emb)
    cat = concatenate([emb, rnn], name='rnn_concat')
    att = AttentionWeightedAverage(name='attention')(cat)
    model = Model(inputs=[inp], outputs=[
        Dense(12, name='output', activation='softmax')(att)])
    model.load_weights(path, by_name=True)
    assert len(model.get_layer('attention').trainable_weights) == 1
    probs = model.predict(np.array([[0, 0, 3, 5, 7], [1, 2, 3, 4, 11]]),
                          batch_size=1)
    # tf_keras 2.21
    expected = [[0.1788374, 0.00084207, 0.17836799, 0.0085619, 0.00700383,
                 0.252477, 0.00170079, 0.09081255, 0.00617921, 0.2380688,
                 0.01138957, 0.02575895],
                [0.01789548, 0.00290598, 0.31745136, 0.00345599, 0.00259357,
                 0.13462706, 0.07764332, 0.14286216, 0.17248964, 0.06563846,
                 0.04794112, 0.01449594]]
    np.testing.assert_allclose(probs, expected, rtol=1e-5, atol=1e-7)
    # the CuDNN bias pair summed into one LSTM bias
    np.testing.assert_allclose(
        model.get_layer('rnn_1').get_weights()[2][:4],
        [0.8544061, 0.488155, -0.7743342, 0.8967248], rtol=1e-6)


# ------------------------------- fer / Xception-mini: strided 1x1 kernels
def _linspace_weights(model):
    model.set_weights([np.linspace(-0.5, 0.5, w.size).reshape(w.shape)
                       .astype('float32') for w in model.get_weights()])


def test_strided_pointwise_conv2d_with_few_channels_trains():
    # fer's emotion model: Conv2D(16, 1, strides=2) on 8 channels (the
    # residual shortcut). Its weight gradient on the CPU used to corrupt
    # the heap (oneDNN).
    model = Sequential([Conv2D(4, 1, strides=2, padding='same',
                               input_shape=(60, 60, 3)),
                        GlobalAveragePooling2D(), Dense(1)])
    _linspace_weights(model)
    model.compile(SGD(lr=0.1), 'mse')
    x = np.linspace(-1, 1, 2 * 60 * 60 * 3).reshape(2, 60, 60, 3) \
        .astype('float32')
    y = np.array([[1.], [-1.]], 'float32')
    losses = [model.train_on_batch(x, y) for _ in range(3)]
    # tf_keras 2.21, TF_ENABLE_ONEDNN_OPTS=0
    np.testing.assert_allclose(
        losses, [1.5088975429534912, 1.2353718280792236, 1.074967622756958],
        rtol=1e-5)
    np.testing.assert_allclose(
        model.get_weights()[0].ravel()[:5],
        [-0.34550136, -0.3575913, -0.36968118, -0.38177112, 0.01813496],
        rtol=1e-5, atol=1e-7)


def test_strided_pointwise_conv1d_with_few_channels_trains():
    model = Sequential([Conv1D(4, 1, strides=2, input_shape=(3600, 8)),
                        GlobalAveragePooling1D(), Dense(1)])
    _linspace_weights(model)
    model.compile(SGD(lr=0.1), 'mse')
    x = np.cos(np.arange(2 * 3600 * 8)).reshape(2, 3600, 8) \
        .astype('float32')
    y = np.array([[1.], [-1.]], 'float32')
    losses = [model.train_on_batch(x, y) for _ in range(3)]
    # tf_keras 2.21, TF_ENABLE_ONEDNN_OPTS=0
    np.testing.assert_allclose(
        losses, [1.0030643939971924, 1.0010108947753906, 1.0003283023834229],
        rtol=1e-5)
    np.testing.assert_allclose(
        model.get_weights()[0].ravel()[:3],
        [-0.5000796, -0.4677685, -0.43545732], rtol=1e-5)


# ------------------------------------------------------- mtcnn's P-Net
def test_mtcnn_pnet_idiom_on_any_image_size():
    inp = Input((None, None, 3))
    h = Conv2D(4, kernel_size=(3, 3), strides=(1, 1), padding='valid')(inp)
    h = PReLU(shared_axes=[1, 2])(h)
    h = MaxPooling2D(pool_size=(2, 2), strides=(2, 2), padding='same')(h)
    prob = Softmax(axis=3)(Conv2D(2, kernel_size=(1, 1))(h))
    box = Conv2D(4, kernel_size=(1, 1))(h)
    net = Model(inp, [box, prob])
    rs = np.random.RandomState(3)
    net.set_weights([rs.normal(0, .5, w.shape).astype('float32')
                     for w in net.get_weights()])
    image = np.linspace(0, 1, 9 * 7 * 3).reshape(1, 9, 7, 3) \
        .astype('float32')
    box_out, prob_out = net.predict(image)
    assert box_out.shape == (1, 4, 3, 4) and prob_out.shape == (1, 4, 3, 2)
    # tf_keras 2.21
    np.testing.assert_allclose(
        box_out.ravel()[:6], [0.08389544, 0.92118835, -0.29200017,
                              0.3132845, 0.08674746, 0.9422283],
        rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        prob_out[0, :, :, 1].ravel(),
        [0.61592555, 0.61788005, 0.6197656, 0.6295252, 0.6314519,
         0.6333102, 0.6429225, 0.64481884, 0.6466475, 0.6556634,
         0.6575281, 0.65932584], rtol=1e-5)


# --------------------------------------- keras-vggface's SENet-50 block
def test_vggface_squeeze_excitation_block_and_source_inputs():
    tensor = Input((4, 4, 8))
    se = GlobalAveragePooling2D()(tensor)
    se = Reshape((1, 1, 8))(se)
    se = Conv2D(2, (1, 1), use_bias=False, name='conv2_1_1x1_down')(se)
    se = Activation('relu')(se)
    se = Conv2D(8, (1, 1), use_bias=False, name='conv2_1_1x1_up')(se)
    se = Activation('sigmoid')(se)
    out = multiply([tensor, se])
    inputs = get_source_inputs(tensor)
    model = Model(inputs, out, name='vggface_senet50')
    model.set_weights([np.linspace(-1, 1, w.size).reshape(w.shape)
                       .astype('float32') for w in model.get_weights()])
    x = np.linspace(-2, 2, 2 * 128).reshape(2, 4, 4, 8).astype('float32')
    # tf_keras 2.21
    np.testing.assert_allclose(
        model.predict(x)[1, 2, 3],
        [0.71056765, 0.75179404, 0.793537, 0.83564246, 0.87795556,
         0.9203248, 0.9626042, 1.004655], rtol=1e-5)


# ---------------------------------- livelossplot 0.4's Keras 2 callback
class _ExtremaCallback(Callback):
    """livelossplot 0.4: metric names from `params['metrics']` at the
    start, every key of the epoch logs looked up among them."""

    def on_train_begin(self, logs={}):
        self.base = [m for m in self.params['metrics']
                     if not m.startswith('val_')]
        self.extrema = {fmt.format(m): {'min': float('inf'),
                                        'max': -float('inf')}
                        for m in self.base for fmt in ('{}', 'val_{}')}
        self.max_epoch = self.params['epochs']
        self.logs = []

    def on_epoch_end(self, epoch, logs={}):
        self.logs.append(dict(logs))
        for metric, value in logs.items():
            extrema = self.extrema[metric]
            extrema['min'] = min(extrema['min'], float(value))
            extrema['max'] = max(extrema['max'], float(value))


def test_keras2_callback_params_name_the_epoch_log_keys():
    x = np.linspace(0, 1, 60).reshape(20, 3).astype('float32')
    y = (x.sum(1) > 1.5).astype('float32')
    model = Sequential([Dense(1, activation='sigmoid', input_shape=(3,),
                              kernel_initializer='ones')])
    model.compile(SGD(lr=0.1), 'binary_crossentropy', metrics=['acc'])
    cb = _ExtremaCallback()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False,
              validation_data=(x[:5], y[:5]), callbacks=[cb])
    # Keras 2.2.4's training_arrays.fit_loop
    assert cb.params['metrics'] == ['loss', 'acc', 'val_loss', 'val_acc']
    assert cb.params['do_validation'] is True
    assert (cb.params['samples'], cb.params['batch_size']) == (20, 8)
    assert cb.max_epoch == 2
    # tf_keras 2.21
    np.testing.assert_allclose(
        [cb.logs[1][k] for k in ('loss', 'acc', 'val_loss', 'val_acc')],
        [0.607416, 0.55, 0.815127, 0.2], atol=2e-6)
    np.testing.assert_allclose(
        [cb.extrema['loss']['max'], cb.extrema['val_loss']['min']],
        [0.626794, 0.815127], atol=2e-6)
