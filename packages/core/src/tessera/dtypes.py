"""``tf.dtypes``: the DType class, its constants and ``as_dtype``.

Enum numbers, names, properties and error messages follow TensorFlow 2. bfloat16 maps to
``ml_dtypes.bfloat16`` when that package is importable and to float32 otherwise (see
``tessera._framework.bfloat16``). Reference dtypes (``float32_ref``) and the experimental
float8/int4 types are not provided.

This module defines a constant named ``bool``, so the builtin is spelled ``builtins.bool``.
"""

from __future__ import annotations

import builtins
import math

import numpy as np

from tessera._framework import bfloat16 as _bf16
from tessera._framework.tensor_shape import Dimension as _Dimension

__all__ = [
    "QUANTIZED_DTYPES",
    "DType",
    "as_dtype",
    "bfloat16",
    "bool",
    "complex64",
    "complex128",
    "double",
    "float16",
    "float32",
    "float64",
    "half",
    "int8",
    "int16",
    "int32",
    "int64",
    "qint8",
    "qint16",
    "qint32",
    "quint8",
    "quint16",
    "resource",
    "string",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "variant",
]



def __dir__() -> list[str]:
    # This module is the public tf.dtypes: list its API, not its imports.
    return sorted([*__all__, *(n for n in globals() if n.startswith("__"))])


# enum -> (name, kind, size in bytes, NumPy type). Kinds: b bool, i/u signed/unsigned
# integer, f floating, c complex, s string, q quantized, r handle (resource, variant).
# Enum numbers are TensorFlow's DataType values, so they survive a trip through its protos.
_SPECS: dict[int, tuple[str, str, int, object]] = {
    1: ("float32", "f", 4, np.float32),
    2: ("float64", "f", 8, np.float64),
    3: ("int32", "i", 4, np.int32),
    4: ("uint8", "u", 1, np.uint8),
    5: ("int16", "i", 2, np.int16),
    6: ("int8", "i", 1, np.int8),
    7: ("string", "s", 0, object),
    8: ("complex64", "c", 8, np.complex64),
    9: ("int64", "i", 8, np.int64),
    10: ("bool", "b", 1, np.bool_),
    11: ("qint8", "q", 1, np.dtype([("qint8", np.int8)])),
    12: ("quint8", "q", 1, np.dtype([("quint8", np.uint8)])),
    13: ("qint32", "q", 4, np.dtype([("qint32", np.int32)])),
    14: ("bfloat16", "f", 2, None),  # resolved lazily: ml_dtypes.bfloat16 or float32
    15: ("qint16", "q", 2, np.dtype([("qint16", np.int16)])),
    16: ("quint16", "q", 2, np.dtype([("quint16", np.uint16)])),
    17: ("uint16", "u", 2, np.uint16),
    18: ("complex128", "c", 16, np.complex128),
    19: ("float16", "f", 2, np.float16),
    20: ("resource", "r", 0, None),
    21: ("variant", "r", 0, None),
    22: ("uint32", "u", 4, np.uint32),
    23: ("uint64", "u", 8, np.uint64),
}

_INSTANCES: dict[int, DType] = {}


