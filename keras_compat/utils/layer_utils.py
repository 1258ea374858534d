"""Model summaries and parameter counting, as `keras.utils.layer_utils`."""
import numpy as np

from .conv_utils import convert_kernel  # noqa: F401


def _weight_key(weight):
    """What identifies a weight: the layer's parameter behind a Keras
    view (several views of one shared parameter are one weight)."""
    source = getattr(weight, '__dict__', {}).get('_keras_source')
    if source is not None:
        layer, record = source[0](), source[1]
        if layer is not None:
            return (id(getattr(layer, record.attr)),
                    None if record.to_keras is None else id(record))
    return id(weight)


def count_params(weights):
    """Total number of scalars in a list of weights, each weight once (as
    Keras counts a shared weight)."""
    seen = set()
    total = 0
    for w in weights:
        key = _weight_key(w)
        if key not in seen:
            seen.add(key)
            total += int(np.prod(tuple(w.shape)))
    return total


def _is_sequential_like(model):
    if model.__class__.__name__ == 'Sequential' or \
            not getattr(model, '_is_graph_network', False):
        return True
    nodes = []
    for v in model._nodes_by_depth.values():
        if len(v) > 1 or (len(v) == 1 and len(v[0].inbound_layers) > 1):
            return False
        nodes += v
    for layer in model.layers:
        seen = False
        for node in layer._inbound_nodes:
            if node in nodes:
                if seen:
                    return False
                seen = True
    return True


def print_summary(model, line_length=None, positions=None, print_fn=None):
    """Prints the Keras 2 model table: layer (type), output shape, param #
    (and connections for non-sequential graphs), then total, trainable and
    non-trainable parameter counts."""
    if print_fn is None:
        print_fn = print
    sequential_like = _is_sequential_like(model)
    relevant_nodes = []
    if sequential_like:
        line_length = line_length or 65
        positions = positions or [.45, .85, 1.]
        to_display = ['Layer (type)', 'Output Shape', 'Param #']
    else:
        line_length = line_length or 98
        positions = positions or [.33, .55, .67, 1.]
        to_display = ['Layer (type)', 'Output Shape', 'Param #',
                      'Connected to']
        for v in model._nodes_by_depth.values():
            relevant_nodes += v
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]

    def print_row(fields):
        line = ''
        for i, field in enumerate(fields):
            if i > 0:
                line = line[:-1] + ' '
            line += str(field)
            line = line[:positions[i]]
            line += ' ' * (positions[i] - len(line))
        print_fn(line)

    def output_shape_of(layer):
        try:
            return layer.output_shape
        except (AttributeError, RuntimeError):
            return 'multiple'

    print_fn('Model: "{}"'.format(model.name))
    print_fn('_' * line_length)
    print_row(to_display)
    print_fn('=' * line_length)
    layers = model.layers
    for i, layer in enumerate(layers):
        fields = [layer.name + ' (' + layer.__class__.__name__ + ')',
                  output_shape_of(layer), layer.count_params()]
        if sequential_like:
            print_row(fields)
        else:
            connections = []
            for node in layer._inbound_nodes:
                if relevant_nodes and node not in relevant_nodes:
                    continue
                for inbound, node_index, tensor_index in zip(
                        node.inbound_layers, node.node_indices,
                        node.tensor_indices):
                    connections.append('%s[%d][%d]' % (
                        inbound.name, node_index, tensor_index))
            print_row(fields + [connections[0] if connections else ''])
            for connection in connections[1:]:
                print_row(['', '', '', connection])
        print_fn(('=' if i == len(layers) - 1 else '_') * line_length)
    check = getattr(model, '_check_trainable_weights_consistency', None)
    if check is not None:
        check()
    trained = model.__dict__.get('_trainable_params') \
        if model.__dict__.get('_collected_trainable') is not None else None
    if trained is not None:
        # As Keras 2: the weights that train since compile().
        trainable_count = int(sum(p.numel() for p in trained))
    else:
        trainable_count = count_params(model.trainable_weights)
    non_trainable_count = count_params(model.non_trainable_weights)
    print_fn('Total params: {:,}'.format(trainable_count +
                                         non_trainable_count))
    print_fn('Trainable params: {:,}'.format(trainable_count))
    print_fn('Non-trainable params: {:,}'.format(non_trainable_count))
    print_fn('_' * line_length)


def convert_all_kernels_in_model(model):
    """Flips the spatial axes of every convolution kernel of the model:
    weights trained with Theano (convolution) become correct for
    TensorFlow and torch (correlation), and back."""
    for layer in model.layers:
        if type(layer).__name__ in ('Conv1D', 'Conv2D', 'Conv3D',
                                    'Conv2DTranspose'):
            weights = layer.get_weights()
            weights[0] = convert_kernel(weights[0])
            layer.set_weights(weights)


def convert_dense_weights_data_format(dense, previous_feature_map_shape,
                                      target_data_format='channels_first'):
    """Reorders the input rows of a Dense kernel that follows a Flatten of
    a conv feature map of `previous_feature_map_shape`, when the model
    moves to `target_data_format`."""
    assert target_data_format in {'channels_last', 'channels_first'}
    kernel, bias = dense.get_weights()
    for i in range(kernel.shape[1]):
        if target_data_format == 'channels_first':
            c, h, w = previous_feature_map_shape
            column = kernel[:, i].reshape((h, w, c))
            column = np.transpose(column, (2, 0, 1))
        else:
            h, w, c = previous_feature_map_shape
            column = kernel[:, i].reshape((c, h, w))
            column = np.transpose(column, (1, 2, 0))
        kernel[:, i] = np.reshape(column, (np.prod(
            previous_feature_map_shape),))
    dense.set_weights([kernel, bias])


def get_source_inputs(tensor, layer=None, node_index=None):
    from ..engine.network import get_source_inputs as _get
    return _get(tensor, layer, node_index)
