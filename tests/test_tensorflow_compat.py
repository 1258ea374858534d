"""The TensorFlow stand-in (`import tensorflow` under the runner where
TensorFlow is not installed, and `keras.backend.tf`): operations against
numpy and TensorFlow's documented formulas, on tensors and on symbolic
Keras tensors; the TF1 session and device setup scripts write; the
optimizers of `tf.train` against Keras's."""
import importlib.util
import os

import numpy as np
import pytest
import torch

from keras_compat import backend as K
from keras_compat import layers, optimizers
from keras_compat import losses as keras_losses
from keras_compat import tensorflow_compat as tf
from keras_compat.models import Model, Sequential

from runner_process import ROOT, run_source
rng = np.random.RandomState(7)


def value(x):
    return K.eval(x)


# ------------------------------------------------------------ operations
def test_reductions_shapes_and_products():
    x = rng.rand(2, 3, 4).astype('float32')
    t = K.constant(x)
    np.testing.assert_allclose(
        value(tf.reduce_sum(t, axis=[1, 2], keep_dims=True)),
        x.sum(axis=(1, 2), keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(value(tf.reduce_mean(t, reduction_indices=1)),
                               x.mean(1), rtol=1e-5)
    np.testing.assert_allclose(value(tf.reduce_logsumexp(t, axis=-1)),
                               np.log(np.exp(x).sum(-1)), rtol=1e-5)
    np.testing.assert_allclose(
        value(tf.matmul(t, t, transpose_b=True)),
        x @ x.transpose(0, 2, 1), rtol=1e-5)
    np.testing.assert_allclose(value(tf.transpose(t)), x.transpose(2, 1, 0))
    np.testing.assert_allclose(value(tf.squeeze(tf.expand_dims(t, 1), [1])),
                               x)
    np.testing.assert_allclose(value(tf.einsum('bij,bkj->bik', t, t)),
                               x @ x.transpose(0, 2, 1), rtol=1e-5)
    assert value(tf.argmax(K.constant([[1., 5.], [3., 2.]]))).tolist() == \
        [1, 0]  # axis 0 by default, as in TensorFlow


def test_indexing_operations():
    x = np.arange(24, dtype='float32').reshape(2, 3, 4)
    t = K.constant(x)
    np.testing.assert_array_equal(value(tf.slice(t, [0, 1, 1], [-1, 2, 2])),
                                  x[:, 1:3, 1:3])
    np.testing.assert_array_equal(value(tf.gather(t, [2, 0], axis=1)),
                                  x[:, [2, 0]])
    np.testing.assert_array_equal(
        value(tf.gather_nd(t, [[1, 2], [0, 0]])), x[[1, 0], [2, 0]])
    np.testing.assert_array_equal(
        value(tf.boolean_mask(t, K.constant([True, False]))), x[:1])
    np.testing.assert_array_equal(
        value(tf.where(K.constant(x > 10), t, tf.zeros_like(t))),
        np.where(x > 10, x, 0))
    first, second = tf.split(t, [1, 3], axis=2)
    np.testing.assert_array_equal(value(second), x[:, :, 1:])
    rows = tf.unstack(t, axis=1)
    assert len(rows) == 3
    np.testing.assert_array_equal(value(rows[2]), x[:, 2])
    np.testing.assert_array_equal(
        value(tf.pad(K.constant([[1., 2.]]), [[1, 0], [0, 2]])),
        [[0, 0, 0, 0], [1, 2, 0, 0]])
    np.testing.assert_array_equal(
        value(tf.one_hot([0, 2, -1], 3, on_value=5., off_value=-1.)),
        [[5, -1, -1], [-1, -1, 5], [-1, -1, -1]])
    np.testing.assert_array_equal(
        value(tf.sequence_mask([1, 3], maxlen=4)),
        [[True, False, False, False], [True, True, True, False]])
    np.testing.assert_array_equal(
        value(tf.cumsum(K.constant([1., 2., 3.]), exclusive=True,
                        reverse=True)), [5., 3., 0.])
    assert value(tf.range(2, 8, 3)).tolist() == [2, 5]
    assert tf.range(3).dtype == torch.int32


def test_neural_network_operations_follow_tensorflow_formulas():
    logits = rng.randn(4, 3).astype('float32')
    labels = np.eye(3, dtype='float32')[[0, 2, 1, 1]]
    log_softmax = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    np.testing.assert_allclose(
        value(tf.nn.softmax_cross_entropy_with_logits_v2(
            labels=labels, logits=logits)),
        -(labels * log_softmax).sum(-1), rtol=1e-5)
    np.testing.assert_allclose(
        value(tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=np.array([0, 2, 1, 1]), logits=logits)),
        -(labels * log_softmax).sum(-1), rtol=1e-5)
    z = (rng.rand(4, 3) > .5).astype('float32')
    # max(x, 0) - x * z + log(1 + exp(-|x|))
    np.testing.assert_allclose(
        value(tf.nn.sigmoid_cross_entropy_with_logits(labels=z,
                                                      logits=logits)),
        np.maximum(logits, 0) - logits * z +
        np.log1p(np.exp(-np.abs(logits))), rtol=1e-5)
    np.testing.assert_allclose(
        value(tf.nn.l2_normalize(logits, axis=1)),
        logits / np.sqrt((logits ** 2).sum(1, keepdims=True)), rtol=1e-5)
    mean, variance = tf.nn.moments(K.constant(logits), axes=[0])
    np.testing.assert_allclose(value(mean), logits.mean(0), rtol=1e-5)
    np.testing.assert_allclose(value(variance), logits.var(0), rtol=1e-4)
    top = tf.nn.top_k(K.constant(logits), k=2)
    np.testing.assert_allclose(value(top.values),
                               -np.sort(-logits, axis=1)[:, :2])
    np.testing.assert_array_equal(value(top.indices),
                                  np.argsort(-logits, axis=1)[:, :2])
    dropped = value(tf.nn.dropout(K.ones((1000,)), keep_prob=0.8))
    assert set(np.unique(dropped)) <= {0., 1.25}
    assert 0.7 < (dropped > 0).mean() < 0.9


def test_operations_on_symbolic_tensors_build_the_graph():
    inputs = layers.Input((3, 4))
    summed = layers.Lambda(
        lambda x: tf.reduce_sum(tf.square(x), axis=-1))(inputs)
    gathered = tf.gather(inputs, [0, 2], axis=1)
    model = Model(inputs, [summed, gathered])
    assert model.output_shape == [(None, 3), (None, 2, 4)]
    x = rng.rand(2, 3, 4).astype('float32')
    out_sum, out_gather = model.predict(x)
    np.testing.assert_allclose(out_sum, (x ** 2).sum(-1), rtol=1e-5)
    np.testing.assert_allclose(out_gather, x[:, [0, 2]])


def test_loss_written_with_tensorflow_operations_trains_as_keras_mse():
    def tf_mse(y_true, y_pred):
        return tf.reduce_mean(tf.squared_difference(y_pred, y_true),
                              axis=-1)

    x = rng.rand(8, 3).astype('float32')
    y = rng.rand(8, 2).astype('float32')
    weights = [rng.rand(3, 2).astype('float32'), np.zeros(2, 'float32')]
    losses = []
    for loss in (tf_mse, 'mse'):
        model = Sequential([layers.Dense(2, input_shape=(3,))])
        model.set_weights(weights)
        model.compile(optimizers.SGD(0.1), loss)
        losses.append(model.fit(x, y, epochs=2, verbose=0)
                      .history['loss'])
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-6)


