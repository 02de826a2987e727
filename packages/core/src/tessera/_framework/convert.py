"""Turning Python and NumPy values into tensors with TensorFlow's rules.

Python values take TF's default dtypes (int32, float32, ...) and, given a dtype, convert
only without loss of kind (1 -> float32 yes, 2.0 -> int32 no). NumPy values keep their
dtype and, given one, are cast as NumPy casts. ``dtype_hint`` is tried, then dropped.
"""

from __future__ import annotations

import numpy as np

from tessera import dtypes as _dtypes
from tessera._framework import bfloat16 as _bf16
from tessera._framework.context import CPU_DEVICE_NAME, context
from tessera._framework.tensor import EagerTensor, Tensor

_new = object.__new__
_EAGER = EagerTensor
_NP_TO_DTYPE: dict = {}


def dtype_of_array(array: np.ndarray) -> _dtypes.DType:
    """The DType of a NumPy array (object and bytes/str arrays are strings)."""
    npd = array.dtype
    dt = _NP_TO_DTYPE.get(npd)
    if dt is None:
        if npd.kind in "OSU":
            dt = _dtypes.string
        else:
            dt = _dtypes.as_dtype(npd)
        _NP_TO_DTYPE[npd] = dt
    return dt


def wrap(array: np.ndarray, dtype: _dtypes.DType, device: str | None = None) -> EagerTensor:
    """Make an EagerTensor from a buffer already of the right dtype (no checks). Without
    ``device``, a host array goes to the current device (moved there if not the CPU)."""
    t = _new(_EAGER)
    if device is None:
        device = context.device_name
        if device is not CPU_DEVICE_NAME and device != CPU_DEVICE_NAME:
            from tessera._framework.device import from_host

            array = from_host(array, device)
    t._value = array
    t._dtype = dtype
    t._device = device
    return t


def _strings(value) -> np.ndarray:
    def enc(v):
        if isinstance(v, bytes):
            return v
        if isinstance(v, str):
            return v.encode("utf-8")
        if isinstance(v, np.bytes_ | np.str_):
            return enc(v.item())
        raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype string")

    arr = np.asarray(value, dtype=object)
    out = np.empty(arr.shape, dtype=object)
    for idx, v in np.ndenumerate(arr):
        out[idx] = enc(v)
    return out


def _from_numpy(array: np.ndarray, dtype: _dtypes.DType | None) -> tuple[np.ndarray, _dtypes.DType]:
    if array.dtype.kind in "OSU":
        if dtype is not None and dtype is not _dtypes.string:
            try:
                return array.astype(dtype.as_numpy_dtype), dtype
            except (TypeError, ValueError):
                raise TypeError(f"Cannot convert {array!r} to EagerTensor of dtype {dtype.name}"
                                ) from None
        return _strings(array), _dtypes.string
    if dtype is None:
        return array, dtype_of_array(array)
    if dtype is _dtypes.string:
        raise TypeError(f"Cannot convert {array!r} to EagerTensor of dtype string")
    out = array.astype(dtype.as_numpy_dtype, copy=False)
    if dtype is _dtypes.bfloat16:
        out = _bf16.round_to_bfloat16(out)
    return out, dtype


def _is_empty(value) -> bool:
    """A (nested) list with no scalar in it, like [] or [[], []]."""
    if isinstance(value, list | tuple):
        return all(_is_empty(v) for v in value)
    return False


def _python_kind_ok(default: _dtypes.DType, target: _dtypes.DType) -> bool:
    """Whether Python values that would default to ``default`` may become ``target``."""
    if default is target:
        return True
    if default is _dtypes.bool:
        return target.is_bool or target.is_integer or target.is_floating or target.is_complex
    if default.is_integer:
        return target.is_integer or target.is_floating or target.is_complex
    if default.is_floating:
        return target.is_floating or target.is_complex
    if default.is_complex:
        return target.is_complex
    return target is default


