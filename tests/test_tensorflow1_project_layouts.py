"""TensorFlow 1 programs laid out as several files, as classic TF1
repositories are (a training script importing `model.py`, `ops.py`,
`utils.py` that make the placeholders, sessions, variable scopes and
optimizers): the script runner finds the graph program in the local
modules the script imports and runs it with eager execution off.
Reference numbers come from TensorFlow 2.21's `tf.compat.v1` with v2
behaviour disabled (the TF1 API served as `tf`), and from standalone
Keras 2.2.4 on it for the Keras layers applied to placeholders."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from keras_compat import __main__ as runner
from keras_compat import tensorflow_compat as tf
from keras_compat.backend import common
from keras_compat.program_sources import program_sources

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _write(directory, files):
    for name, source in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))


@pytest.fixture
def eager_restored():
    yield
    common.set_executing_eagerly(True)
    common.set_api_flavour('keras')


# ------------------------------------------------- finding the program
def test_sessions_made_in_imported_modules_turn_eager_execution_off(
        tmp_path, eager_restored):
    _write(tmp_path, {
        'main.py': 'from model import GAN\nfrom utils import make_session\n',
        'model.py': 'import tensorflow as tf\nimport ops\n',
        'ops.py': 'import tensorflow as tf\n'
                  'x = tf.placeholder(tf.float32, [None, 2])\n',
        'utils.py': 'import tensorflow as tf\n'})
    runner._serve_the_programs_keras(str(tmp_path / 'main.py'))
    assert not common.executing_eagerly()


def test_packages_and_relative_imports_are_followed(tmp_path,
                                                    eager_restored):
    _write(tmp_path, {
        'train.py': 'from nets import build\n',
        'nets/__init__.py': 'from .graph import build\n',
        'nets/graph.py': 'from . import session_utils\n'
                         'def build(): pass\n',
        'nets/session_utils.py': 'import tensorflow as tf\n'
                                 'sess = tf.Session()\n'})
    sources = program_sources((tmp_path / 'train.py').read_text(),
                              str(tmp_path))
    assert len(sources) == 4
    runner._serve_the_programs_keras(str(tmp_path / 'train.py'))
    assert not common.executing_eagerly()


def test_tensorflow_2_programs_stay_eager(tmp_path, eager_restored):
    # A tf.keras program whose helper makes a session for its GPU options,
    # a TF1.x program asking for eager execution, and a program importing
    # no graph module all run eagerly, as TensorFlow runs them.
    _write(tmp_path, {
        'gpu.py': 'import tensorflow as tf\n'
                  'sess = tf.compat.v1.Session(config=None)\n',
        'net.py': 'import tensorflow as tf\n'
                  'layer = tf.keras.layers.Dense(2)\n',
        'tf2.py': 'import gpu\nimport net\n',
        'legacy.py': 'import tensorflow as tf\n'
                     'def inputs(): return tf.placeholder(tf.float32)\n',
        'eager.py': 'import tensorflow as tf\n'
                    'tf.enable_eager_execution()\nimport legacy\n',
        'plain.py': 'import numpy\nimport keras\nimport os.path\n'})
    for script in ('tf2.py', 'eager.py', 'plain.py'):
        runner._serve_the_programs_keras(str(tmp_path / script))
        assert common.executing_eagerly(), script
        common.set_api_flavour('keras')


def test_imports_of_unparsable_cells_are_read_line_by_line(tmp_path,
                                                           eager_restored):
    _write(tmp_path, {'helpers.py': 'import tensorflow as tf\n'
                                    'sess = tf.InteractiveSession()\n'})
    cells = '%matplotlib inline\nimport numpy as np\nfrom helpers import sess\n'
    runner._serve_keras_to(cells, str(tmp_path))
    assert not common.executing_eagerly()


def test_runtime_calls_switch_eager_execution_as_tensorflow_does(
        eager_restored):
    tf.compat.v1.disable_v2_behavior()
    assert not tf.executing_eagerly()
    tf.compat.v1.enable_eager_execution()
    assert tf.executing_eagerly()
    tf.compat.v1.disable_eager_execution()
    assert not tf.executing_eagerly()


# ------------------------------------------------------ whole projects
DCGAN = {
    'ops.py': '''
        import numpy as np
        import tensorflow as tf

        def lrelu(x, leak=0.2, name="lrelu"):
            return tf.maximum(x, leak * x)

        def linear(input_, output_size, scope=None, seed=0, bias_start=0.0):
            shape = input_.get_shape().as_list()
            init = np.random.RandomState(seed).uniform(
                -0.5, 0.5, (shape[1], output_size)).astype('float32')
            with tf.variable_scope(scope or "Linear"):
                matrix = tf.get_variable("Matrix", [shape[1], output_size],
                                         tf.float32, tf.constant_initializer(init))
                bias = tf.get_variable("bias", [output_size],
                                       initializer=tf.constant_initializer(bias_start))
                return tf.matmul(input_, matrix) + bias
    ''',
    'model.py': '''
        import numpy as np
        import tensorflow as tf
        from ops import linear, lrelu

        def sce(x, y):
            return tf.nn.sigmoid_cross_entropy_with_logits(logits=x, labels=y)

        class GAN(object):
            def __init__(self, sess):
                self.sess = sess
                self.inputs = tf.placeholder(tf.float32, [4, 5], name='real_images')
                self.z = tf.placeholder(tf.float32, [None, 3], name='z')
                self.G = self.generator(self.z)
                self.D, self.D_logits = self.discriminator(self.inputs)
                self.D_, self.D_logits_ = self.discriminator(self.G, reuse=True)
                self.d_loss_real = tf.reduce_mean(sce(self.D_logits, tf.ones_like(self.D)))
                self.d_loss_fake = tf.reduce_mean(sce(self.D_logits_, tf.zeros_like(self.D_)))
                self.g_loss = tf.reduce_mean(sce(self.D_logits_, tf.ones_like(self.D_)))
                self.d_loss = self.d_loss_real + self.d_loss_fake
                t_vars = tf.trainable_variables()
                self.d_vars = [v for v in t_vars if 'd_' in v.name]
                self.g_vars = [v for v in t_vars if 'g_' in v.name]
                self.lr = tf.Variable(0.05, trainable=False, name='learning_rate')
                self.lr_decay = self.lr.assign(self.lr * 0.5)
                self.counter = tf.Variable(0, trainable=False, name='counter')
                self.count = tf.assign_add(self.counter, 1)

            def discriminator(self, x, reuse=False):
                with tf.variable_scope("discriminator") as scope:
                    if reuse:
                        scope.reuse_variables()
                    h0 = lrelu(linear(x, 8, 'd_h0_lin', seed=1))
                    h1 = linear(h0, 1, 'd_h1_lin', seed=2)
                    return tf.nn.sigmoid(h1), h1

            def generator(self, z):
                with tf.variable_scope("generator"):
                    h0 = tf.nn.relu(linear(z, 8, 'g_h0_lin', seed=3))
                    return tf.nn.tanh(linear(h0, 5, 'g_h1_lin', seed=4))

            def train(self, data):
                d_optim = tf.train.AdamOptimizer(self.lr, beta1=0.5).minimize(
                    self.d_loss, var_list=self.d_vars)
                g_optim = tf.train.AdamOptimizer(self.lr, beta1=0.5).minimize(
                    self.g_loss, var_list=self.g_vars)
                tf.global_variables_initializer().run()
                rng = np.random.RandomState(7)
                for epoch in range(3):
                    for idx in range(2):
                        batch = data[idx * 4:(idx + 1) * 4]
                        batch_z = rng.uniform(-1, 1, [4, 3]).astype(np.float32)
                        self.sess.run(d_optim, feed_dict={self.inputs: batch, self.z: batch_z})
                        self.sess.run(g_optim, feed_dict={self.z: batch_z})
                        self.sess.run(g_optim, feed_dict={self.z: batch_z})
                        err_d = self.d_loss_fake.eval({self.z: batch_z}) + \\
                            self.d_loss_real.eval({self.inputs: batch})
                        err_g = self.g_loss.eval({self.z: batch_z})
                        print(self.sess.run(self.count), err_d, err_g)
                    if epoch == 1:
                        self.sess.run(self.lr_decay)
                    print('lr', self.sess.run(self.lr))
    ''',
    'utils.py': '''
        import tensorflow as tf

        def make_session():
            run_config = tf.ConfigProto()
            run_config.gpu_options.allow_growth = True
            return tf.Session(config=run_config)
    ''',
    'main.py': '''
        import numpy as np
        from model import GAN
        from utils import make_session

        data = np.random.RandomState(0).normal(size=(8, 5)).astype('float32')
        with make_session() as sess:
            GAN(sess).train(data)
    '''}

KERAS_LAYERS_IN_A_GRAPH = {
    'net.py': '''
        import tensorflow as tf
        from keras import backend as K
        from keras.layers import Dense
        from keras.objectives import categorical_crossentropy

        sess = tf.Session()
        K.set_session(sess)
        img = tf.placeholder(tf.float32, shape=(None, 6))
        labels = tf.placeholder(tf.float32, shape=(None, 3))
        hidden = Dense(8, activation='relu')
        out = Dense(3, activation='softmax')
        preds = out(hidden(img))
        loss = tf.reduce_mean(categorical_crossentropy(labels, preds))
        global_step = tf.Variable(0, name='global_step', trainable=False)
        train_step = tf.train.AdamOptimizer(0.05).minimize(loss, global_step=global_step)
    ''',
    'train.py': '''
        import numpy as np
        import tensorflow as tf
        from keras import backend as K
        from net import sess, img, labels, hidden, out, loss, preds, train_step, global_step

        rng = np.random.RandomState(0)
        x = rng.normal(size=(12, 6)).astype('float32')
        y = np.eye(3)[rng.randint(0, 3, 12)].astype('float32')
        sess.run(tf.global_variables_initializer())
        w = np.random.RandomState(1)
        hidden.set_weights([w.uniform(-0.5, 0.5, (6, 8)).astype('float32'),
                            np.zeros(8, 'float32')])
        out.set_weights([w.uniform(-0.5, 0.5, (8, 3)).astype('float32'),
                         np.full(3, 0.1, 'float32')])
        with sess.as_default():
            for i in range(4):
                batch = slice(4 * (i % 3), 4 * (i % 3) + 4)
                train_step.run(feed_dict={img: x[batch], labels: y[batch],
                                          K.learning_phase(): 1})
                print(sess.run(global_step), loss.eval(feed_dict={img: x, labels: y}))
            print(*preds.eval(feed_dict={img: x[:1]})[0])
    '''}

DQN_V2_BEHAVIOR_OFF = {
    'networks.py': '''
        import numpy as np
        import tensorflow as tf

        def dense(x, units, name, seed):
            in_dim = x.get_shape()[-1].value
            init = np.random.RandomState(seed).uniform(
                -0.5, 0.5, (in_dim, units)).astype('float32')
            with tf.compat.v1.variable_scope(name):
                w = tf.compat.v1.get_variable('w', initializer=init)
                b = tf.compat.v1.get_variable(
                    'b', [units], initializer=tf.compat.v1.zeros_initializer())
            return tf.matmul(x, w) + b

        class QNetwork(object):
            def __init__(self, scope):
                with tf.compat.v1.variable_scope(scope):
                    self.state = tf.compat.v1.placeholder(tf.float32, [None, 4], name='state')
                    self.q = dense(tf.nn.relu(dense(self.state, 6, 'fc1', 1)), 2, 'q', 2)
                self.params = tf.compat.v1.get_collection(
                    tf.compat.v1.GraphKeys.TRAINABLE_VARIABLES, scope=scope)
    ''',
    'agent.py': '''
        import tensorflow as tf
        from networks import QNetwork

        class Agent(object):
            def __init__(self, gamma=0.9, tau=0.5):
                self.online, self.target = QNetwork('online'), QNetwork('target')
                self.action = tf.compat.v1.placeholder(tf.int32, [None])
                self.reward = tf.compat.v1.placeholder(tf.float32, [None])
                q_sa = tf.reduce_sum(self.online.q * tf.one_hot(self.action, 2), axis=1)
                y = self.reward + gamma * tf.reduce_max(self.target.q, axis=1)
                self.loss = tf.reduce_mean(tf.square(tf.stop_gradient(y) - q_sa))
                self.step = tf.compat.v1.train.get_or_create_global_step()
                self.train_op = tf.compat.v1.train.MomentumOptimizer(0.1, 0.9).minimize(
                    self.loss, var_list=self.online.params, global_step=self.step)
                self.copy_ops = [tf.compat.v1.assign(t, m) for t, m in
                                 zip(self.target.params, self.online.params)]
                self.soft_ops = [t.assign(tau * m + (1 - tau) * t) for t, m in
                                 zip(self.target.params, self.online.params)]
                self.sess = tf.compat.v1.Session()
                self.sess.run(tf.compat.v1.global_variables_initializer())
    ''',
    'train.py': '''
        import numpy as np
        import tensorflow as tf
        tf.compat.v1.disable_v2_behavior()
        from agent import Agent

        agent = Agent()
        print(*[v.name for v in agent.target.params])
        rng = np.random.RandomState(0)
        s = rng.normal(size=(5, 4)).astype('float32')
        a, r = rng.randint(0, 2, 5), rng.normal(size=5).astype('float32')
        feed = {agent.online.state: s, agent.target.state: s,
                agent.action: a, agent.reward: r}
        agent.sess.run(agent.copy_ops)
        for i in range(3):
            loss, _ = agent.sess.run([agent.loss, agent.train_op], feed)
            agent.sess.run(agent.soft_ops)
            print(agent.sess.run(agent.step), loss,
                  agent.sess.run(agent.target.q, {agent.target.state: s}).sum())
    '''}

CHAR_RNN = {
    'model.py': '''
        import tensorflow as tf
        rnn = tf.nn.rnn_cell

        class Model():
            def __init__(self, args):
                cell_fn = {'lstm': rnn.BasicLSTMCell, 'gru': rnn.GRUCell}[args.model]
                cell = rnn.MultiRNNCell([cell_fn(6) for _ in range(2)], state_is_tuple=True)
                self.input_data = tf.placeholder(tf.int32, [2, 5])
                self.targets = tf.placeholder(tf.int32, [2, 5])
                self.initial_state = cell.zero_state(2, tf.float32)
                with tf.variable_scope('rnnlm'):
                    softmax_w = tf.get_variable("softmax_w", [6, 7])
                    softmax_b = tf.get_variable("softmax_b", [7])
                embedding = tf.get_variable("embedding", [7, 6])
                inputs = tf.nn.embedding_lookup(embedding, self.input_data)
                outputs, self.final_state = tf.nn.dynamic_rnn(
                    cell, inputs, initial_state=self.initial_state, scope='rnnlm')
                logits = tf.matmul(tf.reshape(outputs, [-1, 6]), softmax_w) + softmax_b
                loss = tf.nn.sparse_softmax_cross_entropy_with_logits(
                    labels=tf.reshape(self.targets, [-1]), logits=logits)
                self.cost = tf.reduce_sum(loss) / 2 / 5
                self.lr = tf.Variable(0.0, trainable=False)
                tvars = tf.trainable_variables()
                grads, _ = tf.clip_by_global_norm(tf.gradients(self.cost, tvars), 5.)
                self.train_op = tf.train.AdamOptimizer(self.lr).apply_gradients(zip(grads, tvars))
    ''',
    'train.py': '''
        import sys
        import numpy as np
        import tensorflow as tf
        from model import Model

        class Args(object):
            model = sys.argv[1]

        data = np.random.RandomState(0).randint(0, 7, (3, 2, 6))
        model = Model(Args)
        with tf.Session() as sess:
            tf.global_variables_initializer().run()
            tvars = sorted(tf.trainable_variables(), key=lambda v: v.name)
            print(*[v.name for v in tvars])
            rng = np.random.RandomState(1)
            for v in tvars:
                v.load(rng.uniform(-0.4, 0.4, v.get_shape().as_list()).astype('float32'), sess)
            for e in range(2):
                sess.run(tf.assign(model.lr, 0.02 * (0.5 ** e)))
                for b in range(3):
                    feed = {model.input_data: data[b, :, :-1], model.targets: data[b, :, 1:]}
                    loss, state, _ = sess.run([model.cost, model.final_state, model.train_op], feed)
                    print(loss)
            print(type(state[-1]).__name__, *np.asarray(state[-1].h)[0])
    '''}

_PROJECTS = {'dcgan': (DCGAN, 'main.py', []),
             'keras_layers': (KERAS_LAYERS_IN_A_GRAPH, 'train.py', []),
             'dqn': (DQN_V2_BEHAVIOR_OFF, 'train.py', []),
             'char_rnn': (CHAR_RNN, 'train.py', ['lstm'])}


@pytest.fixture(scope='module')
def project_outputs(tmp_path_factory):
    """Each project run by `python -m keras_compat run`, all at once."""
    env = dict(os.environ, PYTHONPATH=ROOT)
    env.pop('KERAS_COMPAT_API', None)
    running = {}
    for name, (files, script, args) in _PROJECTS.items():
        directory = tmp_path_factory.mktemp(name)
        _write(directory, files)
        running[name] = subprocess.Popen(
            [sys.executable, '-m', 'keras_compat', 'run',
             str(directory / script)] + args, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, env=env)
    outputs = {}
    for name, process in running.items():
        out, err = process.communicate(timeout=300)
        outputs[name] = (process.returncode, out, err)
    return outputs


def _lines(project_outputs, name):
    status, out, err = project_outputs[name]
    assert status == 0, err
    return [line.split() for line in out.strip().splitlines()]


def _close(actual, expected):
    np.testing.assert_allclose(np.asarray(actual, 'float64'), expected,
                               atol=2e-5)


def test_dcgan_layout_runs_assign_ops_with_the_session(project_outputs):
    lines = _lines(project_outputs, 'dcgan')
    # TF 2.21 tf.compat.v1: the learning rate variable halves only when
    # the session runs `lr_decay`, and the optimizers read it each step.
    steps = [line for line in lines if line[0] != 'lr']
    assert [int(line[0]) for line in steps] == [1, 2, 3, 4, 5, 6]
    _close([[float(v) for v in line[1:]] for line in steps],
           [[1.417336, 0.647183], [1.429430, 0.579513],
            [1.415259, 0.566969], [1.422569, 0.557497],
            [1.407281, 0.598094], [1.375177, 0.622580]])
    _close([float(line[1]) for line in lines if line[0] == 'lr'],
           [0.05, 0.025, 0.025])


def test_keras_layers_on_placeholders_train_in_the_session(project_outputs):
    lines = _lines(project_outputs, 'keras_layers')
    # Keras 2.2.4 on TF1: Dense layers on tf.placeholder, trained by
    # tf.train.AdamOptimizer(...).minimize(loss, global_step=...).
    assert [int(line[0]) for line in lines[:4]] == [1, 2, 3, 4]
    _close([float(line[1]) for line in lines[:4]],
           [0.991709, 0.857734, 0.759850, 0.692390])
    _close([float(v) for v in lines[4]], [0.90763, 0.0161, 0.07627])


def test_v2_behavior_disabled_program_with_scoped_placeholders(
        project_outputs):
    lines = _lines(project_outputs, 'dqn')
    # TF 2.21 after tf.compat.v1.disable_v2_behavior(): placeholders named
    # 'state' in two scopes, hard and soft target updates.
    assert lines[0] == ['target/fc1/w:0', 'target/fc1/b:0', 'target/q/w:0',
                        'target/q/b:0']
    assert [int(line[0]) for line in lines[1:]] == [1, 2, 3]
    _close([[float(v) for v in line[1:]] for line in lines[1:]],
           [[0.356099, -0.635205], [0.325794, -1.072449],
            [0.279263, -1.761129]])


def test_char_rnn_dynamic_rnn_with_clipped_gradients(project_outputs):
    lines = _lines(project_outputs, 'char_rnn')
    # TF 2.21 tf.compat.v1: MultiRNNCell of two BasicLSTMCells in
    # dynamic_rnn, tf.clip_by_global_norm of tf.gradients, Adam at a rate
    # assigned each epoch.
    assert lines[0] == ['embedding:0'] + [
        'rnnlm/multi_rnn_cell/cell_%d/basic_lstm_cell/%s:0' % (i, n)
        for i in range(2) for n in ('bias', 'kernel')] + [
        'rnnlm/softmax_b:0', 'rnnlm/softmax_w:0']
    _close([float(line[0]) for line in lines[1:7]],
           [2.088155, 1.962692, 2.040623, 2.014717, 1.946023, 2.002654])
    assert lines[7][0] == 'LSTMStateTuple'
    _close([float(v) for v in lines[7][1:]],
           [-0.11620, -0.08226, 0.00817, 0.12255, 0.21474, 0.23277])


def test_gru_and_basic_rnn_cells_with_sequence_lengths():
    x = tf.placeholder(tf.float32, [2, 3, 2])
    lens = tf.placeholder(tf.int32, [2])
    with tf.variable_scope('gru_enc',
                           initializer=tf.constant_initializer(0.3)):
        out, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(3), x,
                                       sequence_length=lens,
                                       dtype=tf.float32)
    with tf.variable_scope('rnn_dec',
                           initializer=tf.constant_initializer(-0.2)):
        out2, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(2), out,
                                    dtype=tf.float32, time_major=True)
    names = [v.name for v in tf.trainable_variables()
             if v.name.startswith(('gru_enc/', 'rnn_dec/'))]
    assert names == ['gru_enc/rnn/gru_cell/gates/kernel:0',
                     'gru_enc/rnn/gru_cell/gates/bias:0',
                     'gru_enc/rnn/gru_cell/candidate/kernel:0',
                     'gru_enc/rnn/gru_cell/candidate/bias:0',
                     'rnn_dec/rnn/basic_rnn_cell/kernel:0',
                     'rnn_dec/rnn/basic_rnn_cell/bias:0']
    variables = [v for v in tf.trainable_variables() if v.name in names]
    grads = tf.gradients(tf.reduce_sum(out2 ** 2), variables)
    sess = tf.Session()
    sess.run(tf.variables_initializer(variables))
    xv = np.arange(12, dtype='float32').reshape(2, 3, 2) / 10 - 0.5
    o, s, o2, g = sess.run([out, state, out2, grads], {x: xv, lens: [3, 1]})
    # TF 2.21 tf.compat.v1 (each unit of a layer is alike: constant
    # kernels); past its length a sequence gives zeros and keeps its state.
    _close(o[:, :, 0], [[-0.085729, -0.121839, -0.117325],
                        [0.022585, 0., 0.]])
    _close(s[:, 0], [-0.117325, 0.022585])
    _close(o2[:, :, 0], [[0.051392, 0.072974, 0.070279],
                         [-0.034095, -0.029181, -0.028104]])
    _close([a.sum() for a in g], [0.029613, -0.034978, 0.235753, -0.297451,
                                  -0.360025, 0.555375])