# ------------------------------------------------- sessions and devices
def test_tf1_session_setup_runs_and_feeds_placeholders():
    config = tf.ConfigProto(log_device_placement=False)
    config.gpu_options.allow_growth = True
    config.gpu_options.per_process_gpu_memory_fraction = 0.4
    with tf.Session(config=config) as session:
        assert tf.get_default_session() is session
        assert session.run(tf.global_variables_initializer()) is None
        placeholder = tf.placeholder(tf.float32, shape=(None, 3))
        doubled = tf.reduce_sum(placeholder * 2., axis=1)
        np.testing.assert_allclose(
            session.run(doubled, feed_dict={placeholder: np.ones((2, 3))}),
            [6., 6.])
        variable = tf.Variable(np.arange(3.), dtype=tf.float32)
        assert isinstance(variable, tf.Variable)
        first, second = session.run([variable, variable * 2])
        np.testing.assert_array_equal(second, [0., 2., 4.])
    with tf.get_default_graph().as_default():
        tf.set_random_seed(3)
        a = value(tf.random_uniform((4,)))
        tf.set_random_seed(3)
        np.testing.assert_array_equal(a, value(tf.random_uniform((4,))))
    assert tf.config.experimental.list_physical_devices('CPU')
    for gpu in tf.config.experimental.list_physical_devices('GPU'):
        tf.config.experimental.set_memory_growth(gpu, True)
    assert tf.test.is_gpu_available() == torch.cuda.is_available()
    assert tf.compat.v1 is tf and tf.keras.layers.Dense is layers.Dense