class DType:
    """The type of a tensor's elements (``tf.float32``, ``tf.int64``, ...).

    Instances are interned: ``DType(1) is tf.float32``. They compare equal to anything
    ``as_dtype`` converts to them (``tf.float32 == np.float32 == "float32"``) and hash as
    their enum number.
    """

    __slots__ = ("_kind", "_name", "_size", "_type_enum")

    def __new__(cls, type_enum: int) -> DType:
        enum = int(type_enum)
        existing = _INSTANCES.get(enum)
        if existing is not None and type(existing) is cls:
            return existing
        if enum not in _SPECS:
            raise TypeError(f"{type_enum} does not correspond to a valid tensorflow::DataType")
        self = super().__new__(cls)
        self._type_enum = enum
        self._name, self._kind, self._size, _ = _SPECS[enum]
        return self

    # -- identity -------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def as_datatype_enum(self) -> int:
        return self._type_enum

    @property
    def base_dtype(self) -> DType:
        # Tessera has no reference dtypes, so every DType is its own base.
        return self

    @property
    def real_dtype(self) -> DType:
        if self._type_enum == 8:
            return float32
        if self._type_enum == 18:
            return float64
        return self

    @property
    def as_numpy_dtype(self):
        """The NumPy scalar type (or structured dtype, for quantized types)."""
        if self._type_enum == 14:
            return _bf16.ml_dtypes_type() or np.float32
        np_type = _SPECS[self._type_enum][3]
        if np_type is None:
            raise TypeError(f"{self} has no NumPy equivalent.")
        return np_type

    @property
    def size(self) -> int:
        return self._size

    # -- classification -------------------------------------------------------------
    @property
    def is_bool(self) -> builtins.bool:
        return self._kind == "b"

    @property
    def is_integer(self) -> builtins.bool:
        return self._kind in "iu"

    @property
    def is_unsigned(self) -> builtins.bool:
        return self._kind == "u"

    @property
    def is_floating(self) -> builtins.bool:
        return self._kind == "f"

    @property
    def is_complex(self) -> builtins.bool:
        return self._kind == "c"

    @property
    def is_quantized(self) -> builtins.bool:
        return self._kind == "q"

    @property
    def is_numeric(self) -> builtins.bool:
        return self._kind in "iufcq"

    @property
    def is_numpy_compatible(self) -> builtins.bool:
        return self._kind != "r"

    # -- ranges ---------------------------------------------------------------------
    def _range_error(self, which: str) -> TypeError:
        if self._kind == "q":
            return TypeError(f"Cannot find {which} value of {self} with quantized type {self}.")
        if self._kind == "r":
            return TypeError(f"Cannot find {which} value of {self}.")
        return TypeError(f"Cannot find {which} value of {self} with type {self}.")

    @property
    def min(self):
        """The lowest finite value: a Python int for integers, a NumPy scalar for floats."""
        if self._kind in "iu":
            return int(np.iinfo(self.as_numpy_dtype).min)
        if self._kind == "f":
            return -self.max
        raise self._range_error("minimum")

    @property
    def max(self):
        """The largest finite value: a Python int for integers, a NumPy scalar for floats."""
        if self._kind in "iu":
            return int(np.iinfo(self.as_numpy_dtype).max)
        if self._type_enum == 14:
            return self.as_numpy_dtype(_bf16.MAX)
        if self._kind == "f":
            return np.finfo(self.as_numpy_dtype).max
        raise self._range_error("maximum")

    @property
    def limits(self) -> tuple:
        """``(0, max)`` of the image-style intensity range TF defines for a few dtypes.

        TensorFlow declares this a property with a ``clip_negative=True`` default that can
        never be changed, so the lower bound is always 0; floats span ``(0, 1)``.
        """
        if self._kind == "b":
            return (0, True)
        if self._kind in "iu":
            return (0, self.max)
        if self._type_enum in (1, 2):
            return (0, 1)
        raise ValueError(f"{self} does not have defined limits.")

    # -- comparison -----------------------------------------------------------------
    def is_compatible_with(self, other) -> builtins.bool:
        """Whether values of ``other``'s type may be used where this type is expected."""
        return self._type_enum == as_dtype(other)._type_enum

    def is_subtype_of(self, other) -> builtins.bool:
        return self == other

    def most_specific_common_supertype(self, types) -> DType | None:
        return self if all(self == t for t in types) else None

    def __eq__(self, other) -> builtins.bool:
        if other is None:
            return False
        if not isinstance(other, DType):
            try:
                other = as_dtype(other)
            except TypeError:
                return False
        return self._type_enum == other._type_enum

    def __ne__(self, other) -> builtins.bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return self._type_enum

    def __repr__(self) -> str:
        return f"tf.{self._name}"

    def __str__(self) -> str:
        return f"<dtype: '{self._name}'>"

    def __reduce__(self):
        return as_dtype, (self._name,)

    def __copy__(self) -> DType:
        return self

    def __deepcopy__(self, memo) -> DType:
        return self


