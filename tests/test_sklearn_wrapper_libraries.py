"""scikit-learn wrapper idioms of Keras 2 / tf.keras programs, written out
without scikit-learn: k-fold loops over `fit`/`score`, grid searches that
clone by `get_params`/`set_params`, a standardizing pipeline, string and
one-hot targets, and a tqdm-style progress callback reading `params`.

Reference numbers: real Keras 2.3.1 wrappers (`import keras`), and the
tf.keras 2.11 `keras/wrappers/scikit_learn.py` on tf_keras 2.21, both with
scikit-learn's KFold splits, on the same data and constant initial
weights (shuffle=False)."""
import pickle
import warnings

import numpy as np
import pytest

import keras_compat as keras
from keras_compat import initializers
from keras_compat.backend import common
from keras_compat.layers import Dense
from keras_compat.models import Sequential
from keras_compat.utils import to_categorical
from keras_compat.wrappers.scikit_learn import (KerasClassifier,
                                                KerasRegressor)


@pytest.fixture
def tf_keras():
    common.set_api_flavour('tf.keras')
    yield
    common.set_api_flavour('keras')


def _data():
    rng = np.random.RandomState(0)
    x = rng.rand(24, 4).astype('float32')
    y = (x[:, 0] + x[:, 1] > 1).astype('int64')
    y3 = (x[:, 0] * 3).astype('int64')
    return x, y, y3


def create_model(optimizer='sgd', init='ones', units=4, out=1,
                 act='sigmoid', loss='binary_crossentropy',
                 metrics=('accuracy',)):
    model = Sequential()
    model.add(Dense(units, input_dim=4, kernel_initializer=init,
                    activation='tanh'))
    model.add(Dense(out, activation=act,
                    kernel_initializer=initializers.Constant(-0.2)))
    model.compile(loss=loss, optimizer=optimizer, metrics=list(metrics))
    return model


FIT = dict(epochs=2, batch_size=8, verbose=0, shuffle=False)


