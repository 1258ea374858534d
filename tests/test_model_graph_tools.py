"""Idioms of tools that walk or rewrite a model's layer graph through
Keras 2 engine internals: channel pruning that rebuilds the graph node by
node (kerassurgeon's Surgeon), activation and gradient inspectors feeding
`model._standardize_user_data` to `K.function` (keract), layer-walking
FLOPs and memory counters (model_profiler), and `model_to_dot`. Expected
values are real Keras 2.3.1's (TensorFlow backend) or tf_keras 2.21's,
obtained by running the same code there."""
import sys
import types

import numpy as np
import pytest

import keras_compat as keras
from keras_compat import backend as K
from keras_compat.engine.topology import get_source_inputs
from keras_compat.layers import (Activation, Add, Bidirectional,
                                 Concatenate, Conv2D, Dense, Flatten, Input,
                                 LSTM, TimeDistributed)
from keras_compat.models import Model, Sequential
from keras_compat.utils import vis_utils


def _pruning_model():
    inp = Input((4, 4, 2), name='inp')
    c = Conv2D(3, 2, name='c1')(inp)
    a = Activation('relu', name='a1')(c)
    f = Flatten(name='f')(a)
    model = Model(inp, Dense(2, name='d')(f))
    rs = np.random.RandomState(0)
    model.set_weights([rs.uniform(-1, 1, w.shape).astype('float32')
                       for w in model.get_weights()])
    return model


def _delete_channels(model, layer, channels):
    """kerassurgeon's rebuild: recurse from the output nodes through
    `inbound_layers`/`node_indices`, replace the layer by one made from its
    config with fewer filters and `weights`, and carry the channel mask to
    the Dense layer downstream."""
    finished = {}

    def rebuild(node):
        if id(node) in finished:
            return finished[id(node)]
        out = node.output_tensors[0]
        if any(out is x for x in model.inputs):
            return out, None
        parents = [l._inbound_nodes[i] for l, i in
                   zip(node.inbound_layers, node.node_indices)]
        (x, mask), = [rebuild(p) for p in parents]
        old = node.outbound_layer
        config, weights = old.get_config(), old.get_weights()
        if old is layer:
            config['filters'] -= len(channels)
            config['weights'] = [np.delete(w, channels, axis=-1)
                                 for w in weights]
            new = type(old).from_config(config)
            mask = np.ones(old.get_output_shape_at(0)[1:], bool)
            mask[..., channels] = False
        elif mask is not None and type(old).__name__ == 'Flatten':
            new, mask = old, mask.reshape(-1)
        elif mask is not None and type(old).__name__ == 'Dense':
            config['weights'] = [weights[0][np.where(mask)[0], :],
                                 weights[1]]
            new, mask = type(old).from_config(config), None
        else:
            new = old
        finished[id(node)] = (new(x), mask)
        return finished[id(node)]

    outputs = []
    for output in model.outputs:
        source, node_index, _ = output._keras_history
        outputs.append(rebuild(source._inbound_nodes[node_index])[0])
    return Model(model.inputs, outputs)


def test_channel_deletion_rebuilds_graph_with_trimmed_weights():
    model = _pruning_model()
    x = np.random.RandomState(1).rand(2, 4, 4, 2).astype('float32')
    pruned = _delete_channels(model, model.get_layer('c1'), [1])
    assert [l.name for l in pruned.layers] == ['inp', 'c1', 'a1', 'f', 'd']
    assert pruned.get_layer('c1').get_config()['filters'] == 2
    assert [w.shape for w in pruned.get_weights()] == \
        [(2, 2, 2, 2), (2,), (18, 2), (2,)]
    # (Keras 2.3.1)
    np.testing.assert_allclose(model.predict(x), [[-4.58703, -0.16983],
                                                  [-5.33895, -0.3859]],
                               atol=1e-5)
    np.testing.assert_allclose(pruned.predict(x), [[-1.71319, 0.01524],
                                                   [-2.21334, 0.2287]],
                               atol=1e-5)
    assert [t._keras_history[0].name for t in
            get_source_inputs(pruned.outputs[0])] == ['inp']
    # The old layers now also feed the rebuilt graph.
    shared = model.get_layer('a1')
    assert (len(shared._inbound_nodes), len(shared._outbound_nodes)) == \
        (2, 2)


