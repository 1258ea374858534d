"""Every public layer, loss, metric, optimizer, initializer and activation
has a parity case; a new public name without one fails here."""
import inspect

import keras_compat
from keras_compat import (layers, losses, metrics, optimizers, initializers,
                          activations)
from keras_compat.engine.base_layer import Layer

import test_activation_parity
import test_extra_layers_parity
import test_multi_head_attention_parity
import test_initializer_parity
import test_keras2_formula_parity
import test_layer_parity
import test_loss_metric_parity
import test_optimizer_parity

# (Recurrent, Keras 2.0's base of step-written layers, is checked against
# numpy loops in tests/layers/test_legacy_recurrent.py.)
ABSTRACT_LAYERS = {'Layer', 'Wrapper', 'Recurrent', 'AbstractRNNCell'}


def _public_classes(module, base):
    found = {}
    for name in dir(module):
        value = getattr(module, name)
        if not name.startswith('_') and inspect.isclass(value) and \
                issubclass(value, base):
            found.setdefault(value, set()).add(name)
    return found


def test_every_layer_has_a_parity_case():
    covered = {c.name for c in test_layer_parity.CASES}
    covered |= {'LSTMCell', 'GRUCell', 'SimpleRNNCell', 'StackedRNNCells'}
    covered |= {'ThresholdedReLU', 'AveragePooling2D', 'InputLayer',
                'LocallyConnected1D', 'LocallyConnected2D', 'MaxoutDense',
                'Highway'}
    # The ConvRNN2D case runs a ConvLSTM2DCell.
    covered |= {'ConvLSTM2DCell'}
    # test_attention_parity.py.
    covered |= {'Attention', 'AdditiveAttention'}
    covered |= test_extra_layers_parity.COVERED_LAYERS
    covered |= {'MultiHeadAttention', 'EinsumDense'}
    # Against values tf_keras computed
    # (tests/test_sequence_blog_idioms.py).
    covered |= {'CuDNNLSTM', 'CuDNNGRU'}
    # Preprocessing layers: against values tf_keras computed
    # (tests/preprocessing_layers_cases.py).
    covered |= {'Normalization', 'Discretization', 'CategoryEncoding',
                'Resizing', 'CenterCrop', 'RandomFlip', 'RandomTranslation',
                'RandomRotation', 'RandomZoom', 'RandomContrast',
                'RandomBrightness', 'RandomCrop', 'RandomHeight',
                'RandomWidth'}
    # Against values tf_keras computed (tests/layers/test_lookup.py,
    # tests/layers/test_text_vectorization.py).
    covered |= {'IntegerLookup', 'Hashing', 'StringLookup',
                'TextVectorization', 'HashedCrossing'}
    # Against values tf_keras computed
    # (tests/test_tensorflow_tutorials_more.py).
    covered |= {'DenseFeatures'}
    # Keras 2.0-2.1's legacy Merge: against values Keras 2.1.6 computed
    # (tests/test_legacy_merge_layer.py).
    covered |= {'Merge'}
    missing = sorted(min(names) for cls, names in
                     _public_classes(layers, Layer).items()
                     if not names & covered and
                     not names & ABSTRACT_LAYERS)
    assert not missing, 'layers without a parity case: %s' % missing


def test_every_loss_has_a_parity_case():
    covered = {getattr(losses, c[0].replace('_zero_one_labels', ''))
               for c in test_loss_metric_parity.LOSSES}
    covered |= {losses.sparse_categorical_crossentropy, losses.huber_loss}
    # Against tf_keras's values (tests/test_losses_tf_keras.py).
    covered |= {losses.categorical_focal_crossentropy}
    public = {getattr(losses, n) for n in losses.__dict__
              if not n.startswith('_') and
              getattr(getattr(losses, n), '__module__', '') ==
              losses.__name__ and inspect.isfunction(getattr(losses, n))}
    helpers = {losses.compute_weighted_loss, losses.serialize,
               losses.deserialize, losses.get, losses.loss_name,
               losses.is_categorical_crossentropy,
               losses.is_sparse_categorical_crossentropy}
    missing = sorted(f.__name__ for f in public - covered - helpers)
    assert not missing, 'losses without a parity case: %s' % missing
    for name, cls in _public_classes(losses, losses.LossFunctionWrapper) \
            .items():
        if name is losses.LossFunctionWrapper:
            continue
        assert name().fn in covered, (cls, 'wraps an uncovered function')


def test_every_metric_has_a_parity_case():
    covered = {c[0] for c in test_loss_metric_parity.METRIC_CLASSES}
    # Formula tests: Keras 3 changed these.
    covered |= {'Mean', 'Sum', 'SensitivityAtSpecificity',
                'SpecificityAtSensitivity', 'MeanIoU'}
    # Against tf_keras's values (tests/test_losses_metrics.py).
    covered |= {'PrecisionAtRecall', 'RecallAtPrecision'}
    # Against tf_keras's values (tests/test_metrics_tf_keras.py).
    covered |= {'F1Score', 'FBetaScore', 'R2Score', 'IoU', 'BinaryIoU',
                'OneHotIoU', 'OneHotMeanIoU', 'MeanRelativeError',
                'MeanTensor'}
    # (PyMetric: a base whose subclasses write update_state and result in
    # Python, tests/test_tf_keras_api_surface_more.py.)
    abstract = {'Metric', 'MeanMetricWrapper', 'Reduce',
                'SensitivitySpecificityBase', 'PyMetric'}
    missing = sorted(min(names) for cls, names in
                     _public_classes(metrics, metrics.Metric).items()
                     if not names & covered and not names & abstract)
    assert not missing, 'metrics without a parity case: %s' % missing
    functions = {c[0] for c in test_loss_metric_parity.METRIC_FUNCTIONS}
    functions |= {'sparse_categorical_accuracy',
                  'sparse_top_k_categorical_accuracy'}
    for name in ('binary_accuracy', 'categorical_accuracy',
                 'sparse_categorical_accuracy', 'top_k_categorical_accuracy',
                 'sparse_top_k_categorical_accuracy'):
        assert name in functions


def test_every_optimizer_has_a_parity_case():
    covered = {type(make()).__name__ for _, make, _ in
               test_optimizer_parity.CASES}
    # Against tf_keras's values (tests/test_optimizers_lion_adafactor.py).
    covered |= {'Lion', 'Adafactor'}
    # (OptimizerV2 is the base of user optimizers written for tf.keras
    # 2.0-2.10: tests/test_optimizer_v2_subclass.py; TFOptimizer gives the
    # optimizer it wraps: tests/test_optimizers.py.)
    classes = {c.__name__ for c in _public_classes(
        optimizers, optimizers.Optimizer)
        if c not in (optimizers.Optimizer, optimizers.OptimizerV2,
                     optimizers.TFOptimizer)}
    assert classes <= covered, classes - covered


def test_every_initializer_has_a_parity_case():
    source = inspect.getsource(test_initializer_parity)
    classes = _public_classes(initializers, initializers.Initializer)
    missing = []
    for cls, names in classes.items():
        if cls is initializers.Initializer:
            continue
        if not any(("'%s'" % n) in source for n in names):
            missing.append(min(names))
    assert not missing, 'initializers without a parity case: %s' % missing


def test_every_activation_has_a_parity_case():
    covered = {c[0] for c in test_activation_parity.CASES} | {'hard_sigmoid'}
    public = {n for n in dir(activations) if not n.startswith('_') and
              inspect.isfunction(getattr(activations, n)) and
              getattr(activations, n).__module__ == activations.__name__}
    public -= {'get', 'serialize', 'deserialize'}
    assert public <= covered, public - covered
