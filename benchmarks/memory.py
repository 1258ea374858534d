"""Peak resident-memory growth of `fit` on data kept on disk: an
`HDF5Matrix` and a `numpy.memmap` of about `--size-mb` megabytes (1024 by
default), each read batch by batch. The goal is a growth of at most a
quarter of the data size.

    python -m benchmarks.memory                  # ~1 GB of each kind
    python -m benchmarks.memory --size-mb 256 --dir /data/tmp
    python -m benchmarks.memory --quick          # 8 MB, for the tests

Each measurement runs in a fresh process: the data file is written by one
process, then another imports keras_compat, builds and warms up the model,
resets its peak-RSS counter (`/proc/self/clear_refs`; elsewhere a sampling
thread reads the RSS) and fits one epoch. Growth is the peak RSS during
`fit` minus the RSS just before it. Prints a Markdown table.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FEATURES = 256          # float32 columns: 1 KiB a row
CHUNK_ROWS = 16384


def _rows_for(size_mb):
    return max(1024, int(size_mb * (1 << 20)) // (FEATURES * 4))


def write_data(kind, path, rows):
    """x (rows, FEATURES) and y (rows, 1), written in chunks so this
    process never holds the whole array."""
    import numpy as np
    rng = np.random.RandomState(0)
    if kind == 'hdf5':
        import h5py
        with h5py.File(path, 'w') as f:
            x = f.create_dataset('x', (rows, FEATURES), dtype='float32')
            y = f.create_dataset('y', (rows, 1), dtype='float32')
            for start in range(0, rows, CHUNK_ROWS):
                stop = min(rows, start + CHUNK_ROWS)
                part = rng.rand(stop - start, FEATURES).astype('float32')
                x[start:stop] = part
                y[start:stop] = part[:, :1] > 0.5
    else:
        x = np.lib.format.open_memmap(path + '.x.npy', mode='w+',
                                      dtype='float32',
                                      shape=(rows, FEATURES))
        y = np.lib.format.open_memmap(path + '.y.npy', mode='w+',
                                      dtype='float32', shape=(rows, 1))
        for start in range(0, rows, CHUNK_ROWS):
            stop = min(rows, start + CHUNK_ROWS)
            part = rng.rand(stop - start, FEATURES).astype('float32')
            x[start:stop] = part
            y[start:stop] = part[:, :1] > 0.5
        x.flush()
        y.flush()
        del x, y


def _status_kb(field):
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    return None


class _PeakRSS(object):
    """Peak RSS from here on: the kernel's high-water mark after
    resetting it, else a sampling thread."""

    def __init__(self):
        self.start_kb = _status_kb('VmRSS')
        self.exact = False
        try:
            with open('/proc/self/clear_refs', 'w') as f:
                f.write('5')
            self.exact = True
        except OSError:
            pass
        self._peak = self.start_kb
        self._stop = threading.Event()
        if not self.exact:
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()

    def _sample(self):
        while not self._stop.is_set():
            self._peak = max(self._peak, _status_kb('VmRSS'))
            time.sleep(0.005)

    def peak_kb(self):
        self._stop.set()
        if self.exact:
            return _status_kb('VmHWM')
        self._thread.join()
        return max(self._peak, _status_kb('VmRSS'))


def measure(kind, path, batch_size):
    """Runs in the child: fit one epoch on the data at `path`."""
    import numpy as np
    import keras_compat
    from keras_compat.models import Sequential
    from keras_compat.layers import Dense
    if kind == 'hdf5':
        from keras_compat.utils import HDF5Matrix
        x, y = HDF5Matrix(path, 'x'), HDF5Matrix(path, 'y')
        shuffle = 'batch'       # Keras 2's rule for HDF5 data
    else:
        x = np.load(path + '.x.npy', mmap_mode='r')
        y = np.load(path + '.y.npy', mmap_mode='r')
        shuffle = True
    model = Sequential([Dense(32, activation='relu', input_dim=FEATURES),
                        Dense(1, activation='sigmoid')])
    model.compile('adam', 'binary_crossentropy')
    warm = np.zeros((2 * batch_size, FEATURES), dtype='float32')
    model.fit(warm, warm[:, :1], batch_size=batch_size, epochs=1, verbose=0)
    data_mb = (x.shape[0] * FEATURES * 4 + y.shape[0] * 4) / float(1 << 20)
    peak = _PeakRSS()
    started = time.time()
    model.fit(x, y, batch_size=batch_size, epochs=1, shuffle=shuffle,
              verbose=0)
    seconds = time.time() - started
    peak_kb = peak.peak_kb()
    print(json.dumps({
        'kind': kind, 'data_mb': data_mb, 'rows': int(x.shape[0]),
        'before_mb': peak.start_kb / 1024., 'peak_mb': peak_kb / 1024.,
        'growth_mb': (peak_kb - peak.start_kb) / 1024.,
        'seconds': seconds, 'exact': peak.exact,
        'version': keras_compat.__version__}))


def _child(args):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep +
               os.environ.get('PYTHONPATH', ''))
    env.setdefault('KERAS_COMPAT_DEVICE', 'cpu')
    done = subprocess.run([sys.executable, '-m', 'benchmarks.memory'] + args,
                          cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError('benchmark child failed:\n' + done.stdout +
                           done.stderr)
    return done.stdout


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size-mb', type=float, default=1024.,
                        help='size of each data file (default 1024)')
    parser.add_argument('--quick', action='store_true',
                        help='8 MB files: checks that the benchmark runs')
    parser.add_argument('--batch-size', type=int, default=1024)
    parser.add_argument('--dir', default=None,
                        help='where the data files are written '
                             '(default: the temporary directory)')
    parser.add_argument('--kinds', default='hdf5,memmap')
    parser.add_argument('--write', nargs=3, metavar=('KIND', 'PATH', 'ROWS'),
                        help=argparse.SUPPRESS)
    parser.add_argument('--measure', nargs=2, metavar=('KIND', 'PATH'),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.write:
        write_data(args.write[0], args.write[1], int(args.write[2]))
        return
    if args.measure:
        measure(args.measure[0], args.measure[1], args.batch_size)
        return
    size_mb = 8. if args.quick else args.size_mb
    rows = _rows_for(size_mb)
    workdir = tempfile.mkdtemp(prefix='keras_compat_memory_', dir=args.dir)
    results = []
    try:
        for kind in args.kinds.split(','):
            path = os.path.join(workdir, 'data_' + kind)
            if kind == 'hdf5':
                path += '.h5'
            _child(['--write', kind, path, str(rows)])
            out = _child(['--measure', kind, path,
                          '--batch-size', str(args.batch_size)])
            results.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for name in os.listdir(workdir):
            os.remove(os.path.join(workdir, name))
        os.rmdir(workdir)
    print('| input | data MB | RSS before fit MB | peak RSS growth MB | '
          'growth / data | fit s |')
    print('|---|---|---|---|---|---|')
    for r in results:
        print('| %s | %.0f | %.0f | %.1f | %.3f | %.1f |'
              % ({'hdf5': 'HDF5Matrix', 'memmap': 'numpy.memmap'}[r['kind']],
                 r['data_mb'], r['before_mb'], r['growth_mb'],
                 r['growth_mb'] / r['data_mb'], r['seconds']))
    if results and not results[0]['exact']:
        print('\n(peak sampled every 5 ms: /proc/self/clear_refs was not '
              'writable)')


if __name__ == '__main__':
    main()
