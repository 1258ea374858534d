"""Model files in the layout of each Keras 2 era, written without the
writer installed, and their outputs computed independently in numpy.

`tests/data/eras/<era>.json` holds what that writer puts in a file: the
root attributes (`keras_version`, `backend`, the `model_config` and
`training_config` JSON exactly as it writes them), the `layer_names` of
the `model_weights` group, each layer's `weight_names` with their shapes,
and the names and shapes of the `optimizer_weights`. `write_h5` fills in
seeded random values and writes the file as that writer does; `predict`
runs the model config on those values in numpy."""
import json
import math
import os

import h5py
import numpy as np

ERAS = os.path.join(os.path.dirname(__file__), 'data', 'eras')


def _is_model_fixture(name):
    with open(os.path.join(ERAS, name)) as f:
        return name.endswith('.json') and 'model_config' in json.load(f)


ERA_NAMES = sorted(name[:-5] for name in os.listdir(ERAS)
                   if _is_model_fixture(name))


def halve(x):
    """The named function of the tf.keras 2.13 fixture's Lambda layer
    (saved with module 'era_fixtures')."""
    return x * 0.5


def load(name):
    with open(os.path.join(ERAS, name + '.json')) as f:
        return json.load(f)


# ------------------------------------------------------------- writing
_POSITIVE_SLOTS = ('v', 'vhat', 'rms', 'accumulator', 'velocity', 'u',
                   'accum_grad', 'accum_var', 'accumulated_grad',
                   'accumulated_delta_var', 'delta_accumulator')


def _slot_kind(name):
    base = name.split(':')[0]
    parts = base.split('/')
    for part in (parts[1] if len(parts) > 2 else None, parts[-1]):
        if part is None:
            continue
        stem = part.rsplit('_', 1)[0] if part[-1:].isdigit() else part
        if stem in _POSITIVE_SLOTS:
            return 'positive'
    return 'signed'


def weight_values(fixture, seed=0):
    """{layer name: [arrays]} in `weight_names` order."""
    rng = np.random.RandomState(seed)
    values = {}
    for layer in fixture['layer_names']:
        arrays = []
        for name, shape in fixture['weights'].get(layer, []):
            if 'moving_variance' in name:
                value = rng.uniform(0.5, 1.5, shape)
            elif 'gamma' in name:
                value = rng.uniform(0.5, 1.5, shape)
            else:
                value = rng.normal(0, 0.5, shape)
            arrays.append(value.astype('float32'))
        values[layer] = arrays
    return values


def optimizer_values(fixture, iterations=3, seed=1):
    """[(name, array)] for the fixture's optimizer_weights."""
    rng = np.random.RandomState(seed)
    result = []
    for name, shape in fixture.get('optimizer_weights') or []:
        base = name.split(':')[0].split('/')[-1]
        if base in ('iterations', 'iter', 'iteration'):
            value = np.asarray(iterations, dtype='int64')
        elif base == 'm_schedule':
            config = fixture['training_config']['optimizer_config']['config']
            f32 = np.float32
            t = np.arange(1, iterations + 1, dtype='float32')
            caches = f32(config['beta_1']) * (f32(1) - f32(0.5) * f32(
                0.96) ** (t * f32(config['schedule_decay'])))
            value = np.asarray(np.prod(caches, dtype='float32'), 'float32')
        elif _slot_kind(name) == 'positive':
            value = rng.uniform(0.5, 1.5, shape).astype('float32')
        else:
            value = (rng.normal(0, 0.1, shape)).astype('float32')
        result.append((name, value))
    return result


def _attr_strings(values):
    return np.array([v.encode('utf8') for v in values]) if values else \
        np.array([], dtype='float64')


def write_h5(fixture, path, weights, optimizer=None):
    """The file as the fixture's writer lays it out."""
    tf_keras = fixture.get('top_level_model_weights', False)
    version = fixture['keras_version']
    with h5py.File(path, 'w') as f:
        if tf_keras:
            f.attrs['keras_version'] = version
            f.attrs['backend'] = fixture['backend']
        else:
            f.attrs['keras_version'] = version.encode('utf8')
            f.attrs['backend'] = fixture['backend'].encode('utf8')
        f.attrs['model_config'] = json.dumps(
            fixture['model_config']).encode('utf8')
        if fixture.get('training_config') is not None:
            f.attrs['training_config'] = json.dumps(
                fixture['training_config']).encode('utf8')
        group = f.create_group('model_weights')
        group.attrs['layer_names'] = _attr_strings(fixture['layer_names'])
        group.attrs['backend'] = fixture['backend'].encode('utf8')
        group.attrs['keras_version'] = version.encode('utf8')
        layers = sorted(fixture['layer_names']) if tf_keras else \
            fixture['layer_names']
        for layer in layers:
            g = group.create_group(layer)
            names = [n for n, _ in fixture['weights'].get(layer, [])]
            g.attrs['weight_names'] = _attr_strings(names)
            for name, value in zip(names, weights[layer]):
                g.create_dataset(name, data=value)
        if tf_keras:
            top = group.create_group('top_level_model_weights')
            top.attrs['weight_names'] = _attr_strings([])
        if optimizer:
            og = f.create_group('optimizer_weights')
            og.attrs['weight_names'] = _attr_strings([n for n, _ in
                                                      optimizer])
            for name, value in optimizer:
                og.create_dataset(name, data=value)


