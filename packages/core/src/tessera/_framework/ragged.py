"""``tf.RaggedTensor``: rows of different lengths, stored as flat ``values`` plus ``row_splits``
(row ``i`` is ``values[row_splits[i]:row_splits[i + 1]]``), nested for ragged_rank > 1.

An eager value type: its row partitions are int64 (or int32) tensors and its values a tensor
or another RaggedTensor. Construction validates as TensorFlow does and raises its messages;
printing, ``to_list``, ``numpy`` and ``to_tensor`` follow TensorFlow 2.
"""

from __future__ import annotations

import numpy as np

from tessera import dtypes as _dtypes
from tessera import errors
from tessera._framework.convert import convert_to_tensor, wrap
from tessera._framework.tensor import Tensor
from tessera._framework.tensor_shape import TensorShape

_PRIVATE = object()


def _tensor(value, dtype=None) -> Tensor:
    if isinstance(value, Tensor) and dtype is None:
        return value
    return convert_to_tensor(value, dtype=dtype)


def _np(t) -> np.ndarray:
    return t._value if hasattr(t, "_value") else np.asarray(t)


def _splits_tensor(value, name: str, dtype=None) -> Tensor:
    """A row-partition tensor: int64 by default, int32 kept when given so."""
    if isinstance(value, Tensor):
        t = value
    else:
        arr = np.asarray(value)
        if arr.dtype.kind not in "iu" and arr.size:
            raise TypeError(f"{name} must be an integer tensor, got {arr.dtype}")
        t = convert_to_tensor(arr.astype(np.int64) if dtype is None else arr,
                              dtype=dtype if dtype is not None else _dtypes.int64)
    if t.dtype not in (_dtypes.int32, _dtypes.int64):
        raise ValueError(f"{name} must have dtype int32 or int64")
    if dtype is not None and t.dtype != dtype:
        t = wrap(_np(t).astype(dtype.as_numpy_dtype), dtype)
    return t


def _equal_failure(prefix: str, x, y) -> errors.InvalidArgumentError:
    from tessera._ops.debugging_ops import _assert_failure_text

    text = _assert_failure_text("==", np.asarray(x), np.asarray(y), None)
    return errors.InvalidArgumentError(None, None, f"{prefix}\n{text}")


def _nrows_of(values) -> int:
    if isinstance(values, RaggedTensor):
        return values.nrows()._value.item()
    return _np(values).shape[0]


