"""``tf.TensorSpec``: the shape, dtype and optional name that describe a tensor.

Tensors are recognised by duck typing (anything with ``.shape`` and ``.dtype``), so this
module needs no tensor class. TensorFlow answers False for NumPy arrays and variables in
``is_compatible_with``; Tessera compares their shape and dtype instead.
"""

from __future__ import annotations

import numpy as np

from tessera import dtypes as _dtypes
from tessera._framework.tensor_shape import TensorShape, as_shape

__all__ = ["TensorSpec"]


def _shape_and_dtype(value) -> tuple[TensorShape, _dtypes.DType] | None:
    """The shape and dtype of a tensor-like value, or None if it has none we understand."""
    try:
        return as_shape(value.shape), _dtypes.as_dtype(value.dtype)
    except (AttributeError, TypeError, ValueError):
        return None


class TensorSpec:
    """Describes a tensor: ``TensorSpec(shape, dtype=tf.float32, name=None)``.

    ``shape``, ``dtype`` and ``name`` are read-only; like TF's, a spec takes other attributes.
    """

    def __init__(self, shape, dtype=_dtypes.float32, name: str | None = None) -> None:
        self._shape = as_shape(shape)
        self._dtype = _dtypes.as_dtype(dtype)
        self._name = name

    @property
    def shape(self) -> TensorShape:
        return self._shape

    @property
    def dtype(self) -> _dtypes.DType:
        return self._dtype

    @property
    def name(self) -> str | None:
        return self._name

    @classmethod
    def from_spec(cls, spec, name: str | None = None) -> TensorSpec:
        """A spec with ``spec``'s shape and dtype, named ``name`` or else ``spec.name``."""
        return cls(spec.shape, spec.dtype, name or spec.name)

    @classmethod
    def from_tensor(cls, tensor, name: str | None = None) -> TensorSpec:
        """The spec of ``tensor``; a graph tensor lends its op's name when none is given."""
        found = None if isinstance(tensor, np.ndarray | np.generic) else _shape_and_dtype(tensor)
        if found is None:
            raise ValueError(f"`tensor` should be a tf.Tensor, but got type {type(tensor)}.")
        if name is None:
            try:
                name = tensor.op.name
            except (AttributeError, ValueError):  # eager tensors have no op
                name = None
        return cls(found[0], found[1], name)

    def is_compatible_with(self, spec_or_tensor) -> bool:
        """Whether ``spec_or_tensor`` has a compatible shape and dtype (names are ignored)."""
        found = _shape_and_dtype(spec_or_tensor)
        if found is None:
            return False
        shape, dtype = found
        return self._dtype.is_compatible_with(dtype) and self._shape.is_compatible_with(shape)

    def is_subtype_of(self, other) -> bool:
        """Whether ``other`` describes every tensor this spec does (TF's tracing relation)."""
        if not isinstance(other, TensorSpec) or self._dtype != other._dtype:
            return False
        if self._name is not None and self._name != other._name:
            return False
        return self._shape.is_subtype_of(other._shape)

    def most_specific_common_supertype(self, others) -> TensorSpec | None:
        """The most specific spec all of ``self`` and ``others`` fit, or None if none does.

        The specs must agree on type, dtype and name; shapes are generalised.
        """
        for o in others:
            if type(o) is not type(self) or o._dtype != self._dtype or o._name != self._name:
                return None
        shape = self._shape.most_specific_common_supertype([o._shape for o in others])
        return type(self)(shape, self._dtype, self._name)

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented if not isinstance(other, TensorSpec) else False
        return (self._shape == other._shape and self._dtype == other._dtype
                and self._name == other._name)  # fmt: skip

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self) -> int:
        return hash((self._shape, self._dtype))

    def __reduce__(self):
        return type(self), (self._shape, self._dtype, self._name)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(shape={self._shape}, dtype={self._dtype!r}, name={self._name!r})"
