"""Jupyter notebooks with keras_compat serving `keras` and `tensorflow`:
`python -m keras_compat run notebook.ipynb` runs the code cells as
`jupyter nbconvert --to notebook --execute` would; `python -m keras_compat
kernel install` gives Jupyter a kernel that serves them; `%load_ext
keras_compat` serves them in a running IPython."""
import argparse
import ast
import asyncio
import builtins
import importlib
import inspect
import json
import linecache
import os
import re
import runpy
import sys
import traceback
import types

from .notebook_input import transform_cell
from .notebook_shell import NotebookShell, display, serve_ipython_display, \
    text_of

_FLAGS = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
_CELL_FILENAME = re.compile(r' In \[\d+\]$')
_OWN_FILES = {os.path.splitext(os.path.abspath(m))[0] for m in (
    __file__, sys.modules['keras_compat.notebook_shell'].__file__,
    sys.modules['keras_compat.notebook_input'].__file__)}
KERNEL_NAME = 'keras_compat'
KERNEL_DISPLAY_NAME = 'Python 3 (keras_compat)'


def read_code_cells(path):
    """The notebook's code cells: (index among all its cells, source,
    tags), from nbformat 4 or 3 JSON."""
    with open(path, encoding='utf-8') as f:
        notebook = json.load(f)
    major = notebook.get('nbformat', 4)
    if major >= 4:
        cells, key = notebook.get('cells', []), 'source'
    elif major == 3:
        cells = [cell for sheet in notebook.get('worksheets', [])
                 for cell in sheet.get('cells', [])]
        key = 'input'
    else:
        raise ValueError('nbformat %s is not read; nbformat 3 and 4 are'
                         % major)
    language = _language(notebook.get('metadata', {}))
    if language not in (None, 'python'):
        raise ValueError('its kernel runs %s, not Python' % language)
    code = []
    for index, cell in enumerate(cells):
        if cell.get('cell_type') == 'code':
            source = cell.get(key, '')
            if isinstance(source, list):
                source = ''.join(source)
            tags = cell.get('metadata', {}).get('tags', [])
            code.append((index, source, tags))
    return code


def _language(metadata):
    language = metadata.get('kernelspec', {}).get('language') or \
        metadata.get('language_info', {}).get('name')
    return language.lower() if isinstance(language, str) else None


class NotebookRunner:
    """Runs code cells in order in one namespace, as a Jupyter kernel
    runs them: IPython syntax turned into calls on `get_ipython()`, the
    value of a cell's last expression shown (its repr; not for None or
    after a trailing `;`), `In`, `Out` and `_` kept."""

    def __init__(self, name, user_ns):
        self.name = name
        self.ns = user_ns
        self.shell = NotebookShell(user_ns, self)
        self.count = 0
        self.label = ''
        self.filename = '%s In [0]' % name
        self._loop = None
        user_ns.setdefault('In', [''])
        user_ns.setdefault('Out', {})
        user_ns.update(_ih=user_ns['In'], _oh=user_ns['Out'],
                       get_ipython=self.get_ipython, display=display)

    def get_ipython(self):
        """The notebook's shell."""
        return self.shell

    def run_cells(self, cells, report=True):
        """Runs (index, source, tags) cells; with `report`, an error stops
        the run with its traceback and cell (a cell tagged
        `raises-exception` may fail), and the result is the exit status."""
        for index, source, tags in cells:
            if not source.strip():
                continue
            try:
                self.run_cell(source)
            except (SystemExit, KeyboardInterrupt):
                raise
            except BaseException as error:
                if not report:
                    raise
                self._report(error, index, source)
                if 'raises-exception' not in tags:
                    return 1
        return 0

    def run_cell(self, source):
        """Runs one cell as the next `In [n]`."""
        self.count += 1
        self.label = 'In [%d]' % self.count
        self.filename = '%s %s' % (self.name, self.label)
        self.ns['In'].append(source)
        self.ns.update({'_i%d' % self.count: source, '_iii': self.ns.get(
            '_ii', ''), '_ii': self.ns.get('_i', ''), '_i': source})
        # Files the previous cells wrote are found by `import`.
        importlib.invalidate_caches()
        self.execute(source, self.filename)

    def execute(self, source, filename):
        """Runs `source` (IPython syntax allowed); shows its last
        expression's value."""
        code = self._python_of(source)
        lines = code.splitlines(keepends=True)
        linecache.cache[filename] = (len(code), None, lines, filename)
        tree = compile(code, filename, 'exec', ast.PyCF_ONLY_AST | _FLAGS)
        last = tree.body.pop() \
            if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        self._run(compile(tree, filename, 'exec', _FLAGS))
        if last is not None:
            value = self._run(compile(ast.Expression(last.value), filename,
                                      'eval', _FLAGS))
            if not _ends_with_semicolon(code):
                self._show(value)

    def _python_of(self, source):
        code = transform_cell(source)
        if code.strip() == source.strip() and '\n' not in source.strip():
            code = self._automagic(source.strip()) or code
        return code

    def _automagic(self, line):
        """A one-line cell naming a magic without `%` (`pwd`, `cd data`,
        `ls`) runs it, where the name is not a variable."""
        match = re.match(r'^([A-Za-z_]\w*)(\s.*)?$', line)
        if not match:
            return None
        name, rest = match.group(1), (match.group(2) or '').strip()
        if name in self.ns or hasattr(builtins, name) or \
                re.match(r'^[!=()<>,+*/%^&|.\[]', rest) or \
                not self._is_magic(name):
            return None
        return 'get_ipython().run_line_magic(%r, %r)\n' % (name, rest)

    def _is_magic(self, name):
        from . import notebook_shell
        return hasattr(self.shell, '_line_' + name) or \
            name in notebook_shell._ALIASES

    def _run(self, code):
        value = eval(code, self.ns)
        if code.co_flags & inspect.CO_COROUTINE:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
            value = self._loop.run_until_complete(value)
        return value

    def _show(self, value):
        if value is None:
            return
        self.ns['Out'][self.count] = value
        self.ns.update({'___': self.ns.get('__', ''),
                        '__': self.ns.get('_', ''), '_': value,
                        '_%d' % self.count: value})
        sys.stdout.write(text_of(value) + '\n')

    def _report(self, error, index, source):
        sys.stdout.flush()
        sys.stderr.write(
            'An error occurred while executing %s (cell index %d of %s):\n'
            '------------------\n%s\n------------------\n\n'
            % (self.label, index, self.name, source.rstrip()))
        sys.stderr.write(''.join(format_exception(error)))
        sys.stderr.flush()


