"""Cost of one `Session.run` step of a TensorFlow 1 graph program.

    python -m benchmarks.tf1_session [--quick] [--repeats 3] [--steps 50]
                                     [--threads 1] [--workloads mlp_sgd,...]
                                     [--tf-python /tmp/tfvenv/bin/python]
                                     [--profile WORKLOAD]

Times ms/step of graph programs written the TensorFlow 1 way, run by
keras_compat with eager execution off (as `python -m keras_compat run`
runs a script making sessions and placeholders), against a hand-written
PyTorch loop of the same model and, as an extra column, TensorFlow 1
graph mode (`tf.compat.v1` and tf_keras) when `--tf-python` names an
interpreter that has them. Workloads:

- `mlp_sgd`, `mlp_adam`: a 20-64-10 MLP of `tf.Variable` and `tf.matmul`
  trained by `sess.run(tf.train.{GradientDescent,Adam}Optimizer()
  .minimize(loss), feed_dict)`;
- `keras_tftrain`: Keras layers (a small conv net with dropout) called on
  a `tf.placeholder`, trained by `tf.train.AdamOptimizer().minimize` with
  `K.learning_phase(): 1` fed, after `K.set_session(sess)`;
- `kfunction`: a Keras 2 training loop, `K.function(inputs, [loss],
  updates=optimizer.get_updates(loss, params))`;
- `fetch`: inference, `sess.run([logits, probs, loss, accuracy])`;
- `fgsm_train`: adversarial training as cleverhans' `model_train` does it
  (the loss of the clean and FGSM examples, the latter made with
  `tf.gradients` of the model's loss with respect to its input).

Each (workload, implementation) runs in a fresh subprocess: warm-up
steps, then `--repeats` x `--steps` timed steps; implementations
alternate. Prints the fastest round's ms/step (other processes on the
machine only slow rounds down), the ratio to torch and keras_compat's
Python function calls per step, a measure of its overhead that does not
depend on the load of the machine."""
import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKLOADS = ('mlp_sgd', 'mlp_adam', 'keras_tftrain', 'kfunction', 'fetch',
             'fgsm_train')
IMPLEMENTATIONS = ('torch', 'keras_compat', 'tensorflow')


def _sizes(quick):
    if quick:
        return {'batch': 4, 'features': 6, 'hidden': 8, 'image': 8,
                'filters': 2}
    return {'batch': 32, 'features': 20, 'hidden': 64, 'image': 28,
            'filters': 8}


def _data(s, image=False):
    import numpy as np
    rng = np.random.RandomState(0)
    if image:
        x = rng.rand(s['batch'], s['image'], s['image'], 1)
    else:
        x = rng.rand(s['batch'], s['features'])
    y = np.eye(10)[rng.randint(0, 10, s['batch'])]
    return x.astype('float32'), y.astype('float32')


# ------------------------------------------------------- graph programs
def _graph_modules(impl, threads):
    """(tf1, keras, K, session) of a TensorFlow 1 graph program: the
    `tf.compat.v1` API, Keras and its backend, a session set as Keras'
    session."""
    if impl == 'keras_compat':
        from keras_compat.aliasing import install_as_keras
        from keras_compat.backend import common
        install_as_keras()
        common.set_executing_eagerly(False)
        import keras
        import tensorflow as tf
        sess = tf.Session()
        keras.backend.set_session(sess)
        return tf, keras, keras.backend, sess
    os.environ['TF_USE_LEGACY_KERAS'] = '1'
    import tensorflow as tf
    import tf_keras as keras
    tf1 = tf.compat.v1
    tf1.disable_eager_execution()
    sess = tf1.Session(config=tf1.ConfigProto(
        intra_op_parallelism_threads=threads,
        inter_op_parallelism_threads=1))
    tf1.keras.backend.set_session(sess)
    return tf1, keras, keras.backend, sess


def _xent(tf, labels, logits):
    return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(
        labels=labels, logits=logits))


