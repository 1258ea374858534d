"""Comparison helpers of the parity suite."""
import numpy as np
import torch


def to_numpy(value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def assert_close(got, expected, atol=1e-5, rtol=1e-5, what=''):
    """Equal to `atol` relative to the reference's scale."""
    got, expected = to_numpy(got), to_numpy(expected)
    assert got.shape == expected.shape, (what, got.shape, expected.shape)
    scale = max(1., float(np.max(np.abs(expected))) if expected.size else 1.)
    np.testing.assert_allclose(got, expected, atol=atol * scale, rtol=rtol,
                               err_msg=what)
