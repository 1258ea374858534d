"""`import keras` served by keras_compat exposes what Keras 2's
keras/__init__.py exports, without importing submodules first."""
import subprocess
import sys

KERAS2_SUBMODULES = ['activations', 'applications', 'backend', 'callbacks',
                     'constraints', 'datasets', 'engine', 'initializers',
                     'layers', 'losses', 'metrics', 'models', 'optimizers',
                     'preprocessing', 'regularizers', 'utils', 'wrappers']

# Attribute chains that Keras 2 programs and libraries reach from
# `import keras` alone (each exists in Keras 2.2.4/2.3.1 after that
# import).
KERAS2_CHAINS = [
    'utils.np_utils', 'utils.generic_utils', 'utils.data_utils',
    'utils.io_utils', 'utils.conv_utils', 'utils.to_categorical',
    'utils.Sequence', 'utils.get_file', 'utils.plot_model',
    'engine.topology', 'engine.training', 'engine.base_layer',
    'engine.network', 'engine.saving', 'engine.input_layer',
    'engine.Layer', 'engine.InputSpec', 'layers.core',
    'layers.convolutional', 'layers.recurrent', 'layers.merge',
    'layers.Layer', 'preprocessing.image', 'preprocessing.text',
    'preprocessing.sequence', 'wrappers.scikit_learn', 'datasets.mnist',
    'datasets.cifar10', 'datasets.imdb', 'applications.vgg16',
    'applications.resnet50', 'applications.imagenet_utils',
    'applications.VGG16', 'backend.image_data_format',
    'models.load_model', 'models.Sequential', 'optimizers.Optimizer',
    'callbacks.Callback', 'Input', 'Model', 'Sequential']


def _run(code):
    return subprocess.run(
        [sys.executable, '-c', 'import keras_compat\n'
         'keras_compat.install_as_keras()\n' + code],
        capture_output=True, text=True, timeout=300)


def test_import_keras_has_every_keras2_attribute():
    code = ('import keras\n'
            'missing = []\n'
            'for chain in %r:\n'
            '    obj = keras\n'
            '    try:\n'
            '        for part in chain.split("."):\n'
            '            obj = getattr(obj, part)\n'
            '    except AttributeError:\n'
            '        missing.append(chain)\n'
            'print(keras.__version__)\n'
            'print(missing)\n' % (KERAS2_SUBMODULES + KERAS2_CHAINS,))
    result = _run(code)
    assert result.returncode == 0, result.stderr
    version, missing = result.stdout.strip().splitlines()[-2:]
    assert missing == '[]'
    major, minor = version.split('.')[:2]
    assert (major, minor) in {('2', '2'), ('2', '3')}


def test_keras_version_compares_as_a_keras2_release():
    import keras_compat
    from keras_compat import KERAS_API_VERSION
    assert keras_compat.__version__ == KERAS_API_VERSION
    parts = tuple(int(p) for p in keras_compat.__version__.split('.'))
    assert (2, 1, 3) <= parts < (3,)


def test_runner_reports_both_versions():
    result = subprocess.run([sys.executable, '-m', 'keras_compat',
                             '--version'], capture_output=True, text=True,
                            timeout=120)
    import keras_compat
    assert result.stdout.strip() == 'keras_compat %s (Keras %s API)' % (
        keras_compat.PACKAGE_VERSION, keras_compat.KERAS_API_VERSION)