def to_numpy(value, dtype: _dtypes.DType | None = None) -> tuple[np.ndarray, _dtypes.DType]:
    """``(array, dtype)`` for a Python or NumPy value, with TF's conversion rules."""
    if isinstance(value, EagerTensor):
        if dtype is not None and dtype is not value._dtype:
            raise TypeError(f"Expected tensor {value._value} with dtype {dtype!r}, "
                            f"but got dtype {value._dtype!r}.")
        return value._value, value._dtype
    if isinstance(value, np.ndarray | np.generic):
        return _from_numpy(np.asarray(value), dtype)
    if hasattr(value, "__array__") and not isinstance(value, list | tuple):
        return _from_numpy(np.asarray(value), dtype)
    default = _dtypes._default_dtype_for_python_value(value)  # validates, raises like TF
    if dtype is not None and _is_empty(value):
        return np.zeros(np.shape(value), dtype=object if dtype is _dtypes.string else
                        dtype.as_numpy_dtype), dtype  # [] has no kind: any dtype will do
    if default is _dtypes.string:
        if dtype is not None and dtype is not _dtypes.string:
            raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.name}")
        return _strings(value), _dtypes.string
    target = dtype or default
    if not _python_kind_ok(default, target):
        raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {target.name}")
    try:
        # Straight to the target: going through the default (float32) would lose precision.
        array = np.asarray(value, dtype=target.as_numpy_dtype)
    except OverflowError:
        array = np.asarray(value).astype(target.as_numpy_dtype)  # TF wraps ints: 300 -> uint8 44
    if target is _dtypes.bfloat16:
        array = _bf16.round_to_bfloat16(array)
    return array, target


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None) -> Tensor:
    """``tf.convert_to_tensor``."""
    if isinstance(value, Tensor):
        if dtype is not None:
            dtype = _dtypes.as_dtype(dtype)
            if dtype != value.dtype:
                raise ValueError(f"Tensor conversion requested dtype {dtype.name} for Tensor "
                                 f"with dtype {value.dtype.name}: {value!r}")
        return value
    conv = getattr(value, "_as_tensor", None)  # Variables and other tensor-likes
    if conv is not None:
        t = conv()
        return convert_to_tensor(t, dtype=dtype) if dtype is not None else t
    if isinstance(value, list | tuple) and any(isinstance(v, Tensor) or hasattr(v, "_as_tensor")
                                              for v in _flat(value)):
        from tessera._framework.pack import maybe_pack  # [t1, t2, 3.0] -> stack

        packed = maybe_pack([v._as_tensor() if hasattr(v, "_as_tensor") else v
                             for v in value], _dtypes.as_dtype(dtype) if dtype else None)
        if packed is not None:
            if dtype is not None and packed.dtype != _dtypes.as_dtype(dtype):
                raise ValueError(f"Tensor conversion requested dtype {dtype} for Tensor with "
                                 f"dtype {packed.dtype.name}")
            return packed
    if dtype is not None:
        return wrap(*to_numpy(value, _dtypes.as_dtype(dtype)))
    if dtype_hint is not None:
        try:
            return wrap(*to_numpy(value, _dtypes.as_dtype(dtype_hint)))
        except (TypeError, ValueError):
            pass
    return wrap(*to_numpy(value))


def _flat(value):
    for v in value:
        if isinstance(v, list | tuple):
            yield from _flat(v)
        else:
            yield v


def constant(value, dtype=None, shape=None, name="Const") -> Tensor:
    """``tf.constant``: a tensor from a value, optionally reshaped or broadcast to ``shape``."""
    if isinstance(value, Tensor) and not isinstance(value, EagerTensor):
        raise TypeError("tf.constant needs a concrete value, not a symbolic tensor; use "
                        "tf.identity or tf.convert_to_tensor inside tf.function")
    array, dt = to_numpy(value, _dtypes.as_dtype(dtype) if dtype is not None else None)
    if shape is not None:
        shape = tuple(int(d) for d in shape)
        n = int(np.prod(shape, dtype=np.int64))
        if array.size == n:
            array = array.reshape(shape)
        elif array.size == 1:
            array = np.full(shape, array.reshape(()), dtype=array.dtype)
        else:
            raise TypeError(
                f"Eager execution of tf.constant with unsupported shape. Tensor {array} "
                f"(converted from {value}) has {array.size} elements, but got `shape` "
                f"{shape} with {n} elements).")
    elif isinstance(value, EagerTensor):
        return value
    return wrap(array, dt)


def is_tensor(x) -> bool:
    """``tf.is_tensor``."""
    return isinstance(x, Tensor) or hasattr(x, "_as_tensor")