for _enum in _SPECS:
    _INSTANCES[_enum] = DType(_enum)

float32 = _INSTANCES[1]
float64 = _INSTANCES[2]
int32 = _INSTANCES[3]
uint8 = _INSTANCES[4]
int16 = _INSTANCES[5]
int8 = _INSTANCES[6]
string = _INSTANCES[7]
complex64 = _INSTANCES[8]
int64 = _INSTANCES[9]
bool = _INSTANCES[10]  # TF's name; the builtin is builtins.bool in this module
qint8 = _INSTANCES[11]
quint8 = _INSTANCES[12]
qint32 = _INSTANCES[13]
bfloat16 = _INSTANCES[14]
qint16 = _INSTANCES[15]
quint16 = _INSTANCES[16]
uint16 = _INSTANCES[17]
complex128 = _INSTANCES[18]
float16 = _INSTANCES[19]
resource = _INSTANCES[20]
variant = _INSTANCES[21]
uint32 = _INSTANCES[22]
uint64 = _INSTANCES[23]
half = float16
double = float64

QUANTIZED_DTYPES = frozenset([qint8, quint8, qint16, quint16, qint32])

# Hashable spellings as_dtype accepts: names (plus TF's aliases), enum numbers (so also
# 1.0, True and NumPy integer scalars, which hash like them, as in TF), NumPy scalar types
# and the three Python types TF maps. Python int, str, bytes and complex are rejected by TF.
_LOOKUP: dict = {}
for _dt in _INSTANCES.values():
    _LOOKUP[_dt.name] = _dt
    _LOOKUP[_dt.as_datatype_enum] = _dt
_LOOKUP.update({"half": float16, "double": float64, "float": float32})
_LOOKUP.update({builtins.float: float32, builtins.bool: bool, builtins.object: string})
_LOOKUP.update({
    np.float16: float16, np.float32: float32, np.float64: float64,
    np.int8: int8, np.int16: int16, np.int32: int32, np.int64: int64,
    np.uint8: uint8, np.uint16: uint16, np.uint32: uint32, np.uint64: uint64,
    np.complex64: complex64, np.complex128: complex128, np.bool_: bool,
    np.object_: string, np.str_: string, np.bytes_: string,
})  # fmt: skip

_BY_NUMPY_KIND = {
    ("b", 1): bool,
    ("i", 1): int8, ("i", 2): int16, ("i", 4): int32, ("i", 8): int64,
    ("u", 1): uint8, ("u", 2): uint16, ("u", 4): uint32, ("u", 8): uint64,
    ("f", 2): float16, ("f", 4): float32, ("f", 8): float64,
    ("c", 8): complex64, ("c", 16): complex128,
}  # fmt: skip


def _from_numpy_dtype(np_dtype: np.dtype) -> DType | None:
    kind = np_dtype.kind
    if kind in "OSU":
        return string
    found = _BY_NUMPY_KIND.get((kind, np_dtype.itemsize))  # any byte order
    if found is not None:
        return found
    if np_dtype.name == "bfloat16":  # ml_dtypes, recognised without importing it
        return bfloat16
    if np_dtype.names is not None:
        for q in QUANTIZED_DTYPES:
            if np_dtype == q.as_numpy_dtype:
                return q
    return None


def as_dtype(type_value) -> DType:
    """Convert ``type_value`` (a DType, name, enum number, NumPy dtype or type) to a DType."""
    if isinstance(type_value, DType):
        return type_value
    if isinstance(type_value, np.dtype):
        found = _from_numpy_dtype(type_value)
        if found is not None:
            return found
    else:
        try:
            return _LOOKUP[type_value]
        except (KeyError, TypeError):  # TypeError: unhashable
            pass
        if isinstance(type_value, type) and issubclass(type_value, np.generic):
            found = _from_numpy_dtype(np.dtype(type_value))  # np.longlong, np.intc, ...
            if found is not None:
                return found
        elif hasattr(type_value, "dtype"):  # arrays; tensors fail here, as in TF
            try:
                found = _from_numpy_dtype(np.dtype(type_value.dtype))
            except TypeError:
                found = None
            if found is not None:
                return found
    raise TypeError(f"Cannot convert the argument `type_value`: {type_value!r} to a TensorFlow DType.")


