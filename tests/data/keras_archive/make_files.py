"""Writes the reference `.keras` archives (and `.weights.h5` files) that
tests/saving/test_keras_archive.py loads, with the writer itself:

    # tf_keras 2.13+ (here 2.21; a virtualenv with tensorflow + tf_keras):
    python tests/data/keras_archive/make_files.py tf_keras
    # Keras 3 on its torch backend (NOT through `python -m keras_compat run`):
    KERAS_BACKEND=torch python tests/data/keras_archive/make_files.py keras3

(tests/saving/test_keras_archive.py imports `build` and `predict` from
here to make the same models with keras_compat; it needs no TensorFlow.)

For each model below it writes `<writer>_<model>.keras.gz` (the archive
exactly as `model.save('m.keras')` wrote it, gzipped to stay a few KB),
`<writer>_mlp.weights.h5.gz` / `<writer>_text.weights.h5.gz`
(`save_weights('m.weights.h5')`) and `<writer>.npz`: per model the inputs
(`<model>/x0`, `<model>/x1`), targets (`<model>/y`), the writer's
predictions (`<model>/pred`, several outputs concatenated) and, for
compiled models, its `evaluate` loss (`<model>/loss`) and the weights
after one more `train_on_batch` (`<model>/trained`, all of
`get_weights()` raveled and concatenated), which only match when the
optimizer state was restored (not for the MLP, whose Dropout makes
training random)."""
import gzip
import os
import shutil
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = ('mlp', 'two_inputs', 'conv', 'text', 'attention', 'nested')


def build(keras, name):
    """(model, inputs, targets) of one reference model, trained briefly so
    that BatchNormalization statistics and optimizer slots are not
    trivial."""
    L = keras.layers
    rng = np.random.RandomState(0)
    if name == 'mlp':
        model = keras.Sequential([
            keras.Input((3,)), L.Dense(4, activation='relu'),
            L.BatchNormalization(), L.Dropout(0.5),
            L.Dense(2, activation='softmax')], name='mlp')
        model.compile(keras.optimizers.Adam(0.01),
                      'categorical_crossentropy', metrics=['accuracy'])
        x = [rng.rand(8, 3).astype('float32')]
        y = np.eye(2, dtype='float32')[rng.randint(0, 2, 8)]
    elif name == 'two_inputs':
        a, b = keras.Input((3,), name='a'), keras.Input((2,), name='b')
        h = L.Concatenate()([L.Dense(4, activation='tanh')(a), b])
        model = keras.Model([a, b], L.Dense(1)(h), name='two_inputs')
        model.compile(keras.optimizers.RMSprop(0.01), 'mse',
                      metrics=['mae'])
        x = [rng.rand(8, 3).astype('float32'),
             rng.rand(8, 2).astype('float32')]
        y = rng.rand(8, 1).astype('float32')
    elif name == 'conv':
        model = keras.Sequential([
            keras.Input((6, 6, 1)), L.Conv2D(2, 3, activation='relu'),
            L.MaxPooling2D(), L.Flatten(), L.Dense(1)], name='conv')
        model.compile(keras.optimizers.SGD(0.01, momentum=0.9), 'mse')
        x = [rng.rand(8, 6, 6, 1).astype('float32')]
        y = rng.rand(8, 1).astype('float32')
    elif name == 'text':
        tokens = keras.Input((5,), dtype='int32')
        h = L.Embedding(10, 3)(tokens)
        h = L.Bidirectional(L.LSTM(2, return_sequences=True))(h)
        h = L.GRU(2, reset_after=True)(h)   # (Keras 2's default: False)
        model = keras.Model(tokens, L.Dense(1, activation='sigmoid')(h),
                            name='text')
        model.compile(keras.optimizers.Adam(0.01), 'binary_crossentropy',
                      metrics=['accuracy'])
        x = [rng.randint(0, 10, (8, 5)).astype('int32')]
        y = rng.randint(0, 2, (8, 1)).astype('float32')
    elif name == 'attention':
        inputs = keras.Input((4, 2))
        h = L.MultiHeadAttention(2, 2)(inputs, inputs)
        model = keras.Model(inputs, L.Dense(1)(L.GlobalAveragePooling1D()(h)),
                            name='attention')
        # (SGD: the key bias gets only rounding noise as its gradient,
        # which Adam would scale up to full steps.)
        model.compile(keras.optimizers.SGD(0.1), 'mse')
        x = [rng.rand(8, 4, 2).astype('float32')]
        y = rng.rand(8, 1).astype('float32')
    elif name == 'nested':
        # Nested models called inside, and giving the outputs.
        inner = keras.Sequential([keras.Input((3,)), L.Dense(3),
                                  L.BatchNormalization()], name='inner')
        block_in = keras.Input((3,))
        block = keras.Model(block_in, L.Dense(2)(block_in), name='block')
        tail = keras.Sequential([keras.Input((3,)), L.Dense(1)], name='tail')
        inputs = keras.Input((3,))
        h = inner(inputs)
        model = keras.Model(inputs, [block(h), tail(h)], name='nested')
        x = [rng.rand(8, 3).astype('float32')]
        y = rng.rand(8, 1).astype('float32')
        # Not compiled: the archive has no compile_config.
        return model, x, y
    else:
        raise ValueError(name)
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    return model, x, y


def predict(model, x):
    """The model's predictions, those of several outputs concatenated."""
    result = model.predict(x if len(x) > 1 else x[0], verbose=0)
    return np.concatenate(result, -1) if isinstance(result, list) \
        else result


def gzip_to(source, target):
    with open(source, 'rb') as f, gzip.GzipFile(target, 'wb',
                                                 mtime=0) as out:
        shutil.copyfileobj(f, out)
    os.remove(source)


def main(writer):
    if writer == 'tf_keras':
        import tf_keras as keras
    elif writer == 'keras3':
        import keras
        assert keras.__version__.startswith('3'), keras.__version__
    else:
        raise SystemExit('usage: make_files.py tf_keras|keras3')
    keras.utils.set_random_seed(0)
    arrays = {}
    for name in MODELS:
        model, x, y = build(keras, name)
        path = os.path.join(HERE, '%s_%s.keras' % (writer, name))
        model.save(path)
        gzip_to(path, path + '.gz')
        if name in ('mlp', 'text'):
            path = os.path.join(HERE, '%s_%s.weights.h5' % (writer, name))
            model.save_weights(path)
            gzip_to(path, path + '.gz')
        for i, value in enumerate(x):
            arrays['%s/x%d' % (name, i)] = value
        arrays[name + '/y'] = y
        arrays[name + '/pred'] = predict(model, x)
        if getattr(model, 'optimizer', None) is not None:
            arrays[name + '/loss'] = np.atleast_1d(
                model.evaluate(x, y, verbose=0))[0]
            if name != 'mlp':    # (its Dropout makes training random)
                model.train_on_batch(x, y)
                arrays[name + '/trained'] = np.concatenate(
                    [w.ravel() for w in model.get_weights()])
    np.savez_compressed(os.path.join(HERE, writer + '.npz'), **arrays)


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else '')
