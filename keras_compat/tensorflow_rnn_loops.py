"""`tf.nn.dynamic_rnn` over a time axis whose length is known only when
the graph runs (a placeholder `[None, None, depth]` fed batches of
sequences of any length): one graph operation that steps the cell as
many times as the fed value has time steps.

The cell's step is recorded once on placeholders standing for one time
step and the state, which makes its variables under the caller's
variable scope as TensorFlow 1 names them; each run of the operation
replays that recorded step over the time axis. The operation lists the
step's variables among its arguments, so that `minimize`,
`tf.gradients` and `tf.trainable_variables` reach them."""
import torch

from . import backend as K
from . import tensorflow_compat as tf


def _step_placeholder(shape, dtype, name):
    return K.placeholder(shape=tuple(shape), dtype=K.dtype_name(dtype)
                         if not isinstance(dtype, str) else dtype, name=name)


def _static(tensor):
    return tuple(tf.convert_to_tensor(tensor).shape.as_list())


class _Step(object):
    """The cell's step recorded on placeholders: `(x_t, *state)` to
    `(output, *new_state)`."""

    def __init__(self, cell, inputs, state, time_major):
        from .engine.network import Network
        from .tensorflow_graph_run import trainable_variables_of
        shape = _static(inputs)
        step_shape = (shape[1],) + shape[2:] if time_major else \
            (shape[0],) + shape[2:]
        self.structure = state
        flat = tf.nest.flatten(state)
        self.x = _step_placeholder(step_shape, K.dtype(inputs), 'rnn_step_x')
        self.states = [_step_placeholder(_static(s), K.dtype(s),
                                         'rnn_step_state_%d' % i)
                       for i, s in enumerate(flat)]
        output, new_state = cell(self.x, tf.nest.pack_sequence_as(
            state, self.states))
        self.new_structure = new_state
        self.output = output
        outputs = [output] + tf.nest.flatten(new_state)
        self.outer = _outer_tensors(outputs, [self.x] + self.states)
        self.network = Network([self.x] + self.states + self.outer, outputs)
        variables = []
        for tensor in outputs:
            for variable in trainable_variables_of(tensor):
                if all(variable is not v for v in variables):
                    variables.append(variable)
        self.variables = variables

    def __call__(self, x, states, outer):
        values = self.network._run_graph([x] + list(states) + list(outer))
        values = values if isinstance(values, list) else [values]
        return values[0], values[1:]


def _outer_tensors(outputs, step_inputs):
    """The graph tensors made outside the step that it reads (a keep
    probability fed per run, an attention memory), each made a tensor a
    graph may start from: the step takes their values from the run."""
    from .tensorflow_graph_run import feedable
    from .engine.network import _argument_tensors
    from .engine.symbolic import is_symbolic
    inside = {id(x): True for x in step_inputs}
    outer = []

    def parents(tensor):
        history = getattr(tensor, '_keras_history', None)
        if not history or history[0] is None:
            return []
        node = history[0]._inbound_nodes[history[1]]
        return [x for x in list(node.input_tensors) +
                _argument_tensors(node.arguments)
                if is_symbolic(x) and x is not tensor]

    def depends(tensor):
        if id(tensor) not in inside:
            inside[id(tensor)] = False
            inside[id(tensor)] = any([depends(x) for x in parents(tensor)])
        return inside[id(tensor)]

    for tensor in outputs:
        depends(tensor)
    for tensor in outputs:
        _collect(tensor, inside, parents, outer, set())
    return [feedable(x) for x in outer]


def _collect(tensor, inside, parents, outer, seen):
    """Appends to `outer` the tensors not computed from the step that the
    step's tensors behind `tensor` read."""
    stack = [tensor]
    while stack:
        x = stack.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        if not inside.get(id(x)):
            if all(x is not y for y in outer):
                outer.append(x)
            continue
        stack.extend(parents(x))


def _steps(step, time_major, count):
    def run(inputs, lengths, *rest):
        states = list(rest[:count])
        outer = list(rest[count:count + len(step.outer)])
        axis = 0 if time_major else 1
        outputs = []
        for t in range(inputs.shape[axis]):
            x = inputs.select(axis, t)
            output, new_states = step(x, states, outer)
            if lengths is not None:
                done = (t >= torch.as_tensor(lengths)).reshape(-1, 1)
                output = torch.where(done, torch.zeros_like(output), output)
                new_states = [torch.where(done.reshape((-1,) + (1,) * (
                    n.dim() - 1)), s, n) for s, n in zip(states, new_states)]
            outputs.append(output)
            states = new_states
        if not outputs:
            raise ValueError('dynamic_rnn needs at least one time step.')
        return [torch.stack(outputs, axis)] + states
    return run


def dynamic_rnn_loop(cell, inputs, sequence_length, state, time_major):
    """`(outputs, final_state)` of `cell` over the time axis of the
    symbolic `inputs`, computed in one graph operation when the graph
    runs."""
    from .engine import symbolic
    step = _Step(cell, inputs, state, time_major)
    flat = tf.nest.flatten(state)
    results = symbolic.apply_multi_output_op(
        _steps(step, time_major, len(flat)),
        [inputs, sequence_length] + flat + step.outer + step.variables,
        name='rnn_while')
    outputs, final = results[0], results[1:]
    outputs._keras_shape = _static(inputs)[:2] + tuple(
        step.output.shape.as_list()[1:])
    for tensor, made in zip(final, tf.nest.flatten(step.new_structure)):
        tensor._keras_shape = tuple(made.shape.as_list())
    return outputs, tf.nest.pack_sequence_as(step.new_structure, final)
