"""Scaling from one process to several: steps per process per epoch and
epoch time for 1 and 2 processes (Gloo on the CPU, one thread each), on
a `keras.utils.Sequence` workload and on an array workload of the same
model and data.

    python -m benchmarks.scaling [--quick] [--processes 1,2]
                                 [--write benchmarks/RESULTS.md]

Each configuration runs as its own processes with torchrun's variables;
rank 0 reports the steps and samples of an epoch and the median epoch
time after the first (warm-up) epoch. The goal: a Sequence splits like arrays, every process reading 1/N of
the data. (Arrays keep `batch_size` as the global batch, so each process
runs every step on 1/N of each batch; a Sequence's batches are whole, so
each process runs 1/N of the steps.)"""
import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CHILD = '''
import json, os, sys, time
import numpy as np
import keras_compat as keras
from keras_compat import layers

kind, samples, batch, epochs, out = sys.argv[1], int(sys.argv[2]), \\
    int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
rng = np.random.RandomState(0)
x = rng.rand(samples, 24, 24, 3).astype('float32')
y = keras.utils.to_categorical(rng.randint(0, 10, samples), 10)


class Batches(keras.utils.Sequence):
    def __len__(self):
        return (samples + batch - 1) // batch
    def __getitem__(self, i):
        return x[i * batch:(i + 1) * batch], y[i * batch:(i + 1) * batch]


class Timer(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.start, self.steps, self.samples = time.perf_counter(), 0, 0
    def on_batch_end(self, batch, logs=None):
        self.steps += 1
        self.samples += logs['size']
    def on_epoch_end(self, epoch, logs=None):
        if epoch:   # the first epoch warms up
            self.times.append(time.perf_counter() - self.start)
        self.report = (self.steps, self.samples,
                       sorted(self.times)[len(self.times) // 2]
                       if self.times else 0.)


model = keras.Sequential([
    layers.Conv2D(16, 3, activation='relu', input_shape=(24, 24, 3)),
    layers.Conv2D(32, 3, activation='relu'),
    layers.MaxPooling2D(2),
    layers.Flatten(),
    layers.Dense(10, activation='softmax')])
model.compile('adam', 'categorical_crossentropy')
timer = Timer()
timer.times = []
if kind == 'sequence':
    model.fit(Batches(), epochs=epochs, verbose=0, callbacks=[timer])
else:
    model.fit(x, y, batch_size=batch, epochs=epochs, verbose=0,
              callbacks=[timer])
if os.environ.get('RANK', '0') == '0':
    with open(out, 'w') as f:
        json.dump(timer.report, f)
'''


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def run(kind, processes, samples, batch, epochs, directory):
    """(steps, samples) of rank 0 in the timed epoch, and its
    seconds."""
    script = os.path.join(directory, 'child.py')
    with open(script, 'w') as f:
        f.write(textwrap.dedent(CHILD))
    out = os.path.join(directory, '%s_%d.json' % (kind, processes))
    port = str(_free_port())
    env = dict(os.environ, PYTHONPATH=ROOT, KERAS_COMPAT_DEVICE='cpu',
               OMP_NUM_THREADS='1')
    for key in ('WORLD_SIZE', 'RANK', 'LOCAL_RANK'):
        env.pop(key, None)
    procs = []
    for rank in range(processes):
        child_env = dict(env)
        if processes > 1:
            child_env.update(WORLD_SIZE=str(processes), RANK=str(rank),
                             LOCAL_RANK=str(rank), MASTER_ADDR='127.0.0.1',
                             MASTER_PORT=port)
        procs.append(subprocess.Popen(
            [sys.executable, script, kind, str(samples), str(batch),
             str(epochs), out],
            env=child_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True))
    for proc in procs:
        output, _ = proc.communicate(timeout=600)
        if proc.returncode:
            raise RuntimeError('%s with %d processes failed:\n%s'
                               % (kind, processes, output))
    with open(out) as f:
        return tuple(json.load(f))


def table(rows, counts):
    lines = ['| workload | processes | steps per process | samples per '
             'process | epoch s | speed-up |', '|---|---|---|---|---|---|']
    for kind in ('sequence', 'arrays'):
        base = rows[(kind, counts[0])][2]
        for n in counts:
            steps, samples, seconds = rows[(kind, n)]
            lines.append('| %s | %d | %d | %d | %.3f | %.2f |'
                         % (kind, n, steps, samples, seconds,
                            base / seconds))
    return '\n'.join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true',
                        help='tiny sizes: a correctness run, not timings')
    parser.add_argument('--processes', default='1,2')
    parser.add_argument('--write', default='')
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.processes.split(',')]
    samples, batch, epochs = (96, 16, 2) if args.quick else (4096, 64, 6)
    rows = {}
    with tempfile.TemporaryDirectory() as directory:
        for kind in ('sequence', 'arrays'):
            for n in counts:
                rows[(kind, n)] = run(kind, n, samples, batch, epochs,
                                     directory)
    text = table(rows, counts)
    header = ('Scaling (%s, Python %s, torch %s): a small convnet (Conv2D 16 '
              'and 32 on 24x24x3, 37k weights), %d samples in batches of '
              '%d, Gloo, 1 thread per process; rank 0\'s median epoch after the first.'
              % (platform.machine(), platform.python_version(),
                 __import__('torch').__version__, samples, batch))
    print(header)
    print()
    print(text)
    if args.write:
        with open(args.write, 'a') as f:
            f.write('\n### Scaling: one process to two\n\n`python -m '
                    'benchmarks.scaling`. %s\n\n%s\n' % (header, text))


if __name__ == '__main__':
    main()