def test_tf1_optimizers_are_the_keras_updates_they_match():
    x = rng.rand(8, 3).astype('float32')
    y = rng.rand(8, 1).astype('float32')
    weights = [rng.rand(3, 1).astype('float32'), np.zeros(1, 'float32')]
    pairs = [(tf.train.AdamOptimizer(0.01, epsilon=1e-8),
              optimizers.Adam(0.01, epsilon=1e-8)),
             (tf.train.MomentumOptimizer(0.05, 0.9, use_nesterov=True),
              optimizers.SGD(0.05, momentum=0.9, nesterov=True))]
    for tf_optimizer, keras_optimizer in pairs:
        results = []
        for optimizer in (tf_optimizer, keras_optimizer):
            model = Sequential([layers.Dense(1, input_shape=(3,))])
            model.set_weights(weights)
            model.compile(optimizer, 'mse')
            model.fit(x, y, batch_size=4, epochs=2, verbose=0,
                      shuffle=False)
            results.append(model.get_weights()[0])
        np.testing.assert_allclose(results[0], results[1], rtol=1e-6)
    # TF1's own updates: weights after three steps of
    # tf.compat.v1.train.*Optimizer(...).minimize in TensorFlow 2.21.
    rs = np.random.RandomState(0)
    x = rs.rand(8, 3).astype('float32')
    y = rs.rand(8, 1).astype('float32')
    start = rs.rand(3, 1).astype('float32')
    expected = {
        'rmsprop': (lambda: tf.train.RMSPropOptimizer(0.01),
                    [0.4493231475353241, 0.5578807592391968,
                     0.011933613568544388]),
        'rmsprop_momentum': (
            lambda: tf.train.RMSPropOptimizer(0.01, momentum=0.9),
            [0.4435305595397949, 0.5489179491996765, 0.006105215288698673]),
        'adagrad': (lambda: tf.train.AdagradOptimizer(0.1),
                    [0.36952418088912964, 0.4397006630897522,
                     -0.05087663605809212]),
        'adadelta': (lambda: tf.train.AdadeltaOptimizer(1.0),
                     [0.4547966718673706, 0.5670796036720276,
                      0.01743694767355919])}
    for name, (make, weights) in expected.items():
        model = Sequential([layers.Dense(1, use_bias=False,
                                         input_shape=(3,))])
        model.set_weights([start])
        model.compile(make(), 'mse')
        for _ in range(3):
            model.train_on_batch(x, y)
        np.testing.assert_allclose(model.get_weights()[0].ravel(), weights,
                                   rtol=1e-5, err_msg=name)


def test_missing_operation_names_itself_and_the_alternatives():
    with pytest.raises(AttributeError, match="'contrib_ops'.*keras.backend"):
        tf.contrib_ops
    # (tf.contrib serves its rnn and part of its layers.)
    with pytest.raises(AttributeError, match="'slim'.*keras.backend"):
        tf.contrib.slim


# --------------------------------------------------------- import paths
def _run_script(tmp_path, source):
    return run_source(tmp_path, source)


@pytest.mark.skipif(importlib.util.find_spec('tensorflow') is not None,
                    reason='TensorFlow is installed: it is imported itself')
