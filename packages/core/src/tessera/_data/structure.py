"""Element structures of a dataset: nests of tuples, namedtuples and dicts whose leaves are
tensors, SparseTensors or datasets, and the specs that describe them.

As in ``tf.data`` (and unlike ``tf.nest``), a Python list is a leaf: ``[1, 2]`` becomes one
tensor of shape (2,). Dict leaves are ordered by sorted key, as ``tf.nest`` orders them.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

import numpy as np

from tessera import dtypes as _dtypes
from tessera._framework.context import CPU_DEVICE_NAME
from tessera._framework.convert import convert_to_tensor, dtype_of_array, wrap
from tessera._framework.tensor import EagerTensor, Tensor
from tessera._framework.tensor_shape import TensorShape
from tessera._framework.tensor_spec import TensorSpec

CPU = CPU_DEVICE_NAME


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def _sorted_keys(d) -> list:
    try:
        return sorted(d)
    except TypeError:
        return sorted(d, key=repr)


def is_nested(x) -> bool:
    return isinstance(x, tuple | Mapping)


def flatten(x) -> list:
    """Leaves of an element or spec structure, in TF's order."""
    t = type(x)
    if t is tuple or _is_namedtuple(x):
        out = []
        for c in x:
            if isinstance(c, tuple | Mapping):
                out.extend(flatten(c))
            else:
                out.append(c)
        return out
    if isinstance(x, Mapping):
        out = []
        for k in _sorted_keys(x):
            c = x[k]
            if isinstance(c, tuple | Mapping):
                out.extend(flatten(c))
            else:
                out.append(c)
        return out
    return [x]


def pack(structure, flat):
    """Rebuild ``structure`` with the leaves ``flat`` (a list), in order."""
    it = iter(flat)

    def build(s):
        if isinstance(s, tuple):
            vals = [build(c) for c in s]
            return type(s)(*vals) if _is_namedtuple(s) else tuple(vals)
        if isinstance(s, Mapping):
            keys = _sorted_keys(s)
            d = {k: build(s[k]) for k in keys}
            try:
                return type(s)((k, d[k]) for k in s)
            except TypeError:
                return {k: d[k] for k in s}
        return next(it)

    return build(structure)


def map_structure(fn, structure):
    if not isinstance(structure, tuple | Mapping):
        return fn(structure)
    return pack(structure, [fn(v) for v in flatten(structure)])


def same_structure(a, b) -> bool:
    if isinstance(a, tuple) != isinstance(b, tuple) or isinstance(a, Mapping) != isinstance(
            b, Mapping):
        return False
    if isinstance(a, tuple):
        return len(a) == len(b) and all(same_structure(x, y) for x, y in zip(a, b))
    if isinstance(a, Mapping):
        return set(a) == set(b) and all(same_structure(a[k], b[k]) for k in a)
    return True


# -- leaves -----------------------------------------------------------------------------------

def _is_dataset(x) -> bool:
    from tessera._data.dataset import DatasetV2

    return isinstance(x, DatasetV2)


def _is_sparse(x) -> bool:
    from tessera._data.sparse import SparseTensor

    return isinstance(x, SparseTensor)


def to_tensor(value, dtype=None) -> Tensor:
    """A leaf value as an eager tensor on the CPU (NumPy arrays keep their dtype)."""
    if type(value) is EagerTensor and dtype is None:
        return value
    if isinstance(value, np.ndarray) and dtype is None and value.dtype.kind not in "OSU":
        return wrap(value, dtype_of_array(value), CPU)
    return convert_to_tensor(value, dtype=dtype)


def normalize_leaf(value):
    if isinstance(value, Tensor) or _is_sparse(value) or _is_dataset(value):
        return value
    if hasattr(value, "_as_tensor"):  # a Variable: its current value
        return value._as_tensor()
    if type(value).__name__ == "RaggedTensor":
        return value
    if value is None:
        raise TypeError("Failed to convert elements of None to Tensor. tf.data elements can "
                        "not be None; use an empty tuple or a tensor instead.")
    return to_tensor(value)


def normalize_element(element):
    """Convert every leaf of a user value to a tensor (lists are leaves: one tensor each)."""
    if isinstance(element, tuple | Mapping):
        return pack(element, [normalize_leaf(v) for v in flatten(element)])
    return normalize_leaf(element)


def normalize_output(value):
    """A function's return value as an element: lists become tuples, as TF does."""
    if type(value) is EagerTensor:
        return value
    if isinstance(value, list):
        value = tuple(value)
    if isinstance(value, tuple) and not _is_namedtuple(value):
        return tuple(normalize_output(v) if isinstance(v, list | tuple | Mapping)
                     else normalize_leaf(v) for v in value)
    return normalize_element(value)


# -- specs ------------------------------------------------------------------------------------

