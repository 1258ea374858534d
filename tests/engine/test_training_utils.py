"""`keras.engine.training_utils` and the training behaviours of Keras 2
built on it: compile-time trainable weights, metric objects in
add_metric, Sequences whose length changes, partial losses."""
import pickle
import warnings

import numpy as np
import pytest

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import losses, metrics
from keras_compat.engine import training_utils
from keras_compat.layers import Dense, Dropout, Input
from keras_compat.models import Model, Sequential
from keras_compat.utils import Sequence


def test_check_array_length_consistency_counts_missing_as_zero():
    a = np.zeros((4, 3))
    b = np.zeros((3, 3))
    training_utils.check_array_length_consistency(None, None, None)
    training_utils.check_array_length_consistency([a, a], [a], [a])
    training_utils.check_array_length_consistency([None], [None], [None])
    for args in ([a], None, None), ([a], [None], None), ([a], [b], None), \
            ([a], [a], [b]), ([a, b], None, None):
        with pytest.raises(ValueError):
            training_utils.check_array_length_consistency(*args)


def test_standardize_input_data_orders_dicts_and_checks_shapes():
    x1, x2 = np.zeros((5, 2)), np.ones((5, 3))
    data = training_utils.standardize_input_data({'b': x2, 'a': x1},
                                                 ['a', 'b'])
    assert data[0] is x1 and data[1] is x2
    column = training_utils.standardize_input_data(np.arange(5), ['a'])
    assert column[0].shape == (5, 1)
    with pytest.raises(ValueError, match='to have shape'):
        training_utils.standardize_input_data([x1], ['a'],
                                              shapes=[(None, 3)])
    with pytest.raises(ValueError, match='No data provided for "b"'):
        training_utils.standardize_input_data({'a': x1}, ['a', 'b'])


def test_standardize_weights_multiplies_sample_and_class_weights():
    y = np.array([0, 1, 0, 0, 2])
    sample = np.array([0.5, 1., 1., 0., 2.])
    classes = {0: 0.5, 1: 1., 2: 1.5}
    per_class = np.array([0.5, 1., 0.5, 0.5, 1.5])
    np.testing.assert_allclose(
        training_utils.standardize_weights(y, sample), sample)
    np.testing.assert_allclose(
        training_utils.standardize_weights(y, class_weight=classes),
        per_class)
    np.testing.assert_allclose(
        training_utils.standardize_weights(y, sample, classes),
        sample * per_class)
    np.testing.assert_allclose(training_utils.standardize_weights(y),
                               np.ones(5))
    with pytest.raises(ValueError, match='must contain all classes'):
        training_utils.standardize_weights(y, class_weight={0: 1.})


def test_check_loss_and_target_compatibility():
    a = np.zeros((2, 3, 1))
    with pytest.raises(ValueError, match='You are passing a target array'):
        training_utils.check_loss_and_target_compatibility(
            [a], [losses.CategoricalCrossentropy()], [a.shape])
    b = np.zeros((2, 3, 5))
    with pytest.raises(ValueError, match='targets to have the same shape'):
        training_utils.check_loss_and_target_compatibility(
            [b], [losses.mean_squared_error], [(2, 3, 6)])
    training_utils.check_loss_and_target_compatibility(
        [b], [losses.mean_absolute_error], [(2, 3, 6)])


def test_weighted_masked_objective_follows_the_keras2_formula():
    fn = training_utils.weighted_masked_objective(losses.mean_squared_error)
    y_true = np.array([[1., 2.], [3., 4.], [0., 0.]], dtype='float32')
    y_pred = np.zeros((3, 2), dtype='float32')
    weights = np.array([1., 0., 2.], dtype='float32')
    mask = np.array([1., 1., 0.], dtype='float32')
    value = K.eval(fn(K.constant(y_true), K.constant(y_pred),
                      K.constant(weights), K.constant(mask)))
    scores = (y_true ** 2).mean(axis=1) * mask / (mask.mean() + 1e-7)
    scores = scores * weights / (weights != 0).mean()
    assert value == pytest.approx(scores.mean(), rel=1e-5)


