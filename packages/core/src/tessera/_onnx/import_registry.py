"""The ONNX importer's converter table: ``(domain, op_type) -> [(since_version, fn)]``, and
helpers the converter modules share.

A converter is ``fn(ctx, scope, *inputs) -> output or list of outputs``; ``ctx`` is the
node's ``NodeContext`` (attributes, opset, ``static``), inputs are Tessera tensors (None for
an omitted optional input), lists (sequences) or ``OptionalValue``s.
"""

from __future__ import annotations

import numpy as np

import tessera as tf

CONVERTERS: dict[tuple[str, str], list] = {}


def converter(*op_types: str, since: int = 1, domain: str = ""):
    """Register ``fn`` for ``op_types`` from opset ``since`` on (a later registration of the
    same op with a higher ``since`` wins for models at or above it)."""

    def deco(fn):
        for op_type in op_types:
            entries = CONVERTERS.setdefault((domain, op_type), [])
            entries.append((since, fn))
            entries.sort(key=lambda e: e[0])
        return fn

    return deco


def const(value, dtype=None):
    """A constant tensor."""
    array = np.asarray(value) if dtype is None else np.asarray(value, dtype=dtype)
    return tf.constant(array)


def rank(x) -> int:
    r = x.shape.rank
    if r is None:
        raise NotImplementedError("the ONNX importer needs tensors of known rank")
    return r


def norm_axis(axis: int, r: int) -> int:
    return int(axis) + r if int(axis) < 0 else int(axis)


def shape_of(x, dtype=tf.int64):
    """The shape of ``x`` as a tensor: constant when it is fully known."""
    dims = x.shape.as_list() if x.shape.rank is not None else None
    if dims is not None and all(d is not None for d in dims):
        return const(np.array(dims, dtype=dtype.as_numpy_dtype))
    return tf.cast(tf.shape(x), dtype)


def static_shape(x) -> list[int]:
    """The fully known shape of ``x`` (NotImplementedError otherwise)."""
    dims = x.shape.as_list() if x.shape.rank is not None else None
    if dims is None or any(d is None for d in dims):
        raise NotImplementedError("the ONNX importer needs a static shape here; call the "
                                  "loaded model eagerly")
    return [int(d) for d in dims]


def is_float(x) -> bool:
    return x.dtype.is_floating


def np_of(x):
    """dtype of ``x`` as NumPy."""
    return np.dtype(x.dtype.as_numpy_dtype)
