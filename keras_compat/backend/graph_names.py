"""TensorFlow's names of graph tensors and operations.

A layer called on graph tensors ran its `call` inside its name scope in
Keras 2 and tf.keras, so its output is the output of the last TensorFlow
op the call made, named inside that scope: Dense with a softmax gives
'dense_1/Softmax:0' (op 'dense_1/Softmax', type 'Softmax'), without an
activation 'dense_1/BiasAdd:0', without a bias 'dense_1/MatMul:0'. Keras 2
on TensorFlow 1 makes every name unique in the graph (TensorFlow's
`unique_name`): a layer's second call opens the scope 'dense_1_1', a
second `K.mean` at the top level is 'Mean_1'. An `Input` is a placeholder
op of the layer's name ('input_1:0'). tf.keras 2.x traces each call
separately: the scope is the layer's name ('dense/Softmax:0'), an
`Input`'s name has no output index ('input_1'), and a TensorFlow function
on graph tensors is a TFOpLambda layer ('tf.math.reduce_mean/Mean:0').

Here each layer kind names the last op its call makes (`_LAYER_OPS`);
a layer whose own `call` is unknown (a custom layer, `Lambda`) ends with
an 'Identity' op in its scope. The names are recorded so that
`Graph.get_tensor_by_name` and `get_operation_by_name` find the tensors
of the current graph; `K.clear_session()` forgets them."""
import inspect
import itertools
import re
import weakref

from . import common, gradient_overrides

_OPS = {}           # op name -> Operation, in creation order
_TENSOR_OPS = weakref.WeakKeyDictionary()   # graph tensor -> Operation
_INNER_CALLS = itertools.count(1)


def clear():
    """Forgets the recorded operations (a new graph)."""
    _OPS.clear()


# --------------------------------------------------------- activations
# Activation -> (Keras 2 op, tf.keras op), each (name, type); None: the
# op before the activation stays last.
_ACTIVATIONS = {
    'linear': None,
    'relu': (('Relu', 'Relu'), ('Relu', 'Relu')),
    'softmax': (('Softmax', 'Softmax'), ('Softmax', 'Softmax')),
    'sigmoid': (('Sigmoid', 'Sigmoid'), ('Sigmoid', 'Sigmoid')),
    'tanh': (('Tanh', 'Tanh'), ('Tanh', 'Tanh')),
    'elu': (('Elu', 'Elu'), ('Elu', 'Elu')),
    'selu': (('mul_1', 'Mul'), ('Selu', 'Selu')),
    'softplus': (('Softplus', 'Softplus'), ('Softplus', 'Softplus')),
    'softsign': (('Softsign', 'Softsign'), ('Softsign', 'Softsign')),
    'hard_sigmoid': (('clip_by_value', 'Maximum'),
                     ('clip_by_value', 'Maximum')),
    'exponential': (('Exp', 'Exp'), ('Exp', 'Exp')),
}


def _activation_op(activation, ndim):
    """(name, type) of the op an activation ends with; None for linear;
    'Identity' for a function of unknown ops."""
    name = getattr(activation, '__name__', activation)
    if activation is None or name == 'linear':
        return None
    ops = _ACTIVATIONS.get(name)
    if ops is None:
        return ('Identity', 'Identity')
    keras_op, tf_op = ops
    if common.is_tf_keras():
        return tf_op
    if name == 'softmax' and ndim != 2:
        # Keras 2's softmax of more than two axes: exp(x - max) / sum.
        return ('truediv', 'RealDiv')
    return keras_op


def _flavoured(keras_op, tf_op=None):
    return tf_op if tf_op is not None and common.is_tf_keras() \
        else keras_op


# --------------------------------------------------------------- layers
def _dense(layer, shapes):
    op = _activation_op(layer.activation, len(shapes[0]))
    if op is not None:
        return op
    return ('BiasAdd', 'BiasAdd') if layer.use_bias else ('MatMul', 'MatMul')


def _conv(layer, shapes):
    op = _activation_op(layer.activation, len(shapes[0]))
    if op is not None:
        return op
    rank = len(shapes[0]) - 2
    if layer.use_bias:
        if rank == 1 and not common.is_tf_keras():
            return ('add', 'AddV2')     # Keras 2 adds a reshaped bias
        return ('BiasAdd', 'BiasAdd')
    conv = 'Conv%dD' % rank
    return _flavoured(('convolution', conv), (conv, conv))


