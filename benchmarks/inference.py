"""Inference benchmarks: `predict` throughput and single-sample latency of
keras_compat against a hand-written PyTorch module holding the same
weights (run under `torch.inference_mode`, taking the same NHWC /
batch-first layout), measured in the same run, with Keras 3 (torch
backend) and tf_keras as peer columns.

    python -m benchmarks.inference [--quick] [--device cpu|cuda]
                                   [--models convnet,lstm] [--repeats 3]
                                   [--latency-runs 50] [--resnet-size 64]
                                   [--no-peers] [--tf-python PYTHON]
                                   [--write FILE]

For each model: samples/s of `model.predict(x, batch_size=B)` for B in
32 and 256 (the torch side slices the same Numpy array, runs each batch
and gathers the outputs into one Numpy array), and the median latency of
`predict_on_batch` and of `model(x)` on one sample against the torch
module on one sample. Before timing, the outputs of both sides are
compared (`--quick` is that check at tiny sizes, no timings asserted).
Last, the peak resident-memory growth of `predict` on a large array, in
a fresh process: the growth beyond the returned outputs should be about
one batch, not the array.

Peers: Keras 3 (`KERAS_BACKEND=torch`, on `--device`) and tf_keras each
build the same architecture with their own API (the same layer sizes,
`applications.ResNet50(weights=None)` with the same arguments) and run
on the same inputs, in a subprocess of their own, one per peer: one
warm-up `predict`, then the median of `--repeats` timed `predict(x,
batch_size=B, verbose=0)` calls per batch size, and the median latency of
`predict_on_batch` and `model(x, training=False)` on one sample. Their
weights are their own initial ones, not keras_compat's: the peer columns
compare speed only (`--quick` checks that their outputs are finite).
Keras 3 runs when this Python imports it; tf_keras runs in the Python
named by `--tf-python` (by default this one) when it imports tf_keras,
with `--threads` intra-op threads and one inter-op thread. A peer that
is not importable shows `-`; one that fails shows `failed`, its error on
stderr. `--no-peers` leaves the peer columns out. Peer ratios are peer
time / torch time; "best peer ratio" is keras_compat time over the
fastest of torch and the peers."""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np

from benchmarks.run import _available, _machine, _result

BATCHES = (32, 256)
PEERS = ('keras3', 'tf_keras')


def _sync(device):
    if device.startswith('cuda'):
        import torch
        torch.cuda.synchronize()