def _mlp_graph(tf, s):
    import numpy as np
    rng = np.random.RandomState(1)
    x = tf.placeholder(tf.float32, (None, s['features']))
    y = tf.placeholder(tf.float32, (None, 10))
    w1 = tf.Variable(rng.normal(0, .1, (s['features'], s['hidden']))
                     .astype('float32'))
    b1 = tf.Variable(np.zeros(s['hidden'], 'float32'))
    w2 = tf.Variable(rng.normal(0, .1, (s['hidden'], 10)).astype('float32'))
    b2 = tf.Variable(np.zeros(10, 'float32'))
    logits = tf.matmul(tf.nn.relu(tf.matmul(x, w1) + b1), w2) + b2
    return x, y, logits


def _conv_model(keras, s, dropout=True):
    L = keras.layers
    layers = [L.Conv2D(s['filters'], (3, 3), activation='relu',
                       input_shape=(s['image'], s['image'], 1)),
              L.MaxPooling2D(), L.Flatten()]
    if dropout:
        layers.append(L.Dropout(0.5))
    layers += [L.Dense(10), L.Activation('softmax')]
    return keras.models.Sequential(layers)


def _logits_of(probs):
    """The logits behind a softmax output, read from its op as cleverhans'
    `model_loss` does."""
    op = probs.op
    return op.inputs[0] if 'softmax' in str(op).lower() else probs


def graph_step(impl, name, s, threads):
    """The step function of workload `name` in a graph program."""
    tf, keras, K, sess = _graph_modules(impl, threads)
    import numpy as np
    np.random.seed(0)
    if impl == 'keras_compat':
        import torch
        torch.manual_seed(0)
    else:
        tf.set_random_seed(0)
    image = name in ('keras_tftrain', 'fgsm_train')
    xb, yb = _data(s, image)
    if name in ('mlp_sgd', 'mlp_adam', 'fetch'):
        x, y, logits = _mlp_graph(tf, s)
        loss = _xent(tf, y, logits)
        if name == 'fetch':
            probs = tf.nn.softmax(logits)
            acc = tf.reduce_mean(tf.cast(tf.equal(
                tf.argmax(logits, 1), tf.argmax(y, 1)), tf.float32))
            fetches = [logits, probs, loss, acc]
        else:
            opt = tf.train.GradientDescentOptimizer(0.1) \
                if name == 'mlp_sgd' else tf.train.AdamOptimizer(1e-3)
            fetches = opt.minimize(loss)
        sess.run(tf.global_variables_initializer())
        feed = {x: xb, y: yb}
        return lambda: sess.run(fetches, feed_dict=feed), \
            lambda: sess.run(loss, feed_dict=feed)
    if name == 'kfunction':
        L = keras.layers
        model = keras.models.Sequential([
            L.Dense(s['hidden'], activation='relu',
                    input_shape=(s['features'],)),
            L.Dropout(0.5), L.Dense(10, activation='softmax')])
        y = K.placeholder((None, 10))
        loss = K.mean(keras.losses.categorical_crossentropy(y, model.output))
        opt = keras.optimizers.Adam(1e-3) if impl == 'keras_compat' else \
            keras.optimizers.legacy.Adam(1e-3)
        updates = opt.get_updates(loss=loss,
                                  params=model.trainable_weights)
        train = K.function([model.input, y, K.learning_phase()], [loss],
                           updates=updates)
        evaluate = K.function([model.input, y, K.learning_phase()], [loss])
        return lambda: train([xb, yb, 1]), \
            lambda: evaluate([xb, yb, 0])[0]
    x = tf.placeholder(tf.float32, (None, s['image'], s['image'], 1))
    y = tf.placeholder(tf.float32, (None, 10))
    model = _conv_model(keras, s, dropout=name == 'keras_tftrain')
    probs = model(x)
    loss = _xent(tf, y, _logits_of(probs))
    if name == 'fgsm_train':
        guess = tf.stop_gradient(tf.cast(tf.equal(
            probs, tf.reduce_max(probs, 1, keepdims=True)), tf.float32))
        grad, = tf.gradients(_xent(tf, guess, _logits_of(probs)), x)
        adv = tf.stop_gradient(tf.clip_by_value(
            x + 0.3 * tf.sign(grad), 0., 1.))
        loss = (loss + _xent(tf, y, _logits_of(model(adv)))) / 2
    train = tf.train.AdamOptimizer(1e-3).minimize(loss)
    sess.run(tf.global_variables_initializer())
    feed = {x: xb, y: yb, K.learning_phase(): 1}
    return lambda: sess.run(train, feed_dict=feed), \
        lambda: sess.run(loss, feed_dict={x: xb, y: yb,
                                          K.learning_phase(): 0})


