"""``tf.TensorShape`` and ``Dimension``, with TensorFlow 2 behaviour.

A shape is stored as a tuple of ints and Nones (unknown sizes), or None for an unknown
rank. Indexing and iterating give ints or None; slicing gives a TensorShape; ``dims`` gives
``Dimension`` objects, as in TF 2. Error messages match TensorFlow's.
"""

from __future__ import annotations

import operator

__all__ = [
    "Dimension",
    "TensorShape",
    "as_dimension",
    "as_shape",
    "dimension_at_index",
    "dimension_value",
    "unknown_shape",
]


def _dim_value(value) -> int | None:
    """The int (or None) a dimension-like value stands for; TF's TypeError/ValueError."""
    if value is None:
        return None
    if isinstance(value, Dimension):
        return value._value
    try:
        v = int(operator.index(value))
    except TypeError:
        raise TypeError(
            "Dimension value must be integer or None or have an __index__ method, "
            f"got value '{value!r}' with type '{type(value)!r}'"
        ) from None
    if v < 0:
        raise ValueError(f"Dimension {v} must be >= 0")
    return v


def _is_plain_dim(d) -> bool:
    return type(d) is int and d >= 0


class Dimension:
    """One dimension of a shape: a non-negative int, or unknown (``value is None``).

    Comparisons and arithmetic with an unknown dimension give None / ``Dimension(None)``.
    Like TF's, it is unhashable (its ``==`` can return None).
    """

    __slots__ = ("_value",)

    def __init__(self, value) -> None:
        self._value = _dim_value(value)

    @property
    def value(self) -> int | None:
        return self._value

    def __repr__(self) -> str:
        return f"Dimension({self._value!r})"

    def __str__(self) -> str:
        return "?" if self._value is None else str(self._value)

    def __int__(self) -> int:
        if self._value is None:
            raise TypeError("Cannot convert an unknown Dimension to an int.")
        return self._value

    __index__ = __int__

    def __bool__(self) -> bool:
        return bool(self._value)

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self):
        return Dimension, (self._value,)

    # -- compatibility ----------------------------------------------------------------
    def is_compatible_with(self, other) -> bool:
        other = as_dimension(other)
        return self._value is None or other._value is None or self._value == other._value

    def assert_is_compatible_with(self, other) -> None:
        if not self.is_compatible_with(other):
            raise ValueError(f"Dimensions {self} and {other} are not compatible")

    def merge_with(self, other) -> Dimension:
        """The more specific of two compatible dimensions; ValueError if incompatible."""
        other = as_dimension(other)
        self.assert_is_compatible_with(other)
        return Dimension(other._value if self._value is None else self._value)

    # -- comparison: None when either side is unknown -----------------------------------
    def __eq__(self, other):
        try:
            other = as_dimension(other)
        except (TypeError, ValueError):
            return NotImplemented
        if self._value is None or other._value is None:
            return None
        return self._value == other._value

    def __ne__(self, other):
        try:
            other = as_dimension(other)
        except (TypeError, ValueError):
            return NotImplemented
        if self._value is None or other._value is None:
            return None
        return self._value != other._value

    def _compare(self, other, op):
        other = as_dimension(other)
        if self._value is None or other._value is None:
            return None
        return op(self._value, other._value)

    def __lt__(self, other):
        return self._compare(other, operator.lt)

    def __le__(self, other):
        return self._compare(other, operator.le)

    def __gt__(self, other):
        return self._compare(other, operator.gt)

    def __ge__(self, other):
        return self._compare(other, operator.ge)

    # -- arithmetic: Dimension(None) when either side is unknown ------------------------
    # As in TF: +, -, * and // give NotImplemented for operands that are not dimensions;
    # % and the reflected -, // and % raise the conversion error instead; reflected + and *
    # swap their operands, so their errors name 'Dimension' first.
    def _arith(self, other, op, reflected: bool = False, strict: bool = False):
        if strict:
            other = as_dimension(other)
        else:
            try:
                other = as_dimension(other)
            except (TypeError, ValueError):
                return NotImplemented
        if self._value is None or other._value is None:
            return Dimension(None)
        a, b = (other._value, self._value) if reflected else (self._value, other._value)
        return Dimension(op(a, b))

    def __add__(self, other):
        return self._arith(other, operator.add)

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self._arith(other, operator.sub)

    def __rsub__(self, other):
        return self._arith(other, operator.sub, reflected=True, strict=True)

    def __mul__(self, other):
        return self._arith(other, operator.mul)

    def __rmul__(self, other):
        return self * other

    def __floordiv__(self, other):
        return self._arith(other, operator.floordiv)

    def __rfloordiv__(self, other):
        return self._arith(other, operator.floordiv, reflected=True, strict=True)

    def __mod__(self, other):
        return self._arith(other, operator.mod, strict=True)

    def __rmod__(self, other):
        return self._arith(other, operator.mod, reflected=True, strict=True)

    def __truediv__(self, other):
        raise TypeError(
            "unsupported operand type(s) for /: 'Dimension' and "
            f"'{type(other).__name__}', please use // instead"
        )

    def __rtruediv__(self, other):
        raise TypeError(
            f"unsupported operand type(s) for /: '{type(other).__name__}' and "
            "'Dimension', please use // instead"
        )