def _activation_layer(layer, shapes):
    return _activation_op(layer.activation, len(shapes[0])) or \
        ('Identity', 'Identity')


def _merge(op, op_type):
    def rule(layer, shapes):
        extra = len(shapes) - 2
        return (op + ('_%d' % extra if extra > 0 else ''), op_type)
    return rule


def _recurrent(keras_last, tf_last=None):
    """The last op of a recurrent layer's call: tf.keras's LSTM and GRU
    run one function call, whose second output is the sequence."""
    def rule(layer, shapes):
        sequences = getattr(layer, 'return_sequences', False)
        if common.is_tf_keras() and tf_last is None:
            return ('PartitionedCall', 'PartitionedCall', int(sequences))
        if sequences:
            return ('transpose_1', 'Transpose')
        return (tf_last if common.is_tf_keras() else keras_last,
                'StridedSlice')
    return rule


def _constant(op, op_type=None, tf_op=None):
    return lambda layer, shapes: _flavoured((op, op_type or op), tf_op)


def _bidirectional(layer, shapes):
    mode = getattr(layer, 'merge_mode', 'concat')
    ops = {'concat': ('concat', 'ConcatV2'), 'sum': ('add', 'AddV2'),
           'mul': ('mul', 'Mul'), 'ave': ('truediv', 'RealDiv')}
    return ops.get(mode, ('Identity', 'Identity'))


def _pooling(op):
    def rule(layer, shapes):
        return ('Squeeze', 'Squeeze') if len(shapes[0]) == 3 else (op, op)
    return rule


def _dot(layer, shapes):
    if all(len(s) == 2 for s in shapes):
        return ('Squeeze', 'Squeeze')
    return ('Identity', 'Identity')


_LAYER_OPS = {
    'Dense': _dense,
    'Conv1D': _conv, 'Conv2D': _conv, 'Conv3D': _conv,
    'Activation': _activation_layer,
    'ReLU': _constant('Relu'),
    'LeakyReLU': _constant('LeakyRelu'),
    'MaxPooling1D': _pooling('MaxPool'),
    'MaxPooling2D': _pooling('MaxPool'),
    'AveragePooling1D': _pooling('AvgPool'),
    'AveragePooling2D': _pooling('AvgPool'),
    'GlobalAveragePooling1D': _constant('Mean'),
    'GlobalAveragePooling2D': _constant('Mean'),
    'GlobalMaxPooling1D': _constant('Max'),
    'GlobalMaxPooling2D': _constant('Max'),
    'Flatten': _constant('Reshape'),
    'Reshape': _constant('Reshape'),
    'Permute': _constant('transpose', 'Transpose'),
    'RepeatVector': _constant('Tile'),
    'Dropout': _constant('cond/Merge', 'Merge', ('Identity', 'Identity')),
    'BatchNormalization': _constant(
        'cond/Merge', 'Merge', ('FusedBatchNormV3', 'FusedBatchNormV3')),
    'ZeroPadding1D': _constant('Pad'),
    'ZeroPadding2D': _constant('Pad'),
    'UpSampling2D': _constant(
        'ResizeNearestNeighbor', None,
        ('resize/ResizeNearestNeighbor', 'ResizeNearestNeighbor')),
    'Cropping2D': _constant('strided_slice', 'StridedSlice'),
    'Embedding': _constant('embedding_lookup/Identity', 'Identity'),
    'LSTM': _recurrent('strided_slice_18'),
    'GRU': _recurrent('strided_slice_18'),
    'SimpleRNN': _recurrent('strided_slice_2', 'strided_slice_3'),
    'Bidirectional': _bidirectional,
    'TimeDistributed': _constant('Reshape_1', 'Reshape'),
    'Add': _merge('add', 'AddV2'),
    'Subtract': _merge('sub', 'Sub'),
    'Multiply': _merge('mul', 'Mul'),
    'Maximum': _merge('Maximum', 'Maximum'),
    'Minimum': _merge('Minimum', 'Minimum'),
    'Average': _constant('truediv', 'RealDiv'),
    'Concatenate': _constant('concat', 'ConcatV2'),
    'Dot': _dot,
}


def _layer_rule(layer):
    """The naming rule of the class that defines `layer`'s `call`, or
    None when that class has none (a custom layer)."""
    for klass in type(layer).__mro__:
        rule = _LAYER_OPS.get(klass.__name__)
        if rule is not None and klass.__module__.startswith('keras_compat'):
            return rule
        if 'call' in klass.__dict__:
            return None
    return None


