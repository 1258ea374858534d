"""Published Keras notebooks' idioms (Deep Learning with Python, first
edition: MNIST, IMDB, Boston housing, character LSTM) run by
`python -m keras_compat run`, their datasets read from the Keras cache."""
import importlib.util
import json
import os
import re

import numpy as np
import pytest

from runner_process import run_keras_compat


def make_datasets(home):
    """Small files in the formats of mnist.npz, imdb.npz,
    imdb_word_index.json, boston_housing.npz and nietzsche.txt under
    `home`/.keras/datasets."""
    folder = os.path.join(home, '.keras', 'datasets')
    os.makedirs(folder, exist_ok=True)
    rng = np.random.RandomState(0)
    np.savez(os.path.join(folder, 'mnist.npz'),
             x_train=rng.randint(0, 256, (60, 28, 28)).astype('uint8'),
             y_train=rng.randint(0, 10, 60).astype('uint8'),
             x_test=rng.randint(0, 256, (20, 28, 28)).astype('uint8'),
             y_test=rng.randint(0, 10, 20).astype('uint8'))

    def sequences(n):
        out = np.empty(n, dtype=object)
        for i in range(n):
            out[i] = [1] + rng.randint(4, 150, rng.randint(4, 12)).tolist()
        return out
    np.savez(os.path.join(folder, 'imdb.npz'), x_train=sequences(40),
             y_train=rng.randint(0, 2, 40), x_test=sequences(20),
             y_test=rng.randint(0, 2, 20))
    with open(os.path.join(folder, 'imdb_word_index.json'), 'w') as f:
        json.dump({'w%d' % i: i for i in range(1, 150)}, f)
    np.savez(os.path.join(folder, 'boston_housing.npz'),
             x=rng.rand(40, 13) * 10, y=np.round(rng.rand(40) * 45 + 5, 1))
    with open(os.path.join(folder, 'nietzsche.txt'), 'w') as f:
        f.write('Supposing that Truth is a woman--what then? ' * 3)


SEEDED = ("rng = np.random.RandomState(1)\n"
          "model.set_weights([rng.uniform(-0.3, 0.3, w.shape)"
          ".astype('float32')\n"
          "                   for w in model.get_weights()])\n")

