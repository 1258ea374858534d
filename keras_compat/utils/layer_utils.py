"""Model summaries and parameter counting, as `keras.utils.layer_utils`."""
import re

import numpy as np

from ..backend import common
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


def _inbound_history(node):
    """(layer, node index, tensor index) of each tensor a node was called
    on; for tf.keras also of the graph tensors among the call's other
    arguments (`EndpointLayer()(targets, logits)`), as its node's
    `iterate_inbound` lists them."""
    entries = list(zip(node.inbound_layers, node.node_indices,
                       node.tensor_indices))
    if common.is_tf_keras():
        from ..engine.network import _argument_tensors
        entries += [x._keras_history for x in
                    _argument_tensors(getattr(node, 'arguments', None))
                    if getattr(x, '_keras_history', None)]
    return entries


def _is_sequential_like(model):
    if model.__class__.__name__ == 'Sequential' or \
            not getattr(model, '_is_graph_network', False):
        return True
    nodes = []
    # Nodes of layers the model does not list (the operations of a Keras
    # 2 `add_loss` tensor) do not make it a graph.
    shown = set(id(layer) for layer in model.layers)
    for v in model._nodes_by_depth.values():
        v = [node for node in v if id(node.outbound_layer) in shown]
        if len(v) > 1 or (len(v) == 1 and len(_inbound_history(v[0])) > 1):
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


def _table_layout(model, line_length, positions, graph_positions):
    """(sequential-like, the nodes to list connections of, line length,
    column ends in characters, column titles) of a summary table; a
    graph's default column ends are `graph_positions`."""
    sequential_like = _is_sequential_like(model)
    relevant_nodes = []
    if sequential_like:
        line_length = line_length or 65
        positions = list(positions or [.45, .85, 1.])
        to_display = ['Layer (type)', 'Output Shape', 'Param #']
    else:
        line_length = line_length or 98
        positions = list(positions or graph_positions)
        to_display = ['Layer (type)', 'Output Shape', 'Param #',
                      'Connected to']
        for v in model._nodes_by_depth.values():
            relevant_nodes += v
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    return sequential_like, relevant_nodes, line_length, positions, \
        to_display


def print_summary(model, line_length=None, positions=None, print_fn=None,
                  **tf_keras_options):
    """Prints the Keras 2 model table: layer (type), output shape, param #
    (and connections for non-sequential graphs), then total, trainable and
    non-trainable parameter counts. Under the tf.keras flavour it prints
    tf.keras's table instead (see `_print_tf_keras_summary`), which also
    takes `expand_nested`, `show_trainable` and `layer_range`."""
    if common.is_tf_keras():
        return _print_tf_keras_summary(model, line_length, positions,
                                       print_fn, **tf_keras_options)
    if tf_keras_options:
        raise TypeError('print_summary() got an unexpected keyword argument '
                        '%r' % next(iter(tf_keras_options)))
    if print_fn is None:
        print_fn = print
    sequential_like, relevant_nodes, line_length, positions, to_display = \
        _table_layout(model, line_length, positions, [.33, .55, .67, 1.])

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


def _weight_bytes(weights):
    """Memory of the distinct weights, in bytes (tf.keras's
    `weight_memory_size`)."""
    distinct = {_weight_key(w): w for w in weights}.values()
    return sum(int(np.prod(tuple(w.shape))) *
               (getattr(w.dtype, 'itemsize', None) or
                np.dtype(w.dtype).itemsize) for w in distinct)


def _readable_size(size):
    """'76.00 Byte', '1.33 MB': the size in the largest 1024-based unit
    that keeps it at or above 1 (tf.keras's `readable_memory_size`)."""
    for unit in ('Byte', 'KB', 'MB', 'GB', 'TB'):
        if size / 1024 < 1:
            break
        size /= 1024
    else:
        unit = 'PB'
    return '{:.2f} {}'.format(size, unit)


def _layer_range_bounds(model, layer_range):
    """[first, last + 1] indices of `model.layers` whose names match the
    two patterns of `layer_range` (all layers when it is None)."""
    if layer_range is None:
        return 0, len(model.layers)
    if len(layer_range) != 2 or not all(isinstance(x, str)
                                        for x in layer_range):
        raise ValueError('layer_range must be a list or tuple of 2 strings. '
                         'Received: layer_range = %s' % (layer_range,))
    lower, upper = ([i for i, layer in enumerate(model.layers)
                     if re.match(pattern, layer.name)]
                    for pattern in layer_range)
    if not lower or not upper:
        raise ValueError('Passed layer_names do not match the layer names in '
                         'the model. Received: %s' % (layer_range,))
    if min(lower) > max(upper):
        return min(upper), max(lower) + 1
    return min(lower), max(upper) + 1