def _layer_op(layer, shapes):
    rule = _layer_rule(layer)
    if rule is not None:
        try:
            return rule(layer, shapes)
        except (AttributeError, TypeError):
            pass
    return ('Identity', 'Identity')


# ----------------------------------------------------------- graph ops
# Backend or TensorFlow function -> (Keras 2 op, tf.keras op), each
# (name, type): Python operators take the lower-case names of TensorFlow
# 1's operator wrappers in Keras 2 ('add', 'mul'); tf.keras names their
# ops by type ('AddV2', 'Mul').
_FUNCTION_OPS = {
    'add': (('add', 'AddV2'), ('AddV2', 'AddV2')),
    'subtract': (('sub', 'Sub'), ('Sub', 'Sub')),
    'multiply': (('mul', 'Mul'), ('Mul', 'Mul')),
    'truediv': (('truediv', 'RealDiv'), ('truediv', 'RealDiv')),
    'floordiv': (('floordiv', 'FloorDiv'), ('FloorDiv', 'FloorDiv')),
    'mod': (('mod', 'FloorMod'), ('FloorMod', 'FloorMod')),
    'pow': (('pow', 'Pow'), ('Pow', 'Pow')),
    'negative': (('Neg', 'Neg'),) * 2,
    'matmul': (('MatMul', 'MatMul'),) * 2,
    'strided_slice': (('strided_slice', 'StridedSlice'),) * 2,
    'logical_not': (('LogicalNot', 'LogicalNot'),) * 2,
    'mean': (('Mean', 'Mean'),) * 2,
    'sum': (('Sum', 'Sum'),) * 2,
    'max': (('Max', 'Max'),) * 2,
    'min': (('Min', 'Min'),) * 2,
    'prod': (('Prod', 'Prod'),) * 2,
    'dot': (('MatMul', 'MatMul'),) * 2,
    'concatenate': (('concat', 'ConcatV2'),) * 2,
    'stack': (('stack', 'Pack'),) * 2,
    'transpose': (('transpose', 'Transpose'),) * 2,
    'permute_dimensions': (('transpose', 'Transpose'),) * 2,
    'batch_flatten': (('Reshape', 'Reshape'),) * 2,
    'flatten': (('Reshape', 'Reshape'),) * 2,
    'clip': (('clip_by_value', 'Maximum'),) * 2,
    'argmax': (('ArgMax', 'ArgMax'),) * 2,
    'argmin': (('ArgMin', 'ArgMin'),) * 2,
    'expand_dims': (('ExpandDims', 'ExpandDims'),) * 2,
    'softmax': (('Softmax', 'Softmax'),) * 2,
    'softplus': (('Softplus', 'Softplus'),) * 2,
    'less': (('Less', 'Less'),) * 2,
    'less_equal': (('LessEqual', 'LessEqual'),) * 2,
    'greater': (('Greater', 'Greater'),) * 2,
    'greater_equal': (('GreaterEqual', 'GreaterEqual'),) * 2,
    'logical_and': (('LogicalAnd', 'LogicalAnd'),) * 2,
    'logical_or': (('LogicalOr', 'LogicalOr'),) * 2,
}


def _camel(name):
    return ''.join(part[:1].upper() + part[1:]
                   for part in name.split('_') if part)


def _function_op(layer):
    """(name, type) of the op a recorded backend or TensorFlow function
    makes: from its TensorFlow symbol ('math.reduce_mean': 'Mean') or its
    backend name ('mean'), else its name in TensorFlow's op style."""
    symbol = getattr(layer, 'symbol', None) or ''
    base = symbol.rsplit('.', 1)[-1]
    if base.startswith('reduce_'):
        base = base[len('reduce_'):]
    name = getattr(layer, '_graph_op_function', None) or \
        getattr(getattr(layer, 'fn', None), '__name__', '') or ''
    name = name.strip('_<>')
    for key in (base, name, {'getitem': 'strided_slice'}.get(base)):
        ops = _FUNCTION_OPS.get(key)
        if ops is not None:
            return ops[1] if common.is_tf_keras() else ops[0]
    camel = _camel(base or name) or 'Identity'
    return (camel, camel)


def _given_name(layer):
    """The `name=` a recorded TensorFlow function was called with
    (`tf.nn.softmax(logits, name='prediction')`), or None."""
    template = getattr(layer, '_template', None)
    if template is None or not getattr(layer, 'symbol', None):
        return None
    args, kwargs = template
    name = kwargs.get('name')
    if name is None and args:
        try:
            name = inspect.signature(layer.fn).bind_partial(
                *args, **kwargs).arguments.get('name')
        except (TypeError, ValueError):
            return None
    return name if isinstance(name, str) and name else None


