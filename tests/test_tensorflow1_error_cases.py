"""TensorFlow 1 graph programs (`tf.disable_v2_behavior()`): the exception
classes and messages a session run raises, which fault-tolerant training
loops catch and some programs parse. Expected messages come from
TensorFlow 2.21's `tf.compat.v1` session (placeholders, assertions,
closed sessions, error codes), from TensorFlow 1.15's session.py for the
fetch messages (`Fetch argument None has invalid type <class
'NoneType'>`), and from real Keras 2.2.4 on TensorFlow for K.function."""
import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat import tensorflow_compat as tf


@pytest.fixture(autouse=True)
def graph_mode():
    tf.reset_default_graph()
    tf.disable_eager_execution()
    yield
    tf.enable_eager_execution()
    tf.reset_default_graph()


def _error(fn):
    with pytest.raises(Exception) as info:
        fn()
    return info.value


def test_unfed_placeholder_raises_invalid_argument_error():
    # TF 2.21 compat.v1: InvalidArgumentError, e.op.name 'x', error code 3.
    x = tf.placeholder(tf.float32, [None, 4], name='x')
    y = x * 2
    with tf.Session() as sess:
        error = _error(lambda: sess.run(y))
    assert isinstance(error, tf.errors.InvalidArgumentError)
    assert error.message.split('\n')[0] == (
        "You must feed a value for placeholder tensor 'x' with dtype float "
        "and shape [?,4]")
    assert error.op.name == 'x' and error.error_code == 3
    # An unnamed int32 placeholder.
    z = tf.placeholder(tf.int32, [3])
    with tf.Session() as sess:
        error = _error(lambda: sess.run(z + 1))
    assert str(error).split('\n')[0] == (
        "You must feed a value for placeholder tensor 'Placeholder' with "
        "dtype int32 and shape [3]")


def test_k_function_missing_input_raises_when_called():
    # Keras 2.2.4: K.function([], [a * 2]) is made; its call raises.
    a = tf.placeholder(tf.float32, [None, 3])
    f = K.function([], [a * 2])
    error = _error(lambda: f([]))
    assert type(error) is tf.errors.InvalidArgumentError
    assert str(error).split('\n')[0] == (
        "You must feed a value for placeholder tensor 'Placeholder' with "
        "dtype float and shape [?,3]")


def test_fetch_errors():
    # TensorFlow 1.15 session.py's _FetchMapper / _ElementFetchMapper.
    x = tf.constant(1.0)
    with tf.Session() as sess:
        error = _error(lambda: sess.run(None))
        assert type(error) is TypeError
        assert str(error) == ("Fetch argument None has invalid type "
                              "<class 'NoneType'>")
        error = _error(lambda: sess.run([x, None]))
        assert type(error) is TypeError
        error = _error(lambda: sess.run(3))
        assert type(error) is TypeError
        assert str(error) == (
            "Fetch argument 3 has invalid type <class 'int'>, must be a "
            "string or Tensor. (Can not convert a int into a Tensor or "
            "Operation.)")
        error = _error(lambda: sess.run('nope:0'))
        assert type(error) is ValueError
        assert str(error).startswith(
            "Fetch argument 'nope:0' cannot be interpreted as a Tensor.")


def test_fetch_by_name():
    x = tf.placeholder(tf.float32, [2], name='inp')
    with tf.Session() as sess:
        assert sess.run('inp:0', {x: [1., 2.]}).tolist() == [1., 2.]


def test_closed_session():
    # TF 2.21 compat.v1: RuntimeError after close() and after `with`.
    x = tf.constant(1.0)
    sess = tf.Session()
    assert sess.run(x) == 1.0
    sess.close()
    error = _error(lambda: sess.run(x))
    assert type(error) is RuntimeError
    assert str(error) == 'Attempted to use a closed Session.'
    with tf.Session() as sess:
        pass
    assert str(_error(lambda: sess.run(x))) == \
        'Attempted to use a closed Session.'


def test_out_of_range_ends_epochs():
    # TF 2.21 compat.v1: the loop sees OutOfRangeError 'End of sequence'.
    ds = tf.data.Dataset.from_tensor_slices(
        np.arange(5, dtype=np.float32)).batch(2)
    nxt = tf.data.make_one_shot_iterator(ds).get_next()
    seen = []
    with tf.Session() as sess:
        while True:
            try:
                seen.append(sess.run(nxt).tolist())
            except tf.errors.OutOfRangeError:
                break
    assert seen == [[0.0, 1.0], [2.0, 3.0], [4.0]]
    it = tf.data.make_initializable_iterator(tf.data.Dataset.range(3))
    nxt = it.get_next()
    seen = []
    with tf.Session() as sess:
        for _ in range(2):
            sess.run(it.initializer)
            while True:
                try:
                    seen.append(int(sess.run(nxt)))
                except tf.errors.OutOfRangeError:
                    seen.append('end')
                    break
    assert seen == [0, 1, 2, 'end', 0, 1, 2, 'end']


