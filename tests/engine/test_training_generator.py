"""fit/evaluate/predict on Python generators, keras.utils.Sequence and torch
DataLoaders/Datasets, with the Keras 2 and Keras 1 argument spellings."""
import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat import layers
from keras_compat.models import Sequential
from keras_compat.utils import Sequence


rng = np.random.RandomState(0)


def model_for(dim=4, classes=3):
    model = Sequential([layers.Dense(8, activation='relu', input_dim=dim),
                        layers.Dense(classes, activation='softmax')])
    model.compile('adam', 'categorical_crossentropy', metrics=['accuracy'])
    return model


class Batches(Sequence):
    def __init__(self, x, y, batch_size):
        self.x, self.y, self.batch_size = x, y, batch_size
        self.epochs_ended = 0

    def __len__(self):
        return int(np.ceil(len(self.x) / float(self.batch_size)))

    def __getitem__(self, idx):
        s = slice(idx * self.batch_size, (idx + 1) * self.batch_size)
        return self.x[s], self.y[s]

    def on_epoch_end(self):
        self.epochs_ended += 1


def arrays(n=64):
    x = rng.rand(n, 4).astype(np.float32)
    y = keras.utils.to_categorical(rng.randint(3, size=n), 3)
    return x, y


def test_fit_generator_with_python_generator():
    x, y = arrays()

    def gen():
        while True:
            for i in range(0, 64, 16):
                yield x[i:i + 16], y[i:i + 16]
    model = model_for()
    history = model.fit_generator(gen(), steps_per_epoch=4, epochs=2,
                                  verbose=0, validation_data=gen(),
                                  validation_steps=2)
    assert set(history.history) == {'loss', 'accuracy', 'val_loss',
                                    'val_accuracy'}
    loss = model.evaluate_generator(gen(), steps=4)
    assert loss[0] == pytest.approx(model.evaluate(x, y, verbose=0)[0],
                                    rel=1e-5)
    preds = model.predict_generator((x[i:i + 16] for i in range(0, 64, 16)),
                                    steps=4)
    np.testing.assert_allclose(preds, model.predict(x), rtol=1e-5,
                               atol=1e-6)


def test_fit_accepts_sequence_with_workers():
    x, y = arrays()
    seq = Batches(x, y, 16)
    model = model_for()
    model.fit(seq, epochs=2, verbose=0, workers=2)
    assert seq.epochs_ended >= 1
    history = model.fit_generator(Batches(x, y, 16), epochs=1, verbose=0,
                                  workers=2, use_multiprocessing=True)
    assert len(history.history['loss']) == 1
    assert model.evaluate(Batches(x, y, 32), verbose=0)[0] == \
        pytest.approx(model.evaluate(x, y, verbose=0)[0], rel=1e-5)


def test_generator_without_steps_is_an_error():
    model = model_for()
    with pytest.raises(ValueError, match='steps_per_epoch'):
        model.fit_generator((arrays(16) for _ in range(3)), epochs=1,
                            verbose=0)


def test_keras1_generator_arguments():
    x, y = arrays()

    def gen():
        while True:
            yield x[:16], y[:16]
    model = model_for()
    with pytest.warns(UserWarning):
        history = model.fit_generator(gen(), samples_per_epoch=3,
                                      nb_epoch=2, verbose=0)
    assert len(history.history['loss']) == 2


def test_torch_dataloader_and_dataset():
    x, y = arrays()
    dataset = torch.utils.data.TensorDataset(torch.tensor(x),
                                             torch.tensor(y))
    model = model_for()
    model.fit(torch.utils.data.DataLoader(dataset, batch_size=16), epochs=1,
              verbose=0)
    history = model.fit(dataset, batch_size=32, epochs=2, verbose=0)
    assert len(history.history['loss']) == 2


def test_generator_deferred_build():
    x, y = arrays()
    model = Sequential([layers.Dense(5), layers.Dense(3,
                                                      activation='softmax')])
    model.compile('sgd', 'categorical_crossentropy')

    def gen():
        while True:
            yield x[:8], y[:8]
    model.fit_generator(gen(), steps_per_epoch=2, epochs=1, verbose=0)
    assert model.built and model.input_shape == (None, 4)


def test_a_fractional_step_count_runs_its_ceiling():
    # Keras's ImageDataGenerator example passes steps_per_epoch=
    # len(x_train) / 32; Keras 2 loops while steps_done < steps.
    def batches():
        while True:
            yield rng.rand(8, 4), np.eye(3)[rng.randint(3, size=8)]
    steps = []
    counter = keras.callbacks.LambdaCallback(
        on_batch_end=lambda batch, logs: steps.append(batch))
    model = model_for()
    model.fit_generator(batches(), steps_per_epoch=20 / 8., epochs=1,
                        verbose=0, callbacks=[counter])
    assert steps == [0, 1, 2]
    assert model.predict_generator(batches(), steps=1.5).shape == (16, 3)
    model.fit(rng.rand(40, 4), np.eye(3)[rng.randint(3, size=40)],
              batch_size=8, steps_per_epoch=np.float64(2.2), epochs=1,
              verbose=0)
    for bad in (0., -1.5, float('nan'), True, 'two'):
        with pytest.raises(ValueError, match='steps_per_epoch'):
            model.fit_generator(batches(), steps_per_epoch=bad, verbose=0)


def test_finished_generators_leave_no_reader_thread():
    import time
    from thread_checks import reader_threads
    before = set(reader_threads(wait=0))

    def finite(n):
        for _ in range(n):
            yield rng.rand(4, 4), np.eye(3)[rng.randint(3, size=4)]
    model = model_for()
    # Read two batches of twelve: the reader fills the queue (10), ends
    # the generator and must not wait for room to say so.
    for _ in range(2):
        model.fit_generator(finite(12), steps_per_epoch=2, epochs=1,
                            verbose=0)
    model.evaluate_generator(finite(12), steps=2)
    model.predict_generator(finite(12), steps=2)
    deadline = time.time() + 5
    while time.time() < deadline and set(reader_threads(wait=0)) - before:
        time.sleep(0.05)
    assert not set(reader_threads(wait=0)) - before


@pytest.mark.parametrize('method', ['fit_generator', 'evaluate_generator'])
def test_an_empty_batch_from_a_generator_is_refused(method):
    def batches():
        yield rng.rand(4, 4), np.eye(3)[rng.randint(3, size=4)]
        yield np.zeros((0, 4)), np.zeros((0, 3))
        while True:
            yield rng.rand(4, 4), np.eye(3)[rng.randint(3, size=4)]
    model = model_for()
    kwargs = {'steps_per_epoch': 3, 'verbose': 0} \
        if method == 'fit_generator' else {'steps': 3}
    with pytest.raises(ValueError, match='empty batch'):
        getattr(model, method)(batches(), **kwargs)