# ------------------------------------------------------------ naming
def _unique(name):
    """`name` made unique in the graph, as TensorFlow 1 does, in a Keras 2
    program; as it is in tf.keras, which traces each call alone."""
    if common.is_tf_keras():
        return name
    from . import ops
    return ops._unique_name(name)


def _scoped(name):
    """`name` inside the open name scopes, unique in a Keras 2 program."""
    if common.is_tf_keras():
        return name
    from . import ops
    return ops._scoped_name(name)


def name_input(layer, tensor):
    """Names the placeholder an `Input` layer makes: 'input_1:0' in a
    Keras 2 program, 'input_1' in tf.keras."""
    op_name = _scoped(layer.name)
    tensor.name = op_name if common.is_tf_keras() else op_name + ':0'
    _record(Operation(op_name, 'Placeholder', [tensor], []))


def name_outputs(layer, outputs, inputs):
    """Names the output tensors of a call of `layer` on graph tensors (the
    ops the call makes, which also take the gradient override map in
    force now)."""
    gradient_overrides.record_call(layer)
    if getattr(layer, '_is_graph_op', False) and not common.is_tf_keras():
        op_name, op_type = _function_op(layer)
        _name_op(_scoped(_given_name(layer) or op_name), op_type, outputs,
                 inputs)
        return
    scope = _scoped(layer.name)
    if getattr(layer, '_is_graph_op', False):
        op_name, op_type = _function_op(layer)
        _name_op(scope + '/' + op_name, op_type, outputs, inputs)
        return
    if getattr(layer, '_is_graph_network', False):
        _name_network_outputs(layer, scope, outputs, inputs)
        return
    shapes = [tuple(getattr(x, '_keras_shape', ()) or ()) for x in inputs]
    if len(outputs) == 1:
        op = _layer_op(layer, shapes)
        _name_op(_unique(scope + '/' + op[0]), op[1], outputs, inputs,
                 *op[2:])
        if _layer_rule(layer) in (_dense, _conv) and \
                op[:2] == _activation_op(layer.activation, len(shapes[0])):
            _TENSOR_OPS[outputs[0]]._pre_activation = (layer, list(inputs))
        return
    for out in outputs:
        _name_op(_unique(scope + '/Identity'), 'Identity', [out], inputs)


def _name_network_outputs(network, scope, outputs, inputs):
    """A model called as a layer: each output is its inner output's op,
    inside the model's scope ('model_1/dense_1/Relu:0')."""
    inner = list(getattr(network, 'outputs', None) or [])
    for i, out in enumerate(outputs):
        source = inner[i] if i < len(inner) else None
        op = _TENSOR_OPS.get(source) if source is not None else None
        relative = op.name if op is not None else 'Identity'
        op_type = op.type if op is not None else 'Identity'
        name = _unique(scope + '/' + relative)
        if op is None:
            _name_op(name, op_type, [out], inputs)
            continue
        out.name = name + ':0'
        _record(_CalledNetworkOperation(name, op_type, [out], inputs,
                                        network, op))


def _name_op(op_name, op_type, outputs, inputs, first_index=0):
    """Names `outputs` the outputs of one op (from output
    `first_index` on)."""
    for i, out in enumerate(outputs):
        out.name = '%s:%d' % (op_name, first_index + i)
    op = Operation(op_name, op_type, outputs, inputs)
    op._first_index = first_index
    _record(op)


def _record(op):
    for out in op._outputs_refs():
        _TENSOR_OPS[out] = op
    _OPS.pop(op.name, None)
    _OPS[op.name] = op


def operation(tensor):
    """The op that makes a graph tensor (an unnamed one's stands for
    itself, named after the tensor)."""
    op = _TENSOR_OPS.get(tensor)
    if op is None:
        name = tensor.name or 'Identity'
        op = Operation(name.split(':')[0], 'Identity', [tensor], [])
    return op


