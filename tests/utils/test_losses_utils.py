"""keras.utils.losses_utils reductions."""
import numpy as np

import keras_compat as keras


def test_losses_utils_reductions():
    from keras_compat.utils import losses_utils
    values = np.array([[1., 2.], [3., 4.]], 'float32')
    R = losses_utils.Reduction
    assert float(losses_utils.reduce_weighted_loss(values, R.SUM)) == 10.
    assert float(losses_utils.reduce_weighted_loss(
        values, R.SUM_OVER_BATCH_SIZE)) == 2.5
    weighted = losses_utils.compute_weighted_loss(
        values, sample_weight=np.array([1., 0.], 'float32'),
        reduction=R.SUM)
    assert float(weighted) == 3.
    mse = keras.losses.MeanSquaredError(reduction=R.SUM)
    assert mse.reduction == R.SUM