def _ends_with_semicolon(code):
    """Whether the cell's last token is `;` (IPython then shows no
    value)."""
    import io
    import tokenize
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError):
        return False
    for token in reversed(tokens):
        if token.type in (tokenize.ENDMARKER, tokenize.NL, tokenize.NEWLINE,
                          tokenize.COMMENT):
            continue
        return token.type == tokenize.OP and token.string == ';'
    return False


def format_exception(error):
    """The traceback lines of `error`, from its cell's frame on, without
    the notebook runner's own frames."""
    report = traceback.TracebackException(type(error), error,
                                          error.__traceback__)
    frames = list(report.stack)
    first = next((i for i, f in enumerate(frames)
                  if _CELL_FILENAME.search(f.filename)), 0)
    kept = [f for f in frames[first:]
            if os.path.splitext(os.path.abspath(f.filename))[0]
            not in _OWN_FILES]
    report.stack = traceback.StackSummary.from_list(kept)
    return list(report.format())


def run_notebook(path, args, serve_keras):
    """Runs the notebook at `path` with `sys.argv = [path] + args`, in its
    own directory, its code cells in one `__main__` namespace; the exit
    status is 1 when a cell fails. `serve_keras(source, directory)` serves
    `keras` and `tensorflow` for the notebook's code and the local modules
    it imports from its directory."""
    notebook = os.path.abspath(path)
    try:
        cells = read_code_cells(notebook)
    except (OSError, ValueError) as error:
        sys.stderr.write("keras_compat run: can't run notebook %r: %s\n"
                         % (path, error))
        return 2
    # Figures are drawn off-screen, as a notebook executed in batch does.
    os.environ.setdefault('MPLBACKEND', 'agg')
    serve_keras('\n'.join(source for _, source, _ in cells),
                os.path.dirname(notebook))
    serve_ipython_display()
    main = types.ModuleType('__main__')
    main.__dict__['__builtins__'] = builtins
    saved_main, sys.modules['__main__'] = sys.modules['__main__'], main
    sys.argv = [path] + list(args)
    os.chdir(os.path.dirname(notebook))
    sys.path.insert(0, '')
    runner = NotebookRunner(os.path.basename(notebook), main.__dict__)
    builtins.get_ipython, builtins.display = runner.get_ipython, display
    try:
        status = runner.run_cells(cells)
    finally:
        sys.modules['__main__'] = saved_main
    if status:
        from . import distributed
        distributed.mark_failed()
    return status


