"""TensorFlow 1's dataset iterators (`dataset.make_one_shot_iterator()`,
`tf.compat.v1.data.make_one_shot_iterator(dataset)`,
`make_initializable_iterator`): `get_next()` gives graph tensors in a
Keras 2 program (or with eager execution disabled) that each run fills with
the next element, all components of one `get_next()` from the same
element; under eager execution it gives the next element's values."""
import itertools

import numpy as np
import torch

from .engine import fed_tensors


def _tf():
    from . import tensorflow_compat
    return tensorflow_compat


class _Initializer(object):
    """`iterator.initializer` (or `make_initializer(dataset)`): running it
    starts a new pass over the dataset (that dataset)."""

    type = 'MakeIterator'

    def __init__(self, iterator, dataset=None):
        self._iterator = iterator
        self._dataset = dataset
        self.name = 'MakeIterator'

    def run(self, session=None, feed_dict=None):
        if self._dataset is not None:
            self._iterator._dataset = self._dataset
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
        self._structure = None     # (types, shapes) of from_structure

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
            items, _ = _without_drawing(self._dataset._pass)
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

    def make_initializer(self, dataset, name=None):
        """The operation that points this iterator (made by
        `from_structure`) at `dataset` and starts a pass over it."""
        return _Initializer(self, dataset)

    @staticmethod
    def from_structure(output_types, output_shapes=None, shared_name=None,
                       output_classes=None):
        """A reinitializable iterator of elements of this structure, made
        to read a dataset by running `make_initializer(dataset)`."""
        iterator = Iterator(None, initializable=True)
        iterator._structure = (output_types, output_shapes)
        return iterator

    def _component_specs(self):
        """The element's structure and each component's (shape, dtype)."""
        structure = self._structure
        if structure is not None:
            types, shapes = structure
            flat_types = _tf()._nest_flatten(types)
            flat_shapes = _flatten_like(types, shapes) \
                if shapes is not None else [None] * len(flat_types)
            return types, [(_shape_tuple(shape), _tf().as_dtype(dtype).name)
                           for shape, dtype in zip(flat_shapes, flat_types)]
        example = self._element_example()
        open_batch = self._dataset._open_batch_axis()
        specs = []
        for leaf in _tf()._nest_flatten(example):
            leaf = torch.as_tensor(leaf)
            shape = tuple(leaf.shape)
            if open_batch and shape:
                shape = (None,) + shape[1:]
            specs.append((shape, str(leaf.dtype).replace('torch.', '')))
        return example, specs

    def get_next(self, name=None):
        """The next element: graph tensors filled at each run in a graph
        program, the element's values under eager execution."""
        if not fed_tensors.executes_as_graph():
            return self._next_element()
        structure, specs = self._component_specs()
        feed = fed_tensors.IteratorFeed(self._next_components)
        placeholders = fed_tensors.element_placeholders(specs, feed)
        return _tf()._nest_pack(structure, placeholders)

    @property
    def element_spec(self):
        return _spec_without_drawing(self._dataset)

    @property
    def output_shapes(self):
        structure = self._structure
        if structure is not None:
            return structure[1]
        return get_output_shapes(self._dataset)

    @property
    def output_types(self):
        structure = self._structure
        if structure is not None:
            return structure[0]
        return get_output_types(self._dataset)

    # ------------------------------------------------------------ eager
    def __iter__(self):
        return self

    def __next__(self):
        try:
            return self._next_element()
        except _tf().errors.OutOfRangeError:
            raise StopIteration

    next = __next__


def _flatten_like(structure, values):
    """The leaves of `values` in the nesting of `structure` (a shape, a
    list of sizes itself, is one leaf)."""
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure)
                for leaf in _flatten_like(structure[key], values[key])]
    if isinstance(structure, (list, tuple)):
        return [leaf for item, value in zip(structure, values)
                for leaf in _flatten_like(item, value)]
    return [values]


def _shape_tuple(shape):
    """A TensorShape, list, int or None as a tuple of sizes (None
    unknown)."""
    if shape is None:
        return None
    dims = getattr(shape, 'dims', shape)
    if dims is None:
        return None
    if isinstance(dims, int):
        return (dims,)
    return tuple(None if d is None else int(getattr(d, 'value', d))
                 for d in dims)


def _without_drawing(read):
    """`read()` (a pass over a dataset) without moving NumPy's global
    random state, which the pass's unseeded shuffle draws from."""
    state = np.random.get_state()
    try:
        return read()
    finally:
        np.random.set_state(state)


def _spec_without_drawing(dataset):
    """`dataset.element_spec`, read without drawing."""
    return _without_drawing(lambda: dataset.element_spec)


def get_output_types(dataset):
    """TF1's `dataset.output_types`: the components' dtypes."""
    return _tf().nest.map_structure(lambda spec: spec.dtype,
                                    _spec_without_drawing(dataset))


def get_output_shapes(dataset):
    """TF1's `dataset.output_shapes`: the components' shapes."""
    return _tf().nest.map_structure(lambda spec: spec.shape,
                                    _spec_without_drawing(dataset))


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
    data_module.get_output_types = get_output_types
    data_module.get_output_shapes = get_output_shapes
    dataset = data_module.Dataset
    dataset.make_one_shot_iterator = make_one_shot_iterator
    dataset.make_initializable_iterator = make_initializable_iterator
    dataset.output_types = property(get_output_types)
    dataset.output_shapes = property(get_output_shapes)
