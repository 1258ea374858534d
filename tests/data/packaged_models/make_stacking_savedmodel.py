"""Writes stacking_savedmodel/ with tf_keras 2.21 (TF_USE_LEGACY_KERAS=1):
a layer in the style of basic-pitch's HarmonicStacking, whose from_config
refuses its own saved config, in a functional model saved as a
SavedModel directory. Only keras_metadata.pb and variables/ are kept."""
import numpy as np, tensorflow as tf, shutil
class Stacking(tf.keras.layers.Layer):
    """basic-pitch's idiom: __init__ takes no **kwargs, get_config adds to
    the base config (so from_config fails on 'trainable'/'dtype')."""
    def __init__(self, shifts, name=None):
        super().__init__(trainable=False, name=name)
        self.shifts = shifts
    def get_config(self):
        c = super().get_config().copy(); c.update({'shifts': self.shifts}); return c
    def call(self, x):
        return tf.concat([tf.roll(x, s, axis=1) for s in self.shifts], axis=-1)
inp = tf.keras.Input((5, 2))
h = Stacking([0, 1], name='stack')(inp)
h = tf.expand_dims(h, -1)
h = tf.keras.layers.Conv2D(2, 3, padding='same', kernel_initializer=tf.keras.initializers.RandomNormal(seed=1))(h)
h = tf.keras.layers.BatchNormalization()(h)
out = tf.keras.layers.Flatten(name='out')(h)
m = tf.keras.Model(inp, out)
bn = [l for l in m.layers if isinstance(l, tf.keras.layers.BatchNormalization)][0]
bn.set_weights([np.array([1.5, .5], 'float32'), np.array([.1, -.2], 'float32'), np.array([.3, -.1], 'float32'), np.array([2., .5], 'float32')])
shutil.rmtree('stacking_savedmodel', ignore_errors=True)
m.save('stacking_savedmodel')  # then keep keras_metadata.pb and variables/
x = np.random.RandomState(0).uniform(-1, 1, (2, 5, 2)).astype('float32')
y = m(x)
np.set_printoptions(precision=8, suppress=True)
print(np.asarray(y)[0, :4].tolist(), np.asarray(y)[1, -4:].tolist())
r = tf.saved_model.load('stacking_savedmodel')(x)
print('graph vs model', float(np.abs(np.asarray(r) - np.asarray(y)).max()))
print([l.name for l in m.layers], m.count_params())
