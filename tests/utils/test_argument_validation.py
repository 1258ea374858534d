"""Bad arguments are refused up front, with the argument's name: every
public training entry point and layer constructor, one or more bad values
each. A refused call leaves the model's weights exactly as they were, and
the model still trains afterwards."""
import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat import layers
from keras_compat.models import Sequential
from keras_compat.utils import Sequence, to_categorical

X = np.random.RandomState(0).rand(12, 3).astype('float32')
Y = np.random.RandomState(1).rand(12, 2).astype('float32')
LABELS = np.array([0, 1] * 6)


class Batches(Sequence):
    def __init__(self, n=2):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return X[:4], Y[:4]


class Inputs(Batches):
    def __getitem__(self, i):
        return X[:4]


def empty_generator():
    return
    yield


def model():
    m = Sequential([layers.Dense(4, input_shape=(3,)), layers.Dense(2)])
    m.compile('sgd', 'mse')
    return m


def weight_bytes(m):
    return [w.tobytes() for w in m.get_weights()]


def fit(**kw):
    return lambda m: m.fit(X, Y, verbose=0, **kw)


def evaluate(**kw):
    return lambda m: m.evaluate(X, Y, verbose=0, **kw)


def predict(**kw):
    return lambda m: m.predict(X, **kw)


def fit_generator(data=None, **kw):
    kw.setdefault('steps_per_epoch', 2)
    data = Batches() if data is None else data
    return lambda m: m.fit_generator(data, verbose=0, **kw)


def evaluate_generator(data=None, **kw):
    kw.setdefault('steps', 2)
    data = Batches() if data is None else data
    return lambda m: m.evaluate_generator(data, **kw)


def predict_generator(data=None, **kw):
    kw.setdefault('steps', 2)
    data = Inputs() if data is None else data
    return lambda m: m.predict_generator(data, **kw)


V = ValueError
T = TypeError

