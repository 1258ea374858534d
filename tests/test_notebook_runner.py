"""`python -m keras_compat run notebook.ipynb`, the Jupyter kernel spec and
the `%load_ext keras_compat` extension."""
import json
import re
import sys

import pytest

from keras_compat import notebook_input, notebook_shell, notebooks

from runner_process import run_keras_compat as run


def write_notebook(path, cells, nbformat=4):
    """A notebook of code cells (a str) and other cells (a dict)."""
    if nbformat == 3:
        notebook = {'nbformat': 3, 'nbformat_minor': 0, 'metadata': {},
                    'worksheets': [{'cells': [
                        {'cell_type': 'code', 'language': 'python',
                         'input': cell.splitlines(True), 'outputs': []}
                        for cell in cells]}]}
    else:
        notebook = {'nbformat': 4, 'nbformat_minor': 5, 'metadata': {
            'kernelspec': {'name': 'python3', 'language': 'python',
                           'display_name': 'Python 3'}},
            'cells': [cell if isinstance(cell, dict) else
                      {'cell_type': 'code', 'metadata': {}, 'outputs': [],
                       'execution_count': None,
                       'source': cell.splitlines(True)}
                      for cell in cells]}
    path.write_text(json.dumps(notebook))
    return str(path)


# IPython 8.31's `TransformerManager().transform_cell` of each cell.
IPYTHON_TRANSFORMS = [
    ('%matplotlib inline\nimport numpy as np\n',
     "get_ipython().run_line_magic('matplotlib', 'inline')\n"
     "import numpy as np\n"),
    ('%%time\nx = 1\nx + 1\n',
     "get_ipython().run_cell_magic('time', '', 'x = 1\\nx + 1\\n')\n"),
    ('%%writefile mod.py\ndef f():\n    return 3\n',
     "get_ipython().run_cell_magic('writefile', 'mod.py', "
     "'def f():\\n    return 3\\n')\n"),
    ('!pip install keras==2.3.1\n!ls -l | wc -l',
     "get_ipython().system('pip install keras==2.3.1')\n"
     "get_ipython().system('ls -l | wc -l')\n"),
    ('files = !ls\nprint(files)',
     "files = get_ipython().getoutput('ls')\nprint(files)\n"),
    ('x = %pwd\n', "x = get_ipython().run_line_magic('pwd', '')\n"),
    ('len?\n', "get_ipython().run_line_magic('pinfo', 'len')\n"),
    ('np.zeros??', "get_ipython().run_line_magic('pinfo2', 'np.zeros')\n"),
    ('?len', "get_ipython().run_line_magic('pinfo', 'len')\n"),
    ('%time?', "get_ipython().run_line_magic('pinfo', '%time')\n"),
    ('for i in range(2):\n    !echo {i}\n    %time x = i\n',
     "for i in range(2):\n    get_ipython().system('echo {i}')\n"
     "    get_ipython().run_line_magic('time', 'x = i')\n"),
    ("s = '''\n%notmagic\n!notshell\n'''\nprint(s)\n",
     "s = '''\n%notmagic\n!notshell\n'''\nprint(s)\n"),
    ('x = (1\n     % 2)\n', 'x = (1\n     % 2)\n'),
    ('\n\n  a = 1\n  b = 2\n', 'a = 1\nb = 2\n'),
    ('>>> a = 1\n>>> a\n', 'a = 1\na\n'),
    ('In [1]: a = 2\n', 'a = 2\n'),
    ('!echo a \\\n  b\n', "get_ipython().system('echo a    b')\n"),
    ('y = !!echo hi\n!!ls',
     "y = get_ipython().getoutput('!echo hi')\n"
     "get_ipython().getoutput('ls')\n"),
    ('x = 1  # why?\nx', 'x = 1  # why?\nx\n'),
    ("d = {'a': 1}\nd['a']?\n", "d = {'a': 1}\nd['a']?\n"),
    ('%timeit -n 10 -r 2 sum(range(10))',
     "get_ipython().run_line_magic('timeit', "
     "'-n 10 -r 2 sum(range(10))')\n"),
    ('import os\n!mkdir -p out  # comment',
     "import os\nget_ipython().system('mkdir -p out  # comment')\n"),
    ("def f():\n    '''doc?'''\n    return 1\n",
     "def f():\n    '''doc?'''\n    return 1\n"),
    ("x = 'a \\\\'\n!ls", "x = 'a \\\\'\nget_ipython().system('ls')\n"),
]