MNIST_IMDB = [
    "import keras\nimport numpy as np\nkeras.__version__",
    "from keras.datasets import mnist\n\n(train_images, train_labels), "
    "(test_images, test_labels) = mnist.load_data()",
    "train_images.shape",
    "from keras import models\nfrom keras import layers\n\n"
    "network = models.Sequential()\nnetwork.add(layers.Dense(8, "
    "activation='relu', input_shape=(28 * 28,)))\n"
    "network.add(layers.Dense(10, activation='softmax'))\n"
    "network.compile(optimizer='rmsprop',\n"
    "                loss='categorical_crossentropy',\n"
    "                metrics=['accuracy'])",
    "train_images = train_images.reshape((60, 28 * 28))\n"
    "train_images = train_images.astype('float32') / 255\n"
    "test_images = test_images.reshape((20, 28 * 28))\n"
    "test_images = test_images.astype('float32') / 255",
    "from keras.utils import to_categorical\n\n"
    "train_labels = to_categorical(train_labels)\n"
    "test_labels = to_categorical(test_labels)",
    "model = network\n" + SEEDED +
    "network.fit(train_images, train_labels, epochs=2, batch_size=16, "
    "verbose=0, shuffle=False);",
    "test_loss, test_acc = network.evaluate(test_images, test_labels, "
    "verbose=0)\nprint('mnist:', test_loss, test_acc)",
    "from keras.datasets import imdb\n\n(train_data, train_labels), "
    "(test_data, test_labels) = imdb.load_data(num_words=100)",
    "train_data[0]",
    "max([max(sequence) for sequence in train_data])",
    "word_index = imdb.get_word_index()\nreverse_word_index = dict("
    "[(value, key) for (key, value) in word_index.items()])\n"
    "decoded_review = ' '.join([reverse_word_index.get(i - 3, '?') "
    "for i in train_data[0]])\ndecoded_review",
    "def vectorize_sequences(sequences, dimension=100):\n"
    "    results = np.zeros((len(sequences), dimension))\n"
    "    for i, sequence in enumerate(sequences):\n"
    "        results[i, sequence] = 1.\n    return results\n\n"
    "x_train = vectorize_sequences(train_data)\n"
    "x_test = vectorize_sequences(test_data)\n"
    "y_train = np.asarray(train_labels).astype('float32')\n"
    "y_test = np.asarray(test_labels).astype('float32')",
    "from keras import optimizers, losses, metrics\n\n"
    "model = models.Sequential()\nmodel.add(layers.Dense(16, "
    "activation='relu', input_shape=(100,)))\n"
    "model.add(layers.Dense(1, activation='sigmoid'))\n"
    "model.compile(optimizer=optimizers.RMSprop(lr=0.001),\n"
    "              loss=losses.binary_crossentropy,\n"
    "              metrics=[metrics.binary_accuracy])\n" + SEEDED,
    "history = model.fit(x_train[10:], y_train[10:], epochs=3, "
    "batch_size=8, shuffle=False,\n                    validation_data=(x_train[:10], "
    "y_train[:10]), verbose=0)\nhistory_dict = history.history\n"
    "sorted(history_dict.keys())",
    "print('imdb:', history_dict['loss'], history_dict['val_loss'])",
    "results = model.evaluate(x_test, y_test, verbose=0)\n"
    "print('imdb results:', results)",
]

