"""Argument handling shared by the public op functions: TF's conversion of op inputs,
its dtype checks and its error messages."""

from __future__ import annotations

from tessera import dtypes as _dtypes
from tessera import errors
from tessera._framework.convert import convert_to_tensor
from tessera._framework.tensor import Tensor

# TensorFlow's DataTypeString names, used in its error messages.
_TF_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "half"}

FLOATS = frozenset(["float16", "bfloat16", "float32", "float64"])
COMPLEX = frozenset(["complex64", "complex128"])
INTS = frozenset(["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"])
SIGNED_INTS = frozenset(["int8", "int16", "int32", "int64"])
REAL = FLOATS | INTS
NUMERIC = REAL | COMPLEX
# TF's allowed-type lists; the order is the one its messages print.
_ORDER = ["bfloat16", "float16", "float32", "float64", "uint8", "uint16", "uint32", "uint64",
          "int8", "int16", "int32", "int64", "complex64", "complex128", "bool", "string"]


def tf_type_name(dtype: _dtypes.DType) -> str:
    return _TF_TYPE_NAMES.get(dtype.name, dtype.name)


def tensor(value, dtype=None, hint=None) -> Tensor:
    """One op input as a tensor (fast path for tensors)."""
    if isinstance(value, Tensor) and dtype is None:
        return value
    return convert_to_tensor(value, dtype=dtype, dtype_hint=hint)


def same_dtype(op_name: str, *values) -> tuple[Tensor, ...]:
    """Inputs sharing one type attr: the first tensor among them sets the dtype hint for the
    others, as TF's op wrappers do; a mismatch is TF's InvalidArgumentError."""
    first = values[0]
    x = first if isinstance(first, Tensor) else convert_to_tensor(first)
    dt = x._dtype
    out = [x]
    for i, v in enumerate(values[1:], 1):
        t = v if isinstance(v, Tensor) else convert_to_tensor(v, dtype_hint=dt)
        if t._dtype is not dt:
            raise errors.InvalidArgumentError(
                None, None,
                f"cannot compute {op_name} as input #{i}(zero-based) was expected to be a "
                f"{tf_type_name(dt)} tensor but is a {tf_type_name(t._dtype)} tensor "
                f"[Op:{op_name}] name: ")
        out.append(t)
    return tuple(out)


def check_dtype(op_name: str, t: Tensor, allowed: frozenset, attr: str = "T") -> None:
    """TF's message for a dtype outside an op's allowed list."""
    if t.dtype.name not in allowed:
        names = ", ".join(tf_type_name(_dtypes.as_dtype(n)) for n in _ORDER if n in allowed)
        raise errors.InvalidArgumentError(
            None, None,
            f"Value for attr '{attr}' of {tf_type_name(t.dtype)} is not in the list of "
            f"allowed values: {names}\n\t; NodeDef: {{{{node {op_name}}}}} [Op:{op_name}] name: ")


def axis_list(axis, rank: int, op_name: str) -> tuple[int, ...] | None:
    """Normalize an axis argument (int, list, tensor or None) to non-negative ints."""
    if axis is None:
        return None
    if isinstance(axis, Tensor):
        axis = axis.numpy().tolist()
    axes = [axis] if isinstance(axis, int) or not hasattr(axis, "__iter__") else list(axis)
    out = []
    for a in axes:
        a = int(a)
        if not -rank <= a < max(rank, 1):
            raise errors.InvalidArgumentError(
                None, None, f"Invalid reduction dimension ({a} for input with {rank} "
                            f"dimension(s) [Op:{op_name}]")
        out.append(a % rank if rank else 0)
    return tuple(out)


def static_shape(t) -> tuple:
    """The shape as a tuple (None for unknown dims); cheap for eager tensors."""
    v = getattr(t, "_value", None)
    if v is not None:
        return v.shape
    dims = t.shape._dims
    if dims is None:
        raise ValueError(f"the rank of {t!r} is unknown here")
    return dims