class RaggedTensor:
    """A tensor with one or more ragged dimensions (``tf.RaggedTensor``)."""

    __slots__ = ("__weakref__", "_row_splits", "_uniform_row_length", "_values")

    def __init__(self, values=None, row_splits=None, uniform_row_length=None,
                 internal=None) -> None:
        if internal is not _PRIVATE:
            raise ValueError("RaggedTensor constructor is private; please use one of the "
                             "factory methods instead (e.g., RaggedTensor.from_row_lengths())")
        self._values = values
        self._row_splits = row_splits
        self._uniform_row_length = uniform_row_length

    # ---- factories --------------------------------------------------------------------------
    @classmethod
    def _make(cls, values, row_splits, uniform_row_length=None) -> RaggedTensor:
        return cls(values, row_splits, uniform_row_length, internal=_PRIVATE)

    @staticmethod
    def _convert_values(values):
        if isinstance(values, RaggedTensor):
            return values
        t = _tensor(values)
        if t.shape.rank == 0:
            raise ValueError("values must have rank >= 1")
        return t

    @classmethod
    def from_row_splits(cls, values, row_splits, name=None, validate=True) -> RaggedTensor:
        values = cls._convert_values(values)
        splits = _splits_tensor(row_splits, "row_splits")
        s = _np(splits)
        if s.ndim != 1:
            raise ValueError(f"Shape {tuple(s.shape)} must have rank 1")
        if validate:
            if s.shape[0] == 0:
                raise ValueError("row_splits must have at least one element")
            if s[0] != 0:
                raise _equal_failure("Arguments to from_row_splits do not form a valid "
                                     "RaggedTensor:zero", s[:1], np.zeros((), s.dtype))
            if np.any(s[1:] < s[:-1]):
                raise errors.InvalidArgumentError(
                    None, None, "Arguments to from_row_splits do not form a valid RaggedTensor:"
                                "monotonic\nCondition x >= 0 did not hold element-wise:")
            n = _nrows_of(values)
            if s[-1] != n:
                raise _equal_failure("Arguments to _from_row_partition do not form a valid "
                                     "RaggedTensor", s[-1:], np.array(n, s.dtype))
        return cls._make(values, splits)

    @classmethod
    def from_row_lengths(cls, values, row_lengths, name=None, validate=True) -> RaggedTensor:
        lengths = _splits_tensor(row_lengths, "row_lengths")
        lv = _np(lengths)
        if validate and np.any(lv < 0):
            raise errors.InvalidArgumentError(
                None, None, "Arguments to from_row_lengths do not form a valid RaggedTensor:"
                            "negative\nCondition x >= 0 did not hold element-wise:")
        splits = np.concatenate([np.zeros(1, lv.dtype), np.cumsum(lv, dtype=lv.dtype)])
        return cls.from_row_splits(values, wrap(splits, lengths.dtype), validate=validate)

    @classmethod
    def from_row_starts(cls, values, row_starts, name=None, validate=True) -> RaggedTensor:
        values = cls._convert_values(values)
        starts = _splits_tensor(row_starts, "row_starts")
        sv = _np(starts)
        splits = np.concatenate([sv, np.array([_nrows_of(values)], sv.dtype)])
        return cls.from_row_splits(values, wrap(splits, starts.dtype), validate=validate)

    @classmethod
    def from_row_limits(cls, values, row_limits, name=None, validate=True) -> RaggedTensor:
        limits = _splits_tensor(row_limits, "row_limits")
        lv = _np(limits)
        splits = np.concatenate([np.zeros(1, lv.dtype), lv])
        return cls.from_row_splits(values, wrap(splits, limits.dtype), validate=validate)

    @classmethod
    def from_value_rowids(cls, values, value_rowids, nrows=None, name=None,
                          validate=True) -> RaggedTensor:
        values = cls._convert_values(values)
        ids = _splits_tensor(value_rowids, "value_rowids")
        iv = _np(ids)
        if nrows is None:
            n = int(iv[-1]) + 1 if iv.size else 0
        else:
            n = int(_np(_tensor(nrows)))
        if validate:
            if np.any(iv[1:] < iv[:-1]):
                raise errors.InvalidArgumentError(
                    None, None, "Arguments to from_value_rowids do not form a valid "
                                "RaggedTensor:monotonic\nCondition x >= 0 did not hold "
                                "element-wise:")
            if iv.size and (iv[0] < 0 or iv[-1] >= n):
                raise errors.InvalidArgumentError(
                    None, None, "Arguments to from_value_rowids do not form a valid "
                                "RaggedTensor:bad nrows\nCondition x < y did not hold.")
        counts = np.bincount(iv, minlength=n)[:n] if iv.size else np.zeros(n, np.int64)
        splits = np.concatenate([[0], np.cumsum(counts)]).astype(iv.dtype)
        return cls.from_row_splits(values, wrap(splits, ids.dtype), validate=validate)

    @classmethod
    def from_uniform_row_length(cls, values, uniform_row_length, nrows=None, validate=True,
                                name=None) -> RaggedTensor:
        values = cls._convert_values(values)
        length = int(_np(_tensor(uniform_row_length)))
        nvals = _nrows_of(values)
        if nrows is None:
            n = nvals // length if length else 0
        else:
            n = int(_np(_tensor(nrows)))
        if validate and n * length != nvals:
            raise errors.InvalidArgumentError(
                None, None, "Arguments to _from_row_partition do not form a valid RaggedTensor")
        splits = np.arange(n + 1, dtype=np.int64) * length
        return cls._make(values, wrap(splits, _dtypes.int64), length)

    @classmethod
    def from_nested_row_splits(cls, flat_values, nested_row_splits, name=None,
                               validate=True) -> RaggedTensor:
        if isinstance(nested_row_splits, Tensor):
            raise TypeError("nested_row_splits must be a list of Tensors")
        result = flat_values
        for splits in reversed(list(nested_row_splits)):
            result = cls.from_row_splits(result, splits, validate=validate)
        return result

    @classmethod
    def from_nested_row_lengths(cls, flat_values, nested_row_lengths, name=None,
                                validate=True) -> RaggedTensor:
        result = flat_values
        for lengths in reversed(list(nested_row_lengths)):
            result = cls.from_row_lengths(result, lengths, validate=validate)
        return result

    @classmethod
    def from_tensor(cls, tensor, lengths=None, padding=None, ragged_rank=1, name=None,
                    row_splits_dtype=_dtypes.int64) -> RaggedTensor:
        if lengths is not None and padding is not None:
            raise ValueError("Specify lengths or padding, but not both")
        t = _tensor(tensor)
        arr = _np(t)
        if not isinstance(ragged_rank, int) or ragged_rank <= 0:
            raise ValueError(f"ragged_rank must be greater than 0; got {ragged_rank}")
        if arr.ndim <= ragged_rank:
            raise ValueError(f"Expected ragged_rank < {arr.ndim}, got {ragged_rank}")
        sdt = _dtypes.as_dtype(row_splits_dtype)
        lead = arr.shape[:ragged_rank]
        rest = arr.shape[ragged_rank:]
        nrows = int(np.prod(lead, dtype=np.int64))
        rows = arr.reshape((nrows,) + rest)
        ncols = rest[0]
        if lengths is not None:
            lv = np.asarray(_np(_tensor(lengths)), np.int64).reshape(-1)
            lv = np.minimum(lv, ncols)
        elif padding is not None:
            pad = np.asarray(_np(_tensor(padding, dtype=t.dtype)))
            is_pad = rows == pad
            if is_pad.ndim > 2:
                is_pad = is_pad.reshape(is_pad.shape[:2] + (-1,)).all(axis=2)
            keep = ~is_pad
            # length = 1 + index of the last non-padding element (0 if none)
            idx = np.where(keep, np.arange(ncols)[None, :] + 1, 0)
            lv = idx.max(axis=1) if ncols else np.zeros(nrows, np.int64)
        else:
            lv = np.full(nrows, ncols, np.int64)
        mask = np.arange(ncols)[None, :] < lv[:, None]
        values = rows[mask]
        splits = np.concatenate([[0], np.cumsum(lv)]).astype(sdt.as_numpy_dtype)
        result = cls._make(wrap(values, t.dtype), wrap(splits, sdt))
        for dim in reversed(lead[1:]):
            n = _nrows_of(result) // dim if dim else 0
            s = (np.arange(n + 1) * dim).astype(sdt.as_numpy_dtype)
            result = cls._make(result, wrap(s, sdt), dim)
        return result

    # ---- properties -------------------------------------------------------------------------
    @property
    def values(self):
        return self._values

    @property
    def row_splits(self) -> Tensor:
        return self._row_splits

    @property
    def flat_values(self) -> Tensor:
        v = self._values
        while isinstance(v, RaggedTensor):
            v = v._values
        return v

    @property
    def nested_row_splits(self) -> tuple:
        out = [self._row_splits]
        v = self._values
        while isinstance(v, RaggedTensor):
            out.append(v._row_splits)
            v = v._values
        return tuple(out)

    @property
    def ragged_rank(self) -> int:
        v = self._values
        return v.ragged_rank + 1 if isinstance(v, RaggedTensor) else 1

    @property
    def dtype(self) -> _dtypes.DType:
        return self.flat_values.dtype

    @property
    def row_splits_dtype(self) -> _dtypes.DType:
        return self._row_splits.dtype

    @property
    def shape(self) -> TensorShape:
        inner = self._values.shape.as_list()[1:]
        return TensorShape([self._nrows(), self._uniform_row_length, *inner])

    @property
    def ndim(self) -> int:
        return self.shape.rank

    def get_shape(self) -> TensorShape:
        return self.shape

    @property
    def uniform_row_length(self):
        if self._uniform_row_length is None:
            return None
        return wrap(np.array(self._uniform_row_length, self._row_splits._value.dtype),
                    self._row_splits.dtype)

    def _nrows(self) -> int:
        return self._row_splits._value.shape[0] - 1

    def _splits(self) -> np.ndarray:
        return self._row_splits._value

    # ---- row partition accessors ------------------------------------------------------------
    def nrows(self, out_type=None, name=None) -> Tensor:
        dt = self.row_splits_dtype if out_type is None else _dtypes.as_dtype(out_type)
        return wrap(np.array(self._nrows(), dt.as_numpy_dtype), dt)

    def row_lengths(self, axis=1, name=None):
        if axis == 0:
            return self.nrows()
        if axis == 1 or axis == -self.shape.rank + 1:
            s = self._splits()
            return wrap(s[1:] - s[:-1], self.row_splits_dtype)
        if isinstance(self._values, RaggedTensor) and axis > 1:
            return self.with_values(self._values.row_lengths(axis - 1))
        raise ValueError(f"axis={axis} is not a ragged dimension")

    def row_starts(self, name=None) -> Tensor:
        return wrap(self._splits()[:-1], self.row_splits_dtype)

    def row_limits(self, name=None) -> Tensor:
        return wrap(self._splits()[1:], self.row_splits_dtype)

    def value_rowids(self, name=None) -> Tensor:
        s = self._splits()
        ids = np.repeat(np.arange(len(s) - 1, dtype=s.dtype), s[1:] - s[:-1])
        return wrap(ids, self.row_splits_dtype)

    def nested_row_lengths(self, name=None) -> tuple:
        out, rt = [], self
        while isinstance(rt, RaggedTensor):
            out.append(rt.row_lengths())
            rt = rt._values
        return tuple(out)

    def bounding_shape(self, axis=None, name=None, out_type=None) -> Tensor:
        dt = self.row_splits_dtype if out_type is None else _dtypes.as_dtype(out_type)
        dims = list(self._dense_shape())
        out = np.array(dims, dt.as_numpy_dtype)
        if axis is not None:
            out = out[axis]
        return wrap(out, dt)

    def _dense_shape(self) -> tuple:
        s = self._splits()
        longest = int((s[1:] - s[:-1]).max()) if len(s) > 1 else 0
        if isinstance(self._values, RaggedTensor):
            inner = self._values._dense_shape()[1:]
        else:
            inner = self._values._value.shape[1:]
        return (self._nrows(), longest, *inner)

    def with_values(self, new_values) -> RaggedTensor:
        new_values = self._convert_values(new_values)
        return RaggedTensor._make(new_values, self._row_splits, self._uniform_row_length)

    def with_flat_values(self, new_values) -> RaggedTensor:
        if isinstance(self._values, RaggedTensor):
            return self.with_values(self._values.with_flat_values(new_values))
        return self.with_values(new_values)

    def with_row_splits_dtype(self, dtype) -> RaggedTensor:
        dt = _dtypes.as_dtype(dtype)
        values = self._values
        if isinstance(values, RaggedTensor):
            values = values.with_row_splits_dtype(dt)
        return RaggedTensor._make(values, wrap(self._splits().astype(dt.as_numpy_dtype), dt),
                                  self._uniform_row_length)

    # ---- conversion -------------------------------------------------------------------------
    def to_tensor(self, default_value=None, name=None, shape=None) -> Tensor:
        dtype = self.dtype
        dense = self._dense_array(default_value)
        if shape is not None:
            dense = _fit_shape(dense, shape, self._default_array(default_value))
        return wrap(dense, dtype)

    def _default_array(self, default_value) -> np.ndarray:
        dtype = self.dtype
        if default_value is None:
            return np.array(b"" if dtype is _dtypes.string else 0,
                            object if dtype is _dtypes.string else dtype.as_numpy_dtype)
        return np.asarray(_np(_tensor(default_value, dtype=dtype)))

    def _dense_array(self, default_value) -> np.ndarray:
        values = self._values
        if isinstance(values, RaggedTensor):
            vals = values._dense_array(default_value)
        else:
            vals = values._value
        s = self._splits()
        nrows = len(s) - 1
        lengths = s[1:] - s[:-1]
        width = int(lengths.max()) if nrows else 0
        default = self._default_array(default_value)
        out = np.empty((nrows, width) + vals.shape[1:], dtype=vals.dtype)
        out[...] = np.broadcast_to(default, out.shape[2:] if default.ndim else ()) \
            if default.ndim else default
        rows = np.repeat(np.arange(nrows), lengths)
        cols = np.arange(vals.shape[0]) - s[:-1][rows]
        out[rows, cols] = vals
        return out

    def numpy(self):
        """As TF: rows of equal length stack into one array; otherwise an object array."""
        values = self._values.numpy()
        s = self._splits()
        rows = [values[s[i]:s[i + 1]] for i in range(len(s) - 1)]
        if not rows:
            return np.zeros((0, 0) + values.shape[1:], dtype=values.dtype)
        if any(len(r) != len(rows[0]) for r in rows):
            out = np.empty(len(rows), dtype=object)
            for i, r in enumerate(rows):
                out[i] = r
            return out
        return np.array(rows)

    def to_list(self) -> list:
        values = self._values
        vals = values.to_list() if isinstance(values, RaggedTensor) else values._value.tolist()
        s = self._splits().tolist()
        return [vals[s[i]:s[i + 1]] for i in range(len(s) - 1)]

    # ---- indexing and iteration -------------------------------------------------------------
    def _row(self, i: int):
        n = self._nrows()
        if not -n <= i < n:
            raise errors.InvalidArgumentError(
                None, None, f"slice index {i} of dimension 0 out of bounds. "
                            f"[Op:StridedSlice] name: strided_slice/")
        i %= n
        s = self._splits()
        return self._slice_values(int(s[i]), int(s[i + 1]))

    def _slice_values(self, start: int, stop: int):
        values = self._values
        if isinstance(values, RaggedTensor):
            return values._rows(slice(start, stop))
        return wrap(values._value[start:stop], values._dtype)

    def _rows(self, key: slice) -> RaggedTensor:
        s = self._splits()
        idx = range(len(s) - 1)[key]
        if key.step not in (None, 1):
            rows = [self._row(i) for i in idx]
            return _stack_rows(rows, self)
        lo, hi = (idx.start, idx.stop) if len(idx) else (0, 0)
        new = s[lo:hi + 1] - s[lo] if len(idx) else np.zeros(1, s.dtype)
        values = self._slice_values(int(s[lo]), int(s[hi])) if len(idx) else \
            self._slice_values(0, 0)
        return RaggedTensor._make(values, wrap(new.astype(s.dtype), self.row_splits_dtype),
                                  self._uniform_row_length)

    def __getitem__(self, key):
        if isinstance(key, tuple):
            if not key:
                return self
            first, rest = key[0], key[1:]
            if not rest:
                return self[first]
            if isinstance(first, slice):
                raise ValueError("Cannot index into an inner ragged dimension.")
            row = self[first]
            return row[rest if len(rest) > 1 else rest[0]]
        if isinstance(key, slice):
            return self._rows(key)
        if _is_int(key):
            return self._row(int(key))
        raise TypeError(f"Unsupported RaggedTensor index: {key!r}")

    def __iter__(self):
        for i in range(self._nrows()):
            yield self._row(i)

    def __len__(self):
        raise TypeError("object of type 'RaggedTensor' has no len()")

    def __bool__(self):
        raise TypeError("RaggedTensor may not be used as a boolean.")

    # ---- arithmetic on the flat values ------------------------------------------------------
    def _binary(self, other, fn, reflected=False):
        if isinstance(other, RaggedTensor):
            if not _same_partitions(self, other):
                raise errors.InvalidArgumentError(
                    None, None, "Inputs must have identical ragged splits")
            a, b = self.flat_values, other.flat_values
        else:
            o = other if isinstance(other, Tensor) else None
            if o is None:
                o = convert_to_tensor(other, dtype_hint=self.dtype)
            if o.shape.rank not in (0, None):
                return NotImplemented
            a, b = self.flat_values, o
        return self.with_flat_values(fn(b, a) if reflected else fn(a, b))

    def __add__(self, other):
        return self._binary(other, lambda a, b: a + b)

    def __radd__(self, other):
        return self._binary(other, lambda a, b: a + b, True)

    def __sub__(self, other):
        return self._binary(other, lambda a, b: a - b)

    def __rsub__(self, other):
        return self._binary(other, lambda a, b: a - b, True)

    def __mul__(self, other):
        return self._binary(other, lambda a, b: a * b)

    def __rmul__(self, other):
        return self._binary(other, lambda a, b: a * b, True)

    def __truediv__(self, other):
        return self._binary(other, lambda a, b: a / b)

    def __rtruediv__(self, other):
        return self._binary(other, lambda a, b: a / b, True)

    def __neg__(self):
        return self.with_flat_values(-self.flat_values)

    # ---- printing ---------------------------------------------------------------------------
    def __repr__(self) -> str:
        with np.printoptions(formatter={"all": _formatter}):
            text = _formatter(self.numpy())
        return f"<tf.RaggedTensor {text}>"

    __str__ = __repr__


