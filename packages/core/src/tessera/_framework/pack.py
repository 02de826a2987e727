"""Auto-packing: a (nested) list holding tensors converts by stacking, as TensorFlow's
``convert_to_tensor([t1, t2, 3.0])`` does (Python numbers take the tensors' dtype)."""

from __future__ import annotations

from tessera._framework.tensor import Tensor


def _first_dtype(value):
    for v in value:
        if isinstance(v, Tensor):
            return v.dtype
        if isinstance(v, list | tuple):
            d = _first_dtype(v)
            if d is not None:
                return d
    return None


def maybe_pack(value, dtype=None):
    """The stacked tensor, or None when the list holds no tensor."""
    inner_dtype = dtype or _first_dtype(value)
    if inner_dtype is None:
        return None
    from tessera._framework.convert import convert_to_tensor
    from tessera._ops import array_ops

    parts = []
    for v in value:
        if isinstance(v, list | tuple):
            packed = maybe_pack(v, inner_dtype)
            parts.append(packed if packed is not None else
                         convert_to_tensor(v, dtype=inner_dtype))
        else:
            parts.append(convert_to_tensor(v, dtype=inner_dtype))
    return array_ops.stack(parts)
