"""The benchmark runner in its quick mode (tiny sizes): every workload
trains in both implementations and the table is produced. No timings are
asserted."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_quick_benchmarks_run_every_workload():
    from benchmarks import workloads
    done = subprocess.run(
        [sys.executable, '-m', 'benchmarks.run', '--quick', '--no-peers'],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, PYTHONPATH=ROOT, KERAS_COMPAT_DEVICE='cpu'))
    assert done.returncode == 0, done.stdout + done.stderr
    table = [line for line in done.stdout.splitlines()
             if line.startswith('| ') and not line.startswith('| workload')]
    assert sorted(line.split('|')[1].strip() for line in table) == \
        sorted(workloads.WORKLOADS)


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