def inputs_for(fixture, batch=3, seed=2):
    rng = np.random.RandomState(seed)
    arrays = []
    for spec in fixture['inputs']:
        shape = (batch,) + tuple(spec['shape'])
        if spec['dtype'].startswith('int'):
            arrays.append(rng.randint(0, spec['max'], shape).astype(
                spec['dtype']))
        else:
            arrays.append(rng.uniform(-1, 1, shape).astype(spec['dtype']))
    return arrays


# ---------------------------------------------------------- numpy model
def _sigmoid(x):
    return 1. / (1. + np.exp(-x))


def _erf(x):
    return np.vectorize(math.erf)(x)


ACTIVATIONS = {
    'linear': lambda x: x,
    'relu': lambda x: np.maximum(x, 0),
    'tanh': np.tanh,
    'sigmoid': _sigmoid,
    'hard_sigmoid': lambda x: np.clip(0.2 * x + 0.5, 0, 1),
    'swish': lambda x: x * _sigmoid(x),
    'gelu': lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2.))),
    'softmax': lambda x: np.exp(x - x.max(-1, keepdims=True)) / np.exp(
        x - x.max(-1, keepdims=True)).sum(-1, keepdims=True),
}


def _same_padding(size, kernel, stride):
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def conv2d(x, kernel, strides=(1, 1), padding='valid', groups=1):
    """TensorFlow's conv2d (channels last), in numpy."""
    kh, kw, cin, cout = kernel.shape
    if padding == 'same':
        ph = _same_padding(x.shape[1], kh, strides[0])
        pw = _same_padding(x.shape[2], kw, strides[1])
        x = np.pad(x, ((0, 0), ph, pw, (0, 0)))
    oh = (x.shape[1] - kh) // strides[0] + 1
    ow = (x.shape[2] - kw) // strides[1] + 1
    out = np.zeros((x.shape[0], oh, ow, cout))
    per_group = cout // groups
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * strides[0]:i * strides[0] + kh,
                      j * strides[1]:j * strides[1] + kw, :]
            for g in range(groups):
                out[:, i, j, g * per_group:(g + 1) * per_group] = np.einsum(
                    'bhwc,hwco->bo', patch[..., g * cin:(g + 1) * cin],
                    kernel[..., g * per_group:(g + 1) * per_group])
    return out


def depthwise_conv2d(x, kernel, strides=(1, 1), padding='valid'):
    kh, kw, cin, mult = kernel.shape
    full = np.zeros((kh, kw, cin, cin * mult))
    for c in range(cin):
        full[:, :, c, c * mult:(c + 1) * mult] = kernel[:, :, c, :]
    return conv2d(x, full, strides, padding)


def max_pool2d(x, pool, strides):
    oh = (x.shape[1] - pool[0]) // strides[0] + 1
    ow = (x.shape[2] - pool[1]) // strides[1] + 1
    out = np.zeros((x.shape[0], oh, ow, x.shape[3]))
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = x[:, i * strides[0]:i * strides[0] + pool[0],
                             j * strides[1]:j * strides[1] + pool[1]].max(
                                 axis=(1, 2))
    return out


def lstm(x, kernel, recurrent, bias, units, activation, recurrent_activation):
    act = ACTIVATIONS[activation]
    ract = ACTIVATIONS[recurrent_activation]
    h = np.zeros((x.shape[0], units))
    c = np.zeros((x.shape[0], units))
    for t in range(x.shape[1]):
        z = x[:, t] @ kernel + h @ recurrent + bias
        i, f, g, o = np.split(z, 4, axis=-1)
        c = ract(f) * c + ract(i) * act(g)
        h = ract(o) * act(c)
    return h


def _op(symbol, first, kwargs):
    kwargs = {k: v for k, v in kwargs.items() if k != 'name'}
    if symbol == 'math.multiply':
        return first * kwargs['y']
    if symbol in ('__operators__.add', 'math.add'):
        return first + kwargs['y']
    if symbol == 'math.subtract':
        return first - kwargs['y']
    if symbol == 'nn.relu':
        return np.maximum(first, 0)
    if symbol == 'concat':
        return np.concatenate(first, axis=kwargs['axis'])
    if symbol == '__operators__.getitem':
        spec = kwargs['slice_spec']
        spec = spec if isinstance(spec, list) else [spec]
        return first[tuple(slice(s['start'], s['stop'], s['step'])
                           if isinstance(s, dict) else s for s in spec)]
    raise NotImplementedError(symbol)


def _unwrap(obj):
    return obj if not isinstance(obj, dict) else {
        k: v for k, v in obj.items() if k not in ('module', 'registered_name',
                                                    'build_config')}


