"""``tf.sparse.SparseTensor``: a minimal COO sparse tensor (int64 ``indices`` of shape
(N, rank), ``values`` of shape (N,), int64 ``dense_shape``), its spec and ``to_dense``.

Enough for ``tf.io.VarLenFeature`` parsing and tf.data elements; sparse arithmetic is not
here yet.
"""

from __future__ import annotations

import numpy as np

from tessera import dtypes as _dtypes
from tessera import errors
from tessera._framework.context import CPU_DEVICE_NAME
from tessera._framework.convert import convert_to_tensor, wrap
from tessera._framework.tensor import Tensor
from tessera._framework.tensor_shape import TensorShape, as_shape

__all__ = ["SparseTensor", "SparseTensorSpec", "SparseTensorValue", "from_dense", "to_dense"]


class SparseTensorValue(tuple):
    """NumPy triple (indices, values, dense_shape), as ``tf.compat.v1.SparseTensorValue``."""

    __slots__ = ()
    _fields = ("indices", "values", "dense_shape")

    def __new__(cls, indices, values, dense_shape):
        return tuple.__new__(cls, (indices, values, dense_shape))

    indices = property(lambda self: self[0])
    values = property(lambda self: self[1])
    dense_shape = property(lambda self: self[2])

    def __repr__(self) -> str:
        return (f"SparseTensorValue(indices={self[0]!r}, values={self[1]!r}, "
                f"dense_shape={self[2]!r})")


def _np(t) -> np.ndarray:
    return t._value if hasattr(t, "_value") else np.asarray(t)


class SparseTensor:
    """``SparseTensor(indices, values, dense_shape)``."""

    def __init__(self, indices, values, dense_shape) -> None:
        self._indices = convert_to_tensor(indices, dtype=_dtypes.int64) \
            if not isinstance(indices, Tensor) else indices
        self._values = values if isinstance(values, Tensor) else convert_to_tensor(values)
        self._dense_shape = convert_to_tensor(dense_shape, dtype=_dtypes.int64) \
            if not isinstance(dense_shape, Tensor) else dense_shape
        if self._indices.dtype != _dtypes.int64 or self._dense_shape.dtype != _dtypes.int64:
            raise TypeError("SparseTensor indices and dense_shape must be int64 tensors")
        ishape, vshape, dshape = (self._indices.shape, self._values.shape,
                                  self._dense_shape.shape)
        if ishape.rank != 2 or vshape.rank != 1 or dshape.rank != 1:
            raise ValueError(f"SparseTensor needs indices of rank 2, values of rank 1 and "
                             f"dense_shape of rank 1; got shapes {ishape}, {vshape} and {dshape}")
        if ishape[0] != vshape[0] or ishape[1] != dshape[0]:
            raise ValueError(f"SparseTensor indices {ishape}, values {vshape} and dense_shape "
                             f"{dshape} do not agree")

    @classmethod
    def _make(cls, indices: np.ndarray, values: np.ndarray, dense_shape, dtype) -> SparseTensor:
        """Build from NumPy arrays without checks (internal fast path)."""
        st = object.__new__(cls)
        st._indices = wrap(np.asarray(indices, dtype=np.int64), _dtypes.int64, CPU_DEVICE_NAME)
        st._values = wrap(values, dtype, CPU_DEVICE_NAME)
        st._dense_shape = wrap(np.asarray(dense_shape, dtype=np.int64), _dtypes.int64,
                               CPU_DEVICE_NAME)
        return st

    @classmethod
    def from_value(cls, value) -> SparseTensor:
        if isinstance(value, SparseTensor):
            return value
        return cls(value.indices, value.values, value.dense_shape)

    indices = property(lambda self: self._indices)
    values = property(lambda self: self._values)
    dense_shape = property(lambda self: self._dense_shape)

    @property
    def dtype(self) -> _dtypes.DType:
        return self._values.dtype

    @property
    def shape(self) -> TensorShape:
        return TensorShape([int(d) for d in _np(self._dense_shape)])

    def get_shape(self) -> TensorShape:
        return self.shape

    @property
    def _type_spec(self) -> SparseTensorSpec:
        return SparseTensorSpec(self.shape, self.dtype)

    def with_values(self, new_values) -> SparseTensor:
        return SparseTensor(self._indices, new_values, self._dense_shape)

    def consumer(self):
        return self

    def numpy(self) -> np.ndarray:
        return to_dense(self).numpy()

    def __repr__(self) -> str:
        return (f"SparseTensor(indices={self._indices}, values={self._values}, "
                f"dense_shape={self._dense_shape})")

    __str__ = __repr__


