"""Data read batch by batch under torchrun, two Gloo processes on the
loopback interface: Sequences, DataLoaders and flow_from_directory
iterators are split by batch index (each process runs ceil(len / N)
steps, uneven lengths stay in lock-step), training matches one process
stepping on the merged batches of each round, evaluate and predict return
the whole, ordered result on every process; plain generators run
ceil(steps / N) steps from each process's own generator, with a
warning."""
import json

import numpy as np
import pytest

from test_distributed import _launch, _single

SCRIPT = '''
import json, os, sys, warnings
import numpy as np
import torch
import keras_compat as keras
from keras_compat import layers

out = sys.argv[1]
tag = os.environ.get('RANK', 'single')
rng = np.random.RandomState(0)
x = rng.rand(28, 3).astype('float32')
y = (x @ rng.rand(3, 2)).astype('float32')
init = [rng.uniform(-0.5, 0.5, s).astype('float32')
        for s in [(3, 4), (4,), (4, 2), (2,)]]


def make_model():
    model = keras.Sequential([layers.Dense(4, activation='tanh',
                                           input_shape=(3,)),
                              layers.Dense(2)])
    model.set_weights(init)
    model.compile(keras.optimizers.SGD(lr=0.1, momentum=0.5), 'mse',
                  metrics=['mae'])
    return model


class Batches(keras.utils.Sequence):
    """Batches of 4 rows; `merged` joins the batches of each round of two,
    as two processes train on them."""
    def __init__(self, groups, log=None):
        self.groups, self.log = groups, log
    def __len__(self):
        return len(self.groups)
    def __getitem__(self, i):
        if self.log is not None:
            self.log.append(i)
        rows = np.concatenate([np.arange(4 * g, 4 * g + 4)
                               for g in self.groups[i]])
        return x[rows], y[rows]


class StepCounter(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.steps = 0
    def on_batch_end(self, batch, logs=None):
        self.steps += 1
    def on_epoch_end(self, epoch, logs=None):
        counts.setdefault(self.name, []).append(self.steps)


counts = {}
results = {}
if tag == 'single':
    # One process stepping on the merged batches of each round of two.
    model = make_model()
    merged = Batches([[0, 1], [2, 3], [4, 5], [6]])
    history = model.fit(merged, epochs=2, shuffle=False, verbose=0)
else:
    model = make_model()
    read = []
    counter = StepCounter()
    counter.name = 'sequence'
    history = model.fit(Batches([[g] for g in range(7)], read), epochs=2,
                        shuffle=False, verbose=0, callbacks=[counter])
    results['read'] = np.array(read)
for i, w in enumerate(model.get_weights()):
    results['fit_%d' % i] = w
results['loss'] = np.array(history.history['loss'])
seq = Batches([[g] for g in range(7)])
results['evaluate'] = np.array(model.evaluate(seq, verbose=0))
results['predict'] = model.predict(seq)
results['evaluate_steps'] = np.array(model.evaluate(seq, steps=1,
                                                    verbose=0))
results['predict_steps'] = model.predict(seq, steps=3)

# A shuffled DataLoader of 28 rows in batches of 6 (5 batches, the last
# of 4), and validation on a Sequence of 7 batches.
loader = torch.utils.data.DataLoader(
    torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)),
    batch_size=6, shuffle=True)
counter = StepCounter()
counter.name = 'loader'
model = make_model()
history = model.fit(loader, epochs=2, verbose=0, callbacks=[counter],
                    validation_data=seq)
results['val_loss'] = np.array(history.history['val_loss'])
results['val_expected'] = np.array(model.evaluate(x, y, batch_size=4,
                                                  verbose=0))
for i, w in enumerate(model.get_weights()):
    results['loader_%d' % i] = w
ordered = torch.utils.data.DataLoader(
    torch.utils.data.TensorDataset(torch.from_numpy(x)), batch_size=5)
results['loader_predict'] = model.predict(ordered)
results['loader_expected'] = model.predict(x)

# flow_from_directory: 10 images in batches of 3 (4 batches).
from PIL import Image
root = os.path.join(out, 'images_%s' % tag)
for c in range(2):
    os.makedirs(os.path.join(root, 'class%d' % c), exist_ok=True)
    for k in range(5):
        Image.fromarray(np.full((6, 6, 3), 40 * k + c, 'uint8')).save(
            os.path.join(root, 'class%d' % c, 'img%d.png' % k))
flow = keras.preprocessing.image.ImageDataGenerator(
    rescale=1. / 255).flow_from_directory(root, target_size=(6, 6),
                                          batch_size=3, seed=3)
images = keras.Sequential([layers.Flatten(input_shape=(6, 6, 3)),
                           layers.Dense(2, activation='softmax')])
images.compile('sgd', 'categorical_crossentropy')
counter = StepCounter()
counter.name = 'flow'
images.fit(flow, epochs=2, verbose=0, callbacks=[counter])
for i, w in enumerate(images.get_weights()):
    results['flow_%d' % i] = w

# Random draws while batches are read differ between processes; the draws
# of on_epoch_end (a Sequence shuffling itself) are the same everywhere.
class Draws(Batches):
    def __init__(self):
        Batches.__init__(self, [[g] for g in range(4)])
        self.read_draws, self.epoch_draws = [], []
    def __getitem__(self, i):
        self.read_draws.append(np.random.rand())
        return Batches.__getitem__(self, i)
    def on_epoch_end(self):
        self.epoch_draws.append(np.random.rand())
draws = Draws()
make_model().fit(draws, epochs=2, verbose=0)
results['read_draws'] = np.array(draws.read_draws)
results['epoch_draws'] = np.array(draws.epoch_draws)

# A plain generator: ceil(5 / 2) = 3 steps per process, with a warning.
def endless():
    while True:
        yield x[:4], y[:4]
counter = StepCounter()
counter.name = 'generator'
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter('always')
    make_model().fit(endless(), steps_per_epoch=5, epochs=1, verbose=0,
                     callbacks=[counter])
counts['generator_warnings'] = sum('cannot be split' in str(w.message)
                                   for w in caught)

np.savez(os.path.join(out, 'data_%s.npz' % tag), **results)
with open(os.path.join(out, 'counts_%s.json' % tag), 'w') as f:
    json.dump(counts, f)
'''