# (call on a compiled model, exception type, text the message holds)
MODEL_CASES = [
    # fit
    ('fit-batch_size-0', fit(batch_size=0), V, 'batch_size'),
    ('fit-batch_size-neg', fit(batch_size=-8), V, 'batch_size'),
    ('fit-batch_size-float', fit(batch_size=2.5), V, 'batch_size'),
    ('fit-batch_size-str', fit(batch_size='32'), V, 'batch_size'),
    ('fit-batch_size-bool', fit(batch_size=True), V, 'batch_size'),
    ('fit-epochs-neg', fit(epochs=-1), V, 'epochs'),
    ('fit-epochs-float', fit(epochs=1.5), V, 'epochs'),
    ('fit-epochs-none', fit(epochs=None), V, 'epochs'),
    ('fit-epochs-str', fit(epochs='2'), V, 'epochs'),
    ('fit-nb_epoch-neg', fit(nb_epoch=-2), V, 'epochs'),
    ('fit-initial_epoch-neg', fit(initial_epoch=-1), V, 'initial_epoch'),
    ('fit-initial_epoch-float', fit(initial_epoch=0.5), V,
     'initial_epoch'),
    ('fit-steps_per_epoch-0', fit(steps_per_epoch=0), V, 'steps_per_epoch'),
    ('fit-steps_per_epoch-neg', fit(steps_per_epoch=-2), V,
     'steps_per_epoch'),
    ('fit-steps_per_epoch-str', fit(steps_per_epoch='2'), V,
     'steps_per_epoch'),
    ('fit-steps_per_epoch-inf', fit(steps_per_epoch=float('inf')), V,
     'steps_per_epoch'),
    ('fit-validation_steps-0', fit(validation_steps=0), V,
     'validation_steps'),
    ('fit-validation_split-1.5', fit(validation_split=1.5), V,
     'validation_split'),
    ('fit-validation_split-1', fit(validation_split=1.), V,
     'validation_split'),
    ('fit-validation_split-neg', fit(validation_split=-0.1), V,
     'validation_split'),
    ('fit-validation_split-str', fit(validation_split='0.2'), V,
     'validation_split'),
    ('fit-validation_split-bool', fit(validation_split=True), V,
     'validation_split'),
    ('fit-validation_split-nothing-left',
     lambda m: m.fit(X[:1], Y[:1], validation_split=0.5, verbose=0), V,
     'validation_split'),
    ('fit-validation_freq-0', fit(validation_freq=0), V, 'validation_freq'),
    ('fit-validation_freq-neg', fit(validation_freq=-1), V,
     'validation_freq'),
    ('fit-validation_freq-float', fit(validation_freq=2.5), V,
     'validation_freq'),
    ('fit-validation_freq-str', fit(validation_freq='2'), V,
     'validation_freq'),
    ('fit-validation_freq-list-of-floats', fit(validation_freq=[0.5]), V,
     'validation_freq'),
    ('fit-class_weight-str-key', fit(class_weight={'a': 1.}), V,
     'class_weight'),
    ('fit-class_weight-neg-key', fit(class_weight={-1: 1.}), V,
     'class_weight'),
    ('fit-class_weight-float-key', fit(class_weight={0.5: 1.}), V,
     'class_weight'),
    ('fit-class_weight-none-value', fit(class_weight={0: None}), V,
     'class_weight'),
    ('fit-class_weight-str-value', fit(class_weight={0: 'x'}), V,
     'class_weight'),
    ('fit-class_weight-nan', fit(class_weight={0: float('nan')}), V,
     'class_weight'),
    ('fit-class_weight-list-of-str', fit(class_weight=['a', 'b']), V,
     'class_weight'),
    ('fit-class_weight-number', fit(class_weight=5), V, 'class_weight'),
    ('fit-workers-neg', fit(workers=-1), V, 'workers'),
    ('fit-x-empty', lambda m: m.fit(X[:0], Y[:0], verbose=0), V,
     'non-empty'),
    ('fit-validation_data-empty',
     fit(validation_data=(X[:0], Y[:0])), V, 'validation_data'),
    ('fit-unknown-kwarg', fit(epoch=2), T, 'epoch'),
    # evaluate
    ('evaluate-batch_size-0', evaluate(batch_size=0), V, 'batch_size'),
    ('evaluate-batch_size-neg', evaluate(batch_size=-1), V, 'batch_size'),
    ('evaluate-batch_size-float', evaluate(batch_size=2.5), V,
     'batch_size'),
    ('evaluate-steps-0', evaluate(steps=0), V, 'steps'),
    ('evaluate-steps-neg', evaluate(steps=-3), V, 'steps'),
    ('evaluate-workers-neg', evaluate(workers=-2), V, 'workers'),
    ('evaluate-x-empty', lambda m: m.evaluate(X[:0], Y[:0], verbose=0), V,
     'non-empty'),
    # predict
    ('predict-batch_size-0', predict(batch_size=0), V, 'batch_size'),
    ('predict-batch_size-neg', predict(batch_size=-3), V, 'batch_size'),
    ('predict-batch_size-float', predict(batch_size=1.5), V, 'batch_size'),
    ('predict-steps-0', predict(steps=0), V, 'steps'),
    ('predict-workers-neg', predict(workers=-1), V, 'workers'),
    # batch methods
    ('train_on_batch-class_weight',
     lambda m: m.train_on_batch(X, Y, class_weight={'a': 1}), V,
     'class_weight'),
    ('train_on_batch-x-empty', lambda m: m.train_on_batch(X[:0], Y[:0]), V,
     'non-empty'),
    ('test_on_batch-x-empty', lambda m: m.test_on_batch(X[:0], Y[:0]), V,
     'non-empty'),
    # fit with a Sequence, fit_generator
    ('fit-sequence-batch_size-0',
     lambda m: m.fit(Batches(), batch_size=0, verbose=0), V, 'batch_size'),
    ('fit-sequence-empty', lambda m: m.fit(Batches(0), verbose=0), V,
     'Sequence'),
    ('fit_generator-steps-0', fit_generator(steps_per_epoch=0), V,
     'steps_per_epoch'),
    ('fit_generator-steps-neg', fit_generator(steps_per_epoch=-1), V,
     'steps_per_epoch'),
    ('fit_generator-epochs-neg', fit_generator(epochs=-1), V, 'epochs'),
    ('fit_generator-initial_epoch-neg', fit_generator(initial_epoch=-1), V,
     'initial_epoch'),
    ('fit_generator-validation_freq-0', fit_generator(validation_freq=0), V,
     'validation_freq'),
    ('fit_generator-validation_steps-0',
     fit_generator(validation_data=Batches(), validation_steps=0), V,
     'validation_steps'),
    ('fit_generator-class_weight', fit_generator(class_weight={'a': 1}), V,
     'class_weight'),
    ('fit_generator-workers-neg', fit_generator(workers=-1), V, 'workers'),
    ('fit_generator-empty-sequence',
     fit_generator(Batches(0), steps_per_epoch=None), V, 'Sequence'),
    ('fit_generator-empty-generator',
     lambda m: m.fit_generator(empty_generator(), steps_per_epoch=2,
                               verbose=0), V, 'generator'),
    ('fit_generator-no-steps-for-generator',
     lambda m: m.fit_generator(empty_generator(), verbose=0), V,
     'steps_per_epoch'),
    # evaluate_generator / predict_generator
    ('evaluate_generator-steps-0', evaluate_generator(steps=0), V, 'steps'),
    ('evaluate_generator-steps-neg-float', evaluate_generator(steps=-1.5),
     V, 'steps'),
    ('evaluate_generator-workers-neg', evaluate_generator(workers=-1), V,
     'workers'),
    ('evaluate_generator-empty-sequence',
     evaluate_generator(Batches(0), steps=None), V, 'Sequence'),
    ('evaluate-sequence-steps-neg',
     lambda m: m.evaluate(Batches(), steps=-1, verbose=0), V, 'steps'),
    ('predict_generator-steps-0', predict_generator(steps=0), V, 'steps'),
    ('predict_generator-steps-neg', predict_generator(steps=-1), V,
     'steps'),
    ('predict_generator-empty-sequence',
     predict_generator(Inputs(0), steps=None), V, 'Sequence'),
    ('predict_generator-empty-generator',
     lambda m: m.predict_generator(empty_generator(), steps=1), V,
     'generator'),
    # compile: a refused compile keeps the model's configuration
    ('compile-metric-typo', lambda m: m.compile('sgd', 'mse',
                                                metrics=['acurracy']), V,
     'acurracy'),
    ('compile-metric-number', lambda m: m.compile('sgd', 'mse',
                                                  metrics=[5]), V, 'metric'),
    ('compile-weighted-metric-typo',
     lambda m: m.compile('sgd', 'mse', weighted_metrics=['nope']), V,
     'nope'),
    ('compile-metrics-not-a-list',
     lambda m: m.compile('sgd', 'mse', metrics=5), T, 'metrics'),
    ('compile-loss-typo', lambda m: m.compile('sgd', 'msee'), V, 'msee'),
    ('compile-optimizer-typo', lambda m: m.compile('sgdd', 'mse'), V,
     'sgdd'),
    ('compile-unknown-kwarg', lambda m: m.compile('sgd', 'mse', foo=1), T,
     'foo'),
]


