"""``tf.io.parse_single_example`` / ``parse_example`` with FixedLenFeature,
VarLenFeature (-> SparseTensor) and FixedLenSequenceFeature, plus serialize_tensor /
parse_tensor (TensorProto wire format)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from tessera import dtypes as _dtypes
from tessera import errors
from tessera._data import protobuf as pb
from tessera._data import structure
from tessera._data.example_proto import decode_example
from tessera._data.sparse import SparseTensor, SparseTensorSpec
from tessera._framework.convert import convert_to_tensor, wrap
from tessera._framework.tensor import Tensor
from tessera._framework.tensor_shape import TensorShape
from tessera._framework.tensor_spec import TensorSpec

_CPU = structure.CPU
_KIND = {"int64": "int64", "float32": "float", "string": "bytes"}


class FixedLenFeature(NamedTuple):
    """``tf.io.FixedLenFeature(shape, dtype, default_value=None)``."""

    shape: object
    dtype: object
    default_value: object = None


class VarLenFeature(NamedTuple):
    """``tf.io.VarLenFeature(dtype)``: parsed as a SparseTensor."""

    dtype: object


class FixedLenSequenceFeature(NamedTuple):
    """``tf.io.FixedLenSequenceFeature(shape, dtype, allow_missing=False,
    default_value=None)``."""

    shape: object
    dtype: object
    allow_missing: bool = False
    default_value: object = None


def _fmt_shape(shape) -> str:
    return "[" + ", ".join(str(d) for d in shape) + "]"


FixedLenFeature.__repr__ = lambda self: (  # type: ignore[method-assign]
    f"FixedLenFeature(shape={_fmt_shape(_shape(self.shape))}, dtype={_dt(self.dtype)!r}, "
    f"default_value={self.default_value!r})")
VarLenFeature.__repr__ = lambda self: (  # type: ignore[method-assign]
    f"VarLenFeature(dtype={_dt(self.dtype)!r})")
FixedLenSequenceFeature.__repr__ = lambda self: (  # type: ignore[method-assign]
    f"FixedLenSequenceFeature(shape={_fmt_shape(_shape(self.shape))}, "
    f"dtype={_dt(self.dtype)!r}, allow_missing={self.allow_missing!r}, "
    f"default_value={self.default_value!r})")


def _dt(dtype):
    return _dtypes.as_dtype(dtype)


def _shape(shape) -> list[int]:
    if isinstance(shape, TensorShape):
        return shape.as_list()
    if isinstance(shape, int):
        return [shape]
    return [int(d) for d in shape]


def _check_dtype(key: str, dtype) -> _dtypes.DType:
    dt = _dt(dtype)
    if dt.name not in _KIND:
        raise ValueError(f"Unsupported dtype {dt.name} for feature {key!r}: use tf.int64, "
                         f"tf.float32 or tf.string")
    return dt


def _values_array(values, dt: _dtypes.DType) -> np.ndarray:
    if dt == _dtypes.string:
        arr = np.empty(len(values), dtype=object)
        arr[:] = values
        return arr
    return np.asarray(values, dtype=dt.as_numpy_dtype)


def _serialized_list(serialized) -> tuple[list[bytes], tuple]:
    if isinstance(serialized, Tensor):
        arr = serialized._value if hasattr(serialized, "_value") else np.asarray(serialized)
    else:
        arr = np.asarray(convert_to_tensor(serialized, dtype=_dtypes.string)._value)
    return [bytes(x) for x in arr.reshape(-1)], arr.shape


def _decode(data: bytes, index: int | None) -> dict:
    try:
        return decode_example(data)
    except (errors.DataLossError, UnicodeDecodeError):
        where = "" if index is None else f" (example {index})"
        raise errors.InvalidArgumentError(
            None, None, f"Could not parse example input{where}, value: '{data[:64]!r}'"
        ) from None


def _missing(key: str, dt, batched: bool):
    prefix = "Name: <unknown>, " if batched else ""
    return errors.InvalidArgumentError(None, None, f"{prefix}Feature: {key} (data type: "
                                                   f"{dt.name}) is required but could not be "
                                                   f"found.")


def _typed(key: str, found, dt):
    kind, values = found
    if kind is None:
        return []
    want = _KIND[dt.name]
    if kind != want:
        names = {"int64": "int64", "float": "float", "bytes": "string"}
        raise errors.InvalidArgumentError(None, None, f"Key: {key}.  Data types don't match. "
                                                      f"Data type: {names[kind]} but expected "
                                                      f"type: {names[want]}")
    return values


def _default(key: str, spec: FixedLenFeature, dt, shape: list[int]) -> np.ndarray | None:
    if spec.default_value is None:
        return None
    arr = convert_to_tensor(spec.default_value, dtype=dt)._value
    n = int(np.prod(shape, dtype=np.int64))
    if arr.size == 1 and n != 1:
        arr = np.full(shape, arr.reshape(()), dtype=arr.dtype)
    if arr.size != n:
        raise ValueError(f"Feature {key!r}: default_value has {arr.size} values, but shape "
                         f"{shape} needs {n}")
    return arr.reshape(shape)


def _parse(records: list[bytes], features: dict, batched: bool) -> dict:
    decoded = [_decode(r, i if batched else None) for i, r in enumerate(records)]
    sparse_keys = sorted(k for k, v in features.items() if isinstance(v, VarLenFeature))
    dense_keys = sorted(k for k, v in features.items() if not isinstance(v, VarLenFeature))
    out: dict = {}
    b = len(records)
    for key in sparse_keys:
        dt = _check_dtype(key, features[key].dtype)
        rows = [_typed(key, d.get(key, (None, None)), dt) for d in decoded]
        lens = [len(r) for r in rows]
        vals = _values_array([v for r in rows for v in r], dt)
        if batched:
            idx = np.array([[i, j] for i, n in enumerate(lens) for j in range(n)],
                           dtype=np.int64).reshape(-1, 2)
            shape = [b, max(lens, default=0)]
        else:
            idx = np.arange(lens[0], dtype=np.int64).reshape(-1, 1)
            shape = [lens[0]]
        out[key] = SparseTensor._make(idx, vals, shape, dt)
        structure.hint_spec(out[key], SparseTensorSpec([None] * len(shape), dt))
    for key in dense_keys:
        spec = features[key]
        dt = _check_dtype(key, spec.dtype)
        shape = _shape(spec.shape)
        if isinstance(spec, FixedLenSequenceFeature):
            out[key] = _parse_sequence(key, spec, dt, shape, decoded, batched)
            structure.hint_spec(out[key], TensorSpec([b] * batched + [None] + shape, dt))
            continue
        if not isinstance(spec, FixedLenFeature):
            raise TypeError(f"Unsupported feature type {type(spec).__name__} for {key!r}")
        n = int(np.prod(shape, dtype=np.int64))
        default = _default(key, spec, dt, shape)
        parts = []
        for d in decoded:
            found = d.get(key)
            if found is None or found[0] is None:
                if default is None:
                    raise _missing(key, dt, batched)
                parts.append(default)
                continue
            values = _typed(key, found, dt)
            if len(values) != n:
                raise errors.InvalidArgumentError(
                    None, None, f"Key: {key}.  Can't parse serialized Example: Some "
                                f"{found[0]}_list slice was not parsed.")
            parts.append(_values_array(values, dt).reshape(shape))
        arr = np.stack(parts) if batched else parts[0]
        out[key] = wrap(np.asarray(arr, order="C"), dt, _CPU)
        structure.hint_spec(out[key], TensorSpec([b] * batched + shape, dt))
    return out


def _parse_sequence(key, spec, dt, shape, decoded, batched):
    n = int(np.prod(shape, dtype=np.int64))
    rows = []
    for d in decoded:
        found = d.get(key)
        if found is None or found[0] is None:
            if not spec.allow_missing and not batched:
                raise _missing(key, dt, batched)
            rows.append(_values_array([], dt).reshape([0, *shape]))
            continue
        values = _typed(key, found, dt)
        if n == 0 or len(values) % n:
            raise errors.InvalidArgumentError(
                None, None, f"Key: {key}.  Can't parse serialized Example: Number of values "
                            f"{len(values)} is not a multiple of the element size {n}.")
        rows.append(_values_array(values, dt).reshape([len(values) // max(n, 1), *shape]))
    if not batched:
        return wrap(rows[0], dt, _CPU)
    longest = max((r.shape[0] for r in rows), default=0)
    fill = spec.default_value
    if fill is None:
        fill = b"" if dt == _dtypes.string else 0
    out = np.empty([len(rows), longest, *shape], dtype=object if dt == _dtypes.string
                   else dt.as_numpy_dtype)
    out[...] = fill
    for i, r in enumerate(rows):
        out[i, :r.shape[0]] = r
    return wrap(out, dt, _CPU)


def parse_single_example(serialized, features: dict, example_names=None, name=None) -> dict:
    """``tf.io.parse_single_example``: one serialized Example (a scalar string)."""
    if not features:
        raise ValueError("Invalid `features`: `features` cannot be None or empty.")
    records, shape = _serialized_list(serialized)
    if shape != ():
        raise ValueError(f"Input serialized must be a scalar, got shape {TensorShape(shape)}")
    return _parse(records, features, batched=False)


def parse_example(serialized, features: dict, example_names=None, name=None) -> dict:
    """``tf.io.parse_example``: a vector of serialized Examples, batched results."""
    if not features:
        raise ValueError("Invalid `features`: `features` cannot be None or empty.")
    records, shape = _serialized_list(serialized)
    if len(shape) == 0:
        return _parse(records, features, batched=False)
    if len(shape) != 1:
        raise ValueError(f"Input serialized must be a vector, got shape {TensorShape(shape)}")
    return _parse(records, features, batched=True)


# -- TensorProto --------------------------------------------------------------------------------------

def serialize_tensor(tensor, name=None) -> Tensor:
    """``tf.io.serialize_tensor``: the TensorProto bytes of a tensor, as TensorFlow writes."""
    t = convert_to_tensor(tensor)
    arr = t._value
    shape = b"".join(pb.length_delimited(2, pb.tag(1, pb.VARINT) + pb.varint(d))
                     for d in arr.shape)
    out = [pb.tag(1, pb.VARINT) + pb.varint(t.dtype.as_datatype_enum),
           pb.length_delimited(2, shape)]
    if t.dtype == _dtypes.string:
        out.extend(pb.length_delimited(8, bytes(v)) for v in arr.reshape(-1))
    else:
        a = np.ascontiguousarray(arr)
        if a.dtype.byteorder == ">":
            a = a.astype(a.dtype.newbyteorder("<"))
        if a.size:
            out.append(pb.length_delimited(4, a.tobytes()))
    v = np.empty((), dtype=object)
    v[()] = b"".join(out)
    return wrap(v, _dtypes.string, _CPU)


def parse_tensor(serialized, out_type, name=None) -> Tensor:
    """``tf.io.parse_tensor``: the inverse of serialize_tensor."""
    records, shape = _serialized_list(serialized)
    if shape != ():
        raise ValueError("parse_tensor expects a scalar string")
    data = records[0]
    want = _dtypes.as_dtype(out_type)
    dtype_enum, dims, content, strings = None, [], None, []
    try:
        for number, wt, value in pb.fields(data):
            if number == 1 and wt == pb.VARINT:
                dtype_enum = value
            elif number == 2 and wt == pb.LEN:
                for n2, w2, dim in pb.fields(value):
                    if n2 == 2 and w2 == pb.LEN:
                        size = 0
                        for n3, w3, v3 in pb.fields(dim):
                            if n3 == 1 and w3 == pb.VARINT:
                                size = pb.to_int64(v3)
                        dims.append(size)
            elif number == 4 and wt == pb.LEN:
                content = bytes(value)
            elif number == 8 and wt == pb.LEN:
                strings.append(bytes(value))
    except errors.DataLossError:
        raise errors.InvalidArgumentError(None, None, "Could not parse `serialized` as "
                                                      "TensorProto.") from None
    got = _dtypes.as_dtype(dtype_enum if dtype_enum is not None else 1)
    if got != want:
        raise errors.InvalidArgumentError(None, None, f"Type mismatch between parsed tensor "
                                                      f"({got.name}) and dtype "
                                                      f"({want.name})")
    count = int(np.prod(dims, dtype=np.int64)) if dims else 1
    if want == _dtypes.string:
        arr = np.empty(count, dtype=object)
        arr[:] = strings if len(strings) == count else (strings * count)[:count]
        return wrap(arr.reshape(dims), want, _CPU)
    npdt = np.dtype(want.as_numpy_dtype).newbyteorder("<")
    raw = content or b""
    if len(raw) != count * npdt.itemsize:
        raise errors.InvalidArgumentError(None, None, "Could not parse `serialized` as "
                                                      "TensorProto: its content does not match "
                                                      "its shape.")
    arr = np.frombuffer(raw, dtype=npdt).astype(npdt.newbyteorder("="))
    return wrap(arr.reshape(dims), want, _CPU)
