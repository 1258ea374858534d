"""The `get_ipython()` of a notebook that keras_compat runs: the line and
cell magics notebooks use (`%matplotlib`, `%time`, `%%writefile`, `%cd`,
...), shell commands, `display()`, and a stand-in `IPython.display` where
IPython is not installed.

Shell commands (`!cmd`, `x = !cmd`, `%%bash`) run through the shell,
except those that install or download (`pip`, `conda`, `apt-get`, `wget`,
`curl`, `git`, `gdown`, `kaggle`, ...): those are skipped with a warning
naming the line, since they set up the machine rather than compute."""
import ast
import io
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
import time
import types

from .notebook_input import transform_cell

# Programs that install packages or fetch files.
_FETCHING_PROGRAMS = {
    'pip', 'pip3', 'conda', 'mamba', 'micromamba', 'apt', 'apt-get', 'yum',
    'dnf', 'brew', 'npm', 'easy_install', 'uv', 'poetry', 'wget', 'curl',
    'git', 'svn', 'gdown', 'kaggle', 'gsutil', 'aws', 'huggingface-cli'}
# Magics that change nothing a notebook run computes.
_QUIET_MAGICS = {'config', 'autoreload', 'aimport', 'autosave', 'xmode',
                 'colors', 'unload_ext'}
# Cell magics that only show their body (HTML, Markdown, ...).
_DISPLAY_CELL_MAGICS = {'html', 'HTML', 'javascript', 'js', 'latex',
                        'markdown', 'svg'}
# IPython's shell aliases, magics running the command of their name.
_ALIASES = {'ls', 'mkdir', 'rmdir', 'rm', 'cp', 'mv', 'cat'}
_SHELL_CELL_MAGICS = {'bash': 'bash', 'sh': 'sh'}
# Magics whose arguments are not expanded (`{x}`, `$x`).
_NOT_EXPANDED = {'time', 'timeit', 'pinfo', 'pinfo2'}


class UsageError(Exception):
    """A magic called with arguments it does not take (IPython's
    `UsageError`)."""


class SList(list):
    """The lines a shell command printed (`files = !ls`), as IPython's
    `SList`: `.s` joins them with spaces, `.n` with newlines."""

    @property
    def s(self):
        return ' '.join(self)

    @property
    def n(self):
        return '\n'.join(self)

    spstr, nlstr = s, n

    @property
    def l(self):  # noqa: E743 (IPython's name)
        return list(self)


class CapturedIO:
    """What a `%%capture name` cell printed: `stdout`, `stderr`; `show()`
    (or calling it) prints them again."""

    def __init__(self, stdout, stderr):
        self.stdout = stdout
        self.stderr = stderr
        self.outputs = []

    def __str__(self):
        return self.stdout

    def show(self):
        sys.stdout.write(self.stdout)
        sys.stderr.write(self.stderr)

    __call__ = show