@pytest.mark.parametrize('cell,python', IPYTHON_TRANSFORMS)
def test_fallback_transformer_writes_ipythons_code(cell, python):
    assert notebook_input.fallback_transform_cell(cell) == python


def test_installs_and_downloads_are_recognised():
    for cmd in ('pip install keras==2.3.1', 'python3 -m pip install x',
                'cd data && wget http://x/y.zip', 'sudo apt-get install -y',
                'git clone https://x/r.git', 'A=1 curl -O u', 'conda env'):
        assert notebook_shell.fetches(cmd), cmd
    for cmd in ('ls -l', 'mkdir -p out', 'echo pip', 'cat a | wc -l',
                'unzip data.zip', 'nvidia-smi'):
        assert not notebook_shell.fetches(cmd), cmd


def test_magics_shell_commands_and_displayed_values(tmp_path):
    # The printed lines are those IPython 8.31 printed for the same cells.
    notebook = write_notebook(tmp_path / 'magics.ipynb', [
        {'cell_type': 'markdown', 'metadata': {}, 'source': '# Setup'},
        "%matplotlib inline\n%load_ext autoreload\n%autoreload 2\n"
        "%config InlineBackend.figure_format = 'retina'\nimport os",
        '!pip install keras==2.3.1\n!mkdir -p outdir\n'
        'files = !ls\nprint(sorted(files))',
        'x = 3\nx * 2',
        'x;',
        'None',
        "print('hi')\n%time y = x + 1\ny",
        '%%time\nz = y * 10\nz',
        '%timeit sum(range(10))',
        '%%writefile helper.py\ndef triple(v):\n    return 3 * v\n',
        'import helper\nhelper.triple(x)',
        '%cd outdir\n%pwd',
        "%cd ..\n%env MY_VAR=hello\nos.environ['MY_VAR']",
        '%foo bar',
        "display(1, 'a')\nget_ipython().run_line_magic('env', 'B=2')",
        'import sys\nsys.argv[1:]',
        "%%capture cap\nprint('hidden')",
        'cap.stdout',
        'for i in range(2):\n    !echo item{i}',
        'out = _\nOut[3], out',
        '%load_ext keras_compat\nimport keras, keras_compat\n'
        'keras is keras_compat',
    ])
    result = run(['run', notebook, '--epochs', '2'])
    assert result.returncode == 0, result.stderr
    timings = (r'CPU times: user \S+ \S+, sys: \S+ \S+, total: \S+ \S+$',
               r'Wall time: \S+ \S+$',
               r'\S+ \S+ (\xb1|\+-) 0 ns per loop \(mean (\xb1|\+-) std\. '
               r'dev\. of 1 run, 1 loop each\)$')
    lines = result.stdout.splitlines()
    timed = [line for line in lines
             if any(re.match(pattern, line) for pattern in timings)]
    assert len(timed) == 5, lines
    lines = [line for line in lines if line not in timed]
    outdir = str(tmp_path / 'outdir')
    assert lines == [
        "['magics.ipynb', 'outdir']", '6', 'hi', '4', '40',
        'Writing helper.py', '9', outdir, repr(outdir), str(tmp_path),
        'env: MY_VAR=hello', "'hello'", '1', "'a'", 'env: B=2',
        "['--epochs', '2']", "'hidden\\n'", 'item0', 'item1',
        "(6, 'hidden\\n')", 'True']
    warnings = result.stderr.splitlines()
    assert warnings == [
        'keras_compat run: In [2]: skipped `!pip install keras==2.3.1` '
        '(commands that install or download are not run)',
        'keras_compat run: In [13]: skipped %foo bar: keras_compat runs no '
        'such magic']


def test_error_names_its_cell_and_fails_the_run(tmp_path):
    # As nbconvert's CellExecutionError: the cell's source, the traceback
    # (through the cell that defined the function), no later cell run.
    notebook = write_notebook(tmp_path / 'fails.ipynb', [
        'def ratio(v):\n    return v / 0',
        "print('first')",
        '',
        '%time ratio(1)',
        "print('never')",
    ], nbformat=3)
    result = run(['run', notebook])
    assert result.returncode == 1
    assert result.stdout == 'first\n'
    err = result.stderr
    assert err.startswith(
        'An error occurred while executing In [3] (cell index 3 of '
        'fails.ipynb):\n------------------\n%time ratio(1)\n'
        '------------------\n'), err
    assert 'File "fails.ipynb In [3]", line 1, in <module>' in err
    assert 'File "fails.ipynb In [1]", line 2, in ratio\n' \
        '    return v / 0\n' in err
    assert 'notebook_shell.py' not in err
    assert err.rstrip().endswith('ZeroDivisionError: division by zero')