def _walk_model():
    a = Input((3,), name='a')
    b = Input((3,), name='b')
    shared = Dense(4, name='shared')
    ha, hb = shared(a), shared(b)
    s = Add(name='add')([ha, hb])
    sub_in = Input((4,), name='sub_in')
    sub = Model(sub_in, [Dense(2, name='sd1')(sub_in),
                         Dense(1, name='sd2')(sub_in)], name='sub')
    o1, o2 = sub(s)
    cat = Concatenate(name='cat')([o1, o2, hb])
    return Model([a, b], [Dense(1, name='out')(cat), o2], name='m')


def test_node_walk_of_shared_layers_and_nested_model():
    model = _walk_model()
    nodes = {l.name: [(sorted(x.name for x in n.inbound_layers),
                       n.node_indices, n.tensor_indices)
                      for n in l._inbound_nodes] for l in model.layers}
    # (Keras 2.3.1)
    assert nodes['shared'] == [(['a'], [0], [0]), (['b'], [0], [0])]
    assert nodes['add'] == [(['shared', 'shared'], [0, 1], [0, 0])]
    assert nodes['sub'] == [([], [], []), (['add'], [0], [0])]
    assert nodes['cat'] == [(['shared', 'sub', 'sub'], [1, 1, 1],
                             [0, 1, 0])]
    cat_node = model.get_layer('cat')._inbound_nodes[0]
    assert cat_node.input_shapes == [(None, 2), (None, 1), (None, 4)]
    assert cat_node.output_shapes == [(None, 7)]
    assert {d: sorted(n.outbound_layer.name for n in ns)
            for d, ns in model._nodes_by_depth.items()} == \
        {0: ['out'], 1: ['cat'], 2: ['sub'], 3: ['add'],
         4: ['shared', 'shared'], 5: ['a', 'b']}
    assert [(t._keras_history[0].name,) + tuple(t._keras_history[1:])
            for t in model.outputs] == [('out', 0, 0), ('sub', 1, 1)]
    assert len(model._network_nodes) == 8
    assert model.get_layer('shared').get_input_shape_at(1) == (None, 3)


def test_layers_by_depth():
    model = _walk_model()
    # (Keras 2.2.4 and 2.3.1)
    assert {d: [l.name for l in ls]
            for d, ls in model._layers_by_depth.items()} == \
        {0: ['out'], 1: ['cat'], 2: ['sub'], 3: ['add'], 4: ['shared'],
         5: ['a', 'b']}
    # The recipe `Model(base.inputs, base._layers_by_depth[k][0].output)`.
    cut = Model(model.inputs, model._layers_by_depth[3][0].output)
    assert cut.output_shape == (None, 4)


def _inspected_model():
    model = Sequential([Dense(2, activation='softmax', input_shape=(3,),
                              name='d2')])
    model.set_weights([np.array([[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]],
                                'float32'),
                       np.array([0.1, -0.1], 'float32')])
    model.compile(optimizer=keras.optimizers.SGD(0.1),
                  loss='categorical_crossentropy')
    return model


X3 = np.array([[1, 2, 3], [0.5, -1, 2], [0, 1, 0]], 'float32')
Y3 = np.eye(2, dtype='float32')[[0, 1, 1]]


def test_gradients_fed_standardized_inputs_targets_and_weights():
    model = _inspected_model()
    feeds = model._feed_inputs + model._feed_targets + \
        model._feed_sample_weights
    grads = model.optimizer.get_gradients(model.total_loss,
                                          model.trainable_weights)
    fn = K.function(feeds, [model.total_loss] + grads)
    loss, kernel, bias = fn(model._standardize_user_data(X3, Y3))
    # (Keras 2.3.1)
    np.testing.assert_allclose(loss, 1.31774, atol=1e-5)
    np.testing.assert_allclose(kernel, [[-0.29285, 0.29285],
                                        [-0.50941, 0.50941],
                                        [-0.85388, 0.85388]], atol=1e-5)
    np.testing.assert_allclose(bias, [-0.09318, 0.09318], atol=1e-5)


def test_activations_fed_standardized_inputs_without_targets():
    model = _inspected_model()
    feeds = model._feed_inputs + model._feed_targets + \
        model._feed_sample_weights
    fn = K.function(feeds, [model.layers[0].output])
    out, = fn(model._standardize_user_data(X3))
    assert out.shape == (3, 2)
    np.testing.assert_allclose(out.sum(axis=1), np.ones(3), atol=1e-6)


