"""The code examples of the README's "Keras 2 backend programs" section run
as written, with `keras` served by keras_compat, and print what they
compute."""
import os
import re
import subprocess
import sys

import pytest

README = os.path.join(os.path.dirname(__file__), '..', 'README.md')


def _section_examples(title):
    text = open(README).read()
    section = text.split('## ' + title, 1)[1].split('\n## ', 1)[0]
    return re.findall(r'```python\n(.*?)```', section, flags=re.S)


EXAMPLES = _section_examples('Keras 2 backend programs')


def test_the_section_has_its_examples():
    assert len(EXAMPLES) == 2


@pytest.mark.parametrize('index', range(len(EXAMPLES)))
def test_backend_program_example_runs(index, tmp_path):
    script = tmp_path / 'example.py'
    script.write_text(EXAMPLES[index])
    result = subprocess.run([sys.executable, '-m', 'keras_compat', 'run',
                             str(script)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    if index == 0:
        assert 'heatmap (14, 14)' in result.stdout
    else:
        losses = eval(result.stdout.strip().splitlines()[-1][len('loss '):])
        assert len(losses) == 3 and losses[-1] < losses[0]
