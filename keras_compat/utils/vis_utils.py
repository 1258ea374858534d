"""`plot_model` / `model_to_dot` through pydot and graphviz."""
import os
import sys

from .. import backend as K


try:
    import pydot
except ImportError:
    # Keras 2 sets the module attribute to None without pydot.
    pydot = None


_TF_KERAS_PLOT_MESSAGE = (
    'You must install pydot (`pip install pydot`) and install graphviz '
    '(see instructions at https://graphviz.gitlab.io/download/) for '
    'plot_model to work.')


def _load_pydot():
    """The pydot module, also when it was installed or put on the path
    after this module was imported; None without it."""
    global pydot
    if pydot is None:
        try:
            import pydot as module
        except ImportError:
            return None
        pydot = module
    return pydot


def _pydot():
    if _load_pydot() is None:
        if K.common.is_tf_keras():
            raise ImportError('You must install pydot (`pip install pydot`) '
                              'for model_to_dot to work.')
        raise ImportError('Failed to import `pydot`. Please install '
                          '`pydot`. For example with `pip install pydot`.')
    return pydot


def _tf_keras_plot_refused():
    """tf.keras's `plot_model` without pydot: in a notebook it prints
    its message and draws nothing, elsewhere it raises ImportError."""
    if 'IPython.core.magics.namespace' in sys.modules:
        print(_TF_KERAS_PLOT_MESSAGE)
        return True
    raise ImportError(_TF_KERAS_PLOT_MESSAGE)


def model_to_dot(model, show_shapes=False, show_layer_names=True,
                 rankdir='TB', expand_nested=False, dpi=96, subgraph=False):
    """A pydot graph of the model's layers and connections."""
    pydot = _pydot()
    dot = pydot.Dot()
    dot.set('rankdir', rankdir)
    dot.set('concentrate', True)
    dot.set('dpi', dpi)
    dot.set_node_defaults(shape='record')
    layers = model.layers
    if model.__class__.__name__ == 'Sequential' and \
            getattr(model, '_layers', None) and \
            model._layers is not layers:
        layers = model._layers
    for layer in layers:
        layer_id = str(id(layer))
        layer_name, label = _names(layer)
        if show_layer_names:
            label = '%s: %s' % (layer_name, label)
        if show_shapes:
            try:
                out = str(layer.output_shape)
            except (AttributeError, RuntimeError):
                out = 'multiple'
            try:
                inp = str(layer.input_shape)
            except (AttributeError, RuntimeError):
                inp = 'multiple'
            label = '%s\n|{input:|output:}|{{%s}|{%s}}' % (label, inp, out)
        dot.add_node(pydot.Node(layer_id, label=label))
    for layer in layers:
        for node in _model_nodes(model, layer):
            for inbound in node.inbound_layers:
                if inbound in layers:
                    dot.add_edge(pydot.Edge(str(id(inbound)),
                                            str(id(layer))))
    return dot


def _names(layer):
    """The name and class name a graph node shows: a wrapper's with its
    inner layer's in parentheses (`bi(lstm_1)`, `Bidirectional(LSTM)`)."""
    from ..layers.wrappers import Wrapper
    name, class_name = layer.name, layer.__class__.__name__
    if isinstance(layer, Wrapper):
        name = '%s(%s)' % (name, layer.layer.name)
        class_name = '%s(%s)' % (class_name, layer.layer.__class__.__name__)
    return name, class_name


def _model_nodes(model, layer):
    """The calls of `layer` that belong to `model` (not those in other
    graphs the layer is shared with)."""
    keys = getattr(model, '_network_nodes', None)
    if not keys:
        return list(layer._inbound_nodes)
    return [node for index, node in enumerate(layer._inbound_nodes)
            if '%s_ib-%d' % (layer.name, index) in keys]


def plot_model(model, to_file='model.png', show_shapes=False,
               show_layer_names=True, rankdir='TB', expand_nested=False,
               dpi=96):
    """Writes a picture of the model graph to `to_file`."""
    if _load_pydot() is None and K.common.is_tf_keras() and \
            _tf_keras_plot_refused():
        return None
    dot = model_to_dot(model, show_shapes, show_layer_names, rankdir,
                       expand_nested, dpi)
    _, extension = os.path.splitext(to_file)
    extension = extension[1:] if extension else 'png'
    dot.write(to_file, format=extension)