# -- default dtypes of Python values (tf.constant without a dtype) --------------------

_MIXED = "Can't convert Python sequence with mixed types to Tensor."
_RAGGED = "Can't convert non-rectangular Python sequence to Tensor."
_INT_RANGE = "Can't convert Python sequence with out-of-range integer to Tensor."
# TF says "double-precision" even when the target is float32 or float16.
_FLOAT_RANGE = "Can't convert Python sequence with a value out of range for a double-precision float."

# Leaf categories.
_PYBOOL, _NPBOOL, _INT, _DIM, _FLOAT, _F16, _F32, _F64, _COMPLEX, _STRING, _OTHER = range(11)

# Magnitudes from which a float rounds to infinity in the target type (half-way past max).
_OVERFLOW_AT = {
    float16: 65520.0,
    float32: 3.4028235677973366e38,
    float64: math.inf,
}
_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1

# isinstance() takes tuples faster than `A | B` unions, which are rebuilt at every call.
_INTEGERS = (builtins.int, np.integer)
_COMPLEXES = (builtins.complex, np.complexfloating)
_STRINGS = (str, bytes)  # includes np.str_ and np.bytes_
_ARRAYS = (np.ndarray, np.generic)
_LISTS = (list, tuple)
_SEQUENCES = (list, tuple, range, np.ndarray)
_NOT_SEQUENCES = (str, bytes, dict)


def _category(x) -> int:
    t = type(x)
    if t is builtins.bool:
        return _PYBOOL
    if t is builtins.int:
        return _INT
    if t is builtins.float:
        return _FLOAT
    if isinstance(x, np.bool_):
        return _NPBOOL
    if isinstance(x, _INTEGERS):
        return _INT
    if isinstance(x, np.floating):
        return {np.float16: _F16, np.float32: _F32, np.float64: _F64}.get(t, _FLOAT)
    if isinstance(x, builtins.float):
        return _FLOAT
    if isinstance(x, _COMPLEXES):
        return _COMPLEX
    if isinstance(x, _STRINGS):
        return _STRING
    if isinstance(x, _Dimension) and x.value is not None:
        return _DIM  # an integer to TF's integer conversion only
    return _OTHER


def _initial_dtype(x) -> DType:
    """The dtype TF guesses from the first leaf of a value, before checking the rest."""
    cat = _category(x)
    if cat in (_PYBOOL, _NPBOOL):
        return bool
    if cat in (_INT, _DIM):
        return int32
    if cat in (_FLOAT, _F32):
        return float32
    if cat == _F16:
        return float16
    if cat == _F64:
        return float64
    if cat == _COMPLEX:
        return complex128
    if cat == _STRING:
        return string
    raise ValueError(
        f"Attempt to convert a value ({x!r}) with an unsupported type ({type(x)!r}) to a Tensor."
    )


class _ToFloat(Exception):
    """Integers met a float: like TF, convert everything again, as float32 from the start."""


def _check_float(target: DType, value: float) -> None:
    if abs(value) >= _OVERFLOW_AT[target] and math.isfinite(value):
        raise ValueError(_FLOAT_RANGE)


