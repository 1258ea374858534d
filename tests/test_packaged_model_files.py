"""Model files shipped inside packages: SavedModel directories whose custom
layers TensorFlow revives from their graphs (basic-pitch's), and the
`layer._name = ...` renaming idiom. Expected values come from tf_keras 2.21
on TensorFlow 2.21 (tests/data/packaged_models/make_stacking_savedmodel.py)."""
import os

import numpy as np
import pytest

from keras_compat import backend as K
from keras_compat.engine import Layer
from keras_compat.layers import Dense, Input
from keras_compat.models import Sequential, load_model

DATA = os.path.join(os.path.dirname(__file__), 'data', 'packaged_models',
                    'stacking_savedmodel')


class Stacking(Layer):
    """basic-pitch's layer style: no **kwargs in __init__, get_config adds
    to the base config; from_config written to accept that config."""

    def __init__(self, shifts, name=None):
        super(Stacking, self).__init__(trainable=False, name=name)
        self.shifts = shifts

    def get_config(self):
        config = super(Stacking, self).get_config().copy()
        config.update({'shifts': self.shifts})
        return config

    @classmethod
    def from_config(cls, config):
        return cls(config['shifts'], name=config['name'])

    def call(self, x):
        import torch
        return torch.cat([torch.roll(x, s, dims=1) for s in self.shifts],
                         dim=-1)


def _inputs():
    return np.random.RandomState(0).uniform(-1, 1, (2, 5, 2)).astype(
        'float32')


def test_savedmodel_with_custom_layer_classes():
    model = load_model(DATA, custom_objects={'Stacking': Stacking})
    y = K.eval(model(_inputs()))
    # tf_keras 2.21 (also its tf.saved_model.load graph output)
    np.testing.assert_allclose(
        y[0, :4], [-0.2067185938358307, -0.19041834771633148,
                   -0.22911590337753296, -0.2436695247888565], atol=1e-6)
    np.testing.assert_allclose(
        y[1, -4:], [-0.1906813383102417, -0.19152125716209412,
                    -0.2581532597541809, -0.0755925253033638], atol=1e-6)
    assert model.count_params() == 28
    assert [l.name for l in model.layers] == [
        'input_1', 'stack', 'tf.expand_dims', 'conv2d',
        'batch_normalization', 'out']


def test_savedmodel_layer_tensorflow_revives_is_refused_clearly():
    with pytest.raises(NotImplementedError) as info:
        load_model(DATA)
    message = str(info.value)
    assert 'Unknown layer: Stacking' in message
    assert 'custom_objects' in message
    assert os.path.join('variables', 'variables') in message


def test_savedmodel_layer_whose_from_config_fails_is_refused_clearly():
    class Refusing(Stacking):
        from_config = classmethod(Layer.from_config.__func__)

    with pytest.raises(NotImplementedError) as info:
        load_model(DATA, custom_objects={'Stacking': Refusing})
    assert "unexpected keyword argument" in str(info.value)


def test_renaming_through_private_name():
    # tf_keras 2.21: layer._name sets layer.name; get_layer finds it
    dense = Dense(2)
    dense._name = 'renamed'
    assert dense.name == 'renamed'
    model = Sequential([Input((3,)), dense])
    assert model.get_layer('renamed') is dense
    model._name = 'mm'
    assert model.name == 'mm'
    assert model._name == 'mm'