def _is_int(x) -> bool:
    if isinstance(x, bool):
        return False
    if isinstance(x, int | np.integer):
        return True
    return isinstance(x, Tensor) and x.dtype.is_integer and x.shape.rank == 0


def _same_partitions(a: RaggedTensor, b: RaggedTensor) -> bool:
    sa, sb = a.nested_row_splits, b.nested_row_splits
    return len(sa) == len(sb) and all(np.array_equal(x._value, y._value) for x, y in zip(sa, sb))


def _stack_rows(rows, like: RaggedTensor) -> RaggedTensor:
    lengths = [_nrows_of(r) for r in rows]
    splits = np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]).astype(
        like._splits().dtype)
    if rows and isinstance(rows[0], RaggedTensor):
        vals = rows[0]
        for r in rows[1:]:
            vals = _concat_ragged(vals, r)
    elif rows:
        vals = wrap(np.concatenate([r._value for r in rows]), like.dtype)
    else:
        vals = like._slice_values(0, 0)
    return RaggedTensor._make(vals, wrap(splits, like.row_splits_dtype))


def _concat_ragged(a: RaggedTensor, b: RaggedTensor) -> RaggedTensor:
    sa, sb = a._splits(), b._splits()
    splits = np.concatenate([sa, sb[1:] + sa[-1]])
    if isinstance(a._values, RaggedTensor):
        vals = _concat_ragged(a._values, b._values)
    else:
        vals = wrap(np.concatenate([a._values._value, b._values._value]), a.dtype)
    return RaggedTensor._make(vals, wrap(splits, a.row_splits_dtype))