class Operation(object):
    """A TensorFlow graph operation: its `name`, `type`, `outputs` and
    `inputs` (the graph tensors it reads), and `node_def` (name, op and
    input names, as a GraphDef lists it)."""

    _first_index = 0

    def __init__(self, name, op_type, outputs, inputs):
        self.name = name
        self.type = op_type
        self._outputs = [weakref.ref(t) for t in outputs]
        self._inputs = [weakref.ref(t) for t in inputs
                        if getattr(t, '_is_keras_symbolic', False)]

    def _outputs_refs(self):
        return [t for t in (r() for r in self._outputs) if t is not None]

    @property
    def outputs(self):
        return self._outputs_refs()

    def values(self):
        return tuple(self._outputs_refs())

    # (layer, call inputs) where the op is the activation that ends a
    # layer's call (Dense(activation='softmax')): its input is the
    # pre-activation tensor ('dense_1/BiasAdd:0', the logits).
    _pre_activation = None

    @property
    def inputs(self):
        if self._pre_activation is not None:
            layer, call_inputs = self._pre_activation
            scope = self.name.rsplit('/', 1)[0]
            self._inputs = [weakref.ref(_pre_activation(layer, call_inputs,
                                                        scope))]
            self._kept_input = self._inputs[0]()
            self._pre_activation = None
        return [t for t in (r() for r in self._inputs) if t is not None]

    graph = property(lambda self: default_graph())

    @property
    def node_def(self):
        return NodeDef(self.name, self.type,
                       [t.name[:-2] if t.name.endswith(':0') else t.name
                        for t in self.inputs if t.name])

    def __repr__(self):
        return '<tf.Operation %r type=%s>' % (self.name, self.type)


class _CalledNetworkOperation(Operation):
    """The op of an output of a model called on new tensors. TensorFlow 1
    made every inner op again for the call, so its `inputs` are the inner
    op's inputs computed from the call's inputs (the logits before a
    model's final softmax), made when first asked for."""

    def __init__(self, name, op_type, outputs, inputs, network, inner):
        Operation.__init__(self, name, op_type, outputs, inputs)
        self._called = (network, inner, list(inputs))
        self._made = None

    @property
    def inputs(self):
        if self._made is None:
            network, inner, call_inputs = self._called
            self._made = _called_tensors(network, inner.inputs, call_inputs,
                                         self.outputs)
        return list(self._made)


def _called_tensors(network, inner_tensors, call_inputs, call_outputs):
    """`inner_tensors` of `network` computed from `call_inputs`: in a
    run, those its call giving `call_outputs` computed (one computation,
    as TensorFlow 1 shared the call's ops)."""
    inner_inputs = list(network.inputs)
    wanted = [t for t in inner_tensors
              if all(t is not x for x in inner_inputs)]
    computed = []
    if wanted:
        from ..engine import symbolic
        from ..engine.training import Model
        # (Named apart from the layers' own names: Keras 2 made no model.)
        sub = Model(inner_inputs, wanted, name='%s_inner_%d' % (
            network.name, next(_INNER_CALLS)))
        # The call keeps its values for the run to read them back.
        network.__dict__['_keep_map'] = True
        count = len(call_inputs)

        def inner_values(*values):
            kept = network.__dict__.get('_last_tensor_map') or {}
            if all(kept.get(id(inner)) is value for inner, value in
                   zip(network.outputs, values[count:])) and \
                    all(id(t) in kept for t in wanted):
                return [kept[id(t)] for t in wanted]
            # (Not from the call's run: computed again.)
            out = sub(list(values[:count]) if count > 1 else values[0])
            return list(out) if isinstance(out, (list, tuple)) else [out]
        computed = symbolic.apply_multi_output_op(
            inner_values, list(call_inputs) + list(call_outputs),
            name=sub.name)
        for made in set(_TENSOR_OPS.get(t) for t in computed):
            if made is not None:
                _OPS.pop(made.name, None)
        # Named as the inner ops they are.
        _name_network_outputs(sub, _scoped(sub.name), computed,
                              list(call_inputs))
    found = iter(computed)
    result = []
    for t in inner_tensors:
        fed = [c for x, c in zip(inner_inputs, call_inputs) if t is x]
        result.append(fed[0] if fed else next(found))
    return result


def _pre_activation(layer, call_inputs, scope):
    """A graph tensor computing `layer`'s call on `call_inputs` without
    its activation, on the layer's own weights (which it lists, so that
    training through it trains them), named as the op before the
    activation in the layer's `scope`."""
    from .. import activations
    from ..engine import symbolic

    def linear_call(function, *values):
        activation = layer.activation
        layer.activation = activations.linear
        try:
            return function(*values)
        finally:
            layer.activation = activation

    def pre_activation(*values):
        inputs = values[:len(call_inputs)]
        return linear_call(layer.call, inputs[0] if len(inputs) == 1
                           else list(inputs))
    out = symbolic.apply_op(pre_activation, list(call_inputs) +
                            list(layer.trainable_weights),
                            name=layer.name + '_pre_activation')
    shapes = [tuple(getattr(x, '_keras_shape', ()) or ())
              for x in call_inputs]
    op = linear_call(_layer_op, layer, shapes)
    _name_op(_unique(scope + '/' + op[0]), op[1], [out], call_inputs)
    return out


