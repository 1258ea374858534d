"""TensorFlow 1's RNN cells (`tf.nn.rnn_cell.BasicLSTMCell`, `LSTMCell`,
`GRUCell`, `BasicRNNCell`, `MultiRNNCell`) and `tf.nn.dynamic_rnn`, built
from TensorFlow ops on variables made with `tf.get_variable`, so they
are graph expressions in a graph program and values when run eagerly.
Variables are named as TensorFlow 1 names them ('rnn/basic_lstm_cell/
kernel', 'rnn/multi_rnn_cell/cell_0/gru_cell/gates/bias'); kernels are
`(input_depth + units, gates * units)` with the gates in TensorFlow 1's
order (LSTM: i, j, f, o; GRU: r, u)."""
import collections

from . import tensorflow_compat as tf
from . import tensorflow_variables as tfv


class LSTMStateTuple(collections.namedtuple('LSTMStateTuple', ('c', 'h'))):
    """An LSTM cell's state: the cell state `c` and the output `h`."""
    __slots__ = ()

    @property
    def dtype(self):
        return self.c.dtype


def _depth(tensor):
    return int(tf.convert_to_tensor(tensor).shape[-1])


class RNNCell(object):
    """A TensorFlow 1 cell: `cell(inputs, state)` is `(output,
    new_state)`; its variables live in the variable scope named by the
    cell (`name`, else its default) inside the caller's."""
    _default_name = 'rnn_cell'

    def __init__(self, reuse=None, name=None, dtype=None):
        self._reuse = reuse
        self._name = name or self._default_name
        self.dtype = dtype

    @property
    def name(self):
        return self._name

    # A cell of `num_units` outputs whose state is one tensor of that size
    # (LSTM cells, multi-cells and wrappers say otherwise).
    state_size = property(lambda self: self._num_units)
    output_size = property(lambda self: self._num_units)

    def zero_state(self, batch_size, dtype):
        """The all-zeros state for `batch_size` sequences."""
        def zeros(size):
            return tf.zeros([batch_size, size], dtype=dtype)
        return tf.nest.map_structure(zeros, self.state_size)

    def __call__(self, inputs, state, scope=None):
        """The first call makes the variables in the scope `scope` (by
        default the cell's name, made unique in the enclosing scope:
        'basic_lstm_cell', 'basic_lstm_cell_1'); later calls share
        them."""
        made = self.__dict__.get('_scope')
        if made is not None:
            with tfv.variable_scope(made, reuse=True):
                return self.call(inputs, state)
        with tfv.variable_scope(scope, default_name=self._name,
                                reuse=self._reuse) as entered:
            self._scope = entered
            return self.call(inputs, state)

    def _weight(self, name, shape, initializer=None):
        return tfv.get_variable(name, shape, initializer=initializer)


class BasicRNNCell(RNNCell):
    """`output = new_state = activation(W [x, h] + b)`."""
    _default_name = 'basic_rnn_cell'

    def __init__(self, num_units, activation=None, reuse=None, name=None,
                 dtype=None):
        super(BasicRNNCell, self).__init__(reuse, name, dtype)
        self._num_units = num_units
        self._activation = activation or tf.tanh

    def call(self, inputs, state):
        units = self._num_units
        kernel = self._weight('kernel', [_depth(inputs) + units, units])
        bias = self._weight('bias', [units], tf.zeros_initializer())
        output = self._activation(
            tf.matmul(tf.concat([inputs, state], 1), kernel) + bias)
        return output, output