@pytest.mark.filterwarnings('ignore:The `nb_epoch` argument')
@pytest.mark.parametrize('call,error,text',
                         [c[1:] for c in MODEL_CASES],
                         ids=[c[0] for c in MODEL_CASES])
def test_bad_argument_is_refused_before_any_work(call, error, text):
    m = model()
    m.fit(X, Y, epochs=1, verbose=0)      # built, with optimizer state
    before = weight_bytes(m)
    optimizer, loss = m.optimizer, m.loss
    with pytest.raises(error) as info:
        call(m)
    assert text in str(info.value)
    assert weight_bytes(m) == before
    # A refused compile leaves the model compiled as it was.
    assert m.optimizer is optimizer and m.loss == loss
    m.fit(X, Y, epochs=1, verbose=0)
    assert weight_bytes(m) != before


LAYER_CASES = [
    ('Dense-0', lambda: layers.Dense(0), 'units'),
    ('Dense-neg', lambda: layers.Dense(-3), 'units'),
    ('Dense-float', lambda: layers.Dense(2.5), 'units'),
    ('Dense-str', lambda: layers.Dense('4'), 'units'),
    ('Dense-bool', lambda: layers.Dense(True), 'units'),
    ('LSTM-0', lambda: layers.LSTM(0), 'units'),
    ('GRU-neg', lambda: layers.GRU(-1), 'units'),
    ('SimpleRNN-0', lambda: layers.SimpleRNN(0), 'units'),
    ('LSTMCell-0', lambda: layers.LSTMCell(0), 'units'),
    ('GRUCell-neg', lambda: layers.GRUCell(-2), 'units'),
    ('SimpleRNNCell-float', lambda: layers.SimpleRNNCell(1.5), 'units'),
    ('Conv1D-filters-neg', lambda: layers.Conv1D(-1, 3), 'filters'),
    ('Conv2D-filters-0', lambda: layers.Conv2D(0, 3), 'filters'),
    ('Conv3D-filters-float', lambda: layers.Conv3D(2.5, 3), 'filters'),
    ('Conv2D-kernel_size-0', lambda: layers.Conv2D(4, 0), 'kernel_size'),
    ('Conv2D-kernel_size-tuple-0', lambda: layers.Conv2D(4, (3, 0)),
     'kernel_size'),
    ('Conv2D-kernel_size-wrong-length', lambda: layers.Conv2D(4, (3, 3, 3)),
     'kernel_size'),
    ('Conv3D-kernel_size-neg', lambda: layers.Conv3D(2, -1), 'kernel_size'),
    ('Conv2D-strides-0', lambda: layers.Conv2D(4, 3, strides=0), 'strides'),
    ('Conv1D-strides-neg', lambda: layers.Conv1D(4, 3, strides=-1),
     'strides'),
    ('Conv1D-dilation_rate-0', lambda: layers.Conv1D(2, 3, dilation_rate=0),
     'dilation_rate'),
    ('Conv2DTranspose-filters-0', lambda: layers.Conv2DTranspose(0, 3),
     'filters'),
    ('SeparableConv2D-depth_multiplier-0',
     lambda: layers.SeparableConv2D(2, 3, depth_multiplier=0),
     'depth_multiplier'),
    ('DepthwiseConv2D-depth_multiplier-neg',
     lambda: layers.DepthwiseConv2D(3, depth_multiplier=-1),
     'depth_multiplier'),
    ('LocallyConnected2D-filters-0', lambda: layers.LocallyConnected2D(0, 3),
     'filters'),
    ('LocallyConnected1D-kernel_size-0',
     lambda: layers.LocallyConnected1D(2, 0), 'kernel_size'),
    ('ConvLSTM2D-filters-0', lambda: layers.ConvLSTM2D(0, 3), 'filters'),
    ('Dropout-above-1', lambda: layers.Dropout(1.5), 'rate'),
    ('Dropout-1', lambda: layers.Dropout(1.), 'rate'),
    ('Dropout-neg', lambda: layers.Dropout(-0.1), 'rate'),
    ('Dropout-str', lambda: layers.Dropout('a'), 'rate'),
    ('SpatialDropout2D-2', lambda: layers.SpatialDropout2D(2.), 'rate'),
    ('GaussianDropout-1', lambda: layers.GaussianDropout(1.), 'rate'),
    ('AlphaDropout-neg', lambda: layers.AlphaDropout(-1), 'rate'),
    ('Embedding-input_dim-0', lambda: layers.Embedding(0, 4), 'input_dim'),
    ('Embedding-input_dim-neg', lambda: layers.Embedding(-1, 4),
     'input_dim'),
    ('Embedding-output_dim-0', lambda: layers.Embedding(10, 0),
     'output_dim'),
    ('Embedding-output_dim-float', lambda: layers.Embedding(10, 2.5),
     'output_dim'),
    ('MaxPooling2D-pool_size-0', lambda: layers.MaxPooling2D(0),
     'pool_size'),
    ('MaxPooling2D-pool_size-tuple-0', lambda: layers.MaxPooling2D((2, 0)),
     'pool_size'),
    ('AveragePooling1D-pool_size-neg', lambda: layers.AveragePooling1D(-1),
     'pool_size'),
    ('MaxPooling3D-strides-0', lambda: layers.MaxPooling3D(2, strides=0),
     'strides'),
    ('UpSampling2D-size-0', lambda: layers.UpSampling2D(0), 'size'),
    ('to_categorical-too-negative', lambda: to_categorical([0, -4],
                                                           num_classes=3),
     'num_classes'),
    ('to_categorical-too-large', lambda: to_categorical([0, 3],
                                                        num_classes=3),
     'num_classes'),
]