def test_scripts_import_tensorflow_where_it_is_not_installed(tmp_path):
    result = _run_script(tmp_path, '''
        import numpy as np
        import tensorflow as tf
        import tensorflow.compat.v1 as tf1
        from tensorflow.keras.layers import Dense
        from tensorflow import keras
        from keras import backend as K
        import keras_compat
        config = tf1.ConfigProto()
        config.gpu_options.allow_growth = True
        K.set_session(tf1.Session(config=config))
        assert keras is keras_compat and Dense is keras.layers.Dense
        assert tf.nn.relu is tf1.nn.relu
        from tensorflow.nn import relu
        model = keras.models.Sequential([Dense(1, input_shape=(2,))])
        model.compile(tf.train.AdamOptimizer(), 'mse')
        model.fit(np.ones((4, 2)), np.ones((4, 1)), verbose=0)
        # A library that looks for TensorFlow does not find this one.
        try:
            exec('import tensorflow.keras', {'__name__': 'tensorboard.compat'})
        except ImportError:
            pass
        namespace = {'__name__': 'transformers.utils'}
        import sys
        for name in [n for n in sys.modules if n.startswith('tensorflow')]:
            del sys.modules[name]
        try:
            exec('import tensorflow', namespace)
            print('FOUND')
        except ImportError:
            print('NOT FOUND')
    ''')
    assert result.returncode == 0, result.stderr
    assert 'NOT FOUND' in result.stdout
    assert 'set_session' not in result.stderr


