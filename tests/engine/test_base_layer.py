"""The Layer base class: custom layers and models written the Keras 2 way,
attribute and weight tracking, inputs, and the losses listed per call."""
import copy
import pickle
import re
import warnings

import numpy as np
import pytest
import torch

import keras_compat as keras
from keras_compat import backend as K
from keras_compat import layers, models
from keras_compat.engine.base_layer import _class_flags


# ----------------------------------------------------------------- helpers
def _dense_count(n_in, n_out):
    return n_in * n_out + n_out


# ------------------------------------------- attributes before __init__
class ProjectBeforeInit(layers.Layer):
    """Assigns everything before calling Layer.__init__ (legal in Keras 2)."""

    def __init__(self, output_dim, **kwargs):
        self.output_dim = output_dim
        self.supports_masking = True
        self.scale = K.variable(np.full((output_dim,), 2.0), name='scale')
        self.inner = layers.Dense(output_dim, kernel_initializer='ones',
                                  bias_initializer='zeros')
        self.options = {'mode': 'sum'}
        super(ProjectBeforeInit, self).__init__(**kwargs)

    def build(self, input_shape):
        self.inner.build(input_shape)
        super(ProjectBeforeInit, self).build(input_shape)

    def call(self, x, mask=None):
        return self.inner(x) * self.scale

    def compute_output_shape(self, input_shape):
        return input_shape[:-1] + (self.output_dim,)

    def get_config(self):
        config = super(ProjectBeforeInit, self).get_config()
        config['output_dim'] = self.output_dim
        return config


class ModelBeforeInit(models.Model):
    def __init__(self):
        self.hidden = layers.Dense(4, activation='relu')
        self.head = layers.Dense(1)
        super(ModelBeforeInit, self).__init__(name='before_init')

    def call(self, x):
        return self.head(self.hidden(x))


def test_attributes_assigned_before_super_init_survive():
    layer = ProjectBeforeInit(3, name='proj')
    assert layer.output_dim == 3
    assert layer.supports_masking is True
    assert layer.options == {'mode': 'sum'}
    assert layer.name == 'proj'
    inputs = layers.Input((4, 2))
    masked = layers.Masking(0.)(inputs)
    outputs = layer(masked)
    model = models.Model(inputs, outputs)
    x = np.ones((2, 4, 2), 'float32')
    # Dense with a ones kernel: sum of inputs (2), times the scale (2).
    np.testing.assert_allclose(model.predict(x), np.full((2, 4, 3), 4.))
    # The mask passes through a layer that supports masking.
    assert getattr(outputs, '_keras_mask', None) is not None
    # The variable and the sub-layer's weights are the layer's weights;
    # the sub-layer built in the layer's build() names its weights in
    # the layer's scope (Keras 2.3.1: 'proj/kernel:0').
    assert [w.name for w in layer.weights] == [
        'proj/scale:0', 'proj/kernel:0', 'proj/bias:0']
    assert layer.count_params() == 3 + _dense_count(2, 3)


def test_model_subclass_assigning_layers_before_super_init():
    model = ModelBeforeInit()
    assert model.name == 'before_init'
    model.compile('sgd', 'mse')
    x = np.random.rand(8, 3).astype('float32')
    y = np.random.rand(8, 1).astype('float32')
    model.fit(x, y, epochs=1, verbose=0)
    assert model.layers == [model.hidden, model.head]
    assert len(model.trainable_weights) == 4
    assert model.count_params() == _dense_count(3, 4) + _dense_count(4, 1)


def test_layers_with_attributes_before_init_copy_pickle_and_clone():
    inputs = layers.Input((2,))
    model = models.Model(inputs, ProjectBeforeInit(3)(inputs))
    x = np.random.rand(3, 2).astype('float32')
    expected = model.predict(x)
    for other in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        np.testing.assert_allclose(other.predict(x), expected)
        layer = other.layers[-1]
        assert layer.supports_masking and layer.output_dim == 3
        assert layer.count_params() == 3 + _dense_count(2, 3)
    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(x), expected)


# ------------------------------------------- sub-layers made in build/call
class Blocks(layers.Layer):
    """Sub-layers created in build: one attribute, a list, and a list
    filled after it was assigned."""

    def build(self, input_shape):
        self.first = layers.Dense(4, activation='tanh')
        self.blocks = [layers.Dense(3, activation='tanh'),
                       layers.Dense(3, activation='tanh')]
        self.heads = []
        self.heads.append(layers.Dense(2))
        self.gain = self.add_weight(name='gain', shape=(2,),
                                    initializer='ones')
        super(Blocks, self).build(input_shape)

    def call(self, x):
        h = self.first(x)
        for block in self.blocks:
            h = block(h)
        return self.heads[0](h) * self.gain

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 2)


class BlocksNoShape(Blocks):
    compute_output_shape = layers.Layer.compute_output_shape


def _blocks_model(cls):
    inputs = layers.Input((5,))
    return models.Model(inputs, cls(name='blocks')(inputs))


@pytest.mark.parametrize('cls', [Blocks, BlocksNoShape])
def test_sublayers_built_in_build_are_tracked_trained_and_saved(cls,
                                                                tmp_path):
    model = _blocks_model(cls)
    layer = model.get_layer('blocks')
    expected = 2 + _dense_count(5, 4) + _dense_count(4, 3) + \
        _dense_count(3, 3) + _dense_count(3, 2)
    # Built by the graph call already (before any real data), as in Keras.
    assert layer.count_params() == expected
    assert model.count_params() == expected
    names = [w.name for w in layer.weights]
    assert names[0] == 'blocks/gain:0'
    sub = [layer.first] + layer.blocks + layer.heads
    # (Keras 2.3.1: the sub-layers' weights are named in the layer's
    # scope, 'blocks/dense_1/kernel:0'.)
    assert names[1:] == [n for l in sub for n in (
        'blocks/' + l.name + '/kernel:0', 'blocks/' + l.name + '/bias:0')]
    assert len(layer.trainable_weights) == 9
    lines = []
    model.summary(print_fn=lines.append)
    assert 'Total params: {:,}'.format(expected) in lines
    before = [w.copy() for w in model.get_weights()]
    model.compile('sgd', 'mse')
    x = np.random.rand(16, 5).astype('float32')
    y = np.random.rand(16, 2).astype('float32')
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    after = model.get_weights()
    assert all(not np.allclose(a, b) for a, b in zip(before, after))
    path = str(tmp_path / 'blocks.h5')
    model.save_weights(path)
    fresh = _blocks_model(cls)
    fresh.load_weights(path)
    np.testing.assert_array_equal(fresh.predict(x), model.predict(x))


class AttentionBlocks(models.Model):
    """A subclassed model with a list of layers (tf.keras tracks it)."""

    def __init__(self):
        super(AttentionBlocks, self).__init__()
        self.stack = [layers.Dense(4, activation='relu') for _ in range(2)]
        self.out = layers.Dense(1)

    def call(self, x):
        for layer in self.stack:
            x = layer(x)
        return self.out(x)