class BasicLSTMCell(RNNCell):
    """TensorFlow 1's LSTM: gates `i, j, f, o` from one kernel over
    `[x, h]`, `forget_bias` added to `f`; the state is an
    `LSTMStateTuple(c, h)` (or, `state_is_tuple=False`, `[c, h]`
    concatenated)."""
    _default_name = 'basic_lstm_cell'

    def __init__(self, num_units, forget_bias=1.0, state_is_tuple=True,
                 activation=None, reuse=None, name=None, dtype=None,
                 **kwargs):
        super(BasicLSTMCell, self).__init__(reuse, name, dtype)
        self._num_units = num_units
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = activation or tf.tanh
        self._initializer = kwargs.pop('initializer', None)
        if kwargs:
            raise TypeError('Unexpected keyword arguments to the LSTM cell: '
                            '%s' % sorted(kwargs))

    @property
    def state_size(self):
        if self._state_is_tuple:
            return LSTMStateTuple(self._num_units, self._num_units)
        return 2 * self._num_units

    def call(self, inputs, state):
        units = self._num_units
        if self._state_is_tuple:
            c, h = state
        else:
            c, h = tf.split(state, 2, axis=1)
        kernel = self._weight('kernel', [_depth(inputs) + units, 4 * units],
                              self._initializer)
        bias = self._weight('bias', [4 * units], tf.zeros_initializer())
        gates = tf.matmul(tf.concat([inputs, h], 1), kernel) + bias
        i, j, f, o = tf.split(gates, 4, axis=1)
        new_c = c * tf.sigmoid(f + self._forget_bias) + \
            tf.sigmoid(i) * self._activation(j)
        new_h = self._activation(new_c) * tf.sigmoid(o)
        if self._state_is_tuple:
            return new_h, LSTMStateTuple(new_c, new_h)
        return new_h, tf.concat([new_c, new_h], 1)


class LSTMCell(BasicLSTMCell):
    """`tf.nn.rnn_cell.LSTMCell` without peepholes, projection or cell
    clipping: BasicLSTMCell's step, its kernel from `initializer`."""
    _default_name = 'lstm_cell'

    def __init__(self, num_units, use_peepholes=False, cell_clip=None,
                 initializer=None, num_proj=None, proj_clip=None,
                 num_unit_shards=None, num_proj_shards=None,
                 forget_bias=1.0, state_is_tuple=True, activation=None,
                 reuse=None, name=None, dtype=None, **kwargs):
        for option, value in (('use_peepholes', use_peepholes),
                              ('cell_clip', cell_clip),
                              ('num_proj', num_proj),
                              ('proj_clip', proj_clip)):
            if value:
                raise NotImplementedError(
                    'tf.nn.rnn_cell.LSTMCell(%s=...) is not supported; use '
                    'LSTMCell without it, or keras.layers.LSTM.' % option)
        super(LSTMCell, self).__init__(
            num_units, forget_bias=forget_bias,
            state_is_tuple=state_is_tuple, activation=activation,
            reuse=reuse, name=name, dtype=dtype, initializer=initializer,
            **kwargs)


class GRUCell(RNNCell):
    """TensorFlow 1's GRU: gates `r, u` ('gates/kernel', bias starting at
    1), candidate `activation(W [x, r * h] + b)` ('candidate/kernel'),
    `new_h = u * h + (1 - u) * candidate`."""
    _default_name = 'gru_cell'

    def __init__(self, num_units, activation=None, reuse=None,
                 kernel_initializer=None, bias_initializer=None, name=None,
                 dtype=None):
        super(GRUCell, self).__init__(reuse, name, dtype)
        self._num_units = num_units
        self._activation = activation or tf.tanh
        self._kernel_initializer = kernel_initializer
        self._bias_initializer = bias_initializer

    def call(self, inputs, state):
        units = self._num_units
        depth = _depth(inputs) + units
        with tfv.variable_scope('gates'):
            gate_kernel = self._weight('kernel', [depth, 2 * units],
                                       self._kernel_initializer)
            gate_bias = self._weight(
                'bias', [2 * units],
                self._bias_initializer or tf.constant_initializer(1.0))
        with tfv.variable_scope('candidate'):
            kernel = self._weight('kernel', [depth, units],
                                  self._kernel_initializer)
            bias = self._weight('bias', [units], self._bias_initializer or
                                tf.zeros_initializer())
        value = tf.sigmoid(
            tf.matmul(tf.concat([inputs, state], 1), gate_kernel) + gate_bias)
        r, u = tf.split(value, 2, axis=1)
        candidate = self._activation(
            tf.matmul(tf.concat([inputs, r * state], 1), kernel) + bias)
        new_h = u * state + (1 - u) * candidate
        return new_h, new_h