def _fit_shape(dense: np.ndarray, shape, default: np.ndarray) -> np.ndarray:
    dims = list(TensorShape(shape).as_list()) if shape is not None else None
    if dims is None:
        return dense
    target = tuple(d if d is not None else dense.shape[i] for i, d in enumerate(dims))
    out = np.empty(target, dense.dtype)
    out[...] = default
    region = tuple(slice(0, min(a, b)) for a, b in zip(target, dense.shape))
    out[region] = dense[region]
    return out


def _formatter(x) -> str:
    """Elements separated by commas, without array prefixes (TF's RaggedTensor repr)."""
    if isinstance(x, np.ndarray):
        if x.size != 0:
            return np.array2string(x, separator=", ")
        return repr(x.tolist())
    return str(x)


# ---- tf.ragged ----------------------------------------------------------------------------
def _depths(pylist, depth=0, out=None, list_depth=None):
    """(set of nesting depths of scalars, deepest list depth)."""
    if out is None:
        out, list_depth = set(), [0]
    if isinstance(pylist, list | tuple) or (isinstance(pylist, np.ndarray) and pylist.ndim):
        list_depth[0] = max(list_depth[0], depth + 1)
        for item in pylist:
            _depths(item, depth + 1, out, list_depth)
    else:
        out.add(depth)
    return out, list_depth[0]