def test_subclassed_model_tracks_layer_lists():
    model = AttentionBlocks()
    model.compile('sgd', 'mse')
    x = np.random.rand(8, 3).astype('float32')
    model.fit(x, np.zeros((8, 1), 'float32'), verbose=0)
    assert model.layers == model.stack + [model.out]
    assert model.count_params() == _dense_count(3, 4) + \
        _dense_count(4, 4) + _dense_count(4, 1)


class VariableInBuild(layers.Layer):
    """Keras 2.3 tracks variables assigned as attributes; the Keras 1 way
    lists the non-trainable ones."""

    def build(self, input_shape):
        self.W = K.variable(np.ones((input_shape[-1], 2)), name='W')
        self.moving = K.variable(np.zeros((2,)), name='moving')
        self.non_trainable_weights = [self.moving]
        super(VariableInBuild, self).build(input_shape)

    def call(self, x):
        return K.dot(x, self.W) + self.moving


def test_variables_assigned_as_attributes_are_weights():
    inputs = layers.Input((3,))
    layer = VariableInBuild(name='var')
    model = models.Model(inputs, layer(inputs))
    assert [w.name for w in layer.trainable_weights] == ['var/W:0']
    assert [w.name for w in layer.non_trainable_weights] == ['var/moving:0']
    assert layer.count_params() == 8
    model.compile('sgd', 'mse')
    model.fit(np.ones((4, 3), 'float32'), np.zeros((4, 2), 'float32'),
              verbose=0)
    assert not np.allclose(K.get_value(layer.W), 1.)
    np.testing.assert_array_equal(K.get_value(layer.moving), 0.)


class Keras1Lists(layers.Layer):
    def build(self, input_shape):
        self.W = K.variable(np.ones((input_shape[-1], 2)), name='W')
        self.b = K.variable(np.zeros((2,)), name='b')
        self.scratch = K.variable(np.zeros((2,)), name='scratch')
        self.trainable_weights = [self.b, self.W]
        super(Keras1Lists, self).build(input_shape)

    def call(self, x):
        return K.dot(x, self.W) + self.b


def test_keras1_weight_lists_set_the_order_and_the_set():
    layer = Keras1Lists(name='k1')
    layer.build((None, 3))
    assert [w.name for w in layer.weights] == ['k1/b:0', 'k1/W:0']
    assert [w.shape for w in layer.get_weights()] == [(2,), (3, 2)]
    assert layer.count_params() == 8



class PropertyFrozenBias(layers.Layer):
    """Lists its weights through its own properties, as Keras 2 layers
    could: the bias is kept out of training."""

    def build(self, input_shape):
        self.kernel = self.add_weight(name='kernel',
                                      shape=(input_shape[-1], 2),
                                      initializer='ones')
        self.bias = self.add_weight(name='bias', shape=(2,),
                                    initializer='ones')
        self.inner = layers.Dense(2, kernel_initializer='ones', name='inner')
        self.inner.build((None, 2))
        super(PropertyFrozenBias, self).build(input_shape)

    @property
    def trainable_weights(self):
        return [self.kernel] + self.inner.trainable_weights[:1]

    @property
    def non_trainable_weights(self):
        return [self.bias] + self.inner.trainable_weights[1:]

    def call(self, x):
        return self.inner(K.dot(x, self.kernel) + self.bias)


def test_overridden_weight_properties_choose_what_trains():
    model = models.Sequential([PropertyFrozenBias(input_shape=(3,),
                                                  name='p')])
    model.compile(keras.optimizers.SGD(0.1), 'mse')
    # (Keras 2.3.1 names the inner layer built in build() in the layer's
    # scope: 'p/kernel:0', then 'p/kernel_1:0', which keras_compat names
    # 'p/kernel:0' again.)
    names = [re.sub('_1:0$', ':0', w.name) for w in model.trainable_weights]
    assert names == ['p/kernel:0', 'p/kernel:0']
    names = [re.sub('_1:0$', ':0', w.name)
             for w in model.non_trainable_weights]
    assert names == ['p/bias:0', 'p/bias:0']
    assert model.trainable_weights[1] is model.layers[0].inner.kernel
    x, y = np.ones((2, 3), 'float32'), np.zeros((2, 2), 'float32')
    model.train_on_batch(x, y)
    layer = model.layers[0]
    # Forward: h = x.1 + 1 = 4 per unit, out = 2 * 4 = 8 per unit; the
    # mse gradient 2 * 8 / 2 per unit reaches the two listed kernels.
    np.testing.assert_allclose(K.get_value(layer.bias), [1., 1.])
    np.testing.assert_allclose(K.get_value(layer.inner.bias), [0., 0.])
    np.testing.assert_allclose(K.get_value(layer.inner.kernel),
                               np.full((2, 2), 1. - 0.1 * 8. * 4.))
    np.testing.assert_allclose(K.get_value(layer.kernel),
                               np.full((3, 2), 1. - 0.1 * 8. * 2.))


# --------------------------------------------------- unused sub-layers
class SometimesPools(layers.Layer):
    def __init__(self, pool=False, **kwargs):
        super(SometimesPools, self).__init__(**kwargs)
        self.pool = pool
        self.pooling = layers.AveragePooling2D()
        self.projection = layers.Dense(7)

    def build(self, input_shape):
        self.scale = self.add_weight(name='scale',
                                     shape=(input_shape[-1],),
                                     initializer='ones')
        super(SometimesPools, self).build(input_shape)

    def call(self, x):
        x = x * self.scale
        return self.pooling(x) if self.pool else x


def test_unused_sublayers_count_nothing_and_summary_works():
    inputs = layers.Input((4, 4, 3))
    layer = SometimesPools(name='maybe_pool')
    model = models.Model(inputs, layer(inputs))
    lines = []
    model.summary(print_fn=lines.append)
    assert layer.count_params() == 3
    assert model.count_params() == 3
    assert 'Total params: 3' in lines
    assert not layer.projection.built
    assert model.predict(np.ones((1, 4, 4, 3))).shape == (1, 4, 4, 3)


# ------------------------------------------------- shapes given to build
class RecordsShapes(layers.Layer):
    seen = []

    def build(self, input_shape):
        RecordsShapes.seen.append(('build', input_shape))
        self.kernel = self.add_weight(
            name='kernel', shape=(input_shape[0][-1], input_shape[1][1]),
            initializer='ones')
        super(RecordsShapes, self).build(input_shape)

    def call(self, inputs):
        return K.dot(inputs[0], self.kernel) + inputs[1]

    def compute_output_shape(self, input_shape):
        RecordsShapes.seen.append(('shape', input_shape))
        shape = list(input_shape)
        return shape[1]