def _accept(target: DType, x) -> DType:
    """Check one leaf against the dtype found so far; return the (possibly widened) dtype.

    Mirrors TF: integers start as int32 and widen to int64; at the first float the whole
    value is converted again as float32 (``_ToFloat``). Floats accept ints and Python bools;
    complex accepts any Python number; bools and strings accept only their own kind. NumPy
    bools are never numbers, and Dimensions are integers only to the integer conversion.
    """
    cat = _category(x)
    if target is string:
        if cat == _STRING:
            return target
        raise ValueError(_MIXED)
    if target is bool:
        if cat in (_PYBOOL, _NPBOOL):
            return target
        raise ValueError(_MIXED)
    if target is int32 or target is int64:
        if cat == _PYBOOL:
            return target
        if cat in (_INT, _DIM):
            v = int(x)
            if not _INT64_MIN <= v <= _INT64_MAX:
                raise ValueError(_INT_RANGE)
            if target is int32 and not _INT32_MIN <= v <= _INT32_MAX:
                return int64
            return target
        if cat in (_FLOAT, _F16, _F32, _F64):
            raise _ToFloat
        raise ValueError(_MIXED)
    # Now target is floating or complex128: both take integers that fit in a double.
    if cat in (_PYBOOL, _INT):
        try:
            float(x)
        except OverflowError:
            raise ValueError(_FLOAT_RANGE) from None
        return target
    if target is complex128:
        if cat in (_FLOAT, _F16, _F32, _F64, _COMPLEX):
            return target
        raise ValueError(_MIXED)
    # float16, float32 or float64
    if cat in (_FLOAT, _F16, _F32, _F64):
        _check_float(target, float(x))
        return target
    raise ValueError(_MIXED)


def _accept_array(target: DType, arr: np.ndarray) -> DType:
    """``_accept`` for every element of a NumPy array found inside a Python sequence."""
    kind = arr.dtype.kind
    if arr.size == 0:
        return target
    if kind == "O":
        for x in arr.flat:
            target = _accept(target, x)
        return target
    if kind == "b":
        return _accept(target, arr.flat[0])
    if kind in "iu":
        if target is string or target is bool or target is complex128:
            return _accept(target, arr.flat[0])
        if target.is_floating:
            return target
        lo, hi = int(arr.min()), int(arr.max())
        target = _accept(target, lo)
        return _accept(target, hi)
    if kind == "f":
        if target is int32 or target is int64:
            raise _ToFloat
        if target.is_floating:
            finite = arr[np.isfinite(arr)]
            if finite.size:
                _check_float(target, float(np.max(np.abs(finite.astype(np.float64)))))
            return target
        return _accept(target, arr.flat[0])
    if kind in "SU":
        return _accept(target, arr.flat[0])
    if kind == "c" and target is complex128:
        return target
    raise ValueError(_MIXED)


def _is_sequence(x) -> builtins.bool:
    # Python's sequence check, as TF uses it: indexable and sized, but not a dict and not
    # a string (TF reads strings as scalars first).
    if isinstance(x, _SEQUENCES):
        return True
    if isinstance(x, _NOT_SEQUENCES):
        return False
    t = type(x)
    return hasattr(t, "__getitem__") and hasattr(t, "__len__")


def _scalar(x):
    # TF reads 0-d arrays as the scalar they hold.
    if isinstance(x, np.ndarray) and x.ndim == 0:
        return x[()]
    return x


def _accept_flat(target: DType, items: list | tuple) -> DType:
    """``_accept`` over the leaves of an innermost list, in bulk when they share a type."""
    kinds = set(map(type, items))
    if len(kinds) == 1:
        t = kinds.pop()
        if t is builtins.float and (target is int32 or target is int64):
            raise _ToFloat
        if t is builtins.float and target._kind == "f":
            if not max(map(abs, items)) < _OVERFLOW_AT[target]:  # rare (or NaN): look closer
                finite = [v for v in items if v - v == 0.0]  # drops inf and nan
                if finite:
                    _check_float(target, max(map(abs, finite)))
            return target
        if t is builtins.int and target is not bool and target is not string:
            target = _accept(target, min(items))
            return _accept(target, max(items))
        if t in (builtins.bool, str, bytes) or t is builtins.int:
            target = _accept(target, items[0])  # one check covers them all
            return target
    for x in items:
        target = _accept(target, _scalar(x))
    return target


