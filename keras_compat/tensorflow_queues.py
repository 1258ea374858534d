"""TensorFlow 1's queue input pipelines: `tf.FIFOQueue`,
`tf.RandomShuffleQueue` and `tf.PaddingFIFOQueue` with their enqueue,
dequeue, size and close operations; the readers (`tf.TFRecordReader`,
`tf.TextLineReader`, `tf.WholeFileReader`, `tf.FixedLengthRecordReader`);
`tf.train.string_input_producer`, `input_producer`,
`range_input_producer`, `slice_input_producer`, `batch`, `batch_join`,
`shuffle_batch`, `shuffle_batch_join`; `tf.train.QueueRunner`,
`add_queue_runner`, `start_queue_runners` and `tf.train.Coordinator`.

A dequeue is a graph tensor (or a list of them) that each run fills with
the next element or batch of its queue, as `get_next()` of a dataset
iterator does (engine/fed_tensors.py). The queue itself is a Python queue
whose queue runners are run by the runs that need their elements (in
the thread that dequeues, once `start_queue_runners` has started them),
so an unshuffled pipeline gives TensorFlow's order whatever its
`num_threads`; other threads may enqueue and dequeue as in TensorFlow.
`num_epochs` ends a producer with OutOfRangeError, which closes the queue
it feeds; a dequeue from a closed queue without enough elements raises
OutOfRangeError (`dequeue_up_to` and `allow_smaller_final_batch` take
what is left first). A RandomShuffleQueue draws its elements with NumPy
(seeded by the op's `seed`), filled up to its capacity by its runners
before each dequeue: it is a uniform shuffle like TensorFlow's, not its
order.

String tensors (a reader's records, file names, string features) are
values computed at each run from the element of their source; the
functions that turn them into numbers (`tf.parse_single_example`,
`tf.decode_raw`, `tf.decode_csv`, `tf.image.decode_jpeg`, ...) give graph
tensors filled at each run from the same element."""
import contextlib
import functools
import sys
import threading
import time

import numpy as np
import torch

from .engine import fed_tensors
from .tensorflow_iterators import _shape_tuple


def _tf():
    from . import tensorflow_compat
    return tensorflow_compat


def _errors():
    return _tf().errors


QUEUE_RUNNERS = 'queue_runners'


# ------------------------------------------------------------- values
def _is_string_value(value):
    if isinstance(value, (bytes, str)):
        return True
    return isinstance(value, np.ndarray) and value.dtype.kind in 'OSU'


def _component(value, dtype=None):
    """A queue element's component as a NumPy value (an object array for
    strings)."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if _is_string_value(value):
        array = np.asarray(value, dtype=object)
        if array.ndim == 0:
            array = np.empty((), object)
            array[()] = _as_bytes(value if not isinstance(value, np.ndarray)
                                  else value.item())
            return array
        return np.vectorize(_as_bytes, otypes=[object])(array)
    if dtype is not None and dtype != 'string':
        return np.asarray(value, dtype=dtype)
    return np.asarray(value)


def _as_bytes(value):
    return value.encode('utf8') if isinstance(value, str) else bytes(value)


def _output_value(value):
    """A component as a run gives it: a tensor for numbers, a string
    scalar or object array for strings."""
    if isinstance(value, np.ndarray) and value.dtype == object:
        if value.ndim == 0:
            return _tf()._StringScalar(value.item())
        return value
    return value


def _torch_value(value):
    if isinstance(value, torch.Tensor):
        return value
    return torch.as_tensor(np.asarray(value))


def _dtype_name(value):
    if isinstance(value, torch.Tensor):
        return str(value.dtype).replace('torch.', '')
    if isinstance(value, float):
        return 'float32'
    if isinstance(value, bool):
        return 'bool'
    if isinstance(value, int):
        return 'int32'
    return np.asarray(value).dtype.name


def _shape_of(value):
    return tuple(np.shape(value)) if not isinstance(value, torch.Tensor) \
        else tuple(value.shape)


def _static_shape(tensor):
    """The static shape of a pipeline value, a tuple (None where unknown)
    or None for an unknown rank."""
    if isinstance(tensor, StringTensor):
        return tensor._shape
    if getattr(tensor, '_is_keras_symbolic', False):
        shape = getattr(tensor, '_keras_shape', None)
        return None if shape is None else tuple(shape)
    if isinstance(tensor, (bytes, str)):
        return ()
    return _shape_of(tensor)


def _eager():
    return not fed_tensors.executes_as_graph()


def _eager_value(component):
    """A dequeued component under eager execution: a tensor, or the
    strings."""
    if component.dtype == object:
        return _output_value(component)
    return torch.as_tensor(component)


def _graph_only(what, error=RuntimeError):
    """TensorFlow 2's error for a queue pipeline under eager execution."""
    if _eager():
        if what == 'Readers':
            raise error('Readers are not supported when eager execution '
                        'is enabled. Instead, please use tf.data to get '
                        'data into your model.')
        raise error('Input pipelines based on Queues are not supported '
                    'when eager execution is enabled. Please use tf.data '
                    'to ingest data into your model instead.')


# ------------------------------------------------------------ sources
class _Source(object):
    """Where the values of one element at a time come from (a reader's
    next record, a queue's next element or batch): each run needing them
    takes the next element once."""

    def __init__(self, take, sample):
        self._take = take
        self._sample = sample
        self._sample_value = None
        self.element = None
        self._read_by = set()
        self.feed = _SourceFeed(self)

    def advance(self):
        self.element = self._take()
        self._read_by = set()
        return self.element

    def sample(self):
        """An element to learn the structure of computed values from,
        taken without consuming one."""
        if self._sample_value is None:
            self._sample_value = self._sample()
        return self._sample_value

    def string_value(self, tensor):
        """`tensor`'s value in this run: of the element this run took, or
        of the next one where none was taken or `tensor` has read it."""
        if self.element is None or id(tensor) in self._read_by:
            self.advance()
        self._read_by.add(id(tensor))
        return tensor._compute(self.element)


class _SourceFeed(object):
    """The feed of the graph tensors computed from a source's element
    (engine/fed_tensors.py): one element per run, shared by them all."""

    def __init__(self, source):
        self.source = source
        self.components = []

    def values(self):
        element = self.source.advance()
        return [_torch_value(compute(element))
                for compute in self.components]


class _StateFeed(object):
    """The feed of a tensor reading a queue's state at each run."""

    def __init__(self, read):
        self._read = read

    def values(self):
        return [torch.as_tensor(np.asarray(self._read()))]


def _graph_tensor(source, compute, sample, shape, name=None):
    """The tensor of `compute(element)` for `source`: a string tensor, or
    a graph tensor filled at each run."""
    if _is_string_value(sample):
        return StringTensor(source, compute, shape, name)
    from . import backend as K
    placeholder = K.placeholder(shape=shape, dtype=_dtype_name(sample),
                                name=_unique_name(name or 'String'))
    source.feed.components.append(compute)
    return fed_tensors.mark(placeholder, source.feed,
                            len(source.feed.components) - 1)


def _state_tensor(read, dtype, name):
    from . import backend as K
    placeholder = K.placeholder(shape=(), dtype=dtype,
                                name=_unique_name(name))
    return fed_tensors.mark(placeholder, _StateFeed(read), 0)