def constant(pylist, dtype=None, ragged_rank=None, inner_shape=None, name=None,
             row_splits_dtype=_dtypes.int64):
    """``tf.ragged.constant``: a RaggedTensor from a nested Python list."""
    if isinstance(pylist, RaggedTensor):
        raise TypeError("pylist may not be a RaggedTensor or RaggedTensorValue.")
    dtype = _dtypes.as_dtype(dtype) if dtype is not None else None
    sdt = _dtypes.as_dtype(row_splits_dtype)
    depths, max_list_depth = _depths(pylist)
    if len(depths) > 1:
        raise ValueError("all scalar values must have the same nesting depth")
    scalar_depth = depths.pop() if depths else None
    if scalar_depth is None:  # no scalars at all: only (possibly nested) empty lists
        scalar_depth = max_list_depth if inner_shape is None else max_list_depth + len(
            inner_shape)
    if ragged_rank is None:
        if inner_shape is None:
            ragged_rank = max(scalar_depth - 1, 0)
        else:
            ragged_rank = max(scalar_depth - 1 - len(inner_shape), 0)
    if ragged_rank < 0 or (scalar_depth and ragged_rank >= scalar_depth):
        raise ValueError(f"Invalid pylist={pylist!r}: incompatible with ragged_rank={ragged_rank}")
    if ragged_rank == 0:
        if isinstance(pylist, list | tuple) and len(pylist) == 0:
            return _empty_tensor(dtype, inner_shape)
        return convert_to_tensor(pylist, dtype=dtype)
    # Peel ragged_rank levels of lists, recording the row lengths at each.
    levels = []
    items = list(pylist)
    for _ in range(ragged_rank):
        levels.append([len(x) for x in items])
        items = [y for x in items for y in x]
    inner_rank = scalar_depth - ragged_rank - 1
    if items:
        arr, dt = _leaf_array(items, dtype)
        if arr.ndim != inner_rank + 1:
            raise ValueError("all inner values must have the same shape (the inner dims are "
                             "uniform)")
        if inner_shape is not None:
            arr = arr.reshape((arr.shape[0],) + tuple(inner_shape))
    else:
        dt = dtype or _dtypes.float32
        shape = (0,) + (tuple(inner_shape) if inner_shape is not None else (0,) * inner_rank)
        arr = np.zeros(shape, object if dt is _dtypes.string else dt.as_numpy_dtype)
    result = wrap(arr, dt)
    for lengths in reversed(levels):
        splits = np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)])
        result = RaggedTensor._make(result, wrap(splits.astype(sdt.as_numpy_dtype), sdt))
    return result


