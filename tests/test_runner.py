"""`python -m keras_compat run` and `install_as_keras()`."""
import os
import subprocess
import sys
import textwrap

import pytest

from runner_process import ROOT, run_keras_compat as run

SEEDS = os.path.join(os.path.dirname(ROOT), 'shared', 'seed_examples')


def write(tmp_path, name, source):
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return str(path)


def test_script_sees_main_argv_and_keras_paths(tmp_path):
    script = write(tmp_path, 'script.py', '''
        import sys
        import keras
        import keras.backend as K
        from keras.layers.core import Dense
        from keras.layers import Dense as Dense2
        from keras.utils.np_utils import to_categorical
        from keras.engine.topology import Layer
        from keras.engine import Layer as Layer2
        from keras.models import Sequential
        from keras import optimizers, losses, callbacks
        import keras_compat
        assert keras is keras_compat, keras
        assert Dense is Dense2 and Layer is Layer2
        print('NAME', __name__)
        print('ARGV', sys.argv)
        print('FLOATX', K.floatx())
        sys.exit(3)
    ''')
    result = run(['run', script, '--epochs', '2', 'x'])
    assert result.returncode == 3, result.stderr
    assert 'NAME __main__' in result.stdout
    assert "ARGV ['%s', '--epochs', '2', 'x']" % script in result.stdout
    assert 'FLOATX float32' in result.stdout


def test_backend_is_tensorflow_for_scripts(tmp_path):
    # Libraries branch on K.backend() == 'tensorflow' (cbaziotis'
    # AttentionWithContext computes x.W^T there): the script runner serves
    # TensorFlow, so that branch runs; imported by its own name, 'torch'.
    script = write(tmp_path, 'script.py', '''
        from keras import backend as K
        print('BACKEND', K.backend())
    ''')
    result = run(['run', script])
    assert 'BACKEND tensorflow' in result.stdout, result.stderr
    import keras_compat
    assert keras_compat.backend.backend() == 'torch'


def test_tensorflow_version_is_that_of_the_programs_keras(tmp_path):
    # A tf.keras program sees TensorFlow 2 from its first line (libraries
    # it imports first check the version: scikeras needs >= 2.7); a
    # Keras 2 program, the TensorFlow 1 it was written for.
    (tmp_path / 'needs_tf2.py').write_text(
        'import tensorflow as tf\n'
        'assert int(tf.__version__.split(".")[0]) == 2, tf.__version__\n')
    tf_keras_script = write(tmp_path, 'tf_keras_script.py', """
        import needs_tf2
        import tensorflow as tf
        from tensorflow import keras
        print(tf.__version__, tf.VERSION, tf.version.VERSION)
        from keras.src.engine import keras_tensor
        print(keras_tensor.KerasTensor.__name__)
    """)
    result = run(['run', tf_keras_script], cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ['2.15.0'] * 3 + ['KerasTensor']
    keras_2_script = write(tmp_path, 'keras_2_script.py', """
        import keras
        import tensorflow as tf
        print(tf.__version__)
    """)
    result = run(['run', keras_2_script], cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ['1.15.5']


def test_numpy_1_aliases_of_old_scripts(tmp_path):
    script = write(tmp_path, 'old_numpy.py', '''
        import numpy as np
        x = np.zeros((2, 3), dtype=np.float)
        n = np.int(np.asscalar(np.array([4])))
        print(x.dtype, n, np.bool(1))
        # Keras 2 callbacks start from np.Inf; numpy 2 removed it.
        print(np.Inf, -np.Inf == np.NINF, np.isnan(np.NaN),
              np.zeros(1, np.float_).dtype)
        ''')
    result = run(['run', script])
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ['float64', '4', 'True', 'inf', 'True',
                                     'True', 'float64']


def test_script_directory_is_importable(tmp_path):
    write(tmp_path, 'helper_mod.py', 'VALUE = 41\n')
    script = write(tmp_path, 'main.py', '''
        import helper_mod
        print('VALUE', helper_mod.VALUE + 1)
    ''')
    result = run(['run', script])
    assert result.returncode == 0, result.stderr
    assert 'VALUE 42' in result.stdout


def test_traceback_points_at_user_file(tmp_path):
    script = write(tmp_path, 'broken.py', '''
        from keras.layers import Dense
        x = 1
        raise RuntimeError('boom from user code')
    ''')
    result = run(['run', script])
    assert result.returncode == 1
    assert 'boom from user code' in result.stderr
    assert 'File "%s", line 4' % script in result.stderr
    assert 'runpy' not in result.stderr


def test_missing_script_and_usage(tmp_path):
    result = run(['run', str(tmp_path / 'nope.py')])
    assert result.returncode == 2 and 'No such file' in result.stderr
    assert run([]).returncode == 2
    assert 'keras_compat' in run(['--version']).stdout


def test_install_as_keras_in_a_program():
    code = textwrap.dedent('''
        import keras_compat
        keras_compat.install_as_keras()
        import keras
        from keras.layers.recurrent import LSTM
        from keras.preprocessing.sequence import pad_sequences
        assert keras is keras_compat
        print('OK', keras.layers.Dense.__module__)
    ''')
    env = dict(os.environ, PYTHONPATH=ROOT)
    result = subprocess.run([sys.executable, '-c', code],
                            capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert 'OK keras_compat.layers.core' in result.stdout


def test_unsupported_application_explains(tmp_path):
    script = write(tmp_path, 'apps.py', '''
        from keras.applications.nasnet import NASNetMobile
        NASNetMobile(weights=None)
    ''')
    result = run(['run', script])
    assert result.returncode == 1
    assert 'NotImplementedError' in result.stderr
    assert 'NASNetMobile' in result.stderr


@pytest.mark.parametrize('name', ['01_sequential_list',
                                  '05_mlp_softmax'])
def test_seed_examples_run(name):
    path = os.path.join(SEEDS, name + '.py')
    if not os.path.exists(path):
        pytest.skip('seed examples not available')
    result = run(['run', path])
    assert result.returncode == 0, result.stderr[-2000:]


def test_augmented_assignment_on_a_variable_in_a_served_script(tmp_path):
    # DLwP's `loss = K.variable(0.); loss += ...` in a script run by the
    # runner (which makes `x += y` on plain tensors rebind): a new
    # expression each time, the variable kept (Keras 2.2.4 prints 0.0 and
    # 8.0).
    script = write(tmp_path, 'script.py', '''
        from keras import backend as K
        loss = K.variable(0.)
        start = loss
        weight = K.variable(1.)
        loss += K.constant(2.)
        loss += 3. * weight
        print('START', K.get_value(start))
        K.set_value(weight, 2.)
        print('LOSS', K.eval(loss))
    ''')
    result = run(['run', script])
    assert result.returncode == 0, result.stderr
    assert 'START 0.0' in result.stdout and 'LOSS 8.0' in result.stdout