@pytest.mark.parametrize('make,text', [c[1:] for c in LAYER_CASES],
                         ids=[c[0] for c in LAYER_CASES])
def test_bad_layer_argument_is_refused_at_construction(make, text):
    # tf.keras's rules: Keras 2.3.1 clips a Dropout rate into [0, 1].
    K.common.set_api_flavour('tf.keras')
    with pytest.raises(ValueError) as info:
        make()
    assert text in str(info.value)


def test_there_are_about_a_hundred_bad_inputs():
    assert len(MODEL_CASES) + len(LAYER_CASES) >= 100


def test_good_values_are_still_accepted():
    m = model()
    m.fit(X, Y, batch_size=np.int64(4), epochs=np.int32(1), verbose=0,
          validation_split=0., validation_freq=[1], initial_epoch=0)
    m.fit(X, Y, epochs=0, verbose=0)
    m.fit(X, Y, steps_per_epoch=2, batch_size=None, verbose=0)
    assert m.evaluate(X, Y, batch_size=5, verbose=0) >= 0
    assert layers.Dense(3.0).units == 3
    assert layers.Dropout(0.).rate == 0.
    layers.ZeroPadding2D(0)
    layers.Cropping1D((0, 0))
    layers.Conv2DTranspose(3, 3, strides=2, output_padding=0)
    clf = Sequential([layers.Dense(2, activation='softmax', input_dim=3)])
    clf.compile('sgd', 'sparse_categorical_crossentropy',
                metrics=['accuracy'])
    clf.fit(X, LABELS, class_weight={0: 1., 1: np.float32(2.)}, verbose=0)
    clf.fit(X, LABELS, class_weight={np.int64(0): 1, 1.0: 2}, verbose=0)


