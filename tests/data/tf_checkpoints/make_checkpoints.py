"""Writes TensorFlow-format checkpoints with tf_keras 2.21 (run: python
make_checkpoints.py tests/data/tf_checkpoints) and the
reference numbers (reference.json) for tests/test_tensorflow_checkpoints_from_tf_keras.py."""
import json, os, shutil, sys
import numpy as np
import tensorflow as tf
keras = tf.keras
L = keras.layers
OUT = sys.argv[1]
shutil.rmtree(OUT, ignore_errors=True)
os.makedirs(OUT)
REF = {}
x = np.linspace(-1, 1, 12).reshape(4, 3).astype('float32')
y = np.array([[0.5, -0.5], [1., 0.], [0., 1.], [-1., 0.25]], 'float32')

def init(seed):
    return keras.initializers.RandomUniform(-0.5, 0.5, seed=seed)

# 1. Sequential + Adam: save_weights (TF format)
def seq():
    return keras.Sequential([L.Dense(4, activation='tanh', input_shape=(3,)), L.Dense(2)])
tf.random.set_seed(1)
m = seq(); m.compile(keras.optimizers.Adam(0.01), 'mse')
for _ in range(3): m.train_on_batch(x, y)
m.save_weights(os.path.join(OUT, 'seq', 'weights'))
REF['seq'] = dict(pred=m.predict(x, verbose=0).tolist(),
                  next=[float(m.train_on_batch(x, y)) for _ in range(3)],
                  keys=[k for k, _ in tf.train.list_variables(os.path.join(OUT, 'seq', 'weights'))])
# shape-mismatch error
bad = keras.Sequential([L.Dense(5, activation='tanh', input_shape=(3,)), L.Dense(2)])
try:
    bad.load_weights(os.path.join(OUT, 'seq', 'weights'))
except Exception as e:
    REF['seq']['shape_error'] = [type(e).__name__, str(e)]
# uncompiled: assert_consumed fails (optimizer values unused), expect_partial fine
fresh = seq()
st = fresh.load_weights(os.path.join(OUT, 'seq', 'weights'))
try:
    st.assert_consumed()
except AssertionError as e:
    REF['seq']['consumed_error'] = str(e)
st.assert_existing_objects_matched()
# extra layer: existing objects not matched
extra = keras.Sequential([L.Dense(4, activation='tanh', input_shape=(3,)), L.Dense(2), L.Dense(1)])
st = extra.load_weights(os.path.join(OUT, 'seq', 'weights'))
try:
    st.assert_existing_objects_matched()
except AssertionError as e:
    REF['seq']['existing_error'] = str(e)
REF['seq']['extra_pred'] = extra.predict(x, verbose=0).tolist()

# 2. functional with a shared layer
tf.random.set_seed(2)
def functional():
    a = keras.Input((3,)); b = keras.Input((3,))
    shared = L.Dense(3, activation='relu', name='shared')
    h = L.Concatenate()([shared(a), shared(b)])
    out = L.Dense(2, name='out')(L.Dense(4, name='mid')(h))
    return keras.Model([a, b], out)
m = functional()
m.save_weights(os.path.join(OUT, 'functional', 'weights'))
REF['functional'] = dict(pred=m.predict([x, x[::-1]], verbose=0).tolist(),
    keys=[k for k, _ in tf.train.list_variables(os.path.join(OUT, 'functional', 'weights'))])

# 3. subclassed with nested layers in attributes, lists, dicts; created in another order than called
class Block(L.Layer):
    def __init__(self, **kw):
        super().__init__(**kw)
        self.proj = L.Dense(3)
        self.scale = self.add_weight('scale', shape=(3,), initializer='ones')
    def call(self, t):
        return self.proj(t) * self.scale
class Net(keras.Model):
    def __init__(self, **kw):
        super().__init__(**kw)
        self.head = L.Dense(2)
        self.branches = {'b': L.Dense(3), 'a': L.Dense(3)}
        self.blocks = [Block(), Block()]
        self.stem = L.Dense(3)
    def call(self, t):
        t = self.stem(t)
        for blk in self.blocks:
            t = blk(t)
        t = self.branches['a'](t) + self.branches['b'](t)
        return self.head(t)
tf.random.set_seed(3)
m = Net(); m(x)
for v in m.weights:
    v.assign(tf.random.uniform(v.shape, -0.5, 0.5))
m.save_weights(os.path.join(OUT, 'subclassed', 'weights'))
REF['subclassed'] = dict(pred=m.predict(x, verbose=0).tolist(),
    keys=[k for k, _ in tf.train.list_variables(os.path.join(OUT, 'subclassed', 'weights'))])