BOSTON_LSTM = [
    "import keras\nimport numpy as np\n"
    "from keras.datasets import boston_housing\n\n"
    "(train_data, train_targets), (test_data, test_targets) = "
    " boston_housing.load_data()",
    "train_data.shape",
    "train_targets",
    "mean = train_data.mean(axis=0)\ntrain_data -= mean\n"
    "std = train_data.std(axis=0)\ntrain_data /= std\n"
    "test_data -= mean\ntest_data /= std",
    "from keras import models\nfrom keras import layers\n\n"
    "def build_model():\n    model = models.Sequential()\n"
    "    model.add(layers.Dense(8, activation='relu',\n"
    "                           input_shape=(train_data.shape[1],)))\n"
    "    model.add(layers.Dense(1))\n"
    "    model.compile(optimizer='rmsprop', loss='mse', metrics=['mae'])\n"
    + ''.join('    ' + line + '\n' for line in SEEDED.splitlines()) +
    "    return model",
    "k = 4\nnum_val_samples = len(train_data) // k\nall_scores = []\n"
    "for i in range(k):\n    print('processing fold #', i)\n"
    "    val_data = train_data[i * num_val_samples: (i + 1) * "
    "num_val_samples]\n"
    "    val_targets = train_targets[i * num_val_samples: (i + 1) * "
    "num_val_samples]\n"
    "    partial_train_data = np.concatenate(\n"
    "        [train_data[:i * num_val_samples],\n"
    "         train_data[(i + 1) * num_val_samples:]], axis=0)\n"
    "    partial_train_targets = np.concatenate(\n"
    "        [train_targets[:i * num_val_samples],\n"
    "         train_targets[(i + 1) * num_val_samples:]], axis=0)\n"
    "    model = build_model()\n"
    "    model.fit(partial_train_data, partial_train_targets,\n"
    "              epochs=2, batch_size=1, verbose=0, shuffle=False)\n"
    "    val_mse, val_mae = model.evaluate(val_data, val_targets, "
    "verbose=0)\n    all_scores.append(val_mae)",
    "print('boston:', all_scores)",
    "from keras import backend as K\n\nK.clear_session()",
    "path = keras.utils.get_file(\n    'nietzsche.txt',\n"
    "    origin='https://s3.amazonaws.com/text-datasets/nietzsche.txt')\n"
    "text = open(path).read().lower()\nprint('Corpus length:', len(text))",
    "maxlen = 10\nstep = 3\nsentences = []\nnext_chars = []\n"
    "for i in range(0, len(text) - maxlen, step):\n"
    "    sentences.append(text[i: i + maxlen])\n"
    "    next_chars.append(text[i + maxlen])\n"
    "chars = sorted(list(set(text)))\n"
    "print('Unique characters:', len(chars))\n"
    "char_indices = dict((char, chars.index(char)) for char in chars)\n"
    "x = np.zeros((len(sentences), maxlen, len(chars)), dtype=np.bool)\n"
    "y = np.zeros((len(sentences), len(chars)), dtype=np.bool)\n"
    "for i, sentence in enumerate(sentences):\n"
    "    for t, char in enumerate(sentence):\n"
    "        x[i, t, char_indices[char]] = 1\n"
    "    y[i, char_indices[next_chars[i]]] = 1",
    "from keras import layers\n\nmodel = keras.models.Sequential()\n"
    "model.add(layers.LSTM(8, input_shape=(maxlen, len(chars)),\n                      unit_forget_bias=False))\n"
    "model.add(layers.Dense(len(chars), activation='softmax'))\n"
    "optimizer = keras.optimizers.RMSprop(lr=0.01)\n"
    "model.compile(loss='categorical_crossentropy', optimizer=optimizer)\n"
    + SEEDED,
    "def sample(preds, temperature=1.0):\n"
    "    preds = np.asarray(preds).astype('float64')\n"
    "    preds = np.log(preds) / temperature\n"
    "    exp_preds = np.exp(preds)\n"
    "    preds = exp_preds / np.sum(exp_preds)\n"
    "    probas = np.random.multinomial(1, preds, 1)\n"
    "    return np.argmax(probas)",
    "import sys\nnp.random.seed(0)\n"
    "h = model.fit(x, y, batch_size=16, epochs=2, verbose=0,\n              shuffle=False)\n"
    "print('lstm loss:', h.history['loss'])\n"
    "generated_text = text[:maxlen]\nfor temperature in [0.2, 1.0]:\n"
    "    for i in range(5):\n"
    "        sampled = np.zeros((1, maxlen, len(chars)))\n"
    "        for t, char in enumerate(generated_text):\n"
    "            sampled[0, t, char_indices[char]] = 1.\n"
    "        preds = model.predict(sampled, verbose=0)[0]\n"
    "        generated_text += chars[sample(preds, temperature)]\n"
    "        generated_text = generated_text[1:]\n"
    "    sys.stdout.write(generated_text + '\\n')\n"
    "print('preds:', preds[:4])",
]


def run_notebook(tmp_path, cells):
    """Runs `cells` as a notebook with a Keras cache holding the small
    datasets; (exit status, stdout, stderr)."""
    home = tmp_path / 'home'
    make_datasets(str(home))
    path = tmp_path / 'book.ipynb'
    path.write_text(json.dumps({
        'nbformat': 4, 'nbformat_minor': 2, 'metadata': {'kernelspec': {
            'name': 'python3', 'language': 'python'}},
        'cells': [{'cell_type': 'code', 'metadata': {}, 'outputs': [],
                   'execution_count': None, 'source': cell.splitlines(True)}
                  for cell in cells]}))
    done = run_keras_compat(['run', str(path)], cwd=str(tmp_path),
                            env={'HOME': str(home), 'KERAS_HOME': None})
    return done.returncode, done.stdout, done.stderr


def numbers(line):
    return [float(n) for n in re.findall(r'-?\d+\.\d*(?:e-?\d+)?', line)]


def line_of(out, prefix):
    return next(line for line in out.splitlines() if line.startswith(prefix))