# ------------------------------------------------------------ torch loops
def torch_step(name, s):
    """The step function of workload `name`, written in PyTorch."""
    import torch
    import torch.nn.functional as F
    torch.manual_seed(0)
    image = name in ('keras_tftrain', 'fgsm_train')
    xb, yb = _data(s, image)
    x, y = torch.from_numpy(xb), torch.from_numpy(yb)
    if image:
        x = x.permute(0, 3, 1, 2).contiguous()
        side = (s['image'] - 2) // 2
        layers = [torch.nn.Conv2d(1, s['filters'], 3), torch.nn.ReLU(),
                  torch.nn.MaxPool2d(2), torch.nn.Flatten()]
        if name == 'keras_tftrain':
            layers.append(torch.nn.Dropout(0.5))
        layers.append(torch.nn.Linear(s['filters'] * side * side, 10))
    else:
        layers = [torch.nn.Linear(s['features'], s['hidden']),
                  torch.nn.ReLU()]
        if name == 'kfunction':
            layers.append(torch.nn.Dropout(0.5))
        layers.append(torch.nn.Linear(s['hidden'], 10))
    model = torch.nn.Sequential(*layers)
    if name == 'fetch':
        def fetch():
            with torch.no_grad():
                logits = model(x)
                probs = logits.softmax(1)
                loss = F.cross_entropy(logits, y)
                acc = (logits.argmax(1) == y.argmax(1)).float().mean()
            return [t.numpy() for t in (logits, probs, loss, acc)]
        return fetch, lambda: float(F.cross_entropy(model(x), y))
    opt = torch.optim.SGD(model.parameters(), 0.1) if name == 'mlp_sgd' \
        else torch.optim.Adam(model.parameters(), 1e-3)

    def loss_of():
        if name != 'fgsm_train':
            return F.cross_entropy(model(x), y)
        xg = x.clone().requires_grad_(True)
        logits = model(xg)
        guess = (logits == logits.max(1, keepdim=True)[0]).float()
        grad, = torch.autograd.grad(F.cross_entropy(
            logits, guess, reduction='sum'), xg, retain_graph=True)
        adv = (x + 0.3 * grad.sign()).clamp(0., 1.)
        return (F.cross_entropy(logits, y) +
                F.cross_entropy(model(adv), y)) / 2

    def step():
        model.train()
        loss = loss_of()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    def evaluate():
        model.eval()
        with torch.no_grad():
            return float(F.cross_entropy(model(x), y))
    return step, evaluate


# ----------------------------------------------------------------- timing
def child(args):
    if args.impl != 'tensorflow':
        import torch
        torch.set_num_threads(args.threads)
        torch.set_flush_denormal(True)
    s = _sizes(args.quick)
    if args.impl == 'torch':
        step, evaluate = torch_step(args.workload, s)
    else:
        step, evaluate = graph_step(args.impl, args.workload, s,
                                    args.threads)
    for _ in range(3):
        step()
    if args.profile:
        import cProfile
        import pstats
        profile = cProfile.Profile()
        profile.runcall(lambda: [step() for _ in range(args.steps)])
        pstats.Stats(profile).sort_stats(args.sort).print_stats(40)
    calls = None
    if args.impl == 'keras_compat':
        import cProfile
        import pstats
        profile = cProfile.Profile()
        profile.runcall(lambda: [step() for _ in range(10)])
        calls = pstats.Stats(profile).total_calls / 10.
    times = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        for _ in range(args.steps):
            step()
        times.append((time.perf_counter() - start) / args.steps * 1e3)
    print('RESULT ' + json.dumps({'ms': times, 'loss': float(evaluate()),
                                  'calls': calls}))