class RecordsSingle(layers.Layer):
    seen = []

    def build(self, input_shape):
        RecordsSingle.seen.append(input_shape)
        super(RecordsSingle, self).build(input_shape)

    def compute_output_shape(self, input_shape):
        RecordsSingle.seen.append(input_shape)
        shape = list(input_shape)
        shape[-1] *= 2
        return tuple(shape)

    def call(self, x):
        return K.concatenate([x, x])


def test_build_and_compute_output_shape_get_tuples():
    RecordsShapes.seen[:] = []
    RecordsSingle.seen[:] = []
    a, b = layers.Input((3,)), layers.Input((2,))
    out = RecordsSingle()(RecordsShapes()([a, b]))
    model = models.Model([a, b], out)
    assert model.output_shape == (None, 4)
    assert RecordsShapes.seen == [('build', [(None, 3), (None, 2)]),
                                  ('shape', [(None, 3), (None, 2)])]
    for _, shapes in RecordsShapes.seen:
        assert type(shapes) is list
        assert all(isinstance(s, tuple) for s in shapes)
    assert RecordsSingle.seen == [(None, 2), (None, 2)]
    assert all(isinstance(s, tuple) for s in RecordsSingle.seen)
    # Built from real tensors: a list of tuples with an unknown batch.
    RecordsShapes.seen[:] = []
    RecordsShapes()([torch.ones(5, 3), torch.ones(5, 2)])
    assert RecordsShapes.seen == [('build', [(None, 3), (None, 2)])]
    assert all(isinstance(s, tuple) for s in RecordsShapes.seen[0][1])
    # Sequential with input_shape: a tuple.
    RecordsSingle.seen[:] = []
    models.Sequential([RecordsSingle(input_shape=(3,))])
    assert RecordsSingle.seen[0] == (None, 3)
    assert isinstance(RecordsSingle.seen[0], tuple)


class ReadsTensorFlowShape(layers.Layer):
    """tf.keras custom-layer idioms on the shape `build` gets."""

    def build(self, input_shape):
        self.read = (input_shape.as_list(), input_shape.rank,
                     input_shape[-1].value, input_shape[1:].as_list(),
                     input_shape.is_fully_defined())
        self.kernel = self.add_weight('kernel', (input_shape[-1], 2))

    def call(self, inputs):
        return K.dot(inputs, self.kernel)


def test_build_gets_a_shape_with_tensorflow_methods():
    layer = ReadsTensorFlowShape()
    out = layer(layers.Input((4, 3)))
    assert layer.read == ([None, 4, 3], 3, 3, [4, 3], False)
    assert K.int_shape(out) == (None, 4, 2)
    assert layer.get_weights()[0].shape == (3, 2)


# --------------------------------------------- augmented assignment
class MaskedAttention(layers.Layer):
    """Keras 2 code: backend tensors are immutable, `-=` rebinds."""

    def call(self, inputs):
        z, mask = inputs
        e = K.sigmoid(z)
        e -= 10000.0 * mask
        e *= 2.0
        e /= 4.0
        return K.softmax(e)

    def compute_output_shape(self, input_shape):
        return input_shape[0]


def test_augmented_assignment_gradient_matches_out_of_place_formula():
    layer = MaskedAttention()
    z = torch.randn(3, 5, requires_grad=True)
    mask = (torch.rand(3, 5) > 0.6).float()
    weights = torch.randn(3, 5)
    (layer([z, mask]) * weights).sum().backward()
    z_ref = z.detach().clone().requires_grad_(True)

    class Reference(torch.nn.Module):
        def forward(self, z, mask):
            return torch.softmax((torch.sigmoid(z) - 10000.0 * mask) *
                                 2.0 / 4.0, dim=-1)
    (Reference()(z_ref, mask) * weights).sum().backward()
    torch.testing.assert_close(z.grad, z_ref.grad)
    # In a model trained by fit.
    zi, mi = layers.Input((5,)), layers.Input((5,))
    model = models.Model([zi, mi], layers.Dense(2)(MaskedAttention()(
        [zi, mi])))
    model.compile('sgd', 'mse')
    history = model.fit([np.random.rand(8, 5), np.zeros((8, 5))],
                        np.ones((8, 2)), verbose=0)
    assert np.isfinite(history.history['loss'][0])


class AddsOne(layers.Layer):
    def call(self, x):
        x += 1.0
        return x


class InPlaceMethods(layers.Layer):
    def call(self, x):
        rebound = x * 1.0
        alias = rebound
        rebound += 1.0            # rebinds: alias keeps x
        updated = x * 1.0
        same = updated
        updated.add_(1.0)         # an explicit in-place method stays one
        return K.concatenate([alias, same])


def test_augmented_assignment_does_not_change_the_callers_tensor():
    x = torch.zeros(2, 3)
    y = AddsOne()(x)
    np.testing.assert_array_equal(x.numpy(), 0.)
    np.testing.assert_array_equal(y.numpy(), 1.)
    out = InPlaceMethods()(torch.zeros(1, 2)).numpy()
    np.testing.assert_array_equal(out, [[0., 0., 1., 1.]])
    # A residual connection still sees the unchanged input.
    inputs = layers.Input((3,))
    model = models.Model(inputs, layers.Add()([inputs, AddsOne()(inputs)]))
    np.testing.assert_array_equal(model.predict(np.ones((2, 3))), 3.)


class CallsBuiltin(layers.Layer):
    """A custom layer calling a built-in one inside call."""

    def __init__(self, **kwargs):
        super(CallsBuiltin, self).__init__(**kwargs)
        self.dense = layers.Dense(3, kernel_initializer='ones')

    def call(self, x):
        h = self.dense(x)
        h *= 0.5
        h -= x
        return h


def test_augmented_assignment_in_nested_and_lambda_and_loss_code():
    x = torch.ones(2, 3, requires_grad=True)
    out = CallsBuiltin()(x)
    np.testing.assert_allclose(out.detach().numpy(), 0.5)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 0.5)

    def doubled(t):
        t *= 2.0
        return t
    t = torch.ones(2, 3)
    np.testing.assert_array_equal(layers.Lambda(doubled)(t).numpy(), 2.)
    np.testing.assert_array_equal(t.numpy(), 1.)

    def centred_loss(y_true, y_pred):
        e = K.sigmoid(y_pred - y_true)
        e -= 0.5
        return K.mean(K.square(e), axis=-1)

    def centred_metric(y_true, y_pred):
        e = K.sigmoid(y_pred)
        e -= 0.5
        return K.mean(e, axis=-1)
    inputs = layers.Input((3,))
    model = models.Model(inputs, layers.Dense(2)(inputs))
    model.compile('sgd', centred_loss, metrics=[centred_metric])
    xs = np.random.rand(8, 3).astype('float32')
    ys = np.random.rand(8, 2).astype('float32')
    logs = model.evaluate(xs, ys, batch_size=8, verbose=0)
    pred = model.predict(xs)
    expected = np.mean((1. / (1. + np.exp(-(pred - ys))) - 0.5) ** 2)
    np.testing.assert_allclose(logs[0], expected, rtol=1e-5)
    np.testing.assert_allclose(
        logs[1], np.mean(1. / (1. + np.exp(-pred)) - 0.5), rtol=1e-5,
        atol=1e-6)
    history = model.fit(xs, ys, verbose=0)
    assert np.isfinite(history.history['loss'][0])