class DatasetSpec:
    """The spec of a dataset-valued element (what ``window`` yields)."""

    def __init__(self, element_spec, dataset_shape=()) -> None:
        self._element_spec = element_spec
        self._dataset_shape = TensorShape(dataset_shape)

    @property
    def element_spec(self):
        return self._element_spec

    @property
    def shape(self) -> TensorShape:
        return self._dataset_shape

    @property
    def value_type(self):
        from tessera._data.dataset import DatasetV2

        return DatasetV2

    def __eq__(self, other) -> bool:
        return (isinstance(other, DatasetSpec) and other._element_spec == self._element_spec
                and other._dataset_shape == self._dataset_shape)

    def __hash__(self) -> int:
        return hash(("DatasetSpec", self._dataset_shape))

    def __repr__(self) -> str:
        return f"DatasetSpec({self._element_spec!r}, {self._dataset_shape!r})"


def spec_of_leaf(value):
    if isinstance(value, Tensor):
        return TensorSpec(value.shape, value.dtype)
    if _is_sparse(value):
        from tessera._data.sparse import SparseTensorSpec

        return SparseTensorSpec.from_value(value)
    if _is_dataset(value):
        return DatasetSpec(value.element_spec)
    spec_fn = getattr(value, "_type_spec", None)
    if spec_fn is not None:
        return spec_fn
    raise TypeError(f"tf.data cannot describe an element of type {type(value).__name__}")


def spec_of(element):
    """The element_spec of one (normalized) element."""
    return map_structure(spec_of_leaf, element)


def most_general(a, b):
    """The most specific spec both ``a`` and ``b`` fit (shapes relaxed), for merging."""
    def merge(x, y):
        if isinstance(x, TensorSpec) and isinstance(y, TensorSpec):
            if x.dtype != y.dtype:
                raise TypeError(f"Incompatible dtypes {x.dtype!r} and {y.dtype!r}")
            return TensorSpec(x.shape.most_specific_common_supertype([y.shape]), x.dtype)
        return x
    fa, fb = flatten(a), flatten(b)
    if len(fa) != len(fb) or not same_structure(a, b):
        raise TypeError(f"The two structures don't have the same nested structure: {a} and {b}")
    return pack(a, [merge(x, y) for x, y in zip(fa, fb)])


def batched_spec(spec, batch_size: int | None):
    """The spec of a batch of elements described by ``spec``."""
    from tessera._data.sparse import SparseTensorSpec

    def one(s):
        if isinstance(s, TensorSpec):
            return TensorSpec(TensorShape([batch_size]).concatenate(s.shape), s.dtype)
        if isinstance(s, SparseTensorSpec):
            return SparseTensorSpec(TensorShape([batch_size]).concatenate(s.shape), s.dtype)
        if isinstance(s, DatasetSpec):
            raise TypeError("Cannot batch a dataset of datasets: apply flat_map or interleave "
                            "to the windows first")
        bs = getattr(s, "_batch", None)
        if bs is not None:
            return bs(batch_size)
        raise TypeError(f"Cannot batch elements described by {s!r}")

    return map_structure(one, spec)


def unbatched_spec(spec):
    from tessera._data.sparse import SparseTensorSpec

    def one(s):
        if isinstance(s, TensorSpec | SparseTensorSpec):
            if s.shape.rank == 0:
                raise ValueError("Cannot unbatch an input with scalar components.")
            rank = s.shape.rank
            rest = TensorShape(None) if rank is None else TensorShape(s.shape.as_list()[1:])
            return type(s)(rest, s.dtype)
        ub = getattr(s, "_unbatch", None)
        if ub is not None:
            return ub()
        raise TypeError(f"Cannot unbatch elements described by {s!r}")

    return map_structure(one, spec)


def leaf_dtype(s) -> _dtypes.DType:
    return s.dtype


# -- spec hints ---------------------------------------------------------------------------------
# When an output spec is learned by running a function on one element (it could not be
# traced), functions whose result shapes vary per element (parse_example's VarLenFeature,
# FixedLenSequenceFeature) record the general spec of what they return here.

_hints = threading.local()


class learning_specs:
    """Context manager collecting spec hints for values made inside it."""

    def __enter__(self) -> dict:
        self._outer = getattr(_hints, "table", None)
        _hints.table = {}
        return _hints.table

    def __exit__(self, *exc) -> None:
        _hints.table = self._outer


def hint_spec(value, spec) -> None:
    table = getattr(_hints, "table", None)
    if table is not None:
        table[id(value)] = spec


def spec_of_hinted(element, table: dict, relax: bool = False):
    def one(v):
        hinted = table.get(id(v))
        if hinted is not None:
            return hinted
        spec = spec_of_leaf(v)
        if relax and isinstance(spec, TensorSpec) and spec.shape.rank:
            return TensorSpec([None] * spec.shape.rank, spec.dtype)
        return spec

    return map_structure(one, element)
