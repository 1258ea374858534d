"""TensorFlow 1's dataset iterators (`dataset.make_one_shot_iterator()`,
`tf.compat.v1.data.make_one_shot_iterator(dataset)`,
`make_initializable_iterator`): `get_next()` gives graph tensors in a
Keras 2 program (or with eager execution disabled) that each run fills with
the next element, all components of one `get_next()` from the same
element; under eager execution it gives the next element's values."""
import itertools

import numpy as np

from .engine import fed_tensors


def _tf():
    from . import tensorflow_compat
    return tensorflow_compat


class _Initializer(object):
    """`iterator.initializer`: running it starts a new pass over the
    dataset."""

    type = 'MakeIterator'

    def __init__(self, iterator):
        self._iterator = iterator
        self.name = 'MakeIterator'

    def run(self, session=None, feed_dict=None):
        self._iterator._restart()

    def __repr__(self):
        return '<tf.Operation %r type=MakeIterator>' % self.name


class Iterator(object):
    """An iterator over a `tf.data.Dataset` as TensorFlow 1 made them."""

    def __init__(self, dataset, initializable=False):
        self._dataset = dataset
        self._initializable = initializable
        self._elements = None
        self._spec = None

    # ------------------------------------------------------------ passes
    def _restart(self):
        items, endless = self._dataset._pass()
        self._elements = itertools.cycle(items) if endless and items \
            else iter(items)

    def _next_element(self):
        if self._elements is None:
            if self._initializable:
                raise _tf().errors.FailedPreconditionError(
                    None, None, 'GetNext() failed because the iterator has '
                    'not been initialized. Ensure that you have run the '
                    'initializer operation for this iterator before '
                    'getting the next element.')
            self._restart()
        try:
            return next(self._elements)
        except StopIteration:
            raise _tf().errors.OutOfRangeError(None, None,
                                               'End of sequence')

    def _next_components(self):
        return _tf()._nest_flatten(self._next_element())

    def _element_example(self):
        """The structure and first element of one pass, taken without
        moving NumPy's global random state (an unseeded shuffle)."""
        if self._spec is None:
            state = np.random.get_state()
            try:
                items, _ = self._dataset._pass()
            finally:
                np.random.set_state(state)
            if not items:
                raise _tf().errors.OutOfRangeError(
                    None, None, 'End of sequence: the dataset is empty.')
            self._spec = items[0]
        return self._spec

    # ---------------------------------------------------------- TF1 API
    @property
    def initializer(self):
        if not self._initializable:
            raise ValueError('Iterator does not have an initializer: a '
                             'one-shot iterator starts by itself.')
        return _Initializer(self)

    def get_next(self, name=None):
        """The next element: graph tensors filled at each run in a graph
        program, the element's values under eager execution."""
        if not fed_tensors.executes_as_graph():
            return self._next_element()
        example = self._element_example()
        feed = fed_tensors.IteratorFeed(self._next_components)
        placeholders = fed_tensors.element_placeholders(
            _tf()._nest_flatten(example),
            self._dataset._open_batch_axis(), feed)
        return _tf()._nest_pack(example, placeholders)

    @property
    def element_spec(self):
        return self._dataset.element_spec

    @property
    def output_shapes(self):
        return _tf().nest.map_structure(lambda spec: spec.shape,
                                        self.element_spec)

    @property
    def output_types(self):
        return _tf().nest.map_structure(lambda spec: spec.dtype,
                                        self.element_spec)

    # ------------------------------------------------------------ eager
    def __iter__(self):
        return self

    def __next__(self):
        try:
            return self._next_element()
        except _tf().errors.OutOfRangeError:
            raise StopIteration

    next = __next__


def make_one_shot_iterator(dataset):
    """`tf.compat.v1.data.make_one_shot_iterator(dataset)`."""
    return Iterator(dataset)


def make_initializable_iterator(dataset, shared_name=None):
    """`tf.compat.v1.data.make_initializable_iterator(dataset)`: its
    `initializer` must run before the first `get_next()` value."""
    return Iterator(dataset, initializable=True)


def install(data_module):
    """The TF1 iterator functions on `tf.data` and as Dataset methods."""
    data_module.make_one_shot_iterator = make_one_shot_iterator
    data_module.make_initializable_iterator = make_initializable_iterator
    data_module.Iterator = Iterator
    dataset = data_module.Dataset
    dataset.make_one_shot_iterator = make_one_shot_iterator
    dataset.make_initializable_iterator = make_initializable_iterator
