import os
import random

import numpy as np
import pytest
import torch

os.environ.setdefault('KERAS_BACKEND', 'torch')
torch.set_num_threads(2)


@pytest.fixture(autouse=True)
def _fresh_state(request):
    """Seeds every RNG and resets Keras name counters for each test. Tests
    not marked `cuda` run on the CPU on every machine (they hand torch CPU
    tensors to layers and read results with `.numpy()`); the `cuda` tests
    cover the GPU path."""
    from keras_compat import backend as K
    if 'cuda' not in request.keywords:
        K.set_device('cpu')
    # (A test reaching `tf.keras` switches to tf.keras's defaults.)
    K.common.set_api_flavour('keras')
    K.common.set_executing_eagerly(True)
    K.clear_session()
    random.seed(1234)
    np.random.seed(1234)
    torch.manual_seed(1234)
    yield
    K.common.set_api_flavour('keras')
    K.common.set_executing_eagerly(True)
    K.clear_session()


@pytest.fixture
def graph_mode():
    """A TensorFlow 1 program: eager execution off (`_fresh_state` turns
    it back on)."""
    from keras_compat import backend as K
    K.common.set_executing_eagerly(False)
    yield


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason='needs a CUDA device')
    for item in items:
        if 'cuda' in item.keywords:
            item.add_marker(skip)