def test_gradient_tape_loop_trains_as_fit():
    x = rng.rand(16, 4).astype('float32')
    y = rng.randint(0, 3, 16)

    def build():
        return Sequential([layers.Dense(8, activation='relu',
                                        input_shape=(4,)),
                           layers.Dense(3)])

    looped = build()
    fitted = build()
    fitted.set_weights(looped.get_weights())
    optimizer = optimizers.Adam(0.01)
    loss_fn = keras_losses.SparseCategoricalCrossentropy(from_logits=True)
    for _ in range(3):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, looped(x, training=True))
        grads = tape.gradient(loss, looped.trainable_weights)
        optimizer.apply_gradients(zip(grads, looped.trainable_weights))
    fitted.compile(optimizers.Adam(0.01), loss_fn)
    history = fitted.fit(x, y, batch_size=16, epochs=3, verbose=0,
                         shuffle=False)
    for a, b in zip(looped.get_weights(), fitted.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # The loss of the last loop step is the last epoch's (one batch each).
    assert float(loss) == pytest.approx(history.history['loss'][-1],
                                        rel=1e-5)
    assert K.get_value(optimizer.iterations) == 3


def test_gradient_tape_of_watched_tensors_and_minimize():
    x = K.constant([1., 2., 3.])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tf.reduce_sum(x ** 2)
    np.testing.assert_allclose(value(tape.gradient(y, x)), [2., 4., 6.])
    np.testing.assert_allclose(value(tape.gradient(y, [x])[0]), [2., 4., 6.])
    unrelated = K.constant([1.])
    tape.watch(unrelated)
    assert tape.gradient(y, unrelated) is None
    w = K.variable([1., -1.])
    optimizer = optimizers.SGD(0.5)
    optimizer.minimize(lambda: tf.reduce_sum(w ** 2), [w])
    # w - 0.5 * 2w = 0
    np.testing.assert_allclose(K.get_value(w), [0., 0.])


def test_operations_match_values_tensorflow_computed():
    # tests/tensorflow_ops_cases.py wrote the reference with TensorFlow
    # 2.21: resizing in TF1 and TF2 modes, depth_to_space, scatter_nd,
    # ssim, psnr, pooling and convolution in NHWC, unique, ...
    import tensorflow_ops_cases
    reference = np.load(os.path.join(ROOT, 'tests', 'data',
                                     'tensorflow_ops_reference.npz'))
    mine = tensorflow_ops_cases.compute(tf)
    assert sorted(mine) == sorted(reference.files)
    for name in reference.files:
        np.testing.assert_allclose(mine[name], reference[name], rtol=1e-5,
                                   atol=1e-5, err_msg=name)


def test_dtypes_compare_as_tensorflow_dtypes():
    assert layers.Input((2,)).dtype == tf.float32
    assert K.constant([1.]).dtype == tf.float32
    assert tf.float32 == 'float32' and tf.float32 != tf.int32
    assert tf.float32.is_floating and tf.int32.as_numpy_dtype is np.int32
    assert K.cast(K.constant([1.5]), tf.int32).dtype == torch.int32
    assert tf.constant(5).dtype == tf.int32
    assert tf.constant(5.).dtype == tf.float32
    assert tf.constant([True]).dtype == tf.bool
    # TF1's while_loop gives a one-element list's value alone.
    final = tf.while_loop(lambda i: i < 3, lambda i: i + 1, [tf.constant(0)])
    assert int(final) == 3


def test_backward_slices_and_set_shape_in_keras_code():
    # keras-yolo3's box_xy[..., ::-1]; Mask R-CNN's boxes.set_shape(...).
    inputs = layers.Input((4, 3))

    def flip_and_fix(x):
        y = x[..., ::-1]
        y.set_shape((None, 4, 3))
        return y

    flipped = layers.Lambda(flip_and_fix)(inputs)
    every_other = inputs[:, ::-2]
    model = Model(inputs, [flipped, every_other])
    x = np.arange(24, dtype='float32').reshape(2, 4, 3)
    first, second = model.predict(x)
    np.testing.assert_array_equal(first, x[..., ::-1])
    np.testing.assert_array_equal(second, x[:, ::-2])
    placeholder = tf.placeholder(tf.float32, (None, None))
    placeholder.set_shape([None, 4])
    assert K.int_shape(placeholder) == (None, 4)
    with pytest.raises(ValueError, match='incompatible'):
        placeholder.set_shape([None, 5])


def test_tf_data_pipelines_feed_fit_evaluate_and_predict():
    x = rng.rand(40, 4).astype('float32')
    y = rng.randint(0, 3, 40)

    def build():
        model = Sequential([layers.Dense(8, activation='relu',
                                         input_shape=(4,)),
                            layers.Dense(3, activation='softmax')])
        model.compile('sgd', 'sparse_categorical_crossentropy')
        return model

    piped, plain = build(), build()
    plain.set_weights(piped.get_weights())
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).map(
        lambda u, v: (u * 2., v)).batch(8).prefetch(tf.data.AUTOTUNE)
    first = piped.fit(dataset, epochs=2, verbose=0).history['loss']
    second = plain.fit(x * 2, y, batch_size=8, epochs=2, verbose=0,
                       shuffle=False).history['loss']
    np.testing.assert_allclose(first, second, rtol=1e-6)
    assert piped.predict(dataset).shape == (40, 3)
    endless = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(64) \
        .batch(16).repeat()
    assert len(piped.fit(endless, steps_per_epoch=3, epochs=2,
                         verbose=0).history['loss']) == 2
    batches = list(tf.data.Dataset.from_tensor_slices((x, y)).batch(32))
    assert [tuple(b[0].shape) for b in batches] == [(32, 4), (8, 4)]
    evens = tf.data.Dataset.range(6).filter(lambda i: i % 2 == 0)
    assert [int(i) for i in evens] == [0, 2, 4]


def test_tf1_variables_losses_and_assign_ops():
    variable = tf.get_variable('w', [20, 30],
                               initializer=tf.truncated_normal_initializer(
                                   stddev=0.02))
    assert K.int_shape(variable) == (20, 30)
    assert np.abs(K.get_value(variable)).max() <= 0.04 + 1e-6
    labels, logits = np.eye(3), np.zeros((3, 3))
    # TF1 losses reduce to a scalar (the mean with unit weights).
    assert value(tf.losses.softmax_cross_entropy(labels, logits)) == \
        pytest.approx(np.log(3.))
    assert value(tf.losses.mean_squared_error(
        np.ones((2, 2)), np.zeros((2, 2)), weights=np.array([[1.], [0.]]))) \
        == pytest.approx(1.)
    counter = K.variable(1.)
    with tf.Session() as session:
        session.run(tf.assign_add(counter, 2.))
    assert K.get_value(counter) == 3.


@pytest.mark.skipif(importlib.util.find_spec('tensorflow') is not None,
                    reason='TensorFlow is installed: it is imported itself')