def test_layer_walking_flops_and_memory_count():
    """model_profiler's counts from `output_shape`, `input_shape`,
    `get_config()` and `count_params` of each layer."""
    inp = Input((8, 8, 3))
    x = Conv2D(4, 3, name='conv1')(inp)
    x = keras.layers.BatchNormalization(name='bn')(x)
    x = Conv2D(6, 3, strides=2, padding='same', name='conv2')(x)
    x = keras.layers.GlobalAveragePooling2D(name='gap')(x)
    x = Dense(5, name='dense1')(x)
    model = Model(inp, Dense(2, name='fc_out')(x))
    flops = memory = 0
    for layer in model.layers:
        config, out, in_ = layer.get_config(), layer.output_shape, \
            layer.input_shape
        if 'dense' in config['name'] or 'fc' in config['name']:
            flops += out[1] * in_[1] * 2 + out[1] * config['use_bias']
        elif 'conv' in config['name']:
            flops += (config['kernel_size'][0] * config['kernel_size'][1] *
                      in_[3] * out[3] * out[1] * out[2] * 2 + out[3])
        out = out[0] if isinstance(out, list) else out
        memory += 4 * int(np.prod([s for s in out if s is not None]))
    memory = 3 * memory + sum(K.count_params(p) for p in model.weights)
    # (tf_keras 2.21 running model_profiler 1.1.8)
    assert (flops, memory, model.count_params()) == (11761, 6961, 397)


class _FakeDot(object):
    """The pydot calls model_to_dot makes, recorded."""

    def __init__(self, *args, **kwargs):
        self.attrs, self.nodes, self.edges = {}, [], []

    def set(self, key, value):
        self.attrs[key] = value

    def set_node_defaults(self, **kwargs):
        pass

    def add_node(self, node):
        self.nodes.append(node)

    def add_edge(self, edge):
        self.edges.append(edge)


def _fake_pydot():
    module = types.ModuleType('pydot')
    module.Dot = _FakeDot
    module.Node = lambda name, label=None: (name, label)
    module.Edge = lambda src, dst: (src, dst)
    return module


@pytest.fixture
def pydot_on_path(monkeypatch):
    """pydot installed after keras was imported."""
    monkeypatch.setitem(sys.modules, 'pydot', _fake_pydot())
    monkeypatch.setattr(vis_utils, 'pydot', None)


def _graph(model, **kwargs):
    dot = vis_utils.model_to_dot(model, **kwargs)
    ids = {str(id(l)): l.name for l in model._layers}
    return (sorted(label for name, label in dot.nodes if name in ids),
            sorted((ids[s], ids[d]) for s, d in dot.edges))


def test_model_to_dot_wrapper_labels(pydot_on_path):
    bi = Sequential([Bidirectional(LSTM(2, name='lstm_a'),
                                   input_shape=(4, 3), name='bi'),
                     Dense(1, name='o')])
    td = Sequential([TimeDistributed(Dense(2, name='dense_a'),
                                     input_shape=(4, 3), name='td')])
    # (Keras 2.3.1)
    assert _graph(bi, show_shapes=True) == (
        ['bi(lstm_a): Bidirectional(LSTM)\n|{input:|output:}|'
         '{{(None, 4, 3)}|{(None, 4)}}',
         'bi_input: InputLayer\n|{input:|output:}|'
         '{{(None, 4, 3)}|{(None, 4, 3)}}',
         'o: Dense\n|{input:|output:}|{{(None, 4)}|{(None, 1)}}'],
        [('bi', 'o'), ('bi_input', 'bi')])
    assert _graph(td)[0] == ['td(dense_a): TimeDistributed(Dense)',
                             'td_input: InputLayer']


def test_model_to_dot_edges_of_the_model_only(pydot_on_path):
    a = Input((3,), name='a')
    p = Dense(3, name='p')
    model = Model(a, Dense(1, name='q')(p(a)))
    p(p(a))  # a call of `p` on itself outside the model
    # (Keras 2.3.1)
    assert _graph(model) == (['a: InputLayer', 'p: Dense', 'q: Dense'],
                             [('a', 'p'), ('p', 'q')])
