"""Cost of a Keras 2 `get_updates(loss, params)` optimizer per step.

    python -m benchmarks.custom_optimizer [--quick] [--repeats 3]
                                          [--epochs 2] [--threads 2]

Times training epochs of the `mlp` workload (20-64-64-10 with dropout,
batch 128, 60k samples) three ways, in one process, alternated over
`--repeats` rounds after a discarded warm-up epoch each:

- `get_updates`: keras_compat with momentum SGD written the Keras 2 way
  (`K.zeros` slots, `K.update`), which runs eagerly at every step;
- `builtin`: keras_compat with `SGD(momentum=0.9)` (foreach kernels);
- `torch`: a hand-written PyTorch loop with `torch.optim.SGD`.

Prints median epoch seconds, the ratios and the per-step difference. The
goal is get_updates within 1.5x of the built-in optimizer."""
import argparse
import statistics

from benchmarks import run as runner
from benchmarks import workloads


def keras2_momentum_sgd(keras):
    """Momentum SGD as a Keras 2.2 user writes it."""
    K = keras.backend

    class MomentumSGD(keras.optimizers.Optimizer):
        def __init__(self, lr=0.01, momentum=0., **kwargs):
            super(MomentumSGD, self).__init__(**kwargs)
            self.iterations = K.variable(0, dtype='int64', name='iterations')
            self.lr = K.variable(lr, name='lr')
            self.momentum = K.variable(momentum, name='momentum')

        def get_updates(self, loss, params):
            grads = self.get_gradients(loss, params)
            self.updates = [K.update_add(self.iterations, 1)]
            moments = [K.zeros(K.int_shape(p)) for p in params]
            self.weights = [self.iterations] + moments
            for p, g, m in zip(params, grads, moments):
                v = self.momentum * m - self.lr * g
                self.updates.append(K.update(m, v))
                self.updates.append(K.update(p, p + v))
            return self.updates

    return MomentumSGD


class MomentumMLP(workloads.MLP):
    """The mlp workload with plain momentum (no Nesterov) everywhere."""

    def __init__(self, quick, optimizer):
        super(MomentumMLP, self).__init__(quick)
        self.optimizer = optimizer

    def keras_model(self, keras):
        model = super(MomentumMLP, self).keras_model(keras)
        if self.optimizer == 'get_updates':
            opt = keras2_momentum_sgd(keras)(lr=0.01, momentum=0.9)
        else:
            opt = keras.optimizers.SGD(learning_rate=0.01, momentum=0.9)
        model.compile(loss='categorical_crossentropy', optimizer=opt,
                      metrics=['accuracy'])
        return model

    def torch_optimizer(self, params):
        import torch
        return torch.optim.SGD(params, lr=0.01, momentum=0.9)


def _epoch_times(impl, args):
    w = MomentumMLP(args.quick, impl)
    if impl == 'torch':
        times, _ = runner._run_torch(w, args.epochs + 1, 'cpu')
    else:
        times, _ = runner._run_keras(w, args.epochs + 1, 'cpu',
                                     'keras_compat')
    return times[1:], w.steps


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true',
                        help='tiny sizes: a correctness run, not timings')
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--epochs', type=int, default=2)
    parser.add_argument('--threads', type=int, default=2)
    args = parser.parse_args(argv)
    import torch
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)
    impls = ('get_updates', 'builtin', 'torch')
    times = {impl: [] for impl in impls}
    steps = None
    for _ in range(args.repeats):
        for impl in impls:
            epoch_times, steps = _epoch_times(impl, args)
            times[impl] += epoch_times
    median = {impl: statistics.median(times[impl]) for impl in impls}
    print('MLP 20-64-64-10, batch 128, %d steps per epoch; %s; %d repeats '
          'x %d epochs (warm-up discarded), medians.'
          % (steps, runner._machine('cpu'), args.repeats, args.epochs))
    print()
    print('| optimizer | epoch s | us/step | ratio to built-in | '
          'ratio to torch |')
    print('|---|---|---|---|---|')
    for impl in impls:
        print('| %s | %.4f | %.0f | %.2f | %.2f |' % (
            impl, median[impl], median[impl] / steps * 1e6,
            median[impl] / median['builtin'],
            median[impl] / median['torch']))
    print()
    print('get_updates / built-in: %.2fx (goal <= 1.5x); %+.0f us per step'
          % (median['get_updates'] / median['builtin'],
             (median['get_updates'] - median['builtin']) / steps * 1e6))
    return median


if __name__ == '__main__':
    main()