@pytest.fixture(scope='module')
def sharded_run(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp('sharded')
    _single(SCRIPT, tmp_path)
    ranks = _launch(SCRIPT, tmp_path, timeout=240)
    for rank, (code, output) in enumerate(ranks):
        assert code == 0, 'rank %d failed:\n%s' % (rank, output)
    results = [np.load(str(tmp_path / ('data_%s.npz' % tag)))
               for tag in ('single', '0', '1')]
    counts = []
    for tag in ('single', '0', '1'):
        with open(str(tmp_path / ('counts_%s.json' % tag))) as f:
            counts.append(json.load(f))
    return results, counts


def test_each_process_runs_its_share_of_the_steps(sharded_run):
    _, counts = sharded_run
    for rank_counts in counts[1:]:
        assert rank_counts['sequence'] == [4, 4]     # 7 batches
        assert rank_counts['loader'] == [3, 3]       # 5 batches
        assert rank_counts['flow'] == [2, 2]         # 4 batches
        assert rank_counts['generator'] == [3]       # 5 steps
        assert rank_counts['generator_warnings'] == 1
    assert counts[0]['generator'] == [5]
    assert counts[0]['generator_warnings'] == 0


def test_processes_read_disjoint_batches_in_lock_step(sharded_run):
    (_, rank0, rank1), _ = sharded_run
    # Per epoch: rank 0 reads 0, 2, 4, 6; rank 1 reads 1, 3, 5 and, in
    # the last round, reruns batch 0 with weight 0.
    assert list(rank0['read']) == [0, 2, 4, 6] * 2
    assert list(rank1['read']) == [1, 3, 5, 0] * 2


def test_sequence_training_matches_one_process_on_merged_rounds(
        sharded_run):
    (single, rank0, rank1), _ = sharded_run
    for i in range(4):
        name = 'fit_%d' % i
        np.testing.assert_array_equal(rank0[name], rank1[name])
        np.testing.assert_allclose(rank0[name], single[name], rtol=1e-5,
                                   atol=1e-6)
    np.testing.assert_allclose(rank0['loss'], single['loss'], rtol=1e-5)
    np.testing.assert_allclose(rank1['loss'], single['loss'], rtol=1e-5)


def test_evaluate_and_predict_return_the_whole_ordered_result(
        sharded_run):
    (single, rank0, rank1), _ = sharded_run
    for result in (rank0, rank1):
        for name in ('evaluate', 'predict', 'evaluate_steps',
                     'predict_steps'):
            np.testing.assert_allclose(result[name], single[name],
                                       rtol=1e-5, atol=1e-6, err_msg=name)
        assert result['predict'].shape == (28, 2)
        assert result['predict_steps'].shape == (12, 2)
        np.testing.assert_allclose(result['loader_predict'],
                                   result['loader_expected'], rtol=1e-6)
        np.testing.assert_allclose(result['val_loss'][-1],
                                   result['val_expected'][0], rtol=1e-5)


def test_dataloader_and_flow_weights_equal_on_every_rank(sharded_run):
    (_, rank0, rank1), _ = sharded_run
    for name in rank0.files:
        if name.startswith(('loader_', 'flow_')) and \
                not name.endswith(('predict', 'expected')):
            np.testing.assert_array_equal(rank0[name], rank1[name],
                                          err_msg=name)


def test_numpy_draws_differ_while_reading_and_agree_at_epoch_end(
        sharded_run):
    (_, rank0, rank1), _ = sharded_run
    assert len(rank0['read_draws']) == len(rank1['read_draws']) == 4
    assert not np.isin(rank0['read_draws'], rank1['read_draws']).any()
    assert len(rank0['epoch_draws']) == 2
    np.testing.assert_array_equal(rank0['epoch_draws'], rank1['epoch_draws'])