def test_predict_on_no_rows_gives_an_empty_array_of_the_output_shape():
    m = model()
    assert m.predict(X[:0]).shape == (0, 2)
    assert m.predict_on_batch(X[:0]).shape == (0, 2)
    deferred = Sequential([layers.Dense(4), layers.Flatten(),
                           layers.Dense(5)])
    assert deferred.predict(np.zeros((0, 3, 2), 'float32')).shape == (0, 5)
    image = Sequential([layers.Conv2D(2, 3, input_shape=(6, 6, 1)),
                        layers.Flatten(), layers.Dense(3)])
    out = image.predict(np.zeros((0, 6, 6, 1), 'float32'))
    assert out.shape == (0, 3) and out.dtype == np.float32


def test_a_class_weight_array_is_ignored_with_a_warning_as_in_keras_2():
    # sklearn's compute_class_weight returns an array; Keras 2 applied only
    # a dict and trained unweighted.
    def loss_with(class_weight):
        model = Sequential([layers.Dense(
            2, input_shape=(3,), activation='softmax',
            kernel_initializer='ones')])
        model.compile('sgd', 'categorical_crossentropy')
        y = np.eye(2, dtype='float32')[np.arange(12) % 2]
        return model.fit(X, y, epochs=2, verbose=0, shuffle=False,
                         class_weight=class_weight).history['loss']
    unweighted = loss_with(None)
    for given in (np.array([1., 5.]), [1., 5.]):
        with pytest.warns(UserWarning, match='ignored, as in Keras 2'):
            assert loss_with(given) == unweighted
    assert loss_with({0: 1., 1: 5.}) != unweighted


def test_to_categorical_counts_negative_labels_from_the_last_class():
    # Keras 2 indexes a numpy array with the labels.
    np.testing.assert_array_equal(
        to_categorical([0, -1, 2]),
        [[1, 0, 0], [0, 0, 1], [0, 0, 1]])
    np.testing.assert_array_equal(
        to_categorical([[1], [-2]], num_classes=4),
        [[0, 1, 0, 0], [0, 0, 1, 0]])
    with pytest.raises(IndexError):
        to_categorical([0, 3], num_classes=3)