class AccumulatingCell(layers.Layer):
    def __init__(self, **kwargs):
        self.units = 2
        self.state_size = 2
        super(AccumulatingCell, self).__init__(**kwargs)

    def call(self, x, states):
        h = states[0]
        h += x          # rebinds: the previous step's output stays
        return h, [h]


@pytest.mark.parametrize('jit', [False, True])
def test_augmented_assignment_in_a_custom_rnn_cell(jit):
    inputs = layers.Input((3, 2))
    model = models.Model(inputs, layers.RNN(AccumulatingCell(),
                                            return_sequences=True)(inputs))
    x = np.ones((1, 3, 2), 'float32')
    expected = np.array([[[1., 1.], [2., 2.], [3., 3.]]], 'float32')
    np.testing.assert_array_equal(model.predict(x), expected)
    if jit:
        model.compile(keras.optimizers.SGD(lr=0.0), 'mse', jit_compile=True)
        with warnings.catch_warnings():
            warnings.simplefilter('error', UserWarning)
            assert model.evaluate(x, expected, verbose=0) == 0.0
        assert model._jit


def test_only_user_classes_run_under_the_guard():
    assert _class_flags(MaskedAttention)['guard']
    assert _class_flags(AddsOne)['user']
    for cls in (layers.Dense, layers.LSTM, layers.Conv2D, layers.Lambda,
                models.Model, models.Sequential):
        flags = _class_flags(cls)
        assert not flags['guard'] and not flags['user'], cls


def test_augmented_assignment_under_jit_compile():
    def build(jit):
        zi, mi = layers.Input((5,)), layers.Input((5,))
        model = models.Model([zi, mi], layers.Dense(
            2, kernel_initializer='ones')(MaskedAttention()([zi, mi])))
        model.compile(keras.optimizers.SGD(lr=0.1), 'mse', jit_compile=jit)
        return model
    data = [np.random.rand(8, 5).astype('float32'),
            (np.random.rand(8, 5) > 0.5).astype('float32')]
    target = np.random.rand(8, 2).astype('float32')
    eager = build(False)
    eager.fit(data, target, batch_size=8, verbose=0)
    compiled = build(True)
    with warnings.catch_warnings():
        warnings.simplefilter('error', UserWarning)
        compiled.fit(data, target, batch_size=8, verbose=0)
    assert compiled._jit    # compiled, not fallen back to eager
    for a, b in zip(eager.get_weights(), compiled.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_augmented_assignment_on_inputs_under_jit_compile():
    def halved(t):
        t /= 2.0
        return t
    inputs = layers.Input((3,))
    h = layers.Activation('linear')(inputs)
    out = layers.Add()([h, AddsOne()(h), layers.Lambda(halved)(h)])
    model = models.Model(inputs, out)
    model.compile(keras.optimizers.SGD(lr=0.0), 'mse', jit_compile=True)
    x = np.ones((4, 3), 'float32')
    with warnings.catch_warnings():
        warnings.simplefilter('error', UserWarning)
        loss = model.evaluate(x, np.full((4, 3), 3.5, 'float32'),
                              batch_size=4, verbose=0)
        model.fit(x, np.full((4, 3), 3.5, 'float32'), batch_size=4,
                  verbose=0)
    assert model._jit
    assert loss == 0.0
    np.testing.assert_array_equal(x, 1.)    # the caller's array


# ------------------------------------- list from compute_output_shape
class ListShapeOneTensor(layers.Layer):
    def call(self, x):
        return x * 2.0

    def compute_output_shape(self, input_shape):
        return [input_shape, (input_shape[0], 7)]


class ListShapeSingleton(layers.Layer):
    def call(self, x):
        return x + 1.0

    def compute_output_shape(self, input_shape):
        return [input_shape]


class TwoOutputs(layers.Layer):
    def call(self, x):
        return [x, K.sum(x, axis=-1, keepdims=True)]

    def compute_output_shape(self, input_shape):
        return [input_shape, (input_shape[0], 1)]


def test_list_of_shapes_fits_what_call_returns():
    inputs = layers.Input((3,))
    h = ListShapeOneTensor()(inputs)
    assert not isinstance(h, list) and K.int_shape(h) == (None, 3)
    h = ListShapeSingleton()(h)
    assert not isinstance(h, list) and K.int_shape(h) == (None, 3)
    model = models.Model(inputs, layers.Dense(2)(h))
    assert model.predict(np.ones((2, 3))).shape == (2, 2)
    both = TwoOutputs()(inputs)
    assert isinstance(both, list) and len(both) == 2
    assert [K.int_shape(t) for t in both] == [(None, 3), (None, 1)]
    model = models.Model(inputs, layers.Concatenate()(both))
    np.testing.assert_array_equal(model.predict(np.ones((2, 3))),
                                  [[1., 1., 1., 3.]] * 2)


# ----------------------------------------------------- count_params
class SharedInside(layers.Layer):
    def __init__(self, **kwargs):
        super(SharedInside, self).__init__(**kwargs)
        self.dense = layers.Dense(3)
        self.again = self.dense
        self.as_list = [self.dense]

    def call(self, x):
        return self.again(self.dense(x))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 3)


def test_count_params_counts_each_weight_once():
    inputs = layers.Input((3,))
    layer = SharedInside(name='shared')
    model = models.Model(inputs, layer(inputs))
    assert len(layer.weights) == 2
    assert layer.count_params() == _dense_count(3, 3)
    lines = []
    model.summary(print_fn=lines.append)
    assert 'Total params: 12' in lines
    assert any(l.startswith('shared (SharedInside)') and
               l.rstrip().endswith('12') for l in lines)
    # A model using the same layer twice.
    dense = layers.Dense(3)
    outer = models.Model(inputs, dense(dense(inputs)))
    assert outer.count_params() == _dense_count(3, 3)


def test_installed_keras_libraries_count_as_user_code():
    # Layers of installed Keras 2 libraries (keras-self-attention's
    # `e -= 10000.0 * mask`) rebind like a script's; torch packages keep
    # torch's in-place meaning.
    import os
    from keras_compat.backend import immutable
    for prefix in immutable._SITE_PREFIXES:
        assert not immutable._is_library_file(
            os.path.join(prefix, 'keras_self_attention', 'layer.py'))
        assert immutable._is_library_file(
            os.path.join(prefix, 'torchvision', 'ops.py'))
    assert immutable._is_library_file(immutable.__file__)
    assert immutable._is_library_file(os.__file__)