class MultiRNNCell(RNNCell):
    """Cells stacked: each one's output is the next one's input, their
    variables under 'cell_0', 'cell_1', ..."""
    _default_name = 'multi_rnn_cell'

    def __init__(self, cells, state_is_tuple=True):
        super(MultiRNNCell, self).__init__()
        if not state_is_tuple:
            raise NotImplementedError(
                'MultiRNNCell(state_is_tuple=False) is not supported; pass '
                'state_is_tuple=True.')
        self._cells = list(cells)

    @property
    def state_size(self):
        return tuple(cell.state_size for cell in self._cells)

    @property
    def output_size(self):
        return self._cells[-1].output_size

    def call(self, inputs, state):
        new_states = []
        for i, cell in enumerate(self._cells):
            with tfv.variable_scope('cell_%d' % i):
                inputs, new_state = cell(inputs, state[i])
            new_states.append(new_state)
        return inputs, tuple(new_states)


class DropoutWrapper(RNNCell):
    """The cell with dropout (`tf.nn.dropout`, in every run) on its
    inputs, outputs and new state (for an LSTM the `h` part only), at the
    keep probabilities given (numbers or tensors fed per run). Its
    variables are the wrapped cell's, named as without the wrapper."""

    def __init__(self, cell, input_keep_prob=1.0, output_keep_prob=1.0,
                 state_keep_prob=1.0, variational_recurrent=False,
                 input_size=None, dtype=None, seed=None,
                 dropout_state_filter_visitor=None):
        if variational_recurrent:
            raise NotImplementedError(
                'DropoutWrapper(variational_recurrent=True) is not '
                'supported; use variational_recurrent=False, or '
                'keras.layers.LSTM(recurrent_dropout=...).')
        if dropout_state_filter_visitor is not None:
            raise NotImplementedError(
                'DropoutWrapper(dropout_state_filter_visitor=...) is not '
                'supported; leave it None (the h of an LSTM state drops).')
        super(DropoutWrapper, self).__init__(dtype=dtype)
        self._cell = cell
        self._keep = (input_keep_prob, output_keep_prob, state_keep_prob)
        self._seed = seed

    state_size = property(lambda self: self._cell.state_size)
    output_size = property(lambda self: self._cell.output_size)
    wrapped_cell = property(lambda self: self._cell)

    def zero_state(self, batch_size, dtype):
        return self._cell.zero_state(batch_size, dtype)

    def __call__(self, inputs, state, scope=None):
        input_keep, output_keep, state_keep = self._keep
        inputs = _dropped(inputs, input_keep, self._seed)
        output, new_state = self._cell(inputs, state, scope=scope)
        if _drops(state_keep):
            new_state = _dropped_state(new_state, state_keep, self._seed)
        return _dropped(output, output_keep, self._seed), new_state


def _drops(keep_prob):
    """As TensorFlow decides: a tensor always, a number below 1."""
    return not isinstance(keep_prob, (int, float)) or keep_prob < 1


def _dropped(tensor, keep_prob, seed):
    if not _drops(keep_prob):
        return tensor
    return tf.nn.dropout(tensor, keep_prob=keep_prob, seed=seed)


def _dropped_state(state, keep_prob, seed):
    if isinstance(state, LSTMStateTuple):
        return LSTMStateTuple(state.c, _dropped(state.h, keep_prob, seed))
    if isinstance(state, (tuple, list)):
        return type(state)(_dropped_state(s, keep_prob, seed)
                           for s in state)
    return _dropped(state, keep_prob, seed)


class ResidualWrapper(RNNCell):
    """The cell with its input added to its output."""

    def __init__(self, cell, residual_fn=None):
        super(ResidualWrapper, self).__init__()
        self._cell = cell
        self._residual_fn = residual_fn or (lambda i, o: i + o)

    state_size = property(lambda self: self._cell.state_size)
    output_size = property(lambda self: self._cell.output_size)

    def zero_state(self, batch_size, dtype):
        return self._cell.zero_state(batch_size, dtype)

    def __call__(self, inputs, state, scope=None):
        output, new_state = self._cell(inputs, state, scope=scope)
        return self._residual_fn(inputs, output), new_state