def test_mnist_and_imdb_notebook_idioms(tmp_path):
    status, out, err = run_notebook(tmp_path, MNIST_IMDB)
    assert status == 0, err
    lines = out.splitlines()
    assert lines[:2] == ["'2.3.1'", '(60, 28, 28)']
    # Keras 2.3.1 on TensorFlow 2.21, same cells, data and weights.
    assert numbers(line_of(out, 'mnist:')) == pytest.approx(
        [2.486023426055908, 0.15000000596046448], abs=1e-5)
    assert '[1, 4, 27, 2, 29, 9, 17, 68, 72, 71, 30, 2, 34]' in lines
    assert '99' in lines
    assert "'? w1 w24 ? w26 w6 w14 w65 w69 w68 w27 ? w31'" in lines
    assert ("['binary_accuracy', 'loss', 'val_binary_accuracy', "
            "'val_loss']") in lines
    assert numbers(line_of(out, 'imdb:')) == pytest.approx(
        [0.6929301, 0.6824284, 0.6758146, 0.6655881524085998,
         0.667540454864502, 0.6692795991897583], abs=1e-5)
    assert numbers(line_of(out, 'imdb results:')) == pytest.approx(
        [0.7172530293464661, 0.550000011920929], abs=1e-5)


def test_boston_kfold_and_text_generation_idioms(tmp_path):
    status, out, err = run_notebook(tmp_path, BOSTON_LSTM)
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0] == '(32, 13)'
    # Keras 2.3.1 on TensorFlow 2.21, same cells, data and weights.
    assert numbers(' '.join(lines[1:4])) == pytest.approx(
        [34.2, 41.9, 36.4, 18.2, 13.5, 20.5, 5.4, 39.7, 20.5, 17.1, 11.,
         24., 29.5, 18.3, 49.3, 39.4, 15.4, 30.8, 15.7, 49.5, 22.6, 28.4,
         35.1, 29.7, 23.7, 40.5, 39.7, 20.4, 17.8, 42.8, 6.2, 44.2])
    assert ['processing fold # %d' % i for i in range(4)] == lines[4:8]
    assert numbers(line_of(out, 'boston:')) == pytest.approx(
        [26.118160247802734, 26.022014617919922, 28.139877319335938,
         29.251537322998047], abs=1e-4)
    assert 'Corpus length: 132' in lines
    assert 'Unique characters: 17' in lines
    assert numbers(line_of(out, 'lstm loss:')) == pytest.approx(
        [2.785776, 2.7300174], abs=1e-5)
    assert lines[-3:-1] == ['sing ta-tt', 'ta-tt-sa-t']
    assert numbers(line_of(out, 'preds:')) == pytest.approx(
        [0.08158966, 0.06475003, 0.05175995, 0.08939366], abs=1e-5)


def test_history_long_metric_names_and_missing_plotting_module(tmp_path):
    """Keras 2.0-2.2 logged `metrics=['mae']` as 'mean_absolute_error'
    (the notebooks read history.history['val_mean_absolute_error']);
    without matplotlib the plotting cell stops the run, named."""
    plotting = importlib.util.find_spec('matplotlib') is None
    cells = BOSTON_LSTM[:5] + [
        "model = build_model()\nhistory = model.fit(train_data, "
        "train_targets, validation_data=(test_data, test_targets),\n"
        "                    epochs=1, batch_size=8, verbose=0)\n"
        "mae_history = history.history['val_mean_absolute_error']\n"
        "print(mae_history == history.history['val_mae'])",
        "import matplotlib.pyplot as plt\n\nplt.plot(mae_history)",
    ]
    status, out, err = run_notebook(tmp_path, cells)
    assert out.splitlines()[-1] == 'True'
    if plotting:
        assert status == 1
        assert 'In [7]' in err and 'cell index 6' in err
        assert "No module named 'matplotlib'" in err
    else:
        assert status == 0, err
