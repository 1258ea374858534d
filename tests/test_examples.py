"""Every example in examples/ runs end to end with --quick (synthetic data
in the standard Keras file formats) through the script runner."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = ['mnist_mlp', 'mnist_cnn', 'cifar10_cnn', 'imdb_lstm',
            'reuters_mlp', 'lstm_text_generation', 'functional_two_inputs',
            'functional_siamese', 'functional_autoencoder_add_loss',
            'functional_feature_extractor', 'quickstart_mlp']


@pytest.mark.parametrize('name', EXAMPLES)
def test_example_runs_quick(name, tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT)
    result = subprocess.run(
        [sys.executable, '-m', 'keras_compat', 'run',
         os.path.join(ROOT, 'examples', name + '.py'), '--quick'],
        capture_output=True, text=True, env=env, cwd=str(tmp_path),
        timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'Traceback' not in result.stderr
    if name.startswith('functional_') and name != \
            'functional_feature_extractor':
        assert 'predict the same: True' in result.stdout or \
            'predicts the same: True' in result.stdout
    elif name == 'functional_feature_extractor':
        assert 'K.function agrees: True' in result.stdout
    elif name != 'lstm_text_generation':
        assert 'Test' in result.stdout