def test_batch_helpers_and_validation_schedule():
    assert training_utils.make_batches(5, 2) == [(0, 2), (2, 4), (4, 5)]
    shuffled = training_utils.batch_shuffle(np.arange(7), 3)
    assert sorted(shuffled.tolist()) == list(range(7))
    assert shuffled[-1] == 6
    assert [training_utils.should_run_validation(2, e) for e in range(4)] \
        == [False, True, False, True]
    assert training_utils.should_run_validation([1, 3], 2)
    with pytest.raises(ValueError):
        training_utils.should_run_validation(0, 1)


def test_prepare_loss_weights_and_functions_errors():
    assert training_utils.prepare_loss_weights(['a', 'b'], {'b': 2.}) == \
        [1., 2.]
    with pytest.raises(TypeError):
        training_utils.prepare_loss_weights(['a', 'b'], (0.5, 0.5))
    with pytest.raises(ValueError):
        training_utils.prepare_loss_weights(['a'], {'c': 1.})
    fns = training_utils.prepare_loss_functions('mse', ['a', 'b'])
    assert [f.name for f in fns] == ['mean_squared_error'] * 2


def test_metric_function_resolution_from_loss_and_shape():
    get = training_utils.get_metric_function
    assert get('acc', (None, 1)) is metrics.binary_accuracy
    assert get('accuracy', (None, 4),
               losses.SparseCategoricalCrossentropy()) is \
        metrics.sparse_categorical_accuracy
    assert get('ce', (None, 4)) is metrics.categorical_crossentropy


def test_gan_discriminator_trains_alone_but_not_inside_the_combined_model():
    """Keras 2 trains the weights that were trainable at compile time."""
    discriminator = Sequential([Dense(1, input_dim=2)])
    discriminator.compile('sgd', 'mse')
    discriminator.trainable = False
    z = Input((3,))
    generator = Dense(2)
    combined = Model(z, discriminator(generator(z)))
    combined.compile('sgd', 'mse')

    before = discriminator.get_weights()[0].copy()
    with pytest.warns(UserWarning, match='Discrepancy'):
        discriminator.train_on_batch(np.ones((4, 2)), np.ones((4, 1)))
    assert not np.allclose(before, discriminator.get_weights()[0])

    before = discriminator.get_weights()[0].copy()
    gen_before = generator.get_weights()[0].copy()
    combined.train_on_batch(np.ones((4, 3)), np.ones((4, 1)))
    np.testing.assert_array_equal(before, discriminator.get_weights()[0])
    assert not np.allclose(gen_before, generator.get_weights()[0])

    # A new compile() takes the current flags.
    discriminator.compile('sgd', 'mse')
    before = discriminator.get_weights()[0].copy()
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        discriminator.train_on_batch(np.ones((4, 2)), np.ones((4, 1)))
    np.testing.assert_array_equal(before, discriminator.get_weights()[0])


def test_weight_lists_compare_as_in_keras():
    model = Sequential()
    layer = Dense(2, input_dim=1)
    model.add(layer)
    assert model.trainable_weights == layer.trainable_weights
    layer.trainable = False
    assert model.trainable_weights == []


def test_metric_objects_in_add_metric_report_their_own_result():
    x = Input(shape=(1,))
    y = Dense(1, kernel_initializer='ones', trainable=False)(x)
    model = Model(x, y)
    model.add_metric(K.sum(y), name='metric_1')
    model.add_metric(metrics.Mean(name='metric_2')(y))
    model.compile('sgd', loss='mse')
    data, targets = np.ones((10, 1)), np.zeros((10, 1))
    history = model.fit(data, targets, epochs=2, batch_size=5, verbose=0,
                        validation_data=(data, targets))
    assert history.history['metric_1'][-1] == 5
    assert history.history['val_metric_2'][-1] == 1
    assert model.evaluate(data, targets, batch_size=5, verbose=0)[1:] == \
        [5, 1]


def test_metric_attributes_of_a_subclassed_model_come_first():
    class TwoMetrics(Model):
        def __init__(self):
            super(TwoMetrics, self).__init__(name='two_metrics')
            self.dense = Dense(2, kernel_initializer='ones')
            self.mean = metrics.Mean(name='metric_1')

        def call(self, x):
            self.add_metric(K.sum(x), name='metric_2')
            self.add_metric(self.mean(x), name='metric_1')
            return self.dense(x)

    model = TwoMetrics()
    model.compile(loss='mse', optimizer='sgd')
    x, y = np.ones((10, 1)), np.ones((10, 2))
    model.fit(x, y, epochs=1, batch_size=5, verbose=0)
    assert model.metrics_names == ['loss', 'metric_1', 'metric_2']
    assert model.evaluate(x, y, batch_size=5, verbose=0)[1:] == [1, 5]


