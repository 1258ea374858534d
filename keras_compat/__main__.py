"""`python -m keras_compat run SCRIPT [ARGS...]`: runs an unmodified Keras
script with its `keras` imports served by keras_compat."""
import os
import re
import runpy
import sys
import traceback

USAGE = """usage: python -m keras_compat run SCRIPT [ARGS...]
       keras-compat run SCRIPT [ARGS...]
       python -m keras_compat run NOTEBOOK.ipynb [ARGS...]
       python -m keras_compat kernel install [--user] [--name NAME]
       python -m keras_compat kernel -f CONNECTION_FILE
       python -m keras_compat --version

Runs SCRIPT as __main__ with `import keras` (and every keras.* module)
served by keras_compat, on CPU or CUDA (KERAS_COMPAT_DEVICE=cpu|cuda|cuda:N
chooses); a notebook's code cells run in order as Jupyter runs them.
`kernel install` gives Jupyter a kernel serving keras_compat."""


def _trim_traceback(tb, script):
    """Drops the runner's own frames so the traceback starts in the user's
    script."""
    start = tb
    while start is not None and \
            os.path.abspath(start.tb_frame.f_code.co_filename) != script:
        start = start.tb_next
    return start or tb


# numpy 1.x names that Keras 2 era scripts use and numpy removed
# (np.float, np.int, ... in 1.24; np.asscalar in 1.23).
_NUMPY_ALIASES = {'float': float, 'int': int, 'bool': bool, 'object': object,
                  'str': str, 'complex': complex,
                  'asscalar': lambda a: a.item(),
                  # numpy 2 removed these spellings.
                  'Inf': float('inf'), 'Infinity': float('inf'),
                  'infty': float('inf'), 'PINF': float('inf'),
                  'NINF': float('-inf'), 'NaN': float('nan'),
                  'NAN': float('nan'), 'float_': 'float64',
                  'complex_': 'complex128', 'unicode_': 'str_',
                  'string_': 'bytes_'}


def _restore_numpy_aliases():
    """Gives numpy back the removed aliases a script may use; names numpy
    still has are left alone."""
    import warnings
    import numpy
    for name, value in _NUMPY_ALIASES.items():
        with warnings.catch_warnings():
            # numpy 2 warns that some of these names will come back.
            warnings.simplefilter('ignore')
            missing = not hasattr(numpy, name)
        if missing:
            # (A string names the numpy type the alias stood for.)
            setattr(numpy, name, getattr(numpy, value)
                    if isinstance(value, str) else value)


# A program written for tf.keras: it names tf.keras, or imports a library
# that exists for tf.keras only...
_TF_KERAS_PROGRAM = re.compile(
    r'\btf\.keras\b|\btensorflow\.keras\b|'
    r'^\s*from\s+tensorflow\s+import\s+[^\n]*\bkeras\b|'
    r'^\s*(?:import|from)\s+(?:tf_keras|scikeras|keras_tuner|kerastuner|'
    r'keras\.src)\b',
    re.MULTILINE)
# ... and does not import standalone Keras.
_KERAS_2_PROGRAM = re.compile(
    r'^\s*(?:import\s+keras\b(?!\.src)|'
    r'from\s+keras(?!\.src\b)(?:\.\w+)*\s+import\b)',
    re.MULTILINE)


# ... and a program making TensorFlow 1 sessions or placeholders (which
# TensorFlow 2 has only under `tf.compat.v1`, for graph mode).
_TF1_GRAPH_PROGRAM = re.compile(
    r'\b(?:tf|v1)\.(?:Session|InteractiveSession|placeholder)\s*\(|'
    r'\bget_session\s*\(')
# A TensorFlow 1 program that asks for eager execution runs eagerly.
_EAGER_PROGRAM = re.compile(r'\benable_eager_execution\s*\(')


def _serve_the_programs_keras(script):
    """A tf.keras program gets tf.keras's defaults (and TensorFlow 2's
    version) from its first line, before the libraries it imports ask;
    others get them when they first reach tf.keras. Another program that
    makes TF1 sessions or placeholders, in the script or in the local
    modules it imports, runs with eager execution off."""
    try:
        with open(script, encoding='utf-8', errors='replace') as f:
            source = f.read()
    except OSError:
        return
    _serve_the_keras_of(source, os.path.dirname(script))


def _serve_the_keras_of(source, directory=None):
    """`_serve_the_programs_keras` for a program's source, its local
    modules found in `directory`."""
    from .backend import common
    from .program_sources import program_sources
    if _TF_KERAS_PROGRAM.search(source) and \
            not _KERAS_2_PROGRAM.search(source):
        common.set_api_flavour('tf.keras')
        return
    sources = program_sources(source, directory)
    if _is_tf_keras_program(sources) or \
            any(_EAGER_PROGRAM.search(s) for s in sources):
        return
    if any(_TF1_GRAPH_PROGRAM.search(s) for s in sources):
        # TensorFlow 1 ran the graph programs of Keras 2 without eager
        # execution: `v.assign(x)` is an op that runs when a session
        # runs it.
        common.set_executing_eagerly(False)


def run_script(path, args):
    """Runs the script at `path` with `sys.argv = [path] + args`."""
    from .aliasing import install_as_keras
    script = os.path.abspath(path)
    if not os.path.isfile(script):
        sys.stderr.write("keras_compat run: can't open file %r: No such "
                         "file\n" % path)
        return 2
    if script.endswith('.ipynb'):
        from .notebooks import run_notebook
        return run_notebook(path, args, _serve_keras_to)
    install_as_keras()
    _restore_numpy_aliases()
    _serve_the_programs_keras(script)
    sys.argv = [path] + list(args)
    sys.path.insert(0, os.path.dirname(script))
    try:
        runpy.run_path(script, run_name='__main__')
    except SystemExit:
        raise
    except KeyboardInterrupt:
        raise
    except BaseException as error:
        from . import distributed
        distributed.mark_failed()
        tb = _trim_traceback(error.__traceback__, script)
        traceback.print_exception(type(error), error, tb)
        return 1
    return 0


def _is_tf_keras_program(sources):
    """Whether a program of several modules is written for tf.keras: one
    of them names tf.keras and none imports standalone Keras."""
    return any(_TF_KERAS_PROGRAM.search(s) for s in sources) and \
        not any(_KERAS_2_PROGRAM.search(s) for s in sources)


def _serve_keras_to(source, directory=None):
    """Serves `keras` and `tensorflow` to a program (a notebook's code
    cells) with the source `source`, its local modules in `directory`."""
    from .aliasing import install_as_keras
    install_as_keras()
    _restore_numpy_aliases()
    _serve_the_keras_of(source, directory)


def run_kernel_command(args):
    """`kernel install [...]` writes the Jupyter kernel spec; `kernel -f
    FILE` runs the kernel."""
    from . import notebooks
    if args[:1] == ['install']:
        return notebooks.install_kernel_spec(args[1:])
    return notebooks.launch_kernel(args, _serve_keras_to)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ('-h', '--help'):
        print(USAGE)
        return 0 if argv else 2
    if argv[0] == '--version':
        from . import PACKAGE_VERSION, KERAS_API_VERSION
        print('keras_compat %s (Keras %s API)' % (PACKAGE_VERSION,
                                                   KERAS_API_VERSION))
        return 0
    if argv[0] == 'kernel' and len(argv) >= 2:
        return run_kernel_command(argv[1:])
    if argv[0] != 'run' or len(argv) < 2:
        sys.stderr.write(USAGE + '\n')
        return 2
    return run_script(argv[1], argv[2:])


if __name__ == '__main__':
    sys.exit(main())
