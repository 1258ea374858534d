"""`KerasClassifier` and `KerasRegressor`: Keras models as scikit-learn
estimators (usable in `cross_val_score`, `GridSearchCV`, pipelines).

`build_fn` returns a compiled model; its keyword arguments, and those of
fit/predict/predict_proba/score, are taken from the estimator's
parameters."""
import copy
import types
import warnings

import numpy as np

from .. import losses
from ..backend import common
from ..utils.np_utils import to_categorical
from ..utils.generic_utils import has_arg
from ..models import Sequential

try:
    # With scikit-learn installed the wrappers are real estimators (current
    # scikit-learn versions require `__sklearn_tags__` from BaseEstimator).
    # Like Keras's wrappers they are neither classifiers nor regressors to
    # scikit-learn (`is_classifier` is False, so an integer `cv` splits
    # with KFold, not StratifiedKFold) unless `_estimator_type` is set.
    from sklearn.base import BaseEstimator as _Estimator
except ImportError:
    _Estimator = object


def _is_categorical_crossentropy(loss):
    """Keras 2.3 / tf.keras's test: the name, the function or a
    `CategoricalCrossentropy` object."""
    return (isinstance(loss, str) and loss == 'categorical_crossentropy') \
        or losses.is_categorical_crossentropy(loss)


def _one_hot_for_categorical_crossentropy(loss, y):
    """Class indices become one-hot rows for a categorical crossentropy
    loss, as the Keras wrappers convert them before fit and score."""
    y = np.asarray(y)
    if _is_categorical_crossentropy(loss) and len(y.shape) != 2:
        return to_categorical(y)
    return y


def _warn_deprecated(wrapper):
    """tf.keras 2.7+'s DeprecationWarning on making a wrapper."""
    name = ('KerasClassifier' if isinstance(wrapper, KerasClassifier)
            else 'KerasRegressor' if isinstance(wrapper, KerasRegressor)
            else None)
    if name:
        warnings.warn(
            name + ' is deprecated, use Sci-Keras '
            '(https://github.com/adriangb/scikeras) instead. See '
            'https://www.adriangb.com/scikeras/stable/migration.html for '
            'help migrating.', DeprecationWarning, stacklevel=3)


class BaseWrapper(_Estimator):
    """Common behaviour of the scikit-learn wrappers."""

    def __init__(self, build_fn=None, **sk_params):
        if common.is_tf_keras():
            _warn_deprecated(self)
        self.build_fn = build_fn
        self.sk_params = sk_params
        self.check_params(sk_params)

    def __sklearn_tags__(self):
        """scikit-learn's tags: those of any estimator, with the
        estimator type that `_estimator_type` names (a classifier for
        `VotingClassifier` once a script sets it to 'classifier')."""
        tags = super(BaseWrapper, self).__sklearn_tags__()
        kind = getattr(self, '_estimator_type', None)
        if kind in ('classifier', 'regressor'):
            from sklearn.utils import ClassifierTags, RegressorTags
            tags.estimator_type = kind
            tags.target_tags.required = True
            if kind == 'classifier':
                tags.classifier_tags = ClassifierTags()
            else:
                tags.regressor_tags = RegressorTags()
        return tags

    def check_params(self, params):
        """Rejects parameters that neither build_fn nor the model's
        fit/predict/score accept."""
        legal_params_fns = [Sequential.fit, Sequential.predict,
                            Sequential.predict_classes,
                            Sequential.evaluate]
        if self.build_fn is None:
            legal_params_fns.append(self.__call__)
        elif (not isinstance(self.build_fn, types.FunctionType) and
              not isinstance(self.build_fn, types.MethodType)):
            legal_params_fns.append(self.build_fn.__call__)
        else:
            legal_params_fns.append(self.build_fn)
        for params_name in params:
            for fn in legal_params_fns:
                if has_arg(fn, params_name):
                    break
            else:
                if params_name != 'nb_epoch':
                    raise ValueError('{} is not a legal parameter'.format(
                        params_name))

    def get_params(self, deep=True, **params):
        res = copy.deepcopy(self.sk_params)
        res.update({'build_fn': self.build_fn})
        return res

    def set_params(self, **params):
        self.check_params(params)
        self.sk_params.update(params)
        return self

    def __sklearn_is_fitted__(self):
        """scikit-learn's fitted check (`Pipeline.score`, `check_is_fitted`):
        fitted once `fit` has built the model."""
        return hasattr(self, 'model')

    def fit(self, x, y, **kwargs):
        """Builds a new model with `build_fn` and trains it."""
        if self.build_fn is None:
            self.model = self.__call__(**self.filter_sk_params(
                self.__call__))
        elif (not isinstance(self.build_fn, types.FunctionType) and
              not isinstance(self.build_fn, types.MethodType)):
            self.model = self.build_fn(**self.filter_sk_params(
                self.build_fn.__call__))
        else:
            self.model = self.build_fn(**self.filter_sk_params(
                self.build_fn))
        y = _one_hot_for_categorical_crossentropy(self.model.loss, y)
        fit_args = copy.deepcopy(self.filter_sk_params(Sequential.fit))
        fit_args.update(kwargs)
        history = self.model.fit(x, y, **fit_args)
        return history

    def filter_sk_params(self, fn, override=None):
        """The parameters `fn` accepts (override taking precedence)."""
        override = override or {}
        res = {}
        for name, value in self.sk_params.items():
            if has_arg(fn, name):
                res[name] = value
        res.update(override)
        return res