def test_add_weight_in_the_keras_2_0_order():
    # Keras 2.0's add_weight(shape, initializer, name=..., ...), as blog
    # attention layers still call it.
    from keras_compat.engine.base_layer import Layer as BaseLayer

    class Scale(BaseLayer):
        def build(self, input_shape):
            self.w = self.add_weight((input_shape[-1],), initializer='ones',
                                     name='{}_W'.format(self.name))
            self.b = self.add_weight((input_shape[-1],), 'zeros', 'bias')
            self.built = True

        def call(self, x):
            y = x * self.w
            y += self.b
            return y

    layer = Scale()
    out = layer(torch.full((2, 3), 2.0))
    np.testing.assert_allclose(out.detach().numpy(), np.full((2, 3), 2.0))
    assert [w.name for w in layer.weights] == [
        '%s/%s_W:0' % (layer.name, layer.name), '%s/bias:0' % layer.name]
    with pytest.raises(TypeError, match="multiple values for argument "
                                        "'name'"):
        layer.add_weight('w2', (3,), name='again')


def test_layer_inputs_are_copied_from_a_list_the_caller_keeps_growing():
    x_in = layers.Input(shape=(None, None))
    x_list, x = [x_in], x_in
    for _ in range(3):
        x_list.append(x)
        x = layers.concatenate(x_list, axis=1)
    model = models.Model(x_in, x)
    out = model.predict(np.ones((1, 1, 1), 'float32'))
    assert out.shape == (1, 8, 1)


def test_model_losses_before_the_first_run_lists_symbolic_losses():
    inputs = layers.Input((3,))
    out = layers.Dense(2, kernel_regularizer='l2')(inputs)
    model = models.Model(inputs, out)
    model.add_loss(K.mean(out))
    model.add_loss(1.)
    losses = model.losses
    assert len(losses) == 3
    model.compile('sgd', 'mse')
    model.fit(np.ones((4, 3), 'float32'), np.zeros((4, 2), 'float32'),
              verbose=0)
    assert all(not getattr(l, '_is_keras_symbolic', False)
               for l in model.losses)


def test_activity_losses_are_listed_per_call_before_the_first_run():
    dense = layers.Dense(2, kernel_regularizer='l1',
                         activity_regularizer='l1')
    a, b = layers.Input((3,)), layers.Input((3,))
    out = layers.Average()([dense(a), dense(b)])
    model = models.Model([a, b], out)
    model.add_loss(K.mean(out))
    # One kernel penalty, one activity penalty per call, the added loss.
    assert len(model.losses) == 4
    model.compile('sgd', 'mse')
    x = np.ones((4, 3), 'float32')
    model.train_on_batch([x, x], np.zeros((4, 2)))
    assert len(model.losses) == 4
    # An eager call: l1(0.01) of the output (Keras 2 does not divide it
    # by the batch size as tf.keras does).
    output = dense(K.constant(x)).detach().numpy()
    assert float(dense.losses[-1]) == pytest.approx(
        0.01 * np.abs(output).sum(), rel=1e-5)