def _empty_tensor(dtype, inner_shape):
    dt = dtype or _dtypes.float32
    shape = (0,) + tuple(inner_shape or ())
    return wrap(np.zeros(shape, object if dt is _dtypes.string else dt.as_numpy_dtype), dt)


def _leaf_array(items, dtype):
    t = convert_to_tensor(items, dtype=dtype)
    return t._value, t.dtype


def ragged_range(starts, limits=None, deltas=1, dtype=None, name=None,
          row_splits_dtype=_dtypes.int64) -> RaggedTensor:
    """``tf.ragged.range``: one ``tf.range`` row per (start, limit, delta)."""
    if limits is None:
        starts, limits = 0, starts
    ts, tl, td = (_tensor(v, dtype=dtype) if dtype is not None else _tensor(v)
                  for v in (starts, limits, deltas))
    dts = [t.dtype for t in (ts, tl, td)]
    out_dt = dts[0]
    for d in dts[1:]:
        if d != out_dt:
            order = [_dtypes.int32, _dtypes.int64, _dtypes.float32, _dtypes.float64]
            out_dt = max(out_dt, d, key=order.index)
    s, lim, d = np.broadcast_arrays(*(np.asarray(_np(t), out_dt.as_numpy_dtype)
                                      for t in (ts, tl, td)))
    s, lim, d = s.reshape(-1), lim.reshape(-1), d.reshape(-1)
    if np.any(d == 0):
        raise errors.InvalidArgumentError(None, None, "Requires delta != 0 [Op:RaggedRange]")
    if out_dt.is_integer:
        n = np.maximum(0, -((lim - s) // -d))
    else:
        n = np.maximum(0, np.ceil((lim - s) / d)).astype(np.int64)
    n = n.astype(np.int64)
    sdt = _dtypes.as_dtype(row_splits_dtype)
    splits = np.concatenate([[0], np.cumsum(n)]).astype(sdt.as_numpy_dtype)
    rows = np.repeat(np.arange(len(n)), n)
    offs = np.arange(int(splits[-1])) - splits[:-1][rows] if len(n) else np.zeros(0, np.int64)
    vals = (s[rows] + offs.astype(out_dt.as_numpy_dtype) * d[rows]).astype(
        out_dt.as_numpy_dtype)
    return RaggedTensor._make(wrap(vals, out_dt), wrap(splits, sdt))


def row_splits_to_segment_ids(splits, name=None, out_type=None) -> Tensor:
    """``tf.ragged.row_splits_to_segment_ids``."""
    t = _tensor(splits)
    if t.dtype not in (_dtypes.int32, _dtypes.int64):
        raise ValueError(f"splits must have dtype int32 or int64; got {t.dtype.name}")
    s = t._value
    if s.ndim != 1:
        raise ValueError(f"Shape {tuple(s.shape)} must have rank 1")
    dt = _dtypes.int64 if out_type is None else _dtypes.as_dtype(out_type)
    ids = np.repeat(np.arange(len(s) - 1), s[1:] - s[:-1]).astype(dt.as_numpy_dtype)
    return wrap(ids, dt)


def segment_ids_to_row_splits(segment_ids, num_segments=None, out_type=None,
                              name=None) -> Tensor:
    """``tf.ragged.segment_ids_to_row_splits``."""
    t = _tensor(segment_ids)
    ids = t._value
    if ids.ndim != 1:
        raise ValueError(f"Shape {tuple(ids.shape)} must have rank 1")
    dt = _dtypes.int64 if out_type is None else _dtypes.as_dtype(out_type)
    n = int(_np(_tensor(num_segments))) if num_segments is not None else (
        int(ids.max()) + 1 if ids.size else 0)
    counts = np.bincount(ids.astype(np.int64), minlength=n)[:n] if ids.size else \
        np.zeros(n, np.int64)
    return wrap(np.concatenate([[0], np.cumsum(counts)]).astype(dt.as_numpy_dtype), dt)


def map_flat_values(op, *args, **kwargs):
    """``tf.ragged.map_flat_values``: apply ``op`` to the flat values of ragged arguments
    (which must share their row partitions); the result has the same partitions."""
    partition = []

    def swap(x):
        if isinstance(x, RaggedTensor):
            if partition and not _same_partitions(partition[0], x):
                raise ValueError("Input RaggedTensors' flat_values must all have the same "
                                 "outer-dimension size.  Got sizes: "
                                 f"{{{partition[0].flat_values.shape[0]}, "
                                 f"{x.flat_values.shape[0]}}}")
            partition.append(x)
            return x.flat_values
        if isinstance(x, list | tuple):
            return type(x)(swap(v) for v in x)
        if isinstance(x, dict):
            return {k: swap(v) for k, v in x.items()}
        return x

    new_args = swap(list(args))
    new_kwargs = swap(kwargs)
    out = op(*new_args, **new_kwargs)
    if not partition:
        return out
    return partition[0].with_flat_values(out)


def _export_all() -> None:
    from tessera._api import export

    export("RaggedTensor", RaggedTensor)
    for n, f in [("constant", constant), ("range", ragged_range),
                 ("row_splits_to_segment_ids", row_splits_to_segment_ids),
                 ("segment_ids_to_row_splits", segment_ids_to_row_splits),
                 ("map_flat_values", map_flat_values)]:
        export(f"ragged.{n}", f)


_export_all()