def test_tensorflow_internals_and_serializable_registration(tmp_path):
    # keras-bert imports TensorFlow internals; keras-tcn registers its
    # layer with tf.keras's register_keras_serializable.
    result = _run_script(tmp_path, '''
        from tensorflow.python.ops import state_ops, control_flow_ops
        from tensorflow.python.keras import backend_config
        from tensorflow.python.framework import ops
        from tensorflow.keras.saving import register_keras_serializable
        import keras
        assert backend_config.epsilon() == 1e-07

        @register_keras_serializable(package='tcn')
        class Twice(keras.layers.Layer):
            def call(self, x):
                return x * 2

        model = keras.models.Sequential([Twice(input_shape=(2,))])
        clone = keras.models.Sequential.from_config(model.get_config())
        assert type(clone.layers[0]) is Twice
        assert keras.utils.get_custom_objects()['tcn>Twice'] is Twice
        print('OK')
    ''')
    assert result.returncode == 0, result.stderr
    assert 'OK' in result.stdout


def test_tf_data_zip_unbatch_concatenate_enumerate_and_generators():
    # The elements tf.data (TensorFlow 2.21) gives for the same pipelines.
    data = tf.data
    a = data.Dataset.from_tensor_slices(np.arange(6))
    b = data.Dataset.from_tensor_slices(np.arange(6) * 10)
    zipped = data.Dataset.zip((a, b)).batch(4)
    assert [(x.tolist(), y.tolist()) for x, y in zipped] == [
        ([0, 1, 2, 3], [0, 10, 20, 30]), ([4, 5], [40, 50])]
    assert [int(v) for v in zipped.unbatch().map(
        lambda x, y: x + y).take(-1)] == [0, 11, 22, 33, 44, 55]
    assert [int(v) for v in a.concatenate(b).skip(4).take(3)] == [4, 5, 0]
    assert [(int(i), int(v)) for i, v in a.enumerate(start=1).take(2)] == \
        [(1, 0), (2, 1)]

    def generate():
        for i in range(3):
            yield np.ones(2) * i, i
    made = data.Dataset.from_generator(generate, output_signature=(
        tf.TensorSpec(shape=(2,), dtype=tf.float32),
        tf.TensorSpec(shape=(), dtype=tf.int32)))
    batches = list(made.batch(2))
    assert batches[0][0].dtype == torch.float32
    assert batches[0][1].dtype == torch.int32
    assert [y.tolist() for _, y in batches] == [[0, 1], [2]]


def test_nested_tapes_differentiate_a_gradient_penalty():
    import keras_compat as keras
    critic = keras.Sequential([
        keras.layers.Dense(4, activation='tanh', kernel_initializer='ones',
                           input_shape=(3,)),
        keras.layers.Dense(1, kernel_initializer='ones')])
    x = tf.constant(np.array([[.1, .2, .3], [.4, -.5, .6]], 'float32'))
    with tf.GradientTape() as tape:
        with tf.GradientTape() as gp_tape:
            gp_tape.watch(x)
            prediction = critic(x)
        slopes = gp_tape.gradient(prediction, [x])[0]
        penalty = tf.reduce_mean(tf.reduce_sum(tf.square(slopes), axis=1))
        loss = tf.reduce_mean(prediction) + penalty
    grads = tape.gradient(loss, critic.trainable_variables)
    # TensorFlow 2.21's gradients for the same weights and inputs.
    np.testing.assert_allclose(grads[0].detach().numpy()[:, 0],
                               [1.29574, 6.49848, -1.23166], rtol=1e-5)
    np.testing.assert_allclose(grads[1].detach().numpy(), [-12.637] * 4,
                               rtol=1e-5)
    np.testing.assert_allclose(grads[2].detach().numpy()[:, 0],
                               [13.9977] * 4, rtol=1e-5)


def test_an_endless_repeat_cycles_when_iterated():
    dataset = tf.data.Dataset.from_tensor_slices(np.arange(6.0)).repeat()
    assert [float(v) for v in dataset.take(8)] == \
        [0., 1., 2., 3., 4., 5., 0., 1.]
    assert int(tf.data.experimental.cardinality(dataset)) == \
        tf.data.INFINITE_CARDINALITY
    iterator = iter(dataset)
    assert [float(next(iterator)) for _ in range(7)][-1] == 0.


