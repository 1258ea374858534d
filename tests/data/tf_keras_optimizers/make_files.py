"""Writes the tf_keras 2.21 files of this folder (run with TensorFlow and
tf_keras: `TF_USE_LEGACY_KERAS=1 python make_files.py OUT`, then gzip
lion.keras, adafactor.h5 and adafactor_ema.keras): a small model trained
two steps with Lion / Adafactor and saved. It prints the losses of the
next two steps, which the tests expect after loading."""
import sys

import numpy as np
from tensorflow import keras

OPTIMIZERS = {
    'lion': lambda: keras.optimizers.Lion(0.01),
    'adafactor': lambda: keras.optimizers.Adafactor(0.1,
                                                    relative_step=False),
    'adafactor_ema': lambda: keras.optimizers.Adafactor(
        use_ema=True, ema_overwrite_frequency=3),
}


def small_model():
    model = keras.Sequential([
        keras.layers.Dense(3, activation='tanh', input_shape=(4,)),
        keras.layers.Dense(2)])
    model.set_weights([np.cos(np.arange(np.prod(w.shape)) * 0.3 + i)
                       .reshape(w.shape) for i, w in enumerate(model.weights)])
    return model


def main(out):
    x = np.sin(np.arange(24).reshape(6, 4) * 0.5).astype('float32')
    y = np.cos(np.arange(12).reshape(6, 2)).astype('float32')
    for name, make in OPTIMIZERS.items():
        for ext in ('h5', 'keras'):
            keras.backend.clear_session()
            model = small_model()
            model.compile(make(), 'mse')
            for _ in range(2):
                model.train_on_batch(x, y)
            model.save('%s/%s.%s' % (out, name, ext))
            after = [float(model.train_on_batch(x, y)) for _ in range(2)]
            print(name, ext, np.round(after, 6).tolist())


if __name__ == '__main__':
    main(sys.argv[1])
