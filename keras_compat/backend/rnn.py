"""Recurrent kernels on torch tensors, used by `keras.backend.rnn` and the
recurrent layers (SimpleRNN, GRU, LSTM, `RNN(cell)`, ConvLSTM2D).

How the Keras concepts map to torch:

- running a step function over the time axis (`K.rnn`: `keras_rnn`; a
  cell in an RNN layer): `step_loop`, a Python loop over
  `Tensor.unbind(1)`; at masked timesteps the previous output and states
  are kept (`torch.where`), with zeros as the output before the first
  valid step (`zero_output_for_mask`: zeros at every masked step).
- SimpleRNN (tanh or relu), GRU (`reset_after=True`) and LSTM with the
  gate activations torch implements: `fused_rnn`, one call of
  `torch._VF.rnn_tanh` / `rnn_relu` / `gru` / `lstm` (cuDNN on CUDA) over
  a padded batch or a `PackedSequence`; under torch.compile it runs
  eagerly (`eager_under_compile`) and the layers around it compile.
- LSTM with `hard_sigmoid` gates or recurrent dropout: `lstm_loop.py`,
  the step loop as one autograd node with a hand-written backward pass.
- GRU with `reset_after=False` (Keras 2's default): `gru_loop.py`,
  likewise one autograd node with a hand-written backward pass."""
import functools

import torch

_FUSED = {'RNN_TANH': 'rnn_tanh', 'RNN_RELU': 'rnn_relu', 'GRU': 'gru',
          'LSTM': 'lstm'}
_STATES = {'RNN_TANH': 1, 'RNN_RELU': 1, 'GRU': 1, 'LSTM': 2}

# Functions marked `eager_under_compile`, each with its
# torch.compiler.disable'd version once `prepare_compile` has run.
_EAGER_UNDER_COMPILE = {}


def eager_under_compile(fn):
    """`fn`, run eagerly (a graph break) inside a `jit_compile=True`
    model. The torch.compiler.disable wrapper is made by
    `prepare_compile`, just before compiling: making it imports
    torch._dynamo (about a second and 100 MB), which a script that never
    compiles should not pay."""
    _EAGER_UNDER_COMPILE[fn] = None

    @functools.wraps(fn)
    def call(*args, **kwargs):
        return (_EAGER_UNDER_COMPILE[fn] or fn)(*args, **kwargs)
    return call


def prepare_compile():
    """Makes the functions marked `eager_under_compile` graph breaks for
    torch.compile (run once before compiling a model)."""
    for fn, eager in list(_EAGER_UNDER_COMPILE.items()):
        if eager is None:
            _EAGER_UNDER_COMPILE[fn] = torch.compiler.disable(fn)


def _masked(keep, out, prev, new_states, states):
    """The step's output and states where `keep`, the previous ones
    elsewhere."""
    out = torch.where(keep, out, prev)
    return out, [torch.where(keep, n, s) for n, s in zip(new_states, states)]


def step_loop(step, inputs, initial_states, mask=None, go_backwards=False):
    """Runs `step(input_t, states) -> (output_t, new_states)` over axis 1 of
    `inputs` (`(batch, time, ...)`), from the last timestep first where
    `go_backwards`. `mask` (bool, `(batch, time)`): at False steps the
    output and states of the previous step are kept. Returns (the outputs
    stacked on axis 1 in the order run, the last output, the final
    states)."""
    steps = inputs.unbind(1)
    order = range(len(steps) - 1, -1, -1) if go_backwards else \
        range(len(steps))
    states, outputs, prev = list(initial_states), [], None
    for t in order:
        out, new_states = step(steps[t], states)
        if mask is not None:
            keep = mask[:, t].view((-1,) + (1,) * (out.dim() - 1))
            if prev is None:
                prev = torch.zeros_like(out)
            out, new_states = _masked(keep, out, prev, new_states, states)
        prev = out
        outputs.append(out)
        states = list(new_states)
    return torch.stack(outputs, dim=1), outputs[-1], states


