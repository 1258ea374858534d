"""The scikit-learn wrappers (`keras.wrappers.scikit_learn`) as tuning
scripts use them: GridSearchCV, clone, pickling, categorical targets.

Reference numbers come from tf_keras 2.21 on TensorFlow running the
tf.keras 2.11 `keras/wrappers/scikit_learn.py` on the same data and
constant initial weights (shuffle=False, SGD)."""
import pickle

import numpy as np
import pytest

sklearn = pytest.importorskip('sklearn')
from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold  # noqa: E402

import keras_compat as keras  # noqa: E402
from keras_compat.backend import common  # noqa: E402
from keras_compat.wrappers.scikit_learn import (  # noqa: E402
    KerasClassifier, KerasRegressor)


@pytest.fixture
def tf_keras_flavour():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


def _data():
    rng = np.random.RandomState(0)
    x = rng.rand(40, 4).astype('float32')
    return x, (x[:, 0] + x[:, 1] > 1).astype('int64'), \
        (x[:, 0] * 3).astype('int64')


def _build(units=4, lr=0.1, loss='binary_crossentropy', out=1,
           act='sigmoid'):
    model = keras.models.Sequential([
        keras.layers.Dense(units, activation='tanh', input_shape=(4,),
                           kernel_initializer=keras.initializers.Constant(
                               0.1)),
        keras.layers.Dense(out, activation=act,
                           kernel_initializer=keras.initializers.Constant(
                               -0.2))])
    model.compile(optimizer=keras.optimizers.SGD(lr), loss=loss,
                  metrics=['accuracy'])
    return model


FIT = dict(epochs=2, batch_size=8, verbose=0, shuffle=False)


def test_loss_object_categorical_crossentropy_gets_one_hot_targets(
        tf_keras_flavour):
    x, _, y3 = _data()
    clf = KerasClassifier(build_fn=_build, out=3, act='softmax',
                          loss=keras.losses.CategoricalCrossentropy(), **FIT)
    history = clf.fit(x, y3)
    # tf_keras: [1.10017, 1.09857]
    np.testing.assert_allclose(history.history['loss'], [1.10017, 1.09857],
                               atol=1e-4)
    assert clf.score(x, y3) == pytest.approx(0.35)


def test_categorical_crossentropy_name_gets_one_hot_targets(
        tf_keras_flavour):
    x, _, y3 = _data()
    clf = KerasClassifier(build_fn=_build, out=3, act='softmax',
                          loss='categorical_crossentropy', **FIT)
    history = clf.fit(x, y3)
    # tf_keras: [1.10017, 1.09857] (the same model as with the object)
    np.testing.assert_allclose(history.history['loss'], [1.10017, 1.09857],
                               atol=1e-4)


def test_regressor_predict_squeezes_like_tf_keras(tf_keras_flavour):
    x, _, _ = _data()
    reg = KerasRegressor(build_fn=lambda: _build(loss='mse', act='linear'),
                         **FIT)
    history = reg.fit(x, x[:, 0])
    # tf_keras: loss [0.27873, 0.08887], predictions below, score -0.07904
    np.testing.assert_allclose(history.history['loss'], [0.27873, 0.08887],
                               atol=1e-4)
    np.testing.assert_allclose(reg.predict(x[:3]),
                               [0.49487, 0.49344, 0.49248], atol=1e-4)
    assert reg.predict(x[:1]).shape == ()
    assert reg.score(x, x[:, 0]) == pytest.approx(-0.07904, abs=1e-4)


def test_regressor_predict_keeps_sample_axis_in_keras_2_3():
    x, _, _ = _data()
    reg = KerasRegressor(build_fn=lambda: _build(loss='mse', act='linear'),
                         **FIT)
    reg.fit(x, x[:, 0])
    # Keras 2.3.1 squeezes only the output axis.
    assert reg.predict(x[:1]).shape == (1,)


def test_grid_search_cv_scores_match_tf_keras(tf_keras_flavour):
    x, y, _ = _data()
    search = GridSearchCV(KerasClassifier(build_fn=_build, **FIT),
                          {'units': [2, 5], 'lr': [0.1]}, cv=KFold(2),
                          n_jobs=1)
    search.fit(x, y)
    # tf_keras: mean_test_score [0.45, 0.5], best lr 0.1 units 5
    np.testing.assert_allclose(search.cv_results_['mean_test_score'],
                               [0.45, 0.5])
    assert search.best_params_ == {'lr': 0.1, 'units': 5}


def test_clone_and_pickle_fitted_classifier(tf_keras_flavour):
    x, y, _ = _data()
    clf = KerasClassifier(build_fn=_build, units=3, **dict(FIT, epochs=3))
    history = clf.fit(x, y)
    # tf_keras: loss [0.70389, 0.70225, 0.70096], proba of class 0 below
    np.testing.assert_allclose(history.history['loss'],
                               [0.70389, 0.70225, 0.70096], atol=1e-4)
    copy = clone(clf)
    assert sorted(copy.get_params()) == [
        'batch_size', 'build_fn', 'epochs', 'shuffle', 'units', 'verbose']
    assert not hasattr(copy, 'model')
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(restored.predict_proba(x[:2])[:, 0],
                               [0.51835, 0.51826], atol=1e-4)
    assert restored.predict(x[:2]).shape == (2, 1)


def test_illegal_sk_param_raises_keras_message():
    with pytest.raises(ValueError, match='foo is not a legal parameter'):
        KerasClassifier(build_fn=_build, foo=1)
