"""Values fed to a TensorFlow 1 `Session.run`: converted to the fed
tensor's dtype as the session converts them (NumPy casts), keys given by
tensor name, and the errors for keys that are not tensors. Expected values
and messages are those of TensorFlow 2.21 in TF1 graph mode
(`tensorflow.compat.v1` with `disable_v2_behavior()`)."""
import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common


@pytest.fixture(autouse=True)
def fresh_graph():
    K.clear_session()
    yield
    common.set_api_flavour('keras')
    K.clear_session()


def _check(result, dtype, values):
    assert np.asarray(result).dtype == np.dtype(dtype)
    assert np.asarray(result).tolist() == values


def test_fed_values_take_the_placeholder_dtype():
    xi = tf.placeholder(tf.int32, shape=(None,), name='xi')
    xf = tf.placeholder(tf.float32, shape=(None,), name='x')
    sess = tf.Session()
    # TensorFlow 2.21: int32 [1, 2], [-1, 2]; float32 [1.0, 2.0], [1.0, 0.0]
    _check(sess.run(tf.identity(xi), {xi: [1.5, 2.5]}), 'int32', [1, 2])
    _check(sess.run(tf.identity(xi), {xi: [-1.7, 2.9]}), 'int32', [-1, 2])
    _check(sess.run(xi, {xi: np.array([1.5, 2.5], 'float32')}),
           'int32', [1, 2])
    _check(sess.run(tf.identity(xi), {xi: np.array([True, False])}),
           'int32', [1, 0])
    _check(sess.run(tf.identity(xf), {xf: [1, 2]}), 'float32', [1.0, 2.0])
    _check(sess.run(tf.identity(xf), {xf: [True, False]}),
           'float32', [1.0, 0.0])
    _check(sess.run(tf.identity(xf), {xf: np.array([1, 2])}),
           'float32', [1.0, 2.0])
    # TensorFlow 2.21: [float32 [1.0, 2.0], int32 [3]]
    out = sess.run([tf.identity(xf), tf.identity(xi)],
                   {xf: [1, 2], xi: [3.7]})
    _check(out[0], 'float32', [1.0, 2.0])
    _check(out[1], 'int32', [3])


def test_fed_python_scalars_and_strings():
    sf = tf.placeholder(tf.float32, shape=(), name='sf')
    ys = tf.identity(sf)
    sess = tf.Session()
    # TensorFlow 2.21: np.float32 3.0, 1.0, 3.0, 1.5
    for value, expected in [(3, 3.0), (True, 1.0), (np.int64(3), 3.0),
                            ('1.5', 1.5)]:
        result = sess.run(ys, {sf: value})
        assert type(result) is np.float32 and result == expected
    # TensorFlow 2.21 (NumPy's message):
    # ValueError: could not convert string to float: np.str_('a')
    with pytest.raises(ValueError,
                       match=r"could not convert string to float: "
                             r"np\.str_\('a'\)"):
        sess.run(ys, {sf: 'a'})


def test_python_int_too_large_for_the_dtype():
    xi = tf.placeholder(tf.int32, shape=(), name='xi')
    sess = tf.Session()
    # TensorFlow 2.21: TypeError "Type of feed value 1099511627776 with type
    # <class 'int'> is not compatible with Tensor type <class
    # 'numpy.int32'>. Try explicitly setting the type of the feed tensor to
    # a larger type (e.g. int64)."; in a list it wraps: [0].
    with pytest.raises(TypeError, match=r"Type of feed value 1099511627776 "
                       r"with type <class 'int'> is not compatible with "
                       r"Tensor type <class 'numpy.int32'>\. Try "):
        sess.run(tf.identity(xi), {xi: 2 ** 40})
    xs = tf.placeholder(tf.int32, shape=(None,))
    _check(sess.run(tf.identity(xs), {xs: [2 ** 40]}), 'int32', [0])


def test_feed_keys_given_by_tensor_name():
    xf = tf.placeholder(tf.float32, shape=(None,), name='x')
    y = tf.identity(xf) * 2
    sess = tf.Session()
    # TensorFlow 2.21: float32 [2.0, 4.0]
    _check(sess.run(y, {'x:0': [1, 2]}), 'float32', [2.0, 4.0])
    prefix = 'Cannot interpret feed_dict key as Tensor: '
    # TensorFlow 2.21's messages:
    with pytest.raises(TypeError) as error:
        sess.run(y, {'x': [1., 2.]})
    assert str(error.value) == prefix + (
        "The name 'x' refers to an Operation, not a Tensor. Tensor names "
        "must be of the form \"<op_name>:<output_index>\".")
    with pytest.raises(TypeError) as error:
        sess.run(y, {'nope:0': [1., 2.]})
    assert str(error.value) == prefix + (
        "The name 'nope:0' refers to a Tensor which does not exist. The "
        "operation, 'nope', does not exist in the graph.")
    with pytest.raises(TypeError) as error:
        sess.run(y, {'x:1': [1., 2.]})
    assert str(error.value) == prefix + (
        "The name 'x:1' refers to a Tensor which does not exist. The "
        "operation, 'x', exists but only has 1 outputs.")


def test_feed_keys_that_are_not_tensors():
    xf = tf.placeholder(tf.float32, shape=(None,), name='x')
    sess = tf.Session()
    # TensorFlow 2.21: "Cannot interpret feed_dict key as Tensor: Can not
    # convert a int into a Tensor." (NoneType, float alike)
    for key, kind in [(3, 'int'), (None, 'NoneType'), (1.5, 'float')]:
        with pytest.raises(TypeError) as error:
            sess.run(xf, {key: [1., 2.]})
        assert str(error.value) == ('Cannot interpret feed_dict key as '
                                    'Tensor: Can not convert a %s into a '
                                    'Tensor.' % kind)


def test_structure_key_fed_too_few_values():
    xf = tf.placeholder(tf.float32, shape=(None,), name='x')
    xi = tf.placeholder(tf.int32, shape=(None,), name='xi')
    sess = tf.Session()
    # TensorFlow 2.21: ValueError "Could not flatten dictionary. Key had 2
    # elements, but value had 3 elements. Key: [<tf.Tensor 'x:0' ...>,
    # <tf.Tensor 'xi:0' ...>], value: [1.0, 2, 3]."
    with pytest.raises(ValueError, match=r"^Could not flatten dictionary\. "
                       r"Key had 2 elements, but value had 3 elements\. "
                       r"Key: \[.*x:0.*xi:0.*\], value: \[1\.0, 2, 3\]\.$"):
        sess.run(xf, {(xf, xi): [[1.], [2], [3]]})
    # TensorFlow 2.21: "... Key had 1 elements, but value had 2 elements.
    # Key: [1], value: [1.0, 2.0]."
    with pytest.raises(ValueError, match=r"Key had 1 elements, but value "
                       r"had 2 elements\. Key: \[1\], value: \[1\.0, 2\.0\]"):
        sess.run(xf, {(1,): [1., 2.]})