def _masked(finished, new, old):
    """`new` where a sequence still runs, `old` where it has ended."""
    return tf.nest.map_structure(
        lambda n, o: tf.where(tf.broadcast_to(finished, tf.shape(n)), o, n),
        new, old)


def dynamic_rnn(cell, inputs, sequence_length=None, initial_state=None,
                dtype=None, parallel_iterations=None, swap_memory=False,
                time_major=False, scope=None):
    """Runs `cell` over the time axis of `inputs` (axis 1, or 0 when
    `time_major`), its variables under the variable scope `scope` (by
    default 'rnn'); returns `(outputs, final_state)`. Past a sequence's
    `sequence_length` its outputs are zeros and its state stays the last
    one. A time axis of unknown length (a placeholder `[None, None, d]`)
    is stepped through when the graph runs."""
    time_axis = 0 if time_major else 1
    inputs = tf.convert_to_tensor(inputs)
    if getattr(inputs, '_is_keras_symbolic', False) and \
            inputs.shape.as_list()[time_axis] is None:
        from .tensorflow_rnn_loops import dynamic_rnn_loop
        with tfv.variable_scope(scope or 'rnn'):
            if initial_state is None:
                initial_state = cell.zero_state(
                    _batch_size(inputs, 1 - time_axis), dtype or inputs.dtype)
            return dynamic_rnn_loop(cell, inputs, sequence_length,
                                    initial_state, time_major)
    steps = tf.unstack(inputs, axis=time_axis)
    if not steps:
        raise ValueError('dynamic_rnn needs at least one time step.')
    with tfv.variable_scope(scope or 'rnn'):
        outputs, state = _unrolled(cell, steps, sequence_length,
                                   initial_state, dtype)
    return tf.stack(outputs, axis=time_axis), state


def _batch_size(tensor, axis):
    """The static batch size of `tensor`, else its dynamic one."""
    size = tensor.shape.as_list()[axis]
    return size if size is not None else tf.shape(tensor)[axis]


def _unrolled(cell, steps, sequence_length, initial_state, dtype):
    """`(outputs, final_state)` of `cell` over the tensors `steps`."""
    state = initial_state if initial_state is not None else \
        cell.zero_state(_batch_size(steps[0], 0), dtype or steps[0].dtype)
    outputs = []
    for t, x in enumerate(steps):
        output, new_state = cell(x, state)
        if sequence_length is not None:
            finished = tf.expand_dims(
                tf.greater_equal(t, sequence_length), 1)
            output = tf.where(tf.broadcast_to(finished, tf.shape(output)),
                              tf.zeros_like(output), output)
            new_state = _masked(finished, new_state, state)
        outputs.append(output)
        state = new_state
    return outputs, state


def static_rnn(cell, inputs, initial_state=None, dtype=None,
               sequence_length=None, scope=None):
    """`cell` over the list of time steps `inputs`, its variables under
    the variable scope `scope` (by default 'rnn'): `(outputs, state)`,
    outputs a list of one tensor per step."""
    inputs = list(inputs)
    if not inputs:
        raise ValueError('inputs must not be empty')
    with tfv.variable_scope(scope or 'rnn'):
        return _unrolled(cell, inputs, sequence_length, initial_state, dtype)


def _reversed_in_time(tensor, sequence_length, time_axis):
    if sequence_length is None:
        result = tf.reverse(tensor, axis=[time_axis])
    else:
        result = tf.reverse_sequence(tensor, seq_lengths=sequence_length,
                                     seq_axis=time_axis,
                                     batch_axis=1 - time_axis)
    if getattr(result, '_is_keras_symbolic', False):
        # (Of the input's static shape: a time axis of unknown length
        # stays unknown.)
        result._keras_shape = tuple(tensor.shape.as_list())
    return result


