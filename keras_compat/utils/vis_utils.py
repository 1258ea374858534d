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


def _pydot():
    if pydot is None:
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
        label = layer.__class__.__name__
        if show_layer_names:
            label = '%s: %s' % (layer.name, label)
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
        for node in layer._inbound_nodes:
            for inbound in node.inbound_layers:
                if inbound in layers:
                    dot.add_edge(pydot.Edge(str(id(inbound)),
                                            str(id(layer))))
    return dot


def plot_model(model, to_file='model.png', show_shapes=False,
               show_layer_names=True, rankdir='TB', expand_nested=False,
               dpi=96):
    """Writes a picture of the model graph to `to_file`."""
    if pydot is None and K.common.is_tf_keras() and _tf_keras_plot_refused():
        return None
    dot = model_to_dot(model, show_shapes, show_layer_names, rankdir,
                       expand_nested, dpi)
    _, extension = os.path.splitext(to_file)
    extension = extension[1:] if extension else 'png'
    dot.write(to_file, format=extension)