def as_dimension(value) -> Dimension:
    """``value`` if it is a Dimension, else ``Dimension(value)``."""
    return value if isinstance(value, Dimension) else Dimension(value)


def dimension_value(dimension):
    """The int or None in a Dimension; anything else is returned as it is."""
    if isinstance(dimension, Dimension):
        return dimension.value
    return dimension


class TensorShape:
    """The (possibly partially known) shape of a tensor.

    Immutable and hashable; unlike TF's, it takes no extra attributes (it is built for
    every ``tensor.shape``, so it is kept small).
    """

    __slots__ = ("_dims",)

    def __init__(self, dims) -> None:
        if dims is None:
            self._dims = None
        elif isinstance(dims, TensorShape):
            self._dims = dims._dims
        elif isinstance(dims, (list, tuple)):  # a tuple: faster than a `list | tuple` union
            if all(map(_is_plain_dim, dims)):  # the common case (NumPy shapes), kept fast
                self._dims = tuple(dims)
            else:
                self._dims = tuple(_dim_value(d) for d in dims)
        else:
            try:
                items = iter(dims)
            except TypeError:  # a single dimension: 3, np.int64(3), Dimension(3)
                self._dims = (_dim_value(dims),)
                return
            values = []
            for d in items:
                try:
                    values.append(_dim_value(d))
                except TypeError as e:
                    raise TypeError(
                        f"Failed to convert '{dims!r}' to a shape: '{d!r}'"
                        "could not be converted to a dimension. A shape should "
                        "either be single dimension (e.g. 10), or an iterable of "
                        "dimensions (e.g. [1, 10, None])."
                    ) from e
            self._dims = tuple(values)

    # -- basic properties -------------------------------------------------------------
    @property
    def rank(self) -> int | None:
        return None if self._dims is None else len(self._dims)

    @property
    def ndims(self) -> int | None:
        return self.rank

    @property
    def dims(self) -> list[Dimension] | None:
        """The dimensions as ``Dimension`` objects (None for an unknown rank)."""
        return None if self._dims is None else [Dimension(d) for d in self._dims]

    def as_list(self) -> list[int | None]:
        if self._dims is None:
            raise ValueError("as_list() is not defined on an unknown TensorShape.")
        return list(self._dims)

    def num_elements(self) -> int | None:
        """The number of elements, or None if any dimension (or the rank) is unknown."""
        if not self.is_fully_defined():
            return None
        n = 1
        for d in self._dims:
            n *= d
        return n

    def is_fully_defined(self) -> bool:
        return self._dims is not None and None not in self._dims

    def assert_is_fully_defined(self) -> None:
        if not self.is_fully_defined():
            raise ValueError(f"Shape {self} is not fully defined")

    # -- sequence protocol ------------------------------------------------------------
    def __len__(self) -> int:
        if self._dims is None:
            raise ValueError("Cannot take the length of shape with unknown rank.")
        return len(self._dims)

    def __bool__(self) -> bool:
        return self._dims is not None

    def __iter__(self):
        if self._dims is None:
            raise ValueError("Cannot iterate over a shape with unknown rank.")
        return iter(self._dims)

    def __getitem__(self, key):
        if self._dims is not None:
            if isinstance(key, slice):
                return TensorShape(self._dims[key])
            return self._dims[key]
        if not isinstance(key, slice):
            return None
        # Unknown rank: a slice has a known length only when both ends are
        # non-negative and the stop is given.
        if key.step is not None:
            raise ValueError("Steps are not yet handled")
        start = 0 if key.start is None else key.start
        stop = key.stop
        if start < 0 or stop is None or stop < 0:
            return TensorShape(None)
        return unknown_shape(rank=max(stop - start, 0))

    # -- combining --------------------------------------------------------------------
    def is_compatible_with(self, other) -> bool:
        """Whether some fully defined shape is compatible with both shapes."""
        other = as_shape(other)
        if self._dims is None or other._dims is None:
            return True
        if len(self._dims) != len(other._dims):
            return False
        return all(a is None or b is None or a == b for a, b in zip(self._dims, other._dims))

    def assert_is_compatible_with(self, other) -> None:
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {other} are incompatible")

    def merge_with(self, other) -> TensorShape:
        """The most specific shape compatible with both; ValueError if there is none."""
        other = as_shape(other)
        if self._dims is None:
            return other
        if other._dims is None:
            return self
        if len(self._dims) != len(other._dims):
            raise ValueError(f"Shapes {self} and {other} are not compatible")
        merged = []
        for a, b in zip(self._dims, other._dims):
            if a is not None and b is not None and a != b:
                raise ValueError(f"Shapes {self} and {other} are not compatible")
            merged.append(b if a is None else a)
        return TensorShape(merged)

    def most_specific_compatible_shape(self, other) -> TensorShape:
        """The most specific shape that both shapes are compatible with."""
        other = as_shape(other)
        if self._dims is None or other._dims is None or len(self._dims) != len(other._dims):
            return TensorShape(None)
        return TensorShape([a if a == b else None for a, b in zip(self._dims, other._dims)])

    def concatenate(self, other) -> TensorShape:
        other = as_shape(other)
        if self._dims is None or other._dims is None:
            return TensorShape(None)
        return TensorShape(self._dims + other._dims)

    def __add__(self, other) -> TensorShape:
        return self.concatenate(other)

    def __radd__(self, other) -> TensorShape:
        return as_shape(other).concatenate(self)

    # -- rank checks ------------------------------------------------------------------
    def assert_has_rank(self, rank: int) -> None:
        if self.rank not in (None, rank):
            raise ValueError(f"Shape {self} must have rank {rank}")

    def assert_same_rank(self, other) -> None:
        other = as_shape(other)
        if self.rank is not None and other.rank is not None and self.rank != other.rank:
            raise ValueError(f"Shapes {self} and {other} must have the same rank")

    def with_rank(self, rank: int) -> TensorShape:
        try:
            return self.merge_with(unknown_shape(rank=rank))
        except ValueError:
            raise ValueError(f"Shape {self} must have rank {rank}") from None

    def with_rank_at_least(self, rank: int) -> TensorShape:
        if self.rank is not None and self.rank < rank:
            raise ValueError(f"Shape {self} must have rank at least {rank}")
        return self

    def with_rank_at_most(self, rank: int) -> TensorShape:
        if self.rank is not None and self.rank > rank:
            raise ValueError(f"Shape {self} must have rank at most {rank}")
        return self

    # -- tracing-type relations (used by tf.function signatures) -----------------------
    def is_subtype_of(self, other) -> bool:
        """Whether every shape this one describes is also described by ``other``."""
        if not isinstance(other, TensorShape):
            return False
        if other._dims is None:
            return True
        if self._dims is None or len(self._dims) != len(other._dims):
            return False
        return all(b is None or a == b for a, b in zip(self._dims, other._dims))

    def most_specific_common_supertype(self, others) -> TensorShape | None:
        """The most specific shape that this and all ``others`` are subtypes of."""
        if any(not isinstance(o, TensorShape) for o in others):
            return None
        if self._dims is None:
            return TensorShape(None)
        rank = len(self._dims)
        if any(o._dims is None or len(o._dims) != rank for o in others):
            return TensorShape(None)
        dims = [d if all(o._dims[i] == d for o in others) else None
                for i, d in enumerate(self._dims)]  # fmt: skip
        return TensorShape(dims)

    # -- equality, hashing, printing --------------------------------------------------
    def __eq__(self, other):
        try:
            other = as_shape(other)
        except TypeError:
            return NotImplemented
        return self._dims == other._dims

    def __ne__(self, other):
        try:
            other = as_shape(other)
        except TypeError:
            return NotImplemented
        return self._dims != other._dims

    def __hash__(self) -> int:
        return hash(self._dims)

    def __reduce__(self):
        return TensorShape, (None if self._dims is None else list(self._dims),)

    def __repr__(self) -> str:
        if self._dims is None:
            return "TensorShape(None)"
        return f"TensorShape({list(self._dims)!r})"

    def __str__(self) -> str:
        if self._dims is None:
            return "<unknown>"
        if len(self._dims) == 1:
            return f"({self._dims[0]},)"
        return "(" + ", ".join(str(d) for d in self._dims) + ")"


def unknown_shape(rank: int | None = None, **kwargs) -> TensorShape:
    """A shape of unknown rank, or of known ``rank`` with every dimension unknown."""
    if rank is None and "ndims" in kwargs:  # TF1 spelling
        rank = kwargs.pop("ndims")
    if kwargs:
        raise TypeError(f"Unknown argument: {kwargs}")
    return TensorShape(None if rank is None else [None] * rank)


def as_shape(shape) -> TensorShape:
    """``shape`` if it is a TensorShape, else ``TensorShape(shape)``."""
    return shape if isinstance(shape, TensorShape) else TensorShape(shape)


def dimension_at_index(shape, index: int) -> Dimension:
    """``shape.dims[index]``, or an unknown Dimension when the rank is unknown.

    TF asserts that ``shape`` is a TensorShape; anything ``as_shape`` accepts works here.
    """
    shape = as_shape(shape)
    if shape._dims is None:
        return Dimension(None)
    return shape.dims[index]