def apply_layer(entry, inputs, weights, call_kwargs=None):
    """One layer of a config entry on numpy inputs (a list when the layer
    takes several)."""
    entry = _unwrap(entry)
    cls, config = entry['class_name'], entry['config']
    w = weights.get(config.get('name'), [])
    x = inputs
    if cls == 'Dense':
        out = x @ w[0] + (w[1] if config['use_bias'] else 0)
        return ACTIVATIONS[config['activation']](out)
    if cls == 'Conv2D':
        out = conv2d(x, w[0], config['strides'], config['padding'],
                     config.get('groups', 1))
        if config['use_bias']:
            out = out + w[1]
        return ACTIVATIONS[config['activation']](out)
    if cls == 'DepthwiseConv2D':
        out = depthwise_conv2d(x, w[0], config['strides'], config['padding'])
        if config['use_bias']:
            out = out + w[1]
        return ACTIVATIONS[config['activation']](out)
    if cls == 'BatchNormalization':
        gamma, beta, mean, variance = w
        return gamma * (x - mean) / np.sqrt(variance + config['epsilon']) + \
            beta
    if cls == 'LayerNormalization':
        gamma, beta = w
        mean = x.mean(-1, keepdims=True)
        variance = x.var(-1, keepdims=True)
        return gamma * (x - mean) / np.sqrt(variance + config['epsilon']) + \
            beta
    if cls == 'ReLU':
        out = np.where(x >= config.get('threshold', 0.), x,
                       config.get('negative_slope', 0.) *
                       (x - config.get('threshold', 0.)))
        if config.get('max_value') is not None:
            out = np.minimum(out, config['max_value'])
        return out
    if cls == 'Activation':
        return ACTIVATIONS[config['activation']](x)
    if cls == 'MaxPooling2D':
        return max_pool2d(x, config['pool_size'], config['strides'])
    if cls in ('GlobalAveragePooling2D', 'GlobalMaxPooling2D',
               'GlobalAveragePooling1D'):
        axes = (1, 2) if cls.endswith('2D') else (1,)
        reduce = np.max if 'Max' in cls else np.mean
        return reduce(x, axis=axes, keepdims=config.get('keepdims', False))
    if cls == 'Flatten':
        return x.reshape(x.shape[0], -1)
    if cls == 'Reshape':
        return x.reshape((x.shape[0],) + tuple(config['target_shape']))
    if cls == 'Dropout':
        return x
    if cls == 'Add':
        return sum(x[1:], x[0])
    if cls == 'Concatenate':
        return np.concatenate(x, axis=config['axis'])
    if cls == 'Embedding':
        return w[0][x.astype('int64')]
    if cls == 'LSTM':
        return lstm(x, w[0], w[1], w[2], config['units'],
                    config['activation'], config['recurrent_activation'])
    if cls == 'Lambda':
        assert config['function'] == 'halve'
        return halve(x)
    if cls in ('TFOpLambda', 'SlicingOpLambda'):
        return _op(config['function'], x, call_kwargs or {})
    raise NotImplementedError(cls)


def _is_entry(value):
    return isinstance(value, list) and len(value) in (3, 4) and \
        isinstance(value[0], str) and isinstance(value[1], int)


def predict(fixture, weights, inputs):
    """The model's output for `inputs` (a list of arrays), in float64."""
    inputs = [np.asarray(x, dtype='float64') for x in inputs]
    config = _unwrap(fixture['model_config'])
    body = config['config']
    if config['class_name'] == 'Sequential':
        entries = body if isinstance(body, list) else body['layers']
        x = inputs[0]
        for entry in entries:
            if entry['class_name'] != 'InputLayer':
                x = apply_layer(entry, x, weights)
        return x
    outputs = {}
    input_names = [e[0] for e in body['input_layers']]
    for name, value in zip(input_names, inputs):
        outputs[name] = value

    def tensor(ref):
        return outputs[ref[0]]

    def resolve(value):
        if isinstance(value, list) and len(value) == 3 and \
                isinstance(value[0], str) and value[0] in outputs:
            return tensor(value)
        return value

    for entry in body['layers']:
        entry = _unwrap(entry)
        if entry['class_name'] == 'InputLayer':
            continue
        node = entry['inbound_nodes'][0]
        if _is_entry(node):
            node_entries, single = [node], True
        else:
            node_entries, single = node, False
        values = []
        kwargs = {}
        for item in node_entries:
            if len(item) == 4:
                kwargs = {k: resolve(v) for k, v in item[3].items()}
            values.append(item[2] if item[0] == '_CONSTANT_VALUE'
                          else tensor(item))
        x = values[0] if single or len(values) == 1 and \
            entry['class_name'] not in ('TFOpLambda',) else values
        if entry['class_name'] == 'TFOpLambda' and not single:
            x = values
        outputs[entry['name']] = apply_layer(entry, x, weights, kwargs)
    result = [outputs[e[0]] for e in body['output_layers']]
    return result[0] if len(result) == 1 else result


def keras_order(fixture, weights):
    """The model's weights as `model.set_weights` takes them: layer by
    layer in `layer_names` order."""
    return [v for layer in fixture['layer_names'] for v in weights[layer]]
