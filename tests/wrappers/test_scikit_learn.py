"""keras.wrappers.scikit_learn classifiers and regressors."""
import numpy as np
import pytest

from keras_compat import layers
from keras_compat.models import Sequential


rng = np.random.RandomState(0)


def test_scikit_learn_wrappers():
    sklearn = pytest.importorskip('sklearn')
    from sklearn.model_selection import cross_val_score, GridSearchCV
    from keras_compat.wrappers.scikit_learn import (KerasClassifier,
                                                    KerasRegressor)
    x = rng.rand(60, 4)
    y = (x[:, 0] > 0.5).astype(int)

    def build(hidden=8):
        model = Sequential([layers.Dense(hidden, activation='relu',
                                         input_dim=4),
                            layers.Dense(2, activation='softmax')])
        model.compile('adam', 'categorical_crossentropy',
                      metrics=['accuracy'])
        return model
    clf = KerasClassifier(build_fn=build, epochs=2, batch_size=16,
                          verbose=0)
    scores = cross_val_score(clf, x, y, cv=3)
    assert len(scores) == 3 and np.all((scores >= 0) & (scores <= 1))
    grid = GridSearchCV(clf, {'hidden': [4, 8]}, cv=2)
    grid.fit(x, y)
    assert grid.best_params_['hidden'] in (4, 8)
    clf.fit(x, y)
    assert clf.predict(x).shape == (60,)
    assert clf.predict_proba(x).shape == (60, 2)

    def build_regressor():
        model = Sequential([layers.Dense(1, input_dim=4)])
        model.compile('sgd', 'mse')
        return model
    reg = KerasRegressor(build_fn=build_regressor, epochs=1, verbose=0)
    reg.fit(x, x[:, 0])
    assert reg.predict(x).shape == (60,)
    assert reg.score(x, x[:, 0]) <= 0
