"""Writes the SavedModel directories here with TensorFlow 2.21 + tf_keras
2.21 (TF_USE_LEGACY_KERAS=1): model.save(name) of a Sequential, a
functional and a subclassed model, then strips the TensorFlow graphs out
of saved_model.pb (keeping its object graph) to keep the files small.
`functional_legacy` has its Keras metadata moved into saved_model.pb's
objects, where TensorFlow 2.0-2.4 wrote it (no keras_metadata.pb). The
printed values are the expected ones of
tests/saving/test_tensorflow_saved_models.py."""
import numpy as np, tensorflow as tf, os, shutil
from tensorflow import keras
from tensorflow.core.protobuf import saved_model_pb2
x = (np.arange(32, dtype='float32').reshape(8, 4) % 7) / 7.
y = np.stack([x.sum(1) / 4, x[:, 0] - x[:, 3]], 1).astype('float32')
def init(shape, dtype=None):
    return tf.constant(((np.arange(np.prod(shape)) % 5) - 2).reshape(shape) / 10., dtype=dtype)
def fix(model):
    model.set_weights([init(w.shape).numpy() + (0.5 if len(w.shape) == 1 else 0.) for w in model.weights])
seq = keras.Sequential([keras.layers.Dense(3, activation='relu', input_shape=(4,)),
                        keras.layers.BatchNormalization(), keras.layers.Dense(2)])
fix(seq)
seq.compile(keras.optimizers.SGD(0.1, momentum=0.9), 'mse', metrics=['mae'])
seq.fit(x, y, epochs=2, batch_size=4, verbose=0, shuffle=False)
seq.save('sequential')
print('SEQ_PREDICT', seq.predict(x[:2], verbose=0).tolist())
print('SEQ_EVAL', seq.evaluate(x, y, verbose=0))
l = keras.models.load_model('sequential')
l.fit(x, y, epochs=1, batch_size=4, verbose=0, shuffle=False)
print('SEQ_LOADED_FIT', l.predict(x[:2], verbose=0).tolist(), int(l.optimizer.iterations.numpy()))

inp = keras.Input((4,), name='features')
h = keras.layers.Dense(5, activation='tanh', name='hidden')(inp)
a = keras.layers.Dense(2, name='out_a')(h)
b = keras.layers.Dense(1, activation='sigmoid', name='out_b')(keras.layers.concatenate([h, inp]))
fn = keras.Model(inp, [a, b], name='two_heads')
yb = (y[:, :1] > 0.3).astype('float32')
fix(fn)
fn.compile(keras.optimizers.legacy.Adam(0.01), ['mse', 'binary_crossentropy'], loss_weights=[1., 0.5], metrics={'out_b': 'accuracy'})
fn.fit(x, [y, yb], epochs=2, batch_size=4, verbose=0, shuffle=False)
fn.save('functional_legacy')
print('FN_PREDICT', [o.tolist() for o in fn.predict(x[:2], verbose=0)])
print('FN_EVAL', fn.evaluate(x, [y, yb], verbose=0))
l = keras.models.load_model('functional_legacy')
print('FN_LOADED', type(l.optimizer).__name__, l.metrics_names)
print('FN_LOADED_EVAL', l.evaluate(x, [y, yb], verbose=0))

class Net(keras.Model):
    def __init__(self, units=3, **kw):
        super().__init__(**kw)
        self.units = units
        self.d1 = keras.layers.Dense(units, activation='relu')
        self.d2 = keras.layers.Dense(1)
    def call(self, x):
        return self.d2(self.d1(x))
    def get_config(self):
        return {'units': self.units, 'name': self.name}
net = Net(units=4, name='net')
net.build((None, 4)); fix(net)
net.compile(keras.optimizers.SGD(0.05), 'mse')
net.fit(x, y[:, :1], epochs=1, batch_size=4, verbose=0, shuffle=False)
net.save('subclassed')
print('NET_PREDICT', net.predict(x[:2], verbose=0).tolist())
l = keras.models.load_model('subclassed', custom_objects={'Net': Net})
print('NET_LOADED', type(l).__name__, l.predict(x[:2], verbose=0).tolist())

def strip(path, legacy):
    sm = saved_model_pb2.SavedModel()
    sm.ParseFromString(open(path + '/saved_model.pb', 'rb').read())
    mg = sm.meta_graphs[0]
    mg.ClearField('graph_def'); mg.signature_def.clear(); mg.object_graph_def.concrete_functions.clear()
    mg.ClearField('collection_def'); mg.ClearField('saver_def')
    keep = mg.object_graph_def
    if legacy:
        from tf_keras.protobuf import saved_metadata_pb2
        md = saved_metadata_pb2.SavedMetadata()
        md.ParseFromString(open(path + '/keras_metadata.pb', 'rb').read())
        for node in md.nodes:
            keep.nodes[node.node_id].user_object.metadata = node.metadata
        os.remove(path + '/keras_metadata.pb')
    open(path + '/saved_model.pb', 'wb').write(sm.SerializeToString())
    if os.path.exists(path + '/fingerprint.pb'): os.remove(path + '/fingerprint.pb')
for p, legacy in [('sequential', False), ('functional_legacy', True), ('subclassed', False)]:
    strip(p, legacy)
l = keras.models.load_model('functional_legacy')
print('FN_LEGACY_LOADED_EVAL', l.evaluate(x, [y, yb], verbose=0))

# `sliced` (only keras_metadata.pb and variables/ kept): a slice of a graph
# tensor, a SlicingOpLambda whose slice_spec the metadata writes as a
# {'class_name': '__tuple__', 'items': [...]} value.
inp = tf.keras.Input((5, 4))
h = tf.expand_dims(inp, -1)
h = tf.keras.layers.Conv2D(2, 3, padding='same', kernel_initializer=tf.keras.initializers.RandomNormal(seed=1))(h)
out = tf.keras.layers.Reshape((20,))(tf.keras.layers.Flatten()(h[..., :1]))
sliced = tf.keras.Model(inp, out)
sliced.save('sliced')
x5 = np.random.RandomState(0).rand(2, 5, 4).astype('float32')
print('SLICED', sliced.predict(x5, verbose=0)[0, :5].tolist())