def keras_rnn(step_function, inputs, initial_states, mask=None,
              constants=None, go_backwards=False, time_major=False,
              zero_output_for_mask=False, return_all_outputs=True):
    """`K.rnn` on torch tensors: runs `step_function(input_t, states +
    constants)` over the time axis and returns (last output, outputs,
    final states). `mask`: bool, (batch, time) (time first with
    `time_major`, as the inputs and outputs). With `zero_output_for_mask`
    the masked steps of the outputs, and a masked last step, are zeros;
    with `return_all_outputs=False` the outputs hold the last step only
    (time axis of length 1)."""
    if inputs.dim() < 3:
        raise ValueError('Input should be at least 3D (batch, time, ...); '
                         'got shape %s.' % (tuple(inputs.shape),))
    if time_major:
        inputs = inputs.transpose(0, 1)
        mask = None if mask is None else mask.transpose(0, 1)
    step = step_function
    if constants is not None:
        constants = list(constants)

        def step(x_t, states):
            return step_function(x_t, list(states) + constants)
    outputs, last_output, states = step_loop(
        step, inputs, initial_states, mask, go_backwards)
    if zero_output_for_mask and mask is not None:
        outputs, last_output = _zero_masked_outputs(
            outputs, last_output, mask, go_backwards)
    if not return_all_outputs:
        outputs = last_output.unsqueeze(1)
    if time_major:
        outputs = outputs.transpose(0, 1)
    return last_output, outputs, states


def _zero_masked_outputs(outputs, last_output, mask, go_backwards):
    """Zeros at the masked steps of `outputs` (stacked in the order run)
    and in `last_output` where the last step run is masked."""
    mask = mask.reshape(mask.shape[:2])
    if go_backwards:
        mask = torch.flip(mask, dims=[1])
    keep = mask.view(tuple(mask.shape) + (1,) * (outputs.dim() - 2))
    last_keep = mask[:, -1].view((-1,) + (1,) * (last_output.dim() - 1))
    return (torch.where(keep, outputs, torch.zeros_like(outputs)),
            torch.where(last_keep, last_output,
                        torch.zeros_like(last_output)))


def _packed_rnn(fn, inputs, hx, weights, has_biases, train):
    result = fn(inputs.data, inputs.batch_sizes, hx, weights, has_biases, 1,
                0.0, train, False)
    outputs = torch.nn.utils.rnn.PackedSequence(
        result[0], inputs.batch_sizes, inputs.sorted_indices,
        inputs.unsorted_indices)
    order = inputs.unsorted_indices
    return outputs, [h[0].index_select(0, order) for h in result[1:]]


def fused_rnn(mode, inputs, initial_states, weights, has_biases, train):
    """One layer of torch's fused recurrence. `mode`: 'RNN_TANH',
    'RNN_RELU', 'GRU' or 'LSTM'; `inputs`: `(batch, time, features)` or a
    `PackedSequence`; `initial_states`: `[h]` (`[h, c]` for LSTM), each
    `(batch, units)`; `weights`: `[weight_ih, weight_hh]` and, with
    `has_biases`, `[bias_ih, bias_hh]` after them, in torch layout and gate
    order; `train`: training mode of the kernel. Returns (outputs, final
    states as a list)."""
    fn = getattr(torch._VF, _FUSED[mode])
    hx = [s.unsqueeze(0).contiguous()
          for s in initial_states[:_STATES[mode]]]
    hx = tuple(hx) if mode == 'LSTM' else hx[0]
    if isinstance(inputs, torch.nn.utils.rnn.PackedSequence):
        return _packed_rnn(fn, inputs, hx, weights, has_biases, train)
    result = fn(inputs, hx, weights, has_biases, 1, 0.0, train, False, True)
    return result[0], [h[0] for h in result[1:]]