class KerasClassifier(BaseWrapper):
    """A scikit-learn classifier around a Keras model."""

    def fit(self, x, y, sample_weight=None, **kwargs):
        y = np.array(y)
        if len(y.shape) == 2 and y.shape[1] > 1:
            self.classes_ = np.arange(y.shape[1])
        elif (len(y.shape) == 2 and y.shape[1] == 1) or len(y.shape) == 1:
            self.classes_ = np.unique(y)
            y = np.searchsorted(self.classes_, y)
        else:
            raise ValueError('Invalid shape for y: ' + str(y.shape))
        self.n_classes_ = len(self.classes_)
        if sample_weight is not None:
            kwargs['sample_weight'] = sample_weight
        return super(KerasClassifier, self).fit(x, y, **kwargs)

    def _predict_args(self, fn, kwargs):
        """Keras 2.3 predicts with the sk_params `fn` accepts; tf.keras
        with the call's arguments alone (its `predict` default verbosity
        shows a progress bar)."""
        if common.is_tf_keras():
            return kwargs
        return self.filter_sk_params(fn, kwargs)

    def predict(self, x, **kwargs):
        """Class labels for the samples."""
        kwargs = self._predict_args(Sequential.predict_classes, kwargs)
        if not common.is_tf_keras():
            kwargs = {k: v for k, v in kwargs.items()
                      if k in ('batch_size', 'verbose')}
        proba = self.model.predict(x, **kwargs)
        if proba.shape[-1] > 1:
            classes = proba.argmax(axis=-1)
        else:
            classes = (proba > 0.5).astype('int32')
        return self.classes_[classes]

    def predict_proba(self, x, **kwargs):
        """Class probabilities, one column per class."""
        kwargs = self._predict_args(Sequential.predict, kwargs)
        probs = self.model.predict(x, **kwargs)
        if probs.shape[1] == 1:
            probs = np.hstack([1 - probs, probs])
        return probs

    def score(self, x, y, **kwargs):
        """Accuracy on (x, y)."""
        y = np.searchsorted(self.classes_, y)
        kwargs = self.filter_sk_params(Sequential.evaluate, kwargs)
        y = _one_hot_for_categorical_crossentropy(self.model.loss, y)
        outputs = self.model.evaluate(x, y, **kwargs)
        if not isinstance(outputs, list):
            outputs = [outputs]
        for name, output in zip(self.model.metrics_names, outputs):
            if name in ('accuracy', 'acc'):
                return output
        raise ValueError('The model is not configured to compute accuracy. '
                         'You should pass `metrics=["accuracy"]` to the '
                         '`model.compile()` method.')


class KerasRegressor(BaseWrapper):
    """A scikit-learn regressor around a Keras model: `predict` gives the
    outputs without their length-1 axes, `score` minus the loss."""

    def predict(self, x, **kwargs):
        kwargs = self.filter_sk_params(Sequential.predict, kwargs)
        preds = np.array(self.model.predict(x, **kwargs))
        if common.is_tf_keras():
            # tf.keras squeezes every axis of length 1 (one sample: a
            # scalar array); Keras 2.3 only the output axis.
            return np.squeeze(preds)
        if preds.shape[-1] == 1:
            return np.squeeze(preds, axis=-1)
        return preds

    def score(self, x, y, **kwargs):
        """Minus the loss on (x, y) (greater is better)."""
        kwargs = self.filter_sk_params(Sequential.evaluate, kwargs)
        loss = self.model.evaluate(x, y, **kwargs)
        if isinstance(loss, list):
            return -loss[0]
        return -loss
