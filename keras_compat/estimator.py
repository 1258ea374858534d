"""`tf.estimator` and `tf.keras.estimator`: TensorFlow's Estimator API.

Estimators (`DNNClassifier`, `LinearRegressor`, `BoostedTreesRegressor`,
`model_to_estimator`, ...) train TensorFlow graphs in sessions with their
own checkpoints in `model_dir`; keras_compat runs Keras on PyTorch and has
no such graphs (TensorFlow itself dropped the API in 2.16). The names are
here so that programs naming them import and test `isinstance`; making
an estimator raises NotImplementedError that names the Keras way to do
the same: a Keras model (`tf.keras.layers.DenseFeatures(feature_columns)`
then Dense layers for the premade ones) trained with `compile` and `fit`
on the tf.data dataset the `input_fn` returns."""

__all__ = ['ModeKeys', 'model_to_estimator']

_ALTERNATIVE = (
    'keras_compat runs Keras on PyTorch and has no TensorFlow Estimator '
    'API (TensorFlow removed it in 2.16). Build the network as a Keras '
    'model (for feature columns: tf.keras.layers.DenseFeatures('
    'feature_columns) followed by Dense layers) and train it with '
    'model.compile() and model.fit() on the dataset the input_fn returns; '
    'model.evaluate() and model.predict() replace evaluate and predict.')

# The Estimator classes and functions a program may name.
_ESTIMATOR_NAMES = (
    'Estimator', 'DNNClassifier', 'DNNRegressor', 'DNNEstimator',
    'LinearClassifier', 'LinearRegressor', 'LinearEstimator',
    'DNNLinearCombinedClassifier', 'DNNLinearCombinedRegressor',
    'DNNLinearCombinedEstimator', 'BoostedTreesClassifier',
    'BoostedTreesRegressor', 'BoostedTreesEstimator', 'BaselineClassifier',
    'BaselineRegressor', 'BaselineEstimator', 'RunConfig', 'EstimatorSpec',
    'TrainSpec', 'EvalSpec', 'WarmStartSettings', 'VocabInfo',
    'train_and_evaluate', 'classifier_parse_example_spec',
    'regressor_parse_example_spec')


class ModeKeys(object):
    """The mode a model function runs in (`tf.estimator.ModeKeys`)."""

    TRAIN = 'train'
    EVAL = 'eval'
    PREDICT = 'infer'


def _refusal(name):
    return NotImplementedError('tf.estimator.%s is not supported: %s'
                               % (name, _ALTERNATIVE))


def _unsupported_class(name):
    """A class standing for the Estimator class `name`: it can be named,
    subclassed and tested with isinstance, not made."""
    def __init__(self, *args, **kwargs):
        raise _refusal(name)
    return type(name, (object,), {
        '__init__': __init__, '__module__': 'tensorflow.estimator',
        '__doc__': 'tf.estimator.%s (not supported: see the module).'
                   % name})


def _unsupported_function(name):
    def refused(*args, **kwargs):
        raise _refusal(name)
    refused.__name__ = name
    refused.__doc__ = 'tf.estimator.%s (not supported).' % name
    return refused


for _name in _ESTIMATOR_NAMES:
    globals()[_name] = (_unsupported_class(_name) if _name[0].isupper()
                        else _unsupported_function(_name))
__all__ += list(_ESTIMATOR_NAMES)


def model_to_estimator(keras_model=None, keras_model_path=None,
                       custom_objects=None, model_dir=None, config=None,
                       checkpoint_format='checkpoint', metric_names_map=None,
                       export_outputs=None):
    """tf.keras.estimator.model_to_estimator: not supported; the Keras
    model itself trains with `fit` on the input_fn's dataset."""
    raise NotImplementedError(
        'tf.keras.estimator.model_to_estimator is not supported: %s Here '
        'the Keras model itself does it: model.fit(input_fn(), '
        'steps_per_epoch=...) and model.evaluate(eval_input_fn()).'
        % _ALTERNATIVE)