class StringTensor(object):
    """A string tensor of a queue pipeline (a record, a file name, a
    string feature): its value at each run is computed from the element
    its source gives that run. Fetch it (`session.run`) or give it to a
    function that reads strings (`tf.parse_single_example`,
    `tf.decode_raw`, `tf.decode_csv`, `tf.read_file`, image decoders), to
    a queue or a batch."""

    _is_queue_string = True

    def __init__(self, source, compute, shape, name=None):
        self._source = source
        self._compute = compute
        self._shape = shape
        self.name = (name or 'String') + ':0'

    @property
    def dtype(self):
        return _tf().string

    @property
    def shape(self):
        return _tf().TensorShape(None if self._shape is None
                                 else list(self._shape))

    def get_shape(self):
        return self.shape

    def set_shape(self, shape):
        shape = _shape_tuple(shape)
        if shape is None:
            return
        if self._shape is not None and (len(shape) != len(self._shape) or any(
                a is not None and b is not None and a != b
                for a, b in zip(shape, self._shape))):
            raise ValueError('Shapes %s and %s are incompatible'
                             % (self.shape, _tf().TensorShape(list(shape))))
        self._shape = shape if self._shape is None else tuple(
            a if a is not None else b for a, b in zip(shape, self._shape))

    @property
    def graph(self):
        from .backend import graph_names
        return graph_names.default_graph()

    def _keras_run_value(self):
        return _output_value(_component(self._source.string_value(self)))

    def eval(self, feed_dict=None, session=None):
        from .tensorflow_graph_run import run
        return run(self, feed_dict)

    def __repr__(self):
        return '<tf.Tensor %r shape=%s dtype=string>' % (self.name,
                                                          self.shape)


def _find_strings(value, found):
    if isinstance(value, StringTensor):
        found.append(value)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _find_strings(item, found)
    elif isinstance(value, dict):
        for item in value.values():
            _find_strings(item, found)


def _resolved(value, element):
    if isinstance(value, StringTensor):
        return _output_value(_component(value._compute(element)))
    if isinstance(value, (list, tuple)) and not hasattr(value, '_fields'):
        return type(value)(_resolved(v, element) for v in value)
    if isinstance(value, dict):
        return {k: _resolved(v, element) for k, v in value.items()}
    return value


