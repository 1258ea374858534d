"""Benchmarks: epoch time of keras_compat against a hand-written PyTorch
loop for the same model, measured in the same run.

    python -m benchmarks.run [--quick] [--device cpu|cuda] [--repeats 2]
                             [--epochs 3] [--workloads mlp,lstm_b16]
                             [--jit] [--mixed mixed_bfloat16]
                             [--write benchmarks/RESULTS.md]

Each (workload, implementation) runs in a fresh subprocess: a warm-up
epoch (discarded), then timed epochs. Implementations alternate (A B A B
...) over `--repeats` rounds. Reported: median epoch seconds, the ratio
keras_compat / hand-written torch, peak memory and the per-step overhead
(the epoch-time difference divided by the number of steps). Keras 3 on
its torch backend and tf_keras are extra columns when importable
(`--tf-python` names an interpreter that has tf_keras)."""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMPLEMENTATIONS = ('torch', 'keras_compat', 'keras_compat_jit',
                   'keras_compat_mixed', 'keras3', 'tf_keras')
# Extra columns: keras_compat with compile(jit_compile=True) (--jit) and
# under a mixed-precision policy (--mixed mixed_bfloat16|mixed_float16).
EXTRA_COLUMNS = ('keras_compat_jit', 'keras_compat_mixed', 'keras3',
                 'tf_keras')


def _workload(name, quick):
    from benchmarks import workloads
    return workloads.make(name, quick)


def _peak_memory_mb(device):
    if device.startswith('cuda'):
        import torch
        return torch.cuda.max_memory_allocated() / 2 ** 20
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.


def _sync(device):
    if device.startswith('cuda'):
        import torch
        torch.cuda.synchronize()