# ------------------------------------------------------------------ models
class ConvNet(object):
    """The training workload's VGG-like convnet, NHWC input."""

    name = 'convnet'

    def __init__(self, quick):
        self.size = 32 if quick else 100
        self.n = 64 if quick else 512

    def data(self, rng):
        return rng.rand(self.n, self.size, self.size, 3).astype('float32')

    def keras_model(self, keras):
        from benchmarks import workloads
        w = workloads.ConvNet.__new__(workloads.ConvNet)
        w.x = np.zeros((1, self.size, self.size, 3), 'float32')
        return w.keras_model(keras)

    def torch_model(self, keras_model):
        import torch.nn as nn
        import torch.nn.functional as F
        size = self.size
        flat = ((((size - 4) // 2) - 4) // 2) ** 2 * 64

        class Net(nn.Module):
            def __init__(self):
                super(Net, self).__init__()
                self.convs = nn.ModuleList([
                    nn.Conv2d(3, 32, 3), nn.Conv2d(32, 32, 3),
                    nn.Conv2d(32, 64, 3), nn.Conv2d(64, 64, 3)])
                self.fc1 = nn.Linear(flat, 256)
                self.fc2 = nn.Linear(256, 10)

            def forward(self, x):
                # NHWC in; a permuted view is channels-last for oneDNN.
                x = x.permute(0, 3, 1, 2)
                c1, c2, c3, c4 = self.convs
                x = F.max_pool2d(F.relu(c2(F.relu(c1(x)))), 2)
                x = F.max_pool2d(F.relu(c4(F.relu(c3(x)))), 2)
                # Keras flattens in NHWC order.
                x = x.permute(0, 2, 3, 1).flatten(1)
                return F.softmax(self.fc2(F.relu(self.fc1(x))), dim=-1)
        net = Net()
        weights = keras_model.get_weights()
        params = []
        for conv in net.convs:
            params += [(conv.weight, weights.pop(0).transpose(3, 2, 0, 1)),
                       (conv.bias, weights.pop(0))]
        for fc in (net.fc1, net.fc2):
            params += [(fc.weight, weights.pop(0).T), (fc.bias,
                                                       weights.pop(0))]
        _load(params)
        return net


class LSTMNet(object):
    """The training workload's Embedding(1024, 256) + LSTM(128) +
    Dense(1), length 80."""

    name = 'lstm'

    def __init__(self, quick):
        self.n = 64 if quick else 2048

    def data(self, rng):
        return rng.randint(1024, size=(self.n, 80)).astype('int64')

    def keras_model(self, keras):
        from benchmarks import workloads
        w = workloads.LSTMNet.__new__(workloads.LSTMNet)
        return w.keras_model(keras)

    def torch_model(self, keras_model):
        import torch
        from benchmarks import workloads

        class Net(torch.nn.Module):
            """The training workload's torch LSTM (which returns logits)
            with the model's sigmoid output."""

            def __init__(self):
                super(Net, self).__init__()
                self.body = workloads.LSTMNet.__new__(
                    workloads.LSTMNet).torch_model()

            def forward(self, x):
                return torch.sigmoid(self.body(x))
        net = Net()
        body = net.body
        emb, kernel, recurrent, bias, dense_w, dense_b = \
            keras_model.get_weights()
        # Keras gate order i, f, c, o is nn.LSTM's i, f, g, o.
        _load([(body.embed.weight, emb),
               (body.lstm.weight_ih_l0, kernel.T),
               (body.lstm.weight_hh_l0, recurrent.T),
               (body.lstm.bias_ih_l0, bias),
               (body.lstm.bias_hh_l0, np.zeros_like(bias)),
               (body.out.weight, dense_w.T), (body.out.bias, dense_b)])
        return net


class ResNet50(object):
    """keras_compat.applications.ResNet50(weights=None) on small images
    (64x64 by default; `--resnet-size 224` for the full size), against a
    hand-written torch ResNet50 (Keras 2's: biased convolutions,
    BatchNormalization epsilon 1e-3) loaded layer by layer by name."""

    name = 'resnet50'
    size = 64
    # Untrained, 50 layers deep: at 224x224 the logits spread over
    # hundreds, so float32 rounding of different oneDNN kernels (chosen by
    # batch size and layout) moves the softmax by a few parts in 1000.
    tolerance = {'rtol': 1e-2, 'atol': 1e-4}

    def __init__(self, quick):
        self.quick = quick
        self.size = 32 if quick else ResNet50.size
        self.n = 8 if quick else 128

    def data(self, rng):
        return rng.rand(self.n, self.size, self.size, 3).astype('float32')

    def keras_model(self, keras):
        return keras.applications.ResNet50(
            weights=None, input_shape=(self.size, self.size, 3))

    def torch_model(self, keras_model):
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        def bn(c):
            return nn.BatchNorm2d(c, eps=1e-3)

        class Block(nn.Module):
            def __init__(self, cin, filters, stride, shortcut):
                super(Block, self).__init__()
                f1, f2, f3 = filters
                self.c1 = nn.Conv2d(cin, f1, 1, stride)
                self.b1 = bn(f1)
                self.c2 = nn.Conv2d(f1, f2, 3, padding=1)
                self.b2 = bn(f2)
                self.c3 = nn.Conv2d(f2, f3, 1)
                self.b3 = bn(f3)
                self.short = None
                if shortcut:
                    self.short = nn.Conv2d(cin, f3, 1, stride)
                    self.bshort = bn(f3)

            def forward(self, x):
                y = F.relu(self.b1(self.c1(x)))
                y = F.relu(self.b2(self.c2(y)))
                y = self.b3(self.c3(y))
                s = x if self.short is None else self.bshort(self.short(x))
                return F.relu(y + s)

        class Net(nn.Module):
            def __init__(self):
                super(Net, self).__init__()
                self.conv1 = nn.Conv2d(3, 64, 7, 2)
                self.bn1 = bn(64)
                self.blocks = nn.ModuleList()
                self.names = []
                cin = 64
                for stage, blocks, filters in (
                        (2, 'abc', (64, 64, 256)),
                        (3, 'abcd', (128, 128, 512)),
                        (4, 'abcdef', (256, 256, 1024)),
                        (5, 'abc', (512, 512, 2048))):
                    for block in blocks:
                        first = block == 'a'
                        stride = 2 if first and stage > 2 else 1
                        self.blocks.append(Block(cin, filters, stride, first))
                        self.names.append('%d%s' % (stage, block))
                        cin = filters[2]
                self.fc = nn.Linear(2048, 1000)

            def forward(self, x):
                x = x.permute(0, 3, 1, 2)
                x = F.relu(self.bn1(self.conv1(F.pad(x, (3, 3, 3, 3)))))
                x = F.max_pool2d(F.pad(x, (1, 1, 1, 1)), 3, 2)
                for block in self.blocks:
                    x = block(x)
                return F.softmax(self.fc(x.mean(dim=(2, 3))), dim=-1)

        net = Net()
        layer = keras_model.get_layer
        pairs = []

        def conv(module, name):
            kernel, bias = layer(name).get_weights()
            pairs.extend([(module.weight, kernel.transpose(3, 2, 0, 1)),
                          (module.bias, bias)])

        def norm(module, name):
            gamma, beta, mean, var = layer(name).get_weights()
            pairs.extend([(module.weight, gamma), (module.bias, beta),
                          (module.running_mean, mean),
                          (module.running_var, var)])
        conv(net.conv1, 'conv1')
        norm(net.bn1, 'bn_conv1')
        for name, block in zip(net.names, net.blocks):
            for part in 'abc':
                conv(getattr(block, 'c%d' % ' abc'.index(part)),
                     'res%s_branch2%s' % (name, part))
                norm(getattr(block, 'b%d' % ' abc'.index(part)),
                     'bn%s_branch2%s' % (name, part))
            if block.short is not None:
                conv(block.short, 'res%s_branch1' % name)
                norm(block.bshort, 'bn%s_branch1' % name)
        kernel, bias = layer('fc1000').get_weights()
        pairs.extend([(net.fc.weight, kernel.T), (net.fc.bias, bias)])
        _load(pairs)
        return net


MODELS = {'convnet': ConvNet, 'lstm': LSTMNet, 'resnet50': ResNet50}


def _load(pairs):
    import torch
    with torch.no_grad():
        for param, value in pairs:
            value = torch.from_numpy(np.ascontiguousarray(value))
            assert tuple(param.shape) == tuple(value.shape), (
                param.shape, value.shape)
            param.copy_(value)


# --------------------------------------------------------------- measuring
def _torch_predict(net, x, batch_size, device):
    import torch
    outs = []
    with torch.inference_mode():
        for i in range(0, len(x), batch_size):
            xb = torch.from_numpy(x[i:i + batch_size]).to(device)
            outs.append(net(xb).cpu().numpy())
    return np.concatenate(outs)


def _timed(fn, repeats, device, sync=None):
    """Median seconds of `fn()` over `repeats` calls after one warm-up."""
    return _alternating([fn], repeats, device, sync)[0]


def _alternating(fns, repeats, device, sync=None):
    """Median seconds of each function, calls alternating A B A B.
    `sync()` waits for the device's work; by default torch's on
    `device`."""
    sync = sync or (lambda: _sync(device))
    for fn in fns:
        fn()
    times = [[] for _ in fns]
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            sync()
            start = time.perf_counter()
            fn()
            sync()
            times[i].append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def build(name, quick, device):
    """(spec, keras model, torch module with the same weights, data)."""
    import torch
    import keras_compat as keras
    keras.backend.set_device(device)
    np.random.seed(0)
    torch.manual_seed(0)
    spec = MODELS[name](quick)
    model = spec.keras_model(keras)
    net = spec.torch_model(model).to(device).eval()
    x = spec.data(np.random.RandomState(0))
    return spec, model, net, x


def check_outputs(model, net, x, device, rtol=1e-4, atol=1e-6):
    """The largest absolute difference between the two sides' outputs;
    raises if they differ beyond the tolerance."""
    ours = model.predict(x, batch_size=32)
    theirs = _torch_predict(net, x, 32, device)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)
    # One sample against one sample: kernels chosen by batch size round
    # differently.
    single = model.predict_on_batch(x[:1])
    np.testing.assert_allclose(single, _torch_predict(net, x[:1], 1, device),
                               rtol=rtol, atol=atol)
    return float(np.abs(ours - theirs).max())


def measure(name, args):
    import torch
    spec, model, net, x = build(name, args.quick, args.device)
    tolerance = dict(getattr(spec, 'tolerance', {}))
    if args.device.startswith('cuda'):
        # TF32 convolutions and matmuls round differently per kernel.
        tolerance.setdefault('rtol', 2e-3)
        tolerance.setdefault('atol', 1e-4)
    max_diff = check_outputs(model, net, x, args.device, **tolerance)
    row = {'model': name, 'n': len(x), 'max_abs_diff': max_diff}
    for bs in BATCHES:
        ours, theirs = _alternating(
            [lambda: model.predict(x, batch_size=bs),
             lambda: _torch_predict(net, x, bs, args.device)],
            args.repeats, args.device)
        row['b%d' % bs] = (len(x) / theirs, len(x) / ours)
    one = x[:1]
    dev = torch.device(args.device)

    def torch_one():
        with torch.inference_mode():
            return net(torch.from_numpy(one).to(dev)).cpu().numpy()

    def call_one():
        return model(one)

    runs = args.latency_runs
    lat = _alternating([torch_one, lambda: model.predict_on_batch(one),
                        call_one], runs, args.device)
    row['latency_ms'] = [t * 1e3 for t in lat]
    return row


# ----------------------------------------------------------- peers (child)
def _peer_keras(args):
    """(the peer's Keras module, its version text, its `sync` for the
    timing helpers) with the peer placed on `args.device`."""
    if args.peer == 'keras3':
        import torch
        torch.set_num_threads(args.threads)
        if args.device == 'cpu':
            torch.set_flush_denormal(True)
        os.environ['KERAS_BACKEND'] = 'torch'
        os.environ['KERAS_TORCH_DEVICE'] = args.device
        import keras
        return keras, 'Keras %s (torch backend)' % keras.__version__, None
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    on_gpu = args.device.startswith('cuda')
    if not on_gpu:
        tf.config.set_visible_devices([], 'GPU')
    elif not tf.config.list_physical_devices('GPU'):
        raise RuntimeError('TensorFlow sees no GPU for --device %s'
                           % args.device)
    import tf_keras
    version = 'tf_keras %s (TensorFlow %s)' % (tf_keras.__version__,
                                               tf.__version__)
    sync = tf.test.experimental.sync_devices if on_gpu else (lambda: None)
    return tf_keras, version, sync


def _peer_row(spec, keras, args, sync):
    """samples/s per batch size and single-sample latency (ms) of the
    peer's own build of `spec`, with its own initial weights."""
    model = spec.keras_model(keras)
    x = spec.data(np.random.RandomState(0))
    out = model.predict(x, batch_size=32, verbose=0)
    assert len(out) == len(x) and np.isfinite(out).all(), out
    row = {'n': len(x)}
    for bs in BATCHES:
        seconds = _timed(lambda: model.predict(x, batch_size=bs, verbose=0),
                         args.repeats, args.device, sync)
        row['b%d' % bs] = len(x) / seconds
    one = x[:1]
    lat = _alternating([lambda: model.predict_on_batch(one),
                        lambda: model(one, training=False)],
                       args.latency_runs, args.device, sync)
    row['latency_ms'] = [t * 1e3 for t in lat]
    return row


def _peer_child(args):
    keras, version, sync = _peer_keras(args)
    rows = {}
    for name in args.models.split(','):
        try:
            rows[name] = _peer_row(MODELS[name](args.quick), keras, args,
                                   sync)
        except Exception as error:
            rows[name] = {'error': '%s: %s' % (type(error).__name__, error)}
    print('RESULT ' + json.dumps({'version': version, 'rows': rows}))


# ---------------------------------------------------------- peers (parent)
def run_peers(args):
    """{peer: None where it is not importable, else {'version': text,
    'rows': {model: row, or None where it failed}}}; {} with
    --no-peers."""
    if args.no_peers:
        return {}
    peers = {}
    for peer in PEERS:
        python = _available(peer, args.tf_python)
        peers[peer] = _run_peer(peer, python, args) if python else None
    return peers


def _run_peer(peer, python, args):
    """`peer` on every model, in a subprocess of `python`."""
    cmd = [python, '-m', 'benchmarks.inference', '--peer', peer,
           '--models', args.models, '--device', args.device,
           '--repeats', str(args.repeats), '--latency-runs',
           str(args.latency_runs), '--threads', str(args.threads),
           '--resnet-size', str(args.resnet_size)]
    if args.quick:
        cmd.append('--quick')
    try:
        result = _result(cmd, peer)
    except RuntimeError as error:
        print(str(error).strip(), file=sys.stderr)
        return {'version': None, 'rows': {}}
    for name, row in result['rows'].items():
        if 'error' in row:
            print('%s failed on %s: %s' % (peer, name, row['error']),
                  file=sys.stderr)
            result['rows'][name] = None
    print('%s: %s' % (peer, result['version']), flush=True)
    return result


# -------------------------------------------------------- memory (child)
def _memory_child(args):
    from benchmarks.memory import _PeakRSS
    import torch
    import keras_compat as keras
    keras.backend.set_device('cpu')
    torch.set_num_threads(args.threads)
    rows, features = args.rows, 256
    x = np.random.RandomState(0).rand(rows, features).astype('float32')
    model = keras.models.Sequential([
        keras.layers.Dense(256, activation='relu', input_shape=(features,)),
        keras.layers.Dense(10, activation='softmax')])
    model.predict(x[:1024], batch_size=args.batch_size)
    peak = _PeakRSS()
    out = model.predict(x, batch_size=args.batch_size)
    growth_kb = peak.peak_kb() - peak.start_kb
    print('RESULT ' + json.dumps({
        'input_mb': x.nbytes / 2. ** 20, 'output_mb': out.nbytes / 2. ** 20,
        'growth_mb': growth_kb / 1024., 'batch_size': args.batch_size,
        'batch_mb': args.batch_size * features * 4 / 2. ** 20,
        'exact': peak.exact}))


def memory(args):
    rows = 4096 if args.quick else 1 << 20     # 1 GiB of float32 input
    cmd = [sys.executable, '-m', 'benchmarks.inference', '--memory-child',
           '--rows', str(rows), '--batch-size', '256', '--threads',
           str(args.threads)]
    return _result(cmd, 'predict memory run')


# ---------------------------------------------------------------- report
def _table(rows, peers, mem, args):
    lines = ['Device: %s. %s; %d alternating repeats per batch size, '
             'latency median of %d.' % (args.device, _machine(args.device),
                                        args.repeats, args.latency_runs)]
    if peers:
        lines.append('Peers (their own weights): %s.' % '; '.join(
            '%s: %s' % (peer, _peer_version(result))
            for peer, result in peers.items()))
    lines += [''] + _throughput_lines(rows, peers)
    lines += [''] + _latency_lines(rows, peers)
    if mem is not None:
        lines += ['', 'predict on a %.0f MB float32 array (Dense 256-256-10, '
                  'batch %d): peak RSS growth %.1f MB, of which the returned '
                  'outputs are %.1f MB; one input batch is %.2f MB.%s' % (
                      mem['input_mb'], mem['batch_size'], mem['growth_mb'],
                      mem['output_mb'], mem['batch_mb'],
                      '' if mem['exact'] else ' (RSS sampled every 5 ms)')]
    return '\n'.join(lines)


def _peer_version(result):
    if result is None:
        return 'not importable'
    return result['version'] or 'failed'


def _header(first, peers, unit):
    """Header and separator lines: `first` columns, then one column per
    peer and the best-peer ratio when there are peers."""
    for peer in peers:
        first.append('%s %s (ratio)' % (peer, unit))
    if peers:
        first.append('best peer ratio (keras_compat time / fastest)')
    return ['| %s |' % ' | '.join(first), '|%s' % ('---|' * len(first))]


def _peer_cells(peers, model, key, torch_time, ours_time, fmt):
    """Each peer's cell, `fmt % (value, peer time / torch time)` (`-`
    where it is not importable, `failed` where it failed), then the
    best-peer ratio; `key(row)` is a peer row's (value, time)."""
    cells, times = [], [torch_time]
    for result in peers.values():
        row = result and result['rows'].get(model)
        if row is None:
            cells.append('-' if result is None else 'failed')
            continue
        value, peer_time = key(row)
        times.append(peer_time)
        cells.append(fmt % (value, peer_time / torch_time))
    if peers:
        cells.append('%.2f' % (ours_time / min(times)))
    return ''.join(' %s |' % cell for cell in cells)


def _throughput_lines(rows, peers):
    lines = _header(['model', 'samples', 'batch', 'torch samples/s',
                     'keras_compat samples/s',
                     'ratio (keras_compat time / torch)'], peers,
                    'samples/s')
    for row in rows:
        for bs in BATCHES:
            column = 'b%d' % bs
            theirs, ours = row[column]
            # Times per sample, so that ratios read as in the torch column.
            lines.append('| %s | %d | %d | %.0f | %.0f | %.2f |' % (
                row['model'], row['n'], bs, theirs, ours, theirs / ours)
                + _peer_cells(peers, row['model'],
                              lambda r: (r[column], 1. / r[column]),
                              1. / theirs, 1. / ours, '%.0f (%.2f)'))
    return lines


def _latency_lines(rows, peers):
    lines = _header(['model', 'call', 'torch ms',
                     'keras_compat ms (ratio)'], peers, 'ms')
    lines[0] += ' max abs diff |'
    lines[1] += '---|'
    for row in rows:
        t = row['latency_ms'][0]
        for i, call in ((1, 'predict_on_batch'), (2, 'model(x)')):
            ours = row['latency_ms'][i]
            lines.append('| %s | %s | %.3f | %.3f (%.2f) |' % (
                row['model'], call, t, ours, ours / t) + _peer_cells(
                    peers, row['model'],
                    lambda r: (r['latency_ms'][i - 1],) * 2, t, ours,
                    '%.3f (%.2f)') + ' %.1e |' % row['max_abs_diff'])
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true',
                        help='tiny sizes: a correctness run, not timings')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--models', default=','.join(MODELS))
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--latency-runs', type=int, default=50)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--resnet-size', type=int, default=64,
                        help='ResNet50 image size (224 for the full size)')
    parser.add_argument('--no-memory', action='store_true')
    parser.add_argument('--write', default='')
    parser.add_argument('--tf-python', default='',
                        help='a Python that has tf_keras (default: this '
                             'one)')
    parser.add_argument('--no-peers', action='store_true',
                        help='skip the Keras 3 and tf_keras columns')
    parser.add_argument('--peer', default='')
    parser.add_argument('--memory-child', action='store_true')
    parser.add_argument('--rows', type=int, default=0)
    parser.add_argument('--batch-size', type=int, default=256)
    args = parser.parse_args(argv)
    unknown = set(args.models.split(',')) - set(MODELS)
    if unknown:
        parser.error('unknown models %s; choose from %s'
                     % (', '.join(sorted(unknown)), ', '.join(MODELS)))
    if args.memory_child:
        return _memory_child(args)
    ResNet50.size = args.resnet_size
    if args.quick:
        args.repeats = min(args.repeats, 1)
        args.latency_runs = min(args.latency_runs, 3)
    if args.peer:
        return _peer_child(args)
    import torch
    torch.set_num_threads(args.threads)
    if args.device == 'cpu':
        torch.set_flush_denormal(True)
    rows = []
    for name in args.models.split(','):
        row = measure(name, args)
        rows.append(row)
        print('%s: max abs diff %.1e' % (name, row['max_abs_diff']),
              flush=True)
    peers = run_peers(args)
    mem = None if args.no_memory or args.device != 'cpu' else memory(args)
    table = _table(rows, peers, mem, args)
    print()
    print(table)
    if args.write:
        with open(args.write, 'a') as f:
            f.write('\n' + table + '\n')
    return rows


if __name__ == '__main__':
    main()