def _print_tf_keras_summary(model, line_length=None, positions=None,
                            print_fn=None, expand_nested=False,
                            show_trainable=False, layer_range=None):
    """Prints tf.keras 2's model table (tf_keras `print_summary`): every
    row starts with a space and wraps its cells over several lines (a cell
    breaks after '),', '},', '],' or "',"); each layer is followed by a
    blank row instead of a '_' line; default positions are
    [.3, .6, .7, 1.] with connections; an InputLayer's shape reads
    `[(None, 4)]` and 'Connected to' is a list such as
    `['dense[0][0]', 'input_1[0][0]']` (`[]` for inputs).
    `show_trainable` adds an 11-wide 'Trainable' (Y/N) column;
    `expand_nested` lists the layers of nested models inside '|'-framed
    blocks. The totals add the size of the weights in bytes, as
    `Total params: 19 (76.00 Byte)` (no thousands separators), and count
    the weights trainable now (not those collected at compile()).
    `print_fn` is called with each line only (by default they go to
    stdout, or to the log when interactive logging is off)."""
    from .io_utils import print_msg
    print_fn = print_fn or print_msg
    sequential_like, relevant_nodes, line_length, positions, to_display = \
        _table_layout(model, line_length, positions, [.3, .6, .7, 1.])
    if show_trainable:
        line_length += 11
        positions.append(line_length)
        to_display.append('Trainable')
    first, last = _layer_range_bounds(model, layer_range)

    def print_row(fields, nested_level=0):
        left = [str(x) for x in fields]
        last_col = len(positions) - 1
        while any(left):
            line = ''
            for col in range(len(left)):
                start = positions[col - 1] if col else 0
                space = 2 if col != last_col else 0
                # (All but the last column keep 2 spaces and shift 1 right.)
                cutoff = positions[col] - start - space - \
                    (col != last_col) - (0 if col else nested_level)
                text = left[col][:cutoff]
                breaks = [text.find(x) + len(x)
                          for x in ('),', '},', '],', "',") if x in text]
                if breaks:
                    cutoff = min(breaks)
                    text = text[:cutoff]
                if col == 0:
                    line += '|' * nested_level + ' '
                line += text + ' ' * space
                left[col] = left[col][cutoff:]
                pad_to = positions[col] - (
                    nested_level if col == last_col else 0)
                line += ' ' * (pad_to - len(line))
            print_fn(line + '|' * nested_level)

    def has_self_node(layer):
        # A keras_compat network's node 0 links its own inputs to its
        # outputs (as in Keras 2); tf.keras numbers its calls from 0.
        nodes = layer._inbound_nodes
        return int(bool(nodes) and getattr(nodes[0], '_is_self_node', False))

    def output_shape_of(layer):
        try:
            shape = layer.output_shape
        except (AttributeError, RuntimeError):
            return 'multiple'
        if type(layer).__name__ == 'InputLayer' and isinstance(shape, tuple):
            shape = [shape]     # (tf.keras's InputLayer gives a list.)
        return shape

    def print_layer(layer, nested_level=0, is_nested_last=False):
        if sequential_like and not layer.built and \
                not getattr(layer, '_is_graph_network', False):
            params = '0 (unused)'
        else:
            params = layer.count_params()
        class_name = type(layer).__name__
        if class_name == 'Model' and getattr(layer, '_is_graph_network',
                                             False):
            class_name = 'Functional'   # tf.keras's class for Model(x, y)
        fields = [layer.name + ' (' + class_name + ')',
                  output_shape_of(layer), params]
        if not sequential_like:
            fields.append(['%s[%d][%d]' % (
                inbound.name, node_index - has_self_node(inbound),
                tensor_index)
                for node in layer._inbound_nodes
                if not relevant_nodes or node in relevant_nodes
                for inbound, node_index, tensor_index in
                _inbound_history(node)])
        if show_trainable:
            # (tf.keras's InputLayer is trainable.)
            fields.append('Y' if layer.trainable or
                          type(layer).__name__ == 'InputLayer' else 'N')
        print_row(fields, nested_level)
        inner = getattr(layer, 'layers', None) if expand_nested else None
        if inner:
            bars = '|' * (nested_level + 1)
            print_fn(bars + '\u00af' * (line_length - 2 * nested_level - 2)
                     + bars)
            for i, sublayer in enumerate(inner):
                print_layer(sublayer, nested_level + 1, i == len(inner) - 1)
            bars = '|' * nested_level
            print_fn(bars + '\u00af' * (line_length - 2 * nested_level)
                     + bars)
        elif not is_nested_last:
            # (tf.keras prints no blank row after an expanded model.)
            print_fn('|' * nested_level + ' ' *
                     (line_length - 2 * nested_level) + '|' * nested_level)

    print_fn('Model: "{}"'.format(model.name))
    print_fn('_' * line_length)
    print_row(to_display)
    print_fn('=' * line_length)
    for layer in model.layers[first:last]:
        print_layer(layer)
    print_fn('=' * line_length)
    trainable, non_trainable = (model.trainable_weights,
                                model.non_trainable_weights)
    for title, weights in (('Total', trainable + non_trainable),
                           ('Trainable', trainable),
                           ('Non-trainable', non_trainable)):
        print_fn('{} params: {} ({})'.format(
            title, count_params(weights),
            _readable_size(_weight_bytes(weights))))
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
