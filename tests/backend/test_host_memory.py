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


GROWTH_PROBE = r'''
import resource, sys
import numpy as np
import keras_compat as keras
from keras_compat import layers

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.

# Each batch's hidden activation is 8192 x 2048 float32 = 64 MB.
model = keras.Sequential([layers.Dense(2048, activation='relu',
                                       input_shape=(16,)),
                          layers.Dense(1)])
x = np.random.RandomState(0).rand(16 * 8192, 16).astype('float32')
model.predict(x[:2 * 8192], batch_size=8192)
after_two = peak_mb()
model.predict(x, batch_size=8192)
print(peak_mb() - after_two)
'''


@glibc_linux
def test_predict_peak_does_not_grow_with_the_batches_of_large_activations():
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith('MALLOC_')}
    done = subprocess.run([sys.executable, '-c', GROWTH_PROBE],
                          env=environ, capture_output=True, text=True,
                          check=True)
    grown_mb = float(done.stdout.split()[-1])
    # 14 more batches: kept in a fragmented heap, each 64 MB activation
    # would add its own (about 900 MB); mapped fresh, none stays.
    assert grown_mb < 128
