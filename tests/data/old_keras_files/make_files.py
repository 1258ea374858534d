"""Writes the files of tests/saving/test_old_keras_version_files.py with a
standalone Keras 2.0.8 / 2.1.6 / 2.2.4 / 2.3.1 (TensorFlow backend):

    python make_files.py OUTDIR

Per Keras version it writes `<case>.h5.gz` (`model.save`),
`<case>_weights.h5.gz` (`save_weights`), `<case>_noopt.h5.gz`
(`include_optimizer=False`) and `expected.npz`: the inputs and targets,
the predictions of the saved model, the values `train_on_batch` returns
for three more steps after `load_model`, the optimizer's lr / decay /
iterations after loading, and the layers' names and parameter counts.

The builders below take the `keras` module, so the same code builds the
models in that Keras and in keras_compat."""
import gzip
import os
import shutil
import sys

import numpy as np


def double(x):
    """A plain function for a `Lambda` layer."""
    return x * 2.0 + 1.0


def make_scale(keras):
    """A custom layer (one trainable weight per feature)."""
    class Scale(keras.layers.Layer):
        def build(self, input_shape):
            self.gamma = self.add_weight(name='gamma',
                                         shape=(int(input_shape[-1]),),
                                         initializer='ones')
            super(Scale, self).build(input_shape)

        def call(self, inputs):
            return inputs * self.gamma

        def compute_output_shape(self, input_shape):
            return input_shape
    return Scale


def make_abs_error(K):
    """A loss / metric given as a function of backend ops."""
    def abs_error(y_true, y_pred):
        return K.mean(K.abs(y_true - y_pred), axis=-1)
    return abs_error


def build_conv(keras):
    L = keras.layers
    x = L.Input(shape=(8, 8, 3), name='image')
    h = L.Conv2D(4, (3, 3), padding='same', activation='relu',
                 name='conv')(x)
    h = L.BatchNormalization(momentum=0.9, name='bn')(h)
    h = L.SeparableConv2D(4, (3, 3), depth_multiplier=2, name='sep')(h)
    h = L.Conv2DTranspose(3, (3, 3), strides=(2, 2), padding='same',
                          name='deconv')(h)
    h = L.MaxPooling2D(name='pool')(h)
    h = L.Flatten(name='flat')(h)
    h = L.Dropout(0.0, name='drop')(h)
    y = L.Dense(3, activation='softmax', name='probs')(h)
    return keras.models.Model(x, y)


def build_rnn(keras):
    L = keras.layers
    return keras.models.Sequential([
        L.Embedding(12, 5, input_length=6, name='emb'),
        L.Bidirectional(L.LSTM(4, recurrent_activation='hard_sigmoid',
                                return_sequences=True), name='bilstm'),
        L.TimeDistributed(L.Dense(3, activation='tanh'), name='td'),
        L.GRU(4, recurrent_activation='hard_sigmoid', return_sequences=True,
              name='gru'),
        L.SimpleRNN(3, name='srnn'),
        L.Dense(2, name='out'),
    ])


def build_merge(keras):
    L = keras.layers
    a = L.Input(shape=(4,), name='a')
    b = L.Input(shape=(4,), name='b')
    da = L.Dense(4, activation='tanh', name='da')(a)
    db = L.Dense(4, name='db')(b)
    s = L.add([da, db], name='sum')
    d = L.subtract([da, db], name='diff')
    m = L.multiply([s, d], name='prod')
    mx = L.maximum([da, db], name='max')
    av = L.average([da, db], name='avg')
    dt = L.dot([da, db], axes=1, name='dot')
    c = L.concatenate([m, mx, av, dt], name='cat')
    c = L.Lambda(double, name='double')(c)
    c = make_scale(keras)(name='scale')(c)
    out1 = L.Dense(2, name='out1')(c)
    out2 = L.Dense(1, activation='sigmoid', name='out2')(c)
    return keras.models.Model([a, b], [out1, out2])


def build_mlp(keras):
    L = keras.layers
    return keras.models.Sequential([
        L.Dense(5, activation='tanh', input_shape=(3,), name='hidden'),
        L.Dense(2, name='out'),
    ])


def optimizers(keras, version):
    """Every Keras 2 optimizer, with non-default arguments."""
    O = keras.optimizers
    amsgrad = {} if version.startswith('2.0') else {'amsgrad': True}
    return {
        'sgd': O.SGD(lr=0.05, momentum=0.9, nesterov=True, decay=0.01),
        'rmsprop': O.RMSprop(lr=0.01, rho=0.8, decay=0.001),
        'adagrad': O.Adagrad(lr=0.05, decay=0.002),
        'adadelta': O.Adadelta(lr=1.0, rho=0.9),
        'adam': O.Adam(lr=0.01, beta_1=0.8, decay=0.001, **amsgrad),
        'adamax': O.Adamax(lr=0.02),
        'nadam': O.Nadam(lr=0.01, schedule_decay=0.005),
    }


