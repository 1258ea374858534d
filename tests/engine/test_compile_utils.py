"""Loss and metric containers of compile()."""
import numpy as np
import pytest

import keras_compat as keras
from keras_compat import layers, models


def test_metric_object_for_every_output_is_cloned_per_output():
    # Keras 2.3: a flat metrics list on a two-output model gives each
    # output its own copy of a stateful metric.
    inp_1, inp_2 = layers.Input((1,), name='a'), layers.Input((1,), name='b')
    out_1 = layers.Dense(1, kernel_initializer='ones', use_bias=False,
                         trainable=False, name='output_1')(inp_1)
    out_2 = layers.Dense(1, kernel_initializer='ones', use_bias=False,
                         trainable=False, name='output_2')(inp_2)
    model = models.Model([inp_1, inp_2], [out_1, out_2])
    metric = keras.metrics.MeanSquaredError(name='mean_squared_error')
    model.compile('sgd', loss='mse', metrics=[metric])
    x = np.array([[1.], [2.]], 'float32')
    history = model.fit([x, x], [3 * x, 2 * x], epochs=1, verbose=0,
                        shuffle=False)
    h = history.history
    assert h['output_1_mean_squared_error'][0] == pytest.approx(10.)
    assert h['output_2_mean_squared_error'][0] == pytest.approx(2.5)
    assert metric.name == 'mean_squared_error'


def test_weighted_metrics_are_named_output_by_output():
    # Keras 2.3 and tf_keras 2.21: each output's metrics, then its
    # weighted metrics, before the next output's.
    x = keras.layers.Input((2,))
    model = keras.models.Model(x, [keras.layers.Dense(1, name='p')(x),
                                   keras.layers.Dense(1, name='q')(x)])
    model.compile('sgd', 'mse', metrics={'p': ['mae'], 'q': ['mse']},
                  weighted_metrics=['mae'])
    model.train_on_batch(np.ones((2, 2)), [np.ones((2, 1))] * 2)
    assert model.metrics_names == ['loss', 'p_loss', 'q_loss', 'p_mae',
                                   'p_weighted_mae', 'q_mse', 'q_mae']