def test_importing_the_package_leaves_heavy_optional_modules_alone():
    """torch._dynamo (torch.compile), scikit-learn, scipy and pandas are
    imported when a script uses them, not by `import keras`; the wrappers
    module still answers as an attribute."""
    code = ('import sys, keras_compat as keras\n'
            'heavy = [m for m in ("torch._dynamo", "sklearn", "scipy", '
            '"pandas", "h5py") if m in sys.modules]\n'
            'assert not heavy, heavy\n'
            'assert keras.wrappers.scikit_learn.KerasRegressor\n'
            'assert "sklearn" in sys.modules\n')
    done = subprocess.run([sys.executable, '-c', code], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_keras2_private_helpers_that_layer_code_imports():
    import numpy as np
    import torch
    from keras_compat import backend as K
    from keras_compat.backend.tensorflow_backend import _to_tensor
    from keras_compat.layers.recurrent import _generate_dropout_mask
    ones = K.ones_like(K.constant(np.ones((2, 3))))
    masks = _generate_dropout_mask(ones, 0.5, training=1, count=2)
    assert len(masks) == 2
    assert set(np.unique(K.eval(masks[0]))) <= {0., 2.}
    np.testing.assert_array_equal(
        K.eval(_generate_dropout_mask(ones, 0.5, training=0)), np.ones((2, 3)))
    assert _to_tensor(1e-7, 'float32').dtype == torch.float32


def test_module_paths_and_helpers_third_party_code_imports():
    # Keras 2.3's callbacks package, Keras 2.2's path of multi_gpu_model,
    # Keras 2.0-2.1's engine.topology helpers, base classes of custom
    # poolings and backend names libraries use.
    code = '\n'.join([
        'from keras.callbacks.callbacks import EarlyStopping',
        'from keras.callbacks.tensorboard_v1 import TensorBoard',
        'from keras.utils.training_utils import multi_gpu_model',
        'from keras.layers.pooling import _GlobalPooling1D, '
        'GlobalMaxPooling1D',
        'from keras.engine.topology import preprocess_weights_for_loading',
        'from keras.engine.base_layer import _collect_previous_mask',
        'from keras.layers import Input, Embedding',
        'import keras, keras.backend as K',
        'assert EarlyStopping is keras.callbacks.EarlyStopping',
        'assert issubclass(GlobalMaxPooling1D, _GlobalPooling1D)',
        'x = Embedding(4, 2, mask_zero=True)(Input((3,)))',
        'assert K.int_shape(_collect_previous_mask(x)) == (None, 3)',
        'assert K.py_sum([1, 2]) == 3 and K.is_symbolic(x)',
        'assert isinstance(K.function([], []), K.Function)',
        'import keras.utils.vis_utils as vis',
        'try:',
        '    import pydot',
        'except ImportError:',
        '    assert vis.pydot is None',
        'print("OK")'])
    result = _run(code)
    assert result.returncode == 0, result.stderr
    assert 'OK' in result.stdout


def test_keras2_legacy_interface_decorators_on_copied_layers():
    # Layers copied from Keras 2's source decorate their constructors.
    code = '\n'.join([
        'import warnings',
        'import numpy as np',
        'from keras.legacy import interfaces',
        'from keras.layers import Layer',
        'from keras.models import Sequential',
        'from keras import backend as K',
        'class MyDense(Layer):',
        '    @interfaces.legacy_dense_support',
        '    def __init__(self, units, kernel_initializer="glorot_uniform",',
        '                 **kwargs):',
        '        super(MyDense, self).__init__(**kwargs)',
        '        self.units = units',
        '        self.kernel_initializer = kernel_initializer',
        '    def build(self, input_shape):',
        '        self.kernel = self.add_weight(',
        '            shape=(input_shape[-1], self.units), name="kernel",',
        '            initializer=self.kernel_initializer)',
        '        super(MyDense, self).build(input_shape)',
        '    def call(self, x):',
        '        return K.dot(x, self.kernel)',
        '    def compute_output_shape(self, s):',
        '        return (s[0], self.units)',
        'with warnings.catch_warnings(record=True) as caught:',
        '    warnings.simplefilter("always")',
        '    m = Sequential([MyDense(output_dim=3, init="ones", input_dim=4)])',
        'assert "Keras 2 API" in str(caught[-1].message)',
        'assert m.predict(np.ones((1, 4))).tolist() == [[4., 4., 4.]]',
        'try:',
        '    MyDense(3, 4)',
        'except TypeError as e:',
        '    assert "positional" in str(e)',
        'else:',
        '    raise AssertionError("two positional arguments accepted")',
        'assert callable(interfaces.legacy_conv2d_support)',
        'assert callable(interfaces.legacy_recurrent_support)',
        'print("OK")'])
    result = _run(code)
    assert result.returncode == 0, result.stderr
    assert 'OK' in result.stdout


def test_tf_keras_2_submodule_imports():
    result = _run(
        'from keras.layers.experimental.preprocessing import Normalization\n'
        'import keras.layers.experimental.preprocessing as pp\n'
        'from keras.optimizers.legacy import Adam\n'
        'from keras.optimizers.schedules import ExponentialDecay\n'
        'from keras.optimizers.experimental import AdamW\n'
        'print(Normalization.__name__, pp.Resizing.__name__, Adam.__name__,'
        ' ExponentialDecay.__name__, AdamW.__name__)\n')
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ['Normalization', 'Resizing', 'Adam',
                                     'ExponentialDecay', 'AdamW']


def test_private_clone_helpers_libraries_call():
    # Keras 2.2/2.3 and tf.keras: keras.models._clone_functional_model /
    # _clone_sequential_model, each refusing the other kind of model.
    import numpy as np
    import pytest
    from keras_compat import layers, models
    inputs = layers.Input((3,))
    functional = models.Model(inputs, layers.Dense(2)(inputs))
    sequential = models.Sequential([layers.Dense(2, input_shape=(3,))])
    clone = models._clone_functional_model(functional)
    assert [type(l) for l in clone.layers] == \
        [type(l) for l in functional.layers]
    assert clone.count_params() == functional.count_params() == 8
    assert clone.layers[1] is not functional.layers[1]
    copy = models._clone_sequential_model(sequential)
    assert isinstance(copy, models.Sequential)
    assert copy.output_shape == (None, 2)
    with pytest.raises(ValueError, match='got a `Sequential` instance'):
        models._clone_functional_model(sequential)
    with pytest.raises(ValueError, match='`Sequential` model instance'):
        models._clone_sequential_model(functional)
    doubled = models._clone_functional_model(
        functional, layer_fn=lambda layer: layer)
    assert doubled.layers[1] is functional.layers[1]