def data(case):
    rng = np.random.RandomState(len(case))
    if case == 'conv':
        x = rng.uniform(-1, 1, (4, 8, 8, 3)).astype('float32')
        y = np.eye(3, dtype='float32')[[0, 1, 2, 1]]
    elif case == 'rnn':
        x = rng.randint(1, 12, (4, 6)).astype('int32')
        y = rng.uniform(-1, 1, (4, 2)).astype('float32')
    elif case == 'merge':
        x = [rng.uniform(-1, 1, (4, 4)).astype('float32') for _ in (0, 1)]
        y = [rng.uniform(-1, 1, (4, 2)).astype('float32'),
             np.array([[0.], [1.], [1.], [0.]], 'float32')]
    else:
        x = rng.uniform(-1, 1, (4, 3)).astype('float32')
        y = rng.uniform(-1, 1, (4, 2)).astype('float32')
    return x, y


def cases(keras, version):
    """(case, builder, compile arguments); one optimizer per model."""
    opts = optimizers(keras, version)
    fresh = optimizers(keras, version)
    abs_error = make_abs_error(keras.backend)
    out = [
        ('conv', build_conv, dict(optimizer=opts['adam'],
                                  loss='categorical_crossentropy',
                                  metrics=['accuracy'])),
        ('rnn', build_rnn, dict(optimizer=opts['rmsprop'], loss='mse',
                                metrics=['mae', abs_error])),
        ('merge', build_merge, dict(optimizer=opts['sgd'],
                                    loss=[keras.losses.mean_squared_error,
                                          'binary_crossentropy'],
                                    loss_weights=[1.0, 0.5],
                                    metrics=[abs_error])),
    ]
    for name in sorted(opts):
        out.append(('mlp_' + name, build_mlp,
                    dict(optimizer=fresh[name], loss=abs_error,
                         metrics=['mse'])))
    return out


def _flat(values):
    return np.asarray(values if isinstance(values, list) else [values],
                      dtype='float64')


def _gzip(path):
    with open(path, 'rb') as f, gzip.open(path + '.gz', 'wb') as g:
        shutil.copyfileobj(f, g)
    os.remove(path)


def write(outdir):
    import keras
    import keras.backend as K
    version = keras.__version__
    os.makedirs(outdir, exist_ok=True)
    custom = {'Scale': make_scale(keras),
              'abs_error': make_abs_error(K)}
    expected = {}
    for case, build, compile_args in cases(keras, version):
        np.random.seed(1)
        model = build(keras)
        model.compile(**compile_args)
        x, y = data(case)
        for _ in range(3):
            model.train_on_batch(x, y)
        path = os.path.join(outdir, case + '.h5')
        model.save(path)
        if case in ('conv', 'rnn', 'merge', 'mlp_adam'):
            model.save_weights(os.path.join(outdir, case + '_weights.h5'))
            keras.models.save_model(
                model, os.path.join(outdir, case + '_noopt.h5'),
                include_optimizer=False)
        loaded = keras.models.load_model(path, custom_objects=custom)
        pred = loaded.predict(x)
        for i, p in enumerate(pred if isinstance(pred, list) else [pred]):
            expected['%s/pred%d' % (case, i)] = p
        opt = loaded.optimizer
        expected[case + '/lr'] = float(K.get_value(opt.lr))
        expected[case + '/decay'] = float(K.get_value(opt.decay)) \
            if hasattr(opt, 'decay') else 0.0
        expected[case + '/iterations'] = float(K.get_value(opt.iterations))
        expected[case + '/steps'] = np.stack(
            [_flat(loaded.train_on_batch(x, y)) for _ in range(3)])
        expected[case + '/names'] = np.array(
            [layer.name for layer in model.layers])
        expected[case + '/params'] = np.array(
            [layer.count_params() for layer in model.layers])
        for i, v in enumerate(x if isinstance(x, list) else [x]):
            expected['%s/x%d' % (case, i)] = v
        for i, v in enumerate(y if isinstance(y, list) else [y]):
            expected['%s/y%d' % (case, i)] = v
    expected['keras_version'] = np.array(version)
    np.savez_compressed(os.path.join(outdir, 'expected.npz'), **expected)
    for name in os.listdir(outdir):
        if name.endswith('.h5'):
            _gzip(os.path.join(outdir, name))


if __name__ == '__main__':
    write(sys.argv[1])