def test_keras_model_trained_in_one_cell_evaluated_in_the_next(tmp_path):
    # Dense(1) with w = 1, b = 0 on x = [1, 2], y = [0, 0], mse, SGD 0.1:
    # loss (1 + 4) / 2 = 2.5; dL/dw = (2*1*1 + 2*2*2) / 2 = 5,
    # dL/db = (2*1 + 2*2) / 2 = 3, so w = 0.5, b = -0.3 and the evaluated
    # loss is (0.2**2 + 0.7**2) / 2 = 0.265.
    notebook = write_notebook(tmp_path / 'model.ipynb', [
        {'cell_type': 'code', 'metadata': {'tags': ['raises-exception']},
         'outputs': [], 'execution_count': None,
         'source': 'import missing_module_of_the_notebook'},
        'from keras.models import Sequential\n'
        'from keras.layers import Dense\nfrom keras.optimizers import SGD\n'
        'import numpy as np\nfrom IPython.display import display, HTML\n'
        "display(HTML('<b>model</b>'))",
        'x = np.array([[1.], [2.]])\ny = np.zeros((2, 1))\n'
        'model = Sequential([Dense(1, input_shape=(1,), '
        "kernel_initializer='ones', bias_initializer='zeros')])\n"
        "model.compile(SGD(lr=0.1), 'mse')\n"
        'history = model.fit(x, y, epochs=1, batch_size=2, verbose=0)\n'
        "print('%.6f' % history.history['loss'][0])",
        'loss = model.evaluate(x, y, verbose=0)\n'
        "print('%.6f' % loss)\n"
        'w, b = model.get_weights()\nround(float(w[0, 0]), 6), '
        'round(float(b[0]), 6)',
    ])
    result = run(['run', notebook])
    assert result.returncode == 0, result.stderr
    assert "ModuleNotFoundError: No module named " \
        "'missing_module_of_the_notebook'" in result.stderr
    lines = result.stdout.splitlines()
    if lines[0] != '<IPython.core.display.HTML object>':
        # (IPython's own `display` outside a kernel prints the object.)
        assert lines[0].startswith('<IPython.core.display.HTML object')
    assert lines[1:] == ['2.500000', '0.265000', '(0.5, -0.3)']


def test_kernel_spec_is_written_to_the_jupyter_data_dir(
        tmp_path, monkeypatch, capsys):
    monkeypatch.setenv('JUPYTER_DATA_DIR', str(tmp_path))
    assert notebooks.install_kernel_spec(['--user']) == 0
    target = tmp_path / 'kernels' / 'keras_compat'
    assert capsys.readouterr().out == \
        'Installed kernelspec keras_compat in %s\n' % target
    spec = json.loads((target / 'kernel.json').read_text())
    assert spec == {
        'argv': [sys.executable, '-m', 'keras_compat', 'kernel', '-f',
                 '{connection_file}'],
        'display_name': 'Python 3 (keras_compat)', 'language': 'python'}


def test_kernel_spec_prefix_and_name(tmp_path, capsys):
    assert notebooks.install_kernel_spec(
        ['--prefix', str(tmp_path), '--name', 'Keras2',
         '--display-name', 'Keras 2']) == 0
    target = tmp_path / 'share' / 'jupyter' / 'kernels' / 'keras2'
    spec = json.loads((target / 'kernel.json').read_text())
    assert spec['display_name'] == 'Keras 2'
    with pytest.raises(SystemExit):
        notebooks.install_kernel_spec(['--name', 'two words'])
    assert 'kernel names may only contain' in capsys.readouterr().err


def test_kernel_without_ipykernel_says_so(capsys):
    try:
        import ipykernel  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip('ipykernel is installed')
    assert notebooks.launch_kernel(['-f', 'connection.json'],
                                   lambda source: None) == 1
    assert 'ipykernel is not installed' in capsys.readouterr().err