class NodeDef(object):
    """A GraphDef node: `name`, `op` (its type) and `input` (the names of
    the tensors it reads)."""

    def __init__(self, name, op, inputs):
        self.name = name
        self.op = op
        self.input = list(inputs)
        self.device = ''

    def __repr__(self):
        return 'name: "%s"\nop: "%s"\n%s' % (
            self.name, self.op,
            ''.join('input: "%s"\n' % i for i in self.input))


class GraphDef(object):
    """The nodes of the graph, as TensorFlow's `GraphDef` lists them."""

    def __init__(self, nodes):
        self.node = list(nodes)

    def __repr__(self):
        return '\n'.join('node {\n%s}' % n for n in self.node)


# ------------------------------------------------------------ lookups
def _live_operations():
    """The recorded ops whose tensors are still held, in creation order,
    with the graph's variables."""
    found = [op for op in _OPS.values() if op._outputs_refs()]
    if len(found) != len(_OPS):
        for name in [n for n, op in _OPS.items()
                     if not op._outputs_refs()]:
            del _OPS[name]
    return found + [variable_operation(v) for v in _variables()]


def _variables():
    from . import variable_registry
    return variable_registry.variables()


def variable_operation(variable):
    """The op of a variable ('dense_1/kernel'): TensorFlow 1's
    'VariableV2' in Keras 2, a resource variable's 'VarHandleOp' in
    tf.keras."""
    name = getattr(variable, 'name', None) or 'Variable:0'
    op = Operation(name.rsplit(':', 1)[0], 'VarHandleOp'
                   if common.is_tf_keras() else 'VariableV2', [], [])
    op._outputs = [lambda: variable]
    return op


def get_operations():
    return _live_operations()


def default_graph():
    """The default graph: what a graph tensor's or op's `.graph` gives."""
    from .. import tensorflow_compat
    return tensorflow_compat.get_default_graph()


def graph_def():
    return GraphDef(op.node_def for op in _live_operations())


def operation_by_name(name):
    """The op named `name`; TensorFlow's KeyError otherwise."""
    if not isinstance(name, str):
        raise TypeError('Operation names are strings (or similar), not %s.'
                        % type(name).__name__)
    if ':' in name:
        raise ValueError(
            "Name '%s' appears to refer to a Tensor, not a Operation."
            % name)
    op = _find_operation(name)
    if op is None:
        raise KeyError("The name %s refers to an Operation not in the "
                       "graph." % repr(name))
    return op


def _find_operation(name):
    op = _OPS.get(name)
    if op is not None and op._outputs_refs():
        return op
    for variable in _variables():
        if getattr(variable, 'name', None) == name + ':0':
            return variable_operation(variable)
    return None


_TENSOR_NAME = re.compile(r'^(.*):(\d+)$')


def tensor_by_name(name):
    """The tensor named `name` ('dense_1/Relu:0'); TensorFlow's KeyError
    when there is none, ValueError for an op's name."""
    if not isinstance(name, str):
        raise TypeError('Tensor names are strings (or similar), not %s.'
                        % type(name).__name__)
    match = _TENSOR_NAME.match(name)
    if match is None:
        raise ValueError(
            "The name %s %s, not a Tensor. Tensor names must be of the "
            "form \"<op_name>:<output_index>\"." % (
                repr(name), 'refers to an Operation' if ':' not in name
                and _find_operation(name) is not None
                else 'looks like an (invalid) Operation name'))
    op_name, index = match.group(1), int(match.group(2))
    op = _find_operation(op_name)
    if op is None:
        raise KeyError("The name %s refers to a Tensor which does not "
                       "exist. The operation, %s, does not exist in the "
                       "graph." % (repr(name), repr(op_name)))
    outputs = [None] * op._first_index + op.outputs
    if index >= len(outputs) or outputs[index] is None:
        raise KeyError("The name %s refers to a Tensor which does not "
                       "exist. The operation, %s, exists but only has %d "
                       "outputs." % (repr(name), repr(op_name),
                                     len(outputs)))
    return outputs[index]