def bidirectional_dynamic_rnn(cell_fw, cell_bw, inputs, sequence_length=None,
                              initial_state_fw=None, initial_state_bw=None,
                              dtype=None, parallel_iterations=None,
                              swap_memory=False, time_major=False,
                              scope=None):
    """`cell_fw` over `inputs` and `cell_bw` over each sequence reversed
    within its `sequence_length`, under the variable scopes
    'bidirectional_rnn/fw' and '.../bw': `((outputs_fw, outputs_bw),
    (state_fw, state_bw))`, the backward outputs in input order."""
    time_axis = 0 if time_major else 1
    with tfv.variable_scope(scope or 'bidirectional_rnn'):
        with tfv.variable_scope('fw') as fw_scope:
            outputs_fw, state_fw = dynamic_rnn(
                cell_fw, inputs, sequence_length, initial_state_fw, dtype,
                time_major=time_major, scope=fw_scope)
        with tfv.variable_scope('bw') as bw_scope:
            reversed_inputs = _reversed_in_time(
                tf.convert_to_tensor(inputs), sequence_length, time_axis)
            reversed_outputs, state_bw = dynamic_rnn(
                cell_bw, reversed_inputs, sequence_length, initial_state_bw,
                dtype, time_major=time_major, scope=bw_scope)
    outputs_bw = _reversed_in_time(reversed_outputs, sequence_length,
                                   time_axis)
    return (outputs_fw, outputs_bw), (state_fw, state_bw)


def static_bidirectional_rnn(cell_fw, cell_bw, inputs, initial_state_fw=None,
                             initial_state_bw=None, dtype=None,
                             sequence_length=None, scope=None):
    """`static_rnn` forward and over the reversed steps: `(outputs,
    state_fw, state_bw)`, each output the forward and backward outputs
    of its step concatenated."""
    inputs = list(inputs)
    with tfv.variable_scope(scope or 'bidirectional_rnn'):
        with tfv.variable_scope('fw') as fw_scope:
            outputs_fw, state_fw = static_rnn(
                cell_fw, inputs, initial_state_fw, dtype, sequence_length,
                scope=fw_scope)
        with tfv.variable_scope('bw') as bw_scope:
            if sequence_length is None:
                reversed_inputs = inputs[::-1]
            else:
                reversed_inputs = tf.unstack(_reversed_in_time(
                    tf.stack(inputs, 1), sequence_length, 1), axis=1)
            outputs_bw, state_bw = static_rnn(
                cell_bw, reversed_inputs, initial_state_bw, dtype,
                sequence_length, scope=bw_scope)
    if sequence_length is None:
        outputs_bw = outputs_bw[::-1]
    else:
        outputs_bw = tf.unstack(_reversed_in_time(
            tf.stack(outputs_bw, 1), sequence_length, 1), axis=1)
    outputs = [tf.concat([f, b], 1) for f, b in zip(outputs_fw, outputs_bw)]
    return outputs, state_fw, state_bw


_CELLS = (RNNCell, BasicRNNCell, BasicLSTMCell, LSTMCell, GRUCell,
          MultiRNNCell, DropoutWrapper, ResidualWrapper, LSTMStateTuple)


def install(nn, submodule):
    """Serves the cells as `tf.nn.rnn_cell`, `dynamic_rnn`, `static_rnn`
    and the bidirectional runs on `nn`."""
    rnn_cell = submodule('nn.rnn_cell', 'TensorFlow 1 RNN cells.')
    for cls in _CELLS:
        setattr(rnn_cell, cls.__name__, cls)
    nn.rnn_cell = rnn_cell
    nn.dynamic_rnn = dynamic_rnn
    nn.static_rnn = static_rnn
    nn.bidirectional_dynamic_rnn = bidirectional_dynamic_rnn
    nn.static_bidirectional_rnn = static_bidirectional_rnn
    return rnn_cell


def install_contrib(contrib, submodule):
    """Serves TensorFlow 1's `tf.contrib.rnn`: the cells, wrappers,
    `static_rnn` and `static_bidirectional_rnn`."""
    rnn = submodule('contrib.rnn', 'TensorFlow 1 contrib RNN cells.')
    for cls in _CELLS:
        setattr(rnn, cls.__name__, cls)
    rnn.static_rnn = static_rnn
    rnn.static_bidirectional_rnn = static_bidirectional_rnn
    contrib.rnn = rnn
    return rnn
