"""`python -m keras_compat ...` run in a child process, as a user runs it."""
import os
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def runner_env(env=None, pythonpath=()):
    """The environment with this checkout first on PYTHONPATH, then
    `pythonpath`; `env` entries override it (None removes a variable)."""
    full_env = dict(os.environ)
    full_env['PYTHONPATH'] = os.pathsep.join(
        [ROOT] + list(pythonpath) + [full_env.get('PYTHONPATH', '')])
    for name, value in (env or {}).items():
        if value is None:
            full_env.pop(name, None)
        else:
            full_env[name] = value
    return full_env


def run_keras_compat(args, cwd=None, env=None, pythonpath=(), timeout=300):
    """`python -m keras_compat *args`: the CompletedProcess, text output."""
    return subprocess.run([sys.executable, '-m', 'keras_compat'] + list(args),
                          capture_output=True, text=True, cwd=cwd or ROOT,
                          env=runner_env(env, pythonpath), timeout=timeout)


def run_source(tmp_path, source, name='script.py', args=(), **kwargs):
    """Writes `source` (dedented) to tmp_path/name and runs it through
    `python -m keras_compat run`."""
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return run_keras_compat(['run', str(path)] + list(args), **kwargs)
