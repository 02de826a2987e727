"""A documented binary encoding of dataset elements and a JSON encoding of element specs,
used by ``Dataset.cache(filename)`` and ``Dataset.save``/``load``. No pickle.

One element is the concatenation of its components (flattened in ``tf.nest`` order)::

    component := kind:u8 (0 = dense tensor, 1 = SparseTensor) body
    dense     := len:u8 dtype-name:ascii rank:u8 dims:u64[rank] data
    data      := numeric: the values, little-endian, row-major
                 string:  for each value u64 length + bytes
    sparse    := dense(indices) dense(values) dense(dense_shape)

All integers are little-endian. Each encoded element is stored as one TFRecord record (length,
masked CRC32C of the length, payload, masked CRC32C of the payload), so damage is detected.
"""

from __future__ import annotations

import struct

import numpy as np

from tessera import dtypes as _dtypes
from tessera import errors
from tessera._data import structure
from tessera._data.sparse import SparseTensor, SparseTensorSpec
from tessera._framework.convert import wrap
from tessera._framework.tensor_shape import TensorShape
from tessera._framework.tensor_spec import TensorSpec

_CPU = structure.CPU
_U64 = struct.Struct("<Q")


def _encode_dense(arr: np.ndarray, dtype) -> bytes:
    name = dtype.name.encode("ascii")
    head = bytes([len(name)]) + name + bytes([arr.ndim]) + b"".join(
        _U64.pack(d) for d in arr.shape)
    if dtype == _dtypes.string:
        parts = [head]
        for item in arr.reshape(-1):
            b = item if isinstance(item, bytes) else str(item).encode("utf-8")
            parts.append(_U64.pack(len(b)))
            parts.append(b)
        return b"".join(parts)
    a = np.ascontiguousarray(arr)
    if a.dtype.byteorder == ">":
        a = a.astype(a.dtype.newbyteorder("<"))
    return head + a.tobytes()


def encode_element(element) -> bytes:
    parts = []
    for leaf in structure.flatten(element):
        if isinstance(leaf, SparseTensor):
            parts.append(b"\x01")
            for t in (leaf.indices, leaf.values, leaf.dense_shape):
                parts.append(_encode_dense(t._value, t.dtype))
        else:
            parts.append(b"\x00")
            parts.append(_encode_dense(leaf._value if hasattr(leaf, "_value")
                                       else np.asarray(leaf), leaf.dtype))
    return b"".join(parts)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = memoryview(data), 0

    def take(self, n: int) -> memoryview:
        if self.pos + n > len(self.data):
            raise errors.DataLossError(None, None, "Truncated element in a tf.data file")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def u8(self) -> int:
        return self.take(1)[0]

    def u64(self) -> int:
        return _U64.unpack(self.take(8))[0]


def _decode_dense(r: _Reader):
    name = bytes(r.take(r.u8())).decode("ascii")
    dtype = _dtypes.as_dtype(name)
    shape = tuple(r.u64() for _ in range(r.u8()))
    count = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if dtype == _dtypes.string:
        arr = np.empty(count, dtype=object)
        for i in range(count):
            arr[i] = bytes(r.take(r.u64()))
        return wrap(arr.reshape(shape), dtype, _CPU)
    npdt = np.dtype(dtype.as_numpy_dtype).newbyteorder("<")
    raw = r.take(count * npdt.itemsize)
    arr = np.frombuffer(raw, dtype=npdt).astype(npdt.newbyteorder("="), copy=True)
    return wrap(arr.reshape(shape), dtype, _CPU)


def decode_element(data: bytes, spec):
    r = _Reader(data)
    leaves = []
    for _ in structure.flatten(spec):
        kind = r.u8()
        if kind == 0:
            leaves.append(_decode_dense(r))
        elif kind == 1:
            idx, vals, shape = _decode_dense(r), _decode_dense(r), _decode_dense(r)
            leaves.append(SparseTensor(idx, vals, shape))
        else:
            raise errors.DataLossError(None, None, f"Unknown component kind {kind} in a "
                                                   f"tf.data file")
    if r.pos != len(r.data):
        raise errors.DataLossError(None, None, "Trailing bytes after an element in a tf.data "
                                               "file")
    return structure.pack(spec, leaves)


# -- specs as JSON -------------------------------------------------------------------------------

def _shape_json(shape: TensorShape):
    return None if shape.rank is None else shape.as_list()


def spec_to_json(spec):
    if isinstance(spec, dict):
        keys = sorted(spec)
        return {"type": "dict", "keys": keys, "items": [spec_to_json(spec[k]) for k in keys]}
    if isinstance(spec, tuple):
        out = {"type": "tuple", "items": [spec_to_json(s) for s in spec]}
        if hasattr(type(spec), "_fields"):
            out["fields"] = list(type(spec)._fields)
            out["name"] = type(spec).__name__
        return out
    if isinstance(spec, TensorSpec):
        return {"type": "tensor", "shape": _shape_json(spec.shape), "dtype": spec.dtype.name}
    if isinstance(spec, SparseTensorSpec):
        return {"type": "sparse", "shape": _shape_json(spec.shape), "dtype": spec.dtype.name}
    raise TypeError(f"Cannot save elements described by {spec!r}")


def spec_from_json(obj):
    kind = obj.get("type")
    if kind == "dict":
        return {k: spec_from_json(v) for k, v in zip(obj["keys"], obj["items"])}
    if kind == "tuple":
        items = [spec_from_json(v) for v in obj["items"]]
        if "fields" in obj:
            from collections import namedtuple

            return namedtuple(str(obj.get("name", "Element")), obj["fields"])(*items)
        return tuple(items)
    if kind == "tensor":
        return TensorSpec(TensorShape(obj["shape"]), _dtypes.as_dtype(obj["dtype"]))
    if kind == "sparse":
        return SparseTensorSpec(TensorShape(obj["shape"]), _dtypes.as_dtype(obj["dtype"]))
    raise errors.DataLossError(None, None, f"Unknown element spec entry {obj!r}")
