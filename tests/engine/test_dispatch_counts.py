"""keras_compat dispatches no more aten ops per training step than the
hand-written PyTorch loop of benchmarks/workloads.py for the same model.

Counted with a dispatch mode (as in test_host_sync.py) over the whole
second epoch (the first builds the optimizer slots and metric state),
divided by the number of steps; forward, backward, optimizer update,
metric accumulation and batch slicing all count on both sides. Small
shapes: the workloads' quick sizes, three steps an epoch."""
import numpy as np
import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

import keras_compat as keras
from benchmarks import run, workloads

STEPS = 3


class _Count(TorchDispatchMode):
    def __init__(self):
        super(_Count, self).__init__()
        self.recording = False
        self.ops = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if self.recording:
            self.ops += 1
        return func(*args, **(kwargs or {}))


def _workload(name):
    w = workloads.make(name, quick=True)
    n = STEPS * w.batch_size
    reps = -(-n // len(w.x))
    w.x = np.concatenate([w.x] * reps)[:n]
    w.y = np.concatenate([w.y] * reps)[:n]
    return w


def torch_ops_per_step(name):
    """The hand-written loop (benchmarks.run.torch_epoch), counted in
    its second epoch."""
    w = _workload(name)
    torch.manual_seed(0)
    model = w.torch_model()
    optimizer = w.torch_optimizer(model.parameters())
    x, y = w.torch_inputs(w.x), w.torch_targets(w.y)
    mode = _Count()
    model.train()
    with mode:
        for epoch in range(2):
            mode.recording = epoch == 1
            run.torch_epoch(w, model, optimizer, x, y)
            mode.recording = False
    return mode.ops / float(w.steps)


def keras_ops_per_step(name):
    w = _workload(name)
    np.random.seed(0)
    keras.backend.set_device('cpu')
    model = w.keras_model(keras)
    mode = _Count()

    class Toggle(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            mode.recording = epoch == 1

        def on_epoch_end(self, epoch, logs=None):
            mode.recording = False
    with mode:
        model.fit(w.x, w.y, epochs=2, verbose=0, callbacks=[Toggle()],
                  **w.keras_fit_kwargs())
    return mode.ops / float(w.steps)


@pytest.mark.parametrize('name', list(workloads.WORKLOADS))
def test_no_more_ops_per_step_than_hand_written_torch(name):
    ours = keras_ops_per_step(name)
    theirs = torch_ops_per_step(name)
    print('%s: keras_compat %.1f, torch %.1f aten ops per step'
          % (name, ours, theirs))
    assert ours <= theirs, (
        '%s: keras_compat dispatches %.1f aten ops per training step, the '
        'hand-written loop %.1f' % (name, ours, theirs))