def _kfold(n, k):
    """scikit-learn's KFold(k) without shuffling."""
    bounds = np.cumsum([0] + [n // k + (i < n % k) for i in range(k)])
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        test = np.arange(lo, hi)
        yield np.setdiff1d(np.arange(n), test), test


def _clone(estimator):
    """scikit-learn's clone: a new estimator from the parameters."""
    params = estimator.get_params()
    return type(estimator)(**params)


def _cross_val_score(estimator, x, y, k):
    scores = []
    for train, test in _kfold(len(x), k):
        fold = _clone(estimator)
        fold.fit(x[train], y[train])
        scores.append(fold.score(x[test], y[test]))
    return scores


def test_k_fold_scores_match_keras():
    x, y, y3 = _data()
    est = KerasClassifier(build_fn=create_model, **FIT)
    # Keras 2.3.1 and tf.keras 2.11: [0.375, 0.5, 0.75] (KFold(3) splits,
    # which an integer cv gives too: the wrappers are no classifiers).
    np.testing.assert_allclose(_cross_val_score(est, x, y, 3),
                               [0.375, 0.5, 0.75], atol=1e-5)
    onehot = KerasClassifier(build_fn=create_model, out=3, act='softmax',
                             loss='categorical_crossentropy', **FIT)
    np.testing.assert_allclose(
        _cross_val_score(onehot, x, to_categorical(y3), 3),
        [0.5, 0.5, 0.25], atol=1e-5)


def test_wrappers_are_not_scikit_learn_classifiers():
    sklearn_base = pytest.importorskip('sklearn.base')
    est = KerasClassifier(build_fn=create_model, **FIT)
    # Keras's BaseWrapper derives from object: `is_classifier` is False.
    assert not sklearn_base.is_classifier(est)
    assert not sklearn_base.is_regressor(
        KerasRegressor(build_fn=create_model))
    est._estimator_type = 'classifier'
    assert sklearn_base.is_classifier(est)


def test_grid_search_by_set_params():
    x, y, _ = _data()
    base = KerasClassifier(build_fn=create_model, verbose=0, batch_size=8,
                           shuffle=False)
    means = []
    for epochs in (1, 2):
        for init in ('ones', 'zeros'):
            for optimizer in ('sgd', 'adam'):
                est = _clone(base).set_params(epochs=epochs, init=init,
                                              optimizer=optimizer)
                means.append(np.mean(_cross_val_score(est, x, y, 2)))
    # Keras 2.3.1 GridSearchCV(cv=2) mean_test_score.
    np.testing.assert_allclose(
        means, [0.54167, 0.54167, 0.29167, 0.29167] * 2, atol=1e-5)
    assert 'epochs' not in base.sk_params


def test_standardize_then_regressor_pipeline():
    x, _, _ = _data()
    target = x[:, 0] * 2

    def base():
        model = Sequential([
            Dense(3, input_dim=4, kernel_initializer='ones',
                  activation='relu'),
            Dense(1, kernel_initializer=initializers.Constant(0.3))])
        model.compile(loss='mean_squared_error', optimizer='adam')
        return model

    def fit_scaled(train):
        mean, std = x[train].mean(0), x[train].std(0)
        reg = KerasRegressor(build_fn=base, epochs=3, batch_size=5,
                             verbose=0, shuffle=False)
        reg.fit((x[train] - mean) / std, target[train])
        return reg, mean, std

    scores = []
    for train, test in _kfold(24, 2):
        reg, mean, std = fit_scaled(train)
        scores.append(reg.score((x[test] - mean) / std, target[test]))
    # Keras 2.3.1: cross_val_score of Pipeline([StandardScaler,
    # KerasRegressor]) with KFold(2), then the pipeline fitted on all.
    np.testing.assert_allclose(scores, [-3.82014, -1.08645], atol=2e-5)
    reg, mean, std = fit_scaled(np.arange(24))
    np.testing.assert_allclose(reg.predict((x[:3] - mean) / std),
                               [1.56898, 1.42531, 2.24873], atol=2e-5)
    assert reg.score((x - mean) / std, target) == pytest.approx(
        -0.9609, abs=2e-5)


def test_clone_set_params_and_legal_parameter_errors():
    x, y, _ = _data()
    est = KerasClassifier(build_fn=create_model, units=3, **FIT)
    copy = _clone(est).set_params(epochs=3, units=2)
    history = copy.fit(x, y)
    # Keras 2.3.1: [0.70163, 0.70132, 0.70103]
    np.testing.assert_allclose(history.history['loss'],
                               [0.70163, 0.70132, 0.70103], atol=1e-5)
    assert est.sk_params['epochs'] == 2
    assert sorted(est.get_params()) == [
        'batch_size', 'build_fn', 'epochs', 'shuffle', 'units', 'verbose']
    assert sorted(KerasClassifier(build_fn=create_model, nb_epoch=3)
                  .get_params()) == ['build_fn', 'nb_epoch']
    with pytest.raises(ValueError, match='^foo is not a legal parameter$'):
        KerasClassifier(build_fn=create_model, foo=1)
    with pytest.raises(ValueError, match='^epoch is not a legal parameter$'):
        KerasClassifier(build_fn=create_model).set_params(epoch=3)


def test_predict_proba_score_and_sample_weight():
    x, y, _ = _data()
    est = KerasClassifier(build_fn=create_model, **FIT)
    est.fit(x, y)
    # Keras 2.3.1 values.
    np.testing.assert_allclose(est.predict_proba(x[:3]),
                               [[0.67843, 0.32157], [0.67836, 0.32164],
                                [0.67949, 0.32051]], atol=1e-5)
    assert est.predict(x[:3]).tolist() == [[0], [0], [0]]
    assert est.classes_.tolist() == [0, 1] and est.n_classes_ == 2
    assert est.score(x, y) == pytest.approx(0.54167, abs=1e-5)
    weights = np.linspace(0.5, 2, 24)
    history = est.fit(x, y, sample_weight=weights)
    np.testing.assert_allclose(history.history['loss'], [0.85992, 0.85885],
                               atol=1e-5)
    assert est.score(x, y, sample_weight=weights) == pytest.approx(
        0.54167, abs=1e-5)
    history = est.fit(x, y, epochs=1, batch_size=24)
    np.testing.assert_allclose(history.history['loss'], [0.743], atol=1e-5)


def test_string_one_hot_and_column_targets():
    x, y, y3 = _data()
    names = np.array(['cat', 'dog', 'emu'])[y3]
    for loss in ('sparse_categorical_crossentropy',
                 'categorical_crossentropy'):
        est = KerasClassifier(build_fn=create_model, out=3, act='softmax',
                              loss=loss, **FIT)
        history = est.fit(x, names)
        # Keras 2.3.1: [1.09855, 1.09677], accuracy 0.41667
        np.testing.assert_allclose(history.history['loss'],
                                   [1.09855, 1.09677], atol=1e-5)
        assert est.classes_.tolist() == ['cat', 'dog', 'emu']
        assert est.predict(x[:4]).tolist() == ['dog'] * 4
        assert est.score(x, names) == pytest.approx(0.41667, abs=1e-5)
    est = KerasClassifier(build_fn=create_model, out=3, act='softmax',
                          loss='categorical_crossentropy', **FIT)
    est.fit(x, to_categorical(y3))
    assert est.classes_.tolist() == [0, 1, 2]
    assert est.predict(x[:4]).tolist() == [1, 1, 1, 1]
    est = KerasClassifier(build_fn=create_model, **FIT)
    history = est.fit(x, y.reshape(-1, 1))
    np.testing.assert_allclose(history.history['loss'], [0.74256, 0.73969],
                               atol=1e-5)
    est.fit(x, np.array(['no', 'yes'])[y])
    assert est.predict(x[:2]).tolist() == [['no'], ['no']]
    with pytest.raises(ValueError, match=r'^Invalid shape for y: '
                                         r'\(24, 1, 1\)$'):
        est.fit(x, np.zeros((24, 1, 1)))
    est = KerasClassifier(build_fn=create_model, metrics=(), **FIT)
    est.fit(x, y)
    with pytest.raises(ValueError, match='not configured to compute '
                                         'accuracy'):
        est.score(x, y)


class _SubclassClassifier(KerasClassifier):
    def __call__(self, units=2):
        return create_model(units=units)


class _Builder(object):
    def __call__(self, units=2, optimizer='sgd'):
        return create_model(units=units, optimizer=optimizer)


def test_build_fn_none_and_callable_instance():
    x, y, _ = _data()
    for est in (_SubclassClassifier(units=3, **FIT),
                KerasClassifier(build_fn=_Builder(), units=3, **FIT)):
        history = est.fit(x, y)
        # Keras 2.3.1: [0.71822, 0.71703]
        np.testing.assert_allclose(history.history['loss'],
                                   [0.71822, 0.71703], atol=1e-5)
    with pytest.raises(ValueError, match='^init is not a legal parameter$'):
        KerasClassifier(build_fn=_Builder(), init='ones')


def _regressor():
    model = Sequential([
        Dense(2, input_dim=4, kernel_initializer='ones'),
        Dense(1, kernel_initializer=initializers.Constant(0.3))])
    model.compile(loss='mse', optimizer='sgd')
    return model


def test_regressor_predict_and_score_keras_2():
    x, _, _ = _data()
    reg = KerasRegressor(build_fn=_regressor, **FIT)
    reg.fit(x, x[:, 0])
    # Keras 2.3.1 values; one sample keeps its axis.
    np.testing.assert_allclose(reg.predict(x[:3]),
                               [0.89829, 0.89305, 0.99965], atol=1e-5)
    assert reg.predict(x[:1]).shape == (1,)
    assert reg.score(x, x[:, 0]) == pytest.approx(-0.10821, abs=1e-5)


def test_tf_keras_wrappers_warn_and_predict_with_call_arguments(
        tf_keras, capsys):
    x, y, _ = _data()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        est = KerasClassifier(build_fn=create_model, **FIT)
        KerasRegressor(build_fn=_regressor)
    # tf.keras 2.11's texts.
    assert [str(w.message) for w in caught] == [
        '%s is deprecated, use Sci-Keras '
        '(https://github.com/adriangb/scikeras) instead. See '
        'https://www.adriangb.com/scikeras/stable/migration.html for help '
        'migrating.' % name for name in ('KerasClassifier', 'KerasRegressor')]
    assert all(w.category is DeprecationWarning for w in caught)
    est.fit(x, y)
    assert capsys.readouterr().out == ''
    # tf.keras's predict and predict_proba take no sk_params: the default
    # verbosity shows a progress bar although verbose=0 was given.
    assert est.predict(x[:3]).tolist() == [[0], [0], [0]]
    assert '1/1 [' in capsys.readouterr().out
    np.testing.assert_allclose(est.predict_proba(x[:1], verbose=0),
                               [[0.67843, 0.32157]], atol=1e-5)
    assert capsys.readouterr().out == ''
    assert est.score(x, y) == pytest.approx(0.54167, abs=1e-5)
    assert capsys.readouterr().out == ''
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_allclose(restored.predict_proba(x[:1], verbose=0),
                               [[0.67843, 0.32157]], atol=1e-5)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        reg = KerasRegressor(build_fn=_regressor, **FIT)
    reg.fit(x, x[:, 0])
    # tf.keras squeezes every length-1 axis.
    assert reg.predict(x[:1]).shape == ()


class _BatchBarCallback(keras.callbacks.Callback):
    """tqdm.keras.TqdmCallback's logic: totals from `self.params`, a batch
    method made anew each epoch, advanced by the logs' 'size' (1 without
    one)."""

    def __init__(self):
        super(_BatchBarCallback, self).__init__()
        self.totals, self.counts, self.epochs = [], [], None

    def on_train_begin(self, logs=None):
        self.epochs = self.params.get('epochs', self.params.get('nb_epoch'))

    def on_epoch_begin(self, epoch, logs=None):
        get = self.params.get
        self.totals.append(get('samples', get('nb_sample', get('steps'))))
        self.counts.append(0)

        def on_batch_end(batch, logs=None):
            self.counts[-1] += (logs or {}).get('size', 1)
        self.on_batch_end = on_batch_end

    @staticmethod
    def _implements_train_batch_hooks():
        return True


def _progress_fit(fit):
    x = np.random.RandomState(0).rand(20, 3).astype('float32')
    y = x.sum(1, keepdims=True)
    model = Sequential([Dense(1, input_shape=(3,))])
    model.compile('sgd', 'mse', metrics=['mae'])
    callback = _BatchBarCallback()
    fit(model, x, y, callback)
    return callback


def test_progress_callback_params_keras_2():
    cb = _progress_fit(lambda m, x, y, cb: m.fit(
        x, y, epochs=2, batch_size=8, verbose=0, validation_split=0.2,
        callbacks=[cb]))
    # Keras 2.3.1: samples 16 per epoch, counted by the batches' sizes.
    assert {k: v for k, v in cb.params.items() if k != 'metrics'} == {
        'batch_size': 8, 'do_validation': True, 'epochs': 2, 'samples': 16,
        'steps': None, 'verbose': 0}
    assert cb.params['metrics'] == ['loss', 'mae', 'val_loss', 'val_mae']
    assert (cb.epochs, cb.totals, cb.counts) == (2, [16, 16], [16, 16])

    def batches(x, y):
        while True:
            for i in range(0, 20, 5):
                yield x[i:i + 5], y[i:i + 5]
    cb = _progress_fit(lambda m, x, y, cb: m.fit_generator(
        batches(x, y), steps_per_epoch=4, epochs=2, verbose=0,
        callbacks=[cb]))
    # Keras 2.3.1: 4 steps; the batch sizes add up to 20.
    assert cb.params['steps'] == 4 and 'samples' not in cb.params
    assert (cb.totals, cb.counts) == ([4, 4], [20, 20])


def test_progress_callback_params_tf_keras(tf_keras):
    cb = _progress_fit(lambda m, x, y, cb: m.fit(
        x, y, epochs=2, batch_size=8, verbose=0, validation_split=0.2,
        callbacks=[cb]))
    # tf_keras 2.21: {'verbose', 'epochs', 'steps'}; no batch 'size'.
    assert cb.params == {'verbose': 0, 'epochs': 2, 'steps': 2}
    assert (cb.epochs, cb.totals, cb.counts) == (2, [2, 2], [2, 2])


def test_one_epoch_fit_has_no_epoch_line_in_tf_keras(tf_keras, capsys):
    x = np.ones((4, 1), 'float32')
    model = Sequential([Dense(1, input_shape=(1,))])
    model.compile('sgd', 'mse')
    model.fit(x, x, epochs=1, verbose=2)
    # tf_keras 2.21 prints 'Epoch 1/N' only when N > 1.
    out = capsys.readouterr().out
    assert 'Epoch' not in out and out.startswith('1/1 - ')
    model.fit(x, x, epochs=2, verbose=2)
    assert capsys.readouterr().out.startswith('Epoch 1/2\n')


def test_scikeras_style_model_and_pickle(tf_keras):
    x, y, _ = _data()
    model = Sequential([
        keras.layers.Input(shape=(4,)),
        Dense(3, activation='tanh',
              kernel_initializer=initializers.Constant(0.1)),
        Dense(1, activation='sigmoid',
              kernel_initializer=initializers.Constant(-0.2))])
    model.compile(loss='binary_crossentropy',
                  optimizer=keras.optimizers.get(
                      {'class_name': 'sgd',
                       'config': {'learning_rate': 0.1}}),
                  metrics=['accuracy'])
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0,
                        shuffle=False)
    # scikeras 0.12 KerasClassifier(model=get_model, optimizer='sgd',
    # optimizer__learning_rate=0.1, hidden_layer_sizes=(3,)) on tf_keras.
    np.testing.assert_allclose(history.history['loss'], [0.70035, 0.69981],
                               atol=1e-5)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_allclose(restored.predict(x[:2], verbose=0)[:, 0],
                               [0.46401, 0.4641], atol=1e-5)
    assert type(restored.optimizer).__name__ == 'SGD'