def _env(impl):
    env = dict(os.environ)
    env['PYTHONPATH'] = ROOT + os.pathsep + env.get('PYTHONPATH', '')
    env.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
    if impl == 'tensorflow':
        env['TF_USE_LEGACY_KERAS'] = '1'
        env['OMP_NUM_THREADS'] = '1'
    return env


def _spawn(python, impl, workload, args):
    cmd = [python, '-m', 'benchmarks.tf1_session', '--child', impl,
           '--workload', workload, '--steps', str(args.steps),
           '--threads', str(args.threads), '--rounds', str(args.rounds)]
    if args.quick:
        cmd.append('--quick')
    done = subprocess.run(cmd, capture_output=True, text=True,
                          env=_env(impl), cwd=ROOT)
    for line in done.stdout.splitlines():
        if line.startswith('RESULT '):
            return json.loads(line[len('RESULT '):])
    raise RuntimeError('%s on %s failed:\n%s' % (impl, workload,
                                                 done.stderr[-3000:]))


def _tf_available(python):
    if not python:
        return False
    code = 'import tensorflow, tf_keras'
    return subprocess.run([python, '-c', code], capture_output=True,
                          env=_env('tensorflow')).returncode == 0


def parent(args):
    impls = [('torch', sys.executable), ('keras_compat', sys.executable)]
    if _tf_available(args.tf_python):
        impls.append(('tensorflow', args.tf_python))
    names = args.workloads.split(',') if args.workloads else WORKLOADS
    rows = []
    for name in names:
        runs = {impl: [] for impl, _ in impls}
        losses, calls = {}, None
        for _ in range(args.repeats):
            for impl, python in impls:
                try:
                    result = _spawn(python, impl, name, args)
                except RuntimeError as error:
                    if impl != 'tensorflow':
                        raise
                    print(str(error).strip().splitlines()[-1])
                    continue
                runs[impl] += result['ms']
                losses[impl] = result['loss']
                calls = result['calls'] or calls
        # (The fastest round: other processes sharing the machine only
        # slow rounds down.)
        median = {impl: min(ms) if ms else float('nan')
                  for impl, ms in runs.items()}
        rows.append((name, median, calls))
        print('%s: %s' % (name, '  '.join(
            '%s %.2f ms' % (impl, ms) for impl, ms in median.items())),
            flush=True)
    _print_table(rows, [impl for impl, _ in impls], args)
    return rows


def _print_table(rows, impls, args):
    import torch
    print()
    print('CPU, %d thread(s) (%s cores seen), torch %s; %d repeats x %d '
          'rounds x %d steps, fastest round\'s ms/step%s; keras_compat\'s '
          'Python function calls per step.'
          % (args.threads, os.cpu_count(), torch.__version__, args.repeats,
             args.rounds, args.steps, ' (--quick)' if args.quick else ''))
    print()
    header = ('| workload | torch ms | keras_compat ms | ratio to torch | '
              'calls/step |')
    sep = '|---|---|---|---|---|'
    if 'tensorflow' in impls:
        header += ' TF1 graph ms | ratio to TF1 |'
        sep += '---|---|'
    print(header)
    print(sep)
    for name, median, calls in rows:
        line = '| %s | %.2f | %.2f | %.2f | %.0f |' % (
            name, median['torch'], median['keras_compat'],
            median['keras_compat'] / median['torch'], calls)
        if 'tensorflow' in impls:
            line += ' %.2f | %.2f |' % (
                median['tensorflow'],
                median['keras_compat'] / median['tensorflow'])
        print(line)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true',
                        help='tiny sizes: a correctness run, not timings')
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--steps', type=int, default=50)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--workloads', default='')
    parser.add_argument('--tf-python', default='')
    parser.add_argument('--child', dest='impl', default='')
    parser.add_argument('--workload', default='')
    parser.add_argument('--profile', default='',
                        help='print a cProfile of keras_compat steps of '
                             'this workload')
    parser.add_argument('--sort', default='tottime',
                        help='cProfile order of --profile')
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats, args.rounds, args.steps = 1, 1, 3
    if args.profile and not args.impl:
        args.impl, args.workload = 'keras_compat', args.profile
    if args.impl:
        return child(args)
    return parent(args)


if __name__ == '__main__':
    main()