def format_time(timespan, precision=3):
    """A duration as IPython's `%time` and `%timeit` print it."""
    if timespan >= 60.0:
        parts, leftover = [], timespan
        for suffix, length in (('d', 86400), ('h', 3600), ('min', 60),
                               ('s', 1)):
            value = int(leftover / length)
            if value > 0:
                leftover = leftover % length
                parts.append('%s%s' % (value, suffix))
            if leftover < 1:
                break
        return ' '.join(parts)
    units = ['s', 'ms', _encodable('\u03bcs', 'us'), 'ns']
    order = min(-int(math.floor(math.log10(timespan)) // 3), 3) \
        if timespan > 0.0 else 3
    return '%.*g %s' % (precision, timespan * (1, 1e3, 1e6, 1e9)[order],
                        units[order])


def _encodable(text, fallback):
    try:
        text.encode(getattr(sys.stdout, 'encoding', None) or 'ascii')
    except (UnicodeEncodeError, LookupError):
        return fallback
    return text


def text_of(value):
    """The text/plain form IPython shows for a value."""
    try:
        from IPython.lib.pretty import pretty
    except Exception:
        return repr(value)
    return pretty(value)


def display(*objs, **kwargs):
    """Shows each object as a notebook's text output does: its repr."""
    for obj in objs:
        print(text_of(obj))


def clear_output(wait=False):
    """Clears a cell's output in a notebook; nothing to clear in a
    terminal."""


def fetches(cmd):
    """Whether a shell command line installs packages or downloads."""
    for segment in re.split(r'&&|\|\||[;|&\n]|\$\(|`', cmd):
        try:
            words = shlex.split(segment)
        except ValueError:
            words = segment.split()
        while words and (re.match(r'^\w+=', words[0]) or
                         words[0] in ('sudo', 'env', 'time', 'nohup', '(')):
            words = words[1:]
        if not words:
            continue
        program = os.path.basename(words[0])
        if program in _FETCHING_PROGRAMS:
            return True
        if program.startswith('python') and words[1:3] in (['-m', 'pip'],
                                                            ['-m', 'uv']):
            return True
    return False


def _expand(cmd, ns):
    """`{expression}` and `$name` in a command replaced by their values,
    `{{`, `}}` and `$$` by `{`, `}` and `$`; the command as written if any
    fails (IPython's `var_expand`)."""
    def value(match):
        text = match.group(0)
        if text in ('{{', '}}', '$$'):
            return text[0]
        return str(eval(match.group(1) or match.group(2), ns))
    try:
        return re.sub(r'\{\{|\}\}|\$\$|\{([^{}]+)\}|\$([A-Za-z_][\w.]*)',
                      value, cmd)
    except Exception:
        return cmd


class NotebookShell:
    """What `get_ipython()` returns in a notebook run by keras_compat:
    `run_line_magic`, `run_cell_magic`, `system` and `getoutput` do what
    IPython's do for the magics and shell commands notebooks use."""

    def __init__(self, user_ns, runner):
        self.user_ns = user_ns
        self.runner = runner
        self.config = {}
        self.events = types.SimpleNamespace(
            register=lambda *args: None, unregister=lambda *args: None)
        self._previous_dir = os.getcwd()

    # -- The calls IPython's input transformer writes.

    def run_line_magic(self, magic_name, line, _stack_depth=1):
        """Runs `%magic_name line`."""
        frame = sys._getframe(_stack_depth)
        if magic_name not in _NOT_EXPANDED:
            line = self.var_expand(line, _stack_depth)
        method = getattr(self, '_line_' + magic_name, None)
        if method is not None:
            return method(line, frame.f_locals)
        if magic_name in _ALIASES:
            return self._shell('%s %s' % (magic_name, line))
        if magic_name not in _QUIET_MAGICS:
            self._warn('skipped %%%s %s: keras_compat runs no such magic'
                       % (magic_name, line))
        return None

    def run_cell_magic(self, magic_name, line, cell):
        """Runs the cell magic `%%magic_name line` on `cell`."""
        line = self.var_expand(line, 1)
        method = getattr(self, '_cell_' + magic_name, None)
        if method is not None:
            return method(line, cell)
        if magic_name in _SHELL_CELL_MAGICS or magic_name == 'script':
            program = line.strip() if magic_name == 'script' \
                else _SHELL_CELL_MAGICS[magic_name]
            return self._script(program, cell)
        if magic_name not in _DISPLAY_CELL_MAGICS:
            self._warn('skipped the cell %%%%%s %s: keras_compat runs no '
                       'such cell magic' % (magic_name, line))
        return None

    def system(self, cmd):
        """Runs `!cmd`: its output is the cell's, its exit status is
        `_exit_code`."""
        self._shell(self.var_expand(cmd, 1))

    def getoutput(self, cmd, split=True, depth=0):
        """`x = !cmd`: the lines `cmd` printed (its stdout and stderr)."""
        cmd = self.var_expand(cmd, depth + 1)
        if self._skipped(cmd):
            return SList()
        result = subprocess.run(cmd, shell=True, executable=_shell_program(),
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        return SList(result.stdout.splitlines()) if split else result.stdout

    def var_expand(self, cmd, depth=0):
        """`cmd` with the values of the caller's `{expression}` and
        `$name`."""
        ns = dict(self.user_ns)
        ns.update(sys._getframe(depth + 1).f_locals)
        return _expand(cmd, ns)

    def show_usage(self):
        print('IPython syntax: %magic, %%cell_magic, !shell, obj?')

    def enable_gui(self, gui=None):
        """No event loop to join: figures are drawn, never shown."""

    def ev(self, expr):
        """The value of `expr` in the notebook's namespace."""
        return eval(expr, self.user_ns)

    def ex(self, cmd):
        """Runs `cmd` in the notebook's namespace."""
        exec(cmd, self.user_ns)

    def push(self, variables):
        """Adds `variables` (a dict) to the notebook's namespace."""
        self.user_ns.update(variables)

    # -- Shell commands.

    def _warn(self, message):
        sys.stdout.flush()
        sys.stderr.write('keras_compat run: %s%s\n' % (
            self.runner.label + ': ' if self.runner.label else '', message))
        sys.stderr.flush()

    def _skipped(self, cmd):
        if not fetches(cmd):
            return False
        self._warn('skipped `!%s` (commands that install or download are '
                   'not run)' % cmd.strip())
        return True

    def _shell(self, cmd, program=None, stdin=None):
        if self._skipped(cmd):
            self.user_ns['_exit_code'] = 0
            return None
        sys.stdout.flush()
        sys.stderr.flush()
        args = dict(shell=True, executable=_shell_program()) \
            if program is None else {}
        inherit = sys.stdout is sys.__stdout__ and \
            sys.stderr is sys.__stderr__
        if not inherit:
            args.update(stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        result = subprocess.run(program or cmd, input=stdin, text=True,
                                **args)
        if not inherit:
            sys.stdout.write(result.stdout)
            sys.stderr.write(result.stderr)
        self.user_ns['_exit_code'] = result.returncode
        return None

    def _script(self, program, cell):
        if any(self._skipped(line) for line in cell.splitlines()):
            return None
        return self._shell(cell, program=shlex.split(program), stdin=cell)

    # -- Line magics.

    def _line_matplotlib(self, line, local_ns):
        _draw_without_windows()

    def _line_pylab(self, line, local_ns):
        exec('import numpy\nnp = numpy\n', self.user_ns)
        import_all = '--no-import-all' not in line
        if import_all:
            exec('from numpy import *\n', self.user_ns)
        if not _draw_without_windows():
            self._warn('%pylab: matplotlib is not installed; only numpy\'s '
                       'names were imported')
            return
        exec('import matplotlib\nfrom matplotlib import pylab, mlab, '
             'pyplot\nplt = pyplot\n', self.user_ns)
        if import_all:
            exec('from matplotlib.pylab import *\nfrom numpy import *\n',
                 self.user_ns)
        print('Populating the interactive namespace from numpy and '
              'matplotlib')

    def _line_load_ext(self, line, local_ns):
        name = line.strip()
        if name == 'keras_compat':
            import keras_compat
            keras_compat.load_ipython_extension(self)
        elif name != 'autoreload':
            self._warn('skipped %%load_ext %s: keras_compat loads only its '
                       'own IPython extension' % name)

    _line_reload_ext = _line_load_ext

    def _line_time(self, line, local_ns):
        return self._timed(line, local_ns)

    def _cell_time(self, line, cell):
        return self._timed(transform_cell(cell), self.user_ns)

    def _timed(self, source, local_ns):
        """Runs `source` once and prints its CPU and wall times."""
        tree = ast.parse(source)
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        start, wall = _cpu_times(), time.time()
        exec(compile(tree, '<timed exec>', 'exec'), self.user_ns, local_ns)
        value = None if last is None else \
            eval(compile(last, '<timed eval>', 'eval'), self.user_ns,
                 local_ns)
        wall, end = time.time() - wall, _cpu_times()
        user, system = end[0] - start[0], end[1] - start[1]
        print('CPU times: user %s, sys: %s, total: %s' % (
            format_time(user), format_time(system),
            format_time(user + system)))
        print('Wall time: %s' % format_time(wall))
        return value

    def _line_timeit(self, line, local_ns):
        options, stmt = _timeit_options(line)
        return self._timeit(options, '', stmt)

    def _cell_timeit(self, line, cell):
        options, setup = _timeit_options(line)
        return self._timeit(options, setup, transform_cell(cell))

    def _timeit(self, options, setup, stmt):
        """Runs the statement once (not the many loops of `%timeit`) and
        prints its time as `%timeit` prints its mean."""
        body = textwrap.indent(setup + '\n' + stmt, '    ')
        scope = {}
        exec(compile('def _timed_statement():\n%s\n    pass\n' % body,
                     '<magic-timeit>', 'exec'), self.user_ns, scope)
        start = time.perf_counter()
        scope['_timed_statement']()
        elapsed = time.perf_counter() - start
        plus_minus = _encodable('\xb1', '+-')
        result = ('{0} {pm} {1} per loop (mean {pm} std. dev. of 1 run, '
                  '1 loop each)').format(format_time(elapsed),
                                         format_time(0.0), pm=plus_minus)
        if '-q' not in options:
            print(result)
        return result if '-o' in options else None

    def _line_cd(self, line, local_ns):
        words = [w for w in shlex.split(line) if w != '-q']
        if words[:1] == ['-b']:
            raise NotImplementedError('%cd -b (bookmarks): give the '
                                      'directory instead')
        target = ' '.join(words) if words else os.path.expanduser('~')
        if target == '-':
            target = self._previous_dir
        self._previous_dir = os.getcwd()
        os.chdir(os.path.expanduser(target))
        if '-q' not in line.split():
            print(os.getcwd())

    def _line_pwd(self, line, local_ns):
        return os.getcwd()

    def _line_env(self, line, local_ns):
        if not line.strip():
            return {key: '<hidden>' if any(s in key.lower() for s in (
                'key', 'token', 'secret')) else value
                for key, value in os.environ.items()}
        split = '=' if '=' in line else ' '
        if len(line.split(split)) == 1:
            key = line.strip()
            if key not in os.environ:
                raise UsageError('Environment does not have key: %s' % key)
            return os.environ[key]
        return self._line_set_env(line, local_ns)

    def _line_set_env(self, line, local_ns):
        split = '=' if '=' in line else ' '
        bits = line.split(split, 1)
        if len(bits) < 2 or not line.strip():
            raise UsageError("usage is 'set_env var=val'")
        var, value = bits[0].strip(), bits[1].strip()
        if re.match(r'.*\s.*', var):
            raise UsageError("refusing to set env var with whitespace: '%s'"
                             % value)
        os.environ[var] = value
        print('env: %s=%s' % (var, value))

    def _line_sx(self, line, local_ns):
        return self.getoutput(line, depth=1)

    _line_system = _line_sx

    def _line_run(self, line, local_ns):
        from .notebooks import run_file
        run_file(self, shlex.split(line))

    def _line_pinfo(self, line, local_ns, detail=False):
        ns = dict(self.user_ns)
        ns.update(local_ns)
        try:
            obj = eval(line.strip(), ns)
        except Exception:
            print('Object `%s` not found.' % line.strip())
            return
        _print_info(obj, detail)

    def _line_pinfo2(self, line, local_ns):
        self._line_pinfo(line, local_ns, detail=True)

    # -- Cell magics.

    def _cell_capture(self, line, cell):
        words = line.split()
        name = next((w for w in words if not w.startswith('-')), None)
        out, err = io.StringIO(), io.StringIO()
        saved = sys.stdout, sys.stderr
        if '--no-stdout' not in words:
            sys.stdout = out
        if '--no-stderr' not in words:
            sys.stderr = err
        try:
            self.runner.execute(cell, self.runner.filename)
        finally:
            sys.stdout, sys.stderr = saved
        if name:
            self.user_ns[name] = CapturedIO(out.getvalue(), err.getvalue())

    def _cell_writefile(self, line, cell):
        words = line.split()
        append = bool({'-a', '--append'} & set(words))
        name = ' '.join(w for w in words if w not in ('-a', '--append'))
        if re.match(r'^(\'.*\')|(".*")$', name):
            name = name[1:-1]
        filename = os.path.expanduser(name)
        if os.path.exists(filename):
            print(('Appending to %s' if append else 'Overwriting %s')
                  % filename)
        else:
            print('Writing %s' % filename)
        with io.open(filename, 'a' if append else 'w',
                     encoding='utf-8') as f:
            f.write(cell)

    _cell_file = _cell_writefile


def _timeit_options(text):
    """(options, the rest) of `%timeit`'s line: -n N -r R -p P -t -c -q
    -o."""
    options, words = [], text.strip().split(' ')
    while words and re.match(r'^-[nrpNRP]\d*$|^-[tcqo]+$', words[0]):
        option = words.pop(0)
        options.append(option)
        if re.match(r'^-[nrp]$', option) and words:
            words.pop(0)
        elif re.match(r'^-[tcqo]{2,}$', option):
            options.extend('-' + c for c in option[1:])
    return options, ' '.join(words)


def _cpu_times():
    """(user, system) CPU seconds of this process."""
    try:
        import resource
    except ImportError:
        return os.times()[:2]
    return resource.getrusage(resource.RUSAGE_SELF)[:2]


def _shell_program():
    return shutil.which(os.environ.get('SHELL', '')) or None


def _draw_without_windows():
    """Makes matplotlib draw off-screen (as the inline backend does in a
    notebook run in batch); False where matplotlib is not installed."""
    try:
        import matplotlib
    except ImportError:
        return False
    matplotlib.use('agg')
    return True


def _print_info(obj, detail):
    """`obj?`: the object's signature, docstring, file and type."""
    import inspect
    fields = []
    if callable(obj):
        try:
            fields.append(('Signature', '%s%s' % (
                getattr(obj, '__name__', ''), inspect.signature(obj))))
        except (TypeError, ValueError):
            pass
    else:
        fields.append(('String form', str(obj)))
    fields.append(('Docstring', inspect.getdoc(obj) or '<no docstring>'))
    try:
        fields.append(('File', inspect.getfile(obj)))
    except TypeError:
        pass
    fields.append(('Type', type(obj).__name__))
    if detail:
        try:
            fields.append(('Source', inspect.getsource(obj)))
        except (OSError, TypeError):
            pass
    for name, value in fields:
        print('%-11s %s' % (name + ':', value))


# -- A stand-in `IPython.display` where IPython is not installed.

class DisplayObject:
    """A rich object (HTML, an image, ...) a notebook shows; in a terminal
    its text form is `<IPython.core.display.NAME object>`."""

    def __init__(self, data=None, url=None, filename=None, metadata=None,
                 **kwargs):
        self.data = data
        self.url = url
        self.filename = filename
        self.metadata = metadata
        self.options = kwargs

    def __repr__(self):
        return '<IPython.core.display.%s object>' % type(self).__name__


_DISPLAY_CLASSES = ('HTML', 'Markdown', 'Latex', 'Math', 'SVG', 'JSON',
                    'Javascript', 'Image', 'Pretty', 'Code', 'Audio',
                    'Video', 'IFrame', 'FileLink')


def serve_ipython_display():
    """Where IPython is not installed, `from IPython.display import
    display, HTML, SVG, clear_output` gets stand-ins; `IPython.get_ipython()`
    is None, as IPython's own outside a shell."""
    import importlib.util
    if 'IPython' in sys.modules or importlib.util.find_spec('IPython'):
        return
    package = types.ModuleType('IPython')
    package.__path__ = []
    package.get_ipython = lambda: None
    core = types.ModuleType('IPython.core')
    core.__path__ = []
    module = types.ModuleType('IPython.display')
    module.display = display
    module.clear_output = clear_output
    module.update_display = display
    module.DisplayObject = DisplayObject
    for name in _DISPLAY_CLASSES:
        setattr(module, name, type(name, (DisplayObject,), {
            '__module__': 'IPython.core.display'}))
    package.core, package.display = core, module
    core.display = module
    sys.modules.update({'IPython': package, 'IPython.core': core,
                        'IPython.display': module,
                        'IPython.core.display': module})