def test_dtypes_given_as_tensorflow_enum_values():
    assert tf.zeros(1, 1).dtype == torch.float32
    assert tf.zeros((2,), 9).dtype == torch.int64
    assert tf.as_dtype(10) == tf.bool


def test_a_file_path_pipeline_reads_and_decodes_images(tmp_path):
    from PIL import Image
    paths = []
    for i in range(4):
        pixels = (np.random.RandomState(i).rand(10, 12, 3) * 255).astype(
            'uint8')
        path = str(tmp_path / ('%d.png' % i))
        Image.fromarray(pixels).save(path)
        paths.append(path)

    def load(path, label):
        picture = tf.io.decode_png(tf.io.read_file(path), channels=3)
        return tf.image.convert_image_dtype(picture, tf.float32), label
    dataset = tf.data.Dataset.from_tensor_slices(
        (paths, np.arange(4))).map(load).batch(2)
    images, labels = next(iter(dataset))
    assert tuple(images.shape) == (2, 10, 12, 3)
    assert labels.tolist() == [0, 1]
    first = np.asarray(Image.open(paths[0]).convert('RGB')) / 255.
    np.testing.assert_allclose(images[0].numpy(), first, rtol=1e-6)
    assert tf.nest.flatten({'b': [1, 2], 'a': 3}) == [3, 1, 2]
    assert tf.is_tensor(tf.constant(1.0)) and not tf.is_tensor(1.0)


def test_torch_tensors_answer_tensorflow_shape_and_dtype_attributes():
    x = torch.ones(2, 3)
    assert x.shape.as_list() == [2, 3]
    assert (x.shape.rank, x.shape.ndims, x.shape.dims) == (2, 2, [2, 3])
    assert x.shape.is_fully_defined() and x.shape.num_elements() == 6
    assert x.dtype.name == 'float32' and x.dtype.is_floating
    assert x.dtype.base_dtype is torch.float32
    assert x.dtype.as_numpy_dtype is np.float32
    ints = torch.zeros(2, dtype=torch.int64)
    assert ints.dtype.name == 'int64' and ints.dtype.is_integer
    assert not ints.dtype.is_floating
    assert ints.dtype.max == np.iinfo(np.int64).max
    assert torch.zeros(1, dtype=torch.bool).dtype.is_bool
    # torch's own attributes are untouched.
    assert x.dtype.is_floating_point and x.shape.numel() == 6


def test_dimension_value():
    assert tf.compat.dimension_value(tf.TensorShape((None, 3))[1]) == 3
    assert tf.compat.dimension_value(None) is None
    assert tf.compat.dimension_value(4) == 4
    assert tf.compat.dimension_at_index((None, 5), 1).value == 5


def test_image_resize_gives_float32_except_nearest():
    images = np.random.RandomState(0).rand(1, 4, 4, 3)      # float64
    assert tf.image.resize(images, (2, 2)).dtype == torch.float32
    assert tf.image.resize(images, (2, 2), method='area').dtype == \
        torch.float32
    assert tf.image.resize(images, (2, 2), method='nearest').dtype == \
        torch.float64
    assert tf.python.framework.errors_impl.InvalidArgumentError is \
        tf.errors.InvalidArgumentError


def test_wide_unsigned_dtypes():
    # 16-bit images: tf.uint16 (and tf.uint32/uint64) name torch's types,
    # casting in and out of them keeps the values.
    pixels = tf.constant(np.array([[65535., 5.]], 'float32'))
    as_uint16 = tf.cast(pixels, tf.uint16)
    assert as_uint16.dtype == tf.uint16 and tf.uint16.is_unsigned
    assert tf.as_dtype('uint32') == tf.uint32
    assert tf.uint64.name == 'uint64'
    np.testing.assert_array_equal(np.asarray(tf.cast(as_uint16, tf.float32)),
                                  [[65535., 5.]])


def test_dtype_prints_as_tensorflow_prints_it():
    # TensorFlow 2.21: str() "<dtype: 'float32'>", repr() "tf.float32".
    assert str(tf.float32) == "<dtype: 'float32'>"
    assert repr(tf.int64) == 'tf.int64'
    assert '%s' % tf.bool == "<dtype: 'bool'>"