def _dtype_of_numpy(arr: np.ndarray) -> DType:
    if arr.dtype.kind == "O":
        for x in arr.flat:
            if not isinstance(x, _STRINGS):
                raise ValueError(
                    "Failed to convert a NumPy array to a Tensor "
                    f"(Unsupported object type {type(x).__name__})."
                )
        return string
    found = _from_numpy_dtype(arr.dtype)
    if found is not None:
        return found
    if arr.dtype.kind == "V":
        what = "Unsupported numpy data type" if arr.dtype.names else "Unexpected numpy data type"
        raise ValueError(f"Failed to convert a NumPy array to a Tensor ({what}).")
    npy = {"M": "DATETIME", "m": "TIMEDELTA"}.get(arr.dtype.kind)
    if npy is None:
        npy = {"f": "LONGDOUBLE", "c": "CLONGDOUBLE"}.get(arr.dtype.kind, arr.dtype.name.upper())
    raise ValueError(f"Failed to convert a NumPy array to a Tensor (Unsupported numpy type: NPY_{npy}).")


def _scalar_dtype(value) -> DType | None:
    """The dtype of a plain Python scalar (the most common value), or None for anything else."""
    t = type(value)
    if t is builtins.float:
        _check_float(float32, value)
        return float32
    if t is builtins.int:
        if _INT32_MIN <= value <= _INT32_MAX:
            return int32
        if _INT64_MIN <= value <= _INT64_MAX:
            return int64
        raise ValueError(_INT_RANGE)
    if t is builtins.bool:
        return bool
    if t is str or t is bytes:
        return string
    if t is builtins.complex:
        return complex128
    return None


def _walk(x, shape: tuple[int, ...], depth: int, target: DType) -> DType:
    """Check ``x``, found at ``depth``, against ``shape`` and the dtype found so far."""
    if depth == len(shape):
        return _accept(target, _scalar(x))
    if isinstance(x, np.ndarray) and x.ndim > 0:
        return _walk_array(x, shape, depth, target)
    if not isinstance(x, _LISTS):
        try:  # any iterable fills a sequence slot, as TF's PySequence_Fast does
            x = list(x)
        except TypeError:
            raise ValueError(_RAGGED) from None
    if len(x) != shape[depth]:
        raise ValueError(_RAGGED)
    if depth == len(shape) - 1:
        return _accept_flat(target, x)
    for item in x:
        target = _walk(item, shape, depth + 1, target)
    return target


def _walk_array(arr: np.ndarray, shape: tuple[int, ...], depth: int, target: DType) -> DType:
    """``_walk`` for a NumPy array inside a Python sequence, checked as a block."""
    expected = shape[depth:]
    for have, want in zip(arr.shape, expected):
        if have != want:
            raise ValueError(_RAGGED)
        if have == 0:
            return target
    if arr.ndim < len(expected):
        raise ValueError(_RAGGED)  # a scalar where a sequence belongs
    if arr.ndim > len(expected):
        raise ValueError(_MIXED)  # an array where a scalar belongs
    return _accept_array(target, arr)


def _infer_shape_and_dtype(value) -> tuple[tuple[int, ...], DType]:
    """``(shape, dtype)`` that ``tf.constant(value)`` would give, or TF's ValueError.

    NumPy arrays and scalars keep their dtype. Python values follow TF's sequence
    conversion: the shape comes from the first element at each level, the dtype from the
    first leaf (int32, float32, bool, complex128 or string), widened as later leaves
    require; empty sequences are float32.
    """
    dtype = _scalar_dtype(value)
    if dtype is not None:
        return (), dtype
    if isinstance(value, _ARRAYS):
        arr = np.asarray(value)
        return arr.shape, _dtype_of_numpy(arr)
    dims: list[int] = []
    first = _scalar(value)
    while _is_sequence(first):
        n = len(first)
        dims.append(n)
        if n == 0:
            return tuple(dims), float32
        first = _scalar(first[0])
    shape = tuple(dims)
    target = _initial_dtype(first)
    try:
        target = _walk(value, shape, 0, target)
    except _ToFloat:
        target = _walk(value, shape, 0, float32)
    return shape, target


def _default_dtype_for_python_value(value) -> DType:
    """The dtype ``tf.constant(value)`` gives a Python or NumPy value without a dtype."""
    dtype = _scalar_dtype(value)
    if dtype is not None:
        return dtype
    return _infer_shape_and_dtype(value)[1]