class GrowingBatches(Sequence):
    def __init__(self):
        self.batch_size = 3

    def __len__(self):
        return int(np.ceil(20 / float(self.batch_size)))

    def __getitem__(self, index):
        return np.ones((self.batch_size, 2)), np.ones((self.batch_size, 1))

    def on_epoch_end(self):
        self.batch_size += 2


def test_sequence_length_is_read_again_every_epoch():
    steps = []

    class Steps(keras.callbacks.Callback):
        def set_params(self, params):
            super(Steps, self).set_params(params)
            steps.append(params['steps'])

    model = Sequential([Dense(1, input_dim=2)])
    model.compile('sgd', 'mse')
    model.fit_generator(GrowingBatches(), epochs=4, verbose=0,
                        callbacks=[Steps()], workers=0)
    assert steps[:4] == [7, 4, 3, 3]


def test_one_target_for_the_one_output_with_a_loss():
    a = Input(shape=(3,))
    hidden = Dense(4, name='dense_1')(a)
    model = Model(a, [hidden, Dropout(0.5, name='dropout')(hidden)])
    with pytest.warns(UserWarning, match='missing from loss dictionary'):
        model.compile('rmsprop', {'dropout': 'mse'})
    model.train_on_batch(np.ones((10, 3)), np.ones((10, 4)))


def test_sample_weight_mode_dict_must_name_every_output():
    a = Input(shape=(3,))
    model = Model(a, [Dense(2, name='one')(a), Dense(2, name='two')(a)])
    with pytest.raises(ValueError, match='Output missing'):
        model.compile('sgd', 'mse', sample_weight_mode={'one': None})


def test_sparse_crossentropy_renormalises_along_the_class_axis():
    probs = np.array([[0.2, 0.2, 0.1], [0.5, 0.3, 0.2]], dtype='float32')
    labels = np.array([1, 0])
    value = K.eval(K.sparse_categorical_crossentropy(K.constant(labels),
                                                     K.constant(probs)))
    expected = -np.log(probs[[0, 1], labels] / probs.sum(axis=1))
    np.testing.assert_allclose(value, expected, rtol=1e-5)


def test_pickled_model_trains_like_the_original():
    model = Sequential([Dense(2, input_shape=(3,)), Dense(3)])
    model.compile(loss='mse', optimizer=keras.optimizers.RMSprop(lr=1e-3))
    x, y = np.random.random((4, 3)), np.random.random((4, 3))
    model.train_on_batch(x, y)
    copy = pickle.loads(pickle.dumps(model))
    model.train_on_batch(x, y)
    copy.train_on_batch(x, y)
    np.testing.assert_allclose(model.predict(x), copy.predict(x), atol=1e-6)


def test_scipy_sparse_and_single_dataframe_lists_are_fed_densely():
    sparse = pytest.importorskip('scipy.sparse')
    pandas = pytest.importorskip('pandas')
    a = Input(shape=(3,))
    model = Model(a, Dense(2, kernel_initializer='ones')(a))
    model.compile('sgd', 'mse')
    x = sparse.random(6, 3, density=0.5, random_state=0).tocsr()
    np.testing.assert_allclose(model.predict(x, batch_size=2),
                               model.predict(x.toarray()), rtol=1e-6)
    frame = pandas.DataFrame(np.ones((6, 3)))
    targets = pandas.DataFrame(np.zeros((6, 2)))
    model.fit([frame], [targets], epochs=1, verbose=0)


def test_pickled_model_with_a_lambda_layer():
    from keras_compat.layers import Lambda
    offset = 2.

    inputs = Input((3,))
    scaled = Lambda(lambda x: K.square(x) + offset)(inputs)
    model = Model(inputs, Dense(2)(scaled))
    x = np.random.RandomState(2).rand(4, 3).astype('float32')
    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_allclose(copy.predict(x), model.predict(x), rtol=1e-6)