def run_file(shell, words):
    """`%run [-i] [-n] [-m] FILE [ARGS]`: a script or notebook run with
    `sys.argv = [FILE] + ARGS`; its names join the notebook's (with `-i`
    it runs in the notebook's namespace)."""
    options = set()
    while words and words[0].startswith('-') and words[0] != '-':
        option = words.pop(0)
        if option not in ('-i', '-n', '-m', '-e', '-t'):
            raise NotImplementedError(
                '%%run %s is not supported by keras_compat\'s notebook '
                'runner; run the file without it' % option)
        options.add(option)
    if not words:
        raise ValueError('%run needs a file name')
    target, args = words[0], words[1:]
    run_name = '__main__' if '-n' not in options else \
        os.path.splitext(os.path.basename(target))[0]
    saved_argv, sys.argv = sys.argv, [target] + args
    try:
        names = _run_target(shell, target, options, run_name)
    finally:
        sys.argv = saved_argv
    if names is not None:
        shell.user_ns.update({name: value for name, value in names.items()
                              if not (name.startswith('__') and
                                      name.endswith('__'))})


def _run_target(shell, target, options, run_name):
    if '-m' in options:
        return runpy.run_module(target, run_name=run_name, alter_sys=True)
    if target.endswith('.ipynb'):
        ns = shell.user_ns if '-i' in options else \
            {'__name__': run_name, '__builtins__': builtins}
        NotebookRunner(os.path.basename(target), ns).run_cells(
            read_code_cells(target), report=False)
        return None if '-i' in options else ns
    if '-i' in options:
        with open(target, encoding='utf-8') as f:
            exec(compile(f.read(), target, 'exec'), shell.user_ns)
        return None
    return runpy.run_path(target, run_name=run_name)


# -- Jupyter: the kernel and the IPython extension.

def load_ipython_extension(ipython):
    """`%load_ext keras_compat`: `import keras`, `import tensorflow` and
    the Keras 2 module paths in the cells that follow are keras_compat."""
    from .aliasing import install_as_keras
    from .__main__ import _restore_numpy_aliases
    install_as_keras()
    _restore_numpy_aliases()


def kernel_spec():
    """The kernel.json of the keras_compat kernel."""
    return {'argv': [sys.executable, '-m', 'keras_compat', 'kernel', '-f',
                     '{connection_file}'],
            'display_name': KERNEL_DISPLAY_NAME,
            'language': 'python'}


def _jupyter_data_dir():
    try:
        from jupyter_core.paths import jupyter_data_dir
    except ImportError:
        pass
    else:
        return jupyter_data_dir()
    if os.environ.get('JUPYTER_DATA_DIR'):
        return os.environ['JUPYTER_DATA_DIR']
    home = os.path.expanduser('~')
    if sys.platform == 'darwin':
        return os.path.join(home, 'Library', 'Jupyter')
    if os.name == 'nt':
        return os.path.join(os.environ.get('APPDATA', home), 'jupyter')
    return os.path.join(os.environ.get('XDG_DATA_HOME') or
                        os.path.join(home, '.local', 'share'), 'jupyter')


def install_kernel_spec(argv):
    """`kernel install [--user] [--name NAME] [--display-name TEXT]
    [--prefix DIR | --sys-prefix]`: writes the kernel spec into the
    user's Jupyter data directory (or PREFIX/share/jupyter)."""
    parser = argparse.ArgumentParser(prog='python -m keras_compat kernel '
                                          'install')
    parser.add_argument('--user', action='store_true',
                        help="the user's Jupyter data directory (default)")
    parser.add_argument('--name', default=KERNEL_NAME)
    parser.add_argument('--display-name', default=KERNEL_DISPLAY_NAME)
    parser.add_argument('--prefix')
    parser.add_argument('--sys-prefix', action='store_true')
    options = parser.parse_args(argv)
    if not re.match(r'^[a-z0-9._\-]+$', options.name, re.IGNORECASE):
        parser.error('kernel names may only contain ASCII letters, digits, '
                     '".", "_" and "-": %r' % options.name)
    prefix = sys.prefix if options.sys_prefix else options.prefix
    root = os.path.join(prefix, 'share', 'jupyter') if prefix else \
        _jupyter_data_dir()
    target = os.path.join(root, 'kernels', options.name.lower())
    os.makedirs(target, exist_ok=True)
    spec = dict(kernel_spec(), display_name=options.display_name)
    with open(os.path.join(target, 'kernel.json'), 'w') as f:
        json.dump(spec, f, indent=1)
    print('Installed kernelspec %s in %s' % (options.name.lower(), target))
    return 0


def launch_kernel(argv, serve_keras):
    """`kernel -f CONNECTION_FILE`: an IPython kernel (ipykernel) whose
    `keras` and `tensorflow` are keras_compat."""
    try:
        from ipykernel import kernelapp
    except ImportError:
        sys.stderr.write('keras_compat kernel: ipykernel is not installed; '
                         '`pip install ipykernel` gives Jupyter the kernel '
                         'it talks to.\n')
        return 1
    serve_keras('')
    kernelapp.launch_new_instance(argv=list(argv))
    return 0
