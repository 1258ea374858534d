"""Reuse of freed host memory: large blocks freed by one training step
are reused by the next without page faults (glibc on Linux), unless the
environment opts out."""
import os
import platform
import subprocess
import sys

import pytest

PROBE = r'''
import resource, sys
import numpy as np
import keras_compat as keras
from keras_compat import layers
model = keras.Sequential([layers.Dense(1, input_shape=(4,))])
model.compile('sgd', 'mse')
model.train_on_batch(np.zeros((2, 4)), np.zeros((2, 1)))
import torch
block = 16 * 2 ** 20 // 4
faults = []
for step in range(10):        # a step's activation and its ReLU, freed
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    x = torch.ones(block)
    y = torch.relu(x)
    del x, y
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt -
                  before)
faults = sum(faults[2:])
from keras_compat.backend import host_memory
print(host_memory.reuse_freed_memory(), faults)
'''

glibc_linux = pytest.mark.skipif(
    not sys.platform.startswith('linux') or
    platform.libc_ver()[0] != 'glibc', reason='glibc malloc only')


def _probe(**env):
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith('MALLOC_')}
    environ.update(env)
    done = subprocess.run([sys.executable, '-c', PROBE], env=environ,
                          capture_output=True, text=True, check=True)
    applied, faults = done.stdout.split()[-2:]
    return applied == 'True', int(faults)


@glibc_linux
def test_a_freed_large_block_is_reused_without_page_faults():
    applied, faults = _probe()
    assert applied
    # Each step allocates 2 x 16 MB, 8192 pages of 4 KB: fresh memory
    # faults on each page, 65536 faults over steps 3 to 10. Reused memory
    # does not (a few placements may still grow the heap).
    assert faults < 4 * 4096


@glibc_linux
@pytest.mark.parametrize('env', [{'KERAS_COMPAT_HOST_MEMORY': 'system'},
                                 {'MALLOC_ARENA_MAX': '2'}])
def test_the_environment_keeps_the_system_behaviour(env):
    applied, _ = _probe(**env)
    assert not applied


PREDICT_PROBE = r'''
import resource, sys
import numpy as np
import keras_compat as keras
from keras_compat import layers
from keras_compat.backend import host_memory

def resident_mb():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * 4096 / 2 ** 20

# Each batch's hidden activation is 8192 x 2048 float32 = 64 MB, above the
# 32 MB that glibc keeps outside evaluate/predict.
model = keras.Sequential([layers.Dense(2048, activation='relu',
                                       input_shape=(16,)),
                          layers.Dense(1)])
x = np.random.RandomState(0).rand(8 * 8192, 16).astype('float32')
model.predict(x[:8192], batch_size=8192)
resident_before = resident_mb()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
out = model.predict(x, batch_size=8192)
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
print(host_memory.reuse_freed_memory(), faults,
      resident_mb() - resident_before, out.shape[0])
'''


def _predict_probe(**env):
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith('MALLOC_')}
    environ.update(env)
    done = subprocess.run([sys.executable, '-c', PREDICT_PROBE],
                          env=environ, capture_output=True, text=True,
                          check=True)
    applied, faults, grown_mb, rows = done.stdout.split()[-4:]
    return applied == 'True', int(faults), float(grown_mb), int(rows)


@glibc_linux
def test_predict_reuses_activations_above_32_mb_and_returns_them():
    applied, faults, grown_mb, rows = _predict_probe()
    assert applied and rows == 8 * 8192
    # Mapped fresh, each of the 8 batches' 64 MB activation faults 16384
    # pages: 131072 in all. Kept, only the first batch's do.
    assert faults < 3 * 16384
    # Afterwards the freed activations are back with the system: what
    # stays resident is about the returned outputs (256 KB), not 64 MB.
    assert grown_mb < 32


@glibc_linux
def test_predict_maps_large_activations_fresh_when_opted_out():
    applied, faults, _, _ = _predict_probe(KERAS_COMPAT_HOST_MEMORY='system')
    assert not applied
    assert faults > 6 * 16384
