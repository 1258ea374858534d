"""TensorFlow 1's `tf.layers` in graph programs: variable names, shapes,
collections and sharing, outputs for fixed initial values, and training
with batch normalization's UPDATE_OPS run through
`tf.control_dependencies` around `minimize`.

Expected numbers come from the same programs run under TensorFlow 2.21's
`tf.compat.v1` (`tf.disable_v2_behavior()`, Session)."""
import numpy as np

from keras_compat import tensorflow_compat as tf


def _load_pattern(sess):
    for v in tf.global_variables():
        shape = v.shape.as_list()
        if 'moving_variance' in v.name or 'gamma' in v.name:
            value = np.ones(shape, 'float32') * 1.5
        else:
            n = int(np.prod(shape))
            value = (np.arange(n) % 7 * 0.1 - 0.3).reshape(shape)
        v.load(value.astype('float32'), sess)


def test_layers_batch_norm_update_ops_training():
    tf.disable_v2_behavior()
    rng = np.random.RandomState(0)
    X = rng.rand(8, 6, 6, 2).astype('float32')
    Y = rng.rand(8, 1).astype('float32')
    x = tf.placeholder(tf.float32, [None, 6, 6, 2])
    y = tf.placeholder(tf.float32, [None, 1])
    training = tf.placeholder(tf.bool, [])
    h = tf.layers.conv2d(x, 3, 3, padding='same', activation=tf.nn.relu)
    h = tf.layers.batch_normalization(h, training=training, momentum=0.9)
    h = tf.layers.max_pooling2d(h, 2, 2)
    h = tf.layers.flatten(h)
    h = tf.layers.dense(h, 4, activation=tf.nn.tanh,
                        kernel_regularizer=tf.keras.regularizers.l2(0.01))
    h = tf.layers.dropout(h, 0.5, training=False)
    h = tf.layers.batch_normalization(h, training=training)
    out = tf.layers.dense(h, 1, name='out')
    with tf.variable_scope('out', reuse=True):
        kernel = tf.get_variable('kernel')
    out2 = tf.layers.dense(h, 1, name='out', reuse=True)
    loss = tf.reduce_mean(tf.square(out - y)) + \
        tf.losses.get_regularization_loss()
    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    names = ['conv2d/kernel:0', 'conv2d/bias:0',
             'batch_normalization/gamma:0', 'batch_normalization/beta:0',
             'batch_normalization/moving_mean:0',
             'batch_normalization/moving_variance:0',
             'dense/kernel:0', 'dense/bias:0',
             'batch_normalization_1/gamma:0', 'batch_normalization_1/beta:0',
             'batch_normalization_1/moving_mean:0',
             'batch_normalization_1/moving_variance:0',
             'out/kernel:0', 'out/bias:0']
    assert [v.name for v in tf.global_variables()] == names
    assert [v.name for v in tf.trainable_variables()] == \
        [n for n in names if 'moving' not in n]
    assert tf.global_variables()[6].shape.as_list() == [27, 4]
    assert kernel is tf.global_variables()[12]
    assert len(tf.get_collection(tf.GraphKeys.UPDATE_OPS)) == 4
    assert len(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)) == 1
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    _load_pattern(sess)
    losses = [sess.run([loss, train], {x: X, y: Y, training: True})[0]
              for _ in range(3)]
    # TensorFlow 2.21 tf.compat.v1 (fused batch norm for the 4D input
    # updates the moving variance with the unbiased batch variance).
    np.testing.assert_allclose(
        losses, [0.8388649821281433, 0.3871749937534332,
                 0.27717000246047974], rtol=1e-5)
    assert abs(sess.run(loss, {x: X, y: Y, training: False}) -
               0.2444386) < 1e-5
    np.testing.assert_allclose(
        sess.run(out2, {x: X[:2], training: False}).ravel(),
        [0.11522888392210007, 0.15651735663414001], rtol=1e-5)
    moving = [sess.run(v).ravel()[:3] for v in tf.global_variables()
              if 'moving' in v.name]
    np.testing.assert_allclose(moving, [
        [-0.21710923314094543, -0.1455102115869522, -0.06488719582557678],
        [1.0937777757644653, 1.0935337543487549, 1.095138430595398],
        [-0.27982524037361145, -0.19116851687431335, -0.10034053772687912],
        [1.4681594371795654, 1.472386360168457, 1.4713134765625]],
        rtol=1e-5)


def test_conv_pool_layers_and_dense_class_in_auto_reuse_scope():
    tf.disable_v2_behavior()
    X = (np.arange(2 * 8 * 8 * 2) % 5 * 0.1).reshape(2, 8, 8, 2)
    x = tf.placeholder(tf.float32, [None, 8, 8, 2])
    c = tf.constant_initializer(0.05)
    with tf.variable_scope('net', reuse=tf.AUTO_REUSE):
        a = tf.layers.conv2d_transpose(x, 3, 3, strides=2,
                                       kernel_initializer=c)
        b = tf.layers.separable_conv2d(
            x, 4, 3, depth_multiplier=2, depthwise_initializer=c,
            pointwise_initializer=tf.constant_initializer(0.1),
            padding='same')
        p = tf.layers.average_pooling2d(b, 3, 2, padding='same')
        s = tf.layers.conv1d(tf.reshape(x, [-1, 16, 8]), 2, 3, strides=2,
                             kernel_initializer=c,
                             bias_initializer=tf.constant_initializer(0.5))
        m = tf.layers.max_pooling1d(s, 2, 2)
        layer = tf.layers.Dense(3, kernel_initializer=c, name='fc')
        d1 = layer(tf.layers.flatten(p))
        d2 = layer(tf.layers.flatten(p) * 2)
    # TensorFlow 2.21 tf.compat.v1.
    assert [(v.name, v.shape.as_list()) for v in tf.global_variables()] == [
        ('net/conv2d_transpose/kernel:0', [3, 3, 3, 2]),
        ('net/conv2d_transpose/bias:0', [3]),
        ('net/separable_conv2d/depthwise_kernel:0', [3, 3, 2, 2]),
        ('net/separable_conv2d/pointwise_kernel:0', [1, 1, 4, 4]),
        ('net/separable_conv2d/bias:0', [4]),
        ('net/conv1d/kernel:0', [3, 8, 2]), ('net/conv1d/bias:0', [2]),
        ('net/fc/kernel:0', [64, 3]), ('net/fc/bias:0', [3])]
    assert layer.name == 'fc'
    assert [v.name for v in layer.trainable_variables] == \
        ['net/fc/kernel:0', 'net/fc/bias:0']
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    expected = [((2, 17, 17, 3), 68.85001, 0.095),
                ((2, 8, 8, 4), 15.48, 0.039),
                ((2, 4, 4, 4), 3.98222, 0.03633),
                ((2, 7, 2), 20.71, 0.75), ((2, 3, 2), 8.93, 0.75),
                ((2, 3), 0.59733, 0.09959), ((2, 3), 1.19467, 0.19919)]
    for tensor, (shape, total, peak) in zip((a, b, p, s, m, d1, d2),
                                            expected):
        r = sess.run(tensor, {x: X})
        assert r.shape == shape
        assert abs(r.sum() - total) < 1e-4
        assert abs(np.abs(r).max() - peak) < 1e-5