# restoring into an unbuilt Net: deferred until built
fresh = Net(); st = fresh.load_weights(os.path.join(OUT, 'subclassed', 'weights'))
REF['subclassed']['deferred_pred'] = fresh.predict(x, verbose=0).tolist()
st.assert_consumed()

# 4. BatchNormalization moving statistics
tf.random.set_seed(4)
def bn():
    return keras.Sequential([L.Dense(4, input_shape=(3,)), L.BatchNormalization(momentum=0.5), L.Dense(2)])
m = bn(); m.compile('sgd', 'mse')
for _ in range(2): m.train_on_batch(x, y)
m.save_weights(os.path.join(OUT, 'batchnorm', 'weights'))
REF['batchnorm'] = dict(pred=m.predict(x, verbose=0).tolist(),
    moving_mean=m.layers[1].moving_mean.numpy().tolist(),
    moving_variance=m.layers[1].moving_variance.numpy().tolist(),
    keys=[k for k, _ in tf.train.list_variables(os.path.join(OUT, 'batchnorm', 'weights'))])

# 5. RNNs
xs = np.linspace(-1, 1, 24).reshape(2, 4, 3).astype('float32')
tf.random.set_seed(5)
def rnn():
    return keras.Sequential([L.LSTM(3, return_sequences=True, input_shape=(4, 3)),
                             L.Bidirectional(L.GRU(2)), L.Dense(1)])
m = rnn()
m.save_weights(os.path.join(OUT, 'rnn', 'weights'))
REF['rnn'] = dict(pred=m.predict(xs, verbose=0).tolist(),
    keys=[k for k, _ in tf.train.list_variables(os.path.join(OUT, 'rnn', 'weights'))])

# 6. tf.train.Checkpoint + CheckpointManager with a custom loop
tf.random.set_seed(6)
model = seq(); opt = keras.optimizers.Adam(0.05)
step = tf.Variable(1)
ckpt = tf.train.Checkpoint(model=model, optimizer=opt, step=step)
d = os.path.join(OUT, 'manager')
manager = tf.train.CheckpointManager(ckpt, d, max_to_keep=3)
def train_step():
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    g = tape.gradient(loss, model.trainable_variables)
    opt.apply_gradients(zip(g, model.trainable_variables))
    return float(loss)
for i in range(4):
    train_step(); step.assign_add(1); manager.save()
REF['manager'] = dict(checkpoints=[os.path.relpath(p, d) for p in manager.checkpoints],
    latest=os.path.relpath(tf.train.latest_checkpoint(d), d),
    step=int(step.numpy()), iterations=int(opt.iterations.numpy()),
    pred=model.predict(x, verbose=0).tolist(),
    m0=opt.variables[1].numpy().tolist(), name_m0=opt.variables[1].name,
    next=[train_step() for _ in range(3)],
    keys=[k for k, _ in tf.train.list_variables(tf.train.latest_checkpoint(d))],
    saved_kernel=tf.train.load_variable(tf.train.latest_checkpoint(d), 'model/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE').tolist(),
    files=sorted(os.listdir(d)))
REF['manager']['checkpoint_file'] = open(os.path.join(d, 'checkpoint')).read()
# missing optimizer: assert_consumed
c2 = tf.train.Checkpoint(model=seq())
st = c2.restore(tf.train.latest_checkpoint(d))
try:
    st.assert_consumed()
except AssertionError as e:
    REF['manager']['consumed_error'] = str(e)
# an object the checkpoint lacks
c3 = tf.train.Checkpoint(model=seq(), other=tf.Variable(3.))
st = c3.restore(tf.train.latest_checkpoint(d))
try:
    st.assert_existing_objects_matched()
except AssertionError as e:
    REF['manager']['existing_error'] = str(e)
# a variable of another shape
c4 = tf.train.Checkpoint(step=tf.Variable([1, 2]))
try:
    c4.restore(tf.train.latest_checkpoint(d))
except Exception as e:
    REF['manager']['shape_error'] = [type(e).__name__, str(e)]

# 7. ModelCheckpoint(save_weights_only=True) with a TF-format path
tf.random.set_seed(7)
m = seq(); m.compile(keras.optimizers.Adam(0.01), 'mse')
cb = keras.callbacks.ModelCheckpoint(os.path.join(OUT, 'callback', 'w.{epoch:02d}'), save_weights_only=True)
h = m.fit(x, y, epochs=2, batch_size=4, verbose=0, shuffle=False, callbacks=[cb])
REF['callback'] = dict(files=sorted(os.listdir(os.path.join(OUT, 'callback'))),
    latest=os.path.basename(tf.train.latest_checkpoint(os.path.join(OUT, 'callback'))),
    pred=m.predict(x, verbose=0).tolist(),
    next=[float(m.train_on_batch(x, y)) for _ in range(2)])
json.dump(REF, open(os.path.join(OUT, 'reference.json'), 'w'), indent=1)
