"""TensorFlow 1's static shape objects, as Keras 2 code reads them."""


class Dimension(int):
    """A known dimension of a `TensorShape`: an int that also has
    TensorFlow 1's `.value` (`x.shape[1].value`). Unknown dimensions are
    None."""

    @property
    def value(self):
        return int(self)


class TensorShape(tuple):
    """A shape tuple that also answers the TensorFlow idioms Keras 2 code
    uses (`x.get_shape().as_list()`, `x.shape[1].value`)."""

    def as_list(self):
        return [None if d is None else int(d) for d in self]

    @property
    def ndims(self):
        return len(self)

    rank = ndims

    def is_fully_defined(self):
        return all(d is not None for d in self)

    def num_elements(self):
        """The number of elements, None when a dimension is unknown."""
        if not self.is_fully_defined():
            return None
        count = 1
        for d in self:
            count *= int(d)
        return count

    def concatenate(self, other):
        return TensorShape(tuple(self) + tuple(other))

    @property
    def dims(self):
        return [self[i] for i in range(len(self))]

    def __getitem__(self, key):
        item = tuple.__getitem__(self, key)
        if isinstance(key, slice):
            return TensorShape(item)
        return None if item is None else Dimension(item)

    def __add__(self, other):
        """`shape + [d]` / `shape + other_shape`: a TensorShape, as in
        TensorFlow."""
        return self.concatenate(other)

    def __radd__(self, other):
        """`[None] + shape[1:]`: a TensorShape (TensorFlow's __radd__;
        a plain list would refuse the tuple)."""
        return TensorShape(tuple(other) + tuple(self))

    def is_compatible_with(self, other):
        """Whether both shapes could describe the same tensor: the same
        rank and equal dimensions where both are known (an unknown shape,
        None, is compatible with every shape)."""
        if other is None or self is None:
            return True
        other = tuple(other.as_list() if hasattr(other, 'as_list')
                      else other)
        return len(self) == len(other) and all(
            a is None or b is None or int(a) == int(b)
            for a, b in zip(self, other))

    def assert_is_compatible_with(self, other):
        if not self.is_compatible_with(other):
            raise ValueError('Shapes %s and %s are incompatible'
                             % (self, TensorShape(other)))

    def merge_with(self, other):
        """The shape with the known dimensions of both."""
        self.assert_is_compatible_with(other)
        return TensorShape(tuple(b if a is None else a
                                 for a, b in zip(self, tuple(other))))