def _computed_outputs(source, compute, sample, shape_rule, name):
    """The tensors of each value of `compute(element)`'s structure."""
    def build(value, path):
        if isinstance(value, dict):
            return {k: build(v, path + (k,)) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [build(v, path + (i,)) for i, v in enumerate(value)]
        if type(value).__name__ == 'SparseTensor':
            raise NotImplementedError(
                'Sparse results (VarLenFeature) of a queue pipeline\'s '
                'strings are not supported: use FixedLenFeature (with '
                'a default_value) or tf.data.')

        def part(element, path=path):
            result = compute(element)
            for key in path:
                result = result[key]
            return result
        rank = len(_shape_of(value))
        shape = _shape_of(value) if shape_rule == 'sample' else \
            (None,) * rank
        return _graph_tensor(source, part, value, shape, name)
    return build(sample, ())


def deferring(fn, shape_rule='unknown'):
    """`fn` taking the string tensors of a queue pipeline: called on one,
    its results are tensors computed from each run's element (their
    static shapes those of a first element's results where `shape_rule`
    is 'sample', else of unknown sizes)."""
    @functools.wraps(fn)
    def function(*args, **kwargs):
        found = []
        _find_strings((args, kwargs), found)
        if not found:
            return fn(*args, **kwargs)
        source = found[0]._source
        if any(t._source is not source for t in found):
            raise NotImplementedError(
                '%s of string tensors from different readers or queues: '
                'combine them after a tf.train.batch of both.'
                % fn.__name__)
        memo = {}

        def compute(element):
            if memo.get('element') is not element:
                memo['value'] = fn(*_resolved(args, element),
                                   **_resolved(kwargs, element))
                memo['element'] = element
            return memo['value']
        sample = compute(source.sample())
        return _computed_outputs(source, compute, sample, shape_rule,
                                 fn.__name__)
    return function


# ------------------------------------------------------------- queues
class _PyQueue(object):
    """The elements of a queue (tuples of NumPy components), its
    capacity, closing, and the queue runners producing into it."""

    def __init__(self, kind, capacity, dtype_names, shapes, name,
                 min_after_dequeue=0, seed=None):
        self.kind = kind
        self.capacity = int(capacity) if capacity is not None and \
            int(capacity) > 0 else sys.maxsize
        self.dtype_names = dtype_names
        self.shapes = shapes
        self.name = name
        self.min_after_dequeue = int(min_after_dequeue or 0)
        self.random = np.random.RandomState(seed) if seed is not None \
            else np.random
        self.items = []
        self.closed = False
        self.cancelled = False
        self.runners = []
        self.producers = []
        self.condition = threading.Condition(threading.RLock())

    def _label(self):
        return '%s %r' % ({'fifo': 'FIFOQueue', 'padding': 'PaddingFIFOQueue',
                           'random': 'RandomShuffleQueue'}[self.kind],
                          self.name)

    def size(self):
        return len(self.items)

    # ---------------------------------------------------------- enqueue
    def put(self, elements):
        """Adds the elements, waiting for room where the queue is full;
        CancelledError once it is closed."""
        elements = list(elements)
        with self.condition:
            while elements:
                if self.closed:
                    raise _errors().CancelledError(
                        None, None, '%s is closed.' % self._label())
                room = self.capacity - len(self.items)
                if room > 0:
                    self.items.extend(elements[:room])
                    del elements[:room]
                    self.condition.notify_all()
                else:
                    self.condition.wait(0.05)

    def close(self, cancel_pending_enqueues=False):
        with self.condition:
            self.closed = True
            self.cancelled = self.cancelled or cancel_pending_enqueues
            self.condition.notify_all()

    # ---------------------------------------------------------- dequeue
    def take(self, count, mode):
        """The next element ('one') or `count` of them stacked ('many',
        'up_to': fewer once the queue is closed), produced by its started
        runners where needed."""
        needed = 1 if mode == 'one' else int(count)
        with self.condition:
            while True:
                while self._wants(needed) and self._produce():
                    pass
                if self._can_take(needed):
                    return self._pop(needed, mode)
                if self.closed:
                    if mode == 'up_to' and self.items:
                        return self._pop(min(needed, len(self.items)), mode)
                    raise _errors().OutOfRangeError(
                        None, None, '%s is closed and has insufficient '
                        'elements (requested %d, current size %d)'
                        % (self._label(), needed, len(self.items)))
                self.condition.wait(0.05)

    def _wants(self, needed):
        if self.kind == 'random':
            return len(self.items) < self.capacity
        return len(self.items) < needed

    def _can_take(self, needed):
        if self.kind == 'random' and not self.closed:
            return len(self.items) >= needed + self.min_after_dequeue
        return len(self.items) >= needed

    def _produce(self):
        """One step of a started runner (moving what it produced into the
        queue, or running one of its enqueue operations); False when none
        can add now."""
        for runner in list(self.runners):
            if runner.step(self):
                return True
        return False

    def _pop(self, count, mode):
        if self.kind == 'random':
            taken = []
            for _ in range(count):
                index = int(self.random.randint(len(self.items)))
                taken.append(self.items[index])
                self.items[index] = self.items[-1]
                self.items.pop()
        else:
            taken = self.items[:count]
            del self.items[:count]
        self.condition.notify_all()
        if mode == 'one':
            return taken[0]
        return tuple(_stacked([e[i] for e in taken], self.kind == 'padding')
                     for i in range(len(self.dtype_names)))

    def sample(self):
        """An element of the queue (its first, or one its producers would
        give), for the structure of what is computed from its strings."""
        if self.items:
            return self.items[0]
        for producer in self.producers:
            return producer.sample()
        raise NotImplementedError(
            'The strings of %s are used before anything may enqueue '
            'into it: make its enqueue operations or queue runner first.'
            % self._label())


def _stacked(values, pad):
    """Components of elements stacked along a new first axis; padded
    with zeros (or b'') to the longest of each axis where `pad`."""
    if pad and values:
        rank = np.ndim(values[0])
        longest = [max(np.shape(v)[axis] for v in values)
                   for axis in range(rank)]
        padded = []
        for v in values:
            widths = [(0, n - s) for n, s in zip(longest, np.shape(v))]
            fill = b'' if v.dtype == object else 0
            padded.append(np.pad(v, widths, constant_values=fill))
        values = padded
    if values and values[0].dtype == object:
        out = np.empty((len(values),) + values[0].shape, object)
        for i, v in enumerate(values):
            out[i] = v
        return out
    return np.stack(values) if values else np.zeros((0,))


class _Operation(object):
    """An operation of a queue pipeline that a run runs for its effect
    (`queue.close()`): `session.run(op)` gives None."""

    type = 'NoOp'

    def __init__(self, action, name):
        self._action = action
        self.name = name

    def run(self, feed_dict=None, session=None):
        self._action()

    @property
    def graph(self):
        from .backend import graph_names
        return graph_names.default_graph()

    def __repr__(self):
        return '<tf.Operation %r type=%s>' % (self.name, self.type)


def _enqueue_update_class():
    from .engine.symbolic import OptimizerUpdate, is_symbolic

    class EnqueueUpdate(OptimizerUpdate):
        """The run of an enqueue operation: the run computes its values,
        then adds them to the queue as one element (`enqueue`) or one per
        row (`enqueue_many`)."""

        def __init__(self, queue, values, many, keep_input=None):
            self.queue = queue
            self.values = values
            self.many = many
            self.keep_input = keep_input
            self.params = []
            self._prepared = None
            self._function = None

        def _inputs(self):
            return self.values + ([] if self.keep_input is None
                                  else [self.keep_input])

        def symbolic_values(self):
            return [v for v in self._inputs() if is_symbolic(v)]

        def prepare(self, computed):
            self._prepared = [computed[id(v)] if is_symbolic(v)
                              else _value_now(v) for v in self._inputs()]

        def apply(self):
            values, self._prepared = self._prepared, None
            self.queue.put(self.elements(values))

        def elements(self, values):
            """The elements the values give (those `keep_input` keeps,
            where it is given: after the values)."""
            names = self.queue.dtype_names
            keep = None
            if self.keep_input is not None:
                keep = np.asarray(_torch_value(values[-1]).cpu()).astype(bool)
                values = values[:-1]
            if not self.many:
                if keep is not None and not keep:
                    return []
                return [tuple(_component(v, d)
                              for v, d in zip(values, names))]
            columns = [_component(v, d) for v, d in zip(values, names)]
            counts = set(len(c) for c in columns)
            if len(counts) != 1:
                raise _errors().InvalidArgumentError(
                    None, None, 'Shape mismatch in tuple component: the '
                    'values given to enqueue_many have different sizes '
                    '%s.' % sorted(counts))
            rows = range(counts.pop())
            if keep is not None:
                rows = [i for i in rows if (keep[i] if keep.ndim else keep)]
            return [tuple(_component(c[i]) for c in columns) for i in rows]

        def produce(self):
            """The elements of one run of this operation, computed by a
            queue runner."""
            symbolic = self.symbolic_values()
            computed = {}
            if symbolic:
                if self._function is None:
                    from . import backend as K
                    self._function = K.function([], symbolic)
                for tensor, value in zip(symbolic, self._function([])):
                    computed[id(tensor)] = value
            return self.elements([computed[id(v)] if is_symbolic(v)
                                  else _value_now(v)
                                  for v in self._inputs()])

        def sample(self):
            parts = []
            for value in self.values:
                if isinstance(value, StringTensor):
                    part = value._compute(value._source.sample())
                elif is_symbolic(value):
                    part = np.zeros([d or 1 for d in value._keras_shape],
                                    np.float32)
                else:
                    part = _value_now(value)
                part = _component(part)
                parts.append(_component(part[0]) if self.many else part)
            return tuple(parts)
    return EnqueueUpdate


_ENQUEUE_UPDATE = []


def _enqueue_update(queue, values, many, keep_input=None):
    if not _ENQUEUE_UPDATE:
        _ENQUEUE_UPDATE.append(_enqueue_update_class())
    return _ENQUEUE_UPDATE[0](queue, values, many, keep_input)


def _value_now(value):
    """A value an enqueue takes that is not a graph tensor: a string
    tensor's in this run, a variable's, a constant."""
    if isinstance(value, StringTensor):
        return value._keras_run_value()
    from . import backend as K
    if K.is_variable(value):
        return K.get_value(value)
    return value


class QueueBase(object):
    """A TensorFlow 1 queue (`tf.FIFOQueue(capacity, dtypes, shapes,
    names)`, `tf.RandomShuffleQueue`, `tf.PaddingFIFOQueue`): its
    `enqueue`, `enqueue_many`, `dequeue`, `dequeue_many`,
    `dequeue_up_to`, `size` and `close` operations."""

    _kind = 'fifo'
    _default_name = 'fifo_queue'

    def __init__(self, capacity, dtypes, shapes=None, names=None,
                 shared_name=None, name=None, min_after_dequeue=0,
                 seed=None):
        tf = _tf()
        single = not isinstance(dtypes, (list, tuple))
        dtypes = [dtypes] if single else list(dtypes)
        self._dtypes = [tf.as_dtype(d) for d in dtypes]
        if shapes is not None:
            shapes = _shape_list(shapes)
            if len(shapes) != len(dtypes):
                raise ValueError('Queue shapes must have the same length '
                                 'as dtypes')
            self._shapes = shapes
        else:
            self._shapes = [None] * len(dtypes)
        if self._kind == 'padding' and shapes is None:
            raise ValueError('When providing partial shapes, a list of '
                             'shapes must be provided.')
        if names is not None:
            names = [names] if isinstance(names, str) else list(names)
            if len(names) != len(dtypes):
                raise ValueError('Queue names must have the same length '
                                 'as dtypes')
        self._names = names
        self._name = _unique_name(name or self._default_name)
        self._queue = _PyQueue(
            self._kind, capacity, [d.name for d in self._dtypes],
            self._shapes, self._name, min_after_dequeue, seed)

    # ------------------------------------------------------- properties
    @property
    def name(self):
        return self._name

    @property
    def dtypes(self):
        return list(self._dtypes)

    @property
    def shapes(self):
        return [_tf().TensorShape(None if s is None else list(s))
                for s in self._shapes]

    @property
    def names(self):
        return self._names

    @property
    def queue_ref(self):
        return self

    # ------------------------------------------------------- operations
    def _values(self, vals):
        if isinstance(vals, dict):
            if self._names is None:
                raise ValueError('Queue must have names to enqueue a '
                                 'dictionary')
            if sorted(self._names) != sorted(vals):
                raise ValueError('Keys in dictionary to enqueue do not '
                                 'match names of Queue.  Dictionary: %s, '
                                 'Queue: %s' % (sorted(vals),
                                                sorted(self._names)))
            return [vals[n] for n in self._names]
        if not isinstance(vals, (list, tuple)):
            return [vals]
        if len(vals) != len(self._dtypes):
            raise ValueError('Expected %d values to enqueue, got %d'
                             % (len(self._dtypes), len(vals)))
        return list(vals)

    def _enqueue_op(self, vals, many, name, keep_input=None):
        from .tensorflow_graph_run import TrainOp, active_dependencies
        update = _enqueue_update(self._queue, self._values(vals), many,
                                 keep_input)
        if _eager():
            self._queue.put(update.elements(
                [_value_now(v) for v in update._inputs()]))
            return None
        self._queue.producers.append(update)
        return TrainOp(update, _unique_name(
            name or self._name + ('_EnqueueMany' if many else '_enqueue')),
            active_dependencies())

    def enqueue(self, vals, name=None):
        """The operation adding one element."""
        return self._enqueue_op(vals, False, name)

    def enqueue_many(self, vals, name=None):
        """The operation adding one element per row of the values."""
        return self._enqueue_op(vals, True, name)

    def _dequeue(self, count, mode, name):
        queue = self._queue
        if _eager():
            outputs = [_eager_value(v) for v in queue.take(count, mode)]
            return self._structured(outputs)
        source = _Source(lambda: queue.take(count, mode), queue.sample)
        outputs = []
        for i, (dtype, shape) in enumerate(zip(self._dtypes, self._shapes)):
            if shape is None:
                shape = self._enqueued_shape(i)
            if mode == 'many':
                shape = None if shape is None else (int(count),) + shape
            elif mode == 'up_to':
                shape = None if shape is None else (None,) + shape
            name_ = name or self._name + {'one': '_Dequeue', 'many':
                                          '_DequeueMany', 'up_to':
                                          '_DequeueUpTo'}[mode]
            outputs.append(_component_tensor(source, i, dtype, shape,
                                              name_))
        return self._structured(outputs)

    def _structured(self, outputs):
        if self._names is not None:
            return dict(zip(self._names, outputs))
        return outputs[0] if len(outputs) == 1 else outputs

    def _enqueued_shape(self, index):
        """The shape of component `index` of what the queue's enqueue
        operations give, for a queue made without `shapes`."""
        for producer in self._queue.producers:
            values = getattr(producer, 'values', None)
            shape = None if values is None else _static_shape(values[index])
            if shape is not None:
                return shape[1:] if producer.many else shape
        raise NotImplementedError(
            'A dequeue from %r, made without `shapes` and before any '
            'enqueue operation: give the queue its element shapes '
            '(shapes=[...]) or make its enqueue operations first.'
            % self._name)

    def dequeue(self, name=None):
        """The next element, at each run."""
        return self._dequeue(1, 'one', name)

    def dequeue_many(self, n, name=None):
        """The next `n` elements stacked, at each run."""
        return self._dequeue(int(n), 'many', name)

    def dequeue_up_to(self, n, name=None):
        """The next `n` elements stacked, or what is left of a closed
        queue."""
        return self._dequeue(int(n), 'up_to', name)

    def size(self, name=None):
        """The number of elements in the queue (int32), at each run."""
        if _eager():
            return torch.tensor(self._queue.size(), dtype=torch.int32)
        return _state_tensor(self._queue.size, 'int32',
                             name or self._name + '_Size')

    def is_closed(self, name=None):
        return _state_tensor(lambda: self._queue.closed, 'bool',
                             name or self._name + '_IsClosed')

    def close(self, cancel_pending_enqueues=False, name=None):
        """The operation closing the queue: later enqueues fail, dequeues
        take what is left, then raise OutOfRangeError."""
        if _eager():
            self._queue.close(cancel_pending_enqueues)
            return None
        return _Operation(
            lambda: self._queue.close(cancel_pending_enqueues),
            name or self._name + '_Close')

    def __repr__(self):
        return '<%s %r>' % (type(self).__name__, self._name)


def _shape_list(shapes):
    """A queue's `shapes` argument as a list of shape tuples: one shape
    (a TensorShape, a list of sizes) or a list of them, as TensorFlow
    reads it."""
    if hasattr(shapes, 'dims'):
        shapes = [shapes]
    if not isinstance(shapes, (list, tuple)):
        raise TypeError('Shapes must be a TensorShape or a list or tuple '
                        'of TensorShapes.')
    if all(s is None or isinstance(s, (int, np.integer)) for s in shapes):
        shapes = [shapes]
    return [_shape_tuple(s) for s in shapes]


def _component_tensor(source, index, dtype, shape, name):
    def compute(element, index=index):
        return element[index]
    if dtype.name == 'string':
        return StringTensor(source, compute, shape, name)
    from . import backend as K
    placeholder = K.placeholder(shape=shape, dtype=dtype.name,
                                name=_unique_name(name))
    source.feed.components.append(compute)
    return fed_tensors.mark(placeholder, source.feed,
                            len(source.feed.components) - 1)


class FIFOQueue(QueueBase):
    """`tf.FIFOQueue(capacity, dtypes, shapes=None, names=None)`: elements
    in the order they came."""


class PaddingFIFOQueue(QueueBase):
    """`tf.PaddingFIFOQueue(capacity, dtypes, shapes)`: a FIFOQueue whose
    shapes may have unknown sizes; `dequeue_many` pads each batch with
    zeros to its longest."""

    _kind = 'padding'
    _default_name = 'padding_fifo_queue'


class RandomShuffleQueue(QueueBase):
    """`tf.RandomShuffleQueue(capacity, min_after_dequeue, dtypes, ...)`:
    each dequeue takes random elements, leaving at least
    `min_after_dequeue` until the queue is closed (NumPy's draws)."""

    _kind = 'random'
    _default_name = 'random_shuffle_queue'

    def __init__(self, capacity, min_after_dequeue, dtypes, shapes=None,
                 names=None, seed=None, shared_name=None, name=None):
        QueueBase.__init__(self, capacity, dtypes, shapes, names,
                           shared_name, name, min_after_dequeue,
                           _op_seed(seed))


def _op_seed(seed):
    if seed is not None:
        return int(seed)
    graph_seed = _tf()._global_seed()
    return None if graph_seed is None else int(graph_seed)


_NAMES = {}


def _unique_name(name):
    count = _NAMES.get(name, 0)
    _NAMES[name] = count + 1
    return name if count == 0 else '%s_%d' % (name, count)


# ------------------------------------------------------ queue runners
class QueueRunner(object):
    """`tf.train.QueueRunner(queue, enqueue_ops)`: keeps the queue filled
    by running its enqueue operations once started (`create_threads`,
    `tf.train.start_queue_runners`); where one raises OutOfRangeError
    (its inputs are used up) it stops, and the queue is closed once all
    have. Its operations run in the runs that dequeue from the queue."""

    def __init__(self, queue=None, enqueue_ops=None, close_op=None,
                 cancel_op=None, queue_closed_exception_types=None,
                 queue_runner_def=None, import_scope=None):
        if queue_runner_def is not None:
            raise NotImplementedError(
                'QueueRunner(queue_runner_def=...): build the queue runner '
                'from its queue and enqueue operations.')
        if queue is None or not enqueue_ops:
            raise ValueError('Queue and enqueue_ops must be provided.')
        self._queue = queue
        self._enqueue_ops = list(enqueue_ops)
        self._close_op = close_op or queue.close()
        self._cancel_op = cancel_op or queue.close(
            cancel_pending_enqueues=True)
        self._exceptions_raised = []
        self._started = False
        self._done = threading.Event()
        self._coord = None
        self._alive = []
        self._pending = []
        self._next = 0

    queue = property(lambda self: self._queue)
    enqueue_ops = property(lambda self: list(self._enqueue_ops))
    close_op = property(lambda self: self._close_op)
    cancel_op = property(lambda self: self._cancel_op)
    exceptions_raised = property(lambda self: list(self._exceptions_raised))
    name = property(lambda self: self._queue.name)
    queue_closed_exception_types = property(
        lambda self: (_errors().OutOfRangeError, _errors().CancelledError))

    def _producers(self):
        return [getattr(op, 'update', op) for op in self._enqueue_ops]

    def create_threads(self, sess=None, coord=None, daemon=False,
                       start=False):
        """Starts running the enqueue operations (where `start`) and gives
        one thread per operation, alive until they are used up or `coord`
        asks to stop (registered with `coord`)."""
        if self._started and not self._done.is_set():
            return []
        self._coord = coord
        threads = [threading.Thread(target=self._watch, daemon=daemon)
                   for _ in self._enqueue_ops]
        if coord is not None:
            for thread in threads:
                coord.register_thread(thread)
        if start:
            self._begin()
            for thread in threads:
                thread.start()
        else:
            for thread in threads:
                thread.start = _starting(thread, self._begin)
        return threads

    def _begin(self):
        if self._started and not self._done.is_set():
            return
        self._started = True
        self._done.clear()
        self._alive = list(self._producers())
        queue = self._queue._queue
        with queue.condition:
            if self not in queue.runners:
                queue.runners.append(self)
            queue.condition.notify_all()

    def _watch(self):
        while not self._done.wait(0.05):
            if self._coord is not None and self._coord.should_stop():
                self._stop(cancel=True)
                return

    def _stop(self, cancel=False):
        queue = self._queue._queue
        with queue.condition:
            if self in queue.runners:
                queue.runners.remove(self)
            queue.close(cancel)
        self._done.set()

    def step(self, queue):
        """Moves produced elements into `queue` or runs one enqueue
        operation; False when nothing may be added now."""
        if self._coord is not None and self._coord.should_stop():
            self._stop(cancel=True)
            return True
        room = queue.capacity - len(queue.items)
        if self._pending:
            if room <= 0:
                return False
            queue.items.extend(self._pending[:room])
            del self._pending[:room]
            queue.condition.notify_all()
            return True
        if not self._alive:
            self._stop()
            return True
        if room <= 0:
            return False
        producer = self._alive[self._next % len(self._alive)]
        self._next += 1
        try:
            self._pending.extend(producer.produce())
        except (_errors().OutOfRangeError, _errors().CancelledError):
            self._alive.remove(producer)
        except Exception as error:
            self._exceptions_raised.append(error)
            if self._coord is not None:
                self._coord.request_stop(error)
            self._stop(cancel=True)
            raise
        return True


def _starting(thread, begin):
    start = thread.start

    def started():
        begin()
        start()
    return started


class _EpochCounter(object):
    """The `epochs` local variable of `tf.train.limit_epochs` (int64) and
    its count up to `num_epochs`: OutOfRangeError once reached; before
    `tf.local_variables_initializer()` has run, TensorFlow's error for an
    uninitialized resource."""

    def __init__(self, num_epochs):
        from . import backend as K, initializers
        from . import tensorflow_variables as variables
        self.limit = num_epochs
        self.variable = variables.get_variable(
            'epochs', shape=[], dtype='int64',
            initializer=initializers.zeros(), trainable=False,
            collections=[variables.GraphKeys.LOCAL_VARIABLES])
        with torch._C.DisableTorchFunctionSubclass():
            initial = torch.zeros((), dtype=torch.int64)
        self.variable.__dict__['_keras_initial_value'] = initial
        K.set_value(self.variable, -1)
        self._lock = threading.Lock()

    def count(self):
        """Counts one more use; raises where the limit is reached."""
        from . import backend as K
        name = self.variable.name.split(':')[0]
        node = '\n\t [[{{node %s/ResourceCountUpTo}}]]' % name.rsplit(
            '/', 1)[0]
        with self._lock:
            value = int(K.get_value(self.variable))
            if value < 0:
                raise _errors().NotFoundError(
                    None, None, 'Container localhost does not exist. '
                    '(Could not find resource: localhost/%s)%s'
                    % (name, node))
            if value >= self.limit:
                raise _errors().OutOfRangeError(
                    None, None, 'Reached limit of %d%s' % (self.limit, node))
            K.set_value(self.variable, value + 1)


def _epoch_counter(num_epochs, name=None, default='limit_epochs'):
    from . import tensorflow_variables as variables
    with variables.variable_scope(None, name or default):
        return _EpochCounter(num_epochs)


def _count_up_to_class():
    from .engine.symbolic import OptimizerUpdate

    class CountUpTo(OptimizerUpdate):
        """The run of an epoch counter's count: one more use, or its
        error."""

        def __init__(self, counter):
            self.counter = counter
            self.params = []

        def symbolic_values(self):
            return []

        def prepare(self, computed):
            return None

        def apply(self):
            self.counter.count()
    return CountUpTo


def limit_epochs(tensor, num_epochs=None, name=None):
    """`tf.train.limit_epochs(tensor, num_epochs)`: `tensor`, whose runs
    count up its local variable `epochs` and raise OutOfRangeError after
    `num_epochs` of them (`tf.local_variables_initializer()` sets the
    count to zero)."""
    if num_epochs is None:
        return tensor
    if num_epochs <= 0:
        raise ValueError('num_epochs must be > 0 not %d.' % num_epochs)
    _graph_only('Queues')
    from .engine.symbolic import is_symbolic
    counter = _epoch_counter(int(num_epochs), name)
    label = name or 'limit_epochs'
    if is_symbolic(tensor):
        from .tensorflow_graph_run import TrainOp, control_dependencies
        op = TrainOp(_count_up_to_class()(counter),
                     label + '/CountUpTo')
        with control_dependencies([op]):
            return _tf().identity(tensor, name=label)
    value = _component(_value_now(tensor))

    def take():
        counter.count()
        return (value,)
    source = _Source(take, lambda: (value,))
    return _graph_tensor(source, lambda element: element[0], value,
                         value.shape, label)


class _ElementRows(object):
    """The producer of `input_producer` and its kin: the rows of fixed
    columns, `num_epochs` times (None: endlessly; counted by a
    `limit_epochs` counter), each epoch in a new random order where
    `shuffle`."""

    def __init__(self, columns, num_epochs, shuffle, seed):
        self.columns = [_component(c) for c in columns]
        self.counter = None if num_epochs is None else \
            _epoch_counter(num_epochs)
        self.shuffle = shuffle
        self.random = np.random.RandomState(seed) if seed is not None \
            else np.random

    def produce(self):
        if self.counter is not None:
            self.counter.count()
        count = len(self.columns[0])
        order = self.random.permutation(count) if self.shuffle \
            else range(count)
        return [tuple(_component(c[i]) for c in self.columns)
                for i in order]

    def sample(self):
        return tuple(_component(c[0]) for c in self.columns)


def _runner_of(queue, producers):
    runner = QueueRunner(queue, [_Operation(lambda: None, queue.name)])
    runner._producers = lambda: list(producers)
    queue._queue.producers.extend(producers)
    add_queue_runner(runner)
    return runner


def _constant_columns(tensor_list, what):
    from .engine.symbolic import is_symbolic
    columns = []
    for tensor in tensor_list:
        if is_symbolic(tensor) or isinstance(tensor, StringTensor):
            raise NotImplementedError(
                '%s of graph tensors: give it the values (arrays, lists, '
                'constants), or read them with tf.data.' % what)
        columns.append(_value_now(tensor))
    return columns


def _checked_epochs(num_epochs):
    if num_epochs is not None and int(num_epochs) <= 0:
        raise ValueError('num_epochs must be > 0 not %d.' % num_epochs)
    return None if num_epochs is None else int(num_epochs)


def input_producer(input_tensor, element_shape=None, num_epochs=None,
                   shuffle=True, seed=None, capacity=32, shared_name=None,
                   summary_name=None, name=None, cancel_op=None):
    """`tf.train.input_producer`: a queue of the rows of `input_tensor`,
    `num_epochs` times, shuffled each epoch where `shuffle`."""
    _graph_only('Queues')
    column = _constant_columns([input_tensor], 'input_producer')[0]
    column = _component(column)
    shape = element_shape if element_shape is not None else column.shape[1:]
    with _producer_scope(name):
        rows = _ElementRows([column], _checked_epochs(num_epochs), shuffle,
                            _op_seed(seed))
    queue = FIFOQueue(capacity, [_dtype_of(column)], [shape],
                      name=name or 'input_producer')
    _runner_of(queue, [rows])
    return queue


def _producer_scope(name, depth=1):
    """The variable scope of a producer's `epochs` counter
    ('input_producer/limit_epochs/epochs' as TensorFlow names it)."""
    from . import tensorflow_variables as variables
    stack = contextlib.ExitStack()
    for _ in range(depth):
        stack.enter_context(variables.variable_scope(
            None, name or 'input_producer'))
        name = None
    return stack


def _dtype_of(array):
    return _tf().string if array.dtype == object else _tf().as_dtype(
        array.dtype.name)


def string_input_producer(string_tensor, num_epochs=None, shuffle=True,
                          seed=None, capacity=32, shared_name=None,
                          name=None, cancel_op=None):
    """`tf.train.string_input_producer(names)`: a queue of the strings
    (file names), `num_epochs` times."""
    _graph_only('Queues')
    values = _constant_columns([string_tensor], 'string_input_producer')[0]
    if len(np.ravel(np.asarray(values, dtype=object))) == 0:
        raise ValueError('string_input_producer requires a non-null input '
                         'tensor')
    return input_producer(np.asarray(values, dtype=object), [], num_epochs,
                          shuffle, seed, capacity, name=name)


def range_input_producer(limit, num_epochs=None, shuffle=True, seed=None,
                         capacity=32, shared_name=None, name=None):
    """`tf.train.range_input_producer(limit)`: a queue of 0 .. limit-1
    (int32)."""
    return input_producer(np.arange(int(limit), dtype=np.int32), [],
                          num_epochs, shuffle, seed, capacity, name=name)


def slice_input_producer(tensor_list, num_epochs=None, shuffle=True,
                         seed=None, capacity=32, shared_name=None,
                         name=None):
    """`tf.train.slice_input_producer([x, y])`: the rows of the tensors
    (together), one per run."""
    _graph_only('Queues')
    columns = [_component(c) for c in _constant_columns(
        list(tensor_list), 'slice_input_producer')]
    if not columns:
        raise ValueError('Expected at least one tensor in '
                         'slice_input_producer().')
    if len(set(len(c) for c in columns)) != 1:
        raise ValueError('All tensors must have the same size in the '
                         'first dimension.')
    with _producer_scope(name, 2):
        rows = _ElementRows(columns, _checked_epochs(num_epochs), shuffle,
                            _op_seed(seed))
    queue = FIFOQueue(capacity, [_dtype_of(c) for c in columns],
                      [c.shape[1:] for c in columns],
                      name=name or 'input_producer')
    _runner_of(queue, [rows])
    result = queue.dequeue()
    return result if isinstance(result, list) else [result]


# ----------------------------------------------------------- batching
def _flat(tensors):
    """(list of tensors, rebuild) of `tensors` (a list or a dict)."""
    if isinstance(tensors, dict):
        keys = sorted(tensors)
        return [tensors[k] for k in keys], \
            lambda outputs: dict(zip(keys, _as_list(outputs)))
    if not isinstance(tensors, (list, tuple)):
        return [tensors], lambda outputs: outputs
    return list(tensors), lambda outputs: outputs


def _as_list(outputs):
    return outputs if isinstance(outputs, list) else [outputs]


def _component_spec(tensor, enqueue_many):
    """(dtype, element shape) of a value to batch."""
    from .engine.symbolic import is_symbolic
    tf = _tf()
    if isinstance(tensor, StringTensor):
        dtype = tf.string
    elif is_symbolic(tensor):
        from . import backend as K
        dtype = tf.as_dtype(K.dtype(tensor))
    else:
        value = _component(_value_now(tensor))
        dtype = _dtype_of(value)
    shape = _static_shape(tensor)
    if enqueue_many and shape is not None:
        shape = shape[1:]
    return dtype, shape


def _batch_queue(tensors_list, batch_size, capacity, enqueue_many, shapes,
                 dynamic_pad, allow_smaller_final_batch, name, shuffle,
                 min_after_dequeue=0, seed=None, keep_input=None):
    _graph_only('Queues', ValueError)
    if keep_input is not None:
        keep_input = _checked_keep_input(keep_input, enqueue_many)
    flat, rebuild = _flat(tensors_list[0])
    specs = [_component_spec(t, enqueue_many) for t in flat]
    dtypes = [d for d, _ in specs]
    if shapes is None:
        shapes = [s for _, s in specs]
        undefined = [s for s in shapes if s is None or None in s]
        if undefined and not dynamic_pad:
            raise ValueError('All shapes must be fully defined: %s'
                             % [_tf().TensorShape(None if s is None else
                                                  list(s)) for s in shapes])
    if shuffle:
        queue = RandomShuffleQueue(capacity, min_after_dequeue, dtypes,
                                   shapes, seed=seed, name=name)
    elif dynamic_pad:
        queue = PaddingFIFOQueue(capacity, dtypes, shapes, name=name)
    else:
        queue = FIFOQueue(capacity, dtypes, shapes, name=name)
    ops = []
    for tensors in tensors_list:
        values, _ = _flat(tensors)
        ops.append(queue._enqueue_op(values, enqueue_many, None,
                                     keep_input))
    return queue, ops, rebuild


def _checked_keep_input(keep_input, enqueue_many):
    """TensorFlow's checks of `keep_input` (a boolean scalar, or with
    `enqueue_many` a vector, one per row)."""
    from .engine.symbolic import is_symbolic
    if is_symbolic(keep_input):
        shape = getattr(keep_input, '_keras_shape', None)
    else:
        keep_input = np.asarray(_value_now(keep_input), dtype=bool)
        shape = keep_input.shape
    if shape is None:
        raise ValueError('`keep_input` dimensions must be known at graph '
                         'construction.')
    if not enqueue_many and len(shape) == 1:
        raise ValueError('`keep_input` cannot be a vector when '
                         '`enqueue_many=False`.')
    if len(shape) > 1:
        raise ValueError('`keep_input` must be 0 or 1 dimensions.')
    return keep_input


def _batch(tensors_list, batch_size, num_threads, capacity, enqueue_many,
           shapes, dynamic_pad, allow_smaller_final_batch, name,
           shuffle=False, min_after_dequeue=0, seed=None, keep_input=None):
    queue, ops, rebuild = _batch_queue(
        tensors_list, batch_size, capacity, enqueue_many, shapes,
        dynamic_pad, allow_smaller_final_batch, name, shuffle,
        min_after_dequeue, seed, keep_input)
    add_queue_runner(QueueRunner(queue, ops * int(num_threads)))
    outputs = queue.dequeue_up_to(batch_size) if allow_smaller_final_batch \
        else queue.dequeue_many(batch_size)
    return rebuild(outputs)


def batch(tensors, batch_size, num_threads=1, capacity=32,
          enqueue_many=False, shapes=None, dynamic_pad=False,
          allow_smaller_final_batch=False, shared_name=None, name=None):
    """`tf.train.batch`: batches of `batch_size` of the tensors' values
    in the order they are computed (rows of them with `enqueue_many`)."""
    return _batch([tensors], batch_size, num_threads, capacity,
                  enqueue_many, shapes, dynamic_pad,
                  allow_smaller_final_batch, name or 'batch')


def batch_join(tensors_list, batch_size, capacity=32, enqueue_many=False,
               shapes=None, dynamic_pad=False,
               allow_smaller_final_batch=False, shared_name=None,
               name=None):
    """`tf.train.batch_join`: batches of the values of each list of
    tensors in turn."""
    return _batch(list(tensors_list), batch_size, 1, capacity,
                  enqueue_many, shapes, dynamic_pad,
                  allow_smaller_final_batch, name or 'batch_join')


def shuffle_batch(tensors, batch_size, capacity, min_after_dequeue,
                  num_threads=1, seed=None, enqueue_many=False,
                  shapes=None, allow_smaller_final_batch=False,
                  shared_name=None, name=None):
    """`tf.train.shuffle_batch`: batches drawn at random from a queue
    filled up to `capacity`, keeping `min_after_dequeue`."""
    return _batch([tensors], batch_size, num_threads, capacity,
                  enqueue_many, shapes, False, allow_smaller_final_batch,
                  name or 'shuffle_batch', True, min_after_dequeue,
                  _op_seed(seed))


def shuffle_batch_join(tensors_list, batch_size, capacity,
                       min_after_dequeue, seed=None, enqueue_many=False,
                       shapes=None, allow_smaller_final_batch=False,
                       shared_name=None, name=None):
    """`tf.train.shuffle_batch_join`: shuffle_batch over several lists of
    tensors."""
    return _batch(list(tensors_list), batch_size, 1, capacity,
                  enqueue_many, shapes, False, allow_smaller_final_batch,
                  name or 'shuffle_batch_join', True, min_after_dequeue,
                  _op_seed(seed))


def maybe_batch(tensors, keep_input, batch_size, num_threads=1,
                capacity=32, enqueue_many=False, shapes=None,
                dynamic_pad=False, allow_smaller_final_batch=False,
                shared_name=None, name=None):
    """`tf.train.maybe_batch`: `batch` of the values (rows with
    `enqueue_many`) for which `keep_input` is true."""
    return _batch([tensors], batch_size, num_threads, capacity,
                  enqueue_many, shapes, dynamic_pad,
                  allow_smaller_final_batch, name or 'batch',
                  keep_input=keep_input)


def maybe_batch_join(tensors_list, keep_input, batch_size, capacity=32,
                     enqueue_many=False, shapes=None, dynamic_pad=False,
                     allow_smaller_final_batch=False, shared_name=None,
                     name=None):
    """`tf.train.maybe_batch_join`: `batch_join` keeping the values for
    which `keep_input` is true."""
    return _batch(list(tensors_list), batch_size, 1, capacity,
                  enqueue_many, shapes, dynamic_pad,
                  allow_smaller_final_batch, name or 'batch_join',
                  keep_input=keep_input)


def maybe_shuffle_batch(tensors, batch_size, capacity, min_after_dequeue,
                        keep_input, num_threads=1, seed=None,
                        enqueue_many=False, shapes=None,
                        allow_smaller_final_batch=False, shared_name=None,
                        name=None):
    """`tf.train.maybe_shuffle_batch`: `shuffle_batch` of the values for
    which `keep_input` is true."""
    return _batch([tensors], batch_size, num_threads, capacity,
                  enqueue_many, shapes, False, allow_smaller_final_batch,
                  name or 'shuffle_batch', True, min_after_dequeue,
                  _op_seed(seed), keep_input)


def maybe_shuffle_batch_join(tensors_list, batch_size, capacity,
                             min_after_dequeue, keep_input, seed=None,
                             enqueue_many=False, shapes=None,
                             allow_smaller_final_batch=False,
                             shared_name=None, name=None):
    """`tf.train.maybe_shuffle_batch_join`: `shuffle_batch_join` keeping
    the values for which `keep_input` is true."""
    return _batch(list(tensors_list), batch_size, 1, capacity,
                  enqueue_many, shapes, False, allow_smaller_final_batch,
                  name or 'shuffle_batch_join', True, min_after_dequeue,
                  _op_seed(seed), keep_input)


def add_queue_runner(qr, collection=QUEUE_RUNNERS):
    """Adds a QueueRunner to the graph's collection of queue runners."""
    _tf().add_to_collection(collection, qr)


def start_queue_runners(sess=None, coord=None, daemon=True, start=True,
                        collection=QUEUE_RUNNERS):
    """Starts the queue runners of the collection: their threads."""
    threads = []
    for qr in _tf().get_collection(collection):
        threads.extend(qr.create_threads(sess, coord=coord, daemon=daemon,
                                         start=start))
    return threads


# ------------------------------------------------------------- readers
class ReaderBase(object):
    """A TensorFlow 1 reader: `read(queue)` gives the (key, value) string
    tensors of its next record at each run, taking the next file name
    from `queue` once a file is read through."""

    def __init__(self):
        _graph_only('Readers')
        self._records = iter(())
        self._produced = 0
        self._completed = 0
        self._lock = threading.RLock()

    def _next(self, queue):
        with self._lock:
            while True:
                record = next(self._records, None)
                if record is not None:
                    self._produced += 1
                    return record
                name = _as_bytes(queue._queue.take(1, 'one')[0].item())
                self._completed += 1
                self._records = iter(self._records_of(name))

    def _sample(self, queue):
        name = _as_bytes(queue._queue.sample()[0].item())
        for record in self._records_of(name):
            return record
        raise NotImplementedError('The first file of the queue (%r) has no '
                                  'records to learn their values from.'
                                  % name)

    def read(self, queue, name=None):
        """(key, value) of the next record, at each run."""
        source = _Source(lambda: self._next(queue),
                         lambda: self._sample(queue))
        key = StringTensor(source, lambda e: e[0], (), 'ReaderReadV2')
        value = StringTensor(source, lambda e: e[1], (), 'ReaderReadV2')
        return key, value

    def read_up_to(self, queue, num_records, name=None):
        """(keys, values) of the next `num_records` records (fewer at the
        end of the last file), at each run."""
        def take():
            records = []
            try:
                while len(records) < int(num_records):
                    records.append(self._next(queue))
            except _errors().OutOfRangeError:
                if not records:
                    raise
            return (_component([r[0] for r in records]),
                    _component([r[1] for r in records]))

        def sample():
            record = self._sample(queue)
            return (_component([record[0]]), _component([record[1]]))
        source = _Source(take, sample)
        return (StringTensor(source, lambda e: e[0], (None,),
                             'ReaderReadUpToV2'),
                StringTensor(source, lambda e: e[1], (None,),
                             'ReaderReadUpToV2'))

    def num_records_produced(self, name=None):
        return _state_tensor(lambda: self._produced, 'int64',
                             'ReaderNumRecordsProducedV2')

    def num_work_units_completed(self, name=None):
        return _state_tensor(lambda: self._completed, 'int64',
                             'ReaderNumWorkUnitsCompletedV2')

    def reset(self, name=None):
        def reset():
            self._records = iter(())
            self._produced = self._completed = 0
        return _Operation(reset, 'ReaderResetV2')

    supports_serialize = False


def _open(name):
    with open(name.decode('utf8') if isinstance(name, bytes) else name,
              'rb') as f:
        return f.read()


class TFRecordReader(ReaderBase):
    """`tf.TFRecordReader(options=None)`: the records of TFRecord files,
    keyed 'file:offset'."""

    def __init__(self, name=None, options=None):
        ReaderBase.__init__(self)
        from .tensorflow_records import _compression
        self._compression = _compression(options)

    def _records_of(self, name):
        from .tensorflow_records import read_records
        offset = 0
        for record in read_records(name.decode('utf8'), self._compression):
            yield (name + b':%d' % offset, record)
            offset += len(record) + 16


class TextLineReader(ReaderBase):
    """`tf.TextLineReader(skip_header_lines=None)`: the lines of text
    files (without their line ends), keyed 'file:line' (from 1)."""

    def __init__(self, skip_header_lines=None, name=None):
        ReaderBase.__init__(self)
        self._skip = int(skip_header_lines or 0)

    def _records_of(self, name):
        lines = _open(name).split(b'\n')
        if lines and lines[-1] == b'':
            lines.pop()
        for number, line in enumerate(lines, 1):
            if number > self._skip:
                yield (name + b':%d' % number, line.rstrip(b'\r'))


class WholeFileReader(ReaderBase):
    """`tf.WholeFileReader()`: each file's whole contents, keyed by its
    name."""

    def __init__(self, name=None):
        ReaderBase.__init__(self)

    def _records_of(self, name):
        yield (name, _open(name))


class FixedLengthRecordReader(ReaderBase):
    """`tf.FixedLengthRecordReader(record_bytes, header_bytes=None,
    footer_bytes=None, hop_bytes=None)`: records of `record_bytes` bytes
    between a file's header and footer, keyed 'file:index'."""

    def __init__(self, record_bytes, header_bytes=None, footer_bytes=None,
                 hop_bytes=None, name=None, encoding=None):
        ReaderBase.__init__(self)
        if encoding:
            raise NotImplementedError('FixedLengthRecordReader(encoding=%r):'
                                      ' decompress the files first.'
                                      % encoding)
        self._size = int(record_bytes)
        self._header = int(header_bytes or 0)
        self._footer = int(footer_bytes or 0)
        self._hop = int(hop_bytes or 0) or self._size

    def _records_of(self, name):
        data = _open(name)
        end = len(data) - self._footer
        start, index = self._header, 0
        while start + self._size <= end:
            yield (name + b':%d' % index, data[start:start + self._size])
            start += self._hop
            index += 1


# --------------------------------------------------------- coordinator
class Coordinator(object):
    """`tf.train.Coordinator()`: how threads agree to stop. `request_stop`
    (with an exception to report), `should_stop`, `stop_on_exception`,
    `join(threads)` (which raises the reported exception)."""

    def __init__(self, clean_stop_exception_types=None):
        if clean_stop_exception_types is None:
            clean_stop_exception_types = (_errors().OutOfRangeError,)
        self._clean_stop_exception_types = tuple(clean_stop_exception_types)
        self._lock = threading.Lock()
        self._stop_event = threading.Event()
        self._exc_info_to_raise = None
        self._joined = False
        self._registered_threads = set()

    def _filter_exception(self, ex):
        if isinstance(ex, tuple):
            ex2 = ex[1]
        else:
            ex2 = ex
        if isinstance(ex2, self._clean_stop_exception_types):
            ex = None
        return ex

    def request_stop(self, ex=None):
        """Asks the threads to stop; `ex` (an exception or exc_info) is
        raised by `join` unless it is a clean stop (OutOfRangeError)."""
        with self._lock:
            ex = self._filter_exception(ex)
            if self._joined:
                if isinstance(ex, tuple):
                    raise ex[1].with_traceback(ex[2])
                elif ex is not None:
                    raise ex
            if not self._stop_event.is_set():
                if ex and self._exc_info_to_raise is None:
                    if isinstance(ex, tuple):
                        self._exc_info_to_raise = ex
                    else:
                        self._exc_info_to_raise = (type(ex), ex,
                                                   ex.__traceback__)
                    if (len(self._exc_info_to_raise) != 3 or
                            not self._exc_info_to_raise[0] or
                            not self._exc_info_to_raise[1]):
                        raise ValueError('ex must be a tuple or '
                                         'sys.exc_info must return the '
                                         'current exception: %s'
                                         % (self._exc_info_to_raise,))
                self._stop_event.set()

    def clear_stop(self):
        with self._lock:
            self._joined = False
            self._exc_info_to_raise = None
            if self._stop_event.is_set():
                self._stop_event.clear()

    def should_stop(self):
        return self._stop_event.is_set()

    @contextlib.contextmanager
    def stop_on_exception(self):
        """A block whose exception is reported with `request_stop` (and
        not raised)."""
        try:
            yield
        except Exception:
            self.request_stop(ex=sys.exc_info())

    def wait_for_stop(self, timeout=None):
        return self._stop_event.wait(timeout)

    def register_thread(self, thread):
        with self._lock:
            self._registered_threads.add(thread)

    def join(self, threads=None, stop_grace_period_secs=120,
             ignore_live_threads=False):
        """Waits for the threads (and those registered) to end once a stop
        is requested, then raises the exception reported, if any;
        RuntimeError for threads still alive after the grace period."""
        with self._lock:
            threads = set(threads or ()) | self._registered_threads
            threads = [t for t in threads if t is not None]
        while any(t.is_alive() for t in threads) and \
                not self.wait_for_stop(1.0):
            pass
        deadline = time.time() + stop_grace_period_secs
        for thread in threads:
            if thread.is_alive() and getattr(thread, '_started', None) is \
                    not None and thread._started.is_set():
                thread.join(max(0.0, deadline - time.time()))
        stragglers = [t.name for t in threads if t.is_alive()]
        with self._lock:
            self._joined = True
            self._registered_threads = set()
            if self._exc_info_to_raise:
                _, value, traceback = self._exc_info_to_raise
                raise value.with_traceback(traceback)
        if stragglers and not ignore_live_threads:
            raise RuntimeError('Coordinator stopped with threads still '
                               'running: %s' % ' '.join(stragglers))

    @property
    def joined(self):
        return self._joined

    def raise_requested_exception(self):
        with self._lock:
            if self._exc_info_to_raise:
                _, value, traceback = self._exc_info_to_raise
                raise value.with_traceback(traceback)


# ------------------------------------------------------------- install
_STRING_FUNCTIONS = (
    # (name, namespaces, static shape rule)
    ('parse_single_example', ('', 'io'), 'sample'),
    ('parse_example', ('', 'io'), 'sample'),
    ('parse_single_sequence_example', ('', 'io'), 'unknown'),
    ('decode_csv', ('', 'io'), 'sample'),
    ('decode_raw', ('', 'io'), 'unknown'),
    ('read_file', ('', 'io'), 'unknown'),
    ('decode_image', ('image', 'io'), 'unknown'),
    ('decode_jpeg', ('image', 'io'), 'unknown'),
    ('decode_png', ('image', 'io'), 'unknown'),
    ('decode_bmp', ('image', 'io'), 'unknown'),
    ('decode_gif', ('image', 'io'), 'unknown'),
    ('decode_wav', ('audio',), 'unknown'),
    ('string_to_number', ('',), 'sample'),
    ('to_number', ('strings',), 'sample'),
)

_TF1_ALIASES = ('parse_single_example', 'parse_example',
                'parse_single_sequence_example', 'decode_csv',
                'FixedLenFeature', 'VarLenFeature',
                'FixedLenSequenceFeature')


def _string_to_number(string_tensor, out_type=None, name=None):
    """`tf.strings.to_number` (TF1's `tf.string_to_number`): the numbers
    the strings spell (float32 by default)."""
    tf = _tf()
    dtype = tf.as_dtype(out_type or tf.float32).name
    array = np.asarray(string_tensor, dtype=object)
    values = np.vectorize(lambda s: float(_as_bytes(s)), otypes=[
        np.float64])(array) if array.size else array.astype(np.float64)
    return torch.as_tensor(values.astype(dtype))


def install(tf):
    """The queue pipeline API on the TensorFlow stand-in `tf` (also its
    `compat.v1`), and the string functions taking a pipeline's strings."""
    for name in _TF1_ALIASES:
        if not hasattr(tf, name) and hasattr(tf.io, name):
            setattr(tf, name, getattr(tf.io, name))
    if not hasattr(tf.strings, 'to_number'):
        tf.strings.to_number = _string_to_number
    if not hasattr(tf, 'string_to_number'):
        tf.string_to_number = tf.strings.to_number
    for name, spaces, rule in _STRING_FUNCTIONS:
        for space in spaces:
            module = tf if not space else getattr(tf, space, None)
            fn = getattr(module, name, None) if module is not None else None
            if fn is not None and not getattr(fn, '_takes_queue_strings',
                                              False):
                wrapped = deferring(fn, rule)
                wrapped._takes_queue_strings = True
                setattr(module, name, wrapped)
    for cls in (QueueBase, FIFOQueue, PaddingFIFOQueue, RandomShuffleQueue,
                ReaderBase, TFRecordReader, TextLineReader, WholeFileReader,
                FixedLengthRecordReader):
        setattr(tf, cls.__name__, cls)
    queue_module = getattr(tf, 'queue', None)
    if queue_module is None:
        queue_module = tf.queue = type(tf.io)('tensorflow.queue')
    for cls in (QueueBase, FIFOQueue, PaddingFIFOQueue, RandomShuffleQueue):
        setattr(queue_module, cls.__name__, cls)
    for cls in (QueueBase, FIFOQueue, PaddingFIFOQueue, RandomShuffleQueue,
                ReaderBase, TFRecordReader, TextLineReader, WholeFileReader,
                FixedLengthRecordReader):
        setattr(tf.io, cls.__name__, cls)
    train = tf.train
    for fn in (input_producer, string_input_producer, range_input_producer,
               slice_input_producer, batch, batch_join, shuffle_batch,
               shuffle_batch_join, add_queue_runner, start_queue_runners,
               limit_epochs, maybe_batch, maybe_batch_join,
               maybe_shuffle_batch, maybe_shuffle_batch_join):
        setattr(train, fn.__name__, fn)
    train.QueueRunner = QueueRunner
    train.Coordinator = Coordinator
    runner_module = type(tf.io)('tensorflow.train.queue_runner')
    runner_module.QueueRunner = QueueRunner
    runner_module.add_queue_runner = add_queue_runner
    runner_module.start_queue_runners = start_queue_runners
    train.queue_runner = runner_module