def test_tensorflow_shape_idioms_on_symbolic_and_real_tensors():
    # Keras 2 code written against TensorFlow 1: `x.shape[i].value` on a
    # symbolic input, `x.get_shape().as_list()` and `[i].value` in call.
    inputs = keras.layers.Input(shape=(5, 8))
    assert inputs.shape[2].value == 8 and inputs.shape[0] is None
    assert inputs.get_shape().as_list() == [None, 5, 8]

    class Scores(keras.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(name='w', shape=(input_shape[-1], 1),
                                     initializer='ones')
            super(Scores, self).build(input_shape)

        def call(self, x):
            features = x.get_shape()[-1].value
            steps = x.get_shape().as_list()[1]
            flat = K.reshape(x, (-1, features))
            return K.reshape(K.dot(flat, self.w), (-1, steps))

        def compute_output_shape(self, input_shape):
            return input_shape[:2]
    halves = keras.layers.Lambda(
        lambda t: t[:, :, :t.get_shape().as_list()[-1] // 2])(inputs)
    assert K.int_shape(halves) == (None, 5, 4)
    model = keras.models.Model(inputs, Scores()(halves))
    x = np.arange(80, dtype='float32').reshape(2, 5, 8)
    np.testing.assert_allclose(model.predict(x), x[:, :, :4].sum(axis=-1))


def test_outbound_nodes_can_be_cleared_as_the_keras_2_recipe_does():
    model = models.Sequential([layers.Dense(3, input_dim=4),
                               layers.Dense(2)])
    first = model.layers[0]
    assert len(first.outbound_nodes) == 1
    first.outbound_nodes = []
    assert first.outbound_nodes == [] and first._outbound_nodes == []
    head = layers.Dense(5)(first.output)
    assert models.Model(model.input, head).predict(
        np.ones((2, 4))).shape == (2, 5)


def test_inferred_output_shapes_keep_unknown_dimensions_unknown():
    inputs = layers.Input((None, 3))

    def shape_of(fn):
        return K.int_shape(layers.Lambda(fn)(inputs))
    assert shape_of(lambda z: K.sum(z, axis=-1)) == (None, None)
    assert shape_of(lambda z: K.permute_dimensions(z, (0, 2, 1))) == \
        (None, 3, None)
    assert shape_of(lambda z: K.mean(z, axis=1)) == (None, 3)
    assert shape_of(lambda z: K.concatenate([z, z], axis=1)) == \
        (None, None, 3)


def test_layer_updates_run_in_training_only_as_in_keras_2():
    # keras-contrib style statistics layers update their moving values in
    # call; Keras 2 only built the graph when the layer was added.
    class MeanTracker(layers.Layer):
        def build(self, input_shape):
            self.moving_mean = self.add_weight(
                name='moving_mean', shape=(input_shape[-1],),
                initializer='ones', trainable=False)
            super(MeanTracker, self).build(input_shape)

        def call(self, x, training=None):
            self.add_update([K.moving_average_update(
                self.moving_mean, K.mean(x, axis=0), 0.5)], x)
            return K.in_train_phase(x - K.mean(x, axis=0),
                                    x - self.moving_mean, training=training)
    model = models.Sequential([MeanTracker(input_shape=(1,))])
    assert model.get_weights()[0].tolist() == [1.]
    model.compile('sgd', 'mse')
    x = np.array([[1.], [3.]], 'float32')
    model.fit(x, x, batch_size=2, epochs=1, verbose=0)
    # One step: 1 * 0.5 + mean(1, 3) * 0.5.
    assert model.get_weights()[0].tolist() == [1.5]
    # Keras 2's predict and evaluate ran only stateful layers' updates.
    np.testing.assert_allclose(model.predict(x), x - 1.5)
    model.evaluate(x, x, verbose=0)
    assert model.get_weights()[0].tolist() == [1.5]


def test_layers_may_set_uses_learning_phase():
    class PhaseAware(layers.Layer):
        def __init__(self, **kwargs):
            super(PhaseAware, self).__init__(**kwargs)
            self.uses_learning_phase = True

        def call(self, inputs):
            self.uses_learning_phase = True
            return inputs * 2.

    layer = PhaseAware()
    assert layer.uses_learning_phase
    model = models.Sequential([layer])
    np.testing.assert_allclose(model.predict(np.ones((1, 2))), [[2., 2.]])
    assert not layers.Dense(2).uses_learning_phase


def test_tensorflow_shape_idioms_on_weights_and_call_tensors():
    # SpectralNormalization's `self.kernel.shape.as_list()`.
    seen = {}

    class Shapes(layers.Layer):
        def build(self, input_shape):
            self.kernel = self.add_weight(name='kernel',
                                          shape=(input_shape[-1], 2),
                                          initializer='ones')
            seen['kernel'] = self.kernel.shape.as_list()
            super(Shapes, self).build(input_shape)

        def call(self, x):
            seen['width'] = x.shape[-1].value
            return K.dot(x, self.kernel) * x.shape.as_list()[-1]

    inputs = layers.Input((3,))
    model = models.Model(inputs, Shapes()(inputs))
    np.testing.assert_allclose(model.predict(np.ones((1, 3))), [[9., 9.]])
    assert seen == {'kernel': [3, 2], 'width': 3}
    assert K.variable(np.zeros((2, 4))).shape.as_list() == [2, 4]


def test_update_of_a_variable_the_forward_pass_reads_waits_for_the_step():
    # SpectralNormalization's power iteration: `u` feeds the output and
    # is updated in `call`.
    class PowerIteration(layers.Layer):
        def build(self, input_shape):
            self.u = self.add_weight(name='u', shape=(1, 2),
                                     initializer='ones', trainable=False)
            self.w = self.add_weight(name='w', shape=(2, 2),
                                     initializer='ones')
            super(PowerIteration, self).build(input_shape)

        def call(self, x):
            v = K.dot(self.u, self.w)
            self.add_update(K.update(self.u, v / K.sum(v)))
            return x * K.sum(v)

    inputs = layers.Input((2,))
    layer = PowerIteration()
    model = models.Model(inputs, layer(inputs))
    model.compile(keras.optimizers.SGD(lr=0.01), 'mse')
    model.train_on_batch(np.ones((1, 2)), np.zeros((1, 2)))
    # out = x * sum(u.w) = 4 per unit; d(mse)/dw_ij = 2 * 4 * u_i = 8.
    np.testing.assert_allclose(K.get_value(layer.u), [[0.5, 0.5]])
    np.testing.assert_allclose(K.get_value(layer.w), np.full((2, 2), 0.92),
                               rtol=1e-6)


def test_keras22_private_weight_lists():
    # Keras 2.2 layers own an inner layer's weights with
    # `self._trainable_weights += inner.trainable_weights`, and layer
    # libraries read `self._trainable_weights` in their own property.
    class Wrapper(layers.Layer):
        def build(self, input_shape):
            self.inner = layers.Dense(2, kernel_initializer='ones')
            self.inner.build(input_shape)
            self._trainable_weights += self.inner.trainable_weights
            self.scale = K.variable(np.full((1,), 2.))
            self._trainable_weights = self._trainable_weights + [self.scale]
            super(Wrapper, self).build(input_shape)

        def call(self, x):
            return self.inner(x) * self.scale

        def compute_output_shape(self, input_shape):
            return input_shape[:-1] + (2,)

    inputs = layers.Input((3,))
    wrapper = Wrapper()
    model = models.Model(inputs, wrapper(inputs))
    assert len(wrapper.trainable_weights) == 3
    assert len(wrapper._trainable_weights) == 1
    assert len(model.trainable_weights) == 3
    np.testing.assert_allclose(model.predict(np.ones((1, 3))), [[6., 6.]])
    model.compile(keras.optimizers.SGD(lr=0.1), 'mse')
    model.train_on_batch(np.ones((1, 3)), np.zeros((1, 2)))
    assert K.get_value(wrapper.scale)[0] < 2.


def test_a_weight_read_as_an_attribute_has_its_keras_name():
    # keras-adamw keys its weight decays by `layer.kernel.name`.
    model = models.Sequential([layers.Dense(2, input_shape=(3,),
                                            name='d1')])
    assert model.layers[0].kernel.name == 'd1/kernel:0'
    assert model.layers[0].bias.name == model.layers[0].weights[1].name
    # Keras 2.2's test of whether a training function takes the phase.
    assert model._uses_dynamic_learning_phase() is False


def test_layer_computing_its_mask_without_supports_masking_passes_it_on():
    # keras-pos-embd's PositionEmbedding sets supports_masking False but
    # overrides compute_mask (keras-bert's padding mask goes through it).
    class KeepMask(layers.Layer):
        def call(self, x):
            return x * 2.

        def compute_mask(self, inputs, mask=None):
            return mask

    class ReadMask(layers.Layer):
        def __init__(self, **kwargs):
            super(ReadMask, self).__init__(**kwargs)
            self.supports_masking = True

        def call(self, x, mask=None):
            return x * K.expand_dims(K.cast(mask, 'float32'))

    tokens = layers.Input((4,))
    x = layers.Embedding(5, 2, mask_zero=True,
                         embeddings_initializer='ones')(tokens)
    model = models.Model(tokens, ReadMask()(KeepMask()(x)))
    out = model.predict(np.array([[1, 2, 0, 0]]))
    np.testing.assert_array_equal(out[0, :, 0], [2., 2., 0., 0.])


def test_weights_listed_by_own_properties_are_those_get_weights_gives():
    # keras-multi-head's MultiHead leaves its template layer out of its
    # trainable_weights; get_weights / set_weights follow the properties.
    layer = PropertyFrozenBias(name='q')
    layer.build((None, 3))
    names = [w.name.split('/')[-1] for w in layer.weights]
    assert names == ['kernel:0', 'kernel:0', 'bias:0', 'bias:0']
    values = layer.get_weights()
    assert [v.shape for v in values] == [(3, 2), (2, 2), (2,), (2,)]
    layer.set_weights([v + 1 for v in values])
    np.testing.assert_array_equal(K.get_value(layer.bias), values[2] + 1)


def test_subclass_overriding_call_of_a_built_in_layer_gets_its_call_shape():
    # keras-bert's TokenEmbedding returns [embeddings, embedding matrix]
    # from an Embedding subclass without its own compute_output_shape.
    class TokenEmbedding(layers.Embedding):
        def compute_mask(self, inputs, mask=None):
            return [super(TokenEmbedding, self).compute_mask(inputs, mask),
                    None]

        def call(self, inputs):
            return [super(TokenEmbedding, self).call(inputs),
                    self.embeddings + 0]

    tokens = layers.Input((5,))
    embedded, matrix = TokenEmbedding(10, 4, mask_zero=True)(tokens)
    assert K.int_shape(embedded) == (None, 5, 4)
    model = models.Model(tokens, [embedded, matrix])
    out = model.predict(np.ones((2, 5)))
    assert [o.shape for o in out] == [(2, 5, 4), (10, 4)]


def test_layer_listing_its_own_weights_round_trips_a_file(tmp_path):
    # keras-octave-conv lists its convolutions' weights in another order
    # than it made them: the file is written and read in the listed order.
    model = models.Sequential([PropertyFrozenBias(input_shape=(3,),
                                                  name='p')])
    model.set_weights([np.random.RandomState(i).rand(*w.shape)
                       for i, w in enumerate(model.get_weights())])
    path = str(tmp_path / 'listed.h5')
    model.save(path)
    loaded = models.load_model(
        path, custom_objects={'PropertyFrozenBias': PropertyFrozenBias})
    x = np.random.RandomState(9).rand(2, 3).astype('float32')
    np.testing.assert_allclose(loaded.predict(x), model.predict(x),
                               rtol=1e-6)


class _SevenInTraining(layers.Layer):
    """Reads `training` as tf.keras hands it to a user layer."""

    def call(self, inputs, training=None):
        return inputs * 0 + 7 if training else inputs


def test_user_layers_get_training_from_the_run():
    import keras_compat as keras
    inputs = keras.layers.Input((1,))
    model = keras.models.Model(inputs, _SevenInTraining()(inputs))
    model.compile(keras.optimizers.SGD(0.), 'mse')
    x = np.array([[1.], [2.], [3.], [6.]], 'float32')
    # fit trains on 7s: the loss of 7 against 0 targets.
    assert model.fit(x, 0 * x, verbose=0).history['loss'] == [49.0]
    np.testing.assert_array_equal(model.predict(x), x)
    np.testing.assert_array_equal(model(x, training=True).numpy(),
                                  np.full((4, 1), 7.))
    np.testing.assert_array_equal(model(x).numpy(), x)


def test_a_subclassed_model_gets_training_true_in_fit():
    import keras_compat as keras

    class Normalized(keras.models.Model):
        def __init__(self):
            super(Normalized, self).__init__()
            self.bn = keras.layers.BatchNormalization(momentum=0.5)

        def call(self, x, training=False):
            return self.bn(x, training=training)
    model = Normalized()
    model.compile('sgd', 'mse')
    x = np.array([[1.], [2.], [3.], [6.]], 'float32')
    model.fit(x, x, batch_size=4, verbose=0)
    # One update of the moving mean (momentum 0.5) with the batch mean 3.
    np.testing.assert_allclose(K.get_value(model.bn.moving_mean), [1.5])


def test_a_user_layer_taking_mask_gets_the_inputs_mask():
    import keras_compat as keras
    seen = []

    class Masked(layers.Layer):
        def call(self, inputs, mask=None):
            seen.append(None if mask is None else
                        np.asarray(mask).tolist())
            return inputs
    inputs = keras.layers.Input(shape=(None,), dtype='int32')
    embedded = keras.layers.Embedding(10, 3, mask_zero=True)(inputs)
    model = keras.models.Model(inputs, Masked()(embedded))
    del seen[:]
    model.predict(np.array([[1, 2, 0]]))
    assert seen == [[[True, True, False]]]


def test_get_weights_follows_the_weights_order():
    # Keras 2.3 / tf.keras: a layer's get_weights() is its `weights`, the
    # trainable ones of it and its inner layers first.
    import keras_compat as keras

    class Block(layers.Layer):
        def __init__(self, **kwargs):
            super(Block, self).__init__(**kwargs)
            self.d1 = keras.layers.Dense(2)
            self.bn = keras.layers.BatchNormalization()
            self.d2 = keras.layers.Dense(3)

        def build(self, input_shape):
            self.scale = self.add_weight(name='scale', shape=(1,),
                                         initializer='ones', trainable=False)
            super(Block, self).build(input_shape)

        def call(self, x):
            return self.d2(self.bn(self.d1(x))) * self.scale
    block = Block()
    block(torch.ones(1, 4))
    assert [tuple(w.shape) for w in block.get_weights()] == [
        (4, 2), (2,), (2,), (2,), (2, 3), (3,), (1,), (2,), (2,)]
    values = [np.full(w.shape, i, 'float32')
              for i, w in enumerate(block.get_weights())]
    block.set_weights(values)
    assert float(K.get_value(block.bn.moving_mean)[0]) == 7.0
    assert float(K.get_value(block.scale)[0]) == 6.0


def test_calling_a_layer_on_graph_tensors_updates_no_state():
    import keras_compat as keras

    class Counter(layers.Layer):
        def build(self, input_shape):
            self.count = self.add_weight(name='count', shape=(),
                                         initializer='zeros',
                                         trainable=False)

        def call(self, x):
            self.count.assign_add(1.0)
            return x * 2
    inputs = keras.layers.Input((2,))
    counter = Counter()
    model = keras.models.Model(inputs, keras.layers.Dense(1)(
        counter(inputs)))
    assert float(K.get_value(counter.count)) == 0.0
    model.predict(np.ones((3, 2)))
    # Keras 2.3.1: the assign op the call makes is never run by predict
    # (tf.keras, running the call per batch, gives 1.0).
    assert float(K.get_value(counter.count)) == 0.0
    K.common.set_api_flavour('tf.keras')
    try:
        model.predict(np.ones((3, 2)))
        assert float(K.get_value(counter.count)) == 1.0
    finally:
        K.common.set_api_flavour('keras')


def test_layer_metrics_list_its_metric_objects():
    import keras_compat as keras

    class Endpoint(layers.Layer):
        def __init__(self, **kwargs):
            super(Endpoint, self).__init__(**kwargs)
            self.accuracy_fn = keras.metrics.BinaryAccuracy()

        def call(self, targets, logits):
            self.add_metric(self.accuracy_fn(targets, logits),
                            name='accuracy')
            return logits
    layer = Endpoint()
    layer(torch.ones(2, 2), torch.ones(2, 2))
    assert layer.metrics == [layer.accuracy_fn]
    assert float(layer.metrics[0].result()) == 1.0
    inputs = keras.layers.Input((3,))
    targets = keras.layers.Input((2,))
    logits = keras.layers.Dense(2)(inputs)
    model = keras.models.Model([inputs, targets], Endpoint()(targets, logits))
    model.compile('adam', 'mse')
    history = model.fit([np.ones((2, 3)), np.ones((2, 2))], np.ones((2, 2)),
                        verbose=0)
    # tf.keras logs a metric object's result under the object's name.
    assert 'binary_accuracy' in history.history


def test_dtype_policy_attributes():
    from keras_compat import mixed_precision
    layer = layers.Dense(2)
    assert (layer.compute_dtype, layer.variable_dtype) == \
        ('float32', 'float32')
    assert layers.Embedding(3, 2, dtype='float64').compute_dtype == 'float64'
    mixed_precision.set_global_policy('mixed_float16')
    try:
        assert layers.Dense(2).compute_dtype == 'float16'
        assert layers.Dense(2).variable_dtype == 'float32'
        assert layers.Dense(2).dtype_policy.name == 'mixed_float16'
    finally:
        mixed_precision.set_global_policy('float32')


class PassesTrainingPositionally(layers.Layer):
    """As keras-attention's Attention: `__call__` overridden, forwarding
    `training` by position."""

    def __call__(self, inputs, training=None, **kwargs):
        return super(PassesTrainingPositionally, self).__call__(
            inputs, training, **kwargs)

    def call(self, inputs, training=None):
        return inputs * (2. if training else 3.)


def test_training_forwarded_positionally_by_a_call_override():
    inputs = layers.Input((2,))
    model = models.Model(inputs, PassesTrainingPositionally()(inputs))
    model.compile('sgd', 'mse')
    np.testing.assert_allclose(model.predict(np.ones((1, 2)), verbose=0),
                               [[3., 3.]])
    loss = model.evaluate(np.ones((1, 2)), np.zeros((1, 2)), verbose=0)
    assert loss == pytest.approx(9.)
    history = model.fit(np.ones((1, 2)), np.zeros((1, 2)), verbose=0)
    assert history.history['loss'] == [pytest.approx(4.)]


def test_float64_tensors_are_cast_to_the_layers_type():
    x64 = torch.ones(1, 4, 4, 3, dtype=torch.float64)
    assert layers.Conv2D(2, 3)(x64).dtype == torch.float32

    class Net(models.Model):
        def __init__(self):
            super(Net, self).__init__()
            self.conv = layers.Conv2D(2, 3)

        def call(self, inputs):
            return self.conv(inputs)
    assert Net()(x64).dtype == torch.float32
    assert layers.Dense(2, dtype='float64')(x64).dtype == torch.float64


def test_fully_convolutional_subclassed_model_builds_without_sizes():
    class FullyConvolutional(models.Model):
        def __init__(self):
            super(FullyConvolutional, self).__init__()
            self.first = layers.Conv2D(4, 3)
            self.pool = layers.MaxPooling2D()
            self.second = layers.Conv2D(2, 3)

        def call(self, inputs):
            return self.second(self.pool(self.first(inputs)))
    model = FullyConvolutional()
    model.build((None, None, None, 3))
    assert model.built and model.count_params() == 4 * 27 + 4 + 2 * 36 + 2
    assert model(np.ones((1, 12, 12, 3), 'float32')).shape == (1, 3, 3, 2)


def test_float64_tensors_take_the_model_inputs_type():
    model = models.Sequential([layers.Dense(2, input_shape=(3,))])
    x64 = torch.ones(1, 3, dtype=torch.float64)
    assert model(x64).dtype == torch.float32
    inputs = layers.Input((3,), dtype='float64')
    wide = models.Model(inputs, layers.Dense(2, dtype='float64')(inputs))
    assert wide(torch.ones(1, 3)).dtype == torch.float64


@pytest.mark.parametrize('how', ['deepcopy', 'pickle'])
def test_a_trained_model_copies(how):
    model = models.Sequential([layers.Dense(2, input_shape=(3,)),
                               layers.BatchNormalization()])
    model.compile('adam', 'mse')
    x, y = np.random.RandomState(0).rand(4, 3), np.ones((4, 2))
    model.fit(x, y, verbose=0)
    # (Reading the weights' views and setting them fills the caches that
    # refer back to the layers.)
    model.set_weights(model.get_weights())
    assert model.weights[0].name == 'dense_1/kernel:0'
    duplicate = copy.deepcopy(model) if how == 'deepcopy' else \
        pickle.loads(pickle.dumps(model))
    np.testing.assert_allclose(duplicate.predict(x, verbose=0),
                               model.predict(x, verbose=0), rtol=1e-6)
    assert int(K.get_value(duplicate.optimizer.iterations)) == 1
    before = model.get_weights()[0].copy()
    duplicate.fit(x, np.zeros((4, 2)), epochs=2, verbose=0)
    np.testing.assert_array_equal(model.get_weights()[0], before)
    assert not np.allclose(duplicate.get_weights()[0], before)


def test_weight_ref_is_the_same_for_every_view():
    # tf.Variable.ref(): hashable, equal for the same variable (tfa keeps
    # `decay_var_list` as a set of refs); deref() gives the weight back.
    layer = keras.layers.Dense(2)
    layer.build((None, 3))
    kernel, bias = layer.trainable_weights
    again = layer.trainable_weights[0]
    assert kernel.ref() == again.ref()
    assert kernel.ref() != bias.ref()
    assert len({kernel.ref(), again.experimental_ref(), bias.ref()}) == 2
    assert kernel.ref().deref() is kernel


def test_sublayers_appended_to_a_list_keep_their_assignment_order():
    """tf.keras tracks attributes in the order they are assigned: layers
    appended to a list assigned before `head` come before it in `weights`
    (tf_keras 2.21 gives these shapes, in this order)."""
    class Blocks(keras.layers.Layer):
        def build(self, input_shape):
            self.blocks = []
            for units in (3, 4):
                self.blocks.append(keras.layers.Dense(units))
            self.head = keras.layers.Dense(1)

        def call(self, x):
            for block in self.blocks:
                x = block(x)
            return self.head(x)
    inputs = keras.Input((5,))
    model = keras.Model(inputs, Blocks()(inputs))
    assert [w.shape for w in model.get_weights()] == [
        (5, 3), (3,), (3, 4), (4,), (4, 1), (1,)]


class _TwoDense(models.Model):
    def __init__(self):
        super(_TwoDense, self).__init__(name='two_dense')
        self.hidden = layers.Dense(4, activation='relu')
        self.head = layers.Dense(1)

    def call(self, x):
        return self.head(self.hidden(x))


def test_keras2_subclassed_model_weight_names_by_how_it_was_built():
    # Keras 2.3.1: a subclassed model built by fit runs its call outside
    # its name scope ('dense_2/kernel:0'); called on a graph tensor, it
    # names its layers' weights in its scope ('two_dense/dense_2/...').
    fitted = _TwoDense()
    fitted.compile('sgd', 'mse')
    fitted.fit(np.ones((2, 3)), np.ones((2, 1)), verbose=0)
    assert [w.name for w in fitted.weights] == [
        n for l in (fitted.hidden, fitted.head)
        for n in (l.name + '/kernel:0', l.name + '/bias:0')]
    called = _TwoDense()
    called(layers.Input((3,)))
    assert [w.name for w in called.weights] == [
        'two_dense/' + n for l in (called.hidden, called.head)
        for n in (l.name + '/kernel:0', l.name + '/bias:0')]