def test_check_numerics_at_run_time():
    # TF 2.21 compat.v1 messages.
    x = tf.placeholder(tf.float32, [2])
    y = tf.debugging.check_numerics(tf.log(x), 'log of x')
    z = tf.verify_tensor_all_finite(x, 'x must be finite')
    with tf.Session() as sess:
        assert sess.run(y, {x: [1., 1.]}).tolist() == [0., 0.]
        error = _error(lambda: sess.run(y, {x: [0., -1.]}))
        assert type(error) is tf.errors.InvalidArgumentError
        assert str(error) == 'log of x : Tensor had Inf and NaN values'
        error = _error(lambda: sess.run(z, {x: [np.inf, 1.]}))
        assert str(error) == 'x must be finite : Tensor had Inf values'


def test_assert_in_control_dependencies_runs_with_the_tensor():
    # TF 2.21 compat.v1: the check runs (and fails) when `y` is run.
    x = tf.placeholder(tf.float32, [2])
    check = tf.Assert(tf.reduce_all(x > 0), [x], name='pos')
    with tf.control_dependencies([check]):
        y = tf.identity(x)
    with tf.Session() as sess:
        assert sess.run(y, {x: [1., 2.]}).tolist() == [1., 2.]
        error = _error(lambda: sess.run(y, {x: [-1., 2.]}))
    assert type(error) is tf.errors.InvalidArgumentError
    assert str(error) == 'assertion failed: [-1 2]'


def test_assert_fetched_directly():
    x = tf.placeholder(tf.float32, [2])
    check = tf.Assert(tf.reduce_all(x > 0), ['x must be positive', x])
    with tf.Session() as sess:
        assert sess.run(check, {x: [1., 2.]}) is None
        error = _error(lambda: sess.run(check, {x: [-1., 2.]}))
    assert str(error) == 'assertion failed: [x must be positive] [-1 2]'


def test_binary_and_sign_asserts_on_graph_tensors():
    # TF 2.21 compat.v1 graph messages ('element-wise', tensor names).
    x = tf.placeholder(tf.int32, [2])
    y = tf.placeholder(tf.int32, [2])
    with tf.control_dependencies([tf.assert_equal(x, y, message='mismatch')]):
        z = tf.add(x, y)
    f = tf.placeholder(tf.float32, [2])
    with tf.control_dependencies([tf.debugging.assert_less(f, 1.0)]):
        g = tf.identity(f)
    with tf.control_dependencies([tf.assert_positive(f)]):
        h = tf.identity(f)
    with tf.Session() as sess:
        assert sess.run(z, {x: [1, 2], y: [1, 2]}).tolist() == [2, 4]
        error = _error(lambda: sess.run(z, {x: [1, 2], y: [1, 3]}))
        assert type(error) is tf.errors.InvalidArgumentError
        assert str(error) == (
            'assertion failed: [mismatch] [Condition x == y did not hold '
            'element-wise:] [x (Placeholder:0) = ] [1 2] '
            '[y (Placeholder_1:0) = ] [1 3]')
        error = _error(lambda: sess.run(g, {f: [0.5, 2.]}))
        assert str(error) == (
            'assertion failed: [Condition x < y did not hold element-wise:] '
            '[x (Placeholder_2:0) = ] [0.5 2] [y (assert_less/y:0) = ] [1]')
        error = _error(lambda: sess.run(h, {f: [1., -2.]}))
        assert str(error) == (
            'assertion failed: [] [Condition x > 0 did not hold '
            'element-wise:] [x (Placeholder_2:0) = ] [1 -2]')


def test_get_variable_reuse_errors():
    # TF 2.21 compat.v1 (first line; TensorFlow adds the defining stack).
    with tf.variable_scope('layer'):
        tf.get_variable('w', [2])
    with tf.variable_scope('layer'):
        error = _error(lambda: tf.get_variable('w', [2]))
    assert type(error) is ValueError
    assert str(error).startswith(
        'Variable layer/w already exists, disallowed. Did you mean to set '
        'reuse=True or reuse=tf.AUTO_REUSE in VarScope?')
    with tf.variable_scope('s', reuse=True):
        error = _error(lambda: tf.get_variable('q', [2]))
    assert str(error) == (
        'Variable s/q does not exist, or was not created with '
        'tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in '
        'VarScope?')


def test_error_classes_and_codes():
    from keras_compat.tensorflow_compat import python
    errors_impl = python.framework.errors_impl
    error = tf.errors.ResourceExhaustedError(None, None, 'OOM when allocating')
    assert errors_impl.ResourceExhaustedError is \
        tf.errors.ResourceExhaustedError
    assert isinstance(error, tf.errors.OpError)
    assert not isinstance(error, ValueError)
    assert (str(error), error.message, error.op, error.node_def) == \
        ('OOM when allocating', 'OOM when allocating', None, None)
    # TensorFlow's canonical codes.
    assert error.error_code == tf.errors.RESOURCE_EXHAUSTED == 8
    assert tf.errors.OutOfRangeError(None, None, 'm').error_code == 11
    assert tf.errors.InvalidArgumentError.error_code == 3
    assert tf.errors.exception_type_from_error_code(3) is \
        tf.errors.InvalidArgumentError


def test_matmul_size_mismatch_is_invalid_argument_error():
    # TF 2.21 eager: InvalidArgumentError 'Matrix size-incompatible: ...'.
    tf.enable_eager_execution()
    error = _error(lambda: tf.matmul(np.ones((2, 3), np.float32),
                                     np.ones((4, 5), np.float32)))
    assert type(error) is tf.errors.InvalidArgumentError
    assert str(error) == 'Matrix size-incompatible: In[0]: [2,3], In[1]: [4,5]'