# ------------------------------------------------------------------ children
def torch_epoch(w, model, optimizer, x, y):
    """One epoch of the hand-written PyTorch loop of workload `w`: (mean
    loss, accuracy), read once at the end of the epoch."""
    import torch
    n, bs = len(x), w.batch_size
    if w.torch_shuffle():
        order = torch.randperm(n, device=x.device)
    else:
        order = torch.arange(n, device=x.device)
    total_loss = torch.zeros((), device=x.device)
    correct = torch.zeros((), device=x.device)
    for i in range(0, n, bs):
        idx = order[i:i + bs]
        xb, yb = x[idx], y[idx]
        out = model(xb)
        loss = w.torch_loss(out, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            total_loss += loss.detach() * len(idx)
            correct += w.torch_correct(out, yb)
    return float(total_loss) / n, float(correct) / n


def _run_torch(w, epochs, device):
    import torch
    torch.manual_seed(0)
    dev = torch.device(device)
    model = w.torch_model().to(dev)
    optimizer = w.torch_optimizer(model.parameters())
    x = w.torch_inputs(w.x).to(dev)
    y = w.torch_targets(w.y).to(dev)
    times = []
    model.train()
    for _ in range(epochs):
        _sync(device)
        start = time.perf_counter()
        summary = torch_epoch(w, model, optimizer, x, y)
        _sync(device)
        times.append(time.perf_counter() - start)
    return times, summary


def _run_keras(w, epochs, device, module, policy=None):
    import numpy as np
    if module.startswith('keras_compat'):
        import keras_compat as keras
        keras.backend.set_device(device)
        if module == 'keras_compat_mixed':
            keras.mixed_precision.set_global_policy(policy)
    elif module == 'keras3':
        os.environ['KERAS_BACKEND'] = 'torch'
        import keras
    else:
        import tf_keras as keras
    np.random.seed(0)
    model = w.keras_model(keras)
    if module == 'keras_compat_jit':
        model.compile(optimizer=model.optimizer, loss=model.loss,
                      metrics=model._compile_metrics, jit_compile=True)
    times = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            _sync(device)
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            _sync(device)
            times.append(time.perf_counter() - self.start)
    history = model.fit(w.x, w.y, epochs=epochs, verbose=0,
                        callbacks=[Timer()], **w.keras_fit_kwargs())
    h = history.history
    summary = (h['loss'][-1], h.get('accuracy', h.get('acc', [None]))[-1])
    return times, summary


def child(args):
    import numpy as np
    if args.threads and args.impl != 'tf_keras':
        import torch
        torch.set_num_threads(args.threads)
    if args.impl != 'tf_keras':
        import torch
        if args.device == 'cpu':
            torch.set_flush_denormal(True)
    w = _workload(args.workload, args.quick)
    epochs = args.epochs + 1
    if args.impl == 'torch':
        times, summary = _run_torch(w, epochs, args.device)
    else:
        times, summary = _run_keras(w, epochs, args.device, args.impl,
                                    args.mixed)
    result = {'times': times[1:], 'steps': w.steps,
              'peak_mb': _peak_memory_mb(args.device)
              if args.impl != 'tf_keras' else None,
              'loss': summary[0], 'accuracy': summary[1]}
    print('RESULT ' + json.dumps(result))


# -------------------------------------------------------------------- parent
def _available(impl, tf_python):
    if impl.startswith('keras_compat') or impl == 'torch':
        return sys.executable
    if impl == 'keras3':
        code = "import os; os.environ['KERAS_BACKEND']='torch'; import " \
               "keras; assert keras.__version__.startswith('3')"
        python = sys.executable
    else:
        code = 'import tf_keras'
        python = tf_python or sys.executable
    ok = subprocess.run([python, '-c', code], capture_output=True,
                        env=_env()).returncode == 0
    return python if ok else None


def _env():
    env = dict(os.environ)
    env['PYTHONPATH'] = ROOT + os.pathsep + env.get('PYTHONPATH', '')
    env.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
    return env


def _in_process(impl, workload, args):
    w = _workload(workload, args.quick)
    if impl == 'torch':
        times, summary = _run_torch(w, args.epochs + 1, args.device)
    else:
        times, summary = _run_keras(w, args.epochs + 1, args.device, impl,
                                    args.mixed)
    return {'times': times[1:], 'steps': w.steps,
            'peak_mb': _peak_memory_mb(args.device), 'loss': summary[0],
            'accuracy': summary[1]}


def _spawn(python, impl, workload, args):
    if args.quick and (impl == 'torch' or impl.startswith('keras_compat')):
        return _in_process(impl, workload, args)
    cmd = [python, '-m', 'benchmarks.run', '--child', impl, '--workload',
           workload, '--epochs', str(args.epochs), '--device', args.device,
           '--threads', str(args.threads)]
    if args.quick:
        cmd.append('--quick')
    if args.mixed:
        cmd += ['--mixed', args.mixed]
    return _result(cmd, '%s on %s' % (impl, workload))


def _result(cmd, what):
    """The `RESULT {json}` line that `cmd` prints, parsed; raises
    RuntimeError with the end of its stderr when there is none."""
    done = subprocess.run(cmd, capture_output=True, text=True, env=_env(),
                          cwd=ROOT)
    for line in done.stdout.splitlines():
        if line.startswith('RESULT '):
            return json.loads(line[len('RESULT '):])
    raise RuntimeError('%s failed:\n%s' % (what, done.stderr[-3000:]))


def _machine(device):
    import torch
    text = '%s, Python %s, torch %s' % (platform.machine(),
                                        platform.python_version(),
                                        torch.__version__)
    if device.startswith('cuda'):
        text += ', %s' % torch.cuda.get_device_name(0)
    else:
        text += ', %d CPU threads used (%s cores seen)' % (
            torch.get_num_threads(), os.cpu_count())
    return text


def parent(args):
    from benchmarks import workloads
    names = list(workloads.WORKLOADS)
    if args.workloads:
        names = [n for n in args.workloads.split(',')]
    impls = []
    for impl in IMPLEMENTATIONS:
        if impl in ('keras3', 'tf_keras') and args.no_peers:
            continue
        if impl == 'keras_compat_jit' and not args.jit:
            continue
        if impl == 'keras_compat_mixed' and not args.mixed:
            continue
        python = _available(impl, args.tf_python)
        if python is not None:
            impls.append((impl, python))
    rows = []
    for name in names:
        runs = {impl: [] for impl, _ in impls}
        for _ in range(args.repeats):
            for impl, python in impls:
                try:
                    runs[impl].append(_spawn(python, impl, name, args))
                except RuntimeError as error:
                    if impl in ('torch', 'keras_compat'):
                        raise
                    print('%s failed on %s: %s' % (
                        impl, name, str(error).strip().splitlines()[-1]))
        rows.append((name, runs))
        _print_row(name, runs, [i for i, _ in impls])
    table = _table(rows, [i for i, _ in impls], args)
    print()
    print(table)
    if args.write:
        with open(args.write, 'a') as f:
            f.write('\n' + table + '\n')
    return rows


def _median(results):
    times = [t for r in results for t in r['times']]
    return statistics.median(times) if times else float('nan')


def _print_row(name, runs, impls):
    parts = ['%s:' % name]
    for impl in impls:
        if runs[impl]:
            parts.append('%s %.4fs' % (impl, _median(runs[impl])))
    print('  '.join(parts), flush=True)


def _table(rows, impls, args):
    header = ('| workload | steps | torch s | keras_compat s | ratio | '
              'overhead us/step | peak MB (torch / ours) |')
    sep = '|---|---|---|---|---|---|---|'
    peers = [i for i in impls if i in EXTRA_COLUMNS]
    for peer in peers:
        header += ' %s s (ratio) |' % peer
        sep += '---|'
    if peers:
        header += ' best peer ratio (keras_compat / fastest other) |'
        sep += '---|'
    lines = ['Device: %s. %s, %d repeats x %d epochs (warm-up discarded), '
             'medians.' % (args.device, _machine(args.device), args.repeats,
                           args.epochs), '', header, sep]
    for name, runs in rows:
        torch_s = _median(runs['torch'])
        ours = _median(runs['keras_compat'])
        steps = runs['torch'][0]['steps']
        peak_t = max(r['peak_mb'] for r in runs['torch'])
        peak_k = max(r['peak_mb'] for r in runs['keras_compat'])
        line = '| %s | %d | %.4f | %.4f | %.2f | %.0f | %.0f / %.0f |' % (
            name, steps, torch_s, ours, ours / torch_s,
            (ours - torch_s) / steps * 1e6, peak_t, peak_k)
        others = [torch_s]
        for peer in peers:
            if not runs[peer]:
                line += ' failed |'
                continue
            peer_s = _median(runs[peer])
            others.append(peer_s)
            line += ' %.4f (%.2f) |' % (peer_s, peer_s / torch_s)
        if peers:
            line += ' %.2f |' % (ours / min(others))
        lines.append(line)
    return '\n'.join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true',
                        help='tiny sizes: a correctness run, not timings')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--repeats', type=int, default=2)
    parser.add_argument('--epochs', type=int, default=2)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--workloads', default='')
    parser.add_argument('--write', default='')
    parser.add_argument('--tf-python', default='')
    parser.add_argument('--jit', action='store_true',
                        help='add keras_compat with jit_compile=True')
    parser.add_argument('--mixed', default='',
                        help='add keras_compat under this mixed-precision '
                             'policy, e.g. mixed_bfloat16')
    parser.add_argument('--no-peers', action='store_true',
                        help='skip the Keras 3 and tf_keras columns')
    parser.add_argument('--child', default='')
    parser.add_argument('--workload', default='')
    args = parser.parse_args(argv)
    if args.child:
        args.impl = args.child
        child(args)
    else:
        parent(args)


if __name__ == '__main__':
    main()
