"""The benchmark runner in its quick mode (tiny sizes): every workload
trains in both implementations and the table is produced. No timings are
asserted."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_quick_custom_optimizer_benchmark_runs():
    done = subprocess.run(
        [sys.executable, '-m', 'benchmarks.custom_optimizer', '--quick',
         '--repeats', '1', '--epochs', '1'],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, PYTHONPATH=ROOT, KERAS_COMPAT_DEVICE='cpu'))
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line.split('|')[1].strip() for line in done.stdout.splitlines()
            if line.startswith('| ') and not line.startswith('| optimizer')]
    assert rows == ['get_updates', 'builtin', 'torch']
    assert 'get_updates / built-in' in done.stdout


def test_quick_memory_benchmark_runs():
    done = subprocess.run(
        [sys.executable, '-m', 'benchmarks.memory', '--quick'],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, PYTHONPATH=ROOT, KERAS_COMPAT_DEVICE='cpu'))
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line.split('|')[1].strip() for line in done.stdout.splitlines()
            if line.startswith('| ') and not line.startswith('| input')]
    assert rows == ['HDF5Matrix', 'numpy.memmap']


def test_quick_inference_benchmark_runs_with_the_peer_columns():
    """One model with the peers (the GPU check's quick path runs every
    model and the memory probe without them)."""
    done = subprocess.run(
        [sys.executable, '-m', 'benchmarks.inference', '--quick',
         '--models', 'convnet', '--no-memory'],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, PYTHONPATH=ROOT, KERAS_COMPAT_DEVICE='cpu'))
    assert done.returncode == 0, done.stdout + done.stderr
    from benchmarks import inference
    rows = [line.split('|')[1:4] for line in done.stdout.splitlines()
            if line.startswith('| ') and '| batch |' not in line
            and not line.startswith('| model')]
    throughput = [(r[0].strip(), r[2].strip()) for r in rows
                  if r[2].strip() in ('32', '256')]
    assert sorted(throughput) == [('convnet', '256'), ('convnet', '32')]
    # The peer columns: numbers where Keras 3 / tf_keras import, `-`
    # where they do not; never `failed`.
    for peer in inference.PEERS:
        assert '| %s samples/s (ratio) |' % peer in done.stdout
        assert '| %s ms (ratio) |' % peer in done.stdout
    assert '| failed |' not in done.stdout, done.stderr


def test_gpu_check_script_parses_and_runs_its_cpu_quick_path(tmp_path):
    """The GPU check's path at tiny sizes on the CPU: every training
    workload trains in both implementations, and the inference models'
    outputs match the hand-written torch modules (the inference run fails
    on a mismatch), then the tables land in the results file."""
    script = os.path.join(ROOT, 'benchmarks', 'gpu_check.sh')
    assert subprocess.run(['bash', '-n', script]).returncode == 0
    results = tmp_path / 'RESULTS.md'
    # A section from an earlier run, to be replaced.
    results.write_text('# Benchmark results\n\nearlier text\n\n'
                       '<!-- gpu_check begin -->\n## GPU check: old card\n'
                       '<!-- gpu_check end -->\n\nlater text\n')
    env = dict(os.environ, PYTHONPATH=ROOT, GPU_CHECK_DEVICE='cpu',
               GPU_CHECK_RESULTS=str(results), PYTHON=sys.executable)
    done = subprocess.run(['bash', script, '--quick'], cwd=ROOT,
                          capture_output=True, text=True, timeout=900,
                          env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    text = results.read_text()
    assert text.startswith('# Benchmark results\n\nearlier text\n')
    assert text.endswith('\n\nlater text\n')
    assert 'old card' not in text
    assert text.count('<!-- gpu_check begin -->') == 1
    assert text.count('## GPU check: CPU') == 1
    from benchmarks import workloads
    for name in workloads.WORKLOADS:
        assert '| %s |' % name in text
    from benchmarks import inference
    throughput = sorted((cells[1].strip(), cells[3].strip())
                        for cells in (line.split('|')
                                      for line in text.splitlines())
                        if len(cells) > 4 and cells[1].strip() in
                        inference.MODELS and cells[3].strip().isdigit())
    assert throughput == sorted((m, b) for m in inference.MODELS
                                for b in ('256', '32'))
    assert 'peak RSS growth' in text


def test_gpu_check_fails_without_cuda():
    import torch
    if torch.cuda.is_available():
        pytest.skip('CUDA is available here')
    done = subprocess.run(
        ['bash', os.path.join(ROOT, 'benchmarks', 'gpu_check.sh')],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env=dict(os.environ, PYTHONPATH=ROOT, PYTHON=sys.executable,
                 GPU_CHECK_RESULTS=os.devnull + '.unused'))
    assert done.returncode != 0
    assert 'CUDA is unavailable' in done.stderr


def test_quick_scaling_benchmark_splits_sequences_like_arrays():
    """Two processes: each reads half the samples of a Sequence (half the
    steps, whole batches) as of arrays (every step, half batches)."""
    done = subprocess.run(
        [sys.executable, '-m', 'benchmarks.scaling', '--quick'],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, PYTHONPATH=ROOT, KERAS_COMPAT_DEVICE='cpu'))
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {}
    for line in done.stdout.splitlines():
        cells = [c.strip() for c in line.split('|')[1:-1]]
        if len(cells) == 6 and cells[1].isdigit():
            rows[(cells[0], int(cells[1]))] = (int(cells[2]), int(cells[3]))
    # 96 samples in batches of 16: 6 batches.
    assert rows[('sequence', 1)] == (6, 96)
    assert rows[('sequence', 2)] == (3, 48)
    assert rows[('arrays', 1)] == (6, 96)
    assert rows[('arrays', 2)] == (6, 48)
