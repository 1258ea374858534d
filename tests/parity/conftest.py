"""The parity reference: Keras 3 on its torch backend (pure Python, the
`test` extra installs it). Where Keras 3 departs from Keras 2, tests use the
Keras 2 formula written out in numpy instead."""
import os

os.environ['KERAS_BACKEND'] = 'torch'

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402


def _import_keras3():
    try:
        import keras
    except ImportError:
        return None
    version = getattr(keras, '__version__', '')
    if not version.startswith('3') or 'keras_compat' in getattr(
            keras, '__file__', ''):
        return None
    return keras


@pytest.fixture(scope='session')
def k3():
    """The `keras` 3 module, or skip where it is not installed."""
    keras = _import_keras3()
    if keras is None:
        pytest.skip('Keras 3 (the parity reference) is not installed')
    return keras