class SparseTensorSpec:
    """``tf.SparseTensorSpec(shape=None, dtype=tf.float32)``."""

    def __init__(self, shape=None, dtype=_dtypes.float32) -> None:
        self._shape = as_shape(shape)
        self._dtype = _dtypes.as_dtype(dtype)

    @classmethod
    def from_value(cls, value) -> SparseTensorSpec:
        return cls(value.shape, value.dtype)

    shape = property(lambda self: self._shape)
    dtype = property(lambda self: self._dtype)

    @property
    def value_type(self):
        return SparseTensor

    def is_compatible_with(self, other) -> bool:
        return (isinstance(other, SparseTensorSpec | SparseTensor)
                and self._dtype.is_compatible_with(other.dtype)
                and self._shape.is_compatible_with(other.shape))

    def __eq__(self, other) -> bool:
        return (isinstance(other, SparseTensorSpec) and other._shape == self._shape
                and other._dtype == self._dtype)

    def __hash__(self) -> int:
        return hash(("SparseTensorSpec", self._shape, self._dtype))

    def __repr__(self) -> str:
        return f"SparseTensorSpec({self._shape!r}, {self._dtype!r})"


def to_dense(sp_input, default_value=None, validate_indices: bool = True, name=None) -> Tensor:
    """``tf.sparse.to_dense``: scatter the values into a dense tensor of ``dense_shape``."""
    if not isinstance(sp_input, SparseTensor):
        raise TypeError(f"Input must be a SparseTensor, got {type(sp_input).__name__}")
    values = _np(sp_input.values)
    dtype = sp_input.dtype
    shape = tuple(int(d) for d in _np(sp_input.dense_shape))
    if default_value is None:
        fill = b"" if dtype == _dtypes.string else 0
    else:
        fill = _np(convert_to_tensor(default_value, dtype=dtype)).item()
    out = np.full(shape, fill, dtype=object if dtype == _dtypes.string else values.dtype)
    idx = _np(sp_input.indices)
    if idx.size:
        if validate_indices:
            bad = (idx < 0) | (idx >= np.asarray(shape, dtype=np.int64))
            if bad.any():
                row = int(np.argwhere(bad.any(axis=1))[0, 0])
                raise errors.InvalidArgumentError(
                    None, None, f"indices[{row}] = {idx[row].tolist()} is out of bounds: need "
                                f"0 <= index < {list(shape)}")
        out[tuple(idx.T)] = values
    return wrap(out, dtype, CPU_DEVICE_NAME)


def from_dense(tensor, name=None) -> SparseTensor:
    """``tf.sparse.from_dense``: the non-zero (non-empty) entries of ``tensor``."""
    t = convert_to_tensor(tensor)
    arr = _np(t)
    mask = arr != (b"" if t.dtype == _dtypes.string else 0)
    idx = np.argwhere(mask).astype(np.int64)
    return SparseTensor._make(idx.reshape(-1, arr.ndim), arr[mask], arr.shape, t.dtype)


# -- batching helpers used by tf.data ------------------------------------------------------------

def batch_sparse(items: list[SparseTensor]) -> SparseTensor:
    """Stack sparse tensors of equal rank into one with a leading batch dimension."""
    rank = items[0].dense_shape.shape[0]
    shapes = np.stack([_np(s.dense_shape) for s in items]) if rank else np.zeros((len(items), 0))
    dense = [len(items), *(shapes.max(axis=0).astype(np.int64).tolist() if rank else [])]
    idx_parts, val_parts = [], []
    for b, s in enumerate(items):
        i = _np(s.indices)
        if s.dense_shape.shape[0] != rank:
            raise errors.InvalidArgumentError(None, None, "Cannot batch SparseTensors of "
                                                          "different ranks")
        idx_parts.append(np.concatenate([np.full((i.shape[0], 1), b, np.int64), i], axis=1))
        val_parts.append(_np(s.values))
    idx = np.concatenate(idx_parts) if idx_parts else np.zeros((0, rank + 1), np.int64)
    vals = np.concatenate(val_parts)
    return SparseTensor._make(idx, vals, dense, items[0].dtype)


def unbatch_sparse(st: SparseTensor) -> list[SparseTensor]:
    idx, vals = _np(st.indices), _np(st.values)
    shape = _np(st.dense_shape)
    out = []
    for b in range(int(shape[0])):
        m = idx[:, 0] == b
        out.append(SparseTensor._make(idx[m, 1:], vals[m], shape[1:], st.dtype))
    return out
